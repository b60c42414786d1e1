"""Issue 8: one rule for the household number, stated once in the data contract
(engine.schema) and enforced by the forms, the API and the registry services alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from neisheng.engine.validation import REASONS
from neisheng.registry import services
from neisheng.registry.models import Household
from neisheng.registry.versions import record_version

pytestmark = pytest.mark.django_db

# Longer than 32 characters is refused too, by the fields' own length check first.
REFUSED = ["A/1 x", "12/34", "户1", "a_b c"]


def household_form(template: Household, **changes) -> dict:
    data = {
        "village": template.village_id, "status": template.status, "category": template.category,
        "housing": template.housing, "water": template.water, "poverty_cause": template.poverty_cause or "",
        "lifted_year": template.lifted_year or "", "willingness": template.willingness,
        "sudden_event": template.sudden_event, "food_clothing_ok": "on",
    }
    data.update(changes)
    return data


def api_payload(village, **changes) -> dict:
    payload = {"village": village.code, "status": "general", "category": "ordinary", "housing": "safe",
               "water": "safe"}
    payload.update(changes)
    return payload


@pytest.mark.parametrize("number", REFUSED)
def test_the_form_the_api_and_the_services_refuse_a_number_by_the_contracts_rule(
        client, places, make_user, number):
    cadre = make_user("village", places["village"])
    template = Household.objects.filter(village=places["village"]).first()
    zh, en = REASONS["bad_household_id"]

    client.force_login(cadre)
    page = client.post(reverse("registry:household_create"), household_form(template, household_id=number))
    assert page.context["form"].errors["household_id"] == [zh]

    api = APIClient()
    api.force_authenticate(cadre)
    response = api.post("/api/households/", api_payload(places["village"], household_id=number), format="json")
    assert response.status_code == 400
    assert response.json()["household_id"] == [f"{zh} ({en})"]

    with pytest.raises(ValidationError) as refused:
        services.household_create(user=cadre, values={"household_id": number, "village": places["village"],
                                                      "status": "general", "category": "ordinary",
                                                      "housing": "safe", "water": "safe"})
    assert zh in refused.value.message_dict["household_id"]
    assert not Household.objects.filter(pk=number).exists()


def test_a_number_of_letters_digits_dash_and_underscore_is_accepted_everywhere(client, places, make_user):
    cadre = make_user("village", places["village"])
    template = Household.objects.filter(village=places["village"]).first()
    client.force_login(cadre)
    page = client.post(reverse("registry:household_create"), household_form(template, household_id="Ab-1_2"))
    assert page.status_code == 302, page.context["form"].errors
    api = APIClient()
    api.force_authenticate(cadre)
    response = api.post("/api/households/", api_payload(places["village"], household_id="Cd-3_4"), format="json")
    assert response.status_code == 201, response.json()
    assert set(Household.objects.filter(pk__in=["Ab-1_2", "Cd-3_4"]).values_list("pk", flat=True)) == {
        "Ab-1_2", "Cd-3_4"}


def test_a_page_edit_keeps_the_old_value_in_the_history(client, places, make_user):
    # The reference the upload test (transfers) compares with: baseline, then old → new.
    cadre = make_user("village", places["village"])
    household = Household.objects.filter(village=places["village"], housing="safe").first()
    client.force_login(cadre)
    response = client.post(reverse("registry:household_edit", args=[household.pk]),
                           household_form(household, housing="d_class", version=record_version(household)))
    assert response.status_code == 302
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    assert '<div class="change">住房安全: <span translate="no">安全</span> → <span translate="no">D级危房</span></div>' in page


def test_the_bulk_services_check_scope_keys_and_rules_like_the_single_ones(places, make_user):
    from django.core.exceptions import PermissionDenied

    cadre = make_user("village", places["village"])
    mine = Household.objects.filter(village=places["village"]).order_by("pk").first()
    elsewhere = Household.objects.filter(village=places["other_village"]).first()
    new_water = "unsafe" if elsewhere.water == "safe" else "safe"
    with pytest.raises(PermissionDenied):
        services.household_update_many(user=cadre, changes=[(elsewhere, {"water": new_water})])
    with pytest.raises(PermissionDenied):  # moving one's own household into another village
        services.household_update_many(user=cadre, changes=[(mine, {"village_id": places["other_village"].code})])
    row = {f: getattr(mine, f) for f in services.HOUSEHOLD_UPDATE_FIELDS}
    with pytest.raises(services.RowsRefused) as refused:
        services.household_create_many(user=cadre, rows=[
            {**row, "household_id": "NEW-1"}, {**row, "household_id": mine.pk}, {**row, "household_id": "A/1 x"}])
    assert [(p.index, p.column, p.value) for p in refused.value.problems] == [
        (1, "household_id", mine.pk), (2, "household_id", "A/1 x")]
    assert not Household.objects.filter(pk__in=["NEW-1", "A/1 x"]).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.water != new_water
