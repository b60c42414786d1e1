"""Known answers of the model household's score (engine.honours), with the default
policy's numbers: weights 0.4 / 0.3 / 0.15 / 0.15, +50 % growth, 3 efforts, 3 acts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from neisheng.engine.honours import HonourFacts, honour_score, income_years

POLICY = {"weights": {"income_growth": 0.4, "own_effort": 0.3, "helping_others": 0.15, "willingness": 0.15},
              "income_growth_full": 0.5, "own_effort_full": 3, "helping_others_full": 3}


def facts(**changed) -> HonourFacts:
    values = {"year": 2026, "income_pc": {2024: Decimal("5000.00"), 2026: Decimal("6500.00")}, "working_members": 1,
                  "trainings_finished": 1, "help_acts": 1, "willingness": 4}
    values.update(changed)
    return HonourFacts(**values)


def points(score) -> dict:
    return {c.code: c.points for c in score.criteria}


def test_growth_of_30_percent_one_worker_one_training_one_act_and_willingness_4_is_60_25():
    score = honour_score(facts(), **POLICY)
    assert points(score) == {"income_growth": Decimal("24.00"), "own_effort": Decimal("20.00"),
                             "helping_others": Decimal("5.00"), "willingness": Decimal("11.25")}
    assert score.total == Decimal("60.25")
    growth = score.criteria[0]
    assert growth.fraction == Fraction(3, 5)
    assert growth.figures | {} == {"earlier_year": 2024, "later_year": 2026, "earlier": "5000.00",
                                   "later": "6500.00", "full_at": "0.5", "growth": "0.3000", "case": "grew"}


def test_falling_income_scores_nothing_and_effort_is_capped_at_its_full_score():
    score = honour_score(facts(income_pc={2025: Decimal(6000), 2026: Decimal(5000)}, working_members=3,
                               trainings_finished=2, help_acts=0, willingness=1), **POLICY)
    assert points(score) == {"income_growth": Decimal("0.00"), "own_effort": Decimal("30.00"),
                             "helping_others": Decimal("0.00"), "willingness": Decimal("0.00")}
    assert score.total == Decimal("30.00")
    assert score.criteria[0].figures["case"] == "fell" and score.criteria[0].figures["growth"] == "-0.1667"


def test_growth_above_the_full_figure_earns_the_whole_weight():
    score = honour_score(facts(income_pc={2025: Decimal(4000), 2026: Decimal(8000)}, willingness=5,
                               help_acts=9), **POLICY)
    assert points(score)["income_growth"] == Decimal("40.00")
    assert score.total == Decimal("40.00") + Decimal("20.00") + Decimal("15.00") + Decimal("15.00")


def test_the_years_compared_are_two_apart_when_the_ledger_has_them_else_one():
    assert income_years({2024: Decimal(1), 2025: Decimal(1), 2026: Decimal(1)}, 2026) == (2024, 2026)
    assert income_years({2025: Decimal(1), 2026: Decimal(1)}, 2026) == (2025, 2026)
    # A ledger year after the selection's year is not looked at.
    assert income_years({2025: Decimal(1), 2026: Decimal(1), 2027: Decimal(9)}, 2026) == (2025, 2026)
    assert income_years({2026: Decimal(1)}, 2026) == (None, 2026)
    assert income_years({}, 2026) == (None, None)
    # A year without living members has no income per person.
    assert income_years({2025: None, 2026: Decimal(1)}, 2026) == (None, 2026)


def test_growth_over_one_year_is_held_to_half_the_two_year_figure():
    score = honour_score(facts(income_pc={2025: Decimal("5000.00"), 2026: Decimal("5500.00")}), **POLICY)
    growth = score.criteria[0]
    assert growth.fraction == Fraction(2, 5) and growth.points == Decimal("16.00")
    assert (growth.figures["full_at"], growth.figures["growth"]) == ("0.25", "0.1000")


def test_no_earlier_year_scores_no_growth_and_says_why():
    score = honour_score(facts(income_pc={2026: Decimal(9000)}), **POLICY)
    assert points(score)["income_growth"] == Decimal("0.00")
    assert score.criteria[0].figures["case"] == "no_ledger"


def test_income_from_nothing_is_full_growth_and_nothing_to_nothing_is_none():
    grew = honour_score(facts(income_pc={2025: Decimal(0), 2026: Decimal(100)}), **POLICY)
    assert points(grew)["income_growth"] == Decimal("40.00") and grew.criteria[0].figures["case"] == "from_nothing"
    stayed = honour_score(facts(income_pc={2025: Decimal(-50), 2026: Decimal(0)}), **POLICY)
    assert points(stayed)["income_growth"] == Decimal("0.00")


def test_points_round_half_up_to_the_fen_and_the_total_is_their_sum():
    # 0.15 × 100 × 1/8 = 1.875 → 1.88; 0.3 × 100 × 1/7 = 4.2857… → 4.29
    score = honour_score(facts(help_acts=1, working_members=1, trainings_finished=0),
                         **{**POLICY, "helping_others_full": 8, "own_effort_full": 7})
    assert points(score)["helping_others"] == Decimal("1.88")
    assert points(score)["own_effort"] == Decimal("4.29")
    assert score.total == sum(points(score).values())


def test_willingness_maps_1_to_5_onto_0_to_1():
    shown = [points(honour_score(facts(willingness=w), **POLICY))["willingness"] for w in (1, 2, 3, 4, 5)]
    assert shown == [Decimal("0.00"), Decimal("3.75"), Decimal("7.50"), Decimal("11.25"), Decimal("15.00")]


def test_the_stored_figures_name_each_criterion():
    stored = honour_score(facts(), **POLICY).figures()
    assert stored["own_effort"] == {"weight": "0.3", "fraction": "2/3", "points": "20.00", "working_members": 1,
                                    "trainings_finished": 1, "full_at": 3}
    assert stored["willingness"]["points"] == "11.25"


def test_a_policy_missing_a_weight_is_refused():
    with pytest.raises(ValueError):
        honour_score(facts(), **{**POLICY, "weights": {"income_growth": 1.0}})
