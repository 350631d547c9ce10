"""What notebook 04_budget_og_prognose shows: the expected year-end, the deviations split into
mængde, pris and mix with their explanations, the cost drivers and the forecast (figures with
alt texts, display tables, Danish texts), the month and scenario panel, and the headline
results. Nothing here computes an analysis: the numbers come from socialanalyse.budget.

Every figure function returns a matplotlib Figure (show it with `report.figure(fig, alt=...)`)
and has an `*_alt` companion giving the Danish alt text. `month_view` and `scenario_view` are
plain functions (choices -> figures with alt texts); `Panel` only wires ipywidgets to them, so
the behaviour is tested without a browser: set a widget's value and read `panel.figures`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import budget as B
from .. import report
from ..budget import ForventetRegnskab, Fremskrivning
from ..report.format import kr, maaned, mio_kr, pct, sentence, tal
from ..report.theme import axis_kr
from ..report.widgets import control_layout, control_style, slider_row

if TYPE_CHECKING:
    from ..data import Data

COLOURS = {
    "budget": "#9e9e9e", "forventet": "#0173b2", "op": "#d55e00", "ned": "#029e73",
    "total": "#0173b2", "band": "#56b4e9",
}
DRIVER_LABELS = {
    "flere_borgere": "Flere/færre borgere",
    "omfang_pr_borger": "Omfang og varighed pr. borger",
    "prisregulering": "Pris- og lønregulering",
    "reel_pris": "Reel prisændring",
    "oevrigt": "Øvrigt (nye/ophørte linjer)",
}
#: What the count columns of the budget tables count: full-year persons (citizens), grants.
BUDGET_COUNTS = {"budget_antal": "borgere", "forventet_antal": "borgere"}
CAUSE_COUNTS = {"antal_bevillinger": "bevillinger"}


def _fig(width: float = 8.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


# --- expected year-end --------------------------------------------------------------------------


def expected_table(fr: ForventetRegnskab) -> pd.DataFrame:
    """The expected year-end per line with an 'I alt' row, columns in reading order."""
    t = fr.tabel()
    return t[["budget", "betalt", "aktive_resten", "nye", "ophoer", "forventet", "nedre",
              "oevre", "afvigelse", "forventet_antal"]].reset_index()


def expected_figure(fr: ForventetRegnskab):
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


def expected_alt(fr: ForventetRegnskab) -> str:
    s = fr.samlet
    worst = fr.linjer["afvigelse"].idxmax() if len(fr.linjer) else "–"
    return (f"Vandrette søjler pr. budgetlinje med budget og forventet regnskab for {fr.aar}, "
            f"opgjort {maaned(fr.opgjort)}. Samlet budget {mio_kr(s['budget'])}, forventet "
            f"{mio_kr(s['forventet'])} (usikkerhed {mio_kr(s['nedre'])} til "
            f"{mio_kr(s['oevre'])}). Største merforbrug: {worst}.")


def expected_by_month_figure(by_month: pd.DataFrame):
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


def expected_by_month_alt(by_month: pd.DataFrame) -> str:
    first, last = by_month.iloc[0], by_month.iloc[-1]
    return sentence(f"Linje med det forventede regnskab opgjort hver måned fra "
                f"{maaned(first['maaned'])} ({mio_kr(first['forventet'])}) til "
                f"{maaned(last['maaned'])} ({mio_kr(last['forventet'])}) mod et budget på "
                f"{mio_kr(last['budget'])}")


# --- deviations ---------------------------------------------------------------------------------


def waterfall_figure(v: pd.DataFrame, title: str = "Fra budget til forventet regnskab"):
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


def waterfall_alt(v: pd.DataFrame) -> str:
    s = v[["budget", "maengde", "pris", "mix", "forventet"]].sum()
    return sentence(f"Vandfaldsdiagram: budget {mio_kr(s['budget'])}, mængdeeffekt "
                f"{mio_kr(s['maengde'])}, priseffekt {mio_kr(s['pris'])}, mixeffekt "
                f"{mio_kr(s['mix'])}, forventet regnskab {mio_kr(s['forventet'])}")


def afvigelse_table(v: pd.DataFrame) -> pd.DataFrame:
    """A variance table with an 'I alt' row (the sum of the rows) for display."""
    total = v.sum(numeric_only=True)
    total["budget_enhedspris"] = total["budget"] / total["budget_antal"] if total[
        "budget_antal"] else np.nan
    total["forventet_enhedspris"] = total["forventet"] / total["forventet_antal"] if total[
        "forventet_antal"] else np.nan
    out = pd.concat([v, total.to_frame("I alt").T])
    out.index.name = v.index.name
    return out.reset_index()


def explanations(v: pd.DataFrame, causes: pd.DataFrame | None = None, n: int = 3,
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


def causes_table(causes: pd.DataFrame) -> pd.DataFrame:
    """The concrete causes for an intern working list (ids kept; dates and amounts)."""
    cols = ["linje", "aarsag", "effekt", "bevilling_id", "borger_id", "leverandoer",
            "startdato", "slutdato", "udgift", "helaarspersoner", "enhedspris",
            "budget_enhedspris"]
    return causes[cols]


# --- cost drivers --------------------------------------------------------------------------------


def cost_drivers_figure(cd: pd.DataFrame, linje: str = "I alt"):
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


def cost_drivers_alt(cd: pd.DataFrame, linje: str = "I alt") -> str:
    d = cd[cd["linje"] == linje]
    parts = []
    for r in d.itertuples():
        parts.append(f"{r.fra_aar}–{r.til_aar}: ændring {mio_kr(r.aendring)}, heraf flere "
                     f"borgere {mio_kr(r.flere_borgere)}, omfang pr. borger "
                     f"{mio_kr(r.omfang_pr_borger)}, priser {mio_kr(r.enhedspris)}")
    return sentence("Stablede søjler med udgiftsvæksten opdelt på drivere. " + "; ".join(parts))


def cost_drivers_table(cd: pd.DataFrame) -> pd.DataFrame:
    """Per line the drivers summed over all year steps (first to last year)."""
    keys = ["aendring", "flere_borgere", "omfang_pr_borger", "prisregulering", "reel_pris",
            "oevrigt"]
    out = cd.groupby("linje", sort=False)[keys].sum()
    return out.reindex(out["aendring"].abs().sort_values(ascending=False).index).reset_index()


# --- forecast -----------------------------------------------------------------------------------


def forecast_figure(frem: Fremskrivning, valgt: pd.DataFrame | None = None):
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


def forecast_alt(frem: Fremskrivning) -> str:
    fut = frem.samlet.dropna(subset=["basis"])
    if fut.empty:
        return "Fremskrivning uden fremtidige år."
    y = fut.index[0]
    r = fut.loc[y]
    return (f"Viftediagram over udgifterne til og med {frem.sidste_aar} og fremskrevet til "
            f"{fut.index[-1]}. I {y}: basis {mio_kr(r['basis'])}, lavt {mio_kr(r['lav'])}, højt "
            f"{mio_kr(r['hoej'])} (buffer {mio_kr(r['buffer'])}).")


# --- the month and scenario panel (intern) -------------------------------------------------------


def month_options(data: Data, year: int | None = None) -> list[tuple[str, pd.Timestamp]]:
    """(label, first day of month) for every month of the budget year with payments."""
    ref = B.reference_month(data)
    year = year or ref.year
    first = max(pd.Timestamp(year, 1, 1), data.betalinger["periode"].min().to_period(
        "M").to_timestamp())
    last = min(pd.Timestamp(year, 12, 1), ref)
    return [(maaned(m), m) for m in pd.date_range(first, last, freq="MS")]


def month_view(data: Data, month, ind: B.Indstillinger) -> tuple[B.ForventetRegnskab, list]:
    """The expected year-end at the end of `month` and its figures (figure, alt text)."""
    fr = B.expected_year_end(data, pd.Timestamp(month).year, month, ind)
    v = B.variance(B.differentiated_budget(data, fr.aar, ind), fr)
    return fr, [(expected_figure(fr), expected_alt(fr)),
                (waterfall_figure(v), waterfall_alt(v))]


def scenario_view(frem: B.Fremskrivning, antal_aendring: float, pris_aendring: float
                  ) -> tuple[pd.DataFrame, list]:
    """The forecast with a chosen extra yearly change in persons and prices, and its figure."""
    valgt = B.scenario(frem, antal_aendring, pris_aendring)
    return valgt, [(forecast_figure(frem, valgt), forecast_alt(frem))]


class Panel:
    """A month drop-down (expected year-end) and two sliders (forecast scenario).

    The forecast starts from the expected year-end of the chosen month (`budget.forecast`
    with that month's `ForventetRegnskab`), so the figure and the summary line agree.
    `panel.widget` is the box to display; `panel.forventet`, `panel.frem`, `panel.valgt` and
    `panel.figures` hold the latest results.
    """

    def __init__(self, data: Data, frem: B.Fremskrivning, ind: B.Indstillinger,
                 draw: bool = True):
        import ipywidgets as w

        self.data, self.ind, self.draw = data, ind, draw
        options = month_options(data)
        self.month = w.Dropdown(options=options, value=options[-1][1],
                                description="Opgjort ved udgangen af", style=control_style(),
                                layout=control_layout())
        # The forecast handed in is the one for the latest month; others are made on demand.
        self._forecasts = {options[-1][1]: frem}
        self.antal, self.pris = (
            w.FloatSlider(value=0.0, min=-0.05, max=0.10, step=0.005, description=label,
                          continuous_update=False)
            for label in ("Ekstra vækst i helårspersoner pr. år", "Ekstra reel prisvækst pr. år"))
        rows = [slider_row(s, lambda v: pct(v, 1)) for s in (self.antal, self.pris)]
        self.summary = w.HTML()
        self.output = w.Output()
        for control in (self.month, self.antal, self.pris):
            control.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([self.month, *rows, self.summary, self.output])
        self.update()

    def update(self) -> None:
        """Recompute from the widgets and redraw."""
        self.forventet, month_figs = month_view(self.data, self.month.value, self.ind)
        if self.month.value not in self._forecasts:
            self._forecasts[self.month.value] = B.forecast(self.data, self.ind, self.forventet)
        self.frem = self._forecasts[self.month.value]
        self.valgt, scen_figs = scenario_view(self.frem, self.antal.value, self.pris.value)
        self.figures = month_figs + scen_figs
        s = self.forventet.samlet
        future = self.valgt.dropna(subset=["basis"])
        last = future.iloc[-1] if len(future) else None
        self.summary.value = (
            f"<p><b>Forventet regnskab {mio_kr(s['forventet'])}</b> mod budget "
            f"{mio_kr(s['budget'])} (opgjort {maaned(self.forventet.opgjort)})"
            + (f"; valgt scenarie for {future.index[-1]} er {mio_kr(last['valgt'])}"
               if last is not None else ".") + "</p>")
        if self.draw:
            self.output.clear_output(wait=True)
            with self.output:
                for fig, alt in self.figures:
                    report.figure(fig, alt=alt)
        else:
            import matplotlib.pyplot as plt

            for fig, _ in self.figures:
                plt.close(fig)


# --- headline results ---------------------------------------------------------------------------


def headline_results(fr: ForventetRegnskab, samlet: pd.DataFrame, frem: Fremskrivning
                     ) -> dict[str, report.Headline]:
    """The expected year-end, its deviation split into mængde and pris (`samlet`: the
    variance of the whole area, `budget.variance(..., by="samlet")`) and next year's buffer,
    for `report.record_all`."""
    h = report.Headline
    naeste = frem.samlet.dropna(subset=["basis"]).iloc[0]
    return {
        "forventet_regnskab": h(fr.samlet["forventet"], "Forventet regnskab", "kr"),
        "budget": h(fr.samlet["budget"], "Budget", "kr"),
        "afvigelse": h(fr.samlet["afvigelse"], "Forventet afvigelse", "kr"),
        "afvigelse_maengde": h(samlet["maengde"].sum(), "Heraf mængde", "kr"),
        "afvigelse_pris": h(samlet["pris"].sum(), "Heraf pris", "kr"),
        "opgjort": h(fr.opgjort, "Opgjort for måneden", "dato"),
        "buffer_naeste_aar": h(naeste["buffer"], "Buffer næste budgetår", "kr"),
    }
