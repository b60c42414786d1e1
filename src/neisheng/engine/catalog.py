"""Reading and writing registry snapshots: the one place that touches files.

A snapshot is a folder holding the contract's four tables, each as Parquet (canonical),
CSV or an Excel workbook, with the contract's English column names or its Chinese headers.
Parquet files already in the contract's types are taken as they are; every other input is
read as text cells and typed by `neisheng.engine.validation`, so one set of rules decides
what a value means whatever the file format.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
import zlib
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
# DuckDB hands each Parquet row group to one thread (and Spark each to one task): pyarrow's
# default of a million rows made a million households one row group, so every step that
# starts from households (both joins of a run's household frame and its materialisation)
# ran on one core. Every snapshot the engine writes, for itself or for Spark, uses it.
PARQUET_ROW_GROUP_ROWS = 128 * 1024
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


# ---- Reading: every reader bounded, whatever a hostile file says about itself ---------
#
# Issue 7 rows 1, 2, 15: one 1.7 KB workbook with a cell at XFD1048576 made the Excel
# reader allocate 550 GB and killed the server. Every input is now measured before it is
# read whole: a workbook's zip parts by their sizes, its sheets by a cheap scan of their
# cell references; a CSV by a scan of its bytes. What fails is one SnapshotFileError.

# Excel's own grid.
EXCEL_MAX_COLUMNS = 16_384
# The widest contract table has 15 columns; a village may keep remarks or phone numbers
# beside them, but no registry table is 64 columns wide. Capping the width is what keeps
# a sheet's rectangle (rows x columns) proportional to its rows.
SHEET_MAX_COLUMNS = 64
# calamine, the fast Excel reader, holds a sheet as one rectangle from A1 to its farthest
# filled cell, about 32 bytes a cell. A sheet is handed to it only when that rectangle is
# at most this many cells (64 MB) beyond four times the cells really filled, so memory
# follows what the file holds rather than where its farthest cell lies.
SHEET_SPARSE_SLACK_CELLS = 2_000_000
SHEET_MIN_FILL = 4
# A workbook inflating to more than this should be Parquet or CSV: a full Excel sheet of
# 1,048,576 rows by 15 columns is about 1 GB of XML.
WORKBOOK_MAX_BYTES = 2 * 1024**3
WORKBOOK_MAX_PARTS = 10_000
# Spreadsheet XML compresses 5-20 times; a part inflating 100 times its size is a zip bomb.
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM_BYTES = 1024**2
SCAN_CHUNK = 1024**2
# A CSV line longer than this is not a registry row (pyarrow reads in blocks larger
# than it, so one row never straddles a block).
CSV_MAX_LINE_BYTES = 1024**2
CSV_BLOCK_BYTES = 4 * CSV_MAX_LINE_BYTES
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .xls container

_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_REF_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")


def _short(exc: BaseException) -> str:
    """A reader's error as part of one sentence: its first line, not a dump of the row."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text[:200]


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters.upper()[:8]:
        index = index * 26 + ch - 64
    return index


@dataclass
class _SheetExtent:
    filled: int = 0
    rows: int = 0
    columns: int = 0
    far: str = ""


# The cell markup Excel, LibreOffice, WPS and openpyxl all write: `<c r="B7" ...>`.
_ANY_CELL = (re.compile(rb"<c[\s/>]"), re.compile(rb":c[\s/>]"))
_PLAIN_CELL = b'<c r="'
# No leading zeros (the longest row number must be the farthest row), no attribute but
# the usual ones after `r` (a second `r` would be the one calamine uses), and a value
# follows (an empty `<c .../>` goes to the cell-by-cell scan, which does not count it).
_PLAIN_LETTERS = re.compile(rb'<c r="([A-Z]{1,3})[1-9]\d{0,6}"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*>')
_PLAIN_ROW_OF_LENGTH = [re.compile(rb'<c r="[A-Z]{1,3}([1-9]\d{%d})"' % (n - 1)) for n in range(1, 8)]
_PLAIN_LAST_ROW = re.compile(rb'<c r="[A-Z]{1,3}([1-9]\d{0,6})"')


