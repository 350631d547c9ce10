"""businesscase.follow_up on a hand-made two-year case: the intervention's payments against the
cost line, avoided §107 full-year persons against the gain line, the status per effect and the
net present value with the actual years in place (discounted at 3.5 %)."""

from __future__ import annotations

import pytest
from servicetjek_cases import grant, make, monthly, payments

from socialanalyse.businesscase import evaluate, follow_up, parse_case
from socialanalyse.businesscase.followup import BAGUD, FORAN, IKKE_MAALBART, PAA_SPORET, _status
from socialanalyse.config import ParameterFejl

CASE = {
    "navn": "Støtte i eget hjem frem for midlertidigt botilbud", "kilde": "test",
    "antagelser": "test", "horisont": 4, "startaar": 2024,
    "betalere": {"k": {"navn": "Kommunen", "niveau": "kommune"}},
    "borgergrupper": {"borgere": {"antal": 1}},
    "udgifter": {"indsats": {"navn": "Indsatsen", "beloeb": 100_000, "betaler": "k"}},
    "gevinster": {"undgaaet": {"navn": "Undgået §107-ophold", "beloeb": 500_000, "betaler": "k"}},
    "opfoelgning": {
        "indsats": {"paragraf": "§85", "leverandoer_id": "L1", "start": "2024-01-01"},
        "borgergruppe": "borgere",
        "effekter": {"undgaaet": {"maal": "helaarspersoner", "paragraf": "§107", "basisaar": 2023,
                                  "vaerdi_pr_enhed": 500_000}},
    },
}


def case_data():
    """§107: 3 full-year persons in 2023, 2 in 2024, 2 + 181/365 in 2025. The intervention
    (§85 at L1) is paid 8,000 kr a month in 2024 and 9,000 in 2025 (and before its start in
    2023, which does not count). Payments run to March 2026: the last whole year is 2025."""
    grants = [
        grant("x1", "a", start="2022-01-01", slut="2023-12-31"),
        grant("x2", "b", start="2022-01-01"),
        grant("x3", "c", start="2022-01-01", slut="2025-06-30"),
        grant("x4", "d", start="2025-01-01"),
        grant("i1", "e", paragraf="§85", enhed="time", pris=600, omfang=3, start="2023-06-01"),
        grant("o1", "f", paragraf="§85", lev="L2", enhed="time", pris=600, omfang=3,
              start="2023-01-01"),  # §85 at another provider: not the intervention
    ]
    pay = (payments("x1", "L1", monthly("2023-01", "2023-12", 30_000))
           + payments("x2", "L1", monthly("2023-01", "2026-03", 30_000))
           + payments("x3", "L1", monthly("2023-01", "2025-06", 30_000))
           + payments("x4", "L1", monthly("2025-01", "2026-03", 30_000))
           + payments("i1", "L1", monthly("2023-06", "2023-12", 8_000) | monthly(
               "2024-01", "2024-12", 8_000) | monthly("2025-01", "2026-03", 9_000))
           + payments("o1", "L2", monthly("2023-01", "2026-03", 5_000)))
    return make(grants, betalinger=pay)


