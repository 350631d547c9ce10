"""The intervention data set (treated, comparison, before/after), its estimates, counts and
the success criterion, on a hand-made municipality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from socialanalyse.data.tables import Data
from socialanalyse.progression import (
    Estimate,
    Indsats,
    analyse_intervention,
    choose_groups,
    count_change,
    intervention_frame,
    match_on_baseline,
    monthly_counts,
    success,
)

START = pd.Timestamp("2024-01-01")
PRE, POST = pd.Timestamp("2023-06-01"), pd.Timestamp("2025-01-01")

# Egenomsorg level before -> after per citizen.
TREATED = {"t1": (3, 1), "t2": (3, 2), "t3": (2, 1), "t4": (4, 2)}  # changes −2 −1 −1 −2
COMPARISON = {"c1": (3, 3), "c2": (2, 2), "c3": (3, 2), "c4": (1, 1)}  # changes 0 0 −1 0
# DiD by hand: mean treated change −1.5 − mean comparison change −0.25 = −1.25.


@pytest.fixture
def data() -> Data:
    return small_municipality()


def small_municipality() -> Data:
    """Four treated citizens at T1 (L1, §107), four compared at L2, a late joiner and others."""
    ids = [*TREATED, *COMPARISON, "x1", "x2", "late", "m1"]
    borgere = pd.DataFrame(
        {
            "borger_id": ids,
            "foedselsaar": 1990,
            "koen": "K",
            "maalgruppe": ["Sindslidelse"] * 11 + ["Misbrug"],
        }
    )
    lev = pd.DataFrame(
        {"leverandoer_id": ["L1", "L2"], "navn": ["Indsatsen", "Andre"],
         "leverandoertype": ["egen drift", "privat"], "standardkontrakt": [True, True]}
    )
    tilbud = pd.DataFrame(
        {"tilbud_id": ["T1"], "leverandoer_id": ["L1"], "navn": ["Tilbud 1"], "paragraf": ["§107"],
         "pladser": [10]}
    )
    rows = [(b, "§107", "L1", "T1", "2023-03-01", None) for b in TREATED]
    rows += [(b, "§107", "L2", None, "2023-02-01", None) for b in COMPARISON]
    rows += [
        ("x1", "§85", "L2", None, "2023-01-01", None),  # other paragraph: målgruppe rule only
        ("x2", "§107", "L2", None, "2022-01-01", "2023-06-30"),  # ended before the start
        ("late", "§107", "L1", "T1", "2024-06-01", None),  # joins later: anchor 1 June 2024
        ("c1", "§110", "L2", None, "2023-01-05", "2023-02-01"),
        ("m1", "§85", "L2", None, "2023-01-01", None),  # another målgruppe
    ]
    bev = pd.DataFrame(
        rows, columns=["borger_id", "paragraf", "leverandoer_id", "tilbud_id", "startdato",
                       "slutdato"]
    )
    bev.insert(0, "bevilling_id", [f"G{i}" for i in range(len(bev))])
    bev = bev.assign(
        startdato=pd.to_datetime(bev["startdato"]), slutdato=pd.to_datetime(bev["slutdato"]),
        afdeling="Voksen", enhed="doegn", enhedspris=2000.0, omfang=7.0,
    )
    v = [(b, PRE, lv[0]) for b, lv in {**TREATED, **COMPARISON}.items()]
    v += [(b, POST, lv[1]) for b, lv in {**TREATED, **COMPARISON}.items()]
    v += [("x1", PRE, 2), ("x1", POST, 2), ("x2", PRE, 3), ("x2", POST, 3)]
    # "late": assessed in March 2024 (before joining in June) and in 2025.
    v += [("late", pd.Timestamp("2024-03-01"), 3), ("late", POST, 3)]
    vurd = pd.DataFrame(v, columns=["borger_id", "dato", "niveau"]).assign(
        metode="VUM2", tema="Egenomsorg"
    )
    return Data.from_tables(
        {"borgere": borgere, "leverandoerer": lev, "tilbud": tilbud, "bevillinger": bev,
         "vurderinger": vurd}
    )


def test_groups_by_paragraph_and_by_maalgruppe(data):
    g = choose_groups(data, Indsats(START, tilbud_id="T1"), "paragraf")
    groups = g.set_index("borger_id")["gruppe"].to_dict()
    assert sorted(b for b, x in groups.items() if x == "indsats") == ["late", "t1", "t2", "t3", "t4"]
    # x2's grant ended before the start; x1 has §85: neither compares under "paragraf".
    assert sorted(b for b, x in groups.items() if x == "sammenligning") == ["c1", "c2", "c3", "c4"]
    assert g.set_index("borger_id").loc["late", "anker"] == pd.Timestamp("2024-06-01")
    g2 = choose_groups(data, Indsats(START, tilbud_id="T1"), "maalgruppe")
    comp = set(g2.loc[g2["gruppe"] == "sammenligning", "borger_id"])
    # Same målgruppe (Sindslidelse) with any grant active from the start: c1-c4 and x1 (§85);
    # not x2 (grant ended) nor m1 (Misbrug).
    assert comp == {"c1", "c2", "c3", "c4", "x1"}


def test_intervention_frame_before_after(data):
    tidy = intervention_frame(data, Indsats(START, paragraf="§107", leverandoer_id="L1"), "Egenomsorg")
    # "late" is kept: assessed in March 2024, before its anchor (June 2024), and in 2025.
    assert set(tidy["borger_id"]) == {*TREATED, *COMPARISON, "late"}
    t1 = tidy[tidy["borger_id"] == "t1"].set_index("periode")["udfald"]
    assert t1.to_dict() == {"før": 3.0, "efter": 1.0}
    assert tidy.groupby("borger_id").size().eq(2).all()


def test_intervention_frame_with_given_levels_is_the_same(data):
    # sensitivity hands the assessment levels to its variants instead of each computing them.
    from socialanalyse.progression.individual import levels

    indsats = Indsats(START, paragraf="§107", leverandoer_id="L1")
    lv = levels(data.vurderinger, "VUM2")
    before = lv.copy()
    for match in (False, True):
        pd.testing.assert_frame_equal(
            intervention_frame(data, indsats, "Egenomsorg", match=match, niveauer=lv),
            intervention_frame(data, indsats, "Egenomsorg", match=match), check_exact=True)
    pd.testing.assert_frame_equal(lv, before)  # the given levels are not changed


def test_analyse_intervention_hand_computed(data):
    res = analyse_intervention(data, Indsats(START, tilbud_id="T1"), "Egenomsorg")
    # With "late" (3 -> 3, change 0): treated changes −2, −1, −1, −2, 0 (mean −1.2);
    # comparison 0, 0, −1, 0 (mean −0.25). DiD = −1.2 − (−0.25) = −0.95.
    assert res.did.estimate == pytest.approx(-0.95)
    assert res.did.n == 9 and res.antal_indsats == 5 and res.antal_sammenligning == 4
    # Treated before/after alone: mean change −1.2.
    assert res.foer_efter.estimate == pytest.approx(-1.2)
    # Baseline: treated mean (3+3+2+4+3)/5 = 3.0; comparison (3+2+3+1)/4 = 2.25: +0.75.
    assert res.baseline.estimate == pytest.approx(0.75)
    cells = res.celler.set_index(["gruppe", "periode"])["gennemsnit"]
    assert cells[("indsats", "efter")] == pytest.approx((1 + 2 + 1 + 2 + 3) / 5)


def test_matching_on_baseline_keeps_nearest_comparison(data):
    tidy = intervention_frame(data, Indsats(START, tilbud_id="T1"), "Egenomsorg")
    matched = match_on_baseline(tidy, k=1)
    comp = sorted(set(matched.loc[matched["gruppe"] == "sammenligning", "borger_id"]))
    # Treated in id order: late (3) -> c1 (3, first of ties c1/c3); t1 (3) -> c3 (3);
    # t2 (3) -> c2 (2, nearest left; tie with none); t3 (2) -> c4 (1); t4: none left.
    assert comp == ["c1", "c2", "c3", "c4"]
    matched1 = match_on_baseline(tidy[tidy["borger_id"] != "late"], k=1)
    # Without "late": t1 (3) -> c1; t2 (3) -> c3; t3 (2) -> c2; t4 (4) -> c4 (only one left).
    assert len(set(matched1["borger_id"])) == 8
    # One treated citizen and k=2: the two nearest by baseline.
    only = tidy[tidy["borger_id"].isin(["t3", "c1", "c2", "c3", "c4"])]
    picked = match_on_baseline(only, k=2)
    assert sorted(set(picked.loc[picked["gruppe"] == "sammenligning", "borger_id"])) == ["c1", "c2"]


def test_monthly_counts_and_rate_change():
    b = pd.DataFrame(
        {
            "borger_id": ["a", "b", "c", "a"],
            "paragraf": ["§110"] * 4,
            "startdato": pd.to_datetime(["2023-11-15", "2023-12-01", "2024-01-20", "2024-02-01"]),
            "slutdato": pd.to_datetime(["2023-12-10", "2024-01-05", None, None]),
        }
    )
    m = monthly_counts(b, "§110", "2023-11-01", "2024-02-01")
    # Nov: a; Dec: a, b; Jan: b, c; Feb: c, a. New: Nov 1, Dec 1, Jan 1, Feb 1.
    assert m["antal_aktive"].tolist() == [1, 2, 2, 2]
    assert m["antal_nye"].tolist() == [1, 1, 1, 1]
    est = count_change(m, "2024-01-01", "antal_aktive")
    # Before: 3 citizen-months in 2 months (1.5); after: 4 in 2 (2.0): ratio 4/3.
    assert est.estimate == pytest.approx(4 / 3)
    assert est.design == "rate"


def test_success_criterion():
    def est(e, lo, hi, design="did"):
        return Estimate(e, 0.1, lo, hi, 0.01, 50, "x", design)

    # Levels: improvement = −estimate; criterion 0.3.
    assert success(est(-0.5, -0.8, -0.2), 0.3) == "opfyldt"
    assert success(est(-0.5, -1.2, 0.2), 0.3) == "usikkert"
    assert success(est(-0.2, -0.3, -0.1), 0.3) == "ikke opfyldt"
    # Rate ratio 0.5 (a 50 % fall), interval 0.3-0.8: criterion 30 % fall met.
    assert success(est(0.5, 0.3, 0.8, "rate"), 0.3) == "opfyldt"
    assert success(est(0.5, 0.3, 1.2, "rate"), 0.3) == "usikkert"
    assert success(est(0.9, 0.6, 1.2, "rate"), 0.3) == "ikke opfyldt"


def test_indsats_needs_a_filter():
    with pytest.raises(ValueError, match="mindst én"):
        Indsats(START)


def test_intervention_options_lists_offers_with_counts(data):
    from socialanalyse.progression import intervention_options

    out = intervention_options(data, START)
    top = out.iloc[0]
    # §107 at L1/T1: t1-t4 and late = 5 citizens; §107 at L2 without tilbud: c1-c4 = 4.
    assert (top["paragraf"], top["tilbud_id"], top["tilbud"], top["antal_borgere"]) == (
        "§107", "T1", "Tilbud 1", 5)
    second = out.iloc[1]
    assert second["leverandoer"] == "Andre" and pd.isna(second["tilbud_id"])
    assert second["antal_borgere"] == 4
    # x2 (ended 2023) and c1's §110 (ended 2023) are not active from the start.
    assert "§110" not in set(out["paragraf"])


def test_settings_overrides_and_validation():
    from socialanalyse.config import ParameterFejl, load_parameters  # noqa: F401
    from socialanalyse.progression import cutoff, indsats, settings

    p = load_parameters("eksempelkommune").progression
    same = settings(p)
    assert same == p
    q = settings(p, tilbud_id="T1", startdato="2024-03-01", udfald="samlet", succeskriterie=0.5)
    # Naming an offer replaces the whole choice: paragraf and provider are cleared.
    assert (q.indsats.paragraf, q.indsats.leverandoer_id, q.indsats.tilbud_id) == (None, None, "T1")
    assert indsats(q) == Indsats(pd.Timestamp("2024-03-01"), None, None, "T1")
    assert (q.udfald, q.succeskriterie) == ("samlet", 0.5)
    assert cutoff(q) == pd.Timestamp("2024-03-01")  # varighed_skaeringsdato null -> the start
    with pytest.raises(ValueError, match="ukendt udfald"):
        settings(p, udfald="Humør")


def test_sensitivity_table(data):
    from socialanalyse.config import load_parameters
    from socialanalyse.progression import estimates_table, sensitivity, settings

    p = settings(load_parameters("eksempelkommune").progression, tilbud_id="T1",
                 startdato="2024-01-01", sammenligning="paragraf")
    chosen, estimates = sensitivity(data, p)
    assert chosen.did.estimate == pytest.approx(-0.95)  # as test_analyse_intervention...
    names = list(estimates)
    assert names[0] == "Forskel-i-forskelle (samme paragraf, andre leverandører)"
    assert names[-1] == "Kun indsatsgruppen før/efter (ingen sammenligning)"
    assert estimates[names[-1]].estimate == pytest.approx(-1.2)
    table = estimates_table(estimates)
    assert table.columns.tolist() == ["metode", "effekt", "ci_lav", "ci_hoej", "p_vaerdi",
                                      "antal_borgere"]
    assert table["effekt"].iloc[0] == pytest.approx(-0.95)


@hsettings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(0, 8), st.integers(1, 3), st.integers(0, 10_000))
def test_matching_keeps_every_treated_and_min_k_times_treated_comparisons(n_t, n_c, k, seed):
    rng = np.random.default_rng(seed)
    ids = [f"t{i}" for i in range(n_t)] + [f"c{i}" for i in range(n_c)]
    before = rng.integers(0, 5, n_t + n_c).astype(float)
    tidy = pd.DataFrame(
        {
            "borger_id": ids * 2,
            "gruppe": (["indsats"] * n_t + ["sammenligning"] * n_c) * 2,
            "periode": ["før"] * (n_t + n_c) + ["efter"] * (n_t + n_c),
            "udfald": np.concatenate([before, before]),
        }
    )
    out = match_on_baseline(tidy, k)
    kept = out.drop_duplicates("borger_id")["gruppe"].value_counts()
    assert kept.get("indsats", 0) == n_t
    assert kept.get("sammenligning", 0) == min(k * n_t, n_c)
    assert out.groupby("borger_id").size().eq(2).all()
