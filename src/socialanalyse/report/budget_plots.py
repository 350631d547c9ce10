"""Figures, display tables and texts for notebooks 04 (budget og prognose) and 05 (nøgletal).

Every figure function returns a matplotlib Figure (show it with `report.figure(fig, alt=...)`)
and has an `*_alt` companion giving the Danish alt text. Nothing here computes an analysis:
the numbers come from socialanalyse.budget and socialanalyse.noegletal.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ..budget import ForventetRegnskab, Fremskrivning
from ..noegletal import NOEGLETAL, Noegletal
from .format import kr, maaned, mio_kr, pct, tal
from .theme import axis_kr

COLOURS = {
    "budget": "#9e9e9e", "forventet": "#0173b2", "op": "#d55e00", "ned": "#029e73",
    "total": "#0173b2", "band": "#56b4e9",
    "grøn": "#029e73", "gul": "#ece133", "rød": "#d55e00", "mangler": "#bdbdbd",
}
DRIVER_LABELS = {
    "flere_borgere": "Flere/færre borgere",
    "omfang_pr_borger": "Omfang og varighed pr. borger",
    "prisregulering": "Pris- og lønregulering",
    "reel_pris": "Reel prisændring",
    "oevrigt": "Øvrigt (nye/ophørte linjer)",
}
EFFECT_LABELS = {"maengde": "Mængde", "pris": "Pris", "mix": "Mix"}


def _end(text: str) -> str:
    """End a sentence with one full stop (amounts already end with 'kr.')."""
    return text if text.endswith(".") else text + "."


def _fig(width: float = 8.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def fmt_value(value: float, enhed: str, diskretion: int | None = None) -> str:
    """A key figure as Danish text by its unit (kr, andel, antal, pr_10000); counts below
    `diskretion` (byråd) are shown as '<N'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if enhed == "kr":
        return mio_kr(value) if abs(value) >= 1e6 else kr(value)
    if enhed == "andel":
        return pct(value)
    if enhed == "antal":
        if diskretion is not None and 0 < value < diskretion:
            return f"<{diskretion}"
        return tal(value)
    return tal(value, 1)


# --- expected year-end --------------------------------------------------------------------------


def forventet_tabel(fr: ForventetRegnskab) -> pd.DataFrame:
    """The expected year-end per line with an 'I alt' row, columns in reading order."""
    t = fr.tabel()
    return t[["budget", "betalt", "aktive_resten", "nye", "ophoer", "forventet", "nedre",
              "oevre", "afvigelse", "forventet_antal"]].reset_index()


def forventet_figur(fr: ForventetRegnskab):
    """Budget and expected year-end per line, with the uncertainty band as a whisker."""
    lines = fr.linjer.sort_values("forventet")
    fig, ax = _fig(8.0, max(3.0, 0.45 * len(lines) + 1.2))
    y = np.arange(len(lines))
    ax.barh(y + 0.2, lines["budget"], height=0.4, color=COLOURS["budget"], label="Budget")
    ax.barh(y - 0.2, lines["forventet"], height=0.4, color=COLOURS["forventet"],
            label="Forventet regnskab")
    band = lines[["nedre", "oevre"]].to_numpy()
    ok = ~np.isnan(band).any(axis=1)
    ax.errorbar(lines["forventet"][ok], y[ok] - 0.2,
                xerr=[(lines["forventet"] - lines["nedre"])[ok],
                      (lines["oevre"] - lines["forventet"])[ok]],
                fmt="none", ecolor="black", capsize=3, lw=1, label="Usikkerhed")
    ax.set_yticks(y, lines.index)
    ax.set_title(f"Forventet regnskab {fr.aar} mod budget (opgjort {maaned(fr.opgjort)})")
    ax.legend(loc="lower right")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    axis_kr(ax, "x", mio=True, decimaler=0)
    return fig


