"""Figures for notebook 00_datagrundlag (return matplotlib figures; `report.figure` shows them)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .format import pct
from .theme import axis_kr, axis_pct


def spending_per_year_figure(per_year: pd.DataFrame):
    """Bars of payments per calendar year (`datagrundlag.spending_per_year`); partial years
    (fewer than 12 months of payments) are drawn lighter and labelled with their months."""
    fig, ax = plt.subplots(figsize=(8, 4))
    colours = ["#1f4e79" if full else "#9db4cc" for full in per_year["helt_aar"]]
    labels = [
        str(year) if full else f"{year}\n({months} mdr.)"
        for year, full, months in zip(per_year["aar"], per_year["helt_aar"], per_year["maaneder"])
    ]
    ax.bar(labels, per_year["udgift"], color=colours)
    ax.set_title("Udgift pr. år", loc="left")
    ax.set_xlabel("")
    ax.set_ylabel("Udbetalt")
    ax.grid(axis="x", visible=False)
    axis_kr(ax)
    return fig


def provider_type_figure(by_type: pd.DataFrame, aar: int | None = None):
    """Horizontal bars of each provider type's share of spending
    (`datagrundlag.spending_by_provider_type`), largest first, labelled with the share."""
    data = by_type.sort_values("andel", ascending=True)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.barh(data["leverandoertype"], data["andel"], color="#1f4e79")
    for y, share in enumerate(data["andel"]):
        ax.text(share, y, f" {pct(share, 0)}", va="center")
    ax.set_title("Andel af udgiften pr. leverandørtype" + (f" ({aar})" if aar else ""), loc="left")
    ax.set_xlim(0, max(float(data["andel"].max() or 0) * 1.15, 0.1))
    ax.grid(axis="y", visible=False)
    axis_pct(ax, "x")
    return fig
