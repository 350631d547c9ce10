"""Budget: variance decomposition, expected year-end, cost drivers, forecast.

Hand-computed cases state their arithmetic; property tests check that decompositions add up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import budget as B
from socialanalyse.budget.fremskrivning import trend_prediction
from socialanalyse.budget.prognose import _rest_weights
from socialanalyse.data import Data
from socialanalyse.data.derived import population

IND0 = B.Indstillinger(prisindeks=0.0)


# --- variance: hand-computed ------------------------------------------------------------------


def _budget(rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """{linje: (budget_antal, budget_enhedspris)} -> a differentiated budget frame."""
    df = pd.DataFrame(rows, index=["budget_antal", "budget_enhedspris"]).T.rename_axis("linje")
    df["budget"] = df["budget_antal"] * df["budget_enhedspris"]
    df["kategori"] = "Botilbud"
    return df


def _expected(rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """{linje: (forventet_antal, enhedspris)} -> an expected frame."""
    df = pd.DataFrame(rows, index=["forventet_antal", "pris"]).T.rename_axis("linje")
    df["forventet"] = df["forventet_antal"] * df["pris"]
    return df


def test_variance_one_line_hand_computed():
    # Budget 10 full-year persons × 100,000 kr = 1,000,000; expected 12 × 110,000 = 1,320,000.
    # Deviation 320,000 = quantity (12-10) × 100,000 = 200,000 + price (110,000-100,000) × 12
    # = 120,000; one line, so mix 0.
    v = B.variance(_budget({"§108": (10, 100_000)}), _expected({"§108": (12, 110_000)}))
    row = v.loc["§108"]
    assert row["afvigelse"] == 320_000
    assert row["maengde"] == 200_000
    assert row["pris"] == 120_000
    assert row["mix"] == 0
    assert row["maengde"] + row["pris"] + row["mix"] == row["afvigelse"]


def test_variance_two_lines_mix_hand_computed():
    # A: budget 10 × 100 = 1,000; expected 6 × 110 = 660.
    # B: budget 10 × 300 = 3,000; expected 14 × 300 = 4,200.
    # Group: budget 20 persons, 4,000 kr, average price 200; expected 20 persons, 4,860 kr.
    # quantity (20-20) × 200 = 0; at budget prices the actual mix costs 6×100 + 14×300 = 4,800,
    # so mix = 4,800 - 20 × 200 = 800; price = 4,860 - 4,800 = 60 (= (110-100) × 6).
    # 0 + 800 + 60 = 860 = 4,860 - 4,000.
    bud = _budget({"A": (10, 100), "B": (10, 300)})
    exp = _expected({"A": (6, 110), "B": (14, 300)})
    g = B.variance(bud, exp, by="samlet").loc["I alt"]
    assert (g["afvigelse"], g["maengde"], g["mix"], g["pris"]) == (860, 0, 800, 60)
    # Grouping by a budget column gives the same single group here.
    assert B.variance(bud, exp, by="kategori").loc["Botilbud", "mix"] == 800
    # Per line: A quantity (6-10) × 100 = -400, price 60; B quantity (14-10) × 300 = 1,200.
    lines = B.variance(bud, exp)
    assert lines.loc["A", ["maengde", "pris", "mix"]].tolist() == [-400, 60, 0]
    assert lines.loc["B", ["maengde", "pris", "mix"]].tolist() == [1200, 0, 0]
    assert lines["afvigelse"].sum() == 860


def test_variance_unbudgeted_line_is_all_quantity():
    # A line with no budget (0 persons, 0 kr) and 2 × 50 = 100 expected: quantity 100.
    v = B.variance(_budget({"A": (1, 10)}), _expected({"A": (1, 10), "Ny": (2, 50)}))
    assert v.loc["Ny", ["afvigelse", "maengde", "pris"]].tolist() == [100, 100, 0]


# Quantities are 0 or at least a hundredth of a full-year person; prices 0 or at least 1 kr.
quantity = st.one_of(st.just(0.0), st.floats(0.01, 500))
price = st.one_of(st.just(0.0), st.floats(1, 3e6))
lines_strategy = st.lists(
    st.tuples(quantity, price, quantity, price, st.integers(0, 2)),  # budget, expected, group
    min_size=1, max_size=8,
)


@settings(max_examples=50, deadline=None)
@given(lines_strategy)
def test_variance_parts_add_up_to_the_total(lines):
    names = [f"L{i}" for i in range(len(lines))]
    bud = _budget({n: (qb, pb) for n, (qb, pb, _, _, _) in zip(names, lines)})
    exp = _expected({n: (qa, pa) for n, (_, _, qa, pa, _) in zip(names, lines)})
    groups = {n: f"G{g}" for n, (*_, g) in zip(names, lines)}
    for by in (None, "samlet", groups):
        v = B.variance(bud, exp, by=by)
        parts = v["maengde"] + v["pris"] + v["mix"]
        np.testing.assert_allclose(parts, v["afvigelse"], rtol=1e-9, atol=1e-3)
        assert v["afvigelse"].sum() == pytest.approx(
            exp["forventet"].sum() - bud["budget"].sum(), rel=1e-9, abs=1e-3)
        # The price effect is Σ (Pa - Pb) × Qa over lines with budget and expected quantity.
        if by is None:
            ok = (bud["budget_antal"] > 0) & (exp["forventet_antal"] > 0)
            formula = ((exp["pris"] - bud["budget_enhedspris"]) * exp["forventet_antal"])[ok]
            np.testing.assert_allclose(v.loc[ok[ok].index, "pris"], formula, rtol=1e-9, atol=1e-3)


# --- Shapley ----------------------------------------------------------------------------------


def test_shapley_two_factors_hand_computed():
    # 2 × 3 = 6 -> 4 × 5 = 20. Factor 1: ½[(4-2)·3 + (4-2)·5] = 8; factor 2: ½[(5-3)·2 +
    # (5-3)·4] = 6; 8 + 6 = 14.
    out = B.shapley_product(np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]]))
    np.testing.assert_allclose(out, [[8.0, 6.0]])


def test_shapley_symmetric_factors_share_equally():
    # 1·1·1 -> 2·2·2: change 7, each factor 7/3 by symmetry.
    out = B.shapley_product(np.ones((1, 3)), np.full((1, 3), 2.0))
    np.testing.assert_allclose(out, [[7 / 3] * 3])


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.lists(st.floats(0, 1e3), min_size=k, max_size=k),
    st.lists(st.floats(0, 1e3), min_size=k, max_size=k))))
def test_shapley_adds_up(pair):
    before, after = np.array([pair[0]]), np.array([pair[1]])
    out = B.shapley_product(before, after)
    # Rounding is relative to the size of the terms: the product of the larger factors.
    scale = np.maximum(before, after).prod() + 1.0
    assert out.sum() == pytest.approx(after.prod() - before.prod(), abs=1e-9 * scale)


# --- a small hand-made municipality ------------------------------------------------------------


def _monthly(bevilling_id: str, months: pd.DatetimeIndex, amounts) -> pd.DataFrame:
    return pd.DataFrame({"bevilling_id": bevilling_id, "leverandoer_id": "L1",
                         "periode": months, "beloeb": amounts, "funktion": "5.38.50"})


def _data(grants: list[dict], pays: list[pd.DataFrame], budget=None, befolkning=None) -> Data:
    bev = pd.DataFrame([{
        "borger_id": g.get("borger_id", "C" + g["bevilling_id"]), "paragraf": "§108",
        "leverandoer_id": "L1", "afdeling": "Voksen", "slutdato": pd.NaT,
        "forventet_slutdato": pd.NaT, "enhed": "doegn", "enhedspris": 1000.0,
        "omfang": 7.0, "tillaeg": 0.0, **g} for g in grants])
    for col in ("startdato", "slutdato", "forventet_slutdato"):
        bev[col] = pd.to_datetime(bev[col])
    borgere = pd.DataFrame({"borger_id": sorted(set(bev["borger_id"])), "foedselsaar": 1980,
                            "koen": "K", "maalgruppe": "Udviklingshæmning"})
    tables = {
        "borgere": borgere,
        "leverandoerer": pd.DataFrame({"leverandoer_id": ["L1"], "navn": ["Bostedet"],
                                       "leverandoertype": ["privat"], "standardkontrakt": [True]}),
        "bevillinger": bev,
        "betalinger": pd.concat(pays, ignore_index=True),
    }
    if budget is not None:
        tables["budget"] = budget
    if befolkning is not None:
        tables["befolkning"] = befolkning
    return Data.from_tables(tables)


def _daily(first: str, last: str, per_day: float = 1000.0):
    months = pd.date_range(first, last, freq="MS")
    return months, [per_day * m.days_in_month for m in months]


def test_expected_year_end_hand_computed():
    # Payments from January 2022; as of June 2023; prisindeks 0; window = 18 months
    # (2022-01..2023-06, the data start limits the 24).
    # G1: open since 2021-06-01, 1,000 kr a day: paid Jan-Jun 2023 = 181 days = 181,000;
    #     rest Jul-Dec = 184 days = 184,000.
    # G2: new 2023-03-01, open, 1,000 kr a day: paid Mar-Jun = 122,000; rest 184,000.
    # No grant ended in the window, so h = 0 and ophoer = 0.
    # New grants: 1 in 18 months; monthly cost 1,000 × 7 × 365.25/7 / 12 = 30,437.5; the six
    # remaining months give 0.5·6 + (5+4+3+2+1) = 18 expected months: 1/18 × 30,437.5 × 18.
    # forventet = 181,000 + 122,000 + 368,000 + 30,437.5 = 701,437.5.
    m1, a1 = _daily("2022-01-01", "2023-06-01")
    m2, a2 = _daily("2023-03-01", "2023-06-01")
    d = _data(
        [{"bevilling_id": "G1", "startdato": "2021-06-01"},
         {"bevilling_id": "G2", "startdato": "2023-03-01"}],
        [_monthly("G1", m1, a1), _monthly("G2", m2, a2)],
    )
    fr = B.expected_year_end(d, 2023, "2023-06-30", IND0)
    row = fr.linjer.loc["§108"]
    assert row["betalt"] == pytest.approx(303_000)
    assert row["aktive_resten"] == pytest.approx(368_000)
    assert row["ophoer"] == pytest.approx(0)
    assert row["nye"] == pytest.approx(30_437.5)
    assert row["forventet"] == pytest.approx(701_437.5)
    # Full-year persons: G1 365/365 + G2 306/365 (Mar-Dec) + new 1/18 × 18 months / 12.
    assert row["forventet_antal"] == pytest.approx(1 + 306 / 365 + 1 / 12)
    assert fr.opgjort == pd.Timestamp("2023-06-01")
    # Backtest: at June 2022 (6 months of history) the method gives G1's 181,000 paid + 184,000
    # rest = 365,000, exactly 2022's payments, so the typical error and the band are 0.
    assert fr.backtest.query("linje == 'I alt'")[["aar", "forventet", "faktisk"]].values.tolist(
    ) == [[2022, 365_000, 365_000]]
    assert row["typisk_fejl"] == 0 and row["nedre"] == row["oevre"] == row["forventet"]


def test_expected_year_end_ending_rate_hand_computed():
    # As above without G2, plus G3 active 2021-01-01..2022-12-31 (ended in the window; both
    # started before the window, so no new grants).
    # Exposure: G1 546 days (2022-01-01..2023-06-30) + G3 365 days = 911 days = 911/30.4375
    # grant-months; h = 1 / (911/30.4375) = 0.033411...
    # G1 is open: in month k after June it is paid with probability (1-h)^(k-1/2).
    # ophoer = Σ_k cost_k ((1-h)^(k-1/2) - 1) with cost_k = 1,000 × days in month k.
    m1, a1 = _daily("2022-01-01", "2023-06-01")
    m3, a3 = _daily("2022-01-01", "2022-12-01")
    d = _data(
        [{"bevilling_id": "G1", "startdato": "2021-06-01"},
         {"bevilling_id": "G3", "startdato": "2021-01-01", "slutdato": "2022-12-31"}],
        [_monthly("G1", m1, a1), _monthly("G3", m3, a3)],
    )
    h = 30.4375 / 911
    days = np.array([31, 31, 30, 31, 30, 31])
    expected = (1000 * days * ((1 - h) ** (np.arange(1, 7) - 0.5) - 1)).sum()
    row = B.expected_year_end(d, 2023, "2023-06-15", IND0).linjer.loc["§108"]
    assert row["ophoer"] == pytest.approx(expected)
    assert row["nye"] == 0  # no grant started in the window


def test_rest_weights_hand_computed():
    # h = 0.5, two months left: survival (0.5)^0.5 and (0.5)^1.5. A grant starting in month 1
    # pays 0.5 + 0.5 (survives into month 2 with probability 0.5), one starting in month 2
    # pays 0.5: 1.5 expected months.
    surv, new_months = _rest_weights(np.array([0.5]), 2)
    np.testing.assert_allclose(surv, [[0.5 ** 0.5, 0.5 ** 1.5]])
    np.testing.assert_allclose(new_months, [1.5])


def test_expected_year_end_rejects_months_outside_the_data():
    m1, a1 = _daily("2022-01-01", "2023-06-01")
    d = _data([{"bevilling_id": "G1", "startdato": "2022-01-01"}], [_monthly("G1", m1, a1)])
    with pytest.raises(ValueError, match="kun betalinger"):
        B.expected_year_end(d, 2023, "2023-08-31", IND0)
    with pytest.raises(ValueError, match="ligger ikke i budgetåret"):
        B.expected_year_end(d, 2023, "2022-08-31", IND0)
    # The defaults come from the data: the latest payment month.
    assert B.expected_year_end(d, ind=IND0).opgjort == pd.Timestamp("2023-06-01")
    assert B.opgoerelsesdato(d) == pd.Timestamp("2023-06-30")


def test_cost_drivers_hand_computed():
    # 2022: one citizen, 365 days at 1,000 kr = 365,000. 2023: two citizens, each 365 days at
    # 1,000 kr = 730,000. Units per citizen (365 days) and price are unchanged and prisindeks
    # is 0, so the whole change of 365,000 is 'flere_borgere'.
    m1, a1 = _daily("2022-01-01", "2023-12-01")
    m2, a2 = _daily("2023-01-01", "2023-12-01")
    d = _data(
        [{"bevilling_id": "G1", "startdato": "2022-01-01"},
         {"bevilling_id": "G2", "startdato": "2023-01-01"}],
        [_monthly("G1", m1, a1), _monthly("G2", m2, a2)],
    )
    cd = B.cost_drivers(d, ind=IND0).set_index("linje").loc["§108"]
    assert cd["aendring"] == pytest.approx(365_000)
    assert cd["flere_borgere"] == pytest.approx(365_000)
    assert cd["omfang_pr_borger"] == pytest.approx(0)
    assert cd["enhedspris"] == pytest.approx(0)
    assert (cd["borgere_fra"], cd["borgere_til"]) == (1, 2)


def test_cost_drivers_price_regulation_hand_computed():
    # One citizen both years; 2023 paid 1,100 kr a day instead of 1,000. With prisindeks 10 %
    # the rise (365 × 100 = 36,500) is all price regulation, none real.
    m1, a1 = _daily("2022-01-01", "2022-12-01")
    m2, a2 = _daily("2023-01-01", "2023-12-01", 1100.0)
    d = _data([{"bevilling_id": "G1", "startdato": "2022-01-01"}],
              [_monthly("G1", m1, a1), _monthly("G1", m2, a2)])
    cd = B.cost_drivers(d, ind=B.Indstillinger(prisindeks=0.10)).set_index("linje").loc["§108"]
    assert cd["aendring"] == pytest.approx(36_500)
    assert cd["prisregulering"] == pytest.approx(36_500)
    assert cd["reel_pris"] == pytest.approx(0, abs=1e-6)
    assert cd["flere_borgere"] == pytest.approx(0)


def test_differentiated_budget_from_table_and_history():
    # 2022 actual: one citizen all year, 365,000 kr. Budget 2023: §108 with 2 persons and
    # 800,000 kr -> implied price 400,000; §107 with only an amount -> quantity from 2022's
    # actual (0 for §107: no grant) -> no price.
    m1, a1 = _daily("2022-01-01", "2023-03-01")
    budget = pd.DataFrame({"aar": [2023, 2023], "paragraf": ["§108", "§107"],
                           "maalgruppe": [None, None], "beloeb": [800_000.0, 50_000.0],
                           "forudsat_antal": [2.0, np.nan],
                           "forudsat_enhedspris": [400_000.0, np.nan]})
    d = _data([{"bevilling_id": "G1", "startdato": "2022-01-01"}], [_monthly("G1", m1, a1)],
              budget=budget)
    b23 = B.differentiated_budget(d, 2023, IND0)
    assert b23.loc["§108", ["budget", "budget_antal", "budget_enhedspris"]].tolist() == [
        800_000, 2, 400_000]
    assert b23.loc["§108", "kilde"] == "budget"
    assert b23.loc["§107", "kilde"] == "beløb + historik"
    # No budget rows for 2024: from history, 2022's 1 person × 365,000 × 1.1^2 (prisindeks
    # 10 %) = 441,650.
    b24 = B.differentiated_budget(d, 2024, B.Indstillinger(prisindeks=0.10))
    assert b24.loc["§108", "budget"] == pytest.approx(441_650)
    assert b24.loc["§108", "kilde"] == "historik"


def test_population_bands_hand_computed():
    # 0-17: 100, 18-24: 70, 25-64: 400, 65+: 350. 18-64 = 70 + 400 = 470; 20-29 = 5/7 × 70
    # + 5/40 × 400 = 50 + 50 = 100; 70-74 = 5/35 × 350 = 50 ('65+' spans 65-99).
    bef = pd.DataFrame({"aar": 2024, "aldersgruppe": ["0-17", "18-24", "25-64", "65+"],
                        "antal": [100, 70, 400, 350]})
    assert population(bef, 18, 64)[2024] == pytest.approx(470)
    assert population(bef, 20, 29)[2024] == pytest.approx(100)
    assert population(bef, 70, 74)[2024] == pytest.approx(50)


def test_population_by_municipality_and_year_hand_computed():
    # Two municipalities, the same bands as above in A; B: 0-17: 10, 18-24: 7, 25-64: 40.
    # 18-64: A 470, B 7 + 40 = 47; 20-29: A 100, B 5/7 × 7 + 5/40 × 40 = 5 + 5 = 10.
    bef = pd.DataFrame({"kommune": ["a"] * 4 + ["b"] * 3, "aar": 2024,
                        "aldersgruppe": ["0-17", "18-24", "25-64", "65+", "0-17", "18-24",
                                         "25-64"],
                        "antal": [100, 70, 400, 350, 10, 7, 40]})
    by = ("kommune", "aar")
    assert population(bef, 18, 64, by).to_dict() == {("a", 2024): 470, ("b", 2024): 47}
    assert population(bef, 20, 29, by)[("b", 2024)] == pytest.approx(10)
    assert population(bef[bef["kommune"] == "b"], 20, 29)[2024] == pytest.approx(10)


# --- forecast -----------------------------------------------------------------------------------


def test_trend_prediction_matches_statsmodels():
    years = np.array([2021, 2022, 2023, 2024, 2025], float)
    values = np.array([1.0, 1.3, 1.2, 1.7, 1.9])
    pred, se, df = trend_prediction(years, values, np.array([2026.0, 2027.0]))
    res = sm.OLS(values, sm.add_constant(years)).fit()
    frame = res.get_prediction(sm.add_constant(np.array([2026.0, 2027.0]), has_constant="add"))
    np.testing.assert_allclose(pred, frame.predicted_mean)
    np.testing.assert_allclose(se, frame.se_obs)
    assert df == 3


def test_scenario_hand_computed():
    frem = B.Fremskrivning(
        linjer=pd.DataFrame(),
        samlet=pd.DataFrame({"faktisk": [90.0, np.nan, np.nan], "lav": np.nan,
                             "basis": [np.nan, 100.0, 110.0], "hoej": np.nan,
                             "buffer": np.nan}, index=pd.Index([2025, 2026, 2027], name="aar")),
        sidste_aar=2025,
    )
    # 10 % more persons a year: 100 × 1.1 = 110 in 2026, 110 × 1.1² = 133.1 in 2027.
    out = B.scenario(frem, antal_aendring=0.10)
    assert out["valgt"].tolist() == pytest.approx([90.0, 110.0, 133.1])


# --- the synthetic municipality ----------------------------------------------------------------


# `sample` (the small synthetic municipality) comes from conftest.py.


IND = B.Indstillinger()


def test_planted_overruns_are_attributed_to_their_causes(sample):
    s, d = sample
    fr = B.expected_year_end(d, ind=IND)
    v = B.variance(B.differentiated_budget(d, fr.aar, IND), fr)
    (yq, pq), (yp, pp) = s.planted.budget_overrun_quantity, s.planted.budget_overrun_price
    assert yq == yp == fr.aar
    q, p = v.loc[pq], v.loc[pp]
    assert q["afvigelse"] > 0 and q["maengde"] > 0 and q["maengde"] > abs(q["pris"])
    assert p["afvigelse"] > 0 and p["pris"] > 0 and p["pris"] > abs(p["maengde"])
    # Elsewhere the budget is close: the two planted lines carry the largest overruns.
    assert set(v["afvigelse"].nlargest(2).index) == {pq, pp}


def test_expected_year_end_in_december_equals_the_years_payments(sample):
    _, d = sample
    fr = B.expected_year_end(d, 2025, "2025-12-31", IND)
    paid = d.betalinger[d.betalinger["periode"].dt.year == 2025]["beloeb"].sum()
    assert fr.samlet["forventet"] == pytest.approx(paid, rel=1e-12)
    actual = B.actual(d, 2025, IND)
    np.testing.assert_allclose(fr.linjer["forventet"], actual["forventet"].reindex(
        fr.linjer.index).fillna(0), rtol=1e-12)
    np.testing.assert_allclose(fr.linjer["forventet_antal"], actual["forventet_antal"].reindex(
        fr.linjer.index).fillna(0), rtol=1e-12)
    assert fr.samlet["nedre"] == pytest.approx(paid)  # backtests at December are exact


def test_expected_year_end_band_and_backtest(sample):
    _, d = sample
    fr = B.expected_year_end(d, ind=IND)
    s = fr.samlet
    assert s["nedre"] <= s["forventet"] <= s["oevre"]
    assert s["betalt"] < s["forventet"]
    assert set(fr.backtest["aar"]) == {2022, 2023, 2024, 2025}
    # The method is good on the synthetic data: the typical error is a few per cent at most.
    assert s["typisk_fejl"] < 0.05
    by_month = B.expected_by_month(d, ind=IND)
    assert len(by_month) == 10 and by_month["forventet"].iloc[-1] == pytest.approx(s["forventet"])


def test_expected_by_month_is_expected_year_end_month_by_month(sample):
    # expected_by_month prepares the year's groundwork once for all months: each row must
    # still be exactly what expected_year_end gives for that month on its own.
    _, d = sample
    by_month = B.expected_by_month(d, 2024, IND)
    assert len(by_month) == 12
    for row in by_month.itertuples(index=False):
        s = B.expected_year_end(d, 2024, row.maaned, IND).samlet
        assert [row.budget, row.betalt, row.forventet, row.nedre, row.oevre] == [
            s["budget"], s["betalt"], s["forventet"], s["nedre"], s["oevre"]]


def test_causes_name_the_grants_behind_the_planted_overruns(sample):
    s, d = sample
    pq, pp = s.planted.budget_overrun_quantity[1], s.planted.budget_overrun_price[1]
    c = B.causes(d, ind=IND)
    assert set(c.columns) >= {"linje", "aarsag", "effekt", "bevilling_id", "leverandoer"}
    q_new = c[(c["linje"] == pq) & c["aarsag"].str.startswith("Ny")]
    assert len(q_new) > 0 and (q_new["effekt"] > 0).all()
    p_price = c[(c["linje"] == pp) & (c["type"] == "pris")]
    assert p_price["effekt"].sum() > 0
    top = B.causes(d, ind=IND, n=3)
    assert top.groupby(["linje", "aarsag"]).size().max() <= 3
    summary = B.cause_summary(c)
    assert "bevilling_id" not in summary.columns


def test_cost_drivers_add_up_on_the_sample(sample):
    _, d = sample
    cd = B.cost_drivers(d, ind=IND)
    assert sorted(set(cd["fra_aar"])) == [2022, 2023, 2024]
    parts = cd[["flere_borgere", "omfang_pr_borger", "enhedspris", "oevrigt"]].sum(axis=1)
    np.testing.assert_allclose(parts, cd["aendring"], rtol=1e-9, atol=1e-3)
    total = cd[cd["linje"] == "I alt"].set_index("til_aar")
    assert total["aendring"].sum() == pytest.approx(
        total["udgift_til"].iloc[-1] - total["udgift_fra"].iloc[0])


def test_forecast_on_the_sample(sample):
    _, d = sample
    fr = B.expected_year_end(d, ind=IND)
    frem = B.forecast(d, IND, forventet=fr)
    assert frem.sidste_aar == 2026
    future = frem.samlet.loc[[2027, 2028, 2029]]
    assert (future["lav"] <= future["basis"]).all() and (future["basis"] <= future["hoej"]).all()
    assert (future["buffer"] >= 0).all()
    assert frem.samlet.loc[2026, "faktisk"] == pytest.approx(fr.samlet["forventet"])
    b27 = B.budget_from_forecast(frem, 2027)
    assert b27["budget"].sum() == pytest.approx(future.loc[2027, "basis"])
