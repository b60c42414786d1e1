"""Automatic assignment of assistance cadres to households (grid.md, "Automatic
assignment"), on Arrow tables: no database, no files. `neisheng assign-cadres` reads
files into these tables and the platform's "assign" button reads the database into
them; both call `assign_cadres`.

The rule, exactly as grid.md states it
--------------------------------------
1. Existing pairs are kept, even where a cadre is now over capacity (reported in
   `Assignment.over_capacity`, not undone), and count against the cadre's capacity.
   A pair whose household is not in the households table is kept too: the household
   may no longer need a cadre, and ending a pair is a person's decision, not the
   engine's.
2. As many households without a pair as possible get one cadre with room in their
   county (the others are `Assignment.unassigned`).
3. Among those assignments, the one of least total cost: over the new pairs, the
   distance (0 when the cadre serves the household's village; `town_cost` when it serves
   the household's town or another village of it; `county_cost` when it serves the
   county or another town or village of it; never outside the county) plus the load
   (the n-th household of a cadre, counting kept pairs, costs n).

A cadre's division is read from its 12-digit code alone: a non-zero village part makes
it a village cadre, else a non-zero town part a town cadre, else a county cadre (of the
code's first six digits). So a town cadre serves every village of its town at
`town_cost`, and a county cadre every village of its county at `county_cost`.

The network (why it is small enough for a province)
---------------------------------------------------
One arc per household and cadre would be 10^11 arcs for a province. Households of one
village are interchangeable (same distances to every cadre), and so are cadres with the
same division, the same number of kept pairs and the same capacity. So:

- one supply node per village (supply: its households without a pair);
- one node per group of interchangeable cadres (g cadres, k kept pairs each, room r each);
- a pool node per town and per county that has such households;
- arcs: village → groups of that same village (cost 0); village → its town pool
  (`town_cost`); town pool → every group whose division is that town or one of its
  villages (0); town pool → its county pool (`county_cost - town_cost`); county pool →
  every group of the county (0); group → sink, one arc per step n = k+1 … k+r with
  capacity g and cost n (the load; convex, so a min-cost flow fills the cheap steps first
  and the g cadres' loads differ by at most one).

Arcs grow with villages and cadre groups, not with their product. OR-Tools'
`SimpleMinCostFlow.solve_max_flow_with_min_cost` gives a flow of maximum value (rule 2)
and, among those, minimum cost (rule 3). No arc joins two counties, so each county is
solved as a network of its own (a sink each): the maximum and the minimum of a sum of
independent parts are the sums of theirs, and a province's parts take a third of the
CPU time of the whole (docs/performance.md). A step arc never goes beyond the county's
waiting households, so a large `capacity` costs no more arcs than the county can use.

Why the pools give grid.md's optimum, whatever decomposition of the flow is taken
---------------------------------------------------------------------------------
Require 0 ≤ town_cost ≤ county_cost (the policy checks it too). For a village v and a
group c, let dist(v, c) be grid.md's distance. Every path from v to c in the network costs
at least dist(v, c): the only path of cost 0 is the direct arc, which exists only when c
serves v's village; every path through the town pool costs at least `town_cost` and
reaches only groups of v's town; every path through the county pool costs
`county_cost`. And the cheapest path costs exactly dist(v, c).

(a) Any assignment A of households to cadres with room is a flow: route each pair along
    a cheapest path. Its flow cost equals A's cost by grid.md (distances on the paths,
    loads on the step arcs, since loads of cadres in a group can be put on the steps
    k+1 … k+m one cadre at a time). So the optimal flow cost F* ≤ the optimum of grid.md.
(b) Take the optimal flow and ANY decomposition into village → group paths (this module
    matches pool inflows and outflows in code order). The pairs it gives form an
    assignment A' of the same size with grid.md cost ≤ F*, because each path costs at
    least the true distance. With (a), cost(A') = F* = the optimum, and therefore every
    path of the decomposition costs exactly its true distance: a village's flow that
    entered its town pool never lands on its own village's cadres when `town_cost` > 0
    (that path would cost more than the distance 0, and A' would be cheaper than F*),
    nor does flow through the county pool land in the village's own town when
    `county_cost` > `town_cost`. Where the costs are equal, both paths cost the same
    and either is right.

`Assignment.total_cost` is computed again from the final pairs by grid.md's definition,
and `solve` also returns the solver's own number: tests check that both agree.

Determinism: households of a village are taken in household_id order, cadres of a group
in cadre_id order, arcs are built in code order; the same tables give the same pairs.
Memory: everything per household or per cadre is a NumPy or Arrow array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Assignment", "AssignmentInputError", "Solution", "assign_cadres", "solve"]

# A capacity with more digits than this is surely a typing slip (and keeps int64 exact).
CAPACITY_MAX_DIGITS = 9
TOWN_DIVISOR = 1_000
COUNTY_DIVISOR = 1_000_000


class AssignmentInputError(ValueError):
    """One problem in the input, named by source (a file or table name), row (1-based
    data row: the first record is row 1), column and value. Row and value are None for a
    missing column."""

    def __init__(self, *, source: str, row: int | None, column: str, value, reason: str):
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
        if row is None:
            message = f"{source}: {reason}"
        else:
            shown = "empty" if value is None or value == "" else f"'{value}'"
            message = f"{source}, data row {row}, column {column}, value {shown}: {reason}"
        super().__init__(message.rstrip(".") + ".")


@dataclass(frozen=True)
class Assignment:
    pairs: pa.Table  # cadre_id, household_id, kept (bool): kept pairs first, then new ones
    assigned: int  # new pairs
    kept: int
    unassigned: pa.Table  # household_id, village_code of households that got no cadre
    total_cost: int  # grid.md's objective over the new pairs
    over_capacity: pa.Table  # cadre_id, load, capacity: cadres whose kept pairs exceed capacity


@dataclass(frozen=True)
class Solution:
    """An assignment and the min-cost-flow solver's own optimal cost (for tests)."""

    assignment: Assignment
    flow_cost: int


