"""`neisheng validate` and the snapshot reader: every corruption is found and named by
file, row, column and value; valid snapshots pass in every format."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neisheng.cli import main
from neisheng.engine.catalog import write_snapshot
from neisheng.engine.schema import TABLES
from neisheng.engine.validation import SnapshotInvalid, load_snapshot, validate_snapshot

FIRST_DATA_ROW = 2


def _set(table: pa.Table, column: str, row: int, value, type_=None) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.column_names.index(column)
    type_ = type_ or table.schema.field(column).type
    return table.set_column(index, pa.field(column, type_, nullable=True), pa.array(values, type_))


def _issues(directory: Path):
    report = validate_snapshot(directory)
    return {(i.file, i.row, i.column, i.reason): i for i in report.issues}


def test_synthetic_county_is_valid_and_cli_prints_one_line(small_county, tmp_path):
    write_snapshot(small_county, tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert f"{small_county['households'].num_rows} 户 households" in lines[0]


def test_bad_id_and_unknown_village_are_both_named(small_county, tmp_path):
    persons = small_county["persons"]
    good = persons.column("person_id")[5].as_py()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    households = _set(small_county["households"], "village_code", 3, "500237999999")
    tables = dict(small_county, persons=_set(persons, "person_id", 5, bad), households=households)
    write_snapshot(tables, tmp_path)

    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"persons.parquet 第7行 row 7 person_id = 「{bad}」" in result.output
    assert "校验码错误" in result.output and "check digit" in result.output
    assert "households.parquet 第5行 row 5 village_code = 「500237999999」" in result.output
    assert "不是已知的村级区划" in result.output


CORRUPTIONS = [
    # (table, column, new value, expected reason); applied to Parquet in contract types
    ("persons", "birth_date", dt.date(1901, 1, 1), "birth_date_mismatch"),
    ("persons", "household_id", "NO-SUCH-HOUSEHOLD", "orphan_row"),
    ("income_items", "household_id", "NO-SUCH-HOUSEHOLD", "orphan_row"),
    ("households", "village_code", "500237888888", "unknown_village"),
    ("households", "status", "rich", "unknown_code"),
    ("persons", "labor", None, "required"),
    ("income_items", "item", "lottery_win", "unknown_item"),
    ("income_items", "amount", Decimal("-12.50"), "negative_amount"),
    ("households", "willingness", 9, "out_of_range"),
    ("persons", "employed_months", 13, "out_of_range"),
    ("divisions", "parent_code", "999999000000", "unknown_parent"),
    ("divisions", "code", "500237000101", "bad_division_code"),  # a village without a town
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=st.sampled_from(CORRUPTIONS), where=st.floats(0, 0.999))
def test_each_corruption_is_found_at_its_row(small_county, tmp_path_factory, case, where):
    name, column, value, reason = case
    table = small_county[name]
    row = int(where * table.num_rows)
    if name == "divisions":
        row = max(row, 1)  # row 0 is the province, whose parent is legitimately null
    field_type = table.schema.field(column).type
    corrupted = _set(
        table,
        column,
        row,
        value,
        pa.string() if isinstance(value, str) and not pa.types.is_string(field_type) else None,
    )
    directory = tmp_path_factory.mktemp("snap")
    write_snapshot_loose(dict(small_county, **{name: corrupted}), directory)
    issues = _issues(directory)
    assert (f"{name}.parquet", row + FIRST_DATA_ROW, column, reason) in issues, sorted(issues)[:5]


def write_snapshot_loose(tables, directory):
    """Parquet written as given, so a test can store values the contract forbids."""
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, directory / f"{name}.parquet")


def test_duplicate_person_and_sex_mismatch(small_county, tmp_path):
    persons = small_county["persons"]
    first = persons.column("person_id")[0].as_py()
    sex = persons.column("sex")[10].as_py()
    persons = _set(persons, "person_id", 20, first)
    persons = _set(persons, "sex", 10, "female" if sex == "male" else "male")
    write_snapshot_loose(dict(small_county, persons=persons), tmp_path)
    issues = _issues(tmp_path)
    assert ("persons.parquet", 2, "person_id", "duplicate_person") in issues
    assert ("persons.parquet", 22, "person_id", "duplicate_person") in issues
    assert ("persons.parquet", 12, "sex", "sex_mismatch") in issues


def test_csv_text_problems_each_named(small_county, tmp_path):
    write_snapshot(small_county, tmp_path, fmt="csv")
    ledger = pacsv.read_csv(
        tmp_path / "income_items.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in TABLES["income_items"].column_names}
        ),
    )
    ledger = _set(ledger, "amount", 0, "abc")
    ledger = _set(ledger, "amount", 1, "12.345")
    ledger = _set(ledger, "year", 2, "二〇二六")
    pacsv.write_csv(ledger, tmp_path / "income_items.csv")
    persons = pacsv.read_csv(
        tmp_path / "persons.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in TABLES["persons"].column_names}
        ),
    )
    persons = _set(persons, "birth_date", 3, "1990-02-30")
    persons = _set(persons, "alive", 4, "maybe")
    persons = _set(persons, "person_id", 6, "12345")
    pacsv.write_csv(persons, tmp_path / "persons.csv")

    issues = _issues(tmp_path)
    assert ("income_items.csv", 2, "amount", "not_a_number") in issues
    assert ("income_items.csv", 3, "amount", "too_many_decimals") in issues
    assert ("income_items.csv", 4, "year", "not_an_integer") in issues
    assert ("persons.csv", 5, "birth_date", "not_a_date") in issues
    assert ("persons.csv", 6, "alive", "not_a_boolean") in issues
    assert ("persons.csv", 8, "person_id", "id_format") in issues
    assert issues[("income_items.csv", 2, "amount", "not_a_number")].value == "abc"


def test_missing_file_and_column_reported_together(small_county, tmp_path):
    tables = dict(small_county)
    del tables["divisions"]
    tables["households"] = tables["households"].drop_columns(["water"])
    write_snapshot_loose(tables, tmp_path)
    reasons = {(i.reason, i.column) for i in validate_snapshot(tmp_path).issues}
    assert ("missing_file", None) in reasons
    assert ("missing_column", "water") in reasons


def test_load_snapshot_refuses_invalid(small_county, tmp_path):
    write_snapshot_loose(
        dict(small_county, households=_set(small_county["households"], "water", 0, "muddy")),
        tmp_path,
    )
    with pytest.raises(SnapshotInvalid) as info:
        load_snapshot(tmp_path)
    assert info.value.issues[0].value == "muddy"


def test_round_trip_parquet_csv_excel_parquet_loses_nothing(small_county, tmp_path):
    write_snapshot(small_county, tmp_path / "a")
    write_snapshot(load_snapshot(tmp_path / "a"), tmp_path / "b", fmt="csv")
    write_snapshot(load_snapshot(tmp_path / "b"), tmp_path / "c", fmt="xlsx", headers="zh")
    write_snapshot(load_snapshot(tmp_path / "c"), tmp_path / "d", fmt="csv", headers="zh")
    back = load_snapshot(tmp_path / "d")
    for name, original in small_county.items():
        assert back[name].equals(original.cast(TABLES[name].arrow_schema)), name


def test_chinese_workbook_with_labels_reads_as_codes(small_county, tmp_path):
    write_snapshot(small_county, tmp_path, fmt="xlsx", headers="zh")
    import python_calamine

    header = (
        python_calamine.CalamineWorkbook.from_path(str(tmp_path / "households.xlsx"))
        .get_sheet_by_index(0)
        .to_python()[0]
    )
    assert header[:3] == ["户编号", "村代码", "户类型"]
    back = load_snapshot(tmp_path)
    assert set(pc.unique(back["households"]["status"]).to_pylist()) <= {
        "lifted",
        "monitored",
        "general",
    }


def test_lower_case_x_is_accepted_and_normalised(small_county, tmp_path):
    persons = small_county["persons"]
    numbers = persons.column("person_id").to_pylist()
    with_x = [i for i, n in enumerate(numbers) if n.endswith("X")]
    assert with_x, "a county of thousands of people has some numbers ending in X"
    row = with_x[0]
    persons = _set(persons, "person_id", row, numbers[row].lower())
    write_snapshot(dict(small_county, persons=persons), tmp_path, fmt="csv")
    assert load_snapshot(tmp_path)["persons"].column("person_id")[row].as_py() == numbers[row]


def test_what_a_township_office_types_is_understood(small_county, tmp_path):
    """Chinese file names and headers, GB18030 or BOM-marked CSV, Chinese labels, 是/否,
    dates written the Chinese way, amounts with thousands separators, extra columns."""
    write_snapshot(small_county, tmp_path / "en", fmt="csv", headers="zh")
    target = tmp_path / "zh"
    target.mkdir()
    for name, zh in (("divisions", "行政区划"), ("households", "农户"), ("persons", "家庭成员"),
                     ("income_items", "收支台账")):
        text = (tmp_path / "en" / f"{name}.csv").read_text(encoding="utf-8")
        lines = text.splitlines()
        if name == "persons":
            header = lines[0].split(",")
            column = header.index('"出生日期"')
            cells = lines[1].split(",")
            year, month, day = cells[column].strip('"').split("-")
            cells[column] = f"{year}年{int(month)}月{int(day)}日"
            lines[1] = ",".join(cells)
            lines[0] += ",备注"
            lines[1] += ",外出务工"
            lines[2:] = [line + "," for line in lines[2:]]
            (target / f"{zh}.csv").write_text("\n".join(lines) + "\n", encoding="gb18030")
        elif name == "income_items":
            (target / f"{zh}.csv").write_text("\ufeff" + text, encoding="utf-8")
        else:
            (target / f"{zh}.csv").write_text(text, encoding="utf-8")
    report = validate_snapshot(target)
    assert report.ok, [str(i) for i in report.issues[:5]]
    for name, original in small_county.items():
        assert report.tables[name].equals(original.cast(TABLES[name].arrow_schema)), name


def test_full_width_brackets_in_a_header_are_the_same_header(small_county, tmp_path):
    write_snapshot(small_county, tmp_path, fmt="csv", headers="zh")
    ledger = tmp_path / "income_items.csv"
    text = ledger.read_text(encoding="utf-8")
    assert '"金额(元)"' in text
    ledger.write_text(text.replace('"金额(元)"', '"金额（元）"', 1), encoding="utf-8")
    assert validate_snapshot(tmp_path).ok


def test_a_household_number_outside_the_contracts_pattern_is_refused(small_county, tmp_path):
    # Issue 8: `A/1 x` passed `neisheng validate`, yet no page or API route can address it.
    households = _set(small_county["households"], "household_id", 4, "A/1 x")
    write_snapshot(dict(small_county, households=households), tmp_path)

    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "households.parquet 第6行 row 6 household_id = 「A/1 x」" in result.output
    assert "户编号只能由字母、数字、“-”和“_”组成" in result.output
    assert "a household number is up to 32 letters, digits, '-' or '_'" in result.output
    reasons = {(i.file, i.row, i.column, i.value, i.reason) for i in validate_snapshot(tmp_path).issues}
    assert ("households.parquet", 6, "household_id", "A/1 x", "bad_household_id") in reasons


@pytest.mark.parametrize("number, ok", [
    ("5002372012010001", True), ("A-1_b", True), ("x" * 32, True),
    ("A/1 x", False), ("12/34", False), ("户1", False), ("a b", False), ("x" * 33, False), ("a\n", False),
])
def test_the_household_number_rule_is_one_definition(number, ok):
    from neisheng.engine.schema import HOUSEHOLD_ID, TABLES

    assert HOUSEHOLD_ID.matches(number) is ok
    for table in ("households", "persons", "income_items"):
        assert TABLES[table].column("household_id") is HOUSEHOLD_ID
