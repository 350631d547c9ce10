"""Sending a job to a Dask worker that does not share this machine's disk (--dask-filer send).

The submitting process packs what the job reads into one zip in memory (`pack_inputs`): the
project's parameters (without other municipalities' files), the municipality's data folder
(every file the loader may read, also globbed multi-file tables), the statbank folder, the
decisions folder, the filled-in self-evaluation, the notebooks, and the latest results of the comparison municipalities (notebook 05) or, for a
cluster, its members' latest aggregates (notebook 09). An input the parameters place out of
the project folder (an absolute data.mappe, say) goes under `_sendt/` in the worker's project,
and the worker's copy of the municipality's parameter file points there; a --parameter path
out of the project and a business case given as a path are refused (`KoerselFejl`, before
anything runs).

On the worker `execute_sent` unpacks the zip into a private temp folder (mode 0700), runs
`job.execute_job` on a copy of the job whose paths point into it, and returns the result with
the finished run folder as zipped bytes; the temp folder (which holds case data) is removed
whatever happens. Back in the submitting process `unpack_run` puts the run folder into the
job's reserved `.tmp` folder, and finalize does the rest as for any run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import yaml

from .. import config
from ..report.outputs import AGGREGAT_DIR, LATEST, MANIFEST_FILE, latest_run
from .folders import scratch_root
from .job import execute_job
from .plan import Job, KoerselFejl
from .results import JobResult, Progress

PROJECT = "projekt"  # the project folder inside the zip and on the worker
NOTEBOOKS = "notebooks"
OUTPUT = "output"
SEND_OPTION = "--dask-filer send"


def output_root(job: Job) -> Path:
    """The output folder holding every municipality's runs (a cluster's job writes into
    output/klynger/<navn>/)."""
    out = Path(job.out_dir)
    return out.parents[1] if job.klynge else out.parent


def _outside(root: Path, raw) -> bool:
    """Whether a path value (from the parameters or a --parameter) is absolute or points out
    of the project folder: the worker would look for it at that place on its own disk."""
    path = Path(str(raw))
    return path.is_absolute() or not (root / path).resolve().is_relative_to(root.resolve())


def _not_sendable(root: Path, option: str, raw) -> KoerselFejl:
    return KoerselFejl(
        f"{option} er {str(raw)!r}. Med {SEND_OPTION} sendes kørslens filer til Dask-workerne, "
        f"så stien skal være relativ til projektmappen {root} og ligge i den. Ret værdien, "
        "sæt stien i kommunens parameterfil i stedet, eller brug en delt disk "
        "(--dask-filer delt).")


@dataclasses.dataclass
class Inputs:
    """What a sent job reads: {name in the zip: file here}; the `seneste` files of the runs
    sent along ({name in the zip: run id}); and the parameter keys whose path points out of
    the project (its files go under SENT_DIR), with their path on the worker, relative to
    the project ({dotted key: value} written into the municipality's file)."""

    files: dict[str, Path] = dataclasses.field(default_factory=dict)
    latest: dict[str, str] = dataclasses.field(default_factory=dict)
    moved: dict[str, str] = dataclasses.field(default_factory=dict)

    def add(self, path: Path, name: str) -> None:
        """A file, or a folder's files, under `name` in the zip."""
        if path.is_file():
            self.files[name] = path
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file():
                    self.files[f"{name}/{p.relative_to(path).as_posix()}"] = p


SENT_DIR = "_sendt"  # in the worker's project: inputs that lie outside the project here


def input_files(job: Job, params) -> Inputs:
    """What `job` reads (`Inputs`). Raises KoerselFejl (Danish) for a --parameter path out
    of the project folder (only the parameters' own paths can be moved into it)."""
    root = Path(job.root).resolve()
    found = Inputs()
    parameters = config.parameters_dir(root)
    own = parameters / "kommuner"
    for path in sorted(parameters.rglob("*")):
        if path.is_file() and (path.parent != own or path.stem == job.kommune):
            found.add(path, f"{PROJECT}/{path.relative_to(root).as_posix()}")
    for nb in job.notebooks:  # all from one folder (plan.discover_notebooks)
        found.add(Path(nb), f"{NOTEBOOKS}/{Path(nb).name}")
    out_root = output_root(job)
    if job.klynge:
        for folder in job.inputs:  # <out>/<slug>/<run-id>/aggregater
            run = Path(folder).parent
            found.add(run / MANIFEST_FILE,
                      f"{OUTPUT}/{run.parent.name}/{run.name}/{MANIFEST_FILE}")
            found.add(Path(folder), f"{OUTPUT}/{run.parent.name}/{run.name}/{AGGREGAT_DIR}")
            found.latest[f"{OUTPUT}/{run.parent.name}/{LATEST}"] = run.name
        return found
    _municipality_files(job, params, root, found)
    for slug in params.sammenligningskommuner:  # notebook 05 reads their latest results
        run = latest_run(out_root / slug)
        if run is not None and (run / "results.json").is_file():
            found.add(run / "results.json", f"{OUTPUT}/{slug}/{run.name}/results.json")
            found.latest[f"{OUTPUT}/{slug}/{LATEST}"] = run.name
    return found


def _municipality_files(job: Job, params, root: Path, found: Inputs) -> None:
    """The municipality's data folder and the other inputs its parameters (or --parameter
    values) name by path. One out of the project is sent under SENT_DIR, and its key moved
    there (`Inputs.moved`)."""
    from ..selvevaluering.reader import answers_file
    from ..servicetjek import decision_folder

    def add(path: Path, raw, key: str) -> None:
        if not _outside(root, raw):
            found.add(path, f"{PROJECT}/{path.resolve().relative_to(root).as_posix()}")
            return
        moved = f"{SENT_DIR}/{key.replace('.', '_')}"
        moved += f"/{path.name}" if path.is_file() else ""
        found.add(path, f"{PROJECT}/{moved}")
        found.moved[key] = moved

    def chosen(notebook: str, name: str):
        value = job.parameters_for(notebook).get(name)
        if value is not None and _outside(root, value):
            raise _not_sendable(root, f"--parameter {notebook}:{name}", value)
        return value

    add(params.data_dir, params.data.mappe.format(kommune=job.kommune), "data.mappe")
    if params.benchmark.statbank_mappe:
        add(params.statbank_dir, params.benchmark.statbank_mappe, "benchmark.statbank_mappe")
    mine = chosen("01_servicetjek", "beslutninger")
    folder = decision_folder(params, mine)
    if folder is not None:
        add(folder, mine if mine is not None else params.servicetjek.beslutninger,
            "servicetjek.beslutninger")
    mine = chosen("10_selvevaluering", "besvarelse")
    answers = answers_file(params, mine)
    if answers is not None:
        raw = str(mine or params.selvevaluering.besvarelse).replace("{kommune}", job.kommune)
        add(answers, raw, "selvevaluering.besvarelse")
    # A business case given as a path (not a name in parameters/business_cases/, which is
    # sent) is read from the kernel's working folder: it cannot be moved with the job.
    mine = job.parameters_for("03_business_case").get("case")
    case = mine or params.businesscase.case
    if str(case).endswith((".yaml", ".yml")) or "/" in str(case):
        option = ("--parameter 03_business_case:case" if mine
                  else f"{params.files[-1]}: nøglen 'businesscase.case'")
        raise KoerselFejl(
            f"{option} er stien {str(case)!r}. Med {SEND_OPTION} kan en business case kun "
            "sendes med, når den står som et navn fra parameters/business_cases/: læg filen "
            "dér, og skriv dens navn uden .yaml, eller brug en delt disk (--dask-filer delt).")


def _moved_parameters(params, moved: dict[str, str]) -> bytes:
    """The municipality's parameter file with the `moved` keys pointing into SENT_DIR."""
    content = config.read_yaml(params.files[-1])
    for key, value in moved.items():
        node = content
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")


def pack_inputs(job: Job, params) -> bytes:
    """The zip (bytes, in memory) of everything `job` reads (`input_files`)."""
    found = input_files(job, params)
    own = f"{PROJECT}/{Path(params.files[-1]).relative_to(Path(job.root).resolve()).as_posix()}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, path in found.files.items():
            if name == own and found.moved:
                zf.writestr(name, _moved_parameters(params, found.moved))
            else:
                zf.write(path, name)
        for name, run_id in found.latest.items():  # a text file: report.outputs.latest_run
            zf.writestr(name, run_id + "\n")
    return buffer.getvalue()


def relocated(job: Job, base: Path) -> Job:
    """The job with its paths in the worker's folder `base` (as `pack_inputs` laid it out)."""
    out_root = output_root(job)
    inputs = tuple(str(base / OUTPUT / Path(f).relative_to(out_root)) for f in job.inputs)
    return dataclasses.replace(
        job, root=str(base / PROJECT), scratch=None, inputs=inputs,
        out_dir=str(base / OUTPUT / Path(job.out_dir).relative_to(out_root)),
        notebooks=tuple(str(base / NOTEBOOKS / Path(nb).name) for nb in job.notebooks))


def _extract(data: bytes, folder: Path) -> None:
    """Unpack a zip made here into `folder`; names that would leave it are refused."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            parts = PurePosixPath(name).parts
            if PurePosixPath(name).is_absolute() or ".." in parts:
                raise ValueError(f"ugyldigt navn i den sendte zip-fil: {name!r}")
        zf.extractall(folder)


def _pack_folder(folder: Path) -> bytes:
    """A folder's files and (empty) subfolders as zip bytes, names relative to it (an empty
    zip when there is no folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(folder.rglob("*") if folder.is_dir() else ()):
            name = path.relative_to(folder).as_posix()
            if path.is_dir():
                zf.writestr(name + "/", b"")
            elif path.is_file():
                zf.write(path, name)
    return buffer.getvalue()


SENT_PREFIX = "sa-send-"  # + the worker's pid: sa-send-<pid>-<random>


def remove_orphans(folder: Path) -> list[Path]:
    """Remove the temp folders of sent jobs whose worker process is gone (killed before it
    could clean up: they hold case data). Returns what was removed."""
    removed = []
    for path in folder.glob(f"{SENT_PREFIX}*"):
        pid = path.name[len(SENT_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        except OSError:  # alive, another user's: not ours to remove
            pass
    return removed


def execute_sent(job: Job, inputs: bytes, progress: Progress | None = None
                 ) -> tuple[JobResult, bytes]:
    """On a worker: unpack the job's inputs into a private temp folder, run the job there and
    return its result with the finished run folder (zip bytes). The temp folder is removed
    whatever happens (it holds case data), and so are those a killed worker left behind
    (`remove_orphans`). Raises ValueError for a zip that would unpack out of its folder."""
    remove_orphans(scratch_root())
    base = Path(tempfile.mkdtemp(prefix=f"{SENT_PREFIX}{os.getpid()}-",
                                 dir=scratch_root()))  # mode 0700
    try:
        _extract(inputs, base)
        local = relocated(job, base)
        return execute_job(local, progress), _pack_folder(local.tmp_dir)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def unpack_run(job: Job, data: bytes) -> None:
    """Put the run folder that came back from a worker into the job's reserved `.tmp` folder
    (which never looks finished). If that fails, what was unpacked is removed again (the lock
    file stays) and the error is raised."""
    tmp = job.tmp_dir
    before = set(os.listdir(tmp))
    try:
        _extract(data, tmp)
    except BaseException:
        for name in set(os.listdir(tmp)) - before:
            path = tmp / name
            with contextlib.suppress(OSError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise
