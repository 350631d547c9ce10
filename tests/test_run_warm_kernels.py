"""Reused kernels (issue 18): a notebook that runs in the kernel of an earlier notebook finds
what a new kernel would give it - whatever the earlier notebook did, and also when it failed.

The probe notebook records the state a notebook can see (its namespace, the plot and pandas
state, working folder, environment, sys.path, warning filters, open figures and widgets, the
report session, its first execution count). It is run once in a new kernel and once after a
notebook that changes all of it; the two records must be the same, and the second must have
run in the reused kernel. Real kernels and Papermill, in this process (execute_job).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from run_support import make_project, setup_cell, write_notebook

from socialanalyse.runner import build_plan, kernels
from socialanalyse.runner.folders import release, remove_scratch, reserve
from socialanalyse.runner.job import execute_job

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="short socket paths"),
]

# What a notebook can see of the kernel before it sets anything up itself.
PROBE = """\
import hashlib, json, os, sys, warnings
import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import ipywidgets
import socialanalyse.report.session as session_module
tilstand = {
    "navne": sorted(k for k in globals() if not k.startswith("_") and k not in (
        "In", "Out", "exit", "quit", "open", "get_ipython", "kommune", "publikum", "run_dir",
        "hashlib", "json", "os", "sys", "warnings", "mpl", "plt", "pd", "ipywidgets",
        "session_module")),
    "rc": hashlib.sha256(repr(sorted((k, repr(v)) for k, v in mpl.rcParams.items()
                                     if k != "backend")).encode()).hexdigest(),
    "linjebredde": mpl.rcParams["lines.linewidth"],
    "farvekode_b": list(mpl.colors.to_rgb("b")),
    "float_format": repr(pd.get_option("display.float_format")),
    "max_rows": pd.get_option("display.max_rows"),
    "mappe": os.getcwd(),
    "miljoe": os.environ.get("SA_TEST_BESKIDT"),
    "sti": len(sys.path),
    "advarsler": len(warnings.filters),
    "figurer": len(plt.get_fignums()),
    "widgets": len(ipywidgets.Widget.widgets),
    "session": session_module._current is None,
}
"""

# Changes everything the probe looks at (after report.setup, whose theme also redefines the
# colour codes: 'b' is the palette's blue), records a result, and (optionally) fails.
DIRTY = """\
import os, sys, warnings
import matplotlib.pyplot as plt
import pandas as pd
import ipywidgets
hemmelig = 42
plt.rcParams["lines.linewidth"] = 7
plt.figure()
pd.set_option("display.max_rows", 3)
os.environ["SA_TEST_BESKIDT"] = "ja"
sys.path.append("/ikke/her")
warnings.simplefilter("ignore")
os.chdir("/")
slider = ipywidgets.IntSlider()
report.record("fra_den_forrige", 1)
"""


def _run(root: Path, nb: Path, out: Path, monkeypatch, scratch: Path, reuse: bool = True):
    monkeypatch.setenv("TMPDIR", str(scratch))  # short socket paths for the kernels
    job = reserve(build_plan(["eksempelkommune"], root=root, notebooks_dir=nb, out=out,
                             workers=1, timeout=120, reuse_kernels=reuse)).jobs[0]
    try:
        return job, execute_job(job)
    finally:
        release(job)
        remove_scratch(job)


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="sa-test-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("varm") / "projekt", sample=False)


def _probe(folder: Path, name: str) -> None:
    write_notebook(folder / f"{name}.ipynb", "Prøve", PROBE, setup_cell(name),
                   'report.record("egne_resultater", len(s.results))\n'
                   'report.record("tilstand", json.dumps(tilstand, sort_keys=True))')


def _dirty(folder: Path, name: str, fails: bool) -> None:
    write_notebook(folder / f"{name}.ipynb", "Beskidt", setup_cell(name), DIRTY,
                   'raise ValueError("planlagt fejl")' if fails else "pass")


def _recorded(job, name: str) -> dict:
    results = json.loads((job.tmp_dir / "results.json").read_text("utf-8"))
    return results[name]


@pytest.fixture(scope="module")
def fresh(root, tmp_path_factory):
    """The probe's record from a kernel that ran nothing before."""
    base = tmp_path_factory.mktemp("frisk")
    _probe(base / "nb", "00_proeve")
    scratch = Path(tempfile.mkdtemp(prefix="sa-test-", dir="/tmp"))
    with pytest.MonkeyPatch.context() as mp:
        job, result = _run(root, base / "nb", base / "output", mp, scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    assert result.notebooks[0].status == "ok", result.notebooks[0].fejl
    return _recorded(job, "00_proeve")


@pytest.mark.parametrize("fails", [False, True], ids=["efter_ok", "efter_fejl"])
def test_a_reused_kernel_shows_the_next_notebook_a_new_kernels_state(
        root, fresh, tmp_path, monkeypatch, scratch, fails):
    _dirty(tmp_path / "nb", "00_beskidt", fails)
    _probe(tmp_path / "nb", "01_proeve")
    job, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch)
    first, probe = result.notebooks
    assert first.status == ("fejlet" if fails else "ok")
    assert probe.status == "ok", probe.fejl
    assert probe.kerne_genbrugt and not first.kerne_genbrugt  # the same kernel ran both
    seen = _recorded(job, "01_proeve")
    state, new = json.loads(seen["tilstand"]), json.loads(fresh["tilstand"])
    assert state.pop("mappe") == str(tmp_path / "nb") and new.pop("mappe").endswith("nb")
    assert state == new
    assert state["navne"] == [] and state["linjebredde"] != 7 and state["miljoe"] is None
    assert state["farvekode_b"] == [0, 0, 1]  # matplotlib's own blue, not the theme's
    assert state["figurer"] == 0 and state["widgets"] == 0 and state["session"] is True
    assert seen["egne_resultater"] == 0  # the earlier notebook's result is not in its session
    # Its cells are numbered from [1], as in a new kernel.
    executed = nbformat.read(job.tmp_dir / "01_proeve.ipynb", as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts[0] == 1


def test_a_kernel_that_cannot_be_made_clean_is_replaced(root, tmp_path, monkeypatch, scratch):
    monkeypatch.setattr(kernels, "CLEAN_SLATE", 'raise RuntimeError("kan ikke rydde op")')
    _dirty(tmp_path / "nb", "00_beskidt", fails=False)
    _probe(tmp_path / "nb", "01_proeve")
    job, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch)
    assert [n.status for n in result.notebooks] == ["ok", "ok"]
    assert [n.kerne_genbrugt for n in result.notebooks] == [False, False]
    state = json.loads(_recorded(job, "01_proeve")["tilstand"])
    assert state["navne"] == [] and state["miljoe"] is None


