"""Attendance and results of activities from one Excel workbook or CSV (issue 13, item 2):
all or nothing, every bad row named.

An area describes its sheet as `ImportColumn`s (English name and Chinese header: either is
accepted as the header) and gives `activity_import` a function `apply_rows(rows)` that
resolves persons within the user's scope and writes through the area's services. The file
is kept as it came (name, SHA-256, size) on an `ActivityImport`; then, inside one
transaction, the rows are read and typed, and `apply_rows` runs on those that read
cleanly (so every bad row is named in one pass). A problem anywhere (a value of the wrong
kind, a person not found, a service's refusal) rolls every write back and the import is
saved REFUSED with every problem (row, column, value, reason in Chinese
and English); otherwise APPLIED with the rows written.

Memory follows the rows, whatever the file claims: a workbook is measured before it is
opened (engine.catalog.check_workbook: zip bombs, far-away cells) and read row by row by
openpyxl's read-only reader; a CSV's encoding is decided by engine.catalog.csv_encoding
(UTF-8 or GB18030) and read by the csv module line by line; a sheet longer than
`MAX_ROWS` is refused whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import translation

from neisheng.accounts.access import ACTIVITIES_RECORD, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.services import audit_record
from neisheng.assistance.models import ActivityImport
from neisheng.platform import scope

# An attendance sheet is tens or hundreds of rows, a county's placements a few thousand;
# a sheet past this is not an activity sheet (and its problems would not be read).
MAX_ROWS = 20_000
MAX_COLUMNS = 40
# Problems kept on the import; past this one more line says how many there were.
PROBLEMS_KEPT = 1_000
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv")
KINDS = ("text", "date", "int", "decimal", "bool", "id_number", "choice")

_TRUE = {"是", "有", "已结业", "结业", "√", "✓", "y", "yes", "true", "1"}
_FALSE = {"否", "无", "未结业", "×", "✗", "n", "no", "false", "0"}
_DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]")


@dataclass(frozen=True)
class ImportColumn:
    """One column of an activity sheet. `name` is the English header (and the key of the
    typed row), `zh_header` the Chinese one. `required`: the column must be there and
    every row must fill it; an optional column may be missing or blank (None).
    `choices`: (code, label) pairs for kind "choice"; the code or the label (either
    language) is accepted and the row gets the code. `minimum`/`maximum` bound "int" and
    "decimal"; `max_length` bounds "text"."""

    name: str
    zh_header: str
    kind: str
    required: bool = True
    choices: Sequence[tuple[str, object]] | None = None
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    max_length: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"column {self.name!r} of kind choice needs choices")


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with an activity sheet. `row` is the spreadsheet's row number (1
    is the header, for a missing column); 0 means the file as a whole. `column` is the
    English name, `column_zh` the Chinese header. The value of an ID number column is kept
    masked: an import's problems are shown to everyone who may see the import."""

    row: int
    column: str
    value: str
    reason_zh: str
    reason_en: str
    column_zh: str = ""

    def reason(self, language: str | None) -> str:
        return self.reason_en if (language or "").startswith("en") else self.reason_zh

    def as_dict(self) -> dict:
        return asdict(self)


