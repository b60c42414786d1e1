"""The one write path of education aid (雨露计划 and others, per student and term) and of
insurance enrolment with a subsidy (参保资助).

Education aid is for a member in school (schooling other than 非在校生), once per
programme, year and term; it carries out the student's `education_aid` measure (done) and
changes nothing in the registry, which has no field for it. An enrolment carries out the
member's `insurance_enrol` measure (done); in the basic medical scheme it gives the member
`medical_insured` through the registry's one write path, the enrolment named as the
reason ("参保资助 #<id>")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ACTIVITIES_RECORD
from neisheng.accounts.services import audit_record
from neisheng.assistance.imports import ImportColumn, RowProblem, persons_resolve
from neisheng.assistance.models import EducationAid, InsuranceEnrolment
from neisheng.assistance.services.credit import (
    MAX_AMOUNT,
    amount_problem,
    date_problem,
    refused,
    row_problems,
)
from neisheng.measures import services as measures
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Person
from neisheng.registry.services import person_update_many

ENROLMENT_REASON = "参保资助 #{pk}"
NOT_IN_SCHOOL = "not_in_school"
# Years an activity may name: the registry's own range of survey years.
FIRST_YEAR = 2000


def _member_in_scope(user, person: Person) -> Person:
    """The member, read again within the user's scope (404 outside it, as if absent)."""
    found = scope.visible_to(user, Person.objects.select_related("household")).filter(pk=person.pk).first()
    if found is None:
        raise Http404
    return found


def _year_problem(year) -> ValidationError | None:
    if year is None:
        return refused(_("请填写年度。"))
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        return refused(_("年度应在 %(first)s 年到 %(last)s 年之间。"), first=FIRST_YEAR,
                       last=timezone.localdate().year + 1)
    return None


@transaction.atomic
def education_aid_record(*, user, person: Person, program: str, year: int, term: str, amount: Decimal,
                         school: str = "", paid_on: dt.date | None = None, note: str = "",
                         request=None) -> EducationAid:
    """Aid paid to a student for one term. Refused: a role without activities.record
    (403), a member outside the user's division (404); someone not living or not in
    school, a programme or term not on the list, the same programme and term recorded
    before, an amount not above zero, a payment date in the future (ValidationError,
    named by field)."""
    require(user, ACTIVITIES_RECORD)
    person = _member_in_scope(user, person)
    problems: dict[str, list] = {}
    if not person.alive:
        problems["person"] = [refused(_("此人已故,不能登记资助。"))]
    elif person.schooling == NOT_IN_SCHOOL:
        problems["person"] = [refused(_("此人不是在校生(在校生状况为非在校生),不能登记教育资助。"))]
    if program not in EducationAid.Program.values:
        problems["program"] = [refused(_("没有这个资助项目。"))]
    if term not in EducationAid.Term.values:
        problems["term"] = [refused(_("学期只能是春季学期或秋季学期。"))]
    if (why := _year_problem(year)) is not None:
        problems["year"] = [why]
    if (why := amount_problem(amount)) is not None:
        problems["amount"] = [why]
    if paid_on is not None and (why := date_problem(paid_on, what=_("发放日期"))) is not None:
        problems["paid_on"] = [why]
    if not problems and EducationAid.objects.filter(person=person, program=program, year=year, term=term).exists():
        problems["term"] = [refused(_("该生本年度本学期已登记过这项资助。"))]
    if problems:
        raise ValidationError(problems)
    household = person.household
    aid = EducationAid.objects.create(
        household=household, person=person, program=program, school=(school or "").strip(), year=year, term=term,
        amount=amount, paid_on=paid_on, note=(note or "").strip(),
        recorded_by=user if getattr(user, "is_authenticated", False) else None)
    program_name = EducationAid.Program(program).label
    with_labels = f"{_zh(program_name)} {year} {_zh(EducationAid.Term(term).label)}"
    aid.measure = measures.measure_carried_out(
        user=user, household=household, person_id=person.person_id, measure="education_aid",
        on=paid_on or timezone.localdate(), responsible=_zh(program_name), done=True,
        outcome=f"{with_labels} 资助 {amount} 元", why=f"教育资助 #{aid.pk}")
    aid.save(update_fields=["measure"])
    audit_record(user=user, action="create", division_code=household.village_id, object_type="education_aid",
                 object_id=str(aid.pk),
                 detail={"household": household.household_id, "person": person.key, "program": program,
                         "year": year, "term": term, "amount": str(amount)},
                 request=request)
    return aid


