"""Property-based fuzzing of every importer (Excel, CSV, Parquet), issue 7.

Malformed and adversarial files -- random bytes, truncated and mutated valid files, cells
far beyond the grid, lying dimensions, zip bombs, wrong encodings, BOMs, formulas, NUL
bytes, extreme numbers -- must give either a table or one SnapshotFileError sentence naming
the file; typing them must report every problem as one line with file, row and column;
memory stays bounded and nothing is written.
"""

from __future__ import annotations

import io
import resource
import tempfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.adversarial_files import (
    CONTENT_TYPES,
    ROOT_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    bomb_xlsx,
    column_letters,
    far_cell_xlsx,
    header_cells,
    lying_size_xlsx,
    xlsx_bytes,
)

from neisheng.cli import main
from neisheng.engine import catalog, validation
from neisheng.engine.catalog import SnapshotFileError, read_raw_table, write_snapshot
from neisheng.engine.schema import TABLES

PERSONS = TABLES["persons"]
# Growth of the process's peak resident memory allowed over the whole module. The attack
# of issue 7 asked for 550 GB; the largest file generated here is a few megabytes.
RSS_GROWTH_LIMIT_KIB = 700 * 1024
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_baseline_rss_kib: list[int] = []


@pytest.fixture(autouse=True, scope="module")
def _baseline_rss():
    # Taken when this module's first test starts, not at collection: with xdist a worker
    # runs other modules first, and their peaks (a demo county, a research survey) are
    # not this module's growth. ru_maxrss only rises, so an earlier higher peak can hide
    # growth here but never invent it; a file that honours a lying size still breaks it.
    _baseline_rss_kib[:] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]
    yield


def _valid_files() -> dict[str, bytes]:
    from neisheng.synth import generate_county

    tables = generate_county(households=4, seed=3, year=2026, county_code="500237")
    files = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt, headers in (("parquet", "en"), ("csv", "en"), ("csv", "zh"), ("xlsx", "en"), ("xlsx", "zh")):
            out = Path(folder) / f"{fmt}-{headers}"
            write_snapshot({"persons": tables["persons"]}, out, fmt=fmt, headers=headers)
            files[f"{fmt}-{headers}"] = (out / f"persons.{fmt}").read_bytes()
    return files


VALID = _valid_files()
SUFFIX = {"parquet": ".parquet", "csv": ".csv", "xlsx": ".xlsx"}

HOSTILE_VALUES = st.one_of(
    st.none(), st.just(""), st.just(" "), st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([
        '=HYPERLINK("http://x.invalid/?"&B2,"详情")', "+1+1", "-2", "@SUM(A1)", "\tTAB", "\rCR",
        "a\x00b", "\x00", "张三", "𠀀𪚥", "1e308", "-0", "9" * 40, "2026-02-30", "x" * 5000,
        "500237197809299419", "<c r=\"XFD1\">", "]]>", "&amp;",
    ]),
    st.text(max_size=30),
)


def far_ref(draw) -> str:
    column = draw(st.one_of(st.integers(1, 20), st.integers(60, 70), st.integers(16_380, 16_390)))
    row = draw(st.one_of(st.integers(2, 50), st.integers(99_990, 100_010),
                         st.integers(1_048_570, 1_048_590)))
    return f"{column_letters(column - 1)}{row}"


@st.composite
def hostile_workbooks(draw) -> bytes:
    table = draw(st.sampled_from(list(TABLES.values())))
    headers = draw(st.sampled_from([[c.name for c in table.columns], [c.zh for c in table.columns]]))
    cells = header_cells(headers)
    for _ in range(draw(st.integers(0, 12))):
        cells[far_ref(draw)] = draw(HOSTILE_VALUES)
    dimension = draw(st.sampled_from([None, "A1:XFD1048576", "A1", "Z9:A1", "garbage"]))
    try:
        return xlsx_bytes(cells, dimension=dimension)
    except ValueError:
        return xlsx_bytes(header_cells(headers))


