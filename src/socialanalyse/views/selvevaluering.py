"""What notebook 10_selvevaluering shows: the municipality's answers against Deloitte's 14
municipalities (one small bar per question), KL's 12 recommendations as a status grid, the
data's answers, the disagreements, the priorities with their kroner, KL's questions to
discuss, how to fill in the questionnaire, and the headline results.

The numbers come from socialanalyse.selvevaluering; here they are drawn and worded in Danish.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference as ref
from .. import report
from .. import selvevaluering as S
from ..report.format import mio_kr, tal
from ..selvevaluering.comparison import answer_group
from ..selvevaluering.questionnaire import PARAMETER
from ..selvevaluering.recorded import ARBEJDSBOEGER, RESULTATER

#: Status colours, least to most progress (a red-to-green scale readable in grey), and grey
#: for an unknown status.
STATUS_FARVER = dict(zip(S.STATUS, ("#d7301f", "#fc8d59", "#91bfdb", "#1a9850")))
UKENDT_FARVE = "#d9d9d9"
#: Deloitte's answer groups by their position on the scale (least to most), 'ikke oplyst' grey.
GRUPPE_FARVER = ("#fdae61", "#abd9e9", "#2c7bb6")
KOMMUNE_MARKOER, DATA_MARKOER = "v", "o"
#: KL's advice (its introduction, word for word), quoted where the proposal is made.
KL_CITAT = ("Når I læser og får dannet et overblik, så fokuser på de områder, der har størst "
            "potentiale i jeres kommune. Lad være med at starte for mange projekter på en gang, "
            "men start hellere noget ordentligt.")
KILDE_DATA = "Kommunens data"


def _fig(width: float, height: float):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width))


def _group_colour(svar: tuple, skala: str) -> str:
    """The colour of an answer group: by the mean position of its answers on the scale."""
    if not svar:
        return UKENDT_FARVE
    pos = float(np.mean([S.position(s, skala) for s in svar]))
    return GRUPPE_FARVER[round(pos * (len(GRUPPE_FARVER) - 1))]


# --- Deloitte: the municipality against the 14 -----------------------------------------------

def deloitte_figure(cmp: pd.DataFrame):
    """One small horizontal bar per Deloitte question: the 14 municipalities' answer groups as
    far as the report states them (grey: 'ikke oplyst'), the municipality's answer (▼) and the
    data's answer (●) marked on the group holding it; both answers written to the right.
    `cmp`: selvevaluering.deloitte_comparison."""
    f = ref.deloitte_fordeling()
    total = ref.deloitte_antal_kommuner()
    fig, ax = _fig(11.0, 0.42 * len(cmp) + 1.6)
    for y, r in enumerate(cmp.itertuples()):
        left = 0.0
        groups = f[f["nr"] == r.nr]
        marks = [(answer_group(groups, a if a in S.SKALAER[r.skala] else None), m, dy)
                 for a, m, dy in ((r.kommune, KOMMUNE_MARKOER, -0.42),
                                  (r.data, DATA_MARKOER, 0.42))]
        for g in groups.itertuples():
            width = float(g.antal)
            ax.barh(y, width, left=left, height=0.62, color=_group_colour(g.svar, r.skala),
                    edgecolor="white", linewidth=0.8)
            if width >= 1:  # the group's name where it fits, else its count
                label = f"{g.betegnelse}: {tal(width)}" if width >= 4 else tal(width)
                dark = _group_colour(g.svar, r.skala) == GRUPPE_FARVER[-1]
                ax.text(left + width / 2, y, label, ha="center", va="center", fontsize=7.5,
                        color="white" if dark else "black")
            for group, marker, dy in marks:
                if group == g.Index and width > 0:
                    ax.plot(left + width / 2, y + dy, marker=marker, color="black",
                            markersize=6, markerfacecolor="black" if marker == "v" else "white")
            left += width
        right = f"Kommunen: {r.kommune or 'ikke besvaret'}"
        if r.data:
            right += f"   Data: {r.data}"
        ax.text(total + 0.3, y, right, va="center", fontsize=8)
    ax.set_yticks(range(len(cmp)))
    ax.set_yticklabels([f"{r.nr}. {_wrap(r.spoergsmaal, 58)}" for r in cmp.itertuples()],
                       fontsize=8)
    ax.set_ylim(len(cmp) - 0.4, -0.6)
    ax.set_xlim(0, total)
    ax.set_xticks(range(0, total + 1, 2))
    ax.set_xlabel(f"Antal af de {tal(total)} kommuner i Deloittes undersøgelse")
    ax.grid(axis="y", visible=False)
    ax.set_title("Kommunens svar mod de 14 kommuner, spørgsmål for spørgsmål")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=t) for c, t in
               zip(GRUPPE_FARVER, ("Lav / Nej", "Middel", "Høj / Ja"))]
    handles += [Patch(color=UKENDT_FARVE, label="Ikke oplyst i rapporten"),
                Line2D([], [], marker=KOMMUNE_MARKOER, color="black", linestyle="",
                       label="Kommunens svar"),
                Line2D([], [], marker=DATA_MARKOER, color="black", markerfacecolor="white",
                       linestyle="", label="Datas svar")]
    below = 0.75 / (0.42 * len(cmp) + 1.6)  # the legend 0.75 inch under the axes
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -below), ncol=6,
              fontsize=8)
    fig.tight_layout()
    return fig


def deloitte_alt(cmp: pd.DataFrame) -> str:
    """The figure in words: how many questions are answered and where the municipality is in a
    minority among the 14 (whatever the unstated answers were)."""
    answered = cmp["kommune"].notna().sum()
    text = (f"Søjler for Deloittes {tal(len(cmp))} spørgsmål med de 14 kommuners svar, så vidt "
            f"rapporten oplyser dem. Kommunen har besvaret {tal(answered)} af dem")
    if not answered:
        return text + "; datas svar er markeret, hvor data kan svare."
    few = cmp[cmp["mindretal"]]
    if not len(few):
        return text + "; kommunen er ikke i mindretal ved noget spørgsmål."
    parts = [f"{r.nr} ({r.kommune}: højst {tal(r.hoejst_samme)} af 14)" for r in few.itertuples()]
    return text + "; kommunen er i mindretal ved spørgsmål " + ", ".join(parts) + "."


# --- KL: the status grid ----------------------------------------------------------------------

GRID_KOLONNER = (("selvvurdering", "Selvvurdering", "Ikke besvaret"),
                 ("data_status", "Data", "Data kan ikke svare"),
                 ("status", "Samlet", "Ukendt"))


def status_grid_figure(st: pd.DataFrame):
    """KL's 12 recommendations in its two groups × Selvvurdering / Data / Samlet, a colour per
    status (grey: unknown) and the status written in each cell. `st`: status_table."""
    from matplotlib.patches import Rectangle

    fig, ax = _fig(11.0, 0.55 * len(st) + 1.8)
    gap = 0.5  # between KL's two groups
    groups = list(dict.fromkeys(st["gruppe"]))
    ys = []
    for r in st.itertuples():
        ys.append(r.Index + gap * groups.index(r.gruppe))
    for y, r in zip(ys, st.itertuples()):
        for x, (col, _, none) in enumerate(GRID_KOLONNER):
            value = getattr(r, col)
            colour = STATUS_FARVER.get(value, UKENDT_FARVE)
            ax.add_patch(Rectangle((x, y - 0.45), 0.96, 0.9, color=colour))
            dark = value in (S.STATUS[0], S.STATUS[-1])
            ax.text(x + 0.48, y, value or none, ha="center", va="center", fontsize=9,
                    color="white" if dark else "black",
                    fontweight="bold" if col == "status" else "normal")
    for g in groups:
        first = ys[int(np.flatnonzero(st["gruppe"].to_numpy() == g)[0])]
        ax.text(-0.02, first - 0.75, g, ha="right", va="center", fontsize=10,
                fontweight="bold", transform=ax.get_yaxis_transform())
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{r.nr}. {_wrap(r.titel, 60)}" for r in st.itertuples()], fontsize=8)
    ax.set_xticks([x + 0.48 for x in range(len(GRID_KOLONNER))])
    ax.set_xticklabels([label for _, label, _ in GRID_KOLONNER], fontsize=10)
    ax.xaxis.tick_top()
    ax.set_xlim(0, len(GRID_KOLONNER))
    ax.set_ylim(ys[-1] + 0.6, -1.0)
    ax.grid(False)
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title("KL's 12 anbefalinger: hvor langt er kommunen?", pad=28)
    fig.tight_layout()
    return fig


def status_grid_alt(st: pd.DataFrame) -> str:
    """The grid in words: how many recommendations have each overall status."""
    counts = st["status"].value_counts()
    parts = [f"{tal(counts.get(s, 0))} {s.lower()}" for s in S.STATUS if counts.get(s, 0)]
    unknown = int(st["status"].isna().sum())
    if unknown:
        parts.append(f"{tal(unknown)} med ukendt status")
    return (f"Statusgitter for KL's {tal(len(st))} anbefalinger med selvvurdering, datas "
            "vurdering og samlet status. Samlet: " + ", ".join(parts) + ".")


# --- tables -------------------------------------------------------------------------------------

def source_name(kilde: str) -> str:
    """'06_indkoeb: potentiale_lav' -> 'Arbejdsbog 06 (indkøb)'; 'data' -> 'Kommunens data'."""
    notebook = kilde.split(":", 1)[0]
    if notebook in ARBEJDSBOEGER:
        name = ARBEJDSBOEGER[notebook]
        return name[:1].upper() + name[1:]
    return KILDE_DATA


def answer_text(svar: str | None, vaerdi: float | None) -> str:
    """The data's answer in words: the answer, 'Intet svar (et faktum)' for a fact with a
    number but no question to answer, else 'Kan ikke afgøres'."""
    if isinstance(svar, str):
        return svar
    return "Intet svar (et faktum)" if vaerdi is not None and not pd.isna(vaerdi) else \
        "Kan ikke afgøres"


def data_answers_table(datasvar: pd.DataFrame) -> pd.DataFrame:
    """The data's answers for reading: Emne, Spørgsmål (Deloitte nr. or KL's number), Datas
    svar ('Kan ikke afgøres' where the data cannot tell), Begrundelse, Kilde."""
    q = S.questions().set_index("id")
    return pd.DataFrame({
        "Emne": datasvar["emne"],
        "Spørgsmål": [f"{'KL' if i.startswith('KL') else 'Deloitte'} {q.loc[i, 'nr']}: "
                      f"{q.loc[i, 'titel']}" for i in datasvar["spoergsmaal"]],
        "Datas svar": [answer_text(a, v) for a, v in zip(datasvar["svar"], datasvar["vaerdi"])],
        "Begrundelse": datasvar["evidens"],
        "Kilde": datasvar["kilde"].map(source_name),
    })


def _question_name(qid: str) -> str:
    return f"KL {qid[2:]}" if qid.startswith("KL") else f"Deloitte {qid[1:]}"


def disagreement_table(dis: pd.DataFrame) -> pd.DataFrame:
    """The disagreements for reading (largest first): Spørgsmål, Selvvurdering, Data, Hvem er
    mest positiv, Begrundelse, Kommentar."""
    return pd.DataFrame({
        "Spørgsmål": [f"{_question_name(i)}: {t}" for i, t in zip(dis["id"], dis["spoergsmaal"])],
        "Selvvurdering": dis["selvvurdering"],
        "Data": dis["data"],
        "Hvem er mest positiv": dis["retning"],
        "Begrundelse": dis["evidens"],
        "Kommentar": dis["kommentar"].fillna(""),
    })


def kroner_text(lav: float, hoej: float) -> str:
    """'1,2-3,4 mio. kr.' (one figure when both ends agree), 'ikke opgjort' for NaN."""
    if pd.isna(lav):
        return "ikke opgjort"
    if round(lav / 1e5) == round(hoej / 1e5):
        return mio_kr(lav)
    return f"{tal(lav / 1e6, 1)}–{mio_kr(hoej)}"


def priorities_table(prio: pd.DataFrame) -> pd.DataFrame:
    """The priorities for reading: Rang, Start her (ja/nej), Anbefaling, Status, Kroner på spil
    (mio. kr., low-high), Hvad kronerne er (and which workbook)."""
    status = prio["status"].fillna("Ukendt")
    return pd.DataFrame({
        "Rang": prio["rang"],
        "Start her": prio["start_her"].map({True: "Ja", False: ""}),
        "Anbefaling": [f"{n}. {t}" for n, t in zip(prio["nr"], prio["titel"])],
        "Status": status,
        "Kroner på spil": [kroner_text(lo, hi) if k else "–" for lo, hi, k in
                           zip(prio["kroner_lav"], prio["kroner_hoej"], prio["kroner_kilde"])],
        "Hvad kronerne er": prio["kroner_kilde"].replace("", "–"),
    })


# --- texts --------------------------------------------------------------------------------------

def proposal_text(prio: pd.DataFrame) -> str:
    """Markdown: the recommendations to start with, in KL's words."""
    chosen = prio[prio["start_her"]]
    if not len(chosen):
        return ("Alle KL's anbefalinger står som på plads, så arbejdsbogen foreslår ingen at "
                f"starte med. KL: »{KL_CITAT}«")
    lines = []
    for r in chosen.itertuples():
        stake = (f"{kroner_text(r.kroner_lav, r.kroner_hoej)} på spil ({r.kroner_kilde[:1].lower()}"
                 f"{r.kroner_kilde[1:]})" if r.kroner_kilde and not pd.isna(r.kroner)
                 else "ingen kroner opgjort i kørslen")
        status = r.status.lower() if r.status else "ukendt"
        lines.append(f"- **{r.nr}. {r.titel}**: {stake}; status {status}.")
    with_kroner = int(chosen["kroner"].gt(0).sum())
    why = ("dem med flest kroner på spil blandt dem, der ikke er på plads" if with_kroner ==
           len(chosen) else "de anbefalinger, der ikke er på plads, med flest kroner på spil "
           "først og ellers dem, kommunen er kommet kortest med" if with_kroner else
           "dem, kommunen er kommet kortest med, da ingen arbejdsbog i kørslen har sat kroner "
           "på de anbefalinger, der ikke er på plads")
    done = prio[prio["status"].eq(S.STATUS[-1]) & prio["kroner"].gt(0)]
    note = "" if not len(done) else (
        "\n\nAnbefaling " + " og ".join(str(n) for n in done["nr"]) +
        f" har {mio_kr(done['kroner'].sum())} på spil, men står sidst, fordi data eller "
        "selvvurderingen viser, at de er på plads; tallene er værd at drøfte.")
    return (f"KL råder kommunerne: »{KL_CITAT}« Arbejdsbogen foreslår derfor at starte med "
            f"{tal(len(chosen))} anbefalinger, {why}:\n\n" + "\n".join(lines) + note)


