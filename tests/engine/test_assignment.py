"""grid.md's automatic assignment (neisheng.engine.assignment) against brute force: on
small instances every assignment is enumerated, and the engine must assign as many
households as the best of them and reach the least total cost among those; kept pairs and
capacities hold; bad input is refused with source, row, column and value."""

from __future__ import annotations

import itertools
import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neisheng.engine.assignment import AssignmentInputError, assign_cadres, solve

TOWN, COUNTY = 1000, 4000


# ------------------------------------------------------------------ brute force


def distance(village: str, division: str, town_cost: int, county_cost: int) -> int | None:
    """grid.md's distance, written from the words: None = outside the county."""
    if division[9:] != "000" and division == village:
        return 0
    if division[6:9] != "000" and division[:9] == village[:9]:
        return town_cost
    if division[:6] == village[:6]:
        return county_cost
    return None


def brute_force(households, cadres, pairs, *, max_per_cadre, town_cost, county_cost):
    """(assigned, least cost) over every assignment, households left without a cadre
    included as a choice: the best is the largest assignment, then the cheapest."""
    capacity = {c: (max_per_cadre if cap is None else cap) for c, _, cap in cadres}
    kept = {c: 0 for c, _, _ in cadres}
    for c, _ in pairs:
        kept[c] += 1
    paired = {h for _, h in pairs}
    free = [(h, v) for h, v in households if h not in paired]
    options = []
    for _, village in free:
        reachable = [c for c, d, _ in cadres
                     if distance(village, d, town_cost, county_cost) is not None and kept[c] < capacity[c]]
        options.append([None, *reachable])
    best = (0, 0)
    division = {c: d for c, d, _ in cadres}
    for choice in itertools.product(*options):
        load = dict(kept)
        cost, count, fits = 0, 0, True
        for (_, village), c in zip(free, choice):
            if c is None:
                continue
            load[c] += 1
            if load[c] > capacity[c]:
                fits = False
                break
            cost += distance(village, division[c], town_cost, county_cost) + load[c]
            count += 1
        if fits and (count > best[0] or (count == best[0] and cost < best[1])):
            best = (count, cost)
    return best


def tables(households, cadres, pairs):
    return (
        pa.table({"household_id": pa.array([h for h, _ in households], pa.string()),
                  "village_code": pa.array([v for _, v in households], pa.string())}),
        pa.table({"cadre_id": pa.array([c for c, _, _ in cadres], pa.string()),
                  "division_code": pa.array([d for _, d, _ in cadres], pa.string()),
                  "capacity": pa.array([cap for _, _, cap in cadres], pa.int32())}),
        pa.table({"cadre_id": pa.array([c for c, _ in pairs], pa.string()),
                  "household_id": pa.array([h for _, h in pairs], pa.string())}),
    )


def check_valid(result, households, cadres, pairs, *, max_per_cadre, town_cost, county_cost):
    """The result keeps every pair, gives a free household at most one cadre of its
    county, respects capacity, and its total_cost is grid.md's cost of its pairs."""
    rows = result.pairs.to_pylist()
    kept_rows = [(r["cadre_id"], r["household_id"]) for r in rows if r["kept"]]
    new_rows = [(r["cadre_id"], r["household_id"]) for r in rows if not r["kept"]]
    assert kept_rows == list(pairs)
    assert rows[: len(pairs)] == [{"cadre_id": c, "household_id": h, "kept": True} for c, h in pairs]
    paired = {h for _, h in pairs}
    village = dict(households)
    division = {c: d for c, d, _ in cadres}
    capacity = {c: (max_per_cadre if cap is None else cap) for c, _, cap in cadres}
    load = {c: 0 for c in division}
    for c, _ in pairs:
        load[c] += 1
    new_households = [h for _, h in new_rows]
    assert len(new_households) == len(set(new_households))
    assert not set(new_households) & paired
    cost = 0
    for c, h in new_rows:
        load[c] += 1
        assert load[c] <= capacity[c], (c, load[c], capacity[c])
        d = distance(village[h], division[c], town_cost, county_cost)
        assert d is not None, (c, h)
        cost += d + load[c]
    assert cost == result.total_cost
    assert result.assigned == len(new_rows)
    assert result.kept == len(pairs)
    left = {r["household_id"] for r in result.unassigned.to_pylist()}
    assert left == {h for h, _ in households} - paired - set(new_households)
    over = {r["cadre_id"]: (r["load"], r["capacity"]) for r in result.over_capacity.to_pylist()}
    expected_over = {}
    for c, _, _ in cadres:
        k = sum(1 for pc_, _ in pairs if pc_ == c)
        if k > capacity[c]:
            expected_over[c] = (k, capacity[c])
    assert over == expected_over


