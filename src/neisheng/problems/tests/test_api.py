"""/api/problems/: scoped reads with the ledger's filters, raising, and the steps with
the same refusals as the pages (400 with "中文 / English", 403, 404)."""

from __future__ import annotations

import pytest

from neisheng.problems.models import Problem
from neisheng.problems.services import problem_raise
from neisheng.problems.tests.support import days_ago, household_with_cadre, png, users_by_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return household_with_cadre(places["village"])[0]


def test_list_is_scoped_and_filters_overdue(client, users, household, places, make_user):
    late = problem_raise(user=users["village"], household=household, category="housing", description="漏雨",
                         raised_on=days_ago(40))
    problem_raise(user=users["village"], household=household, category="water", description="停水",
                  raised_on=days_ago(1))
    client.force_login(users["county"])
    body = client.get("/api/problems/?overdue=true").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["id"], r["overdue"], r["responsible"]) for r in rows] == [(late.pk, True, "C-TEST-1")]
    client.force_login(make_user("county", places["other_county"]))
    body = client.get("/api/problems/").json()
    assert (body["results"] if isinstance(body, dict) else body) == []
    assert client.get(f"/api/problems/{late.pk}/").status_code == 404


def test_raise_resolve_close_through_the_api(client, users, household):
    client.force_login(users["village"])
    response = client.post("/api/problems/", {"household_id": household.household_id, "category": "education",
                                              "description": "子女辍学", "raised_on": str(days_ago(10))},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.post(f"/api/problems/{pk}/resolve/", {"resolved_on": str(days_ago(2)), "resolution": "已返校"})
    assert response.status_code == 400 and "at least one photo or document" in response.json()["detail"]
    response = client.post(f"/api/problems/{pk}/resolve/", {"resolved_on": str(days_ago(2)), "resolution": "已返校",
                                                            "files": [png()]})
    assert response.status_code == 200 and response.json()["state"] == "resolved"
    assert response.json()["evidence"][0]["content_type"] == "image/png"
    assert client.post(f"/api/problems/{pk}/close/", {"closed_on": str(days_ago(1))},
                       content_type="application/json").status_code == 403
    client.force_login(users["town"])
    response = client.post(f"/api/problems/{pk}/close/", {"closed_on": str(days_ago(1))},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "closed"
    assert [h["step"] for h in response.json()["history"]] == ["raise", "resolve", "close"]


def test_the_resolver_is_refused_closing_through_the_api(client, users, household):
    problem = problem_raise(user=users["village"], household=household, category="housing", description="漏雨",
                            raised_on=days_ago(10))
    client.force_login(users["town"])
    client.post(f"/api/problems/{problem.pk}/resolve/", {"resolved_on": str(days_ago(2)), "resolution": "已修",
                                                         "files": [png()]})
    response = client.post(f"/api/problems/{problem.pk}/close/", {"closed_on": str(days_ago(1))},
                           content_type="application/json")
    assert response.status_code == 400 and "另一名审核人" in response.json()["detail"]
    assert Problem.objects.get().state == "resolved"
