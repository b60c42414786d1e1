"""Reads of assigned measures, always through the user's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from neisheng.measures.models import AssignedMeasure
from neisheng.measures.workflow import ASSIGN_LABEL, ASSIGN_STEP, MEASURE_WORKFLOW
from neisheng.platform import scope
from neisheng.platform.workflow import history
from neisheng.registry.models import Person


def measures_visible_to(user) -> QuerySet[AssignedMeasure]:
    return scope.visible_to(user, AssignedMeasure.objects.select_related("household", "household__village"))


def measures_of(household) -> QuerySet[AssignedMeasure]:
    """The household's measures, newest first (the caller has already read the household
    through the user's scope)."""
    return AssignedMeasure.objects.filter(household=household).order_by("-assigned_on", "-pk")


def measures_assigned_between(household, start: dt.date, end: dt.date | None = None) -> int:
    """How many measures were assigned to the household (or a member) on a day from
    `start` to `end` inclusive (to today and beyond when `end` is None). An abandoned
    measure does not count: cases.md's risk elimination asks for a measure assigned while
    monitored, and one given up helped nobody."""
    rows = AssignedMeasure.objects.filter(household=household, assigned_on__gte=start) \
        .exclude(state=AssignedMeasure.State.ABANDONED)
    if end is not None:
        rows = rows.filter(assigned_on__lte=end)
    return rows.count()


def with_member_names(measures: list[AssignedMeasure]) -> list[AssignedMeasure]:
    """Each measure with `person_name`, the member it concerns ("" for the whole
    household): one query for a page of them."""
    ids = {m.person_id for m in measures if m.person_id}
    names = dict(Person.objects.filter(person_id__in=ids).values_list("person_id", "name")) if ids else {}
    for m in measures:
        m.person_name = names.get(m.person_id, "")
    return measures


def measure_history(measure: AssignedMeasure) -> list[dict]:
    """Its steps, oldest first, each with its label and the state it led to."""
    states = dict(AssignedMeasure.State.choices)
    return [{"entry": t, "label": ASSIGN_LABEL if t.name == ASSIGN_STEP else MEASURE_WORKFLOW.step(t.name).label,
             "to_label": states.get(t.to_state, t.to_state)}
            for t in history(measure, workflow=MEASURE_WORKFLOW).order_by("pk")]


def measure_past_end(measure: AssignedMeasure, today: dt.date | None = None) -> bool:
    """Still open after its planned end date."""
    today = today or timezone.localdate()
    return (measure.state in (AssignedMeasure.State.PLANNED, AssignedMeasure.State.IN_PROGRESS)
            and measure.ends_on is not None and measure.ends_on < today)
