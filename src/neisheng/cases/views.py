"""The case pages (cases.md): the list, a case with what needs doing first and its whole
history, one form per step, a cadre filing a case, the printable village notice, the
self-reports of a village, and the signed authorisation's scan (audited).

Every read goes through cases.selectors.cases_visible_to (scope): a case elsewhere is a
404, exactly like one that does not exist. Every write goes through cases.services;
a refused step shows the services' sentence in the page's language."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import CASES_REPORT, PERSON_UNMASK, PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent
from neisheng.accounts.services import audit_record
from neisheng.cases import selectors, services
from neisheng.cases.errors import StepForbidden
from neisheng.cases.forms import SETTLED_MARK, CaseNewForm, StepForm
from neisheng.cases.models import (
    CaseStep,
    Channel,
    MonitoringCase,
    SelfReport,
    State,
)
from neisheng.cases.public import self_report_receive
from neisheng.cases.workflow import CASE_WORKFLOW, step_to, steps_to
from neisheng.engine import schema
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
from neisheng.platform.workflow import TransitionRefused
from neisheng.registry.models import Division, Household
from neisheng.registry.selectors.tree import division_filter_choices

persons_allowed = requires(PERSONS_READ)
reporters_only = requires(PERSONS_READ, CASES_REPORT)

# What a button that moves a case to a state says (the states' own labels say where it is).
ACTIONS = {
    State.VERIFIED: gettext_lazy("入户核实"),
    State.COMPARED: gettext_lazy("信息比对"),
    State.VILLAGE_REVIEWED: gettext_lazy("民主评议"),
    State.PUBLICIZED: gettext_lazy("张贴公示"),
    State.TOWN_REVIEWED: gettext_lazy("乡镇审核"),
    State.MONITORING: gettext_lazy("县级审批,纳入监测"),
    State.REJECTED: gettext_lazy("不予纳入"),
    State.ELIMINATION_PROPOSED: gettext_lazy("提出风险消除"),
    State.ELIMINATION_PUBLICIZED: gettext_lazy("评议并公示风险消除"),
    State.RISK_ELIMINATED: gettext_lazy("批准风险消除"),
}
BACK_TO_MONITORING = gettext_lazy("退回监测")
RISK_RETURNED = gettext_lazy("返贫,恢复监测")


def action_label(case: MonitoringCase, to: str) -> str:
    if to == State.MONITORING and case.state == State.RISK_ELIMINATED:
        return RISK_RETURNED
    if to == State.MONITORING and case.state != State.TOWN_REVIEWED:
        return BACK_TO_MONITORING
    return ACTIONS.get(to, to)


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language (as
    web/error_views.py shows a 403's reason)."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def _en(label) -> str:
    with translation.override("en"):
        return str(label)


def _case_for(request, pk) -> MonitoringCase:
    return get_object_or_404(
        selectors.cases_visible_to(request.user).select_related("household", "household__village"), pk=pk)


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村")),
    Column("channel", gettext_lazy("渠道")),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
    Column("reported_on", gettext_lazy("登记日期"), order_by=("reported_on",)),
    Column("deadline", gettext_lazy("识别期限"), order_by=("deadline",), css="primary"),
    Column("monitor_type", gettext_lazy("监测对象类型")),
]
YES_ONLY = [("yes", gettext_lazy("是"))]


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [
        Filter("state", gettext_lazy("状态"), choices=list(State.choices)),
        Filter("channel", gettext_lazy("渠道"), choices=list(Channel.choices)),
        Filter("overdue", gettext_lazy("已逾期"), choices=YES_ONLY),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
    ]


def _matching(user, query: ListQuery):
    rows = selectors.cases_visible_to(user)
    values = query.values
    if values.get("state"):
        rows = rows.filter(state=values["state"])
    if values.get("channel"):
        rows = rows.filter(channel=values["channel"])
    if values.get("overdue"):
        rows = rows.filter(selectors.cases_overdue_q())
    if values.get("division"):
        code = values["division"]
        division = Division.objects.get(pk=code)
        prefix = code[: {3: 6, 4: 9, 5: 12}.get(division.level, 12)]
        rows = rows.filter(household__village_id__gte=prefix.ljust(12, "0"),
                           household__village_id__lte=prefix.ljust(12, "9"))
    if query.q:
        rows = rows.filter(household__household_id__contains=query.q)
    return rows


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def case_list(request):
    """Every case in the user's scope; a POST to the same address exports every matching
    case (the filters stay in the query string)."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("cases:list"), search_label=gettext_lazy("户编号"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    rows = matching.select_related("household__village")
    counts = counts_cached(user=user, name="cases", key={**query.filter_params(), "day": str(timezone.localdate())},
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-reported_on", "-pk"]))], query=query, counts=counts,
                     rows=_rows)
    return render(request, "cases/case_list.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS}))


def _rows(cases: list[MonitoringCase]) -> list[dict]:
    today = timezone.localdate()
    return [{"case": c, "overdue": selectors.case_is_overdue(c, today)} for c in cases]


def _export(request, matching, query: ListQuery):
    today = timezone.localdate()
    headers = [gettext("户编号"), gettext("村"), gettext("渠道"), gettext("状态"), gettext("登记日期"),
               gettext("识别期限"), gettext("已逾期"), gettext("监测对象类型")]

    def rows():
        for c in matching.select_related("household__village").order_by("household_id", "pk").iterator(2000):
            overdue = selectors.case_is_overdue(c, today)
            yield [c.household_id, c.household.village.name, gettext(c.get_channel_display()),
                   gettext(c.get_state_display()), c.reported_on, c.deadline, gettext("是") if overdue else "",
                   gettext(c.get_monitor_type_display()) if c.monitor_type else ""]

    return export_response(request, object_type="case_list", detail={"filters": query.filter_params()},
                           filename="监测对象-cases", title=gettext("监测对象"), headers=headers, rows=rows())


# --------------------------------------------------------------------------- one case


def _may_see_scans(user) -> bool:
    # The signed authorisation carries the household's ID numbers and signatures: the
    # roles that may see full numbers may see it (audited as such).
    return user_may(user, PERSON_UNMASK)


def history_of(case: MonitoringCase, user) -> list[dict]:
    """The case's history as the page shows it, with each step's fields in words."""
    shown = []
    may_see_scans = _may_see_scans(user)
    for entry in selectors.case_history(case):
        data = dict(entry.get("data") or {})
        to = entry.get("to", "")
        objections = []
        for item in data.pop("objections", []) or []:
            if isinstance(item, dict):
                objections.append((item.get("objection", ""), item.get("settlement", "")))
            else:
                text, _mark, settled = str(item).partition(f" {SETTLED_MARK} ")
                objections.append((text, settled))
        checkers = data.pop("checkers", None) or []
        agreed = data.pop("agreed", None)
        monitor_type = data.pop("monitor_type", "") or ""
        step_id = entry.get("step_id")
        shown.append({
            **entry,
            "label": entry.get("label") or entry.get("step") or (State(to).label if to in State.values else to),
            "to_label": State(to).label if to in State.values else to,
            "checkers": checkers, "objections": objections, "agreed": agreed,
            "consent": data.pop("consent", None),
            "findings": data.pop("findings", ""),
            "participants": data.pop("participants", None),
            "notice_end": data.pop("notice_end", None),
            "town_reviewed_on": data.pop("town_reviewed_on", None),
            "monitor_type_label": schema.MONITOR_TYPE.get(monitor_type, monitor_type),
            "scan_url": reverse("cases:consent_scan", args=[case.pk, step_id])
            if step_id and entry.get("consent_scan") and may_see_scans else "",
            "scan_held": bool(entry.get("consent_scan")),
        })
    return shown


@persons_allowed
def case_detail(request, pk):
    case = _case_for(request, pk)
    user = request.user
    today = timezone.localdate()
    targets = selectors.targets_open_to(case, user)
    history = history_of(case, user)
    objections = [o for entry in history for o in entry["objections"]]
    self_reports = SelfReport.objects.filter(case=case).order_by("submitted_at")
    return render(request, "cases/case_detail.html", {
        "case": case,
        "household": case.household,
        "overdue": selectors.case_is_overdue(case, today),
        "next_steps": [{"to": to, "label": action_label(case, to),
                        "url": reverse("cases:step", args=[case.pk, to])} for to in targets],
        "history": history,
        "objections": objections,
        "self_reports": self_reports,
        "notice_shown": case.notice_start is not None and case.state in (
            State.PUBLICIZED, State.ELIMINATION_PUBLICIZED),
        "closed": case.state in (State.REJECTED, State.RISK_ELIMINATED),
    })


def _step_refusal(case: MonitoringCase, to: str, user) -> tuple[int, str] | None:
    """(403, sentence) when the user's role may make no step to `to` here, (400,
    sentence) when the case's state or what it holds refuses it now, None when the form
    may be shown (the step's own fields are judged when it is sent). The same order as
    cases.services.case_transition, from the workflow's own declaration."""
    candidates = steps_to(to)
    step = step_to(case.state, to)
    allowed = [s for s in candidates if user_may(user, s.capability)]
    if not allowed or (step is not None and step not in allowed):
        label = (step or candidates[0]).label if candidates else to
        return 403, f"您的角色不能执行“{_zh(label)}” / your role may not do “{_en(label)}”"
    if step is None:
        return 400, (f"当前状态为“{_zh(State(case.state).label)}”,不能执行此步骤 / "
                     f"a case in state “{_en(State(case.state).label)}” cannot take this step")
    problem = CASE_WORKFLOW.refusal(case, step.name, user)
    return None if problem is None else (400, problem)


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def case_step(request, pk, to):
    case = _case_for(request, pk)
    if to not in State.values:
        raise Http404
    refused = _step_refusal(case, to, request.user)
    if refused is not None and refused[0] == 403:
        raise PermissionDenied(refused[1])
    form = StepForm(request.POST or None, request.FILES or None, case=case, to=to)
    status, problem = (refused[0], in_page_language(refused[1])) if refused else (200, "")
    if request.method == "POST" and refused is None and form.is_valid():
        try:
            services.case_transition(user=request.user, case=case, to=to, **form.service_arguments())
        except StepForbidden as forbidden:
            raise PermissionDenied(str(forbidden)) from None
        except TransitionRefused as refusal:
            status, problem = 400, in_page_language(refusal)
        else:
            messages.success(request, gettext("已记录:%(step)s") % {"step": action_label(case, to)})
            return redirect("cases:detail", pk=case.pk)
    elif request.method == "POST" and refused is None:
        status = 400
    return render(request, "cases/step_form.html", {
        "form": form, "case": case, "to": to, "title": action_label(case, to),
        "subject": case.household_id, "problem": problem,
        "back_url": reverse("cases:detail", args=[case.pk]), "back_label": gettext("返回监测对象"),
        "cancel_url": reverse("cases:detail", args=[case.pk]),
        "submit_label": gettext("提交"),
    }, status=status)


@persons_allowed
def consent_scan(request, pk, step_id):
    """The signed authorisation's scan: for roles that may see full numbers, within
    scope, recorded in the audit log as a view of personal information."""
    case = _case_for(request, pk)
    if not _may_see_scans(request.user):
        raise PermissionDenied(gettext("您的角色不能查看承诺授权书扫描件"))
    step = get_object_or_404(CaseStep, pk=step_id, case=case)
    if not step.consent_scan:
        raise Http404
    audit_record(user=request.user, action=AuditEvent.Action.VIEW_UNMASKED, division_code=case.household.village_id,
                 object_type="case_consent", object_id=str(case.pk),
                 detail={"step": step.pk, "household_id": case.household_id}, request=request)
    response = FileResponse(step.consent_scan.open("rb"), as_attachment=True,
                            filename=f"consent-{case.household_id}-{step.pk}{_suffix(step.consent_scan.name)}")
    add_never_cache_headers(response)
    return response


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 and len(name) - dot <= 5 else ""


# --------------------------------------------------------------------------- filing a case

SELF_REPORT_ON_BEHALF = gettext_lazy("农户自主申报(代为填报)")


def _channels_for(user) -> list[tuple[str, str]]:
    if user.role == "department":
        return [(Channel.DEPARTMENT_SCREENING, Channel.DEPARTMENT_SCREENING.label)]
    return [(Channel.CADRE_SCREENING, Channel.CADRE_SCREENING.label), (Channel.SELF_REPORT, SELF_REPORT_ON_BEHALF),
            (Channel.DEPARTMENT_SCREENING, Channel.DEPARTMENT_SCREENING.label)]


@reporters_only
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request):
    """A case filed by a cadre for a household (?household=<id>), or from a warning-list
    row (?warning=<row id>, channel monitoring_run)."""
    user = request.user
    warning_row = None
    if request.GET.get("warning"):
        from neisheng.warninglists.selectors import warning_row_visible

        warning_row = warning_row_visible(user, request.GET["warning"])
        household = warning_row.household
        channels = [(Channel.MONITORING_RUN, Channel.MONITORING_RUN.label)]
    else:
        household = get_object_or_404(scope.visible_to(user, Household.objects.select_related("village")),
                                      pk=(request.GET.get("household") or "").strip())
        channels = _channels_for(user)
    existing = selectors.open_case_for(household)
    form = CaseNewForm(request.POST or None, channels=channels)
    problem = ""
    if request.method == "POST" and existing is None and form.is_valid():
        data = form.cleaned_data
        try:
            case = _file(request, household=household, data=data, warning_row=warning_row)
        except StepForbidden as forbidden:
            raise PermissionDenied(str(forbidden)) from None
        except TransitionRefused as refusal:
            problem = in_page_language(refusal)
        else:
            messages.success(request, gettext("已登记监测对象线索"))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_new.html", {
        "form": form, "household": household, "existing": existing, "problem": problem,
        "warning_row": warning_row, "title": gettext("登记监测对象线索"), "subject": household.household_id,
        "back_url": reverse("registry:household_detail", args=[household.household_id]),
        "back_label": gettext("返回农户"), "cancel_url": reverse("registry:household_detail",
                                                                args=[household.household_id]),
        "submit_label": gettext("登记"),
    }, status=400 if (request.method == "POST" and (problem or form.errors)) else 200)


