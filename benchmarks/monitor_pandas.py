"""A monitoring run written as plain vectorised pandas: the timing baseline for
`neisheng monitor` (benchmarks/monitor.py runs both and compares them).

The rules are those of shared/spec/monitoring.md, read independently of
`neisheng.engine`; only the policy values come from `neisheng.policy.load_policy()`.
Every comparison is exact: ledger amounts are summed as integer fen (int64) and a
per-capita comparison `x_pc < bound` is evaluated as `x < bound × size` with the
policy's ratios as exact fractions.

    python benchmarks/monitor_pandas.py SNAPSHOT --year 2026 --out DIR [--policy FILE]

writes DIR/household_results.parquet, DIR/measures.parquet, DIR/region_summary.parquet.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import neisheng.engine  # noqa: F401  (imported first: `neisheng.policy` alone is a circular import)
from neisheng.policy import load_policy

# ---- the contract's codes (data-contract.md), written out here on purpose ----------

INCOME_ITEMS = (
    "wage", "public_welfare_post", "business_crop", "business_livestock", "business_other",
    "dividend", "land_transfer", "land_compensation", "dibao", "tekun", "pension",
    "farmland_subsidy", "elderly_allowance", "disability_living", "disability_care",
    "incapacity_allowance", "electricity_subsidy", "eco_compensation", "donation",
    "other_income",
)
COST_ITEMS = ("production_cost",)
RIGID_ITEMS = ("medical_out_of_pocket", "education_expense", "disaster_loss")
DISABILITY_ITEMS = ("disability_living", "disability_care")
LABOR_CAPABLE = ("skilled", "ordinary", "weak")
STUDYING = ("senior", "secondary_vocational", "higher_vocational", "undergraduate_plus")

LABOR_ZH = {"skilled": "技能劳动力", "ordinary": "普通劳动力", "weak": "弱劳动力或半劳动力",
            "lost": "丧失劳动力", "none": "无劳动力"}
SCHOOLING_ZH = {"senior": "高中", "secondary_vocational": "中职", "higher_vocational": "高职",
                "undergraduate_plus": "本科及以上"}
HOUSING_ZH = {"safe": "安全", "c_class": "C级危房", "d_class": "D级危房"}
RISK_ZH = {"red": "红色", "yellow": "黄色", "green": "绿色"}

RED = ("income_below_line", "food_clothing", "compulsory_education", "medical_insurance",
       "housing", "water")
YELLOW = ("income_below_threshold", "income_drop", "rigid_expense", "sudden_event")
REASONS = RED + YELLOW
RISKS = ("red", "yellow", "green")
MONITOR_TYPES = ("unstable_lifted", "sudden_hardship", "marginal")
STABILITIES = ("stable", "consolidating", "borderline")
VILLAGE_LEVEL = 5
SCORE_TOLERANCE = 1e-9
EDUCATION_RANK = {"none": 0, "primary": 1, "junior": 2, "senior": 3, "vocational": 3, "college": 4}
AMOUNT = pa.decimal128(18, 2)


def fen(value: Decimal) -> int:
    return int(value * 100)


def fraction(value: Decimal) -> tuple[int, int]:
    f = Fraction(value)
    return f.numerator, f.denominator


def between(s: pd.Series, ages) -> pd.Series:
    return s.between(ages.low, ages.high)


# ---- reading ------------------------------------------------------------------------

def read_snapshot(snapshot: Path, year: int):
    households = pd.read_parquet(snapshot / "households.parquet")
    persons = pd.read_parquet(snapshot / "persons.parquet")
    # Amounts are decimal(18, 2): read Arrow-backed and turned into whole fen exactly by
    # Arrow (decimal × 100 → int64; the same in pandas' ArrowDtype arithmetic takes 15×
    # longer). The item code becomes a categorical: 24 codes over millions of rows.
    items = pd.read_parquet(
        snapshot / "income_items.parquet", columns=["household_id", "year", "item", "amount"],
        filters=[("year", "in", [year - 1, year])], dtype_backend="pyarrow",
    )
    hundred = pa.scalar(Decimal(100), pa.decimal128(3, 0))
    items = pd.DataFrame({
        "household_id": items["household_id"].astype(object),
        "year": items["year"].to_numpy("int32"),
        "item": items["item"].astype("category"),
        "fen": pc.cast(pc.multiply(pa.array(items["amount"]), hundred), pa.int64()).to_numpy(),
    })
    divisions = pd.read_parquet(snapshot / "divisions.parquet")
    return households, persons, items, divisions


# ---- per person and per household facts --------------------------------------------

def alive_members(persons: pd.DataFrame, policy) -> pd.DataFrame:
    p = persons[persons["alive"]].copy()
    birth = pd.to_datetime(p["birth_date"])
    ref = policy.reference_date
    not_yet = (birth.dt.month * 100 + birth.dt.day) > (ref.month * 100 + ref.day)
    p["age"] = (ref.year - birth.dt.year - not_yet.astype(int)).astype("int64")
    capable = p["labor"].isin(LABOR_CAPABLE)
    bar = EDUCATION_RANK[policy.education_at_least]
    p["labor_capable"] = capable
    p["out_of_school"] = (
        between(p["age"], policy.compulsory_school_ages)
        & (p["schooling"] == "not_in_school")
        & ~p["disability_grade"].isin(policy.home_schooling_disability_grades)
    )
    p["uninsured"] = ~p["medical_insured"]
    p["educated_adult"] = between(p["age"], policy.education_ages) & (
        p["education"].map(EDUCATION_RANK) >= bar)
    p["skilled_worker"] = capable & p["has_skill"]
    p["employed_worker"] = capable & (p["employed_months"] >= policy.employment_months_at_least)
    p["seriously_ill"] = p["health"] == "serious"
    p["severely_disabled"] = p["disability_grade"].isin(policy.severe_disability_grades)
    return p


FLAGS = ("labor_capable", "out_of_school", "uninsured", "educated_adult", "skilled_worker",
         "employed_worker", "seriously_ill", "severely_disabled")


def member_facts(alive: pd.DataFrame) -> pd.DataFrame:
    g = alive.groupby("household_id", sort=False)
    facts = g[list(FLAGS)].any().add_prefix("any_")
    facts.insert(0, "size", g.size())
    return facts


def ledger_totals(items: pd.DataFrame, year: int) -> pd.DataFrame:
    this_year = items["year"] == year
    kind_sign = np.select(
        [items["item"].isin(INCOME_ITEMS), items["item"].isin(COST_ITEMS)], [1, -1], 0)
    signed = items["fen"] * kind_sign
    frame = pd.DataFrame({
        "household_id": items["household_id"],
        "net_fen": signed.where(this_year, 0),
        "prev_net_fen": signed.where(~this_year, 0),
        "rigid_fen": items["fen"].where(this_year & items["item"].isin(RIGID_ITEMS), 0),
        "disability_fen": items["fen"].where(this_year & items["item"].isin(DISABILITY_ITEMS), 0),
    })
    return frame.groupby("household_id", sort=False).sum()


def per_capita_fen(total: pd.Series, size: pd.Series) -> np.ndarray:
    """total / size rounded half away from zero to the fen, in integers."""
    t = total.to_numpy(np.int64)
    s = np.maximum(size.to_numpy(np.int64), 1)
    q = (np.abs(t) * 2 + s) // (2 * s)
    return np.where(t < 0, -q, q)


def yuan(fen_values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Whole fen as decimal(18, 2) yuan (exact), null where not valid."""
    as_decimal = pa.array(fen_values, pa.int64()).cast(pa.decimal128(19, 0))
    value = pc.multiply(as_decimal, pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))).cast(AMOUNT)
    return pc.if_else(pa.array(valid), value, pa.nulls(len(value), AMOUNT))


