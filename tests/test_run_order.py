"""The order jobs run in: the largest municipality first, and on Dask a job goes to a worker
only when that worker is free (so a long job never waits behind another while a worker idles).
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from socialanalyse.runner import executors


def _plan(tmp_path: Path, sizes: dict[str, int], workers: int = 2):
    params, jobs = {}, []
    for slug, size in sizes.items():
        folder = tmp_path / slug
        folder.mkdir()
        (folder / "bevillinger.csv").write_bytes(b"x" * size)
        params[slug] = SimpleNamespace(data_dir=folder)
        jobs.append(SimpleNamespace(kommune=slug, run_id="r1", klynge=False, inputs=(),
                                    kerner=None))
    return SimpleNamespace(jobs=jobs, parametre=params, workers=workers, scheduler=None,
                           dask_filer="auto", executor="dask")


def test_the_largest_data_folder_comes_first_and_ties_keep_the_plans_order(tmp_path):
    p = _plan(tmp_path, {"laesoe": 10, "aarhus": 300, "odense": 200, "dragoer": 10,
                         "koebenhavn": 900})
    assert [j.kommune for j in executors.largest_first(p)] == [
        "koebenhavn", "aarhus", "odense", "laesoe", "dragoer"]


def test_a_clusters_job_is_sized_by_its_members_folders(tmp_path):
    p = _plan(tmp_path, {"a": 50, "b": 60})
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "x.csv").write_bytes(b"x" * 100)
    p.jobs.append(SimpleNamespace(kommune="klynge", run_id="r1", klynge=True,
                                  inputs=(str(tmp_path / "a"), str(tmp_path / "k"))))
    p.parametre["klynge"] = SimpleNamespace()  # a cluster has no data folder of its own
    assert executors.job_size(p.jobs[-1], p.parametre["klynge"]) == 150
    assert [j.kommune for j in executors.largest_first(p)] == ["klynge", "b", "a"]


@pytest.mark.timeout(120)
def test_on_dask_the_free_worker_takes_every_short_job_while_the_other_runs_the_long_one(
        tmp_path, monkeypatch):
    # One long job (4 s, the largest folder) and five short ones (0.5 s): the worker that
    # is not busy with the long one must run all five - none may be queued behind the long
    # one on its worker (the scheduler queues tasks on busy workers when it is given them
    # all at once). Work stealing, which can repair that afterwards, is off: the order must
    # not depend on it (a scheduler may run without it, and it moves a job only after it
    # has waited).
    seconds = {"koebenhavn": 4.0, **{f"k{i}": 0.5 for i in range(5)}}
    p = _plan(tmp_path, {slug: int(s * 100) for slug, s in seconds.items()})

    def fake_job(job, progress=None):
        from distributed import get_worker

        time.sleep(seconds[job.kommune])
        return get_worker().address

    monkeypatch.setattr(executors, "execute_job", fake_job)
    monkeypatch.setattr(executors, "shared_paths", lambda client, plan: {})
    ran: dict[str, str] = {}
    import dask
    import distributed  # noqa: F401 - before dask.config.set of its keys (see test_run_dask_filer)

    with dask.config.set({"distributed.scheduler.work-stealing": False}):
        executors.run_dask(p, lambda job, worker: ran.__setitem__(job.kommune, worker),
                           SimpleNamespace(put=lambda item: None), processes=False)
    assert set(ran) == set(seconds)
    long_one = ran["koebenhavn"]
    assert [slug for slug, worker in ran.items() if worker == long_one] == ["koebenhavn"]
