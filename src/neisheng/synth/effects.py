"""Known effects planted in a synthetic county (issue 13), so that the evaluation can be
checked against the truth: some households receive each measure in `year` − 1 (more
often the poorer and the larger ones, as in life), and their income of `year` rises by
the planted share of their net income of `year` − 1, booked under the ledger item the
measure works through. A measure planted with 0 is received and changes nothing.

Who receives a measure depends only on what the evaluation adjusts for (last year's net
income per person, size, labor count, category, town), so a weighted comparison can
recover the truth while a naive one, which compares poorer receivers with everyone, need
not. A household receives at most one planted measure, so each household's rise has one
known cause.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng.engine.measures import MEASURES
from neisheng.engine.schema import LABOR_CAPABLE, LEDGER_ITEMS, TABLES
from neisheng.policy import load_policy
from neisheng.synth.arrays import to_decimal
from neisheng.synth.codes import ITEM

# The ledger item through which each measure raises income.
EFFECT_ITEMS = {
    "skills_training": "wage",
    "job_placement": "wage",
    "public_welfare_post": "public_welfare_post",
    "industry_support": "business_crop",
    "microcredit": "business_other",
    "asset_dividend": "dividend",
    # Encouragement (扶志) shows, if at all, as more work on the household's own fields.
    "morale_support": "business_crop",
}

# The measures whose receiver is a member (the row names that member); the others are
# given to the household.
PERSON_MEASURES = ("skills_training", "job_placement", "public_welfare_post")

# Share of the county's households that receive each planted measure: 9 % gives about
# 180 receivers per measure at 2,000 households (at least 150 in every seed tried), while
# the rest of the county stays large enough to compare with.
RECEIVE_SHARE = 0.09
# How strongly selection leans on the observables (a logit): one unit of log income per
# person less makes receiving about e^2 = 7 times as likely in odds.
POORER_LEAN = 2.0
SIZE_LEAN = 0.12        # per member above three
ASSISTED_LEAN = 0.5     # 低保 or 特困 households are on every cadre's list
TOWN_SPREAD = 0.35      # some towns run a programme harder than others

RECEIVED_FILE = "measures_received.parquet"
PLANTED_SCHEMA = pa.schema([
    ("household_id", pa.string()),
    ("person_id", pa.string()),
    ("measure", pa.string()),
    ("started_on", pa.date32()),
    ("planted_yuan", pa.decimal128(14, 2)),  # added to the household's income of `year`
])


class EffectError(ValueError):
    """An effect that cannot be planted (unknown measure, share outside 0–1)."""


def effects_check(effects: dict[str, float]) -> None:
    for measure, share in effects.items():
        if measure not in EFFECT_ITEMS:
            raise EffectError(
                f"{measure}: 不能植入效果的措施 / no effect can be planted for this measure "
                f"(可选 choose from: {', '.join(EFFECT_ITEMS)})")
        if not (isinstance(share, (int, float)) and math.isfinite(share) and 0 <= share <= 1):
            raise EffectError(f"{measure}={share}: 效果比例须在 0 到 1 之间 / the share must lie "
                              "between 0 and 1")


def plant_effects(tables: dict[str, pa.Table], *, effects: dict[str, float], seed: int,
                  year: int) -> tuple[dict[str, pa.Table], pa.Table]:
    """The county's tables with the effects planted (only income_items changes, and
    persons' has_skill for the trained) and the measures received (PLANTED_SCHEMA)."""
    effects_check(effects)
    households = tables["households"]
    persons = tables["persons"]
    ledger = tables["income_items"]
    household_id = households.column("household_id").combine_chunks()
    n = len(household_id)

    member_of = pc.index_in(persons.column("household_id"), value_set=household_id)
    member_of = member_of.to_numpy(zero_copy_only=False).astype(np.int64)
    alive = persons.column("alive").to_numpy()
    capable = alive & pc.is_in(persons.column("labor"),
                               value_set=pa.array(sorted(LABOR_CAPABLE))).to_numpy()
    # Ages are full years on 31 December of `year`, the policy's reference date.
    born = persons.column("birth_date").to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970
    age = year - born
    has_skill = persons.column("has_skill").to_numpy().copy()
    size = np.bincount(member_of, weights=alive, minlength=n).astype(np.int64)
    labor = np.bincount(member_of, weights=capable, minlength=n).astype(np.int64)

    ledger_of = pc.index_in(ledger.column("household_id"), value_set=household_id)
    ledger_of = ledger_of.to_numpy(zero_copy_only=False).astype(np.int64)
    ledger_year = ledger.column("year").to_numpy()
    ledger_item = ledger.column("item").combine_chunks()
    cents = _cents(ledger.column("amount"))
    sign = np.array([{"income": 1, "cost": -1}.get(LEDGER_ITEMS[c].kind, 0) for c in ITEM])
    item_idx = pc.index_in(ledger_item, value_set=pa.array(list(ITEM))).to_numpy(
        zero_copy_only=False).astype(np.int64)
    before = ledger_year == year - 1
    net_before = np.bincount(ledger_of[before], weights=(sign[item_idx] * cents)[before],
                             minlength=n)

    policy = load_policy()
    ages = {
        "skills_training": policy.training_ages,
        "job_placement": policy.job_placement_ages,
        "public_welfare_post": policy.welfare_post_ages,
    }
    town = pc.utf8_slice_codeunits(households.column("village_code"), 0, 9).combine_chunks()
    town_codes, town_idx = np.unique(town.to_numpy(zero_copy_only=False), return_inverse=True)
    category = households.column("category").to_numpy(zero_copy_only=False)
    root = np.random.SeedSequence([seed, 13])
    town_rng, *_ = root.spawn(1)
    town_lean = np.random.default_rng(town_rng).normal(0, TOWN_SPREAD, town_codes.size)
    income_pc = net_before / 100 / np.maximum(size, 1)
    log_pc = np.log(np.clip(income_pc, 1000, None))
    lean = (-POORER_LEAN * (log_pc - np.median(log_pc[size > 0]))
            + SIZE_LEAN * (size - 3) + ASSISTED_LEAN * (category != "ordinary") + town_lean[town_idx])

    taken = np.zeros(n, dtype=bool)
    received_parts = []
    planted_cents = np.zeros(n, dtype=np.int64)
    item_of = np.full(n, -1, dtype=np.int64)
    # engine.measures' order, so a seed gives the same receivers whatever order the flags came in.
    for measure in (m for m in MEASURES if m in effects):
        rng = np.random.default_rng(np.random.SeedSequence([seed, 13, MEASURES.index(measure)]))
        if measure == "asset_dividend":
            fits = (labor == 0) & (size > 0)
        elif measure == "morale_support":
            fits = size > 0
        else:
            # Whether a household fits is its labor count alone: a rule on what the
            # evaluation does not see (members' ages, skills) would choose households
            # whose income moves differently, and no weighting could undo that.
            fits = labor > 0
        if measure in PERSON_MEASURES:
            fits_member = _receivers(measure, capable, age, has_skill, member_of, n, ages)
        pool = np.flatnonzero(fits & ~taken)
        p = _propensity(lean[pool], RECEIVE_SHARE * int((size > 0).sum()))
        chosen = pool[rng.random(pool.size) < p]
        taken[chosen] = True
        amount = np.round(effects[measure] * np.maximum(net_before[chosen], 0)).astype(np.int64)
        planted_cents[chosen] = amount
        item_of[chosen] = ITEM[EFFECT_ITEMS[measure]]
        person = pa.nulls(chosen.size, pa.string())
        if measure in PERSON_MEASURES:
            # Training gives the skill whatever its share: the share is only what the
            # skill is worth in income.
            member = _one_member_each(rng, member_of, fits_member, chosen, n)
            person = persons.column("person_id").take(pa.array(member))
            if measure == "skills_training":
                has_skill[member] = True
        start = np.datetime64(f"{year - 1}-01-01") + rng.integers(
            0, 365 + _leap(year - 1), chosen.size).astype("timedelta64[D]")
        received_parts.append(pa.table({
            "household_id": household_id.take(pa.array(chosen)),
            "person_id": person,
            "measure": pa.array([measure] * chosen.size, pa.string()),
            "started_on": pa.array(start, pa.date32()),
            "planted_yuan": to_decimal(amount).cast(pa.decimal128(14, 2)),
        }, schema=PLANTED_SCHEMA))

    received = (pa.concat_tables(received_parts) if received_parts
                else PLANTED_SCHEMA.empty_table())
    out = dict(tables)
    out["income_items"] = _book(ledger, ledger_of, item_idx, cents, household_id, year,
                                planted_cents, item_of)
    column = persons.schema.get_field_index("has_skill")
    out["persons"] = persons.set_column(column, persons.schema.field(column), pa.array(has_skill))
    return out, received


