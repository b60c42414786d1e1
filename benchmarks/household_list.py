"""Time the household list (the list pattern) on a synthetic county of N households: the
first page (the work first: red, yellow, then the rest), page 1000, a search by given
name, by the last digits of an ID number, by a middle part of a household number, and a
filter with a sort.

The county is generated (neisheng.synth.generate_county), loaded through the registry's
bulk load (registry_load_tables) and given one monitoring run's results (5 % red, 10 %
yellow, drawn at random: the list's speed does not depend on why a household is red).
Each request goes through Django's whole stack as a county officer (test client, no
network). "cold" is the first request (the count is computed and cached), "warm" the
median of the repeats (the count from the cache, as every page after the first).

Usage:
  PYTHONPATH=src python benchmarks/household_list.py [households] [--repeat N]
      (default 20,000 households; keep it at or below 50,000 on a shared machine)
Without DATABASE_URL a fresh SQLite database is made in a temporary folder. With
DATABASE_URL (PostgreSQL) use a database of its own: loading empties its registry.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def setup_django(home: str | None) -> None:
    if home is not None and "DATABASE_URL" not in os.environ:
        os.environ["NEISHENG_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    django.setup()


def load(households: int, seed: int) -> None:
    import numpy as np
    import pyarrow as pa
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from neisheng.monitoring.models import HouseholdResult, MonitoringRun
    from neisheng.platform.bulk import insert_rows
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    tables = generate_county(households=households, seed=seed, year=2026)
    counts = registry_load_tables(tables=tables, replace=True)
    print(f"generated and loaded in {time.perf_counter() - started:.1f} s: {counts}")

    # Finished: only a run whose results are stored is anybody's latest run (issue 10).
    run = MonitoringRun.objects.create(year=2026, households=households, finished_at=timezone.now())
    ids = tables["households"]["household_id"]
    rng = np.random.default_rng(seed)
    draw = rng.random(len(ids))
    risk = np.where(draw < 0.05, "red", np.where(draw < 0.15, "yellow", "green"))
    reasons = np.where(risk == "green", "", np.where(draw < 0.05, "medical_insurance;housing", "income_drop"))
    results = pa.table({
        "household_id": ids, "run_id": pa.array([run.pk] * len(ids), type=pa.int64()),
        "size": pa.array(rng.integers(1, 7, len(ids)), type=pa.int64()),
        "risk": pa.array(risk), "reasons": pa.array(reasons),
        "stability": pa.array(np.where(risk == "green", "stable", "borderline")),
        "motivation_poor": pa.array(rng.random(len(ids)) < 0.2),
    })
    insert_rows(HouseholdResult, results, ["household_id", "run_id", "size", "risk", "reasons", "stability",
                                           "motivation_poor"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def requests_to_time() -> list[tuple[str, dict[str, str]]]:
    """Values taken from the loaded data so that each search finds something."""
    from neisheng.registry.models import Household, Person

    total = Household.objects.count()
    household = Household.objects.order_by("household_id")[total // 2]
    member = Person.objects.filter(household=household).exclude(given_name="").first()
    suffix = member.person_id[-5:]
    page = min(1000, -(-total // 50))
    return [
        ("first page (work first)", {}),
        (f"page {page:,}", {"page": str(page)}),
        (f"given name {member.given_name}", {"q": member.given_name}),
        (f"ID suffix {suffix}", {"q": suffix}),
        (f"household-number middle part {household.household_id[8:12]}", {"q": household.household_id[8:12]}),
        ("risk red, sorted by village", {"risk": "red", "sort": "village"}),
    ]


def time_requests(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from neisheng.accounts.models import User
    from neisheng.registry.models import Division

    setup_test_environment()
    county = Division.objects.filter(level=3).order_by("code").first()
    officer, _ = User.objects.get_or_create(username="bench-county-officer",
                                            defaults={"role": "county", "division": county})
    client = Client()
    client.force_login(officer)
    print(f"\n{connection.vendor}, county officer of {county.name}, {repeat} warm requests each\n")
    print("| request | rows found | cold ms | warm median ms | warm max ms | queries | SQL ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, params in requests_to_time():
        started = time.perf_counter()
        response = client.get("/households/", params)
        cold = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get("/households/", params)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/households/", params)
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"| {label} | {response.context['page'].count:,} | {cold:.0f} | {statistics.median(times):.0f} "
              f"| {max(times):.0f} | {len(queries.captured_queries)} | {sql_ms:.0f} |", flush=True)
    time_household_pages(client)


def time_household_pages(client, count: int = 40) -> None:
    """The household page (result explained first, then the facts) of `count` households
    spread over the county, half of them red, after one warm-up."""
    from neisheng.monitoring.models import HouseholdResult

    red = list(HouseholdResult.objects.filter(risk="red").order_by("household_id")
               .values_list("household_id", flat=True)[: count // 2])
    others = list(HouseholdResult.objects.exclude(risk="red").order_by("?")
                  .values_list("household_id", flat=True)[: count - len(red)])
    client.get(f"/households/{red[0]}/")
    times = []
    for household_id in red + others:
        started = time.perf_counter()
        response = client.get(f"/households/{household_id}/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (household_id, response.status_code)
    times.sort()
    print(f"\nhousehold page, {len(times)} households ({len(red)} red): median {statistics.median(times):.0f} ms, "
          f"p90 {times[int(len(times) * 0.9) - 1]:.0f} ms, max {times[-1]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("households", type=int, nargs="?", default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neisheng-list-bench-") as home:
        setup_django(home)
        load(args.households, args.seed)
        time_requests(args.repeat)


if __name__ == "__main__":
    main()
