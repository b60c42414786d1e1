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

    class Responsible(models.TextChoices):
        DEPARTMENT = "department", gettext_lazy("责任单位")
        CADRE = "cadre", gettext_lazy("责任人")

    class Funding(models.TextChoices):
        # The sources a county's plan (帮扶计划) names for each measure's money.
        LINKAGE_FUND = "linkage_fund", gettext_lazy("财政衔接推进乡村振兴补助资金")
        DEPARTMENT = "department", gettext_lazy("行业部门资金")
        SOCIAL = "social", gettext_lazy("社会帮扶资金")
        CREDIT = "credit", gettext_lazy("金融信贷")
        OWN = "own", gettext_lazy("农户自筹")
        OTHER = "other", gettext_lazy("其他")

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="assigned_measures")
    person_id = models.CharField(gettext_lazy("成员证件号"), max_length=18, blank=True)
    measure = models.CharField(gettext_lazy("措施"), max_length=32,
                               choices=[(code, gettext_lazy(label)) for code, label in MEASURE_LABELS.items()])
    assigned_on = models.DateField(gettext_lazy("安排日期"))
    responsible = models.CharField(gettext_lazy("责任单位或责任人"), max_length=100)
    responsible_kind = models.CharField(gettext_lazy("责任类型"), max_length=16, choices=Responsible.choices,
                                        default=Responsible.DEPARTMENT)
    starts_on = models.DateField(gettext_lazy("开始日期"), null=True, blank=True)
    ends_on = models.DateField(gettext_lazy("结束日期"), null=True, blank=True)
    cost = models.DecimalField(gettext_lazy("费用(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    funding_source = models.CharField(gettext_lazy("资金来源"), max_length=16, choices=Funding.choices, blank=True)
    # What came of it, written when the measure is done (the abandon reason is the step's).
    outcome = models.TextField(gettext_lazy("成效"), blank=True)
    note = models.TextField(gettext_lazy("说明"), blank=True)
    state = models.CharField(gettext_lazy("状态"), max_length=16, choices=State.choices, default=State.PLANNED)
    # The recommendation it came from, when it came from one (else assigned by hand).
    from_recommendation = models.BooleanField(default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "assigned_on", "pk"]
        indexes = [models.Index(fields=["household", "assigned_on"], name="measures_household_on"),
                   models.Index(fields=["measure", "state"], name="measures_measure_state")]
