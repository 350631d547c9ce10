"""Running many jobs: local processes or a Dask cluster, each job finished as it ends.

`execute_plan` hands the plan's jobs (one per municipality: `job.execute_job`) to

- `run_local`: a pool of spawned worker processes (`concurrent.futures.ProcessPoolExecutor`),
  or
- `run_dask`: a Dask distributed cluster (`--executor dask`): the cluster at `--scheduler
  ADDRESS`, or without one a LocalCluster with one single-threaded worker process per
  `--workers`. How the workers get the files (`--dask-filer`, `choose_filer`):
  - `delt` (shared disk): the workers read the project, notebooks and data and write the run
    folder at the same absolute paths as this machine. Before anything runs, every worker is
    asked (`shared_paths`) whether it sees those folders and files and can write in the
    run's own `.tmp` folder (a marker file written here proves it is the same folder, not a
    copy); if not, the run stops (KoerselFejl, exit code 2) naming each worker and path.
  - `send` (no shared disk): each job's inputs go to the worker as a zip and its finished
    run folder comes back and is unpacked here (`bundle`), a few jobs on their way at a time.
  - `auto` (default): `delt` when every worker passes the check, else `send`.

and the parent process finishes each job (manifest, rename, seneste: `finalize`) as soon as it
ends, with a progress bar per municipality.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from . import bundle
from .finalize import finalize, input_hashes, sha256_file
from .folders import (
    disk_full,
    disk_full_text,
    release,
    remove_kernel_folder,
    remove_scratch,
    reserve,
)
from .job import execute_job, keep_kernels_between_jobs, stop_kept_kernels
from .plan import Job, KoerselFejl, Plan
from .results import JobResult, Progress, broken, now_iso
from .summary import Bars


def execute_plan(p: Plan, *, show_progress: bool = True) -> list[tuple[Job, JobResult]]:
    """Run every job of the plan and finish each one (manifest, rename, seneste) as it ends.

    The run id is reserved first when the plan is not reserved yet (folders.reserve). When
    the run is interrupted (KeyboardInterrupt, also from SIGTERM) the workers are stopped and
    every unfinished job's scratch folder and lock are removed before the exception goes on;
    its `.tmp` folder stays (it never looks finished; remove_stale deletes it later).

    Returns (job, result) pairs in the plan's order.
    """
    if any(job.scratch is None for job in p.jobs):
        p = reserve(p)
    t0 = time.perf_counter()
    meta = {"executor": p.executor, "workers": p.workers, "koersel_start": now_iso()}
    finished: dict[str, JobResult] = {}
    bars = Bars(p.jobs, enabled=show_progress)

    def on_done(job: Job, result: JobResult) -> None:
        bars.finish(job.kommune, result)
        try:
            finalize(job, result, p.parametre[job.kommune], meta)
        except Exception as exc:  # noqa: BLE001 - e.g. the output folder vanished
            result.fejl = (result.fejl or "") + f"Kunne ikke afslutte kørslen: {exc}"
        finished[job.kommune] = result

    try:
        if p.executor == "dask":
            run_dask(p, on_done, bars, meta, **p.dask_options)
        else:
            run_local(p, on_done, bars)
    except BaseException as exc:
        for job in p.jobs:
            if job.kommune not in finished:
                remove_scratch(job)
                release(job)
                if isinstance(exc, KoerselFejl):  # nothing ran: no folder is left either
                    shutil.rmtree(job.tmp_dir, ignore_errors=True)
        raise
    finally:
        bars.close()
        remove_kernel_folder(p)
    meta["sekunder_i_alt"] = round(time.perf_counter() - t0, 3)
    return [(job, finished[job.kommune]) for job in p.jobs if job.kommune in finished]


def _drain(q, bars: Bars) -> None:
    while True:
        try:
            bars.put(q.get_nowait())
        except queue_mod.Empty:
            return
        except (EOFError, OSError):  # the manager went away (interrupted run)
            return


_WORKER_PROGRESS: Progress | None = None  # set in each worker process by _worker_init


def _worker_init(progress: Progress | None = None) -> None:
    """Set up a worker process: it reports progress to the parent's queue, ignores Ctrl-C (the
    parent stops the workers) and, on Linux, dies with the parent, so that an interrupted run
    stops at once and never finishes behind the user's back."""
    global _WORKER_PROGRESS
    _WORKER_PROGRESS = progress
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_kernels_between_jobs()


