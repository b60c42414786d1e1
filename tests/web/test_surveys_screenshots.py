"""The pictures of the surveys' documentation, taken on the demo county's surveys
(web/demo_surveys.py) built on the test county: the research survey's report as the county
sees it (回收率 97.12%, 有效率 96.12%, each question's chart, the rates per village, the
invalid questionnaires and a cross-tabulation), the questionnaire with its versions, the
proposals the town reviews, a refused import naming its bad rows, and the phone form.
Each is checked for what a person looks at in it before it is taken.

Pictures: surveys-report-phone.png, surveys-report-desktop.png, surveys-question-desktop.png,
surveys-rates-desktop.png, surveys-crosstab-desktop.png, surveys-questionnaire-desktop.png,
surveys-proposals-phone.png, surveys-proposals-desktop.png, surveys-import-desktop.png,
surveys-phone-form-phone.png."""

from __future__ import annotations

import pytest
from tests.support import PASSWORD
from tests.web.ui_checks import horizontal_overflow

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_surveys(site, tmp_path, settings):
    """The demo logins (with the tests' password) and the demo's surveys on the test county."""
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.web.demo_surveys import demo_surveys_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password=PASSWORD)
    made = demo_surveys_build(home=tmp_path, logins=logins, year=2026)
    return made, {u["role"]: User.objects.get(username=u["username"]) for u in logins}


def _as(page, sign_in, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def _fits(page, what: str) -> None:
    assert horizontal_overflow(page) <= 0, f"{what} scrolls sideways"


def test_the_report_the_questionnaire_the_proposals_and_an_import(site, demo_surveys, phone, desktop, sign_in,
                                                                  shoot):
    from neisheng.surveys.models import Survey

    made, users = demo_surveys
    research = Survey.objects.select_related("version").get(pk=made.research)

    # The research's report: the figures the research publishes, then each question.
    sign_in(desktop, users["county"])
    desktop.goto(f"{site}/surveys/{research.pk}/")
    summary = desktop.locator("#survey-summary")
    assert summary.get_attribute("data-issued") == "1700" and summary.get_attribute("data-valid") == "1634"
    assert desktop.locator("#survey-validity-rate").inner_text() == "96.12%"
    assert desktop.locator("#survey-response-rate").inner_text() == "97.12%"
    assert desktop.locator("#survey-issued").inner_text() == "1,700"
    _fits(desktop, "the report")
    shoot(desktop, "surveys-report-desktop")
    difficulties = desktop.locator("#question-difficulties")
    assert difficulties.locator(".dashboard-card").count() == 2  # both groups, as the research's figure 1
    assert difficulties.locator("svg.chart").count() == 2
    difficulties.scroll_into_view_if_needed()
    shoot(desktop, "surveys-question-desktop")
    rates = desktop.locator("#survey-rates")
    assert rates.locator("#rate-awareness table tbody tr").count() >= 2
    rates.scroll_into_view_if_needed()
    shoot(desktop, "surveys-rates-desktop")
    invalid = desktop.locator("#survey-invalid-table tbody tr")
    assert invalid.count() == 17  # 1,651 returned, 1,634 valid

    desktop.goto(f"{site}/surveys/{research.pk}/?a=head_education&b=policy_awareness#survey-crosstab")
    chi2 = desktop.locator("#crosstab-chi2")
    assert chi2.get_attribute("data-dof") == "9" and "χ²" in chi2.inner_text()
    desktop.locator("#survey-crosstab").scroll_into_view_if_needed()
    _fits(desktop, "the cross-tabulation")
    shoot(desktop, "surveys-crosstab-desktop")

    sign_in(phone, users["county"])
    phone.goto(f"{site}/surveys/{research.pk}/")
    assert phone.locator("#survey-validity-rate").inner_text() == "96.12%"
    _fits(phone, "the report on a phone")
    shoot(phone, "surveys-report-phone")

    # The questionnaire with its versions.
    desktop.goto(f"{site}/surveys/questionnaires/{research.version.questionnaire_id}/")
    assert desktop.locator("#questionnaire-questions-table tbody tr").count() >= 18
    assert desktop.locator("#questionnaire-versions li[data-version='1'] pre").is_visible()
    _fits(desktop, "the questionnaire")
    shoot(desktop, "surveys-questionnaire-desktop", full_page=True)

    # The refused paper batch: every bad row named.
    desktop.goto(f"{site}/surveys/imports/{made.refused_import}/")
    assert desktop.locator("#import-outcome").get_attribute("data-outcome") == "refused"
    assert desktop.locator("tr.import-problem").count() == made.refused_problems
    _fits(desktop, "the import's result")
    shoot(desktop, "surveys-import-desktop")

    # What the town's survey proposes for the registry, as the town reviews it.
    _as(desktop, sign_in, users["town"])
    desktop.goto(f"{site}/surveys/proposals/")
    waiting = desktop.locator("#list-table tbody tr[data-state=proposed]")
    assert waiting.count() == made.proposals["proposed"]
    assert waiting.first.locator("form.proposal-accept button").is_visible()
    _fits(desktop, "the proposals")
    shoot(desktop, "surveys-proposals-desktop")
    _as(phone, sign_in, users["town"])
    phone.goto(f"{site}/surveys/proposals/")
    _fits(phone, "the proposals on a phone")
    shoot(phone, "surveys-proposals-phone")

    # The phone form of the town's survey, its first question.
    _as(phone, sign_in, users["village"])
    small = Survey.objects.get(pk=made.small)
    household = small.responses.filter(household__village_id=users["village"].division_id).order_by("pk") \
        .first().household_id
    phone.goto(f"{site}/surveys/{small.pk}/phone/?household={household}")
    phone.check("input[name=group][value=household]")
    phone.click("#survey-next")
    assert phone.locator("#survey-progress-text").inner_text().startswith("第 1/")
    _fits(phone, "the phone form")
    shoot(phone, "surveys-phone-form-phone")
