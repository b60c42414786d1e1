"""Members as a plan date and the audit see them: born when, alive or not, and since when
not (`engine.dividends.Member`). The registry keeps `alive` as a flag; the day it turned
false is the day the registry learned of the death (its history), which is the best date
the registry has. A member recorded as dead from the first record has no date: dead
before any plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from neisheng.engine.dividends import Member
from neisheng.registry.models import Person


def members_of(household_ids: Iterable[str]) -> dict[str, list[Member]]:
    """household_id → its members (every member ever recorded in it, dead ones included)."""
    ids = list(dict.fromkeys(household_ids))
    members: dict[str, list[Member]] = defaultdict(list)
    if not ids:
        return members
    dead: list[str] = []
    rows = []
    for chunk in _chunks(ids, 900):
        rows += list(Person.objects.filter(household_id__in=chunk)
                     .values_list("person_id", "household_id", "birth_date", "alive"))
    dead = [person_id for person_id, _, _, alive in rows if not alive]
    died_on = _death_dates(dead)
    for person_id, household_id, born_on, alive in rows:
        members[household_id].append(Member(person_id=person_id, born_on=born_on, alive=alive,
                                            died_on=None if alive else died_on.get(person_id)))
    return members


def _death_dates(person_ids: list[str]) -> dict[str, object]:
    """The date of the first history record with `alive` false that follows one with it
    true; none when the member was never recorded alive."""
    history = Person.history.model
    dates: dict[str, object] = {}
    for chunk in _chunks(person_ids, 900):
        seen_alive: set[str] = set()
        for person_id, alive, when in (history.objects.filter(person_id__in=chunk)
                                       .order_by("person_id", "history_date", "history_id")
                                       .values_list("person_id", "alive", "history_date")):
            if alive:
                seen_alive.add(person_id)
                dates.pop(person_id, None)
            elif person_id in seen_alive and person_id not in dates:
                dates[person_id] = timezone.localtime(when).date()
    return dates


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]
