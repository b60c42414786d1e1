"""The review-and-publicity step every workflow app reuses (cases, risk elimination,
model households, distribution plans): 民主评议 (the village council decides), 公示
(the decision is posted for N days and anyone may object), 审批 (approval, only once
the posting has ended and every objection has been answered).

    review = review_open(obj=case, user=cadre, opened_on=date, subject="纳入监测 张三户")
    review_record_decision(review=review, user=cadre, decision="agreed", council_on=date)
    review_publicise(review=review, user=cadre, start_on=date)          # N from the policy
    review_object(review=review, user=cadre, raised_by="李四", raised_on=date, text="…")
    review_resolve_objection(objection=o, user=cadre, resolution="…", resolved_on=date)
    review_approve(review=review, user=town_officer, approved_on=date)

and the app's own workflow waits for it with `requires=[review_approved()]`.

Publicity is counted in calendar days, the day of posting being the first: the policies
this follows (公示不少于 N 天) count days on the wall, and working days would need the
year's official holiday and make-up-day calendar, which changes every year and which
nothing here holds. A policy that wants a longer posting sets a larger N.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from neisheng.accounts.access import REGISTRY_EDIT, user_may
from neisheng.platform import scope
from neisheng.platform.models import Objection, Review
from neisheng.platform.workflow import (
    Step,
    TransitionRefused,
    Workflow,
    division_code_of,
    effective_on_problem,
    history,
    needs,
    transition_perform,
    transition_record,
)
from neisheng.policy import Policy, load_policy

S = Review.State


def _publicity_over(review: Review) -> str | None:
    if review.approved_on is None or review.publicity_end is None or review.approved_on > review.publicity_end:
        return None
    return (f"公示期至 {review.publicity_end} 结束,{review.approved_on} 尚在公示期内,不能审批 / the publicity "
            f"runs until {review.publicity_end}: approval is possible from the day after, not on {review.approved_on}")


def _objections_answered(review: Review) -> str | None:
    count = review.objections.filter(resolved_on__isnull=True).count()
    if not count:
        return None
    return f"还有 {count} 条异议未处理,不能审批 / {count} objection(s) not yet resolved: approval must wait"


def _not_own_division(user, review: Review) -> bool:
    # Those who decided in the village do not approve their own decision: approval comes
    # from the level above (a town or county officer, or an administrator).
    return user.division_id != review.division_code


WORKFLOW = Workflow(
    object_type="review",
    states=dict(S.choices),
    initial=S.OPEN,
    steps=[
        Step("council_agree", gettext_lazy("民主评议通过"), source=[S.OPEN], target=S.DECIDED,
             capability=REGISTRY_EDIT),
        Step("council_refuse", gettext_lazy("民主评议未通过"), source=[S.OPEN], target=S.REJECTED,
             capability=REGISTRY_EDIT),
        Step("publicise", gettext_lazy("公示"), source=[S.DECIDED], target=S.PUBLICISED, capability=REGISTRY_EDIT),
        # Objections and their answers happen within the publicity state: logged, no move.
        Step("object", gettext_lazy("登记异议"), source=[S.PUBLICISED], target=S.PUBLICISED,
             capability=REGISTRY_EDIT),
        Step("resolve_objection", gettext_lazy("处理异议"), source=[S.PUBLICISED], target=S.PUBLICISED,
             capability=REGISTRY_EDIT),
        Step("approve", gettext_lazy("审批通过"), source=[S.PUBLICISED], target=S.APPROVED, capability=REGISTRY_EDIT,
             allowed=_not_own_division, requires=[_publicity_over, _objections_answered]),
        Step("reject", gettext_lazy("不予通过"), source=[S.DECIDED, S.PUBLICISED], target=S.REJECTED,
             capability=REGISTRY_EDIT, reason_required=True),
    ],
)


def _open_review(obj, object_type: str) -> Review | None:
    return Review.objects.filter(object_type=object_type, object_id=str(obj.pk)).exclude(
        state__in=[S.APPROVED, S.REJECTED]).first()


def object_type_of(obj) -> str:
    """The name reviews and logs use for `obj`: its workflow's, else its model's label."""
    workflow = getattr(type(obj), "workflow", None)
    return workflow.object_type if isinstance(workflow, Workflow) else obj._meta.label_lower


@transaction.atomic
def review_open(*, obj, user, opened_on: dt.date, subject: str) -> Review:
    """A review of `obj` (any model that declares its `division_field`), awaiting the
    council. One review at a time per object."""
    object_type = object_type_of(obj)
    code = division_code_of(obj)
    if not getattr(user, "is_authenticated", False) or not scope.code_is_within(user, code):
        raise TransitionRefused("未找到该对象 / no such object")
    if not user_may(user, REGISTRY_EDIT):
        raise TransitionRefused("您的角色不能发起评议 / your role may not open a review")
    if _open_review(obj, object_type) is not None:
        raise TransitionRefused("该对象已有未完成的评议 / this object already has a review under way")
    review = Review(object_type=object_type, object_id=str(obj.pk), division_code=code,
                    subject=subject.strip()[:200] or str(obj)[:200])
    problem = effective_on_problem(review, WORKFLOW, opened_on)
    if problem:
        raise TransitionRefused(problem)
    review.save()
    transition_record(obj=review, workflow=WORKFLOW, name="open", from_state="", user=user,
                      effective_on=opened_on, reason=review.subject)
    return review


@transaction.atomic
def review_record_decision(*, review: Review, user, decision: str, council_on: dt.date, note: str = "") -> Review:
    """The council's decision (同意/不同意) and the day it met; a refusal ends the review."""
    if decision not in Review.Decision.values:
        raise TransitionRefused(f"评议结果应为 {'/'.join(Review.Decision.values)} / the decision must be one of "
                                f"{', '.join(Review.Decision.values)}, not {decision!r}")
    step = "council_agree" if decision == Review.Decision.AGREED else "council_refuse"
    transition_perform(obj=review, step=step, user=user, effective_on=council_on, reason=note,
                       changes={"council_decision": decision, "council_on": council_on, "council_note": note.strip()},
                       workflow=WORKFLOW)
    return review


