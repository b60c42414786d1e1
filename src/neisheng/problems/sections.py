"""The household page's "问题台账" card (platform.extensions.household_section_add): the
household's problems with their state and deadline (red when overdue), unclosed first,
and the button to raise one for roles that may."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, PROBLEMS_RAISE, user_may
from neisheng.platform.extensions import HouseholdSection, household_section_add
from neisheng.platform.listing import first_and_count
from neisheng.problems import selectors
from neisheng.problems.models import State

SHOWN = 10


def problem_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    may_raise = user_may(user, PROBLEMS_RAISE)
    problems = selectors.problems_visible_to(user).filter(household=household)
    first, total = first_and_count(
        problems.annotate(done=Case(When(state=State.CLOSED, then=Value(1)), default=Value(0),
                                    output_field=IntegerField()))
        .select_related("responsible").order_by("done", "deadline", "pk"), SHOWN)
    if not total and not may_raise:
        return None
    today = timezone.localdate()
    return {
        "household": household, "total": total,
        "problems": [{"problem": p, "overdue": selectors.problem_is_overdue(p, today)} for p in first],
        "list_url": reverse("problems:list") + f"?q={household.household_id}",
        "new_url": reverse("problems:new") + f"?household={household.household_id}" if may_raise else "",
    }


def register() -> None:
    household_section_add(HouseholdSection(name="problems", template="problems/household_section.html",
                                           context=problem_section, order=30))
