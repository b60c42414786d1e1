"""Neisheng's analytics engine: pure functions on Ibis tables, no Django.

The same expressions run on embedded DuckDB (a county on a laptop) and on Spark (the
nation on a cluster). `monitor` is one monitoring run of shared/spec/monitoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # neisheng.policy reads the contract in neisheng.engine.schema
    import pyarrow as pa

    from neisheng.policy import Policy


@dataclass
class Monitoring:
    household_results: object
    measures: object
    region_summary: object

    def __getitem__(self, name: str):
        return getattr(self, name)


def monitor(tables: dict, divisions: pa.Table, policy: Policy, *, cache: bool = True) -> Monitoring:
    """The three outputs of a run as (lazy) Ibis tables on the tables' backend."""
    from neisheng.engine import classify, measures, members, summary

    assessed = classify.kept(
        classify.assess(tables["households"], tables["persons"], tables["income_items"], policy)
    )
    if cache:
        # The three outputs share this frame; evaluating it once halves a run's time.
        assessed = assessed.cache()
    alive = members.alive_members(tables["persons"], policy)
    return Monitoring(
        household_results=classify.household_results(assessed, policy),
        measures=measures.measures(assessed, alive, policy),
        region_summary=summary.region_summary(assessed, tables["divisions"], divisions, policy),
    )
