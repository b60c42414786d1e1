"""Spark at scale (issue 17, item 6): `neisheng monitor --engine spark` in local mode on a
snapshot of several synthetic counties (10 x 1,000,000 households, about 35 million
persons, by default), checked against DuckDB on a sample of villages.

    python benchmarks/spark_scale.py [--counties 10] [--households 1000000 (per county)]
        [--data DIR] [--driver-memory 8g] [--partitions 16] [--sample-villages 200]
    python benchmarks/spark_scale.py --snapshot DIR     # an existing snapshot instead
    python benchmarks/spark_scale.py --build-only       # build, count duplicate keys, stop

docs/scale.md's figures: --counties 10 --households 1000000 --driver-memory 8g --partitions 32.

1. Synthesizes each county with `neisheng synth --county CODE --seed S`, kept in --data
   and reused. One county per province: synth gives in-married wives ID numbers of other
   counties of the same province, so two counties of one province could share numbers.
2. Combines them into one snapshot, one Parquet file per table, streamed a row group at a
   time (bounded memory): the engine reads a table as one file, and Spark splits a large
   file by its row groups. The divisions are the union of the counties'.
3. Runs `neisheng monitor --engine spark` as a whole process (JVM start included) with
   SPARK_DRIVER_MEMORY and NEISHENG_SPARK_PARTITIONS: wall time, and peak memory of the
   process tree (Python + JVM) sampled from /proc every 0.2 s, plus wait4's ru_maxrss.
4. Cuts a sample of villages (their households, persons and ledger rows, all divisions)
   out of the snapshot, runs `neisheng monitor` (DuckDB) on it, and compares Spark's
   household_results and measures for those villages with DuckDB's, row for row,
   column for column (no tolerance). Monitoring is per household, so a village's
   results do not depend on the rest of the snapshot.
5. Prints the Markdown for docs/performance.md and docs/scale.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(tempfile.gettempdir()) / "neisheng-spark-scale"
TABLES = ("divisions", "households", "persons", "income_items")
OUTPUTS = ("household_results", "measures")
ROW_GROUP_ROWS = 1_000_000
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


# ---- whole processes --------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    tree_peak_bytes: int  # largest sampled sum of RSS over the process and its descendants
    max_rss_bytes: int  # wait4: the child's own peak (not the JVM's, which it does not wait for)
    cpu_seconds: float  # user + system of the process and its descendants, sampled
    returncode: int
    log: Path


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree_sample(pid: int, cpu: dict[int, float]) -> int:
    """Resident bytes of `pid` and all its descendants (the JVM is a child of Python);
    records each one's CPU seconds so far in `cpu`."""
    children = _children()
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, ()))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
            with open(f"/proc/{p}/stat", "rb") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            cpu[p] = (int(fields[11]) + int(fields[12])) / TICKS
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_child(command: list[str], log: Path, env: dict | None = None) -> Run:
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = [0]
    cpu: dict[int, float] = {}
    with open(log, "wb") as fh:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT,
                                 env={**os.environ, **(env or {})})
        done = threading.Event()

        def sample():
            while not done.wait(0.2):
                peak[0] = max(peak[0], tree_sample(child.pid, cpu))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    # Sampled, so each process's last 0.2 s is missing; wait4's figure would count the
    # reaped JVM twice.
    # A short process may peak between two samples; wait4 holds its own exact peak.
    return Run(wall=wall, tree_peak_bytes=max(peak[0], usage.ru_maxrss * 1024), max_rss_bytes=usage.ru_maxrss * 1024,
               cpu_seconds=sum(cpu.values()), returncode=os.waitstatus_to_exitcode(status), log=log)


def neisheng() -> str:
    candidate = ROOT / ".venv" / "bin" / "neisheng"
    return str(candidate) if candidate.exists() else (shutil.which("neisheng") or "neisheng")


def tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def gib(n: int) -> str:
    return f"{n / 2**30:.1f}"


# ---- building the snapshot --------------------------------------------------------------

