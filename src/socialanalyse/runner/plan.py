"""Planning a run: validate everything before anything starts, then one job per municipality.

`build_plan` checks every chosen municipality's parameters and data folder
(`validate_parameters`), finds the notebooks, chooses the run id and makes one `Job` per
municipality. It raises `config.ParameterFejl` or `KoerselFejl` (Danish) and starts nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..report.outputs import TMP_SUFFIX
from . import notebook_parameters as nb_params

DEFAULT_TIMEOUT = 600  # seconds per cell
PUBLIKUMMER = ("intern", "byraad")


class KoerselFejl(RuntimeError):
    """A run that cannot start (Danish message): unknown notebook, missing data folder, …"""


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
    snapshot: bool = True  # load the data once per job; kernels read it (data.snapshot)
    parallel: int = 1  # notebooks of this job that may run at once (spare cores, see plan)
    scratch: str | None = None  # private temp folder for kernel files (folders.reserve)
    notebook_parameters: tuple[tuple[str, str, Any], ...] = ()  # (notebook, name, value)

    def parameters_for(self, notebook: str) -> dict[str, Any]:
        """The --parameter values for one notebook (by stem)."""
        return {n: v for nb, n, v in self.notebook_parameters if nb == notebook}

    @property
    def tmp_dir(self) -> Path:
        """Where the job writes while it runs."""
        return Path(self.out_dir) / f".{self.run_id}{TMP_SUFFIX}"

    @property
    def final_dir(self) -> Path:
        """Where the finished run ends up."""
        return Path(self.out_dir) / self.run_id


@dataclass
class Plan:
    """Everything a run needs, validated before anything starts."""

    jobs: list[Job]
    parametre: dict[str, config.Parametre]
    workers: int
    executor: str = "local"
    scheduler: str | None = None
    dask_options: dict[str, Any] = field(default_factory=dict)  # LocalCluster keyword args


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


def validate_parameters(slugs: list[str], root: Path) -> dict[str, config.Parametre]:
    """Validate every municipality's parameters (and that its data folder exists) before
    anything runs; every check that needs more than the parameter models belongs here.

    Collects the problems of all municipalities and raises one config.ParameterFejl."""
    from ..data.contract import check_table_columns
    from ..servicetjek.catalog import check_parameters

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
        problems += [f"{slug}: {p}" for p in _business_case(params[slug], {})]
    if problems:
        raise config.ParameterFejl("\n".join(problems))
    return params


def validate_notebook_parameters(
    params: dict[str, config.Parametre], chosen: dict[str, dict[str, Any]]
) -> None:
    """Validate the --parameter values ({notebook: {name: value}}) for every municipality like
    the keys they stand for (notebook_parameters.FROM_PARAMETERS); raises one ParameterFejl."""
    case_chosen = chosen.get("03_business_case", {}).get("case") is not None
    problems = [f"{slug}: {p}" for slug, one in params.items()
                for p in nb_params.check(one, chosen)
                + (_business_case(one, chosen) if case_chosen else [])]
    if problems:
        raise config.ParameterFejl("\n".join(problems))


def _business_case(params: config.Parametre, chosen: dict[str, dict[str, Any]]) -> list[str]:
    """The business case notebook 03 will use (businesscase.case, or its --parameter in
    `chosen`) must load; its problems in Danish, naming the key or the option."""
    from .. import businesscase

    problems: list[str] = []
    mine = chosen.get("03_business_case", {})
    case = nb_params.effective(params, "03_business_case", mine, "case")
    try:
        businesscase.load(case, params.businesscase, root=params.root)
    except config.ParameterFejl as exc:
        where = ("--parameter 03_business_case:case" if mine.get("case") is not None
                 else f"{params.files[-1]}: nøglen 'businesscase.case'")
        problems.append(f"{where}: {exc}")
    return problems


def build_plan(
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
    notebook_parameters: Iterable[str] = (),
) -> Plan:
    """Validate every municipality's parameters and data folder, choose the notebooks, check
    the `--parameter NOTEBOOK:NAVN=VÆRDI` specs `notebook_parameters` and make one job per
    municipality. Raises config.ParameterFejl or KoerselFejl; starts nothing."""
    root = (root or config.project_root()).resolve()
    slugs = list(dict.fromkeys(kommuner))
    if not slugs:
        raise KoerselFejl("Angiv mindst én kommune med --kommune SLUG, eller brug --all.")
    if publikum not in PUBLIKUMMER:
        raise KoerselFejl(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    if executor not in ("local", "dask"):
        raise KoerselFejl(f"Ukendt executor {executor!r}: brug 'local' eller 'dask'.")
    params = validate_parameters(slugs, root)
    folder = notebooks_dir or root / "notebooks"
    paths = discover_notebooks(folder, notebooks)
    try:
        chosen = nb_params.parse(list(notebook_parameters), paths, discover_notebooks(folder))
    except ValueError as exc:
        raise KoerselFejl(str(exc)) from None
    validate_notebook_parameters(params, chosen)
    out_root = (out or root / "output").resolve()
    out_dirs = [out_root / slug for slug in slugs]
    run_id = new_run_id(publikum, out_dirs)
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    workers = max(1, int(workers))
    # A worker is a core's worth of notebooks: with fewer municipalities than workers, each
    # municipality may run that many of its notebooks at once (those that do not read earlier
    # results; see job.execute_job). With at least as many municipalities, one at a time.
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
            notebook_parameters=tuple(
                (nb, name, value) for nb, values in chosen.items()
                for name, value in values.items()),
        )
        for slug in slugs
    ]
    return Plan(jobs, params, workers, executor, scheduler)
