"""The runner: execute the notebooks with Papermill for one or many municipalities.

`socialanalyse run --kommune SLUG` validates every municipality's parameters before anything
starts, then runs one job per municipality (its notebooks in order, since later notebooks may
read earlier results) in parallel processes (`concurrent.futures.ProcessPoolExecutor`) or on a
Dask cluster (`run_dask`). Each job writes into `output/<slug>/.<run-id>.tmp/`; the parent
process writes `manifest.json` and renames the folder to `output/<slug>/<run-id>/` when the job
is done, then points `output/<slug>/seneste` at it if everything succeeded. A run that is
interrupted therefore never leaves a folder that looks finished.

Layout of a finished run folder::

    <run-id>/NN_navn.ipynb      executed notebooks (a failed one keeps its error cells)
    <run-id>/html/              one HTML report per notebook and index.html
    <run-id>/excel/             working lists (intern only)
    <run-id>/results.json       headline results, written by the notebooks (report.record)
    <run-id>/manifest.json      parameters, input hashes, versions, timings, status

Messages to the analyst are Danish.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import config, run_snapshot
from .report.outputs import LATEST, MANIFEST_FILE, RESULTS_FILE, TMP_SUFFIX, latest_run  # noqa: F401

KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600  # seconds per cell
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers

OK = "ok"
FAILED = "fejlet"  # the notebook raised an error (kept with its error cells)
REJECTED = "afvist"  # byråd check found ids or small counts in the HTML
NOT_RUN = "ikke kørt"  # the job itself broke before the notebook ran

#: Libraries whose versions go into the manifest.
LIBRARIES = (
    "numpy", "pandas", "scipy", "statsmodels", "pandera", "pydantic", "pyyaml", "openpyxl",
    "pyarrow", "matplotlib", "seaborn", "papermill", "nbconvert", "nbformat", "nbclient",
    "ipykernel", "jupyter_client", "tqdm",
)


# --------------------------------------------------------------------------------------------
# Jobs and results


@dataclass(frozen=True)
class Job:
    """One municipality's run: its notebooks in order, written into `tmp_dir`."""

    kommune: str
    publikum: str
    run_id: str
    notebooks: tuple[str, ...]  # absolute paths, in execution order
    root: str  # project folder (parameters/, data/); the kernels get SOCIALANALYSE_HOME=root
    out_dir: str  # output/<slug>
    timeout: int = DEFAULT_TIMEOUT
    prewarm: bool = True  # start the next notebook's kernel (and its imports) ahead of time
    snapshot: bool = True  # load the data once per job; kernels read it (run_snapshot)
    parallel: int = 1  # notebooks of this job that may run at once (spare cores, see plan)

    @property
    def tmp_dir(self) -> Path:
        """Where the job writes while it runs."""
        return Path(self.out_dir) / f".{self.run_id}{TMP_SUFFIX}"

    @property
    def final_dir(self) -> Path:
        """Where the finished run ends up."""
        return Path(self.out_dir) / self.run_id


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    navn: str
    status: str = NOT_RUN
    start: str | None = None
    sekunder: float = 0.0  # wall time including waiting for the kernel
    kerne_sekunder: float | None = None  # kernel launch until it answered (its startup cost)
    kerne_ventetid: float | None = None  # of which spent waiting on the critical path
    fejl: str | None = None
    html: str | None = None
    byraadstjek: list[str] = field(default_factory=list)


@dataclass
class JobResult:
    """What happened to one municipality's job (returned by the worker to the parent)."""

    kommune: str
    run_id: str
    start: str
    sekunder: float
    notebooks: list[NotebookResult]
    inputfiler: dict[str, str] = field(default_factory=dict)
    index_html: str | None = None
    fejl: str | None = None  # a failure of the job outside any notebook
    byraadstjek: list[str] = field(default_factory=list)  # problems in index.html/results.json

    @property
    def ok(self) -> bool:
        """True when every notebook ran and passed its checks."""
        return (self.fejl is None and not self.byraadstjek
                and all(n.status == OK for n in self.notebooks))


