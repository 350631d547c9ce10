"""The decisions of every meeting together (`combine_decisions`): the servicetjek as a monthly
routine reads all filled review lists in the decisions folder (decisions.read_decision_folder),
keeps the latest decision per grant and says what it could not use. Pure computations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data
from .base import fmt_dato
from .review import BeslutningsFejl, parse_number

#: Columns of the review sheet that record the grant as it was when it was decided (memory.py
#: compares them with the grant now).
SNAPSHOT_COLUMNS = ("enhedspris_nu", "omfang")
_NUMBERS = ["ny_enhedspris", "nyt_omfang", "ny_aarlig_udgift"]


@dataclass(frozen=True)
class Gennemgangsliste:
    """One filled review list: the file and sheet it came from, the validated decisions
    (review.validate_decisions) and the sheet's raw columns (for the snapshot columns)."""

    fil: str
    ark: str
    beslutninger: pd.DataFrame
    raa: pd.DataFrame


@dataclass(frozen=True)
class Beslutninger:
    """Every meeting's decisions combined.

    filer: fil, ark, antal_raekker, antal_besluttet, moededato (the sheet's latest decision
    date). alle: every decided row (fil, ark, raekke, bevilling_id, regler, beslutning,
    beslutningsdato, dato, the new price/volume/cost, bemaerkning, enhedspris_nu, omfang);
    `dato` is beslutningsdato, or the sheet's latest decision date for an undated 'uændret'.
    gaeldende: the decision in force per grant (the latest; beslutningsdato = dato).
    gentagne: grants decided more than once: bevilling_id, antal_beslutninger, gaeldende and
    tidligere (Danish text naming decision, date, file and row). ukendte: decisions for grants
    not in the data (fil, ark, raekke, bevilling_id, beslutning, dato). modstrid: grants with
    two different decisions on the same date (bevilling_id, dato, beslutninger: text); none of
    those is used, an earlier decision stands. sete: every grant on any list, decided or not.
    """

    filer: pd.DataFrame
    alle: pd.DataFrame
    gaeldende: pd.DataFrame
    gentagne: pd.DataFrame
    ukendte: pd.DataFrame
    modstrid: pd.DataFrame
    sete: frozenset[str]

    @property
    def antal(self) -> int:
        """Grants with a decision in force."""
        return len(self.gaeldende)


def _snapshot(raw: pd.DataFrame) -> pd.DataFrame:
    """raekke and the snapshot columns of a raw sheet as numbers (NaN when missing/unreadable)."""
    out = pd.DataFrame({"raekke": raw["raekke"].to_numpy()})
    for c in SNAPSHOT_COLUMNS:
        out[c] = raw[c].map(parse_number).to_numpy(dtype=float) if c in raw else np.nan
    return out


def _where(d: pd.DataFrame) -> pd.Series:
    return d["fil"] + ", ark '" + d["ark"] + "', række " + d["raekke"].astype(str)


def _said(d: pd.DataFrame) -> pd.Series:
    """'justeret 09.03.2027 (maaned3.xlsx, ark 'Gennemgangsliste', række 7)'."""
    return d["beslutning"] + " " + fmt_dato(d["dato"]) + " (" + _where(d) + ")"


def combine_decisions(lists: list[Gennemgangsliste], data: Data) -> Beslutninger:
    """Combine the filled review lists of every meeting (see Beslutninger).

    The latest decision per grant wins (by date; on the same date, identical decisions in
    several files count once). A decision without a date ('uændret' needs none) takes the
    latest decision date of its sheet (the meeting's date); a sheet with decisions but no date
    at all is an error (BeslutningsFejl), as the order could not be known.
    """
    cols = ["fil", "ark", "raekke", "bevilling_id", "regler", "beslutning", "beslutningsdato",
            "dato", *_NUMBERS, "bemaerkning", *SNAPSHOT_COLUMNS]
    parts, files, undated = [], [], []
    for gl in lists:
        d = gl.beslutninger.merge(_snapshot(gl.raa), on="raekke", how="left")
        d = d.assign(fil=gl.fil, ark=gl.ark)
        if "regler" not in d:
            d["regler"] = None
        decided = d[d["beslutning"].notna()]
        moede = decided["beslutningsdato"].max()
        if len(decided) and pd.isna(moede):
            undated.append(f"{gl.fil}, arket '{gl.ark}': ingen af beslutningerne har en "
                           "beslutningsdato; skriv mødets dato i kolonnen Beslutningsdato ved "
                           "mindst én beslutning")
        d["dato"] = d["beslutningsdato"].fillna(moede)
        files.append({"fil": gl.fil, "ark": gl.ark, "antal_raekker": len(d),
                      "antal_besluttet": len(decided), "moededato": moede})
        parts.append(d.reindex(columns=cols))
    if undated:
        raise BeslutningsFejl("De udfyldte gennemgangslister kan ikke ordnes i tid:\n"
                              + "\n".join(f"  - {u}" for u in undated),
                              [(None, None, u) for u in undated])
    every = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    sete = frozenset(every["bevilling_id"].dropna().astype(str))
    d = every[every["beslutning"].notna()].copy()
    d["dato"] = pd.to_datetime(d["dato"])
    known = d["bevilling_id"].isin(data.bevillinger["bevilling_id"])
    ukendte = d.loc[~known, ["fil", "ark", "raekke", "bevilling_id", "beslutning", "dato"]]
    d = d[known].sort_values(["bevilling_id", "dato", "fil", "ark", "raekke"], kind="stable")
    # What was decided: the decision and its numbers (the same in two files counts once).
    sig = d["beslutning"].astype(str)
    for c in _NUMBERS:
        sig = sig + "|" + d[c].round(2).fillna(-1.0).astype(str)  # NaN would blank it
    d = d.assign(_sig=sig.to_numpy()).drop_duplicates(["bevilling_id", "dato", "_sig"])
    clash = d.groupby(["bevilling_id", "dato"])["_sig"].transform("nunique") > 1
    c = d[clash].assign(_txt=_said(d[clash]))
    modstrid = (c.groupby(["bevilling_id", "dato"], as_index=False)["_txt"].agg(" og ".join)
                .rename(columns={"_txt": "beslutninger"}))
    d = d[~clash].drop(columns="_sig")
    d = d.assign(_txt=_said(d))
    g = d.groupby("bevilling_id", sort=False)
    gaeldende = g.tail(1).drop(columns="_txt").reset_index(drop=True)
    gaeldende["beslutningsdato"] = gaeldende["dato"]
    n = g["_txt"].transform("size")
    many = d[n > 1]
    gentagne = pd.DataFrame({
        "antal_beslutninger": many.groupby("bevilling_id", sort=False).size(),
        "gaeldende": many.groupby("bevilling_id", sort=False)["_txt"].last(),
        "tidligere": many.groupby("bevilling_id", sort=False)["_txt"].agg(
            lambda t: "; ".join(t.iloc[:-1])),
    }).rename_axis("bevilling_id").reset_index()
    return Beslutninger(
        filer=pd.DataFrame(files, columns=["fil", "ark", "antal_raekker", "antal_besluttet",
                                           "moededato"]),
        alle=d.drop(columns="_txt").reset_index(drop=True),
        gaeldende=gaeldende,
        gentagne=gentagne,
        ukendte=ukendte.reset_index(drop=True),
        modstrid=modstrid,
        sete=sete,
    )
