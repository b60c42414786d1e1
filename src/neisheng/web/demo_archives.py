"""The demo county's household files (issue 16, item 1), made by the demo logins through
the archives' own services (the ones the pages and the API call):

- the demo village: every lifted or monitored household's file holds the documents the
  policy requires, uploaded by the village cadre, except a few named gaps (one missing
  document in each of three households, so the gaps page and the households list have
  something to show); what the platform already holds (a case's steps, the assistance
  plan, visits) is not uploaded again;
- the next village of the same town: complete, uploaded by the town's officer;
- one household's 户口簿 in two versions (a first scan, then a clearer photo "换成清晰的
  扫描件"), and a photo of the house under 综合类, so the printable file embeds images;
- students' files for members in school of lifted or monitored households of the demo
  village: school, stage, aid received (助学金, and 雨露计划 for vocational students) and an
  individual aid plan, one of them in a second version.

The documents are small generated files (a one-page PDF naming the document, an image),
typed by their content as any upload is. Dates count back from today within the demo year.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

GAPS = 3  # households of the demo village left with one named document missing
STUDENTS = 4
SCHOOLS = {
    "preschool": "村幼儿园", "primary": "镇中心小学", "junior": "县第二中学", "senior": "县第一中学",
    "secondary_vocational": "县职业教育中心", "higher_vocational": "重庆三峡职业学院", "undergraduate_plus": "西南大学",
}
GRADES = {"preschool": "大班", "primary": "四年级", "junior": "初二", "senior": "高一", "secondary_vocational": "二年级",
          "higher_vocational": "一年级", "undergraduate_plus": "大二"}
PLANS = (
    "落实教育资助政策,每学期开学前核对资助到账;帮扶责任人每月联系一次班主任,了解学习和生活情况。",
    "申请雨露计划补助,联系县职教中心推荐实习岗位;假期参加家政技能培训。",
)


@dataclass
class DemoArchives:
    """What the build made, for the summary and the tests, and the seconds it took."""

    village: str = ""
    village_name: str = ""
    complete_village: str = ""
    complete_village_name: str = ""
    documents: int = 0
    versions: int = 0
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (household, category, doc_type) left out
    two_versions: int | None = None  # the document with two versions
    students: list[int] = field(default_factory=list)
    checked: dict[str, tuple[int, int]] = field(default_factory=dict)  # village -> (checked, complete)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        if not self.village:
            return []
        from neisheng.archives.models import DOCUMENT_TYPE_LABELS

        gaps = "; ".join(f"{h} {DOCUMENT_TYPE_LABELS[t]}" for h, _c, t in self.gaps)
        checked, complete = self.checked.get(self.village, (0, 0))
        other_checked, other_complete = self.checked.get(self.complete_village, (0, 0))
        neighbour = (f"; {self.complete_village_name} {other_complete}/{other_checked} complete"
                     if self.complete_village else "")
        files = (f"档案管理 archives: {self.documents} documents ({self.versions} versions) — {self.village_name} "
                 f"{complete}/{checked} files complete, missing: {gaps}{neighbour}; document #{self.two_versions} "
                 f"has two versions — /archives/")
        students = (f"学生档案 student files: {len(self.students)} in {self.village_name} (school, aid, aid plan) — "
                    f"/archives/students/")
        return [files, students]


def _today(year: int) -> dt.date:
    from django.utils import timezone

    return min(timezone.localdate(), dt.date(year, 12, 31))


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII) in Helvetica: enough to be a real PDF."""
    safe = text.encode("ascii", "replace").decode("ascii").replace("\\", "/").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 56 760 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
         b"/Contents 5 0 R >>"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def demo_image(colour: tuple[int, int, int], fmt: str = "JPEG", size=(480, 320)) -> bytes:
    """A picture standing in for a scan or a photo: a pale page with a coloured band."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", size, (245, 243, 236))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((24, 24, size[0] - 24, 84), fill=colour)
    for y in range(110, size[1] - 30, 26):
        draw.line((40, y, size[0] - 40, y), fill=(150, 150, 150), width=3)
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


def demo_archives_build(*, home: Path, logins: list[dict], year: int,
                        say: Callable[[str], None] = lambda _: None) -> DemoArchives:
    """The demo village's and its neighbour's files and the students' files, in one
    transaction; `logins` as accounts.services.demo_users_create returned them."""
    from django.db import transaction

    from neisheng.accounts.models import User

    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    made = DemoArchives()
    today = _today(year)
    clock = time.perf_counter()
    with transaction.atomic():
        _files(users, today, made)
        made.seconds["files"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _students(users["village"], today, made)
        made.seconds["students"] = time.perf_counter() - clock
    say(f"已建立农户档案和学生档案 / the household files and students' files made ({made.documents} documents, "
        f"{len(made.gaps)} gaps, {len(made.students)} students)")
    return made


def _upload(user, household, category: str, doc_type: str, on: dt.date, *, title: str = "",
            content: bytes | None = None, name: str = ""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from neisheng.archives.models import CATEGORY_LABELS, DOCUMENT_TYPE_LABELS
    from neisheng.archives.services import document_upload

    label = str(DOCUMENT_TYPE_LABELS[doc_type])
    content = content or demo_pdf(f"{doc_type} - household {household.household_id} - {on.isoformat()}")
    return document_upload(user=user, household=household, category=category, doc_type=doc_type,
                           title=title or label, dated_on=on,
                           file=SimpleUploadedFile(name or f"{label}.pdf", content),
                           reason=f"{CATEGORY_LABELS[category]}建档")


def _files(users: dict, today: dt.date, made: DemoArchives) -> None:
    from neisheng.archives import selectors
    from neisheng.archives.services import document_version_add
    from neisheng.registry.models import Division, Household

    cadre, town = users["village"], users["town"]
    village = Division.objects.get(code=cadre.division_id)
    # The next village of the town (its officer uploads), or else of the county (the county's).
    neighbour = (Division.objects.filter(level=5, code__startswith=town.division.prefix).exclude(code=village.code)
                 .order_by("code").first())
    uploader = town
    if neighbour is None:
        uploader = users["county"]
        neighbour = (Division.objects.filter(level=5, code__startswith=uploader.division.prefix)
                     .exclude(code=village.code).order_by("code").first())
    made.village, made.village_name = village.code, village.name
    filed_on = today - dt.timedelta(days=60)
    for division, user in ((village, cadre), (neighbour, uploader)):
        if division is None:
            continue
        households = Household.objects.filter(village_id=division.code).order_by("household_id")
        check = selectors.completeness_of(households)
        gaps_left = GAPS if division is village else 0
        for n, gaps in enumerate(check.households):
            household = households.get(pk=gaps.household_id)
            missing = list(gaps.missing)
            if gaps_left and len(missing) > 1 and n % 3 == 0:
                # Leave one document out, a different kind each time: the named gap.
                left = missing[len(made.gaps) % len(missing)]
                missing.remove(left)
                made.gaps.append((household.pk, *left))
                gaps_left -= 1
            for i, (category, doc_type) in enumerate(missing):
                _upload(user, household, category, doc_type, filed_on + dt.timedelta(days=i % 20))
                made.documents += 1
        if division is neighbour:
            made.complete_village, made.complete_village_name = neighbour.code, neighbour.name
    # One 户口簿 in two versions, and a photo of the house, in the village's first household
    # whose 户口簿 is on file.
    from neisheng.archives.models import Document

    document = (Document.objects.filter(division_code=village.code, doc_type="hukou_book")
                .order_by("household_id", "pk").first())
    if document is not None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        household = document.household

        document_version_add(user=cadre, document=document,
                             file=SimpleUploadedFile("户口簿-清晰版.jpg", demo_image((179, 38, 30))),
                             reason="换成清晰的扫描件")
        made.two_versions = document.pk
        _upload(cadre, household, "general", "photo", today - dt.timedelta(days=20), title="住房外观照片",
                content=demo_image((46, 125, 50)), name="住房.jpg")
        made.documents += 1
    from neisheng.archives.models import DocumentVersion

    made.versions = DocumentVersion.objects.filter(
        document__division_code__in=[made.village, made.complete_village]).count()
    for division in filter(None, (made.village, made.complete_village)):
        check = selectors.completeness_of(Household.objects.filter(village_id=division))
        made.checked[division] = (check.total.checked, check.total.complete)


def _students(cadre, today: dt.date, made: DemoArchives) -> None:
    from neisheng.archives import services
    from neisheng.registry.models import Person

    policy = services.archives_policy()
    pupils = list(Person.objects.filter(household__village_id=cadre.division_id, alive=True,
                                        household__status__in=policy.archives_student_statuses)
                  .exclude(schooling="not_in_school").exclude(student_file__isnull=False)
                  .select_related("household").order_by("household_id", "birth_date", "person_id")[:STUDENTS])
    opened_on = today - dt.timedelta(days=50)
    for n, person in enumerate(pupils):
        vocational = person.schooling in ("secondary_vocational", "higher_vocational")
        student = services.student_file_open(
            user=cadre, person=person, school=SCHOOLS.get(person.schooling, "县第二中学"), stage=person.schooling,
            grade=GRADES.get(person.schooling, ""), enrolled_year=today.year - 1 - n % 3, opened_on=opened_on)
        services.student_aid_add(user=cadre, student=student, year=today.year, kind="grant",
                                 amount="1250.00" if person.schooling in ("senior", "junior") else "1000.00",
                                 source="县教育局")
        if vocational:
            services.student_aid_add(user=cadre, student=student, year=today.year, kind="yulu", amount="1500.00",
                                     source="县乡村振兴局")
        services.student_plan_save(user=cadre, student=student, text=PLANS[1 if vocational else 0],
                                   made_on=opened_on)
        if n == 0:
            services.student_plan_save(user=cadre, student=student, text=PLANS[0] + "增加一对一课业辅导,每周一次。",
                                       made_on=today - dt.timedelta(days=10), reason="期中考试数学成绩下滑")
        made.students.append(student.pk)
