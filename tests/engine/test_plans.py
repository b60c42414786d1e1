import datetime as dt

import pytest

from neisheng.engine.plans import first_measure_due, first_measure_overdue

APPROVED = dt.date(2026, 3, 1)


def test_the_due_day_is_the_approval_plus_the_days():
    assert first_measure_due(APPROVED, 30) == dt.date(2026, 3, 31)
    assert first_measure_due(APPROVED, 0) == APPROVED
    with pytest.raises(ValueError):
        first_measure_due(APPROVED, -1)


@pytest.mark.parametrize("today, overdue", [
    (dt.date(2026, 3, 30), 0), (dt.date(2026, 3, 31), 0), (dt.date(2026, 4, 1), 1), (dt.date(2026, 4, 30), 30),
])
def test_without_a_measure_the_days_overdue_count_from_the_day_after_the_due_day(today, overdue):
    assert first_measure_overdue(APPROVED, None, today, 30) == overdue


@pytest.mark.parametrize("assigned_on, overdue", [
    (dt.date(2026, 2, 20), 0), (dt.date(2026, 3, 31), 0), (dt.date(2026, 4, 1), 1), (dt.date(2026, 4, 10), 10),
])
def test_a_measure_counts_on_the_day_it_was_assigned_not_today(assigned_on, overdue):
    assert first_measure_overdue(APPROVED, assigned_on, dt.date(2026, 12, 1), 30) == overdue
