"""A survey's returned questionnaires: the list and one response (roles that read persons
only: researchers never see a response), the web form (every question of a group on one
page, optionally for a registry household `?household=`), and the import of the paper
questionnaires' workbook with its result page naming every bad row.

Answers are stored as the respondent gave them; validity is the engine's, over the whole
survey (services.response_validity)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, SURVEYS_COLLECT, SURVEYS_DESIGN, SURVEYS_REPORT
from neisheng.engine.surveys import REASONS_ZH
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.registry.models import Household
from neisheng.surveys import selectors, services
from neisheng.surveys.forms import GroupChoiceForm, ImportForm, ResponseForm, field_name
from neisheng.surveys.models import RegistryProposal, Response, SurveyImport
from neisheng.surveys.views import division_names, errors_onto, may, survey_for
from neisheng.surveys.views_report import REASON_WORDS, option_label

readers = requires(PERSONS_READ, SURVEYS_REPORT)
collectors = requires(PERSONS_READ, SURVEYS_COLLECT)
EXPORT_BATCH = 2000


def questionnaire_of(survey):
    return selectors.questionnaire_of(survey.version)


def answer_shown(question, value) -> str:
    """An answer in the questionnaire's words: "A 很了解", "B 基本了解;D 不了解", a number."""
    if value is None or value == "" or value == []:
        return ""
    if question.type in ("single", "multiple", "likert"):
        parsed = question.parse(value)
        if parsed.ok:
            return ";".join(option_label(question, option) for option in parsed.options)
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value)


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("respondent_id", gettext_lazy("问卷编号"), order_by=("respondent_id",), css="primary"),
    Column("group", gettext_lazy("调查对象"), order_by=("group",), css="primary"),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",)),
    Column("village", gettext_lazy("村"), order_by=("village_code",)),
    Column("source", gettext_lazy("来源")),
    Column("answered_on", gettext_lazy("填写日期"), order_by=("answered_on",)),
    Column("entered_by", gettext_lazy("录入人")),
]


def _filters(survey, questionnaire) -> list[Filter]:
    return [Filter("group", gettext_lazy("调查对象"), choices=list(questionnaire.groups.items()), translate=False),
            Filter("source", gettext_lazy("来源"), choices=Response.Source.choices)]


def _matching(user, survey, query: ListQuery):
    rows = selectors.responses_visible(user).filter(survey=survey)
    values = query.values
    if values.get("group"):
        rows = rows.filter(group=values["group"])
    if values.get("source"):
        rows = rows.filter(source=values["source"])
    if query.q:
        rows = rows.filter(respondent_id__contains=query.q) | rows.filter(household__pk__startswith=query.q)
    return rows


def _with_names(questionnaire):
    def decorate(rows: list) -> list:
        names = division_names(r.village_code for r in rows)
        for row in rows:
            row.village_name = names.get(row.village_code, "")
            row.group_label = questionnaire.groups.get(row.group, row.group)
        return rows
    return decorate


def _export(request, survey, questionnaire, rows, query):
    questions = list(questionnaire.questions)
    headers = [gettext("问卷编号"), gettext("调查对象"), gettext("户编号"), gettext("村代码"), gettext("来源"),
               gettext("填写日期"), *[q.code for q in questions]]
    sources = dict(Response.Source.choices)

    def cells():
        for r in rows.order_by("pk").iterator(chunk_size=EXPORT_BATCH):
            yield [r.respondent_id, questionnaire.groups.get(r.group, r.group), r.household_id or "", r.village_code,
                   gettext(sources.get(r.source, r.source)), r.answered_on,
                   *[_cell(r.answers.get(q.code)) for q in questions]]

    return export_response(request, object_type="survey_responses",
                           detail={"survey": survey.pk, "filters": {f"survey_{k}" if k in ("group", "source") else k: v
                                                                    for k, v in query.filter_params().items()}},
                           filename=f"问卷-{survey.pk}", title=pgettext("surveys", "回收的问卷"), headers=headers,
                           rows=cells())


def _cell(value):
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return "" if value is None else value


@readers
@require_http_methods(["GET", "HEAD", "POST"])
def response_list(request, pk):
    user = request.user
    survey = survey_for(user, pk)
    questionnaire = questionnaire_of(survey)
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(survey, questionnaire),
                      path=reverse("surveys:responses", args=[survey.pk]),
                      search_label=gettext_lazy("问卷编号或户编号"))
    rows = _matching(user, survey, query)
    if request.method == "POST":
        return _export(request, survey, questionnaire, rows, query)
    counts = counts_cached(user=user, name=f"survey-responses-{survey.pk}", key=query.filter_params(),
                           compute=lambda: [rows.count()])
    page = list_page([rows.select_related("entered_by").order_by(*query.order_by(tiebreak=["pk"]))], query=query,
                     counts=counts, rows=_with_names(questionnaire))
    return render(request, "surveys/response_list.html", list_context(
        query, page, survey=survey, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, **may(user)))


# --------------------------------------------------------------------------- one response


