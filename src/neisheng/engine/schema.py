"""The registry snapshot contract (shared/spec/data-contract.md) as data.

Every reader, writer, validator and the web platform take their column names,
Chinese headers, types and enumerations from here, so the contract is stated once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyarrow as pa

AMOUNT_TYPE = pa.decimal128(18, 2)


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    kind: str  # string | int | bool | date | decimal | id_number | division_code
    nullable: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # code -> Chinese label
    min_value: int | None = None
    max_value: int | None = None
    # A regular expression the whole (trimmed) value must match, and the reason code
    # (engine.validation.REASONS) a value that does not is refused with.
    pattern: str | None = None
    pattern_reason: str | None = None

    def matches(self, value: str) -> bool:
        """Whether `value` fits the column's pattern (always, without one)."""
        return self.pattern is None or re.fullmatch(self.pattern, value, flags=re.ASCII) is not None

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "string": pa.string(),
            "id_number": pa.string(),
            "division_code": pa.string(),
            "int": pa.int32(),
            "bool": pa.bool_(),
            "date": pa.date32(),
            "decimal": AMOUNT_TYPE,
        }[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]

    @property
    def file_stem(self) -> str:
        return self.name

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


LEVELS = {"1": "省", "2": "市", "3": "县", "4": "乡镇", "5": "村"}
VILLAGE_LEVEL = 5

