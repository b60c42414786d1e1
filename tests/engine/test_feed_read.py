"""feeds.md "Feed layouts": a feed file read and typed, or refused as a whole with every
bad row named (file, row, column, value, reason in Chinese and in English)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.adversarial_files import header_cells, xlsx_bytes

from neisheng.engine.feeds import FEED_TYPES, FeedFileError, feed_read, feed_schema

# One valid value per column kind, as a clerk would type it.
SAMPLE_TEXT = {
    "text": "某某", "date": "2026-03-01", "month": "2026-03", "year": "2026", "term": "2026秋季",
    "amount": "1234.50", "number": "88.5", "yesno": "是",
}
SAMPLE_VALUE = {
    "text": "某某", "date": dt.date(2026, 3, 1), "month": "2026-03", "year": 2026, "term": "2026-autumn",
    "amount": Decimal("1234.50"), "number": 88.5, "yesno": True,
}


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def refused(path: Path, feed_type: str, **kwargs) -> FeedFileError:
    with pytest.raises(FeedFileError) as caught:
        feed_read(path, feed_type, **kwargs)
    return caught.value


def named(error: FeedFileError) -> set[tuple[int, str, str]]:
    return {(p.row, p.column, p.value) for p in error.problems}


def sample_cell(column) -> str:
    if column.kind == "choice":
        return column.choices[0][1]  # the Chinese label
    return SAMPLE_TEXT[column.kind]


def sample_value(column):
    if column.kind == "choice":
        return column.choices[0][0]  # read as its code
    return SAMPLE_VALUE[column.kind]


@pytest.mark.parametrize("feed_type", list(FEED_TYPES))
def test_every_type_reads_a_two_row_sample_under_its_chinese_headers(tmp_path, feed_type):
    columns = FEED_TYPES[feed_type].all_columns
    header = [c.header_zh for c in columns]
    first = ["110101199001011237", "张三", "1990-01-01", "某村1组"] + [sample_cell(c) for c in columns[4:]]
    second = ["", "李四", "", ""] + [sample_cell(c) for c in columns[4:]]
    path = write_csv(tmp_path / f"{feed_type}.csv", [header, first, second])

    table = feed_read(path, feed_type)

    assert table.schema == feed_schema(feed_type)
    rows = table.to_pylist()
    assert [r["row"] for r in rows] == [2, 3]
    assert rows[0]["id_number"] == "110101199001011237" and rows[0]["name"] == "张三"
    assert rows[0]["birth_date"] == dt.date(1990, 1, 1) and rows[0]["address"] == "某村1组"
    assert rows[1]["id_number"] is None and rows[1]["birth_date"] is None and rows[1]["address"] is None
    for column in columns[4:]:
        assert rows[0][column.name] == rows[1][column.name] == sample_value(column), column.name


def test_excel_with_english_headers_date_and_number_cells_and_a_blank_row(tmp_path):
    path = write_xlsx(tmp_path / "claims.xlsx", [
        ["id_number", "name", "kind", "date", "self_pay", "remark"],
        ["110101199001011237", "张三", "inpatient", dt.datetime(2026, 3, 5), 1234.5, "x"],
        [None, None, None, None, None, "a remark alone is a blank row"],
        [None, "李四", "门诊", "2026/3/6", 88, None],
    ])

    rows = feed_read(path, "medical_claims").to_pylist()

    assert [(r["row"], r["name"], r["kind"], r["date"], r["self_pay"]) for r in rows] == [
        (2, "张三", "inpatient", dt.date(2026, 3, 5), Decimal("1234.50")),
        (4, "李四", "outpatient", dt.date(2026, 3, 6), Decimal("88.00")),
    ]
    assert "remark" not in rows[0]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_and_utf8_with_or_without_bom(tmp_path, encoding):
    path = write_csv(tmp_path / "deaths.csv", [
        ["证件号码", "姓名", "死亡日期"],
        ["110101199001011237", "张三丰", "2026年3月5日"],
    ], encoding)

    rows = feed_read(path, "death").to_pylist()

    assert [(r["name"], r["death_date"]) for r in rows] == [("张三丰", dt.date(2026, 3, 5))]


def test_headers_in_any_mix_of_languages_with_a_unit_and_extra_columns(tmp_path):
    path = write_csv(tmp_path / "assistance.csv", [
        ["序号", "Name", "证件号码", "救助类别", "month", "金额（元）", "联系电话"],
        ["1", "张三", "110101199001011237", "特困", "2026/3", "1,234.5", "13800000000"],
    ])

    rows = feed_read(path, "social_assistance").to_pylist()

    assert rows == [{"row": 2, "id_number": "110101199001011237", "name": "张三", "birth_date": None,
                     "address": None, "kind": "tekun", "month": "2026-03", "amount": Decimal("1234.50")}]


def test_id_numbers_lose_their_spaces_and_a_lower_case_x(tmp_path):
    path = write_csv(tmp_path / "deaths.csv", [
        ["id_number", "name", "death_date"],
        [" 110101 19900101 123x ", "张三", "2026-03-05"],
        ["１１０１０１１９９００１０１１２３Ｘ", "李四", "2026-03-05"],
        ["", "王五", "2026-03-05"],
    ])

    numbers = feed_read(path, "death").column("id_number").to_pylist()

    assert numbers == ["11010119900101123X", "11010119900101123X", None]


def test_blank_lines_are_skipped_but_keep_the_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text("id_number,name,death_date\n\n1,张三,2026-03-05\n,,\n\n2,李四,2026-03-06\n\n\n")

    assert feed_read(path, "death").column("row").to_pylist() == [3, 6]


def test_every_bad_row_is_named_with_file_row_column_value_and_reason(tmp_path):
    path = write_csv(tmp_path / "民政3月.csv", [
        ["id_number", "name", "kind", "month", "amount"],
        ["1", "张三", "dibao", "2026-03", "500"],           # row 2: good
        ["2", "李四", "低收入", "2026-03", "500"],          # row 3: unknown kind
        ["3", "王五", "dibao", "2026-03", "-20"],           # row 4: negative amount
        ["4", "赵六", "tekun", "2026-03", "12.345"],        # row 5: three decimals
        ["5", "", "tekun", "2026-13", "abc"],               # row 6: empty name, bad month, not a number
    ])

    error = refused(path, "social_assistance", file_name="民政3月.csv")

    assert error.total == 6
    assert [(p.row, p.column, p.value) for p in error.problems] == [
        (3, "kind", "低收入"), (4, "amount", "-20"), (5, "amount", "12.345"),
        (6, "name", ""), (6, "month", "2026-13"), (6, "amount", "abc"),
    ]
    reasons = {(p.row, p.column): (p.reason_zh, p.reason_en) for p in error.problems}
    assert reasons[(4, "amount")] == ("金额不能为负数", "the amount is negative")
    assert reasons[(5, "amount")] == ("金额最多两位小数", "the amount has more than two decimal places")
    assert "低保" in reasons[(3, "kind")][0] and "dibao" in reasons[(3, "kind")][1]
    assert error.problems[0].sentence() == "民政3月.csv 第3行“救助类别”列的值“低收入”:不是允许的取值(允许:低保、特困)"
    assert error.problems[0].sentence("en") == (
        "民政3月.csv row 3, column kind, value “低收入”: not one of the allowed values (dibao, tekun)")
    assert error.problems[3].sentence("en") == "民政3月.csv row 6, column name: a required value is empty"


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "yesterday", "05/03/2026", "2026-3"])
def test_a_bad_date_is_named(tmp_path, value):
    path = write_csv(tmp_path / "deaths.csv", [["id_number", "name", "death_date"], ["1", "张三", value]])

    error = refused(path, "death")

    assert named(error) == {(2, "death_date", value)}
    assert error.problems[0].reason_en.startswith("not a valid date")


def test_a_missing_column_is_one_problem_on_the_header_row(tmp_path):
    path = write_csv(tmp_path / "deaths.csv", [["证件号码", "姓名"], ["1", "张三"], ["2", "李四"]])

    error = refused(path, "death")

    assert error.total == 1
    problem = error.problems[0]
    assert (problem.row, problem.column, problem.column_zh) == (1, "death_date", "死亡日期")
    assert problem.sentence() == "deaths.csv 第1行“死亡日期”列:缺少必需的列“死亡日期”"


def test_the_id_number_column_is_required_even_though_its_values_may_be_empty(tmp_path):
    path = write_csv(tmp_path / "deaths.csv", [["姓名", "死亡日期"], ["张三", "2026-03-05"]])

    assert named(refused(path, "death")) == {(1, "id_number", "")}


@pytest.mark.parametrize(("cell", "term"), [
    ("2026-autumn", "2026-autumn"), ("2026春季", "2026-spring"), ("2026年秋季", "2026-autumn"),
    ("2026 Spring", "2026-spring"),
])
def test_terms_in_either_language(tmp_path, cell, term):
    path = write_csv(tmp_path / "roll.csv", [["id_number", "name", "school", "grade", "term"],
                                             ["1", "张三", "某小学", "三年级", cell]])

    assert feed_read(path, "school_roll").column("term").to_pylist() == [term]


def test_bad_terms_years_and_yes_no_values_are_named(tmp_path):
    path = write_csv(tmp_path / "roll.csv", [["id_number", "name", "year", "insured"],
                                             ["1", "张三", "2026", "否"],
                                             ["2", "李四", "26", "maybe"],
                                             ["3", "王五", "2026年", "yes"]])
    error = refused(path, "insurance_roll")
    assert named(error) == {(3, "year", "26"), (3, "insured", "maybe")}

    path = write_csv(tmp_path / "school.csv", [["id_number", "name", "school", "grade", "term"],
                                               ["1", "张三", "某小学", "三年级", "2026-winter"]])
    assert named(refused(path, "school_roll")) == {(2, "term", "2026-winter")}


def test_a_file_without_data_rows_is_refused(tmp_path):
    path = write_csv(tmp_path / "deaths.csv", [["id_number", "name", "death_date"]])

    error = refused(path, "death")

    assert (error.problems[0].row, error.problems[0].reason_en) == (0, "the file has no data rows")


def test_a_file_that_is_no_spreadsheet_is_one_problem_naming_it(tmp_path):
    path = tmp_path / "deaths.xlsx"
    path.write_bytes(b"this is not a workbook")

    error = refused(path, "death", file_name="公安死亡.xlsx")

    assert error.total == 1
    assert error.problems[0].sentence("en").startswith("公安死亡.xlsx: not an Excel workbook")


def test_a_kept_upload_is_read_as_the_name_the_clerk_gave_it(tmp_path):
    kept = tmp_path / "upload-7f3a"
    write_csv(kept, [["id_number", "name", "death_date"], ["1", "张三", "2026-03-05"]])

    assert feed_read(kept, "death", file_name="deaths.csv").num_rows == 1


def test_thousands_of_bad_rows_are_all_counted_and_the_first_ones_kept_in_order(tmp_path):
    rows = [["id_number", "name", "death_date"]] + [[str(i), "", "not a date"] for i in range(3000)]
    path = write_csv(tmp_path / "deaths.csv", rows)

    error = refused(path, "death", max_problems=1000)

    assert error.total == 6000
    assert len(error.problems) == 1000
    assert [(p.row, p.column) for p in error.problems[:3]] == [(2, "name"), (2, "death_date"), (3, "name")]
    assert error.problems[-1].row == 501
    assert error.sentence("en").endswith("(and 5999 more problems)")


def test_a_parquet_feed_with_typed_columns(tmp_path):
    path = tmp_path / "fees.parquet"
    pq.write_table(pa.table({"id_number": ["1"], "name": ["张三"], "year": pa.array([2026], pa.int64()),
                             "self_paid": [12000.5]}), path)

    rows = feed_read(path, "school_fees").to_pylist()

    assert (rows[0]["year"], rows[0]["self_paid"]) == (2026, Decimal("12000.50"))


def test_an_excel_file_claiming_a_million_rows_is_refused_within_bounded_memory(tmp_path):
    """A few kilobytes whose sheet reaches row 1,000,000 (and one that only declares it):
    refused, or read as the rows it holds, in a process that may not map 1 GB."""
    headers = ["证件号码", "姓名", "死亡日期"]
    far = tmp_path / "far.xlsx"
    far.write_bytes(xlsx_bytes({**header_cells(headers), "A2": "1", "B2": "张三", "C2": "2026-03-05",
                                "C1000000": "2026-03-05"}))
    declared = tmp_path / "declared.xlsx"
    declared.write_bytes(xlsx_bytes({**header_cells(headers), "A2": "1", "B2": "张三", "C2": "2026-03-05"},
                                    dimension="A1:XFD1048576"))
    script = (
        "import sys\n"
        "from neisheng.engine.feeds import FeedFileError, feed_read\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        print(feed_read(path, 'death').num_rows)\n"
        "    except FeedFileError as exc:\n"
        "        print(exc.problems[0].sentence('en'))\n"
    )

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    result = subprocess.run([sys.executable, "-c", script, str(far), str(declared)], capture_output=True,
                            text=True, preexec_fn=limit, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    far_line, declared_line = result.stdout.strip().splitlines()
    assert far_line.startswith("far.xlsx: the sheet has a cell at C1000000 far from its data")
    assert declared_line == "1"


def test_csv_rows_with_too_many_or_too_few_cells_are_each_named(tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text("id_number,name,death_date\n1,张三,2026-03-01\n2,李四,2026-03-01,x\n\n3,王五\n")

    error = refused(path, "death")

    assert [(p.row, p.value, p.reason_en) for p in error.problems] == [
        (3, "2,李四,2026-03-01,x", "the row has 4 cells and the header 3"),
        (5, "3,王五", "the row has 2 cells and the header 3"),
    ]

