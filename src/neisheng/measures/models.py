"""Assistance measures assigned to a household or one of its members (一户一策). Issue 10
needs the assignment itself (risk elimination asks for at least one measure assigned
while the household was monitored); issue 13 adds the activities that carry it out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from neisheng.engine.measures import MEASURE_LABELS


class AssignedMeasure(models.Model):
    division_field = "household__village_id"

    class State(models.TextChoices):
        PLANNED = "planned", gettext_lazy("计划")
        IN_PROGRESS = "in_progress", gettext_lazy("实施中")
        DONE = "done", gettext_lazy("已完成")
        ABANDONED = "abandoned", gettext_lazy("已放弃")

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="assigned_measures")
    person_id = models.CharField(gettext_lazy("成员证件号"), max_length=18, blank=True)
    measure = models.CharField(gettext_lazy("措施"), max_length=32,
                               choices=[(code, gettext_lazy(label)) for code, label in MEASURE_LABELS.items()])
    assigned_on = models.DateField(gettext_lazy("安排日期"))
    responsible = models.CharField(gettext_lazy("责任单位或责任人"), max_length=100)
    note = models.TextField(gettext_lazy("说明"), blank=True)
    state = models.CharField(gettext_lazy("状态"), max_length=16, choices=State.choices, default=State.PLANNED)
    # The recommendation it came from, when it came from one (else assigned by hand).
    from_recommendation = models.BooleanField(default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "assigned_on", "pk"]
        indexes = [models.Index(fields=["household", "assigned_on"], name="measures_household_on")]
