"""The nine audit checks of projects.md, each on hand-made data just inside and just
outside its rule, the evidence they give and the order of the findings (DuckDB)."""

import dataclasses
import datetime as dt
import json

import ibis
import pyarrow as pa
import pytest

from neisheng.engine.project_audit import (
    CHECKS,
    FINDING_SCHEMA,
    TABLE_SCHEMAS,
    AuditTables,
    audit_all,
    check_plan_sum,
    empty_tables,
)
from neisheng.policy import load_policy

POLICY = load_policy()
VILLAGE = "500237101001"
OTHER_VILLAGE = "500237101002"


def make_tables(**rows) -> AuditTables:
    return AuditTables(**{name: pa.Table.from_pylist(rows.get(name, []), schema=schema)
                          for name, schema in TABLE_SCHEMAS.items()})


def findings(policy=POLICY, **rows) -> list[dict]:
    table = audit_all(make_tables(**rows), policy=policy)
    assert table.schema == FINDING_SCHEMA
    found = table.to_pylist()
    for finding in found:
        finding["evidence"] = json.loads(finding["evidence"])
    return found


def of_rule(rule, found):
    return [f for f in found if f["rule"] == rule]


def plan(plan_id="1", revenue_fen=700000, collective_fen=210000, has_payments=True, **extra):
    return {"plan_id": plan_id, "project_id": "7", "division_code": VILLAGE, "revenue_fen": revenue_fen,
            "collective_fen": collective_fen, "has_payments": has_payments, **extra}


def payment(payment_id, household_id="H1", amount_fen=100000, payment_date=dt.date(2026, 3, 2), plan_id="1",
            project_id="7"):
    return {"payment_id": payment_id, "plan_id": plan_id, "project_id": project_id, "household_id": household_id,
            "division_code": VILLAGE, "amount_fen": amount_fen, "payment_date": payment_date}


def beneficiary(household_id="H1", starts_on=dt.date(2025, 1, 1), ends_on=None, project_id="7"):
    return {"project_id": project_id, "household_id": household_id, "starts_on": starts_on, "ends_on": ends_on}


def member(person_id, household_id="H1", born_on=dt.date(1950, 1, 1), alive=True, died_on=None):
    return {"household_id": household_id, "person_id": person_id, "born_on": born_on, "alive": alive,
            "died_on": died_on}


def fund(fund_id="F1", amount_fen=10600000, spent_fen=0):
    return {"fund_id": fund_id, "project_id": "7", "division_code": VILLAGE, "amount_fen": amount_fen,
            "spent_fen": spent_fen}


def item(item_id, *, household_id="H1", renovation_id="R1", quantity=1.0, unit_price_fen=10000,
         amount_fen=None, reference_price_fen=10000, max_quantity=10.0, item_code="L01", project_id=None):
    return {"item_id": item_id, "renovation_id": renovation_id, "household_id": household_id,
            "division_code": VILLAGE, "project_id": project_id, "item_code": item_code, "quantity": quantity,
            "unit_price_fen": unit_price_fen,
            "amount_fen": round(quantity * unit_price_fen) if amount_fen is None else amount_fen,
            "reference_price_fen": reference_price_fen, "max_quantity": max_quantity}


def renovation(renovation_id="R1", household_id="H1", status="lifted", division_code=VILLAGE):
    return {"renovation_id": renovation_id, "household_id": household_id, "division_code": division_code,
            "project_id": None, "status": status}


# ---- plan_sum ---------------------------------------------------------------------------

def _plan_payments(total_fen, count=6):
    base, rest = divmod(total_fen, count)
    return [payment(str(n), household_id=f"H{n}", amount_fen=base + (1 if n <= rest else 0)) for n in range(1, count + 1)]


SIX_BENEFICIARIES = [beneficiary(f"H{n}") for n in range(1, 7)]


def test_plan_sum_exact_is_silent():
    assert findings(plans=[plan()], payments=_plan_payments(490000), beneficiaries=SIX_BENEFICIARIES) == []


