"""Checking one uploaded table before anything is written.

The contract's typing and checks are the engine's (neisheng.engine.validation), so a
value means the same in an upload as in a snapshot; this module adds what only the
database can tell: does the village exist and lie within the uploader's scope, does the
household exist, is an ID number already registered in another household. Every problem
is reported with its spreadsheet row (header = row 1), never only the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from neisheng.accounts.masking import mask_id_number
from neisheng.engine import validation
from neisheng.engine.catalog import (
    RawTable,
    SnapshotFileError,
    raw_table,
    read_file_data,
    read_raw_table,
)
from neisheng.engine.schema import TABLES, VILLAGE_LEVEL
from neisheng.platform import scope
from neisheng.registry.lookups import ALREADY_REGISTERED

UPLOADABLE = ("households", "persons", "income_items")
FIRST_DATA_ROW = validation.FIRST_DATA_ROW
QUERY_CHUNK = 2_000  # keys per IN (...) query: well under every database's parameter limit

# Problems only the database can find, in the engine's (zh, en) form.
DATABASE_REASONS: dict[str, tuple[str, str]] = {
    "unreadable_upload": (
        "无法读取文件,请上传 Excel 工作簿(.xlsx)或 CSV 文件",
        "the file cannot be read; upload an Excel workbook (.xlsx) or a CSV file",
    ),
    "unknown_table": (
        "无法从表头识别是哪张表(农户、家庭成员或收支台账),请检查表头或在上传时选择表",
        "the headers match none of households, persons or ledger; check the headers or choose the table",
    ),
    "empty_upload": ("文件中没有数据行", "the file holds no data rows"),
    "village_out_of_scope": (
        "该村不在您的管辖范围内",
        "this village is outside the divisions you are responsible for",
    ),
    # Kept for batches stored before "not found" and "out of scope" became one answer.
    "household_not_found": (
        "系统中没有这个户编号(请先导入或登记农户)",
        "no household with this number in the registry (import or register the household first)",
    ),
    # One answer whether the household exists elsewhere or not at all: two answers would
    # tell a cadre which numbers of other villages are registered (issue 7, row 6).
    "household_out_of_scope": (
        "您的管辖范围内没有这个户编号(请先导入或登记农户)",
        ("no household with this number within the divisions you are responsible for "
         "(import or register the household first)"),
    ),
    # Kept for batches stored before registering a taken number got one answer.
    "person_in_other_household": (
        "该证件号码已登记在另一户中",
        "this ID number is already registered in another household",
    ),
    # The same words as the forms and the API, wherever the existing record lies (issue 7,
    # row 12): the unique key forces telling that the number is taken, nothing more.
    "already_registered": ALREADY_REGISTERED,
    # A row the registry's services refused on applying (their own words are stored).
    "invalid_value": ("该值不符合登记要求", "the value does not meet the registry's rules"),
    "duplicate_ledger_row": (
        "同一户同一年度同一项目在文件中出现多次",
        "the same household, year and item appear more than once in the file",
    ),
}


def reason_text(reason: str) -> tuple[str, str]:
    return DATABASE_REASONS.get(reason) or validation.REASONS[reason]


def issue_shown(issue: dict, table: str | None, *, english: bool) -> dict:
    """A stored problem as the preview shows it, in one language: the column by its label
    and the message. A value outside the allowed set names the allowed values, codes and
    labels, in that language (the engine's English names codes only: it knows no
    translations); the value and the codes are data (translate="no"), the rest words."""
    from django.utils.html import format_html, format_html_join
    from django.utils.translation import gettext

    column = issue.get("column")
    known = table in TABLES and column in TABLES[table].column_names
    spec = TABLES[table].column(column) if known else None
    message = issue["message_en"] if english else issue["message_zh"]
    if spec is not None and spec.choices and issue.get("reason") in ("unknown_code", "unknown_item"):
        reason = validation.REASONS[issue["reason"]][1 if english else 0]
        codes = [(code, gettext(label)) for code, label in spec.choices.items()]
        if english:
            allowed = format_html_join(", ", '<span translate="no">{}</span> ({})', codes)
            message = format_html("{} '<span translate=\"no\">{}</span>' is {} (allowed: {})",
                                  gettext(spec.zh), issue.get("value") or "", reason, allowed)
        else:
            allowed = format_html_join("、", '<span translate="no">{}</span> {}', codes)
            message = format_html("{}“<span translate=\"no\">{}</span>”{}(允许:{})",
                                  spec.zh, issue.get("value") or "", reason, allowed)
    return {**issue, "column_label": gettext(spec.zh) if spec is not None else (column or ""), "message": message}


@dataclass(frozen=True)
class UploadIssue:
    row: int | None
    column: str | None
    value: str | None
    reason: str
    # A sentence of the reader's own (a refused workbook names its far cell), else the reason's.
    message: tuple[str, str] | None = None

    @property
    def message_zh(self) -> str:
        return (self.message or reason_text(self.reason))[0]

    @property
    def message_en(self) -> str:
        return (self.message or reason_text(self.reason))[1]

    def as_dict(self, table: str | None) -> dict:
        column_zh = None
        if table and self.column and self.column in TABLES[table].column_names:
            column_zh = TABLES[table].column(self.column).zh
        return {
            "row": self.row, "column": self.column, "column_zh": column_zh, "value": self.value,
            "reason": self.reason, "message_zh": self.message_zh, "message_en": self.message_en,
        }


@dataclass
class UploadCheck:
    """What applying the upload would do, or why it cannot."""

    table: str | None
    issues: list[UploadIssue] = field(default_factory=list)
    rows: int = 0
    to_create: list[dict] = field(default_factory=list)
    to_update: list[tuple[object, dict]] = field(default_factory=list)  # (model instance, new values)
    # The spreadsheet row of each entry of to_create and to_update, to name it if refused.
    create_rows: list[int] = field(default_factory=list)
    update_rows: list[int] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def issue_dicts(self, limit: int | None = None) -> list[dict]:
        return [i.as_dict(self.table) for i in self.issues[:limit]]


# ---- Reading and typing -------------------------------------------------------------

class UploadUnreadable(Exception):
    """`message` is the reader's (zh, en) sentence when it gave one."""

    def __init__(self, text: str, message: tuple[str, str] | None = None):
        self.message = message
        super().__init__(text)