def test_follow_up_of_a_two_year_case():
    case = parse_case(CASE)
    r = follow_up(case, case_data())
    assert r.sidste_hele_aar == 2025
    a = r.aar.set_index("kalenderaar")
    assert a["faktisk"].tolist() == [True, True, False, False]
    assert a.loc[2024, "udgifter_faktisk"] == 96_000 and a.loc[2025, "udgifter_faktisk"] == 108_000
    assert a.loc[2024, "udgifter_forventet"] == 100_000
    assert (a.loc[2024, "borgere_faktisk"], a.loc[2024, "borgere_forventet"]) == (1, 1)
    assert a.loc[2025, "helaarspersoner_faktisk"] == pytest.approx(1.0)
    e = r.effekter.set_index("kalenderaar")
    assert e.loc[2024, "enheder_basis"] == pytest.approx(3.0)
    assert e.loc[2024, "enheder_undgaaet"] == pytest.approx(1.0)
    avoided_2025 = 3 - (2 + 181 / 365)
    assert e.loc[2025, "enheder_undgaaet"] == pytest.approx(avoided_2025)
    assert e.loc[2025, "gevinst_realiseret"] == pytest.approx(500_000 * avoided_2025)
    assert e.loc[2025, "enheder_forventet"] == pytest.approx(1.0)
    s = r.status.set_index("effekt").loc["undgaaet"]
    realised = 500_000 * (1 + avoided_2025)  # 752,054.79 of 1,000,000 expected
    assert s["gevinst_forventet"] == 1_000_000
    assert s["gevinst_realiseret"] == pytest.approx(realised)
    assert s["andel"] == pytest.approx(realised / 1_000_000)
    assert s["status"] == BAGUD and s["antal_aar"] == 2
    # NPV: the plan is 400,000 a year for 4 years; the actual years are 500,000 - 96,000 and
    # 500,000 × 184/365 - 108,000.
    df = [1, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3]
    assert r.nutidsvaerdi_plan == pytest.approx(400_000 * sum(df))
    assert r.nutidsvaerdi_plan == pytest.approx(evaluate(case).nutidsvaerdi)
    flows = [404_000, 500_000 * avoided_2025 - 108_000, 400_000, 400_000]
    assert r.nutidsvaerdi_opdateret == pytest.approx(sum(f * d for f, d in zip(flows, df)))
    assert r.aarlig["kilde"].tolist() == ["faktisk", "faktisk", "forventet", "forventet"]
    assert r.tilbagebetalingsaar_opdateret == 0


def test_value_per_unit_from_the_municipalitys_own_data():
    content = {**CASE, "opfoelgning": {**CASE["opfoelgning"], "effekter": {
        "undgaaet": {"maal": "helaarspersoner", "paragraf": "§107"}}}}
    r = follow_up(parse_case(content), case_data())
    e = r.effekter.set_index("kalenderaar")
    # Base year 2023 (the year before the start): 3 × 12 × 30,000 kr paid / 3 full-year persons.
    assert e.loc[2024, "vaerdi_pr_enhed"] == pytest.approx(360_000)
    assert e.loc[2024, "gevinst_realiseret"] == pytest.approx(360_000)


def test_status_words_and_margin():
    assert _status(100, 89.9, 0.1) == BAGUD
    assert _status(100, 90, 0.1) == PAA_SPORET and _status(100, 110, 0.1) == PAA_SPORET
    assert _status(100, 110.1, 0.1) == FORAN
    assert _status(0, 5, 0.1) == IKKE_MAALBART


def test_before_the_first_whole_year_nothing_is_measured():
    content = {**CASE, "startaar": 2026, "opfoelgning": {**CASE["opfoelgning"], "indsats": {
        **CASE["opfoelgning"]["indsats"], "start": "2026-01-01"}}}
    r = follow_up(parse_case(content), case_data())
    assert not r.aar["faktisk"].any()
    assert r.status["status"].tolist() == [IKKE_MAALBART]
    assert r.nutidsvaerdi_opdateret == pytest.approx(r.nutidsvaerdi_plan)


@pytest.mark.parametrize("change, words", [
    ({"startaar": None}, ["opfoelgning", "kræver, at casen har et startaar"]),
    ({"opfoelgning": {**CASE["opfoelgning"], "effekter": {"undgaet": {
        "maal": "helaarspersoner", "paragraf": "§107"}}}},
     ["opfoelgning.effekter.undgaet", "ukendt gevinst 'undgaet'", "Mente du 'undgaaet'?"]),
    ({"opfoelgning": {**CASE["opfoelgning"], "effekter": {"undgaaet": {
        "maal": "nye_forloeb", "paragraf": "§107"}}}}, ["kræver vaerdi_pr_enhed"]),
    ({"opfoelgning": {**CASE["opfoelgning"], "indsats": {"start": "2024-01-01"}}},
     ["angiv mindst én af paragraf"]),
])
def test_the_follow_up_section_is_validated_in_danish(change, words):
    with pytest.raises(ParameterFejl) as err:
        parse_case({**CASE, **change}, "sag.yaml")
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_a_case_without_follow_up_section_says_so():
    content = {k: v for k, v in CASE.items() if k != "opfoelgning"}
    with pytest.raises(ParameterFejl, match="ingen 'opfoelgning'-sektion"):
        follow_up(parse_case(content), case_data())
