"""The audit's runs and findings (helper E): raised once per rule and subject, seen
again, cleared when no longer found and raised again, each in the subject's division;
runs after a change and in batches; the auditor's decisions and their history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.projects.audit import audit_tables, county_of
from neisheng.projects.models import (
    AuditFinding,
    AuditRun,
    DistributionPlan,
    Expenditure,
    Fund,
    Payment,
    Project,
    Revenue,
)
from neisheng.projects.services.audit import (
    audit_after_change,
    audit_batch,
    audit_run,
    finding_confirm,
    finding_explain,
)
from neisheng.projects.workflow import FINDING_WORKFLOW
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 30)


# --------------------------------------------------------------------------- made by hand


def household_in(village) -> Household:
    return Household.objects.filter(village=village).order_by("household_id").first()


def project_made(division_code: str, name: str = "光伏电站") -> Project:
    return Project.objects.create(division_code=division_code, name=name, kind=Project.Kind.PHOTOVOLTAIC)


def overspent_fund_made(project: Project, *, amount="100.00", spent="100.01") -> Fund:
    """A fund spent beyond what it holds, written straight to the database (the services
    refuse it): what an import from before the platform, or a hand edit, leaves behind."""
    fund = Fund.objects.create(project=project, source=Fund.Source.COUNTY, amount=Decimal(amount), received_on=DAY)
    Expenditure.objects.create(fund=fund, amount=Decimal(spent), spent_on=DAY, purpose="建设")
    return fund


def plan_made(project: Project, household: Household, *, division_code: str, total="7000.00",
              collective="2100.00", paid=("4899.99",)) -> DistributionPlan:
    revenue = Revenue.objects.create(project=project, year=2025, kind=Revenue.Kind.ELECTRICITY,
                                     amount=Decimal(total), received_on=DAY)
    plan = DistributionPlan.objects.create(
        project=project, revenue=revenue, division_code=division_code, title="2025年收益分配", plan_on=DAY,
        total=Decimal(total), collective_share=Decimal("0.3"), collective_amount=Decimal(collective),
        method=DistributionPlan.Method.PER_HOUSEHOLD, state=DistributionPlan.State.APPROVED,
        origin=DistributionPlan.Origin.IMPORTED)
    for amount in paid:
        Payment.objects.create(plan=plan, household=household, amount=Decimal(amount), state=Payment.State.PAID,
                               paid_on=DAY)
    return plan


def finding_of(rule: str, subject) -> AuditFinding:
    return AuditFinding.objects.get(rule=rule, subject_id=str(subject))


# --------------------------------------------------------------------------- the tables


def test_the_tables_hold_the_county_only(places):
    here = project_made(places["county"].code)
    there = project_made(places["other_county"].code)
    overspent_fund_made(here)
    overspent_fund_made(there)
    tables = audit_tables(places["village"].code)
    assert tables.funds.column("project_id").to_pylist() == [str(here.pk)]
    assert tables.funds.column("spent_fen").to_pylist() == [10001]
    assert tables.funds.column("amount_fen").to_pylist() == [10000]


# --------------------------------------------------------------------------- raised, seen, cleared, raised again


def test_a_finding_is_raised_seen_again_cleared_and_raised_again(places, make_user):
    auditor = make_user("auditor", places["county"])
    project = project_made(places["county"].code)
    fund = overspent_fund_made(project)

    first = audit_run(division_code=places["village"].code, trigger="test")
    finding = finding_of("overspent_fund", fund.pk)
    assert (finding.state, finding.subject_type, finding.division_code) == ("new", "fund", places["county"].code)
    assert finding.amount == Decimal("0.01") and finding.project == project
    assert finding.evidence == {"amount": "100.00", "spent": "100.01", "over": "0.01"}
    assert finding.cleared_at is None and finding.last_seen_at is not None
    assert (first.division_code, first.raised, first.still_open, first.cleared) == (
        county_of(places["county"].code), 1, 0, 0)
    assert first.counts["overspent_fund"] == 1 and first.counts["plan_sum"] == 0
    assert AuditEvent.objects.filter(object_type="audit_run", object_id=str(first.pk),
                                     division_code=first.division_code).exists()

    finding_confirm(user=auditor, finding=finding, on=timezone.localdate(), note="凭证核实")
    seen_before = finding.last_seen_at
    second = audit_run(division_code=places["county"].code, trigger="test")
    again = finding_of("overspent_fund", fund.pk)
    assert again.pk == finding.pk and again.last_seen_at > seen_before
    assert (second.raised, second.still_open, second.cleared) == (0, 1, 0)

    Expenditure.objects.filter(fund=fund).update(amount=Decimal("100.00"))
    third = audit_run(division_code=places["county"].code, trigger="test")
    cleared = finding_of("overspent_fund", fund.pk)
    assert cleared.cleared_at is not None and (third.raised, third.still_open, third.cleared) == (0, 0, 1)
    assert cleared.state == "confirmed", "a cleared finding keeps its decision"

    Expenditure.objects.filter(fund=fund).update(amount=Decimal("100.02"))
    fourth = audit_run(division_code=places["county"].code, trigger="test")
    back = finding_of("overspent_fund", fund.pk)
    assert back.pk == finding.pk and back.cleared_at is None and back.state == "confirmed"
    assert back.evidence["over"] == "0.02" and back.amount == Decimal("0.02")
    assert (fourth.raised, fourth.still_open, fourth.cleared) == (1, 0, 0)
    assert AuditFinding.objects.filter(rule="overspent_fund", subject_id=str(fund.pk)).count() == 1


def test_a_run_leaves_other_counties_findings_alone(places):
    there = overspent_fund_made(project_made(places["other_county"].code))
    audit_run(division_code=places["other_county"].code, trigger="test")
    Expenditure.objects.filter(fund=there).update(amount=Decimal("1.00"))
    audit_run(division_code=places["county"].code, trigger="test")
    assert finding_of("overspent_fund", there.pk).cleared_at is None


def test_each_finding_lies_in_its_subjects_division(places):
    """A plan's sum in the plan's division; a payment in the payee's village."""
    household = household_in(places["village"])
    project = project_made(places["county"].code)
    plan = plan_made(project, household, division_code=places["town"].code)
    audit_run(division_code=places["county"].code, trigger="test")

    plan_sum = finding_of("plan_sum", plan.pk)
    assert plan_sum.division_code == places["town"].code and plan_sum.amount == Decimal("-0.01")
    assert plan_sum.evidence == {"revenue": "7000.00", "payments": "4899.99", "collective": "2100.00",
                                 "difference": "-0.01", "payment_count": 1}
    payment = Payment.objects.get(plan=plan)
    not_beneficiary = finding_of("payee_not_beneficiary", payment.pk)
    assert not_beneficiary.division_code == household.village_id
    assert not_beneficiary.household_id == household.household_id and not_beneficiary.project == project


