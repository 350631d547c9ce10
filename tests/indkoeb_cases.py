"""Builders of small hand-made municipalities for the indkoeb tests: the servicetjek builders
(grants, assessments, follow-ups, payments; providers L1 own, L2-L6 private with standard
contract, LX private without, LE own without) plus the three indkoeb tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
from servicetjek_cases import (  # noqa: F401  (re-exported for the tests)
    AS_OF,
    PROVIDERS,
    assessment,
    followup,
    grant,
    make,
    monthly,
    params,
    payments,
)

from socialanalyse.data import Data
from socialanalyse.data.contract import TABLES, conform, dtype


def with_tables(data: Data, **tables: list[dict]) -> Data:
    """`data` with kontrakter, prislister and/or tilsyn from hand-made rows (conformed to
    the contract's columns and dtypes, as the loader gives them)."""
    frames = {}
    for name, rows in tables.items():
        df = conform(name, pd.DataFrame(list(rows)))
        frames[name] = df.astype({c.name: dtype(c) for c in TABLES[name].columns})
    return dataclasses.replace(data, **frames)


def validated(data: Data) -> Data:
    """The same tables through Data.from_tables (pandera and the cross-table rules)."""
    return Data.from_tables({name: df for name, df in data.tables().items()})


def contract(kid: str, lev: str, start: str = "2024-01-01", *, bevilling: str | None = None,
             paragraf: str | None = None, slut: str | None = None, standard: bool = True,
             regulering: str | None = "pl-indeks", genforhandling: str | None = None,
             enhed: str | None = None, pris: float | None = None, foer: float | None = None,
             aendret: str | None = None) -> dict:
    """One row of kontrakter."""
    day = lambda d: pd.Timestamp(d) if d else pd.NaT
    return {"kontrakt_id": kid, "leverandoer_id": lev, "bevilling_id": bevilling,
            "paragraf": paragraf, "startdato": pd.Timestamp(start), "udloebsdato": day(slut),
            "standardkontrakt": standard, "prisregulering": regulering,
            "genforhandlingsdato": day(genforhandling), "enhed": enhed, "enhedspris": pris,
            "tidligere_enhedspris": foer, "prisaendring_dato": day(aendret)}


def price(lev: str, ydelse: str, pris: float, fra: str = "2025-01-01", enhed: str = "time",
          indhold: str | None = None, paragraf: str | None = "§85") -> dict:
    """One row of prislister."""
    return {"leverandoer_id": lev, "ydelse": ydelse, "paragraf": paragraf, "enhed": enhed,
            "enhedspris": float(pris), "gyldig_fra": pd.Timestamp(fra), "indhold": indhold}


def inspection(lev: str, dato: str, score: float, tilbud: str | None = None,
               tema: str | None = None) -> dict:
    """One row of tilsyn."""
    return {"leverandoer_id": lev, "tilbud": tilbud, "dato": pd.Timestamp(dato), "tema": tema,
            "bedoemmelse": float(score)}
