"""Egne mod eksterne: what a full-year person (and a unit) costs in own provision and at each
kind of external provider, per paragraph and need level at the start, with the spread.

Nine of the 14 municipalities in Deloitte's study compare key figures for external and own
offers (Bilag 2, question 18); the figures here put them side by side. The cost per full-year
person is the same figure noegletal shows per paragraph (spending / full-year persons), split
by provider type and need level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data, derived
from ..servicetjek import need_band
from . import grundlag as g

CELLE = {
    "udgift": "float64", "helaarspersoner": "float64", "udgift_pr_helaarsperson": "float64",
    "enheder": "float64", "udgift_pr_enhed": "float64", "p25_pr_helaarsperson": "float64",
    "median_pr_helaarsperson": "float64", "p75_pr_helaarsperson": "float64",
    "forhold_til_egen_drift": "float64", "antal_bevillinger": "int64", "antal_borgere": "int64",
    "antal_leverandoerer": "int64",
}
PR_NIVEAU = {"paragraf": "str", "niveau": "float64", "leverandoertype": "str", **CELLE}
PR_PARAGRAF = {"paragraf": "str", "leverandoertype": "str", **CELLE}


@dataclass(frozen=True, kw_only=True)
class EgneModEksterne(g.Resultat):
    """Own provision against external providers in one calendar year.

    pr_niveau: per paragraf, niveau (need level 0-4 at the grant's start, as servicetjek
    bands it; NaN when the citizen had no assessment before the start) and leverandoertype.
    pr_paragraf: the same per paragraf and leverandoertype (all need levels).
    Columns: udgift (payments, kr), helaarspersoner, udgift_pr_helaarsperson,
    enheder (units delivered), udgift_pr_enhed, the spread of the grants' own cost per
    full-year person (p25/median/p75, weighted by full-year persons), forhold_til_egen_drift
    (cost per full-year person relative to egen drift in the same cell), antal_bevillinger,
    antal_borgere and antal_leverandoerer (suppress small counts, and the costs of cells with
    few citizens, in byråd output).
    """

    aar: int | None
    helt_aar: bool
    pr_niveau: pd.DataFrame
    pr_paragraf: pd.DataFrame


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of values with weights (inverted CDF: the smallest value whose cumulative
    weight share reaches q; with equal weights numpy's method='inverted_cdf'). NaN when empty."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = ~np.isnan(v) & (w > 0)
    v, w = v[keep], w[keep]
    if len(v) == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    return float(v[order][min(np.searchsorted(cum, q * (1 - g.TOL)), len(v) - 1)])


def latest_whole_year(covered: list[g.Aar]) -> g.Aar | None:
    """The latest year the payments cover in full, else the latest covered year."""
    whole = [a for a in covered if a.helt]
    return whole[-1] if whole else (covered[-1] if covered else None)


def own_vs_external(data: Data, year: int | None = None) -> EgneModEksterne:
    """Cost per full-year person and per unit for own provision and each external provider
    type, per paragraph and need level at the start, in `year` (default: the latest year the
    payments cover in full). See EgneModEksterne."""
    covered = g.covered_years(data.betalinger, None if year is None else [year])
    a = latest_whole_year(covered)
    notes = g.providers_note(data)
    if a is None:
        what = "ingen betalinger i data" if year is None else f"ingen betalinger i {year}"
        return EgneModEksterne(aar=year, helt_aar=False, pr_niveau=g.empty(PR_NIVEAU),
                               pr_paragraf=g.empty(PR_PARAGRAF),
                               mangler=f"Der er {what}, så egne og eksterne tilbud kan ikke "
                                       "sammenlignes.", noter=notes)
    if data.leverandoerer.empty:
        return EgneModEksterne(aar=a.aar, helt_aar=a.helt, pr_niveau=g.empty(PR_NIVEAU),
                               pr_paragraf=g.empty(PR_PARAGRAF),
                               mangler=g.missing_table("leverandoerer",
                                                       "egne og eksterne tilbud"))
    bev = data.bevillinger
    gy = g.grant_years(data, [a])
    units = g.units_by_month(bev, a.first, a.last).groupby("i")["enheder"].sum()
    gy["enheder"] = units.reindex(gy["i"]).fillna(0.0).to_numpy()
    prov = g.providers(data)
    rows = bev.iloc[gy["i"].to_numpy()]
    gy["paragraf"] = rows["paragraf"].astype(str).to_numpy()
    gy["leverandoer_id"] = rows["leverandoer_id"].astype(str).to_numpy()
    gy["leverandoertype"] = gy["leverandoer_id"].map(prov["leverandoertype"]).to_numpy()
    level = derived.level_at(data.vurderinger, rows["borger_id"], rows["startdato"])
    gy["niveau"] = need_band(level).to_numpy()
    if data.vurderinger.empty:
        notes += (("Der er ingen vurderinger, så funktionsniveauet ved start er ukendt for alle "
                  "bevillinger."),)
    return EgneModEksterne(
        aar=a.aar, helt_aar=a.helt,
        pr_niveau=_cells(gy, ["paragraf", "niveau"], data, PR_NIVEAU),
        pr_paragraf=_cells(gy, ["paragraf"], data, PR_PARAGRAF), noter=notes)


def _cells(gy: pd.DataFrame, keys: list[str], data: Data, columns: dict[str, str]
           ) -> pd.DataFrame:
    by = keys + ["leverandoertype"]
    t = gy.groupby(by, dropna=False).agg(
        udgift=("udgift", "sum"), helaarspersoner=("helaarspersoner", "sum"),
        enheder=("enheder", "sum"), antal_bevillinger=("i", "size"),
        antal_leverandoerer=("leverandoer_id", "nunique"))
    t["antal_borgere"] = gy.assign(_b=data.bevillinger["borger_id"].to_numpy()[gy["i"]]).groupby(
        by, dropna=False)["_b"].nunique()
    t["udgift_pr_helaarsperson"] = t["udgift"] / t["helaarspersoner"].where(t["helaarspersoner"] > 0)
    t["udgift_pr_enhed"] = t["udgift"] / t["enheder"].where(t["enheder"] > 0)
    # The spread: each grant's cost per full-year person, weighted by its full-year persons.
    own_cost = gy["udgift"] / gy["helaarspersoner"]
    spread = gy.assign(_c=own_cost).groupby(by, dropna=False)[["_c", "helaarspersoner"]].apply(
        lambda c: pd.Series({f"{n}_pr_helaarsperson": weighted_quantile(
            c["_c"].to_numpy(), c["helaarspersoner"].to_numpy(), q)
            for n, q in (("p25", 0.25), ("median", 0.5), ("p75", 0.75))}))
    t = t.join(spread).reset_index()
    own = t[t["leverandoertype"] == g.EGEN_DRIFT].set_index(keys)["udgift_pr_helaarsperson"]
    key = pd.MultiIndex.from_frame(t[keys]) if len(keys) > 1 else pd.Index(t[keys[0]])
    t["forhold_til_egen_drift"] = t["udgift_pr_helaarsperson"].to_numpy() / own.reindex(
        key).to_numpy()
    return g.ordered(g.in_catalogue_order(t, by), columns)
