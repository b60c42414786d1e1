"""The one write path of household files and students' files (archives.md).

Who may write: ARCHIVES_UPLOAD (PermissionDenied otherwise), for a household the user
sees (Http404 otherwise, as for one that does not exist). Every write is one audit event
naming the household's village.

An upload is checked before anything is stored: larger than the policy's
`archives_max_file_mb` is refused before it is read through (the declared size first,
then the bytes counted as they are hashed), and its type is read from its content
(engine.archives.content_kind): a renamed executable is refused whatever its name says.
What is kept is the bytes as they came, under a name of our own (the document, the
version, the checksum), never the uploader's file name, which is kept as data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neisheng.accounts.access import ARCHIVES_UPLOAD
from neisheng.accounts.services import audit_record
from neisheng.archives.models import (
    CATEGORY_LABELS,
    DOCUMENT_TYPE_LABELS,
    Document,
    DocumentVersion,
    StudentAid,
    StudentFile,
    StudentPlan,
)
from neisheng.engine import archives as engine
from neisheng.engine.schema import SCHOOLING
from neisheng.platform import scope
from neisheng.platform.access import require
from neisheng.registry.models import Household, Person

YEAR_MIN, YEAR_MAX = 2000, 2100
AMOUNT_MAX = Decimal("99999999.99")
_HASH_CHUNK = 1024 * 1024


def archives_policy():
    from neisheng.monitoring.policies import policy_current

    return policy_current().policy


def _refused(message, **params) -> ValidationError:
    return ValidationError(message, params=params or None)


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(problems)


def _recorder(user):
    return user if getattr(user, "is_authenticated", False) else None


def _household_in_scope(user, household) -> Household:
    key = household.pk if isinstance(household, Household) else household
    found = scope.visible_to(user, Household).filter(pk=key).first()
    if found is None:
        raise Http404("no such household")
    return found


def _not_future(value, name: str, problems: dict) -> None:
    if value is not None and value > timezone.localdate():
        problems.setdefault(name, []).append(_refused(_("日期不能晚于今天。")))


# --------------------------------------------------------------------------- uploads


def file_checked(upload, *, max_mb: int | None = None) -> tuple[str, int, str, str]:
    """(sha256, size, content type, extension) of an upload that may be kept, or a
    ValidationError on "file" naming what is wrong. Memory stays bounded: the file is
    read in chunks of a megabyte, at most up to the limit."""
    max_mb = archives_policy().archives_max_file_mb if max_mb is None else max_mb
    limit = max_mb * 1024 * 1024
    if upload is None:
        raise ValidationError({"file": [_refused(_("请选择文件。"))]})
    too_large = ValidationError({"file": [_refused(_("文件超过 %(mb)s MB 的上限,未保存。"), mb=max_mb)]})
    if (getattr(upload, "size", 0) or 0) > limit:
        raise too_large
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    while chunk := upload.read(_HASH_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        digest.update(chunk)
    if size == 0:
        raise ValidationError({"file": [_refused(_("文件是空的。"))]})
    kind = engine.content_kind(upload)
    if kind is None:
        raise ValidationError({"file": [_refused(_(
            "只能上传 PDF、图片、文档或 Excel 表格:这个文件的内容不是其中任何一种(无论文件名如何),未保存。"))]})
    content_type, extension = engine.KINDS[kind]
    upload.seek(0)
    return digest.hexdigest(), size, content_type, extension


def _version_save(*, user, document: Document, upload, number: int, reason: str) -> DocumentVersion:
    sha256, size, content_type, extension = file_checked(upload)
    version = DocumentVersion(document=document, number=number, sha256=sha256, size=size,
                              content_type=content_type, original_name=Path(upload.name or "").name[:255] or "-",
                              reason=(reason or "").strip()[:200], uploaded_by=_recorder(user))
    # Our own name: never the uploader's (which could be anything), never one that exists.
    version.file.save(f"{document.household_id}-{document.pk}-v{number}-{sha256[:12]}{extension}", upload,
                      save=False)
    version.save()
    return version


def _choices_checked(*, category: str, doc_type: str, problems: dict) -> None:
    if category not in CATEGORY_LABELS:
        problems["category"] = [_refused(_("档案类别不是允许的取值。"))]
    if doc_type not in DOCUMENT_TYPE_LABELS:
        problems["doc_type"] = [_refused(_("文件类型不是允许的取值。"))]


@transaction.atomic
def document_upload(*, user, household, category: str, doc_type: str, title: str, dated_on: dt.date, file,
                    person: Person | None = None, reason: str = "", request=None) -> Document:
    """A new document of the household's file, with its first version."""
    require(user, ARCHIVES_UPLOAD)
    household = _household_in_scope(user, household)
    problems: dict = {}
    _choices_checked(category=category, doc_type=doc_type, problems=problems)
    if not (title or "").strip():
        problems["title"] = [_refused(_("请填写文件名称。"))]
    if dated_on is None:
        problems["dated_on"] = [_refused(_("请填写文件日期。"))]
    _not_future(dated_on, "dated_on", problems)
    if person is not None and person.household_id != household.pk:
        problems["person"] = [_refused(_("这个人不是这户的成员。"))]
    try:
        file_checked(file)
    except ValidationError as error:
        problems.update(error.error_dict)
    _raise(problems)
    document = Document.objects.create(division_code=household.village_id, household=household, category=category,
                                       doc_type=doc_type, title=title.strip()[:120], dated_on=dated_on, person=person,
                                       created_by=_recorder(user))
    version = _version_save(user=user, document=document, upload=file, number=1, reason=reason)
    audit_record(user=user, action="create", division_code=household.village_id, object_type="archive_document",
                 object_id=str(document.pk),
                 detail={"household": household.pk, "category": category, "doc_type": doc_type,
                         "title": document.title, "version": 1, "sha256": version.sha256, "size": version.size,
                         "file": version.original_name[:120]},
                 request=request)
    return document


