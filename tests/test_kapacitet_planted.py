"""The synthetic municipality's planted capacity signals (data.synthetic.kapacitet) are found by
socialanalyse.kapacitet: the own §108 offer at 75 % and its hjemtagning candidates with their
savings (within 1 %), the full own §107 offer while citizens are placed externally, and the
step-down flows after §107. At the test size (15,000) and the default size (45,000)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from socialanalyse import budget as B
from socialanalyse import kapacitet as K
from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate

RECALL = 0.95


@pytest.fixture(scope="module", params=[15_000, 45_000], ids=["15000", "45000"])
def planted(request):
    s = generate("eksempelkommune", request.param, 1)
    d = Data.from_tables(s.tables)
    bel = K.occupancy(d)
    return {"data": d, "record": s.planted.families["kapacitet"], "bel": bel,
            "hjem": K.homecoming_candidates(d, belaegning=bel), "n": request.param}


def _offer(bel: K.Belaegning, tilbud_id: str) -> tuple[pd.Series, pd.DataFrame]:
    months = bel.maaned[bel.maaned["tilbud_id"] == tilbud_id].sort_values("maaned")
    return bel.tilbud.set_index("tilbud_id").loc[tilbud_id], months


def test_the_own_108_offer_stands_at_75_percent(planted):
    k, bel = planted["record"], planted["bel"]
    offer, months = _offer(bel, k.tomme_tilbud)
    assert months["belaegningsgrad"].tail(12).tolist() == pytest.approx([0.75] * 12)
    assert offer["ledige_maaneder_i_traek"] >= 12
    assert offer["ledige_pladser_nu"] == k.tomme_pladser - k.tomme_beboere
    assert offer["prisgrundlag"] == "takst" and offer["maalgruppe"] == k.maalgrupper[0]
    # Empty place-days × the takst: a quarter of the places every day of the last 12 months.
    last12 = months.tail(12)
    assert last12["udgift_tomme_pladser"].sum() == pytest.approx(
        k.tomme_pladser / 4 * last12["dage"].sum() * 2400.0)


def test_the_planted_candidates_are_found_on_that_offer(planted):
    k, h = planted["record"], planted["hjem"]
    on_offer = h.kandidater[h.kandidater["tilbud_id"] == k.tomme_tilbud]
    found = set(on_offer["bevilling_id"])
    wanted = {c.bevilling_id for c in k.kandidater}
    assert len(wanted & found) / len(wanted) >= RECALL
    assert len(wanted) >= 3
    # The group's other external §108 grants are candidates too, and all fit the free places.
    assert found == wanted | set(k.oevrige_kandidater)
    assert on_offer["inden_for_ledige_pladser"].all()


def test_the_savings_match_the_planted_ones_within_one_percent(planted):
    k, h = planted["record"], planted["hjem"]
    found = h.kandidater.set_index("bevilling_id")
    for c in k.kandidater:
        row = found.loc[c.bevilling_id]
        assert row["borger_id"] == c.borger_id
        assert row["ekstern_aarlig_udgift"] == pytest.approx(c.ekstern_aarlig_udgift, rel=0.01)
        assert row["besparelse_lav"] == pytest.approx(c.besparelse_lav, rel=0.01)
        assert row["besparelse_hoej"] == pytest.approx(c.besparelse_hoej, rel=0.01)
    ours = found.loc[[c.bevilling_id for c in k.kandidater]]
    assert ours["besparelse_lav"].sum() == pytest.approx(k.besparelse_lav, rel=0.01)
    assert ours["besparelse_hoej"].sum() == pytest.approx(k.besparelse_hoej, rel=0.01)


def test_the_own_107_offer_is_full_while_citizens_are_placed_externally(planted):
    k, bel, h, d = planted["record"], planted["bel"], planted["hjem"], planted["data"]
    offer, months = _offer(bel, k.fuldt_tilbud)
    assert months["belaegningsgrad"].tail(12).tolist() == pytest.approx([1.0] * 12)
    assert offer["ledige_pladser_nu"] == 0 and offer["fuld_med_eksterne"]
    assert offer["fuldt_belagt_maaneder_i_traek"] >= 12
    assert k.fuldt_tilbud not in set(h.kandidater["tilbud_id"])
    # The planted external grants are among those counted.
    bev = d.bevillinger.set_index("bevilling_id")
    assert len(k.eksterne_107) == 3
    assert (bev.loc[list(k.eksterne_107), "slutdato"].isna()).all()
    assert offer["eksterne_nu"] >= len(k.eksterne_107)
    full = bel.tilbud[bel.tilbud["fuld_med_eksterne"]]
    assert k.fuldt_tilbud in set(full["tilbud_id"])


def test_step_down_after_the_stays_in_the_full_offer(planted):
    k, d = planted["record"], planted["data"]
    stays = K.staircase(d).ophold
    ours = stays[stays["borger_id"].isin({o.borger_id for o in k.ophold})]
    assert len(ours) == len(k.ophold) == 20
    assert ours["fulgt_af_mindre_indgribende"].mean() == pytest.approx(k.trinskift_andel)
    assert k.trinskift_andel == 0.6
    flagged = set(ours.loc[ours["fulgt_af_mindre_indgribende"], "borger_id"])
    assert flagged == {o.borger_id for o in k.ophold if o.udfald == "§85"}


def test_the_flows_of_the_planted_citizens_per_year(planted):
    # On the planted citizens alone, each ended stay moves off step 4 at the next month end:
    # to 2 (§85 from 14 days later), to 0 (nothing) or to 5 (§108 from the next day).
    k, d = planted["record"], planted["data"]
    who = {o.borger_id for o in k.ophold}
    t = K.staircase(dataclasses.replace(d, bevillinger=d.bevillinger[
        d.bevillinger["borger_id"].isin(who)]))
    flows = t.overgange[t.overgange["fra_trin"] == 4].set_index(["aar", "til_trin"])["antal"]
    expected: dict[tuple[int, int], int] = {}
    for o in k.ophold:
        key = ((o.slutdato + pd.offsets.MonthEnd(1)).year, {"§85": 2, "ingen": 0, "§108": 5}[
            o.udfald])
        expected[key] = expected.get(key, 0) + 1
    assert flows.to_dict() == expected
    assert sum(v for (_, to), v in expected.items() if to == 2) == 12


def test_capacity_need_says_invest_for_107(planted):
    d = planted["data"]
    p = load_parameters("eksempelkommune")
    bi = B.Indstillinger.fra(p)
    frem = B.forecast(d, bi, B.expected_year_end(d, ind=bi))
    need = K.capacity_need(d, p, frem).behov
    first = need[(need["paragraf"] == "§107") & (need["aar"] == frem.sidste_aar + 1)].iloc[0]
    assert first["signal"] == "invester"
    assert first["behov_lav"] - first["pladser"] >= 1
