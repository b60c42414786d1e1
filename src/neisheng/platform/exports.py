"""The one Excel export every page uses: the header row in Chinese (with English), then
rows, every cell formula-safe (engine.cells), as a dated attachment.

Exports are a POST with the page's CSRF token (the filters stay in the query string),
never a GET: a link or an image on another site must not be able to make one, nor its
audit entry. `export_response` records the export in the audit trail under the
exporting user's division. Personal numbers are passed in already masked (accounts.masking)
by the row producer unless the page revealed them; nothing here unmasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse

from neisheng.accounts.services import audit_record
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
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stem)}"
    return response


def export_response(request, *, object_type: str, detail: dict, filename: str, title: str,
                    headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A page's export: recorded in the audit trail (what, with which filters, by whom,
    under the exporting user's division), then the workbook."""
    user = request.user
    audit_record(user=user, action="export", division_code=user.division_id, object_type=object_type,
                 detail=detail, request=request)
    return xlsx_response(filename=filename, title=title, headers=headers, rows=rows)


def dashboard_card_export(request, *, key: str, card_for, object_type: str):
    """The Excel export of one dashboard card (platform.charts.DashboardCard.table), for
    every app's cards: a POST with the CSRF token writes the audited workbook; a GET goes
    back to the dashboard the card stands on. `card_for(key, division_code)` builds the
    card for the reader, or returns None for an unknown card (404); it raises Http404 for
    a division outside the reader's scope."""
    from django.contrib.auth.views import redirect_to_login
    from django.http import Http404
    from django.shortcuts import redirect
    from django.urls import reverse

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    code = (request.GET.get("division") or "").strip()
    card = card_for(key, code)
    if card is None:
        raise Http404
    if request.method != "POST":
        return redirect(reverse("monitoring:overview") + (f"?division={code}" if code else ""))
    headers, rows = card.table()
    return export_response(request, object_type=object_type, detail={"card": key, "division": code},
                           filename=key, title=_sheet_title(card.title), headers=headers, rows=rows)


def _sheet_title(title) -> str:
    # Excel refuses these characters in a sheet's name.
    return "".join(" " if c in '[]:*?/\\' else c for c in str(title)).strip()
