"""Servicetjek after the screening: the prioritised review list, the decisions the myndighed
fills in, reading them back from Excel and the realised savings (hand-computed)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_
from openpyxl import load_workbook
from servicetjek_cases import grant, make, monthly, params, payments

from socialanalyse.report.excel import write_workbook
from socialanalyse.servicetjek import (
    REGLER,
    BeslutningsFejl,
    combine,
    prioritize,
    read_decisions,
    realized_savings,
    review_sheet,
    screen,
    validate_decisions,
)


def flag(bid, regel, lav, hoej, udgift=100_000.0, borger=None):
    return {"bevilling_id": bid, "borger_id": borger or f"B{bid}", "leverandoer_id": "L1",
            "paragraf": "§107", "afdeling": "Voksen", "regel": regel,
            "regel_navn": REGLER[regel].navn, "begrundelse": f"grund {regel}",
            "aarlig_udgift": udgift, "potentiale_lav": lav, "potentiale_hoej": hoej}


def test_prioritize_combines_rules_per_grant_and_orders_by_expected_gain():
    flags = pd.DataFrame([
        # g1: two 'indsats' rules are alternatives (max) + a payment error on top (sum).
        flag("g1", "pris_over_sammenlignelige", 10_000, 40_000),
        flag("g1", "dyr_sag", 30_000, 20_000),
        flag("g1", "betaling_efter_slut", 5_000, 6_000),
        # g2: one rule with an unknown potential (NaN counts as 0).
        flag("g2", "midlertidig_overskredet", float("nan"), float("nan"), udgift=900_000),
        # g3 and g4 tie on the expected gain; g4 costs more a year.
        flag("g3", "opfoelgning_overskredet", 1_000, 3_000, udgift=100_000),
        flag("g4", "opfoelgning_overskredet", 2_000, 2_000, udgift=200_000),
    ])
    out = prioritize(flags).set_index("bevilling_id")
    # g1: lav = max(10,000, 30,000) + 5,000 = 35,000; høj = max(40,000, 20,000) + 6,000 = 46,000.
    assert out.loc["g1", ["potentiale_lav", "potentiale_hoej"]].tolist() == [35_000, 46_000]
    assert out.loc["g1", "forventet_gevinst"] == 40_500
    assert out.loc["g1", "antal_regler"] == 3
    assert out.loc["g1", "regler"] == "pris_over_sammenlignelige, dyr_sag, betaling_efter_slut"
    assert out.loc["g1", "aarsager"].startswith("Pris over sammenlignelige: grund pris_over")
    assert out.loc["g2", "forventet_gevinst"] == 0
    # Order: g1 (40,500), g4 (2,000, 200,000 kr), g3 (2,000, 100,000 kr), g2 (0).
    assert out.sort_values("prioritet").index.tolist() == ["g1", "g4", "g3", "g2"]


def test_prioritize_empty():
    assert prioritize(pd.DataFrame(columns=["bevilling_id", "regel"])).empty


@settings(max_examples=60, deadline=None)
@given(st_.lists(st_.tuples(st_.sampled_from(["a", "b", "c"]), st_.sampled_from(list(REGLER)),
                            st_.floats(0, 1e6), st_.floats(0, 1e6)), min_size=1, max_size=20))
def test_combined_potential_is_between_the_largest_flag_and_the_sum(rows):
    flags = pd.DataFrame([flag(b, r, min(x, y), max(x, y)) for b, r, x, y in rows])
    comb = combine(flags).set_index("bevilling_id")
    per = flags.groupby("bevilling_id")
    for col in ("potentiale_lav", "potentiale_hoej"):
        assert (comb[col] >= per[col].max() - 1e-6).all()
        assert (comb[col] <= per[col].sum() + 1e-6).all()
    assert (comb["potentiale_lav"] <= comb["potentiale_hoej"] + 1e-6).all()


# --- decisions and realised savings --------------------------------------------------------

def decision_data():
    g = {"enhed": "maaned", "omfang": 1, "start": "2025-01-01"}
    return make([grant("G1", "a", pris=60_000, **g), grant("G2", "b", pris=20_000, **g),
                 grant("G3", "c", pris=30_000, **g), grant("G4", "d", pris=10_000, **g)],
                betalinger=payments("G1", "L1", monthly("2025-01", "2026-10", 60_000)))


def decisions_frame():
    return pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3", "G4"],
        "regler": ["dyr_sag, opfoelgning_overskredet", "opfoelgning_overskredet",
                   "opfoelgning_overskredet, pris_over_sammenlignelige", "dyr_sag"],
        "beslutning": ["Ophørt", "justeret", "uaendret", None],
        "beslutningsdato": ["15-09-2026", pd.Timestamp("2026-09-01"), "01.10.2026", None],
        "ny_enhedspris": [None, None, None, None],
        "nyt_omfang": [None, "0,5", None, None],
        "ny_aarlig_udgift": [None, None, None, None],
        "bemaerkning": ["flyttet hjem", None, None, None],
    })


def test_realized_savings_hand_computed():
    d = decision_data()
    r = realized_savings(decisions_frame(), d, params(besparelsesmaal=1_000_000))
    per = r.pr_bevilling.set_index("bevilling_id")
    # G1 ophørt 15.9.2026: 60,000 × 12 = 720,000 kr a year, from October.
    # G2 justeret 1.9.2026 to half the volume: 240,000 -> 120,000, saving 120,000 from September.
    # G3 uændret: 0. G4 not decided yet.
    assert per["aarlig_besparelse"].to_dict() == {"G1": 720_000, "G2": 120_000, "G3": 0}
    assert per.loc["G1", "virkning_fra"] == pd.Timestamp("2026-10-01")
    assert per.loc["G2", "virkning_fra"] == pd.Timestamp("2026-09-01")
    months = r.pr_maaned.set_index("maaned")["besparelse"]
    # September: 120,000/12 = 10,000; October: 10,000 + 720,000/12 = 70,000.
    assert months.to_dict() == {pd.Timestamp("2026-09-01"): 10_000,
                                pd.Timestamp("2026-10-01"): 70_000}
    assert r.pr_maaned["akkumuleret"].tolist() == [10_000, 80_000]
    assert r.realiseret == 80_000
    assert r.aarlig == 840_000
    assert r.maal == 1_000_000 and r.andel_af_maal == pytest.approx(0.84)
    assert r.afventer == 1
    hit = r.traef.set_index("regel")
    # opfoelgning_overskredet on G1 (ophørt), G2 (justeret), G3 (uændret): 2 of 3.
    assert hit.loc["opfoelgning_overskredet", ["antal_besluttet", "antal_justeret",
                                               "antal_ophoert"]].tolist() == [3, 1, 1]
    assert hit.loc["opfoelgning_overskredet", "traefprocent"] == pytest.approx(2 / 3)
    assert hit.loc["opfoelgning_overskredet", "aarlig_besparelse"] == 840_000
    assert hit.loc["dyr_sag", "traefprocent"] == 1.0  # G4 is undecided
    assert hit.loc["pris_over_sammenlignelige", "traefprocent"] == 0.0
    assert pd.isna(hit.loc["prisstigning", "traefprocent"])  # nothing decided


def test_realized_savings_new_price_in_current_prices_and_replacement_cost():
    d = decision_data()
    dec = pd.DataFrame({"bevilling_id": ["G2", "G3"], "beslutning": ["justeret", "ophørt"],
                        "beslutningsdato": ["01-01-2026", "01-02-2026"],
                        "ny_enhedspris": [15_000, None], "ny_aarlig_udgift": [None, "100.000"]})
    r = realized_savings(dec, d, params(prisindeks=0.10, besparelsesmaal=None), as_of="2026-02-28")
    per = r.pr_bevilling.set_index("bevilling_id")
    # G2: 20,000 (2025) regulated to 2026 = 22,000 a month; new price 15,000: 7,000 × 12 = 84,000.
    # G3: 30,000 × 1.1 × 12 = 396,000 a year, replaced by an offer at 100,000: 296,000.
    assert per["aarlig_besparelse"].to_dict() == pytest.approx({"G2": 84_000, "G3": 296_000})
    # January: 7,000; February: 7,000 + 296,000/12.
    assert r.pr_maaned["besparelse"].tolist() == pytest.approx([7_000, 7_000 + 296_000 / 12])
    assert r.maal is None and r.andel_af_maal is None


def test_decisions_are_validated_with_danish_messages_naming_row_and_column():
    dec = pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3", "G9", "G1"],
        "beslutning": ["justere", "justeret", "ophørt", "uændret", "uændret"],
        "beslutningsdato": ["01-10-2026", "01-10-2026", None, None, "32-13-2026"],
        "ny_enhedspris": [None, None, "mange", None, None],
    })
    with pytest.raises(BeslutningsFejl) as exc:
        validate_decisions(dec, decision_data())
    text = str(exc.value)
    assert "række 2, kolonne beslutning: 'justere' er ikke en gyldig beslutning" in text
    assert "række 3, kolonne beslutning: 'justeret' kræver ny enhedspris" in text
    assert "række 4, kolonne ny_enhedspris: 'mange' er ikke et tal" in text
    assert "række 4, kolonne beslutningsdato: beslutningen 'ophørt' kræver en beslutningsdato" in text
    assert "række 5, kolonne bevilling_id: bevillingen 'G9' findes ikke i data" in text
    assert "række 6, kolonne beslutningsdato: '32-13-2026' er ikke en dato" in text
    assert len(exc.value.problemer) == 6


def test_decisions_without_the_decision_column():
    with pytest.raises(BeslutningsFejl, match="mangler kolonnen 'beslutning'"):
        validate_decisions(pd.DataFrame({"bevilling_id": ["G1"]}))


# --- the Excel round trip ------------------------------------------------------------------

def test_review_list_round_trip_through_excel(tmp_path):
    d = decision_data()
    p = params(dyr_sag_graense=300_000, besparelsesmaal=500_000)
    flags = screen(d, p)
    liste = prioritize(flags)
    sheet = review_sheet(liste, d, p)
    assert sheet["beslutning"].isna().all()
    assert sheet.loc[sheet["bevilling_id"] == "G1", "enhedspris_nu"].item() == 60_000
    path = write_workbook({"Gennemgangsliste": sheet}, tmp_path / "servicetjek.xlsx")

    # The myndighed fills in the sheet in Excel (headings as report.excel writes them).
    wb = load_workbook(path)
    ws = wb["Gennemgangsliste"]
    col = {c.value: c.column for c in ws[1]}
    assert {"Bevilling-ID", "Beslutning", "Ny enhedspris", "Nyt omfang"} <= set(col)
    rows = {ws.cell(r, col["Bevilling-ID"]).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["G1"], col["Beslutning"]).value = "ophørt"
    ws.cell(rows["G1"], col["Beslutningsdato"]).value = "15-09-2026"
    ws.cell(rows["G3"], col["Beslutning"]).value = "justeret"
    ws.cell(rows["G3"], col["Beslutningsdato"]).value = pd.Timestamp("2026-10-01").to_pydatetime()
    ws.cell(rows["G3"], col["Ny enhedspris"]).value = "25.000,00"
    wb.save(path)

    dec = read_decisions(path, d)
    assert len(dec) == len(sheet)
    assert sorted(dec.loc[dec["beslutning"].notna(), "bevilling_id"]) == ["G1", "G3"]
    r = realized_savings(dec, d, p)
    # G1: 720,000 a year from October; G3: (30,000 - 25,000) × 12 = 60,000 a year from October.
    assert r.aarlig == pytest.approx(780_000)
    assert r.realiseret == pytest.approx(65_000)  # October: 60,000 + 5,000
    assert r.andel_af_maal == pytest.approx(780_000 / 500_000)
    assert r.afventer == len(sheet) - 2
    hit = r.traef.set_index("regel")
    # dyr_sag flagged G1 (720,000 > 300,000) and G3 (360,000): one ophørt, one justeret.
    assert hit.loc["dyr_sag", ["antal_besluttet", "antal_justeret", "antal_ophoert"]].tolist() == [
        2, 1, 1]
    assert hit.loc["dyr_sag", "traefprocent"] == 1.0


def test_reading_a_bad_review_list_names_the_excel_cell(tmp_path):
    d = decision_data()
    sheet = review_sheet(prioritize(screen(d, params())), d, params())
    path = write_workbook({"Liste": sheet}, tmp_path / "liste.xlsx")
    wb = load_workbook(path)
    ws = wb["Liste"]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["Beslutning"]).value = "måske"
    wb.save(path)
    letter = ws.cell(1, col["Beslutning"]).column_letter
    with pytest.raises(BeslutningsFejl, match=rf"række 2, kolonne {letter} \(Beslutning\): 'måske'"):
        read_decisions(path, d)


def test_reading_a_file_that_is_not_a_review_list(tmp_path):
    path = write_workbook({"Ark": pd.DataFrame({"x": [1]})}, tmp_path / "andet.xlsx")
    with pytest.raises(BeslutningsFejl, match="ingen gennemgangsliste"):
        read_decisions(path)
    with pytest.raises(BeslutningsFejl, match="findes ikke"):
        read_decisions(tmp_path / "mangler.xlsx")
    (tmp_path / "tekst.xlsx").write_text("ikke excel")
    with pytest.raises(BeslutningsFejl, match="kan ikke læses som en Excel-fil"):
        read_decisions(tmp_path / "tekst.xlsx")
