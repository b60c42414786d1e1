"""Monitoring policy: every number the rules use, read from a YAML file.

Money and ratios are kept as Decimal so that `income_pc < poverty_line` and "a fall of
exactly 30%" are decided exactly, on DuckDB and on Spark alike. A policy file may name
another with `extends:`; values it does not set come from there (a county over its
province), and the built-in default fills the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import yaml

INDICATORS = (
    "will", "participation", "education", "skill",
    "cooperative", "industry_link", "employment", "credit",
)
DIMENSIONS = ("awareness", "capability", "organization", "opportunity")
WEIGHT_TOLERANCE = 1e-9
# The contract's education codes (engine.schema.EDUCATION, in its order) ranked for
# `education_at_least`, vocational with senior. Policy sits below the engine, which reads
# it, so it cannot import the contract; tests/test_policy_education.py checks the codes agree.
EDUCATION_RANK = {"none": 0, "primary": 1, "junior": 2, "senior": 3, "vocational": 3, "college": 4}
MAX_RETENTION_DAYS = 3650
MAX_PUBLICITY_DAYS = 90
MAX_FINDINGS_DAYS = 366
# cases: whole numbers with their bounds (cases.md's defaults in policies/default.yaml).
# Deadlines beyond a year or notices beyond 90 days are typing errors, not procedures.
CASES_NUMBERS = {
    "identification_days": (1, 366),
    "publicity_days": (1, MAX_PUBLICITY_DAYS),
    "elimination_publicity_days": (1, MAX_PUBLICITY_DAYS),
    "min_monitoring_months": (0, 120),
    "warning_days": (1, 366),
}
# grid (grid.md): whole numbers with their bounds; the defaults are in policies/default.yaml.
GRID_NUMBERS = {
    "max_per_cadre": (1, 1000),
    "town_cost": (0, 1_000_000),
    "county_cost": (0, 1_000_000),
    "problem_days": (1, 366),
}
GRID_VISIT_STATUSES = ("monitored", "lifted")
# feeds (feeds.md): the linkage's two probability cut-offs and the screening thresholds.
FEEDS_PROBABILITIES = ("auto_accept", "review")
FEEDS_AMOUNTS = ("school_fees_over", "inpatient_lifted", "inpatient_other", "outpatient_month",
                 "disaster_loss_at_least")
# measures (issue 13): the first measure's deadline and the evaluation's numbers.
MEASURES_NUMBERS = {
    "first_measure_days": (1, 366),
    "evaluation_min_households": (2, 100_000),
}
MEASURES_STATUSES = ("lifted", "monitored", "general")
# projects (projects.md): the plan's publicity, the renovation audit's tolerance and cap.
PROJECTS_STATUSES = ("lifted", "monitored", "general")
# Issue 16. The five categories of 九州街道's household files and the types of document they
# hold; the archives app labels them, the policy says which a household must have.
ARCHIVE_CATEGORIES = ("household", "identification", "exit", "measures", "general")
ARCHIVE_DOCUMENT_TYPES = (
    "hukou_book", "id_card", "application", "consent", "verification", "review_record", "publicity",
    "approval_form", "assistance_plan", "income_ledger", "exit_confirmation", "visit_record", "photo",
    "enrolment", "aid_receipt", "student_plan", "other",
)
HOUSEHOLD_STATUSES = ("lifted", "monitored", "general")
HONOURS_CRITERIA = ("income_growth", "own_effort", "helping_others", "willingness")
FEEDS_NUMBERS = {
    "illness_recent_days": (1, 3660),
    "school_age_from": (0, 30),
    "school_age_to": (0, 30),
}


class PolicyError(ValueError):
    """A policy value that is missing or makes no sense; the message names the key."""

    def __init__(self, source: str, key: str, problem_zh: str, problem_en: str):
        self.key = key
        super().__init__(f"{source}: {key}: {problem_zh} / {problem_en}")


@dataclass(frozen=True)
class Indicator:
    name: str
    dimension: str
    weight: float


@dataclass(frozen=True)
class AgeRange:
    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class Policy:
    year: int
    reference_date: dt.date
    poverty_line: Decimal
    monitoring_threshold: Decimal
    drop_ratio: Decimal
    rigid_ratio: Decimal
    stable_multiple: Decimal
    motivation_k: float
    indicators: tuple[Indicator, ...]
    compulsory_school_ages: AgeRange
    home_schooling_disability_grades: tuple[int, ...]
    willingness_deprived_at_most: int
    education_ages: AgeRange
    education_at_least: str
    employment_months_at_least: int
    training_ages: AgeRange
    job_placement_ages: AgeRange
    welfare_post_ages: AgeRange
    severe_disability_grades: tuple[int, ...]
    source: str = "default"
    # Uploaded files hold full ID numbers; after this many days from their decision they
    # are deleted (the batch row, its counts and checksum stay). See transfers.services.
    upload_retention_days: int = 30
    # 公示: calendar days a review is publicised before it may be approved (platform.review).
    review_publicity_days: int = 5
    # How far back the auditor's home card counts unmasked views, exports and failed
    # sign-ins (platform.work): the window an inspection office reviews at a time.
    audit_findings_days: int = 7
    # Monitoring cases (cases.md): identification within this many days of reported_on,
    # counted on China's working-day calendar when `cases_working_days` is true.
    cases_identification_days: int = 15
    cases_working_days: bool = False
    # Least days a notice (inclusion / elimination) is posted before the next review.
    cases_publicity_days: int = 5
    cases_elimination_publicity_days: int = 5
    # Least full months in monitoring before a risk may be eliminated.
    cases_min_monitoring_months: int = 6
    # Days a town or cadre has to follow up a warning list handed to it (清单交办).
    cases_warning_days: int = 10
    # The responsibility grid (grid.md): a cadre's households by default, the assignment's
    # distance costs, the visit cadence by status (an open case counts as monitored), the
    # days a problem has before it is overdue, and the hotline printed on public boards.
    grid_max_per_cadre: int = 5
    grid_town_cost: int = 1000
    grid_county_cost: int = 4000
    grid_visit_days_monitored: int = 7
    grid_visit_days_lifted: int = 30
    grid_problem_days: int = 30
    grid_hotline: str = "12317"
    # Department feeds (feeds.md): a candidate pair at or above auto_accept is linked,
    # between review and it goes to the clerical-review queue; the screening rules'
    # thresholds in yuan and days, and the ages child_not_in_school looks for.
    feeds_auto_accept: float = 0.95
    feeds_review: float = 0.5
    feeds_school_fees_over: float = 10000
    feeds_inpatient_lifted: float = 5000
    feeds_inpatient_other: float = 20000
    feeds_outpatient_month: float = 500
    feeds_disaster_loss_at_least: float = 5000
    feeds_illness_recent_days: int = 365
    feeds_school_age_from: int = 6
    feeds_school_age_to: int = 15
    # Assistance measures (issue 13): a monitored household gets its first measure within
    # first_measure_days of the county approval; the coverage targets count households of
    # these statuses; the evaluation cautions below evaluation_min_households on either
    # side, gives intervals at evaluation_confidence and leaves out comparison households
    # whose propensity lies outside [evaluation_trim, 1 − evaluation_trim].
    measures_first_measure_days: int = 30
    measures_coverage_statuses: tuple[str, ...] = ("lifted", "monitored")
    measures_evaluation_min_households: int = 30
    measures_evaluation_confidence: float = 0.95
    measures_evaluation_trim: float = 0.02
    # Projects (projects.md): a distribution plan is publicised distribution_publicity_days
    # before the town approves it; the audit flags a renovation line item priced above the
    # reference by more than price_tolerance, a household's renovations above
    # renovation_cap yuan, and renovated households of a status outside renovation_statuses.
    projects_distribution_publicity_days: int = 5
    projects_price_tolerance: float = 0.10
    projects_renovation_cap: float = 20000
    projects_renovation_statuses: tuple[str, ...] = ("lifted", "monitored")
    # Archives (issue 16): the largest document accepted; the documents a household of
    # each status must hold, as ((status, ((category, (type, ...)), ...)), ...); whose
    # students have a file of their own.
    archives_max_file_mb: int = 20
    archives_required: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = ()
    archives_student_statuses: tuple[str, ...] = ("lifted", "monitored")
    # Model households (issue 16): who may be nominated, the criteria's weights (as
    # ((criterion, weight), ...)), what earns each criterion's full score, the least
    # total to go to the village, how many a village approves a year, how many
    # motivation-poor households one model household is paired with.
    honours_nominee_statuses: tuple[str, ...] = ("lifted",)
    honours_weights: tuple[tuple[str, float], ...] = ()
    honours_income_growth_full: float = 0.5
    honours_own_effort_full: int = 3
    honours_helping_others_full: int = 3
    honours_pass_score: float = 60
    honours_per_village: int = 3
    honours_pair_max: int = 3
    # Village councils (issue 16): a suggestion or demand answered within answer_days is
    # on time; fewer than meetings_per_year meetings in a year is a gap.
    councils_answer_days: int = 15
    councils_meetings_per_year: int = 4

    def archives_required_for(self, status: str) -> dict[str, tuple[str, ...]]:
        """category -> required document types for a household of `status` ({} if none)."""
        return {category: types for s, categories in self.archives_required if s == status
                for category, types in categories}

    @property
    def honours_weight(self) -> dict[str, float]:
        return dict(self.honours_weights)

    @property
    def education_levels_meeting_bar(self) -> tuple[str, ...]:
        """Education codes at or above `education_at_least` (vocational ranks with senior)."""
        bar = EDUCATION_RANK[self.education_at_least]
        return tuple(code for code, rank in EDUCATION_RANK.items() if rank >= bar)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(str(path), "(file)", "文件不存在", "the file does not exist") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(str(path), "(file)", f"不是有效的 YAML:{exc}", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(str(path), "(file)", "应为键值对", "must be a mapping of keys to values")
    return data


def _merged(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    path = path.resolve()
    if path in seen:
        raise PolicyError(str(path), "extends", "循环继承", "extends itself in a cycle")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _overlay(_merged(path.parent / str(parent), seen + (path,)), data)


def _overlay(base: dict, override: dict) -> dict:
    """`override` over `base`; the `rules` and `uploads` sections merge key by key, while a list of
    motivation indicators replaces the inherited one whole (weights must sum to 1)."""
    merged = dict(base)
    for key, value in override.items():
        if key in ("rules", "uploads", "review", "audit", "cases", "grid", "feeds", "measures", "projects", "archives", "honours", "councils") and isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def default_policy_text() -> str:
    return resources.files("neisheng.policies").joinpath("default.yaml").read_text(encoding="utf-8")


def load_policy(path: Path | str | None = None) -> Policy:
    defaults = yaml.safe_load(default_policy_text())
    if path is None:
        return _build(defaults, "default")
    return _build(_overlay(defaults, _merged(Path(path))), str(path))


def resolved_policy_text(path: Path | str | None = None) -> str:
    """The policy at `path` as one self-contained YAML document (the default and every
    `extends:` merged in): what a monitoring run stores, so that the run can be explained
    with its own thresholds after the file has changed or gone."""
    defaults = yaml.safe_load(default_policy_text())
    data = defaults if path is None else _overlay(defaults, _merged(Path(path)))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def policy_from_text(text: str, source: str = "stored") -> Policy:
    """A policy from a resolved YAML document (see `resolved_policy_text`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(source, "(file)", f"不是有效的 YAML:{exc}", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(source, "(file)", "应为键值对", "must be a mapping of keys to values")
    return _build(data, source)


def _build(data: dict, source: str) -> Policy:
    def fail(key, zh, en):
        raise PolicyError(source, key, zh, en)

    known = {
        "year", "reference_date", "poverty_line", "monitoring_threshold", "drop_ratio",
        "rigid_ratio", "stable_multiple", "motivation_k", "motivation_indicators", "rules",
        "uploads", "review", "audit", "cases", "grid", "feeds", "measures", "projects",
        "archives", "honours", "councils",
    }
    for key in data:
        if key not in known:
            fail(key, "未知的键", f"unknown key (known: {', '.join(sorted(known))})")

    def number(key, low=None, high=None, low_open=False) -> Decimal:
        value = data.get(key)
        if value is None:
            fail(key, "缺少该值", "missing")
        if isinstance(value, bool):
            fail(key, f"应为数字,实为 {value!r}", f"must be a number, got {value!r}")
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            fail(key, f"应为数字,实为 {value!r}", f"must be a number, got {value!r}")
        if not result.is_finite():
            fail(key, "应为有限数字", "must be a finite number")
        if low is not None and (result <= low if low_open else result < low):
            fail(key, f"应{'大于' if low_open else '不小于'} {low},实为 {value}",
                 f"must be {'above' if low_open else 'at least'} {low}, got {value}")
        if high is not None and result > high:
            fail(key, f"应不大于 {high},实为 {value}", f"must be at most {high}, got {value}")
        return result

    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        fail("year", f"应为 2000–2100 的年份,实为 {year!r}", f"must be a year 2000–2100, got {year!r}")
    reference_date = data.get("reference_date")
    if isinstance(reference_date, str):
        try:
            reference_date = dt.date.fromisoformat(reference_date)
        except ValueError:
            fail("reference_date", "应为 YYYY-MM-DD 日期", "must be a date YYYY-MM-DD")
    if not isinstance(reference_date, dt.date):
        fail("reference_date", "应为 YYYY-MM-DD 日期", "must be a date YYYY-MM-DD")

    poverty_line = number("poverty_line", 0, low_open=True)
    threshold = number("monitoring_threshold", 0, low_open=True)
    if threshold < poverty_line:
        fail("monitoring_threshold", f"不能低于脱贫标准 {poverty_line}",
             f"must not be below poverty_line {poverty_line}")
    drop_ratio = number("drop_ratio", 0, 1, low_open=True)
    rigid_ratio = number("rigid_ratio", 0, low_open=True)
    stable_multiple = number("stable_multiple", 1)
    k = number("motivation_k", 0, 1, low_open=True)

    raw_indicators = data.get("motivation_indicators")
    if not isinstance(raw_indicators, dict) or not raw_indicators:
        fail("motivation_indicators", "应列出指标及其权重", "must map indicators to their weight")
    indicators = []
    for name, spec in raw_indicators.items():
        key = f"motivation_indicators.{name}"
        if name not in INDICATORS:
            fail(key, "未知的指标", f"unknown indicator (known: {', '.join(INDICATORS)})")
        if not isinstance(spec, dict):
            fail(key, "应有 dimension 和 weight", "needs dimension and weight")
        if spec.get("dimension") not in DIMENSIONS:
            fail(f"{key}.dimension", f"应为 {'/'.join(DIMENSIONS)}", f"must be one of {', '.join(DIMENSIONS)}")
        weight = spec.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            fail(f"{key}.weight", f"应为 (0, 1] 之间的数,实为 {weight!r}", f"must be in (0, 1], got {weight!r}")
        indicators.append(Indicator(name, spec["dimension"], float(weight)))
    total = sum(i.weight for i in indicators)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        fail("motivation_indicators", f"权重之和应为 1,实为 {total:g}", f"weights must sum to 1, got {total:g}")

    rules = data.get("rules")
    if not isinstance(rules, dict):
        fail("rules", "缺少规则参数", "missing")

    def rule(key):
        if key not in rules:
            fail(f"rules.{key}", "缺少该值", "missing")
        return rules[key]

    def age_range(key) -> AgeRange:
        value = rule(key)
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                or not 0 <= value[0] <= value[1] <= 130):
            fail(f"rules.{key}", f"应为 [起始年龄, 截止年龄],实为 {value!r}", f"must be [from_age, to_age], got {value!r}")
        return AgeRange(value[0], value[1])

    def grades(key) -> tuple[int, ...]:
        value = rule(key)
        if not isinstance(value, list) or not all(isinstance(v, int) and 1 <= v <= 4 for v in value):
            fail(f"rules.{key}", f"应为 1–4 的残疾等级列表,实为 {value!r}", f"must list disability grades 1–4, got {value!r}")
        return tuple(value)

    def small_int(key, low, high) -> int:
        value = rule(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"rules.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}", f"must be a whole number {low}–{high}, got {value!r}")
        return value

    education_at_least = rule("education_at_least")
    if education_at_least not in EDUCATION_RANK:
        fail("rules.education_at_least", f"应为 {'/'.join(EDUCATION_RANK)}",
             f"must be one of {', '.join(EDUCATION_RANK)}")

    def days_in_section(section: str, key: str, maximum: int) -> int:
        """A section holding one whole number of days, 1–maximum."""
        values = data.get(section)
        if not isinstance(values, dict):
            fail(section, f"应为键值对({key})", f"must be a mapping ({key})")
        for unknown in values:
            if unknown != key:
                fail(f"{section}.{unknown}", "未知的键", f"unknown key (known: {key})")
        days = values.get(key)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= maximum:
            fail(f"{section}.{key}", f"应为 1–{maximum} 的整数天数,实为 {days!r}",
                 f"must be a whole number of days 1–{maximum}, got {days!r}")
        return days

    # At least a day, so an upload is never deleted between its preview and its apply;
    # at most ten years, beyond which "retention" means keeping ID numbers for ever.
    retention_days = days_in_section("uploads", "retention_days", MAX_RETENTION_DAYS)
    publicity_days = days_in_section("review", "publicity_days", MAX_PUBLICITY_DAYS)
    findings_days = days_in_section("audit", "findings_days", MAX_FINDINGS_DAYS)

    cases = data.get("cases")
    if not isinstance(cases, dict):
        fail("cases", "应为键值对", "must be a mapping")
    known_cases = (*CASES_NUMBERS, "working_days")
    for unknown in cases:
        if unknown not in known_cases:
            fail(f"cases.{unknown}", "未知的键", f"unknown key (known: {', '.join(known_cases)})")
    case_numbers = {}
    for key, (low, high) in CASES_NUMBERS.items():
        value = cases.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"cases.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}",
                 f"must be a whole number {low}–{high}, got {value!r}")
        case_numbers[key] = value
    working_days = cases.get("working_days")
    if not isinstance(working_days, bool):
        fail("cases.working_days", f"应为 true 或 false,实为 {working_days!r}",
             f"must be true or false, got {working_days!r}")

    grid = _grid_section(data.get("grid"), fail)
    feeds = _feeds_section(data.get("feeds"), fail)
    measures = _measures_section(data.get("measures"), fail)
    projects = _projects_section(data.get("projects"), fail)
    archives = _archives_section(data.get("archives"), fail)
    honours = _honours_section(data.get("honours"), fail)
    councils = _councils_section(data.get("councils"), fail)

    return Policy(
        year=year,
        reference_date=reference_date,
        poverty_line=poverty_line,
        monitoring_threshold=threshold,
        drop_ratio=drop_ratio,
        rigid_ratio=rigid_ratio,
        stable_multiple=stable_multiple,
        motivation_k=float(k),
        indicators=tuple(indicators),
        compulsory_school_ages=age_range("compulsory_school_ages"),
        home_schooling_disability_grades=grades("home_schooling_disability_grades"),
        willingness_deprived_at_most=small_int("willingness_deprived_at_most", 0, 5),
        education_ages=age_range("education_ages"),
        education_at_least=education_at_least,
        employment_months_at_least=small_int("employment_months_at_least", 0, 12),
        training_ages=age_range("training_ages"),
        job_placement_ages=age_range("job_placement_ages"),
        welfare_post_ages=age_range("welfare_post_ages"),
        severe_disability_grades=grades("severe_disability_grades"),
        source=source,
        upload_retention_days=retention_days,
        review_publicity_days=publicity_days,
        audit_findings_days=findings_days,
        cases_identification_days=case_numbers["identification_days"],
        cases_working_days=working_days,
        cases_publicity_days=case_numbers["publicity_days"],
        cases_elimination_publicity_days=case_numbers["elimination_publicity_days"],
        cases_min_monitoring_months=case_numbers["min_monitoring_months"],
        cases_warning_days=case_numbers["warning_days"],
        **grid,
        **feeds,
        **measures,
        **projects,
        **archives,
        **honours,
        **councils,
    )


