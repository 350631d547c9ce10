"""Figures, texts and widgets of notebooks 04 and 05 (drawn headless, checked for content)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from socialanalyse import budget as B
from socialanalyse import noegletal as N
from socialanalyse.config import load_parameters
from socialanalyse.report import budget_plots as P
from socialanalyse.report import budget_widgets as W


@pytest.fixture(scope="module")
def results(sample):
    _, d = sample
    p = load_parameters("eksempelkommune")
    ind = B.Indstillinger.fra(p)
    fr = B.expected_year_end(d, ind=ind)
    v = B.variance(B.differentiated_budget(d, fr.aar, ind), fr)
    return {"data": d, "params": p, "ind": ind, "fr": fr, "v": v,
            "causes": B.causes(d, ind=ind), "cd": B.cost_drivers(d, ind=ind),
            "frem": B.forecast(d, ind, fr),
            "nt": N.compute(d, p, forventet=fr.linjer["forventet"])}


def test_fmt_value_by_unit():
    assert P.fmt_value(1_234_567, "kr") == "1,2 mio. kr."
    assert P.fmt_value(12_345, "kr") == "12.345 kr."
    assert P.fmt_value(0.125, "andel") == "12,5 %"
    assert P.fmt_value(3, "antal", diskretion=5) == "<5"
    assert P.fmt_value(0, "antal", diskretion=5) == "0"
    assert P.fmt_value(float("nan"), "kr") == "–"


def test_waterfall_labels_and_alt_text():
    v = pd.DataFrame({"budget": [4000.0], "maengde": [0.0], "pris": [60.0], "mix": [800.0],
                      "forventet": [4860.0]}, index=["I alt"])
    fig = P.vandfald_figur(v)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["Budget", "Mængde", "Pris", "Mix", "Forventet"]
    # The bars end where the steps lead: 4,000 + 0 + 60 + 800 = 4,860.
    tops = [p.get_y() + p.get_height() for p in fig.axes[0].patches]
    assert tops[-1] == pytest.approx(4860) and tops[3] == pytest.approx(4860)
    plt.close(fig)
    assert "mixeffekt" in P.vandfald_alt(v)


def test_every_figure_draws_with_alt_text(results):
    r = results
    bench = N.benchmark(N.benchmark_values(r["nt"], ["borgere_pr_10000"]), "eksempelkommune",
                        pd.DataFrame({"kommune": ["furesoe", "gladsaxe"],
                                      "noegletal": "borgere_pr_10000", "vaerdi": [300.0, np.nan],
                                      "status": ["ok", "ingen kørsel"]}))
    pairs = [
        (P.forventet_figur(r["fr"]), P.forventet_alt(r["fr"])),
        (P.vandfald_figur(r["v"]), P.vandfald_alt(r["v"])),
        (P.drivere_figur(r["cd"]), P.drivere_alt(r["cd"])),
        (P.vifte_figur(r["frem"], B.scenario(r["frem"], 0.02)), P.vifte_alt(r["frem"])),
        (P.dashboard_figur(r["nt"], diskretion=5), P.dashboard_alt(r["nt"], diskretion=5)),
        (P.benchmark_figur(bench, "eksempelkommune"), P.benchmark_alt(bench, "eksempelkommune")),
        (P.udvikling_figur(B.expected_by_month(r["data"], ind=r["ind"]).tail(3)),
         "udvikling"),
    ]
    for fig, alt in pairs:
        assert fig.axes and alt and ".." not in alt
        plt.close(fig)
    assert "Mangler tal fra: Gladsaxe" in [t.get_text() for t in pairs[5][0].texts]


def test_explanations_name_causes(results):
    r = results
    texts = P.forklaringer(r["v"], r["causes"], n=2)
    pq = "§85"
    first = texts[0]
    assert first.startswith((f"**{pq}**", "**§108**"))
    assert any("Største bevægelser" in t and "hos" in t for t in texts[:2])
    aggregated = P.forklaringer(r["v"], r["causes"], ids=False)
    ids = set(r["data"].bevillinger["bevilling_id"])
    assert not any(i in t for t in aggregated for i in ids)


def test_tables_for_display(results):
    r = results
    t = P.afvigelse_tabel(r["v"])
    assert t.iloc[-1]["linje"] == "I alt"
    assert t.iloc[-1]["afvigelse"] == pytest.approx(r["v"]["afvigelse"].sum())
    assert P.forventet_tabel(r["fr"]).iloc[-1]["linje"] == "I alt"
    pm = P.pejlemaerke_tabel(r["nt"])
    assert pm.iloc[0]["Mål"] == "mindst 90,0 %"
    wide = P.noegletal_tabel(r["nt"])
    assert list(wide.columns) == ["Nøgletal", "2022", "2023", "2024", "2025", "2026"]
    assert P.drivere_tabel(r["cd"]).iloc[0]["linje"] == "I alt"


def test_widget_panel_recomputes(results):
    r = results
    panel = W.Panel(r["data"], r["frem"], r["ind"], draw=False)
    assert panel.forventet.opgjort == B.reference_month(r["data"])
    june = next(m for _, m in W.month_options(r["data"]) if m.month == 6)
    panel.month.value = june
    assert panel.forventet.opgjort == june
    base = panel.valgt["valgt"].iloc[-1]
    panel.antal.value = 0.05
    assert panel.valgt["valgt"].iloc[-1] > base
    assert "Forventet regnskab" in panel.summary.value