def forventet_alt(fr: ForventetRegnskab) -> str:
    s = fr.samlet
    worst = fr.linjer["afvigelse"].idxmax() if len(fr.linjer) else "–"
    return (f"Vandrette søjler pr. budgetlinje med budget og forventet regnskab for {fr.aar}, "
            f"opgjort {maaned(fr.opgjort)}. Samlet budget {mio_kr(s['budget'])}, forventet "
            f"{mio_kr(s['forventet'])} (usikkerhed {mio_kr(s['nedre'])} til "
            f"{mio_kr(s['oevre'])}). Største merforbrug: {worst}.")


def udvikling_figur(by_month: pd.DataFrame):
    """The expected year-end as made at the end of each month, with band and budget."""
    fig, ax = _fig()
    x = by_month["maaned"]
    ax.fill_between(x, by_month["nedre"], by_month["oevre"], color=COLOURS["band"], alpha=0.3,
                    label="Usikkerhed")
    ax.plot(x, by_month["forventet"], marker="o", color=COLOURS["forventet"],
            label="Forventet regnskab")
    ax.plot(x, by_month["budget"], ls="--", color=COLOURS["budget"], label="Budget")
    ax.set_title("Forventet regnskab måned for måned")
    ax.legend(loc="lower right")
    axis_kr(ax, "y")
    fig.autofmt_xdate()
    return fig


def udvikling_alt(by_month: pd.DataFrame) -> str:
    first, last = by_month.iloc[0], by_month.iloc[-1]
    return _end(f"Linje med det forventede regnskab opgjort hver måned fra "
                f"{maaned(first['maaned'])} ({mio_kr(first['forventet'])}) til "
                f"{maaned(last['maaned'])} ({mio_kr(last['forventet'])}) mod et budget på "
                f"{mio_kr(last['budget'])}")


# --- deviations ---------------------------------------------------------------------------------


def vandfald_figur(v: pd.DataFrame, title: str = "Fra budget til forventet regnskab"):
    """Waterfall from the budget through mængde, pris and mix to the expected result, for the
    sum of the rows of a `budget.variance` table."""
    s = v[["budget", "maengde", "pris", "mix", "forventet"]].sum()
    steps = [("Budget", s["budget"], "total"), ("Mængde", s["maengde"], "step"),
             ("Pris", s["pris"], "step"), ("Mix", s["mix"], "step"),
             ("Forventet", s["forventet"], "total")]
    fig, ax = _fig()
    level = 0.0
    for i, (name, value, kind) in enumerate(steps):
        if kind == "total":
            ax.bar(i, value, color=COLOURS["budget" if i == 0 else "total"])
            level = value
            ax.annotate(mio_kr(value), (i, value), ha="center", va="bottom", fontsize=9)
            continue
        colour = COLOURS["op"] if value >= 0 else COLOURS["ned"]
        ax.bar(i, value, bottom=level, color=colour)
        ax.annotate(("+" if value >= 0 else "") + mio_kr(value), (i, level + max(value, 0)),
                    ha="center", va="bottom", fontsize=9)
        level += value
    ax.set_xticks(range(len(steps)), [n for n, _, _ in steps])
    lo = min(s["budget"], s["forventet"])
    hi = max(s["budget"], s["forventet"], level)
    pad = max(abs(s["maengde"]) + abs(s["pris"]) + abs(s["mix"]), 0.02 * hi)
    ax.set_ylim(max(0.0, lo - 1.5 * pad), hi + 0.8 * pad)
    ax.set_title(title)
    axis_kr(ax, "y")
    return fig


def vandfald_alt(v: pd.DataFrame) -> str:
    s = v[["budget", "maengde", "pris", "mix", "forventet"]].sum()
    return _end(f"Vandfaldsdiagram: budget {mio_kr(s['budget'])}, mængdeeffekt "
                f"{mio_kr(s['maengde'])}, priseffekt {mio_kr(s['pris'])}, mixeffekt "
                f"{mio_kr(s['mix'])}, forventet regnskab {mio_kr(s['forventet'])}")


