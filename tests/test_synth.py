"""The synthetic county: contract schemas, internal consistency, and rates a county
officer would find believable (with tolerances wide enough for sampling noise)."""

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from neisheng import ids
from neisheng.engine.schema import LEDGER_ITEMS, SOURCE_LABELS, TABLES
from neisheng.synth import generate_county

YEAR = 2026
LINE, THRESHOLD = 4500, 9000
N = 20_000


@pytest.fixture(scope="module")
def county():
    return generate_county(households=N, seed=11, year=YEAR)


@pytest.fixture(scope="module")
def frames(county):
    """Per-household quantities of monitoring.md computed straight from the tables."""
    hh = county["households"]
    persons = county["persons"]
    ledger = county["income_items"]
    index = {h: i for i, h in enumerate(hh["household_id"].to_pylist())}
    n = hh.num_rows

    p_hh = np.array([index[h] for h in persons["household_id"].to_pylist()])
    alive = persons["alive"].to_numpy(zero_copy_only=False)
    size = np.bincount(p_hh, weights=alive, minlength=n)

    l_hh = np.array([index[h] for h in ledger["household_id"].to_pylist()])
    cents = np.round(pc.multiply(ledger["amount"].cast(pa.float64()), 100).to_numpy()).astype(
        np.int64)
    kind = np.array([LEDGER_ITEMS[i].kind for i in ledger["item"].to_pylist()])
    year = ledger["year"].to_numpy()
    sign = np.select([kind == "income", kind == "cost"], [1, -1], 0)
    net = np.bincount(l_hh, weights=np.where(year == YEAR, sign * cents, 0), minlength=n)
    prev = np.bincount(l_hh, weights=np.where(year == YEAR - 1, sign * cents, 0), minlength=n)
    rigid = np.bincount(
        l_hh, weights=np.where((year == YEAR) & (kind == "rigid"), cents, 0), minlength=n)
    return {"size": size, "net": net / 100, "prev": prev / 100, "rigid": rigid / 100,
            "net_cents": net.astype(np.int64), "p_hh": p_hh}


