"""The surveys' pages (surveys.md, issue 15): the list of surveys, a new survey, closing
one. The report is views_report.py, questionnaires views_questionnaires.py, responses,
the web form and imports views_responses.py, the phone form views_phone.py and the
proposals' review views_proposals.py.

Every read goes through the app's selectors (surveys_visible, responses_visible), which
keep to the user's division: a survey elsewhere is a 404, like one that does not exist.
Researchers read the report pages only: aggregates, never a response."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import (
    PERSONS_READ,
    SURVEYS_COLLECT,
    SURVEYS_DESIGN,
    SURVEYS_REPORT,
    SURVEYS_REVIEW,
    user_may,
)
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
from neisheng.registry.models import Division
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.surveys import selectors, services
from neisheng.surveys.forms import CloseForm, SurveyForm
from neisheng.surveys.models import QuestionnaireVersion, Survey

EXPORT_BATCH = 2000


# --------------------------------------------------------------------------- shared


def survey_for(user, pk) -> Survey:
    """The survey `pk` if the user sees it; 404 otherwise (as if it did not exist)."""
    survey = (selectors.surveys_visible(user).select_related("version", "version__questionnaire", "created_by")
              .filter(pk=pk).first())
    if survey is None:
        raise Http404("no such survey")
    return survey


def division_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in={c for c in codes if c}).values_list("code", "name"))


def in_page_language(sentence) -> str:
    """A sentence stored or raised as "中文 / English": the half in the page's language."""
    text = str(sentence or "")
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def errors_onto(form, refused: ValidationError) -> None:
    """A service's refusal on the form: each message on its field when the form has it,
    else at the top, in the page's language."""
    if hasattr(refused, "error_dict"):
        for name, errors in refused.message_dict.items():
            form.add_error(name if name in form.fields else None, [in_page_language(e) for e in errors])
    else:
        for message in refused.messages:
            form.add_error(None, in_page_language(message))


def form_page(request, form, *, title: str, back_url: str, subject: str = "", status: int = 200, **more):
    return render(request, "patterns/form.html", {
        "form": form, "title": title, "subject": subject, "back_url": back_url, "cancel_url": back_url, **more},
        status=status)


def may(user) -> dict:
    """What the user's role may do here, for the templates."""
    return {"may_design": user_may(user, SURVEYS_DESIGN), "may_collect": user_may(user, SURVEYS_COLLECT),
            "may_review": user_may(user, SURVEYS_REVIEW) and user_may(user, PERSONS_READ),
            "reads_persons": user_may(user, PERSONS_READ)}


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("name", gettext_lazy("调查名称"), order_by=("name",), css="primary"),
    Column("questionnaire", gettext_lazy("问卷版本")),
    Column("division", gettext_lazy("组织区划"), order_by=("division_code",)),
    Column("state", gettext_lazy("状态"), css="primary"),
    Column("opened_on", gettext_lazy("开始日期"), order_by=("opened_on",)),
    Column("issued", gettext_lazy("发放份数"), order_by=("issued",), numeric=True),
    Column("returned", gettext_lazy("回收份数"), numeric=True),
]
EXPORT_HEADERS = [gettext_lazy("调查名称"), gettext_lazy("问卷代码"), gettext_lazy("问卷版本"), gettext_lazy("组织区划"),
                  gettext_lazy("区划代码"), gettext_lazy("状态"), gettext_lazy("开始日期"), gettext_lazy("结束日期"),
                  gettext_lazy("发放份数"), gettext_lazy("回收份数")]


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [Filter("state", gettext_lazy("状态"), choices=Survey.State.choices),
            Filter("division", gettext_lazy("组织区划"), choices=[(d.code, d.name) for d in divisions],
                   translate=False, indent=frozenset(d.code for d in divisions if d.level == 5))]


def _matching(user, query: ListQuery):
    rows = selectors.surveys_visible(user)
    values = query.values
    if values.get("state"):
        rows = rows.filter(state=values["state"])
    if values.get("division"):
        division = Division.objects.get(code=values["division"])
        rows = rows.filter(division_code__startswith=division.prefix)
    if query.q:
        rows = rows.filter(name__contains=query.q)
    return rows


