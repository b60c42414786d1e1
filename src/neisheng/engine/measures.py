"""Tailored measures (因户施策), each with a Chinese explanation naming the facts that
fired it, so a cadre can check the recommendation against the household in front of them.

Members are named by surname only (李某): the explanation travels into exports and
printed lists, where a full name beside a health condition is more than a cadre needs.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from neisheng.engine import income
from neisheng.engine.members import in_ages
from neisheng.engine.schema import HEALTH, HOUSING, LABOR, RISK, SCHOOLING
from neisheng.policy import Policy

MEASURES = (
    "school_return", "insurance_enrol", "housing_renovation", "water_project",
    "social_assistance_review", "asset_dividend", "skills_training", "public_welfare_post",
    "job_placement", "industry_support", "microcredit", "medical_assistance",
    "education_aid", "morale_support", "disability_allowance",
)
MEASURE_LABELS = {
    "school_return": "控辍保学",
    "insurance_enrol": "参保资助",
    "housing_renovation": "危房改造",
    "water_project": "饮水安全工程",
    "social_assistance_review": "兜底保障审核",
    "asset_dividend": "资产收益分红",
    "skills_training": "技能培训",
    "public_welfare_post": "公益岗位",
    "job_placement": "就业帮扶",
    "industry_support": "产业帮扶",
    "microcredit": "扶贫小额信贷",
    "medical_assistance": "医疗救助",
    "education_aid": "教育资助(雨露计划)",
    "morale_support": "扶志帮扶(宣讲/示范户结对)",
    "disability_allowance": "残疾人两项补贴",
}
def gettext_noop(message: str) -> str:
    """Marks a Chinese msgid for the catalogue: makemessages (xgettext) finds calls by
    this name, while the engine imports no Django. The page translates it when shown."""
    return message


# Each measure's reason as a Chinese msgid with named placeholders, beside its rule below,
# for pages that explain the run's recommendations in the reader's language and group a
# measure's members (%(members)s) in one line (engine.explain fills them). The Chinese
# `explanation` column of a run's output stays as it is, for exports and printed lists.
MEASURE_WHY = {
    "school_return": (gettext_noop("%(members)s 处于义务教育阶段(%(school_low)s–%(school_high)s 周岁)但未在校"),),
    "insurance_enrol": (gettext_noop("%(members)s 未参加基本医疗保险"),),
    "housing_renovation": (gettext_noop("住房安全鉴定为%(housing)s"),),
    "water_project": (gettext_noop("饮水安全不达标"),),
    "social_assistance_review": (
        gettext_noop("家中无劳动能力成员,人均纯收入 %(income_pc)s 元低于监测范围 %(threshold)s 元,且未纳入低保或特困供养"),),
    "asset_dividend": (gettext_noop("家中无劳动能力成员,且未与产业项目建立利益联结"),),
    "skills_training": (gettext_noop("%(members)s 有劳动能力、%(training_low)s–%(training_high)s 周岁,未掌握实用技能"),),
    "public_welfare_post": (
        gettext_noop("%(members)s 为弱劳动力或残疾、%(post_low)s–%(post_high)s 周岁,务工不足 %(months)s 个月"),),
    "job_placement": (gettext_noop("%(members)s 有劳动能力、%(job_low)s–%(job_high)s 周岁,务工不足 %(months)s 个月"),),
    "industry_support": (gettext_noop("有劳动能力成员,但未加入合作社,也未与产业项目建立利益联结"),),
    "microcredit": (gettext_noop("有劳动能力成员,未获得小额信贷,监测风险为%(risk)s"),),
    # Either condition of the rule: the page shows the one(s) that held.
    "medical_assistance": (gettext_noop("本年刚性支出 %(rigid)s 元,达到家庭纯收入的 %(rigid_ratio)s 及以上"), gettext_noop("有成员患有大病")),
    "education_aid": (gettext_noop("%(members)s 在读高中、中职、高职或本科及以上"),),
    "morale_support": (gettext_noop("脱贫意愿 %(willingness)s 分(不高于 %(at_most)s 分),且近12个月未参与村集体事务"),),
    "disability_allowance": (gettext_noop("有 %(grades)s 级残疾成员,本年度无残疾人生活补贴或重度残疾人护理补贴收入"),),
}
STUDYING = ("senior", "secondary_vocational", "higher_vocational", "undergraduate_plus")
RISK_LABELS = RISK


def _text(value) -> ir.StringValue:
    return value.cast("string")


def _join(*parts) -> ir.StringValue:
    # One CONCAT_WS call builds the string in one allocation; a chain of || makes a
    # new string per piece, which shows over millions of explanations. Pieces given as
    # tuples (a member's description) are spliced in rather than built as strings of
    # their own, and neighbouring literals are one literal.
    flat: list = []
    for part in parts:
        for piece in part if isinstance(part, tuple) else (part,):
            if isinstance(piece, str) and flat and isinstance(flat[-1], str):
                flat[-1] += piece
            else:
                flat.append(piece)
    return ibis.literal("").join([ibis.literal(p) if isinstance(p, str) else p for p in flat])


def _fired(t: ir.Table, rules, person_id: str | None, carried: tuple[str, ...]) -> ir.Table:
    """One row per row of `t` and measure whose condition holds, with its explanation.

    Each rule is (measure, condition(table), explanation(table)). All conditions are
    evaluated in one pass and the fired measures unnested, rather than a union of one
    query per measure: engines materialise a table read by many branches of a union.
    """
    # The measures that did not fire are dropped from each row's array before the unnest:
    # unnesting all of them copied every carried column once per rule, then threw most away.
    fired = ibis.array(
        [ibis.ifelse(condition(t), measure, ibis.null("string")) for measure, condition, _ in rules]
    ).filter(lambda measure: measure.notnull())
    candidates = t.filter(ibis.or_(*(condition(t) for _, condition, _ in rules)))
    # Only what the explanations read is carried through the unnest.
    u = candidates.select(*carried, measure=fired.unnest())
    explanation = ibis.cases(*((u.measure == measure, text(u)) for measure, _, text in rules))
    # Every input yields the same schema, nullability included, whatever the tables declared.
    return u.select(
        household_id=u.household_id.cast("string"),
        measure=u.measure.cast("string"),
        person_id=(u[person_id] if person_id else ibis.null()).cast("string"),
        explanation=explanation.cast("string"),
    )


def household_measures(assessed: ir.Table, policy: Policy) -> ir.Table:
    threshold = income.fen(policy.monitoring_threshold)
    rigid_pct = f"{policy.rigid_ratio * 100:g}%"
    grades = "、".join(f"{g}级" for g in policy.severe_disability_grades)
    rules = [
        ("housing_renovation", lambda h: h.r_housing,
         lambda h: _join("住房安全鉴定为", h.housing.substitute(HOUSING))),
        ("water_project", lambda h: h.r_water, lambda h: _join("饮水安全不达标")),
        ("social_assistance_review",
         lambda h: ~h.any_labor_capable & (h.net_fen < threshold * h.size) & (h.category == "ordinary"),
         lambda h: _join("家中无劳动能力成员,人均纯收入", _text(income.per_capita(h.net_fen, h.size)),
                         f"元低于监测范围{policy.monitoring_threshold:g}元,且未纳入低保或特困供养")),
        ("asset_dividend", lambda h: ~h.any_labor_capable & ~h.industry_linked,
         lambda h: _join("家中无劳动能力成员,且未与产业项目建立利益联结")),
        ("industry_support", lambda h: h.any_labor_capable & ~h.industry_linked & ~h.cooperative_member,
         lambda h: _join("有劳动能力成员,但未加入合作社,也未与产业项目建立利益联结")),
        ("microcredit", lambda h: h.any_labor_capable & ~h.credit_access & (h.risk != "green"),
         lambda h: _join("有劳动能力成员,未获得小额信贷,监测风险为", h.risk.substitute(RISK_LABELS))),
        ("medical_assistance", lambda h: h.r_rigid_expense | h.any_seriously_ill,
         lambda h: ibis.literal(";").join([
             ibis.ifelse(h.r_rigid_expense,
                         _join("本年刚性支出", _text(income.fen_to_yuan(h.rigid_fen)),
                               f"元,达到家庭纯收入的{rigid_pct}及以上"),
                         ibis.null("string")),
             ibis.ifelse(h.any_seriously_ill, "有成员患有大病", ibis.null("string")),
         ])),
        ("morale_support", lambda h: h.d_will & h.d_participation,
         lambda h: _join("脱贫意愿", _text(h.willingness),
                         f"分(不高于{policy.willingness_deprived_at_most}分),且近12个月未参与村集体事务")),
        ("disability_allowance", lambda h: h.any_severely_disabled & ~h.has_disability_allowance,
         lambda h: _join(f"有{grades}残疾成员,本年度无残疾人生活补贴或重度残疾人护理补贴收入")),
    ]
    carried = ("household_id", "housing", "net_fen", "size", "risk", "r_rigid_expense",
               "rigid_fen", "any_seriously_ill", "willingness")
    return _fired(assessed.filter(assessed.size > 0), rules, person_id=None, carried=carried)


def _member(m: ir.Table, with_labor: bool = False) -> tuple:
    """The pieces naming a member (成员李某(34岁, 普通劳动力)), for `_join`."""
    parts = ["成员", m.name.substr(0, 1), "某(", _text(m.age), "岁"]
    if with_labor:
        parts += [", ", m.labor.substitute(LABOR)]
    return (*parts, ")")


def person_measures(members: ir.Table, policy: Policy) -> ir.Table:
    months = policy.employment_months_at_least

    def aged(m, ages):
        return in_ages(m.birth_date, ages, policy.reference_date)

    def short_of_work(m):
        return m.labor_capable & (m.employed_months < months)

    def welfare_post(m):
        return (short_of_work(m) & aged(m, policy.welfare_post_ages)
                & ((m.labor == "weak") | (m.health == "disabled")))

    def worked(m):
        return ("务工", _text(m.employed_months), f"个月,不足{months}个月")

    rules = [
        ("school_return", lambda m: m.out_of_school,
         lambda m: _join(_member(m), f"处于义务教育阶段({policy.compulsory_school_ages}岁)但未在校")),
        ("insurance_enrol", lambda m: m.uninsured, lambda m: _join(_member(m), "未参加基本医疗保险")),
        ("skills_training",
         lambda m: m.labor_capable & aged(m, policy.training_ages) & ~m.has_skill,
         lambda m: _join(_member(m, with_labor=True), "未掌握实用技能")),
        ("public_welfare_post", welfare_post,
         lambda m: _join(_member(m, with_labor=True),
                         ibis.ifelse(m.health == "disabled", HEALTH["disabled"] + ",", ""), worked(m))),
        ("job_placement",
         lambda m: short_of_work(m) & aged(m, policy.job_placement_ages) & ~welfare_post(m),
         lambda m: _join(_member(m, with_labor=True), worked(m))),
        ("education_aid", lambda m: m.schooling.isin(STUDYING),
         lambda m: _join(_member(m), "在读", m.schooling.substitute(SCHOOLING))),
    ]
    carried = ("household_id", "person_id", "name", "birth_date", "age", "labor", "health",
               "employed_months", "schooling")
    return _fired(members, rules, person_id="person_id", carried=carried)


def measures(assessed: ir.Table, members: ir.Table, policy: Policy) -> ir.Table:
    return ibis.union(household_measures(assessed, policy), person_measures(members, policy))