def test_a_kernel_that_died_is_replaced_and_the_next_notebook_runs(
        root, tmp_path, monkeypatch, scratch):
    write_notebook(tmp_path / "nb" / "00_doer.ipynb", "Dør", "import os\nos._exit(1)")
    _probe(tmp_path / "nb", "01_proeve")
    _probe(tmp_path / "nb", "02_proeve")
    _, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch)
    assert [n.status for n in result.notebooks] == ["fejlet", "ok", "ok"]
    assert "stoppede uventet" in result.notebooks[0].fejl
    assert [n.kerne_genbrugt for n in result.notebooks] == [False, False, True]


def test_what_outlives_a_clean_slate_is_kept_out_of_the_next_notebooks_collections(
        root, tmp_path, monkeypatch, scratch):
    # A notebook leaves objects its kernel keeps (as a module's cache would): after the clean
    # slate they are frozen, so the collector of the next notebook does not go through them
    # again (gc.get_objects lists what it goes through), and they are still there.
    write_notebook(tmp_path / "nb" / "00_gemmer.ipynb", "Gemmer",
                   "import sys\nsys._sa_gemt = [[i] for i in range(100_000)]")
    write_notebook(tmp_path / "nb" / "01_taeller.ipynb", "Tæller", setup_cell("01_taeller"),
                   "import gc, sys\n"
                   "report.record('gennemgaas', any(o is sys._sa_gemt for o in gc.get_objects()))\n"
                   "report.record('gemt', len(sys._sa_gemt))")
    job, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch)
    assert [n.status for n in result.notebooks] == ["ok", "ok"], result.notebooks[1].fejl
    assert result.notebooks[1].kerne_genbrugt
    seen = _recorded(job, "01_taeller")
    assert seen["gennemgaas"] is False and seen["gemt"] == 100_000


