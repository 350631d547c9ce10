"""Forhandlingsliste and pris mod kvalitet: each provider's prices against the peer median.

The peer median of a grant is the servicetjek's (`servicetjek.peer_prices`: the median price
of other providers' grants with the same paragraph, unit and need level at the start, prices
regulated to the reference year), and a grant's gap is the servicetjek's (`peer_gap`: price
above the median × units per year). The low end of a provider's potential is the gap of the
grants the rule pris_over_sammenlignelige flags (`above_peers`); the high end the gap of all
its grants priced above their median: bringing every price down to the median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from ..servicetjek import above_peers, peer_gap, peer_prices, screening_base
from ..servicetjek.base import ENHED_PRIS, fmt_kr, fmt_pct, fmt_tal, resolve_as_of
from . import grundlag as g
from .kontrakter import covering_contracts

SAMMENLIGNING = {
    "bevilling_id": "str", "borger_id": "str", "leverandoer_id": "str", "paragraf": "str",
    "enhed": "str", "niveau": "float64", "pris": "float64", "median": "float64",
    "antal_sammenlignelige": "int64", "andre_leverandoerer": "int64", "enheder_aar": "float64",
    "aarlig_udgift": "float64", "gab": "float64", "over_graense": "bool",
}


def peer_comparison(data: Data, params: Parametre, as_of=None, *,
                    base: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every active grant whose price can be compared with its peers: enough peer grants
    (servicetjek.min_sammenlignelige) at enough other providers (indkoeb.min_andre_leverandoerer)
    in its group (paragraf, enhed, niveau at the start). Columns SAMMENLIGNING: pris (regulated
    to the reference year), median and antal_sammenlignelige (servicetjek.peer_prices),
    andre_leverandoerer, enheder_aar, aarlig_udgift, gab (servicetjek.peer_gap) and
    over_graense (servicetjek.above_peers: what the rule pris_over_sammenlignelige flags).

    base: a ready servicetjek.screening_base for the same data, parameters and date.
    """
    p = params.servicetjek
    if base is None:
        base = screening_base(data, params, as_of)
    peers = peer_prices(base, p.pris_over_sammenlignelige, p.min_sammenlignelige)
    known = base["niveau"].notna()
    groups = base.loc[known].groupby(["paragraf", "enhed", "niveau"], observed=True)
    others = groups["leverandoer_id"].transform("nunique").reindex(base.index).fillna(1) - 1
    ok = (base["aktiv"] & known & peers["median"].notna()
          & (peers["antal"] >= p.min_sammenlignelige)
          & (others >= params.indkoeb.min_andre_leverandoerer))
    b, pe = base[ok], peers[ok]
    out = pd.DataFrame({
        "bevilling_id": b["bevilling_id"].astype(str), "borger_id": b["borger_id"].astype(str),
        "leverandoer_id": b["leverandoer_id"].astype(str), "paragraf": b["paragraf"].astype(str),
        "enhed": b["enhed"].astype(str), "niveau": b["niveau"], "pris": b["pris"],
        "median": pe["median"], "antal_sammenlignelige": pe["antal"].astype(np.int64),
        "andre_leverandoerer": others[ok].astype(np.int64), "enheder_aar": b["enheder_aar"],
        "aarlig_udgift": b["aarlig_udgift"], "gab": peer_gap(b, pe),
        "over_graense": above_peers(b, pe, p).to_numpy(bool),
    })
    return g.ordered(out, SAMMENLIGNING)


PR_LEVERANDOER = {
    "leverandoer_id": "str", "navn": "str", "leverandoertype": "str",
    "antal_bevillinger": "int64", "antal_borgere": "int64", "aarlig_udgift": "float64",
    "prisindeks": "float64", "antal_over_median": "int64", "antal_over_graense": "int64",
    "potentiale_lav": "float64", "potentiale_hoej": "float64",
}
LISTE = {"prioritet": "int64", **PR_LEVERANDOER, "forventet": "float64", "evidens": "str",
         "naeste_genforhandling": "datetime64[ns]", "genforhandling_overskredet": "bool"}


