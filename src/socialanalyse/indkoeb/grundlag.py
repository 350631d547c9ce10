"""What the indkoeb analyses share: the result type with its "not available" reason, the
years the payments cover, provider facts, and spending, full-year persons and units per grant
and year.

Spending is what was paid (`betalinger`); full-year persons are `derived.helaarspersoner`
over the days the payments cover; units and tillæg are what `derived.expected_payments` gives
at price 1 and price 0 (computed by its fast twin `servicetjek.arrays.expected_month`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import reference as ref
from ..data import Data, derived
from ..servicetjek import arrays

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
    seen = pd.Index(np.concatenate([data.bevillinger["leverandoer_id"].unique(),
                                    data.betalinger["leverandoer_id"].unique()])).astype(str)
    extra = seen.unique().difference(lev.index)
    if len(extra):
        lev = pd.concat([lev, pd.DataFrame({"navn": extra, "leverandoertype": UKENDT},
                                           index=extra)])
    return lev.rename_axis("leverandoer_id")


def providers_note(data: Data) -> tuple[str, ...]:
    if data.leverandoerer.empty:
        return (("Tabellen leverandoerer mangler, så leverandørerne vises med id og typen "
                 "'ukendt'."),)
    return ()


def month_number(dates) -> np.ndarray:
    """Months since 1970-01 (an integer per date)."""
    return np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


@dataclass(frozen=True)
class Linjer:
    """The payment lines as integers: i (the grant's row in data.bevillinger, -1 unknown),
    maaned (month number), beloeb; in month order, with `bounds` the first line of each month
    from `first` (so month first + k is lines bounds[k]:bounds[k + 1])."""

    i: np.ndarray
    maaned: np.ndarray
    beloeb: np.ndarray
    first: int
    bounds: np.ndarray

    @classmethod
    def of(cls, data: Data) -> Linjer:
        bet = data.betalinger
        i = arrays.positions(bet["bevilling_id"], data.bevillinger["bevilling_id"]).astype(np.int64)
        m = month_number(bet["periode"])
        order = np.argsort(m, kind="stable")
        i, m = i[order], m[order]
        amount = bet["beloeb"].to_numpy(dtype=float)[order]
        first = int(m.min()) if len(m) else 0
        last = int(m.max()) if len(m) else -1
        bounds = np.searchsorted(m, np.arange(first, last + 2))
        return cls(i, m, amount, first, bounds)

    def month(self, m: int) -> slice:
        k = m - self.first
        if k < 0 or k + 1 >= len(self.bounds):
            return slice(0, 0)
        return slice(int(self.bounds[k]), int(self.bounds[k + 1]))

    def for_grants(self, rows: np.ndarray) -> pd.Series:
        """Payments summed per (i, maaned) for the grants at `rows` only."""
        keep = np.isin(self.i, rows)
        frame = pd.DataFrame({"i": self.i[keep], "maaned": self.maaned[keep],
                              "beloeb": self.beloeb[keep]})
        return frame.groupby(["i", "maaned"])["beloeb"].sum()


@dataclass(frozen=True)
class Aarstal:
    """Per covered year (rows, in `aar` order) and grant (columns: rows of data.bevillinger):
    helaarspersoner (derived.helaarspersoner over the covered days), udgift (payments for the
    year's months), enheder (units delivered: servicetjek.arrays.expected_month at price 1,
    which equals derived.expected_payments), udgift_levering (payments for the months the grant
    delivered units; payments for other months, e.g. after its end, are the servicetjek's
    findings) and tillaeg (the grant's tillæg for its active days, kr)."""

    aar: list[Aar]
    helaarspersoner: np.ndarray
    udgift: np.ndarray
    enheder: np.ndarray
    udgift_levering: np.ndarray
    tillaeg: np.ndarray

    @classmethod
    def of(cls, data: Data, years: list[Aar], lines: Linjer | None = None) -> Aarstal:
        bev = data.bevillinger
        n, ny = len(bev), len(years)
        lines = lines or Linjer.of(data)
        hp = np.stack([derived.helaarspersoner(bev, a.aar, a.first, a.last).to_numpy()
                       for a in years]) if ny else np.zeros((0, n))
        out = {k: np.zeros((ny, n)) for k in ("udgift", "enheder", "udgift_levering", "tillaeg")}
        unit = arrays.GrantCost.of(bev.assign(enhedspris=1.0, tillaeg=0.0))
        extra = arrays.GrantCost.of(bev.assign(enhedspris=0.0))
        has_tillaeg = extra.tillaeg > 0
        for y, a in enumerate(years):  # a handful of years of twelve months, never grants
            for m in range(int(month_number([a.first])[0]), int(month_number([a.last])[0]) + 1):
                sl = lines.month(m)
                code = lines.i[sl]
                ok = code >= 0
                paid = np.bincount(code[ok], weights=lines.beloeb[sl][ok], minlength=n)
                out["udgift"][y] += paid
                first, nxt = arrays.month_days(m)
                idx = np.flatnonzero((unit.start < nxt) & (unit.end >= first))  # active grants
                units = arrays.expected_month(unit, m, 0.0, idx)
                out["enheder"][y, idx] += units
                out["udgift_levering"][y, idx] += np.where(units > 0, paid[idx], 0.0)
                t_idx = idx[has_tillaeg[idx]]
                out["tillaeg"][y, t_idx] += arrays.expected_month(extra, m, 0.0, t_idx)
        return cls(list(years), hp, **out)

    def select(self, years: list[Aar]) -> Aarstal:
        """The same figures for some of the years (each must be one of `aar`)."""
        have = [a.aar for a in self.aar]
        rows = [have.index(a.aar) for a in years]
        return Aarstal(list(years), *(getattr(self, f)[rows] for f in (
            "helaarspersoner", "udgift", "enheder", "udgift_levering", "tillaeg")))

    def long(self) -> pd.DataFrame:
        """One row per year and grant active in it or paid for in it: i, aar, aktiv (active
        on some covered day), and the per-grant figures."""
        y, i = np.nonzero((self.helaarspersoner > 0) | (self.udgift != 0))
        frame = pd.DataFrame({"i": i, "aar": np.array([a.aar for a in self.aar], np.int64)[y],
                              "aktiv": self.helaarspersoner[y, i] > 0})
        for name in ("helaarspersoner", "udgift", "enheder", "udgift_levering", "tillaeg"):
            frame[name] = getattr(self, name)[y, i]
        return frame


def year_figures(data: Data) -> Aarstal:
    """The per-grant figures of every year the payments cover (`Aarstal`). The supplier
    overview, price development, own vs external and contract coverage all start from them:
    compute them once and pass them on as `aarstal=` (on København-size data they take about
    half a second)."""
    return Aarstal.of(data, covered_years(data.betalinger))


def grant_years(data: Data, years: list[Aar], aarstal: Aarstal | None = None) -> pd.DataFrame:
    """One row per year and grant active or paid for in it (`Aarstal.long`), from `aarstal`
    (`year_figures`) when given."""
    figures = Aarstal.of(data, years) if aarstal is None else aarstal.select(years)
    return figures.long()


def grant_column(data: Data, column: str, i: np.ndarray) -> pd.Categorical:
    """A column of bevillinger for the grant rows `i`, as a Categorical (grouping by it then
    hashes each distinct value once, not every row)."""
    codes, uniques = pd.factorize(data.bevillinger[column].astype(str))
    return pd.Categorical.from_codes(codes[i], categories=pd.Index(uniques))


def with_grant_facts(data: Data, rows: pd.DataFrame, prov: pd.DataFrame,
                     columns=("leverandoer_id", "paragraf", "enhed")) -> pd.DataFrame:
    """`rows` (a column i = row of bevillinger) with the grants' `columns` and their provider's
    leverandoertype added as Categoricals (group with observed=True; `as_text` turns them
    back into text for a result)."""
    i = rows["i"].to_numpy()
    out = rows.copy()
    for c in columns:
        out[c] = grant_column(data, c, i)
    lev = grant_column(data, "leverandoer_id", i)
    types = prov["leverandoertype"].reindex(lev.categories).fillna(UKENDT)
    code, uniques = pd.factorize(types)
    out["leverandoertype"] = pd.Categorical.from_codes(code[lev.codes], categories=uniques)
    return out


def as_text(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The given columns that are Categorical, as text."""
    return frame.astype({c: "str" for c in columns
                         if c in frame and isinstance(frame[c].dtype, pd.CategoricalDtype)})


def citizen_codes(data: Data) -> np.ndarray:
    """Each grant's citizen as an integer (for counting distinct citizens fast)."""
    return pd.factorize(data.bevillinger["borger_id"])[0]


def citizens(data: Data, rows: pd.DataFrame, by: list[str]) -> pd.Series:
    """Distinct citizens per group of grant rows (`rows` has a column i = row of bevillinger);
    with a column aktiv, only the active rows count."""
    b = citizen_codes(data)[rows["i"].to_numpy()]
    if "aktiv" in rows:
        rows, b = rows[rows["aktiv"].to_numpy()], b[rows["aktiv"].to_numpy()]
    return rows.assign(_b=b).groupby(by, dropna=False, observed=True)["_b"].nunique()
