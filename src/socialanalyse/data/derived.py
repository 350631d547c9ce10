"""Small derived quantities over canonical tables that several analyses share.

Units are those of the data contract (see socialanalyse.data.contract): `omfang` is units per
week for doegn and time, per month for maaned; `tillaeg` is kr per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7


def annual_cost(bevillinger: pd.DataFrame) -> pd.Series:
    """Yearly cost of each grant at its granted price and volume, in kr (before indexation).

    doegn/time: enhedspris × omfang × 52.18 weeks; maaned: enhedspris × omfang × 12;
    plus tillaeg × 12. E.g. a §107 place at 2,500 kr a day, 7 days a week: 913,125 kr.
    """
    units_per_year = np.where(
        bevillinger["enhed"].eq("maaned"), 12.0, WEEKS_PER_YEAR
    ) * bevillinger["omfang"].to_numpy(dtype=float)
    tillaeg = bevillinger["tillaeg"].fillna(0).to_numpy(dtype=float) * 12
    return pd.Series(
        bevillinger["enhedspris"].to_numpy(dtype=float) * units_per_year + tillaeg,
        index=bevillinger.index,
        name="aarlig_udgift",
    )


def is_active(bevillinger: pd.DataFrame, on: pd.Timestamp | str) -> pd.Series:
    """True for grants running on the given day (started, and open or ending on/after it)."""
    day = pd.Timestamp(on)
    end = bevillinger["slutdato"]
    return (bevillinger["startdato"] <= day) & (end.isna() | (end >= day))


def days_in_period(
    bevillinger: pd.DataFrame, start: pd.Timestamp | str, end: pd.Timestamp | str
) -> pd.Series:
    """Days each grant was active within [start, end] (both inclusive); open grants run on."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    s = bevillinger["startdato"].clip(lower=first)
    e = bevillinger["slutdato"].fillna(last).clip(upper=last)
    return ((e - s).dt.days + 1).clip(lower=0).rename("dage")


def helaarspersoner(
    bevillinger: pd.DataFrame,
    year: int,
    first: pd.Timestamp | str | None = None,
    last: pd.Timestamp | str | None = None,
) -> pd.Series:
    """Full-year equivalents per grant in a calendar year: active days / days in the year.

    `first`/`last` narrow the days counted to part of the year (a year the data only partly
    cover, e.g. January to the reference date); the divisor stays the days in the year.
    """
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    days_in_year = (end - start).days + 1
    lo = max(start, pd.Timestamp(first)) if first is not None else start
    hi = min(end, pd.Timestamp(last)) if last is not None else end
    return (days_in_period(bevillinger, lo, hi) / days_in_year).rename("helaarspersoner")


def stays(
    bevillinger: pd.DataFrame,
    paragraf: str,
    reference_date: pd.Timestamp | str,
    gap_days: int = 1,
) -> pd.DataFrame:
    """Stays in one paragraph: a citizen's grants of that paragraph joined into one stay when
    the next starts at most `gap_days` after the previous ends (so a change of provider does
    not restart the clock).

    One row per stay: borger_id, startdato, slutdato (NaT = still open at the reference date),
    varighed_dage (start to end, or to the reference date when open; both days counted) and
    afsluttet (False = censored). Grants starting after the reference date are left out; an
    end after the reference date counts as open.
    """
    ref = pd.Timestamp(reference_date)
    g = bevillinger.loc[
        (bevillinger["paragraf"] == paragraf) & (bevillinger["startdato"] <= ref),
        ["borger_id", "startdato", "slutdato"],
    ].copy()
    far = pd.Timestamp("2262-01-01")
    g["slut"] = g["slutdato"].where(g["slutdato"] <= ref, far).fillna(far)
    g = g.sort_values(["borger_id", "startdato"])
    # The latest end among the citizen's earlier grants (cythonised groupby, no per-citizen
    # Python call: København has thousands of §107 citizens).
    prev_end = g.groupby("borger_id")["slut"].cummax().groupby(g["borger_id"]).shift()
    new_stay = prev_end.isna() | (g["startdato"] > prev_end + pd.Timedelta(days=gap_days))
    g["forloeb"] = new_stay.cumsum()
    out = g.groupby("forloeb").agg(
        borger_id=("borger_id", "first"), startdato=("startdato", "min"), slut=("slut", "max")
    )
    out["afsluttet"] = out["slut"] < far
    end = out["slut"].where(out["afsluttet"], ref)
    out["slutdato"] = out["slut"].where(out["afsluttet"])
    out["varighed_dage"] = (end - out["startdato"]).dt.days + 1
    return out[["borger_id", "startdato", "slutdato", "varighed_dage", "afsluttet"]].reset_index(
        drop=True
    )


