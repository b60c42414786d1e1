"""Linking a department feed's rows to registry persons (feeds.md "Matching").

Exact on the ID number first; the rest with a Fellegi–Sunter model in Splink (DuckDB
here, the same settings on Spark) on the name and its pinyin, birth date, sex, the ID
number's digits and the village or address. Each row ends as exact, probable, review or
unmatched (engine.feeds.MATCH_KINDS).

The model needs no labelled data: u-probabilities (how often two different persons agree
by chance) are counted on pairs of registry persons, m-probabilities (how often the same
person's two records agree) are the error rates stated in `M_PROBABILITIES`, and the
prior is one in the registry's size. Nothing is sampled at random, so the same input
gives the same output.

On Spark the two sides are prepared here (DuckDB) and handed to Splink's SparkAPI with
the same comparisons written in Spark SQL (the session needs Splink's similarity jar,
`splink.backends.spark.similarity_jar_location()`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import pyarrow as pa

from neisheng.ids import EARLIEST_BIRTH_DATE

# The comparisons of the probabilistic model, in the order pages show them.
COMPARISONS = ("name", "birth_date", "sex", "id_number", "village")
COMPARISON_LABELS = {"name": "姓名", "birth_date": "出生日期", "sex": "性别", "id_number": "证件号码",
                     "village": "村或住址"}

# Each comparison's levels, best first, the last one "anything else"; a comparison whose
# value is missing on either side scores `<c>_missing` (weight 0).
LEVELS = {
    "name": ("name_exact", "name_pinyin", "name_similar", "name_other"),
    "birth_date": ("birth_date_exact", "birth_date_near", "birth_date_other"),
    "sex": ("sex_same", "sex_other"),
    "id_number": ("id_number_1", "id_number_other"),
    "village": ("village_same", "village_town", "village_other"),
}
LEVEL_LABELS = {
    "name_exact": "姓名相同",
    "name_pinyin": "姓名同音或繁简不同",
    "name_similar": "姓名读音相近",
    "name_other": "姓名不同",
    "name_missing": "姓名缺失",
    "birth_date_exact": "出生日期相同",
    "birth_date_near": "出生年月相同或日月颠倒",
    "birth_date_other": "出生日期不同",
    "birth_date_missing": "出生日期缺失",
    "sex_same": "性别相同",
    "sex_other": "性别不同",
    "sex_missing": "性别未知",
    "id_number_1": "证件号码差一位或相邻两位颠倒",
    "id_number_other": "证件号码不同",
    "id_number_missing": "证件号码缺失",
    "village_same": "同村",
    "village_town": "同乡镇不同村",
    "village_other": "不同乡镇",
    "village_missing": "住址未识别",
}

# How often the same person's two records land in each level: the error rates we assume
# for department lists (name: 6% homophone or traditional-form variants, 3% near-sounding
# typos; birth date: 5% with the month right or day and month swapped; sex: 2% recorded
# wrongly; the ID number, for rows whose ID did NOT match exactly: one wrong, missing or
# swapped digit in 90%, anything else (another person's number, an old 15-digit one) in
# 10%; village: 85% at the registry's village, 7% elsewhere in the town, the rest moved
# away).
M_PROBABILITIES = {
    "name": (0.89, 0.06, 0.03, 0.02),
    "birth_date": (0.92, 0.05, 0.03),
    "sex": (0.98, 0.02),
    "id_number": (0.90, 0.10),
    "village": (0.85, 0.07, 0.08),
}

# Persons whose pairs are compared for the fuzzy levels' u-probabilities: the first ones
# in a fixed hash order, so the count is the same on every run.
U_SAMPLE_PERSONS = 1000
JARO_WINKLER_AT_LEAST = 0.9
# Two registry numbers are never one slip apart (the check character differs too), so
# the registry cannot show how often a slipped number lands on a stranger. Counted
# instead: a number one slip from a given one is one of about 15 valid numbers (17 × 9
# changed digits and 16 swaps, one in 11 with a fitting check character), and another
# person holds a given one with chance 1 in 29,200 birth dates × 1,000 sequences of a
# county: 15 / 29,200,000 ≈ 5·10⁻⁷ (less with more counties).
ID_CLOSE_BY_CHANCE = 5e-7

# Besides the probability, a row is auto-accepted (probable) only when
# - its name agrees at least in sound: one slip from a number must not carry a wholly
#   different name through;
# - something beyond name and place agrees: the birth date (exact or near) or the ID
#   number's digits (feeds.md: two persons of the same name in the same village are
#   never linked on name alone);
# - its ID number, if valid (check character fits), is one slip from the candidate's: a
#   valid number that is neither the candidate's nor a slip of it names someone else, or
#   the registry is wrong; a clerk looks at it (review);
# - its second candidate is below `review` (namesakes go to review).
IDENTIFYING_LEVELS = frozenset({"birth_date_exact", "birth_date_near", "id_number_1"})
NAME_AGREEING_LEVELS = frozenset({"name_exact", "name_pinyin", "name_similar"})

CANDIDATES_KEPT = 3

MATCHES_SCHEMA = pa.schema([
    ("row", pa.int64()), ("person_id", pa.string()), ("household_id", pa.string()),
    ("match_kind", pa.string()), ("match_probability", pa.float64()), ("match_weight", pa.float64()),
])
PAIRS_SCHEMA = pa.schema(
    [("row", pa.int64()), ("rank", pa.int64()), ("person_id", pa.string()), ("household_id", pa.string()),
     ("match_probability", pa.float64()), ("match_weight", pa.float64())]
    + [(f"level_{c}", pa.string()) for c in COMPARISONS]
    + [(f"w_{c}", pa.float64()) for c in COMPARISONS]
)


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


# --- names ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _converters():
    from opencc import OpenCC
    from pypinyin import lazy_pinyin

    return OpenCC("t2s"), lazy_pinyin


@lru_cache(maxsize=200_000)
def _char_forms(char: str) -> tuple[str, str]:
    """A character's simplified form and its toneless pinyin (the commonest reading:
    both sides read the same character the same way, which is all matching needs)."""
    t2s, lazy_pinyin = _converters()
    simple = t2s.convert(char) or char
    return simple, "".join(lazy_pinyin(simple)).lower()


def _register_name_forms(con: duckdb.DuckDBPyConnection) -> None:
    """`name_forms`: the simplified form and pinyin of each distinct name in `names`,
    converted character by character: a registry has a few thousand distinct characters
    against millions of names, so the converters run once per character (cached) and
    each name is joined from its characters' forms (faster in Python than exploding the
    names in SQL: 0.5 s against 3 s for 116,000 names)."""
    names = _arrow(con.execute("SELECT name FROM names ORDER BY name"))["name"]
    simple, pinyin = [], []
    for name in names.to_pylist():
        forms = [_char_forms(ch) for ch in name if not ch.isspace()]
        simple.append("".join(f[0] for f in forms))
        pinyin.append("".join(f[1] for f in forms))
    con.register("name_forms_in", pa.table({"name": names, "name_s": pa.array(simple, pa.string()),
                                            "pinyin": pa.array(pinyin, pa.string())}))
    con.execute("CREATE TEMP TABLE name_forms AS SELECT * FROM name_forms_in")


# --- preparation in DuckDB ---------------------------------------------------------------

# Comparison columns, the same on both sides so that Splink can stack them.
_SIDE_COLUMNS = ("uid", "name_s", "pinyin", "bd", "bd_ym", "bd_swap", "sex", "id_number", "village", "town")


def _birth_columns(expr: str) -> str:
    return (f"strftime({expr}, '%Y-%m-%d') AS bd, strftime({expr}, '%Y-%m') AS bd_ym, "
            f"strftime({expr}, '%Y-%d-%m') AS bd_swap")


# MOD 11-2 weights of the ID number's first 17 digits (GB 11643).
_ID_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"


def _prepare_exact(con: duckdb.DuckDBPyConnection, feed: pa.Table, persons: pa.Table) -> None:
    """`feed_ids` (the rows with their cleaned ID number, its date, sex and whether its
    check character fits) and `exact` (rows whose number a registry person holds)."""
    feed_in = feed.select(["row", "id_number", "name", "birth_date", "address"])
    # The rows come back in the feed's own order.
    feed_in = feed_in.append_column("position", pa.array(range(feed_in.num_rows), pa.int64()))
    con.register("feed_in", feed_in)
    con.register("persons_in", persons.select(["person_id", "household_id", "name", "sex", "birth_date"]))
    con.execute(f"""
        CREATE TEMP TABLE feed_ids AS
        WITH cleaned AS (
            SELECT row, name, address, birth_date,
                   nullif(upper(replace(id_number, ' ', '')), '') AS id_number
            FROM feed_in
        ),
        shaped AS (
            SELECT *, coalesce(regexp_full_match(id_number, '[0-9]{{17}}[0-9X]'), false) AS id_shaped
            FROM cleaned
        ),
        dated AS (
            SELECT *, CASE WHEN id_shaped THEN try_strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE END AS id_date
            FROM shaped
        ),
        -- A slipped year digit can still spell a date (6980-03-15): only a possible
        -- birth date counts, as in neisheng.ids.
        checked AS (
            SELECT *, coalesce(id_date BETWEEN DATE '{EARLIEST_BIRTH_DATE:%Y-%m-%d}' AND current_date, false)
                   AS id_dated
            FROM dated
        )
        SELECT row, name, address, birth_date, id_number,
               CASE WHEN id_dated THEN id_date END AS id_birth,
               CASE WHEN id_dated THEN CASE WHEN substr(id_number, 17, 1)::INT % 2 = 1 THEN 'male' ELSE 'female' END
               END AS id_sex,
               CASE WHEN id_shaped THEN substr('10X98765432', list_sum(list_transform(range(1, 18),
                    i -> CAST(substr(id_number, i, 1) AS INT) * {_ID_WEIGHTS}[i]))::BIGINT % 11 + 1, 1)
                    = substr(id_number, 18, 1) ELSE false END AS id_valid
        FROM checked
    """)
    con.execute("""
        CREATE TEMP TABLE exact AS
        SELECT f.row, any_value(p.person_id) AS person_id, any_value(p.household_id) AS household_id
        FROM feed_ids f JOIN persons_in p ON upper(p.person_id) = f.id_number
        GROUP BY f.row
    """)


def _prepare_model(con: duckdb.DuckDBPyConnection, households: pa.Table, divisions: pa.Table) -> None:
    """`registry` and `incoming` (the rows not linked exactly), with the comparison
    columns of `_SIDE_COLUMNS`."""
    con.register("households_in", households.select(["household_id", "village_code"]))
    con.register("divisions_in", divisions.select(["code", "name", "level", "parent_code"]))
    con.execute("""
        CREATE TEMP TABLE names AS
        SELECT name FROM feed_ids WHERE name IS NOT NULL AND row NOT IN (SELECT row FROM exact)
        UNION SELECT name FROM persons_in WHERE name IS NOT NULL
    """)
    _register_name_forms(con)

    # Villages of the registry with their town, and the text that names them in an
    # address: "town+village" (or the village alone, or the town alone) when that text
    # is unique.
    con.execute("""
        CREATE TEMP TABLE villages AS
        SELECT v.code AS village, v.name AS village_name, t.code AS town, t.name AS town_name
        FROM divisions_in v LEFT JOIN divisions_in t ON t.code = v.parent_code
        WHERE v.level = 5 AND v.code IN (SELECT DISTINCT village_code FROM households_in)
    """)
    con.execute("""
        CREATE TEMP TABLE place_names AS
        WITH named AS (
            SELECT town_name || village_name AS place, village, town FROM villages WHERE town_name IS NOT NULL
            UNION ALL SELECT village_name, village, town FROM villages
            UNION ALL SELECT DISTINCT town_name, NULL, town FROM villages WHERE town_name IS NOT NULL
        )
        SELECT place, any_value(village) AS village, any_value(town) AS town
        FROM named GROUP BY place
        HAVING count(DISTINCT coalesce(village, '')) = 1 AND count(DISTINCT town) = 1
    """)
    con.execute(f"""
        CREATE TEMP TABLE registry AS
        SELECT p.person_id AS uid, f.name_s, f.pinyin, {_birth_columns('p.birth_date')},
               p.sex, upper(p.person_id) AS id_number, h.village_code AS village, v.town,
               p.household_id
        FROM persons_in p
        LEFT JOIN name_forms f ON f.name = p.name
        LEFT JOIN households_in h ON h.household_id = p.household_id
        LEFT JOIN villages v ON v.village = h.village_code
    """)
    # The place an address names: the longest known name ending where its first
    # 村/社区 (or, failing that, its first 镇/乡/街道) ends. Only the distinct prefixes
    # are looked up, a few thousand whatever the feed's size.
    con.execute("""
        CREATE TEMP TABLE address_place AS
        WITH prefixes AS (
            SELECT DISTINCT address,
                   nullif(regexp_extract(address, '^(.*?(村|社区))', 1), '') AS to_village,
                   nullif(regexp_extract(address, '^(.*?(镇|乡|街道))', 1), '') AS to_town
            FROM feed_ids WHERE address IS NOT NULL AND row NOT IN (SELECT row FROM exact)
        ),
        tails AS (
            SELECT address, 1 AS pass, right(to_village, n) AS tail, n
            FROM prefixes, range(2, 25) t(n) WHERE to_village IS NOT NULL AND n <= length(to_village)
            UNION ALL
            SELECT address, 2, right(to_town, n), n
            FROM prefixes, range(2, 13) t(n) WHERE to_town IS NOT NULL AND n <= length(to_town)
        )
        SELECT address, arg_max(p.village, t.n) AS village, arg_max(p.town, t.n) AS town
        FROM tails t JOIN place_names p ON p.place = t.tail
        WHERE (t.pass = 1 AND p.village IS NOT NULL) OR (t.pass = 2 AND p.village IS NULL)
        GROUP BY address
        QUALIFY row_number() OVER (PARTITION BY address ORDER BY min(t.pass)) = 1
    """)
    con.execute(f"""
        CREATE TEMP TABLE incoming AS
        SELECT CAST(f.row AS VARCHAR) AS uid, n.name_s, n.pinyin,
               {_birth_columns('coalesce(f.birth_date, f.id_birth)')},
               f.id_sex AS sex, f.id_number, a.village, a.town, NULL::VARCHAR AS household_id, f.id_valid
        FROM feed_ids f
        LEFT JOIN name_forms n ON n.name = f.name
        LEFT JOIN address_place a ON a.address = f.address
        WHERE f.row NOT IN (SELECT row FROM exact)
    """)


def _same_value_pairs(con, column: str) -> float:
    """Ordered pairs of different registry persons sharing `column`'s value."""
    return float(con.execute(
        f"SELECT coalesce(sum(n * (n - 1)), 0) FROM (SELECT count(*) AS n FROM registry "
        f"WHERE {column} IS NOT NULL GROUP BY {column})").fetchone()[0])


