"""The 两不愁三保障 and drinking-water guarantees: the red reasons that are not income."""

from __future__ import annotations

import ibis.expr.types as ir

GUARANTEE_REASONS = ("food_clothing", "compulsory_education", "medical_insurance", "housing", "water")


def guarantee_reasons(h: ir.Table) -> dict[str, ir.BooleanValue]:
    """One boolean per reason for a household frame carrying the member facts."""
    return {
        "food_clothing": ~h.food_clothing_ok,
        "compulsory_education": h.any_out_of_school,
        "medical_insurance": h.any_uninsured,
        "housing": h.housing.isin(["c_class", "d_class"]),
        "water": h.water == "unsafe",
    }
