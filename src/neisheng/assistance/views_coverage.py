"""Coverage of the policy targets (issue 13, point 3): `/assistance/coverage/` gives, for
the chosen division, how many are eligible for each target and how many miss it, per
division one level down (counts only: every role may read them, researchers too);
`/assistance/coverage/<target>/` lists each gap with its household and member (persons.read),
with the Excel export of every matching gap."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.assistance.coverage import Coverage, child_rows, coverage_for, share
from neisheng.engine import coverage as rules
from neisheng.engine.schema import STATUS
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.charts import Bar, Cell, DashboardCard, cells
from neisheng.platform.exports import export_response
from neisheng.platform.extensions import DashboardSource, dashboard_source_add
from neisheng.platform.listing import Column, Filter, ListQuery, list_context, list_page
from neisheng.registry.dashboard_cards import AppDashboard
from neisheng.registry.models import Division, Household, Person
from neisheng.registry.selectors.tree import division_chosen, division_filter_choices

SUMMARY = "coverage-summary"
# What each target counts, for the table's headers (members, villages or households).
UNITS = {
    rules.MEMBER_WITHOUT_SKILL: gettext_lazy("人"),
    rules.POOR_VILLAGE_WITHOUT_INDUSTRY: gettext_lazy("个村"),
    rules.ABLE_HOUSEHOLD_WITHOUT_INDUSTRY: gettext_lazy("户"),
    rules.INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT: gettext_lazy("户"),
}
PERSON_TARGETS = frozenset({rules.MEMBER_WITHOUT_SKILL})
VILLAGE_TARGETS = frozenset({rules.POOR_VILLAGE_WITHOUT_INDUSTRY})


def _card_key(target: str) -> str:
    return f"coverage-{target.replace('_', '-')}"


def gap_list_url(user, target: str, division: Division | None) -> str | None:
    """Where a gap count leads, for roles that may read households; None for the others."""
    if not user_may(user, PERSONS_READ):
        return None
    url = reverse("assistance:coverage_gaps", args=[target])
    return url + (f"?{urlencode({'division': division.code})}" if division is not None else "")


def _overview_url(division: Division | None) -> str:
    return reverse("assistance:coverage") + (f"?division={division.code}" if division is not None else "")


def _export_url(key: str, division: Division | None) -> str:
    url = reverse("assistance:coverage_card_export", args=[key])
    return url + (f"?division={division.code}" if division is not None else "")


def summary_card(user, division: Division | None, coverage: Coverage | None = None) -> DashboardCard:
    """The division's four targets: the gaps as bars, eligible, gaps and share in the table."""
    coverage = coverage or coverage_for(user, division)
    totals = coverage.totals(division.prefix if division is not None else "")
    series, rows = [], []
    for target, name in rules.TARGETS.items():
        eligible, gaps = totals[target]
        href = gap_list_url(user, target, division)
        series.append(Bar(gettext(name), gaps, href=href if gaps else None, tone="red" if gaps else ""))
        rows.append([Cell(gettext(name)), Cell(gettext(UNITS[target])), Cell(eligible),
                     Cell(gaps, href=href if gaps else None, tone="red" if gaps else ""),
                     Cell(share(eligible, gaps), percent=True, decimals=1)])
    return DashboardCard(
        key=SUMMARY, title=gettext("政策目标覆盖情况"),
        note=gettext("%(year)s 年度政策;条形为未达到目标的数量。") % {"year": coverage.year},
        series=series,
        headers=[gettext("目标"), gettext("单位"), gettext("应覆盖"), gettext("未覆盖"), gettext("未覆盖比例")],
        rows=rows, export_action=_export_url(SUMMARY, division),
    )


