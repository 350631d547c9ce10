"""A run's folders: the run id reserved atomically, the lock that marks a run as alive, each
job's private scratch folder, and cleaning up what interrupted runs left behind.

- `reserve` creates every job's `output/<slug>/.<run-id>.tmp/` with `os.mkdir`, which is
  atomic: of two runs started in the same second exactly one gets the id, the other takes the
  next free second (and so on). Runs of the same municipality never share a folder, so they
  may run side by side (an intern and a byråd run, a manual run while the monthly one runs).
- While a run lives, its parent process holds an advisory lock (flock) on `.koerer` inside
  each temporary folder; the lock dies with the process, however it ends. The file also
  names the job's scratch folder.
- The scratch folder (`$TMPDIR/sa-<slug>-…`, mode 0700; /tmp when $TMPDIR is too long for
  Unix sockets) holds what the kernels need on disk
  (connection files, Unix sockets) and, where the data snapshot cannot live in memory, the
  snapshot. It is removed when the job ends, also when the run is interrupted. A run with
  more municipalities than workers also has one `sa-kerner-…` folder for the kernels a worker
  keeps from one municipality to the next (job.py), removed when the run ends.
- `remove_stale` (called by every `socialanalyse run` for its municipalities) removes the
  scratch folders of runs that are no longer alive at once, and their temporary folders once
  they have not changed for `koersel.ryd_op_efter_timer` hours (so an interrupted run can be
  looked at first), and says what it removed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from ..report.outputs import TMP_SUFFIX
from .plan import Job, Plan

LOCK_FILE = ".koerer"
SCRATCH_PREFIX = "sa-"

_held: dict[str, int] = {}  # temporary folder -> descriptor holding its lock (this process)


class DiskFuld(OSError):
    """There is no room left on the disk (Danish message naming the folder)."""


def disk_full(exc: BaseException) -> bool:
    """Whether an error means a full disk (or a full quota): an OSError with ENOSPC/EDQUOT,
    or a notebook cell that failed with one (Papermill reports the kernel's error by name)."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = f"{getattr(exc, 'ename', '')} {getattr(exc, 'evalue', '')} {exc}"
    return "[Errno 28]" in text or "No space left on device" in text


def disk_full_text(folder: Path, started: bool = True) -> str:
    """The one Danish message for a full disk (`started`: the run had begun writing)."""
    done = " Kørslen er stoppet, og dens ufærdige mappe er slettet igen." if started else ""
    return (f"Der er ikke mere plads på disken til {folder} (ingen plads tilbage på enheden)."
            f"{done} Frigør plads, og kør igen.")


def cannot_write_text(exc: OSError) -> str:
    """A Danish message for an output folder that cannot be written."""
    import errno

    if isinstance(exc, DiskFuld):
        return exc.strerror
    why = {errno.EACCES: "ingen adgang til at skrive der", errno.EPERM: "ingen adgang til at "
           "skrive der", errno.EROFS: "disken er skrivebeskyttet"}.get(exc.errno, exc.strerror)
    return f"Kan ikke oprette kørslens mappe {exc.filename}: {why}."


def scratch_root() -> Path:
    """Where scratch folders go: the temp folder, or /tmp when that path is too long for the
    kernels' Unix sockets (about 100 characters in all on Linux and macOS)."""
    root = Path(tempfile.gettempdir())
    if len(str(root)) > 60 and os.path.isdir("/tmp") and os.access("/tmp", os.W_OK):
        return Path("/tmp")
    return root


def _lock(tmp: Path, scratch: Path, kerner: Path | None = None) -> None:
    """Take the run's lock on `tmp` (held until `release` or the end of this process). The
    lock file appears already locked and complete (written beside, then renamed in)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: stale folders are judged by age only
        return
    part = tmp / f"{LOCK_FILE}.{os.getpid()}"
    fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    named = {"pid": os.getpid(), "kladde": str(scratch)}
    if kerner is not None:
        named["kerner"] = str(kerner)
    os.write(fd, json.dumps(named).encode())
    os.replace(part, tmp / LOCK_FILE)
    _held[str(tmp)] = fd


def release(job: Job) -> None:
    """Drop the run's lock and lock file (before the folder is renamed or removed)."""
    fd = _held.pop(str(job.tmp_dir), None)
    (job.tmp_dir / LOCK_FILE).unlink(missing_ok=True)
    if fd is not None:
        os.close(fd)


def reserve(p: Plan) -> Plan:
    """Reserve the plan's run id: create every job's temporary folder atomically (the next
    free second when the id is taken in any of the municipalities' output folders), lock it
    and give each job a private scratch folder. Returns the plan with the reserved jobs.

    Raises DiskFuld when the output disk is full (nothing is left behind)."""
    first = p.jobs[0]
    when = dt.datetime.strptime(first.run_id[:15], "%Y%m%d-%H%M%S")
    publikum = first.publikum
    while True:
        run_id = f"{when:%Y%m%d-%H%M%S}-{publikum}"
        jobs = [dataclasses.replace(j, run_id=run_id) for j in p.jobs]
        made: list[Path] = []
        job = jobs[0]
        try:
            for job in jobs:
                Path(job.out_dir).mkdir(parents=True, exist_ok=True)
                if job.final_dir.exists():
                    raise FileExistsError(job.final_dir)
                job.tmp_dir.mkdir()
                made.append(job.tmp_dir)
        except FileExistsError:
            for folder in made:
                folder.rmdir()
            when += dt.timedelta(seconds=1)
            continue
        except OSError as exc:
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            if disk_full(exc):
                raise DiskFuld(exc.errno, disk_full_text(Path(job.out_dir), False)) from exc
            raise
        break
    reserved = []
    # Kernels kept between jobs only pay off when a worker gets more than one job.
    kerner = (Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}kerner-", dir=scratch_root()))
              if len(jobs) > p.workers and jobs[0].reuse_kernels else None)
    for job in jobs:
        scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{job.kommune}-",
                                        dir=scratch_root()))
        _lock(job.tmp_dir, scratch, kerner)
        reserved.append(dataclasses.replace(job, scratch=str(scratch),
                                            kerner=str(kerner) if kerner else None))
    return dataclasses.replace(p, jobs=reserved)


