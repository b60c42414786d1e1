"""engine.screening: each of feeds.md's thirteen rules on hand-made rows just below, at
and just above its threshold; only rows linked exact or probable count; one finding per
rule, subject and period; the evidence names the values; ledger_amounts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from neisheng.engine.feeds import feed_schema
from neisheng.engine.schema import INCOME_ITEMS
from neisheng.engine.screening import (
    FINDINGS_SCHEMA,
    RULES,
    RULES_BY_FEED_TYPE,
    ledger_amounts,
    screen_feed,
)
from neisheng.policy import load_policy

POLICY = load_policy()  # reference date 2026-12-31; thresholds of feeds.md
TODAY = dt.date(2026, 11, 30)
VILLAGE = "130102001001"          # county 130102
OTHER_COUNTY_VILLAGE = "130103001001"

# household_id -> (village_code, status, category)
HOUSEHOLDS = {
    "LIFTED": (VILLAGE, "lifted", "dibao"),
    "MONITORED": (VILLAGE, "monitored", "ordinary"),
    "GENERAL": (VILLAGE, "general", "ordinary"),
    "TEKUN": (VILLAGE, "general", "tekun"),
    "FAR": (OTHER_COUNTY_VILLAGE, "general", "ordinary"),
}


def _person(person_id, household_id, born="1980-05-01", alive=True, disability_grade=0):
    return {"person_id": person_id, "household_id": household_id, "birth_date": dt.date.fromisoformat(born),
                "alive": alive, "disability_grade": disability_grade}


# One adult per household unless a test says otherwise.
ADULTS = [_person(f"P_{h}", h) for h in HOUSEHOLDS]


def _households(extra=()):
    rows = [{"household_id": h, "village_code": v, "status": s, "category": c} for h, (v, s, c) in HOUSEHOLDS.items()]
    rows += [{"household_id": h, "village_code": v, "status": s, "category": c} for h, v, s, c in extra]
    return pa.Table.from_pylist(rows)


def _persons(rows):
    schema = pa.schema([("person_id", pa.string()), ("household_id", pa.string()), ("name", pa.string()),
                        ("sex", pa.string()), ("birth_date", pa.date32()), ("alive", pa.bool_()),
                        ("disability_grade", pa.int32())])
    return pa.Table.from_pylist([{"name": "某人", "sex": "male", **r} for r in rows], schema=schema)


def _income(rows=()):
    return pa.Table.from_pylist([dict(source="survey", **r) for r in rows], schema=INCOME_ITEMS.arrow_schema)


def screen(feed_type, rows, *, persons=None, extra_households=(), income=(), known_deaths=None,
           policy=POLICY, today=TODAY):
    """Findings as dicts. Each feed row names its person (`person`, None = unmatched) and
    its match (`match`, exact by default); rows are numbered from 2 as a spreadsheet's."""
    schema = feed_schema(feed_type)
    people = _persons(ADULTS if persons is None else persons)
    household_of = dict(zip(people["person_id"].to_pylist(), people["household_id"].to_pylist(), strict=True))
    feed_rows, match_rows = [], []
    for number, values in enumerate(rows, start=2):
        values = dict(values)
        person = values.pop("person", None)
        kind = values.pop("match", "exact" if person else "unmatched")
        feed_rows.append({"row": number, "id_number": person, "name": "某人", **values})
        match_rows.append({"row": number, "person_id": person, "household_id": household_of.get(person),
                               "match_kind": kind, "match_probability": 1.0 if kind == "exact" else 0.7})
    feed = pa.Table.from_pylist(feed_rows, schema=schema)
    matches = pa.Table.from_pylist(match_rows, schema=pa.schema([
        ("row", pa.int64()), ("person_id", pa.string()), ("household_id", pa.string()),
        ("match_kind", pa.string()), ("match_probability", pa.float64())]))
    if known_deaths is not None:
        known_deaths = pa.Table.from_pylist(
            [{"person_id": p, "death_date": dt.date.fromisoformat(d)} for p, d in known_deaths],
            schema=pa.schema([("person_id", pa.string()), ("death_date", pa.date32())]))
    found = screen_feed(feed_type, feed, matches, persons=people, households=_households(extra_households),
                        income_items=_income(income), policy=policy, today=today, known_deaths=known_deaths)
    assert found.schema.equals(FINDINGS_SCHEMA)
    subjects = [(f["rule"], f["person_id"] or f["household_id"], f["period"]) for f in found.to_pylist()]
    assert len(subjects) == len(set(subjects)), "a rule, subject and period raised twice"
    return found.to_pylist()


