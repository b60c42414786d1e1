"""Where a microloan (扶贫小额信贷) stands on a given day: what is still owed, whether it
is overdue and by how many days.

A loan is overdue from the day after its due date while anything of it is still owed: a
loan due today may still be repaid today, and a loan repaid in full is never overdue,
however late the last repayment came. Pure functions of the loan's figures, so the pages,
the API, the work card and the exports cannot disagree; the database filters in
`assistance` say the same in SQL (due_on < today and outstanding > 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class LoanStanding:
    outstanding: Decimal
    overdue: bool
    days_overdue: int  # 0 unless overdue


def outstanding(amount: Decimal, repayments: Iterable[Decimal]) -> Decimal:
    """What is still owed: the amount less every repayment, never below zero (repayments
    beyond the amount are refused when recorded, so zero means repaid in full)."""
    owed = Decimal(amount) - sum((Decimal(r) for r in repayments), ZERO)
    return max(owed, ZERO)  # owed first: a loan repaid to the cent keeps its "0.00"


def days_overdue(*, due_on: dt.date, owed: Decimal, today: dt.date) -> int:
    """Days past the due date while something is owed; 0 on the due date itself."""
    if owed <= ZERO or today <= due_on:
        return 0
    return (today - due_on).days


def is_overdue(*, due_on: dt.date, owed: Decimal, today: dt.date) -> bool:
    return days_overdue(due_on=due_on, owed=owed, today=today) > 0


def loan_standing(*, amount: Decimal, repayments: Iterable[Decimal], due_on: dt.date,
                  today: dt.date) -> LoanStanding:
    owed = outstanding(amount, repayments)
    days = days_overdue(due_on=due_on, owed=owed, today=today)
    return LoanStanding(outstanding=owed, overdue=days > 0, days_overdue=days)
