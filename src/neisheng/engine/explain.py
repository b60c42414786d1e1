"""Why a household got its result, as plain data: for each fired reason the values the
rule compared and the policy's threshold, why the risk colour follows, the motivation
score on its scale with the cut-off and the deprived indicators by dimension, and the
recommended measures grouped by measure with the members they concern.

Every sentence is a `Sentence`: a Chinese msgid with named placeholders and typed values
(an `Amount` in yuan, a `Ratio`, a `Score`, a `Label` to translate, the `Members` it
names by person id). The page translates the msgid into the reader's language, formats
the numbers for it and names the members as it names them; nothing here is prose in one
language. The rules themselves are not restated: the facts come from
`engine.household.assessment`, which runs the monitoring run's own expression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from neisheng.engine import classify, schema
from neisheng.engine.household import Assessment
from neisheng.engine.measures import MEASURE_LABELS, MEASURE_WHY, MEASURES
from neisheng.policy import DIMENSIONS, Policy


def gettext_noop(message: str) -> str:
    """Marks a Chinese msgid for the catalogue: makemessages (xgettext) finds calls by
    this name, while the engine imports no Django. The page translates it when shown."""
    return message


@dataclass(frozen=True)
class Amount:
    """Yuan; shown with thousands separators and no ".00" on whole amounts."""
    value: Decimal


@dataclass(frozen=True)
class Ratio:
    """A share (0.30); shown as a percentage (30%)."""
    value: Decimal


@dataclass(frozen=True)
class Score:
    """A weighted deprivation score or cut-off; shown to three decimals at most."""
    value: float


@dataclass(frozen=True)
class Label:
    """A Chinese msgid (a contract label such as "C级危房"), translated where shown."""
    text: str


@dataclass(frozen=True)
class Labels:
    """Several labels, listed in the reader's language."""
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Members:
    """Members by person id; the page names them as it names them elsewhere."""
    person_ids: tuple[str, ...]


@dataclass(frozen=True)
class Sentence:
    template: str  # Chinese msgid with %(name)s placeholders
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ReasonExplained:
    code: str
    colour: str  # red | yellow
    label: str  # schema.REASON msgid
    why: Sentence


@dataclass(frozen=True)
class IndicatorExplained:
    name: str
    label: str
    weight: float
    deprived: bool
    why: Sentence  # the condition, with this household's value where it has one


@dataclass(frozen=True)
class DimensionExplained:
    code: str
    label: str
    indicators: tuple[IndicatorExplained, ...]

    @property
    def deprived(self) -> tuple[IndicatorExplained, ...]:
        return tuple(i for i in self.indicators if i.deprived)


@dataclass(frozen=True)
class MotivationExplained:
    score: float
    scale: float  # the highest score: the sum of the policy's weights
    k: float
    poor: bool
    summary: Sentence
    dimensions: tuple[DimensionExplained, ...]


@dataclass(frozen=True)
class MeasureExplained:
    code: str
    label: str
    person_ids: tuple[str, ...]  # the members it concerns, each once; empty for the household
    why: tuple[Sentence, ...]


@dataclass(frozen=True)
class Explanation:
    risk: str | None
    risk_why: Sentence
    reasons: tuple[ReasonExplained, ...]
    motivation: MotivationExplained | None
    measures: tuple[MeasureExplained, ...]

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]


DIMENSION_LABELS = {
    "awareness": gettext_noop("意识"),
    "capability": gettext_noop("能力"),
    "organization": gettext_noop("治理"),
    "opportunity": gettext_noop("机会"),
}
INDICATOR_LABELS = {
    "will": gettext_noop("脱贫意愿"),
    "participation": gettext_noop("参与村集体事务"),
    "education": gettext_noop("劳动年龄成员文化程度"),
    "skill": gettext_noop("实用技能"),
    "cooperative": gettext_noop("加入合作社"),
    "industry_link": gettext_noop("产业利益联结"),
    "employment": gettext_noop("务工就业"),
    "credit": gettext_noop("小额信贷"),
}


def income_pc_shown(a: Assessment, policy: Policy) -> Decimal:
    """Per-capita income as the comparison with the line and the threshold needs it: to
    the fen, as a run reports it, unless rounding lands on a threshold the exact value
    is below (8,999.99 yuan for two is 4,499.995, below a line of 4,500, yet rounds to
    4,500.00): then with the decimals that show the rule held."""
    exact = a.net / a.size
    rounded = a.income_pc
    if rounded != exact and rounded in (policy.poverty_line, policy.monitoring_threshold):
        for places in range(3, 9):
            shown = exact.quantize(Decimal(1).scaleb(-places))
            if shown != rounded and (shown < rounded) == (exact < rounded):
                return shown
    return rounded


