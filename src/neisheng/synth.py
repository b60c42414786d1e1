"""A synthetic county registry snapshot that looks real to someone who works there.

The shape follows a formerly poor county in the Chongqing mountains (the research in
shared/seeds: illness behind most poverty, adults mostly junior middle school or less,
much migrant work) as it looks several years after 2020: about a fifth of households
are lifted (脱贫户), a few per cent are monitored, incomes are mostly wages from migrant
work, and only the tail that policy cares about (elderly, ill, disabled households)
sits near the poverty line.

Everything is drawn with numpy over whole chunks of villages; the only Python loops
run over chunks and over the ~25 ledger items, because a county of a million households
has to be generated in seconds, not minutes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neisheng import divisions as admin_divisions
from neisheng import ids
from neisheng.engine.schema import LEDGER_ITEMS, TABLES

__all__ = ["generate_county"]

STATUS = ("general", "lifted", "monitored")
GENERAL, LIFTED, MONITORED = 0, 1, 2
CATEGORY = ("ordinary", "dibao", "tekun")
HOUSING = ("safe", "c_class", "d_class")
WATER = ("safe", "unsafe")
CAUSES = (
    "illness", "disability", "schooling", "disaster", "no_land", "no_water",
    "no_skill", "no_labor", "no_capital", "transport", "low_motivation", "other",
)
C_ILLNESS, C_DISABILITY, C_SCHOOLING, C_DISASTER = 0, 1, 2, 3
C_NO_SKILL, C_NO_LABOR, C_LOW_MOTIVATION = 6, 7, 10
# Shares among lifted/monitored households. Illness leads as in the research
# (37.62% of poor households); the rest follow the usual 建档立卡 ordering.
CAUSE_P = np.array([0.37, 0.13, 0.08, 0.03, 0.02, 0.01, 0.11, 0.08, 0.07, 0.04, 0.03, 0.03])
EVENTS = ("none", "illness", "disaster", "accident", "unemployment", "other")
E_NONE, E_ILLNESS, E_DISASTER, E_ACCIDENT, E_UNEMPLOYMENT, E_OTHER = range(6)
RELATION = ("head", "spouse", "child", "parent", "grandchild", "other")
R_HEAD, R_SPOUSE, R_CHILD, R_PARENT, R_GRANDCHILD, R_OTHER = range(6)
SEX = ("male", "female")
EDUCATION = ("none", "primary", "junior", "vocational", "senior", "college")  # low -> high
ED_NONE, ED_PRIMARY, ED_JUNIOR, ED_VOCATIONAL, ED_SENIOR, ED_COLLEGE = range(6)
SCHOOLING = (
    "not_in_school", "preschool", "primary", "junior", "senior",
    "secondary_vocational", "higher_vocational", "undergraduate_plus",
)
S_NOT, S_PRE, S_PRIMARY, S_JUNIOR, S_SENIOR, S_SECVOC, S_HIGHVOC, S_UNDERGRAD = range(8)
LABOR = ("skilled", "ordinary", "weak", "lost", "none")
L_SKILLED, L_ORDINARY, L_WEAK, L_LOST, L_NONE = range(5)
HEALTH = ("healthy", "chronic", "serious", "disabled")
H_HEALTHY, H_CHRONIC, H_SERIOUS, H_DISABLED = range(4)
SOURCES = ("survey", "civil_affairs", "hrss", "disabled_fed", "agriculture",
           "medical_insurance", "education")
SRC = {s: i for i, s in enumerate(SOURCES)}
ITEMS = tuple(LEDGER_ITEMS)
ITEM = {code: i for i, code in enumerate(ITEMS)}

# Household member slots, in the order a 户口簿 lists them.
S_HEAD, S_SPOUSE = 0, 1
S_CHILD = slice(2, 6)
S_OTHER = 6  # daughter-in-law (儿媳), recorded as 其他
S_GRAND = slice(7, 10)
S_PARENT = slice(10, 12)
N_SLOTS = 12
SLOT_RELATION = np.array([R_HEAD, R_SPOUSE] + [R_CHILD] * 4 + [R_OTHER] + [R_GRANDCHILD] * 3
                         + [R_PARENT] * 2, dtype=np.int8)
# When a drawn household exceeds 7 members, the least central members go first.
_KEEP_PRIORITY = np.array([0, 1, 2, 3, 4, 5, 10, 11, 6, 7, 8, 9])
MAX_SIZE = 7

CHUNK_HOUSEHOLDS = 40_000


# --------------------------------------------------------------------------- helpers


def _cat(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Categorical draws from one probability vector."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int8)


def _cat_rows(rng: np.random.Generator, table, row: np.ndarray) -> np.ndarray:
    """Categorical draws where each element picks its probability vector by `row`."""
    table = np.asarray(table, dtype=float)
    cdf = np.cumsum(table, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(row.shape[0])
    return (u[:, None] >= cdf[row]).sum(axis=1).astype(np.int8)


def _band(age: np.ndarray, edges) -> np.ndarray:
    """Index of the age band, with bands starting at each edge."""
    return (np.searchsorted(np.asarray(edges), age, side="right") - 1).astype(np.int8)


def _lognormal(rng, median, sigma, size) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(size))


def _labels(codes) -> pa.Array:
    return pa.array(list(codes), type=pa.string())


def _take(codes: tuple[str, ...] | pa.Array, idx: np.ndarray, mask=None) -> pa.Array:
    labels = codes if isinstance(codes, pa.Array) else _labels(codes)
    return labels.take(pa.array(idx, mask=mask))


def _to_decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(18, 2) without any per-row Python object."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((cents.shape[0], 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), cents.shape[0], [None, pa.py_buffer(words)]
    )


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digit bytes of non-negative integers, zero padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values.astype(np.int64)[:, None] // powers % 10 + 48).astype(np.uint8)


def _ascii_strings(codes: np.ndarray) -> pa.Array:
    """A (n, width) uint8 matrix of ASCII bytes as a pyarrow string array."""
    n, width = codes.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(codes))]
    )


# --------------------------------------------------------------------------- names


def _name_tables():
    from faker.providers.person import zh_CN

    provider = zh_CN.Provider
    surnames = list(provider.last_names.keys())
    weights = np.array(list(provider.last_names.values()), dtype=float)
    male = list(dict.fromkeys(provider.first_names_male))
    female = list(dict.fromkeys(provider.first_names_female))
    return surnames, weights / weights.sum(), male, female


class _Names:
    """Surname and given-name tables from Faker's zh_CN provider, sampled with numpy."""

    def __init__(self) -> None:
        surnames, weights, male, female = _name_tables()
        self.surnames = pa.array(surnames, type=pa.string())
        self.surname_cdf = np.cumsum(weights)
        self.surname_cdf[-1] = 1.0
        # Given names: male codes first, then female, then "" for single-character names.
        self.given = pa.array(male + female + [""], type=pa.string())
        self.n_male, self.n_female = len(male), len(female)
        self.empty = len(male) + len(female)
        lengths = np.array([len(g) for g in male + female])
        self.single_male = np.flatnonzero(lengths[: len(male)] == 1)
        self.single_female = len(male) + np.flatnonzero(lengths[len(male):] == 1)

    def surname(self, rng, size) -> np.ndarray:
        return np.searchsorted(self.surname_cdf, rng.random(size), side="right").astype(np.int32)

    def given_names(self, rng, is_male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First and second given-name parts; most rural names have two characters."""
        n = is_male.shape[0]
        first = np.where(
            is_male,
            rng.integers(0, self.n_male, n),
            self.n_male + rng.integers(0, self.n_female, n),
        )
        second = np.where(
            is_male,
            self.single_male[rng.integers(0, self.single_male.size, n)],
            self.single_female[rng.integers(0, self.single_female.size, n)],
        )
        # A listed name is used as it is when it already has two characters, and
        # otherwise paired with a second single character about half the time.
        first_single = np.isin(first, np.concatenate([self.single_male, self.single_female]))
        compose = first_single & (rng.random(n) < 0.5) & (second != first)
        second = np.where(compose, second, self.empty)
        return first.astype(np.int32), second.astype(np.int32)

    def full_names(self, surname: np.ndarray, first: np.ndarray, second: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(
            self.surnames.take(pa.array(surname)),
            self.given.take(pa.array(first)),
            self.given.take(pa.array(second)),
            "",
        )


# --------------------------------------------------------------------------- layout


def _layout(households: int, rng: np.random.Generator):
    """Village sizes (households) and the number of villages in each town."""
    est = households // 250 + 2
    sizes = rng.integers(250, 451, size=est)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, households))  # village k holds the last household
    sizes = sizes[: k + 1].copy()
    sizes[-1] = households - (cum[k - 1] if k > 0 else 0)
    if sizes.size > 1 and sizes[-1] < 150:
        # A remnant of a few dozen households would stand out as a fake village.
        sizes[-2] += sizes[-1]
        sizes = sizes[:-1]
    n_villages = sizes.size
    town_sizes = rng.integers(8, 21, size=n_villages // 8 + 2)
    tcum = np.cumsum(town_sizes)
    t = int(np.searchsorted(tcum, n_villages))
    town_sizes = town_sizes[: t + 1].copy()
    town_sizes[-1] = n_villages - (tcum[t - 1] if t > 0 else 0)
    if town_sizes.size > 1 and town_sizes[-1] < 5 and town_sizes[-2] + town_sizes[-1] <= 24:
        town_sizes[-2] += town_sizes[-1]
        town_sizes = town_sizes[:-1]
    return sizes.astype(np.int64), town_sizes.astype(np.int64)


def _division_table(county_code: str, town_sizes: np.ndarray, rng: np.random.Generator):
    n_towns = int(town_sizes.size)
    n_villages = int(town_sizes.sum())
    if town_sizes.max() > 799:
        raise ValueError("too many villages in one town for 3-digit village codes")
    town_names = list(admin_divisions.town_names(n_towns, rng))
    village_names = list(admin_divisions.village_names(n_villages, rng))
    # GB/T 2260 numbers 镇 from 101 and 乡 from 201, and village committees
    # from 201 within a town; fall back to plain serials for an outsized county.
    is_zhen = np.array([name.endswith("镇") for name in town_names], dtype=bool)
    if is_zhen.sum() <= 99 and (~is_zhen).sum() <= 99:
        town_no = np.where(is_zhen, 100 + np.cumsum(is_zhen), 200 + np.cumsum(~is_zhen))
    elif n_towns <= 999:
        town_no = np.arange(1, n_towns + 1)
    else:
        raise ValueError("too many households for one county's 3-digit town codes")
    town_of_village = np.repeat(np.arange(n_towns), town_sizes)
    starts = np.concatenate(([0], np.cumsum(town_sizes)[:-1]))
    village_no = 200 + np.arange(n_villages) - starts[town_of_village] + 1

    top = admin_divisions.lineage(county_code)
    county_full = top[-1].code
    town_codes = [admin_divisions.division_code(county_code, int(t)) for t in town_no]
    village_codes = np.array(
        [admin_divisions.division_code(county_code, int(town_no[t]), int(v))
         for t, v in zip(town_of_village.tolist(), village_no.tolist())]
    )
    codes = [d.code for d in top] + town_codes + village_codes.tolist()
    names = [d.name for d in top] + town_names + village_names
    levels = [d.level for d in top] + [4] * n_towns + [5] * n_villages
    parents = [d.parent_code for d in top] + [county_full] * n_towns + [
        town_codes[t] for t in town_of_village.tolist()
    ]
    table = pa.table(
        {
            "code": pa.array(codes, pa.string()),
            "name": pa.array(names, pa.string()),
            "level": pa.array(levels, pa.int32()),
            "parent_code": pa.array(parents, pa.string()),
        },
        schema=TABLES["divisions"].arrow_schema,
    )
    return table, village_codes


def _other_area_codes(county_code: str) -> list[str]:
    """Other counties of the same province: birthplaces of wives who married in."""
    codes = [c.code for c in admin_divisions.counties()
             if c.code[:2] == county_code[:2] and c.code != county_code]
    return codes or [county_code]


# --------------------------------------------------------------------------- households


def _household_draws(rng, n: int, village_lift: np.ndarray):
    """Status, cause, tekun and sudden events: the facts that shape everything else."""
    u = rng.random(n)
    p_monitored = 0.02
    status = np.where(u < village_lift, LIFTED,
                      np.where(u < village_lift + p_monitored, MONITORED, GENERAL)).astype(np.int8)
    poor = status != GENERAL
    cause = _cat(rng, CAUSE_P, n)
    cause_valid = poor
    tekun = rng.random(n) < np.choose(status, [0.0045, 0.028, 0.02])
    event_p = np.array([
        [0.966, 0.012, 0.006, 0.005, 0.007, 0.004],  # general
        [0.955, 0.017, 0.008, 0.006, 0.009, 0.005],  # lifted
        [0.72, 0.12, 0.05, 0.035, 0.05, 0.025],  # monitored: usually identified for an event
    ])
    event = _cat_rows(rng, event_p, status)
    return status, cause, cause_valid, tekun, event


HEAD_AGE_EDGES = np.array([22, 30, 40, 50, 60, 70, 80, 93])
HEAD_AGE_P = np.array([
    [0.035, 0.10, 0.19, 0.27, 0.23, 0.13, 0.045],  # ordinary
    [0.0, 0.0, 0.02, 0.08, 0.30, 0.38, 0.22],  # cause no_labor
    [0.0, 0.03, 0.05, 0.09, 0.24, 0.35, 0.24],  # tekun
])


def _composition(rng, n: int, cause, cause_valid, tekun):
    """Member slots (n, N_SLOTS): ages (-1 where empty), sex, relation fixed per slot."""
    kind = np.where(tekun, 2, np.where(cause_valid & (cause == C_NO_LABOR), 1, 0))
    band = _cat_rows(rng, HEAD_AGE_P, kind)
    lo, hi = HEAD_AGE_EDGES[band], HEAD_AGE_EDGES[band + 1]
    head_age = (lo + rng.random(n) * (hi - lo)).astype(np.int16)
    head_male = rng.random(n) < np.where(tekun, 0.78, 0.86)

    age = np.full((n, N_SLOTS), -1, dtype=np.int16)
    male = np.zeros((n, N_SLOTS), dtype=bool)
    age[:, S_HEAD] = head_age
    male[:, S_HEAD] = head_male

    # Spouse
    p_sp = np.where(head_male,
                    np.select([head_age < 30, head_age < 65, head_age < 75], [0.55, 0.87, 0.74],
                              0.52),
                    0.22)
    p_sp = np.where(tekun, 0.22, np.where(kind == 1, p_sp * 0.75, p_sp))
    has_sp = rng.random(n) < p_sp
    gap = np.abs(rng.normal(2.5, 2.5, n))
    sp_age = np.where(head_male, head_age - gap, head_age + gap)
    sp_age = np.clip(np.rint(sp_age), 18, 99).astype(np.int16)
    age[:, S_SPOUSE] = np.where(has_sp, sp_age, -1)
    male[:, S_SPOUSE] = ~head_male

    # Children: born to the head at 21-35 mostly, spaced by 1-6 years.
    born_p = np.array([
        [0.03, 0.15, 0.47, 0.25, 0.10],  # heads aged 55+
        [0.03, 0.28, 0.52, 0.14, 0.03],  # 40-54
        [0.10, 0.40, 0.42, 0.08, 0.0],  # under 40
    ])
    cohort = np.where(head_age >= 55, 0, np.where(head_age >= 40, 1, 2))
    n_born = _cat_rows(rng, born_p, cohort)
    n_born = np.where(tekun, 0, n_born)
    first_gap = np.where(head_male, 22 + rng.gamma(2.0, 2.0, n), 21 + rng.gamma(2.0, 1.8, n))
    spacing = 1 + rng.gamma(2.0, 1.2, (n, 3))
    gaps = np.concatenate([first_gap[:, None], spacing], axis=1).cumsum(axis=1)
    c_age = np.floor(head_age[:, None] - gaps).astype(np.int16)
    c_male = rng.random((n, 4)) < 0.52
    c_present_p = np.select(
        [c_age < 18, c_age < 25, c_age < 35],
        [0.98, np.where(c_male, 0.9, 0.75), np.where(c_male, 0.72, 0.3)],
        np.where(c_male, 0.5, 0.1),
    )
    c_ok = (
        (np.arange(4)[None, :] < n_born[:, None])
        & (gaps <= 40)
        & (c_age >= 0)
        & (rng.random((n, 4)) < c_present_p)
    )
    age[:, S_CHILD] = np.where(c_ok, c_age, -1)
    male[:, S_CHILD] = c_male

    # A married son who stayed brings his wife (儿媳) and children.
    son_age = np.where(c_ok & c_male & (c_age >= 22), c_age, -1).max(axis=1)
    has_son = son_age >= 22
    dil = has_son & (rng.random(n) < 0.6)
    dil_age = np.clip(np.rint(son_age - rng.normal(2.0, 2.5, n)), 18, 99).astype(np.int16)
    age[:, S_OTHER] = np.where(dil, dil_age, -1)
    male[:, S_OTHER] = False
    n_gc = np.where(has_son, _cat(rng, [0.2, 0.4, 0.3, 0.1], n), 0)
    g_gaps = np.concatenate(
        [(23 + rng.gamma(2.0, 1.8, n))[:, None], 1 + rng.gamma(2.0, 1.2, (n, 2))], axis=1
    ).cumsum(axis=1)
    g_age = np.floor(son_age[:, None] - g_gaps).astype(np.int16)
    g_ok = (np.arange(3)[None, :] < n_gc[:, None]) & (g_age >= 0) & (g_gaps <= 40)
    age[:, S_GRAND] = np.where(g_ok, g_age, -1)
    male[:, S_GRAND] = rng.random((n, 3)) < 0.53

    # Parents of the head, for younger heads who took over the household.
    p_par = np.select([head_age < 40, head_age < 55, head_age < 65], [0.3, 0.2, 0.07], 0.0)
    p_par = np.where(tekun, 0.0, p_par)
    n_par = np.where(rng.random(n) < p_par, np.where(rng.random(n) < 0.4, 2, 1), 0)
    father = np.rint(head_age + 22 + rng.gamma(2.0, 2.5, n)).astype(np.int16)
    mother = np.maximum(np.rint(father - np.abs(rng.normal(2.5, 2.5, n))), head_age + 18)
    mother = mother.astype(np.int16)
    only_mother = rng.random(n) < 0.7  # widowed mothers outlive fathers
    age[:, 10] = np.where((n_par == 2) | ((n_par == 1) & ~only_mother), father, -1)
    age[:, 11] = np.where((n_par == 2) | ((n_par == 1) & only_mother), mother, -1)
    age[:, 10:12] = np.where(age[:, 10:12] > 99, -1, age[:, 10:12])
    male[:, 10] = True
    male[:, 11] = False

    present = age >= 0
    ranked = present[:, _KEEP_PRIORITY]
    keep_ranked = ranked & (np.cumsum(ranked, axis=1) <= MAX_SIZE)
    keep = np.empty_like(present)
    keep[:, _KEEP_PRIORITY] = keep_ranked
    age[~keep] = -1
    return age, male, head_male


# --------------------------------------------------------------------------- one chunk


EDU_EDGES = np.array([0, 23, 31, 41, 51, 61, 71, 81])
EDU_P = np.array([
    # none, primary, junior, vocational, senior, college — adults out of school
    [0.01, 0.06, 0.56, 0.18, 0.13, 0.06],  # 16-22
    [0.01, 0.04, 0.40, 0.17, 0.14, 0.24],  # 23-30
    [0.02, 0.09, 0.55, 0.10, 0.12, 0.12],  # 31-40
    [0.03, 0.21, 0.57, 0.06, 0.09, 0.04],  # 41-50
    [0.07, 0.40, 0.42, 0.03, 0.07, 0.01],  # 51-60
    [0.18, 0.50, 0.26, 0.01, 0.045, 0.005],  # 61-70
    [0.35, 0.48, 0.14, 0.005, 0.025, 0.0],  # 71-80
    [0.55, 0.38, 0.06, 0.0, 0.01, 0.0],  # 81+
])
HEALTH_EDGES = np.array([0, 18, 40, 60, 70, 80])
P_CHRONIC = np.array([0.008, 0.03, 0.10, 0.21, 0.30, 0.38])
P_SERIOUS = np.array([0.0015, 0.0035, 0.01, 0.019, 0.024, 0.027])
P_DISABLED = np.array([0.005, 0.011, 0.021, 0.031, 0.041, 0.048])
GRADE_P = np.array([0.12, 0.23, 0.30, 0.35])


def _chunk(rng, names: _Names, village_codes_chunk: np.ndarray, village_sizes: np.ndarray,
           village_lift: np.ndarray, year: int, n_other_areas: int):
    n = int(village_sizes.sum())
    village_of = np.repeat(np.arange(village_sizes.size), village_sizes)
    serial = np.arange(n) - np.repeat(np.cumsum(village_sizes) - village_sizes, village_sizes) + 1

    status, cause, cause_valid, tekun, event = _household_draws(
        rng, n, village_lift[village_of]
    )
    poor = status != GENERAL
    slot_age, slot_male, head_male = _composition(rng, n, cause, cause_valid, tekun)

    # ------------------------------------------------------------ flatten to persons
    present = slot_age >= 0
    size_all = present.sum(axis=1)
    hh = np.repeat(np.arange(n), size_all)
    slot = np.broadcast_to(np.arange(N_SLOTS, dtype=np.int8), present.shape)[present]
    age = slot_age[present].astype(np.int32)
    male = slot_male[present]
    rel = SLOT_RELATION[slot]
    P = age.shape[0]
    head_pos = np.concatenate(([0], np.cumsum(size_all)[:-1]))
    pos = np.full((n, N_SLOTS), -1, dtype=np.int64)
    pos[present] = np.arange(P)
    poor_p = poor[hh]

    # Surnames: children and grandchildren carry the father's line.
    head_sur = names.surname(rng, n)
    line_sur = np.where(head_male, head_sur, names.surname(rng, n))
    own_sur = names.surname(rng, P)
    is_line = (rel == R_CHILD) | (rel == R_GRANDCHILD)
    sur = np.where(is_line, np.where(rng.random(P) < 0.95, line_sur[hh], own_sur), own_sur)
    sur = np.where(rel == R_HEAD, head_sur[hh], sur)
    # The head's father shares the head's surname; a female head's husband is the line.
    sur = np.where(slot == 10, head_sur[hh], sur)
    sur = np.where((rel == R_SPOUSE) & ~head_male[hh], line_sur[hh], sur)
    first, second = names.given_names(rng, male)

    # ------------------------------------------------------------ birth dates
    by = (year - age).astype(np.int64)
    # Full years at the reference date (31 December) equal `age` exactly. The
    # registry is collected by 30 September (年度核查), so this year's babies were all
    # born before then, and a snapshot made late in the year has no future births.
    start = (by - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (by + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - 1
    end = np.minimum(end, np.datetime64(f"{year:04d}-09-30"))
    span = (end - start).astype(np.int64) + 1
    birth = end - (rng.random(P) * span).astype(np.int64)

    # ------------------------------------------------------------ schooling, education
    sch = np.zeros(P, dtype=np.int8)
    sch[(age >= 3) & (age <= 5) & (rng.random(P) < np.where(age == 3, 0.78, 0.93))] = S_PRE
    sch[(age >= 6) & (age <= 11)] = S_PRIMARY
    sch[(age >= 12) & (age <= 14)] = S_JUNIOR
    a15 = age == 15
    sch[a15] = np.where(rng.random(P)[a15] < 0.5, S_JUNIOR,
                        np.where(rng.random(P)[a15] < 0.62, S_SENIOR, S_SECVOC))
    a16 = (age >= 16) & (age <= 17)
    u = rng.random(P)
    sch[a16] = np.select([u[a16] < 0.56, u[a16] < 0.89], [S_SENIOR, S_SECVOC], S_NOT)
    a18 = age == 18
    sch[a18] = np.select([u[a18] < 0.22, u[a18] < 0.33, u[a18] < 0.52, u[a18] < 0.68],
                         [S_SENIOR, S_SECVOC, S_HIGHVOC, S_UNDERGRAD], S_NOT)
    a19 = (age >= 19) & (age <= 22)
    tert = np.where(poor_p, 0.85, 1.0)[a19] * np.where(age[a19] == 22, 0.6, 1.0)
    sch[a19] = np.select([u[a19] < 0.2 * tert, u[a19] < 0.42 * tert],
                         [S_HIGHVOC, S_UNDERGRAD], S_NOT)
    sch[(age >= 23) & (age <= 25) & (u < 0.01)] = S_UNDERGRAD
    # Dropping out of compulsory school is now a handful of cases per 100,000.
    dropout = (age >= 6) & (age <= 15) & (rng.random(P) < 4e-4)
    sch[dropout] = S_NOT

    gamma = np.where(poor_p, 1.35, 1.0) * np.where(~male & (age > 45), 1.25, 1.0)
    u_ed = rng.random(P) ** gamma
    cdf = np.cumsum(EDU_P, axis=1)
    cdf /= cdf[:, -1:]
    eb = np.clip(_band(np.maximum(age, 16), [16, 23, 31, 41, 51, 61, 71, 81]), 0, 7)
    edu = (u_ed[:, None] >= cdf[eb]).sum(axis=1).astype(np.int8)
    edu = np.minimum(edu, 5).astype(np.int8)
    edu = np.where(age < 6, ED_NONE, edu)
    edu = np.where((age >= 6) & (age <= 15), np.where(age <= 12, ED_PRIMARY, ED_JUNIOR), edu)
    edu = np.select(
        [sch == S_PRIMARY, sch == S_JUNIOR, sch == S_SENIOR, sch == S_SECVOC,
         (sch == S_HIGHVOC) | (sch == S_UNDERGRAD)],
        [ED_PRIMARY, ED_JUNIOR, ED_SENIOR, ED_VOCATIONAL, ED_COLLEGE], edu,
    ).astype(np.int8)
    # Anyone aged 16-17 already out of school finished junior middle school at most.
    edu = np.where((age >= 16) & (age <= 17) & (sch == S_NOT), np.minimum(edu, ED_JUNIOR), edu)
    edu = np.where(dropout, ED_PRIMARY, edu).astype(np.int8)

    # ------------------------------------------------------------ health
    hb = _band(age, HEALTH_EDGES)
    mult = np.where(poor_p, 1.5, 1.0)
    u = rng.random(P)
    p_dis = P_DISABLED[hb] * mult
    p_ser = P_SERIOUS[hb] * mult
    p_chr = P_CHRONIC[hb] * mult
    health = np.select([u < p_dis, u < p_dis + p_ser, u < p_dis + p_ser + p_chr],
                       [H_DISABLED, H_SERIOUS, H_CHRONIC], H_HEALTHY).astype(np.int8)
    grade = np.where(health == H_DISABLED, _cat(rng, GRADE_P, P) + 1, 0).astype(np.int8)
    # A dropout is often a severely disabled child taught at home (送教上门).
    home_taught = dropout & (rng.random(P) < 0.35)
    health[home_taught] = H_DISABLED
    grade[home_taught] = np.where(rng.random(int(home_taught.sum())) < 0.5, 1, 2)

    # The recorded cause of poverty still shows in the household today.
    has_sp = present[:, S_SPOUSE]
    pick_spouse = has_sp & (rng.random(n) < 0.4)
    target = np.where(pick_spouse, pos[:, S_SPOUSE], head_pos)
    ill = cause_valid & (cause == C_ILLNESS) & (rng.random(n) < 0.75)
    ill_t = target[ill]
    make_serious = rng.random(ill_t.size) < 0.3
    healthy_t = health[ill_t] == H_HEALTHY
    health[ill_t[healthy_t]] = np.where(make_serious[healthy_t], H_SERIOUS, H_CHRONIC)
    dis = cause_valid & (cause == C_DISABILITY) & (rng.random(n) < 0.8)
    first_child = pos[:, 2]
    dis_target = np.where((first_child >= 0) & (rng.random(n) < 0.25), first_child, target)[dis]
    newly = health[dis_target] != H_DISABLED
    dis_target = dis_target[newly]
    health[dis_target] = H_DISABLED
    grade[dis_target] = _cat(rng, [0.2, 0.3, 0.27, 0.23], dis_target.size) + 1
    # 特困 support below old age means a severe disability and nobody to rely on.
    young_tekun = head_pos[tekun & (age[head_pos] < 60)]
    health[young_tekun] = H_DISABLED
    grade[young_tekun] = _cat(rng, [0.5, 0.5], young_tekun.size) + 1
    nolab = cause_valid & (cause == C_NO_LABOR) & (rng.random(n) < 0.35)
    nl_t = head_pos[nolab]
    health[nl_t[health[nl_t] == H_HEALTHY]] = H_CHRONIC
    # A sudden illness or accident this year struck an adult member.
    struck = (event == E_ILLNESS) | (event == E_ACCIDENT)
    adult_pick = np.where(has_sp & (rng.random(n) < 0.45), pos[:, S_SPOUSE], head_pos)
    s_t = adult_pick[struck & (rng.random(n) < 0.85)]
    acc = event[hh[s_t]] == E_ACCIDENT
    health[s_t] = np.where(acc & (rng.random(s_t.size) < 0.4), H_DISABLED, H_SERIOUS)
    grade[s_t] = np.where(health[s_t] == H_DISABLED, _cat(rng, [0.1, 0.3, 0.3, 0.3], s_t.size) + 1,
                          0)
    grade = np.where(health == H_DISABLED, np.maximum(grade, 1), 0).astype(np.int8)

    # ------------------------------------------------------------ alive
    p_dead = np.select([age < 60, age < 80], [0.005, 0.05], 0.17)
    dead = (rel != R_HEAD) & (rng.random(P) < p_dead)
    alive = ~dead

    # ------------------------------------------------------------ labor, skill, work
    in_school = (sch != S_NOT) & (sch != S_PRE)
    u = rng.random(P)
    p_skilled = np.array([0.04, 0.1, 0.2, 0.5, 0.3, 0.55])[edu] * np.where(poor_p, 0.8, 1.0)
    lab = np.full(P, L_NONE, dtype=np.int8)
    work_age = (age >= 16) & (age <= 59) & ~in_school
    lab[work_age] = np.where(u[work_age] < p_skilled[work_age], L_SKILLED, L_ORDINARY)
    for lo_, hi_, probs in ((60, 64, [0.0, 0.5, 0.45, 0.0, 0.05]),
                            (65, 69, [0.0, 0.25, 0.6, 0.0, 0.15]),
                            (70, 79, [0.0, 0.0, 0.45, 0.05, 0.5]),
                            (80, 200, [0.0, 0.0, 0.1, 0.15, 0.75])):
        m = (age >= lo_) & (age <= hi_)
        lab[m] = _cat(rng, probs, int(m.sum()))
    u = rng.random(P)
    capable = lab <= L_WEAK
    lab = np.where((health == H_CHRONIC) & capable & (lab <= L_ORDINARY) & (u < 0.35), L_WEAK,
                   lab)
    ser = (health == H_SERIOUS) & (lab != L_NONE)
    lab = np.where(ser, np.select([u < 0.45, u < 0.9], [L_LOST, L_WEAK], lab), lab)
    severe = (health == H_DISABLED) & (grade <= 2) & (age >= 16)
    lab = np.where(severe, np.select([u < 0.75, u < 0.85], [L_LOST, L_NONE], L_WEAK), lab)
    mild = (health == H_DISABLED) & (grade >= 3) & (lab <= L_ORDINARY)
    lab = np.where(mild & (u < 0.5), L_WEAK, np.where(mild & (lab == L_SKILLED), L_ORDINARY, lab))
    lab = lab.astype(np.int8)
    capable = (lab <= L_WEAK) & alive

    # Training drives (雨露计划, 技能培训) reached poor households first.
    has_skill = (lab == L_SKILLED) | (
        rng.random(P) < np.select([lab == L_ORDINARY, lab == L_WEAK], [0.15, 0.06], 0.0)
        * np.where(poor_p, 1.5, 1.0)
    )

    u = rng.random(P)
    p_work = np.select(
        [(lab <= L_ORDINARY) & (age <= 59), (lab == L_ORDINARY), lab == L_WEAK],
        [np.where(male, 0.86, 0.7), 0.35, 0.16], 0.0,
    )
    works = alive & (u < p_work)
    long_stint = rng.random(P) < np.where(lab == L_WEAK, 0.2, 0.85)
    months = np.where(long_stint, rng.integers(9, 13, P), rng.integers(2, 9, P))
    months = np.where(works, months, 0).astype(np.int32)
    # Those who stay behind take local day labour (零工) for part of the year.
    local = alive & capable & ~works & (age <= 64) & (
        rng.random(P) < np.where((lab <= L_ORDINARY) & (age <= 59), 0.75, 0.3))
    months = np.where(local, rng.integers(3, 11, P), months).astype(np.int32)
    works |= local
    # Losing a job this year shows as fewer months than usual.
    unemp = (event[hh] == E_UNEMPLOYMENT) & works & ~local
    months_prev = months.copy()
    months = np.where(unemp, rng.integers(0, 6, P), months).astype(np.int32)
    months_prev = np.where(unemp, rng.integers(9, 13, P), months_prev)
    churn = works & ~unemp & (rng.random(P) < 0.1)
    months_prev = np.where(churn, np.clip(months + rng.integers(-3, 4, P), 0, 12), months_prev)
    quit_ = works & ~local & ~unemp & (rng.random(P) < 0.025)  # came home this year (family, health)
    months = np.where(quit_, rng.integers(0, 4, P), months).astype(np.int32)
    months_prev = np.where(quit_, rng.integers(8, 13, P), months_prev)
    # Returned to work this year after staying home the year before.
    started = works & ~unemp & ~quit_ & (rng.random(P) < 0.02)
    months_prev = np.where(started, 0, months_prev)

    # Public welfare posts (公益岗位) go to weak or disabled members of poor households.
    pwp_cand = alive & capable & poor_p & (age >= 18) & (age <= 64) & (months < 6) & (
        (lab == L_WEAK) | (health == H_DISABLED)
    )
    pwp = pwp_cand & (rng.random(P) < 0.3)
    months = np.where(pwp, 12, months).astype(np.int32)
    months_prev = np.where(pwp, 12, months_prev)
    # The dead neither work nor earn; keep their last recorded labor status.
    months = np.where(alive, months, 0).astype(np.int32)

    insured = rng.random(P) >= 0.003

    # ------------------------------------------------------------ household aggregates
    def count(mask) -> np.ndarray:
        return np.bincount(hh, weights=mask, minlength=n)

    size = count(alive).astype(np.int64)
    n_capable = count(capable)
    n_elder = count(alive & (age >= 60))
    n_old80 = count(alive & (age >= 80))
    n_g12 = count(alive & (grade >= 1) & (grade <= 2))
    n_serious = count(alive & (health == H_SERIOUS))
    n_working = count(alive & (months >= 6) & ~pwp)
    home_labor = count(capable & (months < 6) & (age <= 75))
    head_age = age[head_pos]

    # ------------------------------------------------------------ categories & attributes
    p_dibao = np.choose(status, [0.004, 0.05, 0.09])
    p_dibao = p_dibao * np.where(n_serious + n_g12 > 0, 2.6, 1.0) * np.where(
        n_capable == 0, 2.2, 1.0) * np.where(n_working >= 2, 0.3, 1.0)

    u = rng.random(n)
    housing = np.select([u < np.choose(status, [0.0008, 0.0006, 0.012]),
                         u < np.choose(status, [0.0033, 0.0024, 0.04])],
                        [2, 1], 0).astype(np.int8)
    water = (rng.random(n) < np.choose(status, [0.0015, 0.0012, 0.02])).astype(np.int8)
    food_ok = rng.random(n) >= np.choose(status, [0.0002, 0.0003, 0.005])
    # Cooperative shares, industry linkage and microcredit come together: assistance
    # programmes put a lifted household's 特惠贷 into shares of a local cooperative (巫山脆李…).
    engaged = rng.random(n) < np.choose(status, [0.35, 0.7, 0.55]) * np.where(
        n_capable > 0, 1.0, 0.6)
    coop = rng.random(n) < np.where(engaged, 0.75, 0.05)
    industry = rng.random(n) < np.where(engaged, 0.8, 0.06)
    credit = rng.random(n) < np.choose(status, [0.1, 0.28, 0.2]) * np.where(
        engaged, 1.8, 0.6) * np.where(n_capable > 0, 1.0, 0.3)
    participates = rng.random(n) < np.choose(status, [0.7, 0.66, 0.58]) * np.where(
        head_age >= 75, 0.7, 1.0)
    will_p = np.array([
        [0.02, 0.06, 0.25, 0.37, 0.30],
        [0.04, 0.10, 0.30, 0.34, 0.22],
        [0.05, 0.12, 0.33, 0.31, 0.19],
        [0.25, 0.35, 0.25, 0.10, 0.05],  # recorded as low_motivation
    ])
    will_row = np.where(cause_valid & (cause == C_LOW_MOTIVATION), 3, status)
    willingness = (_cat_rows(rng, will_p, will_row) + 1).astype(np.int32)
    lifted_year = _cat(rng, [0.1, 0.14, 0.2, 0.22, 0.17, 0.12, 0.05], n).astype(np.int32) + 2014

    # ------------------------------------------------------------ ledger
    items, category = _ledger(
        rng, n=n, hh=hh, age=age, male=male, alive=alive, lab=lab, health=health, sch=sch,
        months=months, months_prev=months_prev, pwp=pwp, local=local, status=status, tekun=tekun,
        p_dibao=p_dibao, event=event, industry=industry, size=size, n_capable=n_capable,
        n_elder=n_elder, n_old80=n_old80, n_g12=n_g12, n_working=n_working,
        home_labor=home_labor, head_age=head_age,
    )

    # ------------------------------------------------------------ arrow
    hh_codes = np.concatenate(
        [village_codes_chunk.astype("S12").view(np.uint8).reshape(-1, 12)[village_of],
         _digits(serial, 4)], axis=1)
    hh_id = _ascii_strings(hh_codes)
    village_code = pa.array(village_codes_chunk, pa.string()).take(pa.array(village_of))
    households = pa.table(
        {
            "household_id": hh_id,
            "village_code": village_code,
            "status": _take(STATUS, status),
            "category": _take(CATEGORY, category),
            "housing": _take(HOUSING, housing),
            "water": _take(WATER, water),
            "food_clothing_ok": pa.array(food_ok),
            "poverty_cause": _take(CAUSES, cause, mask=~cause_valid),
            "lifted_year": pa.array(lifted_year, mask=status != LIFTED),
            "cooperative_member": pa.array(coop),
            "industry_linked": pa.array(industry),
            "credit_access": pa.array(credit),
            "participates_village_affairs": pa.array(participates),
            "willingness": pa.array(willingness),
            "sudden_event": _take(EVENTS, event),
        },
        schema=TABLES["households"].arrow_schema,
    )

    # Most were born here; wives married in from elsewhere in the province keep
    # the number of their birthplace.
    elsewhere = ((rel == R_SPOUSE) | (rel == R_OTHER)) & ~male & (rng.random(P) < 0.25)
    elsewhere |= (rng.random(P) < 0.01) & (rel != R_CHILD) & (rel != R_GRANDCHILD)
    area_idx = np.where(elsewhere, 1 + rng.integers(0, max(n_other_areas, 1), P), 0)

    persons = {
        "household_id": hh_id.take(pa.array(hh)),
        "name": names.full_names(sur, first, second),
        "relation": _take(RELATION, rel),
        "sex": _take(SEX, (~male).astype(np.int8)),
        "birth_date": pa.array(birth, type=pa.date32()),
        "alive": pa.array(alive),
        "education": _take(EDUCATION, edu),
        "schooling": _take(SCHOOLING, sch),
        "labor": _take(LABOR, lab),
        "health": _take(HEALTH, health),
        "disability_grade": pa.array(grade.astype(np.int32)),
        "medical_insured": pa.array(insured),
        "has_skill": pa.array(has_skill),
        "employed_months": pa.array(months.astype(np.int32)),
    }
    ledger_hh, ledger_year, ledger_item, ledger_cents, ledger_src = items
    income = {
        "household_id": hh_id.take(pa.array(ledger_hh)),
        "year": pa.array(np.where(ledger_year == 1, year, year - 1).astype(np.int32)),
        "item": _take(ITEMS, ledger_item),
        "amount": _to_decimal(ledger_cents),
        "source": _take(SOURCES, ledger_src),
    }
    id_inputs = (area_idx.astype(np.int32), birth, male)
    return households, persons, income, id_inputs


def _ledger(rng, *, n, hh, age, male, alive, lab, health, sch, months, months_prev, pwp, local,
            status, tekun, p_dibao, event, industry, size, n_capable, n_elder, n_old80, n_g12,
            n_working, home_labor, head_age):
    """Ledger rows for this year and last (amounts in cents, one row per positive item)
    and the households' 保障类别, which 低保's means test decides from the same income."""
    P = hh.shape[0]
    poor = status != GENERAL
    cur: dict[str, np.ndarray] = {}
    prev: dict[str, np.ndarray] = {}
    sources: dict[str, np.ndarray | int] = {}

    def hh_sum(values) -> np.ndarray:
        return np.bincount(hh, weights=values, minlength=n)

    def drift(values, growth=0.05, sigma=0.08):
        """Last year's amount for an item that grows slowly."""
        return values / (1 + growth) * np.exp(sigma * rng.standard_normal(n))

    # Wages: monthly pay in the coastal factories and Chongqing's building sites.
    monthly = _lognormal(rng, 4300, 0.28, P) * np.select(
        [lab == L_SKILLED, lab == L_WEAK], [1.3, 0.6], 1.0) * np.where(male, 1.0, 0.84)
    monthly *= np.where(age >= 55, 0.8, 1.0) * np.where(local, 0.72, 1.0)
    wage_p = np.where(pwp, 0, months * monthly)
    wage_prev_p = np.where(pwp, 0, months_prev * monthly / (1.05 * np.exp(0.05 * rng.standard_normal(P))))
    cur["wage"] = np.round(hh_sum(wage_p), -2)
    prev["wage"] = np.round(hh_sum(wage_prev_p), -2)
    pwp_pay = np.where(pwp, rng.choice([500, 600, 700, 800], P) * 12.0, 0)
    cur["public_welfare_post"] = hh_sum(pwp_pay)
    prev["public_welfare_post"] = hh_sum(np.where(rng.random(P) < 0.8, pwp_pay, 0))
    sources["public_welfare_post"] = SRC["hrss"]

    # Farming: most households with someone at home keep fields and some a few pigs;
    # it pays little, which is why the young leave.
    farms = rng.random(n) < np.where(home_labor > 0, 0.72, np.where(n_capable > 0, 0.4, 0.22))
    crop = np.where(farms, (1200 + 2600 * np.minimum(home_labor, 3)) * _lognormal(rng, 1, 0.45, n),
                    0)
    disaster = event == E_DISASTER
    crop_prev = drift(crop, 0.03, 0.15)
    crop = np.where(disaster, crop * rng.uniform(0.2, 0.6, n), crop)
    raise_ = rng.random(n) < np.where(poor, 0.34, 0.22) * np.where(home_labor > 0, 1.0, 0.4)
    big = raise_ & (rng.random(n) < 0.04)  # specialised livestock farms (养殖大户)
    stock = np.where(raise_, np.where(big, _lognormal(rng, 90_000, 0.6, n),
                                      _lognormal(rng, 5200, 0.6, n)), 0)
    stock_prev = drift(stock, 0.02, 0.25)
    other_biz = rng.random(n) < np.where(n_capable > 0, 0.055, 0.005)
    biz = np.where(other_biz, _lognormal(rng, 32_000, 0.55, n), 0)
    biz_prev = np.where(rng.random(n) < 0.92, drift(biz, 0.03, 0.2), 0)
    cur["business_crop"], prev["business_crop"] = np.round(crop, -1), np.round(crop_prev, -1)
    cur["business_livestock"], prev["business_livestock"] = np.round(stock, -1), np.round(
        stock_prev, -1)
    cur["business_other"], prev["business_other"] = np.round(biz, -2), np.round(biz_prev, -2)
    crop_r, stock_r, biz_r = rng.uniform(0.25, 0.45, n), np.where(
        big, rng.uniform(0.7, 0.9, n), rng.uniform(0.45, 0.65, n)), rng.uniform(0.4, 0.6, n)
    # A bad year for a big farm (swine fever, a price slump): costs exceed sales.
    slump = big & (rng.random(n) < 0.08)
    stock_r = np.where(slump, rng.uniform(1.05, 1.6, n), stock_r)
    # Subsistence plots grown from saved seed and manure book no cost at all.
    crop_r = np.where((stock == 0) & (biz == 0) & (rng.random(n) < 0.35), 0, crop_r)
    cost = crop_r * cur["business_crop"] + stock_r * cur["business_livestock"] + biz_r * cur[
        "business_other"]
    cost_prev = crop_r * prev["business_crop"] + np.minimum(stock_r, 0.9) * prev[
        "business_livestock"] + biz_r * prev["business_other"]
    cur["production_cost"], prev["production_cost"] = np.round(cost, -1), np.round(cost_prev, -1)

    # Property income.
    div_ = industry & (rng.random(n) < 0.55)
    dividend = np.where(div_, np.round(_lognormal(rng, 900, 0.5, n), -1), 0)
    cur["dividend"] = dividend
    prev["dividend"] = np.where(rng.random(n) < 0.9, np.round(dividend * rng.uniform(0.8, 1.1, n),
                                                              -1), 0)
    transfer = rng.random(n) < 0.08
    lt = np.where(transfer, np.round(_lognormal(rng, 1500, 0.6, n), -1), 0)
    cur["land_transfer"], prev["land_transfer"] = lt, np.where(rng.random(n) < 0.93, lt, 0)
    # Land taken for roads is paid once, so it makes last year look rich.
    cur["land_compensation"] = np.where(rng.random(n) < 0.003,
                                        np.round(_lognormal(rng, 20_000, 0.7, n), -2), 0)
    prev["land_compensation"] = np.where(rng.random(n) < 0.003,
                                         np.round(_lognormal(rng, 20_000, 0.7, n), -2), 0)

    # Transfers.
    tekun_amt = np.where(tekun, size * rng.integers(720, 860, n) * 12.0, 0)
    cur["tekun"], prev["tekun"] = tekun_amt, tekun_amt * 0.96
    sources["tekun"] = SRC["civil_affairs"]
    pension_each = rng.integers(175, 260, n) * 12.0
    cur["pension"] = n_elder * pension_each
    prev["pension"] = np.maximum(n_elder - (rng.random(n) < 0.06), 0) * (pension_each - 120)
    sources["pension"] = np.where(rng.random(n) < 0.35, SRC["hrss"], SRC["survey"])
    # Only land still in grain gets the 地力补贴 on the books; much is fallow or in orchards.
    farm_sub = np.where(farms & (rng.random(n) < 0.5), np.round(rng.uniform(1.5, 7.0, n), 1) * 105.0,
                        0)
    cur["farmland_subsidy"], prev["farmland_subsidy"] = farm_sub, farm_sub
    sources["farmland_subsidy"] = np.where(rng.random(n) < 0.5, SRC["agriculture"], SRC["survey"])
    cur["elderly_allowance"] = n_old80 * 600.0
    prev["elderly_allowance"] = np.maximum(n_old80 - (rng.random(n) < 0.2), 0) * 600.0
    sources["elderly_allowance"] = SRC["civil_affairs"]
    # Disability allowances; a few households have not applied yet.
    applied = rng.random(n) < 0.95
    care = np.where(applied, n_g12 * 1200.0, 0)
    cur["disability_care"], prev["disability_care"] = care, care
    incap = (n_old80 > 0) & (n_capable == 0) & (rng.random(n) < 0.05)
    cur["incapacity_allowance"] = prev["incapacity_allowance"] = np.where(incap, 1200.0, 0)
    sources["incapacity_allowance"] = SRC["civil_affairs"]
    eco = np.where(rng.random(n) < 0.04, np.round(rng.uniform(0.5, 12.0, n), 1) * 16.0, 0)
    cur["eco_compensation"] = prev["eco_compensation"] = eco
    don = rng.random(n) < np.choose(status, [0.002, 0.006, 0.08])
    cur["donation"] = np.where(don, np.round(_lognormal(rng, 1500, 0.6, n), -2), 0)
    prev["donation"] = np.where(rng.random(n) < 0.003, np.round(_lognormal(rng, 1000, 0.6, n), -2),
                                0)
    # Old parents living on their own are supported by children working away (赡养费).
    supported = (n_working == 0) & (head_age >= 58) & (rng.random(n) < 0.9)
    support = np.where(supported, np.round(_lognormal(rng, 6500, 0.45, n) * np.sqrt(size), -2), 0)
    support += np.where(rng.random(n) < 0.04, np.round(_lognormal(rng, 1500, 0.6, n), -2), 0)
    cur["other_income"] = support
    prev["other_income"] = np.round(drift(support, 0.03, 0.15), -2)

    # 低保 is means-tested: most households below the local standard are covered and
    # topped up towards it; others hold it for a severely ill or disabled member (单人保).
    standard = 7200.0
    pre = sum(v for k, v in cur.items() if LEDGER_ITEMS[k].kind == "income") - cur[
        "production_cost"]
    pre_pc = pre / np.maximum(size, 1)
    means_tested = pre_pc < standard
    p = np.where(means_tested, np.choose(status, [0.55, 0.75, 0.8]), p_dibao)
    dibao = ~tekun & (rng.random(n) < np.minimum(p, 0.8))
    single = ~means_tested | (rng.random(n) < 0.2)
    cover = np.where(single, np.minimum(size, 1 + (rng.random(n) < 0.3)), size)
    per_head = np.where(single, rng.integers(250, 520, n) * 12.0,
                        np.round(np.clip(standard - pre_pc, 2400, 6600) / 12) * 12)
    dibao_amt = np.where(dibao, cover * per_head, 0)
    cur["dibao"] = dibao_amt
    prev["dibao"] = np.where(rng.random(n) < 0.9, dibao_amt * 0.96, 0)
    sources["dibao"] = SRC["civil_affairs"]
    category = np.where(tekun, 2, np.where(dibao, 1, 0)).astype(np.int8)
    living = np.where(applied & ((category > 0) | poor), n_g12 * rng.choice([960.0, 1080.0], n), 0)
    cur["disability_living"], prev["disability_living"] = living, living
    sources["disability_care"] = sources["disability_living"] = SRC["disabled_fed"]
    elec = np.where((category > 0) & (rng.random(n) < 0.6), rng.choice([60.0, 90.0, 120.0], n), 0)
    cur["electricity_subsidy"] = prev["electricity_subsidy"] = elec
    sources["electricity_subsidy"] = SRC["civil_affairs"]

    # Rigid expenditure.
    med_p = np.select(
        [health == H_SERIOUS, health == H_CHRONIC, health == H_DISABLED],
        [_lognormal(rng, 9000, 0.75, P), _lognormal(rng, 1200, 0.7, P),
         _lognormal(rng, 900, 0.7, P)],
        np.where(rng.random(P) < 0.015, _lognormal(rng, 700, 0.8, P), 0),
    )
    med_p = np.where(alive & ((health != H_CHRONIC) | (rng.random(P) < 0.3)), med_p, 0)
    med = hh_sum(med_p)
    med_prev = hh_sum(np.where(health >= H_CHRONIC, med_p, 0)) * np.exp(
        0.3 * rng.standard_normal(n))
    struck = (event == E_ILLNESS) | (event == E_ACCIDENT)
    # The serious case of a sudden illness was new this year.
    med = med + np.where(struck, _lognormal(rng, 16_000, 0.8, n), 0)
    med_prev = np.where(struck, med_prev * 0.3, med_prev)
    med_prev += np.where(rng.random(n) < 0.05, _lognormal(rng, 800, 0.8, n), 0)
    cur["medical_out_of_pocket"], prev["medical_out_of_pocket"] = np.round(med, 2), np.round(
        med_prev, 2)
    sources["medical_out_of_pocket"] = np.where(rng.random(n) < 0.8, SRC["medical_insurance"],
                                                SRC["survey"])
    fee = np.array([0, 2200, 700, 1000, 3800, 1800, 9500, 12500], dtype=float)
    # Compulsory schooling is free; only some families book its extras (meals, supplies).
    booked = (sch >= S_SENIOR) | ((sch == S_PRE) & (rng.random(P) < 0.7)) | (rng.random(P) < 0.1)
    edu_p = np.where(alive & booked, fee[sch] * _lognormal(rng, 1, 0.35, P), 0)
    cur["education_expense"] = np.round(hh_sum(edu_p), -1)
    prev["education_expense"] = np.round(drift(cur["education_expense"], 0.0, 0.2), -1)
    sources["education_expense"] = np.where(rng.random(n) < 0.2, SRC["education"], SRC["survey"])
    cur["disaster_loss"] = np.where(disaster, np.round(_lognormal(rng, 9000, 0.8, n), -2), 0)
    prev["disaster_loss"] = np.where(rng.random(n) < 0.003,
                                     np.round(_lognormal(rng, 5000, 0.8, n), -2), 0)

    # ------------------------------------------------------------ rows
    cur_c = {k: np.round(v * 100).astype(np.int64) for k, v in cur.items()}
    prev_c = {k: np.round(v * 100).astype(np.int64) for k, v in prev.items()}
    _edge_cases(rng, n, size, cur_c)

    parts_hh, parts_year, parts_item, parts_amt, parts_src = [], [], [], [], []
    for code in ITEMS:
        src = sources.get(code, SRC["survey"])
        for flag, book in ((1, cur_c), (0, prev_c)):
            amt = book.get(code)
            if amt is None:
                continue
            idx = np.flatnonzero(amt > 0)
            parts_hh.append(idx)
            parts_year.append(np.full(idx.size, flag, dtype=np.int8))
            parts_item.append(np.full(idx.size, ITEM[code], dtype=np.int8))
            parts_amt.append(amt[idx])
            parts_src.append(src[idx] if isinstance(src, np.ndarray) else
                             np.full(idx.size, src, dtype=np.int8))
    r_hh = np.concatenate(parts_hh)
    r_year = np.concatenate(parts_year)
    r_item = np.concatenate(parts_item)
    # A ledger reads household by household, last year first.
    order = np.argsort(r_hh.astype(np.int64) * 64 + r_year * 32 + r_item,
                       kind="stable")
    rows = (r_hh[order], r_year[order], r_item[order], np.concatenate(parts_amt)[order],
            np.concatenate(parts_src).astype(np.int8)[order])
    return rows, category


def _edge_cases(rng, n, size, cur_c) -> None:
    """Put a few households' net income exactly on the poverty line or the threshold.

    Implementations must agree on `<` versus `≤`; only exact hits test that.
    """
    k = max(1, n // 40_000)
    wage = cur_c["wage"]  # edited in place
    for line in (4500, 9000):
        income = sum(v for code, v in cur_c.items() if LEDGER_ITEMS[code].kind == "income")
        net = income - cur_c["production_cost"]
        target = line * 100 * size
        need = target - (net - wage)
        ok = np.flatnonzero((wage > 0) & (need > 0) & (np.abs(net - target) < target * 0.2))
        if ok.size:
            chosen = rng.choice(ok, size=min(k, ok.size), replace=False)
            wage[chosen] = need[chosen]


# --------------------------------------------------------------------------- public


def generate_county(
    *,
    households: int,
    seed: int,
    year: int,
    county_code: str = "500237",
    progress: Callable[[int], None] | None = None,
) -> dict[str, pa.Table]:
    """A synthetic county's registry snapshot: divisions, households, persons, income_items.

    Deterministic for (households, seed, year, county_code). Tables follow the
    contract's Arrow schemas exactly.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    root = np.random.SeedSequence(seed)
    layout_ss, ids_ss, chunk_root = root.spawn(3)
    layout_rng = np.random.default_rng(layout_ss)
    village_sizes, town_sizes = _layout(households, layout_rng)
    divisions_table, village_codes = _division_table(county_code, town_sizes, layout_rng)
    # Former poor villages (贫困村) have far more lifted households than the rest.
    village_lift = np.clip(0.2 * layout_rng.lognormal(-0.08, 0.4, village_sizes.size), 0.04, 0.55)
    other_areas = _other_area_codes(county_code)
    names = _Names()

    # Chunks are whole villages so that household serials restart per village.
    target = max(CHUNK_HOUSEHOLDS, households // 40)
    bounds = [0]
    acc = 0
    for i, s in enumerate(village_sizes):
        acc += int(s)
        if acc >= target:
            bounds.append(i + 1)
            acc = 0
    if bounds[-1] != village_sizes.size:
        bounds.append(village_sizes.size)
    chunk_seeds = chunk_root.spawn(len(bounds) - 1)

    hh_parts, person_parts, ledger_parts, id_parts = [], [], [], []
    done = 0
    for c, (a, b) in enumerate(itertools.pairwise(bounds)):
        rng = np.random.default_rng(chunk_seeds[c])
        h, p, li, idin = _chunk(rng, names, village_codes[a:b], village_sizes[a:b],
                                village_lift[a:b], year, len(other_areas))
        hh_parts.append(h)
        person_parts.append(p)
        ledger_parts.append(li)
        id_parts.append(idin)
        done += int(village_sizes[a:b].sum())
        if progress is not None and c < len(bounds) - 2:
            progress(done)

    area_idx = np.concatenate([x[0] for x in id_parts])
    births = np.concatenate([x[1] for x in id_parts])
    males = np.concatenate([x[2] for x in id_parts])
    area_table = np.array([county_code, *other_areas])
    person_ids = ids.make_id_numbers(area_table[area_idx], births, males,
                                     np.random.default_rng(ids_ss))
    person_id = pa.array(person_ids, type=pa.string())

    persons_schema = TABLES["persons"].arrow_schema
    persons_cols = {"person_id": person_id}
    for name in persons_schema.names[1:]:
        persons_cols[name] = pa.chunked_array([p[name] for p in person_parts])
    # Chunked columns are left as they are: combining would copy a gigabyte at 1M households.
    persons = pa.table(persons_cols, schema=persons_schema)
    households_table = pa.concat_tables(hh_parts)
    ledger_schema = TABLES["income_items"].arrow_schema
    ledger = pa.table(
        {name: pa.chunked_array([li[name] for li in ledger_parts]) for name in ledger_schema.names},
        schema=ledger_schema,
    )
    if progress is not None:
        progress(households)
    return {
        "divisions": divisions_table,
        "households": households_table,
        "persons": persons,
        "income_items": ledger,
    }
