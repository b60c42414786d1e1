"""The warning list pages: the list of the user's division (list pattern) with its
export and the selection handed over, one row with its history and follow-up, the
handovers with their progress, and the follow-up by division (the dashboard's card)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import (
    CASES_REPORT,
    PERSONS_READ,
    WARNINGS_FOLLOW_UP,
    WARNINGS_HAND_OVER,
    user_may,
)
from neisheng.engine import schema
from neisheng.monitoring.policies import policy_current
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
from neisheng.registry.models import Division
from neisheng.registry.selectors.tree import division_filter_choices
from neisheng.warninglists import dashboard, selectors, services
from neisheng.warninglists.forms import DismissForm, HandoverForm
from neisheng.warninglists.models import WarningHandover, WarningRow

COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("village", gettext_lazy("村"), order_by=("village_code", "household_id")),
    Column("risk", gettext_lazy("风险"), order_by=(Case(When(risk="red", then=Value(0)), default=Value(1),
                                                          output_field=IntegerField()),), css="primary"),
    Column("reasons", gettext_lazy("预警原因")),
    Column("new", gettext_lazy("新增或持续"), order_by=("-new",)),
    Column("status", gettext_lazy("跟进状态"), order_by=("status", "handover__deadline")),
    Column("handed_to", gettext_lazy("交办对象")),
    Column("deadline", gettext_lazy("办结期限"), order_by=("handover__deadline",)),
]
NEW_CHOICES = [("new", pgettext_lazy("warning", "新增")), ("continuing", gettext_lazy("持续"))]
EXPORT_TITLE = gettext_lazy("预警清单")


# --------------------------------------------------------------------------- the list


def _run_label(run) -> str:
    return f"{run.year} #{run.pk} ({run.started_at:%Y-%m-%d})"


def _handed_to_choices(user, run) -> list[tuple[str, str]]:
    handovers = (scope.visible_to(user, WarningHandover).filter(run=run).select_related("to_division", "to_user")
                 if run else WarningHandover.objects.none())
    seen: dict[str, str] = {}
    for handover in handovers:
        if handover.to_user_id:
            seen[f"u:{handover.to_user_id}"] = str(handover.to_user)
        elif handover.to_division_id:
            seen[f"d:{handover.to_division_id}"] = handover.to_division.name
    return sorted(seen.items())


def list_filters(user, run, params) -> list[Filter]:
    runs = list(selectors.runs_covering(user)[: selectors.RUNS_OFFERED])
    if run is not None and run not in runs:
        runs.insert(0, run)
    divisions = division_filter_choices(user, (params.get("division") or "").strip())
    return [
        Filter("run", gettext_lazy("监测运行"), choices=[(str(r.pk), _run_label(r)) for r in runs], translate=False),
        Filter("risk", gettext_lazy("风险"), choices=[(c, schema.RISK[c]) for c in selectors.ALERT]),
        Filter("new", gettext_lazy("新增或持续"), choices=NEW_CHOICES),
        Filter("status", gettext_lazy("跟进状态"), choices=list(selectors.STATUSES.items())),
        Filter("division", gettext_lazy("区划"), choices=[(d.code, d.name) for d in divisions], translate=False,
               indent=frozenset(d.code for d in divisions if d.level == 5)),
        Filter("handed_to", gettext_lazy("交办对象"),
               choices=[("none", gettext_lazy("未交办")), *_handed_to_choices(user, run)], translate=False),
        Filter("reason", gettext_lazy("预警原因"), choices=list(schema.REASON.items())),
    ]


def reason_condition(code: str) -> Q:
    """Rows whose ";"-joined reasons include `code` (whole codes only)."""
    return (Q(reasons=code) | Q(reasons__startswith=f"{code};") | Q(reasons__endswith=f";{code}")
            | Q(reasons__contains=f";{code};"))


def rows_matching(user, run, values: dict, q: str = ""):
    rows = selectors.rows_visible_to(user, run)
    if "risk" in values:
        rows = rows.filter(risk=values["risk"])
    if "new" in values:
        rows = rows.filter(new=values["new"] == "new")
    if "status" in values:
        rows = rows.filter(selectors.status_condition(values["status"]))
    if "division" in values:
        division = Division.objects.get(code=values["division"])
        from neisheng.divisions import PREFIX_LENGTH

        rows = rows.filter(village_code__startswith=division.code[: PREFIX_LENGTH[division.level]])
    handed = values.get("handed_to")
    if handed == "none":
        rows = rows.filter(handover__isnull=True)
    elif handed and handed.startswith("u:"):
        rows = rows.filter(handover__to_user_id=int(handed[2:]))
    elif handed and handed.startswith("d:"):
        rows = rows.filter(handover__to_division_id=handed[2:])
    if "reason" in values:
        rows = rows.filter(reason_condition(values["reason"]))
    if q:
        rows = rows.filter(household_id__contains=q)
    return rows


def _current(rows: list[WarningRow]) -> dict:
    """The households' current results (monitoring.current: re-evaluated after an edit
    or a later run), for marking a risk that changed since the list's run."""
    from neisheng.monitoring.current import current_results

    return current_results([row.household_id for row in rows])


