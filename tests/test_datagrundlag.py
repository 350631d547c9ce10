"""The data behind a run (socialanalyse.datagrundlag), on a small hand-made municipality."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import split_payments

from socialanalyse import datagrundlag as dg
from socialanalyse.data import Data, load

ts = pd.Timestamp


def months(start: str, end: str) -> list[pd.Timestamp]:
    return list(pd.date_range(start, end, freq="MS"))


@pytest.fixture(scope="module")
def data() -> Data:
    borgere = pd.DataFrame({
        "borger_id": ["B1", "B2", "B3"], "foedselsaar": [1980, 1990, 1970],
        "koen": ["K", "M", "K"], "maalgruppe": ["Sindslidelse", "Autisme", "Autisme"],
    })
    lev = pd.DataFrame({
        "leverandoer_id": ["L1", "L2", "L3"], "navn": ["Egen", "Privat", "Region"],
        "leverandoertype": ["egen drift", "privat", "region"],
        "standardkontrakt": [True, False, True],
    })
    bev = pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3", "G4", "G5"],
        "borger_id": ["B1", "B1", "B2", "B3", "B3"],
        "paragraf": ["§85", "§107", "§85", "§108", "§85"],
        "leverandoer_id": ["L1", "L2", "L1", "L3", "L1"],
        "afdeling": ["Voksne"] * 5,
        "startdato": pd.to_datetime(["2024-01-01", "2024-03-01", "2025-01-01", "2022-01-01",
                                     "2023-01-01"]),
        "slutdato": pd.to_datetime([None, "2025-06-30", "2026-12-31", None, "2023-12-31"]),
        "enhed": ["time", "doegn", "time", "doegn", "time"],
        "enhedspris": [500.0, 2000.0, 500.0, 1500.0, 500.0],
        "omfang": [2.0, 7.0, 3.0, 7.0, 1.0],
    })
    # G1: 1.000 kr in each month 2025-01 … 2026-01; G4: 5.000 in 2025-06 and 3.000 in 2026-02;
    # G2: 2.000 in 2025-03.
    g1 = months("2025-01-01", "2026-01-01")
    pay = pd.DataFrame({
        "bevilling_id": ["G1"] * len(g1) + ["G4", "G4", "G2"],
        "leverandoer_id": ["L1"] * len(g1) + ["L3", "L3", "L2"],
        "periode": g1 + [ts("2025-06-01"), ts("2026-02-01"), ts("2025-03-01")],
        "beloeb": [1000.0] * len(g1) + [5000.0, 3000.0, 2000.0],
        "funktion": ["5.38.50"] * (len(g1) + 3),
    })
    return Data.from_tables(
        {"borgere": borgere, "leverandoerer": lev, "bevillinger": bev, "betalinger": pay},
        advarsler=("Kolonnen 'tillaeg' mangler; sat til 0.",),
    )


def test_period_covered(data):
    p = dg.period_covered(data)
    # payments 2025-01 … 2026-02: 14 months; reference date is the last day of 2026-02
    assert p == dg.Periode(ts("2025-01-01"), ts("2026-02-28"), 14)
    assert dg.reference_date(data) == ts("2026-02-28")


def test_period_without_payments():
    empty = Data.from_tables({})
    assert dg.period_covered(empty) == dg.Periode(None, None, 0)
    assert dg.overview(empty).aktive_bevillinger == 0


def test_table_counts(data):
    counts = dg.table_counts(data).set_index("tabel")["raekker"]
    # 13 payments for G1 + 3 others = 16
    assert counts.to_dict() == {
        "borgere": 3, "leverandoerer": 3, "tilbud": 0, "bevillinger": 5, "betalinger": 16,
        "opfoelgninger": 0, "vurderinger": 0, "maal": 0, "budget": 0, "befolkning": 0,
        "kontrakter": 0, "prislister": 0, "tilsyn": 0,
    }
    assert dg.table_counts(data)["beskrivelse"].str.len().gt(10).all()
    assert dg.table_counts(data)["filer"].eq("").all()  # in-memory tables: no files


def test_table_counts_name_the_files_read(tmp_path):
    kommune = split_payments(tmp_path)
    (kommune.data_dir / "maal.csv").unlink()
    files = dg.table_counts(load(kommune.slug, root=kommune.root)).set_index("tabel")["filer"]
    assert files["betalinger"] == "betalinger_2024.csv, betalinger_2025.csv"
    assert files["borgere"] == "borgere.csv" and files["maal"] == ""


def test_citizens_by_paragraf_counts_distinct_citizens(data):
    out = dg.citizens_by(data, "paragraf")
    # §85: G1 (B1), G3 (B2), G5 (B3) -> 3 citizens, 3 grants; §107: B1; §108: B3.
    # I alt: 3 distinct citizens (not 3 + 1 + 1 = 5), 5 grants. Catalogue order.
    assert out.to_dict("list") == {
        "paragraf": ["§85", "§107", "§108", "I alt"],
        "antal_borgere": [3, 1, 1, 3],
        "antal_bevillinger": [3, 1, 1, 5],
    }


def test_citizens_by_maalgruppe(data):
    out = dg.citizens_by(data, "maalgruppe", total=False)
    # Autisme: B2 (G3), B3 (G4, G5) -> 2 citizens, 3 grants; Sindslidelse: B1 (G1, G2).
    # In the order of reference.MAALGRUPPER (Udviklingshæmning, Autisme, Sindslidelse, …).
    assert out.to_dict("list") == {
        "maalgruppe": ["Autisme", "Sindslidelse"],
        "antal_borgere": [2, 1],
        "antal_bevillinger": [3, 2],
    }


def test_citizens_by_on_a_day(data):
    out = dg.citizens_by(data, "paragraf", on="2026-02-28")
    # active on 2026-02-28: G1 (open), G3 (to 2026-12-31), G4 (open); not G2, G5.
    assert out.to_dict("list") == {
        "paragraf": ["§85", "§108", "I alt"],
        "antal_borgere": [2, 1, 3],
        "antal_bevillinger": [2, 1, 3],
    }


def test_citizens_by_kategori_and_unknown_column(data):
    out = dg.citizens_by(data, "kategori", total=False)
    assert out.set_index("kategori")["antal_borgere"].to_dict() == {
        "Støtte i eget hjem": 3, "Midlertidigt botilbud": 1, "Længerevarende botilbud": 1}
    with pytest.raises(KeyError):
        dg.citizens_by(data, "skostoerrelse")


def test_spending_per_year(data):
    out = dg.spending_per_year(data)
    # 2025: 12 × 1.000 (G1) + 5.000 (G4) + 2.000 (G2) = 19.000, all 12 months
    # 2026: 1.000 (G1, jan) + 3.000 (G4, feb) = 4.000, 2 months
    assert out.to_dict("list") == {
        "aar": [2025, 2026], "udgift": [19000.0, 4000.0], "maaneder": [12, 2],
        "helt_aar": [True, False],
    }
    assert dg.latest_full_year(data) == 2025


def test_spending_by_provider_type(data):
    out = dg.spending_by_provider_type(data)
    # egen drift 13 × 1.000 = 13.000; region 5.000 + 3.000 = 8.000; privat 2.000; total 23.000
    assert out["leverandoertype"].tolist() == [
        "egen drift", "anden kommune", "region", "privat", "selvejende"]
    assert out["udgift"].tolist() == [13000.0, 0.0, 8000.0, 2000.0, 0.0]
    assert out["andel"].tolist() == pytest.approx([13 / 23, 0, 8 / 23, 2 / 23, 0])
    year = dg.spending_by_provider_type(data, aar=2025)
    # 2025: egen drift 12.000, region 5.000, privat 2.000 of 19.000
    assert year["udgift"].tolist() == [12000.0, 0.0, 5000.0, 2000.0, 0.0]
    assert year["andel"].sum() == pytest.approx(1.0)


def test_warnings_table(data):
    assert dg.warnings_table(data)["advarsel"].tolist() == [
        "Kolonnen 'tillaeg' mangler; sat til 0."]
    assert dg.warnings_table(Data.from_tables({})).empty


def test_overview(data):
    o = dg.overview(data)
    # G5 ended 31.12.2023, before the first paid month (2025-01): not in the period.
    assert o == dg.Overblik(
        antal_borgere=3, antal_bevillinger=4, aktive_bevillinger=3, antal_borgere_aktive=3,
        antal_leverandoerer=3, foerste_maaned=ts("2025-01-01"),
        opgoerelsesdato=ts("2026-02-28"), seneste_hele_aar=2025, udgift_seneste_aar=19000.0,
    )


def test_overview_counts_only_grants_in_the_period(data):
    # The period is 01.01.2025 (first paid month) to 28.02.2026 (reference date).
    t = data.tables()
    extra = pd.DataFrame({
        "bevilling_id": ["G6", "G7", "G8", "G9"], "borger_id": ["B4", "B5", "B6", "B7"],
        "paragraf": ["§85"] * 4, "leverandoer_id": ["L1"] * 4, "afdeling": ["Voksne"] * 4,
        # G6 starts after the reference date, G7 ended the day before the first month: out.
        # G8 ends on the first day of the period, G9 starts on the reference date: in.
        "startdato": pd.to_datetime(["2026-03-01", "2024-01-01", "2024-06-01", "2026-02-28"]),
        "slutdato": pd.to_datetime([None, "2024-12-31", "2025-01-01", None]),
        "enhed": ["time"] * 4, "enhedspris": [500.0] * 4, "omfang": [1.0] * 4, "tillaeg": 0.0,
    })
    people = pd.DataFrame({"borger_id": ["B4", "B5", "B6", "B7"], "foedselsaar": [1990] * 4,
                           "koen": ["K"] * 4, "maalgruppe": ["Autisme"] * 4})
    more = Data.from_tables({**t, "bevillinger": pd.concat([t["bevillinger"], extra],
                                                           ignore_index=True),
                             "borgere": pd.concat([t["borgere"], people], ignore_index=True)})
    o = dg.overview(more)
    assert (o.antal_bevillinger, o.antal_borgere) == (4 + 2, 3 + 2)  # G8, G9; B6, B7
    assert (o.aktive_bevillinger, o.antal_borgere_aktive) == (3 + 1, 3 + 1)  # G9 on 28.02.2026
