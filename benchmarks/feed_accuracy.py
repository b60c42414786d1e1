"""Accuracy of the feed linkage (issue 12 item 3) on a synthetic feed with realistic errors.

    python benchmarks/feed_accuracy.py [--households 20000] [--rows 20000] [--seed 1] [--json OUT]

1. A synthetic county (neisheng.synth.generate_county) and a feed drawn from it
   (neisheng.synth.feeds.make_feed, default error rates: 4% ID number missing, 3% two
   adjacent digits swapped, 3% one digit wrong, 5% homophone names, 3% traditional
   forms, 20% without birth date, 15% without address, 5% strangers; about 10% of the
   registry rows are namesakes of someone in the same village).
2. engine.linkage.link_feed with the policy's thresholds (auto_accept 0.95, review 0.5).
3. Precision of auto-accepted links (exact + probable): correct links / all such links,
   strangers included (a stranger linked to anyone is a false link). Recall: correct
   auto-accepted links / rows whose true person is in the registry. Review share: review
   rows / all rows. Then the same per error kind. Goal: precision ≥ 0.99, recall ≥ 0.97,
   review ≤ 3%.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

GOAL_PRECISION, GOAL_RECALL, GOAL_REVIEW = 0.99, 0.97, 0.03


def measure(matches: pa.Table, truth: pa.Table) -> dict:
    """Precision, recall and the outcome shares, overall and per error kind."""
    joined = truth.join(matches.select(["row", "person_id", "match_kind"]), "row", join_type="left outer")
    if joined.num_rows != truth.num_rows or matches.num_rows != truth.num_rows:
        raise SystemExit(f"link_feed returned {matches.num_rows:,} match rows for {truth.num_rows:,} feed rows")
    kind = joined["match_kind"].to_numpy(zero_copy_only=False).astype(str)
    true_person = joined["true_person_id"]
    found = joined["person_id"]
    correct = pc.fill_null(pc.equal(true_person, found), False).to_numpy(zero_copy_only=False)
    known = pc.is_valid(true_person).to_numpy(zero_copy_only=False)
    auto = np.isin(kind, ["exact", "probable"])

    def figures(mask: np.ndarray) -> dict:
        rows = int(mask.sum())
        links = int((auto & mask).sum())
        in_registry = int((known & mask).sum())
        good = int((auto & correct & mask).sum())
        review = kind == "review"
        return {
            "rows": rows,
            "links": links,
            "precision": good / links if links else None,
            "recall": good / in_registry if in_registry else None,
            "false_links": links - good,
            "exact": int(((kind == "exact") & mask).sum()),
            "probable": int(((kind == "probable") & mask).sum()),
            "review": int((review & mask).sum()),
            "review_share": float((review & mask).sum() / rows) if rows else None,
            # Review rows whose best candidate is the true person: what a clerk would accept.
            "review_right_candidate": int((review & correct & mask).sum()),
            "unmatched": int(((kind == "unmatched") & mask).sum()),
        }

    result = {"all": figures(np.ones(truth.num_rows, bool))}
    for column in ("id_error", "name_error"):
        values = joined[column].to_numpy(zero_copy_only=False).astype(str)
        for value in np.unique(values):
            result[f"{column}={value}"] = figures(values == value)
    for column in ("birth_date_missing", "address_missing", "namesake", "stranger"):
        flag = joined[column].to_numpy(zero_copy_only=False).astype(bool)
        result[f"{column}"] = figures(flag)
    id_missing = joined["id_error"].to_numpy(zero_copy_only=False).astype(str) == "missing"
    no_birth = joined["birth_date_missing"].to_numpy(zero_copy_only=False).astype(bool)
    namesake = joined["namesake"].to_numpy(zero_copy_only=False).astype(bool)
    result["id_missing & namesake"] = figures(id_missing & namesake)
    result["id_missing & birth_date_missing"] = figures(id_missing & no_birth)
    return result


def _fmt(value, digits=4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(result: dict) -> str:
    lines = [("| rows | n | auto links | precision | recall | false links | review | review share "
             "| review, true person first | unmatched |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, f in result.items():
        lines.append(f"| {label} | {f['rows']:,} | {f['links']:,} | {_fmt(f['precision'])} | {_fmt(f['recall'])} "
                     f"| {f['false_links']:,} | {f['review']:,} | {_fmt(f['review_share'], 3)} "
                     f"| {f['review_right_candidate']:,} | {f['unmatched']:,} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--feed-type", default="social_assistance")
    parser.add_argument("--namesakes", type=float, default=0.0,
                        help="extra share of persons renamed as namesakes (synth.feeds.add_namesakes)")
    parser.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    from neisheng.engine.linkage import link_feed
    from neisheng.policy import load_policy
    from neisheng.synth import generate_county
    from neisheng.synth.feeds import add_namesakes, make_feed

    policy = load_policy()
    started = time.perf_counter()
    county = generate_county(households=args.households, seed=args.seed, year=args.year)
    persons = county["persons"]
    if args.namesakes:
        persons = add_namesakes(persons, county["households"], share=args.namesakes, seed=args.seed)
    synth = make_feed(persons=persons, households=county["households"], divisions=county["divisions"],
                      rows=args.rows, seed=args.seed, feed_type=args.feed_type)
    print(f"county of {args.households:,} households ({persons.num_rows:,} persons) and a feed of "
          f"{args.rows:,} rows: {time.perf_counter() - started:.1f} s", flush=True)

    spark = None
    if args.backend == "spark":
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location

        # Splink's jar brings its string similarity functions to Spark SQL; few shuffle
        # partitions suit one machine (a cluster keeps Spark's default).
        spark = (SparkSession.builder.master("local[2]").appName("feed_accuracy")
                 .config("spark.jars", similarity_jar_location())
                 .config("spark.sql.shuffle.partitions", "8").getOrCreate())
        # Splink's SparkAPI checkpoints intermediate tables to cut Spark's query plans.
        spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="neisheng-spark-"))
    started = time.perf_counter()
    linkage = link_feed(synth.feed, persons=persons, households=county["households"],
                        divisions=county["divisions"], auto_accept=policy.feeds_auto_accept,
                        review=policy.feeds_review, backend=args.backend, spark=spark)
    linked = time.perf_counter() - started
    result = measure(linkage.matches, synth.truth)
    overall = result["all"]
    print(f"link_feed ({args.backend}): {linked:.1f} s")
    print()
    print(f"Synthetic county of {args.households:,} households, feed `{args.feed_type}` of {args.rows:,} rows, "
          f"seed {args.seed}, thresholds {policy.feeds_auto_accept}/{policy.feeds_review}; "
          f"Python {platform.python_version()}.")
    print()
    print(markdown(result))
    print()
    met = (overall["precision"] is not None and overall["precision"] >= GOAL_PRECISION
           and overall["recall"] >= GOAL_RECALL and overall["review_share"] <= GOAL_REVIEW)
    print(f"precision {_fmt(overall['precision'])}, recall {_fmt(overall['recall'])}, review share "
          f"{_fmt(overall['review_share'], 3)}; goal ≥ {GOAL_PRECISION}, ≥ {GOAL_RECALL}, ≤ {GOAL_REVIEW}: "
          f"{'met' if met else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                         "link_seconds": linked, "figures": result}, indent=1))


if __name__ == "__main__":
    main()
