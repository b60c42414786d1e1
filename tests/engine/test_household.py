"""engine.household (one household, for its page) agrees with a monitoring run over many:
per-capita income, the guarantees and ages come from the same rules, never a copy."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import HealthCheck, given, settings

from engine_adapter import engine_policy
from engine_adapter import evaluate as engine_evaluate
from neisheng.engine import guarantees, schema
from neisheng.engine import household as one
from neisheng.policy import load_policy
from reference_monitoring import DEFAULT_POLICY
from strategies import snapshots


def _item(amount: str, item: str = "wage", year: int = 2026) -> dict:
    return {"household_id": "H", "year": year, "item": item, "amount": Decimal(amount), "source": "survey"}


def test_10000_01_for_two_is_5000_01_half_away_from_zero():
    # Half to even (the page's old rounding) gives 5000.00; monitoring.md says 5000.01.
    assert (Decimal("10000.01") / 2).quantize(Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("5000.00")
    totals = one.ledger_years([_item("10000.01")], 2)[2026]
    assert (totals.net, totals.per_capita) == (Decimal("10000.01"), Decimal("5000.01"))


def test_net_income_subtracts_production_cost_and_rounds_negatives_away_from_zero():
    totals = one.ledger_years([_item("100.00"), _item("100.05", "production_cost"),
                               _item("30.00", "medical_out_of_pocket")], 2)[2026]
    assert (totals.income, totals.cost, totals.rigid, totals.net) == (
        Decimal(100), Decimal("100.05"), Decimal(30), Decimal("-0.05"))
    assert totals.per_capita == Decimal("-0.03")
    assert one.ledger_years([_item("1.00")], 0)[2026].per_capita is None  # no alive member


def test_ages_follow_the_engine_on_29_february():
    policy = load_policy()
    person = {"person_id": "P", "household_id": "H", "birth_date": dt.date(2008, 2, 29), "alive": True,
              "schooling": "not_in_school", "labor": "none", "disability_grade": 0, "medical_insured": True,
              "education": "none", "has_skill": False, "employed_months": 0, "health": "healthy"}
    facts = one.member_facts([person], policy, dt.date(2026, 2, 28))["P"]
    assert facts.age == 17  # the birthday is reached on 1 March in a common year
    assert one.member_facts([person], policy, dt.date(2026, 3, 1))["P"].age == 18


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=snapshots())
def test_one_household_agrees_with_the_run(snapshot):
    policy = engine_policy(DEFAULT_POLICY)
    results, _ = engine_evaluate(snapshot["households"], snapshot["persons"], snapshot["income_items"],
                                 DEFAULT_POLICY)
    for household in snapshot["households"]:
        hid = household["household_id"]
        result = results[hid]
        persons = [p for p in snapshot["persons"] if p["household_id"] == hid]
        ledger = [i for i in snapshot["income_items"] if i["household_id"] == hid]
        size = result["size"]
        if not size:
            continue
        # The run emits exactly the codes the schema declares (and labels) once.
        assert result["risk"] in schema.RISK
        assert result["monitor_type"] in {None, *schema.MONITOR_TYPE}
        assert result["stability"] in {None, *schema.STABILITY}
        assert {r for r in result["reasons"].split(";") if r} <= set(schema.REASON)
        years = one.ledger_years(ledger, size)
        for year, column in ((policy.year, "income_pc"), (policy.year - 1, "prev_income_pc")):
            expected = years[year].per_capita if year in years else Decimal("0.00")
            assert expected == result[column], (hid, year)
        fired = one.guarantee_reasons(household, one.member_facts(persons, policy, policy.reference_date))
        in_run = {r for r in result["reasons"].split(";") if r} & set(guarantees.GUARANTEE_REASONS)
        assert {r for r, on in fired.items() if on} == in_run, hid