def pick_counties(n: int) -> list[str]:
    """One 县 from each of the first `n` provinces (by code), deterministic."""
    from neisheng import divisions

    chosen: dict[str, str] = {}
    for county in divisions.counties():
        if county.code[:2] not in chosen and county.name.endswith("县"):
            chosen[county.code[:2]] = county.code
    codes = list(chosen.values())
    if n > len(codes):
        sys.exit(f"--counties {n}: only {len(codes)} provinces have a 县 to pick")
    return codes[:n]


def synthesize(data: Path, code: str, households: int, seed: int, year: int) -> Path:
    folder = data / "counties" / f"{code}-{households}-seed{seed}-{year}"
    if all((folder / f"{t}.parquet").exists() for t in TABLES):
        print(f"county {code}: {folder} (exists, reused)", flush=True)
        return folder
    partial = folder.with_name("." + folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    command = [neisheng(), "synth", "--county", code, "--households", str(households),
               "--seed", str(seed), "--year", str(year), "--out", str(partial)]
    run = run_child(command, data / "logs" / f"synth-{code}.log")
    if run.returncode != 0:
        sys.exit(f"neisheng synth failed (exit {run.returncode}):\n{tail(run.log)}")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    print(f"county {code}: synthesized in {run.wall:.0f} s (peak {gib(run.tree_peak_bytes)} GiB)", flush=True)
    return folder


def combine(parts: list[Path], out: Path) -> None:
    """One snapshot from several counties' snapshots, a row group at a time."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from neisheng.engine.schema import TABLES as CONTRACT

    partial = out.with_name("." + out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    # Counties of one province share its province (and maybe city) rows.
    divisions = pa.concat_tables(pq.read_table(p / "divisions.parquet") for p in parts)
    _, keep = np.unique(divisions["code"].to_numpy(zero_copy_only=False), return_index=True)
    pq.write_table(divisions.take(sorted(keep)), partial / "divisions.parquet")
    for table in TABLES[1:]:
        schema = CONTRACT[table].arrow_schema
        with pq.ParquetWriter(partial / f"{table}.parquet", schema, compression="zstd") as writer:
            for part in parts:
                for batch in pq.ParquetFile(part / f"{table}.parquet").iter_batches(batch_size=ROW_GROUP_ROWS):
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)


def build_snapshot(data: Path, counties: int, households: int, seed: int, year: int) -> Path:
    snapshot = data / f"snapshot-{counties}x{households}-seed{seed}-{year}"
    if all((snapshot / f"{t}.parquet").exists() for t in TABLES):
        print(f"snapshot: {snapshot} (exists, reused)", flush=True)
        return snapshot
    parts = [synthesize(data, code, households, seed + i, year)
             for i, code in enumerate(pick_counties(counties))]
    started = time.perf_counter()
    combine(parts, snapshot)
    print(f"snapshot: {snapshot} (combined in {time.perf_counter() - started:.0f} s)", flush=True)
    return snapshot


def check_unique(snapshot: Path) -> dict[str, int]:
    """Duplicate keys would make it an invalid snapshot; count them (DuckDB, on disk)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/neisheng-spark-scale-duckdb.tmp'")
    out = {}
    for table, key in (("households", "household_id"), ("persons", "person_id")):
        path = snapshot / f"{table}.parquet"
        out[f"{table}.{key}"] = con.execute(
            f"SELECT count(*) - count(DISTINCT {key}) FROM read_parquet('{path}')").fetchone()[0]
    return out


# ---- the sample of villages -------------------------------------------------------------

def sample_villages(snapshot: Path, k: int, seed: int) -> list[str]:
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    villages = pc.unique(pq.read_table(snapshot / "households.parquet", columns=["village_code"])
                         ["village_code"]).to_numpy(zero_copy_only=False)
    villages.sort()
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(villages, size=min(k, villages.size), replace=False).tolist())