def _grid_section(grid, fail) -> dict:
    """The `grid:` section as Policy's grid_* fields. A policy stored before the section
    existed has none: it takes the built-in defaults (a stored run stays readable)."""
    if grid is None:
        grid = yaml.safe_load(default_policy_text())["grid"]
    if not isinstance(grid, dict):
        fail("grid", "应为键值对", "must be a mapping")
    known = (*GRID_NUMBERS, "visit_days", "hotline")
    for unknown in grid:
        if unknown not in known:
            fail(f"grid.{unknown}", "未知的键", f"unknown key (known: {', '.join(known)})")
    fields = {}
    for key, (low, high) in GRID_NUMBERS.items():
        value = grid.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"grid.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}",
                 f"must be a whole number {low}–{high}, got {value!r}")
        fields[f"grid_{key}"] = value
    if fields["grid_county_cost"] < fields["grid_town_cost"]:
        fail("grid.county_cost", "不应小于 town_cost(同县外乡镇不能比同乡镇更近)",
             "must not be less than town_cost (another town cannot be nearer than the same town)")
    visit_days = grid.get("visit_days")
    if not isinstance(visit_days, dict):
        fail("grid.visit_days", "应为键值对(monitored、lifted)", "must be a mapping (monitored, lifted)")
    for status in visit_days:
        if status not in GRID_VISIT_STATUSES:
            fail(f"grid.visit_days.{status}", "未知的键", f"unknown key (known: {', '.join(GRID_VISIT_STATUSES)})")
    for status in GRID_VISIT_STATUSES:
        days = visit_days.get(status)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
            fail(f"grid.visit_days.{status}", f"应为 1–366 的整数天数,实为 {days!r}",
                 f"must be a whole number of days 1–366, got {days!r}")
        fields[f"grid_visit_days_{status}"] = days
    hotline = grid.get("hotline")
    if not isinstance(hotline, str | int) or isinstance(hotline, bool) or not str(hotline).strip() \
            or len(str(hotline)) > 32:
        fail("grid.hotline", f"应为电话号码文字,实为 {hotline!r}", f"must be a phone number as text, got {hotline!r}")
    fields["grid_hotline"] = str(hotline).strip()
    return fields


