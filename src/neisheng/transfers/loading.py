"""Loading a whole snapshot fast: the same rows as registry_load_tables, quicker where
that loader is slow for a county (about a million rows).

- Replacing: registry_load_tables deletes through the ORM, which loads every row and
  writes a history record for each (more than 11 minutes for 100,000 households on
  SQLite). Here the registry is deleted with one statement per table, once rows of other
  apps that point at it have been handled as their foreign keys say.
- PostgreSQL: COPY of CSV written by Arrow instead of executemany (22 s instead of 103 s
  for 100,000 households). Other databases use registry_load_tables' INSERTs.

As with registry_load_tables, no per-row history is written: a bulk load is one event,
recorded in the audit log by the caller.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction

from neisheng.engine.schema import TABLES

BATCH = 50_000


def _models():
    from neisheng.registry.models import Division, Household, IncomeItem, Person

    return {"divisions": Division, "households": Household, "persons": Person, "income_items": IncomeItem}


# Contract column -> model field, where their names differ.
FIELD_OF = {"parent_code": "parent", "village_code": "village"}


def _db_columns(name: str) -> list[str]:
    model = _models()[name]
    return [model._meta.get_field(FIELD_OF.get(c, c)).column for c in TABLES[name].column_names]


def _copy(cursor, name: str, data: pa.Table, report: Callable[[int], None]) -> int:
    """COPY one contract table into its PostgreSQL table. Arrow writes the CSV in C;
    PostgreSQL reads an unquoted empty field as NULL and a quoted one ("") as an empty
    string, which is how Arrow writes them."""
    quote = connection.ops.quote_name
    table = quote(_models()[name]._meta.db_table)
    columns = ", ".join(quote(c) for c in _db_columns(name))
    data = data.select(TABLES[name].column_names).cast(TABLES[name].arrow_schema)
    options = pacsv.WriteOptions(include_header=False)
    done = 0
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for batch in data.to_batches(max_chunksize=BATCH):
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
            copy.write(buffer.getvalue())
            done += batch.num_rows
            report(done)
    return done


def _empty_registry() -> None:
    """Delete the registry without fetching each row. Through the ORM, every row deleted
    would be loaded and given a history record (minutes for a county); a bulk replace is
    one audited event instead, like the load. Rows of other apps that point at the
    registry (results, visits, cases) are handled first, as their foreign keys say."""
    from django.db.models import CASCADE, DO_NOTHING, SET_NULL, ProtectedError

    models = _models()
    registry = set(models.values())
    for model in registry:
        for relation in model._meta.related_objects:
            related, field = relation.related_model, relation.field
            if related in registry or relation.on_delete is DO_NOTHING or not field.concrete:
                continue
            rows = related._default_manager.filter(**{f"{field.name}__isnull": False})
            if relation.on_delete is CASCADE:
                rows.delete()
            elif relation.on_delete is SET_NULL:
                rows.update(**{field.name: None})
            elif rows.exists():
                raise ProtectedError(
                    f"{related._meta.label} rows refer to the registry", set(rows[:10])
                )
    quote = connection.ops.quote_name
    models["divisions"].objects.update(parent=None)
    with connection.cursor() as cursor:
        for name in ("income_items", "persons", "households", "divisions"):
            cursor.execute(f"DELETE FROM {quote(models[name]._meta.db_table)}")


@transaction.atomic
def registry_fast_load(*, tables: dict[str, pa.Table], replace: bool = False,
                       progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Same contract as neisheng.registry.services.registry_load_tables (validated tables,
    all or nothing, `replace` empties the registry first, progress(table, rows_done))."""
    from neisheng.registry.services import registry_load_tables

    if replace:
        _empty_registry()
    if connection.vendor != "postgresql":
        return registry_load_tables(tables=tables, progress=progress)
    divisions = tables["divisions"]
    divisions = divisions.take(pc.sort_indices(divisions, sort_keys=[("level", "ascending")]))
    counts = {}
    with connection.cursor() as cursor:
        for name, data in (("divisions", divisions), ("households", tables["households"]),
                           ("persons", tables["persons"]), ("income_items", tables["income_items"])):
            def report(done: int, name: str = name) -> None:
                if progress and name != "divisions":
                    progress(name, done)

            counts[name] = _copy(cursor, name, data, report)
    return counts
