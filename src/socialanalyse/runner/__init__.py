"""The runner: execute the notebooks with Papermill for one or many municipalities.

`socialanalyse run --kommune SLUG` calls `run`, which

1. validates every municipality's parameters and data folder before anything starts and makes
   one job per municipality (`plan`);
2. runs the jobs (each municipality's notebooks in order, since later notebooks may read
   earlier results; a kernel made clean between notebooks runs the next: `job`, `kernels`)
   in parallel processes or on a Dask cluster (`executors`);
3. exports each notebook as HTML (and, for the byråd, as PDF) and, for the byråd, checks every
   page (`export`);
4. writes `manifest.json`, renames the run's temporary folder and points `seneste` at it
   when everything succeeded (`finalize`); and prints the summary (`summary`).

The output layout (results.json, manifest.json, seneste, .tmp) is `report.outputs`. Messages to
the analyst are Danish.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterable
from pathlib import Path

from .. import config
from .executors import execute_plan
from .folders import cannot_write_text, remove_stale, reserve
from .plan import DEFAULT_TIMEOUT, KoerselFejl, Plan, build_plan
from .summary import format_summary

__all__ = ["DEFAULT_TIMEOUT", "KoerselFejl", "build_plan", "execute", "execute_plan", "run"]


def run(
    kommuner: Iterable[str] = (),
    *,
    alle: bool = False,
    publikum: str = "intern",
    notebooks: Iterable[str] = (),
    root: Path | None = None,
    notebooks_dir: Path | None = None,
    out: Path | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    quiet: bool = False,
    notebook_parameters: Iterable[str] = (),
    pdf: bool | None = None,
    reuse_kernels: bool = True,
    dask_filer: str = "auto",
) -> int:
    """`socialanalyse run …`: run the notebooks for the municipalities `kommuner` (or every
    municipality with a parameters file, `alle`) and print the summary.
    `notebook_parameters`: `NOTEBOOK:NAVN=VÆRDI` specs (--parameter; see notebook_parameters).
    `pdf`: --pdf (True), --ingen-pdf (False) or neither (None: PDFs for the byråd; plan.want_pdf).
    `reuse_kernels`: False for --ny-kerne-pr-notebook (a new kernel for every notebook).
    `dask_filer`: --dask-filer, how Dask workers get the files (executors.choose_filer).

    Returns the exit code: 0 all ok, 1 something failed, 2 unusable parameters or arguments
    (nothing was run), 130 interrupted.
    """
    kommuner = list(kommuner)
    try:
        root = Path(root).resolve() if root else None
        if alle and kommuner:
            raise KoerselFejl("Brug enten --kommune eller --all, ikke begge.")
        slugs = config.available_kommuner(root) if alle else kommuner
        p = build_plan(
            slugs,
            publikum=publikum,
            notebooks=notebooks,
            root=root,
            notebooks_dir=Path(notebooks_dir) if notebooks_dir else None,
            out=Path(out) if out else None,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
            timeout=timeout or DEFAULT_TIMEOUT,
            notebook_parameters=notebook_parameters,
            pdf=pdf,
            reuse_kernels=reuse_kernels,
            dask_filer=dask_filer,
        )
    except (config.ParameterFejl, KoerselFejl) as exc:
        print(f"Kørslen er ikke startet.\n{exc}", file=sys.stderr)
        return 2
    return execute(p, quiet=quiet)


def execute(p: Plan, *, quiet: bool = False) -> int:
    """Reserve the plan's folders, run its jobs, print the summary and where the reports
    are; the exit code as `run` returns it (also for a cluster's run, runner.klynge)."""
    try:
        p = reserve(p)
    except OSError as exc:  # the output folder cannot be written (a full disk: DiskFuld)
        print(f"Kørslen er ikke startet.\n{cannot_write_text(exc)}", file=sys.stderr)
        return 2
    n_nb = len(p.jobs[0].notebooks)
    # On a cluster at --scheduler its own workers run the jobs (--workers only sizes the plan).
    where = (f"dask på {p.scheduler}" if p.scheduler
             else f"{p.executor}, {p.workers} worker(s)")
    print(
        f"Kører {n_nb} notebook(s) for "
        f"{'klyngen ' + p.jobs[0].kommune if p.jobs[0].klynge else f'{len(p.jobs)} kommune(r)'} "
        f"({p.jobs[0].publikum}, {where}); kørsel {p.jobs[0].run_id}.",
        flush=True,
    )
    for warning in p.warnings:
        print(warning, file=sys.stderr, flush=True)
    for job in p.jobs:
        hours = p.parametre[job.kommune].koersel.ryd_op_efter_timer
        for line in remove_stale(Path(job.out_dir), hours):
            print(f"{job.kommune}: slettede {line}", flush=True)
    previous = _install_term_handler()
    try:
        pairs = execute_plan(p, show_progress=not quiet)
    except KoerselFejl as exc:  # e.g. Dask workers that do not see the folders
        print(f"Kørslen er ikke startet.\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hours = min(p.parametre[job.kommune].koersel.ryd_op_efter_timer for job in p.jobs)
        folders = "\n".join(f"  {job.tmp_dir}" for job in p.jobs if job.tmp_dir.is_dir())
        print(
            "\nKørslen blev afbrudt. Den ufærdige mappe ligner ikke en færdig kørsel; den næste "
            "kørsel for kommunen sletter den, når den har ligget uændret i "
            f"{f'{hours:g}'.replace('.', ',')} timer:\n{folders}",
            file=sys.stderr,
        )
        return 130
    finally:
        _restore_term_handler(previous)

    print()
    print(format_summary(pairs))
    print()
    for job, result in pairs:
        where = job.final_dir
        if not where.is_dir():
            continue  # nothing finished to point at (e.g. a full disk; see the summary)
        if result.index_html:
            print(f"{job.kommune}: rapporten ligger i {where / result.index_html}")
        else:
            print(f"{job.kommune}: resultaterne ligger i {where}")
    failed = [job.kommune for job, result in pairs if not result.ok]
    if failed or len(pairs) < len(p.jobs):
        print(f"\nNoget fejlede for: {', '.join(failed)}. Se tabellen ovenfor.", file=sys.stderr)
        return 1
    return 0


def _install_term_handler():
    """SIGTERM stops the run like Ctrl-C (workers are killed; no folder looks finished)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _restore_term_handler(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
