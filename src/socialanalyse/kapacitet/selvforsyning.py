"""Selvforsyning: the share of full-year persons served in the municipality's own provision.

The one definition of the self-sufficiency rate (Brønderslev's goal of 90 % on botilbud):
full-year persons (`derived.helaarspersoner`: a grant's active days / days in the year,
counted per grant as the budget counts them) in grants whose provider is 'egen drift',
divided by all full-year persons, per group and year. A year the extract only partly covers
(the current year: January to the reference date) counts the days it covers. The nøgletal
`selvforsyningsgrad` is this function over the botilbud paragraphs together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..data import Data, derived
from .grundlag import IkkeTilgaengelig, own_provision, period

SAMLET = ""  # gruppe of the rate over all the chosen paragraphs
COLUMNS = ["gruppe", "aar", "helaarspersoner", "helaarspersoner_egen", "andel_egen", "komplet",
           "maal", "afvigelse"]


def self_sufficiency(
    data: Data,
    by: str = "paragraf",
    years: Iterable[int] | None = None,
    paragraffer: Iterable[str] | None = None,
    maal: float | Mapping[str, float] | None = None,
) -> pd.DataFrame | IkkeTilgaengelig:
    """Self-sufficiency per group and year (module docstring).

    by: 'paragraf', 'maalgruppe' (the citizen's) or 'samlet' (one group, gruppe '').
    years: default every year the extract touches. paragraffer: only these (default all).
    maal: the goal, one share for every group or a share per group (missing groups: NaN).
    Returns COLUMNS: helaarspersoner (all), helaarspersoner_egen, andel_egen (NaN without
    full-year persons), komplet (the whole year lies in the extract), maal and afvigelse
    (andel_egen − maal). Needs bevillinger and leverandoerer, nothing else.
    """
    if by not in ("paragraf", "maalgruppe", "samlet"):
        raise ValueError(f"by skal være 'paragraf', 'maalgruppe' eller 'samlet' (fik {by!r})")
    own = own_provision(data)
    if isinstance(own, IkkeTilgaengelig):
        return IkkeTilgaengelig("Selvforsyningsgraden", own.aarsag)
    per = period(data)
    bev = data.bevillinger
    keep = np.ones(len(bev), dtype=bool) if paragraffer is None else (
        bev["paragraf"].isin(list(paragraffer)).to_numpy())
    bev, own = bev[keep], own.to_numpy()[keep]
    if by == "paragraf":
        group = bev["paragraf"].astype(str).to_numpy()
    elif by == "maalgruppe":
        group = bev["borger_id"].map(data.borgere.set_index("borger_id")["maalgruppe"]
                                     ).astype(object).fillna("Ukendt målgruppe").to_numpy()
    else:
        group = np.full(len(bev), SAMLET, dtype=object)
    years = list(range(per.first.year, per.last.year + 1) if years is None else years)
    frames = []
    for year in years:
        hp = derived.helaarspersoner(bev, year, per.first, per.last).to_numpy(dtype=float)
        f = pd.DataFrame({"gruppe": group, "hp": hp, "egen": np.where(own, hp, 0.0)})
        agg = f.groupby("gruppe", sort=True)[["hp", "egen"]].sum()
        agg = agg[agg["hp"] > 0] if by != "samlet" else agg.reindex([SAMLET], fill_value=0.0)
        frames.append(pd.DataFrame({
            "gruppe": agg.index.astype(str),
            "aar": year,
            "helaarspersoner": agg["hp"].to_numpy(),
            "helaarspersoner_egen": agg["egen"].to_numpy(),
            "komplet": per.first <= pd.Timestamp(year, 1, 1) and per.last >= pd.Timestamp(
                year, 12, 31),
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["gruppe", "aar", "helaarspersoner", "helaarspersoner_egen", "komplet"])
    hp = out["helaarspersoner"].to_numpy(dtype=float)
    out["andel_egen"] = np.divide(out["helaarspersoner_egen"].to_numpy(dtype=float), hp,
                                  out=np.full(len(out), np.nan), where=hp > 0)
    if isinstance(maal, Mapping):
        out["maal"] = out["gruppe"].map(maal).astype(float)
    else:
        out["maal"] = np.nan if maal is None else float(maal)
    out["afvigelse"] = out["andel_egen"] - out["maal"]
    return out[COLUMNS]
