"""Poverty and inequality measures: Alkire–Foster, FGT, Watts and Gini (pure numpy).

These are the aggregate numbers of a monitoring run (shared/spec/monitoring.md,
"Endogenous-motivation index" and "Income poverty measures"). They are written as
small generic functions over plain vectors so that they can be checked against the
published worked examples and against established packages on the same vectors;
the engine feeds them the household columns (for persons, a household's value
with unit weight ``size``).

Conventions shared by every function here:

* Inputs may be lists or numpy arrays. Shapes are validated and a ``ValueError``
  says what was wrong; NaN or infinite values are rejected rather than silently
  propagated, because a missing income in a region summary is a data error to be
  fixed upstream, not a number to average over.
* Optional weights (``weights`` / ``unit_weights``) are non-negative per-unit
  frequency weights. An integer weight ``m`` gives exactly the result of repeating
  that unit ``m`` times; this is how persons are counted from households.
* Empty input, or a total weight of zero, has no defined share: ``fgt``, ``watts``
  and ``gini`` return ``nan`` and ``alkire_foster`` returns ``nan`` for ``H``,
  ``A``, ``M0``, the censored headcounts and the contributions. A region with no
  member households then reports "no value" instead of crashing a whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["AlkireFoster", "alkire_foster", "fgt", "gini", "watts"]

# The identification cut-off c >= k is compared with this slack: scores are sums of
# fractional weights (1/6 + 1/18 + 1/18 + 1/18 is 0.33333333333333326 in floating
# point), and a unit at exactly k must be poor however the sum was rounded.
SCORE_TOLERANCE = 1e-9
WEIGHT_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class AlkireFoster:
    """Result of :func:`alkire_foster`.

    ``censored_headcounts`` and ``contributions`` follow the column order of the
    deprivation matrix; ``scores`` and ``poor`` follow its row order. The arrays are
    read-only so that the frozen result cannot be altered in place. (``eq=False``:
    element-wise array equality has no single truth value.)
    """

    H: float
    A: float
    M0: float
    censored_headcounts: np.ndarray
    contributions: np.ndarray
    scores: np.ndarray
    poor: np.ndarray


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _vector(values, name: str) -> np.ndarray:
    """A 1-D finite float vector, or a ValueError naming the argument."""
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    return a


def _unit_weights(weights, n: int, name: str) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _vector(weights, name)
    if w.shape[0] != n:
        raise ValueError(f"{name} has length {w.shape[0]} but there are {n} units")
    if np.any(w < 0):
        raise ValueError(f"{name} must be non-negative")
    return w


def _poverty_line(z) -> float:
    try:
        zf = float(z)
    except (TypeError, ValueError):
        raise ValueError(f"poverty line z must be a number, got {z!r}") from None
    if not math.isfinite(zf) or zf <= 0:
        raise ValueError(f"poverty line z must be a finite positive number, got {z!r}")
    return zf


def alkire_foster(deprivations, weights, k, unit_weights=None) -> AlkireFoster:
    """Alkire–Foster adjusted headcount ratio M0 and its partial indices.

    Parameters
    ----------
    deprivations:
        units × indicators matrix; entry (i, j) is true when unit i is deprived in
        indicator j. Booleans, or 0/1 numbers.
    weights:
        one non-negative weight per indicator; they must sum to 1 (within 1e-9).
    k:
        poverty cut-off as a share of the total weight, in (0, 1]. A unit is poor
        when its score c_i = Σ_j w_j g_ij satisfies c_i ≥ k − 1e-9.
    unit_weights:
        optional non-negative weight per unit (e.g. household size to count
        persons). Integer weights equal repeating rows.

    Returns
    -------
    AlkireFoster with
        H  = weighted share of poor units,
        A  = weighted mean score of the poor (0 when no one is poor),
        M0 = H × A,
        censored_headcounts[j] = weighted share of units both poor and deprived in j,
        contributions[j] = w_j × censored_headcounts[j] / M0 (all 0 when M0 = 0),
        scores (c_i per unit) and poor (bool per unit).

    By construction M0 = Σ_j w_j × censored_headcounts[j], so the contributions sum
    to 1 whenever M0 > 0. With no units, or a total unit weight of 0, H, A, M0 and
    the per-indicator arrays are NaN.
    """
    g = np.asarray(deprivations)
    if g.ndim != 2:
        raise ValueError(
            f"deprivations must be a two-dimensional units × indicators matrix, got shape {g.shape}"
        )
    n, d = g.shape
    if d == 0:
        raise ValueError("deprivations must have at least one indicator column")
    if g.dtype != bool:
        try:
            gf = g.astype(float)
        except (TypeError, ValueError):
            raise ValueError("deprivations must be booleans or 0/1 numbers") from None
        if not np.all((gf == 0) | (gf == 1)):
            raise ValueError("deprivations must be booleans or 0/1 numbers")
        g = gf == 1
    g = g.astype(bool)

    w = _vector(weights, "weights")
    if w.shape[0] != d:
        raise ValueError(f"weights has length {w.shape[0]} but deprivations has {d} indicators")
    if np.any(w < 0):
        raise ValueError("weights must be non-negative")
    total = float(np.sum(w))
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"weights must sum to 1, but they sum to {total:.15g}")

    try:
        kf = float(k)
    except (TypeError, ValueError):
        raise ValueError(f"k must be a number in (0, 1], got {k!r}") from None
    if not (0.0 < kf <= 1.0):
        raise ValueError(f"k must be in (0, 1], got {k!r}")

    uw = _unit_weights(unit_weights, n, "unit_weights")

    scores = g.astype(float) @ w
    poor = scores >= kf - SCORE_TOLERANCE

    total_weight = float(np.sum(uw))
    if total_weight == 0.0:
        nan_row = np.full(d, np.nan)
        return AlkireFoster(
            H=math.nan,
            A=math.nan,
            M0=math.nan,
            censored_headcounts=_readonly(nan_row),
            contributions=_readonly(nan_row),
            scores=_readonly(scores),
            poor=_readonly(poor),
        )

    poor_weight = np.where(poor, uw, 0.0)
    poor_total = float(np.sum(poor_weight))
    H = poor_total / total_weight
    A = float(np.sum(poor_weight * scores)) / poor_total if poor_total > 0 else 0.0
    M0 = H * A
    censored = (poor_weight @ g.astype(float)) / total_weight
    if M0 > 0:
        contributions = w * censored / M0
    else:
        contributions = np.zeros(d)
    return AlkireFoster(
        H=H,
        A=A,
        M0=M0,
        censored_headcounts=_readonly(censored),
        contributions=_readonly(contributions),
        scores=_readonly(scores),
        poor=_readonly(poor),
    )


def fgt(incomes, z, alpha, weights=None) -> float:
    """Foster–Greer–Thorbecke index FGT_α.

    The weighted mean over units of ((z − y)/z)^α for y < z, and 0 for y ≥ z
    (strictly below the line counts as poor, as in the spec's ``income_pc <
    poverty_line``). α = 0 is the headcount ratio, α = 1 the poverty gap index,
    α = 2 the squared poverty gap (severity).

    Incomes may be zero or negative (net income after costs can be). The formula is
    applied as written, so a unit with y < 0 has a normalised gap above 1 and
    weighs more than one with y = 0; it is kept, not clipped, because the spec's
    definition and the established packages do the same.

    ``z`` must be a finite positive number and ``alpha`` a finite number ≥ 0.
    Returns NaN for empty input or a total weight of 0.
    """
    zf = _poverty_line(z)
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ValueError(f"alpha must be a number >= 0, got {alpha!r}") from None
    if not math.isfinite(a) or a < 0:
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}")
    y = _vector(incomes, "incomes")
    w = _unit_weights(weights, y.shape[0], "weights")
    total = float(np.sum(w))
    if total == 0.0:
        return math.nan
    is_poor = y < zf
    # Only the poor's gaps are raised to α: for α = 0 a non-poor unit's gap of 0
    # would otherwise become 0**0 = 1.
    term = np.zeros_like(y)
    term[is_poor] = ((zf - y[is_poor]) / zf) ** a
    return float(np.sum(w * term)) / total


def watts(incomes, z, weights=None) -> float:
    """Watts index: the weighted mean over units of ln(z / y) for y < z, else 0.

    Units with y ≤ 0 have no defined logarithm; as the spec says, they are counted
    as if their income were 1 yuan, i.e. they contribute ln(z / 1). (The ``ineq`` R
    package would return ±infinity or NaN there.) Note that this makes such a unit
    count less than one with 0 < y < 1; with yuan incomes and a line in the
    thousands the case is academic.

    ``z`` must be a finite positive number. Returns NaN for empty input or a total
    weight of 0.
    """
    zf = _poverty_line(z)
    y = _vector(incomes, "incomes")
    w = _unit_weights(weights, y.shape[0], "weights")
    total = float(np.sum(w))
    if total == 0.0:
        return math.nan
    is_poor = y < zf
    y_eff = np.where(y <= 0, 1.0, y)
    # ln z − ln y rather than ln(z / y): the quotient overflows for tiny positive y.
    term = np.where(is_poor, math.log(zf) - np.log(y_eff), 0.0)
    return float(np.sum(w * term)) / total


def gini(incomes, weights=None) -> float:
    """Gini coefficient (no finite-sample correction).

    G = Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ), with W = Σ w and μ the weighted
    mean. For unit weights this is the usual 2 Σ_i i·y_(i) / (n Σ y) − (n + 1)/n
    (``ineq::Gini`` with ``corr = FALSE``); for integer weights it equals the Gini
    of the sample with each income repeated ``weight`` times.

    It is computed in O(n log n) from the sorted incomes: each y_i enters the double
    sum with + for the weight below it and − for the weight above it.

    Negative incomes are accepted (the formula is still defined, but the value can
    then exceed 1). Returns NaN for empty input, a total weight of 0, or a weighted
    mean ≤ 0, where the Gini as a relative measure is undefined.
    """
    y = _vector(incomes, "incomes")
    w = _unit_weights(weights, y.shape[0], "weights")
    total = float(np.sum(w))
    if total == 0.0:
        return math.nan
    order = np.argsort(y, kind="stable")
    y = y[order]
    w = w[order]
    weighted_sum = float(np.sum(w * y))
    if weighted_sum <= 0:
        return math.nan
    below = np.cumsum(w) - w  # weight strictly before i in sorted order
    above = total - below - w
    # Ties need no special care: equal incomes contribute |y_i − y_j| = 0 either way.
    numerator = float(np.sum(w * y * (below - above)))
    # The double sum of |y_i − y_j| is never negative; rounding can leave a
    # -1e-17 for equal incomes, which would read as "more equal than equal".
    return max(numerator, 0.0) / (total * weighted_sum)
