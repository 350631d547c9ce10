"""The view of notebook 05 (nøgletal): value texts, the dashboard and benchmark figures, the
display tables and the headline results that other municipalities' runs read."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from socialanalyse import noegletal as N
from socialanalyse import report
from socialanalyse.config import load_parameters
from socialanalyse.report.outputs import read_comparisons
from socialanalyse.views import noegletal as V


@pytest.fixture(scope="module")
def results(sample):
    _, d = sample
    p = load_parameters("eksempelkommune")
    return {"data": d, "params": p, "nt": N.compute_with_budget(d, p)}


def test_value_text_by_unit():
    assert V.value_text(1_234_567, "kr") == "1,2 mio. kr."
    assert V.value_text(12_345, "kr") == "12.345 kr."
    assert V.value_text(0.125, "andel") == "12,5 %"
    assert V.value_text(3, "antal", diskretion=5) == "<5"
    assert V.value_text(0, "antal", diskretion=5) == "0"
    assert V.value_text(364.68, "pr_10000") == "364,7"
    assert V.value_text(float("nan"), "kr") == "–"


def test_compute_with_budget_takes_the_expected_year_end(results):
    from socialanalyse import budget as B

    d, p, nt = results["data"], results["params"], results["nt"]
    fr = B.expected_year_end(d, ind=B.Indstillinger.fra(p))
    same = N.compute(d, p, forventet=fr.linjer["forventet"])
    pd.testing.assert_frame_equal(nt.tal, same.tal)
    assert nt.vaerdi("forventet_aarsforbrug") == pytest.approx(fr.samlet["forventet"])


def test_dashboard_and_benchmark_draw_with_alt_text(results):
    nt = results["nt"]
    bench = N.benchmark(N.benchmark_values(nt, ["borgere_pr_10000"]), "eksempelkommune",
                        pd.DataFrame({"kommune": ["furesoe", "gladsaxe"],
                                      "noegletal": "borgere_pr_10000", "vaerdi": [300.0, np.nan],
                                      "status": ["ok", "ingen kørsel"]}))
    dashboard = V.dashboard_figure(nt, diskretion=5)
    figure = V.benchmark_figure(bench, "eksempelkommune")
    for fig, alt in ((dashboard, V.dashboard_alt(nt, diskretion=5)),
                     (figure, V.benchmark_alt(bench, "eksempelkommune"))):
        assert fig.axes and alt and ".." not in alt
    assert "Mangler tal fra: Gladsaxe" in [t.get_text() for t in figure.texts]
    assert "Furesø" in [t.get_text() for t in figure.axes[0].get_yticklabels()]
    plt.close("all")


def test_tables_for_display(results):
    nt = results["nt"]
    pm = V.pejlemaerke_table(nt)
    assert pm.iloc[0]["Mål"] == "mindst 90,0 %"
    wide = V.noegletal_table(nt)
    assert list(wide.columns) == ["Nøgletal", "2022", "2023", "2024", "2025", "2026"]
    per_paragraph = V.noegletal_table(nt, None, 5, "udgift_pr_helaarsperson")
    assert per_paragraph["Nøgletal"].str.startswith("Gns. årlig udgift").all()


def test_headline_results_are_read_back_as_comparisons(results, tmp_path):
    nt, p = results["nt"], results["params"]
    names = ["udgift_pr_18_64_aarig", "antal_borgere", "borgere_pr_10000"]
    egne = N.benchmark_values(nt, names)
    run = tmp_path / "furesoe" / "20260101-000000-byraad"
    report.setup("furesoe", "byraad", run, notebook="05_noegletal", parametre=p,
                 data=results["data"])
    headlines = V.headline_results(nt, egne)
    assert headlines["antal_borgere"].enhed == "borgere"  # a count of citizens, declared
    assert headlines["udgift_pr_18_64_aarig"].enhed is None  # shown as before: guessed
    report.record_all(headlines)
    content = report.load_results(run)
    assert content["05_noegletal"]["benchmark_aar"] == N.benchmark_year(nt)
    assert content["_meta"]["05_noegletal"]["selvforsyningsgrad"] == {
        "label": "Selvforsyningsgrad", "enhed": "pct"}
    assert report.check_byraad_results(content, 5) == []
    (tmp_path / "furesoe" / "seneste").symlink_to(run.name)
    back = read_comparisons(tmp_path, ["furesoe"], names).set_index("noegletal")
    assert (back["status"] == "ok").all()
    for name in names:
        assert back.loc[name, "vaerdi"] == pytest.approx(egne[name])
