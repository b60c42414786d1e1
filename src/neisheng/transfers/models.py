"""Uploads waiting for a decision: a workbook is checked, previewed, then applied whole."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

# At most this many problems are kept per batch, in file order. A file with a few
# thousand problems was not meant to be applied; the first thousand show what is wrong,
# while keeping every one let a 1.7 KB workbook store 100 MB of JSON (issue 7, row 2).
ISSUES_KEPT = 1_000

UPLOAD_TABLES = {
    "households": pgettext_lazy("table", "农户"),
    "persons": gettext_lazy("家庭成员"),
    "income_items": gettext_lazy("收支台账"),
}


class ImportBatch(models.Model):
    """One uploaded file for one contract table. The first ISSUES_KEPT problems found are
    kept in `issues` and all of them counted in `issues_total`; a batch with any problem
    can never be applied. The file itself is deleted after the policy's retention period
    (`file_purged_at`); the row stays as the record of the upload."""

    # In scope by its uploader, whose own scope its rows were checked against.
    division_field = "uploaded_by__division_id"

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("待确认")
        APPLIED = "applied", gettext_lazy("已导入")
        REJECTED = "rejected", gettext_lazy("未通过")

    file = models.FileField(gettext_lazy("文件"), upload_to="imports/%Y/%m/", blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    file_purged_at = models.DateTimeField(gettext_lazy("文件删除时间"), null=True, blank=True)
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=255)
    table = models.CharField(gettext_lazy("表"), max_length=16, choices=list(UPLOAD_TABLES.items()), blank=True)
    status = models.CharField(gettext_lazy("状态"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    rows = models.PositiveIntegerField(gettext_lazy("行数"), default=0)
    to_create = models.PositiveIntegerField(gettext_lazy("待新增"), default=0)
    to_update = models.PositiveIntegerField(gettext_lazy("待修改"), default=0)
    unchanged = models.PositiveIntegerField(gettext_lazy("无变化"), default=0)
    issues = models.JSONField(gettext_lazy("问题"), default=list, blank=True)
    issues_total = models.PositiveIntegerField(gettext_lazy("问题总数"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("上传人"),
                                    on_delete=models.PROTECT, related_name="import_batches")
    created_at = models.DateTimeField(gettext_lazy("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(gettext_lazy("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def can_apply(self) -> bool:
        return (self.status == self.Status.PENDING and not self.issues_total and not self.issues
                and self.file_purged_at is None)

    @property
    def issues_not_kept(self) -> int:
        """Problems found beyond those kept in `issues`."""
        return max(self.issues_total - len(self.issues), 0)
