"""Pages of model households: the figures (counts, for every role that reads them), the
nominations (list, new, the nomination's page with a form for each step the user may
take, the step pages), a pair's meeting, and the honour roll of a village or town (page
and PDF). Everything written goes through honours.services."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import (
    HONOURS_APPROVE,
    HONOURS_FIGURES,
    HONOURS_NOMINATE,
    HONOURS_REVIEW,
    MEASURES_ASSIGN,
    PERSONS_READ,
    user_may,
)
from neisheng.accounts.services import audit_record
from neisheng.honours import forms, selectors, services
from neisheng.honours.models import Nomination
from neisheng.honours.roll import roll_pdf
from neisheng.honours.workflow import NOMINATION_WORKFLOW
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
from neisheng.registry.models import Household

S = Nomination.State
CRITERIA_LABELS = {
    "income_growth": gettext_lazy("收入增长"), "own_effort": gettext_lazy("自身努力"),
    "helping_others": gettext_lazy("帮助他人"), "willingness": gettext_lazy("脱贫意愿"),
}


def in_page_language(sentence) -> str:
    """A refusal reads "中文 / English": the half in the page's language."""
    from django.utils.translation import get_language

    text = str(sentence)
    if " / " in text:
        chinese, english = text.split(" / ", 1)
        text = english if (get_language() or "").startswith("en") else chinese
    return text.strip()


def _errors_onto(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _year_asked(request, years: list[int]) -> int | None:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    return year if year in years else (years[0] if years else None)


# --- figures ----------------------------------------------------------------------------------

FIGURE_HEADERS = ("区划代码", "区划", "推荐户数", "审定户数", "未通过户数", "结对户数", "结对交流次数")


@requires(HONOURS_FIGURES)
@require_http_methods(["GET", "HEAD", "POST"])
def figures_page(request):
    """Counts per village and town for a year: no name, no household. A POST exports them."""
    user = request.user
    years = selectors.years_visible(user)
    year = _year_asked(request, years)
    villages, towns, total = selectors.figures(user, year)
    if request.method == "POST":
        rows = [[r.code, r.name, r.nominated, r.approved, r.rejected, r.paired, r.meetings] for r in [*towns, *villages]]
        return export_response(request, object_type="honour_figures", detail={"year": year},
                               filename=f"示范户评选汇总-honours-{year or ''}", title=gettext("示范户评选汇总"),
                               headers=[gettext(h) for h in FIGURE_HEADERS], rows=rows)
    return render(request, "honours/figures.html", {
        "year": year, "years": years, "villages": villages, "towns": towns, "total": total,
        "may_read": user_may(user, PERSONS_READ), "may_nominate": user_may(user, HONOURS_NOMINATE),
    })


# --- nominations list -----------------------------------------------------------------------

COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("head", gettext_lazy("户主")),
    Column("year", gettext_lazy("年度"), order_by=("selection__year",)),
    Column("source", gettext_lazy("推荐方式")),
    Column("nominated_on", gettext_lazy("推荐日期"), order_by=("nominated_on",)),
    Column("score", gettext_lazy("得分"), order_by=("score_total",), numeric=True, css="primary"),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
]
LIST_HEADERS = ("户编号", "村", "户主", "年度", "推荐方式", "推荐人", "推荐日期", "得分", "状态", "事迹")