# Cell markup of every shape the reader may meet, valid or not: the scan must place each
# cell no nearer than calamine does.
@st.composite
def odd_sheet_xml(draw) -> bytes:
    parts = [('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
              'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')]
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.one_of(st.none(), st.integers(1, 300)))
        parts.append(f'<row r="{row}">' if row else "<row>")
        for _ in range(draw(st.integers(0, 6))):
            column = draw(st.integers(1, 70))
            ref = f"{column_letters(column - 1)}{draw(st.integers(1, 300))}"
            form = draw(st.sampled_from(["plain", "none", "lower", "zeros", "spaced", "empty", "t-first",
                                         "twice", "prefixed", "prefixed-only", "escaped"]))
            value = draw(st.sampled_from(["<v>1</v>", '<is><t>x</t></is>', "<v></v>", "", "<f>1+1</f><v>2</v>"]))
            attrs = {
                "plain": f'r="{ref}"', "none": "", "lower": f'r="{ref.lower()}"',
                "zeros": f'r="{ref.rstrip("0123456789")}0{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"',
                "spaced": f"r = '{ref}'", "empty": f'r="{ref}"', "t-first": f't="n" r="{ref}"',
                "twice": f'r="A1" r="{ref}"', "prefixed": f'x:r="A1" r="{ref}"',
                "prefixed-only": f'x:r="{ref}"', "escaped": f'r="&#{ord(ref[0])};{ref[1:]}"',
            }[form]
            if "is" in value:
                attrs += ' t="inlineStr"'
            if form == "empty":
                parts.append(f"<c {attrs}/>")
            else:
                parts.append(f"<c {attrs}>{value}</c>" if attrs else f"<c>{value}</c>")
        parts.append("</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts).encode()


def mutated(draw, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


@st.composite
def damaged_files(draw) -> tuple[str, bytes]:
    key = draw(st.sampled_from(sorted(VALID)))
    return SUFFIX[key.split("-")[0]], mutated(draw, VALID[key])


@st.composite
def csv_files(draw) -> bytes:
    names = [c.name for c in PERSONS.columns] if draw(st.booleans()) else [c.zh for c in PERSONS.columns]
    rows = [",".join(names)]
    for _ in range(draw(st.integers(0, 5))):
        rows.append(",".join(str(draw(HOSTILE_VALUES)) for _ in names))
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "big5", "utf-32"]))
    data = text.encode(encoding, errors="replace")
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"])) + data


@st.composite
def parquet_files(draw) -> bytes:
    columns = {}
    for column in PERSONS.columns:
        kind = draw(st.sampled_from(["string", "int", "float", "binary", "missing", "null"]))
        if kind == "missing":
            continue
        n = 3
        values = {
            "string": pa.array([str(draw(HOSTILE_VALUES)) for _ in range(n)], pa.string()),
            "int": pa.array([draw(st.integers(-(2**63), 2**63 - 1)) for _ in range(n)], pa.int64()),
            "float": pa.array([draw(st.floats()) for _ in range(n)], pa.float64()),
            "binary": pa.array([draw(st.binary(max_size=8)) for _ in range(n)], pa.binary()),
            "null": pa.nulls(n),
        }[kind]
        columns[column.name] = values
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns) if columns else pa.table({"x": [1]}), buffer)
    return buffer.getvalue()