def _u_probabilities(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, ...]]:
    """Share of pairs of different registry persons in each level. Levels of equal
    values are counted exactly on the whole registry from value frequencies (a pair
    agrees on a value shared by n persons in n·(n-1) ordered ways); the two fuzzy levels
    (pinyin Jaro-Winkler) on all pairs among the first `U_SAMPLE_PERSONS` persons in md5
    order; one ID slip is `ID_CLOSE_BY_CHANCE`. A level no pair reached gets one sampled
    pair's worth, so that its weight stays finite."""
    n = con.execute("SELECT count(*) FROM registry").fetchone()[0]
    total = float(n) * (n - 1)
    same = {column: _same_value_pairs(con, column) / total
            for column in ("name_s", "pinyin", "bd", "bd_ym", "sex", "village", "town")}
    # Day and month swapped (and not the same month): l's swapped date is r's date.
    swapped = float(con.execute("""
        SELECT coalesce(sum(a.n * b.n), 0)
        FROM (SELECT bd_swap, count(*) AS n FROM registry WHERE bd_swap <> bd GROUP BY bd_swap) a
        JOIN (SELECT bd, count(*) AS n FROM registry GROUP BY bd) b ON b.bd = a.bd_swap
    """).fetchone()[0]) / total

    con.execute(f"""
        CREATE TEMP TABLE u_sample AS
        SELECT * FROM registry ORDER BY md5(uid), uid LIMIT {U_SAMPLE_PERSONS}
    """)
    sampled, similar = con.execute(f"""
        SELECT count(*),
               count(*) FILTER (WHERE l.pinyin <> r.pinyin
                                AND jaro_winkler_similarity(l.pinyin, r.pinyin) >= {JARO_WINKLER_AT_LEAST})
        FROM u_sample l JOIN u_sample r ON l.uid < r.uid
    """).fetchone()
    floor = 1.0 / max(sampled, 1)
    similar = similar / max(sampled, 1)

    def levels(*shares: float, floored: bool = True) -> tuple[float, ...]:
        agreeing = [max(share, floor) if floored else share for share in shares]
        return (*agreeing, max(1.0 - sum(agreeing), floor))

    return {
        "name": levels(same["name_s"], same["pinyin"] - same["name_s"], similar),
        "birth_date": levels(same["bd"], same["bd_ym"] - same["bd"] + swapped),
        "sex": levels(same["sex"]),
        "id_number": levels(ID_CLOSE_BY_CHANCE, floored=False),
        "village": levels(same["village"], same["town"] - same["village"]),
    }


