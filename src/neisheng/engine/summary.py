"""The region summary: one row per division, from each village up to the top.

Every figure is built from sums that add up across divisions (counts, the poor's
scores, person-weighted poverty gaps), so villages are summed once and each higher
division adds its villages' sums; the ratios (H, A, M0, FGT, Watts) are taken last.
The ratios follow neisheng.engine.poverty exactly; tests hold the two together.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from neisheng.engine import income
from neisheng.engine.schema import MONITOR_TYPE, RISK, STABILITY, VILLAGE_LEVEL
from neisheng.policy import Policy

RISKS = tuple(RISK)
MONITOR_TYPES = tuple(MONITOR_TYPE)
STABILITIES = tuple(STABILITY)
FLOAT_SUMS = ("poor_score_sum", "gap1_sum", "gap2_sum", "watts_sum")


def village_sums(assessed: ir.Table, policy: Policy) -> ir.Table:
    h = assessed.filter(assessed.size > 0)
    z = float(policy.poverty_line)
    line = income.fen(policy.poverty_line)
    below = h.net_fen < line * h.size
    y = h.net_fen.cast("float64") / (h.size.cast("float64") * income.FEN_PER_YUAN)
    gap = (z - y) / z
    # monitoring.md: a person with income ≤ 0 counts as ln(z / 1 yuan) in Watts.
    watts_term = (z / ibis.ifelse(y > 0, y, 1.0)).ln()
    weight = h.size.cast("float64")
    poor = h.motivation_poor
    metrics = {
        "households": h.count(),
        "persons": h.size.sum(),
        **{f"risk_{r}": (h.risk == r).sum() for r in RISKS},
        **{f"monitor_{t}": (h.monitor_type == t).fill_null(False).sum() for t in MONITOR_TYPES},
        **{f"stability_{s}": (h.stability == s).fill_null(False).sum() for s in STABILITIES},
        "motivation_poor": poor.sum(),
        "poor_score_sum": ibis.ifelse(poor, h.motivation_score, 0.0).sum(),
        **{f"censored_{i.name}": (poor & h[f"d_{i.name}"]).sum() for i in policy.indicators},
        "persons_below_line": ibis.ifelse(below, h.size, 0).sum(),
        "gap1_sum": ibis.ifelse(below, weight * gap, 0.0).sum(),
        "gap2_sum": ibis.ifelse(below, weight * gap * gap, 0.0).sum(),
        "watts_sum": ibis.ifelse(below, weight * watts_term, 0.0).sum(),
    }
    return h.group_by(code="village_code").aggregate(**metrics)


def ancestry(divisions: pa.Table) -> pa.Table:
    """(village_code, code) for every village and each division above it, itself included."""
    parents = dict(zip(divisions["code"].to_pylist(), divisions["parent_code"].to_pylist()))
    levels = dict(zip(divisions["code"].to_pylist(), divisions["level"].to_pylist()))
    villages, ancestors = [], []
    for code, level in levels.items():
        if level != VILLAGE_LEVEL:
            continue
        seen, current = set(), code
        while current is not None and current not in seen:
            seen.add(current)
            villages.append(code)
            ancestors.append(current)
            current = parents.get(current)
    return pa.table({"village_code": villages, "code": ancestors})


def region_summary(assessed: ir.Table, divisions: ir.Table, divisions_arrow: pa.Table,
                   policy: Policy) -> ir.Table:
    sums = village_sums(assessed, policy)
    links = ibis.memtable(ancestry(divisions_arrow))
    rolled = (
        links.join(sums, links.village_code == sums.code)
        .group_by(links.code)
        .aggregate(**{c: sums[c].sum() for c in sums.columns if c != "code"})
    )
    summed_columns = [c for c in rolled.columns if c != "code"]
    d = divisions.left_join(rolled, divisions.code == rolled.code)
    d = d.select(
        divisions.code, divisions.name, divisions.level, divisions.parent_code,
        **{
            c: d[c].fill_null(0.0) if c in FLOAT_SUMS else income.cast_exactly(d[c].fill_null(0), "int64")
            for c in summed_columns
        },
    )
    n = d.households.cast("float64")
    q = d.motivation_poor.cast("float64")
    persons = d.persons.cast("float64")

    def share(numerator, denominator):
        return ibis.ifelse(denominator > 0, numerator / denominator, ibis.null("float64"))

    H = share(q, n)
    A = ibis.ifelse(n > 0, ibis.ifelse(q > 0, d.poor_score_sum / q, 0.0), ibis.null("float64"))
    d = d.mutate(motivation_H=H, motivation_A=A)
    d = d.mutate(motivation_M0=d.motivation_H * d.motivation_A)
    censored = {
        f"ch_{i.name}": share(d[f"censored_{i.name}"].cast("float64"), n) for i in policy.indicators
    }
    d = d.mutate(**censored)
    contributions = {
        f"contrib_{i.name}": ibis.cases(
            (d.motivation_M0.isnull(), ibis.null("float64")),
            (d.motivation_M0 > 0, i.weight * d[f"ch_{i.name}"] / d.motivation_M0),
            else_=0.0,
        )
        for i in policy.indicators
    }
    d = d.mutate(
        **contributions,
        fgt0=share(d.persons_below_line.cast("float64"), persons),
        fgt1=share(d.gap1_sum, persons),
        fgt2=share(d.gap2_sum, persons),
        watts=share(d.watts_sum, persons),
    )
    internal = {"poor_score_sum", "persons_below_line", "gap1_sum", "gap2_sum", "watts_sum"}
    internal |= {f"censored_{i.name}" for i in policy.indicators}
    return d.drop(*internal)
