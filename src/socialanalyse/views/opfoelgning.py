"""What notebook 08_opfoelgning shows: the follow-up calendar per afdeling, the progression
flags, the serviceniveau in kroner (with a slider panel), the need-or-diagnosis forest plot and
a business case followed up, with the headline results. Nothing here computes a figure: the
numbers come from socialanalyse.opfoelgning and businesscase.follow_up.

Figure functions return a matplotlib Figure with an `*_alt` companion; `diskretion` hides
counts of citizens or grants below it (None for intern use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import report
from ..businesscase import BusinessCase, Opfoelgningsresultat
from ..opfoelgning import (
    IKKE_UDREDT,
    INGEN_PROGRESSION,
    POTENTIALE,
    STATUSSER,
    Opfoelgningsplan,
    Serviceniveautjek,
    Stoettebehov,
    Udviklingsforloeb,
    service_level_check,
    with_serviceniveau,
)
from ..report.display import table_html
from ..report.format import dato, dato_lang, kr, mio_kr, pct, tal
from ..report.theme import axis_kr
from ..report.widgets import slider_row

if TYPE_CHECKING:
    from ..config import Parametre
    from ..data import Data

STATUS_COLOURS = dict(zip(STATUSSER, ("#029e73", "#de8f05", "#d55e00", "#9e9e9e")))
VURDERING_COLOURS = {"over": "#d55e00", "under": "#0173b2", "som forventet": "#9e9e9e"}
FLAGS = (INGEN_PROGRESSION, IKKE_UDREDT, POTENTIALE)
#: What the count columns of the display tables count (`report.show_table(counts=...)`).
#: The meeting table's count columns: the plan's names -> the page's shorter ones.
MEETING_COLUMNS = {"antal_sager": "sager", "antal_rettidig": "til_tiden",
                   "antal_efter_fristen": "efter_fristen", "antal_overskredet": "overskredet"}
MEETING_COUNTS = {c: "bevillinger" for c in MEETING_COLUMNS.values()}
#: The flags as column names of `flags_table`.
FLAG_COLUMNS = {INGEN_PROGRESSION: "antal_ingen_progression", IKKE_UDREDT: "antal_ikke_udredt",
                POTENTIALE: "antal_potentiale"}
FLAG_COUNTS = {"antal_forloeb": "bevillinger"} | {c: "bevillinger" for c in FLAG_COLUMNS.values()}
LEVEL_COUNTS = {"bevillinger": "bevillinger", "over": "bevillinger", "under": "bevillinger"}
GROUP_COUNTS = {"antal_bevillinger": "bevillinger", "antal_borgere": "borgere"}


def _fig(width: float = 9.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _small(n: float, diskretion: int | None) -> bool:
    return diskretion is not None and 0 < n < diskretion


# --- the follow-up calendar ----------------------------------------------------------------

def meeting_table(plan: Opfoelgningsplan) -> pd.DataFrame:
    """The meetings with cases per afdeling: date, the two deadlines and cases by status."""
    m = plan.moeder[plan.moeder["antal_sager"] > 0]
    cols = ["afdeling", "moededato", "statusanmodning", "statusfrist", *MEETING_COLUMNS]
    return m[cols].rename(columns=MEETING_COLUMNS).reset_index(drop=True)


def calendar_figure(plan: Opfoelgningsplan, diskretion: int | None = None):
    """A timeline per afdeling: one point per meeting, its size the number of cases, its colour
    the share overdue; counts below `diskretion` drawn as a hollow ring marked '<N'."""
    m = plan.moeder[plan.moeder["antal_sager"] > 0]
    names = sorted(plan.moeder["afdeling"].unique())
    fig, ax = _fig(10.0, 0.8 * max(len(names), 1) + 1.8)
    y = {a: i for i, a in enumerate(names)}
    late = (m["antal_sager"] - m.get("antal_rettidig", m["antal_sager"])) / m["antal_sager"]
    for row, share in zip(m.itertuples(), late):
        n, yi = row.antal_sager, y[row.afdeling]
        if _small(n, diskretion):
            ax.scatter(row.moededato, yi, s=120, facecolors="none", edgecolors="#555555")
            ax.annotate(f"<{diskretion}", (row.moededato, yi), xytext=(0, 10),
                        textcoords="offset points", ha="center", fontsize=8)
            continue
        colour = STATUS_COLOURS["rettidig"] if share == 0 else STATUS_COLOURS["overskredet"]
        ax.scatter(row.moededato, yi, s=40 + 12 * n, color=colour, alpha=0.75)
        ax.annotate(tal(n), (row.moededato, yi), ha="center", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.7, len(names) - 0.3)
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d.%m.%Y"))
    ax.scatter([], [], color=STATUS_COLOURS["rettidig"], label="Alle sager til tiden")
    ax.scatter([], [], color=STATUS_COLOURS["overskredet"], label="Med overskredne sager")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    ax.set_title("Opfølgningsmøder pr. afdeling: antal sager pr. møde")
    fig.tight_layout()
    return fig


def calendar_alt(plan: Opfoelgningsplan) -> str:
    return (f"Tidslinje pr. afdeling fra {dato(plan.plandato)} til {dato(plan.slutdato)} med ét "
            f"punkt pr. opfølgningsmøde; punktets størrelse er antallet af sager. I alt "
            f"{tal(len(plan.sager))} sager på {tal((plan.moeder['antal_sager'] > 0).sum())} "
            "møder.")


def calendar_text(plan: Opfoelgningsplan, params: Parametre) -> str:
    p = params.opfoelgning
    counts = plan.sager["status"].value_counts()
    over = int(counts.get("overskredet", 0))
    return (
        f"Fra {dato_lang(plan.plandato)} til {dato_lang(plan.slutdato)} skal "
        f"{report.antal_bevillinger(len(plan.sager))} bevillinger følges op. Hver sag er lagt på det "
        "sidste møde i afdelingens mødekalender før fristen; der bedes om status "
        f"{tal(p.statusanmodning_maaneder)} måned før mødet, og status skal være fremme "
        f"{tal(p.statusfrist_dage)} dage før. **{pct(plan.andel_rettidig)}** af sagerne er "
        f"planlagt til tiden. Af sagerne var {report.antal_bevillinger(over)} allerede over "
        "fristen på plandatoen; de er lagt på det første møde (markeret «overskredet»)."
    )


def calendar_sheets(plan: Opfoelgningsplan) -> dict[str, pd.DataFrame]:
    """The Excel workbook: the meetings, then one sheet per afdeling with its cases (borger by
    pseudonym only)."""
    cols = ["moededato", "statusanmodning", "statusfrist", "status", "borger_id",
            "bevilling_id", "paragraf", "frist", "dage_efter_frist", "seneste_opfoelgning"]
    sheets = {"Møder": meeting_table(plan)}
    for afdeling, g in plan.sager.groupby("afdeling"):
        sheets[afdeling] = g[cols].reset_index(drop=True)
    return sheets


# --- follow-up by progression --------------------------------------------------------------

def flags_table(u: Udviklingsforloeb) -> pd.DataFrame:
    """Development cases per afdeling: in total and per flag."""
    s = u.sager
    t = pd.crosstab(s["afdeling"], s["markering"]).reindex(columns=list(FLAGS), fill_value=0)
    t = t.rename(columns=FLAG_COLUMNS)
    t.insert(0, "antal_forloeb", s.groupby("afdeling").size())
    return t.rename_axis(columns=None).reset_index()


def flags_text(u: Udviklingsforloeb, params: Parametre) -> str:
    n = u.sager["markering"].value_counts()
    p = params.opfoelgning
    return (
        f"Kommunen har {report.antal_bevillinger(len(u.sager))} aktive udviklingsforløb "
        f"(midlertidige tilbud og mål om udvikling). Efter mindst {tal(u.maaneder)} måneder i "
        f"tilbuddet har {report.antal_bevillinger(n.get(INGEN_PROGRESSION, 0))} forløb ingen "
        "pålidelig progression: **overvej et andet tilbud**. "
        f"I {report.antal_bevillinger(n.get(IKKE_UDREDT, 0))} forløb er borgeren ikke udredt "
        "igen, så progressionen kan ikke vurderes. "
        f"{report.antal_bevillinger(n.get(POTENTIALE, 0))} forløb er nye og på et startniveau, "
        f"hvor mindst {pct(p.potentiale_andel, 0)} af kommunens egne borgere har haft "
        f"progression (mindst {tal(p.potentiale_min_borgere)} borgere): **følg tæt op**."
    )


PREVIEW_COLUMNS = ["afdeling", "borger_id", "paragraf", "maaneder_i_tilbud", "niveau_start",
                   "niveau_seneste", "markering"]


def flagged_cases(u: Udviklingsforloeb) -> pd.DataFrame:
    """The flagged cases for the caseworkers (intern only; the notebook shows the first rows
    with PREVIEW_COLUMNS, the workbook all)."""
    cols = ["afdeling", "borger_id", "bevilling_id", "paragraf", "startdato", "maaneder_i_tilbud",
            "niveau_start", "niveau_seneste", "dato_seneste", "markering", "besked"]
    s = u.sager[u.sager["markering"].notna()]
    return s.sort_values(["afdeling", "markering", "maaneder_i_tilbud"],
                         ascending=[True, True, False])[cols].reset_index(drop=True)


def history_figure(u: Udviklingsforloeb, params: Parametre, diskretion: int | None = None):
    """The share with reliable progression by start level and method, with the threshold for
    'potentiale'; levels with fewer citizens than `diskretion` are left out."""
    h = u.historik
    if diskretion is not None:
        h = h[h["antal_borgere"] >= diskretion]
    methods = list(h["metode"].unique())
    fig, ax = _fig(8.0, 4.2)
    width = 0.8 / max(len(methods), 1)
    for i, (metode, g) in enumerate(h.groupby("metode", sort=False)):
        ax.bar(g["startniveau"] + (i - (len(methods) - 1) / 2) * width, g["andel_progression"],
               width, label=metode)
    ax.axhline(params.opfoelgning.potentiale_andel, color="#d55e00", linestyle="--",
               label=f"Grænse for potentiale ({pct(params.opfoelgning.potentiale_andel, 0)})")
    ax.set_xticks(range(5))
    ax.set_xlabel("Funktionsniveau ved start (0 = intet problem, 4 = fuldstændigt problem)")
    ax.set_ylabel("Andel med pålidelig progression")
    report.axis_pct(ax, "y")
    ax.set_title("Kommunens egne forløb: progression efter startniveau")
    ax.legend(frameon=False)
    return fig


def history_alt(u: Udviklingsforloeb, params: Parametre) -> str:
    h = u.historik
    over = h[(h["andel_progression"] >= params.opfoelgning.potentiale_andel)
             & (h["antal_borgere"] >= params.opfoelgning.potentiale_min_borgere)]
    levels = ", ".join(f"{r.metode} niveau {r.startniveau} ({pct(r.andel_progression, 0)})"
                       for r in over.itertuples()) or "intet startniveau"
    return ("Søjler med andelen af borgere med pålidelig progression pr. startniveau og "
            f"udredningsmetode, med en stiplet linje ved grænsen for potentiale. Over grænsen: "
            f"{levels}.")


# --- the serviceniveau in kroner -----------------------------------------------------------

def _range(lo: float, hi: float, enhed: str) -> str:
    word = {"time": "timer", "døgn": "døgn", "måned": "måneder"}.get(enhed, enhed)
    return f"{tal(lo, 1)}–{tal(hi, 1)} {word}".replace(",0", "")


def service_level_table(c: Serviceniveautjek) -> pd.DataFrame:
    """Per paragraph and need level: the range, grants inside/over/under and the kroner."""
    o = c.oversigt
    return pd.DataFrame({
        "paragraf": o["paragraf"], "niveau": o["niveau"],
        "serviceniveau": [_range(a, b, e) for a, b, e in
                          zip(o["omfang_fra"], o["omfang_til"], o["enhed"])],
        "bevillinger": o["antal_bevillinger"], "over": o["antal_omfang_over"],
        "under": o["antal_omfang_under"], "udgift_nu": o["aarlig_udgift"],
        "udgift_inden_for": o["aarlig_udgift_inden_for"], "forskel": o["forskel"],
    })


SERVICE_MONEY = ["udgift_nu", "udgift_inden_for", "forskel"]


def service_level_text(c: Serviceniveautjek) -> str:
    now = c.oversigt["aarlig_udgift"].sum()
    inside = c.oversigt["aarlig_udgift_inden_for"].sum()
    n = int(c.bevillinger["uden_for"].sum())
    return (
        f"Pr. {dato_lang(c.opgoerelsesdato)} ligger {report.antal_bevillinger(n)} bevillinger "
        "uden for "
        f"serviceniveauet. Den årlige udgift til bevillingerne i kataloget er {kr(now)}; lå "
        f"alle inden for deres interval, var den {kr(inside)} Bevillinger over intervallet "
        f"ville spare **{kr(c.besparelse)}** om året, bevillinger under det ville koste "
        f"**{kr(c.merudgift)}** mere. Et omfang over intervallet er ikke nødvendigvis forkert: "
        "det er dér, en faglig begrundelse bør stå i sagen."
    )


def service_level_figure(c: Serviceniveautjek):
    """Yearly spending now and inside the serviceniveau per paragraph and level."""
    o = c.oversigt[c.oversigt["antal_bevillinger"] > 0]
    labels = [f"{p} niveau {n}" for p, n in zip(o["paragraf"], o["niveau"])]
    fig, ax = _fig(8.0, 0.5 * len(o) + 1.5)
    y = np.arange(len(o))
    ax.barh(y + 0.2, o["aarlig_udgift"], 0.4, color="#0173b2", label="Udgift nu")
    ax.barh(y - 0.2, o["aarlig_udgift_inden_for"], 0.4, color="#56b4e9",
            label="Udgift inden for serviceniveauet")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    axis_kr(ax, "x")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.tight_layout()
    ax.set_title("Årlig udgift nu og inden for serviceniveauet")
    return fig


def service_level_alt(c: Serviceniveautjek) -> str:
    return (f"Vandrette søjler pr. paragraf og niveau med den årlige udgift nu og hvis alle "
            f"bevillinger lå inden for serviceniveauet. Besparelse {kr(c.besparelse)}, merudgift "
            f"{kr(c.merudgift)} om året.")


def outside_cases(c: Serviceniveautjek) -> pd.DataFrame:
    """The grants outside the serviceniveau (intern only)."""
    cols = ["afdeling", "borger_id", "bevilling_id", "paragraf", "niveau", "omfang",
            "serviceniveau", "omfang_status", "aarlig_udgift", "forskel"]
    b = c.bevillinger[c.bevillinger["uden_for"]].sort_values("forskel")
    b = b.assign(serviceniveau=[_range(lo, hi, e) for lo, hi, e in
                                zip(b["omfang_fra"], b["omfang_til"], b["enhed"])])
    return b[cols].reset_index(drop=True)


class ServiceniveauPanel:
    """One range slider per paragraph and need level; moving one computes the serviceniveau
    check again (`with_serviceniveau`) and shows the kroner. The sliders' own readouts are off
    and written in Danish beside them. `panel.resultat` is the latest Serviceniveautjek."""

    def __init__(self, data: Data, params: Parametre, as_of=None):
        import ipywidgets as w

        self.data, self.params, self.as_of = data, params, as_of
        kat = service_level_check(data, params, as_of=as_of).katalog
        self.sliders, self.readouts, rows = {}, {}, []
        for r in kat.itertuples():
            top = max(2 * r.omfang_til, r.omfang_til + 10)
            s = w.FloatRangeSlider(value=(r.omfang_fra, r.omfang_til), min=0, max=top, step=0.5,
                                   description=f"{r.paragraf} niveau {r.niveau}",
                                   continuous_update=False)
            # The shared slider row (report.widgets): the Danish readout beside the track.
            row = slider_row(s, lambda v, enhed=r.enhed: _range(*v, enhed))
            s.observe(lambda _change: self.update(), names="value")
            self.sliders[(r.paragraf, r.niveau)] = (s, r)
            self.readouts[(r.paragraf, r.niveau)] = row.children[1]
            rows.append(row)
        self.output = w.HTML()
        self.widget = w.VBox([*rows, self.output])
        self.resultat: Serviceniveautjek | None = None
        self.update()

    def serviceniveau(self) -> dict:
        out: dict = {}
        for (par, lvl), (s, r) in self.sliders.items():
            lo, hi = s.value
            out.setdefault(par, {})[int(lvl)] = {
                "omfang": f"{lo:g}-{hi:g}", "priskategori": r.priskategori_max,
                "revisitation_maaneder": None if pd.isna(r.revisitation_maaneder)
                else int(r.revisitation_maaneder)}
        return out

    def update(self) -> None:
        params = with_serviceniveau(self.params, self.serviceniveau())
        self.resultat = c = service_level_check(self.data, params, as_of=self.as_of)
        n = int(c.bevillinger["uden_for"].sum())
        self.output.value = (
            f"<p><b>{tal(n)}</b> bevillinger uden for serviceniveauet. Besparelse "
            f"<b>{kr(c.besparelse)}</b>, merudgift <b>{kr(c.merudgift)}</b> om året.</p>"
            + table_html(service_level_table(c), "Pr. paragraf og niveau", counts=LEVEL_COUNTS,
                         money=SERVICE_MONEY))


# --- support need, not diagnosis ------------------------------------------------------------

def _shown_groups(r: Stoettebehov, diskretion: int | None) -> pd.DataFrame:
    g = r.maalgrupper
    return g if diskretion is None else g[g["antal_borgere"] >= diskretion]


def forest_figure(r: Stoettebehov, diskretion: int | None = None):
    """The target groups' factor on the yearly cost beyond need level and paragraph, with its
    interval, on a log scale around 1; groups with fewer citizens than `diskretion` left out."""
    g = _shown_groups(r, diskretion).iloc[::-1]
    fig, ax = _fig(8.5, 0.42 * len(g) + 1.6)
    y = np.arange(len(g))
    colours = [VURDERING_COLOURS[v] for v in g["vurdering"]]
    ax.hlines(y, g["ci_lav"], g["ci_hoej"], colors=colours, linewidth=2)
    ax.scatter(g["faktor"], y, color=colours, zorder=3)
    ax.axvline(1, color="#555555", linewidth=1)
    ax.set_xscale("log")
    ticks = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2]
    lo, hi = min(g["ci_lav"].min(), 0.9), max(g["ci_hoej"].max(), 1.1)
    ticks = [t for t in ticks if lo * 0.95 <= t <= hi * 1.05]
    ax.set_xticks(ticks, [tal(t, 2) for t in ticks])
    ax.minorticks_off()
    ax.set_yticks(y, [f"{m} ({o})" for m, o in zip(g["maalgruppe"], g["omraade"])])
    ax.set_xlabel("Faktor på udgiften ud over støttebehov og paragraf (1 = som forventet)")
    ax.set_title("Målgruppens betydning for udgiften")
    for v, c in VURDERING_COLOURS.items():
        ax.scatter([], [], color=c, label=v.capitalize())
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def forest_alt(r: Stoettebehov, diskretion: int | None = None) -> str:
    g = _shown_groups(r, diskretion)
    over = ", ".join(f"{m} ({tal(f, 2)})" for m, f in
                     zip(g.loc[g["vurdering"] == "over", "maalgruppe"],
                         g.loc[g["vurdering"] == "over", "faktor"])) or "ingen"
    return (f"Skovdiagram med faktor og {pct(r.konfidensniveau, 0)}-interval for "
            f"{tal(len(g))} målgrupper omkring 1. Over det forventede: {over}.")


def need_text(r: Stoettebehov, diskretion: int | None = None) -> str:
    """The plain-Danish reading: how much the target group adds, which groups lie above, and
    the limits of the analysis."""
    parts = []
    for a in r.forklaring.itertuples():
        share = pct(a.r2_tilvaekst, 1)
        word = ("næsten intet" if a.r2_tilvaekst < 0.01 else "lidt" if a.r2_tilvaekst < 0.05
                else "en del")
        parts.append(f"For {a.omraade} forklarer støttebehov og paragraf "
                     f"{pct(a.r2_uden_maalgruppe, 0)} af forskellene i den årlige udgift; "
                     f"målgruppen lægger {word} til ({share}-point).")
    g = _shown_groups(r, diskretion)
    over = g[g["vurdering"] == "over"]
    if len(over):
        parts.append("Over det, støttebehovet forudsiger: " + "; ".join(
            f"**{x.maalgruppe}** ({x.omraade}) med {pct(x.faktor - 1, 0)} mere "
            f"(interval {pct(x.ci_lav - 1, 0)} til {pct(x.ci_hoej - 1, 0)})"
            for x in over.itertuples()) + ".")
    else:
        parts.append("Ingen målgruppe ligger sikkert over det, støttebehovet forudsiger.")
    limits = "\n".join(f"- {f}" for f in r.forbehold)
    return " ".join(parts) + "\n\n**Forbehold**\n\n" + limits


def groups_table(r: Stoettebehov, diskretion: int | None = None) -> pd.DataFrame:
    g = _shown_groups(r, diskretion)
    return pd.DataFrame({
        "omraade": g["omraade"], "maalgruppe": g["maalgruppe"],
        "antal_bevillinger": g["antal_bevillinger"], "antal_borgere": g["antal_borgere"],
        "faktor": [tal(x, 2) for x in g["faktor"]],
        "interval": [f"{tal(a, 2)}–{tal(b, 2)}" for a, b in zip(g["ci_lav"], g["ci_hoej"])],
        "vurdering": g["vurdering"]})


# --- a business case followed up -----------------------------------------------------------

def case_years_table(f: Opfoelgningsresultat) -> pd.DataFrame:
    """Plan against actual per case year: costs paid, gains and the net, actual years marked."""
    a = f.aar.set_index("aar")
    gains = f.effekter.groupby("aar")[["gevinst_forventet", "gevinst_realiseret"]].sum()
    t = pd.DataFrame({
        "kalenderaar": a["kalenderaar"],
        "grundlag": np.where(a["faktisk"], "faktisk", "forventet"),
        "udgifter_forventet": a["udgifter_forventet"],
        "udgifter_faktisk": a["udgifter_faktisk"].where(a["faktisk"]),
        "gevinst_forventet": gains["gevinst_forventet"].reindex(a.index, fill_value=0),
        "gevinst_realiseret": gains["gevinst_realiseret"].reindex(a.index).where(a["faktisk"]),
    })
    return t.reset_index()


CASE_MONEY = ["udgifter_forventet", "udgifter_faktisk", "gevinst_forventet", "gevinst_realiseret"]


def case_status_table(f: Opfoelgningsresultat) -> pd.DataFrame:
    s = f.status
    return pd.DataFrame({"effekt": s["navn"], "antal_aar": s["antal_aar"],
                         "gevinst_forventet": s["gevinst_forventet"],
                         "gevinst_realiseret": s["gevinst_realiseret"],
                         "andel_realiseret": s["andel"], "status": s["status"]})


def case_text(f: Opfoelgningsresultat | None, case: BusinessCase) -> str:
    """The follow-up in words: status per effect and the net present value before and after;
    `f` None when the case names no intervention to follow (no `opfoelgning` section)."""
    if f is None:
        return (f"Casen «{case.navn}» har intet afsnit `opfoelgning`, der peger på den "
                "virkelige indsats, så den kan ikke følges op.")
    if f.sidste_hele_aar is None:
        return (f"Casen «{case.navn}» er endnu ikke i gang i et helt år i data, så der er "
                "intet at følge op på endnu.")
    status = "; ".join(f"{r.navn}: **{r.status}** ({pct(r.andel, 0)} af den forventede "
                       "gevinst)" for r in f.status.itertuples())
    change = f.nutidsvaerdi_opdateret - f.nutidsvaerdi_plan
    return (
        f"Casen «{f.case.navn}» er fulgt op til og med {f.sidste_hele_aar}. {status}. "
        f"Nutidsværdien var {mio_kr(f.nutidsvaerdi_plan)} i planen; med de faktiske år i "
        f"stedet for de forventede er den **{mio_kr(f.nutidsvaerdi_opdateret)}** "
        f"({'+' if change >= 0 else '−'}{mio_kr(abs(change))}). De kommende år regnes stadig "
        "som planlagt."
    )


def case_figure(f: Opfoelgningsresultat):
    """Expected and realised gains per calendar year (actual years only)."""
    t = case_years_table(f)
    t = t[t["grundlag"] == "faktisk"]
    fig, ax = _fig(7.0, 3.8)
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["gevinst_forventet"], 0.4, color="#56b4e9", label="Forventet gevinst")
    ax.bar(x + 0.2, t["gevinst_realiseret"], 0.4, color="#0173b2", label="Realiseret gevinst")
    ax.set_xticks(x, [str(y) for y in t["kalenderaar"]])
    axis_kr(ax, "y")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    ax.set_title("Gevinst pr. år: plan og virkelighed")
    fig.tight_layout()
    return fig


def case_alt(f: Opfoelgningsresultat) -> str:
    t = case_years_table(f)
    t = t[t["grundlag"] == "faktisk"]
    years = ", ".join(f"{y}: {kr(a)} af {kr(b)}" for y, a, b in
                      zip(t["kalenderaar"], t["gevinst_realiseret"], t["gevinst_forventet"]))
    return f"Søjler med forventet og realiseret gevinst pr. år ({years})."


# --- headline results ------------------------------------------------------------------------

def headline_results(plan: Opfoelgningsplan, u: Udviklingsforloeb, c: Serviceniveautjek,
                     r: Stoettebehov, f: Opfoelgningsresultat | None
                     ) -> dict[str, report.Headline]:
    """The workbook's headline results with their units, for `report.record_all`."""
    h = report.Headline
    flags = u.sager["markering"].value_counts()
    area = r.forklaring.set_index("omraade")["r2_tilvaekst"]
    out = {
        "antal_planlagt": h(len(plan.sager), "Planlagte opfølgninger", "bevillinger"),
        "andel_rettidig": h(plan.andel_rettidig, "Andel planlagt til tiden", "pct"),
        "antal_overskredet": h(int((plan.sager["status"] == "overskredet").sum()),
                               "Opfølgninger allerede over fristen", "bevillinger"),
        "antal_moeder": h(int((plan.moeder["antal_sager"] > 0).sum()),
                          "Opfølgningsmøder med sager", "tal"),
        "antal_ingen_progression": h(int(flags.get(INGEN_PROGRESSION, 0)),
                                     "Udviklingsforløb uden progression", "bevillinger"),
        "antal_ikke_udredt": h(int(flags.get(IKKE_UDREDT, 0)),
                               "Udviklingsforløb uden ny udredning", "bevillinger"),
        "antal_potentiale": h(int(flags.get(POTENTIALE, 0)),
                              "Nye forløb med potentiale", "bevillinger"),
        "antal_uden_for": h(int(c.bevillinger["uden_for"].sum()),
                            "Bevillinger uden for serviceniveauet", "bevillinger"),
        "udgift": h(float(c.oversigt["aarlig_udgift"].sum()),
                    "Årlig udgift i serviceniveaukataloget", "kr"),
        "udgift_inden_for": h(float(c.oversigt["aarlig_udgift_inden_for"].sum()),
                              "Årlig udgift inden for serviceniveauet", "kr"),
        "besparelse": h(c.besparelse, "Besparelse inden for serviceniveauet", "kr"),
        "merudgift": h(c.merudgift, "Merudgift inden for serviceniveauet", "kr"),
        "r2_tilvaekst_voksne": h(float(area.get("voksne", np.nan)),
                                 "Målgruppens tilvækst i forklaret varians, voksne", "pct"),
        "r2_tilvaekst_boern": h(float(area.get("børn", np.nan)),
                                "Målgruppens tilvækst i forklaret varians, børn", "pct"),
        "antal_maalgrupper_over": h(int((r.maalgrupper["vurdering"] == "over").sum()),
                                    "Målgrupper over det forventede", "tal"),
    }
    if f is not None and f.sidste_hele_aar is not None:
        out |= {"business_case": h(f.case.navn, "Business case fulgt op", "tekst")}
        for s in f.status.itertuples():
            out[f"status_{s.effekt}"] = h(s.status, f"Status: {s.navn}", "tekst")
        out |= {
            "andel_realiseret": h(float(f.status["gevinst_realiseret"].sum()
                                        / f.status["gevinst_forventet"].sum()),
                                  "Andel af den forventede gevinst realiseret", "pct"),
            "nutidsvaerdi_plan": h(f.nutidsvaerdi_plan, "Nutidsværdi i planen", "kr"),
            "nutidsvaerdi_opdateret": h(f.nutidsvaerdi_opdateret, "Nutidsværdi opdateret", "kr"),
        }
    return out

