"""Helpers for the runner's tests (test_run*.py, test_browser.py): temporary project folders
with the repository's parameters, generated sample data and small hand-written notebooks.

Not a test module (no test_ prefix). The end-to-end run is cached per process so that the
runner tests and the browser test (same xdist group) share one run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SMALL = 15_000  # inhabitants of the small synthetic municipality used in tests
SEED = 1
E2E_GROUP = "runner-e2e"  # xdist group: the runs below are made once per worker process

PARAMETER_CELL = 'kommune = "eksempelkommune"\npublikum = "intern"\nrun_dir = None'


def make_project(base: Path, extra_kommuner: tuple[str, ...] = (), sample: bool = True) -> Path:
    """A project folder under `base`: the repository's parameters/, and data/eksempelkommune
    written by the generator (small) or, with sample=False, a placeholder file.

    Every slug in `extra_kommuner` gets a parameters file copied from eksempelkommune's that
    reads the same data folder (real slugs with the synthetic data)."""
    root = base
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "parameters", root / "parameters")
    data = root / "data" / "eksempelkommune"
    if sample:
        from socialanalyse.data import synthetic

        synthetic.write_sample("eksempelkommune", SMALL, SEED, data)
    else:
        data.mkdir(parents=True)
        (data / "udtraek.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    own = yaml.safe_load((root / "parameters/kommuner/eksempelkommune.yaml").read_text("utf-8"))
    for slug in extra_kommuner:
        content = dict(own)
        content["kommune"] = slug
        content["navn"] = slug.capitalize()
        content["data"] = {**(own.get("data") or {}), "mappe": "data/eksempelkommune"}
        (root / "parameters/kommuner" / f"{slug}.yaml").write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return root


def own_parameters(root: Path, **sections) -> Path:
    """Add keys to sections of eksempelkommune's parameter file in the project `root`, e.g.
    own_parameters(root, servicetjek={"beslutninger": "data/x"}); returns the file's path."""
    path = root / "parameters/kommuner/eksempelkommune.yaml"
    content = yaml.safe_load(path.read_text("utf-8"))
    for key, value in sections.items():
        content[key] = {**content.get(key, {}), **value}
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def write_notebook(path: Path, title: str, *cells: str) -> Path:
    """A small notebook like the real ones: a heading, the tagged parameters cell, then `cells`."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETER_CELL)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), params]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def setup_cell(name: str) -> str:
    """The first cell of a real notebook: start the report session."""
    return ("from socialanalyse import report\n"
            f's = report.setup(kommune, publikum, run_dir, notebook="{name}")')


def write_notebooks(folder: Path, *specs: tuple[str, str]) -> Path:
    """Small notebooks NAME.ipynb in `folder`, each starting the report session and then
    running its code: `specs` are (name, code) pairs. Returns the folder."""
    for name, code in specs:
        write_notebook(folder / f"{name}.ipynb", f"Notebook {name}", setup_cell(name), code)
    return folder


def execute_notebook(source: Path, executed: Path, parameters: dict, root: Path,
                     cwd: Path | None = None, timeout: int = 600) -> None:
    """Papermill on a kernel started as the runner starts its own (runner.kernels): its
    clients never miss a reply. A plain papermill run of a widget cell can wait for ever
    (the lost ZeroMQ wake-up, see kernels._manager_class); a cell past `timeout` fails."""
    import tempfile

    import papermill as pm

    from socialanalyse.runner import kernels

    folder = Path(tempfile.mkdtemp(prefix="sa-test-", dir="/tmp"))  # short socket paths

    def run() -> None:
        kernel = kernels.Kernel(cwd or root, kernels.kernel_env(root), folder / "k")
        try:
            kernel.wait_ready()
            pm.execute_notebook(
                str(source), str(executed), parameters=parameters,
                engine_name=kernels.papermill_engine(), kernel_name=kernels.KERNEL_NAME,
                keep_as=str(executed), km=kernel.km, execution_timeout=timeout,
                progress_bar=False)
        finally:
            kernel.shutdown()

    try:
        kernels.in_own_event_loop(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run `socialanalyse …` in a subprocess with this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "socialanalyse.cli", *args],
        capture_output=True, text=True, check=False, **kwargs,
    )


def interrupt(proc: subprocess.Popen, how: str, ready, wait: float = 240,
              timeout: float = 60) -> tuple[str, str]:
    """Stop a running `socialanalyse run` (started with start_new_session=True) once `ready()`
    holds, as `how` says: 'sigkill' (a killed CLI), 'sigterm' or 'ctrl-c' (SIGINT to its
    process group, as a terminal sends it). Returns its (stdout, stderr)."""
    try:
        deadline = time.monotonic() + wait
        while not ready():
            assert time.monotonic() < deadline, "the run never got to the second notebook"
            time.sleep(0.1)
        time.sleep(1.5)
        if how == "sigkill":
            proc.kill()
        elif how == "sigterm":
            proc.terminate()
        else:
            os.killpg(proc.pid, signal.SIGINT)
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()


_E2E: dict[str, object] = {}


def e2e_run(tmp_path_factory, publikum: str):
    """Run every notebook in notebooks/ for the small eksempelkommune (once per process and
    audience) and return (project root, finished run folder, exit code, stdout).

    The intern run uses 2 workers (so the municipality runs independent notebooks two at a
    time), the byråd run 1 (strictly one notebook after the other)."""
    if publikum in _E2E:
        return _E2E[publikum]
    if "root" not in _E2E:
        _E2E["root"] = make_project(tmp_path_factory.mktemp("e2e") / "projekt")
    root = _E2E["root"]
    out = root / f"output_{publikum}"  # own `seneste` per audience, whatever ran first
    done = cli("run", "--kommune", "eksempelkommune", "--publikum", publikum, "--root", str(root),
               "--notebooks-dir", str(NOTEBOOKS), "--out", str(out),
               "--workers", "2" if publikum == "intern" else "1", "--quiet")
    runs = sorted(p for p in (out / "eksempelkommune").glob(f"*-{publikum}") if p.is_dir())
    result = (root, runs[-1] if runs else None, done.returncode, done.stdout + done.stderr)
    _E2E[publikum] = result
    return result


def notebook_fixtures(name: str):
    """Module fixtures for a notebook test: `intern` and `byraad` (project root, run folder,
    the notebook's exported HTML) from the shared end-to-end runs, and the run's `params`
    and `data` as the notebook read them. Use as
    `intern, byraad, params, data = notebook_fixtures(NAME)` in the test module."""

    def run(tmp_path_factory, publikum):
        root, run_dir, _code, output = e2e_run(tmp_path_factory, publikum)
        assert run_dir is not None, output
        page = (run_dir / "html" / f"{name}.html").read_text(encoding="utf-8")
        return root, run_dir, page

    @pytest.fixture(scope="module")
    def intern(tmp_path_factory):
        return run(tmp_path_factory, "intern")

    @pytest.fixture(scope="module")
    def byraad(tmp_path_factory):
        return run(tmp_path_factory, "byraad")

    @pytest.fixture(scope="module")
    def params(intern):
        from socialanalyse.config import load_parameters

        return load_parameters("eksempelkommune", root=intern[0])

    @pytest.fixture(scope="module")
    def data(params):
        from socialanalyse.data import load

        return load(params)

    return intern, byraad, params, data
