"""Cluster signals for socialanalyse.klynge (workbook 09): planted only when the municipality
is generated with a role in a test cluster (`generate(klynge_rolle=...)`), so the sample
municipality is unchanged. Three members, one of each role in KLYNGE_ROLLER, together hold
two signals a cluster must find (own stream "klynge"; fixed numbers at every size):

1. En fælles leverandør med forskellige takster: since 1 January 2026 every member has
   FAELLES_ANTAL citizens in §108 at the private 'Bostedet Vestervang ApS' (7 days a week, no
   tillæg, no assessments: need band unknown). 'ledig' and 'koeber' pay BASIS_TAKST a day,
   'dyr' DYR_TAKST (30 % more): the cluster's weighted median is BASIS_TAKST, and 'dyr' would
   save FAELLES_ANTAL × (DYR_TAKST − BASIS_TAKST) × 365.25 kr. a year at it.
2. Brug hinandens tilbud først: 'ledig' has an own §107 offer for Fysisk
   funktionsnedsættelse ('Botilbuddet Egebakken', LEDIG_PLADSER places, LEDIG_BEBOERE
   residents since before the extract, takst LEDIG_TAKST on `tilbud`), while 'koeber' has
   placed KOEB_ANTAL citizens of that group in §107 at the private 'Rehabiliteringscentret
   Nordlys ApS' since 1 January 2026 at KOEB_TAKST a day. The generator makes no other §107
   grants for that target group, so this is the only match in it: KOEB_ANTAL places, saving
   KOEB_ANTAL × (KOEB_TAKST − LEDIG_TAKST) × 365.25 kr. a year.

The rows go in with the kapacitet family's helpers (ids after the others', exact payments,
follow-ups on time), after indkoeb (no contract signal reaches them) and before the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import derived
from .kapacitet import _append, _Rows, _sex, _with_ids
from .providers import offer_name
from .world import REFERENCE_DATE, World, id_strings

EXPORT: dict = {}  # the family's rows go into the tables of providers, grants and payments

KLYNGE_ROLLER = ("ledig", "koeber", "dyr")

FAELLES_LEVERANDOER = "Bostedet Vestervang ApS"
FAELLES_PARAGRAF = "§108"
FAELLES_ANTAL = 6
# No own §108 offer has this as its main group, so these purchases match no free place.
FAELLES_MAALGRUPPE = "Fysisk funktionsnedsættelse"
FAELLES_START = pd.Timestamp("2026-01-01")  # the reference year: no price regulation yet
BASIS_TAKST = 2600.0  # kr. a day, 'ledig' and 'koeber'
DYR_TAKST = 3380.0  # 'dyr': 30 % above

MATCH_PARAGRAF = "§107"
MATCH_MAALGRUPPE = "Fysisk funktionsnedsættelse"  # no §107 grant of the group otherwise
LEDIG_LEVERANDOER = "Botilbuddet Egebakken"
LEDIG_PLADSER = 24
LEDIG_BEBOERE = 12
LEDIG_TAKST = 2300.0
KOEB_LEVERANDOER = "Rehabiliteringscentret Nordlys ApS"
KOEB_ANTAL = 8
KOEB_TAKST = 2950.0
KOEB_START = pd.Timestamp("2026-01-01")


@dataclass(frozen=True)
class Klyngerolle:
    """What the klynge family planted in one member (`Planted.families["klynge"]`).

    The expected cluster findings assume the cluster has one member of each role.
    """

    rolle: str
    leverandoer: str  # the shared provider (matched across members by name)
    paragraf: str
    enhed: str
    takst: float  # this member's price a day at the shared provider (2026)
    faelles_bevillinger: tuple[str, ...]
    klynge_median: float  # the cluster's weighted median price there
    besparelse_ved_median: float  # this member's yearly saving at it ('dyr' only, else 0)
    match_paragraf: str
    match_maalgruppe: str
    tilbud: str  # the name of 'ledig's own offer
    ledige_pladser: int  # its free places
    tilbuddets_aarspris: float  # its price per place a year (takst × 365.25)
    koeb: tuple[str, ...]  # 'koeber': bevilling_ids of the external purchases
    koebers_aarspris: float  # their yearly price each
    matchede_pladser: int  # places of 'ledig' the cluster should give 'koeber'
    besparelse_ved_match: float  # the match's yearly saving


def klynge(w: World) -> None:
    """Plant this member's part of the two cluster signals (module docstring); nothing
    without a role."""
    rolle = w.klynge_rolle
    if rolle is None:
        return
    if rolle not in KLYNGE_ROLLER:
        raise ValueError(f"klynge_rolle skal være en af {', '.join(KLYNGE_ROLLER)}, ikke {rolle!r}")
    rng = w.rng("klynge")
    n_prov, n_tilbud = len(w.prov), len(w.tilbud)
    # The shared provider, and the role's own offer's provider or its external one.
    providers = [(FAELLES_LEVERANDOER, "privat", FAELLES_PARAGRAF)]
    if rolle == "ledig":
        providers.append((LEDIG_LEVERANDOER, "egen drift", MATCH_PARAGRAF))
    elif rolle == "koeber":
        providers.append((KOEB_LEVERANDOER, "privat", MATCH_PARAGRAF))
    new_prov = pd.DataFrame({
        "leverandoer_id": id_strings("L", np.arange(n_prov + 1, n_prov + 1 + len(providers)), 3),
        "navn": [p[0] for p in providers], "leverandoertype": [p[1] for p in providers],
        "paragraffer": [(p[2],) for p in providers], "faktor": 1.0})
    p_shared, p_role = n_prov, n_prov + 1
    tilbud_navn = offer_name(LEDIG_LEVERANDOER, MATCH_PARAGRAF)
    new_tilbud = pd.DataFrame({  # the offer of 'ledig' only
        "prov": [p_role], "paragraf": [MATCH_PARAGRAF],
        "tilbud_id": id_strings("T", np.array([n_tilbud + 1]), 3), "navn": [tilbud_navn],
        "leverandoer_id": new_prov["leverandoer_id"].iloc[-1:].to_numpy(),
        "pladser": [LEDIG_PLADSER], "maalgruppe": [MATCH_MAALGRUPPE], "takst": [LEDIG_TAKST],
    }).iloc[:1 if rolle == "ledig" else 0]
    rows = _Rows()
    takst = DYR_TAKST if rolle == "dyr" else BASIS_TAKST
    shared_rows = [rows.grant(rows.citizen(FAELLES_MAALGRUPPE, rng.integers(1960, 2000),
                                           _sex(rng)),
                              FAELLES_PARAGRAF, p_shared, FAELLES_START, price=takst)
                   for _ in range(FAELLES_ANTAL)]
    koeb_rows = []
    if rolle == "ledig":  # residents since before the extract, at the offer's takst
        for _ in range(LEDIG_BEBOERE):
            start = pd.Timestamp("2016-01-01") + pd.DateOffset(months=int(rng.integers(0, 60)))
            rows.grant(rows.citizen(MATCH_MAALGRUPPE, rng.integers(1960, 2000), _sex(rng)),
                       MATCH_PARAGRAF, p_role, start, price2026=LEDIG_TAKST,
                       tilbud_id=new_tilbud["tilbud_id"].iloc[0], type_="egen drift")
    if rolle == "koeber":
        for _ in range(KOEB_ANTAL):
            c = rows.citizen(MATCH_MAALGRUPPE, rng.integers(1970, 2005), _sex(rng))
            koeb_rows.append(rows.grant(c, MATCH_PARAGRAF, p_role, KOEB_START, None,
                                        KOEB_START + pd.DateOffset(years=2) - pd.Timedelta(days=1),
                                        price=KOEB_TAKST))
    new_g, new_cit = _with_ids(w, rows, rng, new_prov, n_prov)
    _append(w, new_g, new_cit, new_prov, new_tilbud, rng)
    lev = w.tables["leverandoerer"]  # the private ones have the standard contract
    lev.loc[lev["navn"].isin([FAELLES_LEVERANDOER, KOEB_LEVERANDOER]), "standardkontrakt"] = True

    bid = new_g["bevilling_id"].to_numpy()
    year = derived.DAYS_PER_YEAR  # 7 days a week, prices of the reference year
    assert FAELLES_START.year == KOEB_START.year == REFERENCE_DATE.year
    shared_price = new_g["enhedspris"].to_numpy()[shared_rows]
    besparelse = float(np.sum(shared_price - BASIS_TAKST) * year) if rolle == "dyr" else 0.0
    matched = min(KOEB_ANTAL, LEDIG_PLADSER - LEDIG_BEBOERE)
    record = Klyngerolle(
        rolle=rolle, leverandoer=FAELLES_LEVERANDOER, paragraf=FAELLES_PARAGRAF,
        enhed=rows.enheder[FAELLES_PARAGRAF], takst=takst,
        faelles_bevillinger=tuple(sorted(bid[shared_rows])), klynge_median=BASIS_TAKST,
        besparelse_ved_median=besparelse, match_paragraf=MATCH_PARAGRAF,
        match_maalgruppe=MATCH_MAALGRUPPE, tilbud=tilbud_navn,
        ledige_pladser=LEDIG_PLADSER - LEDIG_BEBOERE, tilbuddets_aarspris=LEDIG_TAKST * year,
        koeb=tuple(sorted(bid[koeb_rows])), koebers_aarspris=KOEB_TAKST * year,
        matchede_pladser=matched, besparelse_ved_match=matched * (KOEB_TAKST - LEDIG_TAKST) * year)
    w.plant_family("klynge", record, notes={
        "klynge_faelles_leverandoer": (
            f"Alle klyngens medlemmer har {FAELLES_ANTAL} borgere i {FAELLES_PARAGRAF} hos "
            f"{FAELLES_LEVERANDOER} fra 1. januar 2026; ét medlem betaler 30 % mere end de "
            "andre."),
        "klynge_ledige_pladser": (
            f"Ét medlem har {LEDIG_PLADSER - LEDIG_BEBOERE} ledige pladser i et eget "
            f"{MATCH_PARAGRAF}-tilbud ({MATCH_MAALGRUPPE.lower()}), mens et andet har "
            f"{KOEB_ANTAL} borgere i målgruppen i et eksternt {MATCH_PARAGRAF}-tilbud."),
    })
