"""Known answers for the evaluation of measures (engine.evaluation, issue 13 point 4):
hand-made frames whose true effect is set, and tiny contract tables whose per-capita
incomes and receipt of measures are checked by hand and against a monitoring run."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neisheng.engine import evaluation as ev
from neisheng.engine import household as one
from neisheng.engine.schema import TABLES
from neisheng.policy import load_policy

POLICY = load_policy()
THRESHOLD = float(POLICY.monitoring_threshold)
MEASURE = "skills_training"


def _village(index: int) -> str:
    """Twelve-digit village codes, three villages to a town."""
    return f"500237{201 + index // 3:03d}{201 + index % 3:03d}"


def _frame(before, after, treated, *, villages, sizes=None, labor=None, categories=None,
           measure=MEASURE, eligible=None) -> pd.DataFrame:
    n = len(before)
    before, after = np.asarray(before, float), np.asarray(after, float)
    villages = [_village(v) for v in villages]
    return pd.DataFrame({
        "household_id": [f"H{i:05d}" for i in range(n)],
        "village_code": villages,
        "town_code": [v[:9] + "000" for v in villages],
        "category": categories if categories is not None else ["ordinary"] * n,
        "size": sizes if sizes is not None else [3] * n,
        "labor_capable": labor if labor is not None else [1] * n,
        "income_pc_before": before,
        "income_pc_after": after,
        "at_risk_before": before < THRESHOLD,
        "at_risk_after": after < THRESHOLD,
        f"treated_{measure}": np.asarray(treated, bool),
        f"eligible_{measure}": np.ones(n, bool) if eligible is None else np.asarray(eligible, bool),
    })


def _naive_did(frame: pd.DataFrame, outcome: str = "income_pc") -> float:
    change = frame[f"{outcome}_after"].astype(float) - frame[f"{outcome}_before"].astype(float)
    treated = frame[f"treated_{MEASURE}"]
    return change[treated].mean() - change[~treated].mean()


def _twins(pairs: int, effect: float, seed: int, noise: float = 400.0) -> pd.DataFrame:
    """Every receiver has a twin with the same income, size, labor, category and village
    that did not receive the measure: nothing confounds, the weights are all 1."""
    rng = np.random.default_rng(seed)
    before = np.round(np.exp(rng.normal(9.3, 0.5, pairs)), 2)
    sizes = rng.integers(1, 6, pairs)
    labor = np.minimum(sizes, rng.integers(0, 4, pairs))
    categories = rng.choice(["ordinary", "dibao"], pairs, p=[0.8, 0.2])
    villages = rng.integers(0, 9, pairs)
    grows = 300 + 0.04 * before  # the same growth for both twins
    change_t = grows + effect + rng.normal(0, noise, pairs)
    change_c = grows + rng.normal(0, noise, pairs)
    twice = np.concatenate
    return _frame(twice([before, before]), twice([before + change_t, before + change_c]),
                  twice([np.ones(pairs, bool), np.zeros(pairs, bool)]), villages=twice([villages, villages]),
                  sizes=twice([sizes, sizes]), labor=twice([labor, labor]),
                  categories=twice([categories, categories]))


def _confounded(n: int, effect: float, seed: int) -> pd.DataFrame:
    """Cadres give the measure to poorer households more often, and poorer households'
    income grows more anyway (a good year for wages lifts a low income by a larger share)."""
    rng = np.random.default_rng(seed)
    log_income = rng.normal(9.3, 0.5, n)
    before = np.round(np.exp(log_income), 2)
    villages = rng.integers(0, 30, n)
    chance = 1 / (1 + np.exp(-(-0.8 - 2.0 * (log_income - 9.3))))
    treated = rng.random(n) < chance
    village_shock = rng.normal(0, 150, 30)[villages]
    change = 2000 - 1500 * (log_income - 9.3) + effect * treated + village_shock + rng.normal(0, 500, n)
    sizes = rng.integers(1, 6, n)
    return _frame(before, before + change, treated, villages=villages, sizes=sizes,
                  labor=np.minimum(sizes, rng.integers(0, 4, n)),
                  categories=rng.choice(["ordinary", "dibao", "tekun"], n, p=[0.85, 0.12, 0.03]))


def _covers(estimate: ev.Estimate, value: float) -> bool:
    return estimate.ci_low <= value <= estimate.ci_high


# --- the estimate ---------------------------------------------------------------------

def test_without_confounding_the_estimate_is_the_plain_difference_in_differences():
    frame = _twins(pairs=200, effect=800.0, seed=1)
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.effect == pytest.approx(_naive_did(frame), abs=1e-6)
    assert _covers(estimate, 800.0)
    assert estimate.ci_low < estimate.effect < estimate.ci_high
    assert (estimate.n_treated, estimate.n_comparison, estimate.caution) == (200, 200, None)
    # The twins weigh 1 each: the comparison's weighted means are its plain means.
    comparison = frame[~frame[f"treated_{MEASURE}"]]
    assert estimate.comparison_before == pytest.approx(comparison.income_pc_before.mean(), abs=1e-6)
    assert estimate.comparison_after == pytest.approx(comparison.income_pc_after.mean(), abs=1e-6)
    treated = frame[frame[f"treated_{MEASURE}"]]
    assert estimate.treated_after == pytest.approx(treated.income_pc_after.mean(), abs=1e-9)
    assert estimate.p_value < 0.05


def test_confounding_by_income_biases_the_naive_comparison_but_not_the_weighted_one():
    frame = _confounded(3000, effect=600.0, seed=2)
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    naive = _naive_did(frame)
    assert naive > estimate.ci_high  # the poorer receivers' faster growth counted as effect
    assert _covers(estimate, 600.0)
    assert estimate.caution is None
    assert estimate.n_treated + estimate.n_comparison <= 3000
    assert estimate.treated_before < estimate.comparison_before + 1000  # weighting brings them close


def test_a_null_effect_has_an_interval_containing_zero():
    for frame in (_confounded(3000, effect=0.0, seed=3), _twins(pairs=150, effect=0.0, seed=4)):
        estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
        assert _covers(estimate, 0.0)
        assert estimate.p_value > 0.05


def test_the_share_at_risk_falls_by_exactly_the_receivers_that_crossed_the_threshold():
    pairs, crossed = 60, 9
    rng = np.random.default_rng(5)
    before = np.round(rng.uniform(5000, 8000, pairs), 2)
    after_t = before.copy()
    after_t[:crossed] = THRESHOLD + 10  # nine receivers rise above the monitoring range
    after_t[crossed:] += 500            # the others gain, but stay below it
    after_c = before + rng.uniform(0, 900, pairs)  # the comparison stays below it
    villages = rng.integers(0, 6, pairs)
    twice = np.concatenate
    frame = _frame(twice([before, before]), twice([after_t, after_c]),
                   twice([np.ones(pairs, bool), np.zeros(pairs, bool)]), villages=twice([villages, villages]))
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.AT_RISK, policy=POLICY)
    assert estimate.effect == pytest.approx(-crossed / pairs, abs=1e-9)
    assert (estimate.treated_before, estimate.treated_after) == (1.0, pytest.approx(1 - crossed / pairs))
    assert (estimate.comparison_before, estimate.comparison_after) == (pytest.approx(1.0), pytest.approx(1.0))
    assert estimate.ci_high < 0


def test_too_few_receivers_gives_a_figure_with_a_caution():
    frame = _confounded(3000, effect=600.0, seed=6)
    receivers = frame.index[frame[f"treated_{MEASURE}"]]
    few = frame.drop(index=receivers[12:])
    estimate = ev.evaluate(few, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.n_treated == 12 < POLICY.measures_evaluation_min_households
    assert estimate.caution == ev.TOO_FEW
    assert estimate.effect is not None and estimate.ci_low < estimate.ci_high

    one_receiver = frame.drop(index=receivers[1:])
    estimate = ev.evaluate(one_receiver, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert (estimate.effect, estimate.ci_low, estimate.p_value, estimate.caution) == (None, None, None, ev.TOO_FEW)
    assert estimate.n_treated == 1 and estimate.n_comparison == len(frame) - len(receivers)
    assert estimate.treated_before == pytest.approx(one_receiver.loc[receivers[0], "income_pc_before"])


def test_receivers_unlike_anyone_else_get_the_no_overlap_caution():
    rng = np.random.default_rng(7)
    # 100 poor receivers; 400 well-off households and only 15 poor ones that did not.
    log_income = np.concatenate([rng.normal(8.0, 0.3, 100), rng.normal(10.5, 0.3, 400), rng.normal(8.0, 0.3, 15)])
    before = np.exp(log_income)
    treated = np.arange(515) < 100
    after = before + 500 + 300 * treated + rng.normal(0, 200, 515)
    frame = _frame(before, after, treated, villages=rng.integers(0, 6, 515))
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.caution == ev.NO_OVERLAP
    assert 2 <= estimate.n_comparison < POLICY.measures_evaluation_min_households
    assert estimate.effect is not None


def test_receivers_entirely_apart_from_the_others_give_no_figure():
    rng = np.random.default_rng(8)
    before = np.concatenate([rng.uniform(3000, 5000, 80), rng.uniform(20000, 30000, 200)])
    treated = np.arange(280) < 80
    frame = _frame(before, before + 400 + 300 * treated + rng.normal(0, 100, 280), treated,
                   villages=rng.integers(0, 6, 280))
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert (estimate.effect, estimate.caution) == (None, ev.NO_OVERLAP)
    assert estimate.n_treated == 80 and estimate.n_comparison < 2


def test_degenerate_frames_give_no_figure_and_never_crash():
    rng = np.random.default_rng(9)
    before = np.round(rng.uniform(5000, 20000, 100), 2)
    treated = np.arange(100) % 2 == 0
    villages = rng.integers(0, 6, 100)
    unchanged = _frame(before, before, treated, villages=villages)
    for outcome in ev.OUTCOMES:
        estimate = ev.evaluate(unchanged, measure=MEASURE, outcome=outcome, policy=POLICY)
        assert (estimate.effect, estimate.caution) == (None, ev.NOT_ESTIMABLE)
        assert estimate.n_treated == 50
    # Every household alike but for the measure, in one village: still a figure.
    alike = _frame([7000.0] * 60, 7000 + 100 * treated[:60] + rng.normal(0, 50, 60), treated[:60], villages=[0] * 60)
    estimate = ev.evaluate(alike, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.effect == pytest.approx(_naive_did(alike), abs=1e-6)
    # Nobody received it, or the frame never heard of the measure.
    nobody = _frame(before, before + 10, np.zeros(100, bool), villages=villages)
    assert ev.evaluate(nobody, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY).caution == ev.TOO_FEW
    missing = ev.evaluate(nobody, measure="microcredit", outcome=ev.AT_RISK, policy=POLICY)
    assert (missing.effect, missing.n_treated, missing.n_comparison, missing.caution) == (None, 0, 0, ev.TOO_FEW)
    with pytest.raises(ValueError):
        ev.evaluate(nobody, measure=MEASURE, outcome="happiness", policy=POLICY)


def test_households_not_eligible_are_left_out():
    frame = _twins(pairs=100, effect=500.0, seed=10)
    spoiled = frame.copy()
    # Households that got the measure earlier: a huge change, but not in the comparison.
    extra = _frame([6000.0] * 40, [60000.0] * 40, [False] * 40, villages=[0] * 40, eligible=[False] * 40)
    extra["household_id"] = [f"X{i}" for i in range(40)]
    spoiled = pd.concat([spoiled, extra], ignore_index=True)
    a = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    b = ev.evaluate(spoiled, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert a == b


def test_households_in_a_town_where_nobody_received_it_compare_with_no_one():
    frame = _twins(pairs=200, effect=800.0, seed=14)
    # A town (villages 9–11) where nobody got the measure and incomes leapt for a
    # reason of its own (a new road, say): no receiver lives there to be like them.
    rng = np.random.default_rng(15)
    before = np.round(np.exp(rng.normal(9.3, 0.5, 60)), 2)
    elsewhere = _frame(before, before + 50000, np.zeros(60, bool), villages=rng.integers(9, 12, 60))
    elsewhere["household_id"] = [f"T{i}" for i in range(60)]
    together = pd.concat([frame, elsewhere], ignore_index=True)
    estimate = ev.evaluate(together, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.n_comparison == 200
    assert _covers(estimate, 800.0)
    assert _naive_did(together) < 800 - 5000


def test_another_measure_received_the_same_year_is_not_counted_as_this_ones():
    frame = _twins(pairs=200, effect=500.0, seed=16)
    treated = frame[f"treated_{MEASURE}"].to_numpy()
    # 80 of the trained were also placed in a job, which added 3,000 yuan a person.
    placed = np.zeros(len(frame), bool)
    placed[np.flatnonzero(treated)[:80]] = True
    frame.loc[placed, "income_pc_after"] += 3000
    frame["treated_job_placement"] = placed
    frame["eligible_job_placement"] = placed | ~treated
    estimate = ev.evaluate(frame, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert _covers(estimate, 500.0)
    assert _naive_did(frame) > estimate.ci_high  # 500 + 80/200 × 3,000 without the adjustment
    placement = ev.evaluate(frame, measure="job_placement", outcome=ev.INCOME_PC, policy=POLICY)
    assert placement.n_treated == 80 and placement.n_comparison == 200


def test_the_same_frame_gives_the_same_estimates():
    frame = _confounded(1500, effect=300.0, seed=11)
    assert ev.evaluate_all(frame, policy=POLICY) == ev.evaluate_all(frame, policy=POLICY)


def test_evaluate_all_lists_measures_in_the_engines_order_income_first():
    frame = _twins(pairs=50, effect=100.0, seed=12)
    frame["treated_microcredit"] = frame[f"treated_{MEASURE}"]
    frame["eligible_microcredit"] = True
    frame["treated_hand_made"] = frame[f"treated_{MEASURE}"]
    frame["eligible_hand_made"] = True
    estimates = ev.evaluate_all(frame, policy=POLICY)
    assert [(e.measure, e.outcome) for e in estimates] == [
        (MEASURE, "income_pc"), (MEASURE, "at_risk"), ("microcredit", "income_pc"), ("microcredit", "at_risk"),
        ("hand_made", "income_pc"), ("hand_made", "at_risk"),
    ]
    only = ev.evaluate_all(frame, policy=POLICY, measures=["microcredit", "asset_dividend"])
    assert [(e.measure, e.caution) for e in only][::2] == [("asset_dividend", ev.TOO_FEW), ("microcredit", None)]
    assert ev.evaluate(frame, measure="microcredit", outcome=ev.AT_RISK, policy=POLICY) == only[3]


SHIFT_FRAME = _confounded(600, effect=400.0, seed=13)
SHIFT_BASE = ev.evaluate(SHIFT_FRAME, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)


@settings(max_examples=10, deadline=None)
@given(shift=st.floats(min_value=-5000, max_value=5000, allow_nan=False))
def test_a_change_common_to_the_comparison_moves_the_effect_by_exactly_that(shift):
    comparison = ~SHIFT_FRAME[f"treated_{MEASURE}"]
    moved = SHIFT_FRAME.copy()
    moved.loc[comparison, "income_pc_after"] += shift
    estimate = ev.evaluate(moved, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert estimate.effect == pytest.approx(SHIFT_BASE.effect - shift, abs=1e-6)
    assert estimate.ci_high - estimate.ci_low == pytest.approx(SHIFT_BASE.ci_high - SHIFT_BASE.ci_low, abs=1e-6)
    assert estimate.comparison_after == pytest.approx(SHIFT_BASE.comparison_after + shift, abs=1e-6)
    assert (estimate.treated_after, estimate.n_comparison) == (SHIFT_BASE.treated_after, SHIFT_BASE.n_comparison)
    # A change common to every household (a good year for all) moves nothing.
    everyone = SHIFT_FRAME.copy()
    everyone["income_pc_after"] += shift
    same = ev.evaluate(everyone, measure=MEASURE, outcome=ev.INCOME_PC, policy=POLICY)
    assert same.effect == pytest.approx(SHIFT_BASE.effect, abs=1e-6)


# --- the frame from contract tables ---------------------------------------------------

V1, V2 = "500237201201", "500237202203"


def _household(hid: str, village: str, category: str = "ordinary") -> dict:
    return {"household_id": hid, "village_code": village, "status": "lifted", "category": category,
            "housing": "safe", "water": "safe", "food_clothing_ok": True, "poverty_cause": None,
            "lifted_year": 2018, "cooperative_member": False, "industry_linked": False, "credit_access": False,
            "participates_village_affairs": False, "willingness": 3, "sudden_event": "none"}


def _person(pid: str, hid: str, *, labor: str, alive: bool = True) -> dict:
    return {"person_id": pid, "household_id": hid, "name": "李某", "relation": "head", "sex": "male",
            "birth_date": dt.date(1980, 5, 1), "alive": alive, "education": "junior",
            "schooling": "not_in_school", "labor": labor, "health": "healthy", "disability_grade": 0,
            "medical_insured": True, "has_skill": False, "employed_months": 0}


def _item(hid: str, year: int, item: str, amount: str) -> dict:
    return {"household_id": hid, "year": year, "item": item, "amount": Decimal(amount), "source": "survey"}


HOUSEHOLDS = [_household("H1", V1), _household("H2", V2, "dibao"), _household("H3", V1), _household("H4", V2),
              _household("H5", V1), _household("H6", V2)]
PERSONS = [
    _person("P11", "H1", labor="skilled"), _person("P12", "H1", labor="weak"),
    _person("P13", "H1", labor="ordinary", alive=False),  # died: counts neither in size nor labor
    _person("P21", "H2", labor="lost"),
    _person("P31", "H3", labor="ordinary", alive=False),  # no living member: no row
    _person("P41", "H4", labor="ordinary"), _person("P42", "H4", labor="none"), _person("P43", "H4", labor="ordinary"),
    _person("P51", "H5", labor="ordinary"), _person("P61", "H6", labor="weak"),
]
LEDGER = [
    _item("H1", 2025, "wage", "10000.01"), _item("H1", 2025, "production_cost", "1000.00"),
    _item("H1", 2026, "wage", "20000.00"), _item("H1", 2026, "dibao", "100.33"),
    _item("H1", 2024, "wage", "99999.00"),  # another year: ignored
    _item("H2", 2026, "dibao", "9000.00"), _item("H2", 2025, "dibao", "8999.99"),
    _item("H3", 2026, "wage", "5000.00"),
    # H4 has no ledger at all: no income either year.
    _item("H5", 2025, "wage", "7000.00"), _item("H5", 2026, "wage", "7500.00"),
    _item("H6", 2025, "pension", "3000.00"), _item("H6", 2026, "pension", "3100.00"),
]


def _contract(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=TABLES[name].arrow_schema)


def _received(*rows) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(("household_id", "person_id", "measure", "started_on"), row)) for row in rows],
        schema=ev.RECEIVED_SCHEMA)


RECEIVED = _received(
    ("H1", "P11", "skills_training", dt.date(2025, 3, 1)),   # a member's measure, in the year before
    ("H2", None, "microcredit", dt.date(2026, 2, 1)),         # in the year itself: neither side
    ("H4", None, "microcredit", dt.date(2024, 6, 1)),         # long before: neither side
    ("H1", None, "microcredit", dt.date(2027, 1, 5)),         # after the year: does not count
    ("H6", None, "microcredit", dt.date(2027, 1, 5)),         # H6's only one: a comparison household
    ("H4", "P41", "skills_training", None),                   # no date: received some time, left out
    ("H9", None, "skills_training", dt.date(2025, 1, 1)),     # a household not in the tables
    ("H2", "P21", "skills_training", dt.date(2025, 12, 31)),  # the last day of the year before
)


@pytest.fixture(scope="module")
def frame():
    return ev.evaluation_frame(households=_contract("households", HOUSEHOLDS), persons=_contract("persons", PERSONS),
                               income_items=_contract("income_items", LEDGER), received=RECEIVED, year=2026,
                               policy=POLICY).set_index("household_id")


def test_the_frame_has_one_row_per_household_with_living_members(frame):
    assert list(frame.index) == ["H1", "H2", "H4", "H5", "H6"]
    assert frame.loc["H1", ["size", "labor_capable"]].tolist() == [2, 2]
    assert frame.loc["H4", ["size", "labor_capable"]].tolist() == [3, 2]
    assert frame.loc["H2", ["village_code", "town_code", "category"]].tolist() == [V2, "500237202000", "dibao"]


def test_per_capita_incomes_are_the_monitoring_runs_to_the_fen(frame):
    # (10000.01 − 1000) / 2 = 4500.005 → 4500.01; (20000 + 100.33) / 2 = 10050.165 → 10050.17
    assert frame.loc["H1", ["income_pc_before", "income_pc_after"]].tolist() == [4500.01, 10050.17]
    assert frame.loc["H4", ["income_pc_before", "income_pc_after"]].tolist() == [0.0, 0.0]
    run = one.household_results(HOUSEHOLDS, PERSONS, LEDGER, POLICY)
    for hid in frame.index:
        assert frame.loc[hid, "income_pc_after"] == float(run[hid]["income_pc"])
        assert frame.loc[hid, "income_pc_before"] == float(run[hid]["prev_income_pc"])


def test_at_risk_means_below_the_monitoring_threshold(frame):
    assert frame.loc["H1", ["at_risk_before", "at_risk_after"]].tolist() == [True, False]
    # Exactly 9,000 yuan a person is not below the threshold of 9,000; one fen less is.
    assert frame.loc["H2", ["at_risk_before", "at_risk_after"]].tolist() == [True, False]
    assert frame.loc["H4", ["at_risk_before", "at_risk_after"]].tolist() == [True, True]


def test_who_received_a_measure_and_who_can_be_compared(frame):
    assert list(frame.columns[-4:]) == ["treated_skills_training", "eligible_skills_training",
                                        "treated_microcredit", "eligible_microcredit"]
    # Received in the year before, by the household or a member (H2 on its last day).
    assert frame.index[frame.treated_skills_training].tolist() == ["H1", "H2"]
    assert not frame.treated_microcredit.any()
    # Compared: the receivers, and households helped in no way up to the end of the year
    # (H6's only measure comes after it). H1 and H2 got skills training, so they are no
    # comparison for microcredit; H4 had microcredit long ago and a training of no known date.
    assert frame.index[frame.eligible_skills_training].tolist() == ["H1", "H2", "H5", "H6"]
    assert frame.index[frame.eligible_microcredit].tolist() == ["H5", "H6"]


def test_a_measure_started_in_the_year_itself_is_neither_received_nor_compared():
    late = _received(("H1", "P11", "job_placement", dt.date(2026, 1, 1)))
    frame = ev.evaluation_frame(households=_contract("households", HOUSEHOLDS), persons=_contract("persons", PERSONS),
                                income_items=_contract("income_items", LEDGER), received=late, year=2026,
                                policy=POLICY).set_index("household_id")
    assert not frame["treated_job_placement"].any()
    assert frame.index[frame["eligible_job_placement"]].tolist() == ["H2", "H4", "H5", "H6"]


def test_without_measures_received_the_frame_has_no_measure_columns():
    frame = ev.evaluation_frame(households=_contract("households", HOUSEHOLDS), persons=_contract("persons", PERSONS),
                                income_items=_contract("income_items", LEDGER), received=_received(), year=2026,
                                policy=POLICY)
    assert not [c for c in frame.columns if c.startswith(("treated_", "eligible_"))]
    assert ev.evaluate_all(frame, policy=POLICY) == []


def test_the_frame_follows_the_year_asked_not_the_policys():
    frame = ev.evaluation_frame(households=_contract("households", HOUSEHOLDS), persons=_contract("persons", PERSONS),
                                income_items=_contract("income_items", LEDGER), received=RECEIVED, year=2025,
                                policy=POLICY).set_index("household_id")
    # 2024 → 2025 for H1: 99,999 / 2 = 49,999.50 before, 4,500.01 after.
    assert frame.loc["H1", ["income_pc_before", "income_pc_after"]].tolist() == [49999.5, 4500.01]
    assert frame.loc["H1", "treated_skills_training"] == np.False_  # 2025 is now the year itself
    assert not math.isnan(frame.loc["H2", "income_pc_after"])


def test_the_synthetic_county_frame_agrees_with_a_monitoring_run(small_county):
    received = _received(*[(hid, None, "industry_support", dt.date(2025, 6, 1))
                           for hid in small_county["households"]["household_id"].to_pylist()[::7]])
    frame = ev.evaluation_frame(households=small_county["households"], persons=small_county["persons"],
                                income_items=small_county["income_items"], received=received, year=2026,
                                policy=POLICY)
    run = one.household_results_arrow(small_county["households"], small_county["persons"],
                                      small_county["income_items"], POLICY)
    living = {hid: row for hid, row in run.items() if row["size"] > 0}
    assert sorted(frame.household_id) == sorted(living)
    for row in frame.itertuples():
        assert row.income_pc_after == float(living[row.household_id]["income_pc"])
        assert row.income_pc_before == float(living[row.household_id]["prev_income_pc"])
        assert row.at_risk_after == (living[row.household_id]["income_pc"] < POLICY.monitoring_threshold)
    assert frame.treated_industry_support.sum() == len(range(0, 600, 7))
    estimates = ev.evaluate_all(frame, policy=POLICY)
    assert [e.outcome for e in estimates] == ["income_pc", "at_risk"]
