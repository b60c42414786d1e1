"""The "assign" button (grid.md, "Automatic assignment") on the database: one
AssignmentRun per press, run as a background job (platform.jobs) that hands the tables
of grid.selectors to the same engine function `neisheng assign-cadres` uses.

What the job reads, for a press on a county or a town:
- households: those needing a cadre (grid.selectors.needing_cadre_table) under the chosen
  division only;
- cadres: the active assistance cadres of the division's whole COUNTY (grid.md: a cadre
  of the county may be assigned anywhere in it);
- pairs: every active pair of those cadres in the county, so that households a cadre
  already has elsewhere in the county count against its capacity. A household of the
  division already paired with a cadre the engine does not know (one no longer active or
  no longer an assistance cadre) keeps that pair and is left out: it has a cadre.

The new pairs are written with grid.services.cadre_pairs_create_many(source="auto",
assignment=run) in one transaction with the run's counts and its audit event; a failure
(bad data, a pair made by hand meanwhile) leaves the sentence on the run and no pair.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_noop

from neisheng.accounts.access import GRID_ASSIGN, user_may
from neisheng.accounts.services import audit_record
from neisheng.grid import selectors
from neisheng.grid.models import AssignmentRun, Cadre, PairSource
from neisheng.platform import scope
from neisheng.platform.access import refusal
from neisheng.platform.jobs import JobError, job_progress, job_start
from neisheng.registry.models import Division, Household

KIND = "grid_assignment"
FUNC_PATH = "neisheng.grid.assign.assignment_job"
# Levels the button may be pressed on: a county (3) or a town (4). A village has too few
# cadres of its own to be worth a run; its town's run covers it.
LEVELS = (3, 4)
STEPS = 3  # read, solve, write
FAILED_SENTENCE = "分配失败,管理员可查看原因。 / the assignment failed; an administrator can see why."
NOT_A_COUNTY_OR_TOWN = "只能为县或乡镇分配帮扶责任人 / cadres are assigned for a county or a town"


class AssignmentFailed(Exception):
    """A run that cannot complete: one sentence, "中文 / English"."""


def assignment_division(user, division_code: str) -> Division:
    """The county or town the user may run the assignment on (Http404 outside their
    scope, as for any record they cannot see)."""
    division = scope.visible_to(user, Division).filter(code=division_code).first()
    if division is None:
        raise Http404("没有这个区划 / no such division")
    if division.level not in LEVELS:
        raise PermissionDenied(NOT_A_COUNTY_OR_TOWN)
    return division


@transaction.atomic
def assignment_start(*, user, division_code: str) -> AssignmentRun:
    """Make the run's row and queue its job; returns at once."""
    if not user_may(user, GRID_ASSIGN):
        raise PermissionDenied(refusal(GRID_ASSIGN))
    division = assignment_division(user, division_code)
    run = AssignmentRun.objects.create(division_code=division.code, started_by=user)
    job = job_start(kind=KIND, user=user, division_code=division.code, func_path=FUNC_PATH,
                    title=gettext_noop("自动分配帮扶责任人"), run_id=run.pk)
    run.job_id = job.pk
    run.save(update_fields=["job_id"])
    audit_record(user=user, action="create", division_code=division.code, object_type="assignment_run",
                 object_id=str(run.pk))
    return run


def assignment_job(*, job_id: int, run_id: int) -> dict:
    """In the worker: the run, with its progress; its failure as the job's sentence."""
    run = assignment_execute(run_id, job_id=job_id)
    if run.error:
        raise JobError(run.error)
    job_progress(job_id, done=STEPS, total=STEPS, message=gettext_noop("已完成"))
    return {"run": run.pk, "assigned": run.assigned, "kept": run.kept, "unassigned": run.unassigned}


