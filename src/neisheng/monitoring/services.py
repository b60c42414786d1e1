"""Writes of the monitoring workflow: a monitoring run on the registry in the database,
and loading the engine's results so that pages can filter by risk and explain why."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import transaction

from neisheng.monitoring.models import HouseholdResult, MonitoringRun, RecommendedMeasure
from neisheng.platform.bulk import insert_rows

RESULT_FIELDS = [
    "size", "income_pc", "prev_income_pc", "rigid_pc", "risk", "reasons", "monitor_type",
    "stability", "motivation_score", "motivation_poor",
]


class MonitoringError(Exception):
    """A run that cannot start (a policy that does not parse or is for another year).
    The message is one sentence in Chinese and English."""


def _deprived(results: pa.Table) -> pa.Array:
    """The indicators each household is deprived in, "will;skill", from the engine's
    d_<indicator> columns (in the policy's order)."""
    names = [n for n in results.column_names if n.startswith("d_")]
    columns = [results[n].to_pylist() for n in names]
    return pa.array([";".join(n[2:] for n, flag in zip(names, flags) if flag) for flags in zip(*columns)]
                    if names else [""] * results.num_rows, pa.string())


def _registry_households() -> pa.Array:
    from neisheng.registry.models import Household

    return pa.array(list(Household.objects.values_list("household_id", flat=True)), pa.string())


@transaction.atomic
def monitoring_results_load(*, out_dir: Path, year: int, policy_source: str, policy_text: str = "",
                            started_by=None, seconds: float | None = None,
                            division_code: str = "") -> MonitoringRun:
    """Load household_results.parquet and measures.parquet (as `neisheng monitor` writes
    them) for the households in the registry as a new run. Earlier runs and their results
    are kept; "the latest run" is `selectors.latest_run`.

    `policy_text` is the resolved policy the run used (`policy.resolved_policy_text`),
    stored with its SHA-256 so pages explain this run with its own thresholds.

    A household may have left the registry between the export and the load; its results
    are dropped rather than failing the whole run."""
    out_dir = Path(out_dir)
    known = _registry_households()
    results = pq.read_table(out_dir / "household_results.parquet")
    results = results.filter(pc.is_in(results["household_id"], value_set=known))
    results = results.select(["household_id", *RESULT_FIELDS]).append_column("deprived", _deprived(results))
    measures = pq.read_table(out_dir / "measures.parquet")
    measures = measures.filter(pc.is_in(measures["household_id"], value_set=known))

    run = MonitoringRun.objects.create(
        year=year, policy=policy_source, households=results.num_rows, policy_text=policy_text,
        policy_sha256=hashlib.sha256(policy_text.encode("utf-8")).hexdigest() if policy_text else "",
        started_by=started_by, seconds=seconds, division_code=division_code,
    )
    results = results.append_column("run_id", pa.array([run.pk] * results.num_rows, pa.int64()))
    measures = measures.append_column("run_id", pa.array([run.pk] * measures.num_rows, pa.int64()))
    measures = measures.set_column(
        measures.schema.get_field_index("person_id"), "person_id", pc.fill_null(measures["person_id"], "")
    )
    insert_rows(HouseholdResult, results, ["household_id", "run_id", *RESULT_FIELDS, "deprived"])
    insert_rows(RecommendedMeasure, measures, ["household_id", "run_id", "measure", "person_id", "explanation"])
    return run


def monitoring_run(*, year: int, policy_path: Path | None = None, work_dir: Path,
                   started_by=None) -> MonitoringRun:
    """Monitor the registry as it stands in the database: export it as a snapshot in
    `work_dir`, run the engine (embedded DuckDB) and load the results as a new run that
    keeps the resolved policy it used, who started it and how long it took."""
    from neisheng.engine import backend, monitor
    from neisheng.policy import PolicyError, load_policy, resolved_policy_text
    from neisheng.registry.snapshots import snapshot_export

    started = time.perf_counter()
    try:
        policy = load_policy(policy_path)
        policy_text = resolved_policy_text(policy_path)
    except PolicyError as exc:
        raise MonitoringError(str(exc)) from exc
    if policy.year != year:
        raise MonitoringError(
            f"{policy.source}: 政策年度 {policy.year} 与监测年度 {year} 不符 / "
            f"the policy is for {policy.year}, not {year}"
        )
    work_dir = Path(work_dir)
    snapshot_dir, out_dir = work_dir / "snapshot", work_dir / "results"
    for stale in (snapshot_dir, out_dir):
        # A table left from an earlier export must not be read as part of this one.
        shutil.rmtree(stale, ignore_errors=True)
    snapshot_export(directory=snapshot_dir, fmt="parquet", headers="en")
    con = backend.connect("duckdb")
    try:
        tables, divisions = backend.open_snapshot(con, snapshot_dir)
        backend.write_results(con, monitor(tables, divisions, policy), out_dir)
    finally:
        con.disconnect()
    return monitoring_results_load(
        out_dir=out_dir, year=year, policy_source=policy.source, policy_text=policy_text,
        started_by=started_by, seconds=time.perf_counter() - started,
    )
