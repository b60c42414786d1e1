"""A distribution plan's arithmetic (projects.md): the collective's share half up to the
fen, the rest split to the fen by the largest-remainder method, and who is a living member
on the plan date."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neisheng.engine.dividends import (
    Member,
    alive_on,
    allocate,
    collective_amount,
    members_alive_on,
)

D = Decimal


def test_seven_thousand_among_six_households():
    """The spec's example: four get 1,166.67 and two 1,166.66; the two short a fen are
    the largest household_ids, since every remainder ties and ties go to the smaller id."""
    ids = ["500237001", "500237002", "500237003", "500237004", "500237005", "500237006"]
    amounts = allocate(D("7000.00"), dict.fromkeys(ids, 1))
    assert amounts == {
        "500237001": D("1166.67"), "500237002": D("1166.67"), "500237003": D("1166.67"),
        "500237004": D("1166.67"), "500237005": D("1166.66"), "500237006": D("1166.66"),
    }
    assert sum(amounts.values()) == D("7000.00")
    assert all(amount.as_tuple().exponent == -2 for amount in amounts.values())


def test_tie_goes_to_the_smaller_id_by_string_comparison_not_insertion_order():
    amounts = allocate(D("0.02"), {"b": 1, "c": 1, "a": 1})
    assert amounts == {"a": D("0.01"), "b": D("0.01"), "c": D("0.00")}


def test_per_person_weights():
    """1,000.00 over households of 1, 2, 3 and 4 persons: 100, 200, 300, 400 exactly."""
    amounts = allocate(D("1000.00"), {"h1": 1, "h2": 2, "h3": 3, "h4": 4})
    assert amounts == {"h1": D("100.00"), "h2": D("200.00"), "h3": D("300.00"), "h4": D("400.00")}


def test_largest_remainder_not_smallest_id():
    """100.00 over 1, 1, 1 persons and one of 3: exact shares 16.666…, 16.666…, 16.666…
    and 50.00: the household of 3 has no fraction, so the fen go to the others."""
    amounts = allocate(D("100.00"), {"a": 1, "b": 1, "c": 1, "d": 3})
    assert amounts == {"a": D("16.67"), "b": D("16.67"), "c": D("16.66"), "d": D("50.00")}
    # A larger fraction wins over a smaller id: 10.00 by weights 1 and 2 → 3.333… and 6.666….
    assert allocate(D("10.00"), {"a": 1, "b": 2}) == {"a": D("3.33"), "b": D("6.67")}


def test_weighted_with_decimal_and_fraction_weights():
    amounts = allocate(D("90.00"), {"a": D("1.5"), "b": Fraction(3, 2), "c": 0, "d": D("3")})
    assert amounts == {"a": D("22.50"), "b": D("22.50"), "c": D("0.00"), "d": D("45.00")}


def test_zero_weight_households_get_zero_even_with_fen_left_over():
    amounts = allocate(D("0.05"), {"a": 0, "b": 1, "c": 1, "d": 1, "e": 0})
    assert amounts["a"] == amounts["e"] == D("0.00")
    assert sorted(amounts.values()) == [D("0.00"), D("0.00"), D("0.01"), D("0.02"), D("0.02")]
    assert amounts == {"a": D("0.00"), "b": D("0.02"), "c": D("0.02"), "d": D("0.01"), "e": D("0.00")}


def test_one_fen_among_three_goes_to_the_smallest_id():
    assert allocate(D("0.01"), {"z": 1, "m": 1, "b": 1}) == {"z": D("0.00"), "m": D("0.00"), "b": D("0.01")}


def test_zero_total_and_integer_total():
    assert allocate(D("0"), {"a": 1, "b": 2}) == {"a": D("0.00"), "b": D("0.00")}
    assert allocate(7, {"a": 1, "b": 1}) == {"a": D("3.50"), "b": D("3.50")}
    # Trailing zeros beyond two places are still an amount of whole fen.
    assert allocate(D("1.000"), {"a": 1}) == {"a": D("1.00")}


@pytest.mark.parametrize("total, message", [
    (D("-0.01"), "negative"),
    (D("1.001"), "more than two decimal places"),
    (1.5, "Decimal"),
    (True, "Decimal"),
    ("10.00", "Decimal"),
    (D("NaN"), "finite"),
    (D("Infinity"), "finite"),
])
def test_bad_totals_are_refused(total, message):
    with pytest.raises(ValueError, match=message):
        allocate(total, {"a": 1})


@pytest.mark.parametrize("weights, message", [
    ({"a": 1, "h7": -1}, "household h7 is negative"),
    ({"a": 1, "h7": 0.5}, "household h7"),
    ({"a": 1, "h7": True}, "household h7"),
    ({"a": 1, "h7": None}, "household h7"),
    ({"a": 1, "h7": D("NaN")}, "household h7"),
    ({"a": 0, "b": 0}, "positive weight"),
    ({}, "positive weight"),
])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(ValueError, match=message):
        allocate(D("100.00"), weights)


def test_collective_share_rounds_half_up_to_the_fen():
    assert collective_amount(D("7000.00"), D("0.3")) == D("2100.00")
    assert collective_amount(D("0.01"), D("0.5")) == D("0.01")  # 0.005 → 0.01
    assert collective_amount(D("0.03"), D("0.5")) == D("0.02")  # 0.015 → 0.02, not to even
    assert collective_amount(D("10.00"), D("0.3333")) == D("3.33")  # 3.333 → 3.33
    assert collective_amount(D("10.00"), D("0.3335")) == D("3.34")  # 3.335 → 3.34
    assert collective_amount(D("100.00"), Fraction(1, 3)) == D("33.33")
    assert collective_amount(D("100.00"), Fraction(2, 3)) == D("66.67")
    assert collective_amount(D("130000.00"), 0) == D("0.00")
    assert collective_amount(D("130000.00"), 1) == D("130000.00")
    assert str(collective_amount(D("5"), D("0.2"))) == "1.00"


@pytest.mark.parametrize("total, share, message", [
    (D("10.00"), D("1.01"), "from 0 to 1"),
    (D("10.00"), D("-0.1"), "from 0 to 1"),
    (D("10.00"), 0.3, "collective share"),
    (D("10.00"), True, "collective share"),
    (D("-10.00"), D("0.3"), "negative"),
    (D("10.005"), D("0.3"), "two decimal places"),
    (10.0, D("0.3"), "Decimal"),
])
def test_bad_collective_arguments_are_refused(total, share, message):
    with pytest.raises(ValueError, match=message):
        collective_amount(total, share)


fen_totals = st.integers(min_value=0, max_value=10**12).map(lambda fen: Decimal(fen).scaleb(-2))
weight_values = st.one_of(
    st.integers(min_value=0, max_value=50),
    st.decimals(min_value=0, max_value=100, places=3),
    st.fractions(min_value=0, max_value=20, max_denominator=12),
)
weight_maps = st.dictionaries(st.text(alphabet="0123456789ab", min_size=1, max_size=6), weight_values,
                              min_size=1, max_size=30).filter(lambda w: sum(Fraction(v) for v in w.values()) > 0)


@given(total=fen_totals, weights=weight_maps)
def test_amounts_sum_exactly_and_stay_within_a_fen_of_the_exact_share(total, weights):
    amounts = allocate(total, weights)
    assert set(amounts) == set(weights)
    assert sum(amounts.values()) == total
    weight_sum = sum(Fraction(w) for w in weights.values())
    for household_id, amount in amounts.items():
        assert amount >= 0
        assert amount.as_tuple().exponent == -2
        exact_fen = Fraction(total) * 100 * Fraction(weights[household_id]) / weight_sum
        got_fen = Fraction(amount) * 100
        # Never below the floor, at most one fen above it.
        assert exact_fen - 1 < got_fen < exact_fen + 1
        assert got_fen in (int(exact_fen), int(exact_fen) + 1)
        if weights[household_id] == 0:
            assert amount == 0


@given(total=fen_totals, weights=weight_maps)
def test_allocation_does_not_depend_on_the_order_of_the_mapping(total, weights):
    reversed_weights = dict(reversed(list(weights.items())))
    assert allocate(total, weights) == allocate(total, reversed_weights)


@given(total=fen_totals, share=st.decimals(min_value=0, max_value=1, places=4))
def test_collective_and_rest_sum_to_the_total(total, share):
    collective = collective_amount(total, share)
    exact = Fraction(total) * Fraction(share)
    assert 0 <= collective <= total
    assert abs(Fraction(collective) - exact) <= Fraction(1, 200)
    rest = total - collective
    assert sum(allocate(rest, {"a": 1, "b": 1, "c": 1}).values()) == rest


DAY = dt.date(2026, 6, 30)


@pytest.mark.parametrize("member, expected", [
    (Member("p", dt.date(1950, 1, 1), True), True),
    (Member("p", None, True), True),                              # birth unknown: counts
    (Member("p", DAY, True), True),                               # born that day
    (Member("p", DAY + dt.timedelta(days=1), True), False),       # born the day after
    (Member("p", dt.date(1950, 1, 1), False, DAY + dt.timedelta(days=1)), True),  # dies the day after
    (Member("p", dt.date(1950, 1, 1), False, DAY), False),        # died_on is the first day not alive
    (Member("p", dt.date(1950, 1, 1), False, DAY - dt.timedelta(days=1)), False),
    (Member("p", dt.date(1950, 1, 1), False, None), False),       # dead with no date: never alive
    (Member("p", None, False, None), False),
    (Member("p", dt.date(1950, 1, 1), True, DAY - dt.timedelta(days=10)), True),  # alive now wins
])
def test_alive_on(member, expected):
    assert alive_on(member, DAY) is expected


def test_members_alive_on_counts_a_household_on_the_plan_date():
    household = [
        Member("grandfather", dt.date(1940, 3, 1), False, dt.date(2026, 5, 1)),
        Member("grandmother", dt.date(1942, 3, 1), False, None),
        Member("father", dt.date(1970, 3, 1), True),
        Member("baby", dt.date(2026, 7, 1), True),
    ]
    assert members_alive_on(household, dt.date(2026, 4, 30)) == 2
    assert members_alive_on(household, dt.date(2026, 5, 1)) == 1
    assert members_alive_on(household, dt.date(2026, 7, 1)) == 2
    assert members_alive_on([], DAY) == 0
