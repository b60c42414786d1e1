"""Hypothesis strategies for small random registry snapshots (shared/spec/data-contract.md).

A snapshot is a dict ``{"divisions": [...], "households": [...], "persons": [...],
"income_items": [...]}`` of row dicts with the contract's column names (amount as
``Decimal`` with 2 places, birth_date as ``datetime.date``, booleans as ``bool``).
``to_arrow`` turns it into pyarrow tables in the contract's schemas.

The draws lean on the boundaries of shared/spec/monitoring.md, relative to the policy
the snapshot is drawn for: ages exactly 5/6/15/16/59/60/64/65 at the reference date
(and one day either side), 29 February birthdays, net income exactly poverty_line ×
size, monitoring_threshold × size and stable_multiple × threshold × size (and one cent
either side), falls of exactly drop_ratio, rigid expenditure exactly rigid_ratio × net,
negative and zero net income, households whose members are all deceased, severely
disabled children out of school, and households with no previous-year ledger.

Strategies:
- ``policies()``: policy dicts like the spec's YAML (varied numbers and reference dates).
- ``snapshots(policy=DEFAULT_POLICY, min_households=1, max_households=30)``.
- ``cases()``: ``(policy, snapshot)`` pairs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
import math
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
from hypothesis import strategies as st

from neisheng.engine.schema import LEDGER_ITEMS, TABLES
from reference_monitoring import DEFAULT_POLICY, INDICATORS, age_on, exact

# Strategies are built once and reused: building one per draw costs more than the draw.
BOOLS = st.booleans()
_SAMPLED: dict[tuple, st.SearchStrategy] = {}


def pick(draw, options):
    """draw(st.sampled_from(options)), with the strategy cached (True and 1 kept apart)."""
    key = tuple((type(o), o) for o in options)
    strategy = _SAMPLED.get(key)
    if strategy is None:
        strategy = _SAMPLED[key] = st.sampled_from(tuple(options))
    return draw(strategy)


@functools.lru_cache(maxsize=4096)
def ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


# ----------------------------------------------------------------------------- ID numbers

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    assert len(first17) == 17 and first17.isdigit(), first17
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def make_person_id(area: str, birth_date: dt.date, sex: str, order: int) -> str:
    """An 18-character resident ID; the 17th digit is odd for male, even for female."""
    assert 0 <= order <= 499
    seq = 2 * order + 1 if sex == "male" else 2 * order + 2  # 001..999 odd / 002..1000 even
    if seq >= 1000:  # female order 499 would give 1000: use 000 instead
        seq = 0
    first17 = f"{area}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


# ----------------------------------------------------------------------------- divisions

# (province code, province, city code, city, county code, county): real GB/T 2260 codes
# valid for every birth year (python-stdnum's table has no date range for them).
COUNTIES = (
    ("53", "云南省", "5326", "文山壮族苗族自治州", "532624", "麻栗坡县"),
    ("53", "云南省", "5326", "文山壮族苗族自治州", "532625", "马关县"),
    ("52", "贵州省", "5227", "黔南布依族苗族自治州", "522731", "惠水县"),
    ("52", "贵州省", "5227", "黔南布依族苗族自治州", "522732", "三都水族自治县"),
    ("62", "甘肃省", "6229", "临夏回族自治州", "622921", "临夏县"),
    ("62", "甘肃省", "6229", "临夏回族自治州", "622922", "康乐县"),
    ("51", "四川省", "5134", "凉山彝族自治州", "513433", "冕宁县"),
    ("51", "四川省", "5134", "凉山彝族自治州", "513434", "越西县"),
)
TOWN_NAMES = ("城关镇", "新寨乡", "石门乡", "河口镇")
VILLAGE_NAMES = ("上寨村", "下寨村", "新民村", "团结村", "和平村", "红岩村")


@st.composite
def divisions(draw) -> list[dict]:
    """A small division tree: 1–2 counties, 1–2 towns each, 1–3 villages per town."""
    counties = draw(st.lists(st.sampled_from(COUNTIES), min_size=1, max_size=2, unique=True))
    rows: dict[str, dict] = {}

    def add(code: str, name: str, level: int, parent: str | None) -> None:
        rows.setdefault(code, {"code": code, "name": name, "level": level, "parent_code": parent})

    for prov, prov_name, city, city_name, county, county_name in counties:
        prov_code, city_code, county_code = (
            prov.ljust(12, "0"),
            city.ljust(12, "0"),
            county + "0" * 6,
        )
        add(prov_code, prov_name, 1, None)
        add(city_code, city_name, 2, prov_code)
        add(county_code, county_name, 3, city_code)
        for t in range(draw(ints(1, 2))):
            town_code = f"{county}{101 + t:03d}000"
            add(town_code, TOWN_NAMES[t], 4, county_code)
            for v in range(draw(ints(1, 3))):
                add(f"{county}{101 + t:03d}{201 + v:03d}", VILLAGE_NAMES[v], 5, town_code)
    return list(rows.values())


# ----------------------------------------------------------------------------- policies


@st.composite
def policies(draw) -> dict:
    """Policy dicts as the spec's YAML would load them (ints, floats, a date)."""
    year = draw(ints(2021, 2030))
    ref_choices = [dt.date(year, 12, 31), dt.date(year, 2, 28), dt.date(year, 3, 1)]
    if calendar.isleap(year):
        ref_choices.append(dt.date(year, 2, 29))
    line = pick(draw, [4500, 4000, 5000, 4600.5])
    weights = draw(
        st.sampled_from(
            [
                {name: 0.125 for name in INDICATORS},
                dict(zip(INDICATORS, (0.1, 0.15, 0.15, 0.1, 0.1, 0.15, 0.15, 0.1))),
            ]
        )
    )
    return {
        "year": year,
        "reference_date": pick(draw, ref_choices),
        "poverty_line": line,
        "monitoring_threshold": pick(draw, [9000, line * 1.5, 8050, line * 2]),
        "drop_ratio": pick(draw, [0.30, 0.25, 0.5, 0.2]),
        "rigid_ratio": pick(draw, [0.50, 0.4, 0.3]),
        "stable_multiple": pick(draw, [1.5, 1, 1.2, 2]),
        "motivation_k": pick(draw, [0.3333333333, 0.25, 0.375, 0.5]),
        "motivation_indicators": weights,
    }


