"""Notebook 01_servicetjek as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json holds the package's figures, the intern run
writes the review list to Excel (with an empty decision column), the byråd HTML passes the
privacy check and shows no case."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, notebook_fixtures

from socialanalyse import report, servicetjek

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "01_servicetjek"


intern, byraad, params, data = notebook_fixtures(NAME)


@pytest.fixture(scope="module")
def flags(data, params):
    return servicetjek.screen(data, params)


def test_results_are_the_package_figures(intern, data, flags):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    o = servicetjek.summarize(flags, data)
    assert recorded["opgoerelsesdato"] == "2026-10-31"
    assert recorded["antal_screenede"] == o.antal_screenede > 100
    assert recorded["antal_flag"] == len(flags)
    assert recorded["antal_bevillinger_markeret"] == o.antal_bevillinger
    assert recorded["potentiale_lav"] == pytest.approx(o.potentiale_lav)
    assert recorded["potentiale_hoej"] == pytest.approx(o.potentiale_hoej)
    assert 0 < recorded["potentiale_lav"] < recorded["potentiale_hoej"]
    assert recorded["antal_pr_regel"] == servicetjek.antal_pr_regel(flags)


def test_intern_writes_the_review_list(intern, flags):
    _, run_dir, page = intern
    wb = load_workbook(run_dir / "excel" / "servicetjek_gennemgangsliste.xlsx")
    assert wb.sheetnames == ["Gennemgangsliste", "Regler"]
    ws = wb["Gennemgangsliste"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Prioritet", "Status", "Sidste beslutning", "Sidste beslutningsdato",
                          "Bevilling-ID"]
    assert ws.max_row - 1 == flags["bevilling_id"].nunique()  # no decisions: every case
    assert {ws.cell(r, 2).value for r in range(2, ws.max_row + 1)} == {"ny"}
    pack = load_workbook(run_dir / "excel" / "servicetjek_moedepakke.xlsx")
    assert pack.sheetnames == sorted(flags["afdeling"].unique())
    col = header.index("Beslutning") + 1
    assert all(ws.cell(r, col).value is None for r in range(2, ws.max_row + 1))
    assert 'href="../excel/servicetjek_gennemgangsliste.xlsx"' in page


def test_html_is_a_finished_danish_report(intern):
    _, _, page = intern
    assert '<html lang="da">' in page
    assert "Traceback" not in page and "servicetjek.screen" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    # rules, potential, categories and one price figure per categorised paragraph
    assert len(alts) == 6
    assert "Gennemgangslisten" in page and "Prøv selv" in page
    # The panel made static: its Danish readouts, and the tables its HTML widget showed.
    assert "Vist med indstillingerne: Pris over sammenlignelige: 25 %" in page
    assert "<caption>Pr. regel</caption>" in page and "<caption>De første 15 på listen" in page


def test_byraad_shows_aggregates_only(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert len(re.findall(r"<img ", page)) == 3  # no figure with one point per grant
    assert not (run_dir / "excel" / "servicetjek_gennemgangsliste.xlsx").exists()
    assert "laves kun ved intern brug" in page
