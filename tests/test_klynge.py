"""Klynge: hand-computed cluster functions on a three-member fixture, the aggregate builder's
privacy (no ids, no small counts; a leak is rejected) and the cluster parameter files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import kapacitet
from socialanalyse import klynge as K
from socialanalyse.config import ParameterFejl, load_klynge, load_parameters
from socialanalyse.report.checks import forbidden_ids, id_columns

REPO = Path(__file__).resolve().parents[1]
A, B, C = "holstebro", "herning", "struer"


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(K.FORMAT[table]))


def _priser() -> pd.DataFrame:
    base = {"paragraf": "§108", "enhed": "doegn", "niveau": 3, "leverandoertype": "privat",
                "diskretioneret": False, "antal_bevillinger": np.nan, "antal_borgere": np.nan}
    return _frame("priser", [
        # The same provider, written three ways by three members.
        {**base, "kommune": A, "aar": 2025, "leverandoer": "Bostedet Lyng ApS",
         "gennemsnitspris": 2000.0, "udgift": 730_000.0},
        {**base, "kommune": B, "aar": 2025, "leverandoer": "Bostedet  Lyng",
         "gennemsnitspris": 2500.0, "udgift": 1_825_000.0},
        {**base, "kommune": C, "aar": 2025, "leverandoer": "bostedet lyng aps",
         "gennemsnitspris": 3000.0, "udgift": 1_095_000.0},
        # An earlier year (not the latest) and a provider only one member uses: left out.
        {**base, "kommune": A, "aar": 2024, "leverandoer": "Bostedet Lyng ApS",
         "gennemsnitspris": 9999.0, "udgift": 1.0},
        {**base, "kommune": B, "aar": 2025, "leverandoer": "Kun Herning A/S",
         "gennemsnitspris": 4000.0, "udgift": 400_000.0},
    ])


def test_price_spread_weighted_median_and_savings():
    out = K.price_spread(_priser())
    assert len(out) == 3 and set(out["kommune"]) == {A, B, C}
    # Units bought: 730,000/2,000 = 365, 1,825,000/2,500 = 730, 1,095,000/3,000 = 365 døgn.
    # Cumulative weights 365, 1,095, 1,460; half = 730 is first reached at 2,500 kr.
    assert (out["klynge_median"] == 2500.0).all()
    assert (out["laveste"] == 2000.0).all() and (out["hoejeste"] == 3000.0).all()
    assert out["spredning"].iloc[0] == pytest.approx(0.5)
    saving = out.set_index("kommune")["besparelse"]
    # Struer: 1,095,000 × (1 - 2,500/3,000) = 182,500; Herning pays the median, Holstebro less.
    assert saving[C] == pytest.approx(182_500.0)
    assert saving[A] == 0.0 and saving[B] == 0.0
    assert (out["antal_medlemmer"] == 3).all()
    assert out["niveau"].iloc[0] == 3


def test_price_spread_needs_min_members():
    assert K.price_spread(_priser(), min_medlemmer=4).empty


def test_weighted_median_exact_half_takes_the_mean():
    assert K.weighted_median(np.array([4, 1, 3, 2]), np.ones(4)) == 2.5
    assert K.weighted_median(np.array([10.0, 20.0]), np.array([3.0, 1.0])) == 10.0
    assert np.isnan(K.weighted_median(np.array([1.0]), np.array([0.0])))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                max_size=30))
def test_weighted_median_with_equal_weights_is_the_median(values):
    v = np.array(values)
    assert K.weighted_median(v, np.ones(len(v))) == pytest.approx(float(np.median(v)))


def _kapacitet() -> pd.DataFrame:
    row = {"kommune": A, "tilbud": "Botilbud Vest", "paragraf": "§107", "maalgruppe": "Sindslidelse",
               "pladser": 10, "aarspris": 800_000.0, "diskretioneret": False}
    return _frame("kapacitet", [
        {**row, "maaned": pd.Timestamp("2025-05-31"), "belagte_pladser": 10, "ledige_pladser": 0},
        {**row, "maaned": pd.Timestamp("2025-06-30"), "belagte_pladser": 7, "ledige_pladser": 3},
    ])


def _eksterne() -> pd.DataFrame:
    row = {"paragraf": "§107", "maalgruppe": "Sindslidelse", "diskretioneret": False}
    return _frame("eksterne_koeb", [
        {**row, "kommune": A, "antal_borgere": 5, "aarspris": 1_200_000.0},  # its own: no match
        {**row, "kommune": B, "antal_borgere": 6, "aarspris": 1_100_000.0},
        {**row, "kommune": C, "antal_borgere": np.nan, "aarspris": 1_000_000.0,
         "diskretioneret": True},
        {**row, "kommune": C, "maalgruppe": "Autisme", "antal_borgere": 8, "aarspris": 2e6},
    ])


def test_capacity_match_one_pair_with_yearly_saving():
    out = K.capacity_matches(_kapacitet(), _eksterne(), threshold=5)
    # Holstebro's 3 free places (latest month) go to the dearest other member's purchases:
    # Herning at 1,100,000 kr a year; saving 3 × (1,100,000 - 800,000) = 900,000 kr.
    assert len(out) == 1
    r = out.iloc[0]
    assert (r["udbyder"], r["koeber"], r["tilbud"]) == (A, B, "Botilbud Vest")
    assert r["pladser"] == 3 and r["aarlig_besparelse"] == pytest.approx(900_000.0)
    assert not r["usikker"]


def test_capacity_match_uses_safe_bounds_for_suppressed_counts():
    kap = _kapacitet()
    kap.loc[1, ["belagte_pladser", "ledige_pladser"]] = np.nan  # 1-4 occupied: hidden
    ext = _eksterne()
    ext = ext[ext["kommune"] == C]
    out = K.capacity_matches(kap, ext, threshold=5)
    # Occupied under 5 on average: at least 10 - 5 = 5 whole free places; Struer's hidden
    # count is taken as 1.
    assert out["pladser"].tolist() == [1] and out["usikker"].all()
    assert out["aarlig_besparelse"].iloc[0] == pytest.approx(200_000.0)


def _forbrug() -> pd.DataFrame:
    def row(kommune, aar, leverandoer, udgift, pris, typ="privat"):
        return {"kommune": kommune, "aar": aar, "maaneder": 12, "leverandoer": leverandoer,
                    "leverandoertype": typ, "paragraf": "§108", "enhed": "doegn", "udgift": udgift,
                    "pris_pr_enhed": pris, "diskretioneret": False}
    return _frame("forbrug", [
        row(A, 2024, "Bostedet Lyng ApS", 1_000_000.0, 2000.0),
        row(A, 2025, "Bostedet Lyng ApS", 1_100_000.0, 2200.0),
        row(B, 2024, "Bostedet Lyng", 1_000_000.0, 2000.0),
        row(B, 2025, "Bostedet Lyng", 1_300_000.0, 2600.0),
        row(C, 2024, "Privat B", 500_000.0, 1000.0),
        row(C, 2025, "Privat B", 500_000.0, 1000.0),
        row(A, 2025, "Egen Bo", 500_000.0, 1500.0, "egen drift"),
    ])


def test_market_weight_share_and_trend():
    out = K.market_weight(_forbrug()).set_index(["noegle", "aar"])
    lyng = out.loc[("bostedet lyng", 2025)]
    # 2025: Lyng 1.1 + 1.3 = 2.4 mio. of external purchases 2.4 + 0.5 = 2.9 mio.
    assert lyng["udgift"] == pytest.approx(2_400_000.0)
    assert lyng["andel"] == pytest.approx(2.4 / 2.9)
    assert lyng["udvikling"] == pytest.approx(0.2) and lyng["antal_medlemmer"] == 2
    assert np.isnan(out.loc[("egen bo", 2025), "andel"])
    assert np.isnan(out.loc[("bostedet lyng", 2024), "udvikling"])


def test_market_weight_trend_only_between_complete_years():
    f = _forbrug()
    f.loc[f["aar"] == 2025, "maaneder"] = 6
    out = K.market_weight(f).set_index(["noegle", "aar"])
    assert not out.loc[("bostedet lyng", 2025), "helt_aar"]
    assert np.isnan(out.loc[("bostedet lyng", 2025), "udvikling"])


def test_takst_development_against_index_and_cap():
    out = K.takst_development(_forbrug(), prisindeks=0.025, takstloft=0.0)
    lyng = out[(out["noegle"] == "bostedet lyng")].set_index("aar")
    # Units: 2024 500 + 500 at 2,000; 2025 500 at 2,200 + 500 at 2,600 -> 2,400 kr: +20 %.
    assert lyng.loc[2024, "pris"] == pytest.approx(2000.0)
    assert lyng.loc[2025, "pris"] == pytest.approx(2400.0)
    assert lyng.loc[2025, "aendring"] == pytest.approx(0.2)
    assert lyng.loc[2025, "over_indeks"] and lyng.loc[2025, "over_loft"]
    b = out[(out["noegle"] == "privat b")].set_index("aar")
    assert b.loc[2025, "aendring"] == 0.0 and not b.loc[2025, "over_indeks"]
    assert K.takst_development(_forbrug(), 0.025)["over_loft"].isna().all()


def test_key_figure_benchmark_against_the_cluster_median():
    rows = [{"kommune": k, "aar": 2025, "noegletal": "selvforsyningsgrad", "gruppe": "",
                 "navn": "Selvforsyningsgrad på botilbud", "enhed": "andel", "vaerdi": v,
                 "diskretioneret": False} for k, v in ((A, 0.8), (B, 0.9), (C, 0.6))]
    rows.append({**rows[0], "aar": 2026, "vaerdi": 0.1})  # only one member has 2026
    out = K.key_figure_benchmark(_frame("noegletal", rows)).set_index("kommune")
    assert (out["aar"] == 2025).all() and (out["klynge_median"] == 0.8).all()
    assert out.loc[B, "forskel"] == pytest.approx(0.125)
    assert out.loc[C, "forskel"] == pytest.approx(-0.25)


def test_provider_key_matches_spellings():
    keys = K.provider_key(pd.Series(["Bostedet Lyng ApS", "bostedet  lyng", "BOSTEDET LYNG A/S",
                                     "Bostedet Lyng, aps"]))
    assert keys.nunique() == 1 and keys.iloc[0] == "bostedet lyng"


# --- the aggregates of one municipality ------------------------------------------------------

@pytest.fixture(scope="module")
def built(sample):
    _, data = sample
    params = load_parameters("eksempelkommune", root=REPO)
    return data, params, K.build_aggregater(data, params)


def test_aggregates_follow_the_format(built):
    _, params, agg = built
    for name, frame in agg.tables().items():
        assert list(frame.columns) == list(K.FORMAT[name]), name
        assert (frame["kommune"] == params.kommune).all()
    assert agg.metadata["version"].iloc[0] == K.AGGREGAT_VERSION
    assert len(agg.forbrug) and len(agg.priser) and len(agg.kapacitet) and len(agg.noegletal)
    assert K.format_table()["tabel"].nunique() == len(K.FORMAT)


def test_aggregates_have_no_ids_and_no_small_counts(built):
    data, params, agg = built
    ids = forbidden_ids(data)
    t = params.diskretion
    for name, frame in agg.tables().items():
        assert id_columns(frame, ids) == [], name
        text = frame.astype(str).to_numpy().ravel()
        assert not set(text) & ids, name
        for column in K.COUNT_COLUMNS:
            if column in frame:
                n = pd.to_numeric(frame[column], errors="coerce")
                assert not ((n > 0) & (n < t)).any(), (name, column)
    assert agg.forbrug["diskretioneret"].any()  # the small sample has small cells
    hidden = agg.forbrug[agg.forbrug["diskretioneret"]]
    assert hidden["antal_borgere"].isna().all() and hidden["helaarspersoner"].isna().all()
    assert K.aggregate_problems(agg, t, ids) == []


def test_capacity_aggregate_is_the_kapacitet_workbooks_occupancy(built, sample):
    """One definition: places, occupied and empty places per month are workbook 07's
    (kapacitet.occupancy), the price per place its price per place-day × 365.25."""
    data, params, agg = built
    bel = kapacitet.occupancy(data, params.klynge.belaegning_maaneder,
                              kapacitet.Indstillinger.fra(params))
    own = bel.maaned.assign(maaned=bel.maaned["maaned"] + pd.offsets.MonthEnd(0))
    both = agg.kapacitet.merge(own, left_on=["tilbud", "maaned"], right_on=["navn", "maaned"],
                               suffixes=("", "_07"), validate="one_to_one")
    assert len(both) == len(agg.kapacitet) == len(own) == len(data.tilbud) * 12
    assert (both["pladser"] == both["pladser_07"]).all()
    shown = ~both["diskretioneret"]
    assert shown.sum() > len(both) / 2 and both.loc[~shown, "belagte_pladser"].isna().all()
    assert both.loc[shown, "belagte_pladser"].to_numpy() == pytest.approx(
        both.loc[shown, "belagte_pladser_07"].round(1).to_numpy())
    assert both.loc[shown, "ledige_pladser"].to_numpy() == pytest.approx(
        both.loc[shown, "tomme_pladser"].round(1).to_numpy())
    price = both["tilbud_id"].map(bel.tilbud.set_index("tilbud_id")["pris_pr_doegn"]) * 365.25
    assert both["aarspris"].to_numpy() == pytest.approx(price.to_numpy())
    # By hand: the planted offer at 75 % occupancy every day, its takst 2,400 kr. a day.
    planted = sample[0].planted.families["kapacitet"]
    offer = data.tilbud.set_index("tilbud_id").loc[planted.tomme_tilbud]
    rows = agg.kapacitet[agg.kapacitet["tilbud"] == offer["navn"]]
    assert (rows["pladser"] == planted.tomme_pladser).all()
    assert (rows["belagte_pladser"] == planted.tomme_beboere).all()
    assert (rows["ledige_pladser"] == planted.tomme_pladser - planted.tomme_beboere).all()
    assert rows["aarspris"].to_numpy() == pytest.approx([2400 * 365.25] * len(rows))


def test_a_single_hidden_cell_cannot_be_derived_from_the_total(built):
    _, _, agg = built
    f = agg.forbrug
    for _, year in f.groupby("aar"):
        assert year["diskretioneret"].sum() != 1


def test_leaks_are_rejected(built):
    data, params, agg = built
    t = params.diskretion
    ids = forbidden_ids(data)
    one_id = min(ids)
    # A small count shown.
    small = agg.forbrug.copy()
    row = small.index[~small["diskretioneret"]][0]
    small.loc[row, "antal_borgere"] = 2
    leak = K.Aggregater(**{**agg.tables(), "forbrug": small})
    with pytest.raises(K.AggregatFejl, match="under diskretionsgrænsen"):
        K.check_aggregater(leak, t, ids)
    # An id column slipped in.
    with_id = agg.priser.assign(borger_id=one_id)
    with pytest.raises(K.AggregatFejl, match="borger_id hører ikke til formatet"):
        K.check_aggregater(K.Aggregater(**{**agg.tables(), "priser": with_id}), t, ids)
    # An id as a value in a documented column.
    named = agg.kapacitet.copy()
    named.loc[named.index[0], "tilbud"] = one_id
    with pytest.raises(K.AggregatFejl, match="ligner id'er"):
        K.check_aggregater(K.Aggregater(**{**agg.tables(), "kapacitet": named}), t, ids)
    # A count shown in a suppressed row.
    shown = agg.forbrug.copy()
    hidden_row = shown.index[shown["diskretioneret"]][0]
    shown.loc[hidden_row, "helaarspersoner"] = 1.3
    with pytest.raises(K.AggregatFejl, match="diskretionerede rækker"):
        K.check_aggregater(K.Aggregater(**{**agg.tables(), "forbrug": shown}), t, ids)


def test_combine_concatenates_members(built):
    _, _, agg = built
    other = K.Aggregater(**{n: f.assign(kommune="furesoe") for n, f in agg.tables().items()})
    both = K.combine([agg, other])
    assert len(both.priser) == 2 * len(agg.priser)
    assert set(both.metadata["kommune"]) == {"eksempelkommune", "furesoe"}


# --- cluster parameter files -----------------------------------------------------------------

def test_example_cluster_file_loads():
    k = load_klynge("vestklyngen", root=REPO)
    assert k.navn == "Vestklyngen" and len(k.medlemmer) == 6
    assert k.maal.takstloft == 0.0 and k.min_medlemmer == 2 and k.foraeldet_dage == 60


def test_cluster_file_errors_name_file_and_key(tmp_path):
    folder = tmp_path / "parameters"
    (folder / "klynger").mkdir(parents=True)
    shutil.copy(REPO / "parameters" / "default.yaml", folder / "default.yaml")
    (folder / "klynger" / "x.yaml").write_text(
        "navn: X\nmedlemmer: [furesoe, furesø]\nmaal: {takstlof: 0.1}\n", encoding="utf-8")
    with pytest.raises(ParameterFejl) as err:
        load_klynge("x", root=tmp_path)
    text = str(err.value)
    assert "x.yaml" in text and "'medlemmer'" in text and "Mente du 'furesoe'" in text
    assert "'maal.takstlof' ukendt nøgle" in text
    with pytest.raises(ParameterFejl, match="ingen klyngefil .*y.yaml. Klyngerne er: x"):
        load_klynge("y", root=tmp_path)
    (folder / "klynger" / "z.yaml").write_text("navn: Z\nmedlemmer: [furesoe]\n",
                                               encoding="utf-8")
    with pytest.raises(ParameterFejl, match="'medlemmer'"):
        load_klynge("z", root=tmp_path)


def test_data_readme_holds_the_current_aggregate_format():
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- aggregater:start -->\n", "<!-- aggregater:slut -->"
    assert text[text.index(start) + len(start):text.index(end)] == K.format_markdown()


def test_match_text_counts_only_the_savings_of_cheaper_own_offers():
    from socialanalyse.views import klynge as view

    match = pd.DataFrame({"aarlig_besparelse": [1_899_300.0, 300_000.0, -50_000.0]})
    text = view.match_text(match)
    # 1,899,300 + 300,000 = 2,199,300; the dearer own offer is counted, not netted.
    assert "de 2, hvor det egne tilbud er billigst, sparer brugt fuldt ud 2,2 mio. kr." in text
    assert "I 1 match er det egne tilbud dyrere" in text
    only_dearer = view.match_text(match.iloc[[2]])
    assert "sparer" not in only_dearer and "I 1 match" in only_dearer
