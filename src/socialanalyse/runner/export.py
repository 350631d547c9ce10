"""HTML export and the byråd checks of a run (the only place the runner calls `report`).

Each executed notebook becomes a self-contained HTML page as soon as it has run
(`export_notebook`, also a failed one: it shows the error). When all have run, `export_run`
checks every page and results.json for the byråd (ids from the data, CPR-like numbers, small
counts of citizens) and writes the run's index page, checked as well.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import config
from ..report.outputs import HTML_DIR, RESULTS_FILE
from .folders import DiskFuld, disk_full
from .plan import Job, notebook_title
from .results import FAILED, OK, REJECTED, JobResult, NotebookResult, describe_error

AUDIENCE_TEXT = {"intern": "intern udgave", "byraad": "byrådsudgave"}


def _title(path: Path, params: config.Parametre) -> str:
    return f"{notebook_title(path)} – {params.navn}"


def _subtitle(job: Job, params: config.Parametre) -> str:
    return f"{params.navn} · {AUDIENCE_TEXT[job.publikum]}"


def export_notebook(job: Job, params: config.Parametre, path: Path, res: NotebookResult) -> None:
    """The HTML report of one executed notebook (also of a failed one: it shows the error)."""
    from .. import report

    tmp = job.tmp_dir
    executed = tmp / path.name
    if not executed.is_file():
        return
    html = tmp / HTML_DIR / f"{path.stem}.html"
    try:
        report.export_html(executed, html, _title(path, params), lang="da",
                           subtitle=_subtitle(job, params))
    except Exception as exc:  # an export failure fails this notebook
        if disk_full(exc):
            raise DiskFuld(str(exc)) from exc
        res.status = FAILED if res.status == OK else res.status
        res.fejl = _join(res.fejl, "HTML-eksport: " + describe_error(exc))
        return
    res.html = html.relative_to(tmp).as_posix()


def export_run(job: Job, params: config.Parametre, out: JobResult, loaded=None) -> None:
    """After the notebooks (whose HTML is exported as they finish): for the byråd the privacy
    checks of every HTML page and of results.json, then the index, checked as well.
    `loaded` is the run's data when already loaded (for the ids the byråd must not see)."""
    from .. import report

    tmp = job.tmp_dir
    subtitle = _subtitle(job, params)
    titles = {Path(p).stem: _title(Path(p), params) for p in job.notebooks}
    forbidden: set[str] = set()
    if job.publikum == "byraad":
        forbidden = forbidden_ids(params, loaded)
        for res in out.notebooks:
            if res.html is None:
                continue
            problems = _check_page(tmp / res.html, forbidden, params.diskretion)
            if problems:
                res.byraadstjek = problems
                res.status = REJECTED if res.status == OK else res.status
                res.fejl = _join(res.fejl, f"byrådstjek: {len(problems)} problem(er): "
                                 + problems[0])
        results_path = tmp / RESULTS_FILE
        if results_path.is_file():
            results = json.loads(results_path.read_text(encoding="utf-8"))
            out.byraadstjek += [f"{RESULTS_FILE}: {p}" for p in
                                report.check_byraad_results(results, params.diskretion)]

    reports = [
        {"notebook": res.navn, "titel": titles[res.navn], "html": res.html,
         "status": res.status, "fejl": res.fejl}
        for res in out.notebooks
    ]
    index = Path(report.build_index(
        tmp, reports, title=f"Socialanalyse – {params.navn}", subtitle=subtitle, lang="da"
    ))
    out.index_html = index.relative_to(tmp).as_posix()
    if job.publikum == "byraad":
        out.byraadstjek += [f"{index.name}: {p}" for p in
                            _check_page(index, forbidden, params.diskretion)]


def _check_page(path: Path, forbidden: set[str], threshold: int) -> list[str]:
    from .. import report

    text = path.read_text(encoding="utf-8")
    return list(report.check_byraad_html(text, forbidden, threshold))


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def forbidden_ids(params: config.Parametre, loaded=None) -> set[str]:
    """Every id in the municipality's data that must never reach the byråd (borger_id,
    bevilling_id, maal_id: `report.forbidden_ids`), from `loaded` or a fresh load."""
    from .. import data, report

    return set(report.forbidden_ids(loaded if loaded is not None else data.load(params)))
