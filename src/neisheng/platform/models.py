"""What every workflow app shares: background jobs, the log of workflow transitions, and
the review-and-publicity step (民主评议 → 公示 → 审批).

Each model names its division code once (`division_field`), so scope restricts it like
any other model. Objects of other apps are referred to by (object_type, object_id)
strings, not foreign keys: the platform must not import the apps that use it, and a
log row must outlive the object it describes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext, gettext_lazy


class Job(models.Model):
    """Long work run by the background worker, with progress a page can show. The task
    queue's own row (django_tasks_db) holds the call; this row holds what people see."""

    division_field = "division_code"

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("排队中")
        RUNNING = "running", gettext_lazy("进行中")
        DONE = "done", gettext_lazy("已完成")
        FAILED = "failed", gettext_lazy("失败")

    kind = models.CharField(gettext_lazy("类型"), max_length=64)
    title = models.CharField(gettext_lazy("名称"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("发起人"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    # "" for work over the whole installation: only users without a division bound see it.
    division_code = models.CharField(gettext_lazy("区划代码"), max_length=12, blank=True, db_index=True)
    func_path = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(gettext_lazy("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(gettext_lazy("已完成数"), default=0)
    total = models.PositiveIntegerField(gettext_lazy("总数"), null=True, blank=True)
    message = models.CharField(gettext_lazy("进度"), max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True)
    # One sentence for whoever started the job; the traceback only for administrators.
    error = models.CharField(gettext_lazy("错误"), max_length=500, blank=True)
    traceback = models.TextField(blank=True)
    created_at = models.DateTimeField(gettext_lazy("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(gettext_lazy("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(gettext_lazy("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title or self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    # A job writes its title, progress and error while no one is reading, so it stores
    # them as Chinese message ids whose %(name)s placeholders name its parameters or
    # result; each reader gets them in their own language.
    @property
    def title_shown(self) -> str:
        return self._in_reader_language(self.title)

    @property
    def message_shown(self) -> str:
        return self._in_reader_language(self.message)

    @property
    def error_shown(self) -> str:
        return self._in_reader_language(self.error)

    def _in_reader_language(self, text: str) -> str:
        if not text:
            return text
        shown = gettext(text)
        if shown == text and " / " in text:
            # A service's refusal passed on as the job's error reads "中文 / English".
            chinese, english = text.split(" / ", 1)
            shown = english if (get_language() or "").startswith("en") else chinese
        values = {**(self.params or {}), **(self.result if isinstance(self.result, dict) else {})}
        if "%(" not in shown:
            return shown
        try:
            return shown % values
        except (KeyError, ValueError, TypeError):
            # A placeholder the job has not filled yet (its result comes last).
            return shown

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

    object_type = models.CharField(gettext_lazy("对象"), max_length=64)
    object_id = models.CharField(gettext_lazy("编号"), max_length=64)
    division_code = models.CharField(gettext_lazy("区划代码"), max_length=12, blank=True, db_index=True)
    name = models.CharField(gettext_lazy("步骤"), max_length=64)
    from_state = models.CharField(gettext_lazy("原状态"), max_length=32)
    to_state = models.CharField(gettext_lazy("新状态"), max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("操作人"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    username = models.CharField(gettext_lazy("用户名"), max_length=150, blank=True)
    effective_on = models.DateField(gettext_lazy("生效日期"))
    recorded_at = models.DateTimeField(gettext_lazy("记录时间"), auto_now_add=True)
    reason = models.TextField(gettext_lazy("理由"), blank=True)

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
        OPEN = "open", gettext_lazy("待评议")
        DECIDED = "decided", gettext_lazy("已评议")
        PUBLICISED = "publicised", gettext_lazy("公示中")
        APPROVED = "approved", gettext_lazy("已审批")
        REJECTED = "rejected", gettext_lazy("未通过")

    class Decision(models.TextChoices):
        AGREED = "agreed", gettext_lazy("同意")
        REFUSED = "refused", gettext_lazy("不同意")

    object_type = models.CharField(gettext_lazy("对象"), max_length=64)
    object_id = models.CharField(gettext_lazy("编号"), max_length=64)
    division_code = models.CharField(gettext_lazy("区划代码"), max_length=12, db_index=True)
    subject = models.CharField(gettext_lazy("事项"), max_length=200)
    state = models.CharField(gettext_lazy("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    council_decision = models.CharField(gettext_lazy("评议结果"), max_length=8,
                                        choices=Decision.choices, blank=True)
    council_on = models.DateField(gettext_lazy("评议日期"), null=True, blank=True)
    council_note = models.TextField(gettext_lazy("评议记录"), blank=True)
    publicity_days = models.PositiveSmallIntegerField(gettext_lazy("公示天数"), null=True, blank=True)
    publicity_start = models.DateField(gettext_lazy("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(gettext_lazy("公示结束(含当日)"), null=True, blank=True)
    approved_on = models.DateField(gettext_lazy("审批日期"), null=True, blank=True)
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
    raised_by = models.CharField(gettext_lazy("异议人"), max_length=100)
    raised_on = models.DateField(gettext_lazy("提出日期"))
    text = models.TextField(gettext_lazy("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolution = models.TextField(gettext_lazy("处理结果"), blank=True)
    resolved_on = models.DateField(gettext_lazy("处理日期"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )

    class Meta:
        ordering = ["raised_on", "pk"]

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
