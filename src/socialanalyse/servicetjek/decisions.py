"""Reading the filled-in review lists back from Excel: the one I/O of servicetjek.

Kept apart from the pure computations (review.py, history.py): `read_decisions` (one list)
and `read_decision_folder` (every meeting's lists) only find the sheets and header rows, read
the cells and hand them to `validate_decisions` and `history.combine_decisions`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..config import Parametre
from ..data import Data
from .history import Beslutninger, Gennemgangsliste, combine_decisions
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


def review_sheets(path: str | os.PathLike, sheet: str | None = None):
    """The review lists in one Excel file: (sheet name, frame, where) for every sheet (or
    just `sheet`) with a bevilling_id and a beslutning column in a header row near the top.

    `frame` holds the sheet's columns under their snake_case names plus `raekke` (the Excel
    row); blank rows are dropped. `where` names each column as in Excel ("K (Beslutning)").
    Raises BeslutningsFejl for a missing or unreadable file or sheet.
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
    if sheet and sheet not in workbook.sheetnames:
        names = ", ".join(workbook.sheetnames)
        workbook.close()
        raise BeslutningsFejl(f"Arket '{sheet}' findes ikke i {path.name}; arkene er: {names}.",
                              [(None, None, "arket findes ikke")])
    found = []
    for name in [sheet] if sheet else workbook.sheetnames:
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
                where = {k: f"{get_column_letter(i + 1)} ({header[i]})"
                         for i, k in enumerate(keys) if k}
                found.append((name, frame[~blank], where))
                break
    workbook.close()
    return found


def read_decisions(path: str | os.PathLike, data: Data | None = None,
                   sheet: str | None = None) -> pd.DataFrame:
    """Read the review list the myndighed has filled in and validate the decisions.

    Finds the sheet (`sheet`, else the first one with both a bevilling_id and a beslutning
    column) and its header row (within the first rows), accepts headings as written by
    report.excel ('Bevilling-ID', 'Ny enhedspris') or in snake_case, and returns the rows
    checked by `validate_decisions`. Raises BeslutningsFejl in Danish naming the row and
    column (Excel letter and heading) of every problem. Blank rows are skipped; rows without a
    decision are kept with an empty beslutning (realized_savings counts them as pending).
    A folder of filled lists from several meetings: `read_decision_folder`.
    """
    found = review_sheets(path, sheet)
    if not found:
        raise BeslutningsFejl(
            f"Der er ingen gennemgangsliste i {Path(path).name}: intet ark har kolonnerne "
            "'Bevilling-ID' og 'Beslutning' i de første rækker.",
            [(None, None, "ingen gennemgangsliste")])
    _, frame, where = found[0]
    return validate_decisions(frame, data, where)


def decision_folder(params: Parametre, chosen: str | os.PathLike | None = None) -> Path | None:
    """The decisions folder a run reads: `chosen` (notebook 01's parameter `beslutninger`)
    when set, else servicetjek.beslutninger; a relative path is from the project root. None
    when neither is set (no decisions yet)."""
    value = chosen if chosen is not None else params.servicetjek.beslutninger
    if value is None or str(value).strip() == "":
        return None
    path = Path(value)
    return path if path.is_absolute() else params.root / path


def read_decision_folder(folder: str | os.PathLike, data: Data) -> Beslutninger:
    """Read every filled review list in `folder` (each .xlsx file, every sheet with the review
    columns, so also the meeting pack) and combine them (`history.combine_decisions`): the
    latest decision per grant, and what was decided more than once, for grants that no longer
    exist, or differently on the same date. A single .xlsx file is read the same way. The
    files are only read. Raises BeslutningsFejl naming file, sheet, row and column of every
    problem in any file, or when the folder does not exist."""
    folder = Path(folder)
    if folder.is_file():
        files = [folder]
    elif folder.is_dir():
        # Excel's lock files (~$navn.xlsx) lie beside a workbook that is open.
        files = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
    else:
        raise BeslutningsFejl(
            f"Mappen med beslutninger {folder} findes ikke. Opret den, eller ret "
            "servicetjek.beslutninger i kommunens parameterfil.",
            [(None, None, "mappen findes ikke")])
    lists, problems, messages = [], [], []
    for path in files:
        try:
            found = review_sheets(path)
        except BeslutningsFejl as exc:
            messages.append(str(exc))
            problems += exc.problemer
            continue
        if not found:
            messages.append(f"{path.name}: intet ark har kolonnerne 'Bevilling-ID' og "
                            "'Beslutning' i de første rækker.")
            problems.append((None, None, f"{path.name}: ingen gennemgangsliste"))
        for name, frame, where in found:
            try:
                lists.append(Gennemgangsliste(path.name, name, validate_decisions(frame, None, where),
                                              frame))
            except BeslutningsFejl as exc:
                messages.append(f"{path.name}, arket '{name}': {exc}")
                problems += exc.problemer
    if messages:
        raise BeslutningsFejl(
            f"De udfyldte gennemgangslister i {folder} kan ikke bruges:\n" + "\n".join(messages),
            problems)
    return combine_decisions(lists, data)
