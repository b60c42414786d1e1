"""The one write path of distribution plans (收益分配方案) and their payments (分红发放).

A plan distributes one revenue of a project (projects.md): the collective's share, then
the rest among the beneficiaries active on the plan date, by `engine.dividends` (the one
place the arithmetic lives). It is reviewed through the shared review-and-publicity step
(platform.review: the council of the plan's division decides, the plan is publicised for
the policy's `projects_distribution_publicity_days`, someone above the division approves);
approving it creates one payment per household with money, in the same transaction.
Paying a payment writes the household's income ledger through the registry's one write
path (item `dividend`, source `project:<id>`, the year of payment), so the next
monitoring run counts it.

Refusals are `ValidationError` by field ("中文 / English" halves are not mixed: each
message is a Chinese msgid), `TransitionRefused` for a step the workflow or the review
refuses, `PermissionDenied` for a role without the capability and `Http404` for what lies
outside the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import DISTRIBUTIONS_PLAN, PAYMENTS_RECORD
from neisheng.accounts.services import audit_record
from neisheng.engine import dividends
from neisheng.platform import review as reviews
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.platform.models import Review, Transition
from neisheng.platform.workflow import TransitionRefused, transition_perform, transition_record
from neisheng.projects.models import (
    Beneficiary,
    DistributionPlan,
    Payment,
    PlanShare,
    Project,
    Revenue,
)
from neisheng.projects.people import members_of
from neisheng.projects.selectors_projects import projects_visible
from neisheng.projects.services.audit import audit_after_change, audit_batch
from neisheng.projects.workflow import PAYMENT_WORKFLOW, PLAN_WORKFLOW
from neisheng.registry.models import Household
from neisheng.registry.services import ledger_item_create_many

Method = DistributionPlan.Method
PlanState = DistributionPlan.State
# The registry's history shows this as the operation (msgid of context "change"), followed
# by the payment's number: "收益分配 #12".
PAYMENT_REASON = "收益分配"
LEDGER_ITEM = "dividend"
WEIGHT_PLACES = Decimal("0.0001")


def payment_reason(payment_pk: int) -> str:
    return f"{PAYMENT_REASON} #{payment_pk}"


def ledger_source(project_pk: int) -> str:
    return f"project:{project_pk}"


def _today() -> dt.date:
    return timezone.localdate()


def _publicity_days() -> int:
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy.projects_distribution_publicity_days


def recorder_of(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- drafting ----------------------------------------------------------------------------


def beneficiaries_on(project: Project, day: dt.date) -> list[str]:
    """The households benefiting from the project on `day`, each once, by number."""
    rows = (Beneficiary.objects.filter(project=project, starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)).values_list("household_id", flat=True))
    return sorted(set(rows))


def as_decimal(value) -> Decimal | None:
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _weights(*, method: str, households: list[str], given: Mapping[str, object] | None,
             plan_on: dt.date) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Each household's weight and its members alive on the plan date (shown as the why)."""
    members = members_of(households)
    alive = {h: dividends.members_alive_on(members.get(h, []), plan_on) for h in households}
    if method == Method.PER_HOUSEHOLD:
        return {h: Decimal(1) for h in households}, alive
    if method == Method.PER_PERSON:
        return {h: Decimal(alive[h]) for h in households}, alive
    given = {str(k).strip(): v for k, v in (given or {}).items()}
    missing = [h for h in households if h not in given]
    if missing:
        raise ValidationError({"weights": _("缺少这些受益户的权重:%(ids)s") % {"ids": "、".join(missing)}})
    weights: dict[str, Decimal] = {}
    bad = []
    for household in households:
        weight = as_decimal(given[household])
        if weight is None or not weight.is_finite() or weight < 0 or weight != weight.quantize(WEIGHT_PLACES) \
                or weight >= Decimal("1e8"):
            bad.append(household)
        else:
            weights[household] = weight
    if bad:
        raise ValidationError({"weights": _("权重应为不小于 0 的数,最多 4 位小数:%(ids)s") % {"ids": "、".join(bad)}})
    return weights, alive


