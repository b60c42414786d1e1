"""The checks of `engine.validation` on Parquet files already in the contract's types,
done on what the files already hold, for snapshots of a million households.

The general path in `engine.validation` reads every table whole with its codes as
strings, then types and checks each column row by row, and reads ID numbers through
numpy's fixed-width text (3.6 GB and 11-16 s at a million households). Here:

- columns of codes and division codes are read as Parquet stores them, dictionary
  encoded, so each rule runs once per distinct value (a few dozen) and reaches the rows
  through the dictionary's indices;
- ID numbers are checked on their bytes (an 18-byte row of a numpy matrix), with no
  Python string made for any of them;
- household numbers of persons and ledger rows are looked up among the households'
  numbers first; only those not found are matched against the contract's pattern;
- one table is held at a time, and of the households only their numbers.

Issues are built by the same `_Collector`, in the same order, so the reasons, shown
values, messages and row numbers are those of the general path
(tests/engine/test_validation_fast.py compares both on messy snapshots). Anything
unusual — a file in other types, unreadable pages, an ID number holding characters
whose trimming needs Python's rules — raises FallBack, and the general path decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from neisheng import ids
from neisheng.engine import catalog
from neisheng.engine.schema import AMOUNT_TYPE, Column, Table

LARGE_TABLES = ("households", "persons", "income_items")
ID_CHUNK = 500_000
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int32)
_CHECK = np.array([ord(c) for c in "10X98765432"], dtype=np.uint8)
# Reasons in numbers, as ids.inspect_id_numbers names them.
ID_OK, ID_FORMAT, ID_BIRTH_DATE, ID_CHECKSUM = 0, 1, 2, 3
ID_REASONS = {"format": ID_FORMAT, "checksum": ID_CHECKSUM, "birth_date": ID_BIRTH_DATE}


class FallBack(Exception):
    """This snapshot is for the general path to decide."""


@dataclass
class Source:
    table: Table
    path: Path
    originals: dict[str, str]  # contract column -> the file's own header
    rows: int
    # Columns the file declares REQUIRED: Parquet stores no null for them at all (not a
    # statistic the file could get wrong, the layout of its pages).
    no_nulls: frozenset[str] = frozenset()


def parquet_source(directory: Path, table: Table) -> Source | None:
    """The table's Parquet file when it is in contract types (read from the footer);
    None when the snapshot has no file for it. FallBack for any other file."""
    path = catalog.table_file(directory, table)
    if path is None:
        return None
    if path.suffix != ".parquet":
        raise FallBack
    try:
        if path.stat().st_size == 0:
            raise FallBack
        metadata = pq.ParquetFile(path).metadata
        schema = metadata.schema.to_arrow_schema()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FallBack from exc
    if metadata.num_rows > catalog.PARQUET_MAX_ROWS or metadata.num_columns > catalog.SHEET_MAX_COLUMNS:
        raise FallBack
    # Headers matched as engine.catalog matches them (English or Chinese, full-width brackets).
    mapping = catalog._header_map(table)
    renamed = [mapping.get(catalog._plain_header(n), str(n).strip()) for n in schema.names]
    originals, no_nulls = {}, set()
    levels = {metadata.schema.column(i).path: metadata.schema.column(i).max_definition_level
              for i in range(metadata.num_columns)}
    for column in table.columns:
        where = [i for i, n in enumerate(renamed) if n == column.name]
        if len(where) != 1 or schema.field(where[0]).type != column.arrow_type:
            raise FallBack  # missing, doubled or of another type
        originals[column.name] = schema.names[where[0]]
        if levels.get(schema.names[where[0]]) == 0:
            no_nulls.add(column.name)
    return Source(table, path, originals, metadata.num_rows, frozenset(no_nulls))


# Columns the table checks read after the column checks.
_USED_LATER = {"household_id", "village_code", "person_id", "sex", "birth_date"}


def _unchecked(source: Source, column: Column) -> bool:
    """A column with nothing to check: no rule but `required` in its contract type, and
    stored without nulls. It is not read at all."""
    plain = column.kind in ("bool", "date") or (
        column.kind == "string" and not column.choices and column.pattern is None)
    return plain and column.name in source.no_nulls and column.name not in _USED_LATER


def _coded(column: Column) -> bool:
    """Columns read dictionary encoded: a few distinct values over many rows."""
    return bool(column.choices) or column.kind == "division_code"


def _read(source: Source, columns: list[Column]) -> pa.Table:
    names = [source.originals[c.name] for c in columns]
    coded = [source.originals[c.name] for c in columns if _coded(c)]
    try:
        data = pq.read_table(source.path, columns=names, read_dictionary=coded)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FallBack from exc  # damaged pages: the general path names the file
    return data.rename_columns([c.name for c in columns])


def _per_row(column: pa.ChunkedArray, per_value) -> pa.ChunkedArray:
    """A dictionary column's rows through `per_value(dictionary)` (one value per entry)."""
    return pa.chunked_array(
        [pc.take(per_value(chunk.dictionary), chunk.indices) for chunk in column.chunks],
        per_value(pa.array([], column.type.value_type)).type,
    )