def assign_cadres(households: pa.Table, cadres: pa.Table, pairs: pa.Table | None = None, *,
                  max_per_cadre: int = 5, town_cost: int = 1000, county_cost: int = 4000,
                  sources: tuple[str, str, str] = ("households", "cadres", "pairs")) -> Assignment:
    """grid.md's assignment. `households`: household_id, village_code (a village's code);
    `cadres`: cadre_id, division_code (any level), optional capacity (empty: max_per_cadre);
    `pairs`: cadre_id, household_id. A pair is kept even when its household is not in
    `households` (it may no longer need a cadre; the pair is not undone here) and counts
    against its cadre's capacity. Raises AssignmentInputError on bad input, naming
    `sources[i]` for the i-th table; ValueError unless 0 <= town_cost <= county_cost."""
    solution = solve(households, cadres, pairs, max_per_cadre=max_per_cadre, town_cost=town_cost,
                     county_cost=county_cost, sources=sources)
    if solution.flow_cost != solution.assignment.total_cost:
        # Cannot happen by the argument above; if it ever did, no pair should be written.
        raise RuntimeError(f"assignment cost {solution.assignment.total_cost} differs from the "
                           f"solver's optimum {solution.flow_cost}")
    return solution.assignment


# ---------------------------------------------------------------------------- input


