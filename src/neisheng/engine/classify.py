"""Risk, monitoring type and stability of every household (monitoring.md, exactly).

`assess` builds one wide frame per household holding every fact and fired reason;
`household_results` picks the contract's output columns from it. Measures and the
region summary read the same frame, so each rule is evaluated once.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from neisheng.engine import guarantees, income, members, motivation
from neisheng.policy import Policy

RED_REASONS = ("income_below_line",) + guarantees.GUARANTEE_REASONS
YELLOW_REASONS = ("income_below_threshold", "income_drop", "rigid_expense", "sudden_event")
REASONS = RED_REASONS + YELLOW_REASONS
NO_MEMBERS = "no_members"


def household_frame(households: ir.Table, persons: ir.Table, income_items: ir.Table,
                    policy: Policy) -> ir.Table:
    """Households with member facts and ledger totals; absent facts read as none."""
    facts = members.member_facts(members.alive_members(persons, policy))
    totals = income.ledger_totals(income_items, policy)
    joined = households.left_join(facts, "household_id").left_join(totals, "household_id")
    fact_columns = [c for c in facts.columns if c != "household_id"]
    total_columns = [c for c in totals.columns if c != "household_id"]
    return joined.select(
        *households.columns,
        **{c: joined[c].fill_null(0 if c == "size" else False) for c in fact_columns},
        **{c: joined[c].fill_null(False if c.startswith("has_") else 0) for c in total_columns},
    )


def assess(households: ir.Table, persons: ir.Table, income_items: ir.Table,
           policy: Policy) -> ir.Table:
    h = household_frame(households, persons, income_items, policy)
    line = income.fen(policy.poverty_line)
    threshold = income.fen(policy.monitoring_threshold)
    drop_num, drop_den = income.ratio(policy.drop_ratio)
    rigid_num, rigid_den = income.ratio(policy.rigid_ratio)
    stable_num, stable_den = income.ratio(policy.stable_multiple)

    fired = {
        # income_pc < line ⇔ net < line × size: no division, no rounding.
        "income_below_line": h.net_fen < line * h.size,
        **guarantees.guarantee_reasons(h),
        "income_below_threshold": (h.net_fen >= line * h.size) & (h.net_fen < threshold * h.size),
        "income_drop": (h.prev_net_fen > 0)
        & ((h.prev_net_fen - h.net_fen) * drop_den >= h.prev_net_fen * drop_num),
        "rigid_expense": (h.rigid_fen > 0) & (h.rigid_fen * rigid_den >= h.net_fen * rigid_num),
        "sudden_event": h.sudden_event != "none",
    }
    h = h.mutate(**{f"r_{name}": value for name, value in fired.items()})
    h = h.mutate(**{f"d_{name}": value for name, value in motivation.deprivations(h, policy).items()})

    any_red = ibis.or_(*(h[f"r_{r}"] for r in RED_REASONS))
    any_yellow = ibis.or_(*(h[f"r_{r}"] for r in YELLOW_REASONS))
    risk = ibis.cases((any_red, "red"), (any_yellow, "yellow"), else_="green")
    has_labor = h.any_labor_capable
    stable_income = h.net_fen * stable_den >= threshold * stable_num * h.size
    h = h.mutate(risk=risk, motivation_score=motivation.score(h, policy))
    h = h.mutate(
        monitor_type=ibis.cases(
            (h.risk == "green", ibis.null("string")),
            (h.status == "lifted", "unstable_lifted"),
            (h.r_rigid_expense | h.r_sudden_event, "sudden_hardship"),
            else_="marginal",
        ),
        stability=ibis.cases(
            (h.status != "lifted", ibis.null("string")),
            (h.risk != "green", "borderline"),
            (~stable_income | ~has_labor, "consolidating"),
            else_="stable",
        ),
        motivation_poor=motivation.is_poor(h.motivation_score, policy),
        reasons=ibis.literal(";").join(
            [ibis.ifelse(h[f"r_{r}"], r, ibis.null("string")) for r in REASONS]
        ),
    )
    return h


KEPT_COLUMNS = (
    "household_id", "village_code", "size", "net_fen", "prev_net_fen", "rigid_fen",
    "risk", "reasons", "monitor_type", "stability", "motivation_score", "motivation_poor",
    # what the household measures look at
    "housing", "category", "industry_linked", "cooperative_member", "credit_access",
    "willingness", "any_labor_capable", "any_seriously_ill", "any_severely_disabled",
    "has_disability_allowance", "r_housing", "r_water", "r_rigid_expense",
)


def kept(assessed: ir.Table) -> ir.Table:
    """The assessed frame narrowed to what the outputs read, so that materialising it
    once for the three outputs stays cheap."""
    deprivations = [c for c in assessed.columns if c.startswith("d_")]
    return assessed.select(*KEPT_COLUMNS, *deprivations)


def household_results(assessed: ir.Table, policy: Policy) -> ir.Table:
    """The contract's household_results columns; households without alive members get
    `no_members` and nulls, and are left out of every aggregate."""
    h = assessed
    empty = h.size == 0

    def unless_empty(value, type_):
        return ibis.ifelse(empty, ibis.null(type_), value)

    indicator_columns = {
        f"d_{i.name}": unless_empty(h[f"d_{i.name}"], "boolean") for i in policy.indicators
    }
    safe_size = ibis.ifelse(empty, 1, h.size)
    return h.select(
        "household_id",
        "village_code",
        size=h.size.cast("int32"),
        income_pc=unless_empty(income.per_capita(h.net_fen, safe_size), income.AMOUNT_TYPE_IBIS),
        prev_income_pc=unless_empty(income.per_capita(h.prev_net_fen, safe_size), income.AMOUNT_TYPE_IBIS),
        rigid_pc=unless_empty(income.per_capita(h.rigid_fen, safe_size), income.AMOUNT_TYPE_IBIS),
        risk=unless_empty(h.risk, "string"),
        reasons=ibis.ifelse(empty, NO_MEMBERS, h.reasons),
        monitor_type=unless_empty(h.monitor_type, "string"),
        stability=unless_empty(h.stability, "string"),
        motivation_score=unless_empty(h.motivation_score, "float64"),
        motivation_poor=unless_empty(h.motivation_poor, "boolean"),
        **indicator_columns,
    )