def _with_values(column: pa.ChunkedArray, per_value) -> pa.ChunkedArray:
    """The dictionary column with each entry replaced by `per_value(entry)` (typed)."""
    return pa.chunked_array([
        pa.DictionaryArray.from_arrays(chunk.indices, per_value(chunk.dictionary))
        for chunk in column.chunks
    ], column.type)


def _add(report, mask, column: str, reason: str, shown: pa.ChunkedArray, allowed: Column | None = None):
    """`_Collector.add_rows`, with a dictionary column's values decoded for the rows shown
    (chunks' dictionaries differ, and a typed one holds nulls, which Arrow cannot unify)."""
    if not pc.any(mask).as_py():
        return
    if pa.types.is_dictionary(shown.type):
        shown = pa.chunked_array(
            [pc.take(chunk.dictionary, chunk.indices) for chunk in shown.chunks], shown.type.value_type
        )
    report.add_rows(mask, column, reason, shown, allowed=allowed)


@dataclass
class _State:
    identity: bool = True  # every typed column equals the file's own
    found: pa.ChunkedArray | None = None  # household numbers found among the households'


def _check_column(data: pa.Table, column: Column, report, state: _State,
                  known: pa.Array | None) -> pa.ChunkedArray:
    """`_coerce_column` on a column already in its contract type: the same checks in the
    same order, reported with the raw value; the typed column back. `known`: the
    households' numbers, for a column naming a household."""
    from neisheng.engine.validation_issues import _choice_mapping, _lookup

    name = column.name
    raw = data.column(name)
    values = raw
    if column.kind in ("string", "id_number", "division_code"):
        if column.choices:
            mapping = _choice_mapping(column)
            reason = "unknown_item" if name == "item" else "unknown_code"
            _add(report, 
                _per_row(raw, lambda d: pc.and_(pc.is_valid(d), pc.is_null(_lookup(d, mapping, pa.string())))),
                name, reason, raw, allowed=column,
            )
            for chunk in raw.chunks:
                codes = _lookup(chunk.dictionary, mapping, pa.string())
                if pc.any(pc.fill_null(pc.not_equal(codes, chunk.dictionary), False)).as_py():
                    state.identity = False  # a label or an upper-case code to map
            values = _with_values(raw, lambda d: _lookup(d, mapping, pa.string()))
        if column.kind == "id_number":
            values = _normalized_ids(raw, state)
        if column.kind == "division_code":
            def bad(d):
                return pc.fill_null(pc.invert(pc.match_substring_regex(d, r"^\d{12}$")), False)
            _add(report, _per_row(values, bad), name, "bad_division_code", raw)
            values = _with_values(values, lambda d: pc.if_else(bad(d), pa.scalar(None, pa.string()), d))
        if column.pattern is not None:
            pattern = f"^(?:{column.pattern})$"
            if pa.types.is_dictionary(values.type):
                def bad(d):
                    return pc.fill_null(pc.invert(pc.match_substring_regex(d, pattern)), False)
                _add(report, _per_row(values, bad), name, column.pattern_reason, raw)
                values = _with_values(values, lambda d: pc.if_else(bad(d), pa.scalar(None, pa.string()), d))
            else:
                # A number found among the households' (which all match) needs no matching.
                unsure = pc.is_valid(values)
                state.found = None
                if known is not None:
                    state.found = pc.is_in(values, value_set=known)
                    unsure = pc.and_(unsure, pc.invert(state.found))
                bad = np.zeros(len(values), dtype=bool)
                rows = np.flatnonzero(unsure.to_numpy(zero_copy_only=False))
                if rows.size:
                    matched = pc.match_substring_regex(pc.take(values, pa.array(rows)), pattern)
                    bad[rows] = ~matched.to_numpy(zero_copy_only=False)
                _add(report, pa.array(bad), name, column.pattern_reason, raw)
                if bad.any():
                    values = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), values)
    elif column.kind == "int":
        out = pa.scalar(False)
        if column.min_value is not None:
            out = pc.or_(out, pc.less(values, column.min_value))
        if column.max_value is not None:
            out = pc.or_(out, pc.greater(values, column.max_value))
        _add(report, out, name, "out_of_range", raw)
        values = pc.if_else(out, pa.scalar(None, values.type), values)
    elif column.kind == "decimal":
        negative = pc.less(values, pa.scalar(Decimal(0), AMOUNT_TYPE))
        _add(report, negative, name, "negative_amount", raw)
        values = pc.if_else(negative, pa.scalar(None, AMOUNT_TYPE), values)
    if not column.nullable:
        _add(report, pc.is_null(raw), name, "required", raw)
    return values