def discussion_text(prio: pd.DataFrame) -> str:
    """Markdown: KL's questions 'til videre drøftelse' for the proposed recommendations."""
    chosen = prio[prio["start_her"]]
    if not len(chosen):
        return "Der er ingen foreslåede anbefalinger at drøfte."
    parts = []
    for r in chosen.itertuples():
        questions = [q.strip() for q in str(r.spoergsmaal).split("\n") if q.strip()]
        parts.append(f"**{r.nr}. {r.titel}**\n\n" + "\n".join(f"- {q}" for q in questions))
    return "\n\n".join(parts)


def fill_in_text(path, intern: bool, fil=None) -> str:
    """Markdown: whether this run read a filled-in questionnaire (`fil`, a path) and how to
    fill one in. Intern: the Excel file just written (`path`) and the parameter the next run
    reads it from; byråd: one plain sentence, no file names or parameters."""
    if not intern:
        if fil:
            return ("Selvvurderingen er kommunens egen besvarelse af KL's anbefalinger og "
                    "Deloittes spørgsmål, udfyldt af forvaltningen.")
        return ("Forvaltningen har endnu ikke udfyldt selvevalueringen, så statussen bygger "
                "alene på kommunens data, hvor data kan svare.")
    if fil:
        head = f"Kørslen har læst den udfyldte selvevaluering **{Path(fil).name}**."
    else:
        head = ("Kommunen har endnu ikke udfyldt selvevalueringen, så arbejdsbogen viser "
                "datas svar og prioriteringen uden kommunens egen vurdering.")
    where = (f"Et nyt skema ligger i kørslens Excel-mappe som **{Path(path).name}**"
             if path is not None else "Skemaet laves i kørslens Excel-mappe")
    sheets = (f"arket *{S.KL_ARK}* har en rullemenu med status for hver af KL's 12 "
              f"anbefalinger, arket *{S.DELOITTE_ARK}* Deloittes 25 spørgsmål med de 14 "
              "kommuners svar ved siden af")
    if fil:
        return (f"{head}\n\n{where} med datas svar fra denne kørsel ({sheets}). Skal svarene "
                "opdateres, så ret den udfyldte fil, eller udfyld det nye skema og ret stien i "
                f"`{PARAMETER}`.")
    return (f"{head}\n\n{where}: {sheets}. Udfyld dem gerne i fællesskab, gem filen, og skriv "
            "stien i kommunens parameterfil (`parameters/kommuner/<kommune>.yaml`):\n\n"
            "```yaml\nselvevaluering:\n  besvarelse: data/{kommune}/selvevaluering_udfyldt.xlsx"
            "\n```\n\nNæste kørsel læser svarene, stiller dem op mod data og de 14 kommuner "
            "og viser, hvor selvvurderingen og data er uenige.")