def _columns(table: pa.Table, required: tuple[str, ...], optional: tuple[str, ...], source: str) -> dict:
    """The named columns, headers matched without regard to case or surrounding spaces."""
    by_name = {}
    for i, name in enumerate(table.column_names):
        by_name.setdefault(str(name).strip().lower(), i)
    found = {}
    for name in required:
        if name not in by_name:
            have = ", ".join(str(n) for n in table.column_names) or "none"
            raise AssignmentInputError(source=source, row=None, column=name, value=None,
                                       reason=f"the column {name} is missing (columns found: {have})")
        found[name] = table.column(by_name[name])
    for name in optional:
        if name in by_name:
            found[name] = table.column(by_name[name])
    return found


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Identifiers and codes as trimmed text, "" as missing; whole numbers stored as
    floats (a spreadsheet's habit) lose their ".0"."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_floating(kind):
        # Beyond 2^53 a float is no identifier anyone typed; it is shown as it is.
        whole = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), 2.0**53))
        as_int = pc.cast(pc.if_else(whole, column, pa.scalar(None, kind)), pa.int64(), safe=False)
        column = pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(column, pa.string()))
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        column = pc.cast(column, pa.string())
    column = pc.cast(pc.utf8_trim_whitespace(column), pa.string())
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _shown(column: pa.ChunkedArray, row: int):
    value = column[row].as_py()
    return None if value is None else str(value)


class _Checks:
    """Row checks of one table; the first bad row (in reading order) is reported."""

    def __init__(self, source: str):
        self.source = source
        self.first: tuple | None = None
        self.order = 0

    def add(self, bad, column: str, raw: pa.ChunkedArray, reason: str) -> None:
        bad = _bools(bad)
        self.order += 1
        if not bad.any():
            return
        row = int(np.argmax(bad))
        if self.first is None or (row, self.order) < self.first[:2]:
            self.first = (row, self.order, column, raw, reason)

    def raise_first(self) -> None:
        if self.first is not None:
            row, _, column, raw, reason = self.first
            value = _shown(raw, row)
            if callable(reason):
                reason = reason(row)
            raise AssignmentInputError(source=self.source, row=row + 1, column=column, value=value,
                                       reason=reason)


def _repeated(values: pa.ChunkedArray) -> np.ndarray:
    """Whether an earlier row holds the same (non-null) value. By a stable sort rather than
    a hash table: on a million identifiers Arrow's sort is several times faster."""
    values = values.combine_chunks()
    order = np.asarray(pc.sort_indices(values), dtype=np.int64)
    ordered = values.take(pa.array(order))
    same = _bools(pc.equal(ordered[1:], ordered[:-1])) if len(values) > 1 else np.zeros(0, bool)
    repeated = np.zeros(len(values), bool)
    repeated[order[1:][same]] = True
    return repeated


def _first_row_of(values: pa.ChunkedArray, row: int) -> int:
    return int(pc.index(values, values[row]).as_py())


_DIGITS12 = r"^[0-9]{12}$"


def _bools(mask) -> np.ndarray:
    if isinstance(mask, (pa.Array, pa.ChunkedArray)):
        return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(mask, dtype=bool)


