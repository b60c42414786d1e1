"""The engine's side of a snapshot: an Ibis backend (embedded DuckDB, or Spark), the
snapshot's tables opened on it (in place when they are Parquet in the contract's types,
through full validation otherwise) and the results written out. Above both catalog (the
readers and writers of files) and validation (the contract's checks), so neither needs
the other's caller."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from neisheng.engine.catalog import PARQUET_ROW_GROUP_ROWS
from neisheng.engine.schema import TABLES
from neisheng.engine.validation import load_snapshot

ENGINES = ("duckdb", "spark")
OUTPUTS = ("household_results", "measures", "region_summary")


def _scratch_folder(prefix: str) -> Path:
    """A folder of this process's own, removed when it exits: what Spark writes to disk
    must not outlive the run, nor land in the user's working directory."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def spark_session():
    """The one Spark session of the engine (local mode unless NEISHENG_SPARK_MASTER names a
    cluster): monitoring through Ibis and the feeds' linkage through Splink share it, so
    it carries Splink's Jaro-Winkler and Damerau-Levenshtein functions for Spark SQL."""
    import os

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master(os.environ.get("NEISHENG_SPARK_MASTER", "local[*]"))
        .appName("neisheng")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("NEISHENG_SPARK_PARTITIONS", "8"))
        .config("spark.jars", similarity_jar_location())
        # Spark's default warehouse is ./spark-warehouse: a second run in the same folder
        # found the first run's tables there and stopped (LOCATION_ALREADY_EXISTS).
        .config("spark.sql.warehouse.dir", str(_scratch_folder("neisheng-spark-warehouse-")))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def connect(engine: str = "duckdb"):
    """An Ibis backend: embedded DuckDB, or Spark (local mode unless
    NEISHENG_SPARK_MASTER names a cluster)."""

    import ibis

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        # Output row order carries no meaning; letting DuckDB write in any order keeps
        # both cores busy and memory low.
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        spark = spark_session()
        return ibis.pyspark.connect(spark)
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


def parquet_in_contract_types(directory: Path) -> dict[str, Path] | None:
    """The four Parquet files when each has the contract's columns and types (read from
    the footer only), so a large snapshot goes straight to the engine."""
    paths = {}
    for table in TABLES.values():
        path = directory / f"{table.name}.parquet"
        if not path.is_file():
            return None
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError, ValueError):
            # Not a Parquet footer (truncated, garbage, empty): full validation reads the
            # folder and reports the file in one sentence.
            return None
        for column in table.columns:
            if column.name not in schema.names or schema.field(column.name).type != column.arrow_type:
                return None
        paths[table.name] = path
    return paths


def open_snapshot(con, directory: Path, *, validate: bool = False):
    """The snapshot's tables as Ibis tables on `con`, plus the divisions as Arrow (the
    small table the region roll-up walks in Python). Parquet in contract types is read in
    place; any other snapshot, or `validate=True`, goes through full validation first and
    raises SnapshotInvalid naming every problem."""
    directory = Path(directory)
    paths = None if validate else parquet_in_contract_types(directory)
    if paths is not None:
        tables = {name: con.read_parquet(path, table_name=f"snapshot_{name}") for name, path in paths.items()}
        divisions = pq.read_table(paths["divisions"])
    else:
        arrow = load_snapshot(directory)
        if con.name == "pyspark":
            # Spark's tables are managed tables in a warehouse; temporary views over Parquet
            # in a scratch folder leave nothing behind and read the same contract types.
            scratch = _scratch_folder("neisheng-spark-snapshot-")
            tables = {}
            for name, data in arrow.items():
                pq.write_table(data, scratch / f"{name}.parquet", row_group_size=PARQUET_ROW_GROUP_ROWS)
                tables[name] = con.read_parquet(scratch / f"{name}.parquet", table_name=f"snapshot_{name}")
        else:
            tables = {name: con.create_table(f"snapshot_{name}", data, overwrite=True)
                      for name, data in arrow.items()}
        divisions = arrow["divisions"]
    return tables, divisions


def write_results(con, results: dict, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in OUTPUTS:
        path = out_dir / f"{name}.parquet"
        con.to_parquet(results[name], path)
        written[name] = path
    return written