@readers
@require_http_methods(["GET", "HEAD"])
def response_detail(request, pk):
    user = request.user
    response = get_object_or_404(selectors.responses_visible(user).select_related(
        "survey", "survey__version", "survey__version__questionnaire", "household", "entered_by",
        "survey_import"), pk=pk)
    survey = response.survey
    questionnaire = questionnaire_of(survey)
    valid, reasons = services.response_validity(response)
    answers = response.answers or {}
    known = questionnaire.groups.get(response.group)
    asked = {q.code for q in questionnaire.asked(response.group if known else None)}
    rows = []
    for number, question in enumerate(questionnaire.questions, start=1):
        if question.code not in asked and question.code not in answers:
            continue
        rows.append({"number": number, "question": question, "answer": answer_shown(question, answers.get(question.code)),
                     "asked": question.code in asked, "required": question.required})
    proposals = scope.visible_to(user, RegistryProposal).filter(response=response).order_by("pk")
    return render(request, "surveys/response_detail.html", {
        "response": response, "survey": survey, "questionnaire": questionnaire,
        "group_label": known or response.group, "valid": valid,
        "reasons": [str(REASON_WORDS.get(r, REASONS_ZH.get(r, r))) for r in reasons],
        "answers": rows, "proposals": proposals,
        "village_name": division_names([response.village_code]).get(response.village_code, ""),
        **may(user),
    })


# --------------------------------------------------------------------------- the web form


def household_for_form(user, request) -> Household | None:
    household_id = (request.GET.get("household") or "").strip()
    if not household_id:
        return None
    return get_object_or_404(scope.visible_to(user, Household.objects.select_related("village")), pk=household_id)


def group_chosen(questionnaire, request, household) -> str | None:
    """The group whose questions the form asks: `?group=`, the only group, or for a
    household the group whose key or name says household (脱贫主体 in the research)."""
    wanted = (request.POST.get("group") or request.GET.get("group") or "").strip()
    if wanted in questionnaire.groups:
        return wanted
    if len(questionnaire.groups) == 1:
        return next(iter(questionnaire.groups))
    return None


@collectors
@require_http_methods(["GET", "HEAD", "POST"])
def response_new(request, pk):
    user = request.user
    survey = survey_for(user, pk)
    if survey.state != survey.State.OPEN:
        messages.error(request, gettext("调查已结束，不再接收问卷"))
        return redirect("surveys:detail", pk=survey.pk)
    questionnaire = questionnaire_of(survey)
    household = household_for_form(user, request)
    group = group_chosen(questionnaire, request, household)
    context = {"survey": survey, "questionnaire": questionnaire, "household": household,
               "back_url": reverse("registry:household_detail", args=[household.pk]) if household
               else reverse("surveys:detail", args=[survey.pk])}
    if group is None:
        return render(request, "surveys/response_group.html", {
            **context, "form": GroupChoiceForm(groups=questionnaire.groups)})
    form = ResponseForm(request.POST or None, questionnaire=questionnaire, group=group, user=user, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.response_submit(
                user=user, survey=survey, respondent_id=data["respondent_id"], group=group, answers=form.answers(),
                answered_on=data["answered_on"], source=Response.Source.WEB,
                household=household if household is not None else (data.get("household") or "").strip() or None,
                village_code=data.get("village_code") or "", idempotency_key=data["idempotency_key"],
                request=request)
        except ValidationError as refused:
            _refusal_onto(form, refused)
        else:
            if getattr(response, "created", True):
                messages.success(request, gettext("已保存问卷 %(id)s") % {"id": response.respondent_id})
            else:
                messages.info(request, gettext("这份问卷已经保存过，没有重复保存"))
            return redirect("surveys:response", pk=response.pk)
    return render(request, "surveys/response_form.html", {
        **context, "form": form, "group": group, "group_label": questionnaire.groups[group],
        "phone_url": reverse("surveys:phone", args=[survey.pk]) + (f"?household={household.pk}" if household else ""),
    }, status=400 if form.errors else 200)


def _refusal_onto(form, refused: ValidationError) -> None:
    """The service's sentences next to the fields they name (answers: at the top)."""
    if not hasattr(refused, "error_dict"):
        errors_onto(form, refused)
        return
    for name, errors in refused.message_dict.items():
        target = name if name in form.fields else field_name(name) if field_name(name) in form.fields else None
        form.add_error(target, errors)


# --------------------------------------------------------------------------- imports


@requires(SURVEYS_DESIGN)
@require_http_methods(["GET", "HEAD", "POST"])
def import_page(request, pk):
    user = request.user
    survey = survey_for(user, pk)
    questionnaire = questionnaire_of(survey)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.responses_import(user=user, survey=survey, file=form.cleaned_data["file"],
                                               request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            return redirect("surveys:import_result", pk=record.pk)
    return render(request, "surveys/import_form.html", {
        "survey": survey, "questionnaire": questionnaire, "form": form, "submit_label": gettext("导入"),
        "cancel_url": reverse("surveys:detail", args=[survey.pk]),
        "imports": scope.visible_to(user, SurveyImport).filter(survey=survey).select_related("uploaded_by")[:10],
    }, status=400 if form.errors else 200)


@requires(SURVEYS_DESIGN)
@require_http_methods(["GET", "HEAD"])
def import_result(request, pk):
    """One import of paper questionnaires: applied (how many rows) or refused with every
    bad row named; within the division it is kept under."""
    record = get_object_or_404(scope.visible_to(request.user, SurveyImport).select_related(
        "uploaded_by", "survey"), pk=pk)
    english = (get_language() or "").startswith("en")
    problems = [{"row": p.get("row") or 0,
                 "column": (p.get("column") if english else (p.get("column_zh") or p.get("column"))) or "",
                 "value": p.get("value") or "",
                 "reason": p.get("reason_en") if english else p.get("reason_zh")} for p in record.problems or []]
    if not selectors.surveys_visible(request.user).filter(pk=record.survey_id).exists():
        raise Http404("no such survey")
    return render(request, "surveys/import_result.html", {"record": record, "survey": record.survey,
                                                           "problems": problems})
