"""The audit's pages (projects.md "Audit"): the findings list for auditors and officers
(filters, counts by rule, Excel export with the evidence in words), one finding (its
evidence in words, links to what it is about, its history, the decisions open to the
user), the decision forms, the runs and "run the audit now" (a platform job).

Every read goes through platform.scope (a finding elsewhere is a 404, as one that does
not exist); every write through projects.services.audit."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import FINDINGS_AUDIT, PERSONS_READ, user_may
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.jobs import JobError
from neisheng.platform.listing import (
    Column,
    Filter,
    ListQuery,
    counts_cached,
    list_context,
    list_page,
)
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.projects.audit import county_of
from neisheng.projects.forms_audit import AuditRunForm, FindingConfirmForm, FindingExplainForm
from neisheng.projects.jobs import audit_job_start
from neisheng.projects.models import AuditFinding, AuditRun, Payment, Project, RenovationItem
from neisheng.projects.services import audit as services
from neisheng.projects.workflow import FINDING_WORKFLOW
from neisheng.registry.models import Division
from neisheng.registry.selectors.tree import division_filter_choices

persons_allowed = requires(PERSONS_READ)
Rule = AuditFinding.Check
State = AuditFinding.State


def findings_visible(user):
    return scope.visible_to(user, AuditFinding.objects.all())


def runs_visible(user):
    """Runs over a county within the user's scope, and those of the user's own county
    (a run carries the county's counts only, no household)."""
    own = county_of(user.division_id) if getattr(user, "division_id", None) else None
    rows = AuditRun.objects.filter(scope.within(user, "division_code") | Q(division_code=own or "-"))
    return rows


def _finding_for(request, pk) -> AuditFinding:
    return get_object_or_404(findings_visible(request.user).select_related("project", "household__village"), pk=pk)


def _under(rows, code: str):
    division = Division.objects.filter(pk=code).first()
    if division is None:
        return rows.none()
    return rows.filter(division_code__gte=division.prefix.ljust(12, "0"),
                       division_code__lte=division.prefix.ljust(12, "9"))


# --------------------------------------------------------------------------- evidence in words

# The engine's evidence keys (engine.project_audit, each check's docstring) and how a
# reader names them; a key means something else under some rules.
EVIDENCE_LABELS = {
    "revenue": gettext_lazy("方案收益"), "payments": gettext_lazy("发放合计"), "collective": gettext_lazy("村集体"),
    "difference": gettext_lazy("相差"), "payment_count": gettext_lazy("发放笔数"),
    "payment_date": gettext_lazy("发放日期"), "amount": gettext_lazy("金额"), "periods": gettext_lazy("受益期间数"),
    "first_starts_on": gettext_lazy("最早受益开始日期"), "last_ends_on": gettext_lazy("受益结束日期"),
    "members": gettext_lazy("成员人数"), "last_died_on": gettext_lazy("最后死亡日期"),
    "first_payment_date": gettext_lazy("首次发放日期"), "last_payment_date": gettext_lazy("末次发放日期"),
    "spent": gettext_lazy("已支出"), "over": gettext_lazy("超出"), "item_code": gettext_lazy("项目编码"),
    "unit_price": gettext_lazy("单价"), "reference_price": gettext_lazy("参考价"),
    "tolerance": gettext_lazy("允许上浮"), "quantity": gettext_lazy("数量"), "max_quantity": gettext_lazy("最大数量"),
    "status": gettext_lazy("户类型"), "total": gettext_lazy("改造合计"), "items": gettext_lazy("明细条数"),
    "cap": gettext_lazy("上限"), "renovations": gettext_lazy("改造次数"),
}
RULE_LABELS = {
    ("payee_not_beneficiary", "amount"): gettext_lazy("发放金额"),
    ("payee_deceased", "amount"): gettext_lazy("发放金额"),
    ("duplicate_payment", "payments"): gettext_lazy("发放笔数"),
    ("duplicate_payment", "amount"): gettext_lazy("发放合计"),
    ("overspent_fund", "amount"): gettext_lazy("资金金额"),
    ("renovation_price", "amount"): gettext_lazy("明细金额"),
    ("renovation_quantity", "amount"): gettext_lazy("明细金额"),
}
YUAN = re.compile(r"^-?\d+\.\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
YUAN_KEYS = {"revenue", "payments", "collective", "difference", "amount", "spent", "over", "unit_price",
             "reference_price", "total", "cap"}


def _value_words(key: str, value) -> tuple[str, bool]:
    """(the value as shown, whether it is data a reader's language leaves alone)."""
    if value is None:
        return "—", False
    if isinstance(value, bool):
        return (gettext("是") if value else gettext("否")), False
    if isinstance(value, int):
        return intcomma(value), False
    if key == "tolerance" and isinstance(value, str) and NUMBER.match(value):
        return f"{_trimmed(str(Decimal(value) * 100))}%", False
    if key in YUAN_KEYS and isinstance(value, str) and YUAN.match(value):
        # The difference's direction is the sign of "payments + collective − revenue";
        # the sentence says by how much.
        amount = abs(Decimal(value)) if key == "difference" else Decimal(value)
        return gettext("%(amount)s 元") % {"amount": intcomma(amount)}, False
    if isinstance(value, str) and NUMBER.match(value):
        return intcomma(Decimal(_trimmed(value))), False
    if key == "status":
        from neisheng.engine import schema

        label = dict(schema.STATUS).get(value)
        if label:
            return gettext(label), False
    return str(value), True


def _trimmed(text: str) -> str:
    """"3.000" → "3", "1.500" → "1.5": quantities carry three places, readers need none."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def evidence_parts(finding: AuditFinding) -> list[dict]:
    """The evidence as (label, value) pairs in words; an unknown key is shown as data."""
    parts = []
    for key, value in (finding.evidence or {}).items():
        words, data = _value_words(key, value)
        label = RULE_LABELS.get((finding.rule, key)) or EVIDENCE_LABELS.get(key)
        parts.append({"key": key, "label": gettext(str(label)) if label else key, "label_data": label is None,
                      "value": words, "data": data})
    return parts


def evidence_words(finding: AuditFinding) -> str:
    """"方案收益 7,000.00 元,发放合计 4,899.99 元,村集体 2,100.00 元,相差 0.01 元"."""
    return gettext(",").join(f"{p['label']} {p['value']}" for p in evidence_parts(finding))


# --------------------------------------------------------------------------- what a finding is about


def _url(name: str, *args) -> str:
    # Other areas' pages are linked only once their routes exist.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def subject_links(finding: AuditFinding) -> list[dict]:
    """Links to the pages of what the finding is about: the plan, payment's plan, fund's
    project, renovation, household and project."""
    links = []
    kind, subject = finding.subject_type, finding.subject_id
    if kind == AuditFinding.Subject.PLAN:
        links.append({"id": "subject-plan", "label": gettext("分配方案"), "url": _url("projects:plan", subject.split(":")[0])})
    elif kind == AuditFinding.Subject.PAYMENT:
        payment = Payment.objects.filter(pk=subject).values("plan_id").first()
        if payment:
            links.append({"id": "subject-plan", "label": gettext("分配方案"), "url": _url("projects:plan", payment["plan_id"])})
    elif kind == AuditFinding.Subject.RENOVATION:
        links.append({"id": "subject-renovation", "label": gettext("改造"), "url": _url("projects:renovation", subject)})
    elif kind == AuditFinding.Subject.RENOVATION_ITEM:
        item = RenovationItem.objects.filter(pk=subject).values("renovation_id").first()
        if item:
            links.append({"id": "subject-renovation", "label": gettext("改造"),
                          "url": _url("projects:renovation", item["renovation_id"])})
    elif kind == AuditFinding.Subject.HOUSEHOLD:
        links.append({"id": "subject-renovations", "label": gettext("改造"),
                      "url": (_url("projects:renovations") + f"?q={subject}") if _url("projects:renovations") else ""})
    if finding.project_id:
        links.append({"id": "subject-project", "label": gettext("项目"), "url": _url("projects:detail", finding.project_id)})
    if finding.household_id:
        links.append({"id": "subject-household", "label": gettext("农户"),
                      "url": _url("registry:household_detail", finding.household_id)})
    return [link for link in links if link["url"]]


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("rule", gettext_lazy("审计规则"), order_by=("rule",), css="primary"),
    Column("subject", gettext_lazy("对象")),
    Column("division", gettext_lazy("区划"), order_by=("division_code",)),
    Column("project", gettext_lazy("项目")),
    Column("amount", gettext_lazy("涉及金额(元)"), order_by=("amount",), numeric=True),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
    Column("seen", gettext_lazy("首次发现"), order_by=("-first_seen_at",)),
]
OPEN, CLEARED = "open", "cleared"
PROJECTS_OFFERED = 200


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    with_findings = findings_visible(user).exclude(project=None).values("project_id")
    projects = Project.objects.filter(pk__in=with_findings).order_by("name", "pk")[:PROJECTS_OFFERED]
    return [
        Filter("rule", gettext_lazy("审计规则"), choices=list(Rule.choices)),
        Filter("state", gettext_lazy("状态"), choices=list(State.choices)),
        Filter("open", gettext_lazy("是否仍存在"), choices=[(OPEN, gettext_lazy("仍存在")),
                                                         (CLEARED, gettext_lazy("不再出现"))]),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
        Filter("project", gettext_lazy("项目"), choices=[(str(p.pk), p.name) for p in projects], translate=False),
    ]


def _matching(user, query: ListQuery):
    rows = findings_visible(user)
    values = query.values
    for name in ("rule", "state"):
        if values.get(name):
            rows = rows.filter(**{name: values[name]})
    if values.get("open") == OPEN:
        rows = rows.filter(cleared_at=None)
    elif values.get("open") == CLEARED:
        rows = rows.exclude(cleared_at=None)
    if values.get("division"):
        rows = _under(rows, values["division"])
    if values.get("project"):
        rows = rows.filter(project_id=values["project"])
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(subject_id=query.q)
                           | Q(project__name__contains=query.q))
    return rows


def _division_names(codes) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _rows(findings: list[AuditFinding]) -> list[dict]:
    names = _division_names(f.division_code for f in findings)
    return [{"finding": f, "division_name": names.get(f.division_code, f.division_code)} for f in findings]


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def finding_list(request):
    """Every finding in the user's scope; a POST to the same address exports every
    matching one (the filters stay in the query string)."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("projects:findings"), search_label=gettext_lazy("户编号、对象编号或项目"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    key = {**query.filter_params(), "day": str(timezone.localdate())}
    counts = counts_cached(user=user, name="audit-findings", key=key, compute=lambda: [matching.count()])
    page = list_page([matching.select_related("project").order_by(*query.order_by(tiebreak=["-first_seen_at", "-pk"]))],
                     query=query, counts=counts, rows=_rows)
    by_rule = counts_cached(user=user, name="audit-findings-by-rule", key=key, compute=lambda: _rule_counts(matching))
    return render(request, "projects/audit_list.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS},
        by_rule=[{"rule": code, "label": label, "open": n_open, "all": n_all, "url": query.url(rule=code)}
                 for (code, label), (n_open, n_all) in zip(Rule.choices, by_rule, strict=True)],
        may_run=user_may(user, FINDINGS_AUDIT)))


def _rule_counts(matching) -> list[tuple[int, int]]:
    found = {r["rule"]: (r["open"], r["all"]) for r in matching.order_by().values("rule")
             .annotate(open=Count("pk", filter=Q(cleared_at=None)), all=Count("pk"))}
    return [found.get(code, (0, 0)) for code in Rule.values]


def _export(request, matching, query: ListQuery):
    headers = [gettext("审计规则"), gettext("对象类型"), gettext("对象编号"), gettext("区划"), gettext("项目"),
               gettext("户编号"), gettext("涉及金额(元)"), gettext("证据"), gettext("状态"), gettext("说明理由"),
               gettext("首次发现"), gettext("最近发现"), gettext("不再出现")]

    def when(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    def rows():
        findings = list(matching.select_related("project").order_by("rule", "division_code", "pk"))
        names = _division_names(f.division_code for f in findings)
        for f in findings:
            yield [gettext(f.get_rule_display()), gettext(f.get_subject_type_display()), f.subject_id,
                   names.get(f.division_code, f.division_code), f.project.name if f.project else "",
                   f.household_id or "", f.amount, evidence_words(f), gettext(f.get_state_display()), f.reason,
                   when(f.first_seen_at), when(f.last_seen_at), when(f.cleared_at)]

    return export_response(request, object_type="audit_finding_list", detail={"filters": _logged_filters(query)},
                           filename="审计发现-audit-findings", title=gettext("审计发现"), headers=headers,
                           rows=rows())


def _logged_filters(query: ListQuery) -> dict:
    # Named apart from other lists' "rule" and "state" in the audit log's words.
    own = {"rule", "state", "open", "project"}
    return {(f"audit_{name}" if name in own else name): value for name, value in query.filter_params().items()}


# --------------------------------------------------------------------------- one finding

STEP_URLS = {"confirm": "projects:finding_confirm", "explain": "projects:finding_explain"}


def history_of(finding: AuditFinding) -> list[dict]:
    states = dict(State.choices)
    return [{"entry": entry, "label": FINDING_WORKFLOW.step(entry.name).label,
             "to_label": states.get(entry.to_state, entry.to_state)}
            for entry in history(finding, workflow=FINDING_WORKFLOW).order_by("pk")]


@persons_allowed
def finding_detail(request, pk):
    finding = _finding_for(request, pk)
    division = Division.objects.filter(pk=finding.division_code).first()
    return render(request, "projects/audit_detail.html", {
        "finding": finding, "division": division, "evidence": evidence_parts(finding),
        "evidence_words": evidence_words(finding), "links": subject_links(finding), "history": history_of(finding),
        "next_steps": [{"name": s.name, "label": s.label, "url": reverse(STEP_URLS[s.name], args=[finding.pk])}
                       for s in FINDING_WORKFLOW.steps_open_to(finding, request.user)],
    })


TITLES = {"confirm": gettext_lazy("确认审计发现"), "explain": gettext_lazy("说明审计发现")}
DONE = {"confirm": gettext_lazy("已确认"), "explain": gettext_lazy("已说明")}
FORMS = {"confirm": FindingConfirmForm, "explain": FindingExplainForm}


def _in_page_language(error) -> str:
    """The half of a "中文 / English" sentence in the reader's language."""
    text = str(error.messages[0] if hasattr(error, "messages") else error)
    zh, _, en = text.partition(" / ")
    from django.utils.translation import get_language

    return en if en and (get_language() or "").startswith("en") else zh


def _step_view(step: str):
    @requires(PERSONS_READ, FINDINGS_AUDIT)
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request, pk):
        finding = _finding_for(request, pk)
        user = request.user
        form = FORMS[step](request.POST if request.method == "POST" else None)
        status, message = 200, ""
        refusal = FINDING_WORKFLOW.refusal(finding, step, user)
        if refusal is not None:
            status, message = 400, _in_page_language(refusal)
        if request.method == "POST" and refusal is None:
            if form.is_valid():
                try:
                    if step == "confirm":
                        services.finding_confirm(user=user, finding=finding, on=form.cleaned_data["on"],
                                                 note=form.cleaned_data["note"])
                    else:
                        services.finding_explain(user=user, finding=finding, on=form.cleaned_data["on"],
                                                 reason=form.cleaned_data["reason"])
                except TransitionRefused as error:
                    status, message = 400, _in_page_language(error)
                else:
                    messages.success(request, gettext(str(DONE[step])))
                    return redirect("projects:finding", pk=finding.pk)
            else:
                status = 400
        return render(request, "projects/audit_step.html", {
            "form": form, "finding": finding, "step": step, "title": gettext(str(TITLES[step])),
            "subject": finding.subject_id,
            "evidence_words": evidence_words(finding), "finding_message": message,
            "back_url": reverse("projects:finding", args=[finding.pk]), "back_label": gettext("返回审计发现"),
            "cancel_url": reverse("projects:finding", args=[finding.pk]), "submit_label": gettext(str(TITLES[step])),
        }, status=status)

    view.__name__ = f"finding_{step}"
    return view


finding_confirm = _step_view("confirm")
finding_explain = _step_view("explain")


# --------------------------------------------------------------------------- runs

RUN_COLUMNS = [
    Column("started", gettext_lazy("运行时间"), order_by=("-started_at",), css="primary"),
    Column("division", gettext_lazy("区划")),
    Column("trigger", gettext_lazy("触发")),
    Column("raised", gettext_lazy("新发现"), numeric=True),
    Column("still_open", gettext_lazy("仍存在"), numeric=True),
    Column("cleared", gettext_lazy("不再出现"), numeric=True),
    Column("seconds", gettext_lazy("用时(秒)"), numeric=True),
]


def _counties(user) -> list[tuple[str, str]]:
    """Counties a user without a division chooses from ([] for everyone else: their own)."""
    if getattr(user, "division_id", None):
        return []
    return list(scope.visible_to(user, Division.objects.filter(level=3)).order_by("code").values_list("code", "name"))


def _run_rows(runs: list[AuditRun]) -> list[dict]:
    names = _division_names(r.division_code for r in runs)
    return [{"run": r, "division_name": names.get(r.division_code, r.division_code)} for r in runs]


@persons_allowed
def run_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=RUN_COLUMNS, filters=[], path=reverse("projects:audit_runs"))
    runs = runs_visible(user)
    counts = counts_cached(user=user, name="audit-runs", key={"day": str(timezone.localdate())},
                           compute=lambda: [runs.count()])
    page = list_page([runs.order_by(*query.order_by(tiebreak=["-started_at", "-pk"]))], query=query, counts=counts,
                     rows=_run_rows)
    return render(request, "projects/audit_runs.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in RUN_COLUMNS},
        may_run=user_may(user, FINDINGS_AUDIT)))


@requires(PERSONS_READ, FINDINGS_AUDIT)
@require_http_methods(["GET", "HEAD", "POST"])
def run_start(request):
    """Run the audit now: a platform job over the user's county; its page shows progress."""
    user = request.user
    form = AuditRunForm(request.POST if request.method == "POST" else None, counties=_counties(user))
    status, message = 200, ""
    if request.method == "POST":
        if form.is_valid():
            code = form.cleaned_data.get("division") or user.division_id or ""
            try:
                job = audit_job_start(user=user, division_code=code)
            except JobError as error:
                status, message = 400, _in_page_language(error)
            else:
                return redirect("jobs:detail", pk=job.pk)
        else:
            status = 400
    if not form.fields["division"].choices[1:] and not getattr(user, "division_id", None):
        raise Http404("no county to audit")
    return render(request, "projects/audit_run.html", {
        "form": form, "title": gettext("立即运行审计"), "finding_message": message,
        "back_url": reverse("projects:findings"), "back_label": gettext("审计发现"),
        "cancel_url": reverse("projects:findings"), "submit_label": gettext("立即运行审计"),
    }, status=status)