# ----------------------------------------------------------------------------- persons

BOUNDARY_AGES = (5, 6, 15, 16, 59, 60, 64, 65)
SCHOOLING_CODES = tuple(sorted(TABLES["persons"].column("schooling").choices))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰")


def years_before(reference: dt.date, years: int) -> dt.date:
    """The same month and day `years` earlier (28 February for a 29 February date)."""
    year = reference.year - years
    if reference.month == 2 and reference.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return reference.replace(year=year)


@functools.lru_cache(maxsize=64)
def birth_dates(reference: dt.date) -> st.SearchStrategy[dt.date]:
    oldest = years_before(reference, 100)
    boundary = st.builds(
        lambda age, shift: min(years_before(reference, age) + dt.timedelta(days=shift), reference),
        st.sampled_from(BOUNDARY_AGES),
        st.sampled_from([0, 0, 1, -1]),
    )
    leap_years = [y for y in range(oldest.year + 1, reference.year + 1) if calendar.isleap(y)]
    feb29 = st.sampled_from(
        [dt.date(y, 2, 29) for y in leap_years if dt.date(y, 2, 29) <= reference]
    )
    # 29 February births around the boundary ages (decisive when the reference date is
    # 28 February or 1 March)
    feb29_boundary = st.sampled_from(
        sorted(
            {
                dt.date(y, 2, 29)
                for age in BOUNDARY_AGES
                for y in range(reference.year - age - 4, reference.year - age + 1)
                if calendar.isleap(y) and dt.date(y, 2, 29) <= reference
            }
        )
    )
    anywhere = st.dates(min_value=oldest, max_value=reference)
    return st.one_of(boundary, boundary, feb29_boundary, feb29, anywhere)


def _person(
    draw, reference: dt.date, household_id: str, index: int, alive: bool, clean: bool
) -> dict:
    birth = draw(birth_dates(reference))
    age = age_on(birth, reference)
    school_age = 5 <= age <= 16
    if school_age:
        schooling = pick(
            draw,
            ["primary", "junior"]
            if clean
            else ["not_in_school", "not_in_school", "primary", "junior"],
        )
        grade = pick(draw, [0, 1, 2, 3, 0, 4])
    else:
        schooling = pick(draw, SCHOOLING_CODES)
        grade = pick(draw, [0, 0, 0, 1, 2, 3, 4])
    labor = pick(draw, ["ordinary", "skilled", "weak", "lost", "none"])
    health = pick(draw, ["healthy", "healthy", "chronic", "serious", "disabled"])
    return {
        "person_id": None,  # filled in by the snapshot, which keeps them unique
        "household_id": household_id,
        "name": SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)],
        "relation": "head"
        if index == 0
        else pick(draw, ["spouse", "child", "parent", "grandchild", "other"]),
        "sex": pick(draw, ["male", "female"]),
        "birth_date": birth,
        "alive": alive,
        "education": pick(draw, ["junior", "primary", "none", "senior", "vocational", "college"]),
        "schooling": schooling,
        "labor": labor,
        "health": health,
        "disability_grade": grade,
        "medical_insured": True if clean else pick(draw, [True, True, False]),
        "has_skill": draw(BOOLS),
        "employed_months": pick(draw, [0, 6, 5, 12, 3, 9]),
    }


