"""Integer-coded views of the large tables, so the screening runs as array operations.

A million grants come with some 20 million payment lines and 18 million assessment rows.
Hashing their string ids once (Arrow, on two threads) and working on integer positions
afterwards keeps `screen` within seconds; the shared helpers in `data.derived` define the
quantities (`level_at`, `expected_payments`) and the tests check that these fast paths give
the same numbers.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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


def cached_positions(cache: dict, values: pd.Series, vocabulary: pd.Series) -> np.ndarray:
    """`positions`, remembered in `cache` (one per vocabulary) for Arrow-backed values: the
    screening looks up the grants' citizens more than once, and each lookup hashes the whole
    vocabulary. The key is the Arrow buffers (the values are immutable; the cache holds them,
    so their addresses are not reused); the result is read-only."""
    arr = values.array
    if not hasattr(arr, "__arrow_array__"):
        return positions(values, vocabulary)
    chunks = arrow(values)
    key = ("positions", tuple(
        (c.offset, len(c), *(0 if b is None else b.address for b in c.buffers()))
        for c in chunks.chunks))
    if key not in cache:
        found = positions(values, vocabulary)
        found.flags.writeable = False
        cache[key] = (chunks, found)
    return cache[key][1]


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

NS_PER_DAY = 86_400_000_000_000


def _codes(v: pd.DataFrame, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """A text column as integer codes and their names (categories as they are; a missing
    column is one unnamed code)."""
    if column not in v:
        return np.zeros(len(v), dtype=np.int8), ("",)
    col = v[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), tuple(map(str, col.cat.categories))
    codes, names = pd.factorize(col, sort=True)
    return codes.astype(np.int16), tuple(map(str, names))


@dataclass(frozen=True)
class Scores:
    """Every scored theme (a row of vurderinger) as integer arrays, grouped by citizen and in
    date order within each citizen: the rows behind `Assessments` (the mean level per
    assessment) and the per-method, per-theme levels that progression's development cases are
    measured on (servicetjek.udvikling).

    `citizens` is the vocabulary of citizen ids (`borger` holds positions in it); metode and
    tema are codes into `metoder` and `temaer`; `starts` is the first row of each assessment
    (citizen, date); `mixed` says whether some assessment holds rows of two methods. Dates are
    whole days (the loader's dates have no time of day).
    """

    citizens: pd.Series
    borger: np.ndarray  # int32
    dag: np.ndarray  # int32, days since 1970-01-01
    niveau: np.ndarray  # int8 for whole levels, else float64
    metode: np.ndarray
    metoder: tuple[str, ...]
    tema: np.ndarray
    temaer: tuple[str, ...]
    starts: np.ndarray
    mixed: bool = False
    _cache: dict = field(default_factory=dict, compare=False, repr=False)
    # Citizen lookups, shared with the Assessments made here (apart from _cache, which holds
    # those Assessments: a cycle would keep the arrays alive until the garbage collector ran).
    _lookups: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, vurderinger: pd.DataFrame) -> Scores:
        """The rows of vurderinger (borger_id, dato, niveau; metode and tema when present).
        Extracts grouped by citizen with dates in order (as exported) take a linear path;
        others are sorted first."""
        v = vurderinger
        if len(v) == 0:
            e = np.empty(0, np.int32)
            return cls(pd.Series([], dtype="str"), e, e, np.empty(0), e, ("",), e, ("",),
                       np.empty(0, np.int64))
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
        metode, metoder = _codes(v, "metode")
        tema, temaer = _codes(v, "tema")
        mixed = bool(np.any((metode[1:] != metode[:-1]) & ~new_assessment[1:]))
        per_citizen = np.diff(np.r_[first_rows, len(v)])
        borger = np.repeat(np.arange(len(first_rows), dtype=np.int32), per_citizen)
        dag = (stamp // NS_PER_DAY).astype(np.int32)
        level = v["niveau"].to_numpy()
        if np.issubdtype(level.dtype, np.integer) and (
                level.min() >= -128 and level.max() <= 127):
            level = level.astype(np.int8)
        else:
            level = level.astype(np.float64)
        citizens = pd.Series(pd.array(heads, dtype="str"))  # zero-copy, no Python strings
        return cls(citizens, borger, dag, level, metode, metoder, tema, temaer, starts, mixed)

    def codes(self, borger_ids: pd.Series) -> np.ndarray:
        """Positions of citizen ids in `citizens` (-1 for citizens never assessed; read-only,
        computed once per column)."""
        return cached_positions(self._lookups, borger_ids, self.citizens)

    def method_code(self, metode: str) -> int:
        """The code of a method (-2, matching no row, when absent)."""
        return self.metoder.index(metode) if metode in self.metoder else -2

    def assessments(self, metode: str | None = None) -> Assessments:
        """The mean level per assessment (citizen, date) over all rows, or over the rows of
        one method (as progression.levels' samlet). Computed once each."""
        if metode not in self._cache:
            self._cache[metode] = self._assessments(metode)
        return self._cache[metode]

    def _assessments(self, metode: str | None) -> Assessments:
        if metode is not None and not self.mixed:
            # Each assessment has one method: the method's assessments are a part of all.
            a = self.assessments()
            keep = self.metode[self.starts] == self.method_code(metode)
            return Assessments(self.citizens, a.borger[keep], a.dag[keep], a.niveau[keep],
                               self._lookups)
        if metode is None:
            starts, b, d, level = self.starts, self.borger, self.dag, self.niveau
        else:
            rows = np.flatnonzero(self.metode == self.method_code(metode))
            b, d, level = self.borger[rows], self.dag[rows], self.niveau[rows]
            new = np.ones(len(rows), dtype=bool)
            new[1:] = (b[1:] != b[:-1]) | (d[1:] != d[:-1])
            starts = np.flatnonzero(new)
        if len(level) == 0:
            return Assessments(self.citizens, np.empty(0, np.int64), np.empty(0, np.int64),
                               np.empty(0))
        sums = np.add.reduceat(level, starts, dtype=np.float64)
        counts = np.diff(np.r_[starts, len(level)])
        return Assessments(self.citizens, b[starts].astype(np.int64), d[starts].astype(np.int64),
                           sums / counts, self._lookups)

    def group(self, borger: np.ndarray, metode: np.ndarray, tema: np.ndarray) -> np.ndarray:
        """One integer per (citizen, method, theme) (codes; -1 where any is missing)."""
        m, t = len(self.metoder), len(self.temaer)
        g = (borger.astype(np.int64) * m + metode) * t + tema
        return np.where((borger >= 0) & (metode >= 0) & (tema >= 0), g, -1)

    def theme_levels(self, need: np.ndarray) -> Assessments:
        """The levels of the (citizen, theme) pairs where need[citizen, theme] (a boolean
        table, citizens × temaer), per (citizen, method, theme): an Assessments over the
        `group` codes, so `at` and `first_from` find a theme's level near a date."""
        # Only the rows of the citizens concerned (each citizen's rows are one run).
        who = np.flatnonzero(need.any(axis=1))
        lo = np.searchsorted(self.borger, who)
        size = np.searchsorted(self.borger, who, side="right") - lo
        rows = np.repeat(lo - np.r_[0, np.cumsum(size)[:-1]], size) + np.arange(int(size.sum()))
        tema = self.tema[rows]
        rows = rows[need[self.borger[rows], np.where(tema >= 0, tema, 0)] & (tema >= 0)]
        g = self.group(self.borger[rows], self.metode[rows].astype(np.int64),
                       self.tema[rows].astype(np.int64))
        d = self.dag[rows].astype(np.int64)
        order = np.argsort(_key(g, d), kind="stable")
        return Assessments(self.citizens, g[order], d[order],
                           self.niveau[rows][order].astype(np.float64))

    def first_sd(self, samlet: str) -> dict[str, pd.Series]:
        """Per method, the SD (ddof 1) over citizens of the first assessed level of each
        theme, and of the first assessment's mean (named `samlet`): progression's
        baseline_sd, for every method in one pass over the rows (computed once)."""
        if ("sd", samlet) not in self._cache:
            self._cache[("sd", samlet)] = self._first_sd(samlet)
        return self._cache[("sd", samlet)]

    def _first_sd(self, samlet: str) -> dict[str, pd.Series]:
        n_t = len(self.temaer)
        rows = self.first_rows()
        mt = self.metode[rows].astype(np.int64) * n_t + self.tema[rows]
        values = self.niveau[rows].astype(np.float64)
        # Grouped sums instead of a sort: two passes (mean, then squared deviations) as np.std.
        size = len(self.metoder) * n_t
        n = np.bincount(mt, minlength=size)
        mean = np.bincount(mt, values, size) / np.maximum(n, 1)
        dev = np.bincount(mt, (values - mean[mt]) ** 2, size)
        out: dict[str, dict[str, float]] = {}
        for code in np.flatnonzero(n):  # one per method and theme
            m, t = divmod(int(code), n_t)
            sd = float(np.sqrt(dev[code] / (n[code] - 1))) if n[code] > 1 else float("nan")
            out.setdefault(self.metoder[m], {})[self.temaer[t]] = sd
        for m, sds in out.items():
            a = self.assessments(m)
            firsts = np.ones(len(a.borger), dtype=bool)
            firsts[1:] = a.borger[1:] != a.borger[:-1]
            sds[samlet] = _sd(a.niveau[firsts])
        return {m: pd.Series(sds, dtype=float, name="sd").rename_axis("tema")
                for m, sds in out.items()}

    def first_rows(self) -> np.ndarray:
        """The row of each citizen's first score of each (method, theme), in row order.

        Usually every theme a citizen is ever scored on is scored once at the first
        assessment; that is checked with bit masks of the (method, theme) codes per
        assessment, and those rows are then the answer. Otherwise all rows are sorted by code
        (a radix sort that keeps the citizen and date order)."""
        n_t = len(self.temaer)
        codes = len(self.metoder) * n_t
        # Minima instead of boolean temporaries over all rows (a code is -1 when missing).
        valid_all = len(self.metode) > 0 and self.metode.min() >= 0 and self.tema.min() >= 0
        if valid_all and codes <= 63:
            mt = (self.metode.astype(np.int16) * n_t + self.tema).astype(np.int16)
            # One bit per code, from a table: 32-bit words when the codes fit.
            word = np.uint32 if codes <= 32 else np.uint64
            bits = np.left_shift(word(1), np.arange(codes, dtype=word))[mt]
            del mt
            per_assessment = np.bitwise_or.reduceat(bits, self.starts)
            del bits
            owner = self.borger[self.starts]
            first = np.r_[True, owner[1:] != owner[:-1]]
            heads = np.flatnonzero(first)
            seen = np.bitwise_or.reduceat(per_assessment, heads)  # per citizen, all dates
            at_first = per_assessment[heads]
            ends = np.r_[self.starts, len(self.metode)][heads + 1]
            sizes = ends - self.starts[heads]
            if (np.array_equal(seen, at_first)
                    and np.array_equal(np.bitwise_count(at_first), sizes)):
                # The rows of each first assessment, one per code.
                return np.repeat(self.starts[heads] - np.r_[0, np.cumsum(sizes)[:-1]],
                                 sizes) + np.arange(int(sizes.sum()))
        valid = (self.metode >= 0) & (self.tema >= 0)
        mt = np.where(valid, self.metode.astype(np.int16) * n_t + self.tema, 0).astype(np.int16)
        order = np.argsort(np.where(valid, mt, -1), kind="stable")
        k, b = mt[order], self.borger[order]
        keep = np.ones(len(k), dtype=bool)
        keep[1:] = (k[1:] != k[:-1]) | (b[1:] != b[:-1])
        keep &= valid[order]
        return np.sort(order[keep])


def _key(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 per (code, day): codes below 2**32, days within ±2**30 of 1970
    (the sentinel NAT_DAY sorts last)."""
    span = np.int64(2**31)
    return code.astype(np.int64) * span + np.clip(np.asarray(day, np.int64) + 2**30, 0,
                                                  span - 1)


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")


@dataclass(frozen=True)
class Assessments:
    """One row per assessment (citizen, date) with its mean level, sorted by (citizen, date).

    `citizens` is the vocabulary of citizen ids; `borger` holds positions in it. (Also used
    with `Scores.group` codes in `borger`, one per citizen, method and theme.)
    """

    citizens: pd.Series
    borger: np.ndarray
    dag: np.ndarray
    niveau: np.ndarray
    _lookups: dict = field(default_factory=dict, compare=False, repr=False)  # Scores'

    @classmethod
    def of(cls, vurderinger: pd.DataFrame) -> Assessments:
        """Mean level per (borger_id, dato) (see `Scores.of`)."""
        return Scores.of(vurderinger).assessments()

    def codes(self, borger_ids: pd.Series) -> np.ndarray:
        """Positions of citizen ids in `citizens` (-1 for citizens never assessed; read-only,
        computed once per column)."""
        return cached_positions(self._lookups, borger_ids, self.citizens)

    @functools.cached_property
    def keys(self) -> np.ndarray:
        """The sorted (citizen, day) keys searched by `at` and `first_from` (built once)."""
        return _key(self.borger, self.dag)

    def _find(self, code: np.ndarray, day: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
        n = len(code)
        if len(self.borger) == 0:
            return np.full(n, np.nan), np.full(n, NAT_DAY)
        keys = self.keys
        query = np.where(code >= 0, _key(code, day), -1)
        j = np.searchsorted(keys, query, side=side) - (side == "right")
        ok = (code >= 0) & (j >= 0) & (j < len(keys))
        jj = np.clip(j, 0, len(keys) - 1)
        ok &= self.borger[jj] == code
        level = np.where(ok, self.niveau[jj], np.nan)
        when = np.where(ok, self.dag[jj], NAT_DAY)
        return level, when

    def at(self, code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean level and date (days) of each citizen's (`codes`) latest assessment on or
        before `day`; NaN and the sentinel day where there is none (like derived.level_at)."""
        return self._find(code, day, "right")

    def first_from(self, code: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean level and date of each citizen's first assessment on or after `day`."""
        return self._find(code, day, "left")


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
