"""A synthetic survey that reproduces the research's questionnaire survey (shared/seeds/002).

The research surveyed 18 towns of six Chongqing counties: 1,700 questionnaires issued,
1,651 returned, 1,634 valid ("问卷有效率为 96.12%", valid / issued), answered by the
helpers (扶贫主体) and the households (脱贫主体), and publishes the shares of figures 1–5.
This survey, in the responses layout of the surveys spec and for the template
`engine/survey_templates/motivation-2019.yaml`, has

* 1,041 valid household and 593 valid helper questionnaires: group sizes at which every
  published share (and the 4.43 % remainder of figure 5) is a whole count within 0.05
  percentage points (1,034 / 600 is not: figure 5's remainder would be 4.35 %), and each
  option is chosen by exactly round(share × n) valid respondents;
* 17 invalid questionnaires of the kinds the spec names, four of them with two reasons
  (`PLANTED_INVALID`).

Who chooses what is random but seeded and leans on a few traits, as in life: a household's
drive (脱贫意愿) moves its attitude answers, its part in village affairs and how much it
wants to learn; illness behind poverty goes with medical aid received; a remote village
names poor land and roads and gets livestock rather than industry projects; a village's
cadres make its policy awareness, execution and satisfaction rates differ.

The six counties' codes are real former poverty counties of Chongqing (the research does
not name its six); their towns and villages are made up.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa

from neisheng import divisions as admin_divisions

ISSUED = 1_700
HOUSEHOLDS_VALID = 1_041
HELPERS_VALID = 593
GROUP_LABELS = {"helper": "扶贫主体", "household": "脱贫主体"}

COUNTIES = ("500229", "500238", "500236", "500235", "500242", "500243")
TOWNS_PER_COUNTY = 3
VILLAGES_PER_TOWN = 3

# Shares in per cent of each group's valid respondents, as the research publishes them
# (figures 1–5); the values marked unpublished are the ones this survey chooses, in the
# order the research describes. Figure 5 is single choice: its E is the remainder.
HOUSEHOLD_SHARES: dict[str, dict[str, float]] = {
    # 图1: A, B published; C–F unpublished.
    "difficulties": {"A": 48.17, "B": 48.20, "C": 39.0, "D": 26.5, "E": 21.0, "F": 5.5},
    # 图2: A, B published; C, D unpublished (third and last in the research's order).
    "income_factors": {"A": 42.42, "B": 33.09, "C": 26.5, "D": 9.8},
    # 图3
    "learning_wishes": {"A": 67.6, "B": 59.05, "C": 39.61, "D": 32.76, "E": 13.94, "F": 10.64},
    # 图4
    "support_received": {"A": 38.85, "B": 37.13, "C": 32.48, "D": 30.15, "E": 27.45,
                         "F": 16.3, "G": 12.5},
    # 图5 (single choice; E 其他 = 4.43, the remainder)
    "poverty_cause": {"A": 37.62, "B": 22.41, "C": 18.16, "D": 17.38},
}
HELPER_SHARES: dict[str, dict[str, float]] = {
    # 图1: A, B published; C–F unpublished.
    "difficulties": {"A": 58.7, "B": 59.66, "C": 41.5, "D": 33.5, "E": 17.5, "F": 4.5},
}

# Columns after the four fixed ones, in the template's order.
QUESTION_COLUMNS = (
    "role", "years_in_poverty_work", "households_paired", "difficulties", "head_education",
    "poverty_cause", "medical_aid", "income_factors", "learning_wishes", "support_received",
    "will", "confidence", "rely_on_government", "willing_to_learn", "village_concern",
    "village_affairs", "policy_awareness", "policy_execution", "satisfaction", "remark",
)
ATTITUDES = ("will", "confidence", "rely_on_government", "willing_to_learn", "village_concern")
INT_COLUMNS = frozenset(("years_in_poverty_work", "households_paired", *ATTITUDES))

# The invalid questionnaires, by kind: the reasons each one has (spec order).
PLANTED_INVALID: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entered twice (household)", ("duplicate",)),
    ("entered twice (household)", ("duplicate",)),
    ("entered twice (helper)", ("duplicate",)),
    ("entered twice, will typed as 7", ("duplicate", "out_of_range")),
    ("entered twice, re-entry stopped before difficulties", ("duplicate", "incomplete")),
    ("group 村民代表", ("unknown_group",)),
    ("group 帮扶企业", ("unknown_group",)),
    ("household without poverty_cause", ("incomplete",)),
    ("household without learning_wishes", ("incomplete",)),
    ("helper without difficulties", ("incomplete",)),
    ("household: village_affairs blank, attitudes all 5", ("incomplete", "straight_lining")),
    ("household: support_received A;H", ("out_of_range",)),
    ("household: confidence 6", ("out_of_range",)),
    ("helper: 85 years in poverty work, role blank", ("incomplete", "out_of_range")),
    ("household: attitudes all 5", ("straight_lining",)),
    ("household: attitudes all 4", ("straight_lining",)),
    ("household: attitudes all 3", ("straight_lining",)),
)

_HOUSEHOLD_REMARKS = (
    "希望多组织种养殖技术培训", "希望把产业路修到组上", "帮扶政策要多到院坝里宣传",
    "感谢党和政府的帮扶", "希望提高大病医疗报销比例", "孩子读书希望多给些资助",
    "希望帮忙销售农产品", "希望在附近有务工的机会", "危房改造补助希望早点到位",
)
_HELPER_REMARKS = (
    "建议减少填表报表，把精力用在帮扶上", "建议加强扶志扶智，少直接发放物资",
    "产业项目要因地制宜，注重长效", "建议健全防止返贫监测机制",
    "驻村干部工作压力大，希望加强保障", "贫困户参与度不高，要完善激励机制",
)


def _counts(shares: dict[str, float], n: int) -> np.ndarray:
    return np.array([round(s / 100 * n) for s in shares.values()], dtype=np.int64)


def _urn(rng: np.random.Generator, weights: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """One option per respondent, option j exactly capacity[j] times (sum = n), each
    respondent in random order drawing in proportion to weight × capacity left."""
    n = weights.shape[0]
    left = capacity.astype(float).copy()
    out = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for i in rng.permutation(n):
        p = weights[i] * left
        cdf = np.cumsum(p)
        j = int(np.searchsorted(cdf, u[i] * cdf[-1], side="right"))
        if j >= len(left) or left[j] == 0:  # only at float ties in the cdf
            j = int(np.flatnonzero(left > 0)[-1])
        out[i] = j
        left[j] -= 1
    return out


def _single(rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return _urn(rng, weights, counts)


def _multiple(rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A respondents × options choice matrix, option j chosen by exactly counts[j] and
    every respondent choosing at least one: a first choice each (counts shared out in
    proportion), then the rest of each option's count among those without it."""
    n, m = weights.shape
    total = int(counts.sum())
    if total < n:
        raise ValueError("the shares of a multiple-choice question sum to less than 100 %")
    exact = n * counts / total
    first = np.floor(exact).astype(np.int64)
    short = n - int(first.sum())
    first[np.argsort(-(exact - first), kind="stable")[:short]] += 1
    chosen = np.zeros((n, m), dtype=bool)
    chosen[np.arange(n), _urn(rng, weights, first)] = True
    for j in range(m):
        extra = int(counts[j] - first[j])
        if extra:
            pool = np.flatnonzero(~chosen[:, j])
            p = weights[pool, j] / weights[pool, j].sum()
            chosen[rng.choice(pool, size=extra, replace=False, p=p), j] = True
    return chosen


