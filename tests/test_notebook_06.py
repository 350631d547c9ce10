"""Notebook 06_indkoeb as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: results.json holds the indkoeb package's figures with
their units and finds the planted contracts, the intern run writes the Excel workbook and
shows the price calculator, and the byråd HTML passes the privacy check and shows no grant,
citizen or contract id and no row-level lists."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, SEED, SMALL, notebook_fixtures

from socialanalyse import indkoeb, report
from socialanalyse.data.synthetic import generate

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "06_indkoeb"
SECTIONS = ("Hvem køber kommunen hos?", "Prisudvikling mod prisindekset",
            "Egne mod eksterne tilbud", "Kontrakter og tillæg", "Kontraktkalender",
            "Forhandlingsliste", "Pris og kvalitet", "Prisberegner",
            "Realiserede indkøbsgevinster")

intern, byraad, params, data = notebook_fixtures(NAME)


@pytest.fixture(scope="module")
def planted():
    return generate(indbyggere=SMALL, seed=SEED).planted.families["indkoeb"]


def test_results_are_the_package_figures_with_units(intern, params, data, planted):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    meta = report.load_results(run_dir)["_meta"][NAME]
    kal = indkoeb.contract_calendar(data, params.indkoeb.kalender_maaneder)
    soon = kal.udloeber(6)
    assert set(soon["kontrakt_id"]) == {u.kontrakt_id for u in planted.udloeber}
    assert recorded["kontrakter_udloeber_6_mdr"] == len(planted.udloeber)
    assert recorded["betalt_udloeber_6_mdr"] == pytest.approx(
        sum(u.betalt_12_mdr for u in planted.udloeber), abs=1)
    assert recorded["genforhandling_overskredet"] == len(planted.genforhandling_overskredet)
    assert recorded["hoej_pris_lav_kvalitet"] == len(planted.hoej_pris_lav_kvalitet)
    fl = indkoeb.negotiation_list(data, params)
    assert recorded["potentiale_lav"] == pytest.approx(fl.potentiale_lav)
    assert all(recorded["tilgaengelig"].values())
    assert meta["borgere_eksterne"]["enhed"] == "borgere"
    assert meta["bevillinger_forhandlingsliste"]["enhed"] == "bevillinger"
    assert meta["potentiale_hoej"] == {"label": "Forhandlingspotentiale pr. år, høj",
                                       "enhed": "mio_kr"}


def test_intern_writes_the_workbook_and_shows_the_calculator(intern):
    _, run_dir, page = intern
    workbook = load_workbook(run_dir / "excel" / "indkoeb.xlsx")
    assert workbook.sheetnames == ["Forhandlingsliste", "Bevillinger at forhandle",
                                   "Kontraktkalender", "Tillæg", "Prisberegner",
                                   "Genforhandlinger"]
    header = [c.value for c in workbook["Forhandlingsliste"][1]]
    assert header[:3] == ["Prioritet", "Leverandør", "Type"] and "Evidens" in header
    tillaeg = workbook["Tillæg"]
    assert tillaeg["A1"].value == "År" and tillaeg["A2"].number_format == "0"  # 2025, not 2.025
    assert workbook["Bevillinger at forhandle"]["G1"].value == "Pris pr. enhed"
    assert 'href="../excel/indkoeb.xlsx"' in page
    assert "Vist med indstillingerne" in page  # the calculator widget, made static
    assert "Det bygger listen på" in page and "Kontrakt" in page
    for heading in SECTIONS:
        assert f">{heading}<" in page, heading
    assert "Traceback" not in page and "report.setup" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 9 and all(a != "Figur uden beskrivelse" for a in alts)
    assert "{'tilgaengelig'" not in page  # the recorded values are not echoed


def test_byraad_passes_the_check_and_shows_no_ids(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    contract_ids = set(data.kontrakter["kontrakt_id"].astype(str))
    assert not [k for k in contract_ids if re.search(rf"\b{k}\b", page)]
    assert "Bevilling-ID" not in page and "Det bygger listen på" not in page
    assert "indkoeb.xlsx" not in page and not (run_dir / "excel").exists()
    assert "Vist med indstillingerne" not in page  # the fixed ranking, no widget
    assert "Leverandørerne efter årlig udgift" in page
    for heading in SECTIONS:
        assert f">{heading}<" in page, heading
