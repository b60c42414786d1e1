"""Typing and checking a registry snapshot against the data contract.

Every problem is reported, never only the first: a township officer fixing a workbook
wants the whole list at once. Rows are numbered as a spreadsheet shows them (the header
is row 1, the first record row 2), whatever the file format, so the number a user reads
in an error is the row they open. Checks are vectorised with Arrow and NumPy because a
county registry holds millions of persons.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng import ids
from neisheng.divisions import level_of
from neisheng.engine.catalog import RawTable, SnapshotFileError, read_raw_snapshot
from neisheng.engine.schema import AMOUNT_TYPE, TABLES, VILLAGE_LEVEL, Column, Table
from neisheng.engine.validation_issues import (  # noqa: F401 - the public names stay importable from here
    FIRST_DATA_ROW,
    REASONS,
    Issue,
    _choice_mapping,
    _Collector,
    _duplicates,
    _lookup,
    _show,
    allowed_values_message,
)

TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有", "√")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无", "×")


@dataclass
class ValidationReport:
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    # Rows per table, also when the tables themselves were not kept (`neisheng validate`).
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        counts = self.counts or {name: t.num_rows for name, t in self.tables.items()}
        return (
            f"快照有效 / snapshot valid: {counts.get('divisions', 0)} 区划 divisions, "
            f"{counts.get('households', 0)} 户 households, {counts.get('persons', 0)} 人 persons, "
            f"{counts.get('income_items', 0)} 条台账 ledger rows"
        )


class SnapshotInvalid(Exception):
    def __init__(self, issues: list[Issue]):
        self.issues = issues
        first = str(issues[0]) if issues else ""
        super().__init__(f"{len(issues)} problem(s) in the snapshot; first: {first}")


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        try:
            values = pc.cast(values, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Bytes that are not UTF-8, or nested values, in a Parquet file: made text one
            # by one, so each is reported in its row instead of failing the whole file.
            values = pa.array([
                None if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                for v in values.to_pylist()
            ], pa.string())
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


_INT_RE = r"^[+-]?\d+(\.0+)?$"
MAX_INT_CHARS = 18  # sign and digits: always within int64
_DECIMAL_RE = r"^\d+(\.\d{1,2})?$"


def _parse_dates_slowly(values: list[str | None]) -> list[dt.date | None]:
    out = []
    for value in values:
        parsed = None
        if value is not None:
            match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value) or re.fullmatch(
                r"(\d{4})(\d{2})(\d{2})", value
            )
            if match:
                try:
                    parsed = dt.date(*(int(g) for g in match.groups()))
                except ValueError:
                    parsed = None
        out.append(parsed)
    return out


def _coerce_column(raw: pa.ChunkedArray, column: Column, typed: bool, report: _Collector):
    """The column in its contract type; every value that cannot be typed is reported and
    becomes null, so later checks see only values that mean something."""
    name = column.name
    if typed:
        values = raw
        text = None
    else:
        text = _as_text(raw)
        values = None

    if column.kind in ("string", "id_number", "division_code"):
        values = values if typed else text
        if column.choices:
            codes = _lookup(values, _choice_mapping(column), pa.string())
            reason = "unknown_item" if name == "item" else "unknown_code"
            report.add_rows(pc.and_(pc.is_valid(values), pc.is_null(codes)), name, reason, raw, allowed=column)
            values = codes
        if column.kind == "id_number":
            normal = ids.normalize_id_numbers(
                np.asarray(pc.fill_null(values, "").to_numpy(zero_copy_only=False), dtype=str)
            )
            values = pc.if_else(pc.is_valid(values), pa.array(normal, pa.string()), values)
        if column.kind == "division_code":
            bad = pc.invert(pc.match_substring_regex(values, r"^\d{12}$"))
            report.add_rows(bad, name, "bad_division_code", raw)
            values = pc.if_else(bad, pa.scalar(None, pa.string()), values)
        if column.pattern is not None:
            # The contract's own pattern (engine.schema), which forms and the API check too.
            bad = pc.invert(pc.match_substring_regex(values, f"^(?:{column.pattern})$"))
            report.add_rows(bad, name, column.pattern_reason, raw)
            values = pc.if_else(bad, pa.scalar(None, pa.string()), values)
    elif column.kind == "int":
        if not typed:
            ok = pc.match_substring_regex(text, _INT_RE)
            report.add_rows(pc.and_(pc.is_valid(text), pc.invert(ok)), name, "not_an_integer", raw)
            good = pc.if_else(ok, text, pa.scalar(None, pa.string()))
            good = pc.replace_substring_regex(good, r"\.0+$", "")
            # More digits than int64 holds would make the cast fail for the whole file;
            # no count in the contract comes near, so such a number is out of range.
            huge = pc.greater(pc.utf8_length(good), MAX_INT_CHARS)
            report.add_rows(huge, name, "out_of_range", raw)
            values = pc.cast(pc.if_else(huge, pa.scalar(None, pa.string()), good), pa.int64())
        out = pa.scalar(False)
        if column.min_value is not None:
            out = pc.or_(out, pc.less(values, column.min_value))
        if column.max_value is not None:
            out = pc.or_(out, pc.greater(values, column.max_value))
        report.add_rows(out, name, "out_of_range", raw)
        values = pc.if_else(out, pa.scalar(None, values.type), values)
        values = pc.cast(values, pa.int32())
    elif column.kind == "bool":
        if not typed:
            words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
            values = _lookup(pc.utf8_lower(text), words, pa.bool_())
            report.add_rows(pc.and_(pc.is_valid(text), pc.is_null(values)), name, "not_a_boolean", raw)
    elif column.kind == "date":
        if not typed:
            iso = pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")
            fast = pc.strptime(
                pc.if_else(iso, text, pa.scalar(None, pa.string())),
                format="%Y-%m-%d",
                unit="s",
                error_is_null=True,
            )
            fast = pc.cast(fast, pa.date32())
            # strptime rolls 1990-02-30 over to 1990-03-02; a date must print back as written.
            rolled = pc.not_equal(pc.strftime(fast, format="%Y-%m-%d"), text)
            fast = pc.if_else(rolled, pa.scalar(None, pa.date32()), fast)
            needs_slow = pc.and_(pc.is_valid(text), pc.is_null(fast))
            if pc.any(needs_slow).as_py():
                slow_rows = np.flatnonzero(needs_slow.to_numpy(zero_copy_only=False))
                slow_values = pc.take(text, pa.array(slow_rows)).to_pylist()
                parsed = fast.to_pylist()
                for row, value in zip(slow_rows.tolist(), _parse_dates_slowly(slow_values)):
                    parsed[row] = value
                fast = pa.chunked_array([pa.array(parsed, pa.date32())])
            report.add_rows(pc.and_(pc.is_valid(text), pc.is_null(fast)), name, "not_a_date", raw)
            values = fast
    elif column.kind == "decimal":
        if not typed:
            plain = pc.replace_substring(text, ",", "")
            ok = pc.match_substring_regex(plain, _DECIMAL_RE)
            odd = pc.and_(pc.is_valid(plain), pc.invert(ok))
            parsed = pc.cast(pc.if_else(ok, plain, pa.scalar(None, pa.string())), AMOUNT_TYPE)
            if pc.any(odd).as_py():
                parsed = _decimal_slow_path(plain, odd, parsed, report, raw, name)
            values = parsed
        negative = pc.less(values, pa.scalar(Decimal(0), AMOUNT_TYPE))
        report.add_rows(negative, name, "negative_amount", raw)
        values = pc.if_else(negative, pa.scalar(None, AMOUNT_TYPE), values)

    if not column.nullable:
        report.add_rows(pc.is_null(raw if typed else text), name, "required", raw)
    return values


def _decimal_slow_path(plain, odd, parsed, report: _Collector, raw, name):
    """Amounts such as "12.500" or "-3" or "abc": decide which problem each one has."""
    rows = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
    values = parsed.to_pylist()
    kinds = {"not_a_number": [], "negative_amount": [], "too_many_decimals": []}
    for row, text in zip(rows.tolist(), pc.take(plain, pa.array(rows)).to_pylist()):
        try:
            amount = Decimal(text)
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            kinds["not_a_number"].append(row)
            continue
        if amount < 0:
            kinds["negative_amount"].append(row)
        elif amount != amount.quantize(Decimal("0.01")):
            kinds["too_many_decimals"].append(row)
        else:
            values[row] = amount.quantize(Decimal("0.01"))
    n = len(values)
    for reason, bad_rows in kinds.items():
        mask = np.zeros(n, dtype=bool)
        mask[bad_rows] = True
        report.add_rows(pa.array(mask), name, reason, raw)
    return pa.chunked_array([pa.array(values, AMOUNT_TYPE)])


def _type_table(raw: RawTable, issues: list[Issue]) -> pa.Table | None:
    table: Table = raw.table
    file = raw.path.name
    for missing in raw.missing_columns:
        issues.append(Issue(file, None, missing, None, "missing_column"))
    if raw.missing_columns:
        return None
    report = _Collector(issues, file, raw.data)
    columns = [
        _coerce_column(raw.data.column(c.name), c, raw.typed, report) for c in table.columns
    ]
    return pa.table(columns, schema=table.arrow_schema.with_metadata(None)) if columns else None


def _check_divisions(t: pa.Table, report: _Collector) -> None:
    report.add_rows(_duplicates(t.column("code")), "code", "duplicate_division")
    codes = t.column("code")
    parents = t.column("parent_code")
    orphan = pc.and_(pc.is_valid(parents), pc.invert(pc.is_in(parents, value_set=codes.combine_chunks())))
    report.add_rows(orphan, "parent_code", "unknown_parent")
    derived, malformed = [], []
    for code in codes.to_pylist():
        try:
            derived.append(level_of(code) if code else None)
            malformed.append(False)
        except ValueError:  # no province part, or a village without a town
            derived.append(None)
            malformed.append(True)
    report.add_rows(pa.array(malformed), "code", "bad_division_code")
    report.add_rows(pc.not_equal(pa.array(derived, pa.int32()), t.column("level")), "level", "level_mismatch")


def _check_households(t: pa.Table, divisions: pa.Table | None, report: _Collector) -> None:
    report.add_rows(_duplicates(t.column("household_id")), "household_id", "duplicate_household")
    if divisions is not None:
        villages = pc.filter(divisions.column("code"), pc.equal(divisions.column("level"), VILLAGE_LEVEL))
        unknown = pc.invert(pc.is_in(t.column("village_code"), value_set=villages.combine_chunks()))
        report.add_rows(pc.and_(pc.is_valid(t.column("village_code")), unknown), "village_code", "unknown_village")


def _check_orphans(t: pa.Table, households: pa.Table | None, report: _Collector) -> None:
    if households is None:
        return
    known = households.column("household_id").combine_chunks()
    column = t.column("household_id")
    orphan = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=known)))
    report.add_rows(orphan, "household_id", "orphan_row")


def _check_persons(t: pa.Table, households: pa.Table | None, report: _Collector) -> None:
    numbers = t.column("person_id")
    present = pc.is_valid(numbers).to_numpy(zero_copy_only=False)
    texts = np.asarray(pc.fill_null(numbers, "").to_numpy(zero_copy_only=False), dtype=str)
    reasons, born, sexes = ids.inspect_id_numbers(texts)
    for reason in ("format", "checksum", "birth_date"):
        report.add_rows(pa.array(present & (reasons == reason)), "person_id", f"id_{reason}")
    id_ok = present & (reasons == "")
    stated_birth = t.column("birth_date").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    stated_ok = ~np.isnat(stated_birth)
    report.add_rows(pa.array(id_ok & stated_ok & (born != stated_birth)), "birth_date", "birth_date_mismatch")
    stated_sex = np.asarray(pc.fill_null(t.column("sex"), "").to_numpy(zero_copy_only=False), dtype=str)
    report.add_rows(pa.array(id_ok & (stated_sex != "") & (sexes != stated_sex)), "sex", "sex_mismatch")
    report.add_rows(_duplicates(numbers), "person_id", "duplicate_person")
    _check_orphans(t, households, report)


def check_table(raw: RawTable) -> tuple[pa.Table | None, list[Issue]]:
    """One table on its own, as an upload of a single table needs it: typed in contract
    types (None when columns are missing), with every problem found within the table
    (types, codes, ranges, ID numbers, duplicates). Checks against other tables (orphans,
    unknown villages) are the caller's, e.g. against a database."""
    issues: list[Issue] = []
    typed = _type_table(raw, issues)
    if typed is not None:
        report = _Collector(issues, raw.path.name, typed)
        if raw.table.name == "divisions":
            _check_divisions(typed, report)
        elif raw.table.name == "households":
            _check_households(typed, None, report)
        elif raw.table.name == "persons":
            _check_persons(typed, None, report)
    return typed, issues


