"""The Danish texts of notebook 06_indkoeb: what the figures say, what is missing, and the
sources' findings next to the municipality's own figures. The texts name no count of citizens
or grants (those stay in the tables, where the byråd's copy suppresses them); counts of
providers and contracts are not personal and are written as they are."""

from __future__ import annotations

import pandas as pd

from ... import indkoeb as ik
from ...indkoeb import KVADRANTER
from ...indkoeb.grundlag import Resultat
from ...report.format import amount, dato, pct, sentences, tal
from .labels import omfang_text, type_label, whole_year

#: "Expiring soon": within this many months (the calendar's first table, the headlines).
SNART = 6
#: What each optional table gives the workbook (shown when it is missing).
OPTIONAL = {
    "kontrakter": "kontraktdækning pr. kontrakt, kontraktkalenderen og genforhandlede priser",
    "prislister": "prisberegneren",
    "tilsyn": "pris mod kvalitet",
}


def data_status(data) -> str:
    """Which of the workbook's optional tables the municipality has delivered (Danish)."""
    have, missing = [], []
    for name, gives in OPTIONAL.items():
        n = len(getattr(data, name))
        (have if n else missing).append((name, n, gives))
    lines = [f"- **{name}**: {tal(n)} rækker." for name, n, _ in have]
    lines += [f"- **{name}** mangler, så {gives} kan ikke vises (resten af arbejdsbogen kan)."
              for name, _, gives in missing]
    head = ("Arbejdsbogen bruger de faste tabeller (bevillinger, betalinger, leverandører, "
            "vurderinger og opfølgninger) og tre valgfrie tabeller:")
    tail = ("" if not missing else "\n\nSe data/README.md for, hvordan tabellerne leveres "
            "og kobles i parameterfilen.")
    return head + "\n\n" + "\n".join(lines) + tail


def missing_text(result: Resultat, what: str) -> str:
    """The Danish note shown instead of a section that cannot be made."""
    return f"**{what} kan ikke vises.** {result.mangler}"


def notes_text(result: Resultat) -> str | None:
    """The result's notes as a Danish list (None without notes)."""
    if not result.noter:
        return None
    return "\n".join(f"- {n}" for n in result.noter)


# --- the sections ----------------------------------------------------------------------------


def overview_text(lev: ik.Leverandoeroverblik, aar: int | None = None) -> str:
    aar = whole_year(lev.pr_leverandoer, aar)
    t = lev.pr_type[lev.pr_type["aar"] == aar].set_index("leverandoertype")
    total = t["udgift"].sum()
    ext = t.drop(index="egen drift", errors="ignore")
    private = t["udgift"].get("privat", 0.0)
    k = lev.koncentration.set_index(["aar", "omfang"])
    alle, eksterne = k.loc[(aar, "alle")], k.loc[(aar, "eksterne")]
    trend = lev.tendens.set_index("leverandoertype")
    growth = ""
    if "privat" in trend.index and pd.notna(trend.at["privat", "aarlig_vaekst"]):
        r = trend.loc["privat"]
        growth = (f" Udgiften til private leverandører er vokset med "
                  f"{pct(r['aarlig_vaekst'])} om året fra {int(r['fra_aar'])} til {int(r['til_aar'])}.")
    return sentences([
        (f"I {aar} købte kommunen for **{amount(total)}** på området hos "
         f"{tal(alle['antal_leverandoerer'])} leverandører. {pct(ext['udgift'].sum() / total, 0)} "
         f"gik til eksterne leverandører, heraf {pct(private / total, 0)} til private "
         f"(i hele landet går omkring en tredjedel til private, jf. KL).{growth}"),
        (f"**{tal(alle['antal_for_andel'])} leverandører står for {pct(lev.andel, 0)} af "
         f"udgiften**, og blandt de eksterne gør {tal(eksterne['antal_for_andel'])} af "
         f"{tal(eksterne['antal_leverandoerer'])} det. Herfindahl-indekset for de eksterne er "
         f"{tal(eksterne['hhi'])} (10.000 betyder, at én leverandør har det hele)."),
    ])


