"""What the problem tests share: users of each role, a household with its cadre, and
evidence files made in memory (a real PNG, a real PDF header, a real .docx zip)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from neisheng.grid.models import Cadre, CadrePair
from neisheng.registry.models import Household

ROLES = ("county", "town", "village", "assistance", "department", "auditor", "researcher", "admin")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def users_by_role(make_user, places) -> dict:
    where = {"county": "county", "town": "town", "village": "village", "assistance": "village",
             "department": "county", "auditor": "county", "researcher": "county", "admin": "county"}
    return {role: make_user(role, places[where[role]]) for role in ROLES}


def png(name: str = "整改后.png", colour=(30, 120, 60)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "验收单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                              content_type="application/pdf")


def docx(name: str = "说明.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def household_with_cadre(village, *, user=None, cadre_id: str = "C-TEST-1") -> tuple[Household, Cadre]:
    household = Household.objects.filter(village=village).order_by("household_id").first()
    cadre = Cadre.objects.create(cadre_id=cadre_id, name="王帮扶", division_code=village.code, phone="13800000001",
                                 user=user)
    CadrePair.objects.create(cadre=cadre, household=household, division_code=village.code, started_on=days_ago(100))
    return household, cadre
