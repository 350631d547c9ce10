"""Notebook 00_datagrundlag as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json, Excel (intern only) and the exported HTML."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, notebook_fixtures

from socialanalyse import datagrundlag as dg
from socialanalyse import report

# The runner's end-to-end run of every notebook (shared, made once per worker process).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "00_datagrundlag"


intern, byraad, params, data = notebook_fixtures(NAME)


def test_results_are_the_package_figures(intern, data):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    expected = report.session.jsonable(vars(dg.overview(data)))
    assert recorded == expected
    # the conventions of the synthetic data: five years of payments to 31 October 2026
    assert recorded["foerste_maaned"] == "2021-11-01"
    assert recorded["opgoerelsesdato"] == "2026-10-31"
    assert recorded["seneste_hele_aar"] == 2025
    assert recorded["antal_borgere"] > 100 and recorded["udgift_seneste_aar"] > 1e6


def test_intern_writes_excel(intern):
    _, run_dir, page = intern
    workbook = load_workbook(run_dir / "excel" / "datagrundlag.xlsx")
    assert workbook.sheetnames == ["Tabeller", "Borgere pr. paragraf", "Borgere pr. målgruppe",
                                   "Udgift pr. år", "Leverandørtyper"]
    assert [c.value for c in workbook["Udgift pr. år"][1]] == [
        "År", "Udgift", "Måneder", "Helt år"]
    assert 'href="../excel/datagrundlag.xlsx"' in page


def test_html_is_a_finished_danish_report(intern):
    _, _, page = intern
    assert re.search(r"https?://", page) is None
    assert '<html lang="da">' in page
    assert "report.setup" not in page and "Traceback" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 2 and all("Figur uden beskrivelse" != a for a in alts)
    assert "31. oktober 2026" in page


def test_byraad_passes_the_check(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert "Advarsler" in page and "<th scope=\"col\">Advarsel</th>" not in page
