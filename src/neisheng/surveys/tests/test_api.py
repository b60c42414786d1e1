"""The surveys API with the pages' scope rules: the report is aggregates (researchers
read it, with no respondent id or household), responses need persons.read and are seen
by their village, the phone's queue posts once per idempotency key, and proposals are
decided by reviewers."""

from __future__ import annotations

import json
import uuid

import pytest

from neisheng.registry.models import Household
from neisheng.surveys import services
from neisheng.surveys.models import RegistryProposal, Response
from neisheng.surveys.tests.conftest import TODAY, household_answers

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def submit(user, survey, respondent_id, household=None, **changed):
    return services.response_submit(user=user, survey=survey, respondent_id=respondent_id, group="household",
                                    answers=household_answers(**changed), household=household, answered_on=TODAY,
                                    source=Response.Source.WEB)


@pytest.fixture
def answered(officer, survey, village_households):
    """Two responses in the test village, one in the second village, one invalid."""
    here, there = village_households["here"], village_households["there"]
    return [submit(officer, survey, "Q1", here[0]), submit(officer, survey, "Q2", here[1]),
            submit(officer, survey, "Q3", there[0]), submit(officer, survey, "Q4", will=8)]


def test_a_researcher_reads_the_report_but_not_the_responses(client, make_user, places, survey, answered):
    client.force_login(make_user("researcher", places["county"]))
    report = client.get(f"/api/surveys/{survey.pk}/report/")
    assert report.status_code == 200
    body = report.json()
    assert body["summary"]["issued"] == 100 and body["summary"]["returned"] == 4 and body["summary"]["valid"] == 3
    assert body["summary"]["validity_rate_percent"] == "3.00%"
    assert body["invalid"] == {"count": 1, "by_reason": {"out_of_range": 1}}
    assert {"question": "will", "group": "household", "option": "4", "count": 3, "share": 1.0} \
        in body["distribution"]
    text = report.content.decode()
    for response in answered:
        assert response.respondent_id not in text
        if response.household_id:
            assert response.household_id not in text
    assert client.get("/api/survey-responses/").status_code == 403
    assert client.get(f"/api/survey-responses/{answered[0].pk}/").status_code == 403
    assert client.get("/api/survey-proposals/").status_code == 403
    assert client.get(f"/api/surveys/{survey.pk}/").status_code == 200


def test_a_village_cadre_sees_only_their_village_s_responses(client, make_user, places, survey, answered,
                                                              village_households):
    client.force_login(make_user("village", places["village"]))
    listed = client.get(f"/api/survey-responses/?survey={survey.pk}").json()["results"]
    assert sorted(r["respondent_id"] for r in listed) == ["Q1", "Q2"]
    assert client.get(f"/api/survey-responses/{answered[2].pk}/").status_code == 404
    assert client.get(f"/api/survey-responses/{answered[3].pk}/").status_code == 404  # the county's own
    # The county's survey is theirs to answer and to read the report of.
    assert client.get(f"/api/surveys/{survey.pk}/report/").status_code == 200
    client.force_login(make_user("county", places["other_county"]))
    assert client.get("/api/survey-responses/").json()["results"] == []
    assert client.get(f"/api/surveys/{survey.pk}/report/").status_code == 404


def test_the_phone_queue_posts_once_per_key(client, make_user, places, survey, village_households):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    household = village_households["here"][0]
    key = str(uuid.uuid4())
    payload = {"survey": survey.pk, "respondent_id": "PH-001", "group": "脱贫主体", "household_id": household.pk,
               "village_code": "", "answered_on": TODAY.isoformat(), "answers": household_answers(),
               "idempotency_key": key}
    first = post(client, "/api/survey-responses/", payload)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["source"] == "phone" and body["group"] == "household" and body["division_code"] == household.village_id
    again = post(client, "/api/survey-responses/", {**payload, "answers": household_answers(will=1)})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Response.objects.filter(survey=survey).count() == 1
    refused = post(client, "/api/survey-responses/", {**payload, "idempotency_key": str(uuid.uuid4()),
                                                      "answers": {"hobby": "A"}})
    assert refused.status_code == 400 and "answers" in refused.json()
    elsewhere = Household.objects.exclude(village=places["village"]).first()
    refused = post(client, "/api/survey-responses/", {**payload, "idempotency_key": str(uuid.uuid4()),
                                                      "household_id": elsewhere.pk})
    assert refused.status_code == 400 and "household" in refused.json()
    client.force_login(make_user("auditor", places["county"]))  # reads persons, collects nothing
    assert post(client, "/api/survey-responses/", payload).status_code == 403


def test_questionnaires_are_created_and_read_through_the_api(client, officer, make_user, places, questionnaire):
    client.force_login(officer)
    listed = client.get("/api/questionnaires/").json()["results"]
    assert [q["code"] for q in listed] == ["motivation-2019"]
    one = client.get(f"/api/questionnaires/{questionnaire.pk}/").json()
    assert one["versions"][0]["number"] == 1 and "code: motivation-2019" in one["source"]
    bad = post(client, "/api/questionnaires/", {"division_code": places["town"].code,
                                                "source": "code: x\ngroups: {a: 甲}\nquestions: []\n"})
    assert bad.status_code == 400 and "questions" in bad.json()["source"][0]
    made = post(client, "/api/questionnaires/", {"division_code": places["town"].code,
                                                 "template": "motivation-2019"})
    assert made.status_code == 201 and made.json()["division_code"] == places["town"].code
    client.force_login(make_user("researcher", places["county"]))
    assert post(client, "/api/questionnaires/", {"template": "motivation-2019"}).status_code == 403


def test_proposals_are_accepted_and_declined_by_reviewers(client, officer, make_user, places, survey,
                                                          village_households):
    here = village_households["here"]
    Household.objects.filter(pk__in=[here[0].pk, here[1].pk]).update(willingness=1)
    submit(officer, survey, "Q1", here[0], will=5)
    submit(officer, survey, "Q2", here[1], will=5)
    first, second = RegistryProposal.objects.filter(field="willingness").order_by("pk")
    client.force_login(make_user("assistance", places["village"]))  # reads, does not review
    assert len(client.get(f"/api/survey-proposals/?survey={survey.pk}&state=proposed").json()["results"]) >= 2
    assert post(client, f"/api/survey-proposals/{first.pk}/accept/", {}).status_code == 403
    client.force_login(make_user("village", places["village"]))
    accepted = post(client, f"/api/survey-proposals/{first.pk}/accept/", {"decided_on": TODAY.isoformat()})
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert Household.objects.get(pk=here[0].pk).willingness == 5
    no_reason = post(client, f"/api/survey-proposals/{second.pk}/decline/", {})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    declined = post(client, f"/api/survey-proposals/{second.pk}/decline/", {"reason": "核实后不一致"})
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert Household.objects.get(pk=here[1].pk).willingness == 1
