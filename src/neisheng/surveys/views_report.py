"""A survey's page: its report (surveys.md, "Report"), for every role that reads survey
reports, researchers too (aggregates only).

- 发放, 回收, 有效; 回收率 = returned / issued and 有效率 = valid / issued (the research's
  definition), as percentages with two decimals, and valid / returned;
- for each question and group, the count and share of each option over the group's valid
  responses asked it, as a dashboard card (a horizontal bar chart like the research's
  figures 1–5, the same numbers as a table, an Excel export); likert and number answers
  with their mean;
- the invalid responses with their reasons (the respondent's number only for roles that
  read persons);
- 政策知晓率、执行到位率、满意率 per village;
- a cross-tabulation of two questions with Pearson's chi-square (GET ?a=&b=&group=);
- the whole report as one workbook (POST), each card's table too (POST card=<key>):
  audited as exports.

Every number comes from the engine (selectors.survey_report, engine.surveys): the page
formats, it never counts."""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, SURVEYS_REPORT, user_may
from neisheng.accounts.services import audit_record
from neisheng.engine.surveys import GROUP_QUESTION, percent
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.charts import Bar, Cell, DashboardCard
from neisheng.platform.exports import XLSX, export_response
from neisheng.surveys import selectors
from neisheng.surveys.forms import LIKERT_WORDS, RATES
from neisheng.surveys.models import RegistryProposal
from neisheng.surveys.views import division_names, may, survey_for

REPORT = "report"  # the POST that exports the whole report
CROSSTAB = "crosstab"
TYPE_WORDS = {"single": gettext_lazy("单选题"), "multiple": gettext_lazy("多选题"), "likert": gettext_lazy("量表题"),
              "number": gettext_lazy("数值题"), "text": gettext_lazy("填空题")}
REASON_WORDS = {
    "duplicate": gettext_lazy("问卷编号与前面的问卷重复"),
    "unknown_group": gettext_lazy("调查对象不是问卷所列的对象"),
    "incomplete": gettext_lazy("有必答题未答"),
    "out_of_range": gettext_lazy("有答案不在选项或范围内"),
    "straight_lining": gettext_lazy("一组量表题的答案全部相同"),
}
INVALID_SHOWN = 200


def data(text) -> str:
    """Words of the questionnaire (a question, a group's name) inside a translated page."""
    return format_html('<span translate="no">{}</span>', text)


def option_label(question, option: str) -> str:
    """An option as the report names it: the key and its words ("A 很了解"; "5 很同意"), a
    number as it is."""
    if question.type in ("single", "multiple"):
        return f"{option} {question.options.get(option, '')}".strip()
    if question.type == "likert":
        words = question.options.get(option)
        if words is None:
            scale = LIKERT_WORDS.get(question.scale or 5)
            words = str(scale[int(option) - 1]) if scale and option.isdigit() and 1 <= int(option) <= len(scale) else ""
        return f"{option} {words}".strip()
    return option


def _respondents(rows: list[dict]) -> int | None:
    """The group's valid respondents asked the question (every share's denominator)."""
    for row in rows:
        if row["share"]:
            return round(row["count"] / row["share"])
    return None


def question_cards(questionnaire, report) -> list[dict]:
    """One entry per question: its words and, per group asked, a dashboard card."""
    by_question: dict[str, dict[str, list[dict]]] = {}
    for row in report.distribution.to_pylist():
        by_question.setdefault(row["question"], {}).setdefault(row["group"], []).append(row)
    numeric = {(row["question"], row["group"]): row for row in report.numeric.to_pylist()}
    out = []
    for index, question in enumerate(questionnaire.questions, start=1):
        cards = []
        for group in question.groups:
            rows = by_question.get(question.code, {}).get(group, [])
            stats = numeric.get((question.code, group))
            if not rows and not stats:
                continue
            cards.append(_card(questionnaire, question, group, rows, stats))
        out.append({"number": index, "question": question, "type": TYPE_WORDS[question.type], "cards": cards,
                    "groups": [questionnaire.groups[g] for g in question.groups]})
    return out


