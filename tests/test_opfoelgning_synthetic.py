"""The follow-up analyses find what the synthetic municipality planted for them
(Planted.families["opfoelgning"], small sample, seed 1): development cases without progression
and cases with potential (recall ≥ 95 %), the target group's volume factor inside its
interval, exactly the grants outside the serviceniveau with their kroner, and Fredericia's
business case behind its plan by the planted amount."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialanalyse import businesscase as bc
from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.opfoelgning import (
    INGEN_PROGRESSION,
    POTENTIALE,
    catalogue,
    need_or_diagnosis,
    progression_followup,
    service_level_check,
)

MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def sample():
    s = generate(indbyggere=15000, seed=1)
    return s.planted.families["opfoelgning"], Data.from_tables(s.tables)


@pytest.fixture(scope="module")
def params():
    return load_parameters("eksempelkommune")


def recall(planted, found) -> float:
    return len(set(planted) & set(found)) / len(planted)


def test_no_progression_and_potential_are_flagged(sample, params):
    planted, data = sample
    u = progression_followup(data, params)
    stuck = u.markerede(INGEN_PROGRESSION)
    assert len(planted.ingen_progression) >= 10
    assert recall(planted.ingen_progression, stuck["bevilling_id"]) >= MIN_RECALL
    # The municipality's own history makes progression common from start level 4 ...
    h = u.historik.set_index(["metode", "startniveau"]).loc[("VUM2", planted.potentiale_niveau)]
    assert h["andel_progression"] >= params.opfoelgning.potentiale_andel
    assert h["antal_borgere"] >= params.opfoelgning.potentiale_min_borgere
    # ... so the new cases there (3-9 months in) are to be followed closely.
    assert recall(planted.potentiale, u.markerede(POTENTIALE)["bevilling_id"]) >= MIN_RECALL
    s = u.sager.set_index("bevilling_id").loc[list(planted.potentiale)]
    assert (s["maaneder_i_tilbud"].between(2, 10)).all() and (s["startniveau"] == 4).all()


def test_the_target_groups_factor_is_recovered(sample, params):
    planted, data = sample
    r = need_or_diagnosis(data, params, udfald="omfang", paragraffer=[planted.maalgruppe_paragraf])
    g = r.maalgrupper.set_index("maalgruppe")
    row = g.loc[planted.maalgruppe]
    assert row["ci_lav"] <= planted.maalgruppe_faktor <= row["ci_hoej"]
    assert row["ci_lav"] > 1 and row["vurdering"] == "over"
    assert row["antal_bevillinger"] == len(planted.maalgruppe_bevillinger)
    # The business case's three monthly grants are not hours: left out, and said so.
    assert r.udeladt.set_index("aarsag")["antal_bevillinger"].to_dict() == {
        "i en anden enhed end paragraffens sædvanlige": 3}
    # In the whole model (every paragraph, yearly cost) the target group is above too, and
    # no adult target group is.
    full = need_or_diagnosis(data, params).maalgrupper.set_index("maalgruppe")
    assert full.loc[planted.maalgruppe, "vurdering"] == "over"
    assert (full.loc[full["omraade"] == "voksne", "vurdering"] == "som forventet").all()


def test_exactly_the_planted_grants_are_outside_the_serviceniveau(sample, params):
    planted, data = sample
    # The example in eksempelkommune.yaml is the one the generator planted against.
    kat = catalogue(params.opfoelgning.serviceniveau)
    assert set(kat["paragraf"]) == {planted.serviceniveau_paragraf}
    assert [tuple(x) for x in kat[["niveau", "omfang_fra", "omfang_til"]].itertuples(
        index=False)] == list(planted.serviceniveau)
    c = service_level_check(data, params)
    outside = c.bevillinger[c.bevillinger["uden_for"]].set_index("bevilling_id")
    effect = dict(planted.uden_for_serviceniveau)
    assert set(outside.index) == set(effect)
    # Only grants without a need assessment before start are left unjudged (kapacitet's
    # step-down §85 grants), and said so.
    assert set(c.ikke_vurderet["aarsag"]) <= {"ukendt støttebehov (ingen udredning før start)"}
    got = outside["forskel"].reindex(list(effect))
    assert np.allclose(got, list(effect.values()), atol=0.01)
    assert outside["forskel"].sum() == pytest.approx(sum(effect.values()), abs=1)
    assert c.besparelse == pytest.approx(-sum(v for v in effect.values() if v < 0), abs=1)
    assert c.merudgift == pytest.approx(sum(v for v in effect.values() if v > 0), abs=1)


def test_fredericias_case_lags_its_plan_by_the_planted_amount(sample, params):
    planted, data = sample
    case = bc.load(planted.business_case)
    assert case.opfoelgning.indsats.tilbud_id == planted.bc_tilbud_id
    assert case.opfoelgning.effekter["undgaaet_anbringelse"].leverandoer_id \
        == planted.bc_leverandoer_id
    f = bc.follow_up(case, data, margin=params.opfoelgning.businesscase_margin)
    placed = dict(planted.bc_helaarspersoner)
    e = f.effekter[f.effekter["faktisk"]].set_index("kalenderaar")
    assert e["enheder_basis"].eq(placed[2023]).all()
    assert e["enheder_faktisk"].to_dict() == {y: placed[y] for y in (2024, 2025)}
    status = f.status.set_index("effekt").loc["undgaaet_anbringelse"]
    avoided, planned = placed[2023] - placed[2024], 3
    assert status["andel"] == pytest.approx(avoided / planned)
    assert status["status"] == bc.followup.BAGUD
    paid = dict(planted.bc_udgift)
    years = f.aar[f.aar["faktisk"]].set_index("kalenderaar")
    assert years["udgifter_faktisk"].to_dict() == pytest.approx(paid)
    # The updated net present value: the plan with 2024-25's shortfall in avoided placements
    # (1 a year at 3.53 mio. kr. / 3) and their actual payments, discounted at 3.5 %.
    value = 1_176_666.67
    factor = {2024: 1.0, 2025: 1 / 1.035}
    expected = f.nutidsvaerdi_plan + sum(
        (value * (placed[2023] - placed[y]) - 3_530_000) * factor[y]
        - (paid[y] - 2_190_000) * factor[y] for y in (2024, 2025))
    assert f.nutidsvaerdi_opdateret == pytest.approx(expected, abs=0.01)
    assert f.nutidsvaerdi_opdateret < f.nutidsvaerdi_plan


def test_the_target_groups_grants_all_carry_the_factor(sample):
    # The generator multiplied the need-based hours: never a leftover whole-0.5 volume only.
    planted, data = sample
    b = data.bevillinger.set_index("bevilling_id").loc[list(planted.maalgruppe_bevillinger)]
    base = b["omfang"] / planted.maalgruppe_faktor
    assert np.allclose(base * 2, np.round(base * 2))
    assert (b["enhed"] == "time").all()
    assert pd.Series(b["paragraf"]).eq(planted.maalgruppe_paragraf).all()