def who(findings, rule=None):
    return sorted((f["person_id"] or f["household_id"]) for f in findings if rule in (None, f["rule"]))


def d(text):
    return dt.date.fromisoformat(text)


def amount(text):
    return Decimal(text)


def test_every_rule_belongs_to_one_feed_type_and_all_are_screened():
    by_type = [rule for rules in RULES_BY_FEED_TYPE.values() for rule in rules]
    assert set(by_type) == set(RULES)
    # deceased_paid alone runs on two types (death feeds and assistance feeds).
    assert sorted(r for r in set(by_type) if by_type.count(r) > 1) == ["deceased_paid"]


# deceased_alive ------------------------------------------------------------------------

def test_a_death_row_of_a_person_still_alive_is_a_finding_once():
    persons = ADULTS + [_person("DEAD", "GENERAL", alive=False)]
    found = screen("death", [
        {"person": "P_LIFTED", "death_date": d("2026-03-05")},
        {"person": "P_LIFTED", "death_date": d("2026-03-05")},       # listed twice: one finding
        {"person": "DEAD", "death_date": d("2026-01-02")},           # the registry knows already
        {"person": "P_GENERAL", "match": "review", "death_date": d("2026-01-02")},
        {"death_date": d("2026-01-02")},                           # unmatched
    ], persons=persons)
    alive = [f for f in found if f["rule"] == "deceased_alive"]
    assert [(f["person_id"], f["household_id"], f["rows"], f["period"]) for f in alive] == [
        ("P_LIFTED", "LIFTED", [2, 3], "")]
    assert "2026-03-05" in alive[0]["evidence"] and "公安" in alive[0]["evidence"]


# deceased_paid ------------------------------------------------------------------------

def test_ledger_transfers_after_the_year_every_member_died_are_a_household_finding():
    persons = ADULTS + [
        _person("ALONE", "EMPTY"),
        _person("WIDOW", "HALF"), _person("SON", "HALF"),
        _person("LAST", "GONE"), _person("BEFORE", "GONE", alive=False),
    ]
    extra = [("EMPTY", VILLAGE, "lifted", "dibao"), ("HALF", VILLAGE, "lifted", "dibao"),
             ("GONE", VILLAGE, "general", "tekun")]
    income = [
        {"household_id": "EMPTY", "year": 2026, "item": "dibao", "amount": amount("3600.00")},   # the death year
        {"household_id": "EMPTY", "year": 2027, "item": "dibao", "amount": amount("3000.00")},
        {"household_id": "EMPTY", "year": 2027, "item": "pension", "amount": amount("1200.50")},
        {"household_id": "EMPTY", "year": 2027, "item": "wage", "amount": amount("9000.00")},    # not a transfer
        {"household_id": "HALF", "year": 2027, "item": "dibao", "amount": amount("3000.00")},    # a member is alive
        {"household_id": "GONE", "year": 2027, "item": "tekun", "amount": amount("5000.00")},
    ]
    found = screen("death", [
        {"person": "ALONE", "death_date": d("2026-06-30")},
        {"person": "WIDOW", "death_date": d("2026-02-01")},
        {"person": "LAST", "death_date": d("2026-12-31")},
    ], persons=persons, extra_households=extra, income=income)
    paid = [f for f in found if f["rule"] == "deceased_paid"]
    assert [(f["household_id"], f["person_id"], f["rows"], f["period"]) for f in paid] == [
        ("EMPTY", None, [2], "2027"), ("GONE", None, [4], "2027")]
    assert "4,200.50" in paid[0]["evidence"] and "2026-06-30" in paid[0]["evidence"]
    # the findings that each is still registered alive come first, in feeds.md's order
    assert [f["rule"] for f in found] == ["deceased_alive"] * 3 + ["deceased_paid"] * 2


