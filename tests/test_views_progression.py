"""The view of notebook 02: the plain-Danish interpretation, the figures, the explorer callback
and the headline results."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from test_progression_intervention import START, small_municipality

from socialanalyse.progression import Estimate, Indsats, did_means, outcome_options
from socialanalyse.views import progression as plots
from socialanalyse.views.progression import (
    design_warnings,
    interpret,
    intervention_explorer,
    intervention_view,
    success_text,
)
from socialanalyse.views.progression.widgets import option_label


@pytest.fixture
def data():
    return small_municipality()


def est(e, lo, hi, design, n=100) -> Estimate:
    return Estimate(e, 0.1, lo, hi, 0.01, n, "x", design)


def test_did_improvement_in_words():
    text = interpret(est(-0.48, -0.72, -0.24, "did", 142), udfald="niveauet for Egenomsorg",
                     antal_indsats=22, antal_sammenligning=120, std_forskel_foer=0.1)
    assert text.startswith(
        "Hos borgerne i indsatsen blev niveauet for Egenomsorg i gennemsnit forbedret med 0,48 "
        "niveau mere end i sammenligningsgruppen (95 %-konfidensinterval: en forbedring på "
        "mellem 0,24 og 0,72 niveau)."
    )
    assert "kun hvis de to grupper ville have udviklet sig ens" in text
    assert "Bemærk" not in text  # 22 and 120 citizens, balanced groups: no warning


def test_interval_across_zero_and_worsening():
    text = interpret(est(0.12, -0.18, 0.42, "grupper"), udfald="niveauet for Egenomsorg")
    assert "0,12 niveau dårligere i indsatsgruppen" in text
    assert "fra en forværring på 0,42 til en forbedring på 0,18 niveau" in text
    assert "ikke skelne resultatet fra ingen forskel" in text
    worse = interpret(est(0.5, 0.2, 0.8, "did"), udfald="niveauet")
    assert "0,50 niveau dårligere end i sammenligningsgruppen" in worse
    assert "en forværring på mellem 0,20 og 0,80 niveau" in worse


def test_weak_designs_are_flagged():
    before_after = interpret(est(-0.45, -0.68, -0.22, "foer_efter", n=12))
    assert "Bemærk: svagt design: før/efter-måling uden sammenligningsgruppe." in before_after
    assert "få borgere i alt (12 borgere)" in before_after
    unbalanced = design_warnings(est(-0.4, -0.6, -0.2, "did"), antal_indsats=30,
                                 antal_sammenligning=3, std_forskel_foer=-0.6, diskretion=5)
    assert any("i sammenligningsgruppen (færre end 5 borgere)" in w for w in unbalanced)
    assert any("standardiseret forskel -0,60" in w for w in unbalanced)
    assert not any("i indsatsen (" in w for w in unbalanced)  # 30 treated is enough


def test_rate_in_words():
    text = interpret(est(1 / 3, 0.0948, 0.9648, "rate", 20), udfald="antallet af nye forløb")
    assert text.startswith("Antallet af nye forløb faldt med 67 % efter starten (rateratio 0,33;")
    assert "et fald på mellem 4 % og 91 %" in text
    assert "svagt design" in text
    up = interpret(est(1.5, 0.8, 2.9, "rate"), udfald="antallet")
    assert "steg med 50 %" in up and "fra et fald på 20 % til en stigning på 190 %" in up


def test_success_text():
    assert success_text("opfyldt", 0.3).startswith(
        "Succeskriteriet (en forbedring på mindst 0,30 niveau) er opfyldt")
    assert "et fald på mindst 30 %" in success_text("usikkert", 0.3, rate=True)
    assert "ikke opfyldt" in success_text("ikke opfyldt", 0.3)


def test_figures_draw_what_they_say():
    tidy = pd.DataFrame({"y": [3, 1, 2, 2], "t": [1, 1, 0, 0], "p": [0, 1, 0, 1]})
    cells = did_means(tidy, "y", "t", "p")
    fig = plots.did_figure(cells, est(-2, -3, -1, "did"), "Egenomsorg")
    ax = fig.axes[0]
    lines = {ln.get_label(): list(ln.get_ydata()) for ln in ax.get_lines()}
    assert lines["Indsats"] == [3, 1] and lines["Sammenligningsgruppe"] == [2, 2]
    # Without effect the intervention group would have stayed at 3 (comparison unchanged).
    assert lines["Indsats uden effekt (som sammenligningsgruppen)"] == [3, 3]
    # centred by default, left once report.setup has applied the theme (in another test)
    assert "Forskel-i-forskelle: Egenomsorg" in (ax.get_title(), ax.get_title("left"))
    shares = pd.DataFrame({"g": ["A", "B"], "antal_borgere": [10, 3], "andel_progression": [.2, .5],
                           "andel_stabil": [.7, .5], "andel_regression": [.1, 0]})
    fig = plots.shares_figure(shares, "g", "Udvikling", min_antal=5)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A"]
    assert "1 gruppe med små tal" in fig.axes[0].get_xlabel()
    fig = plots.estimates_figure({"DiD": est(-0.5, -0.8, -0.2, "did")}, kriterie=0.3)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["DiD"]
    matplotlib.pyplot.close("all")


def test_intervention_view_callback(data):
    view = intervention_view(data, Indsats(START, tilbud_id="T1"), "Egenomsorg")
    # As in test_progression_intervention: DiD −0.95 with 5 + 4 citizens (few: warned).
    assert view.result.did.estimate == pytest.approx(-0.95)
    assert "forbedret med 0,95 niveau" in view.tekst
    assert "få borgere i indsatsen (5 borgere)" in view.tekst
    assert view.figur is not None
    bad = intervention_view(data, Indsats(START, tilbud_id="T9"), "Egenomsorg")
    assert bad.result is None and bad.figur is None
    assert bad.tekst.startswith("Kan ikke beregnes: ingen bevillinger matcher indsatsen")
    matplotlib.pyplot.close("all")


def test_explorer_builds_and_options(data):
    from socialanalyse.config import load_parameters
    from socialanalyse.progression import intervention_options
    from socialanalyse.report.widgets import LABEL_WIDTH

    options = intervention_options(data, START)
    assert option_label(options.iloc[0]) == "§107 – Indsatsen – Tilbud 1 (5 borgere)"
    assert outcome_options()[:2] == ["samlet", "Relationer"]
    params = load_parameters("eksempelkommune").progression
    box = intervention_explorer(data, params, min_antal=1)
    # Indsats, udfald, sammenligning and matching in rows with one label width, then the output.
    assert len(box.children) == 5
    assert {c.style.description_width for c in box.children[:4]} == {LABEL_WIDTH}
    matplotlib.pyplot.close("all")


def test_setup_classification_and_duration_texts(data):
    from socialanalyse.config import load_parameters
    from socialanalyse.progression import compare_durations, median_durations, settings, stays
    from socialanalyse.views.progression import (
        classification_text,
        describe_setup,
        duration_text,
        outcome_phrase,
        paragraph_key,
    )

    p = settings(load_parameters("eksempelkommune").progression, tilbud_id="T1",
                 startdato="2024-01-01")
    text = describe_setup(p, data.leverandoerer, data.tilbud)
    assert text.startswith("**Indsats:** i tilbuddet Tilbud 1 (T1) fra 1. januar 2024.")
    assert "mindst 0,30 niveau mere end i sammenligningsgruppen" in text
    assert outcome_phrase("samlet") == "det samlede niveau"
    samlet = pd.DataFrame({"mindste_aendring": [0.77, 0.77]})
    assert "et fald på mindst 0,77 niveau" in classification_text(p, samlet)
    minimum = settings(p).model_copy(update={"klassifikation": "minimum"})
    assert "faldet mindst 1,0 niveau" in classification_text(minimum, samlet)
    st = stays(data.bevillinger, "§107", "2025-12-31")
    varighed = compare_durations(st, "2024-01-01")
    words = duration_text(varighed, median_durations(st), "§107")
    # Only x2's stay has ended (1 of 10): no median is reached, before or after.
    assert words.startswith("Mere end halvdelen af forløbene i §107 er stadig i gang")
    assert "medianen ikke nået endnu" in words
    assert "log-rank-test, p-værdi " in words and "1. januar 2024" in words
    assert paragraph_key("§107") == "107" and paragraph_key("§105+85") == "105_85"


def test_headline_results_label_and_declare_the_figures(data, tmp_path):
    from socialanalyse import report
    from socialanalyse.config import load_parameters
    from socialanalyse.progression import (
        compare_durations,
        goal_attainment,
        median_durations,
        progression_shares,
        sensitivity,
        settings,
        stays,
    )

    parametre = load_parameters("eksempelkommune")
    p = settings(parametre.progression, tilbud_id="T1", startdato="2024-01-01",
                 sammenligning="paragraf")
    chosen, _ = sensitivity(data, p)
    st = stays(data.bevillinger, "§107", "2025-12-31")
    varighed = compare_durations(st, "2024-01-01")
    shares = progression_shares(pd.DataFrame({"borger_id": ["a", "b"],
                                              "udvikling": ["progression", "stabil"]}))
    maal = pd.DataFrame({"maaltype": ["Udvikle"] * 3, "status": ["opnået", "ikke opnået",
                                                                 "igangværende"]})
    out = plots.headline_results(chosen, "opfyldt", shares, varighed, "§107",
                                 median_durations(st), maal=goal_attainment(maal))
    assert out["effekt"].value == pytest.approx(-0.95) and out["succes"].value == "opfyldt"
    assert out["andel_progression"].value == 0.5 and out["andel_maal_opnaaet"].value == 0.5
    assert out["antal_borgere_indsats"].value == 5 and "median_varighed_107" in out
    assert out["median_varighed_107"].label == "Median varighed i §107 (dage)"
    assert "rateratio_antal" not in out  # no count given
    assert {k for k, h in out.items() if h.enhed in report.COUNT_KINDS} == {
        "antal_borgere_indsats", "antal_borgere_sammenligning"}
    # The byråd's copy: 5 citizens in the intervention stay (not below 5), and the record
    # refuses nothing, since every integer is declared.
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="02_effekt_og_progression",
                 parametre=parametre, data=data)
    stored = report.record_all(out)
    assert stored["antal_borgere_indsats"] == 5
    assert report.check_byraad_results(report.load_results(tmp_path), 5) == []
