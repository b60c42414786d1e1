"""The endogenous-motivation index (内生动力): the four poverties of the research
(意识/能力/治理/机会) as eight deprivation indicators, scored by the Alkire–Foster
counting method with the policy's weights and cut-off k."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from neisheng.policy import Policy

SCORE_TOLERANCE = 1e-9


def deprivations(h: ir.Table, policy: Policy) -> dict[str, ir.BooleanValue]:
    """Every indicator the engine knows, whether or not the policy weighs it: the
    morale_support measure looks at the awareness indicators either way."""
    return {
        "will": h.willingness <= policy.willingness_deprived_at_most,
        "participation": ~h.participates_village_affairs,
        "education": ~h.any_educated_adult,
        "skill": ~h.any_skilled_worker,
        "cooperative": ~h.cooperative_member,
        "industry_link": ~h.industry_linked,
        "employment": ~h.any_employed_worker,
        "credit": ~h.credit_access,
    }


def score(h: ir.Table, policy: Policy) -> ir.FloatingValue:
    """c = Σ weight × deprived, over the policy's indicators in the policy's order."""
    total = ibis.literal(0.0, type="float64")
    for indicator in policy.indicators:
        total = total + ibis.ifelse(h[f"d_{indicator.name}"], indicator.weight, 0.0)
    return total


def is_poor(c: ir.FloatingValue, policy: Policy) -> ir.BooleanValue:
    return c >= policy.motivation_k - SCORE_TOLERANCE
