"""Issue 8: the registry shows monitoring's risk and motivation (home figures, list filters,
list column, export) through platform.extensions, without importing monitoring; a new run
still refreshes the home page's cached figures."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, places, make_user):
    cache.clear()
    user = make_user("county", places["county"])
    client.force_login(user)
    yield user
    cache.clear()


def _run(household, *, risk: str, motivation_poor: bool | None, division_code: str = "") -> MonitoringRun:
    run = MonitoringRun.objects.create(year=2026, policy="p.yaml", division_code=division_code, finished_at=timezone.now())
    HouseholdResult.objects.create(run=run, household=household, size=2, risk=risk,
                                   motivation_poor=motivation_poor, income_pc=Decimal("1000.00"))
    return run


def _tile(page: str, risk: str) -> str:
    return re.search(rf'data-risk="{risk}"><div class="value risk-{risk}">(?:<a[^>]*>)?([^<]*)<', page).group(1)


def _first(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


def test_a_new_run_refreshes_the_cached_home_figures(client, officer, places):
    household = _first(places)
    _run(household, risk="red", motivation_poor=True)
    page = client.get("/").content.decode()
    assert _tile(page, "red") == "1" and _tile(page, "green") == "0"
    assert "100.0%" in page
    # No audit event is written here: only the run's own version can invalidate the cache.
    _run(household, risk="green", motivation_poor=False)
    page = client.get("/").content.decode()
    assert _tile(page, "red") == "0" and _tile(page, "green") == "1"
    assert "0.0%" in page and "100.0%" not in page


def test_the_list_filters_by_risk_and_motivation_and_shows_the_risk(client, officer, places):
    household = _first(places)
    _run(household, risk="yellow", motivation_poor=True)
    poor = client.get("/households/", {"motivation": "poor"}).content.decode()
    assert household.pk in poor and '<span class="risk-yellow">' in poor
    assert "共 1 条" in poor  # the list's exact count (issue 9: "第 1–1 条,共 1 条")
    assert household.pk in client.get("/households/", {"risk": "yellow"}).content.decode()
    assert household.pk not in client.get("/households/", {"risk": "red"}).content.decode()


def test_a_run_over_another_county_is_not_shown_to_this_county(client, officer, places):
    household = _first(places)
    _run(household, risk="red", motivation_poor=True)
    _run(household, risk="green", motivation_poor=False, division_code=places["other_county"].code)
    listed = client.get("/households/", {"risk": "red"}).content.decode()
    # The filter, the column and the home figures all read the run covering the county.
    assert household.pk in listed and '<span class="risk-red">' in listed
    assert _tile(client.get("/").content.decode(), "red") == "1"
