"""Did the measures work? (帮扶成效评估, issue 13). For each measure, households that
received it in the year before `year` are compared with similar households that did not,
before (`year` − 1) and after (`year`): a difference in differences on per-capita income
and on the share at risk, with comparison households weighted by their propensity to
receive the measure (pre-measure income, size, labor, category, town), and confidence
intervals from statsmodels.

Pure: contract tables and a table of measures received in; a frame and estimates out.

The method, in the words a county officer would use (docs/measures.md repeats it):
1. A household "received" a measure when it (or one of its members) was given it in the
   year before `year`. It is compared with households that received no measure at all
   (of any kind) up to the end of `year`: a household helped in another way, earlier or
   in `year`, would carry that help's effect into the comparison (households get several
   measures, and one measure's gains would make another look useless).
2. Households that get a measure are not a random draw: cadres choose the poorer, larger
   ones. Comparison households of a town, category, labor count (0, 1, 2, 3+) or income
   tenth where nobody received the measure are set aside (no receiver is like them).
   Each other comparison household is weighted by how much it resembles the receivers
   (its odds of receiving the measure, from a logistic regression on last year's income,
   size, labor, category and town); those that almost never or almost always would have
   received it (chance outside [trim, 1 − trim]) are set aside too.
3. The effect is the change (after − before) of the receivers minus the weighted change
   of the comparison, from a weighted regression that also adjusts for the same facts
   and for the other measures the receivers got the same year ("doubly robust": right
   if either the weights or the adjustment is right). Its confidence interval allows for
   households of one village moving together (errors clustered by village).
4. No figure (effect None) when fewer than 2 households stand on either side, when the
   two sides do not overlap at all, or when the data cannot tell (nothing changed); a
   caution beside a figure when fewer than the policy's minimum stand on either side.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import warnings
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.engine import income, members
from neisheng.engine.measures import MEASURES
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
NOT_ESTIMABLE = "not_estimable"
CAUTIONS = {
    TOO_FEW: "接受此项措施或可比较的农户太少,这个数字很不可靠,只能作参考。",
    NO_OVERLAP: "接受措施的农户与未接受的农户差别太大,找不到足够相似的农户作比较。",
    NOT_ESTIMABLE: "这些农户的数据无法估计这项措施的效果(例如前后都没有变化),因此不给出数字。",
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
    caution: str | None           # None, TOO_FEW, NO_OVERLAP or NOT_ESTIMABLE


def _in_measure_order(codes) -> list[str]:
    """engine.measures' order, then any other code alphabetically (a code the engine
    does not recommend can still be assigned by hand)."""
    known = {code: index for index, code in enumerate(MEASURES)}
    return sorted(set(codes), key=lambda code: (known.get(code, len(known)), code))


def evaluation_frame(*, households: pa.Table, persons: pa.Table, income_items: pa.Table, received: pa.Table,
                     year: int, policy: Policy) -> pd.DataFrame:
    """One row per household with size > 0: household_id, village_code, town_code,
    category, size, labor_capable (count), income_pc_before, income_pc_after,
    at_risk_before, at_risk_after (income_pc below policy.monitoring_threshold), and for
    each measure in `received` two booleans: `treated_<measure>` (received it, started
    in `year` − 1) and `eligible_<measure>` (treated, or received no measure at all, of
    any kind in `received`, up to the end of `year`: the comparison households got no
    help in the two years)."""
    # ledger_totals reads the run's year and the year before from the policy: the
    # evaluation's `year` need not be the policy's.
    as_of_year = dataclasses.replace(policy, year=year)
    threshold = income.fen(policy.monitoring_threshold)
    measures = _in_measure_order(pc.unique(received["measure"].drop_null()).to_pylist())

    con = ibis.duckdb.connect()
    try:
        h = ibis.memtable(households)
        alive = members.alive_members(ibis.memtable(persons), as_of_year)
        facts = alive.group_by("household_id").aggregate(
            size=alive.count(), labor_capable=alive.labor_capable.cast("int64").sum(),
        )
        totals = income.ledger_totals(ibis.memtable(income_items), as_of_year)
        # Both years are divided by today's living members, as a monitoring run's
        # prev_income_pc is: a death between the years does not show as a rise.
        j = h.inner_join(facts, "household_id").left_join(totals, "household_id")
        j = j.select(
            "household_id", "village_code", "category", "size", "labor_capable",
            net_fen=j.net_fen.fill_null(0), prev_net_fen=j.prev_net_fen.fill_null(0),
        )
        j = j.filter(j.size > 0)
        frame = j.select(
            "household_id", "village_code",
            town_code=j.village_code.substr(0, 9).concat("000"),
            category=j.category,
            size=j.size.cast("int64"),
            labor_capable=j.labor_capable.cast("int64"),
            income_pc_before=income.per_capita(j.prev_net_fen, j.size).cast("float64"),
            income_pc_after=income.per_capita(j.net_fen, j.size).cast("float64"),
            # Exact fen against threshold × size, as classify's income rules compare.
            at_risk_before=j.prev_net_fen < threshold * j.size,
            at_risk_after=j.net_fen < threshold * j.size,
        )
        if measures:
            r = ibis.memtable(received)
            in_before_year = r.started_on.between(dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)).fill_null(False)
            # A measure without a start date was received at some time: never a clean comparison.
            by_end_of_year = r.started_on.isnull() | (r.started_on <= dt.date(year, 12, 31))
            flags = r.group_by("household_id").aggregate(
                helped=by_end_of_year.any(),
                **{f"treated_{m}": ((r.measure == m) & in_before_year).any() for m in measures},
            )
            f = frame.left_join(flags, "household_id")
            never_helped = ~f.helped.fill_null(False)
            pairs = {}
            for m in measures:
                treated = f[f"treated_{m}"].fill_null(False)
                pairs[f"treated_{m}"] = treated
                pairs[f"eligible_{m}"] = treated | never_helped
            frame = f.select(*frame.columns, **pairs)
        result = con.to_pyarrow(frame.order_by("household_id"))
    finally:
        con.disconnect()
    return result.to_pandas()


@dataclass(frozen=True)
class _Comparison:
    """One measure's eligible households after weighting: what both outcomes share."""
    rows: pd.DataFrame | None   # treated and kept comparison rows
    treated: np.ndarray | None  # bool per row of `rows`
    weights: np.ndarray | None  # treated 1, comparison p / (1 − p)
    covariates: np.ndarray | None  # standardised covariates and dummies, no constant
    also_received: np.ndarray | None  # per other measure: received it too, the same year
    n_treated: int
    n_comparison_eligible: int
    n_comparison: int           # comparison households kept (matched and not trimmed)
    failure: str | None         # the caution when no effect can be given


