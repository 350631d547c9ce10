"""Leverandøroverblik: who the municipality buys from, how much, and how concentrated.

KL's recommendation 12 asks for "et dataunderstøttet overblik over leverandører, udviklingen i
leverandørtyper, aktiviteter og udgifter"; one municipality in Deloitte's study cut its
external providers from 20, so the overview says how many providers carry 80 % of the spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data
from ..servicetjek import arrays
from . import grundlag as g

PR_LEVERANDOER = {
    "aar": "int64", "helt_aar": "bool", "leverandoer_id": "str", "navn": "str",
    "leverandoertype": "str", "udgift": "float64", "andel": "float64", "rang": "int64",
    "kumuleret_andel": "float64", "antal_bevillinger": "int64", "antal_borgere": "int64",
    "helaarspersoner": "float64", "udgift_pr_helaarsperson": "float64",
}
PR_TYPE = {
    "aar": "int64", "helt_aar": "bool", "leverandoertype": "str",
    "antal_leverandoerer": "int64", "udgift": "float64", "andel": "float64",
    "antal_bevillinger": "int64", "antal_borgere": "int64", "helaarspersoner": "float64",
    "aendring": "float64",
}
TENDENS = {
    "leverandoertype": "str", "fra_aar": "int64", "til_aar": "int64", "udgift_fra": "float64",
    "udgift_til": "float64", "aarlig_vaekst": "float64", "andel_fra": "float64",
    "andel_til": "float64",
}
KONCENTRATION = {
    "antal_leverandoerer": "int64", "antal_for_andel": "int64", "top_andel": "float64",
    "hhi": "float64",
}
PR_PARAGRAF = {"aar": "int64", "helt_aar": "bool", "paragraf": "str", "udgift": "float64",
               **KONCENTRATION}
KONCENTRATION_AAR = {"aar": "int64", "helt_aar": "bool", "omfang": "str", **KONCENTRATION}


@dataclass(frozen=True, kw_only=True)
class Leverandoeroverblik(g.Resultat):
    """The supplier overview per calendar year the payments cover.

    pr_leverandoer: per year and provider: udgift (payments received, kr), andel (of the
    year's spending), rang and kumuleret_andel (largest first: the Pareto curve),
    antal_bevillinger and antal_borgere (grants active in the year; suppress small counts in
    byråd output), helaarspersoner and udgift_pr_helaarsperson.
    pr_type: the same per provider type, with aendring (spending against the year before, only
    between whole years). tendens: per type, the first and last whole year's spending and
    share and the average yearly growth between them.
    pr_paragraf: per year and paragraph: spending, providers used (antal_leverandoerer, with
    spending above 0), antal_for_andel (the fewest providers carrying `andel` of it),
    top_andel (the share of the `top` largest) and hhi (Herfindahl index, 0-10,000).
    koncentration: the same for the whole area per year, for all providers ('alle') and for
    external ones ('eksterne').
    helt_aar says whether the payments cover the whole year (the current year does not, so its
    spending is the year so far and its full-year persons count the same days).
    """

    pr_leverandoer: pd.DataFrame
    pr_type: pd.DataFrame
    tendens: pd.DataFrame
    pr_paragraf: pd.DataFrame
    koncentration: pd.DataFrame
    andel: float
    top: int


def concentration(spend: pd.Series, andel: float = 0.8, top: int = 5) -> dict[str, float]:
    """How concentrated spending across providers is (negative totals count as 0).

    antal_leverandoerer: providers with spending above 0; antal_for_andel: the fewest of them
    that together carry at least `andel` of the spending; top_andel: the share of the `top`
    largest; hhi: the Herfindahl-Hirschman index, 10,000 × the sum of squared shares (10,000 =
    one provider; shares 50/30/20 % give 3,800).
    """
    s = np.sort(np.clip(np.asarray(spend, dtype=float), 0, None))[::-1]
    s = s[s > 0]
    total = s.sum()
    if total <= 0:
        return {"antal_leverandoerer": 0, "antal_for_andel": 0, "top_andel": np.nan,
                "hhi": np.nan}
    share = s / total
    n_for = int(np.searchsorted(np.cumsum(share), andel * (1 - g.TOL)) + 1)
    return {"antal_leverandoerer": len(s), "antal_for_andel": min(n_for, len(s)),
            "top_andel": float(share[:top].sum()), "hhi": float(10_000 * (share**2).sum())}


def supplier_overview(data: Data, years=None, *, andel: float = 0.8, top: int = 5,
                      aarstal: g.Aarstal | None = None) -> Leverandoeroverblik:
    """Spending, grants, citizens and full-year persons per provider and year, totals per
    provider type with their trend, and concentration per paragraph (see Leverandoeroverblik).

    years: the calendar years to include (default: every year the payments cover); andel and
    top: the share and the number of largest providers the concentration measures; aarstal:
    `year_figures(data)`, to reuse them.
    Spending is by the provider that received the payment; grants, citizens and full-year
    persons by the grant's provider.
    """
    covered = g.covered_years(data.betalinger, years)
    notes = g.uncovered_note(years, covered) + g.providers_note(data)
    if not covered:
        return _empty(andel, top, "Der er ingen betalinger i data (eller ingen i de valgte år), "
                      "så leverandøroverblikket kan ikke laves.", notes)
    prov = g.providers(data)
    whole = {a.aar: a.helt for a in covered}
    bev = data.bevillinger
    bet = data.betalinger

    # Spending per (year, receiving provider) and per (year, paragraph, provider), by integer
    # codes: a København-size extract has close to a million payment lines.
    ids = pd.Series(prov.index)
    lev = arrays.positions(bet["leverandoer_id"], ids).astype(np.int64)
    pos = arrays.positions(bet["bevilling_id"], bev["bevilling_id"]).astype(np.int64)
    par_code, par_names = pd.factorize(bev["paragraf"].astype(str))
    par = np.where(pos >= 0, par_code[np.clip(pos, 0, None)], -1)
    aar = np.array([a.aar for a in covered])
    line_year = g.month_number(bet["periode"]) // 12 + 1970
    y = np.clip(np.searchsorted(aar, line_year), 0, len(aar) - 1)
    ok = (aar[y] == line_year) & (lev >= 0)
    n_p, n_par, n_y = len(ids), len(par_names) + 1, len(covered)
    amount = bet["beloeb"].to_numpy(dtype=float)
    by_prov = np.bincount(y[ok] * n_p + lev[ok], weights=amount[ok], minlength=n_y * n_p)
    yy, pp = np.nonzero(by_prov.reshape(n_y, n_p) != 0)
    spend = pd.Series(by_prov.reshape(n_y, n_p)[yy, pp], index=pd.MultiIndex.from_arrays(
        [aar[yy], ids.to_numpy()[pp]], names=["aar", "leverandoer_id"]),
        name="udgift")
    cell = np.bincount((y[ok] * n_par + par[ok] + 1) * n_p + lev[ok], weights=amount[ok],
                       minlength=n_y * n_par * n_p).reshape(n_y, n_par, n_p)
    yy, qq, pp = np.nonzero(cell != 0)
    names = np.r_[[None], np.asarray(par_names, dtype=object)]
    pay = pd.DataFrame({"aar": aar[yy], "paragraf": names[qq],
                        "leverandoer_id": ids.to_numpy()[pp], "udgift": cell[yy, qq, pp]})

    # Grants, citizens and full-year persons per (year, the grant's provider).
    gy = g.with_grant_facts(data, g.grant_years(data, covered, aarstal), prov, ("leverandoer_id",))
    by = ["aar", "leverandoer_id"]
    counts = gy.groupby(by, observed=True).agg(antal_bevillinger=("aktiv", "sum"),
                                               helaarspersoner=("helaarspersoner", "sum"))
    counts["antal_borgere"] = g.citizens(data, gy, by)
    counts = counts[counts["antal_bevillinger"] > 0]
    counts = g.as_text(counts.reset_index(), by).set_index(by)

    per = counts.join(spend, how="outer").reset_index()
    per["udgift"] = per["udgift"].fillna(0.0)
    for c in ("antal_bevillinger", "antal_borgere"):
        per[c] = per[c].fillna(0).astype(np.int64)
    per["helaarspersoner"] = per["helaarspersoner"].fillna(0.0)
    per["navn"] = per["leverandoer_id"].map(prov["navn"])
    per["leverandoertype"] = per["leverandoer_id"].map(prov["leverandoertype"])
    per["helt_aar"] = per["aar"].map(whole)
    total = per.groupby("aar")["udgift"].transform("sum")
    per["andel"] = per["udgift"] / total.where(total != 0)
    per["udgift_pr_helaarsperson"] = per["udgift"] / per["helaarspersoner"].where(
        per["helaarspersoner"] > 0)
    per = per.sort_values(["aar", "udgift", "leverandoer_id"], ascending=[True, False, True])
    per["rang"] = per.groupby("aar").cumcount() + 1
    per["kumuleret_andel"] = per.groupby("aar")["andel"].cumsum()

    return Leverandoeroverblik(
        pr_leverandoer=g.ordered(per, PR_LEVERANDOER),
        pr_type=_by_type(per, gy, data, prov, whole),
        tendens=_trend(per, whole),
        pr_paragraf=_by_paragraph(pay, whole, andel, top),
        koncentration=_concentration_by_year(per, whole, andel, top),
        andel=andel, top=top, noter=notes,
    )


def _by_type(per: pd.DataFrame, gy: pd.DataFrame, data: Data, prov: pd.DataFrame,
             whole: dict) -> pd.DataFrame:
    t = per.groupby(["aar", "leverandoertype"]).agg(
        antal_leverandoerer=("leverandoer_id", "nunique"), udgift=("udgift", "sum"),
        antal_bevillinger=("antal_bevillinger", "sum"),
        helaarspersoner=("helaarspersoner", "sum"))
    # Citizens are counted once per type (a citizen may use two providers of one type).
    citizens = g.citizens(data, gy, ["aar", "leverandoertype"]).reset_index()
    t["antal_borgere"] = g.as_text(citizens, ["leverandoertype"]).set_index(
        ["aar", "leverandoertype"])["_b"]
    t = t.reset_index()
    t["antal_borgere"] = t["antal_borgere"].fillna(0).astype(np.int64)
    total = t.groupby("aar")["udgift"].transform("sum")
    t["andel"] = t["udgift"] / total.where(total != 0)
    t["helt_aar"] = t["aar"].map(whole)
    prev = t.assign(aar=t["aar"] + 1).set_index(["aar", "leverandoertype"])
    key = pd.MultiIndex.from_frame(t[["aar", "leverandoertype"]])
    before = prev["udgift"].reindex(key).to_numpy()
    both_whole = t["helt_aar"].to_numpy() & t["aar"].sub(1).map(whole).fillna(False).to_numpy(bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        t["aendring"] = np.where(both_whole & (before > 0), t["udgift"] / before - 1, np.nan)
    t = t.sort_values(["aar", "udgift"], ascending=[True, False])
    return g.ordered(t, PR_TYPE)


def _trend(per: pd.DataFrame, whole: dict) -> pd.DataFrame:
    """Per provider type: spending and share in the first and last whole year, and the
    average yearly growth between them ((last / first) ** (1 / years) - 1)."""
    years = sorted(y for y, w in whole.items() if w)
    if len(years) < 2:
        return g.empty(TENDENS)
    first, last = years[0], years[-1]
    t = per[per["aar"].isin([first, last])].groupby(["leverandoertype", "aar"])["udgift"].sum()
    t = t.unstack("aar").reindex(columns=[first, last]).fillna(0.0)
    totals = t.sum()
    out = pd.DataFrame({
        "leverandoertype": t.index, "fra_aar": first, "til_aar": last,
        "udgift_fra": t[first].to_numpy(), "udgift_til": t[last].to_numpy(),
        "andel_fra": (t[first] / totals[first]).to_numpy() if totals[first] else np.nan,
        "andel_til": (t[last] / totals[last]).to_numpy() if totals[last] else np.nan,
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["udgift_til"] / out["udgift_fra"].where(out["udgift_fra"] > 0)
        out["aarlig_vaekst"] = ratio ** (1 / (last - first)) - 1
    return g.ordered(out.sort_values("udgift_til", ascending=False), TENDENS)


def _by_paragraph(pay: pd.DataFrame, whole: dict, andel: float, top: int) -> pd.DataFrame:
    """Concentration per year and paragraph (the paragraph of the grant paid for)."""
    cells = pay.groupby(["aar", "paragraf", "leverandoer_id"])["udgift"].sum()
    out = []
    for (aar, paragraf), s in cells.groupby(level=["aar", "paragraf"]):  # years × paragraphs
        out.append({"aar": aar, "helt_aar": whole[aar], "paragraf": paragraf,
                    "udgift": float(s.sum()), **concentration(s, andel, top)})
    return g.ordered(pd.DataFrame(out), PR_PARAGRAF) if out else g.empty(PR_PARAGRAF)


def _concentration_by_year(per: pd.DataFrame, whole: dict, andel: float, top: int
                           ) -> pd.DataFrame:
    out = []
    for aar, rows in per.groupby("aar"):  # a handful of years
        ext = rows[rows["leverandoertype"].isin(g.EKSTERNE)]
        for omfang, part in (("alle", rows), ("eksterne", ext)):
            out.append({"aar": aar, "helt_aar": whole[aar], "omfang": omfang,
                        **concentration(part["udgift"], andel, top)})
    return g.ordered(pd.DataFrame(out), KONCENTRATION_AAR)


def _empty(andel: float, top: int, reason: str, notes: tuple[str, ...]) -> Leverandoeroverblik:
    return Leverandoeroverblik(
        pr_leverandoer=g.empty(PR_LEVERANDOER), pr_type=g.empty(PR_TYPE),
        tendens=g.empty(TENDENS), pr_paragraf=g.empty(PR_PARAGRAF),
        koncentration=g.empty(KONCENTRATION_AAR), andel=andel, top=top, mangler=reason,
        noter=notes)
