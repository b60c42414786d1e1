"""An assigned measure's steps (planned → in progress → done / abandoned): each allowed,
each refused (wrong state, no outcome, no reason, no capability, out of scope), the
history naming who, the day it happened, when it was recorded and why; and the measure
an activity carries out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.services import (
    measure_assign,
    measure_carried_out,
    measure_step,
    measures_done_many,
)
from neisheng.measures.workflow import MEASURE_WORKFLOW
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
EARLIER = TODAY - dt.timedelta(days=20)


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def planned(cadre, household) -> AssignedMeasure:
    return measure_assign(user=cadre, household=household, measure="skills_training", assigned_on=EARLIER,
                          responsible="镇人社服务中心", note="三月开班", starts_on=EARLIER,
                          ends_on=TODAY + dt.timedelta(days=30), cost=Decimal(1200), funding_source="linkage_fund")


def _steps(measure) -> list[tuple]:
    return [(t.name, t.from_state, t.to_state, t.effective_on, t.username, t.reason)
            for t in history(measure, workflow=MEASURE_WORKFLOW).order_by("pk")]


def test_assigning_records_the_first_step_with_its_plan(planned, cadre):
    assert _steps(planned) == [("assign", "", "planned", EARLIER, cadre.username, "三月开班")]
    planned.refresh_from_db()
    assert (planned.cost, planned.funding_source, planned.responsible_kind) == (
        Decimal("1200.00"), "linkage_fund", "department")


@pytest.mark.parametrize("changes, field", [
    ({"starts_on": TODAY, "ends_on": TODAY - dt.timedelta(days=1)}, "ends_on"),
    ({"cost": Decimal(-1), "funding_source": "own"}, "cost"),
    ({"cost": Decimal(500)}, "funding_source"),
    ({"cost": Decimal(500), "funding_source": "lottery"}, "funding_source"),
    ({"responsible_kind": "neighbour"}, "responsible_kind"),
])
def test_a_plan_that_cannot_be_is_refused_by_field(cadre, household, changes, field):
    with pytest.raises(ValidationError) as refused:
        measure_assign(user=cadre, household=household, measure="microcredit", assigned_on=TODAY,
                       responsible="村信贷员", **changes)
    assert list(refused.value.message_dict) == [field]
    assert not AssignedMeasure.objects.exists()


def test_start_then_complete_with_its_outcome(planned, cadre):
    started_on, done_on = TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=2)
    measure_step(user=cadre, measure=planned, step="start", effective_on=started_on)
    assert planned.state == "in_progress"
    measure_step(user=cadre, measure=planned, step="complete", effective_on=done_on, outcome="取得电工证")
    planned.refresh_from_db()
    assert (planned.state, planned.outcome) == ("done", "取得电工证")
    assert [s[:4] for s in _steps(planned)] == [("assign", "", "planned", EARLIER),
                                                ("start", "planned", "in_progress", started_on),
                                                ("complete", "in_progress", "done", done_on)]
    recorded = history(planned, workflow=MEASURE_WORKFLOW).last().recorded_at
    assert timezone.localdate(recorded) == TODAY  # entered today, though it took effect earlier
    steps = AuditEvent.objects.filter(object_type="assigned_measure", object_id=str(planned.pk), action="update")
    assert [e.detail["step"] for e in steps.order_by("pk")] == ["start", "complete"]
    assert {e.division_code for e in steps} == {planned.household.village_id}


def test_abandon_keeps_its_reason_in_the_history(planned, cadre):
    measure_step(user=cadre, measure=planned, step="abandon", effective_on=TODAY, reason="本人外出务工")
    assert planned.state == "abandoned"
    assert _steps(planned)[-1] == ("abandon", "planned", "abandoned", TODAY, cadre.username, "本人外出务工")


def test_a_planned_measure_may_be_completed_at_once(planned, cadre):
    measure_step(user=cadre, measure=planned, step="complete", effective_on=TODAY, outcome="已落实")
    assert planned.state == "done"


@pytest.mark.parametrize("before, step, kwargs, says", [
    ([], "complete", {}, "请写明成效"),
    ([], "complete", {"outcome": "   "}, "请写明成效"),
    ([], "abandon", {}, "需要说明理由"),
    ([("start", {})], "start", {}, "不能执行"),
    ([("abandon", {"reason": "迁出"})], "start", {}, "不能执行"),
    ([("abandon", {"reason": "迁出"})], "complete", {"outcome": "x"}, "不能执行"),
    ([("complete", {"outcome": "x"})], "abandon", {"reason": "y"}, "不能执行"),
    ([], "finish", {}, "没有名为"),
])
def test_a_step_the_state_or_the_rules_refuse(planned, cadre, before, step, kwargs, says):
    for name, extra in before:
        measure_step(user=cadre, measure=planned, step=name, effective_on=TODAY, **extra)
    state, steps = planned.state, len(_steps(planned))
    with pytest.raises(TransitionRefused) as refused:
        measure_step(user=cadre, measure=planned, step=step, effective_on=TODAY, **kwargs)
    assert says in str(refused.value)
    planned.refresh_from_db()
    assert planned.state == state and len(_steps(planned)) == steps


def test_a_step_dated_in_the_future_or_before_the_last_is_refused(planned, cadre):
    with pytest.raises(TransitionRefused):
        measure_step(user=cadre, measure=planned, step="start", effective_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(TransitionRefused):
        measure_step(user=cadre, measure=planned, step="start", effective_on=EARLIER - dt.timedelta(days=1))
    assert planned.state == "planned"


@pytest.mark.parametrize("role", ["department", "auditor", "researcher"])
def test_a_role_that_may_not_move_measures_is_refused(planned, make_user, places, role):
    with pytest.raises(PermissionDenied):
        measure_step(user=make_user(role, places["county"]), measure=planned, step="start", effective_on=TODAY)
    planned.refresh_from_db()
    assert planned.state == "planned"


def test_a_measure_elsewhere_is_as_if_it_did_not_exist(planned, make_user, places):
    with pytest.raises(Http404):
        measure_step(user=make_user("county", places["other_county"]), measure=planned, step="start",
                     effective_on=TODAY)


def test_an_assistance_cadre_moves_measures_and_an_administrator_records_activities(planned, make_user, places):
    measure_step(user=make_user("assistance", places["village"]), measure=planned, step="start", effective_on=TODAY)
    measure_step(user=make_user("admin", None), measure=planned, step="complete", effective_on=TODAY, outcome="ok")
    assert planned.state == "done"


# --------------------------------------------------------------------------- carried out by an activity


def test_an_activity_starts_and_completes_the_persons_planned_measure(cadre, household):
    member = household.members.filter(alive=True).first()
    mine = measure_assign(user=cadre, household=household, measure="skills_training", assigned_on=EARLIER,
                          responsible="镇人社服务中心", person_id=member.person_id)
    on = TODAY - dt.timedelta(days=5)
    done = measure_carried_out(user=cadre, household=household, person_id=member.person_id,
                               measure="skills_training", on=on, responsible="县职校", done=True,
                               outcome="取得证书", why="培训结业:电工培训(#1)")
    assert done.pk == mine.pk
    done.refresh_from_db()
    assert (done.state, done.outcome, done.starts_on, done.ends_on) == ("done", "取得证书", on, on)
    assert [(s[0], s[3], s[5]) for s in _steps(done)][1:] == [("start", on, "培训结业:电工培训(#1)"),
                                                               ("complete", on, "培训结业:电工培训(#1)")]


def test_without_a_planned_measure_the_activity_assigns_one(make_user, places, household):
    admin = make_user("admin", None)
    started = measure_carried_out(user=admin, household=household, person_id="", measure="morale_support",
                                  on=TODAY, responsible="村委会", done=False, why="参加议事会(#3)")
    assert (started.state, started.note, started.from_recommendation, started.assigned_on) == (
        "in_progress", "参加议事会(#3)", False, TODAY)
    again = measure_carried_out(user=admin, household=household, person_id="", measure="morale_support",
                                on=TODAY, responsible="村委会", done=True, why="参加议事会(#4)")
    assert again.pk == started.pk and again.state == "done" and again.outcome == "参加议事会(#4)"
    assert AssignedMeasure.objects.count() == 1


def test_an_activity_before_the_measures_last_step_carries_out_a_new_one(cadre, household):
    later = measure_assign(user=cadre, household=household, measure="microcredit", assigned_on=TODAY,
                           responsible="信用社")
    made = measure_carried_out(user=cadre, household=household, person_id="", measure="microcredit", on=EARLIER,
                               responsible="信用社", done=False, why="放贷(#2)")
    assert made.pk != later.pk and made.assigned_on == EARLIER


def test_an_activity_elsewhere_or_by_a_role_that_may_not_is_refused(household, make_user, places):
    with pytest.raises(Http404):
        measure_carried_out(user=make_user("town", places["other_town"]), household=household, person_id="",
                            measure="microcredit", on=TODAY, responsible="x", done=False, why="y")
    with pytest.raises(PermissionDenied):
        measure_carried_out(user=make_user("department", places["county"]), household=household, person_id="",
                            measure="microcredit", on=TODAY, responsible="x", done=False, why="y")
    assert not AssignedMeasure.objects.exists()


def test_measures_done_many_records_each_with_its_three_steps(cadre, household, make_user, places):
    rows = [dict(household=household, person_id="", measure="microcredit", started_on=EARLIER,
                 done_on=TODAY, responsible="信用社", outcome="已放贷"),
            dict(household=household, person_id="", measure="morale_support", started_on=EARLIER,
                 done_on=EARLIER, responsible="村委会", outcome="参加议事")]
    assert measures_done_many(user=cadre, rows=rows) == 2
    done = AssignedMeasure.objects.get(measure="microcredit")
    assert (done.state, done.starts_on, done.ends_on, done.outcome) == ("done", EARLIER, TODAY, "已放贷")
    assert [s[:4] for s in _steps(done)] == [("assign", "", "planned", EARLIER),
                                             ("start", "planned", "in_progress", EARLIER),
                                             ("complete", "in_progress", "done", TODAY)]
    with pytest.raises(ValidationError) as refused:
        measures_done_many(user=cadre, rows=[{**rows[0], "outcome": ""}, rows[1]])
    assert "row 1" in refused.value.message_dict
    with pytest.raises(Http404):
        measures_done_many(user=make_user("village", places["other_village"]), rows=rows)
    assert AssignedMeasure.objects.count() == 2