def test_a_death_known_from_an_earlier_feed_also_empties_the_household():
    persons = ADULTS + [_person("A", "TWO"), _person("B", "TWO")]
    income = [{"household_id": "TWO", "year": 2027, "item": "tekun", "amount": amount("100.00")},
              {"household_id": "TWO", "year": 2028, "item": "tekun", "amount": amount("100.00")}]
    found = screen("death", [{"person": "A", "death_date": d("2026-05-01")}], persons=persons,
                   extra_households=[("TWO", VILLAGE, "general", "tekun")], income=income,
                   known_deaths=[("B", "2027-01-10")])
    paid = [f for f in found if f["rule"] == "deceased_paid"]
    # the last death is B's, in 2027: only the 2028 transfer comes after it
    assert [(f["household_id"], f["period"]) for f in paid] == [("TWO", "2028")]
    assert "2027-01-10" in paid[0]["evidence"]


def test_assistance_paid_for_a_month_after_the_death():
    persons = ADULTS + [_person("GONE_UNDATED", "GENERAL", alive=False)]
    found = screen("social_assistance", [
        {"person": "P_LIFTED", "kind": "dibao", "month": "2026-03", "amount": amount("300.00")},   # the death's month
        {"person": "P_LIFTED", "kind": "dibao", "month": "2026-04", "amount": amount("300.00")},
        {"person": "P_LIFTED", "kind": "dibao", "month": "2026-04", "amount": amount("20.00")},
        {"person": "P_LIFTED", "kind": "dibao", "month": "2026-05", "amount": amount("300.00")},
        {"person": "GONE_UNDATED", "kind": "dibao", "month": "2026-01", "amount": amount("300.00")},
        {"person": "P_TEKUN", "kind": "tekun", "month": "2026-05", "amount": amount("300.00")},    # alive
        {"person": "P_LIFTED", "match": "review", "kind": "dibao", "month": "2026-06", "amount": amount("300.00")},
        {"kind": "dibao", "month": "2026-07", "amount": amount("300.00")},
    ], persons=persons, known_deaths=[("P_LIFTED", "2026-03-31")])
    paid = [(f["person_id"], f["period"], f["rows"]) for f in found if f["rule"] == "deceased_paid"]
    assert paid == [("GONE_UNDATED", "2026-01", [6]), ("P_LIFTED", "2026-04", [3, 4]), ("P_LIFTED", "2026-05", [5])]
    evidence = {f["period"]: f["evidence"] for f in found if f["rule"] == "deceased_paid"}
    assert "320.00" in evidence["2026-04"] and "2026-03-31" in evidence["2026-04"]
    assert "死亡日期不详" in evidence["2026-01"]


# assistance_category_mismatch -------------------------------------------------------------

def test_assistance_of_a_kind_the_household_category_does_not_have():
    found = screen("social_assistance", [
        {"person": "P_LIFTED", "kind": "dibao", "month": "2026-05", "amount": amount("300.00")},   # dibao household
        {"person": "P_TEKUN", "kind": "tekun", "month": "2026-05", "amount": amount("500.00")},    # tekun household
        {"person": "P_GENERAL", "kind": "dibao", "month": "2026-05", "amount": amount("310.00")},  # ordinary
        {"person": "P_LIFTED", "kind": "tekun", "month": "2026-05", "amount": amount("500.00")},   # dibao, paid tekun
        {"person": "P_MONITORED", "match": "review", "kind": "dibao", "month": "2026-05", "amount": amount("1.00")},
    ])
    mismatched = [(f["person_id"], f["period"], f["rows"]) for f in found
                  if f["rule"] == "assistance_category_mismatch"]
    assert mismatched == [("P_GENERAL", "2026-05", [4]), ("P_LIFTED", "2026-05", [5])]
    general = next(f for f in found if f["person_id"] == "P_GENERAL")
    assert "310.00" in general["evidence"] and "一般" in general["evidence"] and "2026年5月" in general["evidence"]


# vehicle_owner, company_role, urban_property ---------------------------------------------------

def test_cars_and_trucks_of_lifted_and_monitored_members():
    found = screen("vehicle", [
        {"person": "P_LIFTED", "plate": "冀A12345", "vehicle_type": "car", "registered_on": d("2025-06-01")},
        {"person": "P_MONITORED", "plate": "冀A88888", "vehicle_type": "truck", "registered_on": d("2025-06-01")},
        {"person": "P_LIFTED", "plate": "冀A00001", "vehicle_type": "motorcycle", "registered_on": d("2025-06-01")},
        {"person": "P_LIFTED", "plate": "冀A00002", "vehicle_type": "agricultural", "registered_on": d("2025-06-01")},
        {"person": "P_GENERAL", "plate": "冀A00003", "vehicle_type": "car", "registered_on": d("2025-06-01")},
        {"person": "P_LIFTED", "match": "review", "plate": "冀A00004", "vehicle_type": "car", "registered_on": d("2025-06-01")},
    ])
    assert [(f["person_id"], f["period"]) for f in found] == [("P_LIFTED", "冀A12345"), ("P_MONITORED", "冀A88888")]
    assert "小汽车" in found[0]["evidence"] and "脱贫户" in found[0]["evidence"]


