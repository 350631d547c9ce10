"""Danish texts of notebook 03_business_case: the case's introduction, inputs in words, the
break-even table read aloud and the plain-Danish conclusion."""

from __future__ import annotations

import math

import pandas as pd

from ...businesscase import BusinessCase, MonteCarloResultat, Resultat, input_label
from ...report.format import amount, pct, sentences, tal

_RATE_FIELDS = ("succesrate", "doedvaegt", "aftagning", "optimisme_tillaeg")
MONEY_FIELDS = ("beloeb", "pris")


def input_value_text(path: str, value: float | None) -> str:
    """An input's value for reading: rates as %, amounts in kr., the rest as numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    field = path.split(".")[-1]
    if field in _RATE_FIELDS:
        return pct(value, 1)
    if field in MONEY_FIELDS:
        return amount(value)
    return tal(value, 0 if float(value).is_integer() else 1)


_DEFINITE = {
    "beloeb": "beløbet", "pris": "prisen", "antal": "antallet af enheder", "deles_af": "antallet, der deler",
    "succesrate": "succesraten", "doedvaegt": "dødvægten", "varighed": "varigheden",
    "aftagning": "aftagningen", "fra_aar": "startåret", "til_aar": "slutåret",
}


def input_phrase(case: BusinessCase, path: str) -> str:
    """An input in a Danish sentence: 'succesraten for »Undgået anbringelse af 3 børn«'."""
    parts = path.split(".")
    if parts == ["optimisme_tillaeg"]:
        return "optimismetillægget på udgifterne"
    if parts == ["horisont"]:
        return "horisonten"
    if parts[0] == "borgergrupper":
        group = case.borgergrupper[parts[1]]
        return f"antallet af {group.beskrivelse or parts[1]}"
    line = getattr(case, parts[0])[parts[1]]
    return f"{_DEFINITE.get(parts[2], parts[2])} for »{line.navn}«"


def year_text(res: Resultat, t: int) -> str:
    """'år 2 (2028)' with a start year, else 'år 2' (år 0 is the first year)."""
    if res.case.startaar is not None:
        return f"år {t} ({res.case.startaar + t})"
    return f"år {t}"


def year_labels(res: Resultat) -> list[str]:
    """The years for an axis: calendar years with a start year, else 'År 0', 'År 1', …"""
    if res.case.startaar is not None:
        return [str(res.case.startaar + t) for t in res.aarlig["aar"]]
    return [f"År {t}" for t in res.aarlig["aar"]]


def break_even_table(res: Resultat) -> pd.DataFrame:
    """The break-even table for reading: input, casens værdi, nulpunkt and a Danish sentence."""
    rows = []
    for row in res.break_even.itertuples():
        base = input_value_text(row.input, row.grundvaerdi)
        group = row.input.startswith("borgergrupper.")
        what = res.case.borgergrupper[row.input.split(".")[1]].beskrivelse if group else ""
        if row.retning == "uafhængig":
            text = "Nutidsværdien afhænger ikke af dette input."
        elif row.retning == "proportional":
            sign = "betaler sig" if res.nutidsvaerdi > 0 else "betaler sig ikke"
            text = f"Alle linjer skalerer med antallet: casen {sign} uanset antal."
        elif not row.mulig:
            pays_anyway = (row.retning == "mindst" and row.nulpunkt < 0) or (
                row.retning == "højst" and row.nulpunkt > 1 and not group)
            text = ("Casen betaler sig uanset værdien." if pays_anyway
                    else "Casen kan ikke betale sig for nogen mulig værdi.")
        elif group:
            text = f"Casen betaler sig ved {row.retning} {tal(int(row.afrundet))} {what}."
        else:
            text = (f"Casen betaler sig, når {input_phrase(res.case, row.input)} er "
                    f"{row.retning} {input_value_text(row.input, row.nulpunkt)}.")
        rows.append({"input": row.navn, "casens_vaerdi": base,
                     "nulpunkt": input_value_text(row.input, row.nulpunkt), "betydning": text})
    return pd.DataFrame(rows, columns=["input", "casens_vaerdi", "nulpunkt", "betydning"])


def break_even_text(res: Resultat) -> str | None:
    """The break-even points in words for the run's index: the sentences of
    `break_even_table` for the inputs that have one ('Casen betaler sig, når succesraten for
    »Undgået anbringelse« er mindst 58,0 %.'); None when no input has one."""
    table = break_even_table(res)
    has_point = [r.retning in ("mindst", "højst") and r.mulig for r in res.break_even.itertuples()]
    parts = table.loc[has_point, "betydning"].tolist()
    return sentences(parts) if parts else None


def conclusion(
    res: Resultat, mc: MonteCarloResultat | None = None, sens: pd.DataFrame | None = None
) -> str:
    """A plain-Danish conclusion (Markdown) of a case's result, uncertainty and key input."""
    case = res.case
    years = len(res.aarlig)
    verdict = "betaler sig" if res.nutidsvaerdi >= 0 else "betaler sig ikke"
    parts = [
        (f"**{case.navn}** {verdict} over {years} år: nutidsværdien er "
         f"{amount(res.nutidsvaerdi)} (gevinster {amount(res.nutidsvaerdi_gevinster)} mod "
         f"udgifter {amount(res.nutidsvaerdi_udgifter)}, i nutidsværdi).")
    ]
    if res.tilbagebetalingsaar is None:
        parts.append("Investeringen er ikke tjent hjem inden for horisonten.")
    elif res.tilbagebetalingsaar == 0:
        parts.append("Gevinsterne er større end udgifterne allerede i det første år.")
    else:
        parts.append(
            f"Investeringen er tjent hjem i {year_text(res, res.tilbagebetalingsaar)}, "
            f"dvs. i det {res.tilbagebetalingsaar + 1}. år."
        )
    levels = res.pr_niveau.set_index("niveau")["nutidsvaerdi"]
    if len(levels) > 1 and "kommune" in levels:
        others = ", ".join(f"{n} {amount(v)}" for n, v in levels.items() if n != "kommune")
        parts.append(f"For kommunen alene er nutidsværdien {amount(levels['kommune'])} ({others}).")
    payers = res.pr_betaler
    if len(payers) > 1:
        losers = payers[payers["nutidsvaerdi"] < 0]
        winners = payers[payers["nutidsvaerdi"] > 0]
        if len(losers) and len(winners):
            parts.append(
                f"Udgiften ligger hos {', '.join(losers['betaler'])}, mens gevinsten høstes hos "
                f"{', '.join(winners['betaler'])}: set under ét er det en gevinst, men budgetterne "
                "skal følge med, hvis den skal kunne ses i afdelingernes regnskaber."
            )
    be = res.break_even[res.break_even["retning"].isin(["mindst", "højst"])
                        & res.break_even["mulig"]]
    said = break_even_table(res).set_index("input")["betydning"]
    for row in be.itertuples():
        parts.append(said[row.navn])
    if sens is not None and len(sens):
        top = sens.iloc[0]
        parts.append(
            f"Resultatet er mest følsomt for {input_phrase(case, top['input'])}: i det lave og "
            f"det høje skøn bliver nutidsværdien {amount(top['nutidsvaerdi_lav'])} og "
            f"{amount(top['nutidsvaerdi_hoej'])}."
        )
    if mc is not None:
        parts.append(
            f"Når de usikre forudsætninger varieres samtidig ({tal(mc.n)} simuleringer), betaler "
            f"casen sig i {pct(mc.sandsynlighed_for_gevinst, 0)} af tilfældene; i 90 % af dem "
            f"ligger nutidsværdien mellem {amount(mc.percentil(5))} og "
            f"{amount(mc.percentil(95))}."
        )
    parts.append("Tallene bygger på casens kilde og antagelser, som er vist ovenfor.")
    return sentences(parts)


def input_labels(case: BusinessCase) -> dict[str, str]:
    """Danish labels of the case's uncertain inputs (for widgets and tables)."""
    return {path: input_label(case, path) for path in case.usikkerhed}


def case_intro(case: BusinessCase) -> str:
    """The case's title, description, source and assumptions as Markdown."""
    where = f" ({case.kommune} Kommune)" if case.kommune else ""
    parts = [f"**{case.navn}**{where}."]
    if case.beskrivelse:
        parts.append(" ".join(case.beskrivelse.split()))
    parts.append(f"\n\n*Kilde:* {' '.join(case.kilde.split())}")
    parts.append(f"\n\n*Antagelser:* {' '.join(case.antagelser.split())}")
    parts.append(
        f"\n\n*Beregning:* {case.horisont} år (år 0 er første år og diskonteres ikke), faste "
        "priser, diskonteringsrente "
        + ("efter Finansministeriet (3,5 % i år 0–35, 2,5 % i år 36–70)" if case.diskontering
           is None else "efter casens egne trin")
        + (f", optimismetillæg på udgifterne {pct(case.optimisme_tillaeg, 0)}"
           if case.optimisme_tillaeg else "") + "."
    )
    return " ".join(parts[:2]) + "".join(parts[2:])