# ---- classification -------------------------------------------------------------------

def assess(households, persons, items, policy):
    alive = alive_members(persons, policy)
    h = households.join(member_facts(alive), on="household_id")
    h = h.join(ledger_totals(items, policy.year), on="household_id")
    h["size"] = h["size"].fillna(0).astype("int64")
    for flag in FLAGS:
        h[f"any_{flag}"] = h[f"any_{flag}"].eq(True)
    for col in ("net_fen", "prev_net_fen", "rigid_fen", "disability_fen"):
        h[col] = h[col].fillna(0).astype("int64")

    size, net, prev, rigid = h["size"], h["net_fen"], h["prev_net_fen"], h["rigid_fen"]
    line, threshold = fen(policy.poverty_line), fen(policy.monitoring_threshold)
    drop_num, drop_den = fraction(policy.drop_ratio)
    rigid_num, rigid_den = fraction(policy.rigid_ratio)
    stable_num, stable_den = fraction(policy.stable_multiple)

    r = pd.DataFrame(index=h.index)
    r["income_below_line"] = net < line * size
    r["food_clothing"] = ~h["food_clothing_ok"]
    r["compulsory_education"] = h["any_out_of_school"]
    r["medical_insurance"] = h["any_uninsured"]
    r["housing"] = h["housing"].isin(["c_class", "d_class"])
    r["water"] = h["water"] == "unsafe"
    r["income_below_threshold"] = (net >= line * size) & (net < threshold * size)
    r["income_drop"] = (prev > 0) & ((prev - net) * drop_den >= prev * drop_num)
    r["rigid_expense"] = (rigid > 0) & (rigid * rigid_den >= net * rigid_num)
    r["sudden_event"] = h["sudden_event"] != "none"

    any_red = r[list(RED)].any(axis=1)
    any_yellow = r[list(YELLOW)].any(axis=1)
    h["risk"] = np.select([any_red, any_yellow], ["red", "yellow"], "green")
    h["monitor_type"] = np.select(
        [h["risk"] == "green", h["status"] == "lifted", r["rigid_expense"] | r["sudden_event"]],
        [None, "unstable_lifted", "sudden_hardship"], "marginal")
    stable_income = net * stable_den >= threshold * stable_num * size
    h["stability"] = np.select(
        [h["status"] != "lifted", h["risk"] != "green", ~stable_income | ~h["any_labor_capable"]],
        [None, "borderline", "consolidating"], "stable")

    reasons = pd.Series("", index=h.index, dtype=object)
    for code in REASONS:
        reasons = reasons + np.where(r[code], code + ";", "")
    h["reasons"] = reasons.str[:-1]
    for code in REASONS:
        h[f"r_{code}"] = r[code]

    deprived = {
        "will": h["willingness"] <= policy.willingness_deprived_at_most,
        "participation": ~h["participates_village_affairs"],
        "education": ~h["any_educated_adult"],
        "skill": ~h["any_skilled_worker"],
        "cooperative": ~h["cooperative_member"],
        "industry_link": ~h["industry_linked"],
        "employment": ~h["any_employed_worker"],
        "credit": ~h["credit_access"],
    }
    for name, value in deprived.items():
        h[f"d_{name}"] = value
    score = pd.Series(0.0, index=h.index)
    for ind in policy.indicators:
        score = score + np.where(h[f"d_{ind.name}"], ind.weight, 0.0)
    h["motivation_score"] = score
    h["motivation_poor"] = score >= policy.motivation_k - SCORE_TOLERANCE
    return h, alive


