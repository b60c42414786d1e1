"""The findings' pages (feeds.md "Screening rules"): the list per division with filters,
search, counts and an Excel export (ID numbers masked); one finding with its evidence,
the feed rows it rests on, its history and the steps open to the user; the forms of
confirming, dismissing, opening a case and writing the ledger (the amounts shown first).

Every read goes through finding_selectors (scope): a finding elsewhere is a 404, as one
that does not exist. Every write goes through feeds.findings."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import FINDINGS_DECIDE, PERSONS_READ, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.cases.selectors import open_case_for
from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES
from neisheng.feeds import finding_selectors as selectors
from neisheng.feeds import findings as services
from neisheng.feeds.finding_forms import FindingConfirmForm, FindingDismissForm, FindingOnForm
from neisheng.feeds.models import RULE_CHOICES, Finding, FindingState
from neisheng.feeds.review_views import department_choices, feed_choices, in_page_language
from neisheng.feeds.workflow import FINDING_WORKFLOW
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
from neisheng.registry.selectors.tree import division_filter_choices

persons_allowed = requires(PERSONS_READ)
PERIODS_OFFERED = 120  # the period filter's options: the latest periods in scope


def _finding_for(request, pk) -> Finding:
    return get_object_or_404(selectors.findings_visible_to(request.user)
                             .select_related("feed", "household__village", "person", "case"), pk=pk)


# --------------------------------------------------------------------------- the list

COLUMNS = [
    Column("rule", gettext_lazy("规则"), order_by=("rule",), css="primary"),
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("person", gettext_lazy("人员")),
    Column("village", gettext_lazy("村")),
    Column("period", gettext_lazy("期间"), order_by=("period",)),
    Column("department", gettext_lazy("部门")),
    Column("state", gettext_lazy("状态"), order_by=("state",), css="primary"),
    Column("created", gettext_lazy("发现时间"), order_by=("-created_at",)),
]


def _filters(user, params) -> list[Filter]:
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    visible = selectors.findings_visible_to(user)
    periods = (visible.exclude(period="").order_by("-period").values_list("period", flat=True).distinct()
               [:PERIODS_OFFERED])
    return [
        Filter("rule", gettext_lazy("规则"), choices=list(RULE_CHOICES)),
        Filter("state", gettext_lazy("状态"), choices=list(FindingState.choices)),
        Filter("feed", gettext_lazy("数据"), choices=feed_choices(user, visible), translate=False),
        Filter("department", gettext_lazy("部门"), choices=department_choices()),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
        Filter("period", gettext_lazy("期间"), choices=[(p, p) for p in periods], translate=False),
    ]


def _matching(user, query: ListQuery):
    rows = selectors.findings_visible_to(user)
    values = query.values
    for name in ("rule", "state", "period"):
        if values.get(name):
            rows = rows.filter(**{name: values[name]})
    if values.get("feed"):
        rows = rows.filter(feed_id=values["feed"])
    if values.get("department"):
        rows = rows.filter(feed__department=values["department"])
    if values.get("division"):
        rows = selectors.under_division(rows, values["division"])
    if query.q:
        rows = rows.filter(Q(household__household_id__contains=query.q) | Q(person__name__contains=query.q))
    return rows


@persons_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def finding_list(request):
    """Every finding in the user's scope; a POST to the same address exports every
    matching finding (the filters stay in the query string)."""
    user = request.user
    query = ListQuery(request.GET, columns=COLUMNS, filters=_filters(user, request.GET),
                      path=reverse("feeds:finding_list"), search_label=gettext_lazy("户编号或姓名"))
    matching = _matching(user, query)
    if request.method == "POST":
        return _export(request, matching, query)
    rows = matching.select_related("feed", "household__village", "person")
    counts = counts_cached(user=user, name="findings",
                           key={**query.filter_params(), "day": str(timezone.localdate())},
                           compute=lambda: [rows.count()])
    page = list_page([rows.order_by(*query.order_by(tiebreak=["-created_at", "-pk"]))], query=query,
                     counts=counts, rows=lambda items: items)
    by_state = counts_cached(user=user, name="findings-by-state",
                             key={**query.filter_params(), "day": str(timezone.localdate())},
                             compute=lambda: _state_counts(matching))
    return render(request, "feeds/finding_list.html", list_context(
        query, page, labels={column.name: gettext(str(column.label)) for column in COLUMNS},
        by_state=[{"state": code, "label": label, "count": n, "url": query.url(state=code)}
                  for (code, label), n in zip(FindingState.choices, by_state, strict=True)]))


def _state_counts(matching) -> list[int]:
    found = dict(matching.order_by().values_list("state").annotate(n=Count("pk")))
    return [found.get(code, 0) for code in FindingState.values]


def _export(request, matching, query: ListQuery):
    headers = [gettext("规则"), gettext("户编号"), gettext("村"), gettext("姓名"), gettext("证件号码"), gettext("期间"),
               gettext("依据"), gettext("状态"), gettext("部门"), gettext("数据"), gettext("发现时间"),
               gettext("监测案件")]

    def rows():
        for f in (matching.select_related("feed", "household__village", "person")
                  .order_by("household_id", "rule", "pk").iterator(2000)):
            yield [gettext(f.get_rule_display()), f.household_id, f.household.village.name,
                   f.person.name if f.person else "", mask_id_number(f.person_id) if f.person_id else "",
                   f.period, f.evidence, gettext(f.get_state_display()),
                   gettext(DEPARTMENTS.get(f.feed.department, f.feed.department)), f.feed.original_name,
                   timezone.localtime(f.created_at).strftime("%Y-%m-%d %H:%M"), f"#{f.case_id}" if f.case_id else ""]

    return export_response(request, object_type="finding_list", detail={"filters": query.filter_params()},
                           filename="部门筛查线索-findings", title=gettext("部门筛查线索"), headers=headers,
                           rows=rows())


# --------------------------------------------------------------------------- one finding

STEP_URLS = {"confirm": "feeds:finding_confirm", "dismiss": "feeds:finding_dismiss"}
EVENT_LABELS = {services.CASE_EVENT: gettext_lazy("立案"), services.LEDGER_EVENT: gettext_lazy("写入收支台账")}


def history_of(finding: Finding) -> list[dict]:
    shown = []
    for entry in history(finding, workflow=FINDING_WORKFLOW).order_by("pk"):
        if entry.name in EVENT_LABELS:
            label = EVENT_LABELS[entry.name]
        else:
            label = FINDING_WORKFLOW.step(entry.name).label
        shown.append({"entry": entry, "label": label,
                      "to_label": dict(FindingState.choices).get(entry.to_state, entry.to_state)})
    return shown


def rows_shown(finding: Finding) -> tuple[list[str], list[dict]]:
    """The feed rows the finding rests on: the type's own columns with their headers."""
    feed_type = FEED_TYPES[finding.feed.feed_type]
    headers = [c.header_zh for c in feed_type.columns]
    rows = [{"row": r, "values": [(c.header_zh, (r.values or {}).get(c.name, "")) for c in feed_type.columns]}
            for r in selectors.finding_rows(finding)]
    return headers, rows


