"""The display tables of notebook 06_indkoeb (Danish column names, counts declared by kind)
and the intern Excel workbook.

Each `*_table` returns a DataFrame ready for `report.show_table`; `TABLE_ARGS[name]` holds its
declarations (counts, money, pct), so the notebook and the tests show it the same way. Tables
for the byråd (`byraad=True`) drop ids and row-level lists: no contract ids, no individual
contracts, no evidence sentences with counts in them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import indkoeb as ik
from ... import report
from ...indkoeb.kontrakter import OVERSKREDET, UDLOEBER, UDLOEBET
from ...report.format import tal
from .labels import ENHED, type_label, whole_year

B, G = "bevillinger", "borgere"
PRISREGULERING = {"pl-indeks": "PL-indeks", "fast pris": "Fast pris",
                  "efter aftale": "Efter aftale", "leverandørens takst": "Leverandørens takst"}
#: Per table: the show_table declarations (counts by kind, money and share columns).
TABLE_ARGS: dict[str, dict] = {
    "type": {"counts": {"Bevillinger": B, "Borgere": G},
             "money": ["Udgift"], "pct": ["Andel", "Ændring", "Vækst pr. år"]},
    "koncentration": {"money": ["Udgift"], "pct": ["De 5 største"]},
    "leverandoerer": {"counts": {"Bevillinger": B, "Borgere": G},
                      "money": ["Udgift", "Pr. helårsperson"], "pct": ["Andel"]},
    "stigninger": {"counts": {"Bevillinger": B, "Genforhandlede": B},
                   "money": ["Pris pr. enhed"], "pct": ["Ændring", "Over prisindekset"]},
    "egne": {"counts": {"Bevillinger": B, "Borgere": G},
             "money": ["Pr. helårsperson", "Midterste"], "pct": ["Forskel til egen drift"]},
    "daekning": {"counts": {"Bevillinger": B, "Heraf på standardkontrakt": B,
                            "Heraf uden kontrakt": B, "Borgere": G},
                 "money": ["Udgift", "Uden gyldig kontrakt"], "pct": ["På standardkontrakt"]},
    "tillaeg": {"counts": {"Bevillinger": B},
                "money": ["Tillæg pr. måned", "Tillæg pr. måned året før"],
                "pct": ["Vækst", "Andel af udgiften"]},
    "kalender": {"counts": {"Bevillinger": B, "Borgere": G}, "money": ["Betalt, 12 mdr."]},
    "forhandling": {"counts": {"Bevillinger": B, "Borgere": G, "Over medianen": B,
                               "Over grænsen": B},
                    "money": ["Årlig udgift", "Potentiale, lav", "Potentiale, høj",
                              "Forventet"]},
    "kvalitet": {"counts": {"Bevillinger": B, "Borgere": G},
                 "money": ["Årlig udgift"]},
    "prisberegner": {"money": ["Pris pr. enhed", "Årlig udgift", "Forskel til billigste"]},
    "gevinster_aar": {"money": ["Årlig effekt", "Realiseret", "Mål"], "pct": ["Andel af målet"]},
    "gevinster": {"money": ["Pris før", "Pris efter", "Årlig besparelse", "Realiseret"]},
}


def _types(s: pd.Series) -> pd.Series:
    return s.map(type_label)


def type_table(lev: ik.Leverandoeroverblik, aar: int | None = None) -> pd.DataFrame:
    """Per provider type in the year: providers, spending and its share, grants, citizens,
    the change from the year before and the yearly growth over the whole years
    (`lev.tendens`)."""
    aar = whole_year(lev.pr_type, aar)
    t = lev.pr_type[lev.pr_type["aar"] == aar]
    growth = lev.tendens.set_index("leverandoertype")["aarlig_vaekst"]
    return pd.DataFrame({
        "Leverandørtype": _types(t["leverandoertype"]),
        "Leverandører": t["antal_leverandoerer"], "Udgift": t["udgift"], "Andel": t["andel"],
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
        "Ændring": t["aendring"], "Vækst pr. år": t["leverandoertype"].map(growth),
    }).reset_index(drop=True)


def concentration_table(lev: ik.Leverandoeroverblik, aar: int | None = None) -> pd.DataFrame:
    """Per paragraph in the year: spending, providers used, how many carry `andel` of it, the
    share of the `top` largest and the Herfindahl index; the whole area first."""
    aar = whole_year(lev.pr_paragraf, aar)
    k = lev.koncentration[lev.koncentration["aar"] == aar].set_index("omfang")
    total = lev.pr_type.loc[lev.pr_type["aar"] == aar, "udgift"].sum()
    ext_total = lev.pr_type.loc[(lev.pr_type["aar"] == aar)
                                & (lev.pr_type["leverandoertype"] != "egen drift"), "udgift"].sum()
    top = [{"Område": "Alle leverandører", "Udgift": total, **_conc(k.loc["alle"])},
           {"Område": "Eksterne leverandører", "Udgift": ext_total, **_conc(k.loc["eksterne"])}]
    p = lev.pr_paragraf[lev.pr_paragraf["aar"] == aar].sort_values("udgift", ascending=False)
    rows = [{"Område": r.paragraf, "Udgift": r.udgift, **_conc(pd.Series(r._asdict()))}
            for r in p.itertuples()]
    return pd.DataFrame(top + rows).rename(columns={
        "antal_leverandoerer": "Leverandører", "antal_for_andel":
        f"Bærer {round(lev.andel * 100)} %", "top_andel": f"De {lev.top} største",
        "hhi": "HHI"})


def _conc(r: pd.Series) -> dict:
    return {c: r[c] for c in ("antal_leverandoerer", "antal_for_andel", "top_andel", "hhi")}


def provider_table(lev: ik.Leverandoeroverblik, aar: int | None = None,
                   n: int | None = None) -> pd.DataFrame:
    """The providers of the year, largest spending first (the first `n`)."""
    aar = whole_year(lev.pr_leverandoer, aar)
    t = lev.pr_leverandoer[lev.pr_leverandoer["aar"] == aar]
    t = t if n is None else t.head(n)
    return pd.DataFrame({
        "Rang": t["rang"], "Leverandør": t["navn"], "Type": _types(t["leverandoertype"]),
        "Udgift": t["udgift"], "Andel": t["andel"],
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
        "Helårspersoner": t["helaarspersoner"],
        "Pr. helårsperson": t["udgift_pr_helaarsperson"],
    }).reset_index(drop=True)


def price_rises_table(pris: ik.Prisudvikling) -> pd.DataFrame:
    """The rises above the index + margin, largest first (Bevillinger: those compared, active
    in both years)."""
    t = pris.stigninger
    return pd.DataFrame({
        "Leverandør": t["navn"], "Paragraf": t["paragraf"], "Enhed": t["enhed"].map(ENHED),
        "aar": t["aar"], "Pris pr. enhed": t["gns_enhedspris"],
        "Ændring": t["aendring"], "Over prisindekset": t["over_indeks"],
        "Bevillinger": t["antal_sammenlignet"], "Genforhandlede": t["genforhandlede"],
    }).reset_index(drop=True)


def own_external_table(egne: ik.EgneModEksterne, diskretion: int | None = None) -> pd.DataFrame:
    """Per paragraph and provider type: full-year persons, the cost per full-year person with
    the middle grant and the 25-75 % spread, and the difference to egen drift (0.1 = 10 %
    dearer). With `diskretion` (byråd) the costs of cells
    with fewer citizens than that are not shown."""
    t = egne.pr_paragraf
    spread = t["p25_pr_helaarsperson"].map(tal) + "–" + t["p75_pr_helaarsperson"].map(tal)
    out = pd.DataFrame({
        "Paragraf": t["paragraf"], "Leverandørtype": _types(t["leverandoertype"]),
        "Helårspersoner": t["helaarspersoner"], "Pr. helårsperson": t["udgift_pr_helaarsperson"],
        "Midterste": t["median_pr_helaarsperson"], "25–75 % (kr.)": spread.where(
            t["p25_pr_helaarsperson"].notna(), "–"),
        "Forskel til egen drift": t["forhold_til_egen_drift"] - 1,
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
    }).reset_index(drop=True)
    if diskretion is not None:
        few = (t["antal_borgere"] < diskretion).to_numpy()
        cost = ["Helårspersoner", "Pr. helårsperson", "Midterste", "25–75 % (kr.)",
                "Forskel til egen drift"]
        out[cost] = out[cost].astype(object).mask(np.repeat(few[:, None], len(cost), axis=1))
    return out


def coverage_table(dk: ik.Kontraktdaekning) -> pd.DataFrame:
    """The headline year per external provider type and in total."""
    t = dk.pr_aar[dk.pr_aar["aar"] == dk.aar]
    out = pd.DataFrame({
        "Leverandørtype": _types(t["leverandoertype"]), "Udgift": t["udgift"],
        "På standardkontrakt": t["andel_udgift_standardkontrakt"],
        "Uden gyldig kontrakt": t["udgift_uden_kontrakt"],
        "Bevillinger": t["antal_bevillinger"],
        "Heraf på standardkontrakt": t["antal_bevillinger_standardkontrakt"],
        "Heraf uden kontrakt": t["antal_bevillinger_uden_kontrakt"].to_numpy(
            dtype=float, na_value=np.nan),
        "Borgere": t["antal_borgere"],
    }).reset_index(drop=True)
    if dk.kilde != "kontrakter":
        out = out.drop(columns=["Uden gyldig kontrakt", "Heraf uden kontrakt"])
    return out


def tillaeg_table(dk: ik.Kontraktdaekning, n: int = 10) -> pd.DataFrame:
    """The external providers whose tillæg per month grew most in the latest whole year
    (providers with tillæg that year), with the year before."""
    t = dk.tillaeg
    year = whole_year(t) if len(t) else None
    t = t[(t["aar"] == year) & (t["tillaeg"] > 0)].sort_values(
        ["vaekst", "tillaeg"], ascending=False, na_position="last").head(n)
    before = t["tillaeg_pr_maaned"] / (1 + t["vaekst"])
    return pd.DataFrame({
        "Leverandør": t["navn"], "Tillæg pr. måned året før": before.where(t["vaekst"].notna()),
        "Tillæg pr. måned": t["tillaeg_pr_maaned"], "Vækst": t["vaekst"],
        "Andel af udgiften": t["andel_tillaeg"],
        "Bevillinger": t["antal_bevillinger_med_tillaeg"],
    }).reset_index(drop=True)


#: Calendar events that need action now (the rest are the routine yearly renegotiations).
HANDLING = (OVERSKREDET, UDLOEBET, UDLOEBER)


def calendar_table(kal: ik.Kontraktkalender, byraad: bool = False, handling: bool | None = None,
                   maaneder: int | None = None) -> pd.DataFrame:
    """The calendar's events in date order. handling=True: only what needs action (overdue
    renegotiations, expired contracts with running grants, and expiries within `maaneder`
    months); False: the rest. For the byråd without contract ids and without contracts for a
    single grant."""
    t = kal.kalender
    if handling is not None:
        soon = t["dato"] <= kal.opgoerelsesdato + pd.DateOffset(months=maaneder or kal.maaneder)
        act = t["haendelse"].isin(HANDLING) & ((t["haendelse"] != UDLOEBER) | soon)
        t = t[act if handling else ~act]
    if byraad:
        t = t[t["bevilling_id"].isna()]
    covers = np.where(t["bevilling_id"].notna(), "én bevilling",
                      t["paragraf"].fillna("alle paragraffer"))
    out = pd.DataFrame({
        "Hændelse": t["haendelse"].str.capitalize(), "Dato": t["dato"],
        "Kontrakt": t["kontrakt_id"], "Leverandør": t["navn"], "Gælder": covers,
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
        "Betalt, 12 mdr.": t["betalt_12_mdr"],
    }).reset_index(drop=True)
    return out.drop(columns="Kontrakt") if byraad else out


def contracts_sheet(kal: ik.Kontraktkalender) -> pd.DataFrame:
    """The whole calendar with the contracts' terms, for the Excel workbook."""
    t = kal.kalender
    return calendar_table(kal).assign(
        Dage=t["dage"].to_numpy(),
        Standardkontrakt=t["standardkontrakt"].to_numpy(),
        Prisregulering=t["prisregulering"].map(PRISREGULERING).fillna("–").to_numpy(),
        Genforhandlingsdato=t["genforhandlingsdato"].to_numpy(),
        Udløbsdato=t["udloebsdato"].to_numpy())


