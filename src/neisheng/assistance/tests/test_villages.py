"""The poor-village list and the villages' specialty industries: who may keep them, where,
what is refused, what the audit log keeps, and the pages with their forms."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.accounts.models import AuditEvent
from neisheng.assistance.coverage import villages_table
from neisheng.assistance.models import PoorVillage, VillageIndustry
from neisheng.assistance.services.villages import (
    poor_village_create,
    poor_village_delete,
    village_industry_create,
    village_industry_end,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user, places):
    return make_user("town", places["town"])


def test_a_village_is_listed_once_and_audited_under_its_code(officer, places):
    village = places["village"]
    poor_village_create(user=officer, village=village, listed_year=2014)
    assert PoorVillage.objects.get(village=village).listed_year == 2014
    event = AuditEvent.objects.get(object_type="poor_village", action="create")
    assert (event.division_code, event.object_id) == (village.code, village.code)
    with pytest.raises(ValidationError) as refused:
        poor_village_create(user=officer, village=village, listed_year=2015)
    assert "village" in refused.value.message_dict


@pytest.mark.parametrize("year", [1977, 2101, None])
def test_a_listing_year_outside_1978_to_2100_is_refused(officer, places, year):
    with pytest.raises(ValidationError) as refused:
        poor_village_create(user=officer, village=places["village"], listed_year=year)
    assert "listed_year" in refused.value.message_dict
    assert not PoorVillage.objects.exists()


def test_a_village_elsewhere_or_a_town_is_no_village_here(officer, places):
    with pytest.raises(Http404):
        poor_village_create(user=officer, village=places["other_village"], listed_year=2014)
    with pytest.raises(Http404):
        village_industry_create(user=officer, village=places["town"], name="茶叶", since=2020)


@pytest.mark.parametrize("role", ["assistance", "department", "auditor", "researcher"])
def test_roles_that_record_no_activity_keep_no_village_list(make_user, places, role):
    user = make_user(role, places["village"] if role == "assistance" else places["county"])
    with pytest.raises(PermissionDenied):
        poor_village_create(user=user, village=places["village"], listed_year=2014)
    with pytest.raises(PermissionDenied):
        village_industry_create(user=user, village=places["village"], name="茶叶", since=2020)


def test_taking_a_village_off_the_list_is_audited_with_its_year(officer, places):
    village = places["village"]
    poor_village_create(user=officer, village=village, listed_year=2014)
    poor_village_delete(user=officer, village=village)
    assert not PoorVillage.objects.exists()
    event = AuditEvent.objects.get(object_type="poor_village", action="delete")
    assert event.detail == {"listed_year": 2014} and event.division_code == village.code
    with pytest.raises(Http404):
        poor_village_delete(user=officer, village=village)


def test_an_industry_counts_from_its_first_year_up_to_the_year_before_it_stopped(officer, places):
    village = places["village"]
    industry = village_industry_create(user=officer, village=village, name="高山脆李", since=2020)

    def has_industry(year):
        table = villages_table(division_code=village.code, year=year)
        return dict(zip(table["village_code"].to_pylist(), table["has_industry"].to_pylist()))[village.code]

    assert [has_industry(y) for y in (2019, 2020, 2025)] == [False, True, True]
    village_industry_end(user=officer, industry=industry, ended=2025)
    assert [has_industry(y) for y in (2024, 2025)] == [True, False]
    event = AuditEvent.objects.get(object_type="village_industry", action="update")
    assert event.detail == {"ended": 2025} and event.division_code == village.code


def test_an_industry_ends_once_and_not_before_it_began(officer, places):
    industry = village_industry_create(user=officer, village=places["village"], name="中药材", since=2022)
    with pytest.raises(ValidationError):
        village_industry_end(user=officer, industry=industry, ended=2021)
    village_industry_end(user=officer, industry=industry, ended=2022)
    with pytest.raises(ValidationError):
        village_industry_end(user=officer, industry=industry.pk, ended=2024)
    assert VillageIndustry.objects.get(pk=industry.pk).ended == 2022


def test_the_same_industry_running_twice_or_without_a_name_is_refused(officer, places):
    village_industry_create(user=officer, village=places["village"], name="生态养蜂", since=2022)
    for name in ("生态养蜂", "  "):
        with pytest.raises(ValidationError) as refused:
            village_industry_create(user=officer, village=places["village"], name=name, since=2023)
        assert "name" in refused.value.message_dict


def test_an_industry_elsewhere_cannot_be_ended(officer, make_user, places):
    theirs = village_industry_create(user=make_user("county", places["other_county"]),
                                     village=places["other_village"], name="核桃", since=2021)
    with pytest.raises(Http404):
        village_industry_end(user=officer, industry=theirs, ended=2024)


# --------------------------------------------------------------------------- pages


def test_the_page_lists_the_villages_with_their_list_and_industries(client, officer, places):
    village = places["village"]
    poor_village_create(user=officer, village=village, listed_year=2014)
    village_industry_create(user=officer, village=village, name="高山脆李", since=2020)
    client.force_login(officer)
    body = client.get("/assistance/villages/?poor=yes").content.decode()
    assert f'data-village="{village.code}" data-poor="yes"' in body
    assert "高山脆李" in body and "/assistance/villages/industries/" in body
    assert body.count('class="village-row"') == 1
    without = client.get("/assistance/villages/?industry=no").content.decode()
    assert f'data-village="{village.code}"' not in without


def test_the_forms_list_a_village_record_and_end_an_industry(client, officer, places):
    village = places["village"]
    client.force_login(officer)
    response = client.post("/assistance/villages/poor/new/", {"village": village.code, "listed_year": "2014"})
    assert response.status_code == 302 and PoorVillage.objects.filter(village=village).exists()
    response = client.post("/assistance/villages/industries/new/",
                           {"village": village.code, "name": "高山脆李", "since": "2021"})
    assert response.status_code == 302
    industry = VillageIndustry.objects.get(village=village)
    response = client.post(f"/assistance/villages/industries/{industry.pk}/end/", {"ended": "2020"})
    assert response.status_code == 200 and "停止年度不能早于起始年度" in response.content.decode()
    response = client.post(f"/assistance/villages/industries/{industry.pk}/end/", {"ended": "2025"})
    assert response.status_code == 302 and VillageIndustry.objects.get(pk=industry.pk).ended == 2025
    response = client.post(f"/assistance/villages/poor/{village.code}/remove/")
    assert response.status_code == 302 and not PoorVillage.objects.exists()


def test_a_village_outside_the_scope_is_not_among_the_choices(client, officer, places):
    client.force_login(officer)
    response = client.post("/assistance/villages/poor/new/",
                           {"village": places["other_village"].code, "listed_year": "2014"})
    assert response.status_code == 200 and not PoorVillage.objects.exists()
    assert places["other_village"].code not in response.content.decode().replace(
        f'value="{places["other_village"].code}"', "")


def test_a_reader_without_the_capability_sees_no_forms(client, make_user, places):
    client.force_login(make_user("researcher", places["county"]))
    body = client.get("/assistance/villages/").content.decode()
    assert 'id="poor-village-new"' not in body
    assert client.get("/assistance/villages/poor/new/").status_code == 403