FIXED_HOSTILE = [
    (".xlsx", far_cell_xlsx("XFD1048576")),
    (".xlsx", far_cell_xlsx("E100000", "")),
    (".xlsx", far_cell_xlsx("A1048576")),
    (".xlsx", bomb_xlsx(20)),
    (".xlsx", lying_size_xlsx({**header_cells(PERSONS.column_names), "A2": "x" * 20_000})),
    (".xlsx", b""), (".xlsx", b"PK\x03\x04"), (".xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    (".csv", b""), (".csv", b"\xef\xbb\xbf"), (".csv", b"a,b\n" + b"x" * 2_000_000),
    (".parquet", b""), (".parquet", b"PAR1"), (".parquet", b"PAR1" + b"\0" * 100 + b"PAR1"),
]


def read_and_check(suffix: str, data: bytes) -> None:
    """The properties every file must satisfy, whatever it holds."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"persons{suffix}"
        path.write_bytes(data)
        try:
            raw = read_raw_table(path, PERSONS)
        except SnapshotFileError as exc:
            text = str(exc)
            assert text.startswith(str(path)) and "\n" not in text and len(text) < 600, text
            assert exc.message_zh and exc.message_en
        else:
            _, issues = validation.check_table(raw)
            for issue in issues:
                line = str(issue)
                assert "\n" not in line and line.startswith(path.name), line
                assert issue.column is None or issue.column in PERSONS.column_names
                if issue.row is not None:
                    assert issue.row >= validation.FIRST_DATA_ROW
        assert [p.name for p in Path(folder).iterdir()] == [path.name]  # nothing written
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - _baseline_rss_kib[0]
    assert grown < RSS_GROWTH_LIMIT_KIB, f"peak memory grew by {grown // 1024} MB"


@pytest.mark.parametrize("suffix, data", FIXED_HOSTILE, ids=lambda v: v if isinstance(v, str) else f"{len(v)}B")
def test_known_hostile_files(suffix, data):
    read_and_check(suffix, data)


@FUZZ
@given(st.binary(max_size=3_000), st.sampled_from([".xlsx", ".xlsm", ".xls", ".csv", ".parquet"]))
def test_random_bytes(data, suffix):
    read_and_check(suffix, data)


@FUZZ
@given(damaged_files())
def test_truncated_and_mutated_valid_files(file):
    read_and_check(*file)


@FUZZ
@given(hostile_workbooks())
def test_workbooks_with_far_cells_lying_dimensions_and_hostile_values(data):
    read_and_check(".xlsx", data)


@FUZZ
@given(csv_files())
def test_csv_in_any_encoding_with_boms_nul_bytes_and_formulas(data):
    read_and_check(".csv", data)


@settings(FUZZ, max_examples=25)
@given(parquet_files())
def test_parquet_of_wrong_types_and_extreme_values(data):
    read_and_check(".parquet", data)


@settings(FUZZ, max_examples=300)
@given(odd_sheet_xml())
def test_the_sheet_scan_never_places_a_cell_nearer_than_calamine(sheet):
    """Soundness of the guard in front of calamine: for every sheet calamine accepts, the
    scan's farthest row and column are at least calamine's, so the memory bound holds."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        extent = catalog._scan_sheet_xml(io.BytesIO(sheet), Path("x.xlsx"), "sheet1.xml")
    except SnapshotFileError:
        return  # refused before calamine is reached
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)):
            zf.writestr(name, text)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    try:
        read = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0)
    except CalamineError:
        return
    if read.end is not None:
        assert extent.rows >= read.end[0] + 1 and extent.columns >= read.end[1] + 1, (extent, read.end)


@settings(FUZZ, max_examples=6)
@given(st.one_of(damaged_files(), hostile_workbooks().map(lambda d: (".xlsx", d)),
                 csv_files().map(lambda d: (".csv", d))))
def test_the_commands_say_one_sentence_and_write_nothing(file):
    suffix, data = file
    from neisheng.synth import generate_county

    tables = generate_county(households=4, seed=3, year=2026, county_code="500237")
    with tempfile.TemporaryDirectory() as folder:
        snapshot = Path(folder) / "snapshot"
        write_snapshot({k: v for k, v in tables.items() if k != "persons"}, snapshot)
        (snapshot / f"persons{suffix}").write_bytes(data)
        out = Path(folder) / "out"
        runner = CliRunner()
        checked = runner.invoke(main, ["validate", str(snapshot), "--max-shown", "5"])
        assert checked.exit_code in (0, 1) and "Traceback" not in checked.output
        ran = runner.invoke(main, ["monitor", str(snapshot), "--year", "2026", "--out", str(out)])
        assert ran.exit_code in (0, 1) and "Traceback" not in ran.output, ran.output
        if ran.exit_code == 1:
            assert isinstance(ran.exception, SystemExit)
            assert ran.output.strip().splitlines()[-1].startswith("错误 / error:")
            assert not out.exists()
            assert sorted(p.name for p in Path(folder).iterdir()) == ["snapshot"]
