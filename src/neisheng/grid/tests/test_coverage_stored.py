"""The grid's coverage counted once per monitoring run (issue 17): a finished run keeps
the coverage rows of its scopes above the town; the dashboard card and the coverage page
read them without reading the county's households, show exactly what they would count
themselves, and count again after a write."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest
from django.core.cache import cache
from tests.support import calls_recorded

from neisheng.grid import coverage, selectors
from neisheng.grid.tests.test_coverage import STARTED, _cadre, grid  # noqa: F401 (grid: the fixture)
from neisheng.monitoring.models import ScopeFigures
from neisheng.monitoring.services import monitoring_run
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch) -> list:
    """Each time a page reads the households' facts from the database (one entry a read)."""
    return calls_recorded(monkeypatch, selectors, "needing_cadre_table")


def _run(places, make_user, tmp_path, division=None):
    starter = make_user("county", division, username="starter") if division else make_user("admin", None, "root")
    return monitoring_run(year=2026, work_dir=tmp_path, started_by=starter,
                          division_code=division.code if division else "")


def test_a_county_run_keeps_the_coverage_the_page_would_count(grid, places, make_user, tmp_path, reads):  # noqa: F811
    run = _run(places, make_user, tmp_path, places["county"])
    assert ScopeFigures.objects.filter(run=run, name=coverage.RUN_FIGURES).count() == 1
    officer = make_user("county", places["county"], username="reader")
    cache.clear()
    reads.clear()  # the run's own count
    read = coverage.coverage_rows_cached(user=officer, division_code="")
    assert not reads
    assert read == coverage.coverage_rows(user=officer, division_code="")
    village = next(r for r in read if r.code == grid["village"].code)
    assert village.without_cadre == len(grid["gaps"])
    # Asking for the county by its code is the same scope; a town is counted on view.
    assert coverage.coverage_rows_cached(user=officer, division_code=places["county"].code) == read
    reads.clear()
    coverage.coverage_rows_cached(user=officer, division_code=places["town"].code)
    assert reads


def test_after_a_pairing_the_coverage_is_counted_again(grid, places, make_user, tmp_path):  # noqa: F811
    from neisheng.grid.services import cadre_pair_start

    _run(places, make_user, tmp_path, places["county"])
    officer = make_user("county", places["county"], username="reader")
    before = coverage.coverage_rows_cached(user=officer, division_code="")
    gap = Household.objects.get(household_id=grid["gaps"][0])
    cadre = _cadre("NEW", grid["village"].code, capacity=5)
    cadre_pair_start(user=officer, cadre=cadre, household=gap, started_on=STARTED)
    after = coverage.coverage_rows_cached(user=officer, division_code="")
    assert after[-1].without_cadre == before[-1].without_cadre - 1
    assert after == coverage.coverage_rows(user=officer, division_code="")


def test_a_whole_registry_run_keeps_each_countys_coverage(grid, places, make_user, tmp_path, reads):  # noqa: F811
    _run(places, make_user, tmp_path)
    cache.clear()
    reads.clear()  # the run's own counts
    users = (make_user("admin", None, username="reader"), make_user("county", places["other_county"]))
    read = [coverage.coverage_rows_cached(user=user, division_code="") for user in users]
    assert not reads
    assert read == [coverage.coverage_rows(user=user, division_code="") for user in users]


def test_the_facts_a_run_exports_are_the_databases(grid, places, tmp_path):  # noqa: F811
    from neisheng.cases.models import MonitoringCase
    from neisheng.platform.extensions import RunExport
    from neisheng.registry.models import Person
    from neisheng.registry.snapshots import snapshot_export

    county = places["county"].code
    households = list(Household.objects.filter(village_id=grid["village"].code).order_by("household_id")[:3])
    MonitoringCase.objects.create(household=households[0], channel="cadre_screening", reported_on=STARTED,
                                  deadline=STARTED)
    MonitoringCase.objects.create(household=households[1], channel="cadre_screening", reported_on=STARTED,
                                  deadline=STARTED,
                                  state="risk_eliminated")  # closed: no open case
    Person.objects.filter(household=households[2]).update(alive=False)
    snapshot_export(directory=tmp_path, division_code=county)

    exported = selectors.household_facts_exported(RunExport(tmp_path, county))
    assert exported.equals(selectors.household_facts_table(division_code=county))
    opened = exported.filter(exported["open_case"])["household_id"].to_pylist()
    assert opened == [households[0].household_id]
    without_living = exported.filter(pc.equal(exported["alive_members"], 0))["household_id"].to_pylist()
    assert households[2].household_id in without_living
