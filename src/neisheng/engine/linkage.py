"""Linking a department feed's rows to registry persons (feeds.md "Matching").

Exact on the ID number first; the rest with a Fellegi–Sunter model in Splink (DuckDB
here, the same settings on Spark) on the name and its pinyin, birth date, sex, the ID
number's digits and the village or address. Each row ends as exact, probable, review or
unmatched (engine.feeds.MATCH_KINDS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# The comparisons of the probabilistic model, in the order pages show them.
COMPARISONS = ("name", "birth_date", "sex", "id_number", "village")
COMPARISON_LABELS = {"name": "姓名", "birth_date": "出生日期", "sex": "性别", "id_number": "证件号码",
                     "village": "村或住址"}


@dataclass(frozen=True)
class Linkage:
    # One row per feed row: row (int64, the spreadsheet's number), person_id, household_id
    # (null unless exact/probable/review), match_kind, match_probability (1.0 for exact),
    # match_weight (bits; null for exact and for rows without a candidate).
    matches: pa.Table
    # Candidate pairs worth showing (at least `review`, best few per row), best first:
    # row, rank (1 = best), person_id, household_id, match_probability, match_weight, and
    # for each comparison c: level_<c> (a level code, see LEVEL_LABELS) and w_<c> (bits).
    pairs: pa.Table
    # The model as used (JSON-able): parameters, blocking rules, thresholds.
    settings: dict = field(default_factory=dict)


def link_feed(feed: pa.Table, *, persons: pa.Table, households: pa.Table, divisions: pa.Table,
              auto_accept: float, review: float, backend: str = "duckdb", spark=None) -> Linkage:
    raise NotImplementedError("helper B writes this")
