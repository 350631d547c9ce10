"""Business cases under uncertainty: tornado table and Monte Carlo simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from socialanalyse import businesscase as bc
from socialanalyse.businesscase.model import Fordeling

TEN_PCT = [{"fra_aar": 0, "til_aar": 70, "rente": 0.10}]


def small(usikkerhed=None, scenarier=None) -> bc.BusinessCase:
    # −100 in year 0, +60 in years 1–2 at 10 %: NPV(s) = −100 + s · 104.1322314 (see
    # test_businesscase.py), success rate s = 1 in the case.
    return bc.parse_case({
        "navn": "Lille case",
        "kilde": "Håndregnet eksempel",
        "antagelser": "Ingen",
        "horisont": 3,
        "diskontering": TEN_PCT,
        "betalere": {"social": {"navn": "Socialområdet", "niveau": "kommune"},
                     "stat": {"navn": "Staten", "niveau": "stat"}},
        "udgifter": {"investering": {"navn": "Investering", "art": "engangs", "beloeb": 100,
                                     "betaler": "social"}},
        "gevinster": {"gevinst": {"navn": "Gevinst", "beloeb": 60, "fra_aar": 1,
                                  "betaler": {"social": 0.5, "stat": 0.5}}},
        "usikkerhed": usikkerhed or {},
        "scenarier": scenarier or {},
    }, "lille.yaml")


# --- sensitivity ------------------------------------------------------------------------------


def test_tornado_by_hand():
    case = small({
        "gevinster.gevinst.succesrate": {"fordeling": "trekant", "min": 0.8,
                                         "sandsynligst": 0.9, "max": 1.0},
        "udgifter.investering.beloeb": {"fordeling": "uniform", "min": 90, "max": 150},
    })
    table = bc.sensitivity(case).set_index("input")
    s = table.loc["gevinster.gevinst.succesrate"]
    # s = 0.8: −100 + 0.8 · 104.1322314 = −16.6942149; s = 1.0: +4.1322314
    assert s["nutidsvaerdi_lav"] == pytest.approx(-16.6942149)
    assert s["nutidsvaerdi_hoej"] == pytest.approx(4.1322314)
    c = table.loc["udgifter.investering.beloeb"]
    # cost 90: +14.1322314; cost 150: −45.8677686; span 60 > span 20.83 → listed first
    assert (c["nutidsvaerdi_lav"], c["nutidsvaerdi_hoej"]) == pytest.approx((14.1322314,
                                                                             -45.8677686))
    assert list(table.index) == ["udgifter.investering.beloeb", "gevinster.gevinst.succesrate"]
    assert table["nutidsvaerdi_grund"].tolist() == pytest.approx([4.1322314] * 2)


def test_tornado_explicit_ranges_are_clipped_to_valid_values():
    table = bc.sensitivity(small(), {"gevinster.gevinst.succesrate": (0.5, 1.4)})
    assert table.loc[0, "hoej"] == 1.0  # a success rate cannot exceed 100 %


@pytest.mark.parametrize("name", bc.available_cases())
def test_low_and_high_bracket_the_base(name):
    case = bc.load(name)
    table = bc.sensitivity(case)
    assert len(table) == len(case.usikkerhed)
    low = table[["nutidsvaerdi_lav", "nutidsvaerdi_hoej"]].min(axis=1)
    high = table[["nutidsvaerdi_lav", "nutidsvaerdi_hoej"]].max(axis=1)
    base = bc.evaluate(case).nutidsvaerdi
    tol = 1e-6 * max(1.0, abs(base))
    assert (low <= base + tol).all() and (high >= base - tol).all()
    assert table["spaend"].is_monotonic_decreasing


def test_tornado_skips_inputs_a_scenario_fixes():
    case = bc.load("fredericia_hjemmebaseret_indsats")
    table = bc.sensitivity(case, scenario="forventet")
    assert "gevinster.undgaaet_anbringelse.succesrate" not in set(table["input"])
    assert len(table) == len(case.usikkerhed) - 1


# --- distributions ----------------------------------------------------------------------------


def test_distribution_moments_against_closed_forms():
    rng = np.random.default_rng(7)
    n = 400_000
    # beta-PERT(0, 2, 10), λ = 4: mean (0 + 4·2 + 10)/6 = 3; variance (μ − a)(b − μ)/7 = 3
    pert = bc.draw(Fordeling(fordeling="pert", min=0, sandsynligst=2, max=10), n, rng)
    assert pert.mean() == pytest.approx(3.0, abs=0.02)
    assert pert.var() == pytest.approx(3.0, rel=0.02)
    # It is scipy's Beta(1 + 4·2/10, 1 + 4·8/10) = Beta(1.8, 4.2) scaled to [0, 10].
    ks = stats.kstest(pert / 10, stats.beta(1.8, 4.2).cdf)
    assert ks.pvalue > 0.001
    # Triangular(1, 2, 6): mean (1 + 2 + 6)/3 = 3
    tri = bc.draw(Fordeling(fordeling="trekant", min=1, sandsynligst=2, max=6), n, rng)
    assert tri.mean() == pytest.approx(3.0, abs=0.02)
    assert tri.min() >= 1 and tri.max() <= 6
    uni = bc.draw(Fordeling(fordeling="uniform", min=2, max=4), n, rng)
    assert uni.mean() == pytest.approx(3.0, abs=0.01)
    nor = bc.draw(Fordeling(fordeling="normal", middel=5, sd=2), n, rng)
    assert (nor.mean(), nor.std()) == pytest.approx((5, 2), rel=0.01)
    # Degenerate: min = max is a fixed value
    assert (bc.draw(Fordeling(fordeling="pert", min=2, sandsynligst=2, max=2), 5, rng) == 2).all()


def test_distribution_parameters_are_checked():
    with pytest.raises(ValueError, match="min ≤ sandsynligst ≤ max"):
        Fordeling(fordeling="trekant", min=3, sandsynligst=2, max=4)
    with pytest.raises(ValueError, match="bruger ikke sd"):
        Fordeling(fordeling="uniform", min=1, max=2, sd=1)
    lo, hi = Fordeling(fordeling="normal", middel=10, sd=1).bounds()
    assert (lo, hi) == pytest.approx((8.04, 11.96))


# --- Monte Carlo ------------------------------------------------------------------------------


def test_monte_carlo_reproducible_by_seed():
    case = bc.load("herning_puls")
    a = bc.monte_carlo(case, 2000, seed=11)
    b = bc.monte_carlo(case, 2000, seed=11)
    c = bc.monte_carlo(case, 2000, seed=12)
    np.testing.assert_array_equal(a.nutidsvaerdi, b.nutidsvaerdi)
    assert not np.array_equal(a.nutidsvaerdi, c.nutidsvaerdi)
    assert a.sandsynlighed_for_gevinst == b.sandsynlighed_for_gevinst


def test_monte_carlo_without_spread_is_the_deterministic_result():
    case = bc.load("ikast_brande_profugo")
    zero = {}
    for path in case.usikkerhed:
        value = bc.get_value(case, path)
        zero[path] = {"fordeling": "pert", "min": value, "sandsynligst": value, "max": value}
    content = case.model_dump() | {"usikkerhed": zero}
    fixed = bc.parse_case(content, "nul.yaml")
    mc = bc.monte_carlo(fixed, 1000, seed=1)
    det = bc.evaluate(fixed).nutidsvaerdi
    np.testing.assert_allclose(mc.nutidsvaerdi, det, rtol=1e-12)
    assert mc.deterministisk == pytest.approx(det)
    assert mc.sandsynlighed_for_gevinst == 1.0
    # Normal with sd 0 too.
    content["usikkerhed"] = {"gevinster.undgaaede_ophold.pris": {"fordeling": "normal",
                                                                  "middel": 1300, "sd": 0}}
    mc = bc.monte_carlo(bc.parse_case(content, "nul.yaml"), 100, seed=1)
    np.testing.assert_allclose(mc.nutidsvaerdi, det, rtol=1e-12)


def test_monte_carlo_mean_converges_to_deterministic_for_symmetric_spreads():
    # NPV is linear in the success rate: with a symmetric distribution around the case's value
    # the mean NPV converges to the deterministic NPV (error ~ sd/√n).
    case = small({"gevinster.gevinst.succesrate": {"fordeling": "trekant", "min": 0.6,
                                                   "sandsynligst": 0.8, "max": 1.0}})
    case = bc.with_values(case, {"gevinster.gevinst.succesrate": 0.8})
    det = bc.evaluate(case).nutidsvaerdi  # −100 + 0.8 · 104.1322314 = −16.6942149
    assert det == pytest.approx(-16.6942149)
    errors = [abs(bc.monte_carlo(case, n, seed=3).middel - det) for n in (100, 100_000)]
    assert errors[1] < 0.1 < 1 + errors[0]
    assert errors[1] < errors[0]


def test_probability_of_gain_by_hand():
    # s ~ uniform(0.9, 1.0); pays when s ≥ 121/126 = 0.9603175 → P = (1 − 0.9603175)/0.1 = 0.397
    case = small({"gevinster.gevinst.succesrate": {"fordeling": "uniform", "min": 0.9,
                                                   "max": 1.0}})
    mc = bc.monte_carlo(case, 200_000, seed=5)
    assert mc.sandsynlighed_for_gevinst == pytest.approx(0.3968254, abs=0.005)
    # The municipality alone: −100 + s · 52.07 < 0 always.
    assert mc.sandsynlighed_for_gevinst_kommune == 0.0
    total = mc.pr_niveau["kommune"] + mc.pr_niveau["stat"]
    np.testing.assert_allclose(total, mc.nutidsvaerdi)
    assert list(mc.percentiler["percentil"]) == [5, 10, 25, 50, 75, 90, 95]
    assert mc.percentil(50) == pytest.approx(-100 + 0.95 * 104.1322314, abs=0.2)


def test_monte_carlo_scenario_and_fixed_inputs_are_not_drawn():
    case = bc.load("fredericia_hjemmebaseret_indsats")
    mc = bc.monte_carlo(case, 500, seed=1, scenario="forventet")
    assert "gevinster.undgaaet_anbringelse.succesrate" not in mc.traek.columns
    mc = bc.monte_carlo(case, 500, seed=1, fixed=["udgifter.intensiv_stoette.beloeb"])
    assert list(mc.traek.columns) == ["gevinster.undgaaet_anbringelse.succesrate",
                                      "gevinster.undgaaet_anbringelse.beloeb"]
    with pytest.raises(ValueError):
        bc.monte_carlo(case, 0)
