"""The projects core's sheets: projects (with the divisions they serve) for a county or
town, and a project's own funds, expenditures, beneficiaries and revenue. Each kind is its
columns (English name and Chinese header, either accepted) and `<kind>_rows_apply(...)`,
the `apply_rows` of `services.imports.projects_import` (the framework) that writes through services.projects, so
every row meets the same rules as the forms: an expenditure row that would overspend its
fund, counting the rows above it in the sheet, is refused like any other bad row."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.projects.models import Fund, Project, Revenue
from neisheng.projects.selectors_projects import projects_visible
from neisheng.projects.services.imports import (  # noqa: F401  (the framework, for areas not yet moved)
    KIND_CAPABILITY,
    RETURN_URLS,
    ImportColumn,
    ImportRefused,
    Kind,
    RowProblem,
    households_resolve,
    kind_label,
    persons_resolve,
    problem,
    projects_import,
    refusal_problems,
    rows_read,
    rows_refused,
)
from neisheng.projects.services.projects import (
    beneficiary_add,
    expenditure_add,
    fund_add,
    project_create,
    revenue_add,
)

REFUSALS = (ValidationError, PermissionDenied, Http404)

PROJECT_COLUMNS = [
    ImportColumn("number", "项目编号", "text", required=False, max_length=40),
    ImportColumn("name", "项目名称", "text", max_length=120),
    ImportColumn("kind", "项目类型", "choice", choices=list(Project.Kind.choices)),
    ImportColumn("division_code", "主管区划代码", "text", max_length=12),
    ImportColumn("served_codes", "受益区划代码", "text", required=False, max_length=400),
    ImportColumn("description", "项目内容", "text", required=False, max_length=2000),
    ImportColumn("started_on", "开工日期", "date", required=False),
    ImportColumn("completed_on", "建成日期", "date", required=False),
    ImportColumn("manager", "管护单位", "text", required=False, max_length=100),
]
FUND_COLUMNS = [
    ImportColumn("source", "资金来源", "choice", choices=list(Fund.Source.choices)),
    ImportColumn("amount", "金额", "decimal", minimum=Decimal("0.01")),
    ImportColumn("received_on", "到位日期", "date"),
    ImportColumn("document_no", "文号", "text", required=False, max_length=80),
    ImportColumn("note", "说明", "text", required=False, max_length=200),
]
EXPENDITURE_COLUMNS = [
    ImportColumn("source", "资金来源", "choice", choices=list(Fund.Source.choices)),
    ImportColumn("fund_document_no", "资金文号", "text", required=False, max_length=80),
    ImportColumn("amount", "金额", "decimal", minimum=Decimal("0.01")),
    ImportColumn("spent_on", "支出日期", "date"),
    ImportColumn("purpose", "用途", "text", max_length=200),
    ImportColumn("payee", "收款单位", "text", required=False, max_length=120),
    ImportColumn("voucher_no", "凭证号", "text", required=False, max_length=60),
]
BENEFICIARY_COLUMNS = [
    ImportColumn("household_id", "户编号", "text", max_length=40),
    ImportColumn("starts_on", "受益开始日期", "date"),
    ImportColumn("ends_on", "受益结束日期", "date", required=False),
    ImportColumn("note", "说明", "text", required=False, max_length=200),
]
REVENUE_COLUMNS = [
    ImportColumn("year", "年度", "int", minimum=2000, maximum=2100),
    ImportColumn("kind", "收益类型", "choice", choices=list(Revenue.Kind.choices)),
    ImportColumn("amount", "金额", "decimal", minimum=Decimal("0.01")),
    ImportColumn("received_on", "到账日期", "date"),
    ImportColumn("payer", "付款单位", "text", required=False, max_length=120),
    ImportColumn("note", "说明", "text", required=False, max_length=200),
]
# The sheets a project's page takes, by kind: (columns, file name of the blank sheet).
PROJECT_SHEETS = {
    Kind.FUNDS: (FUND_COLUMNS, "项目资金-funds"),
    Kind.EXPENDITURES: (EXPENDITURE_COLUMNS, "资金支出-expenditures"),
    Kind.BENEFICIARIES: (BENEFICIARY_COLUMNS, "受益户-beneficiaries"),
    Kind.REVENUE: (REVENUE_COLUMNS, "项目收益-revenue"),
}


def _by_name(columns) -> dict[str, ImportColumn]:
    return {c.name: c for c in columns}


def served_codes_split(text: str | None) -> list[str]:
    """Division codes written in one cell, separated by commas, 、, semicolons or spaces."""
    return [c for c in re.split(r"[\s,,、;;]+", text or "") if c]


def project_rows_apply(user, request=None) -> Callable:
    columns = _by_name(PROJECT_COLUMNS)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        numbers = {r["number"] for r in rows if r.get("number")}
        existing = set(projects_visible(user).filter(number__in=numbers).values_list("division_code", "number")) \
            if numbers else set()
        first_row: dict[tuple, int] = {}
        for row in rows:
            key = (row["division_code"], row.get("number"))
            if row.get("number"):
                # A sheet imported twice must not make every project twice.
                if key in existing:
                    problems.append(problem(row["row"], columns["number"], row["number"],
                                            "该区划已有这个项目编号的项目",
                                            "a project with this number already exists in this division"))
                    continue
                if key in first_row:
                    problems.append(problem(row["row"], columns["number"], row["number"],
                                            f"与第 {first_row[key]} 行是同一个项目编号",
                                            f"the same project number as row {first_row[key]}"))
                    continue
                first_row[key] = row["row"]
            try:
                project_create(user=user, division_code=row["division_code"], name=row["name"], kind=row["kind"],
                               served_codes=served_codes_split(row.get("served_codes")),
                               number=row.get("number") or "", description=row.get("description") or "",
                               started_on=row.get("started_on"), completed_on=row.get("completed_on"),
                               manager=row.get("manager") or "", request=request)
            except REFUSALS as error:
                problems += rows_refused(row, error, columns)
        return problems

    return apply_rows


def _fund_of(project, row: dict, columns: dict[str, ImportColumn]) -> tuple[Fund | None, RowProblem | None]:
    """The project's fund a row names: by its source and, when the project has several
    funds of that source, its document number."""
    funds = [f for f in project.funds.all() if f.source == row["source"]]
    if row.get("fund_document_no"):
        funds = [f for f in funds if f.document_no == row["fund_document_no"]]
    if len(funds) == 1:
        return funds[0], None
    if not funds:
        return None, problem(row["row"], columns["source"], row["source"], "本项目没有这个来源(和文号)的资金",
                             "the project has no fund of this source (and document number)")
    return None, problem(row["row"], columns["fund_document_no"], row.get("fund_document_no") or "",
                         "本项目有多笔这个来源的资金,请填写资金文号",
                         "the project has several funds of this source; give the fund's document number")


def fund_rows_apply(user, project, request=None) -> Callable:
    columns = _by_name(FUND_COLUMNS)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for row in rows:
            try:
                fund_add(user=user, project=project, source=row["source"], amount=row["amount"],
                         received_on=row["received_on"], document_no=row.get("document_no") or "",
                         note=row.get("note") or "", request=request)
            except REFUSALS as error:
                problems += rows_refused(row, error, columns)
        return problems

    return apply_rows


def expenditure_rows_apply(user, project, request=None) -> Callable:
    """Each row spends from the fund it names, in the sheet's order: a row that would
    overspend its fund, counting the rows above it, is refused."""
    columns = _by_name(EXPENDITURE_COLUMNS)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for row in rows:
            fund, bad = _fund_of(project, row, columns)
            if bad is not None:
                problems.append(bad)
                continue
            try:
                expenditure_add(user=user, fund=fund, amount=row["amount"], spent_on=row["spent_on"],
                                purpose=row["purpose"], payee=row.get("payee") or "",
                                voucher_no=row.get("voucher_no") or "", request=request)
            except REFUSALS as error:
                problems += rows_refused(row, error, columns)
        return problems

    return apply_rows


def beneficiary_rows_apply(user, project, request=None) -> Callable:
    columns = _by_name(BENEFICIARY_COLUMNS)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        # The same household on two rows is two periods (it left and came back); an
        # overlap between them is the service's refusal.
        households, problems = households_resolve(user=user, rows=rows, column=columns["household_id"], once=False)
        for row in (r for r in rows if r["row"] in households):
            try:
                beneficiary_add(user=user, project=project, household=households[row["row"]],
                                starts_on=row["starts_on"], ends_on=row.get("ends_on"), note=row.get("note") or "",
                                request=request)
            except REFUSALS as error:
                problems += rows_refused(row, error, {**columns, "household": columns["household_id"]})
        return problems

    return apply_rows


def revenue_rows_apply(user, project, request=None) -> Callable:
    columns = _by_name(REVENUE_COLUMNS)

    def apply_rows(rows: list[dict]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for row in rows:
            try:
                revenue_add(user=user, project=project, year=row["year"], kind=row["kind"], amount=row["amount"],
                            received_on=row["received_on"], payer=row.get("payer") or "",
                            note=row.get("note") or "", request=request)
            except REFUSALS as error:
                problems += rows_refused(row, error, columns)
        return problems

    return apply_rows


def project_sheet_apply(kind: str, user, project, request=None) -> Callable:
    """The `apply_rows` of one of a project's sheets (PROJECT_SHEETS)."""
    return {Kind.FUNDS: fund_rows_apply, Kind.EXPENDITURES: expenditure_rows_apply,
            Kind.BENEFICIARIES: beneficiary_rows_apply, Kind.REVENUE: revenue_rows_apply}[kind](
        user, project, request)
