"""The audit's nine checks give the same findings, evidence and order on Spark (local
mode) as on DuckDB: one county's mixed data with a finding of every rule, and an empty one."""

import pytest
from tests.engine import test_project_audit as cases
from tests.support import require_java

from neisheng.engine.project_audit import CHECKS, FINDING_SCHEMA, audit_all, empty_tables

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    require_java()
    from neisheng.engine.backend import spark_session

    return spark_session()


def test_mixed_county_identical_on_both_backends(spark):
    tables = cases.make_tables(**cases.mixed_rows())
    duck = audit_all(tables, policy=cases.POLICY, backend="duckdb")
    on_spark = audit_all(tables, policy=cases.POLICY, backend="spark")
    assert on_spark.schema == FINDING_SCHEMA
    assert set(duck["rule"].to_pylist()) == set(CHECKS)
    assert on_spark.to_pylist() == duck.to_pylist()


def test_empty_county_on_spark(spark):
    result = audit_all(empty_tables(), policy=cases.POLICY, backend="spark")
    assert result.schema == FINDING_SCHEMA and result.num_rows == 0


def test_spark_leaves_no_tables_behind(spark):
    before = {row.tableName for row in spark.sql("SHOW TABLES").collect()}
    audit_all(cases.make_tables(**cases.mixed_rows()), policy=cases.POLICY, backend="spark")
    after = {row.tableName for row in spark.sql("SHOW TABLES").collect()}
    assert not {name for name in after - before if name.startswith("project_audit_")}
