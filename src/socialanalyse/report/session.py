"""The notebook session: parameters, data, audience, and headline results (results.json).

A notebook starts with

    s = report.setup(kommune, publikum, run_dir, notebook="NN_navn")

which loads the parameters, applies the plot theme and makes `s` the current session used by
`report.record`, `report.show_table`, `report.figure` and `report.excel`.

results.json (in the run folder) holds, per notebook, its headline results as plain JSON values:

    {"00_datagrundlag": {"antal_borgere": 1234, "periode": ["2021-11-01", "2026-10-31"]},
     "_meta": {"00_datagrundlag": {"antal_borgere": {"label": "Antal borgere",
                                                     "enhed": "borgere"}}}}

Keys starting with "_" are not notebooks ("_meta" holds labels and units for display).
Privacy by declared kind: a result recorded with enhed="borgere" or "bevillinger" is a count
of citizens or of grants and, in byraad mode, is suppressed before it is written
(1..diskretion-1 becomes "<5"; in a mapping of counts the cells are suppressed with
`privacy.suppress`, so also derived cells). In byraad mode an integer recorded without an
enhed is refused: it might be a count nobody declared.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import privacy
from ..config import Parametre, load_parameters
from ..data.contract import check_table_columns
from ..servicetjek.catalog import check_parameters
from .checks import COUNT_KINDS, PrivatlivsFejl, has_integer
from .files import write_text_atomic
from .outputs import INTERACTIVE, RESULTS_FILE, interactive_dir

PUBLIKUMMER = ("intern", "byraad")
META_KEY = "_meta"
#: How a recorded result is shown in the run's index when it is not a count (`COUNT_KINDS`).
UNITS = ("kr", "mio_kr", "pct", "tal", "aar", "dato", "tekst", "p_vaerdi")
#: Every allowed `enhed` of a recorded result: the kinds of counts, then the display units.
ENHEDER = COUNT_KINDS + UNITS


@dataclass
class Session:
    """One notebook's context: municipality, audience, parameters, data and results.

    `data` is loaded on first use (and cached). With run_dir None (interactive use) recorded
    results are kept in `results` only; with a run_dir they are also written to results.json.
    """

    kommune: str
    publikum: str
    parametre: Parametre
    run_dir: Path | None = None
    notebook: str | None = None
    results: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    _data: Any = None
    _forbidden: frozenset[str] | None = None
    _interactive: Path | None = None  # a cluster's output/klynger/<navn>/interaktiv

    @property
    def intern(self) -> bool:
        """True for working lists with pseudonymised ids (the myndighed)."""
        return self.publikum == "intern"

    @property
    def byraad(self) -> bool:
        """True for the byråd: aggregates only, small counts suppressed."""
        return self.publikum == "byraad"

    @property
    def diskretion(self) -> int:
        """The discretion threshold: counts of citizens below it are suppressed for the byråd."""
        return int(self.parametre.diskretion)

    @property
    def data(self):
        """The municipality's validated tables (`socialanalyse.data.Data`), loaded once."""
        if self._data is None:
            from .. import data as data_pkg

            self._data = data_pkg.load(self.parametre)
        return self._data

    @property
    def forbidden_ids(self) -> frozenset[str]:
        """Ids in the data that must never reach byråd output (`checks.forbidden_ids`), computed
        once; empty while the data are not loaded."""
        if self._data is None:
            return frozenset()
        if self._forbidden is None:
            from .checks import forbidden_ids

            self._forbidden = frozenset(forbidden_ids(self._data))
        return self._forbidden

    @property
    def data_loaded(self) -> bool:
        """Whether the data have been loaded (without loading them)."""
        return self._data is not None

    @property
    def output_dir(self) -> Path:
        """Where files of this session go: the run folder, or output/<kommune>/interaktiv."""
        if self.run_dir is not None:
            return self.run_dir
        return self._interactive or interactive_dir(self.kommune)

    @property
    def results_path(self) -> Path | None:
        """<run_dir>/results.json, or None in interactive use."""
        return None if self.run_dir is None else self.run_dir / RESULTS_FILE

    @property
    def notebook_key(self) -> str:
        """The notebook's key in results.json."""
        return self.notebook or INTERACTIVE


_current: Session | None = None


