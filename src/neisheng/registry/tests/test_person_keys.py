"""Issue 7, rows 3, 9 and 12: nobody rebuilds a masked ID number, persons are addressed by
a random key found by its index, and a taken number is refused in the same words
wherever it is registered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from neisheng import ids
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent
from neisheng.registry.lookups import ALREADY_REGISTERED
from neisheng.registry.models import PERSON_KEY_LENGTH, Household, Person

pytestmark = pytest.mark.django_db


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def household_in(village) -> Household:
    return Household.objects.filter(village=village).order_by("household_id").first()


def candidates(masked: str, area: str, year: int) -> list[str]:
    """Every ID number that fits the masked one (first four, last four shown), the area
    code of the person's county and their birth year: what an attacker can compute."""
    head, tail = masked[:4], masked[-4:]
    assert area.startswith(head)
    found = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        first17 = f"{area}{day:%Y%m%d}{tail[:3]}"
        if ids.check_digit(first17) == tail[3]:
            found.append(first17 + tail[3])
        day += dt.timedelta(days=1)
    return found


def test_a_department_clerk_cannot_rebuild_full_id_numbers_from_the_api(places, make_user):
    """The attack of row 3: read /api/persons/ (masked number and birth date), compute the
    numbers that fit the check digit, request /api/persons/<candidate>/ for each."""
    clerk = make_user("department", places["county"])
    client = api_client(clerk)
    household = household_in(places["village"])
    listed = client.get("/api/persons/", {"household": household.household_id}).json()["results"]
    assert listed
    recovered = []
    tried = 0
    for person in listed:
        real = Person.objects.get(key=person["key"])
        assert person["birth_date"] is None, "the full birth date narrows the number to about ten candidates"
        assert person["birth_year"] == real.birth_date.year
        assert person["person_id"] == mask_id_number(real.person_id)
        guesses = candidates(person["person_id_masked"], household.village_id[:6], person["birth_year"])
        assert real.person_id in guesses  # the attack is fair: the real number is among the guesses
        for guess in guesses:
            tried += 1
            response = client.get(f"/api/persons/{guess}/")
            assert response.status_code == 404
            if guess in response.content.decode():
                recovered.append(guess)
    assert recovered == []
    probes = AuditEvent.objects.filter(user=clerk, object_type="person", detail__lookup="id_number")
    assert probes.count() == tried
    assert all(event.detail["allowed"] is False for event in probes)
    # The county can see the probes of its people: each names the village concerned.
    real_numbers = set(household.members.values_list("person_id", flat=True))
    assert {e.detail["village"] for e in probes if e.object_id in real_numbers} == {household.village_id}


def test_a_department_clerk_cannot_search_the_list_by_a_full_id_number(client, places, make_user):
    clerk = make_user("department", places["county"])
    client.force_login(clerk)
    person = Person.objects.filter(household__village=places["village"]).first()
    response = client.get(reverse("registry:household_list"), {"q": person.person_id})
    assert response.status_code == 200
    assert [row.household.household_id for row in response.context["page"].rows] == []
    event = AuditEvent.objects.get(user=clerk, detail__lookup="id_number")
    assert (event.object_id, event.detail["allowed"], event.detail["via"]) == (
        person.person_id, False, "household_search")


def test_a_county_officer_may_look_up_by_full_number_and_every_lookup_is_audited(places, make_user):
    officer = make_user("county", places["county"])
    client = api_client(officer)
    person = Person.objects.filter(household__village=places["village"]).first()
    found = client.get(f"/api/persons/{person.person_id}/")
    assert found.status_code == 200 and found.json()["key"] == person.key
    assert found.json()["birth_date"] == str(person.birth_date)
    unknown = "500237199001011230"
    unknown = unknown[:17] + ids.check_digit(unknown[:17])
    assert client.get(f"/api/persons/{unknown}/").status_code == 404
    events = AuditEvent.objects.filter(user=officer, detail__lookup="id_number").order_by("id")
    assert [(e.object_id, e.detail["found"], e.detail["village"]) for e in events] == [
        (person.person_id, True, places["village"].code), (unknown, False, None)]


def test_person_keys_are_random_and_not_derived_from_the_id_number(places):
    person = Person.objects.filter(household__village=places["village"]).first()
    assert len(person.key) == PERSON_KEY_LENGTH
    assert mask_id_number(person.person_id) not in person.key
    keys = list(Person.objects.values_list("key", flat=True))
    assert len(set(keys)) == len(keys) and "" not in keys  # the bulk loader gave every row its own


