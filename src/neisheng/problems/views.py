"""The problem ledger's pages (grid.md "Problems"): the ledger, one problem with its
history, evidence and steps, the forms of raising, resolving, closing and reopening, an
evidence file (scoped, audited), and the overdue problems per cadre and per village.

Every read goes through problems.selectors (scope): a problem elsewhere is a 404, as
one that does not exist. Every write goes through problems.services; a refusal shows
the services' sentence in the page's language."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ, PROBLEMS_RAISE, user_may
from neisheng.accounts.services import audit_record
from neisheng.grid.models import Cadre
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
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.problems import selectors, services
from neisheng.problems.evidence import PREVIEWABLE
from neisheng.problems.forms import (
    ProblemCloseForm,
    ProblemRaiseForm,
    ProblemReopenForm,
    ProblemResolveForm,
)
from neisheng.problems.models import Category, Evidence, Problem, State
from neisheng.problems.workflow import PROBLEM_WORKFLOW, RAISE_LABEL, RAISE_STEP
from neisheng.registry.models import Division, Household
from neisheng.registry.selectors.tree import division_filter_choices

persons_allowed = requires(PERSONS_READ)


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _problem_for(request, pk) -> Problem:
    return get_object_or_404(selectors.problems_visible_to(request.user)
                             .select_related("household__village", "responsible"), pk=pk)


# --------------------------------------------------------------------------- the ledger

COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("category", gettext_lazy("类别"), order_by=("category",)),
    Column("description", gettext_lazy("问题描述"), css="primary"),
    Column("responsible", gettext_lazy("责任人")),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
    Column("raised_on", gettext_lazy("发现日期"), order_by=("raised_on",)),
    Column("deadline", gettext_lazy("整改期限"), order_by=("deadline",), css="primary"),
]
YES_ONLY = [("yes", gettext_lazy("是"))]


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    cadres = (Cadre.objects.filter(pk__in=selectors.problems_visible_to(user).exclude(responsible=None)
                                   .values("responsible_id")).order_by("name", "cadre_id"))
    return [
        Filter("state", gettext_lazy("状态"), choices=list(State.choices)),
        Filter("category", gettext_lazy("类别"), choices=list(Category.choices)),
        Filter("overdue", gettext_lazy("已逾期"), choices=YES_ONLY),
        Filter("responsible", gettext_lazy("责任人"), choices=[(str(c.pk), str(c)) for c in cadres],
               translate=False),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
    ]


def _matching(user, query: ListQuery):
    rows = selectors.problems_visible_to(user)
    values = query.values
    if values.get("state"):
        rows = rows.filter(state=values["state"])
    if values.get("category"):
        rows = rows.filter(category=values["category"])
    if values.get("overdue"):
        rows = selectors.overdue_problems(rows)
    if values.get("responsible"):
        rows = rows.filter(responsible_id=values["responsible"])
    if values.get("division"):
        rows = selectors.under_division(rows, values["division"])
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(description__contains=query.q))
    return rows


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def problem_list(request):
    """Every problem in the user's scope; a POST to the same address exports every
    matching problem (the filters stay in the query string)."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("problems:list"), search_label=gettext_lazy("户编号或问题"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    rows = matching.select_related("household__village", "responsible")
    counts = counts_cached(user=user, name="problems",
                           key={**query.filter_params(), "day": str(timezone.localdate())},
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["deadline", "pk"]))], query=query, counts=counts,
                     rows=_rows)
    return render(request, "problems/problem_list.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS}))


def _rows(problems: list[Problem]) -> list[dict]:
    today = timezone.localdate()
    return [{"problem": p, "overdue": selectors.problem_is_overdue(p, today)} for p in problems]


def _export(request, matching, query: ListQuery):
    today = timezone.localdate()
    headers = [gettext("户编号"), gettext("村"), gettext("类别"), gettext("问题描述"), gettext("责任人"),
               gettext("状态"), gettext("发现日期"), gettext("整改期限"), gettext("已逾期"), gettext("整改情况"),
               gettext("整改日期"), gettext("销号日期")]

    def rows():
        for p in (matching.select_related("household__village", "responsible")
                  .order_by("household_id", "pk").iterator(2000)):
            yield [p.household_id, p.household.village.name, gettext(p.get_category_display()), p.description,
                   p.responsible.name if p.responsible else "", gettext(p.get_state_display()), p.raised_on,
                   p.deadline, gettext("是") if selectors.problem_is_overdue(p, today) else "", p.resolution,
                   p.resolved_on, p.closed_on]

    return export_response(request, object_type="problem_list", detail={"filters": query.filter_params()},
                           filename="问题台账-problems", title=gettext("问题台账"), headers=headers, rows=rows())


# --------------------------------------------------------------------------- one problem

STEP_URLS = {"resolve": "problems:resolve", "close": "problems:close", "reopen": "problems:reopen"}


def history_of(problem: Problem) -> list[dict]:
    evidence = {}
    for item in problem.evidence.all():
        evidence.setdefault(item.round, []).append(item)
    shown, round_ = [], 1
    for entry in history(problem, workflow=PROBLEM_WORKFLOW).order_by("pk"):
        label = RAISE_LABEL if entry.name == RAISE_STEP else PROBLEM_WORKFLOW.step(entry.name).label
        files = []
        if entry.name == "resolve":
            files = evidence.get(round_, [])
        if entry.name == "reopen":
            round_ += 1
        shown.append({"entry": entry, "label": label, "to_label": State(entry.to_state).label
                      if entry.to_state in State.values else entry.to_state, "files": files})
    return shown


def steps_open_to(problem: Problem, user) -> list[dict]:
    return [{"name": s.name, "label": s.label, "url": reverse(STEP_URLS[s.name], args=[problem.pk])}
            for s in PROBLEM_WORKFLOW.steps_open_to(problem, user)]


@persons_allowed
def problem_detail(request, pk):
    problem = _problem_for(request, pk)
    user = request.user
    resolver_waits = (problem.state == State.RESOLVED and problem.resolved_by_id == user.pk
                      and user_may(user, "problems.review"))
    return render(request, "problems/problem_detail.html", {
        "problem": problem, "household": problem.household,
        "overdue": selectors.problem_is_overdue(problem),
        "next_steps": steps_open_to(problem, user),
        "resolver_waits": resolver_waits,
        "history": history_of(problem),
        "evidence": list(problem.evidence.all()),
    })


@persons_allowed
def evidence_file(request, pk, evidence_id):
    """An evidence file, within scope: shown in the page (images, PDF) with ?inline=1,
    else downloaded; each opening is in the audit log."""
    problem = _problem_for(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_id, problem=problem)
    inline = request.GET.get("inline") == "1" and evidence.content_type in PREVIEWABLE
    audit_record(user=request.user, action="view_unmasked", division_code=problem.division_code,
                 object_type="problem_evidence", object_id=str(evidence.pk),
                 detail={"problem": problem.pk, "sha256": evidence.sha256}, request=request)
    response = FileResponse(evidence.file.open("rb"), as_attachment=not inline, filename=evidence.original_name,
                            content_type=evidence.content_type)
    add_never_cache_headers(response)
    return response


# --------------------------------------------------------------------------- the steps


def _step_refusal(problem: Problem, step_name: str, user) -> tuple[int, str] | None:
    """(403, sentence) when the role may not make the step at all, (400, sentence) when
    the problem refuses it now, None when the form may be shown."""
    step = PROBLEM_WORKFLOW.step(step_name)
    if not user_may(user, step.capability):
        with translation.override("zh-hans"):
            zh = str(step.label)
        with translation.override("en"):
            en = str(step.label)
        return 403, f"您的角色不能执行“{zh}” / your role may not do “{en}”"
    if step_name == "close" and problem.state == State.RESOLVED and problem.resolved_by_id == user.pk:
        return 400, ("整改人不能为自己的整改销号,须由另一名审核人审核 / the one who resolved a problem cannot "
                     "close it: another reviewer must approve it")
    refusal = PROBLEM_WORKFLOW.refusal(problem, step_name, user)
    return None if refusal is None else (400, refusal)


TITLES = {"resolve": gettext_lazy("整改"), "close": gettext_lazy("审核销号"), "reopen": gettext_lazy("退回重新整改")}
FORMS = {"resolve": ProblemResolveForm, "close": ProblemCloseForm, "reopen": ProblemReopenForm}
DONE = {"resolve": gettext_lazy("已提交整改,等待审核销号"), "close": gettext_lazy("已销号"),
        "reopen": gettext_lazy("已退回重新整改")}


def _perform(step_name: str, user, problem: Problem, data: dict) -> None:
    if step_name == "resolve":
        services.problem_resolve(user=user, problem=problem, resolved_on=data["resolved_on"],
                                 resolution=data["resolution"], files=data["files"])
    elif step_name == "close":
        services.problem_close(user=user, problem=problem, closed_on=data["closed_on"], note=data["note"])
    else:
        services.problem_reopen(user=user, problem=problem, reopened_on=data["reopened_on"], reason=data["reason"])


def _step_view(step_name: str):
    @persons_allowed
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request, pk):
        problem = _problem_for(request, pk)
        refused = _step_refusal(problem, step_name, request.user)
        if refused is not None and refused[0] == 403:
            raise PermissionDenied(refused[1])
        form_class = FORMS[step_name]
        form = form_class(request.POST or None, request.FILES or None)
        status, message = (refused[0], in_page_language(refused[1])) if refused else (200, "")
        if request.method == "POST" and refused is None:
            if form.is_valid():
                try:
                    _perform(step_name, request.user, problem, form.cleaned_data)
                except TransitionRefused as refusal:
                    status, message = 400, in_page_language(refusal)
                else:
                    messages.success(request, gettext(str(DONE[step_name])))
                    return redirect("problems:detail", pk=problem.pk)
            else:
                status = 400
        return render(request, "problems/step_form.html", {
            "form": form, "problem": problem, "step": step_name, "title": gettext(str(TITLES[step_name])),
            "subject": problem.household_id, "problem_message": message,
            "back_url": reverse("problems:detail", args=[problem.pk]), "back_label": gettext("返回问题"),
            "cancel_url": reverse("problems:detail", args=[problem.pk]), "submit_label": gettext("提交"),
        }, status=status)

    view.__name__ = f"problem_{step_name}"
    return view