def may_plan(user, project: Project) -> None:
    require(user, DISTRIBUTIONS_PLAN)
    if not projects_visible(user).filter(pk=project.pk).exists():
        raise Http404("no such project")
    # A plan covers every beneficiary of the project and is reviewed by the council of
    # the project's division: only those who work at or above that division draft it.
    if not scope.code_is_within(user, project.division_code):
        raise PermissionDenied("分配方案由项目主管区划编制 / a plan is drawn up by the division that runs the project")


@transaction.atomic
def plan_draft(*, user, project: Project, revenue: Revenue, plan_on: dt.date, collective_share,
               method: str, weights: Mapping[str, object] | None = None, title: str = "", note: str = "",
               request=None) -> DistributionPlan:
    """A draft plan of `revenue`: the collective's share and each beneficiary's line, as
    `engine.dividends` computes them on the beneficiaries active on `plan_on`."""
    may_plan(user, project)
    problems: dict[str, list] = {}
    if revenue.project_id != project.pk:
        problems.setdefault("revenue", []).append(_("这笔收益不属于该项目。"))
    elif DistributionPlan.objects.filter(revenue=revenue).exclude(state=PlanState.REJECTED).exists():
        problems.setdefault("revenue", []).append(_("这笔收益已有分配方案(未通过的除外)。"))
    if plan_on is None:
        problems.setdefault("plan_on", []).append(_("请填写方案日期。"))
    elif plan_on > _today():
        problems.setdefault("plan_on", []).append(_("方案日期不能晚于今天。"))
    share = as_decimal(collective_share)
    if share is None or not share.is_finite() or not Decimal(0) <= share <= Decimal(1) \
            or share != share.quantize(WEIGHT_PLACES):
        problems.setdefault("collective_share", []).append(_("村集体比例应在 0 到 1 之间,最多 4 位小数。"))
    if method not in Method.values:
        problems.setdefault("method", []).append(_("请选择分配方式。"))
    if problems:
        raise ValidationError(problems)
    households = beneficiaries_on(project, plan_on)
    if not households:
        raise ValidationError({"plan_on": [_("方案日期当天该项目没有受益户。")]})
    household_weights, alive = _weights(method=method, households=households, given=weights, plan_on=plan_on)
    collective = dividends.collective_amount(revenue.amount, share)
    try:
        amounts = dividends.allocate(revenue.amount - collective, household_weights)
    except ValueError:
        # allocate refuses only all-zero weights here (the rest was checked above).
        raise ValidationError({"weights": [_("权重全部为 0,无法分配。")]}) from None
    plan = DistributionPlan.objects.create(
        project=project, revenue=revenue, division_code=project.division_code,
        title=(title or "").strip()[:120] or f"{project.name} {revenue.year}",
        plan_on=plan_on, total=revenue.amount, collective_share=share, collective_amount=collective,
        method=method, note=(note or "").strip(), created_by=recorder_of(user))
    PlanShare.objects.bulk_create([
        PlanShare(plan=plan, household_id=h, weight=household_weights[h], members=alive[h], amount=amounts[h])
        for h in households])
    transition_record(obj=plan, workflow=PLAN_WORKFLOW, name="draft", from_state="", user=user,
                      effective_on=plan_on, reason=plan.title)
    audit_record(user=user, action="create", division_code=plan.division_code, object_type="distribution_plan",
                 object_id=str(plan.pk),
                 detail={"project": project.pk, "revenue": revenue.pk, "total": str(plan.total),
                         "collective": str(collective), "method": method, "households": len(households)},
                 request=request)
    audit_after_change(division_code=plan.division_code, trigger=f"plan #{plan.pk}")
    return plan


# --- review ------------------------------------------------------------------------------


def plan_review(plan: DistributionPlan) -> Review | None:
    return reviews.review_of(plan)


def _review_under_way(plan: DistributionPlan) -> Review:
    review = reviews.review_of(plan)
    if review is None or plan.state != PlanState.REVIEWING:
        raise TransitionRefused("该方案不在评议公示中 / the plan is not under review")
    return review


