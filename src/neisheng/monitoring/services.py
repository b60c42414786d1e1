"""Writes of the monitoring workflow: a monitoring run on the registry in the database,
and storing the engine's results into the run's row so that pages can filter by risk,
explain why and compare runs.

A run's row exists before its results (`runs.run_start` answers at once): the results,
counts, region summaries and the warning lists built on them (`platform.extensions.
run_finished`) are stored in ONE transaction with `finished_at`, so a run is either
finished with everything or has nothing; a failed run keeps its one-sentence `error`.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection, transaction
from django.utils import timezone

from neisheng.divisions import PREFIX_LENGTH, level_of
from neisheng.monitoring.models import (
    HouseholdResult,
    MonitoringRun,
    PolicyVersion,
    RecommendedMeasure,
    RegionSummary,
)
from neisheng.monitoring.scope_figures import scope_figures_store
from neisheng.platform.bulk import insert_rows
from neisheng.platform.extensions import RunExport, run_finished
from neisheng.platform.listing import last_write_event

RESULT_FIELDS = [
    "size", "income_pc", "prev_income_pc", "rigid_pc", "risk", "reasons", "monitor_type",
    "stability", "motivation_score", "motivation_poor",
]
REGION_KEYS = ("code", "name", "level", "parent_code")
# Shown to whoever started a run that failed for a reason the program did not expect
# (its traceback stays with the job, for administrators).
FAILED_SENTENCE = "监测运行失败,管理员可查看原因 / the monitoring run failed; an administrator can see why"

Progress = Callable[[str, int, int], None]


class MonitoringError(Exception):
    """A run that cannot start or could not finish (a policy that does not parse or is
    for another year). The message is one sentence in Chinese and English."""


def _deprived(results: pa.Table) -> pa.Array:
    """The indicators each household is deprived in, "will;skill", from the engine's
    d_<indicator> columns (in the policy's order), by Arrow compute (a million rows)."""
    names = [n for n in results.column_names if n.startswith("d_")]
    if not names:
        return pa.array([""] * results.num_rows, pa.string())
    parts = [pc.if_else(pc.fill_null(results[n], False), n[2:] + ";", "") for n in names]
    return pc.utf8_rtrim(pc.binary_join_element_wise(*parts, ""), characters=";").combine_chunks()


def _registry_households() -> pa.Array:
    from neisheng.registry.holds import household_ids_held

    return pa.array(household_ids_held(), pa.string())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


def _within(code: str | None, division_code: str) -> bool:
    # A division's code starts with the significant digits of every division above it.
    if not division_code:
        return True
    return bool(code) and code.startswith(division_code[: PREFIX_LENGTH[level_of(division_code)]])


def _regions(out_dir: Path, run: MonitoringRun) -> list[RegionSummary]:
    """region_summary.parquet as rows of the run: the run's own division and those under
    it (a county's snapshot carries its ancestors too, summed over that county only)."""
    path = out_dir / "region_summary.parquet"
    if not path.exists():
        return []
    rows = []
    for row in pq.read_table(path).to_pylist():
        if not _within(row["code"], run.division_code):
            continue
        # JSON has no NaN: a ratio of nothing is stored as null (as the engine means it).
        values = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()
                  if k not in REGION_KEYS}
        rows.append(RegionSummary(run=run, code=row["code"], name=row["name"] or "", level=row["level"],
                                  parent_code=row["parent_code"] or "", values=values))
    return rows


