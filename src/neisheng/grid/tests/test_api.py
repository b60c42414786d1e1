"""/api/grid/cadres/ and /api/grid/pairs/: the same scope and rules as the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from neisheng.grid.models import Cadre, CadrePair
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(places):
    return Cadre.objects.create(cadre_id="C1", name="王强", division_code=places["village"].code, phone="13800000001")


def _household(places, where="village"):
    return Household.objects.filter(village=places[where]).order_by("household_id").first()


def test_cadres_are_listed_in_scope_with_their_load(client, make_user, places, cadre):
    Cadre.objects.create(cadre_id="X1", name="外县", division_code=places["other_village"].code)
    CadrePair.objects.create(cadre=cadre, household=_household(places), division_code=places["village"].code,
                             started_on=dt.date(2026, 1, 5))
    client.force_login(make_user("town", places["town"]))
    body = client.get("/api/grid/cadres/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["cadre_id"], r["load"], r["phone"]) for r in rows] == [("C1", 1, "13800000001")]
    assert client.get(f"/api/grid/cadres/{cadre.pk}/").json()["name"] == "王强"
    other = Cadre.objects.get(cadre_id="X1")
    assert client.get(f"/api/grid/cadres/{other.pk}/").status_code == 404
    assert client.get("/api/grid/cadres/?kind=boss").status_code == 400


def test_pairs_are_started_and_ended_through_the_services(client, make_user, places, cadre):
    client.force_login(make_user("county", places["county"]))
    household = _household(places)
    created = client.post("/api/grid/pairs/", {"cadre_id": "C1", "household_id": household.pk,
                                               "started_on": "2026-03-02"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["household_id"] == household.pk
    twice = client.post("/api/grid/pairs/", {"cadre_id": "C1", "household_id": household.pk,
                                             "started_on": "2026-03-02"}, content_type="application/json")
    assert twice.status_code == 400 and " / " in twice.json()["detail"]
    pair_id = created.json()["id"]
    no_reason = client.post(f"/api/grid/pairs/{pair_id}/end/", {"ended_on": "2026-03-05", "reason": ""},
                            content_type="application/json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    ended = client.post(f"/api/grid/pairs/{pair_id}/end/", {"ended_on": "2026-03-05", "reason": "迁出"},
                        content_type="application/json")
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-03-05"
    listed = client.get(f"/api/grid/pairs/?household_id={household.pk}&active=false").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["end_reason"] for r in rows] == ["迁出"]
    elsewhere = client.post("/api/grid/pairs/", {"cadre_id": "C1", "household_id": _household(places, "other_village").pk,
                                                 "started_on": "2026-03-02"}, content_type="application/json")
    assert elsewhere.status_code == 404


def test_reading_roles_may_not_write(client, make_user, places, cadre):
    client.force_login(make_user("village", places["village"]))
    assert client.get("/api/grid/pairs/").status_code == 200
    refused = client.post("/api/grid/cadres/", {"cadre_id": "C5", "name": "李明",
                                                "division_code": places["village"].code},
                          content_type="application/json")
    assert refused.status_code == 403 and not Cadre.objects.filter(cadre_id="C5").exists()
    client.force_login(make_user("researcher", places["county"]))
    assert client.get("/api/grid/cadres/").status_code == 403


def test_a_cadre_is_created_through_the_api(client, make_user, places):
    client.force_login(make_user("county", places["county"]))
    created = client.post("/api/grid/cadres/", {"cadre_id": "C5", "name": "李明", "division_code": places["village"].code,
                                                "capacity": 4}, content_type="application/json")
    assert created.status_code == 201 and created.json()["capacity"] == 4 and created.json()["load"] == 0
    bad = client.post("/api/grid/cadres/", {"cadre_id": "C6", "name": "李明", "division_code": "500238999999"},
                      content_type="application/json")
    assert bad.status_code == 400 and "服务区划" in bad.json()["detail"]
