"""Notebook 00_datagrundlag executed with papermill on the small synthetic municipality,
for both audiences: results.json, Excel (intern only) and the exported HTML."""

from __future__ import annotations

import os
import re

import pytest
from openpyxl import load_workbook
from run_support import NOTEBOOKS, make_project

from socialanalyse import datagrundlag as dg
from socialanalyse import report
from socialanalyse.config import load_parameters
from socialanalyse.data import load

pytestmark = pytest.mark.slow

NAME = "00_datagrundlag"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("nb00") / "projekt")


@pytest.fixture(scope="module")
def data(project):
    return load(load_parameters("eksempelkommune", root=project))


def _execute(project, publikum):
    import papermill

    run_dir = project / "output" / f"kørsel-{publikum}"
    run_dir.mkdir(parents=True)
    executed = run_dir / f"{NAME}.ipynb"
    env = os.environ.get("SOCIALANALYSE_HOME")
    os.environ["SOCIALANALYSE_HOME"] = str(project)  # the kernel inherits it
    try:
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{NAME}.ipynb"), str(executed), kernel_name="python3",
            parameters={"kommune": "eksempelkommune", "publikum": publikum,
                        "run_dir": str(run_dir)},
            cwd=str(project), progress_bar=False,
        )
    finally:
        if env is None:
            os.environ.pop("SOCIALANALYSE_HOME", None)
        else:
            os.environ["SOCIALANALYSE_HOME"] = env
    html = report.export_html(executed, run_dir / "html" / f"{NAME}.html", "Datagrundlag")
    return run_dir, html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def intern(project):
    return _execute(project, "intern")


@pytest.fixture(scope="module")
def byraad(project):
    return _execute(project, "byraad")


def test_results_are_the_package_figures(intern, data):
    run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    expected = report.session.jsonable(vars(dg.overview(data)))
    assert recorded == expected
    # the conventions of the synthetic data: five years of payments to 31 October 2026
    assert recorded["foerste_maaned"] == "2021-11-01"
    assert recorded["opgoerelsesdato"] == "2026-10-31"
    assert recorded["seneste_hele_aar"] == 2025
    assert recorded["antal_borgere"] > 100 and recorded["udgift_seneste_aar"] > 1e6


def test_intern_writes_excel(intern):
    run_dir, page = intern
    workbook = load_workbook(run_dir / "excel" / "datagrundlag.xlsx")
    assert workbook.sheetnames == ["Tabeller", "Borgere pr. paragraf", "Borgere pr. målgruppe",
                                   "Udgift pr. år", "Leverandørtyper"]
    assert [c.value for c in workbook["Udgift pr. år"][1]] == [
        "År", "Udgift", "Måneder", "Helt år"]
    assert 'href="../excel/datagrundlag.xlsx"' in page


def test_html_is_a_finished_danish_report(intern):
    _, page = intern
    assert re.search(r"https?://", page) is None
    assert '<html lang="da">' in page
    assert "report.setup" not in page and "Traceback" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 2 and all("Figur uden beskrivelse" != a for a in alts)
    assert "31. oktober 2026" in page


def test_byraad_passes_the_check(byraad, data):
    run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert "Advarsler" in page and "<th scope=\"col\">Advarsel</th>" not in page