def _plain_extent(buffer: bytes) -> tuple[int, int, int] | None:
    """(filled cells, farthest row, farthest column) of a chunk in which every cell is
    written the usual way and holds a value, counted in C (byte counts and the regex
    engine); None when any cell is not, and the chunk needs the cell-by-cell scan."""
    plain = buffer.count(_PLAIN_CELL)
    # Inside sheetData only cells begin with "<c"; a chunk holding <cols> is counted exactly.
    if buffer.count(b"<c") != plain and len(_ANY_CELL[0].findall(buffer)) != plain:
        return None
    if _ANY_CELL[1].search(buffer):
        return None
    if not plain:
        return 0, 0, 0
    letters = _PLAIN_LETTERS.findall(buffer)
    if len(letters) != plain:
        return None  # a reference of another form (lower case, leading zeros, 8 digits)
    # The farthest row has the most digits, and among equally long numbers the greatest
    # is the greatest string, so no cell's number is converted one by one. Rows usually
    # ascend, so the last cell's length is tried first.
    last = _PLAIN_LAST_ROW.match(buffer, buffer.rfind(_PLAIN_CELL))
    digits = len(last.group(1)) if last else 7
    if digits < 7 and re.search(rb'<c r="[A-Z]{1,3}[1-9]\d{%d}' % digits, buffer):
        digits = 7  # some row is longer than the last one: try every length
    for pattern in reversed(_PLAIN_ROW_OF_LENGTH[:digits]):
        rows = pattern.findall(buffer)
        if rows:
            return plain, int(max(rows)), max(map(_column_index, set(letters)))
    return None


def _plain_cell_at(buffer: bytes, row: int, column: int, beyond_width: bool) -> str:
    """The reference of a real cell on the farthest row (or column), to name in a message."""
    if beyond_width:
        letters = _cell_name(1, column)[:-1].encode()
        found = re.search(rb'<c r="(%s[1-9]\d{0,6})"' % letters, buffer)
    else:
        found = re.search(rb'<c r="([A-Z]{1,3}%d)"' % row, buffer)
    return found.group(1).decode() if found else _cell_name(row, column)


def _scan_sheet_xml(stream, path: Path, part: str, max_columns: int = SHEET_MAX_COLUMNS) -> _SheetExtent:
    """Where a part's filled cells lie, read in fixed chunks so memory stays flat. Cells
    are placed as calamine places them: by their `r`, else after the previous cell;
    cells without a value (`<c r=".."/>`) are not filled. Markup that only looks like a
    cell (in a comment) counts too: the scan may overestimate, never underestimate."""
    extent = _SheetExtent()
    row = row_tag = col = 0
    tail = b""

    def reach(r: int, c: int, name: str | None = None) -> None:
        name = name or _cell_name(r, c)
        if r > extent.rows or c > extent.columns:
            extent.rows, extent.columns = max(r, extent.rows), max(c, extent.columns)
            extent.far = name
        if c > max_columns:
            raise SnapshotFileError(
                path,
                f"工作表在 {name} 处有内容,超出 {max_columns} 列:表格没有这么宽,请删除多余的列",
                f"the sheet has a cell at {name}, beyond {max_columns} columns; "
                "no table it can hold is that wide, delete the extra columns",
            )
        if r > EXCEL_MAX_ROWS:
            raise SnapshotFileError(
                path,
                f"工作表在 {name} 处有内容,超出 Excel 的 {EXCEL_MAX_ROWS} 行",
                f"the sheet has a cell at {name}, beyond Excel's {EXCEL_MAX_ROWS} rows",
            )

    while True:
        chunk = stream.read(SCAN_CHUNK)
        buffer = tail + chunk
        if chunk:
            cut = buffer.rfind(b"<")
            if cut != -1 and buffer.find(b">", cut) == -1:
                buffer, tail = buffer[:cut], buffer[cut:]
                if len(tail) > SCAN_CHUNK:
                    raise SnapshotFileError(
                        path, f"工作簿的 {part} 已损坏", f"the workbook's part {part} is damaged"
                    )
            else:
                tail = b""
        plain = _plain_extent(buffer)
        if plain is not None:
            filled, r, c = plain
            extent.filled += filled
            if filled:
                if r > extent.rows or c > extent.columns:
                    reach(r, c, _plain_cell_at(buffer, r, c, beyond_width=c > max_columns))
                # Where a later unusual chunk continues from: at or past the true
                # position, so its cells are placed no nearer than they are.
                row, row_tag, col = max(row, r), max(row_tag, r), max(col, c)
        else:
            for match in _TAG.finditer(buffer):
                name, attrs = match.groups()
                # Of an `r` given twice the reader may take either: take the farther.
                refs = _REF_ATTR.findall(attrs)
                letters = max((_column_index(a) for a, _ in refs if a), default=0)
                number = max((int(d) for _, d in refs if d), default=0)
                if name == b"row":
                    # A row without `r` follows the previous row, or the last cell if that
                    # lay further down (the larger of the two is never nearer).
                    row_tag = number or max(row_tag, row) + 1
                    col = 0
                    continue
                if letters:
                    col = letters
                    row = number or max(row_tag, row)
                else:
                    col += 1
                    row = max(row_tag, row)
                if attrs.rstrip().endswith(b"/"):
                    continue
                extent.filled += 1
                reach(row, col)
        if not chunk:
            return extent


