"""Monitoring's API: /api/household-results/ (registered on the platform's router from
monitoring/api.py) and the risk it adds to /api/households/ through platform.extensions."""

from __future__ import annotations

from neisheng.accounts.masking import mask_id_number
from neisheng.registry.tests.test_api import client_for, household_in, results_for


def test_monitoring_results_are_scoped_and_measures_masked(places, make_user):
    inside, outside = household_in(places["village"]), household_in(places["other_village"])
    results_for(inside, outside)
    client = client_for(make_user("village", places["village"]))
    listed = client.get("/api/household-results/").json()
    assert [r["household"] for r in listed["results"]] == [inside.household_id]
    detail = client.get(f"/api/household-results/{inside.household_id}/").json()
    assert detail["risk"] == "red" and detail["reason_codes"] == ["income_below_line"]
    member = inside.members.first()
    assert detail["measures"][0]["person_id"] == mask_id_number(member.person_id)
    assert client.get(f"/api/household-results/{outside.household_id}/").status_code == 404
    assert client.get("/api/households/", {"risk": "red"}).json()["count"] == 1