def _feeds_section(feeds, fail) -> dict:
    """The `feeds:` section as Policy's feeds_* fields; a policy stored before it takes
    the built-in defaults, as for `grid:`."""
    if feeds is None:
        feeds = yaml.safe_load(default_policy_text())["feeds"]
    if not isinstance(feeds, dict):
        fail("feeds", "应为键值对", "must be a mapping")
    known = (*FEEDS_PROBABILITIES, *FEEDS_AMOUNTS, *FEEDS_NUMBERS)
    for unknown in feeds:
        if unknown not in known:
            fail(f"feeds.{unknown}", "未知的键", f"unknown key (known: {', '.join(known)})")
    fields = {}
    for key in FEEDS_PROBABILITIES:
        value = feeds.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            fail(f"feeds.{key}", f"应为 0 与 1 之间的概率,实为 {value!r}",
                 f"must be a probability between 0 and 1, got {value!r}")
        fields[f"feeds_{key}"] = float(value)
    if fields["feeds_review"] >= fields["feeds_auto_accept"]:
        fail("feeds.review", "应小于 auto_accept", "must be less than auto_accept")
    for key in FEEDS_AMOUNTS:
        value = feeds.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100_000_000:
            fail(f"feeds.{key}", f"应为不小于 0 的金额(元),实为 {value!r}",
                 f"must be an amount in yuan, at least 0, got {value!r}")
        fields[f"feeds_{key}"] = float(value)
    for key, (low, high) in FEEDS_NUMBERS.items():
        value = feeds.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"feeds.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}",
                 f"must be a whole number {low}–{high}, got {value!r}")
        fields[f"feeds_{key}"] = value
    if fields["feeds_school_age_to"] < fields["feeds_school_age_from"]:
        fail("feeds.school_age_to", "不应小于 school_age_from", "must not be less than school_age_from")
    return fields


