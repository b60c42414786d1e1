"""The problem's states and steps (grid.md "Problems") as data: open → resolved (text and
at least one photo or document) → closed by a reviewer other than the one who resolved
it, or back to open with a reason.

What a step is given (the resolution's text, its files) is not yet on the problem when
the step is checked: `problem_resolve` puts it in `step_input` for the duration of the
step, so that the platform's `transition_perform` checks it with everything else on the
row it has locked. Without pending input (a page asking which buttons to show) only
what the problem itself holds is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from neisheng.accounts.access import PROBLEMS_RESOLVE, PROBLEMS_REVIEW
from neisheng.platform.workflow import Step, Workflow
from neisheng.problems.models import State


@dataclass(frozen=True)
class StepInput:
    resolution: str = ""
    files: Sequence = ()


_pending: ContextVar[StepInput | None] = ContextVar("problem_step_input", default=None)


@contextmanager
def step_input(value: StepInput):
    token = _pending.set(value)
    try:
        yield value
    finally:
        _pending.reset(token)


def _resolution_given(problem) -> str | None:
    given = _pending.get()
    if given is None or given.resolution.strip():
        return None
    return "请写明整改情况 / describe how the problem was resolved"


def _evidence_given(problem) -> str | None:
    given = _pending.get()
    if given is None or len(given.files) > 0:
        return None
    return "请至少上传一张照片或一份文件作为佐证 / upload at least one photo or document as evidence"


def _not_the_resolver(user, problem) -> bool:
    # grid.md: the reviewer who closes a problem is not the one who resolved it.
    return problem.resolved_by_id is None or problem.resolved_by_id != user.pk


RAISE_STEP = "raise"
RAISE_LABEL = gettext_lazy("登记")

PROBLEM_WORKFLOW = Workflow(
    object_type="problem",
    states=dict(State.choices),
    initial=State.OPEN,
    steps=[
        Step("resolve", gettext_lazy("整改"), source=[State.OPEN], target=State.RESOLVED,
             capability=PROBLEMS_RESOLVE, requires=[_resolution_given, _evidence_given]),
        Step("close", gettext_lazy("审核销号"), source=[State.RESOLVED], target=State.CLOSED,
             capability=PROBLEMS_REVIEW, allowed=_not_the_resolver),
        Step("reopen", gettext_lazy("退回重新整改"), source=[State.RESOLVED, State.CLOSED], target=State.OPEN,
             capability=PROBLEMS_REVIEW, reason_required=True),
    ],
)