# --- the model -----------------------------------------------------------------------------


def _id_close_sql(dialect: str, left: str = "id_number_l", right: str = "id_number_r") -> str:
    """One wrong, missing or extra digit, or two neighbours swapped (Damerau-Levenshtein
    at most 1). There is no "two edits" level: two valid numbers of the same place and
    birth date always differ in two or more places (the check character sees to that),
    so such a level would reward a stranger born on a registry person's birthday.
    Damerau-Levenshtein costs tens of microseconds a pair, so it runs only on the rare
    pairs that a cheap digit-by-digit count (Hamming) leaves undecided."""
    if dialect == "duckdb":
        hamming = f"hamming({left}, {right})"
    else:
        hamming = (f"size(filter(sequence(1, length({left})), "
                   f"i -> substring({left}, i, 1) != substring({right}, i, 1)))")
    dl = f"damerau_levenshtein({left}, {right})"
    return (f"(CASE WHEN length({left}) = length({right}) THEN (CASE WHEN {hamming} <= 1 THEN true "
            f"WHEN {hamming} = 2 THEN {dl} <= 1 ELSE false END) "
            f"WHEN abs(length({left}) - length({right})) = 1 THEN {dl} <= 1 ELSE false END)")


def _comparisons(u: dict[str, tuple[float, ...]], dialect: str = "duckdb"):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    id_close = _id_close_sql(dialect)

    levels = {
        "name": [cll.NullLevel("name_s"), cll.ExactMatchLevel("name_s"), cll.ExactMatchLevel("pinyin"),
                 cll.JaroWinklerLevel("pinyin", JARO_WINKLER_AT_LEAST), cll.ElseLevel()],
        "birth_date": [cll.NullLevel("bd"), cll.ExactMatchLevel("bd"),
                       cll.Or(cll.ExactMatchLevel("bd_ym"),
                              cll.CustomLevel('"bd_swap_l" = "bd_r"', "day and month swapped")),
                       cll.ElseLevel()],
        "sex": [cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()],
        "id_number": [cll.NullLevel("id_number"),
                      cll.CustomLevel(id_close, "one digit wrong, missing or swapped", base_dialect_str=dialect),
                      cll.ElseLevel()],
        "village": [cll.NullLevel("town"), cll.ExactMatchLevel("village"), cll.ExactMatchLevel("town"),
                    cll.ElseLevel()],
    }
    return [
        cl.CustomComparison(output_column_name=c, comparison_levels=levels[c]).configure(
            m_probabilities=list(M_PROBABILITIES[c]), u_probabilities=list(u[c]))
        for c in COMPARISONS
    ]


