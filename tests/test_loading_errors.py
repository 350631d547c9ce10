"""The bad-input catalogue: every way an extract or a parameters file can be wrong.

Each case writes a small municipality into tmp_path with one thing wrong and lists the text
fragments the message must contain: WHAT is wrong and WHERE (file, row as Excel shows it,
column; or parameters file and key). Every case also checks that the input folder is
unchanged afterwards (same files, same bytes, same mtimes) and that nothing was written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import minimal_tables, snapshot, write_minimal_kommune

from socialanalyse.config import ParameterFejl
from socialanalyse.data import DataFejl, load
from socialanalyse.privacy import KEY_ENV, PseudonymFejl

FIXTURES = Path(__file__).parent / "fixtures"


def tables(**changes) -> dict[str, pd.DataFrame]:
    """The minimal tables with cell changes: table=[(row, column, value), ...] (row 0-based)."""
    out = minimal_tables()
    for name, edits in changes.items():
        for row, column, value in edits:
            out[name].loc[row, column] = value
    return out


def bev_params(**source) -> dict:
    return {"data": {"tabeller": {"bevillinger": {"fil": "bevillinger.csv", **source}}}}


def _copy_excel_fixture(kommune) -> None:
    shutil.copy(FIXTURES / "bevillinger_flettet.xlsx", kommune.data_dir / "bevillinger.xlsx")


# name -> (overrides for write_minimal_kommune, expected error, fragments[, extra setup])
CASES = {
    "missing required file": (
        {"betalinger": None}, DataFejl,
        ["data/eksempelkommune/betalinger.csv", "filen findes ikke", "påkrævet"]),
    "missing column": (
        {"bevillinger": minimal_tables()["bevillinger"].drop(columns="enhedspris")}, DataFejl,
        ["bevillinger.csv, kolonne 'enhedspris'", "mangler",
         "data.tabeller.bevillinger.kolonner"]),
    "unknown paragraph": (
        tables(bevillinger=[(1, "paragraf", "§999")]), DataFejl,
        ["bevillinger.csv, række 3, kolonne 'paragraf'", "ukendt værdi '§999'"]),
    "text in a price column (mapped header)": (
        {"bevillinger": minimal_tables()["bevillinger"].rename(columns={"enhedspris": "Takst"})
         .assign(Takst=["ca. 500", "450", "3.200,00"]),
         "params": bev_params(kolonner={"enhedspris": "Takst"})}, DataFejl,
        ["bevillinger.csv, række 2, kolonne 'Takst' (enhedspris)",
         "forventede et beløb som 1.234,50, fik 'ca. 500'"]),
    "impossible date": (
        tables(bevillinger=[(0, "startdato", "31-02-2025")]), DataFejl,
        ["bevillinger.csv, række 2, kolonne 'startdato'", "datoen '31-02-2025' findes ikke"]),
    "end before start": (
        tables(bevillinger=[(1, "slutdato", "01-01-2025")]), DataFejl,
        ["bevillinger.csv, række 3, kolonne 'slutdato'", "ligger før startdato (15.03.2025)"]),
    "duplicate bevilling_id": (
        tables(bevillinger=[(2, "bevilling_id", "G1")], betalinger=[(3, "bevilling_id", "G1")],
               ), DataFejl,
        ["bevillinger.csv, række 4, kolonne 'bevilling_id'", "dubleret nøgle (bevilling_id)",
         "'G1'"]),
    "borger_id without a citizen": (
        tables(bevillinger=[(0, "borger_id", "B9")]), DataFejl,
        ["bevillinger.csv, række 2, kolonne 'borger_id'", "'B9' findes ikke i tabellen borgere"]),
    "negative price": (
        tables(bevillinger=[(0, "enhedspris", "-100,00")]), DataFejl,
        ["bevillinger.csv, række 2, kolonne 'enhedspris'", "for lille (mindst 0"]),
    "VUM level 7": (
        tables(vurderinger=[(2, "niveau", "7")]), DataFejl,
        ["vurderinger.csv, række 4, kolonne 'niveau'", "for stor (højst 4"]),
    "CPR numbers without a key": (
        tables(borgere=[(0, "borger_id", "010190-1234")],
               bevillinger=[(0, "borger_id", "010190-1234")]), PseudonymFejl,
        ["borgere.csv, kolonne 'borger_id'", "bevillinger.csv, kolonne 'borger_id'",
         KEY_ENV, "export"]),
    "empty file": (
        {"borgere": ""}, DataFejl, ["borgere.csv", "filen er tom"]),
    "header only in a required table": (
        {"borgere": "borger_id;foedselsaar;koen;maalgruppe\n"}, DataFejl,
        ["borgere.csv", "ingen datarækker"]),
    "comma file where semicolon is set": (
        {"bevillinger": minimal_tables()["bevillinger"].to_csv(index=False),
         "params": bev_params(separator=";")}, DataFejl,
        ["bevillinger.csv, række 1", "separator semikolon (;)", "bruger komma (,)"]),
    "undetectable separator": (
        {"borgere": "borger_id foedselsaar koen maalgruppe\nB1 1980 K Sindslidelse\n"}, DataFejl,
        ["borgere.csv", "kan ikke finde separatoren"]),
    "row with too few fields": (
        {"borgere": "borger_id;foedselsaar;koen;maalgruppe\nB1;1980;K;Sindslidelse\nB2;1995\n"
                    "B3;2010;K;Børn med handicap\n"}, DataFejl,
        ["borgere.csv, række 3", "andet antal felter", "række 3 har 2 felter"]),
    "misspelt parameter key": (
        {"params": {"diskretio": 5}}, ParameterFejl,
        ["kommuner/eksempelkommune.yaml", "nøglen 'diskretio'", "ukendt nøgle"]),
    "misspelt column key in kolonner": (
        {"params": bev_params(kolonner={"startdat": "Start"})}, ParameterFejl,
        ["kommuner/eksempelkommune.yaml", "data.tabeller.bevillinger.kolonner.startdat",
         "Mente du 'startdato'"]),
    "wrong type in parameters": (
        {"params": {"diskretion": "fem"}}, ParameterFejl,
        ["kommuner/eksempelkommune.yaml", "nøglen 'diskretion'", "heltal", "'fem'"]),
    "Excel sheet missing": (
        {"bevillinger": None,
         "params": {"data": {"tabeller": {"bevillinger": {"fil": "bevillinger.xlsx",
                                                          "ark": "Bevillinger2025"}}}}},
        DataFejl,
        ["bevillinger.xlsx (ark 'Bevillinger2025')", "arket 'Bevillinger2025' findes ikke",
         "'Bevillinger'"], _copy_excel_fixture),
    "unreadable encoding": (
        {"borgere": ("borger_id;foedselsaar;koen;maalgruppe\nB1;1980;K;Udviklingshæmning\n"
                     "B2;1995;M;Sindslidelse\nB3;2010;K;Børn med handicap\n").encode("cp1252"),
         "params": {"data": {"tabeller": {"borgere": {"fil": "borgere.csv",
                                                      "encoding": "utf-8"}}}}}, DataFejl,
        ["borgere.csv, række 2", "tegnsættet 'utf-8'"]),
    "binary file": (
        {"borgere": b"\x00\x01borger_id\x00;\x00"}, DataFejl, ["borgere.csv", "nul-tegn"]),
    "mapped column not in file": (
        {"params": bev_params(kolonner={"startdato": "Bevillingsstart"})}, DataFejl,
        ["bevillinger.csv, kolonne 'startdato'", "'Bevillingsstart'",
         "data.tabeller.bevillinger.kolonner.startdato", "kommuner/eksempelkommune.yaml"]),
    "unmapped code value": (
        {"borgere": minimal_tables()["borgere"].assign(koen=["2", "1", "3"]),
         "params": {"data": {"tabeller": {"borgere": {"fil": "borgere.csv",
                                                      "koder": {"koen": {1: "M", 2: "K"}}}}}}},
        DataFejl,
        ["borgere.csv, række 4, kolonne 'koen'", "ukendt værdi '3' (1 række",
         "data.tabeller.borgere.koder.koen som '3': <gyldig værdi>"]),
    "empty required cell": (
        tables(bevillinger=[(0, "afdeling", "")]), DataFejl,
        ["bevillinger.csv, række 2, kolonne 'afdeling'", "feltet er tomt"]),
    "goal deadline before start": (
        tables(maal=[(0, "frist", "31-12-2024")]), DataFejl,
        ["maal.csv, række 2, kolonne 'frist'", "frist ligger før startdato"]),
    "budget line with both paragraf and maalgruppe": (
        tables(budget=[(0, "maalgruppe", "Sindslidelse")]), DataFejl,
        ["budget.csv, række 2", "enten paragraf eller målgruppe"]),
    "decimals in a year": (
        tables(borgere=[(0, "foedselsaar", "1980,5")]), DataFejl,
        ["borgere.csv, række 2, kolonne 'foedselsaar'", "forventede et helt tal", "'1980,5'"]),
    "unknown flag": (
        tables(leverandoerer=[(0, "standardkontrakt", "måske")]), DataFejl,
        ["leverandoerer.csv, række 2, kolonne 'standardkontrakt'", "ja/nej", "'måske'"]),
    "unsupported file type": (
        {"bevillinger": None, "params": bev_params(fil="bevillinger.xls")}, DataFejl,
        ["bevillinger.xls", "filtypen '.xls' kan ikke læses", "gem"],
        lambda k: (k.data_dir / "bevillinger.xls").write_bytes(b"\xd0\xcf\x11\xe0old excel")),
    "duplicate header": (
        {"borgere": "borger_id;koen;koen;foedselsaar;maalgruppe\nB1;K;K;1980;Sindslidelse\n"},
        DataFejl, ["borgere.csv, række 1", "'koen' findes flere gange"]),
    "bad kontoplan function": (
        tables(betalinger=[(1, "funktion", "5.38")]), DataFejl,
        ["betalinger.csv, række 3, kolonne 'funktion'", "ikke den rigtige form"]),
    "unknown offer": (
        tables(bevillinger=[(0, "tilbud_id", "T9")]), DataFejl,
        ["bevillinger.csv, række 2, kolonne 'tilbud_id'", "'T9' findes ikke i tabellen tilbud"]),
    "data folder missing": (
        {"params": {"data": {"mappe": "data/andet"}}}, DataFejl,
        ["data/andet", "findes ikke", "data.mappe", "eksempelkommune.yaml"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_reported_with_what_and_where(tmp_path, monkeypatch, case):
    monkeypatch.delenv(KEY_ENV, raising=False)
    overrides, error, fragments, *setup = CASES[case]
    kommune = write_minimal_kommune(tmp_path, **overrides)
    for step in setup:
        step(kommune)
    before = snapshot(tmp_path)
    with pytest.raises(error) as err:
        load(kommune.slug, root=kommune.root)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert snapshot(tmp_path) == before


def test_catalogue_is_large_enough():
    assert len(CASES) >= 20


def test_unknown_municipality(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    with pytest.raises(ParameterFejl) as err:
        load("furesø", root=kommune.root)
    assert "ukendt kommune 'furesø'" in str(err.value) and "'furesoe'" in str(err.value)


def test_known_municipality_without_parameters_file(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    with pytest.raises(ParameterFejl) as err:
        load("furesoe", root=kommune.root)
    assert "kommuner/furesoe.yaml" in str(err.value)


def test_all_problems_of_a_file_at_once_up_to_the_limit(tmp_path):
    n = 60
    betalinger = pd.DataFrame({
        "bevilling_id": ["G1"] * n, "leverandoer_id": ["L1"] * n,
        "periode": ["01-01-2025"] * n, "beloeb": ["ca. 500"] * n, "funktion": ["5.38.52"] * n})
    kommune = write_minimal_kommune(tmp_path, betalinger=betalinger,
                                    borgere=tables(borgere=[(0, "koen", "X")])["borgere"])
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    message = str(err.value)
    # 60 amounts + 1 gender: 61 in all; 50 listed for betalinger, then "og 10 mere".
    assert message.startswith("Data kan ikke bruges (61 problemer):")
    assert message.count("betalinger.csv, række") == 50
    assert "betalinger.csv, række 51, kolonne 'beloeb'" in message  # row 50 + header
    assert "… og 10 problemer mere i data/eksempelkommune/betalinger.csv" in message
    assert "borgere.csv, række 2, kolonne 'koen': ukendt værdi 'X'" in message  # other file too
    assert len(err.value.problems) >= 51


def test_rows_are_counted_as_in_excel_for_in_memory_tables():
    from socialanalyse.data import Data

    borgere = pd.DataFrame({"borger_id": ["B1", "B2"], "foedselsaar": [1980, 1990],
                            "koen": ["K", "Q"], "maalgruppe": ["Sindslidelse", "Misbrug"]})
    with pytest.raises(DataFejl) as err:
        Data.from_tables({"borgere": borgere})
    # Position 1 is the second data row: række 3 when the header is række 1.
    assert "tabellen borgere, række 3, kolonne 'koen'" in str(err.value)
