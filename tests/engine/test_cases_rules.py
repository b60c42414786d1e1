"""Known answers for neisheng.engine.cases: deadlines on China's official working-day
calendar (2026 as the chinesecalendar package publishes it), notices, elimination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from neisheng.engine.cases import (
    EliminationFacts,
    deadline_after,
    elimination_problems,
    full_months_between,
    notice_problem,
)

D = dt.date


def test_calendar_days_count_weekends_and_holidays():
    assert deadline_after(D(2026, 9, 30), 15, working_days=False) == D(2026, 10, 15)


def test_working_days_skip_national_day_and_count_the_adjusted_saturday():
    # 2026: 10-01..10-07 are holidays, Saturday 10-10 is a working day, Sunday 10-11 is not.
    assert deadline_after(D(2026, 9, 30), 1, working_days=True) == D(2026, 10, 8)
    assert deadline_after(D(2026, 9, 30), 3, working_days=True) == D(2026, 10, 10)
    assert deadline_after(D(2026, 9, 30), 4, working_days=True) == D(2026, 10, 12)
    # Mid-autumn (09-25..09-27), then 09-28..30 (3), National Day, 10-08..10 (6), 10-12..16 (11),
    # 10-19..22 (15).
    assert deadline_after(D(2026, 9, 24), 15, working_days=True) == D(2026, 10, 22)


def test_working_days_skip_a_plain_weekend():
    assert deadline_after(D(2026, 11, 13), 1, working_days=True) == D(2026, 11, 16)  # Friday → Monday
    assert deadline_after(D(2026, 11, 13), 5, working_days=True) == D(2026, 11, 20)


def test_a_year_the_calendar_lacks_counts_monday_to_friday():
    # 2027 is not in the package yet: 2026-12-31 (Thursday) + 2 working days = Monday 2027-01-04,
    # although 2027-01-01 is a public holiday in fact (documented: may be off by a holiday).
    assert deadline_after(D(2026, 12, 31), 2, working_days=True) == D(2027, 1, 4)


def test_zero_days_is_the_start_and_negative_is_an_error():
    assert deadline_after(D(2026, 10, 3), 0, working_days=True) == D(2026, 10, 3)
    with pytest.raises(ValueError):
        deadline_after(D(2026, 10, 3), -1, working_days=False)


TODAY = D(2026, 11, 30)


def test_a_notice_of_four_days_is_refused_and_five_accepted():
    refused = notice_problem(D(2026, 11, 1), D(2026, 11, 5), days=5, today=TODAY)
    assert refused is not None and "不足 5 天" in refused[0] and "fewer than 5" in refused[1]
    assert notice_problem(D(2026, 11, 1), D(2026, 11, 6), days=5, today=TODAY) is None


def test_a_notice_ending_tomorrow_is_refused_even_when_long_enough():
    refused = notice_problem(D(2026, 11, 1), TODAY + dt.timedelta(days=1), days=5, today=TODAY)
    assert refused is not None and "晚于今天" in refused[0] and "after today" in refused[1]
    assert notice_problem(D(2026, 11, 1), TODAY, days=5, today=TODAY) is None


def test_a_notice_ending_before_it_starts_is_refused():
    assert notice_problem(D(2026, 11, 6), D(2026, 11, 1), days=5, today=TODAY) is not None


@pytest.mark.parametrize("start, end, months", [
    (D(2026, 3, 15), D(2026, 9, 15), 6),
    (D(2026, 3, 15), D(2026, 9, 14), 5),
    (D(2026, 1, 31), D(2026, 2, 28), 1),
    (D(2026, 1, 31), D(2026, 2, 27), 0),
    (D(2025, 11, 30), D(2026, 11, 30), 12),
    (D(2026, 5, 1), D(2026, 4, 1), 0),
])
def test_full_months(start, end, months):
    assert full_months_between(start, end) == months


ELIGIBLE = EliminationFacts(months_monitored=6, measures_while_monitored=1, risk="green",
                            income_pc=Decimal("9000.00"), monitoring_threshold=Decimal(9000),
                            open_blocking_problems=0, labor_capable_alive=True)


def _with(**changes) -> EliminationFacts:
    return EliminationFacts(**{**ELIGIBLE.__dict__, **changes})


def test_a_household_meeting_every_condition_has_no_problem():
    assert elimination_problems(ELIGIBLE, min_months=6) == []


@pytest.mark.parametrize("changes, zh, en", [
    ({"months_monitored": 5}, "仅 5 个月", "monitored for 5 months, fewer than 6"),
    ({"measures_while_monitored": 0}, "帮扶措施", "no assistance measure"),
    ({"risk": "yellow"}, "黄色风险", "is yellow, not green"),
    ({"risk": None}, "没有监测结果", "no monitoring result"),
    ({"income_pc": Decimal("8999.99")}, "8999.99 元低于监测收入范围 9000", "below the monitoring threshold"),
    ({"income_pc": None}, "人均纯收入未知", "unknown"),
    ({"open_blocking_problems": 2}, "2 个住房", "2 housing"),
    ({"labor_capable_alive": False}, "没有在世的有劳动能力成员", "never eliminated"),
], ids=["months", "measures", "risk", "no result", "income", "income unknown", "problems", "labor"])
def test_each_unmet_condition_says_so(changes, zh, en):
    problems = elimination_problems(_with(**changes), min_months=6)
    assert len(problems) == 1
    assert zh in problems[0][0] and en in problems[0][1]


def test_every_unmet_condition_is_listed_in_the_spec_order():
    facts = _with(months_monitored=0, measures_while_monitored=0, risk="red", income_pc=Decimal(100),
                  open_blocking_problems=1, labor_capable_alive=False)
    assert len(elimination_problems(facts, min_months=6)) == 6
    assert elimination_problems(_with(months_monitored=3), min_months=3) == []
