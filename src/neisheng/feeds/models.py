"""Department feeds (feeds.md): each uploaded file, each of its rows with the person it
was linked to, and the findings the screening rules raise.

The file is kept as it came, with who uploaded it, when and its SHA-256; a feed with any
bad row is never applied. Applying stores every row with its match and every finding in
one transaction. A finding goes new → confirmed (then may open a case or write the
department's amounts into the ledger) or dismissed with a reason, as platform
Transitions (feeds/workflow.py); nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from neisheng.engine.feeds import DEPARTMENTS, FEED_TYPES, MATCH_KINDS
from neisheng.engine.screening import RULES

# At most this many problems of a refused file are kept (every one is counted), as for
# registry uploads: a file with thousands of bad rows was not meant to be applied.
ISSUES_KEPT = 1_000

FEED_TYPE_CHOICES = [(code, gettext_lazy(t.label_zh)) for code, t in FEED_TYPES.items()]
MATCH_KIND_CHOICES = [
    ("exact", gettext_lazy("证件号一致")),
    ("probable", gettext_lazy("概率匹配")),
    ("review", gettext_lazy("待人工核对")),
    ("unmatched", gettext_lazy("未匹配")),
]
assert [code for code, _ in MATCH_KIND_CHOICES] == list(MATCH_KINDS)
RULE_CHOICES = [(code, gettext_lazy(label)) for code, label in RULES.items()]


class Feed(models.Model):
    division_field = "division_code"

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("待导入")
        REJECTED = "rejected", gettext_lazy("未通过")
        APPLYING = "applying", gettext_lazy("比对中")
        APPLIED = "applied", gettext_lazy("已比对")
        FAILED = "failed", gettext_lazy("比对失败")
        DISCARDED = "discarded", gettext_lazy("已放弃")

    feed_type = models.CharField(gettext_lazy("数据类型"), max_length=24, choices=FEED_TYPE_CHOICES)
    department = models.CharField(gettext_lazy("部门"), max_length=32)
    # The uploader's division: the feed is matched against the registry of this division.
    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    file = models.FileField(gettext_lazy("文件"), upload_to="feeds/%Y/%m/")
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=255)
    checksum = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField(gettext_lazy("文件大小"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("上传人"),
                                    on_delete=models.PROTECT, related_name="feeds")
    uploaded_at = models.DateTimeField(gettext_lazy("上传时间"), auto_now_add=True)
    # feeds.md's `today` for the screening rules: the day the feed was uploaded.
    received_on = models.DateField(gettext_lazy("上传日期"))
    status = models.CharField(gettext_lazy("状态"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    rows = models.PositiveIntegerField(gettext_lazy("行数"), default=0)
    issues = models.JSONField(gettext_lazy("问题"), default=list, blank=True)
    issues_total = models.PositiveIntegerField(gettext_lazy("问题总数"), default=0)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    applied_at = models.DateTimeField(gettext_lazy("比对时间"), null=True, blank=True)
    job_id = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(gettext_lazy("失败原因"), blank=True)
    count_exact = models.PositiveIntegerField(gettext_lazy("证件号一致"), default=0)
    count_probable = models.PositiveIntegerField(gettext_lazy("概率匹配"), default=0)
    count_review = models.PositiveIntegerField(gettext_lazy("待人工核对"), default=0)
    count_unmatched = models.PositiveIntegerField(gettext_lazy("未匹配"), default=0)
    findings_count = models.PositiveIntegerField(gettext_lazy("线索数"), default=0)
    # The linkage model's parameters as used (engine.linkage), so a result can be explained later.
    model_settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_feed_type_display()})"

    @property
    def department_label(self) -> str:
        """The department's name in the reader's language (engine.feeds.DEPARTMENTS)."""
        return gettext(DEPARTMENTS.get(self.department, self.department))


class ReviewState(models.TextChoices):
    NONE = "", gettext_lazy("无需核对")
    PENDING = "pending", gettext_lazy("待核对")
    ACCEPTED = "accepted", gettext_lazy("已确认为同一人")
    REJECTED = "rejected", gettext_lazy("已否定")


class FeedRow(models.Model):
    """One row of an applied feed, as the department sent it (`values`, the text of each
    column) and as it was linked. A row sent to review keeps its candidates; the clerk's
    decision is kept beside the linkage's own outcome, which never changes."""

    division_field = "division_code"

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="feed_rows")
    row = models.PositiveIntegerField(gettext_lazy("行号"))
    values = models.JSONField(default=dict)
    name = models.CharField(gettext_lazy("姓名"), max_length=64)
    id_number = models.CharField(gettext_lazy("证件号码"), max_length=32, blank=True)
    match_kind = models.CharField(gettext_lazy("匹配结果"), max_length=16, choices=MATCH_KIND_CHOICES, db_index=True)
    person = models.ForeignKey("registry.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="feed_rows")
    household = models.ForeignKey("registry.Household", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="feed_rows")
    match_probability = models.FloatField(gettext_lazy("匹配概率"), null=True, blank=True)
    match_weight = models.FloatField(gettext_lazy("匹配权重"), null=True, blank=True)
    # The best candidates (engine.linkage's pairs): person, probability, weight and each
    # comparison's level and partial weight, best first.
    candidates = models.JSONField(default=list, blank=True)
    review_state = models.CharField(gettext_lazy("核对"), max_length=16, choices=ReviewState.choices,
                                    default=ReviewState.NONE, blank=True, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(gettext_lazy("核对说明"), blank=True)
    # The linked household's village, else the feed's division.
    division_code = models.CharField(max_length=12, db_index=True)

    class Meta:
        ordering = ["feed_id", "row"]
        constraints = [models.UniqueConstraint(fields=["feed", "row"], name="feed_row_once")]

    def __str__(self) -> str:
        return f"{self.feed_id}:{self.row}"

    @property
    def linked(self) -> bool:
        """Linked to a person: exact, probable, or accepted in review."""
        return self.match_kind in ("exact", "probable") or self.review_state == ReviewState.ACCEPTED


class FindingState(models.TextChoices):
    NEW = "new", gettext_lazy("待处理")
    CONFIRMED = "confirmed", gettext_lazy("已确认")
    DISMISSED = "dismissed", gettext_lazy("已排除")


class Finding(models.Model):
    division_field = "division_code"

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="findings")
    rule = models.CharField(gettext_lazy("规则"), max_length=40, choices=RULE_CHOICES, db_index=True)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="findings")
    person = models.ForeignKey("registry.Person", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="findings")
    # feeds.md: never raised twice for the same rule, person and period. `subject` is the
    # person's ID number, or the household's number for a household-level finding.
    subject = models.CharField(max_length=32)
    period = models.CharField(gettext_lazy("期间"), max_length=64, blank=True)
    rows = models.JSONField(gettext_lazy("数据行"), default=list)
    evidence = models.TextField(gettext_lazy("依据"))
    state = models.CharField(gettext_lazy("状态"), max_length=16, choices=FindingState.choices,
                             default=FindingState.NEW, db_index=True)
    division_code = models.CharField(max_length=12, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    case = models.ForeignKey("cases.MonitoringCase", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="findings")
    # The department's amounts written into the income ledger (once).
    ledger_written_at = models.DateTimeField(null=True, blank=True)
    ledger_written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject", "period"], name="finding_once")]
        indexes = [models.Index(fields=["division_code", "state"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} {self.household_id}"
