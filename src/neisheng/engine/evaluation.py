"""Did the measures work? (帮扶成效评估, issue 13). For each measure, households that
received it in the year before `year` are compared with similar households that did not,
before (`year` − 1) and after (`year`): a difference in differences on per-capita income
and on the share at risk, with comparison households weighted by their propensity to
receive the measure (pre-measure income, size, labor, category, town), and confidence
intervals from statsmodels.

Pure: contract tables and a table of measures received in; a frame and estimates out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from neisheng.policy import Policy

INCOME_PC = "income_pc"
AT_RISK = "at_risk"
OUTCOMES = {INCOME_PC: "人均纯收入(元)", AT_RISK: "收入低于监测范围的户占比"}

# Measures received: one row per measure given to a household (or a member).
RECEIVED_SCHEMA = pa.schema([
    ("household_id", pa.string()),
    ("person_id", pa.string()),     # null for a household measure
    ("measure", pa.string()),       # an engine.measures code
    ("started_on", pa.date32()),
])

# Why a figure carries a caution (msgids in CAUTIONS).
TOO_FEW = "too_few"
NO_OVERLAP = "no_overlap"
CAUTIONS = {
    TOO_FEW: "接受此项措施或可比较的农户太少,这个数字很不可靠,只能作参考。",
    NO_OVERLAP: "接受措施的农户与未接受的农户差别太大,找不到足够相似的农户作比较。",
}


@dataclass(frozen=True)
class Estimate:
    measure: str
    outcome: str                  # INCOME_PC or AT_RISK
    effect: float | None          # yuan per person, or a share (0.05 = 5 percentage points)
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_treated: int
    n_comparison: int
    treated_before: float | None  # the treated households' mean before ...
    treated_after: float | None   # ... and after
    comparison_before: float | None  # the comparison households' weighted mean before ...
    comparison_after: float | None   # ... and after
    caution: str | None           # None, TOO_FEW or NO_OVERLAP


def evaluation_frame(*, households: pa.Table, persons: pa.Table, income_items: pa.Table, received: pa.Table,
                     year: int, policy: Policy) -> pd.DataFrame:
    """One row per household with size > 0: household_id, village_code, town_code,
    category, size, labor_capable (count), income_pc_before, income_pc_after,
    at_risk_before, at_risk_after (income_pc below policy.monitoring_threshold), and for
    each measure in `received` two booleans: `treated_<measure>` (received it, started
    in `year` − 1) and `eligible_<measure>` (treated, or never received it up to the end
    of `year`)."""
    raise NotImplementedError


def evaluate(frame: pd.DataFrame, *, measure: str, outcome: str, policy: Policy) -> Estimate:
    """The effect of `measure` on `outcome` among the frame's eligible households."""
    raise NotImplementedError


def evaluate_all(frame: pd.DataFrame, *, policy: Policy, measures: list[str] | None = None) -> list[Estimate]:
    """Every measure of the frame (or `measures`) on both outcomes, in engine.measures'
    order, income first."""
    raise NotImplementedError
