"""What drives spending growth: more citizens, more volume or longer duration per citizen, or
higher unit prices (split into the general price regulation and a real price change).

Per budget line and year, spending is the exact product

    udgift = borgere × (enheder / borgere) × prisindeks-faktor × (udgift / enheder / faktor)

with borgere = distinct citizens with an active grant in the year, enheder = units delivered
(days, hours or months; full-year persons where a line mixes units) and the price-regulation
factor (1 + prisindeks) between the two years. The change from one year to the next is split
among the four factors with the Shapley value (the average of each factor's marginal effect
over all orders of changing them), which adds up exactly to the change and does not depend on
an arbitrary order. Lines where a factor is zero or undefined in one of the two years (e.g. a
new line) put their whole change in 'oevrigt'.
"""

from __future__ import annotations

from itertools import combinations, pairwise
from math import factorial

import numpy as np
import pandas as pd

from ..data import Data
from .grundlag import Indstillinger, assign_lines, complete_years, line_year_stats

FACTORS = ("flere_borgere", "omfang_pr_borger", "prisregulering", "reel_pris")


def shapley_product(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Shapley decomposition of the change of a product of k factors.

    before, after: arrays of shape (n, k) with the factors of n items. Returns shape (n, k)
    whose rows sum exactly (up to rounding) to prod(after) - prod(before).
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    n, k = before.shape
    out = np.zeros((n, k))
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                changed = np.zeros(k, dtype=bool)
                changed[list(subset)] = True
                base = np.where(changed[None, :], after, before)
                without = base.prod(axis=1)
                base[:, i] = after[:, i]
                out[:, i] += weight * (base.prod(axis=1) - without)
    return out


def cost_drivers(data: Data, years: list[int] | None = None,
                 ind: Indstillinger | None = None) -> pd.DataFrame:
    """Spending growth per line from each year to the next, split into drivers (module doc).

    years: complete calendar years (default: all complete years in the data). Lines are per
    paragraph or målgruppe (`ind.budgetniveau`). One row per (linje, fra_aar, til_aar) plus an
    'I alt' row per pair (the sum of the lines). Columns: udgift_fra, udgift_til, aendring,
    flere_borgere, omfang_pr_borger, prisregulering, reel_pris, enhedspris (= the two price
    parts), oevrigt, and the levels borgere_*, enheder_pr_borger_* and enhedspris_* for both
    years. flere_borgere + omfang_pr_borger + enhedspris + oevrigt = aendring.
    """
    ind = ind or Indstillinger()
    years = sorted(years if years is not None else complete_years(data))
    lines = assign_lines(data, None, ind.budgetniveau)
    stats = line_year_stats(data, lines, years)
    # Volume in units where the line has one unit, else in full-year persons.
    stats["volumen"] = stats["enheder"].fillna(stats["helaarspersoner"])
    frames = []
    for y0, y1 in pairwise(years):
        a = stats[stats["aar"] == y0].set_index("linje")
        b = stats[stats["aar"] == y1].set_index("linje")
        idx = a.index.union(b.index)
        a, b = a.reindex(idx).fillna({"udgift": 0.0, "borgere": 0, "volumen": 0.0}), \
            b.reindex(idx).fillna({"udgift": 0.0, "borgere": 0, "volumen": 0.0})
        index_factor = (1 + ind.prisindeks) ** (y1 - y0)

        def factors(s: pd.DataFrame, idx_factor: float) -> np.ndarray:
            n = s["borgere"].to_numpy(dtype=float)
            v = s["volumen"].to_numpy(dtype=float)
            u = s["udgift"].to_numpy(dtype=float)
            per_citizen = np.divide(v, n, out=np.zeros_like(v), where=n > 0)
            real = np.divide(u, v * idx_factor, out=np.zeros_like(u), where=v > 0)
            return np.column_stack([n, per_citizen, np.full_like(n, idx_factor), real])

        f0, f1 = factors(a, 1.0), factors(b, index_factor)
        defined = (f0[:, [0, 1, 3]] > 0).all(axis=1) & (f1[:, [0, 1, 3]] > 0).all(axis=1)
        parts = np.where(defined[:, None], shapley_product(f0, f1), 0.0)
        change = b["udgift"].to_numpy() - a["udgift"].to_numpy()
        out = pd.DataFrame(parts, index=idx, columns=list(FACTORS))
        out.insert(0, "aendring", change)
        out.insert(0, "udgift_til", b["udgift"].to_numpy())
        out.insert(0, "udgift_fra", a["udgift"].to_numpy())
        out["enhedspris"] = out["prisregulering"] + out["reel_pris"]
        # Exactness: whatever the factors do not carry (undefined lines, rounding) is 'oevrigt'.
        out["oevrigt"] = np.where(defined, 0.0, change)
        out["borgere_fra"], out["borgere_til"] = f0[:, 0], f1[:, 0]
        out["enheder_pr_borger_fra"], out["enheder_pr_borger_til"] = f0[:, 1], f1[:, 1]
        out["enhedspris_fra"] = np.divide(a["udgift"], a["volumen"],
                                          out=np.full(len(idx), np.nan), where=a["volumen"] > 0)
        out["enhedspris_til"] = np.divide(b["udgift"], b["volumen"],
                                          out=np.full(len(idx), np.nan), where=b["volumen"] > 0)
        out["enhed"] = b["enhed"].fillna(a["enhed"]).fillna("helårsperson")
        total = out[["udgift_fra", "udgift_til", "aendring", *FACTORS, "enhedspris",
                     "oevrigt"]].sum().to_frame("I alt").T
        out = pd.concat([out, total]).rename_axis("linje").reset_index()
        out.insert(1, "fra_aar", y0)
        out.insert(2, "til_aar", y1)
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=["linje", "fra_aar", "til_aar", "udgift_fra", "udgift_til",
                                     "aendring", *FACTORS, "enhedspris", "oevrigt"])
    return pd.concat(frames, ignore_index=True)
