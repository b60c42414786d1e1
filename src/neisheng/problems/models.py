"""The problem ledger (grid.md, 问题台账销号): open → resolved with evidence → closed by
a different reviewer, or back to open with a reason. The steps are problems/workflow.py
(platform Transitions: who, the step's own date, when recorded, why); nothing is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class Category(models.TextChoices):
    INCOME = "income", gettext_lazy("收入")
    HOUSING = "housing", gettext_lazy("住房")
    EDUCATION = "education", gettext_lazy("教育")
    MEDICAL = "medical", gettext_lazy("医疗")
    WATER = "water", gettext_lazy("饮水")
    EMPLOYMENT = "employment", gettext_lazy("就业")
    POLICY = "policy", gettext_lazy("政策落实")
    OTHER = "other", gettext_lazy("其他")


class State(models.TextChoices):
    OPEN = "open", gettext_lazy("待整改")
    RESOLVED = "resolved", gettext_lazy("已整改待审核")
    CLOSED = "closed", gettext_lazy("已销号")


# An open or resolved problem is not closed: it blocks a risk elimination (cases.md's
# condition 4) and may be overdue.
UNCLOSED_STATES = (State.OPEN, State.RESOLVED)


class Problem(models.Model):
    division_field = "division_code"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="problems")
    division_code = models.CharField(max_length=12, db_index=True)
    category = models.CharField(gettext_lazy("类别"), max_length=16, choices=Category.choices)
    description = models.TextField(gettext_lazy("问题描述"))
    responsible = models.ForeignKey("grid.Cadre", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="problems", verbose_name=gettext_lazy("责任人"))
    raised_on = models.DateField(gettext_lazy("发现日期"))
    # raised_on + the policy's problem_days unless given.
    deadline = models.DateField(gettext_lazy("整改期限"))
    state = models.CharField(gettext_lazy("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    # The latest resolution (each earlier one stays in the transitions and its evidence).
    resolution = models.TextField(gettext_lazy("整改情况"), blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    reopened_times = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["state", "deadline"])]


class Evidence(models.Model):
    """A photo or document proving a resolution; kept with its checksum, never replaced."""

    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="evidence")
    # Which resolution it belongs to (1 for the first, 2 after one reopening, ...).
    round = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="problems/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "pk"]
