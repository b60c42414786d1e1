"""Time a monitoring run started in the platform on a synthetic county of N households:
the registry exported from the database as a snapshot, the engine (embedded DuckDB), and
the results stored into the run (household results, measures, region summaries, counts,
and whatever `run_finished` listeners build, e.g. the warning lists) in one transaction.
Each part is timed on its own through the run's progress callback.

Usage:
  PYTHONPATH=src python benchmarks/platform_run.py [--households N] [--seed S]
      (default 20,000 households; keep it at or below 50,000 on a shared machine)
Without DATABASE_URL a fresh SQLite database is made in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neisheng-bench-run-") as home:
        if "DATABASE_URL" not in os.environ:
            os.environ["NEISHENG_HOME"] = home
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from neisheng.monitoring.services import monitoring_run
        from neisheng.registry.services import registry_load_tables
        from neisheng.synth import generate_county

        call_command("migrate", verbosity=0)
        registry_load_tables(tables=generate_county(households=args.households, seed=args.seed, year=2026),
                             replace=True)
        marks: dict[str, float] = {}

        def progress(step: str, done: int, total: int) -> None:
            marks[step] = time.perf_counter()

        started = time.perf_counter()
        run = monitoring_run(year=2026, work_dir=os.path.join(home, "run"), progress=progress)
        total = time.perf_counter() - started
        parts = {"export": marks["engine"] - marks["export"], "engine": marks["store"] - marks["engine"],
                 "store": marks["done"] - marks["store"]}
        print(f"households {run.households:,}: total {total:.1f} s ("
              + ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())
              + f"); red {run.red:,}, yellow {run.yellow:,}, green {run.green:,}")


if __name__ == "__main__":
    main()
