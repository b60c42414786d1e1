"""The engine behind the reference's interface, so the hand-worked known answers of
tests/test_reference_monitoring.py and the property tests hold the engine too."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import yaml

from neisheng.engine import backend, monitor
from neisheng.engine.measures import MEASURES
from neisheng.policy import Policy, load_policy
from strategies import to_arrow

DIMENSION = {
    "will": "awareness", "participation": "awareness", "education": "capability",
    "skill": "capability", "cooperative": "organization", "industry_link": "organization",
    "employment": "opportunity", "credit": "opportunity",
}


@functools.cache
def connection():
    return backend.connect("duckdb")


def engine_policy(policy: dict) -> Policy:
    """The reference's policy dict written as a policy file and loaded as the CLI does."""
    data = dict(policy)
    data["reference_date"] = policy["reference_date"].isoformat()
    data["motivation_indicators"] = {
        name: {"dimension": DIMENSION[name], "weight": spec["weight"] if isinstance(spec, dict) else spec}
        for name, spec in policy["motivation_indicators"].items()
    }
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "policy.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return load_policy(path)


def divisions_for(households: list[dict]) -> list[dict]:
    """Province, city, county, town and village rows above every household's village."""
    rows = {}
    for h in households:
        code = h["village_code"]
        chain = [
            (code[:2] + "0" * 10, 1, None),
            (code[:4] + "0" * 8, 2, code[:2] + "0" * 10),
            (code[:6] + "0" * 6, 3, code[:4] + "0" * 8),
            (code[:9] + "000", 4, code[:6] + "0" * 6),
            (code, 5, code[:9] + "000"),
        ]
        for c, level, parent in chain:
            rows[c] = {"code": c, "name": f"区划{c}", "level": level, "parent_code": parent}
    return list(rows.values())


def evaluate(households, persons, income_items, policy: dict):
    """Same inputs and outputs as reference_monitoring.evaluate, computed by the engine."""
    snapshot = {
        "divisions": divisions_for(households),
        "households": households,
        "persons": persons,
        "income_items": income_items,
    }
    con = connection()
    arrow = to_arrow(snapshot)
    tables = {name: con.create_table(f"t_{name}", data, overwrite=True) for name, data in arrow.items()}
    run = monitor(tables, arrow["divisions"], engine_policy(policy))
    results = {}
    for row in run.household_results.to_pyarrow().to_pylist():
        household_id = row.pop("household_id")
        row.pop("village_code")
        results[household_id] = row
    order = {m: i for i, m in enumerate(MEASURES)}
    measures = sorted(
        ({k: m[k] for k in ("household_id", "measure", "person_id")} for m in run.measures.to_pyarrow().to_pylist()),
        key=lambda m: (m["household_id"], order[m["measure"]], m["person_id"] or ""),
    )
    return results, measures
