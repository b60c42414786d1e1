"""The archives' API with the pages' scope rules: researchers read the completeness counts
and nothing that names a household; an upload through the API is typed by its content
and refused field by field; a new version keeps the old one."""

from __future__ import annotations

import pytest

from neisheng.archives.models import Document
from neisheng.archives.tests.conftest import DATED, TODAY, upload_document
from neisheng.archives.tests.files import exe_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


def test_a_researcher_reads_counts_only(client, make_user, places, cadre, lifted):
    upload_document(cadre, lifted, pdf_bytes())
    client.force_login(make_user("researcher", places["county"]))
    counts = client.get("/api/archive-completeness/")
    assert counts.status_code == 200
    data = counts.json()
    village = next(v for v in data["villages"] if v["village_code"] == lifted.village_id)
    assert village["checked"] >= 1 and village["incomplete"] >= 1
    id_cards = next(m for m in village["missing_by_type"] if (m["category"], m["doc_type"]) == ("household", "id_card"))
    assert 1 <= id_cards["households"] <= village["incomplete"]
    assert data["total"]["checked"] >= village["checked"]
    assert lifted.pk not in counts.content.decode()
    for url in ("/api/archive-documents/", "/api/student-files/",
                f"/api/archive-documents/{Document.objects.get().pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/archive-completeness/?division=999999999999").status_code == 400


def test_an_upload_through_the_api_then_a_new_version(client, cadre, lifted):
    client.force_login(cadre)
    fields = {"household": lifted.pk, "category": "identification", "doc_type": "application", "title": "申请书",
              "dated_on": DATED.isoformat()}
    refused = client.post("/api/archive-documents/", {**fields, "file": upload(exe_bytes(), "申请书.docx")})
    assert refused.status_code == 400 and "file" in refused.json() and not Document.objects.exists()
    created = client.post("/api/archive-documents/", {**fields, "file": upload(pdf_bytes(), "申请书.pdf")})
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["household"] == lifted.pk and len(document["versions"]) == 1
    assert document["versions"][0]["content_type"] == "application/pdf"
    again = client.post(f"/api/archive-documents/{document['id']}/versions/",
                        {"file": upload(png_bytes(), "申请书.png"), "reason": "补签字"})
    assert again.status_code == 201
    versions = again.json()["versions"]
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["sha256"] != versions[1]["sha256"]
    assert client.get(versions[1]["download"]).status_code == 200
    listed = client.get(f"/api/archive-documents/?household={lifted.pk}").json()
    assert [d["id"] for d in listed["results"]] == [document["id"]]


def test_the_api_keeps_to_the_user_s_division(client, make_user, places, cadre, lifted, elsewhere):
    theirs = upload_document(make_user("village", places["other_village"]), elsewhere, pdf_bytes())
    client.force_login(cadre)
    assert client.get(f"/api/archive-documents/{theirs.pk}/").status_code == 404
    assert theirs.pk not in [d["id"] for d in client.get("/api/archive-documents/").json()["results"]]
    sent = client.post("/api/archive-documents/", {"household": elsewhere.pk, "category": "household",
                                                   "doc_type": "hukou_book", "title": "户口簿",
                                                   "dated_on": TODAY.isoformat(),
                                                   "file": upload(pdf_bytes(), "户口簿.pdf")})
    assert sent.status_code == 400 and "household" in sent.json()
    assert client.post(f"/api/archive-documents/{theirs.pk}/versions/",
                       {"file": upload(pdf_bytes(), "x.pdf"), "reason": "换"}).status_code == 404
    auditor = make_user("auditor", places["county"])
    client.force_login(auditor)
    assert client.get("/api/archive-documents/").status_code == 200
    assert client.post("/api/archive-documents/", {"household": lifted.pk}).status_code == 403