def missing_results(resultater: dict | None) -> list[str]:
    """The workbooks whose results this workbook reads but that recorded nothing in the run,
    by their Danish names, in order."""
    res = resultater or {}
    wanted = dict.fromkeys(nb for nb, _ in RESULTATER.values())
    return [ARBEJDSBOEGER.get(nb, nb) for nb in wanted
            if not isinstance(res.get(nb), dict) or not res.get(nb)]


def missing_results_text(resultater: dict | None) -> str | None:
    """Markdown naming the workbooks without results in this run (their kroner and answers
    are then 'ikke opgjort' or taken from the data), or None when all are there."""
    missing = missing_results(resultater)
    if not missing:
        return None
    names = ", ".join(missing[:-1]) + (" og " if len(missing) > 1 else "") + missing[-1]
    return (f"Kørslen har ingen resultater fra {names}. Hvor de giver kronerne på spil, står "
            "der »ikke opgjort«; hvor de giver datas svar, regnes svaret på kommunens data i "
            "stedet, hvis det kan lade sig gøre.")


# --- the notebook's sections ------------------------------------------------------------------

def latest_results(kommune: str) -> dict:
    """In JupyterLab (no run folder): the results of the municipality's latest run, so the
    kroner at stake are there when the other workbooks have run; {} without a run."""
    from ..report.outputs import default_root, latest_run

    run = latest_run(default_root() / kommune)
    return report.load_results(run) if run is not None and run.is_dir() else {}