def remove_kernel_folder(p: Plan) -> None:
    """Remove the run's folder of kept kernels (once its workers have ended)."""
    for folder in {job.kerner for job in p.jobs if job.kerner}:
        shutil.rmtree(folder, ignore_errors=True)


def remove_scratch(job: Job) -> None:
    """Remove the job's scratch folder (kernel files; a snapshot file where there is one)."""
    if job.scratch:
        shutil.rmtree(job.scratch, ignore_errors=True)


def _alive(tmp: Path) -> tuple[bool, Path | None]:
    """Whether the run writing into `tmp` is alive (its lock is held), and its scratch folder
    as the lock file names it (only a folder of ours in the temp folder is believed)."""
    alive, named = _alive_named(tmp)
    return alive, named[0] if named else None


def _alive_named(tmp: Path) -> tuple[bool, list[Path]]:
    """`_alive`, with every folder of ours the lock file names (scratch, kept kernels)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock files are written
        return False, None
    lock = tmp / LOCK_FILE
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False, []  # no lock file: an older version's run, or not started yet
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True, []
        try:
            content = json.loads(os.read(fd, 4096) or b"{}")
        except ValueError:
            return False, []
    finally:
        os.close(fd)
    named = [Path(content[key]) for key in ("kladde", "kerner") if content.get(key)]
    return False, [f for f in named
                   if f.parent == scratch_root() and f.name.startswith(SCRATCH_PREFIX)]


def remove_stale(out_dir: Path, older_than_hours: float, now: float | None = None) -> list[str]:
    """Clean up after interrupted runs in one municipality's output folder: the scratch
    folder of every run that is no longer alive, and its `.<run-id>.tmp` folder when that has
    not changed for `older_than_hours`. Returns a Danish line for each folder removed."""
    now = time.time() if now is None else now
    removed: list[str] = []
    if not out_dir.is_dir():
        return removed
    for tmp in sorted(out_dir.glob(f".*{TMP_SUFFIX}")):
        alive, named = _alive_named(tmp)
        if alive or not tmp.is_dir():
            continue
        for scratch in named:
            if scratch.is_dir():
                shutil.rmtree(scratch, ignore_errors=True)
                removed.append(f"kernefiler fra en afbrudt kørsel: {scratch}")
        hours = (now - tmp.stat().st_mtime) / 3600
        if hours >= older_than_hours:
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(f"en afbrudt kørsel, uændret i {hours:.0f} timer: {tmp}")
    return removed