def negotiation_grants_sheet(fl: ik.Forhandlingsliste) -> pd.DataFrame:
    """The compared grants behind the negotiation list for the intern workbook, largest gap
    first: ids, the provider by name, price against the peer median and the yearly gap."""
    b = fl.bevillinger
    names = fl.liste.set_index("leverandoer_id")["navn"]
    return pd.DataFrame({
        "Bevilling-ID": b["bevilling_id"], "Borger-ID": b["borger_id"],
        "Leverandør": b["leverandoer_id"].map(names).fillna(b["leverandoer_id"]),
        "Paragraf": b["paragraf"], "Enhed": b["enhed"].map(ENHED).fillna(b["enhed"]),
        "Funktionsniveau ved start": b["niveau"], "Pris pr. enhed": b["pris"],
        "Medianpris": b["median"], "Sammenlignelige bevillinger": b["antal_sammenlignelige"],
        "Andre leverandører": b["andre_leverandoerer"], "Enheder pr. år": b["enheder_aar"],
        "Årlig udgift": b["aarlig_udgift"], "Over medianen pr. år": b["gab"],
        "Mindst 25 % over": b["over_graense"].map({True: "ja", False: "nej"}),
    }).reset_index(drop=True)


def tillaeg_sheet(dk: ik.Kontraktdaekning) -> pd.DataFrame:
    """Tillæg per external provider and year for the intern workbook."""
    t = dk.tillaeg
    return pd.DataFrame({
        "År": t["aar"], "Helt år": t["helt_aar"].map({True: "ja", False: "nej"}),
        "Leverandør": t["navn"], "Leverandørtype": _types(t["leverandoertype"]),
        "Udgift": t["udgift"], "Tillæg": t["tillaeg"], "Andel af udgiften": t["andel_tillaeg"],
        "Tillæg pr. måned": t["tillaeg_pr_maaned"], "Vækst": t["vaekst"],
        "Ændring i andel (point)": t["aendring_andel"] * 100,
        "Bevillinger med tillæg": t["antal_bevillinger_med_tillaeg"],
    }).reset_index(drop=True)


