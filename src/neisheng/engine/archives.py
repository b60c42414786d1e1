"""Household files (档案管理, issue 16): what kind of document an upload holds, and which
required documents each household's file lacks.

Two exact rules, no Django:

- `content_kind(stream)`: the type of a document read from its bytes, never from its
  name or the type the browser declared: PDF, JPEG, PNG, Word (DOCX, and DOC) and Excel
  (XLSX, and XLS). Anything else, a renamed executable included, is None. The stream is
  read in bounded chunks (a zip's central directory and one small member at most), so a
  large file costs no more memory than a small one.
- `completeness(households, documents, required_for)`: for each household whose status
  the policy lists, the required (category, type) pairs it has no document of; per
  village, the households checked and complete and the missing documents by type.
"""

from __future__ import annotations

import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

# kind -> (MIME type, the extension a stored copy gets)
KINDS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "doc": ("application/msword", ".doc"),
    "xls": ("application/vnd.ms-excel", ".xls"),
}
IMAGE_KINDS = ("jpeg", "png")

_PNG = b"\x89PNG\r\n\x1a\n"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A compound file's directory names its streams in UTF-16LE: Word keeps its text in
# "WordDocument", Excel its sheets in "Workbook" (or "Book" before Excel 97). An installer
# (.msi) or any other compound file has neither.
_WORD_STREAM = "WordDocument".encode("utf-16-le")
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))
_CHUNK = 64 * 1024
# [Content_Types].xml of a real document is a few kilobytes; more is not read.
_CONTENT_TYPES_MAX = 256 * 1024


def content_kind(stream: BinaryIO) -> str | None:
    """The kind of document `stream` (seekable, binary) holds by its content, one of
    KINDS, or None for anything else. The stream is left at its start."""
    stream.seek(0)
    head = stream.read(8)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"\xff\xd8\xff"):
            return "jpeg"
        if head == _PNG:
            return "png"
        if head.startswith(b"PK\x03\x04"):
            return _office_open_xml(stream)
        if head == _OLE:
            return _compound_file(stream)
        return None
    finally:
        stream.seek(0)


def _office_open_xml(stream: BinaryIO) -> str | None:
    """DOCX or XLSX: a zip whose [Content_Types].xml declares the main part of a Word
    document or an Excel workbook and which holds that part (word/ or xl/). Any other zip
    (a renamed .jar, .apk or archive) is None."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            with archive.open(info) as member:
                declared = member.read(_CONTENT_TYPES_MAX + 1)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError, EOFError):
        return None
    if b"wordprocessingml.document.main" in declared and "word/document.xml" in names:
        return "docx"
    if b"spreadsheetml.sheet.main" in declared and "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _compound_file(stream: BinaryIO) -> str | None:
    """DOC or XLS: a compound file with a Word or an Excel stream in its directory."""
    stream.seek(0)
    tail = b""
    overlap = max(len(_WORD_STREAM), *(len(s) for s in _EXCEL_STREAMS))
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        if _WORD_STREAM in window:
            return "doc"
        if any(name in window for name in _EXCEL_STREAMS):
            return "xls"
        tail = window[-overlap:]
    return None


# --------------------------------------------------------------------------- completeness


@dataclass(frozen=True)
class HouseholdGaps:
    household_id: str
    village_code: str
    status: str
    required: int  # required documents (category, type pairs)
    missing: tuple[tuple[str, str], ...]  # (category, type), in the policy's order

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class VillageGaps:
    village_code: str
    checked: int = 0
    complete: int = 0
    missing_documents: int = 0
    missing_by_type: Counter = field(default_factory=Counter)  # (category, type) -> households lacking it

    @property
    def incomplete(self) -> int:
        return self.checked - self.complete


@dataclass
class Completeness:
    households: list[HouseholdGaps]
    villages: list[VillageGaps]  # by village code

    @property
    def total(self) -> VillageGaps:
        whole = VillageGaps(village_code="")
        for village in self.villages:
            whole.checked += village.checked
            whole.complete += village.complete
            whole.missing_documents += village.missing_documents
            whole.missing_by_type.update(village.missing_by_type)
        return whole


def completeness(households: Iterable[tuple[str, str, str]], documents: Iterable[tuple[str, str, str]],
                 required_for: Callable[[str], Mapping[str, Iterable[str]]]) -> Completeness:
    """`households`: (household_id, village_code, status); `documents`: (household_id,
    category, doc_type) of every document present, uploaded or held elsewhere (repeats
    are harmless); `required_for(status)`: category -> required types ({} when the
    status is not checked). A required type counts only in its own category: an
    application filed under 综合类 does not fill 精准识别类's gap.

    Households of a status with nothing required are left out of the figures."""
    present: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for household_id, category, doc_type in documents:
        present[household_id].add((category, doc_type))
    needed_by_status: dict[str, tuple[tuple[str, str], ...]] = {}
    gaps: list[HouseholdGaps] = []
    villages: dict[str, VillageGaps] = {}
    for household_id, village_code, status in households:
        if status not in needed_by_status:
            needed_by_status[status] = tuple((category, t) for category, types in required_for(status).items()
                                              for t in types)
        needed = needed_by_status[status]
        if not needed:
            continue
        have = present.get(household_id, set())
        missing = tuple(pair for pair in needed if pair not in have)
        gaps.append(HouseholdGaps(household_id, village_code, status, len(needed), missing))
        village = villages.setdefault(village_code, VillageGaps(village_code))
        village.checked += 1
        village.complete += not missing
        village.missing_documents += len(missing)
        village.missing_by_type.update(missing)
    return Completeness(households=gaps, villages=[villages[code] for code in sorted(villages)])
