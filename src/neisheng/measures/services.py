"""The one write path of assigned measures (一户一策): assigning one (by hand, from a
recommendation, or because an activity carried it out) and its steps, planned → in
progress → done (with its outcome) or abandoned (with a reason).

Refusals: Http404 for a household or measure outside the user's division (as if it did
not exist), PermissionDenied for a role that may not, ValidationError named by field
for a bad assignment, TransitionRefused with one sentence "中文 / English" for a step
the measure's state or the rules refuse now. Each write is in the audit log with the
household's village, and each step in the measure's history (platform.workflow)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD, MEASURES_ASSIGN, user_may
from neisheng.accounts.services import audit_record
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.workflow import ASSIGN_STEP, MEASURE_WORKFLOW
from neisheng.platform import scope
from neisheng.platform.access import refusal, require
from neisheng.platform.workflow import (
    TransitionRefused,
    history,
    transition_perform,
    transition_record,
)
from neisheng.registry.models import Household

STEPS = ("start", "complete", "abandon")
OPEN_STATES = (AssignedMeasure.State.PLANNED, AssignedMeasure.State.IN_PROGRESS)


def _household_in_scope_or_404(user, household: Household) -> None:
    if not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404("未找到该户 / no such household")


@transaction.atomic
def measure_assign(*, user, household: Household, measure: str, assigned_on: dt.date, responsible: str,
                   person_id: str = "", note: str = "", from_recommendation: bool = False,
                   responsible_kind: str = AssignedMeasure.Responsible.DEPARTMENT, starts_on: dt.date | None = None,
                   ends_on: dt.date | None = None, cost: Decimal | None = None, funding_source: str = "",
                   request=None) -> AssignedMeasure:
    """Assign `measure` to the household, or to one of its living members (`person_id`).
    Refused: a role without measures.assign (PermissionDenied, 403), a household outside
    the user's division (Http404, as if it did not exist), an unknown measure, someone
    who is not a living member of the household, a date in the future, no one
    responsible, an end before the start, a negative cost or a cost without its funding
    source (ValidationError, named by field)."""
    require(user, MEASURES_ASSIGN)
    _household_in_scope_or_404(user, household)
    return _measure_create(user=user, household=household, measure=measure, assigned_on=assigned_on,
                           responsible=responsible, person_id=person_id, note=note,
                           from_recommendation=from_recommendation, responsible_kind=responsible_kind,
                           starts_on=starts_on, ends_on=ends_on, cost=cost, funding_source=funding_source,
                           request=request)


def _measure_create(*, user, household, measure, assigned_on, responsible, person_id, note, from_recommendation,
                    responsible_kind, starts_on, ends_on, cost, funding_source, request) -> AssignedMeasure:
    problems: dict[str, list] = {}
    if measure not in MEASURE_LABELS:
        problems["measure"] = [_("没有这项帮扶措施。")]
    if person_id and not household.members.filter(person_id=person_id, alive=True).exists():
        problems["person_id"] = [_("此人不是本户在世成员。")]
    if assigned_on is None:
        problems["assigned_on"] = [_("请填写安排日期。")]
    elif assigned_on > timezone.localdate():
        # An assignment records what was decided; a plan for later is decided when it is made.
        problems["assigned_on"] = [_("安排日期不能晚于今天。")]
    responsible = (responsible or "").strip()
    if not responsible:
        problems["responsible"] = [_("请填写责任单位或责任人。")]
    if responsible_kind not in AssignedMeasure.Responsible.values:
        problems["responsible_kind"] = [_("责任类型应为责任单位或责任人。")]
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = [_("结束日期不能早于开始日期。")]
    if cost is not None:
        try:
            cost = Decimal(cost)
        except (InvalidOperation, TypeError, ValueError):
            problems["cost"] = [_("费用应为数字。")]
        else:
            if cost < 0:
                problems["cost"] = [_("费用不能为负数。")]
            elif not funding_source:
                # Money spent on a household is accounted for by where it came from.
                problems["funding_source"] = [_("填写了费用,请选择资金来源。")]
    if funding_source and funding_source not in AssignedMeasure.Funding.values:
        problems["funding_source"] = [_("没有这种资金来源。")]
    if problems:
        raise ValidationError(problems)
    assigned = AssignedMeasure.objects.create(
        household=household, person_id=person_id or "", measure=measure, assigned_on=assigned_on,
        responsible=responsible, responsible_kind=responsible_kind, starts_on=starts_on, ends_on=ends_on, cost=cost,
        funding_source=funding_source or "", note=(note or "").strip(), from_recommendation=from_recommendation,
        assigned_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transition_record(obj=assigned, workflow=MEASURE_WORKFLOW, name=ASSIGN_STEP, from_state="", user=user,
                      effective_on=assigned_on, reason=assigned.note)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="assigned_measure",
                 object_id=str(assigned.pk),
                 detail={"household": household.household_id, "measure": measure, "person_id": bool(person_id),
                         "assigned_on": assigned_on.isoformat(), "from_recommendation": from_recommendation,
                         "responsible_kind": responsible_kind,
                         "starts_on": starts_on.isoformat() if starts_on else None,
                         "ends_on": ends_on.isoformat() if ends_on else None,
                         "cost": str(cost) if cost is not None else None, "funding_source": funding_source},
                 request=request)
    return assigned


def _may_move_or_403(user) -> None:
    if not (user_may(user, MEASURES_ASSIGN) or user_may(user, ACTIVITIES_RECORD)):
        raise PermissionDenied(refusal(MEASURES_ASSIGN))


@transaction.atomic
def measure_step(*, user, measure: AssignedMeasure, step: str, effective_on: dt.date, reason: str = "",
                 outcome: str = "", request=None) -> AssignedMeasure:
    """Make `step` ("start", "complete" or "abandon") on the measure, effective on the
    day it happened. Completing needs its outcome, abandoning a reason; starting fills
    the start date when the plan had none (the day it really began), completing the end
    date likewise."""
    if not scope.visible_to(user, AssignedMeasure).filter(pk=measure.pk).exists():
        raise Http404("未找到该措施 / no such measure")
    _may_move_or_403(user)
    if step not in STEPS:
        raise TransitionRefused(f"没有名为 {step} 的步骤 / there is no step {step!r}")
    changes: dict = {}
    if step == "complete":
        changes["outcome"] = (outcome or "").strip()
    if step == "start" and measure.starts_on is None and isinstance(effective_on, dt.date):
        changes["starts_on"] = effective_on
    if step == "complete" and measure.ends_on is None and isinstance(effective_on, dt.date):
        changes["ends_on"] = effective_on
        if measure.starts_on is None:
            changes["starts_on"] = effective_on
    transition_perform(obj=measure, step=step, user=user, effective_on=effective_on, reason=reason or "",
                       changes=changes, workflow=MEASURE_WORKFLOW)
    audit_record(user=user, action="update", division_code=measure.household.village_id,
                 object_type="assigned_measure", object_id=str(measure.pk),
                 detail={"step": step, "on": str(effective_on), "state": measure.state}, request=request)
    return measure


def _last_step_on(measure: AssignedMeasure) -> dt.date | None:
    last = history(measure, workflow=MEASURE_WORKFLOW).order_by("-effective_on", "-pk").first()
    return last.effective_on if last else None


@transaction.atomic
def measure_carried_out(*, user, household: Household, person_id: str, measure: str, on: dt.date,
                        responsible: str, done: bool, outcome: str = "", why: str) -> AssignedMeasure:
    """The measure an activity carries out (a training attended, a job found...). Uses
    the household's (the person's, when `person_id`) planned or in-progress measure of
    that code whose steps are all on or before `on` (the oldest first), else assigns one
    (noting `why`, not from a recommendation); starts it on `on` if planned; completes
    it when `done`, with `outcome` (or `why` when no outcome is given: the activity is
    what came of it). Call it inside the activity's own transaction."""
    _household_in_scope_or_404(user, household)
    if not (user_may(user, ACTIVITIES_RECORD) or user_may(user, MEASURES_ASSIGN)):
        raise PermissionDenied(refusal(ACTIVITIES_RECORD))
    candidates = (AssignedMeasure.objects.select_for_update()
                  .filter(household=household, person_id=person_id or "", measure=measure, state__in=OPEN_STATES,
                          assigned_on__lte=on).order_by("assigned_on", "pk"))
    # A measure whose last step is later than the activity could not take a step on
    # that day (steps keep their order): the activity then carries out a new one.
    found = next((m for m in candidates if (_last_step_on(m) or on) <= on), None)
    if found is None:
        found = _measure_create(user=user, household=household, measure=measure, assigned_on=on,
                                responsible=responsible, person_id=person_id or "", note=why,
                                from_recommendation=False, responsible_kind=AssignedMeasure.Responsible.DEPARTMENT,
                                starts_on=None, ends_on=None, cost=None, funding_source="", request=None)
    if found.state == AssignedMeasure.State.PLANNED:
        measure_step(user=user, measure=found, step="start", effective_on=on, reason=why)
    if done:
        measure_step(user=user, measure=found, step="complete", effective_on=on, reason=why,
                     outcome=(outcome or "").strip() or why)
    return found


