"""Capacity: occupancy, hjemtagning, self-sufficiency, the indsatstrappe and the need for places,
hand-computed on small made-up municipalities, with property tests and 'not available'."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import budget as B
from socialanalyse import kapacitet as K
from socialanalyse import noegletal as N
from socialanalyse import reference as ref
from socialanalyse.config import load_parameters
from socialanalyse.data import Data, empty_table, load
from socialanalyse.data.contract import TABLES, conform
from socialanalyse.data.derived import DAYS_PER_YEAR, WEEKS_PER_YEAR

IND0 = K.Indstillinger(prisindeks=0.0)  # hand computations at granted prices

D = pd.Timestamp


def _grants(rows: list[tuple]) -> pd.DataFrame:
    """(id, borger, paragraf, leverandoer, tilbud, start, slut, kr per day) -> bevillinger."""
    b = pd.DataFrame(rows, columns=["bevilling_id", "borger_id", "paragraf", "leverandoer_id",
                                    "tilbud_id", "startdato", "slutdato", "enhedspris"])
    b["startdato"] = pd.to_datetime(b["startdato"])
    b["slutdato"] = pd.to_datetime(b["slutdato"])
    cat = ref.paragraffer().set_index("paragraf")["enhed"]
    b["enhed"] = b["paragraf"].map(cat)
    b["omfang"] = np.where(b["enhed"] == "maaned", 1.0, 7.0)
    b["afdeling"] = "Social"
    b["tillaeg"] = 0.0
    return b


def _payments(first="2025-01-01", last="2025-12-01") -> pd.DataFrame:
    # One line a month: the extract's period (January to December 2025, opgjort 31.12.2025).
    months = pd.date_range(first, last, freq="MS")
    return pd.DataFrame({"bevilling_id": "A1", "leverandoer_id": "L1", "periode": months,
                         "beloeb": 1.0, "funktion": "5.38.50"})


CITIZENS = {"A": "Udviklingshæmning", "B": "Udviklingshæmning", "C": "Udviklingshæmning",
            "D": "Udviklingshæmning", "E": "Sindslidelse", "F": "Sindslidelse",
            "F2": "Sindslidelse", "G": "Autisme", "H": "Sindslidelse"}


@functools.cache
def small() -> Data:
    """An own §108 offer T1 (5 places, target group given) and an own §107 offer T2 (2 places,
    takst 2,500 kr a day, target group from its residents), in 2025:

    T1: A all year (1,000 kr/day) plus an add-on A4 on T1 1-15 March (0 kr; A fills one
        place), B from 11 March (1,500), C until 10 March (2,000). March: 31 + 21 + 10 = 62
        place-days = 2.0 places; from April 2 of 5 places occupied.
    T2: E all year: 1 of 2 places free all year.
    External, active on 31.12.2025: D §108 private 3,000/day (Udviklingshæmning: T1's
    group), F §107 anden kommune 3,000/day and F2 §107 private 2,800/day (Sindslidelse: T2's
    residents' group), G §107 private (Autisme: no own offer for the group). H's external
    §107 ended in June (no candidate).
    """
    bev = _grants([
        ("A1", "A", "§108", "L1", "T1", "2025-01-01", None, 1000.0),
        ("A4", "A", "§108", "L1", "T1", "2025-03-01", "2025-03-15", 0.0),
        ("B1", "B", "§108", "L1", "T1", "2025-03-11", None, 1500.0),
        ("C1", "C", "§108", "L1", "T1", "2025-01-01", "2025-03-10", 2000.0),
        ("D1", "D", "§108", "L2", None, "2025-01-01", None, 3000.0),
        ("E1", "E", "§107", "L1", "T2", "2025-01-01", None, 2500.0),
        ("F1", "F", "§107", "L3", None, "2025-01-01", None, 3000.0),
        ("F2", "F2", "§107", "L2", None, "2025-01-01", None, 2800.0),
        ("G1", "G", "§107", "L2", None, "2025-01-01", None, 3500.0),
        ("H1", "H", "§107", "L2", None, "2025-01-01", "2025-06-30", 3000.0),
    ])
    return Data.from_tables({
        "borgere": pd.DataFrame({"borger_id": list(CITIZENS), "foedselsaar": 1980,
                                 "koen": "K", "maalgruppe": list(CITIZENS.values())}),
        "leverandoerer": pd.DataFrame({
            "leverandoer_id": ["L1", "L2", "L3"],
            "navn": ["Egne tilbud", "Privat ApS", "Nabokommunen"],
            "leverandoertype": ["egen drift", "privat", "anden kommune"],
            "standardkontrakt": True}),
        "tilbud": pd.DataFrame({
            "tilbud_id": ["T1", "T2"], "leverandoer_id": "L1",
            "navn": ["Bofællesskabet Engen", "Skovly"], "paragraf": ["§108", "§107"],
            "pladser": [5, 2], "maalgruppe": ["Udviklingshæmning", None],
            "takst": [np.nan, 2500.0]}),
        "bevillinger": bev,
        "betalinger": _payments(),
    })


def _month(bel: K.Belaegning, tilbud_id: str, month: str) -> pd.Series:
    m = bel.maaned
    return m[(m["tilbud_id"] == tilbud_id) & (m["maaned"] == D(month))].iloc[0]


# --- occupancy ---------------------------------------------------------------------------------


def test_occupied_places_in_a_month_from_three_grants():
    bel = K.occupancy(small(), ind=IND0)
    march = _month(bel, "T1", "2025-03-01")
    # A 31 days (its add-on the same days: one place), B 21 days, C 10 days.
    assert march["dage"] == 31 and march["pladser"] == 5
    assert march["belagte_pladser"] == pytest.approx(62 / 31)
    assert march["belaegningsgrad"] == pytest.approx(2.0 / 5)
    assert march["tomme_pladser"] == pytest.approx(3.0)
    assert march["tomme_pladsdage"] == 5 * 31 - 62
    # Unit cost from T1's grants: (1,000 × 31 + 1,500 × 21 + 2,000 × 10) / 62 place-days.
    assert march["prisgrundlag"] == "bevillinger"
    assert march["pris_pr_doegn"] == pytest.approx(82_500 / 62)
    assert march["udgift_tomme_pladser"] == pytest.approx(93 * 82_500 / 62)
    # T2 has its own takst: one empty place all of March at 2,500 kr.
    t2 = _month(bel, "T2", "2025-03-01")
    assert t2["prisgrundlag"] == "takst" and t2["udgift_tomme_pladser"] == 31 * 2500


def test_offer_summary_free_places_and_target_group():
    s = K.occupancy(small(), ind=IND0).tilbud.set_index("tilbud_id")
    assert s.at["T1", "maalgruppe"] == "Udviklingshæmning"
    assert s.at["T1", "maalgruppe_kilde"] == "tilbud"
    assert s.at["T2", "maalgruppe"] == "Sindslidelse"  # from its resident E
    assert s.at["T2", "maalgruppe_kilde"] == "beboere"
    assert s.at["T1", "belagte_nu"] == 2 and s.at["T1", "ledige_pladser_nu"] == 3
    assert s.at["T1", "ledige_maaneder_i_traek"] == 12
    assert s.at["T2", "ledige_pladser_nu"] == 1 and s.at["T2", "ledige_maaneder_i_traek"] == 12
    # Over the year: T2 one of two places filled every day.
    assert s.at["T2", "belaegningsgrad"] == pytest.approx(0.5)
    assert s.at["T2", "tomme_pladsdage"] == 365
    assert s.at["T2", "pris_pr_doegn"] == 2500


def test_full_offers_while_citizens_of_the_group_are_placed_externally():
    # T2 with one place: E fills it all year (full); F and F2 (Sindslidelse, §107) are in
    # external offers on 31.12.2025, H's ended in June. T1 has free places (not full); D is the
    # one external §108 citizen of its group.
    d = small()
    d = dataclasses.replace(d, tilbud=d.tilbud.assign(pladser=[5, 1]))
    s = K.occupancy(d, ind=IND0).tilbud.set_index("tilbud_id")
    assert s.at["T2", "fuldt_belagt_maaneder_i_traek"] == 12
    assert s.at["T2", "eksterne_nu"] == 2 and s.at["T2", "fuld_med_eksterne"]
    assert s.at["T1", "fuldt_belagt_maaneder_i_traek"] == 0
    assert s.at["T1", "eksterne_nu"] == 1 and not s.at["T1", "fuld_med_eksterne"]
    # Full for fewer months than ledige_maaneder: not yet a signal.
    short = K.occupancy(d, months=["2025-01-01"], ind=IND0).tilbud.set_index("tilbud_id")
    assert short.at["T2", "fuld_med_eksterne"]  # one month counted, and full in it
    later = dataclasses.replace(d, bevillinger=d.bevillinger.assign(startdato=lambda b: b[
        "startdato"].where(b["bevilling_id"] != "E1", D("2025-11-01"))))
    s = K.occupancy(later, ind=IND0).tilbud.set_index("tilbud_id")
    assert s.at["T2", "fuldt_belagt_maaneder_i_traek"] == 2
    assert not s.at["T2", "fuld_med_eksterne"]  # ledige_maaneder is 3


def test_without_leverandoerer_external_citizens_are_unknown():
    d = dataclasses.replace(small(), leverandoerer=empty_table("leverandoerer"))
    s = K.occupancy(d, ind=IND0).tilbud
    assert s["eksterne_nu"].isna().all() and not s["fuld_med_eksterne"].any()


def test_occupancy_chosen_months():
    d = small()
    assert len(K.occupancy(d, months=3).maaned["maaned"].unique()) == 3
    chosen = K.occupancy(d, months=["2025-03-15", "2025-01-01"], ind=IND0).maaned
    assert sorted(chosen["maaned"].unique()) == [D("2025-01-01"), D("2025-03-01")]
    # Months need not be consecutive: March is the same as when every month is counted.
    every = K.occupancy(d, ind=IND0).maaned
    cols = ["dage", "belagte_pladser", "tomme_pladsdage", "pris_pr_doegn"]
    pd.testing.assert_frame_equal(
        chosen[chosen["maaned"] == D("2025-03-01")][cols].reset_index(drop=True),
        every[every["maaned"] == D("2025-03-01")][cols].reset_index(drop=True))
    assert chosen[chosen["maaned"] == D("2025-01-01")]["dage"].tolist() == [31, 31]


# --- hjemtagning -------------------------------------------------------------------------------


def test_saving_of_one_candidate():
    h = K.homecoming_candidates(small(), IND0)
    f = h.kandidater.set_index("borger_id").loc["F"]
    external = 3000 * 7 * WEEKS_PER_YEAR  # 1,095,750 kr a year
    own = 2500 * DAYS_PER_YEAR  # 913,125 kr a year at T2's takst
    assert f["tilbud_id"] == "T2" and f["leverandoer"] == "Nabokommunen"
    assert f["ekstern_aarlig_udgift"] == pytest.approx(external)
    assert f["egen_aarlig_pris"] == pytest.approx(own)
    # Variable share 20-50 %: saving 1,095,750 - 0.5 × 913,125 to 1,095,750 - 0.2 × 913,125.
    assert f["besparelse_lav"] == pytest.approx(639_187.5)
    assert f["besparelse_hoej"] == pytest.approx(913_125.0)


def test_candidates_are_matched_on_paragraph_and_target_group_within_free_places():
    h = K.homecoming_candidates(small(), IND0)
    k = h.kandidater.set_index("borger_id")
    assert set(k.index) == {"D", "F", "F2"}  # not G (Autisme), not H (ended)
    assert k.at["D", "tilbud_id"] == "T1"
    # T2 has one free place: F (the larger saving) first, F2 outside the free places.
    assert k.at["F", "raekkefoelge"] == 1 and k.at["F", "inden_for_ledige_pladser"]
    assert k.at["F2", "raekkefoelge"] == 2 and not k.at["F2", "inden_for_ledige_pladser"]
    assert h.antal == 3 and h.antal_inden_for_pladser == 2
    within = k[k["inden_for_ledige_pladser"]]
    assert h.besparelse_lav == pytest.approx(within["besparelse_lav"].sum())
    assert h.besparelse_hoej == pytest.approx(within["besparelse_hoej"].sum())
    assert h.tilbud.set_index("tilbud_id")["antal_kandidater"].to_dict() == {"T1": 1, "T2": 2}


def test_no_candidates_when_the_places_have_not_been_free_long_enough():
    h = K.homecoming_candidates(small(), dataclasses.replace(IND0, ledige_maaneder=13))
    assert h.antal == 0 and h.besparelse_lav == 0 and h.tilbud.empty


def test_saving_at_this_years_prices():
    # A grant from 2023 at 3,000 kr a day costs 3,000 × 1.025² a day in 2025.
    d = small()
    bev = d.bevillinger.copy()
    bev.loc[bev["bevilling_id"] == "F1", "startdato"] = D("2023-01-01")
    h = K.homecoming_candidates(dataclasses.replace(d, bevillinger=bev), K.Indstillinger())
    f = h.kandidater.set_index("borger_id").loc["F"]
    assert f["ekstern_aarlig_udgift"] == pytest.approx(3000 * 7 * WEEKS_PER_YEAR * 1.025 ** 2)


# --- self-sufficiency --------------------------------------------------------------------------


def test_self_sufficiency_per_paragraph_hand_computed():
    ss = K.self_sufficiency(small(), maal={"§108": 0.9}).set_index("gruppe")
    # §108 own days: A 365, A4 15, B 296 (11.03-31.12), C 69 (01.01-10.03); D private 365.
    own = 365 + 15 + 296 + 69
    assert ss.at["§108", "helaarspersoner_egen"] == pytest.approx(own / 365)
    assert ss.at["§108", "helaarspersoner"] == pytest.approx((own + 365) / 365)
    assert ss.at["§108", "andel_egen"] == pytest.approx(own / (own + 365))
    assert ss.at["§108", "afvigelse"] == pytest.approx(own / (own + 365) - 0.9)
    # §107: E own 365; F, F2, G 365 each and H 181 days external.
    assert ss.at["§107", "andel_egen"] == pytest.approx(365 / (4 * 365 + 181))
    assert np.isnan(ss.at["§107", "maal"]) and ss["komplet"].all()


def test_self_sufficiency_by_target_group_and_in_total():
    d = small()
    by_group = K.self_sufficiency(d, by="maalgruppe").set_index("gruppe")
    assert by_group.at["Autisme", "andel_egen"] == 0
    total = K.self_sufficiency(d, by="samlet", paragraffer=["§107", "§108"], maal=0.9)
    assert total["gruppe"].tolist() == [K.SAMLET] and total["maal"].tolist() == [0.9]
    assert total["helaarspersoner"].iloc[0] == pytest.approx(by_group["helaarspersoner"].sum())


def test_self_sufficiency_counts_part_of_a_year():
    # Payments from July: 2025 counts 1 July - 31 December only.
    d = dataclasses.replace(small(), betalinger=_payments("2025-07-01"))
    ss = K.self_sufficiency(d).set_index("gruppe")
    assert not ss.at["§107", "komplet"]
    assert ss.at["§107", "helaarspersoner"] == pytest.approx(4 * 184 / 365)  # H ended in June


def test_noegletal_selvforsyningsgrad_is_self_sufficiency(sample):
    _, d = sample
    p = load_parameters("eksempelkommune")
    nt = N.compute(d, p)
    ss = K.self_sufficiency(d, by="samlet", paragraffer=p.noegletal.botilbud_paragraffer)
    ss = ss.set_index("aar")["andel_egen"]
    years = sorted(set(nt.tal["aar"]))
    assert len(years) >= 4
    for year in years:
        assert nt.vaerdi("selvforsyningsgrad", aar=year) == pytest.approx(ss[year])
    assert 0 < ss[years[-1]] < 1


# --- indsatstrappen ----------------------------------------------------------------------------


@functools.cache
def ladder() -> Data:
    """Adults in 2025 (population 10,000 adults, so per 10,000 = counts):
    P1 §85 Jan-Mar, §107 Apr-Jun, §85 from 15 July (up, then down; the §107 stay followed by
    §85 within 3 months); P2 §108 from 2024 to 31 August (out); P3 §82b from October (in);
    P5 §107 Jan-Feb, nothing after (out); P6 §107 Sep-Nov (in, out; ended less than 3 months
    before 31.12.2025: not judged); K a child's BL §32 (not on the adults' staircase).
    """
    bev = _grants([
        ("G1", "P1", "§85", "L1", None, "2025-01-01", "2025-03-31", 500.0),
        ("G2", "P1", "§107", "L1", None, "2025-04-01", "2025-06-30", 2500.0),
        ("G3", "P1", "§85", "L1", None, "2025-07-15", None, 500.0),
        ("G4", "P2", "§108", "L1", None, "2024-06-01", "2025-08-31", 2000.0),
        ("G5", "P3", "§82b", "L1", None, "2025-10-01", None, 300.0),
        ("G6", "P5", "§107", "L1", None, "2025-01-01", "2025-02-28", 2500.0),
        ("G7", "P6", "§107", "L1", None, "2025-09-01", "2025-11-30", 2500.0),
        ("G8", "K", "BL §32", "L1", None, "2025-01-01", None, 400.0),
    ])
    return Data.from_tables({
        "borgere": pd.DataFrame({"borger_id": ["P1", "P2", "P3", "P5", "P6", "K"],
                                 "foedselsaar": 1980, "koen": "M", "maalgruppe": "Sindslidelse"}),
        "leverandoerer": pd.DataFrame({"leverandoer_id": ["L1"], "navn": ["Egne"],
                                       "leverandoertype": ["egen drift"],
                                       "standardkontrakt": [True]}),
        "bevillinger": bev,
        "betalinger": _payments().assign(bevilling_id="G8"),
        "befolkning": pd.DataFrame({"aar": 2025, "aldersgruppe": ["0-17", "18-64", "65+"],
                                    "antal": [3000, 7000, 3000]}),
    })


def test_transition_counts():
    t = K.staircase(ladder(), ind=IND0)
    assert len(t.datoer) == 12 and t.datoer[0] == D("2025-01-31")
    moves = t.bevaegelser.set_index("aar").loc[2025]
    assert moves.to_dict() == {"op": 1, "ned": 1, "ud": 3, "ind": 2}
    flows = {(r.fra_trin, r.til_trin): r.antal for r in t.overgange.itertuples()}
    # P1 2 -> 4 (April) -> 2 (July); P2 5 -> 0; P3 0 -> 1; P5 4 -> 0; P6 0 -> 4 -> 0.
    assert flows == {(2, 4): 1, (4, 2): 1, (5, 0): 1, (0, 1): 1, (4, 0): 2, (0, 4): 1}


def test_citizens_per_step_and_per_10000_adults():
    t = K.staircase(ladder(), ind=IND0).trin
    april = t[t["dato"] == D("2025-04-30")].set_index("trin")
    assert april["borgere"].to_dict() == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert april.at[4, "navn"] == "Midlertidigt botilbud, Forsorgshjem"
    # 10,000 adults (18-64 and 65+): the rate per 10,000 is the count.
    assert april["pr_10000"].to_dict() == {1: 0, 2: 0, 3: 0, 4: 1.0, 5: 1.0}


def test_step_down_after_a_temporary_stay():
    ts = K.staircase(ladder(), ind=IND0).trinskift.set_index("aar")
    # P1's stay (ended 30.06) is followed by §85 from 15.07; P5's is not; P6's ended 30.11,
    # less than 3 months before the reference date, and is not judged yet.
    assert ts.loc[2025].to_dict() == {"afsluttede": 2, "fulgt_af_mindre_indgribende": 1,
                                      "andel": 0.5}
    ophold = K.staircase(ladder(), ind=IND0).ophold.set_index("borger_id")
    assert ophold["fulgt_af_mindre_indgribende"].to_dict() == {"P1": True, "P5": False}
    assert ophold.at["P1", "slutdato"] == D("2025-06-30")


def test_thin_steps_against_the_national_level():
    s = K.staircase(ladder(), ind=IND0).sammenligning
    p107 = s[s["paragraf"] == "§107"].iloc[0]
    assert p107["borgere"] == 0 and p107["pr_10000"] == 0
    assert p107["landsniveau_pr_10000"] == pytest.approx(8400 / 470)
    assert p107["tynd_land"] and p107["tynd"]
    assert not s["tynd_historik"].any()  # one year of data: no own history yet


def test_thin_step_against_own_history():
    # The same citizens twice as many a year before: P1-P6 copied with dates 2024 -> 2023...
    d = ladder()
    early = d.bevillinger.copy()
    early["bevilling_id"] = early["bevilling_id"] + "x"
    early["borger_id"] = early["borger_id"] + "x"
    early = early[early["paragraf"] == "§85"].assign(
        startdato=D("2024-01-01"), slutdato=D("2024-12-31"))
    borgere = pd.concat([d.borgere, d.borgere.assign(borger_id=d.borgere["borger_id"] + "x")])
    d2 = dataclasses.replace(d, bevillinger=pd.concat([d.bevillinger, early], ignore_index=True),
                             borgere=borgere, betalinger=_payments("2024-01-01"))
    s = K.staircase(d2, ind=IND0).sammenligning.set_index(["niveau", "trin"])
    # Step 2 in 2024 (dates at least 12 months before 31.12.2025): P1x every month-end (1);
    # now P1 only: 1 against a history of 1: not thin. Step 1 now P3 (1) vs 0: not thin.
    assert s.loc[("trin", 2), "historik"] == pytest.approx(1.0)
    assert not s.loc[("trin", 2), "tynd_historik"]


# --- fremtidigt behov --------------------------------------------------------------------------


def _forecast(rows) -> B.Fremskrivning:
    linjer = pd.DataFrame(rows, columns=["linje", "aar", "helaarspersoner_lav",
                                         "helaarspersoner", "helaarspersoner_hoej"])
    linjer["scenarie"] = "basis"
    return B.Fremskrivning(linjer=linjer, samlet=pd.DataFrame(), sidste_aar=2025)


@pytest.mark.parametrize("hp, signal", [
    ((8.0, 10.0, 12.0), "invester"),  # goal 90 %: need 7.2-10.8 against 2 places
    ((1.0, 1.5, 2.0), "hold"),  # need 0.9-1.8: within a place of 2
    ((0.0, 0.2, 1.0), "reducer"),  # need at most 0.9: more than one place too many
])
def test_capacity_signal(hp, signal):
    out = K.capacity_need(small(), IND0, _forecast([("§107", 2026, *hp)])).behov
    row = out.set_index("paragraf").loc["§107"]
    assert row["pladser"] == 2 and row["andel_egen"] == 0.9 and row["andel_kilde"] == "mål"
    assert row["behov"] == pytest.approx(hp[1] * 0.9)
    assert row["behov_lav"] == pytest.approx(hp[0] * 0.9)
    assert row["forskel"] == pytest.approx(2 - hp[1] * 0.9)
    assert row["signal"] == signal and row["signal_tekst"] == K.SIGNALER[signal]


def test_capacity_need_without_a_goal_keeps_todays_share():
    ind = dataclasses.replace(IND0, selvforsyning_maal={})
    out = K.capacity_need(small(), ind, _forecast([("§108", 2026, 4.0, 5.0, 6.0)]))
    row = out.behov.iloc[0]
    today = K.self_sufficiency(small()).set_index("gruppe").at["§108", "andel_egen"]
    assert row["andel_kilde"] == "nuværende" and row["andel_egen"] == pytest.approx(today)
    assert out.uden_fremskrivning == ("§107",)


def test_capacity_need_from_the_budget_forecast(sample):
    _, d = sample
    p = load_parameters("eksempelkommune")
    bi = B.Indstillinger.fra(p)
    frem = B.forecast(d, bi, B.expected_year_end(d, ind=bi))
    out = K.capacity_need(d, p, frem).behov
    assert set(out["aar"]) == {frem.sidste_aar + 1, frem.sidste_aar + 2, frem.sidste_aar + 3}
    assert (out["behov_lav"] <= out["behov"]).all() and (out["behov"] <= out["behov_hoej"]).all()
    assert set(out["signal"]) <= set(K.SIGNALER)


def test_forecast_band_of_full_year_persons(sample):
    # The band is the rate trend's prediction interval (t quantile) × population / 10,000.
    from scipy import stats

    from socialanalyse.budget.fremskrivning import trend_prediction

    _, d = sample
    frem = B.forecast(d, B.Indstillinger())
    lines = frem.linjer
    hist = lines[(lines["linje"] == "§107") & (lines["scenarie"] == "faktisk")]
    fut = lines[(lines["linje"] == "§107") & (lines["scenarie"] == "basis")]
    years = hist["aar"].to_numpy()
    pred, se, df = trend_prediction(years, hist["pr_10000"].to_numpy(), fut["aar"].to_numpy())
    q = stats.t.ppf(0.9, df=df)
    pop = fut["helaarspersoner"].to_numpy() / fut["pr_10000"].to_numpy()
    np.testing.assert_allclose(fut["helaarspersoner_hoej"], (pred + q * se) * pop, rtol=1e-9)
    np.testing.assert_allclose(fut["helaarspersoner_lav"],
                               np.clip((pred - q * se) * pop, 0, None), rtol=1e-9)
    assert hist["helaarspersoner_lav"].isna().all()


# --- without tilbud or leverandoerer -----------------------------------------------------------


def test_without_tilbud_the_capacity_figures_say_what_they_need():
    d = small()
    bev = d.bevillinger.assign(tilbud_id=None)
    d = dataclasses.replace(d, tilbud=empty_table("tilbud"), bevillinger=bev)
    frem = _forecast([("§107", 2026, 1.0, 2.0, 3.0)])
    for result in (K.occupancy(d), K.homecoming_candidates(d), K.capacity_need(d, None, frem)):
        assert isinstance(result, K.IkkeTilgaengelig) and not result
        assert "tilbud" in result.aarsag and result.tekst.startswith(result.hvad)
    # Self-sufficiency and the staircase need only grants and providers.
    assert not K.self_sufficiency(d).empty
    assert isinstance(K.staircase(d), K.Indsatstrappe)


def test_grants_without_tilbud_id_say_so():
    d = small()
    d = dataclasses.replace(d, bevillinger=d.bevillinger.assign(tilbud_id=None))
    res = K.occupancy(d)
    assert isinstance(res, K.IkkeTilgaengelig) and "tilbud_id" in res.aarsag


def test_without_leverandoerer_self_sufficiency_is_not_available():
    d = dataclasses.replace(small(), leverandoerer=empty_table("leverandoerer"))
    res = K.self_sufficiency(d)
    assert isinstance(res, K.IkkeTilgaengelig) and "leverandoerer" in res.aarsag
    assert isinstance(K.homecoming_candidates(d), K.IkkeTilgaengelig)


def test_tilbud_target_group_and_takst_load_from_a_danish_extract(tmp_path):
    from helpers import minimal_tables, write_minimal_kommune

    tilbud = minimal_tables()["tilbud"].copy()
    tilbud["maalgruppe"] = "Udviklingshaemning"
    tilbud["takst"] = "2.345,50"
    kommune = write_minimal_kommune(tmp_path, tilbud=tilbud)
    data = load(kommune.slug, root=kommune.root)
    assert data.tilbud["takst"].tolist() == [2345.5] * len(tilbud)
    assert data.tilbud["maalgruppe"].tolist() == ["Udviklingshæmning"] * len(tilbud)


# --- properties --------------------------------------------------------------------------------

grant = st.tuples(st.integers(0, 2), st.sampled_from(["T1", "T2", None]),
                  st.integers(0, 100), st.integers(0, 60), st.booleans())


def _random_data(grants) -> Data:
    rows = []
    for i, (who, tilbud, start, length, is_open) in enumerate(grants):
        begin = D("2025-01-01") + pd.Timedelta(days=start)
        end = None if is_open else begin + pd.Timedelta(days=length)
        lev = "L1" if tilbud else "L2"
        rows.append((f"X{i}", f"C{who}", "§108", lev, tilbud, begin, end, 1000.0 + i))
    bev = _grants(rows)
    # Valid by construction; validating (pandera, ~0.8 s) each of hundreds of examples is not
    # what these properties test.
    tables = {
        "borgere": pd.DataFrame({"borger_id": ["C0", "C1", "C2"], "foedselsaar": 1980,
                                 "koen": "K", "maalgruppe": "Autisme"}),
        "leverandoerer": pd.DataFrame({"leverandoer_id": ["L1", "L2"], "navn": ["E", "P"],
                                       "leverandoertype": ["egen drift", "privat"],
                                       "standardkontrakt": True}),
        "tilbud": pd.DataFrame({"tilbud_id": ["T1", "T2"], "leverandoer_id": "L1",
                                "navn": ["T1", "T2"], "paragraf": "§108", "pladser": [1, 2]}),
        "bevillinger": bev,
        "betalinger": _payments("2025-01-01", "2025-05-01").assign(bevilling_id="X0"),
    }
    return Data(kommune="eksempelkommune", **{
        name: conform(name, tables[name]) if name in tables else empty_table(name)
        for name in TABLES})


@settings(max_examples=25, deadline=None)
@given(st.lists(grant, min_size=1, max_size=8))
def test_occupancy_matches_a_day_by_day_count(grants):
    d = _random_data(grants)
    bel = K.occupancy(d)
    bev = d.bevillinger
    if isinstance(bel, K.IkkeTilgaengelig):  # no grant on an own offer
        assert bev["tilbud_id"].isna().all()
        return
    far = np.datetime64("2262-01-01")
    for row in bel.maaned.itertuples():
        days = pd.date_range(row.maaned, row.maaned + pd.offsets.MonthEnd(0)).to_numpy()
        on = bev[bev["tilbud_id"] == row.tilbud_id]
        start = on["startdato"].to_numpy()
        end = on["slutdato"].fillna(far).to_numpy()
        who = on["borger_id"].to_numpy()
        per_day = [len(set(who[(start <= day) & (end >= day)])) for day in days]
        assert row.belagte_pladser == pytest.approx(np.mean(per_day))
        assert row.tomme_pladsdage == sum(max(row.pladser - n, 0) for n in per_day)
        # Never more places occupied than grants on the offer in the month.
        active = ((start <= days[-1]) & (end >= days[0])).sum()
        assert 0 <= row.belagte_pladser <= active


@settings(max_examples=25, deadline=None)
@given(st.lists(grant, min_size=1, max_size=8))
def test_shares_lie_between_zero_and_one(grants):
    d = _random_data(grants)
    ss = K.self_sufficiency(d, by="maalgruppe")
    assert ss["andel_egen"].between(0, 1).all()
    bel = K.occupancy(d)
    if not isinstance(bel, K.IkkeTilgaengelig):
        assert (bel.tilbud["belaegningsgrad"] >= 0).all()
    ts = K.staircase(d).trinskift
    assert ts["andel"].between(0, 1).all()


# --- parameters --------------------------------------------------------------------------------


def test_settings_defaults_are_those_of_default_yaml():
    assert K.Indstillinger.fra(load_parameters("eksempelkommune")) == K.Indstillinger()


def _own_parameters(tmp_path, kapacitet: dict):
    import shutil

    import yaml
    from helpers import REPO

    folder = tmp_path / "parameters"
    (folder / "kommuner").mkdir(parents=True)
    shutil.copy(REPO / "parameters" / "default.yaml", folder / "default.yaml")
    (folder / "kommuner" / "furesoe.yaml").write_text(yaml.safe_dump(
        {"kommune": "furesoe", "navn": "Furesø", "kapacitet": kapacitet}, allow_unicode=True),
        encoding="utf-8")
    return load_parameters("furesoe", root=tmp_path)


def test_goal_per_paragraph_adds_to_the_botilbud_goal(tmp_path):
    p = _own_parameters(tmp_path, {"selvforsyning_maal_paragraf": {"§107": 0.8, "§85": 1.0}})
    assert K.Indstillinger.fra(p).selvforsyning_maal == {
        "§107": 0.8, "§108": 0.9, "§105+§85": 0.9, "§85": 1.0}


@pytest.mark.parametrize("kapacitet, words", [
    ({"marginal_andel": [0.6, 0.3]}, "kapacitet.marginal_andel' andelene skal opfylde"),
    ({"selvforsyning_maal_paragraf": {"§999": 0.5}}, "ukendt paragraf '§999'"),
    ({"ledige_maaneder": 0}, "kapacitet.ledige_maaneder' skal være mindst 1"),
    ({"ledige_maaneder_x": 3}, "ukendt nøgle"),
])
def test_bad_kapacitet_parameters_are_named_in_danish(tmp_path, kapacitet, words):
    from socialanalyse.config import ParameterFejl

    with pytest.raises(ParameterFejl) as err:
        _own_parameters(tmp_path, kapacitet)
    assert words in str(err.value) and "furesoe.yaml" in str(err.value)
