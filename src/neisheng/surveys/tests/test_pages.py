"""The surveys' pages (issue 15): the report with its rates, cards, invalid responses,
cross-tabulation and audited exports; researchers reading aggregates only; the
questionnaire editor (the engine's refusal naming the key, every save a new version, a
question added, the research template copied); the web form and the phone form; the
import's result naming every bad row; the proposals' review; the household page's card
and the home page's work card; the phone's service worker."""

from __future__ import annotations

import uuid
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from neisheng.accounts.models import AuditEvent
from neisheng.registry.models import Household
from neisheng.surveys import services
from neisheng.surveys.models import Questionnaire, RegistryProposal, Response, Survey, SurveyImport
from neisheng.surveys.tests.conftest import OPENED, TODAY, household_answers

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def household(places):
    return Household.objects.filter(village=places["village"]).order_by("household_id").first()


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def answered(officer, survey, places, household):
    """Four questionnaires of 100 issued: the household's (valid, proposing its will), a
    helper's, the helper's number again (a duplicate) and a household's left incomplete."""
    own = services.response_submit(user=officer, survey=survey, respondent_id=household.pk, group="household",
                                   answers=household_answers(will=(household.willingness or 3) % 5 + 1),
                                   household=household, answered_on=TODAY, source=Response.Source.WEB)
    helper = {"role": "C", "years_in_poverty_work": 6, "difficulties": ["A", "B"]}
    for _ in range(2):
        services.response_submit(user=officer, survey=survey, respondent_id="H-7", group="helper", answers=helper,
                                 village_code=places["village"].code, answered_on=TODAY,
                                 source=Response.Source.WEB)
    services.response_submit(user=officer, survey=survey, respondent_id="P-9", group="household",
                             answers=household_answers(satisfaction=None), village_code=places["village"].code,
                             answered_on=TODAY, source=Response.Source.WEB)
    return own


def signed_in(client, user):
    client.force_login(user)
    return client


# --------------------------------------------------------------------------- the report


