"""Notebook 04_budget_og_prognose as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json holds the budget package's figures and finds
the planted overruns, the intern run writes the working list to Excel and shows the panel, and
the byråd HTML passes the privacy check and names no grant."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, SEED, SMALL, notebook_fixtures

from socialanalyse import budget, report
from socialanalyse.data.synthetic import generate

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "04_budget_og_prognose"


intern, byraad, params, data = notebook_fixtures(NAME)


@pytest.fixture(scope="module")
def figures(params, data):
    ind = budget.Indstillinger.fra(params)
    fr = budget.expected_year_end(data, None, None, ind)
    lines = budget.differentiated_budget(data, fr.aar, ind)
    return {"fr": fr, "samlet": budget.variance(lines, fr, by="samlet"),
            "per_line": budget.variance(lines, fr), "frem": budget.forecast(data, ind, fr)}


def test_results_are_the_package_figures(intern, figures):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    fr, samlet = figures["fr"], figures["samlet"]
    assert recorded["forventet_regnskab"] == pytest.approx(fr.samlet["forventet"])
    assert recorded["budget"] == pytest.approx(fr.samlet["budget"])
    assert recorded["afvigelse"] == pytest.approx(recorded["forventet_regnskab"]
                                                  - recorded["budget"])
    assert recorded["afvigelse_maengde"] == pytest.approx(samlet["maengde"].sum())
    assert recorded["afvigelse_pris"] == pytest.approx(samlet["pris"].sum())
    assert recorded["opgjort"] == fr.opgjort.date().isoformat() == "2026-10-01"
    first = figures["frem"].samlet.dropna(subset=["basis"]).iloc[0]
    assert recorded["buffer_naeste_aar"] == pytest.approx(first["buffer"]) and first["buffer"] > 0
    meta = report.load_results(run_dir)["_meta"][NAME]
    assert meta["forventet_regnskab"] == {"label": "Forventet regnskab", "enhed": "kr"}


def test_the_planted_overruns_are_found(figures):
    planted = generate(indbyggere=SMALL, seed=SEED).planted
    (year_q, quantity), (year_p, price) = (planted.budget_overrun_quantity,
                                           planted.budget_overrun_price)
    v = figures["per_line"]
    assert figures["fr"].aar == year_q == year_p
    assert v.loc[quantity, "maengde"] > 0 and v.loc[quantity, "maengde"] > v.loc[quantity, "pris"]
    assert v.loc[price, "pris"] > 0 and v.loc[price, "pris"] > v.loc[price, "maengde"]


def test_intern_writes_the_working_list_and_shows_the_panel(intern, figures, data):
    _, run_dir, page = intern
    aar = figures["fr"].aar
    workbook = load_workbook(run_dir / "excel" / f"budget_{aar}.xlsx")
    assert workbook.sheetnames == ["Forventet regnskab", "Afvigelser", "Årsager"]
    header = [c.value for c in workbook["Årsager"][1]]
    assert header[:4] == ["Linje", "Årsag", "Effekt", "Bevilling-ID"]
    assert f'href="../excel/budget_{aar}.xlsx"' in page
    assert "Bevillinger bag afvigelserne" in page
    assert "Vist med indstillingerne" in page  # the month and scenario panel, made static
    assert "Ekstra reel prisvækst pr. år: 0,0 %" in page
    assert re.search(r"<b>Forventet regnskab [\d,]+ mio\. kr\.</b> mod budget", page)
    assert "Traceback" not in page and "report.setup" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 8 and all(a != "Figur uden beskrivelse" for a in alts)
    assert "{'forventet_regnskab'" not in page  # the recorded values are not echoed


def test_byraad_passes_the_check_and_names_no_grant(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert "Årsager til afvigelserne" in page and "Bevillinger bag afvigelserne" not in page
    assert "Vist med indstillingerne" not in page
    assert len(re.findall(r"<img ", page)) == 5  # the panel's figures are intern only
