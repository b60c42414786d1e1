"""A nomination's states and steps, as data (platform.workflow).

nominated → scored (scoring again stays scored; each score is kept) → reviewing (the
shared review-and-publicity step of platform.review opens: the village council decides,
the decision is publicised for the policy's `review.publicity_days`, the town approves
the review) → approved (the town, at most `honours.per_village` a village a year) or
rejected (the council refused, or the town rejected with a reason). Before the review a
nomination may be withdrawn, with a reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from neisheng.accounts.access import HONOURS_APPROVE, HONOURS_NOMINATE, HONOURS_REVIEW
from neisheng.honours.models import Nomination
from neisheng.platform.review import review_approved
from neisheng.platform.workflow import Step, Workflow, needs

S = Nomination.State


def _passed(nomination: Nomination) -> bool:
    score = nomination.latest_score
    return score is not None and score.total >= score.pass_score


NOMINATION_WORKFLOW = Workflow(
    object_type="honour_nomination",
    states=dict(S.choices),
    initial=S.NOMINATED,
    steps=[
        Step("score", gettext_lazy("评分"), source=[S.NOMINATED, S.SCORED], target=S.SCORED,
             capability=HONOURS_NOMINATE),
        Step("submit", gettext_lazy("提交村级评议"), source=[S.SCORED], target=S.REVIEWING, capability=HONOURS_REVIEW,
             requires=[needs(_passed, "得分低于合格分,不能提交村级评议",
                             "the score is below the pass score: it cannot go to the village review")]),
        Step("council_refuse", gettext_lazy("民主评议未通过"), source=[S.REVIEWING], target=S.REJECTED,
             capability=HONOURS_REVIEW, reason_required=True),
        Step("approve", gettext_lazy("乡镇审定"), source=[S.REVIEWING], target=S.APPROVED, capability=HONOURS_APPROVE,
             requires=[review_approved()]),
        Step("reject", gettext_lazy("乡镇不予审定"), source=[S.REVIEWING], target=S.REJECTED,
             capability=HONOURS_APPROVE, reason_required=True),
        Step("withdraw", gettext_lazy("撤回"), source=[S.NOMINATED, S.SCORED], target=S.WITHDRAWN,
             capability=HONOURS_NOMINATE, reason_required=True),
    ],
)
Nomination.workflow = NOMINATION_WORKFLOW