def test_company_roles_of_lifted_and_monitored_members():
    found = screen("company", [
        {"person": "P_LIFTED", "company": "某某商贸有限公司", "role": "legal_representative"},
        {"person": "P_LIFTED", "company": "某某商贸有限公司", "role": "shareholder"},   # same company: one finding
        {"person": "P_MONITORED", "company": "某某建材厂", "role": "manager"},
        {"person": "P_GENERAL", "company": "某某商贸有限公司", "role": "shareholder"},
    ])
    assert [(f["person_id"], f["period"], f["rows"]) for f in found] == [
        ("P_LIFTED", "某某商贸有限公司", [2, 3]), ("P_MONITORED", "某某建材厂", [4])]
    assert "法定代表人" in found[0]["evidence"] and "股东" in found[0]["evidence"]


def test_urban_property_of_lifted_and_monitored_members():
    found = screen("property", [
        {"person": "P_LIFTED", "address_of_property": "县城幸福小区3号楼", "area_m2": 96.5, "urban": True},
        {"person": "P_MONITORED", "address_of_property": "某村12号", "area_m2": 120.0, "urban": False},
        {"person": "P_GENERAL", "address_of_property": "县城幸福小区5号楼", "area_m2": 80.0, "urban": True},
    ])
    assert [(f["person_id"], f["period"]) for f in found] == [("P_LIFTED", "县城幸福小区3号楼")]
    assert "96.50" in found[0]["evidence"]


# child_not_in_school ----------------------------------------------------------------------

CHILDREN = ADULTS + [
    _person("SIX", "GENERAL", born="2020-12-31"),           # 6 on 2026-12-31
    _person("FIVE", "GENERAL", born="2021-01-01"),          # 5
    _person("FIFTEEN", "GENERAL", born="2011-01-01"),       # 15
    _person("SIXTEEN", "GENERAL", born="2010-12-31"),       # 16
    _person("HOME_TAUGHT", "GENERAL", born="2016-03-01", disability_grade=2),
    _person("GRADE_ONE", "GENERAL", born="2016-03-01", disability_grade=1),
    _person("GRADE_THREE", "GENERAL", born="2016-03-01", disability_grade=3),
    _person("DEAD_CHILD", "GENERAL", born="2016-03-01", alive=False),
    _person("REPORTED_DEAD", "GENERAL", born="2016-03-01"),
    _person("IN_SCHOOL", "LIFTED", born="2016-03-01"),
    _person("ONLY_REVIEWED", "LIFTED", born="2016-03-01"),
    _person("FAR_CHILD", "FAR", born="2016-03-01"),         # another county
]


def test_school_age_children_of_the_county_absent_from_the_term_roll():
    found = screen("school_roll", [
        {"person": "IN_SCHOOL", "school": "某某小学", "grade": "四年级", "term": "2026-autumn"},
        {"person": "ONLY_REVIEWED", "match": "review", "school": "某某小学", "grade": "四年级", "term": "2026-autumn"},
    ], persons=CHILDREN, known_deaths=[("REPORTED_DEAD", "2026-02-01")])
    assert who(found) == ["FIFTEEN", "GRADE_THREE", "ONLY_REVIEWED", "SIX"]
    assert {f["period"] for f in found} == {"2026-autumn"} and all(f["rows"] == [] for f in found)
    six = next(f for f in found if f["person_id"] == "SIX")
    assert "2026年秋季学期" in six["evidence"] and "6 周岁" in six["evidence"]


def test_each_term_of_a_roll_is_its_own_period():
    found = screen("school_roll", [
        {"person": "IN_SCHOOL", "school": "某某小学", "grade": "四年级", "term": "2026-spring"},
        {"person": "IN_SCHOOL", "school": "某某小学", "grade": "四年级", "term": "2026-autumn"},
        {"person": "SIX", "school": "某某小学", "grade": "一年级", "term": "2026-autumn"},
    ], persons=CHILDREN)
    spring = who([f for f in found if f["period"] == "2026-spring"])
    autumn = who([f for f in found if f["period"] == "2026-autumn"])
    assert "SIX" in spring and "SIX" not in autumn and "FAR_CHILD" not in spring + autumn