def _ages(persons: pa.Table) -> np.ndarray:
    born = persons["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    years = born.astype("datetime64[Y]").astype(int) + 1970
    # Reference date 31 December: full years are simply the difference of years.
    return YEAR - years


# ------------------------------------------------------------------ shape


def test_tables_follow_the_contract_schemas(county):
    assert set(county) == {"divisions", "households", "persons", "income_items"}
    for name, table in county.items():
        assert table.schema.equals(TABLES[name].arrow_schema), name


def test_same_seed_same_tables_other_seed_differs():
    a = generate_county(households=1500, seed=3, year=YEAR)
    b = generate_county(households=1500, seed=3, year=YEAR)
    c = generate_county(households=1500, seed=4, year=YEAR)
    for name in a:
        assert a[name].equals(b[name]), name
    assert not a["persons"].equals(c["persons"])
    assert not a["income_items"].equals(c["income_items"])


def test_progress_is_reported_a_few_times_up_to_the_total():
    seen = []
    generate_county(households=90_000, seed=1, year=YEAR, progress=seen.append)
    assert 1 <= len(seen) <= 50
    assert seen == sorted(seen)
    assert seen[-1] == 90_000


@pytest.mark.parametrize("households", [1, 7, 600])
def test_tiny_counties_work(households):
    t = generate_county(households=households, seed=2, year=YEAR)
    assert t["households"].num_rows == households
    assert pc.sum(pc.equal(t["persons"]["relation"], "head")).as_py() == households


# ------------------------------------------------------------------ divisions


def test_divisions_are_the_real_county_with_a_correct_parent_chain(county):
    d = county["divisions"].to_pylist()
    by_code = {r["code"]: r for r in d}
    assert len(by_code) == len(d)
    top = [r for r in d if r["level"] <= 3]
    assert [(r["code"], r["name"], r["level"]) for r in top] == [
        ("500000000000", "重庆市", 1),
        ("500200000000", by_code["500200000000"]["name"], 2),
        ("500237000000", "巫山县", 3),
    ]
    assert by_code["500000000000"]["parent_code"] is None
    for r in d:
        assert len(r["code"]) == 12 and r["code"].isdigit()
        if r["level"] > 1:
            parent = by_code[r["parent_code"]]
            assert parent["level"] == r["level"] - 1
        if r["level"] >= 4:
            assert r["code"].startswith("500237")
    names = [r["name"] for r in d if r["level"] == 5]
    assert len(set(names)) == len(names)
    assert all(n.endswith("村") for n in names)


def test_villages_and_towns_are_realistically_sized(county):
    d = county["divisions"].to_pylist()
    villages = [r for r in d if r["level"] == 5]
    per_village = pc.value_counts(county["households"]["village_code"]).to_pylist()
    sizes = np.array([v["counts"] for v in per_village])
    assert len(per_village) == len(villages)
    assert sizes.min() >= 150 and sizes.max() <= 700
    assert 250 <= sizes.mean() <= 450
    towns = {}
    for v in villages:
        towns[v["parent_code"]] = towns.get(v["parent_code"], 0) + 1
    counts = sorted(towns.values())
    # The last town takes the remainder; all others have 8-20 villages.
    assert all(8 <= c <= 20 for c in counts[1:])


def test_other_county_codes_work():
    t = generate_county(households=400, seed=1, year=YEAR, county_code="500238")
    d = t["divisions"]
    county_row = pc.filter(d, pc.equal(d["level"], 3)).to_pylist()[0]
    assert county_row["code"] == "500238000000"
    assert county_row["name"] == "巫溪县"


# ------------------------------------------------------------------ referential integrity


def test_households_persons_and_ledger_link_up(county):
    hh = county["households"]
    hh_ids = hh["household_id"].to_pylist()
    assert len(set(hh_ids)) == len(hh_ids)
    villages = set(
        pc.filter(county["divisions"], pc.equal(county["divisions"]["level"], 5))["code"].to_pylist()
    )
    assert set(hh["village_code"].to_pylist()) <= villages
    assert all(h.startswith(v) and len(h) == 16
               for h, v in zip(hh_ids, hh["village_code"].to_pylist()))
    known = set(hh_ids)
    assert set(county["persons"]["household_id"].to_pylist()) <= known
    assert set(county["income_items"]["household_id"].to_pylist()) <= known


def test_every_household_has_exactly_one_head_and_one_to_seven_members(county):
    persons = county["persons"]
    heads = pc.filter(persons, pc.equal(persons["relation"], "head"))
    assert heads.num_rows == county["households"].num_rows
    assert len(set(heads["household_id"].to_pylist())) == heads.num_rows
    assert pc.all(heads["alive"]).as_py()
    counts = np.array([v["counts"] for v in pc.value_counts(persons["household_id"]).to_pylist()])
    assert counts.min() >= 1 and counts.max() <= 7


def test_id_numbers_are_valid_unique_and_agree_with_birth_date_and_sex(county):
    persons = county["persons"]
    numbers = persons["person_id"].to_numpy(zero_copy_only=False)
    assert (ids.check_id_numbers(numbers) == "").all()
    assert len(set(numbers.tolist())) == len(numbers)
    born, sexes = ids.birth_dates_and_sexes(numbers)
    stated = persons["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    assert (born == stated).all()
    assert (sexes == persons["sex"].to_numpy(zero_copy_only=False)).all()
    rows = persons.slice(0, 5000).to_pylist()
    for row in random.Random(1).sample(rows, 200):
        parsed = ids.parse_id(row["person_id"])
        assert parsed.birth_date == row["birth_date"]
        assert parsed.sex == row["sex"]
    # Mostly born in the county; some wives come from elsewhere in Chongqing.
    areas = np.array([n[:6] for n in numbers.tolist()])
    local = (areas == "500237").mean()
    assert 0.85 <= local <= 0.99
    assert all(a.startswith("50") for a in set(areas.tolist()))
    # Nobody is born after the registry's collection date.
    assert stated.max() <= np.datetime64(f"{YEAR}-09-30")


def test_family_ages_are_consistent(county):
    persons = county["persons"]
    age = _ages(persons)
    rel = persons["relation"].to_numpy(zero_copy_only=False)
    hh = persons["household_id"].to_numpy(zero_copy_only=False)
    head_age = {h: a for h, a, r in zip(hh, age, rel) if r == "head"}
    head = np.array([head_age[h] for h in hh])
    gap = head - age
    assert (age[rel == "head"] >= 18).all()
    assert (gap[rel == "child"] >= 18).all() and (gap[rel == "child"] <= 40).all()
    assert (gap[rel == "grandchild"] >= 36).all()
    assert (-gap[rel == "parent"] >= 18).all()
    assert (age >= 0).all() and (age <= 110).all()


def test_names_are_chinese_with_real_surnames_mostly_shared_with_the_head(county):
    from faker.providers.person.zh_CN import Provider

    persons = county["persons"]
    names = persons["name"].to_pylist()
    assert all(2 <= len(n) <= 4 for n in names)
    surnames = set(Provider.last_names)
    assert all(n[0] in surnames or n[:2] in surnames for n in names)
    rel = persons["relation"].to_pylist()
    hh = persons["household_id"].to_pylist()
    head_name = {h: n for h, n, r in zip(hh, names, rel) if r == "head"}
    sex = persons["sex"].to_pylist()
    head_sex = {h: s for h, s, r in zip(hh, sex, rel) if r == "head"}
    kids = [(n, head_name[h]) for n, h, r in zip(names, hh, rel)
            if r == "child" and head_sex[h] == "male"]
    shared = np.mean([n[0] == hn[0] for n, hn in kids])
    assert shared >= 0.85
    assert len(set(names)) > 0.25 * len(names)


# ------------------------------------------------------------------ realism


def _share(mask) -> float:
    return float(np.mean(mask))


def test_household_status_mix_and_guarantees(county):
    hh = county["households"]
    status = hh["status"].to_numpy(zero_copy_only=False)
    assert set(status) == {"general", "lifted", "monitored"}
    assert 0.15 <= _share(status == "lifted") <= 0.25
    assert 0.01 <= _share(status == "monitored") <= 0.03
    cat = hh["category"].to_numpy(zero_copy_only=False)
    assert 0.02 <= _share(cat == "dibao") <= 0.08
    assert 0.004 <= _share(cat == "tekun") <= 0.02
    assert _share(cat[status == "lifted"] != "ordinary") > _share(cat[status == "general"] != "ordinary")
    housing = hh["housing"].to_numpy(zero_copy_only=False)
    assert _share(housing != "safe") < 0.01
    assert _share(hh["water"].to_numpy(zero_copy_only=False) == "unsafe") < 0.005
    assert _share(~hh["food_clothing_ok"].to_numpy(zero_copy_only=False)) < 0.003
    event = hh["sudden_event"].to_numpy(zero_copy_only=False)
    assert 0.01 <= _share(event != "none") <= 0.08
    will = hh["willingness"].to_numpy()
    assert will.min() >= 1 and will.max() <= 5 and _share(will >= 3) > 0.75
    for col in ("cooperative_member", "industry_linked", "credit_access"):
        v = hh[col].to_numpy(zero_copy_only=False)
        assert v[status == "lifted"].mean() > v[status == "general"].mean(), col


def test_poverty_cause_and_lifted_year_follow_status(county):
    hh = county["households"]
    status = np.array(hh["status"].to_pylist())
    cause = np.array(hh["poverty_cause"].to_pylist(), dtype=object)
    lifted_year = np.array(hh["lifted_year"].to_pylist(), dtype=object)
    assert all(c is None for c in cause[status == "general"])
    poor_causes = cause[status != "general"]
    assert all(c is not None for c in poor_causes)
    values, counts = np.unique(poor_causes.astype(str), return_counts=True)
    assert values[np.argmax(counts)] == "illness"
    assert 0.3 <= counts[values == "illness"][0] / counts.sum() <= 0.45
    ly = lifted_year[status == "lifted"].astype(int)
    assert ly.min() >= 2014 and ly.max() <= 2020
    assert all(y is None for y in lifted_year[status != "lifted"])


def test_person_attributes_by_age(county):
    p = county["persons"]
    age = _ages(p)
    col = {c: p[c].to_numpy(zero_copy_only=False) for c in
           ("education", "schooling", "labor", "health", "disability_grade", "medical_insured",
            "has_skill", "employed_months", "alive")}
    adults = (age >= 25) & (age <= 64)
    assert _share(np.isin(col["education"][adults], ["none", "primary", "junior"])) > 0.6
    elders = age >= 70
    assert _share(np.isin(col["education"][elders], ["none", "primary"])) > 0.7
    compulsory = (age >= 6) & (age <= 15)
    dropouts = compulsory & (col["schooling"] == "not_in_school")
    assert dropouts.sum() <= max(3, 0.002 * compulsory.sum())
    assert _share(col["schooling"][(age >= 6) & (age <= 11)] == "primary") > 0.99
    assert _share(col["schooling"][(age >= 12) & (age <= 14)] == "junior") > 0.99
    assert (col["schooling"][age >= 30] == "not_in_school").all()
    assert (col["labor"][age < 16] == "none").all()
    working = (age >= 18) & (age <= 59) & (col["schooling"] == "not_in_school")
    assert _share(np.isin(col["labor"][working], ["skilled", "ordinary"])) > 0.75
    grade = col["disability_grade"]
    disabled = col["health"] == "disabled"
    assert ((grade > 0) == disabled).all()
    assert 0.015 <= _share(disabled) <= 0.035
    assert 0.005 <= _share(col["health"] == "serious") <= 0.025
    assert _share(col["health"][age >= 65] == "chronic") > _share(col["health"][age < 40] == "chronic")
    assert (col["labor"][disabled & (grade <= 2) & (age >= 16)] != "skilled").all()
    assert _share(~col["medical_insured"]) < 0.01
    assert 0.003 <= _share(~col["alive"]) <= 0.02
    months = col["employed_months"]
    assert months.min() >= 0 and months.max() <= 12
    assert _share(months[working] >= 6) > 0.5
    assert (months[age < 16] == 0).all()
    assert (col["has_skill"][np.isin(col["labor"], ["skilled"])]).all()


def test_mean_household_size_is_about_three_and_a_half(frames):
    assert 3.0 <= frames["size"].mean() <= 4.0
    assert (frames["size"] >= 1).all()


def test_ledger_rows_are_well_formed(county):
    li = county["income_items"]
    assert set(li["year"].to_pylist()) == {YEAR, YEAR - 1}
    assert set(li["item"].to_pylist()) <= set(LEDGER_ITEMS)
    assert set(li["source"].to_pylist()) <= set(SOURCE_LABELS)
    assert pc.min(li["amount"]).as_py() > 0
    rows_per_household = li.num_rows / county["households"].num_rows
    assert 6 <= rows_per_household <= 11
    # Department feeds sit where they belong.
    pairs = set(zip(li["item"].to_pylist(), li["source"].to_pylist()))
    assert ("dibao", "civil_affairs") in pairs and ("dibao", "survey") not in pairs
    assert ("public_welfare_post", "hrss") in pairs
    assert ("disability_care", "disabled_fed") in pairs
    assert ("medical_out_of_pocket", "medical_insurance") in pairs
    items = set(li["item"].to_pylist())
    for needed in ("wage", "business_crop", "production_cost", "pension", "dibao", "tekun",
                   "dividend", "farmland_subsidy", "medical_out_of_pocket", "education_expense",
                   "disaster_loss", "disability_living", "disability_care"):
        assert needed in items, needed
    # Ledger amounts have exactly two decimals and survive the decimal round trip.
    sample = li["amount"].slice(0, 1000).to_pylist()
    assert all(v.as_tuple().exponent == -2 for v in sample)


def test_income_rates_match_a_county_after_2020(frames):
    size, net, prev, rigid = frames["size"], frames["net"], frames["prev"], frames["rigid"]
    below = net < LINE * size
    between = (net >= LINE * size) & (net < THRESHOLD * size)
    drop = (prev > 0) & (prev - net >= 0.3 * prev)
    heavy = (rigid > 0) & (rigid >= 0.5 * net)
    assert 0.002 <= _share(below) <= 0.03
    assert 0.04 <= _share(between) <= 0.16
    assert 0.005 <= _share(drop) <= 0.08
    assert 0.005 <= _share(heavy) <= 0.08
    pc_income = net / size
    assert 12_000 <= np.median(pc_income) <= 30_000


def test_some_households_sit_exactly_on_the_lines_and_some_lose_money(frames):
    cents, size = frames["net_cents"], frames["size"].astype(np.int64)
    assert (cents == LINE * 100 * size).any()
    assert (cents == THRESHOLD * 100 * size).any()
    assert (cents < 0).sum() <= 0.002 * len(cents)


def test_disability_allowance_mostly_paid_but_not_always(county):
    p = county["persons"]
    severe = pc.and_(p["alive"], pc.is_in(p["disability_grade"], pa.array([1, 2], pa.int32())))
    severe_hh = set(pc.filter(p, severe)["household_id"].to_pylist())
    li = county["income_items"]
    paid = pc.filter(li, pc.and_(pc.equal(li["year"], YEAR),
                                 pc.is_in(li["item"], pa.array(["disability_living",
                                                                "disability_care"]))))
    paid_hh = set(paid["household_id"].to_pylist())
    covered = len(severe_hh & paid_hh) / len(severe_hh)
    assert 0.85 <= covered < 1.0


def test_dates_are_dates(county):
    first = county["persons"]["birth_date"][0].as_py()
    assert isinstance(first, dt.date)


def test_decimal_amounts_are_built_exactly_from_cents():
    from decimal import Decimal

    from neisheng.synth.arrays import to_decimal

    cents = np.array([0, 1, 99, 450000, 123456789012, 10**17 - 1, -5], dtype=np.int64)
    arr = to_decimal(cents)
    assert arr.type == pa.decimal128(18, 2)
    assert arr.to_pylist() == [Decimal(int(c)).scaleb(-2) for c in cents]
