"""The one write path of microloans (扶贫小额信贷) and their repayments.

A loan lent carries out the household's `microcredit` measure (found or created, and
done: the measure is access to credit, which the loan is) and gives the household
`credit_access` through the registry's one write path, the loan named as the reason
("小额信贷 #<id>", the platform's data language). A repayment never takes more than is
still owed; whether a loan is overdue is engine.credit's rule, never stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.imports import (
    ImportColumn,
    RowProblem,
    households_resolve,
    persons_resolve,
    problem,
)
from neisheng.assistance.models import Microcredit, MicrocreditRepayment
from neisheng.engine import credit as rules
from neisheng.measures import services as measures
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Household
from neisheng.registry.services import household_update_many

LOAN_REASON = "小额信贷 #{pk}"
MAX_AMOUNT = Decimal("9999999999.99")  # the column's 12 digits, 2 after the point
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _household_in_scope(user, household: Household) -> None:
    if not scope.visible_to(user, Household).filter(pk=household.pk).exists():
        raise Http404


def refused(message, **params) -> ValidationError:
    """A refusal whose words are rendered when read, so an import can name it in both
    languages and a page in its own."""
    return ValidationError(message, params=params or None)


def amount_problem(amount) -> ValidationError | None:
    """Why an amount of money cannot be recorded, or None."""
    if amount is None:
        return refused(_("请填写金额。"))
    if amount <= 0:
        return refused(_("金额必须大于零。"))
    if amount > MAX_AMOUNT or Decimal(amount).as_tuple().exponent < -2:
        return refused(_("金额超出范围或多于两位小数。"))
    return None


def date_problem(on, *, what) -> ValidationError | None:
    if on is None:
        return refused(_("请填写%(what)s。"), what=what)
    if on > timezone.localdate():
        # An activity records what happened; what is planned belongs to the measure.
        return refused(_("%(what)s不能晚于今天。"), what=what)
    return None


@transaction.atomic
def loan_record(*, user, household: Household, bank: str, amount: Decimal, lent_on: dt.date, due_on: dt.date,
                note: str = "", request=None) -> Microcredit:
    """A loan lent to the household. Refused: a role without activities.record (403), a
    household outside the user's division (404), no bank, an amount not above zero, a
    lending date in the future, a due date not after the lending date, a loan of the same
    bank to the household on the same day already recorded (ValidationError, named by
    field)."""
    require(user, ACTIVITIES_RECORD)
    _household_in_scope(user, household)
    bank = (bank or "").strip()
    problems: dict[str, list] = {}
    if not bank:
        problems["bank"] = [refused(_("请填写放贷银行。"))]
    if (why := amount_problem(amount)) is not None:
        problems["amount"] = [why]
    if (why := date_problem(lent_on, what=_("放款日期"))) is not None:
        problems["lent_on"] = [why]
    if due_on is None:
        problems["due_on"] = [refused(_("请填写到期日期。"))]
    elif lent_on is not None and due_on <= lent_on:
        problems["due_on"] = [refused(_("到期日期必须晚于放款日期。"))]
    if not problems and Microcredit.objects.filter(household=household, bank=bank, lent_on=lent_on).exists():
        # A repayment names its loan by bank, borrower and lending date: they must be one loan.
        problems["lent_on"] = [refused(_("该户这一天已登记过这家银行的贷款。"))]
    if problems:
        raise ValidationError(problems)
    loan = Microcredit.objects.create(
        household=household, bank=bank, amount=amount, lent_on=lent_on, due_on=due_on, note=(note or "").strip(),
        recorded_by=user if getattr(user, "is_authenticated", False) else None)
    reason = LOAN_REASON.format(pk=loan.pk)
    loan.measure = measures.measure_carried_out(
        user=user, household=household, person_id="", measure="microcredit", on=lent_on, responsible=bank,
        done=True, outcome=f"{bank}放贷 {amount} 元,{due_on.isoformat()} 到期", why=reason)
    loan.save(update_fields=["measure"])
    household_update_many(user=user, changes=[(household, {"credit_access": True})], change_reason=reason)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="microcredit",
                 object_id=str(loan.pk),
                 detail={"household": household.household_id, "bank": bank, "amount": str(amount),
                         "lent_on": lent_on.isoformat(), "due_on": due_on.isoformat()},
                 request=request)
    return loan


@transaction.atomic
def loan_repayment_record(*, user, loan: Microcredit, paid_on: dt.date, amount: Decimal,
                          request=None) -> MicrocreditRepayment:
    """A repayment of the loan. Refused: as a loan, and an amount above what is still
    owed, a date before the loan was lent or in the future (ValidationError)."""
    require(user, ACTIVITIES_RECORD)
    if not scope.visible_to(user, Microcredit).filter(pk=loan.pk).exists():
        raise Http404
    # Locked, so two repayments typed at once cannot together take more than is owed.
    loan = Microcredit.objects.select_for_update().get(pk=loan.pk)
    owed = rules.outstanding(loan.amount, loan.repayments.values_list("amount", flat=True))
    problems: dict[str, list] = {}
    if (why := amount_problem(amount)) is not None:
        problems["amount"] = [why]
    elif amount > owed:
        problems["amount"] = [refused(_("还款金额超过未还金额 %(owed)s 元。"), owed=f"{owed:,.2f}")]
    if (why := date_problem(paid_on, what=_("还款日期"))) is not None:
        problems["paid_on"] = [why]
    elif paid_on < loan.lent_on:
        problems["paid_on"] = [refused(_("还款日期不能早于放款日期。"))]
    if problems:
        raise ValidationError(problems)
    repayment = MicrocreditRepayment.objects.create(
        loan=loan, paid_on=paid_on, amount=amount,
        recorded_by=user if getattr(user, "is_authenticated", False) else None)
    audit_record(user=user, action="create", division_code=loan.household.village_id,
                 object_type="microcredit_repayment", object_id=str(repayment.pk),
                 detail={"household": loan.household_id, "loan": loan.pk, "amount": str(amount),
                         "paid_on": paid_on.isoformat(), "outstanding": str(owed - amount)},
                 request=request)
    return repayment


# --------------------------------------------------------------------------- reading


def loans_visible_to(user) -> QuerySet[Microcredit]:
    return scope.visible_to(user, Microcredit)


def with_outstanding(loans: QuerySet[Microcredit]) -> QuerySet[Microcredit]:
    """Each loan with `repaid` and `outstanding` (engine.credit.outstanding in SQL; one
    subquery, so a page of loans is one query)."""
    repaid = (MicrocreditRepayment.objects.filter(loan=OuterRef("pk")).order_by().values("loan")
              .annotate(total=Sum("amount")).values("total"))
    return loans.annotate(repaid=Coalesce(Subquery(repaid, output_field=MONEY), Value(Decimal(0)),
                                          output_field=MONEY)
                          ).annotate(outstanding=F("amount") - F("repaid"))


def overdue_loans(loans: QuerySet[Microcredit], today: dt.date | None = None) -> QuerySet[Microcredit]:
    """engine.credit.is_overdue in SQL: due before today and something still owed."""
    today = today or timezone.localdate()
    return with_outstanding(loans).filter(Q(due_on__lt=today) & Q(outstanding__gt=0))


def loan_standing(loan: Microcredit, today: dt.date | None = None) -> rules.LoanStanding:
    repaid = getattr(loan, "repaid", None)
    repayments = [repaid] if repaid is not None else loan.repayments.values_list("amount", flat=True)
    return rules.loan_standing(amount=loan.amount, repayments=repayments, due_on=loan.due_on,
                               today=today or timezone.localdate())


# --------------------------------------------------------------------------- imports
#
# A bank's list of loans and of repayments, all or nothing (assistance.imports): each row
# goes through loan_record or loan_repayment_record, so a sheet is refused for exactly
# what a page would refuse, every bad row named.

HOUSEHOLD = ImportColumn("household_id", "户编号", "text", required=False, max_length=20)
BORROWER = ImportColumn("borrower_id_number", "借款人证件号码", "id_number", required=False)
BORROWER_NAME = ImportColumn("borrower_name", "借款人姓名", "text", required=False, max_length=64)
BANK = ImportColumn("bank", "放贷银行", "text", max_length=100)
LOAN_COLUMNS = [
    HOUSEHOLD, BORROWER, BORROWER_NAME, BANK,
    ImportColumn("amount", "贷款金额", "decimal", minimum=Decimal("0.01"), maximum=MAX_AMOUNT),
    ImportColumn("lent_on", "放款日期", "date"),
    ImportColumn("due_on", "到期日期", "date"),
]
REPAYMENT_COLUMNS = [
    HOUSEHOLD, BORROWER, BORROWER_NAME, BANK,
    ImportColumn("lent_on", "放款日期", "date"),
    ImportColumn("paid_on", "还款日期", "date"),
    ImportColumn("amount", "还款金额", "decimal", minimum=Decimal("0.01"), maximum=MAX_AMOUNT),
]


def row_problems(error: ValidationError, row: dict, columns: list[ImportColumn],
                 fields: dict[str, str] | None = None) -> list[RowProblem]:
    """A service's refusal as the row's problems, in both languages, each under the
    column of the field it names (`fields` maps a service's field to a column name)."""
    by_name = {c.name: c for c in columns}
    found = []
    for field, errors in error.error_dict.items():
        column = by_name.get((fields or {}).get(field, field))
        for each in errors:
            with translation.override("zh-hans"):
                zh = ";".join(each)
            with translation.override("en"):
                en = "; ".join(each)
            value = row.get(column.name) if column is not None else ""
            found.append(problem(row["row"], column if column is not None else field, value, zh, en))
    return found


def _households_of_rows(*, user, rows: list[dict]) -> tuple[dict[int, Household], list[RowProblem]]:
    """Each row's household, by its number or its borrower's ID number (both: they must
    agree), within the user's scope."""
    households, problems = households_resolve(user=user, rows=rows, column=HOUSEHOLD, once=False)
    borrowers, more = persons_resolve(user=user, rows=rows, id_column=BORROWER, name_column=BORROWER_NAME,
                                      once=False)
    problems += more
    unresolved = {p.row for p in problems}
    found: dict[int, Household] = {}
    for row in rows:
        number = row["row"]
        if number in unresolved:
            continue
        household, borrower = households.get(number), borrowers.get(number)
        if household is None and borrower is None:
            problems.append(problem(number, HOUSEHOLD, "", "请填写户编号或借款人证件号码",
                                    "give the household number or the borrower's ID number"))
        elif household is not None and borrower is not None and borrower.household_id != household.pk:
            problems.append(problem(number, BORROWER, row[BORROWER.name], "借款人不是这一户的成员",
                                    "the borrower is not a member of this household"))
        else:
            found[number] = household if household is not None else borrower.household
    return found, problems


def loans_apply(*, user, request=None):
    """apply_rows for a sheet of loans."""
    def apply(rows: list[dict]) -> list[RowProblem]:
        households, problems = _households_of_rows(user=user, rows=rows)
        for row in rows:
            household = households.get(row["row"])
            if household is None:
                continue
            try:
                loan_record(user=user, household=household, bank=row["bank"], amount=row["amount"],
                            lent_on=row["lent_on"], due_on=row["due_on"], request=request)
            except ValidationError as error:
                problems += row_problems(error, row, LOAN_COLUMNS)
        return problems

    return apply


def repayments_apply(*, user, request=None):
    """apply_rows for a sheet of repayments: each names its loan by the household (or
    borrower), the bank and the lending date."""
    def apply(rows: list[dict]) -> list[RowProblem]:
        households, problems = _households_of_rows(user=user, rows=rows)
        for row in rows:
            household = households.get(row["row"])
            if household is None:
                continue
            loan = Microcredit.objects.filter(household=household, bank=row["bank"], lent_on=row["lent_on"]).first()
            if loan is None:
                problems.append(problem(row["row"], BANK, row["bank"], "找不到这笔贷款(该户在这一放款日期没有这家银行的贷款)",
                                        "no such loan: the household has no loan of this bank lent on this date"))
                continue
            try:
                loan_repayment_record(user=user, loan=loan, paid_on=row["paid_on"], amount=row["amount"],
                                      request=request)
            except ValidationError as error:
                problems += row_problems(error, row, REPAYMENT_COLUMNS)
        return problems

    return apply
