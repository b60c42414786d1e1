"""The facts cases.md's elimination conditions are judged on, gathered for one case at
one date; neisheng.engine.cases.elimination_problems judges them.

Open blocking problems (condition 4: an open housing, education, medical or water
problem of the visit problem ledger) come from providers registered with
`blocking_problems_provider_add`: the ledger arrives with issue 11 and adds its own, so
until then a household has none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from neisheng.engine.cases import EliminationFacts, full_months_between
from neisheng.engine.schema import LABOR_CAPABLE
from neisheng.measures.selectors import measures_assigned_between
from neisheng.monitoring.current import current_result
from neisheng.policy import Policy
from neisheng.registry.models import Person

# (household) -> number of open problems of category housing, education, medical or water.
BlockingProblems = Callable[[object], int]
_blocking_providers: dict[str, BlockingProblems] = {}


def blocking_problems_provider_add(name: str, provider: BlockingProblems) -> None:
    """Register a source of open blocking problems (one per name; registering again replaces)."""
    _blocking_providers[name] = provider


def open_blocking_problems(household) -> int:
    return sum(provider(household) for provider in _blocking_providers.values())


def current_result_of(household):
    """The household's result as it stands now (re-evaluated since the last run when its
    records changed, else the latest run's): risk, income_pc, monitor_type; or None."""
    return current_result(household)


def current_monitor_type(household) -> str:
    """The monitoring type a new case proposes (cases.md: "proposed from the last run")."""
    result = current_result_of(household)
    return (result.monitor_type or "") if result is not None else ""


def elimination_facts(case, *, on: dt.date, policy: Policy) -> EliminationFacts:
    household = case.household
    since = case.monitoring_since
    result = current_result_of(household)
    risk, income_pc = (result.risk, result.income_pc) if result is not None else (None, None)
    return EliminationFacts(
        months_monitored=full_months_between(since, on) if since else 0,
        measures_while_monitored=measures_assigned_between(household, since, on) if since else 0,
        risk=risk,
        income_pc=None if income_pc is None else Decimal(str(income_pc)),
        monitoring_threshold=policy.monitoring_threshold,
        open_blocking_problems=open_blocking_problems(household),
        # schema.LABOR_CAPABLE is the contract's definition the engine's rules use too.
        labor_capable_alive=Person.objects.filter(household=household, alive=True,
                                                  labor__in=sorted(LABOR_CAPABLE)).exists(),
    )
