"""socialanalyse.indkoeb finds what the synthetic municipality's indkoeb family planted
(`Planted.families["indkoeb"]`), on the small sample. Each planted signal has its own test;
recall is at least 95 % of the planted ids, and where the signal is a set the analysis finds
nothing else under the same definition.

- expiring contracts (within six months) and the spending at stake, to the krone
- running contracts past their renegotiation date (also on the negotiation list)
- a provider with a high price and a low supervision score
- a provider whose tillæg grows fast
- a renegotiation with a known saving
- a price list with a known ranking for a chosen service and volume
- external providers without any contract
"""

from __future__ import annotations

import pandas as pd
import pytest

from socialanalyse import indkoeb
from socialanalyse.config import load_parameters
from socialanalyse.indkoeb.forhandling import HOEJ_LAV
from socialanalyse.indkoeb.kontrakter import INGEN, OVERSKREDET, UDLOEBER

RECALL = 0.95


def recall(found, planted) -> float:
    planted = set(planted)
    return len(set(found) & planted) / len(planted)


@pytest.fixture(scope="module")
def params():
    return load_parameters("eksempelkommune")


@pytest.fixture(scope="module")
def planted(sample):
    return sample[0].planted.families["indkoeb"]


@pytest.fixture(scope="module")
def data(sample):
    return sample[1]


@pytest.fixture(scope="module")
def calendar(data):
    return indkoeb.contract_calendar(data, months=6)


def test_expiring_contracts_with_the_spending_at_stake(calendar, planted):
    cal = calendar.kalender
    found = cal.loc[cal["haendelse"] == UDLOEBER].set_index("kontrakt_id")
    ids = [u.kontrakt_id for u in planted.udloeber]
    assert recall(found.index, ids) >= RECALL and set(found.index) == set(ids)
    for u in planted.udloeber:
        row = found.loc[u.kontrakt_id]
        assert row["betalt_12_mdr"] == pytest.approx(u.betalt_12_mdr, abs=0.01)
        assert row["antal_bevillinger"] == len(u.bevillinger)
        assert row["dato"] == u.udloebsdato and 0 < row["dage"] <= 181
    assert calendar.antal_kontrakter >= len(ids)


def test_contracts_past_their_renegotiation_date(calendar, planted, data, params):
    cal = calendar.kalender
    found = cal.loc[cal["haendelse"] == OVERSKREDET, "kontrakt_id"]
    assert recall(found, planted.genforhandling_overskredet) >= RECALL
    assert set(found) == set(planted.genforhandling_overskredet)
    assert calendar.antal_overskredne == len(planted.genforhandling_overskredet)
    # One of them is with the provider first on the negotiation list.
    lst = indkoeb.negotiation_list(data, params).liste
    k = data.kontrakter.set_index("kontrakt_id")
    overdue_providers = set(k.loc[list(planted.genforhandling_overskredet), "leverandoer_id"])
    flagged = set(lst.loc[lst["genforhandling_overskredet"], "leverandoer_id"])
    assert flagged and flagged <= overdue_providers


def test_high_price_low_quality(data, params, planted):
    pq = indkoeb.price_quality(data, params)
    found = pq.tabel.loc[pq.tabel["kvadrant"] == HOEJ_LAV, "leverandoer_id"]
    assert recall(found, planted.hoej_pris_lav_kvalitet) >= RECALL
    assert tuple(found) == planted.hoej_pris_lav_kvalitet
    assert pq.antal_pr_kvadrant[HOEJ_LAV] == 1
    assert pq.tabel.iloc[0]["leverandoer_id"] == planted.hoej_pris_lav_kvalitet[0]  # first


def test_fast_growing_tillaeg(data, planted):
    t = indkoeb.contract_coverage(data).tillaeg
    mine = t[t["leverandoer_id"] == planted.tillaeg_leverandoer].set_index("aar")
    for year, per_month in planted.tillaeg_pr_maaned:
        assert mine.at[year, "tillaeg_pr_maaned"] == pytest.approx(per_month)
    assert mine.at[2025, "vaekst"] > 1
    fastest = t[t["aar"] == 2025].sort_values("vaekst", ascending=False)
    assert recall(fastest["leverandoer_id"].head(1), [planted.tillaeg_leverandoer]) >= RECALL


def test_renegotiation_with_a_known_saving(data, params, planted):
    r = planted.genforhandling
    s = indkoeb.procurement_savings(data, params)
    rows = s.pr_genforhandling[s.pr_genforhandling["kontrakt_id"] == r.kontrakt_id]
    assert recall(rows["bevilling_id"], r.bevillinger) >= RECALL
    assert set(rows["bevilling_id"]) == set(r.bevillinger)
    assert rows["aarlig_besparelse"].sum() == pytest.approx(r.aarlig_besparelse)
    assert rows["realiseret"].sum() == pytest.approx(r.realiseret)
    assert (rows["virkning_fra"] == r.virkning_fra).all()
    this_year = s.pr_aar.set_index("aar").loc[2026]
    assert this_year["aarlig_effekt"] == pytest.approx(r.aarlig_besparelse)  # the only one
    assert s.maal == 4_000_000 and s.andel_af_maal == pytest.approx(r.aarlig_besparelse / 4e6)
    # The price paid fell in 2026, and a fall is never a price rise above the index.
    dev = indkoeb.price_development(data, params).tabel
    row = dev[(dev["leverandoer_id"] == r.leverandoer_id) & (dev["paragraf"] == r.paragraf)
              & (dev["aar"] == 2026)].iloc[0]
    assert row["aendring"] < 0 and not row["over_graense"]


def test_price_list_ranking(data, planted):
    r = planted.prisliste
    calc = indkoeb.price_calculator(data.prislister, r.ydelse, r.omfang,
                                    leverandoerer=data.leverandoerer)
    found = tuple(calc.tabel["leverandoer_id"])
    assert recall(found, r.leverandoerer) >= RECALL and found == r.leverandoerer
    assert tuple(calc.tabel["aarlig_udgift"]) == pytest.approx(r.aarlig_udgift)
    assert calc.tabel["rang"].tolist() == list(range(1, len(found) + 1))
    assert any("anden enhed" in n for n in calc.noter)  # the monthly price is left out
    before = indkoeb.price_calculator(data.prislister, r.ydelse, r.omfang,
                                      paa=r.ny_pris_fra - pd.Timedelta(days=1))
    assert tuple(before.tabel["leverandoer_id"]) == r.foer_ny_pris


def test_providers_without_any_contract(data, planted):
    cov = indkoeb.contract_coverage(data)
    assert cov.kilde == "kontrakter"
    b = data.bevillinger
    year = cov.aar
    first, last = pd.Timestamp(year, 1, 1), derived_reference(data)
    active = b[(b["startdato"] <= last) & (b["slutdato"].isna() | (b["slutdato"] >= first))]
    theirs = active[active["leverandoer_id"].isin(planted.uden_kontrakt)]
    total = cov.pr_aar[(cov.pr_aar["aar"] == year) & (cov.pr_aar["leverandoertype"] == "I alt")]
    assert int(total["antal_bevillinger_uden_kontrakt"].iloc[0]) == len(theirs) > 0
    assert INGEN == "ingen gyldig kontrakt"


def derived_reference(data) -> pd.Timestamp:
    from socialanalyse.data import derived

    return derived.reference_date(data.betalinger)
