"""Reading and writing registry snapshots: the one place that touches files.

A snapshot is a folder holding the contract's four tables, each as Parquet (canonical),
CSV or an Excel workbook, with the contract's English column names or its Chinese headers.
Parquet files already in the contract's types are taken as they are; every other input is
read as text cells and typed by `neisheng.engine.validation`, so one set of rules decides
what a value means whatever the file format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from neisheng.engine.schema import TABLES, Table

FORMATS = ("parquet", "csv", "xlsx")
EXCEL_MAX_ROWS = 1_048_576
TRUE_ZH, FALSE_ZH = "是", "否"


@dataclass
class RawTable:
    """One table as found on disk, before typing. `typed` is true when every column
    already has the contract's Arrow type (a Parquet file written by Neisheng)."""

    table: Table
    path: Path
    data: pa.Table
    typed: bool
    missing_columns: list[str]


class SnapshotFileError(Exception):
    """A snapshot folder or file that cannot be read at all (not a row-level problem)."""

    def __init__(self, path: Path, message_zh: str, message_en: str):
        self.path = path
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{path}: {message_zh} / {message_en}")


def table_file(directory: Path, table: Table) -> Path | None:
    """The file holding `table` in a snapshot folder, by English or Chinese name."""
    for stem in (table.name, table.zh):
        for fmt in FORMATS:
            candidate = directory / f"{stem}.{fmt}"
            if candidate.exists():
                return candidate
    return None


def _header_map(table: Table) -> dict[str, str]:
    mapping = {}
    for column in table.columns:
        mapping[column.name] = column.name
        mapping[column.zh] = column.name
    return mapping


def _plain_header(name) -> str:
    """Headers as typed on a Chinese keyboard: 金额（元） with full-width brackets is 金额(元)."""
    return str(name).strip().replace("（", "(").replace("）", ")")


def _rename_headers(data: pa.Table, table: Table) -> tuple[pa.Table, list[str]]:
    mapping = _header_map(table)
    names = [mapping.get(_plain_header(name), str(name).strip()) for name in data.column_names]
    data = data.rename_columns(names)
    missing = [c.name for c in table.columns if c.name not in names]
    known = [n for n in dict.fromkeys(names) if n in table.column_names]
    # Extra columns (remarks, phone numbers kept by a village) are not part of the contract.
    return data.select(known), missing


def _excel_cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _read_excel(path: Path) -> pa.Table:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    if not rows:
        return pa.table({})
    header = [str(h).strip() for h in rows[0]]
    body = rows[1:]
    # Trailing rows that are entirely empty are formatting left behind, not records.
    while body and all(v in ("", None) for v in body[-1]):
        body.pop()
    columns = {}
    for j, name in enumerate(header):
        if not name:
            continue
        columns[name] = pa.array(
            [_excel_cell_text(row[j]) if j < len(row) else None for row in body], pa.string()
        )
    return pa.table(columns)


def _read_csv(path: Path) -> pa.Table:
    with open(path, "rb") as fh:
        head = fh.readline()
    encoding = "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheets saved as CSV on Chinese Windows are GB18030, not UTF-8.
        encoding = "gb18030"
    names = pacsv.open_csv(path, read_options=pacsv.ReadOptions(encoding=encoding)).schema.names
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=encoding, use_threads=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def read_raw_table(path: Path, table: Table) -> RawTable:
    try:
        if path.suffix == ".parquet":
            data = pq.read_table(path)
        elif path.suffix == ".csv":
            data = _read_csv(path)
        else:
            data = _read_excel(path)
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise SnapshotFileError(path, f"无法读取文件:{exc}", f"cannot read the file: {exc}") from exc
    data, missing = _rename_headers(data, table)
    typed = not missing and all(
        data.schema.field(c.name).type == c.arrow_type for c in table.columns
    )
    return RawTable(table=table, path=path, data=data, typed=typed, missing_columns=missing)


