"""Coverage of the grid (不漏一户、不落一人): per village, and rolled up per town and for
the division asked about, the gaps an officer has to fix.

- households needing a cadre (grid.selectors.needing_cadre_table, i.e. engine.grid's
  rule) and, of them, those without an active 包户 pair;
- assistance cadres over capacity: more active pairs than their own capacity, or the
  policy's max_per_cadre when they have none. A cadre counts where it serves: a village
  cadre on its village's row, a town's cadre on the town's row, a county's on the total;
- villages without an active leader (包村) pair, and villages without any active area
  (包片) pair.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Count
from django.http import Http404

from neisheng.grid import selectors
from neisheng.grid.models import AreaPair, Cadre, CadrePair, LeaderPair
from neisheng.platform import scope
from neisheng.platform.bulk import rows_out
from neisheng.platform.extensions import RunFigures, run_figures_add, stored_or_counted
from neisheng.platform.listing import counts_cached
from neisheng.registry.models import Division, Household

VILLAGE, TOWN = 5, 4
RUN_FIGURES = "grid-coverage"  # the name a monitoring run stores the rows under
PAIRED_SCHEMA = pa.schema([("household_id", pa.string())])


@dataclass(frozen=True)
class CoverageRow:
    code: str  # "" for the whole installation (an administrator without a division)
    name: str
    level: int
    villages: int
    needing: int  # households that need a cadre
    without_cadre: int  # of them, without an active pair
    over_capacity: int  # cadres
    without_leader: int  # villages
    without_area: int  # villages
    total: bool = False  # the division asked about, as a whole

    @property
    def covered(self) -> int:
        return self.needing - self.without_cadre

    @property
    def gaps(self) -> int:
        return self.without_cadre + self.over_capacity + self.without_leader + self.without_area

    @property
    def is_village(self) -> bool:
        return self.level == VILLAGE and not self.total


@dataclass(frozen=True)
class OverCapacity:
    cadre: Cadre
    load: int
    capacity: int


def coverage_division(user, division_code: str) -> Division | None:
    """The division asked about, within the reader's scope (Http404 outside it); the
    reader's own without one; None for a reader whose scope has no bound."""
    if division_code:
        division = scope.visible_to(user, Division).filter(code=division_code).first()
        if division is None:
            raise Http404("没有这个区划 / no such division")
        return division
    if user.division_id:
        return user.division
    if scope.code_range(user) is None:
        return None
    raise Http404("没有这个区划 / no such division")


def _code(division: Division | None) -> str | None:
    return division.code if division is not None else None


def _villages(user, division: Division | None) -> list[Division]:
    villages = scope.visible_to(user, Division).filter(level=VILLAGE)
    bounds = selectors.code_bounds(_code(division))
    if bounds:
        villages = villages.filter(code__gte=bounds[0], code__lte=bounds[1])
    return list(villages.order_by("code"))


def _policy_max() -> int:
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy.grid_max_per_cadre


def households_without_cadre(user, division: Division | None) -> list[tuple[str, str]]:
    """(household_id, village_code) of the households needing a cadre under the division
    that have no active pair, by household number."""
    needing = _without_pair_marked(division)
    needing = needing.filter(needing["without_pair"])
    rows = zip(needing.column("household_id").to_pylist(), needing.column("village_code").to_pylist())
    return [(h, v) for h, v in rows if scope.code_is_within(user, v)]


def _without_pair_marked(division: Division | None, facts: pa.Table | None = None) -> pa.Table:
    """The households needing a cadre under the division (grid.selectors.needing_cadre_table,
    from `facts` when given) with `without_pair`: whether they have no active 包户 pair."""
    needing = selectors.needing_cadre_table(division_code=_code(division), facts=facts)
    pairs = CadrePair.objects.filter(ended_on__isnull=True)
    bounds = selectors.code_bounds(_code(division))
    if bounds:
        pairs = pairs.filter(household__village_id__gte=bounds[0], household__village_id__lte=bounds[1])
    paired = rows_out(pairs, ["household_id"], PAIRED_SCHEMA)["household_id"]
    return needing.append_column("without_pair", pc.invert(pc.is_in(needing["household_id"], value_set=paired)))


def cadres_over_capacity(user, division: Division | None) -> list[OverCapacity]:
    """Active cadres serving under the division (and in the reader's scope) with more
    active households than they may have, the most loaded first."""
    cadres = scope.visible_to(user, Cadre.objects.filter(active=True))
    bounds = selectors.code_bounds(_code(division))
    if bounds:
        cadres = cadres.filter(division_code__gte=bounds[0], division_code__lte=bounds[1])
    loads = (cadres.filter(household_pairs__ended_on__isnull=True)
             .annotate(load=Count("household_pairs")).order_by("cadre_id"))
    most = _policy_max()
    over = []
    for cadre in loads:
        capacity = cadre.capacity if cadre.capacity is not None else most
        if cadre.load > capacity:
            over.append(OverCapacity(cadre=cadre, load=cadre.load, capacity=capacity))
    return sorted(over, key=lambda o: (-(o.load - o.capacity), o.cadre.cadre_id))