def _measures_section(measures, fail) -> dict:
    """The `measures:` section as Policy's measures_* fields; a policy stored before it
    takes the built-in defaults, as for `grid:`."""
    if measures is None:
        measures = yaml.safe_load(default_policy_text())["measures"]
    if not isinstance(measures, dict):
        fail("measures", "应为键值对", "must be a mapping")
    known = (*MEASURES_NUMBERS, "coverage_statuses", "evaluation_confidence", "evaluation_trim")
    for unknown in measures:
        if unknown not in known:
            fail(f"measures.{unknown}", "未知的键", f"unknown key (known: {', '.join(known)})")
    fields = {}
    for key, (low, high) in MEASURES_NUMBERS.items():
        value = measures.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(f"measures.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}",
                 f"must be a whole number {low}–{high}, got {value!r}")
        fields[f"measures_{key}"] = value
    statuses = measures.get("coverage_statuses")
    if not isinstance(statuses, list) or not statuses or any(s not in MEASURES_STATUSES for s in statuses) \
            or len(set(statuses)) != len(statuses):
        fail("measures.coverage_statuses", f"应为 {', '.join(MEASURES_STATUSES)} 中不重复的一项或多项,实为 {statuses!r}",
             f"must list one or more of {', '.join(MEASURES_STATUSES)} without repeats, got {statuses!r}")
    fields["measures_coverage_statuses"] = tuple(statuses)
    confidence = measures.get("evaluation_confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        fail("measures.evaluation_confidence", f"应为 0.5 与 1 之间的概率,实为 {confidence!r}",
             f"must be a probability from 0.5 to below 1, got {confidence!r}")
    fields["measures_evaluation_confidence"] = float(confidence)
    trim = measures.get("evaluation_trim")
    if isinstance(trim, bool) or not isinstance(trim, int | float) or not 0 <= trim < 0.5:
        fail("measures.evaluation_trim", f"应为 0 至 0.5(不含)之间的比例,实为 {trim!r}",
             f"must be a share from 0 to below 0.5, got {trim!r}")
    fields["measures_evaluation_trim"] = float(trim)
    return fields


