"""The runs API exactly as cases.md names it: GET/POST /api/monitoring/runs/ and
GET /api/monitoring/runs/{id}/results/ (paginated, the contract's columns, filters)."""

from __future__ import annotations

import pytest

from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.platform.jobs import worker_run_once

# The worker closes connections it finds inside a transaction (django-tasks-db calls
# close_old_connections between tasks): on PostgreSQL that ends a test's rolled-back
# transaction, so these tests commit and the database is emptied after each.
pytestmark = pytest.mark.django_db(transaction=True)

RUN_FIELDS = {"id", "year", "policy", "started_by", "started_at", "finished_at", "households", "red", "yellow",
              "green"}
RESULT_FIELDS = ["household_id", "village_code", "size", "income_pc", "risk", "reasons", "monitor_type",
                 "stability", "motivation_score", "motivation_poor"]


def test_a_run_posted_answers_at_once_and_is_listed_newest_first(client, make_user, places):
    admin = make_user("admin", None, username="root")
    client.force_login(admin)
    response = client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json")
    assert response.status_code == 202
    started = response.json()
    assert RUN_FIELDS <= set(started) and started["finished_at"] is None and started["year"] == 2026
    assert started["started_by"] == "root" and MonitoringRun.objects.filter(pk=started["id"]).exists()

    worker_run_once()
    second = client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json").json()
    listed = client.get("/api/monitoring/runs/").json()["results"]
    assert [r["id"] for r in listed] == [second["id"], started["id"]]
    finished = listed[1]
    run = MonitoringRun.objects.get(pk=started["id"])
    assert finished["finished_at"] is not None and finished["policy"] == "default"
    assert (finished["households"], finished["red"], finished["yellow"], finished["green"]) == (
        run.households, run.red, run.yellow, run.green) and run.households == 600
    assert client.post("/api/monitoring/runs/", {}, content_type="application/json").status_code == 400


def test_a_runs_results_have_the_contracts_columns_and_filter(client, make_user, places):
    client.force_login(make_user("admin", None, username="root"))
    run_id = client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json").json()["id"]
    worker_run_once()
    page = client.get(f"/api/monitoring/runs/{run_id}/results/").json()
    assert page["count"] == 600 and len(page["results"]) == 50 and page["next"]
    first = page["results"][0]
    assert list(first) == RESULT_FIELDS
    stored = HouseholdResult.objects.select_related("household").get(run_id=run_id, household_id=first["household_id"])
    assert first["village_code"] == stored.household.village_id and first["reasons"] == stored.reasons
    red = client.get(f"/api/monitoring/runs/{run_id}/results/?risk=red").json()
    assert red["count"] == HouseholdResult.objects.filter(run_id=run_id, risk="red").count()
    assert {r["risk"] for r in red["results"]} <= {"red"}
    village = places["village"].code
    in_village = client.get(f"/api/monitoring/runs/{run_id}/results/?village_code={village}").json()
    assert in_village["count"] == HouseholdResult.objects.filter(run_id=run_id, household__village=village).count()
    assert {r["village_code"] for r in in_village["results"]} == {village}
    assert client.get(f"/api/monitoring/runs/{run_id}/results/?risk=purple").status_code == 400
    assert client.get(f"/api/monitoring/runs/{run_id + 99}/results/").status_code == 404


def test_a_researcher_reads_runs_but_not_their_households(client, make_user, places):
    client.force_login(make_user("admin", None, username="root"))
    run_id = client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json").json()["id"]
    client.force_login(make_user("researcher", places["county"]))
    assert client.get("/api/monitoring/runs/").status_code == 200
    assert client.get(f"/api/monitoring/runs/{run_id}/results/").status_code == 403
    assert client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json").status_code == 403
