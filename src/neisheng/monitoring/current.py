"""Results that stay current: a household whose records change is re-evaluated at once
(`household_reevaluate`, called after the edit's transaction commits through
platform.extensions.households_changed) by the engine's own expressions
(engine.household.household_results: a run's household_results over the household's
rows, never a copy of a rule) with the policy in use, and pages show that result until a
newer run covers the household.

Which result is current (`current_results`): the household's re-evaluation when it was
made after the latest finished run covering the household had started, else that run's
result. "Started", not "finished": a run reads the registry after it starts, so an edit
made while it ran may be missing from it; a re-evaluation made then reflects the edit
either way. `changed` says the current risk or reasons differ from that run's result.

The next run confirms: once it is stored (`run_finished`, in its transaction) the
re-evaluations it supersedes (made before it started, of households it covers) are
deleted, and those made while it ran are compared with its results again.

Many households at once (an upload) are evaluated in one batch: their rows go to the
compiled expression together."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone

from neisheng.engine import household as engine_household
from neisheng.engine import schema
from neisheng.monitoring import policies, selectors
from neisheng.monitoring.models import HouseholdResult, MonitoringRun, Reevaluation
from neisheng.platform.bulk import insert_rows
from neisheng.registry.models import Household, IncomeItem, Person

logger = logging.getLogger(__name__)

CHUNK = 2_000  # households per read and per batch through the engine
# Types of the written columns where a column of Python values could be inferred wrongly
# (all None, say); the rest are inferred.
_ARROW_TYPES = {"base_run_id": pa.int64(), "risk": pa.string(), "monitor_type": pa.string(),
                "stability": pa.string(), "motivation_score": pa.float64(), "motivation_poor": pa.bool_(),
                "size": pa.int64(), "income_pc": pa.decimal128(14, 2)}
_RESULT_COLUMNS = ("size", "income_pc", "risk", "reasons", "monitor_type", "stability", "motivation_score",
                   "motivation_poor")
_READ = ("household_id", *_RESULT_COLUMNS, "deprived")


@dataclass(frozen=True)
class CurrentResult:
    household_id: str
    risk: str | None
    reasons: tuple[str, ...]  # codes (engine.schema.REASON); ("no_members",) without alive members
    monitor_type: str | None
    stability: str | None
    income_pc: Decimal | None
    motivation_score: float | None
    motivation_poor: bool | None
    deprived: tuple[str, ...]  # indicators the household is deprived in
    changed: bool  # risk or reasons differ from the result of `run`
    evaluated_at: dt.datetime | None  # when re-evaluated; the run's finish for a run's result
    run: MonitoringRun | None  # the latest finished run covering the household
    reevaluated: bool  # a re-evaluation newer than `run`, not the run's own result
    run_risk: str | None = None  # the household's risk in `run` (None: no result there)

    @property
    def reason_labels(self) -> list[str]:
        return [schema.REASON.get(code, code) for code in self.reasons]


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split(";") if code)


def _differs(risk, reasons, result) -> bool:
    """Whether (risk, reasons) differ from a run's result (a household the run has no
    result for, being new since, differs)."""
    if result is None:
        return True
    return risk != result["risk"] or _codes(reasons) != _codes(result["reasons"])


def policy_in_use(run: MonitoringRun | None) -> policies.PolicyInUse:
    """The policy a re-evaluation uses: the active policy of the year of the run it is
    compared with (monitoring.policies), else today's."""
    return policies.policy_for_year(run.year) if run is not None else policies.policy_current()


# --------------------------------------------------------------------------- reading the registry

def _contract_table(name: str, queryset, renames: dict[str, str] | None = None) -> pa.Table:
    """Rows of `queryset` as the contract's table `name`, read as tuples straight into
    Arrow columns (as a run's snapshot export does): thousands of households' rows
    without a dict or a model instance each."""
    table = schema.TABLES[name]
    fields = [(renames or {}).get(c, c) for c in table.column_names]
    rows = list(queryset.values_list(*fields))
    columns = list(zip(*rows)) if rows else [() for _ in fields]
    return pa.table([pa.array(list(values), c.arrow_type) for values, c in zip(columns, table.columns)],
                    schema=table.arrow_schema)


