"""Builders of small hand-made municipalities for the servicetjek tests."""

from __future__ import annotations

import pandas as pd

from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.contract import TABLES, conform, dtype
from socialanalyse.data.tables import empty_table
from socialanalyse.servicetjek import with_overrides

AS_OF = pd.Timestamp("2026-10-31")

#: Providers: L1 own (egen drift), L2-L6 private with standard contract, LX private without
#: one, LE own without one (own provision never counts as an external purchase).
PROVIDERS = pd.DataFrame({
    "leverandoer_id": ["L1", "L2", "L3", "L4", "L5", "L6", "LX", "LE"],
    "navn": ["Eget bosted", "Privat 2", "Privat 3", "Privat 4", "Privat 5", "Privat 6",
             "Uden kontrakt ApS", "Eget uden kontrakt"],
    "leverandoertype": ["egen drift", "privat", "privat", "privat", "privat", "privat",
                        "privat", "egen drift"],
    "standardkontrakt": [True, True, True, True, True, True, False, False],
})


def params(prisindeks: float = 0.0, **servicetjek):
    """The eksempelkommune's parameters with another price index and servicetjek overrides."""
    p = load_parameters("eksempelkommune").model_copy(update={"prisindeks": prisindeks})
    return with_overrides(p, **servicetjek) if servicetjek else p


def grant(bid: str, borger: str, paragraf: str = "§107", lev: str = "L1",
          afdeling: str = "Voksen", start: str = "2025-01-01", slut: str | None = None,
          fslut: str | None = None, enhed: str = "doegn", pris: float = 2000.0,
          omfang: float = 7.0, tillaeg: float = 0.0) -> dict:
    """One row of bevillinger."""
    return {"bevilling_id": bid, "borger_id": borger, "paragraf": paragraf, "leverandoer_id": lev,
            "afdeling": afdeling, "startdato": pd.Timestamp(start),
            "slutdato": pd.Timestamp(slut) if slut else pd.NaT,
            "forventet_slutdato": pd.Timestamp(fslut) if fslut else pd.NaT,
            "enhed": enhed, "enhedspris": float(pris), "omfang": float(omfang),
            "tillaeg": float(tillaeg)}


def assessment(borger: str, dato: str, *levels: int) -> list[dict]:
    """An assessment: one row per theme (Egenomsorg, Mobilitet, ...) with the given levels."""
    themes = ["Egenomsorg", "Mobilitet", "Relationer", "Kommunikation", "Samfundsliv",
              "Praktiske opgaver"]
    return [{"borger_id": borger, "dato": pd.Timestamp(dato), "metode": "VUM2", "tema": t,
             "niveau": int(lvl)} for t, lvl in zip(themes, levels)]


def followup(bid: str, dato: str, type_: str = "opfølgning", resultat: str = "uændret") -> dict:
    return {"bevilling_id": bid, "dato": pd.Timestamp(dato), "type": type_, "resultat": resultat}


def payments(bid: str, lev: str, months: dict[str, float] | list[tuple[str, float]],
             funktion: str = "5.38.52") -> list[dict]:
    """Payment lines: {"2026-01": 10000.0, ...} or a list of (month, amount) (repeats allowed)."""
    items = months.items() if isinstance(months, dict) else months
    return [{"bevilling_id": bid, "leverandoer_id": lev, "periode": pd.Timestamp(m + "-01"),
             "beloeb": float(a), "funktion": funktion} for m, a in items]


def monthly(first: str, last: str, amount: float) -> dict[str, float]:
    """The same amount every month from first to last ('2025-01', '2026-10')."""
    return {f"{d:%Y-%m}": amount for d in pd.date_range(first + "-01", last + "-01", freq="MS")}


def make(grants: list[dict], vurderinger: list[dict] = (), opfoelgninger: list[dict] = (),
         betalinger: list[dict] = (), validate: bool = False) -> Data:
    """A Data from hand-made rows; citizens are created for every borger_id seen.

    The tables are conformed but, for speed, validated by pandera only with validate=True
    (test_cases_are_valid_data checks that the builders make valid data).
    """
    bev = pd.DataFrame(grants)
    vur = pd.DataFrame(list(vurderinger), columns=["borger_id", "dato", "metode", "tema", "niveau"])
    ids = sorted(set(bev["borger_id"]) | set(vur["borger_id"]))
    borgere = pd.DataFrame({"borger_id": ids, "foedselsaar": 1980, "koen": "K",
                            "maalgruppe": "Autisme"})
    tables = {"borgere": borgere, "leverandoerer": PROVIDERS, "bevillinger": bev,
              "vurderinger": vur,
              "opfoelgninger": pd.DataFrame(list(opfoelgninger),
                                            columns=["bevilling_id", "dato", "type", "resultat"]),
              "betalinger": pd.DataFrame(list(betalinger), columns=[
                  "bevilling_id", "leverandoer_id", "periode", "beloeb", "funktion"])}
    for name in ("vurderinger", "opfoelgninger", "betalinger"):
        for col in ("dato", "periode"):
            if col in tables[name].columns:
                tables[name][col] = pd.to_datetime(tables[name][col])
    if validate:
        return Data.from_tables(tables)
    full = {n: _coerce(n, conform(n, tables[n])) if n in tables else empty_table(n)
            for n in TABLES}
    return Data(kommune="eksempelkommune", **full)


def _coerce(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The contract's dtypes, as pandera's coercion gives them after loading."""
    return df.astype({c.name: dtype(c) for c in TABLES[name].columns if c.name in df})


def rule(flags: pd.DataFrame, regel: str) -> pd.DataFrame:
    """The flags of one rule, indexed by bevilling_id."""
    return flags[flags["regel"] == regel].set_index("bevilling_id")
