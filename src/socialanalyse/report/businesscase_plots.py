"""Figures, Danish text and the auditable Excel workbook for business cases (notebook 03).

Figures return matplotlib figures; `report.figure(fig, alt=...)` shows them. Each figure
function has a matching `*_alt` text. `konklusion` writes the plain-Danish conclusion;
`break_even_text` reads the break-even table aloud. `write_calculation_workbook` writes the
calculation with Excel formulas for discount factors and present values, so a controller can
audit it line by line; `excel_export` puts it in the run's excel/ folder (intern only).
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..businesscase import (
    BusinessCase,
    MonteCarloResultat,
    Resultat,
    assumptions_table,
    input_label,
)
from ..businesscase.model import Gevinst
from .files import atomic_path
from .format import kr, mio_kr, pct, tal
from .labels import overskrift
from .theme import axis_kr, axis_pct

COST_ALPHA = 0.55
_RATE_FIELDS = ("succesrate", "doedvaegt", "aftagning", "optimisme_tillaeg")
_MONEY_FIELDS = ("beloeb", "pris")


# --- small formatting helpers -----------------------------------------------------------------


def input_value_text(path: str, value: float | None) -> str:
    """An input's value for reading: rates as %, amounts in kr., the rest as numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    field = path.split(".")[-1]
    if field in _RATE_FIELDS:
        return pct(value, 1)
    if field in _MONEY_FIELDS:
        return _amount(value)
    return tal(value, 0 if float(value).is_integer() else 1)


_DEFINITE = {
    "beloeb": "beløbet", "pris": "prisen", "antal": "antallet af enheder", "deles_af": "antallet, der deler",
    "succesrate": "succesraten", "doedvaegt": "dødvægten", "varighed": "varigheden",
    "aftagning": "aftagningen", "fra_aar": "startåret", "til_aar": "slutåret",
}


def input_phrase(case: BusinessCase, path: str) -> str:
    """An input in a Danish sentence: 'succesraten for »Undgået anbringelse af 3 børn«'."""
    parts = path.split(".")
    if parts == ["optimisme_tillaeg"]:
        return "optimismetillægget på udgifterne"
    if parts == ["horisont"]:
        return "horisonten"
    if parts[0] == "borgergrupper":
        group = case.borgergrupper[parts[1]]
        return f"antallet af {group.beskrivelse or parts[1]}"
    line = getattr(case, parts[0])[parts[1]]
    return f"{_DEFINITE.get(parts[2], parts[2])} for »{line.navn}«"


def _join(parts: list[str]) -> str:
    """Sentences joined with spaces, without the double full stop after 'kr.'."""
    return " ".join(parts).replace("kr..", "kr.")


def _amount(x: float) -> str:
    """Money for prose: '11,5 mio. kr.' from one million, else '650.000 kr.'."""
    return mio_kr(x) if abs(x) >= 1e6 else kr(x)


def _year_text(res: Resultat, t: int) -> str:
    """'år 2 (2028)' with a start year, else 'år 2' (år 0 is the first year)."""
    if res.case.startaar is not None:
        return f"år {t} ({res.case.startaar + t})"
    return f"år {t}"


def _year_labels(res: Resultat) -> list[str]:
    if res.case.startaar is not None:
        return [str(res.case.startaar + t) for t in res.aarlig["aar"]]
    return [f"År {t}" for t in res.aarlig["aar"]]


# --- figures ----------------------------------------------------------------------------------


def flows_figure(res: Resultat):
    """Stacked bars of each year's gains (up) and costs (down) by payer, with the net as dots."""
    table = res.linjer.pivot_table(
        index="aar", columns=["betaler", "type"], values="beloeb", aggfunc="sum", fill_value=0.0
    )
    payers = list(dict.fromkeys(res.linjer["betaler"]))
    colours = dict(zip(payers, plt.get_cmap("tab10").colors))
    labels = _year_labels(res)
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
    return _join([
        (f"Stablede søjler med udgifter (nedad) og gevinster (opad) pr. år og betaler over "
        f"{len(res.aarlig)} år. Netto i første år {_amount(first['netto'])}, i sidste år "
        f"{_amount(last['netto'])}.")
    ])


