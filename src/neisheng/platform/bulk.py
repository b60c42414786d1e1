"""Loading Arrow tables into the database fast, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

BATCH = 5_000
COPY_BATCH = 50_000


def insert_rows(model, table: pa.Table, attnames: list[str],
                on_batch: Callable[[int], None] | None = None) -> int:
    """Plain parameterised INSERTs (portable SQL) of `table`'s columns `attnames` (model
    attribute names, e.g. `village_id`). A county is millions of rows, and building a
    model instance for each costs several times what the database does. No signals and
    no per-row history: the caller records the load as one audited event."""
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[a]) for a in attnames)
    if connection.vendor == "postgresql":
        return _copy_rows(model, table.select(attnames), columns, on_batch)
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * len(attnames))})")
    count = 0
    with connection.cursor() as cursor:
        for batch in table.select(attnames).to_batches(max_chunksize=BATCH):
            cursor.executemany(sql, list(zip(*(col.to_pylist() for col in batch.columns))))
            count += batch.num_rows
            if on_batch:
                on_batch(count)
    return count


def _copy_rows(model, table: pa.Table, columns: str, on_batch) -> int:
    """PostgreSQL's COPY of CSV that Arrow writes in C: about five times the speed of
    INSERTs for a county. PostgreSQL reads an unquoted empty field as NULL and a quoted
    one ("") as an empty string, which is how Arrow writes them."""
    name = connection.ops.quote_name(model._meta.db_table)
    options = pacsv.WriteOptions(include_header=False)
    count = 0
    sql = f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for batch in table.to_batches(max_chunksize=COPY_BATCH):
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
            copy.write(buffer.getvalue())
            count += batch.num_rows
            if on_batch:
                on_batch(count)
    return count


def delete_all(models: list) -> None:
    """Delete every row of `models` (children first) without fetching each one: through
    the ORM every row deleted would be loaded and given a history record (minutes for a
    county). Rows of other models that point at them are first handled as their foreign
    keys say (results deleted, optional links cleared; a protecting link refuses)."""
    from django.db.models import CASCADE, DO_NOTHING, SET_NULL, ProtectedError

    doomed = set(models)
    for model in models:
        for relation in model._meta.related_objects:
            related, field = relation.related_model, relation.field
            if related in doomed or relation.on_delete is DO_NOTHING or not field.concrete:
                continue
            rows = related._default_manager.filter(**{f"{field.name}__isnull": False})
            if relation.on_delete is CASCADE:
                rows.delete()
            elif relation.on_delete is SET_NULL:
                rows.update(**{field.name: None})
            elif rows.exists():
                raise ProtectedError(f"{related._meta.label} rows refer to {model._meta.label}", set(rows[:10]))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            self_links = [f.column for f in model._meta.concrete_fields
                          if f.is_relation and f.related_model is model]
            for column in self_links:
                cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = NULL")
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