def test_plan_sum_one_fen_over_and_under():
    over = of_rule("plan_sum", findings(plans=[plan()], payments=_plan_payments(490001)))
    assert [(f["subject_type"], f["subject_id"], f["amount_fen"]) for f in over] == [("plan", "1", 1)]
    assert over[0]["evidence"] == {"revenue": "7000.00", "payments": "4900.01", "collective": "2100.00",
                                   "difference": "0.01", "payment_count": 6}
    assert over[0]["project_id"] == "7" and over[0]["household_id"] is None and over[0]["division_code"] == VILLAGE
    under = of_rule("plan_sum", findings(plans=[plan()], payments=_plan_payments(489999)))
    assert under[0]["amount_fen"] == -1
    assert under[0]["evidence"]["difference"] == "-0.01"


def test_plan_sum_only_for_plans_with_payments():
    assert findings(plans=[plan(has_payments=False)]) == []
    # A plan said to have payments of which none arrived: everything but the collective is missing.
    found = of_rule("plan_sum", findings(plans=[plan()]))
    assert found[0]["amount_fen"] == -490000
    assert found[0]["evidence"]["payments"] == "0.00" and found[0]["evidence"]["payment_count"] == 0


# ---- payee_not_beneficiary ----------------------------------------------------------------

def _not_beneficiary(pay_on, *periods):
    found = findings(payments=[payment("9", payment_date=pay_on)], beneficiaries=list(periods))
    return of_rule("payee_not_beneficiary", found)


def test_payment_on_the_beneficiarys_last_day_is_fine_the_day_after_is_not():
    period = beneficiary(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 3, 1))
    assert _not_beneficiary(dt.date(2026, 3, 1), period) == []
    found = _not_beneficiary(dt.date(2026, 3, 2), period)
    assert [(f["subject_type"], f["subject_id"], f["household_id"], f["amount_fen"]) for f in found] == [
        ("payment", "9", "H1", 100000)]
    assert found[0]["evidence"] == {"payment_date": "2026-03-02", "amount": "1000.00", "periods": 1,
                                    "first_starts_on": "2025-01-01", "last_ends_on": "2026-03-01"}


def test_payment_before_the_first_day_and_on_it():
    period = beneficiary(starts_on=dt.date(2026, 3, 2))
    assert _not_beneficiary(dt.date(2026, 3, 2), period) == []
    found = _not_beneficiary(dt.date(2026, 3, 1), period)
    assert found[0]["evidence"]["last_ends_on"] is None  # the one period is still open


def test_beneficiary_of_another_project_or_none_at_all():
    found = _not_beneficiary(dt.date(2026, 3, 2), beneficiary(project_id="8"))
    assert found[0]["evidence"] == {"payment_date": "2026-03-02", "amount": "1000.00", "periods": 0,
                                    "first_starts_on": None, "last_ends_on": None}
    assert len(_not_beneficiary(dt.date(2026, 3, 2))) == 1
    # Two periods with a gap: paid inside the second one.
    periods = (beneficiary(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 6, 30)),
               beneficiary(starts_on=dt.date(2026, 1, 1)))
    assert _not_beneficiary(dt.date(2026, 3, 2), *periods) == []
    assert len(_not_beneficiary(dt.date(2025, 9, 1), *periods)) == 1


def test_undated_payment_is_not_checked_against_dates():
    assert findings(payments=[payment("9", payment_date=None)], members=[member("a", alive=False)]) == []


# ---- payee_deceased -----------------------------------------------------------------------

PAY_ON = dt.date(2026, 3, 2)


def _deceased(*members):
    found = findings(payments=[payment("9", payment_date=PAY_ON)], beneficiaries=[beneficiary()],
                     members=list(members))
    return of_rule("payee_deceased", found)


def test_one_member_alive_on_the_payment_date_is_enough():
    assert _deceased(member("a", alive=False, died_on=dt.date(2025, 1, 1)), member("b")) == []
    # Died the day after the payment: alive on it.
    assert _deceased(member("a", alive=False, died_on=PAY_ON + dt.timedelta(days=1))) == []


