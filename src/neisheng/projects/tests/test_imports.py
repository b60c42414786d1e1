"""Projects' workbooks ("import from Excel like every import"): all or nothing, every bad
row named, Chinese or English headers, the blank sheet downloadable; an expenditure row
that would overspend its fund, counting the rows above it, refuses the whole sheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.projects import imports
from neisheng.projects.models import (
    Beneficiary,
    Expenditure,
    Fund,
    Project,
    ProjectDivision,
    ProjectsImport,
    Revenue,
)
from neisheng.projects.services.imports import Kind, projects_import
from neisheng.projects.services.projects import expenditure_add, fund_add, project_create
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=30)


def workbook(header, rows, name="sheet.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def counts() -> dict:
    return {"projects": Project.objects.count(), "served": ProjectDivision.objects.count(),
            "funds": Fund.objects.count(), "spent": Expenditure.objects.count(),
            "beneficiaries": Beneficiary.objects.count(), "revenue": Revenue.objects.count(),
            "audit": AuditEvent.objects.exclude(object_type="projects_import").count()}


@pytest.fixture
def officer(make_user, places):
    return make_user("county", places["county"])


@pytest.fixture
def project(officer, places):
    return project_create(user=officer, division_code=places["town"].code, name="光伏电站", kind="photovoltaic",
                          served_codes=[places["village"].code])


def run(user, kind, upload, *, project=None, division_code=None):
    sheets = {Kind.PROJECTS: (imports.PROJECT_COLUMNS, lambda: imports.project_rows_apply(user))}
    if kind in imports.PROJECT_SHEETS:
        columns = imports.PROJECT_SHEETS[kind][0]
        apply_rows = imports.project_sheet_apply(kind, user, project)
    else:
        columns, make = sheets[kind]
        apply_rows = make()
    return projects_import(user=user, kind=kind, file=upload, columns=columns, apply_rows=apply_rows,
                           division_code=division_code or (project.division_code if project else user.division_id),
                           project=project)


def test_a_projects_sheet_in_chinese_is_applied_whole_with_its_served_divisions(officer, places):
    village, town = places["village"], places["town"]
    before = counts()
    upload = workbook(["项目编号", "项目名称", "项目类型", "主管区划代码", "受益区划代码", "开工日期"], [
        ["GF-1", "村级光伏电站", "光伏电站", village.code, "", "2020-05-01"],
        [],
        ["DP-1", "蔬菜大棚园区", "greenhouse", town.code, f"{village.code}、{town.code}", None],
    ])
    record = run(officer, Kind.PROJECTS, upload)
    assert record.outcome == ProjectsImport.Outcome.APPLIED, record.problems
    assert record.rows_written == 2
    after = counts()
    assert after["projects"] == before["projects"] + 2
    park = Project.objects.get(number="DP-1")
    assert park.kind == "greenhouse" and park.division_code == town.code
    assert sorted(park.divisions.values_list("division_code", flat=True)) == sorted([village.code, town.code])
    station = Project.objects.get(number="GF-1")
    assert list(station.divisions.values_list("division_code", flat=True)) == [village.code]
    assert station.started_on == dt.date(2020, 5, 1)


def test_a_projects_sheet_with_english_headers_is_read_too(officer, places):
    upload = workbook(["name", "kind", "division_code"], [["Workshop", "workshop", places["town"].code]])
    record = run(officer, Kind.PROJECTS, upload)
    assert record.outcome == "applied", record.problems
    assert Project.objects.filter(name="Workshop", kind="workshop").exists()


def test_a_bad_row_refuses_the_whole_projects_sheet_and_names_every_bad_row(officer, places):
    before = counts()
    upload = workbook(["项目编号", "项目名称", "项目类型", "主管区划代码", "受益区划代码"], [
        ["A-1", "好项目", "光伏电站", places["town"].code, ""],
        ["A-2", "外县项目", "光伏电站", places["other_county"].code, ""],
        ["A-3", "类型不对", "火箭", places["town"].code, ""],
        ["A-1", "重复编号", "合作社", places["town"].code, ""],
        ["A-5", "受益区划在外县", "合作社", places["town"].code, places["other_village"].code],
    ])
    record = run(officer, Kind.PROJECTS, upload)
    assert record.outcome == ProjectsImport.Outcome.REFUSED
    assert counts() == before
    rows = sorted({p["row"] for p in record.problems})
    assert rows == [3, 4, 5, 6]
    by_row = {p["row"]: p for p in record.problems}
    assert by_row[3]["column"] == "division_code" and by_row[3]["column_zh"] == "主管区划代码"
    assert by_row[4]["column"] == "kind" and by_row[4]["value"] == "火箭"
    assert "第 2 行" in by_row[5]["reason_zh"] and "row 2" in by_row[5]["reason_en"]
    assert by_row[6]["column"] == "served_codes"


def test_a_missing_column_is_named_and_nothing_is_read(officer):
    record = run(officer, Kind.PROJECTS, workbook(["项目名称"], [["x"]]))
    assert record.outcome == "refused"
    assert {p["column"] for p in record.problems} == {"kind", "division_code"}
    assert all(p["row"] == 1 for p in record.problems)


def test_funds_and_revenue_sheets_of_a_project(officer, project):
    funds = workbook(["资金来源", "金额", "到位日期", "文号"], [
        ["中央资金", "600000", DAY, "财农〔2020〕1号"], ["county", 460000.5, DAY.isoformat(), ""]])
    record = run(officer, Kind.FUNDS, funds, project=project)
    assert record.outcome == "applied", record.problems
    assert record.project == project and record.division_code == project.division_code
    assert sorted(project.funds.values_list("amount", flat=True)) == [Decimal("460000.50"), Decimal("600000.00")]
    revenue = workbook(["year", "kind", "amount", "received_on", "payer"], [
        [2024, "rent", "130000", DAY, "某公司"], [2025, "售电收入", "128000.00", DAY, ""]])
    record = run(officer, Kind.REVENUE, revenue, project=project)
    assert record.outcome == "applied", record.problems
    assert [(r.year, r.kind) for r in project.revenues.order_by("year")] == [(2024, "rent"), (2025, "electricity")]


def test_an_expenditure_sheet_that_would_overspend_counting_earlier_rows_writes_nothing(officer, project):
    fund = fund_add(user=officer, project=project, source="central", amount=Decimal("1000.00"), received_on=DAY)
    expenditure_add(user=officer, fund=fund, amount=Decimal("200.00"), spent_on=DAY, purpose="设计费")
    before = counts()
    upload = workbook(["资金来源", "金额", "支出日期", "用途"], [
        ["中央资金", "500", DAY, "组件"],
        ["中央资金", "300", DAY, "支架"],      # 1,000.00 spent: exactly the fund
        ["中央资金", "0.01", DAY, "超支一分"],  # one fen over, counting the rows above
        ["县级资金", "10", DAY, "没有这笔资金"],
    ])
    record = run(officer, Kind.EXPENDITURES, upload, project=project)
    assert record.outcome == "refused"
    assert counts() == before
    by_row = {p["row"]: p for p in record.problems}
    assert sorted(by_row) == [4, 5]
    assert by_row[4]["column"] == "amount" and by_row[4]["value"] == "0.01"
    assert "余额 0.00 元" in by_row[4]["reason_zh"]
    assert by_row[5]["column"] == "source"
    # Without the bad rows the same spending is taken, to the fen.
    upload = workbook(["source", "amount", "spent_on", "purpose"], [
        ["central", "500", DAY, "组件"], ["central", "300", DAY, "支架"]])
    assert run(officer, Kind.EXPENDITURES, upload, project=project).outcome == "applied"
    assert sum(fund.expenditures.values_list("amount", flat=True)) == Decimal("1000.00")


def test_an_expenditure_names_the_fund_by_its_document_number_when_a_source_has_several(officer, project):
    fund_add(user=officer, project=project, source="central", amount=100, received_on=DAY, document_no="A")
    second = fund_add(user=officer, project=project, source="central", amount=100, received_on=DAY, document_no="B")
    upload = workbook(["资金来源", "资金文号", "金额", "支出日期", "用途"], [
        ["中央资金", "", "10", DAY, "不知哪笔"], ["中央资金", "B", "10", DAY, "第二笔"]])
    record = run(officer, Kind.EXPENDITURES, upload, project=project)
    assert record.outcome == "refused"
    assert [(p["row"], p["column"]) for p in record.problems] == [(2, "fund_document_no")]
    upload = workbook(["资金来源", "资金文号", "金额", "支出日期", "用途"], [["中央资金", "B", "10", DAY, "第二笔"]])
    assert run(officer, Kind.EXPENDITURES, upload, project=project).outcome == "applied"
    assert second.expenditures.count() == 1


def test_a_beneficiary_sheet_resolves_households_in_scope_only(officer, project, places):
    mine = list(Household.objects.filter(village=places["village"]).order_by("pk")[:2])
    elsewhere = Household.objects.filter(village=places["other_village"]).first()
    # A second village of the town (the synthetic town has one), which the project does not serve.
    from neisheng.registry.models import Division

    second = Division.objects.create(code=places["town"].prefix + "299", name="新村", level=5, parent=places["town"])
    outside_served = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    Household.objects.filter(pk=outside_served.pk).update(village=second)
    before = counts()
    upload = workbook(["户编号", "受益开始日期", "受益结束日期"], [
        [mine[0].pk, DAY, None],
        [mine[1].pk, DAY, DAY - dt.timedelta(days=1)],
        [elsewhere.pk, DAY, None],
        [outside_served.pk, DAY, None],
        [mine[0].pk, DAY + dt.timedelta(days=3), None],  # overlaps row 2
    ])
    record = run(officer, Kind.BENEFICIARIES, upload, project=project)
    assert record.outcome == "refused"
    assert counts() == before
    by_row = {p["row"]: p for p in record.problems}
    assert sorted(by_row) == [3, 4, 5, 6]
    assert by_row[3]["column"] == "ends_on"
    assert by_row[4]["reason_en"] == "no household with this number is registered within your scope"
    assert by_row[5]["column"] == "household_id"
    assert by_row[6]["column"] == "household_id" and by_row[6]["value"] == mine[0].pk
    upload = workbook(["household_id", "starts_on"], [[mine[0].pk, DAY], [mine[1].pk, DAY]])
    assert run(officer, Kind.BENEFICIARIES, upload, project=project).outcome == "applied"
    assert project.beneficiaries.count() == 2


def test_imports_need_the_capability_and_the_division_in_scope(make_user, officer, places):
    auditor = make_user("auditor", places["county"])
    with pytest.raises(PermissionDenied):
        run(auditor, Kind.PROJECTS, workbook(["name"], [["x"]]), division_code=places["county"].code)
    with pytest.raises(Http404):
        run(officer, Kind.PROJECTS, workbook(["name"], [["x"]]), division_code=places["other_county"].code)
    assert not ProjectsImport.objects.exists()


def test_the_result_page_lists_every_problem_and_is_scoped(client, officer, make_user, places):
    record = run(officer, Kind.PROJECTS, workbook(["项目名称", "项目类型", "主管区划代码"], [
        ["甲", "火箭", places["town"].code], ["乙", "光伏电站", "123"]], name="项目表.xlsx"))
    client.force_login(officer)
    page = client.get(reverse("projects:import_detail", args=[record.pk])).content.decode()
    assert 'data-outcome="refused"' in page and "项目表.xlsx" in page
    assert page.count('class="import-problem"') == 2
    assert "「火箭」" in page and "主管区划代码" in page
    other = make_user("county", places["other_county"])
    client.force_login(other)
    assert client.get(reverse("projects:import_detail", args=[record.pk])).status_code == 404