@pytest.mark.parametrize("address", [
    "3704**********0012.000",  # the old key's shape
    "*." + "0" * 1000,
    "A" * (PERSON_KEY_LENGTH - 1),
    "%2e%2e",
    "5002371990010112",
])
def test_a_malformed_person_address_is_refused_before_any_lookup(places, make_user, address,
                                                                 django_assert_max_num_queries):
    """Row 9: a garbage key used to make the server hash every person in scope."""
    client = api_client(make_user("county", places["county"]))
    with django_assert_max_num_queries(2), CaptureQueriesContext(connection) as queries:
        assert client.get(f"/api/persons/{address}/").status_code == 404
    assert not [q["sql"] for q in queries if "registry_person" in q["sql"]]


def test_a_well_formed_key_is_one_indexed_query(places, make_user, django_assert_max_num_queries):
    client = api_client(make_user("county", places["county"]))
    person = Person.objects.filter(household__village=places["village"]).first()
    with django_assert_max_num_queries(3):
        assert client.get(f"/api/persons/{'B' * PERSON_KEY_LENGTH}/").status_code == 404
    assert client.get(f"/api/persons/{person.key}/").json()["key"] == person.key


def test_a_malformed_reveal_key_is_refused_before_any_lookup(client, places, make_user,
                                                            django_assert_max_num_queries):
    client.force_login(make_user("county", places["county"]))
    with django_assert_max_num_queries(3), CaptureQueriesContext(connection) as queries:  # session and user
        response = client.post(reverse("registry:reveal"), {"kind": "id", "key": "*." + "0" * 32})
    assert response.status_code == 404
    assert not [q["sql"] for q in queries if "registry_person" in q["sql"]]


# --- Row 12 ---------------------------------------------------------------------------

def _person_form(number: str) -> dict:
    return {"person_id": number, "name": "张新", "relation": "child", "education": "junior",
            "schooling": "not_in_school", "labor": "ordinary", "health": "healthy", "disability_grade": 0,
            "medical_insured": "on", "employed_months": 6, "alive": "on"}


def test_a_taken_id_number_gets_the_same_answer_wherever_it_is_registered(client, places, make_user):
    cadre = make_user("village", places["village"])
    here = household_in(places["village"])
    mine = here.members.first().person_id
    theirs = Person.objects.filter(household__village=places["other_village"]).first().person_id
    answers = {}
    for name, number in (("mine", mine), ("theirs", theirs)):
        client.force_login(cadre)
        page = client.post(reverse("registry:person_create", args=[here.pk]), _person_form(number))
        api = api_client(cadre).post("/api/persons/", {**_person_form(number), "household": here.pk},
                                     format="json")
        answers[name] = (page.context["form"].errors["person_id"], api.status_code, api.json()["person_id"])
    assert answers["mine"] == answers["theirs"]
    assert answers["theirs"][0] == [ALREADY_REGISTERED[0]]
    assert places["other_village"].name not in str(answers["theirs"])
    refused = AuditEvent.objects.filter(user=cadre, detail__refused="already_registered", object_type="person")
    assert {(e.object_id, e.detail["via"]) for e in refused} == {
        (mine, "page"), (mine, "api"), (theirs, "page"), (theirs, "api")}
    assert {e.detail["village"] for e in refused if e.object_id == theirs} == {places["other_village"].code}


def test_a_taken_household_number_gets_the_same_answer_wherever_it_is_registered(client, places, make_user):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    template = household_in(places["village"])
    theirs = household_in(places["other_village"]).pk
    answers = {}
    for name, number in (("mine", template.pk), ("theirs", theirs)):
        data = {"household_id": number, "village": places["village"].code, "status": template.status,
                "category": template.category, "housing": template.housing, "water": template.water,
                "willingness": 3, "sudden_event": "none"}
        page = client.post(reverse("registry:household_create"), data)
        api = api_client(cadre).post("/api/households/", data, format="json")
        answers[name] = (page.context["form"].errors["household_id"], api.status_code,
                         api.json()["household_id"])
    assert answers["mine"] == answers["theirs"]
    assert answers["theirs"][0] == [ALREADY_REGISTERED[0]]
    assert AuditEvent.objects.filter(user=cadre, object_type="household", object_id=theirs,
                                     detail__refused="already_registered").count() == 2
