"""The states and steps of distribution plans, payments and audit findings, as data.

A plan: draft → reviewing (the shared review-and-publicity step of platform.review is
opened: the council of the plan's division decides, the plan is publicised for the
policy's `projects.distribution_publicity_days`, the level above approves) → approved
(its payments are created) or rejected. A payment: pending → paid (the ledger row is
written). A finding: new → confirmed or explained (with a reason); confirmed →
explained once the office has answered it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from neisheng.accounts.access import DISTRIBUTIONS_PLAN, FINDINGS_AUDIT, PAYMENTS_RECORD
from neisheng.platform.review import review_approved
from neisheng.platform.workflow import Step, Workflow
from neisheng.projects.models import AuditFinding, DistributionPlan, Payment

PlanState = DistributionPlan.State
PaymentState = Payment.State
FindingState = AuditFinding.State

PLAN_WORKFLOW = Workflow(
    object_type="distribution_plan",
    states=dict(PlanState.choices),
    initial=PlanState.DRAFT,
    steps=[
        Step("submit", gettext_lazy("提交评议"), source=[PlanState.DRAFT], target=PlanState.REVIEWING,
             capability=DISTRIBUTIONS_PLAN),
        # Approval follows the review's own approval (by the level above), in the same
        # transaction as the payments it creates.
        Step("approve", gettext_lazy("批准"), source=[PlanState.REVIEWING], target=PlanState.APPROVED,
             capability=DISTRIBUTIONS_PLAN, requires=[review_approved()]),
        Step("reject", gettext_lazy("未通过"), source=[PlanState.DRAFT, PlanState.REVIEWING],
             target=PlanState.REJECTED, capability=DISTRIBUTIONS_PLAN, reason_required=True),
    ],
)

PAYMENT_WORKFLOW = Workflow(
    object_type="dividend_payment",
    states=dict(PaymentState.choices),
    initial=PaymentState.PENDING,
    steps=[
        Step("pay", gettext_lazy("发放"), source=[PaymentState.PENDING], target=PaymentState.PAID,
             capability=PAYMENTS_RECORD),
    ],
)

FINDING_WORKFLOW = Workflow(
    object_type="audit_finding",
    states=dict(FindingState.choices),
    initial=FindingState.NEW,
    steps=[
        Step("confirm", gettext_lazy("确认"), source=[FindingState.NEW], target=FindingState.CONFIRMED,
             capability=FINDINGS_AUDIT),
        Step("explain", gettext_lazy("说明"), source=[FindingState.NEW, FindingState.CONFIRMED],
             target=FindingState.EXPLAINED, capability=FINDINGS_AUDIT, reason_required=True),
    ],
)
