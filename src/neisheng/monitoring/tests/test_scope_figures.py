"""Home-page figures counted once per run (issue 17): a finished run keeps the key figures
and the warnings card of the scopes above the town level; the home page shows exactly
what it would count itself, reads them without counting the households while nothing
changed since, and counts again after a write."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from neisheng.accounts.models import AuditEvent
from neisheng.monitoring import work
from neisheng.monitoring.models import ScopeFigures
from neisheng.monitoring.services import monitoring_run
from neisheng.registry.models import Household
from neisheng.registry.selectors import figures


def _counts_households(queries) -> bool:
    return any("COUNT(" in q["sql"].upper() and "registry_household" in q["sql"] for q in queries)


def _home(client, user) -> tuple[str, list]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    # Each response has its own CSP nonce and CSRF token; the rest is the page.
    page = re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())
    return page, queries.captured_queries


@pytest.fixture
def county_run(places, make_user, tmp_path):
    officer = make_user("county", places["county"])
    return monitoring_run(year=2026, work_dir=tmp_path, started_by=officer, division_code=places["county"].code)


@pytest.mark.django_db
def test_a_county_run_keeps_its_countys_figures_equal_to_those_counted_on_view(county_run, places, make_user):
    officer = make_user("county", places["county"], username="reader")
    version = figures.figures_version()
    stored = ScopeFigures.objects.filter(run=county_run)
    # The county alone: towns and villages are counted on view, the other county is not the run's.
    assert set(stored.values_list("code", flat=True)) == {places["county"].code}
    assert figures.cached_for_scope(officer, "figures", lambda: None) == figures.key_figures(officer)
    assert figures.cached_for_scope(officer, "work-warnings-1", lambda: None) == work.warnings_summary(officer)
    assert figures.cached_for_scope(officer, "work-warnings-0", lambda: None) == work.warnings_summary(
        officer, households=False)
    assert set(stored.values_list("version", flat=True)) == {version}


@pytest.mark.django_db
def test_the_first_home_page_after_a_run_reads_the_stored_figures_and_shows_the_same_page(
        county_run, client, places, make_user):
    officer = make_user("county", places["county"], username="reader")
    client.force_login(officer)  # a sign-in changes no figure
    shown, queries = _home(client, officer)
    assert not _counts_households(queries)
    assert 'data-risk="red"' in shown

    ScopeFigures.objects.all().delete()
    cache.clear()
    counted, queries = _home(client, officer)
    assert _counts_households(queries)
    assert shown == counted


@pytest.mark.django_db
def test_after_a_write_the_home_page_counts_again(county_run, client, places, make_user):
    officer = make_user("county", places["county"], username="reader")
    before = figures.cached_for_scope(officer, "figures", lambda: figures.key_figures(officer))
    household = Household.objects.filter(village__code__startswith=places["county"].code[:6], status="general").first()
    Household.objects.filter(pk=household.pk).update(status="monitored")
    AuditEvent.objects.create(action="update", object_type="household", object_id=household.pk)
    _, queries = _home(client, officer)
    assert _counts_households(queries)
    after = figures.cached_for_scope(officer, "figures", lambda: figures.key_figures(officer))
    assert after["status_general"] == before["status_general"] - 1
    assert after["status_monitored"] == before["status_monitored"] + 1


@pytest.mark.django_db
def test_a_whole_registry_run_keeps_the_unbounded_scope_and_each_county(places, make_user, tmp_path):
    admin = make_user("admin", None, username="root")
    run = monitoring_run(year=2026, work_dir=tmp_path, started_by=admin)
    codes = set(ScopeFigures.objects.filter(run=run).values_list("code", flat=True))
    assert {"", places["county"].code, places["other_county"].code} <= codes
    assert places["town"].code not in codes
    for user in (admin, make_user("county", places["other_county"])):
        assert figures.cached_for_scope(user, "figures", lambda: None) == figures.key_figures(user)
        assert figures.cached_for_scope(user, "work-warnings-1", lambda: None) == work.warnings_summary(user)


@pytest.mark.django_db
def test_a_town_officer_still_gets_counted_figures(county_run, places, make_user):
    officer = make_user("town", places["town"])
    assert figures.cached_for_scope(officer, "figures", lambda: figures.key_figures(officer)) == \
        figures.key_figures(officer)