def test_without_reuse_every_notebook_has_a_new_kernel(root, tmp_path, monkeypatch, scratch):
    _dirty(tmp_path / "nb", "00_beskidt", fails=False)
    _probe(tmp_path / "nb", "01_proeve")
    _, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch,
                     reuse=False)
    assert [n.status for n in result.notebooks] == ["ok", "ok"]
    assert [n.kerne_genbrugt for n in result.notebooks] == [False, False]


# Across municipalities: what the next municipality's first notebook records, and whose data
# snapshot its kernel reads.
ACROSS = PROBE + """\
from socialanalyse import report
s = report.setup(kommune, publikum, run_dir, notebook="00_proeve")
report.record("tilstand", json.dumps(tilstand, sort_keys=True))
report.record("kerne_pid", os.getpid())
report.record("snapshot", os.environ.get("SOCIALANALYSE_DATA_SNAPSHOT", ""))
report.record("borgere", len(s.data.borgere))
"""


def test_a_worker_keeps_its_kernel_for_the_next_municipality_and_it_is_clean(
        tmp_path, monkeypatch, scratch):
    from socialanalyse.runner.executors import execute_plan

    monkeypatch.setenv("TMPDIR", str(scratch))
    root = make_project(tmp_path / "projekt", extra_kommuner=("dragoer",))
    # Dragør gets data of its own (another size), so each job's data are told apart.
    from socialanalyse.data import synthetic

    synthetic.write_sample("dragoer", 2_500, 2, root / "data" / "dragoer")
    own = root / "parameters/kommuner/dragoer.yaml"
    own.write_text(own.read_text("utf-8").replace("data/eksempelkommune", "data/dragoer"),
                   encoding="utf-8")
    nb = tmp_path / "nb"
    write_notebook(nb / "00_proeve.ipynb", "Prøve", ACROSS)
    _dirty(nb, "01_beskidt", fails=False)
    # One worker, two municipalities: the second runs in the first's kept kernel.
    p = build_plan(["eksempelkommune", "dragoer"], root=root, notebooks_dir=nb,
                   out=tmp_path / "output", workers=1, timeout=120)
    done = {job.kommune: (job, result)
            for job, result in execute_plan(p, show_progress=False)}
    # The larger municipality runs first (executors.largest_first).
    first, second = sorted((r for _, r in done.values()), key=lambda r: r.start)
    assert [n.status for r in (first, second) for n in r.notebooks] == ["ok"] * 4
    assert [n.kerne_genbrugt for n in first.notebooks] == [False, True]
    assert [n.kerne_genbrugt for n in second.notebooks] == [True, True]

    def recorded(kommune):
        job = done[kommune][0]
        return json.loads((job.final_dir / "results.json").read_text("utf-8"))["00_proeve"]

    one, two = recorded("eksempelkommune"), recorded("dragoer")
    assert one["kerne_pid"] == two["kerne_pid"]  # the same kernel process
    # After the other municipality's dirty notebook it looks like the new kernel did.
    assert json.loads(two["tilstand"]) == json.loads(one["tilstand"])
    # Each reads its own job's data snapshot (the environment moved with the kernel).
    from socialanalyse.data import load

    assert one["borgere"] == len(load("eksempelkommune", root=root).borgere)
    assert two["borgere"] == len(load("dragoer", root=root).borgere) != one["borgere"]
    assert one["snapshot"] and two["snapshot"]
    # The kept kernels' folder went with the run (and every job's scratch).
    assert list(scratch.iterdir()) == []


