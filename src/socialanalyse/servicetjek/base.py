"""The screening base: one row per grant with what the rules need (current price, need level,
annual cost, the cost of the next step down the indsatstrappe), and small shared helpers.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import reference as ref
from ..config import Parametre, ServicetjekParametre
from ..data import Data
from ..data.derived import annual_cost
from ..data.derived import reference_date as derived_reference_date
from . import arrays

# Relative tolerance for "at or above a threshold": prices regulated by an index carry float
# noise, and a value exactly at a threshold must count as reaching it.
TOL = 1e-9

ENHED_PRIS = {"doegn": "Døgnpris", "time": "Timepris", "maaned": "Månedspris"}
ENHED_NAVN = {"doegn": "døgn", "time": "time", "maaned": "måned"}


#: Wall and CPU seconds of the steps of the latest screening (read by the benchmark).
TIMINGS: dict[str, tuple[float, float]] = {}


@contextmanager
def timed(step: str):
    """Record a step's wall time and its thread's CPU time in TIMINGS (the process's would
    count the payments summed on another thread meanwhile)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        TIMINGS[step] = (time.perf_counter() - wall, time.thread_time() - cpu)


class ServicetjekFejl(ValueError):
    """The screening cannot run on these data; the message is Danish."""


@dataclass(frozen=True)
class Kontekst:
    """What every rule needs besides the base: the reference date and the parameters."""

    as_of: pd.Timestamp
    prisindeks: float
    p: ServicetjekParametre


def reference_date(data: Data) -> pd.Timestamp:
    """The extract's reference date (opgørelsesdato; data.derived.reference_date): the last day
    of the latest payment month. Raises ServicetjekFejl when there are no payments (then give
    `as_of` explicitly)."""
    day = derived_reference_date(data.betalinger)
    if day is None:
        raise ServicetjekFejl(
            "Opgørelsesdatoen kan ikke findes, fordi der ingen betalinger er: angiv as_of."
        )
    return day


def resolve_as_of(data: Data, as_of) -> pd.Timestamp:
    """`as_of` as a Timestamp, or the reference date derived from the data when None."""
    return reference_date(data) if as_of is None else pd.Timestamp(as_of).normalize()


def need_band(level: pd.Series) -> pd.Series:
    """Mean VUM level banded to 0-4 by rounding to the nearest whole level (numpy's rint, so
    an exact half goes to the even level: 2.5 -> 2, 3.5 -> 4, as the synthetic generator
    does); NaN stays NaN."""
    return np.rint(level).clip(0, 4)


def regulated(values: pd.Series, start: pd.Series, year: int | pd.Series, prisindeks: float
              ) -> pd.Series:
    """Prices regulated from the start year to `year` (a year, or one per row aligned with
    `start`), each 1 January; never backwards."""
    years = (year - start.dt.year).clip(lower=0).to_numpy(dtype=float)
    return values * (1.0 + prisindeks) ** years


