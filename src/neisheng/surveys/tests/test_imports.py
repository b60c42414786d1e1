"""Paper questionnaires from a workbook (surveys.md's responses layout, read by the
engine): all or nothing, every bad row named by row, column, value and reason; rows the
validity rules find invalid are stored and reported, as the research's 17 are."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from neisheng.accounts.models import AuditEvent
from neisheng.registry.models import Division, Household
from neisheng.surveys import selectors, services
from neisheng.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    RegistryProposal,
    Response,
    Survey,
    SurveyImport,
)
from neisheng.surveys.tests.conftest import TODAY, household_answers, workbook

pytestmark = pytest.mark.django_db

CODES = [*household_answers(), "role", "years_in_poverty_work"]
HEADER = ["respondent_id", "group", "household_id", "village_code", *CODES]


def row(respondent_id, household=None, village="", group="脱贫主体", **changed) -> list:
    answers = household_answers(**changed)
    cells = ["；".join(v) if isinstance(v, list) else v for v in (answers.get(c) for c in CODES)]
    return [respondent_id, group, household, village, *cells]


def counts() -> dict:
    return {"responses": Response.objects.count(), "proposals": RegistryProposal.objects.count(),
            "questionnaires": Questionnaire.objects.count(), "versions": QuestionnaireVersion.objects.count(),
            "surveys": Survey.objects.count(), "households": Household.objects.count(),
            "history": Household.history.count(),
            "audit": AuditEvent.objects.exclude(object_type="survey_import").count()}


def test_a_bad_row_refuses_the_file_writes_nothing_and_every_bad_row_is_named(officer, places, survey,
                                                                               village_households):
    here = village_households["here"]
    other_county = Household.objects.filter(village__code__startswith=places["other_county"].prefix).first()
    upload = workbook(HEADER, [
        row("P01", here[0].pk),
        row("P02", "500237999999999999"),                      # not registered
        row("P03", village="500237101288"),                     # no such village
        row("P04", other_county.pk),                            # registered, but outside the scope
        row("P05", here[1].pk, will=7),                         # invalid (out of range): not a bad row
        row("P06", village=places["other_village"].code),       # a village, not the survey's
        row("P07", here[2].pk, village=village_households["other_village"].code),  # not the household's village
        row("", here[3].pk),                                    # no respondent id
    ])
    before = counts()
    record = services.responses_import(user=officer, survey=survey, file=upload)
    assert counts() == before
    assert record.outcome == SurveyImport.Outcome.REFUSED and record.rows_written == 0
    named = [(p["row"], p["column"], p["value"]) for p in record.problems]
    assert named == [
        (3, "household_id", "500237999999999999"),
        (4, "village_code", "500237101288"),
        (5, "household_id", other_county.pk),
        (7, "village_code", places["other_village"].code),
        (8, "village_code", village_households["other_village"].code),
        (9, "respondent_id", ""),
    ]
    # Out of scope reads as not registered; every problem in both languages.
    assert record.problems[0]["reason_zh"] == record.problems[2]["reason_zh"] == "在您管辖范围内的登记中没有这个户编号"
    assert all(p["reason_zh"] and p["reason_en"] for p in record.problems)
    assert record.sha256 and record.file_name == "问卷.xlsx"
    assert AuditEvent.objects.filter(object_type="survey_import", object_id=str(record.pk)).exists()


def test_a_file_the_engine_cannot_read_is_refused_whole(officer, survey):
    no_id = workbook(["group", *CODES], [row("X")[1:2] + row("X")[4:]])
    record = services.responses_import(user=officer, survey=survey, file=no_id)
    assert record.outcome == "refused"
    assert [(p["row"], p["column"]) for p in record.problems] == [(1, "respondent_id")]
    garbage = services.responses_import(user=officer, survey=survey,
                                        file=SimpleUploadedFile("坏文件.xlsx", b"not a workbook at all"))
    assert garbage.outcome == "refused" and garbage.problems[0]["row"] == 0
    parquet = services.responses_import(user=officer, survey=survey, file=SimpleUploadedFile("x.parquet", b"PAR1"))
    assert parquet.outcome == "refused"
    assert not Response.objects.filter(survey=survey).exists()


def test_a_closed_survey_takes_no_file(officer, survey):
    services.survey_close(user=officer, survey=survey, closed_on=TODAY)
    record = services.responses_import(user=officer, survey=survey, file=workbook(HEADER, [row("P01")]))
    assert record.outcome == "refused" and not Response.objects.filter(survey=survey).exists()


def test_an_applied_file_keeps_every_row_and_proposes_the_mapped_answers(officer, survey, village_households):
    here = village_households["here"]
    Household.objects.filter(pk=here[0].pk).update(willingness=1)
    upload = workbook(HEADER, [
        row("P01", here[0].pk, will=5),
        row("P02", here[1].pk, will=9),            # out of range: stored, proposes nothing for will
        row("P01", here[2].pk),                    # a duplicate respondent id: stored, reported invalid
        row("P03", group="helper", role="B", years_in_poverty_work=3),
    ])
    record = services.responses_import(user=officer, survey=survey, file=upload)
    assert record.outcome == "applied", record.problems
    assert record.rows_written == 4
    stored = list(Response.objects.filter(survey=survey).order_by("pk"))  # kept as entered
    assert [r.respondent_id for r in stored] == ["P01", "P02", "P01", "P03"]
    assert [r.group for r in stored] == ["household", "household", "household", "helper"]
    assert stored[0].answers["difficulties"] == "A；C" and stored[0].answers["will"] == "5"
    assert stored[0].village_code == here[0].village_id and stored[0].source == "import"
    assert {(p.response_id, p.field, p.value) for p in RegistryProposal.objects.filter(field="willingness")} \
        >= {(stored[0].pk, "willingness", 5)}
    assert not RegistryProposal.objects.filter(response=stored[1], field="willingness").exists()
    report = selectors.survey_report(survey)
    assert (report.summary["returned"], report.summary["valid"]) == (4, 2)
    assert report.invalid.column("reasons").to_pylist() == ["out_of_range", "duplicate"]


def test_the_research_survey_imports_whole_and_reports_96_12_percent(officer, places, questionnaire):
    from neisheng.engine.surveys import percent
    from neisheng.synth.survey import ISSUED, research_survey_planted
    from neisheng.web.demo_surveys import research_workbook

    survey = services.survey_open(user=officer, version=questionnaire.current, division_code=places["county"].code,
                                  name="六区县调查", issued=ISSUED, opened_on=TODAY)
    villages = list(Division.objects.filter(level=5, code__startswith=places["county"].prefix)
                    .values_list("code", flat=True))
    upload = SimpleUploadedFile("research.xlsx", research_workbook(villages))
    record = services.responses_import(user=officer, survey=survey, file=upload)
    assert record.outcome == "applied", record.problems[:3]
    assert record.rows_written == Response.objects.filter(survey=survey).count() == 1651
    report = selectors.survey_report(survey)
    summary = report.summary
    assert (summary["issued"], summary["returned"], summary["valid"]) == (1700, 1651, 1634)
    assert percent(summary["validity_rate"]) == "96.12%"
    assert percent(summary["response_rate"]) == "97.12%"
    # The 17 invalid questionnaires are stored as returned and reported with their reasons.
    planted = [(rid, ";".join(reasons)) for rid, reasons in research_survey_planted()]
    assert list(zip(report.invalid.column("respondent_id").to_pylist(),
                    report.invalid.column("reasons").to_pylist(), strict=True)) == planted
    assert len(planted) == 17
    workbook_bytes = selectors.report_workbook(survey)
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes), read_only=True)
    summary_rows = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True)}
    assert summary_rows["有效率(有效/发放)"] == "96.12%" and summary_rows["有效份数"] == 1634
    invalid_rows = list(book["无效问卷"].iter_rows(values_only=True))
    assert len(invalid_rows) == 18 and "问卷编号" not in invalid_rows[0]