def _keys(choice: np.ndarray, options: str) -> list[str]:
    return [options[j] for j in choice.tolist()]


def _joined(chosen: np.ndarray, options: str) -> list[str]:
    return [";".join(options[j] for j in np.flatnonzero(row)) for row in chosen]


def _ordinal(rng, z: np.ndarray, cuts: tuple[float, ...], options: str) -> list[str]:
    """Ordered answers from a latent score: options[0] above cuts[0], and so on down."""
    noisy = z + rng.logistic(0.0, 0.6, z.size)
    idx = np.searchsorted(-np.asarray(cuts), -noisy, side="left")
    return _keys(idx, options)


def _villages() -> list[str]:
    """The surveyed villages' codes: three villages in each of three towns per county."""
    codes = []
    for c, county in enumerate(COUNTIES):
        for t in range(TOWNS_PER_COUNTY):
            # 镇 are numbered from 101, village committees from 201 (GB/T 2260 practice).
            town_no = 101 + 2 * t + c % 2
            for v in range(VILLAGES_PER_TOWN):
                codes.append(admin_divisions.division_code(county, town_no, 201 + 3 * v + t))
    return codes


def _households(rng: np.random.Generator, village: np.ndarray, remote: np.ndarray,
                cadres: np.ndarray) -> dict[str, list]:
    """Household questionnaires; each share of HOUSEHOLD_SHARES is met exactly."""
    n = village.size
    drive = rng.normal(0.0, 1.0, n)                     # 脱贫内生动力
    far = remote[village]
    run = cadres[village]
    cols: dict[str, list] = {}

    # Heads are mostly junior middle school or less; more schooling, more drive.
    edu = _ordinal(rng, 0.35 * drive - 0.25 * far, (2.4, 1.1, 0.0), "DCBA")
    low_edu = np.isin(edu, ["A"]).astype(float)
    cols["head_education"] = edu

    causes = HOUSEHOLD_SHARES["poverty_cause"]
    counts = _counts(causes, n)
    counts = np.append(counts, n - counts.sum())
    w = np.column_stack([
        np.ones(n),                                     # 因病
        np.exp(-0.4 * drive + 0.3 * low_edu),           # 收入低于标准
        np.exp(0.2 * rng.normal(size=n)),               # 子女失学
        np.exp(0.6 * far),                              # 危房
        np.ones(n),
    ])
    cause = _single(rng, w, counts)
    cols["poverty_cause"] = _keys(cause, "ABCDE")
    ill = cause == 0
    cols["medical_aid"] = np.where(rng.random(n) < np.where(ill, 0.9, 0.38), "A", "B").tolist()

    participates = rng.random(n) < 1 / (1 + np.exp(-(0.35 + 0.9 * drive + 0.35 * run)))

    w = np.column_stack([
        np.exp(-0.7 * drive), np.exp(-0.8 * participates), np.exp(0.5 * low_edu),
        np.exp(0.4 * far), np.exp(-0.5 * run), np.ones(n),
    ])
    cols["difficulties"] = _joined(
        _multiple(rng, w, _counts(HOUSEHOLD_SHARES["difficulties"], n)), "ABCDEF")

    w = np.column_stack([
        np.exp(1.0 * low_edu), np.exp(0.8 * far), np.exp(0.3 * drive), np.exp(-0.8 * run),
    ])
    cols["income_factors"] = _joined(
        _multiple(rng, w, _counts(HOUSEHOLD_SHARES["income_factors"], n)), "ABCD")

    eager = np.exp(0.4 * drive)[:, None]
    w = eager * np.column_stack([
        np.ones(n), np.exp(0.3 * far), np.ones(n), np.exp(0.5 * drive - 0.4 * low_edu),
        np.exp(-0.5 * low_edu), np.ones(n),
    ])
    cols["learning_wishes"] = _joined(
        _multiple(rng, w, _counts(HOUSEHOLD_SHARES["learning_wishes"], n)), "ABCDEF")

    w = np.column_stack([
        np.exp(0.4 * (cause == 1)), np.exp(0.3 * run), np.exp(0.5 * far),
        np.exp(0.5 * ill + 0.4 * (cause == 3)), np.exp(0.5 * drive), np.exp(-0.5 * far + 0.4 * run),
        np.ones(n),
    ])
    cols["support_received"] = _joined(
        _multiple(rng, w, _counts(HOUSEHOLD_SHARES["support_received"], n)), "ABCDEFG")

    def likert(mean, noise=0.75):
        return np.clip(np.rint(mean + rng.normal(0.0, noise, n)), 1, 5).astype(np.int64)

    grid = np.column_stack([
        likert(3.7 + 0.9 * drive),
        likert(3.3 + 0.8 * drive - 0.2 * ill),
        likert(2.9 - 0.8 * drive),                      # worded the other way round
        likert(3.6 + 0.6 * drive),
        likert(3.2 + 0.4 * drive + 0.8 * participates),
    ])
    flat = (grid == grid[:, :1]).all(axis=1)
    # An honest respondent rarely gives one answer to all five: move the reversed item.
    grid[flat, 2] = np.where(grid[flat, 2] > 1, grid[flat, 2] - 1, 2)
    for k, code in enumerate(ATTITUDES):
        cols[code] = grid[:, k].tolist()
    cols["village_affairs"] = np.where(participates, "A", "B").tolist()

    cols["policy_awareness"] = _ordinal(rng, 1.2 + 0.6 * run + 0.3 * drive - 0.3 * low_edu,
                                        (2.2, 0.0, -1.4), "ABCD")
    executed = 1.5 + 0.7 * run + 0.2 * drive
    cols["policy_execution"] = _ordinal(rng, executed, (2.4, 0.0, -1.2), "ABCD")
    cols["satisfaction"] = _ordinal(
        rng, 1.0 + 0.6 * executed + 0.3 * run - 0.3 * ill, (2.6, 0.0, -1.6), "ABCD")

    cols["remark"] = [
        _HOUSEHOLD_REMARKS[int(rng.integers(len(_HOUSEHOLD_REMARKS)))] if r < 0.12 else None
        for r in rng.random(n)
    ]
    for code in ("role", "years_in_poverty_work", "households_paired"):
        cols[code] = [None] * n
    return cols


