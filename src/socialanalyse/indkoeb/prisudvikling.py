"""Prisudvikling: the unit price actually paid per provider, paragraph and unit, year by year,
against the price index.

A rise counts as "above the index" by the servicetjek rule prisstigning's own threshold
(`servicetjek.exceeds_index`: at least prisindeks + prisstigning_margin), so the two workbooks
cannot disagree on what a price rise above the index is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from ..servicetjek import exceeds_index
from . import grundlag as g

TABEL = {
    "leverandoer_id": "str", "navn": "str", "leverandoertype": "str", "paragraf": "str",
    "enhed": "str", "aar": "int64", "helt_aar": "bool", "betalt": "float64",
    "enheder": "float64", "gns_enhedspris": "float64", "antal_bevillinger": "int64",
    "antal_borgere": "int64", "antal_sammenlignet": "int64", "aendring": "float64",
    "over_indeks": "float64", "over_graense": "bool", "genforhandlede": "int64",
}
PR_PARAGRAF = {c: t for c, t in TABEL.items()
               if c not in ("leverandoer_id", "navn", "leverandoertype")}


@dataclass(frozen=True, kw_only=True)
class Prisudvikling(g.Resultat):
    """Unit prices paid per year.

    tabel: per provider, paragraph, unit and year: betalt (kr paid for months the grants were
    active), enheder (units delivered in those months), gns_enhedspris = betalt / enheder
    (tillæg included: what was actually paid per unit), antal_bevillinger and antal_borgere
    (suppress small counts in byråd output); against the year before, on the grants active in
    both years (antal_sammenlignet, so new expensive or cheap cases do not look like a price
    change): aendring (the change in their price per unit, as a Laspeyres index: the year
    before's units at this year's prices, over what they cost), over_indeks ((1 + aendring) /
    (1 + prisindeks) - 1), over_graense (aendring at least prisindeks + margin: the
    prisstigning rule's threshold) and genforhandlede (of the compared grants, those with a
    genforhandling dated in the year before or later, which the rule accepts as a reason).
    pr_paragraf: the same per paragraph and unit across providers (the area's price
    development). stigninger: the rows of tabel over the threshold, largest rise first.
    graense = prisindeks + margin.
    """

    tabel: pd.DataFrame
    pr_paragraf: pd.DataFrame
    stigninger: pd.DataFrame
    prisindeks: float
    margin: float
    graense: float


def price_development(data: Data, params: Parametre, *, aarstal: g.Aarstal | None = None
                      ) -> Prisudvikling:
    """The unit price paid per provider, paragraph and unit per year and its change against
    the price index (see Prisudvikling). params: the full Parametre (prisindeks and
    servicetjek.prisstigning_margin); aarstal: `year_figures(data)`, to reuse them."""
    prisindeks = float(params.prisindeks)
    margin = float(params.servicetjek.prisstigning_margin)
    covered = g.covered_years(data.betalinger)
    if not covered:
        return Prisudvikling(
            tabel=g.empty(TABEL), pr_paragraf=g.empty(PR_PARAGRAF), stigninger=g.empty(TABEL),
            prisindeks=prisindeks, margin=margin, graense=prisindeks + margin,
            mangler="Der er ingen betalinger i data, så prisudviklingen kan ikke beregnes.")
    whole = {a.aar: a.helt for a in covered}
    gy = _paid_and_units(data, covered, aarstal)
    for c in ("leverandoer_id", "paragraf", "enhed"):
        gy[c] = g.grant_column(data, c, gy["i"].to_numpy())
    reneg = _latest_renegotiation(data)
    gy["genforhandlet_aar"] = reneg.reindex(gy["i"]).to_numpy()

    def table(keys: list[str]) -> pd.DataFrame:
        t = _by_group(gy, keys, data, prisindeks, margin)
        t["helt_aar"] = t["aar"].map(whole)
        return t.sort_values(keys + ["aar"])

    prov = g.providers(data)
    tabel = table(["leverandoer_id", "paragraf", "enhed"])
    tabel["navn"] = tabel["leverandoer_id"].map(prov["navn"])
    tabel["leverandoertype"] = tabel["leverandoer_id"].map(prov["leverandoertype"])
    tabel = g.ordered(tabel, TABEL)
    rises = tabel[tabel["over_graense"]].sort_values("aendring", ascending=False)
    return Prisudvikling(
        tabel=tabel, pr_paragraf=g.ordered(table(["paragraf", "enhed"]), PR_PARAGRAF),
        stigninger=rises.reset_index(drop=True), prisindeks=prisindeks, margin=margin,
        graense=prisindeks + margin, noter=g.providers_note(data))


def _paid_and_units(data: Data, covered: list[g.Aar], aarstal: g.Aarstal | None
                    ) -> pd.DataFrame:
    """Per grant and year it delivered units: betalt (payments for the months it delivered
    units) and enheder."""
    gy = g.grant_years(data, covered, aarstal)
    gy = gy[gy["enheder"] > 0]
    return gy[["i", "aar"]].assign(betalt=gy["udgift_levering"].to_numpy(),
                                   enheder=gy["enheder"].to_numpy())


def _latest_renegotiation(data: Data) -> pd.Series:
    """Year of each grant's latest genforhandling (by row of bevillinger), as the prisstigning
    rule reads it (servicetjek.arrays.latest_followups, any date)."""
    o = data.opfoelgninger
    o = o[o["type"].astype(str) == "genforhandling"]
    latest = o.groupby("bevilling_id")["dato"].max().dt.year
    i = pd.Index(data.bevillinger["bevilling_id"]).get_indexer(latest.index)
    return pd.Series(latest.to_numpy(dtype=float), index=i)[i >= 0]


def _by_group(gy: pd.DataFrame, keys: list[str], data: Data, prisindeks: float,
              margin: float) -> pd.DataFrame:
    by = keys + ["aar"]
    t = gy.groupby(by, observed=True).agg(betalt=("betalt", "sum"), enheder=("enheder", "sum"),
                           antal_bevillinger=("i", "size"))
    t["antal_borgere"] = g.citizens(data, gy, by)
    t["gns_enhedspris"] = t["betalt"] / t["enheder"].where(t["enheder"] > 0)
    # Like for like: grants paid for in both this year and the year before.
    prev = gy[["i", "aar", "betalt", "enheder"]].assign(aar=gy["aar"] + 1)
    both = gy.merge(prev, on=["i", "aar"], suffixes=("", "_foer"))
    both = both[(both["betalt"] > 0) & (both["betalt_foer"] > 0)]
    # Laspeyres: the year before's units at this year's prices, so neither the mix of grants
    # nor part years (a grant's units shift between years) look like a price change.
    both = both.assign(genforhandlet=both["genforhandlet_aar"] >= both["aar"] - 1,
                       nu=both["betalt"] / both["enheder"] * both["enheder_foer"])
    s = both.groupby(by, observed=True).agg(nu=("nu", "sum"), foer=("betalt_foer", "sum"),
                             antal_sammenlignet=("i", "size"),
                             genforhandlede=("genforhandlet", "sum"))
    t = t.join(s, how="left")
    t["aendring"] = t["nu"] / t["foer"] - 1
    t["over_indeks"] = (1 + t["aendring"]) / (1 + prisindeks) - 1
    t["over_graense"] = exceeds_index(t["aendring"], prisindeks, margin)
    for c in ("antal_sammenlignet", "genforhandlede"):
        t[c] = t[c].fillna(0).astype(np.int64)
    t = t.reset_index()
    return t.astype({c: str for c in keys})
