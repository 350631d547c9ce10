"""Development cases and their progression (progression.udvikling): the servicetjek's twin on
integer arrays (servicetjek.udvikling) measures exactly what the reference does, on the
synthetic sample and on hand-made cases with two assessment methods, and the rule
ingen_progression flags the cases the follow-up flags."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from servicetjek_cases import AS_OF, assessment, grant, make, params

from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.opfoelgning import INGEN_PROGRESSION, progression_followup
from socialanalyse.progression.udvikling import (
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
