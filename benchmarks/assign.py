"""Benchmark of `neisheng assign-cadres` on a synthetic province (issue 11: 1,000,000
households needing a cadre, 200,000 cadres, 30% of households already paired; goal
≤ 20 s and ≤ 2 GB as a whole process).

    python benchmarks/assign.py [--households 1000000] [--cadres 200000] [--repeat 3] [--data DIR]

1. Builds the province once (kept in --data, reused when there): 100 counties of 15
   towns, 8-20 villages a town, households spread unevenly over villages; cadres 70% of a
   village (more where more households live), 20% of a town, 10% of a county; capacity
   empty (the policy's 5) for 85%, 3 for 10%, 8 for 5%; 30% of households paired with a
   random cadre of their county (some cadres end up over capacity, as in real data).
2. Runs the command as its own whole process --repeat times: wall time
   (time.perf_counter around the child), the child's own CPU time and peak RSS (os.wait4).
3. Prints a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from monitor import git_revision, neisheng_executable, tail

DEFAULT_DATA = Path(tempfile.gettempdir()) / "neisheng-bench-assign"
GOAL_SECONDS, GOAL_MIB = 20, 2048


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss_kib: int
    returncode: int
    log: Path


def run_child(command: list[str], log: Path) -> Run:
    """One whole process: wall time, its own CPU time (user + system, which other work on
    a shared machine does not inflate as much as the wall time) and peak RSS (wait4)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, max_rss_kib=usage.ru_maxrss,
               returncode=os.waitstatus_to_exitcode(status), log=log)


