"""Microloans (扶贫小额信贷): lending gives the household credit access through the
registry's write path (the loan named in its history) and carries out its microcredit
measure; repayments never exceed what is owed; a loan due today is not overdue; a sheet
of loans or repayments is written whole or not at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.assistance.imports import activity_import
from neisheng.assistance.models import ActivityImport, Microcredit, MicrocreditRepayment
from neisheng.assistance.services.credit import (
    LOAN_COLUMNS,
    REPAYMENT_COLUMNS,
    loan_record,
    loan_repayment_record,
    loan_standing,
    loans_apply,
    loans_visible_to,
    overdue_loans,
    repayments_apply,
)
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Household
from neisheng.registry.selectors.history import change_history

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def household(places) -> Household:
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    Household.objects.filter(pk=household.pk).update(credit_access=False)
    household.refresh_from_db()
    return household


@pytest.fixture
def officer(make_user, places):
    return make_user("village", places["village"])


def _lend(user, household, **changes):
    values = {"bank": "县农商银行", "amount": Decimal(50000), "lent_on": TODAY - dt.timedelta(days=400),
                  "due_on": TODAY - dt.timedelta(days=35)}
    values.update(changes)
    return loan_record(user=user, household=household, **values)


def test_a_loan_gives_credit_access_named_in_the_households_history(officer, household):
    loan = _lend(officer, household)
    household.refresh_from_db()
    assert household.credit_access is True
    change = next(c for c in change_history(household) if c.kind == "小额信贷" and c.activity == loan.pk)
    assert any(label == "获得小额信贷" and new == "是" for label, _old, new in change.fields), change.fields
    assert AuditEvent.objects.filter(object_type="microcredit", object_id=str(loan.pk),
                                     division_code=household.village_id).exists()


def test_a_loan_carries_out_the_households_microcredit_measure(officer, household):
    loan = _lend(officer, household)
    measure = AssignedMeasure.objects.get(pk=loan.measure_id)
    assert (measure.household_id, measure.person_id, measure.measure) == (household.pk, "", "microcredit")
    assert measure.state == AssignedMeasure.State.DONE


@pytest.mark.parametrize("changes, field", [
    ({"bank": " "}, "bank"),
    ({"amount": Decimal(0)}, "amount"),
    ({"amount": Decimal(-5)}, "amount"),
    ({"lent_on": TODAY + dt.timedelta(days=1), "due_on": TODAY + dt.timedelta(days=400)}, "lent_on"),
    ({"due_on": TODAY - dt.timedelta(days=400)}, "due_on"),
])
def test_a_loan_that_cannot_be_is_refused_and_nothing_changes(officer, household, changes, field):
    with pytest.raises(ValidationError) as refused:
        _lend(officer, household, **changes)
    assert field in refused.value.message_dict
    household.refresh_from_db()
    assert not household.credit_access and not Microcredit.objects.exists()


def test_the_same_banks_loan_on_the_same_day_is_refused_the_second_time(officer, household):
    _lend(officer, household)
    with pytest.raises(ValidationError) as refused:
        _lend(officer, household)
    assert "lent_on" in refused.value.message_dict


def test_only_roles_that_record_activities_lend_and_only_in_their_division(make_user, places, household):
    with pytest.raises(PermissionDenied):
        _lend(make_user("assistance", places["village"]), household)
    with pytest.raises(Http404):
        _lend(make_user("village", places["other_village"]), household)
    assert not Microcredit.objects.exists()


def test_a_repayment_never_takes_more_than_is_owed(officer, household):
    loan = _lend(officer, household, amount=Decimal(10000))
    loan_repayment_record(user=officer, loan=loan, paid_on=TODAY - dt.timedelta(days=100), amount=Decimal(6000))
    with pytest.raises(ValidationError) as refused:
        loan_repayment_record(user=officer, loan=loan, paid_on=TODAY, amount=Decimal("4000.01"))
    assert "4,000.00" in " ".join(refused.value.message_dict["amount"])
    loan_repayment_record(user=officer, loan=loan, paid_on=TODAY, amount=Decimal(4000))
    assert loan_standing(loan).outstanding == 0
    with pytest.raises(ValidationError):
        loan_repayment_record(user=officer, loan=loan, paid_on=TODAY, amount=Decimal(1))
    assert MicrocreditRepayment.objects.filter(loan=loan).count() == 2


def test_a_repayment_before_the_loan_or_in_the_future_is_refused(officer, household):
    loan = _lend(officer, household)
    for paid_on in (loan.lent_on - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            loan_repayment_record(user=officer, loan=loan, paid_on=paid_on, amount=Decimal(1))
        assert "paid_on" in refused.value.message_dict


def test_due_today_is_not_overdue_due_yesterday_is_and_repaid_never_is(officer, household):
    due_today = _lend(officer, household, bank="甲银行", due_on=TODAY)
    due_yesterday = _lend(officer, household, bank="乙银行", due_on=TODAY - dt.timedelta(days=1))
    repaid = _lend(officer, household, bank="丙银行", amount=Decimal(100))
    loan_repayment_record(user=officer, loan=repaid, paid_on=TODAY, amount=Decimal(100))
    overdue = set(overdue_loans(loans_visible_to(officer)).values_list("pk", flat=True))
    assert overdue == {due_yesterday.pk}
    assert not loan_standing(due_today).overdue
    assert loan_standing(due_yesterday).days_overdue == 1
    assert not loan_standing(repaid).overdue


# --------------------------------------------------------------------------- imports


def _sheet(name: str, lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def _import(user, kind, columns, apply, lines):
    return activity_import(user=user, kind=kind, file=_sheet(f"{kind}.csv", lines), division_code=user.division_id,
                           columns=columns, apply_rows=apply(user=user))


def test_a_sheet_of_loans_is_written_whole(officer, household, places):
    second = Household.objects.filter(village=places["village"]).order_by("household_id")[1]
    borrower = second.members.order_by("birth_date").first()
    lent = (TODAY - dt.timedelta(days=30)).isoformat()
    due = (TODAY + dt.timedelta(days=700)).isoformat()
    result = _import(officer, "microcredit", LOAN_COLUMNS, loans_apply, [
        "户编号,借款人证件号码,放贷银行,贷款金额,放款日期,到期日期",
        f"{household.household_id},,县农商银行,50000,{lent},{due}",
        f",{borrower.person_id},邮储银行,30000.50,{lent},{due}",
    ])
    assert result.outcome == ActivityImport.Outcome.APPLIED, result.problems
    assert result.rows_written == 2
    assert Microcredit.objects.get(household=second).amount == Decimal("30000.50")
    assert Household.objects.get(pk=second.pk).credit_access is True


def test_a_sheet_of_loans_with_one_bad_row_writes_nothing_and_names_each_bad_row(officer, household, places):
    stranger = Household.objects.filter(village=places["other_village"]).first()
    lent = (TODAY - dt.timedelta(days=30)).isoformat()
    due = (TODAY + dt.timedelta(days=700)).isoformat()
    result = _import(officer, "microcredit", LOAN_COLUMNS, loans_apply, [
        "户编号,放贷银行,贷款金额,放款日期,到期日期",
        f"{household.household_id},县农商银行,50000,{lent},{due}",
        f"{household.household_id},县农商银行,20000,{lent},{lent}",
        f"{stranger.household_id},县农商银行,20000,{lent},{due}",
        f",县农商银行,20000,{lent},{due}",
    ])
    assert result.outcome == ActivityImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in result.problems} == {
        (3, "due_on"), (4, "household_id"), (5, "household_id")}
    assert not Microcredit.objects.exists()
    assert Household.objects.get(pk=household.pk).credit_access is False
    assert not AssignedMeasure.objects.filter(household=household).exists()


def test_a_sheet_of_repayments_finds_each_loan_by_bank_borrower_and_date(officer, household):
    loan = _lend(officer, household, amount=Decimal(10000))
    member = household.members.order_by("birth_date").first()
    paid = (TODAY - dt.timedelta(days=10)).isoformat()
    refused = _import(officer, "microcredit", REPAYMENT_COLUMNS, repayments_apply, [
        "借款人证件号码,放贷银行,放款日期,还款日期,还款金额",
        f"{member.person_id},县农商银行,{loan.lent_on.isoformat()},{paid},6000",
        f"{member.person_id},县农商银行,{loan.lent_on.isoformat()},{paid},5000",
        f"{member.person_id},别的银行,{loan.lent_on.isoformat()},{paid},1",
    ])
    assert refused.outcome == ActivityImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in refused.problems} == {(3, "amount"), (4, "bank")}
    assert not MicrocreditRepayment.objects.exists()
    applied = _import(officer, "microcredit", REPAYMENT_COLUMNS, repayments_apply, [
        "户编号,放贷银行,放款日期,还款日期,还款金额",
        f"{household.household_id},县农商银行,{loan.lent_on.isoformat()},{paid},6000",
        f"{household.household_id},县农商银行,{loan.lent_on.isoformat()},{paid},4000",
    ])
    assert applied.outcome == ActivityImport.Outcome.APPLIED, applied.problems
    assert loan_standing(loan).outstanding == 0