def test_every_member_dead_before_or_on_the_payment_date():
    found = _deceased(member("a", alive=False, died_on=dt.date(2025, 12, 1)),
                      member("b", alive=False, died_on=PAY_ON),
                      member("c", alive=False, died_on=None))
    assert [(f["subject_type"], f["subject_id"], f["household_id"]) for f in found] == [("payment", "9", "H1")]
    assert found[0]["evidence"] == {"payment_date": "2026-03-02", "amount": "1000.00", "members": 3,
                                    "last_died_on": "2026-03-02"}


def test_dead_with_no_date_and_a_child_born_after_the_payment():
    found = _deceased(member("a", alive=False), member("b", born_on=PAY_ON + dt.timedelta(days=1)))
    assert found[0]["evidence"]["members"] == 2 and found[0]["evidence"]["last_died_on"] is None
    assert _deceased(member("a", alive=False), member("b", born_on=PAY_ON)) == []


def test_household_without_members_is_not_called_deceased():
    assert _deceased(member("a", household_id="H2", alive=False)) == []


# ---- duplicate_payment ----------------------------------------------------------------------

def test_two_payments_of_one_plan_to_one_household():
    rows = {"payments": [payment("1", amount_fen=50000), payment("2", amount_fen=70000, payment_date=None),
                          payment("3", household_id="H2")],
                "beneficiaries": [beneficiary(), beneficiary("H2")]}
    found = of_rule("duplicate_payment", findings(**rows))
    assert [(f["subject_type"], f["subject_id"], f["household_id"], f["amount_fen"]) for f in found] == [
        ("plan", "1:H1", "H1", 120000)]
    assert found[0]["evidence"] == {"payments": 2, "amount": "1200.00", "first_payment_date": "2026-03-02",
                                    "last_payment_date": "2026-03-02"}


def test_one_payment_each_or_in_different_plans_is_fine():
    rows = {"payments": [payment("1"), payment("2", household_id="H2"), payment("3", plan_id="2")],
                "beneficiaries": [beneficiary(), beneficiary("H2")]}
    assert findings(**rows) == []


# ---- overspent_fund ---------------------------------------------------------------------------

def test_fund_spent_exactly_and_one_fen_over():
    assert findings(funds=[fund(spent_fen=10600000)]) == []
    found = findings(funds=[fund(spent_fen=10600001)])
    assert [(f["rule"], f["subject_type"], f["subject_id"], f["amount_fen"], f["project_id"]) for f in found] == [
        ("overspent_fund", "fund", "F1", 1, "7")]
    assert found[0]["evidence"] == {"amount": "106000.00", "spent": "106000.01", "over": "0.01"}


# ---- renovation_price -----------------------------------------------------------------------------

def _price(unit_price_fen, reference_price_fen, policy=POLICY):
    found = findings(policy=policy, items=[item("I1", unit_price_fen=unit_price_fen,
                                                reference_price_fen=reference_price_fen)],
                     renovations=[renovation()])
    return of_rule("renovation_price", found)


def test_price_exactly_ten_percent_above_and_one_fen_more():
    assert _price(11000, 10000) == []
    found = _price(11001, 10000)
    assert [(f["subject_type"], f["subject_id"], f["household_id"]) for f in found] == [
        ("renovation_item", "I1", "H1")]
    assert found[0]["evidence"] == {"item_code": "L01", "unit_price": "110.01", "reference_price": "100.00",
                                    "tolerance": "0.10", "quantity": "1.000", "amount": "110.01"}


def test_price_limit_between_two_fen_is_compared_exactly():
    # 10.01 × 1.10 = 11.011: 11.01 is within, 11.02 above.
    assert _price(1101, 1001) == []
    assert len(_price(1102, 1001)) == 1