def negotiation_table(fl: ik.Forhandlingsliste, evidens: bool = False) -> pd.DataFrame:
    """The negotiation list; with `evidens` (the Excel workbook) the evidence sentences too
    (they hold counts of grants: never for the byråd)."""
    t = fl.liste
    out = pd.DataFrame({
        "Prioritet": t["prioritet"], "Leverandør": t["navn"],
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
        "Årlig udgift": t["aarlig_udgift"], "Pris mod medianen": t["prisindeks"],
        "Over grænsen": t["antal_over_graense"],
        "Potentiale, lav": t["potentiale_lav"], "Potentiale, høj": t["potentiale_hoej"],
        "Næste genforhandling": t["naeste_genforhandling"],
        "Overskredet": t["genforhandling_overskredet"],
    }).reset_index(drop=True)
    if evidens:
        out.insert(2, "Type", _types(t["leverandoertype"]).to_numpy())
        out["Over medianen"] = t["antal_over_median"].to_numpy()
        out["Forventet"] = t["forventet"].to_numpy()
        out["Evidens"] = t["evidens"].to_numpy()
    return out


def quality_table(pk: ik.PrisOgKvalitet) -> pd.DataFrame:
    t = pk.tabel
    return pd.DataFrame({
        "Leverandør": t["navn"], "Pris mod medianen": t["prisindeks"],
        "Bedømmelse": t["bedoemmelse"], "Seneste tilsyn": t["tilsyn_dato"],
        "Kvadrant": t["kvadrant"].str.capitalize().fillna("–"),
        "Bevillinger": t["antal_bevillinger"], "Borgere": t["antal_borgere"],
        "Årlig udgift": t["aarlig_udgift"],
    }).reset_index(drop=True)