def build_province(folder: Path, households: int, cadres: int, paired_share: float, seed: int) -> dict:
    """The three input files of the command, as Parquet; returns their row counts."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    # 100 counties (cities 01-10, counties 01-10 of province 53), 15 towns each.
    county = np.array([53_00_00 + city * 100 + c for city in range(1, 11) for c in range(1, 11)], np.int64)
    town = (county[:, None] * 1000 + np.arange(101, 116)[None, :]).reshape(-1)
    per_town = rng.integers(8, 21, size=len(town))
    village = np.repeat(town * 1000, per_town) + (np.arange(per_town.sum())
                                                   - np.repeat(np.cumsum(per_town) - per_town, per_town) + 1)
    weight = rng.lognormal(0.0, 0.6, size=len(village))
    weight /= weight.sum()
    household_village = np.sort(rng.choice(village, size=households, p=weight))
    serial = np.arange(households) - np.searchsorted(household_village, household_village)
    village_text = pc.cast(pa.array(household_village), pa.string())
    household_id = pc.binary_join_element_wise(
        village_text, pc.utf8_lpad(pc.cast(pa.array(serial), pa.string()), 4, "0"), "")
    pq.write_table(pa.table({"household_id": household_id, "village_code": village_text}),
                   folder / "households.parquet")

    kind = rng.choice(3, size=cadres, p=[0.7, 0.2, 0.1])
    division = np.where(kind == 0, rng.choice(village, size=cadres, p=weight),
                        np.where(kind == 1, rng.choice(town, size=cadres) * 1000,
                                 rng.choice(county, size=cadres) * 1_000_000))
    capacity = pa.array(rng.choice([-1, 3, 8], size=cadres, p=[0.85, 0.10, 0.05]))
    capacity = pc.if_else(pc.equal(capacity, -1), pa.scalar(None, pa.int64()), capacity)
    cadre_id = pc.binary_join_element_wise(
        "G", pc.utf8_lpad(pc.cast(pa.array(np.arange(cadres)), pa.string()), 7, "0"), "")
    pq.write_table(pa.table({"cadre_id": cadre_id, "division_code": pc.cast(pa.array(division), pa.string()),
                             "capacity": capacity}), folder / "cadres.parquet")

    # Pairs: a share of households, each with a random cadre of its county.
    chosen = np.sort(rng.choice(households, size=int(households * paired_share), replace=False))
    cadre_county = division // 1_000_000
    by_county = np.argsort(cadre_county, kind="stable")
    sorted_county = cadre_county[by_county]
    hh_county = household_village[chosen] // 1_000_000
    lo = np.searchsorted(sorted_county, hh_county, side="left")
    hi = np.searchsorted(sorted_county, hh_county, side="right")
    has = hi > lo
    pick = by_county[lo[has] + (rng.random(has.sum()) * (hi[has] - lo[has])).astype(np.int64)]
    pq.write_table(pa.table({"cadre_id": cadre_id.take(pa.array(pick)),
                             "household_id": household_id.take(pa.array(chosen[has]))}),
                   folder / "pairs.parquet")
    return {"households": households, "cadres": cadres, "pairs": int(has.sum()), "villages": len(village),
            "towns": len(town), "counties": len(county)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--cadres", type=int, default=200_000)
    parser.add_argument("--paired", type=float, default=0.3, help="share of households already paired")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"folder for the inputs and the output (default {DEFAULT_DATA})")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.households < 1 or args.cadres < 1:
        parser.error("--repeat, --households and --cadres must be at least 1")

    revision = git_revision()
    folder = args.data.resolve() / f"province-{args.households}-{args.cadres}-{args.paired}-seed{args.seed}"
    if not all((folder / f"{n}.parquet").exists() for n in ("households", "cadres", "pairs")):
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        started = time.perf_counter()
        sizes = build_province(partial, args.households, args.cadres, args.paired, args.seed)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        print(f"province built in {time.perf_counter() - started:.1f} s: {sizes}", flush=True)
    else:
        print(f"province: {folder} (exists, reused)", flush=True)
    import pyarrow.parquet as pq

    pairs = pq.ParquetFile(folder / "pairs.parquet").metadata.num_rows
    out = folder / "out.parquet"
    command = [neisheng_executable(), "assign-cadres", "--households", str(folder / "households.parquet"),
               "--cadres", str(folder / "cadres.parquet"), "--pairs", str(folder / "pairs.parquet"),
               "--out", str(out)]
    runs = []
    for i in range(args.repeat):
        out.unlink(missing_ok=True)
        run = run_child(command, folder / "logs" / f"assign-{i + 1}.log")
        runs.append(run)
        line = run.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        print(f"run {i + 1}/{args.repeat}: {run.wall:.1f} s (CPU {run.cpu:.1f} s, load average "
              f"{os.getloadavg()[0]:.1f}), peak RSS {run.max_rss_kib / 1024:,.0f} MiB, "
              f"{status}: {line[0]}", flush=True)
        if run.returncode != 0:
            print(tail(run.log))
    ok = [r for r in runs if r.returncode == 0]
    if not ok:
        sys.exit("every run failed")
    walls = [r.wall for r in ok]
    cpus = [r.cpu for r in ok]
    rss = [r.max_rss_kib / 1024 for r in ok]
    summary = ok[-1].log.read_text(encoding="utf-8").strip().splitlines()[-1]
    import ortools

    print("\n## Markdown for docs/performance.md\n")
    print(f"`neisheng assign-cadres`, synthetic province: {args.households:,} households needing a cadre, "
          f"{args.cadres:,} cadres, {pairs:,} existing pairs; {dt.date.today().isoformat()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, OR-Tools {ortools.__version__}, "
          f"commit `{revision}`.")
    print()
    print("| run | repeats | wall best (s) | wall median (s) | CPU median (s) | peak RSS median (MiB) "
          "| peak RSS max (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| `neisheng assign-cadres` | {len(ok)} | {min(walls):.1f} | {statistics.median(walls):.1f} "
          f"| {statistics.median(cpus):.1f} | {statistics.median(rss):,.0f} | {max(rss):,.0f} |")
    print()
    print(f"Output line: `{summary}`.")
    met = max(walls) <= GOAL_SECONDS and max(rss) <= GOAL_MIB
    print(f"Goal ≤ {GOAL_SECONDS} s and ≤ {GOAL_MIB // 1024} GB: {'met' if met else 'NOT met'}.")


if __name__ == "__main__":
    main()
