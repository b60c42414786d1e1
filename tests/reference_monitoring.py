"""An independent, deliberately plain reading of shared/spec/monitoring.md.

This module is the oracle the property tests hold the engine to: it evaluates one
monitoring run with nothing but the standard library, one household at a time, in the
words of the spec.  It does not share code with ``neisheng.engine`` (not even the ledger
catalogue: the item kinds below are copied from data-contract.md by hand, and a test
checks they agree with ``neisheng.engine.schema``).

Every comparison is exact: ledger amounts are ``Decimal`` and become ``Fraction``;
policy numbers become ``Fraction(str(value))`` so that ``0.30`` is exactly 3/10; a
per-capita comparison ``x_pc < bound`` is evaluated as ``x < bound × size``.

Readings of the spec where its letter leaves a choice (each one is a decision of this
reference; the engine must make the same one, or the spec must be amended):

1. "member" always means *alive* member.  The spec says "alive" in some rules
   (compulsory_education, medical_insurance, stability, the motivation indicators,
   medical_assistance) and just "member" / "labor-capable member" in others (the
   measures table).  Deceased persons are "kept for history" only, so they count
   nowhere: not in size, not as labor-capable, not for any measure.
2. A household with size 0: the spec lists ``risk, monitor_type, stability, income_pc``
   and the motivation columns as null.  ``prev_income_pc`` and ``rigid_pc`` are not
   listed but are divisions by zero, so they are null too.  The ``d_<indicator>``
   columns count as "motivation columns" and are null.
3. Rounding of the reported per-capita values ("rounded to 2 decimals") is ROUND_HALF_UP
   (ties away from zero, e.g. -0.005 -> -0.01), applied once to the exact quotient.
4. A missing previous-year ledger means ``prev_net = 0`` (so ``income_drop`` cannot
   fire) and ``prev_income_pc = 0.00`` (not null).  Ledger rows of other years
   (year − 2, ...) are ignored.
5. ``education`` indicator: "junior or above" is every education code except ``none``
   and ``primary`` (``vocational`` 中专/中职 is a senior-secondary level, so above junior).
   A household with no alive member aged 16–64 is deprived.
6. ``skill`` / ``employment`` indicators: a household with no alive labor-capable member
   is deprived (the "no ... member has" reading).
7. ``school_return`` has one row per alive child that fires ``compulsory_education``
   (aged 6–15, not_in_school, disability grade not 1 or 2); ``insurance_enrol`` one row
   per alive uninsured member.  Both carry the person_id.  ``education_aid`` is per alive
   member with the listed schooling, at any age.
8. ``disability_allowance`` is a household measure (the table does not say "per member"):
   person_id is null.  "No disability_living or disability_care income this year" is read
   as: the household's ledger for the run's year has a total amount of 0 over the two
   items together (no row, or only rows of amount 0.00).  The ledger is per household, so
   the income cannot be tied to the disabled member.
9. ``morale_support`` uses the deprivation facts of ``will`` and ``participation`` as the
   table defines them (willingness ≤ 2, participates_village_affairs false), whether or
   not the policy's ``motivation_indicators`` include those two indicators.
10. ``public_welfare_post``: "whose labor is weak or health is disabled" applies to a
    labor-capable member, so it is labor = weak, or labor in {skilled, ordinary} with
    health = disabled.  ``job_placement`` excludes exactly the members given
    ``public_welfare_post`` (so a weak 60–64-year-old gets only public_welfare_post and a
    weak 16–59-year-old with < 6 months never gets job_placement).
11. ``motivation_poor`` is ``c ≥ k − 1e-9`` with c, k and 1e-9 all exact fractions.
    ``motivation_score`` is reported as the float of the exact sum of weights.
12. Policy weights are taken as given (not renormalised); the ``d_<indicator>`` columns
    follow the order of ``policy["motivation_indicators"]``.
13. ``monitor_type`` and the measures follow the spec's letter for every status: a
    ``general`` or ``monitored`` household that is red/yellow is ``sudden_hardship`` or
    ``marginal``; ``stability`` is null unless status is ``lifted``.
14. Ledger rows and persons of households not in the households table are ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

# ----------------------------------------------------------------------------- constants

REASONS_RED = (
    "income_below_line",
    "food_clothing",
    "compulsory_education",
    "medical_insurance",
    "housing",
    "water",
)
REASONS_YELLOW = ("income_below_threshold", "income_drop", "rigid_expense", "sudden_event")
REASONS = REASONS_RED + REASONS_YELLOW

INDICATORS = (
    "will",
    "participation",
    "education",
    "skill",
    "cooperative",
    "industry_link",
    "employment",
    "credit",
)

# Order of rows in the spec's "Tailored measures" table.
MEASURES = (
    "school_return",
    "insurance_enrol",
    "housing_renovation",
    "water_project",
    "social_assistance_review",
    "asset_dividend",
    "skills_training",
    "public_welfare_post",
    "job_placement",
    "industry_support",
    "microcredit",
    "medical_assistance",
    "education_aid",
    "morale_support",
    "disability_allowance",
)

DEFAULT_POLICY = {
    "year": 2026,
    "reference_date": dt.date(2026, 12, 31),
    "poverty_line": 4500,
    "monitoring_threshold": 9000,
    "drop_ratio": 0.30,
    "rigid_ratio": 0.50,
    "stable_multiple": 1.5,
    "motivation_k": 0.3333333333,
    "motivation_indicators": {name: 0.125 for name in INDICATORS},
}

# Item catalogue of data-contract.md, by kind (copied by hand on purpose).
COST_ITEMS = frozenset({"production_cost"})
RIGID_ITEMS = frozenset({"medical_out_of_pocket", "education_expense", "disaster_loss"})
INCOME_ITEMS = frozenset(
    {
        "wage",
        "public_welfare_post",
        "business_crop",
        "business_livestock",
        "business_other",
        "dividend",
        "land_transfer",
        "land_compensation",
        "dibao",
        "tekun",
        "pension",
        "farmland_subsidy",
        "elderly_allowance",
        "disability_living",
        "disability_care",
        "incapacity_allowance",
        "electricity_subsidy",
        "eco_compensation",
        "donation",
        "other_income",
    }
)
DISABILITY_INCOME_ITEMS = frozenset({"disability_living", "disability_care"})

LABOR_CAPABLE = frozenset({"skilled", "ordinary", "weak"})
JUNIOR_OR_ABOVE = frozenset({"junior", "senior", "vocational", "college"})
EDUCATION_AID_SCHOOLING = frozenset(
    {"senior", "secondary_vocational", "higher_vocational", "undergraduate_plus"}
)
MOTIVATION_TOLERANCE = Fraction(1, 10**9)


# ----------------------------------------------------------------------------- helpers


def exact(value) -> Fraction:
    """A policy number or amount as an exact fraction (floats via their shortest repr)."""
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    if isinstance(value, (float, str)):
        return Fraction(str(value))
    raise TypeError(f"not a number: {value!r}")


def age_on(birth_date: dt.date, reference_date: dt.date) -> int:
    """Full years completed at reference_date.

    A 29 February birthday is not yet reached on 28 February of a common year.
    """
    years = reference_date.year - birth_date.year
    if (birth_date.month, birth_date.day) > (reference_date.month, reference_date.day):
        years -= 1
    return years


def round2(value: Fraction) -> Decimal:
    """Round an exact value to 2 decimals, ROUND_HALF_UP (ties away from zero)."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    if value < 0:
        cents = -cents
    return Decimal(cents).scaleb(-2)


