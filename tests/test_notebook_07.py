"""Notebook 07_kapacitet as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences (the shared end-to-end runs): results.json holds the package's
figures and the planted signals, self-sufficiency is the nøgletal's, the intern run writes the
hjemtagning list to Excel and shows the panel, and the byråd HTML passes the privacy check and
names no citizen. One extra run of this notebook alone on data without tilbud shows what it
can and says in Danish what it needs."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, NOTEBOOKS, SEED, SMALL, cli, make_project, notebook_fixtures

from socialanalyse import kapacitet, report
from socialanalyse.data.synthetic import generate
from socialanalyse.views import kapacitet as view

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "07_kapacitet"


intern, byraad, params, data = notebook_fixtures(NAME)


@pytest.fixture(scope="module")
def planted():
    return generate(indbyggere=SMALL, seed=SEED).planted.families["kapacitet"]


@pytest.fixture(scope="module")
def figures(params, data):
    ind = view.settings(params)
    bel = kapacitet.occupancy(data, ind=ind)
    return {"ind": ind, "bel": bel,
            "hjem": kapacitet.homecoming_candidates(data, ind, belaegning=bel)}


def test_results_are_the_package_figures(intern, figures):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    h = figures["hjem"]
    assert recorded["hjemtagning_antal"] == h.antal
    assert recorded["hjemtagning_inden_for_pladser"] == h.antal_inden_for_pladser
    assert recorded["hjemtagning_besparelse_lav"] == pytest.approx(h.besparelse_lav)
    assert recorded["hjemtagning_besparelse_hoej"] == pytest.approx(h.besparelse_hoej)
    assert recorded["opgjort"] == "2026-10-31"
    assert recorded["trinskift_107_aar"] == 2025 and 0 <= recorded["trinskift_107_andel"] <= 1
    assert recorded["kapacitet_signal"]["§107"] == kapacitet.SIGNALER["invester"]
    meta = report.load_results(run_dir)["_meta"][NAME]
    assert meta["hjemtagning_antal"] == {"label": "Kandidater til hjemtagning",
                                         "enhed": "borgere"}


def test_self_sufficiency_is_the_noegletal(intern):
    # Both workbooks in the same run record the same number: one definition.
    _, run_dir, _ = intern
    results = report.load_results(run_dir)
    assert results[NAME]["selvforsyningsgrad_botilbud"] == pytest.approx(
        results["05_noegletal"]["selvforsyningsgrad"])


def test_the_planted_signals_are_in_the_run(intern, planted, figures):
    _, run_dir, _ = intern
    recorded = report.load_results(run_dir)[NAME]
    assert recorded["tilbud_fulde_med_eksterne"] >= 1  # the planted full §107 offer
    found = figures["hjem"].kandidater.set_index("bevilling_id")
    planted_ids = [k.bevilling_id for k in planted.kandidater]
    assert found.loc[planted_ids, "tilbud_id"].eq(planted.tomme_tilbud).all()
    assert found.loc[planted_ids, "besparelse_lav"].sum() == pytest.approx(
        planted.besparelse_lav, rel=0.01)
    # The working list in Excel holds every planted candidate, with a column to assess it.
    workbook = load_workbook(run_dir / "excel" / "hjemtagning.xlsx")
    assert workbook.sheetnames == ["Hjemtagningsliste", "Tilbud med ledige pladser",
                                   "Belægning pr. tilbud", "Fulde tilbud"]
    sheet = workbook["Hjemtagningsliste"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Borger-ID", "Bevillings-ID"] and "Vurdering" in header
    ids = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(planted_ids) <= ids and len(ids) == figures["hjem"].antal
    assert sheet.data_validations.dataValidation  # the drop-down on Vurdering


def test_intern_shows_the_list_the_figures_and_the_panel(intern, planted):
    _, _, page = intern
    assert "Traceback" not in page and "report.setup" not in page
    assert 'href="../excel/hjemtagning.xlsx"' in page
    assert "Vist med indstillingerne" in page  # the panel, made static
    assert "Variabel andel af egen pris: 20–50 %" in page  # the Danish readout
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    # heatmap, empty cost, candidates, self-sufficiency, staircase, flows, need; panel's month
    assert len(alts) == 8 and all(a.endswith(".") for a in alts)
    assert planted.kandidater[0].borger_id in page  # intern: pseudonyms in the list
    assert "{'opgjort'" not in page
    assert re.search(r"(?<![a-zæøå])nan(?![a-zæøå])", page.lower()) is None


def test_byraad_passes_the_check_and_names_no_citizen(byraad, data, planted):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert planted.kandidater[0].borger_id not in page
    assert "Listen med de enkelte borgere laves kun ved intern brug." in page
    assert "Vist med indstillingerne" not in page
    assert len(re.findall(r"<img ", page)) == 6  # the list's figure and the panel are intern


@pytest.fixture(scope="module")
def without_tilbud(tmp_path_factory):
    """This notebook alone on the sample without tilbud.csv (one extra run)."""
    root = make_project(tmp_path_factory.mktemp("uden_tilbud") / "projekt")
    (root / "data" / "eksempelkommune" / "tilbud.csv").unlink()
    out = root / "output"
    done = cli("run", "--kommune", "eksempelkommune", "--notebook", NAME, "--root", str(root),
               "--notebooks-dir", str(NOTEBOOKS), "--out", str(out), "--quiet")
    run_dir = out / "eksempelkommune" / "seneste"
    assert done.returncode == 0, done.stdout + done.stderr
    return run_dir, (run_dir / "html" / f"{NAME}.html").read_text(encoding="utf-8")


def test_without_tilbud_it_says_what_it_needs_and_shows_the_rest(without_tilbud):
    run_dir, page = without_tilbud
    assert "Data mangler til en del af arbejdsbogen." in page
    assert "tabellen tilbud" in page and "tilbud.csv" in page
    assert "kan ikke vises med disse data" in page
    assert "Traceback" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert any(a.startswith("Linjer med andelen af helårspersoner") for a in alts)
    assert any(a.startswith("Stablet arealdiagram") for a in alts)
    assert not any(a.startswith("Varmekort") for a in alts)
    recorded = report.load_results(run_dir)[NAME]
    assert "selvforsyningsgrad_botilbud" in recorded and "trinskift_107_andel" in recorded
    assert "hjemtagning_antal" not in recorded and "belaegning_gns" not in recorded
    assert not list(run_dir.glob("excel/*.xlsx"))  # no working list without candidates
