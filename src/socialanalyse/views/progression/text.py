"""Danish texts of notebook 02: the set-up, the classification, the interpretation of effect
estimates for pasting into a committee paper, and the durations.

`interpret(estimate, ...)` gives one or two sentences (the effect, its interval, what it
does and does not show) followed by warnings when the design is weak: before/after without a
comparison group, few citizens, or groups that differed at baseline.
"""

from __future__ import annotations

import math

from ...progression.estimates import Estimate
from ...report.format import dato_lang, p_vaerdi, pct, tal


def _n(x: float, decimaler: int) -> str:
    return tal(abs(x), decimaler)


def _citizens(n: int, diskretion: int | None) -> str:
    if diskretion is not None and 0 < n < diskretion:
        return f"færre end {diskretion} borgere"
    return f"{tal(n)} borgere" if n != 1 else "1 borger"


def _level_sentence(
    est: Estimate, udfald: str, enhed: str, lower_is_better: bool, decimaler: int
) -> str:
    # Turn everything into "improvement" terms: positive = better.
    sign = -1 if lower_is_better else 1
    imp = sign * est.estimate
    lo, hi = sorted((sign * est.ci_low, sign * est.ci_high))
    level = f"{tal(est.confidence * 100, 0)} %-konfidensinterval"
    retning = "forbedret" if imp > 0 else "forværret" if imp < 0 else "uændret"
    if est.design == "did":
        main = (
            f"Hos borgerne i indsatsen blev {udfald} i gennemsnit {retning} med "
            f"{_n(imp, decimaler)} {enhed} mere end i sammenligningsgruppen"
        )
        if imp < 0:
            main = (
                f"Hos borgerne i indsatsen blev {udfald} i gennemsnit {_n(imp, decimaler)} "
                f"{enhed} dårligere end i sammenligningsgruppen"
            )
    elif est.design == "foer_efter":
        main = f"Fra før til efter blev {udfald} i gennemsnit {retning} med {_n(imp, decimaler)} {enhed}"
    elif est.design == "grupper":
        bedre = "bedre" if imp > 0 else "dårligere"
        main = (
            f"{udfald[:1].upper() + udfald[1:]} var i gennemsnit {_n(imp, decimaler)} {enhed} "
            f"{bedre} i indsatsgruppen end i sammenligningsgruppen"
        )
    else:
        main = f"Den anslåede forskel i {udfald} er {tal(est.estimate, decimaler)} {enhed}"
    if lo > 0:
        ci = f"en forbedring på mellem {_n(lo, decimaler)} og {_n(hi, decimaler)} {enhed}"
    elif hi < 0:
        ci = f"en forværring på mellem {_n(hi, decimaler)} og {_n(lo, decimaler)} {enhed}"
    else:
        ci = (
            f"fra en forværring på {_n(lo, decimaler)} til en forbedring på "
            f"{_n(hi, decimaler)} {enhed}, så data kan ikke skelne resultatet fra ingen forskel"
        )
    return f"{main} ({level}: {ci})."


def _rate_sentence(est: Estimate, udfald: str, lower_is_better: bool) -> str:
    level = f"{tal(est.confidence * 100, 0)} %-konfidensinterval"
    change = est.estimate - 1
    if not math.isfinite(change):
        main = f"{udfald[:1].upper() + udfald[1:]} gik fra nul til flere end nul"
    elif change < 0:
        main = f"{udfald[:1].upper() + udfald[1:]} faldt med {pct(-change, 0)} efter starten"
    elif change > 0:
        main = f"{udfald[:1].upper() + udfald[1:]} steg med {pct(change, 0)} efter starten"
    else:
        main = f"{udfald[:1].upper() + udfald[1:]} var uændret efter starten"
    lo, hi = est.ci_low, est.ci_high
    if hi < 1:
        ci = f"et fald på mellem {pct(1 - hi, 0)} og {pct(1 - lo, 0)}"
    elif lo > 1:
        ci = f"en stigning på mellem {pct(lo - 1, 0)} og {pct(hi - 1, 0)}" if math.isfinite(hi) \
            else f"en stigning på mindst {pct(lo - 1, 0)}"
    else:
        high = f"en stigning på {pct(hi - 1, 0)}" if math.isfinite(hi) else "en stigning"
        ci = (
            f"fra et fald på {pct(1 - lo, 0)} til {high}, så data kan ikke skelne ændringen "
            f"fra tilfældige udsving"
        )
    return f"{main} (rateratio {tal(est.estimate, 2)}; {level}: {ci})."


