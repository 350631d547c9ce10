"""What notebook 05_noegletal shows: the dashboard, pejlemærker, key figures over the years and
the benchmark against other municipalities (figures with alt texts, display tables), and the
headline results that other municipalities' runs compare with. The numbers come from
socialanalyse.noegletal."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .. import report
from ..benchmark import Offentlig
from ..noegletal import NOEGLETAL, Noegletal, benchmark_year
from ..report.format import amount, pct, sentence, tal
from ..report.labels import kommune_name

COLOURS = {"forventet": "#0173b2", "op": "#d55e00",
           "grøn": "#029e73", "gul": "#ece133", "rød": "#d55e00", "mangler": "#bdbdbd"}


def value_text(value: float, enhed: str, diskretion: int | None = None) -> str:
    """A key figure as Danish text by its unit (kr, andel, antal, pr_10000); counts below
    `diskretion` (byråd) are shown as '<N'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if enhed == "kr":
        return amount(value)
    if enhed == "andel":
        return pct(value)
    if enhed == "antal":
        if diskretion is not None and 0 < value < diskretion:
            return f"<{diskretion}"
        return tal(value)
    return tal(value, 1)


DASHBOARD = (
    "forventet_andel_af_budget", "enhedspris_botilbud", "antal_dyre_sager",
    "selvforsyningsgrad", "andel_opfoelgning_rettidig",
    "udgift_pr_18_64_aarig", "borgere_pr_10000", "andel_borgere_eget_hjem",
)


def dashboard_figure(nt: Noegletal, noegletal: tuple[str, ...] = DASHBOARD,
                     diskretion: int | None = None, kolonner: int = 3):
    """A compact dashboard: one tile per key figure with its latest value, the year before, a
    small trend line and (for pejlemærker) a traffic light against the goal."""
    import matplotlib.pyplot as plt

    rows = int(np.ceil(len(noegletal) / kolonner))
    fig, axes = plt.subplots(rows, kolonner, figsize=(3.3 * kolonner, 2.1 * rows))
    axes = np.atleast_1d(axes).ravel()
    marks = nt.pejlemaerker
    marks = marks[marks["gruppe"] == ""] if len(marks) else marks
    latest = nt.seneste().set_index("noegletal")
    for ax, key in zip(axes, noegletal):
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        if key not in latest.index:
            ax.set_visible(False)
            continue
        r = latest.loc[key]
        trend = nt.udvikling(key).dropna()
        if len(trend) > 1 and not (r["enhed"] == "antal" and diskretion):
            inset = ax.inset_axes([0.05, 0.05, 0.9, 0.35])
            inset.plot(trend.index, trend.to_numpy(), color=COLOURS["forventet"], lw=1.5)
            inset.axis("off")
        ax.text(0.05, 0.94, textwrap.fill(r["navn"], 34), fontsize=8, va="top",
                transform=ax.transAxes)
        ax.text(0.05, 0.62, value_text(r["vaerdi"], r["enhed"], diskretion), fontsize=15,
                fontweight="bold", va="center", transform=ax.transAxes)
        ax.text(0.05, 0.46, f"{nt.aar - 1}: {value_text(r['forrige'], r['enhed'], diskretion)}",
                fontsize=8, color="#555555", transform=ax.transAxes)
        mark = marks[marks["noegletal"] == key] if len(marks) else marks
        if len(mark):
            m = mark.iloc[0]
            ax.add_patch(plt.Circle((0.9, 0.62), 0.07, color=COLOURS.get(m["status"], "#bdbdbd"),
                                    transform=ax.transAxes))
            ax.text(0.9, 0.44, f"mål {value_text(m['maal'], r['enhed'])}", fontsize=7,
                    ha="center", transform=ax.transAxes)
        ax.set_facecolor("#f6f6f6")
    for ax in axes[len(noegletal):]:
        ax.set_visible(False)
    fig.suptitle(f"Nøgletal {nt.aar} (opgjort {nt.opgjort:%d.%m.%Y})", x=0.01, ha="left",
                 fontweight="bold")
    fig.tight_layout()
    return fig


def dashboard_alt(nt: Noegletal, noegletal: tuple[str, ...] = DASHBOARD,
                  diskretion: int | None = None) -> str:
    latest = nt.seneste().set_index("noegletal")
    parts = [f"{r['navn']} {value_text(r['vaerdi'], r['enhed'], diskretion)}"
             for k in noegletal if k in latest.index for r in [latest.loc[k]]]
    return sentence(f"Oversigt over nøgletal for {nt.aar}: " + "; ".join(parts))


