"""Shared groundwork for the budget analyses: budget lines, settings, per-grant quantities.

A *budget line* is a paragraph (e.g. "§107") or a målgruppe (e.g. "Autisme"), whichever the
year's budget table uses; a grant belongs to the paragraph line of its paragraf, else to the
målgruppe line of its citizen, else to `OEVRIGE`. Without budget lines for the year, lines are
per paragraph or per målgruppe (`Indstillinger.budgetniveau`).

Quantities follow the data contract and `socialanalyse.data.derived`: full-year persons
(helårspersoner) are active days / days in the year, summed over grants; spending comes from
betalinger (by the month paid for); months are handled as integer ordinals (year*12 + month-1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import reference as ref
from ..data import Data, derived

#: The line of grants that no budget line covers.
OEVRIGE = "Øvrige (ikke budgetteret)"


@dataclass(frozen=True)
class Indstillinger:
    """Settings of the budget analyses (from `parametre.budget` and `parametre.prisindeks`).

    Notebooks use `Indstillinger.fra(parametre)`; the defaults here are those of
    parameters/default.yaml, so unit tests can construct it with only what they vary.
    """

    prisindeks: float = 0.025
    budgetniveau: str = "paragraf"
    historik_maaneder: int = 24
    backtest_aar: int = 4
    usikkerhed_z: float = 1.645
    prognose_aar: int = 3
    scenarie_sandsynlighed: float = 0.8
    dyr_bevilling: float = 1_000_000.0
    prisstigning_graense: float = 0.08
    antal_aarsager: int = 5
    aar: int | None = None  # the budget year; None: the year of the reference month
    opgjort: dt.date | None = None  # the month to account at; None: the reference month

    @classmethod
    def fra(cls, parametre) -> Indstillinger:
        """The settings of a municipality's `Parametre` (its budget section and prisindeks)."""
        b = parametre.budget
        return cls(
            prisindeks=float(parametre.prisindeks),
            budgetniveau=b.budgetniveau,
            historik_maaneder=b.historik_maaneder,
            backtest_aar=b.backtest_aar,
            usikkerhed_z=b.usikkerhed_z,
            prognose_aar=b.prognose_aar,
            scenarie_sandsynlighed=b.scenarie_sandsynlighed,
            dyr_bevilling=b.dyr_bevilling,
            prisstigning_graense=b.prisstigning_graense,
            antal_aarsager=b.antal_aarsager,
            aar=b.aar,
            opgjort=b.opgjort,
        )


# --- months -----------------------------------------------------------------------------------


def month_ord(d: pd.Series | pd.Timestamp) -> np.ndarray | int:
    """Month ordinal year*12 + month-1 (NaT in a Series -> -1)."""
    if isinstance(d, pd.Timestamp):
        return d.year * 12 + d.month - 1
    o = d.dt.year * 12 + d.dt.month - 1
    return o.fillna(-1).to_numpy(dtype=np.int64)


