"""The plan pages as an officer uses them: a plan drafted from the project's form, its page
showing every household's amount and why with the sum check, the review's steps taken
from the page (approval refused during the publicity, nothing changed), the pay button
writing the ledger, the publicity list as Excel (names and amounts, no ID numbers), an
existing plan imported as recorded, and the API."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from neisheng.platform.review import review_of
from neisheng.projects.models import DistributionPlan, Payment, ProjectsImport
from neisheng.projects.services import plans
from neisheng.projects.tests.test_plans import D0, day, make_project, publicised, six
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def town_officer(make_user, places):
    return make_user("town", places["town"])


@pytest.fixture
def project(places):
    return make_project(places["village"], six(places["village"]))


def _draft(client, project, revenue, **values):
    data = {"revenue": revenue.pk, "title": "2026年光伏收益分配", "plan_on": day(0).isoformat(),
            "collective_share": "0", "method": "per_household", "note": "", **values}
    return client.post(f"/projects/{project.pk}/plans/new/", data)


def test_a_plan_drafted_on_its_page_shows_each_households_amount_and_why(client, cadre, project, places):
    project, revenue = project
    client.force_login(cadre)
    page = client.get(f"/projects/{project.pk}/plans/new/").content.decode()
    households = six(places["village"])
    assert all(f'name="weight_{h.household_id}"' in page for h in households)

    response = _draft(client, project, revenue)
    plan = DistributionPlan.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/projects/plans/{plan.pk}/"
    page = client.get(response["Location"]).content.decode()
    rows = re.findall(r'<tr class="plan-line" data-household="(\d+)" data-amount="([\d.]+)">(.*?)</tr>', page, re.DOTALL)
    assert [(h, a) for h, a, _ in rows] == [(h.household_id, "1166.67") for h in households[:4]] + \
        [(h.household_id, "1166.66") for h in households[4:]]
    first = rows[0][2]
    assert "1/6" in first and "1166.6667" in first
    head = Person.objects.filter(household=households[0], relation="head").order_by("-alive").first()
    assert head.name in first and head.person_id not in page
    check = re.search(r'<p id="plan-sum-check" data-balanced="(\d)"[^>]*>(.*?)</p>', page, re.DOTALL)
    assert check.group(1) == "1" and "7,000.00" in check.group(2) and "与分配金额一致" in check.group(2)
    # The steps a cadre of the village may take on a draft.
    assert 'id="step-submit"' in page and 'id="step-reject"' in page


def test_weighted_plans_take_one_weight_per_beneficiary_from_the_form(client, cadre, project, places):
    project, revenue = project
    client.force_login(cadre)
    households = six(places["village"])
    weights = {f"weight_{h.household_id}": "1" for h in households}
    weights[f"weight_{households[0].household_id}"] = "2.5"
    assert _draft(client, project, revenue, method="weighted", **weights).status_code == 302
    plan = DistributionPlan.objects.get(project=project)
    # 7,000 × 2.5 / 7.5 = 2,333.33…; the others 933.33…
    assert plan.shares.get(household=households[0]).amount == Decimal("2333.34")
    assert sum(s.amount for s in plan.shares.all()) == Decimal("7000.00")


def test_a_refused_draft_says_why_next_to_the_field(client, cadre, project):
    project, revenue = project
    client.force_login(cadre)
    response = _draft(client, project, revenue, plan_on=(D0 - dt.timedelta(days=400)).isoformat())
    assert response.status_code == 400 and "方案日期当天该项目没有受益户" in response.content.decode()
    assert not DistributionPlan.objects.exists()


def _step(client, plan, step, **values):
    return client.post(f"/projects/plans/{plan.pk}/{step}/", {f"{step}-{k}": v for k, v in values.items()})


def test_the_review_taken_from_the_page_refuses_approval_during_publicity_and_then_approves(
        client, cadre, town_officer, project):
    project, revenue = project
    client.force_login(cadre)
    _draft(client, project, revenue)
    plan = DistributionPlan.objects.get(project=project)
    assert _step(client, plan, "submit", submitted_on=day(1)).status_code == 302
    assert _step(client, plan, "decide", decision="agreed", council_on=day(2), note="同意").status_code == 302
    assert _step(client, plan, "publicise", start_on=day(3)).status_code == 302
    page = client.get(f"/projects/plans/{plan.pk}/").content.decode()
    assert 'data-review-state="publicised"' in page and 'id="step-object"' in page
    assert 'id="step-approve"' not in page  # not for the village that decided

    client.force_login(town_officer)
    refused = _step(client, plan, "approve", approved_on=day(5))
    assert refused.status_code == 400 and "尚在公示期内" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.state == "reviewing" and not plan.payments.exists() and review_of(plan).state == "publicised"

    assert _step(client, plan, "approve", approved_on=day(8), note="同意").status_code == 302
    plan.refresh_from_db()
    assert plan.state == "approved" and plan.payments.count() == 6
    page = client.get(f"/projects/plans/{plan.pk}/").content.decode()
    payment = plan.payments.order_by("household_id").first()
    assert f'id="pay-{payment.pk}"' in page

    response = client.post(f"/projects/payments/{payment.pk}/pay/", {"paid_on": day(9), "voucher_no": "V-1"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.state == "paid" and payment.ledger_item.item == "dividend"
    again = client.post(f"/projects/payments/{payment.pk}/pay/", {"paid_on": day(9)})
    assert again.status_code == 400 and "已发放" in again.content.decode()
    assert IncomeItem.objects.filter(household_id=payment.household_id, source=f"project:{project.pk}").count() == 1


def test_the_publicity_list_is_a_workbook_of_names_and_amounts_without_id_numbers(client, cadre, project, places):
    project, revenue = project
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal(0), method="per_household")
    client.force_login(cadre)
    response = client.post(f"/projects/plans/{plan.pk}/")
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    text = "\n".join("\t".join("" if c is None else str(c) for c in row) for row in rows)
    household = six(places["village"])[0]
    head = Person.objects.filter(household=household, relation="head").order_by("-alive").first()
    assert household.household_id in text and head.name in text and "1166.67" in text
    assert not any(p in text for p in Person.objects.filter(household=household).values_list("person_id", flat=True))


def _workbook(rows) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["户编号", "金额(元)", "发放日期", "发放凭证号"])
    for row in rows:
        sheet.append(row)
    data = BytesIO()
    book.save(data)
    return SimpleUploadedFile("方案.xlsx", data.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_an_existing_plan_is_imported_as_recorded_duplicates_and_outsiders_included(client, cadre, places, project):
    project, revenue = project
    households = six(places["village"])
    outsider = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    rows = [[households[0].household_id, "3000.00", day(5), "V-9"], [households[0].household_id, "3000.00", None, None],
            [outsider.household_id, "1000.00", None, None]]
    client.force_login(cadre)
    response = client.post(f"/projects/{project.pk}/plans/import/", {
        "revenue": revenue.pk, "plan_on": day(0), "collective_amount": "0", "title": "2019年方案",
        "file": _workbook(rows)})
    plan = DistributionPlan.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == f"/projects/plans/{plan.pk}/"
    assert (plan.origin, plan.state) == ("imported", "approved")
    payments = list(plan.payments.order_by("pk"))
    assert [(p.household_id, p.amount, p.state) for p in payments] == [
        (households[0].household_id, Decimal("3000.00"), "paid"),
        (households[0].household_id, Decimal("3000.00"), "pending"),
        (outsider.household_id, Decimal("1000.00"), "pending")]
    assert payments[0].ledger_item.history.first().history_change_reason == f"收益分配 #{payments[0].pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'data-balanced="1"' in page  # 3,000 + 3,000 + 1,000 = 7,000: as recorded


def test_an_import_naming_a_household_outside_the_scope_is_refused_whole_naming_the_row(
        client, cadre, places, project):
    project, revenue = project
    elsewhere = Household.objects.filter(village=places["other_village"]).first()
    rows = [[six(places["village"])[0].household_id, "3000.00", day(5), None], [elsewhere.household_id, "1", None, None]]
    client.force_login(cadre)
    response = client.post(f"/projects/{project.pk}/plans/import/", {
        "revenue": revenue.pk, "plan_on": day(0), "collective_amount": "0", "file": _workbook(rows)})
    record = ProjectsImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/imports/{record.pk}/"
    assert record.outcome == "refused" and [p["row"] for p in record.problems] == [3]
    assert not DistributionPlan.objects.exists() and not Payment.objects.exists()
    assert not IncomeItem.objects.filter(source=f"project:{project.pk}").exists()


def test_the_api_lists_plans_with_the_readers_lines_and_pays_once(cadre, town_officer, project, places, make_user):
    project, revenue = project
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal(0), method="per_household")
    publicised(plan, cadre)
    api = APIClient()
    api.force_authenticate(town_officer)
    refused = api.post(f"/api/distribution-plans/{plan.pk}/approve/", {"approved_on": day(5)}, format="json")
    assert refused.status_code == 400
    approved = api.post(f"/api/distribution-plans/{plan.pk}/approve/", {"approved_on": day(8)}, format="json")
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert len(approved.json()["shares"]) == 6

    listed = api.get("/api/payments/", {"plan": plan.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 6
    first = rows[0]["id"]
    paid = api.post(f"/api/payments/{first}/pay/", {"paid_on": day(9)}, format="json")
    assert paid.status_code == 200 and paid.json()["state"] == "paid" and paid.json()["ledger_item_id"]
    assert api.post(f"/api/payments/{first}/pay/", {"paid_on": day(9)}, format="json").status_code == 400

    elsewhere = APIClient()
    elsewhere.force_authenticate(make_user("county", places["other_county"]))
    assert elsewhere.get(f"/api/distribution-plans/{plan.pk}/").status_code == 404
    assert elsewhere.get(f"/api/payments/{first}/").status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_plan_pages_are_in_one_language_at_every_step(client, cadre, town_officer, project, language):
    """The pages at each state of a plan (the scope matrix's walk sees a few of them)."""
    from neisheng.web.tests.test_one_language import violations

    project, revenue = project
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal("0.1"), method="per_person")
    client.cookies.load({"django_language": language})
    seen = {}

    def visit(user, *urls):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            seen[url] = violations(response.content.decode(), language)

    page = f"/projects/plans/{plan.pk}/"
    visit(cadre, page, f"/projects/{project.pk}/plans/new/", f"/projects/{project.pk}/plans/import/",
          "/projects/plans/?state=draft", f"{page}decide/", f"{page}resolve/")
    plans.plan_submit(user=cadre, plan=plan, submitted_on=day(1))
    visit(cadre, page)
    plans.plan_review_decide(user=cadre, plan=plan, decision="agreed", council_on=day(2), note="同意")
    visit(cadre, page, f"{page}publicise/")
    plans.plan_review_publicise(user=cadre, plan=plan, start_on=day(3))
    plans.plan_review_object(user=cadre, plan=plan, raised_by="李四", raised_on=day(4), text="人数不对")
    visit(town_officer, page)
    refused = client.post(f"{page}approve/", {"approve-approved_on": day(5)})
    seen["approval refused"] = violations(refused.content.decode(), language)
    plans.plan_review_resolve(user=cadre, plan=plan, objection_pk=review_of(plan).objections.get().pk,
                              resolution="已核实", resolved_on=day(6))
    plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8))
    payment = plan.payments.order_by("pk").first()
    plans.payment_pay(user=cadre, payment=payment, paid_on=day(9))
    visit(cadre, page, f"/projects/payments/{plan.payments.order_by('pk').last().pk}/pay/")
    assert {url: found for url, found in seen.items() if found} == {}
