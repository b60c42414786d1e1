"""Projects and what flows through them (issue 14, item 1): a fund is never spent beyond
what it holds — refused, not flagged, nothing written; every write needs projects.edit
and a project the user sees; beneficiaries come and go by date without overlapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.projects.models import Beneficiary, Expenditure, Fund, Project
from neisheng.projects.selectors_projects import (
    beneficiaries_over_time,
    funds_by_source,
    projects_visible,
)
from neisheng.projects.services import projects as services
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = TODAY - dt.timedelta(days=60)


@pytest.fixture
def town_officer(make_user, places):
    return make_user("town", places["town"])


@pytest.fixture
def project(town_officer, places):
    return services.project_create(user=town_officer, division_code=places["town"].code, name="蔬菜大棚园区",
                                   kind="greenhouse", served_codes=[places["village"].code])


@pytest.fixture
def fund(town_officer, project):
    return services.fund_add(user=town_officer, project=project, source="central", amount=Decimal("1060000.00"),
                             received_on=DAY, document_no="财农〔2020〕1号")


def household_of(village) -> Household:
    return Household.objects.filter(village=village).order_by("household_id").first()


# --------------------------------------------------------------------------- overspending


def test_spending_exactly_the_balance_works_and_one_fen_more_is_refused_writing_nothing(town_officer, fund):
    services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("1000000.00"), spent_on=DAY,
                             purpose="钢架大棚")
    services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("60000.00"), spent_on=DAY,
                             purpose="滴灌设备")  # exactly what is left
    assert services.fund_spent(fund) == fund.amount
    before = (Expenditure.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("0.01"), spent_on=DAY, purpose="一分钱")
    assert list(refused.value.message_dict) == ["amount"]
    assert "余额 0.00 元" in refused.value.message_dict["amount"][0]
    assert (Expenditure.objects.count(), AuditEvent.objects.count()) == before


def test_a_spend_beyond_the_balance_is_refused_whatever_was_spent_before(town_officer, project):
    fund = services.fund_add(user=town_officer, project=project, source="county", amount=Decimal("100.00"),
                             received_on=DAY)
    services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("99.99"), spent_on=DAY, purpose="材料")
    with pytest.raises(ValidationError, match="余额 0.01 元"):
        services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("0.02"), spent_on=DAY, purpose="多一分")
    services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("0.01"), spent_on=DAY, purpose="刚好")
    assert fund.expenditures.count() == 2


def test_the_fund_row_is_locked_before_its_spending_is_summed(town_officer, fund):
    """select_for_update: on PostgreSQL a concurrent spend waits for this one and then
    sees it (SQLite serialises writers itself and drops FOR UPDATE from the SQL)."""
    with CaptureQueriesContext(connection) as queries:
        services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("1.00"), spent_on=DAY, purpose="锁")
    sql = [q["sql"] for q in queries.captured_queries]
    fund_read = next(i for i, s in enumerate(sql) if 'FROM "projects_fund"' in s and "SUM" not in s.upper()
                     and "INSERT" not in s.upper())
    summed = next(i for i, s in enumerate(sql) if "SUM" in s.upper() and "projects_expenditure" in s)
    assert fund_read < summed
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in sql[fund_read]


def test_amounts_are_positive_and_to_the_fen(town_officer, project, fund):
    for bad in (Decimal(0), Decimal(-1), Decimal("0.001"), "abc"):
        with pytest.raises(ValidationError) as refused:
            services.fund_add(user=town_officer, project=project, source="central", amount=bad, received_on=DAY)
        assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.expenditure_add(user=town_officer, fund=fund, amount=Decimal("1.005"), spent_on=DAY, purpose="x")
    assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.fund_add(user=town_officer, project=project, source="nowhere", amount=1, received_on=TODAY
                          + dt.timedelta(days=1))
    assert set(refused.value.message_dict) == {"source", "received_on"}


def test_funds_by_source_sum_in_spent_and_balance(town_officer, project, fund):
    other = services.fund_add(user=town_officer, project=project, source="county", amount=Decimal(500),
                              received_on=DAY)
    services.expenditure_add(user=town_officer, fund=fund, amount=Decimal(60000), spent_on=DAY, purpose="a")
    services.expenditure_add(user=town_officer, fund=other, amount=Decimal("0.50"), spent_on=DAY, purpose="b")
    rows = {r["source"]: (r["amount"], r["spent"], r["balance"]) for r in funds_by_source(project)}
    assert rows == {"central": (Decimal("1060000.00"), Decimal("60000.00"), Decimal("1000000.00")),
                    "county": (Decimal("500.00"), Decimal("0.50"), Decimal("499.50"))}


# --------------------------------------------------------------------------- who may write


def test_writes_need_projects_edit(make_user, places, project, fund):
    auditor = make_user("auditor", places["county"])
    for write in (
        lambda: services.project_create(user=auditor, division_code=places["town"].code, name="x", kind="other",
                                        served_codes=[]),
        lambda: services.fund_add(user=auditor, project=project, source="central", amount=1, received_on=DAY),
        lambda: services.expenditure_add(user=auditor, fund=fund, amount=1, spent_on=DAY, purpose="x"),
        lambda: services.revenue_add(user=auditor, project=project, year=2025, kind="rent", amount=1,
                                     received_on=DAY),
    ):
        with pytest.raises(PermissionDenied):
            write()


def test_a_project_outside_the_scope_is_no_such_project(make_user, places, project, fund):
    elsewhere = make_user("county", places["other_county"])
    with pytest.raises(Http404):
        services.fund_add(user=elsewhere, project=project, source="central", amount=1, received_on=DAY)
    with pytest.raises(Http404):
        services.expenditure_add(user=elsewhere, fund=fund, amount=1, spent_on=DAY, purpose="x")
    with pytest.raises(ValidationError) as refused:
        services.project_create(user=elsewhere, division_code=places["town"].code, name="x", kind="other",
                                served_codes=[])
    assert "division_code" in refused.value.message_dict
    assert project not in projects_visible(elsewhere)


def test_a_served_village_sees_the_project_adds_its_villagers_but_not_its_money(make_user, places, project, fund):
    cadre = make_user("village", places["village"])
    assert project in projects_visible(cadre)
    with pytest.raises(PermissionDenied):
        services.expenditure_add(user=cadre, fund=fund, amount=1, spent_on=DAY, purpose="x")
    with pytest.raises(PermissionDenied):
        services.revenue_add(user=cadre, project=project, year=2025, kind="rent", amount=1, received_on=DAY)
    joined = services.beneficiary_add(user=cadre, project=project, household=household_of(places["village"]),
                                      starts_on=DAY)
    assert joined.household.village_id == places["village"].code


def test_served_divisions_lie_within_the_division_running_the_project(town_officer, places):
    with pytest.raises(ValidationError) as refused:
        services.project_create(user=town_officer, division_code=places["town"].code, name="x", kind="other",
                                served_codes=[places["other_village"].code])
    assert "served_codes" in refused.value.message_dict
    alone = services.project_create(user=town_officer, division_code=places["town"].code, name="x", kind="other",
                                    served_codes=[])
    assert list(alone.divisions.values_list("division_code", flat=True)) == [places["town"].code]


def test_an_update_changes_the_served_divisions(town_officer, project, places):
    services.project_update(user=town_officer, project=project, name="大棚园区二期", kind="greenhouse",
                            served_codes=[places["town"].code, places["village"].code])
    project.refresh_from_db()
    assert project.name == "大棚园区二期"
    assert sorted(project.divisions.values_list("division_code", flat=True)) == sorted(
        [places["town"].code, places["village"].code])
    services.project_update(user=town_officer, project=project, name="大棚园区二期", kind="greenhouse",
                            served_codes=[places["town"].code])
    assert list(project.divisions.values_list("division_code", flat=True)) == [places["town"].code]


# --------------------------------------------------------------------------- beneficiaries over time


def test_beneficiaries_join_and_leave_without_overlapping(town_officer, project, places):
    household = household_of(places["village"])
    first = services.beneficiary_add(user=town_officer, project=project, household=household,
                                     starts_on=dt.date(2021, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.beneficiary_add(user=town_officer, project=project, household=household,
                                 starts_on=dt.date(2022, 1, 1))
    assert "household" in refused.value.message_dict
    services.beneficiary_end(user=town_officer, beneficiary=first, ends_on=dt.date(2022, 6, 30))
    with pytest.raises(ValidationError):
        services.beneficiary_end(user=town_officer, beneficiary=first, ends_on=dt.date(2022, 7, 30))
    with pytest.raises(ValidationError):  # still overlaps the ended period by a day
        services.beneficiary_add(user=town_officer, project=project, household=household,
                                 starts_on=dt.date(2022, 6, 30))
    services.beneficiary_add(user=town_officer, project=project, household=household, starts_on=dt.date(2023, 1, 1))
    assert Beneficiary.objects.filter(project=project, household=household).count() == 2


def test_a_household_outside_the_served_divisions_or_the_scope_is_refused(town_officer, make_user, project, places):
    # A second village of the town (the synthetic town has one), not served by the project.
    from neisheng.registry.models import Division

    second = Division.objects.create(code=places["town"].prefix + "299", name="新村", level=5, parent=places["town"])
    outside = Household.objects.filter(village=places["village"]).order_by("-household_id").first()
    Household.objects.filter(pk=outside.pk).update(village=second)
    outside.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.beneficiary_add(user=town_officer, project=project, household=outside, starts_on=DAY)
    assert "household" in refused.value.message_dict
    with pytest.raises(Http404):
        services.beneficiary_add(user=town_officer, project=project,
                                 household=household_of(places["other_village"]), starts_on=DAY)


def test_beneficiaries_over_time_count_joins_leaves_and_those_active(town_officer, project, places):
    a, b, c = Household.objects.filter(village=places["village"]).order_by("household_id")[:3]
    services.beneficiary_add(user=town_officer, project=project, household=a, starts_on=dt.date(2021, 3, 1))
    ended = services.beneficiary_add(user=town_officer, project=project, household=b, starts_on=dt.date(2021, 5, 1))
    services.beneficiary_end(user=town_officer, beneficiary=ended, ends_on=dt.date(2022, 2, 1))
    services.beneficiary_add(user=town_officer, project=project, household=c, starts_on=dt.date(2022, 3, 1))
    seen = beneficiaries_over_time(town_officer, project, today=dt.date(2023, 6, 1))
    assert seen["active_now"] == 2
    assert [(y["year"], y["joined"], y["left"], y["active"]) for y in seen["by_year"]] == [
        (2021, 2, 0, 2), (2022, 1, 1, 2), (2023, 0, 0, 2)]


# --------------------------------------------------------------------------- the rest


def test_assets_revenue_and_documents_are_kept_with_the_audit_trail(town_officer, project):
    asset = services.asset_add(user=town_officer, project=project, name="钢架大棚 40 座", value=Decimal(1000000),
                               location="一组", holder="村集体")
    revenue = services.revenue_add(user=town_officer, project=project, year=2025, kind="rent",
                                   amount=Decimal(130000), received_on=DAY, payer="某农业公司")
    document = services.document_add(user=town_officer, project=project, title="租赁合同",
                                     file=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract"))
    assert asset.value == Decimal("1000000.00") and revenue.year == 2025
    assert document.file_name == "合同.pdf" and document.size == 17 and len(document.sha256) == 64
    kinds = set(AuditEvent.objects.filter(detail__project=project.pk).values_list("object_type", flat=True))
    assert {"project_asset", "project_revenue", "project_document"} <= kinds
    with pytest.raises(ValidationError) as refused:
        services.revenue_add(user=town_officer, project=project, year=1999, kind="rent", amount=1, received_on=DAY)
    assert "year" in refused.value.message_dict


def test_nothing_is_deleted_a_fund_with_spending_is_protected(town_officer, fund):
    from django.db.models import ProtectedError

    services.expenditure_add(user=town_officer, fund=fund, amount=1, spent_on=DAY, purpose="x")
    with pytest.raises(ProtectedError):
        Fund.objects.filter(pk=fund.pk).delete()
    assert Project.objects.filter(pk=fund.project_id).exists()
