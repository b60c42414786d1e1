"""The fast path of validation (engine.validation_fast) against the general path it speeds
up: on Parquet snapshots in contract types with several problems planted at once, both
give the same issues (file, row, column, shown value, reason, both messages, order) and
the same typed tables."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neisheng.cli import main
from neisheng.engine import validation, validation_fast
from neisheng.engine.catalog import write_snapshot
from neisheng.engine.validation import load_snapshot, validate_snapshot


def _flip_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def _bad_date(number: str) -> str:
    return number[:10] + "0230" + number[14:]


# Per (table, column): functions of (table, row) giving a messy value of the column's own
# type, so the file stays in contract types and takes the fast path.
MESSES = {
    ("households", "household_id"): [
        lambda t, r: "A/1 x", lambda t, r: "", lambda t, r: "x" * 33, lambda t, r: None,
        lambda t, r: t.column("household_id")[(r + 1) % t.num_rows].as_py(),
    ],
    ("households", "village_code"): [
        lambda t, r: "500237888888", lambda t, r: "12345", lambda t, r: "50023710120a",
        lambda t, r: None, lambda t, r: "500237101000",
    ],
    ("households", "status"): [
        lambda t, r: "rich", lambda t, r: "LIFTED", lambda t, r: "脱贫户", lambda t, r: None,
        lambda t, r: " lifted",
    ],
    ("households", "poverty_cause"): [lambda t, r: None, lambda t, r: "bogus", lambda t, r: "因病"],
    ("households", "lifted_year"): [lambda t, r: 1900, lambda t, r: 2101, lambda t, r: None],
    ("households", "willingness"): [lambda t, r: 0, lambda t, r: 9, lambda t, r: None],
    ("households", "food_clothing_ok"): [lambda t, r: None],
    ("persons", "person_id"): [
        lambda t, r: t.column("person_id")[(r + 3) % t.num_rows].as_py(),
        lambda t, r: _flip_check(t.column("person_id")[r].as_py()),
        lambda t, r: _bad_date(t.column("person_id")[r].as_py()),
        lambda t, r: t.column("person_id")[r].as_py()[:17] + "x",
        lambda t, r: "12345", lambda t, r: "", lambda t, r: None,
        lambda t, r: "ABCDEFGHIJKLMNOPQR", lambda t, r: "110101210001010011",
    ],
    ("persons", "household_id"): [lambda t, r: "NO-SUCH", lambda t, r: "A/1 x", lambda t, r: None],
    ("persons", "sex"): [
        lambda t, r: "female" if t.column("sex")[r].as_py() == "male" else "male",
        lambda t, r: "女", lambda t, r: "FEMALE", lambda t, r: "unknown", lambda t, r: None,
    ],
    ("persons", "birth_date"): [lambda t, r: dt.date(1901, 1, 1), lambda t, r: None],
    ("persons", "relation"): [lambda t, r: "户主", lambda t, r: "boss"],
    ("persons", "disability_grade"): [lambda t, r: -1, lambda t, r: 5],
    ("persons", "employed_months"): [lambda t, r: 13, lambda t, r: None],
    ("persons", "name"): [lambda t, r: None, lambda t, r: "  "],
    ("income_items", "household_id"): [lambda t, r: "NO-SUCH", lambda t, r: None, lambda t, r: "户1"],
    ("income_items", "year"): [lambda t, r: 1977, lambda t, r: 2101],
    ("income_items", "item"): [lambda t, r: "lottery_win", lambda t, r: "工资性收入", lambda t, r: "WAGE"],
    ("income_items", "amount"): [
        lambda t, r: Decimal("-12.50"), lambda t, r: Decimal("-0.01"), lambda t, r: None,
    ],
    ("income_items", "source"): [lambda t, r: None],
    ("divisions", "code"): [lambda t, r: "500237000101", lambda t, r: "5002371012"],
    ("divisions", "parent_code"): [lambda t, r: "999999000000"],
    ("divisions", "level"): [lambda t, r: 4, lambda t, r: 7],
}
# Values the fast path hands to the general path (trimming them needs Python's rules).
EXOTIC_IDS = [" 110101190001010011", "１１０", "110101190001010011\u3000"]


def _set(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    index = table.column_names.index(column)
    type_ = table.schema.field(column).type
    return table.set_column(index, pa.field(column, type_, nullable=True), pa.array(values, type_))


def _plant(county, plants):
    tables = dict(county)
    for (name, column), which, where in plants:
        table = tables[name]
        row = int(where * table.num_rows)
        mess = MESSES[(name, column)]
        tables[name] = _set(table, column, row, mess[which % len(mess)](table, row))
    return tables


def _write(tables, directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, directory / f"{name}.parquet", row_group_size=700)


def _seen(report):
    return [(i.file, i.row, i.column, i.value, i.reason, i.message_zh, i.message_en) for i in report.issues]


plants = st.lists(
    st.tuples(st.sampled_from(sorted(MESSES)), st.integers(0, 20), st.floats(0, 0.999)),
    min_size=1, max_size=20,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plants=plants, drop=st.sampled_from([None, None, None, "divisions", "households"]))
def test_fast_path_reports_what_the_general_path_reports(small_county, tmp_path_factory, plants, drop, monkeypatch):
    monkeypatch.setattr(validation_fast, "LEDGER_BATCH_ROWS", 1_000)  # the ledger in parts
    tables = _plant(small_county, plants)
    if drop:
        del tables[drop]
    directory = tmp_path_factory.mktemp("messy")
    _write(tables, directory)

    reference = validation._validate_reference(directory)
    fast = validation._validate_fast(directory, "never")

    assert fast is not None  # every planted value is one the fast path decides itself
    assert _seen(fast) == _seen(reference)
    assert fast.counts == reference.counts
    kept = validation._validate_fast(directory, "always")
    if kept is not None:  # the files are the typed tables only when nothing was mapped
        assert kept.ok and reference.ok
        assert kept.tables.keys() == reference.tables.keys()
        for name, table in reference.tables.items():
            assert kept.tables[name].equals(table) and kept.tables[name].schema == table.schema, name
    report = validate_snapshot(directory)
    assert _seen(report) == _seen(reference)
    assert report.tables.keys() == reference.tables.keys()
    for name, table in reference.tables.items():
        assert report.tables[name].equals(table), name


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_kind_of_mess_at_once_is_reported_as_the_general_path_reports_it(
        small_county, tmp_path, seed, monkeypatch):
    monkeypatch.setattr(validation_fast, "LEDGER_BATCH_ROWS", 1_000)  # the ledger in parts
    import random

    rng = random.Random(seed)
    plants = [(key, which, rng.random()) for key in sorted(MESSES) for which in range(len(MESSES[key]))]
    _write(_plant(small_county, plants), tmp_path)
    reference = validation._validate_reference(tmp_path)
    fast = validation._validate_fast(tmp_path, "never")
    assert fast is not None
    assert len(reference.issues) > 100  # every rule fires, several times over
    assert _seen(fast) == _seen(reference)
    assert _seen(validate_snapshot(tmp_path)) == _seen(reference)
    with pytest.raises(validation.SnapshotInvalid) as raised:
        load_snapshot(tmp_path)
    assert [str(i) for i in raised.value.issues] == [str(i) for i in reference.issues]


@pytest.mark.parametrize("number", EXOTIC_IDS)
def test_id_numbers_needing_unicode_trimming_go_to_the_general_path(small_county, tmp_path, number):
    tables = dict(small_county, persons=_set(small_county["persons"], "person_id", 4, number))
    _write(tables, tmp_path)
    assert validation._validate_fast(tmp_path, "never") is None
    assert _seen(validate_snapshot(tmp_path, tables=False)) == _seen(validation._validate_reference(tmp_path))


def test_labels_in_a_typed_parquet_are_mapped_to_codes_in_the_loaded_tables(small_county, tmp_path):
    tables = dict(small_county, households=_set(small_county["households"], "status", 0, "脱贫户"))
    _write(tables, tmp_path)
    assert validate_snapshot(tmp_path, tables=False).ok
    assert load_snapshot(tmp_path)["households"].column("status")[0].as_py() == "lifted"


def test_a_valid_parquet_snapshot_loads_as_the_general_path_types_it(small_county, tmp_path):
    write_snapshot(small_county, tmp_path)
    loaded = load_snapshot(tmp_path)
    reference = validation._validate_reference(tmp_path)
    assert reference.ok and loaded.keys() == reference.tables.keys()
    for name, table in reference.tables.items():
        assert loaded[name].equals(table) and loaded[name].schema == table.schema, name


def test_cli_validate_names_planted_problems_in_row_order(small_county, tmp_path):
    persons = small_county["persons"]
    bad = _flip_check(persons.column("person_id")[9].as_py())
    tables = dict(
        small_county,
        persons=_set(_set(persons, "person_id", 9, bad), "employed_months", 9, 13),
        income_items=_set(small_county["income_items"], "amount", 0, Decimal("-3.10")),
    )
    _write(tables, tmp_path)
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == (
        "income_items.parquet 第2行 row 2 amount = 「-3.10」: 金额不能为负数 / the amount is negative"
    )
    assert lines[1].startswith("persons.parquet 第11行 row 11 employed_months = 「13」: 超出允许范围")
    assert lines[2] == (
        f"persons.parquet 第11行 row 11 person_id = 「{bad}」: 证件号码校验码错误 / "
        "the ID number's check digit is wrong"
    )
    assert "快照无效 / snapshot invalid: 3 个问题 problems" in result.output


ID_EDGES = [
    "110101200002290014", "110101190002290011", "110101202402290017", "110101202302290013",
    "110101180001010010", "110101179912310019", "11010120991231001X", "11010120991231001x",
    "110101199013010012", "110101199000010012", "110101199001320012", "110101199004310012",
    "440524188001010014", "44052418800101001X", "4405241880010100x4", "A40524188001010014",
    "110101000002290010", "11010199991231001X", "1101011990010100", "",
]


@settings(max_examples=60, deadline=None)
@given(numbers=st.lists(st.one_of(
    st.sampled_from(ID_EDGES),
    st.text("0123456789", min_size=17, max_size=17).flatmap(
        lambda first: st.sampled_from([first + c for c in "0123456789Xx"])),
    st.text("0123456789Xx-A", min_size=0, max_size=20),
    st.none(),
), min_size=1, max_size=40))
def test_id_numbers_checked_on_bytes_as_ids_checks_them(numbers):
    import numpy as np

    from neisheng import ids
    from neisheng.engine.validation_fast import ID_REASONS, inspect_id_bytes

    today = dt.date(2026, 12, 2)
    column = pa.chunked_array([pa.array(numbers[: len(numbers) // 2], pa.string()),
                               pa.array(numbers[len(numbers) // 2:], pa.string())])
    reasons, born, male, _ = inspect_id_bytes(column, today)
    texts = np.array(["" if n is None else n for n in numbers], dtype=str)
    want, want_born, want_sex = ids.inspect_id_numbers(texts, today=today)
    names = {code: name for name, code in ID_REASONS.items()} | {0: ""}
    present = np.array([n is not None for n in numbers])
    assert [names[r] for r in reasons[present]] == list(want[present])
    valid = present & (want == "")
    assert (born[valid] == want_born[valid].astype("int64")).all()
    assert list(np.where(male, "male", "female")[valid]) == list(want_sex[valid])
