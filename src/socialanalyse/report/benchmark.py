"""Read comparison municipalities' key figures from their latest runs (for 05_noegletal).

Each municipality's run writes `output/<slug>/<run-id>/results.json`, and `output/<slug>/
seneste` points at the latest successful run (a symlink, or a text file holding the run id).
The benchmark figures are recorded by 05_noegletal under the notebook key '05_noegletal'.
Missing runs or figures are reported in a status column, never raised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

LATEST = "seneste"
NOTEBOOK = "05_noegletal"


def latest_results(folder: Path) -> Path | None:
    """results.json of the run `folder/seneste` points at, or None."""
    link = Path(folder) / LATEST
    if link.is_dir():
        run = link
    elif link.is_file():
        run = Path(folder) / link.read_text(encoding="utf-8").strip()
    else:
        return None
    path = run / "results.json"
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


def output_root(session) -> Path:
    """The output folder holding every municipality's runs (output/), for a session."""
    if session.run_dir is not None:
        return Path(session.run_dir).resolve().parent.parent
    from ..config import project_root

    return project_root() / "output"