def calculator_table(pb: ik.Prisberegning, indhold: bool = False) -> pd.DataFrame:
    """The ranking; with `indhold` what each price contains (the Excel workbook; the page
    lists it under the table, `text.contents_text`)."""
    t = pb.tabel
    return pd.DataFrame({
        "Rang": t["rang"], "Leverandør": t["navn"], "Type": _types(t["leverandoertype"]),
        "Pris pr. enhed": t["enhedspris"], "Gælder fra": t["gyldig_fra"],
        "Årlig udgift": t["aarlig_udgift"], "Forskel til billigste": t["forskel_til_billigste"],
    }).reset_index(drop=True).assign(**({"Prisen indeholder": t["indhold"].fillna("–").to_numpy()}
                                        if indhold else {}))


def savings_year_table(gev: ik.Indkoebsgevinster) -> pd.DataFrame:
    t = gev.pr_aar
    return pd.DataFrame({
        "aar": t["aar"], "Årlig effekt": t["aarlig_effekt"], "Realiseret": t["realiseret"],
        "Mål": t["maal"], "Andel af målet": t["andel_af_maal"],
    })


def savings_table(gev: ik.Indkoebsgevinster, alle: bool = True) -> pd.DataFrame:
    """The renegotiations one by one (intern: grant and citizen ids). alle=False: the page's
    short version, only those that changed the price; the workbook has all, with the source,
    the citizen and the date."""
    t = gev.pr_genforhandling
    if not alle:
        t = t[t["aarlig_besparelse"].fillna(0) != 0]
    out = pd.DataFrame({
        "Kilde": t["kilde"], "Kontrakt": t["kontrakt_id"].fillna("–"),
        "Bevilling-ID": t["bevilling_id"], "Borger-ID": t["borger_id"], "Leverandør": t["navn"],
        "Paragraf": t["paragraf"], "Dato": t["dato"], "Virkning fra": t["virkning_fra"],
        "Status": t["status"], "Pris før": t["pris_foer"], "Pris efter": t["pris_efter"],
        "Årlig besparelse": t["aarlig_besparelse"], "Realiseret": t["realiseret"],
    }).reset_index(drop=True)
    return out if alle else out.drop(columns=["Kilde", "Borger-ID", "Dato"])


