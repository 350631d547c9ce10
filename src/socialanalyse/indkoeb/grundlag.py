"""What the indkoeb analyses share: the result type with its "not available" reason, the
years the payments cover, provider facts, and spending, full-year persons and units per grant
and year.

Spending is what was paid (`betalinger`); full-year persons are `derived.helaarspersoner`
over the days the payments cover; units are `derived.expected_payments` at price 1 (the same
month arithmetic as the payment checks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data, derived
from ..data import reference as ref

EGEN_DRIFT = "egen drift"
#: Provider types that are external purchases (the buyer role).
EKSTERNE = ("anden kommune", "region", "privat", "selvejende")
UKENDT = "ukendt"
#: The label of total rows (as datagrundlag uses it).
I_ALT = "I alt"
#: Relative tolerance for "at or above" comparisons of float shares (as servicetjek's TOL).
TOL = 1e-9


@dataclass(frozen=True, kw_only=True)
class Resultat:
    """What every indkoeb result has besides its tables.

    mangler: a Danish reason when the analysis cannot be made at all (a table it needs is
    missing or empty); the tables are then empty but have their columns. noter: Danish notes
    on what the figures leave out (shown under the table).
    """

    mangler: str | None = None
    noter: tuple[str, ...] = ()

    @property
    def tilgaengelig(self) -> bool:
        """True when the analysis could be made."""
        return self.mangler is None


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with the given columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def ordered(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The frame's columns in the documented order (a fresh index)."""
    return frame[list(columns)].reset_index(drop=True)


def in_catalogue_order(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows sorted by `by`, paragraphs in catalogue order and provider types in the
    contract's order (egen drift first) rather than alphabetically."""
    rank = {"paragraf": {p: i for i, p in enumerate(ref.paragraffer()["paragraf"])},
            "leverandoertype": {t: i for i, t in enumerate(ref.LEVERANDOERTYPER)}}
    keys = {c: frame[c].map(rank[c]).fillna(len(rank[c])) if c in rank else frame[c]
            for c in by}
    idx = pd.DataFrame(keys).sort_values(by, na_position="last", kind="stable").index
    return frame.loc[idx]


def missing_table(name: str, what: str) -> str:
    """The Danish reason for an analysis that needs an optional table that is empty."""
    return (f"Tabellen {name} mangler eller er tom, så {what} kan ikke vises. Læg et udtræk "
            f"i datamappen og angiv det under data.tabeller.{name} i parameterfilen "
            f"(se data/README.md).")


@dataclass(frozen=True)
class Aar:
    """A calendar year as far as the payments cover it: days from `first` to `last`."""

    aar: int
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def helt(self) -> bool:
        """True when the payments cover the whole year."""
        return (self.first == pd.Timestamp(self.aar, 1, 1)
                and self.last == pd.Timestamp(self.aar, 12, 31))

    @property
    def maaneder(self) -> int:
        return self.last.month - self.first.month + 1


def covered_years(betalinger: pd.DataFrame, years=None) -> list[Aar]:
    """The calendar years the payments cover, from the first paid month to the reference date
    (the last day of the latest paid month); with `years`, only those of them."""
    as_of = derived.reference_date(betalinger)
    if as_of is None:
        return []
    first = pd.Timestamp(betalinger["periode"].min()).to_period("M").to_timestamp()
    wanted = None if years is None else {int(y) for y in np.atleast_1d(years)}
    out = []
    for y in range(first.year, as_of.year + 1):
        if wanted is None or y in wanted:
            out.append(Aar(y, max(first, pd.Timestamp(y, 1, 1)), min(as_of, pd.Timestamp(y, 12, 31))))
    return out


def uncovered_note(years, covered: list[Aar]) -> tuple[str, ...]:
    """A note naming requested years the payments do not cover."""
    if years is None:
        return ()
    have = {a.aar for a in covered}
    gone = sorted({int(y) for y in np.atleast_1d(years)} - have)
    if not gone:
        return ()
    return (f"Betalingerne dækker ikke {', '.join(map(str, gone))}, så de år er ikke med.",)


def providers(data: Data) -> pd.DataFrame:
    """Name and type per leverandoer_id (index), for every provider in leverandoerer and in
    the grants and payments; providers missing from leverandoerer get their id as name and the
    type 'ukendt'."""
    lev = data.leverandoerer.set_index("leverandoer_id")[["navn", "leverandoertype"]].astype(str)
    seen = pd.Index(pd.concat([data.bevillinger["leverandoer_id"],
                               data.betalinger["leverandoer_id"]]).astype(str).unique())
    extra = seen.difference(lev.index)
    if len(extra):
        lev = pd.concat([lev, pd.DataFrame({"navn": extra, "leverandoertype": UKENDT},
                                           index=extra)])
    return lev.rename_axis("leverandoer_id")


def providers_note(data: Data) -> tuple[str, ...]:
    if data.leverandoerer.empty:
        return (("Tabellen leverandoerer mangler, så leverandørerne vises med id og typen "
                "'ukendt'."),)
    return ()


def grant_years(data: Data, years: list[Aar]) -> pd.DataFrame:
    """One row per grant and covered year in which it was active: i (the grant's row in
    data.bevillinger), aar, helaarspersoner (over the covered days), udgift (payments on the
    grant for the year's months)."""
    bev = data.bevillinger
    parts = []
    for a in years:  # a handful of years, not grants
        hp = derived.helaarspersoner(bev, a.aar, a.first, a.last).to_numpy()
        active = np.flatnonzero(hp > 0)
        parts.append(pd.DataFrame({"i": active, "aar": a.aar, "helaarspersoner": hp[active]}))
    gy = (pd.concat(parts, ignore_index=True) if parts
          else pd.DataFrame({"i": pd.Series(dtype=np.int64), "aar": pd.Series(dtype=np.int64),
                             "helaarspersoner": pd.Series(dtype=float)}))
    paid = paid_by_grant_year(data)
    gy = gy.merge(paid, on=["i", "aar"], how="left")
    gy["udgift"] = gy["udgift"].fillna(0.0)
    return gy


def paid_by_grant_year(data: Data) -> pd.DataFrame:
    """Payments summed per grant (i, row in data.bevillinger) and calendar year: i, aar,
    udgift."""
    bet = data.betalinger
    i = pd.Index(data.bevillinger["bevilling_id"]).get_indexer(bet["bevilling_id"])
    frame = pd.DataFrame({"i": i, "aar": bet["periode"].dt.year.to_numpy(),
                          "udgift": bet["beloeb"].to_numpy(dtype=float)})
    return frame[frame["i"] >= 0].groupby(["i", "aar"], as_index=False)["udgift"].sum()


def month_number(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Months since 1970-01 (an integer per date)."""
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def paid_by_grant_month(data: Data) -> pd.Series:
    """Payments summed per grant and month: a Series indexed by (i, maaned) where i is the row
    in data.bevillinger and maaned the month number (`month_number`)."""
    bet = data.betalinger
    i = pd.Index(data.bevillinger["bevilling_id"]).get_indexer(bet["bevilling_id"])
    frame = pd.DataFrame({"i": i, "maaned": month_number(bet["periode"]),
                          "udgift": bet["beloeb"].to_numpy(dtype=float)})
    return frame[frame["i"] >= 0].groupby(["i", "maaned"])["udgift"].sum()


def units_by_month(bevillinger: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
                   ) -> pd.DataFrame:
    """Units each grant delivers in each month from `first` to `last` (its active days × omfang,
    as derived.expected_payments counts them): i (row of bevillinger), maaned, enheder."""
    unit = bevillinger.assign(enhedspris=1.0, tillaeg=0.0,
                              bevilling_id=np.arange(len(bevillinger)).astype(str))
    e = derived.expected_payments(unit, first, last, 0.0)
    return pd.DataFrame({"i": e["bevilling_id"].astype(np.int64).to_numpy(),
                         "maaned": month_number(e["periode"]),
                         "enheder": e["forventet"].to_numpy()})


def citizens(data: Data, rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """Distinct citizens per group of grant rows (`rows` has a column i = row of bevillinger)."""
    b = data.bevillinger["borger_id"].to_numpy()
    return rows.assign(_b=b[rows["i"].to_numpy()]).groupby(by)["_b"].nunique()