def test_a_household_paid_twice_in_a_plan_is_found_in_the_plans_division(places):
    household = household_in(places["village"])
    project = project_made(places["county"].code)
    plan = plan_made(project, household, division_code=places["town"].code, paid=("2450.00", "2450.00"))
    audit_run(division_code=places["county"].code, trigger="test")
    duplicate = finding_of("duplicate_payment", f"{plan.pk}:{household.household_id}")
    assert duplicate.division_code == places["town"].code and duplicate.amount == Decimal("4900.00")


# --------------------------------------------------------------------------- after a change, in batches


def test_a_change_through_the_services_runs_the_audit(places, make_user):
    """An overspent fund written straight to the database is found when the next change
    (here: money received through B's service) runs the checks; spending beyond a fund
    through the service is refused, not merely found."""
    from neisheng.projects.services.projects import expenditure_add, fund_add

    officer = make_user("county", places["county"])
    project = project_made(places["county"].code)
    fund = overspent_fund_made(project)
    assert not AuditFinding.objects.filter(rule="overspent_fund").exists()

    fund_add(user=officer, project=project, source=Fund.Source.CENTRAL, amount=Decimal("500.00"), received_on=DAY)
    assert finding_of("overspent_fund", fund.pk).state == "new"
    assert AuditRun.objects.filter(trigger__startswith="fund #").count() == 1

    honest = Fund.objects.create(project=project, source=Fund.Source.CITY, amount=Decimal("50.00"), received_on=DAY)
    with pytest.raises(ValidationError) as refused:
        expenditure_add(user=officer, fund=honest, amount=Decimal("50.01"), spent_on=DAY, purpose="设备")
    assert "amount" in refused.value.message_dict
    assert not Expenditure.objects.filter(fund=honest).exists()
    assert not AuditFinding.objects.filter(rule="overspent_fund", subject_id=str(honest.pk)).exists()


