"""The `neisheng` command as a county officer runs it: synth, validate, convert
and one clear sentence with a non-zero exit code when something is wrong."""

import csv

import pyarrow.parquet as pq
from click.testing import CliRunner

from neisheng.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_synth_then_validate_exits_zero(tmp_path):
    result = run("synth", "--households", 400, "--seed", 3, "--out", tmp_path / "snap")
    assert result.exit_code == 0, result.output
    assert "400 户 households" in result.output
    check = run("validate", tmp_path / "snap")
    assert check.exit_code == 0, check.output
    assert check.output.startswith("快照有效 / snapshot valid")


def test_synth_is_deterministic_for_a_seed(tmp_path):
    for name in ("a", "b"):
        assert run("synth", "--households", 200, "--seed", 9, "--out", tmp_path / name).exit_code == 0
    for table in ("households", "persons", "income_items"):
        assert pq.read_table(tmp_path / "a" / f"{table}.parquet").equals(
            pq.read_table(tmp_path / "b" / f"{table}.parquet")
        )


def test_unknown_county_is_one_clear_sentence(tmp_path):
    result = run("synth", "--households", 10, "--county", "999999", "--out", tmp_path / "x")
    assert result.exit_code == 1
    assert "999999" in result.output and "not a known county code" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_a_county_too_large_for_its_codes_is_one_clear_sentence(tmp_path):
    result = run("synth", "--households", 10_000_000, "--out", tmp_path / "x")
    assert result.exit_code == 1
    assert "--households 10000000" in result.output and "several counties" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_validate_missing_folder(tmp_path):
    result = run("validate", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_validate_report_file_lists_every_problem(tmp_path):
    assert run("synth", "--households", 100, "--out", tmp_path / "s", "--format", "csv").exit_code == 0
    csv_path = tmp_path / "s" / "households.csv"
    with open(csv_path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["status"] = "rich"
    rows[1]["housing"] = "shaky"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run("validate", tmp_path / "s", "--report", tmp_path / "problems.csv")
    assert result.exit_code == 1
    report = (tmp_path / "problems.csv").read_text(encoding="utf-8-sig")
    assert "households.csv,2,status,rich,unknown_code" in report
    assert "households.csv,3,housing,shaky,unknown_code" in report


def test_convert_to_a_chinese_workbook(tmp_path):
    assert run("synth", "--households", 50, "--out", tmp_path / "s").exit_code == 0
    result = run("convert", tmp_path / "s", tmp_path / "x", "--format", "xlsx", "--headers", "zh")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "households.xlsx").exists()
    assert run("validate", tmp_path / "x").exit_code == 0

