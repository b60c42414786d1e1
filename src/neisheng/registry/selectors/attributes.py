"""Values other apps keep about households, as the registry's pages use them: monitoring's
risk, reasons, monitoring type, stability and motivation in the latest run covering the
user come through platform.extensions; the registry never imports the app that keeps them."""

from __future__ import annotations

from neisheng.accounts.models import User
from neisheng.platform.extensions import (
    HouseholdAttribute,
    household_attribute,
    household_attribute_shown_to,
)

RISK = "risk"
MOTIVATION = "motivation"
MONITOR_TYPE = "monitor_type"
STABILITY = "stability"
REASONS = "reasons"
CHANGED = "changed"  # the current result differs from the latest run's (monitoring.current)

# The household list's result columns, in the order it shows them.
LIST_COLUMNS = (RISK, REASONS, MONITOR_TYPE, STABILITY, MOTIVATION, CHANGED)
# Attributes whose value is several codes separated by ";": filtered by one code.
SEVERAL_CODES = frozenset({REASONS})


def attribute_for(name: str, user: User) -> HouseholdAttribute | None:
    """The attribute `name` when an installed app keeps it and it exists for `user`."""
    attribute = household_attribute(name)
    return attribute if household_attribute_shown_to(attribute, user) else None


def results_exist(user: User) -> bool:
    """Whether households have a risk for this user yet (a monitoring run covers them)."""
    return attribute_for(RISK, user) is not None


def list_attributes(user: User) -> list[HouseholdAttribute]:
    """The result columns the household list shows this user, in order."""
    return [a for a in (attribute_for(name, user) for name in LIST_COLUMNS) if a is not None]


def codes_of(value: str | None) -> list[str]:
    """The codes of a value that holds several ("a;b")."""
    return [code for code in (value or "").split(";") if code]
