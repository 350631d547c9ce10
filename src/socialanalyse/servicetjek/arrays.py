"""Integer-coded views of the large tables, so the screening runs as array operations.

A million grants come with some 20 million payment lines and 18 million assessment rows.
Hashing their string ids once (Arrow, on two threads) and working on integer positions
afterwards keeps `screen` within seconds; the shared helpers in `data.derived` define the
quantities (`level_at`, `expected_payments`) and the tests check that these fast paths give
the same numbers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Tables with at least CHUNK rows are hashed in THREADS parts on as many threads (each part
#: hashes the vocabulary again, which only pays off for large tables).
CHUNK = 5_000_000
THREADS = 2


def arrow(values: pd.Series) -> pa.ChunkedArray:
    """A text Series as an Arrow string array (zero-copy for pandas' Arrow-backed str)."""
    arr = values.array
    if hasattr(arr, "__arrow_array__"):
        out = arr.__arrow_array__()
    else:
        out = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def positions(values: pd.Series, vocabulary: pd.Series) -> np.ndarray:
    """For each value, its position in `vocabulary` (unique values); -1 when absent or empty
    (int32).

    Like pd.Index(vocabulary).get_indexer(values), hashed by Arrow (in THREADS parts run on
    threads; each part hashes the vocabulary once, so the parts are few and large).
    """
    vocab = arrow(vocabulary).combine_chunks().cast(pa.large_string())
    arr = arrow(values).cast(pa.large_string())
    n = len(arr)
    if n == 0:
        return np.empty(0, dtype=np.int32)
    parts = THREADS if n >= CHUNK else 1
    bounds = [n * i // parts for i in range(parts + 1)]

    def part(i: int) -> np.ndarray:
        chunk = arr.slice(bounds[i], bounds[i + 1] - bounds[i])
        found = pc.fill_null(pc.index_in(chunk, value_set=vocab), -1)
        return found.to_numpy()  # int32

    if parts == 1:
        return part(0)
    with ThreadPoolExecutor(parts) as pool:
        return np.concatenate(list(pool.map(part, range(parts))))


def days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates as whole days since 1970-01-01 (int64); NaT becomes a large sentinel (2**40)."""
    d = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]")
    out = d.astype(np.int64)
    out[np.isnat(d)] = NAT_DAY
    return out


NAT_DAY = np.int64(2**40)


def month_of_day(day: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of whole days (the sentinel stays far in the future)."""
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return np.where(day >= NAT_DAY, np.int64(2**30), months)


# --- assessments ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessments:
    """One row per assessment (citizen, date) with its mean level, sorted by (citizen, date).

    `citizens` is the vocabulary of citizen ids; `borger` holds positions in it.
    """

    citizens: pd.Series
    borger: np.ndarray
    dag: np.ndarray
    niveau: np.ndarray

    @classmethod
    def of(cls, vurderinger: pd.DataFrame) -> Assessments:
        """Mean level per (borger_id, dato). Extracts grouped by citizen with dates in order
        (as exported) take a linear path; others are sorted first."""
        v = vurderinger
        if len(v) == 0:
            return cls(pd.Series([], dtype="str"), np.empty(0, np.int64), np.empty(0, np.int64),
                       np.empty(0))
        ids = arrow(v["borger_id"])
        # Dates as int64 nanoseconds (a view, no copy): equal days compare equal. Only boolean
        # temporaries over all rows: large fresh arrays are what costs time here.
        stamp = np.asarray(v["dato"].to_numpy(), dtype="datetime64[ns]").view(np.int64)
        new_citizen = np.ones(len(v), dtype=bool)
        new_citizen[1:] = pc.not_equal(ids.slice(1), ids.slice(0, len(v) - 1)).to_numpy(
            zero_copy_only=False)
        first_rows = np.flatnonzero(new_citizen)
        heads = pc.take(ids, pa.array(first_rows)).combine_chunks()
        grouped = len(pc.unique(heads)) == len(heads)
        later = stamp[1:] >= stamp[:-1]
        ordered = bool(np.all(later | new_citizen[1:]))
        if not (grouped and ordered):
            order = v.assign(_d=stamp).sort_values(["borger_id", "_d"], kind="stable").index
            return cls.of(v.loc[order].reset_index(drop=True))
        new_assessment = new_citizen
        new_assessment[1:] |= stamp[1:] != stamp[:-1]
        starts = np.flatnonzero(new_assessment)
        sums = np.add.reduceat(v["niveau"].to_numpy(), starts)
        counts = np.diff(np.r_[starts, len(v)])
        # Every citizen's first row starts an assessment: number the citizens over the starts.
        citizen = np.cumsum(np.isin(starts, first_rows, assume_unique=True)) - 1
        dag = stamp[starts].astype("datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        citizens = pd.Series(heads.to_pandas(types_mapper=pd.ArrowDtype).astype("str").to_numpy(),
                             dtype="str")
        return cls(citizens, citizen, dag, sums / counts)

    def codes(self, borger_ids: pd.Series) -> np.ndarray:
        """Positions of citizen ids in `citizens` (-1 for citizens never assessed)."""
        return positions(borger_ids, self.citizens)

    def at(self, code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean level and date (days) of each citizen's (`codes`) latest assessment on or
        before `day`; NaN and the sentinel day where there is none (like derived.level_at)."""
        n = len(code)
        if len(self.borger) == 0:
            return np.full(n, np.nan), np.full(n, NAT_DAY)
        big = np.int64(2**41)
        keys = self.borger * big + self.dag
        query = np.where(code >= 0, code * big + np.minimum(day, big - 1), -1)
        j = np.searchsorted(keys, query, side="right") - 1
        ok = (code >= 0) & (j >= 0)
        ok[ok] &= self.borger[j[ok]] == code[ok]
        level = np.where(ok, self.niveau[np.clip(j, 0, None)], np.nan)
        when = np.where(ok, self.dag[np.clip(j, 0, None)], NAT_DAY)
        return level, when


# --- follow-ups ----------------------------------------------------------------------------

def latest_followups(opfoelgninger: pd.DataFrame, grant_ids: pd.Series, as_of: pd.Timestamp
                     ) -> pd.DataFrame:
    """Per grant (index as grant_ids): the latest follow-up on or before `as_of` (date and
    resultat, any type) and the latest renegotiation (type 'genforhandling') at any date."""
    o = opfoelgninger
    n = len(grant_ids)
    code = positions(o["bevilling_id"], grant_ids)
    dag = days(o["dato"])
    is_reneg = o["type"].eq("genforhandling").to_numpy(dtype=bool, na_value=False)

    def latest(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per grant: the latest day among the rows in mask, and that row (-1 when none)."""
        last_day, last_row = np.full(n, NAT_DAY), np.full(n, -1, np.int64)
        rows = np.flatnonzero(mask & (code >= 0))
        if len(rows):
            d = dag[rows]
            key = code[rows] * np.int64(2**24) + (d - d.min())  # one int key sorts faster
            order = rows[np.argsort(key, kind="stable")]
            c = code[order]
            end = np.r_[c[1:] != c[:-1], True]
            last_day[c[end]] = dag[order[end]]
            last_row[c[end]] = order[end]
        return last_day, last_row

    as_of_day = days(np.array([as_of.to_datetime64()]))[0]
    last_day, last_row = latest(dag <= as_of_day)
    reneg_day, _ = latest(is_reneg)
    # resultat is a category column (contract): take its codes, -1 (no follow-up) gives NaN.
    resultat = o["resultat"].astype("category").array.take(last_row, allow_fill=True)
    out = pd.DataFrame(index=grant_ids.index)
    out["seneste_opfoelgning"] = _to_dates(last_day)
    out["seneste_resultat"] = resultat
    out["seneste_genforhandling"] = _to_dates(reneg_day)
    return out


def _to_dates(day: np.ndarray) -> np.ndarray:
    d = np.where(day >= NAT_DAY, np.datetime64("NaT"), day.astype("datetime64[D]"))
    return d.astype("datetime64[ns]")


# --- what a grant should cost in one month -------------------------------------------------

@dataclass(frozen=True)
class GrantCost:
    """Per-grant arrays for `expected_month` (see derived.expected_payments, which defines it)."""

    start: np.ndarray  # first day (days since 1970)
    end: np.ndarray  # last day, NAT_DAY when open
    start_year: np.ndarray
    weekly: np.ndarray  # price × omfang / 7 for doegn/time (kr per active day), else 0
    monthly: np.ndarray  # price × omfang for maaned (kr per whole month), else 0
    tillaeg: np.ndarray  # kr per month

    @classmethod
    def of(cls, bevillinger: pd.DataFrame) -> GrantCost:
        b = bevillinger
        price = b["enhedspris"].to_numpy(dtype=float) * b["omfang"].to_numpy(dtype=float)
        is_month = b["enhed"].eq("maaned").to_numpy()
        start = days(b["startdato"])
        return cls(
            start=start,
            end=days(b["slutdato"]),
            start_year=b["startdato"].dt.year.to_numpy().astype(np.int64),
            weekly=np.where(is_month, 0.0, price / 7),
            monthly=np.where(is_month, price, 0.0),
            tillaeg=b["tillaeg"].fillna(0).to_numpy(dtype=float),
        )


def month_days(month: int) -> tuple[int, int]:
    """First day of a month (months since 1970-01) and of the next, as days since 1970."""
    first = np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64)
    nxt = np.datetime64(month + 1, "M").astype("datetime64[D]").astype(np.int64)
    return int(first), int(nxt)


def expected_month(g: GrantCost, month: int, prisindeks: float,
                   idx: np.ndarray | None = None) -> np.ndarray:
    """What each grant (or the grants at positions `idx`) should cost in one month (months
    since 1970-01), in kr: the price regulated each 1 January since the start year × the
    units in the active days, plus the tillaeg for the active share of the month. Equals
    derived.expected_payments."""
    first, nxt = month_days(month)
    dim = float(nxt - first)
    take = (lambda x: x) if idx is None else (lambda x: x[idx])
    lo = np.maximum(take(g.start), first)
    hi = np.minimum(take(g.end) + 1, nxt)
    active = np.clip(hi - lo, 0, None).astype(float)
    year = int(np.datetime64(month, "M").astype("datetime64[Y]").astype(np.int64)) + 1970
    factor = (1.0 + prisindeks) ** np.clip(year - take(g.start_year), 0, None)
    share = active / dim
    return factor * (take(g.weekly) * active + take(g.monthly) * share) + take(g.tillaeg) * share