def pejlemaerke_table(nt: Noegletal) -> pd.DataFrame:
    """Pejlemærker with formatted value and goal, status as a traffic light and direction."""
    pm = nt.pejlemaerker
    if pm.empty:
        return pd.DataFrame(columns=["Pejlemærke", "Mål", "Værdi", "Sidste år", "Status",
                                     "Udvikling"])
    units = pm["noegletal"].map(lambda k: NOEGLETAL.get(k, ("", ""))[1])
    lights = {"grøn": "🟢 nået", "gul": "🟡 tæt på", "rød": "🔴 ikke nået",
              "mangler": "⚪ mangler data", "ukendt nøgletal": "⚪ ukendt nøgletal"}
    return pd.DataFrame({
        "Pejlemærke": pm["navn"] + np.where(pm["gruppe"] != "", " (" + pm["gruppe"] + ")", ""),
        "Mål": [("mindst " if r == "over" else "højst ") + value_text(m, u)
                for m, r, u in zip(pm["maal"], pm["retning"], units)],
        "Værdi": [value_text(v, u) for v, u in zip(pm["vaerdi"], units)],
        "Sidste år": [value_text(v, u) for v, u in zip(pm["forrige"], units)],
        "Status": pm["status"].map(lights),
        "Udvikling": pm["udvikling"],
    })


