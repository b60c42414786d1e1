"""The ledger's reads: overdue as engine.grid.problem_overdue says, per village and per
cadre, and the hook that lets an unclosed problem refuse a risk elimination."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from neisheng.engine.grid import problem_overdue
from neisheng.problems import selectors
from neisheng.problems.models import Problem, State
from neisheng.problems.tests.support import days_ago, household_with_cadre, users_by_role


@pytest.fixture
def users(make_user, places):
    return users_by_role(make_user, places)


def _problem(household, *, state="open", deadline, category="housing", responsible=None) -> Problem:
    return Problem.objects.create(household=household, division_code=household.village_id, category=category,
                                  description="问题", raised_on=deadline - dt.timedelta(days=30), deadline=deadline,
                                  state=state, responsible=responsible)


def test_the_overdue_query_and_the_engine_rule_agree(places):
    household, _ = household_with_cadre(places["village"])
    today = dt.date(2026, 6, 15)
    for state, offset in itertools.product(State.values, (-2, -1, 0, 1, 2)):
        _problem(household, state=state, deadline=today + dt.timedelta(days=offset))
    by_query = set(selectors.overdue_problems(Problem.objects.all(), today).values_list("pk", flat=True))
    by_rule = {p.pk for p in Problem.objects.all() if problem_overdue(p.state, p.deadline, today=today)}
    assert by_query == by_rule and len(by_rule) == 4  # open and resolved, 1 and 2 days past


def test_a_problem_is_overdue_the_day_after_its_deadline_not_on_it(places):
    household, _ = household_with_cadre(places["village"])
    problem = _problem(household, deadline=dt.date(2026, 3, 31))
    assert not selectors.problem_is_overdue(problem, dt.date(2026, 3, 31))
    assert selectors.problem_is_overdue(problem, dt.date(2026, 4, 1))
    assert not selectors.overdue_problems(Problem.objects.all(), dt.date(2026, 3, 31)).exists()
    assert selectors.overdue_problems(Problem.objects.all(), dt.date(2026, 4, 1)).get() == problem


def test_counts_per_village_and_overdue_per_cadre_in_scope(places, users, make_user):
    household, cadre = household_with_cadre(places["village"])
    other, _ = household_with_cadre(places["other_village"], cadre_id="C-ELSEWHERE")
    _problem(household, deadline=days_ago(3), responsible=cadre)
    _problem(household, state="resolved", deadline=days_ago(1), responsible=cadre)
    _problem(household, state="resolved", deadline=days_ago(-5), responsible=cadre)
    _problem(household, state="closed", deadline=days_ago(9), responsible=cadre)
    _problem(household, deadline=days_ago(2))
    _problem(other, deadline=days_ago(3))
    rows = selectors.problem_counts_by_village(user=users["town"], division_code=None)
    assert [(r.village_code, r.open, r.resolved, r.overdue, r.closed) for r in rows] == [
        (places["village"].code, 2, 2, 3, 1)]
    by_cadre = selectors.overdue_by_cadre(user=users["county"])
    assert [(r.name, r.overdue, r.earliest_deadline) for r in by_cadre] == [
        ("王帮扶", 2, days_ago(3)), ("", 1, days_ago(2))]
    assert selectors.problem_counts_by_village(user=make_user("town", places["other_town"]))[0].village_code == \
        places["other_village"].code


def test_reviewers_wait_only_for_what_others_resolved(places, users):
    household, _ = household_with_cadre(places["village"])
    mine = _problem(household, state="resolved", deadline=days_ago(-3))
    Problem.objects.filter(pk=mine.pk).update(resolved_by=users["town"])
    theirs = _problem(household, state="resolved", deadline=days_ago(-3))
    Problem.objects.filter(pk=theirs.pk).update(resolved_by=users["village"])
    assert list(selectors.awaiting_review(users["town"])) == [theirs]