class ImportRefused(Exception):
    """Raised by an `apply_rows` (or a service it calls) to refuse the whole import with
    these problems; everything written so far is rolled back."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


def problem(row: int, column: ImportColumn | str, value, reason_zh: str, reason_en: str) -> RowProblem:
    """A problem of a row's cell; `column` an ImportColumn (its Chinese header is named)
    or an English column name."""
    if isinstance(column, ImportColumn):
        shown = mask_id_number(_text(value)) if column.kind == "id_number" else _text(value)
        return RowProblem(row, column.name, shown, reason_zh, reason_en, column.zh_header)
    return RowProblem(row, column, _text(value), reason_zh, reason_en)


# --------------------------------------------------------------------------- reading


class _Unreadable(Exception):
    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _plain_header(value) -> str:
    return re.sub(r"[\s*＊]", "", _text(value)).lower()


def _cells_of_workbook(path: Path) -> Iterator[Sequence]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    from neisheng.engine.catalog import CFB_MAGIC, ZIP_MAGIC, SnapshotFileError, check_workbook

    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == CFB_MAGIC:
        raise _Unreadable("旧版 Excel 文件(.xls)不能导入,请另存为 .xlsx 工作簿",
                          "a legacy Excel file (.xls) cannot be imported; save it as an .xlsx workbook")
    if not magic.startswith(ZIP_MAGIC):
        raise _Unreadable("不是 Excel 工作簿(.xlsx)", "not an Excel workbook (.xlsx)")
    try:
        check_workbook(path)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except SnapshotFileError as error:
        raise _Unreadable(error.message_zh, error.message_en) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError,
            OSError) as error:  # what openpyxl raises on a damaged workbook
        raise _Unreadable(f"无法读取工作簿({type(error).__name__})",
                          f"cannot read the workbook ({type(error).__name__})") from None
    try:
        # The first sheet: an activity sheet is one table.
        yield from workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError, OSError) as error:
        raise _Unreadable(f"无法读取工作簿({type(error).__name__})",
                          f"cannot read the workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def _cells_of_csv(path: Path) -> Iterator[Sequence]:
    from neisheng.engine.catalog import SnapshotFileError, csv_encoding

    try:
        encoding = csv_encoding(path)
    except SnapshotFileError as error:
        raise _Unreadable(error.message_zh, error.message_en) from None
    with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
        try:
            for cells in csv.reader(fh):
                yield cells[:MAX_COLUMNS]
        except csv.Error as error:
            raise _Unreadable(f"CSV 文件格式有误:{error}", f"the CSV file is malformed: {error}") from None


def _typed(column: ImportColumn, raw, row: int) -> tuple[object, RowProblem | None]:
    """The cell's value as the column's kind, or the problem that stops it."""
    text = _text(raw)
    if text == "":
        if column.required:
            return None, problem(row, column, "", f"“{column.zh_header}”不能为空", f"{column.name} is required")
        return None, None
    kind = column.kind
    if kind == "text":
        if column.max_length and len(text) > column.max_length:
            return None, problem(row, column, text[:60], f"“{column.zh_header}”不能超过 {column.max_length} 个字",
                                 f"{column.name} must be at most {column.max_length} characters")
        return text, None
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date(), None
        if isinstance(raw, dt.date):
            return raw, None
        for pattern in _DATE_PATTERNS:
            try:
                return dt.datetime.strptime(text, pattern).date(), None
            except ValueError:
                continue
        return None, problem(row, column, text, f"“{column.zh_header}”应写成 2026-03-01 这样的年月日",
                             f"{column.name} must be a date written like 2026-03-01")
    if kind in ("int", "decimal"):
        try:
            number = Decimal(text.replace(",", "").replace(",", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or (kind == "int" and number != number.to_integral_value()):
            zh, en = ("整数", "a whole number") if kind == "int" else ("数字", "a number")
            return None, problem(row, column, text, f"“{column.zh_header}”应为{zh}", f"{column.name} must be {en}")
        value = int(number) if kind == "int" else number
        if column.minimum is not None and value < column.minimum:
            return None, problem(row, column, text, f"“{column.zh_header}”不能小于 {column.minimum}",
                                 f"{column.name} must be at least {column.minimum}")
        if column.maximum is not None and value > column.maximum:
            return None, problem(row, column, text, f"“{column.zh_header}”不能大于 {column.maximum}",
                                 f"{column.name} must be at most {column.maximum}")
        return value, None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        word = text.lower()
        if word in _TRUE:
            return True, None
        if word in _FALSE:
            return False, None
        return None, problem(row, column, text, f"“{column.zh_header}”应填“是”或“否”",
                             f"{column.name} must be yes or no")
    if kind == "id_number":
        from neisheng.ids import is_valid

        if not _ID_NUMBER.fullmatch(text) or not is_valid(text):
            return None, problem(row, column, text, f"“{column.zh_header}”不是有效的18位身份证号码",
                                 f"{column.name} is not a valid 18-character ID number")
        return text[:17] + text[17].upper(), None
    # choice: the code, or the label in either language
    accepted = {}
    with translation.override("zh-hans"):
        labels_zh = [(code, str(label)) for code, label in column.choices]
    with translation.override("en"):
        labels_en = [(code, str(label)) for code, label in column.choices]
    for code, label in (*labels_zh, *labels_en):
        accepted.setdefault(str(code).lower(), code)
        accepted.setdefault(label.lower(), code)
    if text.lower() in accepted:
        return accepted[text.lower()], None
    allowed = "、".join(f"{code} {label}" for code, label in labels_zh)
    allowed_en = ", ".join(f"{code} ({label})" for code, label in labels_en)
    return None, problem(row, column, text, f"“{column.zh_header}”不是允许的取值(允许:{allowed})",
                         f"{column.name} is not an allowed value (allowed: {allowed_en})")


def rows_read(file, columns: Sequence[ImportColumn], *, file_name: str | None = None
              ) -> tuple[list[dict], list[RowProblem]]:
    """The sheet's data rows typed by `columns`: each a dict {"row": spreadsheet row
    number, column name: value or None}, blank rows skipped (their numbers still count);
    and every problem found. `file` is a path (or a kept FieldFile); `file_name` the
    name the user gave it, whose suffix decides the reader when the path's does not."""
    path = Path(getattr(file, "path", file))
    name = file_name or path.name
    suffix = path.suffix.lower() if path.suffix.lower() in ACCEPTED_SUFFIXES else Path(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        return [], [RowProblem(0, "", "", "只能导入 Excel 工作簿(.xlsx)或 CSV 文件",
                               "only an Excel workbook (.xlsx) or a CSV file can be imported")]
    cells = _cells_of_csv(path) if suffix == ".csv" else _cells_of_workbook(path)
    rows: list[dict] = []
    problems: list[RowProblem] = []
    try:
        header = next(cells, None) or ()
        aliases = {}
        for column in columns:
            aliases.setdefault(_plain_header(column.name), column)
            aliases.setdefault(_plain_header(column.zh_header), column)
        where: dict[str, int] = {}
        for index, cell in enumerate(header):
            column = aliases.get(_plain_header(cell))
            if column is not None and column.name not in where:  # a header written twice: the first wins
                where[column.name] = index
        missing = [c for c in columns if c.required and c.name not in where]
        if missing:
            return [], [RowProblem(1, c.name, "", f"缺少必需的列“{c.zh_header}”", f"the required column {c.name} is missing",
                                   c.zh_header) for c in missing]
        present = [c for c in columns if c.name in where]
        for number, values in enumerate(cells, start=2):
            raw = {c.name: (values[where[c.name]] if where[c.name] < len(values) else None) for c in present}
            if not any(_text(v) for v in raw.values()):
                continue  # a blank line: skipped, but counted, so numbers stay the spreadsheet's
            if len(rows) >= MAX_ROWS:
                return [], [RowProblem(number, "", "", f"表格超过 {MAX_ROWS:,} 行,请拆分后分别导入",
                                       f"the sheet has more than {MAX_ROWS:,} rows; split it")]
            typed = {"row": number}
            for column in columns:
                value, bad = _typed(column, raw.get(column.name), number)
                typed[column.name] = value
                if bad is not None:
                    problems.append(bad)
            rows.append(typed)
    except _Unreadable as error:
        return [], [RowProblem(0, "", "", error.zh, error.en)]
    finally:
        cells.close()
    if not rows and not problems:
        problems.append(RowProblem(0, "", "", "文件没有数据行", "the file has no data rows"))
    return rows, problems


# --------------------------------------------------------------------------- resolving persons


def persons_resolve(*, user, rows: list[dict], id_column: ImportColumn, name_column: ImportColumn | None = None,
                    once: bool = True) -> tuple[dict[int, object], list[RowProblem]]:
    """Each row's Person ({spreadsheet row: Person}) by the ID number in `id_column`,
    looked up within the user's scope only. A number not registered and one registered
    outside the scope get the same answer, so an import never tells who lives elsewhere.
    `name_column`: the name written must be the registry's. `once`: the same person on two
    rows is a bad row (the second names the first)."""
    from neisheng.registry.models import Person

    numbers = sorted({r[id_column.name] for r in rows if r.get(id_column.name)})
    found = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        found.update((p.person_id, p) for p in
                     scope.visible_to(user, Person).filter(person_id__in=chunk).select_related("household"))
    resolved: dict[int, object] = {}
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        number = row.get(id_column.name)
        if not number:
            continue
        person = found.get(number)
        if person is None:
            problems.append(problem(row["row"], id_column, number, "在您管辖范围内的登记中没有这个证件号码",
                                    "no one with this ID number is registered within your scope"))
            continue
        if name_column is not None and row.get(name_column.name) and row[name_column.name] != person.name:
            problems.append(problem(row["row"], name_column, row[name_column.name],
                                    "姓名与登记的该证件号码的姓名不一致",
                                    "the name differs from the registered name of this ID number"))
            continue
        if once and number in first_row:
            problems.append(problem(row["row"], id_column, number, f"与第 {first_row[number]} 行是同一个人",
                                    f"the same person as row {first_row[number]}"))
            continue
        first_row.setdefault(number, row["row"])
        resolved[row["row"]] = person
    return resolved, problems


def households_resolve(*, user, rows: list[dict], column: ImportColumn, once: bool = True
                       ) -> tuple[dict[int, object], list[RowProblem]]:
    """Each row's Household by the household number in `column`, within the user's scope
    (a number outside it is answered as not registered); `once` as in persons_resolve."""
    from neisheng.registry.models import Household

    numbers = sorted({r[column.name] for r in rows if r.get(column.name)})
    found = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start:start + 500]
        found.update((h.household_id, h) for h in scope.visible_to(user, Household).filter(household_id__in=chunk))
    resolved: dict[int, object] = {}
    problems: list[RowProblem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        number = row.get(column.name)
        if not number:
            continue
        household = found.get(number)
        if household is None:
            problems.append(problem(row["row"], column, number, "在您管辖范围内的登记中没有这个户编号",
                                    "no household with this number is registered within your scope"))
        elif once and number in first_row:
            problems.append(problem(row["row"], column, number, f"与第 {first_row[number]} 行是同一户",
                                    f"the same household as row {first_row[number]}"))
        else:
            first_row.setdefault(number, row["row"])
            resolved[row["row"]] = household
    return resolved, problems


# --------------------------------------------------------------------------- the import


def _kept(problems: Iterable[RowProblem]) -> list[dict]:
    problems = sorted(problems, key=lambda p: (p.row, p.column))
    kept = [p.as_dict() for p in problems[:PROBLEMS_KEPT]]
    if len(problems) > PROBLEMS_KEPT:
        more = len(problems) - PROBLEMS_KEPT
        kept.append(RowProblem(0, "", "", f"另有 {more:,} 个问题未列出,请先改正以上各行",
                               f"{more:,} more problems are not listed; correct the rows above first").as_dict())
    return kept


def import_file_apply(*, record, file, columns: Sequence[ImportColumn],
                      apply_rows: Callable[[list[dict]], list[RowProblem]],
                      around: Callable[[], AbstractContextManager] = nullcontext) -> tuple[list[dict], list[RowProblem]]:
    """The part every import record shares (an ActivityImport, a ProjectsImport: a model
    with file, file_name, sha256, size, outcome, problems and rows_written): keep `file` as
    it came with its SHA-256, read it, apply the rows that read cleanly inside `around()`
    and one transaction, roll everything back on any problem, and save the record APPLIED
    or REFUSED with every problem. Returns (rows read, problems)."""
    name = record.file_name
    record.file.save(name, file, save=False)
    with record.file.open("rb") as stored:
        record.sha256 = hashlib.file_digest(stored, "sha256").hexdigest()
    record.size = record.file.size
    rows, problems = rows_read(record.file, columns, file_name=name)
    # The rows that read cleanly are applied even when others did not, and rolled back
    # with them: every bad row is named in one pass, not one kind of problem per upload.
    bad_rows = {p.row for p in problems}
    whole_file = bool(bad_rows & {0, 1})
    clean = [row for row in rows if row["row"] not in bad_rows]
    if clean and not whole_file:
        try:
            with around(), transaction.atomic():
                applied = list(apply_rows(clean) or [])
                if applied or problems:
                    raise ImportRefused(applied)
        except ImportRefused as refused:
            problems = problems + list(refused.problems)
            if not problems:
                problems = [RowProblem(0, "", "", "导入被拒绝", "the import was refused")]
    outcome = type(record).Outcome
    if problems:
        record.outcome, record.problems, record.rows_written = outcome.REFUSED, _kept(problems), 0
    else:
        record.outcome, record.rows_written = outcome.APPLIED, len(rows)
    record.save()
    return rows, problems


@transaction.atomic
def activity_import(*, user, kind: str, file, division_code: str, columns: Sequence[ImportColumn],
                    apply_rows: Callable[[list[dict]], list[RowProblem]], training=None, meeting=None,
                    request=None) -> ActivityImport:
    """Keep the uploaded `file` (a Django UploadedFile) and apply its rows all or nothing
    (see the module's docstring). `apply_rows(rows)` gets the typed rows, writes through
    the services and returns the problems it found (or raises ImportRefused); its writes
    are rolled back when there is any. Needs ACTIVITIES_RECORD and `division_code` within
    the user's scope (PermissionDenied / Http404)."""
    if kind not in ActivityImport.Kind.values:
        raise ValueError(f"unknown activity import kind {kind!r}")
    if not user_may(user, ACTIVITIES_RECORD):
        raise PermissionDenied("无权登记帮扶活动 / not allowed to record activities")
    if not division_code or not scope.code_is_within(user, division_code):
        raise Http404("区划不在您的管辖范围内 / division outside your scope")
    name = Path(file.name).name[:255]
    record = ActivityImport(division_code=division_code, kind=kind, training=training, meeting=meeting,
                            file_name=name, uploaded_by=user)
    rows, problems = import_file_apply(record=record, file=file, columns=columns, apply_rows=apply_rows)
    audit_record(user=user, action="import", division_code=division_code, object_type="activity_import",
                 object_id=str(record.pk),
                 detail={"kind": kind, "file": name, "sha256": record.sha256, "outcome": record.outcome,
                         "rows": len(rows), "rows_written": record.rows_written, "problems": len(problems),
                         **({"training": training.pk} if training is not None else {}),
                         **({"meeting": meeting.pk} if meeting is not None else {})},
                 request=request)
    return record


# --------------------------------------------------------------------------- the form and where a result leads

# Where an import's result page sends the user back to, per kind (the area's list):
# each area adds its own in its register_<letter>() (e.g. RETURN_URLS["job_placement"] =
# "assistance:placements"). A training's or meeting's sheet goes back to it.
RETURN_URLS: dict[str, str] = {}


def _form_class():
    from django import forms
    from django.utils.translation import gettext_lazy

    from neisheng.transfers.forms import SpreadsheetUploadForm

    class ActivityImportForm(SpreadsheetUploadForm):
        file = forms.FileField(
            label=gettext_lazy("文件"),
            help_text=gettext_lazy("Excel 工作簿(.xlsx)或 CSV;第一行为表头(中文或英文列名)"),
            widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
        )

    return ActivityImportForm


ActivityImportForm = _form_class()


def refusal_problems(row: int, error: Exception, columns: dict[str, ImportColumn] | None = None) -> list[RowProblem]:
    """A service's refusal of one row as that row's problems, in both languages: a
    ValidationError's messages under the columns their fields came from (`columns`:
    {field name: ImportColumn}), Http404 (a record outside the user's scope) and
    PermissionDenied as one sentence each. Never names who was outside the scope."""
    from django.core.exceptions import ValidationError

    columns = columns or {}
    if isinstance(error, ValidationError):
        items = error.error_dict.items() if hasattr(error, "error_dict") else [("__all__", error.error_list)]
        out = []
        for name, errors in items:
            column = columns.get(name)
            for one in errors:
                zh, en = _both_languages(one)
                out.append(RowProblem(row, column.name, "", zh, en, column.zh_header) if column is not None
                           else RowProblem(row, "", "", zh, en))
        return out
    zh, _sep, en = str(error).partition(" / ")
    if isinstance(error, Http404):
        zh, en = "在您管辖范围内的登记中没有这条记录", "no such record is registered within your scope"
    return [RowProblem(row, "", "", zh, en or zh)]


def _both_languages(message) -> tuple[str, str]:
    """A ValidationError's message (an error or a lazy string) in Chinese and English."""
    from django.core.exceptions import ValidationError

    def rendered():
        if isinstance(message, ValidationError):
            text = message.message
            return str(text % message.params) if message.params else str(text)
        return str(message)

    with translation.override("zh-hans"):
        zh = rendered()
    with translation.override("en"):
        en = rendered()
    return zh, en
