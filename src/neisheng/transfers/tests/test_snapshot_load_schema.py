"""A snapshot load builds the registry's indexes and foreign keys after the rows are in
(platform.bulk.indexes_deferred): afterwards the schema is exactly the one migrations
made, and a load the database refuses leaves the registry and the schema as they were."""

from __future__ import annotations

import base64
import re

import pyarrow as pa
import pytest
from django.db import IntegrityError, connection

from neisheng.registry.models import (
    PERSON_KEY_BYTES,
    PERSON_KEY_LENGTH,
    Division,
    Household,
    IncomeItem,
    Person,
)
from neisheng.registry.services import new_person_keys, registry_load_tables
from neisheng.synth import generate_county

REGISTRY = [Division, Household, Person, IncomeItem]


def schema() -> dict:
    """Every index and constraint of the registry's tables, as the database describes it."""
    described = {}
    with connection.cursor() as cursor:
        for model in REGISTRY:
            table = model._meta.db_table
            described[table] = connection.introspection.get_constraints(cursor, table)
        if connection.vendor == "postgresql":
            tables = [m._meta.db_table for m in REGISTRY]
            cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                           "WHERE indrelid = ANY(%s::regclass[])", [tables])
            described["indexes"] = sorted(cursor.fetchall())
            cursor.execute("SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred "
                           "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])", [tables])
            described["constraints"] = sorted(cursor.fetchall())
        else:
            cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN (%s, %s, %s, %s)",
                           [m._meta.db_table for m in REGISTRY])
            described["sqlite_master"] = sorted(cursor.fetchall(), key=str)
    return described


def registry_rows() -> dict:
    return {
        "divisions": sorted(Division.objects.values_list("code", "parent_id")),
        "households": sorted(Household.objects.values_list("household_id", "village_id")),
        "persons": sorted(Person.objects.values_list("person_id", "key", "household_id", "given_name")),
        "income_items": sorted(IncomeItem.objects.values_list("id", "household_id", "amount")),
    }


@pytest.fixture(scope="module")
def small_county():
    return generate_county(households=40, seed=5, year=2026, county_code="500237")


@pytest.mark.django_db
def test_a_load_leaves_every_index_and_constraint_as_migrations_made_it(county, small_county):
    before = schema()
    indexed = {name for name, c in before["registry_person"].items() if c["index"] or c["unique"]}
    assert len(indexed) >= 5  # the key, the name, the search keys, the household link, ...

    counts = registry_load_tables(tables=small_county, replace=True)

    assert counts["persons"] == small_county["persons"].num_rows == Person.objects.count()
    assert schema() == before


def with_row_the_database_refuses(tables: dict[str, pa.Table], fault: str) -> dict[str, pa.Table]:
    """`tables` with one persons row that only the database refuses (the snapshot's own
    checks never ran: registry_load_tables is handed tables directly)."""
    persons = tables["persons"]
    if fault == "duplicate key":
        bad = persons.slice(0, 1)
    else:  # a member of a household that does not exist
        bad = persons.slice(0, 1).set_column(persons.column_names.index("household_id"), "household_id",
                                             pa.array(["500237999999" + "0001"]))
        bad = bad.set_column(persons.column_names.index("person_id"), "person_id",
                             pa.array(["11010119900307999X"]))
    return {**tables, "persons": pa.concat_tables([persons, bad.cast(persons.schema)])}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["duplicate key", "missing household"])
def test_a_load_the_database_refuses_leaves_the_registry_and_schema_as_they_were(county, small_county, fault):
    # Committed for real (transaction=True): SQLite checks deferred foreign keys at commit.
    rows, before = registry_rows(), schema()
    assert rows["households"]

    with pytest.raises(IntegrityError):
        registry_load_tables(tables=with_row_the_database_refuses(small_county, fault), replace=True)

    assert registry_rows() == rows
    assert schema() == before


def test_bulk_person_keys_are_what_the_models_default_makes():
    keys = new_person_keys(2_000).to_pylist()
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert re.fullmatch(rf"[A-Za-z0-9_-]{{{PERSON_KEY_LENGTH}}}", key)
        raw = base64.urlsafe_b64decode(key + "==")
        # secrets.token_urlsafe(PERSON_KEY_BYTES) of the same bytes, as new_person_key makes one
        assert len(raw) == PERSON_KEY_BYTES and base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == key
    assert new_person_keys(0).to_pylist() == []


KILLED_LOAD = r"""
import os, signal, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "neisheng.web.settings"
import django
django.setup()
from neisheng.registry.services import registry_load_tables
from neisheng.synth import generate_county

def progress(table, done):
    if table == "persons" and done > 0:
        os.kill(os.getpid(), signal.SIGKILL)  # as a power cut or the OOM killer would, mid-load

registry_load_tables(tables=generate_county(households=40, seed=5, year=2026, county_code="500237"),
                     replace=True, progress=progress)
"""


@pytest.mark.django_db(transaction=True)
def test_a_load_killed_midway_leaves_the_registry_and_schema_as_they_were(county):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    if connection.vendor != "postgresql":
        pytest.skip("the test database is in this process's memory on SQLite: another process cannot reach it")
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
           f"{settings['PORT'] or 5432}/{settings['NAME']}")
    rows, before = registry_rows(), schema()
    connection.close()  # the killed process takes the registry's locks; this one holds none

    source = Path(__file__).resolve().parents[3]
    killed = subprocess.run([sys.executable, "-c", KILLED_LOAD], check=False, capture_output=True, timeout=300,
                            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(source)})

    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert registry_rows() == rows
    assert schema() == before