def _helpers(rng: np.random.Generator, village: np.ndarray, remote: np.ndarray) -> dict[str, list]:
    """Helpers' questionnaires; each share of HELPER_SHARES is met exactly."""
    n = village.size
    role = rng.choice(5, size=n, p=[0.08, 0.2, 0.32, 0.18, 0.22])
    years_mean = np.array([8.0, 10.0, 12.0, 4.0, 5.0])[role]
    years_sd = np.array([4.0, 5.0, 7.0, 2.0, 3.0])[role]
    years = np.clip(np.rint(rng.normal(years_mean, years_sd)), 0, 40).astype(np.int64)
    low = np.array([0, 1, 3, 4, 1])[role]
    high = np.array([3, 6, 9, 16, 6])[role]
    paired = rng.integers(low, high)
    no_pairs = (role == 0) & (rng.random(n) < 0.7)
    cols: dict[str, list] = {
        "role": _keys(role, "ABCDE"),
        "years_in_poverty_work": years.tolist(),
        "households_paired": [None if x else int(p) for x, p in zip(no_pairs, paired)],
    }
    close = np.isin(role, [2, 3]).astype(float)        # village cadres and resident teams
    far = remote[village]
    w = np.column_stack([
        np.exp(0.4 * close), np.exp(0.3 * close), np.exp(0.3 * far), np.exp(0.5 * far),
        np.exp(0.4 * (role == 0)), np.ones(n),
    ])
    cols["difficulties"] = _joined(
        _multiple(rng, w, _counts(HELPER_SHARES["difficulties"], n)), "ABCDEF")
    for code in QUESTION_COLUMNS:
        if code not in cols and code != "remark":
            cols[code] = [None] * n
    cols["remark"] = [
        _HELPER_REMARKS[int(rng.integers(len(_HELPER_REMARKS)))] if r < 0.2 else None
        for r in rng.random(n)
    ]
    return cols