# ------------------------------------------------------------------ instances

VILLAGES = ("500237101001", "500237101002", "500237102001", "500238101001")
DIVISIONS = VILLAGES + ("500237101000", "500237102000", "500237000000", "500238000000", "510101001001")


@st.composite
def instances(draw):
    n_households = draw(st.integers(0, 6))
    households = [(f"h{i:02d}", draw(st.sampled_from(VILLAGES))) for i in range(n_households)]
    n_cadres = draw(st.integers(0, 4))
    cadres = [(f"c{i}", draw(st.sampled_from(DIVISIONS)), draw(st.one_of(st.none(), st.integers(0, 3))))
              for i in range(n_cadres)]
    pairs = []
    if cadres:
        for h, _ in households:
            if draw(st.integers(0, 3)) == 0:
                pairs.append((draw(st.sampled_from(cadres))[0], h))
        for i in range(draw(st.integers(0, 2))):  # households no longer in the list
            pairs.append((draw(st.sampled_from(cadres))[0], f"gone{i}"))
    if draw(st.booleans()):
        households = draw(st.permutations(households))
    town_cost = draw(st.sampled_from((0, 1, 3, TOWN)))
    county_cost = town_cost + draw(st.sampled_from((0, 1, 2, COUNTY - TOWN)))
    return households, cadres, pairs, draw(st.integers(0, 3)), town_cost, county_cost


def run(households, cadres, pairs, max_per_cadre, town_cost, county_cost):
    return solve(*tables(households, cadres, pairs), max_per_cadre=max_per_cadre, town_cost=town_cost,
                 county_cost=county_cost)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=instances())
def test_engine_reaches_the_brute_force_optimum(instance):
    households, cadres, pairs, max_per_cadre, town_cost, county_cost = instance
    solution = run(*instance)
    result = solution.assignment
    check_valid(result, households, cadres, pairs, max_per_cadre=max_per_cadre, town_cost=town_cost,
                county_cost=county_cost)
    assert (result.assigned, result.total_cost) == brute_force(
        households, cadres, pairs, max_per_cadre=max_per_cadre, town_cost=town_cost, county_cost=county_cost)
    assert solution.flow_cost == result.total_cost


def random_instance(rng: random.Random):
    households = [(f"h{i:02d}", rng.choice(VILLAGES)) for i in range(rng.randint(4, 7))]
    cadres = [(f"c{i}", rng.choice(DIVISIONS), rng.choice((None, None, 1, 2, 3))) for i in range(rng.randint(2, 4))]
    pairs = [(rng.choice(cadres)[0], h) for h, _ in households if rng.random() < 0.25]
    return households, cadres, pairs, rng.randint(1, 3), TOWN, COUNTY


@pytest.mark.parametrize("seed", range(60))
def test_engine_matches_brute_force_on_seeded_instances(seed):
    """Larger instances than hypothesis draws (up to 7 households and 4 cadres, up to
    5^7 assignments each), with the policy's own costs."""
    instance = random_instance(random.Random(seed))
    households, cadres, pairs, max_per_cadre, town_cost, county_cost = instance
    solution = run(*instance)
    check_valid(solution.assignment, households, cadres, pairs, max_per_cadre=max_per_cadre,
                town_cost=town_cost, county_cost=county_cost)
    expected = brute_force(households, cadres, pairs, max_per_cadre=max_per_cadre, town_cost=town_cost,
                           county_cost=county_cost)
    assert (solution.assignment.assigned, solution.assignment.total_cost) == expected
    assert solution.flow_cost == solution.assignment.total_cost