def test_school_age_counts_a_29_february_birthday_as_reached_on_1_march():
    policy = dataclasses.replace(POLICY, reference_date=dt.date(2026, 2, 28))
    persons = ADULTS + [_person("LEAP", "GENERAL", born="2020-02-29"),     # 5 on 2026-02-28
                        _person("EVE", "GENERAL", born="2020-02-28"),      # 6
                        _person("OLD", "GENERAL", born="2010-03-01"),      # 15
                        _person("OLDER", "GENERAL", born="2010-02-28")]    # 16
    found = screen("school_roll", [{"person": "P_GENERAL", "school": "某某中学", "grade": "高一", "term": "2026-spring"}],
                   persons=persons, policy=policy)
    assert who(found) == ["EVE", "OLD"]


def test_school_ages_come_from_the_policy():
    policy = dataclasses.replace(POLICY, feeds_school_age_from=7, feeds_school_age_to=14)
    found = screen("school_roll", [{"person": "IN_SCHOOL", "school": "某某小学", "grade": "四年级", "term": "2026-autumn"}],
                   persons=CHILDREN, policy=policy)
    assert "SIX" not in who(found) and "FIFTEEN" not in who(found) and "GRADE_THREE" in who(found)


# high_school_fees ---------------------------------------------------------------------------

@pytest.mark.parametrize(("fees", "raised"), [
    (["9999.99"], False), (["10000.00"], False), (["10000.01"], True), (["6000.00", "4000.01"], True),
])
def test_school_fees_above_the_threshold_in_a_year(fees, raised):
    found = screen("school_fees", [{"person": "P_GENERAL", "year": 2026, "self_paid": amount(f)} for f in fees])
    assert who(found) == (["P_GENERAL"] if raised else [])
    if raised:
        assert found[0]["period"] == "2026" and "10,000.01" in found[0]["evidence"]
        assert "10,000 元" in found[0]["evidence"]


def test_school_fees_of_two_years_are_not_summed():
    found = screen("school_fees", [{"person": "P_GENERAL", "year": 2025, "self_paid": amount("6000")},
                                   {"person": "P_GENERAL", "year": 2026, "self_paid": amount("6000")}])
    assert found == []


# inpatient_self_pay ------------------------------------------------------------------------

def _claims(person, kind, *amounts, on="2026-05-10", match="exact"):
    return [{"person": person, "match": match, "kind": kind, "date": d(on), "self_pay": amount(a)} for a in amounts]


@pytest.mark.parametrize(("person", "paid", "raised"), [
    ("P_LIFTED", "4999.99", False), ("P_LIFTED", "5000.00", True), ("P_LIFTED", "5000.01", True),
    ("P_MONITORED", "5000.00", True),
    ("P_GENERAL", "19999.99", False), ("P_GENERAL", "20000.00", True), ("P_GENERAL", "20000.01", True),
    ("P_TEKUN", "5000.00", False),
])
def test_inpatient_self_pay_of_a_year_by_household_status(person, paid, raised):
    found = screen("medical_claims", _claims(person, "inpatient", paid))
    assert who(found) == ([person] if raised else [])
    if raised:
        evidence = found[0]["evidence"]
        assert found[0]["period"] == "2026" and f"{Decimal(paid):,.2f}" in evidence
        assert ("5,000 元" if person in ("P_LIFTED", "P_MONITORED") else "20,000 元") in evidence


def test_the_examples_evidence_sentence():
    found = screen("medical_claims", _claims("P_LIFTED", "inpatient", "3000.00", "2000.00"))
    assert found[0]["evidence"] == "2026年住院个人自付合计 5,000.00 元,达到脱贫户/监测户标准 5,000 元"
    assert found[0]["rows"] == [2, 3]


def test_inpatient_self_pay_sums_one_calendar_year_only():
    rows = (_claims("P_LIFTED", "inpatient", "3000", on="2025-12-31")
            + _claims("P_LIFTED", "inpatient", "3000", on="2026-01-01")
            + _claims("P_LIFTED", "outpatient", "3000", on="2026-01-02"))
    assert who(screen("medical_claims", rows), "inpatient_self_pay") == []


