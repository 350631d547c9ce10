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
#: --dask-filer: how Dask workers get a job's files (executors.choose_filer).
DASK_FILER = ("auto", "delt", "send")


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
    reuse_kernels: bool = True  # a notebook's kernel, made clean, runs the next (job.py)
    snapshot: bool = True  # load the data once per job; kernels read it (data.snapshot)
    parallel: int = 1  # notebooks of this job that may run at once (spare cores, see plan)
    scratch: str | None = None  # private temp folder for kernel files (folders.reserve)
    # The run's folder for kernels a worker keeps from one job to the next (folders.reserve;
    # None: every kernel ends with its job). Shared by the plan's jobs, removed with the run.
    kerner: str | None = None
    notebook_parameters: tuple[tuple[str, str, Any], ...] = ()  # (notebook, name, value)
    pdf: bool = False  # also an A4 PDF of each report in pdf/ (report.pdf; see `want_pdf`)
    # A cluster's run (runner.klynge): `kommune` is the cluster's name, the notebooks get
    # `klynge` instead of `kommune`, and `inputs` (the members' aggregates) are its inputs.
    klynge: bool = False
    inputs: tuple[str, ...] = ()

    def parameters_for(self, notebook: str) -> dict[str, Any]:
        """The --parameter values for one notebook (by stem)."""
        return {n: v for nb, n, v in self.notebook_parameters if nb == notebook}

    def runner_parameters(self) -> dict[str, Any]:
        """What the runner gives every notebook of the job (FROM_RUNNER)."""
        return {"klynge" if self.klynge else "kommune": self.kommune,
                "publikum": self.publikum, "run_dir": str(self.tmp_dir)}

    def load_parameters(self):
        """The job's parameters: the municipality's (config.Parametre) or the cluster's
        (config.KlyngeParametre)."""
        if self.klynge:
            return config.load_klynge(self.kommune, root=Path(self.root))
        return config.load_parameters(self.kommune, root=Path(self.root))

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
    dask_filer: str = "auto"  # --dask-filer: delt, send or auto (executors.choose_filer)
    warnings: list[str] = field(default_factory=list)  # Danish, shown before the run starts


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


#: Notebooks of a cluster's run (runner.klynge), never of a municipality's.
KLYNGE_NOTEBOOKS = ("09_klynge",)