def read_raw_snapshot(
    directory: Path,
) -> tuple[dict[str, RawTable], list[str], list[SnapshotFileError]]:
    """Every table found in `directory`, the contract tables not found, and the files
    that exist but cannot be read (each reported, none stopping the others)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SnapshotFileError(directory, "快照目录不存在", "the snapshot folder does not exist")
    found, absent, unreadable = {}, [], []
    for table in TABLES.values():
        path = table_file(directory, table)
        if path is None:
            absent.append(table.name)
            continue
        try:
            found[table.name] = read_raw_table(path, table)
        except SnapshotFileError as exc:
            unreadable.append(exc)
    return found, absent, unreadable


def write_snapshot(
    tables: dict[str, pa.Table],
    directory: Path,
    fmt: str = "parquet",
    headers: str = "en",
) -> list[Path]:
    """Write typed contract tables. `headers="zh"` writes Chinese headers and Chinese
    labels for codes and booleans, as a township office would fill a workbook in."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in tables.items():
        table = TABLES[name]
        data = data.select(table.column_names).cast(table.arrow_schema)
        path = directory / f"{name}.{fmt}"
        if fmt == "parquet":
            pq.write_table(data, path, compression="zstd")
        elif fmt == "csv":
            pacsv.write_csv(_for_humans(data, table, headers), path)
        else:
            _write_excel(data, table, path, headers)
        written.append(path)
    return written


def _for_humans(data: pa.Table, table: Table, headers: str) -> pa.Table:
    """Codes and booleans as a person reading `headers` language expects them."""
    if headers != "zh":
        return data
    columns = []
    for column in table.columns:
        values = data.column(column.name)
        if column.choices:
            codes = pa.array(list(column.choices))
            labels = pa.array(list(column.choices.values()))
            values = pc.take(labels, pc.index_in(values, value_set=codes))
        elif column.kind == "bool":
            values = pc.if_else(values, TRUE_ZH, FALSE_ZH)
        columns.append(values)
    return pa.table(columns, names=[c.zh for c in table.columns])


def _write_excel(data: pa.Table, table: Table, path: Path, headers: str) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    if data.num_rows + 1 > EXCEL_MAX_ROWS:
        raise SnapshotFileError(
            path,
            f"{table.zh}共 {data.num_rows} 行,超过 Excel 的 {EXCEL_MAX_ROWS - 1} 行上限,请改用 Parquet 或 CSV",
            f"{table.name} has {data.num_rows} rows, more than Excel's limit of "
            f"{EXCEL_MAX_ROWS - 1}; use Parquet or CSV",
        )
    data = _for_humans(data, table, headers)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(table.zh if headers == "zh" else table.name)
    sheet.append(data.column_names)
    kinds = [c.kind for c in table.columns]
    for row in zip(*(col.to_pylist() for col in data.columns)):
        out = []
        for kind, value in zip(kinds, row):
            if isinstance(value, Decimal):
                # Amounts have two decimals, which a double carries exactly enough
                # to be read back as the same decimal.
                value = float(value)
            elif kind == "date" and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                value = cell
            out.append(value)
        sheet.append(out)
    workbook.save(path)


# ---- The engine's side: snapshots in, results out, on DuckDB or Spark -------------

ENGINES = ("duckdb", "spark")
OUTPUTS = ("household_results", "measures", "region_summary")


def connect(engine: str = "duckdb"):
    """An Ibis backend: embedded DuckDB, or Spark (local mode unless
    NEISHENG_SPARK_MASTER names a cluster)."""
    import os

    import ibis

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        # Output row order carries no meaning; letting DuckDB write in any order keeps
        # both cores busy and memory low.
        con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master(os.environ.get("NEISHENG_SPARK_MASTER", "local[*]"))
            .appName("neisheng")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", os.environ.get("NEISHENG_SPARK_PARTITIONS", "8"))
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(spark)
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


def _parquet_in_contract_types(directory: Path) -> dict[str, Path] | None:
    """The four Parquet files when each has the contract's columns and types (read from
    the footer only), so a large snapshot goes straight to the engine."""
    paths = {}
    for table in TABLES.values():
        path = directory / f"{table.name}.parquet"
        if not path.exists():
            return None
        schema = pq.read_schema(path)
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
    from neisheng.engine.validation import load_snapshot

    directory = Path(directory)
    paths = None if validate else _parquet_in_contract_types(directory)
    if paths is not None:
        tables = {name: con.read_parquet(path, table_name=f"snapshot_{name}") for name, path in paths.items()}
        divisions = pq.read_table(paths["divisions"])
    else:
        arrow = load_snapshot(directory)
        tables = {name: con.create_table(f"snapshot_{name}", data, overwrite=True) for name, data in arrow.items()}
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