def target_card(target: str):
    def make(user, division: Division | None, coverage: Coverage | None = None) -> DashboardCard:
        coverage = coverage or coverage_for(user, division)
        series, rows, total = [], [], [0, 0]
        for child in child_rows(user, division, coverage):
            eligible, gaps = child.totals[target]
            total = [total[0] + eligible, total[1] + gaps]
            href = gap_list_url(user, target, child.division)
            series.append(Bar(child.division.name, gaps, href=href if gaps else None, tone="red" if gaps else "",
                              data=True))
            rows.append([Cell(child.division.name, href=_overview_url(child.division)
                              if child.division != division else None, data=True),
                         Cell(child.division.code, data=True), Cell(eligible),
                         Cell(gaps, href=href if gaps else None, tone="red" if gaps else ""),
                         Cell(share(eligible, gaps), percent=True, decimals=1)])
        return DashboardCard(
            key=_card_key(target), title=gettext(rules.TARGETS[target]),
            note=gettext("按下一级区划统计;条形为未覆盖的数量(%(unit)s)。") % {"unit": gettext(UNITS[target])},
            series=series,
            headers=[gettext("区划"), gettext("区划代码"), gettext("应覆盖"), gettext("未覆盖"), gettext("未覆盖比例")],
            rows=rows, total=cells(gettext("合计"), "", total[0], total[1],
                                   Cell(share(*total), percent=True, decimals=1)),
            export_action=_export_url(_card_key(target), division),
        )

    return make


CARDS = {SUMMARY: summary_card, **{_card_key(target): target_card(target) for target in rules.TARGETS}}
# Every card's export; the monitoring dashboard shows the summary alone (registered below).
DASHBOARD = AppDashboard(name="coverage", cards=CARDS, order=60, object_type="coverage_dashboard")
card_export = DASHBOARD.card_export


def dashboard_cards(request, division_code: str) -> list[DashboardCard]:
    try:
        division = division_chosen(request.user, division_code or "")
    except Http404:
        return []
    return [summary_card(request.user, division)]


def register_dashboard() -> None:
    dashboard_source_add(DashboardSource(name="coverage", cards=dashboard_cards, order=60))


def _path(division: Division | None, user) -> list[Division]:
    """The chosen division and those above it the reader may open, top first."""
    shown = []
    current = division
    while current is not None and scope.code_is_within(user, current.code):
        shown.append(current)
        current = current.parent
    return list(reversed(shown))


@login_required
@require_http_methods(["GET", "HEAD"])
def coverage_overview(request):
    user = request.user
    try:
        division = division_chosen(user, (request.GET.get("division") or "").strip())
    except Http404:
        # As on the monitoring dashboard: a division outside the reader's scope is
        # ignored and the page shows their own.
        division = user.division
    coverage = coverage_for(user, division)
    cards = [summary_card(user, division, coverage),
             *[target_card(target)(user, division, coverage) for target in rules.TARGETS]]
    return render(request, "assistance/coverage_overview.html", {
        "division": division, "path": _path(division, user), "year": coverage.year, "cards": cards,
        "may_list": user_may(user, PERSONS_READ),
        "statuses": [STATUS[code] for code in policy_current().policy.measures_coverage_statuses],
    })


# --------------------------------------------------------------------------- one target's gaps


class _GapRows:
    """A target's gaps (Arrow) as the list pattern's segment: sliced from either end."""

    def __init__(self, table, backwards: bool = False):
        self.table = table
        self.backwards = backwards

    def __getitem__(self, part: slice) -> list[dict]:
        n = self.table.num_rows
        start, stop = part.start or 0, min(part.stop if part.stop is not None else n, n)
        if self.backwards:
            start, stop = n - stop, n - start
            return list(reversed(self.table.slice(start, max(0, stop - start)).to_pylist()))
        return self.table.slice(start, max(0, stop - start)).to_pylist()

    def reverse(self) -> _GapRows:
        return _GapRows(self.table, not self.backwards)


def _columns(target: str) -> list[Column]:
    if target in VILLAGE_TARGETS:
        return [Column("village", gettext_lazy("村"), css="primary"), Column("code", gettext_lazy("区划代码")),
                Column("town", gettext_lazy("乡镇"))]
    columns = [Column("household", gettext_lazy("户编号"), css="primary"), Column("head", gettext_lazy("户主")),
               Column("village", gettext_lazy("村"))]
    if target in PERSON_TARGETS:
        columns += [Column("person", gettext_lazy("姓名"), css="primary"), Column("id_number", gettext_lazy("证件号码"))]
    return columns


