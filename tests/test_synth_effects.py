"""Known effects planted in the synthetic county (issue 13): who receives each measure,
what their ledger gains, and the `--effect` flag of `neisheng synth`."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from neisheng.cli import main
from neisheng.engine.schema import LABOR_CAPABLE, LEDGER_ITEMS, SOURCE_LABELS
from neisheng.engine.validation import validate_snapshot
from neisheng.synth import generate_county
from neisheng.synth.effects import (
    EFFECT_ITEMS,
    PERSON_MEASURES,
    PLANTED_SCHEMA,
    RECEIVED_FILE,
    EffectError,
    plant_effects,
)

YEAR = 2026
EFFECTS = {"skills_training": 0.15, "job_placement": 0.25, "public_welfare_post": 0.10,
           "asset_dividend": 0.2, "industry_support": 0.08, "microcredit": 0.05, "morale_support": 0.0}


@pytest.fixture(scope="module")
def county():
    return generate_county(households=2_000, seed=4, year=YEAR)


@pytest.fixture(scope="module")
def planted(county):
    return plant_effects(county, effects=EFFECTS, seed=4, year=YEAR)


def net_by_household(ledger, year):
    net = {}
    for row in ledger.to_pylist():
        if row["year"] == year:
            sign = {"income": 1, "cost": -1}.get(LEDGER_ITEMS[row["item"]].kind, 0)
            net[row["household_id"]] = net.get(row["household_id"], 0) + sign * row["amount"]
    return net


def test_received_table_keeps_the_contract(planted):
    _, received = planted
    assert received.schema.equals(PLANTED_SCHEMA)
    rows = received.to_pylist()
    assert {r["measure"] for r in rows} == set(EFFECTS)
    assert all(dt.date(YEAR - 1, 1, 1) <= r["started_on"] <= dt.date(YEAR - 1, 12, 31) for r in rows)
    households = [r["household_id"] for r in rows]
    assert len(households) == len(set(households)), "a household receives at most one planted measure"


def test_every_measure_reaches_150_households_of_2000_but_dividends(planted):
    _, received = planted
    counts = {m: 0 for m in EFFECTS}
    for m in received.column("measure").to_pylist():
        counts[m] += 1
    # Asset dividends fit only households without labor capacity (about 6 % of them),
    # and half of those at most receive them, so someone is left to compare with.
    assert 30 <= counts.pop("asset_dividend") <= 70
    assert min(counts.values()) >= 150, counts


def test_receivers_fit_their_measure(county, planted):
    _, received = planted
    persons = {p["person_id"]: p for p in county["persons"].to_pylist()}
    capable = {}
    for p in persons.values():
        capable[p["household_id"]] = capable.get(p["household_id"], 0) + (p["alive"] and p["labor"] in LABOR_CAPABLE)
    for r in received.to_pylist():
        if r["measure"] in PERSON_MEASURES:
            member = persons[r["person_id"]]
            assert member["household_id"] == r["household_id"]
            assert member["alive"] and member["labor"] in LABOR_CAPABLE
        else:
            assert r["person_id"] is None
        if r["measure"] == "asset_dividend":
            assert capable.get(r["household_id"], 0) == 0
        elif r["measure"] != "morale_support":
            assert capable[r["household_id"]] > 0


def test_poorer_households_receive_more_often(county, planted):
    _, received = planted
    size = {}
    for p in county["persons"].to_pylist():
        size[p["household_id"]] = size.get(p["household_id"], 0) + p["alive"]
    before = net_by_household(county["income_items"], YEAR - 1)
    per_person = {h: float(before.get(h, 0)) / s for h, s in size.items() if s}
    got = set(received.column("household_id").to_pylist())
    receivers = np.median([v for h, v in per_person.items() if h in got])
    others = np.median([v for h, v in per_person.items() if h not in got])
    assert receivers < 0.8 * others


def test_income_rises_by_exactly_the_planted_share_of_last_years_net_income(county, planted):
    tables, received = planted
    before_then = net_by_household(county["income_items"], YEAR - 1)
    assert net_by_household(tables["income_items"], YEAR - 1) == before_then
    now_then = net_by_household(county["income_items"], YEAR)
    now = net_by_household(tables["income_items"], YEAR)
    gained = {r["household_id"]: r for r in received.to_pylist()}
    for household, net in now.items():
        planted_yuan = gained[household]["planted_yuan"] if household in gained else Decimal(0)
        assert net - now_then.get(household, Decimal(0)) == planted_yuan
    for household, r in gained.items():
        share = Decimal(str(EFFECTS[r["measure"]]))
        expected = (share * max(before_then.get(household, Decimal(0)), Decimal(0))).quantize(Decimal("0.01"))
        assert abs(r["planted_yuan"] - expected) <= Decimal("0.01")
    assert all(r["planted_yuan"] == 0 for r in gained.values() if r["measure"] == "morale_support")


def test_planted_income_is_booked_under_the_measures_item_as_survey_rows(county, planted):
    tables, received = planted
    old = {(r["household_id"], r["year"], r["item"], r["source"]): r["amount"]
           for r in county["income_items"].to_pylist()}
    new = {(r["household_id"], r["year"], r["item"], r["source"]): r["amount"]
           for r in tables["income_items"].to_pylist()}
    assert len(new) == tables["income_items"].num_rows, "no item is booked twice"
    gained = {r["household_id"]: r for r in received.to_pylist() if r["planted_yuan"] > 0}
    changed = {k for k in new if new[k] != old.get(k)}
    assert changed == {(h, YEAR, EFFECT_ITEMS[r["measure"]], "survey") for h, r in gained.items()}
    for key in changed:
        assert new[key] - old.get(key, Decimal(0)) == gained[key[0]]["planted_yuan"]
    # Welfare posts are paid by 人社: the planted rise sits beside that row, not in it.
    assert any(k[2] == "public_welfare_post" and k not in old for k in changed)
    assert set(new) >= set(old)
    assert {r["source"] for r in tables["income_items"].to_pylist()} <= set(SOURCE_LABELS)


def test_the_trained_member_has_a_skill(county, planted):
    tables, received = planted
    trained = {r["person_id"] for r in received.to_pylist() if r["measure"] == "skills_training"}
    before = dict(zip(county["persons"]["person_id"].to_pylist(), county["persons"]["has_skill"].to_pylist()))
    after = dict(zip(tables["persons"]["person_id"].to_pylist(), tables["persons"]["has_skill"].to_pylist()))
    assert all(after[p] for p in trained)
    assert any(not before[p] for p in trained)
    assert {p for p in after if after[p] != before[p]} <= trained
    for name in ("households", "divisions"):
        assert tables[name] is county[name]


def test_share_zero_changes_no_income(county):
    tables, received = plant_effects(county, effects={"job_placement": 0.0}, seed=4, year=YEAR)
    assert received.num_rows > 150
    assert tables["income_items"].equals(county["income_items"])


def test_planting_is_deterministic_for_a_seed(county, planted):
    tables, received = plant_effects(county, effects=dict(reversed(EFFECTS.items())), seed=4, year=YEAR)
    assert received.equals(planted[1])
    assert tables["income_items"].equals(planted[0]["income_items"])
    _, other = plant_effects(county, effects=EFFECTS, seed=5, year=YEAR)
    assert not other.equals(received)


@pytest.mark.parametrize("effects", [{"teleport": 0.1}, {"education_aid": 0.1}, {"job_placement": 1.5},
                                     {"job_placement": -0.1}, {"job_placement": float("nan")}])
def test_unplantable_effects_are_refused(county, effects):
    with pytest.raises(EffectError):
        plant_effects(county, effects=effects, seed=1, year=YEAR)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_synth_with_effects_writes_the_truth_beside_a_valid_snapshot(tmp_path):
    out = tmp_path / "snap"
    result = run("synth", "--households", 600, "--seed", 2, "--out", out,
                 "--effect", "skills_training=0.15", "--effect", "morale_support=0")
    assert result.exit_code == 0, result.output
    received = pq.read_table(out / RECEIVED_FILE)
    assert received.schema.equals(PLANTED_SCHEMA)
    assert set(received.column("measure").to_pylist()) == {"skills_training", "morale_support"}
    assert f"{received.num_rows} 项植入措施 planted measures" in result.output
    # `validate` reads the four tables it knows and leaves other files alone.
    assert validate_snapshot(out).ok
    check = run("validate", out)
    assert check.exit_code == 0, check.output


def test_synth_without_effects_writes_no_truth(tmp_path):
    assert run("synth", "--households", 50, "--out", tmp_path / "s").exit_code == 0
    assert not (tmp_path / "s" / RECEIVED_FILE).exists()


@pytest.mark.parametrize(("flag", "says"), [
    ("teleport=0.1", "no effect can be planted for this measure"),
    ("job_placement=2", "the share must lie between 0 and 1"),
    ("job_placement=lots", "write MEASURE=SHARE"),
    ("job_placement", "write MEASURE=SHARE"),
])
def test_a_bad_effect_is_one_sentence_and_writes_nothing(tmp_path, flag, says):
    result = run("synth", "--households", 50, "--out", tmp_path / "x", "--effect", flag)
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
