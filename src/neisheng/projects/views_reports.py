"""The division reports (issue 14, point 5), in the house style of the coverage pages:

- `/projects/funds/`: the funds of the projects the reader sees, for the chosen division
  (`?division=`, within their scope; their own by default): by source (received, spent,
  balance), by kind of project (what they were used for) and by division one level down,
  each card with its chart, table and Excel export, and every fund in one workbook.
- `/projects/dividends/`: dividends paid per household in a year (`?year=`, by default
  the latest year with payments), the totals per village; exports.
- `/projects/unpaid/`: lifted and monitored households (policy.measures_coverage_statuses)
  paid no dividend in the year; filter: without labor capacity; export.
- The monitoring dashboard's card of dividends paid per division, and its export.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PAYMENTS_RECORD, PERSONS_READ, user_may
from neisheng.assistance.coverage import children_of
from neisheng.engine.schema import STATUS
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.charts import (
    Bar,
    Cell,
    DashboardCard,
    Segment,
    Stack,
    StackedBarChart,
    cells,
)
from neisheng.platform.exports import export_response
from neisheng.platform.extensions import DashboardSource, dashboard_source_add
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.projects import selectors_reports as reports
from neisheng.projects.models import Fund, Project
from neisheng.registry.dashboard_cards import AppDashboard
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.selectors.tree import division_chosen, division_filter_choices

FUNDS_BY_SOURCE = "funds-by-source"
FUNDS_BY_KIND = "funds-by-kind"
FUNDS_BY_DIVISION = "funds-by-division"
FUND_ROWS = "fund-rows"
DIVIDENDS_BY_VILLAGE = "dividends-by-village"
DIVIDENDS_BY_DIVISION = "dividends-by-division"


def url_or_none(name: str, *args) -> str | None:
    """The address of a projects page, or None while its area has not installed it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _chosen(request) -> Division | None:
    """The division asked for; as on the dashboards, one outside the reader's scope is
    ignored and the page shows their own."""
    try:
        return division_chosen(request.user, (request.GET.get("division") or "").strip())
    except Http404:
        return request.user.division


def _path(user, division: Division | None) -> list[Division]:
    """The chosen division and those above it the reader may open, top first."""
    shown = []
    current = division
    while current is not None and scope.code_is_within(user, current.code):
        shown.append(current)
        current = current.parent
    return list(reversed(shown))


def _with_division(url: str, division: Division | None) -> str:
    return url + (f"?{urlencode({'division': division.code})}" if division is not None else "")


def _share(part, whole) -> float | None:
    return float(part / whole) if whole else None


# --------------------------------------------------------------------------- funds


def funds_source_card(user, division: Division | None, projects=None) -> DashboardCard:
    projects = projects if projects is not None else reports.projects_in(user, division)
    by_source = reports.funds_by_source(projects)
    labels = dict(Fund.Source.choices)
    stacks, rows, total = [], [], reports.Money()
    for code, money in by_source.items():
        if not money.received and not money.spent:
            continue
        total.add(money)
        label = gettext(labels[code])
        stacks.append(Stack(label, [Segment(gettext("已支出"), money.spent, tone="s1"),
                                    Segment(gettext("结余"), money.balance, tone="s2")],
                            data=False, total=money.received))
        rows.append([Cell(label), Cell(money.received), Cell(money.spent), Cell(money.balance),
                     Cell(_share(money.spent, money.received), percent=True, decimals=1)])
    return DashboardCard(
        key=FUNDS_BY_SOURCE, title=gettext("资金来源"),
        note=gettext("每条为到位资金,分为已支出和结余(元)。"),
        chart=StackedBarChart(stacks) if stacks else None,
        headers=[gettext("资金来源"), gettext("到位资金(元)"), gettext("已支出(元)"), gettext("结余(元)"),
                 gettext("支出比例")],
        rows=rows, total=cells(gettext("合计"), total.received, total.spent, total.balance,
                               Cell(_share(total.spent, total.received), percent=True, decimals=1)),
        export_action="",
    )


