"""The demo county's projects (issue 14, item 6), checked as a newcomer would look at
them: the seeds' kinds of project with their funds and beneficiaries, distributions over
two years in every state, the village's 7,000 yuan exact to the fen, paid dividends in
the households' ledgers, renovations over the reference prices, and the audit's findings
of each kind the issue asks for. Built on the test county (300 households, one village)
with the demo logins, without the rest of the demo."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neisheng.projects import models

pytestmark = pytest.mark.slow

RULES_THE_DEMO_RAISES = {"plan_sum", "payee_not_beneficiary", "payee_deceased", "duplicate_payment",
                         "renovation_price", "renovation_quantity", "renovation_not_eligible", "renovation_total"}


def test_the_demo_county_has_projects_plans_renovations_and_findings(client, county, tmp_path, settings,
                                                                    django_capture_on_commit_callbacks):
    from neisheng.accounts.models import User
    from neisheng.accounts.services import demo_users_create
    from neisheng.registry.models import IncomeItem, Person
    from neisheng.web.demo_projects import demo_projects_build

    settings.MEDIA_ROOT = tmp_path / "uploads"
    logins = demo_users_create(county_code="500237", password="demo-projects-test-2026")
    said = []
    with django_capture_on_commit_callbacks(execute=True):
        made = demo_projects_build(home=tmp_path, logins=logins, year=2026, say=said.append)
    users = {u["role"]: User.objects.get(username=u["username"]) for u in logins}
    assert made.skipped == [] and len(said) == 1

    # The seeds' kinds of project, each with funds, an approval document and beneficiaries.
    Kind = models.Project.Kind
    kinds = set(models.Project.objects.values_list("kind", flat=True))
    assert {Kind.PHOTOVOLTAIC, Kind.GREENHOUSE, Kind.EQUITY_SHARE, Kind.WORKSHOP} <= kinds
    park = models.Project.objects.get(pk=made.projects["greenhouse"])
    assert sum(f.amount for f in park.funds.all()) == Decimal("1060000.00")
    assert {f.source for f in park.funds.all()} == {"central", "provincial", "county"}
    shares = models.Project.objects.get(pk=made.projects["shares"])
    assert shares.assets.get().value == Decimal("1500000.00")
    assert models.ProjectDocument.objects.count() == 4
    assert models.ProjectDocument.objects.filter(file_name__endswith=".pdf").count() == 1
    # No fund is spent beyond what it holds: the one attempt was refused.
    assert made.refused_expenditure
    for fund in models.Fund.objects.all():
        assert sum(e.amount for e in fund.expenditures.all()) <= fund.amount
    station = models.Project.objects.get(pk=made.projects["photovoltaic"])
    assert station.beneficiaries.exclude(ends_on=None).count() == 1  # one household left

    # Two years of plans: last year's paid; this year's in every state.
    plans = models.DistributionPlan.objects
    last_year = plans.filter(revenue__year=2025, origin="drafted")
    assert last_year.count() == 3 and all(p.state == "approved" for p in last_year)
    assert not models.Payment.objects.filter(plan__in=last_year, state="pending").exists()
    this_year = {key: plans.get(pk=pk) for key, pk in made.plans.items() if key != "imported"}
    assert this_year["village"].state == "approved"
    assert not this_year["village"].payments.filter(state="pending").exists()
    assert this_year["photovoltaic"].state == "approved"
    assert this_year["photovoltaic"].payments.filter(state="pending").exists()
    assert this_year["photovoltaic"].payments.filter(state="paid").exists()
    assert this_year["greenhouse"].state == "reviewing"
    assert this_year["shares"].state == "draft"
    # 30 % of the station's electricity to the collective; the shares weighted by labor.
    assert this_year["photovoltaic"].collective_amount == Decimal("39361.68")  # 131,205.60 × 0.3
    assert set(this_year["shares"].shares.values_list("weight", flat=True)) <= {Decimal(1), Decimal("1.5")}

    # The village's 7,000 yuan among its 6 poor households: four 1,166.67 and two 1,166.66.
    village = this_year["village"]
    amounts = sorted(village.payments.values_list("amount", flat=True))
    assert amounts == [Decimal("1166.66")] * 2 + [Decimal("1166.67")] * 4
    assert sum(amounts) == Decimal("7000.00")

    # A paid dividend is in the household's ledger, in the year of payment, the project its source.
    paid = village.payments.order_by("pk").first()
    row = IncomeItem.objects.get(pk=paid.ledger_item_id)
    assert (row.household_id, row.item, row.amount, row.year) == (paid.household_id, "dividend", paid.amount,
                                                                    paid.paid_on.year)
    assert row.source == f"project:{village.project_id}"
    ledgered = IncomeItem.objects.filter(item="dividend", source__startswith="project:")
    assert ledgered.count() == made.dividend_rows == made.payments_paid

    # The imported plan kept as recorded: the household paid twice, the non-beneficiary,
    # the household whose members all died before its late payment.
    imported = plans.get(pk=made.plans["imported"])
    assert imported.origin == "imported" and imported.payments.count() == 8
    assert not Person.objects.filter(household_id=made.deceased_household, alive=True).exists()

    # Renovations over the reference price, over a maximum, over the cap, of a general household.
    assert 28 <= made.renovations <= 31 and made.photos >= 10 and made.site_checked >= 5
    assert models.Renovation.objects.filter(household__status="general").count() == 1

    # The findings of each kind, one confirmed and one explained by the auditor.
    open_rules = set(models.AuditFinding.objects.filter(cleared_at=None).values_list("rule", flat=True))
    assert RULES_THE_DEMO_RAISES <= open_rules, RULES_THE_DEMO_RAISES - open_rules
    assert "overspent_fund" not in open_rules
    deceased = models.AuditFinding.objects.get(rule="payee_deceased")
    assert deceased.household_id == made.deceased_household
    assert models.AuditFinding.objects.filter(rule="renovation_price").count() == 3
    assert models.AuditFinding.objects.get(pk=made.confirmed).state == "confirmed"
    explained = models.AuditFinding.objects.get(pk=made.explained)
    assert explained.state == "explained" and explained.reason

    # The auditor reads them on the findings page.
    client.force_login(users["auditor"])
    page = client.get("/projects/audit/").content.decode()
    assert "重复发放" in page
    lines = "\n".join(made.lines())
    assert f"/projects/{made.projects['photovoltaic']}/" in lines and "未生成" not in lines
