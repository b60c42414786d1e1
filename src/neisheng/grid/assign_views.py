"""The assign button's pages (grid/assign.py): start a run (POST), the runs, a run (its
progress while the job runs, then its counts, the households still without a cadre and
the pairs it made) and the list of its new pairs with their Excel export."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from neisheng.accounts.access import GRID_ASSIGN, PERSONS_READ
from neisheng.grid import assign, coverage, selectors
from neisheng.grid.models import AssignmentRun, CadrePair
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.platform.exports import export_response
from neisheng.platform.listing import Column, ListQuery, list_context, list_page
from neisheng.platform.models import Job
from neisheng.registry.models import Division

SHOWN_ON_RUN_PAGE = 20
STATUS_LABELS = {assign.RUNNING: gettext_lazy("进行中"), assign.FINISHED: gettext_lazy("已完成"),
                 assign.FAILED: gettext_lazy("失败")}


def sentence_shown(text: str) -> str:
    """The reader's half of a "中文 / English" sentence."""
    if " / " not in text:
        return text
    chinese, english = text.split(" / ", 1)
    return english if (get_language() or "").startswith("en") else chinese


@requires(GRID_ASSIGN)
@require_POST
def assign_start(request):
    run = assign.assignment_start(user=request.user, division_code=(request.POST.get("division") or "").strip())
    return redirect("grid:assignment", run.pk)


def _run_visible(user, pk: int) -> AssignmentRun:
    run = assign.assignment_runs_visible_to(user).filter(pk=pk).first()
    if run is None:
        raise Http404("没有这次分配 / no such assignment run")
    return run


def _job(run: AssignmentRun) -> Job | None:
    return Job.objects.filter(pk=run.job_id).first() if run.job_id else None


def _progress(run: AssignmentRun, job: Job | None) -> dict:
    status = assign.assignment_status(run, job)
    return {"status": job.status if job else status, "status_label": str(STATUS_LABELS[status]),
            "done": job.done if job else 0, "total": job.total if job else 0,
            "percent": job.percent if job else None, "message": job.message_shown if job else "",
            "error": sentence_shown(run.error) if run.error else (job.error_shown if job else ""),
            "finished": status != assign.RUNNING, "run_status": status}


def _names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def _pairs_of(user, run: AssignmentRun):
    return (scope.visible_to(user, CadrePair.objects.filter(assignment=run))
            .select_related("cadre", "household__village").order_by("household_id"))


def _pair_rows(pairs: list) -> list[dict]:
    heads = selectors.head_names([p.household_id for p in pairs])
    return [{"pair": p, "head": heads.get(p.household_id, "")} for p in pairs]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def assignment_detail(request, pk: int):
    run = _run_visible(request.user, pk)
    job = _job(run)
    progress = _progress(run, job)
    if request.GET.get("format") == "json":
        return JsonResponse(progress, json_dumps_params={"ensure_ascii": False})
    status = progress["run_status"]
    pairs, still = [], []
    still_count = 0
    if status == assign.FINISHED:
        pairs = _pair_rows(list(_pairs_of(request.user, run)[:SHOWN_ON_RUN_PAGE]))
        division = scope.visible_to(request.user, Division).filter(code=run.division_code).first()
        if division is None and request.user.division_id:
            # A run of the county seen by a town officer: what lies in their town.
            division = request.user.division
        missing = coverage.households_without_cadre(request.user, division)
        still_count = len(missing)
        ids = [h for h, _v in missing[:SHOWN_ON_RUN_PAGE]]
        households, heads = coverage.household_rows(ids), selectors.head_names(ids)
        still = [{"household": households[h], "head": heads.get(h, "")} for h in ids]
    return render(request, "grid/assign_detail.html", {
        "run": run, "job": job, "status": status, "progress": progress, "pairs": pairs, "still": still,
        "still_count": still_count, "pairs_count": _pairs_of(request.user, run).count(),
        "division_name": _names([run.division_code]).get(run.division_code, run.division_code),
        "error": progress["error"], "costs": _costs(),
    })