def _projects_section(projects, fail) -> dict:
    """The `projects:` section as Policy's projects_* fields; a policy stored before it
    takes the built-in defaults, as for `grid:`."""
    if projects is None:
        projects = yaml.safe_load(default_policy_text())["projects"]
    if not isinstance(projects, dict):
        fail("projects", "应为键值对", "must be a mapping")
    known = ("distribution_publicity_days", "price_tolerance", "renovation_cap", "renovation_statuses")
    for unknown in projects:
        if unknown not in known:
            fail(f"projects.{unknown}", "未知的键", f"unknown key (known: {', '.join(known)})")
    days = projects.get("distribution_publicity_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        fail("projects.distribution_publicity_days", f"应为 1–60 的整数,实为 {days!r}",
             f"must be a whole number 1–60, got {days!r}")
    tolerance = projects.get("price_tolerance")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not 0 <= tolerance <= 10:
        fail("projects.price_tolerance", f"应为 0 至 10 之间的比例,实为 {tolerance!r}",
             f"must be a share from 0 to 10, got {tolerance!r}")
    cap = projects.get("renovation_cap")
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 < cap <= 10_000_000:
        fail("projects.renovation_cap", f"应为大于 0 的金额(元),实为 {cap!r}",
             f"must be an amount in yuan above 0, got {cap!r}")
    statuses = projects.get("renovation_statuses")
    if not isinstance(statuses, list) or not statuses or any(s not in PROJECTS_STATUSES for s in statuses) \
            or len(set(statuses)) != len(statuses):
        fail("projects.renovation_statuses",
             f"应为 {', '.join(PROJECTS_STATUSES)} 中不重复的一项或多项,实为 {statuses!r}",
             f"must list one or more of {', '.join(PROJECTS_STATUSES)} without repeats, got {statuses!r}")
    return {
        "projects_distribution_publicity_days": days,
        "projects_price_tolerance": float(tolerance),
        "projects_renovation_cap": float(cap),
        "projects_renovation_statuses": tuple(statuses),
    }


