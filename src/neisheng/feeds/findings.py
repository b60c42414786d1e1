"""The one write path of findings (feeds.md "Screening rules"): confirm or dismiss (with a
reason) through the platform's `transition_perform`; once confirmed, open a monitoring
case through the `department_screening` channel, or write the department's amounts into
the household's income ledger through the registry's own write path, once.

Opening a case and writing the ledger are events within the confirmed state: each is
logged as a Transition from and to "confirmed" (so the finding's history shows who did
it, when and why) and recorded on the finding (its case, its ledger time).

Refusals: Http404 outside the user's division, PermissionDenied without
`findings.decide` (or the case's own capability), TransitionRefused with one sentence
"中文 / English" when a rule refuses the step now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.access import FINDINGS_DECIDE, user_may
from neisheng.accounts.services import audit_record
from neisheng.cases.errors import StepForbidden
from neisheng.cases.models import Channel, MonitoringCase
from neisheng.cases.selectors import open_case_for
from neisheng.cases.services import case_report
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.engine.schema import ITEM_LABELS, SOURCE_LABELS
from neisheng.feeds.finding_selectors import finding_ledger_amounts
from neisheng.feeds.models import Finding, FindingState
from neisheng.feeds.workflow import FINDING_WORKFLOW
from neisheng.platform import scope
from neisheng.platform.workflow import TransitionRefused, transition_perform, transition_record
from neisheng.registry.models import IncomeItem
from neisheng.registry.services import ledger_item_create_many, ledger_item_update_many

# Events within the confirmed state, in the finding's history beside confirm and dismiss.
CASE_EVENT = "open_case"
LEDGER_EVENT = "write_ledger"
LEDGER_CHANGE_REASON = "部门筛查线索"


def _refused(zh: str, en: str) -> TransitionRefused:
    return TransitionRefused(f"{zh} / {en}")


def _checked(*, finding: Finding, user, on) -> None:
    if not scope.code_is_within(user, finding.division_code):
        raise Http404("未找到该线索 / no such finding")
    if not user_may(user, FINDINGS_DECIDE):
        raise PermissionDenied("您的角色不能处理部门筛查线索 / your role may not decide findings")
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise _refused("请填写日期", "give the date")
    if on > timezone.localdate():
        raise _refused(f"日期 {on} 晚于今天", f"the date {on} is in the future")


def _audit(*, user, finding: Finding, step: str, detail: dict) -> None:
    audit_record(user=user, action="update", division_code=finding.division_code, object_type="finding",
                 object_id=str(finding.pk), detail={"step": step, "rule": finding.rule, **detail})


@transaction.atomic
def finding_confirm(*, finding: Finding, user, on: dt.date, reason: str = "") -> Finding:
    """new → confirmed: the officer has checked the department's rows and agrees."""
    _checked(finding=finding, user=user, on=on)
    transition_perform(obj=finding, step="confirm", user=user, effective_on=on, reason=reason or "",
                       workflow=FINDING_WORKFLOW)
    _audit(user=user, finding=finding, step="confirm", detail={"on": str(on), "reason": (reason or "").strip()})
    return finding


@transaction.atomic
def finding_dismiss(*, finding: Finding, user, on: dt.date, reason: str) -> Finding:
    """new → dismissed, with the reason (the workflow refuses an empty one)."""
    _checked(finding=finding, user=user, on=on)
    transition_perform(obj=finding, step="dismiss", user=user, effective_on=on, reason=reason or "",
                       workflow=FINDING_WORKFLOW)
    _audit(user=user, finding=finding, step="dismiss", detail={"on": str(on), "reason": (reason or "").strip()})
    return finding


def _locked_confirmed(finding: Finding) -> Finding:
    current = Finding.objects.select_for_update().select_related("feed", "household").get(pk=finding.pk)
    if current.state != FindingState.CONFIRMED:
        raise _refused("线索须先确认", "the finding must be confirmed first")
    return current


