"""The cadre's week (visits.selectors.week_for): households due within seven days or
overdue, nearest deadline first, overdue exactly from the day after the deadline."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from neisheng.grid.models import Cadre, CadrePair
from neisheng.registry.models import Household
from neisheng.visits.models import Visit
from neisheng.visits.selectors import last_visits, week_for

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


def _visit(household, on):
    Visit.objects.create(household=household, division_code=household.village_id, visited_on=on,
                         idempotency_key=uuid.uuid4())


@pytest.fixture
def week(make_user, places):
    """A cadre with four households: monitored never visited, lifted visited 31 days
    ago, lifted visited 30 days ago (due today), lifted visited 10 days ago."""
    user = make_user("assistance", places["village"])
    cadre = Cadre.objects.create(cadre_id="C-9", name="李帮扶", division_code=places["village"].code, user=user)
    chosen = list(Household.objects.filter(village=places["village"], members__alive=True).distinct()
                  .order_by("household_id")[:4])
    statuses = ["monitored", "lifted", "lifted", "lifted"]
    last = [None, TODAY - dt.timedelta(days=31), TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=10)]
    for household, status, day in zip(chosen, statuses, last):
        Household.objects.filter(pk=household.pk).update(status=status)
        CadrePair.objects.create(cadre=cadre, household=household, division_code=household.village_id,
                                 started_on=TODAY - dt.timedelta(days=100))
        if day is not None:
            _visit(household, day - dt.timedelta(days=5))  # an older visit does not count
            _visit(household, day)
    return user, cadre, chosen


def test_nearest_deadline_first_never_visited_first(week):
    user, cadre, (never, late, due_today, later) = week
    rows = week_for(user=user, today=TODAY)
    assert [r.household.pk for r in rows] == [never.pk, late.pk, due_today.pk]
    assert [r.overdue for r in rows] == [True, True, False]
    assert rows[0].due_on is None and rows[0].cadence_days == 7
    assert rows[1].days_overdue == 1 and rows[2].due_on == TODAY and rows[2].cadence_days == 30
    assert all(r.cadre == cadre for r in rows)


def test_overdue_exactly_the_day_after_the_deadline(week):
    user, cadre, (never, late, due_today, later) = week
    due_day = TODAY + dt.timedelta(days=20)  # `later`'s last visit + 30 days
    on_the_day = {r.household.pk: r for r in week_for(user=user, cadre=cadre, today=due_day)}
    assert on_the_day[later.pk].overdue is False
    after = {r.household.pk: r for r in week_for(user=user, cadre=cadre, today=due_day + dt.timedelta(days=1))}
    assert after[later.pk].overdue is True and after[later.pk].days_overdue == 1


def test_a_household_due_in_more_than_a_week_is_not_this_weeks(week):
    user, cadre, (never, late, due_today, later) = week
    assert later.pk not in {r.household.pk for r in week_for(user=user, today=TODAY)}
    # Six days before its deadline it is in the week (the seven days from today).
    soon = {r.household.pk for r in week_for(user=user, today=TODAY + dt.timedelta(days=14))}
    assert later.pk in soon


def test_a_household_that_needs_no_cadre_or_an_ended_pair_is_left_out(week):
    user, cadre, (never, late, due_today, later) = week
    Household.objects.filter(pk=late.pk).update(status="normal")
    CadrePair.objects.filter(household=due_today).update(ended_on=TODAY)
    assert [r.household.pk for r in week_for(user=user, today=TODAY)] == [never.pk]


def test_an_officer_sees_a_village_and_nothing_outside_the_scope(week, make_user, places):
    user, cadre, (never, late, due_today, later) = week
    officer = make_user("town", places["town"])
    assert week_for(user=officer, today=TODAY) == []  # not a cadre: chooses
    village_rows = {r.household.pk for r in week_for(user=officer, today=TODAY, village_code=places["village"].code)}
    assert {never.pk, late.pk, due_today.pk} <= village_rows
    elsewhere = make_user("town", places["other_town"])
    assert week_for(user=elsewhere, cadre=cadre, today=TODAY) == []


def test_last_visits_are_the_latest_day(week):
    user, cadre, (never, late, due_today, later) = week
    assert last_visits([never.pk, late.pk]) == {late.pk: TODAY - dt.timedelta(days=31)}
