"""HTML export of an executed notebook, the run's index, and the byråd check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from socialanalyse import report
from socialanalyse.report.excel import column_format
from socialanalyse.report.labels import MONEY_WORDS, SHARE_WORDS

PROJECT = Path(__file__).resolve().parents[1]


def build_notebook(publikum: str) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = new_code_cell(f'kommune = "eksempelkommune"\npublikum = "{publikum}"\nrun_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell("# Prøverapport\n\nKilde: [KL](https://www.kl.dk/social), "
                          "se også http://example.org."),
        params,
        new_code_cell("import matplotlib.pyplot as plt, pandas as pd, ipywidgets as w\n"
                      "from socialanalyse import report\n"
                      "s = report.setup(kommune, publikum, run_dir, notebook='99_proeve')\n"
                      "hemmelig_kode = 'KODEN-SKAL-SKJULES'"),
        new_code_cell("report.show_table(pd.DataFrame({'paragraf': ['§85', '§107', '§108'], "
                      "'antal_borgere': [3, 40, 12]}), 'Borgere', "
                      "counts={'antal_borgere': 'borgere'})"),
        new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2, 3])\n"
                      "report.figure(fig, alt='En stigende linje')"),
        new_code_cell("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()"),
        new_code_cell("import warnings\nwarnings.warn('intern advarsel')\nprint('synlig tekst')"),
        new_code_cell("@w.interact(n=w.IntSlider(value=7, min=1, max=10, description='Antal år'))\n"
                      "def vis(n):\n    print(f'Valgt: {n * 3} måneder')"),
        new_code_cell("from socialanalyse.report.widgets import slider_row\n"
                      "andel = w.FloatSlider(value=0.25, min=0, max=1, step=0.05, "
                      "description='Andel justeret')\n"
                      "w.VBox([slider_row(andel, report.pct), "
                      "w.HTML('<p>Resumé: <b>42 sager</b></p>'), w.Label('En etiket & mere')])"),
        new_code_cell("from IPython.display import SVG\n"
                      "SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\">"
                      "<rect width=\"10\" height=\"10\"/></svg>')"),
    ]
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """One small notebook, executed once per audience with the python3 kernel."""
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("html")
    paths = {}
    for publikum in ("intern", "byraad"):
        nb = build_notebook(publikum)
        NotebookClient(nb, kernel_name="python3", timeout=300,
                       resources={"metadata": {"path": str(PROJECT)}}).execute()
        path = folder / f"{publikum}.ipynb"
        nbformat.write(nb, path)
        paths[publikum] = path
    return paths


@pytest.fixture(scope="module")
def page(executed, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("out") / "html" / "rapport.html"
    path = report.export_html(executed["intern"], out, "Prøverapport – Eksempelkommune")
    assert path == out
    return out.read_text(encoding="utf-8")


def test_html_is_self_contained(page):
    assert re.search(r"https?://", page) is None
    assert "<script" not in page
    assert "<link" not in page
    assert "widget-state" not in page


def test_html_is_danish_and_titled(page):
    assert re.search(r'<html lang="da">', page)
    assert "<title>Prøverapport – Eksempelkommune</title>" in page
    # the link keeps its text and shows the address without the scheme
    assert "KL" in page and "www.kl.dk/social" in page


def test_html_hides_code_prompts_and_stderr(page):
    assert "KODEN-SKAL-SKJULES" not in page
    assert "report.setup" not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "intern advarsel" not in page
    assert "synlig tekst" in page


def test_html_images_have_alt_text(page):
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) >= 2
    assert all(re.search(r'\balt="[^"]+"', img) for img in images)
    assert 'alt="En stigende linje"' in page
    assert 'alt="Figur uden beskrivelse"' in page  # plt.show(): Danish, not nbconvert's English


def test_html_widgets_degrade_to_static_output(page):
    assert "Antal år: 7" in page  # the setting used
    assert "Valgt: 21 måneder" in page  # what the Output widget held when executed


def test_html_keeps_what_html_and_label_widgets_showed(page):
    # A slider row (report.widgets) is named by its Danish readout, not the raw 0.25.
    assert "Andel justeret: 25,0 %" in page and "0,25" not in page
    assert "<p>Resumé: <b>42 sager</b></p>" in page
    assert "<p>En etiket &amp; mere</p>" in page


def test_html_tables_and_layout(page):
    assert "<caption>Borgere</caption>" in page
    # Wide enough for a table of nine columns beside 42em of text (a 1400 px window).
    assert "max-width: 72em" in page


def test_shared_exporter_gives_the_pages_a_fresh_one_gives(executed, monkeypatch):
    """The exporter is made once per process (report.html._exporter); two different notebooks
    in a row through it give byte for byte the pages a fresh exporter gives each, so nothing
    of the first (its title, subtitle, resources, cells) carries into the second."""
    from socialanalyse.report import html

    nbs = {k: nbformat.read(str(p), as_version=4) for k, p in executed.items()}
    args = {"intern": ("Intern – Eksempelkommune", {"subtitle": "Eksempelkommune · intern"}),
            "byraad": ("Byråd – Eksempelkommune", {"footer": "Til byrådet"})}

    def page(key):
        title, kw = args[key]
        return html.notebook_html(nbs[key], title, **kw)

    monkeypatch.setattr(html, "_exporter", [])
    shared = [page("intern"), page("byraad")]
    assert len(html._exporter) == 1
    fresh = []
    for key in ("intern", "byraad"):
        monkeypatch.setattr(html, "_exporter", [])
        fresh.append(page(key))
    assert shared == fresh
    assert "<title>Byråd – Eksempelkommune</title>" in shared[1]
    assert "Intern" not in shared[1] and "Eksempelkommune · intern" not in shared[1]
    assert "Til byrådet" in shared[1] and "Til byrådet" not in shared[0]


def test_a_page_is_validated_once_not_after_every_preprocessor(executed, monkeypatch):
    from nbconvert.exporters.exporter import Exporter

    from socialanalyse.report import html

    calls = []
    original = Exporter._validate_preprocessor
    monkeypatch.setattr(Exporter, "_validate_preprocessor",
                        lambda self, nb, pre: calls.append(pre) or original(self, nb, pre))
    monkeypatch.setattr(html, "_exporter", [])
    html.notebook_html(nbformat.read(str(executed["intern"]), as_version=4), "T")
    assert len(html._exporter[0]._preprocessors) > 1 and len(calls) == 1


def test_byraad_page_passes_the_check(executed, tmp_path):
    out = report.export_html(executed["byraad"], tmp_path / "b.html", "Byråd")
    text = out.read_text(encoding="utf-8")
    assert report.check_byraad_html(text, {"B0001", "BEV-0001"}, 5) == []
    assert "&lt;5" in text


def test_intern_page_fails_the_byraad_check(page):
    problems = report.check_byraad_html(page, set(), 5)
    assert len(problems) == 1 and "under diskretionsgrænsen" in problems[0]


CLEAN = """<html lang="da"><body><p>Der er 1.234 borgere; udgiften er 12.345.678 kr.
 i 2025 (opgjort 31.10.2026, konto 5.38.50, tlf. 12345678).</p>
