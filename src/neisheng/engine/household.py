"""The engine's rules applied to ONE household, for the page that shows it.

The household page must state the same per-capita income, guarantees and ages as a
monitoring run, and explain the run's result (`assessment`: all of `classify.assess` for
one household, which engine.explain puts in words). Rather than restate those rules in
Python (where a rounding or an age band can drift from the batch engine's), this module
feeds the household's rows to the very Ibis expressions a run uses (`income.per_capita`,
`members.alive_members`, `guarantees.guarantee_reasons`, `classify.assess`) on a small
in-memory DuckDB.

Building and compiling an Ibis expression costs tens of milliseconds, far more than
running it over a handful of rows. So each expression is built once against unbound
tables (`ibis.table`) named like `_hh_persons` whose schemas are the contract's, with
whatever varies per household (the alive size, the member facts) a column of the input
rather than a literal, and compiled to DuckDB SQL once per policy and `today` (a small
LRU keyed by the policy's value: `Policy` is a frozen dataclass). Each thread's DuckDB
connection prepares that SQL once over empty tables of those names; a page view inserts
the household's rows into them inside a transaction, executes the prepared statement and
rolls back.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import ibis
import pyarrow as pa

from neisheng.engine import classify, guarantees, income, members, schema
from neisheng.policy import Policy

_local = threading.local()


class _Session:
    """A thread's DuckDB connection (a connection is not safe to share between the
    threads of a web server, and opening one per page view costs more than the query),
    with one empty table per unbound input and the statements prepared on it.

    Binding and optimising the rules' SQL costs several milliseconds even over ten rows,
    so each statement is prepared once per connection and then only executed. A prepared
    plan must not depend on the rows it will later read: the optimizer, whose statistics
    would describe the rows present when it was prepared (an aggregate sized to the years
    seen then, say), is switched off. Over one household's rows it would save nothing."""

    MAX_PREPARED = 32

    def __init__(self):
        self.con = duckdb.connect(config={"threads": 1})
        self.con.execute("PRAGMA disable_optimizer")
        self.tables: set[str] = set()
        self.prepared: OrderedDict[str, str] = OrderedDict()  # SQL -> statement name
        self.counter = 0

    def _table(self, name: str, frame: pa.Table) -> None:
        if name not in self.tables:
            self.con.register("_hh_empty", frame.schema.empty_table())
            self.con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM _hh_empty')
            self.con.unregister("_hh_empty")
            self.tables.add(name)

    def _statement(self, sql: str) -> str:
        name = self.prepared.get(sql)
        if name is not None:
            self.prepared.move_to_end(sql)
            return name
        if len(self.prepared) >= self.MAX_PREPARED:
            _, old = self.prepared.popitem(last=False)
            self.con.execute(f"DEALLOCATE {old}")
        self.counter += 1
        name = f"_hh_q{self.counter}"
        self.con.execute(f"PREPARE {name} AS {sql}")
        self.prepared[sql] = name
        return name

    def run(self, compiled: _Compiled, frames: tuple[pa.Table, ...]) -> list[dict]:
        for name, frame in zip(compiled.inputs, frames, strict=True):
            self._table(name, frame)
        statement = self._statement(compiled.sql)
        # The household's rows live only inside this transaction: rolled back, never kept.
        self.con.execute("BEGIN")
        try:
            for name, frame in zip(compiled.inputs, frames, strict=True):
                self.con.from_arrow(frame).insert_into(f'"{name}"')
            cursor = self.con.execute(f"EXECUTE {statement}")
            names = [d[0] for d in cursor.description]
            # Python values straight from DuckDB: a few rows, where building an Arrow
            # result would cost more than the query.
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            self.con.execute("ROLLBACK")


def _session() -> _Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = _Session()
    return session


@dataclass(frozen=True)
class _Compiled:
    """An expression's SQL and the unbound tables it reads, in the order of its inputs."""
    sql: str
    inputs: tuple[str, ...]


def _compile(expr: ibis.Table, *inputs: str) -> _Compiled:
    return _Compiled(ibis.to_sql(expr, dialect="duckdb"), inputs)


def _run(compiled: _Compiled, *frames: pa.Table) -> list[dict]:
    return _session().run(compiled, frames)


