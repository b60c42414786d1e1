"""Questionnaires (问卷): the list, one questionnaire with its versions (each version's
YAML, who saved it, when and why), the YAML editor, the "add a question" form and the
copy of the research's template. Saving always makes a new version: a survey keeps the
version it issued, so its answers never change meaning.

The YAML is checked by the engine (engine.surveys.questionnaire_parse) before anything is
saved; a refusal names the key (`questions.will.scale`) on the form."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import SURVEYS_DESIGN
from neisheng.engine.surveys import QuestionnaireError, questionnaire_parse
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.listing import Column, ListQuery, counts_cached, list_context, list_page
from neisheng.surveys import selectors, services
from neisheng.surveys.forms import QuestionAddForm, QuestionnaireSourceForm
from neisheng.surveys.models import Questionnaire, Survey
from neisheng.surveys.views import division_names, errors_onto, form_page
from neisheng.surveys.views_report import TYPE_WORDS

designers = requires(SURVEYS_DESIGN)


def questionnaire_for(user, pk) -> Questionnaire:
    """A questionnaire the user sees (their division's, one under it, or one above it
    that they may issue); 404 otherwise."""
    questionnaire = selectors.questionnaires_visible(user).filter(pk=pk).first()
    if questionnaire is None:
        raise Http404("no such questionnaire")
    return questionnaire


def may_change(user, questionnaire) -> bool:
    """Only the questionnaire's division (or one above it) changes it; below, it is used."""
    return scope.code_is_within(user, questionnaire.division_code)


def questionnaire_to_change(user, pk) -> Questionnaire:
    questionnaire = questionnaire_for(user, pk)
    if not may_change(user, questionnaire):
        raise PermissionDenied("只有问卷所属区划的用户可以修改问卷 / only users of the questionnaire's division "
                               "may change it")
    return questionnaire


def refusal_sentence(error: QuestionnaireError) -> str:
    """The engine's refusal in the page's language, naming the key."""
    english = (get_language() or "").startswith("en")
    problem = error.problem_en if english else error.problem_zh
    return gettext("“%(key)s”:%(problem)s") % {"key": error.key, "problem": problem}


def parsed_or_error(form, source: str, field: str = "source"):
    """The questionnaire the YAML describes, or None with the engine's sentence on the form."""
    try:
        return questionnaire_parse(source)
    except QuestionnaireError as error:
        form.add_error(field, refusal_sentence(error))
        return None


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("code", gettext_lazy("问卷代码"), order_by=("code",), css="primary"),
    Column("title", gettext_lazy("问卷标题"), order_by=("title",), css="primary"),
    Column("division", gettext_lazy("区划"), order_by=("division_code",)),
    Column("version", gettext_lazy("当前版本"), numeric=True),
    Column("surveys", gettext_lazy("调查次数"), numeric=True),
]


def _with_counts(rows: list) -> list:
    ids = [q.pk for q in rows]
    versions = dict(Questionnaire.objects.filter(pk__in=ids).annotate(n=Max("versions__number"))
                    .values_list("pk", "n"))
    surveys = dict(Survey.objects.filter(version__questionnaire_id__in=ids).values("version__questionnaire_id")
                   .annotate(n=Count("pk")).values_list("version__questionnaire_id", "n"))
    names = division_names(q.division_code for q in rows)
    for q in rows:
        q.version_number = versions.get(q.pk) or 0
        q.survey_count = surveys.get(q.pk, 0)
        q.division_name = names.get(q.division_code, "")
    return rows