def _section(data, name, fail, known) -> dict:
    """A section of the policy, checked for unknown keys; a policy stored before the section
    existed has none and takes the built-in defaults (a stored run stays readable)."""
    if data is None:
        data = yaml.safe_load(default_policy_text())[name]
    if not isinstance(data, dict):
        fail(name, "应为键值对", "must be a mapping")
    for unknown in data:
        if unknown not in known:
            fail(f"{name}.{unknown}", "未知的键", f"unknown key (known: {', '.join(known)})")
    return data


def _whole(section: dict, name: str, key: str, low: int, high: int, fail) -> int:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(f"{name}.{key}", f"应为 {low}–{high} 的整数,实为 {value!r}",
             f"must be a whole number {low}–{high}, got {value!r}")
    return value


def _statuses(section: dict, name: str, key: str, fail) -> tuple[str, ...]:
    value = section.get(key)
    if not isinstance(value, list) or not value or any(s not in HOUSEHOLD_STATUSES for s in value) \
            or len(set(value)) != len(value):
        fail(f"{name}.{key}", f"应为 {', '.join(HOUSEHOLD_STATUSES)} 中不重复的一项或多项,实为 {value!r}",
             f"must list one or more of {', '.join(HOUSEHOLD_STATUSES)} without repeats, got {value!r}")
    return tuple(value)