def effect_month(dates: pd.Series) -> pd.Series:
    """The first whole month after each date, as its first day: a decision or renegotiation on
    15 March counts from April, one on 1 March from March itself. NaT stays NaT."""
    month = (dates - pd.offsets.Day(1)).dt.to_period("M").dt.to_timestamp()
    return month + pd.offsets.MonthBegin(1)


def followup_due(since: pd.Series, paragraf: pd.Series, intervals: dict[str, int]
                 ) -> tuple[pd.Series, pd.Series]:
    """When each grant's next follow-up is due: `since` (the latest follow-up, or the start)
    plus the paragraph's interval in calendar months ('standard' for other paragraphs).

    A follow-up is on time up to and including the due date (31 January + 1 month is
    28/29 February). Returns (due, months), both aligned with `since`.
    """
    months = paragraf.map(intervals).fillna(intervals["standard"]).astype(int)
    due = pd.Series(pd.NaT, index=since.index, dtype=since.dtype)
    for n in months.unique():  # a few distinct intervals
        sel = months == n
        due[sel] = since[sel] + pd.DateOffset(months=int(n))
    return due, months


def level_at(
    vurderinger: pd.DataFrame, borger_ids: pd.Series, on: pd.Series, tema: str | None = None
) -> pd.Series:
    """Average VUM level of each citizen at the latest assessment on or before a date.

    `borger_ids` and `on` are aligned Series (e.g. bevillinger.borger_id and .startdato); the
    result has their index. NaN where no assessment precedes the date. With `tema`, only that
    theme counts; otherwise the mean over themes of the assessment.
    """
    v = vurderinger if tema is None else vurderinger[vurderinger["tema"] == tema]
    per_assessment = (
        v.groupby(["borger_id", "dato"], as_index=False)["niveau"].mean().sort_values("dato")
    )
    left = pd.DataFrame({"borger_id": borger_ids.to_numpy(), "dato": on.to_numpy(), "_i": borger_ids.index})
    left = left.sort_values("dato")
    per_assessment["dato"] = per_assessment["dato"].astype(left["dato"].dtype)
    merged = pd.merge_asof(left, per_assessment, on="dato", by="borger_id", direction="backward")
    return merged.set_index("_i")["niveau"].reindex(borger_ids.index).rename("niveau")


def index_factor(start: pd.Series, periode: pd.Series, prisindeks: float) -> pd.Series:
    """Price regulation since the grant started: (1 + prisindeks) ** (year(periode) - year(start)).

    A grant's `enhedspris` is the price in its start year; it is regulated each 1 January.
    """
    years = (periode.dt.year - start.dt.year).clip(lower=0).to_numpy()
    return pd.Series((1.0 + prisindeks) ** years, index=periode.index)


