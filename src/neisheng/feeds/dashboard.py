"""The findings' card on the monitoring dashboard (platform.extensions
dashboard_source_add): findings by rule per division one level down from the chosen one
(the villages of a town, the towns of a county), with its table and an Excel export (a
POST to /feeds/findings/dashboard/<card>/export/?division=).

The bars are the findings still to decide (new); a count links to the findings list
filtered the same way for roles that may open it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.engine.screening import RULES
from neisheng.feeds import finding_selectors as selectors
from neisheng.platform import scope
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.registry.dashboard_cards import AppDashboard
from neisheng.registry.models import Division

BY_RULE = "findings-by-rule"


def _children(user, division: Division | None) -> list[Division]:
    if division is None:
        top = scope.visible_to(user, Division).order_by("level").values_list("level", flat=True).first()
        return list(scope.visible_to(user, Division).filter(level=top).order_by("code")) if top else []
    children = list(Division.objects.filter(parent_id=division.code).order_by("code"))
    return children or [division]


def _within(code: str, division: Division) -> bool:
    return code.startswith(division.prefix)


def _list_url(user, **params) -> str | None:
    if not user_may(user, PERSONS_READ):
        return None
    return reverse("feeds:finding_list") + "?" + urlencode({k: v for k, v in params.items() if v})


def by_rule_card(user, division: Division | None) -> DashboardCard:
    counts = selectors.finding_counts(user=user, division_code=division.code if division else None)
    rules = [rule for rule in RULES if any(c.rule == rule for c in counts)]
    rows, series, totals = [], [], [0] * (len(rules) + 2)
    for child in _children(user, division):
        mine = [c for c in counts if _within(c.division_code, child)]
        per_rule = [sum(c.new + c.confirmed + c.dismissed for c in mine if c.rule == rule) for rule in rules]
        new = sum(c.new for c in mine)
        confirmed = sum(c.confirmed for c in mine)
        numbers = [*per_rule, new, confirmed]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        series.append(Bar(child.name, new, href=_list_url(user, state="new", division=child.code),
                          tone="red" if new else "", data=True))
        rows.append([Cell(child.name, data=True), Cell(child.code, data=True),
                     *[Cell(n, href=_list_url(user, rule=rule, division=child.code) if n else None)
                       for rule, n in zip(rules, per_rule, strict=True)],
                     Cell(new, href=_list_url(user, state="new", division=child.code), tone="red" if new else ""),
                     Cell(confirmed, href=_list_url(user, state="confirmed", division=child.code))])
    url = reverse("feeds:dashboard_export", args=[BY_RULE])
    return DashboardCard(
        key=BY_RULE, title=gettext("部门筛查线索"),
        note=gettext("按规则统计部门比对发现的线索;条形为待处理的线索。"),
        series=series,
        headers=[gettext("区划"), gettext("区划代码"), *[gettext(RULES[r]) for r in rules], gettext("待处理"),
                 gettext("已确认")],
        rows=rows, total=cells(gettext("合计"), "", *totals),
        export_action=url + (f"?division={division.code}" if division is not None else ""),
    )


CARDS = {BY_RULE: by_rule_card}


DASHBOARD = AppDashboard(name="findings", cards=CARDS, order=47, object_type="finding_dashboard")
findings_cards = DASHBOARD.cards_for
card_export = DASHBOARD.card_export
register = DASHBOARD.register
