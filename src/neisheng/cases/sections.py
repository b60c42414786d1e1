"""The household page's "case" card (platform.extensions.household_section_add; the
household page is the portrait): the open case with its state, deadline (red when
overdue) and the next steps the reader may make, then past cases with their history.
A reader who may report a household and finds no open case gets the button to file one."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.access import CASES_REPORT, PERSONS_READ, user_may
from neisheng.cases import selectors
from neisheng.cases.models import CLOSED_STATES
from neisheng.platform.extensions import HouseholdSection, household_section_add


def case_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    from neisheng.cases.views import action_label, history_of

    cases = list(selectors.cases_visible_to(user).filter(household=household).order_by("-reported_on", "-pk"))
    may_report = user_may(user, CASES_REPORT)
    open_case = next((c for c in cases if c.state not in CLOSED_STATES), None)
    if not cases and not may_report:
        return None
    today = timezone.localdate()
    shown = None
    if open_case is not None:
        shown = {
            "case": open_case,
            "overdue": selectors.case_is_overdue(open_case, today),
            "next_steps": [{"label": action_label(open_case, to), "url": reverse("cases:step", args=[open_case.pk, to])}
                           for to in selectors.targets_open_to(open_case, user)],
            "history": history_of(open_case, user),
        }
    past = [{"case": c, "history": history_of(c, user)} for c in cases if c is not open_case]
    return {
        "household": household, "open": shown, "past": past,
        "new_url": reverse("cases:new") + f"?household={household.household_id}"
        if may_report and open_case is None else "",
    }


def register() -> None:
    household_section_add(HouseholdSection(name="case", template="cases/household_section.html",
                                           context=case_section, order=15))