_WHAT_IT_SHOWS = {
    "did": (
        "Sammenligningen tager højde for den udvikling, der ville være sket alligevel, men kun "
        "hvis de to grupper ville have udviklet sig ens uden indsatsen; den viser en "
        "gennemsnitlig effekt, ikke hvilke borgere der fik gavn af indsatsen."
    ),
    "foer_efter": (
        "Uden en sammenligningsgruppe viser tallet borgernes udvikling, ikke indsatsens effekt: "
        "borgerne kunne have udviklet sig sådan alligevel."
    ),
    "grupper": (
        "En forskel mellem to grupper viser ikke i sig selv en effekt: grupperne kan have været "
        "forskellige fra starten."
    ),
    "rate": (
        "Tallet sammenligner perioden før og efter starten; ændringen kan også skyldes andet, "
        "der ændrede sig samtidig (fx visitationspraksis eller tilgangen af borgere)."
    ),
}


def design_warnings(
    estimate: Estimate,
    *,
    min_borgere: int = 20,
    antal_indsats: int | None = None,
    antal_sammenligning: int | None = None,
    std_forskel_foer: float | None = None,
    max_std_forskel: float = 0.25,
    diskretion: int | None = None,
) -> list[str]:
    """Danish warnings about a weak design: no comparison group, few citizens in a group,
    groups that differ before the intervention (standardised difference above the limit).
    Each is a phrase written to follow "Bemærk: " (lower-case start)."""
    out = []
    if estimate.design in ("foer_efter", "rate"):
        out.append("svagt design: før/efter-måling uden sammenligningsgruppe.")
    groups = [("i alt", estimate.n)] if antal_indsats is None else [
        ("i indsatsen", antal_indsats), ("i sammenligningsgruppen", antal_sammenligning)
    ]
    if estimate.design != "rate":
        for where, n in groups:
            if n is not None and n < min_borgere:
                out.append(
                    f"få borgere {where} ({_citizens(n, diskretion)}): resultatet er usikkert og "
                    f"kan ændre sig meget med få borgere mere eller mindre."
                )
    if std_forskel_foer is not None and math.isfinite(std_forskel_foer) and abs(
        std_forskel_foer
    ) > max_std_forskel:
        out.append(
            f"grupperne var forskellige før indsatsen (standardiseret forskel "
            f"{tal(std_forskel_foer, 2)}): sammenligningen kan være skæv; overvej at matche på "
            f"niveauet før."
        )
    return out


def interpret(
    estimate: Estimate,
    *,
    udfald: str = "funktionsniveauet",
    enhed: str = "niveau",
    lower_is_better: bool = True,
    decimaler: int = 2,
    min_borgere: int = 20,
    antal_indsats: int | None = None,
    antal_sammenligning: int | None = None,
    std_forskel_foer: float | None = None,
    max_std_forskel: float = 0.25,
    diskretion: int | None = None,
) -> str:
    """One or two Danish sentences about an estimate, then "Bemærk: ..." warnings.

    udfald: what was measured, in a form that reads after "blev" (e.g. "niveauet for
    Egenomsorg", or for rates "antallet af nye forløb pr. måned"); enhed: its unit (VUM levels:
    "niveau"). lower_is_better: True for VUM levels and counts of stays (lower = better).
    diskretion: counts of citizens below it are shown as "færre end N" (byråd).
    """
    if estimate.design == "rate":
        first = _rate_sentence(estimate, udfald, lower_is_better)
    else:
        first = _level_sentence(estimate, udfald, enhed, lower_is_better, decimaler)
    parts = [first]
    if estimate.design in _WHAT_IT_SHOWS:
        parts.append(_WHAT_IT_SHOWS[estimate.design])
    warnings = design_warnings(
        estimate,
        min_borgere=min_borgere,
        antal_indsats=antal_indsats,
        antal_sammenligning=antal_sammenligning,
        std_forskel_foer=std_forskel_foer,
        max_std_forskel=max_std_forskel,
        diskretion=diskretion,
    )
    parts += [f"Bemærk: {w}" for w in warnings]
    return " ".join(parts)


_SUCCESS = {
    "opfyldt": "Succeskriteriet ({kriterie}) er opfyldt: den anslåede effekt når kriteriet, og "
    "intervallet udelukker, at indsatsen ingen effekt har.",
    "usikkert": "Den anslåede effekt når succeskriteriet ({kriterie}), men intervallet rummer "
    "også ingen effekt: resultatet er usikkert.",
    "ikke opfyldt": "Succeskriteriet ({kriterie}) er ikke opfyldt: den anslåede effekt er "
    "mindre end kriteriet.",
}


def success_text(status: str, minimum_effect: float, *, rate: bool = False,
                 enhed: str = "niveau") -> str:
    """The success criterion's verdict (`progression.success`) in one Danish sentence."""
    if rate:
        kriterie = f"et fald på mindst {pct(minimum_effect, 0)}"
    else:
        kriterie = f"en forbedring på mindst {tal(minimum_effect, 2)} {enhed}"
    return _SUCCESS[status].format(kriterie=kriterie)


def outcome_phrase(tema: str) -> str:
    """'niveauet for Egenomsorg', or 'det samlede niveau' for the mean over themes."""
    return "det samlede niveau" if tema == "samlet" else f"niveauet for {tema}"


