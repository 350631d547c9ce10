"""indkoeb.price_development and own_vs_external on hand-made cases; the shared definitions
agree with servicetjek's prisstigning rule and with noegletal's cost per full-year person."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indkoeb_cases import assessment, followup, grant, make, monthly, params, payments

from socialanalyse import noegletal
from socialanalyse.data import derived
from socialanalyse.indkoeb import own_vs_external, price_development, weighted_quantile
from socialanalyse.servicetjek import exceeds_index, screen

# --- price development ---------------------------------------------------------------------

def monthly_grants_data():
    """§96 paid per month (enhed maaned, 1 unit a month) at L2.

    A: all of 2024 and 2025: 10,000 kr a month in 2024, 11,000 in 2025.
    B: from 1 November 2024: 20,000 kr a month in both years (two months in 2024).
    C: January-March 2025 at 5,000 a month, plus a payment for May, after its end.
    """
    grants = [
        grant("A", "a", "§96", "L2", start="2024-01-01", enhed="maaned", pris=10_000, omfang=1),
        grant("B", "b", "§96", "L2", start="2024-11-01", enhed="maaned", pris=20_000, omfang=1),
        grant("C", "c", "§96", "L2", start="2025-01-01", slut="2025-03-31", enhed="maaned",
              pris=5_000, omfang=1),
    ]
    pay = (payments("A", "L2", monthly("2024-01", "2024-12", 10_000))
           + payments("A", "L2", monthly("2025-01", "2025-12", 11_000))
           + payments("B", "L2", monthly("2024-11", "2025-12", 20_000))
           + payments("C", "L2", {**monthly("2025-01", "2025-03", 5_000), "2025-05": 5_000}))
    return make(grants, opfoelgninger=[followup("A", "2024-06-15", "genforhandling", "justeret")],
                betalinger=pay)


def test_unit_price_paid_and_a_like_for_like_change():
    pd_ = price_development(monthly_grants_data(), params(prisindeks=0.0))
    row = pd_.tabel.set_index(["leverandoer_id", "paragraf", "enhed", "aar"]).loc[
        ("L2", "§96", "maaned", 2025)]
    # Paid in active months: A 132,000 + B 240,000 + C 15,000 (May, after the end, not counted).
    assert row["betalt"] == pytest.approx(387_000) and row["enheder"] == pytest.approx(27)
    assert row["gns_enhedspris"] == pytest.approx(387_000 / 27)
    # Like for like on A and B at 2024's units (12 and 2): (11,000×12 + 20,000×2) /
    # (10,000×12 + 20,000×2) = 172,000 / 160,000: +7.5 %, where the plain average price rose
    # from 160,000/14 to 372,000/24 (+35.6 %) only because B ran all year.
    assert row["aendring"] == pytest.approx(0.075)
    assert row["antal_sammenlignet"] == 2 and row["antal_bevillinger"] == 3
    assert row["antal_borgere"] == 3
    assert row["genforhandlede"] == 1  # A was renegotiated in 2024
    assert not row["over_graense"]  # 7.5 % < 0 % + 8 %
    assert row["over_indeks"] == pytest.approx(0.075)
    assert row["navn"] == "Privat 2" and row["helt_aar"]
    # With a 7 % margin it is a rise above the index.
    tighter = price_development(monthly_grants_data(), params(prisindeks=0.0,
                                                              prisstigning_margin=0.07))
    assert list(tighter.stigninger["aar"]) == [2025] and tighter.graense == pytest.approx(0.07)
    assert pd_.pr_paragraf.set_index(["paragraf", "aar"]).loc[("§96", 2025), "aendring"] == \
        pytest.approx(0.075)


def rise_data(extra: float):
    """One §107 grant at L2 from 2024, paid exactly what it should cost (index 2.5 %), and
    from January 2026 `extra` on top."""
    g = grant("p1", "a", "§107", "L2", start="2024-01-01", pris=2000)
    should = derived.expected_payments(pd.DataFrame([g]), "2024-01-01", "2026-10-01", 0.025)
    amounts = [(f"{p:%Y-%m}", round(v * (1 + extra if p.year >= 2026 else 1), 2))
               for p, v in zip(should["periode"], should["forventet"])]
    return make([g], [r for r in assessment("a", "2023-12-01", 3, 3, 3, 3, 3, 3)],
                betalinger=payments("p1", "L2", amounts))


@pytest.mark.parametrize("below", [False, True])
def test_price_rise_above_index_is_one_definition_with_the_prisstigning_rule(below):
    p = params(prisindeks=0.025)
    # The threshold is index + margin = 10.5 % a year: (1.025 × (1 + x)) = 1.105 at the edge.
    x = 1.105 / 1.025 - 1 - (0.001 if below else 0.0)
    d = rise_data(x)
    rule = screen(d, p)
    flagged_by_rule = "p1" in set(rule.loc[rule["regel"] == "prisstigning", "bevilling_id"])
    dev = price_development(d, p)
    flagged_here = bool(((dev.stigninger["leverandoer_id"] == "L2")
                         & (dev.stigninger["aar"] == 2026)).any())
    assert flagged_by_rule == flagged_here == (not below)
    row = dev.tabel.set_index("aar").loc[2026]
    assert row["aendring"] == pytest.approx(1.025 * (1 + x) - 1, abs=1e-6)


def test_exceeds_index_at_the_edge():
    got = exceeds_index([0.105, 0.1049999, np.nan, 0.2], 0.025, 0.08)
    assert got.tolist() == [True, False, False, True]


def test_price_development_without_payments():
    r = price_development(make([grant("A", "a")]), params())
    assert not r.tilgaengelig and "ingen betalinger" in r.mangler
    assert "over_graense" in r.tabel.columns and r.tabel.empty


# --- own against external ------------------------------------------------------------------

def own_data():
    """2025 in full. §107 at need level 3: o1 (egen drift L1, all year, 50,000 kr a month), o2
    (L1, from 1 July, 50,000 a month), e1 (privat L2, all year, 80,000 a month); at level 2: e2
    (privat L3, all year, 70,000 a month)."""
    grants = [grant("o1", "a", "§107", "L1"), grant("o2", "b", "§107", "L1", start="2025-07-01"),
              grant("e1", "c", "§107", "L2"), grant("e2", "d", "§107", "L3")]
    vur = [r for b in "abc" for r in assessment(b, "2024-12-01", 3, 3, 3, 3, 3, 3)]
    vur += assessment("d", "2024-12-01", 2, 2, 2, 2, 2, 2)
    pay = (payments("o1", "L1", monthly("2025-01", "2025-12", 50_000))
           + payments("o2", "L1", monthly("2025-07", "2025-12", 50_000))
           + payments("e1", "L2", monthly("2025-01", "2025-12", 80_000))
           + payments("e2", "L3", monthly("2025-01", "2025-12", 70_000)))
    return make(grants, vur, betalinger=pay)


def test_cost_per_full_year_person_own_and_external_by_need_level():
    r = own_vs_external(own_data())
    assert r.aar == 2025 and r.helt_aar and r.tilgaengelig
    t = r.pr_niveau.set_index(["paragraf", "niveau", "leverandoertype"])
    own = t.loc[("§107", 3.0, "egen drift")]
    hp = 1 + 184 / 365  # o2 from 1 July: 184 days
    assert own["udgift"] == 900_000 and own["helaarspersoner"] == pytest.approx(hp)
    assert own["udgift_pr_helaarsperson"] == pytest.approx(900_000 / hp)
    assert own["enheder"] == pytest.approx(365 + 184)  # 7 days a week: one unit a day
    assert own["udgift_pr_enhed"] == pytest.approx(900_000 / 549)
    # Spread, weighted by full-year persons: o2 costs 300,000 / (184/365) a year, o1 600,000.
    assert own["p25_pr_helaarsperson"] == pytest.approx(300_000 / (184 / 365))
    assert own["median_pr_helaarsperson"] == pytest.approx(600_000)
    assert (own["antal_bevillinger"], own["antal_borgere"], own["antal_leverandoerer"]) == (2, 2, 1)
    ext = t.loc[("§107", 3.0, "privat")]
    assert ext["udgift_pr_helaarsperson"] == pytest.approx(960_000)
    assert ext["forhold_til_egen_drift"] == pytest.approx(960_000 / (900_000 / hp))
    assert np.isnan(t.loc[("§107", 2.0, "privat"), "forhold_til_egen_drift"])  # no own at 2
    # By need level, then egen drift first (the contract's order of provider types).
    assert list(zip(r.pr_niveau["niveau"], r.pr_niveau["leverandoertype"])) == [
        (2.0, "privat"), (3.0, "egen drift"), (3.0, "privat")]


def test_cost_per_full_year_person_is_noegletal_s_figure():
    d = own_data()
    cells = own_vs_external(d).pr_paragraf
    s107 = cells[cells["paragraf"] == "§107"]
    ours = s107["udgift"].sum() / s107["helaarspersoner"].sum()
    theirs = noegletal.compute(d, params()).vaerdi("udgift_pr_helaarsperson", "§107", 2025)
    assert ours == pytest.approx(theirs)
    own = s107.set_index("leverandoertype").loc["egen drift", "udgift_pr_helaarsperson"]
    assert own == pytest.approx(900_000 / (1 + 184 / 365))


def test_own_vs_external_unknown_need_level_and_missing_tables():
    d = own_data()
    import dataclasses

    from socialanalyse.data.tables import empty_table

    no_vum = own_vs_external(dataclasses.replace(d, vurderinger=empty_table("vurderinger")))
    assert no_vum.pr_niveau["niveau"].isna().all() and any("vurderinger" in n for n in no_vum.noter)
    no_lev = own_vs_external(dataclasses.replace(d, leverandoerer=empty_table("leverandoerer")))
    assert not no_lev.tilgaengelig and "leverandoerer" in no_lev.mangler
    assert own_vs_external(d, year=2019).mangler.startswith("Der er ingen betalinger i 2019")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40),
       st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]))
def test_weighted_quantile_with_equal_weights_is_numpys_inverted_cdf(values, q):
    got = weighted_quantile(np.array(values), np.ones(len(values)), q)
    assert got == pytest.approx(np.quantile(values, q, method="inverted_cdf"))


def test_weighted_quantile_by_hand():
    # Weights 1, 1, 2: cumulative shares 0.25, 0.5, 1.0 -> the median is the second value.
    assert weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0]), 0.5) == 2.0
    assert weighted_quantile(np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 1.0]), 0.6) == 3.0
    assert np.isnan(weighted_quantile(np.array([]), np.array([]), 0.5))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(-1e5, 1e5, allow_nan=False),
                          st.floats(0.01, 5)), min_size=1, max_size=40),
       st.sampled_from([0.25, 0.5, 0.75]))
def test_grouped_weighted_quantiles_are_the_quantile_of_each_group(rows, q):
    from socialanalyse.indkoeb.egen_drift import weighted_quantiles

    group = np.array([r[0] for r in rows])
    values = np.array([r[1] for r in rows])
    weights = np.array([r[2] for r in rows])
    got = weighted_quantiles(group, values, weights, q, 5)
    for k in range(5):
        sel = group == k
        if not sel.any():
            assert np.isnan(got[k])
            continue
        v, w = values[sel], weights[sel]
        order = np.argsort(v, kind="stable")
        share = np.cumsum(w[order]) / w.sum()
        expected = v[order][np.argmax(share >= q * (1 - 1e-9))]
        assert got[k] == expected
