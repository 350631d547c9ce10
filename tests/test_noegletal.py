"""Key figures: hand-computed on a small municipality, planted signals, pejlemærker, benchmark."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialanalyse import noegletal as N
from socialanalyse import servicetjek
from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.report.outputs import read_comparisons

REPO = Path(__file__).resolve().parents[1]


def _params(tmp_path: Path, **own):
    """Parameters from a temporary folder: the repository's default.yaml + furesoe.yaml."""
    folder = tmp_path / "parameters"
    (folder / "kommuner").mkdir(parents=True)
    shutil.copy(REPO / "parameters" / "default.yaml", folder / "default.yaml")
    content = {"kommune": "furesoe", "navn": "Furesø", **own}
    (folder / "kommuner" / "furesoe.yaml").write_text(
        yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return load_parameters("furesoe", root=tmp_path)


def _monthly(bevilling_id, leverandoer_id, first, last, amount):
    months = pd.date_range(first, last, freq="MS")
    values = [amount(m) for m in months]
    return pd.DataFrame({"bevilling_id": bevilling_id, "leverandoer_id": leverandoer_id,
                         "periode": months, "beloeb": values, "funktion": "5.38.50"})


@functools.cache
def small_data() -> Data:
    """Four citizens in 2025 (A, B, C adults; K a child) and four grants:
    G1 A §108 own offer (L1) 1,000 kr/day all year: paid 365,000.
    G2 B §107 private (L2) 3,000 kr/day from 1 July (annual cost 3,000 × 365.25 = 1,095,750,
       above 1 mio.): paid 184 days = 552,000; forventet_slutdato set.
    G3 C §85 private, 10 hours a week at 500 kr since June 2024: paid 12 × 21,000 = 252,000;
       never followed up (due after 12 months).
    G4 K BL §32 January-June 2025: paid 6 × 8,000 = 48,000.
    """
    bev = pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3", "G4"],
        "borger_id": ["A", "B", "C", "K"],
        "paragraf": ["§108", "§107", "§85", "BL §32"],
        "leverandoer_id": ["L1", "L2", "L2", "L2"],
        "afdeling": "Social",
        "startdato": pd.to_datetime(["2024-01-01", "2025-07-01", "2024-06-01", "2025-01-01"]),
        "slutdato": pd.to_datetime([None, None, None, "2025-06-30"]),
        "forventet_slutdato": pd.to_datetime([None, "2026-06-30", None, None]),
        "enhed": ["doegn", "doegn", "time", "time"],
        "enhedspris": [1000.0, 3000.0, 500.0, 400.0],
        "omfang": [7.0, 7.0, 10.0, 5.0],
        "tillaeg": 0.0,
    })
    pay = pd.concat([
        _monthly("G1", "L1", "2025-01-01", "2025-12-01", lambda m: 1000.0 * m.days_in_month),
        _monthly("G2", "L2", "2025-07-01", "2025-12-01", lambda m: 3000.0 * m.days_in_month),
        _monthly("G3", "L2", "2025-01-01", "2025-12-01", lambda m: 21_000.0),
        _monthly("G4", "L2", "2025-01-01", "2025-06-01", lambda m: 8_000.0),
    ], ignore_index=True)
    return Data.from_tables({
        "borgere": pd.DataFrame({"borger_id": ["A", "B", "C", "K"], "foedselsaar": 1990,
                                 "koen": "K", "maalgruppe": ["Udviklingshæmning", "Sindslidelse",
                                                             "Autisme", "Børn med handicap"]}),
        "leverandoerer": pd.DataFrame({"leverandoer_id": ["L1", "L2"], "navn": ["Eget", "Privat"],
                                       "leverandoertype": ["egen drift", "privat"],
                                       "standardkontrakt": [True, True]}),
        "bevillinger": bev,
        "betalinger": pay,
        "opfoelgninger": pd.DataFrame({"bevilling_id": ["G1"], "dato": pd.to_datetime(
            ["2025-03-01"]), "type": ["opfølgning"], "resultat": ["uændret"]}),
        "budget": pd.DataFrame({"aar": 2025, "paragraf": ["§108", "§107", "§85", "BL §32"],
                                "maalgruppe": None,
                                "beloeb": [400_000.0, 500_000.0, 250_000.0, 50_000.0]}),
        "befolkning": pd.DataFrame({"aar": 2025, "aldersgruppe": ["0-17", "18-24", "25-64", "65+"],
                                    "antal": [2000, 1000, 5000, 2000]}),
    })


