"""The monitoring dashboard in a real browser, on a phone (375×812) and on a desktop
(1366×768): every card has its chart and table, nothing scrolls sideways, a division's
name leads one level down. Leaves docs/screenshots/dashboard-<size>.png."""

from __future__ import annotations

import pytest
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow

CARDS = ("by-risk", "by-division", "by-monitor-type", "by-stability", "trend-risk", "trend-monitor", "motivation",
         "poverty")


@pytest.fixture
def two_runs(monitored, _monitoring_results):
    """A second run after the first, so the trends have two points."""
    from neisheng.monitoring.services import monitoring_results_load

    return monitored, monitoring_results_load(out_dir=_monitoring_results / "results", year=2026,
                                              policy_source=monitored.policy, policy_text=monitored.policy_text)


def test_the_dashboard_shows_every_card_and_goes_one_level_down(site, screen, size, places, make_user, two_runs,
                                                                sign_in, shoot):
    sign_in(screen, make_user("county", places["county"], username="officer-dashboard"))
    screen.goto(f"{site}/monitoring/")

    for key in CARDS:
        card = screen.locator(f"#{key}")
        assert card.locator("svg").count() == 1, key
        assert card.locator("table tbody tr").count() >= 1, key
    assert screen.locator("#trend-risk svg polyline").count() == 3
    assert screen.locator("#by-division svg rect").count() >= 3
    assert horizontal_overflow(screen) <= 0
    shoot(screen, f"dashboard-{size}", full_page=True)

    town = screen.locator("#by-division table tbody tr").first.locator("a").first
    with screen.expect_navigation():
        town.click()
    assert "?division=" in screen.url
    assert screen.locator("#dashboard-path").is_visible()
    assert horizontal_overflow(screen) <= 0