_COMPARISON = {
    "paragraf": "borgere med samme paragraf hos andre leverandører",
    "maalgruppe": "borgere i samme målgruppe med andre indsatser",
}


def describe_setup(p, leverandoerer=None, tilbud=None) -> str:
    """The analysis set-up in Danish: which intervention from when, the outcome, the
    comparison group and the success criterion (`p`: the progression parameters)."""
    i = p.indsats
    what = []
    if i.paragraf:
        what.append(i.paragraf)
    if i.tilbud_id:
        name = _name(tilbud, "tilbud_id", i.tilbud_id)
        what.append(f"i tilbuddet {name}")
    if i.leverandoer_id:
        name = _name(leverandoerer, "leverandoer_id", i.leverandoer_id)
        what.append(f"hos {name}")
    match = " (matchet på niveauet før indsatsen)" if p.match_paa_niveau else ""
    return (
        f"**Indsats:** {' '.join(what)} fra {dato_lang(i.start)}. "
        f"**Udfald:** {outcome_phrase(p.udfald)} i VUM. "
        f"**Sammenligningsgruppe:** {_COMPARISON[p.sammenligning]}{match}. "
        f"**Succeskriterie:** indsatsen forbedrer {outcome_phrase(p.udfald)} med mindst "
        f"{tal(p.succeskriterie, 2)} niveau mere end i sammenligningsgruppen, og "
        f"{tal(p.konfidensniveau * 100, 0)} %-konfidensintervallet udelukker ingen effekt."
    )


def _name(table, key: str, value: str) -> str:
    if table is None or table.empty:
        return value
    hit = table.loc[table[key] == value, "navn"]
    return f"{hit.iloc[0]} ({value})" if len(hit) else value


def classification_text(p, samlet) -> str:
    """How a citizen's development is classified, with the smallest change that counts on
    the overall level (`samlet`: `individual_progression` rows of theme 'samlet')."""
    if p.klassifikation == "rci":
        smallest = samlet["mindste_aendring"].dropna()
        limit = (f" For det samlede niveau svarer det til et fald på mindst "
                 f"{tal(smallest.median(), 2)} niveau." if len(smallest) else "")
        sd = ("standardafvigelsen ved første udredning i data" if p.standardafvigelse is None
              else f"standardafvigelsen {tal(p.standardafvigelse, 2)}")
        return (
            "En borger tæller som i **progression**, når niveauet er faldet mere, end "
            "måleusikkerheden kan forklare (Reliable Change Index, Jacobson & Truax 1991, med "
            f"reliabiliteten {tal(p.reliabilitet, 2)} og {sd}); **regression** er det "
            f"modsatte, og resten er **stabile**.{limit}"
        )
    return (
        f"En borger tæller som i **progression**, når niveauet er faldet mindst "
        f"{tal(p.mindste_aendring, 1)} niveau; **regression** når det er steget mindst så meget; "
        "resten er **stabile**."
    )


def conclusion(effekt, p, status: str, diskretion: int | None = None) -> str:
    """The committee-paper paragraph: the interpretation of the DiD estimate with its
    warnings, then the success criterion's verdict."""
    text = interpret(
        effekt.did, udfald=outcome_phrase(p.udfald), min_borgere=p.min_borgere,
        antal_indsats=effekt.antal_indsats, antal_sammenligning=effekt.antal_sammenligning,
        std_forskel_foer=effekt.std_forskel_foer, max_std_forskel=p.max_std_forskel,
        diskretion=diskretion,
    )
    return f"{text} {success_text(status, p.succeskriterie)}"


def duration_text(varighed, alle, paragraf: str) -> str:
    """Median time in the paragraph, before vs after the cut-off, and the log-rank verdict."""
    med = varighed.medianer.set_index("gruppe")["median_maaneder"]

    def m(x) -> str:
        return "ikke nået endnu" if x is None or math.isnan(x) else f"{tal(x, 1)} måneder"

    overall = alle["median_maaneder"].iloc[0] if len(alle) else None
    verdict = (
        "Forskellen er statistisk sikker" if varighed.p_value < 0.05
        else "Forskellen kan skyldes tilfældigheder"
    )
    how = "Kaplan–Meier, hvor igangværende forløb tæller med, så langt de er nået"
    if overall is None or math.isnan(overall):
        first = (f"Mere end halvdelen af forløbene i {paragraf} er stadig i gang, så medianen "
                 f"kan ikke opgøres endnu ({how}).")
    else:
        first = f"Halvdelen af forløbene i {paragraf} varer højst {m(overall)} (median, {how})."
    return (
        f"{first} For forløb startet før "
        f"{dato_lang(varighed.skaeringsdato)} er medianen {m(med.get('før'))}, for forløb "
        f"startet derefter {m(med.get('efter'))}. {verdict} (log-rank-test, p-værdi "
        f"{p_vaerdi(varighed.p_value)}). Nye forløb har haft kortere tid til at slutte; det tager "
        "Kaplan–Meier højde for, men en median, der ikke er nået, kan stadig ende højere."
    )
