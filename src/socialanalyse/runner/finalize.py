"""Finishing a job (in the parent process): manifest.json, the rename, `seneste`.

A job writes into `output/<slug>/.<run-id>.tmp/` (reserved by folders.reserve); `finalize`
writes the manifest there and renames the folder to `output/<slug>/<run-id>/`, then points
`seneste` at it if everything succeeded. A run that is interrupted therefore never leaves a
folder that looks finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import config
from ..report.outputs import LATEST, MANIFEST_FILE, latest_run
from .folders import disk_full, disk_full_text, release, remove_scratch
from .kernels import KERNEL_NAME
from .plan import Job
from .results import FAILED, OK, JobResult

#: Libraries whose versions go into the manifest.
LIBRARIES = (
    "numpy", "pandas", "scipy", "statsmodels", "pandera", "pydantic", "pyyaml", "openpyxl",
    "pyarrow", "matplotlib", "seaborn", "papermill", "nbconvert", "nbformat", "nbclient",
    "ipykernel", "jupyter_client", "tqdm",
)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(params: config.Parametre, folders=None) -> dict[str, str]:
    """SHA-256 of every file under the municipality's data folder (or under `folders`, a
    cluster's members' aggregates; hidden files excepted) and of the filled-in self-evaluation
    (selvevaluering.besvarelse), keyed by path relative to the project folder (or absolute
    when outside it), sorted."""
    root = params.root
    out: dict[str, str] = {}
    for folder in [params.data_dir] if folders is None else [Path(f) for f in folders]:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # markers such as .komplet and hidden folders are not inputs
            out[_shown(path, root)] = sha256_file(path)
    if folders is not None:  # a cluster's run has no self-evaluation
        return dict(sorted(out.items()))
    from ..selvevaluering.reader import answers_file

    answers = answers_file(params)  # the filled-in self-evaluation is an input too
    if answers is not None and answers.is_file():
        out[_shown(answers, root)] = sha256_file(answers)
    return dict(sorted(out.items()))


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def versions() -> dict[str, str]:
    """Versions of Python, socialanalyse and the libraries the notebooks use."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out = {"python": sys.version.split()[0], "socialanalyse": __version__}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "mangler"
    return out


def finalize(
    job: Job, result: JobResult, params: config.Parametre, meta: dict[str, Any]
) -> Path | None:
    """Write manifest.json into the job's temporary folder, rename it to the run id, and point
    `seneste` at it when everything succeeded. Returns the finished folder.

    On a full disk (in the job, or here writing the manifest) the unfinished folder is removed
    instead - it finishes nothing and keeps the disk full - the result says so in one Danish
    message (`JobResult.disk_fuld`) and None is returned."""
    remove_scratch(job)
    if not result.disk_fuld:
        try:
            _write_json(job.tmp_dir / MANIFEST_FILE, build_manifest(job, result, params, meta))
            release(job)
            os.replace(job.tmp_dir, job.final_dir)
        except OSError as exc:
            if not disk_full(exc):
                raise
            result.fejl, result.disk_fuld = disk_full_text(Path(job.out_dir)), True
    if result.disk_fuld:
        release(job)
        shutil.rmtree(job.tmp_dir, ignore_errors=True)
        return None
    if result.ok:
        point_latest(Path(job.out_dir), job.run_id)
    return job.final_dir


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
        "datamappe": None if job.klynge else _shown(params.data_dir, params.root),
        "inputfiler": result.inputfiler,
        "versioner": versions(),
        "koersel": {
            "kernel": KERNEL_NAME,
            "timeout_sekunder": job.timeout,
            "pdf": job.pdf,
            "notebookmappe": str(Path(job.notebooks[0]).parent) if job.notebooks else None,
            "notebookparametre": {Path(nb).stem: job.parameters_for(Path(nb).stem)
                                  for nb in job.notebooks if job.parameters_for(Path(nb).stem)},
            **meta,
        },
        "notebooks": [asdict(n) for n in result.notebooks],
        "byraadstjek": result.byraadstjek,
        "index_html": result.index_html,
        "aggregater": result.aggregater,
    }


def _write_json(path: Path, content: Any) -> None:
    tmp = path.with_name(path.name + ".skrives")
    try:
        tmp.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def point_latest(out_dir: Path, run_id: str) -> None:
    """Point out_dir/seneste at run_id, atomically: a relative symlink replaced in one rename,
    or, where symlinks cannot be made, a small text file holding the run id.

    `seneste` only moves forward: when two runs of a municipality ran side by side, the one
    started last stays `seneste`, whichever finished last (checked under a lock)."""
    link = out_dir / LATEST
    tmp = out_dir / f".{LATEST}.{os.getpid()}"
    with _locked(out_dir):
        current = latest_run(out_dir)
        if current is not None and current.name > run_id:
            return
        try:
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            os.symlink(run_id, tmp, target_is_directory=True)
        except (OSError, NotImplementedError):
            tmp.write_text(run_id + "\n", encoding="utf-8")
        os.replace(tmp, link)


@contextlib.contextmanager
def _locked(folder: Path):
    """An advisory lock on a folder (POSIX; flock on the folder's own descriptor)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
