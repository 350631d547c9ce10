"""Figures of notebook 03_business_case, each with its alt text (`*_alt`); `report.figure(fig,
alt=...)` shows them."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ...businesscase import MonteCarloResultat, Resultat
from ...report.format import amount, pct, sentences, tal
from ...report.theme import axis_kr, axis_pct
from .text import input_value_text, year_labels, year_text

COST_ALPHA = 0.55


def flows_figure(res: Resultat):
    """Stacked bars of each year's gains (up) and costs (down) by payer, with the net as dots."""
    table = res.linjer.pivot_table(
        index="aar", columns=["betaler", "type"], values="beloeb", aggfunc="sum", fill_value=0.0
    )
    payers = list(dict.fromkeys(res.linjer["betaler"]))
    colours = dict(zip(payers, plt.get_cmap("tab10").colors))
    labels = year_labels(res)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 4.8))
    up = np.zeros(len(x))
    down = np.zeros(len(x))
    for payer in payers:
        for kind in ("gevinst", "udgift"):
            if (payer, kind) not in table.columns:
                continue
            values = table[(payer, kind)].to_numpy()
            if not np.any(values):
                continue
            bottom = up if kind == "gevinst" else down
            ax.bar(x, values, bottom=bottom, color=colours[payer],
                   alpha=1.0 if kind == "gevinst" else COST_ALPHA,
                   hatch=None if kind == "gevinst" else "//", edgecolor="white",
                   label=f"{payer}: {'gevinster' if kind == 'gevinst' else 'udgifter'}")
            if kind == "gevinst":
                up = up + values
            else:
                down = down + values
    ax.plot(x, res.aarlig["netto"], "o", color="black", label="Netto")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, labels, rotation=0 if len(x) <= 12 else 90)
    ax.set_title("Udgifter og gevinster pr. år og betaler", loc="left")
    ax.grid(axis="x", visible=False)
    axis_kr(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    return fig


def flows_alt(res: Resultat) -> str:
    """Alt text for `flows_figure`."""
    first, last = res.aarlig.iloc[0], res.aarlig.iloc[-1]
    return sentences([
        (f"Stablede søjler med udgifter (nedad) og gevinster (opad) pr. år og betaler over "
        f"{len(res.aarlig)} år. Netto i første år {amount(first['netto'])}, i sidste år "
        f"{amount(last['netto'])}.")
    ])


def cumulative_figure(res: Resultat):
    """The cumulative present value over the years, with the payback year marked."""
    labels = year_labels(res)
    values = res.aarlig["akkumuleret_nutidsvaerdi"].to_numpy()
    fig, ax = plt.subplots(figsize=(9, 3.8))
    ax.plot(labels, values, marker="o", color="#1f4e79")
    ax.fill_between(labels, values, 0, where=values < 0, color="#c0504d", alpha=0.15,
                    interpolate=True)
    ax.fill_between(labels, values, 0, where=values >= 0, color="#4f81bd", alpha=0.15,
                    interpolate=True)
    ax.axhline(0, color="black", linewidth=0.8)
    if res.tilbagebetalingsaar is not None:
        t = res.tilbagebetalingsaar
        ax.axvline(t, color="grey", linestyle="--", linewidth=1)
        ax.annotate("tilbagebetalt", (t, values[t]), textcoords="offset points", xytext=(6, -14))
    ax.set_title("Akkumuleret nutidsværdi", loc="left")
    ax.grid(axis="x", visible=False)
    if len(labels) > 12:
        ax.tick_params(axis="x", rotation=90)
    axis_kr(ax)
    return fig


def cumulative_alt(res: Resultat) -> str:
    """Alt text for `cumulative_figure`."""
    when = (
        "bliver aldrig positiv inden for horisonten" if res.tilbagebetalingsaar is None
        else f"er positiv fra {year_text(res, res.tilbagebetalingsaar)}"
    )
    return (
        f"Kurve over den akkumulerede nutidsværdi år for år; den ender på "
        f"{amount(res.nutidsvaerdi)} og {when}."
    )


def tornado_figure(sens: pd.DataFrame):
    """Tornado: the net present value with each input at its low and high value (widest on top)."""
    data = sens.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(data) + 1.6))
    if data.empty:
        ax.text(0.5, 0.5, "Casen har ingen usikre input", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    base = float(data["nutidsvaerdi_grund"].iloc[0])
    y = np.arange(len(data))
    low = data["nutidsvaerdi_lav"].to_numpy() - base
    high = data["nutidsvaerdi_hoej"].to_numpy() - base
    ax.barh(y, low, left=base, color="#c0504d", label="Lav værdi af input")
    ax.barh(y, high, left=base, color="#4f81bd", label="Høj værdi af input")
    for i, row in data.iterrows():
        for value, npv in ((row["lav"], row["nutidsvaerdi_lav"]),
                           (row["hoej"], row["nutidsvaerdi_hoej"])):
            ax.annotate(input_value_text(row["input"], value), (npv, i), va="center",
                        ha="left" if npv >= base else "right", fontsize="small",
                        textcoords="offset points", xytext=(4 if npv >= base else -4, 0))
    ax.axvline(base, color="black", linewidth=1)
    ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yticks(y, [textwrap.fill(name, 38) for name in data["navn"]])
    ax.set_title("Hvad betyder mest for nutidsværdien?", loc="left")
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    axis_kr(ax, "x")
    ax.margins(x=0.15)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def tornado_alt(sens: pd.DataFrame) -> str:
    """Alt text for `tornado_figure`."""
    if sens.empty:
        return "Tom figur: casen har ingen usikre input."
    top = sens.iloc[0]
    return sentences([
        (f"Tornadodiagram over nutidsværdien, når hvert usikkert input sættes til sin lave og høje "
        f"værdi. Størst betydning har {top['navn']}: fra "
        f"{amount(top['nutidsvaerdi_lav'])} til {amount(top['nutidsvaerdi_hoej'])}.")
    ])


def monte_carlo_figure(mc: MonteCarloResultat):
    """Histogram of the simulated net present values, losses in red, 5 % and 95 % marked."""
    values = mc.nutidsvaerdi
    fig, ax = plt.subplots(figsize=(9, 4))
    spread = float(values.max() - values.min())
    if spread <= 1e-9 * max(1.0, abs(float(values.mean()))):
        ax.axvline(values[0], color="#1f4e79", linewidth=3)
    else:
        counts, edges = np.histogram(values, bins=60)
        centres = (edges[:-1] + edges[1:]) / 2
        colours = np.where(centres < 0, "#c0504d", "#4f81bd")
        ax.bar(centres, counts / len(values), width=np.diff(edges), color=colours,
               edgecolor="white", linewidth=0.3)
    for p, style in ((5, ":"), (95, ":")):
        ax.axvline(mc.percentil(p), color="grey", linestyle=style, linewidth=1)
        ax.annotate(f"{p} %", (mc.percentil(p), 0.98), xycoords=("data", "axes fraction"),
                    ha="center", va="top", fontsize="small",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.axvline(0, color="black", linewidth=1)
    ax.set_title(
        f"Sandsynlighed for gevinst: {pct(mc.sandsynlighed_for_gevinst, 0)} "
        f"({tal(mc.n)} simuleringer)", loc="left")
    ax.set_ylabel("Andel af simuleringerne")
    ax.grid(axis="x", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    axis_kr(ax, "x")
    axis_pct(ax, "y", 1)
    return fig


def monte_carlo_alt(mc: MonteCarloResultat) -> str:
    """Alt text for `monte_carlo_figure`."""
    return sentences([
        (f"Histogram over nutidsværdien i {tal(mc.n)} simuleringer. Nutidsværdien er positiv i "
        f"{pct(mc.sandsynlighed_for_gevinst, 0)} af dem; 90 % ligger mellem "
        f"{amount(mc.percentil(5))} og {amount(mc.percentil(95))}.")
    ])
