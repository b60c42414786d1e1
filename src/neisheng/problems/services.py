"""The one write path of the problem ledger (grid.md "Problems", 问题台账销号): raising a
problem and its three steps, resolve, close and reopen.

Each step goes through the platform's `transition_perform` (the row locked, the role,
the state, the step's requirements and its date checked, the Transition logged with who,
the step's own date, when it was recorded and why); raising records the first
Transition (from "" to open). Refusals are those of problems/errors.py: Http404 outside
the user's division, PermissionDenied without the capability, TransitionRefused when a
rule refuses the step now. Every change is in the audit log; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from neisheng.accounts.access import PROBLEMS_RAISE, PROBLEMS_RESOLVE, PROBLEMS_REVIEW, user_may
from neisheng.accounts.services import audit_record
from neisheng.engine.grid import problem_deadline
from neisheng.grid.models import Cadre
from neisheng.grid.selectors import active_cadre_pair
from neisheng.monitoring.policies import policy_current
from neisheng.platform import scope
from neisheng.platform.workflow import transition_perform, transition_record
from neisheng.problems.errors import PermissionDenied, refused
from neisheng.problems.evidence import CheckedFile, evidence_check
from neisheng.problems.models import Category, Evidence, Problem, State
from neisheng.problems.workflow import PROBLEM_WORKFLOW, RAISE_STEP, StepInput, step_input


def _label(step_name: str) -> tuple[str, str]:
    label = PROBLEM_WORKFLOW.step(step_name).label
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return zh, en


def _is_date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _visible_or_404(user, division_code: str, what: str = "problem") -> None:
    if not scope.code_is_within(user, division_code):
        if what == "household":
            raise Http404("未找到该户 / no such household")
        raise Http404("未找到该问题 / no such problem")


def _may_or_403(user, capability: str, step_name: str | None = None) -> None:
    if user_may(user, capability):
        return
    if step_name is None:
        raise PermissionDenied("您的角色不能登记问题 / your role may not raise a problem")
    zh, en = _label(step_name)
    raise PermissionDenied(f"您的角色不能执行“{zh}” / your role may not do “{en}”")


@transaction.atomic
def problem_raise(*, user, household, category: str, description: str, raised_on: dt.date,
                  responsible: Cadre | None = None, deadline: dt.date | None = None) -> Problem:
    """Put a problem in the ledger (grid.md: — → open). The deadline is the policy's
    `grid.problem_days` after `raised_on` unless given; the responsible person is the
    household's cadre (its active 包户 pair) unless given."""
    _visible_or_404(user, household.village_id, "household")
    _may_or_403(user, PROBLEMS_RAISE)
    if category not in Category.values:
        raise refused(f"问题类别应为 {'、'.join(Category.values)} 之一",
                      f"the category must be one of {', '.join(Category.values)}")
    description = (description or "").strip()
    if not description:
        raise refused("请写明问题", "describe the problem")
    if not _is_date(raised_on):
        raise refused("请填写发现日期", "give the date the problem was found")
    if raised_on > timezone.localdate():
        raise refused(f"发现日期 {raised_on} 晚于今天", f"the date found {raised_on} is in the future")
    if deadline is None:
        deadline = problem_deadline(raised_on, policy_current().policy.grid_problem_days)
    elif not _is_date(deadline):
        raise refused("整改期限应为日期", "the deadline must be a date")
    elif deadline < raised_on:
        raise refused(f"整改期限 {deadline} 早于发现日期 {raised_on}",
                      f"the deadline {deadline} is before the date found {raised_on}")
    if responsible is None:
        pair = active_cadre_pair(household)
        responsible = pair.cadre if pair is not None else None
    elif not isinstance(responsible, Cadre) or not responsible.active:
        raise refused("责任人应为在岗的帮扶干部", "the responsible person must be an active cadre")
    problem = Problem.objects.create(
        household=household, division_code=household.village_id, category=category, description=description,
        responsible=responsible, raised_on=raised_on, deadline=deadline, state=PROBLEM_WORKFLOW.initial,
        raised_by=user,
    )
    transition_record(obj=problem, workflow=PROBLEM_WORKFLOW, name=RAISE_STEP, from_state="", user=user,
                      effective_on=raised_on, reason=description)
    audit_record(user=user, action="create", division_code=problem.division_code, object_type="problem",
                 object_id=str(problem.pk), detail={"household": household.pk, "category": category,
                                                    "raised_on": str(raised_on), "deadline": str(deadline),
                                                    "responsible": getattr(responsible, "cadre_id", None)})
    return problem


