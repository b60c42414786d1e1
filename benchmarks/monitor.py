"""Benchmark of a monitoring run: `neisheng monitor` (DuckDB) against the plain-pandas
baseline benchmarks/monitor_pandas.py, on one synthetic county.

    python benchmarks/monitor.py [--households 1000000] [--repeat 3] [--data DIR]

1. Synthesizes the snapshot once with `neisheng synth` (kept in --data, reused when it
   is already there).
2. Runs each side as its own whole process, --repeat times, alternating: wall time
   (time.perf_counter around the child) and the child's own peak RSS (os.wait4).
3. Checks that both agree, household by household, on risk, monitor_type, stability,
   reasons and motivation_poor (and reports, for information, the other columns,
   the measures and the region summary).
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
DEFAULT_DATA = Path(tempfile.gettempdir()) / "neisheng-bench"
OUTPUTS = ("household_results", "measures", "region_summary")
SNAPSHOT_TABLES = ("divisions", "households", "persons", "income_items")
AGREEMENT_COLUMNS = ("risk", "monitor_type", "stability", "reasons", "motivation_poor")
EXAMPLES = 5


@dataclass
class Run:
    wall: float
    max_rss_kib: int
    returncode: int
    log: Path
    cpu: float = 0.0  # user + system seconds of the process and its threads


@dataclass
class Side:
    label: str
    command: list[str]
    out: Path
    runs: list[Run] = field(default_factory=list)

    @property
    def ok_runs(self) -> list[Run]:
        return [r for r in self.runs if r.returncode == 0]


def neisheng_executable() -> str:
    candidate = ROOT / ".venv" / "bin" / "neisheng"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("neisheng")
    if found is None:
        sys.exit("neisheng is not installed: run `make setup` first")
    return found


def run_child(command: list[str], log: Path) -> Run:
    """Run one whole process; its wall time and its own peak resident set (wait4)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as fh:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return Run(wall=wall, max_rss_kib=usage.ru_maxrss, returncode=child.returncode, log=log,
               cpu=usage.ru_utime + usage.ru_stime)


def tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def ensure_snapshot(data: Path, households: int, seed: int, year: int) -> tuple[Path, Run | None]:
    snapshot = data / f"snapshot-{households}-seed{seed}-{year}"
    if all((snapshot / f"{t}.parquet").exists() for t in SNAPSHOT_TABLES):
        print(f"snapshot: {snapshot} (exists, reused)", flush=True)
        return snapshot, None
    partial = data / f".partial-{snapshot.name}"
    shutil.rmtree(partial, ignore_errors=True)
    command = [neisheng_executable(), "synth", "--households", str(households), "--seed", str(seed),
               "--year", str(year), "--out", str(partial)]
    print(f"synthesizing: {' '.join(command)}", flush=True)
    run = run_child(command, data / "logs" / f"synth-{households}.log")
    if run.returncode != 0:
        sys.exit(f"neisheng synth failed (exit {run.returncode}) after {run.wall:.1f} s:\n{tail(run.log)}")
    shutil.rmtree(snapshot, ignore_errors=True)
    partial.rename(snapshot)
    print(f"snapshot: {snapshot} ({run.wall:.1f} s, peak RSS {run.max_rss_kib / 1024:.0f} MiB)", flush=True)
    return snapshot, run


# ---- agreement --------------------------------------------------------------------------

