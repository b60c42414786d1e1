"""`neisheng monitor` end to end: the files of the contract, the town summary, the
agreement of the region summary with neisheng.engine.poverty, and clear errors."""

import math

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from neisheng.cli import main
from neisheng.engine import backend, classify, monitor
from neisheng.engine.catalog import write_snapshot
from neisheng.engine.measures import MEASURES
from neisheng.engine.poverty import alkire_foster, fgt, watts
from neisheng.policy import load_policy

HOUSEHOLD_COLUMNS = [
    "household_id", "village_code", "size", "income_pc", "prev_income_pc", "rigid_pc", "risk",
    "reasons", "monitor_type", "stability", "motivation_score", "motivation_poor",
    "d_will", "d_participation", "d_education", "d_skill", "d_cooperative", "d_industry_link",
    "d_employment", "d_credit",
]


@pytest.fixture(scope="module")
def county_run(small_county, tmp_path_factory):
    snapshot = tmp_path_factory.mktemp("snapshot")
    write_snapshot(small_county, snapshot)
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["monitor", str(snapshot), "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return snapshot, out, result.output


def test_writes_the_three_outputs_with_contract_columns(county_run, small_county):
    _, out, _ = county_run
    households = pq.read_table(out / "household_results.parquet")
    assert households.column_names == HOUSEHOLD_COLUMNS
    assert households.num_rows == small_county["households"].num_rows
    assert set(pc.unique(households["risk"]).to_pylist()) <= {"red", "yellow", "green", None}
    measures = pq.read_table(out / "measures.parquet")
    assert measures.column_names == ["household_id", "measure", "person_id", "explanation"]
    assert set(pc.unique(measures["measure"]).to_pylist()) <= set(MEASURES)
    summary = pq.read_table(out / "region_summary.parquet")
    assert summary.num_rows == small_county["divisions"].num_rows
    county = summary.filter(pc.equal(summary["level"], 3)).to_pylist()[0]
    assert county["households"] == pc.sum(pc.greater(households["size"], 0)).as_py()
    assert county["risk_red"] + county["risk_yellow"] + county["risk_green"] == county["households"]


def test_prints_a_summary_by_town(county_run, small_county):
    _, _, output = county_run
    divisions = small_county["divisions"]
    towns = divisions.filter(pc.equal(divisions["level"], 4))["name"].to_pylist()
    for town in towns:
        assert town in output
    assert "巫山县" in output
    assert "M0" in output


def test_skills_explanation_names_the_facts(county_run):
    _, out, _ = county_run
    measures = pq.read_table(out / "measures.parquet").to_pylist()
    training = [m for m in measures if m["measure"] == "skills_training"]
    assert training
    text = training[0]["explanation"]
    assert text.startswith("成员") and "某(" in text and "岁, " in text and text.endswith("未掌握实用技能")
    assert all(m["person_id"] for m in training)


def test_region_summary_agrees_with_the_poverty_functions(county_run):
    snapshot, out, _ = county_run
    policy = load_policy()
    con = backend.connect()
    tables, _ = backend.open_snapshot(con, snapshot)
    frame = classify.assess(tables["households"], tables["persons"], tables["income_items"], policy)
    names = [i.name for i in policy.indicators]
    data = frame.select("size", "net_fen", *[f"d_{n}" for n in names]).to_pyarrow()
    size = np.asarray(data["size"].to_numpy(), dtype=float)
    keep = size > 0
    deprived = np.column_stack([data[f"d_{n}"].to_numpy(zero_copy_only=False) for n in names])[keep]
    af = alkire_foster(deprived, [i.weight for i in policy.indicators], policy.motivation_k)
    incomes = np.asarray(data["net_fen"].to_numpy(), dtype=float)[keep] / size[keep] / 100
    summary = pq.read_table(out / "region_summary.parquet")
    county = summary.filter(pc.equal(summary["level"], 3)).to_pylist()[0]
    assert county["motivation_H"] == pytest.approx(af.H, rel=1e-12)
    assert county["motivation_A"] == pytest.approx(af.A, rel=1e-12)
    assert county["motivation_M0"] == pytest.approx(af.M0, rel=1e-12)
    for j, name in enumerate(names):
        assert county[f"ch_{name}"] == pytest.approx(af.censored_headcounts[j], rel=1e-12)
        assert county[f"contrib_{name}"] == pytest.approx(af.contributions[j], rel=1e-12)
    z = float(policy.poverty_line)
    for alpha in (0, 1, 2):
        assert county[f"fgt{alpha}"] == pytest.approx(fgt(incomes, z, alpha, weights=size[keep]), rel=1e-12)
    assert county["watts"] == pytest.approx(watts(incomes, z, weights=size[keep]), rel=1e-12)
    assert not math.isnan(county["fgt0"])


def test_every_level_adds_up(county_run):
    _, out, _ = county_run
    summary = pq.read_table(out / "region_summary.parquet").to_pylist()
    by_code = {r["code"]: r for r in summary}
    children: dict[str, list] = {}
    for r in summary:
        if r["parent_code"]:
            children.setdefault(r["parent_code"], []).append(r)
    for code, kids in children.items():
        assert by_code[code]["households"] == sum(k["households"] for k in kids)
        assert by_code[code]["motivation_poor"] == sum(k["motivation_poor"] for k in kids)


def test_row_groups_change_nothing(county_run, small_county, tmp_path, monkeypatch):
    """The snapshot writer splits each table into row groups so DuckDB reads them on
    every core; a run over many small row groups must give what one row group gives."""
    import pyarrow as pa

    from neisheng.engine import catalog

    _, out, _ = county_run
    monkeypatch.setattr(catalog, "PARQUET_ROW_GROUP_ROWS", 97)
    write_snapshot(small_county, tmp_path / "snap")
    assert pq.ParquetFile(tmp_path / "snap" / "households.parquet").metadata.num_row_groups > 1
    result = CliRunner().invoke(main, ["monitor", str(tmp_path / "snap"), "--year", "2026",
                                       "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    keys = {"household_results": ["household_id"], "region_summary": ["code"],
            "measures": ["household_id", "measure", "person_id"]}
    for name, key in keys.items():
        expected = pq.read_table(out / f"{name}.parquet").sort_by([(k, "ascending") for k in key])
        got = pq.read_table(tmp_path / "o" / f"{name}.parquet").sort_by([(k, "ascending") for k in key])
        assert got.schema == expected.schema, name
        for column in expected.column_names:
            a, b = got[column].to_pylist(), expected[column].to_pylist()
            if pa.types.is_floating(expected.schema.field(column).type):
                # Sums of floats follow the order the threads add them in, run to run.
                assert a == pytest.approx(b, rel=1e-12, nan_ok=True), (name, column)
            else:
                assert a == b, (name, column)


def test_bad_policy_names_the_key(county_run, tmp_path):
    snapshot, _, _ = county_run
    policy = tmp_path / "county.yaml"
    policy.write_text("year: 2026\ndrop_ratio: -0.3\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["monitor", str(snapshot), "--year", "2026", "--policy", str(policy),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "drop_ratio" in result.output and "-0.3" in result.output
    assert not (tmp_path / "out").exists()


def test_policy_year_must_match(county_run, tmp_path):
    snapshot, _, _ = county_run
    result = CliRunner().invoke(main, ["monitor", str(snapshot), "--year", "2025", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "2025" in result.output and "2026" in result.output


def test_invalid_csv_snapshot_is_refused_with_its_row(small_county, tmp_path):
    households = small_county["households"]
    values = households["water"].to_pylist()
    values[2] = "muddy"
    import pyarrow as pa

    broken = households.set_column(households.column_names.index("water"), "water", pa.array(values))
    write_snapshot(dict(small_county, households=broken.cast(households.schema)), tmp_path / "snap", fmt="csv")
    result = CliRunner().invoke(main, ["monitor", str(tmp_path / "snap"), "--year", "2026", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "households.csv 第4行 row 4 water = 「muddy」" in result.output
    assert not (tmp_path / "o").exists()


def test_a_county_policy_overrides_its_province(county_run, tmp_path):
    snapshot, out, _ = county_run
    (tmp_path / "province.yaml").write_text("year: 2026\nmonitoring_threshold: 8050\n", encoding="utf-8")
    (tmp_path / "county.yaml").write_text("extends: province.yaml\nrules:\n  training_ages: [18, 55]\n",
                                          encoding="utf-8")
    policy = load_policy(tmp_path / "county.yaml")
    assert policy.monitoring_threshold == 8050
    assert (policy.training_ages.low, policy.training_ages.high) == (18, 55)
    assert policy.job_placement_ages.high == 59  # inherited from the default
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, snapshot)
    lower = monitor(tables, divisions, policy).household_results.to_pyarrow()
    default = pq.read_table(out / "household_results.parquet")
    yellow = lambda t: pc.sum(pc.equal(t["risk"], "yellow")).as_py()
    assert yellow(lower) <= yellow(default)
