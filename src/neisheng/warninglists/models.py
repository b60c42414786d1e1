"""Warning lists (预警清单, cases.md): for each run, every red or yellow household, new or
continuing, with its reasons; handed to a town or a cadre with a deadline and followed
up row by row (open, case opened, dismissed with a reason; overdue is an open row past
its deadline, computed, never stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

from neisheng.monitoring.models import RISK_CHOICES


class WarningHandover(models.Model):
    """One handing of rows to a town (a division) or to one cadre (a user), with its
    deadline. Handing a row again adds a handover; the row points to its latest."""

    division_field = "division_code"

    run = models.ForeignKey("monitoring.MonitoringRun", on_delete=models.PROTECT, related_name="handovers")
    # The division the list was handed within (the town handed to, or the cadre's division).
    division_code = models.CharField(max_length=12, db_index=True)
    to_division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=gettext_lazy("交办乡镇"))
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="warning_handovers", verbose_name=gettext_lazy("交办干部"))
    handed_on = models.DateField(gettext_lazy("交办日期"))
    deadline = models.DateField(gettext_lazy("办结期限"))
    note = models.TextField(gettext_lazy("交办说明"), blank=True)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handed_on", "-pk"]


class WarningRow(models.Model):
    division_field = "village_code"

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("待跟进")
        CASE_OPENED = "case_opened", gettext_lazy("已立案")
        DISMISSED = "dismissed", gettext_lazy("已排除")

    run = models.ForeignKey("monitoring.MonitoringRun", on_delete=models.CASCADE, related_name="warning_rows")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="warning_rows")
    village_code = models.CharField(max_length=12)
    risk = models.CharField(gettext_lazy("风险"), max_length=8, choices=RISK_CHOICES)
    reasons = models.CharField(max_length=300, blank=True)
    new = models.BooleanField(pgettext_lazy("warning", "新增"))
    status = models.CharField(gettext_lazy("跟进状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    handover = models.ForeignKey(WarningHandover, on_delete=models.PROTECT, null=True, blank=True, related_name="rows")
    dismissed_reason = models.TextField(gettext_lazy("排除理由"), blank=True)
    followed_up_on = models.DateField(null=True, blank=True)
    followed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")

    class Meta:
        ordering = ["run_id", "village_code", "household_id"]
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="warninglists_one_row_per_run")]
        indexes = [
            models.Index(fields=["run", "village_code"], name="warninglists_run_village"),
            models.Index(fields=["run", "status"], name="warninglists_run_status"),
        ]