def _standardised(values: np.ndarray) -> np.ndarray | None:
    spread = values.std()
    return None if spread == 0 else (values - values.mean()) / spread


def _factors(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The facts a receiver is matched on exactly, level by level: category, town,
    labor (0, 1, 2, 3 or more capable members) and income tenth among the households
    compared (the poorest tenth, the next ...). Neither the chance of being chosen nor
    next year's change need follow income in a straight line (a very low year is often
    followed by a bounce back), and a household with nobody able to work lives on other
    incomes than one with two workers."""
    before = rows["income_pc_before"].to_numpy(float)
    edges = np.quantile(before, np.linspace(0.1, 0.9, 9)) if len(before) else np.empty(0)
    return {
        "category": rows["category"].to_numpy(),
        "town": rows["town_code"].to_numpy(),
        "labor": np.minimum(rows["labor_capable"].to_numpy(), 3),
        # Equal incomes always fall in the same tenth.
        "tenth": np.searchsorted(edges, before, side="right"),
    }


def _unmatched(factors: dict[str, np.ndarray], treated: np.ndarray) -> np.ndarray:
    """Households in a level (a town, a category, ...) where nobody received the measure:
    no receiver is like them, so they compare with no one (their chance of receiving it
    is, in these data, nil)."""
    unmatched = np.zeros(len(treated), bool)
    for levels in factors.values():
        received = pd.Series(treated).groupby(levels).transform("any").to_numpy(bool)
        unmatched |= ~received
    return unmatched


def _dummies(levels: np.ndarray, treated: np.ndarray) -> list[np.ndarray]:
    """One 0/1 column per level in which some households received the measure and some
    did not, but the largest such level (the reference). A level where everybody did
    would predict receipt perfectly (odds of infinity, and a fit that never settles):
    its households join the reference."""
    frame = pd.DataFrame({"level": levels, "treated": treated})
    spread = frame.groupby("level", sort=True)["treated"].agg(["min", "max", "size"])
    varying = spread[spread["min"] != spread["max"]]
    if varying.empty:
        return []
    reference = varying.sort_values("size", ascending=False, kind="stable").index[0]
    return [(levels == level).astype(float) for level in varying.index if level != reference]


def _covariates(rows: pd.DataFrame, treated: np.ndarray, factors: dict[str, np.ndarray]) -> np.ndarray:
    before = rows["income_pc_before"].to_numpy(float)
    # Income enters as a logarithm (a rise from 3,000 to 4,000 yuan counts for more than
    # one from 30,000 to 31,000; zero and negative incomes keep their sign) and in yuan
    # (a change in yuan is what the second regression explains).
    continuous = [np.sign(before) * np.log1p(np.abs(before)), before, rows["size"].to_numpy(float),
                  rows["labor_capable"].to_numpy(float)]
    columns = [c for c in (_standardised(v) for v in continuous) if c is not None]
    for levels in factors.values():
        columns.extend(_dummies(levels, treated))
    if not columns:
        return np.empty((len(rows), 0))
    return np.column_stack(columns)


def _independent(design: np.ndarray) -> np.ndarray:
    """Indices of the columns not a combination of the columns before them (a town
    whose households are all of one category, say), so no fit meets a singular matrix.
    Earlier columns win: the constant, then `treated`, are kept whenever they can be."""
    diagonal = np.abs(np.diag(np.linalg.qr(design, mode="r")))
    if diagonal.size == 0:
        return np.arange(0)
    return np.flatnonzero(diagonal > diagonal.max() * 1e-9)


def _propensity(treated: np.ndarray, covariates: np.ndarray) -> np.ndarray | None:
    """Each household's fitted chance of receiving the measure, or None when the logistic
    regression cannot be fitted."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    design = np.column_stack([np.ones(len(treated)), covariates])
    design = design[:, _independent(design)]
    with warnings.catch_warnings():
        # Near-separation warnings are expected here: such households get a chance of
        # almost 0 or 1 and trimming sets them aside, which is the answer wanted.
        warnings.simplefilter("ignore")
        try:
            fitted = Logit(treated.astype(float), design).fit(method="newton", maxiter=100, disp=0,
                                                               warn_convergence=False)
        except (np.linalg.LinAlgError, PerfectSeparationError, ValueError, OverflowError):
            return None
        chance = fitted.predict(design)
    return chance if np.all(np.isfinite(chance)) else None


