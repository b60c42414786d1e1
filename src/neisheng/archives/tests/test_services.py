"""The one write path of household files: a document's type read from its content (a
renamed executable refused), the policy's size limit, a new version that keeps the old
one, nothing half-written when refused, every write audited with its village; students'
files; and the documents the other apps hold counted by the completeness check."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.accounts.models import AuditEvent
from neisheng.archives import selectors, services
from neisheng.archives.models import Document, DocumentVersion, StudentFile, StudentPlan
from neisheng.archives.tests.conftest import DATED, TODAY, upload_document
from neisheng.archives.tests.files import (
    docx_bytes,
    exe_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (pdf_bytes(), "申请书.pdf", "application/pdf"),
    (jpeg_bytes(), "户口簿.jpg", "image/jpeg"),
    (png_bytes(), "scan", "image/png"),                       # no extension: the content says what it is
    (docx_bytes(), "申请书.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (xlsx_bytes(), "收入台账.pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_an_upload_is_typed_by_its_content_and_kept_as_it_came(cadre, lifted, settings, content, name,
                                                                content_type):
    document = upload_document(cadre, lifted, content, name=name)
    version = document.current
    assert version.number == 1 and version.content_type == content_type
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.size == len(content)
    assert version.original_name == name
    with version.file.open("rb") as handle:
        assert handle.read() == content
    # Stored under a name of our own, with the extension of what it really is.
    stored = Path(version.file.name).name
    assert stored.startswith(f"{lifted.pk}-{document.pk}-v1-{version.sha256[:12]}") and name not in stored
    event = AuditEvent.objects.get(object_type="archive_document", object_id=str(document.pk))
    assert event.action == "create" and event.division_code == lifted.village_id
    assert event.detail["sha256"] == version.sha256 and event.user == cadre


@pytest.mark.parametrize("name", ["户口簿.pdf", "setup.exe", "photo.jpg"])
def test_a_renamed_executable_is_refused_and_nothing_is_kept(cadre, lifted, settings, name):
    with pytest.raises(ValidationError) as refused:
        upload_document(cadre, lifted, exe_bytes(), name=name)
    assert "只能上传 PDF、图片、文档或 Excel 表格" in str(refused.value.message_dict["file"])
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert stored_files(settings) == []
    assert not AuditEvent.objects.filter(object_type="archive_document").exists()


def test_a_file_over_the_policy_s_limit_is_refused(cadre, lifted, settings, monkeypatch):
    real = services.archives_policy
    monkeypatch.setattr(services, "archives_policy", lambda: dataclasses.replace(real(), archives_max_file_mb=1))
    big = png_bytes() + b"\x00" * (1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        upload_document(cadre, lifted, big, name="big.png")
    assert "1 MB" in str(refused.value.message_dict["file"])
    assert not Document.objects.exists() and stored_files(settings) == []
    # Just under the limit is kept.
    assert upload_document(cadre, lifted, png_bytes() + b"\x00" * 1000, name="ok.png").current.size > 1000


def test_a_file_that_lies_about_its_size_is_counted_while_it_is_read(cadre, lifted):
    small = upload(png_bytes() + b"\x00" * (2 * 1024 * 1024), "lies.png")
    small.size = 10  # the declared size says little; the bytes are counted
    with pytest.raises(ValidationError) as refused:
        services.file_checked(small, max_mb=1)
    assert "file" in refused.value.message_dict


def test_an_empty_file_is_refused(cadre, lifted):
    with pytest.raises(ValidationError) as refused:
        upload_document(cadre, lifted, b"", name="empty.pdf")
    assert "文件是空的" in str(refused.value.message_dict["file"])


def test_every_problem_is_named_at_once_and_nothing_is_written(cadre, lifted, settings):
    with pytest.raises(ValidationError) as refused:
        upload_document(cadre, lifted, exe_bytes(), category="nope", doc_type="nope", title=" ",
                        dated_on=TODAY + dt.timedelta(days=1))
    assert set(refused.value.message_dict) == {"category", "doc_type", "title", "dated_on", "file"}
    assert not Document.objects.exists() and stored_files(settings) == []


def test_a_new_version_keeps_the_old_one(cadre, lifted, settings):
    first = pdf_bytes("first scan")
    document = upload_document(cadre, lifted, first)
    old = document.current
    old_path, old_name = Path(old.file.path), old.file.name
    with pytest.raises(ValidationError) as refused:
        services.document_version_add(user=cadre, document=document, file=upload(png_bytes(), "新.png"), reason="")
    assert "reason" in refused.value.message_dict and document.versions.count() == 1
    second = png_bytes(colour=(0, 200, 0))
    new = services.document_version_add(user=cadre, document=document, file=upload(second, "户口簿清晰版.png"),
                                        reason="换成清晰的扫描件")
    assert (new.number, new.content_type, new.reason) == (2, "image/png", "换成清晰的扫描件")
    assert new.sha256 != old.sha256 and new.file.name != old_name
    old.refresh_from_db()
    assert old.file.name == old_name and old_path.read_bytes() == first
    assert hashlib.sha256(old_path.read_bytes()).hexdigest() == old.sha256
    with new.file.open("rb") as handle:
        assert handle.read() == second
    assert document.current == new and len(stored_files(settings)) == 2
    event = AuditEvent.objects.get(object_type="archive_document", action="update")
    assert event.detail["version"] == 2 and event.detail["reason"] == "换成清晰的扫描件"
    # The same bytes again are a version of their own (the upload is what was kept, when).
    third = services.document_version_add(user=cadre, document=document, file=upload(second, "again.png"),
                                          reason="重新上传")
    assert third.number == 3 and third.file.name != new.file.name


def test_a_refused_new_version_changes_nothing(cadre, lifted, settings):
    document = upload_document(cadre, lifted, pdf_bytes())
    with pytest.raises(ValidationError):
        services.document_version_add(user=cadre, document=document, file=upload(exe_bytes(), "新版.pdf"),
                                      reason="补盖公章")
    assert document.versions.count() == 1 and len(stored_files(settings)) == 1


def test_who_may_write_and_where(make_user, places, cadre, lifted, elsewhere):
    with pytest.raises(PermissionDenied):
        upload_document(make_user("researcher", places["county"]), lifted, pdf_bytes())
    with pytest.raises(PermissionDenied):
        upload_document(make_user("department", places["county"]), lifted, pdf_bytes())
    with pytest.raises(Http404):
        upload_document(cadre, elsewhere, pdf_bytes())
    other = upload_document(make_user("village", places["other_village"]), elsewhere, pdf_bytes())
    with pytest.raises(Http404):
        services.document_version_add(user=cadre, document=other, file=upload(pdf_bytes(), "x.pdf"), reason="换")
    assert upload_document(make_user("assistance", places["village"]), lifted, pdf_bytes()).current.number == 1


def test_a_document_of_a_member_names_a_member_of_that_household(cadre, lifted, elsewhere):
    stranger = elsewhere.members.first()
    with pytest.raises(ValidationError) as refused:
        upload_document(cadre, lifted, pdf_bytes(), person=stranger)
    assert "person" in refused.value.message_dict
    member = lifted.members.first()
    assert upload_document(cadre, lifted, pdf_bytes(), person=member).person == member


# --------------------------------------------------------------------------- students


def student(cadre, lifted, **more):
    member = services.student_candidates(lifted).first()
    return services.student_file_open(user=cadre, person=member, school="县第一中学", stage="junior", grade="初二",
                                      enrolled_year=TODAY.year - 1, opened_on=DATED, **more)


def test_a_student_of_a_lifted_household_gets_one_file_with_aid_and_a_plan_in_versions(cadre, lifted):
    opened = student(cadre, lifted)
    assert opened.division_code == lifted.village_id and not services.student_candidates(lifted).filter(
        pk=opened.person_id).exists()
    with pytest.raises(ValidationError) as twice:
        services.student_file_open(user=cadre, person=opened.person, school="另一所", stage="junior",
                                   enrolled_year=TODAY.year)
    assert "已有档案" in str(twice.value.message_dict["person"])
    aid = services.student_aid_add(user=cadre, student=opened, year=TODAY.year, kind="grant", amount="1250",
                                   source="县教育局")
    assert str(aid.amount) == "1250.00"
    with pytest.raises(ValidationError) as bad:
        services.student_aid_add(user=cadre, student=opened, year=1990, kind="bribe", amount="-5", source="")
    assert set(bad.value.message_dict) == {"year", "kind", "amount", "source"}
    first = services.student_plan_save(user=cadre, student=opened, text="学费减免,每学期家访一次", made_on=DATED)
    with pytest.raises(ValidationError) as no_reason:
        services.student_plan_save(user=cadre, student=opened, text="增加雨露计划", made_on=TODAY)
    assert "reason" in no_reason.value.message_dict
    second = services.student_plan_save(user=cadre, student=opened, text="增加雨露计划", made_on=TODAY,
                                        reason="考上中职")
    assert (first.number, second.number) == (1, 2) and opened.current_plan == second
    assert StudentPlan.objects.get(pk=first.pk).text == "学费减免,每学期家访一次"  # the first one kept as it was
    rows = selectors.student_file_rows(opened)
    assert [p.number for p in rows["plans"]] == [2, 1] and len(rows["aid"]) == 1
    assert set(AuditEvent.objects.filter(division_code=lifted.village_id).values_list("object_type", flat=True)) \
        >= {"student_file", "student_aid", "student_plan"}


def test_a_student_of_a_general_household_gets_no_file(cadre, lifted):
    from neisheng.registry.models import Household

    Household.objects.filter(pk=lifted.pk).update(status="general")
    with pytest.raises(ValidationError) as refused:
        student(cadre, lifted)
    assert "person" in refused.value.message_dict and not StudentFile.objects.exists()


def test_a_student_file_asks_for_a_school_a_stage_and_a_year(cadre, lifted):
    member = services.student_candidates(lifted).first()
    with pytest.raises(ValidationError) as refused:
        services.student_file_open(user=cadre, person=member, school="", stage="not_in_school", enrolled_year=1800,
                                   opened_on=TODAY + dt.timedelta(days=3))
    assert set(refused.value.message_dict) == {"school", "stage", "enrolled_year", "opened_on"}


# --------------------------------------------------------------------------- completeness


def test_completeness_counts_uploads_in_their_own_category(cadre, lifted):
    policy = services.archives_policy()
    required = [(c, t) for c, types in policy.archives_required_for("lifted").items() for t in types]
    from neisheng.registry.models import Household

    households = Household.objects.filter(pk=lifted.pk)
    before = selectors.completeness_of(households).households[0]
    assert before.missing == tuple(required)
    upload_document(cadre, lifted, pdf_bytes(), category="household", doc_type="hukou_book")
    upload_document(cadre, lifted, pdf_bytes(), category="general", doc_type="id_card")  # wrong category
    after = selectors.completeness_of(households).households[0]
    assert ("household", "hukou_book") not in after.missing and ("household", "id_card") in after.missing
    assert len(after.missing) == len(required) - 1


def test_the_platform_s_own_records_are_in_the_file_and_fill_its_gaps(make_user, places):
    """A case taken to monitoring leaves its verification (with the signed authorisation's
    scan), the village review, the publicity and the approval in the file; the measures
    assigned make the assistance plan; a visit and its photo are filed under 综合类."""
    from neisheng.cases.tests.flow import case_in, eligible_household, users_by_role
    from neisheng.registry.models import Household
    from neisheng.visits.services import visit_record

    users = users_by_role(make_user, places)
    household = eligible_household(places["village"])
    case_in("monitoring", household, users)
    household.refresh_from_db()
    assert household.status == "monitored"
    visit_record(user=users["village"], household=household, visited_on=TODAY - dt.timedelta(days=3),
                 kind="routine", findings="家中整洁", idempotency_key=uuid.uuid4(),
                 photos=[upload(jpeg_bytes(), "走访.jpg")])
    provided = selectors.provided_documents(Household.objects.filter(pk=household.pk))
    pairs = {(p.category, p.doc_type) for p in provided}
    assert {("identification", "consent"), ("identification", "verification"),
            ("identification", "review_record"), ("identification", "publicity"),
            ("identification", "approval_form"), ("measures", "assistance_plan"), ("general", "visit_record"),
            ("general", "photo")} <= pairs
    assert all(p.url.startswith("/") for p in provided)
    gaps = selectors.completeness_of(Household.objects.filter(pk=household.pk)).households[0]
    # What the case and the measures hold is not asked for again; the papers only a
    # household has (its register, ID card and an application: it was screened, not
    # self-reported) still are.
    assert gaps.missing == (("household", "hukou_book"), ("household", "id_card"),
                            ("identification", "application"))
    file = selectors.household_file(household)
    identification = next(c for c in file["categories"] if c["code"] == "identification")
    assert {p.doc_type for p in identification["provided"]} >= {"consent", "review_record", "publicity"}
    assert [m["code"] for m in identification["missing"]] == ["application"]
