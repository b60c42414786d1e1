"""The dashboard's card "warning lists' follow-up" (platform.extensions.dashboard_source_add):
for the latest run covering the chosen division, its rows by follow-up status, and the
same for each division one level down (open, overdue, case opened, dismissed), each
count linking to the warning list filtered. Counts only, so every role sees the card;
the links are for roles that may open the list."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.platform import scope
from neisheng.platform.charts import Bar, Cell, DashboardCard
from neisheng.platform.extensions import DashboardSource, dashboard_source_add
from neisheng.registry.models import Division
from neisheng.warninglists import selectors

COUNTED = ("open", "overdue", "case_opened", "dismissed")


def division_for(user, asked: str | None) -> str:
    """The division the card is for: the one asked for when it lies in the user's scope,
    else the user's own ("" for a user without one: every county)."""
    asked = (asked or "").strip()
    if asked and len(asked) == 12 and asked.isdigit() and scope.code_is_within(user, asked):
        return asked
    return user.division_id or ""


def _latest_run(division_code: str):
    runs = selectors.finished_runs()
    if division_code:
        runs = runs.filter(division_code__in=selectors._covering(division_code))
    return runs.order_by("-started_at", "-pk").first()


def follow_up_card(user, division_code: str, *, export_action: str | None) -> DashboardCard | None:
    run = _latest_run(division_code)
    if run is None:
        return None
    level = level_of(division_code) if division_code else 2
    prefix = division_code[: PREFIX_LENGTH[level]] if division_code else ""
    length = PREFIX_LENGTH[min(level + 1, 5)]
    by_child = selectors.follow_up_by_division(user, run, prefix, length)
    names = dict(Division.objects.filter(code__in=list(by_child)).values_list("code", "name"))
    links = user_may(user, PERSONS_READ)
    list_path = reverse("warninglists:list")
    follow_path = reverse("warninglists:follow_up")

    def list_url(division: str, **params) -> str | None:
        if not links:
            return None
        return list_path + "?" + urlencode({"run": run.pk, **({"division": division} if division else {}), **params})

    totals = {name: sum(counts[name] for counts in by_child.values()) for name in (*COUNTED, "total", "handed")}
    labels = {name: gettext(selectors.STATUSES[name]) for name in COUNTED}
    series = [Bar(labels[name], totals[name], href=list_url(division_code, status=name),
                  tone="red" if name == "overdue" else "") for name in COUNTED]
    rows, export_rows = [], []
    for code in sorted(by_child):
        counts = by_child[code]
        name = names.get(code, code)
        deeper = follow_path + "?" + urlencode({"division": code}) if level_of(code) < 5 and code != division_code \
            else None
        rows.append([Cell(name, href=deeper, data=True),
                     Cell(counts["total"], href=list_url(code)),
                     Cell(counts["handed"]),
                     *(Cell(counts[n], href=list_url(code, status=n),
                            tone="red" if n == "overdue" and counts[n] else "") for n in COUNTED)])
        export_rows.append([code, name, counts["total"], counts["handed"], *(counts[n] for n in COUNTED)])
    headers = [gettext("区划"), gettext("预警户"), gettext("已交办"), *(labels[n] for n in COUNTED)]
    total = [Cell(gettext("合计")), Cell(totals["total"], href=list_url(division_code)), Cell(totals["handed"]),
             *(Cell(totals[n], href=list_url(division_code, status=n),
                    tone="red" if n == "overdue" and totals[n] else "") for n in COUNTED)]
    return DashboardCard(
        key="warning-follow-up", title=gettext("预警清单跟进"),
        note=gettext("%(year)s 年监测(第 %(id)s 次运行)的预警户,按跟进状态;逾期为超过办结期限仍未跟进。") % {
            "year": run.year, "id": run.pk},
        series=series, headers=headers, rows=rows, total=total, export_action=export_action,
        extra={"run": run, "export_headers": [gettext("区划代码"), *headers],
               "export_rows": [*export_rows, ["", gettext("合计"), totals["total"], totals["handed"],
                                              *(totals[n] for n in COUNTED)]]},
    )


def dashboard_cards(request, division_code: str) -> list[DashboardCard]:
    action = reverse("warninglists:follow_up") + "?" + urlencode({"division": division_code or ""})
    card = follow_up_card(request.user, division_code, export_action=action)
    return [card] if card is not None else []


def register() -> None:
    dashboard_source_add(DashboardSource(name="warnings", cards=dashboard_cards, order=50))