# ------------------------------------------------------------------ known answers


def test_known_answer_near_cadres_first_then_balanced_loads():
    households = [("h1", VILLAGES[0]), ("h2", VILLAGES[0]), ("h3", VILLAGES[1]), ("h4", VILLAGES[2]),
                  ("h5", VILLAGES[3])]
    cadres = [("c1", VILLAGES[0], 1), ("c2", "500237101000", 2), ("c3", "500237000000", None)]
    pairs = [("c3", "gone")]
    result = assign_cadres(*tables(households, cadres, pairs))
    # h1/h2: one to c1 (0 + 1), one to the town cadre c2 (1000 + 1); h3 to c2 (1000 + 2);
    # h4 (another town) only to the county cadre c3, its second household (4000 + 2);
    # h5 is in another county: no cadre there.
    assert result.total_cost == 1 + 1001 + 1002 + 4002
    assert result.assigned == 4 and result.kept == 1
    assert result.unassigned.to_pylist() == [{"household_id": "h5", "village_code": VILLAGES[3]}]
    assert result.pairs.to_pylist()[0] == {"cadre_id": "c3", "household_id": "gone", "kept": True}
    assert {(r["cadre_id"], r["household_id"]) for r in result.pairs.to_pylist()[1:]} >= {("c3", "h4")}


def test_more_households_beat_a_lower_cost():
    """Two households, one village cadre (capacity 1) and a county cadre (capacity 1):
    both must be assigned even though leaving the far one out would cost less."""
    households = [("h1", VILLAGES[0]), ("h2", VILLAGES[0])]
    cadres = [("near", VILLAGES[0], 1), ("far", "500237000000", 1)]
    result = assign_cadres(*tables(households, cadres, []))
    assert result.assigned == 2 and result.total_cost == 1 + 4001
    assert result.unassigned.num_rows == 0


def test_over_capacity_kept_pairs_stay_and_are_reported():
    households = [("h1", VILLAGES[0]), ("h2", VILLAGES[0]), ("h3", VILLAGES[0]), ("h4", VILLAGES[0])]
    cadres = [("c1", VILLAGES[0], 2), ("c2", VILLAGES[0], None)]
    pairs = [("c1", "h1"), ("c1", "h2"), ("c1", "h3")]
    result = assign_cadres(*tables(households, cadres, pairs), max_per_cadre=5)
    assert result.over_capacity.to_pylist() == [{"cadre_id": "c1", "load": 3, "capacity": 2}]
    assert result.kept == 3
    assert result.pairs.to_pylist()[3] == {"cadre_id": "c2", "household_id": "h4", "kept": False}
    assert result.total_cost == 1


def test_capacity_zero_and_max_per_cadre_zero_assign_nobody():
    households = [("h1", VILLAGES[0])]
    result = assign_cadres(*tables(households, [("c1", VILLAGES[0], 0)], []))
    assert result.assigned == 0 and result.unassigned.num_rows == 1
    result = assign_cadres(*tables(households, [("c1", VILLAGES[0], None)], []), max_per_cadre=0)
    assert result.assigned == 0


def test_a_cadre_outside_the_county_is_never_assigned():
    households = [("h1", "500237101001")]
    cadres = [("other_county", "500238000000", None), ("province", "500000000000", None),
              ("other_village", "500238101001", None)]
    result = assign_cadres(*tables(households, cadres, []))
    assert result.assigned == 0 and result.total_cost == 0


