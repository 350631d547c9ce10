"""HTML and PDF export and the byråd checks of a run (the only place the runner calls `report`).

Each executed notebook becomes a self-contained HTML page as soon as it has run
(`export_notebook`, also a failed one: it shows the error) and, when the job writes PDFs
(`Job.pdf`, on for the byråd), a successful one also an A4 PDF in pdf/ (`report.export_pdf`,
in the same export thread, so it prints while the next notebook runs). When all have run,
`export_run` checks every page, every PDF's text and results.json for the byråd (ids from the
data, CPR-like numbers, small counts of citizens) and writes the run's index page, checked as
well. The PDF of a rejected report is removed: a PDF is the file that goes on the agenda.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import config
from ..report.outputs import AGGREGAT_DIR, HTML_DIR, PDF_DIR, RESULTS_FILE
from .folders import DiskFuld, disk_full, scratch_root
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
    if job.pdf and res.status == OK:
        export_pdf(job, params, path, res)


def export_pdf(job: Job, params: config.Parametre, path: Path, res: NotebookResult) -> None:
    """The A4 PDF of one report, printed from its HTML (a failure fails the notebook)."""
    from .. import report

    pdf = job.tmp_dir / PDF_DIR / f"{path.stem}.pdf"
    try:
        res.pdf_sekunder = report.export_pdf(
            job.tmp_dir / str(res.html), pdf, notebook_title(path), _header(job, params),
            scratch=scratch_root())
    except Exception as exc:
        if disk_full(exc):
            raise DiskFuld(str(exc)) from exc
        res.status = FAILED
        res.fejl = _join(res.fejl, "PDF-eksport: " + describe_error(exc))
        return
    res.pdf = pdf.relative_to(job.tmp_dir).as_posix()


def _header(job: Job, params: config.Parametre) -> str:
    """Top right on every PDF page: the municipality and the run's date (from its id)."""
    from ..report.format import dato_lang

    try:
        day = dt.datetime.strptime(job.run_id[:8], "%Y%m%d").date()
    except ValueError:
        day = dt.date.today()
    return f"{params.navn} · {dato_lang(day)}"


def export_run(job: Job, params: config.Parametre, out: JobResult, loaded=None) -> None:
    """After the notebooks (whose HTML and PDF are exported as they finish): for the byråd the
    privacy checks of every HTML page, every PDF's text and results.json, then the index
    (linking the HTML and the PDFs), checked as well.
    `loaded` is the run's data when already loaded (for the ids the byråd must not see)."""
    from .. import report

    tmp = job.tmp_dir
    subtitle = _subtitle(job, params)
    titles = {Path(p).stem: _title(Path(p), params) for p in job.notebooks}
    forbidden: set[str] = set()
    if job.publikum == "byraad":
        # A cluster has no case data (only its members' checked aggregates).
        forbidden = set() if job.klynge else forbidden_ids(params, loaded)
        for res in out.notebooks:
            if res.html is None:
                continue
            problems = _check_page(tmp / res.html, forbidden, params.diskretion)
            problems += _check_pdf(tmp, res, forbidden, params.diskretion)
            if problems:
                if res.pdf is not None:  # not on the agenda (see the module docstring)
                    (tmp / res.pdf).unlink(missing_ok=True)
                    res.pdf = None
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
        {"notebook": res.navn, "titel": titles[res.navn], "html": res.html, "pdf": res.pdf,
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


def export_aggregater(job: Job, params: config.Parametre, out: JobResult, loaded=None) -> None:
    """The run's byråd-safe aggregates for klynger (klynge.build_aggregater) in
    `aggregater/`, for both audiences, checked first (klynge.check_aggregater with the data's
    ids). A leak (an id, a small count) rejects the run and writes nothing; a failure to build
    fails it. Data that cannot be loaded (the notebooks show why) give no aggregates; the
    manifest says so (`JobResult.aggregater`)."""
    from .. import data, klynge

    try:
        loaded = loaded if loaded is not None else data.load(params)
    except Exception as exc:
        if disk_full(exc):
            raise DiskFuld(str(exc)) from exc
        out.aggregater = f"ikke skrevet: data kunne ikke indlæses ({describe_error(exc)})"
        return
    try:
        agg = klynge.build_aggregater(loaded, params)
        klynge.write_aggregater(agg, job.tmp_dir / AGGREGAT_DIR, int(params.diskretion),
                                forbidden_ids(params, loaded))
    except klynge.AggregatFejl as exc:
        out.aggregater = "afvist"
        out.byraadstjek.append(f"{AGGREGAT_DIR}/: {exc}")
        return
    except Exception as exc:
        if disk_full(exc):
            raise DiskFuld(str(exc)) from exc
        out.aggregater = "fejlet"
        out.fejl = _join(out.fejl, f"Aggregaterne kunne ikke laves: {describe_error(exc)}")
        return
    out.aggregater = AGGREGAT_DIR


def _check_page(path: Path, forbidden: set[str], threshold: int) -> list[str]:
    from .. import report

    text = path.read_text(encoding="utf-8")
    return list(report.check_byraad_html(text, forbidden, threshold))


def _check_pdf(tmp: Path, res: NotebookResult, forbidden: set[str], threshold: int) -> list[str]:
    """The byråd check on the text of a report's PDF (none: no problems)."""
    from .. import report

    if res.pdf is None:
        return []
    path = tmp / res.pdf
    text = "\n".join(report.pdf_text(path))
    return [f"PDF: {p}" for p in report.check_byraad_pdf_text(text, forbidden, threshold)]


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def forbidden_ids(params: config.Parametre, loaded=None) -> set[str]:
    """Every id in the municipality's data that must never reach the byråd (borger_id,
    bevilling_id, maal_id: `report.forbidden_ids`), from `loaded` or a fresh load."""
    from .. import data, report

    return set(report.forbidden_ids(loaded if loaded is not None else data.load(params)))