def ord_to_month(o: int) -> pd.Timestamp:
    """The first day of the month with ordinal o."""
    return pd.Timestamp(int(o) // 12, int(o) % 12 + 1, 1)


def month_end(o: int) -> pd.Timestamp:
    """The last day of the month with ordinal o."""
    return ord_to_month(o) + pd.offsets.MonthEnd(0)


def days_in_year(year: int) -> int:
    return 366 if pd.Timestamp(year, 12, 31).day_of_year == 366 else 365


def reference_month(data: Data) -> pd.Timestamp:
    """The latest month with payments (first day): the extract's reference month."""
    if data.betalinger.empty:
        raise ValueError("Der er ingen betalinger i data, så der er ingen opgørelsesmåned.")
    return pd.Timestamp(data.betalinger["periode"].max()).to_period("M").to_timestamp()


def opgoerelsesdato(data: Data) -> pd.Timestamp:
    """The reference date: the last day of the latest payment month."""
    reference_month(data)  # raises the Danish error when there are no payments
    return derived.reference_date(data.betalinger)


def first_month(data: Data) -> pd.Timestamp:
    """The earliest month with payments (first day)."""
    return pd.Timestamp(data.betalinger["periode"].min()).to_period("M").to_timestamp()


def complete_years(data: Data) -> list[int]:
    """Calendar years whose twelve months all lie within the payment data."""
    if data.betalinger.empty:
        return []
    lo, hi = first_month(data), reference_month(data)
    first = lo.year if lo.month == 1 else lo.year + 1
    last = hi.year if hi.month == 12 else hi.year - 1
    return list(range(first, last + 1))


def parse_as_of(data: Data, year: int | None, as_of) -> tuple[int, int]:
    """(year, month ordinal of as_of): defaults to the reference month, or December of a past
    year. The month must lie in the year and not after the reference month."""
    ref_month = reference_month(data)
    if year is None:
        year = ref_month.year if as_of is None else pd.Timestamp(as_of).year
    if as_of is None:
        as_of = ref_month if ref_month.year == year else pd.Timestamp(year, 12, 1)
    m = pd.Timestamp(as_of).to_period("M").to_timestamp()
    if m.year != year:
        raise ValueError(f"Opgørelsesmåneden {m:%m.%Y} ligger ikke i budgetåret {year}.")
    if m > ref_month:
        raise ValueError(
            f"Der er kun betalinger til og med {ref_month:%m.%Y}; vælg en tidligere måned."
        )
    return int(year), int(month_ord(m))


# --- budget lines -----------------------------------------------------------------------------


def budget_rows(data: Data, year: int) -> pd.DataFrame:
    """The budget table's rows for one year."""
    b = data.budget
    return b[b["aar"] == year]


def _is_child_line(linje: str) -> bool:
    cat = ref.paragraffer().set_index("paragraf")["maalgruppe_type"]
    if linje in cat.index:
        return cat[linje] == "børn"
    return linje in ref.MAALGRUPPER_BOERN


def line_info(lines: pd.Index) -> pd.DataFrame:
    """Per line: linjetype (paragraf/maalgruppe/oevrige), kategori and børn/voksne."""
    cat = ref.paragraffer().set_index("paragraf")
    rows = []
    for linje in lines:
        if linje in cat.index:
            rows.append(("paragraf", cat.at[linje, "kategori"], cat.at[linje, "maalgruppe_type"]))
        elif linje in ref.MAALGRUPPER:
            rows.append(("maalgruppe", "Målgruppe",
                         "børn" if linje in ref.MAALGRUPPER_BOERN else "voksne"))
        else:
            rows.append(("oevrige", "Øvrige", "alle"))
    return pd.DataFrame(rows, index=lines, columns=["linjetype", "kategori", "aldersgruppe"])


def assign_lines(data: Data, year: int | None = None, niveau: str = "paragraf") -> pd.Series:
    """The budget line of each grant (aligned with data.bevillinger), named 'linje'.

    With budget lines for `year`: the grant's paragraf if it is a line, else its citizen's
    målgruppe if that is a line, else OEVRIGE. Otherwise per `niveau` (paragraf/maalgruppe).
    """
    bev = data.bevillinger
    maalgruppe = bev["borger_id"].map(data.borgere.set_index("borger_id")["maalgruppe"])
    rows = budget_rows(data, year) if year is not None else data.budget.iloc[:0]
    if rows.empty:
        out = bev["paragraf"] if niveau == "paragraf" else maalgruppe.fillna(OEVRIGE)
        return out.astype(str).rename("linje")
    par_lines = set(rows["paragraf"].dropna())
    mg_lines = set(rows["maalgruppe"].dropna())
    out = np.where(
        bev["paragraf"].isin(par_lines),
        bev["paragraf"].to_numpy(dtype=object),
        np.where(maalgruppe.isin(mg_lines), maalgruppe.to_numpy(dtype=object), OEVRIGE),
    )
    return pd.Series(out, index=bev.index, name="linje").astype(str)


# --- per-grant quantities ---------------------------------------------------------------------


@dataclass(frozen=True)
class Grants:
    """The grant table as numpy arrays, with line codes, for fast vectorised sums."""

    lines: pd.Index  # line labels; code i -> lines[i]
    code: np.ndarray  # line code per grant
    start: np.ndarray  # datetime64[D]
    slut: np.ndarray  # datetime64[D], NaT = open
    forventet_slut: np.ndarray  # datetime64[D], NaT = none
    annual: np.ndarray  # derived.annual_cost (granted price, before indexation)
    start_year: np.ndarray

    @property
    def n_lines(self) -> int:
        return len(self.lines)

    def by_line(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum of per-grant values per line code."""
        w = values if mask is None else np.where(mask, values, 0.0)
        return np.bincount(self.code, weights=w, minlength=self.n_lines)


def grants(data: Data, lines: pd.Series) -> Grants:
    """Arrays of data.bevillinger with the given line per grant."""
    from ..data.derived import annual_cost

    bev = data.bevillinger
    codes, uniques = pd.factorize(lines, sort=True)
    return Grants(
        lines=pd.Index(uniques, name="linje"),
        code=codes.astype(np.int64),
        start=bev["startdato"].to_numpy().astype("datetime64[D]"),
        slut=bev["slutdato"].to_numpy().astype("datetime64[D]"),
        forventet_slut=bev["forventet_slutdato"].to_numpy().astype("datetime64[D]"),
        annual=annual_cost(bev).to_numpy(dtype=float),
        start_year=bev["startdato"].dt.year.to_numpy(),
    )


def active_days(start: np.ndarray, slut: np.ndarray, first, last) -> np.ndarray:
    """Days each grant is active within [first, last] (both inclusive); NaT end = open."""
    lo = np.datetime64(pd.Timestamp(first).date(), "D")
    hi = np.datetime64(pd.Timestamp(last).date(), "D")
    s = np.maximum(start, lo)
    e = np.where(np.isnat(slut), hi, np.minimum(slut, hi))
    return np.clip((e - s).astype(np.int64) + 1, 0, None).astype(float)


def payments_by_grant_month(data: Data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grant position, month ordinal, amount) of every payment line."""
    bet = data.betalinger
    pos = pd.Index(data.bevillinger["bevilling_id"]).get_indexer(bet["bevilling_id"])
    keep = pos >= 0
    return (pos[keep].astype(np.int64), month_ord(bet["periode"])[keep],
            bet["beloeb"].to_numpy(dtype=float)[keep])


@dataclass(frozen=True)
class Payments:
    """Payment lines as arrays (grant position, month ordinal, amount)."""

    pos: np.ndarray
    month: np.ndarray
    beloeb: np.ndarray
    n_grants: int

    def by_grant(self, first_ord: int, last_ord: int) -> np.ndarray:
        """Amount paid per grant for months in [first_ord, last_ord]."""
        m = (self.month >= first_ord) & (self.month <= last_ord)
        return np.bincount(self.pos[m], weights=self.beloeb[m], minlength=self.n_grants)


def payments(data: Data) -> Payments:
    pos, month, beloeb = payments_by_grant_month(data)
    return Payments(pos, month, beloeb, len(data.bevillinger))


def units_in_period(bev: pd.DataFrame, days: np.ndarray, year: int) -> np.ndarray:
    """Units delivered given active days: doegn/time omfang × days/7; maaned omfang × months."""
    omfang = bev["omfang"].to_numpy(dtype=float)
    monthly = bev["enhed"].eq("maaned").to_numpy()
    return np.where(monthly, omfang * days * 12.0 / days_in_year(year), omfang * days / 7.0)


def line_year_stats(data: Data, lines: pd.Series, years: list[int],
                    pay: Payments | None = None) -> pd.DataFrame:
    """Per (linje, aar) for complete calendar years: udgift (payments), helaarspersoner,
    borgere (distinct citizens with an active grant), enheder (units delivered; NaN when the
    line mixes units) and enhed."""
    g = grants(data, lines)
    pay = pay or payments(data)
    bev = data.bevillinger
    borger_codes = pd.factorize(bev["borger_id"])[0]
    enhed = bev["enhed"].to_numpy()
    # A line measures volume in units only if all its grants share one unit.
    one_unit = pd.Series(enhed).groupby(g.code).nunique().reindex(range(g.n_lines)).eq(1)
    unit_of_line = pd.Series(enhed).groupby(g.code).first().reindex(range(g.n_lines))
    frames = []
    for year in years:
        first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        days = active_days(g.start, g.slut, first, last)
        active = days > 0
        udgift = pay.by_grant(year * 12, year * 12 + 11)
        units = units_in_period(bev, days, year)
        pairs = pd.DataFrame({"c": g.code[active], "b": borger_codes[active]}).drop_duplicates()
        n_citizens = np.bincount(pairs["c"].to_numpy(), minlength=g.n_lines)
        enheder = g.by_line(units)
        frames.append(pd.DataFrame({
            "linje": g.lines,
            "aar": year,
            "udgift": g.by_line(udgift),
            "helaarspersoner": g.by_line(days) / days_in_year(year),
            "borgere": n_citizens,
            "enheder": np.where(one_unit.to_numpy(), enheder, np.nan),
            "enhed": np.where(one_unit.to_numpy(), unit_of_line.to_numpy(), None),
        }))
    if not frames:
        return pd.DataFrame(columns=["linje", "aar", "udgift", "helaarspersoner", "borgere",
                                     "enheder", "enhed"])
    return pd.concat(frames, ignore_index=True)