def test_price_tolerance_from_the_policy_and_unknown_codes():
    looser = dataclasses.replace(POLICY, projects_price_tolerance=0.25)
    assert _price(12500, 10000, looser) == []
    found = _price(12501, 10000, looser)
    assert found[0]["evidence"]["tolerance"] == "0.25"
    assert _price(99999, None) == []


# ---- renovation_quantity ----------------------------------------------------------------------------

def test_quantity_equal_to_the_maximum_and_above_it():
    rows = {"items": [item("I1", quantity=12.5, max_quantity=12.5), item("I2", quantity=12.501, max_quantity=12.5),
                       item("I3", quantity=99.0, max_quantity=None)],
                "renovations": [renovation()]}
    found = of_rule("renovation_quantity", findings(**rows))
    assert [(f["subject_type"], f["subject_id"]) for f in found] == [("renovation_item", "I2")]
    assert found[0]["evidence"] == {"item_code": "L01", "quantity": "12.501", "max_quantity": "12.500",
                                    "amount": "1250.10"}


# ---- renovation_not_eligible -------------------------------------------------------------------------

def test_status_lifted_and_monitored_are_eligible_others_not():
    rows = {"renovations": [renovation("R1", "H1", "lifted"), renovation("R2", "H2", "monitored"),
                             renovation("R3", "H3", "general"), renovation("R4", "H4", None)],
                "items": [item("I1", household_id="H3", renovation_id="R3", quantity=2.0, unit_price_fen=5000),
                       item("I2", household_id="H3", renovation_id="R3")]}
    found = of_rule("renovation_not_eligible", findings(**rows))
    assert [(f["subject_type"], f["subject_id"], f["household_id"], f["amount_fen"]) for f in found] == [
        ("renovation", "R3", "H3", 20000), ("renovation", "R4", "H4", 0)]
    assert found[0]["evidence"] == {"status": "general", "total": "200.00", "items": 2}
    assert found[1]["evidence"] == {"status": None, "total": "0.00", "items": 0}


def test_eligible_statuses_come_from_the_policy():
    wider = dataclasses.replace(POLICY, projects_renovation_statuses=("lifted", "monitored", "general"))
    assert findings(policy=wider, renovations=[renovation(status="general")]) == []


# ---- renovation_total -------------------------------------------------------------------------------

def test_household_total_at_the_cap_and_one_fen_above_over_two_renovations():
    def rows(second_fen):
        return {"renovations": [renovation("R1"), renovation("R2")],
                    "items": [item("I1", amount_fen=1500000, unit_price_fen=1500000, reference_price_fen=1500000),
                           item("I2", renovation_id="R2", amount_fen=second_fen, unit_price_fen=second_fen,
                                reference_price_fen=second_fen)]}

    assert findings(**rows(500000)) == []
    found = findings(**rows(500001))
    assert [(f["rule"], f["subject_type"], f["subject_id"], f["household_id"], f["amount_fen"], f["project_id"])
            for f in found] == [("renovation_total", "household", "H1", "H1", 2000001, None)]
    assert found[0]["evidence"] == {"total": "20000.01", "cap": "20000.00", "over": "0.01", "renovations": 2,
                                    "items": 2}


def test_cap_from_the_policy():
    lower = dataclasses.replace(POLICY, projects_renovation_cap=100.5)
    found = findings(policy=lower, renovations=[renovation()], items=[item("I1", unit_price_fen=10051,
                                                                          reference_price_fen=10051)])
    assert found[0]["evidence"]["cap"] == "100.50" and found[0]["evidence"]["over"] == "0.01"


# ---- all together ----------------------------------------------------------------------------------------

