"""Background jobs: long work (a monitoring run, a large upload, reports) runs outside the
request, in a worker that `neisheng serve` and `neisheng demo` start themselves.

The queue is django-tasks (the backport of Django 6's `django.tasks`, so moving to
Django 6 changes an import, not the code) with django-tasks-db's DatabaseBackend: the
database the platform already has is the broker, on SQLite and PostgreSQL alike, and
there is no other server to install, start or watch.

    job = job_start(kind="monitoring_run", user=request.user, division_code="",
                    func_path="neisheng.monitoring.jobs.monitoring_run_job", year=2026)
    redirect("platform:job", job.pk)           # the page polls /jobs/<id>/?format=json

The function named by `func_path` is called in the worker as `func(job_id=..., **params)`
(params as JSON), reports with `job_progress(job_id, done=, total=, message=)` and
returns something JSON can hold (kept as the job's result). The title and the progress
message are Chinese message ids (`gettext_noop("已完成:%(households)s 户")`) whose
placeholders are filled from the params and the result when a reader sees them, in the
reader's language (`Job.title_shown`, `message_shown`). A `JobError` is shown to users as
one sentence, "中文 / English", the half in the reader's language (`Job.error_shown`); any
other exception as "the job failed", with its traceback kept for administrators. A function is named by a string, so the
platform imports no app.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from traceback import format_exception

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from neisheng.accounts.access import AUDIT_READ, user_may
from neisheng.platform import scope
from neisheng.platform.models import Job

try:  # Django 6 has the framework built in; django-tasks is its backport for 5.2.
    from django.tasks import task
except ImportError:
    from django_tasks import task

WORKER_POLL_SECONDS = 1.0
# How long a stopping server lets a running job finish before it is cut short (and
# marked failed, to be started again).
WORKER_STOP_GRACE_SECONDS = 10.0
FAILED_SENTENCE = gettext_noop("任务失败,管理员可查看原因。")
INTERRUPTED_SENTENCE = gettext_noop("任务因服务停止而中断,请重新发起。")


class JobError(Exception):
    """A failure the person who started the job should read: one sentence, "中文 / English"."""


# --- starting and reporting -------------------------------------------------------------


@transaction.atomic
def job_start(*, kind: str, user, division_code: str, func_path: str, title: str = "", **params) -> Job:
    """Queue `func_path(job_id=..., **params)` for the worker and return its Job.

    `division_code` is what the job concerns ("" for the whole installation): only who
    may see that division sees the job, and a user may only start jobs within their
    own division. The queue row is written in this same transaction, so a job exists
    for the worker exactly when its Job does."""
    if user is not None and not scope.code_is_within(user, division_code):
        raise JobError(f"区划 {division_code or '(全部)'} 不在您的范围内 / the division "
                       f"{division_code or '(all)'} is outside yours")
    func = import_string(func_path)  # a typo fails here, in the request, not in the worker
    if not callable(func):
        raise TypeError(f"{func_path} is not callable")
    try:
        json.dumps(params)
    except TypeError as exc:
        raise TypeError(f"{func_path}: the parameters must be JSON ({exc})") from None
    job = Job.objects.create(kind=kind, title=title or kind, started_by=user, division_code=division_code,
                             func_path=func_path, params=params)
    result = job_execute.enqueue(job_id=job.pk)
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])
    return job


def job_progress(job_id: int, *, done: int, total: int | None = None, message: str = "") -> None:
    """Record how far a running job has got, for its page. Call it outside any long
    transaction of the job's own: inside one, the page would see it only at the end."""
    fields = {"done": max(0, int(done)), "message": message[:300]}
    if total is not None:
        fields["total"] = max(0, int(total))
    Job.objects.filter(pk=job_id).update(**fields)