@designers
@require_http_methods(["GET", "HEAD"])
def questionnaire_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=[], path=reverse("surveys:questionnaires"),
                      search_label=gettext_lazy("问卷代码或标题"))
    rows = selectors.questionnaires_visible(user)
    if query.q:
        rows = rows.filter(code__contains=query.q) | rows.filter(title__contains=query.q)
    counts = counts_cached(user=user, name="questionnaires", key=query.filter_params(),
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["code", "pk"]))], query=query, counts=counts,
                     rows=_with_counts)
    return render(request, "surveys/questionnaire_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}))


@designers
@require_POST
def questionnaire_from_template(request):
    """A copy of the research's questionnaire (engine/survey_templates) in the user's division."""
    asked = (request.POST.get("division") or request.GET.get("division") or "").strip()
    if asked and not scope.code_is_within(request.user, asked):
        raise Http404("no such division")
    division = asked or request.user.division_id or ""
    try:
        questionnaire = services.questionnaire_from_template(user=request.user, division_code=division,
                                                             request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("surveys:questionnaires")
    messages.success(request, gettext("已复制研究问卷模板，可以修改后发起调查"))
    return redirect("surveys:questionnaire", pk=questionnaire.pk)


@designers
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_new(request):
    form = QuestionnaireSourceForm(request.POST or None, user=request.user)
    form.fields["source"].help_text = gettext_lazy("按问卷的 YAML 格式填写：问卷代码、标题、调查对象和题目。")
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        if parsed_or_error(form, source) is not None:
            try:
                questionnaire = services.questionnaire_create(
                    user=request.user, division_code=form.cleaned_data["division"], source=source,
                    reason=form.cleaned_data["reason"], request=request)
            except ValidationError as refused:
                errors_onto(form, refused)
            else:
                messages.success(request, gettext("已保存问卷(第 1 版)"))
                return redirect("surveys:questionnaire", pk=questionnaire.pk)
    return form_page(request, form, title=gettext("新建问卷"), back_url=reverse("surveys:questionnaires"),
                     back_label=gettext("返回问卷列表"), status=400 if form.errors else 200)


# --------------------------------------------------------------------------- one questionnaire


@designers
@require_http_methods(["GET", "HEAD"])
def questionnaire_detail(request, pk):
    questionnaire = questionnaire_for(request.user, pk)
    versions = list(questionnaire.versions.select_related("created_by").order_by("-number"))
    current = versions[0] if versions else None
    parsed = None
    if current is not None:
        try:
            parsed = questionnaire_parse(current.source)
        except QuestionnaireError:  # saved before a stricter engine: shown as YAML only
            parsed = None
    used = dict(Survey.objects.filter(version__questionnaire=questionnaire).values("version_id")
                .annotate(n=Count("pk")).values_list("version_id", "n"))
    for version in versions:
        version.survey_count = used.get(version.pk, 0)
    surveys = selectors.surveys_visible(request.user).filter(version__questionnaire=questionnaire) \
        .select_related("version").order_by("-opened_on", "-pk")
    return render(request, "surveys/questionnaire_detail.html", {
        "questionnaire": questionnaire, "versions": versions, "current": current, "parsed": parsed,
        "division_name": division_names([questionnaire.division_code]).get(questionnaire.division_code, ""),
        "questions": [{"question": q, "type": TYPE_WORDS[q.type],
                       "groups": [parsed.groups.get(g, g) for g in q.groups]} for q in parsed.questions]
        if parsed else [],
        "surveys": surveys[:20], "may_change": may_change(request.user, questionnaire),
    })


@designers
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_edit(request, pk):
    questionnaire = questionnaire_to_change(request.user, pk)
    current = questionnaire.current
    form = QuestionnaireSourceForm(request.POST or None, initial={"source": current.source if current else ""},
                                   reason_required=True)
    back = reverse("surveys:questionnaire", args=[questionnaire.pk])
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        if current is not None and source.strip() == current.source.strip():
            form.add_error("source", gettext("问卷没有改动"))
        elif parsed_or_error(form, source) is not None:
            version = _revise(form, request, questionnaire, source)
            if version is not None:
                return redirect(back)
    return form_page(request, form, title=gettext("修改问卷"), subject=f"{questionnaire.code}", back_url=back,
                     back_label=gettext("返回问卷"), submit_label=gettext("保存为新版本"),
                     status=400 if form.errors else 200)


def _revise(form, request, questionnaire, source: str):
    try:
        version = services.questionnaire_revise(user=request.user, questionnaire=questionnaire, source=source,
                                                reason=form.cleaned_data["reason"], request=request)
    except ValidationError as refused:
        errors_onto(form, refused)
        return None
    messages.success(request, gettext("已保存为第 %(n)s 版") % {"n": version.number})
    return version


def source_with_question(source: str, question: dict) -> str:
    """The YAML with one question added at the end of `questions`. Appended as text when
    `questions` is the last key (so the organiser's comments stay), else written again."""
    import yaml

    block = yaml.safe_dump([question], allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
    indented = "".join("  " + line if line.strip() else line for line in block.splitlines(keepends=True))
    tops = [m.group(1) for m in re.finditer(r"^([A-Za-z_][\w-]*)\s*:", source, flags=re.MULTILINE)]
    if tops and tops[-1] == "questions":
        return source.rstrip("\n") + "\n" + indented
    data = yaml.safe_load(source)
    data.setdefault("questions", []).append(question)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


@designers
@require_http_methods(["GET", "HEAD", "POST"])
def question_add(request, pk):
    questionnaire = questionnaire_to_change(request.user, pk)
    current = questionnaire.current
    if current is None:
        raise Http404("no version")
    parsed = questionnaire_parse(current.source)
    form = QuestionAddForm(request.POST or None, groups=parsed.groups, codes={q.code for q in parsed.questions})
    back = reverse("surveys:questionnaire", args=[questionnaire.pk])
    if request.method == "POST" and form.is_valid():
        source = source_with_question(current.source, form.question())
        if parsed_or_error(form, source, field=None) is not None:
            form.cleaned_data["reason"] = form.cleaned_data["reason"] or gettext("添加题目 %(code)s") % {
                "code": form.cleaned_data["code"]}
            if _revise(form, request, questionnaire, source) is not None:
                return redirect(back)
    return form_page(request, form, title=gettext("添加题目"), subject=questionnaire.code, back_url=back,
                     back_label=gettext("返回问卷"), submit_label=gettext("添加并保存为新版本"),
                     status=400 if form.errors else 200)
