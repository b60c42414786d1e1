"""`neisheng survey report` as an organiser runs it (surveys.md "CLI"): a questionnaire and
a CSV of returned questionnaires in; summary.json, distribution.parquet and invalid.parquet
out with exactly the spec's keys and columns, one line of summary; a bad questionnaire or
a bad file is one sentence, exit 1, and nothing written."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from neisheng.cli import main

QUESTIONNAIRE = """\
code: village-2026
title: 村民满意度调查
groups: {helper: 扶贫主体, household: 脱贫主体}
questions:
  - code: difficulties
    text: 最大难点(可多选)
    type: multiple
    options: {A: 意愿不强, B: 参与度低, C: 其他}
  - code: satisfied
    text: 您对本村帮扶工作满意吗
    type: single
    options: {A: 满意, B: 基本满意, C: 不满意}
    rate: satisfaction
    rate_yes: [A, B]
    groups: [household]
  - code: will
    text: 我愿意靠自己的努力致富
    type: likert
    scale: 5
"""

HEADER = ["respondent_id", "group", "village_code", "difficulties", "satisfied", "will"]
ROWS = [
    ["R1", "脱贫主体", "500237001001", "A;B", "A", "4"],
    ["R2", "household", "500237001001", "B", "B", "5"],
    ["R3", "扶贫主体", "500237001001", "A、C", "", "3"],
    ["R2", "household", "500237001001", "C", "C", "2"],    # row 5: duplicate
    ["R5", "household", "500237001002", "A", "D", "9"],    # row 6: out of range, twice
    ["R6", "村民", "500237001002", "", "A", "4"],          # row 7: unknown group, incomplete
]


def run(*args):
    return CliRunner().invoke(main, ["survey", "report", *(str(a) for a in args)])


@pytest.fixture
def files(tmp_path):
    questionnaire = tmp_path / "问卷.yaml"
    questionnaire.write_text(QUESTIONNAIRE, encoding="utf-8")
    responses = tmp_path / "回收.csv"
    with open(responses, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return questionnaire, responses


def test_report_files_and_line(tmp_path, files):
    questionnaire, responses = files
    out = tmp_path / "out"
    result = run(questionnaire, responses, "--issued", 8, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["distribution.parquet", "invalid.parquet", "summary.json"]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {
        "issued": 8, "returned": 6, "valid": 3, "response_rate": 0.75, "validity_rate": 0.375}
    assert result.output.strip().splitlines() == [
        ("issued 8, returned 6, valid 3: 回收率 response rate 75.00%, 有效率 validity rate 37.50%, "
        f"valid of returned 50.00%; 3 invalid (written to {out})")]

    distribution = pq.read_table(out / "distribution.parquet")
    assert distribution.schema.names == ["question", "group", "option", "count", "share"]
    assert [distribution.schema.field(n).type for n in distribution.schema.names] == [
        pa.string(), pa.string(), pa.string(), pa.int64(), pa.float64()]
    rows = [(r["question"], r["group"], r["option"], r["count"], r["share"]) for r in distribution.to_pylist()]
    assert rows == [
        ("difficulties", "helper", "A", 1, 1.0), ("difficulties", "helper", "B", 0, 0.0),
        ("difficulties", "helper", "C", 1, 1.0),
        ("difficulties", "household", "A", 1, 0.5), ("difficulties", "household", "B", 2, 1.0),
        ("difficulties", "household", "C", 0, 0.0),
        ("satisfied", "household", "A", 1, 0.5), ("satisfied", "household", "B", 1, 0.5),
        ("satisfied", "household", "C", 0, 0.0),
        ("will", "helper", "3", 1, 1.0),
        ("will", "household", "4", 1, 0.5), ("will", "household", "5", 1, 0.5),
    ]

    invalid = pq.read_table(out / "invalid.parquet")
    assert invalid.schema == pa.schema([("row", pa.int64()), ("respondent_id", pa.string()),
                                        ("reasons", pa.string())])
    assert invalid.to_pylist() == [
        {"row": 5, "respondent_id": "R2", "reasons": "duplicate"},
        {"row": 6, "respondent_id": "R5", "reasons": "out_of_range"},
        {"row": 7, "respondent_id": "R6", "reasons": "unknown_group;incomplete"},
    ]


def test_excel_export(tmp_path, files):
    from openpyxl import load_workbook

    questionnaire, responses = files
    result = run(questionnaire, responses, "--issued", 8, "--out", tmp_path / "out",
                 "--excel", tmp_path / "报告.xlsx")
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "报告.xlsx", read_only=True)
    assert book.sheetnames == ["汇总", "选项分布", "数值统计", "知晓率满意率", "无效问卷"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert summary["有效率(有效/发放)"] == "37.50%"
    rates = list(book["知晓率满意率"].iter_rows(values_only=True))
    assert rates[1] == ("500237001001", "满意率", 2, 2, "100.00%")


def test_a_bad_file_is_one_sentence_and_nothing_written(tmp_path, files):
    questionnaire, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,village_code,difficulties\nR1,500237001001,A\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(questionnaire, bad, "--issued", 8, "--out", out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        (f"错误 / error: {bad} 第1行“group”列:缺少必需的列“group”(调查对象) / "
        f"{bad} row 1, column group: the required column group is missing; nothing written")]
    assert not out.exists()

    missing = run(questionnaire, tmp_path / "nowhere.xlsx", "--issued", 8, "--out", out)
    assert missing.exit_code == 1 and "nowhere.xlsx" in missing.stderr and "does not exist" in missing.stderr


def test_a_bad_questionnaire_names_the_key(tmp_path, files):
    questionnaire, responses = files
    questionnaire.write_text(QUESTIONNAIRE.replace("type: likert", "type: slider"), encoding="utf-8")
    result = run(questionnaire, responses, "--issued", 8, "--out", tmp_path / "out")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"错误 / error: {questionnaire}: questions.will.type: 未知题型“slider”")
    assert "unknown question type 'slider'" in line and line.endswith("nothing written")
    assert not (tmp_path / "out").exists()


def test_issued_must_be_a_positive_number(tmp_path, files):
    questionnaire, responses = files
    result = run(questionnaire, responses, "--issued", 0, "--out", tmp_path / "out")
    assert result.exit_code != 0 and "--issued" in result.output
