"""Evidence files of a resolution (grid.md: "text and at least one photo or document"),
recognised by what they contain, not by their name: an image Pillow can read (JPEG, PNG,
WebP), a PDF by its header, a Word or Excel file (.docx/.xlsx) by the parts every such
zip holds. Each is kept as uploaded with its size and SHA-256, under a name of its own,
so a later round adds files and never replaces one.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from neisheng.platform.workflow import TransitionRefused

EVIDENCE_MAX_BYTES = getattr(settings, "NEISHENG_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
EVIDENCE_MAX_FILES = 10

_IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
_OFFICE_TYPES = {
    "word/document.xml": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/workbook.xml": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
PDF = ("application/pdf", ".pdf")
# Types a browser may show inline (preview); the others are always downloaded.
PREVIEWABLE = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    original_name: str
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _refused(zh: str, en: str) -> TransitionRefused:
    return TransitionRefused(f"{zh} / {en}")


def _kind(content: bytes) -> tuple[str, str] | None:
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        for part, kind in _OFFICE_TYPES.items():
            if part in names:
                return kind
        return None
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            image_format = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return _IMAGE_TYPES.get(image_format)


def evidence_check(files) -> list[CheckedFile]:
    """Read and check every uploaded file; refuse the whole lot with one sentence naming
    the first file that is not acceptable."""
    files = list(files or ())
    if len(files) > EVIDENCE_MAX_FILES:
        raise _refused(f"一次最多上传 {EVIDENCE_MAX_FILES} 个佐证文件",
                       f"upload at most {EVIDENCE_MAX_FILES} evidence files at once")
    checked = []
    limit_mb = EVIDENCE_MAX_BYTES // (1024 * 1024)
    for upload in files:
        name = os.path.basename(getattr(upload, "name", "") or "file")[:255]
        if getattr(upload, "size", 0) and upload.size > EVIDENCE_MAX_BYTES:
            raise _refused(f"文件 {name} 超过 {limit_mb} MB", f"the file {name} is larger than {limit_mb} MB")
        upload.seek(0)
        content = upload.read(EVIDENCE_MAX_BYTES + 1)
        if len(content) > EVIDENCE_MAX_BYTES:
            raise _refused(f"文件 {name} 超过 {limit_mb} MB", f"the file {name} is larger than {limit_mb} MB")
        if not content:
            raise _refused(f"文件 {name} 是空的", f"the file {name} is empty")
        kind = _kind(content)
        if kind is None:
            raise _refused(f"文件 {name} 不是照片、PDF、文字文档或 Excel 表格",
                           f"the file {name} is not a photo (JPEG, PNG, WebP), a PDF, a Word or an Excel file")
        checked.append(CheckedFile(content=content, original_name=name, content_type=kind[0], extension=kind[1],
                                   sha256=hashlib.sha256(content).hexdigest()))
    return checked