def afvigelse_tabel(v: pd.DataFrame) -> pd.DataFrame:
    """A variance table with an 'I alt' row (the sum of the rows) for display."""
    total = v.sum(numeric_only=True)
    total["budget_enhedspris"] = total["budget"] / total["budget_antal"] if total[
        "budget_antal"] else np.nan
    total["forventet_enhedspris"] = total["forventet"] / total["forventet_antal"] if total[
        "forventet_antal"] else np.nan
    out = pd.concat([v, total.to_frame("I alt").T])
    out.index.name = v.index.name
    return out.reset_index()


def forklaringer(v: pd.DataFrame, causes: pd.DataFrame | None = None, n: int = 3,
                 min_beloeb: float = 0.0, ids: bool = True,
                 diskretion: int | None = None) -> list[str]:
    """Danish sentences explaining each line's deviation by its effects and, when causes are
    given, the largest concrete causes (with grant and provider, or summed by cause when
    ids=False). With diskretion (byråd), full-year persons below it are shown as '<N'.

    Lines with |afvigelse| below min_beloeb are left out; largest deviations first.
    """

    def persons(x: float) -> str:
        if diskretion is not None and 0 < x < diskretion:
            return f"<{diskretion}"
        return tal(x, 1)

    out = []
    for linje, r in v.reindex(v["afvigelse"].abs().sort_values(ascending=False).index).iterrows():
        if abs(r["afvigelse"]) < min_beloeb:
            continue
        word = "Merforbrug" if r["afvigelse"] > 0 else "Mindreforbrug"
        parts = [f"mængde {mio_kr(r['maengde'])}", f"pris {mio_kr(r['pris'])}"]
        if abs(r["mix"]) > 0.5:
            parts.append(f"mix {mio_kr(r['mix'])}")
        text = (f"**{linje}**: {word} på {mio_kr(abs(r['afvigelse']))} ({', '.join(parts)}). "
                f"{persons(r['forventet_antal'])} helårspersoner mod forudsat "
                f"{persons(r['budget_antal'])}; {kr(r['forventet_enhedspris'])} pr. helårsperson "
                f"(forudsat {kr(r['budget_enhedspris'])}).")
        if causes is not None and len(causes):
            c = causes[causes["linje"] == linje]
            main = "maengde" if abs(r["maengde"]) >= abs(r["pris"]) else "pris"
            c = c[c["type"] == ("mængde" if main == "maengde" else "pris")]
            c = c[np.sign(c["effekt"]) == np.sign(r["afvigelse"])]
            if len(c):
                if ids:
                    top = c.head(n)
                    named = "; ".join(
                        f"{a.aarsag.lower()} {a.bevilling_id} hos {a.leverandoer} "
                        f"({mio_kr(a.effekt, 2)})" for a in top.itertuples())
                    text += f" Største bevægelser i samme retning: {named}."
                else:
                    agg = c.groupby("aarsag")["effekt"].agg(["size", "sum"]).sort_values(
                        "sum", key=abs, ascending=False)
                    named = "; ".join(f"{a.lower()} ({mio_kr(s['sum'])})"
                                      for a, s in agg.head(n).iterrows())
                    text += f" Bevægelser i samme retning (brutto): {named}."
        out.append(text)
    return out


def aarsager_tabel(causes: pd.DataFrame) -> pd.DataFrame:
    """The concrete causes for an intern working list (ids kept; dates and amounts)."""
    cols = ["linje", "aarsag", "effekt", "bevilling_id", "borger_id", "leverandoer",
            "startdato", "slutdato", "udgift", "helaarspersoner", "enhedspris",
            "budget_enhedspris"]
    return causes[cols]


# --- cost drivers --------------------------------------------------------------------------------