def _frame(table: schema.Table, rows: list[dict], **extra: tuple[pa.DataType, object]) -> pa.Table:
    """The rows as Arrow in the contract's schema, plus constant columns `extra`
    (name → (type, value)) that carry per-household values into the compiled SQL."""
    columns = {c.name: [row.get(c.name) for row in rows] for c in table.columns}
    fields = list(table.arrow_schema)
    for name, (dtype, value) in extra.items():
        columns[name] = [value] * len(rows)
        fields.append(pa.field(name, dtype))
    return pa.Table.from_pydict(columns, schema=pa.schema(fields))


def _placeholder(name: str, table: schema.Table, **extra: pa.DataType) -> ibis.Table:
    fields = list(table.arrow_schema) + [pa.field(n, t) for n, t in extra.items()]
    return ibis.table(ibis.Schema.from_pyarrow(pa.schema(fields)), name=name)


@dataclass(frozen=True)
class LedgerYearTotals:
    year: int
    income: Decimal
    cost: Decimal
    rigid: Decimal
    net: Decimal
    per_capita: Decimal | None  # net income per alive member, as a run computes it


_LEDGER = "_hh_income_items"


@functools.cache
def _ledger_sql() -> _Compiled:
    # The alive size is a column of the input (`size`), so one SQL serves every household.
    t = _placeholder(_LEDGER, schema.INCOME_ITEMS, size=pa.int64())
    fen = (t.amount * income.FEN_PER_YUAN).cast("int64")
    kind = t.item.substitute({code: item.kind for code, item in schema.LEDGER_ITEMS.items()}, else_="")
    totals = t.group_by("year").aggregate(
        income_fen=fen.sum(where=kind == "income").fill_null(0),
        cost_fen=fen.sum(where=kind == "cost").fill_null(0),
        rigid_fen=fen.sum(where=t.item.isin(income.RIGID_ITEMS)).fill_null(0),
        net_fen=(fen * t.item.substitute(income.NET_SIGN, else_=0)).sum().fill_null(0),
        size=t.size.max(),
    )
    totals = totals.select(
        "year", "income_fen", "cost_fen", "rigid_fen", "net_fen",
        per_capita=income.per_capita(totals.net_fen, totals.size),
    )
    return _compile(totals, _LEDGER)


def ledger_years(ledger: list[dict], size: int) -> dict[int, LedgerYearTotals]:
    """Per ledger year: income, production cost, rigid expenditure, net income (the
    items' signs toward net income, `income.NET_SIGN`) and per-capita net income by
    `income.per_capita` (half away from zero to the fen), for `size` alive members."""
    if not ledger:
        return {}
    frame = _frame(schema.INCOME_ITEMS, ledger, size=(pa.int64(), max(size, 1)))
    out = {}
    for row in _run(_ledger_sql(), frame):
        out[row["year"]] = LedgerYearTotals(
            year=row["year"],
            income=_yuan(row["income_fen"]),
            cost=_yuan(row["cost_fen"]),
            rigid=_yuan(row["rigid_fen"]),
            net=_yuan(row["net_fen"]),
            per_capita=row["per_capita"] if size else None,
        )
    return out


def _yuan(fen: int) -> Decimal:
    return Decimal(int(fen)) / income.FEN_PER_YUAN


@dataclass(frozen=True)
class MemberFacts:
    age: int  # full years on `today`
    age_at_reference: int  # full years on the policy's reference date
    in_school_ages: bool  # within the policy's compulsory-education ages
    out_of_school: bool  # the compulsory_education reason for this member
    uninsured: bool  # the medical_insurance reason for this member


_PERSONS = "_hh_persons"


@functools.lru_cache(maxsize=16)
def _member_facts_sql(policy: Policy, today: dt.date) -> _Compiled:
    # Keyed by the policy's value (a frozen dataclass: equal policies share one SQL) and
    # `today`, which the rules take as a date, not a column.
    p = _placeholder(_PERSONS, schema.PERSONS)
    alive = members.alive_members(p, policy).select("person_id", "out_of_school", "uninsured")
    facts = p.select(
        "person_id",
        age=members.age_at(p.birth_date, today),
        age_at_reference=members.age_at(p.birth_date, policy.reference_date),
        in_school_ages=members.in_ages(p.birth_date, policy.compulsory_school_ages, policy.reference_date),
    ).left_join(alive, "person_id")
    facts = facts.select(
        facts.person_id, facts.age, facts.age_at_reference, facts.in_school_ages,
        out_of_school=facts.out_of_school.fill_null(False),
        uninsured=facts.uninsured.fill_null(False),
    )
    return _compile(facts, _PERSONS)


