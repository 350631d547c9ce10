"""Forecast of the next budget years from the trends, with low/base/high scenarios and a buffer.

Per budget line, from the complete years (and, if given, the current year's expected
result):
- rate = full-year persons per 10,000 inhabitants of the line's age group (18+ for adults,
  0-17 for children; all ages for other lines), with a straight-line trend over the years;
- real unit price = spending per full-year person deflated by prisindeks to the last year's
  price level, with a straight-line trend.
Straight lines (not growth rates) are used on purpose: with four or five years, compound
growth extrapolates a ramp-up or a single jump explosively. Population for future years is
taken from the befolkning table when present, otherwise extrapolated linearly from its last
five years.

The base scenario multiplies the two trends' point forecasts, the population and the price
index. Low and high are the `scenarie_sandsynlighed` prediction interval: each trend's
prediction standard error (t distribution with n-2 degrees of freedom) combined by the delta
method, sd(rate × price) ≈ sqrt((price · se_rate)² + (rate · se_price)²), assuming the two are
independent; low is floored at 0. A line with fewer than three years keeps its last level with
no band. The full-year persons get their own band from the rate trend alone
(helaarspersoner_lav/_hoej: (rate ± t · se_rate) × population / 10,000, low floored at 0),
for capacity planning (socialanalyse.kapacitet.capacity_need), which counts places, not kroner. For the total, the line deviations are combined as independent risks (root sum of
squares); the buffer (risikopulje) is high minus base.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data
from ..data.derived import population
from .grundlag import (
    Indstillinger,
    assign_lines,
    complete_years,
    line_info,
    line_year_stats,
    reference_month,
)
from .prognose import ForventetRegnskab

AGES = {"voksne": (18, 120), "børn": (0, 17), "alle": (0, 120)}
SCENARIER = ("lav", "basis", "hoej")


@dataclass(frozen=True)
class Fremskrivning:
    """A forecast: per line and year (linjer, long) and for the total (samlet, index aar).

    linjer: linje, aar, scenarie (faktisk/lav/basis/hoej), udgift, helaarspersoner,
    pr_10000 (full-year persons per 10,000 in the age group), enhedspris, and for future
    years helaarspersoner_lav/_hoej (the band of full-year persons; NaN for faktisk).
    samlet: faktisk, lav, basis, hoej and buffer (hoej - basis) per year.
    """

    linjer: pd.DataFrame
    samlet: pd.DataFrame
    sidste_aar: int  # the last year with actual (or expected) figures


def trend_prediction(years: np.ndarray, values: np.ndarray, future: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, int]:
    """Least-squares line through (years, values) and its prediction at `future` years.

    Returns (prediction, standard error of a new observation, residual degrees of freedom):
    se² = s² (1 + 1/n + (x0 - x̄)² / Sxx), s² = residual sum of squares / (n - 2), as in
    statsmodels' OLS get_prediction(...).se_obs.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    n = len(x)
    xm = x.mean()
    sxx = ((x - xm) ** 2).sum()
    slope = ((x - xm) * (y - y.mean())).sum() / sxx
    intercept = y.mean() - slope * xm
    resid = y - (intercept + slope * x)
    s2 = (resid ** 2).sum() / (n - 2)
    x0 = np.asarray(future, dtype=float)
    se = np.sqrt(s2 * (1 + 1 / n + (x0 - xm) ** 2 / sxx))
    return intercept + slope * x0, se, n - 2


def _population_by_year(data: Data, group: str, years: list[int]) -> pd.Series:
    lo, hi = AGES[group]
    pop = population(data.befolkning, lo, hi)
    if pop.empty:
        return pd.Series(np.nan, index=years)
    missing = [y for y in years if y not in pop.index]
    if missing:
        recent = pop.sort_index().iloc[-5:]
        if len(recent) >= 2:
            slope, intercept = np.polyfit(recent.index.to_numpy(float), recent.to_numpy(), 1)
            extra = pd.Series(intercept + slope * np.array(missing, float), index=missing)
        else:
            extra = pd.Series(recent.iloc[-1], index=missing)
        pop = pd.concat([pop, extra])
    return pop.reindex(years).astype(float)


def history(data: Data, ind: Indstillinger | None = None,
            forventet: ForventetRegnskab | None = None) -> pd.DataFrame:
    """Spending and full-year persons per budget line and year: complete years plus the
    expected current year (if given). Columns linje, aar, udgift, helaarspersoner, kilde."""
    ind = ind or Indstillinger()
    year_now = forventet.aar if forventet is not None else reference_month(data).year
    lines = assign_lines(data, year_now, ind.budgetniveau)
    years = complete_years(data)
    h = line_year_stats(data, lines, years)[["linje", "aar", "udgift", "helaarspersoner"]]
    h["kilde"] = "regnskab"
    if forventet is not None and forventet.aar not in years:
        cur = forventet.linjer.reset_index()[["linje", "forventet", "forventet_antal"]]
        cur = cur.rename(columns={"forventet": "udgift", "forventet_antal": "helaarspersoner"})
        cur["aar"] = forventet.aar
        cur["kilde"] = "forventet regnskab"
        h = pd.concat([h, cur], ignore_index=True)
    return h.sort_values(["linje", "aar"]).reset_index(drop=True)


