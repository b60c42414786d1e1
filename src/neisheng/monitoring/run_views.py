"""Monitoring runs on pages: every run kept (the list, with its trend across runs), one
run's progress while it runs and its result when done, and starting one.

Starting is for roles with MONITORING_RUN (county officers for their county,
administrators); it answers at once and the run's page follows its job. Reading a run's
counts is for everyone who may see its division (aggregates); its household results
(the Excel export) need persons.read and hold only the households in the reader's scope.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import MONITORING_RUN, PERSONS_READ, user_may
from neisheng.engine import schema
from neisheng.monitoring.models import HouseholdResult
from neisheng.monitoring.runs import (
    FAILED,
    FINISHED,
    RUNNING,
    MonitoringError,
    run_counts_for,
    run_jobs,
    run_start,
    run_status,
    runs_visible_to,
)
from neisheng.platform import scope
from neisheng.platform.access import require, requires
from neisheng.platform.charts import Cell, DashboardCard, Line, LineChart
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, Filter, ListQuery, Page, list_context, list_page

YEARS = range(2000, 2101)
TREND_RUNS = 12
STATUS_LABELS = {RUNNING: gettext_lazy("运行中"), FINISHED: gettext_lazy("已完成"), FAILED: gettext_lazy("失败")}
STATUS_FILTERS = {
    RUNNING: {"finished_at__isnull": True, "error": ""},
    FINISHED: {"finished_at__isnull": False},
    FAILED: {"finished_at__isnull": True, "error__gt": ""},
}
COLUMNS = [
    Column("run", gettext_lazy("运行"), css="primary"),
    Column("year", gettext_lazy("监测年度"), order_by=("year",), css="primary"),
    Column("policy", gettext_lazy("政策")),
    Column("started_by", gettext_lazy("发起人")),
    # Newest first is the natural order of runs: that is this column's first direction.
    Column("started_at", gettext_lazy("开始时间"), order_by=("-started_at",)),
    Column("seconds", gettext_lazy("用时(秒)"), numeric=True),
    Column("households", gettext_lazy("户数"), numeric=True),
    Column("red", gettext_lazy("红色"), numeric=True),
    Column("yellow", gettext_lazy("黄色"), numeric=True),
    Column("green", gettext_lazy("绿色"), numeric=True),
    Column("status", gettext_lazy("状态"), css="primary"),
]
RESULT_HEADERS = [
    "户编号 household_id", "村代码 village_code", "村 village", "人口 size", "人均纯收入 income_pc", "风险 risk",
    "风险原因 reasons", "监测类型 monitor_type", "稳定性 stability", "内生动力得分 motivation_score",
    "内生动力不足 motivation_poor",
]


def sentence_shown(text: str) -> str:
    """The reader's half of a service's "中文 / English" sentence."""
    if " / " not in text:
        return text
    chinese, english = text.split(" / ", 1)
    return english if (get_language() or "").startswith("en") else chinese


def run_visible(user, pk: int):
    run = runs_visible_to(user).filter(pk=pk).first()
    if run is None:
        raise Http404("没有这次监测运行 / no such monitoring run")
    return run


class RunStartForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("监测年度"), min_value=YEARS.start, max_value=YEARS.stop - 1)


@requires(MONITORING_RUN)
@require_http_methods(["GET", "HEAD", "POST"])
def run_start_view(request):
    """The start form (also inline on the runs list and the monitoring overview): queue a
    run of the user's division and go to its page, which shows its progress. A year
    refused (out of range, or no policy for it) is shown beside the field."""
    if request.method == "POST":
        form = RunStartForm(request.POST)
        if form.is_valid():
            try:
                run = run_start(user=request.user, year=form.cleaned_data["year"])
            except MonitoringError as exc:
                form.add_error("year", sentence_shown(str(exc)))
            else:
                return redirect("monitoring:run", run.pk)
    else:
        form = RunStartForm(initial={"year": timezone.localdate().year})
    return render(request, "monitoring/run_start.html", {
        "form": form, "title": gettext("运行监测"), "submit_label": gettext("运行监测"),
        "cancel_url": reverse("monitoring:runs"), "back_url": reverse("monitoring:runs"),
        "back_label": gettext("全部监测运行"),
        "division_name": _division_name(request.user.division_id or ""),
    })


def _row(run, counts, job) -> dict:
    status = run_status(run, job)
    return {"run": run, "counts": counts.get(run.pk), "status": status, "status_label": STATUS_LABELS[status]}


def _trend_card(user, runs) -> DashboardCard | None:
    """Red, yellow and green households across the last finished runs, oldest first, as
    lines, with the same numbers in the table."""
    finished = list(runs.filter(finished_at__isnull=False).order_by("-started_at", "-pk")[:TREND_RUNS])[::-1]
    if not finished:
        return None
    counts = run_counts_for(user, finished)
    labels, rows = [], []
    for run in finished:
        c = counts[run.pk]
        labels.append(f"{run.year} #{run.pk}")
        rows.append([Cell(labels[-1], href=reverse("monitoring:run", args=[run.pk])), Cell(c.households),
                     Cell(c.red, tone="red" if c.red else ""), Cell(c.yellow), Cell(c.green)])
    lines = [Line(gettext(label), [getattr(counts[r.pk], code) for r in finished], tone=code)
             for code, label in schema.RISK.items()]
    return DashboardCard(
        key="run-trend", title=gettext("各次运行的趋势"), chart=LineChart(labels, lines),
        chart_title=gettext("各次运行各风险等级户数"), note=gettext("由早到晚,最近 12 次已完成的运行。"),
        headers=[gettext("运行"), gettext("户数"), gettext("红色"), gettext("黄色"), gettext("绿色")], rows=rows,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def run_list(request):
    runs = runs_visible_to(request.user)
    years = sorted(set(runs.values_list("year", flat=True)), reverse=True)
    filters = [Filter("year", gettext_lazy("监测年度"), choices=[(str(y), str(y)) for y in years], translate=False),
               Filter("status", gettext_lazy("状态"), choices=list(STATUS_LABELS.items()))]
    query = ListQuery(request.GET, columns=COLUMNS, filters=filters, default_sort="started_at",
                      path=reverse("monitoring:runs"))
    rows = runs
    if query.q:
        rows = rows.filter(pk=int(query.q.lstrip("#"))) if query.q.lstrip("#").isdigit() else rows.none()
    if "year" in query.values:
        rows = rows.filter(year=int(query.values["year"]))
    if "status" in query.values:
        rows = rows.filter(**STATUS_FILTERS[query.values["status"]])
    rows = rows.order_by(*query.order_by(tiebreak=["-pk"]))

    def shown(objects: list) -> list[dict]:
        counts, jobs = run_counts_for(request.user, objects), run_jobs(objects)
        return [_row(run, counts, jobs.get(run.job_id)) for run in objects]

    page: Page = list_page([rows], query=query, counts=[rows.count()], rows=shown)
    return render(request, "monitoring/run_list.html", list_context(
        query, page, trend_card=_trend_card(request.user, runs), may_start=user_may(request.user, MONITORING_RUN),
    ))


def _progress(run, job) -> dict:
    """What the run's page polls while it runs (the job page's fields, job-progress.js)."""
    status = run_status(run, job)
    data = {"status": job.status if job else status, "status_label": str(STATUS_LABELS[status]),
            "done": job.done if job else 0, "total": job.total if job else 0,
            "percent": job.percent if job else None, "message": job.message_shown if job else "",
            "error": sentence_shown(run.error) if run.error else (job.error_shown if job else ""),
            "finished": status != RUNNING, "run_status": status,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}
    return data


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def run_detail(request, pk: int):
    """The run: its progress while running, its result when done; a POST (the export
    button) downloads its household results under the reader's division."""
    run = run_visible(request.user, pk)
    job = run_jobs([run]).get(run.job_id)
    status = run_status(run, job)
    if request.method == "POST":
        require(request.user, PERSONS_READ)
        return _results_export(request, run)
    if request.GET.get("format") == "json":
        return JsonResponse(_progress(run, job), json_dumps_params={"ensure_ascii": False})
    counts = run_counts_for(request.user, [run])[run.pk]
    risk_figures = [(code, label, getattr(counts, code)) for code, label in schema.RISK.items()]
    return render(request, "monitoring/run_detail.html", {
        "run": run, "job": job, "status": status, "status_label": STATUS_LABELS[status], "counts": counts,
        "risk_figures": risk_figures, "progress": _progress(run, job),
        "error": sentence_shown(run.error) if run.error else (job.error_shown if job else ""),
        "may_export": user_may(request.user, PERSONS_READ) and status == FINISHED,
        "may_start": user_may(request.user, MONITORING_RUN),
        "division_name": _division_name(run.division_code),
    })


def _division_name(code: str) -> str:
    if not code:
        return ""
    from neisheng.registry.models import Division

    return Division.objects.filter(code=code).values_list("name", flat=True).first() or code


def _results_export(request, run):
    rows = (scope.visible_to(request.user, HouseholdResult.objects.filter(run=run))
            .select_related("household__village").order_by("household_id"))

    def cells():
        for r in rows.iterator(chunk_size=2000):
            yield [r.household_id, r.household.village_id, r.household.village.name, r.size, r.income_pc,
                   gettext(schema.RISK[r.risk]) if r.risk else "",
                   "; ".join(gettext(label) for label in r.reason_labels),
                   gettext(schema.MONITOR_TYPE[r.monitor_type]) if r.monitor_type else "",
                   gettext(schema.STABILITY[r.stability]) if r.stability else "",
                   r.motivation_score, "" if r.motivation_poor is None else (gettext("是") if r.motivation_poor
                                                                              else gettext("否"))]

    return export_response(
        request, object_type="monitoring_run_results", detail={"run": run.pk, "year": run.year},
        filename=f"监测结果-run-{run.pk}", title=f"监测结果 run {run.pk}", headers=RESULT_HEADERS, rows=cells(),
    )