def coverage_rows(*, user, division_code: str, facts: pa.Table | None = None) -> list[CoverageRow]:
    """Each town under the division followed by its villages, then the division's total
    (the last row, `total=True`). A division the reader may not see: Http404. `facts`:
    the households' facts as a run exported them (selectors.household_facts_exported),
    else read from the database."""
    division = coverage_division(user, division_code)
    villages = _villages(user, division)
    marked = _without_pair_marked(division, facts)
    per_village = (pa.table({"village_code": marked["village_code"],
                             "without_pair": pc.cast(marked["without_pair"], pa.int64())})
                   .group_by("village_code").aggregate([("without_pair", "count"), ("without_pair", "sum")]))
    need_by_village = Counter(dict(zip(per_village["village_code"].to_pylist(),
                                       per_village["without_pair_count"].to_pylist())))
    gap_by_village = Counter(dict(zip(per_village["village_code"].to_pylist(),
                                      per_village["without_pair_sum"].to_pylist())))
    codes = [v.code for v in villages]
    with_leader = set(LeaderPair.objects.filter(ended_on__isnull=True, village_id__in=codes)
                      .values_list("village_id", flat=True)) if codes else set()
    with_area = set(AreaPair.objects.filter(ended_on__isnull=True, village_id__in=codes)
                    .values_list("village_id", flat=True)) if codes else set()
    over_by_place = Counter(o.cadre.division_code for o in cadres_over_capacity(user, division))

    def over_under(prefix: str) -> int:
        return sum(n for code, n in over_by_place.items() if code.startswith(prefix))

    village_rows = [
        CoverageRow(code=v.code, name=v.name, level=VILLAGE, villages=1, needing=need_by_village[v.code],
                    without_cadre=gap_by_village[v.code], over_capacity=over_by_place[v.code],
                    without_leader=int(v.code not in with_leader), without_area=int(v.code not in with_area))
        for v in villages
    ]
    towns = {d.code: d for d in Division.objects.filter(code__in={v.parent_id for v in villages if v.parent_id})}
    if division is not None and division.level == TOWN:
        towns = {}
    rows: list[CoverageRow] = []
    for town_code in sorted(towns):
        town = towns[town_code]
        mine = [r for r in village_rows if r.code.startswith(town.prefix)]
        rows.append(_rolled_up(town.code, town.name, TOWN, mine, over_under(town.prefix)))
        rows.extend(mine)
    rows.extend(r for r in village_rows if not any(r.code.startswith(t.prefix) for t in towns.values()))
    name = division.name if division is not None else ""
    level = division.level if division is not None else 0
    prefix = division.prefix if division is not None else ""
    if division is not None and division.level == VILLAGE:
        return [CoverageRow(**{**village_rows[0].__dict__, "total": True})] if village_rows else []
    rows.append(_rolled_up(_code(division) or "", name, level, village_rows, over_under(prefix), total=True))
    return rows


def _rolled_up(code: str, name: str, level: int, rows: list[CoverageRow], over: int, *,
               total: bool = False) -> CoverageRow:
    return CoverageRow(
        code=code, name=name, level=level, villages=len(rows), needing=sum(r.needing for r in rows),
        without_cadre=sum(r.without_cadre for r in rows), over_capacity=over,
        without_leader=sum(r.without_leader for r in rows), without_area=sum(r.without_area for r in rows),
        total=total,
    )


def coverage_rows_cached(*, user, division_code: str) -> list[CoverageRow]:
    """coverage_rows, kept until the data changes (every write through the platform leaves
    an audit event: platform.listing.counts_cached); the page and the dashboard card read
    this. A county's rows cost a read of all its households: for the reader's own
    division, those a monitoring run counted as it finished are read instead
    (register_run_figures)."""
    from neisheng.registry.selectors.figures import figures_version

    coverage_division(user, division_code)  # Http404 before anything is cached

    def compute() -> list[CoverageRow]:
        return stored_or_counted(
            user, RUN_FIGURES, figures_version(),
            lambda: coverage_rows(user=user, division_code=division_code),
            own_scope=division_code in ("", user.division_id or ""))

    return counts_cached(user=user, name="grid-coverage", key={"division": division_code}, compute=compute)


def register_run_figures() -> None:
    """Each monitoring run counts the coverage of the scopes whose home figures it stores
    (monitoring.scope_figures), the rows the dashboard's grid card shows first, from the
    households and members it exported."""
    run_figures_add(RunFigures(
        name=RUN_FIGURES, prepare=selectors.household_facts_exported,
        count=lambda user, facts: coverage_rows(user=user, division_code="", facts=facts)))


def household_rows(ids: list[str]) -> dict[str, Household]:
    return Household.objects.select_related("village").in_bulk(ids, field_name="household_id")
