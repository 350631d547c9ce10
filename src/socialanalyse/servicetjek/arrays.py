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

#: Rows per chunk when hashing ids (bounds the temporaries; chunks run on THREADS threads).
CHUNK = 2_000_000
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
    """For each value, its position in `vocabulary` (unique values); -1 when absent or empty.

    Like pd.Index(vocabulary).get_indexer(values), hashed by Arrow in chunks on two threads.
    """
    vocab = arrow(vocabulary).combine_chunks().cast(pa.large_string())
    arr = arrow(values).cast(pa.large_string())
    n = len(arr)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    bounds = list(range(0, n, CHUNK)) + [n]

    def part(i: int) -> np.ndarray:
        chunk = arr.slice(bounds[i], bounds[i + 1] - bounds[i])
        found = pc.index_in(chunk, value_set=vocab)
        return found.to_numpy(zero_copy_only=False).astype(np.float64)

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(part, range(len(bounds) - 1)))
    out = np.concatenate(parts)
    return np.where(np.isnan(out), -1, out).astype(np.int64)


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
        dag = days(v["dato"])
        new_citizen = np.ones(len(v), dtype=bool)
        new_citizen[1:] = pc.not_equal(ids.slice(1), ids.slice(0, len(v) - 1)).to_numpy(
            zero_copy_only=False)
        heads = pc.take(ids, pa.array(np.flatnonzero(new_citizen)))
        grouped = pc.count_distinct(heads).as_py() == len(heads)
        ordered = bool(np.all((np.diff(dag) >= 0) | new_citizen[1:]))
        if not (grouped and ordered):
            order = v.assign(_d=dag).sort_values(["borger_id", "_d"], kind="stable").index
            return cls.of(v.loc[order].reset_index(drop=True))
        citizen = np.cumsum(new_citizen) - 1
        new_assessment = new_citizen.copy()
        new_assessment[1:] |= dag[1:] != dag[:-1]
        starts = np.flatnonzero(new_assessment)
        level = v["niveau"].to_numpy(dtype=float)
        sums = np.add.reduceat(level, starts)
        counts = np.diff(np.r_[starts, len(v)])
        citizens = pd.Series(heads.to_pandas(types_mapper=pd.ArrowDtype).astype("str").to_numpy(),
                             dtype="str")
        return cls(citizens, citizen[starts], dag[starts], sums / counts)

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
    out = pd.DataFrame(index=grant_ids.index)
    last_day = np.full(n, NAT_DAY)
    last_res = np.full(n, None, dtype=object)
    ok = (code >= 0) & (dag <= days(np.array([as_of.to_datetime64()]))[0])
    if ok.any():
        c, d = code[ok], dag[ok]
        order = np.lexsort((d, c))
        c_sorted = c[order]
        last = np.r_[c_sorted[1:] != c_sorted[:-1], True]
        rows = np.flatnonzero(ok)[order[last]]
        last_day[c_sorted[last]] = d[order[last]]
        last_res[c_sorted[last]] = o["resultat"].to_numpy(dtype=object)[rows]
    reneg = np.full(n, -NAT_DAY)
    g = (code >= 0) & (o["type"].to_numpy(dtype=object) == "genforhandling")
    if g.any():
        c, d = code[g], dag[g]
        order = np.lexsort((d, c))
        c_sorted = c[order]
        last = np.r_[c_sorted[1:] != c_sorted[:-1], True]
        reneg[c_sorted[last]] = d[order[last]]
    out["seneste_opfoelgning"] = pd.to_datetime(np.where(last_day >= NAT_DAY, np.datetime64("NaT"),
                                                         last_day.astype("datetime64[D]")))
    out["seneste_resultat"] = pd.Series(last_res, index=out.index, dtype="str")
    out["seneste_genforhandling"] = pd.to_datetime(
        np.where(reneg <= -NAT_DAY, np.datetime64("NaT"), reneg.astype("datetime64[D]")))
    return out


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


def expected_month(g: GrantCost, month: int, prisindeks: float) -> np.ndarray:
    """What each grant should cost in one month (months since 1970-01), in kr: the price
    regulated each 1 January since the start year × the units in the active days, plus the
    tillaeg for the active share of the month. Equals derived.expected_payments."""
    first = np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64)
    nxt = np.datetime64(month + 1, "M").astype("datetime64[D]").astype(np.int64)
    dim = float(nxt - first)
    lo = np.maximum(g.start, first)
    hi = np.minimum(g.end + 1, nxt)
    active = np.clip(hi - lo, 0, None).astype(float)
    year = int(np.datetime64(month, "M").astype("datetime64[Y]").astype(np.int64)) + 1970
    factor = (1.0 + prisindeks) ** np.clip(year - g.start_year, 0, None)
    return factor * (g.weekly * active + g.monthly * (active / dim)) + g.tillaeg * (active / dim)