def test_same_result_whatever_the_row_order():
    rng = random.Random(5)
    villages = [f"500237{t:03d}{v:03d}" for t in (101, 102, 103) for v in (1, 2, 3)]
    households = [(f"h{i:03d}", rng.choice(villages)) for i in range(120)]
    cadres = [(f"c{i:02d}", rng.choice(villages + ["500237101000", "500237000000"]), rng.choice((None, 3)))
              for i in range(30)]
    pairs = [(rng.choice(cadres)[0], h) for h, _ in households[:30]]
    first = assign_cadres(*tables(households, cadres, pairs))
    rng.shuffle(households)
    rng.shuffle(cadres)
    second = assign_cadres(*tables(households, cadres, pairs))
    assert first.pairs.equals(second.pairs)
    assert first.total_cost == second.total_cost
    assert first.unassigned.equals(second.unassigned)


def test_a_thousand_households_cost_agrees_with_the_solver():
    """A county-sized instance: the cost recomputed from the pairs equals the solver's
    optimum (the decomposition of flow through the pools loses nothing)."""
    rng = random.Random(11)
    villages = [f"500237{t:03d}{v:03d}" for t in range(101, 111) for v in range(1, 11)]
    households = [(f"h{i:05d}", rng.choice(villages)) for i in range(1000)]
    towns = sorted({v[:9] + "000" for v in villages})
    cadres = [(f"c{i:04d}", rng.choice(villages * 3 + towns + ["500237000000"]), rng.choice((None, None, 2, 8)))
              for i in range(200)]
    pairs = [(rng.choice(cadres)[0], h) for h, _ in households[:300]]
    solution = solve(*tables(households, cadres, pairs))
    check_valid(solution.assignment, households, cadres, pairs, max_per_cadre=5, town_cost=TOWN,
                county_cost=COUNTY)
    assert solution.flow_cost == solution.assignment.total_cost


def test_parquet_typed_numbers_and_float_capacities_are_read():
    households = pa.table({"household_id": pa.array([1, 2], pa.int64()),
                           "village_code": pa.array([500237101001, 500237101001], pa.int64())})
    cadres = pa.table({"Cadre_ID ": ["c1"], "division_code": ["500237101001"],
                       "capacity": pa.array([1.0], pa.float64())})
    result = assign_cadres(households, cadres)
    assert result.assigned == 1
    assert result.pairs.to_pylist()[0] == {"cadre_id": "c1", "household_id": "1", "kept": False}


def test_bad_costs_are_refused():
    h, c, p = tables([], [], [])
    with pytest.raises(ValueError, match="town_cost"):
        assign_cadres(h, c, p, town_cost=5000, county_cost=4000)


# ------------------------------------------------------------------ refusals

GOOD_HOUSEHOLDS = [("h1", VILLAGES[0]), ("h2", VILLAGES[1])]
GOOD_CADRES = [("c1", VILLAGES[0], None), ("c2", "500237101000", 3)]


def refusal(households=GOOD_HOUSEHOLDS, cadres=GOOD_CADRES, pairs=(), **tables_):
    h, c, p = tables(households, cadres, list(pairs))
    h, c, p = tables_.get("h", h), tables_.get("c", c), tables_.get("p", p)
    with pytest.raises(AssignmentInputError) as caught:
        assign_cadres(h, c, p, sources=("hh.csv", "cadres.xlsx", "pairs.parquet"))
    return caught.value


