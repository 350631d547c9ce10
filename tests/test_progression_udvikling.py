"""Development cases and their progression (progression.udvikling): the servicetjek's twin on
integer arrays (servicetjek.udvikling) measures exactly what the reference does, on the
synthetic sample and on hand-made cases with two assessment methods, and the rule
ingen_progression flags the cases the follow-up flags."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servicetjek_cases import AS_OF, assessment, grant, make, params

from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.opfoelgning import INGEN_PROGRESSION, progression_followup
from socialanalyse.progression.udvikling import (
    BEGGE,
    MAAL,
    MIDLERTIDIGT,
    Udviklingssager,
    development_cases,
    measure,
    progression_status,
    whole_months,
)
from socialanalyse.servicetjek import arrays, screen
from socialanalyse.servicetjek import udvikling as fast


@pytest.fixture(scope="module")
def sample():
    return Data.from_tables(generate(indbyggere=15000, seed=1).tables)


def both(data, p, as_of):
    cases = development_cases(data.bevillinger, data.maal, as_of,
                              p.opfoelgning.udviklingsparagraffer)
    ref = measure(cases, data.vurderinger, p.progression)
    twin = fast.measure(cases, arrays.Scores.of(data.vurderinger), p.progression)
    return cases, ref, twin


def assert_same(ref: pd.DataFrame, twin: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(ref.drop(columns=["rci", "mindste_aendring"], errors="ignore"),
                                  twin.drop(columns=["rci", "mindste_aendring"], errors="ignore"))
    if "rci" in ref:  # SDs summed in another order: equal to the last bits
        assert np.allclose(ref["rci"], twin["rci"], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("klassifikation", ["rci", "minimum"])
def test_the_array_twin_measures_what_the_reference_measures(sample, klassifikation):
    p = load_parameters("eksempelkommune")
    prog = p.progression.model_copy(update={"klassifikation": klassifikation})
    p = p.model_copy(update={"progression": prog})
    as_of = pd.Timestamp("2026-10-31")
    cases, ref, twin = both(sample, p, as_of)
    assert len(cases.sager) > 200 and len(cases.temaer) > 100
    assert set(ref["metode"]) == {"VUM2", "ICS"} and ref["udvikling"].notna().sum() > 150
    assert_same(ref, twin)
    # The same flags from either measurement.
    a = progression_status(cases, ref, 12)
    b = progression_status(cases, twin, 12)
    pd.testing.assert_series_equal(a["markering"], b["markering"])


def test_the_rule_flags_what_the_follow_up_flags(sample):
    p = load_parameters("eksempelkommune")
    followed = progression_followup(sample, p).markerede(INGEN_PROGRESSION)
    flagged = screen(sample, p)
    rule = flagged[flagged["regel"] == "ingen_progression"]
    assert len(followed) > 5
    assert set(rule["bevilling_id"]) == set(followed["bevilling_id"])


ICS = ("Sundhed", "Uddannelse", "Identitet", "Familie- og sociale relationer", "Adfærd",
       "Selvstændighed")


def two_method_data():
    """Citizen 'x' was assessed with ICS as a child and VUM2 as an adult; 'y' has a theme
    assessed only after the start and an assessment on the reference date; the rows are not
    in date order."""
    ics = [{"borger_id": "x", "dato": pd.Timestamp("2023-01-01"), "metode": "ICS", "tema": t,
            "niveau": 3} for t in ICS]
    late = [{"borger_id": "y", "dato": pd.Timestamp("2026-01-01"), "metode": "VUM2",
             "tema": "Sundhedsforhold", "niveau": 2}]
    v = (assessment("x", "2024-03-01", 3, 3, 3, 3, 3, 3) + ics
         + assessment("x", "2025-09-01", 2, 2, 2, 2, 2, 2)
         + assessment("y", "2025-02-01", 3, 3, 3, 3, 3, 3)
         + assessment("y", "2026-10-31", 3, 3, 2, 3, 3, 3) + late)
    d = make([grant("g1", "x", start="2024-06-01"), grant("g2", "y", start="2025-03-01")], v)
    maal = pd.DataFrame([{"borger_id": "y", "maal_id": "M1", "tema": "Sundhedsforhold",
                          "maaltype": "Udvikle", "startdato": pd.Timestamp("2025-03-01"),
                          "frist": pd.Timestamp("2027-01-01"), "status": "igangværende"}])
    return dataclasses.replace(d, maal=maal)


@pytest.mark.parametrize("klassifikation", ["rci", "minimum"])
def test_two_methods_a_late_theme_and_unordered_rows(klassifikation):
    d = two_method_data()
    p = params()
    prog = p.progression.model_copy(update={"klassifikation": klassifikation,
                                            "mindste_aendring": 1.0})
    p = p.model_copy(update={"progression": prog})
    cases, ref, twin = both(d, p, AS_OF)
    assert_same(ref, twin)
    x = ref[ref["i"] == 0]
    assert sorted(x["metode"]) == ["ICS", "VUM2"]  # each method on its own
    theme = ref[(ref["i"] == 1) & (ref["tema"] == "Sundhedsforhold")].iloc[0]
    assert theme["dato_foer"] == pd.Timestamp("2026-01-01")  # the first after the start
    # Shuffled rows take the sorting path and give the same.
    shuffled = d.vurderinger.sample(frac=1.0, random_state=4).reset_index(drop=True)
    again = fast.measure(cases, arrays.Scores.of(shuffled), p.progression)
    assert_same(ref, again)


def test_whole_months_and_the_clock():
    start = pd.Series(pd.to_datetime(["2026-01-10", "2026-01-31", "2025-10-31"]))
    assert whole_months(start, pd.Timestamp("2026-07-09")).tolist() == [5, 5, 8]
    assert whole_months(start, pd.Timestamp("2026-07-10")).tolist() == [6, 5, 8]


def frames_cases(bevillinger, maal, as_of, paragraffer, min_months=0):
    """The development cases in plain DataFrame operations (groupby, merge on the string ids):
    the definition that the integer-coded development_cases must reproduce."""
    bev = bevillinger
    active = ((bev["startdato"] <= as_of)
              & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of))).to_numpy()
    m = maal
    goals = m[(m["maaltype"] == "Udvikle") & (m["status"] == "igangværende")
              & (m["startdato"] <= as_of)]
    goal_start = goals.groupby(goals["borger_id"].astype(str))["startdato"].min()
    temp = active & bev["paragraf"].isin(list(paragraffer)).to_numpy()
    since_goal = pd.Series(goal_start.reindex(bev["borger_id"].astype(str)).to_numpy(),
                           dtype="datetime64[ns]")
    has_goal = active & since_goal.notna().to_numpy()
    rows = np.flatnonzero(temp | has_goal)
    t, g = temp[rows], has_goal[rows]
    start = bev["startdato"].iloc[rows].reset_index(drop=True)
    clock = start.where(pd.Series(t), np.maximum(start, since_goal.iloc[rows].reset_index(
        drop=True)))
    months = whole_months(clock, as_of).to_numpy()
    keep = months >= min_months
    out = bev.iloc[rows[keep]].reset_index(drop=True)
    out["grund"] = np.select([t[keep] & g[keep], t[keep]], [BEGGE, MIDLERTIDIGT], MAAL)
    out["regnet_fra"] = clock[keep].to_numpy()
    out["maaneder_i_tilbud"] = months[keep]
    with_goal = out[g[keep]]
    themes = pd.DataFrame({"borger_id": goals["borger_id"].astype(str).to_numpy(),
                           "tema": goals["tema"].astype(str).to_numpy()}).drop_duplicates()
    cases = pd.DataFrame({"i": with_goal.index.to_numpy(),
                          "borger_id": with_goal["borger_id"].astype(str).to_numpy()})
    temaer = cases.merge(themes, on="borger_id")[["i", "tema"]].sort_values(
        ["i", "tema"], ignore_index=True).astype({"i": np.int64, "tema": "str"})
    return Udviklingssager(as_of, out, temaer, rows[keep])


def assert_same_cases(a: Udviklingssager, b: Udviklingssager) -> None:
    pd.testing.assert_frame_equal(a.sager, b.sager)
    pd.testing.assert_frame_equal(a.temaer, b.temaer)
    assert np.array_equal(a.rader, b.rader)


def test_development_cases_are_the_frame_definition_on_the_sample(sample):
    p = load_parameters("eksempelkommune").opfoelgning
    for as_of, months in [(pd.Timestamp("2026-10-31"), 0), (pd.Timestamp("2026-03-15"), 12)]:
        got = development_cases(sample.bevillinger, sample.maal, as_of,
                                p.udviklingsparagraffer, months)
        assert len(got.sager) > 50 and len(got.temaer) > 10
        assert_same_cases(got, frames_cases(sample.bevillinger, sample.maal, as_of,
                                            p.udviklingsparagraffer, months))
        # rader: the cases' positions among the grants.
        assert got.sager["bevilling_id"].tolist() == (
            sample.bevillinger["bevilling_id"].iloc[got.rader].tolist())


DAYS = st.integers(0, 1500).map(lambda d: pd.Timestamp("2023-01-01") + pd.Timedelta(days=d))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grants=st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["§107", "§85", "§104"]),
                              DAYS, st.none() | DAYS), max_size=8),
    goals=st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from(["Sundhed", "Adfærd",
                                                                         "Identitet"]),
                             st.sampled_from(["Udvikle", "Fastholde"]),
                             st.sampled_from(["igangværende", "opnået"]), DAYS), max_size=10),
    min_months=st.integers(0, 14),
)
def test_development_cases_are_the_frame_definition_on_small_cases(grants, goals, min_months):
    bev = pd.DataFrame({
        "bevilling_id": pd.Series([f"g{k}" for k in range(len(grants))], dtype="str"),
        "borger_id": pd.Series([x[0] for x in grants], dtype="str"),
        "paragraf": pd.Series([x[1] for x in grants], dtype="str"),
        "startdato": pd.Series([x[2] for x in grants], dtype="datetime64[ns]"),
        "slutdato": pd.Series([x[3] for x in grants], dtype="datetime64[ns]"),
    })
    maal = pd.DataFrame({
        "borger_id": pd.Series([x[0] for x in goals], dtype="str"),
        "tema": pd.Series([x[1] for x in goals], dtype="str"),
        "maaltype": pd.Series([x[2] for x in goals], dtype="str"),
        "status": pd.Series([x[3] for x in goals], dtype="str"),
        "startdato": pd.Series([x[4] for x in goals], dtype="datetime64[ns]"),
    })
    as_of = pd.Timestamp("2026-06-30")
    assert_same_cases(development_cases(bev, maal, as_of, ["§107"], min_months),
                      frames_cases(bev, maal, as_of, ["§107"], min_months))


THEMES = {"VUM2": ("Egenomsorg", "Mobilitet", "Relationer"), "ICS": ICS[:3]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scores=st.lists(st.tuples(st.sampled_from("abc"), DAYS, st.sampled_from(["VUM2", "ICS"]),
                              st.lists(st.integers(0, 4), min_size=3, max_size=3)),
                    max_size=8),
    grants=st.lists(st.tuples(st.sampled_from("abcd"), DAYS), min_size=1, max_size=4),
    goals=st.lists(st.tuples(st.sampled_from("abc"),
                             st.sampled_from(THEMES["VUM2"] + THEMES["ICS"]), DAYS), max_size=4),
    klassifikation=st.sampled_from(["rci", "minimum"]),
)
def test_the_array_twin_measures_what_the_reference_measures_on_small_cases(
        scores, grants, goals, klassifikation):
    """Any assessments (one method per assessment with its own themes, in any order), §107
    grants and running Udvikle goals: the twin's measures and the flags from them are the
    reference's. (The methods' themes differ, as VUM2's and ICS's do: the reference takes the
    first assessment of a theme over both methods, the twin per method.)"""
    v = [{"borger_id": b, "dato": d, "metode": m, "tema": t, "niveau": lvl}
         for b, d, m, levels in {(b, d): (b, d, m, lv) for b, d, m, lv in scores}.values()
         for t, lvl in zip(THEMES[m], levels)]
    data = make([grant(f"g{k}", b, start=str(d.date())) for k, (b, d) in enumerate(grants)], v)
    maal = pd.DataFrame({
        "borger_id": pd.Series([g[0] for g in goals], dtype="str"),
        "maal_id": pd.Series([f"M{k}" for k in range(len(goals))], dtype="str"),
        "tema": pd.Series([g[1] for g in goals], dtype="str"),
        "maaltype": pd.Series(["Udvikle"] * len(goals), dtype="str"),
        "startdato": pd.Series([g[2] for g in goals], dtype="datetime64[ns]"),
        "frist": pd.Series([pd.Timestamp("2028-01-01")] * len(goals), dtype="datetime64[ns]"),
        "status": pd.Series(["igangværende"] * len(goals), dtype="str"),
    })
    data = dataclasses.replace(data, maal=maal)
    p = params()
    prog = p.progression.model_copy(update={"klassifikation": klassifikation,
                                            "mindste_aendring": 1.0})
    p = p.model_copy(update={"progression": prog})
    cases, ref, twin = both(data, p, pd.Timestamp("2026-06-30"))
    assert_same(ref, twin)
    pd.testing.assert_series_equal(progression_status(cases, ref, 12)["markering"],
                                   progression_status(cases, twin, 12)["markering"])
