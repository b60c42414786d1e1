"""Surveys (问卷调查, shared/spec/surveys.md): a questionnaire in YAML, the returned
responses read from Excel/CSV or from the database, the five validity rules, and the
report (回收率, 有效率, shares of each option by group, likert and number statistics,
cross-tabulations with a chi-square test, policy awareness/execution/satisfaction rates
per village).

Pure: no Django. Counts, shares, means and rates are Ibis expressions run on embedded
DuckDB unless the caller passes another Ibis backend (`con`); the chi-square is scipy's.

The questionnaire YAML is the spec's, with these extensions of ours:

* `straightline_min_items` (top level, default 5): how many likert items of one grid a
  respondent must have been asked for the straight-lining rule to apply to that grid.
* `rate: awareness | execution | satisfaction` with `rate_yes: [A, B]` on a single,
  multiple or likert question: the question counts toward 政策知晓率 / 执行到位率 / 满意率,
  and an answer is "yes" when it is (multiple choice: includes) one of `rate_yes` — option
  keys or labels, or likert values.
* `maps_to: <households column of the data contract>` (`willingness`,
  `participates_village_affairs`, `cooperative_member`, ...) with `maps: {A: true, B:
  false}`: the answer proposes that value for the respondent's household. `maps` may be
  left out when the answer itself is the value: a likert or number answer for an integer
  column (`will` → `willingness`), or a single choice whose option keys are the column's
  codes. Multiple-choice and text questions map to nothing.
* `options` on a likert question label its values (`{1: 很不同意, ..., 5: 很同意}`); the
  labels are then accepted as answers too. `scale` defaults to 5.
* Unknown keys are refused, so a misspelt `requried: false` is not silently ignored.

The responses table (what `responses_read`, `responses_table` and `responses_normalize`
return, and what `validity`, `survey_report` and `crosstab` take) is the spec's layout,
one row per returned questionnaire, every cell text:

    row            int64   the spreadsheet's row number: the header is row 1, the first
                           data row 2; blank rows are skipped but counted, so a number is
                           the one the clerk sees (feeds.md numbers rows the same way).
                           Records from the database are numbered 1, 2, ... in the order
                           given, unless a record carries its own `row`.
    respondent_id  string  as entered, trimmed (null when empty)
    group          string  the group's key when the cell is a key or a label, else the
                           cell as entered (an unknown group), null when empty
    household_id   string  optional in the file; null when absent
    village_code   string  optional in the file; null when absent
    <question code> string one column per question, in questionnaire order: the cell as
                           entered, trimmed, null when empty (never answered)

Cells are kept as entered so that an out-of-range answer can be shown as it was written;
each analysis parses them the same way (`Question.parse`): options by key or label (case
and full-width forms ignored), multiple choice split on `;`, `；`, `,`, `，` or `、`,
likert as an integer 1..scale, numbers as decimals (thousands separators allowed).

Validity follows surveys.md exactly; for the rules that depend on what a respondent was
asked, a row whose group is unknown counts as asked the questions asked of every group.
Rule 4 checks every answer given, including answers to questions the group is not asked
(such answers are otherwise ignored). A grid's straight-lining counts the items of that
grid the respondent's group is asked. Respondent ids are compared trimmed and with
full-width forms made plain; an empty id is never a duplicate.

Also here: `crosstab` (any two single, multiple or likert questions, or a question and
`"group"`), `registry_proposals` (what the `maps_to` answers propose for the households)
and `survey_excel` (the report as a workbook for people).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.engine.catalog import SHEET_MAX_COLUMNS, SnapshotFileError, read_file_data
from neisheng.engine.schema import TABLES

TYPES = ("single", "multiple", "likert", "number", "text")
RATES = {"awareness": "政策知晓率", "execution": "执行到位率", "satisfaction": "满意率"}
REASONS = ("duplicate", "unknown_group", "incomplete", "out_of_range", "straight_lining")
REASONS_ZH = {
    "duplicate": "重复问卷",
    "unknown_group": "调查对象不明",
    "incomplete": "必答题未答",
    "out_of_range": "答案超出范围",
    "straight_lining": "量表题答案全部相同",
}
FIXED_COLUMNS = ("respondent_id", "group", "household_id", "village_code")
# Columns a responses file may carry beyond its questions (a clerk's notes, a date).
SPARE_COLUMNS = 16
# Headers a data-entry template may use instead of the English column names.
FIXED_HEADERS_ZH = {
    "respondent_id": ("问卷编号", "受访者编号"),
    "group": ("调查对象", "群体"),
    "household_id": ("户编号",),
    "village_code": ("村代码",),
}
RESERVED_CODES = frozenset(("row",) + FIXED_COLUMNS)
FIRST_DATA_ROW = 2  # the header is row 1, as a spreadsheet numbers it
DEFAULT_STRAIGHTLINE_MIN_ITEMS = 5
DEFAULT_SCALE = 5
MAX_SCALE = 11  # a 0-10 or 1-11 rating is the widest scale in use
SEPARATORS = re.compile(r"[;,、]")  # after NFKC, which turns ；and ，into ; and ,
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")

# The households columns an answer may propose a value for: the two identifiers are who
# the response is about, not something it says.
MAPPABLE = {c.name: c for c in TABLES["households"].columns if c.name not in ("household_id", "village_code")}

_TOP_KEYS = ("code", "title", "groups", "straightline_min_items", "questions")
_QUESTION_KEYS = ("code", "text", "type", "options", "groups", "required", "scale", "min", "max", "grid",
                  "rate", "rate_yes", "maps_to", "maps")

DISTRIBUTION_SCHEMA = pa.schema([("question", pa.string()), ("group", pa.string()), ("option", pa.string()),
                                 ("count", pa.int64()), ("share", pa.float64())])
NUMERIC_SCHEMA = pa.schema([("question", pa.string()), ("group", pa.string()), ("count", pa.int64()),
                            ("mean", pa.float64()), ("min", pa.float64()), ("max", pa.float64())])
INVALID_SCHEMA = pa.schema([("row", pa.int64()), ("respondent_id", pa.string()), ("reasons", pa.string())])
RATES_SCHEMA = pa.schema([("village_code", pa.string()), ("rate", pa.string()), ("yes", pa.int64()),
                          ("answered", pa.int64()), ("share", pa.float64())])
VALIDITY_SCHEMA = pa.schema([("row", pa.int64()), ("respondent_id", pa.string()), ("valid", pa.bool_()),
                             ("reasons", pa.list_(pa.string()))])
CROSSTAB_SCHEMA = pa.schema([("row_option", pa.string()), ("column_option", pa.string()), ("count", pa.int64())])
SUMMARY_KEYS = ("issued", "returned", "valid", "response_rate", "validity_rate")


# ---- Errors ------------------------------------------------------------------------------


class QuestionnaireError(ValueError):
    """A questionnaire refused: one sentence naming the key (`questions.will.scale`), in
    Chinese and English."""

    def __init__(self, key: str, problem_zh: str, problem_en: str, *, source: str = "questionnaire"):
        self.key = key
        self.source = source
        self.problem_zh = problem_zh
        self.problem_en = problem_en
        super().__init__(f"{source}: {key}: {problem_zh} / {problem_en}")


class ResponsesError(ValueError):
    """A responses file that cannot be read as the questionnaire's: one sentence naming the
    file and, where one is to blame, the row (1 is the header), column and value."""

    def __init__(self, source: str, problem_zh: str, problem_en: str, *, row: int | None = None,
                 column: str | None = None, value: str | None = None):
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        self.problem_zh = problem_zh
        self.problem_en = problem_en
        super().__init__(f"{self.sentence('zh')} / {self.sentence('en')}")

    def sentence(self, language: str = "zh") -> str:
        where = self.source
        if language.startswith("zh"):
            if self.row:
                where += f" 第{self.row}行"
            if self.column:
                where += f"“{self.column}”列"
            if self.value:
                where += f"的值“{self.value}”"
            return f"{where}:{self.problem_zh}"
        if self.row:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.value:
            where += f", value “{self.value}”"
        return f"{where}: {self.problem_en}"


# ---- The questionnaire --------------------------------------------------------------------


def _norm(value) -> str:
    """A cell or header as compared: full-width letters, digits and punctuation made
    plain (Ａ；Ｂ is A;B), surrounding space removed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(value) -> str:
    return re.sub(r"\s+", "", _norm(value)).casefold()


