"""Realiserede indkøbsgevinster: the cost avoided by renegotiated prices, against the political
target (Herlev's social procurement consultant had 2 mio. kr. the first year, 4 the second).

Two records of a renegotiation count:
- a price change in `kontrakter` (tidligere_enhedspris → enhedspris from prisaendring_dato):
  (old − new price) × the units of the grants the contract covers (`covering_contracts` on
  the effect month);
- a follow-up of type genforhandling with resultat 'justeret' in `opfoelgninger`: the price
  per unit paid before and after, from the payments (the median over up to
  `indkoeb.maalevindue_maaneder` months on each side of what was paid against what the grant
  should cost, so volume, month lengths and the index cancel out), or from the grant that
  replaced it (same citizen, provider, paragraph and unit, starting within a month of the
  end) when the new price came as a new grant.
A renegotiation counts from its effect month (`derived.effect_month`, as the servicetjek's
decisions do); the yearly saving is (price before − price after) × units per year, and what
was realised is that saving month by month while the grant runs, up to the reference month.
Where one renegotiation is recorded both ways (same grant, effect months at most a month
apart), the contract's prices count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data, derived
from . import grundlag as g
from .kontrakter import covering_contracts

KONTRAKT = "kontrakt"
OPFOELGNING = "opfølgning"
AFTALT = "aftalt pris"
SENERE = "gælder fra senere"
MAALT = "målt"
UAENDRET = "uændret pris"
OPHOERT = "ophørt"
FOR_TIDLIGT = "for tidligt at måle"
INGEN_FOER = "ingen betalinger før"
INGEN_EFTER = "ingen betalinger efter"
#: Statuses whose saving counts (the others are listed with 0).
TAELLER = (AFTALT, SENERE, MAALT)

PR_GENFORHANDLING = {
    "kilde": "str", "kontrakt_id": "str", "bevilling_id": "str", "borger_id": "str",
    "leverandoer_id": "str", "navn": "str", "paragraf": "str", "dato": "datetime64[ns]",
    "virkning_fra": "datetime64[ns]", "status": "str", "pris_foer": "float64",
    "pris_efter": "float64", "enheder_aar": "float64", "aarlig_besparelse": "float64",
    "realiseret": "float64",
}
#: A renegotiation row while it is built (_r numbers it, i is its grant's row in bevillinger).
_ROW = {"_r": "int64", "i": "int64", **{c: t for c, t in PR_GENFORHANDLING.items()
                                         if c not in ("navn", "borger_id", "paragraf",
                                                      "realiseret")}}
PR_AAR = {"aar": "int64", "antal_genforhandlinger": "int64", "aarlig_effekt": "float64",
          "realiseret": "float64", "maal": "float64", "andel_af_maal": "float64"}
PR_MAANED = {"maaned": "datetime64[ns]", "besparelse": "float64", "akkumuleret": "float64"}


@dataclass(frozen=True, kw_only=True)
class Indkoebsgevinster(g.Resultat):
    """Savings from renegotiated prices.

    pr_genforhandling: one row per renegotiated grant: kilde ('kontrakt' or 'opfølgning'),
    dato and virkning_fra (the effect month), status ('aftalt pris', 'gælder fra senere',
    'målt' count; 'uændret pris', 'ophørt', 'for tidligt at måle', 'ingen betalinger før',
    'ingen betalinger efter' are listed with 0), pris_foer and pris_efter (kr per unit, tillæg
    included for measured ones), enheder_aar, aarlig_besparelse (kr per year; negative when
    the price went up) and realiseret (kr up to the reference month).
    pr_aar: per year: antal_genforhandlinger and aarlig_effekt (the yearly saving of the
    renegotiations taking effect that year), realiseret (saved in the year's months), maal
    (indkoeb.besparelsesmaal) and andel_af_maal (aarlig_effekt / maal).
    pr_maaned: maaned, besparelse, akkumuleret.
    aar: the reference date's year, with its aarlig_effekt, maal and andel_af_maal;
    realiseret: all saved up to the reference month.
    """

    pr_genforhandling: pd.DataFrame
    pr_aar: pd.DataFrame
    pr_maaned: pd.DataFrame
    opgoerelsesdato: pd.Timestamp | None
    aar: int | None
    aarlig_effekt: float
    maal: float | None
    andel_af_maal: float
    realiseret: float


def procurement_savings(data: Data, params: Parametre, as_of=None) -> Indkoebsgevinster:
    """The savings from renegotiations recorded in kontrakter or as genforhandling follow-ups,
    per renegotiation, year and month, against indkoeb.besparelsesmaal (see the module
    docstring and Indkoebsgevinster). params: the full Parametre; as_of: the reference date
    (default: the last day of the latest paid month)."""
    as_of = (derived.reference_date(data.betalinger) if as_of is None
             else pd.Timestamp(as_of).normalize())
    has_changes = (not data.kontrakter.empty
                   and data.kontrakter["tidligere_enhedspris"].notna().any())
    has_followups = data.opfoelgninger["type"].astype(str).eq("genforhandling").any()
    if as_of is None:
        return _unavailable(None, "Der er ingen betalinger, så opgørelsesdatoen er ukendt, og "
                                  "indkøbsgevinsterne kan ikke opgøres.")
    if not (has_changes or has_followups):
        return _unavailable(as_of, "Der er ingen genforhandlinger registreret: hverken "
                                   "prisændringer i tabellen kontrakter eller opfølgninger af "
                                   "typen genforhandling.")
    last_month = as_of.to_period("M").to_timestamp()
    bev = data.bevillinger.reset_index(drop=True)
    notes: tuple[str, ...] = ()
    if data.kontrakter.empty:
        notes += (("Tabellen kontrakter mangler; kun genforhandlinger registreret som "
                  "opfølgninger tæller med."),)
    c_rows, c_months, c_notes = _from_contracts(data, bev, last_month)
    f_rows, f_months = _from_followups(data, bev, params, as_of, last_month)
    # One renegotiation recorded both ways: the contract's prices count.
    if len(c_rows) and len(f_rows):
        near = f_rows[["_r", "i", "virkning_fra"]].merge(
            c_rows[["i", "virkning_fra"]], on="i", suffixes=("", "_k"))
        near = near[(near["virkning_fra"] - near["virkning_fra_k"]).abs() <= pd.Timedelta(days=31)]
        dup = set(near["_r"])
        if dup:
            f_rows = f_rows[~f_rows["_r"].isin(dup)]
            f_months = f_months[~f_months["_r"].isin(dup)]
            notes += ((f"{len(dup)} genforhandlinger er registreret både som prisændring i "
                      "kontrakter og som opfølgning; de tæller én gang med kontraktens priser."),)
    rows = pd.concat([c_rows, f_rows], ignore_index=True)
    months = pd.concat([c_months, f_months], ignore_index=True)
    realised = months.groupby("_r")["besparelse"].sum()
    rows["realiseret"] = rows["_r"].map(realised).fillna(0.0).to_numpy()
    counts = rows["status"].isin(TAELLER)
    rows.loc[~counts, ["aarlig_besparelse", "realiseret"]] = 0.0
    months = months[months["_r"].isin(rows.loc[counts, "_r"])]

    prov = g.providers(data)
    rows["navn"] = rows["leverandoer_id"].map(prov["navn"])
    rows["borger_id"] = bev["borger_id"].astype(str).to_numpy()[rows["i"].to_numpy()]
    rows["paragraf"] = bev["paragraf"].astype(str).to_numpy()[rows["i"].to_numpy()]
    rows = rows.sort_values(["virkning_fra", "leverandoer_id", "bevilling_id"])
    per_month = months.groupby("maaned", as_index=False)["besparelse"].sum().sort_values("maaned")
    per_month["akkumuleret"] = per_month["besparelse"].cumsum()
    pr_aar = _by_year(rows[rows["status"].isin(TAELLER)], per_month, params, as_of.year)
    this = pr_aar[pr_aar["aar"] == as_of.year].iloc[0]
    return Indkoebsgevinster(
        pr_genforhandling=g.ordered(rows, PR_GENFORHANDLING),
        pr_aar=pr_aar, pr_maaned=g.ordered(per_month, PR_MAANED), opgoerelsesdato=as_of,
        aar=as_of.year, aarlig_effekt=float(this["aarlig_effekt"]),
        maal=params.indkoeb.maal_for(as_of.year), andel_af_maal=float(this["andel_af_maal"]),
        realiseret=float(per_month["besparelse"].sum()), noter=notes + c_notes)


def _by_year(rows: pd.DataFrame, per_month: pd.DataFrame, params: Parametre, this_year: int
             ) -> pd.DataFrame:
    effect = rows.assign(aar=rows["virkning_fra"].dt.year).groupby("aar").agg(
        antal_genforhandlinger=("_r", "size"), aarlig_effekt=("aarlig_besparelse", "sum"))
    realised = per_month.groupby(per_month["maaned"].dt.year)["besparelse"].sum()
    years = sorted(set(effect.index) | set(realised.index) | {this_year})
    t = pd.DataFrame({"aar": years})
    t["antal_genforhandlinger"] = t["aar"].map(effect["antal_genforhandlinger"]).fillna(0).astype(
        np.int64)
    t["aarlig_effekt"] = t["aar"].map(effect["aarlig_effekt"]).fillna(0.0)
    t["realiseret"] = t["aar"].map(realised).fillna(0.0)
    t["maal"] = [params.indkoeb.maal_for(int(y)) for y in t["aar"]]
    t["maal"] = t["maal"].astype(float)
    t["andel_af_maal"] = t["aarlig_effekt"] / t["maal"].where(t["maal"] > 0)
    return g.ordered(t, PR_AAR)


def _nan_columns(n: int) -> dict:
    return {c: np.full(n, np.nan) for c in ("pris_foer", "pris_efter", "enheder_aar",
                                            "aarlig_besparelse")}


_MONTH_COLUMNS = ["_r", "maaned", "besparelse"]


def _monthly(b: pd.DataFrame, saving_per_unit: np.ndarray, first: pd.Series,
             last_month: pd.Timestamp, r: np.ndarray, prisindeks: float = 0.0,
             scale: np.ndarray | None = None) -> pd.DataFrame:
    """Saving per month from each row's `first` month to `last_month` while the grant runs:
    saving_per_unit × the month's units (or, with `scale`, scale × what the grant should cost
    that month at prisindeks)."""
    if len(b) == 0 or pd.isna(first).all() or first.min() > last_month:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(_MONTH_COLUMNS, ("int64", "datetime64[ns]", "float64"))})
    if scale is None:
        grant = b.assign(enhedspris=saving_per_unit, tillaeg=0.0)
    else:
        grant = b
    grant = grant.assign(bevilling_id=np.arange(len(b)).astype(str))
    e = derived.expected_payments(grant, first.min(), last_month, prisindeks)
    k = e["bevilling_id"].astype(np.int64).to_numpy()
    amount = e["forventet"].to_numpy() * (1.0 if scale is None else scale[k])
    out = pd.DataFrame({"_r": r[k], "maaned": e["periode"].to_numpy(), "besparelse": amount})
    return out[out["maaned"].to_numpy() >= first.to_numpy()[k]]


def _from_contracts(data: Data, bev: pd.DataFrame, last_month: pd.Timestamp):
    """Rows and monthly savings of the price changes recorded in kontrakter."""
    empty_rows = g.empty(_ROW)
    k = data.kontrakter
    if k.empty or not k["tidligere_enhedspris"].notna().any():
        return empty_rows, _monthly(bev.iloc[:0], np.empty(0), pd.Series(dtype="datetime64[ns]"),
                                    last_month, np.empty(0, np.int64)), ()
    changes = k[k["tidligere_enhedspris"].notna()].copy()
    changes["kontrakt_id"] = changes["kontrakt_id"].astype(str)
    changes["virkning_fra"] = derived.effect_month(changes["prisaendring_dato"])
    grants = pd.DataFrame({c: bev[c].astype(str) for c in ("bevilling_id", "leverandoer_id",
                                                            "paragraf")}).assign(i=np.arange(len(bev)))
    cols = ["kontrakt_id", "enhed", "enhedspris", "tidligere_enhedspris", "prisaendring_dato",
            "virkning_fra"]
    own, par = changes["bevilling_id"].notna(), changes["paragraf"].notna()
    pairs = pd.concat([
        changes.loc[own, cols + ["bevilling_id"]].assign(
            bevilling_id=lambda x: x["bevilling_id"].astype(str)).merge(grants, on="bevilling_id"),
        changes.loc[~own & par, cols + ["leverandoer_id", "paragraf"]].astype(
            {"leverandoer_id": str, "paragraf": str}).merge(grants, on=["leverandoer_id", "paragraf"]),
        changes.loc[~own & ~par, cols + ["leverandoer_id"]].astype({"leverandoer_id": str}).merge(
            grants, on="leverandoer_id"),
    ], ignore_index=True).rename(columns={"enhed": "kontrakt_enhed"})
    b = bev.iloc[pairs["i"].to_numpy()].reset_index(drop=True)
    e_end = pairs["virkning_fra"] + pd.offsets.MonthEnd(0)
    runs = (b["startdato"] <= e_end) & (b["slutdato"].isna() | (b["slutdato"] >= pairs["virkning_fra"]))
    cov = covering_contracts(k, pairs, pairs["virkning_fra"])
    mine = runs & cov["gyldig"] & (cov["kontrakt_id"] == pairs["kontrakt_id"])
    same_unit = b["enhed"].astype(str) == pairs["kontrakt_enhed"].astype(str)
    notes = ()
    if (mine & ~same_unit).any():
        notes = ((f"{int((mine & ~same_unit).sum())} bevillinger under en genforhandlet kontrakt "
                 "har en anden enhed end kontraktens pris og tæller ikke med."),)
    keep = (mine & same_unit).to_numpy()
    pairs, b = pairs[keep].reset_index(drop=True), b[keep].reset_index(drop=True)
    units = derived.annual_cost(b.assign(enhedspris=1.0, tillaeg=0.0)).to_numpy()
    delta = (pairs["tidligere_enhedspris"] - pairs["enhedspris"]).to_numpy(dtype=float)
    r = np.arange(len(pairs))
    rows = pd.DataFrame({
        "_r": r, "i": pairs["i"].to_numpy(), "kilde": KONTRAKT,
        "kontrakt_id": pairs["kontrakt_id"].to_numpy(),
        "bevilling_id": pairs["bevilling_id"].to_numpy(),
        "leverandoer_id": b["leverandoer_id"].astype(str).to_numpy(),
        "dato": pairs["prisaendring_dato"].to_numpy(), "virkning_fra": pairs["virkning_fra"].to_numpy(),
        "status": np.where(pairs["virkning_fra"] <= last_month, AFTALT, SENERE),
        "pris_foer": pairs["tidligere_enhedspris"].to_numpy(dtype=float),
        "pris_efter": pairs["enhedspris"].to_numpy(dtype=float),
        "enheder_aar": units, "aarlig_besparelse": delta * units,
    })
    months = _monthly(b, delta, pairs["virkning_fra"], last_month, r)
    return rows, months, notes


def _from_followups(data: Data, bev: pd.DataFrame, params: Parametre, as_of: pd.Timestamp,
                    last_month: pd.Timestamp):
    """Rows and monthly savings of the genforhandling follow-ups (numbered after the
    contracts' rows: `_r` from 10**9)."""
    o = data.opfoelgninger
    o = o[o["type"].astype(str).eq("genforhandling") & (o["dato"] <= as_of)]
    i = pd.Index(bev["bevilling_id"]).get_indexer(o["bevilling_id"])
    o = o[i >= 0]
    i = i[i >= 0]
    n = len(o)
    f = pd.DataFrame({
        "_r": 10**9 + np.arange(n), "i": i, "kilde": OPFOELGNING, "kontrakt_id": pd.NA,
        "bevilling_id": o["bevilling_id"].astype(str).to_numpy(),
        "leverandoer_id": bev["leverandoer_id"].astype(str).to_numpy()[i],
        "dato": o["dato"].to_numpy(), "resultat": o["resultat"].astype(str).to_numpy(),
        **_nan_columns(n)})
    f["virkning_fra"] = derived.effect_month(f["dato"])
    f["status"] = np.select([f["resultat"].eq("uændret"), f["resultat"].eq("ophørt"),
                             f["virkning_fra"] > last_month], [UAENDRET, OPHOERT, FOR_TIDLIGT], "")
    todo = f["status"].eq("")
    succ = _successors(bev, f[todo])
    by_succ = succ.reindex(f.index).notna() & todo
    months = []
    if by_succ.any():
        months.append(_price_from_successor(bev, f, by_succ, succ, params, last_month))
    by_pay = todo & ~by_succ
    if by_pay.any():
        months.append(_price_from_payments(data, bev, f, by_pay, params, last_month))
    months = (pd.concat(months, ignore_index=True) if months else
              _monthly(bev.iloc[:0], np.empty(0), pd.Series(dtype="datetime64[ns]"), last_month,
                       np.empty(0, np.int64)))
    return f.drop(columns="resultat"), months


def _successors(bev: pd.DataFrame, f: pd.DataFrame) -> pd.Series:
    """For renegotiations whose grant ended around the renegotiation (from a month before it
    to a month after its effect month): the row of the grant that replaced it, i.e. the same
    citizen, provider, paragraph and unit, starting within 31 days after the end. Indexed like
    f; NaN when none."""
    if f.empty:
        return pd.Series(dtype=float)
    old = bev.iloc[f["i"].to_numpy()]
    end = old["slutdato"].to_numpy()
    around = (~pd.isna(end)) & (end >= (f["dato"] - pd.Timedelta(days=31)).to_numpy()) & (
        end <= (f["virkning_fra"] + pd.Timedelta(days=31)).to_numpy())
    key = ["borger_id", "leverandoer_id", "paragraf", "enhed"]
    left = old[key].astype(str).assign(_f=f.index.to_numpy(), _end=end, _old=f["i"].to_numpy())
    left = left[around]
    right = bev[key].astype(str).assign(_j=np.arange(len(bev)), _start=bev["startdato"].to_numpy())
    m = left.merge(right, on=key)
    gap = (m["_start"] - m["_end"]).dt.days
    m = m[(gap >= 0) & (gap <= 31) & (m["_j"] != m["_old"])].sort_values(["_f", "_start"])
    first = m.drop_duplicates("_f")
    return pd.Series(first["_j"].to_numpy(dtype=float), index=first["_f"].to_numpy())


def _all_in(b: pd.DataFrame, year: np.ndarray, prisindeks: float) -> tuple[np.ndarray, np.ndarray]:
    """A grant's price per unit with tillæg (its annual cost / units per year) at its price
    regulated to `year`, and its units per year."""
    factor = (1.0 + prisindeks) ** np.clip(year - b["startdato"].dt.year.to_numpy(), 0, None)
    units = derived.annual_cost(b.assign(enhedspris=1.0, tillaeg=0.0)).to_numpy()
    cost = derived.annual_cost(b.assign(enhedspris=b["enhedspris"].to_numpy() * factor)).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(units > 0, cost / units, np.nan), units


def _price_from_successor(bev, f, sel, succ, params, last_month) -> pd.DataFrame:
    """Old price = the renegotiated grant's, new = its successor's, both regulated to the
    effect year; the volume is the successor's."""
    prisindeks = float(params.prisindeks)
    rows = f[sel]
    year = rows["virkning_fra"].dt.year.to_numpy()
    old, _ = _all_in(bev.iloc[rows["i"].to_numpy()].reset_index(drop=True), year, prisindeks)
    nb = bev.iloc[succ[rows.index].astype(int).to_numpy()].reset_index(drop=True)
    new, units = _all_in(nb, year, prisindeks)
    f.loc[sel, "pris_foer"], f.loc[sel, "pris_efter"] = old, new
    f.loc[sel, "enheder_aar"] = units
    f.loc[sel, "aarlig_besparelse"] = (old - new) * units
    f.loc[sel, "status"] = MAALT
    start = np.maximum(rows["virkning_fra"].to_numpy(), nb["startdato"].dt.to_period("M")
                       .dt.to_timestamp().to_numpy())
    return _monthly(nb, old - new, pd.Series(start), last_month, rows["_r"].to_numpy())


def _price_from_payments(data, bev, f, sel, params, last_month) -> pd.DataFrame:
    """Levels paid / should cost before and after (medians over the window), times the
    grant's all-in price regulated to the effect year."""
    prisindeks = float(params.prisindeks)
    w = params.indkoeb.maalevindue_maaneder
    rows = f[sel]
    d_month = g.month_number(rows["dato"])
    e_month = g.month_number(rows["virkning_fra"])
    last_m = int(g.month_number(pd.Series([last_month]))[0])
    offs = np.arange(w)
    # Window months per renegotiation: w before the renegotiation's month, w from the effect.
    before = (d_month[:, None] - w + offs[None, :])
    after = e_month[:, None] + offs[None, :]
    n = len(rows)
    win = pd.DataFrame({
        "k": np.repeat(np.arange(n), 2 * w),
        "i": np.repeat(rows["i"].to_numpy(), 2 * w),
        "maaned": np.concatenate([before, after], axis=1).ravel(),
        "foer": np.tile(np.r_[np.ones(w, bool), np.zeros(w, bool)], n),
    })
    win = win[win["maaned"] <= last_m]
    b = bev.iloc[rows["i"].to_numpy()].reset_index(drop=True)
    first = pd.Timestamp(np.datetime64(int(win["maaned"].min()), "M"))
    should = derived.expected_payments(b.assign(bevilling_id=np.arange(n).astype(str)), first,
                                       last_month, prisindeks)
    should = pd.Series(should["forventet"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [should["bevilling_id"].astype(np.int64).to_numpy(), g.month_number(should["periode"])]))
    paid = g.Linjer.of(data).for_grants(np.unique(rows["i"].to_numpy()))
    win["skulle"] = should.reindex(pd.MultiIndex.from_arrays([win["k"], win["maaned"]])).to_numpy()
    win["betalt"] = paid.reindex(pd.MultiIndex.from_arrays([win["i"], win["maaned"]])).to_numpy()
    win = win[(win["skulle"] > 0) & win["betalt"].notna()]
    level = (win.assign(r=win["betalt"] / win["skulle"])
             .groupby(["k", "foer"])["r"].median().unstack("foer"))
    lb = level.get(True, pd.Series(dtype=float)).reindex(range(n)).to_numpy()
    la = level.get(False, pd.Series(dtype=float)).reindex(range(n)).to_numpy()
    price, units = _all_in(b, rows["virkning_fra"].dt.year.to_numpy(), prisindeks)
    ok = ~np.isnan(lb) & ~np.isnan(la)
    status = np.where(np.isnan(lb), INGEN_FOER, np.where(np.isnan(la), INGEN_EFTER, MAALT))
    f.loc[sel, "status"] = status
    f.loc[sel, "pris_foer"] = np.where(ok, lb * price, np.nan)
    f.loc[sel, "pris_efter"] = np.where(ok, la * price, np.nan)
    f.loc[sel, "enheder_aar"] = units
    f.loc[sel, "aarlig_besparelse"] = np.where(ok, (lb - la) * price * units, np.nan)
    k = np.flatnonzero(ok)
    return _monthly(b.iloc[k].reset_index(drop=True), np.empty(0),
                    rows["virkning_fra"].iloc[k].reset_index(drop=True), last_month,
                    rows["_r"].to_numpy()[k], prisindeks, scale=(lb - la)[k])


def _unavailable(as_of, reason: str) -> Indkoebsgevinster:
    return Indkoebsgevinster(pr_genforhandling=g.empty(PR_GENFORHANDLING), pr_aar=g.empty(PR_AAR),
                             pr_maaned=g.empty(PR_MAANED), opgoerelsesdato=as_of,
                             aar=None if as_of is None else as_of.year, aarlig_effekt=0.0,
                             maal=None, andel_af_maal=np.nan, realiseret=0.0, mangler=reason)
