"""Notebook 03_business_case executed with papermill on the small synthetic municipality, for
both audiences: results.json matches the package, the auditable Excel (intern only), the HTML."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import NOTEBOOKS, execute_notebook, make_project

from socialanalyse import businesscase as bc
from socialanalyse import report
from socialanalyse.config import load_parameters
from socialanalyse.data import load

pytestmark = pytest.mark.slow

NAME = "03_business_case"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("nb03") / "projekt")


@pytest.fixture(scope="module")
def data(project):
    return load(load_parameters("eksempelkommune", root=project))


def _execute(project, publikum, **parameters):
    run_dir = project / "output" / f"kørsel-{publikum}-{'-'.join(map(str, parameters.values()))}"
    run_dir.mkdir(parents=True)
    executed = run_dir / f"{NAME}.ipynb"
    # The kernel gets SOCIALANALYSE_HOME=project (kernel_env), as in a run.
    execute_notebook(NOTEBOOKS / f"{NAME}.ipynb", executed,
                     {"kommune": "eksempelkommune", "publikum": publikum,
                      "run_dir": str(run_dir), **parameters}, root=project)
    html = report.export_html(executed, run_dir / "html" / f"{NAME}.html", "Business case")
    return run_dir, html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def intern(project):
    return _execute(project, "intern")


@pytest.fixture(scope="module")
def byraad(project):
    return _execute(project, "byraad", case="haderslev_akustisk_nattetilsyn",
                    scenarie="tre_kommuner")


def test_results_are_the_package_figures(intern, project, data):
    run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    settings = load_parameters("eksempelkommune", root=project).businesscase
    case = bc.from_data(bc.load("fredericia_hjemmebaseret_indsats", settings, root=project), data)
    res = bc.evaluate(case)
    mc = bc.monte_carlo(case, settings.simuleringer, settings.seed)
    assert recorded["case"] == "fredericia_hjemmebaseret_indsats"
    assert recorded["nutidsvaerdi"] == pytest.approx(res.nutidsvaerdi)
    assert recorded["tilbagebetalingsaar"] == res.tilbagebetalingsaar
    assert recorded["sandsynlighed_for_gevinst"] == pytest.approx(mc.sandsynlighed_for_gevinst)
    assert recorded["simuleringer"] == settings.simuleringer


def test_intern_writes_the_auditable_excel(intern):
    run_dir, page = intern
    workbook = load_workbook(run_dir / "excel" / "business_case_fredericia_hjemmebaseret_indsats.xlsx")
    assert workbook.sheetnames[:3] == ["Forudsætninger", "Beregning", "Pr. betaler"]
    formulas = [c.value for row in workbook["Beregning"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=SUMPRODUCT(")]
    assert formulas
    assert 'href="../excel/business_case_fredericia_hjemmebaseret_indsats.xlsx"' in page


def test_html_is_a_finished_danish_report(intern):
    _, page = intern
    assert "Traceback" not in page and "report.setup" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) >= 4
    assert "Intensiv støtte i hjemmet" in page
    assert "Vist med indstillingerne" in page  # the widget panel, made static
    # with its Danish readouts and the summary line its HTML widget showed
    assert "Scenarie: casens værdier" in page and "Horisont (år): 10 år" in page
    assert re.search(r"<b>Nutidsværdi [\d.-]+ kr\.</b>; tilbagebetalt", page)


def test_byraad_passes_the_check_and_has_no_widgets(byraad, data):
    run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    recorded = report.load_results(run_dir)[NAME]
    assert recorded["scenarie"] == "tre_kommuner"
    assert "Vist med indstillingerne" not in page
