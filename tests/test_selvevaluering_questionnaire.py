"""The questionnaire: written with report.write_workbook, filled in with openpyxl as a user
would, read back; every problem named by sheet, row and column in Danish."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from selvevaluering_cases import columns, fill, write

from socialanalyse import selvevaluering as S
from socialanalyse.selvevaluering.questionnaire import SKALA_ARK, VEJLEDNING_ARK


def error(path) -> S.SelvevalueringsFejl:
    with pytest.raises(S.SelvevalueringsFejl) as info:
        S.read_questionnaire(path)
    return info.value


def test_sheets_hold_every_question_with_the_14_municipalities():
    sheets = S.questionnaire_sheets()
    assert list(sheets) == [VEJLEDNING_ARK, S.KL_ARK, S.DELOITTE_ARK, SKALA_ARK]
    kl, d = sheets[S.KL_ARK], sheets[S.DELOITTE_ARK]
    assert list(kl["id"]) == [f"KL{n}" for n in range(1, 13)]
    assert list(d["id"]) == [f"D{n}" for n in range(1, 26)]
    assert kl["status"].isna().all() and d["svar"].isna().all()
    row = d.set_index("id")
    assert row.loc["D21", "de_14_kommuner"] == "Ja: 5; ikke oplyst: 9"
    assert row.loc["D24", "de_14_kommuner"] == "Høj: 1; middel: 10; ikke oplyst: 3"
    assert row.loc["D17", "spoergsmaal"].endswith("(Lav svarer til 1 indstillet botilbud, "
                                                  "middel svarer til 2 og høj svarer til 3.)")
    assert "data_siger" not in kl.columns
    assert any(S.KL_ARK in line for line in sheets[VEJLEDNING_ARK]["vejledning"])


def test_data_column_shows_the_datas_answers():
    datasvar = pd.DataFrame([
        {"noegle": "standardkontrakt", "spoergsmaal": "D21", "anbefaling": 12,
         "emne": "Standardkontrakt", "svar": "Nej", "vaerdi": 0.4, "evidens": "40 % af ...",
         "kilde": "data"},
        {"noegle": "antal_leverandoerer", "spoergsmaal": "KL12", "anbefaling": 12,
         "emne": "Leverandører i brug", "svar": None, "vaerdi": 7.0, "evidens": "7 i alt.",
         "kilde": "data"}])
    sheets = S.questionnaire_sheets(datasvar)
    kl = sheets[S.KL_ARK].set_index("id")
    d = sheets[S.DELOITTE_ARK].set_index("id")
    assert d.loc["D21", "data_siger"] == "Standardkontrakt: Nej. 40 % af ..."
    assert kl.loc["KL12", "data_siger"] == ("Standardkontrakt: Nej. 40 % af ... "
                                            "Leverandører i brug: 7 i alt.")
    assert kl.loc["KL1", "data_siger"] == ""


def test_round_trip_with_drop_downs(tmp_path):
    path = write(tmp_path / "selvevaluering.xlsx")
    wb = load_workbook(path)
    lists = {ws.title: [v.formula1 for v in ws.data_validations.dataValidation]
             for ws in wb.worksheets}
    assert lists[S.KL_ARK] == ['"Ikke i gang,Påbegyndt,Godt i gang,På plads,Ved ikke"']
    assert lists[S.DELOITTE_ARK] == ['"Lav,Middel,Høj,Ja,Nej,Ved ikke"']
    assert lists[SKALA_ARK] == [] and lists[VEJLEDNING_ARK] == []
    kl = wb[S.KL_ARK]
    status = columns(kl)["Status"]
    assert str(kl.data_validations.dataValidation[0].sqref) == f"{status}2:{status}13"
    wb.close()

    fill(path, {"KL7": ("På plads", "Budgettet er opdelt på pris og mængde"),
                "KL12": ("påbegyndt", None), "KL3": ("Ved ikke", None),
                "D21": ("Nej", "Kun til private"), "D4": ("hoej", None), "D8": (" JA ", None)})
    answers = S.read_questionnaire(path)
    got = answers.set_index("id")
    assert list(answers.columns) == ["id", "kilde", "nr", "svar", "kommentar", "ark", "raekke"]
    assert len(answers) == 37  # every question present; unanswered ones with svar None
    assert got.loc["KL7", "svar"] == "På plads"
    assert got.loc["KL7", "kommentar"] == "Budgettet er opdelt på pris og mængde"
    assert got.loc["KL12", "svar"] == "Påbegyndt" and got.loc["KL3", "svar"] == "Ved ikke"
    assert got.loc["D21", "svar"] == "Nej" and got.loc["D4", "svar"] == "Høj"
    assert got.loc["D8", "svar"] == "Ja"
    assert got["svar"].notna().sum() == 6
    assert got.loc["KL7", "ark"] == S.KL_ARK and got.loc["KL7", "raekke"] == 8
    assert got.loc["D21", "ark"] == S.DELOITTE_ARK and got.loc["D21", "raekke"] == 22
    assert got.loc["KL7", "kilde"] == S.KL and got.loc["D21", "nr"] == 21


def test_wrong_answer_names_sheet_row_and_column(tmp_path):
    path = write(tmp_path / "s.xlsx")
    fill(path, {"D4": ("Ja", None), "KL2": ("Færdig", None)})
    e = error(path)
    d_col = columns(load_workbook(path)[S.DELOITTE_ARK])["Svar"]
    assert d_col == "F"  # ID, Nr, Spørgsmål, Svarmuligheder, De 14 kommuner, Svar
    kl_col = columns(load_workbook(path)[S.KL_ARK])["Status"]
    text = str(e)
    assert "Selvevalueringen i s.xlsx har 2 fejl" in text
    assert (f"ark 'Deloitte-spørgsmål', række 5, kolonne {d_col} (Svar): 'Ja' er ikke et svar "
            "på D4 (Opfattelse af opgavevaretagelse som et indkøb); vælg Lav, Middel, Høj "
            "eller Ved ikke (eller lad feltet stå tomt)") in text
    assert (f"ark 'KL-anbefalinger', række 3, kolonne {kl_col} (Status): 'Færdig' er ikke et "
            "svar på KL2") in text
    assert {(p[0], p[1], p[2]) for p in e.problemer} == {
        (S.DELOITTE_ARK, 5, f"{d_col} (Svar)"), (S.KL_ARK, 3, f"{kl_col} (Status)")}


def test_unknown_misplaced_and_repeated_question_ids(tmp_path):
    path = write(tmp_path / "s.xlsx")

    def edit(wb):
        kl = wb[S.KL_ARK]
        kl["A13"] = "KL13"    # the last recommendation's row, its id overwritten
        kl["A5"] = "D5"       # a Deloitte question on the KL sheet
        d = wb[S.DELOITTE_ARK]
        d["A3"] = "D1"        # D2's row now repeats D1
    fill(path, {"KL12": ("Påbegyndt", None), "D2": ("Lav", None)}, sheet_changes=edit)
    text = str(error(path))
    assert ("ark 'KL-anbefalinger', række 13, kolonne A (ID): 'KL13' er ikke et spørgsmål i "
            "skemaet (KL1-KL12, D1-D25)") in text
    assert "ark 'KL-anbefalinger', række 5, kolonne A (ID): D5 hører til arket " \
           "'Deloitte-spørgsmål'" in text
    assert ("ark 'Deloitte-spørgsmål', række 3, kolonne A (ID): D1 er besvaret to gange "
            "(også i række 2)") in text


def test_missing_sheet_and_wrong_files(tmp_path):
    path = write(tmp_path / "s.xlsx")
    wb = load_workbook(path)
    del wb[S.DELOITTE_ARK]
    wb.save(path)
    text = str(error(path))
    assert "Selvevalueringen s.xlsx kan ikke bruges" in text
    assert ("ark 'Deloitte-spørgsmål': arket mangler (arkene i filen er: 'Vejledning', "
            "'KL-anbefalinger', 'Svarskalaer')") in text

    assert "findes ikke" in str(error(tmp_path / "mangler.xlsx"))
    bad = tmp_path / "ikke.xlsx"
    bad.write_text("id;svar\nD1;Ja\n", encoding="utf-8")
    assert "kan ikke læses som en Excel-fil (.xlsx)" in str(error(bad))

    # A sheet without the answer column in its header rows.
    wb = Workbook()
    wb.active.title = S.KL_ARK
    wb.active.append(["ID", "Noget andet"])
    wb.create_sheet(S.DELOITTE_ARK).append(["ID", "Svar"])
    plain = tmp_path / "uden.xlsx"
    wb.save(plain)
    assert ("ark 'KL-anbefalinger': arket har ikke kolonnerne 'ID' og 'Status' i de første 10 "
            "rækker") in str(error(plain))


def test_renamed_sheets_title_rows_and_snake_case_headings(tmp_path):
    """A user's own file: sheets renamed, a title above the header, headings in snake_case,
    columns in another order, blank rows; rows are named as Excel shows them."""
    wb = Workbook()
    kl = wb.active
    kl.title = "KL"
    kl.append(["Vores selvevaluering"])
    kl.append([])
    kl.append(["kommentar", "status", "id"])
    kl.append(["Vi mangler data", "Påbegyndt", "KL8"])
    kl.append([None, None, None])
    kl.append([None, "paa plads", "kl10"])
    d = wb.create_sheet("Deloitte")
    d.append(["id", "svar"])
    d.append(["D13", "ja"])
    path = tmp_path / "egen.xlsx"
    wb.save(path)
    got = S.read_questionnaire(path).set_index("id")
    assert got.loc["KL8", "svar"] == "Påbegyndt" and got.loc["KL8", "raekke"] == 4
    assert got.loc["KL8", "kommentar"] == "Vi mangler data"
    assert got.loc["KL10", "svar"] == "På plads" and got.loc["KL10", "raekke"] == 6
    assert got.loc["D13", "svar"] == "Ja" and got.loc["D13", "ark"] == "Deloitte"
    assert list(got.index) == ["KL8", "KL10", "D13"]  # questionnaire order

    kl["B6"] = "Næsten"
    wb.save(path)
    assert "ark 'KL', række 6, kolonne B (status): 'Næsten' er ikke et svar på KL10" in str(
        error(path))


def test_validate_answers_without_excel():
    frame = pd.DataFrame({"id": ["D21", "KL7", "D3", None], "svar": ["nej", None, "Måske", "Ja"]})
    with pytest.raises(S.SelvevalueringsFejl) as info:
        S.validate_answers(frame)
    text = str(info.value)
    assert text.startswith("Selvevalueringen har 2 fejl:")
    assert "række 4, kolonne svar: 'Måske' er ikke et svar på D3" in text
    assert "række 5, kolonne id: spørgsmålets ID mangler" in text
    ok = S.validate_answers(frame.iloc[:2])
    assert ok["svar"].tolist() == [None, "Nej"] and ok["id"].tolist() == ["KL7", "D21"]


def test_round_trip_on_the_sample_with_the_data_column(sample, tmp_path):
    """The questionnaire as the workbook will write it (with the data's answers), filled in
    and read back; the extra column does not move what is read."""
    from socialanalyse.config import load_parameters

    _, data = sample
    datasvar = S.data_answers(data, load_parameters("eksempelkommune"), {})
    assert datasvar["evidens"].str.len().gt(20).all()
    path = write(tmp_path / "selvevaluering.xlsx", datasvar)
    wb = load_workbook(path)
    assert "Data siger" in columns(wb[S.KL_ARK]) and "Data siger" in columns(wb[S.DELOITTE_ARK])
    wb.close()
    fill(path, {"KL12": ("Godt i gang", "Indkøbskonsulent ansat"), "D21": ("Ja", None)})
    got = S.read_questionnaire(path).set_index("id")
    assert got.loc["KL12", "svar"] == "Godt i gang" and got.loc["D21", "svar"] == "Ja"
    assert got.loc["KL12", "kommentar"] == "Indkøbskonsulent ansat"
    d = S.disagreements(S.read_questionnaire(path), datasvar)
    standard = datasvar.set_index("noegle").loc["standardkontrakt"]
    assert ("D21" in set(d["id"])) == (standard["svar"] == "Nej")
