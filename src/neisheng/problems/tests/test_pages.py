"""The ledger's pages as a user sees them: the list (overdue red, filters, export), a
problem with its history, evidence and step buttons, the step forms with refusals in the
page's language, raising from a household, the overdue page, the household card, the
home cards and the dashboard card."""

from __future__ import annotations

from io import BytesIO

import lxml.html
import openpyxl
import pytest

from neisheng.accounts.models import AuditEvent
from neisheng.problems.models import Problem
from neisheng.problems.services import problem_raise, problem_resolve
from neisheng.problems.tests.support import days_ago, household_with_cadre, png, users_by_role

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return household_with_cadre(places["village"])[0]


def _page(client, user, url, language="zh-hans"):
    client.force_login(user)
    client.cookies.load({"django_language": language})
    return client.get(url)


def _tree(response):
    return lxml.html.document_fromstring(response.content.decode())


def _raise(users, household, **kwargs) -> Problem:
    values = {"category": "housing", "description": "屋顶漏雨", "raised_on": days_ago(40)} | kwargs
    return problem_raise(user=users["village"], household=household, **values)


def test_the_ledger_marks_overdue_red_and_filters(client, users, household):
    late = _raise(users, household)
    on_time = _raise(users, household, category="water", description="水管破裂", raised_on=days_ago(2))
    tree = _tree(_page(client, users["county"], "/problems/"))
    rows = {int(r.get("data-problem")): r for r in tree.xpath('//tr[contains(@class, "problem-row")]')}
    assert set(rows) == {late.pk, on_time.pk}
    assert "overdue" in rows[late.pk].get("class") and "overdue" not in rows[on_time.pk].get("class")
    tree = _tree(_page(client, users["county"], "/problems/?overdue=yes"))
    assert [int(r.get("data-problem")) for r in tree.xpath('//tr[contains(@class, "problem-row")]')] == [late.pk]
    tree = _tree(_page(client, users["county"], "/problems/?category=water"))
    assert [int(r.get("data-problem")) for r in tree.xpath('//tr[contains(@class, "problem-row")]')] == [on_time.pk]
    tree = _tree(_page(client, users["county"], "/problems/?q=水管"))
    assert [int(r.get("data-problem")) for r in tree.xpath('//tr[contains(@class, "problem-row")]')] == [on_time.pk]


def test_the_ledger_exports_every_matching_problem(client, users, household):
    _raise(users, household)
    client.force_login(users["town"])
    response = client.post("/problems/?state=open")
    assert response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("户编号", "村", "类别", "问题描述") and rows[1][3] == "屋顶漏雨" and rows[1][8] == "是"
    assert AuditEvent.objects.filter(action="export", object_type="problem_list").exists()


def test_raising_from_the_household_page(client, users, household):
    tree = _tree(_page(client, users["village"], f"/households/{household.household_id}/"))
    link = tree.get_element_by_id("problem-new-link").get("href")
    response = client.post(link, {"category": "medical", "description": "慢性病用药报销未到位",
                                  "raised_on": str(days_ago(1))})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    assert problem.responsible.name == "王帮扶" and problem.deadline == days_ago(1 - 30)
    tree = _tree(_page(client, users["village"], f"/households/{household.household_id}/"))
    item = tree.xpath(f'//*[@id="household-problems"]//li[@data-problem="{problem.pk}"]')[0]
    assert item.get("data-state") == "open" and str(problem.deadline) in item.text_content()


def test_resolve_then_close_by_another_through_the_pages(client, users, household):
    problem = _raise(users, household)
    tree = _tree(_page(client, users["town"], f"/problems/{problem.pk}/"))
    assert [a.get("data-step") for a in tree.xpath('//*[@id="problem-next"]//a')] == ["resolve"]
    response = client.post(f"/problems/{problem.pk}/resolve/", {"resolved_on": str(days_ago(3)),
                                                                "resolution": "已维修", "files": []})
    assert response.status_code == 400
    assert "请至少上传一张照片或一份文件作为佐证" in _tree(response).get_element_by_id("step-refused").text_content()
    response = client.post(f"/problems/{problem.pk}/resolve/", {"resolved_on": str(days_ago(3)),
                                                                "resolution": "已维修", "files": [png(), png("b.png")]})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.state == "resolved" and problem.evidence.count() == 2
    # The resolver is told another reviewer must close it, and has no close button.
    tree = _tree(_page(client, users["town"], f"/problems/{problem.pk}/"))
    assert [a.get("data-step") for a in tree.xpath('//*[@id="problem-next"]//a')] == ["reopen"]
    assert tree.get_element_by_id("problem-other-reviewer") is not None
    response = _page(client, users["town"], f"/problems/{problem.pk}/close/", language="en")
    assert response.status_code == 400
    assert "another reviewer must approve it" in _tree(response).get_element_by_id("step-refused").text_content()
    response = client.post(f"/problems/{problem.pk}/close/", {"closed_on": str(days_ago(1))})
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.state == "resolved"
    client.force_login(users["county"])
    assert client.post(f"/problems/{problem.pk}/close/", {"closed_on": str(days_ago(1)), "note": "核验"}) \
        .status_code == 302
    tree = _tree(_page(client, users["county"], f"/problems/{problem.pk}/"))
    assert tree.get_element_by_id("problem-state").get("data-state") == "closed"
    assert [li.get("data-step") for li in tree.xpath('//*[@id="problem-history"]//li[contains(@class, "problem-step")]')] == [
        "raise", "resolve", "close"]
    assert len(tree.xpath('//*[@id="problem-history"]//li[@data-step="resolve"]//li[contains(@class, "evidence")]')) == 2


