"""Time a run's warning list (warninglists.build.warning_rows_build, what a run calls
inside the transaction that stores its results) on a synthetic county of N households,
then the warning list page and the API as a county officer.

Two runs of the same year are given random results (5 % red, 10 % yellow, drawn
independently, so about a sixth of the second run's warnings are continuing); the second
run's list is built and timed. Building reads the run's red and yellow results as
tuples, the previous run's red and yellow households with members as a set, and writes
the rows with platform.bulk.insert_rows (COPY on PostgreSQL): no model instance per row.

Usage:
  PYTHONPATH=src python benchmarks/warning_rows.py [households] [--repeat N]
      (default 20,000 households; keep it at or below 50,000 on a shared machine)
Without DATABASE_URL a fresh SQLite database is made in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from household_list import setup_django


def load(households: int, seed: int) -> list:
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    from django.core.management import call_command
    from django.utils import timezone

    from neisheng.monitoring.models import HouseholdResult, MonitoringRun
    from neisheng.platform.bulk import insert_rows
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county

    call_command("migrate", verbosity=0)
    tables = generate_county(households=households, seed=seed, year=2026)
    registry_load_tables(tables=tables, replace=True)
    ids = tables["households"]["household_id"]
    rng = np.random.default_rng(seed)
    runs = []
    for minutes in (0, 1):
        run = MonitoringRun.objects.create(year=2026, households=households, finished_at=timezone.now())
        MonitoringRun.objects.filter(pk=run.pk).update(started_at=timezone.now() + dt.timedelta(minutes=minutes))
        draw = rng.random(len(ids))
        risk = np.where(draw < 0.05, "red", np.where(draw < 0.15, "yellow", "green"))
        insert_rows(HouseholdResult, pa.table({
            "household_id": ids, "run_id": pa.array([run.pk] * len(ids), type=pa.int64()),
            "size": pa.array(rng.integers(0, 7, len(ids)), type=pa.int64()), "risk": pa.array(risk),
            "reasons": pa.array(np.where(risk == "green", "", "income_drop;housing")),
            "deprived": pa.array([""] * len(ids)),
        }), ["household_id", "run_id", "size", "risk", "reasons", "deprived"])
        runs.append(MonitoringRun.objects.get(pk=run.pk))
    return runs


def time_build(run) -> None:
    from django.db import transaction

    from neisheng.warninglists.build import warning_rows_build
    from neisheng.warninglists.models import WarningRow

    started = time.perf_counter()
    with transaction.atomic():
        rows = warning_rows_build(run)
    seconds = time.perf_counter() - started
    new = WarningRow.objects.filter(run=run, new=True).count()
    print(f"built {rows:,} warning rows ({new:,} new) in {seconds * 1000:.0f} ms "
          f"({rows / max(seconds, 1e-9):,.0f} rows/s)")


def time_pages(repeat: int) -> None:
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
    print(f"\n{connection.vendor}, county officer, {repeat} warm requests each\n")
    print("| request | cold ms | warm median ms | queries |")
    print("|---|---:|---:|---:|")
    for label, path in [("list, first page", "/warnings/"), ("list, page 20", "/warnings/?page=20"),
                        ("list, new and red", "/warnings/?risk=red&new=new"),
                        ("list, sorted by deadline", "/warnings/?sort=deadline"),
                        ("API, first page", "/api/warnings/"), ("follow-up card", "/warnings/follow-up/")]:
        started = time.perf_counter()
        assert client.get(path).status_code == 200, path
        cold = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        print(f"| {label} | {cold:.0f} | {statistics.median(times):.0f} | {len(queries.captured_queries)} |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("households", type=int, nargs="?", default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neisheng-warnings-bench-") as home:
        setup_django(home)
        runs = load(args.households, args.seed)
        time_build(runs[0])
        time_build(runs[1])
        time_pages(args.repeat)


if __name__ == "__main__":
    main()
