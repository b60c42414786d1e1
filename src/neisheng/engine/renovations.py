"""The arithmetic of a renovation line item (双提升, projects.md): its amount is quantity ×
unit price rounded half up to the fen, in one place, so the page, the import and the
audit's renovation_total add up the same fen.

Pure `Decimal`: exact, no floating point, so 2.345 m² at 80.01 yuan is the same 187.62 on
every machine.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

FEN = Decimal("0.01")


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """`round_half_up(quantity × unit_price)` to the fen, with two places. Both must be
    finite and not negative (a line item takes something, at a price): ValueError
    otherwise; TypeError for a float (its binary value is not the number written), a
    bool or text."""
    for name, value in (("quantity", quantity), ("unit_price", unit_price)):
        if isinstance(value, float) or not isinstance(value, (Decimal, int)) or isinstance(value, bool):
            raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
        if not Decimal(value).is_finite() or value < 0:
            raise ValueError(f"{name} must be a finite number not below zero, not {value}")
    # Exact whatever the caller's context: the product of two numbers of up to 40 digits
    # fits in 80, and only then is it rounded, once.
    with localcontext() as context:
        context.prec = 80
        return (Decimal(quantity) * Decimal(unit_price)).quantize(FEN, rounding=ROUND_HALF_UP)
