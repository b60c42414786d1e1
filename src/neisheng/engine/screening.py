"""The thirteen screening rules of feeds.md, on a linked feed and the registry.

`RULES` names every rule (code → Chinese label), in feeds.md's order. Each rule is one
function `_rule_<code>` below, a DuckDB query over Arrow tables; `screen_feed` runs the
rules of the feed's type (`RULES_BY_FEED_TYPE`) and returns one table of findings.

Only rows linked to a person count: `matches.match_kind` exact or probable (the platform
passes review rows a clerk accepted as probable). Every finding has a `period`, the part
of "the same rule, person and period" that feeds.md never raises twice:

    deceased_alive               ""                 a person dies once
    deceased_paid                "YYYY-MM"          the month paid (social_assistance rows)
                                 "YYYY"             the ledger year (death feeds; household-level)
    assistance_category_mismatch "YYYY-MM"          the month paid
    vehicle_owner                the plate
    company_role                 the company's name
    urban_property               the property's address
    child_not_in_school          the term, "2026-autumn"
    high_school_fees             "YYYY"             the fee year
    inpatient_self_pay           "YYYY"             the calendar year of the settlements
    outpatient_self_pay          "YYYY-MM"          the calendar month of the settlements
    uninsured                    "YYYY"             the roll's year
    new_serious_illness          "YYYY-MM-DD"       the diagnosis date
    disaster_loss                "YYYY-MM-DD"       the event date

Periods longer than `PERIOD_MAX` characters (a long company name or address) are cut
there, the length the platform stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import duckdb
import pyarrow as pa

from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.engine.members import reached_age_by
from neisheng.engine.schema import CATEGORY, LEDGER_ITEMS, STATUS

RULES: dict[str, str] = {
    "deceased_alive": "死亡人员仍登记在世",
    "deceased_paid": "死亡后仍领取救助",
    "assistance_category_mismatch": "救助类别与保障类别不符",
    "vehicle_owner": "家庭成员名下有小汽车或货车",
    "company_role": "家庭成员在企业任职或持股",
    "urban_property": "家庭成员有城镇房产",
    "child_not_in_school": "适龄儿童未在学籍名单中",
    "high_school_fees": "自付学费较高",
    "inpatient_self_pay": "住院自付费用较高",
    "outpatient_self_pay": "门诊自付费用较高",
    "uninsured": "未参加基本医疗保险",
    "new_serious_illness": "新确诊大病",
    "disaster_loss": "受灾损失较大",
}

RULES_BY_FEED_TYPE: dict[str, tuple[str, ...]] = {
    "death": ("deceased_alive", "deceased_paid"),
    "social_assistance": ("deceased_paid", "assistance_category_mismatch"),
    "vehicle": ("vehicle_owner",),
    "company": ("company_role",),
    "property": ("urban_property",),
    "school_roll": ("child_not_in_school",),
    "school_fees": ("high_school_fees",),
    "medical_claims": ("inpatient_self_pay", "outpatient_self_pay"),
    "insurance_roll": ("uninsured",),
    "serious_illness": ("new_serious_illness",),
    "disaster": ("disaster_loss",),
}

# The households whose members' cars, companies, property and hospital bills the rules watch.
WATCHED_STATUSES = ("lifted", "monitored")
_WATCHED_SQL = "(" + ", ".join(f"'{status}'" for status in WATCHED_STATUSES) + ")"
PERIOD_MAX = 64

FINDINGS_SCHEMA = pa.schema([
    pa.field("rule", pa.string(), nullable=False),
    pa.field("household_id", pa.string(), nullable=False),
    pa.field("person_id", pa.string()),
    pa.field("rows", pa.list_(pa.int64()), nullable=False),
    pa.field("evidence", pa.string(), nullable=False),
    pa.field("period", pa.string(), nullable=False),
])

# The ledger's transfer items (dibao, pensions, subsidies…): what deceased_paid looks for
# in the income ledger of a household whose members are all dead.
TRANSFER_ITEMS = tuple(code for code, item in LEDGER_ITEMS.items() if item.group == "transfer")

SCHOOL_TERMS = {"spring": "春季", "autumn": "秋季"}


def screen_feed(feed_type: str, feed: pa.Table, matches: pa.Table, *, persons: pa.Table, households: pa.Table,
                income_items: pa.Table, policy, today: dt.date, known_deaths: pa.Table | None = None) -> pa.Table:
    """The findings of one feed (FINDINGS_SCHEMA), sorted by rule order, household,
    person and period, at most one per rule, subject (person, else household) and period.

    `feed` is `engine.feeds.feed_read`'s table; `matches` has one row per feed row (row,
    person_id, household_id, match_kind); `known_deaths` (person_id, death_date) are the
    deaths earlier death feeds reported, used beside the registry's `alive`."""
    if feed_type not in RULES_BY_FEED_TYPE:
        raise ValueError(f"unknown feed type {feed_type!r}")
    screening = _Screening(feed_type, feed, matches, persons=persons, households=households,
                           income_items=income_items, policy=policy, today=today, known_deaths=known_deaths)
    try:
        found = [RULE_FUNCTIONS[rule](screening) for rule in RULES_BY_FEED_TYPE[feed_type]]
        return screening.combine(found)
    finally:
        screening.con.close()