def _receivers(measure, capable, age, has_skill, member_of, n, ages) -> np.ndarray:
    """The members who may receive a person's measure: labor-capable members of the
    measure's ages (for training, those without a skill first); in a household that has
    none of those, any labor-capable member."""
    preferred = capable & (age >= ages[measure].low) & (age <= ages[measure].high)
    if measure == "skills_training":
        untrained = preferred & ~has_skill
        preferred = untrained | (preferred & ~_any_in_household(untrained, member_of, n))
    return preferred | (capable & ~_any_in_household(preferred, member_of, n))


def _any_in_household(mask, member_of, n) -> np.ndarray:
    return (np.bincount(member_of, weights=mask, minlength=n) > 0)[member_of]


def _cents(amount: pa.ChunkedArray) -> np.ndarray:
    scaled = pc.multiply(amount, pa.scalar(100, pa.decimal128(5, 0)))
    return pc.cast(scaled, pa.int64()).to_numpy()


def _leap(y: int) -> int:
    return int(dt.date(y, 12, 31).timetuple().tm_yday == 366)


def _propensity(lean: np.ndarray, expected: float) -> np.ndarray:
    """Probabilities logistic in `lean`, shifted so that they sum to `expected` (or to
    half the pool, when the pool is small: someone must be left to compare)."""
    if lean.size == 0:
        return lean
    expected = min(expected, 0.5 * lean.size)
    low, high = -30.0, 30.0
    for _ in range(40):
        mid = (low + high) / 2
        if (1 / (1 + np.exp(-(lean + mid)))).sum() < expected:
            low = mid
        else:
            high = mid
    return 1 / (1 + np.exp(-(lean + (low + high) / 2)))