def household_results(h: pd.DataFrame, policy) -> pa.Table:
    valid = (h["size"] > 0).to_numpy()

    def nullable(col, arrow_type):
        return pa.array(h[col].to_numpy(), arrow_type, mask=~valid)

    columns = {
        "household_id": pa.array(h["household_id"].to_numpy(), pa.string()),
        "village_code": pa.array(h["village_code"].to_numpy(), pa.string()),
        "size": pa.array(h["size"].to_numpy(np.int32)),
        "income_pc": yuan(per_capita_fen(h["net_fen"], h["size"]), valid),
        "prev_income_pc": yuan(per_capita_fen(h["prev_net_fen"], h["size"]), valid),
        "rigid_pc": yuan(per_capita_fen(h["rigid_fen"], h["size"]), valid),
        "risk": nullable("risk", pa.string()),
        "reasons": pa.array(np.where(valid, h["reasons"].to_numpy(), "no_members"), pa.string()),
        "monitor_type": nullable("monitor_type", pa.string()),
        "stability": nullable("stability", pa.string()),
        "motivation_score": nullable("motivation_score", pa.float64()),
        "motivation_poor": nullable("motivation_poor", pa.bool_()),
    }
    for ind in policy.indicators:
        columns[f"d_{ind.name}"] = nullable(f"d_{ind.name}", pa.bool_())
    return pa.table(columns)


