"""engine.coverage: each of the four policy targets on hand-made tables, just inside and
just outside its rule (ages 15/16/59/60 at the reference date, a dead member, lost labor,
a dibao household, a dividend of 0.00 against 0.01, last year's dividend, statuses outside
the policy's list), and the counts per village."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from neisheng.engine.coverage import (
    ABLE_HOUSEHOLD_WITHOUT_INDUSTRY,
    COUNTS_SCHEMA,
    GAPS_SCHEMA,
    INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT,
    MEMBER_WITHOUT_SKILL,
    POOR_VILLAGE_WITHOUT_INDUSTRY,
    TARGETS,
    VILLAGES_SCHEMA,
    coverage_gaps,
)
from neisheng.engine.schema import HOUSEHOLDS, INCOME_ITEMS, PERSONS
from neisheng.policy import load_policy

POLICY = load_policy()  # training ages 16–59 at 2026-12-31; statuses lifted, monitored
YEAR = POLICY.year
REFERENCE = POLICY.reference_date
V1, V2 = "500237001001", "500237001002"


def _born_aged(years: int, *, one_day_short: bool = False) -> dt.date:
    """A birth date giving exactly `years` full years at the reference date (its birthday
    that day), or one day short of them (`years - 1`, the birthday the day after)."""
    birthday = REFERENCE.replace(year=REFERENCE.year - years)
    return birthday + dt.timedelta(days=1) if one_day_short else birthday


def _household(hid: str, village: str = V1, **changes) -> dict:
    row = {"household_id": hid, "village_code": village, "status": "lifted", "category": "ordinary",
           "housing": "safe", "water": "safe", "food_clothing_ok": True, "poverty_cause": None,
           "lifted_year": 2019, "cooperative_member": False, "industry_linked": True, "credit_access": False,
           "participates_village_affairs": True, "willingness": 4, "sudden_event": "none"}
    row.update(changes)
    return row


def _person(pid: str, hid: str, *, age: int = 40, **changes) -> dict:
    row = {"person_id": pid, "household_id": hid, "name": f"徐{pid}", "relation": "head", "sex": "male",
           "birth_date": _born_aged(age), "alive": True, "education": "junior", "schooling": "not_in_school",
           "labor": "ordinary", "health": "healthy", "disability_grade": 0, "medical_insured": True,
           "has_skill": True, "employed_months": 12}
    row.update(changes)
    return row


def _income(hid: str, item: str, amount: str, year: int = YEAR) -> dict:
    return {"household_id": hid, "year": year, "item": item, "amount": Decimal(amount), "source": "survey"}


def _village(code: str, *, poor: bool, has_industry: bool) -> dict:
    return {"village_code": code, "poor": poor, "has_industry": has_industry}


def _table(rows, schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def _run(households=(), persons=(), income=(), villages=(), policy=POLICY, year=YEAR):
    return coverage_gaps(
        households=_table(households, HOUSEHOLDS.arrow_schema), persons=_table(persons, PERSONS.arrow_schema),
        income_items=_table(income, INCOME_ITEMS.arrow_schema), villages=_table(villages, VILLAGES_SCHEMA),
        policy=policy, year=year)


def _gaps(gaps: pa.Table, target: str, key: str) -> list[str]:
    return [row[key] for row in gaps.to_pylist() if row["target"] == target]


def _count(counts: pa.Table, target: str, village: str = V1) -> tuple[int, int] | None:
    for row in counts.to_pylist():
        if row["target"] == target and row["village_code"] == village:
            return row["eligible"], row["gaps"]
    return None


# --------------------------------------------------------------------------- member without skill


def test_the_birth_dates_used_here_give_the_intended_ages():
    from neisheng.engine.members import reached_age_by

    assert _born_aged(16) == reached_age_by(16, REFERENCE)
    assert _born_aged(16, one_day_short=True) == reached_age_by(16, REFERENCE) + dt.timedelta(days=1)


def test_a_member_without_skill_is_labor_capable_alive_and_aged_16_to_59():
    persons = [
        _person("A15", "H1", has_skill=False, birth_date=_born_aged(16, one_day_short=True)),
        _person("A16", "H1", age=16, has_skill=False),
        _person("A59", "H1", has_skill=False, birth_date=_born_aged(60, one_day_short=True)),
        _person("A60", "H1", age=60, has_skill=False),
        _person("SKILLED", "H1", has_skill=True),
        _person("DEAD", "H1", has_skill=False, alive=False),
        _person("LOST", "H1", has_skill=False, labor="lost"),
        _person("NONE", "H1", has_skill=False, labor="none"),
        _person("WEAK", "H1", has_skill=False, labor="weak"),
    ]
    gaps, counts = _run([_household("H1")], persons)
    assert _gaps(gaps, MEMBER_WITHOUT_SKILL, "person_id") == ["A16", "A59", "WEAK"]
    assert _gaps(gaps, MEMBER_WITHOUT_SKILL, "household_id") == ["H1", "H1", "H1"]
    # Eligible: A16, A59, SKILLED, WEAK (the 15- and 60-year-olds, the dead and the lost are not).
    assert _count(counts, MEMBER_WITHOUT_SKILL) == (4, 3)


def test_members_of_households_outside_the_policys_statuses_are_not_counted():
    households = [_household("GEN", status="general"), _household("MON", status="monitored")]
    persons = [_person("G1", "GEN", has_skill=False), _person("M1", "MON", has_skill=False)]
    gaps, counts = _run(households, persons)
    assert _gaps(gaps, MEMBER_WITHOUT_SKILL, "person_id") == ["M1"]
    assert _count(counts, MEMBER_WITHOUT_SKILL) == (1, 1)


def test_the_statuses_come_from_the_policy():
    policy = dataclasses.replace(POLICY, measures_coverage_statuses=("monitored",))
    households = [_household("LIF", status="lifted"), _household("MON", status="monitored")]
    persons = [_person("L1", "LIF", has_skill=False), _person("M1", "MON", has_skill=False)]
    gaps, _ = _run(households, persons, policy=policy)
    assert _gaps(gaps, MEMBER_WITHOUT_SKILL, "person_id") == ["M1"]


def test_the_training_ages_come_from_the_policy():
    from neisheng.policy import AgeRange

    policy = dataclasses.replace(POLICY, training_ages=AgeRange(18, 45))
    persons = [_person("A17", "H1", age=17, has_skill=False), _person("A45", "H1", age=45, has_skill=False),
               _person("A46", "H1", age=46, has_skill=False)]
    gaps, _ = _run([_household("H1")], persons, policy=policy)
    assert _gaps(gaps, MEMBER_WITHOUT_SKILL, "person_id") == ["A45"]


# --------------------------------------------------------------------------- able household without industry


@pytest.mark.parametrize(("industry_linked", "cooperative_member", "gap"), [
    (False, False, True), (True, False, False), (False, True, False), (True, True, False)])
def test_an_able_household_misses_only_with_neither_industry_link_nor_cooperative(
        industry_linked, cooperative_member, gap):
    household = _household("H1", industry_linked=industry_linked, cooperative_member=cooperative_member)
    gaps, counts = _run([household], [_person("P1", "H1")])
    assert _gaps(gaps, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, "household_id") == (["H1"] if gap else [])
    assert _count(counts, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY) == (1, int(gap))


def test_an_able_household_needs_a_labor_capable_member_alive_of_any_age():
    households = [_household(h, industry_linked=False) for h in ("OLD", "DEAD", "LOST", "GEN")]
    households[-1]["status"] = "general"
    persons = [
        _person("O1", "OLD", age=70, labor="weak"),  # labor capacity, not age, decides
        _person("D1", "DEAD", alive=False), _person("D2", "DEAD", labor="lost"),
        _person("L1", "LOST", labor="lost"), _person("L2", "LOST", labor="none"),
        _person("G1", "GEN"),
    ]
    gaps, counts = _run(households, persons)
    assert _gaps(gaps, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, "household_id") == ["OLD"]
    assert _count(counts, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY) == (1, 1)


# --------------------------------------------------------------------------- incapable household without support


def _incapable(hid: str, **changes) -> tuple[dict, dict]:
    return _household(hid, **changes), _person(f"{hid}-1", hid, age=75, labor="lost")


def test_a_household_without_labor_capacity_and_without_support_is_a_gap():
    household, member = _incapable("H1")
    gaps, counts = _run([household], [member])
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == ["H1"]
    assert _count(counts, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT) == (1, 1)
    assert _count(counts, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY) is None


def test_a_dividend_of_one_fen_this_year_covers_it_and_zero_does_not():
    zero, zero_member = _incapable("ZERO")
    fen, fen_member = _incapable("FEN")
    income = [_income("ZERO", "dividend", "0.00"), _income("FEN", "dividend", "0.01")]
    gaps, counts = _run([zero, fen], [zero_member, fen_member], income)
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == ["ZERO"]
    assert _count(counts, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT) == (2, 1)


def test_last_years_dividend_does_not_count():
    household, member = _incapable("H1")
    gaps, _ = _run([household], [member], [_income("H1", "dividend", "800.00", year=YEAR - 1)])
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == ["H1"]
    gaps, _ = _run([household], [member], [_income("H1", "dividend", "800.00", year=YEAR - 1)], year=YEAR - 1)
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == []


@pytest.mark.parametrize("category", ["dibao", "tekun"])
def test_a_dibao_or_tekun_household_is_covered_by_its_category(category):
    household, member = _incapable("H1", category=category)
    gaps, counts = _run([household], [member])
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == []
    assert _count(counts, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT) == (1, 0)


@pytest.mark.parametrize(("item", "amount", "gap"), [
    ("dibao", "0.01", False), ("tekun", "0.01", False), ("dibao", "0.00", True), ("pension", "3000.00", True)])
def test_social_assistance_paid_this_year_covers_an_ordinary_household(item, amount, gap):
    household, member = _incapable("H1")
    gaps, _ = _run([household], [member], [_income("H1", item, amount)])
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == (["H1"] if gap else [])


def test_a_dead_members_labor_does_not_make_a_household_able():
    household = _household("H1")
    persons = [_person("P1", "H1", alive=False), _person("P2", "H1", age=80, labor="none")]
    gaps, _ = _run([household], persons)
    assert _gaps(gaps, INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, "household_id") == ["H1"]
    assert _gaps(gaps, ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, "household_id") == []


def test_a_household_with_no_one_alive_is_no_gap():
    gaps, counts = _run([_household("H1")], [_person("P1", "H1", alive=False, labor="lost")])
    assert gaps.num_rows == 0
    assert counts.num_rows == 0


def test_an_incapable_household_outside_the_statuses_is_not_counted():
    household, member = _incapable("H1", status="general")
    gaps, counts = _run([household], [member])
    assert gaps.num_rows == 0 and counts.num_rows == 0


# --------------------------------------------------------------------------- poor village without industry


def test_a_poor_village_without_an_industry_is_a_gap_and_others_are_not_counted():
    villages = [_village(V1, poor=True, has_industry=False), _village(V2, poor=True, has_industry=True),
                _village("500237001003", poor=False, has_industry=False)]
    gaps, counts = _run(villages=villages)
    assert _gaps(gaps, POOR_VILLAGE_WITHOUT_INDUSTRY, "village_code") == [V1]
    assert _gaps(gaps, POOR_VILLAGE_WITHOUT_INDUSTRY, "household_id") == [None]
    assert _count(counts, POOR_VILLAGE_WITHOUT_INDUSTRY, V1) == (1, 1)
    assert _count(counts, POOR_VILLAGE_WITHOUT_INDUSTRY, V2) == (1, 0)
    assert _count(counts, POOR_VILLAGE_WITHOUT_INDUSTRY, "500237001003") is None


# --------------------------------------------------------------------------- together


def test_gaps_and_counts_per_village_in_target_order():
    households = [
        _household("V1-A", V1, industry_linked=False), _household("V1-B", V1),
        _household("V2-A", V2, industry_linked=False), _household("V2-B", V2, status="monitored"),
    ]
    persons = [
        _person("V1-A1", "V1-A", has_skill=False), _person("V1-B1", "V1-B", age=80, labor="none"),
        _person("V2-A1", "V2-A"), _person("V2-A2", "V2-A", age=20, has_skill=False),
        _person("V2-B1", "V2-B", age=70, labor="lost"),
    ]
    income = [_income("V2-B", "dividend", "120.00")]
    villages = [_village(V1, poor=True, has_industry=False), _village(V2, poor=False, has_industry=False)]
    gaps, counts = _run(households, persons, income, villages)

    assert gaps.schema == GAPS_SCHEMA and counts.schema == COUNTS_SCHEMA
    assert [(g["target"], g["village_code"], g["household_id"], g["person_id"]) for g in gaps.to_pylist()] == [
        (MEMBER_WITHOUT_SKILL, V1, "V1-A", "V1-A1"),
        (MEMBER_WITHOUT_SKILL, V2, "V2-A", "V2-A2"),
        (POOR_VILLAGE_WITHOUT_INDUSTRY, V1, None, None),
        (ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, V1, "V1-A", None),
        (ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, V2, "V2-A", None),
        (INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, V1, "V1-B", None),
    ]
    assert [(c["target"], c["village_code"], c["eligible"], c["gaps"]) for c in counts.to_pylist()] == [
        (MEMBER_WITHOUT_SKILL, V1, 1, 1),
        (MEMBER_WITHOUT_SKILL, V2, 2, 1),
        (POOR_VILLAGE_WITHOUT_INDUSTRY, V1, 1, 1),
        (ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, V1, 1, 1),
        (ABLE_HOUSEHOLD_WITHOUT_INDUSTRY, V2, 1, 1),
        (INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, V1, 1, 1),
        (INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT, V2, 1, 0),
    ]
    assert next(iter(TARGETS)) == MEMBER_WITHOUT_SKILL


def test_empty_tables_give_empty_results_in_their_schemas():
    gaps, counts = _run()
    assert gaps.schema == GAPS_SCHEMA and gaps.num_rows == 0
    assert counts.schema == COUNTS_SCHEMA and counts.num_rows == 0


def test_the_gaps_agree_with_the_skills_training_measure_on_a_synthetic_county():
    """The member target is the rule that recommends skills_training: on a synthetic
    county every gap member has that measure recommended (when the household is lifted
    or monitored) and every such recommendation is a gap."""
    import ibis

    from neisheng.engine.measures import person_measures
    from neisheng.engine.members import alive_members
    from neisheng.synth import generate_county

    tables = generate_county(households=200, seed=5, year=YEAR, county_code="500237")
    villages = pa.table({"village_code": pa.array([], pa.string()), "poor": pa.array([], pa.bool_()),
                         "has_industry": pa.array([], pa.bool_())})
    gaps, _ = coverage_gaps(households=tables["households"], persons=tables["persons"],
                            income_items=tables["income_items"], villages=villages, policy=POLICY, year=YEAR)
    covered = {row["household_id"] for row in tables["households"].to_pylist()
               if row["status"] in POLICY.measures_coverage_statuses}
    con = ibis.duckdb.connect()
    members = alive_members(con.create_table("p", tables["persons"]), POLICY)
    recommended = con.to_pyarrow(person_measures(members, POLICY)).to_pylist()
    trained = {r["person_id"] for r in recommended if r["measure"] == "skills_training" and r["household_id"] in covered}
    assert trained, "the synthetic county should have someone to train"
    assert set(_gaps(gaps, MEMBER_WITHOUT_SKILL, "person_id")) == trained
