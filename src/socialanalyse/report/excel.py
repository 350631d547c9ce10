"""Excel workbooks for internal use, all written the same way: Danish headings in a bold,
shaded header row, number formats the Excel way ('#,##0 "kr."', which a Danish Excel shows as
1.234.567 kr.), saved atomically (`files.atomic_path`) into the run's excel/ folder, intern
only, with a link in the report (`publish`).

Two kinds: tables, one sheet each (`write_workbook`, `excel`), and the business case's
calculation with live formulas a controller can audit (`write_calculation_workbook`,
`calculation_excel`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .files import atomic_path
from .format import kr, pct, tal
from .labels import guess_unit, heading
from .outputs import EXCEL_DIR

if TYPE_CHECKING:  # the business case's types, for the calculation workbook's signature
    from ..businesscase import BusinessCase, MonteCarloResultat, Resultat

FORMATS = {
    "kr": '#,##0 "kr."',
    "kr2": '#,##0.00 "kr."',
    "tal": "#,##0",
    "decimal": "#,##0.0",
    "pct": "0.0%",
    "dato": "dd-mm-yyyy",
    "tekst": "@",
}
#: Amounts in the calculation workbook: costs are negative.
SIGNED_KR = '#,##0 "kr.";-#,##0 "kr."'
HEADER_FILL = "DDE6F0"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def column_format(name: str, series: pd.Series, formats: Mapping[str, str] | None = None) -> str | None:
    """The Excel number format for a column: from `formats` (a key of FORMATS or a raw Excel
    format), else by dtype and name (dates dd-mm-yyyy; years '0'; amounts '#,##0 "kr."';
    shares '0.0%'; integers '#,##0'; other numbers '#,##0.0'). None for text."""
    if formats and name in formats:
        return FORMATS.get(formats[name], formats[name])
    if pd.api.types.is_datetime64_any_dtype(series):
        return FORMATS["dato"]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return None
    from .display import is_year_column

    if is_year_column(name, series):
        return "0"
    unit = guess_unit(name)
    if unit is not None:
        return FORMATS[unit]
    if pd.api.types.is_integer_dtype(series):
        return FORMATS["tal"]
    values = series.dropna()
    if len(values) and np.all(np.isclose(values, values.round())):
        return FORMATS["tal"]
    return FORMATS["decimal"]


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no []:*?/\\)."""
    base = _BAD_SHEET_CHARS.sub("-", str(name)).strip("'") or "Ark"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _cell_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, np.bool_):
        return "ja" if value else "nej"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (str, int, float, dt.date, dt.datetime)):
        return value
    return str(value)


