"""Prisberegner: the yearly cost of a chosen service and volume at each provider on its price
list, ranked, with what the price contains.

KL (recommendation 12) describes a municipality whose price calculator for supportive
services "giver overblik over timepriser ... samt en forklaring af hvilken ydelse der leveres
til prisen".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.derived import annual_cost
from ..servicetjek.base import ENHED_NAVN
from . import grundlag as g

TABEL = {
    "rang": "int64", "leverandoer_id": "str", "navn": "str", "leverandoertype": "str",
    "ydelse": "str", "enhed": "str", "enhedspris": "float64", "gyldig_fra": "datetime64[ns]",
    "indhold": "str", "omfang": "float64", "aarlig_udgift": "float64",
    "forskel_til_billigste": "float64",
}


@dataclass(frozen=True, kw_only=True)
class Prisberegning(g.Resultat):
    """The price calculator's answer for one service and volume.

    tabel: one row per provider pricing the service in `enhed`, cheapest first: rang (equal
    yearly costs share a rank), the price valid on the date (the latest one from before it),
    what it contains (indhold), aarlig_udgift (enhedspris × omfang × 52.18 weeks, or × 12 for
    a monthly price: derived.annual_cost) and forskel_til_billigste (kr per year).
    """

    tabel: pd.DataFrame
    ydelse: str
    omfang: float
    enhed: str | None


def services(prislister: pd.DataFrame) -> pd.DataFrame:
    """The services on the price lists (for the calculator's choice): ydelse, enhed (the most
    common unit), antal_leverandoerer; sorted by name."""
    if prislister.empty:
        return pd.DataFrame({"ydelse": pd.Series(dtype="str"), "enhed": pd.Series(dtype="str"),
                             "antal_leverandoerer": pd.Series(dtype="int64")})
    p = prislister.assign(ydelse=prislister["ydelse"].astype(str))
    unit = p.groupby("ydelse")["enhed"].agg(lambda s: s.astype(str).mode().iloc[0])
    n = p.groupby("ydelse")["leverandoer_id"].nunique()
    return pd.DataFrame({"ydelse": unit.index, "enhed": unit.to_numpy(),
                         "antal_leverandoerer": n.reindex(unit.index).to_numpy()}
                        ).sort_values("ydelse").reset_index(drop=True)


def price_calculator(prislister: pd.DataFrame, ydelse: str, omfang: float, *,
                     enhed: str | None = None, paa=None,
                     leverandoerer: pd.DataFrame | None = None) -> Prisberegning:
    """Rank the providers on the price lists by the yearly cost of `omfang` units of `ydelse`.

    omfang: units per week for doegn and time (e.g. 6 hours a week), per month for maaned
    (as bevillinger.omfang). enhed: the unit to compare (default: the service's most common
    unit; prices in other units are left out with a note). paa: the date the prices must be
    valid on (default: each provider's latest price). leverandoerer: adds names and types.
    """
    empty = g.empty(TABEL)

    def unavailable(reason: str, notes: tuple[str, ...] = ()) -> Prisberegning:
        return Prisberegning(tabel=empty, ydelse=ydelse, omfang=float(omfang), enhed=enhed,
                             mangler=reason, noter=notes)

    if omfang is None or pd.isna(omfang) or float(omfang) < 0:
        raise ValueError(f"Omfanget skal være et tal på mindst 0 (fik {omfang!r}).")
    if prislister.empty:
        return unavailable(g.missing_table("prislister", "prisberegneren"))
    p = prislister[prislister["ydelse"].astype(str) == ydelse]
    if p.empty:
        known = ", ".join(f"'{y}'" for y in services(prislister)["ydelse"].head(12))
        return unavailable(f"Ydelsen '{ydelse}' findes ikke i prislisterne. Ydelserne er: "
                           f"{known}.")
    if paa is not None:
        p = p[p["gyldig_fra"] <= pd.Timestamp(paa)]
        if p.empty:
            return unavailable(f"Ingen priser på '{ydelse}' gælder {pd.Timestamp(paa):%d.%m.%Y}.")
    # Each provider's price valid on the date: the latest from before it.
    p = p.sort_values(["leverandoer_id", "gyldig_fra"]).drop_duplicates("leverandoer_id",
                                                                        keep="last")
    chosen = enhed or p["enhed"].astype(str).mode().iloc[0]
    other = p[p["enhed"].astype(str) != chosen]
    notes = ()
    unit = ENHED_NAVN.get(chosen, chosen)
    if len(other):
        who = "1 leverandør" if len(other) == 1 else f"{len(other)} leverandører"
        notes = ((f"{who} prissætter '{ydelse}' i en anden enhed end pr. {unit} og er ikke "
                 "med i sammenligningen."),)
    p = p[p["enhed"].astype(str) == chosen].copy()
    if p.empty:
        return unavailable(f"Ingen leverandører prissætter '{ydelse}' pr. {unit}.", notes)
    p["omfang"] = float(omfang)
    p["aarlig_udgift"] = annual_cost(p.assign(tillaeg=0.0)).to_numpy()
    p["forskel_til_billigste"] = p["aarlig_udgift"] - p["aarlig_udgift"].min()
    names = (leverandoerer.set_index("leverandoer_id") if leverandoerer is not None
             and not leverandoerer.empty else None)
    lid = p["leverandoer_id"].astype(str)
    p["navn"] = lid.map(names["navn"]).fillna(lid) if names is not None else lid
    p["leverandoertype"] = (lid.map(names["leverandoertype"]).fillna(g.UKENDT)
                            if names is not None else g.UKENDT)
    p = p.sort_values(["aarlig_udgift", "navn", "leverandoer_id"])
    p["rang"] = p["aarlig_udgift"].round(2).rank(method="min").astype("int64")
    p["ydelse"] = ydelse
    return Prisberegning(tabel=g.ordered(p, TABEL), ydelse=ydelse, omfang=float(omfang),
                         enhed=chosen, noter=notes)
