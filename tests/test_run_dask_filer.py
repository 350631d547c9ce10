"""Dask without a shared disk (--dask-filer send) and the shared-disk check (delt).

The send test runs notebook 00 on a LocalCluster whose worker process starts in another
working directory and cannot see the project: the project folder is moved away as soon as the
job's files are packed and comes back only when the run is finished here. The run must land in
the submitter's output folder (seneste, manifest, HTML) with the same results.json and input
hashes as a local run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from helpers import load_benchmark
from run_support import NOTEBOOKS, cli, make_project, write_notebooks

from socialanalyse.report.outputs import latest_run
from socialanalyse.runner import build_plan, bundle, execute, execute_plan, executors
from socialanalyse.runner.folders import scratch_root
from socialanalyse.runner.plan import KoerselFejl


def test_a_worker_missing_a_path_is_named_with_the_path_and_the_send_option(tmp_path):
    from socialanalyse.runner.finalize import sha256_file

    out = tmp_path / "output" / "eksempelkommune" / ".x.tmp"
    out.mkdir(parents=True)
    marker = out / ".delt-disk-1"
    marker.touch()
    same, other, data = tmp_path / "default.yaml", tmp_path / "egen.yaml", tmp_path / "b.csv"
    same.write_text("a: 1\n", encoding="utf-8")
    other.write_text("a: 2\n", encoding="utf-8")  # the worker's copy of a changed file
    data.write_text("x;y\n", encoding="utf-8")
    problems = executors._visible(
        [str(tmp_path), str(tmp_path / "projekt")],
        {str(same): sha256_file(same), str(other): sha256_file(same),
         str(tmp_path / "nb" / "00_a.ipynb"): "0" * 64},
        {str(data): 4, str(tmp_path / "c.csv"): 1},
        [str(marker), str(tmp_path / "andet" / ".delt-disk-1")])
    assert problems == [
        f"mappen {tmp_path / 'projekt'} findes ikke",
        f"filen {other} har et andet indhold end her (en anden kopi?)",
        f"filen {tmp_path / 'nb' / '00_a.ipynb'} findes ikke",
        f"datafilen {tmp_path / 'c.csv'} findes ikke",
        (f"outputmappen {tmp_path / 'andet'} er ikke den samme som her (kørslens mappe "
         "findes ikke dér)"),
    ]
    assert executors._visible([], {}, {str(data): 5}, []) == [
        f"datafilen {data} har en anden størrelse end her (en anden kopi?)"]
    assert list(out.iterdir()) == [marker]  # the write probe is gone again
    text = executors.shared_paths_text({"tcp://10.0.0.7:4001": problems,
                                        "tcp://10.0.0.8:4001": [f"mappen {tmp_path} findes ikke"]})
    assert text.startswith("Dask-workerne ser ikke de samme mapper og filer som denne maskine")
    assert f"  - worker tcp://10.0.0.7:4001: mappen {tmp_path / 'projekt'} findes ikke; " in text
    assert f"  - worker tcp://10.0.0.8:4001: mappen {tmp_path} findes ikke\n" in text
    assert "--dask-filer send" in text


def test_many_missing_paths_are_counted_not_all_listed():
    text = executors.shared_paths_text({"w": [f"filen /x/{i} findes ikke" for i in range(8)]})
    assert "filen /x/4 findes ikke; og 3 til" in text and "/x/5" not in text


@pytest.fixture
def small_project(tmp_path):
    return make_project(tmp_path / "projekt", extra_kommuner=("furesoe",), sample=False)


def _names(data: bytes) -> list[str]:
    return sorted(zipfile.ZipFile(BytesIO(data)).namelist())


def test_the_sent_zip_holds_what_the_job_reads_and_no_other_municipality(small_project):
    root = small_project
    own = root / "parameters/kommuner/eksempelkommune.yaml"
    content = yaml.safe_load(own.read_text("utf-8"))
    content["sammenligningskommuner"] = ["furesoe", "gladsaxe"]  # gladsaxe has no run
    own.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    nb = write_notebooks(root / "nb", ("00_a", "1"))
    out = root / "output"
    run = out / "furesoe" / "20260101-120000-intern"
    run.mkdir(parents=True)
    (run / "results.json").write_text("{}", encoding="utf-8")
    (out / "furesoe" / "seneste").symlink_to(run.name)
    p = build_plan(["eksempelkommune"], root=root, notebooks_dir=nb, out=out)
    (job,) = p.jobs
    names = _names(bundle.pack_inputs(job, p.parametre["eksempelkommune"]))
    assert "projekt/parameters/default.yaml" in names
    assert "projekt/parameters/kommuner/eksempelkommune.yaml" in names
    assert "projekt/parameters/kommuner/furesoe.yaml" not in names  # not this job's
    assert "projekt/parameters/business_cases/herning_puls.yaml" in names
    assert "projekt/data/eksempelkommune/udtraek.csv" in names
    assert "notebooks/00_a.ipynb" in names
    assert "output/furesoe/20260101-120000-intern/results.json" in names
    assert "output/furesoe/seneste" in names
    assert not any(n.startswith("output/gladsaxe") for n in names)
    moved = bundle.relocated(job, Path("/w"))
    assert (moved.root, moved.out_dir, moved.notebooks, moved.scratch) == (
        "/w/projekt", "/w/output/eksempelkommune", ("/w/notebooks/00_a.ipynb",), None)


def test_a_data_folder_outside_the_project_is_sent_and_its_key_moved(small_project, tmp_path):
    elsewhere = tmp_path / "udtraek"
    shutil.copytree(small_project / "data" / "eksempelkommune", elsewhere)
    own = small_project / "parameters/kommuner/eksempelkommune.yaml"
    content = yaml.safe_load(own.read_text("utf-8"))
    content["data"]["mappe"] = str(elsewhere)
    own.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb)
    data = bundle.pack_inputs(p.jobs[0], p.parametre["eksempelkommune"])
    assert "projekt/_sendt/data_mappe/udtraek.csv" in _names(data)
    assert not any(n.startswith("projekt/data/") for n in _names(data))
    sent = yaml.safe_load(zipfile.ZipFile(BytesIO(data)).read(
        "projekt/parameters/kommuner/eksempelkommune.yaml"))
    assert sent["data"] == {**content["data"], "mappe": "_sendt/data_mappe"}
    assert {k: v for k, v in sent.items() if k != "data"} == {
        k: v for k, v in content.items() if k != "data"}
    assert yaml.safe_load(own.read_text("utf-8")) == content  # the input is not changed


def test_a_parameter_path_outside_the_project_cannot_be_sent_and_says_what_to_do(
        small_project, tmp_path):
    folder = tmp_path / "beslutninger"
    folder.mkdir()
    nb = small_project / "nb"
    nb.mkdir()
    shutil.copy(NOTEBOOKS / "01_servicetjek.ipynb", nb)
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb,
                   notebook_parameters=[f"01_servicetjek:beslutninger={folder}"])
    with pytest.raises(KoerselFejl) as err:
        bundle.input_files(p.jobs[0], p.parametre["eksempelkommune"])
    text = str(err.value)
    assert text.startswith(f"--parameter 01_servicetjek:beslutninger er {str(folder)!r}.")
    assert "relativ til projektmappen" in text and "--dask-filer delt" in text


@pytest.mark.slow
def test_delt_stops_before_anything_runs_when_a_worker_misses_a_folder(small_project, capsys):
    nb = write_notebooks(small_project / "nb", ("00_a", 'report.record("x", 1)'))
    out = small_project / "output"
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb, out=out,
                   executor="dask", workers=1, dask_filer="delt")
    p.dask_options = {"processes": False}
    shutil.rmtree(nb)  # the worker (here: this machine) no longer sees the notebooks
    assert execute(p, quiet=True) == 2
    err = capsys.readouterr().err
    assert "Kørslen er ikke startet.\nDask-workerne ser ikke de samme mapper og filer" in err
    assert f"mappen {nb} findes ikke" in err and "--dask-filer send" in err
    assert list((out / "eksempelkommune").iterdir()) == []  # no .tmp folder is left


@pytest.mark.slow
def test_send_runs_on_a_worker_without_the_project_and_lands_here(tmp_path, monkeypatch,
                                                                  request):
    root = make_project(tmp_path / "projekt")
    nb_dir = root / "notebooks"
    nb_dir.mkdir()
    shutil.copy(NOTEBOOKS / "00_datagrundlag.ipynb", nb_dir)
    # The extracts lie outside the project (an absolute data.mappe), as they often do.
    udtraek = tmp_path / "udtraek"
    (root / "data" / "eksempelkommune").rename(udtraek)
    own = root / "parameters/kommuner/eksempelkommune.yaml"
    content = yaml.safe_load(own.read_text("utf-8"))
    content["data"]["mappe"] = str(udtraek)
    own.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    hidden = tmp_path / "projektet_er_vaek"

    local = build_plan(["eksempelkommune"], root=root, notebooks_dir=nb_dir,
                       out=tmp_path / "lokal", workers=1)
    ((_, local_result),) = execute_plan(local, show_progress=False)
    assert local_result.ok, local_result

    # The worker starts in another folder, and the project is gone while the job runs.
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    monkeypatch.chdir(worker_dir)
    pack, finalize = bundle.pack_inputs, executors.finalize

    def pack_then_hide(job, params):
        data = pack(job, params)
        root.rename(hidden)
        udtraek.rename(hidden.with_suffix(".data"))
        return data

    def restore_then_finalize(*args):
        hidden.rename(root)
        hidden.with_suffix(".data").rename(udtraek)
        return finalize(*args)

    monkeypatch.setattr(bundle, "pack_inputs", pack_then_hide)
    monkeypatch.setattr(executors, "finalize", restore_then_finalize)
    # The worker's temp folder: its own, short (Unix sockets), to see that it is emptied.
    worker_tmp = Path(tempfile.mkdtemp(prefix="dask-filer-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(worker_tmp, ignore_errors=True))
    monkeypatch.setenv("TMPDIR", str(worker_tmp))
    out = tmp_path / "dask"
    p = build_plan(["eksempelkommune"], root=root, notebooks_dir=nb_dir, out=out,
                   executor="dask", workers=1, dask_filer="send")
    p.dask_options = {"processes": True, "local_directory": str(worker_dir)}
    ((job, result),) = execute_plan(p, show_progress=False)
    assert result.ok, (result.fejl, [n.fejl for n in result.notebooks])

    final = job.final_dir
    assert latest_run(out / "eksempelkommune") == final.resolve()
    assert sorted(p.name for p in (out / "eksempelkommune").iterdir()) == [final.name, "seneste"]
    manifest = json.loads((final / "manifest.json").read_text("utf-8"))
    assert manifest["koersel"]["executor"] == "dask"
    assert manifest["koersel"]["dask_filer"] == "send"
    assert manifest["status"] == "ok"
    assert manifest["inputfiler"] == local_result.inputfiler and manifest["inputfiler"]
    html = (final / "html" / "00_datagrundlag.html").read_text("utf-8")
    assert "Eksempelkommune" in html
    assert (final / "html" / "index.html").is_file()
    (local_final,) = [d for d in (tmp_path / "lokal" / "eksempelkommune").iterdir()
                      if d.name != "seneste"]
    ours = json.loads((final / "results.json").read_text("utf-8"))
    theirs = json.loads((local_final / "results.json").read_text("utf-8"))
    assert ours == theirs and ours["00_datagrundlag"]
    assert sorted(p.relative_to(final).as_posix() for p in final.rglob("*")
                  if p.name != "manifest.json") == sorted(
        p.relative_to(local_final).as_posix() for p in local_final.rglob("*")
        if p.name != "manifest.json")
    # The notebook ran in the worker's private copy (Papermill's injected run_dir), which
    # is gone now, kernel files and all.
    executed = json.loads((final / "00_datagrundlag.ipynb").read_text("utf-8"))
    (injected,) = [c for c in executed["cells"]
                   if "injected-parameters" in c["metadata"].get("tags", [])]
    assert f"run_dir = \"{worker_tmp}/sa-send-" in "".join(injected["source"])
    assert list(worker_tmp.iterdir()) == []


def test_a_clusters_job_is_sent_with_its_members_latest_aggregates(small_project):
    from socialanalyse.config import load_klynge
    from socialanalyse.runner.plan import Job

    out = small_project / "output"
    inputs = []
    for slug in ("holstebro", "herning"):
        agg = out / slug / "20261101-120000-intern" / "aggregater"
        agg.mkdir(parents=True)
        (agg / "priser.parquet").write_bytes(b"x")
        (agg.parent / "manifest.json").write_text("{}", encoding="utf-8")
        inputs.append(str(agg))
    job = Job(kommune="vestklyngen", publikum="intern", run_id="20261102-120000-intern",
              notebooks=(str(NOTEBOOKS / "09_klynge.ipynb"),), root=str(small_project),
              out_dir=str(out / "klynger" / "vestklyngen"), klynge=True, inputs=tuple(inputs))
    data = bundle.pack_inputs(job, load_klynge("vestklyngen", root=small_project))
    names = _names(data)
    for slug in ("holstebro", "herning"):
        assert f"output/{slug}/20261101-120000-intern/aggregater/priser.parquet" in names
        assert f"output/{slug}/20261101-120000-intern/manifest.json" in names
        seneste = zipfile.ZipFile(BytesIO(data)).read(f"output/{slug}/seneste")
        assert seneste == b"20261101-120000-intern\n"  # latest_run reads a text file too
    assert "projekt/parameters/klynger/vestklyngen.yaml" in names
    assert not any(n.startswith("projekt/data/") for n in names)  # no case data
    moved = bundle.relocated(job, Path("/w"))
    assert moved.out_dir == "/w/output/klynger/vestklyngen"
    assert moved.inputs == ("/w/output/holstebro/20261101-120000-intern/aggregater",
                            "/w/output/herning/20261101-120000-intern/aggregater")


def test_auto_sends_the_files_when_a_worker_misses_a_folder(small_project, monkeypatch,
                                                            capsys):
    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb, executor="dask")
    assert p.dask_filer == "auto"
    monkeypatch.setattr(executors, "shared_paths", lambda client, plan: {"w": ["mappen x"]})
    assert executors.choose_filer(None, p) == "send"
    assert "Bemærk: 1 Dask-worker(e) ser ikke projektets mapper" in capsys.readouterr().err
    monkeypatch.setattr(executors, "shared_paths", lambda client, plan: {})
    assert executors.choose_filer(None, p) == "delt"
    with pytest.raises(KoerselFejl, match="--dask-filer skal være auto, delt eller send"):
        build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb, dask_filer="nfs")


def _zip(**files: bytes) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in files.items():
            zf.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


def test_a_run_folder_that_cannot_be_unpacked_leaves_nothing_half_done(small_project):
    from socialanalyse.runner.results import JobResult

    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb)
    job = p.jobs[0]
    job.tmp_dir.mkdir(parents=True)
    (job.tmp_dir / ".koerer").write_text("{}", encoding="utf-8")
    bad = _zip(**{"results.json": b"{}", "html__00_a.html": b"<p>", "..__ude.txt": b"x"})
    with pytest.raises(ValueError, match="ugyldigt navn"):
        bundle.unpack_run(job, bad)
    assert [f.name for f in job.tmp_dir.iterdir()] == [".koerer"]
    result = executors._received(job, {"data/x.csv": "0" * 64},
                                 JobResult("eksempelkommune", job.run_id, "", 0.0, []), bad)
    assert result.fejl.startswith(f"Den færdige kørsel kunne ikke pakkes ud i {job.tmp_dir}")
    assert result.inputfiler == {"data/x.csv": "0" * 64}
    assert not result.ok and not (small_project / "output" / "eksempelkommune" / "ude.txt"
                                  ).exists()
    bundle.unpack_run(job, _zip(**{"results.json": b"{}", "html__00_a.html": b"<p>"}))
    assert (job.tmp_dir / "html" / "00_a.html").read_bytes() == b"<p>"


def test_the_workers_private_copy_is_removed_also_when_the_job_breaks(small_project):
    import os

    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    job = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb).jobs[0]
    killed = scratch_root() / "sa-send-999999999-abc"  # a worker that no longer exists
    (killed / "projekt").mkdir(parents=True)
    alive = Path(tempfile.mkdtemp(prefix=f"sa-send-{os.getpid()}-", dir=scratch_root()))
    try:
        with pytest.raises(ValueError):
            bundle.execute_sent(job, _zip(**{"projekt__data__x.csv": b"cpr", "__etc__x": b"x"}))
        # (this process's folders only: other test processes may send at the same time)
        assert list(scratch_root().glob(f"sa-send-{os.getpid()}-*")) == [alive]
        assert not killed.exists()
    finally:
        shutil.rmtree(killed, ignore_errors=True)
        shutil.rmtree(alive, ignore_errors=True)


def test_a_scheduler_that_does_not_answer_is_said_in_danish(small_project):
    import dask
    import distributed  # noqa: F401 - before config.set: its defaults must not be undone
    # (a 'distributed' key that did not exist when set() began is removed whole at its end,
    # and every later LocalCluster in this process failed with KeyError: 'distributed')

    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb, executor="dask",
                   scheduler="tcp://127.0.0.1:9")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(
            KoerselFejl, match="Kan ikke forbinde til Dask-scheduleren tcp://127.0.0.1:9: den "
            "svarer ikke"):
        executors._connect(p, {})


@pytest.mark.slow
def test_the_command_line_on_a_separate_scheduler_and_worker_process(small_project, tmp_path):
    """`dask scheduler` and `dask worker` processes (the worker in its own folder): auto finds
    the shared disk (it is this machine's), send works through the same command line."""
    nb = write_notebooks(small_project / "nb", ("00_a", 'report.record("kommune", kommune)'))
    out = tmp_path / "ud"
    with load_benchmark("bench_national").dask_cluster(1, tmp_path / "klynge") as address:
        runs = {}
        for mode in ("auto", "send"):
            done = cli("run", "--kommune", "eksempelkommune", "--root", str(small_project),
                       "--notebooks-dir", str(nb), "--out", str(out), "--executor", "dask",
                       "--scheduler", address, "--dask-filer", mode, "--quiet",
                       cwd=tmp_path)
            assert done.returncode == 0, done.stdout + done.stderr
            runs[mode] = latest_run(out / "eksempelkommune")
    manifests = {m: json.loads((r / "manifest.json").read_text("utf-8")) for m, r in runs.items()}
    assert manifests["auto"]["koersel"]["dask_filer"] == "delt"
    assert manifests["send"]["koersel"]["dask_filer"] == "send"
    assert runs["send"].name > runs["auto"].name  # seneste moved on to the sent run
    for run in runs.values():
        results = json.loads((run / "results.json").read_text("utf-8"))
        assert results["00_a"] == {"kommune": "eksempelkommune"}
        assert (run / "html" / "00_a.html").is_file() and (run / "html" / "index.html").is_file()


@pytest.mark.slow
def test_a_scheduler_without_workers_stops_before_anything_runs(small_project, tmp_path,
                                                                monkeypatch, capsys):
    nb = write_notebooks(small_project / "nb", ("00_a", "1"))
    monkeypatch.setattr(executors, "WAIT_FOR_WORKERS", 1)
    scheduler = subprocess.Popen(
        [str(Path(sys.executable).parent / "dask"), "scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(tmp_path / "s.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "s.json").is_file():
            assert time.monotonic() < deadline and scheduler.poll() is None
            time.sleep(0.2)
        address = json.loads((tmp_path / "s.json").read_text("utf-8"))["address"]
        p = build_plan(["eksempelkommune"], root=small_project, notebooks_dir=nb,
                       out=tmp_path / "ud", executor="dask", scheduler=address)
        assert execute(p, quiet=True) == 2
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    err = capsys.readouterr().err
    assert (f"Kørslen er ikke startet.\nDask-scheduleren {address} har ingen workers (ventede 1 "
            f"sekunder). Start mindst én med `dask worker {address} --nthreads 1`.") in err
    assert list((tmp_path / "ud" / "eksempelkommune").iterdir()) == []
