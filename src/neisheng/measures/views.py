"""Assigned measures: the list of the user's division (with its export) and the form that
assigns a measure to a household or a member, prefilled from the latest run's
recommendation."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import ACTIVITIES_RECORD, MEASURES_ASSIGN, PERSONS_READ, user_may
from neisheng.engine.measures import MEASURE_LABELS
from neisheng.measures import selectors, services
from neisheng.measures.forms import MeasureAssignForm, MeasureStepForm
from neisheng.measures.models import AssignedMeasure
from neisheng.measures.workflow import MEASURE_WORKFLOW
from neisheng.monitoring import selectors as monitoring
from neisheng.platform import scope
from neisheng.platform.access import refusal, requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Household

COLUMNS = [
    Column("household", _("户编号"), order_by=("household_id",), css="primary"),
    Column("village", _("村")),
    Column("measure", _("措施"), order_by=("measure",), css="primary"),
    Column("person", _("对象")),
    Column("assigned_on", _("安排日期"), order_by=("assigned_on",)),
    Column("responsible", _("责任单位或责任人")),
    Column("ends_on", _("结束日期"), order_by=("ends_on",)),
    Column("state", _("状态"), order_by=("state",)),
    Column("origin", _("来源")),
]
ORIGINS = {"recommended": _("监测推荐"), "manual": _("人工安排")}


def _filters() -> list[Filter]:
    return [
        Filter("measure", _("措施"), choices=list(MEASURE_LABELS.items())),
        Filter("state", _("状态"), choices=[(c, str(label)) for c, label in AssignedMeasure.State.choices]),
        Filter("origin", _("来源"), choices=list(ORIGINS.items())),
        Filter("past_end", _("已过结束日期"), choices=[("yes", _("是"))]),
    ]


def _matching(user, query: ListQuery):
    rows = selectors.measures_visible_to(user)
    if query.q:
        rows = rows.filter(Q(household__household_id__icontains=query.q) | Q(responsible__icontains=query.q))
    values = query.values
    if "measure" in values:
        rows = rows.filter(measure=values["measure"])
    if "state" in values:
        rows = rows.filter(state=values["state"])
    if "origin" in values:
        rows = rows.filter(from_recommendation=values["origin"] == "recommended")
    if values.get("past_end") == "yes":
        rows = rows.filter(state__in=services.OPEN_STATES, ends_on__lt=timezone.localdate())
    return rows


def _with_past_end(measures: list[AssignedMeasure]) -> list[AssignedMeasure]:
    for m in selectors.with_member_names(measures):
        m.past_end = selectors.measure_past_end(m)
    return measures


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def measure_list(request):
    """Every measure assigned in the user's division; a POST exports the matching ones."""
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(), path=reverse("measures:list"),
                      default_sort="assigned_on")
    if not request.GET.get("sort"):
        query.descending = True  # the newest first
    matching = _matching(request.user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    ordered = matching.order_by(*query.order_by(tiebreak=["pk"]))
    counts = counts_cached(user=request.user, name="assigned-measures", key=query.filter_params(),
                           compute=lambda: [matching.count()])
    page = list_page([ordered], query=query, counts=counts, rows=_with_past_end)
    return render(request, "measures/measure_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        origins={code: gettext(str(label)) for code, label in ORIGINS.items()}))


def _export(request, matching, query: ListQuery):
    def rows():
        for m in selectors.with_member_names(list(matching.order_by("-assigned_on", "pk"))):
            yield [m.household_id, m.household.village.name, gettext(MEASURE_LABELS.get(m.measure, m.measure)),
                   m.person_name or gettext("整户"), m.assigned_on, m.responsible, m.ends_on,
                   gettext(m.get_state_display()),
                   gettext(str(ORIGINS["recommended" if m.from_recommendation else "manual"])),
                   gettext(m.get_responsible_kind_display()), m.starts_on, m.cost,
                   gettext(m.get_funding_source_display()) if m.funding_source else "", m.outcome, m.note]

    return export_response(
        request, object_type="assigned_measures", detail={"filters": query.filter_params()},
        filename="帮扶措施-measures", title=gettext("帮扶措施"),
        headers=[*(gettext(str(c.label)) for c in COLUMNS), gettext("责任类型"), gettext("开始日期"),
                 gettext("费用(元)"), gettext("资金来源"), gettext("成效"), gettext("说明")], rows=rows(),
    )


def _recommended(household) -> dict[str, list[str]]:
    """measure → the person ids the latest run covering the household recommended it for
    ([] when for the household itself); {} before any run."""
    result = monitoring.result_for(household)
    if result is None:
        return {}
    recommended: dict[str, list[str]] = {}
    for measure, person_id in monitoring.measures_for(result).values_list("measure", "person_id"):
        ids = recommended.setdefault(measure, [])
        if person_id and person_id not in ids:
            ids.append(person_id)
    return recommended


@requires(PERSONS_READ, MEASURES_ASSIGN)
def measure_new(request):
    """/measures/new/?household=<number>&measure=<code>[&person=<member key>]: the
    recommendation's measure and member chosen beforehand; the officer adds the date and
    who is responsible."""
    household = get_object_or_404(scope.visible_to(request.user, Household.objects.select_related("village")),
                                  pk=(request.GET.get("household") or "").strip())
    alive = list(household.members.filter(alive=True).order_by("birth_date", "person_id"))
    key_of = {p.person_id: p.key for p in alive}
    recommended = _recommended(household)
    members = [(p.key, p.name) for p in alive]
    initial = {}
    measure = (request.GET.get("measure") or "").strip()
    if measure in MEASURE_LABELS:
        initial["measure"] = measure
        concerned = [key_of[i] for i in recommended.get(measure, []) if i in key_of]
        if len(concerned) == 1:
            initial["person"] = concerned[0]
    person = (request.GET.get("person") or "").strip()
    if person in {key for key, _name in members}:
        initial["person"] = person
    form = MeasureAssignForm(request.POST or None, initial=initial, members=members,
                             recommended={m: [key_of[i] for i in ids if i in key_of] for m, ids in recommended.items()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person_id = next((p.person_id for p in alive if p.key == data["person"]), "") if data["person"] else ""
        suggested = data["measure"] in recommended and (
            not recommended[data["measure"]] or person_id in recommended[data["measure"]])
        try:
            services.measure_assign(
                user=request.user, household=household, measure=data["measure"], assigned_on=data["assigned_on"],
                responsible=data["responsible"], person_id=person_id, note=data["note"],
                from_recommendation=suggested, responsible_kind=data["responsible_kind"] or AssignedMeasure.Responsible.DEPARTMENT,
                starts_on=data["starts_on"], ends_on=data["ends_on"], cost=data["cost"],
                funding_source=data["funding_source"], request=request)
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                for error in errors:
                    known = {"person_id": "person"}.get(field, field)
                    form.add_error(known if known in form.fields else None, error)
        else:
            messages.success(request, gettext("已安排帮扶措施"))
            return redirect(reverse("registry:household_detail", args=[household.household_id]) + "#measures-assigned")
    back = reverse("registry:household_detail", args=[household.household_id])
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("安排帮扶措施"), "subject": household.household_id,
        "back_url": back, "back_label": gettext("返回农户"), "cancel_url": back, "submit_label": gettext("安排"),
    })


# --------------------------------------------------------------------------- one measure and its steps

STEP_TITLES = {"start": _("开始实施"), "complete": _("完成措施"), "abandon": _("放弃措施")}
STEP_DONE = {"start": _("措施已开始实施"), "complete": _("措施已完成"), "abandon": _("措施已放弃")}


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _measure_for(request, pk) -> AssignedMeasure:
    measure = get_object_or_404(selectors.measures_visible_to(request.user), pk=pk)
    selectors.with_member_names([measure])
    return measure


def _may_move(user) -> bool:
    return user_may(user, MEASURES_ASSIGN) or user_may(user, ACTIVITIES_RECORD)


@requires(PERSONS_READ)
def measure_detail(request, pk):
    """One measure: its plan, where it stands, its history (who, the day, when entered,
    why) and the steps the user may make now."""
    measure = _measure_for(request, pk)
    steps = [{"name": s.name, "label": s.label, "url": reverse("measures:step", args=[measure.pk, s.name])}
             for s in MEASURE_WORKFLOW.steps if s.name in services.STEPS
             and measure.state in s.source and _may_move(request.user)]
    return render(request, "measures/measure_detail.html", {
        "measure": measure, "household": measure.household, "next_steps": steps,
        "history": selectors.measure_history(measure),
        "overdue_end": selectors.measure_past_end(measure),
    })


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def measure_step(request, pk, step):
    """The form of one step: its date, and the outcome or reason it asks for. A step the
    measure's state refuses says why (400); a role that may not move measures gets 403."""
    if step not in services.STEPS:
        raise Http404
    measure = _measure_for(request, pk)
    if not _may_move(request.user):
        raise PermissionDenied(refusal(MEASURES_ASSIGN))
    # Whether the step can be made at all now: the outcome it asks for is the form's to give.
    probe = copy.copy(measure)
    probe.outcome = probe.outcome or "-"
    refused = MEASURE_WORKFLOW.refusal(probe, step, request.user)
    form = MeasureStepForm(request.POST or None, step=step)
    status, message = (400, in_page_language(refused)) if refused else (200, "")
    if request.method == "POST" and refused is None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.measure_step(user=request.user, measure=measure, step=step,
                                      effective_on=data["effective_on"], reason=data.get("reason", ""),
                                      outcome=data.get("outcome", ""), request=request)
            except TransitionRefused as refusal_now:
                status, message = 400, in_page_language(refusal_now)
            else:
                messages.success(request, gettext(str(STEP_DONE[step])))
                return redirect("measures:detail", pk=measure.pk)
        else:
            status = 400
    back = reverse("measures:detail", args=[measure.pk])
    return render(request, "measures/step_form.html", {
        "form": form, "measure": measure, "step": step, "title": gettext(str(STEP_TITLES[step])),
        "subject": measure.household_id, "step_message": message, "back_url": back,
        "back_label": gettext("返回措施"), "cancel_url": back, "submit_label": gettext("提交"),
    }, status=status)