def is_labor_capable(person: dict) -> bool:
    return person["labor"] in LABOR_CAPABLE


def _indicator_deprivations(household: dict, alive: list[dict], ages: dict[str, int]) -> dict:
    """The eight deprivation facts of the spec's motivation table, by indicator name."""
    capable = [m for m in alive if is_labor_capable(m)]
    return {
        "will": household["willingness"] <= 2,
        "participation": not household["participates_village_affairs"],
        "education": not any(
            16 <= ages[m["person_id"]] <= 64 and m["education"] in JUNIOR_OR_ABOVE for m in alive
        ),
        "skill": not any(m["has_skill"] for m in capable),
        "cooperative": not household["cooperative_member"],
        "industry_link": not household["industry_linked"],
        "employment": not any(m["employed_months"] >= 6 for m in capable),
        "credit": not household["credit_access"],
    }


# ----------------------------------------------------------------------------- the run


def evaluate(
    households: list[dict],
    persons: list[dict],
    income_items: list[dict],
    policy: dict,
) -> tuple[dict[str, dict], list[dict]]:
    """One monitoring run: (results by household_id, measures).

    Each result has the keys size, income_pc, prev_income_pc, rigid_pc (Decimal, 2
    places, ROUND_HALF_UP), risk, reasons, monitor_type, stability, motivation_score
    (float), motivation_poor and d_<indicator> for every policy indicator.
    Measures are dicts {household_id, measure, person_id} sorted by household_id, the
    row order of the spec's measures table, then person_id (None for household measures).
    """
    year = int(policy["year"])
    reference_date = policy["reference_date"]
    line = exact(policy["poverty_line"])
    threshold = exact(policy["monitoring_threshold"])
    drop_ratio = exact(policy["drop_ratio"])
    rigid_ratio = exact(policy["rigid_ratio"])
    stable_multiple = exact(policy["stable_multiple"])
    k = exact(policy["motivation_k"])
    weights_in = policy.get("motivation_indicators") or DEFAULT_POLICY["motivation_indicators"]
    # {indicator: weight}, or the YAML form {indicator: {dimension: ..., weight: ...}}
    weights = {
        name: exact(w["weight"] if isinstance(w, dict) else w) for name, w in weights_in.items()
    }
    for name in weights:
        if name not in INDICATORS:
            raise ValueError(f"unknown motivation indicator {name!r}")

    # Alive members by household.
    alive_by_household: dict[str, list[dict]] = defaultdict(list)
    for person in persons:
        if person["alive"]:
            alive_by_household[person["household_id"]].append(person)

    # Ledger sums by household.
    net: dict[str, Fraction] = defaultdict(Fraction)
    prev_net: dict[str, Fraction] = defaultdict(Fraction)
    rigid: dict[str, Fraction] = defaultdict(Fraction)
    disability_income: dict[str, Fraction] = defaultdict(Fraction)
    for row in income_items:
        hid, item, amount = row["household_id"], row["item"], exact(row["amount"])
        if item in INCOME_ITEMS:
            sign = 1
        elif item in COST_ITEMS:
            sign = -1
        elif item in RIGID_ITEMS:
            sign = 0
        else:
            raise ValueError(f"unknown ledger item {item!r}")
        if row["year"] == year:
            net[hid] += sign * amount
            if item in RIGID_ITEMS:
                rigid[hid] += amount
            if item in DISABILITY_INCOME_ITEMS:
                disability_income[hid] += amount
        elif row["year"] == year - 1:
            prev_net[hid] += sign * amount

    results: dict[str, dict] = {}
    measures: list[tuple] = []

    for household in households:
        hid = household["household_id"]
        alive = alive_by_household.get(hid, [])
        size = len(alive)

        if size == 0:
            result = {
                "size": 0,
                "income_pc": None,
                "prev_income_pc": None,
                "rigid_pc": None,
                "risk": None,
                "reasons": "no_members",
                "monitor_type": None,
                "stability": None,
                "motivation_score": None,
                "motivation_poor": None,
            }
            for name in weights:
                result[f"d_{name}"] = None
            results[hid] = result
            continue

        ages = {m["person_id"]: age_on(m["birth_date"], reference_date) for m in alive}
        capable = [m for m in alive if is_labor_capable(m)]
        n, pn, r = net[hid], prev_net[hid], rigid[hid]

        # --- reasons, in the spec's order
        out_of_school = [
            m
            for m in alive
            if 6 <= ages[m["person_id"]] <= 15
            and m["schooling"] == "not_in_school"
            and m["disability_grade"] not in (1, 2)
        ]
        uninsured = [m for m in alive if not m["medical_insured"]]
        fired = {
            "income_below_line": n < line * size,
            "food_clothing": not household["food_clothing_ok"],
            "compulsory_education": bool(out_of_school),
            "medical_insurance": bool(uninsured),
            "housing": household["housing"] in ("c_class", "d_class"),
            "water": household["water"] == "unsafe",
            "income_below_threshold": line * size <= n < threshold * size,
            "income_drop": pn > 0 and pn - n >= drop_ratio * pn,
            "rigid_expense": r > 0 and r >= rigid_ratio * n,
            "sudden_event": household["sudden_event"] != "none",
        }
        reasons = [code for code in REASONS if fired[code]]

        # --- classification
        if any(fired[c] for c in REASONS_RED):
            risk = "red"
        elif any(fired[c] for c in REASONS_YELLOW):
            risk = "yellow"
        else:
            risk = "green"

        if risk == "green":
            monitor_type = None
        elif household["status"] == "lifted":
            monitor_type = "unstable_lifted"
        elif fired["rigid_expense"] or fired["sudden_event"]:
            monitor_type = "sudden_hardship"
        else:
            monitor_type = "marginal"

        if household["status"] != "lifted":
            stability = None
        elif risk != "green":
            stability = "borderline"
        elif n < stable_multiple * threshold * size or not capable:
            stability = "consolidating"
        else:
            stability = "stable"

        # --- motivation index
        deprived = _indicator_deprivations(household, alive, ages)
        score = sum((weights[name] for name in weights if deprived[name]), Fraction(0))
        result = {
            "size": size,
            "income_pc": round2(n / size),
            "prev_income_pc": round2(pn / size),
            "rigid_pc": round2(r / size),
            "risk": risk,
            "reasons": ";".join(reasons),
            "monitor_type": monitor_type,
            "stability": stability,
            "motivation_score": float(score),
            "motivation_poor": score >= k - MOTIVATION_TOLERANCE,
        }
        for name in weights:
            result[f"d_{name}"] = deprived[name]
        results[hid] = result

        # --- tailored measures
        def add(measure: str, person: dict | None = None, hid: str = hid) -> None:
            measures.append((hid, measure, None if person is None else person["person_id"]))

        for m in out_of_school:
            add("school_return", m)
        for m in uninsured:
            add("insurance_enrol", m)
        if fired["housing"]:
            add("housing_renovation")
        if fired["water"]:
            add("water_project")
        if not capable and n < threshold * size and household["category"] == "ordinary":
            add("social_assistance_review")
        if not capable and not household["industry_linked"]:
            add("asset_dividend")
        for m in capable:
            if 16 <= ages[m["person_id"]] <= 59 and not m["has_skill"]:
                add("skills_training", m)
        welfare_post = set()
        for m in capable:
            if (
                16 <= ages[m["person_id"]] <= 64
                and m["employed_months"] < 6
                and (m["labor"] == "weak" or m["health"] == "disabled")
            ):
                welfare_post.add(m["person_id"])
                add("public_welfare_post", m)
        for m in capable:
            if (
                16 <= ages[m["person_id"]] <= 59
                and m["employed_months"] < 6
                and m["person_id"] not in welfare_post
            ):
                add("job_placement", m)
        if capable and not household["industry_linked"] and not household["cooperative_member"]:
            add("industry_support")
        if capable and not household["credit_access"] and risk != "green":
            add("microcredit")
        if fired["rigid_expense"] or any(m["health"] == "serious" for m in alive):
            add("medical_assistance")
        for m in alive:
            if m["schooling"] in EDUCATION_AID_SCHOOLING:
                add("education_aid", m)
        if deprived["will"] and deprived["participation"]:
            add("morale_support")
        if any(m["disability_grade"] in (1, 2) for m in alive) and disability_income[hid] == 0:
            add("disability_allowance")

    order = {measure: i for i, measure in enumerate(MEASURES)}
    measures.sort(key=lambda t: (t[0], order[t[1]], "" if t[2] is None else t[2]))
    return results, [
        {"household_id": hid, "measure": measure, "person_id": pid}
        for hid, measure, pid in measures
    ]


def evaluate_snapshot(snapshot: dict, policy: dict) -> tuple[dict[str, dict], list[dict]]:
    """``evaluate`` on a snapshot dict as built by tests/strategies.py."""
    return evaluate(snapshot["households"], snapshot["persons"], snapshot["income_items"], policy)
