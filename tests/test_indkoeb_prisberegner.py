"""indkoeb.price_calculator: hand-computed ranking, the valid price on a date, other units, and
the ranking as a property (monotone in price)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indkoeb_cases import PROVIDERS, grant, make, price, with_tables

from socialanalyse.indkoeb import price_calculator, services

YDELSE = "Støtte i eget hjem, dagtimer"
WEEKS = 365.25 / 7  # 52.18 weeks a year


def price_lists():
    return with_tables(make([grant("g", "a")]), prislister=[
        price("L2", YDELSE, 420, "2024-01-01"), price("L2", YDELSE, 450, "2025-01-01",
                                                      indhold="Inkl. kørsel og dokumentation"),
        price("L3", YDELSE, 380, "2024-01-01"), price("L3", YDELSE, 400, "2025-06-01"),
        price("L4", YDELSE, 500, "2024-01-01"),
        price("L5", YDELSE, 8_000, "2024-01-01", enhed="maaned"),
        price("L2", "Ledsagelse", 300, "2024-01-01", paragraf="§97"),
    ]).prislister


def test_ranking_for_six_hours_a_week():
    r = price_calculator(price_lists(), YDELSE, 6, leverandoerer=PROVIDERS)
    assert r.tilgaengelig and r.enhed == "time" and r.omfang == 6
    t = r.tabel
    assert list(t["leverandoer_id"]) == ["L3", "L2", "L4"] and list(t["rang"]) == [1, 2, 3]
    # Each provider's latest price × 6 hours × 52.18 weeks.
    assert t["enhedspris"].tolist() == [400, 450, 500]
    assert t["aarlig_udgift"].tolist() == pytest.approx([400 * 6 * WEEKS, 450 * 6 * WEEKS,
                                                         500 * 6 * WEEKS])
    assert round(t["aarlig_udgift"].iloc[0]) == 125_229
    assert t["forskel_til_billigste"].tolist() == pytest.approx([0, 50 * 6 * WEEKS, 100 * 6 * WEEKS])
    assert t["indhold"].iloc[1] == "Inkl. kørsel og dokumentation"
    assert t["navn"].iloc[0] == "Privat 3" and t["leverandoertype"].iloc[0] == "privat"
    assert any("anden enhed end pr. time" in n for n in r.noter)  # L5 prices per month


def test_prices_valid_on_a_date():
    t = price_calculator(price_lists(), YDELSE, 6, paa="2025-03-01").tabel
    # L3's 400 applies from June 2025; on 1 March its 380 is valid.
    assert t.set_index("leverandoer_id").loc["L3", "enhedspris"] == 380
    assert t.set_index("leverandoer_id").loc["L3", "gyldig_fra"] == pd.Timestamp("2024-01-01")
    assert t["navn"].iloc[0] == "L3"  # without the provider table: the id
    none = price_calculator(price_lists(), YDELSE, 6, paa="2020-01-01")
    assert not none.tilgaengelig and "01.01.2020" in none.mangler


def test_monthly_unit_and_unknown_service():
    r = price_calculator(price_lists(), YDELSE, 1, enhed="maaned")
    assert r.tabel["aarlig_udgift"].tolist() == [8_000 * 12]
    unknown = price_calculator(price_lists(), "Svømning", 2)
    assert not unknown.tilgaengelig and "'Svømning' findes ikke" in unknown.mangler
    assert "'Ledsagelse'" in unknown.mangler
    with pytest.raises(ValueError, match="mindst 0"):
        price_calculator(price_lists(), YDELSE, -1)


def test_services_on_the_price_lists():
    s = services(price_lists())
    assert s["ydelse"].tolist() == ["Ledsagelse", YDELSE]
    assert s.set_index("ydelse").loc[YDELSE, "enhed"] == "time"
    assert s.set_index("ydelse").loc[YDELSE, "antal_leverandoerer"] == 4


def test_without_price_lists():
    empty = make([grant("g", "a")]).prislister
    r = price_calculator(empty, YDELSE, 6)
    assert not r.tilgaengelig and "prislister" in r.mangler and "rang" in r.tabel.columns
    assert services(empty).empty


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([350.0, 400.0, 412.5, 450.0, 600.0]), min_size=1, max_size=6),
       st.floats(0.5, 40))
def test_ranking_is_monotone_in_price(prices, hours):
    rows = [price(f"L{k}", YDELSE, p) for k, p in enumerate(prices)]
    t = price_calculator(pd.DataFrame(rows).astype({"gyldig_fra": "datetime64[ns]"}), YDELSE,
                         hours).tabel
    assert t["aarlig_udgift"].is_monotonic_increasing
    by = t.set_index("leverandoer_id")
    for a in by.index:
        for b in by.index:
            pa, pb = by.loc[a, "enhedspris"], by.loc[b, "enhedspris"]
            if pa < pb:
                assert by.loc[a, "rang"] < by.loc[b, "rang"]
            elif pa == pb:
                assert by.loc[a, "rang"] == by.loc[b, "rang"]
    assert t["rang"].min() == 1