problem_resolve = _step_view("resolve")
problem_close = _step_view("close")
problem_reopen = _step_view("reopen")


@requires(PERSONS_READ, PROBLEMS_RAISE)
@require_http_methods(["GET", "HEAD", "POST"])
def problem_new(request):
    """Raise a problem of a household (?household=<id>)."""
    user = request.user
    household = get_object_or_404(scope.visible_to(user, Household.objects.select_related("village")),
                                  pk=(request.GET.get("household") or "").strip())
    form = ProblemRaiseForm(request.POST or None, user=user, household=household)
    message = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            problem = services.problem_raise(user=user, household=household, category=data["category"],
                                             description=data["description"], raised_on=data["raised_on"],
                                             responsible=data["responsible"], deadline=data["deadline"])
        except TransitionRefused as refusal:
            message = in_page_language(refusal)
        else:
            messages.success(request, gettext("已登记问题"))
            return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/problem_new.html", {
        "form": form, "household": household, "problem_message": message, "title": gettext("登记问题"),
        "subject": household.household_id,
        "back_url": reverse("registry:household_detail", args=[household.household_id]),
        "back_label": gettext("返回农户"),
        "cancel_url": reverse("registry:household_detail", args=[household.household_id]),
        "submit_label": gettext("登记"),
    }, status=400 if (request.method == "POST" and (message or form.errors)) else 200)


