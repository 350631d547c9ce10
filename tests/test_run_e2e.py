"""End to end: `socialanalyse run` on every notebook in notebooks/ for a small generated
eksempelkommune (15.000 inhabitants, in a temporary project folder), for both audiences.

Checks the folder layout, manifest.json, results.json, the HTML (self-contained, Danish, alt
texts) and, for the byråd, the PDFs and that no id of the data appears anywhere. The runs are
shared with test_browser.py through run_support (same xdist group, so they are made once).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from run_support import E2E_GROUP, NOTEBOOKS, cli, e2e_run, setup_cell, write_notebook

from socialanalyse import config
from socialanalyse import data as data_pkg
from socialanalyse.data import load, snapshot
from socialanalyse.report.format import dato_lang
from socialanalyse.report.outputs import latest_run
from socialanalyse.report.pdf import find_chromium, pdf_text
from socialanalyse.runner.finalize import sha256_file
from socialanalyse.runner.plan import KLYNGE_NOTEBOOKS, notebook_title

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NOTEBOOK_NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")
                        if p.stem not in KLYNGE_NOTEBOOKS)  # a cluster's run has those


@pytest.fixture(scope="module")
def intern(tmp_path_factory):
    return e2e_run(tmp_path_factory, "intern")


@pytest.fixture(scope="module")
def byraad(tmp_path_factory):
    return e2e_run(tmp_path_factory, "byraad")


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")


def _check_page(path: Path) -> _Images:
    text = path.read_text("utf-8")
    assert not re.search(r"https?://", text), f"{path.name} refers to the network"
    parser = _Images()
    parser.feed(text)
    assert parser.html_lang == "da", path.name
    for img in parser.images:
        assert (img.get("alt") or "").strip(), f"{path.name}: an image without alt text"
        assert (img.get("src") or "").startswith("data:"), f"{path.name}: image not embedded"
    return parser


def test_intern_run_layout_manifest_results_and_html(intern):
    root, final, code, output = intern
    assert code == 0, output
    assert final is not None and final.name.endswith("-intern")
    slug_out = final.parent
    # Finished, renamed, `seneste` points at it, nothing temporary left.
    assert [p.name for p in slug_out.iterdir() if p.name.startswith(".")] == []
    assert latest_run(slug_out) == final.resolve()
    assert f"rapporten ligger i {final / 'html' / 'index.html'}" in output

    for name in NOTEBOOK_NAMES:
        executed = json.loads((final / f"{name}.ipynb").read_text("utf-8"))
        injected = [c for c in executed["cells"]
                    if "injected-parameters" in c["metadata"].get("tags", [])]
        assert injected and "run_dir" in "".join(injected[0]["source"])
        _check_page(final / "html" / f"{name}.html")
    index = _check_page(final / "html" / "index.html")
    assert index is not None
    index_text = (final / "html" / "index.html").read_text("utf-8")
    for name in NOTEBOOK_NAMES:
        assert f'href="{name}.html"' in index_text
    assert (final / "excel").is_dir()
    assert not (final / "pdf").exists()  # PDFs are for the byråd (or --pdf)
    assert manifest_aggregates(final) == "aggregater"
    assert not list(final.rglob(".*")), "hidden files (data snapshot, locks) left in the run"

    results = json.loads((final / "results.json").read_text("utf-8"))
    assert set(NOTEBOOK_NAMES) <= set(results)

    manifest = json.loads((final / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok" and manifest["kommune"] == "eksempelkommune"
    assert [n["navn"] for n in manifest["notebooks"]] == NOTEBOOK_NAMES
    assert all(n["status"] == "ok" and n["sekunder"] > 0 for n in manifest["notebooks"])
    params = config.load_parameters("eksempelkommune", root=root)
    assert manifest["parametre"] == params.model_dump(mode="json")
    data_files = sorted(p for p in params.data_dir.iterdir() if not p.name.startswith("."))
    assert sorted(manifest["inputfiler"]) == [
        f"data/eksempelkommune/{p.name}" for p in data_files]
    for path in data_files:
        assert manifest["inputfiler"][f"data/eksempelkommune/{path.name}"] == sha256_file(
            path)
    assert {"python", "socialanalyse", "pandas", "papermill"} <= set(manifest["versioner"])


def test_byraad_run_has_no_ids_and_no_excel(byraad):
    root, final, code, output = byraad
    assert code == 0, output
    assert final.name.endswith("-byraad")
    assert not (final / "excel").exists()
    params = config.load_parameters("eksempelkommune", root=root)
    data = load(params)
    ids = (set(data.borgere.borger_id) | set(data.bevillinger.bevilling_id)
           | set(data.bevillinger.borger_id))
    assert len(ids) > 100
    pages = sorted((final / "html").glob("*.html"))
    assert len(pages) == len(NOTEBOOK_NAMES) + 1
    shared = sorted((final / "aggregater").glob("*.csv"))  # the klynge aggregates, too
    assert len(shared) == 6
    for path in pages + [final / "results.json"] + shared:
        text = path.read_text("utf-8")
        tokens = set(re.findall(r"[\w-]+", text))
        assert not tokens & ids, f"{path.name} shows ids: {sorted(tokens & ids)[:3]}"
        _ = path.name.endswith(".html") and _check_page(path)
    manifest = json.loads((final / "manifest.json").read_text("utf-8"))
    assert manifest["publikum"] == "byraad" and manifest["byraadstjek"] == []
    assert all(n["byraadstjek"] == [] for n in manifest["notebooks"])


def test_byraad_run_writes_an_a4_pdf_of_each_report_linked_from_the_index(byraad):
    from pypdf import PdfReader

    _, final, code, output = byraad
    assert code == 0, output
    if find_chromium() is None:
        pytest.skip("headless Chromium mangler (make browser): kørslen laver ingen PDF'er")
    manifest = json.loads((final / "manifest.json").read_text("utf-8"))
    assert manifest["koersel"]["pdf"] is True
    assert sorted(p.name for p in (final / "pdf").iterdir()) == [
        f"{name}.pdf" for name in NOTEBOOK_NAMES]  # one per report, no temporary file left
    index = (final / "html" / "index.html").read_text("utf-8")
    day = dato_lang(dt.datetime.strptime(final.name[:8], "%Y%m%d").date())
    for entry in manifest["notebooks"]:
        name = entry["navn"]
        assert entry["pdf"] == f"pdf/{name}.pdf" and 0 < entry["pdf_sekunder"] < 60
        assert f'href="../pdf/{name}.pdf"' in index
        path = final / entry["pdf"]
        first = PdfReader(str(path)).pages[0]
        assert abs(float(first.mediabox.width) - 595.3) < 1.5  # A4
        assert abs(float(first.mediabox.height) - 841.9) < 1.5
        pages = pdf_text(path)
        top = " ".join(pages[0].split())
        assert " ".join(notebook_title(NOTEBOOKS / f"{name}.ipynb").split()) in top
        assert f"Eksempelkommune · {day}" in top and f"Side 1 af {len(pages)}" in top
        # The same Danish text as the HTML: its headings are in the PDF.
        html = (final / "html" / f"{name}.html").read_text("utf-8")
        text = " ".join(" ".join(pages).split())
        for heading in re.findall(r"<h2[^>]*>([^<]+)<", html)[:5]:
            assert " ".join(unescape(heading).split()) in text, (name, heading)


def test_same_inputs_give_the_same_results_json(intern):
    # The first run had two notebooks at a time, this one runs them one after the other.
    root, final, code, _ = intern
    assert code == 0
    again = cli("run", "--kommune", "eksempelkommune", "--root", str(root), "--notebooks-dir",
                str(NOTEBOOKS), "--out", str(root / "output_igen"), "--workers", "1", "--quiet")
    assert again.returncode == 0, again.stdout + again.stderr
    (second,) = [p for p in (root / "output_igen" / "eksempelkommune").iterdir()
                 if p.name != "seneste"]
    first = json.loads((final / "results.json").read_text("utf-8"))
    again_content = json.loads((second / "results.json").read_text("utf-8"))
    assert again_content == first
    # The notebooks' entries come in the same order (the order of the labels in "_meta" may
    # follow the order in which side-by-side notebooks finished).
    assert list(again_content) == list(first)


def test_byraad_check_rejects_a_page_showing_an_id(intern):
    root, _, code, _ = intern
    assert code == 0
    nb = write_notebook(
        root / "lækage" / "00_laekage.ipynb", "Lækage",
        setup_cell("00_laekage"), "print(s.data.bevillinger.bevilling_id.iloc[0])",
    )
    out = root / "output_laekage"
    done = cli("run", "--kommune", "eksempelkommune", "--publikum", "byraad", "--root",
               str(root), "--notebooks-dir", str(nb.parent), "--out", str(out), "--quiet")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"eksempelkommune\s+00_laekage\s+afvist", done.stdout)
    assert "byrådstjek" in done.stdout and "id'er fra data" in done.stdout
    assert latest_run(out / "eksempelkommune") is None
    (run,) = [p for p in (out / "eksempelkommune").iterdir() if not p.name.startswith(".")]
    (entry,) = json.loads((run / "manifest.json").read_text("utf-8"))["notebooks"]
    if find_chromium() is not None:  # the PDF's text was checked too, and the PDF removed
        assert any(p.startswith("PDF: 1 id'er fra data") for p in entry["byraadstjek"])
        assert entry["pdf"] is None and not list((run / "pdf").iterdir())


def test_the_data_snapshot_stands_in_for_the_loader_only_when_it_matches(
    intern, tmp_path, monkeypatch
):
    root = intern[0]
    params = config.load_parameters("eksempelkommune", root=root)
    snap = snapshot.Snapshot.create(tmp_path / snapshot.FILE)
    loaded = snap.fill(params)
    monkeypatch.delenv(snapshot.ENV, raising=False)
    assert snapshot.read(params) is None  # outside a run: nothing changes
    monkeypatch.setenv(snapshot.ENV, snap.path)
    first, second = data_pkg.load(params), data_pkg.load("eksempelkommune", root=root)
    assert first is not loaded and first is not second  # fresh copies, like the loader
    for name, frame in loaded.tables().items():
        pd.testing.assert_frame_equal(getattr(first, name), frame)
        pd.testing.assert_frame_equal(getattr(second, name), frame)
    # Other data parameters: the real loader runs (and here fails on the missing folder).
    other = params.model_copy(update={"data": params.data.model_copy(
        update={"mappe": str(tmp_path / "andre_data")})})
    assert snapshot.read(other) is None
    with pytest.raises(Exception, match="andre_data"):
        data_pkg.load(other)
    snap.remove()


def manifest_aggregates(final: Path) -> str | None:
    """Where the run's manifest says its aggregates are (and they are there)."""
    where = json.loads((final / "manifest.json").read_text("utf-8"))["aggregater"]
    assert {"README.md", "priser.parquet", "priser.csv"} <= {
        p.name for p in (final / str(where)).iterdir()}
    return where