@transaction.atomic
def document_version_add(*, user, document: Document, file, reason: str, request=None) -> DocumentVersion:
    """A new version of a document; the earlier ones stay as they were. The reason is
    required: a file replaced says why."""
    require(user, ARCHIVES_UPLOAD)
    document = scope.visible_to(user, Document).select_for_update().filter(pk=document.pk).first()
    if document is None:
        raise Http404("no such document")
    problems: dict = {}
    if not (reason or "").strip():
        problems["reason"] = [_refused(_("请说明为什么上传新版本。"))]
    try:
        file_checked(file)
    except ValidationError as error:
        problems.update(error.error_dict)
    _raise(problems)
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _version_save(user=user, document=document, upload=file, number=number, reason=reason)
    audit_record(user=user, action="update", division_code=document.division_code, object_type="archive_document",
                 object_id=str(document.pk),
                 detail={"household": document.household_id, "version": number, "sha256": version.sha256,
                         "size": version.size, "reason": version.reason, "file": version.original_name[:120]},
                 request=request)
    return version


# --------------------------------------------------------------------------- students


def student_candidates(household: Household):
    """Members of the household in school (the registry's 在校生状况) without a file yet."""
    return (household.members.filter(alive=True).exclude(schooling="not_in_school")
            .exclude(student_file__isnull=False).order_by("birth_date", "person_id"))


