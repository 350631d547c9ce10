"""The unit of work: one municipality's notebooks, executed in a worker process (or on Dask).

`execute_job` runs the notebooks into the job's temporary folder - one kernel per lane, made
clean between notebooks, or one per notebook started ahead of time (see kernels) - exports
each notebook's HTML as soon as it has run and, at the end, builds the index and runs the
byråd checks (export). It never raises: what went wrong is in the returned `JobResult`,
which the parent process finishes (finalize).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import itertools
import os
import shutil
import tempfile
import threading
import time
import traceback
from pathlib import Path

from ..data import snapshot
from ..report.outputs import EXCEL_DIR, HTML_DIR, RESULTS_FILE
from . import export
from .finalize import input_hashes
from .folders import DiskFuld, disk_full, disk_full_text, scratch_root
from .kernels import (
    KERNEL_NAME,
    KERNEL_START_TIMEOUT,
    Kernel,
    KernelStopped,
    in_own_event_loop,
    kernel_env,
    notebook_imports,
    papermill_engine,
)
from .plan import Job
from .results import FAILED, OK, JobResult, NotebookResult, Progress, describe_error, now_iso


def execute_job(job: Job, progress: Progress | None = None) -> JobResult:
    """Run one municipality's notebooks in order into job.tmp_dir, export HTML, build the
    index and, for the byråd, check every HTML file. Never raises: failures are in the result.

    A full disk stops the job: no further notebook starts, and the result carries one Danish
    message (`JobResult.disk_fuld`; the parent then removes the unfinished folder) instead of
    the secondary errors of every notebook and export that could not write.
    """
    t0 = time.perf_counter()
    start = now_iso()
    results = [NotebookResult(navn=Path(p).stem) for p in job.notebooks]
    out = JobResult(job.kommune, job.run_id, start, 0.0, results)
    try:
        # A fresh context: jupyter_core keeps its event loop in a context variable, and a
        # thread-pool worker (Dask) may hand a job a context copied from another thread,
        # whose loop this thread must not use.
        contextvars.Context().run(_execute_job, job, out, progress)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        if disk_full(exc):
            out.fejl, out.disk_fuld = disk_full_text(Path(job.out_dir)), True
            for nb in out.notebooks:
                nb.fejl = None if nb.status != OK else nb.fejl
        else:
            out.fejl = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    out.sekunder = round(time.perf_counter() - t0, 3)
    return out


# Seconds nbclient waits for a cell's last output after its reply before it calls the cell
# timed out (its default, 4 s, is reached on a busy machine; Papermill makes it an error).
IOPUB_TIMEOUT = 30


def _put(progress: Progress | None, *event) -> None:
    if progress is not None:
        with contextlib.suppress(Exception):  # progress is cosmetic; never fail a run over it
            progress.put(tuple(event))


# Kernels a worker process keeps from one job to the next (`keep_kernels_between_jobs`):
# clean, idle, in the run's kernel folder (Job.kerner). The next job takes them
# (`_take_kept`), so a municipality's first notebook does not pay a new kernel's start and
# imports either - in a national run that is one start per worker instead of one per
# municipality.
_kept: list[Kernel] = []
_kept_lock = threading.Lock()
_keeping = False
_kernel_numbers = itertools.count(1)


def keep_kernels_between_jobs() -> None:
    """In a worker process that runs job after job (the local executor's workers, a Dask
    worker): keep the jobs' clean kernels for the next job; they are stopped when the
    process ends. Jobs run elsewhere (tests, a single job) keep none."""
    global _keeping
    if _keeping:
        return
    _keeping = True
    import multiprocessing.util

    multiprocessing.util.Finalize(None, stop_kept_kernels, exitpriority=50)
    import atexit

    atexit.register(stop_kept_kernels)


def stop_kept_kernels(kerner: str | None = None) -> int:
    """Stop the kernels this process keeps (only those in the run folder `kerner`, when
    given): at the end of a run, so a Dask worker that lives on holds no idle kernels.
    Returns how many were stopped."""
    with _kept_lock:
        kept = [k for k in _kept if kerner is None or str(k.folder.parent) == kerner]
        for kernel in kept:
            _kept.remove(kernel)
    for kernel in kept:
        with contextlib.suppress(Exception):
            in_own_event_loop(kernel.shutdown)
    return len(kept)


def _take_kept(job: Job, cwd: Path, env: dict[str, str], logs: Path, n: int) -> list[Kernel]:
    """Up to `n` kept kernels for `job`, each made ready for it (Kernel.use_for); one that
    died or cannot be handed over is stopped, and so is one kept from another run (its
    folder is gone with that run)."""
    with _kept_lock:
        stale = [k for k in _kept if str(k.folder.parent) != job.kerner]
        taken = [k for k in _kept if k.cwd == cwd and k not in stale][:n]
        for kernel in [*stale, *taken]:
            _kept.remove(kernel)
    for kernel in stale:
        with contextlib.suppress(Exception):
            in_own_event_loop(kernel.shutdown)
    ready = []
    for kernel in taken:
        try:
            if kernel.alive():
                in_own_event_loop(kernel.use_for, env, logs / f"kerne-{kernel.folder.name}.log")
                ready.append(kernel)
                continue
        except Exception:  # noqa: BLE001, S110 - a new kernel is the safe answer
            pass
        in_own_event_loop(kernel.shutdown)
    return ready


# A kernel that holds more than this after a job (a large municipality's data leave the
# Python heap large even when freed) is stopped rather than kept: the worker's next,
# smaller municipality should not carry it.
KEEP_AT_MOST = 1 << 30  # bytes resident


def _keep(kernels: list[Kernel]) -> None:
    small = [k for k in kernels if (k.resident_bytes() or 0) <= KEEP_AT_MOST]
    for kernel in kernels:
        if kernel not in small:
            kernel.shutdown()
    with _kept_lock:
        _kept.extend(small)


def reads_earlier_results(path: Path) -> bool:
    """Whether a notebook's code reads the run's earlier results (report.load_results or
    results.json): such a notebook starts only when every notebook before it has finished."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return True  # unknown: be safe
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return "load_results" in code or RESULTS_FILE in code


