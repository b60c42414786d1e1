"""The cases' cards on the monitoring dashboard (platform.extensions.dashboard_source_add):
cases by state, and overdue cases by division one level down, each with its table and
an Excel export (a POST to /cases/dashboard/<card>/export/?division=<code>).

Counts are of the cases in the reader's scope under the chosen division; a count links
to the case list filtered the same way for roles that may open it."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.cases import selectors
from neisheng.cases.models import State
from neisheng.platform import scope
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.registry.dashboard_cards import AppDashboard
from neisheng.registry.models import Division

BY_STATE = "cases-by-state"
OVERDUE = "cases-overdue"
PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
# Open states first, in the order a case goes through them; closed states last.
STATE_ORDER = [State.REPORTED, State.VERIFIED, State.COMPARED, State.VILLAGE_REVIEWED, State.PUBLICIZED,
               State.TOWN_REVIEWED, State.MONITORING, State.ELIMINATION_PROPOSED, State.ELIMINATION_PUBLICIZED,
               State.RISK_ELIMINATED, State.REJECTED]



def _cases_under(user, division: Division | None):
    cases = selectors.cases_visible_to(user)
    if division is not None:
        prefix = division.code[: PREFIX[division.level]]
        cases = cases.filter(household__village_id__gte=prefix.ljust(12, "0"),
                             household__village_id__lte=prefix.ljust(12, "9"))
    return cases


def _list_url(user, **params) -> str | None:
    if not user_may(user, PERSONS_READ):
        return None
    return reverse("cases:list") + "?" + urlencode({k: v for k, v in params.items() if v})


def _export_url(key: str, division: Division | None) -> str:
    url = reverse("cases:dashboard_export", args=[key])
    return url + (f"?division={division.code}" if division is not None else "")


def by_state_card(user, division: Division | None) -> DashboardCard:
    counts = Counter(_cases_under(user, division).values_list("state", flat=True))
    code = division.code if division is not None else ""
    shown = [(state, counts.get(state, 0)) for state in STATE_ORDER]
    return DashboardCard(
        key=BY_STATE, title=gettext("监测对象:按状态"),
        series=[Bar(gettext(State(state).label), n, href=_list_url(user, state=state, division=code))
                for state, n in shown],
        headers=[gettext("状态"), gettext("户数")],
        rows=[[Cell(gettext(State(state).label)), Cell(n, href=_list_url(user, state=state, division=code))]
              for state, n in shown],
        total=cells(gettext("合计"), sum(n for _state, n in shown)),
        export_action=_export_url(BY_STATE, division),
    )


def _children(user, division: Division | None) -> list[Division]:
    if division is None:
        top = scope.visible_to(user, Division).order_by("level").values_list("level", flat=True).first()
        return list(scope.visible_to(user, Division).filter(level=top).order_by("code")) if top else []
    children = list(Division.objects.filter(parent_id=division.code).order_by("code"))
    return children or [division]


def overdue_card(user, division: Division | None) -> DashboardCard:
    today = timezone.localdate()
    overdue = list(_cases_under(user, division).filter(selectors.cases_overdue_q(today))
                   .values_list("household__village_id", flat=True))
    rows, series = [], []
    for child in _children(user, division):
        prefix = child.code[: PREFIX[child.level]]
        n = sum(1 for village in overdue if village.startswith(prefix))
        href = _list_url(user, overdue="yes", division=child.code)
        tone = "red" if n else ""
        series.append(Bar(child.name, n, href=href, tone=tone, data=True))
        rows.append([Cell(child.name, data=True), Cell(child.code, data=True), Cell(n, href=href, tone=tone)])
    return DashboardCard(
        key=OVERDUE, title=gettext("逾期未完成识别的监测对象"),
        note=gettext("从登记起超过识别期限,尚未经县级审批或不予纳入。"),
        series=series, headers=[gettext("区划"), gettext("区划代码"), gettext("户数")], rows=rows,
        total=cells(gettext("合计"), "", len(overdue)),
        export_action=_export_url(OVERDUE, division),
    )


CARDS = {BY_STATE: by_state_card, OVERDUE: overdue_card}


DASHBOARD = AppDashboard(name="cases", cards=CARDS, order=40, object_type="case_dashboard")
cases_cards = DASHBOARD.cards_for
card_export = DASHBOARD.card_export
register = DASHBOARD.register