def cut_sample(snapshot: Path, villages: list[str], out: Path) -> None:
    """The sample villages' households, persons and ledger rows, streamed; all divisions."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from neisheng.engine.schema import TABLES as CONTRACT

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copy(snapshot / "divisions.parquet", out / "divisions.parquet")
    households = ds.dataset(snapshot / "households.parquet").to_table(
        filter=pc.field("village_code").isin(pa.array(villages, pa.string())))
    pq.write_table(households.cast(CONTRACT["households"].arrow_schema), out / "households.parquet")
    ids = households["household_id"].combine_chunks()
    for table in ("persons", "income_items"):
        schema = CONTRACT[table].arrow_schema
        scanner = ds.dataset(snapshot / f"{table}.parquet").scanner(
            filter=pc.field("household_id").isin(ids), batch_size=ROW_GROUP_ROWS)
        with pq.ParquetWriter(out / f"{table}.parquet", schema) as writer:
            for batch in scanner.to_batches():
                if batch.num_rows:
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))


# ---- agreement --------------------------------------------------------------------------

KEYS = {"household_results": ["household_id"], "measures": ["household_id", "measure", "person_id"]}


def compare_sample(spark_out: Path, duck_out: Path, household_ids) -> dict[str, dict]:
    """Spark's rows for the sample's households against DuckDB's, exactly."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    report = {}
    for name in OUTPUTS:
        duck = pq.read_table(duck_out / f"{name}.parquet")
        spark = ds.dataset(spark_out / f"{name}.parquet").to_table(
            filter=pc.field("household_id").isin(household_ids))
        entry = {"duckdb_rows": duck.num_rows, "spark_rows": spark.num_rows,
                 "same_columns": duck.schema.names == spark.schema.names, "columns_differing": []}
        if entry["same_columns"]:
            spark = spark.cast(duck.schema)
            order = [(k, "ascending") for k in KEYS[name]]
            duck = duck.sort_by(order)
            spark = spark.sort_by(order)
            if duck.num_rows == spark.num_rows:
                entry["columns_differing"] = [c for c in duck.schema.names
                                              if not duck[c].equals(spark[c])]
        entry["identical"] = (entry["same_columns"] and duck.num_rows == spark.num_rows
                              and not entry["columns_differing"])
        report[name] = entry
    return report


# ---- main -------------------------------------------------------------------------------

def row_counts(snapshot: Path) -> dict[str, int]:
    import pyarrow.parquet as pq

    return {t: pq.ParquetFile(snapshot / f"{t}.parquet").metadata.num_rows for t in TABLES}


def output_rows(out: Path, name: str) -> int:
    import pyarrow.dataset as ds

    return ds.dataset(out / f"{name}.parquet").count_rows()


