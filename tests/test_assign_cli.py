"""`neisheng assign-cadres` as a county officer runs it: files in (Parquet, CSV in UTF-8
or GB18030, Excel), one line out, a Parquet of pairs; one sentence naming file, row,
column and value, and exit 1, on bad input."""

from __future__ import annotations

import csv

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from neisheng.cli import main

V1, V2, OTHER_TOWN = "500237101001", "500237101002", "500237102001"


def run(*args):
    return CliRunner().invoke(main, ["assign-cadres", *(str(a) for a in args)])


def write_csv(path, header, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def files(tmp_path):
    households = write_csv(tmp_path / "households.csv", ["household_id", "village_code"],
                           [("h1", V1), ("h2", V1), ("h3", V2), ("h4", OTHER_TOWN), ("h5", V1)])
    cadres = write_xlsx(tmp_path / "cadres.xlsx", ["cadre_id", "division_code", "capacity"],
                        [("c1", V1, 1), ("c2", "500237101000", None), ("c3", "500237000000", 2)])
    pq.write_table(pa.table({"cadre_id": ["c3"], "household_id": ["h5"]}), tmp_path / "pairs.parquet")
    return households, cadres, tmp_path / "pairs.parquet"


def test_assigns_and_prints_one_line(tmp_path):
    households, cadres, pairs = files(tmp_path)
    out = tmp_path / "out.parquet"
    result = run("--households", households, "--cadres", cadres, "--pairs", pairs, "--out", out)
    assert result.exit_code == 0, result.output
    # h1/h2: c1 (0 + 1) and the town cadre c2 (1000 + 1); h3: c2 (1000 + 2);
    # h4 (another town): the county cadre c3 beside its kept pair (4000 + 2).
    assert result.output == "assigned 4, kept 1, unassigned 0, total cost 6006\n"
    table = pq.read_table(out)
    assert table.column_names == ["cadre_id", "household_id", "kept"]
    rows = table.to_pylist()
    assert rows[0] == {"cadre_id": "c3", "household_id": "h5", "kept": True}
    new = {r["household_id"]: r["cadre_id"] for r in rows[1:]}
    assert {new["h1"], new["h2"]} == {"c1", "c2"} and new["h3"] == "c2" and new["h4"] == "c3"
    assert [r["kept"] for r in rows] == [True, False, False, False, False]


def test_the_same_files_give_the_same_output(tmp_path):
    households, cadres, pairs = files(tmp_path)
    for name in ("a.parquet", "b.parquet"):
        assert run("--households", households, "--cadres", cadres, "--pairs", pairs,
                   "--out", tmp_path / name).exit_code == 0
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_max_per_cadre_and_unassigned_households(tmp_path):
    households = write_csv(tmp_path / "h.csv", ["household_id", "village_code"],
                           [("h1", V1), ("h2", V1), ("h3", V1)])
    cadres = write_csv(tmp_path / "c.csv", ["cadre_id", "division_code"], [("c1", V1)])
    result = run("--households", households, "--cadres", cadres, "--max-per-cadre", 2,
                 "--out", tmp_path / "o.parquet")
    assert result.exit_code == 0, result.output
    assert result.output == "assigned 2, kept 0, unassigned 1, total cost 3\n"


def test_gb18030_csv_with_chinese_cadre_numbers(tmp_path):
    households = write_csv(tmp_path / "h.csv", ["household_id", "village_code"], [("h1", V1)])
    cadres = write_csv(tmp_path / "干部.csv", ["cadre_id", "division_code"], [("巫山-张三", V1)],
                       encoding="gb18030")
    out = tmp_path / "o.parquet"
    result = run("--households", households, "--cadres", cadres, "--out", out)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).to_pylist() == [{"cadre_id": "巫山-张三", "household_id": "h1", "kept": False}]


def test_an_unknown_cadre_in_pairs_is_one_sentence(tmp_path):
    households, cadres, _ = files(tmp_path)
    pairs = write_csv(tmp_path / "pairs.csv", ["cadre_id", "household_id"], [("c1", "h1"), ("c9", "h2")])
    out = tmp_path / "out.parquet"
    result = run("--households", households, "--cadres", cadres, "--pairs", pairs, "--out", out)
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.count("\n") == 0 and "Traceback" not in message
    assert str(pairs) in message and "data row 2" in message and "cadre_id" in message and "'c9'" in message
    assert not out.exists()


def test_a_household_in_two_pairs_is_refused(tmp_path):
    households, cadres, _ = files(tmp_path)
    pairs = write_csv(tmp_path / "pairs.csv", ["cadre_id", "household_id"],
                      [("c1", "h1"), ("c2", "h2"), ("c3", "h1")])
    result = run("--households", households, "--cadres", cadres, "--pairs", pairs, "--out", tmp_path / "o.parquet")
    assert result.exit_code == 1
    assert "pairs.csv, data row 3, column household_id, value 'h1': the household is in two pairs" in result.output


def test_a_malformed_code_names_file_row_column_value(tmp_path):
    households = write_xlsx(tmp_path / "h.xlsx", ["household_id", "village_code"],
                            [("h1", V1), ("h2", "5002371010")])
    _, cadres, _ = files(tmp_path)
    result = run("--households", households, "--cadres", cadres, "--out", tmp_path / "o.parquet")
    assert result.exit_code == 1
    assert "h.xlsx, data row 2, column village_code, value '5002371010': not a village code" in result.output


def test_a_missing_column_and_an_unreadable_file(tmp_path):
    households = write_csv(tmp_path / "h.csv", ["household_id", "village"], [("h1", V1)])
    _, cadres, _ = files(tmp_path)
    result = run("--households", households, "--cadres", cadres, "--out", tmp_path / "o.parquet")
    assert result.exit_code == 1
    assert "h.csv: the column village_code is missing" in result.output
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    result = run("--households", text, "--cadres", cadres, "--out", tmp_path / "o.parquet")
    assert result.exit_code == 1 and "notes.txt" in result.output and "Traceback" not in result.output