def funds_kind_card(user, division: Division | None, projects=None) -> DashboardCard:
    projects = projects if projects is not None else reports.projects_in(user, division)
    labels = dict(Project.Kind.choices)
    series, rows, total = [], [], reports.Money()
    for code, money in reports.funds_by_kind(projects).items():
        total.add(money)
        label = gettext(labels[code])
        series.append(Bar(label, money.spent))
        rows.append([Cell(label), Cell(money.projects), Cell(money.received), Cell(money.spent),
                     Cell(money.balance)])
    return DashboardCard(
        key=FUNDS_BY_KIND, title=gettext("资金使用(按项目类型)"),
        note=gettext("条形为各类项目已支出的资金(元)。"), series=series,
        headers=[gettext("项目类型"), gettext("项目数"), gettext("到位资金(元)"), gettext("已支出(元)"),
                 gettext("结余(元)")],
        rows=rows, total=cells(gettext("合计"), total.projects, total.received, total.spent, total.balance),
        export_action="",
    )


def funds_division_card(user, division: Division | None, projects=None) -> DashboardCard:
    projects = projects if projects is not None else reports.projects_in(user, division)
    page = reverse("projects:funds")
    series, rows, total = [], [], reports.Money()
    for row in reports.funds_by_division(projects, division, children_of(user, division)):
        total.add(row.money)
        if row.division is None:
            name, code, href, data = gettext("本级或上级主管的项目"), "", None, False
        else:
            name, code, data = row.division.name, row.division.code, True
            href = _with_division(page, row.division) if row.division != division else None
        series.append(Bar(name, row.money.received, href=href, data=data))
        rows.append([Cell(name, href=href, data=data), Cell(code, data=True), Cell(row.money.projects),
                     Cell(row.money.received), Cell(row.money.spent), Cell(row.money.balance)])
    return DashboardCard(
        key=FUNDS_BY_DIVISION, title=gettext("各区划项目资金"),
        note=gettext("按主管项目的下一级区划统计,每个项目只计一次;条形为到位资金(元)。"), series=series,
        headers=[gettext("区划"), gettext("区划代码"), gettext("项目数"), gettext("到位资金(元)"),
                 gettext("已支出(元)"), gettext("结余(元)")],
        rows=rows, total=cells(gettext("合计"), "", total.projects, total.received, total.spent, total.balance),
        export_action="",
    )


FUNDS_CARDS = {FUNDS_BY_SOURCE: funds_source_card, FUNDS_BY_KIND: funds_kind_card,
               FUNDS_BY_DIVISION: funds_division_card}


def _fund_rows_export(request, projects, division: Division | None):
    headers = [gettext("项目名称"), gettext("项目类型"), gettext("主管区划"), gettext("资金来源"), gettext("到位日期"),
               gettext("文号"), gettext("到位资金(元)"), gettext("已支出(元)"), gettext("结余(元)")]
    kinds, sources = dict(Project.Kind.choices), dict(Fund.Source.choices)
    rows = ([row["fund"].project.name, gettext(kinds[row["fund"].project.kind]), row["fund"].project.division_code,
             gettext(sources[row["fund"].source]), row["fund"].received_on, row["fund"].document_no,
             row["fund"].amount, row["spent"], row["balance"]] for row in reports.fund_rows(projects))
    return export_response(request, object_type="project_funds",
                           detail={"card": FUND_ROWS, "division": division.code if division else ""},
                           filename="project-funds", title=gettext("项目资金明细"), headers=headers, rows=rows)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def funds_report(request):
    """Funds by source and their use; a POST exports one card (`card=`) or every fund."""
    user = request.user
    division = _chosen(request)
    projects = reports.projects_in(user, division)
    if request.method == "POST":
        key = request.POST.get("card") or FUND_ROWS
        if key == FUND_ROWS:
            return _fund_rows_export(request, projects, division)
        make = FUNDS_CARDS.get(key)
        if make is None:
            raise Http404
        card = make(user, division, projects)
        headers, rows = card.table()
        return export_response(request, object_type="project_funds",
                               detail={"card": key, "division": division.code if division else ""},
                               filename=key, title=card.title, headers=headers, rows=rows)
    cards = [make(user, division, projects) for make in FUNDS_CARDS.values()]
    return render(request, "projects/reports_funds.html", {
        "division": division, "path": _path(user, division), "cards": cards,
        "projects_count": projects.count(), "list_url": url_or_none("projects:list"),
    })


