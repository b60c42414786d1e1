"""The income and expenditure ledger (收支台账) of this year and last, and the
households' 保障类别 that 低保's means test decides from it."""

from __future__ import annotations

import numpy as np

from neisheng.engine.schema import LEDGER_ITEMS
from neisheng.synth.arrays import lognormal
from neisheng.synth.codes import (
    E_ACCIDENT,
    E_DISASTER,
    E_ILLNESS,
    GENERAL,
    H_CHRONIC,
    H_DISABLED,
    H_SERIOUS,
    ITEM,
    ITEMS,
    L_SKILLED,
    L_WEAK,
    S_PRE,
    S_SENIOR,
    SRC,
)


def ledger_rows(rng, *, n, hh, age, male, alive, lab, health, sch, months, months_prev, pwp, local,
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
    monthly = lognormal(rng, 4300, 0.28, P) * np.select(
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
    crop = np.where(farms, (1200 + 2600 * np.minimum(home_labor, 3)) * lognormal(rng, 1, 0.45, n),
                    0)
    disaster = event == E_DISASTER
    crop_prev = drift(crop, 0.03, 0.15)
    crop = np.where(disaster, crop * rng.uniform(0.2, 0.6, n), crop)
    raise_ = rng.random(n) < np.where(poor, 0.34, 0.22) * np.where(home_labor > 0, 1.0, 0.4)
    big = raise_ & (rng.random(n) < 0.04)  # specialised livestock farms (养殖大户)
    stock = np.where(raise_, np.where(big, lognormal(rng, 90_000, 0.6, n),
                                      lognormal(rng, 5200, 0.6, n)), 0)
    stock_prev = drift(stock, 0.02, 0.25)
    other_biz = rng.random(n) < np.where(n_capable > 0, 0.055, 0.005)
    biz = np.where(other_biz, lognormal(rng, 32_000, 0.55, n), 0)
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
    dividend = np.where(div_, np.round(lognormal(rng, 900, 0.5, n), -1), 0)
    cur["dividend"] = dividend
    prev["dividend"] = np.where(rng.random(n) < 0.9, np.round(dividend * rng.uniform(0.8, 1.1, n),
                                                              -1), 0)
    transfer = rng.random(n) < 0.08
    lt = np.where(transfer, np.round(lognormal(rng, 1500, 0.6, n), -1), 0)
    cur["land_transfer"], prev["land_transfer"] = lt, np.where(rng.random(n) < 0.93, lt, 0)
    # Land taken for roads is paid once, so it makes last year look rich.
    cur["land_compensation"] = np.where(rng.random(n) < 0.003,
                                        np.round(lognormal(rng, 20_000, 0.7, n), -2), 0)
    prev["land_compensation"] = np.where(rng.random(n) < 0.003,
                                         np.round(lognormal(rng, 20_000, 0.7, n), -2), 0)

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
    cur["donation"] = np.where(don, np.round(lognormal(rng, 1500, 0.6, n), -2), 0)
    prev["donation"] = np.where(rng.random(n) < 0.003, np.round(lognormal(rng, 1000, 0.6, n), -2),
                                0)
    # Old parents living on their own are supported by children working away (赡养费).
    supported = (n_working == 0) & (head_age >= 58) & (rng.random(n) < 0.9)
    support = np.where(supported, np.round(lognormal(rng, 6500, 0.45, n) * np.sqrt(size), -2), 0)
    support += np.where(rng.random(n) < 0.04, np.round(lognormal(rng, 1500, 0.6, n), -2), 0)
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
        [lognormal(rng, 9000, 0.75, P), lognormal(rng, 1200, 0.7, P),
         lognormal(rng, 900, 0.7, P)],
        np.where(rng.random(P) < 0.015, lognormal(rng, 700, 0.8, P), 0),
    )
    med_p = np.where(alive & ((health != H_CHRONIC) | (rng.random(P) < 0.3)), med_p, 0)
    med = hh_sum(med_p)
    med_prev = hh_sum(np.where(health >= H_CHRONIC, med_p, 0)) * np.exp(
        0.3 * rng.standard_normal(n))
    struck = (event == E_ILLNESS) | (event == E_ACCIDENT)
    # The serious case of a sudden illness was new this year.
    med = med + np.where(struck, lognormal(rng, 16_000, 0.8, n), 0)
    med_prev = np.where(struck, med_prev * 0.3, med_prev)
    med_prev += np.where(rng.random(n) < 0.05, lognormal(rng, 800, 0.8, n), 0)
    cur["medical_out_of_pocket"], prev["medical_out_of_pocket"] = np.round(med, 2), np.round(
        med_prev, 2)
    sources["medical_out_of_pocket"] = np.where(rng.random(n) < 0.8, SRC["medical_insurance"],
                                                SRC["survey"])
    fee = np.array([0, 2200, 700, 1000, 3800, 1800, 9500, 12500], dtype=float)
    # Compulsory schooling is free; only some families book its extras (meals, supplies).
    booked = (sch >= S_SENIOR) | ((sch == S_PRE) & (rng.random(P) < 0.7)) | (rng.random(P) < 0.1)
    edu_p = np.where(alive & booked, fee[sch] * lognormal(rng, 1, 0.35, P), 0)
    cur["education_expense"] = np.round(hh_sum(edu_p), -1)
    prev["education_expense"] = np.round(drift(cur["education_expense"], 0.0, 0.2), -1)
    sources["education_expense"] = np.where(rng.random(n) < 0.2, SRC["education"], SRC["survey"])
    cur["disaster_loss"] = np.where(disaster, np.round(lognormal(rng, 9000, 0.8, n), -2), 0)
    prev["disaster_loss"] = np.where(rng.random(n) < 0.003,
                                     np.round(lognormal(rng, 5000, 0.8, n), -2), 0)

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
