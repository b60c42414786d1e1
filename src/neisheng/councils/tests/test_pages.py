"""The councils' pages: the list with its figures (also for a researcher, counts only),
a council's page, the forms (errors shown by field, nothing written), the meeting form
changing the registry, the item and its response, the export of a council's items, the
household page's card; every page in one language (Chinese and English)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.utils import translation

from neisheng.councils import services
from neisheng.councils.models import Item, Meeting

from .conftest import FOUNDED, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(officer, council, president, villagers):
    """A meeting, a demand answered late, a suggestion open past the answer days."""
    meeting = services.meeting_record(user=officer, council=council, held_on=TODAY - dt.timedelta(days=30),
                                      kind="hearing", topic="听取群众意见", minutes="收集到三条意见",
                                      members=[president], households=[villagers[1].pk])
    demand = services.item_raise(user=officer, council=council, kind="demand", category="infrastructure",
                                 text="修复村道", meeting=meeting, household=villagers[1].pk, raised_by="张三")
    services.item_respond(user=officer, item=demand, responded_on=meeting.held_on + dt.timedelta(days=20),
                          responder="村委会", action="已修复", closes=True)
    open_item = services.item_raise(user=officer, council=council, kind="suggestion", category="policy",
                                    text="多宣讲政策", raised_on=TODAY - dt.timedelta(days=25))
    return {"meeting": meeting, "demand": demand, "open": open_item}


def _pages(council, busy, president) -> list[str]:
    return ["/councils/", f"/councils/{council.pk}/", f"/councils/{council.pk}/members/new/",
            f"/councils/{council.pk}/meetings/new/", f"/councils/{council.pk}/items/new/",
            f"/councils/{council.pk}/notes/new/", f"/councils/members/{president.pk}/end/",
            f"/councils/meetings/{busy['meeting'].pk}/", f"/councils/items/{busy['demand'].pk}/",
            f"/councils/items/{busy['open'].pk}/", f"/councils/items/{busy['open'].pk}/respond/",
            "/councils/new/", f"/households/{busy['demand'].household_id}/"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_is_in_one_language(client, officer, council, president, busy, language):
    from neisheng.web.tests.test_one_language import violations

    client.force_login(officer)
    client.cookies["django_language"] = language
    for url in _pages(council, busy, president):
        response = client.get(url)
        assert response.status_code == 200, url
        with translation.override(language):
            assert violations(response.content.decode(), language) == [], url
    # A form sent back with errors.
    response = client.post(f"/councils/{council.pk}/meetings/new/", {"held_on": "", "kind": "", "topic": ""})
    assert response.status_code == 400
    assert violations(response.content.decode(), language) == []


def test_the_council_page_shows_what_is_overdue_and_the_figures(client, officer, council, busy):
    client.force_login(officer)
    html = client.get(f"/councils/{council.pk}/").content.decode()
    assert 'id="council-overdue"' in html and f'data-item="{busy["open"].pk}" data-age="25"' in html
    assert f'data-item="{busy["demand"].pk}" data-days="20"' in html
    assert 'id="council-figures"' in html
    html = client.get(f"/councils/items/{busy['demand'].pk}/").content.decode()
    assert 'data-days="20" data-on-time="0"' in html  # 20 days > the policy's 15


def test_a_researcher_reads_the_figures_only(client, make_user, places, council, busy):
    researcher = make_user("researcher", places["county"])
    client.force_login(researcher)
    html = client.get("/councils/").content.decode()
    assert f'data-council="{council.pk}"' in html and "张三" not in html
    assert f'href="/councils/{council.pk}/"' not in html
    assert client.get(f"/councils/{council.pk}/").status_code == 403
    figures = client.get("/api/councils/figures/").json()
    assert figures["total"]["demands"] == 1 and figures["total"]["answered"] == 1
    assert client.get("/api/council-items/").status_code == 403


def test_forms_show_errors_and_write_nothing(client, officer, council, president, villagers, places):
    from neisheng.registry.models import Household

    client.force_login(officer)
    elsewhere = Household.objects.exclude(village=places["village"]).order_by("pk").first()
    response = client.post(f"/councils/{council.pk}/meetings/new/", {
        "held_on": (TODAY + dt.timedelta(days=2)).isoformat(), "kind": "regular", "topic": "例会",
        "members": [str(president.pk)], "households": f"{villagers[1].pk}\n{elsewhere.pk}"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "held_on" in form.errors and "households" in form.errors
    assert elsewhere.pk in str(form.errors["households"])
    assert not Meeting.objects.exists()
    response = client.post(f"/councils/{council.pk}/items/new/", {"kind": "demand", "category": "other", "text": ""})
    assert response.status_code == 400 and "text" in response.context["form"].errors
    response = client.post(f"/councils/{council.pk}/items/new/",
                           {"kind": "demand", "category": "other", "text": "问题", "household": elsewhere.pk})
    assert response.status_code == 400 and "raised_on" in response.context["form"].errors
    assert "household" in response.context["form"].errors
    assert not Item.objects.exists()


def test_the_meeting_form_records_who_came_and_the_registry_follows(client, officer, council, president,
                                                                      villagers):
    client.force_login(officer)
    response = client.post(f"/councils/{council.pk}/meetings/new/", {
        "held_on": TODAY.isoformat(), "kind": "policy", "topic": "防返贫政策宣讲", "members": [str(president.pk)],
        "households": f"{villagers[1].pk}, {villagers[2].pk}"})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/councils/meetings/{meeting.pk}/"
    for household in villagers[:3]:
        household.refresh_from_db()
        assert household.participates_village_affairs
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="3" data-affairs-set="3"' in page
    # The household page names the council and the meeting's change in its history.
    household_page = client.get(f"/households/{villagers[1].pk}/").content.decode()
    assert 'id="household-councils"' in household_page and 'data-count="1"' in household_page


def test_an_item_answered_through_the_form_and_exported(client, officer, council, busy):
    client.force_login(officer)
    response = client.post(f"/councils/items/{busy['open'].pk}/respond/", {
        "responded_on": TODAY.isoformat(), "responder": "驻村工作队", "action": "已安排宣讲", "closes": "on"})
    assert response.status_code == 302
    busy["open"].refresh_from_db()
    assert busy["open"].closed_on == TODAY
    exported = client.post(f"/councils/{council.pk}/")
    book = openpyxl.load_workbook(BytesIO(exported.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "编号" and len(rows) == 3
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[busy["demand"].pk][9] == 20 and by_id[busy["demand"].pk][10] == "否"
    assert by_id[busy["open"].pk][9] == 25 and by_id[busy["open"].pk][10] == "否"


def test_a_council_and_a_member_through_the_forms(client, make_user, places, villagers):
    from neisheng.councils.models import Council, CouncilMember

    town = make_user("town", places["town"])
    client.force_login(town)
    response = client.post("/councils/new/", {"village": places["village"].code, "name": "理事会",
                                              "founded_on": FOUNDED.isoformat()})
    council = Council.objects.get()
    assert response.status_code == 302
    person = villagers[0].members.order_by("birth_date").first()
    response = client.post(f"/councils/{council.pk}/members/new/", {"role": "president", "person": person.key,
                                                                    "starts_on": FOUNDED.isoformat()})
    assert response.status_code == 302
    member = CouncilMember.objects.get()
    assert (member.person_id, member.household_id, member.name) == (person.pk, villagers[0].pk, person.name)
    response = client.post(f"/councils/members/{member.pk}/end/", {"ends_on": TODAY.isoformat(), "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors


def test_the_list_export_has_the_scope_s_councils_and_counts_only(client, make_user, places, officer, council,
                                                                  president, villagers):
    from neisheng.councils.models import Council

    # Last year's work, so the year's figures are whole whatever day the test runs.
    year = TODAY.year - 1
    meeting = services.meeting_record(user=officer, council=council, held_on=dt.date(year, 5, 10), kind="hearing",
                                      topic="听取群众意见", members=[president], households=[villagers[1].pk])
    demand = services.item_raise(user=officer, council=council, kind="demand", category="infrastructure",
                                 text="修复村道", meeting=meeting, household=villagers[1].pk, raised_by="张三")
    services.item_respond(user=officer, item=demand, responded_on=dt.date(year, 5, 30), responder="村委会",
                          action="已修复", closes=True)
    services.item_raise(user=officer, council=council, kind="suggestion", category="policy", text="多宣讲政策",
                        raised_on=dt.date(year, 6, 1))
    elsewhere = Council.objects.create(division_code=places["other_village"].code, name="别村理事会",
                                       founded_on=FOUNDED)
    for who, expected in ((officer, {council.name}),
                          (make_user("researcher", places["county"]), {council.name}),
                          (make_user("county", places["other_county"]), {elsewhere.name})):
        client.force_login(who)
        exported = client.post(f"/councils/?year={year}")
        assert exported.status_code == 200, who
        rows = list(openpyxl.load_workbook(BytesIO(exported.content), read_only=True).worksheets[0]
                    .iter_rows(values_only=True))
        assert {row[0] for row in rows[1:]} == expected, who
        if expected == {council.name}:
            header = list(rows[0])
            row = dict(zip(header, rows[1], strict=True))
            # 20 days for the demand (late at the policy's 15); the suggestion open past them.
            assert (row["会议"], row["建议"], row["诉求"], row["已答复"], row["按时答复"]) == (1, 1, 1, 1, 0)
            assert row["答复天数中位数"] == 20 and row["超期未答复"] == 1
            assert "张三" not in [str(v) for r in rows for v in r]
        api = client.get(f"/api/councils/?year={year}").json()
        results = api["results"] if isinstance(api, dict) else api
        assert {c["name"] for c in results} == expected
        assert all(set(c) == {"id", "division_code", "name", "founded_on", "figures"} for c in results)
        if expected == {council.name}:
            assert results[0]["figures"]["answered"] == 1 and results[0]["figures"]["median_days"] == 20


def test_the_api_records_a_meeting_and_an_item_through_the_services(client, make_user, places, officer, council,
                                                                    president, villagers):
    client.force_login(officer)
    held_on = TODAY - dt.timedelta(days=3)
    made = client.post("/api/council-meetings/", {
        "council": council.pk, "held_on": held_on.isoformat(), "kind": "hearing", "topic": "听取群众意见",
        "members": [president.pk], "households": [villagers[2].pk]}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert {a["household_id"] for a in made.json()["attendance"] if a["affairs_set"]} == {villagers[0].pk,
                                                                                       villagers[2].pk}
    villagers[2].refresh_from_db()
    assert villagers[2].participates_village_affairs
    refused = client.post("/api/council-items/", {"council": council.pk, "kind": "demand", "category": "other",
                                                  "text": " ", "raised_on": held_on.isoformat()},
                          content_type="application/json")
    assert refused.status_code == 400 and not Item.objects.exists()
    item = client.post("/api/council-items/", {"council": council.pk, "kind": "demand", "category": "other",
                                               "text": "路灯坏了", "meeting": made.json()["id"],
                                               "household_id": villagers[2].pk}, content_type="application/json")
    assert item.status_code == 201 and item.json()["raised_on"] == held_on.isoformat()
    answered = client.post(f"/api/council-items/{item.json()['id']}/respond/", {
        "responded_on": TODAY.isoformat(), "responder": "村委会", "action": "已修好", "closes": True},
        content_type="application/json")
    assert answered.status_code == 200 and answered.json()["answer_days"] == 3
    client.force_login(make_user("researcher", places["county"]))
    assert client.post("/api/council-meetings/", {"council": council.pk}, content_type="application/json") \
        .status_code == 403
    read = client.get(f"/api/councils/{council.pk}/?year={held_on.year}").json()
    assert read["figures"]["demands"] == 1 and read["figures"]["answered"] == 1 and "路灯" not in str(read)
