"""The loader reads the optional indkoeb tables (kontrakter, prislister, tilsyn) from Danish
exports like the other tables, gives empty tables and a warning when they are missing, and
names file, row and column when they are wrong."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import minimal_tables, snapshot, write_minimal_kommune

from socialanalyse.data import DataFejl, load
from socialanalyse.data.contract import INDKOEB_TABLES


def load_with(tmp_path, **overrides):
    kommune = write_minimal_kommune(tmp_path, **overrides)
    return load(kommune.slug, root=kommune.root)


def test_the_indkoeb_tables_are_read_from_danish_csv(tmp_path):
    kommune = write_minimal_kommune(tmp_path)
    before = snapshot(kommune.root)
    data = load(kommune.slug, root=kommune.root)
    k = data.kontrakter
    assert k["kontrakt_id"].tolist() == ["K1", "K2"]
    assert k["bevilling_id"].tolist()[0] == "G2" and pd.isna(k["bevilling_id"][1])
    assert pd.isna(k["paragraf"][0]) and k["paragraf"][1] == "BL §46"
    # 15.03.2025, 2025-01-01 and 31-12-2026 are dates; an empty expiry is a running contract.
    assert k["startdato"].tolist() == [pd.Timestamp(2025, 3, 15), pd.Timestamp(2025, 1, 1)]
    assert k["udloebsdato"][0] == pd.Timestamp(2026, 12, 31) and pd.isna(k["udloebsdato"][1])
    assert k["standardkontrakt"].tolist() == [False, True]  # nej / ja
    assert k["prisregulering"].tolist() == ["pl-indeks", "fast pris"]
    assert k["enhedspris"][0] == 430.0 and k["tidligere_enhedspris"][0] == 450.0  # '430,00'
    assert k["prisaendring_dato"][0] == pd.Timestamp(2025, 9, 1) and pd.isna(k["enhedspris"][1])
    p = data.prislister
    assert p["enhedspris"].tolist() == [1045.5, 412.5]  # '1.045,50' and '412,5'
    assert p["gyldig_fra"].tolist() == [pd.Timestamp(2025, 1, 1)] * 2
    assert p["ydelse"][0] == "Socialpædagogisk støtte, dagtimer" and pd.isna(p["indhold"][1])
    t = data.tilsyn
    assert t["bedoemmelse"].tolist() == [4.0, 3.5, 2.0]
    assert t["tilbud"].tolist()[:2] == ["Åbakken", "Åbakken"] and pd.isna(t["tilbud"][2])
    assert pd.isna(t["tema"][0]) and t["tema"][1] == "Kompetencer"
    assert t["dato"].tolist()[2] == pd.Timestamp(2024, 10, 1)
    assert {n: data.kilder[n][0].name for n in INDKOEB_TABLES} == {
        "kontrakter": "kontrakter.csv", "prislister": "prislister.csv", "tilsyn": "tilsyn.csv"}
    assert data.advarsler == ()
    assert snapshot(kommune.root) == before


def test_missing_indkoeb_tables_are_empty_with_a_warning(tmp_path):
    data = load_with(tmp_path, kontrakter=None, prislister=None, tilsyn=None)
    for name in INDKOEB_TABLES:
        frame = getattr(data, name)
        assert frame.empty and name not in data.kilder
        assert any(f"Tabellen {name} mangler" in a and f"{name}.csv" in a
                   for a in data.advarsler), name
    assert list(data.kontrakter.columns)[:2] == ["kontrakt_id", "leverandoer_id"]
    assert not data.bevillinger.empty  # the rest loads as before


def test_own_headers_codes_and_windows_1252(tmp_path):
    tilsyn = ("Leverandør;Tilbud;Rapportdato;Tema;Bedømmelse\r\n"
              "L1;Åbakken;15.05.2025;;4\r\n"
              "L1;Åbakken;15.05.2025;Økonomi;3,5\r\n").encode("cp1252")
    kontrakter = minimal_tables()["kontrakter"].assign(
        prisregulering=["PL", "Fast"], standardkontrakt=["Nej", "Ja"])
    params = {"data": {"tabeller": {
        "tilsyn": {"fil": "tilsyn.csv", "kolonner": {"leverandoer_id": "Leverandør",
                                                     "dato": "Rapportdato",
                                                     "bedoemmelse": "Bedømmelse"}},
        "kontrakter": {"fil": "kontrakter.csv", "koder": {"prisregulering": {
            "PL": "pl-indeks", "Fast": "fast pris"}}}}}}
    data = load_with(tmp_path, tilsyn=tilsyn, kontrakter=kontrakter, params=params)
    assert data.tilsyn["tema"].tolist()[1] == "Økonomi"
    assert data.tilsyn["bedoemmelse"].tolist() == [4.0, 3.5]
    assert data.kontrakter["prisregulering"].tolist() == ["pl-indeks", "fast pris"]
    assert data.kontrakter["standardkontrakt"].tolist() == [False, True]


def cells(name: str, edits: dict):
    """The minimal table with cells changed: {(row, column): value} (row 0-based)."""
    frame = minimal_tables()[name]
    for (row, column), value in edits.items():
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize("overrides, fragments", [
    ({"kontrakter": cells("kontrakter", {(0, "udloebsdato"): "01-01-2025"})},
     ["kontrakter.csv, række 2, kolonne 'udloebsdato'", "ligger før startdato (15.03.2025)"]),
    ({"kontrakter": cells("kontrakter", {(0, "prisaendring_dato"): ""})},
     ["kontrakter.csv, række 2, kolonne 'tidligere_enhedspris'",
      "så prisaendring_dato skal også udfyldes"]),
    ({"kontrakter": cells("kontrakter", {(1, "prisregulering"): "indeks"})},
     ["kontrakter.csv, række 3, kolonne 'prisregulering'", "ukendt værdi 'indeks'",
      "pl-indeks, fast pris"]),
    ({"kontrakter": cells("kontrakter", {(0, "bevilling_id"): "G9"})},
     ["kontrakter.csv, række 2, kolonne 'bevilling_id'", "'G9' findes ikke i tabellen bevillinger"]),
    ({"tilsyn": cells("tilsyn", {(2, "bedoemmelse"): "6"})},
     ["tilsyn.csv, række 4, kolonne 'bedoemmelse'", "for stor (højst 5"]),
    ({"prislister": cells("prislister", {(1, "leverandoer_id"): "L9"})},
     ["prislister.csv, række 3, kolonne 'leverandoer_id'", "'L9' findes ikke i tabellen leverandoerer"]),
    ({"prislister": cells("prislister", {(1, "leverandoer_id"): "L2",
                                           (1, "gyldig_fra"): "01-01-2025"})},
     ["prislister.csv", "dubleret nøgle (leverandoer_id, ydelse, gyldig_fra)"]),
    ({"prislister": cells("prislister", {(0, "enhedspris"): "ca. 400"})},
     ["prislister.csv, række 2, kolonne 'enhedspris'", "fik 'ca. 400'"]),
])
def test_bad_indkoeb_tables_name_file_row_and_column(tmp_path, overrides, fragments):
    kommune = write_minimal_kommune(tmp_path, **overrides)
    before = snapshot(kommune.root)
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    for fragment in fragments:
        assert fragment in str(err.value), (fragment, str(err.value))
    assert snapshot(kommune.root) == before
