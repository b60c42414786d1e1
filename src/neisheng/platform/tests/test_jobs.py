"""Background jobs: queued in the database, run by django-tasks-db's worker (its own loop
in this process, and once as the child process `neisheng serve` starts, against a file
SQLite database), with progress and errors a page shows only within the job's division."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.utils import translation

from neisheng.platform.jobs import (
    FAILED_SENTENCE,
    JobError,
    job_start,
    worker_run_once,
)
from neisheng.platform.models import Job

pytestmark = pytest.mark.django_db(transaction=True)
FUNCS = "neisheng.platform.tests.job_functions"
# Stored as a Chinese message id; the job page shows it in the reader's language.
INTERRUPTED = "任务因服务停止而中断,请重新发起。"


@pytest.fixture
def village_cadre(make_user, places):
    return make_user("village", places["village"])


def test_a_job_runs_in_the_worker_and_reports_its_progress(village_cadre, places):
    job = job_start(kind="count", user=village_cadre, division_code=places["village"].code,
                    func_path=f"{FUNCS}.count_to", n=4)
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # nothing runs in the request

    assert worker_run_once() == 1

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.message) == (Job.Status.DONE, 4, 4, "第 4 项 / item 4")
    assert job.result == {"counted": 4} and job.percent == 100
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    assert job.started_by == village_cadre and not job.error


def test_a_job_error_is_one_sentence_for_the_user_and_a_traceback_for_administrators(
        client, village_cadre, make_user, places):
    refused = job_start(kind="import", user=village_cadre, division_code=places["village"].code,
                        func_path=f"{FUNCS}.refuse")
    crashed = job_start(kind="import", user=village_cadre, division_code=places["village"].code,
                        func_path=f"{FUNCS}.crash")
    worker_run_once()

    refused.refresh_from_db()
    crashed.refresh_from_db()
    assert refused.status == crashed.status == Job.Status.FAILED
    assert refused.error == "台账第 3 行缺少户编号 / ledger row 3 has no household number"
    assert crashed.error == FAILED_SENTENCE and "secret internal detail" in crashed.traceback

    client.force_login(village_cadre)
    seen = client.get(f"/jobs/{crashed.pk}/?format=json").json()
    assert seen["error"] == FAILED_SENTENCE and "traceback" not in seen
    assert "secret internal detail" not in client.get(f"/jobs/{crashed.pk}/").content.decode()

    client.force_login(make_user("admin", None, username="root"))
    assert "secret internal detail" in client.get(f"/jobs/{crashed.pk}/?format=json").json()["traceback"]
    assert "secret internal detail" in client.get(f"/jobs/{crashed.pk}/").content.decode()


def test_no_one_starts_a_job_for_a_division_outside_their_own(village_cadre, places):
    for code in (places["other_village"].code, ""):
        with pytest.raises(JobError, match="outside yours"):
            job_start(kind="count", user=village_cadre, division_code=code, func_path=f"{FUNCS}.count_to", n=1)
    assert not Job.objects.exists()


def test_a_misnamed_function_is_refused_when_the_job_is_started_not_in_the_worker(village_cadre, places):
    with pytest.raises(ImportError):
        job_start(kind="count", user=village_cadre, division_code=places["village"].code,
                  func_path=f"{FUNCS}.no_such_function")
    assert not Job.objects.exists()


def test_the_job_page_shows_progress_within_the_division_only(client, village_cadre, make_user, places):
    job = job_start(kind="count", user=village_cadre, division_code=places["village"].code,
                    func_path=f"{FUNCS}.count_to", title="统计 count", n=3)
    town_officer = make_user("town", places["town"])
    client.force_login(town_officer)  # above the village: sees it
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "统计 count" in html and "排队中" in html and f"/jobs/{job.pk}/?format=json" in html

    worker_run_once()
    polled = client.get(f"/jobs/{job.pk}/", HTTP_ACCEPT="application/json").json()
    assert {k: polled[k] for k in ("status", "done", "total", "percent", "finished")} == {
        "status": "done", "done": 3, "total": 3, "percent": 100, "finished": True}
    assert "data-job-poll" not in client.get(f"/jobs/{job.pk}/").content.decode()  # finished: no polling

    client.force_login(make_user("town", places["other_town"]))
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/?format=json", f"/jobs/{job.pk + 1000}/"):
        response = client.get(url)
        assert response.status_code == 404 and "统计" not in response.content.decode()


def test_a_monitoring_run_started_from_the_page_runs_as_a_job(client, make_user, places):
    from neisheng.monitoring.models import MonitoringRun

    admin = make_user("admin", None, username="root")
    client.force_login(admin)
    response = client.post("/monitoring/run/", {"year": "2026"})
    job = Job.objects.get()
    # Issue 10: the run's row exists at once (finished_at empty) and its page follows the job.
    run = MonitoringRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/runs/{run.pk}/"
    assert job.kind == "monitoring_run" and run.job_id == job.pk and run.finished_at is None

    worker_run_once()

    job.refresh_from_db()
    run.refresh_from_db()
    assert run.finished_at is not None
    assert job.status == Job.Status.DONE, job.traceback
    assert job.result == {"run": run.pk, "year": 2026, "households": run.households} and run.households == 600
    # Stored as a Chinese message id, shown in each reader's language (one at a time).
    assert job.message_shown == "已完成:600 户" and job.title_shown == "2026 年度监测运行"
    with translation.override("en"):
        assert job.message_shown == "Done: 600 households" and job.title_shown == "Monitoring run 2026"
    assert run.started_by == admin


def test_a_monitoring_run_for_a_year_the_policy_is_not_for_is_refused_with_its_sentence(client, make_user):
    # Issue 10: the policy is chosen when the run starts, so the refusal is at once.
    client.force_login(make_user("admin", None, username="root"))
    page = client.post("/monitoring/run/", {"year": "2031"}).content.decode()
    assert "default: 政策年度 2026 与监测年度 2031 不符" in page
    assert not Job.objects.exists()


# Issue 10: county officers run their county and administrators run theirs (MONITORING_RUN).
@pytest.mark.parametrize("role,where", [("town", "town"), ("village", "village"), ("researcher", "county")])
def test_only_who_may_run_monitoring_starts_a_run(client, make_user, places, role, where):
    client.force_login(make_user(role, places[where]))
    assert client.post("/monitoring/run/", {"year": "2026"}).status_code == 403
    assert client.get("/monitoring/run/").status_code == 403
    assert not Job.objects.exists()


WORKER_SCRIPT = textwrap.dedent("""
    import json, os, time
    from neisheng.web.config import setup_django
    setup_django()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from neisheng.platform.jobs import job_start, job_wait, worker_running
    from neisheng.platform.models import Job
    funcs = "neisheng.platform.tests.job_functions"
    with worker_running(poll_seconds=0.2, grace_seconds=0.5) as child:
        done = job_wait(job_start(kind="count", user=None, division_code="", func_path=funcs + ".count_to", n=5).pk)
        slow = job_start(kind="sleep", user=None, division_code="", func_path=funcs + ".sleep", seconds=60)
        deadline = time.monotonic() + 30
        while Job.objects.get(pk=slow.pk).status != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
    slow = Job.objects.get(pk=slow.pk)
    print(json.dumps({"done": [done.status, done.done, done.total, done.result],
                      "slow": [slow.status, slow.error], "worker_exit": child.poll()}))
