"""Department feeds (feeds.md): the eleven layouts, read and checked as a whole.

A feed is a CSV (UTF-8 or GB18030) or Excel file with a header row, English column names
or the Chinese ones. `FEED_TYPES` is the one description of every layout: pages, the
upload check, the CLI and the demo's sample feeds read their columns from it.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.engine.catalog import SnapshotFileError, csv_encoding, read_file_data

# How a column's text becomes a value (see `feed_read`):
#   text    any text (stripped); required columns must not be empty
#   date    YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD and an Excel date cell)
#   month   YYYY-MM
#   year    a four-digit year
#   term    YYYY-spring or YYYY-autumn (also 2026春季 / 2026秋季)
#   amount  yuan, at most two decimals, at least 0
#   number  a number at least 0 (area in m²)
#   yesno   是/否 (also yes/no, true/false, 1/0)
#   choice  one of `choices` (codes or their Chinese labels)
COLUMN_KINDS = ("text", "date", "month", "year", "term", "amount", "number", "yesno", "choice")


@dataclass(frozen=True)
class FeedColumn:
    name: str
    header_zh: str
    kind: str
    required: bool = True
    # code -> Chinese label, for kind "choice"
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FeedType:
    code: str
    department: str          # the ledger's source code and the department's name in findings
    label_zh: str
    columns: tuple[FeedColumn, ...]   # the type's own columns, after the common ones

    @property
    def all_columns(self) -> tuple[FeedColumn, ...]:
        return COMMON_COLUMNS + self.columns


# Every feed has these; id_number may be empty or wrong, birth_date and address help
# matching when it is.
COMMON_COLUMNS = (
    FeedColumn("id_number", "证件号码", "text", required=False),
    FeedColumn("name", "姓名", "text"),
    FeedColumn("birth_date", "出生日期", "date", required=False),
    FeedColumn("address", "住址", "text", required=False),
)

DEPARTMENTS = {
    "public_security": "公安",
    "civil_affairs": "民政",
    "market_regulation": "市场监管",
    "housing": "住建",
    "education": "教育",
    "medical_insurance": "医保",
    "health": "卫健",
    "emergency": "应急管理",
}

FEED_TYPES: dict[str, FeedType] = {t.code: t for t in (
    FeedType("death", "public_security", "死亡人员", (
        FeedColumn("death_date", "死亡日期", "date"),
    )),
    FeedType("social_assistance", "civil_affairs", "低保特困救助", (
        FeedColumn("kind", "救助类别", "choice", choices=(("dibao", "低保"), ("tekun", "特困"))),
        FeedColumn("month", "月份", "month"),
        FeedColumn("amount", "金额", "amount"),
    )),
    FeedType("vehicle", "public_security", "机动车登记", (
        FeedColumn("plate", "号牌", "text"),
        FeedColumn("vehicle_type", "车辆类型", "choice", choices=(
            ("car", "小汽车"), ("truck", "货车"), ("motorcycle", "摩托车"), ("agricultural", "农用车"))),
        FeedColumn("registered_on", "登记日期", "date"),
    )),
    FeedType("company", "market_regulation", "工商注册", (
        FeedColumn("company", "企业名称", "text"),
        FeedColumn("role", "身份", "choice", choices=(
            ("legal_representative", "法定代表人"), ("shareholder", "股东"), ("manager", "高管"))),
    )),
    FeedType("property", "housing", "房产登记", (
        FeedColumn("address_of_property", "房产坐落", "text"),
        FeedColumn("area_m2", "面积", "number"),
        FeedColumn("urban", "城镇房产", "yesno"),
    )),
    FeedType("school_roll", "education", "学籍", (
        FeedColumn("school", "学校", "text"),
        FeedColumn("grade", "年级", "text"),
        FeedColumn("term", "学期", "term"),
    )),
    FeedType("school_fees", "education", "学费", (
        FeedColumn("year", "年度", "year"),
        FeedColumn("self_paid", "自付学费", "amount"),
    )),
    FeedType("medical_claims", "medical_insurance", "医保结算", (
        FeedColumn("kind", "类别", "choice", choices=(("inpatient", "住院"), ("outpatient", "门诊"))),
        FeedColumn("date", "结算日期", "date"),
        FeedColumn("self_pay", "个人自付", "amount"),
    )),
    FeedType("insurance_roll", "medical_insurance", "参保登记", (
        FeedColumn("year", "年度", "year"),
        FeedColumn("insured", "已参保", "yesno"),
    )),
    FeedType("serious_illness", "health", "大病确诊", (
        FeedColumn("diagnosis", "诊断", "text"),
        FeedColumn("diagnosed_on", "确诊日期", "date"),
    )),
    FeedType("disaster", "emergency", "受灾", (
        FeedColumn("event_date", "受灾日期", "date"),
        FeedColumn("loss", "损失金额", "amount"),
    )),
)}

MATCH_KINDS = ("exact", "probable", "review", "unmatched")
MATCH_KIND_LABELS = {"exact": "证件号一致", "probable": "概率匹配", "review": "待人工核对", "unmatched": "未匹配"}


# ---- Reading a feed file -------------------------------------------------------------
#
# A feed is read as text cells by the snapshot reader (engine.catalog: its encoding
# detection and its bounds on what a file may claim), then typed column by column with
# Arrow, so a million-row feed is typed in seconds. Every bad value is counted; the first
# `max_problems` are kept, in row order, each naming file, row, column, value and reason.

FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet numbers it
AMOUNT_TYPE = pa.decimal128(14, 2)
AMOUNT_MAX_DIGITS = 12  # before the decimal point: decimal128(14, 2)
YEAR_RANGE = (1900, 2100)
# feeds.md names these as the only columns a feed may leave out (they only help matching);
# every other column must be in the header, even when its values may be empty (id_number).
OPTIONAL_COLUMNS = ("birth_date", "address")
FEED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet")
TERM_SEASONS = {"spring": "spring", "春": "spring", "春季": "spring", "autumn": "autumn", "fall": "autumn",
                "秋": "autumn", "秋季": "autumn"}

REASONS: dict[str, tuple[str, str]] = {
    "required": ("必填项为空", "a required value is empty"),
    "not_a_date": ("不是有效日期(应为 年-月-日,如 2026-03-01)", "not a valid date (use YYYY-MM-DD, e.g. 2026-03-01)"),
    "not_a_month": ("不是有效月份(应为 年-月,如 2026-03)", "not a valid month (use YYYY-MM, e.g. 2026-03)"),
    "not_a_year": (f"不是有效年度(应为 {YEAR_RANGE[0]} 至 {YEAR_RANGE[1]} 之间的四位数字)",
                   f"not a valid year (four digits from {YEAR_RANGE[0]} to {YEAR_RANGE[1]})"),
    "not_a_term": ("不是有效学期(应为 2026春季 或 2026秋季 这样的写法)",
                   "not a valid term (use YYYY-spring or YYYY-autumn, e.g. 2026-autumn)"),
    "not_a_number": ("不是数字", "not a number"),
    "negative_amount": ("金额不能为负数", "the amount is negative"),
    "negative_number": ("不能为负数", "the number is negative"),
    "too_many_decimals": ("金额最多两位小数", "the amount has more than two decimal places"),
    "too_large": ("数值过大", "the number is too large"),
    "not_yes_no": ("不是“是/否”", "not a yes/no value"),
}
TRUE_WORDS = ("是", "true", "yes", "y", "1", "有", "√")
FALSE_WORDS = ("否", "false", "no", "n", "0", "无", "×")


@dataclass(frozen=True)
class FeedProblem:
    """One thing wrong with a feed file. `row` is the spreadsheet's row number (1 is the
    header, for a missing column); 0 means the file as a whole. `column` is the English
    column name, `column_zh` its Chinese header."""

    file: str
    row: int
    column: str
    value: str
    reason_zh: str
    reason_en: str
    column_zh: str = ""

    def sentence(self, language: str = "zh") -> str:
        if language.startswith("zh"):
            where = self.file
            if self.row:
                where += f" 第{self.row}行"
            if self.column:
                where += f"“{self.column_zh or self.column}”列"
            if self.value:
                where += f"的值“{self.value}”"
            return f"{where}:{self.reason_zh}"
        where = self.file
        if self.row:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.value:
            where += f", value “{self.value}”"
        return f"{where}: {self.reason_en}"


class FeedFileError(Exception):
    """A feed refused as a whole: `problems` are the first ones in row order, `total`
    counts them all."""

    def __init__(self, problems: list[FeedProblem], total: int | None = None):
        self.problems = problems
        self.total = len(problems) if total is None else total
        first = problems[0].sentence("en") if problems else ""
        super().__init__(f"{self.total} problem(s) in the feed; first: {first}")

    def sentence(self, language: str = "zh") -> str:
        """The first problem, and how many more there are, as one sentence."""
        first = self.problems[0].sentence(language) if self.problems else ""
        more = self.total - 1
        if more <= 0:
            return first
        return f"{first}(另有 {more} 处问题)" if language.startswith("zh") else f"{first} (and {more} more problems)"


class _Problems:
    """Problems found column by column, kept as row indices until the end so a file with
    a million bad values costs arrays, not a million objects."""

    def __init__(self, file: str, limit: int):
        self.file = file
        self.limit = limit
        self.total = 0
        self.found: list[tuple[int, int, FeedProblem]] = []  # (row, column order, problem)

    def add(self, problem: FeedProblem, order: int = 0) -> None:
        """One problem; those beyond the limit are only counted (callers add in row order)."""
        self.total += 1
        if len(self.found) < self.limit:
            self.found.append((problem.row, order, problem))

    def add_rows(self, mask, rows: np.ndarray, raw: pa.ChunkedArray, column: FeedColumn, order: int,
                 reason: tuple[str, str]) -> None:
        mask = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        where = np.flatnonzero(mask)
        if where.size == 0:
            return
        self.total += int(where.size)
        # The first `limit` of every column suffice: the kept ones are the first overall.
        where = where[: self.limit]
        values = pc.take(raw, pa.array(where)).to_pylist()
        for index, value in zip(where.tolist(), values):
            row = int(rows[index])
            self.found.append((row, order, FeedProblem(
                self.file, row, column.name, value or "", reason[0], reason[1], column.header_zh)))

    def kept(self) -> list[FeedProblem]:
        self.found.sort(key=lambda item: (item[0], item[1]))
        return [problem for _, _, problem in self.found[: self.limit]]


def _plain_header(name) -> str:
    """A header as typed: full-width brackets, a unit in brackets (金额(元)), any case."""
    text = unicodedata.normalize("NFKC", str(name)).strip().replace(" ", "")
    return re.sub(r"\(.*\)$", "", text).lower() or str(name).strip().lower()


def _null_if_empty(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed, empty as null; full-width digits, letters and spaces made plain (NFKC:
    only the values holding one, since normalising a million names costs seconds)."""
    if not pc.all(pc.string_is_ascii(values)).as_py():
        values = _rewritten(values, r"^[^\x{3000}\x{FF01}-\x{FF5E}]*$",
                            lambda odd: pc.utf8_normalize(odd, form="NFKC"))
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as text: cells of CSV and Excel are text already; a Parquet feed's typed
    columns (dates, numbers) are written out as a spreadsheet would show them."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values.cast(pa.string())
    if pa.types.is_boolean(values.type):
        return pc.if_else(values, "是", "否")
    if pa.types.is_timestamp(values.type):
        values = values.cast(pa.date32())
    if pa.types.is_floating(values.type):
        whole = pc.equal(values, pc.round(values))
        as_int = pc.cast(pc.if_else(whole, values, pa.scalar(None, values.type)), pa.int64(), safe=False)
        return pc.coalesce(pc.cast(as_int, pa.string()), pc.cast(values, pa.string()))
    return pc.cast(values, pa.string())