class Progress(Protocol):
    """Where a job reports progress: anything with put((event, kommune, notebook, status))."""

    def put(self, item: tuple) -> None: ...


# --------------------------------------------------------------------------------------------
# Small helpers


def now_iso() -> str:
    """The local time as ISO 8601 with seconds."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def new_run_id(publikum: str, out_dirs: Iterable[Path], when: dt.datetime | None = None) -> str:
    """A sortable run id 'YYYYMMDD-HHMMSS-publikum', unused in every given output folder.

    If the second is taken (a run started in the same second), the next free second is used,
    so ids stay unique and sort in the order the runs started.
    """
    when = (when or dt.datetime.now()).replace(microsecond=0)
    dirs = list(out_dirs)
    while True:
        run_id = f"{when:%Y%m%d-%H%M%S}-{publikum}"
        taken = any(
            (d / run_id).exists() or (d / f".{run_id}{TMP_SUFFIX}").exists() for d in dirs
        )
        if not taken:
            return run_id
        when += dt.timedelta(seconds=1)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(params: config.Parametre) -> dict[str, str]:
    """SHA-256 of every file under the municipality's data folder (hidden files excepted),
    keyed by path relative to the project folder (or absolute when outside it), sorted."""
    root = params.root
    folder = params.data_dir
    out: dict[str, str] = {}
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # markers such as .komplet and hidden folders are not inputs
            out[_shown(path, root)] = sha256_file(path)
    return out


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def versions() -> dict[str, str]:
    """Versions of Python, socialanalyse and the libraries the notebooks use."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    out = {"python": sys.version.split()[0], "socialanalyse": __version__}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "mangler"
    return out


