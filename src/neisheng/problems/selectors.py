"""Reads of the problem ledger, always through platform.scope.visible_to.

"Overdue" is grid.md's rule as neisheng.engine.grid.problem_overdue states it (open or
resolved, past the deadline; on the deadline day itself still on time). A query cannot
call that function, so `overdue_q` is built from the same definition: the engine's
unclosed states and `deadline < today`; tests/test_selectors.py checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from neisheng.engine.grid import PROBLEM_UNCLOSED_STATES, problem_overdue
from neisheng.grid.selectors import code_bounds
from neisheng.platform import scope
from neisheng.problems.models import Problem, State
from neisheng.registry.models import Division

# The categories cases.md's condition 4 names: an unclosed one blocks a risk elimination.
BLOCKING_CATEGORIES = ("housing", "education", "medical", "water")


def problems_visible_to(user) -> QuerySet[Problem]:
    return scope.visible_to(user, Problem.objects.all())


def overdue_q(today: dt.date | None = None) -> Q:
    """engine.grid.problem_overdue as a condition on rows."""
    today = today or timezone.localdate()
    return Q(state__in=PROBLEM_UNCLOSED_STATES, deadline__lt=today)


def overdue_problems(queryset: QuerySet[Problem], today: dt.date | None = None) -> QuerySet[Problem]:
    return queryset.filter(overdue_q(today))


def problem_is_overdue(problem: Problem, today: dt.date | None = None) -> bool:
    return problem_overdue(problem.state, problem.deadline, today=today or timezone.localdate())


def under_division(queryset: QuerySet[Problem], division_code: str | None) -> QuerySet[Problem]:
    bounds = code_bounds(division_code)
    if bounds is None:
        return queryset
    return queryset.filter(division_code__gte=bounds[0], division_code__lte=bounds[1])


def unclosed_blocking_count(household) -> int:
    """cases.md's condition 4 for one household: its unclosed housing, education, medical
    or water problems (registered as the cases app's blocking-problems provider)."""
    return Problem.objects.filter(household=household, state__in=PROBLEM_UNCLOSED_STATES,
                                  category__in=BLOCKING_CATEGORIES).count()


@dataclass(frozen=True)
class VillageCounts:
    village_code: str
    village_name: str
    open: int  # waiting to be resolved
    resolved: int  # resolved, waiting for a reviewer
    overdue: int  # open or resolved past the deadline
    closed: int

    @property
    def total(self) -> int:
        return self.open + self.resolved + self.closed


def problem_counts_by_village(*, user, division_code: str | None = None,
                              today: dt.date | None = None) -> list[VillageCounts]:
    """Per village with problems, in the user's scope under the division: open, resolved,
    overdue and closed, by village code."""
    today = today or timezone.localdate()
    rows = (under_division(problems_visible_to(user), division_code).values("division_code")
            .annotate(open=Count("pk", filter=Q(state=State.OPEN)),
                      resolved=Count("pk", filter=Q(state=State.RESOLVED)),
                      overdue=Count("pk", filter=overdue_q(today)),
                      closed=Count("pk", filter=Q(state=State.CLOSED)))
            .order_by("division_code"))
    rows = list(rows)
    names = dict(Division.objects.filter(code__in=[r["division_code"] for r in rows]).values_list("code", "name"))
    return [VillageCounts(village_code=r["division_code"], village_name=names.get(r["division_code"], ""),
                          open=r["open"], resolved=r["resolved"], overdue=r["overdue"], closed=r["closed"])
            for r in rows]


@dataclass(frozen=True)
class CadreOverdue:
    cadre_id: int | None  # None: problems with no responsible person
    cadre_code: str
    name: str
    division_code: str
    overdue: int
    earliest_deadline: dt.date


def overdue_by_cadre(*, user, division_code: str | None = None, today: dt.date | None = None) -> list[CadreOverdue]:
    """Overdue problems per responsible cadre (most first, then the oldest deadline)."""
    today = today or timezone.localdate()
    rows = (overdue_problems(under_division(problems_visible_to(user), division_code), today)
            .values("responsible_id", "responsible__cadre_id", "responsible__name", "responsible__division_code")
            .annotate(n=Count("pk"), earliest=Min("deadline")))
    result = [CadreOverdue(cadre_id=r["responsible_id"], cadre_code=r["responsible__cadre_id"] or "",
                           name=r["responsible__name"] or "", division_code=r["responsible__division_code"] or "",
                           overdue=r["n"], earliest_deadline=r["earliest"]) for r in rows]
    return sorted(result, key=lambda r: (-r.overdue, r.earliest_deadline, r.cadre_code))


def overdue_for_cadre_user(user, today: dt.date | None = None) -> QuerySet[Problem]:
    """The overdue problems a signed-in cadre is responsible for (their home card)."""
    return overdue_problems(problems_visible_to(user).filter(responsible__user=user, responsible__active=True), today)


def awaiting_review(user) -> QuerySet[Problem]:
    """Resolved problems in scope that this reviewer may close (not those they resolved)."""
    return problems_visible_to(user).filter(state=State.RESOLVED).exclude(resolved_by=user)


def code_within(code: str, division_code: str) -> bool:
    bounds = code_bounds(division_code)
    return bounds is None or bounds[0] <= code <= bounds[1]
