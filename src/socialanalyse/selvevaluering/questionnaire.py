"""The questionnaire: the questions of both sources, the answer scales, the sheets written to
Excel and the check of a filled-in questionnaire. Pure; reading the file is in reader.py.

Question ids: 'KL1'-'KL12' (KL's recommendations, answered with a status) and 'D1'-'D25'
(Deloitte's questions, answered on the question's own scale, as the 14 municipalities did).
"""

from __future__ import annotations

import math
from functools import cache

import pandas as pd

from .. import reference as ref
from ..data.formats import header_key

KL, DELOITTE = "KL", "Deloitte"
KL_ARK, DELOITTE_ARK = "KL-anbefalinger", "Deloitte-spørgsmål"
VEJLEDNING_ARK, SKALA_ARK = "Vejledning", "Svarskalaer"
#: The answer column of each sheet (KL: a status; Deloitte: the question's scale).
SVARKOLONNE = {KL: "status", DELOITTE: "svar"}
ARK = {KL: KL_ARK, DELOITTE: DELOITTE_ARK}
#: The parameter the next run reads the filled-in file from (named in the instructions).
PARAMETER = "selvevaluering.besvarelse"

VED_IKKE = "Ved ikke"
#: How far the municipality has come with a KL recommendation, least to most.
STATUS = ("Ikke i gang", "Påbegyndt", "Godt i gang", "På plads")
#: Every scale's answers from least to most ('Ved ikke' is outside the order). Deloitte's two
#: scales are those of its Bilag 2 (a test keeps them equal to deloitte_spoergsmaal.yaml).
SKALAER = {"status": STATUS, "grad": ("Lav", "Middel", "Høj"), "ja_nej": ("Nej", "Ja")}
BETYDNING = {
    "Ikke i gang": "Kommunen arbejder ikke med anbefalingen endnu.",
    "Påbegyndt": "Arbejdet er sat i gang, men ikke nået langt.",
    "Godt i gang": "Arbejdet er godt på vej, men ikke fast praksis.",
    "På plads": "Anbefalingen er fast praksis i kommunen.",
    "Lav": "I lav grad (spørgsmål 17-18: 1 indstillet botilbud).",
    "Middel": "I middel grad (spørgsmål 17-18: 2 indstillede botilbud).",
    "Høj": "I høj grad (spørgsmål 17-18: 3 indstillede botilbud).",
    "Ja": "Ja.",
    "Nej": "Nej.",
    VED_IKKE: "Kommunen kan ikke svare (Deloitte: 'Andet / Ved ikke').",
}
SKALA_NAVNE = {"status": "Status (KL)", "grad": "Grad (Deloitte)", "ja_nej": "Ja/nej (Deloitte)"}


def choices(skala: str) -> tuple[str, ...]:
    """The answers a question on `skala` takes, in the drop-down's order ('Ved ikke' last)."""
    values = SKALAER[skala]
    return (values[::-1] if skala == "ja_nej" else values) + (VED_IKKE,)


def position(svar: str | None, skala: str) -> float | None:
    """Where an answer lies on its scale, 0 (least) to 1 (most); None for no answer, 'Ved
    ikke' or an answer outside the scale. E.g. 'Påbegyndt' -> 1/3, 'Middel' -> 0.5."""
    values = SKALAER[skala]
    if svar not in values:
        return None
    return values.index(svar) / (len(values) - 1)


def missing_as_none(values: pd.Series) -> pd.Series:
    """A text column with its missing cells as None (pandas would show NaN)."""
    return values.astype(object).where(values.notna(), None)


def question_id(kilde: str, nr: int) -> str:
    """'KL7' or 'D21'."""
    return f"{'KL' if kilde == KL else 'D'}{int(nr)}"


def questions() -> pd.DataFrame:
    """A fresh copy of `_questions()`: every question of the questionnaire (see there)."""
    return _questions().copy()


