"""Writes of the registry workflow."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from django.db import transaction

from neisheng.registry.models import Division, Household, IncomeItem, Person

BATCH = 5_000
HOUSEHOLD_FIELDS = [f.name for f in Household._meta.concrete_fields if f.name != "village"]
PERSON_FIELDS = [f.name for f in Person._meta.concrete_fields if f.name != "household"]


def _batches(table: pa.Table, size: int = BATCH):
    for batch in table.to_batches(max_chunksize=size):
        yield batch.to_pylist()


@transaction.atomic
def registry_load_tables(*, tables: dict[str, pa.Table], replace: bool = False,
                         progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load validated snapshot tables (contract schemas) into the database, all or nothing.

    `replace` first empties the registry (a county reloading its whole snapshot). Rows are
    inserted in batches without per-row history: a bulk load is one event, recorded in the
    audit log by the caller."""
    if replace:
        IncomeItem.objects.all().delete()
        Person.objects.all().delete()
        Household.objects.all().delete()
        Division.objects.all().update(parent=None)
        Division.objects.all().delete()
    counts = {}
    divisions = sorted(tables["divisions"].to_pylist(), key=lambda d: d["level"])
    Division.objects.bulk_create(
        [Division(code=d["code"], name=d["name"], level=d["level"], parent_id=d["parent_code"]) for d in divisions],
        batch_size=BATCH,
    )
    counts["divisions"] = len(divisions)
    counts["households"] = 0
    for rows in _batches(tables["households"]):
        Household.objects.bulk_create(
            [Household(village_id=r["village_code"], **{k: r[k] for k in HOUSEHOLD_FIELDS}) for r in rows]
        )
        counts["households"] += len(rows)
        if progress:
            progress("households", counts["households"])
    counts["persons"] = 0
    for rows in _batches(tables["persons"]):
        Person.objects.bulk_create(
            [Person(household_id=r["household_id"], **{k: r[k] for k in PERSON_FIELDS}) for r in rows]
        )
        counts["persons"] += len(rows)
        if progress:
            progress("persons", counts["persons"])
    counts["income_items"] = 0
    for rows in _batches(tables["income_items"]):
        IncomeItem.objects.bulk_create(
            [IncomeItem(household_id=r["household_id"], year=r["year"], item=r["item"],
                        amount=r["amount"], source=r["source"]) for r in rows]
        )
        counts["income_items"] += len(rows)
        if progress:
            progress("income_items", counts["income_items"])
    return counts