def ledger_amounts(feed_type: str, rule: str, feed_rows: pa.Table) -> list[tuple[int, str, Decimal]]:
    """What a confirmed finding's feed rows say the household received or spent, as
    (year, ledger item, amount) sums, in year and item order; [] for a rule without amounts.

    `feed_rows` has the feed type's columns, typed as `feed_read` gives them or as the text
    the department wrote (the platform keeps each row's values as text)."""
    spec = _LEDGER_COLUMNS.get((feed_type, rule))
    if spec is None:
        return []
    when_column, amount_column, item_of = spec
    sums: dict[tuple[int, str], Decimal] = {}
    for values in feed_rows.to_pylist():
        amount = values.get(amount_column)
        when = values.get(when_column)
        if amount is None or amount == "" or when is None or when == "":
            continue
        key = (_year_of(when), item_of(values))
        sums[key] = sums.get(key, Decimal(0)) + Decimal(str(amount)).quantize(Decimal("0.01"))
    return [(year, item, amount) for (year, item), amount in sorted(sums.items())]


def _year_of(value) -> int:
    """The year of a date, a "YYYY-MM" month, a year number or their text."""
    if isinstance(value, dt.date):
        return value.year
    return int(str(value).strip()[:4])


_LEDGER_COLUMNS: dict[tuple[str, str], tuple[str, str, Callable[[dict], str]]] = {
    # Paid under the row's own kind: a dibao row goes to the dibao item even when the
    # finding is that the household's category says otherwise.
    ("social_assistance", "deceased_paid"): ("month", "amount", lambda values: _assistance_item(values["kind"])),
    ("social_assistance", "assistance_category_mismatch"): (
        "month", "amount", lambda values: _assistance_item(values["kind"])),
    ("medical_claims", "inpatient_self_pay"): ("date", "self_pay", lambda _values: "medical_out_of_pocket"),
    ("medical_claims", "outpatient_self_pay"): ("date", "self_pay", lambda _values: "medical_out_of_pocket"),
    ("school_fees", "high_school_fees"): ("year", "self_paid", lambda _values: "education_expense"),
    ("disaster", "disaster_loss"): ("event_date", "loss", lambda _values: "disaster_loss"),
}


def _assistance_item(kind: str) -> str:
    """The ledger item of a social_assistance kind, given as its code or Chinese label."""
    labels = dict(next(c for c in FEED_TYPES["social_assistance"].columns if c.name == "kind").choices)
    for code, label in labels.items():
        if kind in (code, label):
            return code
    raise ValueError(f"unknown assistance kind {kind!r}")


def _yuan(amount: float) -> str:
    """A policy threshold as the evidence writes it: 5,000 or 5,000.50."""
    return f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"


def _case(expression: str, labels: dict[str, str]) -> str:
    """A SQL expression giving the Chinese label of a code column."""
    whens = " ".join(f"WHEN '{code}' THEN '{label}'" for code, label in labels.items())
    return f"(CASE {expression} {whens} ELSE {expression} END)"


# SQL pieces the evidence sentences share.
_STATUS_LABEL = _case("household_status", STATUS)


def _money(expression: str) -> str:
    return f"format('{{:,.2f}}', ({expression})::DOUBLE)"


def _month_zh(expression: str) -> str:
    return f"format('{{}}年{{}}月', left({expression}, 4), CAST(substr({expression}, 6, 2) AS INTEGER))"


