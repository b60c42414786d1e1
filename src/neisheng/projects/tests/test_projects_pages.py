"""The projects core's pages as an officer uses them: the list with its filters and
export, a new project, its page (funds in and out by source, expenditures, beneficiaries
over time, revenue per year with a chart), the forms (an overspend shown on the amount,
nothing written), documents (the download audited) and the imports."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.projects.models import Expenditure, Project, ProjectsImport
from neisheng.projects.services import projects as services
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=60)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def officer(make_user, places, client):
    user = make_user("town", places["town"])
    client.force_login(user)
    return user


@pytest.fixture
def project(officer, places):
    project = services.project_create(user=officer, division_code=places["town"].code, name="蔬菜大棚园区",
                                      kind="greenhouse", served_codes=[places["village"].code], number="DP-01")
    central = services.fund_add(user=officer, project=project, source="central", amount=Decimal(600000),
                                received_on=DAY)
    services.fund_add(user=officer, project=project, source="county", amount=Decimal(460000), received_on=DAY)
    services.expenditure_add(user=officer, fund=central, amount=Decimal("599999.99"), spent_on=DAY,
                             purpose="钢架大棚")
    services.revenue_add(user=officer, project=project, year=TODAY.year - 1, kind="rent", amount=Decimal(130000),
                         received_on=DAY)
    for household in Household.objects.filter(village=places["village"]).order_by("household_id")[:3]:
        services.beneficiary_add(user=officer, project=project, household=household, starts_on=DAY)
    return project


def text(response) -> str:
    return response.content.decode()


def workbook_rows(response) -> list[list]:
    sheet = openpyxl.load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_list_shows_each_project_with_its_money_and_exports_it(client, officer, project):
    page = text(client.get(reverse("projects:list")))
    row = re.search(rf'<tr data-project="{project.pk}">(.*?)</tr>', page, re.DOTALL).group(1)
    assert "蔬菜大棚园区" in row and "1,060,000.00" in row and "599,999.99" in row and "460,000.01" in row
    assert 'data-project' not in text(client.get(reverse("projects:list") + "?kind=photovoltaic"))
    assert f'data-project="{project.pk}"' in text(client.get(reverse("projects:list") + "?q=DP-01"))
    exported = client.post(reverse("projects:list") + "?kind=greenhouse")
    assert exported["Content-Type"].startswith(XLSX)
    rows = workbook_rows(exported)
    assert rows[0][:3] == ["项目编号", "项目名称", "项目类型"]
    assert rows[1][:3] == ["DP-01", "蔬菜大棚园区", "大棚园区"] and Decimal(str(rows[1][11])) == Decimal("460000.01")
    assert AuditEvent.objects.filter(action="export", object_type="project_list").exists()


def test_a_new_project_is_made_from_the_form(client, officer, places):
    form = text(client.get(reverse("projects:new")))
    assert "请选择" in form and "---------" not in form
    response = client.post(reverse("projects:new"), {
        "division_code": places["town"].code, "served_codes": [places["village"].code], "name": "扶贫车间",
        "kind": "workshop", "started_on": "2021-03-01"})
    project = Project.objects.get(name="扶贫车间")
    assert response.status_code == 302 and response["Location"] == reverse("projects:detail", args=[project.pk])
    assert list(project.divisions.values_list("division_code", flat=True)) == [places["village"].code]


def test_the_project_page_shows_funds_by_source_beneficiaries_revenue_and_a_chart(client, officer, project):
    page = text(client.get(reverse("projects:detail", args=[project.pk])))
    central = re.search(r'<tr class="fund-source" data-source="central">(.*?)</tr>', page, re.DOTALL).group(1)
    assert re.findall(r">([\d,.]+)</td>", central) == ["600,000.00", "599,999.99", "0.01"]
    assert "资金到位 1,060,000.00 元,已支出 599,999.99 元,余额 460,000.01 元。" in page
    assert "目前受益户 3 户。" in page
    assert page.count('class="beneficiary"') == 3
    assert f'data-year="{TODAY.year - 1}"' in page and "130,000.00" in page
    assert '<svg' in page and 'id="project-revenue"' in page
    exported = client.post(reverse("projects:detail", args=[project.pk]), {"card": "project-revenue"})
    assert workbook_rows(exported)[1][:2] == [str(TODAY.year - 1), 130000]


def test_an_overspend_in_the_form_is_shown_on_the_amount_and_nothing_is_written(client, officer, project):
    fund = project.funds.get(source="central")
    before = Expenditure.objects.count()
    response = client.post(reverse("projects:expenditure_new", args=[project.pk]), {
        "fund": fund.pk, "amount": "0.02", "spent_on": DAY.isoformat(), "purpose": "多支两分"})
    assert response.status_code == 200
    field = re.search(r'id="field-amount".*?</div>\s*</div>|id="field-amount".*?(?=<div class="field)',
                      text(response), re.DOTALL).group(0)
    assert "超出资金余额" in field and "余额 0.01 元" in field
    assert Expenditure.objects.count() == before
    response = client.post(reverse("projects:expenditure_new", args=[project.pk]), {
        "fund": fund.pk, "amount": "0.01", "spent_on": DAY.isoformat(), "purpose": "刚好用完"})
    assert response.status_code == 302 and Expenditure.objects.count() == before + 1


def test_a_document_is_uploaded_and_its_download_audited(client, officer, project):
    response = client.post(reverse("projects:document_new", args=[project.pk]), {
        "title": "租赁合同", "file": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 lease")})
    assert response.status_code == 302
    document = project.documents.get()
    page = text(client.get(reverse("projects:detail", args=[project.pk])))
    assert reverse("projects:document", args=[project.pk, document.pk]) in page
    download = client.get(reverse("projects:document", args=[project.pk, document.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 lease"
    assert AuditEvent.objects.filter(action="export", object_type="project_document",
                                     object_id=str(document.pk)).count() == 1


def test_a_served_village_cadre_sees_the_project_without_its_money_forms(client, make_user, places, project):
    cadre = make_user("village", places["village"])
    client.force_login(cadre)
    page = text(client.get(reverse("projects:detail", args=[project.pk])))
    assert 'id="fund-new"' not in page and 'id="beneficiary-new"' in page
    assert client.get(reverse("projects:fund_new", args=[project.pk])).status_code == 403
    elsewhere = make_user("county", places["other_county"])
    client.force_login(elsewhere)
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404


def test_a_revenue_sheet_is_imported_from_the_project_page(client, officer, project):
    template = client.get(reverse("projects:import_template", args=["revenue"]))
    assert workbook_rows(template)[0] == ["年度", "收益类型", "金额", "到账日期", "付款单位", "说明"]
    book = openpyxl.Workbook()
    book.active.append(["年度", "收益类型", "金额", "到账日期"])
    book.active.append([TODAY.year, "租金", "65000", DAY.isoformat()])
    buffer = BytesIO()
    book.save(buffer)
    url = reverse("projects:sheet_import", args=[project.pk, "revenue"])
    assert 'id="import-form"' in text(client.get(url))
    response = client.post(url, {"file": SimpleUploadedFile("收益.xlsx", buffer.getvalue())})
    record = ProjectsImport.objects.get()
    assert response["Location"] == reverse("projects:import_detail", args=[record.pk])
    assert record.outcome == "applied" and project.revenues.filter(year=TODAY.year).exists()
    result = text(client.get(response["Location"]))
    assert 'data-outcome="applied"' in result and reverse("projects:detail", args=[project.pk]) in result


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_of_a_project_is_in_one_language(client, officer, project, language):
    from neisheng.web.tests.test_one_language import violations

    refused = client.post(reverse("projects:sheet_import", args=[project.pk, "funds"]), {
        "file": SimpleUploadedFile("资金.csv", "资金来源,金额,到位日期\n火箭,abc,昨天\n".encode())})
    beneficiary = project.beneficiaries.first()
    client.cookies.load({"django_language": language})
    urls = [reverse("projects:list"), reverse("projects:new"), reverse("projects:import"),
            refused["Location"], reverse("projects:detail", args=[project.pk]),
            reverse("projects:beneficiary_end", args=[project.pk, beneficiary.pk])]
    urls += [reverse(f"projects:{name}", args=[project.pk]) for name in (
        "edit", "fund_new", "expenditure_new", "asset_new", "beneficiary_new", "revenue_new", "document_new")]
    urls += [reverse("projects:sheet_import", args=[project.pk, kind])
             for kind in ("funds", "expenditures", "beneficiaries", "revenue")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert violations(text(response), language) == [], url