def _rows(cols: dict[str, list], group: str, village: np.ndarray, codes: list[str]) -> list[dict]:
    n = village.size
    return [
        {"group": GROUP_LABELS[group], "village_code": codes[village[i]],
         **{q: cols[q][i] for q in QUESTION_COLUMNS}}
        for i in range(n)
    ]


def _spoil(fresh_h: list[dict], fresh_p: list[dict]) -> list[dict]:
    """The twelve invalid questionnaires that are not re-entries (PLANTED_INVALID[5:])."""
    h = iter(fresh_h)
    p = iter(fresh_p)
    out = []
    row = next(h)
    row["group"] = "村民代表"
    out.append(row)
    row = next(p)
    row["group"] = "帮扶企业"
    out.append(row)
    row = next(h)
    row["poverty_cause"] = None
    out.append(row)
    row = next(h)
    row["learning_wishes"] = None
    out.append(row)
    row = next(p)
    row["difficulties"] = None
    out.append(row)
    row = next(h)
    row["village_affairs"] = None
    row.update(dict.fromkeys(ATTITUDES, 5))
    out.append(row)
    row = next(h)
    row["support_received"] = "A;H"
    out.append(row)
    row = next(h)
    row["confidence"] = 6
    out.append(row)
    row = next(p)
    row["years_in_poverty_work"] = 85
    row["role"] = None
    out.append(row)
    for value in (5, 4, 3):
        row = next(h)
        row.update(dict.fromkeys(ATTITUDES, value))
        out.append(row)
    return out


