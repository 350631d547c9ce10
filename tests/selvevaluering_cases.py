"""The self-evaluation questionnaire for tests: written with report.write_workbook into a
temporary folder and filled in with openpyxl as a user would (no committed binary).

Not a test module. `FILLED` are answers chosen to disagree with what the sample's data say
(the data, with the example serviceniveau taken out of the parameters: no serviceniveau, the
budget split on price and quantity, occupancy of own offers within the target band) and to
agree elsewhere; `write_filled(path)` writes the questionnaire filled in with them.
"""

from __future__ import annotations

from openpyxl import load_workbook

from socialanalyse import report
from socialanalyse import selvevaluering as S

#: question id -> (answer, comment): disagreeing with the sample's data on D10, D21, KL2, KL3
#: and KL7; agreeing on D25 and KL11; D5 'Nej' is what only 2 of Deloitte's 14 answered.
FILLED: dict[str, tuple[str | None, str | None]] = {
    "D10": ("Ja", "Vedtaget i byrådet 2024"),
    "D21": ("Ja", None),
    "D25": ("Høj", None),
    "D5": ("Nej", "Intet visitationsudvalg endnu"),
    "KL1": ("Påbegyndt", None),
    "KL2": ("Godt i gang", None),
    "KL3": ("Påbegyndt", "Vi mangler pladser til unge"),
    "KL7": ("Ikke i gang", None),
    "KL11": ("Godt i gang", None),
}
#: The questions where FILLED and the sample's data disagree (D21 agrees: in the small sample
#: 91,9 % of the external spending in 2026 is bought on the standard contract).
UENIGE = {"D10", "KL2", "KL3", "KL7"}


def write(path, datasvar=None):
    """The questionnaire as the workbook writes it (report.write_workbook)."""
    return report.write_workbook(S.questionnaire_sheets(datasvar), path, **S.excel_options())


def columns(sheet) -> dict[str, str]:
    """Heading -> column letter of a written sheet."""
    return {c.value: c.column_letter for c in sheet[1]}


def fill(path, answers: dict[str, tuple[str | None, str | None]], *, sheet_changes=None):
    """Fill in as a user would: find each question's row by its ID, type the answer (and a
    comment) into the Status/Svar and Kommentar cells, save."""
    wb = load_workbook(path)
    for name in (S.KL_ARK, S.DELOITTE_ARK):
        ws = wb[name]
        cols = columns(ws)
        answer = cols["Status" if name == S.KL_ARK else "Svar"]
        for row in range(2, ws.max_row + 1):
            qid = ws[f"{cols['ID']}{row}"].value
            if qid in answers:
                svar, kommentar = answers[qid]
                ws[f"{answer}{row}"] = svar
                ws[f"{cols['Kommentar']}{row}"] = kommentar
    if sheet_changes:
        sheet_changes(wb)
    wb.save(path)


def write_filled(path, answers=None):
    """Write the questionnaire to `path` and fill it in with `answers` (default FILLED)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write(path)
    fill(path, FILLED if answers is None else answers)
    return path