def _execute_job(job: Job, out: JobResult, progress: Progress | None) -> None:
    root = Path(job.root)
    params = job.load_parameters()
    tmp = job.tmp_dir
    # Kernel files (and a snapshot that cannot live in memory) go to the private scratch
    # folder the parent reserved (created here too: a Dask worker may be another machine).
    scratch = Path(job.scratch or tempfile.mkdtemp(prefix="sa-", dir=scratch_root()))
    scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
    (tmp / HTML_DIR).mkdir(parents=True, exist_ok=True)
    if job.publikum == "intern":
        (tmp / EXCEL_DIR).mkdir(exist_ok=True)
    out.inputfiler = input_hashes(params, job.inputs if job.klynge else None)
    data = snapshot.Snapshot.create(scratch / snapshot.FILE) if job.snapshot else None
    env = kernel_env(root, data.path if data else None)
    logs = tmp / "log"
    logs.mkdir(exist_ok=True)
    paths = [Path(p) for p in job.notebooks]
    waits = [reads_earlier_results(p) for p in paths]
    lanes_n = max(1, job.parallel)
    # A kernel's imports: with reused kernels every notebook's (paid once per kernel), else
    # only its own notebook's.
    everything = list(dict.fromkeys(m for p in paths for m in notebook_imports(p)))
    started = itertools.count()
    # Kernels that may outlive the job live in the run's kernel folder, not the job's.
    keeping = _keeping and job.reuse_kernels and job.prewarm and job.kerner is not None

    def start_kernel(i: int) -> Kernel:
        n = next(started)
        imports = (everything if job.reuse_kernels else notebook_imports(paths[i])) \
            if job.prewarm else []
        if keeping:
            folder = Path(str(job.kerner)) / f"{os.getpid()}-{next(_kernel_numbers)}"
            kernel = Kernel(paths[i].parent, env, folder, folder / "kerne.log", imports)
            kernel.job_log = logs / f"kerne-{folder.name}.log"
            return kernel
        log = f"kerne-{n + 1}" if job.reuse_kernels else paths[i].stem
        return Kernel(paths[i].parent, env, scratch / str(n), logs / f"{log}.log", imports)

    # Kernels are started here, in the job's thread; notebooks run in `lanes` threads (one,
    # unless the job has cores to spare: Job.parallel), each notebook in an event loop of its
    # own, with every socket to its kernel (see kernels). Notebooks start in order; one that
    # reads earlier results waits for all before it. With `Job.reuse_kernels` a kernel that
    # has run a notebook is made clean (kernels.CLEAN_SLATE) and runs the next one: the
    # imports are paid once per lane, not once per notebook; a kernel that died, timed out
    # or could not be cleaned is replaced by a new one. Without it every notebook has its
    # own kernel, the next ones booting while the current ones run. Each notebook's HTML is
    # exported in a thread as soon as it has run. A full disk (DiskFuld from a notebook or an
    # export) ends the loop: the running notebooks finish, no new one starts.
    # The first notebooks' kernels boot while the data are loaded.
    kernels: dict[int, Kernel] = {}  # fresh kernels started for a given notebook
    idle: list[Kernel] = []  # clean kernels waiting for a notebook (reuse_kernels)
    loaded = None
    lanes = cf.ThreadPoolExecutor(max_workers=lanes_n, thread_name_prefix="nb")
    exporter = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="html")
    exports: list[cf.Future] = []
    finished = False
    try:
        if keeping and paths:
            idle += _take_kept(job, paths[0].parent, env, logs, lanes_n)
        for i in range(len(idle), min(lanes_n, len(paths))):
            kernels[i] = start_kernel(i)
        if data is not None:
            # While the first kernel boots: load the data once for every notebook.
            try:
                loaded = data.fill(params)
            except Exception as exc:  # the notebooks show the loader's message
                if disk_full(exc):
                    raise
                loaded = None
        following = 0  # the next notebook to start
        running: dict[cf.Future, int] = {}
        while following < len(paths) or running:
            while (following < len(paths) and len(running) < lanes_n
                   and not (waits[following] and running)):
                i = following
                following += 1
                kernel = kernels.pop(i, None) or (idle.pop(0) if idle else start_kernel(i))
                # Without reuse the next kernels (one per lane) boot meanwhile.
                ahead = range(following, min(following + lanes_n, len(paths)))
                for j in ahead if job.prewarm and not job.reuse_kernels else ():
                    if j not in kernels:
                        kernels[j] = start_kernel(j)
                running[lanes.submit(in_own_event_loop, _run_notebook, job, paths[i],
                                     out.notebooks[i], kernel, progress)] = i
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i = running.pop(fut)
                kept = fut.result()
                if kept is not None:
                    idle.append(kept)
                elif (job.reuse_kernels and job.prewarm and following < len(paths)
                      and following not in kernels
                      and len(idle) + len(kernels) + len(running) < lanes_n):
                    # The lane's kernel is gone: its successor boots while others run.
                    kernels[following] = start_kernel(following)
                exports.append(
                    exporter.submit(export.export_notebook, job, params, paths[i],
                                    out.notebooks[i]))
            for fut in exports:
                if fut.done():
                    fut.result()  # raises DiskFuld from an export at once
        finished = True
    finally:
        lanes.shutdown(wait=True)
        left = [*kernels.values(), *idle]
        if keeping and finished:  # clean and idle: the worker's next job takes them
            for kernel in left:
                kernel.copy_log()
            _keep(left)
        else:
            for kernel in left:
                kernel.shutdown()
        if data is not None:
            data.remove()  # case data: never left behind
        exporter.shutdown(wait=True)
        shutil.rmtree(scratch, ignore_errors=True)
    for fut in exports:
        fut.result()

    for log in logs.glob("*.log"):  # keep only logs that say something
        if log.stat().st_size == 0:
            log.unlink()
    if not any(logs.iterdir()):
        logs.rmdir()
    export.export_run(job, params, out, loaded)
    if not job.klynge:
        export.export_aggregater(job, params, out, loaded)


