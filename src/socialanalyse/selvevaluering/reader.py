"""Reading the filled-in questionnaire back from Excel: the one I/O function of selvevaluering.

Kept apart from the pure check (questionnaire.validate_answers), as servicetjek keeps reading
its review list (decisions.py) apart from checking it: `read_questionnaire` finds the two
sheets and their header rows, reads the cells and hands them to `validate_answers`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..data.formats import header_key
from .questionnaire import (
    ARK,
    DELOITTE,
    KL,
    PARAMETER,
    SVARKOLONNE,
    SelvevalueringsFejl,
    problem_lines,
    validate_answers,
)

#: How many rows from the top to look for the header row (a title may sit above it).
HEADER_SEARCH_ROWS = 10


def answers_file(params, besvarelse: str | None = None) -> Path | None:
    """The filled-in questionnaire: `besvarelse` (a notebook's parameter) or else the
    parameter selvevaluering.besvarelse, with {kommune} replaced by the municipality's slug
    and a relative path taken from the project folder; None when neither is set."""
    name = besvarelse or params.selvevaluering.besvarelse
    if not name:
        return None
    path = Path(str(name).replace("{kommune}", params.kommune))
    return path if path.is_absolute() else params.root / path


def missing_file_problem(params, besvarelse: str | None = None) -> str | None:
    """A Danish problem text when the filled-in questionnaire is named but does not exist
    (for the run's plan, before anything runs), else None."""
    path = answers_file(params, besvarelse)
    if path is None or path.is_file():
        return None
    text = (f"den udfyldte selvevaluering {path} findes ikke. Ret stien, eller sæt den til "
            "null for en kørsel uden besvarelse.")
    if besvarelse:
        return f"--parameter 10_selvevaluering:besvarelse: {text}"
    from ..config import key_error

    line = str(key_error(params, [(tuple(PARAMETER.split(".")), text)])).splitlines()[1]
    return line.strip().removeprefix("- ")


def _header(rows: list[list], answer_column: str) -> int | None:
    """The index of the header row (with ID and the answer column) among the first rows."""
    for h, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {header_key(c) for c in row if c is not None}
        if "id" in keys and header_key(answer_column) in keys:
            return h
    return None


def _cell(row: list, index: dict[str, int], canonical: str):
    i = index.get(header_key(canonical))
    return row[i] if i is not None and i < len(row) else None


def read_questionnaire(path: str | os.PathLike) -> pd.DataFrame:
    """Read the questionnaire the municipality has filled in and check the answers.

    Finds the sheets KL-anbefalinger and Deloitte-spørgsmål by name (or, if renamed, the
    first sheet whose header row has ID and Status, resp. ID and Svar) and their header rows
    within the first rows; headings may be written as report.excel writes them ('Status') or
    in snake_case. Blank rows are skipped. Returns `validate_answers`' frame (id, kilde, nr,
    svar, kommentar, ark, raekke). Raises SelvevalueringsFejl in Danish naming the file and
    every problem's sheet, row and column (Excel letter and heading).
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if not path.is_file():
        raise SelvevalueringsFejl(f"Selvevalueringen {path} findes ikke.",
                                  [(None, None, None, "filen findes ikke")])
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a non-.xlsx file
        raise SelvevalueringsFejl(
            f"Selvevalueringen {path} kan ikke læses som en Excel-fil (.xlsx): {exc}",
            [(None, None, None, "ikke en Excel-fil")]) from None
    try:
        sheets = {name: [list(r) for r in workbook[name].iter_rows(values_only=True)]
                  for name in workbook.sheetnames}
    finally:
        workbook.close()

    frames, where, problems = [], {}, []
    for kilde in (KL, DELOITTE):
        answer = SVARKOLONNE[kilde]
        wanted = ARK[kilde]
        candidates = [wanted] if wanted in sheets else [
            n for n in sheets if _header(sheets[n], answer) is not None][:1]
        name = candidates[0] if candidates else None
        h = _header(sheets[name], answer) if name else None
        if name is None:
            problems.append((wanted, None, None, "arket mangler (arkene i filen er: "
                             + ", ".join(f"'{n}'" for n in sheets) + ")"))
            continue
        if h is None:
            problems.append((name, None, None, (
                "arket har ikke kolonnerne 'ID' og "
                f"'{answer.capitalize()}' i de første {HEADER_SEARCH_ROWS} rækker")))
            continue
        rows = sheets[name]
        header = rows[h]
        keys = [header_key(c) if c is not None else "" for c in header]
        index = {k: i for i, k in reversed(list(enumerate(keys))) if k}
        for canonical in ("id", answer, "kommentar"):
            if header_key(canonical) in index:
                i = index[header_key(canonical)]
                where[(name, canonical)] = f"{get_column_letter(i + 1)} ({header[i]})"

        records = []
        for offset, row in enumerate(rows[h + 1:]):
            values = [_cell(row, index, c) for c in ("id", answer, "kommentar")]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            # Excel rows are 1-based: the header is row h + 1, data start at h + 2.
            records.append({"id": values[0], "svar": values[1], "kommentar": values[2],
                            "ark": name, "raekke": h + 2 + offset})
        frames.append(pd.DataFrame(records, columns=["id", "svar", "kommentar", "ark", "raekke"]))
    if problems:
        raise SelvevalueringsFejl(
            f"Selvevalueringen {path.name} kan ikke bruges:\n" + problem_lines(problems), problems)
    return validate_answers(pd.concat(frames, ignore_index=True), where, fil=path.name)