<table><tr><td class="tal antal-borgere">&lt;5</td><td class="tal antal-borgere">x</td>
<td class="tal antal-borgere">0</td><td class="tal antal-borgere">1.234</td>
<td class="tal">3</td></tr></table>
<img src="data:image/png;base64,AAAA0101901234BBBBP0123456789abcdef" alt="Figur"></body></html>"""


def test_check_passes_a_clean_page():
    assert report.check_byraad_html(CLEAN, {"BEV-000123", "P99"}, 5) == []


@pytest.mark.parametrize(
    ("planted", "expected"),
    [
        ("<p>Sag BEV-000123 er dyr.</p>", "id'er fra data"),
        ('<a title="BEV-000123">sag</a>', "id'er fra data"),
        ("<p>P0123456789abcdef</p>", "pseudonymer"),
        ("<p>borger 010190-1234</p>", "CPR"),
        ("<p>borger 0101901234</p>", "CPR"),
        ('<table><tr><td class="antal-borgere">3</td></tr></table>', "diskretionsgrænsen"),
        ('<dl><dd class="antal-borgere">4</dd></dl>', "diskretionsgrænsen"),
    ],
)
def test_check_catches_planted_problems(planted, expected):
    page = CLEAN.replace("</body>", planted + "</body>")
    problems = report.check_byraad_html(page, {"BEV-000123"}, 5)
    assert len(problems) == 1 and expected in problems[0]


def test_make_self_contained():
    text = ('<p><a href="https://kl.dk/x">KL</a> <a href="http://a.dk">http://a.dk</a> '
            '<a href="#lokal">her</a> https://b.dk</p>'
            '<script src="https://cdn.x/require.js"></script>'
            '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    out = report.make_self_contained(text)
    assert re.search(r"https?://", out) is None
    assert "KL <span class=\"sa-adresse\">(kl.dk/x)</span>" in out
    assert '<span class="sa-adresse">a.dk</span>' in out
    assert '<a href="#lokal">her</a>' in out
    assert "<script" not in out and "<svg><rect/></svg>" in out


def test_build_index(tmp_path):
    (tmp_path / "results.json").write_text(json.dumps({
        "00_datagrundlag": {"antal_borgere": 1234, "udgift_seneste_aar": 123_456_789.0,
                            "periode": ["2021-11-01", "2026-10-31"], "andel_privat": 0.125,
                            "hjemtagninger": 12, "antal_borgere_x": 7},
        "01_servicetjek": {"antal_borgere": "<5"},
        "_meta": {"00_datagrundlag": {
            "antal_borgere": {"label": "Borgere med en bevilling", "enhed": "borgere"},
            "hjemtagninger": {"label": "Hjemtagninger", "enhed": "bevillinger"}}},
    }), encoding="utf-8")
    path = report.build_index(tmp_path, [
        {"notebook": "00_datagrundlag", "titel": "Datagrundlag – X", "status": "ok",
         "html": "html/00_datagrundlag.html"},
        {"notebook": "01_servicetjek", "title": "Servicetjek", "status": "afvist",
         "html": "01_servicetjek.html", "fejl": "byrådstjek: 1 problem"},
        {"notebook": "02_budget", "status": "fejlet", "html": None},
    ], title="Eksempelkommune", subtitle="Kørsel 2026-11-01")
    assert path == tmp_path / "html" / "index.html"
    text = path.read_text(encoding="utf-8")
    assert '<html lang="da">' in text and re.search(r"https?://", text) is None
    assert '<a href="00_datagrundlag.html">Datagrundlag – X</a>' in text
    assert '<a href="01_servicetjek.html">Servicetjek</a>' in text
    assert "<h2>Budget</h2>" in text and "Fejlede" in text
    assert "Afvist af byrådstjekket" in text and "byrådstjek: 1 problem" in text
    assert "<dt>Borgere med en bevilling</dt><dd class=\"antal-borgere\">1.234</dd>" in text
    # marked by the declared kind, not by the name
    assert "<dt>Hjemtagninger</dt><dd class=\"antal-borgere\">12</dd>" in text
    assert "<dt>Antal borgere x</dt><dd>7</dd>" in text
    assert "123,5 mio. kr." in text
    assert "01.11.2021 – 31.10.2026" in text
    assert "12,5 %" in text
    assert report.check_byraad_html(text, set(), 5) == []
    assert report.check_byraad_html(text.replace(">1.234<", ">3<"), set(), 5)


@pytest.mark.parametrize(
    ("name", "value", "enhed", "expected"),
    [
        ("antal_borgere", 1234, None, "1.234"),
        ("udgift_2025", 950_000.4, None, "950.000 kr."),
        ("udgift_2025", 1_260_000, None, "1,3 mio. kr."),
        ("andel_egen_drift", 0.4, None, "40,0 %"),
        ("x", 0.4, "pct", "40,0 %"),
        ("opgoerelsesdato", "2026-10-31", None, "31.10.2026"),
        ("gennemsnit", 2.254, None, "2,25"),
        ("effekt", -0.0512, None, "-0,05"),
        ("gennemsnit", 12.25, None, "12,2"),
        ("ok", True, None, "ja"),
        ("hjemtagninger", 1234, "borgere", "1.234"),
        ("sager", 3, "bevillinger", "3"),
        ("benchmark_aar", 2025, "aar", "2025"),
        ("tillaeg_pr_doegn", 950.0, None, "950 kr."),
        ("antal_tillaeg", 950, None, "950"),
        ("p_vaerdi", 0.00002, "p_vaerdi", "under 0,001"),
        ("p_vaerdi", 0.0213, "p_vaerdi", "0,021"),
    ],
)
def test_format_value(name, value, enhed, expected):
    assert report.format_value(name, value, enhed) == expected


def test_index_shows_names_of_keys_and_values_in_words(tmp_path):
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_servicetjek")
    report.record_all({
        "antal_pr_regel": report.Headline({"dyr_sag": 3, "pris_over_sammenlignelige": 12},
                                          "Markerede bevillinger pr. regel", "bevillinger",
                                          navne={"dyr_sag": "Meget dyr sag"}),
        "nulpunkter": report.Headline({"gevinster.x.succesrate": 0.58}, "Nulpunkter",
                                      tekst="Casen betaler sig ved en succesrate på 58 %."),
    })
    stored = report.load_results(tmp_path)
    assert stored["01_servicetjek"]["antal_pr_regel"]["dyr_sag"] == 3  # the ids stay
    text = report.build_index(tmp_path, [{"notebook": "01_servicetjek"}]).read_text("utf-8")
    assert "Meget dyr sag: 3; pris_over_sammenlignelige: 12" in text
    assert "<dd>Casen betaler sig ved en succesrate på 58 %.</dd>" in text
    assert "succesrate: 0,58" not in text
    with pytest.raises(ValueError, match="antal"):
        report.record("antal", 3, enhed="borgere", tekst="tre")


@pytest.mark.parametrize("word", MONEY_WORDS + SHARE_WORDS)
def test_html_and_excel_guess_units_from_one_word_list(word):
    import pandas as pd

    name = f"{word}_2025"
    excel_format = column_format(name, pd.Series([950.4, 12.0]))
    shown = report.format_value(name, 0.5 if word in SHARE_WORDS else 950.4)
    if word in SHARE_WORDS:
        assert excel_format == "0.0%" and shown == "50,0 %"
    else:
        assert excel_format == '#,##0 "kr."' and shown == "950 kr."
        # a count of such things is a number in both
        assert column_format(f"antal_{name}", pd.Series([3, 4])) == "#,##0"
        assert report.format_value(f"antal_{name}", 3) == "3"


def test_failed_run_is_reported_in_danish(tmp_path):
    import papermill

    nb = build_notebook("intern")
    nb.cells = nb.cells[:3] + [new_code_cell("raise ValueError('forkert opsat')"),
                               new_code_cell("print('aldrig')")]
    source = tmp_path / "fejl.ipynb"
    nbformat.write(nb, source)
    executed = tmp_path / "fejl_udført.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(source), str(executed), kernel_name="python3",
                                   cwd=str(PROJECT), progress_bar=False)
    text = report.export_html(executed, tmp_path / "fejl.html", "Fejl").read_text("utf-8")
    assert "Kørslen stoppede med en fejl" in text and 'id="papermill-error-cell"' in text
    assert "An Exception was encountered" not in text
    assert "forkert opsat" in text and "aldrig" not in text
    assert re.search(r"https?://", text) is None