def _statistics_refresh(models) -> None:
    """PostgreSQL plans the listeners' queries (warning lists, home figures) over the rows
    just copied in, in this same transaction: with the tables' statistics from before a
    million new rows it picks plans for a few."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def run_results_store(*, run: MonitoringRun, out_dir: Path, seconds: float | None = None,
                      export: RunExport | None = None, last_write_at_export: int | None = None) -> MonitoringRun:
    """Store household_results, measures and region_summary (as `neisheng monitor` writes
    them in `out_dir`) into `run`, with its counts and `finished_at`, then tell the apps
    that build on a run (`run_finished`) and count the home pages' figures of its scopes
    (`scope_figures`; those counted from the run's `export` only if the registry's last
    write is still `last_write_at_export`), all in one transaction.

    A household may have left the registry between the export and the load; its results
    are dropped rather than failing the whole run."""
    out_dir = Path(out_dir)
    known = _registry_households()
    results = pq.read_table(out_dir / "household_results.parquet")
    results = results.filter(pc.is_in(results["household_id"], value_set=known))
    results = results.select(["household_id", *RESULT_FIELDS]).append_column("deprived", _deprived(results))
    measures = pq.read_table(out_dir / "measures.parquet")
    measures = measures.filter(pc.is_in(measures["household_id"], value_set=known))

    results = results.append_column("run_id", pa.array([run.pk] * results.num_rows, pa.int64()))
    measures = measures.append_column("run_id", pa.array([run.pk] * measures.num_rows, pa.int64()))
    measures = measures.set_column(
        measures.schema.get_field_index("person_id"), "person_id", pc.fill_null(measures["person_id"], "")
    )
    insert_rows(HouseholdResult, results, ["household_id", "run_id", *RESULT_FIELDS, "deprived"])
    insert_rows(RecommendedMeasure, measures, ["household_id", "run_id", "measure", "person_id", "explanation"])
    RegionSummary.objects.bulk_create(_regions(out_dir, run), batch_size=1000)
    _statistics_refresh([HouseholdResult, RecommendedMeasure])

    risks = {row["values"]: row["counts"] for row in pc.value_counts(results["risk"]).to_pylist()}
    run.households = results.num_rows
    run.red, run.yellow, run.green = (risks.get(r, 0) for r in ("red", "yellow", "green"))
    run.seconds = seconds if seconds is not None else run.seconds
    run.finished_at = timezone.now()
    run.error = ""
    run.save(update_fields=["households", "red", "yellow", "green", "seconds", "finished_at", "error"])
    run_finished(run)
    # Last: the home pages' figures count what the listeners above stored too.
    scope_figures_store(run, export=export, last_write_at_export=last_write_at_export)
    return run


@transaction.atomic
def run_create(*, year: int, policy_source: str, policy_text: str = "", policy_version: PolicyVersion | None = None,
               started_by=None, division_code: str = "", job_id: int | None = None) -> MonitoringRun:
    """The row of a run about to start: no results, `finished_at` empty."""
    return MonitoringRun.objects.create(
        year=year, policy=policy_source, policy_text=policy_text, policy_sha256=_sha256(policy_text),
        policy_version=policy_version, started_by=started_by, division_code=division_code, job_id=job_id,
    )


def run_fail(*, run: MonitoringRun, error: str, seconds: float | None = None) -> MonitoringRun:
    """Record why a run did not finish (one sentence, "中文 / English"); it keeps no result."""
    run.error = (error.splitlines() or [FAILED_SENTENCE])[0][:500]
    run.seconds = seconds
    run.save(update_fields=["error", "seconds"])
    return run


@transaction.atomic
def monitoring_results_load(*, out_dir: Path, year: int, policy_source: str, policy_text: str = "",
                            started_by=None, seconds: float | None = None,
                            division_code: str = "") -> MonitoringRun:
    """Load the engine's output files (as `neisheng monitor` writes them) for the
    households in the registry as a new, finished run. Earlier runs and their results
    are kept; "the latest run" is `selectors.latest_run`.

    `policy_text` is the resolved policy the run used (`policy.resolved_policy_text`),
    stored with its SHA-256 so pages explain this run with its own thresholds."""
    run = run_create(year=year, policy_source=policy_source, policy_text=policy_text, started_by=started_by,
                     division_code=division_code)
    return run_results_store(run=run, out_dir=out_dir, seconds=seconds)


def policy_resolve(*, year: int, policy_path: Path | None = None):
    """The policy a run of `year` uses: the file given, else the year's active version,
    else the built-in policy; refused (MonitoringError) when it does not parse or is for
    another year. Returns `policies.PolicyInUse`."""
    from neisheng.monitoring.policies import PolicyInUse, policy_for_year
    from neisheng.policy import PolicyError, load_policy, resolved_policy_text

    try:
        if policy_path is not None:
            in_use = PolicyInUse(load_policy(policy_path), resolved_policy_text(policy_path), None)
        else:
            in_use = policy_for_year(year)
    except PolicyError as exc:
        raise MonitoringError(str(exc)) from exc
    if in_use.policy.year != year:
        raise MonitoringError(
            f"{in_use.policy.source}: 政策年度 {in_use.policy.year} 与监测年度 {year} 不符 / "
            f"the policy is for {in_use.policy.year}, not {year}"
        )
    return in_use


def _no_progress(step: str, done: int, total: int) -> None:
    return None


RUN_STEPS = ("export", "engine", "store")


def monitoring_run(*, year: int, policy_path: Path | None = None, work_dir: Path, started_by=None,
                   division_code: str = "", run: MonitoringRun | None = None,
                   progress: Progress = _no_progress) -> MonitoringRun:
    """Monitor the registry as it stands in the database (all of it, or `division_code`):
    export it as a snapshot in `work_dir`, run the engine (embedded DuckDB) and store the
    results into the run, which keeps the resolved policy it used, who started it and how
    long it took. `run`: a row made by `runs.run_start` (its policy already chosen); else
    one is made here. `progress(step, done, total)` is told as each of RUN_STEPS starts.

    A policy that cannot be used raises MonitoringError before any row is made; a run that
    fails later keeps its error sentence and no result, and raises MonitoringError (or
    the unexpected exception, after recording FAILED_SENTENCE)."""
    from neisheng.engine import backend, monitor
    from neisheng.policy import PolicyError
    from neisheng.registry.snapshots import snapshot_export

    if run is None:
        in_use = policy_resolve(year=year, policy_path=policy_path)
        run = run_create(year=year, policy_source=in_use.policy.source, policy_text=in_use.text,
                         policy_version=in_use.version, started_by=started_by, division_code=division_code)
    started = time.perf_counter()
    try:
        try:
            policy = run.resolved_policy()
        except PolicyError as exc:
            raise MonitoringError(str(exc)) from exc
        work_dir = Path(work_dir)
        snapshot_dir, out_dir = work_dir / "snapshot", work_dir / "results"
        for stale in (snapshot_dir, out_dir):
            # A table left from an earlier export must not be read as part of this one.
            shutil.rmtree(stale, ignore_errors=True)
        progress("export", 0, len(RUN_STEPS))
        last_write_at_export = last_write_event()
        snapshot_export(directory=snapshot_dir, fmt="parquet", headers="en", user=run.started_by,
                        division_code=run.division_code)
        progress("engine", 1, len(RUN_STEPS))
        con = backend.connect("duckdb")
        try:
            tables, divisions = backend.open_snapshot(con, snapshot_dir)
            backend.write_results(con, monitor(tables, divisions, policy), out_dir)
        finally:
            con.disconnect()
        progress("store", 2, len(RUN_STEPS))
        run = run_results_store(run=run, out_dir=out_dir, seconds=time.perf_counter() - started,
                                export=RunExport(snapshot_dir, run.division_code),
                                last_write_at_export=last_write_at_export)
    except MonitoringError as exc:
        run_fail(run=run, error=str(exc), seconds=time.perf_counter() - started)
        raise
    except Exception:
        run_fail(run=run, error=FAILED_SENTENCE, seconds=time.perf_counter() - started)
        raise
    progress("done", len(RUN_STEPS), len(RUN_STEPS))
    return run