@cache
def _questions() -> pd.DataFrame:
    """Every question of the questionnaire, KL's 12 first, then Deloitte's 25.

    Columns: id, kilde (KL/Deloitte), nr, titel (KL: the recommendation; Deloitte: the
    question), spoergsmaal (KL: 'Til videre drøftelse'; Deloitte: the question), skala,
    svarmuligheder (tuple, 'Ved ikke' last), forklaring (Deloitte 17-18: what the grades mean),
    anbefaling (the KL recommendation's nr; None for Deloitte's questions).
    """
    kl = ref.kl_anbefalinger()
    d = ref.deloitte_spoergsmaal()
    rows = [{"id": question_id(KL, r.nr), "kilde": KL, "nr": r.nr, "titel": r.titel,
             "spoergsmaal": r.spoergsmaal, "skala": "status", "svarmuligheder": choices("status"),
             "forklaring": "", "anbefaling": r.nr} for r in kl.itertuples()]
    rows += [{"id": question_id(DELOITTE, r.nr), "kilde": DELOITTE, "nr": r.nr, "titel": r.tekst,
              "spoergsmaal": r.tekst, "skala": r.skala, "svarmuligheder": choices(r.skala),
              "forklaring": r.forklaring, "anbefaling": None} for r in d.itertuples()]
    return pd.DataFrame(rows)


def distribution_text(nr: int, fordeling: pd.DataFrame | None = None) -> str:
    """Deloitte's 14 municipalities' answers to one question in words: 'Ja: 5; ikke oplyst: 9'."""
    f = ref.deloitte_fordeling() if fordeling is None else fordeling
    rows = f[f["nr"] == nr]
    return "; ".join(f"{b if i == 0 else b[:1].lower() + b[1:]}: {a}"
                     for i, (b, a) in enumerate(zip(rows["betegnelse"], rows["antal"])))


def _data_text(datasvar: pd.DataFrame, column: str, keys) -> list[str]:
    """Per key, the data's answers whose `column` equals it: 'Emne: svar. evidens' joined."""
    out = []
    for key in keys:
        rows = datasvar[datasvar[column] == key]
        out.append(" ".join(
            f"{r.emne}: " + (f"{r.svar}. " if isinstance(r.svar, str) else "") + r.evidens
            for r in rows.itertuples()))
    return out


