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
from neisheng.engine.schema import HEALTH, HOUSING, LABOR, SCHOOLING
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
STUDYING = ("senior", "secondary_vocational", "higher_vocational", "undergraduate_plus")
RISK_LABELS = {"red": "红色", "yellow": "黄色", "green": "绿色"}


def _text(value) -> ir.StringValue:
    return value.cast("string")


def _join(*parts) -> ir.StringValue:
    out = ibis.literal("")
    for part in parts:
        out = out + (ibis.literal(part) if isinstance(part, str) else part)
    return out


def _rows(t: ir.Table, measure: str, explanation, person_id=None) -> ir.Table:
    # Every part of the union must have the same schema, nullability included, whatever
    # the input tables declared.
    return t.select(
        household_id=t.household_id.cast("string"),
        measure=ibis.literal(measure).cast("string"),
        person_id=(person_id if person_id is not None else ibis.null()).cast("string"),
        explanation=explanation.cast("string"),
    )


def household_measures(assessed: ir.Table, policy: Policy) -> list[ir.Table]:
    h = assessed.filter(assessed.size > 0)
    no_labor = ~h.any_labor_capable
    labor = h.any_labor_capable
    threshold = income.fen(policy.monitoring_threshold)
    income_pc = _text(income.per_capita(h.net_fen, h.size))
    rigid = _text(income.fen_to_yuan(h.rigid_fen))
    rigid_pct = f"{policy.rigid_ratio * 100:g}%"
    chosen = [
        (h.r_housing, "housing_renovation",
         _join("住房安全鉴定为", h.housing.substitute(HOUSING))),
        (h.r_water, "water_project", _join("饮水安全不达标")),
        (no_labor & (h.net_fen < threshold * h.size) & (h.category == "ordinary"),
         "social_assistance_review",
         _join("家中无劳动能力成员,人均纯收入", income_pc, f"元低于监测范围{policy.monitoring_threshold:g}元,"
               "且未纳入低保或特困供养")),
        (no_labor & ~h.industry_linked, "asset_dividend",
         _join("家中无劳动能力成员,且未与产业项目建立利益联结")),
        (labor & ~h.industry_linked & ~h.cooperative_member, "industry_support",
         _join("有劳动能力成员,但未加入合作社,也未与产业项目建立利益联结")),
        (labor & ~h.credit_access & (h.risk != "green"), "microcredit",
         _join("有劳动能力成员,未获得小额信贷,监测风险为", h.risk.substitute(RISK_LABELS))),
        (h.r_rigid_expense | h.any_seriously_ill, "medical_assistance",
         ibis.literal(";").join([
             ibis.ifelse(h.r_rigid_expense,
                         _join("本年刚性支出", rigid, f"元,达到家庭纯收入的{rigid_pct}及以上"),
                         ibis.null("string")),
             ibis.ifelse(h.any_seriously_ill, "有成员患有大病", ibis.null("string")),
         ])),
        (h.d_will & h.d_participation, "morale_support",
         _join("脱贫意愿", _text(h.willingness),
               f"分(不高于{policy.willingness_deprived_at_most}分),且近12个月未参与村集体事务")),
        (h.any_severely_disabled & ~h.has_disability_allowance, "disability_allowance",
         _join("有", "、".join(f"{g}级" for g in policy.severe_disability_grades),
               "残疾成员,本年度无残疾人生活补贴或重度残疾人护理补贴收入")),
    ]
    return [_rows(h.filter(condition), measure, text) for condition, measure, text in chosen]


def _member(m: ir.Table, with_labor: bool = False) -> ir.StringValue:
    surname = m.name.substr(0, 1)
    parts = ["成员", surname, "某(", _text(m.age), "岁"]
    if with_labor:
        parts += [", ", m.labor.substitute(LABOR)]
    return _join(*parts, ")")


def person_measures(members: ir.Table, policy: Policy) -> list[ir.Table]:
    m = members
    months = policy.employment_months_at_least
    short_of_work = m.labor_capable & (m.employed_months < months)
    welfare_post = (
        short_of_work & in_ages(m.age, policy.welfare_post_ages)
        & ((m.labor == "weak") | (m.health == "disabled"))
    )
    worked = _join("务工", _text(m.employed_months), f"个月,不足{months}个月")
    chosen = [
        (m.out_of_school, "school_return",
         _join(_member(m), f"处于义务教育阶段({policy.compulsory_school_ages}岁)但未在校")),
        (m.uninsured, "insurance_enrol", _join(_member(m), "未参加基本医疗保险")),
        (m.labor_capable & in_ages(m.age, policy.training_ages) & ~m.has_skill, "skills_training",
         _join(_member(m, with_labor=True), "未掌握实用技能")),
        (welfare_post, "public_welfare_post",
         _join(_member(m, with_labor=True),
               ibis.ifelse(m.health == "disabled", HEALTH["disabled"] + ",", ""), worked)),
        (short_of_work & in_ages(m.age, policy.job_placement_ages) & ~welfare_post, "job_placement",
         _join(_member(m, with_labor=True), worked)),
        (m.schooling.isin(STUDYING), "education_aid",
         _join(_member(m), "在读", m.schooling.substitute(SCHOOLING))),
    ]
    return [
        _rows(m.filter(condition), measure, text, person_id=m.person_id)
        for condition, measure, text in chosen
    ]


def measures(assessed: ir.Table, members: ir.Table, policy: Policy) -> ir.Table:
    return ibis.union(*household_measures(assessed, policy), *person_measures(members, policy))