@transaction.atomic
def measures_done_many(*, user, rows: list[dict]) -> int:
    """Measures already carried out, recorded at once (the demo's past year, a county's
    earlier records): each row {household, person_id, measure, started_on, done_on,
    responsible, outcome} becomes a done measure with its three steps (assign and start
    on `started_on`, complete on `done_on`) in its history, and one audit event per
    village. Checked as one: a row refused refuses them all (ValidationError naming the
    row, counted from 1), nothing written."""
    if not (user_may(user, MEASURES_ASSIGN) or user_may(user, ACTIVITIES_RECORD)):
        raise PermissionDenied(refusal(MEASURES_ASSIGN))
    if not rows:
        return 0
    from neisheng.platform.models import Transition

    visible = set(scope.visible_to(user, Household).filter(pk__in={r["household"].pk for r in rows})
                  .values_list("pk", flat=True))
    today = timezone.localdate()
    for number, row in enumerate(rows, start=1):
        if row["household"].pk not in visible:
            raise Http404("未找到该户 / no such household")
        started, done = row["started_on"], row["done_on"]
        problem = None
        if row["measure"] not in MEASURE_LABELS:
            problem = _("没有这项帮扶措施。")
        elif not (started and done) or done < started or done > today:
            problem = _("结束日期不能早于开始日期。") if started and done and done < started \
                else _("安排日期不能晚于今天。")
        elif not (row.get("responsible") or "").strip():
            problem = _("请填写责任单位或责任人。")
        elif not (row.get("outcome") or "").strip():
            problem = _("请写明成效。")
        if problem is not None:
            raise ValidationError({f"row {number}": [problem]})
    by = user if getattr(user, "is_authenticated", False) else None
    made = AssignedMeasure.objects.bulk_create([
        AssignedMeasure(household=row["household"], person_id=row.get("person_id") or "", measure=row["measure"],
                        assigned_on=row["started_on"], starts_on=row["started_on"], ends_on=row["done_on"],
                        responsible=row["responsible"].strip(), outcome=row["outcome"].strip(),
                        state=AssignedMeasure.State.DONE, assigned_by=by)
        for row in rows])
    if any(m.pk is None for m in made):  # a database that does not return the keys
        raise RuntimeError("bulk_create returned no primary keys")
    username = user.get_username()
    steps = []
    for m in made:
        for name, before, after, on in ((ASSIGN_STEP, "", "planned", m.starts_on),
                                        ("start", "planned", "in_progress", m.starts_on),
                                        ("complete", "in_progress", "done", m.ends_on)):
            steps.append(Transition(object_type=MEASURE_WORKFLOW.object_type, object_id=str(m.pk),
                                    division_code=m.household.village_id, name=name, from_state=before,
                                    to_state=after, by=by, username=username, effective_on=on))
    Transition.objects.bulk_create(steps, batch_size=2000)
    by_village: dict[str, list[int]] = {}
    for m in made:
        by_village.setdefault(m.household.village_id, []).append(m.pk)
    for village, pks in by_village.items():
        audit_record(user=user, action="create", division_code=village, object_type="assigned_measure",
                     object_id="", detail={"done_many": len(pks), "first": min(pks), "last": max(pks)})
    return len(made)