def _id_part(start: int, length: int) -> str:
    return f"substr(id_number, {start}, {length})"


def _blocking_rules():
    """Which pairs are scored at all. Besides name-sound with birth date or town and
    birth date with village, five parts of the ID number such that any one wrong digit
    among the first 17, or any two neighbours swapped (but 17/18), leaves at least one
    part whole; each part is narrow (area, date and sequence together), so even a county
    of 3.5 million persons offers a handful of candidates per key."""
    from splink import block_on

    return [
        block_on("pinyin", "bd"),
        block_on("pinyin", "town"),
        block_on("bd", "village"),
        block_on(_id_part(8, 11)),                          # slips in digits 1-7
        block_on(_id_part(1, 6), _id_part(12, 7)),          # 7-11
        block_on(_id_part(1, 10), _id_part(15, 4)),         # 11-14
        block_on(_id_part(1, 13), _id_part(16, 3)),         # 14-15
        block_on(_id_part(1, 14), _id_part(18, 1)),         # 15-17
    ]


def _settings(u, prior: float, dialect: str = "duckdb"):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        probability_two_random_records_match=prior,
        comparisons=_comparisons(u, dialect),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        retain_matching_columns=True,  # the level (gamma) columns come with it
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=[],
    )


def _predict(con, backend: str, spark, settings, threshold_weight: float):
    """Scored candidate pairs (feed uid, person uid, weight, probability, gamma and
    weight (bits) per comparison), the best CANDIDATES_KEPT per feed row, as Arrow."""
    from splink import Linker

    side = f"SELECT {', '.join(_SIDE_COLUMNS)} FROM"
    if backend == "duckdb":
        from splink.backends.duckdb import DuckDBAPI

        db_api = DuckDBAPI(connection=con)
        con.execute(f"CREATE TEMP VIEW feed_side AS {side} incoming")
        con.execute(f"CREATE TEMP VIEW registry_side AS {side} registry")
        inputs = [db_api.register("feed_side", dataset_display_name="feed"),
                  db_api.register("registry_side", dataset_display_name="registry")]
    elif backend == "spark":
        from splink.backends.spark import SparkAPI

        if spark is None:
            raise ValueError("backend='spark' needs a SparkSession")
        # Splink cuts long query plans by checkpointing; a session without a checkpoint
        # directory (local mode, tests) keeps the intermediate tables in memory instead.
        lineage = "checkpoint" if spark.sparkContext.getCheckpointDir() else "persist"
        db_api = SparkAPI(spark_session=spark, break_lineage_method=lineage)
        inputs = [db_api.register(spark.createDataFrame(_arrow(con.sql(f"{side} {name}")).to_pandas()),
                                  dataset_display_name=alias)
                  for name, alias in (("incoming", "feed"), ("registry", "registry"))]
    else:
        raise ValueError(f"unknown backend {backend!r}")

    # Splink's timings would land in the CLI's output and every job's log.
    linker = Linker(inputs, settings, log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_weight=threshold_weight)
    columns = ", ".join(f"gamma_{c}, mw_{c}" for c in COMPARISONS)
    ranked = linker.misc.query_sql(f"""
        SELECT * FROM (
          SELECT feed_uid, person_uid, match_weight, match_probability, {columns},
                 row_number() OVER (PARTITION BY feed_uid ORDER BY match_weight DESC, person_uid) AS rank
          FROM (
            SELECT CASE WHEN source_dataset_l = 'feed' THEN uid_l ELSE uid_r END AS feed_uid,
                   CASE WHEN source_dataset_l = 'feed' THEN uid_r ELSE uid_l END AS person_uid,
                   match_weight, match_probability, {columns}
            FROM {predictions.physical_name}
          ) oriented
        ) ranked WHERE rank <= {CANDIDATES_KEPT}
    """, output_type="pandas")
    return pa.Table.from_pandas(ranked, preserve_index=False)


