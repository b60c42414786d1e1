"""Distribution plans and payments (projects.md, issue 14 item 2), on known answers: the
village's 7,000.00 yuan to its 6 households, members alive on the plan date, the review
and publicity before approval (refused while it runs, nothing changed), payments into the
income ledger once, and the next monitoring run counting them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from neisheng.platform.models import Review
from neisheng.platform.review import review_of
from neisheng.platform.workflow import TransitionRefused
from neisheng.projects.models import Beneficiary, DistributionPlan, Payment, Project, Revenue
from neisheng.projects.services import plans
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
TODAY = timezone.localdate()
# The story is told in the past (no step may be dated in the future): day 0 is 30 days ago.
D0 = TODAY - 30 * DAY


def day(n: int) -> dt.date:
    return D0 + n * DAY


def make_project(village, households, *, starts_on=None, amount="7000.00", year=None, name="光伏电站"):
    project = Project.objects.create(division_code=village.code, name=name, kind=Project.Kind.PHOTOVOLTAIC)
    project.divisions.create(division_code=village.code)
    for household in households:
        Beneficiary.objects.create(project=project, household=household, starts_on=starts_on or day(-300))
    revenue = Revenue.objects.create(project=project, year=year or D0.year, kind=Revenue.Kind.ELECTRICITY,
                                     amount=Decimal(amount), received_on=day(-10))
    return project, revenue


def six(village) -> list[Household]:
    return list(Household.objects.filter(village=village).order_by("household_id")[:6])


@pytest.fixture
def cadre(make_user, places):
    return make_user("village", places["village"])


@pytest.fixture
def town_officer(make_user, places):
    return make_user("town", places["town"])


@pytest.fixture
def drafted(places, cadre):
    households = six(places["village"])
    project, revenue = make_project(places["village"], households)
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal(0), method="per_household")
    return plan, households


def publicised(plan, cadre):
    plans.plan_submit(user=cadre, plan=plan, submitted_on=day(1))
    plans.plan_review_decide(user=cadre, plan=plan, decision="agreed", council_on=day(2), note="9 票同意")
    plans.plan_review_publicise(user=cadre, plan=plan, start_on=day(3))
    return review_of(plan)


def test_seven_thousand_yuan_to_six_households_is_four_1166_67_and_two_1166_66(drafted):
    plan, households = drafted
    shares = {s.household_id: s.amount for s in plan.shares.all()}
    ids = sorted(h.household_id for h in households)
    assert [shares[h] for h in ids] == [Decimal("1166.67")] * 4 + [Decimal("1166.66")] * 2
    assert sum(shares.values()) == Decimal("7000.00")
    assert (plan.state, plan.division_code, plan.collective_amount, plan.total) == (
        "draft", households[0].village_id, Decimal("0.00"), Decimal("7000.00"))
    assert all(s.weight == 1 for s in plan.shares.all())


def test_the_collective_takes_its_share_rounded_half_up_and_the_rest_is_split(places, cadre):
    households = six(places["village"])[:3]
    project, revenue = make_project(places["village"], households, amount="100.05")
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal("0.3"), method="per_household")
    # 100.05 × 0.3 = 30.015 → 30.02; the rest 70.03 among three: 23.35, 23.34, 23.34.
    assert plan.collective_amount == Decimal("30.02")
    assert sorted(s.amount for s in plan.shares.all()) == [Decimal("23.34"), Decimal("23.34"), Decimal("23.35")]


def test_per_person_counts_members_alive_on_the_plan_date_not_one_who_died_before(places, cadre):
    households = six(places["village"])[:2]
    project, revenue = make_project(places["village"], households, amount="900.00")
    sizes = {h.household_id: h.members.filter(alive=True).count() for h in households}
    first = households[0]
    victim = first.members.filter(alive=True).exclude(relation="head").order_by("person_id").first() \
        or first.members.filter(alive=True).order_by("person_id").first()
    from neisheng.registry.services import person_update_many

    person_update_many(user=cadre, changes=[(victim, {"alive": False})], change_reason="死亡")
    # The registry learned of the death today: a plan dated today does not count them,
    # one dated yesterday does (they were alive then).
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=TODAY,
                            collective_share=Decimal(0), method="per_person")
    lines = {s.household_id: s for s in plan.shares.all()}
    assert lines[first.household_id].members == sizes[first.household_id] - 1
    assert lines[first.household_id].weight == sizes[first.household_id] - 1
    assert lines[households[1].household_id].weight == sizes[households[1].household_id]
    plans.plan_reject(user=cadre, plan=plan, rejected_on=TODAY, reason="重做")
    earlier = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=TODAY - DAY,
                               collective_share=Decimal(0), method="per_person")
    assert earlier.shares.get(household=first).members == sizes[first.household_id]
    assert sum(s.amount for s in earlier.shares.all()) == Decimal("900.00")


def test_weighted_needs_every_beneficiarys_weight_and_names_the_missing_one(places, cadre):
    households = six(places["village"])[:3]
    project, revenue = make_project(places["village"], households, amount="1000.00")
    weights = {households[0].household_id: Decimal(2), households[1].household_id: Decimal(1)}
    with pytest.raises(ValidationError) as refused:
        plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                         collective_share=Decimal(0), method="weighted", weights=weights)
    assert households[2].household_id in str(refused.value.message_dict["weights"])
    weights[households[2].household_id] = Decimal(1)
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal(0), method="weighted", weights=weights)
    assert plan.shares.get(household=households[0]).amount == Decimal("500.00")
    assert plan.shares.get(household=households[1]).amount == Decimal("250.00")


def test_drafting_refuses_what_projects_md_does_not_allow(places, cadre, make_user):
    households = six(places["village"])
    project, revenue = make_project(places["village"], households)
    _, other_revenue = make_project(places["village"], households[:1], name="大棚")

    def draft(**values):
        arguments = {"user": cadre, "project": project, "revenue": revenue, "plan_on": day(0),
                     "collective_share": Decimal("0.3"), "method": "per_household", **values}
        with pytest.raises(ValidationError) as refused:
            plans.plan_draft(**arguments)
        return refused.value.message_dict

    assert "revenue" in draft(revenue=other_revenue)
    assert "plan_on" in draft(plan_on=TODAY + DAY)
    assert "collective_share" in draft(collective_share=Decimal("1.2"))
    assert "collective_share" in draft(collective_share=Decimal("-0.1"))
    assert "plan_on" in draft(plan_on=day(-400))  # before anyone benefited
    plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0), collective_share=Decimal("0.3"),
                     method="per_household")
    assert "revenue" in draft()  # a second live plan of the same revenue
    with pytest.raises(PermissionDenied):
        draft(user=make_user("auditor", places["county"]))
    with pytest.raises(Http404):
        draft(user=make_user("village", places["other_village"]))
    assert DistributionPlan.objects.filter(project=project).count() == 1


def test_the_review_runs_end_to_end_and_approval_creates_one_payment_per_household(drafted, cadre, town_officer):
    plan, _ = drafted
    review = publicised(plan, cadre)
    plan.refresh_from_db()
    assert (plan.state, review.state, review.publicity_days, review.publicity_end) == (
        "reviewing", "publicised", 5, day(7))
    assert review.subject == f"收益分配方案 {plan.title}"

    # During the publicity: refused, and nothing changed.
    with pytest.raises(TransitionRefused, match="公示期"):
        plans.plan_approve(user=town_officer, plan=plan, approved_on=day(5))
    plan.refresh_from_db()
    assert plan.state == "reviewing" and review_of(plan).state == "publicised" and not plan.payments.exists()

    # An objection keeps it waiting until answered.
    objection = plans.plan_review_object(user=cadre, plan=plan, raised_by="李四", raised_on=day(4), text="户数不对")
    with pytest.raises(TransitionRefused, match="异议"):
        plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8))
    plans.plan_review_resolve(user=cadre, plan=plan, objection_pk=objection.pk, resolution="已核实无误",
                              resolved_on=day(6))
    # The village that decided does not approve its own decision.
    with pytest.raises(TransitionRefused):
        plans.plan_approve(user=cadre, plan=plan, approved_on=day(8))
    assert not plan.payments.exists()

    plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8), note="同意")
    plan.refresh_from_db()
    assert plan.state == "approved" and review_of(plan).state == Review.State.APPROVED
    payments = list(plan.payments.order_by("household_id"))
    assert [(p.household_id, p.amount, p.state) for p in payments] == [
        (s.household_id, s.amount, "pending") for s in plan.shares.order_by("household_id")]


def test_the_council_refusing_rejects_the_plan_and_the_revenue_may_be_planned_again(drafted, cadre):
    plan, _ = drafted
    plans.plan_submit(user=cadre, plan=plan, submitted_on=day(1))
    plans.plan_review_decide(user=cadre, plan=plan, decision="refused", council_on=day(2), note="名单有误")
    plan.refresh_from_db()
    assert plan.state == "rejected" and review_of(plan).state == "rejected"
    again = plans.plan_draft(user=cadre, project=plan.project, revenue=plan.revenue, plan_on=day(3),
                             collective_share=Decimal("0.1"), method="per_household")
    assert again.state == "draft"


def test_rejecting_during_publicity_rejects_the_review_too(drafted, cadre, town_officer):
    plan, _ = drafted
    publicised(plan, cadre)
    plans.plan_reject(user=town_officer, plan=plan, rejected_on=day(5), reason="异议成立")
    plan.refresh_from_db()
    assert plan.state == "rejected" and review_of(plan).state == "rejected"
    with pytest.raises(TransitionRefused):
        plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8))


@pytest.fixture
def approved(drafted, cadre, town_officer):
    plan, households = drafted
    publicised(plan, cadre)
    plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8))
    return plan, households


def test_a_paid_payment_writes_one_dividend_row_to_the_ledger_and_only_once(approved, cadre):
    plan, _ = approved
    payment = plan.payments.order_by("household_id").first()
    before = IncomeItem.objects.filter(household_id=payment.household_id).count()
    plans.payment_pay(user=cadre, payment=payment, paid_on=day(9), voucher_no="凭-001")
    payment.refresh_from_db()
    row = payment.ledger_item
    assert (payment.state, payment.paid_on, payment.voucher_no) == ("paid", day(9), "凭-001")
    assert (row.household_id, row.year, row.item, row.amount, row.source) == (
        payment.household_id, day(9).year, "dividend", Decimal("1166.67"), f"project:{plan.project_id}")
    assert IncomeItem.objects.filter(household_id=payment.household_id).count() == before + 1
    assert row.history.first().history_change_reason == f"收益分配 #{payment.pk}"
    with pytest.raises(TransitionRefused):
        plans.payment_pay(user=cadre, payment=payment, paid_on=day(10))
    assert IncomeItem.objects.filter(household_id=payment.household_id).count() == before + 1


def test_paying_is_refused_before_approval_in_the_future_and_elsewhere(approved, cadre, make_user, places):
    plan, _ = approved
    payment = plan.payments.order_by("household_id").first()
    with pytest.raises(ValidationError):
        plans.payment_pay(user=cadre, payment=payment, paid_on=TODAY + DAY)
    with pytest.raises(Http404):
        plans.payment_pay(user=make_user("village", places["other_village"]), payment=payment, paid_on=day(9))
    with pytest.raises(PermissionDenied):
        plans.payment_pay(user=make_user("auditor", places["county"]), payment=payment, paid_on=day(9))
    assert Payment.objects.get(pk=payment.pk).state == "pending"


def test_paying_a_whole_plan_names_each_payment_in_its_ledger_history(approved, cadre):
    plan, _ = approved
    assert plans.plan_pay_all(user=cadre, plan=plan, paid_on=day(9)) == 6
    for payment in plan.payments.select_related("ledger_item"):
        assert payment.state == "paid"
        assert payment.ledger_item.history.first().history_change_reason == f"收益分配 #{payment.pk}"
    assert plans.plan_pay_all(user=cadre, plan=plan, paid_on=day(9)) == 0


def test_a_paid_dividend_raises_the_next_runs_per_capita_income_by_amount_over_members(places, cadre,
                                                                                       town_officer, tmp_path):
    from neisheng.monitoring.models import HouseholdResult
    from neisheng.monitoring.services import monitoring_run

    year = TODAY.year
    first = monitoring_run(year=year, work_dir=tmp_path / "first")
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    before = HouseholdResult.objects.get(run=first, household=household)
    # One beneficiary and nothing to the collective: it receives the whole revenue, a
    # multiple of its size so the per-capita rise is exact.
    amount = Decimal(1000 * before.size)
    project, revenue = make_project(places["village"], [household], amount=f"{amount}.00")
    plan = plans.plan_draft(user=cadre, project=project, revenue=revenue, plan_on=day(0),
                            collective_share=Decimal(0), method="per_household")
    publicised(plan, cadre)
    plans.plan_approve(user=town_officer, plan=plan, approved_on=day(8))
    payment = plan.payments.get()
    paid_on = max(day(9), dt.date(year, 1, 1))
    plans.payment_pay(user=cadre, payment=payment, paid_on=paid_on)

    second = monitoring_run(year=year, work_dir=tmp_path / "second")
    after = HouseholdResult.objects.get(run=second, household=household)
    assert after.size == before.size
    assert after.income_pc - before.income_pc == amount / before.size == Decimal(1000)


def test_members_of_a_household_count_only_the_living_in_the_registry(places):
    """The registry's own count (the run's size) and the plan's members agree on a
    household nobody has died in."""
    household = Household.objects.filter(village=places["village"]).order_by("household_id").first()
    from neisheng.engine.dividends import members_alive_on
    from neisheng.projects.people import members_of

    assert members_alive_on(members_of([household.pk])[household.pk], TODAY) == \
        Person.objects.filter(household=household, alive=True).count()
