"""One chunk of whole villages: its members' schooling, health and work, its
households' attributes and ledger, as Arrow columns."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from neisheng.engine.schema import TABLES
from neisheng.synth.arrays import (
    ascii_digits,
    ascii_strings,
    band_index,
    categorical,
    categorical_rows,
    take_codes,
    to_decimal,
)
from neisheng.synth.codes import (
    C_DISABILITY,
    C_ILLNESS,
    C_LOW_MOTIVATION,
    C_NO_LABOR,
    CATEGORY,
    CAUSES,
    E_ACCIDENT,
    E_ILLNESS,
    E_UNEMPLOYMENT,
    ED_COLLEGE,
    ED_JUNIOR,
    ED_NONE,
    ED_PRIMARY,
    ED_SENIOR,
    ED_VOCATIONAL,
    EDUCATION,
    EVENTS,
    GENERAL,
    H_CHRONIC,
    H_DISABLED,
    H_HEALTHY,
    H_SERIOUS,
    HEALTH,
    HOUSING,
    ITEMS,
    L_LOST,
    L_NONE,
    L_ORDINARY,
    L_SKILLED,
    L_WEAK,
    LABOR,
    LIFTED,
    N_SLOTS,
    R_CHILD,
    R_GRANDCHILD,
    R_HEAD,
    R_OTHER,
    R_SPOUSE,
    RELATION,
    S_HIGHVOC,
    S_JUNIOR,
    S_NOT,
    S_PRE,
    S_PRIMARY,
    S_SECVOC,
    S_SENIOR,
    S_SPOUSE,
    S_UNDERGRAD,
    SCHOOLING,
    SEX,
    SLOT_RELATION,
    SOURCES,
    STATUS,
    WATER,
)
from neisheng.synth.families import composition, household_draws
from neisheng.synth.ledger import ledger_rows
from neisheng.synth.names import Names

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


def chunk_tables(rng, names: Names, village_codes_chunk: np.ndarray, village_sizes: np.ndarray,
           village_lift: np.ndarray, year: int, n_other_areas: int):
    n = int(village_sizes.sum())
    village_of = np.repeat(np.arange(village_sizes.size), village_sizes)
    serial = np.arange(n) - np.repeat(np.cumsum(village_sizes) - village_sizes, village_sizes) + 1

    status, cause, cause_valid, tekun, event = household_draws(
        rng, n, village_lift[village_of]
    )
    poor = status != GENERAL
    slot_age, slot_male, head_male = composition(rng, n, cause, cause_valid, tekun)

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
    eb = np.clip(band_index(np.maximum(age, 16), [16, 23, 31, 41, 51, 61, 71, 81]), 0, 7)
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
    hb = band_index(age, HEALTH_EDGES)
    mult = np.where(poor_p, 1.5, 1.0)
    u = rng.random(P)
    p_dis = P_DISABLED[hb] * mult
    p_ser = P_SERIOUS[hb] * mult
    p_chr = P_CHRONIC[hb] * mult
    health = np.select([u < p_dis, u < p_dis + p_ser, u < p_dis + p_ser + p_chr],
                       [H_DISABLED, H_SERIOUS, H_CHRONIC], H_HEALTHY).astype(np.int8)
    grade = np.where(health == H_DISABLED, categorical(rng, GRADE_P, P) + 1, 0).astype(np.int8)
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
    grade[dis_target] = categorical(rng, [0.2, 0.3, 0.27, 0.23], dis_target.size) + 1
    # 特困 support below old age means a severe disability and nobody to rely on.
    young_tekun = head_pos[tekun & (age[head_pos] < 60)]
    health[young_tekun] = H_DISABLED
    grade[young_tekun] = categorical(rng, [0.5, 0.5], young_tekun.size) + 1
    nolab = cause_valid & (cause == C_NO_LABOR) & (rng.random(n) < 0.35)
    nl_t = head_pos[nolab]
    health[nl_t[health[nl_t] == H_HEALTHY]] = H_CHRONIC
    # A sudden illness or accident this year struck an adult member.
    struck = (event == E_ILLNESS) | (event == E_ACCIDENT)
    adult_pick = np.where(has_sp & (rng.random(n) < 0.45), pos[:, S_SPOUSE], head_pos)
    s_t = adult_pick[struck & (rng.random(n) < 0.85)]
    acc = event[hh[s_t]] == E_ACCIDENT
    health[s_t] = np.where(acc & (rng.random(s_t.size) < 0.4), H_DISABLED, H_SERIOUS)
    grade[s_t] = np.where(health[s_t] == H_DISABLED, categorical(rng, [0.1, 0.3, 0.3, 0.3], s_t.size) + 1,
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
        lab[m] = categorical(rng, probs, int(m.sum()))
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
    willingness = (categorical_rows(rng, will_p, will_row) + 1).astype(np.int32)
    lifted_year = categorical(rng, [0.1, 0.14, 0.2, 0.22, 0.17, 0.12, 0.05], n).astype(np.int32) + 2014

    # ------------------------------------------------------------ ledger
    items, category = ledger_rows(
        rng, n=n, hh=hh, age=age, male=male, alive=alive, lab=lab, health=health, sch=sch,
        months=months, months_prev=months_prev, pwp=pwp, local=local, status=status, tekun=tekun,
        p_dibao=p_dibao, event=event, industry=industry, size=size, n_capable=n_capable,
        n_elder=n_elder, n_old80=n_old80, n_g12=n_g12, n_working=n_working,
        home_labor=home_labor, head_age=head_age,
    )

    # ------------------------------------------------------------ arrow
    hh_codes = np.concatenate(
        [village_codes_chunk.astype("S12").view(np.uint8).reshape(-1, 12)[village_of],
         ascii_digits(serial, 4)], axis=1)
    hh_id = ascii_strings(hh_codes)
    village_code = pa.array(village_codes_chunk, pa.string()).take(pa.array(village_of))
    households = pa.table(
        {
            "household_id": hh_id,
            "village_code": village_code,
            "status": take_codes(STATUS, status),
            "category": take_codes(CATEGORY, category),
            "housing": take_codes(HOUSING, housing),
            "water": take_codes(WATER, water),
            "food_clothing_ok": pa.array(food_ok),
            "poverty_cause": take_codes(CAUSES, cause, mask=~cause_valid),
            "lifted_year": pa.array(lifted_year, mask=status != LIFTED),
            "cooperative_member": pa.array(coop),
            "industry_linked": pa.array(industry),
            "credit_access": pa.array(credit),
            "participates_village_affairs": pa.array(participates),
            "willingness": pa.array(willingness),
            "sudden_event": take_codes(EVENTS, event),
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
        "relation": take_codes(RELATION, rel),
        "sex": take_codes(SEX, (~male).astype(np.int8)),
        "birth_date": pa.array(birth, type=pa.date32()),
        "alive": pa.array(alive),
        "education": take_codes(EDUCATION, edu),
        "schooling": take_codes(SCHOOLING, sch),
        "labor": take_codes(LABOR, lab),
        "health": take_codes(HEALTH, health),
        "disability_grade": pa.array(grade.astype(np.int32)),
        "medical_insured": pa.array(insured),
        "has_skill": pa.array(has_skill),
        "employed_months": pa.array(months.astype(np.int32)),
    }
    ledger_hh, ledger_year, ledger_item, ledger_cents, ledger_src = items
    income = {
        "household_id": hh_id.take(pa.array(ledger_hh)),
        "year": pa.array(np.where(ledger_year == 1, year, year - 1).astype(np.int32)),
        "item": take_codes(ITEMS, ledger_item),
        "amount": to_decimal(ledger_cents),
        "source": take_codes(SOURCES, ledger_src),
    }
    id_inputs = (area_idx.astype(np.int32), birth, male)
    return households, persons, income, id_inputs
