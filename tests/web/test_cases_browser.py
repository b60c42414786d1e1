"""A monitoring case on a phone (375×812), from the household's self-report filed by its
village cadre to the county's approval into monitoring, then the proposal and approval
of its risk elimination, each officer signing in and making their own step through the
pages (cases.md). The household is set up to meet the elimination conditions: a
labor-capable member, a green result above the monitoring threshold, a measure assigned
while monitored, and dates far enough in the past that the notices have ended and six
months of monitoring have passed.

Pictures: case-phone.png (the case with its history), case-step-phone.png (a step's
form), case-notice-phone.png (the printable notice)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.web.ui_checks import horizontal_overflow

from neisheng.cases.models import MonitoringCase, SelfReport
from neisheng.cases.tests.flow import eligible_household
from neisheng.measures.models import AssignedMeasure

pytestmark = pytest.mark.slow

SCAN = {"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed authorisation"}


def _day(days_ago: int) -> str:
    return str(dt.date.today() - dt.timedelta(days=days_ago))


def _as(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(page, user)


def _no_sideways_scroll(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways on a phone"


def _step(page, site, case, to: str, fill) -> None:
    """Open the case, press the button of step `to` in its todo, fill the form, send it."""
    page.goto(f"{site}/cases/{case.pk}/")
    button = page.locator(f"#todo a[data-to='{to}']")
    assert button.count() == 1, f"no button for {to} in the todo of {page.url}"
    with page.expect_navigation():
        button.click()
    _no_sideways_scroll(page, f"the form of {to}")
    fill(page)
    with page.expect_navigation():
        page.locator("main form.form-pattern button[type=submit]").click()
    refused = page.locator("#step-refused, .errorlist")
    assert page.url.rstrip("/").endswith(f"/cases/{case.pk}"), (
        f"{to} was not recorded: {refused.all_inner_texts() if refused.count() else page.url}")
    case.refresh_from_db()
    assert case.state == to


def _fill(**values):
    def fill(page):
        for name, value in values.items():
            if name == "checkers":
                for index, checker in enumerate(value):
                    page.locator("input[name=checkers]").nth(index).fill(checker)
            elif name == "consent":
                page.check("input[name=consent]")
            elif name == "consent_scan":
                page.set_input_files("input[name=consent_scan]", files=[SCAN])
            elif name == "agreed":
                page.check(f"input[name=agreed][value={value}]")
            elif name == "objections":
                for index, (text, settled) in enumerate(value):
                    page.locator("textarea[name=objections_text]").nth(index).fill(text)
                    page.locator("textarea[name=objections_settled]").nth(index).fill(settled)
            elif name == "monitor_type":
                page.select_option("select[name=monitor_type]", value)
            elif name in ("findings", "note"):
                page.fill(f"textarea[name={name}]", value)
            else:
                page.fill(f"input[name={name}]", value)
    return fill


def test_a_self_report_goes_through_every_step_to_monitoring_and_to_its_risk_elimination(
        site, phone, places, make_user, sign_in, shoot):
    household = eligible_household(places["village"])
    village, town, county = (make_user("village", places["village"], username="cadre-village"),
                             make_user("town", places["town"], username="officer-town"),
                             make_user("county", places["county"], username="officer-county"))

    # The village cadre files the household's self-report from the household's page.
    _as(phone, sign_in, village)
    phone.goto(f"{site}/households/{household.household_id}/")
    with phone.expect_navigation():
        phone.click("#case-new-link")
    phone.select_option("select[name=channel]", "self_report")
    phone.fill("input[name=reported_on]", _day(300))
    phone.fill("textarea[name=reason]", "户主务工受伤,家庭收入骤减")
    _no_sideways_scroll(phone, "the form filing a case")
    with phone.expect_navigation():
        phone.locator("main form.form-pattern button[type=submit]").click()
    case = MonitoringCase.objects.get(household=household)
    assert case.channel == "self_report" and case.state == "reported"
    assert SelfReport.objects.get(case=case).filed_by == village

    _step(phone, site, case, "verified", _fill(on=_day(299), checkers=["张核实", "李核实"], consent=True,
                                                consent_scan=True))
    _as(phone, sign_in, county)
    _step(phone, site, case, "compared", _fill(on=_day(298), findings="各部门数据无异常发现"))
    _as(phone, sign_in, village)
    _step(phone, site, case, "village_reviewed", _fill(on=_day(297), participants="21", agreed="yes"))
    _step(phone, site, case, "publicized", _fill(on=_day(296)))
    phone.goto(f"{site}/cases/{case.pk}/notice/")
    assert household.village.name in phone.locator("#case-notice").inner_text()
    _no_sideways_scroll(phone, "the notice")
    shoot(phone, "case-notice-phone")
    _as(phone, sign_in, town)
    _step(phone, site, case, "town_reviewed", _fill(on=_day(290), notice_end=_day(290),
                                                    objections=[("邻居询问收入情况", "已当面说明")]))
    _as(phone, sign_in, county)
    _step(phone, site, case, "monitoring", _fill(on=_day(289), monitor_type="sudden_hardship"))
    household.refresh_from_db()
    assert household.status in ("monitored", "lifted")
    # Help while monitored (the measures app's own page is another helper's; the row is the fact).
    AssignedMeasure.objects.create(household=household, measure="insurance_enrol", assigned_on=dt.date.today()
                                   - dt.timedelta(days=200), responsible="镇医保所")

    _as(phone, sign_in, village)
    _step(phone, site, case, "elimination_proposed", _fill(on=_day(20), checkers=["张核实", "王核实"], consent=True))
    phone.goto(f"{site}/cases/{case.pk}/")
    phone.locator("#todo a[data-to='elimination_publicized']").click()
    phone.wait_for_load_state()
    shoot(phone, "case-step-phone")
    _step(phone, site, case, "elimination_publicized", _fill(on=_day(15), participants="18", agreed="yes"))
    _as(phone, sign_in, county)
    _step(phone, site, case, "risk_eliminated", _fill(on=_day(5), notice_end=_day(6), town_reviewed_on=_day(6),
                                                      objections=[]))

    phone.goto(f"{site}/cases/{case.pk}/")
    history = phone.locator("#case-history li.case-step")
    steps = history.evaluate_all("items => items.map(i => i.dataset.to)")
    assert steps[-10:] == ["reported", "verified", "compared", "village_reviewed", "publicized", "town_reviewed",
                           "monitoring", "elimination_proposed", "elimination_publicized", "risk_eliminated"]
    assert phone.locator("#case-state").get_attribute("data-state") == "risk_eliminated"
    assert "张核实、李核实" in phone.locator("#case-history").inner_text()
    _no_sideways_scroll(phone, "the case with its history")
    shoot(phone, "case-phone", full_page=True)