class _Screening:
    """One feed's tables on an in-memory DuckDB, with the table `linked`: the feed's rows
    linked to a person, with that person's household, status, category and village."""

    def __init__(self, feed_type, feed, matches, *, persons, households, income_items, policy, today,
                 known_deaths):
        self.feed_type = feed_type
        self.policy = policy
        self.today = today
        self.department = DEPARTMENTS[FEED_TYPES[feed_type].department]
        self.con = duckdb.connect(config={"threads": 2})
        self.con.register("feed", feed)
        self.con.register("matches", matches.select(["row", "person_id", "household_id", "match_kind"]))
        self.con.register("persons", persons.select(
            ["person_id", "household_id", "birth_date", "alive", "disability_grade"]))
        self.con.register("households", households.select(["household_id", "village_code", "status", "category"]))
        self.con.register("income_items", income_items.select(["household_id", "year", "item", "amount"]))
        if known_deaths is None:
            known_deaths = pa.table({"person_id": pa.array([], pa.string()),
                                     "death_date": pa.array([], pa.date32())})
        self.con.register("known_deaths_given", known_deaths.select(["person_id", "death_date"]))
        # Two death feeds may date one death differently: the later date is the one a
        # payment is surely after.
        self.con.execute("""
            CREATE TEMP VIEW known_deaths AS
            SELECT person_id, max(death_date) AS death_date FROM known_deaths_given
            WHERE death_date IS NOT NULL GROUP BY person_id""")
        # Every rule reads it, some twice: joined once.
        self.con.execute("""
            CREATE TEMP TABLE linked AS
            SELECT f.*, m.person_id AS pid, coalesce(p.household_id, m.household_id) AS hid,
                   p.alive AS person_alive, h.status AS household_status, h.category AS household_category,
                   left(h.village_code, 6) AS county_code
            FROM feed f
            JOIN matches m ON m."row" = f."row"
            LEFT JOIN persons p ON p.person_id = m.person_id
            LEFT JOIN households h ON h.household_id = coalesce(p.household_id, m.household_id)
            WHERE m.match_kind IN ('exact', 'probable') AND m.person_id IS NOT NULL
              AND coalesce(p.household_id, m.household_id) IS NOT NULL""")

    def query(self, rule: str, sql: str, **params) -> pa.Table:
        """A rule's findings: `sql` selects household_id, person_id, rows, evidence, period."""
        params = {name: value for name, value in params.items() if f"${name}" in sql}
        return self.con.execute(
            f"SELECT '{rule}' AS rule, household_id, person_id, list_sort(rows) AS rows, evidence, "
            f"left(period, {PERIOD_MAX}) AS period FROM ({sql})", params).to_arrow_table()

    def combine(self, found: list[pa.Table]) -> pa.Table:
        tables = [t.cast(FINDINGS_SCHEMA) for t in found]
        if not tables:
            return FINDINGS_SCHEMA.empty_table()
        self.con.register("found", pa.concat_tables(tables))
        order = "CASE rule " + " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(RULES)) + " END"
        # Each rule groups by its subject and period already; should a future rule not,
        # its findings of one subject and period are merged into one, rows and all.
        doubled = self.con.execute("""
            SELECT count(*) FROM (SELECT 1 FROM found GROUP BY rule, household_id, person_id, period
                                  HAVING count(*) > 1)""").fetchone()[0]
        merged = "found" if not doubled else """(
            SELECT rule, household_id, person_id, list_sort(list_distinct(flatten(list(rows)))) AS rows,
                   min(evidence) AS evidence, period
            FROM found GROUP BY rule, household_id, person_id, period)"""
        result = self.con.execute(f"""
            SELECT rule, household_id, person_id, rows, evidence, period FROM {merged}
            ORDER BY {order}, household_id, person_id NULLS FIRST, period""").to_arrow_table()
        return result.cast(FINDINGS_SCHEMA)


