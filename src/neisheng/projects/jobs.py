"""The audit run on demand, as a background job (platform.jobs): a county's checks take
seconds, longer than a click should wait. The page queues it; the platform's job page
shows its progress and result."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from neisheng.platform.jobs import job_progress, job_start
from neisheng.projects.audit import county_of

KIND = "projects_audit"


def audit_job_start(*, user, division_code: str):
    """Queue a run over the county of `division_code`. The job concerns `division_code`
    itself (within the user's scope: a town's auditor sees the job, the run covers the
    town's county, whose findings they see only within the town)."""
    county = county_of(division_code)
    return job_start(kind=KIND, user=user, division_code=division_code, title=gettext_noop("项目资金审计"),
                     func_path="neisheng.projects.jobs.audit_job", division=county, user_id=user.pk)


def audit_job(*, job_id: int, division: str, user_id: int | None = None) -> dict:
    """Run in the worker: one audit run, its counts as the job's result."""
    from neisheng.projects.services.audit import audit_run

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    job_progress(job_id, done=0, total=1, message=gettext_noop("正在运行审计规则"))
    run = audit_run(division_code=division, trigger=f"job #{job_id}", user=user)
    job_progress(job_id, done=1, total=1, message=gettext_noop("审计完成"))
    return {"run": run.pk, "raised": run.raised, "still_open": run.still_open, "cleared": run.cleared,
            "seconds": run.seconds}
