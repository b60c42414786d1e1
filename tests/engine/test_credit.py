"""neisheng.engine.credit: what a microloan still owes and when it is overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from neisheng.engine.credit import days_overdue, is_overdue, loan_standing, outstanding

DUE = dt.date(2026, 6, 30)


def test_outstanding_is_the_amount_less_the_repayments():
    assert outstanding(Decimal(50000), [Decimal(10000), Decimal("2500.50")]) == Decimal("37499.50")
    assert outstanding(Decimal(50000), []) == Decimal(50000)
    assert outstanding(Decimal(50000), [Decimal(50000)]) == Decimal(0)


def test_a_loan_due_today_is_not_overdue_and_tomorrow_it_is_by_one_day():
    owed = Decimal(100)
    assert not is_overdue(due_on=DUE, owed=owed, today=DUE)
    assert days_overdue(due_on=DUE, owed=owed, today=DUE) == 0
    assert is_overdue(due_on=DUE, owed=owed, today=DUE + dt.timedelta(days=1))
    assert days_overdue(due_on=DUE, owed=owed, today=DUE + dt.timedelta(days=1)) == 1
    assert days_overdue(due_on=DUE, owed=owed, today=dt.date(2026, 8, 1)) == 32


def test_a_loan_repaid_in_full_is_never_overdue():
    standing = loan_standing(amount=Decimal(30000), repayments=[Decimal(30000)], due_on=DUE,
                             today=dt.date(2027, 1, 1))
    assert standing.outstanding == 0 and not standing.overdue and standing.days_overdue == 0


def test_a_loan_not_yet_due_is_not_overdue_whatever_it_owes():
    standing = loan_standing(amount=Decimal(30000), repayments=[], due_on=DUE, today=dt.date(2026, 1, 1))
    assert standing.outstanding == Decimal(30000) and not standing.overdue


def test_one_yuan_left_after_the_due_date_is_overdue():
    standing = loan_standing(amount=Decimal(30000), repayments=[Decimal(29999)], due_on=DUE,
                             today=dt.date(2026, 7, 10))
    assert standing.outstanding == Decimal(1) and standing.overdue and standing.days_overdue == 10


# No deadline: a loaded CI machine must not fail a test of arithmetic on time.
@settings(deadline=None)
@given(amount=st.decimals(min_value=1, max_value=10**6, places=2),
       paid=st.lists(st.decimals(min_value=0, max_value=10**5, places=2), max_size=5),
       offset=st.integers(min_value=-400, max_value=400))
def test_overdue_means_owing_after_the_due_date(amount, paid, offset):
    today = DUE + dt.timedelta(days=offset)
    standing = loan_standing(amount=amount, repayments=paid, due_on=DUE, today=today)
    assert standing.outstanding >= 0
    assert standing.overdue == (offset > 0 and standing.outstanding > 0)
    assert standing.days_overdue == (offset if standing.overdue else 0)
