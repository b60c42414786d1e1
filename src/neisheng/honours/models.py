"""Model households (脱贫示范户评选, issue 16): a village's selection of a year, the
households nominated to it (by a cadre, by the village, or by the household itself),
their recorded acts of help, every score given (with the figures each criterion used),
and, once approved by the town, the motivation-poor households paired with them and the
meetings of each pair.

Rows are only added or moved through the workflow (honours.workflow): a new score is a
new row, a correction of a help act or a meeting is a new row beside the old one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Selection(models.Model):
    """A village's selection (评选) of one year."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    opened_on = models.DateField(gettext_lazy("开始日期"))
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "division_code"]
        constraints = [models.UniqueConstraint(fields=["division_code", "year"], name="honours_selection_once")]

    def __str__(self) -> str:
        return f"{self.division_code} {self.year}"


class Nomination(models.Model):
    """A household put forward in a selection, and where it stands."""

    division_field = "division_code"

    class Source(models.TextChoices):
        CADRE = "cadre", gettext_lazy("干部推荐")
        VILLAGE = "village", gettext_lazy("村组推荐")
        SELF = "self", gettext_lazy("农户自荐")

    class State(models.TextChoices):
        NOMINATED = "nominated", gettext_lazy("已推荐")
        SCORED = "scored", gettext_lazy("已评分")
        REVIEWING = "reviewing", gettext_lazy("村级评议公示中")
        APPROVED = "approved", gettext_lazy("已审定")
        REJECTED = "rejected", gettext_lazy("未通过")
        WITHDRAWN = "withdrawn", gettext_lazy("已撤回")

    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="nominations")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"),
                                  on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    source = models.CharField(gettext_lazy("推荐方式"), max_length=8, choices=Source.choices)
    nominated_by_name = models.CharField(gettext_lazy("推荐人"), max_length=100)
    nominated_on = models.DateField(gettext_lazy("推荐日期"))
    story = models.TextField(gettext_lazy("事迹"))
    state = models.CharField(gettext_lazy("状态"), max_length=12, choices=State.choices, default=State.NOMINATED,
                             db_index=True)
    # The latest score, kept beside its full history (Score rows) for lists and the cap.
    score_total = models.DecimalField(gettext_lazy("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-selection__year", "division_code", "-score_total", "pk"]
        constraints = [models.UniqueConstraint(fields=["selection", "household"], name="honours_nominated_once")]

    def __str__(self) -> str:
        return f"{self.household_id} ({self.selection.year})"

    @property
    def year(self) -> int:
        return self.selection.year

    @property
    def latest_score(self) -> Score | None:
        return self.scores.order_by("-pk").first()


class HelpAct(models.Model):
    """Help the nominated household gave others (帮助他人), as recorded with the nomination."""

    division_field = "nomination__division_code"

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="help_acts")
    done_on = models.DateField(gettext_lazy("日期"))
    text = models.CharField(gettext_lazy("帮助他人的事"), max_length=300)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_on", "pk"]


class Score(models.Model):
    """One scoring of a nomination: the total and each criterion's points, fraction and
    the figures it used (engine.honours), under the policy's weights of the day."""

    division_field = "nomination__division_code"

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="scores")
    scored_on = models.DateField(gettext_lazy("评分日期"))
    total = models.DecimalField(gettext_lazy("得分"), max_digits=5, decimal_places=2)
    criteria = models.JSONField(gettext_lazy("各项得分"))
    pass_score = models.DecimalField(gettext_lazy("合格分"), max_digits=5, decimal_places=2)
    scored_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]


class Pairing(models.Model):
    """A model household paired (结对) with a motivation-poor household of its village; the
    paired household's `morale_support` measure is assigned through the measures app."""

    division_field = "division_code"

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("结对农户"),
                                  on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(gettext_lazy("村"), max_length=12, db_index=True)
    paired_on = models.DateField(gettext_lazy("结对日期"))
    measure = models.ForeignKey("measures.AssignedMeasure", verbose_name=gettext_lazy("帮扶措施"),
                                on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(gettext_lazy("说明"), blank=True)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paired_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["nomination", "household"], name="honours_paired_once")]


class PairMeeting(models.Model):
    """A meeting of a pair (交流): the day, who came, what was discussed."""

    division_field = "pairing__division_code"

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="meetings")
    met_on = models.DateField(gettext_lazy("交流日期"))
    attendees = models.CharField(gettext_lazy("参加人员"), max_length=300)
    discussed = models.TextField(gettext_lazy("交流内容"))
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["met_on", "pk"]
