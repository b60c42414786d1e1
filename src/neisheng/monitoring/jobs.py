"""The monitoring run as a background job (platform.jobs): queued by `runs.run_start`
with the run's row already made, run by the worker, its progress on the run's page
(/monitoring/runs/<id>/, which polls the job) and on /jobs/<id>/. The run itself is
`services.monitoring_run`; this only starts it and reports on it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_noop

from neisheng.monitoring.models import MonitoringRun
from neisheng.monitoring.services import RUN_STEPS, MonitoringError, monitoring_run
from neisheng.platform.jobs import JobError, job_progress, job_start

KIND = "monitoring_run"
STEP_MESSAGES = {
    "export": gettext_noop("正在导出台账"),
    "engine": gettext_noop("正在计算监测结果"),
    "store": gettext_noop("正在保存结果"),
}


def monitoring_run_queue(*, run: MonitoringRun, user):
    """Queue the job that runs `run` (made by runs.run_start). The job concerns the run's
    division, so who may see that division sees its progress."""
    return job_start(kind=KIND, user=user, division_code=run.division_code,
                     title=gettext_noop("%(year)s 年度监测运行"),
                     func_path="neisheng.monitoring.jobs.monitoring_run_job", run_id=run.pk, year=run.year)


def monitoring_run_job(*, job_id: int, run_id: int, year: int) -> dict:
    """Run in the worker: the monitoring run, with its progress and a one-sentence error."""
    run = MonitoringRun.objects.select_related("started_by").get(pk=run_id)

    def progress(step: str, done: int, total: int) -> None:
        job_progress(job_id, done=done, total=total, message=STEP_MESSAGES.get(step, ""))

    # A folder of its own, not one named after the run: run numbers repeat across
    # databases sharing a home (each test worker's, a restored backup's), and one run's
    # clean-up must not delete another's export while that one still reads it.
    runs_dir = settings.HOME / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    work_dir = Path(tempfile.mkdtemp(prefix=f"run-{run.pk}-", dir=runs_dir))
    try:
        run = monitoring_run(year=year, run=run, work_dir=work_dir, progress=progress)
    except MonitoringError as exc:
        raise JobError(str(exc)) from exc
    finally:
        # The exported snapshot holds full ID numbers: it lives only as long as the run.
        shutil.rmtree(work_dir, ignore_errors=True)
    job_progress(job_id, done=len(RUN_STEPS), total=len(RUN_STEPS), message=gettext_noop("已完成:%(households)s 户"))
    return {"run": run.pk, "year": run.year, "households": run.households}
