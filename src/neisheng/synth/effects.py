"""Known effects planted in a synthetic county (issue 13), so that the evaluation can be
checked against the truth: some households receive each measure in `year` − 1 (more
often the poorer and the larger ones, as in life), and their income of `year` rises by
the planted share of their net income of `year` − 1, booked under the ledger item the
measure works through. A measure planted with 0 is received and changes nothing.
"""

from __future__ import annotations

import pyarrow as pa

# The ledger item through which each measure raises income.
EFFECT_ITEMS = {
    "skills_training": "wage",
    "job_placement": "wage",
    "public_welfare_post": "public_welfare_post",
    "industry_support": "business_crop",
    "microcredit": "business_other",
    "asset_dividend": "dividend",
}

# measures_received.parquet: engine.evaluation.RECEIVED_SCHEMA plus the truth.
PLANTED_SCHEMA = pa.schema([
    ("household_id", pa.string()),
    ("person_id", pa.string()),
    ("measure", pa.string()),
    ("started_on", pa.date32()),
    ("planted_yuan", pa.decimal128(14, 2)),  # added to the household's income of `year`
])


def plant_effects(tables: dict[str, pa.Table], *, effects: dict[str, float], seed: int,
                  year: int) -> tuple[dict[str, pa.Table], pa.Table]:
    """The county's tables with the effects planted (only income_items changes, and
    persons' has_skill for the trained) and the measures received (PLANTED_SCHEMA)."""
    raise NotImplementedError
