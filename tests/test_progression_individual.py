"""Individual progression: changes, RCI/minimum classification, goals, shares, trajectories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialanalyse.progression import (
    SAMLET,
    baseline_sd,
    changes,
    classify,
    goal_attainment,
    individual_progression,
    judge_goals,
    levels,
    offers_in_period,
    progression_shares,
    trajectories,
)

D1, D2, D3 = pd.Timestamp("2023-01-10"), pd.Timestamp("2023-07-10"), pd.Timestamp("2024-01-10")


def vurd(rows) -> pd.DataFrame:
    """rows: (borger_id, dato, tema, niveau)."""
    df = pd.DataFrame(rows, columns=["borger_id", "dato", "tema", "niveau"])
    return df.assign(metode="VUM2")[["borger_id", "dato", "metode", "tema", "niveau"]]


@pytest.fixture
def v() -> pd.DataFrame:
    return vurd(
        [
            ("a", D1, "Egenomsorg", 3), ("a", D1, "Mobilitet", 2),
            ("a", D2, "Egenomsorg", 2), ("a", D2, "Mobilitet", 2),
            ("a", D3, "Egenomsorg", 1), ("a", D3, "Mobilitet", 1),
            ("b", D1, "Egenomsorg", 2), ("b", D1, "Mobilitet", 2),
            ("b", D3, "Egenomsorg", 3), ("b", D3, "Mobilitet", 4),
            ("c", D2, "Egenomsorg", 1),  # a single assessment: no change measurable
        ]
    )


def test_levels_adds_the_mean_over_themes(v):
    lv = levels(v)
    samlet = lv[lv["tema"] == SAMLET].set_index(["borger_id", "dato"])["niveau"]
    # a at D1: (3 + 2)/2 = 2.5; b at D3: (3 + 4)/2 = 3.5; c at D2: 1.
    assert samlet[("a", D1)] == 2.5 and samlet[("b", D3)] == 3.5 and samlet[("c", D2)] == 1.0


def test_changes_first_latest_hand_computed(v):
    ch = changes(v).set_index(["borger_id", "tema"])["aendring"]
    # a: Egenomsorg 3 -> 1 = −2, Mobilitet 2 -> 1 = −1, samlet 2.5 -> 1 = −1.5.
    # b: Egenomsorg 2 -> 3 = +1, Mobilitet 2 -> 4 = +2, samlet 2 -> 3.5 = +1.5. c: none.
    assert ch.to_dict() == {
        ("a", "Egenomsorg"): -2, ("a", "Mobilitet"): -1, ("a", SAMLET): -1.5,
        ("b", "Egenomsorg"): 1, ("b", "Mobilitet"): 2, ("b", SAMLET): 1.5,
    }


def test_changes_consecutive(v):
    ch = changes(v, "consecutive", temaer=("Egenomsorg",))
    a = ch[ch["borger_id"] == "a"]
    # a: 3 -> 2 (D1 -> D2), 2 -> 1 (D2 -> D3); b: 2 -> 3 (D1 -> D3).
    assert a["aendring"].tolist() == [-1, -1]
    assert a["dato_efter"].tolist() == [D2, D3]
    assert ch.loc[ch["borger_id"] == "b", "aendring"].tolist() == [1]


def test_classify_rci_hand_computed():
    ch = pd.DataFrame({"tema": ["x"] * 4, "aendring": [-2.0, -1.0, 3.0, 1.96]})
    # sd 1, r 0.5: S_diff = sqrt(2)·1·sqrt(0.5) = 1, so RC = change; reliable beyond ±1.96.
    out = classify(ch, "rci", reliability=0.5, sd=1.0)
    assert out["rci"].tolist() == pytest.approx([-2, -1, 3, 1.96])
    assert out["udvikling"].tolist() == ["progression", "stabil", "regression", "stabil"]
    assert out["mindste_aendring"].tolist() == pytest.approx([1.96] * 4)


def test_classify_rci_per_theme_sd_and_missing_theme_gives_none():
    ch = pd.DataFrame({"tema": ["x", "y", "z"], "aendring": [-1.5, -1.5, -1.5]})
    # x: sd 0.5, r 0.5 -> S_diff 0.5, RC −3 (progression); y: sd 2 -> S_diff 2, RC −0.75.
    out = classify(ch, "rci", reliability=0.5, sd={"x": 0.5, "y": 2.0})
    assert out["udvikling"].tolist()[:2] == ["progression", "stabil"]
    assert pd.isna(out["udvikling"].iloc[2])


def test_classify_minimum_change():
    ch = pd.DataFrame({"tema": ["x"] * 5, "aendring": [-1.0, -0.5, 0.0, 1.0, -1.0 + 1e-12]})
    out = classify(ch, "minimum", minimum_change=1.0)
    assert out["udvikling"].tolist() == ["progression", "stabil", "stabil", "regression",
                                          "progression"]


def test_baseline_sd_uses_first_assessments(v):
    sd = baseline_sd(v)
    # First Egenomsorg levels: a 3, b 2, c 1 -> sd 1. First Mobilitet: a 2, b 2 -> 0.
    assert sd["Egenomsorg"] == pytest.approx(1.0)
    assert sd["Mobilitet"] == pytest.approx(0.0)


def test_given_levels_give_the_same_changes_and_sd(v):
    # individual_progression computes the levels once for changes and baseline_sd.
    lv = levels(v, "VUM2")
    before = lv.copy()
    for between in ("first_latest", "consecutive"):
        pd.testing.assert_frame_equal(changes(v, between, niveauer=lv), changes(v, between),
                                      check_exact=True)
    pd.testing.assert_series_equal(baseline_sd(v, niveauer=lv), baseline_sd(v), check_exact=True)
    pd.testing.assert_frame_equal(lv, before)  # the given levels are not changed


def test_individual_progression_with_data_sd(v):
    out = individual_progression(v, "rci", reliability=0.5).set_index(["borger_id", "tema"])
    # Egenomsorg sd 1 -> S_diff 1: a −2 -> progression; b +1 -> stabil. Mobilitet sd 0 -> no RCI.
    assert out.loc[("a", "Egenomsorg"), "udvikling"] == "progression"
    assert out.loc[("b", "Egenomsorg"), "udvikling"] == "stabil"
    assert pd.isna(out.loc[("a", "Mobilitet"), "udvikling"])


def test_judge_goals_against_goal_type():
    v = vurd(
        [
            ("a", D1, "Egenomsorg", 2), ("a", D3, "Egenomsorg", 2),  # stable
            ("b", D1, "Egenomsorg", 2), ("b", D3, "Egenomsorg", 4),  # regression
            ("c", D1, "Egenomsorg", 3), ("c", D3, "Egenomsorg", 1),  # progression
        ]
    )
    maal = pd.DataFrame(
        {
            "borger_id": ["a", "a", "b", "c", "c"],
            "maal_id": ["m1", "m2", "m3", "m4", "m5"],
            "tema": ["Egenomsorg"] * 4 + ["Mobilitet"],
            "maaltype": ["Fastholde", "Udvikle", "Begrænse tab", "Udvikle", "Udvikle"],
            "startdato": [D1, D1, pd.Timestamp("2023-03-01"), D1, D1],
            "frist": [D3] * 5,
            "status": ["opnået"] * 5,
        }
    )
    out = judge_goals(maal, v, "minimum", minimum_change=1.0).set_index("maal_id")
    # a stable: Fastholde met, Udvikle not. b +2 under "Begrænse tab": not met (baseline is
    # the D1 assessment before the goal start). c −2 Udvikle: met. m5: no Mobilitet data.
    assert out["udvikling"].tolist()[:4] == ["stabil", "stabil", "regression", "progression"]
    assert pd.isna(out.loc["m5", "udvikling"])
    assert out["succes"].tolist()[:4] == [True, False, False, True]
    assert pd.isna(out.loc["m5", "succes"])
    assert out.loc["m3", "dato_foer"] == D1


def test_goal_attainment_rates():
    maal = pd.DataFrame(
        {
            "maaltype": ["Udvikle"] * 5 + ["Fastholde"] * 2,
            "status": ["opnået", "opnået", "delvist opnået", "ikke opnået", "igangværende",
                       "opnået", "igangværende"],
        }
    )
    out = goal_attainment(maal).set_index("maaltype")
    # Udvikle: 4 concluded, 2 met -> 0.5; met or partly 3/4. Fastholde: 1 concluded, met.
    assert out.loc["Udvikle", "afsluttede"] == 4
    assert out.loc["Udvikle", "andel_opnaaet"] == pytest.approx(0.5)
    assert out.loc["Udvikle", "andel_helt_eller_delvist"] == pytest.approx(0.75)
    assert out.loc["Fastholde", "andel_opnaaet"] == pytest.approx(1.0)


def test_progression_shares_overall_and_by_group():
    u = pd.DataFrame(
        {"borger_id": list("abcde"),
         "udvikling": ["progression", "stabil", "stabil", "regression", None]}
    )
    overall = progression_shares(u)
    assert overall.loc[0, "antal_borgere"] == 4  # e has no classification
    assert overall.loc[0, "andel_stabil"] == pytest.approx(0.5)
    groups = pd.DataFrame({"borger_id": list("abcda"), "tilbud_id": list("XXYYY")})
    by = progression_shares(u, groups, "tilbud_id").set_index("tilbud_id")
    # X: a progression, b stabil; Y: c stabil, d regression, a progression (a in both).
    assert by.loc["X", "antal_progression"] == 1 and by.loc["X", "antal_borgere"] == 2
    assert by.loc["Y", "antal_borgere"] == 3
    assert by.loc["Y", "andel_regression"] == pytest.approx(1 / 3)


def test_offers_in_period_overlap():
    bev = pd.DataFrame(
        {
            "borger_id": ["a", "a", "b"],
            "tilbud_id": ["T1", "T2", None],
            "startdato": pd.to_datetime(["2022-01-01", "2024-06-01", "2023-01-01"]),
            "slutdato": pd.to_datetime(["2023-03-01", None, None]),
        }
    )
    periods = pd.DataFrame({"borger_id": ["a", "b"], "dato_foer": [D1, D1], "dato_efter": [D3, D3]})
    # a: T1 overlaps (ends after D1), T2 starts after D3 -> not; b has no offer.
    assert offers_in_period(bev, periods).values.tolist() == [["a", "T1"]]


def test_trajectories_mean_per_bin(v):
    out = trajectories(v, "Egenomsorg", bin_months=6)
    # Whole calendar months since the first assessment, binned by 6. Month 0: a 3, b 2, c 1
    # (c's first is D2) -> 2. Month 6 (D2 is 6 months after D1): a 2. Month 12: a 1, b 3 -> 2.
    got = out.set_index("maaneder")
    assert got.loc[0, "gennemsnit"] == pytest.approx(2.0)
    assert got.loc[0, "antal_borgere"] == 3
    assert got.loc[6, "gennemsnit"] == pytest.approx(2.0)
    assert got.loc[12, "gennemsnit"] == pytest.approx(2.0) and got.loc[12, "antal_borgere"] == 2
    assert np.array_equal(out["maaneder"], [0, 6, 12])


def test_progression_by_startniveau_maalgruppe_and_offer():
    from socialanalyse.progression import progression_by

    u = pd.DataFrame(
        {
            "borger_id": ["a", "b", "c"],
            "niveau_foer": [3.4, 3.6, 1.0],
            "dato_foer": [D1] * 3,
            "dato_efter": [D3] * 3,
            "udvikling": ["progression", "stabil", "stabil"],
        }
    )
    # Start levels round to 3, 4, 1.
    by_level = progression_by(u, "startniveau").set_index("startniveau")
    assert by_level["antal_borgere"].to_dict() == {1: 1, 3: 1, 4: 1}
    borgere = pd.DataFrame({"borger_id": ["a", "b", "c"], "maalgruppe": ["X", "X", "Y"]})
    by_group = progression_by(u, "maalgruppe", borgere=borgere).set_index("maalgruppe")
    assert by_group.loc["X", "andel_progression"] == pytest.approx(0.5)
    bev = pd.DataFrame(
        {"borger_id": ["a", "b"], "tilbud_id": ["T1", "T1"], "startdato": [D1, D1],
         "slutdato": pd.to_datetime([None, None])}
    )
    tilbud = pd.DataFrame({"tilbud_id": ["T1"], "navn": ["Engen"]})
    by_offer = progression_by(u, "tilbud", bevillinger=bev, tilbud=tilbud)
    assert by_offer["tilbud"].tolist() == ["Engen"] and by_offer["antal_borgere"].tolist() == [2]
    with pytest.raises(ValueError, match="ukendt gruppering"):
        progression_by(u, "farve")


def test_goal_success_shares():
    from socialanalyse.progression import goal_success

    judged = pd.DataFrame(
        {"maaltype": ["Udvikle", "Udvikle", "Udvikle", "Fastholde"],
         "succes": pd.Series([True, False, None, True], dtype=object)}
    )
    out = goal_success(judged).set_index("maaltype")
    # Udvikle: 3 goals, 2 measurable, 1 met -> 0.5. Fastholde: 1 of 1.
    assert out.loc["Udvikle", ["antal_maal", "antal_maalbare", "antal_succes"]].tolist() == [3, 2, 1]
    assert out.loc["Udvikle", "andel_succes"] == pytest.approx(0.5)
    assert out.loc["Fastholde", "andel_succes"] == pytest.approx(1.0)


def test_hide_small_shares_blanks_shares_of_suppressed_counts():
    from socialanalyse.progression import hide_small_shares

    shares = progression_shares(
        pd.DataFrame({"borger_id": [f"b{i}" for i in range(23)],
                      "udvikling": ["progression"] * 2 + ["stabil"] * 10
                      + ["progression"] * 6 + ["stabil"] * 5}),
        pd.DataFrame({"borger_id": [f"b{i}" for i in range(23)], "g": ["A"] * 12 + ["B"] * 11}),
        "g",
    )
    out = hide_small_shares(shares, 5).set_index("g")
    # A: 2 progression (< 5) is hidden; its row then has one hidden cell, so the smallest
    # other non-zero count (stabil 10; regression is 0) is hidden too. Column progression
    # then has one hidden cell, so B's 6 is hidden, and in B's row then stabil 5 as well.
    assert out[["andel_progression", "andel_stabil"]].isna().all().all()
    assert out["andel_regression"].tolist() == [0, 0]
    # The counts are untouched (report.show_table suppresses them the same way).
    assert out.loc["A", "antal_progression"] == 2