# --------------------------------------------------------------------------- dividends


def _year_links(query: ListQuery, year: int, years: list[int]) -> list[dict]:
    shown = sorted({*years, year}, reverse=True)
    return [{"year": y, "url": query.url(year=str(y)), "current": y == year} for y in shown]


def dividends_village_card(user, division: Division | None, year: int, payments=None) -> DashboardCard:
    payments = payments if payments is not None else reports.payments_paid(user, year=year, division=division)
    page = reverse("projects:dividends")
    series, rows = [], []
    total = [0, 0, reports.ZERO]
    for v in reports.dividends_per_village(payments):
        href = f"{page}?{urlencode({'year': year, 'division': v.village.code})}"
        total = [total[0] + v.households, total[1] + v.payments, total[2] + v.total]
        series.append(Bar(v.village.name, v.total, href=href, data=True))
        rows.append([Cell(v.village.name, href=href, data=True), Cell(v.village.code, data=True),
                     Cell(v.households), Cell(v.payments), Cell(v.total)])
    return DashboardCard(
        key=DIVIDENDS_BY_VILLAGE, title=gettext("各村分红合计"),
        note=gettext("%(year)s 年已发放的分红;条形为金额(元)。") % {"year": year}, series=series,
        headers=[gettext("村"), gettext("区划代码"), gettext("户数"), gettext("发放笔数"), gettext("分红金额(元)")],
        rows=rows, total=cells(gettext("合计"), "", *total), export_action="",
    )


def _dividend_columns() -> list[Column]:
    return [Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
            Column("head", gettext_lazy("户主"), css="primary"), Column("village", gettext_lazy("村")),
            Column("projects", pgettext_lazy("projects", "项目")),
            Column("payments", gettext_lazy("发放笔数"), order_by=("payments",), numeric=True),
            Column("total", gettext_lazy("分红金额(元)"), order_by=("total",), numeric=True, css="primary")]


def _heads(household_ids) -> dict[str, str]:
    return dict(Person.objects.filter(household_id__in=list(household_ids), relation="head")
                .order_by("household_id", "-alive").values_list("household_id", "name"))


def _villages(codes) -> dict[str, Division]:
    return Division.objects.in_bulk(list(set(codes)))


def _dividend_rows(year: int):
    def rows(items: list[dict]) -> list[dict]:
        ids = [item["household_id"] for item in items]
        heads, villages = _heads(ids), _villages(item["village_id"] for item in items)
        projects = reports.household_projects_paid(ids, year=year)
        return [{**item, "total": reports.money(item["total"]), "head": heads.get(item["household_id"], ""), "village": villages.get(item["village_id"]),
                 "project_list": [{"project": p, "url": url_or_none("projects:detail", p.pk)}
                                  for p in projects.get(item["household_id"], [])]}
                for item in items]

    return rows


