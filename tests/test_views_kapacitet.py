"""The view of notebook 07 (kapacitet): figures with alt texts, display tables and what the
byråd's copy hides, the texts without tilbud, the panel and the headline results (drawn
headless, checked for content)."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from helpers import readouts
from test_kapacitet import IND0, small

from socialanalyse import kapacitet as K
from socialanalyse import noegletal as N
from socialanalyse import report
from socialanalyse.config import load_parameters
from socialanalyse.data import empty_table
from socialanalyse.views import kapacitet as V


@pytest.fixture(scope="module")
def results(sample):
    s, d = sample
    p = load_parameters("eksempelkommune")
    ind = V.settings(p)
    bel = K.occupancy(d, ind=ind)
    return {"data": d, "params": p, "ind": ind, "bel": bel, "planted": s.planted,
            "hjem": K.homecoming_candidates(d, ind, belaegning=bel),
            "selv": V.self_sufficiency(d, p, ind), "trappe": K.staircase(d, ind=ind),
            "behov": K.capacity_need(d, ind, V.forecast(d, p))}


def test_every_figure_draws_with_a_danish_alt_text(results):
    r = results
    t, kb = r["trappe"], r["behov"]
    year = V.flows_year(t)
    shown = V.need_paragraphs(kb, r["ind"])
    ss, samlet = r["selv"]
    pairs = [
        (V.occupancy_figure(r["bel"]), V.occupancy_alt(r["bel"])),
        (V.occupancy_figure(r["bel"], 5), V.occupancy_alt(r["bel"], 5)),
        (V.empty_cost_figure(r["bel"]), V.empty_cost_alt(r["bel"])),
        (V.homecoming_figure(r["hjem"]), V.homecoming_alt(r["hjem"])),
        (V.self_sufficiency_figure(ss, samlet), V.self_sufficiency_alt(ss, samlet)),
        (V.staircase_figure(t, 5), V.staircase_alt(t, 5)),
        (V.flows_figure(t, year, 5), V.flows_alt(t, year, 5)),
        (V.need_figure(kb, shown), V.need_alt(kb, shown)),
        (V.month_figure(r["bel"], r["bel"].maaned["maaned"].max(), "§108"),
         V.month_alt(r["bel"], r["bel"].maaned["maaned"].max(), "§108")),
    ]
    for fig, alt in pairs:
        assert fig.axes and alt.endswith(".") and ".." not in alt and "nan" not in alt
        plt.close(fig)
    assert "skjult (grå)" in V.occupancy_alt(r["bel"], 5) or not (
        (r["bel"].maaned["belagte_pladser"].between(0.5, 4.5)).any())
    assert year == 2025  # the extract ends 31.10.2026: 2025 is the last whole year


def test_the_heatmap_hides_months_with_few_residents(results):
    bel = results["bel"]
    fig = V.occupancy_figure(bel, 5)
    shown = fig.axes[0].images[0].get_array()
    residents = bel.maaned.pivot(index="tilbud_id", columns="maaned", values="belagte_pladser")
    few = ((residents > 0) & (residents < 5)).to_numpy().sum()
    assert shown.mask.sum() >= few > 0
    plt.close(fig)


def test_offer_table_hides_what_reveals_few_residents():
    # small(): T1 has 2 residents now, T2 one: both below 5, both hidden for the byråd.
    bel = K.occupancy(small(), ind=IND0)
    intern = V.offer_table(bel)
    assert intern["Beboere nu"].tolist() == [2, 1] and intern["Belægning"].notna().all()
    byraad = V.offer_table(bel, 5, med_pris=True)
    assert byraad["Belægning"].tolist() == [V.HIDDEN, V.HIDDEN]
    # T1's price comes from its grants (hidden), T2's from its own takst (shown).
    assert byraad["Pris pr. døgn"].tolist()[0] == V.HIDDEN
    assert byraad["Pris pr. døgn"].tolist()[1] == 2500
    assert V.hidden_offers(bel, 5) == {"T1", "T2"} and V.hidden_offers(bel, None) == set()
    h = K.homecoming_candidates(small(), IND0, belaegning=bel)
    offers = V.homecoming_offers_table(h, bel, 5)
    assert set(offers["Ledige nu"]) == {V.HIDDEN}
    assert V.homecoming_offers_table(h)["Ledige nu"].tolist() == [3, 1]


def test_offer_table_in_the_sample(results):
    t = V.offer_table(results["bel"])
    planted = results["planted"].families["kapacitet"]
    row = t[t["Tilbud"] == "Bofællesskabet Hybenhaven"].iloc[0]
    assert row["Pladser"] == planted.tomme_pladser and row["Beboere nu"] == planted.tomme_beboere
    assert row["Belægning"] == pytest.approx(0.75)
    assert list(t.columns) == ["Tilbud", "Paragraf", "Målgruppe", "Pladser", "Beboere nu",
                               "Belægning", "Tomme pladser (kr.)"]
    assert "Bofællesskabet Hybenhaven" in V.offer_note(results["bel"])


def test_step_down_table_hides_the_share_of_few_stays():
    t = K.staircase(small(), ind=IND0)
    # small() has no ended §107 stay judged at the end of 2025 except H (ended 30.06).
    table = V.step_down_table(t)
    assert table["Afsluttede ophold"].tolist() == [1]
    assert V.step_down_table(t, 5)["Andel"].tolist() == [V.HIDDEN]
    assert table["Opholdet sluttede i"].tolist() == ["2025"]


def test_transitions_table_holds_every_flow(results):
    t = results["trappe"]
    year = V.flows_year(t)
    table = V.transitions_table(t, year)
    counts = V.transition_counts(table)
    assert list(counts) == list(table.columns[1:])
    flows = t.overgange[t.overgange["aar"] == year]["antal"].sum()
    assert table[list(counts)].to_numpy().sum() == flows
    moves = t.bevaegelser.set_index("aar").loc[year]
    assert flows == moves[["op", "ned", "ud", "ind"]].sum()


def test_texts_without_tilbud_say_what_is_missing():
    d = small()
    d = dataclasses.replace(d, tilbud=empty_table("tilbud"),
                            bevillinger=d.bevillinger.assign(tilbud_id=None))
    bel = K.occupancy(d)
    h = K.homecoming_candidates(d)
    text = V.missing_text(bel, h, K.self_sufficiency(d))
    assert text.startswith("**Data mangler")
    # The same reason is given once, for both results it stops.
    assert text.count("tabellen tilbud") == 1
    assert "Belægningen i egne tilbud og hjemtagning til egne tilbud kan ikke vises" in text
    assert "indsatstrappen" in text
    assert V.missing_text(K.occupancy(small())) is None
    assert V.unavailable(bel).startswith("*Belægningen i egne tilbud kan ikke vises")


def test_settings_take_the_notebooks_choices():
    p = load_parameters("eksempelkommune")
    assert V.settings(p) == K.Indstillinger.fra(p)
    ind = V.settings(p, ledige_maaneder=6, marginal_andel=[0.3, 0.6])
    assert ind.ledige_maaneder == 6 and ind.marginal_andel == (0.3, 0.6)
    with pytest.raises(ValueError, match="marginal_andel skal være"):
        V.settings(p, marginal_andel=[0.6, 0.3])
    with pytest.raises(ValueError, match="mindst 1 måned"):
        V.settings(p, ledige_maaneder=0)


def test_short_names_fall_back_to_the_whole_name_when_they_clash():
    t = pd.DataFrame({"navn": ["Engen, botilbud", "Engen, bofællesskab", "Skovly, botilbud"],
                      "paragraf": ["§108", "§108", "§107"]})
    assert V.short_names(t).tolist() == ["Engen, botilbud", "Engen, bofællesskab", "Skovly"]


def test_need_shows_the_botilbud_and_every_signal_but_hold(results):
    kb, ind = results["behov"], results["ind"]
    shown = V.need_paragraphs(kb, ind)
    first = kb.behov.sort_values("aar").groupby("paragraf").first()
    assert set(ind.selvforsyning_maal) <= set(shown)
    assert set(first.index[first["signal"] != "hold"]) <= set(shown)
    sentences = V.need_sentences(kb, shown)
    assert len(sentences) == len(shown)
    assert all(s.startswith(("**§", "**BL")) for s in sentences)
    table = V.need_table(kb)
    assert set(table["Paragraf"]) == set(kb.behov["paragraf"]) and table["Signal"].notna().all()


def test_panel_recomputes(results):
    r = results
    panel = V.Panel(r["data"], r["bel"], r["ind"], draw=False)
    assert panel.paragraf.value == "§108"
    base = panel.hjemtagning.besparelse_hoej
    assert "20–50 %" in panel.tekst and panel.andel_tekst.value == "20–50 %"
    panel.andel.value = [40, 60]
    assert panel.hjemtagning.besparelse_hoej < base
    assert panel.andel_tekst.value == "40–60 %" and "40–60 %" in panel.tekst
    before = panel.hjemtagning.antal
    panel.maaneder.value = 12
    assert panel.hjemtagning.antal <= before and panel.maaneder_tekst.value == "12 måneder"
    assert readouts(panel.widget) == {"Variabel andel af egen pris": "40–60 %",
                                      "Ledige måneder i træk, mindst": "12 måneder"}
    months = V.month_options(r["bel"])
    panel.month.value = months[5][1]
    assert months[5][0] in panel.tekst


def test_headline_results_and_one_definition_of_self_sufficiency(results, tmp_path):
    r = results
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="07_kapacitet",
                 parametre=r["params"], data=r["data"])
    stored = report.record_all(V.headline_results(r["bel"], r["hjem"], r["selv"], r["trappe"],
                                                  r["behov"]))
    nt = N.compute(r["data"], r["params"])
    assert stored["selvforsyningsgrad_botilbud"] == pytest.approx(nt.vaerdi("selvforsyningsgrad"))
    assert stored["hjemtagning_besparelse_lav"] == pytest.approx(r["hjem"].besparelse_lav)
    assert stored["tilbud_fulde_med_eksterne"] >= 1  # the planted full §107 offer
    assert stored["kapacitet_signal"]["§107"] == K.SIGNALER["invester"]
    assert 0 < stored["belaegning_gns"] < 1.5
    meta = report.load_results(tmp_path)["_meta"]["07_kapacitet"]
    assert meta["hjemtagning_antal"]["enhed"] == "borgere"
    assert report.check_byraad_results(report.load_results(tmp_path), 5) == []
    # Without tilbud only what the data can give is recorded.
    d = dataclasses.replace(small(), tilbud=empty_table("tilbud"))
    out = V.headline_results(K.occupancy(d), K.homecoming_candidates(d),
                             V.self_sufficiency(d, r["params"], r["ind"]),
                             K.staircase(d), K.IkkeTilgaengelig("Behov", "ingen tilbud"))
    assert "hjemtagning_antal" not in out and "selvforsyningsgrad_botilbud" in out
