"""Household files (档案管理, archives.md): each household's file in the five categories
of 九州街道 (贫困户类, 精准识别类, 精准脱贫类, 精准施策类, 综合类), its documents and every
version of each, and one file per student of a lifted or monitored household
(一人一档案、一人一专案) with the aid received and an individual aid plan.

A household's file is not a row of its own: it is the household and a category. Nothing
here is edited after it is written: a new upload to a document is a new version (the old
one stays downloadable), a new aid plan is a new version of the plan, and the file kept
is the bytes as they came, with their SHA-256, in Django's default storage (the file
system, or an S3-compatible store in production: archives.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from neisheng.policy import ARCHIVE_CATEGORIES, ARCHIVE_DOCUMENT_TYPES

CATEGORY_LABELS = {
    "household": gettext_lazy("贫困户类"),
    "identification": gettext_lazy("精准识别类"),
    "exit": gettext_lazy("精准脱贫类"),
    "measures": gettext_lazy("精准施策类"),
    "general": gettext_lazy("综合类"),
}
DOCUMENT_TYPE_LABELS = {
    "hukou_book": gettext_lazy("户口簿"),
    "id_card": gettext_lazy("身份证"),
    "application": gettext_lazy("申请书"),
    "consent": gettext_lazy("承诺授权书"),
    "verification": gettext_lazy("入户核实表"),
    "review_record": gettext_lazy("评议记录"),
    "publicity": gettext_lazy("公示材料"),
    "approval_form": gettext_lazy("审批表"),
    "assistance_plan": gettext_lazy("帮扶计划"),
    "income_ledger": gettext_lazy("收入台账"),
    "exit_confirmation": gettext_lazy("脱贫确认书"),
    "visit_record": gettext_lazy("走访记录"),
    "photo": gettext_lazy("照片"),
    "enrolment": gettext_lazy("学籍证明"),
    "aid_receipt": gettext_lazy("资助凭证"),
    "student_plan": gettext_lazy("学生帮扶计划"),
    "other": gettext_lazy("其他"),
}
assert tuple(CATEGORY_LABELS) == ARCHIVE_CATEGORIES and tuple(DOCUMENT_TYPE_LABELS) == ARCHIVE_DOCUMENT_TYPES


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")


class Document(models.Model):
    """One document of a household's file (e.g. its 户口簿 under 贫困户类): what it is and
    its date; the file itself is in its versions. `person` names the member a student's
    documents are about."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"),
                                  on_delete=models.PROTECT, related_name="archive_documents")
    category = models.CharField(gettext_lazy("档案类别"), max_length=16, choices=list(CATEGORY_LABELS.items()))
    doc_type = models.CharField(gettext_lazy("文件类型"), max_length=24, choices=list(DOCUMENT_TYPE_LABELS.items()))
    title = models.CharField(gettext_lazy("文件名称"), max_length=120)
    dated_on = models.DateField(gettext_lazy("文件日期"))
    person = models.ForeignKey("registry.Person", verbose_name=gettext_lazy("成员"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+")
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "category", "doc_type", "-dated_on", "pk"]
        indexes = [models.Index(fields=["household", "category", "doc_type"])]

    def __str__(self) -> str:
        return self.title

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()


class DocumentVersion(models.Model):
    """One upload of a document, numbered from 1: the bytes as they came (their type read
    from the content, their size and SHA-256), the uploader's file name, who uploaded it,
    when, and why (a new version says what changed). Never edited or deleted."""

    division_field = "document__division_code"

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(gettext_lazy("版本"))
    file = models.FileField(gettext_lazy("文件"), upload_to="archives/%Y/%m/", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(gettext_lazy("大小(字节)"))
    content_type = models.CharField(gettext_lazy("文件格式"), max_length=100)
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=255)
    reason = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)
    uploaded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="archives_version_once")]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class StudentFile(models.Model):
    """一人一档案: a member in school of a household whose status the policy names
    (`archives_student_statuses`): where and what they study. The aid they received and
    their aid plan are rows of their own."""

    division_field = "division_code"

    division_code = models.CharField(gettext_lazy("区划"), max_length=12, db_index=True)
    household = models.ForeignKey("registry.Household", verbose_name=gettext_lazy("农户"),
                                  on_delete=models.PROTECT, related_name="student_files")
    person = models.OneToOneField("registry.Person", verbose_name=gettext_lazy("学生"), on_delete=models.PROTECT,
                                  related_name="student_file")
    school = models.CharField(gettext_lazy("学校"), max_length=100)
    stage = models.CharField(gettext_lazy("学段"), max_length=24)
    grade = models.CharField(gettext_lazy("年级"), max_length=40, blank=True)
    enrolled_year = models.PositiveSmallIntegerField(gettext_lazy("入学年份"))
    opened_on = models.DateField(gettext_lazy("建档日期"))
    created_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_code", "household_id", "pk"]

    @property
    def current_plan(self) -> StudentPlan | None:
        return self.plans.order_by("-number").first()


class StudentAid(models.Model):
    """Aid a student received (资助): the year, the kind, the amount and who paid it."""

    class Kind(models.TextChoices):
        TUITION = "tuition", gettext_lazy("学费减免")
        GRANT = "grant", gettext_lazy("助学金")
        LIVING = "living", gettext_lazy("生活补助")
        YULU = "yulu", gettext_lazy("雨露计划")
        LOAN = "loan", gettext_lazy("助学贷款")
        OTHER = "other", gettext_lazy("其他资助")

    division_field = "student__division_code"

    student = models.ForeignKey(StudentFile, on_delete=models.PROTECT, related_name="aid")
    year = models.PositiveSmallIntegerField(gettext_lazy("年度"))
    kind = models.CharField(gettext_lazy("资助类型"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(gettext_lazy("金额(元)"), max_digits=10, decimal_places=2)
    source = models.CharField(gettext_lazy("资助来源"), max_length=100)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student_id", "-year", "pk"]


class StudentPlan(models.Model):
    """一人一专案: the student's individual aid plan, one version per change (the text,
    the date it was made, who wrote it and why it changed)."""

    division_field = "student__division_code"

    student = models.ForeignKey(StudentFile, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField(gettext_lazy("版本"))
    text = models.TextField(gettext_lazy("帮扶方案"))
    made_on = models.DateField(gettext_lazy("制定日期"))
    reason = models.CharField(gettext_lazy("修改原因"), max_length=200, blank=True)
    recorded_by = _recorder()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["student_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["student", "number"], name="archives_plan_once")]