def provider_prices(cmp: pd.DataFrame, data: Data) -> pd.DataFrame:
    """Per provider: its compared grants and citizens, their annual cost, prisindeks (what its
    grants cost against what they would cost at the peer medians: sum of price × units over
    sum of median × units; 1.2 = 20 % above), how many are above the median and above the
    rule's threshold, and the potential range (potentiale_lav: the gap of the grants above
    the threshold; potentiale_hoej: the gap of all grants above the median)."""
    c = cmp.assign(_pu=cmp["pris"] * cmp["enheder_aar"], _mu=cmp["median"] * cmp["enheder_aar"],
                   _over=cmp["gab"] > 0, _lav=cmp["gab"].where(cmp["over_graense"], 0.0))
    t = c.groupby("leverandoer_id").agg(
        antal_bevillinger=("bevilling_id", "size"), antal_borgere=("borger_id", "nunique"),
        aarlig_udgift=("aarlig_udgift", "sum"), _pu=("_pu", "sum"), _mu=("_mu", "sum"),
        antal_over_median=("_over", "sum"), antal_over_graense=("over_graense", "sum"),
        potentiale_lav=("_lav", "sum"), potentiale_hoej=("gab", "sum")).reset_index()
    t["prisindeks"] = t["_pu"] / t["_mu"].where(t["_mu"] > 0)
    prov = g.providers(data)
    t["navn"] = t["leverandoer_id"].map(prov["navn"])
    t["leverandoertype"] = t["leverandoer_id"].map(prov["leverandoertype"])
    return t.astype({"antal_over_median": np.int64, "antal_over_graense": np.int64})


@dataclass(frozen=True, kw_only=True)
class Forhandlingsliste(g.Resultat):
    """External providers ranked by negotiation potential.

    liste: prioritet (1 = first: the largest expected gain, the middle of the range), the
    provider, its compared grants (antal_bevillinger, antal_borgere: suppress small counts in
    byråd output), aarlig_udgift (their current annual cost), prisindeks (against the peer
    medians), antal_over_median, antal_over_graense, potentiale_lav, potentiale_hoej and
    forventet (kr per year), evidens (Danish: the numbers behind it), naeste_genforhandling
    (the earliest renegotiation date of the contracts covering its grants; NaT without) and
    genforhandling_overskredet (that date has passed).
    bevillinger: the compared grants of the listed providers (peer_comparison), largest gap
    first, for the intern Excel workbook.
    """

    liste: pd.DataFrame
    bevillinger: pd.DataFrame
    opgoerelsesdato: pd.Timestamp
    potentiale_lav: float
    potentiale_hoej: float


def negotiation_list(data: Data, params: Parametre, as_of=None, *,
                     base: pd.DataFrame | None = None) -> Forhandlingsliste:
    """The negotiation list: external providers whose grants cost more than their peers',
    ranked by the potential of bringing them to the peer median (see Forhandlingsliste and
    the module docstring). params: the full Parametre; as_of: the reference date (default
    from the data); base: a ready servicetjek.screening_base."""
    as_of = resolve_as_of(data, as_of)
    if data.vurderinger.empty:
        return _empty_list(as_of, "Der er ingen vurderinger, så bevillingerne kan ikke "
                           "sammenlignes på funktionsniveau, og forhandlingslisten kan ikke "
                           "laves.")
    cmp = peer_comparison(data, params, as_of, base=base)
    per = provider_prices(cmp, data)
    per = per[per["leverandoertype"].isin(g.EKSTERNE) & (per["potentiale_hoej"] > 0)].copy()
    notes = g.providers_note(data)
    if per.empty:
        return _empty_list(as_of, None, notes + (
            ("Ingen eksterne leverandører har priser over medianen for sammenlignelige "
            "bevillinger (med nok sammenligninger)."),))
    per["forventet"] = (per["potentiale_lav"] + per["potentiale_hoej"]) / 2
    per = per.sort_values(["forventet", "potentiale_hoej", "leverandoer_id"],
                          ascending=[False, False, True])
    per["prioritet"] = np.arange(1, len(per) + 1)
    listed = cmp[cmp["leverandoer_id"].isin(per["leverandoer_id"])]
    per["evidens"] = per["leverandoer_id"].map(_evidence(listed, params)).to_numpy()
    nxt = _next_renegotiation(data, listed, as_of)
    per["naeste_genforhandling"] = nxt.reindex(per["leverandoer_id"]).to_numpy(
        dtype="datetime64[ns]")
    per["genforhandling_overskredet"] = (per["naeste_genforhandling"] < as_of).to_numpy(bool)
    if data.kontrakter.empty:
        notes += ("Tabellen kontrakter mangler, så næste genforhandlingsdato er ukendt.",)
    grants = listed.sort_values(["gab", "bevilling_id"], ascending=[False, True])
    return Forhandlingsliste(
        liste=g.ordered(per, LISTE), bevillinger=grants.reset_index(drop=True),
        opgoerelsesdato=as_of, potentiale_lav=float(per["potentiale_lav"].sum()),
        potentiale_hoej=float(per["potentiale_hoej"].sum()), noter=notes)


