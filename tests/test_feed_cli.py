"""`neisheng feed match` as a county officer runs it (feeds.md "CLI"): a feed and a
snapshot folder in, matches.parquet and findings.parquet out with exactly feeds.md's
columns, one line of counts; a malformed feed is one sentence naming file, row, column
and value, exit 1, and nothing written."""

from __future__ import annotations

import csv
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from neisheng.cli import main
from neisheng.engine.catalog import write_snapshot
from neisheng.synth import generate_county
from neisheng.synth.feeds import HOMOPHONES

HEADER_ZH = ["证件号码", "姓名", "出生日期", "住址", "死亡日期"]


def run(*args):
    return CliRunner().invoke(main, ["feed", "match", *(str(a) for a in args)])


def write_csv(path, rows, header=HEADER_ZH):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tables = generate_county(households=60, seed=11, year=2026, county_code="500237")
    folder = tmp_path_factory.mktemp("snapshot")
    write_snapshot(tables, folder)
    return tables, folder


def alive_adults(tables) -> list[dict]:
    persons = tables["persons"]
    names = persons.column("name").to_pylist()
    unique = {n for n in names if names.count(n) == 1}
    return [p for p in persons.to_pylist()
            if p["alive"] and p["birth_date"].year < 1990 and p["name"] in unique]


def homophone_of(name: str) -> str | None:
    for i, char in enumerate(name):
        if i > 0 and char in HOMOPHONES:
            return name[:i] + HOMOPHONES[char][0] + name[i + 1:]
    return None


def transposed(id_number: str) -> str:
    """Two neighbouring digits of the sequence part swapped (they must differ)."""
    for i in (14, 13, 12):
        if id_number[i] != id_number[i + 1]:
            return id_number[:i] + id_number[i + 1] + id_number[i] + id_number[i + 2:]
    raise AssertionError(id_number)


def test_exact_probable_unmatched_and_a_finding(tmp_path, registry):
    tables, snapshot = registry
    candidates = alive_adults(tables)
    exact = candidates[0]
    probable = next(p for p in candidates[1:] if homophone_of(p["name"]) and p["sex"] != exact["sex"])
    village_names = dict(zip(tables["divisions"].column("code").to_pylist(),
                             tables["divisions"].column("name").to_pylist()))
    villages = dict(zip(tables["households"].column("household_id").to_pylist(),
                        tables["households"].column("village_code").to_pylist()))
    feed = write_csv(tmp_path / "公安死亡3月.csv", [
        [exact["person_id"][:6] + " " + exact["person_id"][6:].lower(), exact["name"], "", "", "2026-03-02"],
        [transposed(probable["person_id"]), homophone_of(probable["name"]), "",
         village_names[villages[probable["household_id"]]], "2026-03-05"],
        ["110101198001010011", "欧阳无名", "1980-01-01", "北京市东城区", "2026-03-06"],
    ])
    out = tmp_path / "out"

    result = run(feed, "--type", "death", "--snapshot", snapshot, "--out", out)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"3 rows: 1 exact, 1 probable, 0 review, 1 unmatched; 2 findings (written to {out})")
    matches = pq.read_table(out / "matches.parquet")
    assert matches.schema == pa.schema([("row", pa.int64()), ("person_id", pa.string()),
                                        ("household_id", pa.string()), ("match_kind", pa.string()),
                                        ("match_probability", pa.float64())])
    rows = {r["row"]: r for r in matches.to_pylist()}
    assert (rows[2]["person_id"], rows[2]["household_id"], rows[2]["match_kind"], rows[2]["match_probability"]) == (
        exact["person_id"], exact["household_id"], "exact", 1.0)
    assert (rows[3]["person_id"], rows[3]["household_id"], rows[3]["match_kind"]) == (
        probable["person_id"], probable["household_id"], "probable")
    assert rows[3]["match_probability"] >= 0.95
    assert (rows[4]["person_id"], rows[4]["household_id"], rows[4]["match_kind"]) == (None, None, "unmatched")

    findings = pq.read_table(out / "findings.parquet")
    assert findings.schema == pa.schema([("rule", pa.string()), ("household_id", pa.string()),
                                         ("person_id", pa.string()), ("rows", pa.list_(pa.int64())),
                                         ("evidence", pa.string())])
    found = sorted((f["rule"], f["household_id"], f["person_id"], f["rows"]) for f in findings.to_pylist())
    assert found == sorted([
        ("deceased_alive", exact["household_id"], exact["person_id"], [2]),
        ("deceased_alive", probable["household_id"], probable["person_id"], [3]),
    ])
    assert all("2026" in e for e in findings.column("evidence").to_pylist())