def _run_notebook(
    job: Job, path: Path, res: NotebookResult, kernel: Kernel, progress: Progress | None
) -> Kernel | None:
    """Execute one notebook with Papermill on an already started kernel; record the outcome
    in `res` (a failure is a result, not an exception; a full disk raises DiskFuld). A dead
    kernel or a cell past the timeout fails the notebook within seconds, with the notebook
    kept as far as it got (kernels.papermill_engine). Runs in a lane thread, in the
    notebook's own event loop (kernels.in_own_event_loop).

    Returns the kernel, made clean for the next notebook, when the job reuses kernels and
    the kernel is fit for it (also after a notebook that failed in a cell); otherwise stops
    it and returns None."""
    import papermill as pm

    _put(progress, "start", job.kommune, res.navn, None)
    res.start = now_iso()
    t0 = time.perf_counter()
    executed = job.tmp_dir / path.name
    reused = kernel.notebooks_run > 0
    keep = False
    cpu = None
    try:
        res.kerne_ventetid = round(kernel.wait_ready(), 3)
        cpu = kernel.cpu_seconds()
        res.kerne_genbrugt = reused
        # A new kernel's cost is its start; a reused one's, being made clean.
        res.kerne_sekunder = round((kernel.cleaned_in if reused else kernel.ready_after)
                                   or 0.0, 3)
        pm.execute_notebook(
            str(path),
            str(executed),
            parameters={**job.runner_parameters(), **job.parameters_for(path.stem)},
            engine_name=papermill_engine(),
            keep_as=str(executed),
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=job.timeout,
            start_timeout=KERNEL_START_TIMEOUT,
            iopub_timeout=IOPUB_TIMEOUT,
            km=kernel.km,
        )
        res.status = OK
        keep = job.reuse_kernels
    except KernelStopped as exc:  # died or timed out: the kernel is of no further use
        res.status = FAILED
        res.fejl = describe_error(exc)
    except Exception as exc:  # a failed notebook is a result
        res.status = FAILED
        if disk_full(exc):
            raise DiskFuld(str(exc)) from exc
        res.fejl = describe_error(exc)
        keep = job.reuse_kernels
    finally:
        res.sekunder = round(time.perf_counter() - t0, 3)
        now = kernel.cpu_seconds() if cpu is not None else None
        res.kerne_cpu = round(now - cpu, 3) if now is not None else None
        if keep:
            keep = _clean(kernel)
        if not keep:
            kernel.shutdown()
        _put(progress, "slut", job.kommune, res.navn, res.status)
    return kernel if keep else None


def _clean(kernel: Kernel) -> bool:
    """Make a kernel clean for the next notebook (kernels.CLEAN_SLATE); False when it cannot
    be (the caller stops it, and the next notebook gets a new kernel)."""
    try:
        kernel.clean_slate()
    except Exception:  # noqa: BLE001 - any trouble: a new kernel is the safe answer
        return False
    return True
