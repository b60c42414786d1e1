"""Time the synthetic county: generate_county for a million households, then Parquet.

Usage: python benchmarks/synth.py [households] [--out DIR] [--compression zstd|snappy]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from neisheng.synth import generate_county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("households", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=None, help="keep the Parquet files here")
    parser.add_argument("--compression", default="zstd", choices=["zstd", "snappy"])
    args = parser.parse_args()

    started = time.perf_counter()
    tables = generate_county(households=args.households, seed=args.seed, year=args.year)
    generated = time.perf_counter() - started
    print(f"generate_county({args.households:,} households): {generated:.2f} s")
    for name, table in tables.items():
        print(f"  {name:<13} {table.num_rows:>12,} rows  {table.nbytes / 2**20:>9.1f} MiB in memory")

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for name, table in tables.items():
            t0 = time.perf_counter()
            path = out / f"{name}.parquet"
            pq.write_table(table, path, compression=args.compression)
            print(f"  wrote {path.name:<22} {path.stat().st_size / 2**20:>8.1f} MiB  "
                  f"{time.perf_counter() - t0:6.2f} s")
        written = time.perf_counter() - started
    print(f"write Parquet ({args.compression}): {written:.2f} s")
    print(f"total: {generated + written:.2f} s")


if __name__ == "__main__":
    main()
