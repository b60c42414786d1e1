"""The same linkage model on Spark (local mode) gives every feed row the same outcome as
on DuckDB: the settings are built per backend from one description (engine.linkage)."""

from __future__ import annotations

import pytest
from tests.engine.linkage_tables import DIVISIONS, HOUSEHOLDS, PERSONS, sample_feed
from tests.support import require_java

from neisheng.engine.linkage import link_feed

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    require_java()
    from neisheng.engine.backend import spark_session

    # The engine's one session (monitoring's Spark tests share it), which carries Splink's
    # similarity functions whichever test starts it first.
    session = spark_session()
    return session


def test_spark_gives_the_same_outcome_for_every_row(spark):
    feed, _ = sample_feed()
    kwargs = {"persons": PERSONS, "households": HOUSEHOLDS, "divisions": DIVISIONS, "auto_accept": 0.95,
              "review": 0.5}
    duck = link_feed(feed, backend="duckdb", **kwargs)
    on_spark = link_feed(feed, backend="spark", spark=spark, **kwargs)
    columns = ["row", "person_id", "household_id", "match_kind"]
    assert on_spark.matches.select(columns).to_pylist() == duck.matches.select(columns).to_pylist()
    for a, b in zip(duck.matches.to_pylist(), on_spark.matches.to_pylist()):
        for column in ("match_probability", "match_weight"):
            assert (a[column] is None) == (b[column] is None)
            if a[column] is not None:
                assert b[column] == pytest.approx(a[column], rel=1e-9, abs=1e-9)
    levels = [c for c in duck.pairs.column_names if c.startswith("level_")]
    assert on_spark.pairs.select(["row", "rank", "person_id", *levels]).to_pylist() == duck.pairs.select(
        ["row", "rank", "person_id", *levels]).to_pylist()
