"""Hjemtagning: citizens in external offers who could move into a free place in an own offer.

An own offer has a free place when at least one place stood empty (on average) in each of
the last `ledige_maaneder` months and at least one is free on the reference date. A
candidate is a citizen with an active external grant (provider not 'egen drift') on the
reference date, of the offer's paragraph and target group (the offer's maalgruppe, else its
residents'; see kapacitet.belaegning). A candidate matching several offers is matched with
the one with the most free places.

Yearly saving = the external grant's yearly cost at this year's prices
(`derived.annual_cost` × price regulation since its start) minus the marginal cost of filling
an empty own place: the variable share of the own unit cost (pris_pr_doegn × 365.25), a range
`marginal_andel` = [lav, høj] (default 20-50 %: staff, building and management are paid for
an empty place too; a new resident adds mainly board, consumption and the extra support the
citizen needs; an assumption, not a published figure). So
besparelse_lav = ekstern − høj × egen, besparelse_hoej = ekstern − lav × egen.

Candidates are ranked per offer by the middle of their saving; only as many as the offer has
free places count in the total. The list is a list to assess: the citizen's needs decide
(Deloitte warns against filling own places for their own sake).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data import Data, derived
from .belaegning import Belaegning, occupancy
from .grundlag import IkkeTilgaengelig, Indstillinger, external_on, own_provision, settings

KANDIDAT_COLUMNS = [
    "borger_id", "bevilling_id", "paragraf", "maalgruppe", "leverandoer_id", "leverandoer",
    "startdato", "ekstern_aarlig_udgift", "tilbud_id", "tilbud", "egen_aarlig_pris",
    "marginal_lav", "marginal_hoej", "besparelse_lav", "besparelse_hoej", "raekkefoelge",
    "inden_for_ledige_pladser",
]


@dataclass(frozen=True)
class Hjemtagning:
    """Homecoming candidates on the reference date.

    kandidater: one row per candidate grant (KANDIDAT_COLUMNS; intern use: pseudonyms).
    tilbud: the own offers with free places (tilbud_id, navn, paragraf, maalgruppe,
    ledige_pladser_nu, ledige_maaneder_i_traek, pris_pr_doegn, antal_kandidater).
    antal: candidates; antal_inden_for_pladser: those within the free places;
    besparelse_lav/_hoej: their total yearly saving (kr); opgjort: the reference date.
    """

    kandidater: pd.DataFrame
    tilbud: pd.DataFrame
    antal: int
    antal_inden_for_pladser: int
    besparelse_lav: float
    besparelse_hoej: float
    opgjort: pd.Timestamp


def homecoming_candidates(data: Data, ind: Indstillinger | None = None,
                          belaegning: Belaegning | None = None
                          ) -> Hjemtagning | IkkeTilgaengelig:
    """Homecoming candidates and their yearly saving (module docstring).

    ind: Indstillinger or the municipality's Parametre. belaegning: an `occupancy` result to
    reuse (default: computed over every month of the extract).
    """
    ind = settings(ind)
    bel = belaegning if belaegning is not None else occupancy(data, ind=ind)
    if isinstance(bel, IkkeTilgaengelig):
        return IkkeTilgaengelig("Hjemtagning til egne tilbud", bel.aarsag)
    own = own_provision(data)
    if isinstance(own, IkkeTilgaengelig):
        return IkkeTilgaengelig("Hjemtagning til egne tilbud", own.aarsag)
    t = bel.tilbud
    offers = t[(t["ledige_maaneder_i_traek"] >= ind.ledige_maaneder)
               & (t["ledige_pladser_nu"] >= 1) & t["maalgruppe"].notna()
               & t["pris_pr_doegn"].notna()]
    offers = offers[["tilbud_id", "navn", "paragraf", "maalgruppe", "ledige_pladser_nu",
                     "ledige_maaneder_i_traek", "pris_pr_doegn"]]

    on = bel.opgjort
    g = external_on(data, on, own)
    g = g[g["paragraf"].isin(offers["paragraf"]).to_numpy()]
    grants = pd.DataFrame({
        "borger_id": g["borger_id"].to_numpy(),
        "bevilling_id": g["bevilling_id"].to_numpy(),
        "paragraf": g["paragraf"].astype(str).to_numpy(),
        "maalgruppe": g["maalgruppe"].to_numpy(),
        "leverandoer_id": g["leverandoer_id"].to_numpy(),
        "startdato": g["startdato"].to_numpy(),
        "ekstern_aarlig_udgift": (derived.annual_cost(g) * derived.index_factor(
            g["startdato"], pd.Series(on, index=g.index), ind.prisindeks)).to_numpy(),
    })
    matched = grants.merge(offers.rename(columns={"navn": "tilbud"}),
                           on=["paragraf", "maalgruppe"], how="inner")
    matched = matched.sort_values(["bevilling_id", "ledige_pladser_nu", "tilbud_id"],
                                  ascending=[True, False, True]).drop_duplicates("bevilling_id")
    egen = matched["pris_pr_doegn"] * derived.DAYS_PER_YEAR
    lav, hoej = ind.marginal_andel
    matched["egen_aarlig_pris"] = egen
    matched["marginal_lav"] = lav * egen
    matched["marginal_hoej"] = hoej * egen
    matched["besparelse_lav"] = matched["ekstern_aarlig_udgift"] - matched["marginal_hoej"]
    matched["besparelse_hoej"] = matched["ekstern_aarlig_udgift"] - matched["marginal_lav"]
    mid = (matched["besparelse_lav"] + matched["besparelse_hoej"]) / 2
    matched = matched.assign(_mid=mid).sort_values(
        ["tilbud_id", "_mid", "bevilling_id"], ascending=[True, False, True])
    matched["raekkefoelge"] = matched.groupby("tilbud_id").cumcount() + 1
    matched["inden_for_ledige_pladser"] = matched["raekkefoelge"] <= matched["ledige_pladser_nu"]
    matched["leverandoer"] = matched["leverandoer_id"].map(
        data.leverandoerer.set_index("leverandoer_id")["navn"])
    kandidater = matched.sort_values(["_mid", "bevilling_id"], ascending=[False, True])[
        KANDIDAT_COLUMNS].reset_index(drop=True)
    counts = kandidater.groupby("tilbud_id").size()
    offers = offers.assign(antal_kandidater=offers["tilbud_id"].map(counts).fillna(0)
                           .astype(int)).reset_index(drop=True)
    within = kandidater[kandidater["inden_for_ledige_pladser"]]
    return Hjemtagning(
        kandidater=kandidater,
        tilbud=offers,
        antal=len(kandidater),
        antal_inden_for_pladser=len(within),
        besparelse_lav=float(within["besparelse_lav"].sum()),
        besparelse_hoej=float(within["besparelse_hoej"].sum()),
        opgjort=on,
    )
