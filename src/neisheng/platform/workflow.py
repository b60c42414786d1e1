"""Workflows as data: a model declares its states and the steps between them once, and
one function performs any step, checks it and logs it.

An app's `workflow.py`:

    CASE_WORKFLOW = Workflow(
        object_type="case",
        states={"draft": "草稿 draft", "verified": "已核实 verified", "closed": "已销号 closed"},
        initial="draft",
        steps=[
            Step("verify", "核实 verify", source=["draft"], target="verified",
                 capability=REGISTRY_EDIT, requires=[fields_filled("cause", "found_on")]),
            Step("close", "销号 close", source=["verified"], target="closed",
                 capability=REGISTRY_EDIT, requires=[review_approved()]),
        ],
    )

and its model:

    class Case(models.Model):
        division_field = "household__village_id"
        workflow = CASE_WORKFLOW
        state = models.CharField(max_length=16, choices=CASE_WORKFLOW.choices, default=CASE_WORKFLOW.initial)

`transition_perform(obj=case, step="verify", user=..., effective_on=..., reason=...)` then
does the rest; `history(case)` is its log. A step's date (`effective_on`) is the day it
took effect, given by the person (the council met last Tuesday); `recorded_at` is when
it was entered: the two differ, and both are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone, translation

from neisheng.accounts.access import CAPABILITIES, user_may
from neisheng.platform import scope
from neisheng.platform.models import Transition

# A requirement looks at the object and answers None (met) or the sentence that says
# what is missing, "中文 / English".
Requirement = Callable[[Any], "str | None"]
UserCheck = Callable[[Any, Any], bool]


class TransitionRefused(Exception):
    """A step that may not be made now; the message is one sentence, "中文 / English"."""


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    source: Iterable[str]
    target: str
    # Who may make it: a capability of the roles table, and/or a check of (user, obj)
    # for what a role cannot say (e.g. "only the cadre assigned to the household").
    capability: str | None = None
    allowed: UserCheck | None = None
    requires: Iterable[Requirement] = ()
    reason_required: bool = False

    def __post_init__(self):
        object.__setattr__(self, "source", tuple(self.source))
        object.__setattr__(self, "requires", tuple(self.requires))


@dataclass(frozen=True)
class Workflow:
    object_type: str
    states: dict[str, str]
    initial: str
    steps: Iterable[Step]
    state_field: str = "state"
    _by_name: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        steps = tuple(self.steps)
        object.__setattr__(self, "steps", steps)
        # A mistake in the declaration fails when the app is imported, not on the day
        # someone first tries the step.
        if self.initial not in self.states:
            raise ValueError(f"{self.object_type}: initial state {self.initial!r} is not among the states")
        by_name = {}
        for step in steps:
            if step.name in by_name:
                raise ValueError(f"{self.object_type}: two steps are called {step.name!r}")
            unknown = [s for s in (*step.source, step.target) if s not in self.states]
            if unknown:
                raise ValueError(f"{self.object_type}.{step.name}: unknown state(s) {unknown}")
            if step.capability is not None and step.capability not in CAPABILITIES:
                raise ValueError(f"{self.object_type}.{step.name}: unknown capability {step.capability!r}")
            if step.capability is None and step.allowed is None:
                raise ValueError(f"{self.object_type}.{step.name}: says neither capability nor allowed, "
                                 "so no one could be refused")
            by_name[step.name] = step
        object.__setattr__(self, "_by_name", by_name)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return list(self.states.items())

    def step(self, name: str) -> Step:
        try:
            return self._by_name[name]
        except KeyError:
            raise TransitionRefused(f"没有名为 {name} 的步骤 / there is no step {name!r} "
                                    f"in the {self.object_type} workflow") from None

    def refusal(self, obj, name: str, user) -> str | None:
        """Why `user` may not make step `name` on `obj` now (one sentence), or None."""
        step = self.step(name)
        if not getattr(user, "is_authenticated", False):
            return "请先登录 / please sign in first"
        if not scope.code_is_within(user, division_code_of(obj)):
            # Before anything about the object (its state): someone elsewhere learns
            # only what they would of an object that does not exist.
            return "未找到该对象 / no such object"
        if step.capability is not None and not user_may(user, step.capability):
            return f"您的角色不能执行“{_zh(step.label)}” / your role may not do “{_en(step.label)}”"
        state = getattr(obj, self.state_field)
        if state not in step.source:
            state_label = _label(self.states, state)
            return (f"当前状态为“{_zh(state_label)}”,不能执行“{_zh(step.label)}” / "
                    f"“{_en(step.label)}” cannot be done from the state “{_en(state_label)}”")
        if step.allowed is not None and not step.allowed(user, obj):
            return f"您不能执行“{_zh(step.label)}” / you may not do “{_en(step.label)}”"
        for requirement in step.requires:
            missing = requirement(obj)
            if missing:
                return missing
        return None

    def steps_open_to(self, obj, user) -> list[Step]:
        """The steps `user` could make on `obj` now (for the buttons a page shows)."""
        return [s for s in self.steps if self.refusal(obj, s.name, user) is None]


def _label(states: dict[str, str], state: str) -> str:
    return states.get(state, state)


# Refusals read "中文 / English" (the page shows the half in its language, see
# web/error_views.py); labels are Chinese message ids, each half takes its language's.
def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def _en(label) -> str:
    with translation.override("en"):
        return str(label)


def workflow_of(obj_or_model) -> Workflow:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    workflow = getattr(model, "workflow", None)
    if not isinstance(workflow, Workflow):
        raise TypeError(f"{model.__name__} declares no workflow")
    return workflow


def division_code_of(obj) -> str:
    """The object's division code, found through its model's `division_field`."""
    value = obj
    for part in scope.division_field_of(type(obj)).split("__"):
        value = getattr(value, part)
        if value is None:
            return ""
    return str(value)


# --- requirements a step may name ------------------------------------------------------


def fields_filled(*names: str) -> Requirement:
    """Each named field has a value (not None, not "")."""

    def check(obj) -> str | None:
        empty = [n for n in names if getattr(obj, n) in (None, "")]
        if not empty:
            return None
        labels = [type(obj)._meta.get_field(n).verbose_name for n in empty]
        return (f"请先填写:{'、'.join(_zh(label) for label in labels)} / "
                f"fill in first: {', '.join(_en(label) for label in labels)}")

    return check


def needs(check: Callable[[Any], bool], zh: str, en: str) -> Requirement:
    """Any other condition (e.g. an attachment: `needs(lambda c: c.files.exists(),
    "请先上传证明材料", "upload the supporting document first")`)."""
    return lambda obj: None if check(obj) else f"{zh} / {en}"


# --- performing a step --------------------------------------------------------------------


@transaction.atomic
def transition_perform(*, obj: Model, step: str, user, effective_on: dt.date, reason: str = "",
                       changes: dict[str, Any] | None = None, workflow: Workflow | None = None) -> Transition:
    """Make step `step` on `obj`: check it is allowed now, move the object to the step's
    state (with `changes`, other fields set in the same save) and log it, all in one
    transaction. Raises TransitionRefused with one sentence otherwise. `workflow` is
    the model's own (`Model.workflow`) unless given."""
    workflow = workflow or workflow_of(obj)
    # The row is read again under a lock, so two people making steps at the same time
    # cannot both start from the same state.
    current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    for name, value in (changes or {}).items():
        setattr(current, name, value)
    problem = workflow.refusal(current, step, user)
    the_step = workflow.step(step)
    if problem is None:
        problem = _date_problem(obj, workflow, effective_on)
    if problem is None and the_step.reason_required and not reason.strip():
        problem = f"“{_zh(the_step.label)}”需要说明理由 / “{_en(the_step.label)}” needs a reason"
    if problem is not None:
        raise TransitionRefused(problem)
    before = getattr(current, workflow.state_field)
    setattr(current, workflow.state_field, the_step.target)
    current.save(update_fields=[workflow.state_field, *(changes or {})])
    # The caller's object follows the row it stands for.
    for name in (workflow.state_field, *(changes or {})):
        setattr(obj, name, getattr(current, name))
    return transition_record(obj=current, workflow=workflow, name=the_step.name, from_state=before,
                             user=user, effective_on=effective_on, reason=reason)


