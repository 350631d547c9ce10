"""A run's data snapshot: a municipality's data loaded once per run, not once per notebook.

Loading and validating the extracts is the largest fixed cost of a notebook. During
`socialanalyse run` the runner loads the data once (`write`) and starts every kernel with the
environment variable SOCIALANALYSE_DATA_SNAPSHOT set to the snapshot's path.
`socialanalyse.data.load` honours it (`read`): asked for the same municipality with the same
data parameters and data folder, it returns a fresh copy of the snapshot (the very object the
loader would have built, so the notebooks compute the same); otherwise, and whenever the
variable is not set (interactive use), it loads as usual.

The snapshot holds (pseudonymised) case data: the runner keeps it inside the run's temporary
folder and deletes it before the folder is renamed.
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
    """Load the municipality's data (the loader itself, never a snapshot) and write the
    snapshot to `path` atomically. Returns the loaded Data (loader errors propagate)."""
    from .loading import load

    loaded = load(params)
    tmp = path.with_name(path.name + ".skrives")
    with open(tmp, "wb") as fh:
        pickle.dump({"key": _key(params), "data": loaded}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return loaded


def read(params, path: str | os.PathLike | None = None):
    """The snapshot's Data when `path` (default: $SOCIALANALYSE_DATA_SNAPSHOT) holds one for
    exactly these data parameters, else None."""
    path = path or os.environ.get(ENV)
    if not path or not Path(path).is_file():
        return None
    with open(path, "rb") as fh:
        content = pickle.load(fh)
    return content["data"] if content["key"] == _key(params) else None
