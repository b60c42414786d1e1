"""Did the measures work? (帮扶成效评估, issue 13): the evaluation of one division, as the
evaluation page and its export show it.

The registry of the division is read as the contract's tables (registry.snapshots), the
measures it received are the assigned measures that were not abandoned (started on their
start date, else the day they were assigned), and engine.evaluation compares the
households that received each measure with similar ones that did not, under the policy
in force. Evaluating a county takes seconds, so the estimates are kept per division and
data version (the last audit event and each app's results version, as the lists' counts
are): any write through the platform starts a fresh evaluation.

Only aggregates leave this module: estimates, and the count of households behind them.
A group's before/after mean is shown only when at least the policy's
`measures_evaluation_min_households` households stand behind it, so no reader (a
researcher included) can read one household's income off the page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

import pyarrow as pa

from neisheng.divisions import PREFIX_LENGTH
from neisheng.engine import evaluation as engine_evaluation
from neisheng.engine.evaluation import AT_RISK, INCOME_PC, RECEIVED_SCHEMA, Estimate
from neisheng.measures.models import AssignedMeasure
from neisheng.platform import scope
from neisheng.platform.cache import cached
from neisheng.platform.listing import data_version
from neisheng.policy import Policy
from neisheng.registry.models import Division

EVALUATION_SECONDS = 600


@dataclass(frozen=True)
class Evaluation:
    division_code: str  # "" for the whole registry (a user without a division)
    year: int  # the year after the measures (the policy's year)
    households: int  # households with members in the division's frame
    received: int  # measures received (assigned, not abandoned) in the division
    min_households: int
    confidence: float
    estimates: tuple[Estimate, ...]

    def by_outcome(self, outcome: str) -> list[Estimate]:
        return [e for e in self.estimates if e.outcome == outcome]

    def with_receivers(self) -> Evaluation:
        """The evaluation without the measures no household received in the year before."""
        return dataclasses.replace(self, estimates=tuple(e for e in self.estimates if e.n_treated > 0))

    def measures_without_receivers(self) -> list[str]:
        return list(dict.fromkeys(e.measure for e in self.estimates if e.n_treated == 0))


def division_chosen(user, code: str | None) -> Division | None:
    """The division whose evaluation the user asked for: `code` when it lies in their
    scope, else their own division (None for a user whose scope is the whole registry)."""
    wanted = (code or "").strip()
    if wanted.isdigit() and len(wanted) == 12 and scope.code_is_within(user, wanted):
        found = Division.objects.filter(code=wanted).first()
        if found is not None:
            return found
    return user.division


def divisions_offered(user, chosen: Division | None) -> list[Division]:
    """What the page's division select offers: the user's own division, the divisions
    one level below it, and the chosen one (which may lie deeper)."""
    own = user.division
    below = Division.objects.filter(parent=own) if own is not None else Division.objects.filter(parent__isnull=True)
    offered = ([own] if own is not None else []) + list(scope.visible_to(user, below).order_by("code"))
    if chosen is not None and all(d.code != chosen.code for d in offered):
        offered.append(chosen)
    return offered


def received_table(division_code: str) -> pa.Table:
    """The measures received in the division: engine.evaluation.RECEIVED_SCHEMA, one row
    per assigned measure not abandoned."""
    rows = AssignedMeasure.objects.exclude(state=AssignedMeasure.State.ABANDONED)
    if division_code:
        rows = rows.filter(**_under(division_code, "household__village_id"))
    columns: dict[str, list] = {name: [] for name in RECEIVED_SCHEMA.names}
    values = rows.order_by("household_id", "pk").values_list(
        "household_id", "person_id", "measure", "starts_on", "assigned_on")
    for household_id, person_id, measure, starts_on, assigned_on in values.iterator(chunk_size=10_000):
        columns["household_id"].append(household_id)
        columns["person_id"].append(person_id or None)
        columns["measure"].append(measure)
        columns["started_on"].append(starts_on or assigned_on)
    return pa.table(columns, schema=RECEIVED_SCHEMA)


def _under(division_code: str, field: str) -> dict:
    level = Division.objects.filter(code=division_code).values_list("level", flat=True).first()
    prefix = division_code[: PREFIX_LENGTH.get(level, 12)] if level else division_code
    return {f"{field}__gte": prefix.ljust(12, "0"), f"{field}__lte": prefix.ljust(12, "9")}


def evaluation_compute(*, division_code: str, policy: Policy) -> Evaluation:
    """The evaluation of the division under `policy`, computed now."""
    from neisheng.registry.snapshots import registry_tables

    tables = registry_tables(division_code=division_code)
    received = received_table(division_code)
    frame = engine_evaluation.evaluation_frame(
        households=tables["households"], persons=tables["persons"], income_items=tables["income_items"],
        received=received, year=policy.year, policy=policy)
    estimates = engine_evaluation.evaluate_all(frame, policy=policy) if len(frame) else []
    return Evaluation(
        division_code=division_code, year=policy.year, households=len(frame), received=received.num_rows,
        min_households=policy.measures_evaluation_min_households,
        confidence=policy.measures_evaluation_confidence, estimates=tuple(estimates))


def evaluation_for(user, division: Division | None) -> Evaluation:
    """The evaluation of `division` (the whole registry when None, for a user whose scope
    has no bound), kept until the data or the policy in force changes."""
    from neisheng.monitoring.policies import policy_current

    in_force = policy_current()
    code = division.code if division is not None else ""
    if code and not scope.code_is_within(user, code):
        raise PermissionError("division outside the user's scope")
    described = json.dumps({"division": code, "version": data_version(),
                            "policy": hashlib.sha256(in_force.text.encode()).hexdigest()},
                           sort_keys=True, default=str)
    key = "assistance-evaluation-" + hashlib.sha256(described.encode()).hexdigest()[:32]
    return cached(key, lambda: evaluation_compute(division_code=code, policy=in_force.policy),
                            EVALUATION_SECONDS)


def mean_shown(estimate: Estimate, group: str, when: str, min_households: int) -> float | None:
    """A group's mean ("treated" or "comparison", "before" or "after") when enough
    households stand behind it to show it, else None."""
    n = estimate.n_treated if group == "treated" else estimate.n_comparison
    if n < min_households:
        return None
    return getattr(estimate, f"{group}_{when}")


OUTCOME_ORDER = (INCOME_PC, AT_RISK)
