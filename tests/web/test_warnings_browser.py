"""The warning list in a real browser, on a phone (375×812) and on a desktop (1366×768): a
county officer filters the red rows of the latest run in one town, hands them all to the
town with the policy's deadline, and the town officer finds them on their home page.
Leaves docs/screenshots/warnings-<size>.png."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.web.ui_checks import horizontal_overflow

from neisheng.policy import load_policy
from neisheng.warninglists.models import WarningRow

pytestmark = pytest.mark.slow


def test_a_county_officer_hands_the_red_rows_of_a_town_to_the_town(site, screen, size, places, make_user,
                                                                   monitored, sign_in, shoot):
    town = places["town"]
    red_in_town = WarningRow.objects.filter(run=monitored, risk="red", village_code__startswith=town.code[:9])
    expected = red_in_town.count()
    assert expected, "the run has red households in the town"

    sign_in(screen, make_user("county", places["county"], username="officer-warnings"))
    screen.goto(f"{site}/warnings/?risk=red&division={town.code}")
    assert horizontal_overflow(screen) <= 0, "the warning list scrolls sideways"
    shown = screen.locator("main table tbody tr")
    assert shown.count() == min(expected, 50)
    # Reasons are words in the page's language, never the engine's codes.
    assert "_" not in screen.locator("main table tbody").inner_text()

    with screen.expect_navigation():
        screen.locator("#handover-all").click()
    screen.select_option("select[name=to]", f"d:{town.code}")
    with screen.expect_navigation():
        screen.locator("main form button[type=submit]").first.click()

    days = load_policy().cases_warning_days
    handed = red_in_town.filter(handover__to_division=town)
    assert handed.count() == expected
    assert {row.handover.deadline for row in handed} == {dt.date.today() + dt.timedelta(days=days)}
    screen.goto(f"{site}/warnings/?risk=red&division={town.code}")
    assert screen.locator("main table tbody").inner_text().count(town.name) == min(expected, 50)
    shoot(screen, f"warnings-{size}", full_page=True)

    screen.context.clear_cookies()
    sign_in(screen, make_user("town", town, username="town-warnings"))
    screen.goto(f"{site}/")
    card = screen.locator("#work-warnings-handed")
    assert card.locator("[data-count=open] .count").inner_text().replace(",", "") == str(expected)
