"""Reads of visits: the visits a user may see, each household's last visit, and a cadre's
week (the households due or overdue by grid.md's cadence, nearest deadline first).

The database gathers the facts (status, open case, alive members, last visit) into a
small Arrow table; neisheng.engine.grid decides who needs a cadre, when each visit is due
and whether it is overdue. Nothing here decides it again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Max

from neisheng.cases.models import CLOSED_STATES, MonitoringCase
from neisheng.engine.grid import needs_cadre, visit_schedule
from neisheng.grid.models import Cadre, CadrePair
from neisheng.grid.selectors import cadre_of_user, code_bounds
from neisheng.platform import scope
from neisheng.registry.models import Household, Person
from neisheng.visits.models import Visit

# The week: every household whose visit falls due within the seven days from today, and
# every overdue one.
WEEK_DAYS = 7


def visits_visible_to(user):
    return scope.visible_to(user, Visit.objects.all())


def last_visits(household_ids) -> dict[str, dt.date]:
    """Each household's latest visit day (households never visited are absent). Not
    scoped: the caller chose the households within the user's scope."""
    ids = list(dict.fromkeys(str(i) for i in household_ids))
    found: dict[str, dt.date] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        found.update(Visit.objects.filter(household_id__in=chunk).values("household_id")
                     .annotate(last=Max("visited_on")).values_list("household_id", "last"))
    return found


def _visit_days() -> tuple[int, int]:
    from neisheng.monitoring.policies import policy_current

    policy = policy_current().policy
    return policy.grid_visit_days_monitored, policy.grid_visit_days_lifted


def schedule_of(household_ids, *, today: dt.date) -> pa.Table:
    """engine.grid.visit_schedule of the given households that need a cadre (grid.md),
    with the policy's visit days: `household_id, cadence_days, last_visited_on, due_on,
    overdue, days_overdue`, nearest deadline first."""
    ids = sorted({str(i) for i in household_ids})
    rows: list[tuple[str, str]] = []
    open_cases: set[str] = set()
    alive: set[str] = set()
    for start in range(0, len(ids), 2000):
        chunk = ids[start:start + 2000]
        rows += list(Household.objects.filter(pk__in=chunk).values_list("household_id", "status"))
        open_cases |= set(MonitoringCase.objects.filter(household_id__in=chunk).exclude(state__in=CLOSED_STATES)
                          .values_list("household_id", flat=True))
        alive |= set(Person.objects.filter(household_id__in=chunk, alive=True)
                     .values_list("household_id", flat=True).distinct())
    last = last_visits(ids)
    present = [r[0] for r in rows]
    facts = pa.table({
        "household_id": pa.array(present, pa.string()),
        "status": pa.array([r[1] for r in rows], pa.string()),
        "open_case": pa.array([i in open_cases for i in present], pa.bool_()),
        "alive_members": pa.array([int(i in alive) for i in present], pa.int32()),
        "last_visited_on": pa.array([last.get(i) for i in present], pa.date32()),
    })
    monitored_days, lifted_days = _visit_days()
    return visit_schedule(facts.filter(needs_cadre(facts)), today=today, monitored_days=monitored_days,
                          lifted_days=lifted_days)


@dataclass(frozen=True)
class WeekRow:
    household: Household
    cadre: Cadre | None
    cadence_days: int
    last_visited_on: dt.date | None
    due_on: dt.date | None  # None: never visited (overdue already)
    overdue: bool
    days_overdue: int | None  # None: never visited


def week_for(*, user, cadre: Cadre | None = None, today: dt.date, village_code: str | None = None) -> list[WeekRow]:
    """The households a cadre must visit this week (due within WEEK_DAYS from today, or
    overdue), nearest deadline first (never visited first). Without `cadre` and
    `village_code`: the user's own cadre's households, or nothing when the user is not a
    cadre. With `village_code` (an officer's choice): every household of the village
    that needs a cadre, paired or not. Only households within the user's scope."""
    households = scope.visible_to(user, Household.objects.all())
    if village_code:
        bounds = code_bounds(village_code)
        households = households.filter(village_id__gte=bounds[0], village_id__lte=bounds[1])
        if cadre is not None:
            households = households.filter(cadre_pairs__cadre=cadre, cadre_pairs__ended_on__isnull=True)
    else:
        cadre = cadre or cadre_of_user(user)
        if cadre is None:
            return []
        households = households.filter(cadre_pairs__cadre=cadre, cadre_pairs__ended_on__isnull=True)
    ids = list(households.values_list("household_id", flat=True).distinct())
    schedule = schedule_of(ids, today=today)
    horizon = today + dt.timedelta(days=WEEK_DAYS - 1)
    due = pc.fill_null(pc.less_equal(schedule["due_on"], pa.scalar(horizon, pa.date32())), True)
    schedule = schedule.filter(pc.or_(schedule["overdue"], due))
    chosen = schedule["household_id"].to_pylist()
    by_id = Household.objects.select_related("village").in_bulk(chosen)
    pairs = {p.household_id: p.cadre for p in CadrePair.objects.filter(household_id__in=chosen, ended_on__isnull=True)
             .select_related("cadre")}
    return [
        WeekRow(household=by_id[row["household_id"]], cadre=pairs.get(row["household_id"]),
                cadence_days=row["cadence_days"], last_visited_on=row["last_visited_on"], due_on=row["due_on"],
                overdue=row["overdue"], days_overdue=row["days_overdue"])
        for row in schedule.to_pylist()
    ]


def heads_of(household_ids) -> dict[str, str]:
    """The household head's name (what the public board shows too), for the week's rows."""
    return dict(Person.objects.filter(household_id__in=list(household_ids), relation="head")
                .order_by("alive").values_list("household_id", "name"))