@contextmanager
def _readable(path: Path):
    try:
        yield
    except SnapshotFileError as exc:
        raise UploadUnreadable(exc.message_en, (exc.message_zh, exc.message_en)) from exc
    except Exception as exc:  # the Excel reader raises its own error types
        # Whatever a damaged or mislabelled file makes the readers raise, the cadre gets
        # one clear sentence instead of a server error.
        raise UploadUnreadable(str(exc)) from exc


def read_upload(path: Path, table: str) -> RawTable:
    with _readable(path):
        return read_raw_table(Path(path), TABLES[table])


def detect_table(path: Path, data: pa.Table) -> str | None:
    """The uploadable table whose columns the file's headers (English or Chinese) hold
    completely; failing that, the one with the most of them. `data` is the file read once
    (`catalog.read_file_data`): each table only renames its headers."""
    best, best_found = None, 0
    for name in UPLOADABLE:
        with _readable(path):
            raw = raw_table(path, data, TABLES[name])
        found = len(TABLES[name].columns) - len(raw.missing_columns)
        if not raw.missing_columns:
            return name
        if found > best_found:
            best, best_found = name, found
    # Two or three shared columns (户编号 alone) say nothing about which table was meant.
    return best if best_found > 3 else None


def type_table(raw: RawTable) -> tuple[pa.Table | None, list[UploadIssue]]:
    """The table in contract types and every problem a snapshot check would find within
    this one table (types, codes, ID numbers, duplicates)."""
    typed, issues = validation.check_table(raw)
    return typed, [UploadIssue(i.row, i.column, i.value, i.reason, i.message) for i in issues]


# ---- Database checks ----------------------------------------------------------------

def _chunks(keys: Iterable, size: int = QUERY_CHUNK):
    keys = list(keys)
    for start in range(0, len(keys), size):
        yield keys[start:start + size]


