"""The printable household file (archives.md): one A4 PDF with a table of contents of
the five categories and their documents (with the page each starts on), the household's
summary (ID numbers masked, whoever prints it), each document's metadata and versions,
the images of image documents embedded, what the file lacks, and the students' files.

Drawn by WeasyPrint from an HTML template with its own print stylesheet, as the
assistance plan is (assistance/plans.py): the same CJK fonts, nothing fetched but data:
URLs (the images are read from storage and embedded)."""

from __future__ import annotations

import base64
from importlib import resources

from django.template.loader import render_to_string
from django.utils import timezone

from neisheng.accounts.masking import mask_id_number
from neisheng.archives.models import DocumentVersion
from neisheng.engine.schema import SCHOOLING

# An image larger than this is listed, not embedded: the PDF stays printable.
EMBED_MAX_BYTES = 8 * 1024 * 1024


def _data_url(version: DocumentVersion) -> str:
    if not version.is_image or version.size > EMBED_MAX_BYTES:
        return ""
    with version.file.open("rb") as handle:
        content = handle.read(EMBED_MAX_BYTES + 1)
    return f"data:{version.content_type};base64,{base64.b64encode(content).decode('ascii')}"


def household_file_pdf(household, file: dict) -> bytes:
    """The household's file (selectors.household_file) as an A4 PDF."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    members = list(household.members.order_by("-alive", "birth_date", "person_id"))
    for person in members:
        person.id_masked = mask_id_number(person.person_id)
    for document in file["documents"]:
        current = document.version_list[0] if document.version_list else None
        document.image_url = _data_url(current) if current is not None else ""
    for student in file["students"]:
        student.id_masked = mask_id_number(student.person.person_id)
        student.stage_label = SCHOOLING.get(student.stage, student.stage)
    head = next((p for p in members if p.relation == "head"), members[0] if members else None)
    html = render_to_string("archives/household_file_pdf.html", {
        "household": household, "file": file, "members": members, "head": head,
        "printed_on": timezone.localdate()})
    css = CSS(string=resources.files("neisheng.archives").joinpath("static/archives/file-print.css")
              .read_text("utf-8"))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf(stylesheets=[css])