STATUS = {"lifted": "脱贫户", "monitored": "监测户(已识别)", "general": "一般农户"}
CATEGORY = {"ordinary": "一般", "dibao": "低保", "tekun": "特困供养"}
HOUSING = {"safe": "安全", "c_class": "C级危房", "d_class": "D级危房"}
WATER = {"safe": "安全", "unsafe": "不安全"}
POVERTY_CAUSE = {
    "illness": "因病",
    "disability": "因残",
    "schooling": "因学",
    "disaster": "因灾",
    "no_land": "缺土地",
    "no_water": "缺水",
    "no_skill": "缺技术",
    "no_labor": "缺劳力",
    "no_capital": "缺资金",
    "transport": "交通条件落后",
    "low_motivation": "自身发展动力不足",
    "other": "其他",
}
SUDDEN_EVENT = {
    "none": "无",
    "illness": "重大疾病",
    "disaster": "自然灾害",
    "accident": "意外事故",
    "unemployment": "失业",
    "other": "其他",
}
RELATION = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "other": "其他",
}
SEX = {"male": "男", "female": "女"}
EDUCATION = {
    "none": "文盲或半文盲",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "vocational": "中专/中职",
    "college": "大专及以上",
}
SCHOOLING = {
    "not_in_school": "非在校生",
    "preschool": "学前",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "secondary_vocational": "中职",
    "higher_vocational": "高职",
    "undergraduate_plus": "本科及以上",
}
LABOR = {
    "skilled": "技能劳动力",
    "ordinary": "普通劳动力",
    "weak": "弱劳动力或半劳动力",
    "lost": "丧失劳动力",
    "none": "无劳动力",
}
LABOR_CAPABLE = frozenset({"skilled", "ordinary", "weak"})
HEALTH = {"healthy": "健康", "chronic": "长期慢性病", "serious": "患有大病", "disabled": "残疾"}
# Monitoring outcomes (shared/spec/monitoring.md). Models, forms, the API, the CLI and the
# pages take codes and labels from here; the classification rules emit exactly these codes.
RISK = {"red": "红色", "yellow": "黄色", "green": "绿色"}
RISK_ALERT = {"red": "红色预警", "yellow": "黄色预警", "green": "绿色"}  # home-page figures
RISK_SHORT = {"red": "红", "yellow": "黄", "green": "绿"}  # terminal table headers
MONITOR_TYPE = {"unstable_lifted": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户"}
MONITOR_TYPE_SHORT = {"unstable_lifted": "脱贫不稳定", "marginal": "边缘易致贫", "sudden_hardship": "突发困难"}
STABILITY = {"stable": "稳定", "consolidating": "巩固", "borderline": "临界"}
REASON = {
    "income_below_line": "人均纯收入低于脱贫标准",
    "food_clothing": "吃穿未保障",
    "compulsory_education": "义务教育阶段失学辍学",
    "medical_insurance": "未参加基本医疗保险",
    "housing": "住房不安全",
    "water": "饮水不安全",
    "income_below_threshold": "人均纯收入低于防返贫监测范围",
    "income_drop": "收入大幅下降",
    "rigid_expense": "刚性支出较大",
    "sudden_event": "发生突发事件",
    "no_members": "无在世成员",
}


def bilingual_choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    """Choices labelled "中文 code" (红色 red), as monitoring's migration 0002 recorded the
    risk field; kept for that migration only. Pages show one language at a time: models
    label their choices with the Chinese alone, translated (monitoring.models)."""
    return [(code, f"{zh} {code}") for code, zh in labels.items()]


SOURCE_LABELS = {
    "survey": "入户采集",
    "civil_affairs": "民政",
    "hrss": "人社",
    "disabled_fed": "残联",
    "agriculture": "农业农村",
    "medical_insurance": "医保",
    "education": "教育",
    # Rows the platform's activities write (issue 13): the sum of a household's
    # placements' or welfare posts' pay in a year, kept beside the survey's own rows.
    "job_placement": "就业帮扶",
    "welfare_post": "公益岗位",
}


@dataclass(frozen=True)
class LedgerItem:
    code: str
    kind: str  # income | cost | rigid
    group: str | None
    zh: str


LEDGER_ITEMS: dict[str, LedgerItem] = {
    i.code: i
    for i in (
        LedgerItem("wage", "income", "wage", "工资性收入"),
        LedgerItem("public_welfare_post", "income", "wage", "公益岗位工资"),
        LedgerItem("business_crop", "income", "business", "种植业收入"),
        LedgerItem("business_livestock", "income", "business", "养殖业收入"),
        LedgerItem("business_other", "income", "business", "其他生产经营收入"),
        LedgerItem("dividend", "income", "property", "资产收益分红"),
        LedgerItem("land_transfer", "income", "property", "土地流转收入"),
        LedgerItem("land_compensation", "income", "property", "占地补偿"),
        LedgerItem("dibao", "income", "transfer", "低保金"),
        LedgerItem("tekun", "income", "transfer", "特困供养金(五保金)"),
        LedgerItem("pension", "income", "transfer", "养老金"),
        LedgerItem("farmland_subsidy", "income", "transfer", "地力补贴"),
        LedgerItem("elderly_allowance", "income", "transfer", "高龄津贴"),
        LedgerItem("disability_living", "income", "transfer", "残疾人生活补贴"),
        LedgerItem("disability_care", "income", "transfer", "重度残疾人护理补贴"),
        LedgerItem("incapacity_allowance", "income", "transfer", "失能人员补助"),
        LedgerItem("electricity_subsidy", "income", "transfer", "电费补贴"),
        LedgerItem("eco_compensation", "income", "transfer", "生态补偿"),
        LedgerItem("donation", "income", "transfer", "现金捐赠"),
        LedgerItem("other_income", "income", "transfer", "其他转移性收入"),
        LedgerItem("production_cost", "cost", None, "生产经营费用"),
        LedgerItem("medical_out_of_pocket", "rigid", None, "医疗自付支出"),
        LedgerItem("education_expense", "rigid", None, "教育支出"),
        LedgerItem("disaster_loss", "rigid", None, "灾害损失"),
    )
}
ITEM_LABELS = {code: item.zh for code, item in LEDGER_ITEMS.items()}

# The household number appears in page addresses, API paths and file names, and is the
# database key (32 characters): letters, digits, "-" and "_" only, as the forms always
# required. One definition for every table that names a household.
HOUSEHOLD_ID_PATTERN = r"[0-9A-Za-z_-]{1,32}"
HOUSEHOLD_ID = Column("household_id", "户编号", "string", pattern=HOUSEHOLD_ID_PATTERN,
                      pattern_reason="bad_household_id")

DIVISIONS = Table(
    "divisions",
    "行政区划",
    (
        Column("code", "代码", "division_code"),
        Column("name", "名称", "string"),
        Column("level", "级别", "int", min_value=1, max_value=5),
        Column("parent_code", "上级代码", "division_code", nullable=True),
    ),
)

HOUSEHOLDS = Table(
    "households",
    "农户",
    (
        HOUSEHOLD_ID,
        Column("village_code", "村代码", "division_code"),
        Column("status", "户类型", "string", choices=STATUS),
        Column("category", "保障类别", "string", choices=CATEGORY),
        Column("housing", "住房安全", "string", choices=HOUSING),
        Column("water", "饮水安全", "string", choices=WATER),
        Column("food_clothing_ok", "不愁吃穿", "bool"),
        Column("poverty_cause", "主要致贫原因", "string", nullable=True, choices=POVERTY_CAUSE),
        Column("lifted_year", "脱贫年度", "int", nullable=True, min_value=1978, max_value=2100),
        Column("cooperative_member", "加入合作社", "bool"),
        Column("industry_linked", "产业利益联结", "bool"),
        Column("credit_access", "获得小额信贷", "bool"),
        Column("participates_village_affairs", "参与村集体事务", "bool"),
        Column("willingness", "脱贫意愿", "int", min_value=1, max_value=5),
        Column("sudden_event", "突发事件", "string", choices=SUDDEN_EVENT),
    ),
)

PERSONS = Table(
    "persons",
    "家庭成员",
    (
        Column("person_id", "证件号码", "id_number"),
        HOUSEHOLD_ID,
        Column("name", "姓名", "string"),
        Column("relation", "与户主关系", "string", choices=RELATION),
        Column("sex", "性别", "string", choices=SEX),
        Column("birth_date", "出生日期", "date"),
        Column("alive", "在世", "bool"),
        Column("education", "文化程度", "string", choices=EDUCATION),
        Column("schooling", "在校生状况", "string", choices=SCHOOLING),
        Column("labor", "劳动技能", "string", choices=LABOR),
        Column("health", "健康状况", "string", choices=HEALTH),
        Column("disability_grade", "残疾等级", "int", min_value=0, max_value=4),
        Column("medical_insured", "参加基本医疗保险", "bool"),
        Column("has_skill", "掌握实用技能", "bool"),
        Column("employed_months", "务工月数", "int", min_value=0, max_value=12),
    ),
)

INCOME_ITEMS = Table(
    "income_items",
    "收支台账",
    (
        HOUSEHOLD_ID,
        Column("year", "年度", "int", min_value=1978, max_value=2100),
        Column("item", "项目", "string", choices=ITEM_LABELS),
        Column("amount", "金额(元)", "decimal"),
        Column("source", "来源", "string"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (DIVISIONS, HOUSEHOLDS, PERSONS, INCOME_ITEMS)}