def _rule_deceased_alive(s: _Screening) -> pa.Table:
    """A death row linked to a person the registry still records as alive."""
    return s.query("deceased_alive", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{s.department}部门名单记载其于 {{}} 死亡,登记信息仍为在世',
                      strftime(max(death_date), '%Y-%m-%d')) AS evidence,
               '' AS period
        FROM linked WHERE person_alive
        GROUP BY hid, pid""")


def _rule_deceased_paid(s: _Screening) -> pa.Table:
    if s.feed_type == "death":
        return _deceased_paid_in_ledger(s)
    return _deceased_paid_assistance(s)


def _deceased_paid_assistance(s: _Screening) -> pa.Table:
    """Assistance paid to a dead person for a month after the month of the death.

    The death is an earlier death feed's (`known_deaths`), else the registry's `alive =
    false` with no date: then every month paid counts as after it, since the registry
    already recorded the death when the department paid, and the evidence says the date
    is unknown so the officer checks it."""
    kind = _case("kind", {"dibao": "低保金", "tekun": "特困供养金"})
    return s.query("deceased_paid", f"""
        WITH paid AS (
            SELECT l.*, d.death_date
            FROM linked l LEFT JOIN known_deaths d ON d.person_id = l.pid
            WHERE (d.death_date IS NOT NULL AND "month" > strftime(d.death_date, '%Y-%m'))
               OR (d.death_date IS NULL AND NOT l.person_alive)
        )
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}}仍领取{{}} {{}} 元,而{{}}', {_month_zh('"month"')},
                      string_agg(DISTINCT {kind}, '、'), {_money('sum(amount)')},
                      CASE WHEN max(death_date) IS NULL THEN '登记显示其已死亡(死亡日期不详)'
                           ELSE format('其已于 {{}} 死亡', strftime(max(death_date), '%Y-%m-%d')) END) AS evidence,
               "month" AS period
        FROM paid
        GROUP BY hid, pid, "month" """)


def _deceased_paid_in_ledger(s: _Screening) -> pa.Table:
    """A household whose members are all dead, one of them in this death feed, whose
    ledger still has transfers in a year after the year of the last death.

    A member is dead when this feed or an earlier one reports the death, or the registry
    says `alive = false`; the last death is the latest date known (this feed's or
    `known_deaths`): a member dead in the registry without a date is taken to have died
    before, as the registry recorded it before this feed came."""
    items = ", ".join(f"'{code}'" for code in TRANSFER_ITEMS)
    item = _case("i.item", {code: LEDGER_ITEMS[code].zh for code in TRANSFER_ITEMS})
    return s.query("deceased_paid", f"""
        WITH death_dates AS (
            SELECT person_id, max(death_date) AS death_date FROM (
                SELECT pid AS person_id, death_date FROM linked
                UNION ALL SELECT person_id, death_date FROM known_deaths)
            GROUP BY person_id
        ),
        emptied AS (
            SELECT p.household_id, max(d.death_date) AS last_death
            FROM persons p
            SEMI JOIN (SELECT DISTINCT hid FROM linked) l ON l.hid = p.household_id
            LEFT JOIN death_dates d ON d.person_id = p.person_id
            GROUP BY p.household_id
            HAVING bool_and(NOT p.alive OR d.death_date IS NOT NULL)
        ),
        transfers AS (
            SELECT i.household_id, i."year", sum(i.amount) AS amount,
                   array_to_string(list_sort(list(DISTINCT {item})), '、') AS items
            FROM income_items i JOIN emptied e ON e.household_id = i.household_id
            WHERE i.item IN ({items}) AND i."year" > year(e.last_death)
            GROUP BY i.household_id, i."year"
        ),
        reported AS (
            SELECT hid, list("row") AS rows FROM linked SEMI JOIN transfers t ON t.household_id = linked.hid
            GROUP BY hid
        )
        SELECT t.household_id, NULL::VARCHAR AS person_id, r.rows,
               format('{{}}年台账仍记有转移性收入 {{}} 元({{}}),而户内成员均已死亡,最后一人于 {{}} 死亡',
                      t."year", {_money('t.amount')}, t.items, strftime(e.last_death, '%Y-%m-%d')) AS evidence,
               CAST(t."year" AS VARCHAR) AS period
        FROM transfers t JOIN emptied e ON e.household_id = t.household_id
        JOIN reported r ON r.hid = t.household_id""")


def _rule_assistance_category_mismatch(s: _Screening) -> pa.Table:
    """A dibao (tekun) payment to a member of a household whose category is not dibao (tekun)."""
    kind = _case("kind", {"dibao": "低保金", "tekun": "特困供养金"})
    category = _case("household_category", CATEGORY)
    return s.query("assistance_category_mismatch", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}}领取{{}} {{}} 元,但所在户保障类别为{{}}', {_month_zh('"month"')},
                      string_agg(DISTINCT {kind}, '、'), {_money('sum(amount)')}, any_value({category})) AS evidence,
               "month" AS period
        FROM linked WHERE kind IS DISTINCT FROM household_category
        GROUP BY hid, pid, "month" """)