@transaction.atomic
def plan_submit(*, user, plan: DistributionPlan, submitted_on: dt.date, request=None) -> DistributionPlan:
    """Draft → reviewing: the review-and-publicity step opens for the plan."""
    transition_perform(obj=plan, step="submit", user=user, effective_on=submitted_on, workflow=PLAN_WORKFLOW)
    reviews.review_open(obj=plan, user=user, opened_on=submitted_on, subject=f"收益分配方案 {plan.title}")
    return plan


@transaction.atomic
def plan_review_decide(*, user, plan: DistributionPlan, decision: str, council_on: dt.date,
                       note: str = "") -> DistributionPlan:
    """The council's decision; a refusal ends the plan (rejected, the note as its reason)."""
    review = _review_under_way(plan)
    reviews.review_record_decision(review=review, user=user, decision=decision, council_on=council_on, note=note)
    if review.state == Review.State.REJECTED:
        _plan_rejected(user=user, plan=plan, on=council_on, reason=note.strip() or "民主评议未通过")
    return plan


@transaction.atomic
def plan_review_publicise(*, user, plan: DistributionPlan, start_on: dt.date) -> DistributionPlan:
    reviews.review_publicise(review=_review_under_way(plan), user=user, start_on=start_on,
                             days=_publicity_days())
    return plan


@transaction.atomic
def plan_review_object(*, user, plan: DistributionPlan, raised_by: str, raised_on: dt.date, text: str):
    return reviews.review_object(review=_review_under_way(plan), user=user, raised_by=raised_by,
                                 raised_on=raised_on, text=text)


@transaction.atomic
def plan_review_resolve(*, user, plan: DistributionPlan, objection_pk: int, resolution: str,
                        resolved_on: dt.date):
    review = _review_under_way(plan)
    objection = review.objections.filter(pk=objection_pk).first()
    if objection is None:
        raise Http404("no such objection")
    return reviews.review_resolve_objection(objection=objection, user=user, resolution=resolution,
                                            resolved_on=resolved_on)


@transaction.atomic
def plan_approve(*, user, plan: DistributionPlan, approved_on: dt.date, note: str = "",
                 request=None) -> DistributionPlan:
    """The review's approval (by someone above the plan's division, after the publicity
    and with every objection answered), the plan approved and its payments created: all
    or nothing."""
    review = _review_under_way(plan)
    reviews.review_approve(review=review, user=user, approved_on=approved_on, note=note)
    transition_perform(obj=plan, step="approve", user=user, effective_on=approved_on, reason=note,
                       workflow=PLAN_WORKFLOW)
    # A household whose line is 0.00 (a zero weight) receives nothing to pay.
    shares = [s for s in plan.shares.all() if s.amount > 0]
    payments = Payment.objects.bulk_create([
        Payment(plan=plan, share=s, household_id=s.household_id, amount=s.amount) for s in shares])
    payments_logged(payments, user=user, name="create", on=approved_on, reason=plan.title)
    audit_record(user=user, action="update", division_code=plan.division_code, object_type="distribution_plan",
                 object_id=str(plan.pk), detail={"step": "approve", "payments": len(payments)}, request=request)
    audit_after_change(division_code=plan.division_code, trigger=f"plan #{plan.pk}")
    return plan


def payments_logged(payments: list[Payment], *, user, name: str, on: dt.date, reason: str) -> None:
    """The log row of each new payment (as transition_record writes it), in one insert."""
    villages = dict(Household.objects.filter(pk__in={p.household_id for p in payments})
                    .values_list("household_id", "village_id"))
    Transition.objects.bulk_create([
        Transition(object_type=PAYMENT_WORKFLOW.object_type, object_id=str(p.pk),
                   division_code=villages[p.household_id], name=name, from_state="", to_state=p.state,
                   by=recorder_of(user), username=user.get_username(), effective_on=on, reason=reason)
        for p in payments], batch_size=500)


def _plan_rejected(*, user, plan: DistributionPlan, on: dt.date, reason: str) -> None:
    transition_perform(obj=plan, step="reject", user=user, effective_on=on, reason=reason, workflow=PLAN_WORKFLOW)
    audit_record(user=user, action="update", division_code=plan.division_code, object_type="distribution_plan",
                 object_id=str(plan.pk), detail={"step": "reject", "reason": reason})


