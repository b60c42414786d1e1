"""A village poverty council's (扶贫理事会) figures for a period: meetings held and who
came, the villagers' suggestions (建议) and demands (诉求) raised, how many were answered,
how many on time, in how many days, and how many are still open past the answer days.

The rules, in one place so the pages, the API, the exports and the demo cannot disagree:

- an item's response time is the calendar days from the day it was raised to the day of
  the response that closed it (`answer_days`): raised and closed on the same day is 0;
- it was answered on time when that is at most the policy's `councils.answer_days`;
- an item counts in a period when it was raised within it; it counts as answered when its
  closing response came by the period's end (or by `today`, if earlier): an answer given
  after the period is not the period's;
- it is open and overdue when it is not answered by then and more than the answer days
  have passed since it was raised;
- the meetings a council owes in a period are the policy's `councils.meetings_per_year`
  in proportion to the days of the period that have passed (a whole year: all of them;
  half a year gone: half, rounded down), and the gap is what it held fewer.

Pure: no Django, so the known answers are tested in tests/engine/test_councils.py.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SUGGESTION = "suggestion"
DEMAND = "demand"
KINDS = (SUGGESTION, DEMAND)


@dataclass(frozen=True)
class MeetingRow:
    """One meeting: its village (the council's division) and how many came."""

    division_code: str
    held_on: dt.date
    attendance: int = 0


@dataclass(frozen=True)
class ItemRow:
    """One suggestion or demand: when it was raised and when its closing response came
    (None while it is open)."""

    division_code: str
    kind: str
    raised_on: dt.date
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class Figures:
    meetings: int = 0
    attendance: int = 0
    suggestions: int = 0
    demands: int = 0
    answered: int = 0
    answered_on_time: int = 0
    median_days: float | None = None
    mean_days: float | None = None
    open_overdue: int = 0
    meetings_owed: int = 0
    meetings_gap: int = 0
    # The same answered/on time split by kind: {"suggestion": (answered, on time), ...}
    by_kind: tuple[tuple[str, int, int], ...] = ()

    @property
    def items(self) -> int:
        return self.suggestions + self.demands

    @property
    def open(self) -> int:
        return self.items - self.answered

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None


def answer_days(raised_on: dt.date, closed_on: dt.date | None) -> int | None:
    """Calendar days from raising to the closing response; None while open."""
    if closed_on is None:
        return None
    return (closed_on - raised_on).days


def on_time(raised_on: dt.date, closed_on: dt.date | None, limit: int) -> bool:
    days = answer_days(raised_on, closed_on)
    return days is not None and days <= limit


def item_age(raised_on: dt.date, today: dt.date) -> int:
    """Days an open item has waited."""
    return (today - raised_on).days


def meetings_owed(*, start: dt.date, end: dt.date, today: dt.date, per_year: int) -> int:
    """The meetings owed in [start, end] by `today`: per_year × days passed ÷ days in a
    year (365, or 366 when the period is a leap year's whole year), rounded down."""
    last = min(end, today)
    if last < start or per_year <= 0:
        return 0
    passed = (last - start).days + 1
    length = 366 if (start.month, start.day) == (1, 1) and _leap(start.year) and end.year == start.year else 365
    return min(per_year, per_year * passed // length)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def figures(meetings: Iterable[MeetingRow], items: Iterable[ItemRow], *, start: dt.date, end: dt.date,
            today: dt.date, answer_days_limit: int, meetings_per_year: int, councils: int = 1) -> Figures:
    """The figures of the rows given (one council's, or a town's councils') for [start, end]
    as they stand on `today`. `councils` is how many councils the rows belong to: the
    meetings owed are owed by each, and the gap is counted council by council by
    `figures_by`; here it is the owed total less the meetings held, never below 0."""
    as_of = min(end, today)
    held = [m for m in meetings if start <= m.held_on <= as_of]
    raised = [i for i in items if start <= i.raised_on <= as_of]
    days: list[int] = []
    answered = on_time_count = overdue = 0
    kinds = {kind: [0, 0] for kind in KINDS}
    for item in raised:
        closed = item.closed_on if item.closed_on is not None and item.closed_on <= as_of else None
        if closed is not None:
            answered += 1
            took = answer_days(item.raised_on, closed)
            days.append(took)
            punctual = took <= answer_days_limit
            on_time_count += punctual
            if item.kind in kinds:
                kinds[item.kind][0] += 1
                kinds[item.kind][1] += punctual
        elif item_age(item.raised_on, as_of) > answer_days_limit:
            overdue += 1
    owed = councils * meetings_owed(start=start, end=end, today=today, per_year=meetings_per_year)
    return Figures(
        meetings=len(held),
        attendance=sum(m.attendance for m in held),
        suggestions=sum(1 for i in raised if i.kind == SUGGESTION),
        demands=sum(1 for i in raised if i.kind == DEMAND),
        answered=answered,
        answered_on_time=on_time_count,
        median_days=float(statistics.median(days)) if days else None,
        mean_days=sum(days) / len(days) if days else None,
        open_overdue=overdue,
        meetings_owed=owed,
        meetings_gap=max(0, owed - len(held)),
        by_kind=tuple((kind, n, punctual) for kind, (n, punctual) in kinds.items()),
    )


def figures_by(meetings: Iterable[MeetingRow], items: Iterable[ItemRow], *, key: Callable[[str], str],
               divisions: Iterable[str], start: dt.date, end: dt.date, today: dt.date, answer_days_limit: int,
               meetings_per_year: int) -> dict[str, Figures]:
    """Figures per group of councils: `divisions` are the councils' villages, `key` gives
    a village's group (itself for per village, its town's code for per town). A group's
    gap is the sum of its councils' gaps, so one council meeting often does not hide
    another that never met."""
    meetings, items = list(meetings), list(items)
    villages = list(dict.fromkeys(divisions))
    per_village = {
        code: figures([m for m in meetings if m.division_code == code], [i for i in items if i.division_code == code],
                      start=start, end=end, today=today, answer_days_limit=answer_days_limit,
                      meetings_per_year=meetings_per_year)
        for code in villages
    }
    groups: dict[str, list[str]] = {}
    for code in villages:
        groups.setdefault(key(code), []).append(code)
    result: dict[str, Figures] = {}
    for group, codes in groups.items():
        if len(codes) == 1 and key(codes[0]) == codes[0]:
            result[group] = per_village[codes[0]]
            continue
        members = set(codes)
        total = figures([m for m in meetings if m.division_code in members],
                        [i for i in items if i.division_code in members],
                        start=start, end=end, today=today, answer_days_limit=answer_days_limit,
                        meetings_per_year=meetings_per_year, councils=len(codes))
        gap = sum(per_village[c].meetings_gap for c in codes)
        result[group] = Figures(**{**total.__dict__, "meetings_gap": gap})
    return result
