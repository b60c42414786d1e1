"""Surveys (surveys.md): questionnaires kept as the YAML the engine reads, one version per
change; surveys that issue one version; the responses returned to them (typed on the web,
on a phone, or imported from the paper questionnaires' workbook); and the registry changes
their mapped answers propose, which a reviewer accepts before they reach the registry.

A questionnaire is never edited in place: every change is a new version, and a survey
keeps the version it issued, so answers never change meaning under a new wording. The
engine (neisheng.engine.surveys) decides validity and computes the report from the rows
below; nothing here stores a verdict that the engine would compute.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Questionnaire(models.Model):
    """A questionnaire (问卷) of a division: its code and title; its wording is in its
    versions. A shipped template is copied into a division as its first version."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    code = models.CharField(gettext_lazy("问卷代码"), max_length=60)
    title = models.CharField(gettext_lazy("问卷标题"), max_length=200)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_code", "code", "pk"]
        constraints = [models.UniqueConstraint(fields=["division_code", "code"], name="surveys_questionnaire_code_once")]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> QuestionnaireVersion | None:
        return self.versions.order_by("-number").first()


class QuestionnaireVersion(models.Model):
    """One wording of a questionnaire: the YAML as saved (checked by the engine before it
    is), numbered from 1, with who changed it and why. Never edited after it is saved."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(gettext_lazy("版本"))
    source = models.TextField(gettext_lazy("问卷定义 (YAML)"))
    sha256 = models.CharField(max_length=64)
    reason = models.CharField(gettext_lazy("修改原因"), max_length=200, blank=True)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["questionnaire_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "number"], name="surveys_version_once")]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} v{self.number}"

    @property
    def division_code(self) -> str:
        return self.questionnaire.division_code


class Survey(models.Model):
    """A survey (一次调查): one questionnaire version issued in a division, with the number
    of questionnaires issued (发放) that the organiser enters; the responses are what came
    back. A closed survey takes no more responses."""

    class State(models.TextChoices):
        OPEN = "open", gettext_lazy("收集中")
        CLOSED = "closed", gettext_lazy("已结束")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("组织区划"), max_length=12, db_index=True)
    name = models.CharField(gettext_lazy("调查名称"), max_length=200)
    version = models.ForeignKey(QuestionnaireVersion, verbose_name=gettext_lazy("问卷版本"),
                                on_delete=models.PROTECT, related_name="surveys")
    issued = models.PositiveIntegerField(gettext_lazy("发放份数"))
    opened_on = models.DateField(gettext_lazy("开始日期"))
    closed_on = models.DateField(gettext_lazy("结束日期"), null=True, blank=True)
    state = models.CharField(gettext_lazy("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class SurveyImport(models.Model):
    """A workbook of paper questionnaires (the responses layout of surveys.md) as it came,
    and what became of it: applied whole or refused whole with every bad row named."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", gettext_lazy("已导入")
        REFUSED = "refused", gettext_lazy("已拒绝")

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="imports")
    file = models.FileField(gettext_lazy("文件"), upload_to="surveys/imports/%Y/%m/")
    file_name = models.CharField(gettext_lazy("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    outcome = models.CharField(gettext_lazy("结果"), max_length=16, choices=Outcome.choices)
    rows_written = models.PositiveIntegerField(gettext_lazy("写入行数"), default=0)
    problems = models.JSONField(default=list)
    uploaded_by = _recorder()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]


class Response(models.Model):
    """One returned questionnaire (一份回收问卷): who answered (the respondent's id as the
    organiser numbered it, the group), optionally the registry household it is about, and
    the answers as given (question code → the option keys, the number or the text). Kept
    as returned, valid or not: the engine lists the invalid ones with their reasons.

    `division_code` is the village's when one is given, else the survey's division, so a
    village cadre sees the responses of their village only."""

    class Source(models.TextChoices):
        WEB = "web", gettext_lazy("网页填写")
        PHONE = "phone", gettext_lazy("手机填写")
        IMPORT = "import", gettext_lazy("纸质问卷导入")

    division_field = "division_code"

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    respondent_id = models.CharField(gettext_lazy("问卷编号"), max_length=60)
    group = models.CharField(gettext_lazy("调查对象"), max_length=40)
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="survey_responses")
    village_code = models.CharField(gettext_lazy("村代码"), max_length=12, blank=True)
    answers = models.JSONField(gettext_lazy("答案"), default=dict)
    source = models.CharField(gettext_lazy("来源"), max_length=12, choices=Source.choices)
    answered_on = models.DateField(gettext_lazy("填写日期"))
    survey_import = models.ForeignKey(SurveyImport, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="responses")
    # A phone sends the same response again after a lost answer; the key makes that harmless.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True)
    entered_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The order responses were returned in is the order of the spreadsheet rows the
        # engine numbers (the first of two with one respondent id is the one kept).
        ordering = ["survey_id", "pk"]

    def __str__(self) -> str:
        return self.respondent_id


class RegistryProposal(models.Model):
    """An answer mapped to a contract field (e.g. `will` → `willingness`) proposes a
    change to the household it is about; a reviewer accepts it (written through the
    registry's one write path, this survey named as the source) or declines it with a
    reason. The household's value when proposed is kept so the reviewer sees both."""

    class State(models.TextChoices):
        PROPOSED = "proposed", gettext_lazy("待审核")
        ACCEPTED = "accepted", gettext_lazy("已写入台账")
        DECLINED = "declined", gettext_lazy("未采纳")

    division_field = "division_code"

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="proposals")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    question = models.CharField(gettext_lazy("题目"), max_length=60)
    field = models.CharField(gettext_lazy("台账字段"), max_length=60)
    value = models.JSONField(gettext_lazy("问卷答案"))
    value_before = models.JSONField(gettext_lazy("台账原值"), null=True, blank=True)
    state = models.CharField(gettext_lazy("状态"), max_length=12, choices=State.choices, default=State.PROPOSED)
    decided_by = _recorder()
    decided_on = models.DateField(gettext_lazy("审核日期"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["state", "household_id", "field", "pk"]
        constraints = [models.UniqueConstraint(fields=["response", "field"], name="surveys_proposal_once")]