def test_a_kept_kernels_log_goes_to_the_job_it_ran_for(tmp_path):
    own = tmp_path / "kerne.log"
    k = kernels.Kernel.__new__(kernels.Kernel)
    k.log, k._logged, k.job_log = own, 0, tmp_path / "a.log"
    own.write_bytes(b"fra job a\n")
    k.copy_log()
    k.job_log = tmp_path / "b.log"
    with own.open("ab") as fh:
        fh.write(b"fra job b\n")
    k.copy_log()
    k.copy_log()  # nothing new: nothing added
    assert (tmp_path / "a.log").read_bytes() == b"fra job a\n"
    assert (tmp_path / "b.log").read_bytes() == b"fra job b\n"


def test_each_notebook_reports_its_kernels_cpu_seconds(root, tmp_path, monkeypatch, scratch):
    write_notebook(tmp_path / "nb" / "00_regner.ipynb", "Regner",
                   "import time\nt = time.process_time()\n"
                   "while time.process_time() - t < 0.6:\n    pass")
    write_notebook(tmp_path / "nb" / "01_sover.ipynb", "Sover", "import time\ntime.sleep(1)")
    _, result = _run(root, tmp_path / "nb", tmp_path / "output", monkeypatch, scratch)
    busy, idle = result.notebooks
    assert busy.status == idle.status == "ok"
    assert busy.kerne_cpu >= 0.6 and 0 <= idle.kerne_cpu < 0.5


def _kept_kernel_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, NotADirectoryError):
            continue
        if "ipykernel" in cmd and "/sa-kerner-" in cmd:
            found.append(cmd)
    return found


def test_a_dask_worker_that_lives_on_keeps_no_kernel_after_the_run(tmp_path, scratch):
    from helpers import load_benchmark
    from run_support import cli

    root = make_project(tmp_path / "projekt", extra_kommuner=("dragoer",))
    nb = tmp_path / "nb"
    write_notebook(nb / "00_proeve.ipynb", "Prøve", ACROSS)
    env = {"TMPDIR": str(scratch)}
    with load_benchmark("bench_national").dask_cluster(1, tmp_path / "klynge") as address:
        done = cli("run", "--kommune", "eksempelkommune", "--kommune", "dragoer", "--root",
                   str(root), "--notebooks-dir", str(nb), "--out", str(tmp_path / "ud"),
                   "--executor", "dask", "--scheduler", address, "--workers", "1", "--quiet",
                   cwd=tmp_path, env={**os.environ, **env})
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"for 2 kommune(r) (intern, dask på {address}); kørsel" in done.stdout
        manifests = [json.loads(m.read_text("utf-8"))
                     for m in (tmp_path / "ud").glob("*/2*/manifest.json")]
        # The second municipality ran in the first's kernel, and the worker, still
        # running, has stopped it with the run.
        assert sorted(m["notebooks"][0]["kerne_genbrugt"] for m in manifests) == [False, True]
        assert _kept_kernel_processes() == []


def test_a_kernel_left_large_by_its_job_is_stopped_not_kept(monkeypatch):
    from socialanalyse.runner import job as job_module

    class Fake:
        def __init__(self, size):
            self.size, self.stopped = size, False

        def resident_bytes(self):
            return self.size

        def shutdown(self):
            self.stopped = True

    monkeypatch.setattr(job_module, "_kept", [])
    small, large = Fake(job_module.KEEP_AT_MOST), Fake(job_module.KEEP_AT_MOST + 1)
    job_module._keep([small, large])
    assert job_module._kept == [small] and large.stopped and not small.stopped
