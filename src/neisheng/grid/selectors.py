"""Reads of the responsibility grid. The tables here are what neisheng.engine.grid and
neisheng.engine.assignment take: the database gathers facts, the engine decides."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from django.db.models import Exists, OuterRef

from neisheng.cases.models import CLOSED_STATES, MonitoringCase
from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.engine.grid import needs_cadre
from neisheng.grid.models import AreaPair, Cadre, CadreKind, CadrePair, LeaderPair
from neisheng.platform.bulk import rows_out
from neisheng.registry.models import Household, Person


def code_bounds(division_code: str | None) -> tuple[str, str] | None:
    """(lowest, highest) 12-digit code under a division; None for "everywhere"."""
    if not division_code:
        return None
    prefix = division_code[: PREFIX_LENGTH[level_of(division_code)]]
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def county_of(division_code: str) -> str:
    return division_code[:6].ljust(12, "0")


def _in_bounds(queryset, field: str, division_code: str | None):
    bounds = code_bounds(division_code)
    if bounds is None:
        return queryset
    return queryset.filter(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]})


FACTS_SCHEMA = pa.schema([("household_id", pa.string()), ("village_code", pa.string()), ("status", pa.string()),
                          ("open_case", pa.bool_()), ("alive_members", pa.bool_())])


def household_facts_table(*, division_code: str | None) -> pa.Table:
    """Every household under the division with what grid.md's rules read:
    `household_id, village_code, status, open_case, alive_members` (alive_members is 0 or 1:
    whether any member is alive, all the rule asks). One query, copied out as Arrow: a
    county's million households asked of its three million members take seconds, not the
    half-minute that fetching them row by row took."""
    open_cases = MonitoringCase.objects.exclude(state__in=CLOSED_STATES).filter(household_id=OuterRef("pk"))
    alive = Person.objects.filter(alive=True, household_id=OuterRef("pk"))
    households = (_in_bounds(Household.objects, "village_id", division_code)
                  .annotate(open_case=Exists(open_cases), any_alive=Exists(alive)).order_by("household_id"))
    facts = rows_out(households, ["household_id", "village_id", "status", "open_case", "any_alive"], FACTS_SCHEMA)
    return facts.set_column(4, "alive_members", pc.cast(facts["alive_members"], pa.int32()))


def household_facts_exported(export) -> pa.Table:
    """household_facts_table of everything a monitoring run exported (a
    platform.extensions.RunExport), the households and members read from its snapshot:
    asking the database whether each of a county's million households has a living
    member takes a million index probes (3 s). Open cases are few and not exported:
    those come from the database."""
    households = export.table("households", ["household_id", "village_code", "status"])
    persons = export.table("persons", ["household_id", "alive"])
    with_living = persons.filter(pc.fill_null(persons["alive"], False))["household_id"]
    open_cases = pa.array(MonitoringCase.objects.exclude(state__in=CLOSED_STATES)
                          .values_list("household_id", flat=True).distinct(), pa.string())
    facts = pa.table({
        "household_id": households["household_id"],
        "village_code": households["village_code"],
        "status": households["status"],
        "open_case": pc.is_in(households["household_id"], value_set=open_cases),
        "alive_members": pc.cast(pc.is_in(households["household_id"], value_set=with_living), pa.int32()),
    })
    return facts.sort_by("household_id")


def needing_cadre_table(*, division_code: str | None, facts: pa.Table | None = None) -> pa.Table:
    """grid.md "Who needs a cadre", under a division: `household_id, village_code, status,
    open_case`; from `facts` (household_facts_exported) when given, else the database's."""
    if facts is None:
        facts = household_facts_table(division_code=division_code)
    elif (bounds := code_bounds(division_code)) is not None:
        village = facts["village_code"]
        facts = facts.filter(pc.and_(pc.greater_equal(village, bounds[0]), pc.less_equal(village, bounds[1])))
    return facts.filter(needs_cadre(facts)).drop_columns(["alive_members"])


def cadres_table(*, division_code: str | None) -> pa.Table:
    """Active assistance cadres who may serve households under the division, i.e. those of
    its whole county (grid.md: a cadre of the county may be assigned anywhere in it):
    `cadre_id, division_code, capacity` (capacity null: the policy's max_per_cadre)."""
    county = None if not division_code else county_of(division_code)
    rows = list(_in_bounds(Cadre.objects.filter(active=True, kind=CadreKind.ASSISTANCE), "division_code", county)
                .order_by("cadre_id").values_list("cadre_id", "division_code", "capacity"))
    return pa.table({
        "cadre_id": pa.array([r[0] for r in rows], pa.string()),
        "division_code": pa.array([r[1] for r in rows], pa.string()),
        "capacity": pa.array([r[2] for r in rows], pa.int32()),
    })


def active_pairs_table(*, division_code: str | None) -> pa.Table:
    """The active 包户 pairs of households under the division: `cadre_id, household_id`."""
    rows = list(_in_bounds(CadrePair.objects.filter(ended_on__isnull=True), "division_code", division_code)
                .order_by("household_id").values_list("cadre__cadre_id", "household_id"))
    return pa.table({
        "cadre_id": pa.array([r[0] for r in rows], pa.string()),
        "household_id": pa.array([r[1] for r in rows], pa.string()),
    })


def cadre_of_user(user) -> Cadre | None:
    """The cadre record of a signed-in user (their households, their week), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user, active=True).first()


def active_cadre_pair(household) -> CadrePair | None:
    return CadrePair.objects.filter(household=household, ended_on__isnull=True).select_related("cadre").first()


def active_leader_pair(village_code: str) -> LeaderPair | None:
    return LeaderPair.objects.filter(village_id=village_code, ended_on__isnull=True).select_related("leader").first()


def active_area_pairs(village_code: str):
    return AreaPair.objects.filter(village_id=village_code, ended_on__isnull=True).select_related("cadre")


# --- C: names for the coverage lists and the public boards ---


def head_names(household_ids) -> dict[str, str]:
    """Each household's head's name (a living head first; the first-named member when the
    household has no head on record): what a public board and a work list show of it."""
    names: dict[str, str] = {}
    fallback: dict[str, str] = {}
    ids = list(household_ids)
    for start in range(0, len(ids), 500):  # SQLite's limit on a query's parameters
        rows = (Person.objects.filter(household_id__in=ids[start:start + 500])
                .order_by("household_id", "-alive", "person_id")
                .values_list("household_id", "name", "relation"))
        for household_id, name, relation in rows:
            if relation == "head":
                names.setdefault(household_id, name)
            fallback.setdefault(household_id, name)
    return {h: names.get(h) or fallback[h] for h in fallback}
