"""What happened: the status of each notebook and job, as the worker reports it to the parent
(and as manifest.json and the summary show it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .kernels import KernelStopped
from .plan import Job

OK = "ok"
FAILED = "fejlet"  # the notebook raised an error (kept with its error cells)
REJECTED = "afvist"  # byråd check found ids or small counts in the HTML or PDF
NOT_RUN = "ikke kørt"  # the job itself broke before the notebook ran


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    navn: str
    status: str = NOT_RUN
    start: str | None = None
    sekunder: float = 0.0  # wall time including waiting for the kernel
    kerne_sekunder: float | None = None  # kernel launch until it answered (its startup cost)
    kerne_ventetid: float | None = None  # of which spent waiting on the critical path
    kerne_genbrugt: bool = False  # ran in the kernel of an earlier notebook (made clean)
    kerne_cpu: float | None = None  # the kernel's CPU seconds running it (Linux; else None)
    fejl: str | None = None
    html: str | None = None
    pdf: str | None = None  # pdf/NN_navn.pdf when the run writes PDFs (Job.pdf)
    pdf_sekunder: float | None = None  # the time Chromium took to print it
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
    disk_fuld: bool = False  # the disk filled up: `fejl` says so; the folder is removed
    aggregater: str | None = None  # the aggregates' folder, or why there is none (export)

    @property
    def ok(self) -> bool:
        """True when every notebook ran and passed its checks."""
        return (self.fejl is None and not self.byraadstjek
                and all(n.status == OK for n in self.notebooks))


class Progress(Protocol):
    """Where a job reports progress: anything with put((event, kommune, notebook, status))."""

    def put(self, item: tuple) -> None: ...


def now_iso() -> str:
    """The local time as ISO 8601 with seconds."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def broken(job: Job, exc: BaseException) -> JobResult:
    """The result of a job whose worker broke (no notebook result came back)."""
    return JobResult(
        job.kommune, job.run_id, now_iso(), 0.0,
        [NotebookResult(navn=Path(p).stem) for p in job.notebooks],
        fejl=f"{type(exc).__name__}: {exc}",
    )


def describe_error(exc: BaseException) -> str:
    """A one-line Danish description of why a notebook failed."""
    if isinstance(exc, KernelStopped):  # already Danish, naming the cell
        return str(exc)
    ename = getattr(exc, "ename", None)
    if ename:  # papermill.PapermillExecutionError: the error raised in a cell
        cell = getattr(exc, "exec_count", None)
        where = f" i celle [{cell}]" if cell else ""
        return f"{ename}{where}: {getattr(exc, 'evalue', '')}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()
