"""A run's data snapshot: a municipality's data loaded once per run, not once per notebook.

Loading and validating the extracts is the largest fixed cost of a notebook. During
`socialanalyse run` the runner creates a snapshot (`Snapshot.create`), starts every kernel with
the environment variable SOCIALANALYSE_DATA_SNAPSHOT set to its path, then loads the data once
(`Snapshot.fill`). `socialanalyse.data.load` honours the variable (`read`): asked for the same
municipality with the same data parameters and data folder, it returns a fresh copy of the
snapshot (the very object the loader would have built, so the notebooks compute the same);
otherwise, when the snapshot is empty (loading failed) and whenever the variable is not set
(interactive use), it loads as usual.

The snapshot holds (pseudonymised) case data, so it never touches the output folder. On Linux
it is an anonymous in-memory file (memfd) of the runner's worker process, which the kernels
read through /proc/<pid>/fd/<n>: it vanishes with that process, however the process ends
(also when it is killed). Elsewhere it is a file in the job's private temporary folder,
written atomically and removed by `remove` (and with that folder).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

ENV = "SOCIALANALYSE_DATA_SNAPSHOT"
FILE = "data.pickle"


def _key(params) -> dict[str, Any]:
    """What must match for the snapshot to stand in for a load: municipality, data section and
    the resolved data folder."""
    return {
        "kommune": params.kommune,
        "data": params.data.model_dump(mode="json"),
        "data_dir": str(Path(params.data_dir).resolve()),
    }


class Snapshot:
    """One job's snapshot: `path` is what SOCIALANALYSE_DATA_SNAPSHOT is set to."""

    def __init__(self, path: str, fd: int | None = None):
        self.path = path
        self._fd = fd

    @classmethod
    def create(cls, fallback: Path, memory: bool = True) -> Snapshot:
        """An empty snapshot: in memory where the platform allows (and `memory`), else the
        file `fallback` (not written until `fill`)."""
        if memory and hasattr(os, "memfd_create") and os.path.isdir(f"/proc/{os.getpid()}/fd"):
            fd = os.memfd_create("socialanalyse-data")  # close-on-exec: kernels do not inherit
            return cls(f"/proc/{os.getpid()}/fd/{fd}", fd)
        return cls(str(fallback))

    def fill(self, params):
        """Load the municipality's data (the loader itself, never a snapshot) and write them
        into the snapshot. Returns the loaded Data (loader errors propagate and leave the
        snapshot empty; a failed write leaves no partial file)."""
        from .loading import load

        loaded = load(params)
        content = {"key": _key(params), "data": loaded}
        if self._fd is not None:
            with open(os.dup(self._fd), "wb") as fh:
                pickle.dump(content, fh, protocol=pickle.HIGHEST_PROTOCOL)
            return loaded
        path = Path(self.path)
        tmp = path.with_name(path.name + ".skrives")
        try:
            with open(tmp, "wb") as fh:
                pickle.dump(content, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return loaded

    def remove(self) -> None:
        """Delete the snapshot (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        else:
            Path(self.path).unlink(missing_ok=True)


def read(params, path: str | os.PathLike | None = None):
    """The snapshot's Data when `path` (default: $SOCIALANALYSE_DATA_SNAPSHOT) holds one for
    exactly these data parameters, else None (also for an empty or vanished snapshot)."""
    path = path or os.environ.get(ENV)
    try:
        if not path or os.stat(path).st_size == 0:
            return None
        with open(path, "rb") as fh:
            content = pickle.load(fh)
    except Exception:  # noqa: BLE001 - only a shortcut: anything odd means "load as usual"
        return None
    return content["data"] if content["key"] == _key(params) else None
