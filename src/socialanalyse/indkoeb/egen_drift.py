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


def weighted_quantiles(group: np.ndarray, values: np.ndarray, weights: np.ndarray,
                       q: float, n_groups: int) -> np.ndarray:
    """The q-quantile of values with weights within each group (codes 0..n_groups-1), by the
    inverted CDF: the smallest value whose cumulative weight share in its group reaches q
    (with equal weights numpy's method='inverted_cdf'). NaN for groups without values."""
    v, w, gr = (np.asarray(x) for x in (values, weights, group))
    keep = ~np.isnan(v.astype(float)) & (w > 0)
    v, w, gr = v[keep].astype(float), w[keep].astype(float), gr[keep].astype(np.int64)
    out = np.full(n_groups, np.nan)
    if len(v) == 0:
        return out
    order = np.lexsort((v, gr))
    v, w, gr = v[order], w[order], gr[order]
    start = np.searchsorted(gr, np.arange(n_groups))
    end = np.searchsorted(gr, np.arange(n_groups), side="right")
    cum = np.cumsum(w)
    before = np.where(start > 0, cum[np.clip(start - 1, 0, None)], 0.0)
    total = np.where(end > start, cum[np.clip(end - 1, 0, None)] - before, 0.0)
    has = total > 0
    share = (cum - before[gr]) / np.where(has, total, 1.0)[gr]
    # Groups in order and shares rising within each: one sorted key for all groups.
    j = np.searchsorted(gr * 2.0 + share, np.arange(n_groups) * 2.0 + q * (1 - g.TOL))
    j = np.minimum(j, end - 1)
    out[has] = v[np.clip(j, 0, None)][has]
    return out


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of values with weights (`weighted_quantiles` with one group)."""
    v = np.asarray(values, dtype=float)
    return float(weighted_quantiles(np.zeros(len(v), np.int64), v, weights, q, 1)[0])


def latest_whole_year(covered: list[g.Aar]) -> g.Aar | None:
    """The latest year the payments cover in full, else the latest covered year."""
    whole = [a for a in covered if a.helt]
    return whole[-1] if whole else (covered[-1] if covered else None)


def own_vs_external(data: Data, year: int | None = None, *,
                    aarstal: g.Aarstal | None = None) -> EgneModEksterne:
    """Cost per full-year person and per unit for own provision and each external provider
    type, per paragraph and need level at the start, in `year` (default: the latest year the
    payments cover in full). See EgneModEksterne. aarstal: `year_figures(data)`, to reuse them."""
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
    gy = g.with_grant_facts(data, g.grant_years(data, [a], aarstal), g.providers(data),
                            ("leverandoer_id", "paragraf"))
    level = derived.level_at(data.vurderinger, bev["borger_id"], bev["startdato"])
    gy["niveau"] = need_band(level).to_numpy()[gy["i"].to_numpy()]
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
    # Payments for a grant not active in the year (e.g. after its end) count in the spending,
    # as noegletal counts them, but not as a grant or citizen.
    active = gy[gy["aktiv"]]
    t = gy.groupby(by, dropna=False, observed=True).agg(
        udgift=("udgift", "sum"), helaarspersoner=("helaarspersoner", "sum"),
        enheder=("enheder", "sum"), antal_bevillinger=("aktiv", "sum"))
    t["antal_leverandoerer"] = active.groupby(by, dropna=False, observed=True)[
        "leverandoer_id"].nunique()
    t["antal_borgere"] = g.citizens(data, gy, by)
    t = t[t["antal_bevillinger"] > 0].copy()
    for c in ("antal_bevillinger", "antal_leverandoerer", "antal_borgere"):
        t[c] = t[c].fillna(0).astype(np.int64)
    t["udgift_pr_helaarsperson"] = t["udgift"] / t["helaarspersoner"].where(t["helaarspersoner"] > 0)
    t["udgift_pr_enhed"] = t["udgift"] / t["enheder"].where(t["enheder"] > 0)
    # The spread: each grant's cost per full-year person, weighted by its full-year persons.
    grouped = active.groupby(by, dropna=False, observed=True)
    code, cells = grouped.ngroup().to_numpy(), grouped.size().index
    cost = (active["udgift"] / active["helaarspersoner"]).to_numpy()
    spread = pd.DataFrame({f"{n}_pr_helaarsperson": weighted_quantiles(
        code, cost, active["helaarspersoner"].to_numpy(), q, len(cells))
        for n, q in (("p25", 0.25), ("median", 0.5), ("p75", 0.75))}, index=cells)
    t = g.as_text(t.join(spread).reset_index(), ["paragraf", "leverandoertype"])
    own = t[t["leverandoertype"] == g.EGEN_DRIFT].set_index(keys)["udgift_pr_helaarsperson"]
    key = pd.MultiIndex.from_frame(t[keys]) if len(keys) > 1 else pd.Index(t[keys[0]])
    t["forhold_til_egen_drift"] = t["udgift_pr_helaarsperson"].to_numpy() / own.reindex(
        key).to_numpy()
    return g.ordered(g.in_catalogue_order(t, by), columns)