def show_working_papers(session, answers: pd.DataFrame | None, datasvar: pd.DataFrame,
                        fil=None) -> None:
    """The internal part of the workbook: the data's answers, the municipality against
    Deloitte's 14, the disagreements, and the questionnaire written to Excel with how to fill
    it in. The byråd version shows only how the questionnaire is filled in (no Excel)."""
    if not session.intern:
        report.markdown(fill_in_text(None, False, fil))
        return
    report.markdown("## Datas svar\n\nFor hvert spørgsmål, data kan belyse, svarer "
                    "arbejdsbogen selv ud fra kommunens data og de andre arbejdsbøgers "
                    "resultater i samme kørsel, med begrundelsen.")
    report.show_table(data_answers_table(datasvar), "Datas svar")
    report.markdown("## Kommunen mod Deloittes 14 kommuner\n\nDeloitte spurgte 14 kommuner "
                    "om deres køb af botilbudspladser (2020). Søjlerne viser deres svar, så "
                    "vidt rapporten oplyser dem; resten er »ikke oplyst«.")
    cmp = S.deloitte_comparison(answers, datasvar)
    report.figure(deloitte_figure(cmp), alt=deloitte_alt(cmp))
    report.markdown("## Uenigheder mellem selvvurdering og data")
    if answers is None:
        report.markdown("Uden en udfyldt selvevaluering er der intet at sammenligne data med.")
    else:
        report.show_table(disagreement_table(S.disagreements(answers, datasvar)),
                          "Hvor selvvurderingen og data er uenige",
                          tom="Selvvurderingen og data er enige, hvor begge svarer.")
    report.markdown("## Selvevalueringsskemaet")
    path = report.excel(S.questionnaire_sheets(datasvar), "selvevaluering",
                        **S.excel_options())
    report.markdown(fill_in_text(path, True, fil))


