"""The registry's REST API as a client sees it: scope, roles, validation, masking, the
OpenAPI document and its local Swagger UI."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from rest_framework.test import APIClient
from tests.support import PASSWORD

from neisheng import ids
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db

PERSON_LEVEL = ["/api/households/", "/api/persons/", "/api/income-items/", "/api/household-results/"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_id_number(birth: str = "19800101", sequence: str = "123") -> str:
    first17 = "500237" + birth + sequence
    number = first17 + ids.check_digit(first17)
    assert not Person.objects.filter(pk=number).exists()
    return number


def household_in(village) -> Household:
    return Household.objects.filter(village=village).order_by("household_id").first()


def person_in(village) -> Person:
    return Person.objects.filter(household__village=village).order_by("person_id").first()


def results_for(*households):
    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    for household in households:
        HouseholdResult.objects.create(household=household, run=run, size=3, risk="red",
                                       reasons="income_below_line", monitor_type="marginal",
                                       income_pc=Decimal("5000.00"))
        member = household.members.first()
        RecommendedMeasure.objects.create(household=household, run=run, measure="insurance_enrol",
                                          person_id=member.person_id, explanation="未参保")
    return run


def person_payload(household: Household, **overrides) -> dict:
    payload = {
        "person_id": new_id_number(), "household": household.household_id, "name": "张测试",
        "relation": "child", "education": "junior", "schooling": "not_in_school", "labor": "ordinary",
        "health": "healthy",
    }
    payload.update(overrides)
    return payload


def household_payload(place, **overrides) -> dict:
    payload = {
        "household_id": place.code + "9001", "village": place.code, "status": "general",
        "category": "ordinary", "housing": "safe", "water": "safe",
    }
    payload.update(overrides)
    return payload


# --------------------------------------------------------------------------- who may call


@pytest.mark.parametrize("url", ["/api/", "/api/divisions/", "/api/summary/", *PERSON_LEVEL])
def test_anonymous_calls_are_refused(county, url):
    assert APIClient().get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_login(county, url):
    assert APIClient().get(url).status_code in (401, 403)


def test_basic_authentication_with_the_right_password_is_refused(places, make_user):
    # Issue 7 row 16: programs use a token (neisheng api-token); Basic hashed the
    # password on every request and made each one a password guess.
    cadre = make_user("village", places["village"])
    client = APIClient()
    token = base64.b64encode(f"{cadre.username}:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    assert client.get("/api/households/").status_code in (401, 403)


@pytest.mark.parametrize("url", PERSON_LEVEL)
def test_a_researcher_is_refused_person_level_data(places, make_user, url):
    researcher = make_user("researcher", places["county"])
    response = client_for(researcher).get(url)
    assert response.status_code == 403
    assert "汇总" in response.json()["detail"]


def test_a_researcher_reads_divisions_and_the_summary(places, make_user):
    client = client_for(make_user("researcher", places["county"]))
    assert client.get("/api/divisions/").status_code == 200
    summary = client.get("/api/summary/", {"division": places["town"].code})
    assert summary.status_code == 200
    assert summary.json()["households"] == Household.objects.filter(
        village__code__startswith=places["town"].prefix).count() > 0


# --------------------------------------------------------------------------- scope


def test_households_inside_are_listed_and_outside_are_not_found(places, make_user):
    client = client_for(make_user("village", places["village"]))
    listed = client.get("/api/households/").json()
    expected = Household.objects.filter(village=places["village"]).count()
    assert listed["count"] == expected > 0
    assert {h["village"] for h in listed["results"]} == {places["village"].code}
    inside, outside = household_in(places["village"]), household_in(places["other_village"])
    assert client.get(f"/api/households/{inside.household_id}/").status_code == 200
    assert client.get(f"/api/households/{outside.household_id}/").status_code == 404
    assert client.get("/api/households/", {"division": places["other_village"].code}).json()["count"] == 0


def test_persons_inside_are_listed_and_outside_are_not_found(places, make_user):
    client = client_for(make_user("village", places["village"]))
    listed = client.get("/api/persons/").json()
    assert listed["count"] == Person.objects.filter(household__village=places["village"]).count() > 0
    households = {p["household"] for p in listed["results"]}
    assert Household.objects.filter(pk__in=households).exclude(village=places["village"]).count() == 0
    outsider = person_in(places["other_village"])
    assert client.get(f"/api/persons/{outsider.person_id}/").status_code == 404
    insider = person_in(places["village"])
    assert client.get(f"/api/persons/{insider.person_id}/").status_code == 200


def test_income_items_inside_are_listed_and_outside_are_not_found(places, make_user):
    client = client_for(make_user("town", places["town"]))
    listed = client.get("/api/income-items/").json()
    assert listed["count"] == IncomeItem.objects.filter(
        household__village__code__startswith=places["town"].prefix).count() > 0
    outside = IncomeItem.objects.filter(household__village=places["other_village"]).first()
    assert client.get(f"/api/income-items/{outside.pk}/").status_code == 404


def test_divisions_are_the_users_own_below_and_above(places, make_user):
    client = client_for(make_user("village", places["village"]))
    codes = {d["code"] for d in client.get("/api/divisions/", {"level": 5}).json()["results"]}
    assert codes == {places["village"].code}
    assert client.get(f"/api/divisions/{places['town'].code}/").status_code == 200  # an ancestor
    assert client.get(f"/api/divisions/{places['other_village'].code}/").status_code == 404


def test_the_summary_counts_one_division_and_refuses_one_outside(places, make_user):
    inside = household_in(places["village"])
    results_for(inside)
    client = client_for(make_user("town", places["town"]))
    summary = client.get("/api/summary/", {"division": places["village"].code}).json()
    households = Household.objects.filter(village=places["village"])
    assert summary["division"]["code"] == places["village"].code
    assert summary["households"] == households.count()
    assert sum(summary["by_status"].values()) == households.count()
    assert summary["by_status"]["lifted"] == households.filter(status="lifted").count()
    assert summary["by_risk"]["red"] == 1 and summary["by_risk"]["none"] == households.count() - 1
    assert summary["persons"] == Person.objects.filter(household__in=households, alive=True).count()
    assert client.get("/api/summary/", {"division": places["other_village"].code}).status_code == 404
    assert client.get("/api/summary/", {"division": "999999999999"}).status_code == 400


def test_an_unknown_filter_value_is_an_error_not_an_empty_list(places, make_user):
    response = client_for(make_user("village", places["village"])).get("/api/households/", {"status": "rich"})
    assert response.status_code == 400
    assert "status" in response.json()


# --------------------------------------------------------------------------- writing


def test_a_bad_id_number_is_refused_naming_the_checksum_and_nothing_is_written(places, make_user):
    cadre = make_user("village", places["village"])
    household = household_in(places["village"])
    number = new_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    before = (Person.objects.count(), AuditEvent.objects.count())
    response = client_for(cadre).post("/api/persons/", person_payload(household, person_id=wrong), format="json")
    assert response.status_code == 400
    [problem] = response.json()["person_id"]
    assert "校验码" in problem and "checksum" in problem
    assert (Person.objects.count(), AuditEvent.objects.count()) == before


def test_a_person_is_created_with_birth_date_and_sex_from_the_id_number(places, make_user):
    cadre = make_user("village", places["village"])
    household = household_in(places["village"])
    payload = person_payload(household)
    response = client_for(cadre).post("/api/persons/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["person_id"] == mask_id_number(payload["person_id"])
    person = Person.objects.get(pk=payload["person_id"])
    assert (person.household_id, str(person.birth_date), person.sex) == (household.pk, "1980-01-01", "male")
    assert person.history.latest().history_user == cadre
    assert AuditEvent.objects.filter(action="create", object_type="person", object_id=person.pk).exists()


def test_birth_date_and_sex_must_agree_with_the_id_number(places, make_user):
    client = client_for(make_user("village", places["village"]))
    payload = person_payload(household_in(places["village"]), birth_date="1980-01-02", sex="female")
    response = client.post("/api/persons/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "出生日期与证件号码不符" in errors["birth_date"][0]
    assert "性别与证件号码不符" in errors["sex"][0]
    assert not Person.objects.filter(pk=payload["person_id"]).exists()


def test_a_person_cannot_be_registered_twice_nor_into_a_household_outside(places, make_user):
    client = client_for(make_user("village", places["village"]))
    elsewhere = person_in(places["other_village"])
    twice = client.post("/api/persons/", person_payload(household_in(places["village"]),
                        person_id=elsewhere.person_id, birth_date=str(elsewhere.birth_date),
                        sex=elsewhere.sex), format="json")
    # Issue 7, row 12: the same words as for a number taken in one's own village.
    assert twice.status_code == 400 and "该号码已经登记" in twice.json()["person_id"][0]
    outside = client.post("/api/persons/", person_payload(household_in(places["other_village"])), format="json")
    assert outside.status_code == 400 and "household" in outside.json()
    insider = person_in(places["village"])
    move = client.patch(f"/api/persons/{insider.key}/",
                        {"household": household_in(places["other_village"]).household_id}, format="json")
    assert move.status_code == 400
    assert Person.objects.get(pk=insider.pk).household_id == insider.household_id


def test_enumerations_and_ranges_are_checked(places, make_user):
    client = client_for(make_user("village", places["village"]))
    response = client.post("/api/persons/", person_payload(
        household_in(places["village"]), labor="strong", employed_months=13, disability_grade=-1), format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"labor", "employed_months", "disability_grade"}
    assert "不是允许的取值" in errors["labor"][0]
    assert "超出允许范围" in errors["employed_months"][0]


def test_a_household_is_created_in_a_village_in_scope_only(places, make_user):
    cadre = make_user("town", places["town"])
    client = client_for(cadre)
    created = client.post("/api/households/", household_payload(places["village"]), format="json")
    assert created.status_code == 201, created.json()
    assert Household.objects.get(pk=places["village"].code + "9001").village == places["village"]
    again = client.post("/api/households/", household_payload(places["village"]), format="json")
    assert again.status_code == 400 and "该号码已经登记" in again.json()["household_id"][0]
    outside = client.post("/api/households/", household_payload(places["other_village"]), format="json")
    assert outside.status_code == 400 and "village" in outside.json()
    not_a_village = client.post("/api/households/", household_payload(
        places["village"], household_id="X1", village=places["town"].code), format="json")
    assert not_a_village.status_code == 400 and "village" in not_a_village.json()
    assert not Household.objects.filter(pk__in=["X1", places["other_village"].code + "9001"]).exists()


def test_an_update_in_scope_is_saved_with_history_and_audit(places, make_user):
    cadre = make_user("village", places["village"])
    household = household_in(places["village"])
    new_housing = "d_class" if household.housing != "d_class" else "safe"
    client = client_for(cadre)
    read = client.get(f"/api/households/{household.household_id}/").json()
    response = client.patch(f"/api/households/{household.household_id}/",
                            {"housing": new_housing, "version": read["version"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["housing"] == new_housing
    household.refresh_from_db()
    assert household.housing == new_housing
    latest = household.history.latest()
    assert latest.history_user == cadre and latest.housing == new_housing
    assert latest.prev_record is not None and latest.prev_record.housing != new_housing
    event = AuditEvent.objects.get(action="update", object_type="household", object_id=household.pk)
    assert event.user == cadre and "housing" in event.detail["changes"]


def test_updates_outside_scope_or_without_an_editing_role_are_refused(places, make_user):
    outside = household_in(places["other_village"])
    inside = household_in(places["village"])
    cadre = client_for(make_user("village", places["village"]))
    assert cadre.patch(f"/api/households/{outside.household_id}/", {"water": "unsafe"},
                       format="json").status_code == 404
    assistance = client_for(make_user("assistance", places["village"]))
    assert assistance.get(f"/api/households/{inside.household_id}/").status_code == 200
    assert assistance.patch(f"/api/households/{inside.household_id}/", {"water": "unsafe"},
                            format="json").status_code == 403
    assert cadre.delete(f"/api/households/{inside.household_id}/").status_code == 405
    assert Household.objects.get(pk=outside.pk).water == outside.water
    assert Household.objects.get(pk=inside.pk).water == inside.water


def test_ledger_amounts_are_checked_like_an_import(places, make_user):
    client = client_for(make_user("village", places["village"]))
    household = household_in(places["village"])
    base = {"household": household.household_id, "year": 2026, "item": "wage"}
    negative = client.post("/api/income-items/", base | {"amount": "-1"}, format="json")
    assert negative.status_code == 400 and "金额不能为负数" in negative.json()["amount"][0]
    fine_grained = client.post("/api/income-items/", base | {"amount": "1.234"}, format="json")
    assert fine_grained.status_code == 400 and "两位小数" in fine_grained.json()["amount"][0]
    unknown = client.post("/api/income-items/", base | {"item": "lottery", "amount": "1"}, format="json")
    assert unknown.status_code == 400 and "item" in unknown.json()
    created = client.post("/api/income-items/", base | {"amount": "1200.50"}, format="json")
    assert created.status_code == 201, created.json()
    item = IncomeItem.objects.get(pk=created.json()["id"])
    assert (item.amount, item.source) == (Decimal("1200.50"), "survey")
    changed = client.patch(f"/api/income-items/{item.pk}/",
                           {"amount": "1300.00", "version": created.json()["version"]}, format="json")
    assert changed.status_code == 200 and changed.json()["amount"] == "1300.00"
    assert AuditEvent.objects.filter(action="update", object_type="income_item", object_id=str(item.pk)).exists()


# --------------------------------------------------------------------------- masking


def test_id_numbers_are_masked_by_default_and_nothing_is_audited(places, make_user):
    client = client_for(make_user("village", places["village"]))
    household = household_in(places["village"])
    persons = client.get("/api/persons/", {"household": household.household_id}).json()["results"]
    assert persons
    real = set(household.members.values_list("person_id", flat=True))
    for person in persons:
        assert person["person_id"] not in real and person["id_unmasked"] is False
        assert person["person_id"] == person["person_id_masked"]
        assert not any(number in json.dumps(person) for number in real)
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_unmasking_shows_full_numbers_and_records_each_person(places, make_user):
    cadre = make_user("village", places["village"])
    household = household_in(places["village"])
    response = client_for(cadre).get("/api/persons/", {"household": household.household_id, "unmask": "1"})
    shown = {p["person_id"] for p in response.json()["results"]}
    assert shown == set(household.members.values_list("person_id", flat=True))
    audited = AuditEvent.objects.filter(action="view_unmasked", user=cadre)
    assert set(audited.values_list("object_id", flat=True)) == shown
    assert audited.count() == len(shown)


def test_a_role_that_may_not_unmask_gets_403(places, make_user):
    clerk = make_user("department", places["county"])
    assert client_for(clerk).get("/api/persons/", {"unmask": "1"}).status_code == 403
    assert client_for(clerk).get("/api/persons/").status_code == 200
    # Households carry no ID numbers: asking to unmask them changes nothing.
    assert client_for(clerk).get("/api/households/", {"unmask": "1"}).status_code == 200
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


def test_a_person_is_addressed_by_the_opaque_key_without_unmasking(places, make_user):
    cadre = make_user("village", places["village"])
    client = client_for(cadre)
    household = household_in(places["village"])
    listed = client.get("/api/persons/", {"household": household.household_id}).json()["results"][0]
    response = client.patch(listed["url"], {"has_skill": True, "version": listed["version"]}, format="json")
    assert response.status_code == 200, response.json()
    assert Person.objects.filter(household=household, has_skill=True).exists()
    whole = {k: v for k, v in listed.items() if k not in ("person_id", "person_id_masked", "id_unmasked",
                                                         "key", "url")} | {"employed_months": 7}
    replaced = client.put(listed["url"], whole, format="json")
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["employed_months"] == 7
    other_key = client_for(make_user("village", places["other_village"])).get("/api/persons/").json()
    assert client.get(other_key["results"][0]["url"]).status_code == 404
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


# --------------------------------------------------------------------------- OpenAPI


def test_the_openapi_document_is_valid_and_lists_every_endpoint(places, make_user):
    from drf_spectacular.validation import validate_schema

    response = client_for(make_user("county", places["county"])).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)
    for path in ("/api/divisions/", "/api/households/", "/api/households/{household_id}/", "/api/persons/",
                 "/api/persons/{person_id}/", "/api/income-items/", "/api/household-results/",
                 "/api/summary/"):
        assert path in document["paths"], path
    assert "delete" not in document["paths"]["/api/households/{household_id}/"]
    assert "unmask" in document["paths"]["/api/persons/"]["get"]["description"]


def test_the_swagger_page_loads_its_assets_from_this_server(places, make_user):
    client = client_for(make_user("county", places["county"]))
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    for url in assets:
        assert url.startswith(settings.STATIC_URL), url
        relative = url[len(settings.STATIC_URL):]
        assert finders.find(relative), url
        served = client.get(url)
        assert served.status_code == 200, url
        if hasattr(served, "close"):
            served.close()
