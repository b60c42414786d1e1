"""Visits (grid.md, 走访): who went to which household on which day, what they found,
photos, where, what they changed in the household's record and what they raised.

A visit recorded offline on a phone arrives later with the idempotency key the phone
gave it, so that a visit sent twice (a retried upload) is stored once. Its updates to the
household go through registry.services with the version the phone had read: an edit made
meanwhile by someone else is not overwritten, the visit is kept and the conflict shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Kind(models.TextChoices):
    ROUTINE = "routine", gettext_lazy("日常走访")
    SCREENING = "screening", gettext_lazy("排查走访")
    FOLLOW_UP = "follow_up", gettext_lazy("跟踪回访")


class UpdateStatus(models.TextChoices):
    NONE = "none", gettext_lazy("未修改台账")
    APPLIED = "applied", gettext_lazy("已更新台账")
    CONFLICT = "conflict", gettext_lazy("与他人修改冲突，未更新")
    REFUSED = "refused", gettext_lazy("未通过校验，未更新")
    # The recorder may not edit the registry (an assistance cadre): the values wait on
    # the visit until someone who may edit applies them (visits.services.visit_updates_apply).
    PROPOSED = "proposed", gettext_lazy("待有修改权限的干部确认")


class Visit(models.Model):
    division_field = "division_code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="visits")
    division_code = models.CharField(max_length=12, db_index=True)
    visited_on = models.DateField(gettext_lazy("走访日期"))
    kind = models.CharField(gettext_lazy("走访类型"), max_length=16, choices=Kind.choices, default=Kind.ROUTINE)
    findings = models.TextField(gettext_lazy("走访情况"), blank=True)
    cadres = models.ManyToManyField("grid.Cadre", blank=True, related_name="visits",
                                    verbose_name=gettext_lazy("走访干部"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Given by the phone (or the form) when the visit is first written down.
    idempotency_key = models.UUIDField(unique=True)
    # Recorded while the phone had no network and sent later.
    recorded_offline = models.BooleanField(default=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    gps_accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    # The household fields the visit asked to change, the record's version the phone had
    # read, and what became of them.
    updates = models.JSONField(default=dict, blank=True)
    base_version = models.BigIntegerField(null=True, blank=True)
    update_status = models.CharField(max_length=16, choices=UpdateStatus.choices, default=UpdateStatus.NONE)
    update_message = models.TextField(blank=True)
    # What became of "raise a risk" or of a problem when it was not opened (an open case
    # already, say): "中文 / English", the visit is kept all the same.
    risk_message = models.TextField(blank=True)
    # "Raise a risk": the monitoring case it opened (cadre_screening), and problems raised.
    case = models.ForeignKey("cases.MonitoringCase", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="visits")
    problems = models.ManyToManyField("problems.Problem", blank=True, related_name="visits")

    class Meta:
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["household", "-visited_on"])]


class Photo(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="visits/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
