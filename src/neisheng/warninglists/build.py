"""A run's warning list, built inside the transaction that stores the run's results
(platform.extensions.run_finished): every red or yellow household of the run, new or
continuing, with its reasons.

New (cases.md): in the run the household is compared with — the newest earlier run of
the same year covering it, or if none the newest run of the year before covering it —
it was green, absent, or without members (size 0). A household no earlier run covers
is new too. Runs usually cover the whole registry, so this is one lookup; a county run
after town runs compares each town's households with their own town's run.

At a million households a county has a few hundred thousand red and yellow rows: they
are read as tuples and written with platform.bulk.insert_rows (COPY on PostgreSQL), never
as model instances (benchmarks/warning_rows.py)."""

from __future__ import annotations

import pyarrow as pa
from django.db.models import Q

from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.monitoring.models import HouseholdResult, MonitoringRun
from neisheng.platform.bulk import insert_rows
from neisheng.warninglists.models import WarningRow
from neisheng.warninglists.selectors import ALERT, finished_runs

COLUMNS = ["run_id", "household_id", "village_code", "risk", "reasons", "new", "status", "dismissed_reason"]


def scope_prefix(division_code: str) -> str:
    """The leading digits every village under a run's division shares ("" for all)."""
    return division_code[: PREFIX_LENGTH[level_of(division_code)]] if division_code else ""


def runs_compared_with(run: MonitoringRun) -> list[MonitoringRun]:
    """The earlier finished runs a household of `run` may be compared with, in the order
    they are tried: the same year newest first, then the year before newest first."""
    earlier = (finished_runs().exclude(pk=run.pk)
               .filter(Q(started_at__lt=run.started_at) | Q(started_at=run.started_at, pk__lt=run.pk))
               .order_by("-started_at", "-pk"))
    return [*earlier.filter(year=run.year), *earlier.filter(year=run.year - 1)]


def _alerting(run_id: int, prefix: str) -> set[str]:
    """Households red or yellow, with members, in a run, under a division prefix."""
    results = HouseholdResult.objects.filter(run_id=run_id, risk__in=ALERT, size__gt=0)
    if prefix:
        # A range on the indexed code (a town's villages share its leading digits).
        results = results.filter(household__village_id__gte=prefix.ljust(12, "0"),
                                 household__village_id__lte=prefix.ljust(12, "9"))
    return set(results.values_list("household_id", flat=True).iterator(chunk_size=20_000))


def warning_rows_build(run: MonitoringRun) -> int:
    """Store the run's warning list; returns how many rows. A run whose list is already
    stored is left as it is (its rows may have been handed out and followed up)."""
    if WarningRow.objects.filter(run=run).exists():
        return 0
    current = list(HouseholdResult.objects.filter(run=run, risk__in=ALERT)
                   .values_list("household_id", "household__village_id", "risk", "reasons")
                   .order_by().iterator(chunk_size=20_000))
    if not current:
        return 0
    continuing: set[str] = set()
    unassigned = {household for household, *_ in current}
    village_of = {household: village for household, village, *_ in current}
    own_prefix = scope_prefix(run.division_code)
    for earlier in runs_compared_with(run):
        prefix = scope_prefix(earlier.division_code)
        if own_prefix.startswith(prefix):
            # It covers every household of this run: the rest are compared with it.
            covered = unassigned
        else:
            covered = {h for h in unassigned if village_of[h].startswith(prefix)}
        if covered:
            continuing |= covered & _alerting(earlier.pk, max(prefix, own_prefix, key=len))
            unassigned -= covered
        if not unassigned:
            break
    table = pa.table({
        "run_id": pa.array([run.pk] * len(current), pa.int64()),
        "household_id": pa.array([row[0] for row in current], pa.string()),
        "village_code": pa.array([row[1] for row in current], pa.string()),
        "risk": pa.array([row[2] for row in current], pa.string()),
        "reasons": pa.array([row[3] or "" for row in current], pa.string()),
        "new": pa.array([row[0] not in continuing for row in current], pa.bool_()),
        "status": pa.array([WarningRow.Status.OPEN.value] * len(current), pa.string()),
        "dismissed_reason": pa.array([""] * len(current), pa.string()),
    })
    return insert_rows(WarningRow, table, COLUMNS)