def _comparison(frame: pd.DataFrame, measure: str, policy: Policy) -> _Comparison:
    treated_column, eligible_column = f"treated_{measure}", f"eligible_{measure}"
    if treated_column not in frame.columns or eligible_column not in frame.columns:
        return _Comparison(None, None, None, None, None, 0, 0, 0, TOO_FEW)
    eligible = frame[frame[eligible_column].to_numpy(bool)]
    treated = eligible[treated_column].to_numpy(bool)
    n_treated, n_comparison = int(treated.sum()), int((~treated).sum())

    receivers = eligible[treated]

    def failed(caution, kept=0):
        return _Comparison(receivers, np.ones(n_treated, bool), None, None, None, n_treated, n_comparison, kept,
                           caution)

    if n_treated < 2 or n_comparison < 2:
        return failed(TOO_FEW, n_comparison)
    factors = _factors(eligible)
    matched = treated | ~_unmatched(factors, treated)
    if int((matched & ~treated).sum()) < 2:
        return failed(NO_OVERLAP, int((matched & ~treated).sum()))
    rows, treated = eligible[matched], treated[matched]
    factors = {name: levels[matched] for name, levels in factors.items()}
    covariates = _covariates(rows, treated, factors)
    chance = _propensity(treated, covariates)
    if chance is None:
        return failed(NO_OVERLAP)
    trim = policy.measures_evaluation_trim
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = chance / (1.0 - chance)
    keep = treated | ((chance >= trim) & (chance <= 1 - trim) & np.isfinite(odds))
    kept = int((keep & ~treated).sum())
    if kept < 2:
        return failed(NO_OVERLAP, kept)
    # ATT weights: each comparison household stands for receivers like it in proportion
    # to its odds of having received the measure.
    weights = np.where(treated, 1.0, odds)
    others = [c for c in frame.columns if c.startswith("treated_") and c != treated_column]
    also_received = rows.loc[keep, others].to_numpy(float).reshape(int(keep.sum()), len(others))
    return _Comparison(rows[keep], treated[keep], weights[keep], covariates[keep], also_received, n_treated,
                       n_comparison, kept, None)