def assignment_tables(division_code: str) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(households, cadres, pairs) as the engine takes them, for a run on the division."""
    county = selectors.county_of(division_code)
    cadres = selectors.cadres_table(division_code=division_code)
    known = set(cadres.column("cadre_id").to_pylist())
    county_pairs = selectors.active_pairs_table(division_code=county)
    of_known = pc.is_in(county_pairs.column("cadre_id"), value_set=pa.array(sorted(known), pa.string()))
    pairs = county_pairs.filter(of_known)
    paired_elsewhere = county_pairs.filter(pc.invert(of_known)).column("household_id").combine_chunks()
    needing = selectors.needing_cadre_table(division_code=division_code).select(["household_id", "village_code"])
    needing = needing.filter(pc.invert(pc.is_in(needing.column("household_id"), value_set=paired_elsewhere)))
    return needing, cadres.select(["cadre_id", "division_code", "capacity"]), pairs


def assignment_execute(run_id: int, *, job_id: int | None = None) -> AssignmentRun:
    """Run the assignment of `run_id` and store what it did; the run with its counts, or
    with `error` set and no pair written."""
    from neisheng.engine.assignment import AssignmentInputError, assign_cadres
    from neisheng.grid.errors import GridRefused
    from neisheng.grid.services import cadre_pairs_create_many
    from neisheng.monitoring.policies import policy_current

    run = AssignmentRun.objects.select_related("started_by").get(pk=run_id)
    if run.finished_at is not None:  # a job run twice assigns once
        return run

    def progress(done: int, message: str) -> None:
        if job_id is not None:
            job_progress(job_id, done=done, total=STEPS, message=message)

    try:
        progress(0, gettext_noop("正在读取农户和帮扶干部"))
        households, cadres, pairs = assignment_tables(run.division_code)
        policy = policy_current().policy
        progress(1, gettext_noop("正在计算分配方案"))
        try:
            result = assign_cadres(households, cadres, pairs, max_per_cadre=policy.grid_max_per_cadre,
                                   town_cost=policy.grid_town_cost, county_cost=policy.grid_county_cost,
                                   sources=("households", "cadres", "pairs"))
        except AssignmentInputError as exc:
            raise AssignmentFailed(input_sentence(exc, households, cadres, pairs)) from exc
        progress(2, gettext_noop("正在保存结对关系"))
        _store(run, result, cadre_pairs_create_many)
    except (AssignmentFailed, GridRefused) as exc:
        _failed(run, str(exc))
    except PermissionDenied as exc:
        _failed(run, str(exc) or refusal(GRID_ASSIGN))
    except Http404 as exc:
        _failed(run, str(exc) or "没有这个区划 / no such division")
    except Exception:
        # Kept on the run for its page; the traceback stays with the job for administrators.
        _failed(run, FAILED_SENTENCE)
        raise
    run.refresh_from_db()
    return run


COLUMNS_ZH = {"household_id": "户编号", "village_code": "村代码", "cadre_id": "干部编号",
              "division_code": "服务区划代码", "capacity": "包户上限"}


def input_sentence(exc, households: pa.Table, cadres: pa.Table, pairs: pa.Table) -> str:
    """The engine's refusal of a table built from the database, in the terms of the
    database: a table's "data row" means nothing to an officer, the record's number does."""
    tables = {"households": households, "cadres": cadres, "pairs": pairs}
    table = tables.get(exc.source)
    value = "" if exc.value is None else str(exc.value)
    where_zh = where_en = ""
    if table is not None and exc.row is not None and 0 < exc.row <= table.num_rows:
        record = {name: table.column(name)[exc.row - 1].as_py() for name in table.column_names}
        if exc.source == "cadres":
            where_zh, where_en = f"干部 {record['cadre_id']} 的", f"the cadre {record['cadre_id']}: "
        elif exc.source == "households":
            where_zh, where_en = f"户 {record['household_id']} 的", f"the household {record['household_id']}: "
        else:
            where_zh = f"干部 {record['cadre_id']} 与户 {record['household_id']} 的结对中"
            where_en = f"the pair of cadre {record['cadre_id']} and household {record['household_id']}: "
    column = COLUMNS_ZH.get(exc.column, exc.column)
    return (f"数据有误,无法分配:{where_zh}{column}“{value}”不对 / "
            f"the data cannot be assigned: {where_en}{exc.column} '{value}': {exc.reason}")


@transaction.atomic
def _store(run: AssignmentRun, result, create_many) -> None:
    new = result.pairs.filter(pc.invert(result.pairs.column("kept")))
    cadre_ids = new.column("cadre_id").to_pylist()
    household_ids = new.column("household_id").to_pylist()
    cadres = Cadre.objects.in_bulk(set(cadre_ids), field_name="cadre_id")
    households = Household.objects.in_bulk(set(household_ids), field_name="household_id")
    pairs = [(cadres[c], households[h]) for c, h in zip(cadre_ids, household_ids)]
    created = create_many(user=run.started_by, pairs=pairs, started_on=timezone.localdate(),
                          source=PairSource.AUTO, assignment=run) if pairs else 0
    run.assigned = created
    run.kept = result.kept
    run.unassigned = result.unassigned.num_rows
    run.total_cost = result.total_cost
    run.finished_at = timezone.now()
    run.error = ""
    run.save(update_fields=["assigned", "kept", "unassigned", "total_cost", "finished_at", "error"])
    audit_record(user=run.started_by, action="update", division_code=run.division_code,
                 object_type="assignment_run", object_id=str(run.pk),
                 detail={"assigned": run.assigned, "kept": run.kept, "unassigned": run.unassigned,
                         "total_cost": run.total_cost,
                         "over_capacity": result.over_capacity.num_rows})


def _failed(run: AssignmentRun, sentence: str) -> None:
    AssignmentRun.objects.filter(pk=run.pk).update(error=sentence[:2000], finished_at=timezone.now())
    audit_record(user=run.started_by, action="update", division_code=run.division_code,
                 object_type="assignment_run", object_id=str(run.pk), detail={"error": sentence[:300]})


def assignment_runs_visible_to(user):
    """The runs of the user's division and under it, and those of the town and county
    above it (a village sees the run that paired its households; its pages show the
    village's pairs only, scoped as every pair)."""
    runs = AssignmentRun.objects.select_related("started_by")
    if scope.code_range(user) is None:
        return runs
    if not user.division_id:
        return runs.none()
    above, node = [], user.division
    while node.parent_id:
        above.append(node.parent_id)
        node = node.parent
    return runs.filter(scope.within(user, "division_code") | Q(division_code__in=above))


RUNNING, FINISHED, FAILED = "running", "finished", "failed"


def assignment_status(run: AssignmentRun, job=None) -> str:
    """running, finished or failed (a job that failed outside the run, a stopped worker,
    fails the run too)."""
    if run.error:
        return FAILED
    if run.finished_at is not None:
        return FINISHED
    if job is not None and job.status == job.Status.FAILED:
        return FAILED
    return RUNNING