def questionnaire_sheets(datasvar: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The questionnaire as sheets for report.excel / report.write_workbook (sheet name ->
    frame; write it with `excel_options()` for the drop-downs and wrapped text).

    Vejledning (how to fill it in), KL-anbefalinger (id, nr, anbefaling, til videre drøftelse,
    case, status to fill in, kommentar), Deloitte-spørgsmål (id, nr, spørgsmål, svarmuligheder,
    the 14 municipalities' answers as far as stated, svar to fill in, kommentar) and
    Svarskalaer. With `datasvar` (data_answers' frame) both sheets get a 'Data siger' column
    with the data's answer and evidence next to the question (not read back).
    """
    q = questions()
    kl = ref.kl_anbefalinger()
    fordeling = ref.deloitte_fordeling()
    kl_sheet = pd.DataFrame({
        "id": q.loc[q["kilde"] == KL, "id"].to_numpy(),
        "nr": kl["nr"].to_numpy(),
        "anbefaling": kl["titel"].to_numpy(),
        "til_videre_droeftelse": kl["spoergsmaal"].to_numpy(),
        "case": kl["cases"].to_numpy(),
    })
    d = q[q["kilde"] == DELOITTE]
    d_sheet = pd.DataFrame({
        "id": d["id"].to_numpy(),
        "nr": d["nr"].to_numpy(),
        "spoergsmaal": [t + (f" ({f})" if f else "") for t, f in zip(d["titel"], d["forklaring"])],
        "svarmuligheder": [", ".join(c) for c in d["svarmuligheder"]],
        "de_14_kommuner": [distribution_text(n, fordeling) for n in d["nr"]],
    })
    if datasvar is not None:
        kl_sheet["data_siger"] = _data_text(datasvar, "anbefaling", kl_sheet["nr"])
        d_sheet["data_siger"] = _data_text(datasvar, "spoergsmaal", d_sheet["id"])
    for sheet, kilde in ((kl_sheet, KL), (d_sheet, DELOITTE)):
        sheet[SVARKOLONNE[kilde]] = pd.Series([None] * len(sheet), dtype=object)
        sheet["kommentar"] = pd.Series([None] * len(sheet), dtype=object)
    scales = pd.DataFrame([(SKALA_NAVNE[s], v, BETYDNING[v]) for s in ("status", "grad", "ja_nej")
                           for v in choices(s)], columns=["skala", "vaerdi", "betydning"])
    return {VEJLEDNING_ARK: pd.DataFrame({"vejledning": instructions()}), KL_ARK: kl_sheet,
            DELOITTE_ARK: d_sheet, SKALA_ARK: scales}


def instructions() -> list[str]:
    """The Vejledning sheet's lines (Danish)."""
    return [
        ("Selvevaluering: kommunen over for KL's 12 anbefalinger (2025) og de 14 kommuner, "
         "Deloitte spurgte om køb af botilbudspladser (2020)."),
        (f"Arket {KL_ARK}: vælg i kolonnen Status, hvor langt kommunen er med hver anbefaling "
         f"({', '.join(STATUS)} eller {VED_IKKE}). Drøft spørgsmålet under 'Til videre "
         "drøftelse', og skriv gerne begrundelsen i Kommentar."),
        (f"Arket {DELOITTE_ARK}: svar i kolonnen Svar, som de 14 kommuner svarede. "
         "Svarmulighederne står ved hvert spørgsmål; 'De 14 kommuner' viser deres svar, så "
         "langt rapporten oplyser dem med ord (resten er 'ikke oplyst')."),
        ("Kolonnen 'Data siger' (når den er der) viser, hvad kommunens egne data sagde i "
         "kørslen, der lavede filen. Den læses ikke tilbage."),
        "Lad kolonnen ID og arkenes navne stå, som de er. Tomme felter er ubesvarede.",
        (f"Gem filen som .xlsx og skriv stien i parameterfilen under {PARAMETER}. Næste kørsel "
         "læser svarene og viser dem ved siden af data og de 14 kommuner."),
    ]


def excel_options() -> dict[str, dict]:
    """Keyword arguments for report.excel / report.write_workbook: drop-downs (`valg`) for the
    answer columns and wrapped text (`ombryd`) for the long ones. The Deloitte sheet mixes two
    scales in one column, so its drop-down offers both; the reader checks each row's scale."""
    deloitte = tuple(dict.fromkeys(choices("grad")[:-1] + choices("ja_nej")))
    return {
        "valg": {SVARKOLONNE[KL]: choices("status"), SVARKOLONNE[DELOITTE]: deloitte},
        "ombryd": {"anbefaling": 45, "til_videre_droeftelse": 55, "case": 40,
                   "spoergsmaal": 55, "de_14_kommuner": 30, "data_siger": 60,
                   "kommentar": 40, "vejledning": 110, "betydning": 60},
    }


# --- checking a filled-in questionnaire ----------------------------------------------------

class SelvevalueringsFejl(ValueError):
    """The filled-in questionnaire cannot be used. The message is Danish and names the sheet,
    row and column of each problem; `problemer` holds them as (ark, række, kolonne, tekst)."""

    def __init__(self, message: str, problemer: list[tuple[str | None, int | None,
                                                              str | None, str]]):
        super().__init__(message)
        self.problemer = problemer


def problem_lines(problemer) -> str:
    """One indented line per problem: '  - ark 'X', række 7, kolonne G (Svar): ...'."""
    lines = []
    for ark, raekke, kolonne, tekst in problemer:
        where = [f"ark '{ark}'" if ark else None, f"række {raekke}" if raekke else None,
                 f"kolonne {kolonne}" if kolonne else None]
        lines.append("  - " + ", ".join(w for w in where if w) + f": {tekst}")
    return "\n".join(lines)


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _namer(where: dict[tuple[str, str], str], ark: str | None):
    """How the columns of one sheet are named in messages ('G (Svar)', else the name)."""
    return lambda name: where.get((ark, name), name)


ANSWER_COLUMNS = ["id", "kilde", "nr", "svar", "kommentar", "ark", "raekke"]


def validate_answers(answers: pd.DataFrame, where: dict[tuple[str, str], str] | None = None,
                     fil: str | None = None) -> pd.DataFrame:
    """Check filled-in answers and return them clean; raise SelvevalueringsFejl otherwise.

    `answers`: columns id and svar, optionally kommentar, ark (the sheet a row is on) and
    raekke (its spreadsheet row; default: position + 2, as under a header row). `where` maps
    (ark, column) to how the column is named in messages, e.g. ('Deloitte-spørgsmål', 'svar')
    -> 'G (Svar)'. `fil` names the file in the message.

    Rules: every id is a question of the questionnaire (KL1-KL12, D1-D25) and on its own
    sheet when the sheet is known; each question is answered once; an answer is empty
    (unanswered) or one of the question's answers (case, spaces and æ/ø/å written as ae/oe/aa
    do not matter). Returns ANSWER_COLUMNS with the answers spelt as in the scale, one row
    per question present (unanswered ones with svar None), in questionnaire order.
    """
    where = where or {}
    q = questions().set_index("id")
    by_key = {header_key(i): i for i in q.index}
    a = answers.copy()
    for c, default in (("kommentar", None), ("ark", None)):
        if c not in a.columns:
            a[c] = default
    if "raekke" not in a.columns:
        a["raekke"] = range(2, len(a) + 2)
    problems: list[tuple[str | None, int | None, str | None, str]] = []
    seen: dict[str, tuple[str | None, int]] = {}
    rows = []
    for rec in a.to_dict("records"):
        ark, raekke = rec["ark"], int(rec["raekke"])
        col = _namer(where, ark)

        raw_id = rec["id"]
        if _empty(raw_id):
            if not _empty(rec["svar"]):
                problems.append((ark, raekke, col("id"), "spørgsmålets ID mangler"))
            continue
        qid = by_key.get(header_key(raw_id))
        if qid is None:
            problems.append((ark, raekke, col("id"),
                             f"'{raw_id}' er ikke et spørgsmål i skemaet (KL1-KL12, D1-D25)"))
            continue
        info = q.loc[qid]
        if ark and ark in ARK.values() and ark != ARK[info["kilde"]]:
            problems.append((ark, raekke, col("id"),
                             f"{qid} hører til arket '{ARK[info['kilde']]}'"))
            continue
        if qid in seen:
            other = seen[qid]
            problems.append((ark, raekke, col("id"), f"{qid} er besvaret to gange (også i "
                             f"række {other[1]}" + (f" på arket '{other[0]}'" if other[0] != ark
                                                     else "") + ")"))
            continue
        seen[qid] = (ark, raekke)
        svar = None
        if not _empty(rec["svar"]):
            allowed = {header_key(v): v for v in info["svarmuligheder"]}
            svar = allowed.get(header_key(rec["svar"]))
            if svar is None:
                column = SVARKOLONNE[info["kilde"]]
                options = ", ".join(info["svarmuligheder"][:-1]) + f" eller {VED_IKKE}"
                problems.append((ark, raekke, col(column), (
                    f"'{rec['svar']}' er ikke et svar på {qid} ({info['titel']}); "
                    f"vælg {options} (eller lad feltet stå tomt)")))
                continue
        rows.append({"id": qid, "kilde": info["kilde"], "nr": int(info["nr"]), "svar": svar,
                     "kommentar": None if _empty(rec["kommentar"]) else str(rec["kommentar"]).strip(),
                     "ark": ark, "raekke": raekke})
    if problems:
        where_file = f" i {fil}" if fil else ""
        raise SelvevalueringsFejl(
            f"Selvevalueringen{where_file} har {len(problems)} fejl:\n" + problem_lines(problems),
            problems)
    order = {i: n for n, i in enumerate(q.index)}
    out = pd.DataFrame(rows, columns=ANSWER_COLUMNS)
    for c in ("svar", "kommentar"):
        out[c] = missing_as_none(out[c])
    return out.sort_values("id", key=lambda s: s.map(order)).reset_index(drop=True)
