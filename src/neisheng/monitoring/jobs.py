"""The monitoring run as a background job (platform.jobs): started from the monitoring
page, run by the worker, its progress on /jobs/<id>/. The run itself is
`services.monitoring_run`, unchanged; this only starts it and reports on it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from neisheng.monitoring.services import MonitoringError, monitoring_run
from neisheng.platform.jobs import JobError, job_progress, job_start

KIND = "monitoring_run"
STEPS = 2  # the run (export, engine, load in one call), then the summary


def monitoring_run_start(*, user, year: int):
    """Queue a monitoring run of the whole registry for `year`. It covers every
    division, so only a user whose scope is the whole installation may start it (the
    job's division is "" and platform.jobs refuses anyone bound to a division)."""
    return job_start(kind=KIND, user=user, division_code="", title=gettext_noop("%(year)s 年度监测运行"),
                     func_path="neisheng.monitoring.jobs.monitoring_run_job", year=year,
                     started_by=user.pk if user is not None else None)


def monitoring_run_job(*, job_id: int, year: int, started_by: int | None = None) -> dict:
    """Run in the worker: the monitoring run, with its progress and a one-sentence error."""
    job_progress(job_id, done=0, total=STEPS, message=gettext_noop("正在导出台账、计算并载入结果"))
    user = get_user_model().objects.filter(pk=started_by).first() if started_by else None
    try:
        run = monitoring_run(year=year, work_dir=settings.HOME / "runs" / f"job-{job_id}", started_by=user)
    except MonitoringError as exc:
        raise JobError(str(exc)) from exc
    job_progress(job_id, done=STEPS, total=STEPS,
                 message=gettext_noop("已完成:%(households)s 户"))
    return {"run": run.pk, "year": run.year, "households": run.households}
