"""Running many jobs: local processes or a Dask cluster, each job finished as it ends.

`execute_plan` hands the plan's jobs (one per municipality: `job.execute_job`) to

- `run_local`: a pool of spawned worker processes (`concurrent.futures.ProcessPoolExecutor`),
  or
- `run_dask`: a Dask distributed cluster (`--executor dask`). With `--scheduler ADDRESS` the
  jobs go to that cluster (whose workers must see the same project and output folders, e.g. on
  a shared disk); without one a LocalCluster is started with one single-threaded worker
  process per `--workers`.

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
import signal
import sys
import threading
import time
from typing import Any

from .finalize import finalize
from .folders import release, remove_scratch, reserve
from .job import execute_job
from .plan import Job, Plan
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
            run_dask(p, on_done, bars, **p.dask_options)
        else:
            run_local(p, on_done, bars)
    except BaseException:
        for job in p.jobs:
            if job.kommune not in finished:
                remove_scratch(job)
                release(job)
        raise
    finally:
        bars.close()
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
        futures = {pool.submit(_execute_in_worker, job): job for job in p.jobs}
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


def run_dask(p: Plan, on_done, bars: Bars, **cluster_kwargs: Any) -> None:
    """Run the plan's jobs on Dask; `on_done(job, result)` is called here as each finishes."""
    from distributed import Queue, as_completed

    cluster, client = cluster_client(p.workers, p.scheduler, **cluster_kwargs)
    with cluster, client:
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

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        futures = {
            client.submit(execute_job, job, progress, pure=False, key=f"{job.kommune}-"
                          f"{job.run_id}"): job
            for job in p.jobs
        }
        try:
            for fut in as_completed(list(futures)):
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died
                    result = broken(job, exc)
                on_done(job, result)
        except BaseException:
            client.cancel(list(futures))
            raise
        finally:
            stop.set()
            thread.join(timeout=2)
