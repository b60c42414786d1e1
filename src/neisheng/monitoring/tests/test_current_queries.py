"""Issue 9's leftover: the latest run is read once per request, not once per list column,
filter, count and card (about 18 queries on a list page before)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from neisheng.monitoring import selectors
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, places, make_user):
    user = make_user("county", places["county"])
    client.force_login(user)
    run = MonitoringRun.objects.create(year=2026, policy="p.yaml", finished_at="2026-06-01T00:00:00Z")
    HouseholdResult.objects.bulk_create(
        HouseholdResult(run=run, household=h, size=2, risk=risk, reasons="", motivation_poor=False)
        for h, risk in zip(Household.objects.filter(village=places["village"]), ["red", "yellow", "green"] * 50))
    return user


def _run_queries(client, url, params) -> tuple[int, int]:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "monitoring_monitoringrun"' in q["sql"]]
    return len(reads), len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"risk": "red"}])
def test_the_list_reads_the_latest_run_once_per_request(client, officer, params):
    url = reverse("registry:household_list")
    memoised, total = _run_queries(client, url, params)
    request_started.disconnect(dispatch_uid="monitoring_memo_start")
    try:
        unmemoised, total_before = _run_queries(client, url, params)
    finally:
        request_started.connect(selectors.request_memo_start, dispatch_uid="monitoring_memo_start")
    print(f"list {params}: run reads {unmemoised} -> {memoised}; queries {total_before} -> {total}")
    # One for the latest run, one for the cached counts' version (finished runs).
    assert memoised <= 2 < unmemoised


def test_outside_a_request_nothing_is_memoised(officer):
    first = selectors.latest_run()
    MonitoringRun.objects.create(year=2026, policy="q.yaml", finished_at="2026-07-01T00:00:00Z")
    assert selectors.latest_run() != first
