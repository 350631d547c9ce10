"""Kontrakter: which contract covers each grant, how much of the external spending is bought
on the municipality's standard contract, the tillæg share per provider, and the contract
calendar (what expires or is due for renegotiation).

Only 5 of the 14 municipalities in Deloitte's study use a standard contract with all external
providers, and as few find the prices of tillægsydelser specified in the contracts (case 4);
Helsingør's contract manager renegotiates every contract (case 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data, derived
from . import grundlag as g

#: How a grant is covered (kontraktstatus).
STANDARD = "standardkontrakt"
ANDEN = "anden kontrakt"
INGEN = "ingen gyldig kontrakt"
#: What a contract covers, most specific first.
DAEKNING = ("bevilling", "paragraf", "leverandør")

DAEKNING_COLUMNS = {"kontrakt_id": "str", "daekning": "str", "gyldig": "bool"}


def covering_contracts(kontrakter: pd.DataFrame, grants: pd.DataFrame, on: pd.Series
                       ) -> pd.DataFrame:
    """The contract that covers each grant on a date.

    grants: rows with bevilling_id, leverandoer_id and paragraf (a grant may appear several
    times, e.g. once per year); on: the date per row (aligned with grants). A contract covers
    a grant when it names the grant (bevilling_id), or it is the provider's contract for the
    grant's paragraph, or for all the provider's paragraphs (paragraf empty), and it started
    on or before the date. A contract valid on the date (not expired) wins over an expired
    one; then the most specific (bevilling, paragraf, leverandør); then the latest started.
    Returns a frame with the grants' index: kontrakt_id (NaN when none), daekning (how it
    covers the grant) and gyldig (valid on the date).
    """
    out = pd.DataFrame({"kontrakt_id": pd.Series(np.nan, index=grants.index, dtype="str"),
                        "daekning": pd.Series(np.nan, index=grants.index, dtype="str"),
                        "gyldig": False}, index=grants.index)
    if kontrakter.empty or grants.empty:
        return out
    left = pd.DataFrame({
        "_g": np.arange(len(grants)),
        "bevilling_id": grants["bevilling_id"].astype(str).to_numpy(),
        "leverandoer_id": grants["leverandoer_id"].astype(str).to_numpy(),
        "paragraf": grants["paragraf"].astype(str).to_numpy(),
        "_on": pd.to_datetime(pd.Series(on).to_numpy()),
    })
    k = kontrakter[["kontrakt_id", "leverandoer_id", "bevilling_id", "paragraf", "startdato",
                    "udloebsdato"]]
    own, par = k["bevilling_id"].notna(), k["paragraf"].notna()
    cand = pd.concat([
        left.merge(k[own].drop(columns=["leverandoer_id", "paragraf"]), on="bevilling_id"
                   ).assign(_d=0),
        left.merge(k[~own & par].drop(columns=["bevilling_id"]),
                   on=["leverandoer_id", "paragraf"]).assign(_d=1),
        left.merge(k[~own & ~par].drop(columns=["bevilling_id", "paragraf"]),
                   on="leverandoer_id").assign(_d=2),
    ], ignore_index=True)
    cand = cand[cand["startdato"] <= cand["_on"]]
    cand = cand.assign(gyldig=cand["udloebsdato"].isna() | (cand["udloebsdato"] >= cand["_on"]))
    best = cand.sort_values(["_g", "gyldig", "_d", "startdato", "kontrakt_id"],
                            ascending=[True, False, True, False, True]).drop_duplicates("_g")
    rows = out.index[best["_g"].to_numpy()]
    out.loc[rows, "kontrakt_id"] = best["kontrakt_id"].astype(str).to_numpy()
    out.loc[rows, "daekning"] = np.array(DAEKNING, dtype=object)[best["_d"].to_numpy()]
    out.loc[rows, "gyldig"] = best["gyldig"].to_numpy(dtype=bool)
    return out


# --- coverage ------------------------------------------------------------------------------

PR_AAR = {
    "aar": "int64", "helt_aar": "bool", "leverandoertype": "str", "udgift": "float64",
    "udgift_standardkontrakt": "float64", "andel_udgift_standardkontrakt": "float64",
    "udgift_uden_kontrakt": "float64", "antal_bevillinger": "int64",
    "antal_bevillinger_standardkontrakt": "int64", "andel_bevillinger_standardkontrakt": "float64",
    "antal_bevillinger_uden_kontrakt": "Int64", "antal_borgere": "int64",
}
TILLAEG = {
    "aar": "int64", "helt_aar": "bool", "leverandoer_id": "str", "navn": "str",
    "leverandoertype": "str", "udgift": "float64", "tillaeg": "float64",
    "andel_tillaeg": "float64", "tillaeg_pr_maaned": "float64", "vaekst": "float64",
    "aendring_andel": "float64", "antal_bevillinger_med_tillaeg": "int64",
}


@dataclass(frozen=True, kw_only=True)
class Kontraktdaekning(g.Resultat):
    """Standard-contract coverage of external purchases, and tillæg per provider.

    pr_aar: per year and external provider type (and 'I alt' for all external providers):
    udgift (payments, kr), the part bought on the standard contract (udgift_standardkontrakt,
    andel_udgift_standardkontrakt), udgift_uden_kontrakt (no valid contract; only known with
    the kontrakter table), grants the same way (antal_bevillinger...) and antal_borgere.
    tillaeg: per year and external provider: tillaeg (the grants' tillæg in kr for the
    months covered), andel_tillaeg (of the payments, udgift), tillaeg_pr_maaned and vaekst
    (its growth against the year before: comparable also for the current, partial year),
    aendring_andel (change in the share, in points) and antal_bevillinger_med_tillaeg.
    kilde: 'kontrakter' (each grant's own contract, `covering_contracts`) or 'leverandoerer'
    (the provider's standardkontrakt flag, when there is no kontrakter table). aar and the
    andel_* fields: the headline year (all external providers).
    """

    pr_aar: pd.DataFrame
    tillaeg: pd.DataFrame
    kilde: str
    aar: int | None
    andel_udgift_standardkontrakt: float
    andel_bevillinger_standardkontrakt: float


def contract_coverage(data: Data, year: int | None = None, *,
                      aarstal: g.Aarstal | None = None) -> Kontraktdaekning:
    """How much of the external spending and grants is bought on the standard contract, per
    provider type and year, and the tillæg share per external provider and its growth (see
    Kontraktdaekning). year: the headline year (default: the latest the payments cover);
    aarstal: `year_figures(data)`, to reuse them."""
    covered = g.covered_years(data.betalinger)

    def unavailable(reason: str) -> Kontraktdaekning:
        return Kontraktdaekning(pr_aar=g.empty(PR_AAR), tillaeg=g.empty(TILLAEG), kilde="",
                                aar=year, andel_udgift_standardkontrakt=np.nan,
                                andel_bevillinger_standardkontrakt=np.nan, mangler=reason)

    if not covered:
        return unavailable("Der er ingen betalinger i data, så kontraktdækningen kan ikke "
                           "beregnes.")
    if data.leverandoerer.empty:
        return unavailable(g.missing_table(
            "leverandoerer", "kontraktdækningen (hvilke leverandører der er eksterne)"))
    whole = {a.aar: a.helt for a in covered}
    last_day = {a.aar: a.last for a in covered}
    bev = data.bevillinger
    prov = g.providers(data)
    gy = g.with_grant_facts(data, g.grant_years(data, covered, aarstal), prov,
                            ("bevilling_id", "leverandoer_id", "paragraf"))
    ext = gy[gy["leverandoertype"].isin(g.EKSTERNE)].copy()
    if data.kontrakter.empty:
        kilde = "leverandoerer"
        std = data.leverandoerer.set_index("leverandoer_id")["standardkontrakt"].astype(bool)
        on_std = std.reindex(ext["leverandoer_id"].cat.categories).fillna(False).to_numpy(bool)
        ext["status"] = np.where(on_std[ext["leverandoer_id"].cat.codes], STANDARD, ANDEN)
        notes = (("Der er ingen kontrakttabel, så standardkontrakt er taget fra "
                 "leverandørtabellen (gælder alle leverandørens køb)."),)
    else:
        kilde = "kontrakter"
        # The contract on the grant's last active day in the year (or the year's last day).
        end = bev["slutdato"].to_numpy()[ext["i"].to_numpy()]
        year_end = ext["aar"].map(last_day).to_numpy()
        on = np.where(pd.isna(end), year_end, np.minimum(end, year_end))
        cov = covering_contracts(data.kontrakter, ext, pd.Series(on, index=ext.index))
        flag = data.kontrakter.set_index("kontrakt_id")["standardkontrakt"].astype(bool)
        is_std = cov["kontrakt_id"].map(flag).fillna(False).to_numpy(bool)
        ext["status"] = np.select([~cov["gyldig"].to_numpy(bool), is_std], [INGEN, STANDARD],
                                  ANDEN)
        notes = ()
    pr_aar = _coverage_table(ext, data, whole, kilde)
    focus = year if year is not None else covered[-1].aar
    total = pr_aar[(pr_aar["aar"] == focus) & (pr_aar["leverandoertype"] == g.I_ALT)]
    pick = (lambda c: float(total[c].iloc[0])) if len(total) else (lambda c: np.nan)
    return Kontraktdaekning(
        pr_aar=pr_aar, tillaeg=_tillaeg(ext, covered, prov), kilde=kilde, aar=focus,
        andel_udgift_standardkontrakt=pick("andel_udgift_standardkontrakt"),
        andel_bevillinger_standardkontrakt=pick("andel_bevillinger_standardkontrakt"),
        noter=notes + g.uncovered_note(None if year is None else [year], covered))


def _coverage_table(ext: pd.DataFrame, data: Data, whole: dict, kilde: str) -> pd.DataFrame:
    ext = ext.assign(
        _std=ext["status"].eq(STANDARD) & ext["aktiv"], _none=ext["status"].eq(INGEN) & ext["aktiv"],
        udgift_standardkontrakt=ext["udgift"].where(ext["status"].eq(STANDARD), 0.0),
        udgift_uden_kontrakt=ext["udgift"].where(ext["status"].eq(INGEN), 0.0))
    parts = []
    for by in (["aar", "leverandoertype"], ["aar"]):
        t = ext.groupby(by, observed=True).agg(
            udgift=("udgift", "sum"), udgift_standardkontrakt=("udgift_standardkontrakt", "sum"),
            udgift_uden_kontrakt=("udgift_uden_kontrakt", "sum"),
            antal_bevillinger=("aktiv", "sum"), antal_bevillinger_standardkontrakt=("_std", "sum"),
            antal_bevillinger_uden_kontrakt=("_none", "sum"))
        t["antal_borgere"] = g.citizens(data, ext, by)
        t = g.as_text(t.reset_index(), by)
        if "leverandoertype" not in t:
            t["leverandoertype"] = g.I_ALT
        parts.append(t)
    t = pd.concat(parts, ignore_index=True)
    t["helt_aar"] = t["aar"].map(whole)
    t["andel_udgift_standardkontrakt"] = t["udgift_standardkontrakt"] / t["udgift"].where(
        t["udgift"] != 0)
    t["andel_bevillinger_standardkontrakt"] = (t["antal_bevillinger_standardkontrakt"]
                                               / t["antal_bevillinger"].where(
                                                   t["antal_bevillinger"] > 0))
    t["antal_borgere"] = t["antal_borgere"].fillna(0)
    t["antal_bevillinger_uden_kontrakt"] = t["antal_bevillinger_uden_kontrakt"].astype("Int64")
    if kilde != "kontrakter":  # unknown without the contracts themselves
        t["udgift_uden_kontrakt"] = np.nan
        t["antal_bevillinger_uden_kontrakt"] = pd.NA
    t = t.astype({"antal_bevillinger": np.int64, "antal_bevillinger_standardkontrakt": np.int64,
                  "antal_borgere": np.int64})
    t = g.in_catalogue_order(t, ["aar", "leverandoertype"])
    return g.ordered(t, PR_AAR)


def _tillaeg(ext: pd.DataFrame, covered: list[g.Aar], prov: pd.DataFrame) -> pd.DataFrame:
    """The tillæg of external grants per provider and year, against what was paid."""
    x = ext.assign(_med=(ext["tillaeg"] > 0) & ext["aktiv"])
    t = x.groupby(["aar", "leverandoer_id"], observed=True).agg(
        udgift=("udgift", "sum"), tillaeg=("tillaeg", "sum"),
        antal_bevillinger_med_tillaeg=("_med", "sum")).reset_index()
    t = g.as_text(t, ["leverandoer_id"])
    months = {a.aar: a.maaneder for a in covered}
    t["helt_aar"] = t["aar"].map({a.aar: a.helt for a in covered})
    t["andel_tillaeg"] = t["tillaeg"] / t["udgift"].where(t["udgift"] > 0)
    t["tillaeg_pr_maaned"] = t["tillaeg"] / t["aar"].map(months)
    prev = t.assign(aar=t["aar"] + 1).set_index(["aar", "leverandoer_id"])
    key = pd.MultiIndex.from_frame(t[["aar", "leverandoer_id"]])
    before = prev["tillaeg_pr_maaned"].reindex(key).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        t["vaekst"] = np.where(before > 0, t["tillaeg_pr_maaned"] / before - 1, np.nan)
    t["aendring_andel"] = t["andel_tillaeg"] - prev["andel_tillaeg"].reindex(key).to_numpy()
    t["navn"] = t["leverandoer_id"].map(prov["navn"])
    t["leverandoertype"] = t["leverandoer_id"].map(prov["leverandoertype"])
    t["antal_bevillinger_med_tillaeg"] = t["antal_bevillinger_med_tillaeg"].astype(np.int64)
    return g.ordered(t.sort_values(["aar", "tillaeg"], ascending=[True, False]), TILLAEG)


# --- the calendar --------------------------------------------------------------------------

UDLOEBER = "udløber"
GENFORHANDLING = "genforhandling"
OVERSKREDET = "genforhandling overskredet"
UDLOEBET = "udløbet, bevillinger løber"

PR_KONTRAKT = {
    "kontrakt_id": "str", "leverandoer_id": "str", "navn": "str", "leverandoertype": "str",
    "bevilling_id": "str", "paragraf": "str", "startdato": "datetime64[ns]",
    "udloebsdato": "datetime64[ns]", "genforhandlingsdato": "datetime64[ns]",
    "standardkontrakt": "bool", "prisregulering": "str", "antal_bevillinger": "int64",
    "antal_borgere": "int64", "betalt_12_mdr": "float64",
}
KALENDER = {"haendelse": "str", "dato": "datetime64[ns]", "dage": "int64", **PR_KONTRAKT}


@dataclass(frozen=True, kw_only=True)
class Kontraktkalender(g.Resultat):
    """Contracts that expire or are due for renegotiation.

    kalender: one row per event, in date order: haendelse ('udløber' or 'genforhandling'
    within `maaneder` months of the reference date; 'genforhandling overskredet' for a running
    contract past its renegotiation date; 'udløbet, bevillinger løber' for an expired contract
    that still covers active grants), dato and dage (from the reference date; negative: passed),
    the contract's facts, and what is at stake: antal_bevillinger and antal_borgere (active
    grants it covers on the reference date, `covering_contracts`) and betalt_12_mdr (paid for
    them in the last 12 months, kr). pr_kontrakt: every contract with the same facts.
    antal_kontrakter and betalt_12_mdr: the contracts in the calendar (each once);
    antal_overskredne: running contracts past their renegotiation date; uden_genforhandlingsdato:
    running contracts without an agreed renegotiation date.
    """

    kalender: pd.DataFrame
    pr_kontrakt: pd.DataFrame
    opgoerelsesdato: pd.Timestamp | None
    maaneder: int
    antal_kontrakter: int
    betalt_12_mdr: float
    antal_overskredne: int
    uden_genforhandlingsdato: int

    def udloeber(self, maaneder: int | None = None) -> pd.DataFrame:
        """The calendar's contracts expiring within `maaneder` months of the reference date
        (default: the calendar's own months), soonest first."""
        cal = self.kalender
        hit = cal["haendelse"] == UDLOEBER
        if maaneder is not None and self.opgoerelsesdato is not None:
            hit &= cal["dato"] <= self.opgoerelsesdato + pd.DateOffset(months=maaneder)
        return cal[hit].reset_index(drop=True)


def contract_calendar(data: Data, months: int = 12, as_of=None) -> Kontraktkalender:
    """The contract calendar for the next `months` months from the reference date `as_of`
    (default: the last day of the latest paid month). See Kontraktkalender."""
    as_of = (derived.reference_date(data.betalinger) if as_of is None
             else pd.Timestamp(as_of).normalize())

    def unavailable(reason: str) -> Kontraktkalender:
        return Kontraktkalender(kalender=g.empty(KALENDER), pr_kontrakt=g.empty(PR_KONTRAKT),
                                opgoerelsesdato=as_of, maaneder=months, antal_kontrakter=0,
                                betalt_12_mdr=0.0, antal_overskredne=0,
                                uden_genforhandlingsdato=0, mangler=reason)

    if data.kontrakter.empty:
        return unavailable(g.missing_table("kontrakter", "kontraktkalenderen"))
    if as_of is None:
        return unavailable("Der er ingen betalinger, så opgørelsesdatoen er ukendt: angiv "
                           "as_of for kontraktkalenderen.")
    per = contract_stakes(data, as_of)
    running = per["udloebsdato"].isna() | (per["udloebsdato"] >= as_of)
    until = as_of + pd.DateOffset(months=months)
    exp, reneg = per["udloebsdato"], per["genforhandlingsdato"]
    events = [
        (UDLOEBER, exp, (exp > as_of) & (exp <= until)),
        (GENFORHANDLING, reneg, (reneg >= as_of) & (reneg <= until)),
        (OVERSKREDET, reneg, (reneg < as_of) & running),
        (UDLOEBET, exp, (exp < as_of) & (per["antal_bevillinger"] > 0)),
    ]
    parts = [per[hit].assign(haendelse=name, dato=when[hit]) for name, when, hit in events]
    cal = pd.concat(parts, ignore_index=True)
    cal["dage"] = (cal["dato"] - as_of).dt.days.astype(np.int64)
    cal = cal.sort_values(["dato", "kontrakt_id", "haendelse"], kind="stable")
    in_cal = per[per["kontrakt_id"].isin(cal["kontrakt_id"])]
    return Kontraktkalender(
        kalender=g.ordered(cal, KALENDER), pr_kontrakt=per, opgoerelsesdato=as_of,
        maaneder=months, antal_kontrakter=len(in_cal),
        betalt_12_mdr=float(in_cal["betalt_12_mdr"].sum()),
        antal_overskredne=int(((reneg < as_of) & running).sum()),
        uden_genforhandlingsdato=int((reneg.isna() & running).sum()), noter=g.providers_note(data))


def contract_stakes(data: Data, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every contract with its facts and the active grants it covers on `as_of`:
    antal_bevillinger, antal_borgere and betalt_12_mdr (paid for them in the 12 months up to
    and including the reference month). Columns PR_KONTRAKT."""
    k = data.kontrakter
    bev = data.bevillinger
    active = bev[derived.is_active(bev, as_of)]
    cov = covering_contracts(k, active, pd.Series(as_of, index=active.index))
    got = cov["kontrakt_id"].notna()
    grants = pd.DataFrame({"kontrakt_id": cov.loc[got, "kontrakt_id"].to_numpy(),
                           "bevilling_id": active.loc[got, "bevilling_id"].astype(str).to_numpy(),
                           "borger_id": active.loc[got, "borger_id"].astype(str).to_numpy()})
    bet = data.betalinger
    since = (as_of.to_period("M") - 11).to_timestamp()
    recent = bet[(bet["periode"] >= since) & (bet["periode"] <= as_of)]
    paid = recent.groupby(recent["bevilling_id"].astype(str))["beloeb"].sum()
    grants["betalt"] = grants["bevilling_id"].map(paid).fillna(0.0).to_numpy()
    agg = grants.groupby("kontrakt_id").agg(antal_bevillinger=("bevilling_id", "size"),
                                            antal_borgere=("borger_id", "nunique"),
                                            betalt_12_mdr=("betalt", "sum"))
    prov = g.providers(data)
    per = k.copy()
    per["kontrakt_id"] = per["kontrakt_id"].astype(str)
    per = per.join(agg, on="kontrakt_id")
    for c in ("antal_bevillinger", "antal_borgere"):
        per[c] = per[c].fillna(0).astype(np.int64)
    per["betalt_12_mdr"] = per["betalt_12_mdr"].fillna(0.0)
    per["navn"] = per["leverandoer_id"].map(prov["navn"])
    per["leverandoertype"] = per["leverandoer_id"].map(prov["leverandoertype"])
    return g.ordered(per, PR_KONTRAKT)
