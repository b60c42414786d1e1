"""The policy targets' coverage counted once per monitoring run (issue 17), from the
snapshot the run exported: what the dashboard card and the coverage pages read after a
run is exactly what they would count from the database, for the run's county and for
each county of a whole-registry run; a write between the export and the store, or after
it, makes the page count for itself."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from tests.support import calls_recorded

from neisheng.accounts.models import AuditEvent
from neisheng.assistance import coverage
from neisheng.grid import coverage as grid_coverage
from neisheng.monitoring import services
from neisheng.monitoring.models import ScopeFigures

pytestmark = pytest.mark.django_db


@pytest.fixture
def reads(monkeypatch) -> list:
    """Each time a page reads the registry's tables from the database (one entry a read)."""
    return calls_recorded(monkeypatch, coverage, "registry_tables")


def _counted(user, division) -> coverage.Coverage:
    """What the page counts with nothing stored and nothing cached."""
    ScopeFigures.objects.filter(name=coverage.RUN_FIGURES).delete()
    cache.clear()
    return coverage.coverage_for(user, division)


def _same(a: coverage.Coverage, b: coverage.Coverage) -> bool:
    return a.year == b.year and a.gaps.equals(b.gaps) and a.counts.equals(b.counts)


def test_a_county_run_keeps_the_coverage_the_page_would_count(places, make_user, tmp_path, reads):
    officer = make_user("county", places["county"])
    services.monitoring_run(year=2026, work_dir=tmp_path, started_by=officer, division_code=places["county"].code)
    cache.clear()
    read = coverage.coverage_for(officer, places["county"])
    assert not reads
    assert read.gaps.num_rows > 0
    assert _same(read, _counted(officer, places["county"]))


def test_a_whole_registry_run_keeps_each_countys_part(places, make_user, tmp_path, reads):
    admin = make_user("admin", None, username="root")
    services.monitoring_run(year=2026, work_dir=tmp_path, started_by=admin)
    other = make_user("county", places["other_county"])
    cache.clear()
    read_all, read_other = coverage.coverage_for(admin, None), coverage.coverage_for(other, places["other_county"])
    assert not reads
    assert read_other.counts.num_rows < read_all.counts.num_rows
    assert _same(read_other, _counted(other, places["other_county"]))
    assert _same(read_all, _counted(admin, None))


def test_a_write_during_the_run_keeps_nothing_from_its_export(places, make_user, tmp_path, monkeypatch, reads):
    officer = make_user("county", places["county"])
    from neisheng.registry import snapshots  # the run imports the export from here as it runs

    real = snapshots.snapshot_export

    def export_then_write(**kwargs):
        counts = real(**kwargs)
        AuditEvent.objects.create(action="update", object_type="household", object_id="written-meanwhile")
        return counts

    monkeypatch.setattr(snapshots, "snapshot_export", export_then_write)
    run = services.monitoring_run(year=2026, work_dir=tmp_path, started_by=officer,
                                  division_code=places["county"].code)
    names = set(ScopeFigures.objects.filter(run=run).values_list("name", flat=True))
    # The targets' and the grid's coverage are both counted from the export, so neither is
    # kept; the home pages' figures are counted from the database at the store.
    assert coverage.RUN_FIGURES not in names and grid_coverage.RUN_FIGURES not in names
    assert "figures" in names
    cache.clear()
    coverage.coverage_for(officer, places["county"])
    assert reads