def validate_tables(
    raw: dict[str, RawTable], absent: list[str], unreadable: list[SnapshotFileError] = ()
) -> ValidationReport:
    issues: list[Issue] = [
        Issue(exc.path.name, None, None, exc.message_en, "unreadable_file") for exc in unreadable
    ]
    for name in absent:
        table = TABLES[name]
        issues.append(Issue(f"{name}.parquet|csv|xlsx ({table.zh})", None, None, None, "missing_file"))
    typed: dict[str, pa.Table] = {}
    for name, raw_table in raw.items():
        t = _type_table(raw_table, issues)
        if t is not None:
            typed[name] = t

    def collector(name):
        return _Collector(issues, raw[name].path.name, typed[name])

    divisions = typed.get("divisions")
    households = typed.get("households")
    if divisions is not None:
        _check_divisions(divisions, collector("divisions"))
    if households is not None:
        _check_households(households, divisions, collector("households"))
    if "persons" in typed:
        _check_persons(typed["persons"], households, collector("persons"))
    if "income_items" in typed:
        _check_orphans(typed["income_items"], households, collector("income_items"))
    issues.sort(key=lambda i: (i.file, i.row or 0))
    return ValidationReport(issues=issues, tables=typed)


def validate_snapshot(directory: Path, *, tables: bool = True) -> ValidationReport:
    """Every problem of the snapshot in `directory`, and its tables in contract types
    (`tables=False` keeps only their row counts, which is what `neisheng validate` needs:
    a million households' tables take gigabytes to hold)."""
    directory = Path(directory)
    fast = _validate_fast(directory, "always" if tables else "never")
    return fast if fast is not None else _validate_reference(directory)


