"""The projects app's imports, for every area: `import_handle` (a POST of the import form
→ the area's import service → the result page), `import_template_response` (a blank
sheet), `import_context` (what `projects/imports_form.html` reads) and the result page
`/projects/imports/<pk>/` (applied with its rows, or refused with every problem by row,
column, value and reason). The form, the sheet and the columns' description are
assistance's (assistance.views_imports), shared by every import of the platform."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from neisheng.accounts.access import PERSONS_READ
from neisheng.assistance.imports import ActivityImportForm
from neisheng.assistance.views_imports import (  # noqa: F401  (re-exported for the areas)
    columns_described,
    import_form,
    import_template_response,
)
from neisheng.platform import scope
from neisheng.platform.access import requires
from neisheng.projects.models import ProjectsImport
from neisheng.projects.services.imports import RETURN_URLS, kind_label


def import_handle(request, *, run) -> HttpResponse | ActivityImportForm:
    """For a POST of an import form: `run(file)` (the area's import service, returning a
    ProjectsImport) and the redirect to its result page; or the bound form with its errors
    (no file, not a workbook, too large), for the caller to render again with status 400."""
    form = import_form(request)
    if not form.is_valid():
        return form
    record = run(form.cleaned_data["file"])
    return redirect("projects:import_detail", pk=record.pk)


def import_context(request, *, columns, template_url: str = "", form=None) -> dict:
    """What `projects/imports_form.html` reads: the form (bound after a failed POST),
    where it posts (the page itself), the blank sheet and the columns described."""
    return {"import_form": form or ActivityImportForm(), "import_action": request.path,
            "template_url": template_url, "import_columns": columns_described(columns)}


def _back_url(record: ProjectsImport) -> str | None:
    if record.project_id:
        return reverse("projects:detail", args=[record.project_id])
    name = RETURN_URLS.get(record.kind)
    try:
        return reverse(name) if name else None
    except NoReverseMatch:
        return None


@requires(PERSONS_READ)
@require_http_methods(["GET", "HEAD"])
def import_detail(request, pk):
    """One import: what it was and what became of it, seen within the division it is
    kept under (a refused sheet names households: persons.read)."""
    record = get_object_or_404(scope.visible_to(request.user, ProjectsImport).select_related(
        "uploaded_by", "project"), pk=pk)
    english = (get_language() or "").startswith("en")
    problems = [{"row": p.get("row") or 0,
                 "column": (p.get("column") if english else (p.get("column_zh") or p.get("column"))) or "",
                 "value": p.get("value") or "",
                 "reason": p.get("reason_en") if english else p.get("reason_zh")} for p in record.problems]
    return render(request, "projects/imports_detail.html", {
        "record": record, "problems": problems, "back_url": _back_url(record), "kind_label": kind_label(record.kind),
    })