@transaction.atomic
def finding_case_open(*, finding: Finding, user, on: dt.date) -> MonitoringCase:
    """Open the household's monitoring case from a confirmed finding (cases.md: channel
    department_screening, the evidence as the reason, `finding:<id>` as its reference).
    A household with an open case already is refused, naming that case."""
    _checked(finding=finding, user=user, on=on)
    current = _locked_confirmed(finding)
    if current.case_id is not None:
        raise _refused(f"该线索已立案 #{current.case_id}", f"this finding already opened case #{current.case_id}")
    existing = open_case_for(current.household)
    if existing is not None:
        raise _refused(f"该户已有未结案的监测案件 #{existing.pk}",
                       f"the household already has an open case #{existing.pk}")
    try:
        case = case_report(user=user, household=current.household, channel=Channel.DEPARTMENT_SCREENING,
                           reported_on=on, reason=current.evidence, finding_ref=f"finding:{current.pk}")
    except StepForbidden as error:
        raise PermissionDenied(str(error)) from None
    current.case = case
    current.save(update_fields=["case"])
    finding.case = case
    transition_record(obj=current, workflow=FINDING_WORKFLOW, name=CASE_EVENT, from_state=current.state, user=user,
                      effective_on=on, reason=f"#{case.pk}")
    _audit(user=user, finding=current, step=CASE_EVENT, detail={"on": str(on), "case": case.pk})
    return case


def ledger_preview(finding: Finding) -> list[dict]:
    """The (year, item, amount) the department's rows say, and what the household's
    ledger holds for the same year and item today (the department's own row, which a write
    updates, and the other sources' rows, which it leaves): what a write would do."""
    source = FEED_TYPES[finding.feed.feed_type].department
    planned = []
    for (year, item), amount in _amounts(finding).items():
        same_item = list(IncomeItem.objects.filter(household_id=finding.household_id, year=year, item=item)
                         .order_by("pk"))
        existing = next((row for row in same_item if row.source == source), None)
        # Rows of the same item from other sources (the survey's) stay as they are; the
        # officer sees them here, so money counted twice is corrected on the household page.
        others = [{"amount": row.amount, "source_label": SOURCE_LABELS.get(row.source, row.source)}
                  for row in same_item if row.source != source]
        planned.append({"year": year, "item": item, "amount": amount, "source": source, "existing": existing,
                        "others": others, "item_label": ITEM_LABELS.get(item, item),
                        "source_label": DEPARTMENTS.get(source, source)})
    return planned


def _amounts(finding: Finding) -> dict[tuple[int, str], Decimal]:
    summed: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for year, item, amount in finding_ledger_amounts(finding):
        summed[(int(year), item)] += Decimal(amount)
    return dict(sorted(summed.items()))


@transaction.atomic
def finding_ledger_write(*, finding: Finding, user, on: dt.date) -> list[IncomeItem]:
    """Write the department's amounts into the household's income ledger with the
    department as the source: a row of the same year, item and department is updated,
    else one is created; rows of other sources (the survey's) are left as they are.
    Once per finding."""
    _checked(finding=finding, user=user, on=on)
    current = _locked_confirmed(finding)
    if current.ledger_written_at is not None:
        raise _refused("该线索的金额已写入收支台账", "this finding's amounts are already in the ledger")
    planned = ledger_preview(current)
    if not planned:
        raise _refused("该规则没有可写入收支台账的金额", "this rule has no amounts for the income ledger")
    # The registry's change history shows a reason as its "operation", translated with
    # context "change"; which finding it was is in the audit log and the finding's history.
    why = LEDGER_CHANGE_REASON
    creates = [{"household_id": current.household_id, "year": p["year"], "item": p["item"], "amount": p["amount"],
                "source": p["source"]} for p in planned if p["existing"] is None]
    updates = [(p["existing"], {"amount": p["amount"]}) for p in planned if p["existing"] is not None]
    written = [*ledger_item_create_many(user=user, rows=creates, change_reason=why)]
    if updates:
        ledger_item_update_many(user=user, changes=updates, change_reason=why)
        written += [p["existing"] for p in planned if p["existing"] is not None]
    current.ledger_written_at = timezone.now()
    current.ledger_written_by = user
    current.save(update_fields=["ledger_written_at", "ledger_written_by"])
    finding.ledger_written_at, finding.ledger_written_by = current.ledger_written_at, user
    written_items = "; ".join(f"{p['year']} {p['item_label']} {p['amount']}" for p in planned)
    transition_record(obj=current, workflow=FINDING_WORKFLOW, name=LEDGER_EVENT, from_state=current.state,
                      user=user, effective_on=on, reason=written_items)
    _audit(user=user, finding=current, step=LEDGER_EVENT,
           detail={"on": str(on), "items": [{"year": p["year"], "item": p["item"], "amount": str(p["amount"]),
                                             "source": p["source"], "updated": p["existing"] is not None}
                                            for p in planned]})
    return written