def _validate_reference(directory: Path) -> ValidationReport:
    """The Arrow path: every table read whole and typed column by column. The reference
    for every input, and the path for CSV, Excel and Parquet not in contract types."""
    try:
        raw, absent, unreadable = read_raw_snapshot(directory)
    except SnapshotFileError as exc:
        return ValidationReport(issues=[Issue(str(exc.path), None, None, exc.message_en, "unreadable_file")])
    report = validate_tables(raw, absent, unreadable)
    report.counts = {name: t.num_rows for name, t in report.tables.items()}
    return report


def _validate_fast(directory: Path, tables: str) -> ValidationReport | None:
    """The fast path (engine.validation_fast) when the large tables are Parquet in
    contract types, else None. `tables`: "always" as validate_tables gives them, "never",
    or "if_valid" (load_snapshot: an invalid snapshot needs only its issues). None too
    when the tables asked for are not the files themselves (a label to map to its code,
    an ID number to normalise): the Arrow path types them."""
    from neisheng.engine import validation_fast as fast
    from neisheng.engine.catalog import read_raw_table, table_file

    if not directory.is_dir():
        return None
    try:
        sources, absent = {}, []
        for name in TABLES:
            if name == "divisions":
                continue
            source = fast.parquet_source(directory, TABLES[name])
            if source is None:
                absent.append(name)
            else:
                sources[name] = source
        issues: list[Issue] = []
        divisions = None
        path = table_file(directory, TABLES["divisions"])
        if path is None:
            absent.insert(0, "divisions")
        else:
            try:
                raw = read_raw_table(path, TABLES["divisions"])
            except SnapshotFileError:
                return None  # named by the Arrow path, with every other problem
            divisions = _type_table(raw, issues)
            if divisions is not None:
                _check_divisions(divisions, _Collector(issues, raw.path.name, divisions))
        for name in absent:
            issues.append(Issue(f"{name}.parquet|csv|xlsx ({TABLES[name].zh})", None, None, None, "missing_file"))
        villages = None
        if divisions is not None:
            villages = pc.filter(
                divisions.column("code"), pc.equal(divisions.column("level"), VILLAGE_LEVEL)
            ).combine_chunks()
        identity = fast.check_large_tables(sources, villages, issues)
    except fast.FallBack:
        return None
    issues.sort(key=lambda i: (i.file, i.row or 0))
    counts = {name: source.rows for name, source in sources.items()}
    if divisions is not None:
        counts["divisions"] = divisions.num_rows
    counts = {name: counts[name] for name in TABLES if name in counts}
    report = ValidationReport(issues=issues, counts=counts)
    if tables == "never" or (tables == "if_valid" and issues):
        return report
    if issues or not identity:
        return None
    report.tables = {"divisions": divisions} if divisions is not None else {}
    for name, source in sources.items():
        try:
            raw = read_raw_table(source.path, source.table)
        except SnapshotFileError:
            return None
        columns = [raw.data.column(c.name) for c in source.table.columns]
        report.tables[name] = pa.table(columns, schema=source.table.arrow_schema.with_metadata(None))
    report.tables = {name: report.tables[name] for name in TABLES if name in report.tables}
    return report


def load_snapshot(directory: Path) -> dict[str, pa.Table]:
    """The snapshot's four tables in contract types, or SnapshotInvalid naming every problem."""
    directory = Path(directory)
    report = _validate_fast(directory, "if_valid") or _validate_reference(directory)
    if not report.ok:
        raise SnapshotInvalid(report.issues)
    return report.tables