# ----------------------------------------------------------------------------- ledger

INCOME_CODES = sorted(code for code, item in LEDGER_ITEMS.items() if item.kind == "income")
RIGID_CODES = ("medical_out_of_pocket", "education_expense", "disaster_loss")
SOURCES = ("survey", "survey", "civil_affairs", "hrss", "disabled_fed", "agriculture")


def _cents_ceil(x: Fraction) -> int:
    return math.ceil(x * 100)


def _split(draw, cents: int, parts: int) -> list[int]:
    """`cents` split into `parts` non-negative pieces."""
    if parts <= 0:
        return []
    cuts = sorted(draw(ints(0, cents)) for _ in range(parts - 1))
    bounds = [0, *cuts, cents]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _rows(draw, hid: str, year: int, items, cents_list) -> list[dict]:
    return [
        {
            "household_id": hid,
            "year": year,
            "item": pick(draw, items),
            "amount": Decimal(c).scaleb(-2),
            "source": pick(draw, SOURCES),
        }
        for c in cents_list
    ]


def _net_rows(draw, hid, year, net_cents, max_income, max_cost) -> list[dict]:
    """Income and cost rows whose income − cost is exactly net_cents."""
    cost = max(0, -net_cents)
    if max_cost and pick(draw, [False, False, True]):
        cost += draw(ints(1, 500_000))
    if max_cost == 0:
        assert cost == 0
    income = net_cents + cost
    n_income = draw(ints(1 if income else 0, max_income))
    n_cost = draw(ints(1, max_cost)) if cost else 0
    return _rows(draw, hid, year, INCOME_CODES, _split(draw, income, n_income)) + _rows(
        draw, hid, year, ["production_cost"], _split(draw, cost, n_cost)
    )