def test_key_figures_hand_computed(tmp_path):
    p = _params(tmp_path)
    nt = N.compute(small_data(), p)
    assert nt.aar == 2025 and nt.opgjort == pd.Timestamp("2025-12-31")
    v = nt.vaerdi
    assert v("budget") == 1_200_000
    # 365,000 + 552,000 + 252,000 + 48,000 = 1,217,000, a complete year: also the expected.
    assert v("forbrug_aar_til_dato") == 1_217_000
    assert v("forventet_aarsforbrug") == 1_217_000
    assert v("forventet_andel_af_budget") == pytest.approx(1_217_000 / 1_200_000)
    # Annual cost per full-year person = spending × 365 / active days.
    assert v("udgift_pr_helaarsperson", "§108") == pytest.approx(365_000)
    assert v("udgift_pr_helaarsperson", "§107") == pytest.approx(552_000 * 365 / 184)  # 1,095,000
    assert v("udgift_pr_helaarsperson", "§85") == pytest.approx(252_000)
    # Botilbud (§107, §108): (365,000 + 552,000) × 365 / (365 + 184) days.
    assert v("enhedspris_botilbud") == pytest.approx(917_000 * 365 / 549)
    assert v("antal_dyre_sager") == 1  # G2 only
    # Botilbud full-year persons: A 365 days in an own offer, B 184 days in a private one.
    assert v("selvforsyningsgrad") == pytest.approx(365 / 549)
    # Active on 31.12.2025: G1 (followed up 01.03.2025, 9 < 12 months), G2 (started 01.07.2025,
    # 5 < 6 months), G3 (18 months since its start, no follow-up): 2 of 3 on time.
    assert v("andel_opfoelgning_rettidig") == pytest.approx(2 / 3)
    # Adults' spending 365,000 + 552,000 + 252,000 = 1,169,000 over 6,000 aged 18-64.
    assert v("udgift_pr_18_64_aarig") == pytest.approx(1_169_000 / 6000)
    assert v("borgere_pr_10000") == pytest.approx(3 / 6000 * 10_000)
    assert v("borgere_pr_10000", "§107") == pytest.approx(1 / 6000 * 10_000)
    assert v("antal_borgere") == 3  # K's grant ended in June
    assert v("andel_borgere_eget_hjem") == pytest.approx(1 / 3)  # C only
    assert v("andel_borgere_forebyggende") == 0
    # New temporary grants in 2025: G2 (with expected end) and G4 (without).
    assert v("andel_nye_tidsbegraensede") == 0.5
    assert set(nt.tal["noegletal"]) == set(N.NOEGLETAL)


def test_pejlemaerker_traffic_lights(tmp_path):
    p = _params(tmp_path, pejlemaerker=[
        # 2/3 against 0.70: below, but within 5 % of the goal (0.665) -> gul.
        {"navn": "Rettidig opfølgning", "noegletal": "andel_opfoelgning_rettidig",
         "maal": 0.70, "retning": "over"},
        # 365,000 <= 400,000 -> grøn.
        {"navn": "Pris §108", "noegletal": "udgift_pr_helaarsperson", "gruppe": "§108",
         "maal": 400_000, "retning": "under"},
        {"navn": "Stavefejl", "noegletal": "findes_ikke", "maal": 1, "retning": "over"},
    ])
    pm = N.compute(small_data(), p).pejlemaerker.set_index("navn")
    assert pm["status"].tolist() == ["rød", "gul", "grøn", "ukendt nøgletal"]  # selvforsyning first
    assert pm.iloc[0]["vaerdi"] == pytest.approx(365 / 549) and pm.iloc[0]["maal"] == 0.9