def _division_filter(user, asked: str) -> Filter:
    divisions = division_filter_choices(user, asked)
    return Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                  indent=frozenset(d.code for d in divisions if d.level == 5))


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def dividends_report(request):
    """Dividends paid per household in a year; a POST exports every matching household
    (or, with `card=`, the totals per village)."""
    user = request.user
    year, years = reports.year_chosen(user, (request.GET.get("year") or "").strip())
    columns = _dividend_columns()
    query = ListQuery(request.GET, columns=columns, filters=[_division_filter(user, request.GET.get("division", ""))],
                      path=reverse("projects:dividends"), search_label=gettext_lazy("户编号"),
                      extra={"year": str(year)})
    chosen = division_chosen(user, query.values.get("division", "")) if query.values.get("division") else None
    payments = reports.payments_paid(user, year=year, division=chosen)
    if query.q:
        payments = payments.filter(household_id__startswith=query.q)
    grouped = reports.dividends_per_household(payments)
    if request.method == "POST":
        if request.POST.get("card") == DIVIDENDS_BY_VILLAGE:
            headers, rows = dividends_village_card(user, chosen, year, payments).table()
            return export_response(request, object_type="project_dividends",
                                   detail={"card": DIVIDENDS_BY_VILLAGE, "filters": query.filter_params()},
                                   filename=f"dividends-by-village-{year}", title=gettext("各村分红合计"),
                                   headers=headers, rows=rows)
        return _dividends_export(request, grouped.order_by("household_id"), query, year)
    counts = counts_cached(user=user, name="projects-dividends", key=query.filter_params(),
                           compute=lambda: [grouped.count()])
    page = list_page([grouped.order_by(*query.order_by(tiebreak=["household_id"]))], query=query, counts=counts,
                     rows=_dividend_rows(year))
    return render(request, "projects/reports_dividends.html", list_context(
        query, page, year=year, years=_year_links(query, year, years),
        labels={c.name: gettext(str(c.label)) for c in columns},
        card=dividends_village_card(user, chosen, year, payments)))


def _dividends_export(request, grouped, query: ListQuery, year: int):
    headers = [gettext("户编号"), gettext("户主"), gettext("村"), pgettext("projects", "项目"), gettext("发放笔数"),
               gettext("分红金额(元)")]
    batch = 2000
    make = _dividend_rows(year)

    def rows():
        items = list(grouped)
        for start in range(0, len(items), batch):
            for row in make(items[start:start + batch]):
                yield [row["household_id"], row["head"], row["village"].name if row["village"] else "",
                       "、".join(p["project"].name for p in row["project_list"]), row["payments"], row["total"]]

    return export_response(request, object_type="project_dividends",
                           detail={"year": year, "filters": query.filter_params()},
                           filename=f"dividends-{year}", title=gettext("分红发放"), headers=headers, rows=rows())


# --------------------------------------------------------------------------- receiving nothing

WITHOUT_LABOR = "none"


def _unpaid_columns() -> list[Column]:
    return [Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
            Column("head", gettext_lazy("户主"), css="primary"), Column("village", gettext_lazy("村")),
            Column("status", gettext_lazy("户类型")), Column("labor", gettext_lazy("劳动能力"))]


def _unpaid_rows(households: list[Household]) -> list[dict]:
    ids = [h.household_id for h in households]
    heads, capable = _heads(ids), reports.labor_capable_of(ids)
    return [{"household": h, "head": heads.get(h.household_id, ""), "capable": h.household_id in capable}
            for h in households]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def unpaid_report(request):
    """Lifted and monitored households paid no dividend in the year; a POST exports them."""
    user = request.user
    year, years = reports.year_chosen(user, (request.GET.get("year") or "").strip())
    statuses = list(policy_current().policy.measures_coverage_statuses)
    columns = _unpaid_columns()
    filters = [_division_filter(user, request.GET.get("division", "")),
               Filter("status", gettext_lazy("户类型"), choices=[(code, STATUS[code]) for code in statuses]),
               Filter("labor", gettext_lazy("劳动能力"), choices=[(WITHOUT_LABOR, gettext_lazy("无劳动能力户"))])]
    query = ListQuery(request.GET, columns=columns, filters=filters, path=reverse("projects:unpaid"),
                      search_label=gettext_lazy("户编号"), extra={"year": str(year)})
    chosen = division_chosen(user, query.values["division"]) if query.values.get("division") else None
    households = reports.households_unpaid(user, year=year, statuses=[query.values.get("status")] if
                                           query.values.get("status") else statuses, division=chosen,
                                           without_labor=query.values.get("labor") == WITHOUT_LABOR)
    if query.q:
        households = households.filter(household_id__startswith=query.q)
    households = households.select_related("village")
    if request.method == "POST":
        return _unpaid_export(request, households.order_by("household_id"), query, year)
    counts = counts_cached(user=user, name="projects-unpaid", key=query.filter_params(),
                           compute=lambda: [households.count()])
    page = list_page([households.order_by(*query.order_by(tiebreak=["household_id"]))], query=query,
                     counts=counts, rows=_unpaid_rows)
    return render(request, "projects/reports_unpaid.html", list_context(
        query, page, year=year, years=_year_links(query, year, years),
        labels={c.name: gettext(str(c.label)) for c in columns},
        statuses=[STATUS[code] for code in statuses]))