""")


@pytest.mark.django_db(transaction=False)
def test_the_server_s_worker_process_runs_jobs_and_marks_those_it_could_not_finish(tmp_path):
    """The worker `neisheng serve` starts (a child process, on a file SQLite database):
    it runs a job, and when the server stops mid-job the job is marked interrupted."""
    env = {**os.environ, "NEISHENG_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "neisheng.web.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", WORKER_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=240, cwd=Path(__file__).resolve().parents[4], check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["done"] == ["done", 5, 5, {"counted": 5}]
    assert report["slow"] == ["failed", INTERRUPTED]
    assert report["worker_exit"] is not None  # the worker ended with the server


def test_serve_and_demo_serve_inside_the_worker(monkeypatch):
    """`neisheng serve` and `neisheng demo` both serve through `_serve`: the worker is up
    before the first request and stopped after the server has closed."""
    from contextlib import contextmanager

    from neisheng.web import commands

    events = []

    @contextmanager
    def worker():
        events.append("worker up")
        yield
        events.append("worker down")

    class Server:
        def run(self):
            events.append("serving")
            raise KeyboardInterrupt

        def close(self):
            events.append("closed")

    monkeypatch.setattr("neisheng.platform.jobs.worker_running", worker)
    commands._serve(Server(), "127.0.0.1", 8000)
    assert events == ["worker up", "serving", "closed", "worker down"]