@transaction.atomic
def insurance_enrol(*, user, person: Person, scheme: str, year: int, enrolled_on: dt.date,
                    subsidy: Decimal = Decimal(0), note: str = "", request=None) -> InsuranceEnrolment:
    """A member enrolled in a scheme for a year, with the subsidy paid for it (zero when
    none). Refused as education aid, and: the same scheme and year recorded before, a
    negative subsidy, an enrolment date in the future."""
    require(user, ACTIVITIES_RECORD)
    person = _member_in_scope(user, person)
    problems: dict[str, list] = {}
    if not person.alive:
        problems["person"] = [refused(_("此人已故,不能登记参保。"))]
    if scheme not in InsuranceEnrolment.Scheme.values:
        problems["scheme"] = [refused(_("没有这个险种。"))]
    if (why := _year_problem(year)) is not None:
        problems["year"] = [why]
    if (why := date_problem(enrolled_on, what=_("参保日期"))) is not None:
        problems["enrolled_on"] = [why]
    subsidy = Decimal(0) if subsidy is None else subsidy
    if subsidy < 0 or subsidy > MAX_AMOUNT:
        problems["subsidy"] = [refused(_("资助金额不能小于零。"))]
    if not problems and InsuranceEnrolment.objects.filter(person=person, scheme=scheme, year=year).exists():
        problems["year"] = [refused(_("此人这一年度已登记过这个险种。"))]
    if problems:
        raise ValidationError(problems)
    household = person.household
    enrolment = InsuranceEnrolment.objects.create(
        household=household, person=person, scheme=scheme, year=year, enrolled_on=enrolled_on, subsidy=subsidy,
        note=(note or "").strip(), recorded_by=user if getattr(user, "is_authenticated", False) else None)
    reason = ENROLMENT_REASON.format(pk=enrolment.pk)
    scheme_name = _zh(InsuranceEnrolment.Scheme(scheme).label)
    enrolment.measure = measures.measure_carried_out(
        user=user, household=household, person_id=person.person_id, measure="insurance_enrol", on=enrolled_on,
        responsible=scheme_name, done=True, outcome=f"参加{scheme_name}({year} 年度),资助 {subsidy} 元", why=reason)
    enrolment.save(update_fields=["measure"])
    if scheme == InsuranceEnrolment.Scheme.BASIC_MEDICAL:
        person_update_many(user=user, changes=[(person, {"medical_insured": True})], change_reason=reason)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="insurance_enrolment",
                 object_id=str(enrolment.pk),
                 detail={"household": household.household_id, "person": person.key, "scheme": scheme, "year": year,
                         "subsidy": str(subsidy)},
                 request=request)
    return enrolment


def _zh(label) -> str:
    """A choice's Chinese words: what the services write into measures and history is
    data, in the platform's data language, whatever the user's page language."""
    with translation.override("zh-hans"):
        return str(label)


def aid_visible_to(user):
    return scope.visible_to(user, EducationAid)


def enrolments_visible_to(user):
    return scope.visible_to(user, InsuranceEnrolment)


# --------------------------------------------------------------------------- imports
#
# A school's or the insurance office's list, all or nothing (assistance.imports): each
# row through education_aid_record or insurance_enrol, every bad row named.

MEMBER = ImportColumn("id_number", "证件号码", "id_number")
MEMBER_NAME = ImportColumn("name", "姓名", "text", required=False, max_length=64)
AID_COLUMNS = [
    MEMBER, MEMBER_NAME,
    ImportColumn("program", "资助项目", "choice", choices=EducationAid.Program.choices),
    ImportColumn("school", "学校", "text", required=False, max_length=100),
    ImportColumn("year", "年度", "int", minimum=FIRST_YEAR, maximum=2100),
    ImportColumn("term", "学期", "choice", choices=EducationAid.Term.choices),
    ImportColumn("amount", "金额", "decimal", minimum=Decimal("0.01"), maximum=MAX_AMOUNT),
    ImportColumn("paid_on", "发放日期", "date", required=False),
]
INSURANCE_COLUMNS = [
    MEMBER, MEMBER_NAME,
    ImportColumn("scheme", "险种", "choice", choices=InsuranceEnrolment.Scheme.choices),
    ImportColumn("year", "参保年度", "int", minimum=FIRST_YEAR, maximum=2100),
    ImportColumn("enrolled_on", "参保日期", "date"),
    ImportColumn("subsidy", "资助金额", "decimal", required=False, minimum=Decimal(0), maximum=MAX_AMOUNT),
]
# A service's field → the column that holds it.
_PERSON_FIELD = {"person": MEMBER.name}


def aid_apply(*, user, request=None):
    """apply_rows for a sheet of education aid (a student may have several rows: one per
    programme and term; the same programme and term twice is refused by the service)."""
    def apply(rows: list[dict]) -> list[RowProblem]:
        persons, problems = persons_resolve(user=user, rows=rows, id_column=MEMBER, name_column=MEMBER_NAME,
                                            once=False)
        for row in rows:
            person = persons.get(row["row"])
            if person is None:
                continue
            try:
                education_aid_record(user=user, person=person, program=row["program"], year=row["year"],
                                     term=row["term"], amount=row["amount"], school=row.get("school") or "",
                                     paid_on=row.get("paid_on"), request=request)
            except ValidationError as error:
                problems += row_problems(error, row, AID_COLUMNS, _PERSON_FIELD)
        return problems

    return apply


def insurance_apply(*, user, request=None):
    """apply_rows for a sheet of enrolments."""
    def apply(rows: list[dict]) -> list[RowProblem]:
        persons, problems = persons_resolve(user=user, rows=rows, id_column=MEMBER, name_column=MEMBER_NAME,
                                            once=False)
        for row in rows:
            person = persons.get(row["row"])
            if person is None:
                continue
            try:
                insurance_enrol(user=user, person=person, scheme=row["scheme"], year=row["year"],
                                enrolled_on=row["enrolled_on"], subsidy=row.get("subsidy"), request=request)
            except ValidationError as error:
                problems += row_problems(error, row, INSURANCE_COLUMNS, _PERSON_FIELD)
        return problems

    return apply