def _household_tables(ids: list[str]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The households, their persons and their ledger rows as the contract's tables."""
    return (
        _contract_table("households", Household.objects.filter(pk__in=ids).order_by("household_id"),
                        {"village_code": "village_id"}),
        _contract_table("persons", Person.objects.filter(household_id__in=ids).order_by("person_id")),
        _contract_table("income_items", IncomeItem.objects.filter(household_id__in=ids)
                        .order_by("household_id", "year", "item", "id")),
    )


def _results_in(pairs: Iterable[tuple[str, MonitoringRun | None]]) -> dict[str, dict]:
    """household id → its result (risk, reasons, ...) in the given run, one query per run."""
    by_run: dict[int, list[str]] = defaultdict(list)
    for household_id, run in pairs:
        if run is not None:
            by_run[run.pk].append(household_id)
    found = {}
    for run_id, ids in by_run.items():
        for start in range(0, len(ids), CHUNK):
            rows = HouseholdResult.objects.filter(run_id=run_id, household_id__in=ids[start:start + CHUNK]
                                                  ).values_list("household_id", *_RESULT_COLUMNS, "deprived")
            found.update((row[0], dict(zip(_READ, row))) for row in rows)
    return found


# --------------------------------------------------------------------------- re-evaluating

def _deprived(row: dict) -> str:
    # As a run stores them (monitoring.services: the d_<indicator> columns in their order).
    return ";".join(name[2:] for name, flag in row.items() if name.startswith("d_") and flag)


def household_reevaluate(household_ids) -> int:
    """Re-evaluate these households now with the policy in use and keep each one's
    result (replacing its earlier re-evaluation); returns how many were evaluated.
    Households no longer in the registry lose their re-evaluation."""
    ids = sorted({str(i) for i in household_ids if i})
    done = 0
    for start in range(0, len(ids), CHUNK):
        done += _reevaluate_chunk(ids[start:start + CHUNK])
    return done


_WRITTEN = ["household_id", "base_run_id", "evaluated_at", "policy_sha256", *_RESULT_COLUMNS, "deprived", "changed"]


@transaction.atomic
def _reevaluate_chunk(ids: list[str]) -> int:
    households, persons, ledger = _household_tables(ids)
    villages = dict(zip(households["household_id"].to_pylist(), households["village_code"].to_pylist()))
    runs = selectors.latest_runs_by_village(villages.values())
    run_of = {household_id: runs[village] for household_id, village in villages.items()}
    base = _results_in(run_of.items())
    # Households grouped by the run they are compared with: its year picks the policy.
    groups: dict[MonitoringRun | None, list[str]] = defaultdict(list)
    for household_id, run in run_of.items():
        groups[run].append(household_id)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written: dict[str, list] = {name: [] for name in _WRITTEN}
    for run, group in groups.items():
        in_use = policy_in_use(run)
        sha256 = hashlib.sha256(in_use.text.encode("utf-8")).hexdigest()
        if len(groups) > 1:
            members = pa.array(group, pa.string())
            tables = [t.filter(pc.is_in(t["household_id"], value_set=members)) for t in (households, persons, ledger)]
        else:
            tables = [households, persons, ledger]
        for household_id, row in engine_household.household_results_arrow(*tables, in_use.policy).items():
            values = {
                "household_id": household_id, "base_run_id": run.pk if run is not None else None,
                "evaluated_at": now, "policy_sha256": sha256, "deprived": _deprived(row),
                "changed": run is not None and _differs(row["risk"], row["reasons"], base.get(household_id)),
                **{name: row[name] for name in _RESULT_COLUMNS},
            }
            for name in _WRITTEN:
                written[name].append(values[name])
    # Replaced: one row per household. Plain INSERTs (platform.bulk): an upload's
    # thousands of rows without a model instance each.
    Reevaluation.objects.filter(household_id__in=ids).delete()
    columns = {name: pa.array(values, _ARROW_TYPES.get(name)) for name, values in written.items()}
    insert_rows(Reevaluation, pa.table(columns), _WRITTEN)
    selectors.request_memo_clear()
    return len(written["household_id"])


def reevaluate_after_commit(household_ids: list[str]) -> None:
    """The listener of platform.extensions.households_changed. The edit is already
    committed: a re-evaluation that fails must not turn the saved edit into an error
    page; it is logged, and the household shows its run's result until the next run."""
    try:
        household_reevaluate(household_ids)
    except Exception:
        logger.exception("re-evaluation of %d household(s) failed", len(household_ids))


def runs_superseded(run: MonitoringRun) -> None:
    """The listener of platform.extensions.run_finished (inside the run's transaction):
    re-evaluations of households the run covers made before it started are superseded
    by its results; those made while it ran are compared with its results."""
    covered = Reevaluation.objects.all()
    if run.division_code:
        # A range on the village code (an index serves it; a foreign key has no startswith).
        prefix = _prefix(run.division_code)
        covered = covered.filter(household__village_id__gte=prefix.ljust(12, "0"),
                                 household__village_id__lte=prefix.ljust(12, "9"))
    covered.filter(evaluated_at__lt=run.started_at).delete()
    kept = list(covered.filter(evaluated_at__gte=run.started_at))
    results = _results_in((r.household_id, run) for r in kept)
    for reevaluation in kept:
        reevaluation.base_run = run
        reevaluation.changed = _differs(reevaluation.risk, reevaluation.reasons, results.get(reevaluation.household_id))
    Reevaluation.objects.bulk_update(kept, ["base_run", "changed"], batch_size=1_000)


def _prefix(division_code: str) -> str:
    from neisheng.divisions import PREFIX_LENGTH, level_of

    return division_code[: PREFIX_LENGTH[level_of(division_code)]]


# --------------------------------------------------------------------------- what pages show

def _wins(reevaluation: Reevaluation | None, run: MonitoringRun | None) -> bool:
    return reevaluation is not None and (run is None or reevaluation.evaluated_at >= run.started_at)


def current_results(household_ids) -> dict[str, CurrentResult]:
    """household id → its current result (see the module's docstring); households with
    neither a re-evaluation nor a result in a run are left out. The caller has already
    limited the ids to what the user may see (platform.scope)."""
    ids = sorted({str(i) for i in household_ids if i})
    found: dict[str, CurrentResult] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        villages = dict(Household.objects.filter(pk__in=chunk).values_list("pk", "village_id"))
        runs = selectors.latest_runs_by_village(villages.values())
        run_of = {h: runs[v] for h, v in villages.items()}
        results = _results_in(run_of.items())
        reevaluations = {r.household_id: r for r in Reevaluation.objects.filter(household_id__in=chunk)}
        for household_id, run in run_of.items():
            reevaluation, result = reevaluations.get(household_id), results.get(household_id)
            if _wins(reevaluation, run):
                found[household_id] = _from_row(
                    household_id, vars(reevaluation), run, result, reevaluated=True,
                    evaluated_at=reevaluation.evaluated_at,
                    changed=run is not None and _differs(reevaluation.risk, reevaluation.reasons, result))
            elif result is not None:
                found[household_id] = _from_row(household_id, result, run, result, reevaluated=False,
                                                evaluated_at=run.finished_at, changed=False)
    return found


def _from_row(household_id: str, row: dict, run, result, *, reevaluated: bool, evaluated_at, changed: bool
              ) -> CurrentResult:
    return CurrentResult(
        household_id=household_id, risk=row["risk"], reasons=_codes(row["reasons"]),
        monitor_type=row["monitor_type"], stability=row["stability"], income_pc=row["income_pc"],
        motivation_score=row["motivation_score"], motivation_poor=row["motivation_poor"],
        deprived=_codes(row["deprived"]), changed=changed, evaluated_at=evaluated_at, run=run,
        reevaluated=reevaluated, run_risk=result["risk"] if result is not None else None,
    )


def current_result(household) -> CurrentResult | None:
    """One household's current result (see `current_results`), read once per request
    (the household page asks for its card and for the policy explaining it)."""
    household_id = str(getattr(household, "pk", household))
    return selectors.request_memoised(("current_result", household_id),
                                      lambda: current_results([household_id]).get(household_id))


def household_card(household) -> dict | None:
    """The household page's result card (selectors.household_card) for its CURRENT
    result: its re-evaluation when newer than the latest run covering it, else that run's."""
    run = selectors.latest_run(division_code=household.village_id)
    shown = current_result(household)
    if shown is None or not shown.reevaluated:
        return selectors.household_card(household, run)
    return selectors.household_card(household, run, shown=shown, in_use=policy_in_use(run))
