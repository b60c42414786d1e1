"""Pages of distribution plans and payments: the list (filters project, state, year;
export), a new plan of a project, an existing plan imported from Excel, the plan's page
(every household's amount and why, the sum check, the review with a form for each step
the user may take, the payments with their pay buttons, the publicity list as Excel), the
step forms and the payment form. Everything through services.plans."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import (
    DISTRIBUTIONS_PLAN,
    PAYMENTS_RECORD,
    PERSONS_READ,
    REGISTRY_EDIT,
    user_may,
)
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
from neisheng.platform.models import Review
from neisheng.platform.review import review_history, review_of
from neisheng.platform.workflow import TransitionRefused, history
from neisheng.projects import forms_plans as forms
from neisheng.projects import imports_plans
from neisheng.projects import selectors_plans as selectors
from neisheng.projects.models import DistributionPlan, Payment
from neisheng.projects.selectors_projects import project_for, projects_visible
from neisheng.projects.services import plans
from neisheng.projects.views_imports import import_context, import_form, import_template_response
from neisheng.projects.workflow import PLAN_WORKFLOW

PlanState = DistributionPlan.State

COLUMNS = [
    Column("title", gettext_lazy("方案名称"), order_by=("title",), css="primary"),
    Column("project", gettext_lazy("项目名称"), order_by=("project__name",)),
    Column("year", gettext_lazy("年度"), order_by=("revenue__year",)),
    Column("plan_on", gettext_lazy("方案日期"), order_by=("plan_on",)),
    Column("total", gettext_lazy("分配金额(元)"), order_by=("total",), numeric=True, css="primary"),
    Column("collective", gettext_lazy("村集体金额(元)"), numeric=True),
    Column("method", gettext_lazy("分配方式")),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
]
EXPORT_HEADERS = ("方案编号", "方案名称", "项目名称", "年度", "方案日期", "分配金额(元)", "村集体比例",
                  "村集体金额(元)", "分配方式", "状态", "来源", "区划代码")
LINE_HEADERS = ("户编号", "村", "户主", "方案日在世人口", "权重", "份额", "精确金额(元)", "金额(元)", "发放状态",
                "发放日期")


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _errors_onto(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


# --- list --------------------------------------------------------------------------------


def _filters(user, visible) -> list[Filter]:
    projects = list(projects_visible(user).filter(plans__in=visible).distinct().order_by("name", "pk")
                    .values_list("pk", "name"))
    years = sorted(set(visible.values_list("revenue__year", flat=True)), reverse=True)
    return [Filter("project", gettext_lazy("项目"), choices=[(str(pk), name) for pk, name in projects],
                   translate=False),
            Filter("state", gettext_lazy("状态"), choices=PlanState.choices),
            Filter("year", gettext_lazy("年度"), choices=[(str(y), str(y)) for y in years], translate=False)]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_list(request):
    """Every plan of the projects the user sees; a POST exports every matching plan."""
    user = request.user
    visible = selectors.plans_visible(user)
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, visible),
                      path=reverse("projects:plans"), search_label=gettext_lazy("方案或项目名称"))
    rows = visible.select_related("project", "revenue")
    values = query.values
    if "project" in values:
        rows = rows.filter(project_id=int(values["project"]))
    if "state" in values:
        rows = rows.filter(state=values["state"])
    if "year" in values:
        rows = rows.filter(revenue__year=int(values["year"]))
    if query.q:
        rows = rows.filter(Q(title__contains=query.q) | Q(project__name__contains=query.q))
    if request.method == "POST":
        return _list_export(request, rows, query)
    counts = counts_cached(user=user, name="distribution-plans", key=query.filter_params(),
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-plan_on", "-pk"]))], query=query, counts=counts)
    return render(request, "projects/plans_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS}))


def _list_export(request, rows, query: ListQuery):
    def cells():
        for plan in rows.order_by("-plan_on", "pk").iterator(chunk_size=2000):
            yield [plan.pk, plan.title, plan.project.name, plan.revenue.year, plan.plan_on, plan.total,
                   plan.collective_share, plan.collective_amount, plan.get_method_display(),
                   plan.get_state_display(), plan.get_origin_display(), plan.division_code]

    return export_response(request, object_type="distribution_plan", detail={"filters": query.filter_params()},
                           filename="收益分配方案-distribution-plans", title=gettext("收益分配方案"),
                           headers=[gettext(h) for h in EXPORT_HEADERS], rows=cells())


# --- new plan, import ----------------------------------------------------------------------


@requires(PERSONS_READ, DISTRIBUTIONS_PLAN)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request, pk: int):
    """A plan of one of the project's revenues; the weights are asked of the
    beneficiaries active on the day the form is opened (the plan date decides)."""
    project = project_for(request.user, pk)
    households = plans.beneficiaries_on(project, timezone.localdate())
    heads = selectors.head_names(households)
    form = forms.PlanForm(request.POST or None, project=project,
                          households=[(h, f"{h} {heads.get(h, '')}".strip()) for h in households])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plans.plan_draft(user=request.user, project=project, revenue=data["revenue"],
                                        plan_on=data["plan_on"], collective_share=data["collective_share"],
                                        method=data["method"], weights=form.weights(), title=data["title"],
                                        note=data["note"], request=request)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                messages.success(request, gettext("分配方案已草拟"))
                return redirect("projects:plan", pk=plan.pk)
    back = reverse("projects:detail", args=[project.pk])
    return render(request, "projects/plans_form.html", {
        "form": form, "title": gettext("新建分配方案"), "subject": project.name, "back_url": back,
        "back_label": gettext("返回项目"), "cancel_url": back, "submit_label": gettext("草拟方案"),
        "weight_fields": [form[name] for name in form.weight_fields],
    }, status=status)


@requires(PERSONS_READ, DISTRIBUTIONS_PLAN)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_import(request, pk: int):
    """An existing plan from Excel (one row per payment: household number, amount, paid
    date and voucher when paid), kept as recorded; ?template=1 is the blank sheet."""
    project = project_for(request.user, pk)
    if request.method != "POST" and request.GET.get("template"):
        return import_template_response(imports_plans.PAYMENT_COLUMNS, "既有分配方案-plan-payments")
    form = forms.PlanImportForm(request.POST or None, project=project)
    upload = import_form(request) if request.method == "POST" else None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and upload.is_valid():
            data = form.cleaned_data
            try:
                record = imports_plans.plan_import(user=request.user, project=project, revenue=data["revenue"],
                                           plan_on=data["plan_on"], collective_amount=data["collective_amount"],
                                           file=upload.cleaned_data["file"], title=data["title"],
                                           note=data["note"], request=request)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                if record.plan is not None:
                    messages.success(request, gettext("既有分配方案已导入"))
                    return redirect("projects:plan", pk=record.plan.pk)
                return redirect("projects:import_detail", pk=record.pk)
    back = reverse("projects:detail", args=[project.pk])
    return render(request, "projects/plans_import.html", {
        "form": form, "title": gettext("导入既有分配方案"), "subject": project.name, "back_url": back,
        "back_label": gettext("返回项目"), "cancel_url": back, "submit_label": gettext("导入"),
        **import_context(request, columns=imports_plans.PAYMENT_COLUMNS, template_url=f"{request.path}?template=1",
                         form=upload),
    }, status=status)


# --- the plan's page -------------------------------------------------------------------------


STEP_FORMS = {
    "submit": forms.SubmitForm, "decide": forms.DecideForm, "publicise": forms.PubliciseForm,
    "object": forms.ObjectForm, "resolve": forms.ResolveForm, "approve": forms.ApproveForm,
    "reject": forms.RejectForm, "pay-all": forms.PayForm,
}
STEP_TITLES = {
    "submit": gettext_lazy("提交评议"), "decide": gettext_lazy("民主评议"), "publicise": gettext_lazy("公示"),
    "object": gettext_lazy("登记异议"), "resolve": gettext_lazy("处理异议"), "approve": gettext_lazy("审批通过"),
    "reject": gettext_lazy("不予通过"), "pay-all": gettext_lazy("全部发放"),
}
STEP_DONE = {
    "submit": gettext_lazy("方案已提交评议"), "decide": gettext_lazy("已记录评议结果"),
    "publicise": gettext_lazy("方案已公示"), "object": gettext_lazy("已登记异议"),
    "resolve": gettext_lazy("已记录异议处理结果"), "approve": gettext_lazy("方案已批准,发放记录已生成"),
    "reject": gettext_lazy("方案未通过"), "pay-all": gettext_lazy("已全部发放"),
}


def _steps_open(user, plan: DistributionPlan, review: Review | None) -> list[str]:
    """The steps the page offers the user now (the services check again when taken)."""
    if not user_may(user, DISTRIBUTIONS_PLAN) or not scope.code_is_within(user, plan.division_code):
        if plan.state == PlanState.APPROVED and user_may(user, PAYMENTS_RECORD) and \
                scope.visible_to(user, plan.payments.filter(state=Payment.State.PENDING)).exists():
            return ["pay-all"]
        return []
    if plan.state == PlanState.DRAFT:
        return ["submit", "reject"]
    if plan.state == PlanState.APPROVED:
        if user_may(user, PAYMENTS_RECORD) and \
                scope.visible_to(user, plan.payments.filter(state=Payment.State.PENDING)).exists():
            return ["pay-all"]
        return []
    if plan.state != PlanState.REVIEWING or review is None or not user_may(user, REGISTRY_EDIT):
        return []
    if review.state == Review.State.OPEN:
        return ["decide", "reject"]
    if review.state == Review.State.DECIDED:
        return ["publicise", "reject"]
    if review.state == Review.State.PUBLICISED:
        steps = ["object"]
        if review.objections.filter(resolved_on__isnull=True).exists():
            steps.append("resolve")
        # Approval comes from above the division that decided.
        if user.division_id != review.division_code:
            steps.append("approve")
        return [*steps, "reject"]
    return []


def _step_form(step: str, plan: DistributionPlan, review: Review | None, data=None):
    if step == "resolve":
        objections = review.objections.filter(resolved_on__isnull=True) if review is not None else []
        return forms.ResolveForm(data, objections=objections, prefix=step)
    return STEP_FORMS[step](data, prefix=step)


def _plan_history(plan: DistributionPlan) -> list:
    states = dict(PlanState.choices)
    labels = {"draft": gettext_lazy("草拟"), "import": gettext_lazy("导入"),
              **{s.name: s.label for s in PLAN_WORKFLOW.steps}}
    rows = list(history(plan, workflow=PLAN_WORKFLOW))
    for row in rows:
        row.step_label = labels.get(row.name, row.name)
        row.to_label = states.get(row.to_state, row.to_state)
    return rows


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_detail(request, pk: int):
    """The plan: its amounts and why, the sum check, the review, the payments. A POST
    exports the publicity list (names and amounts, no ID numbers)."""
    user = request.user
    plan = selectors.plan_for(user, pk)
    lines, figures = selectors.plan_lines(user, plan)
    if request.method == "POST":
        return _plan_export(request, plan, lines, figures)
    review = review_of(plan)
    steps = _steps_open(user, plan, review)
    return render(request, "projects/plans_detail.html", {
        "plan": plan, "lines": lines, "figures": figures, "review": review,
        "review_steps": review_history(review) if review is not None else [],
        "steps": [{"name": s, "title": STEP_TITLES[s], "form": _step_form(s, plan, review),
                   "url": reverse("projects:plan_step", args=[plan.pk, s])} for s in steps],
        "publicity_days": plans._publicity_days(),
        "plan_history": _plan_history(plan),
        "may_pay": user_may(user, PAYMENTS_RECORD) and plan.state == PlanState.APPROVED,
    })


def _plan_export(request, plan: DistributionPlan, lines, figures):
    def cells():
        for line in lines:
            shown = line.payments or [None]
            for payment in shown:
                yield [line.household_id, line.village, line.head, line.members, line.weight,
                       f"{line.fraction.numerator}/{line.fraction.denominator}", line.exact, line.amount,
                       payment.get_state_display() if payment else "", payment.paid_on if payment else None]
        for payment in figures["loose_payments"]:
            yield [payment.household_id, payment.household.village.name, payment.head,
                   None, None, "", None, payment.amount, payment.get_state_display(), payment.paid_on]

    return export_response(request, object_type="distribution_plan", detail={"plan": plan.pk},
                           filename=f"收益分配公示-plan-{plan.pk}", title=gettext("收益分配公示"),
                           headers=[gettext(h) for h in LINE_HEADERS], rows=cells())


@requires(PERSONS_READ, DISTRIBUTIONS_PLAN)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_step(request, pk: int, step: str):
    """One step of the plan (its review, approval, rejection, paying it all): the form
    alone on GET (the plan's page has them folded), taken on POST."""
    if step not in STEP_FORMS:
        raise Http404
    user = request.user
    plan = selectors.plan_for(user, pk)
    review = review_of(plan)
    form = _step_form(step, plan, review, request.POST or None)
    message, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _take(step, user=user, plan=plan, data=form.cleaned_data, request=request)
            except TransitionRefused as refused:
                message = in_page_language(refused)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                messages.success(request, gettext(str(STEP_DONE[step])))
                return redirect("projects:plan", pk=plan.pk)
    back = reverse("projects:plan", args=[plan.pk])
    return render(request, "projects/plans_step.html", {
        "form": form, "title": gettext(str(STEP_TITLES[step])), "subject": plan.title, "back_url": back,
        "back_label": gettext("返回方案"), "cancel_url": back, "submit_label": gettext("提交"),
        "step": step, "step_message": message, "publicity_days": plans._publicity_days(),
    }, status=status)


def _take(step: str, *, user, plan: DistributionPlan, data: dict, request) -> None:
    if step == "submit":
        plans.plan_submit(user=user, plan=plan, submitted_on=data["submitted_on"], request=request)
    elif step == "decide":
        plans.plan_review_decide(user=user, plan=plan, decision=data["decision"], council_on=data["council_on"],
                                 note=data["note"])
    elif step == "publicise":
        plans.plan_review_publicise(user=user, plan=plan, start_on=data["start_on"])
    elif step == "object":
        plans.plan_review_object(user=user, plan=plan, raised_by=data["raised_by"], raised_on=data["raised_on"],
                                 text=data["text"])
    elif step == "resolve":
        plans.plan_review_resolve(user=user, plan=plan, objection_pk=data["objection"],
                                  resolution=data["resolution"], resolved_on=data["resolved_on"])
    elif step == "approve":
        plans.plan_approve(user=user, plan=plan, approved_on=data["approved_on"], note=data["note"], request=request)
    elif step == "reject":
        plans.plan_reject(user=user, plan=plan, rejected_on=data["rejected_on"], reason=data["reason"])
    elif step == "pay-all":
        plans.plan_pay_all(user=user, plan=plan, paid_on=data["paid_on"], voucher_no=data["voucher_no"])


# --- a payment ----------------------------------------------------------------------------


@requires(PERSONS_READ, PAYMENTS_RECORD)
@require_http_methods(["GET", "HEAD", "POST"])
def payment_pay(request, pk: int):
    """Paying one household: the date and the voucher; the ledger row is written."""
    payment = selectors.payment_for(request.user, pk)
    form = forms.PayForm(request.POST or None)
    message, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plans.payment_pay(user=request.user, payment=payment, paid_on=form.cleaned_data["paid_on"],
                                  voucher_no=form.cleaned_data["voucher_no"], request=request)
            except TransitionRefused as refused:
                message = in_page_language(refused)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                messages.success(request, gettext("已发放,已记入农户收入台账"))
                return redirect(reverse("projects:plan", args=[payment.plan_id]) + "#payments")
    back = reverse("projects:plan", args=[payment.plan_id])
    return render(request, "projects/plans_step.html", {
        "form": form, "title": gettext("发放"), "subject": payment.household_id, "back_url": back,
        "back_label": gettext("返回方案"), "cancel_url": back, "submit_label": gettext("发放"),
        "step": "pay", "step_message": message, "payment": payment,
    }, status=status)
