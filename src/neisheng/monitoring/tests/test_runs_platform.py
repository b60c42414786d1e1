"""Runs started in the platform (issue 10, cases.md "Monitoring runs"): they answer at
once, run in the background with visible progress, store every result of the engine
(the same as `neisheng monitor` on the exported snapshot), cover the starter's county,
and a failed one keeps its sentence and no result."""

from __future__ import annotations

import math
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from django.utils import translation

from neisheng.cli import main
from neisheng.monitoring.models import (
    HouseholdResult,
    MonitoringRun,
    RecommendedMeasure,
    RegionSummary,
)
from neisheng.monitoring.runs import run_start
from neisheng.platform import extensions
from neisheng.platform.jobs import worker_run_once
from neisheng.platform.models import Job
from neisheng.registry.models import Household
from neisheng.registry.snapshots import snapshot_export

# The worker closes connections it finds inside a transaction (django-tasks-db calls
# close_old_connections between tasks): on PostgreSQL that ends a test's rolled-back
# transaction, so these tests commit and the database is emptied after each.
pytestmark = pytest.mark.django_db(transaction=True)

COMPARED = ["size", "income_pc", "prev_income_pc", "rigid_pc", "risk", "reasons", "monitor_type", "stability",
            "motivation_score", "motivation_poor"]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def test_a_run_started_in_the_platform_gives_the_same_results_as_neisheng_monitor(make_user, places, tmp_path):
    admin = make_user("admin", None, username="root")
    run = run_start(user=admin, year=2026)
    assert run.finished_at is None and run.division_code == ""
    worker_run_once()
    run.refresh_from_db()
    assert run.finished_at is not None and not run.error

    # `neisheng monitor` on the snapshot the platform exports, through the command line.
    snapshot_export(directory=tmp_path / "snapshot")
    out = CliRunner().invoke(main, ["monitor", str(tmp_path / "snapshot"), "--year", "2026",
                                    "--out", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    direct = {row["household_id"]: row for row in pq.read_table(tmp_path / "out" / "household_results.parquet")
              .to_pylist()}
    stored = {r.household_id: r for r in HouseholdResult.objects.filter(run=run).select_related("household")}
    assert set(stored) == set(direct) and len(stored) == Household.objects.count() == run.households
    for household_id, row in direct.items():
        result = stored[household_id]
        assert result.household.village_id == row["village_code"]
        for column in COMPARED:
            assert _same(getattr(result, column), row[column]), (household_id, column, getattr(result, column),
                                                                 row[column])
        flags = [name[2:] for name in row if name.startswith("d_") and row[name]]
        assert result.deprived == ";".join(flags), household_id
    risks = [row["risk"] for row in direct.values()]
    assert (run.red, run.yellow, run.green) == tuple(risks.count(r) for r in ("red", "yellow", "green"))
    measures = pq.read_table(tmp_path / "out" / "measures.parquet")
    assert RecommendedMeasure.objects.filter(run=run).count() == measures.num_rows
    regions = pq.read_table(tmp_path / "out" / "region_summary.parquet").to_pylist()
    assert RegionSummary.objects.filter(run=run).count() == len(regions)
    county = RegionSummary.objects.get(run=run, code=places["county"].code)
    expected = next(r for r in regions if r["code"] == places["county"].code)
    assert county.values["risk_red"] == expected["risk_red"] and county.values["households"] == expected["households"]


def test_deleting_a_run_deletes_its_results_and_measures_though_the_database_does_not_link_them(make_user, places):
    """Results and measures carry no database constraint on their run (a million rows are
    not checked one by one at commit): the ORM's cascade is what keeps them from being
    left without their run, and a run's deletion must still take them along."""
    admin = make_user("admin", None, username="root")
    kept = run_start(user=admin, year=2026)
    worker_run_once()
    doomed = run_start(user=admin, year=2026)
    worker_run_once()
    kept_results = HouseholdResult.objects.filter(run=kept).count()
    assert kept_results > 0 and RecommendedMeasure.objects.filter(run=doomed).exists()

    doomed.delete()

    assert not HouseholdResult.objects.filter(run_id=doomed.pk).exists()
    assert not RecommendedMeasure.objects.filter(run_id=doomed.pk).exists()
    assert HouseholdResult.objects.filter(run=kept).count() == kept_results


def test_a_county_officer_runs_their_county_only(client, make_user, places):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    response = client.post("/monitoring/run/", {"year": "2026"})
    run = MonitoringRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/runs/{run.pk}/"
    assert run.division_code == places["county"].code and run.started_by == officer and run.finished_at is None
    job = Job.objects.get(pk=run.job_id)
    assert job.division_code == places["county"].code

    worker_run_once()
    run.refresh_from_db()
    county_households = Household.objects.filter(village__code__startswith=places["county"].code[:6])
    assert run.finished_at is not None and run.households == county_households.count() > 0
    assert not HouseholdResult.objects.filter(run=run).exclude(household__in=county_households).exists()
    assert all(code.startswith(places["county"].code[:6])
               for code in RegionSummary.objects.filter(run=run).values_list("code", flat=True))
    # The other county's officer sees nothing of it.
    client.force_login(make_user("county", places["other_county"]))
    assert client.get(f"/monitoring/runs/{run.pk}/").status_code == 404
    assert client.get(f"/api/monitoring/runs/{run.pk}/").status_code == 404


@pytest.mark.parametrize("role,where", [("town", "town"), ("village", "village"), ("researcher", "county"),
                                        ("auditor", "county")])
def test_roles_without_the_run_capability_get_403(client, make_user, places, role, where):
    client.force_login(make_user(role, places[where]))
    assert client.post("/monitoring/run/", {"year": "2026"}).status_code == 403
    assert client.post("/api/monitoring/runs/", {"year": 2026}, content_type="application/json").status_code == 403
    assert not MonitoringRun.objects.exists() and not Job.objects.exists()


def test_the_runs_page_shows_progress_while_running_and_the_result_when_done(client, make_user, places):
    officer = make_user("county", places["county"])
    client.force_login(officer)
    client.post("/monitoring/run/", {"year": "2026"})
    run = MonitoringRun.objects.get()

    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert 'id="run-progress"' in page and f"/monitoring/runs/{run.pk}/?format=json" in page
    assert "data-reload-when-finished" in page and 'id="run-counts"' not in page
    polled = client.get(f"/monitoring/runs/{run.pk}/?format=json").json()
    assert polled["finished"] is False and polled["run_status"] == "running"
    listed = client.get("/monitoring/runs/").content.decode()
    assert f'data-run="{run.pk}"' in listed and "运行中" in listed

    worker_run_once()
    polled = client.get(f"/monitoring/runs/{run.pk}/?format=json").json()
    assert polled["finished"] is True and polled["run_status"] == "finished" and polled["percent"] == 100
    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    run.refresh_from_db()
    assert 'id="run-progress"' not in page and 'id="run-counts"' in page
    assert f'data-count="red">{run.red:,}<' in page and f"/warnings/?run={run.pk}" in page
    assert 'id="run-export"' in page and "内置政策" in page
    workbook = client.post(f"/monitoring/runs/{run.pk}/")
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    listed = client.get("/monitoring/runs/").content.decode()
    assert 'id="run-trend"' in listed and "已完成" in listed
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        english = client.get(f"/monitoring/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Built-in policy" in english and "Finished" in english


def test_a_village_cadre_sees_a_wider_run_counted_for_their_village(client, make_user, places):
    # A run of the whole registry (both test counties; each has one town and one village).
    run_start(user=make_user("admin", None, username="root"), year=2026)
    worker_run_once()
    run = MonitoringRun.objects.get()
    village = places["village"]
    client.force_login(make_user("village", village))
    listed = client.get("/api/monitoring/runs/").json()["results"]
    assert [r["id"] for r in listed] == [run.pk]
    in_village = HouseholdResult.objects.filter(run=run, household__village=village)
    assert listed[0]["households"] == in_village.count() < run.households
    assert listed[0]["red"] == in_village.filter(risk="red").count()
    assert listed[0]["green"] == in_village.filter(risk="green").count()
    results = client.get(f"/api/monitoring/runs/{run.pk}/results/").json()
    assert results["count"] == in_village.count()
    assert {r["village_code"] for r in results["results"]} == {village.code}
    page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
    assert f'data-count="households">{in_village.count():,}<' in page


def test_a_failed_run_keeps_its_sentence_and_no_result(make_user, places):
    def refuse(run):
        raise RuntimeError("a listener failed after the results were written")

    extensions.run_finished_listen("test-refuse", refuse)
    try:
        run = run_start(user=make_user("admin", None, username="root"), year=2026)
        worker_run_once()
    finally:
        extensions._run_listeners.pop("test-refuse")
    run.refresh_from_db()
    assert run.finished_at is None and run.error.startswith("监测运行失败")
    assert not HouseholdResult.objects.filter(run=run).exists()
    assert not RecommendedMeasure.objects.filter(run=run).exists()
    assert not RegionSummary.objects.filter(run=run).exists()
    assert (run.households, run.red, run.yellow, run.green) == (0, 0, 0, 0)
    assert Job.objects.get(pk=run.job_id).status == Job.Status.FAILED


def test_a_run_for_a_year_without_a_policy_is_refused_at_once(client, make_user, places):
    client.force_login(make_user("county", places["county"]))
    response = client.post("/api/monitoring/runs/", {"year": 2031}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "default: 政策年度 2026 与监测年度 2031 不符 / the policy is for 2026, not 2031"
    page = client.post("/monitoring/run/", {"year": "2031", "next": "/monitoring/runs/"}, follow=True)
    assert "政策年度 2026 与监测年度 2031 不符" in page.content.decode()
    assert not MonitoringRun.objects.exists()


def test_neisheng_run_monitoring_runs_and_reports(county):
    result = CliRunner().invoke(main, ["run-monitoring", "--year", "2026"])
    assert result.exit_code == 0, result.output
    run = MonitoringRun.objects.get()
    assert run.finished_at is not None and run.started_by is None and run.division_code == ""
    assert f"run #{run.pk}" in result.output and f"红 red {run.red}" in result.output

    failed = CliRunner().invoke(main, ["run-monitoring", "--year", "2031"])
    assert failed.exit_code == 1
    assert failed.output.strip().splitlines()[-1] == (
        "错误 / error: default: 政策年度 2026 与监测年度 2031 不符 / the policy is for 2026, not 2031")
    missing = CliRunner().invoke(main, ["run-monitoring", "--year", "2026", "--policy", "/nonexistent.yaml"])
    assert missing.exit_code == 1 and "政策文件不存在" in missing.output
    assert MonitoringRun.objects.count() == 1