def _filters(years: list[int]) -> list[Filter]:
    return [Filter("year", gettext_lazy("年度"), choices=[(str(y), str(y)) for y in years], translate=False),
            Filter("state", gettext_lazy("状态"), choices=S.choices),
            Filter("source", gettext_lazy("推荐方式"), choices=Nomination.Source.choices)]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def nomination_list(request):
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(selectors.years_visible(user)),
                      path=reverse("honours:nominations"), search_label=gettext_lazy("户编号"))
    rows = selectors.nominations_visible(user)
    values = query.values
    if "year" in values:
        rows = rows.filter(selection__year=int(values["year"]))
    if "state" in values:
        rows = rows.filter(state=values["state"])
    if "source" in values:
        rows = rows.filter(source=values["source"])
    if query.q:
        rows = rows.filter(household__household_id__startswith=query.q.strip())
    if request.method == "POST":
        return _list_export(request, rows, query)
    counts = counts_cached(user=user, name="honour-nominations", key=query.filter_params(),
                           compute=lambda: [rows.count()])

    def shown(objects):
        heads = selectors.head_names([n.household_id for n in objects])
        for n in objects:
            n.head = heads.get(n.household_id, "")
        return objects

    page = list_page([rows.order_by(*query.order_by(tiebreak=["-selection__year", "-pk"]))], query=query,
                     counts=counts, rows=shown)
    return render(request, "honours/nomination_list.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        may_nominate=user_may(user, HONOURS_NOMINATE)))


def _list_export(request, rows, query: ListQuery):
    def cells():
        chunk = list(rows.order_by("-selection__year", "division_code", "household_id"))
        heads = selectors.head_names([n.household_id for n in chunk])
        for n in chunk:
            yield [n.household_id, n.division_code, heads.get(n.household_id, ""), n.selection.year,
                   n.get_source_display(), n.nominated_by_name, n.nominated_on, n.score_total,
                   n.get_state_display(), n.story]

    # The audit log names other apps' "state" and "source" filters with their own words.
    filters = {f"honour_{k}" if k in ("state", "source") else k: v for k, v in query.filter_params().items()}
    return export_response(request, object_type="honour_nomination", detail={"filters": filters},
                           filename="示范户推荐-honour-nominations", title=gettext("脱贫示范户推荐"),
                           headers=[gettext(h) for h in LIST_HEADERS], rows=cells())


# --- a new nomination -------------------------------------------------------------------------


@requires(PERSONS_READ, HONOURS_NOMINATE)
@require_http_methods(["GET", "HEAD", "POST"])
def nomination_new(request):
    initial = {"household": request.GET.get("household", "")}
    form = forms.NominationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            household = scope.visible_to(request.user, Household).filter(pk=data["household"].strip()).first()
            if household is None:
                form.add_error("household", gettext("在您管辖范围内的登记中没有这个户编号"))
            else:
                try:
                    nomination = services.nomination_create(
                        user=request.user, household=household, source=data["source"],
                        nominated_by_name=data["nominated_by_name"], nominated_on=data["nominated_on"],
                        story=data["story"], request=request)
                except ValidationError as error:
                    _errors_onto(form, error)
                else:
                    messages.success(request, gettext("已推荐,请评分"))
                    return redirect("honours:nomination", pk=nomination.pk)
    back = reverse("honours:nominations")
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("推荐脱贫示范户"), "back_url": back, "back_label": gettext("返回推荐列表"),
        "cancel_url": back, "submit_label": gettext("推荐"),
    }, status=status)


# --- the nomination's page and its steps --------------------------------------------------------

STEP_FORMS = {
    "help": forms.HelpActForm, "score": forms.ScoreForm, "submit": forms.SubmitForm, "decide": forms.DecideForm,
    "publicise": forms.PubliciseForm, "object": forms.ObjectForm, "resolve": forms.ResolveForm,
    "approve": forms.ApproveForm, "reject": forms.RejectForm, "withdraw": forms.WithdrawForm,
    "pair": forms.PairForm,
}
STEP_TITLES = {
    "help": gettext_lazy("登记帮助他人的事"), "score": gettext_lazy("评分"), "submit": gettext_lazy("提交村级评议"),
    "decide": gettext_lazy("民主评议"), "publicise": gettext_lazy("公示"), "object": gettext_lazy("登记异议"),
    "resolve": gettext_lazy("处理异议"), "approve": gettext_lazy("乡镇审定"), "reject": gettext_lazy("不予审定"),
    "withdraw": gettext_lazy("撤回推荐"), "pair": gettext_lazy("结对帮扶"),
}
STEP_DONE = {
    "help": gettext_lazy("已登记,重新评分后计入"), "score": gettext_lazy("已评分"),
    "submit": gettext_lazy("已提交村级评议"), "decide": gettext_lazy("已记录评议结果"),
    "publicise": gettext_lazy("已公示"), "object": gettext_lazy("已登记异议"),
    "resolve": gettext_lazy("已记录异议处理结果"), "approve": gettext_lazy("已审定为脱贫示范户"),
    "reject": gettext_lazy("未予审定"), "withdraw": gettext_lazy("已撤回推荐"), "pair": gettext_lazy("已结对"),
}


def steps_open(user, nomination: Nomination, review: Review | None) -> list[str]:
    """The steps the page offers the user now (the services check again when taken)."""
    if not scope.code_is_within(user, nomination.division_code):
        return []
    nominate, decide, approve = (user_may(user, HONOURS_NOMINATE), user_may(user, HONOURS_REVIEW),
                                 user_may(user, HONOURS_APPROVE))
    state = nomination.state
    steps: list[str] = []
    if state in (S.NOMINATED, S.SCORED) and nominate:
        steps += ["help", "score"]
    if state == S.SCORED and decide and NOMINATION_WORKFLOW.refusal(nomination, "submit", user) is None:
        steps.append("submit")
    if state in (S.NOMINATED, S.SCORED) and nominate:
        steps.append("withdraw")
    if state == S.REVIEWING and review is not None:
        if review.state == Review.State.OPEN and decide:
            steps.append("decide")
        if review.state == Review.State.DECIDED and decide:
            steps.append("publicise")
        if review.state == Review.State.PUBLICISED:
            if decide:
                steps.append("object")
                if review.objections.filter(resolved_on__isnull=True).exists():
                    steps.append("resolve")
            if approve and user.division_id != review.division_code:
                steps.append("approve")
        if approve:
            steps.append("reject")
    if state == S.APPROVED and nominate and user_may(user, MEASURES_ASSIGN):
        steps.append("pair")
    return steps


