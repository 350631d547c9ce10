"""The output layout, defined once: where a run writes what, and reading earlier runs.

Layout (the runner writes it, the notebooks write into it, views read earlier runs)::

    output/<slug>/interaktiv/       files of notebooks run by hand (no run_dir): excel/
    output/<slug>/seneste            the latest successful run (symlink, or a text file
                                     holding the run id where symlinks cannot be made)
    output/<slug>/<run-id>/          a finished run
    output/<slug>/.<run-id>.tmp/     a run in progress or interrupted
        NN_navn.ipynb                executed notebooks
        html/  pdf/  excel/  aggregater/
        results.json                 headline results (report.record)
        manifest.json                parameters, input hashes, versions, status per notebook

Comparison municipalities' key figures are read from their latest runs (for 05_noegletal);
missing runs or figures are reported in a status column, never raised.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

OUTPUT_DIR = "output"
INTERACTIVE = "interaktiv"
RESULTS_FILE = "results.json"
MANIFEST_FILE = "manifest.json"
LATEST = "seneste"
TMP_SUFFIX = ".tmp"
HTML_DIR = "html"
PDF_DIR = "pdf"  # the byråd reports as A4 PDFs beside html/ (report.pdf)
EXCEL_DIR = "excel"
AGGREGAT_DIR = "aggregater"  # the run's byråd-safe aggregates for klynger (socialanalyse.klynge)
KLYNGER_DIR = "klynger"  # output/klynger/<navn>/<run-id>/: a cluster's runs
NOTEBOOK = "05_noegletal"


def latest_run(out_dir: Path) -> Path | None:
    """The run folder `out_dir/seneste` points at (symlink or text file), or None."""
    link = Path(out_dir) / LATEST
    if link.is_symlink():
        return (Path(out_dir) / os.readlink(link)).resolve()
    if link.is_dir():  # a copied folder (e.g. from a system without symlinks)
        return link
    if link.is_file():
        return Path(out_dir) / link.read_text(encoding="utf-8").strip()
    return None


def latest_results(folder: Path) -> Path | None:
    """results.json of the run `folder/seneste` points at, or None."""
    run = latest_run(folder)
    if run is None or not run.is_dir():
        return None
    path = run / RESULTS_FILE
    return path if path.is_file() else None


def read_comparisons(output_root: Path, kommuner: list[str], names: list[str],
                     notebook: str = NOTEBOOK) -> pd.DataFrame:
    """The figures `names` of each municipality's latest run under output_root/<slug>/.

    Returns a long frame kommune, noegletal, vaerdi, status, where status is 'ok',
    'ingen kørsel' (no latest run with results.json), 'ulæselig' (not valid JSON) or
    'mangler nøgletal' (the run has no such figure, e.g. an older version).
    """
    rows = []
    for slug in kommuner:
        path = latest_results(Path(output_root) / slug)
        content = None
        status = "ingen kørsel"
        if path is not None:
            try:
                content = json.loads(path.read_text(encoding="utf-8"))
                status = "ok"
            except (OSError, ValueError):
                status = "ulæselig"
        section = (content or {}).get(notebook, {}) if isinstance(content, dict) else {}
        for name in names:
            value = section.get(name) if isinstance(section, dict) else None
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) \
                else None
            this = status if status != "ok" else ("ok" if number is not None
                                                  else "mangler nøgletal")
            rows.append((slug, name, float(number) if number is not None else float("nan"),
                         this))
    return pd.DataFrame(rows, columns=["kommune", "noegletal", "vaerdi", "status"])


def default_root() -> Path:
    """output/ in the project folder."""
    from ..config import project_root

    return project_root() / OUTPUT_DIR


def interactive_dir(kommune: str) -> Path:
    """Where a notebook run by hand (without a run folder) writes its files."""
    return default_root() / kommune / INTERACTIVE


def output_root(session) -> Path:
    """The output folder holding every municipality's runs (output/), for a session."""
    if session.run_dir is not None:
        return Path(session.run_dir).resolve().parent.parent
    return default_root()
