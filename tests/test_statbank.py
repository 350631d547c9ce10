"""Statbank reader and the public benchmark: hand-computed on the fixture in the statbank's
own format (tests/fixtures/statbank: UTF-8 with BOM, semicolons, CRLF, made-up numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialanalyse import benchmark as B
from socialanalyse.data import statbank as S

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "statbank"


@pytest.fixture(scope="module")
def sb():
    return S.read_folder(FIXTURE, "REGK31.csv", "FOLK1A.csv")


def _one(frame, **where):
    hit = frame
    for k, v in where.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, where
    return hit.iloc[0]


def test_regk31_in_kr_per_municipality_and_function(sb):
    r = sb.regnskab
    assert set(r["kommune"]) == {"furesoe", "alleroed", "rudersdal", "holbaek", "aarhus"}
    row = _one(r, kommune="furesoe", aar=2024, funktion="5.38.50")
    assert row["udgift"] == 64_000_000.0  # 64.000 (1.000 kr.)
    # The function code maps to its name as the statbank writes it.
    assert row["funktion_navn"] == "Botilbud til længerevarende ophold (§ 108)"
    # Only dranst 1, ART I alt (netto), prisenhed 1.000 kr.: the refusion, gross and
    # per-inhabitant rows are left out, and Hele landet / Region Hovedstaden are no kommune.
    assert set(r["dranst"]) == {1} and len(r) == 5 * 5 * 2


def test_suppressed_value_is_missing_not_zero(sb):
    row = _one(sb.regnskab, kommune="alleroed", aar=2024, funktion="5.28.23")
    assert np.isnan(row["udgift"])


def test_refusion_is_added_when_asked():
    r = S.read_regk31(FIXTURE / "REGK31.csv", dranst=(1, 2))
    f = r[(r["kommune"] == "furesoe") & (r["aar"] == 2024) & (r["funktion"] == "5.38.50")]
    assert f["udgift"].sum() == 64_000_000.0 - 1_200_000.0


def test_folk1a_first_quarter_totals_only(sb):
    pop = sb.befolkning
    fur = pop[(pop["kommune"] == "furesoe") & (pop["aar"] == 2024)]
    # 400 per age 0-99 on 1 January 2024 (2024K1); the 'Mænd' row is not added to 'I alt'.
    assert len(fur) == 100 and fur["antal"].sum() == 40_000
    assert fur.set_index("aldersgruppe").loc["30-30", "antal"] == 400
    f23 = pop[(pop["kommune"] == "furesoe") & (pop["aar"] == 2023)]
    assert f23["antal"].sum() == 39_000  # 2023K1, not 2023K2


def test_code_and_value_cp1252_and_english_quarters(tmp_path):
    text = ("OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD\n"
            "190 Furesø;53850;1;TOT;LOBM;2024;1.234,5\n"
            "173 Lyngby-Taarbæk;53852 5.38.52 Botilbud til midlertidigt ophold (§ 107);"
            "1 Driftskonti;TOT;LOBM;2024;-\n"
            "000 Hele landet;53850;1;TOT;LOBM;2024;99\n")
    path = tmp_path / "regk31.csv"
    path.write_bytes(text.encode("cp1252"))
    r = S.read_regk31(path)
    assert r["kommune"].tolist() == ["furesoe", "lyngby-taarbaek"]
    assert r["funktion"].tolist() == ["5.38.50", "5.38.52"]
    assert r["udgift"].tolist() == [1_234_500.0, 0.0]  # '-' is zero
    folk = tmp_path / "folk.csv"
    folk.write_text("OMRÅDE;ALDER;TID;INDHOLD\nFuresø Kommune;100 år og derover;2024Q1;7\n"
                    "Furesø Kommune;17;2024Q1;..\n", encoding="utf-8")
    p = S.read_folk(folk)
    assert p.set_index("aldersgruppe")["antal"].to_dict() == pytest.approx(
        {"100-125": 7.0, "17-17": np.nan}, nan_ok=True)


@pytest.mark.parametrize("line, column, words", [
    ("Furesø;5.38.50 X;1 Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;12a",
     "INDHOLD", "ikke et tal"),
    ("Fureso;5.38.50 X;1 Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;12",
     "OMRÅDE", "ikke en af de 98 kommuner"),
    ("Furesø;Botilbud;1 Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;12",
     "FUNKTION", "ikke en funktion"),
    ("Furesø;5.38.50 X;1 Driftskonti;I alt (netto);Løbende priser (1.000 kr.);år 2024;12",
     "TID", "ikke en periode"),
    ("Furesø;5.38.50 X;1 Driftskonti;I alt (netto);Faste priser;2024;12",
     "PRISENHED", "ikke en prisenhed"),
])
def test_errors_name_file_row_and_column(tmp_path, line, column, words):
    path = tmp_path / "REGK31.csv"
    good = "Allerød;5.38.50 X;1 Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;1"
    path.write_text(";".join(S.REGK31_COLUMNS) + "\n" + good + "\n" + line + "\n",
                    encoding="utf-8-sig")
    with pytest.raises(S.StatbankFejl) as err:
        S.read_regk31(path)
    text = str(err.value)
    assert str(path) in text and "række 3" in text and f"kolonnen {column}" in text
    assert words in text


def test_missing_column_and_folder_are_explained(tmp_path):
    path = tmp_path / "REGK31.csv"
    path.write_text("OMRÅDE;FUNKTION;TID;INDHOLD\nFuresø;53850;2024;1\n", encoding="utf-8")
    with pytest.raises(S.StatbankFejl, match="mangler kolonnen DRANST, ART, PRISENHED"):
        S.read_regk31(path)
    with pytest.raises(S.StatbankFejl, match="Mappen .* findes ikke"):
        S.read_folder(tmp_path / "nej", "REGK31.csv", "FOLK1A.csv")


def test_input_files_are_not_modified(tmp_path):
    before = {p.name: p.read_bytes() for p in FIXTURE.iterdir()}
    S.read_folder(FIXTURE, "REGK31.csv", "FOLK1A.csv")
    assert {p.name: p.read_bytes() for p in FIXTURE.iterdir()} == before


# --- the benchmark -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tal(sb):
    return B.per_inhabitant(sb.regnskab, sb.befolkning)


def test_per_inhabitant_hand_computed(tal):
    row = _one(tal, kommune="furesoe", aar=2024, funktion="5.38.50")
    # 18-64 år: 47 ages × 400 = 18,800; 0-17: 18 × 400 = 7,200; all 40,000.
    assert row["indbyggere_voksne"] == 18_800 and row["indbyggere_boern"] == 7_200
    assert row["udgift_pr_indbygger"] == pytest.approx(64e6 / 40_000)
    assert row["udgift_pr_voksen"] == pytest.approx(64e6 / 18_800)
    assert row["udgift_pr_maalgruppe"] == row["udgift_pr_voksen"]
    child = _one(tal, kommune="furesoe", aar=2024, funktion="5.28.23")
    assert child["udgift_pr_maalgruppe"] == pytest.approx(16e6 / 7_200)
    adults = _one(tal, kommune="furesoe", aar=2024, funktion="voksne")
    assert adults["udgift"] == 64e6 + 22e6 + 31e6  # 5.38.50 + 5.38.52 + 5.38.38
    everything = _one(tal, kommune="furesoe", aar=2024, funktion="i_alt")
    assert everything["udgift_pr_maalgruppe"] == pytest.approx((117e6 + 16e6) / 40_000)
    assert "3.22.01" not in set(tal["funktion"])  # not a social function


def test_a_suppressed_function_makes_its_totals_missing(tal):
    a = tal[(tal["kommune"] == "alleroed") & (tal["aar"] == 2024)].set_index("funktion")
    assert np.isnan(a.loc["5.28.23", "udgift"]) and np.isnan(a.loc["boern", "udgift"])
    assert np.isnan(a.loc["i_alt", "udgift"]) and a.loc["voksne", "udgift"] == 56_750_000


def test_compare_with_peers_region_and_country(tal):
    c = B.compare(tal, "furesoe", ["alleroed", "rudersdal"])
    c = c[c["funktion"] == "5.38.50"].set_index("niveau")
    # Peers: (31.25 + 84) mio. / (11,750 + 26,320) adults = 3,027.32 kr.
    assert c.loc["sammenligning", "udgift_pr_maalgruppe"] == pytest.approx(115.25e6 / 38_070)
    # Region Hovedstaden in the fixture: Furesø, Allerød, Rudersdal.
    assert c.loc["region", "udgift_pr_maalgruppe"] == pytest.approx(179.25e6 / 56_870)
    assert c.loc["landet", "antal_kommuner"] == 5
    own = c.loc["kommune"]
    assert own["placering"] == 5 and own["af_kommuner"] == 5  # the highest of five
    assert own["forskel_sammenligning"] == pytest.approx((64e6 / 18_800) / (115.25e6 / 38_070) - 1)


def test_reconcile_warns_beyond_the_limit(tal):
    months = pd.date_range("2024-01-01", "2024-12-01", freq="MS")
    bet = pd.DataFrame({
        "periode": list(months) * 2,
        "beloeb": [64e6 / 12] * 12 + [20e6 / 12] * 12,  # 5.38.50 agrees; 5.38.52 is 2 mio. short
        "funktion": ["5.38.50"] * 12 + ["5.38.52"] * 12,
    })
    r = B.reconcile(tal, bet, "furesoe", 2024, graense=0.05).set_index("funktion")
    assert r.loc["5.38.50", "forskel"] == pytest.approx(0.0, abs=1e-6)
    assert not r.loc["5.38.50", "advarsel"]
    assert r.loc["5.38.52", "forskel_andel"] == pytest.approx(-2 / 22)
    assert r.loc["5.38.52", "advarsel"] and "afviger" in r.loc["5.38.52", "bemaerkning"]
    # 5.38.38 has a published figure but no payments at all.
    assert r.loc["5.38.38", "egne_betalinger"] == 0 and r.loc["5.38.38", "advarsel"]
    short = B.reconcile(tal, bet[bet["periode"].dt.month <= 6], "furesoe", 2024, 0.05)
    assert short["bemaerkning"].str.contains("6 af årets 12").all()


def test_inhabitants_per_municipality_year_and_a_missing_count_makes_the_year_missing():
    # a 2024: 0-17: 100, 18-64: 470 (two bands), 65+: 350 -> 920 in all; a 2025 has a band
    # without a count ('..'), so its figures are missing, not low; b 2024: 10 + 47 = 57.
    bef = pd.DataFrame({
        "kommune": ["a"] * 7 + ["b"] * 2, "aar": [2024] * 4 + [2025] * 3 + [2024] * 2,
        "aldersgruppe": ["0-17", "18-24", "25-64", "65+", "0-17", "18-64", "65+", "0-17",
                         "18-64"],
        "antal": [100, 70, 400, 350, 100, np.nan, 350, 10, 47]})
    got = B.inhabitants(bef).set_index(["kommune", "aar"])
    assert got.loc[("a", 2024)].tolist() == [920, 470, 100]
    assert got.loc[("a", 2025)].isna().all()
    assert got.loc[("b", 2024)].tolist() == [57, 47, 10]
