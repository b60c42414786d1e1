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
    dict(name="assigned measure", template="/measures/{t.extra[measure]}/", kind="detail"),
    dict(name="assigned measure step form", template="/measures/{t.extra[measure]}/{t.extra[measure_step]}/", kind="detail",
         needs=(PERSONS_READ, MEASURES_ASSIGN)),
    dict(name="API measures", template="/api/measures/", kind="list", api=True),
    dict(name="API measures of a household", template="/api/measures/?household_id={t.household}", kind="list",
         api=True),
    dict(name="API measure", template="/api/measures/{t.extra[measure]}/", kind="detail", api=True),
    # A step without its date: refused as bad input (400) once the measure and the role pass.
    dict(name="API measure start", template="/api/measures/{t.extra[measure]}/start/", kind="detail", api=True,
         post={}, needs=(PERSONS_READ, MEASURES_ASSIGN), shows=None, answers=400),
    dict(name="API measure complete", template="/api/measures/{t.extra[measure]}/complete/", kind="detail",
         api=True, post={}, needs=(PERSONS_READ, MEASURES_ASSIGN), shows=None, answers=400),
    dict(name="API measure abandon", template="/api/measures/{t.extra[measure]}/abandon/", kind="detail",
         api=True, post={}, needs=(PERSONS_READ, MEASURES_ASSIGN), shows=None, answers=400),
]


def targets(*, household, other_household, places) -> dict:
    """A measure assigned to each household, so the lists, the pages and the API have rows to hide."""
    from neisheng.measures.models import AssignedMeasure

    # A path part that is a code, not a record: named here so the route guard sees the shape.
    made = {"measure_step": "start"}
    for someone, key in ((household, "measure"), (other_household, "measure_elsewhere")):
        made[key] = AssignedMeasure.objects.create(
            household=someone, measure="skills_training", assigned_on=dt.date(2026, 3, 1),
            responsible="镇人社服务中心", from_recommendation=True).pk
    return made
