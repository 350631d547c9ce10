"""Faults injected into real runs (real CLI, real kernels): a kernel that dies, a cell past the
timeout, two runs started at the same instant, a full disk, an interrupted run.

Each checks the exit code, the notebook statuses in manifest.json, that `seneste` moved only
on success, that no finished-looking folder and no case data are left, and that no process
started by the run survives it (every process of a run inherits a marker in its environment,
which /proc shows).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import yaml
from run_support import interrupt, make_project, write_notebooks

from socialanalyse.report.outputs import latest_run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)"),
]

MARKER = "SOCIALANALYSE_TEST_KOERSEL"


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "projekt", extra_kommuner=("furesoe",), sample=False)


@pytest.fixture
def scratch():
    """A private, short temporary folder for the runs (their scratch folders go there; short,
    so that the kernels' Unix sockets fit, as under /tmp)."""
    folder = Path(tempfile.mkdtemp(prefix="sa-test-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(tmp: Path) -> tuple[dict[str, str], str]:
    """The CLI's environment: a marker every process of the run inherits, and the temporary
    folder `tmp`."""
    marker = uuid.uuid4().hex
    return {**os.environ, MARKER: marker, "TMPDIR": str(tmp)}, marker


def _cli(args: list[str], env: dict[str, str], timeout: float = 300):
    return subprocess.run([sys.executable, "-m", "socialanalyse.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def _survivors(marker: str, wait: float = 10.0) -> list[str]:
    """Command lines of processes still carrying the run's marker (after up to `wait` s)."""
    needle = f"{MARKER}={marker}".encode()
    end = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if needle in (proc / "environ").read_bytes().split(b"\0"):
                    found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:  # gone, or not ours
                continue
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.2)


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text("utf-8"))


def _runs(out: Path, slug: str) -> list[Path]:
    folder = out / slug
    return sorted(p for p in folder.iterdir() if p.name != "seneste") if folder.is_dir() else []


def _common(project: Path, nb: Path, out: Path) -> list[str]:
    return ["--root", str(project), "--notebooks-dir", str(nb), "--out", str(out), "--quiet"]


# -- a kernel that dies, a cell past the timeout --------------------------------------------


def test_a_dead_kernel_fails_its_notebook_within_seconds_and_the_rest_go_on(project, scratch):
    nb = write_notebooks(
        project / "nb",
        ("00_foer", 'report.record("foer", 1)'),
        # What the out-of-memory killer does to a kernel.
        ("01_doer", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        ("02_efter", 'report.record("efter", 2)'),
    )
    out = project / "output"
    env, marker = _env(scratch)
    done = _cli(["run", "--kommune", "eksempelkommune", "--kommune", "furesoe",
                 "--workers", "2", *_common(project, nb, out)], env)
    assert done.returncode == 1, done.stdout + done.stderr
    for slug in ("eksempelkommune", "furesoe"):
        (run,) = _runs(out, slug)
        assert not run.name.startswith(".")
        manifest = _manifest(run)
        assert manifest["status"] == "fejlet"
        statuses = {n["navn"]: n for n in manifest["notebooks"]}
        assert [n["status"] for n in manifest["notebooks"]] == ["ok", "fejlet", "ok"]
        assert statuses["01_doer"]["fejl"].startswith(
            "Python-kernen stoppede uventet under kørslen (fx for lidt hukommelse) i celle [")
        # Noticed within seconds (the kernel's start and the setup cell included), not never.
        assert statuses["01_doer"]["sekunder"] < 60
        # The stopped notebook is kept as far as it got, with the reason in its last cell.
        kept = json.loads((run / "01_doer.ipynb").read_text("utf-8"))
        errors = [o for c in kept["cells"] for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert errors and "Python-kernen stoppede" in errors[-1]["evalue"]
        assert (run / "html" / "01_doer.html").is_file()
        assert json.loads((run / "results.json").read_text("utf-8"))["02_efter"] == {"efter": 2}
        assert latest_run(out / slug) is None
        assert f"{slug} / 01_doer: Python-kernen stoppede uventet" in done.stdout
    assert "Kernel died" not in done.stdout + done.stderr  # no English from the libraries
    assert _survivors(marker) == []
    assert list(scratch.iterdir()) == []  # kernel files and sockets removed


def test_a_cell_past_the_timeout_is_stopped_and_reported(project, scratch):
    nb = write_notebooks(
        project / "nb",
        ("00_sover", "import time\ntime.sleep(600)"),
        ("01_efter", 'report.record("efter", 2)'),
        ("02_efter", 'report.record("igen", 3)'),
    )
    out = project / "output"
    env, marker = _env(scratch)
    t0 = time.monotonic()
    done = _cli(["run", "--kommune", "eksempelkommune", "--timeout", "15",
                 *_common(project, nb, out)], env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert time.monotonic() - t0 < 240
    (run,) = _runs(out, "eksempelkommune")
    manifest = _manifest(run)
    assert manifest["status"] == "fejlet" and manifest["koersel"]["timeout_sekunder"] == 15
    first, *others = manifest["notebooks"]
    assert [n["status"] for n in manifest["notebooks"]] == ["fejlet", "ok", "ok"]
    assert first["fejl"].startswith("Kørslen blev stoppet i celle [")
    assert "kørte længere end tidsgrænsen på 15 sekunder (--timeout)" in first["fejl"]
    assert all(n["fejl"] is None for n in others)
    assert latest_run(out / "eksempelkommune") is None
    assert _survivors(marker) == []  # the sleeping kernel was stopped


# -- two runs at the same instant -----------------------------------------------------------


def test_two_runs_started_at_the_same_instant_get_their_own_folders(project, scratch):
    nb = write_notebooks(project / "nb",
                    ("00_a", 'import os\nreport.record("pid", os.getppid())'))
    out = project / "output"
    env, marker = _env(scratch)
    start = time.time() + 6  # both processes start planning at this instant
    # Imported before the wait: on a loaded machine the import alone took over a second,
    # and the two processes then planned in different seconds (no collision to test).
    wait_then_run = ("import sys, time\n"
                     "from socialanalyse.cli import main\n"
                     "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
                     "sys.exit(main(sys.argv[2:]))")
    args = [sys.executable, "-c", wait_then_run, str(start), "run", "--kommune",
            "eksempelkommune", *_common(project, nb, out)]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    runs = _runs(out, "eksempelkommune")
    assert len(runs) == 2 and all(not r.name.startswith(".") for r in runs), runs
    ids = [_manifest(r)["run_id"] for r in runs]
    assert ids == [r.name for r in runs] and len(set(ids)) == 2
    # Both planned the same id in the same second; the second to reserve it took the next.
    seconds = [dt.datetime.strptime(i[:15], "%Y%m%d-%H%M%S") for i in ids]
    assert seconds[1] - seconds[0] == dt.timedelta(seconds=1), ids
    kernels_parents = set()
    for run in runs:
        results = json.loads((run / "results.json").read_text("utf-8"))
        assert set(results) - {"_meta"} == {"00_a"}  # one run's results each, not mixed
        kernels_parents.add(results["00_a"]["pid"])
        assert sorted(p.name for p in run.iterdir()) == [
            "00_a.ipynb", "excel", "html", "manifest.json", "results.json"]
    assert len(kernels_parents) == 2  # each folder written by its own run
    assert latest_run(out / "eksempelkommune") == runs[-1].resolve()  # the later one
    assert _survivors(marker) == []


# -- a full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (needs root); skipped with the reason where it cannot be mounted."""
    mount = tmp_path / "lille_disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("en lille disk (tmpfs) kræver root for at kunne monteres")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"tmpfs kan ikke monteres her: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_with_one_danish_message_and_leaves_nothing(
    project, scratch, small_disk
):
    out = small_disk / "output"
    env, marker = _env(scratch)
    quick = write_notebooks(project / "hurtig", ("00_a", 'report.record("a", 1)'))
    first = _cli(["run", "--kommune", "eksempelkommune", *_common(project, quick, out)], env)
    assert first.returncode == 0, first.stdout + first.stderr
    (seneste,) = _runs(out, "eksempelkommune")

    fills = write_notebooks(
        project / "fylder",
        ("00_a", 'report.record("a", 1)'),
        ("01_fylder", "open(f'{run_dir}/stor.bin', 'wb').write(b'0' * 8_000_000)"),
        ("02_efter", 'report.record("efter", 2)'),
    )
    time.sleep(1.1)  # a new second: a new run id
    done = _cli(["run", "--kommune", "eksempelkommune", *_common(project, fills, out)], env)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert text.count("Der er ikke mere plads på disken til") == 1, text
    assert f"plads på disken til {out / 'eksempelkommune'}" in text
    for secondary in ("NotJSONError", "HTML-eksport", "Errno", "No space left"):
        assert secondary not in text, text
    assert "ligger i" not in text  # no pointer to a folder that does not exist
    # Only the earlier, finished run is left on the disk: no .tmp, no partial files.
    assert sorted(p.name for p in (out / "eksempelkommune").iterdir()) == [
        seneste.name, "seneste"]
    assert latest_run(out / "eksempelkommune") == seneste.resolve()
    assert list(scratch.iterdir()) == []
    assert _survivors(marker) == []


# -- an interrupted run ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_with_data(tmp_path_factory):
    """A project with the small generated sample (case data to look for afterwards)."""
    return make_project(tmp_path_factory.mktemp("afbrudt") / "projekt")


@pytest.mark.parametrize("how", ["sigkill", "sigterm", "ctrl-c"])
def test_an_interrupted_run_leaves_no_case_data_kernel_files_or_processes(
    project_with_data, tmp_path, scratch, how
):
    project = project_with_data
    out = tmp_path / "output"
    slug_out = out / "eksempelkommune"
    env, marker = _env(scratch)
    nb = write_notebooks(
        tmp_path / "nb",
        ("00_data", 'report.record("antal", len(s.data.borgere))'),  # reads the snapshot
        ("01_sover", "import time\ntime.sleep(600)"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "socialanalyse.cli", "run", "--kommune", "eksempelkommune",
         *_common(project, nb, out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    stdout, stderr = interrupt(proc, how, lambda: any(
        (t / "results.json").is_file() for t in slug_out.glob(".*.tmp")))
    if how != "sigkill":
        assert proc.returncode == 130, stdout + stderr
        assert "afbrudt" in stderr and ".tmp" in stderr
    assert _survivors(marker) == []
    # Nothing looks finished; no manifest; seneste never moved.
    (tmp,) = list(slug_out.iterdir())
    assert tmp.name.startswith(".") and tmp.name.endswith(".tmp")
    assert not (tmp / "manifest.json").exists() and latest_run(slug_out) is None
    # No case data anywhere: the snapshot lived in the worker's memory only. The ids of the
    # data appear in no file the run wrote, in the output or in the temporary folder.
    from socialanalyse.data import load

    ids = list(load("eksempelkommune", root=project).borgere.borger_id[:50])
    written = [p for base in (out, scratch) for p in base.rglob("*") if p.is_file()]
    for path in written:
        content = path.read_bytes()
        assert not any(i.encode() in content for i in ids), path
    left = list(scratch.iterdir())
    if how != "sigkill":
        assert left == []  # kernel connection files and sockets removed at once
    else:
        assert left, "SIGKILL left the scratch folder for the next run to remove"

    # The next run of the municipality removes what is left: scratch folders of dead runs at
    # once, the .tmp folder once it is older than koersel.ryd_op_efter_timer (here 1 s).
    params = project / "parameters/kommuner/eksempelkommune.yaml"
    original = params.read_text("utf-8")
    content = yaml.safe_load(original)
    content["koersel"] = {"ryd_op_efter_timer": 1 / 3600}
    params.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    try:
        time.sleep(1.5)
        quick = write_notebooks(tmp_path / "hurtig", ("00_a", 'report.record("a", 1)'))
        again = _cli(["run", "--kommune", "eksempelkommune", *_common(project, quick, out)],
                     env)
    finally:
        params.write_text(original, encoding="utf-8")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"eksempelkommune: slettede en afbrudt kørsel, uændret i 0 timer: {tmp}" in \
        again.stdout
    if how == "sigkill":
        assert "slettede kernefiler fra en afbrudt kørsel" in again.stdout
    assert list(scratch.iterdir()) == []
    assert [p.name for p in slug_out.iterdir() if p.name.startswith(".")] == []
