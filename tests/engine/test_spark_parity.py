"""The same snapshot gives identical household results and measures on Spark (local
mode) and on DuckDB; the region summary agrees to the last bits of float summation."""

import math

import pytest
from tests.support import require_java

from neisheng.engine import backend, monitor
from neisheng.engine.catalog import write_snapshot
from neisheng.policy import load_policy

pytestmark = pytest.mark.spark


def _sorted_rows(table, keys):
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple("" if r[k] is None else r[k] for k in keys))


@pytest.fixture(scope="module")
def both_engines(small_county, tmp_path_factory):
    require_java()
    snapshot = tmp_path_factory.mktemp("snapshot")
    write_snapshot(small_county, snapshot)
    policy = load_policy()
    results = {}
    for engine in ("duckdb", "spark"):
        con = backend.connect(engine)
        tables, divisions = backend.open_snapshot(con, snapshot)
        run = monitor(tables, divisions, policy)
        results[engine] = {name: run[name].to_pyarrow() for name in backend.OUTPUTS}
    return results


def test_household_results_identical(both_engines):
    duck, spark = both_engines["duckdb"], both_engines["spark"]
    assert duck["household_results"].schema.names == spark["household_results"].schema.names
    assert _sorted_rows(duck["household_results"], ["household_id"]) == _sorted_rows(
        spark["household_results"], ["household_id"]
    )


def test_measures_identical(both_engines):
    keys = ["household_id", "measure", "person_id"]
    duck = _sorted_rows(both_engines["duckdb"]["measures"], keys)
    spark = _sorted_rows(both_engines["spark"]["measures"], keys)
    assert len(duck) > 100
    assert duck == spark


def test_region_summary_agrees(both_engines):
    duck = _sorted_rows(both_engines["duckdb"]["region_summary"], ["code"])
    spark = _sorted_rows(both_engines["spark"]["region_summary"], ["code"])
    assert [r["code"] for r in duck] == [r["code"] for r in spark]
    for a, b in zip(duck, spark):
        for column, value in a.items():
            other = b[column]
            if isinstance(value, float) and not math.isnan(value):
                assert other == pytest.approx(value, rel=1e-12, abs=1e-15), (a["code"], column)
            else:
                both_nan = isinstance(value, float) and isinstance(other, float) and math.isnan(other)
                assert value == other or both_nan, (a["code"], column)
