"""Issue 7, row 7: ten users saving at once on the default SQLite database get no
"database is locked" errors, through the real server (`neisheng serve`, waitress, a file
database in WAL mode) — form saves, API saves and uploads applied at the same time.

The test drives benchmarks/load.py's server and users, so the load test and this test
exercise the same path."""

from __future__ import annotations

import importlib.util
import io
import sys
import threading
from pathlib import Path

import pytest

LOAD_SCRIPT = Path(__file__).resolve().parents[4] / "benchmarks" / "load.py"


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("neisheng_benchmark_load", LOAD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _households_csv(home: Path, household_ids: list[str], willingness: int) -> bytes:
    """An upload of the households table changing these households' willingness."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pq.read_table(home / "demo-snapshot" / "households.parquet")
    table = table.filter(pc.is_in(table["household_id"], pa.array(household_ids)))
    column = table.schema.get_field_index("willingness")
    table = table.set_column(column, "willingness", pa.array([willingness] * table.num_rows, pa.int32()))
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_ten_users_saving_at_once_on_sqlite_get_no_database_locked_errors(tmp_path):
    load = _load_benchmark()
    env = load.prepare(tmp_path, households=60)
    ids = load.households_of(tmp_path)
    editing, uploading = ids[:30], ids[30:46]
    with load.server(env) as base:
        # Ten users, each saving its own three households about ten times, half through
        # the edit form and half through the API.
        tally = load.run(base, editing, users=10, requests=100, seconds=None, kinds=("form_save", "api_put"))
        lost = load.verify(base, tally)

        # Four uploads, checked one after the other, then applied at the same moment.
        uploaders = [load.User(base) for _ in range(4)]
        batches, applied = [], [None] * 4
        for n, user in enumerate(uploaders):
            content = _households_csv(tmp_path, uploading[n::4], willingness=5 if n % 2 else 1)
            answer = user.request("POST", "/transfers/upload/", form={"table": "households"},
                                  files={"file": (f"households-{n}.csv", content)})
            assert answer.status == 302, answer.body[:500]
            batches.append(int(answer.location.rstrip("/").rsplit("/", 1)[1]))
        together = threading.Barrier(4)

        def apply(n: int) -> None:
            together.wait()
            applied[n] = uploaders[n].request("POST", f"/transfers/batches/{batches[n]}/apply/", form={})

        threads = [threading.Thread(target=apply, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        reader = load.User(base)
        uploaded = {hid: reader.request("GET", f"/api/households/{hid}/").json()["willingness"]
                    for hid in uploading}

    saves = len(tally.seconds["form_save"]) + len(tally.seconds["api_put"])
    assert saves >= 90
    assert 500 not in tally.statuses, tally.errors[:3]
    assert tally.errors == [] and lost == []
    assert [a.status for a in applied] == [302] * 4, [a.body[:300] for a in applied]
    for n in range(4):
        for hid in uploading[n::4]:
            assert uploaded[hid] == (5 if n % 2 else 1), f"upload {n} was not applied to {hid}"
