"""Reads of surveys, always through platform.scope.

- Questionnaires and surveys are seen in the user's division, under it and above it: a
  county designs a questionnaire and runs a survey, its towns and villages collect the
  answers and read the report.
- Responses and proposals name respondents and households: they need PERSONS_READ
  (researchers never see them) and are seen by their own division code, the village's
  when the response has one, so a village cadre sees their village's responses only.
- The report is the engine's over the survey's responses as stored (`survey_table`),
  cached by survey and latest response; it is aggregates only (no household, no name).
"""

from __future__ import annotations

import functools
import io

from django.core.exceptions import PermissionDenied
from django.db.models import Max

from neisheng.accounts.access import PERSONS_READ, user_may
from neisheng.engine import surveys as engine
from neisheng.platform import scope
from neisheng.platform.access import refusal
from neisheng.platform.cache import cached
from neisheng.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    RegistryProposal,
    Response,
    Survey,
)

REPORT_SECONDS = 60 * 60


# --------------------------------------------------------------------------- scope


def questionnaires_visible(user):
    """Questionnaires of the user's division, under it and above it."""
    return scope.visible_to(user, Questionnaire, ancestors=True)


def versions_visible(user):
    return QuestionnaireVersion.objects.filter(questionnaire__in=questionnaires_visible(user))


def surveys_visible(user):
    """Surveys run in the user's division, under it and above it (a village collects for
    its county's survey)."""
    return scope.visible_to(user, Survey, ancestors=True)


def _persons_readable(user) -> None:
    if not user_may(user, PERSONS_READ):
        raise PermissionDenied(refusal(PERSONS_READ))


def responses_visible(user):
    """The responses whose division (the village's, else the survey's) lies under the
    user's division; PermissionDenied for roles that see aggregates only."""
    _persons_readable(user)
    return scope.visible_to(user, Response)


def proposals_visible(user):
    """The proposals of households under the user's division (PERSONS_READ)."""
    _persons_readable(user)
    return scope.visible_to(user, RegistryProposal)


# --------------------------------------------------------------------------- the engine's view


@functools.lru_cache(maxsize=64)
def _parsed(source: str) -> engine.Questionnaire:
    return engine.questionnaire_parse(source)


def questionnaire_of(version: QuestionnaireVersion) -> engine.Questionnaire:
    """A version's questionnaire as the engine reads it (a version is never edited, so
    its reading is kept by its text)."""
    return _parsed(version.source)


def survey_records(survey: Survey) -> list[dict]:
    """The survey's responses as the engine's records, in the order they were returned."""
    rows = (Response.objects.filter(survey=survey).order_by("pk")
            .values_list("respondent_id", "group", "household_id", "village_code", "answers"))
    return [{"respondent_id": rid or None, "group": group or None, "household_id": household,
             "village_code": village or None, "answers": answers} for rid, group, household, village, answers in rows]


def survey_table(survey: Survey):
    """The survey's responses as the engine's responses table (rows numbered 1, 2, ... in
    the order they were returned, which decides which of two with one respondent id is
    the duplicate)."""
    return engine.responses_table(survey_records(survey), questionnaire_of(survey.version))


def responses_by_row(survey: Survey, user=None) -> dict[int, Response]:
    """The survey's responses by the row number the engine gives them (1, 2, ... in the
    order returned), for naming the report's invalid rows; with `user`, only those the
    user may see (others are left out)."""
    rows = Response.objects.filter(survey=survey).defer("answers").order_by("pk")
    numbered = {number: response for number, response in enumerate(rows, start=1)}
    if user is None:
        return numbered
    seen = set(responses_visible(user).filter(survey=survey).values_list("pk", flat=True))
    return {number: response for number, response in numbered.items() if response.pk in seen}


def _report_key(survey: Survey) -> str:
    latest = Response.objects.filter(survey=survey).aggregate(latest=Max("pk"))["latest"] or 0
    count = Response.objects.filter(survey=survey).count()
    return f"survey-report-{survey.pk}-{survey.version_id}-{survey.issued}-{latest}-{count}"


