"""Applying a feed as a background job (platform.jobs): a county's feed of tens of
thousands of rows takes longer than a request should. The page queues the job and shows
its progress on the feed's own page; the work is `services.feed_apply`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_noop

from neisheng.accounts.services import audit_record
from neisheng.feeds.models import Feed
from neisheng.feeds.services import APPLICABLE, FeedRefused, feed_apply
from neisheng.platform.jobs import JobError, job_progress, job_start

KIND = "feed_apply"
STEPS = ("read", "registry", "link", "screen", "store")
STEP_MESSAGES = {
    "read": gettext_noop("正在读取文件"),
    "registry": gettext_noop("正在读取登记数据"),
    "link": gettext_noop("正在匹配人员"),
    "screen": gettext_noop("正在运行筛查规则"),
    "store": gettext_noop("正在保存结果"),
}


@transaction.atomic
def feed_apply_queue(*, feed: Feed, user):
    """Mark the feed as being applied and queue the job that applies it. The job concerns
    the feed's division, so whoever may see the feed sees its progress."""
    locked = Feed.objects.select_for_update().get(pk=feed.pk)
    if locked.status not in APPLICABLE or locked.status == Feed.Status.APPLYING:
        raise FeedRefused("该文件正在比对、已比对或不能比对 / this feed is being applied, has been applied or "
                          "cannot be applied")
    job = job_start(kind=KIND, user=user, division_code=locked.division_code,
                    title=gettext_noop("部门数据比对"), func_path="neisheng.feeds.jobs.feed_apply_job",
                    feed_id=locked.pk, user_id=user.pk)
    locked.status = Feed.Status.APPLYING
    locked.job_id = job.pk
    locked.error = ""
    locked.save(update_fields=["status", "job_id", "error"])
    # Who started it, and a new data version for the lists' cached counts.
    audit_record(user=user, action="update", division_code=locked.division_code, object_type="feed",
                 object_id=str(locked.pk), detail={"status": [feed.status, locked.status], "job": job.pk})
    return job


def feed_apply_job(*, job_id: int, feed_id: int, user_id: int) -> dict:
    """Run in the worker: the apply, with its steps as progress and its failure as one sentence."""
    user = get_user_model().objects.get(pk=user_id)
    feed = Feed.objects.get(pk=feed_id)

    def progress(step: str) -> None:
        job_progress(job_id, done=STEPS.index(step), total=len(STEPS), message=STEP_MESSAGES.get(step, ""))

    try:
        feed = feed_apply(feed=feed, user=user, progress=progress)
    except FeedRefused as exc:
        raise JobError(str(exc)) from exc
    if feed.status != Feed.Status.APPLIED:
        raise JobError(feed.error)
    job_progress(job_id, done=len(STEPS), total=len(STEPS),
                 message=gettext_noop("已完成:%(rows)s 行,%(findings)s 条线索"))
    return {"feed": feed.pk, "rows": feed.rows, "findings": feed.findings_count}
