"""Time the household list page of a million-household county on PostgreSQL.

Loads a synthetic county (neisheng.synth.generate_county, then the registry's bulk load,
registry_load_tables: COPY on PostgreSQL) into the database DATABASE_URL names, unless it already holds that
many households, then requests the list page as a county officer through Django's full
request stack (test client: middleware, sessions, templates; no network) and prints the
median and spread of each request's latency.

Usage:
  DATABASE_URL=postgres://neisheng:neisheng@127.0.0.1/neisheng_bench \\
      python benchmarks/web_list.py [households] [--repeat N] [--reload]
The database must exist (createdb neisheng_bench); tables are created by migrate. Use a
database of its own: loading empties its registry and everything that refers to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    django.setup()


def load(households: int, *, seed: int, reload: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from neisheng.registry.models import Household
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county

    call_command("migrate", verbosity=0)
    present = Household.objects.count()
    if present == households and not reload:
        print(f"registry already holds {present:,} households: not loading")
        return
    started = time.perf_counter()
    tables = generate_county(households=households, seed=seed, year=2026)
    print(f"generate_county: {time.perf_counter() - started:.1f} s "
          + ", ".join(f"{name} {table.num_rows:,}" for name, table in tables.items()))

    started = time.perf_counter()
    # The registry's own loader: COPY on PostgreSQL, batched INSERTs elsewhere.
    counts = registry_load_tables(tables=tables, replace=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"load: {time.perf_counter() - started:.1f} s {counts}")


def requests_to_time() -> list[tuple[str, dict[str, str]]]:
    """Page 1, a village filter, a name search and a household-number search, with
    values taken from the loaded data so each finds something."""
    from neisheng.registry.models import Division, Household, Person

    villages = Division.objects.filter(level=5).order_by("code")
    village = villages[villages.count() // 2]
    household = Household.objects.filter(village=village).order_by("household_id").first()
    name = Person.objects.filter(household=household).values_list("name", flat=True).first()
    return [
        ("page 1", {}),
        (f"village {village.code} ({village.name})", {"division": village.code}),
        (f"name {name}", {"q": name}),
        (f"household number {household.household_id}", {"q": household.household_id}),
        ("next page (after the 1st page)", {"after": household.household_id}),
    ]


def time_requests(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from neisheng.accounts.models import User
    from neisheng.registry.models import Division

    setup_test_environment()  # the test client needs "testserver" allowed
    county = Division.objects.filter(level=3).order_by("code").first()
    officer, _ = User.objects.get_or_create(
        username="bench-county-officer", defaults={"role": "county", "division": county}
    )
    client = Client()
    client.force_login(officer)
    print(f"\n{connection.vendor}, county officer of {county.name} ({county.code}), "
          f"{repeat} requests each after one warm-up\n")
    print("| request | median ms | min ms | max ms | queries | SQL ms | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, params in requests_to_time():
        response = client.get("/households/", params)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/households/", params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        # One more request with the SQL recorded, to tell database time from the rest.
        with CaptureQueriesContext(connection) as queries:
            client.get("/households/", params)
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"| {label} | {statistics.median(times):.1f} | {min(times):.1f} | {max(times):.1f} "
              f"| {len(queries.captured_queries)} | {sql_ms:.1f} | {len(response.content):,} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("households", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reload", action="store_true", help="load again even if the registry is full")
    parser.add_argument("--no-load", action="store_true", help="time whatever the database holds")
    args = parser.parse_args()
    setup_django()
    if not args.no_load:
        load(args.households, seed=args.seed, reload=args.reload)
    time_requests(args.repeat)


if __name__ == "__main__":
    main()