def _execute_in_worker(job: Job) -> JobResult:
    return execute_job(job, _WORKER_PROGRESS)


def run_local(p: Plan, on_done, bars: Bars) -> None:
    """Run the jobs in a process pool; `on_done(job, result)` is called in this process."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    pool = cf.ProcessPoolExecutor(
        max_workers=min(p.workers, len(p.jobs)), mp_context=ctx,
        initializer=_worker_init, initargs=(q,),
    )
    try:
        futures = {pool.submit(_execute_in_worker, job): job for job in largest_first(p)}
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            _drain(q, bars)
            for fut in done:
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker that crashed
                    result = broken(job, exc)
                on_done(job, result)
    except BaseException:
        _kill_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        q.close()
        q.cancel_join_thread()


def job_size(job: Job, params) -> int:
    """Bytes of a job's inputs (its data folder, or a cluster's members' folders): how long
    the job will take, roughly."""
    folders = [Path(f) for f in job.inputs] if job.klynge else [params.data_dir]
    total = 0
    for folder in folders:
        with contextlib.suppress(OSError):
            total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return total


def largest_first(p: Plan) -> list[Job]:
    """The plan's jobs, the largest first (`job_size`; equal sizes in the plan's order).
    Workers take the next job when they are free, so the longest jobs start early and the
    run does not end with one worker busy on København while the others wait."""
    sizes = {job.kommune: job_size(job, p.parametre[job.kommune]) for job in p.jobs}
    return sorted(p.jobs, key=lambda job: -sizes[job.kommune])


def _execute_keeping_kernels(job: Job, progress: Progress | None) -> JobResult:
    """A job on a Dask worker, whose kernels may run the worker's next job (job.py)."""
    keep_kernels_between_jobs()
    return execute_job(job, progress)


def _stop_kept_on_worker(kerner: str) -> int:
    """stop_kept_kernels on a Dask worker, in a thread of its own (client.run calls this in
    the worker's event loop, where the kernels' own event loops cannot run)."""
    stopped: list[int] = []
    thread = threading.Thread(target=lambda: stopped.append(stop_kept_kernels(kerner)))
    thread.start()
    thread.join(timeout=120)
    return stopped[0] if stopped else 0


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop the workers now (their kernels die with them: kernels.startup_code)."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


class _QueueProgress:
    """Progress events from Dask workers via a distributed.Queue (put only)."""

    def __init__(self, name: str):
        self.name = name
        self._queue = None

    def put(self, item: tuple) -> None:
        from distributed import Queue

        if self._queue is None:
            self._queue = Queue(self.name)
        self._queue.put(list(item), timeout=5)


