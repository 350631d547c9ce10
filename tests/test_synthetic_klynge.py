"""The synthetic generator's klynge family: planted only with a role (the sample municipality
is unchanged), each role's rows checked on the tables themselves and its record's kroner
computed here by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.data.synthetic import klynge as fam

SIZE, SEED = 8_000, 3


@pytest.fixture(scope="module")
def plain():
    return generate("testby", SIZE, SEED)


@pytest.fixture(scope="module", params=fam.KLYNGE_ROLLER)
def member(request):
    s = generate("testby", SIZE, SEED, request.param)
    return s, Data.from_tables(s.tables)  # the tables pass the contract


def test_without_a_role_nothing_is_planted(plain):
    assert "klynge" not in plain.planted.families
    names = set(plain.tables["leverandoerer"]["navn"])
    assert not names & {fam.FAELLES_LEVERANDOER, fam.LEDIG_LEVERANDOER, fam.KOEB_LEVERANDOER}


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="klynge_rolle skal være en af ledig, koeber, dyr"):
        generate("testby", SIZE, SEED, "billig")


def test_a_role_adds_rows_and_keeps_the_others(plain, member):
    s, _ = member
    for table in ("borgere", "bevillinger", "leverandoerer", "tilbud"):
        before, after = plain.tables[table], s.tables[table]
        key = after.columns[0]
        kept = after[after[key].isin(before[key])].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, before.reset_index(drop=True), check_dtype=False)


def _grants_at(data: Data, navn: str) -> pd.DataFrame:
    lev = data.leverandoerer.set_index("leverandoer_id")["navn"]
    return data.bevillinger[data.bevillinger["leverandoer_id"].map(lev).eq(navn)]


def test_shared_provider_grants_and_the_saving_at_the_median(member):
    s, data = member
    rec = s.planted.families["klynge"]
    bev = _grants_at(data, fam.FAELLES_LEVERANDOER)
    assert sorted(bev["bevilling_id"]) == list(rec.faelles_bevillinger)
    assert len(bev) == 6 and bev["paragraf"].eq("§108").all() and bev["omfang"].eq(7).all()
    takst = 3380.0 if rec.rolle == "dyr" else 2600.0
    assert bev["enhedspris"].eq(takst).all() and rec.takst == takst
    assert (bev["startdato"] == pd.Timestamp("2026-01-01")).all() and bev["slutdato"].isna().all()
    # By hand: 6 × (3,380 - 2,600) kr. × 365.25 days = 1,709,370 kr. a year for 'dyr'.
    assert rec.besparelse_ved_median == pytest.approx(1_709_370.0 if rec.rolle == "dyr" else 0)
    assert rec.klynge_median == 2600.0


def test_free_places_and_external_purchases(member):
    s, data = member
    rec = s.planted.families["klynge"]
    offer = data.tilbud[data.tilbud["navn"] == rec.tilbud]
    bought = _grants_at(data, fam.KOEB_LEVERANDOER)
    group = data.bevillinger["borger_id"].map(data.borgere.set_index("borger_id")["maalgruppe"])
    natural = data.bevillinger["paragraf"].eq("§107") & group.eq("Fysisk funktionsnedsættelse")
    added = set(data.leverandoerer["navn"]) & {
        fam.FAELLES_LEVERANDOER, fam.LEDIG_LEVERANDOER, fam.KOEB_LEVERANDOER}
    assert added == {fam.FAELLES_LEVERANDOER, *{"ledig": [fam.LEDIG_LEVERANDOER],
                                                "koeber": [fam.KOEB_LEVERANDOER]}.get(rec.rolle, [])}
    if rec.rolle == "ledig":
        o = offer.iloc[0]
        assert (o["pladser"], o["takst"], o["maalgruppe"]) == (24, 2300.0,
                                                               "Fysisk funktionsnedsættelse")
        residents = data.bevillinger[data.bevillinger["tilbud_id"] == o["tilbud_id"]]
        assert len(residents) == 12 and residents["slutdato"].isna().all()
        assert (residents["startdato"] < pd.Timestamp("2021-11-01")).all()
        assert natural.sum() == 12 and bought.empty
    elif rec.rolle == "koeber":
        assert offer.empty and sorted(bought["bevilling_id"]) == list(rec.koeb)
        assert len(bought) == 8 and bought["enhedspris"].eq(2950.0).all()
        assert natural.sum() == 8  # no other §107 grant for the group
    else:
        assert offer.empty and bought.empty and natural.sum() == 0
    # By hand: min(8 buyers, 24 - 12 free) × (2,950 - 2,300) kr. × 365.25 = 1,899,300 kr.
    assert rec.matchede_pladser == 8 and rec.ledige_pladser == 12
    assert rec.besparelse_ved_match == pytest.approx(1_899_300.0)
    assert rec.koebers_aarspris == pytest.approx(2950 * 365.25)
    assert rec.tilbuddets_aarspris == pytest.approx(2300 * 365.25)


def test_planted_grants_are_paid_exactly(member):
    s, data = member
    rec = s.planted.families["klynge"]
    ids = set(rec.faelles_bevillinger) | set(rec.koeb)
    paid = data.betalinger[data.betalinger["bevilling_id"].isin(ids)]
    # Ten months of 2026 (January to October) at the daily price × the month's days.
    bev = data.bevillinger.set_index("bevilling_id").loc[sorted(ids)]
    expected = (bev["enhedspris"] * (pd.Timestamp("2026-10-31") - pd.Timestamp("2025-12-31")
                                     ).days).sum()
    assert paid["beloeb"].sum() == pytest.approx(expected, abs=0.01 * len(paid))
