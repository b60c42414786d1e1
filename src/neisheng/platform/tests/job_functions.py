"""Functions the job tests run in the worker (named by path, as real jobs are)."""

from __future__ import annotations

import time

from neisheng.platform.jobs import JobError, job_progress


def count_to(*, job_id: int, n: int) -> dict:
    for i in range(1, n + 1):
        job_progress(job_id, done=i, total=n, message=f"第 {i} 项 / item {i}")
    return {"counted": n}


def refuse(*, job_id: int) -> None:
    raise JobError("台账第 3 行缺少户编号 / ledger row 3 has no household number")


def crash(*, job_id: int) -> None:
    raise KeyError("secret internal detail")


def sleep(*, job_id: int, seconds: float) -> None:
    job_progress(job_id, done=0, total=1, message="sleeping")
    time.sleep(seconds)
