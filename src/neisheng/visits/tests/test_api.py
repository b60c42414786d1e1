"""POST /api/visits/ as interfaces11.md fixes it (helper E's offline script sends it), and
GET /api/visits/ scoped like every API."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from neisheng.registry.versions import record_version
from neisheng.visits.models import Visit
from neisheng.visits.tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


def _payload(household, **changes) -> dict:
    data = {"household": household.pk, "visited_on": timezone.localdate().isoformat(), "kind": "routine",
            "findings": "家中有人,房屋完好", "idempotency_key": str(uuid.uuid4()), "latitude": "31.074512",
            "longitude": "109.878901", "gps_accuracy_m": "12", "updates": "", "base_version": "",
            "raise_risk": "false", "risk_reason": "", "problems": "", "recorded_offline": "true"}
    data.update(changes)
    return data


def test_a_visit_sent_twice_is_stored_once_201_then_200(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    data = _payload(household)
    first = client.post("/api/visits/", data)
    assert first.status_code == 201, first.content
    again = client.post("/api/visits/", data)
    assert again.status_code == 200, again.content
    body = again.json()
    assert body["id"] == first.json()["id"] and body["created"] is False
    assert set(body) >= {"id", "idempotency_key", "household", "visited_on", "update_status", "update_message",
                         "case", "problems", "created"}
    assert Visit.objects.filter(idempotency_key=data["idempotency_key"]).count() == 1
    visit = Visit.objects.get(pk=body["id"])
    assert visit.recorded_offline and str(visit.latitude) == "31.074512" and visit.gps_accuracy_m == 12


def test_updates_as_json_are_applied_with_the_version_read(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    wanted = "d_class" if household.housing != "d_class" else "safe"
    response = client.post("/api/visits/", _payload(
        household, updates=json.dumps({"housing": wanted}), base_version=str(record_version(household))))
    assert response.status_code == 201, response.content
    assert response.json()["update_status"] == "applied"
    household.refresh_from_db()
    assert household.housing == wanted


def test_the_forms_own_update_and_problem_inputs_are_read_too(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    wanted = "false" if household.food_clothing_ok else "true"
    response = client.post("/api/visits/", {
        **_payload(household, base_version=str(record_version(household))),
        "update_food_clothing_ok": wanted, "problem_category": ["water", "housing"],
        "problem_description": ["自来水管冻裂", "屋顶漏雨"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["update_status"] == "applied" and len(body["problems"]) == 2
    household.refresh_from_db()
    assert household.food_clothing_ok is (wanted == "true")


def test_photos_travel_and_a_file_that_is_not_a_photo_is_a_400(client, make_user, places, household):
    client.force_login(make_user("assistance", places["village"]))
    photo = SimpleUploadedFile("门口.jpg", image_bytes(), content_type="image/jpeg")
    good = client.post("/api/visits/", {**_payload(household), "photos": [photo]})
    assert good.status_code == 201, good.content
    stored = Visit.objects.get(pk=good.json()["id"]).photos.get()
    assert max(stored.width, stored.height) == 1600 and len(stored.sha256) == 64
    fake = SimpleUploadedFile("门口.jpg", b"MZ\x90\x00 not a photo at all", content_type="image/jpeg")
    bad = client.post("/api/visits/", {**_payload(household), "photos": [fake]})
    assert bad.status_code == 400 and "photos" in bad.json()


def test_missing_date_and_future_date_are_400_by_field(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    assert "visited_on" in client.post("/api/visits/", _payload(household, visited_on="")).json()
    response = client.post("/api/visits/", _payload(household, visited_on=tomorrow))
    assert response.status_code == 400 and "visited_on" in response.json()


def test_outside_the_scope_404_and_without_the_capability_403(client, make_user, places, household):
    client.force_login(make_user("village", places["other_village"]))
    assert client.post("/api/visits/", _payload(household)).status_code == 404
    client.force_login(make_user("department", places["county"]))
    assert client.post("/api/visits/", _payload(household)).status_code == 403
    assert not Visit.objects.exists()


def test_the_list_is_scoped_and_filters_by_household(client, make_user, places, household):
    client.force_login(make_user("village", places["village"]))
    created = client.post("/api/visits/", _payload(household)).json()
    listed = client.get(f"/api/visits/?household={household.pk}").json()
    assert [v["id"] for v in listed["results"]] == [created["id"]]
    assert client.get(f"/api/visits/{created['id']}/").json()["household"] == household.pk
    client.force_login(make_user("village", places["other_village"]))
    assert client.get("/api/visits/").json()["results"] == []
    assert client.get(f"/api/visits/{created['id']}/").status_code == 404


def test_csrf_is_required_for_a_session(make_user, places, household):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("village", places["village"]))
    assert client.post("/api/visits/", _payload(household)).status_code == 403
    client.get("/visits/new/?household=" + household.pk)
    token = client.cookies["csrftoken"].value
    assert client.post("/api/visits/", _payload(household), HTTP_X_CSRFTOKEN=token).status_code == 201
