"""Indsatstrappen: citizens on each step over time, the flows between steps, step-down after
a temporary botilbud, and the steps that are thin.

A citizen's step on a date is the highest step (paragraph catalogue `trin`, 1 = least
intrusive) among their grants active that day in the area (adults or children); 0 = no
grant. Dates default to the last day of every month in the extract. A transition is a change
of step between two consecutive dates, counted in the year of the later one: op (to a higher
step), ned (to a lower step > 0), ud (to no grant), ind (from no grant).

Step-down after §107: a stay (`derived.stays`, as progression counts them: grants of the same
citizen joined when at most `sammenhaeng_dage` apart) that ended is followed by a less intrusive offer when
the citizen has a grant on a lower step that started after the stay started, no later than
`trinskift_maaneder` months after it ended, and runs past its end. Stays ended less than
that many months before the reference date cannot be judged yet and are left out.

Thin steps: on the last date, a step (or a paragraph with a national figure in
`reference.landsniveau`) is thin when it has fewer citizens per 10,000 adults than
`tyndt_trin_andel` × the municipality's own history (the average over the dates at least
12 months earlier) or × the national order of magnitude. Without population (befolkning),
the comparison with the own history uses counts and the national one is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import reference as ref
from ..data import Data, derived
from .grundlag import IkkeTilgaengelig, Indstillinger, period, settings

OMRAADER = {"voksne": (18, 120), "børn": (0, 17)}
INGEN = 0  # step of a citizen without a grant
HISTORIK_MAANEDER = 12  # own history = the dates at least this many months before the last


@dataclass(frozen=True)
class Indsatstrappe:
    """The indsatstrappe of one area (voksne or børn).

    trin: dato, trin, navn, borgere, pr_10000 (citizens per 10,000 inhabitants of the area's
    ages; NaN without befolkning).
    overgange: aar, fra_trin, til_trin, antal (0 = no grant); the flows between steps.
    bevaegelser: aar, op, ned, ud, ind.
    trinskift: aar (the stay's end), afsluttede, fulgt_af_mindre_indgribende, andel.
    ophold: the judged §107 stays behind it: borger_id, startdato, slutdato,
    fulgt_af_mindre_indgribende (intern use: pseudonyms).
    sammenligning: niveau ('trin'/'paragraf'), trin, paragraf, navn, borgere, pr_10000,
    historik (same unit as the comparison: pr_10000, else borgere), landsniveau_pr_10000,
    tynd_historik, tynd_land, tynd.
    datoer: the dates; omraade: voksne or børn.
    """

    trin: pd.DataFrame
    overgange: pd.DataFrame
    bevaegelser: pd.DataFrame
    trinskift: pd.DataFrame
    ophold: pd.DataFrame
    sammenligning: pd.DataFrame
    datoer: pd.DatetimeIndex
    omraade: str


def step_names(omraade: str = "voksne") -> pd.Series:
    """Each step's Danish name: the catalogue categories on it, e.g. 4 'Midlertidigt
    botilbud, Forsorgshjem'."""
    cat = ref.paragraffer()
    cat = cat[cat["maalgruppe_type"] == omraade]
    return cat.groupby("trin")["kategori"].agg(lambda k: ", ".join(dict.fromkeys(k))).rename(
        "navn")


def coverage(citizen: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_citizens: int,
             n_dates: int) -> np.ndarray:
    """(n_citizens, n_dates) bool: some interval [lo, hi) of the citizen covers the date."""
    diff = np.zeros((n_citizens, n_dates + 1), dtype=np.int32)
    np.add.at(diff, (citizen, lo), 1)
    np.add.at(diff, (citizen, hi), -1)
    return np.cumsum(diff[:, :n_dates], axis=1) > 0


def date_span(bev: pd.DataFrame, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per grant the dates it is active on, as index bounds [lo, hi) into the sorted dates."""
    d = dates.to_numpy()
    lo = np.searchsorted(d, bev["startdato"].to_numpy(), side="left")
    end = bev["slutdato"].to_numpy()
    hi = np.where(np.isnat(end), len(d), np.searchsorted(d, end, side="right"))
    return lo, hi


def citizens_on(bev: pd.DataFrame, dates: pd.DatetimeIndex) -> np.ndarray:
    """Distinct citizens with an active grant in `bev` on each date."""
    citizen, ids = pd.factorize(bev["borger_id"])
    lo, hi = date_span(bev, dates)
    return coverage(citizen, lo, hi, len(ids), len(dates)).sum(axis=0)


def steps_matrix(bev: pd.DataFrame, trin: np.ndarray, dates: pd.DatetimeIndex
                 ) -> tuple[np.ndarray, pd.Index]:
    """Each citizen's step on each date: (n_citizens, n_dates) int8 and the borger_ids."""
    citizen, ids = pd.factorize(bev["borger_id"])
    lo, hi = date_span(bev, dates)
    m = np.zeros((len(ids), len(dates)), dtype=np.int8)
    for k in np.unique(trin):  # a handful of steps, ascending: the highest step wins
        sel = trin == k
        m[coverage(citizen[sel], lo[sel], hi[sel], len(ids), len(dates))] = k
    return m, ids


def staircase(data: Data, dates=None, ind: Indstillinger | None = None,
              omraade: str = "voksne") -> Indsatstrappe | IkkeTilgaengelig:
    """The indsatstrappe over time (module docstring). Needs only bevillinger (and befolkning
    for rates per 10,000). dates: default the last day of every month in the extract."""
    if omraade not in OMRAADER:
        raise ValueError(f"omraade skal være 'voksne' eller 'børn' (fik {omraade!r})")
    ind = settings(ind)
    per = period(data)
    if dates is None:
        dates = pd.date_range(per.first, per.last, freq="MS") + pd.offsets.MonthEnd(0)
    dates = pd.DatetimeIndex(sorted(set(pd.to_datetime(list(dates)))))
    cat = ref.paragraffer().set_index("paragraf")
    bev = data.bevillinger
    bev = bev[bev["paragraf"].map(cat["maalgruppe_type"]).eq(omraade).to_numpy()]
    if bev.empty or len(dates) == 0:
        return IkkeTilgaengelig("Indsatstrappen", f"der er ingen bevillinger til "
                                f"{'voksne' if omraade == 'voksne' else 'børn'} i perioden.")
    trin = bev["paragraf"].map(cat["trin"]).to_numpy(dtype=np.int64)
    m, _ = steps_matrix(bev, trin, dates)
    names = step_names(omraade)
    lo_age, hi_age = OMRAADER[omraade]
    pop = derived.population(data.befolkning, lo_age, hi_age)
    pop_at = pd.Series(dates.year, index=dates).map(pop).to_numpy(dtype=float)

    steps = names.index.to_numpy()
    counts = np.stack([(m == k).sum(axis=0) for k in steps])  # (n_steps, n_dates)
    trappe = pd.DataFrame({
        "dato": np.tile(dates.to_numpy(), len(steps)),
        "trin": np.repeat(steps, len(dates)),
        "navn": np.repeat(names.to_numpy(), len(dates)),
        "borgere": counts.ravel(),
        "pr_10000": (counts / pop_at * 10_000).ravel(),
    })
    overgange, bevaegelser = _transitions(m, dates)
    trinskift, ophold = _step_down_after(bev, trin, cat, per.last, ind)
    return Indsatstrappe(
        trin=trappe,
        overgange=overgange,
        bevaegelser=bevaegelser,
        trinskift=trinskift,
        ophold=ophold,
        sammenligning=_thin_steps(bev, names, counts, dates, pop_at, ind.tyndt_trin_andel),
        datoer=dates,
        omraade=omraade,
    )


def _transitions(m: np.ndarray, dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    frm, to = m[:, :-1], m[:, 1:]
    changed = frm != to
    year = np.broadcast_to(dates.year.to_numpy()[1:], frm.shape)
    flows = pd.DataFrame({"aar": year[changed], "fra_trin": frm[changed].astype(int),
                          "til_trin": to[changed].astype(int)})
    overgange = flows.groupby(["aar", "fra_trin", "til_trin"]).size().rename(
        "antal").reset_index()
    f, t = flows["fra_trin"], flows["til_trin"]
    kind = pd.DataFrame({"aar": flows["aar"], "op": (f > INGEN) & (t > f),
                         "ned": (t > INGEN) & (t < f), "ud": (t == INGEN) & (f > INGEN),
                         "ind": (f == INGEN) & (t > INGEN)})
    years = pd.Index(sorted(set(dates.year[1:])), name="aar")
    bevaegelser = kind.groupby("aar")[["op", "ned", "ud", "ind"]].sum().reindex(
        years, fill_value=0).astype(int).reset_index()
    return overgange, bevaegelser


def _step_down_after(bev: pd.DataFrame, trin: np.ndarray, cat: pd.DataFrame,
                     opgjort: pd.Timestamp, ind: Indstillinger
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = ["aar", "afsluttede", "fulgt_af_mindre_indgribende", "andel"]
    stay_columns = ["borger_id", "startdato", "slutdato", "fulgt_af_mindre_indgribende"]
    none = (pd.DataFrame(columns=columns), pd.DataFrame(columns=stay_columns))
    if "§107" not in cat.index or not (bev["paragraf"] == "§107").any():
        return none
    st = derived.stays(bev, "§107", opgjort, gap_days=ind.sammenhaeng_dage)
    cutoff = opgjort - pd.DateOffset(months=ind.trinskift_maaneder)
    st = st[st["afsluttet"] & (st["slutdato"] <= cutoff)].reset_index(names="ophold")
    if st.empty:
        return none
    lower = bev.loc[trin < int(cat.at["§107", "trin"]), ["borger_id", "startdato", "slutdato"]]
    pairs = st.merge(lower, on="borger_id", suffixes=("", "_ny"))
    window_end = pairs["slutdato"] + pd.DateOffset(months=ind.trinskift_maaneder)
    followed = ((pairs["startdato_ny"] > pairs["startdato"])
                & (pairs["startdato_ny"] <= window_end)
                & (pairs["slutdato_ny"].isna() | (pairs["slutdato_ny"] > pairs["slutdato"])))
    hit = set(pairs.loc[followed.to_numpy(), "ophold"])
    st["fulgt_af_mindre_indgribende"] = st["ophold"].isin(hit)
    out = st.groupby(st["slutdato"].dt.year).agg(
        afsluttede=("fulgt_af_mindre_indgribende", "size"),
        fulgt_af_mindre_indgribende=("fulgt_af_mindre_indgribende", "sum"))
    out["andel"] = out["fulgt_af_mindre_indgribende"] / out["afsluttede"]
    return out.rename_axis("aar").reset_index()[columns], st[stay_columns]


def _thin_steps(bev: pd.DataFrame, names: pd.Series, counts: np.ndarray,
                dates: pd.DatetimeIndex, pop_at: np.ndarray, share: float) -> pd.DataFrame:
    history = dates <= dates[-1] - pd.DateOffset(months=HISTORIK_MAANEDER)
    rate = not np.isnan(pop_at).any()
    national = ref.landsniveau().set_index("paragraf")
    national = national[national.index.isin(bev["paragraf"].unique())]
    rows = []

    def add(niveau, trin, paragraf, navn, series, land):
        value = series / pop_at * 10_000 if rate else series.astype(float)
        hist = value[history].mean() if history.any() else np.nan
        now = value[-1]
        rows.append((niveau, trin, paragraf, navn, int(series[-1]),
                     now if rate else np.nan, hist, land if rate else np.nan))

    for i, k in enumerate(names.index):
        add("trin", int(k), None, names[k], counts[i], np.nan)
    cat = ref.paragraffer().set_index("paragraf")
    for par, row in national.iterrows():  # the few paragraphs with a national figure
        n = citizens_on(bev[bev["paragraf"] == par], dates)
        add("paragraf", int(cat.at[par, "trin"]), par, row["beskrivelse"], n,
            float(row["pr_10000_voksne"]))
    out = pd.DataFrame(rows, columns=["niveau", "trin", "paragraf", "navn", "borgere",
                                      "pr_10000", "historik", "landsniveau_pr_10000"])
    now = out["pr_10000"] if rate else out["borgere"].astype(float)
    out["tynd_historik"] = (now < share * out["historik"]).fillna(False).astype(bool)
    out["tynd_land"] = (out["pr_10000"] < share * out["landsniveau_pr_10000"]).fillna(
        False).astype(bool)
    out["tynd"] = out["tynd_historik"] | out["tynd_land"]
    return out