def _step_form(step: str, user, nomination: Nomination, review: Review | None, data=None):
    if step == "resolve":
        objections = review.objections.filter(resolved_on__isnull=True) if review is not None else []
        return forms.ResolveForm(data, objections=objections, prefix=step)
    if step == "pair":
        return forms.PairForm(data, candidates=selectors.pairing_candidates(user, nomination), prefix=step)
    return STEP_FORMS[step](data, prefix=step)


def _history(nomination: Nomination) -> list:
    states = dict(S.choices)
    labels = {"nominate": gettext_lazy("推荐"), **{s.name: s.label for s in NOMINATION_WORKFLOW.steps}}
    rows = list(history(nomination))
    for row in rows:
        row.step_label = labels.get(row.name, row.name)
        row.to_label = states.get(row.to_state, row.to_state)
    return rows


def score_lines(score) -> list[dict]:
    """Each criterion of a stored score with its label, for the page and the roll."""
    if score is None:
        return []
    lines = []
    for code, figures in score.criteria.items():
        line = {"code": code, "label": CRITERIA_LABELS.get(code, code), **figures}
        for name in ("growth", "full_at"):
            if code == "income_growth" and figures.get(name) is not None:
                line[f"{name}_percent"] = (Decimal(figures[name]) * 100).quantize(Decimal("0.1"))
        line["weight_points"] = (Decimal(figures["weight"]) * 100).quantize(Decimal("0.01"))
        lines.append(line)
    return lines


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def nomination_detail(request, pk: int):
    user = request.user
    nomination = selectors.nomination_for(user, pk)
    review = review_of(nomination)
    steps = steps_open(user, nomination, review)
    score = nomination.latest_score
    pairings = list(nomination.pairings.select_related("household", "measure").order_by("paired_on", "pk"))
    meetings = selectors.meetings_by_pairing(pairings)
    heads = selectors.head_names([nomination.household_id, *(p.household_id for p in pairings)])
    for pairing in pairings:
        pairing.head = heads.get(pairing.household_id, "")
        pairing.meeting_rows = meetings.get(pairing.pk, [])
    policy = services.honours_policy()
    return render(request, "honours/nomination_detail.html", {
        "nomination": nomination, "head": heads.get(nomination.household_id, ""), "score": score,
        "score_lines": score_lines(score), "scores": list(nomination.scores.order_by("-pk")),
        "help_acts": list(nomination.help_acts.all()), "review": review,
        "review_steps": review_history(review) if review is not None else [],
        "steps": [{"name": s, "title": STEP_TITLES[s], "form": _step_form(s, user, nomination, review),
                   "url": reverse("honours:step", args=[nomination.pk, s])} for s in steps],
        "history": _history(nomination), "pairings": pairings, "policy": policy,
        "may_meet": user_may(user, HONOURS_NOMINATE) and scope.code_is_within(user, nomination.division_code),
    })


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def nomination_step(request, pk: int, step: str):
    """One step of the nomination: the form alone on GET (the nomination's page has them
    folded), taken on POST."""
    if step not in STEP_FORMS:
        raise Http404
    user = request.user
    nomination = selectors.nomination_for(user, pk)
    review = review_of(nomination)
    form = _step_form(step, user, nomination, review, request.POST or None)
    message, status = "", 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _take(step, user=user, nomination=nomination, data=form.cleaned_data, request=request)
            except TransitionRefused as refused:
                message = in_page_language(refused)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                messages.success(request, gettext(str(STEP_DONE[step])))
                return redirect("honours:nomination", pk=nomination.pk)
    back = reverse("honours:nomination", args=[nomination.pk])
    return render(request, "honours/step.html", {
        "form": form, "title": gettext(str(STEP_TITLES[step])), "subject": nomination.household_id,
        "back_url": back, "back_label": gettext("返回推荐"), "cancel_url": back, "submit_label": gettext("提交"),
        "step": step, "step_message": message,
        "publicity_days": services.honours_policy().review_publicity_days,
    }, status=status)


