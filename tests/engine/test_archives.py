"""Known answers of engine.archives: the type of a document read from its bytes (whatever
its name says) and the required documents each household's file lacks."""

from __future__ import annotations

import io
import zipfile

import pytest

from neisheng.archives.tests.files import (
    docx_bytes,
    exe_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    xlsx_bytes,
    zip_bytes,
)
from neisheng.engine.archives import KINDS, completeness, content_kind


def kind(content: bytes) -> str | None:
    return content_kind(io.BytesIO(content))


def ole(stream_name: str) -> bytes:
    """A compound file's header and a directory entry naming one stream (as Word and
    Excel write them: UTF-16LE)."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return head + stream_name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 448


@pytest.mark.parametrize(("content", "expected"), [
    (pdf_bytes(), "pdf"),
    (jpeg_bytes(), "jpeg"),
    (png_bytes(), "png"),
    (docx_bytes(), "docx"),
    (xlsx_bytes(), "xlsx"),
    (ole("WordDocument"), "doc"),
    (ole("Workbook"), "xls"),
    (ole("Book"), "xls"),
])
def test_each_accepted_type_is_read_from_its_content(content, expected):
    assert kind(content) == expected
    assert expected in KINDS


@pytest.mark.parametrize("content", [
    exe_bytes(),                                   # a Windows executable, whatever it is called
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    zip_bytes(),                                   # a zip that is no Office document
    ole("SummaryInformation"),                     # an installer (.msi) is a compound file too
    b"#!/bin/sh\nrm -rf /\n",
    b"GIF89a" + b"\x00" * 20,                      # an image type the archives do not take
    b"",
    b"%PD",                                        # too short to be anything
])
def test_anything_else_is_refused(content):
    assert kind(content) is None


def test_a_zip_naming_word_s_main_part_without_holding_it_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main")
        archive.writestr("payload.exe", exe_bytes())
    assert kind(out.getvalue()) is None


def test_a_pdf_header_after_other_bytes_is_not_a_pdf():
    assert kind(b"MZ" + pdf_bytes()) is None


def test_the_stream_is_left_at_its_start():
    stream = io.BytesIO(docx_bytes())
    stream.seek(17)
    assert content_kind(stream) == "docx" and stream.tell() == 0


REQUIRED = {
    "lifted": {"household": ("hukou_book", "id_card"), "exit": ("exit_confirmation",)},
    "monitored": {"household": ("hukou_book",), "identification": ("consent",)},
}


def required_for(status):
    return REQUIRED.get(status, {})


def test_completeness_finds_each_missing_document_per_category_and_status():
    households = [("H1", "V1", "lifted"), ("H2", "V1", "lifted"), ("H3", "V2", "monitored"),
                  ("H4", "V2", "normal")]
    documents = [
        ("H1", "household", "hukou_book"), ("H1", "household", "id_card"), ("H1", "exit", "exit_confirmation"),
        ("H2", "household", "hukou_book"),
        ("H2", "general", "id_card"),                # filed under the wrong category: does not count
        ("H3", "identification", "consent"), ("H3", "identification", "consent"),  # repeats are harmless
        ("H4", "household", "hukou_book"),
    ]
    found = completeness(households, documents, required_for)
    by_id = {h.household_id: h for h in found.households}
    assert set(by_id) == {"H1", "H2", "H3"}        # a normal household is not checked
    assert by_id["H1"].complete and by_id["H1"].required == 3
    assert by_id["H2"].missing == (("household", "id_card"), ("exit", "exit_confirmation"))
    assert by_id["H3"].missing == (("household", "hukou_book"),) and by_id["H3"].required == 2
    v1, v2 = found.villages
    assert (v1.village_code, v1.checked, v1.complete, v1.incomplete, v1.missing_documents) == ("V1", 2, 1, 1, 2)
    assert (v2.village_code, v2.checked, v2.complete, v2.incomplete, v2.missing_documents) == ("V2", 1, 0, 1, 1)
    total = found.total
    assert (total.checked, total.complete, total.missing_documents) == (3, 1, 3)
    assert total.missing_by_type == {("household", "id_card"): 1, ("exit", "exit_confirmation"): 1,
                                     ("household", "hukou_book"): 1}


def test_a_household_with_nothing_gets_every_required_document_listed_in_the_policy_s_order():
    found = completeness([("H9", "V1", "lifted")], [], required_for)
    assert found.households[0].missing == (("household", "hukou_book"), ("household", "id_card"),
                                           ("exit", "exit_confirmation"))


def test_no_households_no_figures():
    found = completeness([], [], required_for)
    assert found.households == [] and found.villages == [] and found.total.checked == 0