def _costs() -> dict:
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    return {"town": policy.grid_town_cost, "county": policy.grid_county_cost}


PAIR_COLUMNS = [
    Column("household", gettext_lazy("户编号"), order_by=("household_id",), css="primary"),
    Column("head", gettext_lazy("户主"), css="primary"),
    Column("village", gettext_lazy("村"), order_by=("division_code", "household_id")),
    Column("cadre", gettext_lazy("帮扶责任人"), order_by=("cadre__name", "household_id")),
    Column("unit", gettext_lazy("工作单位")),
]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_pairs(request, pk: int):
    """The pairs one run made, with their export."""
    run = _run_visible(request.user, pk)
    query = ListQuery(request.GET, columns=PAIR_COLUMNS, filters=[], path=reverse("grid:assignment_pairs",
                                                                                    args=[run.pk]),
                      search_label=gettext_lazy("户编号"))
    pairs = _pairs_of(request.user, run)
    if query.q:
        pairs = pairs.filter(household_id__contains=query.q)
    pairs = pairs.order_by(*query.order_by(tiebreak=["household_id"]))
    if request.method == "POST":
        def rows():
            batch = []
            for pair in pairs.iterator(chunk_size=2000):
                batch.append(pair)
                if len(batch) == 2000:
                    yield from _export_rows(batch)
                    batch = []
            yield from _export_rows(batch)

        return export_response(
            request, object_type="grid_assignment_pairs", detail={"assignment": run.pk, **query.filter_params()},
            filename=f"assignment-{run.pk}", title=gettext("自动分配结对"),
            headers=[gettext("户编号"), gettext("户主"), gettext("村代码"), gettext("村"), gettext("干部编号"),
                     gettext("帮扶责任人"), gettext("工作单位"), gettext("结对日期")],
            rows=rows())
    page = list_page([pairs], query=query, counts=[pairs.count()], rows=_pair_rows)
    return render(request, "grid/assign_pairs.html", list_context(query, page, run=run))


def _export_rows(pairs: list):
    heads = selectors.head_names([p.household_id for p in pairs])
    for p in pairs:
        yield [p.household_id, heads.get(p.household_id, ""), p.household.village_id, p.household.village.name,
               p.cadre.cadre_id, p.cadre.name, p.cadre.unit, p.started_on]


RUN_COLUMNS = [
    Column("run", gettext_lazy("编号"), order_by=("pk",), css="primary"),
    Column("division", gettext_lazy("区划")),
    Column("status", gettext_lazy("状态"), css="primary"),
    Column("assigned", gettext_lazy("新结对"), numeric=True),
    Column("kept", gettext_lazy("保留结对"), numeric=True),
    Column("unassigned", gettext_lazy("未能分配"), numeric=True),
    Column("started", gettext_lazy("开始时间"), order_by=("started_at",)),
]


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def assignment_list(request):
    runs = assign.assignment_runs_visible_to(request.user)
    query = ListQuery(request.GET, columns=RUN_COLUMNS, filters=[], path=reverse("grid:assignments"),
                      default_sort="", search_label=gettext_lazy("编号"))
    if query.q:
        runs = runs.filter(pk=int(query.q.lstrip("#"))) if query.q.lstrip("#").isdigit() else runs.none()
    if not query.sort:
        runs = runs.order_by("-started_at", "-pk")
    else:
        runs = runs.order_by(*query.order_by(tiebreak=["-pk"]))

    def shown(objects: list) -> list[dict]:
        jobs = {j.pk: j for j in Job.objects.filter(pk__in=[r.job_id for r in objects if r.job_id])}
        names = _names(r.division_code for r in objects)
        rows = []
        for run in objects:
            status = assign.assignment_status(run, jobs.get(run.job_id))
            rows.append({"run": run, "status": status, "status_label": STATUS_LABELS[status],
                         "division": names.get(run.division_code, run.division_code)})
        return rows

    page = list_page([runs], query=query, counts=[runs.count()], rows=shown)
    return render(request, "grid/assign_list.html", list_context(query, page))