def forecast(data: Data, ind: Indstillinger | None = None,
             forventet: ForventetRegnskab | None = None) -> Fremskrivning:
    """Forecast spending per budget line for the next `ind.prognose_aar` years (module doc)."""
    ind = ind or Indstillinger()
    hist = history(data, ind, forventet)
    last = int(hist["aar"].max())
    future = list(range(last + 1, last + 1 + ind.prognose_aar))
    all_years = sorted(set(hist["aar"]) | set(future))
    groups = line_info(pd.Index(hist["linje"].unique()))["aldersgruppe"]
    # One population series per age group (three at most), not one per line.
    populations = {g: _population_by_year(data, g, all_years) for g in groups.unique()}
    rows = []
    for linje, h in hist.groupby("linje", sort=True):
        pop = populations[groups[linje]]
        no_pop = pop.isna().all()
        pop = pop.fillna(10_000.0) if no_pop else pop.ffill().bfill()
        years = h["aar"].to_numpy()
        helaar = h["helaarspersoner"].to_numpy(dtype=float)
        udgift = h["udgift"].to_numpy(dtype=float)
        rate = helaar / pop.reindex(years).to_numpy() * 10_000
        real_price = np.divide(udgift, helaar, out=np.zeros_like(udgift), where=helaar > 0) / (
            1 + ind.prisindeks) ** (years - last)
        for y, hp, u, r in zip(years, helaar, udgift, rate):
            rows.append((linje, int(y), "faktisk", u, hp, r, u / hp if hp > 0 else np.nan,
                         np.nan, np.nan))
        fut = np.array(future, dtype=float)
        priced = helaar > 0
        q = 0.0
        if len(years) >= 3:
            r_hat, se_r, df = trend_prediction(years, rate, fut)
            from scipy import stats  # here: importing it costs every kernel ~0.8 s CPU

            q = stats.t.ppf((1 + ind.scenarie_sandsynlighed) / 2, df=df)
        else:
            r_hat, se_r = np.full(len(fut), rate[-1]), np.zeros(len(fut))
        if priced.sum() >= 3:
            p_hat, se_p, _ = trend_prediction(years[priced], real_price[priced], fut)
        else:
            last_price = real_price[priced][-1] if priced.any() else 0.0
            p_hat, se_p = np.full(len(fut), last_price), np.zeros(len(fut))
        r_hat, p_hat = np.clip(r_hat, 0, None), np.clip(p_hat, 0, None)
        scale = pop.reindex(future).to_numpy() / 10_000 * (1 + ind.prisindeks) ** (fut - last)
        sd = scale * np.sqrt((p_hat * se_r) ** 2 + (r_hat * se_p) ** 2)
        for j, y in enumerate(future):
            hp = r_hat[j] * pop.loc[y] / 10_000
            hp_sd = q * se_r[j] * pop.loc[y] / 10_000
            price = p_hat[j] * (1 + ind.prisindeks) ** (y - last)
            base = hp * price
            for scen, value in (("lav", max(base - q * sd[j], 0.0)), ("basis", base),
                                ("hoej", base + q * sd[j])):
                rows.append((linje, y, scen, value, hp, r_hat[j], price,
                             max(hp - hp_sd, 0.0), hp + hp_sd))
    linjer = pd.DataFrame(rows, columns=["linje", "aar", "scenarie", "udgift",
                                         "helaarspersoner", "pr_10000", "enhedspris",
                                         "helaarspersoner_lav", "helaarspersoner_hoej"])
    wide = linjer.pivot_table(index=["aar", "linje"], columns="scenarie", values="udgift",
                              aggfunc="sum")
    wide = wide.reindex(columns=["faktisk", *SCENARIER])
    per_year = []
    for aar, w in wide.groupby(level="aar"):
        if aar <= last:
            per_year.append({"aar": aar, "faktisk": w["faktisk"].sum()})
            continue
        base = w["basis"].sum()
        up = np.sqrt(((w["hoej"] - w["basis"]) ** 2).sum())
        down = np.sqrt(((w["basis"] - w["lav"]) ** 2).sum())
        per_year.append({"aar": aar, "lav": base - down, "basis": base, "hoej": base + up,
                         "buffer": up})
    samlet = pd.DataFrame(per_year).set_index("aar").reindex(
        columns=["faktisk", "lav", "basis", "hoej", "buffer"])
    return Fremskrivning(linjer=linjer, samlet=samlet, sidste_aar=last)


def scenario(frem: Fremskrivning, antal_aendring: float = 0.0, pris_aendring: float = 0.0
             ) -> pd.DataFrame:
    """The total forecast with a chosen extra yearly change in full-year persons and in real
    unit prices on top of the base (e.g. 0.02 = 2 % more each year): samlet plus 'valgt'
    = basis × ((1 + antal_aendring)(1 + pris_aendring))^(years after the last actual year)."""
    out = frem.samlet.copy()
    years_ahead = (out.index.to_numpy() - frem.sidste_aar).clip(min=0)
    factor = ((1 + antal_aendring) * (1 + pris_aendring)) ** years_ahead
    out["valgt"] = np.where(years_ahead > 0, out["basis"] * factor, out["faktisk"])
    return out


def budget_from_forecast(frem: Fremskrivning, year: int) -> pd.DataFrame:
    """A differentiated budget for a future year from the base scenario: per line
    budget_antal (full-year persons) × budget_enhedspris = budget (kilde 'fremskrivning')."""
    base = frem.linjer[(frem.linjer["aar"] == year) & (frem.linjer["scenarie"] == "basis")]
    if base.empty:
        raise ValueError(f"Fremskrivningen dækker ikke {year}.")
    out = base.set_index("linje")[["helaarspersoner", "enhedspris"]].rename(
        columns={"helaarspersoner": "budget_antal", "enhedspris": "budget_enhedspris"})
    out["budget"] = out["budget_antal"] * out["budget_enhedspris"]
    info = line_info(out.index)
    out["kilde"] = "fremskrivning"
    return pd.concat([info[["linjetype", "kategori"]], out], axis=1)[
        ["linjetype", "kategori", "budget", "budget_antal", "budget_enhedspris", "kilde"]]
