"""Fremtidigt behov: own places needed in the next budget years against the own places.

From the budget forecast (`budget.forecast`, the one forecast; nothing is fitted here): per
paragraph with own offers and each future year, the forecast full-year persons with their
band (helaarspersoner_lav/_hoej: the rate trend's prediction interval) × the share to be
served in own provision = the need for own places (one full-year person fills one place for
a year). The share is the paragraph's self-sufficiency goal (`Indstillinger.
selvforsyning_maal`), else today's share (`self_sufficiency` in the forecast's last year:
the own offers keep their part of a growing or shrinking demand).

Signal: 'invester' when even the low need exceeds the places by at least one whole place,
'reducer' when even the high need is at least one place below them, else 'hold' (the
places lie within the uncertainty, or less than one place from it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data
from .grundlag import IkkeTilgaengelig, Indstillinger, settings
from .selvforsyning import self_sufficiency

SIGNALER = {
    "invester": "Investér i flere pladser",
    "hold": "Hold kapaciteten",
    "reducer": "Reducér kapaciteten",
}
MIN_PLADSER = 1.0  # a shortage or surplus under one whole place is no place to build or close

COLUMNS = ["paragraf", "aar", "pladser", "andel_egen", "andel_kilde", "helaarspersoner_lav",
           "helaarspersoner", "helaarspersoner_hoej", "behov_lav", "behov", "behov_hoej",
           "forskel", "signal", "signal_tekst"]


@dataclass(frozen=True)
class Kapacitetsbehov:
    """Need for own places per paragraph and future year.

    behov: COLUMNS; andel_kilde 'mål' or 'nuværende'; forskel = pladser − behov (positive:
    a surplus of places); signal invester/hold/reducer with its Danish label signal_tekst.
    uden_fremskrivning: paragraphs with own offers but no forecast line.
    """

    behov: pd.DataFrame
    uden_fremskrivning: tuple[str, ...]


def capacity_need(data: Data, ind: Indstillinger | None, forecast
                  ) -> Kapacitetsbehov | IkkeTilgaengelig:
    """Own places needed in the forecast years against the own places (module docstring).

    forecast: a `budget.Fremskrivning` of the same data (per paragraph lines).
    """
    ind = settings(ind)
    hvad = "Det fremtidige behov for egne pladser"
    if data.tilbud.empty:
        return IkkeTilgaengelig(hvad, "tabellen tilbud med kommunens egne pladser er ikke med "
                                "i data.")
    places = data.tilbud.groupby("paragraf", observed=True)["pladser"].sum()
    places = places[places > 0]
    lines = forecast.linjer
    fut = lines[(lines["aar"] > forecast.sidste_aar) & (lines["scenarie"] == "basis")
                & lines["linje"].isin(places.index)]
    missing = tuple(sorted(set(places.index) - set(lines["linje"])))
    if fut.empty:
        return IkkeTilgaengelig(hvad, "fremskrivningen har ingen linjer for de paragraffer, "
                                "kommunen har egne tilbud på. Behovet for pladser kræver en "
                                "fremskrivning pr. paragraf (budgetlinjer pr. paragraf eller "
                                "parameteren budget.budgetniveau: paragraf).")
    now = self_sufficiency(data, by="paragraf", years=[forecast.sidste_aar])
    current = (now.set_index("gruppe")["andel_egen"] if not isinstance(now, IkkeTilgaengelig)
               else pd.Series(dtype=float))
    par = fut["linje"].astype(str)
    goal = par.map(dict(ind.selvforsyning_maal)).astype(float)
    share = goal.fillna(par.map(current).astype(float))
    out = pd.DataFrame({
        "paragraf": par.to_numpy(),
        "aar": fut["aar"].to_numpy(),
        "pladser": par.map(places).to_numpy(dtype=float),
        "andel_egen": share.to_numpy(),
        "andel_kilde": np.where(goal.notna(), "mål", "nuværende"),
        "helaarspersoner_lav": fut["helaarspersoner_lav"].to_numpy(dtype=float),
        "helaarspersoner": fut["helaarspersoner"].to_numpy(dtype=float),
        "helaarspersoner_hoej": fut["helaarspersoner_hoej"].to_numpy(dtype=float),
    })
    for suffix in ("_lav", "", "_hoej"):
        out["behov" + suffix] = out["helaarspersoner" + suffix] * out["andel_egen"]
    out["forskel"] = out["pladser"] - out["behov"]
    out["signal"] = np.select(
        [out["behov_lav"] - out["pladser"] >= MIN_PLADSER,
         out["pladser"] - out["behov_hoej"] >= MIN_PLADSER],
        ["invester", "reducer"], default="hold")
    out.loc[out["andel_egen"].isna(), "signal"] = "hold"
    out["signal_tekst"] = out["signal"].map(SIGNALER)
    out = out.sort_values(["paragraf", "aar"]).reset_index(drop=True)
    return Kapacitetsbehov(behov=out[COLUMNS], uden_fremskrivning=missing)