def next_step(paragraffer: pd.DataFrame, overrides: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """For each paragraph, the paragraph(s) one step down the indsatstrappe.

    From the catalogue: the paragraphs of the same target group (voksne/børn) with the highest
    `trin` below the paragraph's own; `overrides` (parameter `naeste_trin`) win. The lowest
    step maps to () (the next step down is no support).
    """
    out: dict[str, tuple[str, ...]] = {}
    for row in paragraffer.itertuples(index=False):  # ~20 catalogue rows, not grants
        if row.paragraf in overrides:
            out[row.paragraf] = (overrides[row.paragraf],)
            continue
        lower = paragraffer[
            (paragraffer["maalgruppe_type"] == row.maalgruppe_type) & (paragraffer["trin"] < row.trin)
        ]
        if lower.empty:
            out[row.paragraf] = ()
        else:
            top = lower["trin"].max()
            out[row.paragraf] = tuple(lower.loc[lower["trin"] == top, "paragraf"])
    return out


def servicetjek_params(params: Parametre) -> tuple[ServicetjekParametre, float]:
    """The servicetjek section and the price index of the full parameters."""
    if not isinstance(params, Parametre):
        raise TypeError(
            "params skal være hele Parametre (fx session.parametre), fordi prisindekset også bruges."
        )
    return params.servicetjek, float(params.prisindeks)


def screening_base(data: Data, params: Parametre, as_of=None, *,
                   scores: arrays.Scores | None = None) -> pd.DataFrame:
    """One row per grant with the quantities the rules use (index 0..n-1, grant order kept).

    Columns: the grant's own columns, plus
    aktiv (running on the reference date), pris (enhedspris regulated to the reference year),
    enheder_aar (units per year), aarlig_udgift (current annual cost in kr, price regulated,
    tillaeg as granted), niveau_start (mean VUM level at the latest assessment on or before
    the start, as derived.level_at; NaN without one) and dato_start (its date), niveau_nu and
    dato_nu (the latest assessment on or before the reference date), niveau (niveau_start
    banded 0-4), seneste_opfoelgning and seneste_resultat (latest follow-up of any type on or
    before the reference date), seneste_genforhandling (latest renegotiation), kategori, trin, lov,
    leverandoertype, standardkontrakt, naeste_trin (paragraph(s) one step down, text) and
    naeste_trin_udgift (the municipality's average current annual cost of active grants on
    that step; 0 below the lowest step; NaN when the municipality has no such grants).
    `scores`: the assessments as arrays (`arrays.Scores.of(data.vurderinger)`), when ready.
    """
    p, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    bev = data.bevillinger.reset_index(drop=True)
    n = len(bev)
    cat = ref.paragraffer()
    out = bev.copy(deep=False)
    out["aktiv"] = (bev["startdato"] <= as_of) & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of))
    out["pris"] = regulated(bev["enhedspris"].astype(float), bev["startdato"], as_of.year, prisindeks)
    units = annual_cost(bev.assign(enhedspris=1.0, tillaeg=0.0)).to_numpy()
    out["enheder_aar"] = units
    out["aarlig_udgift"] = out["pris"].to_numpy() * units + bev["tillaeg"].fillna(0).to_numpy() * 12
    # Need level at the start and now (as derived.level_at; fast path, see arrays.py).
    if scores is None:
        with timed("vurderinger"):
            scores = arrays.Scores.of(data.vurderinger)
    ass = scores.assessments()
    code = ass.codes(bev["borger_id"])
    level, when = ass.at(code, arrays.days(bev["startdato"]))
    out["niveau_start"] = level
    out["dato_start"] = _dates(when)
    as_of_day = arrays.days(np.array([as_of.to_datetime64()]))[0]
    level, when = ass.at(code, np.full(n, as_of_day))
    out["niveau_nu"] = level
    out["dato_nu"] = _dates(when)
    out["niveau"] = need_band(out["niveau_start"])
    with timed("opfoelgninger"):
        fu = arrays.latest_followups(data.opfoelgninger, bev["bevilling_id"], as_of)
    for c in fu.columns:
        out[c] = fu[c].array

    # Catalogue and provider facts by position (the grants' text columns are hashed once).
    pcode = arrays.positions(bev["paragraf"], cat["paragraf"])
    out["kategori"] = _categorical(pcode, cat["kategori"])
    out["lov"] = _categorical(pcode, cat["lov"])
    out["trin"] = np.where(pcode >= 0, cat["trin"].to_numpy(float)[pcode], np.nan)
    lev = data.leverandoerer
    lcode = arrays.positions(bev["leverandoer_id"], lev["leverandoer_id"])
    out["leverandoertype"] = _categorical(lcode, lev["leverandoertype"])
    out["leverandoer_navn"] = _categorical(lcode, lev["navn"])
    out["standardkontrakt"] = np.where(lcode >= 0, lev["standardkontrakt"].to_numpy(bool)[lcode],
                                       False)

    # Average current annual cost per paragraph over active grants (the municipality's own).
    active = out["aktiv"].to_numpy() & (pcode >= 0)
    k = len(cat)
    sums = np.bincount(pcode[active], weights=out["aarlig_udgift"].to_numpy()[active], minlength=k)
    counts = np.bincount(pcode[active], minlength=k)
    steps = next_step(cat, dict(p.naeste_trin))
    where = {name: i for i, name in enumerate(cat["paragraf"])}
    step_cost = np.full(k, np.nan)
    step_text = []
    for i, name in enumerate(cat["paragraf"]):  # catalogue paragraphs, not grants
        lower = [where[x] for x in steps[name]]
        step_text.append(" / ".join(steps[name]) if lower else "ingen støtte")
        if not lower:
            step_cost[i] = 0.0
        elif counts[lower].sum() > 0:
            step_cost[i] = sums[lower].sum() / counts[lower].sum()
    out["naeste_trin"] = _categorical(pcode, pd.Series(step_text))
    out["naeste_trin_udgift"] = np.where(pcode >= 0, step_cost[np.clip(pcode, 0, None)], np.nan)
    return out


