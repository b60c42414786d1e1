"""An existing distribution plan from Excel (issue 14, item 2): a plan made before the
platform, kept exactly as the village recorded it, through the projects app's import
framework (all or nothing, every bad row named). Kept out of services.plans because the
import framework (projects.imports) calls the services, never the other way round."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.engine import dividends
from neisheng.platform.workflow import transition_record
from neisheng.projects.imports import (
    ImportColumn,
    ImportRefused,
    households_resolve,
    problem,
    projects_import,
)
from neisheng.projects.models import DistributionPlan, Payment, Project, Revenue
from neisheng.projects.services.plans import (
    WEIGHT_PLACES,
    Method,
    PlanState,
    as_decimal,
    may_plan,
    payment_pay,
    payments_logged,
    recorder_of,
)
from neisheng.projects.workflow import PLAN_WORKFLOW

# One row per payment, as the village recorded it.
PAYMENT_COLUMNS = [
    ImportColumn("household_id", "户编号", "text", max_length=20),
    ImportColumn("amount", "金额(元)", "decimal", minimum=Decimal(0), maximum=Decimal("999999999999.99")),
    ImportColumn("paid_on", "发放日期", "date", required=False),
    ImportColumn("voucher_no", "发放凭证号", "text", required=False, max_length=60),
]


def _import_checked(*, user, project: Project, revenue: Revenue, plan_on, collective_amount) -> Decimal:
    may_plan(user, project)
    problems: dict[str, list] = {}
    if revenue.project_id != project.pk:
        problems.setdefault("revenue", []).append(_("这笔收益不属于该项目。"))
    elif DistributionPlan.objects.filter(revenue=revenue).exclude(state=PlanState.REJECTED).exists():
        problems.setdefault("revenue", []).append(_("这笔收益已有分配方案(未通过的除外)。"))
    if plan_on is None or plan_on > timezone.localdate():
        problems.setdefault("plan_on", []).append(_("方案日期不能晚于今天。"))
    collective = as_decimal(collective_amount)
    if collective is None or not collective.is_finite() or collective < 0 or collective != collective.quantize(
            dividends.FEN) or (revenue.project_id == project.pk and collective > revenue.amount):
        problems.setdefault("collective_amount", []).append(_("村集体金额应在 0 到收益金额之间,精确到分。"))
    if problems:
        raise ValidationError(problems)
    return collective


def plan_import(*, user, project: Project, revenue: Revenue, plan_on: dt.date, collective_amount, file,
                title: str = "", note: str = "", request=None):
    """A plan made before the platform, kept exactly as the village recorded it (origin
    imported, approved): one payment per row, duplicates and households that were not
    beneficiaries included, so the audit finds them; a row with a paid date is paid and
    written to the ledger like any payment. All or nothing (projects_import): a row's
    problem (a household outside the user's scope, a date in the future) refuses the file,
    naming the row. Returns the ProjectsImport, with `.plan` the plan when applied."""
    collective = _import_checked(user=user, project=project, revenue=revenue, plan_on=plan_on,
                                 collective_amount=collective_amount)
    by_name = {c.name: c for c in PAYMENT_COLUMNS}
    made: dict[str, DistributionPlan] = {}

    def apply_rows(rows: list[dict]) -> list:
        households, problems = households_resolve(user=user, rows=rows, column=by_name["household_id"], once=False)
        for row in rows:
            if row.get("paid_on") and row["paid_on"] > timezone.localdate():
                problems.append(problem(row["row"], by_name["paid_on"], row["paid_on"], "发放日期不能晚于今天",
                                        "the payment date is in the future"))
            elif row.get("paid_on") and row["paid_on"] < plan_on:
                problems.append(problem(row["row"], by_name["paid_on"], row["paid_on"], "发放日期早于方案日期",
                                        "the payment date is before the plan's date"))
        if problems:
            raise ImportRefused(problems)
        share = (collective / revenue.amount).quantize(WEIGHT_PLACES) if revenue.amount else Decimal(0)
        plan = DistributionPlan.objects.create(
            project=project, revenue=revenue, division_code=project.division_code,
            title=(title or "").strip()[:120] or f"{project.name} {revenue.year}", plan_on=plan_on,
            total=revenue.amount, collective_share=min(share, Decimal(1)), collective_amount=collective,
            method=Method.WEIGHTED, state=PlanState.APPROVED, origin=DistributionPlan.Origin.IMPORTED,
            note=(note or "").strip(), created_by=recorder_of(user))
        transition_record(obj=plan, workflow=PLAN_WORKFLOW, name="import", from_state="", user=user,
                          effective_on=plan_on, reason=plan.title)
        payments = Payment.objects.bulk_create([
            Payment(plan=plan, household=households[row["row"]], amount=row["amount"]) for row in rows])
        payments_logged(payments, user=user, name="import", on=plan_on, reason=plan.title)
        for row, payment in zip(rows, payments, strict=True):
            if row.get("paid_on"):
                payment_pay(user=user, payment=payment, paid_on=row["paid_on"], voucher_no=row.get("voucher_no") or "",
                            request=request)
        made["plan"] = plan
        return []

    record = projects_import(user=user, kind="payments", file=file, division_code=project.division_code,
                             columns=PAYMENT_COLUMNS, apply_rows=apply_rows, project=project, request=request)
    record.plan = made.get("plan") if record.outcome == record.Outcome.APPLIED else None
    return record
