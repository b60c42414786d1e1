"""`neisheng monitor --engine spark` twice in a row in the same folder (issue 17, item 5):
the second run used to stop with LOCATION_ALREADY_EXISTS because the first had left its
tables in ./spark-warehouse. Each run is a process of its own, as a user's would be, on a
CSV snapshot (the path that goes through validation and used to write managed tables)."""

import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from tests.support import require_java

from neisheng.engine.catalog import write_snapshot

pytestmark = pytest.mark.spark


def test_two_runs_in_a_row_leave_nothing_in_the_folder(small_county, tmp_path):
    require_java()
    snapshot = tmp_path / "snapshot"
    write_snapshot(small_county, snapshot, fmt="csv")
    work = tmp_path / "work"
    work.mkdir()
    outputs = []
    for run in ("first", "second"):
        done = subprocess.run(
            [sys.executable, "-m", "neisheng.cli", "monitor", str(snapshot), "--year", "2026",
             "--engine", "spark", "--out", str(tmp_path / run)],
            check=False, cwd=work, capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(pq.read_table(tmp_path / run / "household_results.parquet").sort_by("household_id"))
    assert outputs[0].num_rows == 600
    assert outputs[0].equals(outputs[1])
    assert sorted(p.name for p in work.iterdir()) == []