def _cell_name(row: int, col: int) -> str:
    if not 1 <= col <= EXCEL_MAX_COLUMNS:
        return f"R{row}C{col}"
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def check_workbook(path: Path, *, max_columns: int = SHEET_MAX_COLUMNS) -> None:
    """Refuse a workbook whose parts would inflate beyond reason or whose sheets reach
    beyond the columns and rows a registry table can have, before any of it is read whole.
    Every part is scanned (not only the first sheet's), so no relationship trick can point
    the reader at a sheet the scan did not see."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
            if len(parts) > WORKBOOK_MAX_PARTS:
                raise SnapshotFileError(
                    path, f"工作簿含 {len(parts)} 个部件,不像正常的表格",
                    f"the workbook holds {len(parts)} parts, which no real spreadsheet does",
                )
            total = sum(p.file_size for p in parts)
            if total > WORKBOOK_MAX_BYTES:
                raise SnapshotFileError(
                    path,
                    f"工作簿解压后超过 {WORKBOOK_MAX_BYTES // 1024**3} GB,请改用 Parquet 或 CSV",
                    f"the workbook inflates to more than {WORKBOOK_MAX_BYTES // 1024**3} GB; use Parquet or CSV",
                )
            for part in parts:
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > ZIP_RATIO_FROM_BYTES and ratio > ZIP_MAX_RATIO:
                    raise SnapshotFileError(
                        path,
                        f"工作簿的 {part.filename} 解压后是压缩大小的 {ratio:.0f} 倍,不像正常的表格(压缩炸弹)",
                        f"the workbook's part {part.filename} inflates {ratio:.0f} times its size, "
                        "which no real spreadsheet does (a zip bomb)",
                    )
            sheets = []
            for part in parts:
                if part.is_dir():
                    continue
                # zipfile stops at a part's declared size (and then fails its checksum), so
                # a part lying about its size cannot inflate further than it says.
                with zf.open(part) as stream:
                    sheets.append(_scan_sheet_xml(stream, path, part.filename, max_columns))
    except SnapshotFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError, OSError) as exc:
        raise SnapshotFileError(
            path, f"不是有效的 Excel 工作簿(.xlsx)或已损坏:{_short(exc)}",
            f"not a valid Excel workbook (.xlsx), or damaged: {_short(exc)}",
        ) from exc
    for extent in sheets:
        area = extent.rows * extent.columns
        if area > SHEET_SPARSE_SLACK_CELLS + SHEET_MIN_FILL * extent.filled:
            raise SnapshotFileError(
                path,
                f"工作表在 {extent.far} 处有远离数据的单元格(仅 {extent.filled} 个有内容的单元格,"
                f"却占 {extent.rows} 行 × {extent.columns} 列),请删除数据以外的行和列",
                f"the sheet has a cell at {extent.far} far from its data ({extent.filled} filled "
                f"cells over {extent.rows} rows by {extent.columns} columns); delete the rows and "
                "columns beyond the data",
            )




def _read_excel(path: Path, max_columns: int = SHEET_MAX_COLUMNS) -> pa.Table:
    from python_calamine import CalamineError, CalamineWorkbook

    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == CFB_MAGIC:
        # A legacy .xls cannot be scanned for its extent before the reader fills its
        # whole grid (up to 65,536 x 256 cells, about half a gigabyte): refused, not read.
        raise SnapshotFileError(
            path, "旧版 Excel 文件(.xls)不能导入,请另存为 .xlsx 工作簿",
            "a legacy Excel file (.xls) cannot be imported; save it as an .xlsx workbook",
        )
    if not magic.startswith(ZIP_MAGIC):
        raise SnapshotFileError(
            path, "不是 Excel 工作簿(.xlsx)", "not an Excel workbook (.xlsx)"
        )
    check_workbook(path, max_columns=max_columns)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return _stream_sheet(sheet)
    except CalamineError as exc:
        raise SnapshotFileError(
            path, f"无法读取工作簿:{_short(exc)}", f"cannot read the workbook: {_short(exc)}"
        ) from exc


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _empty_row(row: list) -> bool:
    # calamine gives "" for an empty cell; counting them is one call in C.
    return row.count("") == len(row) or all(_blank(v) for v in row)


STREAM_BATCH_ROWS = 65_536


def _stream_sheet(sheet) -> pa.Table:
    """The sheet's columns, read row by row from A1. Runs of empty rows are kept only as a
    count until a filled row follows them, so trailing empty rows (formatting left behind
    below the data) never become records and never take memory."""
    start = sheet.start
    if start is None or start[0] > 0:
        return pa.table({})  # row 1, the header row, is empty
    offset = start[1]
    rows = iter(sheet.iter_rows())
    first = next(rows, None)
    if first is None:
        return pa.table({})
    header = [""] * offset + [str(h).strip() for h in first]
    # A header written twice: the later column wins, as it always did.
    where = {name: j - offset for j, name in enumerate(header) if name and j >= offset}
    chunks: dict[str, list[pa.Array]] = {name: [] for name in where}
    batch: list[list] = []

    def flush() -> None:
        for name, j in where.items():
            chunks[name].append(pa.array(
                [_excel_cell_text(row[j]) if j < len(row) else None for row in batch], pa.string()
            ))
        batch.clear()

    empty_run = 0
    for row in rows:
        if _empty_row(row):
            empty_run += 1
            continue
        if empty_run:
            flush()
            for name in where:
                chunks[name].append(pa.nulls(empty_run, pa.string()))
            empty_run = 0
        batch.append(row)
        if len(batch) >= STREAM_BATCH_ROWS:
            flush()
    flush()
    return pa.table({name: pa.chunked_array(parts, pa.string()) for name, parts in chunks.items()})


def csv_encoding(path: Path) -> str:
    """The file's encoding, decided from all of it: UTF-8 if every byte decodes as UTF-8,
    else GB18030 (spreadsheets saved as CSV on Chinese Windows), which must then decode
    every byte too. Deciding from the header alone misreads an English-header GB18030 file.
    The same pass refuses lines no registry row could be."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    failures = {}
    for encoding in ("utf-8", "gb18030"):
        failure = _undecodable_line(path, encoding)
        if failure is None:
            return encoding
        failures[encoding] = failure
    line = failures["utf-8"]
    raise SnapshotFileError(
        path,
        f"第{line}行既不是 UTF-8 也不是 GB18030 编码的文字,请另存为 UTF-8 CSV",
        f"line {line} is neither UTF-8 nor GB18030 text; save the file as UTF-8 CSV",
    )


