"""The measures app's routes in the scope matrix (tests/web/test_scope_matrix.py)."""

from __future__ import annotations

import datetime as dt

from neisheng.accounts.access import MEASURES_ASSIGN, PERSONS_READ

ENDPOINTS = [
    dict(name="assigned measures", template="/measures/", kind="list"),
    dict(name="assigned measures of a household", template="/measures/?q={t.household}", kind="list"),
    dict(name="assigned measures export", template="/measures/", kind="list", post={}),
    dict(name="assign a measure", template="/measures/new/?household={t.household}&measure=skills_training",
         kind="detail", needs=(PERSONS_READ, MEASURES_ASSIGN)),
]


def targets(*, household, other_household, places) -> dict:
    """A measure assigned to each household, so the list and its export have rows to hide."""
    from neisheng.measures.models import AssignedMeasure

    for someone in (household, other_household):
        AssignedMeasure.objects.create(household=someone, measure="skills_training", assigned_on=dt.date(2026, 3, 1),
                                       responsible="镇人社服务中心", from_recommendation=True)
    return {}