def price_text(pris: ik.Prisudvikling) -> str:
    rises = pris.stigninger
    if rises.empty:
        found = "Ingen leverandører har hævet prisen mere end grænsen fra et år til det næste."
    else:
        last = int(rises["aar"].max())
        now = rises[rises["aar"] == last]
        without = sorted(set(now.loc[now["genforhandlede"] == 0, "navn"]))
        reason = (f"uden en registreret genforhandling: {', '.join(without)}" if without else
                  "alle efter en registreret genforhandling")
        found = (f"Prisen er steget mere end grænsen **{tal(len(rises))} gange** (leverandør og "
                 f"paragraf pr. år). I {last} gælder det {tal(len(now))}, "
                 f"{'heraf ' + tal(len(now[now['genforhandlede'] == 0])) + ' ' if without else ''}"
                 f"{reason}.")
    return sentences([
        ("Prisen er det, der faktisk er betalt pr. enhed (døgn, time eller måned), tillæg "
         "medregnet, for de bevillinger, der var aktive i begge år, så nye dyre eller billige "
         "sager ikke ligner en prisændring. En stigning tæller, når den er mindst prisindekset "
         f"({pct(pris.prisindeks)}) plus {pct(pris.margin, 0)} – samme grænse som "
         "servicetjekkets regel om prisstigninger."),
        found,
    ])


def own_external_text(egne: ik.EgneModEksterne) -> str:
    t = egne.pr_paragraf
    cells = t[t["forhold_til_egen_drift"].notna() & (t["leverandoertype"] != "egen drift")]
    dearer = cells[cells["forhold_til_egen_drift"] > 1.1]
    listed = "; ".join(f"{r.paragraf} hos {type_label(r.leverandoertype).lower()} "
                       f"{pct(r.forhold_til_egen_drift - 1, 0)} dyrere"
                       for r in dearer.head(4).itertuples())
    return sentences([
        (f"Ni af de 14 kommuner i Deloittes undersøgelse sammenligner nøgletal for egne og "
         f"eksterne tilbud. Her er det den årlige udgift pr. helårsperson i {egne.aar} for "
         f"egen drift og for hver type ekstern leverandør, pr. paragraf og (i tabellen) pr. "
         f"funktionsniveau ved start, så tunge og lette sager ikke blandes."),
        (f"Eksterne tilbud er mindst 10 % dyrere end egen drift her: {listed}." if listed else
         "Ingen ekstern leverandørtype er mere end 10 % dyrere end egen drift på samme "
         "paragraf."),
        ("Forskellen siger ikke alene noget om kvalitet eller om borgernes behov er de samme; "
         "brug den som afsæt for en faglig drøftelse."),
    ])


def coverage_text(dk: ik.Kontraktdaekning) -> str:
    source = ("hver bevillings egen kontrakt (kontrakttabellen)" if dk.kilde == "kontrakter"
              else "leverandørtabellens markering af standardkontrakt")
    return sentences([
        ("Kun 5 af de 14 kommuner i Deloittes undersøgelse bruger en standardkontrakt med "
         "klare rammer over for alle eksterne leverandører, og lige så få oplever, at pris og "
         "vilkår for tillægsydelser er specificeret i kontrakterne."),
        (f"I {dk.aar} er **{pct(dk.andel_udgift_standardkontrakt, 0)} af de eksterne udgifter** "
         f"og {pct(dk.andel_bevillinger_standardkontrakt, 0)} af de eksterne bevillinger købt "
         f"på kommunens standardkontrakt (opgjort efter {source})."),
    ])


def tillaeg_text(dk: ik.Kontraktdaekning, tabel: pd.DataFrame) -> str:
    if tabel.empty:
        return "Ingen eksterne leverandører har tillæg (særtakster) i de to seneste år."
    top = tabel.iloc[0]
    return sentences([
        ("Tillæg og særtakster oven i grundtaksten er dér, hvor udgifterne ifølge flere "
         "kommuner i Deloittes undersøgelse stiger uventet, når tillægsydelserne ikke er "
         "specificeret i kontrakten."),
        (f"Tillæggene vokser mest hos **{top['Leverandør']}**: fra "
         f"{amount(top['Tillæg pr. måned året før'])} til "
         f"{amount(top['Tillæg pr. måned'])} om måneden."),
    ])


def calendar_text(kal: ik.Kontraktkalender, soon_months: int = SNART) -> str:
    soon = kal.udloeber(soon_months)
    return sentences([
        (f"Kalenderen viser de kontrakter, der udløber eller skal genforhandles inden for "
         f"{kal.maaneder} måneder fra {dato(kal.opgoerelsesdato)}, og det, der er betalt de "
         f"seneste 12 måneder for de aktive bevillinger, hver kontrakt dækker."),
        (f"**{tal(len(soon))} kontrakter udløber inden for {soon_months} måneder** med "
         f"{amount(soon['betalt_12_mdr'].sum())} betalt det seneste år; "
         f"{tal(kal.antal_overskredne)} løbende kontrakter har passeret deres aftalte "
         f"genforhandlingsdato, og {tal(kal.uden_genforhandlingsdato)} har ingen aftalt dato."),
    ])


