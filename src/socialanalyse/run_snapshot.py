"""A run's data snapshot: load a municipality's data once per run, not once per notebook.

Loading and validating the extracts is the largest fixed cost of a notebook. During
`socialanalyse run` the worker loads the data once (`write`), pickles the validated `Data` into
the run's temporary folder, and every kernel it starts calls `install()` (from the kernel's
start-up lines): `socialanalyse.data.load` then returns a fresh copy of that snapshot when it is
asked for the same municipality with the same data parameters, and loads as usual otherwise.
The result is the very object the loader would have built, so the notebooks compute the same.

The snapshot holds (pseudonymised) case data: it lives inside the run's temporary folder and is
deleted before the folder is renamed. Outside a run (no SOCIALANALYSE_DATA_SNAPSHOT) nothing
changes.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

ENV = "SOCIALANALYSE_DATA_SNAPSHOT"
FILE = ".data.pickle"


def _key(params) -> dict[str, Any]:
    """What must match for the snapshot to stand in for a load: municipality, data section and
    the resolved data folder."""
    return {
        "kommune": params.kommune,
        "data": params.data.model_dump(mode="json"),
        "data_dir": str(Path(params.data_dir).resolve()),
    }


def write(params, path: Path):
    """Load the municipality's data (socialanalyse.data.load) and write the snapshot to `path`
    atomically. Returns the loaded Data (loader errors propagate)."""
    from . import data

    loaded = data.load(params)
    tmp = path.with_name(path.name + ".skrives")
    with open(tmp, "wb") as fh:
        pickle.dump({"key": _key(params), "data": loaded}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return loaded


def install(path: str | os.PathLike | None = None) -> bool:
    """Make socialanalyse.data.load answer from the snapshot at `path` (default: the path in
    $SOCIALANALYSE_DATA_SNAPSHOT) when it matches. Returns whether a snapshot path was set."""
    path = path or os.environ.get(ENV)
    if not path:
        return False
    from . import config
    from . import data as data_pkg

    real = data_pkg.load
    if getattr(real, "_snapshot", None):
        return True

    def load(kommune, **kwargs):
        snapshot = Path(path)
        if snapshot.is_file() and set(kwargs) <= {"root"}:
            params = kommune
            if isinstance(kommune, str):
                try:
                    params = config.load_parameters(kommune, root=kwargs.get("root"))
                except config.ParameterFejl:
                    return real(kommune, **kwargs)
            with open(snapshot, "rb") as fh:
                content = pickle.load(fh)
            if content["key"] == _key(params):
                return content["data"]
        return real(kommune, **kwargs)

    load.__doc__ = real.__doc__
    load.__wrapped__ = real
    load._snapshot = str(path)
    data_pkg.load = load
    return True
