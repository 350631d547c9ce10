"""Effect estimators: hand-computed cases, published examples, and scipy/statsmodels checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.rates import test_poisson_2indep as poisson_test

from socialanalyse.progression import (
    Estimate,
    bootstrap_estimate,
    compare_groups,
    did_means,
    difference_in_differences,
    paired_change,
    rate_change,
    reliable_change,
    standardised_difference,
)


def two_groups(a, b) -> pd.DataFrame:
    return pd.DataFrame({"y": list(a) + list(b), "g": ["A"] * len(a) + ["B"] * len(b)})


# --- compare_groups -------------------------------------------------------------------


def test_compare_groups_hand_computed_pooled_and_welch():
    df = two_groups([1, 2, 3], [4, 6])
    est = compare_groups(df, "y", "g", "A")
    # mean A = 2, mean B = 5: difference −3. Variances 1 (A) and 2 (B).
    # Pooled variance (2·1 + 1·2)/3 = 4/3; SE = sqrt(4/3 · (1/3 + 1/2)) = sqrt(10/9); df = 3.
    assert est.estimate == pytest.approx(-3.0)
    assert est.std_error == pytest.approx(np.sqrt(10 / 9))
    q = stats.t.ppf(0.975, 3)
    assert (est.ci_low, est.ci_high) == pytest.approx((-3 - q * np.sqrt(10 / 9), -3 + q * np.sqrt(10 / 9)))
    assert est.p_value == pytest.approx(2 * stats.t.sf(3 / np.sqrt(10 / 9), 3))
    assert est.n == 5 and est.design == "grupper"
    welch = compare_groups(df, "y", "g", "A", welch=True)
    # Welch: SE = sqrt(1/3 + 2/2) = sqrt(4/3); df = (4/3)² / ((1/3)²/2 + 1²/1) = 32/19.
    assert welch.std_error == pytest.approx(np.sqrt(4 / 3))
    q = stats.t.ppf(0.975, 32 / 19)
    assert welch.ci_high == pytest.approx(-3 + q * np.sqrt(4 / 3))


def test_compare_groups_matches_statsmodels_ols_and_scipy_welch():
    rng = np.random.default_rng(5)
    df = two_groups(rng.normal(1.0, 1.0, 40), rng.normal(0.4, 2.0, 25))
    est = compare_groups(df, "y", "g", "A", confidence=0.9)
    fit = sm.OLS(df["y"], sm.add_constant((df["g"] == "A").astype(float))).fit()
    assert est.estimate == pytest.approx(fit.params.iloc[1])
    assert est.std_error == pytest.approx(fit.bse.iloc[1])
    assert est.p_value == pytest.approx(fit.pvalues.iloc[1])
    assert (est.ci_low, est.ci_high) == pytest.approx(tuple(fit.conf_int(alpha=0.1).iloc[1]))
    welch = compare_groups(df, "y", "g", "A", welch=True)
    ref = stats.ttest_ind(df.y[df.g == "A"], df.y[df.g == "B"], equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert welch.p_value == pytest.approx(ref.pvalue)
    assert (welch.ci_low, welch.ci_high) == pytest.approx((ci.low, ci.high))


def test_compare_groups_needs_exactly_two_groups():
    df = pd.DataFrame({"y": [1, 2, 3, 4, 5, 6], "g": ["A", "A", "B", "B", "C", "C"]})
    with pytest.raises(ValueError, match="præcis to grupper"):
        compare_groups(df, "y", "g", "A")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-10, 10), min_size=2, max_size=15),
    st.lists(st.floats(-10, 10), min_size=2, max_size=15),
)
def test_compare_groups_swapping_groups_flips_the_sign(a, b):
    df = two_groups(a, b)
    ab, ba = compare_groups(df, "y", "g", "A"), compare_groups(df, "y", "g", "B")
    assert ab.estimate == pytest.approx(-ba.estimate, abs=1e-9)
    assert ab.std_error == pytest.approx(ba.std_error)
    assert ab.p_value == pytest.approx(ba.p_value)


# --- paired_change --------------------------------------------------------------------

# Student (1908) / Cushny & Peebles (1905): extra hours of sleep for 10 patients with two
# drugs (R datasets::sleep). Published: mean difference 1.58, t = 4.06, df = 9, p = 0.002833,
# 95 % CI 0.700 to 2.460 (R: t.test(extra ~ group, data = sleep, paired = TRUE)).
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_paired_t_student_sleep_data_published_result():
    df = pd.DataFrame(
        {"id": list(range(10)) * 2, "drug": [1] * 10 + [2] * 10, "extra": SLEEP_1 + SLEEP_2}
    )
    df = df.sample(frac=1, random_state=3)  # rows in any order: matched by subject
    est = paired_change(df, "id", "drug", "extra", before=1, after=2)
    assert est.estimate == pytest.approx(1.58)
    assert est.estimate / est.std_error == pytest.approx(4.06, abs=0.005)
    assert est.p_value == pytest.approx(0.002833, abs=5e-6)
    assert (est.ci_low, est.ci_high) == pytest.approx((0.700, 2.460), abs=5e-4)
    assert est.n == 10 and est.design == "foer_efter"


def test_paired_t_hand_computed_and_incomplete_subjects_dropped():
    df = pd.DataFrame(
        {
            "b": ["x", "y", "z", "x", "y", "z", "w"],
            "p": ["før", "før", "før", "efter", "efter", "efter", "før"],
            "v": [3, 2, 4, 2, 2, 2, 1],
        }
    )
    est = paired_change(df, "b", "p", "v", "før", "efter")
    # Changes −1, 0, −2 (w has no "efter"): mean −1, sd 1, SE 1/sqrt(3), df 2.
    assert est.n == 3
    assert est.estimate == pytest.approx(-1.0)
    assert est.std_error == pytest.approx(1 / np.sqrt(3))
    assert est.p_value == pytest.approx(stats.ttest_rel([2, 2, 2], [3, 2, 4]).pvalue)


def test_paired_rejects_two_values_in_one_period():
    df = pd.DataFrame({"b": ["x", "x", "x"], "p": ["før", "før", "efter"], "v": [1, 2, 3]})
    with pytest.raises(ValueError, match="mere end én værdi"):
        paired_change(df, "b", "p", "v", "før", "efter")


# Hollander & Wolfe (1973, p. 29): Hamilton depression scale before (x) and after (y) a
# tranquilizer, 9 patients (the example of R's ?wilcox.test). Published: V = 40,
# two-sided p = 0.03906.
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def test_wilcoxon_hollander_wolfe_published_p_and_hodges_lehmann():
    df = pd.DataFrame({"id": list(range(9)) * 2, "t": ["y"] * 9 + ["x"] * 9, "v": HW_Y + HW_X})
    est = paired_change(df, "id", "t", "v", before="y", after="x", test="wilcoxon")
    assert est.p_value == pytest.approx(0.0390625)
    d = np.array(HW_X) - np.array(HW_Y)
    i, j = np.triu_indices(9)
    assert est.estimate == pytest.approx(np.median((d[i] + d[j]) / 2))  # = 0.46
    assert est.estimate == pytest.approx(0.46)
    # The interval is the set of shifts the exact signed-rank test does not reject at 5 %:
    # every shift strictly inside gives p > 0.05, shifts just outside give p < 0.05.
    for shift in np.linspace(est.ci_low + 1e-3, est.ci_high - 1e-3, 25):
        assert stats.wilcoxon(d - shift, method="exact").pvalue > 0.05
    for shift in (est.ci_low - 1e-3, est.ci_high + 1e-3):
        assert stats.wilcoxon(d - shift, method="exact").pvalue < 0.05


def changes(d) -> pd.DataFrame:
    """Long before/after data whose changes (after − before) are `d`."""
    d = list(d)
    return pd.DataFrame({"id": list(range(len(d))) * 2, "p": [0] * len(d) + [1] * len(d),
                         "v": [0] * len(d) + d})


def wilcoxon(d, confidence=0.95):
    return paired_change(changes(d), "id", "p", "v", 0, 1, test="wilcoxon",
                         confidence=confidence)


def scipy_p(x, shift=0.0) -> float:
    """The same normal approximation in scipy (zeros dropped, continuity and tie correction)."""
    x = np.asarray(x, dtype=float) - shift
    return float(stats.wilcoxon(x, zero_method="wilcox", correction=True,
                                method="approx").pvalue)


# Bortz/Lienert/Boehnke, posted with R's printed output to r-help on 25 Aug 2006 by
# S. Grosse ("exact Wilcoxon signed rank test with ties ...",
# https://stat.ethz.ch/pipermail/r-help/2006-August/111730.html):
#   wilcox.test(x1, x2, paired = TRUE)  ->  Wilcoxon signed rank test with continuity
#   correction, V = 13, p-value = 0.1436 (warning: cannot compute exact p-value with ties).
# Integer scores with ties and five zero changes, as VUM changes are.
BLB_X1 = [9, 14, 8, 11, 14, 10, 8, 14, 12, 14, 13, 9, 15, 12, 9]
BLB_X2 = [13, 15, 9, 12, 16, 10, 8, 13, 12, 16, 9, 10, 16, 12, 9]


def test_wilcoxon_with_ties_and_zeros_matches_r_printed_output():
    d = np.array(BLB_X1) - np.array(BLB_X2)
    est = wilcoxon(d)
    assert est.p_value == pytest.approx(0.1436, abs=5e-5)  # R's printed 4 digits
    assert est.p_value == pytest.approx(scipy_p(d[d != 0]), rel=1e-12)
    assert "normalfordeling" in est.method and est.n == 15
    # Estimate: where the uncorrected statistic changes sign. Of the 10 non-zero changes,
    # at a shift just below −1 the positive ranks sum to 33 (> n(n+1)/4 = 27.5), just above
    # to 18 (< 27.5): the estimate is −1 (R finds it by uniroot to within 1e-4).
    assert est.estimate == -1.0
    # Interval: the shifts the same approximate test does not reject (R's algorithm before
    # 4.6: uniroot of W(d) ∓ qnorm(0.975)); scipy's test changes its verdict exactly there.
    assert (est.ci_low, est.ci_high) == (-2.0, 1.0)
    x = d[d != 0]
    for limit, outward in ((est.ci_low, -1), (est.ci_high, 1)):
        assert scipy_p(x, limit + outward * 1e-6) < 0.05 <= scipy_p(x, limit - outward * 1e-6)
    assert est.confidence == 0.95


def test_wilcoxon_zero_change_r_printed_output():
    # r-devel, 6 Aug 2003 (T. Hothorn on PR#3666, https://stat.ethz.ch/pipermail/r-devel/
    # 2003-August/027207.html): wilcox.test(c(2,1,4,3,6,-5,0)) -> V = 16, p-value = 0.2945.
    est = wilcoxon([2, 1, 4, 3, 6, -5, 0])
    assert est.p_value == pytest.approx(0.2945, abs=5e-5)
    # With the zero dropped, the 95 % limits lie outside the data (W(-5) = 1.89 < 1.96), so
    # as R does the level is lowered to the first achievable of 90 %, 80 %, ...
    assert est.confidence == 0.9 and (est.ci_low, est.ci_high) == (-1.5, 4.5)


def test_hodges_lehmann_as_r_prints_it_with_zeros_and_ties():
    # A. Akinshin, "Unobvious problems of using the R's implementation of the
    # Hodges-Lehmann estimator" (2023-05-09), R 4.3.0's printed output:
    #   wilcox.test(c(0, 1, 2), conf.int = TRUE)$estimate  ->  1.5 (the zero is dropped)
    #   wilcox.test(c(-2.12984, -2.12984, 1.1479, -0.4895), conf.int = TRUE)$estimate
    #     ->  -0.6514901
    # each with "requested conf.level not achievable".
    zero = wilcoxon([0, 1, 2])
    assert zero.estimate == 1.5 and zero.confidence < 0.95
    tied = wilcoxon([-2.12984, -2.12984, 1.1479, -0.4895])
    assert tied.estimate == pytest.approx(-0.6514901, abs=5e-8)
    assert tied.confidence < 0.95


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=4, max_size=60))
def test_wilcoxon_p_and_interval_agree_with_scipy(d):
    x = np.array([v for v in d if v != 0], dtype=float)
    if len(x) < 2 or len(np.unique(x)) < 2:
        return
    est = wilcoxon(d)
    # Integers of at most 7 values: ties (or zeros) always, so always the approximation.
    assert est.p_value == pytest.approx(scipy_p(x), rel=1e-9, abs=1e-12)
    alpha = 1 - est.confidence
    if 0 < alpha < 1:  # the interval is exactly the shifts scipy's test does not reject
        assert est.ci_low <= est.estimate <= est.ci_high
        for limit, outward in ((est.ci_low, -1), (est.ci_high, 1)):
            assert scipy_p(x, limit + outward * 1e-6) < alpha + 1e-12
            assert scipy_p(x, limit - outward * 1e-6) >= alpha - 1e-12


def test_hodges_lehmann_hand_computed():
    df = pd.DataFrame({"id": [1, 2, 3] * 2, "p": [0] * 3 + [1] * 3, "v": [0, 0, 0, 1, 2, 4]})
    est = paired_change(df, "id", "p", "v", 0, 1, test="wilcoxon")
    # Walsh averages of 1, 2, 4: 1, 1.5, 2.5, 2, 3, 4 -> median (2 + 2.5)/2 = 2.25.
    assert est.estimate == pytest.approx(2.25)


# --- difference in differences --------------------------------------------------------


def cells(means: dict[tuple[int, int], float], spread: float = 1.0) -> pd.DataFrame:
    """Two observations per (treated, post) cell at mean ± spread."""
    rows = []
    for (t, p), m in means.items():
        rows += [{"y": m - spread, "t": t, "p": p}, {"y": m + spread, "t": t, "p": p}]
    return pd.DataFrame(rows)


def test_did_card_krueger_published_means():
    # Card & Krueger (1994), AER 84(4), Table 3: mean FTE employment per fast-food store,
    # New Jersey (minimum wage rose) 20.44 -> 21.03, eastern Pennsylvania 23.33 -> 21.17.
    # DiD = (21.03 − 20.44) − (21.17 − 23.33) = 0.59 + 2.16 = 2.75; the paper prints 2.76
    # (computed from unrounded means).
    df = cells({(1, 0): 20.44, (1, 1): 21.03, (0, 0): 23.33, (0, 1): 21.17})
    est = difference_in_differences(df, "y", "t", "p")
    assert est.estimate == pytest.approx(2.75)
    assert est.estimate == pytest.approx(2.76, abs=0.011)
    # Homoskedastic SE by hand: residuals ±1 in each cell, SSR = 8, df = 8 − 4, sigma² = 2;
    # SE = sqrt(sigma² · (1/2 + 1/2 + 1/2 + 1/2)) = 2.
    assert est.std_error == pytest.approx(2.0)
    assert est.n == 8 and est.design == "did"
    table = did_means(df, "y", "t", "p")
    assert table["gennemsnit"].tolist() == pytest.approx([20.44, 21.03, 23.33, 21.17])
    assert table[["gruppe", "periode"]].values.tolist() == [
        ["indsats", "før"], ["indsats", "efter"], ["sammenligning", "før"], ["sammenligning", "efter"]
    ]


def test_did_cluster_robust_matches_hand_sandwich():
    rng = np.random.default_rng(11)
    g = 30
    citizen = np.repeat(np.arange(g), 2)
    treated = np.repeat(rng.integers(0, 2, g), 2)
    treated[:4] = [1, 1, 0, 0]
    post = np.tile([0, 1], g)
    y = rng.normal(size=g).repeat(2) + 0.5 * rng.normal(size=2 * g) - 0.8 * treated * post
    df = pd.DataFrame({"y": y, "t": treated, "p": post, "b": citizen})
    est = difference_in_differences(df, "y", "t", "p", cluster="b")
    # CR1 sandwich: (X'X)^-1 [sum_g X_g' u_g u_g' X_g] (X'X)^-1 · G/(G−1) · (N−1)/(N−K).
    x = np.column_stack([np.ones(2 * g), treated, post, treated * post]).astype(float)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    u = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    meat = sum(np.outer(x[citizen == c].T @ u[citizen == c], x[citizen == c].T @ u[citizen == c])
               for c in range(g))
    n, k = 2 * g, 4
    v = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - k)
    se = np.sqrt(v[3, 3])
    assert est.estimate == pytest.approx(beta[3])
    assert est.std_error == pytest.approx(se)
    q = stats.t.ppf(0.975, g - 1)
    assert (est.ci_low, est.ci_high) == pytest.approx((beta[3] - q * se, beta[3] + q * se))
    assert est.n == g


def test_did_equals_difference_of_mean_changes_in_a_balanced_panel():
    df = pd.DataFrame(
        {
            "b": ["a", "a", "b", "b", "c", "c", "d", "d"],
            "t": [1, 1, 1, 1, 0, 0, 0, 0],
            "p": [0, 1, 0, 1, 0, 1, 0, 1],
            "y": [3, 1, 4, 3, 2, 2, 3, 2],
        }
    )
    # Treated changes −2, −1 (mean −1.5); comparison 0, −1 (mean −0.5): DiD = −1.
    assert difference_in_differences(df, "y", "t", "p", cluster="b").estimate == pytest.approx(-1)


@settings(max_examples=25, deadline=None)
@given(st.floats(-5, 5), st.integers(0, 10_000))
def test_did_ignores_a_constant_group_difference(shift, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {"y": rng.normal(size=24), "t": np.repeat([0, 1], 12), "p": np.tile([0, 1], 12)}
    )
    moved = df.assign(y=df["y"] + shift * df["t"])
    a, b = (difference_in_differences(d, "y", "t", "p") for d in (df, moved))
    assert a.estimate == pytest.approx(b.estimate, abs=1e-9)
    assert a.std_error == pytest.approx(b.std_error, rel=1e-6)


def test_did_needs_all_four_cells():
    df = pd.DataFrame({"y": [1.0, 2, 3], "t": [1, 1, 0], "p": [0, 1, 0]})
    with pytest.raises(ValueError, match="tom"):
        difference_in_differences(df, "y", "t", "p")


# --- reliable change ------------------------------------------------------------------


def test_reliable_change_hand_computed():
    rc = reliable_change(pd.Series([50.0, 50, 50], index=["a", "b", "c"]), [62, 39, 50], sd=10,
                         reliability=0.84)
    # SE = 10·sqrt(0.16) = 4; S_diff = sqrt(2·16) = 5.657; RC = 12/5.657 = 2.121 (reliable),
    # −11/5.657 = −1.945 (not), 0. Smallest reliable change 1.96·5.657 = 11.087.
    assert rc.s_diff == pytest.approx(np.sqrt(32))
    assert rc.mindste_paalidelige_aendring == pytest.approx(1.96 * np.sqrt(32))
    assert rc.tabel["rci"].tolist() == pytest.approx([12 / np.sqrt(32), -11 / np.sqrt(32), 0])
    assert rc.tabel["paalidelig"].tolist() == [True, False, False]
    assert list(rc.tabel.index) == ["a", "b", "c"]


def test_reliable_change_rejects_bad_reliability():
    with pytest.raises(ValueError):
        reliable_change([1.0], [2.0], sd=1, reliability=1.0)


# --- rate change ----------------------------------------------------------------------


def test_rate_change_hand_ratio_and_statsmodels_exact_conditional_test():
    # Ikast-Brande-like: 15 citizens a month at forsorgshjem for 12 months, then 5 a month.
    est = rate_change(15 * 12, 12, 5 * 12, 12)
    assert est.estimate == pytest.approx(1 / 3)
    ref = poisson_test(60, 12, 180, 12, method="exact-cond", compare="ratio")
    assert est.p_value == pytest.approx(ref.pvalue)
    assert est.std_error == pytest.approx(np.sqrt(1 / 180 + 1 / 60))  # SE of log(RR)


def test_rate_change_exact_interval_inverts_the_exact_test():
    est = rate_change(15, 12, 5, 12)
    # At the interval's ends the one-sided exact conditional tests have p = 2.5 %.
    low = poisson_test(5, 12, 15, 12, method="exact-cond", value=est.ci_low,
                              alternative="larger")
    high = poisson_test(5, 12, 15, 12, method="exact-cond", value=est.ci_high,
                               alternative="smaller")
    assert low.pvalue == pytest.approx(0.025, abs=1e-8)
    assert high.pvalue == pytest.approx(0.025, abs=1e-8)


def test_rate_change_zero_after_gives_zero_lower_bound():
    est = rate_change(10, 10, 0, 10)
    # c2 = 0: estimate 0, Clopper–Pearson lower bound 0 for the proportion, so RR_low = 0.
    assert est.estimate == 0 and est.ci_low == 0
    assert est.ci_high == pytest.approx((1 - 0.025 ** (1 / 10)) / 0.025 ** (1 / 10))


# --- bootstrap, balance, dataclass ----------------------------------------------------


def test_bootstrap_is_reproducible_and_close_to_t_interval():
    rng = np.random.default_rng(2)
    x = rng.normal(3, 1, 200)
    a = bootstrap_estimate([x], np.mean, seed=7, n_resamples=1000)
    b = bootstrap_estimate([x], np.mean, seed=7, n_resamples=1000)
    c = bootstrap_estimate([x], np.mean, seed=8, n_resamples=1000)
    assert dataclasses.replace(a, p_value=0) == dataclasses.replace(b, p_value=0)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    t = stats.ttest_1samp(x, 0).confidence_interval()
    assert a.ci_low == pytest.approx(t.low, abs=0.03) and a.ci_high == pytest.approx(t.high, abs=0.03)
    assert a.std_error == pytest.approx(x.std(ddof=1) / np.sqrt(200), rel=0.15)
    assert np.isnan(a.p_value) and a.n == 200


def test_standardised_difference_hand_computed():
    df = two_groups([1, 2, 3], [4, 6])
    # (2 − 5) / sqrt((1 + 2)/2) = −3 / 1.2247 = −2.449
    assert standardised_difference(df, "y", "g", "A") == pytest.approx(-3 / np.sqrt(1.5))


def test_estimate_is_frozen():
    est = Estimate(1.0, 0.5, 0.0, 2.0, 0.05, 10, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        est.estimate = 2.0  # type: ignore[misc]