def _normalized_ids(raw: pa.ChunkedArray, state: _State) -> pa.ChunkedArray:
    """ids.normalize_id_numbers for numbers of printable ASCII: only a lower-case check
    'x' changes. Any other character (spaces, full-width digits, NULs) falls back, since
    numpy's trimming of them is the general path's rule."""
    for chunk in raw.chunks:
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        if len(chunk) and chunk.buffers()[2] is not None:
            data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
            if ((data < 0x21) | (data > 0x7E)).any():
                raise FallBack
    lower_x = pc.and_(pc.equal(pc.binary_length(raw), 18), pc.ends_with(raw, "x"))
    if not pc.any(lower_x).as_py():
        return raw
    state.identity = False
    upper = pc.binary_join_element_wise(pc.utf8_slice_codeunits(raw, 0, 17), "X", "")
    return pc.if_else(lower_x, upper, raw)


def inspect_id_bytes(numbers: pa.ChunkedArray, today: dt.date):
    """ids.inspect_id_numbers for ID numbers of printable ASCII, on their bytes. Per row:
    the reason (ID_OK, ID_FORMAT, ID_BIRTH_DATE, ID_CHECKSUM; ID_OK for a null), the birth
    date in days since 1970-01-01 (valid numbers only), whether the number is a man's, and
    a key equal for equal well-formed numbers (-1 for the others)."""
    n = len(numbers)
    reasons = np.full(n, ID_OK, dtype=np.int8)
    births = np.zeros(n, dtype=np.int64)
    male = np.zeros(n, dtype=bool)
    keys = np.full(n, -1, dtype=np.int64)
    start = 0
    for chunk in numbers.chunks:
        size = len(chunk)
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + size + 1]
        if chunk.null_count == 0 and size and (np.diff(offsets) == 18).all():
            # The usual file: every number 18 bytes, read in place as a matrix.
            data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
            rows = np.arange(start, start + size)
            matrix = data.reshape(-1, 18)
        else:
            present = pc.is_valid(chunk).to_numpy(zero_copy_only=False)
            eighteen = present & (np.diff(offsets) == 18)
            reasons[start:start + size][present & ~eighteen] = ID_FORMAT
            local = np.flatnonzero(eighteen)
            rows = start + local
            picked = pc.take(chunk, pa.array(local))
            picked_offsets = np.frombuffer(picked.buffers()[1], dtype=np.int32)[
                picked.offset:picked.offset + len(picked) + 1]
            data = (np.frombuffer(picked.buffers()[2], dtype=np.uint8)[picked_offsets[0]:picked_offsets[-1]]
                    if len(picked) else np.zeros(0, dtype=np.uint8))
            matrix = data.reshape(-1, 18)
        for first in range(0, matrix.shape[0], ID_CHUNK):
            part = slice(first, first + ID_CHUNK)
            r, b, m, k = _inspect_matrix(matrix[part], today)
            where = rows[part]
            reasons[where], births[where], male[where], keys[where] = r, b, m, k
        start += size
    return reasons, births, male, keys


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(year, month, day):
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm), in
    integers: numpy's datetime64 does the same, several times slower."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


_EARLIEST = (ids.EARLIEST_BIRTH_DATE - dt.date(1970, 1, 1)).days