# outpatient_self_pay -----------------------------------------------------------------------

@pytest.mark.parametrize(("paid", "raised"), [
    (["499.99"], False), (["500.00"], True), (["500.01"], True), (["250.00", "250.00"], True),
])
def test_outpatient_self_pay_of_a_month(paid, raised):
    found = screen("medical_claims", _claims("P_GENERAL", "outpatient", *paid))
    assert [(f["person_id"], f["period"]) for f in found] == ([("P_GENERAL", "2026-05")] if raised else [])
    if raised:
        assert found[0]["rows"] == list(range(2, 2 + len(paid)))
        assert "500 元" in found[0]["evidence"] and "2026年5月" in found[0]["evidence"]


def test_outpatient_self_pay_of_two_months_is_not_summed():
    rows = (_claims("P_GENERAL", "outpatient", "300", on="2026-05-31")
            + _claims("P_GENERAL", "outpatient", "300", on="2026-06-01"))
    assert screen("medical_claims", rows) == []


def test_claims_linked_only_for_review_or_unmatched_are_ignored():
    rows = (_claims("P_GENERAL", "outpatient", "900", match="review")
            + _claims(None, "outpatient", "900", match="unmatched")
            + _claims("P_LIFTED", "inpatient", "9000", match="probable"))
    assert [(f["rule"], f["person_id"]) for f in screen("medical_claims", rows)] == [
        ("inpatient_self_pay", "P_LIFTED")]


# uninsured -------------------------------------------------------------------------------------

def test_uninsured_said_by_the_roll_or_absent_from_it():
    persons = ADULTS + [_person("DEAD", "GENERAL", alive=False), _person("CHILD", "LIFTED", born="2020-01-01")]
    found = screen("insurance_roll", [
        {"person": "P_LIFTED", "year": 2026, "insured": True},
        {"person": "P_MONITORED", "year": 2026, "insured": False},
        {"person": "P_TEKUN", "year": 2026, "insured": True},
        {"person": "P_GENERAL", "match": "review", "year": 2026, "insured": True},
    ], persons=persons)
    by_person = {f["person_id"]: f for f in found}
    # P_FAR lives in another county; DEAD is not alive
    assert sorted(by_person) == ["CHILD", "P_GENERAL", "P_MONITORED"]
    assert by_person["P_MONITORED"]["rows"] == [3] and "未参保" in by_person["P_MONITORED"]["evidence"]
    assert by_person["CHILD"]["rows"] == [] and "名单中无此人" in by_person["CHILD"]["evidence"]
    assert {f["period"] for f in found} == {"2026"}


# new_serious_illness ------------------------------------------------------------------------

@pytest.mark.parametrize(("diagnosed", "raised"), [
    ("2025-11-29", False),   # 366 days before 2026-11-30
    ("2025-11-30", True),    # 365 days
    ("2025-12-01", True),
    ("2026-11-30", True),
])
def test_a_diagnosis_within_365_days_of_the_upload(diagnosed, raised):
    found = screen("serious_illness", [{"person": "P_GENERAL", "diagnosis": "肺癌", "diagnosed_on": d(diagnosed)}])
    assert [(f["person_id"], f["period"]) for f in found] == ([("P_GENERAL", diagnosed)] if raised else [])
    if raised:
        assert "肺癌" in found[0]["evidence"] and "365 天" in found[0]["evidence"]


def test_recent_days_come_from_the_policy():
    policy = dataclasses.replace(POLICY, feeds_illness_recent_days=30)
    found = screen("serious_illness", [{"person": "P_GENERAL", "diagnosis": "肺癌", "diagnosed_on": d("2026-10-30")}],
                   policy=policy)
    assert found == []


# disaster_loss --------------------------------------------------------------------------------

@pytest.mark.parametrize(("loss", "raised"), [("4999.99", False), ("5000.00", True), ("5000.01", True)])
def test_a_disaster_loss_at_or_above_the_threshold(loss, raised):
    found = screen("disaster", [{"person": "P_GENERAL", "event_date": d("2026-07-20"), "loss": amount(loss)}])
    assert [(f["person_id"], f["period"]) for f in found] == ([("P_GENERAL", "2026-07-20")] if raised else [])
    if raised:
        assert f"{Decimal(loss):,.2f}" in found[0]["evidence"] and "5,000 元" in found[0]["evidence"]


