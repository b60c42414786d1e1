"""A finding's steps as an officer takes them: confirm (a town officer may, a department
clerk may not), dismiss (only with a reason), open a case through the
department_screening channel (the case page shows it; a household with an open case is
refused with a link to it), write the department's amounts into the ledger (source: the
department; once); the findings list and its export (ID numbers masked), the household
page's card, the home card and the dashboard card."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import lxml.html
import openpyxl
import pytest
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.cases.models import Channel, MonitoringCase
from neisheng.feeds import findings as services
from neisheng.feeds.models import FindingState
from neisheng.feeds.tests.findings_support import feed_made, feed_row_made, finding_made, member_of
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.registry.models import Household, IncomeItem

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def users(make_user, places):
    return {"department": make_user("department", places["county"]), "county": make_user("county", places["county"]),
            "town": make_user("town", places["town"]), "auditor": make_user("auditor", places["county"])}


@pytest.fixture
def today():
    return timezone.localdate()


def _assistance_finding(household, amounts=("620.00", "620.00")):
    """Civil affairs paid dibao for two months of last year to a member of a household
    whose category is not dibao: a finding with ledger amounts."""
    person = member_of(household)
    year = timezone.localdate().year - 1
    rows = [{"id_number": person.person_id, "name": person.name, "kind": "dibao", "month": f"{year}-{m:02d}",
             "amount": a} for m, a in enumerate(amounts, start=3)]
    feed = feed_made(household=household, feed_type="social_assistance", rows=rows, name="民政救助.csv")
    for number, row in enumerate(rows, start=2):
        feed_row_made(feed=feed, number=number, row=row, person=person)
    return finding_made(feed=feed, household=household, person=person, rule="assistance_category_mismatch",
                        rows=list(range(2, 2 + len(rows))), period=str(year),
                        evidence=f"{person.name} 领取低保金,该户不是低保户")


def test_a_town_officer_confirms_and_a_department_clerk_may_not(client, users, household, today):
    finding = _assistance_finding(household)
    client.force_login(users["department"])
    assert client.get(f"/feeds/findings/{finding.pk}/confirm/").status_code == 403
    assert client.post(f"/api/findings/{finding.pk}/confirm/", {"on": str(today)}).status_code == 403
    page = lxml.html.document_fromstring(client.get(f"/feeds/findings/{finding.pk}/").content.decode())
    assert not page.xpath('//*[@id="finding-step-confirm"]')
    client.force_login(users["town"])
    page = lxml.html.document_fromstring(client.get(f"/feeds/findings/{finding.pk}/").content.decode())
    assert page.xpath('//*[@id="finding-step-confirm"]') and page.xpath('//*[@id="finding-step-dismiss"]')
    response = client.post(f"/feeds/findings/{finding.pk}/confirm/", {"on": str(today), "reason": "入户核实"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.state == FindingState.CONFIRMED
    step = history(finding).get()
    assert (step.name, step.username, step.reason) == ("confirm", users["town"].username, "入户核实")
    assert AuditEvent.objects.filter(object_type="finding", object_id=str(finding.pk)).exists()


def test_dismissing_needs_a_reason(client, users, household, today):
    finding = _assistance_finding(household)
    with pytest.raises(TransitionRefused):
        services.finding_dismiss(finding=finding, user=users["county"], on=today, reason=" ")
    client.force_login(users["county"])
    assert client.post(f"/feeds/findings/{finding.pk}/dismiss/", {"on": str(today), "reason": ""}).status_code == 400
    response = client.post(f"/api/findings/{finding.pk}/dismiss/", {"on": str(today), "reason": ""})
    assert response.status_code == 400
    finding.refresh_from_db()
    assert finding.state == FindingState.NEW
    response = client.post(f"/api/findings/{finding.pk}/dismiss/", {"on": str(today), "reason": "已停发"})
    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    assert response.json()["history"][0]["reason"] == "已停发"


def test_a_confirmed_finding_opens_a_case_in_the_department_screening_channel(client, users, household, today):
    finding = _assistance_finding(household)
    client.force_login(users["county"])
    # Not before it is confirmed.
    assert client.post(f"/feeds/findings/{finding.pk}/case/", {"on": str(today)}).status_code == 400
    services.finding_confirm(finding=finding, user=users["county"], on=today)
    response = client.post(f"/feeds/findings/{finding.pk}/case/", {"on": str(today)})
    case = MonitoringCase.objects.get(household=household)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.channel == Channel.DEPARTMENT_SCREENING and case.finding_ref == f"finding:{finding.pk}"
    assert case.reason == finding.evidence
    finding.refresh_from_db()
    assert finding.case == case and [t.name for t in history(finding)] == ["confirm", "open_case"]
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "部门筛查预警" in case_page and f"finding:{finding.pk}" in case_page
    page = lxml.html.document_fromstring(client.get(f"/feeds/findings/{finding.pk}/").content.decode())
    assert page.get_element_by_id("finding-case").get("href") == f"/cases/{case.pk}/"


def test_a_household_with_an_open_case_is_refused_with_a_link_to_it(client, users, household, today):
    first, second = _assistance_finding(household), None
    services.finding_confirm(finding=first, user=users["county"], on=today)
    case = services.finding_case_open(finding=first, user=users["county"], on=today)
    person = member_of(household)
    second = finding_made(feed=first.feed, household=household, person=person, rule="deceased_alive", rows=[2])
    services.finding_confirm(finding=second, user=users["county"], on=today)
    client.force_login(users["county"])
    page = lxml.html.document_fromstring(client.get(f"/feeds/findings/{second.pk}/").content.decode())
    assert not page.xpath('//*[@id="finding-open-case"]')
    assert page.xpath('//*[@id="finding-open-case-exists"]//a')[0].get("href") == f"/cases/{case.pk}/"
    response = client.post(f"/feeds/findings/{second.pk}/case/", {"on": str(today)})
    assert response.status_code == 400
    tree = lxml.html.document_fromstring(response.content.decode())
    assert tree.get_element_by_id("finding-open-case-link").get("href") == f"/cases/{case.pk}/"
    response = client.post(f"/api/findings/{second.pk}/open_case/", {"on": str(today)})
    assert response.status_code == 400 and f"#{case.pk}" in response.json()["detail"]


def test_the_ledger_write_shows_the_amounts_then_writes_them_once_with_the_department_as_source(
        client, users, household, today):
    finding = _assistance_finding(household)
    services.finding_confirm(finding=finding, user=users["town"], on=today)
    year = today.year - 1
    # The survey's own row of the same item is shown beside the department's amount and left alone.
    survey = IncomeItem.objects.create(household=household, year=year, item="dibao", amount=Decimal(900),
                                       source="survey")
    client.force_login(users["town"])
    preview = lxml.html.document_fromstring(client.get(f"/feeds/findings/{finding.pk}/ledger/").content.decode())
    planned = preview.xpath('//tr[contains(@class, "ledger-planned")]')
    assert [(r.get("data-year"), r.get("data-item")) for r in planned] == [(str(year), "dibao")]
    assert "1,240" in planned[0].text_content() and "民政" in planned[0].text_content()
    others = planned[0].xpath('.//td[contains(@class, "ledger-others")]')[0].text_content()
    assert "900" in others and "入户采集" in others
    assert not IncomeItem.objects.filter(household=household, source="civil_affairs").exists()
    response = client.post(f"/feeds/findings/{finding.pk}/ledger/", {"on": str(today)})
    assert response.status_code == 302
    item = IncomeItem.objects.get(household=household, source="civil_affairs")
    assert (item.year, item.item, item.amount) == (year, "dibao", Decimal("1240.00"))
    survey.refresh_from_db()
    assert (survey.amount, survey.source) == (Decimal("900.00"), "survey")
    record = item.history.get()
    assert record.history_user == users["town"] and record.history_change_reason == services.LEDGER_CHANGE_REASON
    finding.refresh_from_db()
    assert finding.ledger_written_at is not None and finding.ledger_written_by == users["town"]
    # Once only.
    assert client.post(f"/feeds/findings/{finding.pk}/ledger/", {"on": str(today)}).status_code == 400
    with pytest.raises(TransitionRefused):
        services.finding_ledger_write(finding=finding, user=users["town"], on=today)
    assert IncomeItem.objects.filter(household=household, source="civil_affairs").count() == 1


def test_a_rule_without_amounts_offers_no_ledger_write(client, users, household, today):
    finding = _assistance_finding(household)
    finding.rule = "deceased_alive"
    finding.save(update_fields=["rule"])
    services.finding_confirm(finding=finding, user=users["county"], on=today)
    client.force_login(users["county"])
    page = lxml.html.document_fromstring(client.get(f"/feeds/findings/{finding.pk}/").content.decode())
    assert not page.xpath('//*[@id="finding-write-ledger"]') and page.xpath('//*[@id="finding-open-case"]')
    with pytest.raises(TransitionRefused):
        services.finding_ledger_write(finding=finding, user=users["county"], on=today)


def test_the_list_filters_and_its_export_masks_id_numbers(client, users, household, places):
    finding = _assistance_finding(household)
    other = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    elsewhere = finding_made(feed=finding.feed, household=other, person=member_of(other), rule="deceased_alive",
                             rows=[])
    client.force_login(users["auditor"])
    tree = lxml.html.document_fromstring(client.get("/feeds/findings/?rule=deceased_alive").content.decode())
    assert [int(r.get("data-finding")) for r in tree.xpath('//tr[contains(@class, "finding-row")]')] == [elsewhere.pk]
    tree = lxml.html.document_fromstring(client.get(f"/feeds/findings/?q={household.household_id}").content.decode())
    assert [int(r.get("data-finding")) for r in tree.xpath('//tr[contains(@class, "finding-row")]')] == [finding.pk]
    response = client.post("/feeds/findings/")
    assert response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    person = member_of(household)
    text = "\n".join("\t".join("" if c is None else str(c) for c in row) for row in cells)
    assert person.person_id not in text and household.household_id in text
    assert any(str(c).startswith(person.person_id[:4]) and "*" in str(c) for row in cells for c in row if c)
    assert AuditEvent.objects.filter(object_type="finding_list", action="export").exists()


def test_the_household_page_lists_its_findings(client, users, household):
    finding = _assistance_finding(household)
    client.force_login(users["auditor"])
    tree = lxml.html.document_fromstring(client.get(f"/households/{household.household_id}/").content.decode())
    card = tree.get_element_by_id("household-findings")
    items = card.xpath('.//li[contains(@class, "household-finding")]')
    assert [int(li.get("data-finding")) for li in items] == [finding.pk]
    assert "救助类别与保障类别不符" in items[0].text_content()


def test_home_and_dashboard_cards_count_new_findings(client, users, household, places):
    _assistance_finding(household)
    client.force_login(users["town"])
    tree = lxml.html.document_fromstring(client.get("/").content.decode())
    card = tree.get_element_by_id("work-findings-new")
    assert card.xpath('.//*[@data-count="new"]//*[@class="count"]')[0].text_content() == "1"
    client.force_login(users["county"])
    response = client.post(f"/feeds/findings/dashboard/findings-by-rule/export/?division={places['county'].code}")
    assert response["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    headers = rows[0]
    town_row = next(r for r in rows if r and r[1] == places["town"].code)
    assert town_row[headers.index("救助类别与保障类别不符")] == 1 and town_row[headers.index("待处理")] == 1
