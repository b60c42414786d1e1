"""Loading Arrow tables into the database fast, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from django.db import connection

BATCH = 5_000


def insert_rows(model, table: pa.Table, attnames: list[str],
                on_batch: Callable[[int], None] | None = None) -> int:
    """Plain parameterised INSERTs (portable SQL) of `table`'s columns `attnames` (model
    attribute names, e.g. `village_id`). A county is millions of rows, and building a
    model instance for each costs several times what the database does. No signals and
    no per-row history: the caller records the load as one audited event."""
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[a]) for a in attnames)
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
