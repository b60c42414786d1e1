"""The coverage pages (grid/coverage.py): per village with town and division totals, and
the two lists behind its gaps (households without a cadre, cadres over capacity), each a
list page with its Excel export (a POST to the page's own address)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import GRID_ASSIGN, GRID_EDIT, PERSONS_READ, user_may
from neisheng.engine import schema
from neisheng.grid import coverage, selectors
from neisheng.grid.assign import LEVELS as ASSIGN_LEVELS
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, Filter, ListQuery, list_context, list_page
from neisheng.registry.selectors.tree import division_filter_choices


class Rows:
    """A computed list as list_page reads a queryset: sliced, and read from the end."""

    def __init__(self, items: list):
        self.items = items

    def __getitem__(self, index):
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def reverse(self) -> Rows:
        return Rows(self.items[::-1])


def division_filter(user, params) -> Filter:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
                  indent=frozenset(d.code for d in divisions if d.level == 5))


YES = [("yes", gettext_lazy("是"))]
COVERAGE_COLUMNS = [
    Column("division", gettext_lazy("区划"), css="primary"),
    Column("needing", gettext_lazy("需结对户数"), numeric=True),
    Column("without_cadre", gettext_lazy("未结对户数"), numeric=True, css="primary"),
    Column("over_capacity", gettext_lazy("超额干部"), numeric=True),
    Column("without_leader", gettext_lazy("无包村领导的村"), numeric=True),
    Column("without_area", gettext_lazy("无包片干部的村"), numeric=True),
]


def _matches(row: coverage.CoverageRow, query: ListQuery) -> bool:
    if row.total:
        return True
    if query.q and query.q not in row.name and not row.code.startswith(query.q):
        return False
    return not (query.values.get("gaps") == "yes" and not row.gaps)


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def coverage_page(request):
    """Every village's gaps, each town's and the division's; the assign button."""
    user = request.user
    filters = [division_filter(user, request.GET), Filter("gaps", gettext_lazy("只看有缺口的"), choices=YES)]
    query = ListQuery(request.GET, columns=COVERAGE_COLUMNS, filters=filters, path=reverse("grid:coverage"),
                      search_label=gettext_lazy("村名"))
    code = query.values.get("division", "")
    division = coverage.coverage_division(user, code)
    rows = [r for r in coverage.coverage_rows_cached(user=user, division_code=code) if _matches(r, query)]
    if request.method == "POST":
        return export_response(
            request, object_type="grid_coverage", detail={"division": code, **query.filter_params()},
            filename="coverage", title=gettext("网格覆盖"),
            headers=[gettext("区划代码"), gettext("区划"), gettext("需结对户数"), gettext("未结对户数"),
                     gettext("超额干部"), gettext("无包村领导的村"), gettext("无包片干部的村")],
            rows=[[r.code, r.name or gettext("全部区划"), r.needing, r.without_cadre, r.over_capacity,
                   r.without_leader, r.without_area] for r in rows])
    total = rows[-1] if rows and rows[-1].total else None
    body = rows[:-1] if total is not None else rows
    page = list_page([Rows(body)], query=query, counts=[len(body)], size=200)
    may_assign = (user_may(user, GRID_ASSIGN) and division is not None and division.level in ASSIGN_LEVELS)
    params = f"?division={code}" if code else ""
    return render(request, "grid/coverage.html", list_context(
        query, page, total=total, division=division, may_assign=may_assign, params=params,
        may_edit=user_may(user, GRID_EDIT),
    ))


HOUSEHOLD_COLUMNS = [
    Column("household", gettext_lazy("户编号"), css="primary"),
    Column("head", gettext_lazy("户主"), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("status", gettext_lazy("户类型")),
    Column("action", gettext_lazy("操作")),
]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def households_without_cadre_page(request):
    """Households that need a cadre and have none, each with a way to pair it."""
    user = request.user
    query = ListQuery(request.GET, columns=HOUSEHOLD_COLUMNS, filters=[division_filter(user, request.GET)],
                      path=reverse("grid:coverage_households"), search_label=gettext_lazy("户编号"))
    division = coverage.coverage_division(user, query.values.get("division", ""))
    found = coverage.households_without_cadre(user, division)
    if query.q:
        found = [(h, v) for h, v in found if query.q in h]

    def shown(pairs: list) -> list[dict]:
        ids = [h for h, _v in pairs]
        households = coverage.household_rows(ids)
        heads = selectors.head_names(ids)
        return [{"household": households[h], "head": heads.get(h, ""),
                 "status": schema.STATUS.get(households[h].status, households[h].status)} for h in ids]

    if request.method == "POST":
        rows = []
        for start in range(0, len(found), 2000):
            for row in shown(found[start:start + 2000]):
                h = row["household"]
                rows.append([h.household_id, row["head"], h.village_id, h.village.name, gettext(row["status"])])
        return export_response(
            request, object_type="grid_coverage_households", detail=query.filter_params(),
            filename="households-without-cadre", title=gettext("未结对农户"),
            headers=[gettext("户编号"), gettext("户主"), gettext("村代码"), gettext("村"), gettext("户类型")],
            rows=rows)
    page = list_page([Rows(found)], query=query, counts=[len(found)], rows=shown)
    return render(request, "grid/coverage_households.html", list_context(
        query, page, division=division, may_edit=user_may(user, GRID_EDIT),
    ))


CADRE_COLUMNS = [
    Column("cadre", gettext_lazy("干部"), css="primary"),
    Column("unit", gettext_lazy("工作单位")),
    Column("division", gettext_lazy("服务区划")),
    Column("load", gettext_lazy("包户数"), numeric=True, css="primary"),
    Column("capacity", gettext_lazy("包户上限"), numeric=True),
]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def cadres_over_capacity_page(request):
    """Cadres with more households than they may have, the most over first."""
    user = request.user
    query = ListQuery(request.GET, columns=CADRE_COLUMNS, filters=[division_filter(user, request.GET)],
                      path=reverse("grid:coverage_cadres"), search_label=gettext_lazy("姓名或编号"))
    division = coverage.coverage_division(user, query.values.get("division", ""))
    found = coverage.cadres_over_capacity(user, division)
    if query.q:
        found = [o for o in found if query.q in o.cadre.name or query.q in o.cadre.cadre_id]
    names = _division_names({o.cadre.division_code for o in found})
    if request.method == "POST":
        return export_response(
            request, object_type="grid_coverage_cadres", detail=query.filter_params(),
            filename="cadres-over-capacity", title=gettext("超额干部"),
            headers=[gettext("干部编号"), gettext("姓名"), gettext("工作单位"), gettext("服务区划代码"),
                     gettext("服务区划"), gettext("包户数"), gettext("包户上限")],
            rows=[[o.cadre.cadre_id, o.cadre.name, o.cadre.unit, o.cadre.division_code,
                   names.get(o.cadre.division_code, ""), o.load, o.capacity] for o in found])
    def shown(objects: list) -> list[dict]:
        return [{"cadre": o.cadre, "load": o.load, "capacity": o.capacity,
                 "place": names.get(o.cadre.division_code, o.cadre.division_code)} for o in objects]

    page = list_page([Rows(found)], query=query, counts=[len(found)], rows=shown)
    return render(request, "grid/coverage_cadres.html", list_context(query, page, division=division))


def _division_names(codes) -> dict[str, str]:
    from neisheng.registry.models import Division

    return dict(Division.objects.filter(code__in=list(codes)).values_list("code", "name")) if codes else {}
