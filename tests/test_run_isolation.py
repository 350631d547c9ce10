"""The runner with small hand-written notebooks: a failing notebook does not stop the others,
an interrupted run never looks finished, and the Dask executor runs the same jobs.

These need no sample data (the notebooks do not load any), so they run in parallel with the
rest of the suite; they still start real kernels, hence `slow`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from run_support import cli, interrupt, make_project, write_notebooks

from socialanalyse.report.outputs import latest_run
from socialanalyse.runner import build_plan, execute_plan

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "projekt", extra_kommuner=("furesoe",), sample=False)


def _entries(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.is_dir() else []


def test_a_failing_notebook_is_kept_named_and_the_rest_still_run(project):
    nb = write_notebooks(
        project / "nb",
        ("00_foer", 'report.record("antal_sager", 7, "Antal sager")'),
        ("01_fejl", 'raise ValueError("planlagt fejl i testen")'),
        ("02_efter", 'report.record("efter_fejlen", True)'),
    )
    out = project / "output"
    done = cli("run", "--kommune", "eksempelkommune", "--kommune", "furesoe", "--workers", "2",
               "--root", str(project), "--notebooks-dir", str(nb), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for slug in ("eksempelkommune", "furesoe"):
        rows = {tuple(line.split()[:3]) for line in lines if line.startswith(slug + " ")}
        assert {(slug, "00_foer", "ok"), (slug, "01_fejl", "fejlet"),
                (slug, "02_efter", "ok")} <= rows
        assert f"{slug} / 01_fejl: ValueError i celle" in done.stdout
        (final,) = [out / slug / e for e in _entries(out / slug)]  # no .tmp, no seneste
        assert not final.name.startswith(".") and final.name.endswith("-intern")
        manifest = json.loads((final / "manifest.json").read_text("utf-8"))
        assert manifest["status"] == "fejlet"
        assert [n["status"] for n in manifest["notebooks"]] == ["ok", "fejlet", "ok"]
        assert all(n["kerne_sekunder"] > 0 for n in manifest["notebooks"])
        # The failed notebook is kept with its error cell.
        failed = json.loads((final / "01_fejl.ipynb").read_text("utf-8"))
        errors = [o for c in failed["cells"] for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert errors and errors[0]["ename"] == "ValueError"
        results = json.loads((final / "results.json").read_text("utf-8"))
        assert results["00_foer"] == {"antal_sager": 7}
        assert results["02_efter"] == {"efter_fejlen": True}
        index = (final / "html" / "index.html").read_text("utf-8")
        assert "Fejlede" in index and "01_fejl.html" in index
        assert latest_run(out / slug) is None  # a failed run does not become `seneste`
    assert "rapporten ligger i" in done.stdout and "html/index.html" in done.stdout


@pytest.mark.parametrize("how", ["sigkill", "sigterm", "ctrl-c"])
def test_an_interrupted_run_never_looks_finished(project, how):
    out = project / "output"
    slug_out = out / "eksempelkommune"
    quick = write_notebooks(project / "hurtig", ("00_foer", 'report.record("x", 1)'))
    first = cli("run", "--kommune", "eksempelkommune", "--root", str(project),
                "--notebooks-dir", str(quick), "--out", str(out), "--quiet")
    assert first.returncode == 0, first.stdout + first.stderr
    seneste = latest_run(slug_out)
    assert seneste is not None

    marker = project / "naaet_til_enden.txt"
    slow_nb = write_notebooks(
        project / "langsom",
        ("00_foer", 'report.record("x", 1)'),
        ("01_sover", (f"import time, pathlib\ntime.sleep(4)\npathlib.Path({str(marker)!r})"
                      ".write_text('x')")),
    )
    time.sleep(1.1)  # a new second: a new run id
    proc = subprocess.Popen(
        [sys.executable, "-m", "socialanalyse.cli", "run", "--kommune", "eksempelkommune",
         "--root", str(project), "--notebooks-dir", str(slow_nb), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    # The sleeping notebook runs once its kernel has been handed the notebook: the first
    # notebook's result is in results.json by then.
    stdout, stderr = interrupt(proc, how, lambda: any(
        (t / "results.json").is_file() for t in slug_out.glob(".*.tmp")), wait=180, timeout=30)
    if how != "sigkill":
        assert proc.returncode == 130, stdout + stderr
        assert "afbrudt" in stderr
    time.sleep(5)  # longer than the notebook had left: nothing may finish behind our back
    assert not marker.exists(), "a worker or kernel went on after the run was stopped"
    names = _entries(slug_out)
    finished = [n for n in names if not n.startswith(".") and n != "seneste"]
    assert finished == [seneste.name]
    assert any(n.endswith(".tmp") for n in names)
    assert latest_run(slug_out) == seneste


def test_dask_executor_runs_the_same_jobs_on_a_local_cluster(project):
    nb = write_notebooks(project / "nb", ("00_a", 'report.record("kommune", kommune)'))
    p = build_plan(["eksempelkommune", "furesoe"], root=project, notebooks_dir=nb,
                   out=project / "output", workers=2, executor="dask")
    p.dask_options = {"processes": False}
    pairs = execute_plan(p, show_progress=False)
    why = [(r.fejl, [n.fejl for n in r.notebooks]) for _, r in pairs]
    assert [(job.kommune, result.ok) for job, result in pairs] == [
        ("eksempelkommune", True), ("furesoe", True)], why
    for job, _ in pairs:
        results = json.loads((job.final_dir / "results.json").read_text("utf-8"))
        assert results["00_a"] == {"kommune": job.kommune}
        manifest = json.loads((job.final_dir / "manifest.json").read_text("utf-8"))
        assert manifest["koersel"]["executor"] == "dask"
        assert latest_run(job.final_dir.parent) == job.final_dir.resolve()


def test_independent_notebooks_overlap_and_a_reader_of_results_waits_for_them(project):
    nb = write_notebooks(
        project / "nb",
        ("00_a", ('import time\nreport.record("start", time.time())\ntime.sleep(2)\n'
                 'report.record("slut", time.time())')),
        ("01_b", 'import time\nreport.record("start", time.time())\ntime.sleep(1)'),
        ("02_laeser", ('r = report.load_results(run_dir)\n'
                      'assert "slut" in r["00_a"] and "start" in r["01_b"], r\n'
                      'report.record("saa", sorted(k for k in r if not k.startswith("_")))')),
    )
    p = build_plan(["eksempelkommune"], root=project, notebooks_dir=nb, out=project / "output",
                   workers=2)
    ((job, result),) = execute_plan(p, show_progress=False)
    assert result.ok, [(n.navn, n.fejl) for n in result.notebooks]
    results = json.loads((job.final_dir / "results.json").read_text("utf-8"))
    assert results["01_b"]["start"] < results["00_a"]["slut"]  # ran side by side
    assert results["02_laeser"]["saa"] == ["00_a", "01_b", "02_laeser"]