def _existing(queryset, field_name: str, keys: Iterable) -> dict:
    """{key: instance} for the keys present in `queryset`, queried in chunks."""
    found = {}
    for chunk in _chunks(set(keys) - {None}):
        for obj in queryset.filter(**{f"{field_name}__in": chunk}):
            found[getattr(obj, field_name)] = obj
    return found


def _keys_in(queryset, field_name: str, keys: Iterable) -> set:
    found = set()
    for chunk in _chunks(set(keys) - {None}):
        found.update(queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True))
    return found


def _row(index: int) -> int:
    return index + FIRST_DATA_ROW


def _field_values(table: str, record: dict) -> dict:
    """Model field values (attribute names) for one typed contract record."""
    values = dict(record)
    if table == "households":
        values["village_id"] = values.pop("village_code")
    return values


def _changed(instance, values: dict) -> bool:
    return any(getattr(instance, k) != v for k, v in values.items())


def _check_households(records: list[dict], user, result: UploadCheck) -> None:
    from neisheng.registry.models import Division, Household

    codes = [r["village_code"] for r in records]
    villages = _keys_in(Division.objects.filter(level=VILLAGE_LEVEL), "code", codes)
    own_villages = _keys_in(scope.visible_to(user, Division).filter(level=VILLAGE_LEVEL), "code", codes)
    ids = [r["household_id"] for r in records]
    existing = _existing(Household.objects.all(), "household_id", ids)
    visible = _keys_in(scope.visible_to(user, Household), "household_id", existing)
    out_of_scope = set()
    for index, record in enumerate(records):
        code, hid = record["village_code"], record["household_id"]
        if code is not None and code not in villages:
            result.issues.append(UploadIssue(_row(index), "village_code", code, "unknown_village"))
            out_of_scope.add(index)
        elif code is not None and code not in own_villages:
            # Nothing more is said of a row for another village: whether its household
            # exists there is not the uploader's to learn.
            result.issues.append(UploadIssue(_row(index), "village_code", code, "village_out_of_scope"))
            out_of_scope.add(index)
        elif hid in existing and hid not in visible:
            result.issues.append(UploadIssue(_row(index), "household_id", hid, "already_registered"))
            out_of_scope.add(index)
    _plan(records, existing, lambda r: r["household_id"], "households", result, skip=out_of_scope)


def _check_household_refs(records: list[dict], user, result: UploadCheck) -> set[int]:
    """Persons and ledger rows belong to a household already in the registry and in
    scope. Returns the indexes of the rows that fail: they get one answer, the same
    whether the household exists in another village or nowhere, and nothing else is
    looked up or counted for them."""
    from neisheng.registry.models import Household

    ids = [r["household_id"] for r in records]
    # Only the user's own households are looked up: what exists elsewhere cannot leak.
    visible = _keys_in(scope.visible_to(user, Household), "household_id", ids)
    failing = set()
    for index, record in enumerate(records):
        hid = record["household_id"]
        if hid is not None and hid not in visible:
            result.issues.append(UploadIssue(_row(index), "household_id", hid, "household_out_of_scope"))
            failing.add(index)
    return failing


def _check_persons(records: list[dict], user, result: UploadCheck) -> None:
    from neisheng.registry.models import Person

    out_of_scope = _check_household_refs(records, user, result)
    in_scope = [r for index, r in enumerate(records) if index not in out_of_scope]
    existing = _existing(Person.objects.all(), "person_id", [r["person_id"] for r in in_scope])
    for index, record in enumerate(records):
        pid = record["person_id"]
        if index in out_of_scope:
            continue
        if pid in existing and record["household_id"] is not None \
                and existing[pid].household_id != record["household_id"]:
            result.issues.append(
                UploadIssue(_row(index), "person_id", mask_id_number(pid), "already_registered")
            )
    _plan(records, existing, lambda r: r["person_id"], "persons", result, skip=out_of_scope)


def _ledger_key(record: dict) -> tuple:
    return record["household_id"], record["year"], record["item"]


