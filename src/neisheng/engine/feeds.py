"""Department feeds (feeds.md): the eleven layouts, read and checked as a whole.

A feed is a CSV (UTF-8 or GB18030) or Excel file with a header row, English column names
or the Chinese ones. `FEED_TYPES` is the one description of every layout: pages, the
upload check, the CLI and the demo's sample feeds read their columns from it.
"""

from __future__ import annotations

from dataclasses import dataclass

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