def _inspect_matrix(cp: np.ndarray, today: dt.date):
    """The rules of ids._decode_chunk on an (n, 18) matrix of byte values."""
    is_digit = (cp >= 48) & (cp <= 57)
    last = cp[:, 17]
    last_upper = np.where(last == ord("x"), ord("X"), last)
    fmt_ok = is_digit[:, :17].all(axis=1) & (is_digit[:, 17] | (last_upper == ord("X")))
    # One contiguous row per position: sums position by position instead of a (slow,
    # integer) matrix product over millions of rows.
    d = np.ascontiguousarray(np.where(is_digit, cp - 48, 0).astype(np.int32).T)
    year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9]
    month = d[10] * 10 + d[11]
    day = d[12] * 10 + d[13]
    month_ok = (month >= 1) & (month <= 12)
    safe_month = np.where(month_ok, month, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _DAYS_IN_MONTH[safe_month] + ((safe_month == 2) & leap)
    day_ok = (day >= 1) & (day <= days_in_month)
    births = _days_from_civil(year.astype(np.int64), safe_month, np.where(day_ok, day, 1))
    today_days = (today - dt.date(1970, 1, 1)).days
    date_ok = month_ok & day_ok & (births >= _EARLIEST) & (births <= today_days)
    total = np.zeros(cp.shape[0], dtype=np.int32)
    key = np.zeros(cp.shape[0], dtype=np.int64)
    for i in range(17):
        total += d[i] * int(_WEIGHTS[i])
        key = key * 10 + d[i]
    sum_ok = _CHECK[total % 11] == last_upper
    reasons = np.full(cp.shape[0], ID_OK, dtype=np.int8)
    reasons[fmt_ok & date_ok & ~sum_ok] = ID_CHECKSUM
    reasons[fmt_ok & ~date_ok] = ID_BIRTH_DATE
    reasons[~fmt_ok] = ID_FORMAT
    valid = reasons == ID_OK
    check_value = np.where(is_digit[:, 17], d[17], 10)
    keys = np.where(fmt_ok, key * 11 + check_value, -1)
    return reasons, births, valid & (d[16] % 2 == 1), keys


def _repeated_ids(numbers: pa.ChunkedArray, keys: np.ndarray):
    """`validation._duplicates` of ID numbers: well-formed numbers compared by their
    integer keys (a sort instead of hashing millions of strings), the rest as text (no
    malformed number can equal a well-formed one)."""
    from neisheng.engine.validation_issues import _duplicates

    out = np.zeros(len(numbers), dtype=bool)
    formed = np.flatnonzero(keys >= 0)
    if formed.size:
        ordered = np.sort(keys[formed])
        twice = ordered[1:][ordered[1:] == ordered[:-1]]
        if twice.size:
            out[formed] = np.isin(keys[formed], twice)
    others = np.flatnonzero((keys < 0) & pc.is_valid(numbers).to_numpy(zero_copy_only=False))
    if others.size > 1:
        out[others] = _duplicates(pc.take(numbers, pa.array(others))).to_numpy(zero_copy_only=False)
    return out


# Rows of the ledger checked at a time: every check on it is within a row (but the
# lookup of its household, against numbers kept aside), so memory stays that of a part.
LEDGER_BATCH_ROWS = 1_048_576


def check_large_tables(sources: dict[str, Source], villages: pa.Array | None, issues: list) -> bool:
    """Append the issues of the large tables to `issues` as the general path finds them.
    Returns whether the files hold the typed tables as they are (nothing mapped).
    Households first (the others are looked up among them); then persons and the ledger
    side by side, each in its own thread (Arrow and numpy work outside the GIL) with its
    own list of issues: they are different files, and issues are sorted by file."""
    from concurrent.futures import ThreadPoolExecutor

    today = dt.date.today()
    identity = True
    known = None
    households = sources.get("households")
    if households is not None:
        state = _State()
        columns = _checked_columns(households)
        known = _table(households, _read(households, columns), columns, issues, 0, state, villages, None, today)
        identity = state.identity
        del columns
    jobs = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        if "persons" in sources:
            jobs.append(pool.submit(_persons, sources["persons"], known, today))
        if "income_items" in sources:
            jobs.append(pool.submit(_ledger, sources["income_items"], known, today))
        for job in jobs:
            found, same = job.result()  # FallBack from a thread reaches the caller here
            issues += found
            identity = identity and same
    return identity


def _checked_columns(source: Source) -> list[Column]:
    return [c for c in source.table.columns if not _unchecked(source, c)]


def _persons(source: Source, known, today) -> tuple[list, bool]:
    issues, state = [], _State()
    columns = _checked_columns(source)
    _table(source, _read(source, columns), columns, issues, 0, state, None, known, today)
    return issues, state.identity


def _ledger(source: Source, known, today) -> tuple[list, bool]:
    issues, state = [], _State()
    columns = _checked_columns(source)
    names = [source.originals[c.name] for c in columns]
    coded = [source.originals[c.name] for c in columns if _coded(c)]
    offset = 0
    try:
        batches = pq.ParquetFile(source.path, read_dictionary=coded).iter_batches(
            batch_size=LEDGER_BATCH_ROWS, columns=names)
        for group in _gathered(batches, LEDGER_BATCH_ROWS):
            data = pa.Table.from_batches(group).rename_columns([c.name for c in columns])
            _table(source, data, columns, issues, offset, state, None, known, today)
            offset += data.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise FallBack from exc
    return issues, state.identity


def _gathered(batches, rows: int):
    """The batches in lists of at least `rows` rows (the last may hold fewer). With
    dictionary-encoded columns the reader ends a batch at every row group, and each
    `_table` call builds a hash set of all the households' numbers: a ledger written in
    row groups of 128 k rows built that set 65 times at a million households (12 s)."""
    group, count = [], 0
    for batch in batches:
        group.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield group
            group, count = [], 0
    if group:
        yield group


def _table(source: Source, data: pa.Table, columns: list[Column], issues: list, offset: int,
           state: _State, villages, known, today):
    """The column checks and then the table checks of the general path, on `data` (the
    whole table, or rows `offset`.. of the ledger). Returns the households' numbers
    when `source` is the households table."""
    from neisheng.engine.validation_issues import _Collector, _duplicates

    name = source.table.name
    report = _Collector(issues, source.path.name, data, offset)
    typed = {
        c.name: _check_column(data, c, report, state, known if c.name == "household_id" else None)
        for c in columns
    }
    if name == "households":
        household_ids = typed["household_id"]
        if pc.count_distinct(household_ids).as_py() < len(household_ids) - household_ids.null_count:
            _add(report, _duplicates(household_ids), "household_id", "duplicate_household", household_ids)
        if villages is not None:
            value_set = pc.drop_null(villages)
            _add(report, _per_row(typed["village_code"], lambda d: pc.fill_null(
                pc.and_(pc.is_valid(d), pc.invert(pc.is_in(d, value_set=value_set))), False)),
                "village_code", "unknown_village", typed["village_code"])
        return pc.drop_null(household_ids).combine_chunks()
    if name == "persons":
        numbers = typed["person_id"]
        reasons, born, male, keys = inspect_id_bytes(numbers, today)
        for reason in ("format", "checksum", "birth_date"):
            _add(report, pa.array(reasons == ID_REASONS[reason]), "person_id", f"id_{reason}", numbers)
        present = pc.is_valid(numbers).to_numpy(zero_copy_only=False)
        id_ok = present & (reasons == ID_OK)
        birth = typed["birth_date"]
        stated_ok = pc.is_valid(birth).to_numpy(zero_copy_only=False)
        stated_birth = pc.fill_null(birth.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
        _add(report, pa.array(id_ok & stated_ok & (born != stated_birth)),
             "birth_date", "birth_date_mismatch", birth)
        sex = typed["sex"]
        # The general path compares the ID's 'male'/'female' with the typed code.
        if pc.any(_per_row(sex, lambda d: pc.fill_null(pc.and_(pc.is_valid(d), pc.invert(
                pc.is_in(d, value_set=pa.array(["male", "female"])))), False))).as_py():
            raise FallBack
        stated = _per_row(sex, lambda d: pc.if_else(pc.is_null(d), 0, pc.if_else(pc.equal(d, "male"), 1, 2)))
        stated = pc.fill_null(stated, 0).to_numpy(zero_copy_only=False)
        _add(report, pa.array(id_ok & (stated != 0) & ((stated == 1) != male)), "sex", "sex_mismatch", sex)
        _add(report, pa.array(_repeated_ids(numbers, keys)), "person_id", "duplicate_person", numbers)
    if known is not None:
        column = typed["household_id"]
        orphan = pc.and_(pc.is_valid(column), pc.invert(state.found))
        _add(report, orphan, "household_id", "orphan_row", column)
    return None