def transition_record(*, obj: Model, workflow: Workflow, name: str, from_state: str, user,
                      effective_on: dt.date, reason: str = "") -> Transition:
    """The log row alone, for a step that has no transition of its own: the object's
    creation (from "" to its initial state) or an event within a state. The caller has
    checked it; it must run inside the caller's transaction."""
    return Transition.objects.create(
        object_type=workflow.object_type, object_id=str(obj.pk), division_code=division_code_of(obj),
        name=name, from_state=from_state, to_state=getattr(obj, workflow.state_field), by=user,
        username=user.get_username(), effective_on=effective_on, reason=reason.strip(),
    )


def effective_on_problem(obj, workflow: Workflow, effective_on) -> str | None:
    """Why `effective_on` cannot be the date of the object's next step, or None."""
    return _date_problem(obj, workflow, effective_on)


def _date_problem(obj, workflow: Workflow, effective_on) -> str | None:
    if not isinstance(effective_on, dt.date) or isinstance(effective_on, dt.datetime):
        return "请填写生效日期 / give the date the step took effect"
    if effective_on > timezone.localdate():
        return f"生效日期 {effective_on} 晚于今天 / the date {effective_on} is in the future"
    # Steps that change the state happen in order; events within a state (objections
    # and their answers) may be entered in any order.
    last = history(obj, workflow=workflow).exclude(from_state=F("to_state")).last()
    if last is not None and effective_on < last.effective_on:
        return (f"生效日期 {effective_on} 早于上一步骤的日期 {last.effective_on} / the date {effective_on} "
                f"is before the previous step's ({last.effective_on})")
    return None


def history(obj, *, workflow: Workflow | None = None) -> QuerySet[Transition]:
    """The object's steps, oldest first."""
    object_type = (workflow or workflow_of(obj)).object_type
    return Transition.objects.filter(object_type=object_type, object_id=str(obj.pk))
