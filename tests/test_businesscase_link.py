"""Linking a business case to the municipality's own data (from_data), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from socialanalyse import businesscase as bc
from socialanalyse.data.tables import Data


def _pays(bevilling_id: str, months: str, amount: float, end: str) -> pd.DataFrame:
    periods = pd.date_range(months, end, freq="MS")
    return pd.DataFrame({"bevilling_id": bevilling_id, "leverandoer_id": "L1",
                         "periode": periods, "beloeb": amount, "funktion": "5.38.52"})


@pytest.fixture(scope="module")
def data() -> Data:
    # Two §107 grants and one §85 grant. In 2025:
    # G1 all year (365 days), paid 60,000 a month → 720,000;
    # G2 from 1 July (184 days), paid 50,000 a month Jul–Dec → 300,000.
    # Full-year persons 1 + 184/365 = 1.5041096; payments 1,020,000.
    # Payments run to October 2026 → reference date 31.10.2026, last whole year 2025.
    bev = pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3"],
        "borger_id": ["B1", "B2", "B3"],
        "paragraf": ["§107", "§107", "§85"],
        "leverandoer_id": "L1",
        "afdeling": ["Voksen", "Voksen", "Voksen"],
        "startdato": pd.to_datetime(["2024-01-01", "2025-07-01", "2025-01-01"]),
        "slutdato": pd.to_datetime([None, None, "2025-06-30"]),
        "enhed": ["doegn", "doegn", "time"],
        "enhedspris": [2000.0, 1500.0, 500.0],
        "omfang": [7.0, 7.0, 2.0],
        "tillaeg": [0.0, 0.0, 0.0],
    })
    pays = pd.concat([
        _pays("G1", "2024-01-01", 60_000.0, "2026-10-01"),
        _pays("G2", "2025-07-01", 50_000.0, "2026-10-01"),
        _pays("G3", "2025-01-01", 4_000.0, "2025-06-01"),
    ], ignore_index=True)
    return Data.from_tables({
        "borgere": pd.DataFrame({"borger_id": ["B1", "B2", "B3"], "foedselsaar": 1990,
                                 "koen": "K", "maalgruppe": "Sindslidelse"}),
        "leverandoerer": pd.DataFrame({"leverandoer_id": ["L1"], "navn": ["Bostedet"],
                                       "leverandoertype": ["privat"],
                                       "standardkontrakt": [True]}),
        "bevillinger": bev,
        "betalinger": pays,
    })


def kobling(maal: str, paragraf="§107", **kw) -> bc.DataKobling:
    return bc.DataKobling(maal=maal, paragraf=paragraf, **kw)


def test_reference_date_and_last_whole_year(data):
    assert bc.reference_date(data) == pd.Timestamp("2026-10-31")
    assert bc.last_whole_year(data) == 2025


def test_measures_by_hand(data):
    hp = 1 + 184 / 365
    got = bc.measure(data, kobling("udgift_pr_helaarsperson"))
    assert got["aar"] == 2025
    assert got["grundlag"] == pytest.approx(hp)
    assert got["vaerdi"] == pytest.approx(1_020_000 / hp)  # 678,142.08 kr. per full-year person
    # Per day: 1,020,000 / (365 + 184) = 1,857.92 kr.
    assert bc.measure(data, kobling("udgift_pr_doegn"))["vaerdi"] == pytest.approx(
        1_020_000 / 549)
    # Granted: G1 2000 × 365.25 = 730,500; G2 1500 × 365.25 = 547,875, weighted by 1 and 184/365
    granted = (730_500 * 1 + 547_875 * 184 / 365) / hp
    assert bc.measure(data, kobling("bevilget_udgift_pr_helaarsperson"))["vaerdi"] == (
        pytest.approx(granted))
    assert bc.measure(data, kobling("helaarspersoner", faktor=2))["vaerdi"] == pytest.approx(2 * hp)
    # Active on 31.10.2026: G1 and G2 (G3 is §85 and ended).
    assert bc.measure(data, kobling("aktive_bevillinger"))["vaerdi"] == 2
    # 2024: only G1, all year (366 days), 12 × 60,000
    assert bc.measure(data, kobling("udgift_pr_helaarsperson", aar=2024))["vaerdi"] == (
        pytest.approx(720_000))
    # No grants of the paragraph → no value.
    assert math.isnan(bc.measure(data, kobling("udgift_pr_helaarsperson", "§108"))["vaerdi"])


def test_from_data_fills_the_case_and_rescales_its_distribution(data):
    case = bc.load("herning_puls")
    # The case maps §107 price per day and the number of §85 citizens (full-year persons).
    table = bc.data_values(case, data)
    assert list(table["input"]) == ["gevinster.kortere_ophold_107.pris",
                                    "borgergrupper.bostoette_85.antal"]
    assert table["anvendes"].tolist() == [True, True]
    filled = bc.from_data(case, data)
    per_day = 1_020_000 / 549
    assert filled.gevinster["kortere_ophold_107"].pris == pytest.approx(per_day)
    # §85: G3 Jan–Jun 2025 = 181 days → 181/365 full-year persons
    assert filled.borgergrupper["bostoette_85"].antal == pytest.approx(181 / 365)
    # The template is unchanged; the filled case evaluates.
    assert case.gevinster["kortere_ophold_107"].pris == 2500
    assert math.isfinite(bc.evaluate(filled).nutidsvaerdi)


def test_from_data_keeps_template_without_data_and_accepts_a_mapping(data):
    case = bc.load("fredericia_hjemmebaseret_indsats")  # maps BL §46, absent in these data
    table = bc.data_values(case, data)
    assert not table["anvendes"].any()
    assert bc.from_data(case, data) == case
    mapping = {"gevinster.undgaaet_anbringelse.beloeb":
               {"maal": "udgift_pr_helaarsperson", "paragraf": "§107", "faktor": 3}}
    filled = bc.from_data(case, data, mapping)
    value = 3 * 1_020_000 / (1 + 184 / 365)
    assert filled.gevinster["undgaaet_anbringelse"].beloeb == pytest.approx(value)
    # The distribution keeps its relative spread: 3.0–3.53–4.0 mio. scaled by value / 3.53 mio.
    dist = filled.usikkerhed["gevinster.undgaaet_anbringelse.beloeb"]
    ratio = value / 3_530_000
    assert (dist.min, dist.sandsynligst, dist.max) == pytest.approx(
        (3_000_000 * ratio, value, 4_000_000 * ratio))
    assert bc.monte_carlo(filled, 200, seed=1).n == 200


def test_synthetic_municipality_fills_shipped_cases(sample):
    _, data = sample
    for name in bc.available_cases():
        case = bc.load(name)
        table = bc.data_values(case, data)
        filled = bc.from_data(case, data)
        assert math.isfinite(bc.evaluate(filled).nutidsvaerdi)
        for row in table.loc[table["anvendes"].astype(bool)].itertuples():
            assert row.fra_data > 0
