"""What every workflow app shares: background jobs, the log of workflow transitions, and
the review-and-publicity step (民主评议 → 公示 → 审批).

Each model names its division code once (`division_field`), so scope restricts it like
any other model. Objects of other apps are referred to by (object_type, object_id)
strings, not foreign keys: the platform must not import the apps that use it, and a
log row must outlive the object it describes."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Job(models.Model):
    """Long work run by the background worker, with progress a page can show. The task
    queue's own row (django_tasks_db) holds the call; this row holds what people see."""

    division_field = "division_code"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中 queued"
        RUNNING = "running", "进行中 running"
        DONE = "done", "已完成 done"
        FAILED = "failed", "失败 failed"

    kind = models.CharField("类型 kind", max_length=64)
    title = models.CharField("名称 title", max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人 started by", on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    # "" for work over the whole installation: only users without a division bound see it.
    division_code = models.CharField("区划 division", max_length=12, blank=True, db_index=True)
    func_path = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField("状态 status", max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField("已完成 done", default=0)
    total = models.PositiveIntegerField("总数 total", null=True, blank=True)
    message = models.CharField("进度 progress", max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True)
    # One sentence for whoever started the job; the traceback only for administrators.
    error = models.CharField("错误 error", max_length=500, blank=True)
    traceback = models.TextField(blank=True)
    created_at = models.DateTimeField("提交时间 queued at", auto_now_add=True)
    started_at = models.DateTimeField("开始时间 started at", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间 finished at", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title or self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))


class Transition(models.Model):
    """One step of an object's workflow: who moved it from which state to which, the
    date the step took effect (given by the person, e.g. the day of the council's
    meeting) and when it was recorded. Rows are only ever added."""

    division_field = "division_code"

    object_type = models.CharField("对象 object", max_length=64)
    object_id = models.CharField("编号 id", max_length=64)
    division_code = models.CharField("区划 division", max_length=12, blank=True, db_index=True)
    name = models.CharField("步骤 step", max_length=64)
    from_state = models.CharField("原状态 from", max_length=32)
    to_state = models.CharField("新状态 to", max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人 by", on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    username = models.CharField("操作人 user", max_length=150, blank=True)
    effective_on = models.DateField("生效日期 effective on")
    recorded_at = models.DateTimeField("记录时间 recorded at", auto_now_add=True)
    reason = models.TextField("理由 reason", blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "recorded_at"],
                                name="platform_transition_object")]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id}: {self.from_state} → {self.to_state}"


class Review(models.Model):
    """民主评议 → 公示 → 审批 for one object (a case, a risk elimination, a model
    household, a distribution plan). Its state moves through `platform.review.WORKFLOW`,
    so every step is a Transition row with its own date."""

    division_field = "division_code"

    class State(models.TextChoices):
        OPEN = "open", "待评议 awaiting the council"
        DECIDED = "decided", "已评议 decided by the council"
        PUBLICISED = "publicised", "公示中 publicised"
        APPROVED = "approved", "已审批 approved"
        REJECTED = "rejected", "未通过 rejected"

    class Decision(models.TextChoices):
        AGREED = "agreed", "同意 agreed"
        REFUSED = "refused", "不同意 refused"

    object_type = models.CharField("对象 object", max_length=64)
    object_id = models.CharField("编号 id", max_length=64)
    division_code = models.CharField("区划 division", max_length=12, db_index=True)
    subject = models.CharField("事项 subject", max_length=200)
    state = models.CharField("状态 state", max_length=16, choices=State.choices, default=State.OPEN)
    council_decision = models.CharField("评议结果 council's decision", max_length=8,
                                        choices=Decision.choices, blank=True)
    council_on = models.DateField("评议日期 council met on", null=True, blank=True)
    council_note = models.TextField("评议记录 minutes", blank=True)
    publicity_days = models.PositiveSmallIntegerField("公示天数 publicity days", null=True, blank=True)
    publicity_start = models.DateField("公示开始 publicity from", null=True, blank=True)
    publicity_end = models.DateField("公示结束 publicity to (inclusive)", null=True, blank=True)
    approved_on = models.DateField("审批日期 approved on", null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="platform_review_object")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_state_display()})"


class Objection(models.Model):
    """An objection raised during publicity, and how it was resolved."""

    division_field = "review__division_code"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.CharField("异议人 raised by", max_length=100)
    raised_on = models.DateField("提出日期 raised on")
    text = models.TextField("异议内容 objection")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField("处理结果 resolution", blank=True)
    resolved_on = models.DateField("处理日期 resolved on", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )

    class Meta:
        ordering = ["raised_on", "pk"]

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
