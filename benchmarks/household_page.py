"""Time the engine's per-household functions the household page calls
(neisheng.engine.household: ledger_years, member_facts, guarantee_reasons) for a typical
household: 5 members, 2 years of ledger, 10 items. Prints the median of N calls in ms.

Usage:
  PYTHONPATH=src python benchmarks/household_page.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal

from neisheng.engine import household as engine_household
from neisheng.policy import load_policy

HOUSEHOLD = {
    "household_id": "H0001", "village_code": "110101001001", "status": "lifted", "category": "ordinary",
    "housing": "safe", "water": "safe", "food_clothing_ok": True, "poverty_cause": "illness",
    "lifted_year": 2019, "cooperative_member": False, "industry_linked": True, "credit_access": False,
    "participates_village_affairs": True, "willingness": 4, "sudden_event": "none",
}


def _person(n: int, birth: dt.date, relation: str, **over) -> dict:
    row = {
        "person_id": f"P{n:04d}", "household_id": "H0001", "name": f"成员{n}", "relation": relation,
        "sex": "male" if n % 2 else "female", "birth_date": birth, "alive": True, "education": "junior",
        "schooling": "not_in_school", "labor": "ordinary", "health": "healthy", "disability_grade": 0,
        "medical_insured": True, "has_skill": False, "employed_months": 6,
    }
    row.update(over)
    return row


PERSONS = [
    _person(1, dt.date(1975, 3, 12), "head", has_skill=True),
    _person(2, dt.date(1978, 8, 30), "spouse", medical_insured=False),
    _person(3, dt.date(2012, 2, 29), "child", schooling="junior", labor="none", employed_months=0),
    _person(4, dt.date(2016, 11, 5), "child", labor="none", employed_months=0),
    _person(5, dt.date(1948, 1, 1), "parent", labor="lost", health="serious", employed_months=0),
]

LEDGER = [
    {"household_id": "H0001", "year": year, "item": item, "amount": Decimal(amount), "source": "survey"}
    for year, item, amount in (
        (2025, "wage", "18000.00"), (2025, "business_crop", "4200.50"), (2025, "production_cost", "1300.00"),
        (2025, "dibao", "2400.00"), (2025, "medical_out_of_pocket", "3100.00"),
        (2026, "wage", "21000.00"), (2026, "business_livestock", "5100.25"), (2026, "production_cost", "1700.75"),
        (2026, "pension", "1800.00"), (2026, "education_expense", "900.00"),
    )
]


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    policy = load_policy()
    today = dt.date(2026, 11, 30)
    size = sum(p["alive"] for p in PERSONS)

    started = time.perf_counter()
    facts = engine_household.member_facts(PERSONS, policy, today)
    engine_household.ledger_years(LEDGER, size)
    engine_household.guarantee_reasons(HOUSEHOLD, facts)
    print(f"first call of the three (cold): {(time.perf_counter() - started) * 1000:.1f} ms")

    def page():
        f = engine_household.member_facts(PERSONS, policy, today)
        engine_household.ledger_years(LEDGER, size)
        engine_household.guarantee_reasons(HOUSEHOLD, f)

    for name, fn in (
        ("ledger_years", lambda: engine_household.ledger_years(LEDGER, size)),
        ("member_facts", lambda: engine_household.member_facts(PERSONS, policy, today)),
        ("guarantee_reasons", lambda: engine_household.guarantee_reasons(HOUSEHOLD, facts)),
        ("all three", page),
    ):
        print(f"{name:>18}: median {_median_ms(fn, args.repeat):7.2f} ms over {args.repeat} calls")


if __name__ == "__main__":
    main()
