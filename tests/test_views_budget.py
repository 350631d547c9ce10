"""The view of notebook 04 (budget og prognose): figures, texts, tables, the panel and the
headline results (drawn headless, checked for content)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from helpers import readouts

from socialanalyse import budget as B
from socialanalyse import report
from socialanalyse.config import load_parameters
from socialanalyse.views import budget as V


@pytest.fixture(scope="module")
def results(sample):
    _, d = sample
    p = load_parameters("eksempelkommune")
    ind = B.Indstillinger.fra(p)
    fr = B.expected_year_end(d, ind=ind)
    v = B.variance(B.differentiated_budget(d, fr.aar, ind), fr)
    return {"data": d, "params": p, "ind": ind, "fr": fr, "v": v,
            "causes": B.causes(d, ind=ind), "cd": B.cost_drivers(d, ind=ind),
            "frem": B.forecast(d, ind, fr)}


def test_waterfall_labels_and_alt_text():
    v = pd.DataFrame({"budget": [4000.0], "maengde": [0.0], "pris": [60.0], "mix": [800.0],
                      "forventet": [4860.0]}, index=["I alt"])
    fig = V.waterfall_figure(v)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["Budget", "Mængde", "Pris", "Mix", "Forventet"]
    # The bars end where the steps lead: 4,000 + 0 + 60 + 800 = 4,860.
    tops = [p.get_y() + p.get_height() for p in fig.axes[0].patches]
    assert tops[-1] == pytest.approx(4860) and tops[3] == pytest.approx(4860)
    plt.close(fig)
    assert "mixeffekt" in V.waterfall_alt(v)


def test_every_figure_draws_with_alt_text(results):
    r = results
    by_month = B.expected_by_month(r["data"], ind=r["ind"]).tail(3)
    pairs = [
        (V.expected_figure(r["fr"]), V.expected_alt(r["fr"])),
        (V.waterfall_figure(r["v"]), V.waterfall_alt(r["v"])),
        (V.cost_drivers_figure(r["cd"]), V.cost_drivers_alt(r["cd"])),
        (V.forecast_figure(r["frem"], B.scenario(r["frem"], 0.02)), V.forecast_alt(r["frem"])),
        (V.expected_by_month_figure(by_month), V.expected_by_month_alt(by_month)),
    ]
    for fig, alt in pairs:
        assert fig.axes and alt and ".." not in alt
        plt.close(fig)


def test_explanations_name_causes(results):
    r = results
    texts = V.explanations(r["v"], r["causes"], n=2)
    pq = "§85"
    first = texts[0]
    assert first.startswith((f"**{pq}**", "**§108**"))
    assert any("Største bevægelser" in t and "hos" in t for t in texts[:2])
    aggregated = V.explanations(r["v"], r["causes"], ids=False)
    ids = set(r["data"].bevillinger["bevilling_id"])
    assert not any(i in t for t in aggregated for i in ids)


def test_tables_for_display(results):
    r = results
    t = V.afvigelse_table(r["v"])
    assert t.iloc[-1]["linje"] == "I alt"
    assert t.iloc[-1]["afvigelse"] == pytest.approx(r["v"]["afvigelse"].sum())
    assert V.expected_table(r["fr"]).iloc[-1]["linje"] == "I alt"
    assert V.cost_drivers_table(r["cd"]).iloc[0]["linje"] == "I alt"
    assert list(V.causes_table(r["causes"]))[:3] == ["linje", "aarsag", "effekt"]


def test_widget_panel_recomputes(results):
    r = results
    panel = V.Panel(r["data"], r["frem"], r["ind"], draw=False)
    assert panel.forventet.opgjort == B.reference_month(r["data"])
    june = next(m for _, m in V.month_options(r["data"]) if m.month == 6)
    panel.month.value = june
    assert panel.forventet.opgjort == june
    # The forecast (and so its figure) starts from the chosen month's expected year-end.
    pd.testing.assert_frame_equal(panel.frem.samlet,
                                  B.forecast(r["data"], r["ind"], panel.forventet).samlet)
    assert panel.frem.samlet["faktisk"].dropna().iloc[-1] == pytest.approx(
        panel.forventet.samlet["forventet"])
    base = panel.valgt["valgt"].iloc[-1]
    panel.antal.value = 0.05
    assert panel.valgt["valgt"].iloc[-1] > base
    assert "Forventet regnskab" in panel.summary.value
    assert readouts(panel.widget) == {"Ekstra vækst i helårspersoner pr. år": "5,0 %",
                                      "Ekstra reel prisvækst pr. år": "0,0 %"}


def test_headline_results_are_the_budget_figures(results, tmp_path):
    r = results
    samlet = B.variance(B.differentiated_budget(r["data"], r["fr"].aar, r["ind"]), r["fr"],
                        by="samlet")
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="04_budget_og_prognose",
                 parametre=r["params"], data=r["data"])
    stored = report.record_all(V.headline_results(r["fr"], samlet, r["frem"]))
    assert stored["forventet_regnskab"] == pytest.approx(r["fr"].samlet["forventet"])
    assert stored["afvigelse"] == pytest.approx(
        r["fr"].samlet["forventet"] - r["fr"].samlet["budget"])
    assert stored["afvigelse_maengde"] == pytest.approx(samlet["maengde"].sum())
    next_year = r["frem"].samlet.dropna(subset=["basis"]).iloc[0]
    assert stored["buffer_naeste_aar"] == pytest.approx(next_year["buffer"])
    assert stored["opgjort"] == r["fr"].opgjort.date().isoformat()
    meta = report.load_results(tmp_path)["_meta"]["04_budget_og_prognose"]
    assert meta["forventet_regnskab"] == {"label": "Forventet regnskab", "enhed": "kr"}
    assert report.check_byraad_results(report.load_results(tmp_path), 5) == []
