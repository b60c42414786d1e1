"""The surveys app's routes in the scope matrix (tests/web/test_scope_matrix.py): every page
and API route of /surveys/ and the surveys' API, with the capabilities each needs. On
each side a questionnaire and an open survey of the household's village, three responses
(the household's, valid, proposing its willingness; a helper's; the helper's number again,
a duplicate), the household's proposal and a refused import."""

from __future__ import annotations

from neisheng.accounts.access import (
    PERSONS_READ,
    SURVEYS_COLLECT,
    SURVEYS_DESIGN,
    SURVEYS_REPORT,
    SURVEYS_REVIEW,
)

REPORT = (SURVEYS_REPORT,)
DESIGN = (SURVEYS_DESIGN,)
READ = (PERSONS_READ, SURVEYS_REPORT)
COLLECT = (PERSONS_READ, SURVEYS_COLLECT)
REVIEW = (PERSONS_READ, SURVEYS_REVIEW)
S = "/surveys/{t.extra[survey]}/"

ENDPOINTS = [
    # Surveys and their reports: aggregates, for every role that reads reports (researchers too).
    {"name": "surveys list", "template": "/surveys/", "kind": "list", "needs": REPORT, "shows": "village"},
    {"name": "surveys list open in a village", "template": "/surveys/?state=open&division={t.village}",
     "kind": "list", "needs": REPORT, "shows": "village", "lists_rows": False},
    {"name": "surveys list export", "template": "/surveys/", "kind": "list", "needs": REPORT, "post": {},
     "shows": "village"},
    {"name": "survey new", "template": "/surveys/new/", "kind": "list", "needs": DESIGN, "shows": "village",
     "lists_rows": False},
    {"name": "survey report", "template": S, "kind": "detail", "needs": REPORT, "shows": "village"},
    {"name": "survey report crosstab", "template": S + "?a=awareness&b=group", "kind": "detail", "needs": REPORT,
     "shows": "village"},
    {"name": "survey report export", "template": S, "kind": "detail", "needs": REPORT, "post": {"card": "report"},
     "shows": None},
    {"name": "survey report card export", "template": S, "kind": "detail", "needs": REPORT,
     "post": {"card": "q-awareness-household"}, "shows": None},
    {"name": "survey report crosstab export", "template": S + "?a=awareness&b=group", "kind": "detail",
     "needs": REPORT, "post": {"card": "crosstab"}, "shows": None},
    {"name": "survey close", "template": S + "close/", "kind": "detail", "needs": DESIGN,
     "post": {"closed_on": "{t.extra[survey_today]}"}, "shows": None, "answers": 302},
    # Responses name respondents and households: roles that read persons, never researchers.
    {"name": "survey responses", "template": S + "responses/", "kind": "detail", "needs": READ},
    {"name": "survey responses search", "template": S + "responses/?q={t.household}&group=household",
     "kind": "detail", "needs": READ},
    {"name": "survey responses export", "template": S + "responses/", "kind": "detail", "needs": READ, "post": {}},
    {"name": "survey response", "template": "/surveys/responses/{t.extra[survey_response]}/", "kind": "detail",
     "needs": READ},
    {"name": "survey fill for a household", "template": S + "fill/?household={t.household}", "kind": "detail",
     "needs": COLLECT},
    {"name": "survey fill a group's questions", "template": S + "fill/?household={t.household}&group=household",
     "kind": "detail", "needs": COLLECT},
    {"name": "survey fill sent", "template": S + "fill/?household={t.household}&group=household", "kind": "detail",
     "needs": COLLECT, "shows": None, "answers": 302,
     "post": {"idempotency_key": "8f0e2a8c-6c1b-4c59-9a63-0d6f3b1f6e01", "group": "household",
              "household": "{t.household}", "respondent_id": "{t.household}-2",
              "answered_on": "{t.extra[survey_today]}", "q_difficulties": "A", "q_will": "4", "q_income": "12000",
              "q_awareness": "B"}},
    {"name": "survey phone form", "template": S + "phone/?household={t.household}", "kind": "detail",
     "needs": COLLECT},
    {"name": "survey phone form for anyone", "template": S + "phone/", "kind": "detail", "needs": COLLECT,
     "shows": "village"},
    {"name": "survey import", "template": S + "import/", "kind": "detail", "needs": DESIGN, "shows": None},
    {"name": "survey import result", "template": "/surveys/imports/{t.extra[survey_import]}/", "kind": "detail",
     "needs": DESIGN, "shows": "household"},
    {"name": "surveys queue on the phone", "template": "/surveys/queue/", "kind": "list",
     "needs": (SURVEYS_COLLECT,), "shows": None, "lists_rows": False},
    # What answers propose for the registry: the offices that keep it review.
    {"name": "survey proposals", "template": "/surveys/proposals/", "kind": "list", "needs": REVIEW},
    {"name": "survey proposals of a survey", "template": "/surveys/proposals/?survey={t.extra[survey]}&state=proposed",
     "kind": "list", "needs": REVIEW, "lists_rows": False, "shows": None},
    {"name": "survey proposal", "template": "/surveys/proposals/{t.extra[survey_proposal]}/", "kind": "detail",
     "needs": REVIEW},
    {"name": "survey proposal declined", "template": "/surveys/proposals/{t.extra[survey_proposal]}/",
     "kind": "detail", "needs": REVIEW, "shows": None, "answers": 302,
     "post": {"decision": "decline", "decided_on": "{t.extra[survey_today]}", "reason": "与入户核实不符"}},
    # Questionnaires: the offices that design surveys.
    {"name": "questionnaires", "template": "/surveys/questionnaires/", "kind": "list", "needs": DESIGN,
     "shows": "village"},
    {"name": "questionnaire new", "template": "/surveys/questionnaires/new/", "kind": "list", "needs": DESIGN,
     "shows": "village", "lists_rows": False},
    # The village already has the template's code: refused, back to the list (302); a
    # division elsewhere is no such division.
    {"name": "questionnaire template copied", "template": "/surveys/questionnaires/template/?division={t.village}",
     "kind": "detail", "needs": DESIGN, "post": {}, "shows": None, "answers": 302},
    {"name": "questionnaire", "template": "/surveys/questionnaires/{t.extra[questionnaire]}/", "kind": "detail",
     "needs": DESIGN, "shows": "village"},
    {"name": "questionnaire edit", "template": "/surveys/questionnaires/{t.extra[questionnaire]}/edit/",
     "kind": "detail", "needs": DESIGN, "shows": None},
    {"name": "questionnaire question add",
     "template": "/surveys/questionnaires/{t.extra[questionnaire]}/questions/new/", "kind": "detail",
     "needs": DESIGN, "shows": None},
    # The API (surveys/api.py).
    {"name": "API questionnaires", "template": "/api/questionnaires/", "kind": "list", "api": True, "needs": (),
     "shows": "village"},
    {"name": "API questionnaire", "template": "/api/questionnaires/{t.extra[questionnaire]}/", "kind": "detail",
     "api": True, "needs": (), "shows": "village"},
    {"name": "API surveys", "template": "/api/surveys/", "kind": "list", "api": True, "needs": (), "shows": "village"},
    {"name": "API survey", "template": "/api/surveys/{t.extra[survey]}/", "kind": "detail", "api": True,
     "needs": (), "shows": "village"},
    {"name": "API survey report", "template": "/api/surveys/{t.extra[survey]}/report/", "kind": "detail",
     "api": True, "needs": REPORT, "shows": "village"},
    {"name": "API survey responses", "template": "/api/survey-responses/", "kind": "list", "api": True,
     "needs": (PERSONS_READ,)},
    {"name": "API survey responses of a survey", "template": "/api/survey-responses/?survey={t.extra[survey]}",
     "kind": "list", "api": True, "needs": (PERSONS_READ,), "lists_rows": False},
    {"name": "API survey response", "template": "/api/survey-responses/{t.extra[survey_response]}/",
     "kind": "detail", "api": True, "needs": (PERSONS_READ,)},
    {"name": "API survey proposals", "template": "/api/survey-proposals/", "kind": "list", "api": True,
     "needs": (PERSONS_READ,)},
    {"name": "API survey proposal", "template": "/api/survey-proposals/{t.extra[survey_proposal]}/",
     "kind": "detail", "api": True, "needs": (PERSONS_READ,)},
    {"name": "API survey proposal decline", "template": "/api/survey-proposals/{t.extra[survey_proposal]}/decline/",
     "kind": "detail", "api": True, "needs": REVIEW, "post": {"decided_on": "{t.extra[survey_today]}",
                                                              "reason": "与入户核实不符"}},
    {"name": "API survey proposal accept", "template": "/api/survey-proposals/{t.extra[survey_proposal]}/accept/",
     "kind": "detail", "api": True, "needs": REVIEW, "post": {"decided_on": "{t.extra[survey_today]}"}},
]
# The service worker is the same for everyone and shows no division.
NOT_SCOPED = ["/surveys/sw.js"]

