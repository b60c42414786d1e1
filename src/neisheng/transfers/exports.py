"""Any list as an Excel workbook: the header row in Chinese (with English), then rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse

from neisheng.engine.cells import text_row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(*, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """Every cell through `text_row`: a name, username or remark that begins like a
    formula is written as text, so no export can carry a live formula."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(text_row(sheet, headers))
    for row in rows:
        sheet.append(text_row(sheet, [float(v) if isinstance(v, Decimal) else v for v in row]))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(*, filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """An attachment named `filename` (dated, .xlsx added)."""
    stem = f"{filename}-{dt.date.today():%Y%m%d}.xlsx"
    response = HttpResponse(workbook_bytes(title=title, headers=headers, rows=rows), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(stem)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
