"""Insurance enrolment with a subsidy (参保资助): the basic medical scheme makes the member
insured through the registry's write path (the enrolment named in the history); other
schemes change nothing there; each carries out the member's insurance_enrol measure; the
sheet of enrolments is written whole or not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from neisheng.assistance.imports import activity_import
from neisheng.assistance.models import ActivityImport, InsuranceEnrolment
from neisheng.assistance.services.aid import INSURANCE_COLUMNS, insurance_apply, insurance_enrol
from neisheng.measures.models import AssignedMeasure
from neisheng.registry.models import Household, Person
from neisheng.registry.selectors.history import change_history

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def uninsured(places) -> Person:
    person = Person.objects.filter(household__village=places["village"], alive=True).order_by("person_id").first()
    Person.objects.filter(pk=person.pk).update(medical_insured=False)
    person.refresh_from_db()
    return person


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


def _enrol(user, person, **changes):
    values = {"scheme": "basic_medical", "year": TODAY.year, "enrolled_on": TODAY, "subsidy": Decimal(380)}
    values.update(changes)
    return insurance_enrol(user=user, person=person, **values)


def test_basic_medical_insurance_makes_the_member_insured_named_in_the_history(officer, uninsured):
    enrolment = _enrol(officer, uninsured)
    uninsured.refresh_from_db()
    assert uninsured.medical_insured is True
    household = Household.objects.get(pk=uninsured.household_id)
    change = next(c for c in change_history(household) if c.kind == "参保资助" and c.activity == enrolment.pk)
    assert any(label == "参加基本医疗保险" and new == "是" for label, _old, new in change.fields), change.fields
    measure = AssignedMeasure.objects.get(pk=enrolment.measure_id)
    assert (measure.person_id, measure.measure, measure.state) == (uninsured.person_id, "insurance_enrol", "done")


def test_another_scheme_changes_nothing_in_the_registry(officer, uninsured):
    _enrol(officer, uninsured, scheme="pension")
    uninsured.refresh_from_db()
    assert uninsured.medical_insured is False
    assert InsuranceEnrolment.objects.filter(person=uninsured, scheme="pension").exists()


def test_the_same_scheme_and_year_twice_is_refused(officer, uninsured):
    _enrol(officer, uninsured)
    with pytest.raises(ValidationError) as refused:
        _enrol(officer, uninsured, subsidy=Decimal(0))
    assert "year" in refused.value.message_dict
    _enrol(officer, uninsured, year=TODAY.year - 1)


def test_a_negative_subsidy_or_an_unknown_scheme_is_refused(officer, uninsured):
    for changes, field in (({"subsidy": Decimal(-1)}, "subsidy"), ({"scheme": "car"}, "scheme")):
        with pytest.raises(ValidationError) as refused:
            _enrol(officer, uninsured, **changes)
        assert field in refused.value.message_dict
    assert not InsuranceEnrolment.objects.exists()


def _import(user, lines):
    sheet = SimpleUploadedFile("insurance.csv", ("\n".join(lines) + "\n").encode("gb18030"), content_type="text/csv")
    return activity_import(user=user, kind="insurance", file=sheet, division_code=user.division_id,
                           columns=INSURANCE_COLUMNS, apply_rows=insurance_apply(user=user))


def test_a_sheet_of_enrolments_is_written_whole(officer, uninsured):
    result = _import(officer, [
        "证件号码,险种,参保年度,参保日期,资助金额",
        f"{uninsured.person_id},城乡居民基本医疗保险,{TODAY.year},{TODAY.isoformat()},380",
        f"{uninsured.person_id},大病保险,{TODAY.year},{TODAY.isoformat()},",
    ])
    assert result.outcome == ActivityImport.Outcome.APPLIED, result.problems
    assert Person.objects.get(pk=uninsured.pk).medical_insured is True
    assert InsuranceEnrolment.objects.get(person=uninsured, scheme="serious_illness").subsidy == 0


def test_a_sheet_with_a_bad_row_writes_nothing(officer, uninsured):
    result = _import(officer, [
        "证件号码,险种,参保年度,参保日期,资助金额",
        f"{uninsured.person_id},城乡居民基本医疗保险,{TODAY.year},{TODAY.isoformat()},380",
        f"{uninsured.person_id},城乡居民基本医疗保险,{TODAY.year},{TODAY.isoformat()},380",
        f"{uninsured.person_id},汽车保险,{TODAY.year},{TODAY.isoformat()},380",
    ])
    assert result.outcome == ActivityImport.Outcome.REFUSED
    assert {(p["row"], p["column"]) for p in result.problems} == {(3, "year"), (4, "scheme")}
    assert Person.objects.get(pk=uninsured.pk).medical_insured is False
    assert not InsuranceEnrolment.objects.exists()
