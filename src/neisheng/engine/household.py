"""The engine's rules applied to ONE household, for the page that shows it.

The household page must state the same per-capita income, guarantees and ages as a
monitoring run. Rather than restate those rules in Python (where a rounding or an age
band can drift from the batch engine's), this module feeds the household's rows to the
very Ibis expressions a run uses (`income.per_capita`, `members.alive_members`,
`guarantees.guarantee_reasons`) on a small in-memory DuckDB.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal

import ibis
import pyarrow as pa

from neisheng.engine import guarantees, income, members, schema
from neisheng.policy import Policy

_local = threading.local()


def _con():
    """One DuckDB connection per thread: a connection is not safe to share between the
    threads of a web server, and opening one per page view costs more than the query."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = ibis.duckdb.connect()
    return con


def _table(table: schema.Table, rows: list[dict]) -> ibis.Table:
    columns = {c.name: [row.get(c.name) for row in rows] for c in table.columns}
    return ibis.memtable(pa.Table.from_pydict(columns, schema=table.arrow_schema))


@dataclass(frozen=True)
class LedgerYearTotals:
    year: int
    income: Decimal
    cost: Decimal
    rigid: Decimal
    net: Decimal
    per_capita: Decimal | None  # net income per alive member, as a run computes it


def ledger_years(ledger: list[dict], size: int) -> dict[int, LedgerYearTotals]:
    """Per ledger year: income, production cost, rigid expenditure, net income (the
    items' signs toward net income, `income.NET_SIGN`) and per-capita net income by
    `income.per_capita` (half away from zero to the fen), for `size` alive members."""
    if not ledger:
        return {}
    t = _table(schema.INCOME_ITEMS, ledger)
    fen = (t.amount * income.FEN_PER_YUAN).cast("int64")
    kind = t.item.substitute({code: item.kind for code, item in schema.LEDGER_ITEMS.items()}, else_="")
    totals = t.group_by("year").aggregate(
        income_fen=fen.sum(where=kind == "income").fill_null(0),
        cost_fen=fen.sum(where=kind == "cost").fill_null(0),
        rigid_fen=fen.sum(where=t.item.isin(income.RIGID_ITEMS)).fill_null(0),
        net_fen=(fen * t.item.substitute(income.NET_SIGN, else_=0)).sum().fill_null(0),
    )
    safe_size = max(size, 1)
    totals = totals.mutate(
        per_capita=income.per_capita(totals.net_fen, ibis.literal(safe_size, "int64")),
    )
    out = {}
    for row in _con().to_pyarrow(totals).to_pylist():
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


def member_facts(persons: list[dict], policy: Policy, today: dt.date) -> dict[str, MemberFacts]:
    """person_id → the facts the rules use (`members.age_at`, `members.in_ages`,
    `members.alive_members`); deceased members get their ages and no flags."""
    if not persons:
        return {}
    p = _table(schema.PERSONS, persons)
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
    return {
        row.pop("person_id"): MemberFacts(**row)
        for row in _con().to_pyarrow(facts).to_pylist()
    }


def guarantee_reasons(household: dict, facts: dict[str, MemberFacts]) -> dict[str, bool]:
    """Which guarantee reasons (`guarantees.GUARANTEE_REASONS`) fire for the household,
    by `guarantees.guarantee_reasons` itself, given its members' facts (`member_facts`,
    whose flags are set for alive members only, as `members.member_facts` aggregates)."""
    row = {c.name: household.get(c.name) for c in schema.HOUSEHOLDS.columns}
    frame = pa.Table.from_pylist([row], schema=schema.HOUSEHOLDS.arrow_schema)
    frame = frame.append_column("any_out_of_school", pa.array([any(f.out_of_school for f in facts.values())]))
    frame = frame.append_column("any_uninsured", pa.array([any(f.uninsured for f in facts.values())]))
    h = ibis.memtable(frame)
    fired = _con().to_pyarrow(h.select(**guarantees.guarantee_reasons(h))).to_pylist()[0]
    return {reason: bool(fired[reason]) for reason in guarantees.GUARANTEE_REASONS}