def link_feed(feed: pa.Table, *, persons: pa.Table, households: pa.Table, divisions: pa.Table,
              auto_accept: float, review: float, backend: str = "duckdb", spark=None) -> Linkage:
    con = duckdb.connect()
    # DuckDB draws a progress bar on stdout for long queries: not in a command's output.
    con.execute("SET enable_progress_bar = false")
    try:
        return _link(con, feed, persons, households, divisions, auto_accept, review, backend, spark)
    finally:
        con.close()


def _link(con, feed, persons, households, divisions, auto_accept, review, backend, spark) -> Linkage:
    _prepare_exact(con, feed, persons)
    registry_size = persons.num_rows
    left = con.execute("SELECT count(*) FROM feed_ids WHERE row NOT IN (SELECT row FROM exact)").fetchone()[0]
    prior = 1.0 / max(registry_size, 2)
    described = {
        "prior": prior,
        "registry_size": registry_size,
        "m_probabilities": {c: list(M_PROBABILITIES[c]) for c in COMPARISONS},
        "levels": {c: list(LEVELS[c]) for c in COMPARISONS},
        "auto_accept": auto_accept,
        "review": review,
        "identifying_levels": sorted(IDENTIFYING_LEVELS),
        "name_agreeing_levels": sorted(NAME_AGREEING_LEVELS),
        "backend": backend,
    }
    scored = None
    if left and registry_size:
        # Only rows the ID number did not settle need the model (and pinyin, places, u).
        _prepare_model(con, households, divisions)
        u = _u_probabilities(con) if registry_size > 1 else {c: tuple(1.0 / len(LEVELS[c]) for _ in LEVELS[c])
                                                              for c in COMPARISONS}
        dialect = "spark" if backend == "spark" else "duckdb"
        settings = _settings(u, prior, dialect)
        described["u_probabilities"] = {c: list(u[c]) for c in COMPARISONS}
        described["blocking_rules"] = [r.get_blocking_rule(dialect).blocking_rule_sql for r in _blocking_rules()]
        # Candidates far below `review` are never shown; keeping them would only cost memory.
        floor_weight = math.log2(review / (1 - review)) - 10 if 0 < review < 1 else -10
        scored = _predict(con, backend, spark, settings, floor_weight)
    else:
        con.execute("CREATE TEMP TABLE registry AS SELECT person_id AS uid, household_id FROM persons_in LIMIT 0")
        con.execute("CREATE TEMP TABLE incoming AS SELECT CAST(row AS VARCHAR) AS uid, id_valid FROM feed_ids "
                    "LIMIT 0")
    _candidates(con, scored)
    matches, pairs = _outcomes(con, auto_accept, review)
    return Linkage(matches=matches, pairs=pairs, settings=described)


