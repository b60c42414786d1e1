"""The phone form of surveys (issue 15) on a phone (375×812) in a real Chromium: a village
cadre opens a registry household's page, starts the open survey from it and answers one
question a screen (progress 1/5 …, back and next, a required question and a number out of
range refused on the spot), submits, and the response arrives with the household, its
answers and the registry change it proposes. A questionnaire left half way is taken up
where it stopped after the page is opened again. Then the network goes: the form opens
from the service worker, a questionnaire is kept on the phone, nothing reaches the server,
and it arrives exactly once when the network returns.

Pictures: surveys-phone-question-phone.png (a question on its screen),
surveys-phone-offline-phone.png (a questionnaire waiting on the phone)."""

from __future__ import annotations

import pytest
from tests.web.ui_checks import horizontal_overflow

from neisheng.registry.models import Household
from neisheng.surveys import services
from neisheng.surveys.models import RegistryProposal, Response

pytestmark = pytest.mark.slow

QUESTIONNAIRE = """\
code: village-2026
title: 村级帮扶满意度调查
groups: {helper: 扶贫主体, household: 脱贫主体}
questions:
  - code: difficulties
    text: 您认为开展扶贫工作的最大难点是(可多选)
    type: multiple
    options: {A: 贫困户脱贫意愿不强, B: 基层贫困群众参与度低, C: 其他}
  - code: will
    text: 我愿意靠自己的努力脱贫致富
    type: likert
    scale: 5
    maps_to: willingness
    groups: [household]
  - code: income
    text: 您家去年的纯收入(元)
    type: number
    min: 0
    max: 1000000
    groups: [household]
  - code: satisfaction
    text: 您对本村脱贫攻坚工作满意吗
    type: single
    options: {A: 满意, B: 基本满意, C: 不满意}
    rate: satisfaction
    rate_yes: [A, B]
  - code: remark
    text: 您对脱贫攻坚工作还有什么意见和建议
    type: text
    required: false
"""


@pytest.fixture
def open_survey(places, make_user):
    import datetime as dt

    from django.utils import timezone

    officer = make_user("county", places["county"], username="officer-surveys")
    questionnaire = services.questionnaire_create(user=officer, division_code=places["county"].code,
                                                  source=QUESTIONNAIRE)
    return services.survey_open(user=officer, version=questionnaire.current, division_code=places["county"].code,
                                name="村级帮扶满意度调查", issued=50,
                                opened_on=timezone.localdate() - dt.timedelta(days=7))


