"""The main pages have no accessibility violation that axe-core rates serious or critical
(contrast, names of controls and links, landmarks, labels, ARIA misuse), on a phone and
on a desktop. axe-core runs inside Chromium on the page as the user sees it, CSS applied,
which is where contrast and hidden-but-focusable problems show."""

from __future__ import annotations

import pytest
from tests.web.ui_checks import horizontal_overflow, serious_violations

from neisheng.registry.models import Household

pytestmark = pytest.mark.slow

PAGES = {
    "home": "/",
    "household-list": "/households/",
    "household": "/households/{household}/",
    "form": "/households/new/",
    "monitoring": "/monitoring/",
    "audit-log": "/accounts/audit/",
    "users": "/accounts/users/",
}


@pytest.fixture
def admin(places, make_user):
    """An administrator of the county: every page above is open to this role."""
    return make_user("admin", places["county"], username="admin-li")


@pytest.fixture
def red_household(monitored, places) -> Household:
    """A household of the county the run found red: its page has the most to show."""
    return (Household.objects.filter(village__code__startswith=places["county"].code[:6],
                                     monitoring_results__run=monitored, monitoring_results__risk="red")
            .order_by("pk").first())


@pytest.mark.parametrize("name", list(PAGES))
def test_a_main_page_has_no_serious_or_critical_accessibility_violation(name, site, screen, size, admin,
                                                                         red_household, sign_in):
    sign_in(screen, admin)
    response = screen.goto(site + PAGES[name].format(household=red_household.pk))
    assert response.status == 200, f"{name}: {response.status}"
    violations = serious_violations(screen)
    assert not violations, f"{name} ({size}):\n" + "\n".join(violations)
    assert horizontal_overflow(screen) <= 0, f"{name} ({size}) scrolls sideways"


def test_the_login_page_has_no_serious_or_critical_accessibility_violation(site, screen, size):
    response = screen.goto(f"{site}/accounts/login/")
    assert response.status == 200
    violations = serious_violations(screen)
    assert not violations, f"login ({size}):\n" + "\n".join(violations)
    assert horizontal_overflow(screen) <= 0, f"login ({size}) scrolls sideways"
