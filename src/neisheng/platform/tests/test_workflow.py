"""Workflows as data: a declaration checked when it is made, one function that makes a
step (who may, from which state, what it requires, its own date) and logs it, and the
object's history as a query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from neisheng.accounts.access import REGISTRY_EDIT
from neisheng.platform.models import Review, Transition
from neisheng.platform.workflow import (
    Step,
    TransitionRefused,
    Workflow,
    fields_filled,
    history,
    needs,
    transition_perform,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)

# A small workflow on Review's own `state` column (any model with a state column and a
# division_field would do), declared the way an app declares its own.
CASE = Workflow(
    object_type="case",
    states={"open": "待核实 open", "decided": "已核实 verified", "publicised": "公示中 publicised",
            "approved": "已销号 closed", "rejected": "已驳回 rejected"},
    initial="open",
    steps=[
        Step("verify", "核实 verify", source=["open"], target="decided", capability=REGISTRY_EDIT,
             requires=[fields_filled("council_note", "council_on")]),
        Step("post", "公示 post", source=["decided"], target="publicised", capability=REGISTRY_EDIT,
             requires=[needs(lambda r: r.publicity_days, "请先填写公示天数", "give the publicity days first")]),
        Step("close", "销号 close", source=["publicised"], target="approved", capability=REGISTRY_EDIT,
             allowed=lambda user, obj: user.role == "town"),
        Step("reject", "驳回 reject", source=["open", "decided"], target="rejected", capability=REGISTRY_EDIT,
             reason_required=True),
    ],
)


@pytest.fixture
def case(places, monkeypatch):
    monkeypatch.setattr(Review, "workflow", CASE, raising=False)
    return Review.objects.create(object_type="case", object_id="c1", division_code=places["village"].code,
                                 subject="张三户")


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


def test_a_step_moves_the_object_and_logs_who_when_and_why(case, cadre, places):
    before = timezone.now()
    logged = transition_perform(obj=case, step="verify", user=cadre, effective_on=TODAY - 3 * DAY,
                                reason="入户核实 visited", changes={"council_note": "核实属实",
                                                                  "council_on": TODAY - 3 * DAY})
    case.refresh_from_db()
    assert case.state == "decided" and case.council_note == "核实属实"
    assert (logged.object_type, logged.object_id, logged.division_code, logged.name, logged.from_state,
            logged.to_state, logged.by, logged.username, logged.effective_on, logged.reason) == (
        "case", str(case.pk), places["village"].code, "verify", "open", "decided", cadre, cadre.username,
        TODAY - 3 * DAY, "入户核实 visited")
    assert logged.recorded_at >= before  # when it was entered, beside the day it took effect


def test_the_history_of_an_object_is_a_query_in_order(case, cadre):
    transition_perform(obj=case, step="verify", user=cadre, effective_on=TODAY - 2 * DAY,
                       changes={"council_note": "n", "council_on": TODAY})
    transition_perform(obj=case, step="post", user=cadre, effective_on=TODAY - DAY, changes={"publicity_days": 5})
    steps = history(case)
    assert [(t.name, t.from_state, t.to_state, t.effective_on) for t in steps] == [
        ("verify", "open", "decided", TODAY - 2 * DAY), ("post", "decided", "publicised", TODAY - DAY)]
    assert steps.model is Transition and list(steps) == list(Transition.objects.filter(object_id=str(case.pk)))


@pytest.mark.parametrize("step,changes,reason,message", [
    ("post", {"publicity_days": 5}, "",
     "当前状态为“待核实 open”,不能执行“公示 post” / “公示 post” cannot be done from the state “待核实 open”"),
    ("verify", {"council_note": "n"}, "", "请先填写:评议日期 / fill in first: Council met on"),
    ("reject", {}, "  ", "“驳回 reject”需要说明理由 / “驳回 reject” needs a reason"),
    ("fly", {}, "", "没有名为 fly 的步骤 / there is no step 'fly' in the case workflow"),
])
def test_a_refused_step_says_why_and_changes_nothing(case, cadre, step, changes, reason, message):
    with pytest.raises(TransitionRefused) as refused:
        transition_perform(obj=case, step=step, user=cadre, effective_on=TODAY, reason=reason, changes=changes)
    assert str(refused.value) == message
    case.refresh_from_db()
    assert case.state == "open" and case.council_note == "" and not Transition.objects.exists()


def test_who_may_make_a_step_role_scope_and_check(case, cadre, make_user, places):
    researcher = make_user("researcher", places["village"])
    elsewhere = make_user("village", places["other_village"])
    refusals = {}
    for who in (researcher, elsewhere):
        with pytest.raises(TransitionRefused) as refused:
            transition_perform(obj=case, step="reject", user=who, effective_on=TODAY, reason="r")
        refusals[who.username] = str(refused.value)
    assert refusals == {
        researcher.username: "您的角色不能执行“驳回 reject” / your role may not do “驳回 reject”",
        # Someone elsewhere is told nothing about the object, not even its state.
        elsewhere.username: "未找到该对象 / no such object",
    }
    case.state = "publicised"
    case.save()
    with pytest.raises(TransitionRefused, match="您不能执行“销号 close” / you may not do"):
        transition_perform(obj=case, step="close", user=cadre, effective_on=TODAY)
    town = make_user("town", places["town"])
    assert CASE.steps_open_to(case, town) == [CASE.step("close")]
    assert transition_perform(obj=case, step="close", user=town, effective_on=TODAY).by == town


def test_a_step_s_own_date_is_not_in_the_future_nor_before_the_previous_step(case, cadre):
    changes = {"council_note": "n", "council_on": TODAY}
    with pytest.raises(TransitionRefused, match="in the future"):
        transition_perform(obj=case, step="verify", user=cadre, effective_on=TODAY + DAY, changes=changes)
    transition_perform(obj=case, step="verify", user=cadre, effective_on=TODAY - DAY, changes=changes)
    with pytest.raises(TransitionRefused, match=r"is before the previous step's \(" + str(TODAY - DAY)):
        transition_perform(obj=case, step="post", user=cadre, effective_on=TODAY - 2 * DAY,
                           changes={"publicity_days": 5})
    with pytest.raises(TransitionRefused, match="give the date"):
        transition_perform(obj=case, step="post", user=cadre, effective_on=None, changes={"publicity_days": 5})
    assert history(case).count() == 1


@pytest.mark.parametrize("steps,problem", [
    ([Step("a", "a", source=["open"], target="gone", capability=REGISTRY_EDIT)], "unknown state"),
    ([Step("a", "a", source=["open"], target="done", capability="registry.edti")], "unknown capability"),
    ([Step("a", "a", source=["open"], target="done")], "says neither capability nor allowed"),
    ([Step("a", "a", source=["open"], target="done", capability=REGISTRY_EDIT)] * 2, "two steps"),
])
def test_a_mistaken_declaration_fails_when_it_is_made(steps, problem):
    with pytest.raises(ValueError, match=problem):
        Workflow(object_type="x", states={"open": "open", "done": "done"}, initial="open", steps=steps)