def _matching(table, q: str):
    """Gaps whose household number (or a village's code) starts with the search."""
    if not q:
        return table
    import pyarrow.compute as pc

    key = table["village_code"] if table.num_rows and table["household_id"].null_count == table.num_rows \
        else table["household_id"]
    return table.filter(pc.fill_null(pc.starts_with(key, q), False))


def _rows(target: str, gaps: list[dict]) -> list[dict]:
    """The page's gaps with their households, heads, villages and members (four queries)."""
    household_ids = {g["household_id"] for g in gaps if g["household_id"]}
    village_codes = {g["village_code"] for g in gaps}
    households = {h.household_id: h for h in Household.objects.filter(pk__in=household_ids)}
    heads = dict(Person.objects.filter(household_id__in=household_ids, relation="head")
                 .order_by("household_id", "-alive").values_list("household_id", "name"))
    villages = {d.code: d for d in Division.objects.filter(pk__in=village_codes).select_related("parent")}
    persons = {p.person_id: p for p in Person.objects.filter(pk__in={g["person_id"] for g in gaps if g["person_id"]})}
    shown = []
    for gap in gaps:
        village = villages.get(gap["village_code"])
        shown.append({
            "household_id": gap["household_id"], "household": households.get(gap["household_id"]),
            "head": heads.get(gap["household_id"], ""), "village": village,
            "town": village.parent if village is not None else None, "village_code": gap["village_code"],
            "person": persons.get(gap["person_id"]) if gap["person_id"] else None,
        })
    return shown


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def coverage_gap_list(request, target: str):
    """One target's gaps in the user's scope (the division filter narrows them); a POST
    to the same address exports every matching gap, ID numbers masked."""
    if target not in rules.TARGETS:
        raise Http404
    user = request.user
    asked = (request.GET.get("division") or "").strip()
    divisions = division_filter_choices(user, asked)
    filters = [Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions],
                      translate=False, indent=frozenset(d.code for d in divisions if d.level == 5))]
    columns = _columns(target)
    search = gettext_lazy("村代码") if target in VILLAGE_TARGETS else gettext_lazy("户编号")
    query = ListQuery(request.GET, columns=columns, filters=filters,
                      path=reverse("assistance:coverage_gaps", args=[target]), search_label=search)
    chosen = division_chosen(user, query.values.get("division", ""))
    coverage = coverage_for(user, chosen if chosen is not None else user.division)
    gaps = _matching(coverage.gaps_of(target, chosen.prefix if chosen is not None else ""), query.q)
    if request.method == "POST":
        return _export(request, target, gaps, query)
    page = list_page([_GapRows(gaps)], query=query, counts=[gaps.num_rows],
                     rows=lambda items: _rows(target, items))
    return render(request, "assistance/coverage_gaps.html", list_context(
        query, page, target=target, target_name=rules.TARGETS[target], year=coverage.year,
        labels={column.name: gettext(str(column.label)) for column in columns},
        person_target=target in PERSON_TARGETS, village_target=target in VILLAGE_TARGETS,
        overview_url=_overview_url(chosen)))


def _export(request, target: str, gaps, query: ListQuery):
    columns = _columns(target)
    headers = [gettext(str(c.label)) for c in columns if c.name != "code"]
    if target in VILLAGE_TARGETS:
        headers = [gettext("村"), gettext("区划代码"), gettext("乡镇")]
    batch = 2000

    def rows():
        for start in range(0, gaps.num_rows, batch):
            for row in _rows(target, gaps.slice(start, batch).to_pylist()):
                village = row["village"].name if row["village"] else ""
                if target in VILLAGE_TARGETS:
                    yield [village, row["village_code"], row["town"].name if row["town"] else ""]
                    continue
                cells_ = [row["household_id"], row["head"], village]
                if target in PERSON_TARGETS:
                    person = row["person"]
                    cells_ += [person.name if person else "", mask_id_number(person.person_id) if person else ""]
                yield cells_

    name = gettext(rules.TARGETS[target])
    return export_response(request, object_type="coverage_gaps",
                           detail={"target": target, "filters": query.filter_params()},
                           filename=f"{rules.TARGETS[target]}-coverage", title=name, headers=headers, rows=rows())