def _check_ledger(records: list[dict], user, result: UploadCheck) -> None:
    from neisheng.registry.models import IncomeItem

    out_of_scope = _check_household_refs(records, user, result)
    rows_by_key = defaultdict(list)
    for index, record in enumerate(records):
        if None not in _ledger_key(record):
            rows_by_key[_ledger_key(record)].append(index)
    for key, indexes in rows_by_key.items():
        if len(indexes) > 1:
            for index in indexes:
                result.issues.append(
                    UploadIssue(_row(index), "item", "/".join(str(k) for k in key), "duplicate_ledger_row")
                )
    existing = {}
    in_scope = {r["household_id"] for index, r in enumerate(records) if index not in out_of_scope}
    for chunk in _chunks(in_scope - {None}):
        for item in IncomeItem.objects.filter(household_id__in=chunk).order_by("id"):
            # The ledger has no unique key in the database; the oldest row of a key is the one updated.
            existing.setdefault((item.household_id, item.year, item.item), item)
    _plan(records, existing, _ledger_key, "income_items", result, skip=out_of_scope)


def _plan(records: list[dict], existing: dict, key, table: str, result: UploadCheck,
          skip: set[int] = frozenset()) -> None:
    """Count what applying would create, change or leave; rows failing scope (`skip`)
    count in none of these, so the counts say nothing about records out of scope."""
    for index, record in enumerate(records):
        if index in skip:
            continue
        values = _field_values(table, record)
        instance = existing.get(key(record))
        if instance is None:
            result.to_create.append(values)
            result.create_rows.append(_row(index))
        elif _changed(instance, values):
            result.to_update.append((instance, values))
            result.update_rows.append(_row(index))
        else:
            result.unchanged += 1


DATABASE_CHECKS = {"households": _check_households, "persons": _check_persons, "income_items": _check_ledger}


def _check_registry_rules(table: str, result: UploadCheck) -> None:
    """What the registry's services would refuse on applying (the model's own rules, e.g.
    a name longer than the register holds), shown in the preview already."""
    from neisheng.registry.models import Household, IncomeItem, Person
    from neisheng.registry.services import records_problems

    model = {"households": Household, "persons": Person, "income_items": IncomeItem}[table]
    refused_new, refused_changes = records_problems(model=model, rows=result.to_create, changes=result.to_update)
    for rows, problems in ((result.create_rows, refused_new), (result.update_rows, refused_changes)):
        for p in problems:
            result.issues.append(UploadIssue(rows[p.index], p.column, None if p.value is None else str(p.value),
                                             "invalid_value", (p.message_zh, p.message_en)))


def mask_person_ids(issues: list[UploadIssue]) -> list[UploadIssue]:
    # ID numbers are masked wherever they are shown; the row number finds the record.
    return [
        UploadIssue(i.row, i.column, mask_id_number(i.value), i.reason, i.message)
        if i.column == "person_id" and i.value and "*" not in i.value else i
        for i in issues
    ]


def check_upload(*, path: Path, user, table: str | None = None) -> UploadCheck:
    """Read, type and check one uploaded file for `user`. Never raises for bad input:
    every problem is in the result's `issues`."""
    try:
        with _readable(path):
            data = read_file_data(Path(path))
        table = table or detect_table(path, data)
        if table is None:
            return UploadCheck(table=None, issues=[UploadIssue(None, None, None, "unknown_table")])
        with _readable(path):
            raw = raw_table(path, data, TABLES[table])
    except UploadUnreadable as exc:
        return UploadCheck(table=table, issues=[UploadIssue(None, None, None, "unreadable_upload", exc.message)])
    result = UploadCheck(table=table, rows=raw.data.num_rows)
    typed, issues = type_table(raw)
    result.issues.extend(issues)
    if typed is None:
        return result
    if typed.num_rows == 0:
        result.issues.append(UploadIssue(None, None, None, "empty_upload"))
        return result
    DATABASE_CHECKS[table](typed.to_pylist(), user, result)
    if result.ok:
        _check_registry_rules(table, result)
    result.issues = sorted(mask_person_ids(result.issues), key=lambda i: (i.row or 0, i.column or ""))
    return result