@dataclass(frozen=True)
class Answer:
    """One cell parsed for its question: `options` the canonical values (option keys; the
    integer of a likert answer; the number written plainly; the text), `ok` whether every
    one is allowed, `number` for likert and number answers."""

    answered: bool
    ok: bool
    options: tuple[str, ...] = ()
    number: float | None = None


_UNANSWERED = Answer(answered=False, ok=True)


def _number_text(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _as_number(text: str) -> float | None:
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _split_choices(text: str, key_of, span: int) -> tuple[list[str], list[str | None]]:
    """A multiple-choice cell split into its options. Labels may hold a separator
    themselves (贫困户自身能力不足、缺少技术), so the longest run of pieces (at most `span`,
    the most any label has) that is a label is taken first."""
    pieces = re.split(f"({SEPARATORS.pattern})", text)
    words, glue = pieces[0::2], pieces[1::2]
    tokens: list[str] = []
    keys: list[str | None] = []
    i = 0
    while i < len(words):
        if not words[i].strip():
            i += 1
            continue
        for j in range(min(len(words), i + span), i, -1):
            candidate = "".join(w + s for w, s in zip(words[i:j], [*glue[i:j - 1], ""])).strip()
            key = key_of(candidate)
            if key is not None or j == i + 1:
                tokens.append(candidate)
                keys.append(key)
                i = j
                break
    return tokens, keys


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    type: str
    options: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    required: bool = True
    scale: int | None = None
    min: float | None = None
    max: float | None = None
    grid: str | None = None
    rate: str | None = None
    rate_yes: tuple[str, ...] = ()
    maps_to: str | None = None
    maps: dict[str, object] = field(default_factory=dict)

    def asked_of(self, group: str | None) -> bool:
        """Whether the group (a key) is asked this question (for an unknown group, see
        `Questionnaire.asked`)."""
        return group in self.groups

    @property
    def categories(self) -> tuple[str, ...]:
        """The answers a cross-tabulation counts: option keys, or the likert values."""
        if self.type in ("single", "multiple"):
            return tuple(self.options)
        if self.type == "likert":
            return tuple(str(v) for v in range(1, (self.scale or DEFAULT_SCALE) + 1))
        return ()

    def _lookup(self) -> dict[str, str]:
        lookup: dict[str, str] = {}
        for key, label in self.options.items():
            lookup.setdefault(_norm(key), key)
            lookup.setdefault(_norm(label), key)
        for key, label in self.options.items():
            lookup.setdefault(_norm(key).casefold(), key)
            lookup.setdefault(_norm(label).casefold(), key)
        return lookup

    def parse(self, value, lookup: dict[str, str] | None = None) -> Answer:
        """A cell (text, or a database value: a list of keys, a number) as this question
        reads it."""
        if value is None:
            return _UNANSWERED
        if isinstance(value, (list, tuple)):
            value = ";".join(str(v) for v in value if v is not None)
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        text = _norm(value)
        if not text:
            return _UNANSWERED
        lookup = self._lookup() if lookup is None else lookup

        def key_of(token: str) -> str | None:
            return lookup.get(token) or lookup.get(token.casefold())

        if self.type == "single":
            key = key_of(text)
            return Answer(True, key is not None, (key or text,))
        if self.type == "multiple":
            key = key_of(text)  # a label may itself hold a comma
            if key is not None:
                return Answer(True, True, (key,))
            span = max((len(SEPARATORS.findall(_norm(label))) + 1 for label in self.options.values()), default=1)
            tokens, keys = _split_choices(text, key_of, span)
            if not tokens:
                return _UNANSWERED
            chosen = tuple(dict.fromkeys(k or t for k, t in zip(keys, tokens)))
            return Answer(True, all(k is not None for k in keys), chosen)
        if self.type == "likert":
            key = key_of(text)
            number = float(key) if key is not None else _as_number(text)
            if number is None or not number.is_integer():
                return Answer(True, False, (text,))
            ok = 1 <= number <= (self.scale or DEFAULT_SCALE)
            return Answer(True, ok, (_number_text(number),), number)
        if self.type == "number":
            number = _as_number(text)
            if number is None:
                return Answer(True, False, (text,))
            ok = (self.min is None or number >= self.min) and (self.max is None or number <= self.max)
            return Answer(True, ok, (_number_text(number),), number)
        return Answer(True, True, (text,))

    def is_yes(self, answer: Answer) -> bool:
        """Whether an answer counts toward the question's rate (`rate_yes`)."""
        return answer.answered and answer.ok and any(o in self.rate_yes for o in answer.options)

    def mapped(self, answer: Answer):
        """The value the answer proposes for the household's `maps_to` column, or None."""
        if self.maps_to is None or not answer.answered or not answer.ok or len(answer.options) != 1:
            return None
        option = answer.options[0]
        if self.maps:
            return self.maps.get(option)
        column = MAPPABLE[self.maps_to]
        if column.kind == "int":
            number = answer.number
            if number is None or not number.is_integer():
                return None
            if (column.min_value is not None and number < column.min_value) or (
                    column.max_value is not None and number > column.max_value):
                return None
            return int(number)
        return option


@dataclass(frozen=True)
class Questionnaire:
    code: str
    title: str
    groups: dict[str, str]
    questions: tuple[Question, ...]
    straightline_min_items: int = DEFAULT_STRAIGHTLINE_MIN_ITEMS

    def question(self, code: str) -> Question:
        for q in self.questions:
            if q.code == code:
                return q
        raise KeyError(code)

    def asked(self, group: str | None) -> tuple[Question, ...]:
        """The questions a group (key) is asked; for an unknown group (a value that is not
        a key, or None), the questions every group is asked."""
        if group in self.groups:
            return tuple(q for q in self.questions if group in q.groups)
        return tuple(q for q in self.questions if set(self.groups) <= set(q.groups))

    def group_key(self, value) -> str | None:
        """The key of a group written as its key or its label, None when it is neither."""
        if value is None:
            return None
        text = _norm(value)
        for key, label in self.groups.items():
            if text == _norm(key) or text == _norm(label):
                return key
        folded = text.casefold()
        for key in self.groups:
            if folded == _norm(key).casefold():
                return key
        return None

    @property
    def grids(self) -> dict[str, tuple[Question, ...]]:
        grids: dict[str, list[Question]] = {}
        for q in self.questions:
            if q.grid is not None and q.type == "likert":
                grids.setdefault(q.grid, []).append(q)
        return {name: tuple(items) for name, items in grids.items()}


class _Checker:
    """Reads the YAML's mappings, refusing each problem with the key that holds it."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, zh: str, en: str):
        raise QuestionnaireError(key, zh, en, source=self.source)

    def mapping(self, value, key: str) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "应为“键: 值”的映射", "must be a mapping of key: value")
        return value

    def text(self, value, key: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            self.fail(key, "应为非空文字", "must be non-empty text")
        return str(value).strip()

    def known_keys(self, mapping: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for name in mapping:
            if name not in allowed:
                self.fail(f"{prefix}{name}", f"不认识的键,可用的键有 {'、'.join(allowed)}",
                          f"unknown key; the keys are {', '.join(allowed)}")

    def integer(self, value, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"应为整数,而不是“{value}”", f"must be a whole number, not {value!r}")
        return value


def questionnaire_parse(text: str, *, source: str = "questionnaire") -> Questionnaire:
    """The questionnaire a YAML text describes; QuestionnaireError naming the key of the
    first problem otherwise. `source` (a file name) starts the sentence."""
    import yaml

    check = _Checker(source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "yaml"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        check.fail(where, f"不是有效的 YAML({problem})", f"not valid YAML ({problem})")
    if not isinstance(data, dict):
        check.fail("questionnaire", "问卷应为 code、title、groups、questions 的映射",
                   "a questionnaire is a mapping with code, title, groups and questions")
    check.known_keys(data, _TOP_KEYS, "")
    for name in ("code", "groups", "questions"):
        if name not in data:
            check.fail(name, "缺少必填项", "is missing")
    code = check.text(data["code"], "code")
    title = check.text(data["title"], "title") if data.get("title") is not None else code

    groups: dict[str, str] = {}
    labels: set[str] = set()
    for key, label in check.mapping(data["groups"], "groups").items():
        key = check.text(key, "groups")
        label = check.text(label, f"groups.{key}")
        if _norm(label) in labels:
            check.fail(f"groups.{key}", f"名称“{label}”与另一类对象重复", f"the label {label!r} is another group's")
        groups[key] = label
        labels.add(_norm(label))
    if not groups:
        check.fail("groups", "至少要有一类调查对象", "must name at least one group")
    for key, label in groups.items():
        # A cell holding it could not say which group it means.
        if any(other != key and _norm(key) == _norm(other_label) for other, other_label in groups.items()):
            check.fail(f"groups.{key}", "代码与另一类对象的名称相同", "the key is another group's label")

    min_items = data.get("straightline_min_items", DEFAULT_STRAIGHTLINE_MIN_ITEMS)
    min_items = check.integer(min_items, "straightline_min_items")
    if min_items < 2:
        check.fail("straightline_min_items", "至少为 2", "must be at least 2")

    raw_questions = data["questions"]
    if not isinstance(raw_questions, list) or not raw_questions:
        check.fail("questions", "应为至少一道题的列表", "must be a list of at least one question")
    questions: list[Question] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_questions, start=1):
        q = _question(check, raw, index, groups)
        if q.code in seen:
            check.fail(f"questions[{index}].code", f"题目代码“{q.code}”重复", f"the question code {q.code!r} is repeated")
        seen.add(q.code)
        questions.append(q)
    return Questionnaire(code=code, title=title, groups=groups, questions=tuple(questions),
                         straightline_min_items=min_items)


def _question(check: _Checker, raw, index: int, groups: dict[str, str]) -> Question:
    if not isinstance(raw, dict):
        check.fail(f"questions[{index}]", "每道题应为映射(code、text、type …)",
                   "each question is a mapping (code, text, type ...)")
    if "code" not in raw:
        check.fail(f"questions[{index}].code", "缺少题目代码", "the question has no code")
    code = check.text(raw["code"], f"questions[{index}].code")
    at = f"questions.{code}."
    check.known_keys(raw, _QUESTION_KEYS, at)
    if code in RESERVED_CODES:
        check.fail(f"{at}code", f"“{code}”是回收数据的固定列名,不能作题目代码",
                   f"{code!r} is a column of every responses file and cannot be a question code")
    if "type" not in raw:
        check.fail(f"{at}type", "缺少题型", "the question has no type")
    qtype = raw["type"]
    if qtype not in TYPES:
        check.fail(f"{at}type", f"未知题型“{qtype}”,应为 {'、'.join(TYPES)} 之一",
                   f"unknown question type {qtype!r}; use one of {', '.join(TYPES)}")
    text = check.text(raw["text"], f"{at}text") if raw.get("text") is not None else code

    if "groups" in raw:
        asked = raw["groups"]
        if isinstance(asked, str):
            asked = [asked]
        if not isinstance(asked, list) or not asked:
            check.fail(f"{at}groups", "应为调查对象代码的列表", "must be a list of group keys")
        for g in asked:
            if g not in groups:
                check.fail(f"{at}groups", f"未知的调查对象“{g}”,应为 {'、'.join(groups)} 之一",
                           f"unknown group {g!r}; use one of {', '.join(groups)}")
        asked_groups = tuple(g for g in groups if g in asked)
    else:
        asked_groups = tuple(groups)

    required = raw.get("required", True)
    if not isinstance(required, bool):
        check.fail(f"{at}required", "应为 true 或 false", "must be true or false")

    scale = None
    if qtype == "likert":
        scale = check.integer(raw.get("scale", DEFAULT_SCALE), f"{at}scale")
        if not 2 <= scale <= MAX_SCALE:
            check.fail(f"{at}scale", f"量表级数应在 2 到 {MAX_SCALE} 之间", f"must be between 2 and {MAX_SCALE}")
    elif "scale" in raw:
        check.fail(f"{at}scale", "只有量表题(likert)有级数", "only a likert question has a scale")

    options = _options(check, raw, at, qtype, scale)

    bounds: dict[str, float | None] = {"min": None, "max": None}
    for name in ("min", "max"):
        if name not in raw or raw[name] is None:
            continue
        if qtype != "number":
            check.fail(f"{at}{name}", "只有数值题(number)有上下限", "only a number question has min and max")
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            check.fail(f"{at}{name}", f"应为数字,而不是“{value}”", f"must be a number, not {value!r}")
        bounds[name] = float(value)
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        check.fail(f"{at}max", "上限小于下限", "is below min")

    grid = None
    if raw.get("grid") is not None:
        if qtype != "likert":
            check.fail(f"{at}grid", "只有量表题(likert)可归入矩阵(grid)", "only a likert question can be in a grid")
        grid = check.text(raw["grid"], f"{at}grid")

    question = Question(code=code, text=text, type=qtype, options=options, groups=asked_groups,
                        required=required, scale=scale, min=bounds["min"], max=bounds["max"], grid=grid)
    rate, rate_yes = _rate(check, raw, at, question)
    maps_to, maps = _maps(check, raw, at, question)
    return Question(code=code, text=text, type=qtype, options=options, groups=asked_groups,
                    required=required, scale=scale, min=bounds["min"], max=bounds["max"], grid=grid,
                    rate=rate, rate_yes=rate_yes, maps_to=maps_to, maps=maps)


def _options(check: _Checker, raw: dict, at: str, qtype: str, scale: int | None) -> dict[str, str]:
    if qtype in ("single", "multiple"):
        if not raw.get("options"):
            check.fail(f"{at}options", "单选题和多选题必须列出选项", "a single or multiple choice question needs options")
    elif "options" in raw and qtype != "likert":
        check.fail(f"{at}options", "只有单选、多选和量表题有选项", "only single, multiple and likert questions have options")
    if not raw.get("options"):
        return {}
    options: dict[str, str] = {}
    for key, label in check.mapping(raw["options"], f"{at}options").items():
        if isinstance(key, bool):
            check.fail(f"{at}options.{str(key).lower()}", "YAML 把这个选项代码读成了真/假,请加引号",
                       "YAML reads this option key as true/false; put it in quotes")
        key = check.text(key, f"{at}options")
        where = f"{at}options.{key}"
        if qtype == "likert":
            if not key.isdigit() or not 1 <= int(key) <= (scale or DEFAULT_SCALE):
                check.fail(where, f"量表选项应为 1 到 {scale} 的整数", f"a likert option must be a whole number 1 to {scale}")
            key = str(int(key))
        elif SEPARATORS.search(_norm(key)):
            check.fail(where, "选项代码不能含分隔符(;,、)", "an option key cannot hold a separator (; , 、)")
        label = check.text(label, where)
        if _norm(key) in {_norm(k) for k in options}:
            check.fail(where, "选项代码重复", "the option key is repeated")
        if _norm(label) in {_norm(v) for v in options.values()}:
            check.fail(where, f"选项内容“{label}”重复", f"the option label {label!r} is repeated")
        options[key] = label
    keys = {_norm(k) for k in options}
    for key, label in options.items():
        if _norm(label) in keys and _norm(label) != _norm(key):
            check.fail(f"{at}options.{key}", f"选项内容“{label}”是另一个选项的代码",
                       f"the label {label!r} is another option's key")
    return options


def _resolve(check: _Checker, question: Question, value, where: str) -> str:
    """An option key, label or likert value written in the YAML, as the answer it means."""
    if isinstance(value, bool):
        check.fail(where, "YAML 把这个值读成了真/假,请加引号", "YAML reads this value as true/false; put it in quotes")
    answer = question.parse(value)
    if not answer.answered or not answer.ok or len(answer.options) != 1:
        allowed = "、".join(question.categories)
        check.fail(where, f"“{value}”不是本题的选项({allowed})",
                   f"{value!r} is not an answer of the question ({', '.join(question.categories)})")
    return answer.options[0]


def _rate(check: _Checker, raw: dict, at: str, question: Question) -> tuple[str | None, tuple[str, ...]]:
    rate = raw.get("rate")
    if rate is None:
        if raw.get("rate_yes") is not None:
            check.fail(f"{at}rate_yes", "没有 rate 时不能有 rate_yes", "rate_yes needs a rate")
        return None, ()
    if rate not in RATES:
        check.fail(f"{at}rate", f"未知的比率“{rate}”,应为 {'、'.join(RATES)} 之一",
                   f"unknown rate {rate!r}; use one of {', '.join(RATES)}")
    if question.type not in ("single", "multiple", "likert"):
        check.fail(f"{at}rate", "只有单选、多选和量表题能计入比率", "only a single, multiple or likert question counts toward a rate")
    yes = raw.get("rate_yes")
    if yes is None:
        check.fail(f"{at}rate_yes", "应列出算作“是”的选项", "must list the answers that count as yes")
    if not isinstance(yes, list):
        yes = [yes]
    if not yes:
        check.fail(f"{at}rate_yes", "应列出算作“是”的选项", "must list the answers that count as yes")
    return rate, tuple(dict.fromkeys(_resolve(check, question, v, f"{at}rate_yes") for v in yes))


def _maps(check: _Checker, raw: dict, at: str, question: Question) -> tuple[str | None, dict[str, object]]:
    target = raw.get("maps_to")
    if target is None:
        if raw.get("maps") is not None:
            check.fail(f"{at}maps", "没有 maps_to 时不能有 maps", "maps needs maps_to")
        return None, {}
    if target not in MAPPABLE:
        check.fail(f"{at}maps_to", f"“{target}”不是农户表可由问卷更新的字段({'、'.join(MAPPABLE)})",
                   f"{target!r} is not a households column a survey may propose ({', '.join(MAPPABLE)})")
    if question.type not in ("single", "likert", "number"):
        check.fail(f"{at}maps_to", "只有单选、量表和数值题能对应台账字段",
                   "only a single choice, likert or number question can map to a registry column")
    column = MAPPABLE[target]
    given = raw.get("maps")
    if given is None:
        if column.kind == "int" and question.type in ("likert", "number"):
            if question.type == "likert" and (
                    (column.min_value is not None and column.min_value > 1)
                    or (column.max_value is not None and column.max_value < question.scale)):
                check.fail(f"{at}maps", f"1–{question.scale} 的答案超出 {target} 的范围"
                           f"({column.min_value}–{column.max_value}),请用 maps 对应",
                           f"answers 1–{question.scale} do not fit {target} ({column.min_value}–"
                           f"{column.max_value}); give maps")
            return target, {}
        if column.kind == "string" and question.type == "single" and set(question.options) <= set(column.choices):
            return target, {}
        check.fail(f"{at}maps", f"答案不能直接作为 {target} 的值,请用 maps 逐项对应",
                   f"the answers are not values of {target}; give maps from each answer to a value")
    maps: dict[str, object] = {}
    for key, value in check.mapping(given, f"{at}maps").items():
        option = _resolve(check, question, key, f"{at}maps")
        where = f"{at}maps.{option}"
        if column.kind == "bool":
            if not isinstance(value, bool):
                check.fail(where, f"{target} 的值应为 true 或 false", f"a value of {target} is true or false")
        elif column.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or (
                    column.min_value is not None and value < column.min_value) or (
                    column.max_value is not None and value > column.max_value):
                check.fail(where, f"{target} 的值应为 {column.min_value}–{column.max_value} 的整数",
                           f"a value of {target} is a whole number {column.min_value}–{column.max_value}")
        elif value not in column.choices:
            check.fail(where, f"{target} 的值应为 {'、'.join(column.choices)} 之一",
                       f"a value of {target} is one of {', '.join(column.choices)}")
        maps[option] = value
    if not maps:
        check.fail(f"{at}maps", "应至少对应一个答案", "must map at least one answer")
    return target, maps


def questionnaire_load(path) -> Questionnaire:
    """The questionnaire in a YAML file; QuestionnaireError (naming the file and key)
    otherwise, also for a file that cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise QuestionnaireError("questionnaire", "文件不存在", "the file does not exist", source=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireError("questionnaire", f"无法读取文件({exc})", f"cannot read the file ({exc})",
                                 source=str(path)) from exc
    return questionnaire_parse(text, source=str(path))


def questionnaire_dump(questionnaire: Questionnaire) -> str:
    """The questionnaire as YAML that `questionnaire_parse` reads back equal; defaults
    (every group asked, required, straightline_min_items 5) are left out."""
    import yaml

    data: dict[str, object] = {"code": questionnaire.code, "title": questionnaire.title,
                               "groups": dict(questionnaire.groups)}
    if questionnaire.straightline_min_items != DEFAULT_STRAIGHTLINE_MIN_ITEMS:
        data["straightline_min_items"] = questionnaire.straightline_min_items
    questions = []
    for q in questionnaire.questions:
        likert = q.type == "likert"

        def value(option: str, likert: bool = likert):
            return int(option) if likert else option

        item: dict[str, object] = {"code": q.code}
        if q.text != q.code:
            item["text"] = q.text
        item["type"] = q.type
        if q.options:
            item["options"] = {value(k): v for k, v in q.options.items()}
        if q.groups != tuple(questionnaire.groups):
            item["groups"] = list(q.groups)
        if not q.required:
            item["required"] = False
        if q.scale is not None:
            item["scale"] = q.scale
        for name in ("min", "max"):
            bound = getattr(q, name)
            if bound is not None:
                item[name] = int(bound) if bound.is_integer() else bound
        if q.grid is not None:
            item["grid"] = q.grid
        if q.rate is not None:
            item["rate"] = q.rate
            item["rate_yes"] = [value(o) for o in q.rate_yes]
        if q.maps_to is not None:
            item["maps_to"] = q.maps_to
            if q.maps:
                item["maps"] = {value(k): v for k, v in q.maps.items()}
        questions.append(item)
    data["questions"] = questions
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


# ---- Responses ----------------------------------------------------------------------------


def _responses_schema(questionnaire: Questionnaire) -> pa.Schema:
    return pa.schema([("row", pa.int64())] + [(name, pa.string()) for name in FIXED_COLUMNS]
                     + [(q.code, pa.string()) for q in questionnaire.questions])


def _as_text(values) -> pa.ChunkedArray:
    """A column's cells as trimmed text, empty cells null."""
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        values = pa.chunked_array([pa.array(
            [None if v is None else ";".join(str(x) for x in v if x is not None) for v in values.to_pylist()],
            pa.string())])
    elif not pa.types.is_string(values.type):
        if pa.types.is_null(values.type):
            return pa.chunked_array([pa.nulls(len(values), pa.string())])
        values = pc.cast(values, pa.string())
    values = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _group_keys(questionnaire: Questionnaire, values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Each group cell as its key when it is a key or a label, else as written."""
    unique = pc.unique(values).to_pylist()
    mapping = {v: questionnaire.group_key(v) or v for v in unique if v is not None}
    return pa.chunked_array([pa.array([None if v is None else mapping[v] for v in values.to_pylist()],
                                      pa.string())])


def responses_normalize(data: pa.Table, questionnaire: Questionnaire, *, source: str = "responses") -> pa.Table:
    """A table in the spec's responses layout (headers the column names, question codes
    or question texts; any cell types) as the responses table this module describes.
    A table that is already one comes back unchanged in content. Blank rows are dropped
    (their numbers skipped). ResponsesError names the problem (row 1 is the header)."""
    aliases: dict[str, str] = {}
    for name in FIXED_COLUMNS:
        aliases.setdefault(_header_key(name), name)
        for zh in FIXED_HEADERS_ZH[name]:
            aliases.setdefault(_header_key(zh), name)
    for q in questionnaire.questions:
        aliases.setdefault(_header_key(q.code), q.code)
    for q in questionnaire.questions:
        aliases.setdefault(_header_key(q.text), q.code)

    where: dict[str, str] = {}
    rows_given = None
    for header in data.column_names:
        if str(header).strip() == "row" and pa.types.is_integer(data.schema.field(header).type):
            rows_given = data.column(header)
            continue
        name = aliases.get(_header_key(header))
        if name is None:
            continue  # remarks, phone numbers: not part of the questionnaire
        if name in where:
            raise ResponsesError(source, f"与“{where[name]}”列是同一列({name}),请删去一列",
                                 f"holds the same column ({name}) as “{where[name]}”; delete one",
                                 row=1, column=str(header))
        where[name] = header
    for name in ("respondent_id", "group"):
        if name not in where:
            raise ResponsesError(source, f"缺少必需的列“{name}”({FIXED_HEADERS_ZH[name][0]})",
                                 f"the required column {name} is missing", row=1, column=name)

    n = data.num_rows
    columns = {name: _as_text(data.column(header)) for name, header in where.items()}
    if rows_given is not None:
        rows = np.asarray(pc.fill_null(rows_given, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    else:
        rows = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + n, dtype=np.int64)
    filled = np.zeros(n, dtype=bool)
    for values in columns.values():
        filled |= np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    keep = np.flatnonzero(filled)
    if keep.size < n:
        take = pa.array(keep)
        columns = {name: pc.take(values, take) for name, values in columns.items()}
        rows = rows[keep]
    m = keep.size
    columns["group"] = _group_keys(questionnaire, columns["group"])

    present = set(pc.unique(columns["group"]).to_pylist())
    for q in questionnaire.questions:
        if q.code not in columns and q.required and present & set(q.groups):
            raise ResponsesError(source, f"缺少题目“{q.text}”的列(以题目代码 {q.code} 或题目文字为表头)",
                                 f"no column for the question {q.code} (head it with the code or the question's text)",
                                 row=1, column=q.code)
    schema = _responses_schema(questionnaire)
    out = {"row": pa.array(rows, pa.int64())}
    for name in schema.names[1:]:
        out[name] = columns[name] if name in columns else pa.nulls(m, pa.string())
    table = pa.table(out, schema=schema)
    if m > 1 and not bool(np.all(np.diff(rows) > 0)):
        table = table.sort_by("row")
    return table


def responses_read(path, questionnaire: Questionnaire, *, file_name: str | None = None) -> pa.Table:
    """The responses in an Excel (.xlsx) or CSV file (the first sheet; a header row), as
    the responses table; ResponsesError naming the file otherwise."""
    path = Path(path)
    source = file_name or path.name
    if not path.is_file():
        raise ResponsesError(source, "文件不存在", "the file does not exist")
    try:
        # One column per question and the four of the layout, with room for a clerk's own
        # notes: a long questionnaire's file is wider than any registry table.
        width = max(SHEET_MAX_COLUMNS, len(questionnaire.questions) + len(FIXED_COLUMNS) + SPARE_COLUMNS)
        data = read_file_data(path, keep_blank_rows=True, max_columns=width)
    except SnapshotFileError as exc:
        ragged = _ragged_row(path) if "CSV parse error" in exc.message_en else None
        if ragged is not None:
            number, cells, width = ragged
            raise ResponsesError(source, f"该行有 {cells} 列,表头有 {width} 列",
                                 f"the row has {cells} cells and the header {width}", row=number) from exc
        raise ResponsesError(source, exc.message_zh, exc.message_en) from exc
    if data.num_columns == 0:
        raise ResponsesError(source, "第一行应为表头,但它是空的", "the first row, the header, is empty", row=1)
    table = responses_normalize(data, questionnaire, source=source)
    if table.num_rows == 0:
        raise ResponsesError(source, "文件没有数据行", "the file has no data rows")
    return table


def _ragged_row(path: Path) -> tuple[int, int, int] | None:
    """(row, cells, header cells) of the first CSV row wider or narrower than the header,
    which the fast reader reports without its number; read again row by row on failure."""
    import csv

    from neisheng.engine.catalog import csv_encoding

    try:
        encoding = csv_encoding(path)
        with open(path, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
            reader = csv.reader(fh)
            width = len(next(reader, []))
            for number, cells in enumerate(reader, start=FIRST_DATA_ROW):
                if cells and len(cells) != width:
                    return number, len(cells), width
    except (SnapshotFileError, OSError, UnicodeDecodeError, csv.Error):
        pass  # the reader's own message stands
    return None


def responses_table(records: Iterable[Mapping], questionnaire: Questionnaire) -> pa.Table:
    """Responses from the database as the responses table: each record has
    respondent_id, group, household_id, village_code and `answers` (question code -> the
    value as given: an option key or label, a list of keys, a number or text); answers
    to codes the questionnaire does not have are ignored. Rows are numbered 1, 2, ... in
    the order given unless a record has its own `row`."""
    codes = [q.code for q in questionnaire.questions]
    cells: dict[str, list] = {name: [] for name in ("row",) + FIXED_COLUMNS + tuple(codes)}
    for number, record in enumerate(records, start=1):
        cells["row"].append(int(record.get("row") or number))
        for name in FIXED_COLUMNS:
            value = record.get(name)
            cells[name].append(None if value is None else str(value))
        answers = record.get("answers") or {}
        for code in codes:
            value = answers.get(code)
            if isinstance(value, (list, tuple)):
                value = ";".join(str(v) for v in value if v is not None)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, float):
                value = _number_text(value) if math.isfinite(value) else str(value)
            cells[code].append(None if value is None else str(value))
    table = pa.table({name: pa.array(values, pa.int64() if name == "row" else pa.string())
                      for name, values in cells.items()})
    return responses_normalize(table, questionnaire, source="responses")


# ---- Parsing every cell once ------------------------------------------------------------


@dataclass
class _Parsed:
    """One question's column parsed: per row whether answered and allowed, the number,
    the canonical answer text (options joined with ;), and the chosen options in long
    form (`token_rows` index the rows)."""

    answered: np.ndarray
    ok: np.ndarray
    number: np.ndarray
    canon: np.ndarray
    yes: np.ndarray
    token_rows: np.ndarray
    tokens: pa.Array


def _parse_all(questionnaire: Questionnaire, responses: pa.Table) -> dict[str, _Parsed]:
    """Every distinct cell of a column is parsed once: a column holds few distinct
    answers however many rows it has."""
    n = responses.num_rows
    parsed = {}
    for q in questionnaire.questions:
        lookup = q._lookup()
        column = responses.column(q.code)
        encoded = pc.dictionary_encode(column).combine_chunks() if n else None
        dictionary = encoded.dictionary.to_pylist() if n else []
        answers = [q.parse(v, lookup) for v in dictionary] + [_UNANSWERED]
        if n:
            indices = np.asarray(pc.fill_null(encoded.indices, len(dictionary)).to_numpy(zero_copy_only=False),
                                 dtype=np.int64)
        else:
            indices = np.zeros(0, dtype=np.int64)
        answered = np.array([a.answered for a in answers], dtype=bool)
        ok = np.array([a.ok for a in answers], dtype=bool)
        number = np.array([np.nan if a.number is None else a.number for a in answers], dtype=np.float64)
        canon = np.array([";".join(a.options) if a.answered else None for a in answers], dtype=object)
        yes = np.array([q.is_yes(a) for a in answers], dtype=bool)
        lists = pa.array([list(a.options) if a.answered and a.ok else [] for a in answers],
                         pa.list_(pa.string())).take(pa.array(indices))
        parsed[q.code] = _Parsed(
            answered=answered[indices], ok=ok[indices], number=number[indices], canon=canon[indices],
            yes=yes[indices],
            token_rows=np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64),
            tokens=pc.list_flatten(lists),
        )
    return parsed


def _normalized(responses: pa.Table, questionnaire: Questionnaire) -> pa.Table:
    if responses.schema.equals(_responses_schema(questionnaire)):
        return responses
    return responses_normalize(responses, questionnaire)


# ---- Validity -----------------------------------------------------------------------------


def _validity_masks(questionnaire: Questionnaire, responses: pa.Table,
                    parsed: dict[str, _Parsed]) -> dict[str, np.ndarray]:
    n = responses.num_rows
    groups = np.array(responses.column("group").to_pylist(), dtype=object)
    known = {key: groups == key for key in questionnaire.groups}
    unknown = ~np.logical_or.reduce(list(known.values()), axis=0) if known else np.ones(n, dtype=bool)
    audiences = [(key, mask) for key, mask in known.items()] + [(None, unknown)]

    duplicate = np.zeros(n, dtype=bool)
    seen: set[str] = set()
    for i, rid in enumerate(responses.column("respondent_id").to_pylist()):
        if rid is None:
            continue
        rid = _norm(rid)
        if rid in seen:
            duplicate[i] = True
        seen.add(rid)

    incomplete = np.zeros(n, dtype=bool)
    out_of_range = np.zeros(n, dtype=bool)
    for q in questionnaire.questions:
        p = parsed[q.code]
        out_of_range |= p.answered & ~p.ok
    for group, rows in audiences:
        for q in questionnaire.asked(group):
            if q.required:
                incomplete |= rows & ~parsed[q.code].answered

    straight = np.zeros(n, dtype=bool)
    asked_codes = {group: {q.code for q in questionnaire.asked(group)} for group, _ in audiences}
    for items in questionnaire.grids.values():
        for group, rows in audiences:
            asked = [q for q in items if q.code in asked_codes[group]]
            if len(asked) < questionnaire.straightline_min_items:
                continue
            first = parsed[asked[0].code].canon
            flagged = rows.copy()
            for q in asked:
                p = parsed[q.code]
                flagged &= p.answered & (p.canon == first)
            straight |= flagged
    return {"duplicate": duplicate, "unknown_group": unknown, "incomplete": incomplete,
            "out_of_range": out_of_range, "straight_lining": straight}


def _validity(questionnaire: Questionnaire, responses: pa.Table, parsed: dict[str, _Parsed]) -> pa.Table:
    masks = _validity_masks(questionnaire, responses, parsed)
    n = responses.num_rows
    reasons: list[list[str]] = [[] for _ in range(n)]
    for reason in REASONS:
        for i in np.flatnonzero(masks[reason]).tolist():
            reasons[i].append(reason)
    valid = ~np.logical_or.reduce([masks[r] for r in REASONS], axis=0) if n else np.zeros(0, dtype=bool)
    return pa.table({"row": responses.column("row"), "respondent_id": responses.column("respondent_id"),
                     "valid": pa.array(valid, pa.bool_()), "reasons": pa.array(reasons, pa.list_(pa.string()))},
                    schema=VALIDITY_SCHEMA)


def validity(questionnaire: Questionnaire, responses: pa.Table) -> pa.Table:
    """One row per returned response (VALIDITY_SCHEMA): `valid`, and `reasons` listing
    every rule it breaks, in the spec's order (REASONS); empty when valid."""
    responses = _normalized(responses, questionnaire)
    return _validity(questionnaire, responses, _parse_all(questionnaire, responses))


# ---- The report ---------------------------------------------------------------------------


def percent(fraction) -> str:
    """A fraction as the report prints it: 0.96118 -> "96.12%" (half up); None -> "—"."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "—"
    value = (Decimal(repr(float(fraction))) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value}%"


@dataclass(frozen=True)
class SurveyReport:
    """`summary`: issued, returned, valid, response_rate (回收率 returned/issued),
    validity_rate (有效率 valid/issued, the research's definition), valid_of_returned —
    fractions; `distribution` (DISTRIBUTION_SCHEMA), `numeric` (NUMERIC_SCHEMA),
    `invalid` (INVALID_SCHEMA), `rates` (RATES_SCHEMA), `validity` (VALIDITY_SCHEMA)."""

    summary: dict
    distribution: pa.Table
    numeric: pa.Table
    invalid: pa.Table
    rates: pa.Table
    validity: pa.Table


@dataclass(frozen=True)
class Crosstab:
    """Counts of `row_question`'s answers against `column_question`'s over the valid
    responses asked both (of `group`, when given): `counts[i][j]` for `rows[i]` and
    `columns[j]`, the same as a long table `table` (CROSSTAB_SCHEMA). The chi-square is
    Pearson's (no continuity correction), over the rows and columns with any count;
    None when fewer than two of either remain. A multiple-choice answer counts once for
    every option chosen."""

    row_question: str
    column_question: str
    group: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    table: pa.Table
    respondents: int
    statistic: float | None
    p_value: float | None
    dof: int | None


def _frames(questionnaire: Questionnaire, responses: pa.Table, parsed: dict[str, _Parsed], valid: np.ndarray):
    """The Arrow tables the Ibis expressions read: respondents, answers in long form (one
    row per chosen option), which groups are asked which question, the choice options."""
    respondents = pa.table({
        "row": responses.column("row"),
        "group": responses.column("group"),
        "village_code": responses.column("village_code"),
        "valid": pa.array(valid, pa.bool_()),
    })
    rows = responses.column("row").to_numpy()
    parts = []
    for index, q in enumerate(questionnaire.questions):
        p = parsed[q.code]
        token_rows = p.token_rows
        parts.append(pa.table({
            "row": pa.array(rows[token_rows], pa.int64()),
            "question": pa.repeat(pa.scalar(q.code, pa.string()), token_rows.size),
            "q_index": pa.repeat(pa.scalar(index, pa.int64()), token_rows.size),
            "option": p.tokens.cast(pa.string()),
            "number": pa.array(p.number[token_rows], pa.float64(), from_pandas=True),
        }))
    answers = pa.concat_tables(parts) if parts else None
    asked = pa.table({
        "question": pa.array([q.code for q in questionnaire.questions for g in q.groups], pa.string()),
        "group": pa.array([g for q in questionnaire.questions for g in q.groups], pa.string()),
        "q_index": pa.array([i for i, q in enumerate(questionnaire.questions) for _ in q.groups], pa.int64()),
        "g_index": pa.array([list(questionnaire.groups).index(g) for q in questionnaire.questions
                             for g in q.groups], pa.int64()),
    })
    choice = [(q.code, key, float(j)) for q in questionnaire.questions if q.type in ("single", "multiple")
              for j, key in enumerate(q.options)]
    choices = pa.table({"question": pa.array([c[0] for c in choice], pa.string()),
                        "option": pa.array([c[1] for c in choice], pa.string()),
                        "o_index": pa.array([c[2] for c in choice], pa.float64())})
    rated = []
    for q in questionnaire.questions:
        if q.rate is None:
            continue
        p = parsed[q.code]
        where = np.flatnonzero(p.answered & p.ok)
        rated.append(pa.table({"row": pa.array(rows[where], pa.int64()),
                               "question": pa.repeat(pa.scalar(q.code, pa.string()), where.size),
                               "rate": pa.repeat(pa.scalar(q.rate, pa.string()), where.size),
                               "yes": pa.array(p.yes[where], pa.bool_())}))
    rated_schema = pa.schema([("row", pa.int64()), ("question", pa.string()), ("rate", pa.string()),
                              ("yes", pa.bool_())])
    rates = pa.concat_tables(rated) if rated else rated_schema.empty_table()
    return respondents, answers, asked, choices, rates


def survey_report(questionnaire: Questionnaire, responses: pa.Table, *, issued: int, con=None) -> SurveyReport:
    """The report of surveys.md over the returned `responses` of `issued` questionnaires.
    Shares are fractions of the valid responses of the group asked the question
    (multiple choice: of respondents, so they may sum past 1); single and multiple choice
    list every option (0 when nobody chose it), likert and number answers one row per
    distinct value; text answers are not tabulated. A group with no valid response asked
    a question has no rows for it. The rates may pass 1 when more rows came back than
    were issued (a questionnaire entered twice is returned twice, and invalid)."""
    import ibis

    if isinstance(issued, bool) or not isinstance(issued, int) or issued < 1:
        raise ValueError(f"issued: 发放份数应为正整数,而不是 {issued!r} / the number issued must be a positive "
                         f"whole number, not {issued!r}")
    responses = _normalized(responses, questionnaire)
    parsed = _parse_all(questionnaire, responses)
    checked = _validity(questionnaire, responses, parsed)
    valid_mask = np.asarray(checked.column("valid").to_numpy(zero_copy_only=False), dtype=bool)
    returned, valid = responses.num_rows, int(valid_mask.sum())
    summary = {
        "issued": issued, "returned": returned, "valid": valid,
        "response_rate": returned / issued, "validity_rate": valid / issued,
        "valid_of_returned": valid / returned if returned else None,
    }
    invalid = checked.filter(pc.invert(checked.column("valid")))
    invalid = pa.table({"row": invalid.column("row"), "respondent_id": invalid.column("respondent_id"),
                        "reasons": pa.array([";".join(r) for r in invalid.column("reasons").to_pylist()],
                                            pa.string())}, schema=INVALID_SCHEMA)

    own = con is None
    if own:
        from neisheng.engine.backend import connect

        con = connect("duckdb")
    try:
        respondents, answers, asked, choices, rated = _frames(questionnaire, responses, parsed, valid_mask)
        r, a, k = ibis.memtable(respondents), ibis.memtable(answers), ibis.memtable(asked)
        c, t = ibis.memtable(choices), ibis.memtable(rated)
        voters = r.filter(r.valid)
        base = voters.join(k, "group")
        denominators = base.group_by(["question", "group", "q_index", "g_index"]).aggregate(responses=base.count())
        counted = a.join(voters, "row").join(k, ["question", "group"])
        counts = counted.group_by(["question", "group", "option"]).aggregate(
            count=counted.row.nunique(), number=counted.number.max())

        choice_rows = denominators.join(c, "question").left_join(counts, ["question", "group", "option"])
        choice_rows = choice_rows.select(
            "question", "group", "option", "q_index", "g_index", "o_index",
            count=choice_rows["count"].fill_null(0).cast("int64"), responses=choice_rows.responses,
        )
        values = [q.code for q in questionnaire.questions if q.type in ("likert", "number")]
        value_rows = counts.filter(counts.question.isin(values or [""])).join(denominators, ["question", "group"])
        value_rows = value_rows.select(
            "question", "group", "option", "q_index", "g_index", o_index=value_rows.number,
            count=value_rows["count"].cast("int64"), responses=value_rows.responses,
        )
        rows = choice_rows.union(value_rows)
        rows = rows.mutate(share=rows["count"].cast("float64") / rows.responses)
        distribution = con.to_pyarrow(rows.order_by(["q_index", "g_index", "o_index"]).select(
            *DISTRIBUTION_SCHEMA.names)).cast(DISTRIBUTION_SCHEMA)

        numbers = counted.filter(counted.question.isin(values or [""]) & counted.number.notnull())
        numeric = numbers.group_by(["question", "group", "q_index", "g_index"]).aggregate(
            count=numbers.count(), mean=numbers.number.mean(), min=numbers.number.min(), max=numbers.number.max())
        numeric = con.to_pyarrow(numeric.order_by(["q_index", "g_index"]).select(
            *NUMERIC_SCHEMA.names)).cast(NUMERIC_SCHEMA)

        judged = t.join(voters, "row").join(k, ["question", "group"])
        rates = judged.group_by(["village_code", "rate"]).aggregate(
            yes=judged.yes.cast("int64").sum(), answered=judged.count())
        rate_order = ibis.cases(*((rates.rate == name, n) for n, name in enumerate(RATES)), else_=len(RATES))
        rates = rates.mutate(share=rates.yes.cast("float64") / rates.answered)
        rates = con.to_pyarrow(rates.order_by([rates.village_code.asc(nulls_first=False), rate_order]).select(
            *RATES_SCHEMA.names)).cast(RATES_SCHEMA)
    finally:
        if own:
            con.disconnect()
    return SurveyReport(summary=summary, distribution=distribution, numeric=numeric, invalid=invalid,
                        rates=rates, validity=checked)


GROUP_QUESTION = "group"  # crosstab's name for the respondent's group as a variable


def crosstab(questionnaire: Questionnaire, responses: pa.Table, row_question: str, column_question: str, *,
             group: str | None = None, con=None) -> Crosstab:
    """Cross-tabulate two questions (single, multiple or likert; or `"group"`, the
    respondent's group) over the valid responses; see Crosstab."""
    import ibis
    from scipy.stats import chi2_contingency

    def categories(code: str) -> tuple[str, ...]:
        if code == GROUP_QUESTION:
            return tuple(questionnaire.groups)
        try:
            q = questionnaire.question(code)
        except KeyError:
            raise ValueError(f"{code}: 问卷没有这道题 / the questionnaire has no such question") from None
        if not q.categories:
            raise ValueError(f"{code}: 只有单选、多选和量表题能交叉分析 / only single, multiple and likert "
                             "questions can be cross-tabulated") from None
        return q.categories

    rows_c, columns_c = categories(row_question), categories(column_question)
    group_key = None
    if group is not None:
        group_key = questionnaire.group_key(group)
        if group_key is None:
            raise ValueError(f"{group}: 不是问卷的调查对象 / not a group of the questionnaire")
    responses = _normalized(responses, questionnaire)
    parsed = _parse_all(questionnaire, responses)
    valid = np.asarray(_validity(questionnaire, responses, parsed).column("valid").to_numpy(zero_copy_only=False),
                       dtype=bool)
    respondents, answers, asked, _, _ = _frames(questionnaire, responses, parsed, valid)

    own = con is None
    if own:
        from neisheng.engine.backend import connect

        con = connect("duckdb")
    try:
        r, a, k = ibis.memtable(respondents), ibis.memtable(answers), ibis.memtable(asked)
        voters = r.filter(r.valid)
        if group_key is not None:
            voters = voters.filter(voters.group == group_key)

        def side(code: str, name: str):
            if code == GROUP_QUESTION:
                return voters.select("row", **{name: voters.group})
            chosen = a.filter(a.question == code).join(voters, "row").join(k, ["question", "group"])
            return chosen.select("row", **{name: chosen.option})

        pairs = side(row_question, "row_option").join(side(column_question, "column_option"), "row")
        table = pairs.group_by(["row_option", "column_option"]).aggregate(count=pairs.count())
        table = con.to_pyarrow(table).cast(CROSSTAB_SCHEMA)
        respondents_n = con.execute(pairs.row.nunique())
    finally:
        if own:
            con.disconnect()

    found = {(x, y): n for x, y, n in zip(*(table.column(c).to_pylist() for c in CROSSTAB_SCHEMA.names))}
    counts = tuple(tuple(found.get((x, y), 0) for y in columns_c) for x in rows_c)
    long = pa.table({"row_option": [x for x in rows_c for _ in columns_c],
                     "column_option": [y for _ in rows_c for y in columns_c],
                     "count": [n for line in counts for n in line]}, schema=CROSSTAB_SCHEMA)
    matrix = np.array(counts, dtype=np.int64).reshape(len(rows_c), len(columns_c))
    matrix = matrix[matrix.sum(axis=1) > 0][:, matrix.sum(axis=0) > 0]
    statistic = p_value = dof = None
    if matrix.shape[0] >= 2 and matrix.shape[1] >= 2:
        result = chi2_contingency(matrix, correction=False)
        statistic, p_value, dof = float(result.statistic), float(result.pvalue), int(result.dof)
    return Crosstab(row_question=row_question, column_question=column_question, group=group_key,
                    rows=rows_c, columns=columns_c, counts=counts, table=long, respondents=int(respondents_n or 0),
                    statistic=statistic, p_value=p_value, dof=dof)


def registry_proposals(questionnaire: Questionnaire, responses: pa.Table, *, valid_only: bool = True) -> list[dict]:
    """The values the answers of questions with `maps_to` propose for the responses'
    households: one dict per (response, question) with a household and a mapped value —
    row, respondent_id, household_id, question, field, value. Only valid responses
    unless `valid_only` is false."""
    responses = _normalized(responses, questionnaire)
    mapped = [q for q in questionnaire.questions if q.maps_to is not None]
    if not mapped:
        return []
    parsed = _parse_all(questionnaire, responses)
    valid = np.asarray(_validity(questionnaire, responses, parsed).column("valid").to_numpy(zero_copy_only=False),
                       dtype=bool)
    rows = responses.column("row").to_pylist()
    ids = responses.column("respondent_id").to_pylist()
    households = responses.column("household_id").to_pylist()
    groups = responses.column("group").to_pylist()
    cells = {q.code: responses.column(q.code).to_pylist() for q in mapped}
    lookups = {q.code: q._lookup() for q in mapped}
    out = []
    for i, household in enumerate(households):
        if household is None or (valid_only and not valid[i]):
            continue
        for q in mapped:
            if not q.asked_of(groups[i]):
                continue
            value = q.mapped(q.parse(cells[q.code][i], lookups[q.code]))
            if value is not None:
                out.append({"row": rows[i], "respondent_id": ids[i], "household_id": household,
                            "question": q.code, "field": q.maps_to, "value": value})
    return out


def survey_excel(questionnaire: Questionnaire, report: SurveyReport, path) -> None:
    """The report as an Excel workbook for people: Chinese headers, question texts, group
    and option labels, shares as percentages (two decimals), one sheet per table."""
    from openpyxl import Workbook

    texts = {q.code: q.text for q in questionnaire.questions}
    labels = {q.code: q.options for q in questionnaire.questions}
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    s = report.summary
    for line in (("发放份数", s["issued"]), ("回收份数", s["returned"]), ("有效份数", s["valid"]),
                 ("回收率", percent(s["response_rate"])), ("有效率(有效/发放)", percent(s["validity_rate"])),
                 ("有效/回收", percent(s["valid_of_returned"]))):
        sheet.append(line)

    def table(title: str, header: tuple[str, ...], rows: Iterable[tuple]) -> None:
        ws = book.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)

    table("选项分布", ("题目代码", "题目", "调查对象", "选项", "选项内容", "人数", "占比"),
          ((d["question"], texts[d["question"]], questionnaire.groups.get(d["group"], d["group"]), d["option"],
            labels[d["question"]].get(d["option"], d["option"]), d["count"], percent(d["share"]))
           for d in report.distribution.to_pylist()))
    table("数值统计", ("题目代码", "题目", "调查对象", "人数", "均值", "最小值", "最大值"),
          ((d["question"], texts[d["question"]], questionnaire.groups.get(d["group"], d["group"]), d["count"],
            d["mean"], d["min"], d["max"]) for d in report.numeric.to_pylist()))
    table("知晓率满意率", ("村代码", "指标", "是", "作答人数", "比率"),
          ((d["village_code"], RATES[d["rate"]], d["yes"], d["answered"], percent(d["share"]))
           for d in report.rates.to_pylist()))
    table("无效问卷", ("行号", "问卷编号", "原因", "原因说明"),
          ((d["row"], d["respondent_id"], d["reasons"], "、".join(REASONS_ZH[r] for r in d["reasons"].split(";")))
           for d in report.invalid.to_pylist()))
    book.save(path)
