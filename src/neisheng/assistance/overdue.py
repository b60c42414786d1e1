"""Monitored households still waiting for their first measure (monitoring.md "Tailored
measures"): a household the county approved for monitoring must have a measure assigned
within `measures_first_measure_days` of the approval (engine.plans).

Which households: those with an approved case still open (monitoring, or its risk
elimination under way), approved on `monitoring_since` (the county approval, or the
return to monitoring). A measure counts when it is not abandoned and was assigned on or
after the day the case was reported (one assigned while the case was examined is in
time); measures of an earlier, closed case do not. A household marked monitored in the
registry without a case has no approval date, so the rule cannot be applied to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from neisheng.cases.models import MonitoringCase, State
from neisheng.engine.plans import first_measure_due, first_measure_overdue
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope

MONITORED_STATES = (State.MONITORING, State.ELIMINATION_PROPOSED, State.ELIMINATION_PUBLICIZED)


@dataclass
class Overdue:
    case: MonitoringCase
    approved_on: dt.date
    due_on: dt.date
    days_overdue: int

    @property
    def household(self):
        return self.case.household


def first_measure_days() -> int:
    return policy_current().policy.measures_first_measure_days


def overdue_cases(user, *, today: dt.date | None = None, days: int | None = None) -> QuerySet[MonitoringCase]:
    """The user's approved cases past the due day with no measure counted, the longest
    overdue first."""
    today = today or timezone.localdate()
    days = first_measure_days() if days is None else days
    counted = AssignedMeasure.objects.filter(household_id=OuterRef("household_id"),
                                             assigned_on__gte=OuterRef("reported_on")) \
        .exclude(state=AssignedMeasure.State.ABANDONED)
    # Due on approval + days: overdue from the day after, so approved before today - days.
    return (scope.visible_to(user, MonitoringCase.objects.select_related("household", "household__village"))
            .filter(state__in=MONITORED_STATES, monitoring_since__isnull=False,
                    monitoring_since__lt=today - dt.timedelta(days=days))
            .exclude(Exists(counted))
            .order_by("monitoring_since", "household_id", "pk"))


def overdue_rows(cases, *, today: dt.date | None = None, days: int | None = None) -> list[Overdue]:
    today = today or timezone.localdate()
    days = first_measure_days() if days is None else days
    return [Overdue(case=c, approved_on=c.monitoring_since, due_on=first_measure_due(c.monitoring_since, days),
                    days_overdue=first_measure_overdue(c.monitoring_since, None, today, days))
            for c in cases]
