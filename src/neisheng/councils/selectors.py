"""Reads of village councils, always through platform.scope.

- Councils and their figures (counts only) are read by every role with councils.figures
  (researchers and departments included): the list of councils per town, a council's and
  a town's figures. Nothing there names a person.
- A council's members, meetings, items and notes name villagers: they need persons.read
  and councils.record, so only the offices that keep the councils read them.
- Figures are the engine's (`engine.councils`) over the rows as stored, for a calendar
  year, with that year's policy (answer days, meetings per year).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone

from neisheng.accounts.access import COUNCILS_RECORD, PERSONS_READ, user_may
from neisheng.councils.models import (
    Council,
    CouncilMember,
    Item,
    Meeting,
    Response,
    SupervisionNote,
)
from neisheng.engine import councils as engine
from neisheng.platform import scope
from neisheng.platform.access import require


def councils_visible(user):
    return scope.visible_to(user, Council)


def may_read_names(user) -> bool:
    return user_may(user, PERSONS_READ) and user_may(user, COUNCILS_RECORD)


def _names_readable(user) -> None:
    for capability in (PERSONS_READ, COUNCILS_RECORD):
        require(user, capability)


def members_visible(user):
    _names_readable(user)
    return scope.visible_to(user, CouncilMember)


def meetings_visible(user):
    _names_readable(user)
    return scope.visible_to(user, Meeting)


def items_visible(user):
    _names_readable(user)
    return scope.visible_to(user, Item)


def responses_visible(user):
    _names_readable(user)
    return scope.visible_to(user, Response)


def notes_visible(user):
    _names_readable(user)
    return scope.visible_to(user, SupervisionNote)


# --------------------------------------------------------------------------- figures


def policy_of(year: int):
    from neisheng.monitoring.policies import policy_for_year

    return policy_for_year(year).policy


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _rows(councils):
    """The engine's rows of these councils (meetings with their attendance, items with
    their closing day)."""
    ids = [c.pk for c in councils]
    meetings = [engine.MeetingRow(code, held_on, n) for code, held_on, n in
                Meeting.objects.filter(council_id__in=ids).annotate(n=Count("attendance"))
                .values_list("division_code", "held_on", "n")]
    items = [engine.ItemRow(code, kind, raised_on, closed_on) for code, kind, raised_on, closed_on in
             Item.objects.filter(council_id__in=ids).values_list("division_code", "kind", "raised_on", "closed_on")]
    return meetings, items


def figures_for(councils, *, year: int, by: str = "village", today: dt.date | None = None) -> dict[str, engine.Figures]:
    """Figures of each council's village (by="village") or of each town with councils
    (by="town"), for the calendar year."""
    councils = list(councils)
    policy = policy_of(year)
    start, end = year_bounds(year)
    meetings, items = _rows(councils)
    key = (lambda code: code) if by == "village" else (lambda code: code[:9] + "000")
    return engine.figures_by(meetings, items, key=key, divisions=[c.division_code for c in councils],
                             start=start, end=end, today=today or timezone.localdate(),
                             answer_days_limit=policy.councils_answer_days,
                             meetings_per_year=policy.councils_meetings_per_year)


def total_for(councils, *, year: int, today: dt.date | None = None) -> engine.Figures:
    """All these councils together; the gap is each council's, added."""
    councils = list(councils)
    if not councils:
        return engine.Figures()
    grouped = figures_for(councils, year=year, today=today, by="village")
    policy = policy_of(year)
    start, end = year_bounds(year)
    meetings, items = _rows(councils)
    total = engine.figures(meetings, items, start=start, end=end, today=today or timezone.localdate(),
                           answer_days_limit=policy.councils_answer_days,
                           meetings_per_year=policy.councils_meetings_per_year, councils=len(councils))
    return engine.Figures(**{**total.__dict__, "meetings_gap": sum(f.meetings_gap for f in grouped.values())})


def open_items(council: Council, *, today: dt.date | None = None) -> list[Item]:
    """The council's open items, oldest first, each with its age in days."""
    today = today or timezone.localdate()
    rows = list(Item.objects.filter(council=council, closed_on__isnull=True).select_related("household")
                .order_by("raised_on", "pk"))
    limit = policy_of(today.year).councils_answer_days
    for item in rows:
        item.age = engine.item_age(item.raised_on, today)
        item.overdue = item.age > limit
    return rows