def _ledger(draw, hid: str, size: int, policy: dict, clean: bool) -> list[dict]:
    year = int(policy["year"])
    size = max(size, 1)
    line = exact(policy["poverty_line"])
    threshold = exact(policy["monitoring_threshold"])
    stable = exact(policy["stable_multiple"]) * threshold
    drop = exact(policy["drop_ratio"])
    rigid_ratio = exact(policy["rigid_ratio"])
    delta = pick(draw, [0, 0, -1, 1])

    if clean:  # aiming at green / stable households, still on the boundaries
        kind = pick(draw, ["threshold", "stable", "stable", "random", "fall"])
    else:
        kind = pick(
            draw,
            ["line", "line", "threshold", "stable", "random", "fall", "negative", "zero", "empty"],
        )
    fall_from = None
    if kind == "line":
        net = _cents_ceil(line * size) + delta
    elif kind == "threshold":
        net = _cents_ceil(threshold * size) + delta
    elif kind == "stable":
        net = _cents_ceil(stable * size) + delta
    elif kind == "random":
        low = _cents_ceil(threshold * size) if clean else 0
        net = draw(ints(low, _cents_ceil(3 * stable * size)))
    elif kind == "fall":  # last year's net P, this year's exactly P × (1 − drop_ratio)
        keep = 1 - drop
        unit = keep.denominator  # P a multiple of it makes P × keep whole cents
        fall_from = unit * draw(ints(1, max(1, _cents_ceil(2 * stable * size) // unit)))
        net = int(fall_from * keep)
    elif kind == "negative":
        net = -draw(ints(1, 500_000))
    else:
        net = 0
    rows = [] if kind == "empty" else _net_rows(draw, hid, year, net, 3, 1)

    # previous year: none, an exact fall of drop_ratio (± a cent), random, or the same
    prev_kind = pick(
        draw, ["none", "drop", "same"] if clean else ["none", "drop", "drop", "random", "same"]
    )
    prev = None
    if fall_from is not None:
        prev = fall_from + pick(draw, [0, 0, -1, 1])
    elif prev_kind == "drop" and net > 0 and drop < 1:
        # net / (1 − drop) in cents, rounded up when it is not whole (a fall just over)
        prev = math.ceil(Fraction(net) / (1 - drop)) + pick(draw, [0, 0, -1, 1])
    elif prev_kind == "random":
        prev = draw(ints(-100_000, _cents_ceil(3 * stable * size)))
    elif prev_kind == "same":
        prev = net
    if prev is not None:
        rows += _net_rows(draw, hid, year - 1, prev, 2, 1)

    # rigid expenditure: none, exactly rigid_ratio × net (± a cent), or random
    rigid_kind = pick(
        draw, ["none", "none", "exact"] if clean else ["none", "exact", "exact", "random"]
    )
    rigid = 0
    if rigid_kind == "exact" and net > 0:
        rigid = max(0, math.ceil(rigid_ratio * net) + pick(draw, [0, 0, -1, 1]))
    elif rigid_kind != "none":
        rigid = draw(ints(1, 300_000))
    if rigid:
        rows += _rows(draw, hid, year, RIGID_CODES, _split(draw, rigid, draw(ints(1, 2))))

    # a disability subsidy row (possibly 0.00) and an older row, now and then
    if len(rows) < 10 and pick(draw, [False, False, False, True]):
        rows += _rows(
            draw,
            hid,
            year,
            ["disability_living", "disability_care"],
            [pick(draw, [0, 120_000, 60_000])],
        )
    if len(rows) < 10 and pick(draw, [False, False, False, True]):
        rows += _rows(draw, hid, year - 2, INCOME_CODES, [draw(ints(0, 2_000_000))])
    return rows


# ----------------------------------------------------------------------------- snapshots


@st.composite
def snapshots(draw, policy: dict | None = None, min_households: int = 1, max_households: int = 30):
    policy = DEFAULT_POLICY if policy is None else policy
    reference = policy["reference_date"]
    division_rows = draw(divisions())
    villages = [r["code"] for r in division_rows if r["level"] == 5]
    n_households = draw(ints(min_households, max_households))

    households, persons, ledger = [], [], []
    id_orders: dict[tuple, int] = {}
    for h in range(n_households):
        hid = f"H{h + 1:05d}"
        village = pick(draw, villages)
        status = pick(draw, ["lifted", "monitored", "general"])
        clean = draw(BOOLS)  # no failed guarantee, no sudden event: can be green
        households.append(
            {
                "household_id": hid,
                "village_code": village,
                "status": status,
                "category": pick(draw, ["ordinary", "ordinary", "dibao", "tekun"]),
                "housing": "safe" if clean else pick(draw, ["safe", "c_class", "d_class"]),
                "water": "safe" if clean else pick(draw, ["safe", "safe", "unsafe"]),
                "food_clothing_ok": clean or pick(draw, [True, True, False]),
                "poverty_cause": pick(
                    draw,
                    [
                        None,
                        "illness",
                        "disability",
                        "schooling",
                        "no_labor",
                        "low_motivation",
                        "other",
                    ],
                ),
                "lifted_year": draw(ints(2014, 2020)) if status == "lifted" else None,
                "cooperative_member": draw(BOOLS),
                "industry_linked": draw(BOOLS),
                "credit_access": draw(BOOLS),
                "participates_village_affairs": draw(BOOLS),
                "willingness": pick(draw, [3, 2, 1, 4, 5]),
                "sudden_event": "none"
                if clean
                else pick(
                    draw,
                    ["none", "none", "illness", "disaster", "accident", "unemployment", "other"],
                ),
            }
        )

        n_persons = draw(ints(1, 7)) if pick(draw, [True] * 9 + [False]) else 0
        all_deceased = pick(draw, [False] * 9 + [True])
        size = 0
        for i in range(n_persons):
            alive = False if all_deceased else pick(draw, [True] * 5 + [False])
            person = _person(draw, reference, hid, i, alive, clean)
            key = (village[:6], person["birth_date"], person["sex"])
            order = id_orders.get(key, 0)
            id_orders[key] = order + 1
            person["person_id"] = make_person_id(
                village[:6], person["birth_date"], person["sex"], order
            )
            persons.append(person)
            size += alive

        ledger += _ledger(draw, hid, size, policy, clean)

    return {
        "divisions": division_rows,
        "households": households,
        "persons": persons,
        "income_items": ledger,
    }


@st.composite
def cases(draw, max_households: int = 30):
    """(policy, snapshot) pairs over varied policies."""
    policy = draw(policies())
    return policy, draw(snapshots(policy, max_households=max_households))


def to_arrow(snapshot: dict) -> dict[str, pa.Table]:
    """The snapshot as pyarrow tables in the contract's schemas."""
    return {
        name: pa.Table.from_pylist(snapshot[name], schema=table.arrow_schema)
        for name, table in TABLES.items()
    }