def publicity_end(start_on: dt.date, days: int) -> dt.date:
    """The last day of a posting of `days` calendar days from `start_on` (its first day)."""
    return start_on + dt.timedelta(days=days - 1)


@transaction.atomic
def review_publicise(*, review: Review, user, start_on: dt.date, policy: Policy | None = None,
                     days: int | None = None) -> Review:
    """Post the decision from `start_on` for the policy's `review.publicity_days`, or for
    `days` when the object's own policy sets its posting (a distribution plan's
    `projects.distribution_publicity_days`)."""
    if days is None:
        days = (policy or load_policy()).review_publicity_days
    transition_perform(obj=review, step="publicise", user=user, effective_on=start_on,
                       # A step's reason is data, kept in the platform's data language like
                       # every other reason a person typed; the page says it in its words.
                       reason=f"公示 {days} 天",
                       changes={"publicity_days": days, "publicity_start": start_on,
                                "publicity_end": publicity_end(start_on, days)},
                       workflow=WORKFLOW)
    return review


@transaction.atomic
def review_object(*, review: Review, user, raised_by: str, raised_on: dt.date, text: str) -> Objection:
    """Record an objection raised during the posting (who raised it, when, what)."""
    if not text.strip() or not raised_by.strip():
        raise TransitionRefused("请填写异议人和异议内容 / give who objects and what the objection is")
    if review.publicity_start and review.publicity_end and not (
            review.publicity_start <= raised_on <= review.publicity_end):
        raise TransitionRefused(
            f"{raised_on} 不在公示期 {review.publicity_start} 至 {review.publicity_end} 内 / {raised_on} is "
            f"outside the publicity period {review.publicity_start} to {review.publicity_end}")
    transition_perform(obj=review, step="object", user=user, effective_on=raised_on,
                       reason=f"{raised_by.strip()}: {text.strip()}", workflow=WORKFLOW)
    return Objection.objects.create(review=review, raised_by=raised_by.strip()[:100], raised_on=raised_on,
                                    text=text.strip(), recorded_by=user)


@transaction.atomic
def review_resolve_objection(*, objection: Objection, user, resolution: str, resolved_on: dt.date) -> Objection:
    """How an objection was answered, and when. Once answered it stays answered."""
    objection = Objection.objects.select_for_update().select_related("review").get(pk=objection.pk)
    if not objection.is_open:
        raise TransitionRefused(f"该异议已于 {objection.resolved_on} 处理 / this objection was already resolved "
                                f"on {objection.resolved_on}")
    if not resolution.strip():
        raise TransitionRefused("请填写处理结果 / say how the objection was resolved")
    if resolved_on < objection.raised_on:
        raise TransitionRefused(f"处理日期 {resolved_on} 早于异议提出日期 {objection.raised_on} / resolved on "
                                f"{resolved_on}, before the objection was raised ({objection.raised_on})")
    transition_perform(obj=objection.review, step="resolve_objection", user=user, effective_on=resolved_on,
                       reason=resolution, workflow=WORKFLOW)
    objection.resolution, objection.resolved_on, objection.resolved_by = resolution.strip(), resolved_on, user
    objection.save(update_fields=["resolution", "resolved_on", "resolved_by"])
    return objection


@transaction.atomic
def review_approve(*, review: Review, user, approved_on: dt.date, note: str = "") -> Review:
    """Approval: refused while the posting runs or while an objection is unanswered."""
    transition_perform(obj=review, step="approve", user=user, effective_on=approved_on, reason=note,
                       changes={"approved_on": approved_on}, workflow=WORKFLOW)
    return review


@transaction.atomic
def review_reject(*, review: Review, user, rejected_on: dt.date, reason: str) -> Review:
    """Not approved (e.g. an objection upheld); the reason is required."""
    transition_perform(obj=review, step="reject", user=user, effective_on=rejected_on, reason=reason,
                       workflow=WORKFLOW)
    return review


# --- reading ----------------------------------------------------------------------------


def review_of(obj) -> Review | None:
    """The object's latest review (under way or finished), or None."""
    return Review.objects.filter(object_type=object_type_of(obj), object_id=str(obj.pk)).first()


def review_history(review: Review) -> list:
    """The review's steps, oldest first, each with the words a page shows for it
    (`step_label`, `from_label`, `to_label`) in the reader's language."""
    steps = list(history(review, workflow=WORKFLOW))
    states = dict(S.choices)
    # "open" is recorded by review_open, not a step of the workflow.
    labels = {"open": gettext_lazy("发起评议"), **{step.name: step.label for step in WORKFLOW.steps}}
    for transition in steps:
        transition.step_label = labels.get(transition.name, transition.name)
        transition.from_label = states.get(transition.from_state, "")
        transition.to_label = states.get(transition.to_state, "")
    return steps


def review_approved():
    """A requirement for an app's own step: the object's latest review was approved."""

    def approved(obj) -> bool:
        review = review_of(obj)
        return review is not None and review.state == S.APPROVED

    return needs(approved, "需先完成民主评议、公示并经审批", "needs a review decided, publicised and approved first")


def review_days_left(review: Review, today: dt.date | None = None) -> int | None:
    """Days of posting left, counting today (0 once it has ended); None if not posted."""
    if review.publicity_end is None:
        return None
    today = today or timezone.localdate()
    return max(0, (review.publicity_end - today).days + 1)