def declarations(name: str, frame: pd.DataFrame) -> dict:
    """TABLE_ARGS[name] for the columns the frame has (a table may leave some out, e.g. the
    contract columns without the kontrakter table)."""
    args = TABLE_ARGS.get(name, {})
    out = {"counts": {c: k for c, k in args.get("counts", {}).items() if c in frame}}
    for key in ("money", "pct"):
        out[key] = [c for c in args.get(key, ()) if c in frame]
    return out


def show(name: str, frame: pd.DataFrame, title: str, **kwargs) -> None:
    """`report.show_table` with the table's declarations (`declarations`)."""
    report.show_table(frame, title, **{**declarations(name, frame), **kwargs})


# --- the intern workbook -------------------------------------------------------------------


def workbook(fl: ik.Forhandlingsliste, kal: ik.Kontraktkalender | None = None,
             dk: ik.Kontraktdaekning | None = None, pb: ik.Prisberegning | None = None,
             gev: ik.Indkoebsgevinster | None = None, name: str = "indkoeb"):
    """The intern Excel workbook (report.excel): the negotiation list and its grants, the
    contract calendar, tillæg per provider, the price calculator's answer and the
    renegotiations; sheets of unavailable results are left out. None for the byråd."""
    sheets = {"Forhandlingsliste": negotiation_table(fl, evidens=True)}
    if fl.tilgaengelig and len(fl.bevillinger):
        sheets["Bevillinger at forhandle"] = negotiation_grants_sheet(fl)
    if kal is not None and kal.tilgaengelig:
        sheets["Kontraktkalender"] = contracts_sheet(kal)
    if dk is not None and dk.tilgaengelig:
        sheets["Tillæg"] = tillaeg_sheet(dk)
    if pb is not None and pb.tilgaengelig:
        sheets["Prisberegner"] = calculator_table(pb, indhold=True)
    if gev is not None and gev.tilgaengelig:
        sheets["Genforhandlinger"] = savings_table(gev)
    formats = {"Næste genforhandling": "dato", "Dato": "dato", "Gælder fra": "dato",
               "Virkning fra": "dato", "Pris mod medianen": "0.00", "Dage": "tal", "År": "0",
               "Pris pr. enhed": "kr", "Medianpris": "kr", "Over medianen pr. år": "kr",
               "Udgift": "kr", "Tillæg": "kr", "Andel af udgiften": "pct",
               "Ændring i andel (point)": "0.0", "Enheder pr. år": "0.0"}
    for args in TABLE_ARGS.values():  # Danish column names: declare kr. and shares
        formats |= {c: "kr" for c in args.get("money", ())} | {c: "pct" for c in
                                                                 args.get("pct", ())}
    return report.excel(sheets, name, formats=formats,
                        ombryd={"Evidens": 70, "Prisen indeholder": 60})
