"""An activity import's result page (`/assistance/imports/<pk>/`: applied with its rows, or
refused with every problem by row, column, value and reason), the blank template of a
sheet, and `import_handle`, which every area's import view calls with its columns and
`apply_rows` (assistance.imports)."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ
from neisheng.assistance.imports import RETURN_URLS, ActivityImportForm, ImportColumn
from neisheng.assistance.models import ActivityImport
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.transfers.uploads import REFUSED_ATTRIBUTE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_form(request) -> ActivityImportForm:
    """The import form, bound on a POST (with the upload handler's verdict on size)."""
    if request.method == "POST":
        return ActivityImportForm(request.POST, request.FILES, too_large=getattr(request, REFUSED_ATTRIBUTE, False))
    return ActivityImportForm()


def import_handle(request, *, run) -> HttpResponse | ActivityImportForm:
    """For a POST of an import form: `run(file)` (the area's import service, e.g.
    `lambda file: training_attendance_import(user=..., training=..., file=file)`) and the
    redirect to the import's result page; or the bound form with its errors (no file, not
    a workbook, too large), for the caller to render its page again with status 400."""
    form = import_form(request)
    if not form.is_valid():
        return form
    record = run(form.cleaned_data["file"])
    return redirect("assistance:import_detail", pk=record.pk)


def import_template_response(columns: list[ImportColumn] | tuple, file_name: str) -> HttpResponse:
    """A blank sheet with the columns' headers in the page's language (either language
    is accepted back), the required ones marked by a note row under them."""
    import openpyxl

    english = (get_language() or "").startswith("en")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "sheet1"
    sheet.append([column.name if english else column.zh_header for column in columns])
    bold = openpyxl.styles.Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, len(column.zh_header) * 3)
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}.xlsx"'
    return response


def columns_described(columns) -> list[dict]:
    """The columns of a sheet for the page that takes it: header, kind in words, required."""
    kinds = {"text": gettext("文字"), "date": gettext("日期,如 2026-03-01"), "int": gettext("整数"),
             "decimal": gettext("数字"), "bool": gettext("是或否"), "id_number": gettext("18位身份证号码"),
             "choice": gettext("以下之一")}
    return [{"name": c.name, "header": gettext(c.zh_header), "kind": kinds[c.kind], "required": c.required,
             "choices": [str(label) for _code, label in (c.choices or ())]} for c in columns]


def _back_url(record: ActivityImport) -> str | None:
    if record.training_id:
        return reverse("assistance:training", args=[record.training_id])
    if record.meeting_id:
        return reverse("assistance:meeting", args=[record.meeting_id])
    name = RETURN_URLS.get(record.kind)
    try:
        return reverse(name) if name else None
    except NoReverseMatch:
        return None


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def import_detail(request, pk):
    """One import: what it was, and what became of it. Seen within the division it is kept
    under (a refused sheet names rows of people: persons.read)."""
    record = get_object_or_404(scope.visible_to(request.user, ActivityImport).select_related(
        "uploaded_by", "training", "meeting"), pk=pk)
    english = (get_language() or "").startswith("en")
    problems = [{"row": p.get("row") or 0,
                 "column": (p.get("column") if english else (p.get("column_zh") or p.get("column"))) or "",
                 "value": p.get("value") or "",
                 "reason": p.get("reason_en") if english else p.get("reason_zh")} for p in record.problems]
    return render(request, "assistance/imports_detail.html", {
        "record": record, "problems": problems, "back_url": _back_url(record),
    })