def test_reopening_without_a_reason_is_refused_on_the_page(client, users, household):
    problem = _raise(users, household)
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(3), resolution="已修",
                    files=[png()])
    client.force_login(users["town"])
    response = client.post(f"/problems/{problem.pk}/reopen/", {"reopened_on": str(days_ago(1)), "reason": ""})
    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.state == "resolved"
    assert client.post(f"/problems/{problem.pk}/reopen/", {"reopened_on": str(days_ago(1)),
                                                           "reason": "照片不清楚"}).status_code == 302
    problem.refresh_from_db()
    assert problem.state == "open" and problem.reopened_times == 1


def test_a_role_without_the_capability_gets_403_in_its_language(client, users, household):
    problem = _raise(users, household)
    response = _page(client, users["village"], f"/problems/{problem.pk}/close/", language="en")
    assert response.status_code == 403


def test_evidence_is_served_within_scope_and_audited(client, users, household, make_user, places):
    problem = _raise(users, household)
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(3), resolution="已修",
                    files=[png()])
    evidence = problem.evidence.get()
    response = _page(client, users["county"], f"/problems/{problem.pk}/evidence/{evidence.pk}/?inline=1")
    assert response["Content-Type"] == "image/png" and "inline" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert AuditEvent.objects.filter(object_type="problem_evidence", object_id=str(evidence.pk)).exists()
    elsewhere = make_user("county", places["other_county"])
    assert _page(client, elsewhere, f"/problems/{problem.pk}/evidence/{evidence.pk}/").status_code == 404


def test_the_overdue_page_per_cadre_and_village_and_its_exports(client, users, household, places):
    _raise(users, household)
    _raise(users, household, raised_on=days_ago(2))
    tree = _tree(_page(client, users["town"], "/problems/overdue/"))
    cadres = tree.xpath('//*[@id="overdue-by-cadre"]//tr[contains(@class, "overdue-cadre")]')
    assert len(cadres) == 1 and "王帮扶" in cadres[0].text_content()
    villages = tree.xpath('//*[@id="overdue-by-village"]//tr[contains(@class, "overdue-village")]')
    assert [v.get("data-village") for v in villages] == [places["village"].code]
    response = client.post("/problems/overdue/?table=villages")
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1:4] == (places["village"].code, 1, 2)


def test_the_home_cards_for_a_reviewer_and_for_a_cadre(client, users, household, places, make_user):
    from neisheng.grid.models import Cadre

    problem = _raise(users, household)
    problem_resolve(user=users["village"], problem=problem, resolved_on=days_ago(3), resolution="已修",
                    files=[png()])
    tree = _tree(_page(client, users["town"], "/"))
    card = tree.get_element_by_id("work-problems-review")
    assert "1 个问题待审核销号" in card.text_content()
    cadre_user = make_user("assistance", places["village"], username="cadre-wang")
    Cadre.objects.filter(name="王帮扶").update(user=cadre_user)
    _raise(users, household, description="门前道路泥泞")
    _raise(users, household, description="尚未到期", raised_on=days_ago(1))
    tree = _tree(_page(client, cadre_user, "/", language="en"))
    # The resolved one is still overdue (grid.md: open or resolved past the deadline); the new one is not.
    assert "2 problems overdue" in tree.get_element_by_id("work-problems-overdue").text_content()


def test_the_dashboard_card_counts_per_division(client, users, household, places):
    _raise(users, household)
    tree = _tree(_page(client, users["town"], f"/monitoring/?division={places['town'].code}"))
    card = tree.get_element_by_id("problems-by-division")
    row = next(r for r in card.xpath('.//tr') if places["village"].code in r.text_content())
    assert [c.text_content().strip() for c in row.xpath('./td')][2:] == ["1", "0", "1", "0"]
