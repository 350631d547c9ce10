"""The loader reads real Danish exports: each format quirk in its own small fixture file."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import minimal_tables, snapshot, write_csv, write_minimal_kommune

from socialanalyse.data import Data, load
from socialanalyse.data.contract import TABLES, dtype
from socialanalyse.data.loading import REQUIRED_TABLES

FIXTURES = Path(__file__).parent / "fixtures"

BEVILLINGER_HEADER = (
    "bevilling_id;borger_id;paragraf;leverandoer_id;tilbud_id;afdeling;startdato;slutdato;"
    "forventet_slutdato;enhed;enhedspris;omfang;tillaeg"
)


def bevillinger_csv(*rows: str, header: str = BEVILLINGER_HEADER, complete: bool = True) -> str:
    """A bevillinger CSV with the given rows; with `complete`, grants G2 and G3 (which the
    other default tables refer to) are added at the end when the rows do not have them."""
    rows = list(rows)
    if complete:
        for gid, borger in (("G2", "B2"), ("G3", "B3")):
            if not any(r.startswith(gid + ";") for r in rows):
                rows.append(bev_row(gid, borger))
    return "\n".join([header, *rows]) + "\n"


def bev_row(gid="G1", borger="B1", paragraf="§107", start="01-01-2025", slut="",
            pris="1.850,50", omfang="7", enhed="doegn", tillaeg="0") -> str:
    return f"{gid};{borger};{paragraf};L1;;Voksen;{start};{slut};;{enhed};{pris};{omfang};{tillaeg}"


def betalinger_for(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"bevilling_id": list(ids), "leverandoer_id": ["L1"] * len(ids),
                         "periode": ["01-01-2025"] * len(ids), "beloeb": ["1,00"] * len(ids),
                         "funktion": ["5.38.52"] * len(ids)})


def load_with(tmp_path, **overrides) -> Data:
    kommune = write_minimal_kommune(tmp_path, **overrides)
    return load(kommune.slug, root=kommune.root)


def test_minimal_kommune_loads_every_table_with_canonical_types(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    before = snapshot(kommune.root)
    data = load(kommune.slug, root=kommune.root)
    assert data.kommune == "eksempelkommune"
    assert set(data.kilder) == set(data.tables())
    assert data.kilder["bevillinger"] == ((kommune.data_dir / "bevillinger.csv").resolve(),)
    bev = data.bevillinger
    # '1.850,50' -> 1850.5; '4,5' -> 4.5; an empty tillaeg is 0; '1.000' -> 1000.
    assert bev["enhedspris"].tolist() == [1850.5, 450.0, 3200.0]
    assert bev["omfang"].tolist() == [7.0, 4.5, 7.0]
    assert bev["tillaeg"].tolist() == [0.0, 0.0, 1000.0]
    # 01-01-2025, 15.03.2025 and ISO 2025-06-01 are all dates.
    assert bev["startdato"].tolist() == [pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 3, 15),
                                         pd.Timestamp(2025, 6, 1)]
    assert bev["slutdato"].isna().tolist() == [True, False, True]
    assert data.betalinger["beloeb"].tolist() == [57365.5, 51814.0, -1234.5, 96000.0]
    assert data.befolkning["antal"].tolist() == [30000, 9500]  # thousand dot, no decimals
    assert data.leverandoerer["standardkontrakt"].tolist() == [True, False]
    # Every column has the contract's dtype; few-valued text in the big tables is a category.
    for name, df in data.tables().items():
        assert [str(df[c.name].dtype) for c in TABLES[name].columns] == [
            str(pd.Series(dtype=dtype(c)).dtype) for c in TABLES[name].columns], name
    assert isinstance(data.vurderinger["tema"].dtype, pd.CategoricalDtype)
    assert data.betalinger["funktion"].cat.categories.tolist() == [
        "5.28.23", "5.38.38", "5.38.52"]
    assert data.advarsler == ()
    assert snapshot(kommune.root) == before  # nothing written or touched


def test_required_tables_are_documented():
    assert REQUIRED_TABLES == ("borgere", "bevillinger", "betalinger")


def test_optional_table_missing_gives_warning_and_empty_table(tmp_path):
    data = load_with(tmp_path, vurderinger=None, maal=None)
    assert data.vurderinger.empty and list(data.vurderinger.columns)[:2] == ["borger_id", "dato"]
    assert "vurderinger" not in data.kilder
    text = " ".join(data.advarsler)
    assert "Tabellen vurderinger mangler" in text and "vurderinger.csv" in text
    assert "Tabellen maal mangler" in text


def test_date_forms_mixed_in_one_column(tmp_path):
    text = bevillinger_csv(bev_row("G1", start="31-12-2025"), bev_row("G2", "B2", start="31.12.2025"),
                           bev_row("G3", "B3", start="2025-12-31 00:00:00"))
    data = load_with(tmp_path, bevillinger=text)
    assert set(data.bevillinger["startdato"]) == {pd.Timestamp(2025, 12, 31)}


def test_fixed_date_format_from_parameters(tmp_path):
    data = load_with(
        tmp_path,
        bevillinger=bevillinger_csv(bev_row(start="31-12-25"), bev_row("G2", "B2", start="1-3-25"),
                                    bev_row("G3", "B3", start="01-06-25")),
        params={"data": {"tabeller": {"bevillinger": {"fil": "bevillinger.csv",
                                                      "datoformat": "%d-%m-%y"}}}},
    )
    assert data.bevillinger["startdato"].tolist() == [
        pd.Timestamp(2025, 12, 31), pd.Timestamp(2025, 3, 1), pd.Timestamp(2025, 6, 1)]


def test_month_periods_become_first_of_month_with_a_warning(tmp_path):
    rows = betalinger_for("G1", "G1", "G1")
    rows["periode"] = ["2025-03", "04-2025", "31-05-2025"]
    data = load_with(tmp_path, betalinger=rows)
    assert data.betalinger["periode"].tolist() == [
        pd.Timestamp(2025, 3, 1), pd.Timestamp(2025, 4, 1), pd.Timestamp(2025, 5, 1)]
    assert any("1 periode var ikke den 1. i måneden" in a for a in data.advarsler)


BORGERE_DANISH = ("Borger-ID;Fødselsår;Køn;Målgruppe\nB1;1980;K;Udviklingshæmning\n"
                  "B2;1990;M;Sindslidelse\nB3;2010;K;Børn med handicap\n")


def test_windows_1252_with_danish_headers(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    kommune.path("borgere").write_bytes(BORGERE_DANISH.encode("cp1252"))
    data = load(kommune.slug, root=kommune.root)
    assert data.borgere["maalgruppe"].tolist()[:2] == ["Udviklingshæmning", "Sindslidelse"]
    assert data.borgere["foedselsaar"].tolist() == [1980, 1990, 2010]


def test_utf8_with_bom(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    kommune.path("borgere").write_bytes(codecs.BOM_UTF8 + BORGERE_DANISH.encode("utf-8"))
    data = load(kommune.slug, root=kommune.root)
    assert data.borgere["borger_id"].tolist() == ["B1", "B2", "B3"]  # BOM not in the header
    assert data.borgere["maalgruppe"].tolist()[2] == "Børn med handicap"


def test_utf16_tab_separated_unicode_text_from_excel(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    text = BORGERE_DANISH.replace(";", "\t").replace("\n", "\r\n")
    kommune.path("borgere").write_bytes(text.encode("utf-16"))
    data = load(kommune.slug, root=kommune.root)
    assert data.borgere["maalgruppe"].tolist()[:2] == ["Udviklingshæmning", "Sindslidelse"]


@pytest.mark.parametrize("sep", [",", "\t", "|"])
def test_other_separators_are_detected(tmp_path, sep):
    frame = minimal_tables()["betalinger"]
    kommune = write_minimal_kommune(tmp_path)
    write_csv(kommune.path("betalinger"), frame, sep=sep)  # ',' quotes the decimal commas
    data = load(kommune.slug, root=kommune.root)
    assert data.betalinger["beloeb"].tolist() == [57365.5, 51814.0, -1234.5, 96000.0]


def test_trailing_blank_rows_are_dropped_with_a_warning(tmp_path):
    text = bevillinger_csv(bev_row("G1"), bev_row("G2", "B2"), bev_row("G3", "B3"),
                           ";;;;;;;;;;;;", "", ";;;;;;;;;;;;")
    data = load_with(tmp_path, bevillinger=text, betalinger=betalinger_for("G1"))
    assert data.bevillinger["bevilling_id"].tolist() == ["G1", "G2", "G3"]
    assert data.bevillinger.index.tolist() == [0, 1, 2]  # a clean index after dropping
    warning = next(a for a in data.advarsler if "tomme rækker" in a)
    # header = række 1, G1 = 2, G2 = 3, G3 = 4, blanks = 5, 6, 7.
    assert "3 tomme rækker i slutningen af filen" in warning and "rækkerne 5, 6, 7" in warning
    assert "bevillinger.csv" in warning


def test_blank_row_in_the_middle_keeps_row_numbers_of_later_problems(tmp_path):
    from socialanalyse.data import DataFejl

    text = bevillinger_csv(bev_row("G1"), ";;;;;;;;;;;;", bev_row("G2", pris="ca. 500"))
    with pytest.raises(DataFejl) as err:
        load_with(tmp_path, bevillinger=text, betalinger=betalinger_for("G1"))
    assert "række 4, kolonne 'enhedspris'" in str(err.value)


def test_mapped_headers_and_codes(tmp_path):
    borgere = pd.DataFrame({"CPR-pseudonym": ["B1", "B2", "B3"], "Født": ["1980", "1995", "2010"],
                            "Kønskode": ["2", "1", "2"],
                            "Målgruppe": ["Sindslidelse", "udviklingshaemning", "Børn med handicap"]})
    params = {"data": {"tabeller": {"borgere": {
        "fil": "borgere.csv",
        "kolonner": {"borger_id": "CPR-pseudonym", "foedselsaar": "Født", "koen": "Kønskode"},
        "koder": {"koen": {1: "M", 2: "K"}},  # YAML integer keys are fine
    }}}}
    data = load_with(tmp_path, borgere=borgere, params=params)
    assert data.borgere["koen"].tolist() == ["K", "M", "K"]
    assert data.borgere["foedselsaar"].tolist() == [1980, 1995, 2010]
    # Spelling variants of allowed values find the canonical value.
    assert data.borgere["maalgruppe"].tolist()[1] == "Udviklingshæmning"


def test_paragraph_spelling_variants(tmp_path):
    text = bevillinger_csv(bev_row("G1", paragraf="§ 107"), bev_row("G2", paragraf="107"),
                           bev_row("G3", paragraf="SEL §107"), bev_row("G4", paragraf="bl §46"))
    data = load_with(tmp_path, bevillinger=text, betalinger=betalinger_for("G1"))
    assert data.bevillinger["paragraf"].tolist() == ["§107", "§107", "§107", "BL §46"]


def test_flags_x_and_blank(tmp_path):
    rows = minimal_tables()["leverandoerer"]
    rows["standardkontrakt"] = ["", "X"]
    data = load_with(tmp_path, leverandoerer=rows)
    assert data.leverandoerer["standardkontrakt"].tolist() == [False, True]


def test_extra_columns_are_dropped_unless_asked_for(tmp_path):
    borgere = minimal_tables()["borgere"].assign(Navn=["Anna", "Bo", "Cia"],
                                                 Note=["a", "b", "c"])
    data = load_with(tmp_path, borgere=borgere)
    assert list(data.borgere.columns) == ["borger_id", "foedselsaar", "koen", "maalgruppe"]
    params = {"data": {"tabeller": {"borgere": {"fil": "borgere.csv",
                                                "ekstra_kolonner": ["Note"]}}}}
    data = load_with(tmp_path / "x", borgere=borgere, params=params)
    assert data.borgere["Note"].tolist() == ["a", "b", "c"]
    assert "Navn" not in data.borgere


def test_parquet_keeps_types(tmp_path):
    kommune = write_minimal_kommune(tmp_path, betalinger=None, params={"data": {"tabeller": {
        "betalinger": {"fil": "betalinger.parquet"}}}})
    pd.DataFrame({
        "bevilling_id": ["G1", "G2"], "leverandoer_id": ["L1", "L2"],
        "periode": pd.to_datetime(["2025-01-01", "2025-02-01"]),
        "beloeb": [1234.5, -10.0], "funktion": ["5.38.52", "5.38.38"],
    }).to_parquet(kommune.data_dir / "betalinger.parquet")
    data = load(kommune.slug, root=kommune.root)
    assert data.betalinger["beloeb"].tolist() == [1234.5, -10.0]
    assert data.betalinger["periode"].tolist() == [pd.Timestamp(2025, 1, 1),
                                                   pd.Timestamp(2025, 2, 1)]


def test_excel_with_title_row_and_merged_header_cells(tmp_path):
    """tests/fixtures/bevillinger_flettet.xlsx (made by tests/fixtures/make_fixtures.py):
    row 1 a merged title, rows 2-3 a two-row header where 'Periode' is merged over 'Start'
    and 'Slut' and 'Bevilling' is merged down over two rows; data from row 4, with Excel
    date and number cells."""
    kommune = write_minimal_kommune(tmp_path, params={"data": {"tabeller": {"bevillinger": {
        "fil": "bevillinger.xlsx", "ark": "Bevillinger",
        "kolonner": {"bevilling_id": "Bevilling", "startdato": "Periode Start",
                     "slutdato": "Periode Slut", "enhedspris": "Takst"},
    }}}})
    shutil.copy(FIXTURES / "bevillinger_flettet.xlsx", kommune.data_dir / "bevillinger.xlsx")
    before = snapshot(kommune.root)
    data = load(kommune.slug, root=kommune.root)
    bev = data.bevillinger
    assert bev["bevilling_id"].tolist() == ["G1", "G2", "G3"]
    assert bev["startdato"].tolist() == [pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 3, 15),
                                         pd.Timestamp(2025, 6, 1)]
    assert bev["slutdato"].isna().tolist() == [True, False, True]
    assert bev["enhedspris"].tolist() == [1850.5, 450.0, 3200.0]
    assert any("overskriften står i række 3" in a for a in data.advarsler)
    assert snapshot(kommune.root) == before


def test_excel_problem_rows_are_excel_rows(tmp_path):
    from socialanalyse.data import DataFejl

    kommune = write_minimal_kommune(tmp_path, params={"data": {"tabeller": {"bevillinger": {
        "fil": "bevillinger.xlsx", "ark": "Fejl",
        "kolonner": {"bevilling_id": "Bevilling", "startdato": "Periode Start",
                     "slutdato": "Periode Slut", "enhedspris": "Takst"},
    }}}})
    shutil.copy(FIXTURES / "bevillinger_flettet.xlsx", kommune.data_dir / "bevillinger.xlsx")
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    # The sheet 'Fejl' has the text 'ca. 500' in cell K5 (data row 2 -> Excel row 5).
    assert "bevillinger.xlsx (ark 'Fejl'), række 5, kolonne 'Takst' (enhedspris)" in str(err.value)
    assert "fik 'ca. 500'" in str(err.value)


def test_codes_for_flags_and_numbers(tmp_path):
    lev = minimal_tables()["leverandoerer"].assign(standardkontrakt=["J", "N"])
    vur = minimal_tables()["vurderinger"].assign(niveau=["Svært", "Moderat", "Let"])
    params = {"data": {"tabeller": {
        "leverandoerer": {"fil": "leverandoerer.csv",
                          "koder": {"standardkontrakt": {"J": "ja", "N": "nej"}}},
        "vurderinger": {"fil": "vurderinger.csv",
                        "koder": {"niveau": {"Let": 1, "Moderat": 2, "Svært": 3}}},
    }}}
    data = load_with(tmp_path, leverandoerer=lev, vurderinger=vur, params=params)
    assert data.leverandoerer["standardkontrakt"].tolist() == [True, False]
    assert data.vurderinger["niveau"].tolist() == [3, 2, 1]


def test_title_lines_above_the_csv_header_are_skipped(tmp_path):
    from socialanalyse.data import DataFejl

    text = ("Udtræk fra fagsystemet pr. 31.12.2025\n\n"
            "borger_id;foedselsaar;koen;maalgruppe\nB1;1980;K;Sindslidelse\n"
            "B2;1995;M;Misbrug\nB3;2010;Q;Børn med handicap\n")
    with pytest.raises(DataFejl) as err:
        load_with(tmp_path, borgere=text)
    # Header on line 3, so B3 is række 6 as Excel shows it.
    assert "borgere.csv, række 6, kolonne 'koen': ukendt værdi 'Q'" in str(err.value)
    data = load_with(tmp_path / "ok", borgere=text.replace(";Q;", ";K;"))
    assert data.borgere["borger_id"].tolist() == ["B1", "B2", "B3"]


def test_columns_not_in_the_contract_are_named_in_a_warning(tmp_path):
    borgere = minimal_tables()["borgere"].assign(Navn=["Anna", "Bo", "Cia"])
    data = load_with(tmp_path, borgere=borgere)
    assert any("kolonnen 'Navn' er ikke læst" in a for a in data.advarsler)
    assert not any("Anna" in a for a in data.advarsler)


def test_load_accepts_a_parametre_object(tmp_path):
    from socialanalyse.config import load_parameters

    kommune = write_minimal_kommune(tmp_path)
    params = load_parameters(kommune.slug, root=kommune.root)
    data = load(params)
    assert data.kommune == kommune.slug and len(data.borgere) == 3


def test_excel_cells_merged_in_the_data_are_filled(tmp_path):
    kommune = write_minimal_kommune(tmp_path, params={"data": {"tabeller": {"bevillinger": {
        "fil": "bevillinger.xlsx", "ark": "Flettet data",
        "kolonner": {"bevilling_id": "Bevilling", "startdato": "Periode Start",
                     "slutdato": "Periode Slut", "enhedspris": "Takst"},
    }}}})
    shutil.copy(FIXTURES / "bevillinger_flettet.xlsx", kommune.data_dir / "bevillinger.xlsx")
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["afdeling"].tolist() == ["Voksen", "Voksen", "Børn"]
    assert any("1 flettet celle i data er udfyldt" in a for a in data.advarsler)