def _row_view(row: WarningRow, current: dict) -> dict:
    now = current.get(row.household_id)
    changed = now is not None and now.risk != row.risk
    return {
        "row": row, "url": reverse("warninglists:row", args=[row.pk]),
        "reasons": selectors.reason_labels(row.reasons),
        "status": row.shown_status, "status_label": selectors.STATUSES[row.shown_status],
        "risk_label": schema.RISK.get(row.risk, row.risk),
        "now_risk": now.risk if changed else None,
        "now_risk_label": schema.RISK.get(now.risk, "") if changed and now.risk else "",
        "handover": row.handover,
    }


def _page_rows(rows: list[WarningRow]) -> list[dict]:
    current = _current(rows)
    return [_row_view(row, current) for row in rows]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def warning_list(request):
    """The warning list of the user's division; a POST to the same address exports every
    matching row (the filters stay in the query string)."""
    user = request.user
    run = selectors.run_for(user, request.GET.get("run"))
    query = ListQuery(request.GET, columns=COLUMNS, filters=list_filters(user, run, request.GET),
                      path=reverse("warninglists:list"), search_label=gettext_lazy("户编号"))
    matching = rows_matching(user, run, query.values, query.q)
    if request.method == "POST":
        return _export(request, matching, query)
    rows = matching.select_related("household__village", "handover__to_division", "handover__to_user")
    key = {**query.filter_params(), "run": run.pk if run else None, "today": selectors.today().isoformat()}
    if query.sort:
        segments = [rows.order_by(*query.order_by(tiebreak=["household_id"]))]
        counts = counts_cached(user=user, name="warnings", key=key, compute=lambda: [matching.count()])
    else:
        # Red first, then yellow, each by village: two indexed orders, never a sort of the county.
        segments = [rows.filter(risk=r).order_by("village_code", "household_id") for r in selectors.ALERT]
        counts = counts_cached(user=user, name="warnings-by-risk", key=key,
                               compute=lambda: [matching.filter(risk=r).count() for r in selectors.ALERT])
    page = list_page(segments, query=query, counts=counts, rows=_page_rows)
    return render(request, "warninglists/list.html", list_context(
        query, page, run=run, labels={c.name: gettext(str(c.label)) for c in COLUMNS},
        may_hand_over=user_may(user, WARNINGS_HAND_OVER) and run is not None,
        handover_all_url=reverse("warninglists:handover") + "?" + _params(query, all="1"),
    ))


def _params(query: ListQuery, **more) -> str:
    from urllib.parse import urlencode

    return urlencode({**query.filter_params(), **more})


def _export(request, matching, query: ListQuery):
    headers = [gettext("户编号"), gettext("村"), gettext("风险"), gettext("预警原因"), gettext("新增或持续"),
               gettext("跟进状态"), gettext("交办对象"), gettext("办结期限"), gettext("当前风险")]

    def rows():
        batch: list[WarningRow] = []
        for row in matching.select_related("household__village", "handover__to_division",
                                           "handover__to_user").order_by("village_code", "household_id") \
                .iterator(chunk_size=2_000):
            batch.append(row)
            if len(batch) == 2_000:
                yield from _export_rows(batch)
                batch = []
        yield from _export_rows(batch)

    return export_response(request, object_type="warning_list", detail={"filters": query.filter_params()},
                           filename="预警清单-warnings", title=str(EXPORT_TITLE), headers=headers, rows=rows())