@functools.cache
def _build(seed: int) -> tuple[pa.Table, tuple[tuple[str, tuple[str, ...]], ...]]:
    root = np.random.SeedSequence(seed)
    layout_ss, h_ss, p_ss, bad_ss, order_ss = root.spawn(5)
    rng = np.random.default_rng(layout_ss)
    codes = _villages()
    nv = len(codes)
    remote = rng.normal(0.0, 1.0, nv)
    cadres = rng.normal(0.0, 0.7, nv)
    size = rng.uniform(0.6, 1.6, nv)

    def villages(r, n):
        return r.choice(nv, size=n, p=size / size.sum())

    h_rng = np.random.default_rng(h_ss)
    hv = villages(h_rng, HOUSEHOLDS_VALID)
    households = _rows(_households(h_rng, hv, remote, cadres), "household", hv, codes)
    p_rng = np.random.default_rng(p_ss)
    pv = villages(p_rng, HELPERS_VALID)
    helpers = _rows(_helpers(p_rng, pv, remote), "helper", pv, codes)

    b_rng = np.random.default_rng(bad_ss)
    bhv = villages(b_rng, 9)
    bpv = villages(b_rng, 3)
    fresh = _spoil(_rows(_households(b_rng, bhv, remote, cadres), "household", bhv, codes),
                   _rows(_helpers(b_rng, bpv, remote), "helper", bpv, codes))
    for row, (_kind, reasons) in zip(fresh, PLANTED_INVALID[5:], strict=True):
        row["_planted"] = reasons

    # Questionnaires were gathered village by village and numbered per county.
    o_rng = np.random.default_rng(order_ss)
    rows = households + helpers + fresh
    tiebreak = o_rng.random(len(rows))
    rows = [rows[i] for i in sorted(range(len(rows)),
                                    key=lambda i: (rows[i]["village_code"], tiebreak[i]))]
    serial = np.zeros(len(COUNTIES), dtype=np.int64)
    for row in rows:
        c = COUNTIES.index(row["village_code"][:6])
        serial[c] += 1
        row["respondent_id"] = f"CQ{c + 1}-{serial[c]:04d}"

    # Five questionnaires typed in twice: the copy goes in later in the same county's batch.
    is_valid = ["_planted" not in r for r in rows]
    pick_h = [i for i in range(len(rows)) if is_valid[i] and rows[i]["group"] == "脱贫主体"]
    pick_p = [i for i in range(len(rows)) if is_valid[i] and rows[i]["group"] == "扶贫主体"]
    originals = (o_rng.choice(pick_h, 3, replace=False).tolist()
                 + o_rng.choice(pick_p, 2, replace=False).tolist())
    originals = [originals[0], originals[1], originals[3], originals[2], originals[4]]
    inserts = []
    for k, i in enumerate(originals):
        copy = dict(rows[i])
        if k == 3:
            copy["will"] = 7
        elif k == 4:
            copy["difficulties"] = None
        copy["_planted"] = PLANTED_INVALID[k][1]
        county = rows[i]["village_code"][:6]
        last = max(j for j, r in enumerate(rows) if r["village_code"][:6] == county)
        inserts.append((int(o_rng.integers(i + 1, last + 2)), k, copy))
    for at, _k, copy in sorted(inserts, key=lambda x: (x[0], x[1]), reverse=True):
        rows.insert(at, copy)

    planted = tuple((r["respondent_id"], r["_planted"]) for r in rows if "_planted" in r)
    columns = {
        "respondent_id": pa.array([r["respondent_id"] for r in rows], pa.string()),
        "group": pa.array([r["group"] for r in rows], pa.string()),
        "household_id": pa.nulls(len(rows), pa.string()),
        "village_code": pa.array([r["village_code"] for r in rows], pa.string()),
    }
    for q in QUESTION_COLUMNS:
        columns[q] = pa.array([r[q] for r in rows], pa.int64() if q in INT_COLUMNS else pa.string())
    return pa.table(columns), planted


def research_survey(seed: int = 2019) -> tuple[pa.Table, int]:
    """The returned questionnaires (1,651 rows, responses layout of the surveys spec) and
    the number issued (1,700). Deterministic for the seed."""
    table, _ = _build(seed)
    return table, ISSUED


def research_survey_planted(seed: int = 2019) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The invalid questionnaires as (respondent_id, reasons), in row order; a re-entered
    questionnaire's id is also its valid first entry's."""
    return _build(seed)[1]


def research_survey_file(path: str | Path, seed: int = 2019) -> int:
    """Write the survey as .xlsx (one sheet, header row of column names) or .csv (UTF-8);
    returns the number issued, which the report needs besides the file."""
    path = Path(path)
    table, issued = research_survey(seed)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("问卷数据")
        sheet.append(table.column_names)
        for row in zip(*(table.column(c).to_pylist() for c in table.column_names)):
            sheet.append(list(row))
        book.save(path)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, path)
    else:
        raise ValueError(f"{path.name}: 只能写 .xlsx 或 .csv / write .xlsx or .csv")
    return issued
