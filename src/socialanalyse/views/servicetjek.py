"""What notebook 01_servicetjek shows: figures, display tables, the Excel review list, the
threshold sliders and the headline results. Nothing here screens: the numbers come from
socialanalyse.servicetjek.

Every figure function returns a matplotlib Figure (show it with `report.figure(fig, alt=...)`)
and has an `*_alt` companion with the Danish alt text. Functions taking `diskretion` hide
counts below it (pass None for intern use). `Panel` wires ipywidgets to
`servicetjek.rescreen`, so it can be tested without a browser: set a slider's value and read
`panel.resultat`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import privacy, report
from ..report.display import table_html
from ..report.format import dato_lang, kr, maaned, mio_kr, pct, tal
from ..report.theme import axis_kr
from ..report.widgets import slider_row
from ..servicetjek import (
    BESLUTNINGER,
    REGLER,
    Andele,
    Beslutninger,
    Genscreening,
    Hukommelse,
    Oversigt,
    Priskategorier,
    Realiseret,
    antal_pr_regel,
    rescreen,
)
from ..servicetjek.rules import KATEGORIER

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import Parametre
    from ..data import Data

COLOURS = {"markeret": "#d55e00", "oevrige": "#9e9e9e", "lav": "#56b4e9", "hoej": "#0173b2",
           "maal": "#029e73"}
CATEGORY_COLOURS = dict(zip(KATEGORIER, ("#56b4e9", "#0173b2", "#de8f05", "#d55e00")))
#: Rules whose flags are about the price of the grant (marked in the price figures).
PRICE_RULES = ("pris_over_sammenlignelige", "priskategori")
#: What the count columns of the display tables count (`report.show_table(counts=...)`).
RULE_COUNTS = {"antal_bevillinger": "bevillinger", "antal_borgere": "borgere"}
CATEGORY_COUNTS = {k: "bevillinger" for k in KATEGORIER}


def _fig(width: float = 8.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _hidden(counts: pd.Series | pd.DataFrame, diskretion: int | None):
    """Which counts to hide (privacy.suppression_mask), or nothing for intern use."""
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    if diskretion is None:
        mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    else:
        mask = privacy.suppression_mask(frame, diskretion)
    return mask.iloc[:, 0] if isinstance(counts, pd.Series) else mask


# --- the rules -----------------------------------------------------------------------------

def rules_table(params: Parametre) -> pd.DataFrame:
    """The screening rules with their Danish name, explanation and the thresholds in force."""
    p = params.servicetjek
    intervals = ", ".join(f"{k} {v} mdr." for k, v in p.opfoelgning_interval_maaneder.items())
    lvl = p.priskategori_min_niveau
    limits = {
        "pris_over_sammenlignelige": f"mindst {pct(p.pris_over_sammenlignelige, 0)} over "
                                     f"medianen; mindst {p.min_sammenlignelige} at sammenligne med",
        "priskategori": f"høj kræver niveau {lvl.hoej}, ekstraordinær niveau "
                        f"{lvl.ekstraordinaer}; " + (
                            "grænser fra parametrene" if p.priskategori_graenser else
                            "grænser ved kvantilerne " + ", ".join(
                                pct(q, 0) for q in p.priskategori_kvantiler)),
        "midlertidig_overskredet": "efter forventet slutdato",
        "forbedret_funktion": f"fald på mindst {tal(p.forbedring_min, 1)} i gennemsnitligt "
                              "niveau",
        "ingen_progression": f"ingen pålidelig progression efter "
                             f"{params.opfoelgning.progression_maaneder} måneder i tilbuddet",
        "opfoelgning_overskredet": intervals.replace("standard", "øvrige"),
        "dyr_sag": f"over {mio_kr(p.dyr_sag_graense)} om året",
        "dobbelt_kompensation": "samme kategori, to afdelinger, samtidig",
        "betaling_efter_slut": "betalt for måneder efter slutdatoen",
        "betaling_afviger": f"mindst {p.betaling_afvigelse_min_maaneder} måneder med mindst "
                            f"{pct(p.betaling_afvigelse_pct, 0)} afvigelse",
        "prisstigning": f"over prisindeks ({pct(params.prisindeks, 1)}) + "
                        f"{pct(p.prisstigning_margin, 0)} fra et år til det næste",
        "uden_standardkontrakt": "ekstern leverandør uden standardkontrakt",
    }
    return pd.DataFrame({
        "Regel": [r.navn for r in REGLER.values()],
        "Hvad reglen finder": [r.forklaring for r in REGLER.values()],
        "Grænse": [limits[k] for k in REGLER],
    })


def rule_counts_table(o: Oversigt) -> pd.DataFrame:
    """Flags and potential per rule, and a total without double counting."""
    t = o.pr_regel.rename(columns={"regel_navn": "Regel"}).drop(columns="regel")
    total = pd.DataFrame([{"Regel": "I alt (hver bevilling én gang)",
                           "antal_bevillinger": o.antal_bevillinger,
                           "antal_borgere": o.antal_borgere,
                           "potentiale_lav": o.potentiale_lav,
                           "potentiale_hoej": o.potentiale_hoej}])
    return pd.concat([t, total], ignore_index=True)


def flags_figure(o: Oversigt, diskretion: int | None = None):
    """Flagged grants per rule (horizontal bars); hidden counts are drawn as '<N'/'x'."""
    t = o.pr_regel.iloc[::-1]
    counts = t.set_index("regel_navn")["antal_bevillinger"]
    hidden = _hidden(counts, diskretion)
    fig, ax = _fig(8.0, 0.42 * len(t) + 1.2)
    y = np.arange(len(t))
    ax.barh(y, np.where(hidden, 0, counts), color=COLOURS["hoej"])
    for yi, (n, hide) in enumerate(zip(counts, hidden)):
        label = (f"<{diskretion}" if 0 < n < (diskretion or 0) else "x") if hide else tal(n)
        ax.annotate(label, (0 if hide else n, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_yticks(y, counts.index)
    ax.set_xlabel("Markerede bevillinger")
    ax.set_title("Markerede bevillinger pr. regel")
    return fig


def flags_alt(o: Oversigt, diskretion: int | None = None) -> str:
    counts = o.pr_regel.set_index("regel_navn")["antal_bevillinger"]
    top = counts[~_hidden(counts, diskretion)].sort_values(ascending=False).head(3)
    most = ", ".join(f"{k} ({tal(v)})" for k, v in top.items()) or "ingen"
    return (f"Vandrette søjler med antal markerede bevillinger for hver af de {len(counts)} "
            f"regler, ud af {tal(o.antal_screenede)} aktive bevillinger. Flest: {most}. En "
            "bevilling kan være markeret af flere regler.")


def potential_figure(o: Oversigt):
    """The potential range (lav to høj) per rule, and in total without double counting."""
    t = o.pr_regel[o.pr_regel["potentiale_hoej"] > 0].iloc[::-1]
    names = list(t["regel_navn"]) + ["I alt (hver bevilling én gang)"]
    lav = np.r_[t["potentiale_lav"], o.potentiale_lav]
    hoej = np.r_[t["potentiale_hoej"], o.potentiale_hoej]
    fig, ax = _fig(8.0, 0.45 * len(names) + 1.4)
    y = np.arange(len(names))
    ax.barh(y, hoej - lav, left=lav, color=COLOURS["lav"], label="Spænd (lav til høj)")
    ax.plot(lav, y, "|", color=COLOURS["hoej"], markersize=14)
    ax.plot(hoej, y, "|", color=COLOURS["hoej"], markersize=14)
    ax.set_yticks(y, names)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.set_title("Besparelsespotentiale pr. år: spænd under antagelserne")
    ax.legend(loc="lower right")
    axis_kr(ax, "x")
    return fig


def potential_alt(o: Oversigt) -> str:
    return (f"Vandrette spænd for besparelsespotentialet pr. regel. Samlet, med hver bevilling "
            f"talt én gang, mellem {mio_kr(o.potentiale_lav)} og {mio_kr(o.potentiale_hoej)} om "
            "året.")


def potential_text(o: Oversigt, params: Parametre) -> str:
    """The potential in a sentence, with the assumptions behind the range."""
    p = params.servicetjek
    lav, hoej = p.andel_justeret["standard"]
    goal = (f" Det politiske mål er {mio_kr(p.besparelsesmaal)} om året."
            if p.besparelsesmaal else "")
    return (
        f"Pr. {dato_lang(o.opgoerelsesdato)} er {report.antal_bevillinger(o.antal_screenede)} "
        f"aktive bevillinger screenet, og {report.antal_bevillinger(o.antal_bevillinger)} er "
        "markeret af mindst én regel. Hvis de "
        "markerede sager gennemgås, er besparelsen efter antagelserne mellem "
        f"**{mio_kr(o.potentiale_lav)}** og **{mio_kr(o.potentiale_hoej)}** om året.{goal}\n\n"
        f"Antagelser: en markering er ikke en afgørelse. Det nederste tal antager, at "
        f"{pct(lav)} af de markerede sager ender med at blive justeret (som i Furesø, hvor 70 af "
        f"800 gennemgåede sager blev justeret), det øverste {pct(hoej)} (som i Helsingør, hvor "
        "cirka en tredjedel i midlertidige botilbud kunne flytte til et mindre indgribende "
        "tilbud). En justering sparer forskellen til næste trin ned ad indsatstrappen "
        "(kommunens egen gennemsnitlige årlige udgift på det trin), prisen over "
        "sammenlignelige leverandørers, eller det, der betales for meget. Regler, der peger på "
        "samme bevilling, tælles kun én gang (den største), men betalingsfejl lægges oveni."
    )


# --- price categories and price against need -----------------------------------------------

def category_table(pk: Priskategorier) -> pd.DataFrame:
    """Grants per paragraph and price category, with the limits used."""
    t = pk.fordeling().reset_index().rename(columns={"paragraf": "Paragraf"})
    lim = pk.graenser.set_index("paragraf")
    t["Grænser (kr. pr. enhed)"] = [
        " / ".join(kr(lim.loc[p, c]) for c in ("lav_til", "middel_til", "hoej_til"))
        if lim.loc[p, "kilde"] in ("parametre", "kvantiler") else "–"
        for p in t["Paragraf"]
    ]
    t["Kilde"] = [lim.loc[p, "kilde"] for p in t["Paragraf"]]
    return t


def category_figure(pk: Priskategorier, diskretion: int | None = None):
    """Stacked bars: grants per paragraph by price category (hidden cells left out)."""
    table = pk.fordeling()
    hidden = _hidden(table, diskretion)
    shown = table.mask(hidden, 0)
    fig, ax = _fig(8.0, 0.6 * len(table) + 1.6)
    left = np.zeros(len(table))
    y = np.arange(len(table))
    for kategori in KATEGORIER:
        values = shown[kategori].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=CATEGORY_COLOURS[kategori], label=kategori)
        left += values
    ax.set_yticks(y, table.index)
    ax.set_xlabel("Aktive bevillinger")
    title = "Bevillinger pr. priskategori (Gentofte-modellen)"
    ax.set_title(title + (" – små tal skjult" if hidden.to_numpy().any() else ""))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.6 / (len(table) + 2)),
              ncols=4)
    return fig


def category_alt(pk: Priskategorier, diskretion: int | None = None) -> str:
    table = pk.fordeling()
    hidden = _hidden(table, diskretion)
    parts = []
    for paragraf, row in table.mask(hidden).iterrows():  # a few paragraphs
        cells = ", ".join(f"{k} {tal(v) if pd.notna(v) else 'skjult'}" for k, v in row.items())
        parts.append(f"{paragraf}: {cells}")
    return ("Stablede søjler med antal aktive bevillinger i priskategorierne lav, middel, høj og "
            "ekstraordinær pr. paragraf. " + "; ".join(parts) + ".")


def price_need_figure(base: pd.DataFrame, flags: pd.DataFrame, pk: Priskategorier,
                      paragraf: str):
    """Price against need level for the active grants of one paragraph, price flags marked,
    with the price-category limits as lines (intern use: one point per grant)."""
    lim = pk.graenser.set_index("paragraf")
    enhed = lim.loc[paragraf, "enhed"] if paragraf in lim.index else None
    a = base[base["aktiv"] & (base["paragraf"] == paragraf) & base["niveau_start"].notna()]
    if enhed is not None:
        a = a[a["enhed"] == enhed]
    marked = a["bevilling_id"].isin(flags.loc[flags["regel"].isin(PRICE_RULES), "bevilling_id"])
    fig, ax = _fig()
    ax.scatter(a.loc[~marked, "niveau_start"], a.loc[~marked, "pris"], s=14, alpha=0.5,
               color=COLOURS["oevrige"], label="Øvrige bevillinger")
    ax.scatter(a.loc[marked, "niveau_start"], a.loc[marked, "pris"], s=26,
               color=COLOURS["markeret"], label="Markeret for prisen")
    if paragraf in lim.index and lim.loc[paragraf, "kilde"] in ("parametre", "kvantiler"):
        for col, name in (("lav_til", "lav/middel"), ("middel_til", "middel/høj"),
                          ("hoej_til", "høj/ekstraordinær")):
            ax.axhline(lim.loc[paragraf, col], ls=":", lw=1, color="black")
            ax.annotate(name, (4.05, lim.loc[paragraf, col]), fontsize=8, va="bottom")
    unit = {"doegn": "døgn", "time": "time", "maaned": "måned"}.get(enhed, "enhed")
    ax.set_xlim(-0.1, 4.6)
    ax.set_xlabel("Gennemsnitligt funktionsniveau ved start (0 ingen – 4 fuldstændigt nedsat)")
    ax.set_ylabel(f"Pris pr. {unit}")
    ax.set_title(f"{paragraf}: pris mod støttebehov")
    ax.legend(loc="upper left")
    axis_kr(ax, "y")
    return fig


def price_need_alt(base: pd.DataFrame, flags: pd.DataFrame, paragraf: str) -> str:
    a = base[base["aktiv"] & (base["paragraf"] == paragraf) & base["niveau_start"].notna()]
    marked = a["bevilling_id"].isin(flags.loc[flags["regel"].isin(PRICE_RULES), "bevilling_id"])
    return (f"Punktdiagram for {tal(len(a))} aktive {paragraf}-bevillinger: nuværende pris mod "
            f"gennemsnitligt funktionsniveau ved start. {tal(int(marked.sum()))} er markeret for "
            "prisen (over sammenlignelige eller i en høj priskategori uden tilsvarende behov). "
            "Vandrette linjer: grænserne mellem priskategorierne.")


# --- the review list -----------------------------------------------------------------------

REVIEW_COLUMNS = ["prioritet", "bevilling_id", "borger_id", "paragraf", "afdeling", "regler",
                  "aarlig_udgift", "potentiale_lav", "potentiale_hoej", "aarsager"]


#: Long text columns of the review list with their minimum width, so they stay readable in a
#: narrow panel (the list scrolls sideways instead of growing rows hundreds of pixels tall).
REVIEW_WIDE = {"regler": "14em", "aarsager": "40em"}


def rule_names(ids: str) -> str:
    """The rules of a list row by their Danish names: 'pris_over_sammenlignelige, dyr_sag' ->
    'Pris over sammenlignelige, Meget dyr sag' (the list and its Excel file keep the ids)."""
    return ", ".join(REGLER[i].navn if i in REGLER else i
                     for i in (part.strip() for part in ids.split(",")) if i)


def review_preview(liste: pd.DataFrame, n: int = 25) -> pd.DataFrame:
    """The first rows of the review list for display (intern use), rules by name."""
    out = liste[REVIEW_COLUMNS].head(n).copy()
    out["regler"] = out["regler"].map(rule_names)
    return out


#: How the review list is written (report.excel's formats, valg, ombryd): money columns, a
#: drop-down for the decision and wrapped reasons (also benchmarks/bench_excel.py's).
REVIEW_EXCEL = {
    "formats": {**{c: "kr" for c in ("aarlig_udgift", "enhedspris_nu", "potentiale_lav",
                                     "potentiale_hoej", "ny_enhedspris", "ny_aarlig_udgift")},
                "beslutningsdato": "dato", "nyt_omfang": "decimal"},
    "valg": {"beslutning": BESLUTNINGER},
    "ombryd": {"aarsager": 80},
}


def review_workbook(sheet: pd.DataFrame, rules: pd.DataFrame, name: str = "servicetjek"):
    """Write the review list to Excel (via report.excel; intern only) with a drop-down for
    the decision column and wrapped reasons. Returns the file's path, or None for the byråd."""
    return report.excel({"Gennemgangsliste": sheet, "Regler": rules}, name, **REVIEW_EXCEL)