def notebook_title(path: Path) -> str:
    """The first markdown heading of a notebook, else its name without the number."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # a broken notebook gets a plain title; it fails elsewhere
        nb = None
    for cell in (nb.cells if nb is not None else []):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    stem = path.stem
    name = stem.split("_", 1)[1] if "_" in stem and stem.split("_", 1)[0].isdigit() else stem
    return name.replace("_", " ").capitalize()


def discover_notebooks(folder: Path, only: Iterable[str] = ()) -> list[Path]:
    """The notebooks in `folder` (NN_navn.ipynb, sorted), optionally only the named ones.

    A name matches the file name, its stem, or its number prefix ('00'). An unknown name
    raises KoerselFejl (Danish).
    """
    found = sorted(
        p for p in Path(folder).glob("*.ipynb") if not p.name.startswith((".", "_"))
    )
    only = list(only)
    if not only:
        if not found:
            raise KoerselFejl(f"Der er ingen notebooks i {folder}.")
        return found
    chosen: list[Path] = []
    for name in only:
        hits = [
            p for p in found
            if name in (p.name, p.stem) or p.stem.split("_", 1)[0] == name
        ]
        if not hits:
            known = ", ".join(p.stem for p in found) or "ingen"
            raise KoerselFejl(f"Ukendt notebook {name!r}. Der findes: {known}.")
        chosen.extend(h for h in hits if h not in chosen)
    return sorted(chosen)


class KoerselFejl(RuntimeError):
    """A run that cannot start (Danish message): unknown notebook, missing data folder, …"""


# --------------------------------------------------------------------------------------------
# Kernels: started by the runner so it can measure their startup and start the next one early


class _Kernel:
    """A python3 kernel started in a given folder with a given environment.

    On POSIX it talks over Unix sockets in a private temporary folder (no TCP ports, no
    warnings about unencrypted TCP); its own stderr (kernel-level messages, not cell output)
    goes to `log`.
    """

    def __init__(
        self, cwd: Path, env: dict[str, str], log: Path | None = None,
        preimport: Iterable[str] | None = None,
    ):
        import tempfile

        from jupyter_client import KernelManager

        self.launched = time.perf_counter()
        self._sockets = None
        options: dict[str, Any] = {"kernel_name": KERNEL_NAME}
        if os.name == "posix":
            self._sockets = tempfile.mkdtemp(prefix="sa-k-")
            options.update(transport="ipc", ip=os.path.join(self._sockets, "k"))
        self.km = KernelManager(**options)
        self._log = open(log, "ab") if log is not None else None  # noqa: SIM115 - kept open
        extra = []
        if preimport is not None:
            lines = [preimport_code(preimport, snapshot=run_snapshot.ENV in env)]
            extra.append(f"--IPKernelApp.exec_lines={lines!r}")
        self.km.start_kernel(
            cwd=str(cwd), env=env, stderr=self._log, stdout=self._log, extra_arguments=extra
        )
        self.ready_after: float | None = None

    def wait_ready(self, timeout: float = KERNEL_START_TIMEOUT) -> float:
        """Block until the kernel answers; returns the seconds waited here."""
        t0 = time.perf_counter()
        if self.ready_after is None:
            kc = self.km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=timeout)
            finally:
                kc.stop_channels()
            self.ready_after = time.perf_counter() - self.launched
        return time.perf_counter() - t0

    def shutdown(self) -> None:
        """Stop the kernel (quietly if it is already gone) and remove its sockets."""
        import shutil

        # A kernel that died on its own needs no shutdown; whatever the error, go on.
        with contextlib.suppress(Exception):
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        if self._log is not None:
            self._log.close()
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)


def notebook_imports(path: Path) -> list[str]:
    """The modules a notebook imports at the top level of its code cells, in order: the
    kernel can import them while it starts (see `preimport_code`). Cells that are not plain
    Python (magics) are skipped; relative imports are ignored."""
    import ast

    import nbformat

    names: list[str] = []
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # an unreadable notebook fails later, with a proper message
        return names
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names
                          if alias.name != "*"]
    return list(dict.fromkeys(names))


def preimport_code(modules: Iterable[str], snapshot: bool = False) -> str:
    """Code run when a kernel starts (IPKernelApp.exec_lines, not stored in the history):
    import the given modules into sys.modules only, leaving the user's namespace empty, and
    with `snapshot` let socialanalyse.data.load answer from the run's data snapshot
    (`run_snapshot.install`).

    Importing is what a notebook's first cells spend most time on; a kernel started ahead
    of its notebook (prewarm) has then done it off the critical path. Names that are not
    modules (`from x import function`) or fail to import are skipped silently: the
    notebook's own import reports any real problem."""
    mods = list(modules)
    install = (
        "    from socialanalyse import run_snapshot\n"
        "    run_snapshot.install()\n"
    ) if snapshot else ""
    return (
        "def _sa_preimport(names):\n"
        "    import importlib\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"{install}"
        f"_sa_preimport({mods!r})\n"
        "del _sa_preimport\n"
    )


def kernel_env(root: Path) -> dict[str, str]:
    """The kernels' environment: the runner's, with the project folder and a fixed hash seed
    (so anything that iterates over a set of strings gives the same order in every run)."""
    env = dict(os.environ)
    env["SOCIALANALYSE_HOME"] = str(root)
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


# --------------------------------------------------------------------------------------------
# The unit of work: one municipality, executed in a worker process (or a Dask worker)


