"""Known answers for grid.md's rules on dates and tables (neisheng.engine.grid)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from neisheng.engine.grid import (
    needs_cadre,
    problem_deadline,
    problem_overdue,
    visit_cadence_days,
    visit_overdue,
    visit_schedule,
)

MONDAY = dt.date(2026, 11, 23)


def test_who_needs_a_cadre():
    table = pa.table({
        "status": ["lifted", "monitored", "ordinary", "ordinary", "lifted", None],
        "open_case": [False, False, False, True, False, True],
        "alive_members": [2, 1, 3, 1, 0, 1],
    })
    # lifted, monitored, ordinary with an open case: yes; no alive member: no.
    assert needs_cadre(table).to_pylist() == [True, True, False, True, False, True]


def test_an_open_case_counts_as_monitored_for_the_cadence():
    assert visit_cadence_days("lifted", True, monitored_days=7, lifted_days=30) == 7
    assert visit_cadence_days("lifted", False, monitored_days=7, lifted_days=30) == 30
    assert visit_cadence_days("monitored", False, monitored_days=7, lifted_days=30) == 7
    assert visit_cadence_days("ordinary", False, monitored_days=7, lifted_days=30) is None


def test_a_household_becomes_overdue_exactly_the_day_after_its_cadence():
    # Visited Monday with a weekly cadence: on time through the next Monday.
    assert not visit_overdue(MONDAY, 7, today=MONDAY + dt.timedelta(days=7))
    assert visit_overdue(MONDAY, 7, today=MONDAY + dt.timedelta(days=8))
    assert not visit_overdue(MONDAY, 7, today=MONDAY)
    assert visit_overdue(None, 7, today=MONDAY)


def test_the_schedule_puts_the_nearest_deadline_first():
    table = pa.table({
        "household_id": ["b", "a", "c", "d", "e"],
        "status": ["lifted", "monitored", "lifted", "ordinary", "ordinary"],
        "open_case": [False, False, False, False, True],
        "last_visited_on": pa.array([MONDAY - dt.timedelta(days=20), MONDAY, None, MONDAY, MONDAY - dt.timedelta(days=9)],
                                    pa.date32()),
    })
    schedule = visit_schedule(table, today=MONDAY + dt.timedelta(days=1), monitored_days=7, lifted_days=30)
    assert schedule["household_id"].to_pylist() == ["c", "e", "a", "b"]  # d needs no cadre
    assert schedule["overdue"].to_pylist() == [True, True, False, False]
    assert schedule["due_on"].to_pylist() == [None, MONDAY - dt.timedelta(days=2), MONDAY + dt.timedelta(days=7),
                                              MONDAY + dt.timedelta(days=10)]
    assert schedule["days_overdue"].to_pylist() == [None, 3, 0, 0]


def test_a_problem_is_overdue_the_day_after_its_deadline_unless_closed():
    deadline = problem_deadline(MONDAY, 30)
    assert deadline == dt.date(2026, 12, 23)
    assert not problem_overdue("open", deadline, today=deadline)
    assert problem_overdue("open", deadline, today=deadline + dt.timedelta(days=1))
    assert problem_overdue("resolved", deadline, today=deadline + dt.timedelta(days=1))
    assert not problem_overdue("closed", deadline, today=deadline + dt.timedelta(days=100))
