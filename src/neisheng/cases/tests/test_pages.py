"""The case pages as a user sees them: the list (overdue red), a case with what needs doing
first and its history, one form per step with cases.md's fields, refusals in the page's
language, the cadre's form, the printable notice (never an ID number, a phone, a bank
account or health), the household's case card, the work card and the dashboard cards."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import lxml.html
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from neisheng.accounts.models import AuditEvent
from neisheng.cases.models import CaseStep, MonitoringCase, SelfReport
from neisheng.cases.tests.flow import days_ago, eligible_household, scan, users_by_role
from neisheng.engine import schema
from neisheng.registry.models import Household, Person

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


@pytest.fixture
def household(places):
    return eligible_household(places["village"])


def _reported(household, *, ago=30, deadline_ago=15) -> MonitoringCase:
    return MonitoringCase.objects.create(household=household, channel="cadre_screening", reported_on=days_ago(ago),
                                         reason="务工收入骤减", deadline=days_ago(deadline_ago))


def _page(client, user, url, language="zh-hans"):
    client.force_login(user)
    client.cookies.load({"django_language": language})
    return client.get(url)


def _text(response) -> str:
    return lxml.html.document_fromstring(response.content.decode()).text_content()


# --------------------------------------------------------------------------- the list


def test_the_list_shows_an_overdue_case_red_and_filters_by_state_and_overdue(client, users, household, places):
    overdue = _reported(household)
    other = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).order_by("pk").first()
    in_time = MonitoringCase.objects.create(household=other, channel="self_report", state="verified",
                                            reported_on=days_ago(2), reason="x", deadline=days_ago(-13))
    html = _page(client, users["county"], "/cases/").content.decode()
    tree = lxml.html.document_fromstring(html)
    late_row = tree.xpath(f'//tr[@data-case="{overdue.pk}"]')[0]
    assert "overdue" in late_row.get("class")
    assert late_row.xpath('.//span[contains(@class, "risk-red")]')[0].text_content().strip().endswith("已逾期")
    fine_row = tree.xpath(f'//tr[@data-case="{in_time.pk}"]')[0]
    assert "已逾期" not in fine_row.text_content()

    only_late = _page(client, users["county"], "/cases/?overdue=yes").content.decode()
    assert f'data-case="{overdue.pk}"' in only_late and f'data-case="{in_time.pk}"' not in only_late
    verified = _page(client, users["county"], "/cases/?state=verified").content.decode()
    assert f'data-case="{in_time.pk}"' in verified and f'data-case="{overdue.pk}"' not in verified
    by_number = _page(client, users["county"], f"/cases/?q={household.household_id[-6:]}").content.decode()
    assert f'data-case="{overdue.pk}"' in by_number


def test_the_export_has_every_matching_case_with_its_overdue_mark(client, users, household):
    _reported(household)
    client.force_login(users["town"])
    response = client.post("/cases/?overdue=yes")
    assert response["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and rows[1][0] == household.household_id and rows[1][6] == "是"
    assert AuditEvent.objects.filter(action="export", object_type="case_list").exists()


# --------------------------------------------------------------------------- one case


def test_the_case_page_puts_the_next_steps_first_and_only_for_roles_that_make_them(client, users, household):
    case = _reported(household)
    html = _page(client, users["village"], f"/cases/{case.pk}/").content.decode()
    tree = lxml.html.document_fromstring(html)
    todo = tree.get_element_by_id("todo")
    assert [a.get("data-to") for a in todo.xpath('.//a[@data-to]')] == ["verified"]
    assert tree.get_element_by_id("case-overdue") is not None
    # The todo comes before the state, which comes before the history.
    assert html.index('id="todo"') < html.index('id="case-summary"') < html.index('id="case-history"')
    for role in ("department", "auditor"):
        page = _page(client, users[role], f"/cases/{case.pk}/").content.decode()
        assert "data-to=" not in page, role
    county = _page(client, users["county"], f"/cases/{case.pk}/").content.decode()
    assert 'data-to="rejected"' in county and 'data-to="verified"' not in county


def test_every_step_of_the_main_line_is_made_through_its_form_and_shows_in_the_history(
        client, users, household):
    """The forms carry exactly the fields the services take: a case taken from reported
    to monitoring and through to its risk elimination by the pages alone."""
    from neisheng.cases.tests.flow import MAIN_LINE

    case = MonitoringCase.objects.create(household=household, channel="cadre_screening", reported_on=days_ago(300),
                                         reason="务工收入骤减", deadline=days_ago(285))
    for to, role, ago, fields in MAIN_LINE:
        form = {"on": str(days_ago(ago)), "note": f"第{to}步"}
        for name, value in fields().items():
            if name == "agreed":
                form[name] = "yes" if value else "no"
            elif name == "consent":
                if value:
                    form[name] = "on"
            elif name == "objections":
                form["objections_text"] = value
                form["objections_settled"] = ["已当面说明"] * len(value)
            elif isinstance(value, dt.date):
                form[name] = str(value)
            else:
                form[name] = value
        client.force_login(users[role])
        page = client.get(f"/cases/{case.pk}/step/{to}/")
        assert page.status_code == 200, (to, page.status_code)
        response = client.post(f"/cases/{case.pk}/step/{to}/", form)
        assert response.status_code == 302, (to, _refusal(response))
        case.refresh_from_db()
        assert case.state == to
        if to == "monitoring":
            from neisheng.measures.models import AssignedMeasure

            AssignedMeasure.objects.create(household=household, measure="insurance_enrol",
                                           assigned_on=days_ago(200), responsible="镇医保所")
    html = _page(client, users["county"], f"/cases/{case.pk}/").content.decode()
    history = lxml.html.document_fromstring(html).get_element_by_id("case-history")
    steps = [li.get("data-to") for li in history.xpath('.//li[contains(@class, "case-step")]')]
    assert steps[-len(MAIN_LINE):] == [to for to, *_rest in MAIN_LINE]
    text = history.text_content()
    assert "张核实、李核实" in text and "无发现" in text and "邻居询问收入,已说明 → 已当面说明" in text
    assert str(days_ago(289)) in text  # the step's own date, beside when it was recorded


def _refusal(response) -> str:
    tree = lxml.html.document_fromstring(response.content.decode())
    found = tree.xpath('//*[@id="step-refused"] | //*[contains(@class, "errorlist")]')
    return " ".join(e.text_content().strip() for e in found)


def test_a_refused_step_says_the_rule_in_the_pages_language_only(client, users, household):
    case = _reported(household)
    one_checker = {"on": str(days_ago(1)), "checkers": ["张核实"], "consent": "on", "consent_scan": scan()}
    client.force_login(users["village"])
    response = client.post(f"/cases/{case.pk}/step/verified/", one_checker)
    assert response.status_code == 400
    said = _refusal(response)
    assert "两名或以上核实人" in said and "checkers" not in said
    client.cookies.load({"django_language": "en"})
    response = client.post(f"/cases/{case.pk}/step/verified/", {**one_checker, "consent_scan": scan()})
    said = _refusal(response)
    assert response.status_code == 400 and "two or more named checkers" in said and "核实人" not in said
    case.refresh_from_db()
    assert case.state == "reported" and not CaseStep.objects.filter(case=case).exists()


def test_a_role_that_may_not_make_the_step_gets_403_and_a_wrong_state_400(client, users, household):
    case = _reported(household)
    assert _page(client, users["county"], f"/cases/{case.pk}/step/verified/").status_code == 403
    assert _page(client, users["department"], f"/cases/{case.pk}/step/verified/").status_code == 403
    wrong_state = _page(client, users["county"], f"/cases/{case.pk}/step/compared/")
    assert wrong_state.status_code == 400 and "已登记" in _refusal(wrong_state)


def test_each_step_form_has_exactly_the_fields_cases_md_names(client, users, household):
    case = _reported(household)

    def names(user, url):
        tree = lxml.html.document_fromstring(_page(client, user, url).content.decode())
        return {e.get("name") for e in tree.xpath('//form[contains(@class, "form-pattern")]//*[@name]')} - {
            "csrfmiddlewaretoken"}

    assert names(users["village"], f"/cases/{case.pk}/step/verified/") == {
        "on", "checkers", "consent", "consent_scan", "note"}
    tree = lxml.html.document_fromstring(_page(client, users["village"], f"/cases/{case.pk}/step/verified/")
                                         .content.decode())
    assert len(tree.xpath('//input[@name="checkers"]')) >= 2  # several name inputs
    assert names(users["town"], f"/cases/{case.pk}/step/rejected/") == {"on", "note"}
    case.state, case.notice_start = "publicized", days_ago(8)
    case.save()
    assert names(users["town"], f"/cases/{case.pk}/step/town_reviewed/") == {
        "on", "notice_end", "objections_text", "objections_settled", "note"}
    case.state, case.monitor_type = "town_reviewed", "marginal"
    case.save()
    page = _page(client, users["county"], f"/cases/{case.pk}/step/monitoring/").content.decode()
    selected = lxml.html.document_fromstring(page).xpath('//select[@name="monitor_type"]/option[@selected]')
    assert [o.get("value") for o in selected] == ["marginal"]  # the proposed type, preselected


def test_the_consent_scan_is_checked_by_content_and_its_download_is_audited(client, users, household):
    case = _reported(household)
    client.force_login(users["village"])
    renamed = SimpleUploadedFile("授权书.pdf", b"MZ this is a program", content_type="application/pdf")
    form = {"on": str(days_ago(1)), "checkers": ["张核实", "李核实"], "consent": "on", "consent_scan": renamed}
    refused = client.post(f"/cases/{case.pk}/step/verified/", form)
    assert refused.status_code == 400 and "PDF" in _refusal(refused)
    assert client.post(f"/cases/{case.pk}/step/verified/", {**form, "consent_scan": scan()}).status_code == 302
    step = CaseStep.objects.get(case=case, to_state="verified")
    page = _page(client, users["town"], f"/cases/{case.pk}/").content.decode()
    link = f"/cases/{case.pk}/steps/{step.pk}/consent/"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="view_unmasked", object_type="case_consent", object_id=str(case.pk),
                                     username=users["town"].username).exists()
    # A department clerk sees the case but not the household's signed authorisation.
    assert link not in _page(client, users["department"], f"/cases/{case.pk}/").content.decode()
    assert client.get(link).status_code == 403


# --------------------------------------------------------------------------- filing a case


def test_a_cadre_files_a_self_report_on_the_households_behalf(client, users, household):
    client.force_login(users["village"])
    url = f"/cases/new/?household={household.household_id}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"channel": "self_report", "reported_on": str(days_ago(1)), "reason": "突发洪灾"})
    assert response.status_code == 302
    case = MonitoringCase.objects.get(household=household)
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.channel == "self_report" and case.reported_on == days_ago(1)
    report = SelfReport.objects.get(case=case)
    assert report.filed_by == users["village"] and report.status == "matched"
    # A second case for the same household is not offered while this one is open.
    again = client.get(url).content.decode()
    assert 'id="case-existing"' in again


def test_filing_a_case_in_the_future_is_refused_next_to_the_date(client, users, household):
    client.force_login(users["town"])
    response = client.post(f"/cases/new/?household={household.household_id}",
                           {"channel": "cadre_screening", "reported_on": str(days_ago(-3)), "reason": "x"})
    assert response.status_code == 400 and "晚于今天" in _refusal(response)
    assert not MonitoringCase.objects.filter(household=household).exists()


# --------------------------------------------------------------------------- the notice


def test_the_notice_shows_name_and_village_and_never_id_phone_bank_or_health(client, users, household):
    head = household.members.filter(relation="head").first() or household.members.first()
    Person.objects.filter(pk=head.pk).update(relation="head", health="serious")
    head.refresh_from_db()
    case = _reported(household)
    case.state, case.notice_start = "publicized", days_ago(3)
    case.reason = "户主患尿毒症,电话 13912345678,银行卡 6222020202020202020"
    case.save()
    SelfReport.objects.create(village_code=household.village_id, head_name=head.name, id_number=head.person_id,
                              phone="13912345678", reason=case.reason, household=household, case=case,
                              status="matched", sender_hash="x")
    for language in ("zh-hans", "en"):
        response = _page(client, users["village"], f"/cases/{case.pk}/notice/", language)
        assert response.status_code == 200
        notice = lxml.html.document_fromstring(response.content.decode()).get_element_by_id("case-notice")
        text = lxml.html.tostring(notice, encoding="unicode")
        assert head.name in text and household.village.name in text
        for member in household.members.all():
            assert member.person_id not in text and member.person_id[-4:] + "<" not in text
        for secret in ("13912345678", "6222020202020202020", "尿毒症", "银行", "电话", "bank", "phone"):
            assert secret not in text, (language, secret)
        for health in [*schema.HEALTH.values(), *schema.HEALTH]:
            if health != "healthy":
                assert health not in text, (language, health)


# --------------------------------------------------------------------------- household, home, dashboard


def test_the_household_page_shows_the_open_case_with_its_next_step_and_past_cases(client, users, household):
    past = MonitoringCase.objects.create(household=household, channel="cadre_screening", state="rejected",
                                         reported_on=days_ago(90), reason="x", deadline=days_ago(75),
                                         closed_on=days_ago(80))
    open_case = _reported(household)
    html = _page(client, users["village"], f"/households/{household.household_id}/").content.decode()
    card = lxml.html.document_fromstring(html).get_element_by_id("household-case")
    text = card.text_content()
    assert "已登记" in text and "已逾期" in text and "不予纳入" in text
    assert f"/cases/{open_case.pk}/step/verified/" in lxml.html.tostring(card, encoding="unicode")
    assert f"/cases/{past.pk}/" in lxml.html.tostring(card, encoding="unicode")


def test_a_household_without_a_case_offers_a_reporter_the_form(client, users, household):
    html = _page(client, users["village"], f"/households/{household.household_id}/").content.decode()
    assert f'/cases/new/?household={household.household_id}' in html
    researcher_free = _page(client, users["auditor"], f"/households/{household.household_id}/").content.decode()
    assert "/cases/new/" not in researcher_free


def test_the_home_page_lists_cases_waiting_for_the_roles_step_overdue_first(client, users, household, places):
    late = _reported(household)
    other = Household.objects.filter(village=places["village"]).exclude(pk=household.pk).order_by("pk").first()
    MonitoringCase.objects.create(household=other, channel="self_report", reported_on=days_ago(1), reason="x",
                                  deadline=days_ago(-14))
    html = _page(client, users["village"], "/").content.decode()
    card = lxml.html.document_fromstring(html).get_element_by_id("work-cases-due")
    items = card.xpath('.//ul[@class="items"]/li')
    assert len(items) == 2 and household.household_id in items[0].text_content() and "已逾期" in items[0].text_content()
    assert card.xpath('.//*[@data-count="overdue"]//span[@class="count"]')[0].text == "1"
    assert late.household_id in card.text_content()
    # The county compares and approves: a reported case is not waiting for it.
    assert 'id="work-cases-due"' not in _page(client, users["county"], "/").content.decode()
    assert 'id="work-cases-due"' not in _page(client, users["admin"], "/").content.decode()


def test_the_dashboard_cards_count_cases_by_state_and_overdue_by_division_and_export(client, users, household,
                                                                                     places, rf):
    from neisheng.cases.dashboard import cases_cards

    _reported(household)
    request = rf.get("/monitoring/")
    request.user = users["county"]
    by_state, overdue = cases_cards(request, "")
    assert [c.value for c in by_state.total] == ["合计", 1]
    town_row = next(r for r in overdue.rows if r[1].value == places["town"].code)
    assert town_row[2].value == 1 and town_row[2].tone == "red"
    client.force_login(users["county"])
    response = client.post(f"/cases/dashboard/cases-overdue/export/?division={places['county'].code}")
    assert response["Content-Type"].startswith(XLSX)
    rows = list(openpyxl.load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert (places["town"].name, places["town"].code, "1") in [tuple(str(v) for v in r) for r in rows]
    assert client.post(f"/cases/dashboard/cases-overdue/export/?division={places['other_county'].code}"
                       ).status_code == 404


def test_a_case_filed_from_a_warning_row_comes_from_the_monitoring_run(client, users, household, make_user,
                                                                      places):
    from django.utils import timezone

    from neisheng.monitoring.models import MonitoringRun
    from neisheng.warninglists.models import WarningRow

    run = MonitoringRun.objects.create(year=2026, finished_at=timezone.now())
    row = WarningRow.objects.create(run=run, household=household, village_code=household.village_id, risk="red",
                                    reasons="income_drop", new=True)
    client.force_login(users["village"])
    page = client.get(f"/cases/new/?warning={row.pk}")
    assert page.status_code == 200
    options = lxml.html.document_fromstring(page.content.decode()).xpath('//select[@name="channel"]/option/@value')
    assert [o for o in options if o] == ["monitoring_run"]
    response = client.post(f"/cases/new/?warning={row.pk}", {"channel": "monitoring_run",
                                                              "reported_on": str(days_ago(0)), "reason": "收入骤降"})
    assert response.status_code == 302
    case = MonitoringCase.objects.get(household=household)
    assert case.channel == "monitoring_run" and case.warning_row == row
    row.refresh_from_db()
    assert row.status == "case_opened"
    # A row elsewhere is no row at all.
    client.force_login(make_user("village", places["other_village"], username="village-far"))
    assert client.get(f"/cases/new/?warning={row.pk}").status_code == 404
