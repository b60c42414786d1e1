"""The pages, imports and API of job placements, welfare posts and industry participation:
what an officer sees and does, and that a sheet with a bad row writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from neisheng.accounts.models import AuditEvent
from neisheng.assistance.models import (
    ActivityImport,
    IndustryParticipation,
    JobPlacement,
    WelfarePost,
)
from neisheng.assistance.services import work
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.policies import policy_current
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(client, places, make_user):
    user = make_user("town", places["town"])
    client.force_login(user)
    return user


@pytest.fixture
def year() -> int:
    return policy_current().policy.year


def started(year: int) -> dt.date:
    return min(dt.date(year, 3, 1), dt.date.today())


def living(places, n: int) -> list[Person]:
    return list(Person.objects.filter(household__village=places["village"], alive=True)
                .order_by("household_id", "person_id")[:n])


def workbook(header, rows, name="结果.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def activity_money() -> int:
    return IncomeItem.objects.filter(source__in=["job_placement", "welfare_post"]).count()


# --------------------------------------------------------------------------- pages


def test_an_officer_records_a_placement_from_the_household_page_form(client, officer, places, year):
    person = living(places, 1)[0]
    url = f"/assistance/placements/new/?household={person.household_id}"
    page = client.get(url).content.decode()
    assert 'name="person"' in page and "请选择" in page and "---------" not in page

    response = client.post(url, {"person": person.person_id, "employer": "蔬菜大棚合作社", "job": "采摘",
                                 "starts_on": started(year).isoformat(), "months": "6", "monthly_wage": "2000"})
    placement = JobPlacement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/placements/{placement.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "蔬菜大棚合作社" in detail and "12,000" in detail and 'id="placement-end"' in detail
    assert person.person_id not in detail  # masked


def test_the_form_names_each_refusal_next_to_its_field(client, officer, places, year):
    person = living(places, 1)[0]
    response = client.post("/assistance/placements/new/", {
        "person": person.person_id, "employer": "蔬菜大棚合作社", "months": "6", "monthly_wage": "2000",
        "starts_on": (dt.date.today() + dt.timedelta(days=5)).isoformat()})
    assert response.status_code == 200
    assert "上岗日期不能晚于今天。" in response.content.decode()
    assert not JobPlacement.objects.exists()


def test_the_list_filters_searches_and_exports(client, officer, places, year):
    first, second = living(places, 2)
    work.placement_record(user=officer, person=first, employer="蔬菜大棚合作社", starts_on=started(year),
                          year=year, months=6, monthly_wage=Decimal(2000))
    ended = work.placement_record(user=officer, person=second, employer="县城物流园", starts_on=started(year),
                                  year=year, months=2, monthly_wage=Decimal(3000))
    work.placement_end(user=officer, placement=ended, ends_on=started(year))

    page = client.get("/assistance/placements/", {"state": "active"}).content.decode()
    assert "蔬菜大棚合作社" in page and "县城物流园" not in page
    page = client.get("/assistance/placements/", {"q": "物流"}).content.decode()
    assert "县城物流园" in page and "蔬菜大棚合作社" not in page

    response = client.post("/assistance/placements/?state=active")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("户编号", "村", "姓名", "证件号码", "用工单位")
    assert len(rows) == 2 and rows[1][4] == "蔬菜大棚合作社" and "*" in rows[1][3]
    assert AuditEvent.objects.filter(action="export", object_type="job_placement").exists()


def test_ending_a_post_from_its_page(client, officer, places, year):
    person = living(places, 1)[0]
    post = work.post_record(user=officer, person=person, post="保洁员", village=person.household.village_id,
                            starts_on=dt.date(year - 1, 1, 1), year=year - 1, months=12, monthly_pay=Decimal(500))
    response = client.post(f"/assistance/posts/{post.pk}/end/", {"ends_on": dt.date(year - 1, 3, 31).isoformat()})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.ends_on, post.months) == (dt.date(year - 1, 3, 31), 3)
    assert IncomeItem.objects.get(source="welfare_post").amount == Decimal(1500)
    assert 'id="post-end"' not in client.get(f"/assistance/posts/{post.pk}/").content.decode()


def test_an_industry_link_recorded_on_its_form(client, officer, places):
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    response = client.post("/assistance/industry/new/", {"household": household.pk, "name": "脆李种植合作社",
                                                         "kind": "cooperative", "joined_on": "2026-02-01"})
    record = IndustryParticipation.objects.get()
    assert response["Location"] == f"/assistance/industry/{record.pk}/"
    household.refresh_from_db()
    assert household.cooperative_member and household.industry_linked
    assert "脆李种植合作社" in client.get("/assistance/industry/").content.decode()


def test_a_department_clerk_reads_but_may_not_record(client, places, make_user, officer, year):
    work.placement_record(user=officer, person=living(places, 1)[0], employer="蔬菜大棚合作社",
                          starts_on=started(year), year=year, months=6, monthly_wage=Decimal(2000))
    client.force_login(make_user("department", places["county"]))
    page = client.get("/assistance/placements/").content.decode()
    assert "蔬菜大棚合作社" in page and 'id="placement-new"' not in page
    assert client.get("/assistance/placements/new/").status_code == 403


# --------------------------------------------------------------------------- imports

PLACEMENT_HEADER = ["证件号码", "用工单位", "岗位", "上岗日期", "务工月数", "月工资"]


def test_a_placement_sheet_is_imported_whole(client, officer, places, year):
    first, second = living(places, 2)
    file = workbook(PLACEMENT_HEADER, [[first.person_id, "蔬菜大棚合作社", "采摘", started(year), 6, 2000],
                                       [second.person_id, "县城物流园", "", started(year), 2, 3000.5]])
    response = client.post("/assistance/placements/import/", {"file": file})
    record = ActivityImport.objects.get()
    assert response["Location"] == f"/assistance/imports/{record.pk}/"
    assert (record.kind, record.outcome, record.rows_written) == ("job_placement", "applied", 2)
    assert JobPlacement.objects.count() == 2
    assert AssignedMeasure.objects.filter(measure="job_placement", state="done").count() == 2


def test_a_sheet_with_bad_rows_writes_nothing_and_names_each(client, officer, places, year):
    first, second = living(places, 2)
    elsewhere = Person.objects.filter(household__village=places["other_village"]).first()
    file = workbook(PLACEMENT_HEADER, [
        [first.person_id, "蔬菜大棚合作社", "采摘", started(year), 6, 2000],
        [second.person_id, "县城物流园", "", "三月", 13, 3000],
        [elsewhere.person_id, "县城物流园", "", started(year), 2, 3000],
    ])
    client.post("/assistance/placements/import/", {"file": file})
    record = ActivityImport.objects.get()
    assert record.outcome == "refused" and record.rows_written == 0
    named = {(p["row"], p["column"]) for p in record.problems}
    # Every bad row is named at once: bad cells, and someone not registered within the scope.
    assert {(3, "starts_on"), (3, "months"), (4, "id_number")} <= named
    assert not JobPlacement.objects.exists() and activity_money() == 0
    assert not AssignedMeasure.objects.exists()


def test_a_service_refusal_in_a_sheet_refuses_the_whole_sheet(client, officer, places, year):
    first, second = living(places, 2)
    file = workbook(["证件号码", "岗位", "服务村代码", "上岗日期", "在岗月数", "月补贴"], [
        [first.person_id, "保洁员", first.household.village_id, started(year), 12, 500],
        [second.person_id, "护林员", places["other_village"].code, started(year), 12, 500],
    ])
    client.post("/assistance/posts/import/", {"file": file})
    record = ActivityImport.objects.get()
    assert record.outcome == "refused"
    assert [(p["row"], p["column"]) for p in record.problems] == [(3, "village_code")]
    assert not WelfarePost.objects.exists() and activity_money() == 0


def test_an_industry_sheet_by_household_number(client, officer, places):
    households = list(Household.objects.filter(village=places["village"]).order_by("household_id")[:2])
    file = workbook(["户编号", "项目或合作社", "联结方式", "加入日期"], [
        [households[0].pk, "脆李种植合作社", "加入合作社", "2026-02-01"],
        [households[1].pk, "县茶叶公司", "order", "2026-03-01"],
    ])
    client.post("/assistance/industry/import/", {"file": file})
    assert ActivityImport.objects.get().outcome == "applied"
    assert sorted(IndustryParticipation.objects.values_list("kind", flat=True)) == ["cooperative", "order"]


# --------------------------------------------------------------------------- API


def test_the_api_lists_masked_records_and_records_new_ones(officer, places, year):
    api = APIClient()
    api.force_authenticate(officer)
    person = living(places, 1)[0]
    created = api.post("/api/placements/", {"person_id": person.person_id, "employer": "蔬菜大棚合作社",
                                            "starts_on": started(year).isoformat(), "months": 6,
                                            "monthly_wage": "2000"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "12000.00" and created.json()["person_id"] != person.person_id
    listed = api.get("/api/placements/", {"household_id": person.household_id}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["employer"] for r in rows] == ["蔬菜大棚合作社"] and "*" in rows[0]["person_id"]
    refused = api.post("/api/placements/", {"person_id": person.person_id, "employer": "x",
                                            "starts_on": started(year).isoformat(), "months": 6,
                                            "monthly_wage": "0"}, format="json")
    assert refused.status_code == 400 and "monthly_wage" in refused.content.decode()
    ended = api.post(f"/api/placements/{created.json()['id']}/end/", {"ends_on": started(year).isoformat()},
                     format="json")
    assert ended.status_code == 200 and ended.json()["ends_on"] == started(year).isoformat()


def test_the_blank_sheet_and_a_file_that_is_no_sheet(client, officer):
    response = client.get("/assistance/posts/import/template/")
    header = next(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header == ("证件号码", "岗位", "服务村代码", "上岗日期", "在岗月数", "月补贴")
    page = client.get("/assistance/posts/import/").content.decode()
    assert 'id="import-form"' in page and "服务村代码" in page and 'id="import-template"' in page
    refused = client.post("/assistance/posts/import/", {})
    assert refused.status_code == 400 and not ActivityImport.objects.exists()