def _evidence_store(*, user, problem: Problem, round_: int, files: list[CheckedFile]) -> list[Evidence]:
    stored = []
    for checked in files:
        evidence = Evidence(problem=problem, round=round_, original_name=checked.original_name,
                            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                            uploaded_by=user)
        # A name of its own (the storage adds a suffix if it exists): an earlier round's
        # file with the same content is never replaced.
        evidence.file.save(f"{problem.pk}-{round_}-{checked.sha256[:16]}{checked.extension}",
                           ContentFile(checked.content), save=False)
        evidence.save()
        stored.append(evidence)
    return stored


@transaction.atomic
def problem_resolve(*, user, problem: Problem, resolved_on: dt.date, resolution: str, files) -> Problem:
    """open → resolved: what was done (text) and at least one photo or document."""
    _visible_or_404(user, problem.division_code)
    _may_or_403(user, PROBLEMS_RESOLVE, "resolve")
    checked = evidence_check(files)
    resolution = (resolution or "").strip()
    round_ = problem.reopened_times + 1
    with step_input(StepInput(resolution=resolution, files=checked)):
        transition_perform(obj=problem, step="resolve", user=user, effective_on=resolved_on, reason=resolution,
                           changes={"resolution": resolution, "resolved_on": resolved_on, "resolved_by": user},
                           workflow=PROBLEM_WORKFLOW)
    stored = _evidence_store(user=user, problem=problem, round_=round_, files=checked)
    audit_record(user=user, action="update", division_code=problem.division_code, object_type="problem",
                 object_id=str(problem.pk),
                 detail={"step": "resolve", "on": str(resolved_on), "round": round_,
                         "evidence": [{"id": e.pk, "name": e.original_name, "sha256": e.sha256} for e in stored]})
    return problem


@transaction.atomic
def problem_close(*, user, problem: Problem, closed_on: dt.date, note: str = "") -> Problem:
    """resolved → closed (销号), approved by a reviewer other than the one who resolved it."""
    _visible_or_404(user, problem.division_code)
    _may_or_403(user, PROBLEMS_REVIEW, "close")
    current = Problem.objects.select_for_update().get(pk=problem.pk)
    if current.state == State.RESOLVED and current.resolved_by_id == user.pk:
        raise refused("整改人不能为自己的整改销号,须由另一名审核人审核",
                      "the one who resolved a problem cannot close it: another reviewer must approve it")
    transition_perform(obj=problem, step="close", user=user, effective_on=closed_on, reason=note or "",
                       changes={"closed_on": closed_on, "closed_by": user}, workflow=PROBLEM_WORKFLOW)
    audit_record(user=user, action="update", division_code=problem.division_code, object_type="problem",
                 object_id=str(problem.pk), detail={"step": "close", "on": str(closed_on)})
    return problem


@transaction.atomic
def problem_reopen(*, user, problem: Problem, reopened_on: dt.date, reason: str) -> Problem:
    """resolved or closed → open, with the reason; the next resolution is a new round of evidence."""
    _visible_or_404(user, problem.division_code)
    _may_or_403(user, PROBLEMS_REVIEW, "reopen")
    current = Problem.objects.select_for_update().get(pk=problem.pk)
    transition_perform(obj=problem, step="reopen", user=user, effective_on=reopened_on, reason=reason or "",
                       changes={"closed_on": None, "closed_by": None,
                                "reopened_times": current.reopened_times + 1},
                       workflow=PROBLEM_WORKFLOW)
    audit_record(user=user, action="update", division_code=problem.division_code, object_type="problem",
                 object_id=str(problem.pk), detail={"step": "reopen", "on": str(reopened_on),
                                                    "reason": (reason or "").strip()})
    return problem
