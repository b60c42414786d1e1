"""engine.household.household_results (the households an edit touched, re-evaluated at
once) gives every household exactly the row a monitoring run gives it: every column of
household_results, by the run's own expressions, one household at a time or many."""

from __future__ import annotations

from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from neisheng.engine import backend, monitor
from neisheng.engine import household as one
from neisheng.engine.catalog import write_snapshot
from neisheng.policy import load_policy


@pytest.fixture(scope="module")
def batch_run(small_county, tmp_path_factory):
    """The county through `monitor` as a run computes it (snapshot on disk, DuckDB)."""
    snapshot = tmp_path_factory.mktemp("snapshot")
    write_snapshot(small_county, snapshot)
    con = backend.connect()
    tables, divisions = backend.open_snapshot(con, snapshot)
    out = backend.write_results(con, monitor(tables, divisions, load_policy()), tmp_path_factory.mktemp("out"))
    rows = pq.read_table(out["household_results"]).to_pylist()
    con.disconnect()
    return {row["household_id"]: row for row in rows}


def _rows_by_household(small_county):
    persons, ledger = defaultdict(list), defaultdict(list)
    for person in small_county["persons"].to_pylist():
        persons[person["household_id"]].append(person)
    for item in small_county["income_items"].to_pylist():
        ledger[item["household_id"]].append(item)
    return small_county["households"].to_pylist(), persons, ledger


def test_each_household_alone_gets_the_runs_row(small_county, batch_run):
    policy = load_policy()
    households, persons, ledger = _rows_by_household(small_county)
    assert len(households) == len(batch_run) == 600
    risks = set()
    for household in households:
        hid = household["household_id"]
        row = one.household_result(household, persons[hid], ledger[hid], policy)
        assert row == batch_run[hid], hid
        risks.add(row["risk"])
    assert risks == {"red", "yellow", "green"}  # the county exercises every outcome


def test_many_households_at_once_get_the_runs_rows(small_county, batch_run):
    rows = one.household_results(small_county["households"].to_pylist(), small_county["persons"].to_pylist(),
                                 small_county["income_items"].to_pylist(), load_policy())
    assert rows == batch_run


def test_a_changed_fact_changes_the_row_as_a_run_would(small_county, batch_run):
    policy = load_policy()
    households, persons, ledger = _rows_by_household(small_county)
    green = next(h for h in households if batch_run[h["household_id"]]["risk"] == "green")
    hid = green["household_id"]
    row = one.household_result({**green, "housing": "d_class"}, persons[hid], ledger[hid], policy)
    assert row["risk"] == "red" and "housing" in row["reasons"].split(";")