def _with_figures(surveys: list) -> list:
    returned = dict(Survey.objects.filter(pk__in=[s.pk for s in surveys]).annotate(n=Count("responses"))
                    .values_list("pk", "n"))
    names = division_names(s.division_code for s in surveys)
    for survey in surveys:
        survey.returned = returned.get(survey.pk, 0)
        survey.division_name = names.get(survey.division_code, "")
    return surveys


def _export(request, rows, query):
    def cells():
        batch: list = []
        for survey in rows.select_related("version__questionnaire").order_by("-opened_on", "-pk").iterator(
                chunk_size=EXPORT_BATCH):
            batch.append(survey)
            if len(batch) == EXPORT_BATCH:
                yield from cells_of(batch)
                batch = []
        yield from cells_of(batch)

    def cells_of(batch):
        for s in _with_figures(batch):
            yield [s.name, s.version.questionnaire.code, s.version.number, s.division_name, s.division_code,
                   gettext(s.get_state_display()), s.opened_on, s.closed_on or "", s.issued, s.returned]

    filters = {("survey_state" if k == "state" else k): v for k, v in query.filter_params().items()}
    return export_response(request, object_type="survey_list", detail={"filters": filters},
                           filename="问卷调查-surveys", title=pgettext("surveys", "问卷调查"),
                           headers=[str(h) for h in EXPORT_HEADERS], rows=cells())


@requires(SURVEYS_REPORT)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("surveys:list"), search_label=gettext_lazy("调查名称"))
    rows = _matching(user, query)
    if request.method == "POST":
        return _export(request, rows, query)
    counts = counts_cached(user=user, name="surveys", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.select_related("version__questionnaire")
                      .order_by(*query.order_by(tiebreak=["-opened_on", "-pk"]))],
                     query=query, counts=counts, rows=_with_figures)
    return render(request, "surveys/survey_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}, **may(user)))


# --------------------------------------------------------------------------- a new survey


def versions_for(user):
    """The questionnaire versions the user may issue: those of questionnaires in scope,
    newest version first."""
    return (QuestionnaireVersion.objects.filter(questionnaire__in=selectors.questionnaires_visible(user))
            .select_related("questionnaire").order_by("questionnaire__code", "-number"))


@requires(SURVEYS_DESIGN)
@require_http_methods(["GET", "HEAD", "POST"])
def survey_new(request):
    user = request.user
    versions = list(versions_for(user))
    initial = {}
    chosen = (request.GET.get("version") or "").strip()
    if chosen.isdigit() and any(v.pk == int(chosen) for v in versions):
        initial["version"] = int(chosen)
    form = SurveyForm(request.POST or None, user=user, versions=versions, initial=initial)
    back = reverse("surveys:list")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = next(v for v in versions if v.pk == data["version"])
        try:
            survey = services.survey_open(user=user, version=version, name=data["name"],
                                          division_code=data["division"], issued=data["issued"],
                                          opened_on=data["opened_on"], request=request)
        except ValidationError as refused:
            errors_onto(form, refused)
        else:
            messages.success(request, gettext("已发起调查"))
            return redirect("surveys:detail", pk=survey.pk)
    return form_page(request, form, title=gettext("发起调查"), back_url=back, back_label=gettext("返回调查列表"),
                     submit_label=gettext("发起调查"), status=400 if form.errors else 200)


@requires(SURVEYS_DESIGN)
@require_POST
def survey_close(request, pk):
    survey = survey_for(request.user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("请填写结束日期"))
        return redirect("surveys:detail", pk=survey.pk)
    try:
        services.survey_close(user=request.user, survey=survey, closed_on=form.cleaned_data["closed_on"],
                              request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(in_page_language(m) for m in refused.messages))
    else:
        messages.success(request, gettext("调查已结束，不再接收问卷"))
    return redirect("surveys:detail", pk=survey.pk)