def test_traffic_light_hand_computed():
    assert N.traffic_light(0.90, 0.90, "over", 0.05) == "grøn"
    assert N.traffic_light(0.86, 0.90, "over", 0.05) == "gul"  # >= 0.90 - 0.045 = 0.855
    assert N.traffic_light(0.85, 0.90, "over", 0.05) == "rød"
    assert N.traffic_light(105.0, 100.0, "under", 0.05) == "gul"  # <= 105
    assert N.traffic_light(105.1, 100.0, "under", 0.05) == "rød"
    assert N.traffic_light(float("nan"), 100.0, "under", 0.05) == "mangler"


def test_forventet_for_the_current_year(tmp_path):
    # Cut the data at June 2025: the current year is not complete. Given the expected year-end
    # per line, forventet_aarsforbrug is its sum and the adults' part (all but BL §32) is used
    # per inhabitant: (400,000 + 900,000) / 6,000.
    d = small_data()
    bet = d.betalinger[d.betalinger["periode"] <= "2025-06-01"]
    d = Data.from_tables({**d.tables(), "betalinger": bet})
    forventet = pd.Series({"§108": 400_000.0, "§107": 900_000.0, "BL §32": 60_000.0})
    nt = N.compute(d, _params(tmp_path), forventet=forventet)
    assert nt.opgjort == pd.Timestamp("2025-06-30")
    assert nt.vaerdi("forventet_aarsforbrug") == 1_360_000
    assert nt.vaerdi("udgift_pr_18_64_aarig") == pytest.approx(1_300_000 / 6000)
    # Without it: the year-to-date adults' spending annualised (× 12 / 6 months):
    # (182,500 [Jan-Jun G1: 181 days] ... ) = (181,000 + 6 × 21,000) × 2 / 6,000.
    nt0 = N.compute(d, _params(tmp_path / "b"))
    assert np.isnan(nt0.vaerdi("forventet_aarsforbrug"))
    assert nt0.vaerdi("udgift_pr_18_64_aarig") == pytest.approx((181_000 + 126_000) * 2 / 6000)


def test_followup_interval_boundary():
    # A §107 grant started 01.01.2025 and never followed up is due 01.07.2025: on time that
    # day, overdue the day after (the deadline of servicetjek's opfoelgning_overskredet).
    bev = pd.DataFrame({"bevilling_id": ["G"], "paragraf": ["§107"],
                        "startdato": pd.to_datetime(["2025-01-01"]),
                        "slutdato": pd.to_datetime([None])})
    none = pd.DataFrame({"bevilling_id": pd.Series(dtype=str),
                         "dato": pd.Series(dtype="datetime64[ns]")})
    rules = {"§107": 6, "standard": 12}
    assert N.followup_on_time(bev, none, pd.Timestamp("2025-07-01"), rules).all()
    assert not N.followup_on_time(bev, none, pd.Timestamp("2025-07-02"), rules).any()


# --- benchmark ----------------------------------------------------------------------------------