def _unpaid_export(request, households, query: ListQuery, year: int):
    headers = [gettext("户编号"), gettext("户主"), gettext("村"), gettext("户类型"), gettext("劳动能力")]
    batch = 2000

    def rows():
        last = ""
        while True:
            chunk = list(households.filter(household_id__gt=last)[:batch])
            if not chunk:
                return
            for row in _unpaid_rows(chunk):
                h = row["household"]
                yield [h.household_id, row["head"], h.village.name, gettext(STATUS[h.status]),
                       gettext("有劳动能力") if row["capable"] else gettext("无劳动能力")]
            last = chunk[-1].household_id

    return export_response(request, object_type="project_unpaid",
                           detail={"year": year, "filters": query.filter_params()},
                           filename=f"no-dividends-{year}", title=gettext("未获分红的农户"), headers=headers,
                           rows=rows())


# --------------------------------------------------------------------------- the dashboard's card


def dividends_division_card(user, division: Division | None) -> DashboardCard:
    """Dividends paid in the latest year with payments, per division one level down."""
    year, _ = reports.year_chosen(user, "")
    payments = reports.payments_paid(user, year=year, division=division)
    may_list = user_may(user, PERSONS_READ)
    series, rows, total = [], [], [0, reports.ZERO]
    for child, households, amount in reports.dividends_per_division(payments, children_of(user, division)):
        href = (f"{reverse('projects:dividends')}?{urlencode({'year': year, 'division': child.code})}"
                if may_list and households else None)
        total = [total[0] + households, total[1] + amount]
        series.append(Bar(child.name, amount, href=href, data=True))
        rows.append([Cell(child.name, href=href, data=True), Cell(child.code, data=True), Cell(households),
                     Cell(amount)])
    return DashboardCard(
        key=DIVIDENDS_BY_DIVISION, title=gettext("项目收益分红发放"),
        note=gettext("%(year)s 年按下一级区划统计;条形为已发放的金额(元)。") % {"year": year}, series=series,
        headers=[gettext("区划"), gettext("区划代码"), gettext("户数"), gettext("分红金额(元)")],
        rows=rows, total=cells(gettext("合计"), "", *total),
        export_action=_with_division(reverse("projects:reports_card_export", args=[DIVIDENDS_BY_DIVISION]),
                                     division),
    )


DASHBOARD = AppDashboard(name="projects-dividends", cards={DIVIDENDS_BY_DIVISION: dividends_division_card},
                         order=70, object_type="projects_dashboard")
card_export = DASHBOARD.card_export


def dashboard_cards(request, division_code: str) -> list[DashboardCard]:
    """The card, for a division the reader may see, once any dividend was paid there."""
    try:
        division = division_chosen(request.user, division_code or "")
    except Http404:
        return []
    if not reports.any_paid(request.user, division):
        return []
    return [dividends_division_card(request.user, division)]


def register_dashboard() -> None:
    dashboard_source_add(DashboardSource(name="projects-dividends", cards=dashboard_cards, order=70))


# --------------------------------------------------------------------------- work


def payments_work(request) -> dict | None:
    """The home page's card of those who record payments: approved plans whose payments
    are not all paid yet, in their scope, the oldest plan first."""
    user = request.user
    if not (user_may(user, PAYMENTS_RECORD) and user_may(user, PERSONS_READ)):
        return None
    pending = reports.payments_pending(user)
    if not pending.exists():
        return None
    summary = pending.aggregate(n=Count("pk"), total=Sum("amount"), plans=Count("plan_id", distinct=True))
    rows = [{**row, "url": url_or_none("projects:plan", row["plan"].pk)} for row in reports.pending_by_plan(pending)]
    return {"rows": rows, "count": summary["n"], "total": reports.money(summary["total"]), "plans": summary["plans"],
            "list_url": url_or_none("projects:plans")}