def negotiation_text(fl: ik.Forhandlingsliste) -> str:
    if fl.liste.empty:
        return "Ingen eksterne leverandører har priser over medianen for sammenlignelige sager."
    top = fl.liste.iloc[0]
    over = fl.liste[fl.liste["genforhandling_overskredet"]]
    late = (f" {', '.join(over['navn'])} har allerede passeret deres genforhandlingsdato."
            if len(over) else "")
    return sentences([
        ("Forhandlingslisten rangerer de eksterne leverandører efter, hvad det er værd om året "
         "at få deres priser ned på medianen for sammenlignelige bevillinger (samme paragraf, "
         "enhed og funktionsniveau ved start, hos andre leverandører). Det lave tal tæller kun "
         "bevillinger, der er mindst så meget over medianen, som servicetjekket markerer; det "
         "høje alle over medianen."),
        (f"I alt **{amount(fl.potentiale_lav)} til {amount(fl.potentiale_hoej)} om året**. "
         f"Først på listen står {top['navn']} ({amount(top['potentiale_lav'])} til "
         f"{amount(top['potentiale_hoej'])}).{late}"),
    ])


def evidence_text(fl: ik.Forhandlingsliste, n: int = 5) -> str:
    """The evidence of the first `n` on the negotiation list, one bullet each (intern use:
    the sentences count grants)."""
    return "\n".join(f"- **{r.navn}**: {r.evidens}" for r in fl.liste.head(n).itertuples())


def quality_text(pk: ik.PrisOgKvalitet) -> str:
    worst = pk.tabel[pk.tabel["kvadrant"] == KVADRANTER[0]]
    named = (f"**{', '.join(worst['navn'])}** har både høj pris og lav kvalitet: her er det "
             f"oplagt at begynde." if len(worst) else
             "Ingen leverandører har både en pris over medianen og lav kvalitet.")
    return sentences([
        (f"Prisen er leverandørens samlede pris i forhold til medianen for sammenlignelige bevillinger "
         f"(1 = medianen); kvaliteten er socialtilsynets seneste samlede bedømmelse (1–5), "
         f"og under {tal(pk.kvalitet_graense, 1)} regnes som lav."),
        named,
    ])


def calculator_text(pb: ik.Prisberegning) -> str:
    t = pb.tabel
    first, last = t.iloc[0], t.iloc[-1]
    return sentences([
        (f"Til {omfang_text(pb.omfang, pb.enhed)} af {pb.ydelse.lower()} er "
         f"{first['navn']} billigst med {amount(first['aarlig_udgift'])} om året, og "
         f"{last['navn']} dyrest, {amount(last['forskel_til_billigste'])} mere om året."),
        ("Se, hvad prisen indeholder, før leverandørerne sammenlignes: kørsel, "
         "kvalifikationer og betaling for aflyste besøg er ikke ens."),
    ])


def contents_text(pb: ik.Prisberegning) -> str:
    """What each provider's price contains, one bullet each, cheapest first."""
    return "**Prisen indeholder:**\n\n" + "\n".join(
        f"- **{r.navn}**: {r.indhold}" for r in pb.tabel.itertuples() if isinstance(r.indhold, str))


def savings_text(gev: ik.Indkoebsgevinster) -> str:
    goal = (f" Det politiske mål for {gev.aar} er {amount(gev.maal)}, så årets "
            f"genforhandlinger svarer til **{pct(gev.andel_af_maal, 0)} af målet**."
            if gev.maal else " Der er ikke sat et politisk mål (indkoeb.besparelsesmaal).")
    neg = gev.pr_genforhandling
    up = neg[neg["aarlig_besparelse"] < 0]
    raised = (f" Genforhandlinger, der hævede prisen, tæller negativt "
              f"({amount(up['aarlig_besparelse'].sum())} om året i alt)." if len(up) else "")
    return sentences([
        ("Herlevs socialfaglige indkøbskonsulent skulle det første år bidrage med besparelser "
         "på 2 mio. kr. og det andet år 4 mio. kr. En genforhandling tæller fra den første hele "
         "måned efter, med (pris før − pris efter) × bevillingens omfang."),
        (f"Genforhandlingerne i {gev.aar} giver **{amount(gev.aarlig_effekt)} om året**, og i "
         f"alt er der realiseret {amount(gev.realiseret)} til og med opgørelsesmåneden."
         f"{goal}{raised}"),
    ])

