"""The sections of notebook 06_indkoeb: each `show_*` displays a section's figures, text and
tables in reading order, or the Danish reason it cannot be made (an optional table missing).

`diskretion` is None for intern use and the discretion threshold for the byråd: then tables
drop ids and row-level lists, counts are suppressed by `report.show_table`, and costs of
cells with few citizens are left out.
"""

from __future__ import annotations

import pandas as pd

from ... import indkoeb as ik
from ... import report
from ...data import derived
from ...indkoeb.grundlag import Resultat
from . import figures as f
from . import tables as t
from . import text
from .labels import whole_year


def opgoerelsesdato(data) -> pd.Timestamp | None:
    """The extract's reference date (the last day of the latest paid month)."""
    return derived.reference_date(data.betalinger)


def _available(result: Resultat, what: str) -> bool:
    """Show the Danish reason when the result cannot be made; its notes otherwise."""
    if not result.tilgaengelig:
        report.markdown(text.missing_text(result, what))
        return False
    return True


def _notes(result: Resultat) -> None:
    notes = text.notes_text(result)
    if notes:
        report.markdown(notes)


def show_overview(lev: ik.Leverandoeroverblik, aar: int | None = None,
                  til: pd.Timestamp | None = None, diskretion: int | None = None) -> None:
    """Spending by provider type over the years, the text, the Pareto curve, the tables per
    type and per paragraph, and the providers (all intern; the ten largest for the byråd)."""
    if not _available(lev, "Leverandøroverblikket"):
        return
    aar = whole_year(lev.pr_leverandoer, aar)
    report.figure(f.spend_by_type_figure(lev, til), alt=f.spend_by_type_alt(lev))
    report.markdown(text.overview_text(lev, aar))
    report.figure(f.pareto_figure(lev, aar), alt=f.pareto_alt(lev, aar))
    span = (f", årlig vækst {lev.tendens['fra_aar'].iloc[0]}–{lev.tendens['til_aar'].iloc[0]}"
            if len(lev.tendens) else "")
    t.show("type", t.type_table(lev, aar), f"Udgifter pr. leverandørtype {aar}{span}")
    t.show("koncentration", t.concentration_table(lev, aar),
           f"Koncentration pr. paragraf {aar}", decimaler=0)
    n = None if diskretion is None else 10
    title = (f"Leverandørerne {aar}" if n is None else f"De {n} største leverandører {aar}")
    t.show("leverandoerer", t.provider_table(lev, aar, n), title, decimaler=1)
    _notes(lev)


def show_prices(pris: ik.Prisudvikling) -> None:
    """The price index per paragraph against the price index, and the rises above it."""
    if not _available(pris, "Prisudviklingen"):
        return
    report.figure(f.price_index_figure(pris), alt=f.price_index_alt(pris))
    report.markdown(text.price_text(pris))
    t.show("stigninger", t.price_rises_table(pris), "Prisstigninger over grænsen",
           tom="Ingen prisstigninger over grænsen.")
    _notes(pris)


def show_own_external(egne: ik.EgneModEksterne, diskretion: int | None = None) -> None:
    if not _available(egne, "Sammenligningen af egne og eksterne tilbud"):
        return
    report.figure(f.own_external_figure(egne, diskretion),
                  alt=f.own_external_alt(egne, diskretion))
    report.markdown(text.own_external_text(egne))
    note = (None if diskretion is None else
            f"Udgifterne vises ikke for grupper med under {diskretion} borgere.")
    t.show("egne", t.own_external_table(egne, diskretion),
           f"Udgift pr. helårsperson {egne.aar} pr. paragraf og leverandørtype", decimaler=1,
           note=note)
    _notes(egne)


