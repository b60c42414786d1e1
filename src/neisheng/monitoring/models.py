"""The latest monitoring run's results, loaded from the engine's output files so that
lists can filter by risk and the household page can show why."""

from __future__ import annotations

from django.db import models

from neisheng.engine.measures import MEASURE_LABELS

RISK_CHOICES = [("red", "红色 red"), ("yellow", "黄色 yellow"), ("green", "绿色 green")]
MONITOR_TYPE_CHOICES = [
    ("unstable_lifted", "脱贫不稳定户"), ("marginal", "边缘易致贫户"), ("sudden_hardship", "突发严重困难户"),
]
STABILITY_CHOICES = [("stable", "稳定"), ("consolidating", "巩固"), ("borderline", "临界")]


class MonitoringRun(models.Model):
    year = models.PositiveSmallIntegerField("监测年度 year")
    policy = models.CharField("政策 policy", max_length=200, default="default")
    started_at = models.DateTimeField(auto_now_add=True)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]


class HouseholdResult(models.Model):
    household = models.OneToOneField(
        "registry.Household", on_delete=models.CASCADE, primary_key=True, related_name="result"
    )
    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="results")
    size = models.PositiveSmallIntegerField()
    income_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    prev_income_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    rigid_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    risk = models.CharField("风险 risk", max_length=8, choices=RISK_CHOICES, null=True, db_index=True)
    reasons = models.CharField(max_length=300, blank=True)
    monitor_type = models.CharField(max_length=16, choices=MONITOR_TYPE_CHOICES, null=True)
    stability = models.CharField(max_length=16, choices=STABILITY_CHOICES, null=True)
    motivation_score = models.FloatField(null=True)
    motivation_poor = models.BooleanField(null=True)


class RecommendedMeasure(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="recommended_measures")
    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="measures")
    measure = models.CharField(max_length=32, choices=list(MEASURE_LABELS.items()))
    person_id = models.CharField(max_length=18, blank=True)
    explanation = models.CharField(max_length=300)

    class Meta:
        ordering = ["household_id", "id"]