def _columns(outcome: str) -> tuple[str, str]:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
    return f"{outcome}_before", f"{outcome}_after"


def _float(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _estimate(comparison: _Comparison, measure: str, outcome: str, policy: Policy) -> Estimate:
    from statsmodels.regression.linear_model import WLS

    before_column, after_column = _columns(outcome)
    c = comparison
    treated_before = treated_after = comparison_before = comparison_after = None
    if c.rows is not None and c.treated.any():
        t = c.treated
        treated_before = _float(c.rows[before_column].to_numpy(float)[t].mean())
        treated_after = _float(c.rows[after_column].to_numpy(float)[t].mean())
        if c.weights is not None:
            w = c.weights[~t]
            comparison_before = _float(np.average(c.rows[before_column].to_numpy(float)[~t], weights=w))
            comparison_after = _float(np.average(c.rows[after_column].to_numpy(float)[~t], weights=w))
    counts = {"n_treated": c.n_treated, "n_comparison": c.n_comparison}
    means = {"treated_before": treated_before, "treated_after": treated_after,
             "comparison_before": comparison_before, "comparison_after": comparison_after}

    def without_effect(caution):
        return Estimate(measure=measure, outcome=outcome, effect=None, ci_low=None, ci_high=None, p_value=None,
                        caution=caution, **counts, **means)

    if c.failure is not None:
        return without_effect(c.failure)
    change = c.rows[after_column].to_numpy(float) - c.rows[before_column].to_numpy(float)
    # Receivers often got other measures the same year (training and then a placement):
    # the other measures enter the adjustment, so that their gains are not counted as
    # this one's. Comparison households got none, so each other measure's share is
    # learnt among the receivers, assuming the gains of two measures add up.
    design = np.column_stack([np.ones(len(change)), c.treated.astype(float), c.covariates, c.also_received])
    independent = _independent(design)
    if 1 not in independent:
        return without_effect(NOT_ESTIMABLE)
    design = design[:, independent]
    villages = pd.factorize(c.rows["village_code"], sort=True)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = WLS(change, design, weights=c.weights)
        if len(np.unique(villages)) >= 2:
            # Households of one village share a cadre, a market and a harvest: their
            # changes move together, so the interval counts villages, not households
            # (t with villages − 1 degrees of freedom).
            fitted = model.fit(cov_type="cluster", cov_kwds={"groups": villages}, use_t=True)
        else:
            fitted = model.fit(cov_type="HC1", use_t=True)
        residual = np.sqrt(np.average(fitted.resid ** 2, weights=c.weights))
        scale = max(1.0, float(np.abs(change).max()))
        # A perfect fit (every change the same, say) leaves no spread to judge the
        # effect's uncertainty by: a number without an interval would mislead.
        if not residual > scale * 1e-9:
            return without_effect(NOT_ESTIMABLE)
        low, high = fitted.conf_int(alpha=1 - policy.measures_evaluation_confidence)[1]
        effect, p_value = fitted.params[1], fitted.pvalues[1]
    if not all(math.isfinite(v) for v in (effect, low, high)):
        return without_effect(NOT_ESTIMABLE)
    minimum = policy.measures_evaluation_min_households
    if c.n_treated < minimum or c.n_comparison_eligible < minimum:
        caution = TOO_FEW
    elif c.n_comparison < minimum:
        caution = NO_OVERLAP
    else:
        caution = None
    return Estimate(measure=measure, outcome=outcome, effect=float(effect), ci_low=float(low), ci_high=float(high),
                    p_value=_float(p_value), caution=caution, **counts, **means)


def evaluate(frame: pd.DataFrame, *, measure: str, outcome: str, policy: Policy) -> Estimate:
    """The effect of `measure` on `outcome` among the frame's eligible households."""
    _columns(outcome)
    return _estimate(_comparison(frame, measure, policy), measure, outcome, policy)


def evaluate_all(frame: pd.DataFrame, *, policy: Policy, measures: list[str] | None = None) -> list[Estimate]:
    """Every measure of the frame (or `measures`) on both outcomes, in engine.measures'
    order, income first."""
    if measures is None:
        measures = [c.removeprefix("treated_") for c in frame.columns if c.startswith("treated_")]
    estimates = []
    for measure in _in_measure_order(measures):
        # One weighting per measure serves both outcomes: it looks only at the before.
        comparison = _comparison(frame, measure, policy)
        estimates.extend(_estimate(comparison, measure, outcome, policy) for outcome in OUTCOMES)
    return estimates
