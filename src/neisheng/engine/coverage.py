"""Coverage of the policy targets (workflows.md "Assistance measures", issue 13): which
labor-capable members have no skill, which former poor villages have no specialty
industry (一村一品), which able households take part in no industry, and which households
without labor capacity get neither asset dividends nor social assistance.

Pure: contract tables in (Arrow, as `engine.schema.TABLES` describes them), gaps out.
Pages, exports and the API call these; they never restate a target.
"""

from __future__ import annotations

import pyarrow as pa

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
    raise NotImplementedError
