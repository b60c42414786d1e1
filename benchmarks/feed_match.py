"""Benchmark of matching a department feed at province scale (issue 12 item 6): a feed of
1,000,000 rows (10% without a usable ID number) against 1,000,000 households (about
3.5 million persons); goal ≤ 3 minutes and ≤ 6 GB as a whole process.

    python benchmarks/feed_match.py [--households 1000000] [--rows 1000000] [--repeat 1]
                                    [--via cli|engine] [--data DIR]

1. Synthesizes the registry once with `neisheng synth` and the feed once with
   neisheng.synth.feeds (a CSV with Chinese headers, as a department sends it, and its
   truth table), both kept in --data and reused.
2. Runs the match as its own whole process --repeat times: `--via cli` runs
   `neisheng feed match FEED --type social_assistance --snapshot DIR --out OUT`; `--via
   engine` runs this file's `--child` mode, which makes the same calls (feed_read,
   link_feed, screen_feed) without the command's wrapping. Wall time, the child's CPU
   time and peak RSS (os.wait4).
3. Scores matches.parquet against the truth (precision, recall, review share) and prints
   a Markdown table for docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from assign import run_child
from monitor import ensure_snapshot, git_revision, neisheng_executable, tail

DEFAULT_DATA = Path(tempfile.gettempdir()) / "neisheng-bench-feeds"
FEED_TYPE = "social_assistance"
GOAL_SECONDS, GOAL_MIB = 180, 6 * 1024


def ensure_feed(data: Path, snapshot: Path, rows: int, seed: int) -> Path:
    """feed.csv and truth.parquet of a synthetic feed drawn from the snapshot."""
    folder = data / f"feed-{snapshot.name}-{rows}-seed{seed}"
    if (folder / "feed.csv").exists() and (folder / "truth.parquet").exists():
        print(f"feed: {folder} (exists, reused)", flush=True)
        return folder
    import pyarrow.parquet as pq

    from neisheng.synth.feeds import feed_write, make_feed

    started = time.perf_counter()
    persons = pq.read_table(snapshot / "persons.parquet", columns=["person_id", "household_id", "name",
                                                                   "sex", "birth_date"])
    households = pq.read_table(snapshot / "households.parquet", columns=["household_id", "village_code"])
    divisions = pq.read_table(snapshot / "divisions.parquet")
    synth = make_feed(persons=persons, households=households, divisions=divisions, rows=rows, seed=seed,
                      feed_type=FEED_TYPE)
    made = time.perf_counter() - started
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    feed_write(synth.feed, partial / "feed.csv", feed_type=FEED_TYPE)
    pq.write_table(synth.truth, partial / "truth.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    print(f"feed: {folder} (made in {made:.1f} s, written in {time.perf_counter() - started - made:.1f} s, "
          f"{(folder / 'feed.csv').stat().st_size / 2**20:.0f} MiB CSV)", flush=True)
    return folder


def child(feed: Path, snapshot: Path, out: Path) -> None:
    """The command's engine calls, in this process: what `--via engine` times."""
    import pyarrow.parquet as pq

    from neisheng.engine.feeds import feed_read
    from neisheng.engine.linkage import link_feed
    from neisheng.engine.screening import screen_feed
    from neisheng.policy import load_policy

    policy = load_policy()
    steps = {}
    started = time.perf_counter()
    table = feed_read(feed, FEED_TYPE)
    steps["read"] = time.perf_counter() - started
    persons = pq.read_table(snapshot / "persons.parquet")
    households = pq.read_table(snapshot / "households.parquet")
    divisions = pq.read_table(snapshot / "divisions.parquet")
    income_items = pq.read_table(snapshot / "income_items.parquet")
    steps["registry"] = time.perf_counter() - started - steps["read"]
    t0 = time.perf_counter()
    linkage = link_feed(table, persons=persons, households=households, divisions=divisions,
                        auto_accept=policy.feeds_auto_accept, review=policy.feeds_review)
    steps["link"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    findings = screen_feed(FEED_TYPE, table, linkage.matches, persons=persons, households=households,
                           income_items=income_items, policy=policy, today=dt.date.today())
    steps["screen"] = time.perf_counter() - t0
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(linkage.matches.select(["row", "person_id", "household_id", "match_kind",
                                           "match_probability"]), out / "matches.parquet")
    pq.write_table(findings, out / "findings.parquet")
    counts = dict.fromkeys(("exact", "probable", "review", "unmatched"), 0)
    counts.update(zip(*_value_counts(linkage.matches["match_kind"])))
    print("steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    print(f"{table.num_rows} rows: " + ", ".join(f"{k} {v}" for k, v in counts.items())
          + f"; {findings.num_rows} findings")


def _value_counts(column):
    counts = column.combine_chunks().value_counts() if hasattr(column, "combine_chunks") else column.value_counts()
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--via", choices=["cli", "engine"], default="cli")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"folder for the inputs and the outputs (default {DEFAULT_DATA})")
    parser.add_argument("--prepare", action="store_true", help="only build (or find) the registry and the feed")
    parser.add_argument("--child", nargs=3, type=Path, metavar=("FEED", "SNAPSHOT", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return

    data = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    snapshot, _ = ensure_snapshot(data, args.households, args.seed, args.year)
    feed_folder = ensure_feed(data, snapshot, args.rows, args.seed)
    if args.prepare:
        return
    feed = feed_folder / "feed.csv"
    out = feed_folder / f"out-{args.via}"
    if args.via == "cli":
        command = [neisheng_executable(), "feed", "match", str(feed), "--type", FEED_TYPE,
                   "--snapshot", str(snapshot), "--out", str(out)]
    else:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(feed), str(snapshot), str(out)]
    runs = []
    for i in range(args.repeat):
        shutil.rmtree(out, ignore_errors=True)
        load_before = os.getloadavg()[0]
        run = run_child(command, data / "logs" / f"feed-match-{args.via}-{i + 1}.log")
        runs.append(run)
        line = run.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        print(f"run {i + 1}/{args.repeat}: {run.wall:.1f} s (CPU {run.cpu:.1f} s, load average before "
              f"{load_before:.1f}, after {os.getloadavg()[0]:.1f}), peak RSS {run.max_rss_kib / 1024:,.0f} MiB, "
              f"{status}: {line[0]}", flush=True)
        if run.returncode != 0:
            print(tail(run.log))
    ok = [r for r in runs if r.returncode == 0]
    if not ok:
        sys.exit("every run failed")

    import pyarrow.parquet as pq
    from feed_accuracy import markdown, measure

    result = measure(pq.read_table(out / "matches.parquet"), pq.read_table(feed_folder / "truth.parquet"))
    walls = [r.wall for r in ok]
    cpus = [r.cpu for r in ok]
    rss = [r.max_rss_kib / 1024 for r in ok]
    persons = pq.ParquetFile(snapshot / "persons.parquet").metadata.num_rows
    import splink

    print("\n## Markdown for docs/performance.md\n")
    print(f"Feed of {args.rows:,} rows (`{FEED_TYPE}`, 10% without a usable ID number) against a synthetic "
          f"registry of {args.households:,} households ({persons:,} persons), via `{args.via}`; "
          f"{dt.date.today().isoformat()}, {os.cpu_count()} cores shared with other work (load average "
          f"{os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}, Splink "
          f"{splink.__version__}, commit `{git_revision()}`.")
    print()
    print("| run | repeats | wall best (s) | wall median (s) | CPU median (s) | peak RSS max (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| match {args.rows:,} rows | {len(ok)} | {min(walls):.1f} | {statistics.median(walls):.1f} "
          f"| {statistics.median(cpus):.1f} | {max(rss):,.0f} |")
    print()
    log_lines = ok[-1].log.read_text(encoding="utf-8").strip().splitlines()
    print("Output: " + " / ".join(f"`{line}`" for line in log_lines[-2:]))
    print()
    print(markdown({k: v for k, v in result.items() if not k.startswith("id_missing &")}))
    met = max(walls) <= GOAL_SECONDS and max(rss) <= GOAL_MIB
    print(f"\nGoal ≤ {GOAL_SECONDS // 60} min and ≤ {GOAL_MIB // 1024} GB: {'met' if met else 'NOT met'}.")


if __name__ == "__main__":
    main()
