"""Reading the filled-in review list back from Excel: the one I/O function of servicetjek.

Kept apart from the pure computations (review.py): `read_decisions` only finds the sheet and
the header row, reads the cells and hands them to `validate_decisions`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..data import Data
from .review import BeslutningsFejl, validate_decisions

#: How many rows from the top to look for the header row (a title may sit above it).
HEADER_SEARCH_ROWS = 10


def normalise_heading(text: object) -> str:
    """A heading as written in Excel back to its snake_case name: 'Bevilling-ID' ->
    'bevilling_id', 'Ny årlig udgift' -> 'ny_aarlig_udgift', 'Beslutning (uændret/...)' ->
    'beslutning'."""
    s = str(text).strip().lower()
    s = re.sub(r"\(.*?\)", "", s)
    s = s.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s


def read_decisions(path: str | os.PathLike, data: Data | None = None,
                   sheet: str | None = None) -> pd.DataFrame:
    """Read the review list the myndighed has filled in and validate the decisions.

    Finds the sheet (`sheet`, else the first one with both a bevilling_id and a beslutning
    column) and its header row (within the first rows), accepts headings as written by
    report.excel ('Bevilling-ID', 'Ny enhedspris') or in snake_case, and returns the rows
    checked by `validate_decisions`. Raises BeslutningsFejl in Danish naming the row and
    column (Excel letter and heading) of every problem. Blank rows are skipped; rows without a
    decision are kept with an empty beslutning (realized_savings counts them as pending).
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise BeslutningsFejl(f"Filen {path} findes ikke.", [(None, None, "filen findes ikke")])
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a non-.xlsx file
        raise BeslutningsFejl(f"Filen {path} kan ikke læses som en Excel-fil (.xlsx): {exc}",
                              [(None, None, "ikke en Excel-fil")]) from None
    names = [sheet] if sheet else workbook.sheetnames
    if sheet and sheet not in workbook.sheetnames:
        raise BeslutningsFejl(
            f"Arket '{sheet}' findes ikke i {path.name}; arkene er: {', '.join(workbook.sheetnames)}.",
            [(None, None, "arket findes ikke")])
    for name in names:
        rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
        for h, header in enumerate(rows[:HEADER_SEARCH_ROWS]):
            keys = [normalise_heading(c) if c is not None else "" for c in header]
            if "bevilling_id" in keys and "beslutning" in keys:
                body = rows[h + 1:]
                width = len(keys)
                frame = pd.DataFrame([(r + [None] * width)[:width] for r in body], columns=keys,
                                     dtype=object)
                frame = frame.loc[:, [k != "" for k in keys]]
                frame = frame.loc[:, ~frame.columns.duplicated()]
                # Excel row numbers: header on row h+1 (1-based), data from h+2.
                frame["raekke"] = range(h + 2, h + 2 + len(frame))
                blank = frame.drop(columns="raekke").map(
                    lambda v: v is None or (isinstance(v, str) and not v.strip())).all(axis=1)
                frame = frame[~blank]
                where = {k: f"{get_column_letter(i + 1)} ({header[i]})"
                         for i, k in enumerate(keys) if k}
                workbook.close()
                return validate_decisions(frame, data, where)
    workbook.close()
    raise BeslutningsFejl(
        f"Der er ingen gennemgangsliste i {path.name}: intet ark har kolonnerne "
        "'Bevilling-ID' og 'Beslutning' i de første rækker.",
        [(None, None, "ingen gennemgangsliste")])