def test_read_comparisons_reports_missing_without_crashing(tmp_path):
    out = tmp_path / "output"
    names = ["udgift_pr_18_64_aarig", "borgere_pr_10000"]
    # furesoe: seneste is a symlink to a run with both figures.
    run = out / "furesoe" / "2026-11-01T0900-intern"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps(
        {"05_noegletal": {"udgift_pr_18_64_aarig": 12000.5, "borgere_pr_10000": 300}}))
    os.symlink(run.name, out / "furesoe" / "seneste")
    # gladsaxe: seneste is a text file naming the run; the run lacks one figure.
    run = out / "gladsaxe" / "r1"
    run.mkdir(parents=True)
    (run / "results.json").write_text(json.dumps({"05_noegletal": {"borgere_pr_10000": 250}}))
    (out / "gladsaxe" / "seneste").write_text("r1\n")
    # lyngby-taarbaek: unreadable results; roskilde: no run at all.
    run = out / "lyngby-taarbaek" / "seneste"
    run.mkdir(parents=True)
    (run / "results.json").write_text("{not json")
    got = read_comparisons(out, ["furesoe", "gladsaxe", "lyngby-taarbaek", "roskilde"], names)
    status = got.set_index(["kommune", "noegletal"])["status"]
    assert status["furesoe"].tolist() == ["ok", "ok"]
    assert status["gladsaxe"].tolist() == ["mangler nøgletal", "ok"]
    assert status["lyngby-taarbaek"].tolist() == ["ulæselig"] * 2
    assert status["roskilde"].tolist() == ["ingen kørsel"] * 2
    values = got.set_index(["kommune", "noegletal"])["vaerdi"]
    assert values["furesoe", "udgift_pr_18_64_aarig"] == 12000.5

    # Own 13,000 kr against the mean of the comparisons that have it (only furesoe: 12,000.5);
    # borgere: 300 against (300 + 250) / 2 = 275.
    b = N.benchmark({"udgift_pr_18_64_aarig": 13000.0, "borgere_pr_10000": 330.0}, "egedal", got)
    own = b[b["status"] == "egen"].set_index("noegletal")
    assert own.loc["udgift_pr_18_64_aarig", "sammenligning_gns"] == 12000.5
    assert own.loc["borgere_pr_10000", "forskel"] == pytest.approx(330 / 275 - 1)


# --- the synthetic municipality ----------------------------------------------------------------


# `sample` (the small synthetic municipality) comes from conftest.py.


def test_planted_overdue_followups_and_expensive_grants(sample, tmp_path):
    s, d = sample
    p = _params(tmp_path)
    on = d.betalinger["periode"].max() + pd.offsets.MonthEnd(0)
    on_time = N.followup_on_time(d.bevillinger, d.opfoelgninger, on,
                                 p.servicetjek.opfoelgning_interval_maaneder)
    late = set(d.bevillinger.loc[on_time.index[~on_time], "bevilling_id"])
    assert late == set(s.planted.overdue_followups)
    # The key figure and the servicetjek rule count the same grants as overdue.
    flags = servicetjek.screen(d, p, as_of=on)
    assert late == set(flags.loc[flags["regel"] == "opfoelgning_overskredet", "bevilling_id"])
    nt = N.compute(d, p)
    assert nt.vaerdi("andel_opfoelgning_rettidig") == pytest.approx(1 - len(late) / len(on_time))
    bev = d.bevillinger
    active = (bev["startdato"] <= on) & (bev["slutdato"].isna() | (bev["slutdato"] >= on))
    planted_active = bev[active & bev["bevilling_id"].isin(s.planted.expensive_grants)]
    assert nt.vaerdi("antal_dyre_sager") >= len(planted_active) > 0


def test_trends_and_benchmark_values_on_the_sample(sample, tmp_path):
    _, d = sample
    p = _params(tmp_path)
    nt = N.compute(d, p)
    assert sorted(set(nt.tal["aar"])) == [2022, 2023, 2024, 2025, 2026]
    assert 0 <= nt.vaerdi("selvforsyningsgrad") <= 1
    values = N.benchmark_values(nt, p.noegletal.benchmark_noegletal)
    assert set(values) == {"udgift_pr_18_64_aarig", "borgere_pr_10000", "enhedspris_botilbud"}
    assert values["udgift_pr_18_64_aarig"] == nt.vaerdi("udgift_pr_18_64_aarig", aar=2025)
    assert all(v > 0 for v in values.values())
    latest = nt.seneste()
    assert latest["forrige"].notna().all()