# ---- tailored measures ----------------------------------------------------------------

def _rows(frame: pd.DataFrame, measure: str, explanation, person=False) -> pd.DataFrame:
    return pd.DataFrame({
        "household_id": frame["household_id"].to_numpy(),
        "measure": measure,
        "person_id": frame["person_id"].to_numpy() if person else None,
        "explanation": np.asarray(explanation, dtype=object) if not isinstance(explanation, str)
        else explanation,
    })


def _member(m: pd.DataFrame, with_labor: bool = False) -> pd.Series:
    text = "成员" + m["name"].str[:1] + "某(" + m["age"].astype(str) + "岁"
    if with_labor:
        text = text + ", " + m["labor"].map(LABOR_ZH)
    return text + ")"


def yuan_text(fen_values: pd.Series) -> pd.Series:
    """Whole fen as yuan text with two decimals: -1250 -> "-12.50"."""
    whole = fen_values.abs()
    sign = pd.Series(np.where(fen_values < 0, "-", ""), index=fen_values.index)
    return sign + (whole // 100).astype(str) + "." + (whole % 100).astype(str).str.zfill(2)


def measures(h: pd.DataFrame, alive: pd.DataFrame, policy) -> pd.DataFrame:
    h = h[h["size"] > 0]
    labor = h["any_labor_capable"]
    threshold = fen(policy.monitoring_threshold)
    out = []

    # Household measures.
    sel = h[h["r_housing"]]
    out.append(_rows(sel, "housing_renovation", "住房安全鉴定为" + sel["housing"].map(HOUSING_ZH)))
    out.append(_rows(h[h["r_water"]], "water_project", "饮水安全不达标"))
    sel = h[~labor & (h["net_fen"] < threshold * h["size"]) & (h["category"] == "ordinary")]
    income_text = yuan_text(pd.Series(per_capita_fen(sel["net_fen"], sel["size"]), index=sel.index))
    out.append(_rows(sel, "social_assistance_review",
                     "家中无劳动能力成员,人均纯收入" + income_text
                     + f"元低于监测范围{policy.monitoring_threshold:g}元,且未纳入低保或特困供养"))
    out.append(_rows(h[~labor & ~h["industry_linked"]], "asset_dividend",
                     "家中无劳动能力成员,且未与产业项目建立利益联结"))
    out.append(_rows(h[labor & ~h["industry_linked"] & ~h["cooperative_member"]], "industry_support",
                     "有劳动能力成员,但未加入合作社,也未与产业项目建立利益联结"))
    sel = h[labor & ~h["credit_access"] & (h["risk"] != "green")]
    out.append(_rows(sel, "microcredit",
                     "有劳动能力成员,未获得小额信贷,监测风险为" + sel["risk"].map(RISK_ZH)))
    sel = h[h["r_rigid_expense"] | h["any_seriously_ill"]]
    rigid_pct = f"{policy.rigid_ratio * 100:g}%"
    rigid_text = ("本年刚性支出" + yuan_text(sel["rigid_fen"]) + f"元,达到家庭纯收入的{rigid_pct}及以上").where(
        sel["r_rigid_expense"], "")
    ill_text = pd.Series(np.where(sel["any_seriously_ill"], "有成员患有大病", ""), index=sel.index)
    both = sel["r_rigid_expense"] & sel["any_seriously_ill"]
    out.append(_rows(sel, "medical_assistance", rigid_text + np.where(both, ";", "") + ill_text))
    sel = h[h["d_will"] & h["d_participation"]]
    out.append(_rows(sel, "morale_support",
                     "脱贫意愿" + sel["willingness"].astype(str)
                     + f"分(不高于{policy.willingness_deprived_at_most}分),且近12个月未参与村集体事务"))
    grades = "、".join(f"{g}级" for g in policy.severe_disability_grades)
    out.append(_rows(h[h["any_severely_disabled"] & (h["disability_fen"] == 0)], "disability_allowance",
                     f"有{grades}残疾成员,本年度无残疾人生活补贴或重度残疾人护理补贴收入"))

    # Person measures (alive members of households in the households table).
    m = alive[alive["household_id"].isin(h["household_id"])]
    months = policy.employment_months_at_least
    short = m["labor_capable"] & (m["employed_months"] < months)
    welfare = short & between(m["age"], policy.welfare_post_ages) & (
        (m["labor"] == "weak") | (m["health"] == "disabled"))
    sel = m[m["out_of_school"]]
    out.append(_rows(sel, "school_return",
                     _member(sel) + f"处于义务教育阶段({policy.compulsory_school_ages}岁)但未在校", True))
    sel = m[m["uninsured"]]
    out.append(_rows(sel, "insurance_enrol", _member(sel) + "未参加基本医疗保险", True))
    sel = m[m["labor_capable"] & between(m["age"], policy.training_ages) & ~m["has_skill"]]
    out.append(_rows(sel, "skills_training", _member(sel, True) + "未掌握实用技能", True))
    sel = m[welfare]
    worked = "务工" + sel["employed_months"].astype(str) + f"个月,不足{months}个月"
    disabled = np.where(sel["health"] == "disabled", "残疾,", "")
    out.append(_rows(sel, "public_welfare_post", _member(sel, True) + disabled + worked, True))
    sel = m[short & between(m["age"], policy.job_placement_ages) & ~welfare]
    worked = "务工" + sel["employed_months"].astype(str) + f"个月,不足{months}个月"
    out.append(_rows(sel, "job_placement", _member(sel, True) + worked, True))
    sel = m[m["schooling"].isin(STUDYING)]
    out.append(_rows(sel, "education_aid", _member(sel) + "在读" + sel["schooling"].map(SCHOOLING_ZH), True))
    return pd.concat(out, ignore_index=True)


# ---- region summary -------------------------------------------------------------------

def ancestry(divisions: pd.DataFrame) -> pd.DataFrame:
    """(village_code, code) for each village and every division above it, itself included."""
    parent = dict(zip(divisions["code"], divisions["parent_code"]))
    pairs = []
    for village in divisions.loc[divisions["level"] == VILLAGE_LEVEL, "code"]:
        current, seen = village, set()
        while current is not None and current not in seen:
            seen.add(current)
            pairs.append((village, current))
            current = parent.get(current)
    return pd.DataFrame(pairs, columns=["village_code", "code"])


def region_summary(h: pd.DataFrame, divisions: pd.DataFrame, policy) -> pd.DataFrame:
    h = h[h["size"] > 0]
    z = float(policy.poverty_line)
    below = h["net_fen"] < fen(policy.poverty_line) * h["size"]
    y = h["net_fen"] / (h["size"] * 100.0)
    gap = (z - y) / z
    weight = h["size"].astype(float)
    watts = np.log(z / y.where(y > 0, 1.0))
    poor = h["motivation_poor"]
    frame = pd.DataFrame({
        "village_code": h["village_code"],
        "households": 1,
        "persons": h["size"],
        **{f"risk_{r}": h["risk"] == r for r in RISKS},
        **{f"monitor_{t}": h["monitor_type"] == t for t in MONITOR_TYPES},
        **{f"stability_{s}": h["stability"] == s for s in STABILITIES},
        "motivation_poor": poor,
        "poor_score_sum": h["motivation_score"].where(poor, 0.0),
        **{f"censored_{i.name}": poor & h[f"d_{i.name}"] for i in policy.indicators},
        "persons_below_line": h["size"].where(below, 0),
        "gap1_sum": (weight * gap).where(below, 0.0),
        "gap2_sum": (weight * gap * gap).where(below, 0.0),
        "watts_sum": (weight * watts).where(below, 0.0),
    })
    villages = frame.groupby("village_code").sum()
    rolled = ancestry(divisions).join(villages, on="village_code", how="inner")
    rolled = rolled.drop(columns="village_code").groupby("code").sum()
    d = divisions[["code", "name", "level", "parent_code"]].join(rolled, on="code")
    float_sums = ["poor_score_sum", "gap1_sum", "gap2_sum", "watts_sum"]
    for col in rolled.columns:
        d[col] = d[col].fillna(0.0) if col in float_sums else d[col].fillna(0).astype("int64")

    n = d["households"].astype(float)
    q = d["motivation_poor"].astype(float)
    persons = d["persons"].astype(float)
    has = n > 0
    d["motivation_H"] = (q / n).where(has)
    d["motivation_A"] = np.where(q > 0, d["poor_score_sum"] / q.where(q > 0, 1.0), 0.0)
    d["motivation_A"] = d["motivation_A"].where(has)
    d["motivation_M0"] = d["motivation_H"] * d["motivation_A"]
    for i in policy.indicators:
        d[f"ch_{i.name}"] = (d[f"censored_{i.name}"] / n).where(has)
    m0 = d["motivation_M0"]
    for i in policy.indicators:
        contrib = i.weight * d[f"ch_{i.name}"] / m0.where(m0 > 0, 1.0)
        d[f"contrib_{i.name}"] = contrib.where(m0 > 0, 0.0).where(m0.notna())
    has_persons = persons > 0
    d["fgt0"] = (d["persons_below_line"] / persons).where(has_persons)
    d["fgt1"] = (d["gap1_sum"] / persons).where(has_persons)
    d["fgt2"] = (d["gap2_sum"] / persons).where(has_persons)
    d["watts"] = (d["watts_sum"] / persons).where(has_persons)
    internal = ["poor_score_sum", "persons_below_line", "gap1_sum", "gap2_sum", "watts_sum"]
    internal += [f"censored_{i.name}" for i in policy.indicators]
    return d.drop(columns=internal).reset_index(drop=True)


# ---- the run --------------------------------------------------------------------------

def run(snapshot: Path, year: int, out: Path, policy_path: Path | None = None) -> dict:
    policy = load_policy(policy_path)
    if policy.year != year:
        raise SystemExit(f"policy year {policy.year} does not match --year {year}")
    started = time.perf_counter()
    households, persons, items, divisions = read_snapshot(snapshot, year)
    h, alive = assess(households, persons, items, policy)
    out.mkdir(parents=True, exist_ok=True)
    results = household_results(h, policy)
    import pyarrow.parquet as pq

    pq.write_table(results, out / "household_results.parquet")
    m = measures(h, alive, policy)
    m.to_parquet(out / "measures.parquet", index=False)
    summary = region_summary(h, divisions, policy)
    summary.to_parquet(out / "region_summary.parquet", index=False)
    seconds = time.perf_counter() - started
    return {"household_results": results.num_rows, "measures": len(m),
            "region_summary": len(summary), "seconds": seconds}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--policy", type=Path, default=None)
    args = parser.parse_args(argv)
    counts = run(args.snapshot, args.year, args.out, args.policy)
    print(f"written {args.out}: {counts['household_results']} households, "
          f"{counts['measures']} measures, {counts['region_summary']} divisions "
          f"({counts['seconds']:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
