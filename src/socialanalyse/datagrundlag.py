"""The data behind a run: period covered, table sizes, citizens by group, spending.

Pure functions over `socialanalyse.data.Data` returning DataFrames or small frozen
dataclasses (no I/O, no plotting). Used by notebooks/00_datagrundlag.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import reference as ref
from .data import Data
from .data.contract import TABLES
from .data.derived import days_in_period, is_active
from .data.derived import reference_date as _reference_date

I_ALT = "I alt"


@dataclass(frozen=True)
class Periode:
    """The period the payments cover: first paid month to the reference date."""

    foerste_maaned: pd.Timestamp | None  # first day of the first month paid for
    opgoerelsesdato: pd.Timestamp | None  # last day of the latest month paid for
    antal_maaneder: int  # months from the first to the last paid month, both included


def period_covered(data: Data) -> Periode:
    """First paid month and reference date (`betalinger.periode.max() + MonthEnd`).

    E.g. payments for 2021-11 … 2026-10 give 2021-11-01, 2026-10-31 and 60 months.
    No payments: both None and 0 months.
    """
    periode = data.betalinger["periode"].dropna()
    if periode.empty:
        return Periode(None, None, 0)
    first, last = periode.min(), periode.max()
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return Periode(first.normalize(), (last + pd.offsets.MonthEnd(0)).normalize(), int(months))


def reference_date(data: Data) -> pd.Timestamp | None:
    """The extract's reference date (opgørelsesdato), derived from the payments."""
    return _reference_date(data.betalinger)


def table_counts(data: Data) -> pd.DataFrame:
    """Rows per canonical table: columns tabel, beskrivelse, raekker and filer (the names of
    the files it was read from, comma-separated; empty when none), in contract order."""
    return pd.DataFrame(
        {
            "tabel": list(TABLES),
            "beskrivelse": [t.beskrivelse for t in TABLES.values()],
            "raekker": [len(getattr(data, name)) for name in TABLES],
            "filer": [", ".join(p.name for p in data.kilder.get(name, ())) for name in TABLES],
        }
    )


def _order(by: str, values: pd.Index) -> list:
    """Groups in the order people know them: catalogue order for paragraf, målgruppe, type."""
    known = {
        "paragraf": list(ref.paragraffer()["paragraf"]),
        "kategori": list(dict.fromkeys(ref.paragraffer()["kategori"])),
        "maalgruppe": list(ref.MAALGRUPPER),
        "leverandoertype": list(ref.LEVERANDOERTYPER),
    }.get(by)
    present = list(values)
    if known is None:
        return sorted(present, key=str)
    return [v for v in known if v in present] + sorted(
        (v for v in present if v not in known), key=str
    )


def _grants_with_groups(data: Data) -> pd.DataFrame:
    """Grants joined with their citizen (målgruppe, køn) and paragraph catalogue (kategori)."""
    catalogue = ref.paragraffer()[["paragraf", "kategori", "lov"]]
    grants = data.bevillinger.merge(
        data.borgere[["borger_id", "maalgruppe", "koen"]], on="borger_id", how="left"
    )
    return grants.merge(catalogue, on="paragraf", how="left")


def citizens_by(
    data: Data, by: str, on: pd.Timestamp | str | None = None, total: bool = True
) -> pd.DataFrame:
    """Distinct citizens and grants per group.

    by: a column of bevillinger or borgere ('paragraf', 'maalgruppe', 'afdeling', 'koen', …)
    or of the paragraph catalogue ('kategori', 'lov'). on: count only grants active on that
    day (None: every grant in the data). Columns: <by>, antal_borgere (distinct citizens),
    antal_bevillinger. With total=True a last row 'I alt' holds the distinct citizens over all
    groups — less than the column's sum when a citizen is in more than one group.
    """
    grants = _grants_with_groups(data)
    if by not in grants.columns:
        raise KeyError(f"Kan ikke tælle borgere efter {by!r}: kolonnen findes ikke.")
    if on is not None:
        grants = grants[is_active(grants, on).to_numpy()]
    groups = grants.groupby(by, dropna=False)
    out = pd.DataFrame(
        {
            "antal_borgere": groups["borger_id"].nunique(),
            "antal_bevillinger": groups["bevilling_id"].size(),
        }
    )
    out = out.reindex(_order(by, out.index)).rename_axis(by).reset_index()
    out[by] = out[by].astype(object).where(out[by].notna(), "(ukendt)")
    if total:
        out.loc[len(out)] = {
            by: I_ALT,
            "antal_borgere": grants["borger_id"].nunique(),
            "antal_bevillinger": len(grants),
        }
    return out.astype({"antal_borgere": "int64", "antal_bevillinger": "int64"})


