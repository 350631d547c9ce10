"""Durations in a paragraph: stays, Kaplan–Meier, medians, log-rank (published example)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialanalyse.progression import compare_durations, median_durations, stays, survival_curves


def bev(rows) -> pd.DataFrame:
    """rows: (borger_id, paragraf, start, slut)."""
    df = pd.DataFrame(rows, columns=["borger_id", "paragraf", "startdato", "slutdato"])
    df["startdato"] = pd.to_datetime(df["startdato"])
    df["slutdato"] = pd.to_datetime(df["slutdato"])
    return df


def test_stays_join_adjacent_grants_and_censor_open_ones():
    b = bev(
        [
            ("a", "§107", "2024-01-01", "2024-03-31"),
            ("a", "§107", "2024-04-01", "2024-06-30"),  # next day: same stay (provider change)
            ("a", "§107", "2024-09-01", None),  # a gap: a new, open stay
            ("b", "§107", "2024-05-01", "2025-12-31"),  # ends after the reference date: open
            ("c", "§108", "2024-01-01", "2024-02-01"),  # other paragraph
            ("d", "§107", "2025-03-01", None),  # starts after the reference date
        ]
    )
    st = stays(b, "§107", "2024-12-31")
    assert st["borger_id"].tolist() == ["a", "a", "b"]
    # a: 1 Jan - 30 Jun 2024 = 182 days, ended; a: 1 Sep - 31 Dec = 122 days, open;
    # b: 1 May - 31 Dec = 245 days, open at the reference date.
    assert st["varighed_dage"].tolist() == [182, 122, 245]
    assert st["afsluttet"].tolist() == [True, False, False]
    assert st["slutdato"].isna().tolist() == [False, True, True]


def test_kaplan_meier_hand_computed():
    st = pd.DataFrame({"varighed_dage": [2, 3, 3, 5], "afsluttet": [True, True, False, True]})
    curve = survival_curves(st)
    # S(2) = 3/4; S(3) = 3/4 · (1 − 1/3) = 1/2 (one ended, one censored at 3); S(5) = 0.
    assert curve["dage"].tolist() == [0, 2, 3, 5]
    assert curve["andel_stadig_i_tilbud"].tolist() == pytest.approx([1, 0.75, 0.5, 0])
    assert curve["antal_i_risiko"].tolist() == [4, 4, 3, 1]
    assert (curve["ci_lav"] <= curve["andel_stadig_i_tilbud"] + 1e-12).all()
    assert (curve["ci_hoej"] >= curve["andel_stadig_i_tilbud"] - 1e-12).all()
    med = median_durations(st)
    # statsmodels' median is the first time the curve falls BELOW one half: day 5 here
    # (S is exactly 1/2 from day 3 to 5).
    assert med.loc[0, "median_dage"] == 5
    assert med.loc[0, "antal_forloeb"] == 4 and med.loc[0, "antal_afsluttede"] == 3


# Freireich et al. (1963) / Gehan (1965): weeks in remission for 21 leukaemia patients on
# 6-MP and 21 on placebo (+ = censored). Published: log-rank chi-square 16.79 (1 df),
# p = 4.2e-5 (R: survdiff(Surv(time, status) ~ group)); KM medians 23 (6-MP) and 8 weeks.
SIX_MP = [6, 6, 6, -6, 7, -9, 10, -10, -11, 13, 16, -17, -19, -20, 22, 23, -25, -32, -32, -34,
          -35]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_log_rank_and_medians_gehan_leukaemia_published():
    times = SIX_MP + PLACEBO
    st = pd.DataFrame(
        {
            "varighed_dage": np.abs(times),
            "afsluttet": [t > 0 for t in times],
            # "efter" = 6-MP started on/after the cut-off, "før" = placebo before it.
            "startdato": pd.to_datetime(["2024-06-01"] * 21 + ["2023-06-01"] * 21),
        }
    )
    res = compare_durations(st, "2024-01-01")
    assert res.chi2 == pytest.approx(16.79, abs=0.01)
    assert res.p_value == pytest.approx(4.17e-5, rel=0.01)
    med = res.medianer.set_index("gruppe")["median_dage"]
    assert med["efter"] == 23 and med["før"] == 8
    assert set(res.kurver["gruppe"]) == {"før", "efter"}


def test_compare_durations_needs_both_periods():
    st = pd.DataFrame(
        {"varighed_dage": [1, 2], "afsluttet": [True, True],
         "startdato": pd.to_datetime(["2024-01-01", "2024-02-01"])}
    )
    with pytest.raises(ValueError, match="både før og efter"):
        compare_durations(st, "2023-01-01")