def _candidates(con, scored: pa.Table | None) -> None:
    """Registers `candidates`: feed row, rank, person, household, weight, probability
    and the level code and weight (bits) of every comparison."""
    empty = pa.table(
        {"feed_uid": pa.array([], pa.string()), "person_uid": pa.array([], pa.string()),
         "match_weight": pa.array([], pa.float64()), "match_probability": pa.array([], pa.float64()),
         "rank": pa.array([], pa.int64()),
         **{f"gamma_{c}": pa.array([], pa.int64()) for c in COMPARISONS},
         **{f"mw_{c}": pa.array([], pa.float64()) for c in COMPARISONS}})
    scored = empty if scored is None or scored.num_rows == 0 else scored
    con.register("scored", scored)
    levels = ", ".join(
        "CASE " + " ".join(
            f"WHEN gamma_{c} = {len(LEVELS[c]) - 1 - i} THEN '{name}'" for i, name in enumerate(LEVELS[c])
        ) + f" ELSE '{c}_missing' END AS level_{c}, "
        f"CAST(coalesce(mw_{c}, 0) AS DOUBLE) AS w_{c}"
        for c in COMPARISONS
    )
    con.execute(f"""
        CREATE TEMP TABLE candidates AS
        SELECT CAST(s.feed_uid AS BIGINT) AS row, CAST(s.rank AS BIGINT) AS rank, s.person_uid AS person_id,
               r.household_id, CAST(s.match_probability AS DOUBLE) AS match_probability,
               CAST(s.match_weight AS DOUBLE) AS match_weight, {levels}
        FROM scored s JOIN registry r ON r.uid = s.person_uid
    """)