def compare(neisheng_out: Path, pandas_out: Path) -> dict:
    """Disagreements between the two runs' outputs. The contract columns of
    AGREEMENT_COLUMNS must agree exactly; the rest is reported for information."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    report: dict = {}
    a = pq.read_table(neisheng_out / "household_results.parquet").to_pandas()
    b = pq.read_table(pandas_out / "household_results.parquet").to_pandas()
    report["rows"] = (len(a), len(b))
    both = a.merge(b, on="household_id", how="outer", suffixes=("_n", "_p"), indicator=True)
    report["only_neisheng"] = int((both["_merge"] == "left_only").sum())
    report["only_pandas"] = int((both["_merge"] == "right_only").sum())
    both = both[both["_merge"] == "both"]

    def differs(column: str, tolerance: float | None = None):
        left, right = both[f"{column}_n"], both[f"{column}_p"]
        null_l, null_r = left.isna(), right.isna()
        if tolerance is None:
            same = (left.astype(object) == right.astype(object)) & ~null_l & ~null_r
        else:
            lf = pd.to_numeric(left, errors="coerce").astype(float)
            rf = pd.to_numeric(right, errors="coerce").astype(float)
            same = np.isclose(lf, rf, rtol=tolerance, atol=tolerance) & ~null_l & ~null_r
        return ~(same | (null_l & null_r))

    required, extra = {}, {}
    any_required = pd.Series(False, index=both.index)
    for column in AGREEMENT_COLUMNS:
        mask = differs(column)
        any_required |= mask
        required[column] = (int(mask.sum()), both.loc[mask, ["household_id", f"{column}_n", f"{column}_p"]]
                            .head(EXAMPLES).to_dict("records"))
    report["required"] = required
    report["households_disagreeing"] = int(any_required.sum())
    d_columns = [c[:-2] for c in a.columns if c.startswith("d_")]
    for column in ["village_code", "size", "income_pc", "prev_income_pc", "rigid_pc", *d_columns]:
        if f"{column}_n" in both and f"{column}_p" in both:
            mask = differs(column)
            extra[column] = (int(mask.sum()), both.loc[mask, ["household_id", f"{column}_n", f"{column}_p"]]
                             .head(EXAMPLES).to_dict("records"))
    mask = differs("motivation_score", tolerance=1e-12)
    extra["motivation_score"] = (int(mask.sum()), both.loc[mask, ["household_id", "motivation_score_n",
                                                                  "motivation_score_p"]].head(EXAMPLES).to_dict("records"))
    report["extra"] = extra

    # Measures: the same rows (household, measure, person) with the same explanation.
    keys = ["household_id", "measure", "person_id"]
    ma = pq.read_table(neisheng_out / "measures.parquet").to_pandas()
    mb = pq.read_table(pandas_out / "measures.parquet").to_pandas()
    report["measure_rows"] = (len(ma), len(mb))
    for frame in (ma, mb):
        frame["person_id"] = frame["person_id"].fillna("")
    mm = ma.merge(mb, on=keys, how="outer", suffixes=("_n", "_p"), indicator=True)
    report["measures_only_neisheng"] = int((mm["_merge"] == "left_only").sum())
    report["measures_only_pandas"] = int((mm["_merge"] == "right_only").sum())
    text_differs = (mm["_merge"] == "both") & (mm["explanation_n"] != mm["explanation_p"])
    report["measures_text_differs"] = int(text_differs.sum())
    report["measure_examples"] = (
        mm.loc[mm["_merge"] != "both", keys + ["_merge"]].head(EXAMPLES).to_dict("records")
        + mm.loc[text_differs, keys + ["explanation_n", "explanation_p"]].head(EXAMPLES).to_dict("records")
    )
    report["measure_counts"] = (
        pd.DataFrame({"neisheng": ma["measure"].value_counts(), "pandas": mb["measure"].value_counts()})
        .fillna(0).astype(int)
    )
    del ma, mb, mm

    # Region summary: counts exactly, ratios to 1e-9.
    ra = pq.read_table(neisheng_out / "region_summary.parquet").to_pandas().set_index("code").sort_index()
    rb = pq.read_table(pandas_out / "region_summary.parquet").to_pandas().set_index("code").sort_index()
    report["region_rows"] = (len(ra), len(rb))
    region = {}
    if ra.index.equals(rb.index):
        for column in ra.columns:
            if column not in rb.columns:
                region[column] = "missing in pandas output"
                continue
            x, y = ra[column], rb[column]
            if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
                bad = ~(np.isclose(x.astype(float), y.astype(float), rtol=1e-9, atol=1e-12)
                        | (x.isna() & y.isna()))
            else:
                bad = ~((x.astype(object) == y.astype(object)) | (x.isna() & y.isna()))
            if bad.any():
                region[column] = f"{int(bad.sum())} divisions differ, e.g. {bad[bad].index[0]}: " \
                                 f"{x[bad].iloc[0]!r} vs {y[bad].iloc[0]!r}"
        for column in rb.columns:
            if column not in ra.columns:
                region[column] = "missing in neisheng output"
    else:
        region["(codes)"] = "the two summaries list different divisions"
    report["region"] = region
    return report


def print_agreement(report: dict) -> None:
    print("\n## Agreement (household_results)")
    print(f"rows: neisheng {report['rows'][0]}, pandas {report['rows'][1]}; "
          f"only in neisheng {report['only_neisheng']}, only in pandas {report['only_pandas']}")
    for column, (count, examples) in report["required"].items():
        print(f"- {column}: {count} disagreements")
        for e in examples:
            print(f"    {e}")
    print(f"households with any disagreement in {', '.join(AGREEMENT_COLUMNS)}: "
          f"{report['households_disagreeing']}")
    print("other columns (information):",
          ", ".join(f"{c} {n}" for c, (n, _) in report["extra"].items()))
    for column, (count, examples) in report["extra"].items():
        for e in examples[:2] if count else []:
            print(f"    {column}: {e}")
    print(f"measures: neisheng {report['measure_rows'][0]} rows, pandas {report['measure_rows'][1]}; "
          f"only in neisheng {report['measures_only_neisheng']}, only in pandas "
          f"{report['measures_only_pandas']}, same row with another explanation "
          f"{report['measures_text_differs']}")
    for e in report["measure_examples"]:
        print(f"    {e}")
    counts = report["measure_counts"]
    differing = counts[counts["neisheng"] != counts["pandas"]]
    if len(differing):
        print("measure counts that differ:\n" + differing.to_string())
    print(f"region_summary: neisheng {report['region_rows'][0]} rows, pandas {report['region_rows'][1]}; "
          + ("all columns agree (counts exactly, ratios to 1e-9)" if not report["region"]
             else "differences:"))
    for column, text in report["region"].items():
        print(f"    {column}: {text}")


# ---- report -----------------------------------------------------------------------------

def row_counts(out: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    counts = {}
    for name in OUTPUTS:
        path = out / f"{name}.parquet"
        counts[name] = pq.ParquetFile(path).metadata.num_rows if path.exists() else None
    return counts


def git_revision() -> str:
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def markdown(sides: list[Side], households: int, persons: int, ledger: int, disagreements,
             synth: Run | None, revision: str) -> str:
    import duckdb
    import pandas as pd

    def fmt(value, spec):
        return "—" if value is None else format(value, spec)

    lines = [
        (f"Monitoring run, {households:,} households ({persons:,} persons, {ledger:,} ledger rows), "
         f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
         f"DuckDB {duckdb.__version__}, pandas {pd.__version__}, commit `{revision}`."),
        "",
        ("| run | repeats | wall best (s) | wall median (s) | CPU median (s) | peak RSS median (MiB) "
         "| peak RSS max (MiB) | household_results | measures | region_summary |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    best = {}
    for side in sides:
        ok = side.ok_runs
        walls = [r.wall for r in ok]
        rss = [r.max_rss_kib / 1024 for r in ok]
        cpus = [r.cpu for r in ok]
        counts = row_counts(side.out) if ok else {n: None for n in OUTPUTS}
        failed = len(side.runs) - len(ok)
        label = side.label + (f" ({failed} of {len(side.runs)} runs failed)" if failed else "")
        best[side.label] = min(walls) if walls else None
        lines.append(
            f"| {label} | {len(ok)} | {fmt(min(walls) if walls else None, '.1f')} "
            f"| {fmt(statistics.median(walls) if walls else None, '.1f')} "
            f"| {fmt(statistics.median(cpus) if cpus else None, '.1f')} "
            f"| {fmt(statistics.median(rss) if rss else None, ',.0f')} "
            f"| {fmt(max(rss) if rss else None, ',.0f')} "
            f"| {fmt(counts['household_results'], ',')} | {fmt(counts['measures'], ',')} "
            f"| {fmt(counts['region_summary'], ',')} |"
        )
    n, p = (best.get(s.label) for s in sides)
    lines.append("")
    if n and p:
        lines.append(f"Ratio pandas / neisheng (best wall time): {p / n:.2f}× "
                     f"({'neisheng faster' if p > n else 'pandas faster'}).")
    cpu = [statistics.median(r.cpu for r in s.ok_runs) if s.ok_runs else None for s in sides]
    if all(cpu):
        lines.append(f"Ratio pandas / neisheng (median CPU time, user + system): {cpu[1] / cpu[0]:.2f}×; "
                     "on a machine other work shares, CPU time varies less than wall time.")
    if disagreements is not None:
        lines.append(f"Households where the two disagree on {', '.join(AGREEMENT_COLUMNS)}: "
                     f"{disagreements:,}.")
    if synth is not None:
        lines.append(f"`neisheng synth` of the snapshot: {synth.wall:.1f} s, peak RSS "
                     f"{synth.max_rss_kib / 1024:,.0f} MiB.")
    lines.append("Each run is a whole process (start-up, reading the Parquet snapshot and writing "
                 "the three outputs included); peak RSS is the child's own ru_maxrss.")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help=f"folder for the snapshot and the outputs (default {DEFAULT_DATA})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.households < 1:
        parser.error("--repeat and --households must be at least 1")

    revision = git_revision()  # before the runs: other work may land while they go on
    data = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    snapshot, synth = ensure_snapshot(data, args.households, args.seed, args.year)
    import pyarrow.parquet as pq

    sizes = {t: pq.ParquetFile(snapshot / f"{t}.parquet").metadata.num_rows for t in SNAPSHOT_TABLES}

    year = str(args.year)
    out_n = data / f"out-neisheng-{args.households}"
    out_p = data / f"out-pandas-{args.households}"
    sides = [
        Side("`neisheng monitor` (DuckDB)",
             [neisheng_executable(), "monitor", str(snapshot), "--year", year, "--out", str(out_n)], out_n),
        Side("pandas baseline (`benchmarks/monitor_pandas.py`)",
             [sys.executable, str(BENCHMARKS / "monitor_pandas.py"), str(snapshot), "--year", year,
              "--out", str(out_p)], out_p),
    ]
    for i in range(args.repeat):
        for side in sides:
            shutil.rmtree(side.out, ignore_errors=True)
            name = "neisheng" if side is sides[0] else "pandas"
            run = run_child(side.command, data / "logs" / f"{name}-{args.households}-{i + 1}.log")
            side.runs.append(run)
            status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
            print(f"{name} run {i + 1}/{args.repeat}: {run.wall:.1f} s, CPU {run.cpu:.1f} s, peak RSS "
                  f"{run.max_rss_kib / 1024:,.0f} MiB, {status}", flush=True)
            if run.returncode != 0:
                print(tail(run.log))

    disagreements = None
    if all(side.runs and side.runs[-1].returncode == 0 for side in sides):
        report = compare(out_n, out_p)
        print_agreement(report)
        disagreements = report["households_disagreeing"] + report["only_neisheng"] + report["only_pandas"]
    else:
        print("\nno agreement check: the last run of a side failed")

    print("\n## Markdown for docs/performance.md\n")
    print(markdown(sides, args.households, sizes["persons"], sizes["income_items"], disagreements, synth,
                   revision))


if __name__ == "__main__":
    main()