def _one_member_each(rng, member_of, fits_member, chosen, n) -> np.ndarray:
    """For each chosen household, one of its fitting members at random."""
    candidates = np.flatnonzero(fits_member & np.isin(member_of, chosen))
    order = np.lexsort((rng.random(candidates.size), member_of[candidates]))
    candidates = candidates[order]
    first = np.r_[True, member_of[candidates][1:] != member_of[candidates][:-1]]
    picked = candidates[first]
    position = np.full(n, -1, dtype=np.int64)
    position[member_of[picked]] = picked
    return position[chosen]


def _book(ledger, ledger_of, item_idx, cents, household_id, year, planted_cents, item_of):
    """Add each planted amount to the household's survey row of its item in `year`, or a
    new row where there is none, keeping the ledger household by household."""
    gets = np.flatnonzero(planted_cents > 0)
    if gets.size == 0:
        return ledger
    width = len(ITEM)
    key = ledger_of * width + item_idx
    is_survey = (ledger.column("year").to_numpy() == year) & pc.equal(
        ledger.column("source"), "survey").to_numpy(zero_copy_only=False)
    survey_rows = np.flatnonzero(is_survey)
    survey_keys = key[survey_rows]
    wanted = gets * width + item_of[gets]
    order = np.argsort(survey_keys, kind="stable")
    at = np.searchsorted(survey_keys[order], wanted)
    found = (at < survey_rows.size) & (survey_keys[order][np.minimum(at, survey_rows.size - 1)] == wanted)
    cents = cents.copy()
    cents[survey_rows[order][at[found]]] += planted_cents[gets[found]]
    new = gets[~found]
    schema = TABLES["income_items"].arrow_schema
    ledger = ledger.set_column(schema.get_field_index("amount"), schema.field("amount"),
                               to_decimal(cents).cast(schema.field("amount").type))
    items = pa.array(list(ITEM)).take(pa.array(item_of[new]))
    added = pa.table({
        "household_id": household_id.take(pa.array(new)),
        "year": pa.array(np.full(new.size, year, dtype=np.int32)),
        "item": items,
        "amount": to_decimal(planted_cents[new]).cast(schema.field("amount").type),
        "source": pa.array(["survey"] * new.size, pa.string()),
    }, schema=schema)
    whole = pa.concat_tables([ledger.cast(schema), added])
    is_current = np.r_[ledger.column("year").to_numpy() == year, np.ones(new.size, bool)]
    sort_key = np.r_[ledger_of, new] * 64 * 2 + is_current * 64 + np.r_[item_idx, item_of[new]]
    return whole.take(pa.array(np.argsort(sort_key, kind="stable")))
