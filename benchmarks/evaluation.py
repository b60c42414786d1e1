"""Benchmark of the evaluation of measures (engine.evaluation, issue 13): the frame
(`evaluation_frame`: per-capita incomes of two years, member counts and who received
what, on DuckDB) and every estimate (`evaluate_all`: a logistic and a weighted regression
per measure, two outcomes each) on synthetic counties of 20,000 and 200,000 households.

    python benchmarks/evaluation.py [--households 20000 200000] [--seed 5] [--repeat 2]

Each size: the county from `neisheng.synth.generate_county` with five measures planted
by `neisheng.synth.effects.plant_effects` (not timed), then `evaluation_frame` and
`evaluate_all` timed --repeat times in this process (wall time, the best run reported)
and the process's peak RSS at the end. Prints a Markdown table for docs/performance.md
and, for a check at a glance, each measure's planted and estimated effect on income.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from monitor import git_revision

YEAR = 2026
EFFECTS = {"skills_training": 0.15, "job_placement": 0.25, "public_welfare_post": 0.10,
           "industry_support": 0.08, "morale_support": 0.0}


def county(households: int, seed: int):
    from neisheng.engine.evaluation import RECEIVED_SCHEMA
    from neisheng.synth import generate_county
    from neisheng.synth.effects import plant_effects

    tables = generate_county(households=households, seed=seed, year=YEAR)
    tables, planted = plant_effects(tables, effects=EFFECTS, seed=seed, year=YEAR)
    received = planted.select(RECEIVED_SCHEMA.names).cast(RECEIVED_SCHEMA)
    return tables, received, planted


def measure(households: int, seed: int, repeat: int) -> dict:
    from neisheng.engine.evaluation import INCOME_PC, evaluate_all, evaluation_frame
    from neisheng.policy import load_policy

    policy = load_policy()
    started = time.perf_counter()
    tables, received, planted = county(households, seed)
    print(f"{households:,} households: county built in {time.perf_counter() - started:.1f} s "
          f"({tables['persons'].num_rows:,} persons, {tables['income_items'].num_rows:,} ledger rows, "
          f"{received.num_rows:,} measures received)", flush=True)
    frame_times, estimate_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        frame = evaluation_frame(households=tables["households"], persons=tables["persons"],
                                 income_items=tables["income_items"], received=received, year=YEAR, policy=policy)
        frame_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        estimates = evaluate_all(frame, policy=policy)
        estimate_times.append(time.perf_counter() - started)
    size = dict(zip(frame["household_id"], frame["size"]))
    truth = defaultdict(list)
    for row in planted.select(["household_id", "measure", "planted_yuan"]).to_pylist():
        truth[row["measure"]].append(float(row["planted_yuan"]) / size[row["household_id"]])
    for e in estimates:
        if e.outcome == INCOME_PC:
            planted_pc = sum(truth[e.measure]) / len(truth[e.measure])
            shown = "none" if e.effect is None else f"{e.effect:,.0f} [{e.ci_low:,.0f}, {e.ci_high:,.0f}]"
            print(f"  {e.measure:<20} planted {planted_pc:>8,.0f}  estimated {shown}  "
                  f"({e.n_treated:,} vs {e.n_comparison:,}{', ' + e.caution if e.caution else ''})", flush=True)
    return {"households": households, "rows": len(frame), "measures": len(estimates) // 2,
            "frame": min(frame_times), "estimates": min(estimate_times),
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    results = [measure(n, args.seed, args.repeat) for n in args.households]
    print()
    print(f"Evaluation of measures, revision {git_revision()}, {platform.processor() or platform.machine()}, "
          f"best of {args.repeat}; peak RSS of the whole process after that size")
    print()
    print("| households | frame rows | measures | evaluation_frame | evaluate_all | peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['households']:,} | {r['rows']:,} | {r['measures']} | {r['frame']:.2f} s "
              f"| {r['estimates']:.2f} s | {r['rss_mib']:,.0f} MiB |")


if __name__ == "__main__":
    main()
