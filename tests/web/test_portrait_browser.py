"""The household portrait (一户一画像) in a real browser, on a phone (375×812) and on a
desktop (1366×768): the result, the motivation chart with every indicator, income by
source, the runs over time and the assigned measures, with nothing scrolling sideways.
Leaves docs/screenshots/portrait-<size>.png (the printable portrait at its motivation chart)."""

from __future__ import annotations

import pytest
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow


def test_the_portrait_shows_its_charts_and_tables_at_both_sizes(site, screen, size, places, make_user, monitored,
                                                              sign_in, shoot):
    from neisheng.monitoring.models import HouseholdResult
    from neisheng.policy import load_policy

    result = (HouseholdResult.objects.filter(run=monitored, household__village=places["village"], risk="red")
              .order_by("household_id").first())
    assert result is not None, "the run found no red household in the village"
    sign_in(screen, make_user("village", places["village"], username="cadre-portrait"))
    screen.goto(f"{site}/households/{result.household_id}/")
    for section in ("monitoring", "measures-assigned", "portrait-motivation", "portrait-income", "portrait-runs"):
        assert screen.locator(f"#{section}").count() == 1, section
    indicators = len(load_policy().indicators)
    assert screen.locator("#motivation-chart g.indicator-row").count() == indicators
    assert screen.locator("#portrait-motivation tr.indicator").count() == indicators
    assert screen.locator("#income-chart g.income-year").count() >= 1
    assert screen.locator("#runs-chart g.run-row").count() >= 1
    assert horizontal_overflow(screen) <= 0
    # The printable portrait: the same sections without the household's forms and history.
    screen.goto(f"{site}/monitoring/portrait/{result.household_id}/")
    assert screen.locator("#portrait #portrait-motivation svg").count() == 1
    assert horizontal_overflow(screen) <= 0
    # The picture starts at the four poverties of motivation (the result card above is the
    # household page's own picture, detail-<size>.png).
    screen.locator("#portrait-motivation").evaluate("element => element.scrollIntoView()")
    shoot(screen, f"portrait-{size}")
