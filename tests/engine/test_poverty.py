"""neisheng.engine.poverty against published worked examples and package outputs.

Each known-answer test names where its numbers come from. Where a number is not
printed in the source but follows from the printed inputs by the rule of the
method, the comment says "derived".
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neisheng.engine.poverty import AlkireFoster, alkire_foster, fgt, gini, watts

# --------------------------------------------------------------------------------------
# Alkire–Foster: published worked examples
# --------------------------------------------------------------------------------------


def test_af_alkire_foster_2011_four_person_example():
    # Source: S. Alkire and J. Foster (2011), "Counting and multidimensional poverty
    # measurement", Journal of Public Economics 95(7-8): 476-487, the 4-person ×
    # 4-dimension illustration (section 3): achievement matrix
    #     y = [[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]]
    # with deprivation cut-offs z = (13, 12, 3, 1) and equal weights. The same matrix
    # and cut-offs are reproduced in the perlatex/easyuse R package README
    # (cutoffs_modify_at example), whose printed deprivation matrix matches g0 below.
    # With k = 2 of 4 dimensions (k = 0.5 as a weight share) the paper gives
    # c = (0, 2, 4, 1), H = 1/2, A = 3/4 and M0 = H·A = 3/8.
    y = np.array([[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]])
    z = np.array([13, 12, 3, 1])
    g0 = y < z
    assert g0.astype(int).tolist() == [[0, 0, 0, 0], [0, 1, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0]]

    r = alkire_foster(g0, [0.25] * 4, 0.5)
    assert r.scores.tolist() == [0.0, 0.5, 1.0, 0.25]  # c / d = (0, 2, 4, 1) / 4
    assert r.poor.tolist() == [False, True, True, False]
    assert r.H == 0.5
    assert r.A == 0.75
    assert r.M0 == pytest.approx(3 / 8, abs=1e-15)
    # Derived from the paper's censored matrix g0(k) (rows 1 and 4 censored to 0):
    # column means (1, 2, 1, 2) / 4.
    np.testing.assert_allclose(r.censored_headcounts, [0.25, 0.5, 0.25, 0.5], atol=1e-15)
    np.testing.assert_allclose(r.contributions, [1 / 6, 1 / 3, 1 / 6, 1 / 3], atol=1e-15)
    # Same paper, same data: union identification (k = 1 of 4) makes persons 2-4
    # poor, intersection (k = 4 of 4) only person 3.
    assert alkire_foster(g0, [0.25] * 4, 0.25).poor.tolist() == [False, True, True, True]
    assert alkire_foster(g0, [0.25] * 4, 1.0).poor.tolist() == [False, False, True, False]


# UNDP Human Development Report 2010, Technical note 4 "Calculating the Multidimensional
# Poverty Index" (repeated in the HDR 2011-2014 technical notes; also Alkire & Santos
# (2010) OPHI Working Paper 38): four households of sizes 4, 7, 5, 4, ten MPI indicators
# with weights 1/6 (education, health) and 1/18 (living standards), k = 1/3 (3 of 10).
# Printed results: weighted scores 2.22, 7.22, 3.89, 5.00 (out of 10); households 2-4
# are poor; H = (7+5+4)/(4+7+5+4) = 0.80; A = (7.22·7 + 3.89·5 + 5.00·4)/(16·10) = 0.56;
# MPI = H·A = 0.45.
# The health and living-standard rows below are as printed (they are also reproduced
# verbatim in a course question at askfilo.com "Calculate the MPI based on the following
# information"). The printed scores pin down every row except which education indicator
# household 4 has; the note has it in years of schooling, which only moves 1/6 of a
# censored headcount between the two education columns (H, A, M0 do not depend on it).
MPI_INDICATORS = [
    # (name, weight, deprivation of households 1..4)
    ("years_of_schooling", Fraction(1, 6), [0, 1, 0, 1]),
    ("school_attendance", Fraction(1, 6), [0, 1, 0, 0]),
    ("nutrition", Fraction(1, 6), [0, 0, 1, 0]),
    ("child_mortality", Fraction(1, 6), [1, 1, 0, 1]),
    ("electricity", Fraction(1, 18), [0, 1, 1, 1]),
    ("drinking_water", Fraction(1, 18), [0, 0, 1, 0]),
    ("sanitation", Fraction(1, 18), [0, 1, 1, 0]),
    ("floor", Fraction(1, 18), [0, 0, 0, 0]),
    ("cooking_fuel", Fraction(1, 18), [1, 1, 1, 1]),
    ("assets", Fraction(1, 18), [0, 1, 0, 1]),
]
MPI_SIZES = [4, 7, 5, 4]


def _mpi_inputs():
    g = np.array([row for _, _, row in MPI_INDICATORS], dtype=bool).T
    w = np.array([float(wt) for _, wt, _ in MPI_INDICATORS])
    return g, w


def test_af_undp_hdr_mpi_example_persons():
    g, w = _mpi_inputs()
    r = alkire_foster(g, w, 1 / 3, unit_weights=MPI_SIZES)
    np.testing.assert_allclose(np.round(10 * r.scores, 2), [2.22, 7.22, 3.89, 5.00])
    assert r.poor.tolist() == [False, True, True, True]
    assert r.H == pytest.approx(0.80, abs=1e-15)
    assert round(r.A, 2) == 0.56
    assert round(r.M0, 2) == 0.45
    # Exact values (derived): scores 4/18, 13/18, 7/18, 9/18, so
    # A = (7·13 + 5·7 + 4·9) / (18·16) = 162/288 = 0.5625 and M0 = 162/360 = 0.45.
    assert r.A == pytest.approx(0.5625, abs=1e-15)
    assert r.M0 == pytest.approx(0.45, abs=1e-15)

    # Censored headcounts (derived): the share of the 20 persons who are poor and
    # deprived in each indicator.
    expected_ch = {
        "years_of_schooling": 11 / 20,
        "school_attendance": 7 / 20,
        "nutrition": 5 / 20,
        "child_mortality": 11 / 20,
        "electricity": 16 / 20,
        "drinking_water": 5 / 20,
        "sanitation": 12 / 20,
        "floor": 0.0,
        "cooking_fuel": 16 / 20,
        "assets": 11 / 20,
    }
    names = [name for name, _, _ in MPI_INDICATORS]
    np.testing.assert_allclose(r.censored_headcounts, [expected_ch[n] for n in names], atol=1e-15)
    assert r.M0 == pytest.approx(float(np.sum(w * r.censored_headcounts)), abs=1e-15)
    # Contribution of each dimension (derived): education (1/6)(11+7)/20 / 0.45 = 1/3,
    # health (1/6)(5+11)/20 / 0.45 = 8/27, living standards the remaining 10/27.
    contrib = dict(zip(names, r.contributions, strict=True))
    education = contrib["years_of_schooling"] + contrib["school_attendance"]
    health = contrib["nutrition"] + contrib["child_mortality"]
    living = sum(contrib[n] for n in names[4:])
    assert education == pytest.approx(1 / 3, abs=1e-12)
    assert health == pytest.approx(8 / 27, abs=1e-12)
    assert living == pytest.approx(10 / 27, abs=1e-12)
    assert float(np.sum(r.contributions)) == pytest.approx(1.0, abs=1e-12)


def test_af_undp_hdr_mpi_example_households_and_repeated_persons_agree():
    # Counting persons with unit_weights = household size must equal writing each
    # person as a row of their household (4 + 7 + 5 + 4 = 20 rows).
    g, w = _mpi_inputs()
    weighted = alkire_foster(g, w, 1 / 3, unit_weights=MPI_SIZES)
    repeated = alkire_foster(np.repeat(g, MPI_SIZES, axis=0), w, 1 / 3)
    for attr in ("H", "A", "M0"):
        assert getattr(weighted, attr) == pytest.approx(getattr(repeated, attr), abs=1e-15)
    np.testing.assert_allclose(weighted.censored_headcounts, repeated.censored_headcounts)
    np.testing.assert_allclose(weighted.contributions, repeated.contributions)
    # Unweighted, over households (derived): 3 of 4 households poor,
    # A = (13 + 7 + 9) / (18·3) = 29/54.
    households = alkire_foster(g, w, 1 / 3)
    assert households.H == 0.75
    assert households.A == pytest.approx(29 / 54, abs=1e-15)


def test_af_score_exactly_at_k_is_poor_despite_rounding():
    # Scores are float sums of fractional weights: with ten weights of 0.1, eight
    # deprivations sum to 0.7999999999999999 and all ten to 0.9999999999999999 here.
    # A unit at exactly k must still be poor, or the intersection approach (k = 1)
    # would find no one poor.
    w = [0.1] * 10
    eight = [[1] * 8 + [0] * 2]
    r = alkire_foster(eight, w, 0.8)
    assert r.scores[0] == pytest.approx(0.8, abs=1e-15)
    assert r.poor.tolist() == [True]
    r = alkire_foster([[1] * 10], w, 1.0)
    assert r.scores[0] == pytest.approx(1.0, abs=1e-15)
    assert r.poor.tolist() == [True]
    assert r.H == 1.0
    # The MPI's "one third": one health and three living-standard deprivations,
    # 1/6 + 3/18; the policy writes k as 0.3333333333, which must change nothing.
    _, w = _mpi_inputs()
    row = np.zeros(10, dtype=bool)
    row[[3, 4, 5, 6]] = True  # child mortality, electricity, water, sanitation
    assert alkire_foster(row[None, :], w, 1 / 3).poor.tolist() == [True]
    assert alkire_foster(row[None, :], w, 0.3333333333).poor.tolist() == [True]
    # ...while a score below k by more than the tolerance is not poor.
    assert alkire_foster(eight, [0.1] * 10, 0.8 + 1e-6).poor.tolist() == [False]


def test_af_motivation_policy_weights():
    # The spec's endogenous-motivation index: 8 indicators at 1/8, k = 0.3333333333.
    # A household deprived in 3 indicators (3/8) is poor, in 2 (2/8) is not (derived).
    w = [1 / 8] * 8
    g = [[1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0], [0] * 8, [1] * 8]
    r = alkire_foster(g, w, 0.3333333333)
    assert r.poor.tolist() == [True, False, False, True]
    assert r.H == 0.5
    assert r.A == pytest.approx((3 / 8 + 1) / 2)
    assert r.M0 == pytest.approx(0.5 * (3 / 8 + 1) / 2)


def test_af_no_one_poor():
    r = alkire_foster([[0, 1], [0, 0]], [0.5, 0.5], 1.0)
    assert (r.H, r.A, r.M0) == (0.0, 0.0, 0.0)
    assert r.censored_headcounts.tolist() == [0.0, 0.0]
    assert r.contributions.tolist() == [0.0, 0.0]


def test_af_empty_and_zero_weight_give_nan():
    r = alkire_foster(np.zeros((0, 3), dtype=bool), [0.2, 0.3, 0.5], 0.5)
    assert math.isnan(r.H) and math.isnan(r.A) and math.isnan(r.M0)
    assert np.isnan(r.censored_headcounts).all() and r.censored_headcounts.shape == (3,)
    assert np.isnan(r.contributions).all()
    assert r.scores.shape == (0,) and r.poor.shape == (0,)
    r = alkire_foster([[1, 1]], [0.5, 0.5], 0.5, unit_weights=[0])
    assert math.isnan(r.M0)
    assert r.poor.tolist() == [True]


def test_af_result_is_frozen_and_read_only():
    r = alkire_foster([[True, False]], [0.5, 0.5], 0.5)
    assert isinstance(r, AlkireFoster)
    with pytest.raises(AttributeError):
        r.H = 0.0  # type: ignore[misc]
    for arr in (r.censored_headcounts, r.contributions, r.scores, r.poor):
        with pytest.raises(ValueError):
            arr[0] = 0
    assert r.poor.dtype == bool
    assert isinstance(r.H, float) and isinstance(r.M0, float)


def test_af_accepts_lists_bools_and_01_numbers_alike():
    a = alkire_foster([[True, False], [True, True]], [0.5, 0.5], 0.5)
    b = alkire_foster(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.5, 0.5]), 0.5)
    assert (a.H, a.A, a.M0) == (b.H, b.A, b.M0)


@pytest.mark.parametrize(
    "deprivations, weights, k, unit_weights, message",
    [
        ([1, 0], [0.5, 0.5], 0.5, None, "two-dimensional"),
        ([[[1, 0]]], [0.5, 0.5], 0.5, None, "two-dimensional"),
        (np.zeros((2, 0)), [], 0.5, None, "at least one indicator"),
        ([[2, 0]], [0.5, 0.5], 0.5, None, "0/1"),
        ([[0.5, 0]], [0.5, 0.5], 0.5, None, "0/1"),
        ([[np.nan, 0]], [0.5, 0.5], 0.5, None, "0/1"),
        ([["yes", "no"]], [0.5, 0.5], 0.5, None, "0/1"),
        ([[1, 0]], [0.5, 0.5, 0.0], 0.5, None, "length 3"),
        ([[1, 0]], [1.2, -0.2], 0.5, None, "non-negative"),
        ([[1, 0]], [0.5, 0.4], 0.5, None, "sum to 1"),
        ([[1, 0]], [[0.5, 0.5]], 0.5, None, "one-dimensional"),
        ([[1, 0]], [0.5, np.nan], 0.5, None, "finite"),
        ([[1, 0]], [0.5, 0.5], 0.0, None, "(0, 1]"),
        ([[1, 0]], [0.5, 0.5], 1.5, None, "(0, 1]"),
        ([[1, 0]], [0.5, 0.5], float("nan"), None, "(0, 1]"),
        ([[1, 0]], [0.5, 0.5], "half", None, "k must be"),
        ([[1, 0]], [0.5, 0.5], 0.5, [1, 2], "length 2"),
        ([[1, 0]], [0.5, 0.5], 0.5, [-1], "non-negative"),
    ],
)
def test_af_rejects_bad_input(deprivations, weights, k, unit_weights, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        alkire_foster(deprivations, weights, k, unit_weights)


def test_af_weight_sum_error_names_the_sum():
    with pytest.raises(ValueError) as info:
        alkire_foster([[1, 0, 1]], [0.3, 0.3, 0.3], 0.5)
    assert "0.9" in str(info.value)
    # Within 1e-9 of 1 is accepted: weights written as rounded decimals.
    alkire_foster([[1, 0, 1]], [0.3333333333, 0.3333333334, 0.3333333333], 0.5)


# --------------------------------------------------------------------------------------
# FGT, Watts, Gini: published package outputs and textbook examples
# --------------------------------------------------------------------------------------

# R package ineq (Zeileis), examples in man/ineq.Rd and man/pov.Rd, with the outputs
# recorded in its tests/Examples/ineq-Ex.Rout.save (CRAN, ineq 0.2-13):
#   ineq(x)                               0.4620911   (Gini)
#   pov(x, 2000)                          0.1620141   (Watts)
#   pov(y, 2000)                          0.08663108  (Watts)
#   pov(x, 2000, parameter=1, "Foster")   0.2         (headcount; ineq's Foster
#   pov(y, 2000, parameter=1, "Foster")   0.1          exponent is parameter - 1)
INEQ_X = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
INEQ_Y = [841, 2063, 2445, 3438, 4437, 5401, 6392, 8304, 11304, 21961]


def test_gini_ineq_package_example():
    assert gini(INEQ_X) == pytest.approx(0.4620911, abs=5e-8)


def test_watts_ineq_package_example():
    assert watts(INEQ_X, 2000) == pytest.approx(0.1620141, abs=5e-8)
    assert watts(INEQ_Y, 2000) == pytest.approx(0.08663108, abs=5e-9)


def test_fgt0_ineq_package_example():
    assert fgt(INEQ_X, 2000, 0) == 0.2
    assert fgt(INEQ_Y, 2000, 0) == 0.1


def test_fgt_haughton_khandker_handbook_country_c():
    # Source: J. Haughton and S. R. Khandker (2009), Handbook on Poverty and Inequality,
    # World Bank, chapter 4 "Measures of Poverty", tables "Calculating the Poverty Gap
    # Index, Assuming Poverty Line of 125": expenditures in country C (100, 110, 150,
    # 160), z = 125. Printed: P1 = 0.08 [= 0.32/4] (p. 70), P2 = 0.0136 [= 0.0544/4]
    # (p. 72). Two of the four are below the line: P0 = 0.5.
    c = [100, 110, 150, 160]
    assert fgt(c, 125, 0) == 0.5
    assert fgt(c, 125, 1) == pytest.approx(0.08, abs=1e-15)
    assert fgt(c, 125, 2) == pytest.approx(0.0136, abs=1e-15)


def test_gini_more_published_examples():
    # ineq-Ex.Rout.save, Lasym example (Damgaard & Weiner 2000, figure 2):
    # Gini(x, corr = TRUE) = 0.4444444 for both vectors; corr multiplies by n/(n-1),
    # so the uncorrected Gini is 0.4444444 · 9/10 = 0.4.
    assert gini([50 / 9] * 9 + [50]) == pytest.approx(0.4444444 * 0.9, abs=1e-7)
    assert gini([2] * 5 + [18] * 5) == pytest.approx(0.4, abs=1e-15)
    # R package phylotools, man page of gini ("algorithm adopted from ineq"):
    # gini(c(1,3,2,1,1,1,4)) is 0.3076923.
    assert gini([1, 3, 2, 1, 1, 1, 4]) == pytest.approx(0.3076923, abs=5e-8)
    # Eager, "Statistics Slam Dunk" (Manning), section 12.5, with ineq:
    # ineq(rep(c(10, 100), times = c(9, 1))) = 0.4263158; equal incomes give 0.
    assert gini([10] * 9 + [100]) == pytest.approx(0.4263158, abs=5e-8)
    assert gini([50] * 10) == 0.0


def test_gini_hand_checkable():
    # Mean absolute difference over all ordered pairs: (2·(1+2+3+1+2+1))/16 = 1.25,
    # divided by 2μ = 5: 0.25.
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-15)
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25, abs=1e-15)  # order is irrelevant
    # All income held by one of n: (n - 1)/n.
    assert gini([0, 0, 0, 7]) == pytest.approx(0.75, abs=1e-15)
    # Weights are frequencies: [1, 2, 3, 4] with weights [2, 1, 1, 3] is the Gini of
    # [1, 1, 2, 3, 4, 4, 4].
    assert gini([1, 2, 3, 4], [2, 1, 1, 3]) == pytest.approx(gini([1, 1, 2, 3, 4, 4, 4]), abs=1e-15)


def test_poverty_line_is_strict():
    # The spec: poor when income_pc < poverty_line; income exactly at the line is not.
    assert fgt([4500, 4499.99], 4500, 0) == 0.5
    assert watts([4500], 4500) == 0.0


def test_negative_and_zero_incomes():
    # FGT keeps the formula: y = -4500 with z = 4500 has a normalised gap of 2.
    assert fgt([-4500], 4500, 1) == 2.0
    assert fgt([-4500], 4500, 2) == 4.0
    assert fgt([0], 4500, 1) == 1.0
    # wbpip (World Bank PIP) test-md_compute_poverty_stats.R: "poverty gap = 1 when
    # welfare values are 0" (welfare rep(0, 10), poverty line 12).
    assert fgt([0] * 10, 12, 1) == 1.0
    # Watts: y <= 0 counts as 1 yuan, i.e. ln(z).
    assert watts([0], 4500) == pytest.approx(math.log(4500))
    assert watts([-200, 0, 1], 4500) == pytest.approx(math.log(4500))
    assert watts([2250, 9000], 4500) == pytest.approx(math.log(2) / 2)
    # Gini: defined while the mean is positive (here it exceeds 1), NaN otherwise.
    assert gini([-1, 0, 3]) == pytest.approx((1 + 4 + 3) * 2 / (2 * 9 * (2 / 3)))
    assert gini([-1, 0, 3]) > 1
    assert math.isnan(gini([0, 0]))
    assert math.isnan(gini([-3, 1]))


def test_empty_and_zero_weight_give_nan():
    for value in (
        fgt([], 4500, 0),
        fgt([1000], 4500, 1, weights=[0]),
        watts([], 4500),
        watts(np.array([1.0, 2.0]), 4500, weights=[0, 0]),
        gini([]),
        gini([1, 2], weights=[0, 0]),
    ):
        assert math.isnan(value)


def test_zero_weight_units_are_ignored():
    assert fgt([100, 9000, 200], 4500, 0, weights=[1, 1, 0]) == 0.5
    assert gini([1, 2, 1000], [1, 1, 0]) == pytest.approx(gini([1, 2]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fgt([[1, 2]], 4500, 0), "one-dimensional"),
        (lambda: fgt(5, 4500, 0), "one-dimensional"),
        (lambda: fgt([1, np.nan], 4500, 0), "finite"),
        (lambda: fgt(["a"], 4500, 0), "numeric"),
        (lambda: fgt([1, 2], 0, 0), "positive"),
        (lambda: fgt([1, 2], -1, 0), "positive"),
        (lambda: fgt([1, 2], float("inf"), 0), "positive"),
        (lambda: fgt([1, 2], "line", 0), "z must be"),
        (lambda: fgt([1, 2], 4500, -1), "alpha"),
        (lambda: fgt([1, 2], 4500, float("nan")), "alpha"),
        (lambda: fgt([1, 2], 4500, 0, weights=[1]), "length 1"),
        (lambda: fgt([1, 2], 4500, 0, weights=[1, -1]), "non-negative"),
        (lambda: watts([1, 2], 0), "positive"),
        (lambda: watts([[1, 2]], 4500), "one-dimensional"),
        (lambda: watts([1, 2], 4500, weights=[1, 2, 3]), "length 3"),
        (lambda: gini([[1, 2], [3, 4]]), "one-dimensional"),
        (lambda: gini([1, float("inf")]), "finite"),
        (lambda: gini([1, 2], weights=[1, np.nan]), "finite"),
    ],
)
def test_income_measures_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_lists_and_arrays_agree():
    y = [100.0, 2500.0, 4000.0, 12000.0]
    w = [1, 3, 2, 5]
    assert fgt(y, 4500, 2, w) == fgt(np.array(y), 4500, 2, np.array(w))
    assert watts(y, 4500, w) == watts(np.array(y), 4500, np.array(w))
    assert gini(y, w) == gini(np.array(y), np.array(w))
    assert isinstance(fgt(y, 4500, 1), float) and isinstance(gini(y), float)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

incomes_st = st.lists(
    st.floats(min_value=-5000, max_value=100_000, allow_nan=False, allow_infinity=False),
    min_size=0,
    max_size=30,
)
nonneg_incomes_st = st.lists(
    st.floats(min_value=0, max_value=100_000, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@st.composite
def incomes_with_counts(draw, values=incomes_st):
    y = draw(values)
    counts = draw(st.lists(st.integers(0, 5), min_size=len(y), max_size=len(y)))
    return y, counts


@settings(max_examples=200, deadline=None)
@given(data=incomes_with_counts(), z=st.floats(1, 50_000), alpha=st.sampled_from([0, 1, 2, 0.5]))
def test_integer_weights_equal_repeating_units(data, z, alpha):
    y, counts = data
    repeated = np.repeat(np.array(y, dtype=float), counts)
    assert _same(fgt(y, z, alpha, counts), fgt(repeated, z, alpha))
    assert _same(watts(y, z, counts), watts(repeated, z))
    assert _same(gini(y, counts), gini(repeated))


@settings(max_examples=200, deadline=None)
@given(y=nonneg_incomes_st, z=st.floats(1, 50_000))
def test_fgt_is_ordered_for_nonnegative_incomes(y, z):
    p0, p1, p2 = (fgt(y, z, a) for a in (0, 1, 2))
    assert 1 >= p0 >= p1 >= p2 >= 0


@settings(max_examples=200, deadline=None)
@given(
    y=st.lists(st.floats(0.01, 100_000), min_size=1, max_size=30),
    z=st.floats(1, 50_000),
)
def test_watts_dominates_poverty_gap_for_positive_incomes(y, z):
    # ln(z/y) >= 1 - y/z for 0 < y < z, so Watts >= FGT1 (a standard ordering).
    assert watts(y, z) >= fgt(y, z, 1) - 1e-12


@settings(max_examples=200, deadline=None)
@given(data=incomes_with_counts(nonneg_incomes_st))
def test_gini_in_unit_interval_for_nonnegative_incomes(data):
    y, counts = data
    g = gini(y, counts)
    if sum(c * v for c, v in zip(counts, y, strict=True)) == 0:
        assert math.isnan(g)
    else:
        assert 0 <= g < 1
        assert _same(g, gini([v * 3.5 for v in y], counts))  # scale invariance


@st.composite
def af_problems(draw):
    n = draw(st.integers(0, 12))
    d = draw(st.integers(1, 6))
    g = np.array(draw(st.lists(st.booleans(), min_size=n * d, max_size=n * d)), dtype=bool).reshape(
        n, d
    )
    raw = np.array(draw(st.lists(st.integers(1, 9), min_size=d, max_size=d)), dtype=float)
    w = raw / raw.sum()
    k = draw(st.sampled_from([*(sorted(set(np.cumsum(np.sort(w))))), 0.2, 1 / 3, 0.5, 1.0]))
    counts = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    # A cumulative sum of weights can round to 1.0000000000000002; k must stay in (0, 1].
    return g, w, min(float(k), 1.0), counts


@settings(max_examples=300, deadline=None)
@given(problem=af_problems())
def test_af_identities(problem):
    g, w, k, counts = problem
    r = alkire_foster(g, w, k, unit_weights=counts)
    np.testing.assert_allclose(r.scores, g.astype(float) @ w)
    if math.isnan(r.M0):
        assert sum(counts) == 0
        return
    assert 0 <= r.H <= 1 and 0 <= r.M0 <= r.H + 1e-12
    assert r.M0 == pytest.approx(r.H * r.A, abs=1e-15)
    # M0 = Σ_j w_j CH_j: the adjusted headcount is the weighted sum of censored
    # headcounts, so the contributions add up to 1 whenever M0 > 0.
    assert r.M0 == pytest.approx(float(np.sum(w * r.censored_headcounts)), abs=1e-12)
    if r.M0 > 0:
        assert float(np.sum(r.contributions)) == pytest.approx(1.0, abs=1e-9)
        assert r.A >= k - 1e-9  # every poor unit has c >= k
    else:
        assert r.contributions.tolist() == [0.0] * len(w)
    assert np.all(r.censored_headcounts <= r.H + 1e-12)


@settings(max_examples=300, deadline=None)
@given(problem=af_problems())
def test_af_integer_unit_weights_equal_repeating_rows(problem):
    g, w, k, counts = problem
    weighted = alkire_foster(g, w, k, unit_weights=counts)
    repeated = alkire_foster(np.repeat(g, counts, axis=0).reshape(-1, g.shape[1]), w, k)
    for attr in ("H", "A", "M0"):
        assert _same(getattr(weighted, attr), getattr(repeated, attr))
    np.testing.assert_allclose(
        weighted.censored_headcounts, repeated.censored_headcounts, rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        weighted.contributions, repeated.contributions, rtol=1e-9, atol=1e-12
    )
    assert np.repeat(weighted.poor, counts).tolist() == repeated.poor.tolist()