def member_facts(persons: list[dict], policy: Policy, today: dt.date) -> dict[str, MemberFacts]:
    """person_id → the facts the rules use (`members.age_at`, `members.in_ages`,
    `members.alive_members`); deceased members get their ages and no flags."""
    if not persons:
        return {}
    rows = _run(_member_facts_sql(policy, today), _frame(schema.PERSONS, persons))
    return {row.pop("person_id"): MemberFacts(**row) for row in rows}


_HOUSEHOLDS = "_hh_households"


@functools.cache
def _guarantees_sql() -> _Compiled:
    h = _placeholder(_HOUSEHOLDS, schema.HOUSEHOLDS, any_out_of_school=pa.bool_(), any_uninsured=pa.bool_())
    return _compile(h.select(**guarantees.guarantee_reasons(h)), _HOUSEHOLDS)


def guarantee_reasons(household: dict, facts: dict[str, MemberFacts]) -> dict[str, bool]:
    """Which guarantee reasons (`guarantees.GUARANTEE_REASONS`) fire for the household,
    by `guarantees.guarantee_reasons` itself, given its members' facts (`member_facts`,
    whose flags are set for alive members only, as `members.member_facts` aggregates)."""
    frame = _frame(
        schema.HOUSEHOLDS, [household],
        any_out_of_school=(pa.bool_(), any(f.out_of_school for f in facts.values())),
        any_uninsured=(pa.bool_(), any(f.uninsured for f in facts.values())),
    )
    fired = _run(_guarantees_sql(), frame)[0]
    return {reason: bool(fired[reason]) for reason in guarantees.GUARANTEE_REASONS}


@dataclass(frozen=True)
class Assessment:
    """One household as a monitoring run assesses it (`classify.assess`): the quantities
    the rules compare, each reason and motivation indicator, and the outcome. Amounts are
    exact yuan (the rules compare whole fen, never rounded per-capita values)."""
    size: int
    net: Decimal
    prev_net: Decimal
    rigid: Decimal
    income_pc: Decimal | None  # rounded half away from zero to the fen, as a run reports it
    fired: dict[str, bool]  # reason code → fired, for every reason of classify.REASONS
    deprived: dict[str, bool]  # indicator → deprived, for every indicator the engine knows
    risk: str | None
    motivation_score: float | None
    motivation_poor: bool | None
    facts: dict[str, object]  # the household facts the measures' reasons quote
    out_of_school: tuple[str, ...] = ()  # person ids behind compulsory_education
    uninsured: tuple[str, ...] = ()  # person ids behind medical_insurance

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, on in self.fired.items() if on]


# The household facts an explanation quotes beside the reasons and indicators.
_QUOTED_FACTS = ("housing", "water", "sudden_event", "category", "willingness", "any_labor_capable",
                 "any_seriously_ill", "any_severely_disabled", "has_disability_allowance")


# Tables of their own: a session's table keeps the columns of the first statement that
# used its name, and the guarantees' and ledger's inputs carry extra columns.
_ASSESSED_HOUSEHOLDS, _ASSESSED_PERSONS, _ASSESSED_LEDGER = "_hh_a_households", "_hh_a_persons", "_hh_a_items"


@functools.lru_cache(maxsize=16)
def _assessment_sql(policy: Policy) -> _Compiled:
    # Keyed by the policy's value, like _member_facts_sql: its numbers are literals of the SQL.
    h = _placeholder(_ASSESSED_HOUSEHOLDS, schema.HOUSEHOLDS)
    p = _placeholder(_ASSESSED_PERSONS, schema.PERSONS)
    i = _placeholder(_ASSESSED_LEDGER, schema.INCOME_ITEMS)
    assessed = classify.assess(h, p, i, policy)
    flags = {f"r_{r}": assessed[f"r_{r}"] for r in classify.REASONS}
    deprived = {c: assessed[c] for c in assessed.columns if c.startswith("d_")}
    safe_size = ibis.ifelse(assessed.size == 0, 1, assessed.size)
    out = assessed.select(
        "size", "net_fen", "prev_net_fen", "rigid_fen", "risk", "motivation_score", "motivation_poor",
        *_QUOTED_FACTS, **flags, **deprived,
        income_pc=income.per_capita(assessed.net_fen, safe_size),
    )
    # Who failed a guarantee, by the same member flags the reasons aggregate: one query
    # answers the whole explanation (an aggregate without groups is one row, even over none).
    alive = members.alive_members(p, policy)
    named = alive.aggregate(
        out_of_school_ids=alive.person_id.collect(where=alive.out_of_school, order_by=alive.person_id),
        uninsured_ids=alive.person_id.collect(where=alive.uninsured, order_by=alive.person_id),
    )
    return _compile(out.cross_join(named), _ASSESSED_HOUSEHOLDS, _ASSESSED_PERSONS, _ASSESSED_LEDGER)


