"""The household page's "走访记录" card (platform.extensions.household_section_add): the
latest visits, when the next visit is due by grid.md's cadence (engine.grid through
visits.selectors.schedule_of) and, for roles that record visits, the link to record one."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import PERSONS_READ, VISITS_RECORD, user_may
from neisheng.platform.extensions import HouseholdSection, household_section_add
from neisheng.visits import selectors

LATEST_VISITS = 5


def visits_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    visits = list(selectors.visits_visible_to(user).filter(household=household)
                  .prefetch_related("cadres").order_by("-visited_on", "-pk")[:LATEST_VISITS + 1])
    schedule = selectors.schedule_of([household.pk], today=timezone.localdate()).to_pylist()
    may_record = user_may(user, VISITS_RECORD)
    if not visits and not schedule and not may_record:
        return None
    return {
        "household": household,
        "visits": visits[:LATEST_VISITS], "more": len(visits) > LATEST_VISITS,
        "schedule": schedule[0] if schedule else None,
        "new_url": reverse("visits:new") + f"?household={household.pk}" if may_record else "",
        "list_url": reverse("visits:list") + f"?q={household.pk}",
    }


def register() -> None:
    household_section_add(HouseholdSection(name="visits", template="visits/household_section.html",
                                           context=visits_section, order=25))
