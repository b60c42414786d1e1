"""Known answers of a council's figures (engine.councils): response days, on time within
the policy's answer days, what a period counts, the median and mean, open items past the
answer days, the meetings owed and the gap, per village and per town."""

from __future__ import annotations

import datetime as dt

from neisheng.engine.councils import (
    DEMAND,
    SUGGESTION,
    ItemRow,
    MeetingRow,
    answer_days,
    figures,
    figures_by,
    meetings_owed,
    on_time,
)

D = dt.date
YEAR = {"start": D(2026, 1, 1), "end": D(2026, 12, 31)}


def test_a_demand_raised_on_3_march_closed_on_20_march_took_17_days_and_is_late_at_15():
    assert answer_days(D(2026, 3, 3), D(2026, 3, 20)) == 17
    assert not on_time(D(2026, 3, 3), D(2026, 3, 20), 15)
    assert on_time(D(2026, 3, 3), D(2026, 3, 18), 15)  # 15 days: on time
    assert answer_days(D(2026, 3, 3), D(2026, 3, 3)) == 0
    assert answer_days(D(2026, 3, 3), None) is None and not on_time(D(2026, 3, 3), None, 15)
    # Across a month and a leap day: calendar days.
    assert answer_days(D(2028, 2, 20), D(2028, 3, 1)) == 10


def test_the_year_s_figures():
    village = "500237101201"
    meetings = [MeetingRow(village, D(2026, m, 10), attendance=a) for m, a in ((1, 12), (4, 20), (7, 15))]
    meetings.append(MeetingRow(village, D(2025, 12, 20), attendance=30))  # last year: not counted
    items = [
        ItemRow(village, DEMAND, D(2026, 3, 3), D(2026, 3, 20)),       # 17 days: late
        ItemRow(village, DEMAND, D(2026, 4, 1), D(2026, 4, 11)),       # 10: on time
        ItemRow(village, SUGGESTION, D(2026, 5, 1), D(2026, 5, 2)),    # 1: on time
        ItemRow(village, SUGGESTION, D(2026, 6, 1), D(2026, 6, 16)),   # 15: on time
        ItemRow(village, DEMAND, D(2026, 11, 1), None),                # open, 30 days on 1 December: overdue
        ItemRow(village, SUGGESTION, D(2026, 11, 25), None),           # open, 6 days: not yet overdue
        ItemRow(village, DEMAND, D(2026, 11, 20), D(2026, 12, 5)),     # answered after today: open, 11 days
        ItemRow(village, DEMAND, D(2025, 12, 1), D(2026, 1, 5)),       # raised last year: not this year's
    ]
    got = figures(meetings, items, **YEAR, today=D(2026, 12, 1), answer_days_limit=15, meetings_per_year=4)
    assert (got.meetings, got.attendance) == (3, 47)
    assert (got.suggestions, got.demands, got.items) == (3, 4, 7)
    assert (got.answered, got.answered_on_time, got.open) == (4, 3, 3)
    assert got.median_days == 12.5  # 1, 10, 15, 17
    assert got.mean_days == 10.75
    assert got.open_overdue == 1
    # 4 a year, 335 of 365 days gone: 4 × 335 // 365 = 3 owed; 3 held.
    assert (got.meetings_owed, got.meetings_gap) == (3, 0)
    assert {k: (n, t) for k, n, t in got.by_kind} == {DEMAND: (2, 1), SUGGESTION: (2, 2)}
    assert got.on_time_share == 0.75
    # The whole year once it is over: the answer of 5 December counts, 4 meetings owed.
    later = figures(meetings, items, **YEAR, today=D(2027, 2, 1), answer_days_limit=15, meetings_per_year=4)
    assert (later.answered, later.meetings_owed, later.meetings_gap, later.open_overdue) == (5, 4, 1, 2)


def test_no_items_no_average():
    got = figures([], [], **YEAR, today=D(2026, 6, 30), answer_days_limit=15, meetings_per_year=4)
    assert (got.median_days, got.mean_days, got.on_time_share) == (None, None, None)
    assert (got.meetings_owed, got.meetings_gap) == (1, 1)  # 4 × 181 // 365


def test_meetings_owed():
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2026, 12, 31), per_year=4) == 4
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2026, 3, 31), per_year=4) == 0  # 90 days
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2026, 4, 1), per_year=4) == 0  # 91: 364//365
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2026, 4, 2), per_year=4) == 1
    assert meetings_owed(start=D(2028, 1, 1), end=D(2028, 12, 31), today=D(2028, 12, 31), per_year=12) == 12
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2025, 12, 31), per_year=4) == 0
    assert meetings_owed(start=D(2026, 1, 1), end=D(2026, 12, 31), today=D(2027, 1, 1), per_year=0) == 0


def test_per_village_and_per_town_the_gap_is_each_council_s():
    a, b, c = "500237101201", "500237101202", "500237102201"
    meetings = [MeetingRow(a, D(2026, m, 5), 10) for m in range(1, 13)] + [MeetingRow(b, D(2026, 2, 5), 8)]
    items = [ItemRow(a, DEMAND, D(2026, 2, 1), D(2026, 2, 4)), ItemRow(b, SUGGESTION, D(2026, 2, 1), D(2026, 3, 1)),
             ItemRow(c, DEMAND, D(2026, 5, 1), None)]
    common = {**YEAR, "today": D(2027, 1, 1), "answer_days_limit": 15, "meetings_per_year": 4}
    villages = figures_by(meetings, items, key=lambda code: code, divisions=[a, b, c], **common)
    assert [villages[v].meetings_gap for v in (a, b, c)] == [0, 3, 4]
    towns = figures_by(meetings, items, key=lambda code: code[:9], divisions=[a, b, c], **common)
    town = towns["500237101"]
    # 13 meetings held against 8 owed, but b met once: the town's gap is b's 3.
    assert (town.meetings, town.meetings_owed, town.meetings_gap) == (13, 8, 3)
    assert (town.answered, town.answered_on_time, town.median_days) == (2, 1, 15.5)
    assert (towns["500237102"].open_overdue, towns["500237102"].meetings_gap) == (1, 4)