def _export_rows(batch: list[WarningRow]):
    current = _current(batch) if batch else {}
    for row in batch:
        view = _row_view(row, current)
        handover = row.handover
        yield [row.household_id, row.household.village.name, gettext(view["risk_label"]),
               "; ".join(gettext(r) for r in view["reasons"]), pgettext("warning", "新增") if row.new else gettext("持续"),
               gettext(view["status_label"]), _handed_to_text(handover),
               handover.deadline if handover else "",
               gettext(view["now_risk_label"]) if view["now_risk"] else ""]


def _handed_to_text(handover) -> str:
    if handover is None:
        return ""
    return str(handover.to_user) if handover.to_user_id else handover.to_division.name


# --------------------------------------------------------------------------- handing over


def _selection(request):
    """The rows the hand-over form was opened for: `?row=<id>` (repeated) as ticked on the
    list, or `?all=1` with the list's filters (every row matching them)."""
    user = request.user
    if request.GET.get("all"):
        run = selectors.run_for(user, request.GET.get("run"))
        query = ListQuery(request.GET, columns=COLUMNS, filters=list_filters(user, run, request.GET), path="")
        return rows_matching(user, run, query.values, query.q), True
    ids = [int(i) for i in request.GET.getlist("row") if i.isdigit()]
    return selectors.with_status(scope.visible_to(user, WarningRow).filter(pk__in=ids)), False


@requires(PERSONS_READ, WARNINGS_HAND_OVER)
@require_http_methods(["GET", "HEAD", "POST"])
def handover(request):
    user = request.user
    rows, all_matching = _selection(request)
    days = policy_current().policy.cases_warning_days
    default_deadline = selectors.today() + dt.timedelta(days=days)
    form = HandoverForm(request.POST or None, user=user, default_deadline=default_deadline, days=days)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.warning_rows_hand_over(user=user, rows=rows, deadline=form.cleaned_data["deadline"],
                                                   note=form.cleaned_data["note"], request=request, **form.target())
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, gettext("已交办 %(n)s 户,办结期限 %(deadline)s。") % {
                "n": done.rows.count(), "deadline": done.deadline.isoformat()})
            return redirect("warninglists:handovers")
    counted = rows.aggregate(total=Count("pk"),
                             open=Count("pk", filter=Q(status=WarningRow.Status.OPEN)))
    return render(request, "warninglists/handover.html", {
        "form": form, "title": gettext("交办预警清单"), "total": counted["total"], "open": counted["open"],
        "first": list(rows.order_by("village_code", "household_id")
                      .values_list("household_id", flat=True)[:20]),
        "all_matching": all_matching, "cancel_url": reverse("warninglists:list"),
        "submit_label": gettext("交办"),
    })


@requires(PERSONS_READ)
def handovers(request):
    """Every handover in the user's scope with its rows counted by follow-up status."""
    user = request.user
    columns = [Column("handed_on", gettext_lazy("交办日期"), order_by=("handed_on", "pk")),
               Column("to", gettext_lazy("交办对象"), css="primary"),
               Column("run", gettext_lazy("监测运行")),
               Column("deadline", gettext_lazy("办结期限"), order_by=("deadline", "pk"), css="primary"),
               Column("total", gettext_lazy("户数"), numeric=True),
               Column("open", gettext_lazy("待跟进"), numeric=True),
               Column("overdue", gettext_lazy("已逾期"), numeric=True),
               Column("case_opened", gettext_lazy("已立案"), numeric=True),
               Column("dismissed", gettext_lazy("已排除"), numeric=True),
               Column("handed_by", gettext_lazy("交办人"))]
    query = ListQuery(request.GET, columns=columns, filters=[], path=reverse("warninglists:handovers"))
    found = selectors.handovers_visible_to(user)
    if query.q:
        found = found.filter(Q(to_division__name__contains=query.q) | Q(to_user__username__contains=query.q)
                             | Q(to_user__display_name__contains=query.q))
    ordered = found.order_by(*query.order_by(tiebreak=["-pk"])) if query.sort else found.order_by("-handed_on", "-pk")
    counts = counts_cached(user=user, name="warning-handovers",
                           key={**query.filter_params(), "today": selectors.today().isoformat()},
                           compute=lambda: [found.count()])
    page = list_page([ordered], query=query, counts=counts, rows=lambda hs: [
        {"handover": h, "list_url": reverse("warninglists:list") + "?" + _handover_filter(h)} for h in hs])
    return render(request, "warninglists/handovers.html", list_context(
        query, page, labels={c.name: gettext(str(c.label)) for c in columns}))


