"""Uploads waiting for a decision: a workbook is checked, previewed, then applied whole."""

from __future__ import annotations

from django.conf import settings
from django.db import models

UPLOAD_TABLES = {
    "households": "农户 households",
    "persons": "家庭成员 persons",
    "income_items": "收支台账 ledger",
}


class ImportBatch(models.Model):
    """One uploaded file for one contract table. Every problem found is kept in `issues`;
    a batch with any problem can never be applied."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认 pending"
        APPLIED = "applied", "已导入 applied"
        REJECTED = "rejected", "未通过 rejected"

    file = models.FileField("文件 file", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名 file name", max_length=255)
    table = models.CharField("表 table", max_length=16, choices=list(UPLOAD_TABLES.items()), blank=True)
    status = models.CharField("状态 status", max_length=16, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    rows = models.PositiveIntegerField("行数 rows", default=0)
    to_create = models.PositiveIntegerField("新增 to create", default=0)
    to_update = models.PositiveIntegerField("修改 to update", default=0)
    unchanged = models.PositiveIntegerField("无变化 unchanged", default=0)
    issues = models.JSONField("问题 issues", default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人 uploaded by",
                                    on_delete=models.PROTECT, related_name="import_batches")
    created_at = models.DateTimeField("上传时间 uploaded", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间 applied", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def can_apply(self) -> bool:
        return self.status == self.Status.PENDING and not self.issues