def noegletal_table(nt: Noegletal, gruppe: str | None = "", diskretion: int | None = None,
                    noegletal: str | None = None) -> pd.DataFrame:
    """Key figures over the years, formatted by unit (rows: figures, columns: years).

    gruppe '' = the whole area, None = everything; noegletal limits to one figure (e.g. per
    paragraph); diskretion (byråd) hides counts below it."""
    t = nt.tal if gruppe is None else nt.tal[nt.tal["gruppe"] == gruppe]
    if noegletal is not None:
        t = t[t["noegletal"] == noegletal]
    t = t.assign(tekst=[value_text(v, e, diskretion) for v, e in zip(t["vaerdi"], t["enhed"])],
                 label=np.where(t["gruppe"] != "", t["navn"] + " " + t["gruppe"], t["navn"]))
    wide = t.pivot_table(index="label", columns="aar", values="tekst", aggfunc="first",
                         sort=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index().rename(columns={"label": "Nøgletal"})


def benchmark_figure(bench: pd.DataFrame, kommune: str):
    """Small multiples: each benchmark figure per municipality, the municipality itself
    highlighted, missing comparisons listed under the figure."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(bench["noegletal"]))
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.6), squeeze=False)
    missing = sorted(set(bench.loc[~bench["status"].isin(["ok", "egen"]), "kommune"]))
    for ax, key in zip(axes[0], names):
        d = bench[(bench["noegletal"] == key) & bench["status"].isin(["ok", "egen"])]
        d = d.sort_values("vaerdi")
        colours = [COLOURS["op"] if k == kommune else COLOURS["forventet"] for k in d["kommune"]]
        ax.barh([kommune_name(k) for k in d["kommune"]], d["vaerdi"], color=colours)
        label, unit = NOEGLETAL.get(key, (key, ""))
        ax.set_title(textwrap.fill(label, 32), fontsize=9, loc="left")
        for y, v in enumerate(d["vaerdi"]):
            ax.annotate(value_text(v, unit), (v, y), fontsize=8, va="center",
                        xytext=(2, 0), textcoords="offset points")
        ax.set_xticks([])
    if missing:
        fig.text(0.01, -0.02, "Mangler tal fra: " + ", ".join(map(kommune_name, missing)),
                 fontsize=8)
    fig.suptitle("Sammenligning med andre kommuner", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def benchmark_alt(bench: pd.DataFrame, kommune: str) -> str:
    own = bench[bench["status"] == "egen"]
    parts = [f"{r.navn}: {tal(r.vaerdi)} mod gennemsnit {tal(r.sammenligning_gns)}"
             for r in own.itertuples()]
    n = bench.loc[bench["status"] == "ok", "kommune"].nunique()
    return (f"Søjler for {kommune} og {n} sammenligningskommuner med tal. " + "; ".join(parts)
            + ".")


def headline_results(nt: Noegletal, egne: dict[str, float]) -> dict[str, report.Headline]:
    """The benchmark figures (`egne`: `noegletal.benchmark_values`) under their own names, so
    other municipalities' runs can read them, and the year and pejlemærker behind them, for
    `report.record_all`. A figure counting citizens (unit 'antal') is declared so."""
    h = report.Headline
    out = {name: h(value, NOEGLETAL[name][0], "borgere" if NOEGLETAL[name][1] == "antal"
                   else None)
           for name, value in egne.items()}
    return out | {
        "benchmark_aar": h(benchmark_year(nt), "Benchmark-år", "aar"),
        "selvforsyningsgrad": h(nt.vaerdi("selvforsyningsgrad"), "Selvforsyningsgrad", "pct"),
        "andel_opfoelgning_rettidig": h(nt.vaerdi("andel_opfoelgning_rettidig"),
                                        "Andel rettidige opfølgninger", "pct"),
    }


# --- the public benchmark against all 98 (Statistikbanken) -----------------------------------

NIVEAUER = {"kommune": "Kommunen", "sammenligning": "Sammenligningskommuner",
            "region": "Regionen", "landet": "Hele landet"}


def offentlig_table(o: Offentlig) -> pd.DataFrame:
    """Net operating spending per inhabitant of the function's target group: one row per
    function (the totals first), one column per level, with the municipality's rank."""
    c = o.sammenligning
    wide = c.pivot_table(index="funktion", columns="niveau", values="udgift_pr_maalgruppe",
                         aggfunc="first").reindex(columns=list(NIVEAUER))
    own = c[c["niveau"] == "kommune"].set_index("funktion")
    used = wide.index[wide["landet"].fillna(1) != 0]  # functions nobody books are left out
    order = ["i_alt", "voksne", "boern"] + sorted(f for f in used if f[0].isdigit())
    wide = wide.reindex([f for f in order if f in wide.index])
    out = pd.DataFrame({"Funktion": [own.loc[f, "navn"] if not f[0].isdigit()
                                     else f"{f} {own.loc[f, 'navn']}" for f in wide.index]})
    for key, label in NIVEAUER.items():
        out[label] = wide[key].to_numpy()
    out["Placering (1 = lavest)"] = [
        "–" if pd.isna(own.loc[f, "placering"]) else
        f"{int(own.loc[f, 'placering'])} af {int(own.loc[f, 'af_kommuner'])}" for f in wide.index]
    return out


OFFENTLIG_MONEY = list(NIVEAUER.values())


def offentlig_figure(o: Offentlig):
    """Spending per inhabitant of the target group on the three totals, per level."""
    import matplotlib.pyplot as plt

    c = o.sammenligning[o.sammenligning["funktion"].isin(["i_alt", "voksne", "boern"])]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=False)
    for ax, key in zip(axes, ["i_alt", "voksne", "boern"]):
        d = c[c["funktion"] == key].set_index("niveau").reindex(list(NIVEAUER))
        colours = [COLOURS["op"] if n == "kommune" else COLOURS["forventet"] for n in d.index]
        ax.bar([NIVEAUER[n].replace(" ", "\n", 1) for n in d.index], d["udgift_pr_maalgruppe"],
               color=colours)
        name = d["navn"].dropna().iloc[0] if d["navn"].notna().any() else key
        ax.set_title(textwrap.fill(f"{name}, kr. pr. {_per(key)}", 34), fontsize=9, loc="left")
        report.axis_kr(ax)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(f"Nettodriftsudgift pr. indbygger i målgruppen, {o.aar} (Statistikbanken)",
                 x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def _per(key: str) -> str:
    return {"voksne": "18-64-årig", "boern": "0-17-årig"}.get(key, "indbygger")


def offentlig_alt(o: Offentlig) -> str:
    """Alt text of offentlig_figure."""
    c = o.sammenligning.set_index(["funktion", "niveau"])["udgift_pr_maalgruppe"]
    parts = [f"{GROUP_TEXT[k]}: kommunen {kr_text(c.get((k, 'kommune')))}, landet "
             f"{kr_text(c.get((k, 'landet')))}" for k in ("i_alt", "voksne", "boern")]
    return f"Søjler for {o.aar} pr. niveau. " + "; ".join(parts) + "."


GROUP_TEXT = {"i_alt": "I alt pr. indbygger", "voksne": "Voksne pr. 18-64-årig",
              "boern": "Børn og unge pr. 0-17-årig"}


def kr_text(value) -> str:
    return amount(value) if value is not None and not pd.isna(value) else "–"


def afstemning_table(o: Offentlig) -> pd.DataFrame:
    """The reconciliation per function: published, own payments, difference and remark
    (functions with nothing on either side left out)."""
    a = o.afstemning
    a = a[(a["offentliggjort"] != 0) | (a["egne_betalinger"] != 0)]
    return pd.DataFrame({
        "Funktion": a["funktion"] + " " + a["navn"].fillna(""),
        "Regnskab (Statistikbanken)": a["offentliggjort"],
        "Egne betalinger": a["egne_betalinger"], "Forskel": a["forskel"],
        "Forskel i %": a["forskel_andel"], "Bemærkning": a["bemaerkning"]})


def afstemning_warning(o: Offentlig) -> str:
    """A Danish warning naming the functions differing more than the threshold ('' if none)."""
    a = o.afstemning[o.afstemning["advarsel"]]
    if a.empty:
        return ""
    names = ", ".join(f"{r.funktion} {r.navn} ({pct(r.forskel_andel)})" if pd.notna(
        r.forskel_andel) else f"{r.funktion} {r.navn}" for r in a.itertuples())
    return (f"**Advarsel:** På {len(a)} funktion(er) afviger kommunens egne betalinger i "
            f"{o.aar} mere end {pct(o.graense, 0)} fra regnskabet i Statistikbanken, eller et "
            f"tal mangler: {names}. Forklar forskellen (fx egen drift, salg af pladser, "
            "refusion eller kontering).")
