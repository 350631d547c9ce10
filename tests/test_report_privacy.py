"""Privacy by declared kind, end to end: a byråd run of a small notebook that records small
counts under new names (no 'antal_borgere' in them) and shows them in a table and in prose.
Every one is suppressed in results.json, in the run's index page and in the notebook's HTML,
and an integer recorded without a kind stops the notebook with a Danish error."""

from __future__ import annotations

import json

import pytest
from run_support import cli, make_project, setup_cell, write_notebook

from socialanalyse import report

pytestmark = pytest.mark.slow

RECORDS = """\
report.record("hjemtagning_antal", 3, "Hjemtagninger", enhed="borgere")
report.record("borgere_uden_progression", 2, "Borgere uden progression", enhed="borgere")
report.record("sager_pr_paragraf", {"§107": 3, "§108": 12, "§85": 40}, "Sager",
              enhed="bevillinger")
report.record("tilbud_i_alt", 3, "Tilbud", enhed="tal")"""
TABLE = """\
import pandas as pd
report.show_table(pd.DataFrame({"tilbud": ["Engen", "Bakken", "Søen"],
                                "hjemtagninger": [2, 9, 30]}),
                  "Hjemtagninger pr. tilbud", counts={"hjemtagninger": "borgere"})
report.markdown(f"{report.antal_borgere(4)} borgere er hjemtaget fra "
                f"{report.antal_bevillinger(3)} bevillinger.")"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("smaa_tal") / "projekt")
    folder = root / "nb"
    write_notebook(folder / "00_smaa_tal.ipynb", "Små tal", setup_cell("00_smaa_tal"),
                   RECORDS, TABLE)
    write_notebook(folder / "01_uden_art.ipynb", "Uden art", setup_cell("01_uden_art"),
                   'report.record("hjemtagning_antal", 3, "Hjemtagninger")')
    out = root / "output"
    done = cli("run", "--kommune", "eksempelkommune", "--publikum", "byraad", "--root",
               str(root), "--notebooks-dir", str(folder), "--out", str(out), "--quiet")
    [final] = [p for p in (out / "eksempelkommune").iterdir() if p.name.endswith("-byraad")]
    return done, final


def test_small_counts_under_new_names_are_suppressed_in_results_json(run):
    _, final = run
    content = report.load_results(final)
    assert content["00_smaa_tal"] == {
        "hjemtagning_antal": "<5", "borgere_uden_progression": "<5",
        "sager_pr_paragraf": {"§107": "<5", "§108": "x", "§85": 40},
        "tilbud_i_alt": 3,  # declared a number of no persons: shown
    }
    assert report.check_byraad_results(content, 5) == []
    assert "01_uden_art" not in content or content["01_uden_art"] == {}


def test_and_in_the_index_page(run):
    _, final = run
    index = (final / "html" / "index.html").read_text(encoding="utf-8")
    assert '<dt>Hjemtagninger</dt><dd class="antal-borgere">&lt;5</dd>' in index
    assert '<dt>Borgere uden progression</dt><dd class="antal-borgere">&lt;5</dd>' in index
    assert "§107: &lt;5; §108: x; §85: 40" in index
    assert '<dt>Tilbud</dt><dd>3</dd>' in index
    assert report.check_byraad_html(index, set(), 5) == []


def test_and_in_the_notebooks_html(run):
    _, final = run
    page = (final / "html" / "00_smaa_tal.html").read_text(encoding="utf-8")
    assert '<td class="tal antal-borgere" style="text-align:right">&lt;5</td>' in page
    assert '<td class="tal antal-borgere" style="text-align:right">x</td>' in page
    assert '<span class="antal-borgere">&lt;5</span> borgere er hjemtaget fra ' \
           '<span class="antal-borgere">&lt;5</span> bevillinger' in page
    assert "færre end 5 borgere" in page
    assert report.check_byraad_html(page, set(), 5) == []


def test_an_undeclared_integer_stops_the_notebook_in_danish(run):
    done, final = run
    assert done.returncode == 1, done.stdout + done.stderr
    manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    status = {n["navn"]: n for n in manifest["notebooks"]}
    assert status["00_smaa_tal"]["status"] == "ok"
    assert status["01_uden_art"]["status"] == "fejlet"
    assert "heltal uden angivet enhed" in status["01_uden_art"]["fejl"]
