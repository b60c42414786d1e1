"""The responsibility grid (grid.md, 三级网格): cadres, and who is paired with what.

Three kinds of pair, each with its history: a leader with a village (包村), an
assistance cadre with a household (包户, at most the policy's `max_per_cadre` unless the
cadre has a capacity of its own) and a village cadre with an area of a village (包片).
A pair is never deleted nor edited into another pair: it ends (ended_on, by whom, why)
and a new pair begins, so the grid on any past day can be read back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords


class CadreKind(models.TextChoices):
    LEADER = "leader", gettext_lazy("包村领导")
    ASSISTANCE = "assistance", gettext_lazy("帮扶责任人")
    VILLAGE = "village", gettext_lazy("村干部")


class PairSource(models.TextChoices):
    MANUAL = "manual", gettext_lazy("手工结对")
    IMPORT = "import", gettext_lazy("工作簿导入")
    AUTO = "auto", gettext_lazy("自动分配")


class Cadre(models.Model):
    # The place the cadre serves (a village, a town or a county: 12 digits), which is
    # also what scope filters on.
    division_field = "division_code"

    cadre_id = models.CharField(gettext_lazy("干部编号"), max_length=32, unique=True)
    name = models.CharField(gettext_lazy("姓名"), max_length=64)
    kind = models.CharField(gettext_lazy("类别"), max_length=16, choices=CadreKind.choices,
                            default=CadreKind.ASSISTANCE)
    unit = models.CharField(gettext_lazy("工作单位"), max_length=100, blank=True)
    post = models.CharField(gettext_lazy("职务"), max_length=64, blank=True)
    division_code = models.CharField(gettext_lazy("服务区划"), max_length=12, db_index=True)
    phone = models.CharField(gettext_lazy("联系电话"), max_length=20, blank=True)
    photo = models.FileField(gettext_lazy("照片"), upload_to="grid/photos/", blank=True)
    # None: the policy's max_per_cadre.
    capacity = models.PositiveSmallIntegerField(gettext_lazy("包户上限"), null=True, blank=True)
    # The platform account of the cadre, for "my households" and the week's visits.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="cadre")
    active = models.BooleanField(gettext_lazy("在岗"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["division_code", "name", "cadre_id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.cadre_id}）"


class AssignmentRun(models.Model):
    """One press of the "assign" button: the engine's assignment on the database."""

    division_field = "division_code"

    division_code = models.CharField(max_length=12, db_index=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    assigned = models.PositiveIntegerField(default=0)
    kept = models.PositiveIntegerField(default=0)
    unassigned = models.PositiveIntegerField(default=0)
    total_cost = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]


class _Pair(models.Model):
    started_on = models.DateField(gettext_lazy("结对日期"))
    ended_on = models.DateField(gettext_lazy("解除日期"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    end_reason = models.TextField(gettext_lazy("解除原因"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class CadrePair(_Pair):
    """包户: an assistance cadre and a household."""

    division_field = "division_code"

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="household_pairs")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="cadre_pairs")
    # The household's village when paired.
    division_code = models.CharField(max_length=12, db_index=True)
    source = models.CharField(gettext_lazy("来源"), max_length=16, choices=PairSource.choices,
                              default=PairSource.MANUAL)
    assignment = models.ForeignKey(AssignmentRun, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="pairs")

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(ended_on__isnull=True),
                                    name="grid_one_cadre_per_household"),
        ]


class LeaderPair(_Pair):
    """包村: a leader and a village."""

    division_field = "village_id"

    leader = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="village_pairs")
    village = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="leader_pairs")

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["village"], condition=models.Q(ended_on__isnull=True),
                                    name="grid_one_leader_per_village"),
        ]


class AreaPair(_Pair):
    """包片: a village cadre and an area of a village (e.g. "一组、二组")."""

    division_field = "village_id"

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="area_pairs")
    village = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="area_pairs")
    area = models.CharField(gettext_lazy("片区"), max_length=64)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["village", "area"], condition=models.Q(ended_on__isnull=True),
                                    name="grid_one_cadre_per_area"),
        ]