def _reason_why(code: str, a: Assessment, policy: Policy) -> Sentence:
    if code == "income_below_line":
        return Sentence(gettext_noop("人均纯收入 %(income_pc)s 元 < 脱贫标准 %(poverty_line)s 元"),
                        {"income_pc": Amount(income_pc_shown(a, policy)),
                         "poverty_line": Amount(policy.poverty_line)})
    if code == "income_below_threshold":
        return Sentence(gettext_noop("脱贫标准 %(poverty_line)s 元 ≤ 人均纯收入 %(income_pc)s 元 < 监测范围 %(threshold)s 元"),
                        {"poverty_line": Amount(policy.poverty_line), "income_pc": Amount(income_pc_shown(a, policy)),
                         "threshold": Amount(policy.monitoring_threshold)})
    if code == "income_drop":
        fall = (a.prev_net - a.net) / a.prev_net
        return Sentence(
            "纯收入由上年 %(prev_net)s 元降至 %(net)s 元,下降 %(fall)s ≥ %(drop_ratio)s",
            {"prev_net": Amount(a.prev_net), "net": Amount(a.net), "fall": Ratio(fall),
             "drop_ratio": Ratio(policy.drop_ratio)})
    if code == "rigid_expense":
        return Sentence(
            "刚性支出 %(rigid)s 元 ≥ 纯收入 %(net)s 元 × %(rigid_ratio)s = %(limit)s 元",
            {"rigid": Amount(a.rigid), "net": Amount(a.net), "rigid_ratio": Ratio(policy.rigid_ratio),
             "limit": Amount(a.net * policy.rigid_ratio)})
    if code == "food_clothing":
        return Sentence(gettext_noop("“不愁吃、不愁穿”登记为未保障"))
    if code == "compulsory_education":
        return Sentence(
            "%(members)s 处于义务教育阶段(%(low)s–%(high)s 周岁)但未在校(%(grades)s 级残疾送教上门的不计)",
            {"members": Members(a.out_of_school),
             "low": policy.compulsory_school_ages.low, "high": policy.compulsory_school_ages.high,
             "grades": "/".join(str(g) for g in policy.home_schooling_disability_grades)})
    if code == "medical_insurance":
        return Sentence(gettext_noop("%(members)s 未参加基本医疗保险"),
                        {"members": Members(a.uninsured)})
    if code == "housing":
        return Sentence(gettext_noop("住房安全鉴定为%(housing)s"), {"housing": Label(schema.HOUSING[a.facts["housing"]])})
    if code == "water":
        return Sentence(gettext_noop("饮水安全鉴定为%(water)s"), {"water": Label(schema.WATER[a.facts["water"]])})
    if code == "sudden_event":
        return Sentence(gettext_noop("发生突发事件:%(event)s"), {"event": Label(schema.SUDDEN_EVENT[a.facts["sudden_event"]])})
    raise KeyError(code)


def reasons_explained(a: Assessment, policy: Policy) -> tuple[ReasonExplained, ...]:
    """Each fired reason, in the order of the run's `reasons` column, with the values its
    rule compared; a failed guarantee names its members (by person id)."""
    return tuple(
        ReasonExplained(code, "red" if code in classify.RED_REASONS else "yellow", schema.REASON[code],
                        _reason_why(code, a, policy))
        for code in a.reasons
    )


def risk_why(risk: str | None, reasons: Iterable[str]) -> Sentence:
    """Why the colour follows from the reasons: red if any red reason (named), yellow if
    only yellow ones (named), green when none fired."""
    reasons = list(reasons)
    red = tuple(schema.REASON[r] for r in reasons if r in classify.RED_REASONS)
    yellow = tuple(schema.REASON[r] for r in reasons if r in classify.YELLOW_REASONS)
    if risk is None:
        return Sentence(gettext_noop("户内无在世成员,不作监测"))
    if risk == "red":
        if yellow:
            return Sentence(gettext_noop("红色:有红色原因(%(red)s),另有黄色原因(%(yellow)s);有任一红色原因即为红色"),
                            {"red": Labels(red), "yellow": Labels(yellow)})
        return Sentence(gettext_noop("红色:有红色原因(%(red)s);有任一红色原因即为红色"), {"red": Labels(red)})
    if risk == "yellow":
        return Sentence(gettext_noop("黄色:无红色原因,有黄色原因(%(yellow)s)"), {"yellow": Labels(yellow)})
    return Sentence(gettext_noop("绿色:收入、两不愁三保障、饮水安全均未触发任何监测原因"))


def _indicator_why(name: str, a: Assessment, policy: Policy) -> Sentence:
    if name == "will":
        return Sentence(gettext_noop("%(willingness)s 分,不高于 %(at_most)s 分为剥夺"),
                        {"willingness": a.facts["willingness"], "at_most": policy.willingness_deprived_at_most})
    if name == "participation":
        return Sentence(gettext_noop("近12个月未参与村集体事务为剥夺"))
    if name == "education":
        return Sentence(gettext_noop("无 %(low)s–%(high)s 周岁成员文化程度达到%(level)s及以上为剥夺"),
                        {"low": policy.education_ages.low, "high": policy.education_ages.high,
                         "level": Label(schema.EDUCATION[policy.education_at_least])})
    if name == "skill":
        return Sentence(gettext_noop("有劳动能力的成员均未掌握实用技能为剥夺"))
    if name == "cooperative":
        return Sentence(gettext_noop("未加入合作社为剥夺"))
    if name == "industry_link":
        return Sentence(gettext_noop("未与产业项目建立利益联结为剥夺"))
    if name == "employment":
        return Sentence(gettext_noop("无有劳动能力的成员务工达到 %(months)s 个月为剥夺"),
                        {"months": policy.employment_months_at_least})
    if name == "credit":
        return Sentence(gettext_noop("未获得小额信贷为剥夺"))
    raise KeyError(name)


