"""Monitoring cases (cases.md): how a household becomes a monitored household and how its
risk is eliminated. The states and who may make each step are cases/workflow.py; the
rules that refuse a step (two checkers, a notice of 5 days, the elimination conditions,
deadlines on the working-day calendar) are neisheng.engine.cases. Every step is a
platform Transition (who, the step's own date, when recorded, the note) with its fields
in a CaseStep; nothing is ever deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from neisheng.monitoring.models import MONITOR_TYPE_CHOICES


class State(models.TextChoices):
    REPORTED = "reported", gettext_lazy("已登记")
    VERIFIED = "verified", gettext_lazy("已入户核实")
    COMPARED = "compared", gettext_lazy("已信息比对")
    VILLAGE_REVIEWED = "village_reviewed", gettext_lazy("已民主评议")
    PUBLICIZED = "publicized", gettext_lazy("公示中")
    TOWN_REVIEWED = "town_reviewed", gettext_lazy("乡镇已审核")
    MONITORING = "monitoring", gettext_lazy("监测中")
    REJECTED = "rejected", gettext_lazy("不予纳入")
    ELIMINATION_PROPOSED = "elimination_proposed", gettext_lazy("已提出风险消除")
    ELIMINATION_PUBLICIZED = "elimination_publicized", gettext_lazy("风险消除公示中")
    RISK_ELIMINATED = "risk_eliminated", gettext_lazy("风险已消除")


# A case in one of these states is closed; any other state is open (one open case per household).
CLOSED_STATES = (State.REJECTED, State.RISK_ELIMINATED)
# Identification ends at county approval or rejection: the deadline applies before that.
IDENTIFICATION_STATES = (State.REPORTED, State.VERIFIED, State.COMPARED, State.VILLAGE_REVIEWED,
                         State.PUBLICIZED, State.TOWN_REVIEWED)


class Channel(models.TextChoices):
    SELF_REPORT = "self_report", gettext_lazy("农户自主申报")
    CADRE_SCREENING = "cadre_screening", gettext_lazy("干部走访排查")
    DEPARTMENT_SCREENING = "department_screening", gettext_lazy("部门筛查预警")
    MONITORING_RUN = "monitoring_run", gettext_lazy("监测预警清单")


class MonitoringCase(models.Model):
    division_field = "household__village_id"

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="monitoring_cases")
    channel = models.CharField(gettext_lazy("渠道"), max_length=24, choices=Channel.choices)
    state = models.CharField(gettext_lazy("状态"), max_length=24, choices=State.choices, default=State.REPORTED)
    reported_on = models.DateField(gettext_lazy("登记日期"))
    reason = models.TextField(gettext_lazy("申报或发现的理由"))
    # Identification's deadline (reported_on + identification_days, on the calendar the
    # policy names), fixed when the case is opened.
    deadline = models.DateField(gettext_lazy("识别期限"))
    # Proposed from the latest run when opened; set by the county approval.
    monitor_type = models.CharField(gettext_lazy("监测对象类型"), max_length=16, choices=MONITOR_TYPE_CHOICES,
                                    blank=True, default="")
    warning_row = models.ForeignKey("warninglists.WarningRow", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="cases")
    # A department feed's finding (issue 12); kept as text until feeds exist.
    finding_ref = models.CharField(gettext_lazy("部门预警线索"), max_length=100, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    # The household's registry status before approval, restored when the risk is eliminated.
    status_before = models.CharField(max_length=16, blank=True, default="")
    # The day the household last entered monitoring (approval, or a return to monitoring
    # after a risk elimination): the elimination conditions count months from it.
    monitoring_since = models.DateField(null=True, blank=True)
    # The notice now posted (inclusion or elimination), for the printable notice page.
    notice_start = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=~models.Q(state__in=CLOSED_STATES),
                                    name="cases_one_open_per_household"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="cases_state_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} #{self.pk}"


def _consent_path(step: CaseStep, filename: str) -> str:
    return f"cases/{step.case_id}/{filename}"


class CaseStep(models.Model):
    """The fields one step recorded (cases.md's "the step's fields"), beside the platform
    Transition that logs who made it, its date and its note."""

    division_field = "case__household__village_id"

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="steps")
    transition = models.OneToOneField("neisheng_platform.Transition", on_delete=models.PROTECT, related_name="+")
    to_state = models.CharField(max_length=24, choices=State.choices)
    # checkers, consent, findings, participants, agreed, notice_end, objections,
    # town_reviewed_on, monitor_type: whichever the step takes.
    data = models.JSONField(default=dict)
    # The household's signed authorisation (承诺授权书) scanned, for a home check.
    consent_scan = models.FileField(upload_to=_consent_path, blank=True)

    class Meta:
        ordering = ["pk"]


class SelfReport(models.Model):
    """A submission of the public self-report form (农户自主申报), matched or not. The form
    answers the same whether or not the head's name and ID number match a household, so
    no one learns from it whether a number exists; officers of the village see every
    submission (the ID number masked unless revealed, audited)."""

    division_field = "village_code"

    class Status(models.TextChoices):
        MATCHED = "matched", gettext_lazy("已匹配并登记")
        UNMATCHED = "unmatched", gettext_lazy("未匹配")
        HANDLED = "handled", gettext_lazy("已处理")

    submitted_at = models.DateTimeField(auto_now_add=True)
    village_code = models.CharField(gettext_lazy("所在村"), max_length=12, db_index=True)
    head_name = models.CharField(gettext_lazy("户主姓名"), max_length=50)
    id_number = models.CharField(gettext_lazy("户主身份证号"), max_length=18)
    phone = models.CharField(gettext_lazy("联系电话"), max_length=20, blank=True)
    reason = models.TextField(gettext_lazy("申报理由"))
    household = models.ForeignKey("registry.Household", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    case = models.ForeignKey(MonitoringCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    # A keyed hash of the sender's address, for the rate limit; never the address itself.
    sender_hash = models.CharField(max_length=64, db_index=True)
    # Filed by a cadre on the household's behalf (null for the public form).
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    handled_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
