"""Time the projects audit (engine.project_audit.audit_all, what every change to a project,
plan, payment or renovation runs for its county) on synthetic county tables, and the
dividend split (engine.dividends.allocate) over many households.

The county: P plans of 100 payments each (so 200,000 payments by default) over 500
projects, a beneficiary row per payee, three members per household, 2,000 funds, and I
renovation line items (20,000 by default) in renovations of four items. About 1 % of each
kind of record breaks a rule, so every check has findings to build evidence for.

Usage:
  PYTHONPATH=src python benchmarks/project_audit.py [--payments N] [--items N]
      [--households N] [--repeat N] [--spark]
Prints seconds per step; not a test. Keep sizes at the defaults on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time


def county(payments: int, items: int, seed: int = 14):
    import numpy as np
    import pyarrow as pa

    from neisheng.engine.project_audit import TABLE_SCHEMAS, AuditTables

    rng = np.random.default_rng(seed)
    village = "500237101001"
    per_plan = 100
    plans_n = max(payments // per_plan, 1)
    households_n = max(payments // 4, 1)
    projects_n = 500

    plan_ids = np.arange(plans_n)
    plan_project = plan_ids % projects_n
    shares = rng.integers(10_000, 500_000, size=(plans_n, per_plan))
    payment_fen = shares.reshape(-1)[:payments]
    payment_plan = np.repeat(plan_ids, per_plan)[:payments]
    payment_household = rng.integers(0, households_n, size=payments)
    paid_sum = np.bincount(payment_plan, weights=payment_fen, minlength=plans_n).astype(np.int64)
    collective = (paid_sum * 3 // 7).astype(np.int64)
    revenue = paid_sum + collective
    revenue[rng.random(plans_n) < 0.01] += 1  # plan_sum
    day0 = dt.date(2026, 1, 1)
    payment_day = rng.integers(0, 300, size=payments)

    def ids(prefix, values):
        return pa.array([f"{prefix}{v}" for v in values])

    def dates(offsets):
        return pa.array([day0 + dt.timedelta(days=int(o)) for o in offsets], pa.date32())

    plans = pa.table({
        "plan_id": ids("", plan_ids), "project_id": ids("", plan_project), "division_code": [village] * plans_n,
        "revenue_fen": revenue, "collective_fen": collective, "has_payments": np.ones(plans_n, dtype=bool),
    }, schema=TABLE_SCHEMAS["plans"])
    payments_table = pa.table({
        "payment_id": ids("", range(payments)), "plan_id": ids("", payment_plan),
        "project_id": ids("", plan_project[payment_plan]), "household_id": ids("H", payment_household),
        "division_code": [village] * payments, "amount_fen": payment_fen.astype(np.int64),
        "payment_date": dates(payment_day),
    }, schema=TABLE_SCHEMAS["payments"])
    # Every payee is a beneficiary of the paying project from the start; 1 % of the
    # periods end before the payment (payee_not_beneficiary).
    pairs = sorted(set(zip(plan_project[payment_plan].tolist(), payment_household.tolist())))
    ended = rng.random(len(pairs)) < 0.01
    beneficiaries = pa.table({
        "project_id": ids("", [p for p, _ in pairs]), "household_id": ids("H", [h for _, h in pairs]),
        "starts_on": pa.array([dt.date(2025, 1, 1)] * len(pairs), pa.date32()),
        "ends_on": pa.array([dt.date(2025, 12, 31) if e else None for e in ended], pa.date32()),
    }, schema=TABLE_SCHEMAS["beneficiaries"])
    member_household = np.repeat(np.arange(households_n), 3)
    dead_household = rng.random(households_n) < 0.01  # payee_deceased
    members = pa.table({
        "household_id": ids("H", member_household), "person_id": ids("P", range(len(member_household))),
        "born_on": pa.array([dt.date(1960, 1, 1)] * len(member_household), pa.date32()),
        "alive": ~dead_household[member_household],
        "died_on": pa.array([dt.date(2025, 6, 1) if d else None for d in dead_household[member_household]],
                            pa.date32()),
    }, schema=TABLE_SCHEMAS["members"])
    funds_n = 2000
    fund_amount = rng.integers(100_000, 100_000_000, size=funds_n)
    spent = (fund_amount * rng.random(funds_n)).astype(np.int64)
    over = rng.random(funds_n) < 0.01
    spent[over] = fund_amount[over] + 1  # overspent_fund
    funds = pa.table({
        "fund_id": ids("F", range(funds_n)), "project_id": ids("", np.arange(funds_n) % projects_n),
        "division_code": [village] * funds_n, "amount_fen": fund_amount, "spent_fen": spent,
    }, schema=TABLE_SCHEMAS["funds"])
    renovations_n = max(items // 4, 1)
    item_renovation = np.arange(items) // 4
    renovation_household = rng.integers(0, households_n, size=renovations_n)
    reference = rng.integers(1_000, 50_000, size=items)
    unit = reference.copy()
    dear = rng.random(items) < 0.01
    unit[dear] = reference[dear] * 12 // 10  # renovation_price
    quantity = np.round(rng.uniform(1, 20, size=items), 3)
    max_quantity = np.where(rng.random(items) < 0.01, quantity - 0.5, 25.0)  # renovation_quantity
    items_table = pa.table({
        "item_id": ids("I", range(items)), "renovation_id": ids("R", item_renovation),
        "household_id": ids("H", renovation_household[item_renovation]), "division_code": [village] * items,
        "project_id": pa.nulls(items, pa.string()), "item_code": ids("L", rng.integers(1, 26, size=items)),
        "quantity": quantity, "unit_price_fen": unit, "amount_fen": np.round(quantity * unit).astype(np.int64),
        "reference_price_fen": reference, "max_quantity": max_quantity,
    }, schema=TABLE_SCHEMAS["items"])
    status = np.where(rng.random(renovations_n) < 0.01, "general", "lifted")  # renovation_not_eligible
    renovations = pa.table({
        "renovation_id": ids("R", range(renovations_n)), "household_id": ids("H", renovation_household),
        "division_code": [village] * renovations_n, "project_id": pa.nulls(renovations_n, pa.string()),
        "status": status,
    }, schema=TABLE_SCHEMAS["renovations"])
    return AuditTables(plans=plans, payments=payments_table, beneficiaries=beneficiaries, members=members,
                       funds=funds, items=items_table, renovations=renovations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=100_000, help="households allocate splits among")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also time audit_all on Spark (local mode)")
    args = parser.parse_args()

    from decimal import Decimal

    from neisheng.engine.dividends import allocate
    from neisheng.engine.project_audit import CHECKS, audit_all, empty_tables
    from neisheng.policy import load_policy

    policy = load_policy()
    started = time.perf_counter()
    tables = county(args.payments, args.items)
    print(f"county built in {time.perf_counter() - started:.2f} s: {tables.payments.num_rows:,} payments, "
          f"{tables.plans.num_rows:,} plans, {tables.beneficiaries.num_rows:,} beneficiary periods, "
          f"{tables.members.num_rows:,} members, {tables.funds.num_rows:,} funds, {tables.items.num_rows:,} items, "
          f"{tables.renovations.num_rows:,} renovations")

    started = time.perf_counter()
    audit_all(empty_tables(), policy=policy)
    print(f"first audit_all in the process (compiles the checks' SQL), empty county: "
          f"{time.perf_counter() - started:.2f} s")
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        audit_all(empty_tables(), policy=policy)
        timings.append(time.perf_counter() - started)
    print(f"audit_all, empty county: median {statistics.median(timings):.3f} s")

    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = audit_all(tables, policy=policy)
        timings.append(time.perf_counter() - started)
    counts = {rule: 0 for rule in CHECKS}
    for rule in findings["rule"].to_pylist():
        counts[rule] += 1
    print(f"audit_all (DuckDB): median {statistics.median(timings):.2f} s, min {min(timings):.2f} s over "
          f"{args.repeat}; {findings.num_rows:,} findings: "
          + ", ".join(f"{rule} {n:,}" for rule, n in counts.items()))

    if args.spark:
        started = time.perf_counter()
        on_spark = audit_all(tables, policy=policy, backend="spark")
        first = time.perf_counter() - started
        started = time.perf_counter()
        audit_all(tables, policy=policy, backend="spark")
        print(f"audit_all (Spark local): first {first:.2f} s (starts the session), then "
              f"{time.perf_counter() - started:.2f} s; same findings as DuckDB: {on_spark.equals(findings)}")

    weights = {f"H{n:06d}": (n % 7) + 1 for n in range(args.households)}
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        amounts = allocate(Decimal("12345678.91"), weights)
        timings.append(time.perf_counter() - started)
    assert sum(amounts.values()) == Decimal("12345678.91")
    print(f"allocate over {args.households:,} households (per-person weights 1–7): "
          f"median {statistics.median(timings):.2f} s")


if __name__ == "__main__":
    main()
