"""Reads of monitoring cases, always through the user's scope (platform.scope)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from neisheng.cases.models import (
    CLOSED_STATES,
    IDENTIFICATION_STATES,
    CaseStep,
    MonitoringCase,
    State,
)
from neisheng.cases.workflow import CASE_WORKFLOW, FIELDS_FOR, REPORT_LABEL
from neisheng.platform import scope
from neisheng.platform.workflow import history


def cases_visible_to(user) -> QuerySet[MonitoringCase]:
    return scope.visible_to(user, MonitoringCase.objects.select_related("household", "household__village"))


def case_is_overdue(case: MonitoringCase, today: dt.date | None = None) -> bool:
    """Past its identification deadline and not yet approved or rejected (cases.md)."""
    today = today or timezone.localdate()
    return case.state in IDENTIFICATION_STATES and case.deadline < today


def cases_overdue_q(today: dt.date | None = None) -> Q:
    """The overdue rule of `case_is_overdue` as a filter, for lists and dashboards."""
    return Q(state__in=IDENTIFICATION_STATES, deadline__lt=today or timezone.localdate())


def open_case_for(household) -> MonitoringCase | None:
    return MonitoringCase.objects.filter(household=household).exclude(state__in=CLOSED_STATES).first()


def case_history(case: MonitoringCase) -> list[dict]:
    """Every transition, oldest first: from, to, on (the step's own date), by, note,
    recorded_at, data (the step's fields), step_id (its CaseStep), consent_scan (whether
    a scan is stored: the page links the audited download), the step's name and label."""
    steps = {s.transition_id: s for s in CaseStep.objects.filter(case=case)}
    labels = {s.name: s.label for s in CASE_WORKFLOW.steps}
    rows = []
    for transition in history(case, workflow=CASE_WORKFLOW):
        step = steps.get(transition.pk)
        rows.append({
            "from": transition.from_state,
            "to": transition.to_state,
            "on": transition.effective_on,
            "by": transition.username,
            "note": transition.reason,
            "recorded_at": transition.recorded_at,
            "data": step.data if step is not None else {},
            "step_id": step.pk if step is not None else None,
            "consent_scan": bool(step is not None and step.consent_scan),
            "step": transition.name,
            "label": labels.get(transition.name, REPORT_LABEL),
        })
    return rows


def targets_open_to(case: MonitoringCase, user) -> list[str]:
    """The states `user` could move the case to now (one button each)."""
    return [step.target for step in CASE_WORKFLOW.steps_open_to(case, user)]


def case_fields_for(to: str, from_state: str | None = None) -> list[str]:
    """The fields the step to `to` takes (cases.md's API section). To `monitoring`, only
    the county approval (from town_reviewed) takes a monitoring type; going back takes
    the reason alone."""
    if to == State.MONITORING and from_state not in (None, State.TOWN_REVIEWED):
        return ["on", "note"]
    return list(FIELDS_FOR.get(to, []))
