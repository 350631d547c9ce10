"""Notebook 05_noegletal as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json holds the benchmark figures that other
municipalities' runs read, the HTML shows the dashboard and pejlemærker, and the byråd HTML
passes the privacy check."""

from __future__ import annotations

import re

import pytest
from run_support import E2E_GROUP, notebook_fixtures

from socialanalyse import noegletal, report
from socialanalyse.report.outputs import read_comparisons

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "05_noegletal"


intern, byraad, params, data = notebook_fixtures(NAME)


@pytest.fixture(scope="module")
def nt(params, data):
    return noegletal.compute_with_budget(data, params)


def test_results_are_the_benchmark_figures(intern, params, nt):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    names = params.noegletal.benchmark_noegletal
    own = noegletal.benchmark_values(nt, names)
    for name in set(names) - {"selvforsyningsgrad", "andel_opfoelgning_rettidig"}:
        assert recorded[name] == pytest.approx(own[name]), name
    assert recorded["benchmark_aar"] == noegletal.benchmark_year(nt) == 2025
    assert recorded["selvforsyningsgrad"] == pytest.approx(nt.vaerdi("selvforsyningsgrad"))
    assert 0 < recorded["andel_opfoelgning_rettidig"] <= 1


def test_another_municipality_reads_them_as_comparisons(intern, params):
    _, run_dir, _ = intern
    out = run_dir.parent.parent  # output_intern/ holding eksempelkommune/seneste
    names = params.noegletal.benchmark_noegletal
    back = read_comparisons(out, ["eksempelkommune", "furesoe"], names)
    recorded = report.load_results(run_dir)[NAME]
    ours = back[back["kommune"] == "eksempelkommune"].set_index("noegletal")
    assert (ours["status"] == "ok").all()
    assert ours["vaerdi"].to_dict() == pytest.approx({n: recorded[n] for n in names})
    assert (back.loc[back["kommune"] == "furesoe", "status"] == "ingen kørsel").all()


def test_html_shows_dashboard_and_pejlemaerker(intern):
    _, _, page = intern
    assert "Traceback" not in page and "report.setup" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 1 and alts[0].startswith("Oversigt over nøgletal for 2026")
    assert "Pejlemærker" in page and "Selvforsyningsgrad på botilbud" in page
    assert "Der er ikke angivet sammenligningskommuner i parameterfilen." in page


def test_byraad_passes_the_check(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
