"""Notebook 02_effekt_og_progression as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json holds the package's figures and finds the
planted effect, Excel (intern only), and the exported HTML (byråd check)."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, SEED, SMALL, notebook_fixtures

from socialanalyse import progression as pr
from socialanalyse import report
from socialanalyse.data.synthetic import generate

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "02_effekt_og_progression"


intern, byraad, params, data = notebook_fixtures(NAME)


def test_results_are_the_package_figures_and_find_the_planted_effect(intern, params, data):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    chosen, _ = pr.sensitivity(data, params.progression)
    assert recorded["effekt"] == pytest.approx(chosen.did.estimate)
    assert recorded["antal_borgere_indsats"] == chosen.antal_indsats
    planted = generate(indbyggere=SMALL, seed=SEED).planted.intervention.effekt
    assert recorded["ci_lav"] <= planted <= recorded["ci_hoej"]
    assert recorded["succes"] in ("opfyldt", "usikkert", "ikke opfyldt")
    shares = recorded["andel_progression"] + recorded["andel_stabil"] + recorded["andel_regression"]
    assert shares == pytest.approx(1.0)
    assert recorded["median_varighed_107"] > 0


def test_intern_writes_excel_and_shows_the_conclusion(intern):
    _, run_dir, page = intern
    workbook = load_workbook(run_dir / "excel" / "effekt_og_progression.xlsx")
    assert workbook.sheetnames[:3] == ["Udvikling pr. borger", "Igangværende mål",
                                       "Indsats før-efter"]
    assert "Hos borgerne i indsatsen blev niveauet for Egenomsorg" in page
    assert "Succeskriteriet" in page
    assert "Traceback" not in page and "report.setup" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) >= 8 and all("Figur uden beskrivelse" != a for a in alts)


def test_byraad_passes_the_check_and_has_no_lists(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel" / "effekt_og_progression.xlsx").exists()