def test_two_rows_of_one_event_make_one_finding():
    found = screen("disaster", [{"person": "P_GENERAL", "event_date": d("2026-07-20"), "loss": amount("6000")},
                                {"person": "P_GENERAL", "event_date": d("2026-07-20"), "loss": amount("7000")},
                                {"person": "P_GENERAL", "event_date": d("2026-08-01"), "loss": amount("100")}])
    assert [(f["period"], f["rows"]) for f in found] == [("2026-07-20", [2, 3])]


# the output as a whole -----------------------------------------------------------------------

def test_an_empty_feed_has_no_findings_for_every_type():
    for feed_type in RULES_BY_FEED_TYPE:
        assert screen(feed_type, []) == []


def test_an_unknown_feed_type_is_refused():
    with pytest.raises(ValueError, match="unknown feed type"):
        screen_feed("tax", pa.table({"row": pa.array([], pa.int64())}), pa.table({}), persons=None,
                    households=None, income_items=None, policy=POLICY, today=TODAY)


def test_findings_are_sorted_by_household_then_person():
    found = screen("medical_claims", _claims("P_TEKUN", "outpatient", "600") + _claims("P_GENERAL", "outpatient", "600")
                   + _claims("P_GENERAL", "outpatient", "600", on="2026-04-01"))
    assert [(f["household_id"], f["period"]) for f in found] == [
        ("GENERAL", "2026-04"), ("GENERAL", "2026-05"), ("TEKUN", "2026-05")]


# ledger_amounts -------------------------------------------------------------------------------

def test_ledger_amounts_of_assistance_by_year_and_kind_typed_or_as_text():
    typed = pa.Table.from_pylist([
        {"kind": "dibao", "month": "2026-11", "amount": Decimal("300.00")},
        {"kind": "dibao", "month": "2026-12", "amount": Decimal("300.50")},
        {"kind": "tekun", "month": "2027-01", "amount": Decimal("500.00")},
    ])
    assert ledger_amounts("social_assistance", "assistance_category_mismatch", typed) == [
        (2026, "dibao", Decimal("600.50")), (2027, "tekun", Decimal("500.00"))]
    text = pa.Table.from_pylist([{"kind": "低保", "month": "2026-11", "amount": "300"},
                                 {"kind": "dibao", "month": "2026-12", "amount": "300.5"}])
    assert ledger_amounts("social_assistance", "deceased_paid", text) == [(2026, "dibao", Decimal("600.50"))]


def test_ledger_amounts_of_claims_fees_and_losses():
    claims = pa.Table.from_pylist([{"kind": "inpatient", "date": d("2026-03-01"), "self_pay": Decimal("5000.00")},
                                   {"kind": "inpatient", "date": d("2027-01-01"), "self_pay": Decimal("1.25")}])
    assert ledger_amounts("medical_claims", "inpatient_self_pay", claims) == [
        (2026, "medical_out_of_pocket", Decimal("5000.00")), (2027, "medical_out_of_pocket", Decimal("1.25"))]
    as_text = pa.Table.from_pylist([{"kind": "门诊", "date": "2026-04-01", "self_pay": "250"},
                                    {"kind": "outpatient", "date": "2026-04-02", "self_pay": "250.5"}])
    assert ledger_amounts("medical_claims", "outpatient_self_pay", as_text) == [
        (2026, "medical_out_of_pocket", Decimal("500.50"))]
    fees = pa.Table.from_pylist([{"year": 2026, "self_paid": Decimal("12000.00")}])
    assert ledger_amounts("school_fees", "high_school_fees", fees) == [(2026, "education_expense", Decimal("12000.00"))]
    losses = pa.Table.from_pylist([{"event_date": d("2026-07-20"), "loss": Decimal("6000.00")}])
    assert ledger_amounts("disaster", "disaster_loss", losses) == [(2026, "disaster_loss", Decimal("6000.00"))]


@pytest.mark.parametrize(("feed_type", "rule"), [
    ("death", "deceased_alive"), ("death", "deceased_paid"), ("vehicle", "vehicle_owner"),
    ("company", "company_role"), ("property", "urban_property"), ("school_roll", "child_not_in_school"),
    ("insurance_roll", "uninsured"), ("serious_illness", "new_serious_illness"),
])
def test_rules_without_amounts_write_nothing_to_the_ledger(feed_type, rule):
    assert ledger_amounts(feed_type, rule, pa.table({"row": [2]})) == []