def _handover_filter(h: WarningHandover) -> str:
    from urllib.parse import urlencode

    to = f"u:{h.to_user_id}" if h.to_user_id else f"d:{h.to_division_id}"
    return urlencode({"run": h.run_id, "handed_to": to})


# --------------------------------------------------------------------------- one row


def _history(row: WarningRow) -> list[dict]:
    entries = list(history(row, workflow=services.WARNING_ROW_WORKFLOW).select_related("by"))
    handover_ids = [int(e.name.split(":", 1)[1]) for e in entries if e.name.startswith(services.HAND_OVER + ":")]
    handed = {h.pk: h for h in WarningHandover.objects.filter(pk__in=handover_ids)
              .select_related("to_division", "to_user")}
    shown = []
    for entry in entries:
        kind, _, key = entry.name.partition(":")
        shown.append({"entry": entry, "kind": kind, "handover": handed.get(int(key)) if key.isdigit() else None,
                      "by": str(entry.by) if entry.by else entry.username})
    return shown


def dismissed_reason_parts(text: str) -> tuple[str, str]:
    """(a known reason's Chinese words to translate, the rest as typed)."""
    known = {str(label) for label in _known_reasons()}
    head, _, rest = text.partition(":")
    if head in known:
        return head, rest
    return "", text


def _known_reasons() -> list[str]:
    from django.utils import translation

    with translation.override("zh-hans"):
        return [str(label) for code, label in services.DISMISS_REASONS.items() if code != "other"]


@requires(PERSONS_READ)
def row_detail(request, pk: int):
    user = request.user
    row = selectors.warning_row_visible(user, pk)
    current = _current([row])
    view = _row_view(row, current)
    case = row.cases.order_by("-pk").first()
    reason_known, reason_rest = dismissed_reason_parts(row.dismissed_reason)
    return render(request, "warninglists/row.html", {
        **view, "run": row.run, "history": _history(row), "case": case,
        "may_follow_up": row.status == WarningRow.Status.OPEN and user_may(user, WARNINGS_FOLLOW_UP),
        "may_open_case": row.status == WarningRow.Status.OPEN and user_may(user, CASES_REPORT),
        "case_new_url": f"/cases/new/?warning={row.pk}",
        "reason_known": reason_known, "reason_rest": reason_rest,
        "list_url": reverse("warninglists:list") + f"?run={row.run_id}",
    })


@requires(PERSONS_READ, WARNINGS_FOLLOW_UP)
@require_http_methods(["GET", "HEAD", "POST"])
def row_dismiss(request, pk: int):
    user = request.user
    row = selectors.warning_row_visible(user, pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.warning_row_dismiss(user=user, row=row, reason=form.reason_text(), request=request)
        except TransitionRefused as refused:
            form.add_error(None, _one_language(str(refused)))
        else:
            messages.success(request, gettext("已排除该预警户。"))
            return redirect("warninglists:row", pk=row.pk)
    return render(request, "warninglists/dismiss.html", {
        "form": form, "title": gettext("排除预警户"), "subject": row.household_id,
        "back_url": reverse("warninglists:row", args=[row.pk]), "back_label": gettext("返回预警户"),
        "cancel_url": reverse("warninglists:row", args=[row.pk]), "submit_label": gettext("排除"),
        "row": row, "open": row.status == WarningRow.Status.OPEN,
    })


def _one_language(sentence: str) -> str:
    """A refusal "中文 / English", in the page's language."""
    from django.utils.translation import get_language

    zh, _, en = sentence.partition(" / ")
    return zh if (get_language() or "").startswith("zh") or not en else en


# --------------------------------------------------------------------------- follow-up by division


@requires()
@require_http_methods(["GET", "HEAD", "POST"])
def follow_up(request):
    """The dashboard's card "warning lists' follow-up" on its own page (any division in
    the user's scope with `?division=`); a POST exports its table."""
    user = request.user
    division = dashboard.division_for(user, request.GET.get("division"))
    card = dashboard.follow_up_card(user, division, export_action="")
    if request.method == "POST":
        if card is None:
            raise Http404("no run")
        return export_response(request, object_type="warning_follow_up", detail={"division": division or ""},
                               filename="预警清单跟进-warning-follow-up", title=card.title,
                               headers=card.extra["export_headers"], rows=card.extra["export_rows"])
    return render(request, "warninglists/follow_up.html", {"card": card})
