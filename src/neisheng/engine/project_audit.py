"""The nine audit checks of projects.md, each one function on tables, written once with
Ibis (DuckDB by default, Spark for a province). Each returns one row per finding:

    rule, subject_type, subject_id, division_code, project_id, household_id, amount_fen,
    evidence (a JSON object as text: the figures compared)

Subjects (one finding per rule and subject; `subject_id` as text):
  plan_sum → plan (plan_id; amount_fen = payments + collective − revenue)
  payee_not_beneficiary, payee_deceased → payment (payment_id; amount_fen = the payment)
  duplicate_payment → plan, subject_id "<plan_id>:<household_id>" (amount_fen = all that
      household's payments in the plan)
  overspent_fund → fund (fund_id; amount_fen = spent − amount)
  renovation_price, renovation_quantity → renovation_item (item_id; amount_fen = the item's amount)
  renovation_not_eligible → renovation (renovation_id; amount_fen = its total)
  renovation_total → household (household_id; amount_fen = its total over every renovation)

Amounts enter and leave as whole fen (int64), so "differ by any amount" is exact.
Thresholds come from the policy's `projects:` section.

Where the data cannot answer, a check stays silent rather than guess: a payment with no
payment_date is not checked against beneficiaries or deaths; a line item whose code is not
in the reference list (null reference_price_fen / max_quantity) is not checked against it.
A renovated household with no status counts as not eligible.

`evidence` is a JSON object whose keys are fixed per rule (see each check): amounts as
yuan strings with two places ("7000.00", "-0.01"), dates ISO, counts as numbers,
quantities as strings with three places, codes as strings, null when unknown.

Input tables (TABLE_SCHEMAS: pyarrow for audit_all, Ibis tables of one backend for each
check); dates are dates, ids strings, amounts whole fen:
  plans:          plan_id, project_id, division_code, revenue_fen, collective_fen, has_payments (bool)
  payments:       payment_id, plan_id, project_id, household_id, division_code, amount_fen, payment_date
  beneficiaries:  project_id, household_id, starts_on, ends_on (null: open)
  members:        household_id, person_id, born_on (nullable), alive (bool), died_on (nullable)
  funds:          fund_id, project_id, division_code, amount_fen, spent_fen
  items:          item_id, renovation_id, household_id, division_code, project_id (nullable),
                  item_code, quantity (float64), unit_price_fen, amount_fen,
                  reference_price_fen (nullable: code not in the list), max_quantity (nullable)
  renovations:    renovation_id, household_id, division_code, project_id (nullable), status (household's)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.policy import Policy

CHECKS = (
    "plan_sum", "payee_not_beneficiary", "payee_deceased", "duplicate_payment", "overspent_fund",
    "renovation_price", "renovation_quantity", "renovation_not_eligible", "renovation_total",
)

FINDING_SCHEMA = pa.schema([
    ("rule", pa.string()),
    ("subject_type", pa.string()),
    ("subject_id", pa.string()),
    ("division_code", pa.string()),
    ("project_id", pa.string()),
    ("household_id", pa.string()),
    ("amount_fen", pa.int64()),
    ("evidence", pa.string()),
])

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "plans": pa.schema([
        ("plan_id", pa.string()), ("project_id", pa.string()), ("division_code", pa.string()),
        ("revenue_fen", pa.int64()), ("collective_fen", pa.int64()), ("has_payments", pa.bool_()),
    ]),
    "payments": pa.schema([
        ("payment_id", pa.string()), ("plan_id", pa.string()), ("project_id", pa.string()),
        ("household_id", pa.string()), ("division_code", pa.string()), ("amount_fen", pa.int64()),
        ("payment_date", pa.date32()),
    ]),
    "beneficiaries": pa.schema([
        ("project_id", pa.string()), ("household_id", pa.string()), ("starts_on", pa.date32()),
        ("ends_on", pa.date32()),
    ]),
    "members": pa.schema([
        ("household_id", pa.string()), ("person_id", pa.string()), ("born_on", pa.date32()),
        ("alive", pa.bool_()), ("died_on", pa.date32()),
    ]),
    "funds": pa.schema([
        ("fund_id", pa.string()), ("project_id", pa.string()), ("division_code", pa.string()),
        ("amount_fen", pa.int64()), ("spent_fen", pa.int64()),
    ]),
    "items": pa.schema([
        ("item_id", pa.string()), ("renovation_id", pa.string()), ("household_id", pa.string()),
        ("division_code", pa.string()), ("project_id", pa.string()), ("item_code", pa.string()),
        ("quantity", pa.float64()), ("unit_price_fen", pa.int64()), ("amount_fen", pa.int64()),
        ("reference_price_fen", pa.int64()), ("max_quantity", pa.float64()),
    ]),
    "renovations": pa.schema([
        ("renovation_id", pa.string()), ("household_id", pa.string()), ("division_code", pa.string()),
        ("project_id", pa.string()), ("status", pa.string()),
    ]),
}


@dataclass(frozen=True)
class AuditTables:
    plans: pa.Table
    payments: pa.Table
    beneficiaries: pa.Table
    members: pa.Table
    funds: pa.Table
    items: pa.Table
    renovations: pa.Table


def empty_tables() -> AuditTables:
    """Every input with its schema and no rows (a county with nothing to audit yet)."""
    return AuditTables(**{name: schema.empty_table() for name, schema in TABLE_SCHEMAS.items()})


def audit_all(tables: AuditTables, *, policy: Policy, backend: str = "duckdb") -> pa.Table:
    """Every check's findings, in CHECKS order then by subject_id (FINDING_SCHEMA).

    The tables may carry more columns than TABLE_SCHEMAS names (ignored) and types that
    cast safely to it; a missing column raises ValueError naming it."""
    arrow = {name: _conformed(name, getattr(tables, name)) for name in TABLE_SCHEMAS}
    if backend == "duckdb":
        result = _run_on_duckdb(arrow, policy)
    elif backend == "spark":
        result = _run_on_spark(arrow, policy)
    else:
        raise ValueError(f"unknown backend {backend!r}; use duckdb or spark")
    return _ordered(result.select(FINDING_SCHEMA.names).cast(FINDING_SCHEMA))


def _run_on_duckdb(arrow: dict[str, pa.Table], policy: Policy) -> pa.Table:
    """The checks' SQL, compiled by Ibis once per policy and process (compiling costs far
    more than running on a county's tables, and every change to a project runs them),
    on a fresh in-memory DuckDB that reads the Arrow tables in place."""
    import duckdb

    sql = _duckdb_sql(policy)
    con = duckdb.connect(config={"threads": 2})
    try:
        for name, data in arrow.items():
            con.register(f"project_audit_{name}", data)
        return con.execute(sql).to_arrow_table()
    finally:
        con.close()


_SQL_CACHE: dict[tuple, str] = {}


def _duckdb_sql(policy: Policy) -> str:
    key = (tolerance_basis_points(policy), cap_fen(policy), tuple(policy.projects_renovation_statuses))
    sql = _SQL_CACHE.get(key)
    if sql is None:
        unbound = {name: ibis.table(ibis.Schema.from_pyarrow(schema), name=f"project_audit_{name}")
                   for name, schema in TABLE_SCHEMAS.items()}
        sql = _SQL_CACHE[key] = ibis.to_sql(ibis.union(*_checks(unbound, policy=policy)), dialect="duckdb")
    return sql


def _run_on_spark(arrow: dict[str, pa.Table], policy: Policy) -> pa.Table:
    from neisheng.engine.backend import spark_session

    spark = spark_session()
    con = ibis.pyspark.connect(spark)
    # The Spark session is shared by the whole process: unique names keep two audits
    # (or an audit and a monitoring run) from reading each other's tables.
    token = uuid.uuid4().hex[:12]
    names = {name: f"project_audit_{name}_{token}" for name in arrow}
    try:
        for name, data in arrow.items():
            spark.createDataFrame(data).createOrReplaceTempView(names[name])
        t = {name: con.table(names[name]) for name in arrow}
        return con.to_pyarrow(ibis.union(*_checks(t, policy=policy)))
    finally:
        for name in names.values():
            spark.catalog.dropTempView(name)


def _checks(t: dict, *, policy: Policy) -> list:
    return [
        check_plan_sum(t["plans"], t["payments"]),
        check_payee_not_beneficiary(t["payments"], t["beneficiaries"]),
        check_payee_deceased(t["payments"], t["members"]),
        check_duplicate_payment(t["payments"]),
        check_overspent_fund(t["funds"]),
        check_renovation_price(t["items"], policy=policy),
        check_renovation_quantity(t["items"]),
        check_renovation_not_eligible(t["renovations"], t["items"], policy=policy),
        check_renovation_total(t["items"], policy=policy),
    ]


def _conformed(name: str, table: pa.Table) -> pa.Table:
    schema = TABLE_SCHEMAS[name]
    missing = [column for column in schema.names if column not in table.column_names]
    if missing:
        raise ValueError(f"the audit's {name} table lacks the column(s) {', '.join(missing)}")
    return table.select(schema.names).cast(schema)


def _ordered(findings: pa.Table) -> pa.Table:
    """CHECKS order, then subject_id as text; sorted here rather than by the backend, so
    DuckDB and Spark hand back the same sequence whatever their collations."""
    order = pc.index_in(findings["rule"], value_set=pa.array(CHECKS))
    keyed = findings.append_column("_rule_order", order)
    return keyed.sort_by([("_rule_order", "ascending"), ("subject_id", "ascending")]).drop_columns(["_rule_order"])


# ---- the checks ------------------------------------------------------------------------

def check_plan_sum(plans, payments):
    """A plan with payments whose payments plus collective share differ from its revenue.
    Evidence: revenue, payments, collective, difference (payments + collective − revenue),
    payment_count."""
    sums = payments.group_by("plan_id").aggregate(paid_fen=payments.amount_fen.sum(), paid_count=payments.count())
    joined = plans.filter(plans.has_payments).left_join(sums, "plan_id")
    rows = joined.mutate(paid_total=joined.paid_fen.fill_null(0), collective_total=joined.collective_fen.fill_null(0),
                         payment_total=joined.paid_count.fill_null(0))
    rows = rows.mutate(difference_fen=rows.paid_total + rows.collective_total - rows.revenue_fen)
    rows = rows.filter(rows.difference_fen != 0)
    return _finding(
        rows, "plan_sum", "plan", subject_id=rows.plan_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=_NO_TEXT, amount_fen=rows.difference_fen,
        evidence=_json(revenue=_yuan(rows.revenue_fen), payments=_yuan(rows.paid_total),
                       collective=_yuan(rows.collective_total), difference=_yuan(rows.difference_fen),
                       payment_count=_number(rows.payment_total)),
    )


def check_payee_not_beneficiary(payments, beneficiaries):
    """A dated payment to a household with no beneficiary period of the payment's project
    covering the payment date (starts_on ≤ date ≤ ends_on, ends_on null: open).
    Evidence: payment_date, amount, periods (the household's periods in the project),
    first_starts_on, last_ends_on (null when none has ended or there is none)."""
    dated = payments.filter(payments.payment_date.notnull())
    b = beneficiaries
    # An equality join then a count per payment, not an anti-join on the date range:
    # DuckDB answers a range (with its OR for open periods) in an anti-join by comparing
    # every payment with every period.
    pairs = dated.left_join(b, [dated.project_id == b.project_id, dated.household_id == b.household_id]).select(
        payment_id=dated.payment_id, payment_date=dated.payment_date, starts_on=b.starts_on, ends_on=b.ends_on)
    present = pairs.starts_on.notnull()
    covers = present & (pairs.starts_on <= pairs.payment_date) & (
        pairs.ends_on.isnull() | (pairs.payment_date <= pairs.ends_on))
    pairs = pairs.mutate(covers=covers.fill_null(False).cast("int64"),
                         open_period=(present & pairs.ends_on.isnull()).fill_null(False).cast("int64"))
    per_payment = pairs.group_by("payment_id").aggregate(
        covering=pairs.covers.sum(), periods=pairs.starts_on.count(), first_starts_on=pairs.starts_on.min(),
        last_ends_on=pairs.ends_on.max(), open_periods=pairs.open_period.sum())
    rows = dated.join(per_payment.filter(per_payment.covering == 0), "payment_id")
    last_ends_on = ibis.ifelse(rows.open_periods > 0, ibis.null().cast("date"), rows.last_ends_on)
    return _finding(
        rows, "payee_not_beneficiary", "payment", subject_id=rows.payment_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=rows.household_id, amount_fen=rows.amount_fen,
        evidence=_json(payment_date=_date(rows.payment_date), amount=_yuan(rows.amount_fen),
                       periods=_number(rows.periods), first_starts_on=_date(rows.first_starts_on),
                       last_ends_on=_date(last_ends_on)),
    )


def check_payee_deceased(payments, members):
    """A dated payment to a household with at least one member, none of them alive on
    the payment date (engine.dividends.alive_on: born by the day; alive, or died_on after
    it). Evidence: payment_date, amount, members, last_died_on (null when no member has
    a date of death)."""
    dated = payments.filter(payments.payment_date.notnull())
    m = members
    pairs = dated.join(m, dated.household_id == m.household_id).select(
        payment_id=dated.payment_id, payment_date=dated.payment_date, born_on=m.born_on, alive=m.alive,
        died_on=m.died_on)
    born = pairs.born_on.isnull() | (pairs.born_on <= pairs.payment_date)
    living = pairs.alive.fill_null(False) | (pairs.died_on.notnull() & (pairs.died_on > pairs.payment_date))
    pairs = pairs.mutate(alive_then=(born & living).cast("int64"))
    counted = pairs.group_by("payment_id").aggregate(
        member_count=pairs.count(), alive_count=pairs.alive_then.sum(), last_died_on=pairs.died_on.max())
    dead = counted.filter(counted.alive_count == 0)
    rows = dated.join(dead, "payment_id")
    return _finding(
        rows, "payee_deceased", "payment", subject_id=rows.payment_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=rows.household_id, amount_fen=rows.amount_fen,
        evidence=_json(payment_date=_date(rows.payment_date), amount=_yuan(rows.amount_fen),
                       members=_number(rows.member_count), last_died_on=_date(rows.last_died_on)),
    )


def check_duplicate_payment(payments):
    """Two or more payments of one plan to one household; the subject is
    "<plan_id>:<household_id>". Evidence: payments (how many), amount (their sum),
    first_payment_date, last_payment_date (null when none is dated)."""
    p = payments
    groups = p.group_by(["plan_id", "household_id"]).aggregate(
        payment_count=p.count(), total_fen=p.amount_fen.sum(), project_id=p.project_id.min(),
        division_code=p.division_code.min(), first_date=p.payment_date.min(), last_date=p.payment_date.max())
    rows = groups.filter(groups.payment_count >= 2)
    return _finding(
        rows, "duplicate_payment", "plan", subject_id=rows.plan_id.concat(":", rows.household_id),
        division_code=rows.division_code, project_id=rows.project_id, household_id=rows.household_id,
        amount_fen=rows.total_fen,
        evidence=_json(payments=_number(rows.payment_count), amount=_yuan(rows.total_fen),
                       first_payment_date=_date(rows.first_date), last_payment_date=_date(rows.last_date)),
    )


def check_overspent_fund(funds):
    """A fund whose expenditures exceed its amount. Evidence: amount, spent, over."""
    rows = funds.filter(funds.spent_fen > funds.amount_fen)
    over = rows.spent_fen - rows.amount_fen
    return _finding(
        rows, "overspent_fund", "fund", subject_id=rows.fund_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=_NO_TEXT, amount_fen=over,
        evidence=_json(amount=_yuan(rows.amount_fen), spent=_yuan(rows.spent_fen), over=_yuan(over)),
    )


def check_renovation_price(items, *, policy: Policy):
    """A line item whose unit price is above reference × (1 + tolerance), compared in
    whole numbers: unit × 10000 > reference × (10000 + tolerance × 10000), the tolerance
    rounded half up to four places. Evidence: item_code, unit_price, reference_price,
    tolerance, quantity, amount."""
    basis_points = tolerance_basis_points(policy)
    rows = items.filter(items.unit_price_fen * 10000 > items.reference_price_fen * (10000 + basis_points))
    return _finding(
        rows, "renovation_price", "renovation_item", subject_id=rows.item_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=rows.household_id, amount_fen=rows.amount_fen,
        evidence=_json(item_code=_text(rows.item_code), unit_price=_yuan(rows.unit_price_fen),
                       reference_price=_yuan(rows.reference_price_fen),
                       tolerance=_text(ibis.literal(_tolerance_text(basis_points))),
                       quantity=_quantity(rows.quantity), amount=_yuan(rows.amount_fen)),
    )


def check_renovation_quantity(items):
    """A line item whose quantity is above its item's max_quantity. Evidence: item_code,
    quantity, max_quantity, amount."""
    rows = items.filter(items.quantity > items.max_quantity)
    return _finding(
        rows, "renovation_quantity", "renovation_item", subject_id=rows.item_id, division_code=rows.division_code,
        project_id=rows.project_id, household_id=rows.household_id, amount_fen=rows.amount_fen,
        evidence=_json(item_code=_text(rows.item_code), quantity=_quantity(rows.quantity),
                       max_quantity=_quantity(rows.max_quantity), amount=_yuan(rows.amount_fen)),
    )


def check_renovation_not_eligible(renovations, items, *, policy: Policy):
    """A renovation of a household whose status is not one of the policy's
    renovation_statuses (or is unknown). Evidence: status, total (of its items), items."""
    statuses = list(policy.projects_renovation_statuses)
    r = renovations
    outside = r.filter(r.status.isnull() | ~r.status.isin(statuses))
    totals = items.group_by("renovation_id").aggregate(total_fen=items.amount_fen.sum(), item_count=items.count())
    rows = outside.left_join(totals, "renovation_id")
    total = rows.total_fen.fill_null(0)
    return _finding(
        rows, "renovation_not_eligible", "renovation", subject_id=rows.renovation_id,
        division_code=rows.division_code, project_id=rows.project_id, household_id=rows.household_id,
        amount_fen=total,
        evidence=_json(status=_text(rows.status), total=_yuan(total), items=_number(rows.item_count.fill_null(0))),
    )


def check_renovation_total(items, *, policy: Policy):
    """A household whose line items over all its renovations sum above renovation_cap
    yuan. Evidence: total, cap, over, renovations, items."""
    cap = cap_fen(policy)
    totals = items.group_by("household_id").aggregate(
        total_fen=items.amount_fen.sum(), division_code=items.division_code.min(),
        renovation_count=items.renovation_id.nunique(), item_count=items.count())
    rows = totals.filter(totals.total_fen > cap)
    over = rows.total_fen - cap
    return _finding(
        rows, "renovation_total", "household", subject_id=rows.household_id, division_code=rows.division_code,
        project_id=_NO_TEXT, household_id=rows.household_id, amount_fen=rows.total_fen,
        evidence=_json(total=_yuan(rows.total_fen), cap=_yuan(ibis.literal(cap, type="int64")), over=_yuan(over),
                       renovations=_number(rows.renovation_count), items=_number(rows.item_count)),
    )


def tolerance_basis_points(policy: Policy) -> int:
    """price_tolerance in ten-thousandths, half up (0.10 → 1000): whole numbers on both
    sides of the comparison, whatever binary value the float tolerance holds."""
    return int((Decimal(str(policy.projects_price_tolerance)) * 10000).quantize(Decimal(1), ROUND_HALF_UP))


def cap_fen(policy: Policy) -> int:
    return int((Decimal(str(policy.projects_renovation_cap)) * 100).quantize(Decimal(1), ROUND_HALF_UP))


def _tolerance_text(basis_points: int) -> str:
    text = f"{Decimal(basis_points).scaleb(-4):f}".rstrip("0")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


# ---- building findings and their evidence in the query ---------------------------------------

_NO_TEXT = ibis.null().cast("string")


def _finding(rows, rule: str, subject_type: str, *, subject_id, division_code, project_id, household_id, amount_fen,
             evidence):
    return rows.select(
        rule=ibis.literal(rule), subject_type=ibis.literal(subject_type), subject_id=subject_id.cast("string"),
        division_code=division_code.cast("string"), project_id=project_id.cast("string"),
        household_id=household_id.cast("string"), amount_fen=amount_fen.cast("int64"), evidence=evidence)


def _json(**values):
    """A JSON object's text from already-encoded values (see _text, _yuan…), keys in the
    given order, spaced as json.dumps spaces them."""
    parts = []
    for n, (key, value) in enumerate(values.items()):
        parts += [ibis.literal(("{" if n == 0 else ", ") + f'"{key}": '), value]
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.concat(part)
    return expression.concat("}")


def _quoted(text):
    """A JSON string of text that needs no escaping (dates, digits)."""
    return ibis.literal('"').concat(text, '"')


def _text(value):
    """A JSON string of free text: backslashes and quotes escaped (codes hold neither
    control characters nor line breaks)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return ibis.ifelse(value.isnull(), ibis.literal("null"), _quoted(escaped))


def _number(value):
    return ibis.ifelse(value.isnull(), ibis.literal("null"), value.cast("int64").cast("string"))


def _date(value):
    return ibis.ifelse(value.isnull(), ibis.literal("null"), _quoted(value.cast("string")))


def _decimal_places(whole_units, places: int):
    """"-12.05" from -1205 and 2 places, built from integers so every backend writes the
    same text."""
    units = whole_units.cast("int64")
    magnitude = units.abs()
    scale = 10 ** places
    # scale + the remainder has places + 1 digits; dropping the leading 1 leaves the
    # remainder with its leading zeros.
    fraction = ((magnitude % scale) + scale).cast("string").substr(1, places)
    sign = ibis.ifelse(units < 0, ibis.literal("-"), ibis.literal(""))
    return sign.concat((magnitude // scale).cast("string"), ".", fraction)


def _yuan(fen):
    return ibis.ifelse(fen.isnull(), ibis.literal("null"), _quoted(_decimal_places(fen, 2)))


def _quantity(value):
    """Quantities are stored to three places; written back with exactly three."""
    return ibis.ifelse(value.isnull(), ibis.literal("null"), _quoted(_decimal_places((value * 1000).round(), 3)))
