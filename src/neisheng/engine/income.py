"""Net income, previous-year net income and rigid expenditure per household.

Amounts are summed as whole fen (cents) in 64-bit integers: every comparison of
monitoring.md is then exact integer arithmetic, identical on DuckDB and Spark, where
decimal widths and double rounding differ between engines.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from neisheng.engine.schema import AMOUNT_TYPE, LEDGER_ITEMS
from neisheng.policy import Policy

FEN_PER_YUAN = 100
DISABILITY_ALLOWANCES = ("disability_living", "disability_care")


NET_SIGN = {code: {"income": 1, "cost": -1}.get(item.kind, 0) for code, item in LEDGER_ITEMS.items()}
RIGID_ITEMS = [code for code, item in LEDGER_ITEMS.items() if item.kind == "rigid"]


def ledger_totals(income_items: ir.Table, policy: Policy) -> ir.Table:
    """Per household with ledger rows in the run's year or the year before:
    net_fen, prev_net_fen, rigid_fen and whether a disability allowance was paid."""
    year = policy.year
    rows = income_items.filter(income_items.year.isin([year, year - 1]))
    fen = (rows.amount * FEN_PER_YUAN).cast("int64")
    # One CASE over the item code gives its sign toward net income: cheaper over
    # millions of rows than testing membership in lists of codes.
    signed = fen * rows.item.substitute(NET_SIGN, else_=0)
    this_year = rows.year == year
    return rows.group_by("household_id").aggregate(
        net_fen=signed.sum(where=this_year).fill_null(0),
        prev_net_fen=signed.sum(where=~this_year).fill_null(0),
        rigid_fen=fen.sum(where=this_year & rows.item.isin(RIGID_ITEMS)).fill_null(0),
        has_disability_allowance=(
            this_year & rows.item.isin(list(DISABILITY_ALLOWANCES)) & (fen > 0)
        ).any(),
    )


def fen(value: Decimal) -> int:
    """A policy amount in yuan as whole fen."""
    return int(value * FEN_PER_YUAN)


def ratio(value: Decimal) -> tuple[int, int]:
    """A policy ratio as numerator and denominator, so 0.30 compares as exactly 3/10."""
    exact = Fraction(value)
    return exact.numerator, exact.denominator


def per_capita(total_fen: ir.IntegerValue, size: ir.IntegerValue) -> ir.DecimalValue:
    """total / size in yuan, rounded half away from zero to the fen, computed with
    integer remainders only (no engine's float division)."""
    doubled = total_fen.abs() * 2 + size
    divisor = size * 2
    rounded = ((doubled - doubled % divisor) / divisor).cast("int64")
    signed = ibis.ifelse(total_fen < 0, -rounded, rounded)
    return fen_to_yuan(signed)


AMOUNT_TYPE_IBIS = ibis.dtype(f"decimal({AMOUNT_TYPE.precision}, {AMOUNT_TYPE.scale})")


def fen_to_yuan(value: ir.IntegerValue) -> ir.DecimalValue:
    """Whole fen as yuan with two decimals. The double nearest to n/100 rounds back to
    exactly n/100 (for any registry amount, far below 2^53 fen), on every engine, and
    costs a fraction of decimal arithmetic, which DuckDB does in 128 bits here."""
    return (value.cast("float64") / FEN_PER_YUAN).cast(AMOUNT_TYPE_IBIS)


def cast_exactly(value: ir.Value, to) -> ir.Value:
    """Cast even when Ibis believes `value` already has type `to`: Ibis then drops the
    cast, but the engine may disagree (DuckDB's SUM of BIGINT is HUGEINT, which its
    Parquet writer stores as DOUBLE; decimal products widen their scale). Going through
    a wide decimal makes the SQL carry the cast; every value here is a whole number of
    fen or a count, so the detour is exact."""
    return value.cast("decimal(38, 4)").cast(to)
