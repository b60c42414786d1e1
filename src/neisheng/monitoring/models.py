"""Monitoring runs and their results, loaded from the engine's output files so that
lists can filter by risk and the household page can show why.

Every run is kept with its results and the policy it used: "the latest run" is a query
(`monitoring.selectors.latest_run`), never a deletion, so last year's or last month's
results stay readable beside today's."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from neisheng.engine import schema
from neisheng.engine.measures import MEASURE_LABELS


def _choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    # The contract's Chinese labels are the message ids of the English translation, so a
    # page shows "红色" or "Red", never both (i18n/data_labels.html keeps them in django.po).
    return [(code, gettext_lazy(label)) for code, label in labels.items()]


RISK_CHOICES = _choices(schema.RISK)
MONITOR_TYPE_CHOICES = _choices(schema.MONITOR_TYPE)
STABILITY_CHOICES = _choices(schema.STABILITY)


class MonitoringRun(models.Model):
    # A run over the whole registry has no division; a run over one county or town
    # names it, and `latest_run` finds the newest run covering a division.
    division_field = "division_code"

    year = models.PositiveSmallIntegerField(gettext_lazy("监测年度"))
    policy = models.CharField(gettext_lazy("政策"), max_length=200, default="default")
    policy_text = models.TextField(gettext_lazy("政策全文"), blank=True)
    policy_sha256 = models.CharField(max_length=64, blank=True)
    division_code = models.CharField(max_length=12, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(gettext_lazy("用时(秒)"), null=True)
    households = models.PositiveIntegerField(default=0)
    # cases.md: a run answers at once and `finished_at` stays empty until its results
    # are stored; a run that failed keeps its one-sentence error.
    finished_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)
    error = models.TextField(gettext_lazy("错误"), blank=True)
    job_id = models.PositiveIntegerField(null=True, blank=True)
    policy_version = models.ForeignKey(
        "monitoring.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    red = models.PositiveIntegerField(default=0)
    yellow = models.PositiveIntegerField(default=0)
    green = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["year", "-started_at"], name="monitoring_run_year_latest")]

    def __str__(self) -> str:
        return f"{self.year} #{self.pk} ({self.policy})"

    def resolved_policy(self):
        """The policy this run used (its stored text), so pages showing the run explain it
        with its own thresholds; runs from before policies were stored use the default."""
        if not self.policy_text:
            from neisheng.policy import load_policy

            return load_policy()
        return _policy_from_text(self.policy_text, self.policy)


@functools.lru_cache(maxsize=32)
def _policy_from_text(text: str, source: str):
    # A page shows one run many times; its stored policy is parsed once per process.
    from neisheng.policy import policy_from_text

    return policy_from_text(text, source=source)


class HouseholdResult(models.Model):
    division_field = "household__village_id"

    # No index of their own: (run, household) and (household, run) below serve every
    # lookup by either, and each index more is maintained for every row a run copies in.
    # No database constraint on the run: PostgreSQL would check each of a county's million
    # copied rows on its own at commit, though the run is this transaction's own row and a
    # run is deleted only through the ORM, which deletes its results first.
    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="results", db_index=False,
                            db_constraint=False)
    # No database constraint on the household either: the store keeps only households it
    # read under registry.holds' lock, which every deletion of households waits for.
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="monitoring_results", db_index=False,
        db_constraint=False,
    )
    size = models.PositiveSmallIntegerField()
    income_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    prev_income_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    rigid_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    risk = models.CharField(gettext_lazy("风险"), max_length=8, choices=RISK_CHOICES, null=True)
    reasons = models.CharField(max_length=300, blank=True)
    monitor_type = models.CharField(max_length=16, choices=MONITOR_TYPE_CHOICES, null=True)
    stability = models.CharField(max_length=16, choices=STABILITY_CHOICES, null=True)
    motivation_score = models.FloatField(null=True)
    motivation_poor = models.BooleanField(null=True)
    # The motivation indicators the household is deprived in ("will;skill"), from the
    # engine's d_<indicator> columns, so the portrait and dashboards read them per run.
    deprived = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="monitoring_result_one_per_run"),
        ]
        # The lists filter the latest run's results by risk or motivation and join them
        # to households: (run, risk) and (run, motivation_poor) serve those filters.
        indexes = [
            models.Index(fields=["run", "risk"], name="monitoring_result_run_risk"),
            models.Index(fields=["run", "motivation_poor"], name="monitoring_result_run_poor"),
            models.Index(fields=["household", "run"], name="monitoring_result_household"),
        ]

    @property
    def reason_codes(self) -> list[str]:
        return [r for r in self.reasons.split(";") if r]

    @property
    def reason_labels(self) -> list[str]:
        return [schema.REASON.get(r, r) for r in self.reason_codes]


class RecommendedMeasure(models.Model):
    division_field = "household__village_id"

    # No index of its own on the household: every reader asks for a run's measures, of
    # one household or of many, which (run, household) below serves; two indexes more
    # (Django adds a LIKE twin to a text key) cost a run's 2.85 M copied rows about 40 s.
    # As HouseholdResult.household: unchecked at the database, kept by registry.holds.
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="recommended_measures",
                                  db_index=False, db_constraint=False)
    # As HouseholdResult.run: a run's millions of measures are not checked row by row.
    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="measures", db_index=False,
                            db_constraint=False)
    measure = models.CharField(max_length=32, choices=_choices(MEASURE_LABELS))
    person_id = models.CharField(max_length=18, blank=True)
    explanation = models.CharField(max_length=300)

    class Meta:
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["run", "household"], name="monitoring_measure_run_house")]


class PolicyVersion(models.Model):
    """A policy YAML as a county officer saved it. Versions are only ever added (the
    history); `active` marks the one version of each year that runs use."""

    year = models.PositiveSmallIntegerField(gettext_lazy("政策年度"))
    text = models.TextField(gettext_lazy("政策全文"))
    sha256 = models.CharField(max_length=64)
    note = models.CharField(gettext_lazy("修改说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(gettext_lazy("启用"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Who last activated it (every activation is also in the audit log).
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year"], condition=models.Q(active=True),
                                    name="monitoring_policy_one_active_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.pk}"


class RegionSummary(models.Model):
    """One row of a run's region_summary.parquet: a division at any level with its counts,
    motivation index (H, A, M0, censored headcounts, contributions), FGT0/1/2 and Watts,
    computed once per run so no dashboard aggregates a million rows on view. `values`
    holds the contract's columns other than code, name, level and parent_code."""

    division_field = "code"

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="regions")
    code = models.CharField(max_length=12)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField()
    parent_code = models.CharField(max_length=12, blank=True, default="")
    values = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="monitoring_region_one_per_run")]
        indexes = [models.Index(fields=["run", "parent_code"], name="monitoring_region_children")]