def drivere_figur(cd: pd.DataFrame, linje: str = "I alt"):
    """Stacked bars of the growth drivers per year step, with the total change marked."""
    d = cd[cd["linje"] == linje].copy()
    d["periode"] = d["fra_aar"].astype(str) + "–" + d["til_aar"].astype(str)
    fig, ax = _fig()
    x = np.arange(len(d))
    pos_base, neg_base = np.zeros(len(d)), np.zeros(len(d))
    import seaborn as sns

    palette = sns.color_palette("colorblind", len(DRIVER_LABELS))
    for colour, (key, label) in zip(palette, DRIVER_LABELS.items()):
        values = d[key].to_numpy(dtype=float)
        if not np.any(np.abs(values) > 0):
            continue
        base = np.where(values >= 0, pos_base, neg_base)
        ax.bar(x, values, bottom=base, color=colour, label=label, width=0.6)
        pos_base += np.clip(values, 0, None)
        neg_base += np.clip(values, None, 0)
    ax.scatter(x, d["aendring"], color="black", zorder=3, marker="D", label="Ændring i alt")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, d["periode"])
    ax.set_title(f"Hvad driver udgifterne? ({linje})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axis_kr(ax, "y")
    return fig


def drivere_alt(cd: pd.DataFrame, linje: str = "I alt") -> str:
    d = cd[cd["linje"] == linje]
    parts = []
    for r in d.itertuples():
        parts.append(f"{r.fra_aar}–{r.til_aar}: ændring {mio_kr(r.aendring)}, heraf flere "
                     f"borgere {mio_kr(r.flere_borgere)}, omfang pr. borger "
                     f"{mio_kr(r.omfang_pr_borger)}, priser {mio_kr(r.enhedspris)}")
    return _end("Stablede søjler med udgiftsvæksten opdelt på drivere. " + "; ".join(parts))


def drivere_tabel(cd: pd.DataFrame) -> pd.DataFrame:
    """Per line the drivers summed over all year steps (first to last year)."""
    keys = ["aendring", "flere_borgere", "omfang_pr_borger", "prisregulering", "reel_pris",
            "oevrigt"]
    out = cd.groupby("linje", sort=False)[keys].sum()
    return out.reindex(out["aendring"].abs().sort_values(ascending=False).index).reset_index()


# --- forecast -----------------------------------------------------------------------------------


def vifte_figur(frem: Fremskrivning, valgt: pd.DataFrame | None = None):
    """Fan chart: actual (and expected) spending, then base with the low-high band and the
    buffer; optionally a chosen scenario (`budget.scenario`)."""
    s = frem.samlet
    fig, ax = _fig()
    hist = s["faktisk"].dropna()
    ax.plot(hist.index, hist, marker="o", color="black", label="Regnskab / forventet")
    fut = s.dropna(subset=["basis"])
    xs = [frem.sidste_aar, *fut.index]
    start = hist.loc[frem.sidste_aar]
    ax.fill_between(xs, [start, *fut["lav"]], [start, *fut["hoej"]], color=COLOURS["band"],
                    alpha=0.35, label="Lavt–højt scenarie")
    ax.plot(xs, [start, *fut["basis"]], ls="--", marker="o", color=COLOURS["forventet"],
            label="Basisscenarie")
    if valgt is not None:
        v = valgt.loc[[frem.sidste_aar, *fut.index], "valgt"]
        ax.plot(v.index, v, ls=":", marker="s", color=COLOURS["op"], label="Valgt scenarie")
    ax.set_xticks(list(s.index))
    ax.set_title("Fremskrivning af udgifterne")
    ax.legend(loc="upper left")
    axis_kr(ax, "y")
    return fig


def vifte_alt(frem: Fremskrivning) -> str:
    fut = frem.samlet.dropna(subset=["basis"])
    if fut.empty:
        return "Fremskrivning uden fremtidige år."
    y = fut.index[0]
    r = fut.loc[y]
    return (f"Viftediagram over udgifterne til og med {frem.sidste_aar} og fremskrevet til "
            f"{fut.index[-1]}. I {y}: basis {mio_kr(r['basis'])}, lavt {mio_kr(r['lav'])}, højt "
            f"{mio_kr(r['hoej'])} (buffer {mio_kr(r['buffer'])}).")


# --- key figures --------------------------------------------------------------------------------

DASHBOARD = (
    "forventet_andel_af_budget", "enhedspris_botilbud", "antal_dyre_sager",
    "andel_pladser_egen_drift", "selvforsyningsgrad", "andel_opfoelgning_rettidig",
    "udgift_pr_18_64_aarig", "borgere_pr_10000", "andel_borgere_eget_hjem",
)


def dashboard_figur(nt: Noegletal, noegletal: tuple[str, ...] = DASHBOARD,
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
        ax.text(0.05, 0.62, fmt_value(r["vaerdi"], r["enhed"], diskretion), fontsize=15,
                fontweight="bold", va="center", transform=ax.transAxes)
        ax.text(0.05, 0.46, f"{nt.aar - 1}: {fmt_value(r['forrige'], r['enhed'], diskretion)}",
                fontsize=8, color="#555555", transform=ax.transAxes)
        mark = marks[marks["noegletal"] == key] if len(marks) else marks
        if len(mark):
            m = mark.iloc[0]
            ax.add_patch(plt.Circle((0.9, 0.62), 0.07, color=COLOURS.get(m["status"], "#bdbdbd"),
                                    transform=ax.transAxes))
            ax.text(0.9, 0.44, f"mål {fmt_value(m['maal'], r['enhed'])}", fontsize=7,
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
    parts = [f"{r['navn']} {fmt_value(r['vaerdi'], r['enhed'], diskretion)}"
             for k in noegletal if k in latest.index for r in [latest.loc[k]]]
    return _end(f"Oversigt over nøgletal for {nt.aar}: " + "; ".join(parts))


def pejlemaerke_tabel(nt: Noegletal) -> pd.DataFrame:
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
        "Mål": [("mindst " if r == "over" else "højst ") + fmt_value(m, u)
                for m, r, u in zip(pm["maal"], pm["retning"], units)],
        "Værdi": [fmt_value(v, u) for v, u in zip(pm["vaerdi"], units)],
        "Sidste år": [fmt_value(v, u) for v, u in zip(pm["forrige"], units)],
        "Status": pm["status"].map(lights),
        "Udvikling": pm["udvikling"],
    })


def noegletal_tabel(nt: Noegletal, gruppe: str | None = "", diskretion: int | None = None,
                    noegletal: str | None = None) -> pd.DataFrame:
    """Key figures over the years, formatted by unit (rows: figures, columns: years).

    gruppe '' = the whole area, None = everything; noegletal limits to one figure (e.g. per
    paragraph); diskretion (byråd) hides counts below it."""
    t = nt.tal if gruppe is None else nt.tal[nt.tal["gruppe"] == gruppe]
    if noegletal is not None:
        t = t[t["noegletal"] == noegletal]
    t = t.assign(tekst=[fmt_value(v, e, diskretion) for v, e in zip(t["vaerdi"], t["enhed"])],
                 label=np.where(t["gruppe"] != "", t["navn"] + " " + t["gruppe"], t["navn"]))
    wide = t.pivot_table(index="label", columns="aar", values="tekst", aggfunc="first",
                         sort=False)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index().rename(columns={"label": "Nøgletal"})


def kommune_navn(slug: str) -> str:
    """A municipality's name from its slug ('eksempelkommune' -> 'Eksempelkommune')."""
    from .. import reference as ref

    names = ref.kommuner().set_index("slug")["navn"]
    return str(names.get(slug, slug.capitalize()))


def benchmark_figur(bench: pd.DataFrame, kommune: str):
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
        ax.barh([kommune_navn(k) for k in d["kommune"]], d["vaerdi"], color=colours)
        label, unit = NOEGLETAL.get(key, (key, ""))
        ax.set_title(textwrap.fill(label, 32), fontsize=9, loc="left")
        for y, v in enumerate(d["vaerdi"]):
            ax.annotate(fmt_value(v, unit), (v, y), fontsize=8, va="center",
                        xytext=(2, 0), textcoords="offset points")
        ax.set_xticks([])
    if missing:
        fig.text(0.01, -0.02, "Mangler tal fra: " + ", ".join(map(kommune_navn, missing)),
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