def _rule_vehicle_owner(s: _Screening) -> pa.Table:
    """A car or truck registered to a member of a lifted or monitored household."""
    vehicle = _case("vehicle_type", {"car": "小汽车", "truck": "货车"})
    return s.query("vehicle_owner", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('名下登记有{{}} {{}}(登记日期 {{}}),所在户为{{}}', any_value({vehicle}), plate,
                      strftime(min(registered_on), '%Y-%m-%d'), any_value({_STATUS_LABEL})) AS evidence,
               plate AS period
        FROM linked
        WHERE vehicle_type IN ('car', 'truck') AND household_status IN {_WATCHED_SQL}
        GROUP BY hid, pid, plate""")


def _rule_company_role(s: _Screening) -> pa.Table:
    """A member of a lifted or monitored household holding a role in a company."""
    role = _case("role", {"legal_representative": "法定代表人", "shareholder": "股东", "manager": "高管"})
    return s.query("company_role", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('任 {{}} 的{{}},所在户为{{}}', company, string_agg(DISTINCT {role}, '、'),
                      any_value({_STATUS_LABEL})) AS evidence,
               company AS period
        FROM linked WHERE household_status IN {_WATCHED_SQL}
        GROUP BY hid, pid, company""")


def _rule_urban_property(s: _Screening) -> pa.Table:
    """Urban property owned by a member of a lifted or monitored household."""
    return s.query("urban_property", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('名下有城镇房产 {{}}(面积 {{}} 平方米),所在户为{{}}', address_of_property,
                      format('{{:,.2f}}', max(area_m2)::DOUBLE), any_value({_STATUS_LABEL})) AS evidence,
               address_of_property AS period
        FROM linked WHERE urban AND household_status IN {_WATCHED_SQL}
        GROUP BY hid, pid, address_of_property""")


def _absent_from_roll(s: _Screening, rule: str, period_column: str, eligible: str, evidence: str,
                      **params) -> pa.Table:
    """Alive registry persons of the counties a roll covers, absent from it.

    For each period of the roll (a term, a year), the counties are those of the roll's
    linked rows (the first six digits of the household's village code); a person listed
    by an earlier death feed is not counted as alive. `eligible` narrows the persons
    (columns of persons `p`); the finding rests on no row."""
    return s.query(rule, f"""
        WITH covered AS (SELECT DISTINCT {period_column} AS period, county_code FROM linked
                         WHERE county_code IS NOT NULL),
             listed AS (SELECT DISTINCT {period_column} AS period, pid FROM linked)
        SELECT p.household_id, p.person_id, []::BIGINT[] AS rows, {evidence} AS evidence, c.period
        FROM persons p
        JOIN households h ON h.household_id = p.household_id
        JOIN covered c ON c.county_code = left(h.village_code, 6)
        WHERE p.alive AND {eligible}
          AND NOT EXISTS (SELECT 1 FROM known_deaths d WHERE d.person_id = p.person_id)
          AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.period = c.period AND l.pid = p.person_id)""",
                   **params)


def _rule_child_not_in_school(s: _Screening) -> pa.Table:
    """A child of school age (full years on the policy's reference date) of a county the
    school roll covers, absent from the term's roll; severe disability (home schooling)
    excepted."""
    policy = s.policy
    reference = policy.reference_date
    oldest_birth = reached_age_by(policy.feeds_school_age_to + 1, reference)
    youngest_birth = reached_age_by(policy.feeds_school_age_from, reference)
    grades = ", ".join(str(int(g)) for g in policy.home_schooling_disability_grades) or "NULL"
    age = (f"({reference.year} - year(p.birth_date) - CASE WHEN month(p.birth_date) * 100 + day(p.birth_date)"
           f" > {reference.month * 100 + reference.day} THEN 1 ELSE 0 END)")
    term = ("format('{}年{}学期', left(c.period, 4), CASE substr(c.period, 6) "
            + " ".join(f"WHEN '{code}' THEN '{zh}'" for code, zh in SCHOOL_TERMS.items()) + " END)")
    evidence = (f"format('{{}}学籍名单中无此人;其于 {reference.isoformat()} 年满 {{}} 周岁,在义务教育年龄 "
                f"{policy.feeds_school_age_from}–{policy.feeds_school_age_to} 周岁之内', {term}, {age})")
    return _absent_from_roll(
        s, "child_not_in_school", "term",
        f"p.birth_date > DATE '{oldest_birth.isoformat()}' AND p.birth_date <= DATE '{youngest_birth.isoformat()}'"
        f" AND coalesce(p.disability_grade, 0) NOT IN ({grades})",
        evidence)


def _rule_high_school_fees(s: _Screening) -> pa.Table:
    """Self-paid school fees of a year above the threshold (strictly)."""
    return s.query("high_school_fees", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}}年自付学费合计 {{}} 元,超过 {_yuan(s.policy.feeds_school_fees_over)} 元',
                      "year", {_money('sum(self_paid)')}) AS evidence,
               CAST("year" AS VARCHAR) AS period
        FROM linked
        GROUP BY hid, pid, "year"
        HAVING sum(self_paid) > $over""", over=s.policy.feeds_school_fees_over)


def _rule_inpatient_self_pay(s: _Screening) -> pa.Table:
    """In-patient self-pay of a calendar year at or above the threshold of the person's
    household: lower for lifted and monitored households."""
    lifted, other = s.policy.feeds_inpatient_lifted, s.policy.feeds_inpatient_other
    watched = f"household_status IN {_WATCHED_SQL}"
    return s.query("inpatient_self_pay", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}}年住院个人自付合计 {{}} 元,达到{{}}', year("date"), {_money('sum(self_pay)')},
                      CASE WHEN bool_or({watched}) THEN '脱贫户/监测户标准 {_yuan(lifted)} 元'
                           ELSE '一般农户标准 {_yuan(other)} 元' END) AS evidence,
               CAST(year("date") AS VARCHAR) AS period
        FROM linked WHERE kind = 'inpatient'
        GROUP BY hid, pid, year("date")
        HAVING sum(self_pay) >= CASE WHEN bool_or({watched}) THEN $lifted ELSE $other END""",
                   lifted=lifted, other=other)


def _rule_outpatient_self_pay(s: _Screening) -> pa.Table:
    """Out-patient self-pay of a calendar month at or above the threshold."""
    month = "strftime(\"date\", '%Y-%m')"
    return s.query("outpatient_self_pay", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}}门诊个人自付合计 {{}} 元,达到每月 {_yuan(s.policy.feeds_outpatient_month)} 元',
                      {_month_zh(month)}, {_money('sum(self_pay)')}) AS evidence,
               {month} AS period
        FROM linked WHERE kind = 'outpatient'
        GROUP BY hid, pid, {month}
        HAVING sum(self_pay) >= $month_at_least""", month_at_least=s.policy.feeds_outpatient_month)


