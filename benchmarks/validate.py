"""Benchmark of `neisheng validate` on one synthetic county, as a whole process.

    python benchmarks/validate.py [--households 1000000] [--repeat 3] [--data DIR] [--general]

1. Synthesizes the snapshot once with `neisheng synth` (benchmarks/monitor.py's layout in
   --data, reused when it is already there).
2. Copies it once with a few problems planted (a wrong check digit, an impossible birth
   date, a sex that disagrees with the ID number, a person twice, a person and a ledger
   row of no household, a status and an item outside the catalogue, a negative amount, a
   village that does not exist) so error reporting is measured too.
3. Runs `neisheng validate` on both, --repeat times, alternating: wall time around the
   child and the child's own peak RSS (os.wait4), and checks the planted problems are
   the ones reported. With --general, also the general path (engine.validation's
   reading of every table whole, the path of CSV and Excel snapshots, and of every
   snapshot before issue 17) on the same snapshots, for the before/after table.
4. Prints a Markdown table for docs/performance.md.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from monitor import DEFAULT_DATA, ROOT, ensure_snapshot, neisheng_executable, tail

# (table, row, column, value as the file stores it, reason the run must report)
PLANTED = [
    ("persons", 10, "person_id", "flip_check", "id_checksum"),
    ("persons", 1_000, "person_id", "bad_date", "id_birth_date"),
    ("persons", 20_000, "sex", "flip_sex", "sex_mismatch"),
    ("persons", 300_000, "person_id", "copy_row_0", "duplicate_person"),
    ("persons", 2_000_000, "household_id", "NO-SUCH-HOUSEHOLD", "orphan_row"),
    ("households", 5, "status", "rich", "unknown_code"),
    ("households", 700_000, "village_code", "500237999999", "unknown_village"),
    ("income_items", 3, "amount", "-12.50", "negative_amount"),
    ("income_items", 4_000_000, "item", "lottery_win", "unknown_item"),
    ("income_items", 8_000_000, "household_id", "NO-SUCH-HOUSEHOLD", "orphan_row"),
]

GENERAL = (
    "import sys; from pathlib import Path; "
    "from neisheng.engine.validation import _validate_reference; "
    "r = _validate_reference(Path(sys.argv[1])); "
    "[print(i) for i in r.issues]; print(r.summary() if r.ok else f'{len(r.issues)} problems'); "
    "sys.exit(0 if r.ok else 1)"
)


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds of the child, all its threads
    max_rss_kib: int
    returncode: int


def run_child(command: list[str], log: Path) -> Run:
    """One whole process: wall time, its own CPU time and peak resident set (wait4)."""
    with open(log, "wb") as fh:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    # Linux reports ru_maxrss in KiB.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))


def planted_copy(snapshot: Path, data: Path) -> tuple[Path, set]:
    """The snapshot with PLANTED problems (rows beyond a table's end are left out)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    target = data / f"{snapshot.name}-planted"
    expected = set()
    tables = {name: pq.ParquetFile(snapshot / f"{name}.parquet").metadata.num_rows
              for name in ("households", "persons", "income_items")}
    for table, row, column, value, reason in PLANTED:
        if row < tables[table]:
            expected.add((f"{table}.parquet", row + 2, column, reason))
            if reason == "duplicate_person":
                expected.add((f"{table}.parquet", 2, column, reason))
    if (target / "done").exists():
        print(f"planted: {target} (exists, reused)", flush=True)
        return target, expected
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy(snapshot / "divisions.parquet", target / "divisions.parquet")
    for name, rows in tables.items():
        data_ = pq.read_table(snapshot / f"{name}.parquet")

        def put(column, row, value):
            nonlocal data_
            field = data_.schema.field(column)
            values = data_.column(column)
            scalar = pa.scalar(value, pa.string() if isinstance(value, str) else None).cast(field.type)
            mask = pa.array(np.arange(data_.num_rows) == row)
            data_ = data_.set_column(data_.column_names.index(column), field, pc.if_else(mask, scalar, values))

        for table, row, column, value, _ in PLANTED:
            if table != name or row >= rows:
                continue
            current = data_.column(column)[row].as_py()
            if value == "flip_check":
                value = current[:17] + ("0" if current[17] != "0" else "1")
            elif value == "bad_date":
                value = current[:10] + "0230" + current[14:]
            elif value == "flip_sex":
                value = "female" if current == "male" else "male"
            elif value == "copy_row_0":
                # The whole person again, so only the repetition is wrong.
                for same in ("birth_date", "sex"):
                    put(same, row, data_.column(same)[0].as_py())
                value = data_.column(column)[0].as_py()
            put(column, row, value)
        pq.write_table(data_, target / f"{name}.parquet", compression="zstd")
        del data_
    (target / "done").write_text("")
    print(f"planted: {target}", flush=True)
    return target, expected


def reported(log: Path) -> set:
    """(file, row, column, reason) of the problems a run printed, by their messages."""
    from neisheng.engine.validation import REASONS

    by_message = {zh: reason for reason, (zh, _) in REASONS.items()}
    found = set()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if " 第" not in line or "row " not in line or ": " not in line:
            continue
        where, message = line.split(": ", 1)
        parts = where.split()
        file, row, column = parts[0], int(parts[3]), parts[4]
        zh = message.split(" / ")[0]
        reason = by_message.get(zh)
        if reason is None:  # the allowed-values sentences name the reason within them
            reason = next((r for r, (z, _) in REASONS.items() if z in zh), "?")
        found.add((file, row, column, reason))
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"where snapshots are kept and reused (default {DEFAULT_DATA})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--general", action="store_true",
                        help="also run the general path (every table read whole) for comparison")
    args = parser.parse_args(argv)

    snapshot, _ = ensure_snapshot(args.data, args.households, args.seed, args.year)
    planted, expected = planted_copy(snapshot, args.data)
    logs = Path(tempfile.mkdtemp(prefix="neisheng-validate-bench-"))
    neisheng = neisheng_executable()
    python = str(Path(neisheng).with_name("python"))
    runs: dict[tuple[str, str], list] = {}
    sides = [("neisheng validate", lambda s: [neisheng, "validate", str(s)])]
    if args.general:
        sides.append(("general path", lambda s: [python, "-c", GENERAL, str(s)]))
    failures = []
    for k in range(args.repeat):
        for label, command in sides:
            for kind, folder, want_exit in (("valid", snapshot, 0), ("planted", planted, 1)):
                log = logs / f"{label.replace(' ', '-')}-{kind}-{k}.log"
                run = run_child(command(folder), log)
                runs.setdefault((label, kind), []).append(run)
                print(f"{label:18} {kind:8} run {k + 1}: {run.wall:6.2f} s, CPU {run.cpu:6.2f} s, peak RSS "
                      f"{run.max_rss_kib / 1024:6.0f} MiB, exit {run.returncode}", flush=True)
                if run.returncode != want_exit:
                    failures.append(f"{label} on {kind}: exit {run.returncode}\n{tail(log)}")
                elif kind == "planted" and reported(log) != expected:
                    failures.append(f"{label} on {kind}: reported {sorted(reported(log))}, "
                                    f"planted {sorted(expected)}")

    print()
    print(f"`neisheng validate`, {args.households:,} households, {dt.date.today()}, "
          f"{platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          "wall, CPU and peak RSS of the whole process")
    print()
    print("| run | snapshot | repeats | wall best (s) | wall median (s) | CPU median (s) | peak RSS median (MiB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (label, kind), rs in runs.items():
        walls = [r.wall for r in rs]
        rss = statistics.median(r.max_rss_kib for r in rs) / 1024
        what = "valid" if kind == "valid" else f"{len(expected)} problems planted"
        cpu = statistics.median(r.cpu for r in rs)
        print(f"| {label} | {what} | {len(rs)} | {min(walls):.1f} | {statistics.median(walls):.1f} | "
              f"{cpu:.1f} | {rss:,.0f} |")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures))
        sys.exit(1)
    print(f"\nEvery run reported exactly the {len(expected)} planted problems (and none on the valid snapshot).")
    shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    main()
