"""Issue 13, item 2: job placements and public-welfare posts write the registry through
its one write path, with the activity as the reason; the next evaluation counts them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from neisheng.assistance.models import JobPlacement, WelfarePost
from neisheng.assistance.services import work
from neisheng.measures.models import AssignedMeasure
from neisheng.monitoring.policies import policy_current
from neisheng.registry.models import Household, IncomeItem, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def year() -> int:
    return policy_current().policy.year


@pytest.fixture
def officer(places, make_user):
    return make_user("town", places["town"])


@pytest.fixture
def household(places) -> Household:
    """A household of the village with two living members."""
    for household in Household.objects.filter(village=places["village"]).order_by("household_id"):
        if household.members.filter(alive=True).count() >= 2:
            return household
    raise AssertionError("no household with two living members")


def members(household) -> list[Person]:
    return list(household.members.filter(alive=True).order_by("birth_date", "person_id"))


def started(year: int) -> dt.date:
    return min(dt.date(year, 3, 1), dt.date.today())


def placement(officer, person, year, *, months=6, wage="2000", employer="蔬菜大棚合作社") -> JobPlacement:
    return work.placement_record(user=officer, person=person, employer=employer, job="采摘",
                                 starts_on=started(year), year=year, months=months, monthly_wage=Decimal(wage))


def activity_rows(household, year, item, source):
    return list(IncomeItem.objects.filter(household=household, year=year, item=item, source=source))


def test_a_placement_writes_the_wage_row_with_its_source_and_the_activity_as_reason(officer, household, year):
    survey_before = {(r.pk, r.amount) for r in IncomeItem.objects.filter(household=household, source="survey")}

    record = placement(officer, members(household)[0], year, months=6, wage="2000")

    [row] = activity_rows(household, year, "wage", "job_placement")
    assert row.amount == Decimal("12000.00")
    history = row.history.order_by("history_date").last()
    assert history.history_change_reason == f"就业帮扶 #{record.pk}"
    assert history.history_user == officer
    # The survey's own rows (its wage row included) are as they were.
    assert {(r.pk, r.amount) for r in IncomeItem.objects.filter(household=household, source="survey")} \
        == survey_before


def test_a_second_placement_updates_the_same_row_to_the_sum(officer, household, year):
    first, second = members(household)[:2]
    placement(officer, first, year, months=6, wage="2000")
    record = placement(officer, second, year, months=3, wage="1500.50", employer="县城物流园")

    [row] = activity_rows(household, year, "wage", "job_placement")
    assert row.amount == Decimal(12000) + Decimal("4501.50")
    assert row.history.order_by("history_date").last().history_change_reason == f"就业帮扶 #{record.pk}"
    assert row.history.count() == 2  # created, then updated: one row, never a second


def test_the_placement_carries_out_a_job_placement_measure_of_the_member(officer, household, year):
    person = members(household)[0]
    record = placement(officer, person, year)

    measure = AssignedMeasure.objects.get(pk=record.measure_id)
    assert (measure.household_id, measure.person_id, measure.measure) == \
        (household.pk, person.person_id, "job_placement")
    assert measure.state == AssignedMeasure.State.DONE


def test_employed_months_are_raised_by_the_year_s_work_never_lowered(officer, household, year):
    first, second = members(household)[:2]
    Person.objects.filter(pk=first.pk).update(employed_months=0)
    Person.objects.filter(pk=second.pk).update(employed_months=10)

    placement(officer, first, year, months=5)
    work.post_record(user=officer, person=first, post="保洁员", village=household.village_id,
                     starts_on=started(year), year=year, months=4, monthly_pay=Decimal(500))
    placement(officer, second, year, months=3)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.employed_months == 9  # 5 months placed + 4 on a post
    assert second.employed_months == 10  # the survey's 10 stay: 3 months found do not lower them
    assert first.history.order_by("history_date").last().history_change_reason.startswith("公益岗位 #")


def test_months_count_at_most_twelve(officer, household, year):
    person = members(household)[0]
    Person.objects.filter(pk=person.pk).update(employed_months=0)
    placement(officer, person, year, months=10)
    placement(officer, person, year, months=8, employer="县城物流园")
    person.refresh_from_db()
    assert person.employed_months == 12


def test_another_year_s_placement_leaves_employed_months_alone(officer, household, year):
    person = members(household)[0]
    Person.objects.filter(pk=person.pk).update(employed_months=0)
    placement(officer, person, year - 1, months=6)
    person.refresh_from_db()
    assert person.employed_months == 0
    assert activity_rows(household, year - 1, "wage", "job_placement")[0].amount == Decimal(12000)


def test_ending_a_placement_cuts_its_months_to_those_worked_and_sums_the_row_again(officer, household, year):
    person = members(household)[0]
    record = work.placement_record(user=officer, person=person, employer="蔬菜大棚合作社",
                                   starts_on=dt.date(year - 1, 3, 1), year=year - 1, months=10,
                                   monthly_wage=Decimal(2000))
    ended = work.placement_end(user=officer, placement=record, ends_on=dt.date(year - 1, 6, 15))

    assert (ended.ends_on, ended.months) == (dt.date(year - 1, 6, 15), 4)  # March to June
    [row] = activity_rows(household, year - 1, "wage", "job_placement")
    assert row.amount == Decimal(8000)
    with pytest.raises(ValidationError):
        work.placement_end(user=officer, placement=ended, ends_on=dt.date(year - 1, 7, 1))


def test_months_until_counts_calendar_months_of_the_year():
    assert work.months_until(starts_on=dt.date(2025, 11, 20), ends_on=dt.date(2026, 2, 1), year=2026) == 2
    assert work.months_until(starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 2), year=2026) == 1
    assert work.months_until(starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2027, 3, 2), year=2026) == 10
    assert work.months_until(starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2025, 3, 2), year=2026) == 0


def test_a_welfare_post_writes_the_public_welfare_post_row(officer, household, year):
    person = members(household)[0]
    post = work.post_record(user=officer, person=person, post="保洁员", village=household.village_id,
                            starts_on=started(year), year=year, months=12, monthly_pay=Decimal(500))

    [row] = activity_rows(household, year, "public_welfare_post", "welfare_post")
    assert row.amount == Decimal(6000)
    assert row.history.last().history_change_reason == f"公益岗位 #{post.pk}"
    assert AssignedMeasure.objects.get(pk=post.measure_id).measure == "public_welfare_post"
    # Wage rows are the placements' only.
    assert activity_rows(household, year, "wage", "job_placement") == []


def test_the_household_s_history_shows_the_activity_as_the_change(officer, household, year):
    from neisheng.registry.selectors.history import change_history

    record = placement(officer, members(household)[0], year)
    made = [c for c in change_history(household) if c.activity == record.pk]
    assert {c.kind for c in made} == {"就业帮扶"}
    assert any(new == "12,000.00" or new.replace(",", "") == "12000.00" for c in made for _, _, new in c.fields)


def test_the_reevaluation_counts_the_placement_s_income(officer, household, year,
                                                         django_capture_on_commit_callbacks):
    from neisheng.monitoring import current
    from neisheng.monitoring.models import Reevaluation

    current.household_reevaluate([household.pk])
    before = Reevaluation.objects.get(household=household)
    with django_capture_on_commit_callbacks(execute=True):
        placement(officer, members(household)[0], year, months=6, wage="2000")
    after = Reevaluation.objects.get(household=household)
    assert after.evaluated_at > before.evaluated_at
    assert after.income_pc - before.income_pc == pytest.approx(Decimal(12000) / before.size, abs=Decimal("0.02"))


def test_refused_outside_the_division_and_without_the_capability(places, make_user, household, year):
    person = members(household)[0]
    elsewhere = make_user("town", places["other_town"])
    with pytest.raises(Http404):
        placement(elsewhere, person, year)
    cadre = make_user("assistance", places["village"])
    with pytest.raises(PermissionDenied):
        placement(cadre, person, year)
    assert not JobPlacement.objects.exists()


def test_bad_values_are_refused_by_field_and_write_nothing(officer, household, year):
    person = members(household)[0]
    with pytest.raises(ValidationError) as refused:
        work.placement_record(user=officer, person=person, employer=" ", starts_on=dt.date.today()
                              + dt.timedelta(days=3), year=year, months=13, monthly_wage=Decimal(0))
    assert set(refused.value.message_dict) >= {"employer", "starts_on", "months", "monthly_wage"}
    with pytest.raises(ValidationError) as refused:
        work.post_record(user=officer, person=person, post="保洁员", village=places_other(household),
                         starts_on=started(year), year=year, months=3, monthly_pay=Decimal(500))
    assert "village" in refused.value.message_dict
    assert not JobPlacement.objects.exists() and not WelfarePost.objects.exists()
    assert not IncomeItem.objects.filter(source__in=["job_placement", "welfare_post"]).exists()


def places_other(household) -> str:
    from neisheng.registry.models import Division

    return Division.objects.filter(level=5).exclude(code__startswith=household.village_id[:6]).first().code