def motivation_explained(a: Assessment, policy: Policy) -> MotivationExplained | None:
    """The score on its scale (0 to the sum of the policy's weights), the cut-off k and the
    policy's indicators by dimension, each marked deprived or not. None without members."""
    if a.motivation_score is None:
        return None
    scale = sum(i.weight for i in policy.indicators)
    dimensions = tuple(
        DimensionExplained(dimension, DIMENSION_LABELS[dimension], tuple(
            IndicatorExplained(i.name, INDICATOR_LABELS[i.name], i.weight, a.deprived[i.name],
                               _indicator_why(i.name, a, policy))
            for i in policy.indicators if i.dimension == dimension
        ))
        for dimension in DIMENSIONS
    )
    values = {"score": Score(a.motivation_score), "scale": Score(scale), "k": Score(policy.motivation_k)}
    summary = (Sentence(gettext_noop("%(score)s,满分 %(scale)s,临界值 %(k)s:内生动力不足"), values) if a.motivation_poor
               else Sentence(gettext_noop("%(score)s,满分 %(scale)s,临界值 %(k)s:内生动力充足"), values))
    return MotivationExplained(a.motivation_score, scale, policy.motivation_k, bool(a.motivation_poor),
                               summary, tuple(d for d in dimensions if d.indicators))


def _measure_values(a: Assessment, policy: Policy, person_ids: tuple[str, ...]) -> dict[str, object]:
    return {
        "members": Members(person_ids),
        "housing": Label(schema.HOUSING.get(a.facts["housing"], a.facts["housing"])),
        "income_pc": Amount(a.income_pc) if a.income_pc is not None else None,
        "threshold": Amount(policy.monitoring_threshold),
        "rigid": Amount(a.rigid),
        "rigid_ratio": Ratio(policy.rigid_ratio),
        "willingness": a.facts["willingness"],
        "at_most": policy.willingness_deprived_at_most,
        "risk": Label(schema.RISK[a.risk]) if a.risk else None,
        "school_low": policy.compulsory_school_ages.low, "school_high": policy.compulsory_school_ages.high,
        "training_low": policy.training_ages.low, "training_high": policy.training_ages.high,
        "job_low": policy.job_placement_ages.low, "job_high": policy.job_placement_ages.high,
        "post_low": policy.welfare_post_ages.low, "post_high": policy.welfare_post_ages.high,
        "months": policy.employment_months_at_least,
        "grades": "/".join(str(g) for g in policy.severe_disability_grades),
    }


def measures_explained(recommended: Iterable[tuple[str, str | None]], a: Assessment,
                       policy: Policy) -> tuple[MeasureExplained, ...]:
    """The run's recommendations, (measure, person id or None) pairs, grouped: one entry
    per measure in the order of `measures.MEASURES`, naming each member it concerns once,
    with the reason of its rule (`measures.MEASURE_WHY`) filled from the household."""
    members: dict[str, list[str]] = {}
    for measure, person_id in recommended:
        ids = members.setdefault(measure, [])
        if person_id and person_id not in ids:
            ids.append(person_id)
    out = []
    for code in sorted(members, key=lambda m: MEASURES.index(m) if m in MEASURES else len(MEASURES)):
        person_ids = tuple(members[code])
        values = _measure_values(a, policy, person_ids)
        templates = MEASURE_WHY.get(code, ())
        if code == "medical_assistance":
            # Either part of its rule may have fired; say which.
            templates = tuple(t for t, on in zip(templates, (a.fired["rigid_expense"], a.facts["any_seriously_ill"]))
                              if on) or templates
        why = tuple(Sentence(t, {k: v for k, v in values.items() if f"%({k})s" in t}) for t in templates)
        out.append(MeasureExplained(code, MEASURE_LABELS.get(code, code), person_ids, why))
    return tuple(out)


def household_explained(a: Assessment, policy: Policy,
                        recommended: Iterable[tuple[str, str | None]] = ()) -> Explanation:
    """Everything the household page says about why: `a` from `household.assessment` with
    the run's policy, `recommended` the run's measures as (measure, person id or None)."""
    return Explanation(
        risk=a.risk,
        risk_why=risk_why(a.risk, a.reasons),
        reasons=reasons_explained(a, policy),
        motivation=motivation_explained(a, policy),
        measures=measures_explained(recommended, a, policy),
    )