# --- realised savings ----------------------------------------------------------------------

def realized_table(real: Realiseret) -> pd.DataFrame:
    """Realised savings per month, accumulated, and the annual effect in force that month."""
    t = real.pr_maaned.copy()
    t["maaned"] = t["maaned"].map(maaned)
    return t.rename(columns={"maaned": "Måned", "besparelse": "besparelse_kr",
                             "akkumuleret": "akkumuleret_kr",
                             "aarlig_effekt": "aarlig_effekt_kr"})


#: What the count columns of `expected_table` count, and its amounts in kr.
EXPECTED_COUNTS = {"Besluttede sager": "bevillinger", "Justeret eller ophørt": "bevillinger"}
EXPECTED_MONEY = ["Realiseret pr. justeret sag", "Forventet pr. justeret sag"]


def expected_table(t: pd.DataFrame) -> pd.DataFrame:
    """Realised against expected per rule (servicetjek.against_expected) for display: the
    observed share adjusted beside the assumed range, the realised saving per adjusted grant
    beside the expected one."""
    out = t.drop(columns="regel").rename(columns={"regel_navn": "Regel"})
    out.insert(out.columns.get_loc("andel_lav"), "Antaget andel", [
        f"{pct(lo)} – {pct(hi)}" for lo, hi in zip(t["andel_lav"], t["andel_hoej"])])
    return out.drop(columns=["andel_lav", "andel_hoej"]).rename(columns={
        "antal_besluttet": "Besluttede sager", "antal_justeret": "Justeret eller ophørt",
        "traefprocent": "Observeret andel",
        "besparelse_pr_justeret": EXPECTED_MONEY[0], "forventet_pr_justeret": EXPECTED_MONEY[1]})


