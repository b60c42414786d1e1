"""The pages and API of microloans, education aid and insurance: what an officer sees and
does there (a loan's standing and repayments, recording from the forms, an import that
refuses a bad sheet whole), refusals next to their field, and the API's answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from neisheng.assistance.models import ActivityImport, EducationAid, InsuranceEnrolment, Microcredit
from neisheng.assistance.services.credit import loan_record, loan_repayment_record
from neisheng.registry.models import Household, Person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def officer(client, make_user, places):
    user = make_user("village", places["village"])
    client.force_login(user)
    return user


def _lend(user, household, **changes):
    values = {"bank": "县农商银行", "amount": Decimal(20000), "lent_on": TODAY - dt.timedelta(days=400),
              "due_on": TODAY - dt.timedelta(days=12)}
    values.update(changes)
    return loan_record(user=user, household=household, **values)


def test_the_list_shows_an_overdue_loan_by_its_days_and_the_filter_finds_only_those(client, officer, household):
    overdue = _lend(officer, household)
    due_today = _lend(officer, household, bank="邮储银行", due_on=TODAY)
    page = client.get("/assistance/credit/?standing=overdue").content.decode()
    assert f'data-loan="{overdue.pk}"' in page and f'data-loan="{due_today.pk}"' not in page
    assert "逾期 12 天" in page
    everything = client.get("/assistance/credit/").content.decode()
    assert f'data-loan="{due_today.pk}"' in everything and "未到期" in everything


def test_a_loans_page_shows_its_repayments_and_what_is_still_owed(client, officer, household):
    loan = _lend(officer, household)
    loan_repayment_record(user=officer, loan=loan, paid_on=TODAY - dt.timedelta(days=30), amount=Decimal(5000))
    page = client.get(f"/assistance/credit/{loan.pk}/").content.decode()
    assert 'id="loan-overdue"' in page and "15,000" in page and "5,000" in page
    assert 'id="loan-repay"' in page


def test_recording_a_loan_and_a_repayment_from_the_forms(client, officer, household):
    answer = client.post(f"/assistance/credit/new/?household={household.household_id}", {
        "bank": "县农商银行", "amount": "30000", "lent_on": (TODAY - dt.timedelta(days=5)).isoformat(),
        "due_on": (TODAY + dt.timedelta(days=360)).isoformat()})
    loan = Microcredit.objects.get(household=household)
    assert answer.status_code == 302 and answer["Location"] == f"/assistance/credit/{loan.pk}/"
    assert Household.objects.get(pk=household.pk).credit_access is True
    too_much = client.post(f"/assistance/credit/{loan.pk}/repay/", {"paid_on": TODAY.isoformat(), "amount": "30001"})
    assert too_much.status_code == 400 and "30000" in too_much.content.decode().replace(",", "")
    paid = client.post(f"/assistance/credit/{loan.pk}/repay/", {"paid_on": TODAY.isoformat(), "amount": "30000"})
    assert paid.status_code == 302
    assert "已还清" in client.get(f"/assistance/credit/{loan.pk}/").content.decode()


def test_a_refused_loan_names_the_field_in_the_pages_language(client, officer, household):
    client.cookies.load({"django_language": "en"})
    answer = client.post(f"/assistance/credit/new/?household={household.household_id}", {
        "bank": "Bank", "amount": "100", "lent_on": TODAY.isoformat(), "due_on": TODAY.isoformat()})
    assert "The due date must be after the lending date." in answer.content.decode()
    assert not Microcredit.objects.exists()


def test_aid_for_a_member_chosen_from_the_household_and_the_students_terms(client, officer, places):
    student = Person.objects.filter(household__village=places["village"], alive=True).exclude(
        schooling="not_in_school").order_by("person_id").first()
    url = f"/assistance/aid/new/?household={student.household_id}"
    for term in ("spring", "autumn"):
        answer = client.post(url, {"person": student.person_id, "program": "yulu", "year": TODAY.year, "term": term,
                                   "amount": "1500", "school": "县职业教育中心"})
        assert answer.status_code == 302, answer.content.decode()[:2000]
    again = client.post(url, {"person": student.person_id, "program": "yulu", "year": TODAY.year, "term": "spring",
                              "amount": "1500"})
    assert again.status_code == 400 and "已登记过这项资助" in again.content.decode()
    latest = EducationAid.objects.filter(person=student).order_by("pk").last()
    page = client.get(f"/assistance/aid/{latest.pk}/").content.decode()
    assert page.count('data-aid="') == 2 and "3,000" in page


def test_an_insurance_import_with_a_bad_row_leads_to_its_refusal_naming_the_row(client, officer, places):
    member = Person.objects.filter(household__village=places["village"], alive=True).order_by("person_id").first()
    sheet = "证件号码,险种,参保年度,参保日期,资助金额\n" \
            f"{member.person_id},城乡居民基本医疗保险,{TODAY.year},{TODAY.isoformat()},380\n" \
            f"{member.person_id},城乡居民基本医疗保险,{TODAY.year},{TODAY.isoformat()},380\n"
    answer = client.post("/assistance/insurance/import/",
                         {"file": SimpleUploadedFile("insurance.csv", sheet.encode(), content_type="text/csv")})
    record = ActivityImport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/assistance/imports/{record.pk}/"
    assert record.outcome == "refused" and [p["row"] for p in record.problems] == [3]
    assert not InsuranceEnrolment.objects.exists()
    template = client.get("/assistance/insurance/import/?template=1")
    headers = next(openpyxl.load_workbook(BytesIO(template.content)).active.iter_rows(values_only=True))
    assert headers[:3] == ("证件号码", "姓名", "险种")


def test_the_loan_export_has_each_loans_standing(client, officer, household):
    _lend(officer, household)
    workbook = openpyxl.load_workbook(BytesIO(client.post("/assistance/credit/").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("状态", "逾期天数")
    assert rows[1][0] == household.household_id and rows[1][-2:] == ("已逾期", 12)


def test_the_api_lends_repays_and_says_where_a_loan_stands(client, officer, household):
    made = client.post("/api/loans/", {"household_id": household.household_id, "bank": "县农商银行", "amount": "8000",
                                       "lent_on": (TODAY - dt.timedelta(days=100)).isoformat(),
                                       "due_on": (TODAY - dt.timedelta(days=1)).isoformat()},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    loan = made.json()
    assert (loan["outstanding"], loan["overdue"], loan["days_overdue"]) == ("8000.00", True, 1)
    refused = client.post(f"/api/loans/{loan['id']}/repay/", {"paid_on": TODAY.isoformat(), "amount": "8000.01"},
                          content_type="application/json")
    assert refused.status_code == 400 and "amount" in refused.json()
    repaid = client.post(f"/api/loans/{loan['id']}/repay/", {"paid_on": TODAY.isoformat(), "amount": "8000"},
                         content_type="application/json").json()
    assert (repaid["outstanding"], repaid["overdue"], len(repaid["repayments"])) == ("0.00", False, 1)
    assert [row["id"] for row in client.get("/api/loans/?overdue=true").json()["results"]] == []


def test_the_api_masks_the_students_id_number(client, officer, places):
    student = Person.objects.filter(household__village=places["village"], alive=True).exclude(
        schooling="not_in_school").order_by("person_id").first()
    made = client.post("/api/education-aid/", {"person_id": student.person_id, "program": "grant",
                                               "year": TODAY.year, "term": "autumn", "amount": "1000"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["person_id"] != student.person_id and made.json()["person_id"].endswith(student.person_id[-4:])
