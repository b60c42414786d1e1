"""Workbooks of the projects app (projects, funds, expenditures, beneficiaries, revenue, an
existing plan's payments, a price list, renovation line items): all or nothing, every bad
row named, kept on a `ProjectsImport`.

The same contract as `assistance.imports.activity_import`, whose reader and helpers this
reuses (`rows_read`, `ImportColumn`, `problem`, `RowProblem`, `ImportRefused`,
`refusal_problems`, `persons_resolve`, `households_resolve`): an area describes its sheet
as columns and gives `projects_import` an `apply_rows(rows)` that writes through its
services and returns the problems it found (or raises ImportRefused). A problem anywhere
rolls every write back and the import is saved REFUSED with every problem; otherwise
APPLIED.

The audit's checks run once at the end (`services.audit.audit_batch`), not once per row.
The framework lives among the services because services use it (services.prices imports
price lists through it); the projects core's own sheets are in projects/imports.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from neisheng.accounts.access import (
    DISTRIBUTIONS_PLAN,
    PRICES_EDIT,
    PROJECTS_EDIT,
    RENOVATIONS_RECORD,
    user_may,
)
from neisheng.accounts.services import audit_record
from neisheng.assistance.imports import (  # noqa: F401  (re-exported for the areas' import sheets)
    ImportColumn,
    ImportRefused,
    RowProblem,
    households_resolve,
    import_file_apply,
    persons_resolve,
    problem,
    refusal_problems,
    rows_read,
)
from neisheng.platform import scope
from neisheng.platform.access import refusal
from neisheng.projects.models import ProjectsImport

Kind = ProjectsImport.Kind

# Who may import each kind: the capability of the service its rows go through.
KIND_CAPABILITY = {
    Kind.PROJECTS: PROJECTS_EDIT,
    Kind.FUNDS: PROJECTS_EDIT,
    Kind.EXPENDITURES: PROJECTS_EDIT,
    Kind.BENEFICIARIES: PROJECTS_EDIT,
    Kind.REVENUE: PROJECTS_EDIT,
    Kind.PAYMENTS: DISTRIBUTIONS_PLAN,
    Kind.PRICES: PRICES_EDIT,
    Kind.RENOVATION_ITEMS: RENOVATIONS_RECORD,
}



def kind_label(kind: str) -> str:
    """The kind in the page's language. "项目" alone is already another word's msgid
    (an item), so the projects' sheet is named with a context."""
    from django.utils.translation import pgettext

    if kind == Kind.PROJECTS:
        return pgettext("projects", "项目")
    return str(Kind(kind).label)


# Where an import's result page leads back to, per kind, when it has no project (a list's
# route name); each area sets its own in its register_<letter>().
RETURN_URLS: dict[str, str] = {}


@transaction.atomic
def projects_import(*, user, kind: str, file, division_code: str, columns: Sequence[ImportColumn],
                    apply_rows: Callable[[list[dict]], list[RowProblem]], project=None,
                    request=None) -> ProjectsImport:
    """Keep the uploaded `file` and apply its rows all or nothing. `apply_rows(rows)` gets
    the rows that read cleanly, writes through the services and returns the problems it
    found (or raises ImportRefused); everything it wrote is rolled back when the file has
    any problem. Needs the kind's capability (KIND_CAPABILITY: PermissionDenied) and
    `division_code` within the user's scope (Http404)."""
    from neisheng.projects.services.audit import audit_batch

    if kind not in Kind.values:
        raise ValueError(f"unknown projects import kind {kind!r}")
    capability = KIND_CAPABILITY[kind]
    if not user_may(user, capability):
        raise PermissionDenied(refusal(capability))
    if not division_code or not scope.code_is_within(user, division_code):
        raise Http404("区划不在您的管辖范围内 / division outside your scope")
    name = Path(file.name).name[:255]
    record = ProjectsImport(division_code=division_code, kind=kind, project=project, file_name=name,
                            uploaded_by=user)
    # The audit's checks run once at the end of the sheet, not once per row.
    rows, problems = import_file_apply(record=record, file=file, columns=columns, apply_rows=apply_rows,
                                       around=audit_batch)
    audit_record(user=user, action="import", division_code=division_code, object_type="projects_import",
                 object_id=str(record.pk),
                 detail={"kind": kind, "file": name, "sha256": record.sha256, "outcome": record.outcome,
                         "rows": len(rows), "rows_written": record.rows_written, "problems": len(problems),
                         **({"project": project.pk} if project is not None else {})},
                 request=request)
    return record


def rows_refused(row: dict, error: Exception, columns_by_field: dict[str, ImportColumn]) -> list[RowProblem]:
    """A service's refusal (ValidationError, Http404, PermissionDenied) of one row as that
    row's problems, each naming the column its field came from and the row's value there."""
    found = []
    for one in refusal_problems(row["row"], error, columns_by_field):
        column = next((c for c in columns_by_field.values() if c.name == one.column), None)
        value = problem(row["row"], column, row.get(column.name), "", "").value if column else ""
        found.append(RowProblem(one.row, one.column, value, one.reason_zh, one.reason_en, one.column_zh))
    return found
