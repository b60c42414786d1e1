"""The audit's runs and findings (owner: helper E). Other areas call
`audit_after_change` at the end of every write that could change a check's answer.

A run reads the whole county (projects.audit.audit_tables), asks the engine for every
check's findings and reconciles them with the stored ones: a finding is raised once per
(rule, subject); found again it is seen again (its evidence refreshed, its clearance
undone); no longer found it is cleared, never deleted, so its decisions stay."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from neisheng.accounts.access import FINDINGS_AUDIT, user_may
from neisheng.accounts.services import audit_record
from neisheng.engine.project_audit import CHECKS, audit_all
from neisheng.platform import scope
from neisheng.platform.workflow import transition_perform
from neisheng.projects.audit import COUNTY_DIGITS, audit_tables, county_of
from neisheng.projects.models import AuditFinding, AuditRun
from neisheng.projects.workflow import FINDING_WORKFLOW

_batch = threading.local()


def _policy():
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy


@transaction.atomic
def audit_run(*, division_code: str, trigger: str, user=None) -> AuditRun:
    """Run the nine checks over the county of `division_code` and reconcile its findings."""
    started = time.perf_counter()
    county = county_of(division_code)
    prefix = county[:COUNTY_DIGITS]
    tables = audit_tables(county)
    found = audit_all(tables, policy=_policy()).to_pylist()
    # A plan's findings (its sum, a household paid twice in it) belong to the plan's division.
    plan_divisions = dict(zip(tables.plans.column("plan_id").to_pylist(),
                              tables.plans.column("division_code").to_pylist(), strict=True))
    now = timezone.now()
    stored = {(f.rule, f.subject_type, f.subject_id): f
              for f in AuditFinding.objects.select_for_update().filter(division_code__gte=prefix.ljust(12, "0"),
                                                                   division_code__lte=prefix.ljust(12, "9"))}
    elsewhere = _stored_elsewhere([(r["rule"], r["subject_type"], r["subject_id"]) for r in found], stored)
    new, seen, changed, raised_again = [], [], [], 0
    counts = dict.fromkeys(CHECKS, 0)
    for row in found:
        counts[row["rule"]] = counts.get(row["rule"], 0) + 1
        if row["subject_type"] == AuditFinding.Subject.PLAN:
            row["division_code"] = plan_divisions.get(row["subject_id"].split(":")[0], row["division_code"])
        key = (row["rule"], row["subject_type"], row["subject_id"])
        finding = stored.pop(key, None) or elsewhere.get(key)
        if finding is None:
            new.append(AuditFinding(rule=row["rule"], subject_type=row["subject_type"], subject_id=row["subject_id"],
                                    last_seen_at=now, **_figures(row)))
            continue
        seen.append(finding.pk)
        figures = _figures(row)
        if finding.cleared_at is not None:
            raised_again += 1
        elif all(getattr(finding, name) == value for name, value in figures.items()):
            continue
        for name, value in figures.items():
            setattr(finding, name, value)
        finding.cleared_at = None
        changed.append(finding)
    AuditFinding.objects.bulk_create(new, batch_size=500)
    # Most findings are seen again unchanged: one UPDATE marks them seen, and only those
    # whose figures changed (or that come back) are written row by row.
    AuditFinding.objects.bulk_update(changed, [*FIGURES, "cleared_at"], batch_size=100)
    for start in range(0, len(seen), 500):
        AuditFinding.objects.filter(pk__in=seen[start:start + 500]).update(last_seen_at=now)
    gone = [f.pk for f in stored.values() if f.cleared_at is None]
    for start in range(0, len(gone), 500):
        AuditFinding.objects.filter(pk__in=gone[start:start + 500]).update(cleared_at=now)
    run = AuditRun.objects.create(division_code=county, trigger=trigger[:60], raised=len(new) + raised_again,
                                  still_open=len(seen) - raised_again, cleared=len(gone), counts=counts,
                                  run_by=user if user is not None and user.is_authenticated else None,
                                  seconds=round(time.perf_counter() - started, 3))
    audit_record(user=user, action="create", division_code=county, object_type="audit_run", object_id=str(run.pk),
                 detail={"trigger": run.trigger, "raised": run.raised, "cleared": run.cleared,
                         "open": len(found)})
    return run


def _stored_elsewhere(keys: list[tuple], stored: dict) -> dict:
    """Findings of subjects now in this county but stored under another division (a
    household that moved): they keep their one row and its decisions."""
    missing = [key for key in keys if key not in stored]
    rows: dict = {}
    for start in range(0, len(missing), 500):
        chunk = missing[start:start + 500]
        for finding in AuditFinding.objects.select_for_update().filter(subject_id__in={k[2] for k in chunk}):
            rows[(finding.rule, finding.subject_type, finding.subject_id)] = finding
    return rows


FIGURES = ("division_code", "project_id", "household_id", "evidence", "amount")


def _figures(row: dict) -> dict:
    """What a found row sets on its finding: figures, division and links."""
    evidence = row["evidence"]
    if isinstance(evidence, str):
        evidence = json.loads(evidence) if evidence else {}
    project_id = row.get("project_id")
    amount = row.get("amount_fen")
    return {"division_code": row["division_code"] or "",
            "project_id": int(project_id) if project_id not in (None, "") else None,
            "household_id": row.get("household_id") or None, "evidence": evidence,
            "amount": None if amount is None else (Decimal(amount) / 100).quantize(Decimal("0.01"))}


def audit_after_change(*, division_code: str, trigger: str) -> None:
    """Run the checks again for the county of `division_code` (inside the caller's
    transaction, so what it finds commits with the change), or, inside `audit_batch()`,
    once when the batch ends."""
    pending = getattr(_batch, "pending", None)
    if pending is not None:
        pending.setdefault(county_of(division_code), trigger)
        return
    audit_run(division_code=division_code, trigger=trigger)


@contextmanager
def audit_batch():
    """Defer every `audit_after_change` inside the block to one run per county at its end
    (the demo and imports write many rows). Nested blocks join the outermost one; a block
    left by an exception runs nothing (its writes roll back with it)."""
    outermost = getattr(_batch, "pending", None) is None
    if outermost:
        _batch.pending = {}
    try:
        yield
    except BaseException:
        if outermost:
            _batch.pending = None
        raise
    if outermost:
        pending, _batch.pending = _batch.pending, None
        for county, trigger in pending.items():
            audit_run(division_code=county, trigger=trigger)


# --------------------------------------------------------------------------- decisions


def _decidable(user, finding: AuditFinding) -> AuditFinding:
    if not user_may(user, FINDINGS_AUDIT):
        raise PermissionDenied("您的角色不能处理审计发现 / your role may not decide audit findings")
    if not scope.visible_to(user, AuditFinding.objects.filter(pk=finding.pk)).exists():
        raise PermissionDenied("该审计发现不在您的范围内 / this finding is outside your division")
    return finding


@transaction.atomic
def finding_confirm(*, user, finding: AuditFinding, on, note: str = ""):
    """The auditor agrees it is a problem (FINDING_WORKFLOW "confirm")."""
    _decidable(user, finding)
    step = transition_perform(obj=finding, step="confirm", user=user, effective_on=on, reason=note,
                              workflow=FINDING_WORKFLOW, changes={"decided_by": user, "decided_on": on})
    _decision_logged(user, finding, "confirm")
    return step


@transaction.atomic
def finding_explain(*, user, finding: AuditFinding, on, reason: str):
    """The finding is answered with a reason (FINDING_WORKFLOW "explain"; a reason is required)."""
    _decidable(user, finding)
    step = transition_perform(obj=finding, step="explain", user=user, effective_on=on, reason=reason,
                              workflow=FINDING_WORKFLOW,
                              changes={"decided_by": user, "decided_on": on, "reason": reason.strip()})
    _decision_logged(user, finding, "explain")
    return step


def _decision_logged(user, finding: AuditFinding, step: str) -> None:
    # Also a new data version for the lists' cached counts.
    audit_record(user=user, action="update", division_code=finding.division_code, object_type="audit_finding",
                 object_id=str(finding.pk), detail={"step": step, "state": finding.state})