def _display_width(value: object, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    if isinstance(value, (int, float)):
        digits = len(f"{abs(value):,.0f}") + (4 if fmt and "kr" in fmt else 0)
        return digits + (2 if fmt == FORMATS["decimal"] or fmt == FORMATS["pct"] else 0) + 1
    return len(str(value))


def new_workbook():
    """An empty openpyxl workbook (its default sheet removed)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def style_header(cells, *, wrap: bool = False) -> None:
    """The header look of every workbook: bold on a light blue fill (wrapped at the top when
    `wrap`, for table headings)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    font, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for cell in cells:
        cell.font, cell.fill = font, fill
        if wrap:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def save(workbook, path: str | os.PathLike) -> Path:
    """Save a workbook atomically: a file at `path` is always complete."""
    path = Path(path)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


def write_workbook(
    tables: Mapping[str, pd.DataFrame], path: str | os.PathLike,
    formats: Mapping[str, str] | None = None, *,
    valg: Mapping[str, Sequence[str]] | None = None,
    ombryd: Mapping[str, int] | None = None,
) -> Path:
    """Write tables to an .xlsx file (pure I/O helper behind `report.excel`).

    One sheet per table (key = sheet name), Danish headings (`labels.heading`), number
    formats per column (`column_format`), bold frozen header row, autofilter, column widths
    from the content (10–60 characters). `valg`: column name -> allowed values, given as a
    drop-down on the column's cells (for columns colleagues fill in); `ombryd`: column name
    -> width, with the text wrapped. Written to a temp file, then renamed into place, so a
    file at `path` is always complete.

    Written in openpyxl's write-only mode (rows streamed to the file, a column's style shared
    by its cells): a review list at København size (7.000 rows x 24 columns) takes a fraction
    of the CPU the normal mode needs, with the same content and formatting.
    """
    from openpyxl import Workbook

    if not tables:
        raise ValueError("Der er ingen tabeller at skrive til Excel.")
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for name, df in tables.items():
        frame = df.to_frame() if isinstance(df, pd.Series) else df
        if not isinstance(frame.index, pd.RangeIndex) or any(
            n is not None for n in frame.index.names
        ):
            frame = frame.reset_index()
        _write_sheet(workbook.create_sheet(sheet_title(name, used)), frame, formats, valg or {},
                     ombryd or {})
    return save(workbook, path)


def _numpy_kind(series: pd.Series) -> str:
    """The NumPy dtype kind of a column ('i', 'u', 'f', 'b', …); '' for pandas' own dtypes
    (nullable, arrow, categorical), whose values are converted one by one."""
    return series.dtype.kind if isinstance(series.dtype, np.dtype) else ""


def _column_values(series: pd.Series) -> list:
    """A column's cell values, as `_cell_value` gives them for each value of the column:
    converted for the whole column where its dtype allows (NumPy numbers and booleans, whose
    values are Python ints and floats, NaN as None, booleans as ja/nej), else value by value."""
    kind = _numpy_kind(series)
    if kind in ("i", "u", "f"):
        values = series.to_numpy()
        if values.dtype.kind == "f":
            cells = values.astype(object)
            cells[np.isnan(values)] = None
            return cells.tolist()
        return values.tolist()
    if kind == "b":
        return np.where(series.to_numpy(), "ja", "nej").tolist()
    if _all_text(series):
        return series.tolist()
    return [_cell_value(v) for v in series]


def _all_text(series: pd.Series) -> bool:
    """Whether every value of an object column is a str (cells as they are)."""
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string"


def _column_width(series: pd.Series, values: list, fmt: str | None) -> int:
    """The widest `_display_width` of a column's values. For NumPy numbers only the largest
    and the smallest finite value count (the width grows with the magnitude), and an infinity
    if there is one ('inf')."""
    if _numpy_kind(series) in ("i", "u", "f") and len(series):
        numbers = series.to_numpy()
        finite = numbers[np.isfinite(numbers)] if numbers.dtype.kind == "f" else numbers
        widest = [finite.max().item(), finite.min().item()] if len(finite) else []
        if len(finite) < len(numbers) and np.isinf(numbers).any():
            widest.append(float("inf"))
        return max((_display_width(v, fmt) for v in widest), default=0)
    if _all_text(series):
        return max(map(len, values), default=0)
    return max((_display_width(v, fmt) for v in values), default=0)


def _write_sheet(sheet, frame: pd.DataFrame, formats: Mapping[str, str] | None,
                 valg: Mapping[str, Sequence[str]], ombryd: Mapping[str, int]) -> None:
    """One table on a write-only sheet: what concerns the whole sheet (column widths, frozen
    header, filter, drop-downs) before the rows, which are written once. Values and widths
    are worked out per column (`_column_values`, `_column_width`)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = list(frame.columns)
    fmts = [column_format(str(c), frame[c], formats) for c in columns]
    series = [frame.iloc[:, i] for i in range(len(columns))]
    values = [_column_values(s) for s in series]
    widths = [max(len(heading(c)) + 2, _column_width(s, v, f))
              for c, s, v, f in zip(columns, series, values, fmts)]
    # A template cell per styled column: its cells share the template's style.
    templates: list[WriteOnlyCell | None] = []
    last = len(frame) + 1
    for i, c in enumerate(columns, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = (
            ombryd[c] if c in ombryd else min(max(widths[i - 1] + 2, 10), 60))
        template = None
        if fmts[i - 1] or c in ombryd:
            template = WriteOnlyCell(sheet)
            if fmts[i - 1]:
                template.number_format = fmts[i - 1]
            if c in ombryd:
                template.alignment = Alignment(wrap_text=True, vertical="top")
        templates.append(template)
        if c in valg and len(frame):
            allowed = ", ".join(valg[c])
            rule = DataValidation(
                type="list", formula1='"' + ",".join(valg[c]) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="Ugyldig værdi",
                error=f"Vælg en af: {allowed} (eller lad feltet stå tomt).")
            rule.add(f"{letter}2:{letter}{last}")
            sheet.data_validations.append(rule)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last, 1)}"
    header = [WriteOnlyCell(sheet, heading(c)) for c in columns]
    style_header(header, wrap=True)
    sheet.append(header)
    sheet._values_to_row = _styled_cells(sheet, [t._style if t else None for t in templates])
    for row in zip(*values):
        sheet.append(row)


def _styled_cells(sheet, styles: list):
    """The cells of a data row as openpyxl's write-only `_values_to_row` makes them, but a
    cell of a styled column made once with its column's style (also an empty one: a colleague
    fills some in) instead of a cell handed to openpyxl, which first fails to take it as a
    value (formatting an error message for every such cell) and then makes a spare cell.
    The style is shared, not copied: it is set after the value (which may set a date format
    on the cell's own style) and nothing changes it afterwards."""
    from openpyxl.cell import Cell, WriteOnlyCell

    def values_to_row(values, row_idx):
        cell = WriteOnlyCell(sheet)
        for col_idx, (value, style) in enumerate(zip(values, styles), 1):
            if style is not None:
                styled = Cell(sheet, row=row_idx, column=col_idx, value=value)
                styled._style = style
                yield styled
                continue
            if value is None:
                continue
            cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell.has_style:  # a date in a text column got its own date format
                cell = WriteOnlyCell(sheet)

    return values_to_row


def publish(write: Callable[[Path], Path], name: str, *, link_text: str,
            byraad_note: str) -> Path | None:
    """Write a workbook of the current session into its excel/ folder and say where it is.

    `write(path)` writes the file; `name` is the file name without .xlsx. In byraad mode
    nothing is written (the byråd gets aggregates only) and `byraad_note` is shown instead;
    returns None then, else the file's path. In a run the report links to the file
    (`link_text` before the link); in interactive use it names the path.
    """
    from .display import _display_html
    from .session import current

    session = current()
    if session.byraad:
        _display_html(f'<p class="sa-note">{byraad_note}</p>')
        return None
    stem = re.sub(r"[^\w\-. ]", "_", name).strip() or "tabeller"
    path = write(session.output_dir / EXCEL_DIR / f"{stem}.xlsx")
    if session.run_dir is not None:
        # Relative link from the run's html/ folder, where the exported report lies.
        link = f"../{EXCEL_DIR}/{path.name}"
        _display_html(f'<p class="sa-note">{link_text} <a href="{link}">{path.name}</a></p>')
    else:
        _display_html(f'<p class="sa-note">Excel-filen er gemt i {path}</p>')
    return path


def excel(
    tables: Mapping[str, pd.DataFrame], name: str, formats: Mapping[str, str] | None = None,
    *, valg: Mapping[str, Sequence[str]] | None = None, ombryd: Mapping[str, int] | None = None,
) -> Path | None:
    """Write an Excel workbook of tables for internal use and show where it is.

    `tables`: sheet name -> DataFrame; `name`: file name without .xlsx; `formats`: column name
    -> 'kr', 'kr2', 'tal', 'decimal', 'pct', 'dato', 'tekst' or a raw Excel number format;
    `valg`, `ombryd`: drop-downs and wrapped columns, as in `write_workbook`.
    Written to <run_dir>/excel/<name>.xlsx (interactive: output/<kommune>/interaktiv/excel/).
    In byraad mode nothing is written and a note says so; returns None then, else the path.
    """
    return publish(
        lambda path: write_workbook(tables, path, formats, valg=valg, ombryd=ombryd), name,
        link_text="Hele listen i Excel:",
        byraad_note='Excel-filen laves kun ved intern brug (publikum "intern"); '
                    "byrådsrapporten viser kun samlede tal.")


# --- the business case's calculation, with formulas --------------------------------------------


def line_formula_text(case: BusinessCase, section: str, key: str) -> str:
    """How a line's yearly amount is computed, in Danish: 'pris 330 kr. × antal 68 × 43 beboere …'."""
    from ..businesscase.model import Gevinst

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
    """Write a business case's calculation to an .xlsx a controller can audit line by line.

    Sheets: 'Forudsætninger' (source, assumptions, the lines' inputs); 'Beregning' (one row per
    line and payer with its yearly amounts; discount rate per year; discount factors as
    formulas =previous/(1+rate); each row's present value as =SUMPRODUCT(amounts; factors);
    net, present value and cumulative present value per year as formulas; the total NPV);
    'Pr. betaler' (present value per payer as =SUMIF over Beregning); optionally 'Følsomhed'
    and 'Monte Carlo'. Amounts: costs negative, gains positive.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter as col

    from ..businesscase import assumptions_table

    case = res.case
    money = SIGNED_KR
    bold = Font(bold=True)
    wb = new_workbook()

    # Forudsætninger
    ws = wb.create_sheet("Forudsætninger")
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
    ws.append([heading(c) for c in table.columns])
    style_header(ws[header_row])
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
    style_header(ws[1])
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
    style_header(ws[1])
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
        style_header(ws[1])
        for row in sens[cols].itertuples(index=False):
            ws.append(list(row))
            for letter in "DEF":
                ws[f"{letter}{ws.max_row}"].number_format = money
        ws.column_dimensions["A"].width = 50
    if mc is not None:
        ws = wb.create_sheet("Monte Carlo")
        ws.append(["Percentil", "Nutidsværdi"])
        style_header(ws[1])
        for row in mc.percentiler.itertuples(index=False):
            ws.append([f"{row.percentil} %", float(row.nutidsvaerdi)])
            ws[f"B{ws.max_row}"].number_format = money
        ws.append(["Sandsynlighed for gevinst", mc.sandsynlighed_for_gevinst])
        ws[f"B{ws.max_row}"].number_format = "0.0%"
        ws.append(["Antal simuleringer", mc.n])
        ws.append(["Seed", mc.seed])
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 18
    return save(wb, path)


def calculation_excel(
    res: Resultat,
    name: str,
    sens: pd.DataFrame | None = None,
    mc: MonteCarloResultat | None = None,
) -> Path | None:
    """Write the business case's auditable workbook (`write_calculation_workbook`) to the run's
    excel/ folder (intern only) and link to it, as `excel` does for tables."""
    return publish(
        lambda path: write_calculation_workbook(res, path, sens, mc), name,
        link_text="Beregningen i Excel (med formler):",
        byraad_note='Excel-filen med beregningen laves kun ved intern brug (publikum "intern").')
