"""The problem ledger's card on the monitoring dashboard (platform.extensions
dashboard_source_add): open, awaiting review, overdue and closed problems per division
one level down from the chosen one (the villages of a town, the towns of a county), with
its table and an Excel export (a POST to /problems/dashboard/<card>/export/?division=).

The bars are the unclosed problems; a count links to the ledger filtered the same way
for roles that may open it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.platform import scope
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.problems import selectors
from neisheng.registry.dashboard_cards import AppDashboard
from neisheng.registry.models import Division

BY_DIVISION = "problems-by-division"



def _children(user, division: Division | None) -> list[Division]:
    if division is None:
        top = scope.visible_to(user, Division).order_by("level").values_list("level", flat=True).first()
        return list(scope.visible_to(user, Division).filter(level=top).order_by("code")) if top else []
    children = list(Division.objects.filter(parent_id=division.code).order_by("code"))
    return children or [division]


def _list_url(user, **params) -> str | None:
    if not user_may(user, PERSONS_READ):
        return None
    return reverse("problems:list") + "?" + urlencode({k: v for k, v in params.items() if v})


def by_division_card(user, division: Division | None) -> DashboardCard:
    today = timezone.localdate()
    counts = selectors.problem_counts_by_village(user=user, division_code=division.code if division else None,
                                                 today=today)
    rows, series, totals = [], [], [0, 0, 0, 0]
    for child in _children(user, division):
        mine = [c for c in counts if selectors.code_within(c.village_code, child.code)]
        numbers = [sum(c.open for c in mine), sum(c.resolved for c in mine), sum(c.overdue for c in mine),
                   sum(c.closed for c in mine)]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        unclosed = numbers[0] + numbers[1]
        series.append(Bar(child.name, unclosed, href=_list_url(user, division=child.code),
                          tone="red" if numbers[2] else "", data=True))
        rows.append([Cell(child.name, data=True), Cell(child.code, data=True),
                     Cell(numbers[0], href=_list_url(user, state="open", division=child.code)),
                     Cell(numbers[1], href=_list_url(user, state="resolved", division=child.code)),
                     Cell(numbers[2], href=_list_url(user, overdue="yes", division=child.code),
                          tone="red" if numbers[2] else ""),
                     Cell(numbers[3], href=_list_url(user, state="closed", division=child.code))])
    url = reverse("problems:dashboard_export", args=[BY_DIVISION])
    return DashboardCard(
        key=BY_DIVISION, title=gettext("问题台账"),
        note=gettext("未销号的问题(待整改和待审核);逾期:已过整改期限仍未销号。"),
        series=series,
        headers=[gettext("区划"), gettext("区划代码"), gettext("待整改"), gettext("已整改待审核"), gettext("已逾期"),
                 gettext("已销号")],
        rows=rows, total=cells(gettext("合计"), "", *totals),
        export_action=url + (f"?division={division.code}" if division is not None else ""),
    )


CARDS = {BY_DIVISION: by_division_card}


DASHBOARD = AppDashboard(name="problems", cards=CARDS, order=45, object_type="problem_dashboard")
problems_cards = DASHBOARD.cards_for
card_export = DASHBOARD.card_export
register = DASHBOARD.register