def show_coverage(dk: ik.Kontraktdaekning, til: pd.Timestamp | None = None) -> None:
    """Standard-contract coverage over the years, and the fast-growing tillæg."""
    if not _available(dk, "Kontraktdækningen"):
        return
    report.figure(f.coverage_figure(dk, til), alt=f.coverage_alt(dk))
    report.markdown(text.coverage_text(dk))
    t.show("daekning", t.coverage_table(dk), f"Eksterne køb pr. kontrakt {dk.aar}")
    tillaeg = t.tillaeg_table(dk)
    report.markdown(text.tillaeg_text(dk, tillaeg))
    year = whole_year(dk.tillaeg) if len(dk.tillaeg) else ""
    t.show("tillaeg", tillaeg, f"Tillæg der vokser mest ({year} mod året før)", decimaler=0,
           tom="Ingen eksterne leverandører har tillæg.")
    _notes(dk)


def show_calendar(kal: ik.Kontraktkalender, diskretion: int | None = None,
                  maaneder: int = text.SNART) -> None:
    """The contract calendar: first what needs action (overdue renegotiations, expired
    contracts with running grants, expiries within `maaneder` months), then for intern use the
    routine renegotiations of the period. The byråd's has no contract ids and no contracts for
    a single grant."""
    if not _available(kal, "Kontraktkalenderen"):
        return
    report.markdown(text.calendar_text(kal, maaneder))
    byraad = diskretion is not None
    act = t.calendar_table(kal, byraad, handling=True, maaneder=maaneder)
    # How many were left out would count grants: not said for the byråd.
    note = "Kontrakter for en enkelt bevilling er ikke vist." if byraad else None
    t.show("kalender", act, "Kontrakter, der kræver handling", note=note,
           tom="Ingen kontrakter er overskredet eller udløber snart.")
    if not byraad:
        t.show("kalender", t.calendar_table(kal, handling=False, maaneder=maaneder),
               f"Øvrige genforhandlinger og udløb inden for {kal.maaneder} måneder",
               tom="Ingen andre kontrakter i perioden.")
    _notes(kal)


def show_negotiation(fl: ik.Forhandlingsliste, diskretion: int | None = None) -> None:
    if not _available(fl, "Forhandlingslisten"):
        return
    if len(fl.liste):
        report.figure(f.negotiation_figure(fl), alt=f.negotiation_alt(fl))
    report.markdown(text.negotiation_text(fl))
    t.show("forhandling", t.negotiation_table(fl), "Forhandlingsliste", decimaler=2,
           tom="Ingen leverandører på listen.")
    if diskretion is None and len(fl.liste):  # the evidence counts grants: intern only
        report.markdown("**Det bygger listen på** (hele listen med bevillingerne i Excel):\n\n"
                        + text.evidence_text(fl))
    _notes(fl)


def show_quality(pk: ik.PrisOgKvalitet) -> None:
    if not _available(pk, "Pris mod kvalitet"):
        return
    report.figure(f.quadrant_figure(pk), alt=f.quadrant_alt(pk))
    report.markdown(text.quality_text(pk))
    t.show("kvalitet", t.quality_table(pk), "Pris og kvalitet pr. leverandør", decimaler=2)
    _notes(pk)


def show_calculator(pb: ik.Prisberegning) -> None:
    """The calculator's answer for one service and volume (the byråd's, and the static one)."""
    if not _available(pb, "Prisberegneren"):
        return
    report.figure(f.calculator_figure(pb), alt=f.calculator_alt(pb))
    report.markdown(text.calculator_text(pb))
    t.show("prisberegner", t.calculator_table(pb), "Leverandørerne efter årlig udgift")
    report.markdown(text.contents_text(pb))
    _notes(pb)


def show_savings(gev: ik.Indkoebsgevinster, diskretion: int | None = None) -> None:
    """Realised savings against the target; the renegotiations one by one for intern use."""
    if not _available(gev, "Indkøbsgevinsterne"):
        return
    report.figure(f.savings_figure(gev), alt=f.savings_alt(gev))
    report.markdown(text.savings_text(gev))
    t.show("gevinster_aar", t.savings_year_table(gev), "Indkøbsgevinster pr. år")
    if diskretion is None:
        t.show("gevinster", t.savings_table(gev, alle=False),
               "Genforhandlinger, der ændrede prisen (alle står i Excel-filen)",
               tom="Ingen genforhandlinger har ændret prisen.")
    _notes(gev)