BINS = 8


def _nice_step(span: float) -> float:
    """A round width (1, 2 or 5 × a power of ten) cutting `span` into at most BINS bins."""
    raw = span / BINS if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def number_bins(rows: list[dict]) -> list[dict]:
    """A number question's distinct answers (the engine's rows, one per value) gathered
    into at most BINS ranges of a round width, when there are more than BINS values; each
    respondent gives one number, so the ranges' counts and shares are the values' sums."""
    if len(rows) <= BINS:
        return rows
    values = [float(row["option"]) for row in rows]
    whole = all(v.is_integer() for v in values)
    step = _nice_step(max(values) - min(values))
    if whole:
        step = max(1, math.ceil(step))
    start = math.floor(min(values) / step) * step
    bins: dict[int, dict] = {}
    for value, row in zip(values, rows):
        index = int((value - start) // step)
        low = start + index * step
        label = (f"{int(low):,}–{int(low + step - 1):,}" if whole and step > 1 else f"{int(low):,}" if whole
                 else f"{low:,g}–{low + step:,g}")
        entry = bins.setdefault(index, {"option": label, "count": 0, "share": 0.0})
        entry["count"] += row["count"]
        entry["share"] += row["share"]
    return [bins[i] for i in sorted(bins)]


def _card(questionnaire, question, group: str, rows: list[dict], stats: dict | None) -> DashboardCard:
    group_label = questionnaire.groups.get(group, group)
    n = _respondents(rows)
    notes = []
    if question.type == "number" and len(rows) > BINS:
        rows = number_bins(rows)
        notes.append(gettext("数值按区间分组。"))
    if question.type == "multiple":
        notes.append(gettext("可多选：占比为选择该项的受访者占比，合计可超过 100%。"))
    elif rows:
        notes.append(gettext("条形为选择该项的受访者占比(%)。"))
    if stats is not None:
        notes.append(gettext("均值 %(mean)s,最小 %(min)s,最大 %(max)s(%(n)s 人作答)。") % {
            "mean": f"{stats['mean']:,.2f}", "min": f"{stats['min']:,g}", "max": f"{stats['max']:,g}",
            "n": f"{stats['count']:,}"})
    labels = [option_label(question, row["option"]) for row in rows]
    return DashboardCard(
        key=f"q-{question.code}-{group}",
        title=format_html('<span translate="no">{}</span>', group_label),
        chart_title=f"{question.text}({group_label})",
        note=" ".join(notes),
        series=[Bar(label, round(row["share"] * 100, 2), data=True) for label, row in zip(labels, rows)],
        headers=[gettext("选项"), gettext("人数"), gettext("占比")],
        rows=[[Cell(label, data=True), Cell(row["count"]), Cell(row["share"], percent=True, decimals=2)]
              for label, row in zip(labels, rows)],
        total=[Cell(gettext("有效样本")), Cell(n), Cell(None)] if n is not None else None,
        export_action="",
        extra={"group": group, "question": question.code},
    )


def rate_cards(report, *, user) -> list[DashboardCard]:
    rows = report.rates.to_pylist()
    names = division_names(row["village_code"] for row in rows)
    cards = []
    for rate, label in RATES:
        mine = [row for row in rows if row["rate"] == rate]
        if not mine:
            continue

        def village(row):
            code = row["village_code"]
            return names.get(code, code) if code else gettext("未注明村")

        cards.append(DashboardCard(
            key=f"rate-{rate}", title=gettext("%(rate)s(按村)") % {"rate": label},
            note=gettext("条形为各村的比率(%),只计有效问卷中作答该题的受访者。"),
            series=[Bar(village(row), round(row["share"] * 100, 2), data=bool(row["village_code"])) for row in mine],
            headers=[gettext("村"), gettext("村代码"), gettext("计为“是”"), gettext("作答人数"), label],
            rows=[[Cell(village(row), data=bool(row["village_code"])), Cell(row["village_code"] or "—", data=True),
                   Cell(row["yes"]), Cell(row["answered"]), Cell(row["share"], percent=True, decimals=2)]
                  for row in mine],
            total=[Cell(gettext("合计")), Cell(""), Cell(sum(r["yes"] for r in mine)),
                   Cell(sum(r["answered"] for r in mine)),
                   Cell(sum(r["yes"] for r in mine) / sum(r["answered"] for r in mine)
                        if sum(r["answered"] for r in mine) else None, percent=True, decimals=2)],
            export_action="",
        ))
    return cards


def invalid_rows(report, *, reads_persons: bool, responses_by_row: dict) -> tuple[list[dict], int]:
    rows = report.invalid.to_pylist()
    shown = []
    for row in rows[:INVALID_SHOWN]:
        reasons = [r for r in (row["reasons"] or "").split(";") if r]
        response = responses_by_row.get(row["row"]) if reads_persons else None
        shown.append({"row": row["row"], "reasons": reasons,
                      "words": [str(REASON_WORDS.get(r, r)) for r in reasons],
                      "respondent_id": row["respondent_id"] if reads_persons else None,
                      "url": reverse("surveys:response", args=[response]) if response else ""})
    return shown, len(rows)


# --------------------------------------------------------------------------- cross-tabulation


def crosstab_choices(questionnaire) -> list[tuple[str, str]]:
    """The questions two of which may be cross-tabulated: choices and scales, and the
    respondent's group."""
    return [(GROUP_QUESTION, "")] + [(q.code, f"{q.code} {q.text}") for q in questionnaire.questions
                                     if q.type in ("single", "multiple", "likert")]


def crosstab_context(survey, questionnaire, params) -> dict:
    a, b = (params.get("a") or "").strip(), (params.get("b") or "").strip()
    group = (params.get("group") or "").strip() or None
    codes = {code for code, _ in crosstab_choices(questionnaire)}
    context = {"a": a, "b": b, "group": group or "", "asked": bool(a or b)}
    if not (a and b):
        return context
    if a not in codes or b not in codes or (group is not None and group not in questionnaire.groups):
        context["error"] = gettext("请选择两道单选、多选或量表题。")
        return context
    if a == b:
        context["error"] = gettext("请选择两道不同的题目。")
        return context
    result = selectors.survey_crosstab(survey, a, b, group)

    def label(code: str, option: str) -> str:
        if code == GROUP_QUESTION:
            return questionnaire.groups.get(option, option)
        return option_label(questionnaire.question(code), option)

    rows = []
    for option, counts in zip(result.rows, result.counts):
        rows.append({"label": label(a, option), "counts": list(counts), "total": sum(counts)})
    column_totals = [sum(line[j] for line in result.counts) for j in range(len(result.columns))]
    context.update({
        "result": result, "columns": [label(b, option) for option in result.columns], "rows": rows,
        "column_totals": column_totals, "grand_total": sum(column_totals),
        "a_text": _question_text(questionnaire, a), "b_text": _question_text(questionnaire, b),
        "statistic": None if result.statistic is None else f"{result.statistic:,.3f}",
        "p_value": None if result.p_value is None else (f"= {result.p_value:.4f}" if result.p_value >= 0.0001
                                                        else "< 0.0001"),
        "significant": result.p_value is not None and result.p_value < 0.05,
    })
    return context


def _question_text(questionnaire, code: str) -> str:
    return "" if code == GROUP_QUESTION else questionnaire.question(code).text


def _crosstab_export(request, survey, crosstab: dict):
    if not crosstab.get("result"):
        raise Http404
    headers = [crosstab["a_text"] or gettext("调查对象"), *crosstab["columns"], gettext("合计")]
    rows = [[row["label"], *row["counts"], row["total"]] for row in crosstab["rows"]]
    rows.append([gettext("合计"), *crosstab["column_totals"], crosstab["grand_total"]])
    result = crosstab["result"]
    if result.statistic is not None:
        rows.append([gettext("卡方值"), result.statistic])
        rows.append([gettext("自由度"), result.dof])
        rows.append([gettext("P 值"), result.p_value])
    return export_response(request, object_type="survey_report",
                           detail={"survey": survey.pk, "card": CROSSTAB, "a": crosstab["a"], "b": crosstab["b"],
                                   "group": crosstab["group"]},
                           filename=f"问卷交叉分析-{survey.pk}", title=gettext("交叉分析"), headers=headers, rows=rows)


# --------------------------------------------------------------------------- the page


def _export_report(request, survey):
    """The whole report as the engine writes it for people, audited as an export."""
    content = selectors.report_workbook(survey, persons=user_may(request.user, PERSONS_READ))
    audit_record(user=request.user, action="export", division_code=request.user.division_id,
                 object_type="survey_report", object_id=str(survey.pk),
                 detail={"survey": survey.pk, "card": REPORT}, request=request)
    response = HttpResponse(content, content_type=XLSX)
    name = f"问卷调查报告-{survey.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@requires(SURVEYS_REPORT)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_detail(request, pk):
    user = request.user
    survey = survey_for(user, pk)
    questionnaire = selectors.questionnaire_of(survey.version)
    report = selectors.survey_report(survey)
    cards = question_cards(questionnaire, report)
    rates = rate_cards(report, user=user)
    crosstab = crosstab_context(survey, questionnaire, request.GET)
    if request.method == "POST":
        key = request.POST.get("card") or REPORT
        if key == REPORT:
            return _export_report(request, survey)
        if key == CROSSTAB:
            return _crosstab_export(request, survey, crosstab)
        card = next((c for entry in cards for c in entry["cards"] if c.key == key), None) \
            or next((c for c in rates if c.key == key), None)
        if card is None:
            raise Http404
        headers, rows = card.table()
        return export_response(request, object_type="survey_report", detail={"survey": survey.pk, "card": key},
                               filename=f"问卷调查-{survey.pk}-{key}", title=str(card.chart_title or card.title)[:31],
                               headers=headers, rows=rows)
    reads_persons = user_may(user, PERSONS_READ)
    responses_by_row = {}
    if reads_persons and report.invalid.num_rows:
        responses_by_row = {row: response.pk for row, response in selectors.responses_by_row(survey, user).items()}
    invalid, invalid_count = invalid_rows(report, reads_persons=reads_persons, responses_by_row=responses_by_row)
    summary = report.summary
    rights = may(user)
    pending = 0
    if rights["may_review"]:
        pending = scope.visible_to(user, RegistryProposal).filter(
            response__survey=survey, state=RegistryProposal.State.PROPOSED).count()
    names = division_names([survey.division_code])
    return render(request, "surveys/survey_detail.html", {
        "survey": survey, "questionnaire": questionnaire, "division_name": names.get(survey.division_code, ""),
        "summary": summary,
        "response_rate": percent(summary["response_rate"]), "validity_rate": percent(summary["validity_rate"]),
        "valid_of_returned": percent(summary.get("valid_of_returned")),
        "questions": cards, "rate_cards": rates,
        "invalid": invalid, "invalid_count": invalid_count, "invalid_more": invalid_count > len(invalid),
        "crosstab": crosstab, "crosstab_choices": [
            (code, label or gettext("调查对象")) for code, label in crosstab_choices(questionnaire)],
        "groups": list(questionnaire.groups.items()),
        "crosstab_query": urlencode({k: crosstab[k] for k in ("a", "b", "group") if crosstab.get(k)}),
        "today": timezone.localdate(), "pending_proposals": pending, "is_open": survey.state == survey.State.OPEN,
        "may_close": rights["may_design"] and survey.state == survey.State.OPEN
        and scope.code_is_within(user, survey.division_code),
        **rights,
    })
