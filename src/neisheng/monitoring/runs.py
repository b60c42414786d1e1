"""Monitoring runs in the platform: started at once, finished later.

`run_start` makes the run's row (its policy chosen and kept now, `finished_at` empty)
and queues the job that runs it (`jobs.monitoring_run_job`, which calls
`services.monitoring_run` with that row); the page and the API answer at once. The same
`monitoring_run` is what `neisheng run-monitoring` calls, synchronously.

Who: a role with MONITORING_RUN (county officers, administrators). A run covers the
starter's division — their county — and only its households; an administrator without a
division runs the whole registry. Reads: a user sees the runs of their division, of the
divisions under it, and those covering it (a run of the whole registry or of their
county), each counted for the user's own division only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from neisheng.accounts.access import MONITORING_RUN, user_may
from neisheng.divisions import parent_of
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RegionSummary
from neisheng.monitoring.services import (
    MonitoringError,
    monitoring_run,
    policy_resolve,
    run_create,
)
from neisheng.platform import scope
from neisheng.platform.access import refusal
from neisheng.platform.models import Job

__all__ = [
    "MonitoringError",
    "RunCounts",
    "monitoring_run",
    "run_counts_for",
    "run_division_of",
    "run_start",
    "run_status",
    "runs_visible_to",
]

RUNNING, FINISHED, FAILED = "running", "finished", "failed"
NO_DIVISION = "您没有所属区划,不能启动监测运行 / you have no division, so you cannot start a monitoring run"


def run_division_of(user) -> str:
    """The division a user's run covers: "" (everything) for a user whose scope has no
    bound, else the user's own division (a county officer's county)."""
    if scope.code_range(user) is None:
        return ""
    if not user.division_id:
        raise PermissionDenied(NO_DIVISION)
    return user.division_id


@transaction.atomic
def run_start(*, user, year: int, policy_path=None) -> MonitoringRun:
    """Make the run's row and queue its job; returns the row at once (finished_at null).
    The policy is the file given, else the year's active version, else the built-in one;
    one that does not parse or is for another year raises MonitoringError and nothing is
    made. A role without MONITORING_RUN gets PermissionDenied."""
    from neisheng.monitoring.jobs import monitoring_run_queue

    if not user_may(user, MONITORING_RUN):
        raise PermissionDenied(refusal(MONITORING_RUN))
    division_code = run_division_of(user)
    in_use = policy_resolve(year=year, policy_path=policy_path)
    run = run_create(year=year, policy_source=in_use.policy.source, policy_text=in_use.text,
                     policy_version=in_use.version, started_by=user, division_code=division_code)
    job = monitoring_run_queue(run=run, user=user)
    run.job_id = job.pk
    run.save(update_fields=["job_id"])
    return run


# --------------------------------------------------------------------------- reading


def _covering(division_code: str) -> list[str]:
    codes = [""]
    code = division_code
    while code:
        codes.append(code)
        code = parent_of(code)
    return codes


def runs_visible_to(user) -> QuerySet[MonitoringRun]:
    """The runs of the user's division and under it (scope), and those covering it."""
    runs = MonitoringRun.objects.select_related("started_by", "policy_version")
    if scope.code_range(user) is None:
        return runs
    if not user.division_id:
        return runs.none()
    return runs.filter(Q(pk__in=scope.visible_to(user, MonitoringRun).values("pk"))
                       | Q(division_code__in=_covering(user.division_id)))


def run_status(run: MonitoringRun, job: Job | None = None) -> str:
    """running, finished or failed; a run whose job failed outside it (the worker was
    stopped) has failed too."""
    if run.finished_at is not None:
        return FINISHED
    if run.error or (job is not None and job.status == Job.Status.FAILED):
        return FAILED
    return RUNNING


def run_jobs(runs) -> dict[int, Job]:
    ids = [r.job_id for r in runs if r.job_id]
    return {job.pk: job for job in Job.objects.filter(pk__in=ids)} if ids else {}


@dataclass(frozen=True)
class RunCounts:
    households: int
    red: int
    yellow: int
    green: int


def run_counts_for(user, runs) -> dict[int, RunCounts]:
    """Each run's households by risk as the user may see them: the run's own counts when
    the run lies within the user's division, else the counts of the user's division in
    the run (its region summary; counted from its results for a run without one)."""
    counts, wider = {}, []
    for run in runs:
        if scope.code_is_within(user, run.division_code) or scope.code_range(user) is None:
            counts[run.pk] = RunCounts(run.households, run.red, run.yellow, run.green)
        else:
            wider.append(run)
    if not wider or not user.division_id:
        return counts
    regions = {r.run_id: r.values for r in RegionSummary.objects.filter(run__in=wider, code=user.division_id)}
    for run in wider:
        values = regions.get(run.pk)
        if values is not None:
            counts[run.pk] = RunCounts(*(int(values.get(k) or 0) for k in
                                         ("households", "risk_red", "risk_yellow", "risk_green")))
            continue
        by_risk = dict(scope.visible_to(user, HouseholdResult.objects.filter(run=run))
                       .values_list("risk").annotate(n=Count("pk")).order_by())
        counts[run.pk] = RunCounts(sum(by_risk.values()), by_risk.get("red", 0), by_risk.get("yellow", 0),
                                   by_risk.get("green", 0))
    return counts


def register() -> None:
    """Name runs' and policies' audit entries in the audit log's sentences (from
    MonitoringConfig.ready())."""
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register

    audit_vocabulary_register(
        object_types={"policy_version": pgettext_lazy("audit object", "监测政策版本"),
                      "monitoring_run_results": pgettext_lazy("audit object", "监测运行结果")},
        filters={"run": (gettext_lazy("监测运行"), None), "year": (gettext_lazy("监测年度"), None)},
        fields={"policy_version": {"active": gettext_lazy("启用")}},
    )