def mixed_rows() -> dict:
    """A county with a finding of every rule (some twice) and records that pass."""
    return {
        "plans": [plan("1"), plan("2", has_payments=False, revenue_fen=1), plan("10", revenue_fen=300000, collective_fen=0)],
        "payments": [*_plan_payments(490000),
                  payment("20", household_id="H9", plan_id="10", amount_fen=150000),
                  payment("21", household_id="H9", plan_id="10", amount_fen=150001, payment_date=dt.date(2026, 4, 1)),
                  payment("22", household_id="D1", plan_id="10", amount_fen=0, payment_date=dt.date(2026, 4, 2))],
        "beneficiaries": [*(beneficiary(f"H{n}") for n in range(1, 7)), beneficiary("D1"),
                       beneficiary("H9", ends_on=dt.date(2026, 3, 31))],
        "members": [member("p1", "H1"), member("p9", "H9"), member("d1", "D1", alive=False, died_on=dt.date(2026, 1, 5)),
                 member("d2", "D1", alive=False)],
        "funds": [fund("F1", spent_fen=10600000), fund("F2", amount_fen=100, spent_fen=250), fund("F10", 5, 6)],
        "items": [item("I1", household_id="H1", unit_price_fen=11001, reference_price_fen=10000, quantity=11.0),
               item("I2", household_id="H2", renovation_id="R2", quantity=3.0),
               item("I10", household_id="H3", renovation_id="R3", amount_fen=2100000, unit_price_fen=2100000,
                    reference_price_fen=2100000)],
        "renovations": [renovation("R1", "H1"), renovation("R2", "H2", "general", OTHER_VILLAGE),
                     renovation("R3", "H3", "monitored")],
    }


def test_every_rule_in_order_then_by_subject_id_as_text():
    found = findings(**mixed_rows())
    assert [(f["rule"], f["subject_id"]) for f in found] == [
        ("plan_sum", "10"),
        ("payee_not_beneficiary", "21"),
        ("payee_deceased", "22"),
        ("duplicate_payment", "10:H9"),
        ("overspent_fund", "F10"),
        ("overspent_fund", "F2"),
        ("renovation_price", "I1"),
        ("renovation_quantity", "I1"),
        ("renovation_not_eligible", "R2"),
        ("renovation_total", "H3"),
    ]
    assert {f["rule"] for f in found} == set(CHECKS)
    assert of_rule("renovation_not_eligible", found)[0]["division_code"] == OTHER_VILLAGE
    assert of_rule("plan_sum", found)[0]["evidence"]["difference"] == "0.01"


def test_empty_tables_give_no_findings_with_the_schema():
    result = audit_all(empty_tables(), policy=POLICY)
    assert result.num_rows == 0 and result.schema == FINDING_SCHEMA
    assert all(getattr(empty_tables(), name).schema == schema for name, schema in TABLE_SCHEMAS.items())


def test_inputs_with_extra_columns_and_narrower_types_are_accepted_missing_ones_refused():
    funds = pa.table({"fund_id": ["F1"], "project_id": ["7"], "division_code": [VILLAGE],
                      "amount_fen": pa.array([100], pa.int32()), "spent_fen": pa.array([101], pa.int32()),
                      "source": ["county"]})
    tables = dataclasses.replace(empty_tables(), funds=funds)
    assert audit_all(tables, policy=POLICY)["subject_id"].to_pylist() == ["F1"]
    with pytest.raises(ValueError, match="funds table lacks the column.*spent_fen"):
        audit_all(dataclasses.replace(empty_tables(), funds=funds.drop_columns(["spent_fen"])), policy=POLICY)


def test_a_check_on_ibis_tables_directly():
    plans = ibis.memtable(pa.Table.from_pylist([plan()], schema=TABLE_SCHEMAS["plans"]))
    payments = ibis.memtable(pa.Table.from_pylist(_plan_payments(489990), schema=TABLE_SCHEMAS["payments"]))
    result = check_plan_sum(plans, payments).to_pyarrow()
    assert result.schema.names == FINDING_SCHEMA.names
    assert result["amount_fen"].to_pylist() == [-10]


def test_evidence_escapes_text_as_json():
    found = findings(items=[item("I1", item_code='A"\\B', quantity=2.0, max_quantity=1.0)],
                     renovations=[renovation()])
    assert found[0]["evidence"]["item_code"] == 'A"\\B'