def _code_parts(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(well formed: 12 digits, the code as int64 or 0)."""
    digits = pc.fill_null(pc.match_substring_regex(text, _DIGITS12), False)
    numbers = pc.cast(pc.if_else(digits, text, pa.scalar("0")), pa.int64())
    return _bools(digits), np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=np.int64)


def _lookup(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each value in the sorted unique `keys`, and whether it is there."""
    pos = np.searchsorted(keys, values)
    if len(keys) == 0:
        return pos, np.zeros(len(values), bool)
    return pos, (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == values)


def _code_levels(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    province = numbers // 10**10
    town = (numbers // TOWN_DIVISOR) % 1000
    village = numbers % 1000
    return province, town, village


def _read_households(households: pa.Table, source: str):
    cols = _columns(households, ("household_id", "village_code"), (), source)
    raw_id, raw_village = cols["household_id"], cols["village_code"]
    ids, villages = _as_text(raw_id), _as_text(raw_village)
    checks = _Checks(source)
    checks.add(pc.is_null(ids), "household_id", raw_id, "the household number is empty")
    well_formed, numbers = _code_parts(villages)
    province, town, village = _code_levels(numbers)
    checks.add(~(well_formed & (province > 0) & (town > 0) & (village > 0)), "village_code", raw_village,
               "not a village code (12 digits whose province, town and village parts are not zero)")
    checks.add(_repeated(ids), "household_id", raw_id,
               lambda row: f"the household is listed twice (first at data row {_first_row_of(ids, row) + 1})")
    checks.raise_first()
    return ids.combine_chunks(), villages.combine_chunks(), numbers


def _read_cadres(cadres: pa.Table, max_per_cadre: int, source: str):
    cols = _columns(cadres, ("cadre_id", "division_code"), ("capacity",), source)
    raw_id, raw_division = cols["cadre_id"], cols["division_code"]
    ids, divisions = _as_text(raw_id), _as_text(raw_division)
    checks = _Checks(source)
    checks.add(pc.is_null(ids), "cadre_id", raw_id, "the cadre number is empty")
    well_formed, numbers = _code_parts(divisions)
    province, town, village = _code_levels(numbers)
    checks.add(~(well_formed & (province > 0) & ~((village > 0) & (town == 0))), "division_code", raw_division,
               "not a division code (12 digits with a province part, and a town part under a village)")
    checks.add(_repeated(ids), "cadre_id", raw_id,
               lambda row: f"the cadre is listed twice (first at data row {_first_row_of(ids, row) + 1})")
    capacity = np.full(cadres.num_rows, max_per_cadre, dtype=np.int64)
    if "capacity" in cols:
        raw = cols["capacity"]
        if pa.types.is_integer(raw.type):
            values = np.asarray(pc.fill_null(raw, max_per_cadre).to_numpy(zero_copy_only=False), dtype=np.int64)
            bad = values < 0
        elif pa.types.is_boolean(raw.type):
            values, bad = capacity, _bools(pc.is_valid(raw))
        else:
            text = _as_text(raw)
            good = pc.fill_null(pc.match_substring_regex(text, rf"^[0-9]{{1,{CAPACITY_MAX_DIGITS}}}$"), False)
            bad = _bools(pc.and_(pc.is_valid(text), pc.invert(good)))
            given = pc.if_else(good, text, pa.scalar(str(max_per_cadre)))
            values = np.asarray(pc.cast(given, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
        checks.add(bad, "capacity", raw, "the capacity must be a whole number, 0 or more")
        capacity = np.where(bad, 0, values)
    checks.raise_first()
    return ids.combine_chunks(), divisions.combine_chunks(), numbers, capacity


def _read_pairs(pairs: pa.Table, cadre_ids: pa.Array, source: str, cadres_source: str):
    cols = _columns(pairs, ("cadre_id", "household_id"), (), source)
    raw_cadre, raw_household = cols["cadre_id"], cols["household_id"]
    cadre, household = _as_text(raw_cadre), _as_text(raw_household)
    checks = _Checks(source)
    checks.add(pc.is_null(cadre), "cadre_id", raw_cadre, "the cadre number is empty")
    where = pc.index_in(cadre, value_set=cadre_ids)
    checks.add(pc.and_(pc.is_valid(cadre), pc.is_null(where)), "cadre_id", raw_cadre,
               f"no cadre with this number in {cadres_source}")
    checks.add(pc.is_null(household), "household_id", raw_household, "the household number is empty")
    checks.add(_repeated(household), "household_id", raw_household,
               lambda row: f"the household is in two pairs (first at data row {_first_row_of(household, row) + 1})")
    checks.raise_first()
    cadre_index = np.asarray(where.to_numpy(zero_copy_only=False), dtype=np.int64) if len(where) else \
        np.zeros(0, np.int64)
    return cadre.combine_chunks(), household.combine_chunks(), cadre_index


# --------------------------------------------------------------------------- costs


def _distance(village_codes: np.ndarray, division_codes: np.ndarray, *, town_cost: int,
              county_cost: int) -> np.ndarray:
    """grid.md's distance from each household's village to each (paired) cadre's
    division; -1 where the cadre is outside the county (never assigned)."""
    division_village = division_codes % 1000
    division_town = (division_codes // TOWN_DIVISOR) % 1000
    same_village = (division_village > 0) & (division_codes == village_codes)
    same_town = (division_town > 0) & (division_codes // TOWN_DIVISOR == village_codes // TOWN_DIVISOR)
    same_county = division_codes // COUNTY_DIVISOR == village_codes // COUNTY_DIVISOR
    return np.select([same_village, same_town, same_county], [0, town_cost, county_cost], -1).astype(np.int64)


def _load_cost(new: np.ndarray, kept: np.ndarray) -> int:
    """Σ over cadres of (k+1) + … + (k+m): the n-th household of a cadre costs n."""
    new = new.astype(np.int64)
    return int((new * kept + new * (new + 1) // 2).sum())


# ---------------------------------------------------------------------------- solve


def _match(in_pool: np.ndarray, in_amount: np.ndarray, out_pool: np.ndarray, out_amount: np.ndarray):
    """Pool inflows matched to outflows in the order given (both sorted by pool, each
    pool's inflow equal to its outflow): (in index, out index, amount) per piece."""
    in_end = np.cumsum(in_amount)
    out_end = np.cumsum(out_amount)
    if len(in_end) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    assert in_end[-1] == out_end[-1], "flow conservation at the pools"
    ends = np.union1d(in_end, out_end)
    starts = np.concatenate([[0], ends[:-1]])
    return (np.searchsorted(in_end, starts, side="right"), np.searchsorted(out_end, starts, side="right"),
            ends - starts)


def _min_cost_flow_by_county(tails, heads, capacities, costs, *, node_county, node_supply, sink):
    """Flows of maximum value and, among those, least cost, solved one county at a time:
    no arc joins two counties (a cadre never serves outside its own), so the network is
    one component per county with the sink split, and smaller networks solve faster.
    Returns each arc's flow and the total cost."""
    from ortools.graph.python import min_cost_flow

    flows = np.zeros(len(tails), np.int64)
    total = 0
    arc_county = node_county[tails]
    order = np.argsort(arc_county, kind="stable")
    edges = np.flatnonzero(np.diff(arc_county[order])) + 1
    for arcs in np.split(order, edges):
        if not len(arcs):
            continue
        nodes = np.union1d(tails[arcs], heads[arcs])  # the sink, the largest node, comes last
        network = min_cost_flow.SimpleMinCostFlow()
        network.add_arcs_with_capacity_and_unit_cost(
            np.searchsorted(nodes, tails[arcs]).astype(np.int32), np.searchsorted(nodes, heads[arcs]).astype(np.int32),
            np.ascontiguousarray(capacities[arcs]), np.ascontiguousarray(costs[arcs]))
        supplies = node_supply[nodes]
        if nodes[-1] == sink:
            supplies[-1] = -supplies.sum()
        network.set_nodes_supplies(np.arange(len(nodes), dtype=np.int32), supplies)
        status = network.solve_max_flow_with_min_cost()
        if status != network.OPTIMAL:
            raise RuntimeError(f"the min-cost-flow solver stopped with status {status}")
        total += int(network.optimal_cost())
        flows[arcs] = network.flows(np.arange(len(arcs), dtype=np.int32))
    return flows, total


def solve(households: pa.Table, cadres: pa.Table, pairs: pa.Table | None = None, *,
          max_per_cadre: int = 5, town_cost: int = 1000, county_cost: int = 4000,
          sources: tuple[str, str, str] = ("households", "cadres", "pairs")) -> Solution:
    """`assign_cadres`, with the solver's own optimal cost beside the assignment."""
    if not (0 <= town_cost <= county_cost):
        raise ValueError(f"costs must satisfy 0 <= town_cost <= county_cost, got {town_cost} and {county_cost}")
    if max_per_cadre < 0:
        raise ValueError(f"max_per_cadre must be 0 or more, got {max_per_cadre}")
    hh_source, cadre_source, pair_source = sources
    hh_id, hh_village_text, hh_village = _read_households(households, hh_source)
    cadre_id, _division_text, cadre_division, capacity = _read_cadres(cadres, max_per_cadre, cadre_source)
    if pairs is None:
        pairs = pa.table({"cadre_id": pa.array([], pa.string()), "household_id": pa.array([], pa.string())})
    pair_cadre, pair_household, pair_cadre_index = _read_pairs(pairs, cadre_id, pair_source, cadre_source)

    n_cadres = len(cadre_id)
    kept = np.bincount(pair_cadre_index, minlength=n_cadres).astype(np.int64)
    room = np.maximum(capacity - kept, 0)

    # Households still without a cadre, by village then household_id.
    free = ~np.asarray(pc.is_in(hh_id, value_set=pair_household), dtype=bool)
    free_rows = np.flatnonzero(free)
    if len(free_rows):
        order = pc.sort_indices(pa.table({"v": hh_village[free_rows], "h": hh_id.take(pa.array(free_rows, pa.int64()))}),
                                sort_keys=[("v", "ascending"), ("h", "ascending")])
        free_rows = free_rows[np.asarray(order, dtype=np.int64)]
    free_village = hh_village[free_rows]
    villages, village_of_free, supply = np.unique(free_village, return_inverse=True, return_counts=True)
    village_of_free = village_of_free.reshape(-1)
    towns, town_of_village = np.unique(villages // TOWN_DIVISOR, return_inverse=True)
    town_of_village = town_of_village.reshape(-1)
    counties, county_of_town = np.unique(towns // TOWN_DIVISOR, return_inverse=True)
    county_of_town = county_of_town.reshape(-1)
    town_supply = np.bincount(town_of_village, weights=supply, minlength=len(towns)).astype(np.int64)
    county_supply = np.bincount(county_of_town, weights=town_supply, minlength=len(counties)).astype(np.int64)

    # Cadres with room in a county where households wait, grouped when interchangeable.
    cadre_county = cadre_division // COUNTY_DIVISOR
    county_pos, in_county = _lookup(counties, cadre_county)
    eligible = np.flatnonzero((room > 0) & in_county)
    id_rank = np.empty(n_cadres, np.int64)
    id_rank[np.asarray(pc.sort_indices(cadre_id), dtype=np.int64)] = np.arange(n_cadres)
    eligible = eligible[np.lexsort((id_rank[eligible], capacity[eligible], kept[eligible],
                                    cadre_division[eligible]))]
    key_div, key_kept, key_cap = cadre_division[eligible], kept[eligible], capacity[eligible]
    new_group = np.ones(len(eligible), bool)
    new_group[1:] = (key_div[1:] != key_div[:-1]) | (key_kept[1:] != key_kept[:-1]) | (key_cap[1:] != key_cap[:-1])
    group_start = np.flatnonzero(new_group)
    group_size = np.diff(np.append(group_start, len(eligible)))
    g_div, g_kept = key_div[group_start], key_kept[group_start]
    g_county = county_pos[eligible][group_start]
    # A cadre never takes more than its county's waiting households: the step arcs stop there.
    g_steps = np.minimum(room[eligible][group_start], county_supply[g_county]) if len(group_start) else \
        np.zeros(0, np.int64)
    g_total = group_size * g_steps
    n_villages, n_groups, n_towns, n_counties = len(villages), len(group_start), len(towns), len(counties)

    flow_cost = 0
    triples_v = triples_g = triples_n = np.zeros(0, np.int64)
    if n_groups and n_villages:
        group_node = n_villages + np.arange(n_groups)
        town_node0 = n_villages + n_groups
        county_node0 = town_node0 + n_towns
        sink = county_node0 + n_counties
        arc_parts = []  # (tails, heads, capacities, costs, kind)

        def arcs(tails, heads, caps, costs, kind):
            arc_parts.append((np.asarray(tails, np.int64), np.asarray(heads, np.int64),
                              np.asarray(caps, np.int64), np.broadcast_to(np.asarray(costs, np.int64),
                                                                          np.shape(tails)), kind))

        g_village_level = g_div % 1000 > 0
        v_pos, found = _lookup(villages, g_div)
        direct = g_village_level & found
        direct_groups = np.flatnonzero(direct)
        arcs(v_pos[direct_groups], group_node[direct_groups], g_total[direct_groups], 0, "direct")
        arcs(np.arange(n_villages), town_node0 + town_of_village, supply, town_cost, "to_town")
        g_town_level = (g_div // TOWN_DIVISOR) % 1000 > 0
        g_town = g_div // TOWN_DIVISOR
        t_pos, found = _lookup(towns, g_town)
        in_town = g_town_level & found
        town_groups = np.flatnonzero(in_town)
        arcs(town_node0 + t_pos[town_groups], group_node[town_groups], g_total[town_groups], 0, "town_out")
        arcs(town_node0 + np.arange(n_towns), county_node0 + county_of_town, town_supply,
             county_cost - town_cost, "to_county")
        arcs(county_node0 + g_county, group_node, g_total, 0, "county_out")
        step_group = np.repeat(np.arange(n_groups), g_steps)
        step = np.arange(len(step_group)) - np.repeat(np.cumsum(g_steps) - g_steps, g_steps) + 1
        arcs(group_node[step_group], np.full(len(step_group), sink), group_size[step_group],
             g_kept[step_group] + step, "load")

        bounds = {}
        first_arc = 0
        for tails, _, _, _, kind in arc_parts:
            bounds[kind] = (first_arc, first_arc + len(tails))
            first_arc += len(tails)
        node_county = np.concatenate([county_of_town[town_of_village], g_county, county_of_town,
                                      np.arange(n_counties), [-1]])
        node_supply = np.zeros(sink + 1, np.int64)
        node_supply[:n_villages] = supply
        flows, flow_cost = _min_cost_flow_by_county(
            *(np.concatenate([p[i] for p in arc_parts]) for i in range(4)),
            node_county=node_county, node_supply=node_supply, sink=sink)

        def part(kind):
            lo, hi = bounds[kind]
            tails, heads = next((p[0], p[1]) for p in arc_parts if p[4] == kind)
            f = flows[lo:hi]
            used = f > 0
            return tails[used], heads[used], f[used]

        d_tail, d_head, d_flow = part("direct")
        v_tail, v_head, v_flow = part("to_town")
        to_tail, to_head, to_flow = part("town_out")
        c_tail, c_head, c_flow = part("to_county")
        co_tail, co_head, co_flow = part("county_out")

        # At each town pool: villages in code order in, groups in code order then the
        # county pool out (arcs were built in those orders, sorted by pool here).
        in_order = np.lexsort((v_tail, v_head))
        out_pool = np.concatenate([to_tail, c_tail])
        out_head = np.concatenate([to_head, c_head])  # a county node sorts after every group node
        out_flow = np.concatenate([to_flow, c_flow])
        out_order = np.lexsort((out_head, out_pool))
        i_in, i_out, amount = _match(v_head[in_order], v_flow[in_order], out_pool[out_order],
                                     out_flow[out_order])
        piece_village = v_tail[in_order][i_in]
        piece_head = out_head[out_order][i_out]
        to_group = piece_head < town_node0
        # The pieces that went on to the county pool, at most one per village.
        up_village = piece_village[~to_group]
        up_county = county_of_town[town_of_village[up_village]]
        up_amount = amount[~to_group]
        up_order = np.lexsort((up_village, up_county))
        co_order = np.lexsort((co_head, co_tail))
        j_in, j_out, county_amount = _match(up_county[up_order], up_amount[up_order],
                                            co_tail[co_order] - county_node0, co_flow[co_order])
        triples_v = np.concatenate([d_tail, piece_village[to_group], up_village[up_order][j_in]])
        triples_g = np.concatenate([d_head, piece_head[to_group], co_head[co_order][j_out]]) - n_villages
        triples_n = np.concatenate([d_flow, amount[to_group], county_amount])

    # Households of each village, in household_id order, to the village's pieces in group order.
    piece_order = np.lexsort((triples_g, triples_v))
    triples_v, triples_g, triples_n = triples_v[piece_order], triples_g[piece_order], triples_n[piece_order]
    village_start = np.cumsum(supply) - supply
    before = np.cumsum(triples_n) - triples_n
    if len(triples_v):
        first_piece = np.concatenate([[True], triples_v[1:] != triples_v[:-1]])
        village_base = np.maximum.accumulate(np.where(first_piece, before, 0))
    else:
        village_base = np.zeros(0, np.int64)
    piece_start = village_start[triples_v] + before - village_base
    piece_of = np.repeat(np.arange(len(triples_n)), triples_n)
    position = piece_start[piece_of] + np.arange(len(piece_of)) - before[piece_of]  # into free_rows
    group_of = triples_g[piece_of]

    # Within a group, households in (village, household_id) order to cadres in cadre_id
    # order, the first r cadres taking q+1 and the others q: loads differ by at most one.
    arrival = np.lexsort((position, group_of))
    position, group_of = position[arrival], group_of[arrival]
    group_count = np.bincount(group_of, minlength=n_groups).astype(np.int64)
    rank = np.arange(len(group_of)) - (np.cumsum(group_count) - group_count)[group_of]
    size = group_size[group_of] if n_groups else np.zeros(0, np.int64)
    q, r = group_count[group_of] // np.maximum(size, 1), group_count[group_of] % np.maximum(size, 1)
    high = r * (q + 1)
    member = np.where(rank < high, rank // (q + 1), r + (rank - high) // np.maximum(q, 1))
    new_cadre = eligible[group_start[group_of] + member] if n_groups else np.zeros(0, np.int64)
    by_household = np.argsort(position, kind="stable")
    position, new_cadre = position[by_household], new_cadre[by_household]
    new_rows = free_rows[position]

    new_load = np.bincount(new_cadre, minlength=n_cadres).astype(np.int64)
    assert (new_load <= room).all(), "capacity"
    distance = _distance(hh_village[new_rows], cadre_division[new_cadre], town_cost=town_cost,
                         county_cost=county_cost)
    assert (distance >= 0).all(), "a cadre outside the household's county"
    total_cost = int(distance.sum()) + _load_cost(new_load, kept)

    left = np.ones(len(free_rows), bool)
    left[position] = False
    left_rows = free_rows[left]
    result_pairs = pa.table({
        "cadre_id": pa.concat_arrays([pair_cadre, cadre_id.take(pa.array(new_cadre, pa.int64()))]),
        "household_id": pa.concat_arrays([pair_household, hh_id.take(pa.array(new_rows, pa.int64()))]),
        "kept": pa.array(np.concatenate([np.ones(len(pair_cadre), bool), np.zeros(len(new_rows), bool)])),
    })
    over = np.flatnonzero(kept > capacity)
    over = over[np.argsort(id_rank[over], kind="stable")]
    assignment = Assignment(
        pairs=result_pairs,
        assigned=len(new_rows),
        kept=len(pair_cadre),
        unassigned=pa.table({"household_id": hh_id.take(pa.array(left_rows, pa.int64())),
                             "village_code": hh_village_text.take(pa.array(left_rows, pa.int64()))}),
        total_cost=total_cost,
        over_capacity=pa.table({"cadre_id": cadre_id.take(pa.array(over, pa.int64())),
                                "load": pa.array(kept[over], pa.int64()),
                                "capacity": pa.array(capacity[over], pa.int64())}),
    )
    return Solution(assignment=assignment, flow_cost=flow_cost)