def setup(
    kommune: str = "eksempelkommune",
    publikum: str = "intern",
    run_dir: str | os.PathLike | None = None,
    notebook: str | None = None,
    *,
    data=None,
    parametre: Parametre | None = None,
) -> Session:
    """Start a notebook session and make it current.

    Loads and validates the parameters (`config.load_parameters`), applies the plot theme,
    and, with a run_dir, clears this notebook's earlier entry in results.json (a re-run
    replaces it). Data are loaded lazily on first `session.data`. `data` and `parametre`
    (keyword-only) inject ready objects, for tests.
    """
    if publikum not in PUBLIKUMMER:
        raise ValueError(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    params = parametre if parametre is not None else load_parameters(kommune)
    check_table_columns(params)  # the checks config cannot make itself, before anything runs
    check_parameters(params)
    session = Session(
        kommune=kommune,
        publikum=publikum,
        parametre=params,
        run_dir=None if run_dir in (None, "") else Path(run_dir),
        notebook=notebook,
        _data=data,
    )
    return _start(session)


def setup_klynge(
    klynge: str = "vestklyngen",
    publikum: str = "intern",
    run_dir: str | os.PathLike | None = None,
    notebook: str | None = None,
    *,
    parametre=None,
) -> Session:
    """Start a notebook session for a cluster (parameters/klynger/<klynge>.yaml,
    `config.load_klynge`) and make it current: as `setup`, but without data of its own (the
    cluster reads its members' aggregates); interactive files go to
    output/klynger/<klynge>/interaktiv/."""
    from ..config import load_klynge
    from .outputs import KLYNGER_DIR, default_root

    if publikum not in PUBLIKUMMER:
        raise ValueError(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    session = Session(
        kommune=klynge, publikum=publikum,
        parametre=parametre if parametre is not None else load_klynge(klynge),
        run_dir=None if run_dir in (None, "") else Path(run_dir), notebook=notebook,
        _interactive=default_root() / KLYNGER_DIR / klynge / INTERACTIVE,
    )
    return _start(session)


def _start(session: Session) -> Session:
    """Theme, Danish number display and a cleared results entry; `session` becomes current."""
    global _current
    from .format import tal
    from .theme import theme

    theme()
    # DataFrames shown without show_table still get a Danish decimal comma.
    pd.set_option("display.float_format", lambda x: tal(x, 2))
    if session.results_path is not None:
        session.run_dir.mkdir(parents=True, exist_ok=True)
        _update_results(session.results_path, session.notebook_key, None)
    _current = session
    return session


def current() -> Session:
    """The session started by the last `setup` call."""
    if _current is None:
        raise RuntimeError("Ingen session: kald først report.setup(kommune, publikum, run_dir).")
    return _current


def current_or_none() -> Session | None:
    """The current session, or None before `setup`."""
    return _current


def jsonable(value: Any) -> Any:
    """Convert a value to plain JSON: numpy/pandas scalars to Python, dates to ISO strings,
    Series to dicts, NaN/NA to None. Raises TypeError for anything else (e.g. a DataFrame)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    raise TypeError(
        f"report.record kan ikke gemme en {type(value).__name__}: brug et tal, en tekst, en dato, "
        "en liste eller en ordbog (gem tabeller med report.excel)."
    )


def suppress_value(value: Any, threshold: int) -> Any:
    """Suppress a recorded count of citizens or grants (or a mapping of counts) for the byråd."""
    if isinstance(value, dict):
        numbers = {k: v for k, v in value.items() if isinstance(v, (int, float)) and
                   not isinstance(v, bool) and v is not None}
        if not numbers:
            return value
        hidden = privacy.suppress(pd.Series(numbers, dtype=float), threshold)
        out = dict(value)
        for k, v in hidden.items():
            out[k] = v if isinstance(v, str) else numbers[k]
        return out
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < threshold:
        return f"<{threshold}"
    return value


@dataclass(frozen=True)
class Headline:
    """One headline result as a view hands it to `record_all`: the value, its Danish label for
    the run's index, its `enhed` (a kind of count or a display unit) and, for the index,
    Danish names of a mapping's keys (`navne`) or the value in words (`tekst`); see `record`."""

    value: Any
    label: str | None = None
    enhed: str | None = None
    navne: dict[str, str] | None = None
    tekst: str | None = None


def record(name: str, value: Any, label: str | None = None, *, enhed: str | None = None,
           navne: dict[str, str] | None = None, tekst: str | None = None) -> Any:
    """Record a headline result of the current notebook (into results.json with a run_dir).

    name: snake_case key, e.g. 'antal_borgere'; value: number, text, date, list or dict.
    label: the Danish text shown in the run's index ('Antal borgere'); default from the name.
    enhed: what the value is. 'borgere' or 'bevillinger' declare a count of citizens or of
    grants (also a mapping of counts): suppressed below the discretion threshold in byraad
    mode and marked for the byråd check. Other values say how the index shows it: 'kr',
    'mio_kr', 'pct', 'tal' (a number that counts no persons or cases), 'aar', 'dato', 'tekst';
    'p_vaerdi' (a p-value: 'under 0,001'); None guesses from the name. In byraad mode an
    integer result without an enhed is refused (PrivatlivsFejl).
    navne: Danish names of a mapping's keys for the index (the stored keys stay ids, e.g. rule
    ids -> rule names); tekst: the value in words for the index, when a view words it better
    than a unit can (not for counts: those are suppressed in the stored value). Both go into
    the "_meta" section. Returns the stored value.
    """
    if enhed is not None and enhed not in ENHEDER:
        raise ValueError(f"enhed for {name!r} skal være en af {', '.join(ENHEDER)}, "
                         f"ikke {enhed!r}.")
    if tekst is not None and enhed in COUNT_KINDS:
        raise ValueError(f"{name!r} er et antal {enhed}: det vises ud fra den gemte værdi "
                         "(diskretioneret for byrådet), ikke som en færdig tekst.")
    session = current()
    stored = jsonable(value)
    if session.byraad and enhed in COUNT_KINDS:
        stored = suppress_value(stored, session.diskretion)
    elif session.byraad and enhed is None and has_integer(stored):
        raise PrivatlivsFejl(
            f"Resultatet {name!r} er et heltal uden angivet enhed, så byrådsrapporten kan ikke "
            "vide, om det er et antal borgere. Angiv enhed='borgere' eller 'bevillinger' for "
            "et antal borgere eller bevillinger (det diskretioneres), ellers fx enhed='tal' "
            "eller 'aar'."
        )
    session.results[name] = stored
    meta = {k: v for k, v in (("label", label), ("enhed", enhed), ("navne", navne),
                              ("tekst", tekst)) if v is not None}
    if meta:
        session.labels[name] = meta
    if session.results_path is not None:
        _update_results(session.results_path, session.notebook_key, (name, stored, meta))
    return stored


def record_all(
    values: Any, labels: dict[str, str] | None = None, *, enheder: dict[str, str] | None = None
) -> dict[str, Any]:
    """Record several headline results at once: a mapping (name -> value or `Headline`, as a
    view's `headline_results` returns it) or a dataclass (field -> value).

    labels / enheder: Danish labels and units per name for plain values (see `record`).
    Returns the stored values by name.
    """
    import dataclasses

    if dataclasses.is_dataclass(values) and not isinstance(values, type):
        values = {f.name: getattr(values, f.name) for f in dataclasses.fields(values)}
    labels, enheder = labels or {}, enheder or {}
    out = {}
    for name, value in values.items():
        if isinstance(value, Headline):
            out[name] = record(name, value.value, value.label, enhed=value.enhed,
                               navne=value.navne, tekst=value.tekst)
        else:
            out[name] = record(name, value, labels.get(name), enhed=enheder.get(name))
    return out


@contextlib.contextmanager
def _locked(path: Path):
    """An advisory lock on the run folder (POSIX), for runners executing notebooks in parallel."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: notebooks of one run execute sequentially
        yield
        return
    # Lock the run folder itself (flock works on a directory's descriptor), so no lock file
    # is left behind in the output.
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def load_results(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The contents of <run_dir>/results.json ({} when there is none)."""
    path = Path(run_dir) / RESULTS_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _update_results(path: Path, notebook: str, entry: tuple[str, Any, dict] | None) -> None:
    """Read-modify-write results.json atomically (temp file + os.replace).

    entry None resets the notebook's section (start of a run of that notebook).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path):
        content = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        meta = content.setdefault(META_KEY, {})
        if entry is None:
            content[notebook] = {}
            meta.pop(notebook, None)
        else:
            name, value, info = entry
            content.setdefault(notebook, {})[name] = value
            if info:
                meta.setdefault(notebook, {})[name] = info
        if meta:  # sorted, so side-by-side notebooks give the same bytes as sequential ones
            content[META_KEY] = {k: meta[k] for k in sorted(meta)}
        else:
            content.pop(META_KEY)
        ordered = {k: content[k] for k in sorted(content) if not k.startswith("_")}
        ordered.update({k: content[k] for k in sorted(content) if k.startswith("_")})
        text = json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"
        write_text_atomic(path, text)
