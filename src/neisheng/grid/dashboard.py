"""The grid's card on the monitoring dashboard (platform.extensions.dashboard_source_add):
the coverage gaps (grid/coverage.py) of the chosen division, one row per division one
level down, with its Excel export (a POST to /grid/dashboard/<card>/export/?division=).

The numbers are coverage_rows' for the reader (their scope), kept in the cache until the
data changes (coverage.coverage_rows_cached)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.grid import coverage
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.platform.exports import dashboard_card_export
from neisheng.platform.extensions import DashboardSource, dashboard_source_add

GAPS = "grid-coverage"


def _rows(user, code: str) -> list[coverage.CoverageRow]:
    return coverage.coverage_rows_cached(user=user, division_code=code)


def _children(rows: list[coverage.CoverageRow]) -> list[coverage.CoverageRow]:
    total = rows[-1]
    below = [r for r in rows[:-1] if r.level == total.level + 1] if total.level else \
        [r for r in rows[:-1] if r.level == coverage.TOWN]
    return below or [total]


def _link(user, name: str, code: str) -> str | None:
    if not user_may(user, PERSONS_READ):
        return None
    return reverse(name) + ("?" + urlencode({"division": code}) if code else "")


def gaps_card(user, code: str) -> DashboardCard:
    rows = _rows(user, code)
    total = rows[-1]
    children = _children(rows)
    series, table = [], []
    for row in children:
        href = _link(user, "grid:coverage_households", row.code)
        tone = "red" if row.without_cadre else ""
        series.append(Bar(row.name, row.without_cadre, href=href, tone=tone, data=True))
        table.append([Cell(row.name, data=True), Cell(row.code, data=True), Cell(row.needing),
                      Cell(row.without_cadre, href=href, tone=tone),
                      Cell(row.over_capacity, href=_link(user, "grid:coverage_cadres", row.code)),
                      Cell(row.without_leader), Cell(row.without_area)])
    return DashboardCard(
        key=GAPS, title=gettext("网格覆盖缺口"),
        note=gettext("需要帮扶责任人而没有的户、超过包户上限的干部、没有包村领导或包片干部的村。"),
        series=series,
        headers=[gettext("区划"), gettext("区划代码"), gettext("需结对户数"), gettext("未结对户数"),
                 gettext("超额干部"), gettext("无包村领导的村"), gettext("无包片干部的村")],
        rows=table,
        total=cells(gettext("合计"), "", total.needing, total.without_cadre, total.over_capacity,
                    total.without_leader, total.without_area),
        export_action=reverse("grid:dashboard_export", args=[GAPS]) + (f"?division={code}" if code else ""),
    )


CARDS = {GAPS: gaps_card}


def grid_cards(request, division_code: str) -> list[DashboardCard]:
    try:
        return [make(request.user, division_code or "") for make in CARDS.values()]
    except Http404:
        return []


@require_http_methods(["GET", "HEAD", "POST"])
def card_export(request, key: str):
    def card_for(key, code):
        make = CARDS.get(key)
        return None if make is None else make(request.user, code)

    return dashboard_card_export(request, key=key, card_for=card_for, object_type="grid_dashboard")


def register() -> None:
    """The coverage card, and the words the audit log names the coverage, assignment and
    board entries with (from GridConfig.ready())."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register

    dashboard_source_add(DashboardSource(name="grid", cards=grid_cards, order=45))
    audit_vocabulary_register(
        object_types={"assignment_run": pgettext_lazy("audit object", "自动分配"),
                      "grid_board": pgettext_lazy("audit object", "公示牌"),
                      "grid_coverage": pgettext_lazy("audit object", "网格覆盖"),
                      "grid_coverage_households": pgettext_lazy("audit object", "未结对农户"),
                      "grid_coverage_cadres": pgettext_lazy("audit object", "超额干部"),
                      "grid_assignment_pairs": pgettext_lazy("audit object", "自动分配结对"),
                      "grid_dashboard": pgettext_lazy("audit object", "网格覆盖缺口")},
        filters={"gaps": (gettext_lazy("只看有缺口的"), {"yes": gettext_lazy("是")}),
                 "assignment": (gettext_lazy("自动分配"), None), "villages": (gettext_lazy("村"), None)},
        fields={"assignment_run": {"assigned": gettext_lazy("新结对"), "kept": gettext_lazy("保留结对"),
                                   "unassigned": gettext_lazy("未能分配"), "total_cost": gettext_lazy("总成本"),
                                   "over_capacity": gettext_lazy("超额干部"), "error": gettext_lazy("错误")}},
    )