def expected_payments(
    bevillinger: pd.DataFrame,
    first_month: pd.Timestamp | str,
    last_month: pd.Timestamp | str,
    prisindeks: float,
    by: str = "bevilling_id",
) -> pd.DataFrame:
    """What each grant should cost in each month it is active, at its regulated price.

    One row per (bevilling_id, periode) with periode = first day of a month in
    [first_month, last_month] and `forventet` in kr: regulated price × units in the month
    (doegn/time: omfang × active days / 7; maaned: omfang × active days / days in month)
    plus tillaeg × active days / days in month. The reference for what payments should be.
    `by` names the column that labels the rows instead of bevilling_id (e.g. a code per offer
    to sum by, without building a million id strings).
    """
    def month_ordinal(months: np.ndarray) -> np.ndarray:
        # Months since 1970-01 (NaT -> a far future month, i.e. still open).
        return np.where(np.isnat(months), 10**6, months.astype(np.int64))

    first = pd.Timestamp(first_month)
    last = pd.Timestamp(last_month)
    b = bevillinger
    # Months in numpy, not through the .dt accessor: budget forecasts call this ~50 times.
    start_months = b["startdato"].to_numpy().astype("datetime64[M]")
    lo_ord = np.maximum(month_ordinal(start_months), (first.year - 1970) * 12 + first.month - 1)
    hi_ord = np.minimum(month_ordinal(b["slutdato"].to_numpy().astype("datetime64[M]")),
                        (last.year - 1970) * 12 + last.month - 1)
    n = np.clip(hi_ord - lo_ord + 1, 0, None)
    rows = np.repeat(np.arange(len(b)), n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    month_ord = np.repeat(lo_ord, n) + offsets
    # Whole-day arithmetic in numpy: much faster than pandas objects for millions of rows.
    month_start = month_ord.astype("datetime64[M]").astype("datetime64[D]")
    next_month = (month_ord + 1).astype("datetime64[M]").astype("datetime64[D]")
    start = b["startdato"].to_numpy().astype("datetime64[D]")[rows]
    end = b["slutdato"].to_numpy().astype("datetime64[D]")[rows]
    first_day = np.maximum(start, month_start)
    stop = np.where(np.isnat(end), next_month, np.minimum(end + 1, next_month))
    days = np.clip((stop - first_day).astype(np.int64), 0, None).astype(float)
    days_in_month = (next_month - month_start).astype(np.int64).astype(float)
    omfang = b["omfang"].to_numpy(dtype=float)[rows]
    monthly = b["enhed"].eq("maaned").to_numpy()[rows]
    units = np.where(monthly, omfang * days / days_in_month, omfang * days / 7)
    start_year = np.where(np.isnat(start_months), np.nan,
                          start_months.astype(np.int64) // 12 + 1970)  # as .dt.year
    years = np.clip(month_ord // 12 + 1970 - start_year[rows], 0, None)
    price = b["enhedspris"].to_numpy(dtype=float)[rows] * (1.0 + prisindeks) ** years
    tillaeg = b["tillaeg"].fillna(0).to_numpy(dtype=float)[rows] * days / days_in_month
    return pd.DataFrame(
        {
            by: b[by].to_numpy()[rows],
            "periode": month_start.astype("datetime64[ns]"),
            "forventet": price * units + tillaeg,
        }
    )


def population(befolkning: pd.DataFrame, fra: int, til: int,
               by: tuple[str, ...] = ("aar",)) -> pd.Series:
    """Inhabitants aged fra..til (inclusive) per year, from the befolkning table's age bands.

    A band that only partly overlaps the range counts in proportion to the years of age it
    shares with it (ages spread evenly within a band); an open band like '65+' spans 65-99.
    E.g. bands 0-17: 100, 18-24: 70, 25-64: 400, 65+: 350 give 18-64: 470 and 20-29: 50 + 50.
    Returns a Series indexed by aar (empty when the table is); `by` other columns to group
    by as well, e.g. ("kommune", "aar") for the statbank's table of all municipalities.
    """
    if befolkning.empty:
        return pd.Series(dtype=float, name="antal").rename_axis(list(by))
    # Each distinct band is parsed once (the statbank's table repeats ~20 bands 30,000 times).
    bands = befolkning["aldersgruppe"].astype(str)
    distinct = pd.Series(bands.unique())
    lo = distinct.str.extract(r"^(\d+)")[0].astype(int).to_numpy()
    hi = distinct.str.extract(r"-(\d+)$")[0].astype(float).fillna(99).astype(int).to_numpy()
    overlap = (np.minimum(hi, til) - np.maximum(lo, fra) + 1).clip(min=0)
    share = pd.Series(overlap / (hi - lo + 1), index=distinct)
    weighted = befolkning["antal"] * bands.map(share).to_numpy()
    keys = [befolkning[c] for c in by]
    return weighted.groupby(keys if len(keys) > 1 else keys[0]).sum().rename("antal")


def reference_date(betalinger: pd.DataFrame) -> pd.Timestamp | None:
    """The extract's reference date (opgørelsesdato): the last day of the latest payment month.

    Derived from the data, never from today's date; None when there are no payments.
    """
    periods = betalinger["periode"].dropna()
    if periods.empty:
        return None
    return (pd.Timestamp(periods.max()) + pd.offsets.MonthEnd(0)).normalize()
