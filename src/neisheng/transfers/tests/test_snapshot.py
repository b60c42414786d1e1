"""The registry moves between the database and the snapshot form without losing anything."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.cli import main
from neisheng.engine.schema import TABLES
from neisheng.engine.validation import SnapshotInvalid, validate_snapshot
from neisheng.registry.models import Division, Household, IncomeItem, Person
from neisheng.registry.snapshots import snapshot_export
from neisheng.transfers.services import SnapshotImportError, snapshot_import

pytestmark = pytest.mark.django_db

SORT_KEYS = {
    "divisions": ["code"],
    "households": ["household_id"],
    "persons": ["person_id"],
    "income_items": ["household_id", "year", "item", "amount", "source"],
}


def sorted_table(name: str, table: pa.Table) -> pa.Table:
    table = table.select(TABLES[name].column_names).cast(TABLES[name].arrow_schema)
    return table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])


def read_snapshot(directory: Path) -> dict[str, pa.Table]:
    return {name: sorted_table(name, pq.read_table(directory / f"{name}.parquet")) for name in TABLES}


def assert_same(first: dict[str, pa.Table], second: dict[str, pa.Table]) -> None:
    for name in TABLES:
        assert first[name].num_rows == second[name].num_rows, name
        assert first[name].equals(second[name]), f"{name} differs"


def empty_registry() -> None:
    IncomeItem.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    Division.objects.all().update(parent=None)
    Division.objects.all().delete()


def test_export_import_export_loses_nothing(county, tmp_path):
    counts = snapshot_export(directory=tmp_path / "first")
    first = read_snapshot(tmp_path / "first")
    assert counts == {name: county[name].num_rows for name in TABLES}
    assert_same(first, {name: sorted_table(name, county[name]) for name in TABLES})

    empty_registry()
    assert Household.objects.count() == 0
    loaded = snapshot_import(directory=tmp_path / "first")
    assert loaded == counts
    snapshot_export(directory=tmp_path / "second")

    assert_same(first, read_snapshot(tmp_path / "second"))
    assert set(AuditEvent.objects.filter(username="cli").values_list("action", flat=True)) == {"import", "export"}


def test_an_invalid_snapshot_writes_nothing(county, tmp_path):
    snapshot_export(directory=tmp_path / "snap", fmt="csv")
    persons = (tmp_path / "snap" / "persons.csv").read_text(encoding="utf-8").splitlines()
    persons[1] = persons[1].replace('"male"', '"robot"').replace('"female"', '"robot"')
    (tmp_path / "snap" / "persons.csv").write_text("\n".join(persons) + "\n", encoding="utf-8")
    before = Person.objects.count()

    with pytest.raises(SnapshotInvalid) as invalid:
        snapshot_import(directory=tmp_path / "snap", replace=True)

    assert [(i.row, i.column, i.reason) for i in invalid.value.issues] == [(2, "sex", "unknown_code")]
    assert Person.objects.count() == before


def test_an_import_over_a_registry_needs_replace(county, tmp_path):
    snapshot_export(directory=tmp_path / "snap")
    with pytest.raises(SnapshotImportError, match="--replace"):
        snapshot_import(directory=tmp_path / "snap")


def test_a_replace_keeps_users_and_drops_results_of_the_old_registry(county, places, make_user, tmp_path):
    from neisheng.monitoring.models import HouseholdResult, MonitoringRun

    cadre = make_user("village", places["village"])
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    HouseholdResult.objects.create(household=Household.objects.first(), run=run, size=3)
    snapshot_export(directory=tmp_path / "snap")

    snapshot_import(directory=tmp_path / "snap", replace=True)

    cadre.refresh_from_db()
    assert cadre.division_id == places["village"].code
    assert not HouseholdResult.objects.exists()
    assert Household.objects.count() == county["households"].num_rows


def test_a_scoped_export_holds_only_the_users_division_and_is_a_valid_snapshot(places, make_user, tmp_path):
    cadre = make_user("town", places["town"])
    counts = snapshot_export(directory=tmp_path / "town", user=cadre)
    report = validate_snapshot(tmp_path / "town")
    assert report.ok, report.issues[:3]
    villages = set(report.tables["households"].column("village_code").to_pylist())
    assert villages and all(code.startswith(places["town"].prefix) for code in villages)
    assert counts["households"] == Household.objects.filter(village__code__startswith=places["town"].prefix).count()
    assert AuditEvent.objects.get(action="export", user=cadre).detail["households"] == counts["households"]


def test_the_cli_round_trip_through_chinese_excel(county, tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["export-snapshot", str(tmp_path / "first")])
    assert first.exit_code == 0, first.output
    assert f"{county['households'].num_rows} 户 households" in first.output
    excel = runner.invoke(main, ["export-snapshot", str(tmp_path / "zh"), "--format", "xlsx", "--headers", "zh"])
    assert excel.exit_code == 0, excel.output

    refused = runner.invoke(main, ["import-snapshot", str(tmp_path / "zh")])
    assert refused.exit_code == 1
    assert "use --replace" in refused.output

    replaced = runner.invoke(main, ["import-snapshot", str(tmp_path / "zh"), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "已导入 / imported" in replaced.output
    second = runner.invoke(main, ["export-snapshot", str(tmp_path / "second")])
    assert second.exit_code == 0, second.output

    assert_same(read_snapshot(tmp_path / "first"), read_snapshot(tmp_path / "second"))


def test_the_cli_names_the_first_problem_and_the_count(county, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["export-snapshot", str(tmp_path / "snap"), "--format", "csv"]).exit_code == 0
    households = tmp_path / "snap" / "households.csv"
    lines = households.read_text(encoding="utf-8").splitlines()
    for index, code in ((1, "999"), (2, "998")):
        household_id, _village_code, rest = lines[index].split(",", 2)
        lines[index] = f"{household_id},{code},{rest}"
    households.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = runner.invoke(main, ["import-snapshot", str(tmp_path / "snap"), "--replace"])

    assert result.exit_code == 1
    assert "village_code" in result.output and "999" in result.output
    assert "2 problems in total, nothing written" in result.output
    assert Household.objects.count() == county["households"].num_rows
    missing = runner.invoke(main, ["import-snapshot", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