@transaction.atomic
def plan_reject(*, user, plan: DistributionPlan, rejected_on: dt.date, reason: str) -> DistributionPlan:
    """Not approved: a draft withdrawn, or the review rejecting it (an objection upheld).
    The revenue may then be planned again."""
    review = reviews.review_of(plan)
    if plan.state == PlanState.REVIEWING and review is not None and review.state not in (
            Review.State.APPROVED, Review.State.REJECTED):
        if review.state == Review.State.OPEN:
            reviews.review_record_decision(review=review, user=user, decision=Review.Decision.REFUSED,
                                           council_on=rejected_on, note=reason)
        else:
            reviews.review_reject(review=review, user=user, rejected_on=rejected_on, reason=reason)
    _plan_rejected(user=user, plan=plan, on=rejected_on, reason=reason)
    return plan


# --- payments ----------------------------------------------------------------------------


def _payable(user, payment: Payment) -> Payment:
    require(user, PAYMENTS_RECORD)
    payment = (Payment.objects.select_for_update(of=("self",)).select_related("plan", "household")
               .filter(pk=payment.pk).first())
    if payment is None or not scope.code_is_within(user, payment.household.village_id):
        raise Http404("no such payment")
    return payment


def _pay_checked(payment: Payment, paid_on: dt.date) -> None:
    if payment.plan.state != PlanState.APPROVED:
        raise ValidationError({"paid_on": [_("方案尚未批准,不能发放。")]})
    if paid_on is None:
        raise ValidationError({"paid_on": [_("请填写发放日期。")]})
    if paid_on > _today():
        raise ValidationError({"paid_on": [_("发放日期不能晚于今天。")]})


def _mark_paid(*, user, payment: Payment, paid_on: dt.date, voucher_no: str) -> None:
    transition_perform(obj=payment, step="pay", user=user, effective_on=paid_on,
                       reason=(voucher_no or "").strip(), workflow=PAYMENT_WORKFLOW,
                       changes={"paid_on": paid_on, "voucher_no": (voucher_no or "").strip()[:60],
                                "paid_by": recorder_of(user), "paid_at": timezone.now()})


def _ledger_row(payment: Payment) -> dict:
    return {"household_id": payment.household_id, "year": payment.paid_on.year, "item": LEDGER_ITEM,
            "amount": payment.amount, "source": ledger_source(payment.plan.project_id)}


@transaction.atomic
def payment_pay(*, user, payment: Payment, paid_on: dt.date, voucher_no: str = "", request=None) -> Payment:
    """Pending → paid, once: the household's ledger gets one `dividend` row of the
    payment's amount in the year of payment, its history naming the payment."""
    locked = _payable(user, payment)
    _pay_checked(locked, paid_on)
    _mark_paid(user=user, payment=locked, paid_on=paid_on, voucher_no=voucher_no)
    if locked.amount > 0:
        locked.ledger_item = ledger_item_create_many(user=user, rows=[_ledger_row(locked)],
                                                     change_reason=payment_reason(locked.pk))[0]
        locked.save(update_fields=["ledger_item"])
    audit_record(user=user, action="update", division_code=locked.household.village_id,
                 object_type="dividend_payment", object_id=str(locked.pk),
                 detail={"step": "pay", "amount": str(locked.amount), "paid_on": paid_on.isoformat()},
                 request=request)
    audit_after_change(division_code=locked.plan.division_code, trigger=f"payment #{locked.pk}")
    for name in ("state", "paid_on", "voucher_no", "paid_by", "paid_at", "ledger_item"):
        setattr(payment, name, getattr(locked, name))
    return payment


@transaction.atomic
def plan_pay_all(*, user, plan: DistributionPlan, paid_on: dt.date, voucher_no: str = "") -> int:
    """Every pending payment of the plan within the user's scope paid on `paid_on` (the
    demo; a village paying its households on one day). Each one goes through
    `payment_pay`, so each ledger row's history names its own payment. Returns how many."""
    pending = scope.visible_to(user, Payment.objects.filter(plan=plan, state=Payment.State.PENDING)).order_by("pk")
    count = 0
    with audit_batch():
        for payment in pending:
            payment_pay(user=user, payment=payment, paid_on=paid_on, voucher_no=voucher_no)
            count += 1
    return count