@pytest.mark.parametrize(("households", "cadres", "pairs", "where"), [
    # a malformed village code: too short, a town's code, a county's code, letters
    ([("h1", VILLAGES[0]), ("h2", "50023710100")], GOOD_CADRES, (),
     ("hh.csv", 2, "village_code", "50023710100")),
    ([("h1", "500237101000")], GOOD_CADRES, (), ("hh.csv", 1, "village_code", "500237101000")),
    ([("h1", VILLAGES[0]), ("h2", VILLAGES[0]), ("h3", "50023710100x")], GOOD_CADRES, (),
     ("hh.csv", 3, "village_code", "50023710100x")),
    ([("h1", None)], GOOD_CADRES, (), ("hh.csv", 1, "village_code", None)),
    # a household listed twice: the second row is named
    ([("h1", VILLAGES[0]), ("h2", VILLAGES[0]), ("h1", VILLAGES[1])], GOOD_CADRES, (),
     ("hh.csv", 3, "household_id", "h1")),
    ([(None, VILLAGES[0])], GOOD_CADRES, (), ("hh.csv", 1, "household_id", None)),
    # cadres: a malformed division code (no province part; a village without a town)
    (GOOD_HOUSEHOLDS, [("c1", "000237101001", None)], (), ("cadres.xlsx", 1, "division_code", "000237101001")),
    (GOOD_HOUSEHOLDS, [("c1", VILLAGES[0], None), ("c2", "500237000001", None)], (),
     ("cadres.xlsx", 2, "division_code", "500237000001")),
    (GOOD_HOUSEHOLDS, [("c1", VILLAGES[0], None), ("c1", VILLAGES[1], None)], (),
     ("cadres.xlsx", 2, "cadre_id", "c1")),
    # pairs: an unknown cadre, a household in two pairs
    (GOOD_HOUSEHOLDS, GOOD_CADRES, [("c1", "h1"), ("c9", "h2")], ("pairs.parquet", 2, "cadre_id", "c9")),
    (GOOD_HOUSEHOLDS, GOOD_CADRES, [("c1", "h1"), ("c2", "h2"), ("c2", "h1")],
     ("pairs.parquet", 3, "household_id", "h1")),
    (GOOD_HOUSEHOLDS, GOOD_CADRES, [("c1", None)], ("pairs.parquet", 1, "household_id", None)),
])
def test_bad_rows_are_refused_with_source_row_column_value(households, cadres, pairs, where):
    error = refusal(households, cadres, pairs)
    assert (error.source, error.row, error.column, error.value) == where
    text = str(error)
    assert text.startswith(where[0]) and f"data row {where[1]}" in text and where[2] in text
    assert (where[3] or "empty") in text
    assert text.count(".") >= 1 and "\n" not in text


def test_the_first_bad_row_in_reading_order_is_named():
    error = refusal([("h1", VILLAGES[0]), ("h2", "bad"), ("h2", "worse")])
    assert (error.row, error.column, error.value) == (2, "village_code", "bad")


def test_a_household_listed_twice_names_the_first_row():
    error = refusal([("h1", VILLAGES[0]), ("h2", VILLAGES[0]), ("h1", VILLAGES[0])])
    assert "first at data row 1" in str(error)


@pytest.mark.parametrize("capacity", ["-1", "2.5", "five", "1234567890"])
def test_a_capacity_that_is_not_a_whole_number_is_refused(capacity):
    cadres = pa.table({"cadre_id": ["c1", "c2"], "division_code": [VILLAGES[0]] * 2, "capacity": ["3", capacity]})
    error = refusal(c=cadres)
    assert (error.source, error.row, error.column, error.value) == ("cadres.xlsx", 2, "capacity", capacity)
    assert "whole number" in str(error)


def test_a_negative_integer_capacity_is_refused():
    cadres = pa.table({"cadre_id": ["c1"], "division_code": [VILLAGES[0]], "capacity": pa.array([-2], pa.int64())})
    error = refusal(c=cadres)
    assert (error.row, error.column, error.value) == (1, "capacity", "-2")


def test_a_capacity_left_empty_is_the_default():
    cadres = pa.table({"cadre_id": ["c1"], "division_code": [VILLAGES[0]], "capacity": ["", ]})
    households = pa.table({"household_id": ["a", "b", "c"], "village_code": [VILLAGES[0]] * 3})
    assert assign_cadres(households, cadres, max_per_cadre=2).assigned == 2


@pytest.mark.parametrize(("which", "table", "column"), [
    ("h", pa.table({"household_id": ["h1"], "village": [VILLAGES[0]]}), "village_code"),
    ("c", pa.table({"id": ["c1"], "division_code": [VILLAGES[0]]}), "cadre_id"),
    ("p", pa.table({"cadre_id": ["c1"]}), "household_id"),
])
def test_a_missing_column_is_named(which, table, column):
    error = refusal(**{which: table})
    assert error.column == column and error.row is None and error.value is None
    assert f"the column {column} is missing" in str(error)