QUESTIONNAIRE = """\
code: motivation-2019
title: 内生动力调查(核对)
groups: {helper: 扶贫主体, household: 脱贫主体}
questions:
  - code: difficulties
    text: 开展扶贫工作的最大难点是(可多选)
    type: multiple
    options: {A: 贫困户脱贫意愿不强, B: 基层贫困群众参与度低, C: 其他}
  - code: will
    text: 我愿意靠自己的努力脱贫致富
    type: likert
    scale: 5
    maps_to: willingness
    groups: [household]
  - code: income
    text: 家庭年纯收入(元)
    type: number
    min: 0
    max: 1000000
    groups: [household]
  - code: awareness
    text: 您对帮扶政策了解吗
    type: single
    options: {A: 很了解, B: 基本了解, C: 不了解}
    rate: awareness
    rate_yes: [A, B]
  - code: remark
    text: 您的意见和建议
    type: text
    required: false
"""


def targets(*, household, other_household, places) -> dict:
    """Written directly (the services have tests of their own)."""
    import datetime as dt
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from neisheng.surveys.models import (
        Questionnaire,
        QuestionnaireVersion,
        RegistryProposal,
        Response,
        Survey,
        SurveyImport,
    )

    today = timezone.localdate()
    made: dict = {"survey_today": today.isoformat()}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        village = side.village_id
        questionnaire = Questionnaire.objects.create(division_code=village, code="motivation-2019",
                                                     title="内生动力调查(核对)")
        version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=1, source=QUESTIONNAIRE,
                                                      sha256=hashlib.sha256(QUESTIONNAIRE.encode()).hexdigest(),
                                                      reason="模板")
        survey = Survey.objects.create(division_code=village, name="入户问卷调查", version=version, issued=10,
                                       opened_on=today - dt.timedelta(days=30))
        will = (side.willingness or 3) % 5 + 1
        own = Response.objects.create(
            survey=survey, division_code=village, respondent_id=side.household_id, group="household",
            household=side, village_code=village, source="phone", answered_on=today - dt.timedelta(days=2),
            answers={"difficulties": ["A"], "will": will, "income": 15000, "awareness": "A"})
        for _ in range(2):  # a helper, and the same number again: a duplicate
            Response.objects.create(survey=survey, division_code=village, respondent_id="H-001", group="helper",
                                    village_code=village, source="web", answered_on=today - dt.timedelta(days=1),
                                    answers={"difficulties": ["A", "B"], "awareness": "B"})
        proposal = RegistryProposal.objects.create(response=own, household=side, division_code=village,
                                                   question="will", field="willingness", value=will,
                                                   value_before=side.willingness)
        record = SurveyImport(division_code=village, survey=survey, file_name="纸质问卷.xlsx", sha256="0" * 64,
                              size=1, outcome="refused",
                              problems=[{"row": 2, "column": "household_id", "value": side.household_id,
                                         "reason_zh": "在您管辖范围内的登记中没有这个户编号",
                                         "reason_en": "no household with this number is registered within your scope",
                                         "column_zh": "户编号"}])
        record.file.save("纸质问卷.xlsx", ContentFile(b"x"), save=True)
        made.update({f"questionnaire{suffix}": questionnaire.pk, f"survey{suffix}": survey.pk,
                     f"survey_response{suffix}": own.pk, f"survey_proposal{suffix}": proposal.pk,
                     f"survey_import{suffix}": record.pk})
    return made