def _evidence(cmp: pd.DataFrame, params: Parametre) -> pd.Series:
    """Per provider, in Danish: how many compared grants are above the median and the rule's
    threshold, and the group with the largest gap (price against the median, peers)."""
    t = cmp.groupby(["leverandoer_id", "paragraf", "enhed", "niveau"], observed=True).agg(
        gab=("gab", "sum"), n=("bevilling_id", "size"), pris=("pris", "mean"),
        median=("median", "mean"), peers=("antal_sammenlignelige", "max"),
        andre=("andre_leverandoerer", "max")).reset_index()
    top = t.sort_values(["gab", "n"], ascending=False).drop_duplicates("leverandoer_id")
    top = top.set_index("leverandoer_id")
    counts = cmp.groupby("leverandoer_id").agg(n=("bevilling_id", "size"),
                                              over=("gab", lambda x: int((x > 0).sum())),
                                              graense=("over_graense", "sum"))
    counts = counts.reindex(top.index)
    pct = pd.Series(params.servicetjek.pris_over_sammenlignelige, index=top.index)
    text = (
        fmt_tal(counts["over"]) + " af " + fmt_tal(counts["n"]) + " sammenlignede bevillinger "
        "koster mere end medianen, " + fmt_tal(counts["graense"]) + " mindst " + fmt_pct(pct)
        + " mere. Størst forskel: " + top["paragraf"] + " på funktionsniveau "
        + fmt_tal(top["niveau"]) + ", " + top["enhed"].map(ENHED_PRIS).str.lower() + " "
        + fmt_kr(top["pris"]) + " mod medianen " + fmt_kr(top["median"]) + " ("
        + fmt_tal(top["peers"]) + " bevillinger hos " + fmt_tal(top["andre"])
        + " andre leverandører)."
    )
    return text