# --- headline results ---------------------------------------------------------------------------

def headline_results(answers: pd.DataFrame | None, datasvar: pd.DataFrame,
                     st: pd.DataFrame, dis: pd.DataFrame, prio: pd.DataFrame
                     ) -> dict[str, report.Headline]:
    """The workbook's figures for `report.record_all`, each with its Danish label and unit:
    questions answered, KL's status per recommendation, the disagreements, the proposal, the
    kroner at stake of the proposal and in all, and the data's answers (by topic)."""
    h = report.Headline
    answered = 0 if answers is None else int(answers["svar"].notna().sum())
    chosen = prio[prio["start_her"]]
    mid = prio["kroner"]
    known = mid.notna()
    return {
        "antal_besvarede": h(answered, "Besvarede spørgsmål i selvevalueringen", "tal"),
        "status": h({f"{r.nr}. {r.titel}": r.status or "Ukendt" for r in st.itertuples()},
                    "Status pr. KL-anbefaling", "tekst"),
        "antal_uenigheder": h(len(dis), "Uenigheder mellem selvvurdering og data", "tal"),
        "uenigheder": h([_question_name(i) for i in dis["id"]],
                        "Spørgsmål, hvor selvvurdering og data er uenige", "tekst"),
        "forslag": h([f"{r.nr}. {r.titel}" for r in chosen.itertuples()],
                     "Anbefalinger at starte med", "tekst"),
        # None (not 0) when no workbook of the run put kroner on them.
        "kroner_forslag": h(mid[prio["start_her"]].sum() if (known & prio["start_her"]).any()
                            else None, "Kroner på spil i de foreslåede anbefalinger", "mio_kr"),
        "kroner_paa_spil": h(mid.sum() if known.any() else None, "Kroner på spil i alt",
                             "mio_kr"),
        "datasvar": h({r.emne: answer_text(r.svar, r.vaerdi) for r in datasvar.itertuples()},
                      "Datas svar", "tekst"),
    }


__all__ = [
    "answer_text",
    "data_answers_table",
    "deloitte_alt",
    "deloitte_figure",
    "disagreement_table",
    "discussion_text",
    "fill_in_text",
    "headline_results",
    "kroner_text",
    "latest_results",
    "missing_results",
    "missing_results_text",
    "priorities_table",
    "proposal_text",
    "show_working_papers",
    "source_name",
    "status_grid_alt",
    "status_grid_figure",
]
