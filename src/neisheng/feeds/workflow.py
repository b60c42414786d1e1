"""A finding's states and steps (feeds.md) as data: new → confirmed, or new → dismissed
with a reason. Opening a case and writing the ledger are what a confirmed finding may
lead to; they are recorded on the finding (its case, its ledger time), not as states."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from neisheng.accounts.access import FINDINGS_DECIDE
from neisheng.feeds.models import FindingState
from neisheng.platform.workflow import Step, Workflow

FINDING_WORKFLOW = Workflow(
    object_type="finding",
    states=dict(FindingState.choices),
    initial=FindingState.NEW,
    steps=[
        Step("confirm", gettext_lazy("确认"), source=[FindingState.NEW], target=FindingState.CONFIRMED,
             capability=FINDINGS_DECIDE),
        Step("dismiss", gettext_lazy("排除"), source=[FindingState.NEW], target=FindingState.DISMISSED,
             capability=FINDINGS_DECIDE, reason_required=True),
    ],
)
