"""The pages: an upload refused by its content says so on the form, a new version keeps the
old one (both downloadable), the gaps per village (figures for researchers, households for
those who read persons), the household file and its PDF read back, the students' files and
the Excel exports, all within the user's division."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
from pypdf import PdfReader

from neisheng.accounts.models import AuditEvent
from neisheng.archives import services
from neisheng.archives.models import Document, StudentFile
from neisheng.archives.tests.conftest import DATED, TODAY, upload_document
from neisheng.archives.tests.files import exe_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def titles(outline) -> list[str]:
    found = []
    for item in outline:
        found.extend(titles(item) if isinstance(item, list) else [item.title])
    return found


def test_a_renamed_executable_is_refused_on_the_form_with_the_reason(client, cadre, lifted, settings):
    client.force_login(cadre)
    url = f"/archives/households/{lifted.pk}/upload/"
    assert client.get(url).status_code == 200
    form = {"category": "household", "doc_type": "hukou_book", "title": "户口簿", "dated_on": DATED.isoformat()}
    refused = client.post(url, {**form, "file": upload(exe_bytes(), "户口簿.pdf")})
    assert refused.status_code == 400
    assert "这个文件的内容不是其中任何一种" in refused.content.decode() and not Document.objects.exists()
    client.cookies.load({"django_language": "en"})
    refused = client.post(url, {**form, "file": upload(exe_bytes(), "户口簿.pdf")})
    assert "this file&#x27;s content is none of these" in refused.content.decode()
    client.cookies.load({"django_language": "zh-hans"})
    kept = client.post(url, {**form, "file": upload(pdf_bytes(), "户口簿.pdf")})
    document = Document.objects.get()
    assert kept.status_code == 302 and kept["Location"] == f"/archives/documents/{document.pk}/"


def test_a_new_version_on_the_web_keeps_the_old_one_downloadable(client, cadre, lifted):
    first, second = pdf_bytes("first"), png_bytes()
    document = upload_document(cadre, lifted, first)
    client.force_login(cadre)
    sent = client.post(f"/archives/documents/{document.pk}/version/",
                       {"file": upload(second, "清晰版.png"), "reason": "换成清晰的扫描件"})
    assert sent.status_code == 302
    page = client.get(f"/archives/documents/{document.pk}/").content.decode()
    assert "换成清晰的扫描件" in page
    old, new = document.versions.order_by("number")
    kept = b"".join(client.get(f"/archives/versions/{old.pk}/download/").streaming_content)
    assert kept == first and hashlib.sha256(kept).hexdigest() == old.sha256
    downloaded = b"".join(client.get(f"/archives/versions/{new.pk}/download/").streaming_content)
    assert downloaded == second and hashlib.sha256(downloaded).hexdigest() == new.sha256 != old.sha256
    assert AuditEvent.objects.filter(action="export", object_type="archive_document").count() == 2


def test_gaps_per_village_are_figures_for_a_researcher_and_households_for_the_cadre(client, make_user, places,
                                                                                   cadre, lifted):
    upload_document(cadre, lifted, pdf_bytes(), doc_type="hukou_book")
    researcher = make_user("researcher", places["county"])
    client.force_login(researcher)
    page = client.get("/archives/")
    text = page.content.decode()
    assert page.status_code == 200 and lifted.pk not in text and "archives-households-link" not in text
    assert client.get("/archives/households/").status_code == 403
    assert client.get(f"/archives/households/{lifted.pk}/").status_code == 403
    book = openpyxl.load_workbook(io.BytesIO(client.post("/archives/").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert lifted.pk not in str(rows)
    village_row = next(r for r in rows if lifted.village_id in map(str, r))
    assert village_row[2] >= 1 and village_row[4] >= 1  # checked, with gaps

    client.force_login(cadre)
    listed = client.get("/archives/households/?missing=id_card").content.decode()
    assert f'data-household="{lifted.pk}"' in listed
    assert f'data-household="{lifted.pk}"' not in client.get("/archives/households/?missing=hukou_book").content \
        .decode()
    book = openpyxl.load_workbook(io.BytesIO(client.post("/archives/households/?missing=any").content))
    rows = list(book.active.iter_rows(values_only=True))
    ours = next(r for r in rows if r[0] == lifted.pk)
    assert "身份证" in ours[-1] and "户口簿" not in ours[-1]
    assert all(str(r[1]).startswith(places["village"].code) for r in rows[1:] if r[0])


def test_the_household_file_shows_what_it_lacks_and_the_pdf_reads_back(client, cadre, lifted):
    hukou = upload_document(cadre, lifted, png_bytes(), name="户口簿.png", title="户口簿扫描件")
    services.document_version_add(user=cadre, document=hukou, file=upload(pdf_bytes(), "户口簿.pdf"), reason="盖章版")
    member = services.student_candidates(lifted).first()
    student = services.student_file_open(user=cadre, person=member, school="县第一中学", stage="junior", grade="初二",
                                         enrolled_year=TODAY.year - 1, opened_on=DATED)
    services.student_plan_save(user=cadre, student=student, text="学费减免,每学期家访一次", made_on=DATED)
    client.force_login(cadre)
    page = client.get(f"/archives/households/{lifted.pk}/").content.decode()
    assert 'data-missing-type="household.id_card"' in page
    assert 'data-missing-type="household.hukou_book"' not in page
    assert "户口簿扫描件" in page and "共 2 版" in page and "县第一中学" in page

    response = client.get(f"/archives/households/{lifted.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    for words in ("农户档案", "目录", "贫困户类", "精准识别类", "精准脱贫类", "精准施策类", "综合类", "户口簿扫描件",
                  "缺少", "身份证", "学生档案", "县第一中学", "学费减免", hukou.current.sha256, lifted.pk):
        assert words in text, words
    for person in lifted.members.all():
        assert person.person_id not in text  # masked
    # The table of contents gives each category's page; the outline has them too.
    assert len(reader.pages) >= 6
    outline = titles(reader.outline)
    assert "目录" in outline and "贫困户类" in outline and "学生档案" in outline
    assert AuditEvent.objects.filter(action="export", object_type="archive_file", object_id=lifted.pk).exists()


def test_the_english_pdf_is_in_english(client, cadre, lifted):
    upload_document(cadre, lifted, pdf_bytes(), title="hukou")
    client.force_login(cadre)
    client.cookies.load({"django_language": "en"})
    reader = PdfReader(io.BytesIO(client.get(f"/archives/households/{lifted.pk}/pdf/").content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Household file" in text and "Contents" in text and "Precise identification" in text
    assert "贫困户类" not in text and "目录" not in text


def test_a_student_s_file_on_the_web(client, cadre, lifted):
    client.force_login(cadre)
    member = services.student_candidates(lifted).first()
    opened = client.post(f"/archives/households/{lifted.pk}/students/new/",
                         {"person": member.key, "school": "县职教中心", "stage": "secondary_vocational", "grade": "一年级",
                          "enrolled_year": TODAY.year, "opened_on": DATED.isoformat()})
    student = StudentFile.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/archives/students/{student.pk}/"
    assert client.post(f"/archives/students/{student.pk}/aid/",
                       {"year": TODAY.year, "kind": "yulu", "amount": "1500", "source": "县乡村振兴局"}).status_code == 302
    assert client.post(f"/archives/students/{student.pk}/plan/",
                       {"text": "雨露计划补助,联系实习单位", "made_on": DATED.isoformat()}).status_code == 302
    no_reason = client.post(f"/archives/students/{student.pk}/plan/", {"text": "改为升学", "made_on": TODAY.isoformat()})
    assert no_reason.status_code == 400 and "请说明为什么修改帮扶方案" in no_reason.content.decode()
    assert client.post(f"/archives/students/{student.pk}/plan/", {"text": "改为升学", "made_on": TODAY.isoformat(),
                                                                  "reason": "想考高职"}).status_code == 302
    page = client.get(f"/archives/students/{student.pk}/").content.decode()
    for words in ("县职教中心", "1,500", "县乡村振兴局", "改为升学", "想考高职", "雨露计划补助,联系实习单位",
                  'data-plan="1"', 'data-plan="2"'):
        assert words in page, words
    assert member.person_id not in page  # the ID number is masked
    listed = client.get("/archives/students/").content.decode()
    assert f'data-student="{student.pk}"' in listed


def test_the_documents_export_keeps_to_the_division(client, make_user, places, cadre, lifted, elsewhere):
    ours = upload_document(cadre, lifted, pdf_bytes(), title="我们的户口簿")
    upload_document(make_user("village", places["other_village"]), elsewhere, pdf_bytes(), title="别村的户口簿")
    client.force_login(cadre)
    book = openpyxl.load_workbook(io.BytesIO(client.post("/archives/documents/").content))
    rows = list(book.active.iter_rows(values_only=True))
    titles = {r[4] for r in rows}
    assert "我们的户口簿" in titles and "别村的户口簿" not in titles
    ours_row = next(r for r in rows if r[4] == "我们的户口簿")
    assert ours_row[9] == ours.current.sha256
    assert "别村的户口簿" not in client.get("/archives/documents/").content.decode()
    assert client.get(f"/archives/households/{elsewhere.pk}/").status_code == 404


def test_the_household_page_s_card_says_how_complete_the_file_is(client, cadre, lifted):
    upload_document(cadre, lifted, pdf_bytes())
    client.force_login(cadre)
    page = client.get(f"/households/{lifted.pk}/").content.decode()
    assert 'id="household-archives"' in page and f"/archives/households/{lifted.pk}/" in page
    client.cookies.load({"django_language": "en"})
    page = client.get(f"/households/{lifted.pk}/").content.decode()
    assert "Household file" in page and "documents required" in page