def _categorical(code: np.ndarray, values: pd.Series) -> pd.Categorical:
    """values[code] per row (code = position, -1 = missing) as a Categorical: cheap to filter."""
    uniq = pd.unique(pd.Series(values).astype(str))
    to_cat = pd.Index(uniq).get_indexer(pd.Series(values).astype(str))
    codes = np.where(code >= 0, to_cat[np.clip(code, 0, None)], -1)
    return pd.Categorical.from_codes(codes, categories=uniq)


def _dates(day: np.ndarray) -> pd.Series:
    """Whole days (arrays.days) back to datetime64[ns]; the sentinel becomes NaT."""
    d = np.where(day >= arrays.NAT_DAY, np.datetime64("NaT"), day.astype("datetime64[D]"))
    return pd.Series(d.astype("datetime64[ns]"))


def step_down_gap(base: pd.DataFrame) -> pd.Series:
    """Annual saving if the grant moved one step down: own cost minus the step's average
    (never negative; NaN when the step's cost is unknown)."""
    return (base["aarlig_udgift"] - base["naeste_trin_udgift"]).clip(lower=0)


# --- Danish number formatting for the reasons (vectorised; analyses do not import report) ---

def fmt_tal(x: pd.Series, decimaler: int = 0) -> pd.Series:
    """1234567.8 -> '1.234.568'; NaN -> '–' (Danish thousand dots, decimal comma).

    Whole numbers are formatted by Arrow (vectorised); with decimals by Python's format,
    which rounds as report.format.tal does.
    """
    x = pd.Series(x, dtype=float)
    values = x.to_numpy()
    if decimaler > 0 or len(values) == 0 or np.nanmax(np.abs(values), initial=0) >= 1e15:
        spec = f",.{decimaler}f"
        swap = str.maketrans(",.", ".,")
        text = [("–" if math.isnan(v) else format(v, spec).translate(swap)) for v in values]
        return pd.Series(text, index=x.index, dtype="str")
    nan = np.isnan(values)
    whole = np.rint(np.where(nan, 0.0, values))  # half to even, like format()
    digits = pc.cast(pa.array(np.abs(whole).astype(np.int64)), pa.string())
    # Dots every three digits from the right: on the reversed text, after each three digits.
    grouped = pc.replace_substring_regex(pc.utf8_reverse(digits), r"(\d{3})", r"\1.")
    text = pc.utf8_reverse(pc.utf8_rtrim(grouped, characters="."))
    text = pc.if_else(pa.array(np.signbit(whole)), pc.binary_join_element_wise("-", text, ""),
                      text)
    text = pc.if_else(pa.array(nan), "–", text)
    return pd.Series(text.to_numpy(zero_copy_only=False), index=x.index, dtype="str")


def fmt_kr(x: pd.Series) -> pd.Series:
    """Amounts as '1.234.568 kr.'"""
    return fmt_tal(x) + " kr."


def fmt_pct(x: pd.Series, decimaler: int = 0) -> pd.Series:
    """Shares as '38 %'."""
    return fmt_tal(pd.Series(x) * 100, decimaler) + " %"


def fmt_dato(x: pd.Series) -> pd.Series:
    """Dates as '31.12.2025'; NaT -> '–'."""
    x = pd.Series(x)
    if len(x) == 0:
        return pd.Series([], index=x.index, dtype="str")
    stamps = pa.array(x.to_numpy().astype("datetime64[s]"), from_pandas=True)
    text = pc.fill_null(pc.strftime(stamps, format="%d.%m.%Y"), "–")
    return pd.Series(text.to_numpy(zero_copy_only=False), index=x.index, dtype="str")