def assessment(household: dict, persons: list[dict], ledger: list[dict], policy: Policy) -> Assessment:
    """The household (a row of the contract's households table, `village_code` included),
    its persons and its ledger rows assessed by the run's own expression
    (`classify.assess`) for `policy`: the same reasons, colour and score a run gives."""
    rows = _run(
        _assessment_sql(policy),
        _frame(schema.HOUSEHOLDS, [household]),
        _frame(schema.PERSONS, [{**p, "household_id": household["household_id"]} for p in persons]),
        _frame(schema.INCOME_ITEMS, [{**r, "household_id": household["household_id"]} for r in ledger]),
    )
    row = rows[0]
    size = int(row["size"])
    empty = size == 0
    return Assessment(
        size=size,
        net=_yuan(row["net_fen"]),
        prev_net=_yuan(row["prev_net_fen"]),
        rigid=_yuan(row["rigid_fen"]),
        income_pc=None if empty else row["income_pc"],
        fired={r: bool(row[f"r_{r}"]) and not empty for r in classify.REASONS},
        deprived={c[2:]: bool(v) for c, v in row.items() if c.startswith("d_")},
        risk=None if empty else row["risk"],
        motivation_score=None if empty else float(row["motivation_score"]),
        motivation_poor=None if empty else bool(row["motivation_poor"]),
        facts={name: row[name] for name in _QUOTED_FACTS},
        out_of_school=tuple(row["out_of_school_ids"] or ()),
        uninsured=tuple(row["uninsured_ids"] or ()),
    )


@functools.lru_cache(maxsize=16)
def _results_sql(policy: Policy) -> _Compiled:
    # A run's own output expression (`monitor`: household_results over the kept frame of
    # `assess`), so a re-evaluated household gets exactly the row a run would give it.
    # The inputs are the contract's tables unchanged: the assessment's tables serve.
    h = _placeholder(_ASSESSED_HOUSEHOLDS, schema.HOUSEHOLDS)
    p = _placeholder(_ASSESSED_PERSONS, schema.PERSONS)
    i = _placeholder(_ASSESSED_LEDGER, schema.INCOME_ITEMS)
    results = classify.household_results(classify.kept(classify.assess(h, p, i, policy)), policy)
    return _compile(results, _ASSESSED_HOUSEHOLDS, _ASSESSED_PERSONS, _ASSESSED_LEDGER)


def household_results(households: list[dict], persons: list[dict], ledger: list[dict],
                      policy: Policy) -> dict[str, dict]:
    """household_id → the household's row of a run's household_results (risk, reasons,
    monitor_type, stability, income_pc, motivation_score, motivation_poor, d_<indicator>
    ...), for any number of households at once: rows of the contract's households,
    persons and income_items tables (each person and ledger row naming its household)."""
    if not households:
        return {}
    return household_results_arrow(_frame(schema.HOUSEHOLDS, households), _frame(schema.PERSONS, persons),
                                   _frame(schema.INCOME_ITEMS, ledger), policy)


def household_results_arrow(households: pa.Table, persons: pa.Table, ledger: pa.Table,
                            policy: Policy) -> dict[str, dict]:
    """`household_results` for the three tables as Arrow in the contract's schemas (a
    batch of thousands read straight from the database skips the rows as dicts)."""
    if households.num_rows == 0:
        return {}
    rows = _run(_results_sql(policy), households, persons, ledger)
    return {row["household_id"]: row for row in rows}


def household_result(household: dict, persons: list[dict], ledger: list[dict], policy: Policy) -> dict:
    """One household's row of a run's household_results (see `household_results`)."""
    hid = household["household_id"]
    return household_results(
        [household], [{**p, "household_id": hid} for p in persons], [{**r, "household_id": hid} for r in ledger],
        policy,
    )[hid]
