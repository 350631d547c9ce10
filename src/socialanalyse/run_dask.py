"""Hand the runner's jobs to a Dask distributed cluster (`socialanalyse run --executor dask`).

The unit of work is the same as with processes: `run.execute_job` for one municipality. With
`--scheduler ADDRESS` the jobs go to that cluster (whose workers must see the same project and
output folders, e.g. on a shared disk); without one a LocalCluster is started with one
single-threaded worker process per `--workers`. The parent process finishes each job
(manifest, rename, seneste) as its future completes, exactly as with local processes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from . import run


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


def run_dask(p: run.Plan, on_done, bars: run.Bars, **cluster_kwargs: Any) -> None:
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
            client.submit(run.execute_job, job, progress, pure=False, key=f"{job.kommune}-"
                          f"{job.run_id}"): job
            for job in p.jobs
        }
        try:
            for fut in as_completed(list(futures)):
                job = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died
                    result = run._broken(job, exc)
                on_done(job, result)
        except BaseException:
            client.cancel(list(futures))
            raise
        finally:
            stop.set()
            thread.join(timeout=2)