def discover_notebooks(folder: Path, only: Iterable[str] = (), *, klynge: bool = False
                       ) -> list[Path]:
    """The notebooks in `folder` (NN_navn.ipynb, sorted), optionally only the named ones:
    a municipality's (default) or a cluster's (`klynge`, KLYNGE_NOTEBOOKS).

    A name matches the file name, its stem, or its number prefix ('00'). An unknown name
    raises KoerselFejl (Danish).
    """
    found = sorted(
        p for p in Path(folder).glob("*.ipynb") if not p.name.startswith((".", "_"))
        and (p.stem in KLYNGE_NOTEBOOKS) == klynge
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


def want_pdf(
    pdf: bool | None, publikum: str, params: dict[str, config.Parametre]
) -> tuple[dict[str, bool], list[str]]:
    """Which municipalities' runs write PDFs, and the warnings to show.

    `pdf` is --pdf (True) / --ingen-pdf (False) / neither (None: a byråd run writes PDFs when
    the municipality's koersel.pdf_byraad says so, an intern run none). Without Chromium an
    asked-for PDF (--pdf) stops the run before it starts (KoerselFejl); PDFs on by default
    are left out with a warning saying how to install it, so no run pretends to have them."""
    from ..report.pdf import find_chromium, missing_chromium_text

    wanted = {slug: pdf if pdf is not None else (publikum == "byraad"
                                                   and one.koersel.pdf_byraad)
              for slug, one in params.items()}
    if not any(wanted.values()) or find_chromium() is not None:
        return wanted, []
    if pdf:
        raise KoerselFejl(missing_chromium_text() + " Eller kør uden --pdf.")
    return dict.fromkeys(wanted, False), [
        "Bemærk: kørslen laver ingen PDF'er, kun HTML. " + missing_chromium_text()
        + " Brug --ingen-pdf for at slå PDF fra uden denne besked."]


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
        problems += [f"{slug}: {p}" for p in _selvevaluering(params[slug], {})]
        problems += [f"{slug}: {p}" for p in _decisions_folder(params[slug], {})]
    if problems:
        raise config.ParameterFejl("\n".join(problems))
    return params


def validate_notebook_parameters(
    params: dict[str, config.Parametre], chosen: dict[str, dict[str, Any]]
) -> None:
    """Validate the --parameter values ({notebook: {name: value}}) for every municipality like
    the keys they stand for (notebook_parameters.FROM_PARAMETERS); raises one ParameterFejl."""
    case_chosen = chosen.get("03_business_case", {}).get("case") is not None
    answers_chosen = chosen.get(SELVEVALUERING, {}).get("besvarelse") is not None
    folder_chosen = chosen.get("01_servicetjek", {}).get("beslutninger") is not None
    problems = [f"{slug}: {p}" for slug, one in params.items()
                for p in nb_params.check(one, chosen)
                + (_business_case(one, chosen) if case_chosen else [])
                + (_selvevaluering(one, chosen) if answers_chosen else [])
                + (_decisions_folder(one, chosen) if folder_chosen else [])]
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


SELVEVALUERING = "10_selvevaluering"


def _selvevaluering(params: config.Parametre, chosen: dict[str, dict[str, Any]]) -> list[str]:
    """The filled-in self-evaluation notebook 10 will read (selvevaluering.besvarelse, or its
    --parameter in `chosen`) must exist; its problem in Danish, naming the key or the option."""
    from ..selvevaluering.reader import missing_file_problem

    problem = missing_file_problem(params, chosen.get(SELVEVALUERING, {}).get("besvarelse"))
    return [problem] if problem else []


def _decisions_folder(params: config.Parametre, chosen: dict[str, dict[str, Any]]) -> list[str]:
    """The decisions folder notebook 01 reads (servicetjek.beslutninger, or its --parameter in
    `chosen`) must exist when set: a misspelt folder would silently forget every decision."""
    from .. import servicetjek

    mine = chosen.get("01_servicetjek", {})
    folder = servicetjek.decision_folder(
        params, nb_params.effective(params, "01_servicetjek", mine, "beslutninger"))
    if folder is None or folder.exists():
        return []
    where = ("--parameter 01_servicetjek:beslutninger" if mine.get("beslutninger") is not None
             else f"{params.files[-1]}: nøglen 'servicetjek.beslutninger'")
    return [(f"{where}: mappen med beslutninger {folder} findes ikke. Opret den (myndigheden "
             "lægger de udfyldte gennemgangslister dér), eller ret stien.")]


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
    reuse_kernels: bool = True,
    notebook_parameters: Iterable[str] = (),
    pdf: bool | None = None,
    dask_filer: str = "auto",
) -> Plan:
    """Validate every municipality's parameters and data folder, choose the notebooks, check
    the `--parameter NOTEBOOK:NAVN=VÆRDI` specs `notebook_parameters`, decide the PDFs (`pdf`:
    --pdf/--ingen-pdf or None, see `want_pdf`) and make one job per municipality. Raises
    config.ParameterFejl or KoerselFejl; starts nothing."""
    root = (root or config.project_root()).resolve()
    slugs = list(dict.fromkeys(kommuner))
    if not slugs:
        raise KoerselFejl("Angiv mindst én kommune med --kommune SLUG, eller brug --all.")
    if publikum not in PUBLIKUMMER:
        raise KoerselFejl(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    if executor not in ("local", "dask"):
        raise KoerselFejl(f"Ukendt executor {executor!r}: brug 'local' eller 'dask'.")
    if dask_filer not in DASK_FILER:
        raise KoerselFejl(f"--dask-filer skal være auto, delt eller send, ikke {dask_filer!r}.")
    params = validate_parameters(slugs, root)
    folder = notebooks_dir or root / "notebooks"
    paths = discover_notebooks(folder, notebooks)
    try:
        chosen = nb_params.parse(list(notebook_parameters), paths, discover_notebooks(folder))
    except ValueError as exc:
        raise KoerselFejl(str(exc)) from None
    validate_notebook_parameters(params, chosen)
    pdfs, warnings = want_pdf(pdf, publikum, params)
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
            reuse_kernels=reuse_kernels,
            parallel=parallel,
            notebook_parameters=tuple(
                (nb, name, value) for nb, values in chosen.items()
                for name, value in values.items()),
            pdf=pdfs[slug],
        )
        for slug in slugs
    ]
    return Plan(jobs, params, workers, executor, scheduler, warnings=warnings,
                dask_filer=dask_filer)