def _take(step: str, *, user, nomination: Nomination, data: dict, request) -> None:
    common = {"user": user, "nomination": nomination, "request": request}
    if step == "help":
        services.help_act_add(**common, done_on=data["done_on"], text=data["text"])
    elif step == "score":
        services.nomination_score(**common, scored_on=data["scored_on"])
    elif step == "submit":
        services.nomination_submit(**common, submitted_on=data["submitted_on"])
    elif step == "decide":
        services.nomination_review_decide(**common, decision=data["decision"], council_on=data["council_on"],
                                          note=data["note"])
    elif step == "publicise":
        services.nomination_review_publicise(**common, start_on=data["start_on"])
    elif step == "object":
        services.nomination_review_object(**common, raised_by=data["raised_by"], raised_on=data["raised_on"],
                                          text=data["text"])
    elif step == "resolve":
        services.nomination_review_resolve(**common, objection_pk=data["objection"], resolution=data["resolution"],
                                           resolved_on=data["resolved_on"])
    elif step == "approve":
        services.nomination_approve(**common, approved_on=data["approved_on"], note=data["note"])
    elif step == "reject":
        services.nomination_reject(**common, rejected_on=data["rejected_on"], reason=data["reason"])
    elif step == "withdraw":
        services.nomination_withdraw(**common, withdrawn_on=data["withdrawn_on"], reason=data["reason"])
    elif step == "pair":
        household = scope.visible_to(user, Household).filter(pk=data["household"]).first()
        services.pairing_create(**common, household=household, paired_on=data["paired_on"], note=data["note"])


# --- a pair's meeting ---------------------------------------------------------------------------


@requires(PERSONS_READ, HONOURS_NOMINATE)
@require_http_methods(["GET", "HEAD", "POST"])
def pairing_meeting(request, pk: int):
    pairing = selectors.pairing_for(request.user, pk)
    form = forms.MeetingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.pair_meeting_add(user=request.user, pairing=pairing, met_on=data["met_on"],
                                          attendees=data["attendees"], discussed=data["discussed"], request=request)
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                messages.success(request, gettext("已登记结对交流"))
                return redirect(reverse("honours:nomination", args=[pairing.nomination_id]) + "#pairings")
    back = reverse("honours:nomination", args=[pairing.nomination_id])
    return render(request, "patterns/form.html", {
        "form": form, "title": gettext("登记结对交流"), "subject": f"{pairing.nomination.household_id} · "
                                                                 f"{pairing.household_id}",
        "back_url": back, "back_label": gettext("返回推荐"), "cancel_url": back,
    }, status=status)


# --- the honour roll -------------------------------------------------------------------------------


def _roll(request, code: str):
    user = request.user
    division = selectors.division_in_scope(user, code)
    years = sorted(set(selectors.nominations_visible(user).filter(state=S.APPROVED)
                       .values_list("selection__year", flat=True)), reverse=True)
    return selectors.roll_of(user, division, _year_asked(request, years) if years else None), years


ROLL_HEADERS = ("村代码", "村", "户编号", "户主", "年度", "得分", "推荐方式", "事迹")


# The roll names households: roles that read persons. A role that reads figures only (a
# researcher) has the counts of the figures page, the approved households per village.
@requires(PERSONS_READ, HONOURS_FIGURES)
@require_http_methods(["GET", "HEAD", "POST"])
def roll_page(request, code: str):
    """The roll of a village or a town; a POST exports it (Excel, audited)."""
    roll, years = _roll(request, code)
    if request.method == "POST":
        rows = [[e.nomination.division_code, e.village, e.nomination.household_id, e.name, roll.year,
                 e.nomination.score_total, e.nomination.get_source_display(), e.story] for e in roll.entries]
        return export_response(request, object_type="honour_roll",
                               detail={"division": roll.division.code, "year": roll.year},
                               filename=f"光荣榜-honour-roll-{roll.division.code}-{roll.year or ''}",
                               title=gettext("脱贫光荣榜"), headers=[gettext(h) for h in ROLL_HEADERS], rows=rows)
    return render(request, "honours/roll.html", {"roll": roll, "years": years})


@requires(PERSONS_READ, HONOURS_FIGURES)
@require_http_methods(["GET", "HEAD"])
def roll_pdf_view(request, code: str):
    roll, _years = _roll(request, code)
    pdf = roll_pdf(roll)
    audit_record(user=request.user, action="export", division_code=roll.division.code, object_type="honour_roll",
                 object_id=roll.division.code, detail={"format": "pdf", "year": roll.year}, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="honour-roll-{roll.division.code}-{roll.year or ""}.pdf"'
    return response