def spending_per_year(data: Data) -> pd.DataFrame:
    """Payments per calendar year: aar, udgift (kr), maaneder (months with payments), helt_aar
    (all 12 months present — the first and the current year are usually partial)."""
    pay = data.betalinger
    years = pay["periode"].dt.year
    out = pd.DataFrame(
        {
            "udgift": pay.groupby(years)["beloeb"].sum(),
            "maaneder": pay.groupby(years)["periode"].nunique(),
        }
    ).rename_axis("aar").reset_index()
    out["aar"] = out["aar"].astype("int64")
    out["maaneder"] = out["maaneder"].astype("int64")
    out["helt_aar"] = out["maaneder"].eq(12)
    return out


def latest_full_year(data: Data) -> int | None:
    """The latest calendar year with payments in all 12 months (None if there is none)."""
    years = spending_per_year(data)
    full = years.loc[years["helt_aar"], "aar"]
    return None if full.empty else int(full.max())


def spending_by_provider_type(data: Data, aar: int | None = None) -> pd.DataFrame:
    """Payments per provider type (egen drift, anden kommune, region, privat, selvejende).

    aar: one calendar year (None: all payments). Columns: leverandoertype, udgift (kr),
    andel (share of the total; NaN when the total is 0). Every type is listed, 0 if unused;
    payments to a provider missing from leverandoerer count as '(ukendt)'.
    """
    pay = data.betalinger
    if aar is not None:
        pay = pay[pay["periode"].dt.year == aar]
    types = pay.merge(
        data.leverandoerer[["leverandoer_id", "leverandoertype"]], on="leverandoer_id",
        how="left",
    )
    types["leverandoertype"] = types["leverandoertype"].fillna("(ukendt)")
    sums = types.groupby("leverandoertype")["beloeb"].sum()
    index = list(ref.LEVERANDOERTYPER) + sorted(set(sums.index) - set(ref.LEVERANDOERTYPER))
    sums = sums.reindex(index, fill_value=0.0)
    total = sums.sum()
    return pd.DataFrame(
        {
            "leverandoertype": sums.index,
            "udgift": sums.to_numpy(dtype=float),
            "andel": (sums / total).to_numpy(dtype=float) if total else float("nan"),
        }
    )


def warnings_table(data: Data) -> pd.DataFrame:
    """The loader's warnings (Data.advarsler) as a table with one column, advarsel."""
    return pd.DataFrame({"advarsel": pd.Series(list(data.advarsler), dtype=object)})


@dataclass(frozen=True)
class Overblik:
    """Headline figures of the data behind a run."""

    antal_borgere: int  # distinct citizens with a grant in the period
    antal_bevillinger: int  # grants in the period (active some day of it)
    aktive_bevillinger: int  # running on the reference date
    antal_borgere_aktive: int  # distinct citizens with a grant running on the reference date
    antal_leverandoerer: int
    foerste_maaned: pd.Timestamp | None
    opgoerelsesdato: pd.Timestamp | None
    seneste_hele_aar: int | None
    udgift_seneste_aar: float | None  # payments in seneste_hele_aar


def overview(data: Data) -> Overblik:
    """The headline figures recorded by notebook 00 (see `Overblik`).

    "In the period" is from the first paid month to the reference date: a grant that starts
    after the reference date, or ended before the first paid month, is in no period and is
    not counted (no payments: no period, so 0).
    """
    periode = period_covered(data)
    bev = data.bevillinger
    none = pd.Series(False, index=bev.index)
    if periode.opgoerelsesdato is None:
        active = in_period = none
    else:
        active = is_active(bev, periode.opgoerelsesdato)
        in_period = days_in_period(bev, periode.foerste_maaned, periode.opgoerelsesdato) > 0
    year = latest_full_year(data)
    spending = None
    if year is not None:
        spending = float(data.betalinger.loc[data.betalinger["periode"].dt.year == year,
                                             "beloeb"].sum())
    return Overblik(
        antal_borgere=int(bev.loc[in_period.to_numpy(), "borger_id"].nunique()),
        antal_bevillinger=int(in_period.sum()),
        aktive_bevillinger=int(active.sum()),
        antal_borgere_aktive=int(bev.loc[active.to_numpy(), "borger_id"].nunique()),
        antal_leverandoerer=len(data.leverandoerer),
        foerste_maaned=periode.foerste_maaned,
        opgoerelsesdato=periode.opgoerelsesdato,
        seneste_hele_aar=year,
        udgift_seneste_aar=spending,
    )