@task()
def job_execute(job_id: int):
    """The one task the queue knows: run a Job's function and record how it ended."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != Job.Status.QUEUED:
        return None
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        result = import_string(job.func_path)(job_id=job.pk, **job.params)
    except BaseException as exc:
        _job_failed(job.pk, exc)
        raise
    try:
        json.dumps(result)
    except TypeError:
        result = str(result)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, finished_at=timezone.now(), result=result)
    return result


def _job_failed(job_id: int, exc: BaseException) -> None:
    if isinstance(exc, JobError):
        sentence = str(exc).splitlines()[0] if str(exc) else FAILED_SENTENCE
    elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
        sentence = INTERRUPTED_SENTENCE
    else:
        sentence = FAILED_SENTENCE
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), error=sentence[:500],
        traceback="".join(format_exception(exc)),
    )


# --- reading ---------------------------------------------------------------------------------


def jobs_visible_to(user) -> QuerySet[Job]:
    return scope.visible_to(user, Job.objects.select_related("started_by"))


def job_as_dict(job: Job, user) -> dict:
    """What the job page (and its polling) shows; the traceback only to administrators."""
    data = {
        "id": job.pk, "kind": job.kind, "title": job.title_shown, "division_code": job.division_code,
        "status": job.status, "status_label": job.get_status_display(), "finished": job.finished,
        "done": job.done, "total": job.total, "percent": job.percent, "message": job.message_shown,
        "error": job.error_shown, "result": job.result,
        "started_by": str(job.started_by) if job.started_by else "",
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    if job.traceback and user_may(user, AUDIT_READ):
        data["traceback"] = job.traceback
    return data


# --- the worker -------------------------------------------------------------------------------


@contextmanager
def worker_running(*, poll_seconds: float = WORKER_POLL_SECONDS, grace_seconds: float = WORKER_STOP_GRACE_SECONDS):
    """A worker process (django-tasks-db's `db_worker`) for as long as the block runs:
    `neisheng serve` and `neisheng demo` serve inside it, so there is nothing else to
    start. It gets its own session (Ctrl-C at the terminal stops the server, which then
    stops the worker, not both at once mid-job) and watches for this process, so it also
    ends should the server be killed. Jobs it was running when stopped are marked failed."""
    worker_id = f"neisheng-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    started = timezone.now()
    child = subprocess.Popen(
        [sys.executable, "-m", "neisheng.platform.worker", "--parent", str(os.getpid()),
         "--worker-id", worker_id, "--interval", str(poll_seconds)],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                                    "neisheng.web.settings")},
        start_new_session=True,
    )
    try:
        yield child
    finally:
        worker_stop(child, grace_seconds=grace_seconds)
        jobs_interrupted(worker_id=worker_id, since=started)


def worker_stop(child: subprocess.Popen, *, grace_seconds: float) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def jobs_interrupted(*, worker_id: str, since) -> int:
    """Mark failed what the stopped worker `worker_id` left unfinished; how many."""
    from django_tasks_db.models import DBTaskResult

    try:
        from django.tasks import TaskResultStatus
    except ImportError:
        from django_tasks import TaskResultStatus

    claimed = [r for r in DBTaskResult.objects.filter(started_at__gte=since) if worker_id in r.worker_ids]
    for row in claimed:
        if row.status == TaskResultStatus.RUNNING:
            row.set_failed(JobError(INTERRUPTED_SENTENCE))
    return Job.objects.filter(
        task_id__in=[str(r.id) for r in claimed], status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
    ).update(status=Job.Status.FAILED, finished_at=timezone.now(), error=INTERRUPTED_SENTENCE)


def worker_run_once(*, worker_id: str = "in-process") -> int:
    """Run every queued task in this process and return how many ran: the worker loop
    itself, for tests and for a command that wants its job done before it returns."""
    from django_tasks_db.management.commands.db_worker import Worker

    before = Job.objects.filter(status=Job.Status.QUEUED).count()
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
    worker.run()
    return before - Job.objects.filter(status=Job.Status.QUEUED).count()


def job_wait(job_id: int, *, timeout: float = 60.0, poll: float = 0.2) -> Job:
    """The job once finished (or as it stands after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        job = Job.objects.get(pk=job_id)
        if job.finished or time.monotonic() > deadline:
            return job
        time.sleep(poll)
