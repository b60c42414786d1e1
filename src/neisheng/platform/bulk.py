"""Moving Arrow tables into the database fast, on SQLite and PostgreSQL alike, and, on
PostgreSQL, query results out of it the same way (COPY of CSV that Arrow reads and writes
in C)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, connections

BATCH = 5_000
COPY_BATCH = 50_000
SQLITE_LOAD_CACHE_KIB = 256 * 1024


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


FETCH_CHUNK = 10_000


def rows_out(queryset, fields: list[str], schema: pa.Schema) -> pa.Table:
    """`queryset.values_list(*fields)` as an Arrow table of `schema`: on PostgreSQL by
    COPY (rows_copied_out), a county's millions of rows without a Python object each;
    elsewhere fetched in chunks into columns."""
    if connections[queryset.db].vendor == "postgresql":
        return rows_copied_out(queryset, fields, schema)
    columns: list[list] = [[] for _ in fields]
    for row in queryset.values_list(*fields).iterator(chunk_size=FETCH_CHUNK):
        for values, value in zip(columns, row):
            values.append(value)
    return pa.table([pa.array(values, f.type) for values, f in zip(columns, schema)], schema=schema)


def rows_copied_out(queryset, fields: list[str], schema: pa.Schema) -> pa.Table:
    """`queryset.values_list(*fields)` as an Arrow table of `schema` (one field per
    field, in order), on PostgreSQL: CSV the server writes (COPY of the query) parsed by
    Arrow, without a Python object per row."""
    import psycopg

    db = connections[queryset.db]
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    db.ensure_connection()
    # COPY takes no bound parameters: the query's own, quoted by the driver.
    query = psycopg.ClientCursor(db.connection).mogrify(sql, params)
    buffer = io.BytesIO()
    with db.cursor() as cursor, cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
        for data in copy:
            buffer.write(data)
    if not buffer.tell():
        return schema.empty_table()  # no row: no CSV for Arrow to read
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=schema.names),
        # NULL is written unquoted and empty, an empty text quoted ("").
        convert_options=pacsv.ConvertOptions(
            column_types=schema, true_values=["t"], false_values=["f"], null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=False),
    ).cast(schema)


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


@contextmanager
def indexes_deferred(models: list) -> Iterator[None]:
    """Inside a transaction: drop the indexes and constraints of `models`' tables (primary
    keys, unique constraints, foreign keys, and other tables' foreign keys to them), and
    on leaving the block normally create each again from the database's own definition
    of it, word for word. Built once over loaded rows, an index costs a fraction of what
    it costs maintained row by row, and a foreign key is checked by one join instead of
    one lookup per row held until commit: for a county's twelve million rows on
    PostgreSQL, minutes. The definitions are those migrations made, read back from the
    catalog, so the schema after a load is exactly the schema before it. An error inside
    the block, or a duplicate key or dangling reference found while re-creating, rolls
    the transaction back and the drops with it: DDL is transactional on PostgreSQL and
    SQLite. Other sessions wait for the tables (and tables referring to them) until
    the transaction ends.

    SQLite cannot drop keys written inside CREATE TABLE (its primary and foreign keys),
    so there only the separate indexes are deferred."""
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred drops indexes: it must run inside a transaction")
    tables = [model._meta.db_table for model in models]
    cache_pages = None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            recreate = _pg_drop_deferrable(cursor, tables)
        elif connection.vendor == "sqlite":
            recreate = _sqlite_drop_indexes(cursor, tables)
            # The keys SQLite keeps while rows go in (a text primary key, a unique key) are
            # written in random order: with its default 2,000-page cache every insert
            # spills pages. A larger cache for this connection while the load runs.
            cursor.execute("PRAGMA cache_size")
            cache_pages = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
        else:
            recreate = []
    try:
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Index builds sort: memory for that (the server's, for this transaction only).
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cursor.execute("SET LOCAL work_mem = '64MB'")
            for statement in recreate:
                cursor.execute(statement)
    finally:
        # A transaction already failing refuses statements; its connection keeps the cache.
        if cache_pages is not None and connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_pages)}")


# Dropped in this order (a foreign key depends on the key it points at); re-created in reverse.
_PG_CONSTRAINT_ORDER = {"f": 0, "u": 1, "p": 2}


def _pg_drop_deferrable(cursor, tables: list[str]) -> list[str]:
    """Drop what `indexes_deferred` defers on PostgreSQL; the statements that re-create it:
    indexes and keys first, then the foreign keys that check through them."""
    quote = connection.ops.quote_name
    # PostgreSQL refuses to alter a table with checks deferred to commit (rows this
    # transaction changed before, e.g. a replace's deletes): they are made now, with the
    # same outcome, and checks are deferred again as the constraints define.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute("SELECT quote_ident(connamespace::regnamespace::text) || '.' || quote_ident(conname) "
                   "FROM pg_constraint WHERE condeferrable AND NOT condeferred")
    initially_immediate = [name for (name,) in cursor.fetchall()]
    if initially_immediate:
        cursor.execute(f"SET CONSTRAINTS {', '.join(initially_immediate)} IMMEDIATE")
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('p', 'u', 'f'))
           OR (c.confrelid = ANY(%s::regclass[]) AND c.contype = 'f')
        ORDER BY c.conrelid::regclass::text, c.conname
        """,
        [tables, tables],
    )
    constraints = sorted(cursor.fetchall(), key=lambda c: _PG_CONSTRAINT_ORDER[c[2]])
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                          AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _kind, _definition in constraints:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return ([f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
             for table, name, kind, definition in reversed(constraints) if kind != "f"]
            + [definition for _name, definition in indexes]
            + [f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
               for table, name, kind, definition in reversed(constraints) if kind == "f"])


def _sqlite_drop_indexes(cursor, tables: list[str]) -> list[str]:
    placeholders = ", ".join(["%s"] * len(tables))
    cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({placeholders}) ORDER BY name", tables)
    indexes = cursor.fetchall()
    for name, _sql in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in indexes]


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