def _file(request, *, household, data, warning_row):
    user = request.user
    if data["channel"] == Channel.SELF_REPORT:
        # On the household's behalf: the report is kept as the household's own would be.
        head = household.members.filter(relation="head").order_by("-alive").first()
        report = self_report_receive(
            village_code=household.village_id, head_name=head.name if head else "",
            # No sender: a cadre's filing never counts against the public form's limit
            # (villagers may use the village office's connection).
            id_number=head.person_id if head else "", phone="", reason=data["reason"], sender="",
            filed_by=user, reported_on=data["reported_on"])
        if report.case is None:
            raise TransitionRefused("该户没有在世的户主,无法按农户申报登记 / the household has no living head to "
                                    "report for")
        return report.case
    return services.case_report(user=user, household=household, channel=data["channel"],
                                reported_on=data["reported_on"], reason=data["reason"], warning_row=warning_row,
                                finding_ref=data.get("finding_ref", ""))


# --------------------------------------------------------------------------- the notice


# Reasons a notice leaves out: insurance is a matter of health, which a notice posted in
# the village must never show.
NOTICE_REASONS_LEFT_OUT = {"medical_insurance", "no_members"}


@persons_allowed
def case_notice(request, pk):
    """The village notice (公示), to print and post: the head's name and the village, the
    reason in words (the latest run's reasons; never the free text, which may name an
    illness), the notice's dates and where to object. Never an ID number, a phone, a bank
    account or anything of health: the page is built from those fields alone."""
    case = _case_for(request, pk)
    if case.notice_start is None:
        raise Http404
    from neisheng.monitoring.policies import policy_current
    from neisheng.monitoring.selectors import result_for

    policy = policy_current().policy
    elimination = case.state in (State.ELIMINATION_PUBLICIZED, State.ELIMINATION_PROPOSED)
    days = policy.cases_elimination_publicity_days if elimination else policy.cases_publicity_days
    head = case.household.members.filter(relation="head").order_by("-alive").values_list("name", flat=True).first()
    village = case.household.village
    town = Division.objects.filter(pk=village.parent_id).values_list("name", flat=True).first()
    result = result_for(case.household)
    reasons = [schema.REASON[code] for code in (result.reasons.split(";") if result and result.reasons else [])
               if code in schema.REASON and code not in NOTICE_REASONS_LEFT_OUT]
    return render(request, "cases/notice.html", {
        "case": case, "head_name": head or "", "village_name": village.name, "town_name": town or "",
        "elimination": elimination, "notice_start": case.notice_start,
        "notice_end": case.notice_start + dt.timedelta(days=days), "days": days, "reasons": reasons,
        "monitor_type_label": schema.MONITOR_TYPE.get(case.monitor_type, ""),
    })