def _lookup(text, mapping: dict[str, object], out_type: pa.DataType):
    keys = pa.array(list(mapping), pa.string())
    targets = pa.array(list(mapping.values()), out_type)
    return pc.take(targets, pc.index_in(text, value_set=keys))


def _none(kind: pa.DataType):
    return pa.scalar(None, kind)


def _rewritten(text, canonical: str, rewrite):
    """`rewrite` applied only to the values not already written the canonical way: a
    feed writes its dates one way, so a million rows cost one match, not six rewrites."""
    odd = pc.invert(pc.fill_null(pc.match_substring_regex(text, canonical), True))
    if not pc.any(odd).as_py():
        return text
    if isinstance(text, pa.ChunkedArray):
        text, odd = text.combine_chunks(), odd.combine_chunks()
    return pc.replace_with_mask(text, odd, rewrite(pc.filter(text, odd)))


def _iso_date_text(text):
    text = pc.replace_substring_regex(text, r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
    text = pc.replace_substring_regex(text, r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    text = pc.replace_substring_regex(text, r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", r"\1-\2-\3")
    text = pc.replace_substring_regex(text, r"^(\d{4})-(\d)-", r"\1-0\2-")
    return pc.replace_substring_regex(text, r"^(\d{4}-\d{2})-(\d)$", r"\1-0\2")


def _dates(text):
    """YYYY-MM-DD, also YYYY/M/D, YYYY.M.D, YYYY年M月D日 and YYYYMMDD, and with a time
    of day after it (a CSV saved from a date-time cell); a date that does not exist is null."""
    iso = _rewritten(text, r"^\d{4}-\d{2}-\d{2}$", _iso_date_text)
    shaped = pc.match_substring_regex(iso, r"^\d{4}-\d{2}-\d{2}$")
    iso = pc.if_else(shaped, iso, _none(pa.string()))
    try:
        return pc.cast(iso, pa.date32())  # every date real: checked in one pass in C
    except pa.ArrowInvalid:
        pass
    parsed = pc.cast(pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
    # strptime rolls 2026-02-30 over to 2026-03-02; a date must keep the day it was written with.
    written_day = pc.cast(pc.utf8_slice_codeunits(iso, 8, 10), pa.int64())
    return pc.if_else(pc.not_equal(pc.day(parsed), written_day), _none(pa.date32()), parsed)


def _months(text):
    """YYYY-MM (also YYYY/M, YYYY.M, YYYY年M月, YYYYMM), or the first day of a month, which
    is what Excel makes of a cell typed as 2026-03."""
    canonical = r"^\d{4}-(0[1-9]|1[0-2])$"

    def rewrite(odd):
        month = pc.replace_substring_regex(odd, r"^(\d{4})[-/.年](\d{1,2})月?$", r"\1-\2")
        month = pc.replace_substring_regex(month, r"^(\d{4})(\d{2})$", r"\1-\2")
        month = pc.replace_substring_regex(month, r"^(\d{4})-(\d)$", r"\1-0\2")
        first_day = _dates(odd)
        on_first = pc.fill_null(pc.equal(pc.day(first_day), 1), False)
        return pc.if_else(on_first, pc.strftime(first_day, format="%Y-%m"), month)

    month = _rewritten(text, canonical, rewrite)
    return pc.if_else(pc.match_substring_regex(month, canonical), month, _none(pa.string()))


def _years(text):
    digits = _rewritten(text, r"^\d{4}$", lambda odd: pc.replace_substring_regex(odd, r"^(\d{4})(年|\.0+)?$", r"\1"))
    ok = pc.match_substring_regex(digits, r"^\d{4}$")
    years = pc.cast(pc.if_else(ok, digits, _none(pa.string())), pa.int32())
    inside = pc.and_(pc.greater_equal(years, YEAR_RANGE[0]), pc.less_equal(years, YEAR_RANGE[1]))
    return pc.if_else(inside, years, _none(pa.int32()))


def _terms(text):
    """YYYY-spring / YYYY-autumn, also 2026春季, 2026年秋季, 2026 Autumn."""
    canonical = r"^\d{4}-(spring|autumn)$"
    if pc.all(pc.fill_null(pc.match_substring_regex(text, canonical), True)).as_py():
        return text
    parts = pc.extract_regex(pc.utf8_lower(text), r"^(?P<year>\d{4})年?[-_ ]?(?P<season>[a-z]+|[春秋]季?)$")
    year = pc.struct_field(parts, "year")
    season = _lookup(pc.struct_field(parts, "season"), TERM_SEASONS, pa.string())
    return pc.binary_join_element_wise(year, season, "-")


def _numbers(text, column: FeedColumn, problems: _Problems, rows, raw, order: int):
    """Amounts (decimal, two places) and numbers (float); bad ones reported, then null."""
    plain = _rewritten(text, r"^[0-9.]*$", lambda odd: pc.replace_substring_regex(odd, r"[,¥￥]|元$", ""))
    amount = column.kind == "amount"
    pattern = rf"^\d{{1,{AMOUNT_MAX_DIGITS}}}(\.\d{{1,2}})?$" if amount else r"^\d+(\.\d+)?$"
    ok = pc.match_substring_regex(plain, pattern)
    good = pc.if_else(ok, plain, _none(pa.string()))
    values = pc.cast(good, AMOUNT_TYPE if amount else pa.float64())
    odd = pc.and_(pc.is_valid(plain), pc.invert(ok))
    if not pc.any(odd).as_py():
        return values
    # Few values are odd in a real feed: each is told apart in Python.
    odd_rows = np.flatnonzero(np.asarray(odd.to_numpy(zero_copy_only=False), dtype=bool))
    fixed = {}
    kinds = {"not_a_number": [], "negative_amount" if amount else "negative_number": [], "too_many_decimals": [],
             "too_large": []}
    for index, value in zip(odd_rows.tolist(), pc.take(plain, pa.array(odd_rows)).to_pylist()):
        try:
            number = Decimal(value)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            kinds["not_a_number"].append(index)
            continue
        if number < 0:
            kinds["negative_amount" if amount else "negative_number"].append(index)
        elif amount and number != number.quantize(Decimal("0.01")):
            kinds["too_many_decimals"].append(index)
        elif amount and number >= Decimal(10) ** AMOUNT_MAX_DIGITS:
            kinds["too_large"].append(index)
        else:  # 12.500, 1e3: the same amount written otherwise
            fixed[index] = number.quantize(Decimal("0.01")) if amount else float(number)
    for reason, bad in kinds.items():
        if bad:
            mask = np.zeros(len(text), dtype=bool)
            mask[bad] = True
            problems.add_rows(pa.array(mask), rows, raw, column, order, REASONS[reason])
    if not fixed:
        return values
    listed = values.to_pylist()
    for index, number in fixed.items():
        listed[index] = number
    return pa.chunked_array([pa.array(listed, values.type)])


def _typed(text, column: FeedColumn, problems: _Problems, rows, raw, order: int):
    """The column in its kind's type; every value that cannot be typed is reported."""
    kind = column.kind
    if kind == "text":
        return text
    if kind in ("amount", "number"):
        return _numbers(text, column, problems, rows, raw, order)
    if kind == "choice":
        mapping = {}
        for code, label in column.choices:
            mapping.update({code.lower(): code, label: code})
        values = _lookup(pc.utf8_lower(text), mapping, pa.string())
        labels = "、".join(label for _, label in column.choices)
        codes = ", ".join(code for code, _ in column.choices)
        reason = (f"不是允许的取值(允许:{labels})", f"not one of the allowed values ({codes})")
    elif kind == "date":
        values, reason = _dates(text), REASONS["not_a_date"]
    elif kind == "month":
        values, reason = _months(text), REASONS["not_a_month"]
    elif kind == "year":
        values, reason = _years(text), REASONS["not_a_year"]
    elif kind == "term":
        values, reason = _terms(text), REASONS["not_a_term"]
    elif kind == "yesno":
        words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
        values, reason = _lookup(pc.utf8_lower(text), words, pa.bool_()), REASONS["not_yes_no"]
    else:
        raise ValueError(f"unknown column kind {kind!r} of {column.name}")
    problems.add_rows(pc.and_(pc.is_valid(text), pc.is_null(values)), rows, raw, column, order, reason)
    return values


def _id_numbers(text):
    """Upper-cased, every space removed (a full-width one too, made plain by NFKC)."""
    return _rewritten(text, r"^[0-9X]*$", lambda odd: pc.utf8_upper(pc.replace_substring_regex(odd, r"\s+", "")))


def _arrow_type(column: FeedColumn) -> pa.DataType:
    return {"date": pa.date32(), "year": pa.int32(), "amount": AMOUNT_TYPE, "number": pa.float64(),
            "yesno": pa.bool_()}.get(column.kind, pa.string())


def feed_schema(feed_type: str) -> pa.Schema:
    """The columns `feed_read` returns for `feed_type`, in order."""
    columns = FEED_TYPES[feed_type].all_columns
    return pa.schema([pa.field("row", pa.int64())] + [pa.field(c.name, _arrow_type(c)) for c in columns])


def feed_read(path: Path, feed_type: str, *, file_name: str | None = None, max_problems: int = 1000) -> pa.Table:
    """The feed's data rows typed (see `feed_schema`), one per non-blank row, with `row`
    the spreadsheet's number; FeedFileError naming every bad row otherwise."""
    if feed_type not in FEED_TYPES:
        raise ValueError(f"unknown feed type {feed_type!r}; use one of {', '.join(FEED_TYPES)}")
    path = Path(path)
    file = file_name or path.name
    problems = _Problems(file, max_problems)
    # A kept upload may be stored under a name of its own: then the clerk's name says what it is.
    suffix = path.suffix.lower() if path.suffix.lower() in FEED_SUFFIXES else Path(file).suffix.lower()
    if suffix not in FEED_SUFFIXES:
        problems.add(FeedProblem(file, 0, "", "", "只能读取 CSV 或 Excel(.xlsx)文件",
                                 "only CSV or Excel (.xlsx) files can be read"))
        raise FeedFileError(problems.kept(), problems.total)
    try:
        if path.suffix.lower() != suffix:
            data = _read_as(path, suffix)
        else:
            data = read_file_data(path, keep_blank_rows=True)
    except SnapshotFileError as exc:
        if suffix == ".csv" and "CSV parse error" in exc.message_en:
            _ragged_rows(path, problems)
        if not problems.total:
            problems.add(FeedProblem(file, 0, "", "", exc.message_zh, exc.message_en))
        raise FeedFileError(problems.kept(), problems.total) from exc

    columns = FEED_TYPES[feed_type].all_columns
    aliases = {}
    for column in columns:
        aliases.setdefault(_plain_header(column.name), column.name)
        aliases.setdefault(_plain_header(column.header_zh), column.name)
    where: dict[str, int] = {}
    for index, header in enumerate(data.column_names):
        name = aliases.get(_plain_header(header))
        if name is not None:
            where[name] = index  # a header written twice: the later column wins
    for order, column in enumerate(columns):
        if column.name not in where and column.name not in OPTIONAL_COLUMNS:
            problems.add(FeedProblem(file, 1, column.name, "", f"缺少必需的列“{column.header_zh}”",
                                     f"the required column {column.name} is missing", column.header_zh), order)

    n = data.num_rows
    raw = {name: _as_text(data.column(index)) for name, index in where.items()}
    text = {name: _null_if_empty(values) for name, values in raw.items()}
    # A row with nothing in any of the feed's columns is a blank line: skipped, but counted
    # in the numbering, so row numbers stay the ones the clerk sees in the spreadsheet.
    filled = np.zeros(n, dtype=bool)
    for values in text.values():
        filled |= np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    keep = np.flatnonzero(filled)
    rows = keep.astype(np.int64) + FIRST_DATA_ROW
    if keep.size < n:
        take = pa.array(keep)
        raw = {name: pc.take(values, take) for name, values in raw.items()}
        text = {name: pc.take(values, take) for name, values in text.items()}
    if keep.size == 0 and not problems.total:
        problems.add(FeedProblem(file, 0, "", "", "文件没有数据行", "the file has no data rows"))

    out = {"row": pa.array(rows, pa.int64())}
    for order, column in enumerate(columns):
        if column.name not in text:
            out[column.name] = pa.nulls(keep.size, _arrow_type(column))
            continue
        values = text[column.name]
        shown = pc.utf8_trim_whitespace(pc.fill_null(raw[column.name], ""))
        if column.required:
            problems.add_rows(pc.is_null(values), rows, shown, column, order, REASONS["required"])
        if column.name == "id_number":
            values = _id_numbers(values)
        else:
            values = _typed(values, column, problems, rows, shown, order)
        out[column.name] = values
    if problems.total:
        raise FeedFileError(problems.kept(), problems.total)
    return pa.table(out, schema=feed_schema(feed_type))


def _read_as(path: Path, suffix: str) -> pa.Table:
    """A file read as the type `suffix` names, through a link carrying that suffix."""
    with tempfile.TemporaryDirectory(prefix="feed-") as folder:
        alias = Path(folder) / f"feed{suffix}"
        try:
            os.link(path, alias)
        except OSError:
            os.symlink(Path(path).absolute(), alias)
        return read_file_data(alias, keep_blank_rows=True)


def _ragged_rows(path: Path, problems: _Problems) -> None:
    """Every CSV row with more or fewer cells than the header, which the fast reader only
    reports one at a time and without its number; read again row by row (on failure only)."""
    import csv

    try:
        encoding = csv_encoding(path)
        with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
            reader = csv.reader(fh)
            width = len(next(reader, []))
            for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
                if cells and len(cells) != width:
                    shown = ",".join(cells)
                    shown = shown if len(shown) <= 80 else shown[:79] + "…"
                    problems.add(FeedProblem(
                        problems.file, number, "", shown, f"该行有 {len(cells)} 列,表头有 {width} 列",
                        f"the row has {len(cells)} cells and the header {width}"))
    except (SnapshotFileError, OSError, UnicodeDecodeError, csv.Error):
        pass  # the reader's own message stands
