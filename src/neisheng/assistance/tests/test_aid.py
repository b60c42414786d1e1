"""Education aid (雨露计划 and others) per student and term: only for a member in school,
once per programme and term, carrying out the student's education_aid measure; and the
sheet of aid written whole or not at all."""

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
from neisheng.assistance.models import ActivityImport, EducationAid
from neisheng.assistance.services.aid import AID_COLUMNS, aid_apply, education_aid_record
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def member(places, *, in_school: bool, other: bool = False) -> Person:
    village = places["other_village" if other else "village"]
    people = Person.objects.filter(household__village=village, alive=True).order_by("person_id")
    people = people.exclude(schooling="not_in_school") if in_school else people.filter(schooling="not_in_school")
    return people.first()


@pytest.fixture
def student(places) -> Person:
    return member(places, in_school=True)


@pytest.fixture
def officer(make_user, places):
    return make_user("town", places["town"])


def _aid(user, person, **changes):
    values = {"program": "yulu", "year": TODAY.year, "term": "autumn", "amount": Decimal(1500), "school": "县职业教育中心",
                  "paid_on": TODAY}
    values.update(changes)
    return education_aid_record(user=user, person=person, **values)


def test_aid_to_a_student_is_recorded_and_carries_out_the_students_measure(officer, student):
    aid = _aid(officer, student)
    assert (aid.household_id, aid.person_id) == (student.household_id, student.person_id)
    measure = AssignedMeasure.objects.get(pk=aid.measure_id)
    assert (measure.person_id, measure.measure, measure.state) == (student.person_id, "education_aid", "done")
    assert AuditEvent.objects.filter(object_type="education_aid", object_id=str(aid.pk)).exists()


def test_each_term_once_per_programme_and_the_spring_term_besides(officer, student):
    _aid(officer, student)
    _aid(officer, student, term="spring")
    _aid(officer, student, program="grant")
    with pytest.raises(ValidationError) as refused:
        _aid(officer, student)
    assert "term" in refused.value.message_dict
    assert EducationAid.objects.filter(person=student).count() == 3


def test_someone_not_in_school_is_refused_with_the_reason(officer, places):
    with pytest.raises(ValidationError) as refused:
        _aid(officer, member(places, in_school=False))
    assert "非在校生" in " ".join(refused.value.message_dict["person"])
    assert not EducationAid.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"amount": Decimal(0)}, "amount"),
    ({"term": "summer"}, "term"),
    ({"program": "lottery"}, "program"),
    ({"year": 1990}, "year"),
    ({"paid_on": TODAY + dt.timedelta(days=2)}, "paid_on"),
])
def test_aid_that_cannot_be_is_refused(officer, student, changes, field):
    with pytest.raises(ValidationError) as refused:
        _aid(officer, student, **changes)
    assert field in refused.value.message_dict


def test_only_roles_that_record_activities_and_only_in_their_division(make_user, places, student):
    with pytest.raises(PermissionDenied):
        _aid(make_user("department", places["county"]), student)
    with pytest.raises(Http404):
        _aid(make_user("town", places["other_town"]), student)


def _import(user, lines):
    sheet = SimpleUploadedFile("aid.csv", ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")
    return activity_import(user=user, kind="education_aid", file=sheet, division_code=user.division_id,
                           columns=AID_COLUMNS, apply_rows=aid_apply(user=user))


def test_a_sheet_of_aid_is_written_whole(officer, student):
    result = _import(officer, [
        "证件号码,资助项目,学校,年度,学期,金额,发放日期",
        f"{student.person_id},雨露计划,县职业教育中心,{TODAY.year},春季学期,1500,{TODAY.isoformat()}",
        f"{student.person_id},yulu,县职业教育中心,{TODAY.year},autumn,1500,",
    ])
    assert result.outcome == ActivityImport.Outcome.APPLIED, result.problems
    assert sorted(EducationAid.objects.filter(person=student).values_list("term", flat=True)) == ["autumn", "spring"]


def test_a_sheet_with_bad_rows_writes_nothing_and_names_them(officer, student, places):
    idle = member(places, in_school=False)
    elsewhere = member(places, in_school=True, other=True)
    result = _import(officer, [
        "证件号码,姓名,资助项目,学校,年度,学期,金额,发放日期",
        f"{student.person_id},{student.name},雨露计划,县职业教育中心,{TODAY.year},春季学期,1500,",
        f"{idle.person_id},,雨露计划,县职业教育中心,{TODAY.year},春季学期,1500,",
        f"{elsewhere.person_id},,雨露计划,县职业教育中心,{TODAY.year},春季学期,1500,",
        f"{student.person_id},{student.name},雨露计划,县职业教育中心,{TODAY.year},春季学期,1500,",
        f"{student.person_id},别人,国家助学金,县职业教育中心,{TODAY.year},春季学期,1500,",
    ])
    assert result.outcome == ActivityImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in result.problems} == {
        (3, "id_number"), (4, "id_number"), (5, "term"), (6, "name")}
    assert not EducationAid.objects.exists()
    assert not AssignedMeasure.objects.filter(measure="education_aid").exists()
