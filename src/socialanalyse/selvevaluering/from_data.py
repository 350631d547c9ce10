"""What the data say: for each question the data can inform, an automatic answer on the
question's scale with its evidence (a Danish sentence with the number).

Every function takes (data, params, resultater) - resultater is the run's results.json content,
so an answer can use another workbook's recorded result - and returns a `Datasvar`. `DATASVAR`
is the registry, `data_answers` runs it. svar is None where the data cannot tell.

The cut-offs that turn a number into an answer are the constants below, each with its reason;
the evidence sentence states the number, so a reader can judge the answer for themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import pandas as pd

from ..config import Parametre
from ..data import Data
from ..data.derived import is_active, reference_date
from ..servicetjek.base import fmt_dato, fmt_kr, fmt_pct, fmt_tal
from . import recorded
from .questionnaire import missing_as_none
from .recorded import number, value, workbook

DATA = "data"
#: Deloitte 21 asks for a standard contract with clear terms for *all* external providers:
#: 'Ja' from this share of the external spending (allowing a few old or special purchases).
STANDARDKONTRAKT_JA = 0.90
#: Follow-ups on time, as the grade of a systematic follow-up process (Deloitte 25): høj from
#: 90 % (the pejlemærke example in default.yaml aims at 95 %), middel from 70 %.
OPFOELGNING_HOEJ, OPFOELGNING_MIDDEL = 0.90, 0.70
#: Budget split on price and quantity (KL 7): share of the budget's kroner on lines with an
#: assumed number of full-year persons or unit price: på plads / godt i gang from these.
BUDGET_PAA_PLADS, BUDGET_GODT_I_GANG = 0.90, 0.50
#: Effect measured (KL 11): share of citizens with an active grant who have at least two
#: assessments (so their development can be followed).
EFFEKT_UDREDT = 0.50
#: Occupancy of own offers counted as capacity matched to need (KL 3): offers are budgeted
#: near full, so below 90 % is costly empty capacity, above 100 % more citizens than places.
#: Within 10 points below (5 above) the band is 'Påbegyndt', further out 'Ikke i gang'.
BELAEGNING_MAAL = (0.90, 1.00)
BELAEGNING_NAER = (0.10, 0.05)


@dataclass(frozen=True)
class Datasvar:
    """The data's answer to one question.

    noegle: the registry key; spoergsmaal: the question whose scale svar uses ('D21', 'KL7');
    anbefaling: the KL recommendation it informs (1-12); emne: a short Danish label; svar: on
    the question's scale, None when the data cannot tell; vaerdi: the number behind it;
    evidens: a Danish sentence with the number; kilde: 'data', or the workbook and name in
    results.json it came from ('06_indkoeb: andel_udgift_standardkontrakt').
    """

    noegle: str
    spoergsmaal: str
    anbefaling: int
    emne: str
    svar: str | None
    vaerdi: float | None
    evidens: str
    kilde: str


COLUMNS = list(Datasvar.__dataclass_fields__)

#: key -> (question, KL recommendation, Danish label): what each automatic answer answers.
EMNER: dict[str, tuple[str, int, str]] = {
    "serviceniveau": ("D10", 2, "Serviceniveau i parametrene"),
    "belaegning": ("KL3", 3, "Belægning i egne tilbud"),
    "budget_pris_maengde": ("KL7", 7, "Budget på pris og mængde"),
    "stoettebehov": ("KL9", 9, "Støttebehov frem for diagnose"),
    "opfoelgning_rettidig": ("D25", 10, "Rettidig opfølgning"),
    "effektmaaling": ("KL11", 11, "Effekt- og progressionsmåling"),
    "standardkontrakt": ("D21", 12, "Standardkontrakt"),
    "egne_mod_eksterne": ("D8", 12, "Egne og eksterne tilbud sammenlignet"),
    "antal_leverandoerer": ("KL12", 12, "Leverandører i brug"),
}


def _answer(key: str, svar: str | None, vaerdi: float | None, evidens: str,
            kilde: str = DATA) -> Datasvar:
    spoergsmaal, anbefaling, emne = EMNER[key]
    return Datasvar(key, spoergsmaal, anbefaling, emne, svar,
                    None if vaerdi is None else float(vaerdi), evidens, kilde)


def _source(key: str) -> str:
    notebook, name = recorded.RESULTATER[key]
    return f"{notebook}: {name}"


def _pct(x: float, decimaler: int = 1) -> str:
    return fmt_pct(pd.Series([x]), decimaler).iloc[0]


def _kr(x: float) -> str:
    return fmt_kr(pd.Series([x])).iloc[0]


def _tal(x: float) -> str:
    return fmt_tal(pd.Series([x])).iloc[0]


def _dato(x: pd.Timestamp) -> str:
    return fmt_dato(pd.Series([x])).iloc[0]


def _active(data: Data, on: pd.Timestamp) -> pd.DataFrame:
    return data.bevillinger[is_active(data.bevillinger, on)]


# --- the answers ----------------------------------------------------------------------------

def serviceniveau(data: Data, params: Parametre, resultater: dict | None = None) -> Datasvar:
    """Deloitte 10 (KL 2): is a serviceniveau catalogue set in the parameters? Ja when
    `opfoelgning.serviceniveau` (the opfølgning workbook's catalogue) names a paragraph."""
    catalogue = params.opfoelgning.serviceniveau
    if catalogue:
        names = sorted(catalogue)
        return _answer("serviceniveau", "Ja", len(names),
                       f"Parametrene har et serviceniveau for {_tal(len(names))} "
                       f"{'paragraf' if len(names) == 1 else 'paragraffer'} "
                       f"({', '.join(names)}), så bevillingerne kan holdes op mod det.")
    return _answer("serviceniveau", "Nej", 0,
                   "Parametrene har intet serviceniveau (opfoelgning.serviceniveau), så "
                   "bevillingerne kan ikke holdes op mod et politisk vedtaget serviceniveau.")


def own_occupancy(data: Data, params: Parametre) -> tuple[float | None, int, str]:
    """(occupancy, places, when) of the own offers in the latest month: their occupied places
    over their places (kapacitet.occupancy: the month's average of citizens on each offer,
    one place per citizen); `when` is 'i måneden til og med 31.12.2025'. (None, 0, the reason
    in Danish) when kapacitet cannot tell."""
    from ..kapacitet import occupancy

    result = occupancy(data, months=1, ind=params)
    if not result:
        return None, 0, result.tekst
    m = result.maaned[result.maaned["pladser"] > 0]
    places = int(m["pladser"].sum())
    if not places:
        return None, 0, "Belægningen i egne tilbud kan ikke vises: ingen tilbud har pladser."
    return (float(m["belagte_pladser"].sum()) / places, places,
            f"i måneden til og med {_dato(result.opgjort)}")


def belaegning(data: Data, params: Parametre, resultater: dict | None = None) -> Datasvar:
    """KL 3: occupancy of the own offers (07_kapacitet's recorded average of the latest 12
    months, else the latest month's, `own_occupancy`), as a status: inside BELAEGNING_MAAL 'På plads', near it
    'Påbegyndt', further out 'Ikke i gang'."""
    lo, hi = BELAEGNING_MAAL
    band = f"mellem {_pct(lo, 0)} og {_pct(hi, 0)} regnes som kapacitet, der passer til behovet"
    occ = number(resultater, "belaegning")
    if occ is not None:
        where = f"({workbook('belaegning')}, i gennemsnit de seneste 12 måneder)"
        kilde = _source("belaegning")
    else:
        occ, places, when = own_occupancy(data, params)
        if occ is None:
            return _answer("belaegning", None, None, when)
        where, kilde = f"({_tal(places)} pladser) {when}", DATA
    near_lo, near_hi = BELAEGNING_NAER
    svar = ("På plads" if lo <= occ <= hi else
            "Påbegyndt" if lo - near_lo <= occ <= hi + near_hi else "Ikke i gang")
    return _answer("belaegning", svar, occ,
                   f"De egne tilbud {where} har en belægning på {_pct(occ)}; {band}.", kilde)


def budget_pris_maengde(data: Data, params: Parametre, resultater: dict | None = None
                        ) -> Datasvar:
    """KL 7: the share of the budget's kroner on lines with an assumed quantity or unit price
    (budget.differentiated_budget's kilde 'budget': the lines it can split into price ×
    quantity), for the reference year's budget (else the latest in the table)."""
    from ..budget import Indstillinger, differentiated_budget

    b = data.budget
    if b.empty:
        return _answer("budget_pris_maengde", "Ikke i gang", None,
                       "Der er ingen budgettabel i data, så det kan ikke ses, om budgettet "
                       "bygger på pris og mængde.")
    on = reference_date(data.betalinger)
    year = on.year if on is not None and (b["aar"] == on.year).any() else int(b["aar"].max())
    lines = differentiated_budget(data, year, Indstillinger.fra(params))
    total = float(lines["budget"].sum())
    split = float(lines.loc[lines["kilde"].eq("budget"), "budget"].sum())
    if total <= 0:
        return _answer("budget_pris_maengde", None, None,
                       f"Budgettet for {year} er 0 kr., så fordelingen kan ikke vurderes.")
    share = split / total
    svar = ("På plads" if share >= BUDGET_PAA_PLADS else "Godt i gang"
            if share >= BUDGET_GODT_I_GANG else "Påbegyndt" if share > 0 else "Ikke i gang")
    return _answer("budget_pris_maengde", svar, share,
                   f"{_pct(share)} af budgettet for {year} ({_kr(split)} af {_kr(total)}) står "
                   "på budgetlinjer med et forudsat antal helårspersoner eller en forudsat "
                   "enhedspris, så en afvigelse kan deles i pris og mængde.")


def stoettebehov(data: Data, params: Parametre, resultater: dict | None = None) -> Datasvar:
    """KL 9: does the support need, not the diagnosis, decide the support? From 08_opfoelgning's
    need-or-diagnosis analysis: the number of target groups whose cost lies above what their
    need level at start and the paragraph predict (its interval above 1). None of them: 'På
    plads'; one or more: 'Påbegyndt' (the data show the gap, not whether work on it has
    begun, so never 'Ikke i gang'). Without workbook 08 in the run the data cannot tell."""
    over = number(resultater, "maalgrupper_over")
    book = workbook("maalgrupper_over")
    if over is None:
        return _answer("stoettebehov", None, None,
                       f"{book[:1].upper()}{book[1:]} er ikke med i kørslen, så det kan ikke "
                       "ses, om målgruppen styrer udgiften ud over støttebehovet.")
    predicted = "end støttebehovet ved start og paragraffen forudsiger"
    if over == 0:
        return _answer("stoettebehov", "På plads", 0,
                       f"Ingen målgruppe koster mere, {predicted} ({book}).",
                       _source("maalgrupper_over"))
    groups = "målgruppe" if over == 1 else "målgrupper"
    return _answer("stoettebehov", "Påbegyndt", over,
                   f"{_tal(over)} {groups} koster mere, {predicted} ({book}): målgruppen "
                   "(diagnosen) ser ud til at styre en del af udgiften.",
                   _source("maalgrupper_over"))


def opfoelgning_rettidig(data: Data, params: Parametre, resultater: dict | None = None
                         ) -> Datasvar:
    """Deloitte 25 (KL 10): the share of active grants followed up on time (the nøgletal
    andel_opfoelgning_rettidig, recorded by 05_noegletal, else `noegletal.followup_on_time` on
    the reference date: one definition), as the grade of a systematic follow-up process."""
    from ..noegletal import followup_on_time

    intervals = params.servicetjek.opfoelgning_interval_maaneder
    deadline = ", ".join(f"{k} {v} mdr." for k, v in intervals.items() if k != "standard")
    deadline = (deadline + ", ellers " if deadline else "") + f"{intervals['standard']} mdr."
    share = number(resultater, "opfoelgning_rettidig")
    on = reference_date(data.betalinger)
    if share is not None:
        kilde = _source("opfoelgning_rettidig")
    else:
        kilde = DATA
        ok = followup_on_time(data.bevillinger, data.opfoelgninger, on, intervals) \
            if on is not None else pd.Series(dtype=bool)
        share = float(ok.mean()) if len(ok) else None
    if share is None:
        return _answer("opfoelgning_rettidig", None, None,
                       "Der er ingen aktive bevillinger på opgørelsesdatoen, så rettidig "
                       "opfølgning kan ikke måles.")
    svar = ("Høj" if share >= OPFOELGNING_HOEJ else "Middel" if share >= OPFOELGNING_MIDDEL
            else "Lav")
    when = f" den {_dato(on)}" if on is not None else ""
    return _answer("opfoelgning_rettidig", svar, share,
                   f"{_pct(share)} af de aktive bevillinger var fulgt op inden for fristen "
                   f"({deadline}){when}; høj grad fra {_pct(OPFOELGNING_HOEJ, 0)}, middel fra "
                   f"{_pct(OPFOELGNING_MIDDEL, 0)}.", kilde)


_SUCCES = {"opfyldt": "succeskriteriet er opfyldt",
           "usikkert": "effekten er usikker (intervallet rummer også ingen effekt)",
           "ikke opfyldt": "succeskriteriet er ikke opfyldt"}


def effektmaaling(data: Data, params: Parametre, resultater: dict | None = None) -> Datasvar:
    """KL 11: are effect and progression measured? The share of citizens with an active grant
    who have at least two assessments on or before the reference date, and whether the effect
    workbook measured an intervention (its recorded `succes`). På plads: both (share ≥
    EFFEKT_UDREDT); Godt i gang: one of them; Påbegyndt: some assessments; else Ikke i gang."""
    succes = value(resultater, "effekt_succes")
    measured = succes in _SUCCES
    on = reference_date(data.betalinger)
    v = data.vurderinger
    share = 0.0
    if on is not None and not v.empty:
        citizens = pd.Index(_active(data, on)["borger_id"].unique())
        dates = v[v["dato"] <= on].groupby("borger_id")["dato"].nunique()
        share = float((dates.reindex(citizens).fillna(0) >= 2).mean()) if len(citizens) else 0.0
    svar = ("På plads" if measured and share >= EFFEKT_UDREDT else "Godt i gang"
            if measured or share >= EFFEKT_UDREDT else "Påbegyndt" if share > 0 else
            "Ikke i gang")
    if v.empty:
        text = ("Data har ingen udredninger (VUM 2.0 eller ICS), så borgernes udvikling kan "
                "ikke følges.")
    else:
        text = (f"{_pct(share)} af borgerne med en aktiv bevilling har mindst to udredninger, så "
                "deres udvikling kan følges.")
    if measured:
        text += f" {workbook('effekt_succes').capitalize()} har målt en indsats: {_SUCCES[succes]}."
    else:
        text += " Ingen indsats har fået målt sin effekt i denne kørsel (arbejdsbog 02)."
    return _answer("effektmaaling", svar, share, text,
                   _source("effekt_succes") if measured else DATA)


def standard_contract_share(data: Data) -> tuple[float | None, int | None]:
    """(share, year): the part of the latest year's spending on external providers bought on
    the standard contract, `indkoeb.contract_coverage` (per grant's contract with a kontrakter
    table, else the provider's standardkontrakt flag). (None, year) when it cannot be told."""
    from ..indkoeb import contract_coverage

    cov = contract_coverage(data)
    share = cov.andel_udgift_standardkontrakt
    ok = cov.tilgaengelig and share is not None and not pd.isna(share)
    return (float(share) if ok else None), cov.aar


def standardkontrakt(data: Data, params: Parametre, resultater: dict | None = None) -> Datasvar:
    """Deloitte 21 (KL 12): the share of external spending bought on the standard contract
    (06_indkoeb's recorded share, else `standard_contract_share`); Ja from STANDARDKONTRAKT_JA."""
    share = number(resultater, "standardkontrakt")
    if share is not None:
        where, kilde = f" ({workbook('standardkontrakt')})", _source("standardkontrakt")
    else:
        share, year = standard_contract_share(data)
        where, kilde = (f" i {year}" if year else ""), DATA
    if share is None:
        return _answer("standardkontrakt", None, None,
                       "Der er ingen betalinger til eksterne leverandører i data, så andelen "
                       "på standardkontrakt kan ikke beregnes.")
    return _answer("standardkontrakt", "Ja" if share >= STANDARDKONTRAKT_JA else "Nej", share,
                   f"{_pct(share)} af udgiften til eksterne leverandører{where} er købt på "
                   f"kommunens standardkontrakt; svaret er ja fra {_pct(STANDARDKONTRAKT_JA, 0)}.",
                   kilde)


def egne_mod_eksterne(data: Data, params: Parametre, resultater: dict | None = None
                      ) -> Datasvar:
    """Deloitte 8 (KL 12): are the costs of own and external offers compared? They are, by the
    indkøb workbook, wherever a paragraph has both (`indkoeb.own_vs_external`, the latest whole
    year): Ja then, with the cost per full-year person of the paragraph with the most
    full-year persons among those where both sides have at least `diskretion` citizens (the
    cost of a smaller group is not shown); svar None when no paragraph has both."""
    from ..indkoeb import own_vs_external

    cmp = own_vs_external(data)
    if not cmp.tilgaengelig:
        return _answer("egne_mod_eksterne", None, None, cmp.mangler)
    p = cmp.pr_paragraf[cmp.pr_paragraf["helaarspersoner"] > 0]
    own = p[p["leverandoertype"].eq("egen drift")].set_index("paragraf")
    ext = p[~p["leverandoertype"].eq("egen drift")].groupby("paragraf").agg(
        udgift=("udgift", "sum"), helaarspersoner=("helaarspersoner", "sum"),
        antal_borgere=("antal_borgere", "max"))  # max: fewest distinct citizens possible
    both = own.index.intersection(ext.index)
    if not len(both):
        return _answer("egne_mod_eksterne", None, 0,
                       f"Ingen paragraf har både egne og eksterne tilbud i {cmp.aar}, så der er "
                       "ingen udgifter at sammenligne.")
    text = (f"Arbejdsbog 06 (indkøb) sammenligner udgiften pr. helårsperson i egne og eksterne "
            f"tilbud inden for {_tal(len(both))} paragraffer ({cmp.aar})")
    shown = [q for q in both if min(own.loc[q, "antal_borgere"],
                                    ext.loc[q, "antal_borgere"]) >= params.diskretion]
    if not shown:
        return _answer("egne_mod_eksterne", "Ja", None, text + ".")
    q = max(shown, key=lambda q: own.loc[q, "helaarspersoner"] + ext.loc[q, "helaarspersoner"])
    cost_own = own.loc[q, "udgift"] / own.loc[q, "helaarspersoner"]
    cost_ext = ext.loc[q, "udgift"] / ext.loc[q, "helaarspersoner"]
    return _answer("egne_mod_eksterne", "Ja", cost_ext / cost_own - 1,
                   text + f"; fx {q}: egen drift {_kr(cost_own)}, eksterne leverandører "
                   f"{_kr(cost_ext)}")


def antal_leverandoerer(data: Data, params: Parametre, resultater: dict | None = None
                        ) -> Datasvar:
    """KL 12 (a fact, no answer): how many providers the municipality paid in the latest year,
    how many of them external, and how few carry 80 % of the spending
    (`indkoeb.supplier_overview`'s concentration). Neither source asks for the number, so svar
    is None."""
    from ..indkoeb import supplier_overview

    s = supplier_overview(data)
    if not s.tilgaengelig:
        return _answer("antal_leverandoerer", None, None, s.mangler)
    k = s.koncentration
    k = k[k["aar"] == k["aar"].max()].set_index("omfang")
    year, n, m = int(k["aar"].iloc[0]), k.loc["alle", "antal_leverandoerer"], \
        k.loc["eksterne", "antal_leverandoerer"]
    part = "" if k.loc["alle", "helt_aar"] else " (året til nu)"
    return _answer("antal_leverandoerer", None, n,
                   f"Kommunen har betalt til {_tal(n)} leverandører i {year}{part}, heraf "
                   f"{_tal(m)} eksterne; {_tal(k.loc['alle', 'antal_for_andel'])} leverandører "
                   f"står for {_pct(s.andel, 0)} af udgiften (arbejdsbog 06, indkøb).")


#: The registry: key -> function, in the order of the KL recommendations they inform.
DATASVAR: dict[str, Callable[[Data, Parametre, dict | None], Datasvar]] = {
    "serviceniveau": serviceniveau,
    "belaegning": belaegning,
    "budget_pris_maengde": budget_pris_maengde,
    "stoettebehov": stoettebehov,
    "opfoelgning_rettidig": opfoelgning_rettidig,
    "effektmaaling": effektmaaling,
    "standardkontrakt": standardkontrakt,
    "egne_mod_eksterne": egne_mod_eksterne,
    "antal_leverandoerer": antal_leverandoerer,
}


def data_answers(data: Data, params: Parametre, resultater: dict | None = None) -> pd.DataFrame:
    """Every automatic answer (DATASVAR), one row each with the Datasvar fields (COLUMNS);
    svar None where the data cannot tell."""
    out = pd.DataFrame([asdict(f(data, params, resultater)) for f in DATASVAR.values()],
                       columns=COLUMNS)
    out["svar"] = missing_as_none(out["svar"])
    return out
