"""A measure's page (facts, history, the steps open to the user), its step forms, the
assign form's plan fields, and the API's list, detail, assignment and steps."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.utils import timezone

from neisheng.measures.models import AssignedMeasure
from neisheng.measures.services import measure_assign, measure_step
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def household(places) -> Household:
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def measure(cadre, household) -> AssignedMeasure:
    return measure_assign(user=cadre, household=household, measure="job_placement", assigned_on=TODAY,
                          responsible="镇就业服务站", responsible_kind="department", note="大棚基地务工",
                          ends_on=TODAY + dt.timedelta(days=60), cost=2000, funding_source="department")


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return lxml.html.document_fromstring(response.content.decode())


def test_the_page_shows_the_plan_and_offers_the_open_steps(client, cadre, measure):
    client.force_login(cadre)
    page = _page(client, f"/measures/{measure.pk}/")
    assert page.get_element_by_id("measure-state").get("data-state") == "planned"
    assert page.get_element_by_id("measure-responsible").text_content() == "镇就业服务站"
    assert page.get_element_by_id("measure-cost").text_content().strip() == "2,000.00"
    assert [a.get("data-step") for a in page.get_element_by_id("measure-next").findall("a")] == [
        "start", "complete", "abandon"]
    steps = page.get_element_by_id("measure-history").find_class("measure-step")
    assert [s.get("data-step") for s in steps] == ["assign"]
    assert cadre.username in steps[0].text_content() and "大棚基地务工" in steps[0].text_content()


def test_an_auditor_reads_the_page_without_steps(client, make_user, places, measure):
    client.force_login(make_user("auditor", places["county"]))
    page = _page(client, f"/measures/{measure.pk}/")
    assert not page.xpath('//*[@id="measure-next"]')
    assert client.get(f"/measures/{measure.pk}/start/").status_code == 403


def test_completing_through_the_form_asks_for_the_outcome(client, cadre, measure):
    client.force_login(cadre)
    url = f"/measures/{measure.pk}/complete/"
    assert _page(client, url).xpath('//textarea[@name="outcome"]')
    missing = client.post(url, {"effective_on": TODAY.isoformat(), "outcome": ""})
    assert missing.status_code == 400
    done = client.post(url, {"effective_on": TODAY.isoformat(), "outcome": "月工资 2000 元"})
    assert done.status_code == 302 and done["Location"] == f"/measures/{measure.pk}/"
    page = _page(client, f"/measures/{measure.pk}/")
    assert page.get_element_by_id("measure-state").get("data-state") == "done"
    assert "月工资 2000 元" in page.get_element_by_id("measure-outcome").text_content()
    assert [s.get("data-step") for s in page.find_class("measure-step")] == ["assign", "complete"]


def test_a_step_the_state_refuses_says_why_in_the_pages_language(client, cadre, measure):
    measure_step(user=cadre, measure=measure, step="abandon", effective_on=TODAY, reason="本人不愿外出")
    client.force_login(cadre)
    refused = client.get(f"/measures/{measure.pk}/start/")
    assert refused.status_code == 400
    text = lxml.html.document_fromstring(refused.content.decode()).get_element_by_id("step-refused").text_content()
    assert "已放弃" in text and "/" not in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/measures/{measure.pk}/start/", HTTP_ACCEPT_LANGUAGE="en")
    text = lxml.html.document_fromstring(english.content.decode()).get_element_by_id("step-refused").text_content()
    assert "cannot be done" in text
    assert client.post(f"/measures/{measure.pk}/start/", {"effective_on": TODAY.isoformat()}).status_code == 400
    measure.refresh_from_db()
    assert measure.state == "abandoned"


def test_a_measure_elsewhere_is_not_found(client, make_user, places, measure):
    client.force_login(make_user("village", places["other_village"]))
    assert client.get(f"/measures/{measure.pk}/").status_code == 404
    assert client.post(f"/measures/{measure.pk}/start/", {"effective_on": TODAY.isoformat()}).status_code == 404


def test_the_assign_form_takes_the_plan(client, cadre, household):
    client.force_login(cadre)
    url = f"/measures/new/?household={household.household_id}"
    values = {"measure": "microcredit", "person": "", "assigned_on": TODAY.isoformat(), "responsible": "信用社",
              "responsible_kind": "department", "starts_on": TODAY.isoformat(), "ends_on": "", "cost": "5000"}
    refused = client.post(url, values)
    assert refused.status_code == 200 and not AssignedMeasure.objects.exists()
    assert "请选择资金来源" in refused.content.decode()
    assert client.post(url, {**values, "funding_source": "credit"}).status_code == 302
    made = AssignedMeasure.objects.get()
    assert (made.cost, made.funding_source, made.starts_on) == (5000, "credit", TODAY)


def test_the_list_links_each_measure_and_flags_one_past_its_end(client, cadre, household):
    late = AssignedMeasure.objects.create(household=household, measure="microcredit", assigned_on=dt.date(2026, 1, 5),
                                          responsible="x", ends_on=dt.date(2026, 2, 1))
    AssignedMeasure.objects.create(household=household, measure="skills_training", assigned_on=dt.date(2026, 1, 6),
                                   responsible="y", ends_on=dt.date(2026, 2, 1), state="done")
    client.force_login(cadre)
    page = _page(client, "/measures/?past_end=yes")
    rows = page.find_class("assigned-measure")
    assert [r.get("data-measure") for r in rows] == ["microcredit"]
    assert rows[0].xpath(f'.//a[@href="/measures/{late.pk}/"]') and rows[0].find_class("past-end")


# --------------------------------------------------------------------------- API


def test_the_api_lists_reads_and_masks_the_member(client, cadre, household, make_user, places):
    member = household.members.filter(alive=True).first()
    mine = measure_assign(user=cadre, household=household, measure="skills_training", assigned_on=TODAY,
                          responsible="县职校", person_id=member.person_id)
    client.force_login(cadre)
    listed = client.get("/api/measures/?state=planned").json()
    row = next(r for r in listed["results"] if r["id"] == mine.pk)
    assert row["person"] != member.person_id and row["person"][-4:] == member.person_id[-4:]
    assert row["person_key"] == member.key
    detail = client.get(f"/api/measures/{mine.pk}/").json()
    assert [h["step"] for h in detail["history"]] == ["assign"]
    assert client.get("/api/measures/?state=nonsense").status_code == 400
    client.force_login(make_user("village", places["other_village"]))
    assert client.get(f"/api/measures/{mine.pk}/").status_code == 404


def test_the_api_assigns_and_names_what_it_refuses(client, cadre, household, make_user, places):
    member = household.members.filter(alive=True).first()
    client.force_login(cadre)
    payload = {"household_id": household.household_id, "measure": "skills_training", "person_key": member.key,
               "assigned_on": TODAY.isoformat(), "responsible": "县职校", "cost": "800"}
    refused = client.post("/api/measures/", payload, content_type="application/json")
    assert refused.status_code == 400 and "funding_source" in refused.json()["fields"]
    made = client.post("/api/measures/", {**payload, "funding_source": "linkage_fund"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["person_key"] == member.key
    client.force_login(make_user("department", places["county"]))
    assert client.post("/api/measures/", payload, content_type="application/json").status_code == 403
    client.force_login(make_user("county", places["other_county"]))
    assert client.post("/api/measures/", {**payload, "funding_source": "own"},
                       content_type="application/json").status_code == 404


def test_the_api_steps(client, cadre, measure, make_user, places):
    client.force_login(cadre)
    url = f"/api/measures/{measure.pk}"
    assert client.post(f"{url}/start/", {"effective_on": TODAY.isoformat()},
                       content_type="application/json").json()["state"] == "in_progress"
    no_outcome = client.post(f"{url}/complete/", {"effective_on": TODAY.isoformat()}, content_type="application/json")
    assert no_outcome.status_code == 400 and "请写明成效" in no_outcome.json()["detail"]
    no_reason = client.post(f"{url}/abandon/", {"effective_on": TODAY.isoformat()}, content_type="application/json")
    assert no_reason.status_code == 400
    client.force_login(make_user("auditor", places["county"]))
    assert client.post(f"{url}/abandon/", {"effective_on": TODAY.isoformat(), "reason": "x"},
                       content_type="application/json").status_code == 403
    client.force_login(cadre)
    done = client.post(f"{url}/complete/", {"effective_on": TODAY.isoformat(), "outcome": "已上岗"},
                       content_type="application/json").json()
    assert done["state"] == "done" and [h["step"] for h in done["history"]] == ["assign", "start", "complete"]