def _actions(finding: Finding, user) -> dict:
    decides = user_may(user, FINDINGS_DECIDE)
    confirmed = finding.state == FindingState.CONFIRMED
    open_case = open_case_for(finding.household) if decides and confirmed and not finding.case_id else None
    return {
        "next_steps": [{"name": s.name, "label": s.label, "url": reverse(STEP_URLS[s.name], args=[finding.pk])}
                       for s in FINDING_WORKFLOW.steps_open_to(finding, user)],
        "may_open_case": decides and confirmed and not finding.case_id and open_case is None,
        "open_case": open_case,
        "may_write_ledger": (decides and confirmed and finding.ledger_written_at is None
                             and selectors.has_ledger_amounts(finding)),
    }


@persons_allowed
def finding_detail(request, pk):
    finding = _finding_for(request, pk)
    headers, rows = rows_shown(finding)
    return render(request, "feeds/finding_detail.html", {
        "finding": finding, "household": finding.household, "feed": finding.feed,
        "department": DEPARTMENTS.get(finding.feed.department, finding.feed.department),
        "headers": headers, "rows": rows, "history": history_of(finding), **_actions(finding, request.user),
    })


# --------------------------------------------------------------------------- the steps

TITLES = {"confirm": gettext_lazy("确认线索"), "dismiss": gettext_lazy("排除线索"),
          "case": gettext_lazy("立案"), "ledger": gettext_lazy("写入收支台账")}
FORMS = {"confirm": FindingConfirmForm, "dismiss": FindingDismissForm, "case": FindingOnForm,
         "ledger": FindingOnForm}
DONE = {"confirm": gettext_lazy("已确认线索"), "dismiss": gettext_lazy("已排除线索"),
        "case": gettext_lazy("已立案"), "ledger": gettext_lazy("已写入收支台账")}


def _perform(step: str, user, finding: Finding, data: dict):
    if step == "confirm":
        return services.finding_confirm(finding=finding, user=user, on=data["on"], reason=data["reason"])
    if step == "dismiss":
        return services.finding_dismiss(finding=finding, user=user, on=data["on"], reason=data["reason"])
    if step == "case":
        return services.finding_case_open(finding=finding, user=user, on=data["on"])
    return services.finding_ledger_write(finding=finding, user=user, on=data["on"])


def _step_view(step: str):
    @requires(PERSONS_READ, FINDINGS_DECIDE)
    @require_http_methods(["GET", "HEAD", "POST"])
    def view(request, pk):
        finding = _finding_for(request, pk)
        user = request.user
        form = FORMS[step](request.POST or None)
        status, message = 200, ""
        if step in STEP_URLS:
            refusal = FINDING_WORKFLOW.refusal(finding, step, user)
        elif finding.state != FindingState.CONFIRMED:
            refusal = "线索须先确认 / the finding must be confirmed first"
        else:
            refusal = None
        open_case = open_case_for(finding.household) if step == "case" and not finding.case_id else None
        if refusal is not None:
            status, message = 400, in_page_language(refusal)
        if request.method == "POST" and refusal is None:
            if form.is_valid():
                try:
                    result = _perform(step, user, finding, form.cleaned_data)
                except TransitionRefused as error:
                    status, message = 400, in_page_language(error)
                else:
                    messages.success(request, gettext(str(DONE[step])))
                    if step == "case":
                        return redirect("cases:detail", pk=result.pk)
                    return redirect("feeds:finding_detail", pk=finding.pk)
            else:
                status = 400
        preview = services.ledger_preview(finding) if step == "ledger" else []
        return render(request, "feeds/finding_step.html", {
            "form": form, "finding": finding, "step": step, "title": gettext(str(TITLES[step])),
            "subject": finding.household_id, "finding_message": message, "open_case": open_case,
            "preview": preview,
            "back_url": reverse("feeds:finding_detail", args=[finding.pk]), "back_label": gettext("返回线索"),
            "cancel_url": reverse("feeds:finding_detail", args=[finding.pk]),
            "submit_label": gettext(str(TITLES[step])),
        }, status=status)

    view.__name__ = f"finding_{step}"
    return view


finding_confirm = _step_view("confirm")
finding_dismiss = _step_view("dismiss")
finding_case = _step_view("case")
finding_ledger = _step_view("ledger")
