"""Time spent in a paragraph (e.g. §107 midlertidigt botilbud), with open stays censored:
Kaplan–Meier curves and medians (statsmodels SurvfuncRight), and a comparison of stays
started before and after a date (log-rank test, statsmodels survdiff).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.derived import stays  # noqa: F401  (one definition of a stay; re-exported)

DAYS_PER_MONTH = 365.25 / 12
FOER, EFTER = "før", "efter"


def _groups(st: pd.DataFrame, group: str | None) -> list[tuple[str, pd.DataFrame]]:
    if group is None:
        return [("alle", st)]
    return [(str(k), d) for k, d in st.groupby(group, sort=False)]


def survival_curves(
    st: pd.DataFrame, group: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Kaplan–Meier curves: the share still in the stay after a number of days.

    Columns: gruppe, dage, andel_stadig_i_tilbud, ci_lav, ci_hoej (pointwise, log(−log)
    transformed Greenwood interval), antal_i_risiko. Each curve starts at day 0 with 1.
    """
    from scipy import stats  # here: importing scipy.stats and statsmodels costs every kernel
    from statsmodels.duration.survfunc import SurvfuncRight  # CPU; few notebooks need them

    z = stats.norm.ppf(0.5 + confidence / 2)
    parts = []
    for name, d in _groups(st, group):
        if d.empty:
            continue
        sf = SurvfuncRight(d["varighed_dage"].to_numpy(float), d["afsluttet"].to_numpy(int))
        s = np.asarray(sf.surv_prob, dtype=float)
        se = np.asarray(sf.surv_prob_se, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            loglog = np.log(-np.log(s))
            half = z * se / (s * np.abs(np.log(s)))
            low = np.exp(-np.exp(loglog + half))
            high = np.exp(-np.exp(loglog - half))
        low = np.where(np.isfinite(low), low, s)
        high = np.where(np.isfinite(high), high, s)
        curve = pd.DataFrame(
            {
                "gruppe": name,
                "dage": np.concatenate([[0.0], sf.surv_times]),
                "andel_stadig_i_tilbud": np.concatenate([[1.0], s]),
                "ci_lav": np.concatenate([[1.0], low]),
                "ci_hoej": np.concatenate([[1.0], high]),
                "antal_i_risiko": np.concatenate([[len(d)], sf.n_risk]).astype(int),
            }
        )
        parts.append(curve)
    columns = ["gruppe", "dage", "andel_stadig_i_tilbud", "ci_lav", "ci_hoej", "antal_i_risiko"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def median_durations(
    st: pd.DataFrame, group: str | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """Kaplan–Meier median duration per group with its confidence interval (statsmodels'
    quantile_ci). NaN where fewer than half the stays have ended (median not reached).

    Columns: gruppe, antal_forloeb, antal_afsluttede, median_dage, ci_lav_dage, ci_hoej_dage,
    median_maaneder.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    rows = []
    for name, d in _groups(st, group):
        if d.empty:
            continue
        sf = SurvfuncRight(d["varighed_dage"].to_numpy(float), d["afsluttet"].to_numpy(int))
        # statsmodels' log(−log) transform divides by zero where S is 0 or 1: harmless.
        with np.errstate(divide="ignore", invalid="ignore"):
            median = float(sf.quantile(0.5))
            try:
                low, high = sf.quantile_ci(0.5, alpha=1 - confidence)
            except (ValueError, IndexError):
                low, high = np.nan, np.nan
        rows.append(
            {
                "gruppe": name,
                "antal_forloeb": len(d),
                "antal_afsluttede": int(d["afsluttet"].sum()),
                "median_dage": median,
                "ci_lav_dage": float(low),
                "ci_hoej_dage": float(high),
                "median_maaneder": median / DAYS_PER_MONTH,
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class DurationComparison:
    """Stays started before vs on/after a date: curves, medians and a log-rank test."""

    skaeringsdato: pd.Timestamp
    kurver: pd.DataFrame
    medianer: pd.DataFrame
    chi2: float
    p_value: float


def compare_durations(
    st: pd.DataFrame, cutoff: pd.Timestamp | str, confidence: float = 0.95
) -> DurationComparison:
    """Compare stays that started before `cutoff` ("før") with those starting on or after it
    ("efter"): Kaplan–Meier curves, medians and the log-rank test (statsmodels survdiff)."""
    from statsmodels.duration.survfunc import survdiff

    cut = pd.Timestamp(cutoff)
    d = st.assign(periode=np.where(st["startdato"] < cut, FOER, EFTER))
    if d["periode"].nunique() < 2:
        raise ValueError(
            f"der skal være forløb, der starter både før og efter {cut:%d.%m.%Y}"
        )
    chi2, p = survdiff(
        d["varighed_dage"].to_numpy(float), d["afsluttet"].to_numpy(int), d["periode"].to_numpy()
    )
    return DurationComparison(
        cut,
        survival_curves(d, "periode", confidence),
        median_durations(d, "periode", confidence),
        float(chi2),
        float(p),
    )
