"""Business cases: discounting, flows, NPV, payback and break-even against hand-computed values;
the shipped seed cases; clear errors for bad case files."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import businesscase as bc
from socialanalyse.config import ParameterFejl

# A small case computable by hand: 10 % a year, 3 years (0, 1, 2).
# Flows: year 0: −100 (investment); years 1–2: +60 (gain, success 100 %).
# Discount factors: 1, 1/1.1, 1/1.21. NPV = −100 + 60/1.1 + 60/1.21 = −100 + 126/1.21
# = −100 + 104.1322314 = 4.1322314.
TEN_PCT = [{"fra_aar": 0, "til_aar": 70, "rente": 0.10}]
ZERO_PCT = [{"fra_aar": 0, "til_aar": 70, "rente": 0.0}]


def small(**changes) -> dict:
    content = {
        "navn": "Lille case",
        "kilde": "Håndregnet eksempel",
        "antagelser": "Ingen",
        "horisont": 3,
        "diskontering": TEN_PCT,
        "betalere": {
            "social": {"navn": "Socialområdet", "udvalg": "Socialudvalget", "niveau": "kommune"},
            "stat": {"navn": "Staten", "niveau": "stat"},
        },
        "udgifter": {
            "investering": {"navn": "Investering", "art": "engangs", "beloeb": 100,
                            "betaler": "social"},
        },
        "gevinster": {
            "gevinst": {"navn": "Undgået udgift", "beloeb": 60, "fra_aar": 1,
                        "betaler": "social"},
        },
    }
    for key, value in changes.items():
        content[key] = value
    return content


def case_of(content: dict) -> bc.BusinessCase:
    return bc.parse_case(content, "lille.yaml")


# --- discounting ------------------------------------------------------------------------------


def test_discount_factors_default_schedule_by_hand():
    # Year 0 undiscounted; then 1/1.035 per year: 1, 0.9661836, 0.9335107, 0.9019427.
    got = bc.discount_factors(4)
    assert got == pytest.approx([1.0, 0.96618357, 0.93351070, 0.90194271], rel=1e-7)
    # Stepped: year 35 is the last at 3.5 %; year 36 adds one year at 2.5 %.
    f = bc.discount_factors([35, 36, 37])
    assert f[0] == pytest.approx(1.035**-35)
    assert f[1] == pytest.approx(1.035**-35 / 1.025)
    assert f[2] == pytest.approx(1.035**-35 / 1.025**2)
    # 1.035^35 = 3.33359 → f(35) = 0.299977; f(36) = 0.299977 / 1.025 = 0.292661
    assert f[:2] == pytest.approx([0.299977, 0.292661], abs=1e-6)


def test_discount_factors_custom_steps_by_hand():
    schedule = [{"fra_aar": 0, "til_aar": 1, "rente": 0.10},
                {"fra_aar": 2, "til_aar": 3, "rente": 0.20}]
    # 1; 1/1.1 = 0.9090909; 1/(1.1·1.2) = 0.7575758; 1/(1.1·1.2²) = 0.6313131
    assert bc.discount_factors(4, schedule) == pytest.approx(
        [1.0, 0.9090909, 0.7575758, 0.6313131], rel=1e-6
    )
    with pytest.raises(ValueError, match="år 4"):
        bc.discount_factors(5, schedule)


@given(st.lists(st.floats(0.0001, 0.2), min_size=2, max_size=40))
def test_discount_factors_decrease_with_positive_rates(rates):
    schedule = [{"fra_aar": i, "til_aar": i, "rente": r} for i, r in enumerate(rates)]
    f = bc.discount_factors(len(rates), schedule)
    assert f[0] == 1.0
    assert np.all(np.diff(f) < 0)


# --- flows, NPV, payback ----------------------------------------------------------------------


def test_small_case_npv_flows_and_payback_by_hand():
    res = bc.evaluate(case_of(small()))
    assert res.aarlig["netto"].tolist() == [-100.0, 60.0, 60.0]
    assert res.aarlig["diskonteringsfaktor"].tolist() == pytest.approx([1, 1 / 1.1, 1 / 1.21])
    assert res.nutidsvaerdi == pytest.approx(4.1322314, abs=1e-6)
    assert res.nutidsvaerdi_udgifter == pytest.approx(100.0)
    assert res.nutidsvaerdi_gevinster == pytest.approx(104.1322314)
    # Cumulative PV: −100, −45.45, +4.13 → pays back in year 2.
    assert res.aarlig["akkumuleret_nutidsvaerdi"].tolist() == pytest.approx(
        [-100.0, -45.4545455, 4.1322314]
    )
    assert res.tilbagebetalingsaar == 2
    # Long table: one row per line × payer × year; signs: costs negative, gains positive.
    assert len(res.linjer) == 6
    assert res.linjer["nutidsvaerdi"].sum() == pytest.approx(res.nutidsvaerdi)
    assert res.linjer.loc[res.linjer["type"] == "udgift", "beloeb"].tolist() == [-100, 0, 0]


def test_payback_year_rule():
    assert bc.payback_year([-10, -4, 2, 8]) == 2
    assert bc.payback_year([5, -1, 3]) == 2  # must stay non-negative to the end
    assert bc.payback_year([1, 2]) == 0
    assert bc.payback_year([-1, -2]) is None


def test_success_rate_doedvaegt_optimism_and_sharing_by_hand():
    content = small(optimisme_tillaeg=0.2)
    content["gevinster"]["gevinst"] |= {"succesrate": 0.9, "doedvaegt": 0.2}
    content["udgifter"]["investering"]["deles_af"] = 2
    # Cost: 100 / 2 × 1.2 = 60. Gain: 60 × (0.9 − 0.2) = 42 a year, discounted
    # 42 × (1/1.1 + 1/1.21) = 42 × 1.7355372 = 72.8925620 → NPV = −60 + 72.8925620 = 12.8925620
    res = bc.evaluate(case_of(content))
    assert res.aarlig["udgifter"].tolist() == pytest.approx([60.0, 0, 0])
    assert res.aarlig["gevinster"].tolist() == pytest.approx([0, 42.0, 42.0])
    assert res.nutidsvaerdi == pytest.approx(12.8925620)
    assert res.tilbagebetalingsaar == 2  # cumulative: −60, −21.82, +12.89


def test_per_citizen_and_price_times_quantity_by_hand():
    content = small(borgergrupper={"b": {"antal": 4}})
    content["udgifter"]["investering"] = {
        "navn": "Kursus", "art": "engangs", "pris": 10, "antal": 2, "borgere": "b",
        "betaler": "social"}
    content["gevinster"]["gevinst"] |= {"beloeb": 15, "borgere": "b"}
    # Cost 10 × 2 × 4 = 80 in year 0; gain 15 × 4 = 60 in years 1–2 → NPV −80 + 104.1322314
    res = bc.evaluate(case_of(content))
    assert res.aarlig["udgifter"].iloc[0] == 80.0
    assert res.nutidsvaerdi == pytest.approx(24.1322314)


def test_effect_duration_and_fading_by_hand():
    content = small(horisont=5, diskontering=ZERO_PCT, udgifter={})
    content["gevinster"]["gevinst"] = {
        "navn": "Gevinst", "beloeb": 100, "varighed": 2, "aftagning": 0.5, "betaler": "social"}
    # Full effect in years 0 and 1, then halved each year: 100, 100, 50, 25, 12.5 → 287.5
    res = bc.evaluate(case_of(content))
    assert res.aarlig["gevinster"].tolist() == [100.0, 100.0, 50.0, 25.0, 12.5]
    assert res.nutidsvaerdi == 287.5
    # Default aftagning 1: the effect stops after varighed.
    content["gevinster"]["gevinst"].pop("aftagning")
    assert bc.evaluate(case_of(content)).aarlig["gevinster"].tolist() == [100, 100, 0, 0, 0]


def test_payers_and_levels():
    content = small()
    content["gevinster"]["gevinst"]["betaler"] = {"social": 0.5, "stat": 0.5}
    res = bc.evaluate(case_of(content))
    by = res.pr_betaler.set_index("betaler")["nutidsvaerdi"]
    # Social: −100 + 104.13/2 = −47.93; state: +52.07
    assert by["Socialområdet"] == pytest.approx(-100 + 104.1322314 / 2)
    assert by["Staten"] == pytest.approx(104.1322314 / 2)
    assert res.nutidsvaerdi_kommune == pytest.approx(-47.9338843)
    assert res.pr_niveau["nutidsvaerdi"].sum() == pytest.approx(res.nutidsvaerdi)


# --- break-even -------------------------------------------------------------------------------


def test_break_even_success_rate_by_hand():
    case = case_of(small())
    table = bc.break_even(case, ["gevinster.gevinst.succesrate"]).iloc[0]
    # NPV(s) = −100 + s · 126/1.21 = 0 → s = 121/126 = 0.9603175
    assert table["nulpunkt"] == pytest.approx(121 / 126)
    assert table["retning"] == "mindst"
    assert table["mulig"]
    assert abs(table["nutidsvaerdi_ved_nulpunkt"]) < 1e-9
    # Just above pays, just below does not.
    above = bc.with_values(case, {"gevinster.gevinst.succesrate": 121 / 126 + 1e-6})
    below = bc.with_values(case, {"gevinster.gevinst.succesrate": 121 / 126 - 1e-6})
    assert bc.evaluate(above).nutidsvaerdi > 0 > bc.evaluate(below).nutidsvaerdi


def test_break_even_citizens_rounds_towards_paying():
    content = small(borgergrupper={"b": {"antal": 10}})
    content["gevinster"]["gevinst"] |= {"beloeb": 6, "borgere": "b"}
    # NPV(n) = −100 + n · 6 · (1/1.1 + 1/1.21) = −100 + n · 12.6/1.21 = 0
    # → n = 121/12.6 = 9.603 → at least 10 citizens
    row = bc.break_even(case_of(content), ["borgergrupper.b.antal"]).iloc[0]
    assert row["nulpunkt"] == pytest.approx(121 / 12.6)
    assert row["afrundet"] == 10


def test_break_even_proportional_and_independent():
    content = small(borgergrupper={"b": {"antal": 1}})
    content["udgifter"]["investering"]["borgere"] = "b"
    content["gevinster"]["gevinst"]["borgere"] = "b"
    out = bc.break_even(case_of(content), ["borgergrupper.b.antal", "optimisme_tillaeg"])
    # More optimism uplift only raises costs: pays for an uplift of at most x*.
    assert out["retning"].tolist() == ["proportional", "højst"]
    content["udgifter"] = {}
    out = bc.break_even(case_of(content), ["optimisme_tillaeg"])
    assert out["retning"].tolist() == ["uafhængig"]


def test_break_even_refuses_nonlinear_input():
    content = small(horisont=5)
    # Years 2, 3, 4 carry (1 − a), (1 − a)², (1 − a)³: not linear in a.
    content["gevinster"]["gevinst"] |= {"varighed": 1, "aftagning": 0.5}
    with pytest.raises(ValueError, match="ikke lineær"):
        bc.break_even(case_of(content), ["gevinster.gevinst.aftagning"])


# --- engine consistency and properties --------------------------------------------------------


def test_vectorised_npv_equals_case_by_case_evaluation():
    case = bc.load("ikast_brande_profugo")
    rng = np.random.default_rng(3)
    draws = {
        "gevinster.undgaaede_ophold.pris": rng.uniform(900, 1900, 5),
        "gevinster.undgaaede_ophold.varighed": rng.uniform(0.5, 5, 5),
        "gevinster.undgaaede_ophold.aftagning": rng.uniform(0, 1, 5),
        "borgergrupper.forsorgshjem.antal": rng.uniform(5, 20, 5),
        "optimisme_tillaeg": rng.uniform(0, 0.5, 5),
    }
    vector = bc.npv(case, draws)
    for i in range(5):
        one = bc.with_values(case, {k: float(v[i]) for k, v in draws.items()})
        assert vector[i] == pytest.approx(bc.evaluate(one).nutidsvaerdi, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    cost=st.floats(0, 1e7),
    gain=st.floats(0, 1e7),
    k1=st.floats(0, 5),
    k2=st.floats(0, 5),
)
def test_npv_linear_in_a_cost_scale(cost, gain, k1, k2):
    content = small(horisont=10, diskontering=None)
    content["udgifter"]["drift"] = {"navn": "Drift", "beloeb": cost, "betaler": "social"}
    content["gevinster"]["gevinst"]["beloeb"] = gain
    case = case_of(content)
    path = "udgifter.drift.beloeb"
    a, b, mid = bc.npv(case, {path: np.array([k1 * cost, k2 * cost, (k1 + k2) / 2 * cost])})
    assert mid == pytest.approx((a + b) / 2, rel=1e-9, abs=1e-6)
    # And scaling costs by k lowers the NPV by k × PV of the cost: annuity-due 8.6076866 at 3.5 %
    assert a - b == pytest.approx((k2 - k1) * cost * 8.60768651, rel=1e-6, abs=1e-6)


# --- the shipped seed cases -------------------------------------------------------------------


@pytest.mark.parametrize("name", bc.available_cases())
def test_every_shipped_case_loads_and_evaluates(name):
    case = bc.load(name)
    assert case.kilde.strip() and case.antagelser.strip()
    res = bc.evaluate(case)
    assert math.isfinite(res.nutidsvaerdi)
    assert len(res.aarlig) == case.horisont
    # Break-even: evaluating at the solved value gives NPV 0 within rounding.
    scale = max(1.0, res.nutidsvaerdi_udgifter, res.nutidsvaerdi_gevinster)
    for row in res.break_even.itertuples():
        if row.retning in ("mindst", "højst"):
            assert abs(row.nutidsvaerdi_ved_nulpunkt) < 1e-9 * scale
            at = bc.with_values(case, {row.input: row.nulpunkt}) if row.mulig else None
            if at is not None:
                assert abs(bc.evaluate(at).nutidsvaerdi) < 1e-6 * scale
    for scenario in case.scenarier:
        assert math.isfinite(bc.evaluate(case, scenario).nutidsvaerdi)
    assert len(bc.compare_scenarios(case)) == len(case.scenarier) + 1
    assert set(bc.assumptions_table(case)["linje"]) == {
        line.navn for _, _, line in case.lines()
    }


def test_at_least_the_six_seed_cases_ship():
    names = set(bc.available_cases())
    assert {"fredericia_hjemmebaseret_indsats", "haderslev_akustisk_nattetilsyn",
            "ikast_brande_profugo", "herlev_indkoebskonsulent", "herning_puls",
            "furesoe_sagsgennemgang"} <= names


def test_fredericia_reproduces_kl_figures_exactly():
    res = bc.evaluate(bc.load("fredericia_hjemmebaseret_indsats"))
    # 3.53 − 2.19 = 1.34 mio. kr. every year, exactly.
    assert (res.aarlig["udgifter"] == 2_190_000).all()
    assert (res.aarlig["gevinster"] == 3_530_000).all()
    assert (res.aarlig["netto"] == 1_340_000).all()
    # 10 years, 3.5 %: 1.34 mio. × (1 − 1.035⁻¹⁰) / (1 − 1/1.035) = 1.34 mio. × 8.6076865
    assert res.nutidsvaerdi == pytest.approx(1_340_000 * 8.60768651, rel=1e-8)
    assert res.tilbagebetalingsaar == 0
    # Break-even success rate = 2.19 / 3.53 = 0.62040
    be = res.break_even.set_index("input").loc["gevinster.undgaaet_anbringelse.succesrate"]
    assert be["nulpunkt"] == pytest.approx(2.19 / 3.53)


def test_haderslev_sharing_the_operators_pays():
    case = bc.load("haderslev_akustisk_nattetilsyn")
    res = {s: bc.evaluate(case, s) for s in ("en_kommune", "tre_kommuner", "seks_kommuner")}
    # Seed figures: 43 × 10,000 in year 0; 43 × 1,500 + 700,000 a year after; wi-fi 3 × 50,000
    one = res["en_kommune"].aarlig
    assert one["udgifter"].iloc[0] == 43 * 10_000 + 700_000 + 3 * 50_000
    assert one["udgifter"].iloc[1] == 43 * 1_500 + 700_000
    assert res["tre_kommuner"].aarlig["udgifter"].iloc[1] == pytest.approx(
        43 * 1_500 + 700_000 / 3)
    npvs = [res[s].nutidsvaerdi for s in ("en_kommune", "tre_kommuner", "seks_kommuner")]
    assert npvs[0] < npvs[1] < npvs[2]
    assert npvs[0] < 0 < npvs[1]


def test_other_seed_figures():
    profugo = bc.evaluate(bc.load("ikast_brande_profugo"))
    assert profugo.aarlig["udgifter"].iloc[0] == 3_260_000
    furesoe = bc.evaluate(bc.load("furesoe_sagsgennemgang"))
    assert furesoe.aarlig["gevinster"].iloc[0] == pytest.approx(13_800_000, abs=1e-6)
    herlev = bc.evaluate(bc.load("herlev_indkoebskonsulent"))
    assert herlev.aarlig["gevinster"].iloc[:2].tolist() == [2_000_000, 4_000_000]
    puls = bc.evaluate(bc.load("herning_puls"))
    assert (puls.aarlig["udgifter"] == 0.01 * 400_000_000).all()


def test_default_horizon_from_parameters(tmp_path):
    content = small()
    content.pop("horisont")
    content["diskontering"] = None
    path = tmp_path / "uden_horisont.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    assert bc.load(path).horisont == 10  # default.yaml: businesscase.horisont
    from socialanalyse.config import BusinesscaseParametre

    settings_ = BusinesscaseParametre(case="x", horisont=4, simuleringer=100, seed=1,
                                      egne_data=False)
    assert bc.load(path, settings_).horisont == 4


def test_scenarios_and_with_values():
    case = bc.load("fredericia_hjemmebaseret_indsats")
    careful = bc.with_scenario(case, "forsigtigt")
    assert careful.gevinster["undgaaet_anbringelse"].succesrate == 0.6
    assert case.gevinster["undgaaet_anbringelse"].succesrate == 1.0  # the original is unchanged
    assert bc.with_scenario(case, None) is case
    with pytest.raises(ParameterFejl, match="ukendt scenarie 'forsigtig'.*forsigtigt"):
        bc.with_scenario(case, "forsigtig")
    with pytest.raises(ParameterFejl, match="succesrate"):
        bc.with_values(case, {"gevinster.undgaaet_anbringelse.succesrate": 1.5})
    with pytest.raises(ParameterFejl, match="ukendt gevinst"):
        bc.with_values(case, {"gevinster.nope.beloeb": 1})


# --- bad case files ---------------------------------------------------------------------------


def write(tmp_path: Path, content: dict, name: str = "daarlig.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def error_of(tmp_path: Path, content: dict) -> str:
    path = write(tmp_path, content)
    with pytest.raises(ParameterFejl) as info:
        bc.load(path)
    text = str(info.value)
    assert str(path) in text  # the file is named
    return text


def test_misspelt_key_is_named(tmp_path):
    content = small()
    content["gevinster"]["gevinst"]["succesrat"] = 0.5
    text = error_of(tmp_path, content)
    assert "nøglen 'gevinster.gevinst.succesrat' ukendt nøgle (stavefejl?)" in text
    content = small()
    content["udgiftter"] = content.pop("udgifter")
    assert "nøglen 'udgiftter' ukendt nøgle" in error_of(tmp_path, content)


def test_wrong_type_and_negative_price_are_named(tmp_path):
    content = small()
    content["udgifter"]["investering"]["beloeb"] = "mange"
    text = error_of(tmp_path, content)
    assert "nøglen 'udgifter.investering.beloeb' skal være et tal (fik 'mange')" in text
    content = small()
    content["udgifter"]["investering"] = {"navn": "x", "pris": -5, "antal": 1,
                                          "betaler": "social"}
    text = error_of(tmp_path, content)
    assert "nøglen 'udgifter.investering.pris' skal være mindst 0" in text


def test_unknown_payer_and_group_are_named(tmp_path):
    content = small()
    content["gevinster"]["gevinst"]["betaler"] = "socail"
    text = error_of(tmp_path, content)
    assert "nøglen 'gevinster.gevinst.betaler' ukendt betaler 'socail'" in text
    assert "Mente du 'social'?" in text
    content = small()
    content["gevinster"]["gevinst"]["borgere"] = "familier"
    assert "'gevinster.gevinst.borgere' ukendt borgergruppe 'familier'" in error_of(
        tmp_path, content)
    content = small()
    content["betalere"]["social"]["niveau"] = "amt"
    assert "'betalere.social.niveau' skal være en af 'kommune', 'region' or 'stat'" in (
        error_of(tmp_path, content))


def test_line_rules(tmp_path):
    content = small()
    content["udgifter"]["investering"]["pris"] = 5
    assert "enten 'beloeb' eller 'pris' og 'antal'" in error_of(tmp_path, content)
    content = small()
    content["gevinster"]["gevinst"]["betaler"] = {"social": 0.5, "stat": 0.4}
    assert "summe til 1" in error_of(tmp_path, content)
    content = small()
    content["gevinster"]["gevinst"]["fra_aar"] = 3
    assert "'gevinster.gevinst.fra_aar' ligger efter horisonten" in error_of(tmp_path, content)


def test_bad_uncertainty_and_scenarios(tmp_path):
    content = small(usikkerhed={"gevinster.gevinst.succesrate": {"fordeling": "trekant",
                                                                 "min": 0.5, "max": 1.0}})
    assert "mangler sandsynligst" in error_of(tmp_path, content)
    content = small(usikkerhed={"gevinster.gevinst.sucesrate": {"fordeling": "uniform",
                                                                "min": 0.5, "max": 1.0}})
    assert "'usikkerhed.gevinster.gevinst.sucesrate'" in error_of(tmp_path, content)
    content = small(usikkerhed={"gevinster.gevinst.succesrate": {"fordeling": "uniform",
                                                                 "min": 0.2, "max": 0.5}})
    assert "uden for fordelingens interval" in error_of(tmp_path, content)
    content = small(scenarier={"skoer": {"vaerdier": {"gevinster.gevinst.succesrate": 2}}})
    text = error_of(tmp_path, content)
    assert "scenariet 'skoer'" in text and "succesrate" in text


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ParameterFejl, match="findes ikke"):
        bc.load(tmp_path / "ingen.yaml")
    with pytest.raises(ParameterFejl, match="Mente du 'herning_puls'"):
        bc.load("herning_pulse")
    with pytest.raises(ParameterFejl, match="ikke gyldig YAML"):
        path = tmp_path / "rod.yaml"
        path.write_text("navn: [uafsluttet\n", encoding="utf-8")
        bc.load(path)


def test_shipped_files_are_not_modified_by_evaluation():
    path = bc.cases_dir() / "herning_puls.yaml"
    before = path.read_bytes()
    case = bc.load("herning_puls")
    snapshot = copy.deepcopy(case.model_dump())
    bc.evaluate(case, "optimistisk")
    bc.with_values(case, {"gevinster.faerre_timer_85.antal": 40})
    assert case.model_dump() == snapshot
    assert path.read_bytes() == before


def test_assumptions_table_is_readable():
    table = bc.assumptions_table(bc.load("ikast_brande_profugo"))
    assert isinstance(table, pd.DataFrame)
    row = table.set_index("linje").loc["Undgåede døgn på forsorgshjem"]
    assert row["betaler"] == "Voksenområdet, forsorgshjem (§110) (50 %), Staten (refusion af §110-ophold) (50 %)"
    assert row["aar"] == "1–9"