class Reevaluation(models.Model):
    """A household's result re-evaluated by the engine right after an edit of its records,
    with the active policy: pages show it (marked as changed since the run) until a newer
    run covers the household. One row per household, replaced at each re-evaluation."""

    division_field = "household__village_id"

    household = models.OneToOneField(
        "registry.Household", on_delete=models.CASCADE, primary_key=True, related_name="reevaluation"
    )
    base_run = models.ForeignKey(MonitoringRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evaluated_at = models.DateTimeField()
    policy_sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveSmallIntegerField(default=0)
    income_pc = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    risk = models.CharField(max_length=8, choices=RISK_CHOICES, null=True)
    reasons = models.CharField(max_length=300, blank=True)
    monitor_type = models.CharField(max_length=16, choices=MONITOR_TYPE_CHOICES, null=True)
    stability = models.CharField(max_length=16, choices=STABILITY_CHOICES, null=True)
    motivation_score = models.FloatField(null=True)
    motivation_poor = models.BooleanField(null=True)
    deprived = models.CharField(max_length=200, blank=True, default="")
    # Whether risk or reasons differ from the household's result in base_run.
    changed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["risk", "evaluated_at"], name="monitoring_reeval_risk")]


class ScopeFigures(models.Model):
    """Figures of one scope's home page as a run left them (the key figures, the warnings
    card), counted once as the run is stored so that the first visit after a run, or after
    a restart, reads one row instead of aggregating a county's million households. Valid
    only while `version` (registry.selectors.figures.figures_version) is current: any
    later write makes the page count for itself again."""

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="scope_figures", db_index=False)
    code = models.CharField(max_length=12, blank=True)  # "" for the unbounded scope (an administrator)
    name = models.CharField(max_length=40)  # registry.selectors.figures.cached_for_scope's name
    version = models.CharField(max_length=200)
    # The figures as the page computes them (Decimal shares, tuples), pickled like a cache
    # entry of Django's database cache, so what is read back is exactly what was counted.
    value = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "code", "name"], name="monitoring_scope_figures_one")]