# --------------------------------------------------------------------------- self-reports

SELF_REPORT_STATUS = list(SelfReport.Status.choices)


@persons_allowed
def self_report_list(request):
    """Every self-report of the user's villages, matched or not, the ID number masked
    (revealed through the reveal button, audited, for a matched household's head)."""
    user = request.user
    status = request.GET.get("status", "")
    rows = scope.visible_to(user, SelfReport).select_related("household", "case")
    if status in SelfReport.Status.values:
        rows = rows.filter(status=status)
    query = ListQuery(request.GET, columns=[
        Column("submitted_at", gettext_lazy("提交时间"), order_by=("submitted_at",), css="primary"),
        Column("village", gettext_lazy("村")),
        Column("head_name", gettext_lazy("户主姓名"), css="primary"),
        Column("id_number", gettext_lazy("户主身份证号")),
        Column("status", gettext_lazy("状态"), css="primary"),
        Column("case", gettext_lazy("监测对象")),
    ], filters=[Filter("status", gettext_lazy("状态"), choices=SELF_REPORT_STATUS)],
        path=reverse("cases:self_reports"), search_label=gettext_lazy("户主姓名"))
    if query.q:
        rows = rows.filter(head_name__startswith=query.q)
    counts = counts_cached(user=user, name="self-reports", key=query.filter_params(), compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-submitted_at", "-pk"]))], query=query, counts=counts,
                     rows=_self_report_rows)
    return render(request, "cases/self_report_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in query.columns}))


def _self_report_rows(reports: list[SelfReport]) -> list[dict]:
    names = dict(Division.objects.filter(code__in={r.village_code for r in reports}).values_list("code", "name"))
    return [{"report": r, "village": names.get(r.village_code, r.village_code),
             # The reveal button names a registry person: only a matched head has one.
             "person": r.id_number if r.status == SelfReport.Status.MATCHED else None,
             "masked": mask_id_number(r.id_number)} for r in reports]


def list_url(**params) -> str:
    return reverse("cases:list") + ("?" + urlencode(params) if params else "")
