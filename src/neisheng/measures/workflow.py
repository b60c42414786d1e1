"""An assigned measure's states and steps as data (issue 13): planned → in progress →
done (with its outcome) or abandoned (with a reason). The assignment itself is logged
as the step "assign" (from "" to planned) by `measures.services.measure_assign`.

Who may move a measure: whoever may assign measures, and the offices and departments
that record the activities carrying measures out (a training's certificate completes
the trainee's skills_training measure)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from neisheng.accounts.access import ACTIVITIES_RECORD, MEASURES_ASSIGN, user_may
from neisheng.measures.models import AssignedMeasure
from neisheng.platform.workflow import Step, Workflow

State = AssignedMeasure.State

ASSIGN_STEP = "assign"
ASSIGN_LABEL = gettext_lazy("安排")


def _plans_or_carries_out(user, measure) -> bool:
    return user_may(user, MEASURES_ASSIGN) or user_may(user, ACTIVITIES_RECORD)


def _outcome_written(measure) -> str | None:
    if (measure.outcome or "").strip():
        return None
    return "请写明成效 / describe the outcome"


MEASURE_WORKFLOW = Workflow(
    object_type="assigned_measure",
    states=dict(State.choices),
    initial=State.PLANNED,
    steps=[
        Step("start", gettext_lazy("开始实施"), source=[State.PLANNED], target=State.IN_PROGRESS,
             allowed=_plans_or_carries_out),
        Step("complete", gettext_lazy("完成"), source=[State.PLANNED, State.IN_PROGRESS], target=State.DONE,
             allowed=_plans_or_carries_out, requires=[_outcome_written]),
        Step("abandon", gettext_lazy("放弃"), source=[State.PLANNED, State.IN_PROGRESS], target=State.ABANDONED,
             allowed=_plans_or_carries_out, reason_required=True),
    ],
)