def _rule_uninsured(s: _Screening) -> pa.Table:
    """A roll row saying not insured, or an alive person of a county the year's roll
    covers who is absent from it."""
    said = s.query("uninsured", """
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{}年参保登记名单记载其未参保', "year") AS evidence,
               CAST("year" AS VARCHAR) AS period
        FROM linked WHERE NOT insured
        GROUP BY hid, pid, "year" """)
    absent = _absent_from_roll(s, "uninsured", 'CAST("year" AS VARCHAR)', "TRUE",
                               "format('{}年参保登记名单中无此人', c.period)")
    return pa.concat_tables([said.cast(FINDINGS_SCHEMA), absent.cast(FINDINGS_SCHEMA)])


def _rule_new_serious_illness(s: _Screening) -> pa.Table:
    """A diagnosis at most `illness_recent_days` days before today (the upload date). A
    date after today, a department's slip, still counts as recent: the officer sees it."""
    days = s.policy.feeds_illness_recent_days
    return s.query("new_serious_illness", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}} 确诊{{}},距上传日期 {s.today.isoformat()} {{}} 天,在 {days} 天以内',
                      strftime(diagnosed_on, '%Y-%m-%d'), string_agg(DISTINCT diagnosis, '、'),
                      date_diff('day', diagnosed_on, $today)) AS evidence,
               strftime(diagnosed_on, '%Y-%m-%d') AS period
        FROM linked WHERE date_diff('day', diagnosed_on, $today) <= {days}
        GROUP BY hid, pid, diagnosed_on""", today=s.today)


def _rule_disaster_loss(s: _Screening) -> pa.Table:
    """A disaster row whose loss is at or above the threshold (each row on its own; rows
    of one person and event date make one finding)."""
    at_least = s.policy.feeds_disaster_loss_at_least
    return s.query("disaster_loss", f"""
        SELECT hid AS household_id, pid AS person_id, list("row") AS rows,
               format('{{}} 受灾,损失 {{}} 元,达到 {_yuan(at_least)} 元', strftime(event_date, '%Y-%m-%d'),
                      {_money('max(loss)')}) AS evidence,
               strftime(event_date, '%Y-%m-%d') AS period
        FROM linked WHERE loss >= $at_least
        GROUP BY hid, pid, event_date""", at_least=at_least)


RULE_FUNCTIONS: dict[str, Callable[[_Screening], pa.Table]] = {
    code: globals()[f"_rule_{code}"] for code in RULES
}