_LINE_BREAK = re.compile(rb"\r\n?|\n")  # as pyarrow reads them: Windows, Unix and old Mac


def _undecodable_line(path: Path, encoding: str) -> int | None:
    """The line where `encoding` first fails, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, line_bytes = 1, 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(SCAN_CHUNK)
            lines = _LINE_BREAK.split(chunk)
            for k, piece in enumerate(lines):
                line_bytes += len(piece)
                if line_bytes > CSV_MAX_LINE_BYTES:
                    raise SnapshotFileError(
                        path,
                        f"第{line}行长于 {CSV_MAX_LINE_BYTES // 1024**2} MB,不是登记表的一行",
                        f"line {line} is longer than {CSV_MAX_LINE_BYTES // 1024**2} MB, "
                        "which no registry row is",
                    )
                if k < len(lines) - 1:
                    line, line_bytes = line + 1, 0
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                breaks = len(lines) - 1
                return line - breaks + len(_LINE_BREAK.findall(chunk, 0, max(exc.start, 0)))
            if not chunk:
                return None


def _read_csv(path: Path, keep_blank_rows: bool = False, max_columns: int = SHEET_MAX_COLUMNS) -> pa.Table:
    encoding = csv_encoding(path)
    # pyarrow reads "utf8" natively (and skips its BOM); any other name is transcoded.
    arrow_encoding = "utf8" if encoding == "utf-8" else encoding
    read_options = pacsv.ReadOptions(encoding=arrow_encoding, block_size=CSV_BLOCK_BYTES)
    with open(path, "rb") as fh:
        first = fh.readline(CSV_MAX_LINE_BYTES + 1)
    width = first.count(b",") + 1
    if width > max_columns:
        # Counted on raw bytes: a quoted comma only makes the count larger than the truth
        # for a header no registry table has anyway.
        lines = first.decode(encoding, errors="replace").splitlines() or [""]
        header = next(csv.reader(lines[:1]), [])
        if len(header) > max_columns:
            raise SnapshotFileError(
                path,
                f"表头有 {len(header)} 列,超出 {max_columns} 列:表格没有这么宽",
                f"the header has {len(header)} columns, more than {max_columns}; "
                "no table it can hold is that wide",
            )
    names = pacsv.open_csv(path, read_options=read_options).schema.names
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=arrow_encoding, block_size=CSV_BLOCK_BYTES, use_threads=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
        # An empty line kept as an empty row, as the Excel reader keeps an empty row
        # between records, so a reader can number rows as a spreadsheet shows them.
        parse_options=pacsv.ParseOptions(ignore_empty_lines=not keep_blank_rows),
    )


EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


# Parquet stores a run of equal values in a few bytes, so a tiny file can declare a
# billion rows that take gigabytes once read. A county holds a few million persons and
# ledger rows; a table beyond this is not a registry snapshot.
PARQUET_MAX_ROWS = 50_000_000


def _read_parquet(path: Path) -> pa.Table:
    try:
        metadata = pq.ParquetFile(path).metadata
        if metadata.num_rows > PARQUET_MAX_ROWS or metadata.num_columns > SHEET_MAX_COLUMNS:
            raise SnapshotFileError(
                path,
                f"文件声明了 {metadata.num_rows} 行、{metadata.num_columns} 列,超出上限"
                f"({PARQUET_MAX_ROWS} 行、{SHEET_MAX_COLUMNS} 列)",
                f"the file declares {metadata.num_rows} rows and {metadata.num_columns} columns, "
                f"beyond the limits of {PARQUET_MAX_ROWS} rows and {SHEET_MAX_COLUMNS} columns",
            )
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        # Arrow's own message repeats the path over two sentences; this says what to do.
        raise SnapshotFileError(
            path, "不是有效的 Parquet 文件,或文件已损坏(例如只复制了一部分)",
            "not a valid Parquet file, or damaged (only partly copied, for example)",
        ) from exc


def read_file_data(path: Path, *, keep_blank_rows: bool = False, max_columns: int = SHEET_MAX_COLUMNS) -> pa.Table:
    """A table file's cells as found, under its own headers: read once, then matched to a
    contract table by `raw_table` (an upload tries several tables on one reading).
    `keep_blank_rows` keeps a CSV's empty lines as empty rows (a workbook's empty rows
    between records are always kept), for readers that number rows themselves.
    `max_columns` widens the registry tables' limit for a file one column per question
    wide (a survey's responses); memory stays bounded by it all the same."""
    from python_calamine import CalamineError

    path = Path(path)
    if path.is_dir():
        raise SnapshotFileError(path, "这是一个文件夹,不是文件", "this is a folder, not a file")
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size == 0:
            raise SnapshotFileError(path, "文件是空的", "the file is empty")
        if suffix == ".parquet":
            return _read_parquet(path)
        if suffix == ".csv":
            return _read_csv(path, keep_blank_rows, max_columns)
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(path, max_columns)
        raise SnapshotFileError(
            path, "只能读取 Parquet、CSV 或 Excel 文件", "only Parquet, CSV or Excel files can be read"
        )
    except SnapshotFileError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, CalamineError, MemoryError) as exc:
        raise SnapshotFileError(
            path, f"无法读取文件:{_short(exc)}", f"cannot read the file: {_short(exc)}"
        ) from exc


def raw_table(path: Path, data: pa.Table, table: Table) -> RawTable:
    """`data` (from `read_file_data`) with its headers matched to `table`'s columns."""
    try:
        data, missing = _rename_headers(data, table)
        typed = not missing and all(
            data.schema.field(c.name).type == c.arrow_type for c in table.columns
        )
    except (pa.ArrowException, ValueError, KeyError) as exc:
        raise SnapshotFileError(
            path, f"无法读取文件:{_short(exc)}", f"cannot read the file: {_short(exc)}"
        ) from exc
    return RawTable(table=table, path=Path(path), data=data, typed=typed, missing_columns=missing)


def read_raw_table(path: Path, table: Table) -> RawTable:
    return raw_table(path, read_file_data(path), table)


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
            pq.write_table(data, path, compression="zstd", row_group_size=PARQUET_ROW_GROUP_ROWS)
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

    from neisheng.engine.cells import text_cell, text_row

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
    sheet.append(text_row(sheet, data.column_names))
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
            # A name or remark that begins like a formula stays text (see engine.cells).
            out.append(text_cell(sheet, value))
        sheet.append(out)
    workbook.save(path)
