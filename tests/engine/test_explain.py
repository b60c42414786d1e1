"""engine.explain: each reason with the values its rule compared and the policy's
threshold, at and around every threshold; the colour rule; the motivation score on its
scale with the cut-off and the deprived indicators by dimension; measures grouped by
measure. The facts come from engine.household.assessment, the run's own expression, so
these are the rules themselves, and the last test checks they agree with a run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from engine_adapter import engine_policy
from engine_adapter import evaluate as engine_evaluate
from neisheng.engine import explain
from neisheng.engine import household as one
from neisheng.engine.explain import Amount, Label, Labels, Members, Ratio, Score
from neisheng.engine.measures import MEASURE_WHY, MEASURES
from neisheng.policy import load_policy
from reference_monitoring import DEFAULT_POLICY
from strategies import snapshots

POLICY = load_policy()  # line 4,500; threshold 9,000; drop 30%; rigid 50%; k 1/3; weights 1/8
YEAR = POLICY.year


def _household(**changes) -> dict:
    row = {"household_id": "H", "village_code": "500237001001", "status": "lifted", "category": "ordinary",
           "housing": "safe", "water": "safe", "food_clothing_ok": True, "poverty_cause": None,
           "lifted_year": 2019, "cooperative_member": True, "industry_linked": True, "credit_access": True,
           "participates_village_affairs": True, "willingness": 4, "sudden_event": "none"}
    row.update(changes)
    return row


def _person(pid: str, birth=dt.date(1980, 1, 1), **changes) -> dict:
    row = {"person_id": pid, "household_id": "H", "name": f"徐{pid}", "relation": "head", "sex": "male",
           "birth_date": birth, "alive": True, "education": "junior", "schooling": "not_in_school",
           "labor": "ordinary", "health": "healthy", "disability_grade": 0, "medical_insured": True,
           "has_skill": True, "employed_months": 12}
    row.update(changes)
    return row


def _income(amount: str, year: int = YEAR, item: str = "wage") -> dict:
    return {"household_id": "H", "year": year, "item": item, "amount": Decimal(amount), "source": "survey"}


def _explain(household=None, persons=None, ledger=(), policy=POLICY, recommended=()):
    household = household or _household()
    persons = persons if persons is not None else [_person("P1")]
    a = one.assessment(household, persons, list(ledger), policy)
    return a, explain.household_explained(a, policy, recommended)


def _reason(e, code):
    found = [r for r in e.reasons if r.code == code]
    assert len(found) == 1, (code, e.reason_codes)
    return found[0]


# --- income against the line and the monitoring threshold -----------------------------

def test_income_below_line_states_income_and_line():
    _, e = _explain(ledger=[_income("3980")])
    r = _reason(e, "income_below_line")
    assert r.colour == "red" and r.label == "人均纯收入低于脱贫标准"
    assert r.why.template == "人均纯收入 %(income_pc)s 元 < 脱贫标准 %(poverty_line)s 元"
    assert r.why.values == {"income_pc": Amount(Decimal("3980.00")), "poverty_line": Amount(Decimal(4500))}
    assert "income_below_threshold" not in e.reason_codes


def test_at_the_line_it_is_the_threshold_that_fires():
    _, below = _explain(ledger=[_income("4499.99")])
    assert "income_below_line" in below.reason_codes and "income_below_threshold" not in below.reason_codes
    _, at = _explain(ledger=[_income("4500")])
    assert "income_below_line" not in at.reason_codes
    r = _reason(at, "income_below_threshold")
    assert r.colour == "yellow"
    assert r.why.values == {"poverty_line": Amount(Decimal(4500)), "income_pc": Amount(Decimal("4500.00")),
                            "threshold": Amount(Decimal(9000))}


def test_at_the_monitoring_threshold_no_income_reason_fires():
    _, below = _explain(ledger=[_income("8999.99")])
    assert _reason(below, "income_below_threshold").why.values["income_pc"] == Amount(Decimal("8999.99"))
    _, at = _explain(ledger=[_income("9000")])
    assert at.reason_codes == [] and at.risk == "green"


def test_a_per_capita_that_rounds_onto_the_line_is_shown_with_the_decimals_that_decide():
    # 8,999.99 for two is 4,499.995: below the line (the rule compares exactly), though it
    # rounds to 4,500.00; the sentence must not read "4,500 < 4,500".
    a, e = _explain(persons=[_person("P1"), _person("P2", relation="spouse")], ledger=[_income("8999.99")])
    assert a.income_pc == Decimal("4500.00")
    assert _reason(e, "income_below_line").why.values["income_pc"] == Amount(Decimal("4499.995"))


# --- income drop and rigid expenditure ------------------------------------------------

def test_a_fall_of_exactly_the_drop_ratio_fires_with_both_years_and_the_fall():
    _, e = _explain(ledger=[_income("10000", YEAR - 1), _income("7000")])
    r = _reason(e, "income_drop")
    assert r.colour == "yellow"
    assert r.why.values == {"prev_net": Amount(Decimal(10000)), "net": Amount(Decimal(7000)),
                            "fall": Ratio(Decimal("0.3")), "drop_ratio": Ratio(Decimal("0.30"))}
    _, e = _explain(ledger=[_income("10000", YEAR - 1), _income("7000.01")])
    assert "income_drop" not in e.reason_codes


def test_rigid_expense_at_half_of_net_income_fires_with_the_limit():
    _, e = _explain(ledger=[_income("20000"), _income("10000", item="medical_out_of_pocket")])
    r = _reason(e, "rigid_expense")
    assert r.why.values == {"rigid": Amount(Decimal(10000)), "net": Amount(Decimal(20000)),
                            "rigid_ratio": Ratio(Decimal("0.50")), "limit": Amount(Decimal(10000))}
    _, e = _explain(ledger=[_income("20000"), _income("9999.99", item="medical_out_of_pocket")])
    assert "rigid_expense" not in e.reason_codes


# --- guarantees and events ------------------------------------------------------------

def test_guarantees_name_the_members_concerned():
    persons = [
        _person("P1", medical_insured=False),
        _person("P2", relation="child", birth=dt.date(2016, 5, 1)),  # 10, not in school
        _person("P3", relation="child", birth=dt.date(2014, 5, 1), disability_grade=1),  # taught at home
        _person("P4", relation="child", birth=dt.date(2010, 5, 1)),  # 16: past the band
        _person("P5", relation="parent", alive=False, medical_insured=False),
    ]
    _, e = _explain(persons=persons, ledger=[_income("40000")])
    assert _reason(e, "medical_insurance").why.values == {"members": Members(("P1",))}
    school = _reason(e, "compulsory_education").why
    assert school.values["members"] == Members(("P2",))
    assert (school.values["low"], school.values["high"], school.values["grades"]) == (6, 15, "1/2")


def test_housing_water_food_and_sudden_event_name_the_fact():
    _, e = _explain(household=_household(housing="c_class", water="unsafe", food_clothing_ok=False,
                                         sudden_event="illness"), ledger=[_income("40000")])
    assert _reason(e, "housing").why.values == {"housing": Label("C级危房")}
    assert _reason(e, "water").why.values == {"water": Label("不安全")}
    assert _reason(e, "food_clothing").colour == "red"
    assert _reason(e, "sudden_event").why.values == {"event": Label("重大疾病")}
    assert e.reason_codes == ["food_clothing", "housing", "water", "sudden_event"]  # the run's order


# --- the colour rule --------------------------------------------------------------------

def test_red_names_its_red_reasons_and_any_yellow_ones():
    _, e = _explain(household=_household(housing="d_class", sudden_event="accident"), ledger=[_income("3000")])
    assert e.risk == "red"
    assert e.risk_why.values == {"red": Labels(("人均纯收入低于脱贫标准", "住房不安全")),
                                 "yellow": Labels(("发生突发事件",))}
    _, e = _explain(ledger=[_income("3000")])
    assert e.risk_why.template.startswith("红色") and e.risk_why.values == {"red": Labels(("人均纯收入低于脱贫标准",))}


def test_yellow_only_with_yellow_reasons_and_green_with_none():
    _, e = _explain(ledger=[_income("6000")], household=_household(sudden_event="disaster"))
    assert e.risk == "yellow"
    assert e.risk_why.values == {"yellow": Labels(("人均纯收入低于防返贫监测范围", "发生突发事件"))}
    _, e = _explain(ledger=[_income("40000")])
    assert e.risk == "green" and e.reasons == () and e.risk_why.values == {}


def test_a_household_without_living_members_is_not_assessed():
    a, e = _explain(persons=[_person("P1", alive=False)], ledger=[_income("100")])
    assert (a.risk, e.reasons, e.motivation) == (None, (), None)
    assert e.risk_why.template == "户内无在世成员,不作监测"


# --- the motivation index ---------------------------------------------------------------

def test_the_score_has_its_scale_cut_off_and_deprived_indicators_by_dimension():
    # will (2 ≤ 2), cooperative (not a member), credit: 3 × 1/8 = 0.375 ≥ 1/3.
    _, e = _explain(household=_household(willingness=2, cooperative_member=False, credit_access=False),
                    ledger=[_income("40000")])
    m = e.motivation
    assert (m.score, m.scale, m.k, m.poor) == (0.375, 1.0, POLICY.motivation_k, True)
    assert m.summary.template == "%(score)s,满分 %(scale)s,临界值 %(k)s:内生动力不足"
    assert m.summary.values == {"score": Score(0.375), "scale": Score(1.0), "k": Score(POLICY.motivation_k)}
    deprived = {d.code: [i.name for i in d.deprived] for d in m.dimensions}
    assert deprived == {"awareness": ["will"], "capability": [], "organization": ["cooperative"],
                        "opportunity": ["credit"]}
    assert [d.label for d in m.dimensions] == ["意识", "能力", "治理", "机会"]
    will = m.dimensions[0].indicators[0]
    assert will.why.values == {"willingness": 2, "at_most": 2} and will.weight == 0.125


def test_willingness_three_is_not_deprived_and_two_indicators_are_not_poor():
    _, e = _explain(household=_household(willingness=3, cooperative_member=False, credit_access=False),
                    ledger=[_income("40000")])
    m = e.motivation
    assert (m.score, m.poor) == (0.25, False)
    assert m.summary.template.endswith("内生动力充足")


def test_a_score_exactly_at_a_policys_cut_off_is_poor_and_the_scale_follows_the_weights():
    policy = dataclasses.replace(POLICY, motivation_k=0.375)
    _, e = _explain(household=_household(willingness=1, participates_village_affairs=False,
                                         credit_access=False), ledger=[_income("40000")], policy=policy)
    assert (e.motivation.score, e.motivation.k, e.motivation.poor) == (0.375, 0.375, True)
    heavier = dataclasses.replace(POLICY, indicators=tuple(
        dataclasses.replace(i, weight=0.25) for i in POLICY.indicators[:4]))
    _, e = _explain(household=_household(willingness=1), ledger=[_income("40000")], policy=heavier)
    assert e.motivation.scale == 1.0 and [d.code for d in e.motivation.dimensions] == ["awareness", "capability"]


# --- measures ----------------------------------------------------------------------------

def test_measures_are_grouped_by_measure_each_member_once():
    recommended = [("skills_training", "P2"), ("insurance_enrol", "P1"), ("skills_training", "P1"),
                   ("housing_renovation", None), ("skills_training", "P2")]
    _, e = _explain(household=_household(housing="c_class"), ledger=[_income("40000")],
                    persons=[_person("P1"), _person("P2", relation="spouse")], recommended=recommended)
    assert [m.code for m in e.measures] == ["insurance_enrol", "housing_renovation", "skills_training"]
    training = e.measures[2]
    assert training.person_ids == ("P2", "P1") and training.label == "技能培训"
    assert len(training.why) == 1 and training.why[0].values == {
        "members": Members(("P2", "P1")), "training_low": 16, "training_high": 59}
    assert e.measures[1].person_ids == () and e.measures[1].why[0].values == {"housing": Label("C级危房")}


def test_medical_assistance_says_which_of_its_conditions_held():
    ledger = [_income("20000"), _income("12000", item="medical_out_of_pocket")]
    _, e = _explain(ledger=ledger, recommended=[("medical_assistance", None)])
    (why,) = e.measures[0].why
    assert why.values == {"rigid": Amount(Decimal(12000)), "rigid_ratio": Ratio(Decimal("0.50"))}
    _, e = _explain(persons=[_person("P1", health="serious")], ledger=[_income("40000")],
                    recommended=[("medical_assistance", None)])
    assert [s.template for s in e.measures[0].why] == ["有成员患有大病"]


def test_every_measure_has_a_reason_whose_placeholders_it_fills():
    a, _ = _explain(ledger=[_income("3000")])
    assert set(MEASURE_WHY) == set(MEASURES)
    for m in explain.measures_explained([(code, "P1") for code in MEASURES], a, POLICY):
        for sentence in m.why:
            names = set(re.findall(r"%\((\w+)\)s", sentence.template))
            assert names == set(sentence.values), m.code
            sentence.template % {k: "x" for k in names}


# --- agreement with a run ---------------------------------------------------------------

@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=snapshots())
def test_the_explained_result_is_the_runs(snapshot):
    policy = engine_policy(DEFAULT_POLICY)
    results, _ = engine_evaluate(snapshot["households"], snapshot["persons"], snapshot["income_items"],
                                 DEFAULT_POLICY)
    for household in snapshot["households"]:
        hid = household["household_id"]
        result = results[hid]
        persons = [p for p in snapshot["persons"] if p["household_id"] == hid]
        ledger = [i for i in snapshot["income_items"] if i["household_id"] == hid]
        a = one.assessment(household, persons, ledger, policy)
        if not result["size"]:
            assert a.risk is None
            continue
        e = explain.household_explained(a, policy)
        assert e.risk == result["risk"], hid
        assert ";".join(e.reason_codes) == (result["reasons"] or ""), hid
        assert abs(e.motivation.score - result["motivation_score"]) < 1e-9, hid
        assert e.motivation.poor == result["motivation_poor"], hid
        facts = one.member_facts(persons, policy, policy.reference_date)
        assert set(a.out_of_school) == {pid for pid, f in facts.items() if f.out_of_school}, hid
        assert set(a.uninsured) == {pid for pid, f in facts.items() if f.uninsured}, hid


def test_the_page_s_other_rules_and_the_assessment_share_one_session():
    # The household page runs the ledger and guarantee rules first on the same thread's
    # connection; their input tables have other columns than the assessment's.
    persons = [_person("P1")]
    one.ledger_years([_income("100")], 1)
    one.guarantee_reasons(_household(), one.member_facts(persons, POLICY, POLICY.reference_date))
    assert one.assessment(_household(), persons, [_income("100")], POLICY).risk == "red"