def _archives_section(archives, fail) -> dict:
    archives = _section(archives, "archives", fail, ("max_file_mb", "required", "student_statuses"))
    required = archives.get("required")
    if not isinstance(required, dict):
        fail("archives.required", "应为按农户状态列出的键值对", "must be a mapping of household statuses")
    by_status = []
    for status, categories in required.items():
        where = f"archives.required.{status}"
        if status not in HOUSEHOLD_STATUSES:
            fail(where, f"应为 {', '.join(HOUSEHOLD_STATUSES)} 之一", f"must be one of {', '.join(HOUSEHOLD_STATUSES)}")
        if not isinstance(categories, dict):
            fail(where, "应为按档案类别列出的键值对", "must be a mapping of archive categories")
        listed = []
        for category, types in categories.items():
            if category not in ARCHIVE_CATEGORIES:
                fail(f"{where}.{category}", f"应为 {', '.join(ARCHIVE_CATEGORIES)} 之一",
                     f"must be one of {', '.join(ARCHIVE_CATEGORIES)}")
            if not isinstance(types, list) or any(t not in ARCHIVE_DOCUMENT_TYPES for t in types) \
                    or len(set(types)) != len(types):
                fail(f"{where}.{category}", f"应为 {', '.join(ARCHIVE_DOCUMENT_TYPES)} 中不重复的项,实为 {types!r}",
                     f"must list {', '.join(ARCHIVE_DOCUMENT_TYPES)} without repeats, got {types!r}")
            listed.append((category, tuple(types)))
        by_status.append((status, tuple(listed)))
    return {
        "archives_max_file_mb": _whole(archives, "archives", "max_file_mb", 1, 1024, fail),
        "archives_required": tuple(by_status),
        "archives_student_statuses": _statuses(archives, "archives", "student_statuses", fail),
    }


