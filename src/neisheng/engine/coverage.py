"""Coverage of the policy targets (workflows.md "Assistance measures", issue 13): which
labor-capable members have no skill, which former poor villages have no specialty
industry (一村一品), which able households take part in no industry, and which households
without labor capacity get neither asset dividends nor social assistance.

Pure: contract tables in (Arrow, as `engine.schema.TABLES` describes them), gaps out.
Pages, exports and the API call these; they never restate a target.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from neisheng.engine.backend import connect
from neisheng.engine.members import in_ages
from neisheng.engine.schema import LABOR_CAPABLE
from neisheng.policy import Policy

MEMBER_WITHOUT_SKILL = "member_without_skill"
POOR_VILLAGE_WITHOUT_INDUSTRY = "poor_village_without_industry"
ABLE_HOUSEHOLD_WITHOUT_INDUSTRY = "able_household_without_industry"
INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT = "incapable_household_without_support"

# The targets in the order pages list them, with their Chinese names (msgids).
TARGETS = {
    MEMBER_WITHOUT_SKILL: "有劳动能力但未掌握技能的成员",
    POOR_VILLAGE_WITHOUT_INDUSTRY: "没有特色产业的原贫困村",
    ABLE_HOUSEHOLD_WITHOUT_INDUSTRY: "未参与产业的有劳动能力户",
    INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT: "无劳动能力且无分红、无兜底保障的户",
}

# villages: one row per village the caller covers.
VILLAGES_SCHEMA = pa.schema([
    ("village_code", pa.string()),
    ("poor", pa.bool_()),          # on the county's list of former poor villages (原贫困村)
    ("has_industry", pa.bool_()),  # has a specialty industry in `year`
])

GAPS_SCHEMA = pa.schema([
    ("target", pa.string()),
    ("village_code", pa.string()),
    ("household_id", pa.string()),  # null for a village's gap
    ("person_id", pa.string()),     # set only for member_without_skill
])

COUNTS_SCHEMA = pa.schema([
    ("target", pa.string()),
    ("village_code", pa.string()),
    ("eligible", pa.int64()),  # members, villages or households the target is about
    ("gaps", pa.int64()),      # of them, how many miss it
])


def coverage_gaps(*, households: pa.Table, persons: pa.Table, income_items: pa.Table, villages: pa.Table,
                  policy: Policy, year: int) -> tuple[pa.Table, pa.Table]:
    """(gaps, counts): every gap (GAPS_SCHEMA, sorted by target in TARGETS order, then
    village, household, person) and per village and target how many are eligible and
    how many miss it (COUNTS_SCHEMA; a village with nothing eligible for a target has
    no row for it)."""
    con = connect("duckdb")
    try:
        h = con.create_table("coverage_households", households.select(COLUMNS_READ["households"]), temp=True)
        p = con.create_table("coverage_persons", persons.select(COLUMNS_READ["persons"]), temp=True)
        i = con.create_table("coverage_income_items", income_items.select(COLUMNS_READ["income_items"]), temp=True)
        v = con.create_table("coverage_villages", villages.select(VILLAGES_SCHEMA.names).cast(VILLAGES_SCHEMA),
                             temp=True)
        # Materialised once: the union is the costly part to compile and to run, and
        # both the gaps and the counts read it.
        eligible = con.create_table("coverage_eligible", ibis.union(*_eligible(h, p, i, v, policy=policy, year=year)),
                                    temp=True)
        order = _target_order(eligible.target)
        gaps = (eligible.filter(eligible.gap)
                .order_by([order, eligible.village_code, eligible.household_id.asc(nulls_first=True),
                           eligible.person_id.asc(nulls_first=True)])
                .select(*GAPS_SCHEMA.names))
        counts = (eligible.group_by(["target", "village_code"])
                  .aggregate(eligible=eligible.count(), gaps=eligible.gap.cast("int64").sum()))
        counts = counts.order_by([_target_order(counts.target), counts.village_code]).select(*COUNTS_SCHEMA.names)
        return con.to_pyarrow(gaps).cast(GAPS_SCHEMA), con.to_pyarrow(counts).cast(COUNTS_SCHEMA)
    finally:
        con.disconnect()


def _target_order(target):
    return ibis.cases(*((target == name, n) for n, name in enumerate(TARGETS)), else_=len(TARGETS))


# The contract columns the targets read: a caller holding the tables in files reads
# only these (a county's persons are mostly names and ID numbers the targets never use).
COLUMNS_READ = {
    "households": ["household_id", "village_code", "status", "category", "industry_linked", "cooperative_member"],
    "persons": ["person_id", "household_id", "birth_date", "has_skill", "labor", "alive"],
    "income_items": ["household_id", "year", "item", "amount"],
}
_SUPPORT_ITEMS = ("dibao", "tekun")


def _eligible(h, p, i, v, *, policy: Policy, year: int) -> list:
    """Per target, one row per member, household or village the target is about, with
    `gap` when it misses it; all four in one shape so one union counts them."""
    covered = h.filter(h.status.isin(list(policy.measures_coverage_statuses)))
    # Labor capacity as alive_members (monitoring's rules) reads it, without the other
    # member facts a run needs: each would be compiled and computed for nothing.
    alive = p.filter(p.alive)
    alive = alive.select("person_id", "household_id", "birth_date", "has_skill",
                         labor_capable=alive.labor.isin(sorted(LABOR_CAPABLE)))
    members = alive.join(covered.select("household_id", "village_code"), "household_id")
    no_person = ibis.null().cast("string")

    trainable = members.filter(members.labor_capable
                               & in_ages(members.birth_date, policy.training_ages, policy.reference_date))
    skill = trainable.select(target=ibis.literal(MEMBER_WITHOUT_SKILL), village_code=trainable.village_code,
                             household_id=trainable.household_id, person_id=trainable.person_id,
                             gap=~trainable.has_skill)

    facts = members.group_by("household_id").aggregate(alive=members.count(), capable=members.labor_capable.any())
    with_facts = covered.join(facts, "household_id")
    able = with_facts.filter(with_facts.capable)
    industry = able.select(target=ibis.literal(ABLE_HOUSEHOLD_WITHOUT_INDUSTRY), village_code=able.village_code,
                           household_id=able.household_id, person_id=no_person,
                           gap=~able.industry_linked & ~able.cooperative_member)

    paid = i.filter((i.year == year) & (i.amount > 0))
    dividend = paid.filter(paid.item == "dividend").select("household_id").distinct()
    assistance = paid.filter(paid.item.isin(list(_SUPPORT_ITEMS))).select("household_id").distinct()
    # A household whose members have all died has no one left to support: monitoring
    # names it (no_members) and the registry closes it; it is no coverage gap.
    incapable = with_facts.filter(~with_facts.capable & (with_facts.alive > 0))
    incapable = incapable.mutate(
        has_dividend=incapable.household_id.isin(dividend.household_id),
        has_assistance=incapable.household_id.isin(assistance.household_id),
    )
    support = incapable.select(
        target=ibis.literal(INCAPABLE_HOUSEHOLD_WITHOUT_SUPPORT), village_code=incapable.village_code,
        household_id=incapable.household_id, person_id=no_person,
        gap=~incapable.has_dividend & (incapable.category == "ordinary") & ~incapable.has_assistance,
    )

    poor = v.filter(v.poor)
    villages = poor.select(target=ibis.literal(POOR_VILLAGE_WITHOUT_INDUSTRY), village_code=poor.village_code,
                           household_id=ibis.null().cast("string"), person_id=no_person, gap=~poor.has_industry)
    return [skill, industry, support, villages]