def test_a_malformed_feed_is_one_sentence_naming_file_row_column_and_value(tmp_path, registry):
    _, snapshot = registry
    feed = write_csv(tmp_path / "deaths.csv", [
        ["110101198001010011", "张三", "", "", "2026-03-05"],
        ["110101198001010012", "李四", "", "", "2026-02-30"],
        ["110101198001010013", "", "", "", "2026-03-05"],
    ])
    out = tmp_path / "out"

    result = CliRunner().invoke(
        main, ["feed", "match", str(feed), "--type", "death", "--snapshot", str(snapshot), "--out", str(out)])

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    # Every bad row, then the one sentence that ends the run.
    assert lines[0] == f"{feed} 第4行“姓名”列:必填项为空 / {feed} row 4, column name: a required value is empty"
    assert lines[-1].startswith(f"错误 / error: {feed} 第3行“死亡日期”列的值“2026-02-30”:不是有效日期")
    assert f"{feed} row 3, column death_date, value “2026-02-30”: not a valid date" in lines[-1]
    assert lines[-1].endswith("(and 1 more problems); nothing written")
    assert not out.exists()


def test_a_missing_column_a_missing_file_and_a_missing_snapshot_are_one_sentence_each(tmp_path, registry):
    _, snapshot = registry
    feed = write_csv(tmp_path / "roll.csv", [["1", "张三", "2026"]], header=["证件号码", "姓名", "年度"])
    out = tmp_path / "out"

    missing_column = run(feed, "--type", "insurance_roll", "--snapshot", snapshot, "--out", out)
    missing_file = run(tmp_path / "nowhere.csv", "--type", "death", "--snapshot", snapshot, "--out", out)
    missing_snapshot = run(feed, "--type", "insurance_roll", "--snapshot", tmp_path / "nowhere", "--out", out)

    assert missing_column.exit_code == missing_file.exit_code == missing_snapshot.exit_code == 1
    assert missing_column.output.strip().splitlines()[-1] == (
        f"错误 / error: {feed} 第1行“已参保”列:缺少必需的列“已参保” / "
        f"{feed} row 1, column insured: the required column insured is missing; nothing written")
    assert "nowhere.csv" in missing_file.output and "does not exist" in missing_file.output
    assert "nowhere" in missing_snapshot.output and "does not exist" in missing_snapshot.output
    assert not out.exists()


def test_an_unknown_type_is_refused_by_name(tmp_path, registry):
    _, snapshot = registry
    feed = write_csv(tmp_path / "x.csv", [["1", "张三", "", "", "2026-03-05"]])

    result = run(feed, "--type", "weather", "--snapshot", snapshot, "--out", tmp_path / "out")

    assert result.exit_code == 2 and "weather" in result.output


def test_the_output_replaces_an_earlier_run_whole(tmp_path, registry):
    tables, snapshot = registry
    person = alive_adults(tables)[0]
    out = tmp_path / "out"
    first = write_csv(tmp_path / "a.csv", [[person["person_id"], person["name"], "", "", "2026-03-02"]] * 2)
    second = write_csv(tmp_path / "b.csv", [[person["person_id"], person["name"], "", "", "2026-03-02"]])

    assert run(first, "--type", "death", "--snapshot", snapshot, "--out", out).exit_code == 0
    assert run(second, "--type", "death", "--snapshot", snapshot, "--out", out).exit_code == 0

    assert pq.read_table(out / "matches.parquet").num_rows == 1
    assert pc.all(pc.equal(pq.read_table(out / "matches.parquet").column("match_kind"), "exact")).as_py()
    assert sorted(p.name for p in out.iterdir()) == ["findings.parquet", "matches.parquet"]


def test_a_csv_snapshot_is_validated_first_and_a_bad_one_is_one_sentence(tmp_path, registry):
    tables, _ = registry
    person = alive_adults(tables)[0]
    feed = write_csv(tmp_path / "deaths.csv", [[person["person_id"], person["name"], "", "", "2026-03-02"]])
    good = tmp_path / "csv-snapshot"
    write_snapshot(tables, good, fmt="csv", headers="zh")
    bad = tmp_path / "bad-snapshot"
    write_snapshot(tables, bad, fmt="csv")
    lines = (bad / "persons.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r"\d{4}-\d{2}-\d{2}", "1990-02-30", lines[1], count=1)
    (bad / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    ok = run(feed, "--type", "death", "--snapshot", good, "--out", tmp_path / "out")
    refused = run(feed, "--type", "death", "--snapshot", bad, "--out", tmp_path / "out-bad")

    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("1 rows: 1 exact, 0 probable, 0 review, 0 unmatched; 1 findings")
    assert refused.exit_code == 1
    last = refused.output.strip().splitlines()[-1]
    assert last.startswith("错误 / error: persons.csv 第2行 row 2 birth_date = 「1990-02-30」")
    assert last.endswith("nothing written")
    assert not (tmp_path / "out-bad").exists()