def cluster_client(workers: int, scheduler: str | None, **cluster_kwargs: Any):
    """A distributed Client on `scheduler`, or on a new LocalCluster with `workers` processes
    of one thread each (kernels are processes; one job per worker keeps the CPU count right).
    Extra keyword arguments go to LocalCluster (e.g. processes=False in tests)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return contextlib.nullcontext(), Client(scheduler)
    options = {"n_workers": workers, "threads_per_worker": 1, "processes": True,
               "dashboard_address": ":0", "silence_logs": logging.ERROR}
    options.update(cluster_kwargs)
    cluster = LocalCluster(**options)
    return cluster, Client(cluster)


def _visible(folders: list[str], files: dict[str, str], sizes: dict[str, int],
             writable: list[str]) -> list[str]:
    """On a worker: what it does not see as the submitting machine does, Danish, one line
    each: folders that are missing, `files` missing or with other content (SHA-256), data
    files missing or of another size (a copy, not the shared disk), and `writable` marker
    files (written by the submitting machine into the run's folders) it does not find or
    beside which it cannot write."""
    problems = [f"mappen {f} findes ikke" for f in folders if not os.path.isdir(f)]
    for path, digest in files.items():
        if not os.path.isfile(path):
            problems.append(f"filen {path} findes ikke")
        elif sha256_file(Path(path)) != digest:
            problems.append(f"filen {path} har et andet indhold end her (en anden kopi?)")
    for path, size in sizes.items():
        if not os.path.isfile(path):
            problems.append(f"datafilen {path} findes ikke")
        elif os.path.getsize(path) != size:
            problems.append(f"datafilen {path} har en anden størrelse end her (en anden kopi?)")
    for marker in writable:
        folder = os.path.dirname(marker)
        if not os.path.isfile(marker):
            problems.append(f"outputmappen {folder} er ikke den samme som her (kørslens mappe "
                            "findes ikke dér)")
            continue
        try:
            fd, probe = tempfile.mkstemp(prefix=".skrivetest-", dir=folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            problems.append(f"kan ikke skrive i outputmappen {folder} ({exc.strerror})")
    return problems


def shared_paths(client, p: Plan) -> dict[str, list[str]]:
    """Which workers do not see the plan's project, notebooks, data and output folders as
    this machine does (same paths, same files, writable), and what each misses: {worker
    address: Danish problems}; {} when every worker sees everything. Parameter files and
    notebooks are compared by content, data files by size, and the output folders by a
    marker file written here into each job's reserved `.tmp` folder."""
    folders = {p.jobs[0].root, *(str(Path(j.notebooks[0]).parent) for j in p.jobs)}
    folders |= {folder for j in p.jobs for folder in j.inputs}  # a cluster's members
    data = {one.data_dir for one in p.parametre.values() if hasattr(one, "data_dir")}
    folders |= {str(d) for d in data}
    small = {str(f) for one in p.parametre.values() for f in one.files}
    small |= {nb for j in p.jobs for nb in j.notebooks}
    files = {path: sha256_file(Path(path)) if os.path.isfile(path) else ""
             for path in sorted(small)}
    sizes = {str(f): f.stat().st_size for d in sorted(data) if d.is_dir()
             for f in sorted(d.rglob("*")) if f.is_file()}
    token = f".delt-disk-{uuid.uuid4().hex}"
    markers = [str(j.tmp_dir / token) for j in p.jobs]
    try:
        for marker in markers:
            Path(marker).touch()
        seen = client.run(_visible, sorted(folders), files, sizes, markers)
    finally:
        for marker in markers:
            Path(marker).unlink(missing_ok=True)
    return {worker: problems for worker, problems in sorted(seen.items()) if problems}


def shared_paths_text(missing: dict[str, list[str]]) -> str:
    """The Danish message when workers do not share this machine's folders (--dask-filer
    delt): each worker with what it misses, and what to do."""
    shown = 5  # per worker; the rest are counted
    lines = []
    for worker, problems in missing.items():
        more = f"; og {len(problems) - shown} til" if len(problems) > shown else ""
        lines.append(f"  - worker {worker}: {'; '.join(problems[:shown])}{more}")
    return ("Dask-workerne ser ikke de samme mapper og filer som denne maskine, så kørslen kan "
            "ikke bruge en delt disk (--dask-filer delt):\n" + "\n".join(lines) + "\n"
            "Montér projekt-, notebook- og outputmappen på samme sti på alle workers, eller "
            f"brug {bundle.SEND_OPTION} (eller auto): så sendes hver kommunes filer til "
            "workeren og den færdige kørsel tilbage hertil.")


def choose_filer(client, p: Plan) -> str:
    """'delt' or 'send' for the plan's --dask-filer: `delt` when every worker sees the
    folders (else KoerselFejl naming them), `send` as asked, `auto` the first when the check
    passes, else the second (said on stderr)."""
    if p.dask_filer == "send":
        return "send"
    missing = shared_paths(client, p)
    if not missing:
        return "delt"
    if p.dask_filer == "delt":
        raise KoerselFejl(shared_paths_text(missing))
    from tqdm import tqdm

    tqdm.write(f"Bemærk: {len(missing)} Dask-worker(e) ser ikke projektets mapper; hver "
               "kommunes filer sendes til workeren og den færdige kørsel tilbage "
               f"({bundle.SEND_OPTION}).", file=sys.stderr)
    return "send"


WAIT_FOR_WORKERS = 60  # seconds a cluster may take to have its first worker


def _connect(p: Plan, cluster_kwargs: dict[str, Any]):
    """cluster_client, with a Danish KoerselFejl when the scheduler cannot be reached."""
    try:
        return cluster_client(p.workers, p.scheduler, **cluster_kwargs)
    except OSError as exc:  # distributed's own text is English
        raise KoerselFejl(f"Kan ikke forbinde til Dask-scheduleren {p.scheduler}: den svarer "
                          "ikke. Kontrollér adressen (--scheduler), og at scheduleren kører."
                          ) from exc


def run_dask(p: Plan, on_done, bars: Bars, meta: dict[str, Any] | None = None,
             **cluster_kwargs: Any) -> None:
    """Run the plan's jobs on Dask; `on_done(job, result)` is called here as each finishes.
    The workers share this machine's folders (delt) or get each job's files and send its run
    folder back (send): `choose_filer`; the choice goes into `meta` (the manifest).
    Raises KoerselFejl (nothing has run) when delt was asked for and a worker misses a
    folder, when a job's files cannot be sent, or when the scheduler cannot be reached."""
    from distributed import Queue, as_completed

    cluster, client = _connect(p, cluster_kwargs)
    with cluster, client:
        try:  # the check needs the workers (those that join later are not checked)
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError:
            raise KoerselFejl(f"Dask-scheduleren {p.scheduler} har ingen workers (ventede "
                              f"{WAIT_FOR_WORKERS} sekunder). Start mindst én med `dask worker "
                              f"{p.scheduler} --nthreads 1`.") from None
        mode = choose_filer(client, p)
        if meta is not None:
            meta["dask_filer"] = mode
        if mode == "send":
            for job in p.jobs:  # every path checked before anything runs
                bundle.input_files(job, p.parametre[job.kommune])
        name = f"socialanalyse-{p.jobs[0].run_id}"
        events = Queue(name, client=client)
        progress = _QueueProgress(name)
        stop = threading.Event()

        def pump() -> None:
            # get(batch=True) returns what is there without waiting (a blocking get with a
            # timeout makes the scheduler log an error at every timeout).
            while not stop.wait(0.3):
                items = []
                with contextlib.suppress(Exception):  # progress is cosmetic
                    items = events.get(batch=True)
                for item in items:
                    bars.put(tuple(item))

        def submit(job: Job):
            key = f"{job.kommune}-{job.run_id}"
            if mode == "delt":
                return client.submit(_execute_keeping_kernels, job, progress, pure=False,
                                     key=key)
            params = p.parametre[job.kommune]
            # The inputs as named and hashed here (the worker's copy lies elsewhere), when sent.
            hashes[job.kommune] = input_hashes(params, job.inputs if job.klynge else None)
            inputs = client.scatter(bundle.pack_inputs(job, params), hash=False)
            return client.submit(bundle.execute_sent, job, inputs, progress, pure=False,
                                 key=key)

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        # The next job goes to the cluster only when a worker thread is free (largest
        # first): the scheduler then never queues a long job behind another on a busy worker
        # while a second worker waits. Sent jobs also carry their data, so those are packed
        # only as they are needed. Workers that join later are counted when they are there.
        def window() -> int:
            return max(1, sum(client.nthreads().values()))

        waiting = iter(largest_first(p))
        futures: dict[Any, Job] = {}
        hashes: dict[str, dict[str, str]] = {}
        running = as_completed()

        def submit_next() -> bool:
            job = next(waiting, None)
            if job is None:
                return False
            fut = submit(job)
            futures[fut] = job
            running.add(fut)
            return True

        try:
            for _ in range(window()):
                submit_next()
            for fut in running:
                job = futures.pop(fut)
                try:
                    result = fut.result()
                    if mode == "send":
                        result = _received(job, hashes.pop(job.kommune), *result)
                except Exception as exc:  # noqa: BLE001 - a worker that died
                    result = broken(job, exc)
                fut.release()
                on_done(job, result)
                while len(futures) < window() and submit_next():
                    pass
        except BaseException:
            client.cancel(list(futures))
            raise
        finally:
            stop.set()
            thread.join(timeout=2)
            # Workers outlive the run: the kernels they kept for its next job go now.
            kerner = p.jobs[0].kerner
            if kerner and mode == "delt":
                with contextlib.suppress(Exception):
                    client.run(_stop_kept_on_worker, kerner)


def _received(job: Job, hashes: dict[str, str], result: JobResult, folder: bytes
              ) -> JobResult:
    """A sent job's result, its run folder unpacked into the job's `.tmp` folder here, with
    the `hashes` of its inputs as sent (named as here, not as in the worker's copy)."""
    result.inputfiler = hashes
    try:
        bundle.unpack_run(job, folder)
    except Exception as exc:  # noqa: BLE001 - the run failed here, not on the worker
        if disk_full(exc):
            result.fejl, result.disk_fuld = disk_full_text(Path(job.out_dir)), True
        else:
            result.fejl = f"Den færdige kørsel kunne ikke pakkes ud i {job.tmp_dir}: {exc}"
    return result
