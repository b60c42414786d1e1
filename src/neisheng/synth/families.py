"""Each household's status, cause and events, and who lives in it."""

from __future__ import annotations

import numpy as np

from neisheng.synth.arrays import categorical, categorical_rows
from neisheng.synth.codes import (
    C_NO_LABOR,
    CAUSE_P,
    GENERAL,
    KEEP_PRIORITY,
    LIFTED,
    MAX_SIZE,
    MONITORED,
    N_SLOTS,
    S_CHILD,
    S_GRAND,
    S_HEAD,
    S_OTHER,
    S_SPOUSE,
)


def household_draws(rng, n: int, village_lift: np.ndarray):
    """Status, cause, tekun and sudden events: the facts that shape everything else."""
    u = rng.random(n)
    p_monitored = 0.02
    status = np.where(u < village_lift, LIFTED,
                      np.where(u < village_lift + p_monitored, MONITORED, GENERAL)).astype(np.int8)
    poor = status != GENERAL
    cause = categorical(rng, CAUSE_P, n)
    cause_valid = poor
    tekun = rng.random(n) < np.choose(status, [0.0045, 0.028, 0.02])
    event_p = np.array([
        [0.966, 0.012, 0.006, 0.005, 0.007, 0.004],  # general
        [0.955, 0.017, 0.008, 0.006, 0.009, 0.005],  # lifted
        [0.72, 0.12, 0.05, 0.035, 0.05, 0.025],  # monitored: usually identified for an event
    ])
    event = categorical_rows(rng, event_p, status)
    return status, cause, cause_valid, tekun, event


HEAD_AGE_EDGES = np.array([22, 30, 40, 50, 60, 70, 80, 93])
HEAD_AGE_P = np.array([
    [0.035, 0.10, 0.19, 0.27, 0.23, 0.13, 0.045],  # ordinary
    [0.0, 0.0, 0.02, 0.08, 0.30, 0.38, 0.22],  # cause no_labor
    [0.0, 0.03, 0.05, 0.09, 0.24, 0.35, 0.24],  # tekun
])


def composition(rng, n: int, cause, cause_valid, tekun):
    """Member slots (n, N_SLOTS): ages (-1 where empty), sex, relation fixed per slot."""
    kind = np.where(tekun, 2, np.where(cause_valid & (cause == C_NO_LABOR), 1, 0))
    band = categorical_rows(rng, HEAD_AGE_P, kind)
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
    n_born = categorical_rows(rng, born_p, cohort)
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
    n_gc = np.where(has_son, categorical(rng, [0.2, 0.4, 0.3, 0.1], n), 0)
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
    ranked = present[:, KEEP_PRIORITY]
    keep_ranked = ranked & (np.cumsum(ranked, axis=1) <= MAX_SIZE)
    keep = np.empty_like(present)
    keep[:, KEEP_PRIORITY] = keep_ranked
    age[~keep] = -1
    return age, male, head_male