def progress_figure(real: Realiseret):
    """Month by month since the programme's start: the accumulated realised saving (bars) and
    the annual effect of the decisions in force (line), against the political goal (a line,
    kr per year)."""
    fig, ax = _fig(10.0, 4.5)
    m = real.pr_maaned
    ax.bar(m["maaned"], m["akkumuleret"], width=20, color=COLOURS["lav"],
           label="Realiseret i alt (akkumuleret)")
    ax.plot(m["maaned"], m["aarlig_effekt"], marker="o", color=COLOURS["hoej"],
            label="Årlig effekt af beslutningerne")
    if real.maal:
        ax.axhline(real.maal, ls="--", color=COLOURS["maal"], label="Politisk mål pr. år")
    ax.set_title("Besparelser måned for måned" + (" mod det politiske mål" if real.maal else ""))
    ax.legend(loc="upper left")
    axis_kr(ax, "y")
    step = max(1, len(m) // 12)  # at most about a dozen month labels
    ticks = m["maaned"].iloc[::step]
    ax.set_xticks(ticks, [maaned(t) for t in ticks])
    fig.autofmt_xdate()
    return fig


def progress_alt(real: Realiseret) -> str:
    goal = (f" Målet er {mio_kr(real.maal)} om året; beslutningerne svarer til "
            f"{pct(real.andel_af_maal)} af det." if real.maal else " Der er ikke sat et mål.")
    since = f" siden {dato_lang(real.start)}" if real.start is not None else ""
    return (f"Søjler og kurve med den realiserede besparelse måned for måned{since}, i alt "
            f"{mio_kr(real.realiseret)} til og med opgørelsesmåneden. Beslutningerne sparer "
            f"{mio_kr(real.aarlig)} om året.{goal}")


# --- the monthly routine: decisions of every meeting, memory, shares, meeting pack --------

def decisions_text(b: Beslutninger | None, folder: Path | None) -> str:
    """What was read from the decisions folder, in Danish; counts as report.antal_bevillinger
    (suppressed for the byråd). `b`: servicetjek.Beslutninger or None (no folder set)."""
    if b is None:
        return ("Der er ingen mappe med udfyldte gennemgangslister endnu (parameteren "
                "`servicetjek.beslutninger` i kommunens parameterfil), så listen nedenfor er "
                "uden hukommelse, og der er ingen realiserede besparelser.")
    n = report.antal_bevillinger
    files = sorted(set(b.filer["fil"]))
    if not files:
        return (f"Mappen {folder.name}/ har endnu ingen udfyldte gennemgangslister (.xlsx), "
                "så listen nedenfor er uden hukommelse.")
    parts = [f"Mappen {folder.name}/ har {tal(len(files))} udfyldte gennemgangslister"
             + (f" ({', '.join(files)})" if files else "") + f": {n(b.antal)} bevillinger har "
             "en gældende beslutning."]
    if len(b.gentagne):
        parts.append(f"{n(len(b.gentagne))} bevillinger er besluttet mere end én gang; den "
                     "seneste beslutning gælder.")
    if len(b.ukendte):
        parts.append(f"**{n(b.ukendte['bevilling_id'].nunique())} bevillinger med en beslutning "
                     "findes ikke længere i data**; deres beslutninger er ikke brugt.")
    if len(b.modstrid):
        parts.append(f"**{n(len(b.modstrid))} bevillinger har to forskellige beslutninger på "
                     "samme dato**; ingen af dem er brugt (en tidligere beslutning gælder). Ret "
                     "filerne, så hver bevilling har én beslutning pr. dato.")
    return " ".join(parts)


def repeated_table(b: Beslutninger) -> pd.DataFrame:
    """Grants decided more than once: which decision is in force and which it replaced."""
    return b.gentagne.rename(columns={"gaeldende": "Gældende beslutning",
                                      "tidligere": "Tidligere beslutninger"})


def unusable_table(b: Beslutninger) -> pd.DataFrame:
    """Decisions that could not be used: for grants not in the data, and two different
    decisions on the same date, with file, sheet and row (intern)."""
    gone = b.ukendte.assign(
        problem="bevillingen findes ikke i data",
        hvor=b.ukendte["fil"] + ", ark '" + b.ukendte["ark"] + "', række "
        + b.ukendte["raekke"].astype(str) + ": " + b.ukendte["beslutning"])
    clash = b.modstrid.assign(problem="to forskellige beslutninger samme dato",
                              hvor=b.modstrid["beslutninger"])
    cols = ["bevilling_id", "problem", "hvor"]
    return pd.concat([gone[cols], clash[cols]], ignore_index=True).rename(
        columns={"hvor": "Hvor (fil, ark, række)"})


def shares_text(a: Andele | None) -> str:
    """Which shares adjusted the potential uses and why (servicetjek.Andele, or None)."""
    if a is None or a.observerede.empty:
        why = (f"ingen regel har endnu mindst {a.min_beslutninger} besluttede sager"
               if a is not None else "der er endnu ingen beslutninger")
        return (f"Andelene bag potentialet er parametrenes antagelser (`andel_justeret`), fordi "
                f"{why}; når der er nok beslutninger, bruges de observerede andele.")
    rows = [f"{r.regel_navn}: {pct(r.observeret_andel)} af "
            f"{report.antal_bevillinger(r.antal_besluttet)} besluttede sager justeret "
            f"(95 %-interval {pct(r.andel_lav)} – {pct(r.andel_hoej)})"
            for r in a.observerede.itertuples()]  # at most the dozen rules
    return (f"For regler med mindst {a.min_beslutninger} besluttede sager bruger potentialet "
            "den andel, myndigheden faktisk har justeret, i stedet for antagelsen: "
            + "; ".join(rows) + ". De øvrige regler bruger parametrenes antagelser "
            f"(`andel_justeret`), fordi de har færre end {a.min_beslutninger} beslutninger.")


def memory_table(h: Hukommelse) -> pd.DataFrame:
    """This month's list by status, with what was left out (servicetjek.Hukommelse)."""
    t = h.antal.copy()
    t["status"] = t["status"].str.capitalize()
    return t.rename(columns={"status": "Status"})


def memory_preview(h: Hukommelse, n: int = 25) -> pd.DataFrame:
    """The first rows of the remembered list with their status (intern use; the date of the
    last decision is in the Excel list)."""
    out = review_preview(h.liste, n)  # rules by name, as the plain list
    out.insert(1, "status", h.liste["status"].head(n).to_numpy())
    return out


def meeting_workbook(pack: dict[str, pd.DataFrame], name: str = "servicetjek_moedepakke"):
    """The month's meeting pack in Excel (intern only): one sheet per afdeling with its cases
    in priority order and the decision columns, so it can be filled in at the fællesmøde and
    put in the decisions folder. Returns the path, or None for the byråd or an empty pack."""
    if not pack:
        report.markdown("Der er ingen sager at tage op på denne måneds møder.")
        return None
    money = {c: "kr" for c in ("aarlig_udgift", "enhedspris_nu", "potentiale_lav",
                               "potentiale_hoej", "ny_enhedspris", "ny_aarlig_udgift")}
    return report.excel(pack, name, formats={**money, "beslutningsdato": "dato",
                                             "sidste_beslutningsdato": "dato",
                                             "nyt_omfang": "decimal"},
                        valg={"beslutning": BESLUTNINGER}, ombryd={"aarsager": 80})


def routine_results(h: Hukommelse, b: Beslutninger | None, a: Andele | None
                    ) -> dict[str, report.Headline]:
    """The monthly routine's figures for `report.record_all` (counts declared, so the byråd's
    copy is suppressed): on the list, left out, decisions in force, observed shares used."""
    hd = report.Headline
    return {
        "antal_paa_listen": hd(len(h.liste), "Bevillinger på gennemgangslisten", "bevillinger"),
        "antal_udeladt": hd(len(h.udeladt), "Udeladt: besluttet for nylig, intet nyt",
                            "bevillinger"),
        "antal_beslutninger": hd(b.antal if b is not None else 0,
                                 "Bevillinger med en gældende beslutning", "bevillinger"),
        "observerede_andele": hd(sorted(a.observerede["regel"]) if a is not None else [],
                                 "Regler med observerede andele", "tekst"),
    }


# --- headline results ----------------------------------------------------------------------

def headline_results(o: Oversigt, flags: pd.DataFrame, real: Realiseret | None = None
                     ) -> dict[str, report.Headline]:
    """The screening's figures for `report.record_all`: every count declared by its kind, so
    the byråd's copy is suppressed by `report.record` (the per-rule counts with
    `privacy.suppress`, so also derived cells)."""
    h = report.Headline
    out = {
        "opgoerelsesdato": h(o.opgoerelsesdato, "Opgørelsesdato", "dato"),
        "antal_screenede": h(o.antal_screenede, "Screenede bevillinger", "bevillinger"),
        "antal_flag": h(o.antal_flag, "Markeringer", "bevillinger"),
        "antal_bevillinger_markeret": h(o.antal_bevillinger, "Markerede bevillinger",
                                        "bevillinger"),
        "antal_borgere_markeret": h(o.antal_borgere, "Borgere med markerede bevillinger",
                                    "borgere"),
        "potentiale_lav": h(o.potentiale_lav, "Potentiale pr. år, lav", "mio_kr"),
        "potentiale_hoej": h(o.potentiale_hoej, "Potentiale pr. år, høj", "mio_kr"),
        "antal_pr_regel": h(antal_pr_regel(flags), "Markerede bevillinger pr. regel",
                            "bevillinger", navne={k: r.navn for k, r in REGLER.items()}),
    }
    if real is not None:
        out |= {
            "realiseret_aarlig": h(real.aarlig, "Realiseret besparelse pr. år", "mio_kr"),
            "realiseret_til_dato": h(real.realiseret, "Realiseret til dato", "mio_kr"),
            "andel_af_maal": h(real.andel_af_maal, "Andel af det politiske mål", "pct"),
        }
    return out


# --- sliders for the main thresholds (intern) ------------------------------------------------

#: The sliders: parameter, label, min, max, step, the factor from slider to parameter, and
#: how the parameter's value reads (the readout beside the track).
SLIDERS = (
    ("pris_over_sammenlignelige", "Pris over sammenlignelige", 10, 100, 5, 0.01,
     lambda x: pct(x, 0)),
    ("dyr_sag_graense", "Meget dyr sag (om året)", 0.5, 3.0, 0.1, 1e6, mio_kr),
    ("forbedring_min", "Forbedret funktionsniveau (fald i niveau)", 0.25, 2.0, 0.25, 1.0,
     lambda x: tal(x, 2)),
)


def slider_values(params: Parametre) -> dict[str, float]:
    """The sliders' starting values (in slider units) from the parameters."""
    p = params.servicetjek
    return {name: getattr(p, name) / factor for name, *_, factor, _fmt in SLIDERS}


def overrides(values: dict[str, float]) -> dict[str, float]:
    """Slider values (slider units) as servicetjek parameters."""
    factor = {name: f for name, *_, f, _fmt in SLIDERS}
    return {name: round(v * factor[name], 10) for name, v in values.items()}


def summary_html(res: Genscreening, top: int = 15) -> str:
    """The per-rule table and the first rows of the list for one screening."""
    o = res.oversigt
    head = (f"<p><b>{tal(o.antal_bevillinger)}</b> markerede bevillinger; potentiale "
            f"<b>{mio_kr(o.potentiale_lav)}</b> – <b>{mio_kr(o.potentiale_hoej)}</b> om året.</p>")
    rules = table_html(rule_counts_table(o), "Pr. regel", counts=RULE_COUNTS,
                       money=["potentiale_lav", "potentiale_hoej"])
    liste = table_html(review_preview(res.liste, top), f"De første {top} på listen",
                       money=["aarlig_udgift", "potentiale_lav", "potentiale_hoej"],
                       wide=REVIEW_WIDE)
    return head + rules + liste


class Panel:
    """Sliders for the thresholds; moving one screens again (`rescreen`) and redraws.

    `panel.widget` is the box to display; `panel.resultat` the latest Genscreening.
    """

    def __init__(self, data: Data, params: Parametre, base: pd.DataFrame | None = None,
                 as_of=None, top: int = 15):
        import ipywidgets as w

        self.data, self.params, self.base, self.as_of, self.top = data, params, base, as_of, top
        start = slider_values(params)
        self.sliders, rows = {}, []
        for name, label, lo, hi, step, factor, fmt in SLIDERS:
            slider = w.FloatSlider(value=start[name], min=lo, max=hi, step=step,
                                   description=label, continuous_update=False)
            rows.append(slider_row(slider, lambda v, f=factor, fmt=fmt: fmt(v * f)))
            self.sliders[name] = slider
        self.output = w.HTML(layout=w.Layout(width="100%"))
        for slider in self.sliders.values():
            slider.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([*rows, self.output])
        self.resultat: Genscreening | None = None
        self.update()

    def update(self) -> None:
        values = {name: s.value for name, s in self.sliders.items()}
        self.resultat = rescreen(self.data, self.params, self.as_of, base=self.base,
                                 **overrides(values))
        self.output.value = summary_html(self.resultat, self.top)
