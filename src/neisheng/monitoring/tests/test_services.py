import hashlib
from collections import Counter
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from neisheng.engine import backend, catalog, monitor
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.monitoring.selectors import latest_results, latest_run
from neisheng.monitoring.services import MonitoringError, monitoring_results_load, monitoring_run
from neisheng.policy import load_policy
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


def _engine_directly(county_tables, tmp_path):
    """The engine run on the fixture's snapshot written straight to disk, not through
    the database."""
    snapshot, out = tmp_path / "direct-snapshot", tmp_path / "direct-results"
    catalog.write_snapshot(county_tables, snapshot)
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, snapshot)
    backend.write_results(con, monitor(tables, divisions, load_policy()), out)
    return out


def test_a_run_gives_every_household_the_engines_result(county, tmp_path):
    run = monitoring_run(year=2026, work_dir=tmp_path / "run")

    assert run.households == Household.objects.count() == county["households"].num_rows
    assert not Household.objects.exclude(monitoring_results__run=run).exists()
    direct = pq.read_table(_engine_directly(county, tmp_path) / "household_results.parquet")
    assert Counter(HouseholdResult.objects.values_list("risk", flat=True)) == Counter(direct["risk"].to_pylist())
    by_household = dict(zip(direct["household_id"].to_pylist(), direct["reasons"].to_pylist()))
    assert {h: r for h, r in HouseholdResult.objects.values_list("household_id", "reasons")} == by_household
    incomes = dict(zip(direct["household_id"].to_pylist(), direct["income_pc"].to_pylist()))
    assert dict(HouseholdResult.objects.values_list("household_id", "income_pc")) == incomes
    measures = pq.read_table(tmp_path / "direct-results" / "measures.parquet")
    assert RecommendedMeasure.objects.filter(run=run).count() == measures.num_rows > 0
    first = measures.slice(0, 1).to_pylist()[0]
    assert RecommendedMeasure.objects.filter(
        household_id=first["household_id"], measure=first["measure"], explanation=first["explanation"]
    ).exists()


def test_a_second_run_keeps_the_first_and_becomes_the_latest(county, tmp_path):
    # Issue 8: runs are kept; "the latest run" is a query, not a deletion.
    first = monitoring_run(year=2026, work_dir=tmp_path / "run")
    measures = RecommendedMeasure.objects.count()
    second = monitoring_run(year=2026, work_dir=tmp_path / "run")

    households = county["households"].num_rows
    assert HouseholdResult.objects.filter(run=first).count() == households
    assert HouseholdResult.objects.filter(run=second).count() == households
    assert RecommendedMeasure.objects.filter(run=first).count() == measures
    assert RecommendedMeasure.objects.filter(run=second).count() == measures
    assert list(MonitoringRun.objects.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert latest_run() == second and latest_run(year=2026) == second and latest_run(year=2025) is None
    assert set(latest_results().values_list("run_id", flat=True)) == {second.pk}


def test_a_run_keeps_the_policy_it_used(county, tmp_path, make_user):
    admin_user = make_user("admin")
    policy = tmp_path / "county.yaml"
    policy.write_text("monitoring_threshold: 7777\n", encoding="utf-8")

    run = monitoring_run(year=2026, policy_path=policy, work_dir=tmp_path / "run", started_by=admin_user)
    policy.unlink()  # the file may change or go; the run keeps what it used

    run.refresh_from_db()
    assert run.policy == str(policy) and run.started_by == admin_user and run.seconds > 0
    assert "monitoring_threshold: 7777" in run.policy_text
    assert run.policy_sha256 == hashlib.sha256(run.policy_text.encode("utf-8")).hexdigest()
    kept = run.resolved_policy()
    assert kept.monitoring_threshold == Decimal(7777)
    assert kept.poverty_line == load_policy().poverty_line  # the default filled the rest


def test_results_for_households_no_longer_in_the_registry_are_left_out(county, tmp_path):
    out = _engine_directly(county, tmp_path)
    gone = Household.objects.order_by("household_id").first()
    gone.delete()

    run = monitoring_results_load(out_dir=out, year=2026, policy_source="default")

    assert run.households == county["households"].num_rows - 1
    assert not HouseholdResult.objects.filter(household_id=gone.pk).exists()
    assert not Household.objects.exclude(monitoring_results__run=run).exists()


def test_a_policy_for_another_year_is_refused_and_nothing_changes(county, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("year: 2025\nreference_date: 2025-12-31\n", encoding="utf-8")

    with pytest.raises(MonitoringError, match="2025"):
        monitoring_run(year=2026, policy_path=policy, work_dir=tmp_path / "run")
    assert not HouseholdResult.objects.exists()
    assert not MonitoringRun.objects.exists()