def _controlled(page) -> None:
    """Wait until the service worker controls the page (polled: the CSP refuses eval)."""
    for _ in range(100):
        if page.evaluate("() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


def _progress(page) -> str:
    return page.locator("#survey-progress-text").inner_text()


def _next(page) -> None:
    page.click("#survey-next")


def _answer_all(page, *, will: str, income: str, shoot=None) -> None:
    """From the first screen to the check screen, answering each question as a cadre would."""
    page.locator("#survey-step-start").wait_for()
    page.check("input[name=group][value=household]")
    _next(page)
    assert _progress(page) == "第 1/5 题"
    assert page.locator(".survey-step:not([hidden])").count() == 1
    _next(page)  # a required question left unanswered: refused on the spot
    assert "这道题必须回答" in page.locator("#survey-step-error").inner_text()
    page.locator("label.survey-option", has_text="贫困户脱贫意愿不强").click()
    page.locator("label.survey-option", has_text="其他").click()
    _next(page)
    assert _progress(page) == "第 2/5 题"
    if shoot:
        assert horizontal_overflow(page) <= 0, "the phone form scrolls sideways"
        shoot(page, "surveys-phone-question-phone")
    page.check(f"input[name=q_will][value='{will}']")
    _next(page)
    assert _progress(page) == "第 3/5 题"
    page.fill("input[name=q_income]", "2000000")
    _next(page)
    assert "0 到 1,000,000" in page.locator("#survey-step-error").inner_text()
    page.click("#survey-back")
    assert _progress(page) == "第 2/5 题" and page.is_checked(f"input[name=q_will][value='{will}']")
    _next(page)
    page.fill("input[name=q_income]", income)
    _next(page)
    page.check("input[name=q_satisfaction][value=B]")
    _next(page)
    assert _progress(page) == "第 5/5 题"
    _next(page)  # the remark is optional
    assert page.locator("#survey-step-review").is_visible()
    assert page.locator("#survey-review li").count() == 5


def test_a_village_cadre_fills_the_phone_form_one_question_a_screen(site, phone, places, make_user, sign_in, shoot,
                                                                     open_survey):
    blocked = []
    phone.on("console", lambda message: blocked.append(message.text)
             if "Content Security Policy" in message.text else None)
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    will = str((household.willingness or 3) % 5 + 1)
    cadre = make_user("village", places["village"], username="cadre-surveys")
    sign_in(phone, cadre)

    # From the household's page, the open survey's phone form.
    phone.goto(f"{site}/households/{household.pk}/")
    with phone.expect_navigation():
        phone.locator(f"#household-survey-open li[data-survey='{open_survey.pk}'] a.survey-fill-phone").click()
    assert phone.input_value("input[name=respondent_id]") == household.pk
    _answer_all(phone, will=will, income="12000", shoot=shoot)
    phone.click("#survey-submit")
    phone.locator('#survey-offline-count[data-count="0"]').wait_for(timeout=30_000)
    phone.locator("#survey-offline-result .offline-state").filter(has_text="已上报").wait_for()

    response = Response.objects.get(survey=open_survey)
    assert response.household_id == household.pk and response.source == "phone"
    assert response.respondent_id == household.pk and response.group == "household"
    assert response.answers == {"difficulties": ["A", "C"], "will": int(will), "income": 12000,
                                "satisfaction": "B"}
    assert response.entered_by == cadre and response.idempotency_key is not None
    proposal = RegistryProposal.objects.get(response=response)
    assert proposal.field == "willingness" and proposal.value == int(will)
    # The form is ready for the next questionnaire, under a new key.
    assert phone.locator("#survey-step-start").is_visible()
    assert phone.input_value("input[name=idempotency_key]") != str(response.idempotency_key)

    # Half a questionnaire, the page closed and opened again: taken up where it stopped.
    phone.check("input[name=group][value=household]")
    _next(phone)
    phone.locator("label.survey-option", has_text="基层贫困群众参与度低").click()
    _next(phone)
    phone.check("input[name=q_will][value='2']")
    phone.reload()
    phone.locator("#survey-resumed").wait_for()
    assert _progress(phone) == "第 2/5 题"
    assert phone.is_checked("input[name=q_will][value='2']")
    phone.click("#survey-back")
    assert phone.is_checked("input[name=q_difficulties][value=B]")
    assert not blocked, blocked


def test_a_questionnaire_filled_offline_arrives_once_when_the_network_returns(site, phone, places, make_user,
                                                                              sign_in, shoot, open_survey):
    household = Household.objects.filter(village=places["village"]).order_by("household_id")[1]
    cadre = make_user("village", places["village"], username="cadre-surveys-offline")
    sign_in(phone, cadre)
    url = f"{site}/surveys/{open_survey.pk}/phone/?household={household.pk}"
    phone.goto(url)
    _controlled(phone)
    phone.goto(url)  # opened again under the worker, which keeps the page
    phone.locator("#survey-step-start").wait_for()

    context = phone.context
    context.set_offline(True)
    offline = phone.goto(url)
    assert offline.from_service_worker
    assert "离线" in phone.locator("#survey-offline-network").inner_text()
    _answer_all(phone, will="4", income="8000")
    phone.click("#survey-submit")
    phone.locator('#survey-offline-count[data-count="1"]').wait_for()
    assert "已存在手机上" in phone.locator("#survey-offline-result .offline-state").inner_text()
    phone.locator("#surveys-offline").scroll_into_view_if_needed()
    shoot(phone, "surveys-phone-offline-phone")
    assert not Response.objects.exists(), "a questionnaire reached the server while the phone was offline"
    queue = phone.goto(f"{site}/surveys/queue/")
    assert queue.from_service_worker
    # The queue's rows are drawn from the phone's store after the page loads: wait for them.
    phone.locator("#survey-waiting-list .offline-row").first.wait_for()
    assert phone.locator("#survey-waiting-list .offline-row").count() == 1

    context.set_offline(False)
    phone.locator('#survey-offline-count[data-count="0"]').wait_for(timeout=30_000)
    phone.locator("#survey-sent-list .offline-row").first.wait_for()
    assert phone.locator("#survey-sent-list .offline-row").count() == 1
    response = Response.objects.get()
    assert response.household_id == household.pk and response.answers["income"] == 8000
    # The same questionnaire sent again (its answer lost): stored once.
    again = phone.evaluate(_SEND_AGAIN, {"survey": open_survey.pk, "key": str(response.idempotency_key),
                                         "household": household.pk, "answered_on": str(response.answered_on)})
    assert again == 200 and Response.objects.count() == 1


_SEND_AGAIN = """async ({survey, key, household, answered_on}) => {
  const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken=")).split("=")[1];
  const response = await fetch("/api/survey-responses/", {method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRFToken": token},
    body: JSON.stringify({survey, respondent_id: household, group: "household", household_id: household,
                          answered_on, answers: {}, idempotency_key: key, source: "phone"})});
  return response.status;
}"""