def cumulative_figure(res: Resultat):
    """The cumulative present value over the years, with the payback year marked."""
    labels = _year_labels(res)
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
        else f"er positiv fra {_year_text(res, res.tilbagebetalingsaar)}"
    )
    return (
        f"Kurve over den akkumulerede nutidsværdi år for år; den ender på "
        f"{_amount(res.nutidsvaerdi)} og {when}."
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
    return _join([
        (f"Tornadodiagram over nutidsværdien, når hvert usikkert input sættes til sin lave og høje "
        f"værdi. Størst betydning har {top['navn']}: fra "
        f"{_amount(top['nutidsvaerdi_lav'])} til {_amount(top['nutidsvaerdi_hoej'])}.")
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
    return _join([
        (f"Histogram over nutidsværdien i {tal(mc.n)} simuleringer. Nutidsværdien er positiv i "
        f"{pct(mc.sandsynlighed_for_gevinst, 0)} af dem; 90 % ligger mellem "
        f"{_amount(mc.percentil(5))} og {_amount(mc.percentil(95))}.")
    ])


# --- text -------------------------------------------------------------------------------------


def break_even_text(res: Resultat) -> pd.DataFrame:
    """The break-even table for reading: input, casens værdi, nulpunkt and a Danish sentence."""
    rows = []
    for row in res.break_even.itertuples():
        base = input_value_text(row.input, row.grundvaerdi)
        group = row.input.startswith("borgergrupper.")
        what = res.case.borgergrupper[row.input.split(".")[1]].beskrivelse if group else ""
        if row.retning == "uafhængig":
            text = "Nutidsværdien afhænger ikke af dette input."
        elif row.retning == "proportional":
            sign = "betaler sig" if res.nutidsvaerdi > 0 else "betaler sig ikke"
            text = f"Alle linjer skalerer med antallet: casen {sign} uanset antal."
        elif not row.mulig:
            pays_anyway = (row.retning == "mindst" and row.nulpunkt < 0) or (
                row.retning == "højst" and row.nulpunkt > 1 and not group)
            text = ("Casen betaler sig uanset værdien." if pays_anyway
                    else "Casen kan ikke betale sig for nogen mulig værdi.")
        elif group:
            text = f"Casen betaler sig ved {row.retning} {tal(int(row.afrundet))} {what}."
        else:
            text = (f"Casen betaler sig, når {input_phrase(res.case, row.input)} er "
                    f"{row.retning} {input_value_text(row.input, row.nulpunkt)}.")
        rows.append({"input": row.navn, "casens_vaerdi": base,
                     "nulpunkt": input_value_text(row.input, row.nulpunkt), "betydning": text})
    return pd.DataFrame(rows, columns=["input", "casens_vaerdi", "nulpunkt", "betydning"])


def konklusion(
    res: Resultat, mc: MonteCarloResultat | None = None, sens: pd.DataFrame | None = None
) -> str:
    """A plain-Danish conclusion (Markdown) of a case's result, uncertainty and key input."""
    case = res.case
    years = len(res.aarlig)
    verdict = "betaler sig" if res.nutidsvaerdi >= 0 else "betaler sig ikke"
    parts = [
        (f"**{case.navn}** {verdict} over {years} år: nutidsværdien er "
         f"{_amount(res.nutidsvaerdi)} (gevinster {_amount(res.nutidsvaerdi_gevinster)} mod "
         f"udgifter {_amount(res.nutidsvaerdi_udgifter)}, i nutidsværdi).")
    ]
    if res.tilbagebetalingsaar is None:
        parts.append("Investeringen er ikke tjent hjem inden for horisonten.")
    elif res.tilbagebetalingsaar == 0:
        parts.append("Gevinsterne er større end udgifterne allerede i det første år.")
    else:
        parts.append(
            f"Investeringen er tjent hjem i {_year_text(res, res.tilbagebetalingsaar)}, "
            f"dvs. i det {res.tilbagebetalingsaar + 1}. år."
        )
    levels = res.pr_niveau.set_index("niveau")["nutidsvaerdi"]
    if len(levels) > 1 and "kommune" in levels:
        others = ", ".join(f"{n} {_amount(v)}" for n, v in levels.items() if n != "kommune")
        parts.append(f"For kommunen alene er nutidsværdien {_amount(levels['kommune'])} ({others}).")
    payers = res.pr_betaler
    if len(payers) > 1:
        losers = payers[payers["nutidsvaerdi"] < 0]
        winners = payers[payers["nutidsvaerdi"] > 0]
        if len(losers) and len(winners):
            parts.append(
                f"Udgiften ligger hos {', '.join(losers['betaler'])}, mens gevinsten høstes hos "
                f"{', '.join(winners['betaler'])}: set under ét er det en gevinst, men budgetterne "
                "skal følge med, hvis den skal kunne ses i afdelingernes regnskaber."
            )
    be = res.break_even[res.break_even["retning"].isin(["mindst", "højst"])
                        & res.break_even["mulig"]]
    sentences = break_even_text(res).set_index("input")["betydning"]
    for row in be.itertuples():
        parts.append(sentences[row.navn])
    if sens is not None and len(sens):
        top = sens.iloc[0]
        parts.append(
            f"Resultatet er mest følsomt for {input_phrase(case, top['input'])}: i det lave og "
            f"det høje skøn bliver nutidsværdien {_amount(top['nutidsvaerdi_lav'])} og "
            f"{_amount(top['nutidsvaerdi_hoej'])}."
        )
    if mc is not None:
        parts.append(
            f"Når de usikre forudsætninger varieres samtidig ({tal(mc.n)} simuleringer), betaler "
            f"casen sig i {pct(mc.sandsynlighed_for_gevinst, 0)} af tilfældene; i 90 % af dem "
            f"ligger nutidsværdien mellem {_amount(mc.percentil(5))} og "
            f"{_amount(mc.percentil(95))}."
        )
    parts.append("Tallene bygger på casens kilde og antagelser, som er vist ovenfor.")
    return _join(parts)


# --- Excel ------------------------------------------------------------------------------------


def line_formula_text(case: BusinessCase, section: str, key: str) -> str:
    """How a line's yearly amount is computed, in Danish: 'pris 330 kr. × antal 68 × 43 beboere …'."""
    line = getattr(case, section)[key]
    parts = [f"beløb {kr(line.beloeb)}" if line.beloeb is not None
             else f"pris {kr(line.pris)} × antal {tal(line.antal, 2).rstrip('0').rstrip(',')}"]
    if line.borgere is not None:
        group = case.borgergrupper[line.borgere]
        parts.append(f"{tal(group.antal, 1).removesuffix(',0')} {group.beskrivelse or line.borgere}")
    if line.deles_af != 1:
        parts.append(f"1/{tal(line.deles_af, 1).removesuffix(',0')} (deles)")
    if isinstance(line, Gevinst):
        parts.append(f"(succesrate {pct(line.succesrate)} − dødvægt {pct(line.doedvaegt)})")
        if line.varighed is not None:
            parts.append(f"fuld effekt i {tal(line.varighed, 1).removesuffix(',0')} år, "
                         f"derefter −{pct(line.aftagning, 0)} pr. år")
    elif case.optimisme_tillaeg:
        parts.append(f"(1 + optimismetillæg {pct(case.optimisme_tillaeg)})")
    return " × ".join(parts)


def write_calculation_workbook(
    res: Resultat,
    path: str | Path,
    sens: pd.DataFrame | None = None,
    mc: MonteCarloResultat | None = None,
) -> Path:
    """Write the calculation to an .xlsx a controller can audit line by line.

    Sheets: 'Forudsætninger' (source, assumptions, the lines' inputs); 'Beregning' (one row per
    line and payer with its yearly amounts; discount rate per year; discount factors as
    formulas =previous/(1+rate); each row's present value as =SUMPRODUCT(amounts; factors);
    net, present value and cumulative present value per year as formulas; the total NPV);
    'Pr. betaler' (present value per payer as =SUMIF over Beregning); optionally 'Følsomhed'
    and 'Monte Carlo'. Amounts: costs negative, gains positive.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter as col

    case = res.case
    path = Path(path)
    money = '#,##0 "kr.";-#,##0 "kr."'
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    wb = Workbook()

    # Forudsætninger
    ws = wb.active
    ws.title = "Forudsætninger"
    meta = [
        ("Business case", case.navn),
        ("Kommune (eksempel)", case.kommune),
        ("Scenarie", res.scenarie or "casens egne værdier"),
        ("Kilde", " ".join(case.kilde.split())),
        ("Antagelser", " ".join(case.antagelser.split())),
        ("Horisont", f"{case.horisont} år (år 0 til år {case.horisont - 1}); år 0 diskonteres ikke"),
        ("Diskontering", "faktor(t) = faktor(t−1) / (1 + rente(t)); Finansministeriets trin"
         if case.diskontering is None else "faktor(t) = faktor(t−1) / (1 + rente(t)); casens egne trin"),
        ("Optimismetillæg på udgifter", case.optimisme_tillaeg),
    ]
    for name, value in meta:
        ws.append([name, value])
        ws.cell(ws.max_row, 1).font = bold
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(len(meta), 2).number_format = "0.0%"
    ws.append([])
    table = assumptions_table(case)
    header_row = ws.max_row + 1
    ws.append([overskrift(c) for c in table.columns])
    for cell in ws[header_row]:
        cell.font, cell.fill = bold, fill
    for row in table.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and math.isnan(v)) else v for v in row])
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 45

    # Beregning
    ws = wb.create_sheet("Beregning")
    years = list(res.aarlig["aar"])
    first_year_col = 7  # G
    last_col = first_year_col + len(years) - 1
    pv_col = last_col + 1
    ycol = [col(first_year_col + i) for i in range(len(years))]
    ws.append(["Linje", "Type", "Betaler", "Niveau", "Andel", "Beregning"]
              + [f"År {t}" + (f" ({case.startaar + t})" if case.startaar else "") for t in years]
              + ["Nutidsværdi"])
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    line_rows = []
    grouped = res.linjer.groupby(["type", "linje_id", "betaler_id"], sort=False)
    for (kind, key, _payer), part in grouped:
        section = "udgifter" if kind == "udgift" else "gevinster"
        first = part.iloc[0]
        r = ws.max_row + 1
        ws.append([first["linje"], kind, first["betaler"], first["niveau"], float(first["andel"]),
                   line_formula_text(case, section, key)]
                  + [float(v) for v in part.sort_values("aar")["beloeb"]] + [None])
        line_rows.append(r)
    last_line = ws.max_row
    rate_row, factor_row = last_line + 2, last_line + 3
    net_row, pv_row, cum_row = last_line + 4, last_line + 5, last_line + 6
    ws.cell(rate_row, 1, "Diskonteringsrente")
    ws.cell(factor_row, 1, "Diskonteringsfaktor")
    ws.cell(net_row, 1, "Netto (gevinster − udgifter)")
    ws.cell(pv_row, 1, "Nutidsværdi af netto")
    ws.cell(cum_row, 1, "Akkumuleret nutidsværdi")
    for i, letter in enumerate(ycol):
        ws[f"{letter}{rate_row}"] = float(res.aarlig["diskonteringsrente"].iloc[i])
        ws[f"{letter}{rate_row}"].number_format = "0.0%"
        if i == 0:
            ws[f"{letter}{factor_row}"] = 1
        else:
            ws[f"{letter}{factor_row}"] = f"={ycol[i - 1]}{factor_row}/(1+{letter}{rate_row})"
        ws[f"{letter}{factor_row}"].number_format = "0.000000"
        ws[f"{letter}{net_row}"] = f"=SUM({letter}2:{letter}{last_line})"
        ws[f"{letter}{pv_row}"] = f"={letter}{net_row}*{letter}{factor_row}"
        ws[f"{letter}{cum_row}"] = (f"={letter}{pv_row}" if i == 0
                                    else f"={ycol[i - 1]}{cum_row}+{letter}{pv_row}")
        for r in (net_row, pv_row, cum_row):
            ws[f"{letter}{r}"].number_format = money
    factors = f"${ycol[0]}${factor_row}:${ycol[-1]}${factor_row}"
    pv_letter = col(pv_col)
    for r in line_rows:
        ws[f"{pv_letter}{r}"] = f"=SUMPRODUCT({ycol[0]}{r}:{ycol[-1]}{r},{factors})"
        ws[f"{pv_letter}{r}"].number_format = money
        for letter in ycol:
            ws[f"{letter}{r}"].number_format = money
        ws[f"E{r}"].number_format = "0%"
    total_row = cum_row + 2
    ws.cell(total_row, 1, "Nutidsværdi i alt").font = bold
    ws[f"{pv_letter}{total_row}"] = f"=SUM({pv_letter}2:{pv_letter}{last_line})"
    ws[f"{pv_letter}{total_row}"].number_format = money
    ws[f"{pv_letter}{total_row}"].font = bold
    ws.cell(total_row + 1, 1, "Kontrol: summen af nutidsværdien pr. år")
    ws[f"{pv_letter}{total_row + 1}"] = f"=SUM({ycol[0]}{pv_row}:{ycol[-1]}{pv_row})"
    ws[f"{pv_letter}{total_row + 1}"].number_format = money
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["F"].width = 60
    for letter in ycol + [pv_letter]:
        ws.column_dimensions[letter].width = 15
    ws.freeze_panes = "B2"

    # Pr. betaler
    ws = wb.create_sheet("Pr. betaler")
    ws.append(["Betaler", "Udvalg", "Niveau", "Nutidsværdi"])
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for row in res.pr_betaler.itertuples():
        r = ws.max_row + 1
        ws.append([row.betaler, row.udvalg, row.niveau,
                   (f"=SUMIF(Beregning!$C$2:$C${last_line},A{r},"
                    f"Beregning!${pv_letter}$2:${pv_letter}${last_line})")])
        ws[f"D{r}"].number_format = money
    for letter, width in zip("ABCD", (40, 36, 12, 18)):
        ws.column_dimensions[letter].width = width

    if sens is not None and len(sens):
        ws = wb.create_sheet("Følsomhed")
        cols = ["navn", "lav", "hoej", "nutidsvaerdi_lav", "nutidsvaerdi_hoej", "spaend"]
        ws.append(["Input", "Lav værdi", "Høj værdi", "Nutidsværdi ved lav", "Nutidsværdi ved høj",
                   "Spænd"])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for row in sens[cols].itertuples(index=False):
            ws.append(list(row))
            for letter in "DEF":
                ws[f"{letter}{ws.max_row}"].number_format = money
        ws.column_dimensions["A"].width = 50
    if mc is not None:
        ws = wb.create_sheet("Monte Carlo")
        ws.append(["Percentil", "Nutidsværdi"])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for row in mc.percentiler.itertuples(index=False):
            ws.append([f"{row.percentil} %", float(row.nutidsvaerdi)])
            ws[f"B{ws.max_row}"].number_format = money
        ws.append(["Sandsynlighed for gevinst", mc.sandsynlighed_for_gevinst])
        ws[f"B{ws.max_row}"].number_format = "0.0%"
        ws.append(["Antal simuleringer", mc.n])
        ws.append(["Seed", mc.seed])
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 18

    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def excel_export(
    res: Resultat,
    name: str,
    sens: pd.DataFrame | None = None,
    mc: MonteCarloResultat | None = None,
) -> Path | None:
    """Write the auditable workbook to the run's excel/ folder (intern only) and show where.

    In byraad mode nothing is written and a note says so (returns None).
    """
    from .display import _display_html
    from .session import current

    session = current()
    if session.byraad:
        _display_html('<p class="sa-note">Excel-filen med beregningen laves kun ved intern '
                      "brug (publikum \"intern\").</p>")
        return None
    path = write_calculation_workbook(res, session.output_dir / "excel" / f"{name}.xlsx", sens, mc)
    shown = f"../excel/{path.name}" if session.run_dir is not None else str(path)
    _display_html(f'<p class="sa-note">Beregningen i Excel (med formler): '
                  f'<a href="{shown}">{path.name}</a></p>')
    return path


def input_labels(case: BusinessCase) -> dict[str, str]:
    """Danish labels of the case's uncertain inputs (for widgets and tables)."""
    return {path: input_label(case, path) for path in case.usikkerhed}


# --- notebook helpers: intro, display tables, headline results --------------------------------


def case_intro(case: BusinessCase) -> str:
    """The case's title, description, source and assumptions as Markdown."""
    where = f" ({case.kommune} Kommune)" if case.kommune else ""
    parts = [f"**{case.navn}**{where}."]
    if case.beskrivelse:
        parts.append(" ".join(case.beskrivelse.split()))
    parts.append(f"\n\n*Kilde:* {' '.join(case.kilde.split())}")
    parts.append(f"\n\n*Antagelser:* {' '.join(case.antagelser.split())}")
    parts.append(
        f"\n\n*Beregning:* {case.horisont} år (år 0 er første år og diskonteres ikke), faste "
        "priser, diskonteringsrente "
        + ("efter Finansministeriet (3,5 % i år 0–35, 2,5 % i år 36–70)" if case.diskontering
           is None else "efter casens egne trin")
        + (f", optimismetillæg på udgifterne {pct(case.optimisme_tillaeg, 0)}"
           if case.optimisme_tillaeg else "") + "."
    )
    return " ".join(parts[:2]) + "".join(parts[2:])


def _mask(value: float | None, diskretion: int | None) -> object:
    if value is None or diskretion is None or isinstance(value, str):
        return value
    return f"<{diskretion}" if 0 < value < diskretion else value


def data_values_table(table: pd.DataFrame, diskretion: int | None = None) -> pd.DataFrame:
    """`businesscase.data_values` for reading: values formatted by kind, counts of citizens
    below `diskretion` (byråd) shown as '<5'."""
    rows = []
    for row in table.itertuples():
        group = row.input.startswith("borgergrupper.")
        fmt = (lambda v, row=row, group=group: _mask(v, diskretion) if group and isinstance(
            _mask(v, diskretion), str) else input_value_text(row.input, v))
        rows.append({"input": row.navn, "maal": row.maal, "paragraf": row.paragraf,
                     "aar": row.aar, "grundlag": row.grundlag, "casens_skabelon": fmt(row.skabelon),
                     "kommunens_tal": fmt(row.fra_data) if row.anvendes else "ingen data",
                     "anvendes": row.anvendes})
    return pd.DataFrame(rows, columns=["input", "maal", "paragraf", "aar", "grundlag",
                                       "casens_skabelon", "kommunens_tal", "anvendes"])


def assumptions_display(case: BusinessCase, diskretion: int | None = None) -> pd.DataFrame:
    """`businesscase.assumptions_table` for reading: amounts in kr., rates in %, empty cells
    dropped; numbers of citizens below `diskretion` (byråd) shown as '<5'."""
    table = assumptions_table(case)
    out = pd.DataFrame({"type": table["type"], "linje": table["linje"], "art": table["art"]})
    out["beloeb_eller_pris"] = [
        kr(b) if b is not None and not pd.isna(b) else f"{kr(p)} × {tal(a, 2).rstrip('0').rstrip(',')}"
        for b, p, a in zip(table["beloeb"], table["pris"], table["antal"])
    ]
    out["antal_borgere"] = [
        "" if v is None or pd.isna(v) else (m if isinstance(m := _mask(v, diskretion), str)
                                            else tal(v, 0 if float(v).is_integer() else 1))
        for v in table["antal_borgere"]
    ]
    out["deles_af"] = ["" if v == 1 else tal(v, 1).removesuffix(",0") for v in table["deles_af"]]
    out["succesrate"] = ["" if pd.isna(v) else pct(v) for v in table["succesrate"]]
    out["doedvaegt"] = ["" if pd.isna(v) else pct(v) for v in table["doedvaegt"]]
    out["effekt"] = [
        "" if v is None or pd.isna(v) else f"{tal(v, 1).removesuffix(',0')} år, så −{pct(a, 0)}/år"
        for v, a in zip(table["varighed_aar"], table["aftagning"])
    ]
    out["aar"] = table["aar"]
    out["betaler"] = table["betaler"]
    return out.loc[:, [c for c in out.columns if (out[c] != "").any()]]


def headline_table(res: Resultat, mc: MonteCarloResultat | None = None) -> pd.DataFrame:
    """The headline figures as a two-column table (nøgletal, værdi) for reading."""
    rows = [
        ("Nutidsværdi i alt", _amount(res.nutidsvaerdi)),
        ("Heraf kommunen", _amount(res.nutidsvaerdi_kommune)),
        ("Udgifter (nutidsværdi)", _amount(res.nutidsvaerdi_udgifter)),
        ("Gevinster (nutidsværdi)", _amount(res.nutidsvaerdi_gevinster)),
        ("Gevinst pr. krone", "–" if res.gevinst_pr_krone is None
         else f"{tal(res.gevinst_pr_krone, 2)} kr."),
        ("Tilbagebetalt", "ikke inden for horisonten" if res.tilbagebetalingsaar is None
         else _year_text(res, res.tilbagebetalingsaar)),
    ]
    if mc is not None:
        rows.append(("Sandsynlighed for gevinst", pct(mc.sandsynlighed_for_gevinst, 0)))
        rows.append(("90 %-interval for nutidsværdien",
                     f"{_amount(mc.percentil(5))} til {_amount(mc.percentil(95))}"))
    return pd.DataFrame(rows, columns=["noegletal", "vaerdi"])


def headline_results(
    res: Resultat, mc: MonteCarloResultat | None = None
) -> tuple[dict, dict[str, str], dict[str, str]]:
    """Headline results for `report.record_all`: (values, labels, units)."""
    values = {
        "case": res.case.id,
        "scenarie": res.scenarie or "casens værdier",
        "horisont": res.case.horisont,
        "nutidsvaerdi": res.nutidsvaerdi,
        "nutidsvaerdi_kommune": res.nutidsvaerdi_kommune,
        "nutidsvaerdi_udgifter": res.nutidsvaerdi_udgifter,
        "nutidsvaerdi_gevinster": res.nutidsvaerdi_gevinster,
        "tilbagebetalingsaar": res.tilbagebetalingsaar,
        "nulpunkter": {
            row.input: row.nulpunkt for row in res.break_even.itertuples()
            if row.retning in ("mindst", "højst") and row.mulig
        },
    }
    labels = {
        "case": "Business case", "scenarie": "Scenarie", "horisont": "Horisont (år)",
        "nutidsvaerdi": "Nutidsværdi", "nutidsvaerdi_kommune": "Nutidsværdi for kommunen",
        "nutidsvaerdi_udgifter": "Udgifter (nutidsværdi)",
        "nutidsvaerdi_gevinster": "Gevinster (nutidsværdi)",
        "tilbagebetalingsaar": "Tilbagebetalt i år (år 0 = første år)",
        "nulpunkter": "Nulpunkter (break-even)",
    }
    units = {"nutidsvaerdi": "mio_kr", "nutidsvaerdi_kommune": "mio_kr",
             "nutidsvaerdi_udgifter": "mio_kr", "nutidsvaerdi_gevinster": "mio_kr",
             "horisont": "tal", "case": "tekst", "scenarie": "tekst"}
    if mc is not None:
        values |= {"sandsynlighed_for_gevinst": mc.sandsynlighed_for_gevinst,
                   "nutidsvaerdi_p5": mc.percentil(5), "nutidsvaerdi_p95": mc.percentil(95),
                   "simuleringer": mc.n}
        labels |= {"sandsynlighed_for_gevinst": "Sandsynlighed for gevinst",
                   "nutidsvaerdi_p5": "Nutidsværdi, 5 %-percentil",
                   "nutidsvaerdi_p95": "Nutidsværdi, 95 %-percentil",
                   "simuleringer": "Antal simuleringer"}
        units |= {"sandsynlighed_for_gevinst": "pct", "nutidsvaerdi_p5": "mio_kr",
                  "nutidsvaerdi_p95": "mio_kr", "simuleringer": "tal"}
    return values, labels, units
