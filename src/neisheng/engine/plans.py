"""The first measure of a monitored household (monitoring.md "Tailored measures"): a
household the county approved for monitoring must have at least one measure assigned
within the policy's days after the approval (measures_first_measure_days). Pure dates,
no Django: the day counted is the approval day plus the days, inclusive."""

from __future__ import annotations

import datetime as dt


def first_measure_due(approved_on: dt.date, days: int) -> dt.date:
    """The last day the first measure may be assigned on: approved on 1 March with 30
    days, the 31st of March."""
    if days < 0:
        raise ValueError("days must not be negative")
    return approved_on + dt.timedelta(days=days)


def first_measure_overdue(approved_on: dt.date, first_measure_on: dt.date | None, today: dt.date,
                          days: int) -> int:
    """How many days the first measure is overdue (0 when it is not): a measure assigned
    by the due day is in time whenever it was entered; one assigned later is overdue by
    the days between the due day and its assignment; with none yet, by the days between
    the due day and today. A measure assigned before the approval (while the case was
    still being examined) counts as in time."""
    due = first_measure_due(approved_on, days)
    until = first_measure_on if first_measure_on is not None else today
    return max(0, (until - due).days)