def test_the_report_gives_the_rates_with_two_decimals_and_each_questions_card(client, officer, survey, answered):
    page = signed_in(client, officer).get(f"/surveys/{survey.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-issued="100" data-returned="4" data-valid="2"' in html
    assert ">4.00%<" in html  # 回收率 = 4 / 100
    assert ">2.00%<" in html  # 有效率 = valid / issued, the research's definition
    assert ">50.00%<" in html  # valid / returned
    # Each question, per group asked, as a card: a chart, its table and an export.
    assert 'id="q-difficulties-helper"' in html and 'id="q-difficulties-household"' in html
    assert html.count('class="chart"') >= 10
    assert 'name="card" value="q-difficulties-household"' in html
    # Rates per village, the invalid responses named with their reasons.
    assert 'id="rate-awareness"' in html and 'id="rate-satisfaction"' in html
    invalid = html[html.index('id="survey-invalid-table"'):]
    assert 'data-reasons="duplicate"' in invalid and "incomplete" in invalid
    assert "H-7" in invalid and "P-9" in invalid


def test_a_researcher_reads_the_report_without_respondents_and_no_response(client, make_user, places, survey,
                                                                           answered):
    researcher = signed_in(client, make_user("researcher", places["county"]))
    page = researcher.get(f"/surveys/{survey.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-reasons="duplicate"' in html
    assert "H-7" not in html and answered.household_id not in html
    assert 'id="survey-responses-link"' not in html
    assert researcher.get(f"/surveys/{survey.pk}/responses/").status_code == 403
    assert researcher.get(f"/surveys/responses/{answered.pk}/").status_code == 403
    # The workbook: aggregates, the invalid ones by row only.
    exported = researcher.post(f"/surveys/{survey.pk}/", {"card": "report"})
    assert exported["Content-Type"] == XLSX
    book = openpyxl.load_workbook(BytesIO(exported.content))
    cells = "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    assert "4.00%" in cells and "H-7" not in cells and answered.household_id not in cells
    event = AuditEvent.objects.filter(action="export", object_type="survey_report").latest("pk")
    assert event.detail == {"survey": survey.pk, "card": "report"}


def test_a_card_and_the_cross_tabulation_export_their_tables(client, officer, survey, answered):
    signed_in(client, officer)
    card = client.post(f"/surveys/{survey.pk}/", {"card": "q-difficulties-household"})
    assert card["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(BytesIO(card.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("选项", "人数", "占比")
    assert any(row[0] and str(row[0]).startswith("A ") for row in rows[1:])
    assert client.post(f"/surveys/{survey.pk}/", {"card": "no-such-card"}).status_code == 404

    page = client.get(f"/surveys/{survey.pk}/?a=policy_awareness&b=satisfaction")
    html = page.content.decode()
    assert 'id="crosstab-table"' in html and 'id="crosstab-chi2"' in html
    grouped = client.get(f"/surveys/{survey.pk}/?a=difficulties&b=group").content.decode()
    assert 'id="crosstab-chi2" data-chi2=' in grouped  # two groups × chosen options: a test
    refused = client.get(f"/surveys/{survey.pk}/?a=income&b=will").content.decode()
    assert 'id="crosstab-error"' in refused
    exported = client.post(f"/surveys/{survey.pk}/?a=difficulties&b=group", {"card": "crosstab"})
    assert exported["Content-Type"] == XLSX
    assert AuditEvent.objects.filter(action="export", object_type="survey_report",
                                     detail__card="crosstab").exists()


def test_a_survey_is_opened_from_the_form_and_closed_from_its_page(client, officer, places, questionnaire):
    signed_in(client, officer)
    form = client.get(f"/surveys/new/?version={questionnaire.current.pk}")
    assert form.status_code == 200 and "请选择" in form.content.decode()
    wrong = client.post("/surveys/new/", {"name": "", "version": questionnaire.current.pk})
    assert wrong.status_code == 400
    sent = client.post("/surveys/new/", {"name": "2026 年入户调查", "version": questionnaire.current.pk,
                                         "division": places["town"].code, "issued": 300,
                                         "opened_on": TODAY.isoformat()})
    survey = Survey.objects.get(name="2026 年入户调查")
    assert sent.status_code == 302 and sent["Location"] == f"/surveys/{survey.pk}/"
    assert survey.division_code == places["town"].code and survey.issued == 300
    empty = client.get(sent["Location"]).content.decode()  # nothing returned yet
    assert 'data-returned="0"' in empty and ">0.00%<" in empty and "没有无效问卷" in empty
    listed = client.get("/surveys/?state=open").content.decode()
    assert "2026 年入户调查" in listed
    closed = client.post(f"/surveys/{survey.pk}/close/", {"closed_on": TODAY.isoformat()})
    assert closed.status_code == 302
    survey.refresh_from_db()
    assert survey.state == Survey.State.CLOSED and survey.closed_on == TODAY
    exported = client.post("/surveys/")
    assert exported["Content-Type"] == XLSX


# --------------------------------------------------------------------------- questionnaires


def test_the_editor_names_the_key_the_engine_refuses_and_every_save_is_a_version(client, officer, questionnaire):
    signed_in(client, officer)
    url = f"/surveys/questionnaires/{questionnaire.pk}/edit/"
    source = questionnaire.current.source
    wrong = client.post(url, {"source": source.replace("scale: 5\n    grid: attitudes\n    maps_to", "scale: 50\n    grid: attitudes\n    maps_to", 1),
                              "reason": "改量表"})
    assert wrong.status_code == 400
    assert "questions.will.scale" in wrong.content.decode()
    assert questionnaire.versions.count() == 1
    unknown = client.post(url, {"source": source.replace("type: likert", "type: slider", 1), "reason": "x"})
    assert "type" in unknown.content.decode() and unknown.status_code == 400
    saved = client.post(url, {"source": source.replace("我愿意靠自己的努力脱贫致富", "我愿意通过努力过上好日子"),
                              "reason": "措辞更口语化"})
    assert saved.status_code == 302
    assert questionnaire.versions.count() == 2
    page = client.get(f"/surveys/questionnaires/{questionnaire.pk}/").content.decode()
    assert "措辞更口语化" in page and "我愿意通过努力过上好日子" in page and 'data-version="1"' in page


def test_a_question_added_by_the_form_is_a_new_version_keeping_the_comments(client, officer, questionnaire):
    signed_in(client, officer)
    url = f"/surveys/questionnaires/{questionnaire.pk}/questions/new/"
    page = client.get(url)
    assert page.status_code == 200 and 'translate="no">扶贫主体' in page.content.decode()
    refused = client.post(url, {"type": "single", "code": "will", "text": "重复", "options": "A: 是"})
    assert refused.status_code == 400 and "will" in refused.content.decode()
    sent = client.post(url, {"type": "single", "code": "cooperative", "text": "您家是否加入了合作社",
                             "options": "A: 是\nB: 否", "groups": ["household"], "required": "on",
                             "rate": "", "maps_to": ""})
    assert sent.status_code == 302
    current = Questionnaire.objects.get(pk=questionnaire.pk).current
    assert current.number == 2 and "cooperative" in current.source
    assert "# 贫困治理共同体内生动力调查" in current.source  # the template's comments stay
    parsed = services.engine.questionnaire_parse(current.source)
    added = parsed.question("cooperative")
    assert added.options == {"A": "是", "B": "否"} and added.groups == ("household",)


def test_the_research_template_is_copied_and_a_questionnaire_written_as_yaml(client, make_user, places):
    town = signed_in(client, make_user("town", places["town"]))
    copied = town.post("/surveys/questionnaires/template/")
    questionnaire = Questionnaire.objects.get(division_code=places["town"].code)
    assert copied["Location"] == f"/surveys/questionnaires/{questionnaire.pk}/"
    assert questionnaire.code == "motivation-2019" and questionnaire.current.number == 1
    listed = town.get("/surveys/questionnaires/").content.decode()
    assert "motivation-2019" in listed
    wrong = town.post("/surveys/questionnaires/new/", {"division": places["town"].code,
                                                       "source": "code: x\ngroups: {a: 甲}\nquestions: []"})
    assert wrong.status_code == 400 and "questions" in wrong.content.decode()
    made = town.post("/surveys/questionnaires/new/", {
        "division": places["town"].code,
        "source": "code: short\ntitle: 简短问卷\ngroups: {household: 脱贫主体}\nquestions:\n"
                  "  - code: will\n    text: 我愿意脱贫\n    type: likert\n"})
    assert made.status_code == 302 and Questionnaire.objects.filter(code="short").exists()


# --------------------------------------------------------------------------- the forms


def test_the_web_form_asks_the_groups_questions_and_saves_a_household_response(client, cadre, survey, household):
    signed_in(client, cadre)
    base = f"/surveys/{survey.pk}/fill/?household={household.pk}"
    choose = client.get(base)
    assert choose.status_code == 200 and 'name="group"' in choose.content.decode()
    form = client.get(base + "&group=household")
    html = form.content.decode()
    assert 'name="q_will"' in html and 'name="q_role"' not in html  # helpers' questions are not asked
    assert f'value="{household.pk}"' in html
    key = str(uuid.uuid4())
    data = {"idempotency_key": key, "group": "household", "household": household.pk,
            "respondent_id": household.pk, "answered_on": TODAY.isoformat()}
    missing = client.post(base + "&group=household", data)
    assert missing.status_code == 400 and 'id="error-summary"' in missing.content.decode()
    answers = household_answers(will=(household.willingness or 3) % 5 + 1)
    for code, value in answers.items():
        data[f"q_{code}"] = value
    saved = client.post(base + "&group=household", data)
    response = Response.objects.get(idempotency_key=key)
    assert saved.status_code == 302 and saved["Location"] == f"/surveys/responses/{response.pk}/"
    assert response.household_id == household.pk and response.source == "web"
    assert response.answers["will"] == answers["will"] and response.answers["difficulties"] == ["A", "C"]
    assert RegistryProposal.objects.filter(response=response, field="willingness").exists()
    again = client.post(base + "&group=household", data)  # the same key: stored once
    assert again.status_code == 302 and Response.objects.filter(idempotency_key=key).count() == 1
    detail = client.get(saved["Location"]).content.decode()
    assert 'data-valid="1"' in detail and "台账修改建议" in detail


def test_the_phone_form_is_one_step_a_question_and_posts_to_the_web_form_without_script(client, cadre, survey,
                                                                                       household):
    page = signed_in(client, cadre).get(f"/surveys/{survey.pk}/phone/?household={household.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    questions = len(services.engine.questionnaire_parse(survey.version.source).questions)
    assert html.count('class="survey-step"') == questions + 2  # who answers, each question, the check
    assert 'data-groups="household"' in html and 'data-groups="helper household"' in html
    assert f'action="/surveys/{survey.pk}/fill/?household={household.pk}"' in html
    assert 'data-api="/api/survey-responses/"' in html and 'data-sw="/surveys/sw.js"' in html
    assert "surveys/phone.js" in html


def test_the_service_worker_is_served_from_the_surveys_folder(client):
    worker = client.get("/surveys/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/surveys/"
    body = worker.content.decode()
    assert body.startswith("self.NEISHENG_SW = ") and '"/surveys/queue/"' in body and "surveys/phone.js" in body


# --------------------------------------------------------------------------- imports and proposals


SHORT = """
code: short
title: 简短问卷
groups: {household: 脱贫主体}
questions:
  - code: will
    text: 我愿意靠自己的努力脱贫致富
    type: likert
    maps_to: willingness
"""


def test_the_import_names_every_bad_row_and_an_applied_file_lands(client, officer, places, household):
    questionnaire = services.questionnaire_create(user=officer, division_code=places["county"].code, source=SHORT)
    survey = services.survey_open(user=officer, version=questionnaire.current, division_code=places["county"].code,
                                  name="简短调查", issued=10, opened_on=OPENED)
    signed_in(client, officer)
    header = ["respondent_id", "group", "household_id", "will"]

    def sheet(rows):
        book = openpyxl.Workbook()
        book.active.append(header)
        for row in rows:
            book.active.append(row)
        out = BytesIO()
        book.save(out)
        return SimpleUploadedFile("纸质问卷.xlsx", out.getvalue())

    refused = client.post(f"/surveys/{survey.pk}/import/", {"file": sheet([
        ["", "household", household.pk, 4], ["Q-2", "household", "500238999999999999", 3]])})
    record = SurveyImport.objects.latest("pk")
    assert refused["Location"] == f"/surveys/imports/{record.pk}/"
    result = client.get(refused["Location"]).content.decode()
    assert record.outcome == "refused", record.problems
    assert 'data-row="2"' in result and 'data-row="3"' in result, record.problems
    assert not Response.objects.filter(survey=survey).exists()
    applied = client.post(f"/surveys/{survey.pk}/import/", {"file": sheet([["Q-1", "脱贫主体", household.pk, 4]])})
    page = client.get(applied["Location"]).content.decode()
    assert 'data-outcome="applied"' in page
    assert Response.objects.filter(survey=survey, respondent_id="Q-1", source="import").exists()


def test_a_reviewer_accepts_a_proposal_into_the_registry_or_declines_it_with_a_reason(client, cadre, officer, survey,
                                                                                       answered, household):
    proposal = RegistryProposal.objects.get(response=answered, field="willingness")
    signed_in(client, cadre)
    listed = client.get("/surveys/proposals/").content.decode()
    assert f'data-proposal="{proposal.pk}"' in listed and household.pk in listed
    page = client.get(f"/surveys/proposals/{proposal.pk}/")
    assert page.status_code == 200 and 'id="proposal-compare"' in page.content.decode()
    no_reason = client.post(f"/surveys/proposals/{proposal.pk}/", {"decision": "decline",
                                                                   "decided_on": TODAY.isoformat()})
    assert no_reason.status_code == 400
    accepted = client.post(f"/surveys/proposals/{proposal.pk}/", {"decision": "accept",
                                                                  "decided_on": TODAY.isoformat()})
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    household.refresh_from_db()
    assert proposal.state == "accepted" and household.willingness == proposal.value
    researcher = signed_in(client, officer)
    assert researcher.get("/surveys/proposals/").status_code == 200


# --------------------------------------------------------------------------- elsewhere on the site


def test_the_household_page_lists_its_questionnaires_and_the_home_page_the_work(client, cadre, survey, answered,
                                                                                 household):
    signed_in(client, cadre)
    page = client.get(f"/households/{household.pk}/").content.decode()
    section = page[page.index('id="household-surveys"'):]
    assert f'data-response="{answered.pk}"' in section
    assert f"/surveys/{survey.pk}/phone/?household={household.pk}" in section
    home = client.get("/").content.decode()
    assert 'id="work-surveys"' in home and f"/surveys/{survey.pk}/phone/" in home
    assert 'data-count="proposals"' in home  # the village reviews its households' proposals


def test_the_responses_list_and_its_export(client, cadre, officer, survey, answered):
    signed_in(client, officer)
    listed = client.get(f"/surveys/{survey.pk}/responses/?group=helper").content.decode()
    assert "H-7" in listed and "P-9" not in listed
    exported = client.post(f"/surveys/{survey.pk}/responses/")
    assert exported["Content-Type"] == XLSX
    event = AuditEvent.objects.filter(action="export", object_type="survey_responses").latest("pk")
    assert event.detail["survey"] == survey.pk
    assert Survey.objects.get(pk=survey.pk).opened_on == OPENED


def test_a_number_questions_many_values_are_gathered_in_round_ranges():
    from neisheng.surveys.views_report import number_bins

    few = [{"option": str(v), "count": 1, "share": 0.1} for v in range(5)]
    assert number_bins(few) == few
    rows = [{"option": str(v), "count": 2, "share": 0.02} for v in range(46)]
    bins = number_bins(rows)
    assert [b["option"] for b in bins] == ["0–9", "10–19", "20–29", "30–39", "40–49"]
    assert sum(b["count"] for b in bins) == 92 and bins[-1]["count"] == 12
    assert bins[0]["share"] == pytest.approx(0.2)
