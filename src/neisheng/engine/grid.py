"""The rules of the responsibility grid (shared/spec/grid.md) that decide from a table and
a date alone: who needs a cadre, when a household's next visit is due and whether it is
overdue, and a problem's deadline and whether it is overdue. The assignment of cadres is
neisheng.engine.assignment.

The grid, visits and problems apps gather the facts from the database into small Arrow
tables and call these; no page, upload or API decides any of it again.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

# grid.md: "every household with status lifted or monitored".
STATUSES_NEEDING_CADRE = ("lifted", "monitored")
PROBLEM_UNCLOSED_STATES = ("open", "resolved")


def needs_cadre(households: pa.Table) -> pa.ChunkedArray:
    """grid.md "Who needs a cadre": status lifted or monitored, or an open monitoring
    case, while the household has at least one alive member.

    `households` has `status` (string), `open_case` (bool) and `alive_members` (int).
    Returns one bool per row, never null.
    """
    status_needs = pc.is_in(households["status"], value_set=pa.array(STATUSES_NEEDING_CADRE))
    open_case = pc.fill_null(households["open_case"], False)
    alive = pc.greater(pc.fill_null(households["alive_members"], 0), 0)
    return pc.and_(pc.or_(pc.fill_null(status_needs, False), open_case), alive)


def visit_cadence_days(status: str, open_case: bool, *, monitored_days: int, lifted_days: int) -> int | None:
    """grid.md: `visit_days` by status, a household with an open case counting as
    monitored. None for a household the cadence does not cover (it needs no cadre)."""
    if open_case or status == "monitored":
        return monitored_days
    if status == "lifted":
        return lifted_days
    return None


def visit_due_on(last_visited_on: dt.date | None, cadence_days: int) -> dt.date | None:
    """The last day on which the next visit is on time; None when there has been no visit
    (then the household is overdue already)."""
    if last_visited_on is None:
        return None
    return last_visited_on + dt.timedelta(days=cadence_days)


def visit_overdue(last_visited_on: dt.date | None, cadence_days: int, *, today: dt.date) -> bool:
    """grid.md: overdue when the last visit is older than the cadence at the end of today,
    or there is none. A visit on day d is d's whole day old at the end of d + cadence, so a
    weekly household visited on Monday is on time through the next Monday and overdue on
    Tuesday."""
    due = visit_due_on(last_visited_on, cadence_days)
    return due is None or today > due


def visit_schedule(households: pa.Table, *, today: dt.date, monitored_days: int, lifted_days: int) -> pa.Table:
    """Each household's cadence, due day and whether it is overdue, nearest deadline first
    (never visited first, then by due day, then by household_id).

    `households`: `household_id`, `status`, `open_case` (bool), `last_visited_on`
    (date32, null when never visited). Rows the cadence does not cover are left out.
    Returns `household_id, cadence_days, last_visited_on, due_on, overdue, days_overdue`.
    """
    rows = []
    for household_id, status, open_case, last in zip(
            households["household_id"].to_pylist(), households["status"].to_pylist(),
            households["open_case"].to_pylist(), households["last_visited_on"].to_pylist()):
        cadence = visit_cadence_days(status, bool(open_case), monitored_days=monitored_days, lifted_days=lifted_days)
        if cadence is None:
            continue
        due = visit_due_on(last, cadence)
        overdue = visit_overdue(last, cadence, today=today)
        days_overdue = None if due is None else max(0, (today - due).days)
        rows.append((household_id, cadence, last, due, overdue, days_overdue))
    rows.sort(key=lambda row: (row[3] is not None, row[3] or dt.date.min, row[0]))
    columns = list(zip(*rows)) if rows else [[] for _ in range(6)]
    return pa.table({
        "household_id": pa.array(columns[0], pa.string()),
        "cadence_days": pa.array(columns[1], pa.int32()),
        "last_visited_on": pa.array(columns[2], pa.date32()),
        "due_on": pa.array(columns[3], pa.date32()),
        "overdue": pa.array(columns[4], pa.bool_()),
        "days_overdue": pa.array(columns[5], pa.int32()),
    })


def problem_deadline(raised_on: dt.date, problem_days: int) -> dt.date:
    """grid.md: the default deadline is `problem_days` after the day the problem was raised."""
    return raised_on + dt.timedelta(days=problem_days)


def problem_overdue(state: str, deadline: dt.date, *, today: dt.date) -> bool:
    """grid.md: overdue when open or resolved past its deadline (on the deadline day
    itself it is still on time)."""
    return state in PROBLEM_UNCLOSED_STATES and today > deadline
