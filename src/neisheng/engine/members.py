"""Facts about each household's alive members, gathered in one pass over persons.

Several rules of monitoring.md ask "does an alive member …?"; answering all of them in a
single group-by keeps a run over millions of persons to one scan of the table.
"""

from __future__ import annotations

import calendar
import datetime as dt

import ibis.expr.types as ir

from neisheng.engine.schema import LABOR_CAPABLE
from neisheng.policy import AgeRange, Policy


def age_at(birth_date: ir.DateValue, reference) -> ir.IntegerValue:
    """Full years completed at `reference`: a 29 February birthday is reached on
    1 March in a common year, because (2, 29) sorts after (2, 28)."""
    not_yet = (birth_date.month() * 100 + birth_date.day()) > (reference.month * 100 + reference.day)
    return (reference.year - birth_date.year() - not_yet.cast("int64")).cast("int64")


def reached_age_by(years: int, reference: dt.date) -> dt.date:
    """The latest birth date of someone aged at least `years` at `reference`. A
    reference of 29 February in a year whose counterpart is common maps to 28 February,
    the last real date not after it, so this agrees with `age_at`."""
    year = reference.year - years
    day = min(reference.day, calendar.monthrange(year, reference.month)[1])
    return dt.date(year, reference.month, day)


def in_ages(birth_date: ir.DateValue, ages: AgeRange, reference: dt.date) -> ir.BooleanValue:
    """Aged ages.low to ages.high inclusive at `reference`, as two date comparisons:
    far cheaper over millions of persons than computing each age, and the same answer."""
    return (birth_date <= reached_age_by(ages.low, reference)) & (
        birth_date > reached_age_by(ages.high + 1, reference)
    )


def alive_members(persons: ir.Table, policy: Policy) -> ir.Table:
    """Alive persons with their age and the per-person facts the rules use."""
    p = persons.filter(persons.alive)
    age = age_at(p.birth_date, policy.reference_date)
    capable = p.labor.isin(sorted(LABOR_CAPABLE))
    return p.mutate(
        age=age,
        labor_capable=capable,
        out_of_school=(
            in_ages(p.birth_date, policy.compulsory_school_ages, policy.reference_date)
            & (p.schooling == "not_in_school")
            & ~p.disability_grade.isin(policy.home_schooling_disability_grades)
        ),
        uninsured=~p.medical_insured,
        educated_adult=in_ages(p.birth_date, policy.education_ages, policy.reference_date)
        & p.education.isin(policy.education_levels_meeting_bar),
        skilled_worker=capable & p.has_skill,
        employed_worker=capable & (p.employed_months >= policy.employment_months_at_least),
        seriously_ill=p.health == "serious",
        severely_disabled=p.disability_grade.isin(policy.severe_disability_grades),
    )


MEMBER_FLAGS = (
    "labor_capable", "out_of_school", "uninsured", "educated_adult", "skilled_worker",
    "employed_worker", "seriously_ill", "severely_disabled",
)


def member_facts(members: ir.Table) -> ir.Table:
    """Per household: `size` and, for each flag, whether any alive member has it."""
    return members.group_by("household_id").aggregate(
        size=members.count(),
        **{f"any_{flag}": members[flag].any() for flag in MEMBER_FLAGS},
    )