def _next_renegotiation(data: Data, cmp: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Per provider: the earliest renegotiation date of the contracts covering its compared
    grants on the reference date (NaT without contracts or dates)."""
    k = data.kontrakter
    if k.empty or cmp.empty:
        return pd.Series(dtype="datetime64[ns]")
    cov = covering_contracts(k, cmp, pd.Series(as_of, index=cmp.index))
    when = cov["kontrakt_id"].map(k.set_index(k["kontrakt_id"].astype(str))["genforhandlingsdato"])
    return when.groupby(cmp["leverandoer_id"]).min()


def _empty_list(as_of, reason, notes=()) -> Forhandlingsliste:
    return Forhandlingsliste(liste=g.empty(LISTE), bevillinger=g.empty(SAMMENLIGNING),
                             opgoerelsesdato=as_of, potentiale_lav=0.0, potentiale_hoej=0.0,
                             mangler=reason, noter=tuple(notes))


# --- price and quality ---------------------------------------------------------------------

HOEJ_LAV = "høj pris, lav kvalitet"
HOEJ_HOEJ = "høj pris, høj kvalitet"
LAV_LAV = "lav pris, lav kvalitet"
LAV_HOEJ = "lav pris, høj kvalitet"
KVADRANTER = (HOEJ_LAV, HOEJ_HOEJ, LAV_LAV, LAV_HOEJ)  # where to start first

KVALITET = {
    "leverandoer_id": "str", "navn": "str", "leverandoertype": "str", "prisindeks": "float64",
    "bedoemmelse": "float64", "tilsyn_dato": "datetime64[ns]", "antal_tilbud": "int64",
    "kvadrant": "str", "antal_bevillinger": "int64", "antal_borgere": "int64",
    "aarlig_udgift": "float64", "potentiale_hoej": "float64",
}


@dataclass(frozen=True, kw_only=True)
class PrisOgKvalitet(g.Resultat):
    """Each provider's price against its peers and its latest supervision score.

    tabel: one row per provider with a score: prisindeks (provider_prices; NaN when its grants
    cannot be compared), bedoemmelse (the latest score: per offer the overall score of its
    latest report, or the mean of that report's themes without one; averaged over the
    provider's offers), tilsyn_dato (the latest report), antal_tilbud, kvadrant (high price:
    prisindeks above 1, i.e. above the peer medians; low quality: bedoemmelse under
    indkoeb.kvalitet_lav_under), the compared grants' antal_bevillinger, antal_borgere,
    aarlig_udgift and potentiale_hoej. Sorted with 'høj pris, lav kvalitet' first (where to
    start), largest annual cost first within a quadrant.
    antal_pr_kvadrant: providers per quadrant (in KVADRANTER order).
    """

    tabel: pd.DataFrame
    antal_pr_kvadrant: pd.Series
    kvalitet_graense: float


def latest_scores(tilsyn: pd.DataFrame) -> pd.DataFrame:
    """Per provider: bedoemmelse (mean over its offers of each offer's latest overall score,
    or the mean of that report's themes without an overall score), tilsyn_dato (the latest
    report) and antal_tilbud. Indexed by leverandoer_id."""
    t = tilsyn.assign(leverandoer_id=tilsyn["leverandoer_id"].astype(str),
                      _tilbud=tilsyn["tilbud"].astype(str).fillna(""))
    last = t.groupby(["leverandoer_id", "_tilbud"])["dato"].transform("max")
    t = t[t["dato"] == last]
    overall = t[t["tema"].isna()].groupby(["leverandoer_id", "_tilbud"])["bedoemmelse"].mean()
    themes = t[t["tema"].notna()].groupby(["leverandoer_id", "_tilbud"])["bedoemmelse"].mean()
    per_offer = overall.combine_first(themes).rename("bedoemmelse").reset_index()
    dates = t.groupby(["leverandoer_id", "_tilbud"])["dato"].max().rename("tilsyn_dato")
    per_offer = per_offer.join(dates, on=["leverandoer_id", "_tilbud"])
    return per_offer.groupby("leverandoer_id").agg(
        bedoemmelse=("bedoemmelse", "mean"), tilsyn_dato=("tilsyn_dato", "max"),
        antal_tilbud=("_tilbud", "size"))


def quadrant(prisindeks: pd.Series, bedoemmelse: pd.Series, graense: float) -> pd.Series:
    """The price-quality quadrant: high price = prisindeks above 1 (above the peer medians),
    low quality = bedoemmelse under `graense`; NaN when either is unknown."""
    high = prisindeks > 1 + g.TOL
    low = bedoemmelse < graense
    label = np.select([high & low, high & ~low, ~high & low], [HOEJ_LAV, HOEJ_HOEJ, LAV_LAV],
                      LAV_HOEJ)
    known = prisindeks.notna() & bedoemmelse.notna()
    return pd.Series(np.where(known, label, None), index=prisindeks.index, dtype="str")


def price_quality(data: Data, params: Parametre, as_of=None, *,
                  base: pd.DataFrame | None = None) -> PrisOgKvalitet:
    """Each provider's price relative to the peer median against its latest supervision score,
    in four quadrants (see PrisOgKvalitet). params: the full Parametre; as_of: the reference
    date (default from the data); base: a ready servicetjek.screening_base."""
    graense = float(params.indkoeb.kvalitet_lav_under)
    if data.tilsyn.empty:
        return PrisOgKvalitet(tabel=g.empty(KVALITET), antal_pr_kvadrant=_count(g.empty(KVALITET)),
                              kvalitet_graense=graense,
                              mangler=g.missing_table("tilsyn", "pris mod kvalitet"))
    scores = latest_scores(data.tilsyn)
    notes = g.providers_note(data)
    if data.vurderinger.empty:
        prices = provider_prices(g.empty(SAMMENLIGNING), data)
        notes += (("Der er ingen vurderinger, så priserne kan ikke sammenlignes på "
                  "funktionsniveau."),)
    else:
        prices = provider_prices(peer_comparison(data, params, as_of, base=base), data)
    prov = g.providers(data)
    t = scores.join(prices.set_index("leverandoer_id")[
        ["prisindeks", "antal_bevillinger", "antal_borgere", "aarlig_udgift",
         "potentiale_hoej"]], how="left").reset_index()
    for c in ("antal_bevillinger", "antal_borgere"):
        t[c] = t[c].fillna(0).astype(np.int64)
    t["navn"] = t["leverandoer_id"].map(prov["navn"])
    t["leverandoertype"] = t["leverandoer_id"].map(prov["leverandoertype"])
    t["kvadrant"] = quadrant(t["prisindeks"], t["bedoemmelse"], graense)
    unknown = int(t["prisindeks"].isna().sum())
    if unknown:
        notes += ((f"{unknown} leverandører med tilsyn har ingen bevillinger, der kan "
                  "sammenlignes med andres priser, og står uden kvadrant."),)
    order = t["kvadrant"].map({k: i for i, k in enumerate(KVADRANTER)}).fillna(len(KVADRANTER))
    t = t.assign(_o=order).sort_values(["_o", "aarlig_udgift", "leverandoer_id"],
                                       ascending=[True, False, True], na_position="last")
    tabel = g.ordered(t, KVALITET)
    return PrisOgKvalitet(tabel=tabel, antal_pr_kvadrant=_count(tabel), kvalitet_graense=graense,
                          noter=notes)


def _count(tabel: pd.DataFrame) -> pd.Series:
    return tabel["kvadrant"].value_counts().reindex(list(KVADRANTER), fill_value=0).rename(
        "antal_leverandoerer")