def _honours_section(honours, fail) -> dict:
    honours = _section(honours, "honours", fail, (
        "nominee_statuses", "weights", "income_growth_full", "own_effort_full", "helping_others_full",
        "pass_score", "per_village", "pair_max"))
    weights = honours.get("weights")
    if not isinstance(weights, dict) or set(weights) != set(HONOURS_CRITERIA) or any(
            isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights.values()) \
            or abs(sum(weights.values()) - 1) > WEIGHT_TOLERANCE:
        fail("honours.weights", f"应为 {', '.join(HONOURS_CRITERIA)} 各自的非负权重,合计为 1,实为 {weights!r}",
             f"must give each of {', '.join(HONOURS_CRITERIA)} a weight of 0 or more, summing to 1, got {weights!r}")
    growth = honours.get("income_growth_full")
    if isinstance(growth, bool) or not isinstance(growth, int | float) or not 0 < growth <= 100:
        fail("honours.income_growth_full", f"应为大于 0 的比例,实为 {growth!r}",
             f"must be a share above 0, got {growth!r}")
    score = honours.get("pass_score")
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        fail("honours.pass_score", f"应为 0–100 的分数,实为 {score!r}", f"must be a score 0–100, got {score!r}")
    return {
        "honours_nominee_statuses": _statuses(honours, "honours", "nominee_statuses", fail),
        "honours_weights": tuple((c, float(weights[c])) for c in HONOURS_CRITERIA),
        "honours_income_growth_full": float(growth),
        "honours_own_effort_full": _whole(honours, "honours", "own_effort_full", 1, 100, fail),
        "honours_helping_others_full": _whole(honours, "honours", "helping_others_full", 1, 100, fail),
        "honours_pass_score": float(score),
        "honours_per_village": _whole(honours, "honours", "per_village", 1, 100, fail),
        "honours_pair_max": _whole(honours, "honours", "pair_max", 1, 50, fail),
    }


def _councils_section(councils, fail) -> dict:
    councils = _section(councils, "councils", fail, ("answer_days", "meetings_per_year"))
    return {
        "councils_answer_days": _whole(councils, "councils", "answer_days", 1, 365, fail),
        "councils_meetings_per_year": _whole(councils, "councils", "meetings_per_year", 0, 365, fail),
    }
