"""Loading a whole snapshot fast: the same rows as registry_load_tables, without building a
model instance and an SQL string per row.

A county's registry is around a million rows. Through bulk_create, Django spends most
of the time preparing each value of each instance (about 1 ms per household on SQLite),
and SQLite's limit on query parameters cuts the inserts into batches of a few dozen rows.
Here each contract table goes column by column from Arrow into one prepared INSERT run
with executemany (SQLite), or into COPY (PostgreSQL); other databases fall back to the
ORM loader. As with registry_load_tables, no per-row history is written: a bulk load is
one event, recorded in the audit log by the caller.
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
FAST_VENDORS = ("sqlite", "postgresql")


def _models():
    from neisheng.registry.models import Division, Household, IncomeItem, Person

    return {"divisions": Division, "households": Household, "persons": Person, "income_items": IncomeItem}


# Contract column -> model field, where their names differ.
FIELD_OF = {"parent_code": "parent", "village_code": "village"}


def _db_columns(name: str) -> list[str]:
    model = _models()[name]
    return [model._meta.get_field(FIELD_OF.get(c, c)).column for c in TABLES[name].column_names]


def _for_database(data: pa.Table, name: str) -> pa.Table:
    """Values as the database driver takes them. SQLite has no date or decimal type:
    Django stores ISO dates and decimal text, so the same is written here."""
    data = data.select(TABLES[name].column_names).cast(TABLES[name].arrow_schema)
    if connection.vendor != "sqlite":
        return data
    columns = []
    for column in TABLES[name].columns:
        values = data.column(column.name)
        if column.kind in ("date", "decimal"):
            values = pc.cast(values, pa.string())
        columns.append(values)
    return pa.table(columns, names=data.column_names)


def _rows(batch: pa.RecordBatch):
    return zip(*(column.to_pylist() for column in batch.columns))


def _insert(cursor, name: str, data: pa.Table, report: Callable[[int], None]) -> int:
    model = _models()[name]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in _db_columns(name))
    done = 0
    if connection.vendor == "postgresql":
        # Arrow writes the CSV in C; PostgreSQL reads an unquoted empty field as NULL and a
        # quoted one ("") as an empty string, which is how Arrow writes them.
        options = pacsv.WriteOptions(include_header=False)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            for batch in _for_database(data, name).to_batches(max_chunksize=BATCH):
                buffer = io.BytesIO()
                pacsv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
                copy.write(buffer.getvalue())
                done += batch.num_rows
                report(done)
        return done
    marks = ", ".join(["%s"] * len(TABLES[name].columns))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    for batch in _for_database(data, name).to_batches(max_chunksize=BATCH):
        cursor.executemany(sql, list(_rows(batch)))
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
    if connection.vendor not in FAST_VENDORS:
        from neisheng.registry.services import registry_load_tables

        return registry_load_tables(tables=tables, replace=replace, progress=progress)
    if replace:
        _empty_registry()
    divisions = tables["divisions"]
    divisions = divisions.take(pc.sort_indices(divisions, sort_keys=[("level", "ascending")]))
    counts = {}
    with connection.cursor() as cursor:
        for name, data in (("divisions", divisions), ("households", tables["households"]),
                           ("persons", tables["persons"]), ("income_items", tables["income_items"])):
            def report(done: int, name: str = name) -> None:
                if progress and name != "divisions":
                    progress(name, done)

            counts[name] = _insert(cursor, name, data, report)
    return counts