def execute_job(job: Job, progress: Progress | None = None) -> JobResult:
    """Run one municipality's notebooks in order into job.tmp_dir, export HTML, build the
    index and, for the byråd, check every HTML file. Never raises: failures are in the result.
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
        out.fejl = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
    out.sekunder = round(time.perf_counter() - t0, 3)
    return out


def _put(progress: Progress | None, *event) -> None:
    if progress is not None:
        with contextlib.suppress(Exception):  # progress is cosmetic; never fail a run over it
            progress.put(tuple(event))


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
    params = config.load_parameters(job.kommune, root=root)
    tmp = job.tmp_dir
    (tmp / "html").mkdir(parents=True, exist_ok=True)
    if job.publikum == "intern":
        (tmp / "excel").mkdir(exist_ok=True)
    out.inputfiler = input_hashes(params)
    env = kernel_env(root)
    logs = tmp / "log"
    logs.mkdir(exist_ok=True)
    snapshot = tmp / run_snapshot.FILE
    if job.snapshot:
        env[run_snapshot.ENV] = str(snapshot)
    paths = [Path(p) for p in job.notebooks]
    waits = [reads_earlier_results(p) for p in paths]

    def start_kernel(i: int) -> _Kernel:
        imports = notebook_imports(paths[i]) if job.prewarm else []
        return _Kernel(paths[i].parent, env, logs / f"{paths[i].stem}.log", imports)

    # Kernels are started here, in the job's thread; notebooks run in `lanes` threads (one,
    # unless the job has cores to spare: Job.parallel). Notebooks start in order; one that
    # reads earlier results waits for all before it. Each notebook's HTML is exported in a
    # thread as soon as it has run.
    # The first notebooks' kernels boot while the data are loaded.
    kernels = {i: start_kernel(i) for i in range(min(max(1, job.parallel), len(paths)))}
    loaded = None
    lanes = cf.ThreadPoolExecutor(max_workers=max(1, job.parallel), thread_name_prefix="nb")
    exporter = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="html")
    exports: list[cf.Future] = []
    try:
        if job.snapshot:
            # While the first kernel boots: load the data once for every notebook.
            try:
                loaded = run_snapshot.write(params, snapshot)
            except Exception:  # noqa: BLE001 - the notebooks show the loader's message
                loaded = None
        following = 0  # the next notebook to start
        running: dict[cf.Future, int] = {}
        while following < len(paths) or running:
            while (following < len(paths) and len(running) < max(1, job.parallel)
                   and not (waits[following] and running)):
                i = following
                following += 1
                kernel = kernels.pop(i, None) or start_kernel(i)
                # The next kernels (one per lane) boot in their own processes meanwhile.
                ahead = range(following, min(following + max(1, job.parallel), len(paths)))
                for j in ahead if job.prewarm else ():
                    if j not in kernels:
                        kernels[j] = start_kernel(j)
                running[lanes.submit(_run_notebook, job, paths[i], out.notebooks[i], kernel,
                                     progress)] = i
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in done:
                i = running.pop(fut)
                fut.result()
                exports.append(
                    exporter.submit(_export_html, job, params, paths[i], out.notebooks[i]))
    finally:
        lanes.shutdown(wait=True)
        for kernel in kernels.values():
            kernel.shutdown()
        snapshot.unlink(missing_ok=True)  # case data: never left in the output
        exporter.shutdown(wait=True)
    for fut in exports:
        fut.result()

    for log in logs.glob("*.log"):  # keep only logs that say something
        if log.stat().st_size == 0:
            log.unlink()
    if not any(logs.iterdir()):
        logs.rmdir()
    _export(job, params, out, loaded)


def _run_notebook(
    job: Job, path: Path, res: NotebookResult, kernel: _Kernel, progress: Progress | None
) -> None:
    """Execute one notebook with Papermill on an already started kernel; record the outcome
    in `res` (a failure is a result, not an exception). Stops the kernel."""
    import papermill as pm

    _put(progress, "start", job.kommune, res.navn, None)
    res.start = now_iso()
    t0 = time.perf_counter()
    try:
        res.kerne_ventetid = round(kernel.wait_ready(), 3)
        res.kerne_sekunder = round(kernel.ready_after or 0.0, 3)
        pm.execute_notebook(
            str(path),
            str(job.tmp_dir / path.name),
            parameters={"kommune": job.kommune, "publikum": job.publikum,
                        "run_dir": str(job.tmp_dir)},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=job.timeout,
            start_timeout=KERNEL_START_TIMEOUT,
            km=kernel.km,
        )
        res.status = OK
    except Exception as exc:  # noqa: BLE001 - a failed notebook is a result
        res.status = FAILED
        res.fejl = _describe_error(exc)
    finally:
        kernel.shutdown()
    res.sekunder = round(time.perf_counter() - t0, 3)
    _put(progress, "slut", job.kommune, res.navn, res.status)


def _describe_error(exc: BaseException) -> str:
    """A one-line Danish description of why a notebook failed."""
    ename = getattr(exc, "ename", None)
    if ename:  # papermill.PapermillExecutionError: the error raised in a cell
        cell = getattr(exc, "exec_count", None)
        where = f" i celle [{cell}]" if cell else ""
        return f"{ename}{where}: {getattr(exc, 'evalue', '')}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


AUDIENCE_TEXT = {"intern": "intern udgave", "byraad": "byrådsudgave"}


def _title(path: Path, params: config.Parametre) -> str:
    return f"{notebook_title(path)} – {params.navn}"


def _subtitle(job: Job, params: config.Parametre) -> str:
    return f"{params.navn} · {AUDIENCE_TEXT[job.publikum]}"


def _export_html(job: Job, params: config.Parametre, path: Path, res: NotebookResult) -> None:
    """The HTML report of one executed notebook (also of a failed one: it shows the error)."""
    from . import report

    tmp = job.tmp_dir
    executed = tmp / path.name
    if not executed.is_file():
        return
    html = tmp / "html" / f"{path.stem}.html"
    try:
        report.export_html(executed, html, _title(path, params), lang="da",
                           subtitle=_subtitle(job, params))
    except Exception as exc:  # noqa: BLE001 - an export failure fails this notebook
        res.status = FAILED if res.status == OK else res.status
        res.fejl = _join(res.fejl, "HTML-eksport: " + _describe_error(exc))
        return
    res.html = html.relative_to(tmp).as_posix()


def _export(job: Job, params: config.Parametre, out: JobResult, loaded=None) -> None:
    """After the notebooks (whose HTML is exported as they finish): for the byråd the privacy
    checks of every HTML page and of results.json, then the index, checked as well."""
    from . import report

    tmp = job.tmp_dir
    subtitle = _subtitle(job, params)
    titles = {Path(p).stem: _title(Path(p), params) for p in job.notebooks}
    forbidden: set[str] = set()
    if job.publikum == "byraad":
        forbidden = forbidden_ids(params, loaded)
        for res in out.notebooks:
            if res.html is None:
                continue
            problems = _check_page(tmp / res.html, forbidden, params.diskretion)
            if problems:
                res.byraadstjek = problems
                res.status = REJECTED if res.status == OK else res.status
                res.fejl = _join(res.fejl, f"byrådstjek: {len(problems)} problem(er): "
                                 + problems[0])
        results_path = tmp / RESULTS_FILE
        if results_path.is_file():
            results = json.loads(results_path.read_text(encoding="utf-8"))
            out.byraadstjek += [f"{RESULTS_FILE}: {p}" for p in
                                report.check_byraad_results(results, params.diskretion)]

    reports = [
        {"notebook": res.navn, "titel": titles[res.navn], "html": res.html,
         "status": res.status, "fejl": res.fejl}
        for res in out.notebooks
    ]
    index = Path(report.build_index(
        tmp, reports, title=f"Socialanalyse – {params.navn}", subtitle=subtitle, lang="da"
    ))
    out.index_html = index.relative_to(tmp).as_posix()
    if job.publikum == "byraad":
        out.byraadstjek += [f"{index.name}: {p}" for p in
                            _check_page(index, forbidden, params.diskretion)]


def _check_page(path: Path, forbidden: set[str], threshold: int) -> list[str]:
    from . import report

    text = path.read_text(encoding="utf-8")
    return list(report.check_byraad_html(text, forbidden, threshold))


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def forbidden_ids(params: config.Parametre, loaded=None) -> set[str]:
    """Every id in the municipality's data that must never reach the byråd (borger_id,
    bevilling_id, maal_id: `report.forbidden_ids`), from `loaded` or a fresh load."""
    from . import data, report

    return set(report.forbidden_ids(loaded if loaded is not None else data.load(params)))


# --------------------------------------------------------------------------------------------
# Finishing a job (in the parent): manifest, rename, `seneste`


def finalize(job: Job, result: JobResult, params: config.Parametre, meta: dict[str, Any]) -> Path:
    """Write manifest.json into the job's temporary folder, rename it to the run id, and point
    `seneste` at it when everything succeeded. Returns the finished folder."""
    tmp = job.tmp_dir
    tmp.mkdir(parents=True, exist_ok=True)
    for lock in tmp.glob("*.lock"):  # lock files of report.record; the run is over
        lock.unlink(missing_ok=True)
    (tmp / run_snapshot.FILE).unlink(missing_ok=True)
    manifest = build_manifest(job, result, params, meta)
    _write_json(tmp / MANIFEST_FILE, manifest)
    final = job.final_dir
    os.replace(tmp, final)
    if result.ok:
        point_latest(Path(job.out_dir), job.run_id)
    return final


def build_manifest(
    job: Job, result: JobResult, params: config.Parametre, meta: dict[str, Any]
) -> dict[str, Any]:
    """The manifest: what ran, on which inputs, with which versions, how it went."""
    return {
        "kommune": job.kommune,
        "navn": params.navn,
        "publikum": job.publikum,
        "run_id": job.run_id,
        "status": OK if result.ok else FAILED,
        "start": result.start,
        "sekunder": result.sekunder,
        "fejl": result.fejl,
        "parametre": params.model_dump(mode="json"),
        "parameterfiler": {_shown(p, params.root): sha256_file(p) for p in params.files},
        "datamappe": _shown(params.data_dir, params.root),
        "inputfiler": result.inputfiler,
        "versioner": versions(),
        "koersel": {
            "kernel": KERNEL_NAME,
            "timeout_sekunder": job.timeout,
            "notebookmappe": str(Path(job.notebooks[0]).parent) if job.notebooks else None,
            **meta,
        },
        "notebooks": [asdict(n) for n in result.notebooks],
        "byraadstjek": result.byraadstjek,
        "index_html": result.index_html,
    }


def _write_json(path: Path, content: Any) -> None:
    tmp = path.with_name(path.name + ".skrives")
    tmp.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def point_latest(out_dir: Path, run_id: str) -> None:
    """Point out_dir/seneste at run_id, atomically: a relative symlink replaced in one rename,
    or, where symlinks cannot be made, a small text file holding the run id."""
    link = out_dir / LATEST
    tmp = out_dir / f".{LATEST}.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(run_id, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        tmp.write_text(run_id + "\n", encoding="utf-8")
    os.replace(tmp, link)


# --------------------------------------------------------------------------------------------
# Running many jobs: processes or Dask, with a progress bar per municipality


@dataclass
class Plan:
    """Everything a run needs, validated before anything starts."""

    jobs: list[Job]
    parametre: dict[str, config.Parametre]
    workers: int
    executor: str = "local"
    scheduler: str | None = None
    dask_options: dict[str, Any] = field(default_factory=dict)  # LocalCluster keyword args


def plan(
    kommuner: Iterable[str],
    *,
    publikum: str = "intern",
    notebooks: Iterable[str] = (),
    root: Path | None = None,
    notebooks_dir: Path | None = None,
    out: Path | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    prewarm: bool = True,
) -> Plan:
    """Validate every municipality's parameters and data folder, choose the notebooks and make
    one job per municipality. Raises config.ParameterFejl or KoerselFejl; starts nothing."""
    root = (root or config.project_root()).resolve()
    slugs = list(dict.fromkeys(kommuner))
    if not slugs:
        raise KoerselFejl("Angiv mindst én kommune med --kommune SLUG, eller brug --all.")
    if publikum not in ("intern", "byraad"):
        raise KoerselFejl(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    from .data.contract import check_table_columns
    from .servicetjek.catalog import check_parameters

    params: dict[str, config.Parametre] = {}
    problems: list[str] = []
    for slug in slugs:
        try:
            params[slug] = config.load_parameters(slug, root=root)
            check_table_columns(params[slug])  # the checks config cannot make itself
            check_parameters(params[slug])
        except config.ParameterFejl as exc:
            problems.append(f"{slug}: {exc}")
            continue
        if not params[slug].data_dir.is_dir():
            hint = (
                " Skriv eksempeldata med `make sample` eller `socialanalyse sample`."
                if slug == "eksempelkommune"
                else " Ret data.mappe i kommunens parameterfil."
            )
            problems.append(f"{slug}: datamappen {params[slug].data_dir} findes ikke.{hint}")
    if problems:
        raise config.ParameterFejl("\n".join(problems))
    paths = discover_notebooks(notebooks_dir or root / "notebooks", notebooks)
    out_root = (out or root / "output").resolve()
    out_dirs = [out_root / slug for slug in slugs]
    run_id = new_run_id(publikum, out_dirs)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    workers = max(1, int(workers))
    # A worker is a core's worth of notebooks: with fewer municipalities than workers, each
    # municipality may run that many of its notebooks at once (those that do not read earlier
    # results; see _execute_job). With at least as many municipalities, one at a time.
    parallel = max(1, workers // len(slugs))
    jobs = [
        Job(
            kommune=slug,
            publikum=publikum,
            run_id=run_id,
            notebooks=tuple(str(p.resolve()) for p in paths),
            root=str(root),
            out_dir=str(out_root / slug),
            timeout=timeout,
            prewarm=prewarm,
            parallel=parallel,
        )
        for slug in slugs
    ]
    return Plan(jobs, params, workers, executor, scheduler)


class Bars:
    """One tqdm bar per municipality, counting its notebooks (on stderr)."""

    def __init__(self, jobs: list[Job], enabled: bool = True):
        from tqdm import tqdm

        width = max(len(j.kommune) for j in jobs)
        self.bars = {
            j.kommune: tqdm(
                total=len(j.notebooks), desc=j.kommune.ljust(width), unit="nb",
                position=i, leave=True, disable=not enabled, file=sys.stderr,
                bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} notebooks  {elapsed} {postfix}",
            )
            for i, j in enumerate(jobs)
        }

    def put(self, event: tuple) -> None:
        """Apply one progress event from a job."""
        kind, kommune, notebook, status = event
        bar = self.bars.get(kommune)
        if bar is None:
            return
        if kind == "start":
            bar.set_postfix_str(notebook, refresh=True)
        elif kind == "slut":
            bar.update(1)
            if status != OK:
                bar.set_postfix_str(f"{notebook}: {status}", refresh=True)

    def finish(self, kommune: str, result: JobResult) -> None:
        """A job is done: fill its bar and show its status."""
        bar = self.bars.get(kommune)
        if bar is None:
            return
        bar.n = bar.total
        bar.set_postfix_str("færdig" if result.ok else "fejl", refresh=True)

    def close(self) -> None:
        """Close every bar."""
        for bar in self.bars.values():
            bar.close()


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
                    result = _broken(job, exc)
                on_done(job, result)
    except BaseException:
        _kill_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        q.close()
        q.cancel_join_thread()


def _broken(job: Job, exc: BaseException) -> JobResult:
    return JobResult(
        job.kommune, job.run_id, now_iso(), 0.0,
        [NotebookResult(navn=Path(p).stem) for p in job.notebooks],
        fejl=f"{type(exc).__name__}: {exc}",
    )


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Stop the workers now (their kernels notice their parent is gone and exit)."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def execute_plan(p: Plan, *, show_progress: bool = True, echo=print) -> list[tuple[Job, JobResult]]:
    """Run every job of the plan and finish each one (manifest, rename, seneste) as it ends.

    Returns (job, result) pairs in the plan's order.
    """
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
            from .run_dask import run_dask

            run_dask(p, on_done, bars, **p.dask_options)
        elif p.executor == "local":
            run_local(p, on_done, bars)
        else:
            raise KoerselFejl(f"Ukendt executor {p.executor!r}: brug 'local' eller 'dask'.")
    finally:
        bars.close()
    meta["sekunder_i_alt"] = round(time.perf_counter() - t0, 3)
    return [(job, finished[job.kommune]) for job in p.jobs if job.kommune in finished]


# --------------------------------------------------------------------------------------------
# The summary and the command


def summary_rows(pairs: list[tuple[Job, JobResult]]) -> list[dict[str, str]]:
    """One row per (kommune, notebook) with Danish status and seconds (decimal comma)."""
    rows = []
    for job, result in pairs:
        if result.fejl or result.byraadstjek:
            rows.append({
                "kommune": job.kommune,
                "notebook": "(hele kørslen)",
                "status": FAILED if result.fejl else REJECTED,
                "sekunder": f"{result.sekunder:.1f}".replace(".", ","),
            })
        for nb in result.notebooks:
            status = nb.status
            if result.fejl and nb.status == NOT_RUN:
                status = FAILED
            rows.append({
                "kommune": job.kommune,
                "notebook": nb.navn,
                "status": status,
                "sekunder": f"{nb.sekunder:.1f}".replace(".", ","),
            })
    return rows


def format_summary(pairs: list[tuple[Job, JobResult]]) -> str:
    """The summary table as plain text, with the failures explained below it."""
    rows = summary_rows(pairs)
    headers = ["kommune", "notebook", "status", "sekunder"]
    widths = {h: max([len(h)] + [len(r[h]) for r in rows]) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) if h != "sekunder" else h.rjust(widths[h])
                       for h in headers)]
    lines.append("  ".join("-" * widths[h] for h in headers))
    for r in rows:
        lines.append("  ".join(
            r[h].rjust(widths[h]) if h == "sekunder" else r[h].ljust(widths[h]) for h in headers
        ))
    problems = []
    for job, result in pairs:
        if result.fejl:
            problems.append(f"{job.kommune}: kørslen fejlede: {result.fejl.splitlines()[0]}")
        for problem in result.byraadstjek:
            problems.append(f"{job.kommune}: byrådstjek: {problem}")
        for nb in result.notebooks:
            if nb.status != OK and nb.fejl:
                problems.append(f"{job.kommune} / {nb.navn}: {nb.fejl}")
            for problem in nb.byraadstjek[:5]:
                problems.append(f"    - {problem}")
            if len(nb.byraadstjek) > 5:
                problems.append(f"    … og {len(nb.byraadstjek) - 5} mere")
    if problems:
        lines += ["", "Fejl:"] + [f"  {p}" for p in problems]
    return "\n".join(lines)


def main(args) -> int:
    """`socialanalyse run …`: returns the exit code (0 all ok, 1 something failed,
    2 unusable parameters or arguments, 130 interrupted)."""
    try:
        root = Path(args.root).resolve() if getattr(args, "root", None) else None
        if args.all and args.kommune:
            raise KoerselFejl("Brug enten --kommune eller --all, ikke begge.")
        if args.all:
            slugs = config.available_kommuner(root)
        else:
            slugs = args.kommune
        p = plan(
            slugs,
            publikum=args.publikum,
            notebooks=args.notebook,
            root=root,
            notebooks_dir=Path(args.notebooks_dir) if getattr(args, "notebooks_dir", None)
            else None,
            out=Path(args.out) if args.out else None,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            timeout=getattr(args, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT,
        )
    except (config.ParameterFejl, KoerselFejl) as exc:
        print(f"Kørslen er ikke startet.\n{exc}", file=sys.stderr)
        return 2

    n_nb = len(p.jobs[0].notebooks)
    print(
        f"Kører {n_nb} notebook(s) for {len(p.jobs)} kommune(r) "
        f"({p.jobs[0].publikum}, {p.executor}, {p.workers} worker(s)); kørsel {p.jobs[0].run_id}.",
        flush=True,
    )
    previous = _install_term_handler()
    try:
        pairs = execute_plan(p, show_progress=not getattr(args, "quiet", False))
    except KeyboardInterrupt:
        print(
            "\nKørslen blev afbrudt. Ufærdige mapper (.<run-id>.tmp) er ikke færdige og kan "
            "slettes.",
            file=sys.stderr,
        )
        return 130
    finally:
        _restore_term_handler(previous)

    print()
    print(format_summary(pairs))
    print()
    for job, result in pairs:
        where = job.final_dir
        if result.index_html:
            print(f"{job.kommune}: rapporten ligger i {where / result.index_html}")
        else:
            print(f"{job.kommune}: resultaterne ligger i {where}")
    failed = [job.kommune for job, result in pairs if not result.ok]
    if failed or len(pairs) < len(p.jobs):
        print(f"\nNoget fejlede for: {', '.join(failed)}. Se tabellen ovenfor.", file=sys.stderr)
        return 1
    return 0


def _install_term_handler():
    """SIGTERM stops the run like Ctrl-C (workers are killed; no folder looks finished)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        return None


def _restore_term_handler(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
