"""Time the home page of a county officer, county-wide, on a database you loaded (e.g. the
1,000,000-household snapshot by `neisheng import-snapshot`), through Django's full request
stack (test client), in a fresh process: what the first visit after a run, or after a
server restart, costs.

  stored   the figures the latest run stored for the county (monitoring.scope_figures)
  counted  the same page with the stored figures ignored and the cache empty: what every
           first visit cost before issue 17 (and still costs after a registry write,
           until the next run)

Each is requested --repeat times; the first of "stored" is a first visit in a new process.
The pages are compared (less each response's nonce and CSRF token): they must be equal.
A county officer `bench-home` is made if missing; when no finished run covers the county,
run `benchmarks/platform_run.py --existing` first.

Usage:
  DATABASE_URL=postgres://neisheng:neisheng@127.0.0.1:5432/bench_platform \\
      python benchmarks/home_page.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from neisheng.accounts.models import User
    from neisheng.monitoring.selectors import latest_run
    from neisheng.platform import extensions
    from neisheng.registry.models import Division, Household

    setup_test_environment()
    county = Division.objects.filter(level=3).order_by("code").first()
    run = latest_run(division_code=county.code)
    if run is None:
        raise SystemExit("no finished run covers the county: run benchmarks/platform_run.py --existing first")
    user, _ = User.objects.get_or_create(username="bench-home", defaults={"role": "county", "division": county})
    client = Client()
    client.force_login(user)
    households = Household.objects.filter(village_id__gte=county.code[:6].ljust(12, "0"),
                                          village_id__lte=county.code[:6].ljust(12, "9")).count()

    def visit() -> tuple[float, int, str]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/")
            seconds = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return seconds, len(queries), re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())

    stored = [visit() for _ in range(args.repeat)]
    saved = dict(extensions._stored_figures)
    extensions._stored_figures.clear()
    counted = []
    for _ in range(args.repeat):
        cache.clear()
        counted.append(visit())
    extensions._stored_figures.update(saved)
    print(f"home page, county officer, {households:,} households, run {run.pk} ({connection.vendor})")
    for label, visits in (("stored", stored), ("counted", counted)):
        ms = [v[0] * 1000 for v in visits]
        print(f"  {label:<8} first {ms[0]:,.0f} ms, median {statistics.median(ms):,.0f} ms, "
              f"{visits[0][1]} queries")
    print("  pages equal:", stored[0][2] == counted[0][2])


if __name__ == "__main__":
    main()