def _outcomes(con, auto_accept: float, review: float):
    identifying = ", ".join(f"'{level}'" for level in sorted(IDENTIFYING_LEVELS))
    name_agreeing = ", ".join(f"'{level}'" for level in sorted(NAME_AGREEING_LEVELS))
    outcome = f"""
        WITH best AS (SELECT * FROM candidates WHERE rank = 1),
        second AS (SELECT row, match_probability FROM candidates WHERE rank = 2),
        decided AS (
          SELECT b.row, b.person_id, b.household_id, b.match_probability, b.match_weight,
                 CASE
                   WHEN b.match_probability < ? THEN 'unmatched'
                   WHEN b.match_probability >= ?
                        AND coalesce(s.match_probability, 0) < ?
                        AND (b.level_birth_date IN ({identifying}) OR b.level_id_number IN ({identifying}))
                        AND NOT (coalesce(i.id_valid, false) AND b.level_id_number <> 'id_number_1')
                        AND b.level_name IN ({name_agreeing})
                     THEN 'probable'
                   ELSE 'review'
                 END AS match_kind
          FROM best b LEFT JOIN second s USING (row)
          LEFT JOIN incoming i ON i.uid = CAST(b.row AS VARCHAR)
        )
        SELECT f.row, f.position,
               coalesce(e.person_id, CASE WHEN d.match_kind <> 'unmatched' THEN d.person_id END) AS person_id,
               coalesce(e.household_id, CASE WHEN d.match_kind <> 'unmatched' THEN d.household_id END)
                 AS household_id,
               CASE WHEN e.row IS NOT NULL THEN 'exact' ELSE coalesce(d.match_kind, 'unmatched') END AS match_kind,
               CASE WHEN e.row IS NOT NULL THEN 1.0
                    WHEN d.match_kind <> 'unmatched' THEN d.match_probability END AS match_probability,
               CASE WHEN e.row IS NULL AND d.match_kind <> 'unmatched' THEN d.match_weight END AS match_weight
        FROM feed_in f
        LEFT JOIN exact e USING (row)
        LEFT JOIN decided d USING (row)
    """
    con.execute(f"CREATE TEMP TABLE outcome AS {outcome}", [review, auto_accept, review])
    matches = _arrow(con.execute("SELECT * FROM outcome ORDER BY position"))
    pairs = _arrow(con.execute(f"""
        SELECT c.row, c.rank, c.person_id, c.household_id, c.match_probability, c.match_weight,
               {', '.join(f'c.level_{x}' for x in COMPARISONS)}, {', '.join(f'c.w_{x}' for x in COMPARISONS)}
        FROM candidates c JOIN outcome o USING (row)
        WHERE o.match_kind IN ('probable', 'review') OR (o.match_kind = 'unmatched' AND c.rank = 1)
        ORDER BY c.row, c.rank
    """))
    return _conform(matches, MATCHES_SCHEMA), _conform(pairs, PAIRS_SCHEMA)


def _arrow(result) -> pa.Table:
    # Read at once: a lazy reader is emptied by the connection's next query.
    table = result.arrow()
    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return pa.table({f.name: table[f.name].cast(f.type) for f in schema}, schema=schema)
