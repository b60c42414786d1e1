"""Time the monitoring dashboard (/monitoring/) of a synthetic county.

Loads a county of N households (neisheng.synth.generate_county) into the database
DATABASE_URL names (default: SQLite in NEISHENG_HOME: give it a folder of its own), runs
monitoring twice (two runs, so the trends have two points), then requests the dashboard
through Django's full request stack (test client) as a county officer (the county, one
level down: towns), a town officer (villages) and a county officer looking at an earlier
run, and prints each request's median latency and its number of queries: with every app's
cards, and with the dashboard's own cards only. A page view reads region summaries, never
the households' results, so the figures should not grow with N.

Usage:
  NEISHENG_HOME=/tmp/neisheng-bench python benchmarks/dashboard.py [households] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    django.setup()


def load(households: int, *, seed: int) -> None:
    from django.core.management import call_command

    from neisheng.monitoring.models import MonitoringRun
    from neisheng.monitoring.services import monitoring_run
    from neisheng.registry.models import Household
    from neisheng.registry.services import registry_load_tables
    from neisheng.synth import generate_county

    call_command("migrate", verbosity=0)
    if Household.objects.count() != households:
        started = time.perf_counter()
        registry_load_tables(tables=generate_county(households=households, seed=seed, year=2026), replace=True)
        print(f"registry: {households:,} households in {time.perf_counter() - started:.1f} s")
    while MonitoringRun.objects.filter(finished_at__isnull=False).count() < 2:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as work:
            monitoring_run(year=2026, work_dir=Path(work))
        print(f"monitoring run: {time.perf_counter() - started:.1f} s")


def time_requests(repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from neisheng.accounts.models import User
    from neisheng.monitoring.models import MonitoringRun, RegionSummary
    from neisheng.platform import extensions
    from neisheng.registry.models import Division

    setup_test_environment()
    county = Division.objects.filter(level=3).order_by("code").first()
    town = Division.objects.filter(level=4, parent=county).order_by("code").first()
    users = {}
    for role, division in (("county", county), ("town", town)):
        users[role], _ = User.objects.get_or_create(username=f"bench-dashboard-{role}",
                                                    defaults={"role": role, "division": division})
    earlier = MonitoringRun.objects.filter(finished_at__isnull=False).order_by("started_at", "pk").first()
    print(f"region summaries: {RegionSummary.objects.count():,} rows; "
          f"{Division.objects.filter(level=5).count():,} villages")
    cases = [("county officer: county, towns", "county", {}),
             (f"county officer: town {town.code}, villages", "county", {"division": town.code}),
             ("town officer: town, villages", "town", {}),
             ("county officer: the earlier run", "county", {"run": earlier.pk})]
    sources = dict(extensions._dashboard_sources)
    for label, role, params in cases:
        client = Client()
        client.force_login(users[role])
        for own_only in (False, True):
            extensions._dashboard_sources.clear()
            extensions._dashboard_sources.update({} if own_only else sources)
            client.get("/monitoring/", params)  # warm: sessions, the stored policy parsed once
            times, queries = [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get("/monitoring/", params)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                queries = len(captured.captured_queries)
                assert not [q for q in captured.captured_queries if "monitoring_householdresult" in q["sql"]]
            which = "dashboard cards only" if own_only else "with other apps' cards"
            print(f"{label:45} {which:24} median {statistics.median(times):7.1f} ms "
                  f"(min {min(times):.1f}, max {max(times):.1f}), {queries} queries")
    extensions._dashboard_sources.clear()
    extensions._dashboard_sources.update(sources)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("households", nargs="?", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    load(args.households, seed=args.seed)
    time_requests(args.repeat)


if __name__ == "__main__":
    main()