def git_revision() -> str:
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--households", type=int, default=1_000_000, help="per county")
    parser.add_argument("--snapshot", type=Path, help="an existing snapshot instead of synthesizing one")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--driver-memory", default="8g", help="SPARK_DRIVER_MEMORY (local mode: the executor too)")
    parser.add_argument("--partitions", type=int, default=16, help="NEISHENG_SPARK_PARTITIONS (shuffle partitions)")
    parser.add_argument("--sample-villages", type=int, default=200)
    parser.add_argument("--build-only", action="store_true", help="stop once the snapshot is built")
    args = parser.parse_args(argv)

    revision = git_revision()
    data = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    if args.snapshot:
        snapshot = args.snapshot.resolve()
    else:
        snapshot = build_snapshot(data, args.counties, args.households, args.seed, args.year)
    sizes = row_counts(snapshot)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()), flush=True)
    if args.build_only:
        print("duplicate keys: " + ", ".join(f"{k} {v}" for k, v in check_unique(snapshot).items()))
        return

    tag = f"{sizes['households']}"
    spark_out = data / f"out-spark-{tag}"
    shutil.rmtree(spark_out, ignore_errors=True)
    env = {"SPARK_DRIVER_MEMORY": args.driver_memory, "NEISHENG_SPARK_PARTITIONS": str(args.partitions)}
    command = [neisheng(), "monitor", str(snapshot), "--year", str(args.year), "--engine", "spark",
               "--out", str(spark_out)]
    print(f"spark: {' '.join(f'{k}={v}' for k, v in env.items())} {' '.join(command)}", flush=True)
    spark = run_child(command, data / "logs" / f"spark-{tag}.log", env)
    print(f"spark: {spark.wall:.0f} s ({spark.cpu_seconds:.0f} CPU s), process tree peak {gib(spark.tree_peak_bytes)} GiB, Python "
          f"process alone {gib(spark.max_rss_bytes)} GiB, exit {spark.returncode}", flush=True)
    if spark.returncode != 0:
        sys.exit(f"the Spark run failed:\n{tail(spark.log)}")

    villages = sample_villages(snapshot, args.sample_villages, args.seed)
    sample = data / f"sample-{tag}-{len(villages)}v"
    cut_sample(snapshot, villages, sample)
    sample_sizes = row_counts(sample)
    duck_out = data / f"out-duckdb-sample-{tag}"
    shutil.rmtree(duck_out, ignore_errors=True)
    duck = run_child([neisheng(), "monitor", str(sample), "--year", str(args.year), "--out", str(duck_out)],
                     data / "logs" / f"duckdb-sample-{tag}.log")
    if duck.returncode != 0:
        sys.exit(f"the DuckDB run on the sample failed:\n{tail(duck.log)}")
    import pyarrow.parquet as pq

    ids = pq.read_table(sample / "households.parquet", columns=["household_id"])["household_id"].combine_chunks()
    report = compare_sample(spark_out, duck_out, ids)
    for name, entry in report.items():
        print(f"{name}: DuckDB {entry['duckdb_rows']:,} rows, Spark {entry['spark_rows']:,} rows for the sample; "
              f"{'identical' if entry['identical'] else 'DIFFERENT: ' + str(entry)}", flush=True)

    households, persons = sizes["households"], sizes["persons"]
    result_rows = {name: output_rows(spark_out, name) for name in ("household_results", "measures",
                                                                    "region_summary")}
    import pyspark

    print("\n## Markdown\n")
    print(f"Spark local mode (`local[*]`, {os.cpu_count()} cores), {households:,} households, {persons:,} "
          f"persons, {sizes['income_items']:,} ledger rows ({args.counties if not args.snapshot else '—'} "
          f"counties), {dt.date.today().isoformat()}, PySpark {pyspark.__version__}, Python "
          f"{platform.python_version()}, commit `{revision}`; SPARK_DRIVER_MEMORY={args.driver_memory}, "
          f"NEISHENG_SPARK_PARTITIONS={args.partitions}.\n")
    print("| run | wall (s) | CPU (s) | persons / wall s | persons / CPU s | peak RSS, process tree (GiB) "
          "| Python process alone (GiB) | household_results | measures | region_summary |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| `neisheng monitor --engine spark` | {spark.wall:,.0f} | {spark.cpu_seconds:,.0f} "
          f"| {persons / spark.wall:,.0f} | {persons / spark.cpu_seconds:,.0f} | {gib(spark.tree_peak_bytes)} | {gib(spark.max_rss_bytes)} "
          f"| {result_rows['household_results']:,} | {result_rows['measures']:,} "
          f"| {result_rows['region_summary']:,} |")
    print(f"| `neisheng monitor` (DuckDB), {len(villages)} sample villages ({sample_sizes['households']:,} "
          f"households) | {duck.wall:,.1f} | {duck.cpu_seconds:,.1f} | — | — | {gib(duck.tree_peak_bytes)} | {gib(duck.max_rss_bytes)} "
          f"| {report['household_results']['duckdb_rows']:,} | {report['measures']['duckdb_rows']:,} | — |")
    print()
    verdict = all(entry["identical"] for entry in report.values())
    print(f"Spark against DuckDB on {len(villages)} villages drawn at random (seed {args.seed}), "
          f"{sample_sizes['households']:,} households: household_results and measures "
          + ("identical, row for row and column for column." if verdict else "DIFFER (see above)."))


if __name__ == "__main__":
    main()
