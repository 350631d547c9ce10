"""Real-world extract mistakes (issue 12's held-out corpus), each in a real Danish-format file
built here: semicolons, decimal commas and thousand dots, Windows-1252 or UTF-8 with BOM, and
Excel workbooks written by a program. Each case checks what the analyst is told (file, row,
column, count, and what to do) and what is loaded.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import minimal_tables, snapshot, write_minimal_kommune

from socialanalyse.config import ParameterFejl
from socialanalyse.data import DataFejl, load
from socialanalyse.data.derived import is_active


def danish_csv(frame: pd.DataFrame, encoding: str) -> bytes:
    """A frame of text as a Danish Excel export writes it: ';' and the given encoding."""
    return frame.to_csv(sep=";", index=False, lineterminator="\r\n").encode(encoding)


def load_error(kommune) -> str:
    before = snapshot(kommune.root)
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    assert snapshot(kommune.root) == before  # never modifies an input
    return str(err.value)


def grants(**columns) -> pd.DataFrame:
    return minimal_tables()["bevillinger"].assign(**columns)


# --- open-ended placeholders ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_far_future_end_dates_are_open_with_a_warning(tmp_path, encoding):
    bev = grants(slutdato=["31-12-9999", "9999-12-31", "01.01.3000"],
                 forventet_slutdato=["31.12.9999", "", ""],
                 afdeling=["Voksen, Åbakken", "Voksen", "Børn"])
    kommune = write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, encoding))
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["slutdato"].isna().all()
    assert data.bevillinger["forventet_slutdato"].isna().all()
    assert data.bevillinger["afdeling"].iloc[0] == "Voksen, Åbakken"
    assert is_active(data.bevillinger, "2030-01-01").all()  # open grants run on
    warning = next(a for a in data.advarsler if "kolonne 'slutdato'" in a)
    assert warning.startswith("data/eksempelkommune/bevillinger.csv: ")
    assert "3 rækker har datoen '31-12-9999', '9999-12-31', '01.01.3000'" in warning
    assert "læst som tom, dvs. løbende (rækkerne 2, 3, 4)" in warning
    single = next(a for a in data.advarsler if "kolonne 'forventet_slutdato'" in a)
    assert "1 række har datoen '31.12.9999'" in single and "(række 2)" in single


def test_far_future_end_date_with_a_fixed_date_format(tmp_path):
    bev = grants(slutdato=["31-12-9999", "31-12-2025", ""],
                 startdato=["01-01-2025", "15-03-2025", "01-06-2025"])
    kommune = write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "cp1252"), params={
        "data": {"tabeller": {"bevillinger": {"fil": "bevillinger.csv",
                                              "datoformat": "%d-%m-%Y"}}}})
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["slutdato"].tolist()[:2] == [pd.NaT, pd.Timestamp(2025, 12, 31)]
    assert any("1 række har datoen '31-12-9999'" in a for a in data.advarsler)


def test_far_future_end_date_in_an_excel_date_cell(tmp_path):
    kommune = write_minimal_kommune(tmp_path, bevillinger=None, params={
        "data": {"tabeller": {"bevillinger": {"fil": "bevillinger.xlsx"}}}})
    bev = minimal_tables()["bevillinger"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bevillinger"
    ws.append(list(bev.columns))
    for i, row in enumerate(bev.itertuples(index=False)):
        cells = list(row)
        cells[7] = dt.datetime(9999, 12, 31) if i == 0 else cells[7]  # Excel's last day
        ws.append(cells)
    wb.save(kommune.data_dir / "bevillinger.xlsx")
    data = load(kommune.slug, root=kommune.root)
    assert pd.isna(data.bevillinger["slutdato"].iloc[0])
    assert any("bevillinger.xlsx: kolonne 'slutdato': 1 række har datoen '9999-12-31'" in a
               for a in data.advarsler)


def test_far_future_start_date_is_an_error_that_says_why(tmp_path):
    bev = grants(startdato=["31-12-9999", "15.03.2025", "2025-06-01"], slutdato=["", "", ""])
    message = load_error(write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "cp1252")))
    assert ("bevillinger.csv, række 2, kolonne 'startdato': datoen '31-12-9999' ligger uden "
            "for de datoer, der kan regnes med (22.09.1677–11.04.2262)") in message
    assert "findes ikke" not in message


# --- Excel formulas without a stored value ----------------------------------------------------


def _formula_workbook(path: Path, formula_column: str = "enhedspris") -> None:
    bev = minimal_tables()["bevillinger"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bevillinger"
    ws.append([*bev.columns, "Note"])
    col = list(bev.columns).index(formula_column) + 1 if formula_column in bev.columns else 14
    for r, row in enumerate(bev.itertuples(index=False), start=2):
        ws.append([*row, ""])
        letter = openpyxl.utils.get_column_letter(col)
        ws[f"{letter}{r}"] = f"=1000+{r}"  # written by a script: no value stored
    wb.save(path)


def _params(fil: str, ark: str | None = None) -> dict:
    return {"data": {"tabeller": {"bevillinger": {"fil": fil, **({"ark": ark} if ark else {})}}}}


def test_formula_without_stored_value_is_an_error_naming_file_sheet_and_cells(tmp_path):
    kommune = write_minimal_kommune(tmp_path, bevillinger=None,
                                    params=_params("bevillinger.xlsx", "Bevillinger"))
    _formula_workbook(kommune.data_dir / "bevillinger.xlsx")
    message = load_error(kommune)
    assert "data/eksempelkommune/bevillinger.xlsx (ark 'Bevillinger'), række 2" in message
    assert ("arket 'Bevillinger' har 3 celler med en formel uden gemt værdi (cellerne K2, K3, "
            "K4)") in message
    assert "Åbn filen i Excel, og gem den" in message


def test_formula_cells_with_stored_values_and_in_unread_columns_are_fine(tmp_path):
    kommune = write_minimal_kommune(tmp_path, bevillinger=None, params=_params("bevillinger.xlsx"))
    path = kommune.data_dir / "bevillinger.xlsx"
    _formula_workbook(path)
    # As Excel saves it after calculating: the formula and its value.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    for r in (2, 3, 4):
        # The empty value as openpyxl writes it: '<v />', or '<v></v>' with lxml installed.
        members[sheet], found = re.subn(
            rf"<f>1000\+{r}</f><v ?/>|<f>1000\+{r}</f><v></v>".encode(),
            f"<f>1000+{r}</f><v>{1000 + r}</v>".encode(), members[sheet])
        assert found == 1
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["enhedspris"].tolist() == [1002.0, 1003.0, 1004.0]

    _formula_workbook(path, formula_column="Note")  # formulas only in a column not read
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["enhedspris"].tolist() == [1850.5, 450.0, 3200.0]


# --- implausible amounts ----------------------------------------------------------------------


def test_implausible_payment_line_is_a_warning_naming_the_row(tmp_path):
    pay = minimal_tables()["betalinger"]
    pay.loc[2, "beloeb"] = "1.000.000.000.000,00"
    kommune = write_minimal_kommune(tmp_path, betalinger=danish_csv(pay, "cp1252"))
    data = load(kommune.slug, root=kommune.root)
    assert data.betalinger["beloeb"].iloc[2] == 1e12  # loaded as written, and warned about
    warning = next(a for a in data.advarsler if "usandsynligt" in a)
    assert warning == (
        "data/eksempelkommune/betalinger.csv: 1 betalingslinje har et usandsynligt stort beløb, "
        "over 10.000.000,00 kr. på én linje: række 4 (1.000.000.000.000,00 kr.). Tjek beløbet "
        "(fx decimaltegnet); grænsen er data.usandsynligt_beloeb.linje.")


def test_implausible_grant_month_uses_the_parameter(tmp_path):
    pay = pd.DataFrame({"bevilling_id": ["G1", "G1", "G1", "G2"],
                        "leverandoer_id": ["L1", "L1", "L1", "L2"],
                        "periode": ["01-01-2025", "01-01-2025", "01-02-2025", "01-01-2025"],
                        "beloeb": ["150.000,00", "100.000,50", "150.000,00", "-260.000,00"],
                        "funktion": ["5.38.52"] * 3 + ["5.38.38"]})
    limits = {"data": {"usandsynligt_beloeb": {"linje": 200000, "bevilling_maaned": 240000}}}
    kommune = write_minimal_kommune(tmp_path, betalinger=danish_csv(pay, "utf-8-sig"),
                                    params=limits)
    data = load(kommune.slug, root=kommune.root)
    line = next(a for a in data.advarsler if "på én linje" in a)
    assert "1 betalingslinje" in line and "række 5 (-260.000,00 kr.)" in line
    month = next(a for a in data.advarsler if "for én måned" in a)
    # G1 in January: 150.000 + 100.000,50 (rows 2 and 3); February's 150.000 is under the limit.
    assert ("1 bevilling har fået et usandsynligt stort beløb for én måned, over 240.000,00 kr.: "
            "bevilling 'G1' for 01.2025: 250.000,50 kr. (rækkerne 2, 3)") in month
    assert "data.usandsynligt_beloeb.bevilling_maaned" in month


def test_plausible_sample_amounts_give_no_warning(tmp_path):
    data = load(write_minimal_kommune(tmp_path).slug, root=tmp_path)
    assert not any("usandsynligt" in a for a in data.advarsler)


# --- headers ----------------------------------------------------------------------------------


def test_misspelt_header_hint_comes_from_every_header(tmp_path):
    bev = minimal_tables()["bevillinger"].rename(columns={"startdato": "Stardato"})
    message = load_error(write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "cp1252")))
    assert "kolonne 'startdato': kolonnen 'startdato' (Første dag med ydelsen) mangler." in message
    assert "Mente du 'Stardato'?" in message and "Mente du 'slutdato'?" not in message
    assert "Filen har kolonnerne 'bevilling_id', 'borger_id', 'paragraf'" in message
    assert "'Stardato'" in message.split("Filen har kolonnerne")[1]


def test_misspelt_mapped_header_hint_comes_from_every_header(tmp_path):
    bev = minimal_tables()["bevillinger"].rename(columns={"startdato": "Bevillingsstrat",
                                                          "slutdato": "Bevillingsslut"})
    kommune = write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "utf-8-sig"), params={
        "data": {"tabeller": {"bevillinger": {"fil": "bevillinger.csv", "kolonner": {
            "startdato": "Bevillingsstart", "slutdato": "Bevillingsslut"}}}}})
    message = load_error(kommune)
    assert "kolonnen 'Bevillingsstart', som data.tabeller.bevillinger.kolonner.startdato" in message
    assert "Mente du 'Bevillingsstrat'?" in message


# --- codes ------------------------------------------------------------------------------------


def test_unknown_code_is_reported_once_per_value_with_count_and_key(tmp_path):
    n = 60
    bev = pd.concat([minimal_tables()["bevillinger"].iloc[[0]]] * n, ignore_index=True)
    bev["bevilling_id"] = [f"G{i}" for i in range(1, n + 1)]
    bev.loc[:57, "paragraf"] = "Servicelov § 999"
    bev.loc[58:, "paragraf"] = "Bostøtte"
    kommune = write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "cp1252"),
                                    betalinger=minimal_tables()["betalinger"].iloc[:2])
    message = load_error(kommune)
    assert message.startswith("Data kan ikke bruges (2 problemer):")
    assert message.count("ukendt værdi") == 2
    assert ("bevillinger.csv, række 2, kolonne 'paragraf': ukendt værdi 'Servicelov § 999' "
            "(58 rækker; dette er den første)") in message
    assert ("bevillinger.csv, række 60, kolonne 'paragraf': ukendt værdi 'Bostøtte' "
            "(2 rækker; dette er den første)") in message
    assert ("parameters/kommuner/eksempelkommune.yaml under data.tabeller.bevillinger.koder."
            "paragraf som 'Bostøtte': <gyldig værdi>; gyldige værdier er §82a, §82b") in message


@pytest.mark.parametrize("written, canonical", [
    ("Servicelovens § 108", "§108"), ("Serviceloven §85", "§85"),
    ("Lov om social service § 107", "§107"), ("Barnets lov § 32", "BL §32"),
    ("Barnets Lov § 46, stk. 1", "BL §46"), ("ABL § 105", "§105+§85"),
    ("ABL § 105 / SEL § 85", "§105+§85"), ("SEL § 82 b", "§82b"),
])
def test_long_forms_of_paragraphs_are_recognised(tmp_path, written, canonical):
    bev = grants(paragraf=[written, "§85", "BL §46"])
    kommune = write_minimal_kommune(tmp_path, bevillinger=danish_csv(bev, "cp1252"))
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["paragraf"].iloc[0] == canonical


# --- Danish messages --------------------------------------------------------------------------


def test_not_an_xlsx_file_is_told_in_danish(tmp_path):
    kommune = write_minimal_kommune(tmp_path, params=_params("bevillinger.xlsx"))
    (kommune.data_dir / "bevillinger.xlsx").write_bytes(
        danish_csv(minimal_tables()["bevillinger"], "cp1252"))  # a CSV file named .xlsx
    message = load_error(kommune)
    assert "bevillinger.xlsx: filen kan ikke åbnes som Excel-projektmappe (.xlsx)" in message
    assert "gem den som Excel-projektmappe" in message
    assert "zip" not in message.lower()


def test_yaml_error_starts_with_a_danish_line(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    kommune.params_file.write_text("kommune: eksempelkommune\nnavn: Eksempel: kommune\n",
                                   encoding="utf-8")
    with pytest.raises(ParameterFejl) as err:
        load(kommune.slug, root=kommune.root)
    first, second = str(err.value).splitlines()
    assert first == (f"Parameterfilen {kommune.params_file} er ikke gyldig YAML (linje 2, "
                     "kolonne 15): et kolon (:) står, hvor det ikke må: skriv hver nøgle på sin "
                     "egen linje, og sæt en værdi med kolon i anførselstegn.")
    assert second.startswith("  (YAML-læserens egen besked: mapping values are not allowed")


def test_tab_indentation_in_yaml_is_named(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    kommune.params_file.write_text("kommune: eksempelkommune\nservicetjek:\n\tmin_sammenlignelige: 3\n",
                                   encoding="utf-8")
    with pytest.raises(ParameterFejl, match="linje 3, kolonne 1.: et tabulatortegn må ikke"):
        load(kommune.slug, root=kommune.root)


def test_one_bad_row_is_one_raekke(tmp_path):
    text = "borger_id;foedselsaar;koen;maalgruppe\r\nB1;1980;K;Sindslidelse\r\nB2;1995\r\n" \
           "B3;2010;K;Børn med handicap\r\n"
    message = load_error(write_minimal_kommune(tmp_path, borgere=text.encode("cp1252")))
    assert "1 række har et andet antal felter end overskriften (4): række 3 har 2 felter" in message


@pytest.mark.parametrize("word", ["I alt", "Total", "SUM"])
def test_a_total_row_at_the_bottom_of_payments_is_named_as_such(tmp_path, word):
    pay = minimal_tables()["betalinger"]
    pay.loc[len(pay)] = [word, "", "", "204.945,00", ""]
    message = load_error(write_minimal_kommune(tmp_path, betalinger=danish_csv(pay, "cp1252")))
    assert message.startswith("Data kan ikke bruges (1 problem):")
    assert (f"betalinger.csv, række 6, kolonne 'bevilling_id': rækken er en sumrække ({word!r}), "
            "ikke data: fjern sumrækker") in message
    assert "findes ikke i tabellen" not in message and "feltet er tomt" not in message
