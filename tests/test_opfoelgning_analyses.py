"""Progression-led follow-up (and its servicetjek rule), the serviceniveau in kroner and need
or diagnosis, on small hand-made municipalities (tests/servicetjek_cases.py: reference date
31.10.2026, prisindeks 0, a daily rate × 7 days a week costs rate × 365.25 a year). The OLS is
checked against statsmodels' formula API on random data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from servicetjek_cases import AS_OF, assessment, followup, grant, make, params, rule
from statsmodels.stats.anova import anova_lm

from socialanalyse.config import OpfoelgningParametre
from socialanalyse.opfoelgning import (
    IKKE_UDREDT,
    INGEN_PROGRESSION,
    POTENTIALE,
    need_or_diagnosis,
    progression_followup,
    service_level_check,
    with_serviceniveau,
)
from socialanalyse.opfoelgning.serviceniveau import ANDEN_ENHED, NIVEAU_MANGLER, UKENDT_NIVEAU
from socialanalyse.progression import SAMLET, individual_progression
from socialanalyse.servicetjek import screen, screening_base, with_overrides

LOW, HIGH = 70 / 800, 0.333
WEEK = 365.25 / 7


def with_opf(p, **opfoelgning):
    section = OpfoelgningParametre.model_validate(p.opfoelgning.model_dump() | opfoelgning)
    return p.model_copy(update={"opfoelgning": section})


def minimum_params(**opfoelgning):
    """Progression by a fixed minimum change of one level (deterministic on small data)."""
    p = params()
    prog = p.progression.model_copy(update={"klassifikation": "minimum", "mindste_aendring": 1.0})
    p = p.model_copy(update={"progression": prog})
    return with_opf(p, **opfoelgning) if opfoelgning else p


def goals(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"borger_id": b, "maal_id": m, "tema": t, "maaltype": typ,
                          "startdato": pd.Timestamp(s), "frist": pd.Timestamp("2027-12-31"),
                          "status": st} for b, m, t, typ, s, st in rows])


def development_data():
    v = (assessment("a", "2025-05-01", 3, 3, 3, 3, 3, 3)
         + assessment("a", "2026-06-01", 3, 3, 3, 3, 2, 3)  # samlet 3.0 -> 2.83: stabil
         + assessment("b", "2025-05-01", 3, 3, 3, 3, 3, 3)
         + assessment("b", "2026-06-01", 2, 2, 2, 2, 2, 2)  # -1.0: progression
         + assessment("c", "2026-02-01", 3, 3, 3, 3, 3, 3)
         + assessment("d", "2025-08-01", 3, 3, 3, 3, 3, 3)
         + assessment("d", "2026-09-01", 2, 3, 3, 3, 3, 3)  # Egenomsorg 3 -> 2 only
         + assessment("e", "2024-12-01", 3, 3, 3, 3, 3, 3)  # never assessed again
         + assessment("f", "2023-12-01", 3, 3, 3, 3, 3, 3)
         + assessment("f", "2026-01-01", 3, 3, 3, 3, 3, 3))
    d = make([
        grant("g1", "a", lev="L2", pris=2600, start="2025-06-01"),  # 16 months, no progress
        grant("g2", "b", start="2025-06-01"),
        grant("g3", "c", start="2026-03-01"),  # 7 months: too early to judge
        grant("g4", "d", paragraf="§85", enhed="time", pris=600, omfang=5, start="2020-01-01"),
        grant("g5", "e", start="2025-01-01"),
        grant("g6", "f", paragraf="§108", start="2024-01-01"),  # not a development case
    ], v)
    maal = goals(("d", "M1", "Egenomsorg", "Udvikle", "2025-09-01", "igangværende"),
                 ("f", "M2", "Egenomsorg", "Fastholde", "2024-01-01", "igangværende"),
                 ("a", "M3", "Mobilitet", "Udvikle", "2024-01-01", "opnået"))
    return dataclasses.replace(d, maal=maal)


def test_development_cases_flagged_without_progression_after_twelve_months():
    u = progression_followup(development_data(), minimum_params(), as_of=AS_OF)
    s = u.sager.set_index("bevilling_id")
    assert sorted(s.index) == ["g1", "g2", "g3", "g4", "g5"]  # g6: §108 without Udvikle goal
    assert s.loc["g1", "grund"] == "midlertidigt tilbud"
    assert s.loc["g4", "grund"] == "mål om udvikling"
    assert s.loc["g1", "maaneder_i_tilbud"] == 16  # 1.6.2025 -> 31.10.2026
    # g4's clock starts with its goal (1.9.2025), not the grant (2020): 13 months.
    assert s.loc["g4", "regnet_fra"] == pd.Timestamp("2025-09-01")
    assert s.loc["g4", "maaneder_i_tilbud"] == 13
    assert s.loc["g1", "niveau_start"] == 3 and s.loc["g1", "niveau_seneste"] == pytest.approx(
        17 / 6)
    assert s.loc["g1", "udvikling"] == "stabil"
    assert s.loc["g1", "markering"] == INGEN_PROGRESSION
    assert s.loc["g1", "besked"] == "ingen progression: overvej et andet tilbud"
    assert pd.isna(s.loc["g2", "markering"]) and s.loc["g2", "progression_paa"] == SAMLET
    # g4: samlet only fell 1/6, but the goal's theme (Egenomsorg) fell a whole level.
    assert s.loc["g4", "udvikling"] == "stabil" and s.loc["g4", "progression_paa"] == "Egenomsorg"
    assert pd.isna(s.loc["g4", "markering"])
    assert s.loc["g5", "markering"] == IKKE_UDREDT
    assert pd.isna(s.loc["g3", "markering"])  # 7 months; no potential at the default 1/3


def test_potential_from_the_municipalitys_own_history():
    # First-to-latest assessment at start level 3 (VUM2): a stabil, b progression, d stabil,
    # f stabil (c and e have one assessment): 1 of 4 progressed.
    p = minimum_params(potentiale_andel=0.25, potentiale_min_borgere=4)
    u = progression_followup(development_data(), p, as_of=AS_OF)
    h = u.historik.set_index(["metode", "startniveau"]).loc[("VUM2", 3)]
    assert (h["antal_borgere"], h["andel_progression"]) == (4, 0.25)
    s = u.sager.set_index("bevilling_id")
    assert s.loc["g3", "markering"] == POTENTIALE
    assert s.loc["g3", "besked"] == "potentiale: følg tæt op"
    assert s.loc["g1", "markering"] == INGEN_PROGRESSION  # the stronger message wins
    too_few = minimum_params(potentiale_andel=0.25, potentiale_min_borgere=5)
    assert progression_followup(development_data(), too_few, as_of=AS_OF).markerede(
        POTENTIALE).empty


def test_progression_is_the_progression_packages():
    # Where the grant's start level is the first assessment, the classification equals
    # individual_progression's (RCI with the default parameters, SD from the data).
    d = development_data()
    p = params()
    u = progression_followup(d, p, as_of=AS_OF).sager.set_index("borger_id")
    ref_ = individual_progression(d.vurderinger, "rci", reliability=p.progression.reliabilitet,
                                  sd=None, metode="VUM2")
    ref_ = ref_[ref_["tema"] == SAMLET].set_index("borger_id")["udvikling"]
    for b in ("a", "b"):
        assert u.loc[b, "udvikling"] == ref_[b]


def test_servicetjek_rule_no_progression_with_potential():
    f = rule(screen(development_data(), minimum_params(), as_of=AS_OF), "ingen_progression")
    assert list(f.index) == ["g1"]
    row = f.loc["g1"]
    assert (row["maalt"], row["graense"]) == (16, 12)
    # Another §107 offer at the usual price: the other providers' level-3 grants cost 2,000
    # kr a day (g2, g3, g5 at L1), g1 costs 2,600: 600 × 365.25 = 219,150 kr a year.
    assert row["bruttogab"] == pytest.approx(219_150)
    assert row["potentiale_lav"] == pytest.approx(219_150 * LOW)
    assert row["potentiale_hoej"] == pytest.approx(219_150 * HIGH)
    assert row["begrundelse"] == (
        "§107 (midlertidigt tilbud) i 16 måneder uden pålidelig progression: samlet niveau 3,0 "
        "(01.05.2025) og 2,8 (01.06.2026). Overvej et andet tilbud. Prisen 2.600 kr. pr. døgn "
        "mod medianen 2.000 kr. hos andre leverandører.")
    # Twenty-four months required: none yet.
    later = minimum_params(progression_maaneder=24)
    assert rule(screen(development_data(), later, as_of=AS_OF), "ingen_progression").empty


# --- serviceniveau ----------------------------------------------------------------------------

KATALOG = {"§85": {2: {"omfang": "3-6", "priskategori": "middel", "revisitation_maaneder": 12}}}


def service_data():
    h = {"paragraf": "§85", "enhed": "time"}
    v = [r for b in "pqrsu" for r in assessment(b, "2024-12-01", *([2] * 6 if b != "u" else [4] * 6))]
    return make([
        grant("s1", "p", pris=550, omfang=8, start="2026-01-01", **h),  # volume above 3-6
        grant("s2", "q", pris=650, omfang=4, **h),  # høj price, middel is the most
        grant("s3", "r", pris=500, omfang=2, **h),  # volume below
        grant("s4", "s", pris=550, omfang=5, **h),  # inside; revisit overdue
        grant("s5", "t", pris=550, omfang=5, **h),  # no assessment: unknown need
        grant("s6", "u", pris=550, omfang=5, **h),  # need level 4: not in the catalogue
        grant("s7", "p", paragraf="§85", enhed="doegn", pris=100, omfang=1),  # other unit
        grant("s8", "p"),  # §107: not in the serviceniveau at all
    ], v, [followup("s4", "2025-06-01", "revisitation"), followup("s4", "2026-09-01")])


def service_params(katalog=KATALOG):
    p = with_overrides(params(), priskategori_graenser={
        "§85": {"lav_til": 500, "middel_til": 600, "hoej_til": 700}})
    return with_serviceniveau(p, katalog)


def test_spending_effect_of_grants_outside_the_serviceniveau():
    d, p = service_data(), service_params()
    r = service_level_check(d, p, as_of=AS_OF)
    b = r.bevillinger.set_index("bevilling_id")
    assert sorted(b.index) == ["s1", "s2", "s3", "s4"]
    assert b.loc["s1", "omfang_status"] == "over" and b.loc["s1", "uden_for"]
    # s1: 8 hours a week down to 6 at 550 kr: 550 × 2 × 365.25/7 = 57,396.43 kr a year saved.
    assert b.loc["s1", "forskel"] == pytest.approx(-550 * 2 * WEEK)
    assert b.loc["s1", "aarlig_udgift"] == pytest.approx(550 * 8 * WEEK)
    # s2: price 650 is høj (600-700); capped at the top of middel, 600: 50 × 4 hours a week.
    assert (b.loc["s2", "priskategori"], b.loc["s2", "pris_status"]) == ("høj", "over")
    assert b.loc["s2", "forskel"] == pytest.approx(-50 * 4 * WEEK)
    # s3: 2 hours a week up to 3.
    assert b.loc["s3", "omfang_status"] == "under"
    assert b.loc["s3", "forskel"] == pytest.approx(500 * 1 * WEEK)
    assert b.loc["s4", "forskel"] == 0 and not b.loc["s4", "uden_for"]
    # s4's last revisit 1.6.2025 (a plain follow-up does not count): due 1.6.2026, overdue.
    assert b.loc["s4", "revisitation_frist"] == pd.Timestamp("2026-06-01")
    assert b.loc["s4", "revisitation_overskredet"] and not b.loc["s1", "revisitation_overskredet"]
    assert r.besparelse == pytest.approx((550 * 2 + 50 * 4) * WEEK)
    assert r.merudgift == pytest.approx(500 * WEEK)
    assert r.udgift_inden_for - r.udgift == pytest.approx((500 - 550 * 2 - 50 * 4) * WEEK)
    o = r.oversigt.set_index(["paragraf", "niveau"]).loc[("§85", 2)]
    assert (o["antal_bevillinger"], o["antal_omfang_over"], o["antal_omfang_under"],
            o["antal_pris_over"], o["antal_uden_for"], o["antal_revisitation_overskredet"]
            ) == (4, 1, 1, 1, 3, 3)  # s2, s3 (from their start 1.1.2025) and s4
    ikke = r.ikke_vurderet.set_index("aarsag")["antal_bevillinger"].to_dict()
    assert ikke == {UKENDT_NIVEAU: 1, NIVEAU_MANGLER: 1, ANDEN_ENHED: 1}
    # The yearly cost now is the servicetjek's (one definition).
    base = screening_base(d, p, AS_OF).set_index("bevilling_id")
    assert np.allclose(b["aarlig_udgift"], base.loc[b.index, "aarlig_udgift"])


def test_moving_the_range_moves_the_kroner():
    d = service_data()
    wider = service_params({"§85": {2: {"omfang": "2-8", "priskategori": "høj"}}})
    r = service_level_check(d, wider, as_of=AS_OF)
    assert r.besparelse == 0 and r.merudgift == 0
    assert not r.bevillinger["revisitation_overskredet"].any()  # no limit given
    with pytest.raises(ValueError, match="omfanget 'x' kan ikke læses"):
        with_serviceniveau(params(), {"§85": {2: {"omfang": "x"}}})


def test_empty_serviceniveau_checks_nothing():
    # the eksempelkommune has an example serviceniveau; an empty one checks nothing
    r = service_level_check(service_data(), with_serviceniveau(params(), {}), as_of=AS_OF)
    assert r.bevillinger.empty and r.oversigt.empty and r.besparelse == 0


# --- need or diagnosis ------------------------------------------------------------------------

def ols_data(rng: np.random.Generator, n: int = 240, factor: float = 1.5):
    """Random grants: log yearly cost = 10 + 0.3 × need level + 0.8 (§107) + log(factor) for
    Autisme + noise (sd 0.2); omfang 1 a week, so the yearly cost is pris × 365.25/7."""
    groups = rng.choice(["Autisme", "Sindslidelse", "Udviklingshæmning"], n)
    level = rng.integers(1, 5, n)
    par = rng.choice(["§85", "§107"], n)
    log_cost = (10 + 0.3 * level + np.where(par == "§107", 0.8, 0) + np.where(
        groups == "Autisme", np.log(factor), 0) + rng.normal(0, 0.2, n))
    grants, v = [], []
    for i in range(n):
        b = f"b{i:03d}"
        grants.append(grant(f"g{i:03d}", b, paragraf=par[i], enhed="time" if par[i] == "§85"
                            else "doegn", pris=float(np.exp(log_cost[i]) / WEEK), omfang=1))
        v += assessment(b, "2024-12-01", *([int(level[i])] * 6))
    d = make(grants, v)
    borgere = d.borgere.assign(maalgruppe=pd.Series(groups, index=d.borgere.index).astype(str))
    frame = pd.DataFrame({"y": np.log(np.exp(log_cost)), "niveau": level, "paragraf": par,
                          "maalgruppe": groups})
    return dataclasses.replace(d, borgere=borgere), frame


def test_ols_matches_statsmodels_formula_api_on_random_data():
    d, frame = ols_data(np.random.default_rng(7))
    r = need_or_diagnosis(d, params(), as_of=AS_OF)
    full = smf.ols("y ~ C(niveau) + C(paragraf) + C(maalgruppe)", frame).fit()
    small = smf.ols("y ~ C(niveau) + C(paragraf)", frame).fit()
    area = r.forklaring.set_index("omraade").loc["voksne"]
    assert area["r2_med_maalgruppe"] == pytest.approx(full.rsquared, rel=1e-9)
    assert area["r2_uden_maalgruppe"] == pytest.approx(small.rsquared, rel=1e-9)
    assert area["r2_tilvaekst"] == pytest.approx(full.rsquared - small.rsquared, rel=1e-9)
    test = anova_lm(small, full)
    assert area["f_vaerdi"] == pytest.approx(test["F"].iloc[1], rel=1e-9)
    assert area["p_vaerdi"] == pytest.approx(test["Pr(>F)"].iloc[1], rel=1e-6)
    assert bool(area["fuld_rang"])
    # The factor of each group against the others, weighted by their grants, as a contrast
    # of the formula model's coefficients (Autisme is the reference level there).
    counts = frame["maalgruppe"].value_counts()
    beta = {g: (full.params.get(f"C(maalgruppe)[T.{g}]", 0.0)) for g in counts.index}
    names = list(full.params.index)
    g_ = r.maalgrupper.set_index("maalgruppe")
    for g in counts.index:
        others = counts.drop(g)
        c = np.zeros(len(names))
        if f"C(maalgruppe)[T.{g}]" in names:
            c[names.index(f"C(maalgruppe)[T.{g}]")] = 1
        for h, n in others.items():
            if f"C(maalgruppe)[T.{h}]" in names:
                c[names.index(f"C(maalgruppe)[T.{h}]")] -= n / others.sum()
        t = full.t_test(c)
        lo, hi = np.asarray(t.conf_int(alpha=0.05)).ravel()
        est = beta[g] - sum(beta[h] * n for h, n in others.items()) / others.sum()
        assert float(np.ravel(t.effect)[0]) == pytest.approx(est)
        assert g_.loc[g, "faktor"] == pytest.approx(np.exp(est), rel=1e-9)
        assert (g_.loc[g, "ci_lav"], g_.loc[g, "ci_hoej"]) == pytest.approx(
            (np.exp(lo), np.exp(hi)), rel=1e-9)
    # The planted factor 1.5 lies in Autisme's interval, which is above 1.
    assert g_.loc["Autisme", "ci_lav"] < 1.5 < g_.loc["Autisme", "ci_hoej"]
    assert g_.loc["Autisme", "vurdering"] == "over"
    assert set(g_.drop("Autisme")["vurdering"]) <= {"som forventet", "under"}


def test_factor_is_the_ratio_of_geometric_means_in_a_hand_computed_case():
    # One paragraph, one need level: group A costs 100 and 400 (geometric mean 200), group B
    # always 100, so A costs twice what B does and B half of A.
    grants, v, groups = [], [], {}
    for i in range(12):
        b = f"b{i}"
        cost = (100 if i % 2 else 400) if i < 6 else 100
        grants.append(grant(f"g{i}", b, paragraf="§85", enhed="time", pris=cost / WEEK,
                            omfang=1))
        v += assessment(b, "2024-12-01", *([2] * 6))
        groups[b] = "Autisme" if i < 6 else "Sindslidelse"
    d = make(grants, v)
    d = dataclasses.replace(d, borgere=d.borgere.assign(maalgruppe=d.borgere["borger_id"].map(
        groups)))
    r = need_or_diagnosis(d, params(), as_of=AS_OF)
    g = r.maalgrupper.set_index("maalgruppe")
    assert g.loc["Autisme", "faktor"] == pytest.approx(2.0)
    assert g.loc["Sindslidelse", "faktor"] == pytest.approx(0.5)
    assert g.loc["Autisme", "antal_bevillinger"] == 6


def test_left_out_grants_and_the_limits_are_stated():
    d, _ = ols_data(np.random.default_rng(3), n=60)
    d = dataclasses.replace(d, vurderinger=d.vurderinger[d.vurderinger["borger_id"] != "b000"])
    r = need_or_diagnosis(d, params(), as_of=AS_OF)
    assert r.udeladt.set_index("aarsag")["antal_bevillinger"].to_dict() == {
        "uden udredning før start": 1}
    text = " ".join(r.forbehold)
    assert "målt ved bevillingens start" in text and "observationelle" in text
    assert "Udeladt: 1 uden udredning før start (bevillinger)." in text
    assert "95 %-konfidensintervaller" in text


def test_sd_from_first_assessments_equals_progressions_baseline_sd():
    from socialanalyse.progression import baseline_sd
    from socialanalyse.progression.udvikling import first_assessments
    from socialanalyse.servicetjek.arrays import Scores

    v = development_data().vurderinger
    # A theme first assessed later than the others, and a repeated date.
    extra = pd.DataFrame([{"borger_id": "a", "dato": pd.Timestamp("2025-09-01"), "metode": "VUM2",
                           "tema": "Sundhedsforhold", "niveau": 1}])
    v = pd.concat([v.astype({"tema": str, "metode": str}), extra], ignore_index=True)
    full, fast = baseline_sd(v, "VUM2"), baseline_sd(first_assessments(v), "VUM2")
    pd.testing.assert_series_equal(full.sort_index(), fast.sort_index())
    # The servicetjek's arrays give the same SDs.
    arrays = Scores.of(v).first_sd(SAMLET)["VUM2"]
    pd.testing.assert_series_equal(arrays.sort_index(), full.sort_index(), check_names=False)
