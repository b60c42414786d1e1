"""The household page's "部门筛查线索" card (platform.extensions.household_section_add):
the household's findings with their rule, state and period, new ones first. Shown only
when the household has findings (the card has no button of its own)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.feeds import finding_selectors as selectors
from neisheng.feeds.models import FindingState
from neisheng.platform.extensions import HouseholdSection, household_section_add
from neisheng.platform.listing import first_and_count

SHOWN = 10


def findings_section(request, household) -> dict | None:
    user = request.user
    if not user_may(user, PERSONS_READ):
        return None
    findings = selectors.findings_visible_to(user).filter(household=household)
    first, total = first_and_count(
        findings.annotate(done=Case(When(state=FindingState.NEW, then=Value(0)), default=Value(1),
                                    output_field=IntegerField()))
        .select_related("person", "feed").order_by("done", "-created_at", "-pk"), SHOWN)
    if not total:
        return None
    return {"household": household, "total": total, "findings": first,
            "list_url": reverse("feeds:finding_list") + f"?q={household.household_id}"}


def register() -> None:
    household_section_add(HouseholdSection(name="findings", template="feeds/finding_household_section.html",
                                           context=findings_section, order=35))
