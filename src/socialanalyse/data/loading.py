"""Load a municipality's extracts into validated canonical tables: `load(kommune) -> Data`.

`socialanalyse.data.load` (the package's entry point) first asks the run's data snapshot
(data.snapshot, named by $SOCIALANALYSE_DATA_SNAPSHOT during `socialanalyse run`); this module
is the loader itself. For each table in `parametre.data.tabeller`: read the file read-only
(readers; a pattern such as betalinger_*.csv reads every matching file as one table), find the
canonical columns (the mapping in `kolonner`, else a header that spells the canonical name,
ignoring case, æøå and punctuation), drop blank rows, replace CPR numbers by pseudonyms,
translate codes (`koder`), parse Danish numbers, dates and flags (formats), then validate
every table (contract) and the rules between tables. Every problem of every file is
collected and reported at once (DataFejl), each with file, spreadsheet row and column.

Required tables: borgere, bevillinger, betalinger (nothing can be analysed without them).
The others are optional: a missing file gives an empty table and a warning in
`Data.advarsler`, and the analyses that need it say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors as pe

from ..config import Parametre, TabelKilde, load_parameters
from ..privacy import PseudonymFejl, pseudonym_key
from . import formats as fmt
from .contract import (
    _OPTIONAL_DEFAULTS,
    TABLES,
    Problem,
    allowed_values,
    check_table_columns,
    conform,
    cross_table_problems,
    schema,
)
from .pseudonym import has_cpr, replace_cpr
from .readers import LaeseFejl, Raw, read
from .tables import MAX_PROBLEMS, Data, DataFejl, empty_table, format_problems, schema_problems

REQUIRED_TABLES = ("borgere", "bevillinger", "betalinger")
MONTH_COLUMNS = {("betalinger", "periode")}


@dataclass
class _Table:
    """One table on its way in: canonical frame (index = data-row position) and where from."""

    name: str
    label: str
    path: Path | None = None  # the resolved file, when it exists
    frame: pd.DataFrame | None = None
    first_row: int = 2
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> extract header
    problems: list[Problem] = field(default_factory=list)
    total: int = 0  # problems counted, including those not kept as Problem objects
    notes: list[str] = field(default_factory=list)
    param_file: str = "parameterfilen"  # the municipality's parameter file, for hints
    # A table read from several files: the files, and where each starts in the frame.
    parts: list[_Table] = field(default_factory=list)
    offsets: np.ndarray | None = None

    def add(self, column: str | None, rows, values=None, message="") -> None:
        """Record problems at `rows`: a boolean mask (Series aligned with the frame, whose
        index holds data-row positions) or a list of positions. `values` (Series or dict by
        position) gives the offending cell; `message` is text or a function of the value.
        At most MAX_PROBLEMS + 1 Problem objects are kept; `total` counts them all."""
        if isinstance(rows, pd.Series):
            rows = rows.index[rows.to_numpy(dtype=bool)]
        rows = list(rows)
        self.total += len(rows)
        room = max(MAX_PROBLEMS + 1 - len(self.problems), 0)
        for row in rows[:room]:
            value = None if values is None or row is None else values[row]
            text = message(value) if callable(message) else message
            self.problems.append(Problem(self.name, column, row, value, text))


    def extend(self, problems: list[Problem]) -> None:
        """Record ready-made problems (schema or cross-table), keeping at most the limit."""
        problems = [self._locate(p) for p in problems]
        self.total += len(problems)
        room = max(MAX_PROBLEMS + 1 - len(self.problems), 0)
        self.problems.extend(problems[:room])

    def _locate(self, p: Problem) -> Problem:
        """A problem at a row of the combined frame of several files, moved to its file."""
        if not self.parts or p.row is None:
            return p
        i = int(np.searchsorted(self.offsets, p.row, side="right")) - 1
        part = self.parts[i]
        part.total += 1
        return replace(p, row=p.row - int(self.offsets[i]), fil=part.label)


class _Key:
    """The pseudonymisation key, fetched once and only when a CPR number is found."""

    def __init__(self):
        self.value: bytes | None = None
        self.missing: list[str] = []

    def get(self, where: str) -> bytes | None:
        if self.value is None:
            try:
                self.value = pseudonym_key()
            except PseudonymFejl:
                self.missing.append(where)
                return None
        return self.value


def load(kommune: str | Parametre, *, root: Path | None = None) -> Data:
    """Load, pseudonymise, parse and validate one municipality's extracts.

    `kommune` is a slug (parameters are read from parameters/) or a Parametre object.
    Raises ParameterFejl for bad parameters, PseudonymFejl when CPR numbers are found and
    SOCIALANALYSE_PSEUDONYM_NOEGLE is not set, and DataFejl listing every problem (file,
    row as Excel shows it, column) otherwise. Input files are only ever opened for reading.
    """
    params = kommune if isinstance(kommune, Parametre) else load_parameters(kommune, root=root)
    check_table_columns(params)
    folder = params.data_dir
    if not folder.is_dir():
        raise DataFejl(
            f"Datamappen {folder} findes ikke. Læg udtrækkene der, eller ret 'data.mappe' i "
            f"{params.files[-1] if params.files else 'parametrene'}."
        )
    key = _Key()
    advarsler: list[str] = []
    opened = {name: _open(name, params, key, advarsler) for name in TABLES}
    tables = {name: t for name, t in opened.items() if t is not None}
    if key.missing:
        raise PseudonymFejl(
            "Disse kolonner indeholder CPR-numre: " + "; ".join(key.missing) + ".\n"
            + _key_help()
        )
    _validate(tables)
    _raise_if_problems(tables)
    frames = {n: t.frame for n, t in tables.items() if t.frame is not None}
    _cross_check(tables, frames)
    _raise_if_problems(tables)
    out = {n: f.reset_index(drop=True) for n, f in frames.items()}
    full = {n: out[n] if n in out else empty_table(n) for n in TABLES}
    kilder = {n: tuple(p.path for p in t.parts or [t]) for n, t in tables.items()
              if t.path is not None}
    return Data(kommune=params.kommune, advarsler=tuple(advarsler), kilder=kilder, **full)


def _open(name: str, params: Parametre, key: _Key, advarsler: list[str]) -> _Table | None:
    """Read one table; None when an optional table is missing (with a warning)."""
    source = params.data.tabeller.get(name)
    if source is None:
        if name not in REQUIRED_TABLES:
            advarsler.append(f"Tabellen {name} er ikke angivet i parametrene og er tom.")
            return None
        table = _Table(name, f"tabellen {name}")
        table.add(None, [None], None, f"tabellen {name} er påkrævet, men står ikke under "
                                      f"data.tabeller i parametrene")
        return table
    paths = _files(params.data_dir, source.fil)
    if len(paths) > 1:
        table = _several(name, paths, source, params, key)
        advarsler.extend(f"{part.label}: {n}" for part in table.parts for n in part.notes)
    else:
        path = paths[0] if paths else params.data_dir / source.fil
        table = _Table(name, _label(path, params.root, source))
        if not path.is_file():
            pattern = _is_pattern(source.fil)
            if name not in REQUIRED_TABLES:
                what = (f"ingen filer passer til {table.label}" if pattern
                        else f"filen {table.label} findes ikke")
                advarsler.append(f"Tabellen {name} mangler: {what}. "
                                 f"Tabellen er tom, og analyser, der bruger den, udelades.")
                return None
            what = "ingen filer passer til mønstret" if pattern else "filen findes ikke"
            table.add(None, [None], None, f"{what} (tabellen {name} er påkrævet; "
                                          f"se data.tabeller.{name}.fil i parametrene)")
            return table
        table.path = path.resolve()
        _load_table(table, path, source, params, key)
        advarsler.extend(f"{table.label}: {n}" for n in table.notes)
    if table.frame is not None and table.frame.empty and not table.problems:
        if name in REQUIRED_TABLES:
            table.add(None, [None], None, "filen har ingen datarækker")
        else:
            advarsler.append(f"{table.label}: filen har ingen datarækker; tabellen er tom.")
    return table


def _is_pattern(fil: str) -> bool:
    return any(ch in fil for ch in "*?[")


def _files(folder: Path, fil: str) -> list[Path]:
    """The file named in the parameters, or every file matching a pattern such as
    betalinger_*.csv (sorted by name; Excel's lock files ~$... and hidden files skipped)."""
    if not _is_pattern(fil):
        return [folder / fil]
    return sorted(p for p in folder.glob(fil)
                  if p.is_file() and not p.name.startswith(("~$", ".")))


def _several(name: str, paths: list[Path], source: TabelKilde, params: Parametre,
             key: _Key) -> _Table:
    """One table read from several files with the same layout (e.g. one per year): each is
    read and parsed on its own, then the rows are put one after the other. Problems found
    later in the combined frame are moved back to their file and row (`_Table.extend`)."""
    shown = _label(params.data_dir / source.fil, params.root, source)
    table = _Table(name, f"{shown} ({len(paths)} filer)", path=paths[0].resolve())
    for path in paths:
        part = _Table(name, _label(path, params.root, source), path=path.resolve())
        _load_table(part, path, source, params, key)
        table.parts.append(part)
        table.problems.extend(replace(p, fil=part.label) for p in part.problems)
        table.total += part.total
    if table.problems:
        return table
    sizes = [int(p.frame.index.max()) + 1 if len(p.frame) else 0 for p in table.parts]
    table.offsets = np.cumsum([0, *sizes[:-1]])
    table.frame = pd.concat([p.frame.set_axis(p.frame.index + off)
                             for p, off in zip(table.parts, table.offsets)])
    table.headers = table.parts[0].headers
    for part in table.parts:
        part.frame = None  # the combined frame holds the rows
    return table


def _key_help() -> str:
    try:
        pseudonym_key()
    except PseudonymFejl as exc:
        return str(exc)
    return ""


def _label(path: Path, root: Path, source: TabelKilde) -> str:
    try:
        shown = path.resolve().relative_to(root.resolve())
    except ValueError:
        shown = path
    return f"{shown} (ark {source.ark!r})" if source.ark else str(shown)


def _param_key(name: str, *parts: str) -> str:
    return ".".join(("data", "tabeller", name, *parts))


def _load_table(table: _Table, path: Path, source: TabelKilde, params: Parametre,
                key: _Key) -> None:
    spec = TABLES[table.name]
    wanted = {c.name: source.kolonner.get(c.name, c.name) for c in spec.columns}
    extras = list(source.ekstra_kolonner)
    try:
        raw = read(path, list(wanted.values()) + extras, sheet=source.ark,
                   separator=source.separator, encoding=source.encoding)
    except LaeseFejl as exc:
        row = None if exc.row is None else exc.row - 2  # shown as exc.row
        table.add(None, [row], None, str(exc))
        return
    except OSError as exc:
        table.add(None, [None], None, f"filen kan ikke åbnes: {_os_error(exc)}")
        return
    table.first_row = raw.first_row
    table.param_file = _param_file(params)
    table.notes.extend(raw.notes)
    if raw.ignored:
        shown = ", ".join(repr(h) for h in raw.ignored[:8]) + (" …" if len(raw.ignored) > 8 else "")
        one = len(raw.ignored) == 1
        table.notes.append(f"{'kolonnen' if one else 'kolonnerne'} {shown} er ikke læst "
                           f"({'den' if one else 'de'} er ikke i datakontrakten; brug "
                           f"{_param_key(table.name, 'ekstra_kolonner')} for at få "
                           f"{'den' if one else 'dem'} med).")
    headers = _resolve_columns(table, raw, wanted, source)
    missing_extras = [e for e in extras if e not in raw.frame.columns]
    for extra in missing_extras:
        table.add(None, [None], None,
                  f"ekstra kolonne {extra!r} (under {_param_key(table.name, 'ekstra_kolonner')}) "
                  f"findes ikke i filen")
    if table.problems:
        return
    table.headers = headers
    # Text (CSV) is stripped once, with blank cells as missing; typed cells stay as they are.
    columns = {**{c: raw.frame[h] for c, h in headers.items()}, **{e: raw.frame[e] for e in extras}}
    frame = pd.DataFrame({c: fmt.as_text(v) if _is_text(v) else v for c, v in columns.items()},
                         index=raw.frame.index)
    del raw, columns  # the raw text is not needed any more (big files: halve the peak)
    frame = _drop_blank_rows(table, frame)
    frame = _drop_total_rows(table, frame)
    _pseudonymise(table, frame, key)
    table.frame = _parse(table, frame, source)
    if table.name == "betalinger" and not table.problems:
        _warn_implausible(table, params.data.usandsynligt_beloeb)


def _os_error(exc: OSError) -> str:
    """Why a file cannot be opened, in Danish (the system's text is English)."""
    if isinstance(exc, PermissionError):
        return "ingen adgang (filen er måske åben i et andet program, eller I mangler læseret)"
    if isinstance(exc, IsADirectoryError):
        return "det er en mappe, ikke en fil"
    return f"systemet svarer {exc.strerror or exc!s} (fejl {exc.errno})"


def _resolve_columns(table: _Table, raw: Raw, wanted: dict[str, str],
                     source: TabelKilde) -> dict[str, str]:
    """Canonical column -> the extract's header; records problems for missing columns.

    Hints ('Mente du ...?') and the listed headers come from every header in the file, not
    only the columns read, and a hint never names a header another column already uses."""
    columns = raw.frame.columns
    by_key: dict[str, list[str]] = {}
    for h in columns:
        by_key.setdefault(fmt.header_key(h), []).append(h)
    headers: dict[str, str] = {}
    for c in TABLES[table.name].columns:
        target = wanted[c.name]
        exact = [h for h in columns if h == target.strip()]
        found = exact or by_key.get(fmt.header_key(target), [])
        if found:
            headers[c.name] = found[0]
    every = raw.headers or list(columns)
    available = ", ".join(repr(h) for h in every)
    unused = [h for h in every if h not in headers.values()]
    for c in TABLES[table.name].columns:
        target = wanted[c.name]
        if c.name in headers:
            continue
        if c.name in source.kolonner:
            close = _close(target, unused)
            table.add(c.name, [None], None,
                      f"kolonnen {target!r}, som {_param_key(table.name, 'kolonner', c.name)} "
                      f"i {table.param_file} peger på, findes ikke i filen.{close} "
                      f"Filen har kolonnerne {available}")
        elif c.required:
            close = _close(c.name, unused)
            table.add(c.name, [None], None,
                      f"kolonnen {c.name!r} ({c.beskrivelse.rstrip('.')}) mangler.{close} "
                      f"Filen har kolonnerne {available}. Angiv den under "
                      f"{_param_key(table.name, 'kolonner')} i parameterfilen, fx "
                      f"'{c.name}: <overskrift i filen>'")
    return headers


def _param_file(params: Parametre) -> str:
    return str(params.files[-1]) if params.files else "parameterfilen"


def _close(name: str, options) -> str:
    import difflib

    keys = {fmt.header_key(o): o for o in options}
    match = difflib.get_close_matches(fmt.header_key(name), list(keys), n=1, cutoff=0.6)
    return f" Mente du {keys[match[0]]!r}?" if match else ""


def _drop_blank_rows(table: _Table, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or frame.shape[1] == 0:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for col in frame.columns:
        values = frame[col]
        # Text is already stripped with blanks as missing; Excel cells may hold spaces.
        filled = fmt.as_text(values).notna() if values.dtype == object else values.notna()
        blank &= ~filled.to_numpy(dtype=bool)
    if not blank.any():
        return frame
    trailing = bool(blank[int(np.argmax(blank)):].all())
    what = fmt.antal(int(blank.sum()), "tom række", "tomme rækker")
    where = fmt.rows_shown(frame.index[blank], table.first_row)
    table.notes.append(f"{what}{' i slutningen af filen' if trailing else ''} er sprunget over "
                       f"({where}).")
    return frame[~blank]


#: Texts that mark a total or subtotal row in an export (case is ignored).
TOTAL_WORDS = ("i alt", "i alt:", "ialt", "total", "total:", "totalt", "sum", "sum:", "samlet",
               "hovedtotal", "subtotal", "sum i alt")


def _drop_total_rows(table: _Table, frame: pd.DataFrame) -> pd.DataFrame:
    """A sum row ('I alt', 'Total') exported with the data is an error that says what it is,
    instead of a problem in every column of it; the row is then left out of the checks."""
    words = {w for t in TOTAL_WORDS for w in (t, t.upper(), t.capitalize(), t.title())}
    total = pd.Series(False, index=frame.index)
    # The label stands in an id column (a provider may well be named 'Samlet ...').
    for col in (c for c in _text_columns(table, frame) if c.endswith("_id")):
        hit = frame[col].isin(words).to_numpy(dtype=bool) & ~total.to_numpy()
        if hit.any():
            rows = frame.index[hit]
            table.add(col, list(rows), frame[col],
                      lambda v: f"rækken er en sumrække ({v!r}), ikke data: fjern sumrækker og "
                                f"subtotaler fra udtrækket (eller slå dem fra i eksporten)")
            total |= pd.Series(hit, index=frame.index)
    return frame[~total.to_numpy()] if total.any() else frame


def _is_text(values: pd.Series) -> bool:
    return values.dtype != object and pd.api.types.is_string_dtype(values)


def _text_columns(table: _Table, frame: pd.DataFrame) -> list[str]:
    spec = TABLES[table.name]
    canon = {c.name: c.kind for c in spec.columns}
    return [c for c in frame.columns if canon.get(c, "str") == "str"]


def _pseudonymise(table: _Table, frame: pd.DataFrame, key: _Key) -> None:
    """Replace CPR numbers in every text column (in place), before parsing or validation."""
    for col in _text_columns(table, frame):
        text = frame[col] if _is_text(frame[col]) else fmt.as_text(frame[col])
        mask = has_cpr(text)
        if not mask.any():
            frame[col] = text
            continue
        where = f"{table.label}, kolonne {_col_label(table, col)}"
        secret = key.get(where)
        if secret is None:
            frame[col] = None  # never keep CPR numbers, even in a failing load
            continue
        frame[col] = replace_cpr(text, secret, mask)
        cells = fmt.antal(int(mask.sum()), "celle", "celler")
        table.notes.append(f"kolonne {_col_label(table, col)}: {cells} med CPR-numre er "
                           f"erstattet af pseudonymer.")


def _col_label(table: _Table, col: str | None) -> str:
    if col is None:
        return ""
    header = table.headers.get(col, col)
    return repr(header) if header == col else f"{header!r} ({col})"


def _parse(table: _Table, frame: pd.DataFrame, source: TabelKilde) -> pd.DataFrame:
    """Parse every column by its canonical kind; unparseable and empty cells are problems."""
    spec = TABLES[table.name]
    out = {}
    index = frame.index
    for col in list(frame.columns):
        c = spec.col(col) if col in spec.names else None
        values = frame.pop(col)  # free each text column once parsed (peak memory)
        kind = c.kind if c else "str"
        bad = pd.Series(False, index=index)
        if kind != "str" and source.koder.get(col):
            values = _translate(values, source.koder[col])
        if kind == "str":
            parsed = values if pd.api.types.is_string_dtype(values) else fmt.as_text(values)
            if c is not None:
                parsed = _codes(table, c.name, parsed, source)
        elif kind in ("int", "float"):
            parsed, bad = fmt.parse_numbers(values, integer=kind == "int")
            _report(table, col, values, bad, f"forventede {fmt.EXPECTED[kind]}")
        elif kind == "date":
            month = (table.name, col) in MONTH_COLUMNS
            parsed, bad, impossible, far, early = fmt.parse_dates(
                values, source.datoformat, month=month)
            expected = (f"en dato som {pd.Timestamp(2025, 12, 31).strftime(source.datoformat)} "
                        f"(datoformat {source.datoformat})" if source.datoformat
                        else fmt.EXPECTED["month" if month else "date"])
            _report(table, col, values, bad, f"forventede {expected}")
            if impossible.any():
                table.add(col, impossible, fmt.as_text(values),
                          lambda v: f"datoen {fmt.shown(v)} findes ikke")
            open_end = c is not None and c.nullable  # an empty end date means open
            if open_end and far.any():  # 31-12-9999, the usual placeholder for 'open'
                _note_open(table, col, values, far)
            outside = early if open_end else far | early
            if outside.any():
                table.add(col, outside, fmt.as_text(values),
                          lambda v: f"datoen {fmt.shown(v)} ligger uden for de datoer, der kan "
                                    f"regnes med ({fmt.FIRST_DAY:%d.%m.%Y}–{fmt.LAST_DAY:%d.%m.%Y})")
            bad = bad | impossible | outside
            if month:
                parsed = _month_start(table, parsed)
        else:
            parsed, bad = fmt.parse_flags(values)
            _report(table, col, values, bad, f"forventede {fmt.EXPECTED['bool']}")
        default = _OPTIONAL_DEFAULTS.get((table.name, col))
        if default is not None:  # an empty tillaeg means no tillæg
            parsed = parsed.where(parsed.notna() | bad, default)
        if c is not None and not c.nullable:
            table.add(col, parsed.isna() & ~bad, None, "feltet er tomt, men skal udfyldes")
        out[col] = parsed
    return conform(table.name, pd.DataFrame(out, index=index))


def _note_open(table: _Table, col: str, values: pd.Series, far: pd.Series) -> None:
    """Far-future end dates read as empty (open), with a warning naming the rows."""
    text = fmt.as_text(values)[far]
    shown = ", ".join(map(fmt.shown, text.unique()[:3]))
    table.notes.append(
        f"kolonne {_col_label(table, col)}: {fmt.antal(int(far.sum()), 'række', 'rækker')} "
        f"har datoen {shown}, som systemer bruger for 'ingen slutdato'; "
        f"{'den er' if int(far.sum()) == 1 else 'de er'} læst som tom, dvs. løbende "
        f"({fmt.rows_shown(text.index, table.first_row)}).")


def _warn_implausible(table: _Table, limits) -> None:
    """Warn about payment lines and grant-months so large they are probably mistakes."""
    pay = table.frame
    amount = pay["beloeb"].abs()
    line = amount > limits.linje
    if line.any():
        rows = pay.index[line.to_numpy()]
        shown = ", ".join(f"række {r + table.first_row} ({fmt.kr(pay.at[r, 'beloeb'])})"
                          for r in rows[:5]) + (" …" if len(rows) > 5 else "")
        table.notes.append(
            f"{fmt.antal(len(rows), 'betalingslinje', 'betalingslinjer')} har et usandsynligt "
            f"stort beløb, over {fmt.kr(limits.linje)} på én linje: {shown}. Tjek beløbet "
            f"(fx decimaltegnet); grænsen er data.usandsynligt_beloeb.linje.")
    months = pay[~line].groupby(["bevilling_id", "periode"], observed=True)["beloeb"]
    sums = months.sum()
    big = sums[sums.abs() > limits.bevilling_maaned]
    if big.empty:
        return
    groups = months.groups
    parts = [f"bevilling {g!r} for {p:%m.%Y}: {fmt.kr(v)} "
             f"({fmt.rows_shown(sorted(groups[(g, p)]), table.first_row, limit=5)})"
             for (g, p), v in big.iloc[:5].items()]
    table.notes.append(
        f"{fmt.antal(len(big), 'bevilling', 'bevillinger')} har fået et usandsynligt stort "
        f"beløb for én måned, over {fmt.kr(limits.bevilling_maaned)}: {'; '.join(parts)}"
        f"{' …' if len(big) > 5 else ''}. Tjek betalingerne; grænsen er "
        f"data.usandsynligt_beloeb.bevilling_maaned.")


def _report(table: _Table, col: str, values: pd.Series, bad: pd.Series, expected: str) -> None:
    if bad.any():
        table.add(col, bad, fmt.as_text(values), lambda v: f"{expected}, fik {fmt.shown(v)}")


def _month_start(table: _Table, dates: pd.Series) -> pd.Series:
    start = dates.dt.to_period("M").dt.to_timestamp()
    moved = int((dates.notna() & (dates != start)).sum())
    if moved:
        table.notes.append(f"{fmt.antal(moved, 'periode', 'perioder')} var ikke den 1. i "
                           f"måneden og er sat til månedens første dag.")
    return start.astype("datetime64[ns]")


def _translate(values: pd.Series, codes: dict[str, str]) -> pd.Series:
    """Codes of a number, date or flag column replaced by their values (text in, text out);
    translated once per distinct value."""
    text = fmt.as_text(values)
    codes_u, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = np.array([codes.get(u, u) for u in uniques] or [None], dtype=object)
    out = pd.Series(mapped[np.where(codes_u < 0, 0, codes_u)], index=text.index, dtype=object)
    out[codes_u < 0] = None
    return out.astype("str")


def _codes(table: _Table, col: str, text: pd.Series, source: TabelKilde) -> pd.Series:
    """Translate codes (koder) and spell-variants of allowed values onto canonical values.

    A value that is neither is reported once per distinct value (at its first row, with its
    count and the parameter key to add it under), not once per row."""
    codes = source.koder.get(col)
    allowed = allowed_values(table.name, col)
    if not codes and allowed is None:
        return text
    # Spelling variants of allowed values are accepted: 'egen Drift', 'Udviklingshaemning',
    # '§ 107', '107', 'SEL §107' and 'Servicelovens § 107' all find their canonical value.
    lenient = {fmt.header_key(a): a for a in (allowed or ())}

    def one(value: str) -> str:
        if codes and value in codes:
            return codes[value]
        if allowed is None or value in allowed:
            return value
        found = lenient.get(fmt.header_key(value))
        if found is None and col == "paragraf":
            found = fmt.paragraph(value, allowed)
        return value if found is None else found

    codes_u, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = pd.Series(uniques, dtype=object).str.normalize("NFC").map(one)
    out = pd.Series(np.asarray(mapped, dtype=object)[np.where(codes_u < 0, 0, codes_u)]
                    if len(uniques) else np.full(len(text), None, dtype=object),
                    index=text.index, dtype=object)
    out[codes_u < 0] = None
    if allowed is not None:
        unknown = np.flatnonzero(~mapped.isin(list(allowed)).to_numpy())
        if len(unknown):
            _report_unknown(table, col, text, codes_u, uniques, unknown, allowed)
    return out.astype("str")


def _report_unknown(table: _Table, col: str, text: pd.Series, codes_u: np.ndarray, uniques,
                    unknown: np.ndarray, allowed) -> None:
    """One problem per distinct unknown value, at its first row, in the order they appear."""
    counts = np.bincount(codes_u[codes_u >= 0], minlength=len(uniques))
    first = {u: int(np.argmax(codes_u == u)) for u in unknown}
    key = _param_key(table.name, "koder", col)
    valid = ", ".join(map(str, allowed[:12])) + (" …" if len(allowed) > 12 else "")
    for u in sorted(unknown, key=first.get):
        value = str(uniques[u])
        n = fmt.antal(int(counts[u]), "række", "rækker")
        table.add(col, [text.index[first[u]]], {text.index[first[u]]: value},
                  f"ukendt værdi {fmt.shown(value)} ({n}; dette er den første): den er "
                  f"hverken en gyldig værdi eller oversat. Tilføj den i {table.param_file} under "
                  f"{key} som {value!r}: <gyldig værdi>; gyldige værdier er {valid}")


def _validate(tables: dict[str, _Table]) -> None:
    """Schema-check every table that parsed cleanly (types, allowed values, ranges, keys)."""
    for t in tables.values():
        if t.frame is None or t.problems:
            continue
        try:
            t.frame = schema(t.name).validate(t.frame, lazy=True, inplace=True)
        except pe.SchemaErrors:
            t.extend(schema_problems(t.name, t.frame))


def _cross_check(tables: dict[str, _Table], frames: dict[str, pd.DataFrame]) -> None:
    problems = cross_table_problems(frames)
    for name, table in tables.items():
        table.extend([p for p in problems if p.table == name])


def _raise_if_problems(tables: dict[str, _Table]) -> None:
    bad = [t for t in tables.values() if t.total]
    if not bad:
        return
    # Per file: problems without a row (the whole file, a column) first, then by row.
    def order(t: _Table):
        files = [p.label for p in t.parts]
        return lambda p: (files.index(p.fil) if p.fil in files else -1, p.row is not None,
                          -1 if p.row is None else p.row)

    problems = [p for t in bad for p in sorted(t.problems, key=order(t))]
    # Looked up by table, or by file for a table read from several files.
    keyed = {t.name: t for t in bad} | {p.label: p for t in bad for p in t.parts}
    text = format_problems(
        problems,
        files={k: t.label for k, t in keyed.items()},
        columns={k: t.headers for k, t in keyed.items()},
        first_rows={k: t.first_row for k, t in keyed.items()},
        totals={k: t.total for k, t in keyed.items() if not t.parts},
    )
    hint = ("Rækkerne tælles som i Excel (overskriften er række 1). Se data/README.md om, "
            "hvordan udtrækkene kobles på datakontrakten i parameterfilen.")
    raise DataFejl(f"{text}\n{hint}", problems)
