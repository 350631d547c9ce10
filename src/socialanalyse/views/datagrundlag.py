"""What notebook 00_datagrundlag shows: the overview in prose, figures of spending per year and
per provider type (each with its alt text) and the headline results. The numbers come from
socialanalyse.datagrundlag."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .. import report
from ..datagrundlag import Overblik
from ..report.theme import axis_kr, axis_pct

SPENDING_PER_YEAR_ALT = "Søjlediagram over den samlede udgift pr. kalenderår i perioden."
PROVIDER_TYPE_ALT = ("Vandrette søjler med hver leverandørtypes andel af udgiften i det seneste "
                     "hele år.")


def overview_text(o: Overblik, navn: str) -> str:
    """The period and size of the extract in Danish prose (Markdown); counts of citizens and
    grants are marked (and suppressed for the byråd) with `report.antal_borgere`/_bevillinger."""
    return (
        f"**{navn}**: Betalingerne dækker {report.maaned(o.foerste_maaned)} til "
        f"{report.dato_lang(o.opgoerelsesdato)}. I perioden har "
        f"{report.antal_borgere(o.antal_borgere)} borgere haft i alt "
        f"{report.antal_bevillinger(o.antal_bevillinger)} bevillinger. På opgørelsesdatoen er "
        f"{report.antal_bevillinger(o.aktive_bevillinger)} bevillinger aktive hos "
        f"{report.antal_borgere(o.antal_borgere_aktive)} borgere. Udgiften var "
        f"{report.mio_kr(o.udgift_seneste_aar)} i {o.seneste_hele_aar}, det seneste hele år."
    )


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
        ax.text(share, y, f" {report.pct(share, 0)}", va="center")
    ax.set_title("Andel af udgiften pr. leverandørtype" + (f" ({aar})" if aar else ""), loc="left")
    ax.set_xlim(0, max(float(data["andel"].max() or 0) * 1.15, 0.1))
    ax.grid(axis="y", visible=False)
    axis_pct(ax, "x")
    return fig


def headline_results(o: Overblik) -> dict[str, report.Headline]:
    """The overview's figures for `report.record_all`, with labels and the kind of every count."""
    h = report.Headline
    return {
        "antal_borgere": h(o.antal_borgere, "Borgere med bevilling i perioden", "borgere"),
        "antal_bevillinger": h(o.antal_bevillinger, None, "bevillinger"),
        "aktive_bevillinger": h(o.aktive_bevillinger, "Aktive bevillinger", "bevillinger"),
        "antal_borgere_aktive": h(o.antal_borgere_aktive, "Borgere med aktiv bevilling",
                                  "borgere"),
        "antal_leverandoerer": h(o.antal_leverandoerer, None, "tal"),
        "foerste_maaned": h(o.foerste_maaned, "Første måned med betalinger"),
        "opgoerelsesdato": h(o.opgoerelsesdato, "Opgørelsesdato"),
        "seneste_hele_aar": h(o.seneste_hele_aar, None, "aar"),
        "udgift_seneste_aar": h(o.udgift_seneste_aar, f"Udgift {o.seneste_hele_aar}"),
    }
