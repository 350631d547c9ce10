"""What notebook 06_indkoeb shows: the municipality as a buyer. Sections (`sections`: each
`show_*` displays its figures, Danish text and tables, or says in Danish what is missing),
the figures with alt texts (`figures`), display tables and the intern Excel workbook
(`tables`), texts (`text`), the price calculator widget (`widgets`) and the headline results.
Nothing here computes an analysis: the numbers come from socialanalyse.indkoeb.
"""

from __future__ import annotations

from ... import indkoeb as ik
from ... import report
from ...indkoeb import KVADRANTER
from .labels import whole_year
from .sections import (
    opgoerelsesdato,
    show_calculator,
    show_calendar,
    show_coverage,
    show_negotiation,
    show_overview,
    show_own_external,
    show_prices,
    show_quality,
    show_savings,
)
from .tables import TABLE_ARGS, workbook
from .text import SNART, data_status
from .widgets import PriceCalculator, calculator_choice, calculator_html, default_service

#: "Expiring soon" in the headline results: within this many months.
SNART_MAANEDER = SNART


def headline_results(lev: ik.Leverandoeroverblik, pris: ik.Prisudvikling, dk: ik.Kontraktdaekning,
                     kal: ik.Kontraktkalender, fl: ik.Forhandlingsliste, pk: ik.PrisOgKvalitet,
                     gev: ik.Indkoebsgevinster, egne: ik.EgneModEksterne | None = None,
                     pb: ik.Prisberegning | None = None) -> dict[str, report.Headline]:
    """The workbook's figures for `report.record_all`; a section that cannot be made records
    None for its figures and False in `tilgaengelig`. Counts of providers and contracts are
    declared 'tal' (not persons), of citizens and grants by their kind."""
    h = report.Headline
    aar = whole_year(lev.pr_leverandoer, None) if lev.tilgaengelig else None
    out = {"tilgaengelig": h({"Leverandøroverblik": lev.tilgaengelig,
                              "Prisudvikling": pris.tilgaengelig,
                              "Egne mod eksterne": egne is not None and egne.tilgaengelig,
                              "Kontraktdækning": dk.tilgaengelig,
                              "Kontraktkalender": kal.tilgaengelig,
                              "Forhandlingsliste": fl.tilgaengelig,
                              "Pris og kvalitet": pk.tilgaengelig,
                              "Prisberegner": pb is not None and pb.tilgaengelig,
                              "Indkøbsgevinster": gev.tilgaengelig},
                             "Afsnit, der kunne laves", "tekst")}
    if aar is not None:
        k = lev.koncentration.set_index(["aar", "omfang"])
        types = lev.pr_type[lev.pr_type["aar"] == aar]
        total = types["udgift"].sum()
        ext = types[types["leverandoertype"] != "egen drift"]
        out |= {
            "aar": h(aar, "Leverandøroverblikkets år", "aar"),
            "udgift": h(total, "Udgift i alt", "mio_kr"),
            "andel_eksterne": h(ext["udgift"].sum() / total if total else None,
                                "Andel af udgiften hos eksterne", "pct"),
            "antal_leverandoerer": h(int(k.loc[(aar, "alle"), "antal_leverandoerer"]),
                                     "Leverandører", "tal"),
            "leverandoerer_80_pct": h(int(k.loc[(aar, "alle"), "antal_for_andel"]),
                                      f"Leverandører med {round(lev.andel * 100)} % af udgiften",
                                      "tal"),
            "eksterne_80_pct": h(int(k.loc[(aar, "eksterne"), "antal_for_andel"]),
                                 "Eksterne leverandører med 80 % af den eksterne udgift", "tal"),
            "hhi_eksterne": h(float(k.loc[(aar, "eksterne"), "hhi"]),
                              "Herfindahl-indeks, eksterne", "tal"),
            "borgere_eksterne": h(int(ext["antal_borgere"].sum()),
                                  "Borgere hos eksterne leverandører (pr. type)", "borgere"),
        }
    if pris.tilgaengelig:
        out["prisstigninger"] = h(len(pris.stigninger), "Prisstigninger over grænsen "
                                  "(leverandør, paragraf og år)", "tal")
    if dk.tilgaengelig:
        out |= {"andel_udgift_standardkontrakt": h(dk.andel_udgift_standardkontrakt,
                                                   "Ekstern udgift på standardkontrakt", "pct"),
                "andel_bevillinger_standardkontrakt": h(
                    dk.andel_bevillinger_standardkontrakt,
                    "Eksterne bevillinger på standardkontrakt", "pct")}
    if kal.tilgaengelig:
        soon = kal.udloeber(SNART_MAANEDER)
        out |= {
            "kontrakter_udloeber_6_mdr": h(len(soon), "Kontrakter, der udløber inden for "
                                           "6 måneder", "tal"),
            "betalt_udloeber_6_mdr": h(float(soon["betalt_12_mdr"].sum()),
                                       "Betalt de seneste 12 måneder under dem", "kr"),
            "genforhandling_overskredet": h(kal.antal_overskredne,
                                            "Kontrakter med overskredet genforhandling", "tal"),
        }
    if fl.tilgaengelig:
        out |= {"potentiale_lav": h(fl.potentiale_lav, "Forhandlingspotentiale pr. år, lav",
                                    "mio_kr"),
                "potentiale_hoej": h(fl.potentiale_hoej, "Forhandlingspotentiale pr. år, høj",
                                     "mio_kr"),
                "leverandoerer_forhandlingsliste": h(len(fl.liste),
                                                     "Leverandører på forhandlingslisten", "tal"),
                "bevillinger_forhandlingsliste": h(int(fl.liste["antal_bevillinger"].sum()),
                                                   "Sammenlignede bevillinger på listen",
                                                   "bevillinger")}
    if pk.tilgaengelig:
        out["hoej_pris_lav_kvalitet"] = h(int(pk.antal_pr_kvadrant[KVADRANTER[0]]),
                                          "Leverandører med høj pris og lav kvalitet", "tal")
    if gev.tilgaengelig:
        out |= {"aarlig_effekt": h(gev.aarlig_effekt, f"Årlig effekt af genforhandlinger "
                                   f"{gev.aar}", "kr"),
                "realiseret": h(gev.realiseret, "Realiseret indkøbsgevinst til dato", "kr"),
                "besparelsesmaal": h(gev.maal, "Politisk mål", "kr"),
                "andel_af_maal": h(gev.andel_af_maal, "Andel af målet", "pct")}
    return out


__all__ = [
    "SNART_MAANEDER",
    "TABLE_ARGS",
    "PriceCalculator",
    "calculator_choice",
    "calculator_html",
    "data_status",
    "default_service",
    "headline_results",
    "opgoerelsesdato",
    "show_calculator",
    "show_calendar",
    "show_coverage",
    "show_negotiation",
    "show_overview",
    "show_own_external",
    "show_prices",
    "show_quality",
    "show_savings",
    "workbook",
]
