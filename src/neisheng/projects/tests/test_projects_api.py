"""The projects API (issue 14, item 5: "API with the same scope rules"): rows of the
projects the user sees, writes through the services (an overspend is a 400 on `amount`
and writes nothing), projects.edit to write, persons.read for beneficiaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from neisheng.projects.models import Expenditure, Project
from neisheng.projects.services import projects as services
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() - dt.timedelta(days=30)


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


@pytest.fixture
def project(officer, places):
    project = services.project_create(user=officer, division_code=places["village"].code, name="村级光伏电站",
                                      kind="photovoltaic", served_codes=[])
    fund = services.fund_add(user=officer, project=project, source="central", amount=Decimal("500.00"),
                             received_on=DAY)
    services.expenditure_add(user=officer, fund=fund, amount=Decimal("499.00"), spent_on=DAY, purpose="组件")
    services.beneficiary_add(user=officer, project=project,
                             household=Household.objects.filter(village=places["village"]).first(), starts_on=DAY)
    return project


def test_projects_and_their_funds_are_read_within_scope(client, officer, make_user, places, project):
    client.force_login(officer)
    listed = client.get("/api/projects/").json()
    assert [p["id"] for p in listed["results"]] == [project.pk]
    one = client.get(f"/api/projects/{project.pk}/").json()
    assert one["served_codes"] == [places["village"].code]
    assert one["funds_by_source"] == [{"source": "central", "amount": "500.00", "spent": "499.00", "balance": "1.00"}]
    fund = client.get(f"/api/project-funds/?project={project.pk}").json()["results"][0]
    assert (fund["spent"], fund["balance"]) == ("499.00", "1.00")
    client.force_login(make_user("county", places["other_county"]))
    assert client.get("/api/projects/").json()["results"] == []
    assert client.get(f"/api/projects/{project.pk}/").status_code == 404
    assert client.get("/api/project-funds/").json()["results"] == []


def test_an_overspend_through_the_api_is_a_400_on_the_amount_and_writes_nothing(client, officer, project):
    client.force_login(officer)
    fund = project.funds.get()
    before = Expenditure.objects.count()
    refused = client.post("/api/project-expenditures/", {"fund": fund.pk, "amount": "1.01",
                                                         "spent_on": DAY.isoformat(), "purpose": "超支"})
    assert refused.status_code == 400 and "amount" in refused.json()
    assert Expenditure.objects.count() == before
    taken = client.post("/api/project-expenditures/", {"fund": fund.pk, "amount": "1.00",
                                                       "spent_on": DAY.isoformat(), "purpose": "余款"})
    assert taken.status_code == 201 and taken.json()["amount"] == "1.00"


def test_writing_needs_projects_edit_and_beneficiaries_need_persons_read(client, make_user, places, project):
    client.force_login(make_user("auditor", places["county"]))
    assert client.get("/api/project-beneficiaries/").status_code == 200
    assert client.post("/api/projects/", {"name": "x", "kind": "other"}).status_code == 403
    client.force_login(make_user("researcher", places["county"]))
    assert client.get("/api/projects/").status_code == 200
    assert client.get("/api/project-beneficiaries/").status_code == 403


def test_a_project_is_created_and_a_beneficiary_ended_through_the_api(client, officer, places, project):
    client.force_login(officer)
    made = client.post("/api/projects/", {"name": "扶贫车间", "kind": "workshop",
                                          "division_code": places["town"].code,
                                          "served_codes": [places["village"].code]}, content_type="application/json")
    assert made.status_code == 201, made.json()
    assert Project.objects.get(pk=made.json()["id"]).divisions.get().division_code == places["village"].code
    beneficiary = client.get("/api/project-beneficiaries/").json()["results"][0]
    ended = client.post(f"/api/project-beneficiaries/{beneficiary['id']}/end/", {"ends_on": DAY.isoformat()})
    assert ended.status_code == 200 and ended.json()["ends_on"] == DAY.isoformat()
    again = client.post(f"/api/project-beneficiaries/{beneficiary['id']}/end/", {"ends_on": DAY.isoformat()})
    assert again.status_code == 400 and "ends_on" in again.json()
