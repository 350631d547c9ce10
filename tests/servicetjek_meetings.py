"""Three filled review lists for the synthetic eksempelkommune, as the myndighed fills them at
the first three monthly meetings of a servicetjek programme (issue 20).

Not a test module. Each month: the real screening as of the month's end, the list with memory
of the decisions so far (`remember`, over the lists already in the folder), written to Excel by
notebook 01's own writer (`views.servicetjek.review_workbook`); then a copy is filled in with
openpyxl as a caseworker does in Excel (text in the drop-down column, Danish dates and numbers)
and put in the decisions folder. The lists are made with a memory of one month, so month 3's
list shows month 1's decisions again and one grant decided 'uændret' in month 1 is decided
'justeret' (half the volume) in month 3: the grant decided twice.

Run as a script to write them for the generated sample (`make sample`):
    .venv/bin/python tests/servicetjek_meetings.py data/eksempelkommune/beslutninger
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from socialanalyse import report, servicetjek
from socialanalyse.views import servicetjek as view

#: (the list's reference date, the meeting's date) of months 1, 2 and 3.
MEETINGS = (("2026-06-30", "07-07-2026"), ("2026-07-31", "04.08.2026"),
            ("2026-08-31", "01-09-2026"))
PROGRAMSTART = "2026-07-01"
#: Rows of each list the meeting takes up, and the decisions they get in turn (None: not yet).
ROWS = 12
PATTERN = ("justeret", "uændret", None, "uændret", "ophørt", None)


@dataclass(frozen=True)
class Meetings:
    files: list[Path]
    twice: str  # the grant decided 'uændret' in month 1 and 'justeret' in month 3
    decided: pd.DataFrame  # month, bevilling_id, beslutning, dato: what was written


def _fill(written: Path, target: Path, liste: pd.DataFrame, meeting: str,
          extra: dict[str, dict] | None = None) -> list[dict]:
    wb = load_workbook(written)
    ws = wb["Gennemgangsliste"]
    col = {c.value: c.column for c in ws[1]}
    row_of = {ws.cell(r, col["Bevilling-ID"]).value: r for r in range(2, ws.max_row + 1)}
    done = []
    fresh = liste.loc[liste["sidste_beslutning"].isna(), "bevilling_id"]  # not decided yet
    choices = {bid: {"beslutning": PATTERN[i % len(PATTERN)]}
               for i, bid in enumerate(fresh.head(ROWS))}
    choices |= extra or {}
    for bid, choice in choices.items():
        if choice["beslutning"] is None:
            continue
        r = row_of[bid]
        ws.cell(r, col["Beslutning"]).value = choice["beslutning"]
        if choice["beslutning"] != "uændret" or len(done) % 2:  # some uændret left undated
            ws.cell(r, col["Beslutningsdato"]).value = meeting
        if choice["beslutning"] == "justeret" and "nyt_omfang" in choice:
            ws.cell(r, col["Nyt omfang"]).value = str(choice["nyt_omfang"]).replace(".", ",")
        elif choice["beslutning"] == "justeret":  # 10 % off the price, typed the Danish way
            price = ws.cell(r, col["Enhedspris nu"]).value * 0.9
            ws.cell(r, col["Ny enhedspris"]).value = f"{price:_.2f}".replace(".", ",").replace(
                "_", ".")
        done.append({"bevilling_id": bid, "beslutning": choice["beslutning"]})
    wb.save(target)
    return done


def write_meetings(folder: Path, data, params) -> Meetings:
    """Write the three filled lists into `folder` (created); returns what was decided."""
    folder.mkdir(parents=True, exist_ok=True)
    short = servicetjek.with_overrides(params, gentag_efter_maaneder=1)
    files, decided, twice = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        for month, (as_of, meeting) in enumerate(MEETINGS, start=1):
            so_far = servicetjek.read_decision_folder(folder, data) if files else None
            flags = servicetjek.screen(data, short, as_of)
            husk = servicetjek.remember(servicetjek.prioritize(flags), so_far, data, short,
                                        as_of)
            report.setup(data.kommune, "intern", Path(tmp) / f"m{month}",
                         notebook="01_servicetjek", data=data, parametre=short)
            sheet = servicetjek.review_sheet(husk.liste, data, short, as_of)
            written = view.review_workbook(sheet, view.rules_table(short),
                                           "servicetjek_gennemgangsliste")
            extra = None
            if month == 3:
                again = husk.liste[husk.liste["sidste_beslutning"].fillna("").str.startswith(
                    "uændret")]
                twice = again["bevilling_id"].iloc[0]
                omfang = sheet.set_index("bevilling_id").loc[twice, "omfang"]
                extra = {twice: {"beslutning": "justeret", "nyt_omfang": omfang / 2}}
            target = folder / f"{pd.Timestamp(as_of):%Y-%m}_gennemgangsliste.xlsx"
            for row in _fill(written, target, husk.liste, meeting, extra):
                decided.append({"month": month, **row,
                                "dato": pd.to_datetime(meeting, dayfirst=True)})
            files.append(target)
    return Meetings(files, twice, pd.DataFrame(decided))


if __name__ == "__main__":
    from socialanalyse import config
    from socialanalyse.data import load

    params = config.load_parameters("eksempelkommune")
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/eksempelkommune/beslutninger")
    out = write_meetings(target, load(params), params)
    print(f"Skrev {len(out.files)} udfyldte gennemgangslister til {target}; bevillingen "
          f"{out.twice} er besluttet to gange.")