# --------------------------------------------------------------------------- overdue


def _overdue_tables(user, division_code: str):
    today = timezone.localdate()
    cadres = selectors.overdue_by_cadre(user=user, division_code=division_code, today=today)
    villages = [v for v in selectors.problem_counts_by_village(user=user, division_code=division_code, today=today)
                if v.overdue]
    return cadres, villages


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def overdue(request):
    """Overdue problems per responsible cadre and per village; a POST with ?table=cadres
    or ?table=villages exports that table."""
    user = request.user
    code = (request.GET.get("division") or "").strip()
    if code and not scope.visible_to(user, Division).filter(pk=code).exists():
        raise Http404
    cadres, villages = _overdue_tables(user, code)
    if request.method == "POST":
        if request.GET.get("table") == "villages":
            return export_response(
                request, object_type="problem_overdue", detail={"table": "villages", "division": code},
                filename="逾期问题-村-overdue-villages", title=gettext("逾期问题按村"),
                headers=[gettext("村"), gettext("区划代码"), gettext("已逾期"), gettext("待整改"),
                         gettext("已整改待审核"), gettext("已销号")],
                rows=[[v.village_name, v.village_code, v.overdue, v.open, v.resolved, v.closed] for v in villages])
        return export_response(
            request, object_type="problem_overdue", detail={"table": "cadres", "division": code},
            filename="逾期问题-干部-overdue-cadres", title=gettext("逾期问题按责任人"),
            headers=[gettext("责任人"), gettext("干部编号"), gettext("服务区划"), gettext("已逾期"),
                     gettext("最早期限")],
            rows=[[c.name or gettext("未指定责任人"), c.cadre_code, c.division_code, c.overdue, c.earliest_deadline]
                  for c in cadres])
    return render(request, "problems/overdue.html", {
        "cadres": cadres, "villages": villages, "division": code,
        "overdue_total": sum(c.overdue for c in cadres),
        "list_url": reverse("problems:list") + "?overdue=yes" + (f"&division={code}" if code else ""),
    })