@transaction.atomic
def student_file_open(*, user, person: Person, school: str, stage: str, grade: str = "", enrolled_year: int,
                      opened_on: dt.date | None = None, request=None) -> StudentFile:
    """一人一档案 for a member in school of a household whose status the policy names."""
    require(user, ARCHIVES_UPLOAD)
    household = _household_in_scope(user, person.household_id)
    problems: dict = {}
    statuses = archives_policy().archives_student_statuses
    if household.status not in statuses:
        problems["person"] = [_refused(_("只有脱贫户、监测户等政策规定类型农户的学生建立学生档案。"))]
    elif StudentFile.objects.filter(person=person).exists():
        problems["person"] = [_refused(_("这名学生已有档案。"))]
    if not (school or "").strip():
        problems["school"] = [_refused(_("请填写学校。"))]
    if stage not in SCHOOLING or stage == "not_in_school":
        problems["stage"] = [_refused(_("学段不是允许的取值。"))]
    if not isinstance(enrolled_year, int) or not YEAR_MIN <= enrolled_year <= YEAR_MAX:
        problems["enrolled_year"] = [_refused(_("年度应在 2000 至 2100 之间。"))]
    opened_on = opened_on or timezone.localdate()
    _not_future(opened_on, "opened_on", problems)
    _raise(problems)
    student = StudentFile.objects.create(division_code=household.village_id, household=household, person=person,
                                         school=school.strip()[:100], stage=stage, grade=(grade or "").strip()[:40],
                                         enrolled_year=enrolled_year, opened_on=opened_on,
                                         created_by=_recorder(user))
    audit_record(user=user, action="create", division_code=household.village_id, object_type="student_file",
                 object_id=str(student.pk),
                 detail={"household": household.pk, "school": student.school, "stage": stage,
                         "enrolled_year": enrolled_year},
                 request=request)
    return student


def _student_in_scope(user, student: StudentFile) -> StudentFile:
    found = scope.visible_to(user, StudentFile).select_for_update().filter(pk=student.pk).first()
    if found is None:
        raise Http404("no such student file")
    return found


@transaction.atomic
def student_aid_add(*, user, student: StudentFile, year: int, kind: str, amount, source: str,
                    request=None) -> StudentAid:
    require(user, ARCHIVES_UPLOAD)
    student = _student_in_scope(user, student)
    problems: dict = {}
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        problems["year"] = [_refused(_("年度应在 2000 至 2100 之间。"))]
    if kind not in StudentAid.Kind.values:
        problems["kind"] = [_refused(_("资助类型不是允许的取值。"))]
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if not Decimal(0) < amount <= AMOUNT_MAX:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems["amount"] = [_refused(_("金额应大于 0。"))]
    if not (source or "").strip():
        problems["source"] = [_refused(_("请填写资助来源。"))]
    _raise(problems)
    aid = StudentAid.objects.create(student=student, year=year, kind=kind, amount=amount,
                                    source=source.strip()[:100], recorded_by=_recorder(user))
    audit_record(user=user, action="create", division_code=student.division_code, object_type="student_aid",
                 object_id=str(aid.pk),
                 detail={"student_file": student.pk, "year": year, "kind": kind, "amount": str(amount),
                         "source": aid.source},
                 request=request)
    return aid


@transaction.atomic
def student_plan_save(*, user, student: StudentFile, text: str, made_on: dt.date, reason: str = "",
                      request=None) -> StudentPlan:
    """A new version of the student's aid plan; from the second on, the reason is required."""
    require(user, ARCHIVES_UPLOAD)
    student = _student_in_scope(user, student)
    number = (student.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    problems: dict = {}
    if not (text or "").strip():
        problems["text"] = [_refused(_("请填写帮扶方案。"))]
    if made_on is None:
        problems["made_on"] = [_refused(_("请填写制定日期。"))]
    _not_future(made_on, "made_on", problems)
    if number > 1 and not (reason or "").strip():
        problems["reason"] = [_refused(_("请说明为什么修改帮扶方案。"))]
    _raise(problems)
    plan = StudentPlan.objects.create(student=student, number=number, text=text.strip(), made_on=made_on,
                                      reason=(reason or "").strip()[:200], recorded_by=_recorder(user))
    audit_record(user=user, action="create" if number == 1 else "update", division_code=student.division_code,
                 object_type="student_plan", object_id=str(student.pk),
                 detail={"student_file": student.pk, "version": number, "made_on": made_on.isoformat(),
                         "reason": plan.reason},
                 request=request)
    return plan
