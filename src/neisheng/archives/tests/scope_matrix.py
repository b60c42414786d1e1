"""The archives app's routes in the scope matrix (tests/web/test_scope_matrix.py): every
page and API route of /archives/ and the archives' API, with the capabilities each needs.
On each side the household's file holds a document (two versions: a PDF, then a PNG)
and a student's file of one of its members with a row of aid and a plan."""

from __future__ import annotations

from neisheng.accounts.access import ARCHIVES_FIGURES, ARCHIVES_READ, ARCHIVES_UPLOAD, PERSONS_READ

FIGURES = (ARCHIVES_FIGURES,)
READ = (PERSONS_READ, ARCHIVES_READ)
UPLOAD = (PERSONS_READ, ARCHIVES_READ, ARCHIVES_UPLOAD)
H = "/archives/households/{t.household}/"
D = "/archives/documents/{t.extra[archive_document]}/"
S = "/archives/students/{t.extra[archive_student]}/"

ENDPOINTS = [
    # Figures: counts per village, for every role that reads them (researchers too).
    {"name": "archives gaps", "template": "/archives/", "kind": "list", "needs": FIGURES, "shows": "village"},
    {"name": "archives gaps of a village", "template": "/archives/?division={t.village}", "kind": "list",
     "needs": FIGURES, "shows": "village", "lists_rows": False},
    {"name": "archives gaps export", "template": "/archives/", "kind": "list", "needs": FIGURES, "post": {},
     "shows": "village"},
    # Households, documents and students name households and persons.
    {"name": "archives households", "template": "/archives/households/", "kind": "list", "needs": READ},
    {"name": "archives households search", "template": "/archives/households/?q={t.household}", "kind": "list",
     "needs": READ, "lists_rows": False},
    {"name": "archives households export", "template": "/archives/households/", "kind": "list", "needs": READ,
     "post": {}},
    {"name": "archive household file", "template": H, "kind": "detail", "needs": READ},
    {"name": "archive household file PDF", "template": H + "pdf/", "kind": "detail", "needs": READ, "shows": None},
    {"name": "archive upload", "template": H + "upload/", "kind": "detail", "needs": UPLOAD},
    {"name": "archive student new", "template": H + "students/new/", "kind": "detail", "needs": UPLOAD},
    {"name": "archive documents", "template": "/archives/documents/", "kind": "list", "needs": READ},
    {"name": "archive documents export", "template": "/archives/documents/", "kind": "list", "needs": READ,
     "post": {}},
    {"name": "archive document", "template": D, "kind": "detail", "needs": READ},
    {"name": "archive document new version", "template": D + "version/", "kind": "detail", "needs": UPLOAD,
     "shows": None},
    {"name": "archive version download", "template": "/archives/versions/{t.extra[archive_version]}/download/",
     "kind": "detail", "needs": READ, "shows": None},
    {"name": "archive students", "template": "/archives/students/", "kind": "list", "needs": READ},
    {"name": "archive student", "template": S, "kind": "detail", "needs": READ},
    {"name": "archive student aid new", "template": S + "aid/", "kind": "detail", "needs": UPLOAD, "shows": None},
    {"name": "archive student plan new", "template": S + "plan/", "kind": "detail", "needs": UPLOAD,
     "shows": None},
    # The API (archives/api.py).
    {"name": "API archive documents", "template": "/api/archive-documents/", "kind": "list", "api": True,
     "needs": READ},
    {"name": "API archive documents of a household", "template": "/api/archive-documents/?household={t.household}",
     "kind": "list", "api": True, "needs": READ, "lists_rows": False},
    {"name": "API archive document", "template": "/api/archive-documents/{t.extra[archive_document]}/",
     "kind": "detail", "api": True, "needs": READ},
    # A new version with no file: scope and capability are checked first (404 outside, 403
    # without the capability), so the same role inside reaches the refusal of the empty form.
    {"name": "API archive document new version", "template": "/api/archive-documents/{t.extra[archive_document]}/versions/",
     "kind": "detail", "api": True, "needs": UPLOAD, "post": {"reason": "换成清晰的扫描件"}, "shows": None,
     "answers": 400},
    {"name": "API student files", "template": "/api/student-files/", "kind": "list", "api": True, "needs": READ},
    {"name": "API student file", "template": "/api/student-files/{t.extra[archive_student]}/", "kind": "detail",
     "api": True, "needs": READ},
    {"name": "API archive completeness", "template": "/api/archive-completeness/", "kind": "list", "api": True,
     "needs": FIGURES, "shows": "village"},
    {"name": "API archive completeness of a village", "template": "/api/archive-completeness/?division={t.village}",
     "kind": "list", "api": True, "needs": FIGURES, "shows": "village", "lists_rows": False},
]


def targets(*, household, other_household, places) -> dict:
    """Written directly (the services have tests of their own)."""
    import datetime as dt
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from neisheng.archives.models import (
        Document,
        DocumentVersion,
        StudentAid,
        StudentFile,
        StudentPlan,
    )
    from neisheng.archives.tests.files import pdf_bytes, png_bytes

    today = timezone.localdate()
    made: dict = {}
    for side, suffix in ((household, ""), (other_household, "_elsewhere")):
        document = Document.objects.create(division_code=side.village_id, household=side, category="household",
                                           doc_type="hukou_book", title=f"户口簿 {side.household_id}",
                                           dated_on=today - dt.timedelta(days=40))
        version = None
        for number, (content, extension, content_type) in enumerate(
                ((pdf_bytes(), ".pdf", "application/pdf"), (png_bytes(), ".png", "image/png")), start=1):
            version = DocumentVersion(document=document, number=number, sha256=hashlib.sha256(content).hexdigest(),
                                      size=len(content), content_type=content_type,
                                      original_name=f"户口簿{extension}", reason="" if number == 1 else "换成清晰的扫描件")
            version.file.save(f"matrix-{side.household_id}-v{number}{extension}", ContentFile(content), save=False)
            version.save()
        member = side.members.order_by("-birth_date", "person_id").first()
        student = StudentFile.objects.create(division_code=side.village_id, household=side, person=member,
                                             school="县第一中学", stage="junior", grade="初二", enrolled_year=today.year - 1,
                                             opened_on=today - dt.timedelta(days=30))
        StudentAid.objects.create(student=student, year=today.year, kind="grant", amount="1250.00", source="县教育局")
        StudentPlan.objects.create(student=student, number=1, text="学费减免,每学期家访一次", made_on=today)
        made.update({f"archive_document{suffix}": document.pk, f"archive_version{suffix}": version.pk,
                     f"archive_student{suffix}": student.pk})
    return made
