"""Values other apps keep about households, as the registry's pages use them: monitoring's
risk and motivation in the latest run covering the user come through platform.extensions;
the registry never imports the app that keeps them."""

from __future__ import annotations

from neisheng.accounts.models import User
from neisheng.platform.extensions import household_attribute, household_attribute_shown_to

RISK = "risk"
MOTIVATION = "motivation"


def attribute_for(name: str, user: User):
    """The attribute `name` when an installed app keeps it and it exists for `user`."""
    attribute = household_attribute(name)
    return attribute if household_attribute_shown_to(attribute, user) else None


def results_exist(user: User) -> bool:
    """Whether households have a risk for this user yet (a monitoring run covers them)."""
    return attribute_for(RISK, user) is not None
