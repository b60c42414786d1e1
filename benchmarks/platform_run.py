"""Time a monitoring run started in the platform: the registry exported from the database
as a snapshot, the engine (embedded DuckDB), and the results stored into the run
(household results and measures by COPY on PostgreSQL, region summaries, counts, what
`run_finished` listeners build, e.g. the warning lists, and the home pages' figures of
the run's scopes) in one transaction. Each part is timed on its own through the run's
progress callback; "figures" is the part of the store that counts the home pages'
figures (monitoring.scope_figures), timed separately.

Usage:
  PYTHONPATH=src python benchmarks/platform_run.py [--households N] [--seed S]
      a synthetic county of N households (default 20,000) loaded first; without
      DATABASE_URL a fresh SQLite database in a temporary folder
  DATABASE_URL=postgres://…/bench_platform python benchmarks/platform_run.py --existing [--county 500237]
      the registry already in that database (e.g. loaded by `neisheng import-snapshot`),
      run as its county officer would: the county's run
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--existing", action="store_true", help="run on the registry already in DATABASE_URL")
    parser.add_argument("--county", default=None, help="with --existing: the county run (default: the first)")
    args = parser.parse_args()
    if args.existing and "DATABASE_URL" not in os.environ:
        parser.error("--existing needs DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="neisheng-bench-run-") as home:
        if "DATABASE_URL" not in os.environ:
            os.environ["NEISHENG_HOME"] = home
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from neisheng.monitoring import scope_figures
        from neisheng.monitoring.services import monitoring_run
        from neisheng.registry.models import Division

        call_command("migrate", verbosity=0)
        division_code = ""
        if args.existing:
            counties = Division.objects.filter(level=3).order_by("code")
            if args.county:
                counties = counties.filter(code__startswith=args.county)
            division_code = counties.values_list("code", flat=True).first() or ""
        else:
            from neisheng.registry.services import registry_load_tables
            from neisheng.synth import generate_county

            registry_load_tables(tables=generate_county(households=args.households, seed=args.seed, year=2026),
                                 replace=True)
        marks: dict[str, float] = {}

        def progress(step: str, done: int, total: int) -> None:
            marks[step] = time.perf_counter()

        store_figures = scope_figures.scope_figures_store
        figures_seconds = []

        def timed_figures(run, **kwargs):
            started = time.perf_counter()
            try:
                return store_figures(run, **kwargs)
            finally:
                figures_seconds.append(time.perf_counter() - started)
                marks["figures end"] = time.perf_counter()

        # services imported the functions by name: time them where they are called.
        from neisheng.monitoring import services

        services.scope_figures_store = timed_figures
        store_parts: dict[str, float] = {}

        def timed(name, function, label=None):
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    key = label(*args) if label else name
                    store_parts[key] = store_parts.get(key, 0.0) + time.perf_counter() - started
                    marks["last store part"] = time.perf_counter()
            return wrapper

        services.insert_rows = timed("copy", services.insert_rows,
                                     label=lambda model, *rest: f"copy {model._meta.model_name}")
        services._statistics_refresh = timed("analyze", services._statistics_refresh)
        services.run_finished = timed("listeners", services.run_finished)
        started = time.perf_counter()
        run = monitoring_run(year=2026, work_dir=os.path.join(home, "run"), progress=progress,
                             division_code=division_code)
        total = time.perf_counter() - started
        parts = {"export": marks["engine"] - marks["export"], "engine": marks["store"] - marks["engine"],
                 "store": marks["done"] - marks["store"], "of which figures": sum(figures_seconds)}
        parts.update({f"of which {k}": v for k, v in store_parts.items()})
        # The store's transaction commits after the figures: deferred checks run then.
        parts["of which commit"] = marks["done"] - max(marks["last store part"], marks.get("figures end", 0))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"households {run.households:,} ({division_code or 'whole registry'}): total {total:.1f} s ("
              + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())
              + f"); red {run.red:,}, yellow {run.yellow:,}, green {run.green:,}; peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