def test_a_batch_runs_once_per_county_at_its_end(places):
    overspent_fund_made(project_made(places["county"].code))
    before = AuditRun.objects.count()
    with audit_batch():
        audit_after_change(division_code=places["village"].code, trigger="a")
        with audit_batch():
            audit_after_change(division_code=places["town"].code, trigger="b")
            audit_after_change(division_code=places["other_village"].code, trigger="c")
        assert AuditRun.objects.count() == before, "nothing runs before the outermost block ends"
    runs = AuditRun.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert sorted(r.division_code for r in runs) == sorted({county_of(places["county"].code),
                                                            county_of(places["other_county"].code)})
    assert AuditFinding.objects.filter(rule="overspent_fund").count() == 1


def test_a_batch_left_by_an_error_runs_nothing(places):
    before = AuditRun.objects.count()
    with pytest.raises(RuntimeError), audit_batch():
        audit_after_change(division_code=places["village"].code, trigger="a")
        raise RuntimeError("rolled back")
    assert AuditRun.objects.count() == before
    audit_after_change(division_code=places["village"].code, trigger="after")
    assert AuditRun.objects.count() == before + 1, "the next change runs at once again"


# --------------------------------------------------------------------------- decisions


def _finding(places) -> AuditFinding:
    fund = overspent_fund_made(project_made(places["county"].code))
    audit_run(division_code=places["county"].code, trigger="test")
    return finding_of("overspent_fund", fund.pk)


def test_an_auditor_confirms_then_explains_with_the_history_kept(places, make_user):
    auditor = make_user("auditor", places["county"])
    finding = _finding(places)
    today = timezone.localdate()
    finding_confirm(user=auditor, finding=finding, on=today - dt.timedelta(days=1), note="与凭证不符")
    finding.refresh_from_db()
    assert (finding.state, finding.decided_by, finding.decided_on) == ("confirmed", auditor,
                                                                       today - dt.timedelta(days=1))
    with pytest.raises(TransitionRefused):
        finding_explain(user=auditor, finding=finding, on=today, reason="  ")
    finding_explain(user=auditor, finding=finding, on=today, reason="超支部分已由村集体补足")
    finding.refresh_from_db()
    assert (finding.state, finding.reason) == ("explained", "超支部分已由村集体补足")
    steps = list(history(finding, workflow=FINDING_WORKFLOW).order_by("pk").values_list("name", "reason",
                                                                                          "effective_on"))
    assert steps == [("confirm", "与凭证不符", today - dt.timedelta(days=1)),
                     ("explain", "超支部分已由村集体补足", today)]
    with pytest.raises(TransitionRefused):
        finding_confirm(user=auditor, finding=finding, on=today)


def test_only_auditors_of_the_division_decide(places, make_user):
    finding = _finding(places)
    with pytest.raises(PermissionDenied):
        finding_confirm(user=make_user("county", places["county"]), finding=finding, on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        finding_confirm(user=make_user("auditor", places["other_county"]), finding=finding, on=timezone.localdate())
    finding.refresh_from_db()
    assert finding.state == "new"