def survey_report(survey: Survey) -> engine.SurveyReport:
    """The engine's report of the survey (summary, distribution, numeric, invalid, rates),
    cached until a response is added."""
    def compute():
        return engine.survey_report(questionnaire_of(survey.version), survey_table(survey), issued=survey.issued)

    return cached(_report_key(survey), compute, REPORT_SECONDS)


def survey_crosstab(survey: Survey, a: str, b: str, group: str | None = None) -> engine.Crosstab:
    """Two questions (or "group") cross-tabulated over the valid responses, with the
    chi-square; ValueError (a sentence in both languages) for a question that cannot be."""
    return engine.crosstab(questionnaire_of(survey.version), survey_table(survey), a, b, group=group or None)


# --------------------------------------------------------------------------- the workbook


def _village_names(codes) -> dict[str, str]:
    from neisheng.registry.models import Division

    codes = sorted({c for c in codes if c})
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def report_workbook(survey: Survey, *, persons: bool = False) -> bytes:
    """The report as an Excel workbook (Chinese headers, question texts, group and option
    labels, rates as percentages with two decimals): 汇总 (发放, 回收, 有效, 回收率, 有效率
    = 有效/发放, 有效/回收), 选项分布 by question and group, 数值统计, 无效问卷 with their
    reasons, 知晓率满意率 per village. Aggregates only: no household, no name; the invalid
    questionnaires are named by row (and by respondent id only with `persons`, for
    readers who may read responses: PERSONS_READ)."""
    from openpyxl import Workbook

    from neisheng.engine.cells import text_row

    questionnaire = questionnaire_of(survey.version)
    report = survey_report(survey)
    texts = {q.code: q.text for q in questionnaire.questions}
    labels = {q.code: q.options for q in questionnaire.questions}
    groups = questionnaire.groups
    book = Workbook(write_only=True)

    def sheet(title: str, header: tuple, rows) -> None:
        ws = book.create_sheet(title)
        ws.append(list(header))
        for row in rows:
            ws.append(text_row(ws, row))

    s = report.summary
    sheet("汇总", ("项目", "数值"), [
        ("调查名称", survey.name),
        ("问卷", f"{questionnaire.title}(第 {survey.version.number} 版)"),
        ("发放份数", s["issued"]), ("回收份数", s["returned"]), ("有效份数", s["valid"]),
        ("回收率(回收/发放)", engine.percent(s["response_rate"])),
        ("有效率(有效/发放)", engine.percent(s["validity_rate"])),
        ("有效/回收", engine.percent(s["valid_of_returned"])),
    ])
    sheet("选项分布", ("题目代码", "题目", "调查对象", "选项", "选项内容", "人数", "占比"),
          ((d["question"], texts.get(d["question"], d["question"]), groups.get(d["group"], d["group"]), d["option"],
            labels.get(d["question"], {}).get(d["option"], d["option"]), d["count"], engine.percent(d["share"]))
           for d in report.distribution.to_pylist()))
    sheet("数值统计", ("题目代码", "题目", "调查对象", "人数", "均值", "最小值", "最大值"),
          ((d["question"], texts.get(d["question"], d["question"]), groups.get(d["group"], d["group"]), d["count"],
            None if d["mean"] is None else round(d["mean"], 2), d["min"], d["max"])
           for d in report.numeric.to_pylist()))
    header = ("行号", *(("问卷编号",) if persons else ()), "原因", "原因说明")
    sheet("无效问卷", header,
          ((d["row"], *((d["respondent_id"],) if persons else ()), d["reasons"],
            "、".join(engine.REASONS_ZH.get(r, r) for r in (d["reasons"] or "").split(";") if r))
           for d in report.invalid.to_pylist()))
    rates = report.rates.to_pylist()
    names = _village_names(d["village_code"] for d in rates)
    sheet("知晓率满意率", ("村代码", "村", "指标", "是", "作答人数", "比率"),
          ((d["village_code"] or "", names.get(d["village_code"], ""), engine.RATES.get(d["rate"], d["rate"]),
            d["yes"], d["answered"], engine.percent(d["share"])) for d in rates))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
