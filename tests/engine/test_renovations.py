"""A renovation line item's amount: quantity × unit price, half up to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neisheng.engine.renovations import line_amount


@pytest.mark.parametrize(("quantity", "unit_price", "amount"), [
    ("12", "180.00", "2160.00"),          # 12 工日 of 泥工
    ("2.345", "80.01", "187.62"),         # 187.62345 → down
    ("0.5", "0.01", "0.01"),              # 0.005 → half up, not to even
    ("1.5", "0.01", "0.02"),              # 0.015 → up
    ("0.25", "0.02", "0.01"),             # 0.005 exactly → up
    ("3", "0.00", "0.00"),
    ("0.001", "4.99", "0.00"),            # 0.00499 → down
    ("999999999.999", "9999999999.99", "9999999999980000000.00"),  # the columns' largest values
])
def test_known_amounts_round_half_up_to_the_fen(quantity, unit_price, amount):
    result = line_amount(Decimal(quantity), Decimal(unit_price))
    assert result == Decimal(amount)
    assert result.as_tuple().exponent == -2


def test_an_int_quantity_is_accepted():
    assert line_amount(3, Decimal("1.005")) == Decimal("3.02")   # 3.015 → 3.02


@pytest.mark.parametrize(("quantity", "unit_price"), [
    (Decimal(-1), Decimal(1)), (Decimal(1), Decimal("-0.01")), (Decimal("NaN"), Decimal(1)),
    (Decimal("Infinity"), Decimal(1)),
])
def test_a_negative_or_non_finite_value_is_refused(quantity, unit_price):
    with pytest.raises(ValueError):
        line_amount(quantity, unit_price)


@pytest.mark.parametrize(("quantity", "unit_price"), [(1.1, Decimal(1)), (Decimal(1), "2"), (True, Decimal(1))])
def test_a_float_text_or_bool_is_refused_as_the_wrong_type(quantity, unit_price):
    with pytest.raises(TypeError):
        line_amount(quantity, unit_price)


def test_the_callers_decimal_context_does_not_round_the_product_early():
    from decimal import localcontext

    with localcontext() as context:
        context.prec = 4
        assert line_amount(Decimal("123.456"), Decimal("78.90")) == Decimal("9740.68")  # 9740.6784


@given(st.decimals(min_value=0, max_value=10**6, places=3), st.decimals(min_value=0, max_value=10**6, places=2))
def test_the_amount_is_within_half_a_fen_of_the_exact_product(quantity, unit_price):
    amount = line_amount(quantity, unit_price)
    exact = quantity * unit_price
    assert abs(amount - exact) <= Decimal("0.005")
    # Half up: a product exactly halfway goes to the larger fen.
    assert amount - exact != Decimal("-0.005")
