"""Excel workbooks for internal use: one sheet per table, Danish headings and number formats.

Number formats are stored the Excel way ('#,##0 "kr."'); Excel shows them with the reader's
locale, so a Danish Excel shows 1.234.567 kr. and 12,5 %.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .files import atomic_path
from .labels import overskrift

FORMATS = {
    "kr": '#,##0 "kr."',
    "kr2": '#,##0.00 "kr."',
    "tal": "#,##0",
    "decimal": "#,##0.0",
    "pct": "0.0%",
    "dato": "dd-mm-yyyy",
    "tekst": "@",
}
# Name fragments that mark amounts in kr and shares, for columns without an explicit format.
_MONEY_WORDS = ("beloeb", "udgift", "pris", "takst", "tillaeg", "omkostning", "besparelse",
                "budget", "kr", "loen", "gevinst", "investering", "afvigelse", "forbrug")
_SHARE_WORDS = ("andel", "pct", "procent")
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
    words = str(name).lower().split("_")
    if any(w in _SHARE_WORDS for w in words):
        return FORMATS["pct"]
    if any(any(w.startswith(m) for m in _MONEY_WORDS) for w in words) and not (
        words and words[0] == "antal"
    ):
        return FORMATS["kr"]
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


def write_workbook(
    tables: Mapping[str, pd.DataFrame], path: str | os.PathLike,
    formats: Mapping[str, str] | None = None, *,
    valg: Mapping[str, Sequence[str]] | None = None,
    ombryd: Mapping[str, int] | None = None,
) -> Path:
    """Write tables to an .xlsx file (pure I/O helper behind `report.excel`).

    One sheet per table (key = sheet name), Danish headings (`labels.overskrift`), number
    formats per column (`column_format`), bold frozen header row, autofilter, column widths
    from the content (10–60 characters). `valg`: column name -> allowed values, given as a
    drop-down on the column's cells (for columns colleagues fill in); `ombryd`: column name
    -> width, with the text wrapped. Written to a temp file, then renamed into place, so a
    file at `path` is always complete.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    if not tables:
        raise ValueError("Der er ingen tabeller at skrive til Excel.")
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    for name, df in tables.items():
        frame = df.to_frame() if isinstance(df, pd.Series) else df
        if not isinstance(frame.index, pd.RangeIndex) or any(
            n is not None for n in frame.index.names
        ):
            frame = frame.reset_index()
        sheet = workbook.create_sheet(sheet_title(name, used))
        columns = list(frame.columns)
        sheet.append([overskrift(c) for c in columns])
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        fmts = [column_format(str(c), frame[c], formats) for c in columns]
        widths = [len(overskrift(c)) + 2 for c in columns]
        for row in frame.itertuples(index=False, name=None):
            values = [_cell_value(v) for v in row]
            sheet.append(values)
            for i, value in enumerate(values):
                widths[i] = max(widths[i], _display_width(value, fmts[i]))
        for i, fmt in enumerate(fmts, start=1):
            letter = get_column_letter(i)
            if fmt:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = fmt
            sheet.column_dimensions[letter].width = min(max(widths[i - 1] + 2, 10), 60)
        last = len(frame) + 1
        for i, c in enumerate(columns, start=1):
            cells = f"{get_column_letter(i)}2:{get_column_letter(i)}{last}"
            if valg and c in valg and len(frame):
                allowed = ", ".join(valg[c])
                rule = DataValidation(
                    type="list", formula1='"' + ",".join(valg[c]) + '"', allow_blank=True,
                    showErrorMessage=True, errorTitle="Ugyldig værdi",
                    error=f"Vælg en af: {allowed} (eller lad feltet stå tomt).")
                rule.add(cells)
                sheet.add_data_validation(rule)
            if ombryd and c in ombryd:
                sheet.column_dimensions[get_column_letter(i)].width = ombryd[c]
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
        if columns:
            sheet.auto_filter.ref = (
                f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"
            )
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


def excel(
    tables: Mapping[str, pd.DataFrame], name: str, formats: Mapping[str, str] | None = None,
    *, valg: Mapping[str, Sequence[str]] | None = None, ombryd: Mapping[str, int] | None = None,
) -> Path | None:
    """Write an Excel workbook for internal use and show where it is.

    `tables`: sheet name -> DataFrame; `name`: file name without .xlsx; `formats`: column name
    -> 'kr', 'kr2', 'tal', 'decimal', 'pct', 'dato', 'tekst' or a raw Excel number format;
    `valg`, `ombryd`: drop-downs and wrapped columns, as in `write_workbook`.
    Written to <run_dir>/excel/<name>.xlsx (interactive: output/<kommune>/interaktiv/excel/).
    In byraad mode nothing is written (the byråd gets aggregates only) and a note says so;
    returns None then, else the file's path.
    """
    from .display import _display_html
    from .session import current

    session = current()
    if session.byraad:
        _display_html(
            '<p class="sa-note">Excel-filen laves kun ved intern brug (publikum "intern"); '
            "byrådsrapporten viser kun samlede tal.</p>"
        )
        return None
    stem = re.sub(r"[^\w\-. ]", "_", name).strip() or "tabeller"
    path = write_workbook(tables, session.output_dir / "excel" / f"{stem}.xlsx", formats,
                          valg=valg, ombryd=ombryd)
    if session.run_dir is not None:
        # Relative link from the run's html/ folder, where the exported report lies.
        link = f"../excel/{path.name}"
        _display_html(
            f'<p class="sa-note">Hele listen i Excel: <a href="{link}">{path.name}</a></p>'
        )
    else:
        _display_html(f'<p class="sa-note">Excel-filen er gemt i {path}</p>')
    return path
