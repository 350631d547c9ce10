"""Effect estimates with their uncertainty: two groups, before/after, difference in
differences, reliable change per citizen, change in a rate, and bootstrap intervals.

Every group estimate returns a frozen `Estimate`. Signs follow the data: an estimate is
"treated minus comparison" or "after minus before" in the outcome's own units, so for VUM
levels (0 = no reduced function) a NEGATIVE estimate means improvement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

# scipy.stats and statsmodels are imported where they are used: importing them costs every
# kernel about a second of CPU, and most notebooks import this module without testing anything.

#: Jacobson & Truax (1991): a change is reliable when |RC| exceeds this (two-sided 5 %).
RCI_CRITERION = 1.96

Design = Literal["grupper", "foer_efter", "did", "rci", "rate", "bootstrap"]


@dataclass(frozen=True)
class Estimate:
    """One estimate with its standard error, confidence interval and p-value.

    `n` counts units (citizens): rows for two groups, complete pairs for before/after,
    clusters (else rows) for difference in differences. `design` says what kind of
    comparison produced it (used to word and caveat the interpretation); `confidence` is the
    level of [ci_low, ci_high]. `p_value` is NaN where no test applies (bootstrap).
    """

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    method: str
    design: Design = "grupper"
    confidence: float = 0.95


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"konfidensniveauet skal ligge mellem 0 og 1 (fik {confidence})")


def _numeric(values: pd.Series, name: str) -> np.ndarray:
    out = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if np.isnan(out).any():
        raise ValueError(f"kolonnen {name!r} har tomme eller ikke-numeriske værdier")
    return out


def compare_groups(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    treated: object,
    *,
    welch: bool = False,
    confidence: float = 0.95,
) -> Estimate:
    """Difference in mean `outcome` between the rows where `group == treated` and the rest.

    Default: the classical pooled-variance standard error, i.e. OLS of the outcome on a
    treated indicator (Student's two-sample t). `welch=True`: unequal variances with
    Welch–Satterthwaite degrees of freedom. The column `group` must hold exactly two values.
    """
    _check_confidence(confidence)
    values = df[group].dropna().unique()
    if len(values) != 2 or treated not in set(values):
        raise ValueError(
            f"kolonnen {group!r} skal have præcis to grupper, hvoraf den ene er {treated!r} "
            f"(fandt {sorted(map(str, values))})"
        )
    y = _numeric(df[outcome], outcome)
    is_treated = (df[group] == treated).to_numpy()
    y1, y0 = y[is_treated], y[~is_treated]
    n1, n0 = len(y1), len(y0)
    if min(n1, n0) < 2 or n1 + n0 < 3:
        raise ValueError("der skal være mindst to borgere i hver gruppe")
    diff = float(y1.mean() - y0.mean())
    if welch:
        v1, v0 = y1.var(ddof=1) / n1, y0.var(ddof=1) / n0
        se = float(np.sqrt(v1 + v0))
        dof = (v1 + v0) ** 2 / (v1**2 / (n1 - 1) + v0**2 / (n0 - 1)) if se > 0 else n1 + n0 - 2
        method = "forskel i gennemsnit, Welch t-test"
    else:
        pooled = ((n1 - 1) * y1.var(ddof=1) + (n0 - 1) * y0.var(ddof=1)) / (n1 + n0 - 2)
        se = float(np.sqrt(pooled * (1 / n1 + 1 / n0)))
        dof = n1 + n0 - 2
        method = "forskel i gennemsnit, t-test (fælles varians, OLS)"
    return _t_estimate(diff, se, dof, n1 + n0, method, "grupper", confidence)


def _t_estimate(
    est: float, se: float, dof: float, n: int, method: str, design: Design, confidence: float
) -> Estimate:
    from scipy import stats

    q = stats.t.ppf(0.5 + confidence / 2, dof)
    if se > 0:
        p = float(2 * stats.t.sf(abs(est / se), dof))
    else:
        p = 1.0 if est == 0 else 0.0
    return Estimate(est, se, est - q * se, est + q * se, p, int(n), method, design, confidence)


def paired_values(
    df: pd.DataFrame, subject: str, period: str, outcome: str, before: object, after: object
) -> pd.DataFrame:
    """One row per subject with both periods: columns `foer`, `efter`, `aendring` (after −
    before), indexed by subject. Rows are matched by subject whatever their order."""
    rows = df[df[period].isin([before, after])]
    dup = rows.duplicated([subject, period])
    if dup.any():
        first = rows.loc[dup, subject].iloc[0]
        raise ValueError(
            f"borger {first!r} har mere end én værdi i samme periode; der må være én pr. periode"
        )
    wide = rows.pivot(index=subject, columns=period, values=outcome)
    for p in (before, after):
        if p not in wide.columns:
            wide[p] = np.nan
    out = pd.DataFrame(
        {"foer": pd.to_numeric(wide[before]), "efter": pd.to_numeric(wide[after])}
    ).dropna()
    out["aendring"] = out["efter"] - out["foer"]
    return out


def paired_change(
    df: pd.DataFrame,
    subject: str,
    period: str,
    outcome: str,
    before: object,
    after: object,
    test: Literal["t", "wilcoxon"] = "t",
    *,
    confidence: float = 0.95,
) -> Estimate:
    """Change from `before` to `after` on the same subjects (after − before).

    Long data: one row per subject and period. Subjects lacking either period are left out.
    test="t": mean change, paired t-test. test="wilcoxon": the Wilcoxon signed-rank test
    with the Hodges–Lehmann estimate and interval, as R's wilcox.test(paired = TRUE,
    conf.int = TRUE) gives them (see `_hodges_lehmann`). `confidence` of the result is the
    level achieved, lower than asked when few citizens make the asked level impossible.
    """
    _check_confidence(confidence)
    d = paired_values(df, subject, period, outcome, before, after)["aendring"].to_numpy()
    n = len(d)
    if n < 2:
        raise ValueError("der skal være mindst to borgere med en værdi både før og efter")
    if test == "t":
        se = float(d.std(ddof=1) / np.sqrt(n))
        return _t_estimate(
            float(d.mean()), se, n - 1, n, "gennemsnitlig ændring, parret t-test", "foer_efter",
            confidence,
        )
    if test == "wilcoxon":
        return _hodges_lehmann(d, confidence)
    raise ValueError(f"ukendt test {test!r}: brug 't' eller 'wilcoxon'")


def _signed_rank_cdf(n: int) -> np.ndarray:
    """P(T+ <= k) for k = 0..n(n+1)/2 under H0 (no ties), by counting subsets of 1..n."""
    m = n * (n + 1) // 2
    counts = np.zeros(m + 1)
    counts[0] = 1.0
    for r in range(1, n + 1):
        counts[r:] = counts[r:] + counts[:-r].copy()
    return np.cumsum(counts) / 2.0**n


def signed_rank_z(x: np.ndarray, shift: float = 0.0, correct: bool = True) -> float:
    """The standardised Wilcoxon signed-rank statistic of `x − shift`, as R's wilcox.test
    computes it for its normal approximation: zero differences dropped, the variance
    corrected for ties (n(n+1)(2n+1)/24 − Σ(t³ − t)/48) and, with `correct`, a continuity
    correction of ½ towards 0. NaN when nothing is left to rank."""
    from scipy import stats

    xd = np.asarray(x, dtype=float) - shift
    xd = xd[xd != 0]
    n = len(xd)
    ranks = stats.rankdata(np.abs(xd))
    centred = ranks[xd > 0].sum() - n * (n + 1) / 4
    ties = np.unique(ranks, return_counts=True)[1]
    variance = n * (n + 1) * (2 * n + 1) / 24 - float((ties**3 - ties).sum()) / 48
    if variance <= 0:
        return float("nan")
    return float((centred - (0.5 * np.sign(centred) if correct else 0.0)) / np.sqrt(variance))


def _hodges_lehmann(d: np.ndarray, confidence: float) -> Estimate:
    """Wilcoxon signed-rank test with the Hodges–Lehmann estimate and interval, as R's
    wilcox.test(conf.int = TRUE) before R 4.6: zero changes are dropped (from the test, the
    estimate and the interval alike); without ties or zeros and with fewer than 50 changes the
    exact distribution is used, otherwise the normal approximation with continuity and tie
    correction (`signed_rank_z`), whose interval is the set of shifts that approximation
    does not reject, found by root finding as R does (there to within tol.root = 1e-4)."""
    from scipy import stats

    x = d[d != 0]
    n = len(x)
    alpha = 1 - confidence
    if n == 0:  # every change is 0 (R: NaN); no change, nothing to test
        return Estimate(0.0, 0.0, 0.0, 0.0, 1.0, len(d), _METHOD + " (alle ændringer er 0)",
                        "foer_efter", confidence)
    ranks = stats.rankdata(np.abs(x))
    if n < 50 and len(x) == len(d) and len(np.unique(ranks)) == n:
        est, low, high, p, confidence = _exact(x, ranks, alpha, confidence)
        method = _METHOD + " (eksakt fordeling)"
    else:
        est, low, high, p, confidence = _asymptotic(x, alpha, confidence)
        method = _METHOD + " (normalfordeling, korrigeret for kontinuitet og ens værdier)"
    # SE from the interval width under normality (at the level achieved): descriptive.
    se = (high - low) / (2 * stats.norm.isf((1 - confidence) / 2)) if confidence > 0 else np.nan
    return Estimate(est, float(se), low, high, p, len(d), method, "foer_efter", confidence)


_METHOD = "ændring (Hodges–Lehmann), Wilcoxon signed-rank test"


def _exact(x: np.ndarray, ranks: np.ndarray, alpha: float, confidence: float):
    """R's exact branch: p from the signed-rank distribution, the interval from the order
    statistics of the Walsh averages, the estimate their median."""
    n = len(x)
    cdf = _signed_rank_cdf(n)
    v = round(float(ranks[x > 0].sum()))  # no ties: a whole number
    tail = 1 - cdf[v - 1] if v > n * (n + 1) / 4 else cdf[v]
    p = float(min(2 * tail, 1.0))
    i, j = np.triu_indices(n)
    walsh = np.sort((x[i] + x[j]) / 2)
    qu = max(int(np.searchsorted(cdf, alpha / 2 - 1e-12)), 1)  # qsignrank(alpha/2, n)
    achieved = 2 * cdf[qu - 1]  # 2 * psignrank(qu - 1, n)
    if achieved - alpha > alpha / 2:  # R: "requested conf.level not achievable"
        confidence = 1 - float(f"{achieved:.2g}")
    low, high = float(walsh[qu - 1]), float(walsh[len(walsh) - qu])
    return float(np.median(walsh)), low, high, p, confidence


def _asymptotic(x: np.ndarray, alpha: float, confidence: float):
    """R's asymptotic branch: the interval limits are where signed_rank_z(x, shift) crosses
    the normal quantiles; the estimate is where it crosses 0 without continuity correction."""
    from scipy import stats
    from scipy.optimize import brentq

    p = float(2 * stats.norm.sf(abs(signed_rank_z(x))))
    lo, hi = float(x.min()), float(x.max())
    z_lo, z_hi = signed_rank_z(x, lo), signed_rank_z(x, hi)
    if not (np.isfinite(z_lo) and np.isfinite(z_hi)):  # all changes equal (R: NaN interval)
        mid = (lo + hi) / 2
        return mid, float("nan"), float("nan"), p, 0.0
    requested = alpha
    # As R: widen until the sample's own range brackets the limits ("not achievable").
    while alpha < 1 and (z_lo < stats.norm.isf(alpha / 2) or z_hi > stats.norm.ppf(alpha / 2)):
        alpha *= 2
    if alpha >= 1 or requested < alpha * 0.75:
        confidence = round(1 - min(1.0, alpha), 12)

    def root(f) -> float:
        return _walsh_point(x, brentq(f, lo, hi, xtol=1e-10))

    if alpha >= 1:
        low = high = float(np.median(x))
    else:
        q_low, q_high = stats.norm.isf(alpha / 2), stats.norm.ppf(alpha / 2)
        low = root(lambda t: signed_rank_z(x, t) - q_low)
        high = root(lambda t: signed_rank_z(x, t) - q_high)
    # Positive at the smallest change, negative at the largest: a root in between.
    est = root(lambda t: signed_rank_z(x, t, correct=False))
    return est, low, high, p, confidence


def _walsh_point(x: np.ndarray, t: float) -> float:
    """The statistic is a step function that jumps at Walsh averages (x_i + x_j) / 2: a root
    found to within 1e-10 is that average (exact, e.g. -1.0 rather than -1.0000000000123)."""
    xs = np.sort(x)
    j = np.clip(np.searchsorted(xs, 2 * t - xs), 1, len(xs) - 1)
    near = np.concatenate([(xs + xs[j - 1]) / 2, (xs + xs[j]) / 2])
    best = near[np.argmin(np.abs(near - t))]
    return float(best) if abs(best - t) < 1e-8 * max(1.0, abs(t)) else float(t)


def difference_in_differences(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    *,
    confidence: float = 0.95,
) -> Estimate:
    """Difference in differences: the interaction in OLS of outcome on treated, post and
    treated × post, i.e. (treated after − treated before) − (comparison after − comparison
    before).

    `treated` and `post` are 0/1 or boolean columns. With `cluster` (e.g. borger_id, as the
    same citizen appears before and after) the standard error is cluster-robust (statsmodels,
    Stata's small-sample correction, t with clusters − 1 degrees of freedom); without it the
    classical OLS standard error.
    """
    _check_confidence(confidence)
    cols = [outcome, treated, post] + ([cluster] if cluster else [])
    d = df[cols].dropna()
    y = _numeric(d[outcome], outcome)
    t = d[treated].astype(float).to_numpy()
    p = d[post].astype(float).to_numpy()
    if not (set(np.unique(t)) == {0.0, 1.0} and set(np.unique(p)) == {0.0, 1.0}):
        raise ValueError("der skal være både indsats- og sammenligningsgruppe, både før og efter")
    cells = pd.crosstab(t, p)
    if (cells.to_numpy() == 0).any():
        raise ValueError("en af de fire celler (gruppe × periode) er tom")
    x = np.column_stack([np.ones_like(t), t, p, t * p])
    from statsmodels.regression.linear_model import OLS  # statsmodels.api's OLS

    model = OLS(y, x)
    if cluster:
        groups = pd.factorize(d[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        n = len(np.unique(groups))
        method = "forskel-i-forskelle (OLS, klyngerobuste standardfejl)"
    else:
        fit = model.fit()
        n = len(y)
        method = "forskel-i-forskelle (OLS)"
    ci = fit.conf_int(alpha=1 - confidence)[3]
    return Estimate(
        float(fit.params[3]), float(fit.bse[3]), float(ci[0]), float(ci[1]),
        float(fit.pvalues[3]), n, method, "did", confidence,
    )


def did_means(df: pd.DataFrame, outcome: str, treated: str, post: str) -> pd.DataFrame:
    """The 2×2 table behind a difference in differences: mean and count per group and period.

    Columns: gruppe (indsats/sammenligning), periode (før/efter), gennemsnit, antal.
    """
    d = df[[outcome, treated, post]].dropna()
    out = (
        d.assign(
            gruppe=np.where(d[treated].astype(bool), "indsats", "sammenligning"),
            periode=np.where(d[post].astype(bool), "efter", "før"),
        )
        .groupby(["gruppe", "periode"], as_index=False)[outcome]
        .agg(gennemsnit="mean", antal="count")
    )
    order = {"før": 0, "efter": 1, "indsats": 0, "sammenligning": 1}
    return out.sort_values(["gruppe", "periode"], key=lambda s: s.map(order)).reset_index(
        drop=True
    )


@dataclass(frozen=True)
class ReliableChange:
    """Reliable Change Index per unit and the smallest change that counts as reliable.

    `tabel` has columns foer, efter, aendring (after − before), rci and paalidelig
    (|rci| > criterion). `s_diff` is the standard error of a difference.
    """

    tabel: pd.DataFrame
    s_diff: float
    mindste_paalidelige_aendring: float


def reliable_change(
    before: pd.Series | Sequence[float],
    after: pd.Series | Sequence[float],
    sd: float,
    reliability: float,
    criterion: float = RCI_CRITERION,
) -> ReliableChange:
    """Jacobson & Truax (1991): SE = sd·sqrt(1 − r), S_diff = sqrt(2·SE²),
    RC = (after − before)/S_diff; reliable when |RC| > criterion (1.96).

    `sd` is the standard deviation of the measure in the population at baseline, `reliability`
    its test–retest reliability r. The smallest reliable change is criterion × S_diff.
    """
    if not 0 <= reliability < 1:
        raise ValueError(f"reliabiliteten skal ligge i [0; 1) (fik {reliability})")
    if not sd > 0:
        raise ValueError(f"standardafvigelsen skal være positiv (fik {sd})")
    index = before.index if isinstance(before, pd.Series) else None
    x1 = np.asarray(before, dtype=float)
    x2 = np.asarray(after, dtype=float)
    s_diff = float(np.sqrt(2 * (sd * np.sqrt(1 - reliability)) ** 2))
    rc = (x2 - x1) / s_diff
    tabel = pd.DataFrame(
        {"foer": x1, "efter": x2, "aendring": x2 - x1, "rci": rc, "paalidelig": np.abs(rc) > criterion},
        index=index,
    )
    return ReliableChange(tabel, s_diff, criterion * s_diff)


def rate_change(
    before_count: int,
    before_exposure: float,
    after_count: int,
    after_exposure: float,
    *,
    confidence: float = 0.95,
) -> Estimate:
    """Change in a count per unit of time (e.g. citizens at a forsorgshjem per month) as the
    rate ratio (after rate / before rate), with the exact conditional interval and test.

    Given the total count, the after count is binomial with p = e2·RR / (e1 + e2·RR); the
    Clopper–Pearson interval for p is turned into one for RR (exact conditional method). The
    p-value is scipy's exact binomial test of RR = 1. `std_error` is that of log(RR)
    (sqrt(1/c1 + 1/c2)). A ratio below 1 means fewer after.
    """
    _check_confidence(confidence)
    c1, c2 = int(before_count), int(after_count)
    e1, e2 = float(before_exposure), float(after_exposure)
    if c1 < 0 or c2 < 0 or e1 <= 0 or e2 <= 0:
        raise ValueError("antal skal være ikke-negative og perioder (eksponering) positive")
    total = c1 + c2
    if total == 0:
        raise ValueError("der er ingen hændelser hverken før eller efter")
    from scipy import stats

    test = stats.binomtest(c2, total, e2 / (e1 + e2))
    ci = test.proportion_ci(confidence_level=confidence, method="exact")

    def to_ratio(prop: float) -> float:
        return float("inf") if prop >= 1 else prop / (1 - prop) * e1 / e2

    est = to_ratio(c2 / total) if c1 > 0 else float("inf")
    se = float(np.sqrt(1 / c1 + 1 / c2)) if c1 > 0 and c2 > 0 else float("inf")
    return Estimate(
        est, se, to_ratio(ci.low), to_ratio(ci.high), float(test.pvalue), total,
        "rateratio (efter/før), eksakt betinget binomialt interval", "rate", confidence,
    )


def bootstrap_estimate(
    samples: Sequence[np.ndarray | pd.Series],
    statistic: Callable[..., float],
    *,
    paired: bool = False,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 1,
    method: Literal["BCa", "percentile", "basic"] = "BCa",
    design: Design = "bootstrap",
    description: str = "bootstrap",
) -> Estimate:
    """A statistic of one or more samples with a seeded bootstrap interval
    (scipy.stats.bootstrap), for when no formula fits. Reproducible for a given seed.

    `statistic(*samples)` returns a number; `paired=True` resamples the samples' rows
    together. `std_error` is the bootstrap standard error; `p_value` is NaN.
    """
    from scipy import stats

    _check_confidence(confidence)
    arrays = [np.asarray(s, dtype=float) for s in samples]
    est = float(statistic(*arrays))
    res = stats.bootstrap(
        arrays,
        statistic,
        paired=paired,
        vectorized=False,
        confidence_level=confidence,
        n_resamples=n_resamples,
        method=method,
        rng=np.random.default_rng(seed),
    )
    n = len(arrays[0]) if paired or len(arrays) == 1 else sum(len(a) for a in arrays)
    return Estimate(
        est, float(res.standard_error), float(res.confidence_interval.low),
        float(res.confidence_interval.high), float("nan"), int(n),
        f"{description} ({method}-bootstrap, {n_resamples} gentagelser, seed {seed})", design,
        confidence,
    )


def standardised_difference(df: pd.DataFrame, outcome: str, group: str, treated: object) -> float:
    """Standardised mean difference (treated − others) / sqrt((s1² + s0²)/2): how different
    the groups are at baseline. Above about 0.25 in absolute value is usually called poor
    balance (Stuart 2010)."""
    y = _numeric(df[outcome], outcome)
    is_treated = (df[group] == treated).to_numpy()
    y1, y0 = y[is_treated], y[~is_treated]
    if len(y1) < 2 or len(y0) < 2:
        return float("nan")
    pooled = np.sqrt((y1.var(ddof=1) + y0.var(ddof=1)) / 2)
    diff = y1.mean() - y0.mean()
    if pooled == 0:
        return 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    return float(diff / pooled)
