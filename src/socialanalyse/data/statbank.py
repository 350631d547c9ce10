"""Read Statistics Denmark's statbank exports: the municipal accounts by function (REGK31) and
the population (FOLK1A or another FOLK table), as a user downloads them; never fetched here.

The format, from Statistics Denmark's API documentation (api.statbank.dk, the DATA call with
format CSV, or the streamed BULK format): a semicolon separated text file, UTF-8 (the CSV
answer starts with a byte order mark), one header line with the table's variable codes in
capitals and the time variable as TID, then the value column INDHOLD; one row per
observation. Cells hold the values' texts by default (valuePresentation Default/Value:
'Hele landet', 'Furesø', '5.38.50 Botilbud til længerevarende ophold (§ 108)', '1 Driftskonti',
'I alt (netto)', 'Løbende priser (1.000 kr.)'), their codes (Code: '000', '190', '53850', '1',
'TOT', 'LOBM') or both (CodeAndValue: '190 Furesø'). Time is '2024' for a year, '2024K1' for a
quarter ('2024Q1' in English), '2024M01' for a month. Numbers use the Danish decimal comma.

A missing observation is written '..' (not available, confidential or too uncertain) and
becomes missing here, never 0; '.' (category cannot occur), '...' and '…' are missing too,
an empty cell (the BULK format's way) likewise; '-' is zero (Statistics Denmark's
publication convention).

REGK31 (Kommunernes regnskaber på funktioner) has the variables OMRÅDE, FUNKTION, DRANST,
ART, PRISENHED and TID. We keep ART 'I alt (netto)' (TOT) and PRISENHED 'Løbende priser
(1.000 kr.)' (LOBM, converted to kr here); 'Pr. indbygger' (INDL) rows are dropped since
per-inhabitant figures are computed from the population file (socialanalyse.benchmark).

FOLK1A (Folketal den 1. i kvartalet) has OMRÅDE, KØN, ALDER, CIVILSTAND and TID; totals
('I alt', 'Alder i alt') are used where present, otherwise categories are summed.

Municipalities are mapped to the project's slugs by code or name (kommuner.csv); 'Hele
landet', the regions and other groupings (landsdele, kommunegrupper, Christiansø) are not
municipalities and are left out: region and country figures are computed from the
municipalities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference as ref
from .formats import parse_numbers
from .readers import LaeseFejl, read

#: Value texts Statistics Denmark writes for a missing observation.
MISSING_MARKERS = frozenset({"..", ".", "...", "…", ""})
ZERO_MARKER = "-"

REGK31_COLUMNS = ["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"]
FOLK_COLUMNS = ["OMRÅDE", "ALDER", "TID", "INDHOLD"]
FOLK_OPTIONAL = ["KØN", "CIVILSTAND", "HERKOMST", "IELAND", "STATSB"]

_TOTAL_TEXTS = frozenset({"i alt", "tot", "total", "ialt", "alder i alt", "age, total",
                          "total, all ages"})
_NET_ART = frozenset({"tot", "i alt (netto)", "total (net)", "net total"})
_LOBM = frozenset({"lobm", "løbende priser (1.000 kr.)", "current prices (dkk 1,000)"})
_INDL = frozenset({"indl", "pr. indbygger, løbende priser (kr.)"})


class StatbankFejl(ValueError):
    """A statbank export that cannot be used; the Danish message names file, row and column."""


@dataclass(frozen=True)
class Statbank:
    """The two public tables, tidy.

    regnskab: kommune (slug), aar, funktion ('5.38.50'), funktion_navn, dranst (int),
    udgift (kr, NaN where the statbank has '..').
    befolkning: kommune, aar, aldersgruppe ('17-17', '100-125': as derived.population reads
    it), antal (NaN where the statbank has '..').
    kilder: the files read; noter: Danish notes (e.g. municipalities not in the file).
    """

    regnskab: pd.DataFrame
    befolkning: pd.DataFrame
    kilder: tuple[Path, ...] = ()
    noter: tuple[str, ...] = field(default=())


def _key(text: object) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


def _fail(path: Path, rows: np.ndarray, bad: np.ndarray, column: str, text: str) -> None:
    """Raise a StatbankFejl naming the file, the first bad row and the column."""
    hits = np.flatnonzero(bad)
    more = f" ({len(hits)} rækker i alt)" if len(hits) > 1 else ""
    raise StatbankFejl(f"Filen {path}, række {int(rows[hits[0]])}, kolonnen {column}: "
                       f"{text}{more}")


def _read_raw(path: Path, expected: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The export's cells as text, with the spreadsheet row number of every data row."""
    if not path.is_file():
        raise StatbankFejl(
            f"Filen {path} findes ikke. Hent tabellen i Statistikbanken som CSV "
            "(semikolonsepareret) og læg den i mappen, eller ret filnavnet i parametrene "
            "(benchmark)."
        )
    try:
        raw = read(path, expected, usecols=False)
    except LaeseFejl as exc:
        where = f", række {exc.row}" if exc.row else ""
        raise StatbankFejl(f"Filen {path}{where}: {exc}") from None
    frame = raw.frame
    frame.columns = [_column_code(c) for c in frame.columns]
    # Trailing blank lines are not observations.
    filled = frame.fillna("").astype(str).apply(lambda c: c.str.strip().ne("")).any(axis=1)
    frame = frame[filled.to_numpy()]
    rows = raw.first_row + np.flatnonzero(filled.to_numpy())
    return frame.reset_index(drop=True), rows


def _column_code(name: object) -> str:
    # Headers are the variable codes in capitals; the time variable may come as 'Tid'.
    text = unicodedata.normalize("NFC", str(name)).strip().lstrip("\ufeff")
    return "TID" if text.casefold() in ("tid", "time") else text.upper()


def _require(frame: pd.DataFrame, path: Path, columns: list[str], hint: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise StatbankFejl(
            f"Filen {path} mangler kolonnen {', '.join(missing)} (fandt: "
            f"{', '.join(map(str, frame.columns))}). {hint}"
        )


def parse_values(values: pd.Series, path: Path, rows: np.ndarray) -> pd.Series:
    """INDHOLD as numbers: the missing markers ('..' etc.) become NaN, never 0; '-' is 0."""
    text = values.fillna("").astype(str).str.strip()
    missing = text.isin(MISSING_MARKERS)
    zero = text.eq(ZERO_MARKER)
    numbers, bad = parse_numbers(text.where(~(missing | zero), ""))
    bad = (bad & ~missing & ~zero).to_numpy()
    if bad.any():
        _fail(path, rows, bad, "INDHOLD",
              f"{text.iloc[int(np.flatnonzero(bad)[0])]!r} er ikke et tal. Statistikbanken "
              "skriver tal med decimalkomma og '..' for et tal, der mangler.")
    return numbers.mask(zero, 0.0).mask(missing, np.nan)


# --- areas ------------------------------------------------------------------------------------

#: Area codes that are not municipalities: the country (0/000), landsdele (1-11), regions
#: (81-85), Christiansø (411) and the municipality groups (9xx).
_AREA_SKIP_CODES = frozenset({0, 411} | set(range(1, 12)) | set(range(81, 86))
                             | set(range(900, 1000)))


def map_areas(values: pd.Series, path: Path, rows: np.ndarray, column: str = "OMRÅDE"
              ) -> pd.Series:
    """The municipality slug of each OMRÅDE cell ('190', 'Furesø', '190 Furesø'); None for
    the country, the regions and other groupings. An unknown area is an error naming its row."""
    k = ref.kommuner()
    by_code = dict(zip(k["kode"], k["slug"]))
    by_name = {_key(n): s for n, s in zip(k["navn"], k["slug"])}
    by_name |= {f"{name} kommune": s for name, s in list(by_name.items())}
    regions = {_key(r) for r in k["region"].unique()}
    out: dict[str, str | None] = {}
    cells = values.fillna("").astype(str)
    for text in cells.unique():  # ~100 distinct areas, not rows
        m = re.match(r"^(\d{1,4})(?:\s+(.*))?$", text.strip())
        code = int(m.group(1)) if m else None
        name = _key(m.group(2) if m else text) if (not m or m.group(2)) else ""
        slug = by_code.get(code) if code is not None else None
        if slug is None and name:
            slug = by_name.get(name)
        aggregate = (
            (code in _AREA_SKIP_CODES) or name in ("hele landet", "all denmark", "christiansø")
            or name in regions or name.startswith(("region ", "landsdel ", "province "))
            or name.endswith(("kommuner", "municipalities"))
        )
        if slug is None and not aggregate:
            _fail(path, rows, cells.to_numpy() == text, column,
                  f"{text.strip()!r} er ikke en af de 98 kommuner (kommuner.csv) eller et "
                  "samlet område (Hele landet, en region). Er filen gemt med et andet "
                  "tegnsæt end UTF-8 eller Windows-1252?")
        out[text] = slug
    return cells.map(out)


# --- time -------------------------------------------------------------------------------------

def parse_time(values: pd.Series, path: Path, rows: np.ndarray) -> pd.DataFrame:
    """TID cells as aar, kvartal (1-4; NaN for a year) and maaned (1-12; NaN unless
    monthly): '2024', '2024K1', '2024Q1', '2024M01'."""
    text = values.fillna("").astype(str).str.strip()
    # Parsed once per distinct period (a few dozen), not once per row (~70.000).
    periods = pd.Series(text.unique())
    m = periods.str.extract(r"^(?P<aar>\d{4})(?:[KQ](?P<kvartal>[1-4])|M(?P<maaned>\d{2}))?$")
    m = m.iloc[pd.Index(periods).get_indexer(text)].reset_index(drop=True)
    bad = m["aar"].isna().to_numpy()
    if bad.any():
        _fail(path, rows, bad, "TID",
              f"{text.iloc[int(np.flatnonzero(bad)[0])]!r} er ikke en periode, som "
              "Statistikbanken skriver den (fx 2024, 2024K1 eller 2024M01).")
    maaned = pd.to_numeric(m["maaned"], errors="coerce")
    kvartal = pd.to_numeric(m["kvartal"], errors="coerce").fillna((maaned - 1) // 3 + 1)
    return pd.DataFrame({"aar": m["aar"].astype(int).to_numpy(), "kvartal": kvartal.to_numpy(),
                         "maaned": maaned.to_numpy()}, index=values.index)


# --- REGK31 -----------------------------------------------------------------------------------

def _one_function(text: str) -> tuple[str, str] | None:
    t = text.strip()
    m = re.match(r"^(?:\d{4,5}\s+)?(\d\.\d{2}\.\d{2})(?:\s+(.*))?$", t)
    if m:
        return m.group(1), (m.group(2) or "").strip()
    m = re.fullmatch(r"(\d{4,5})(?:\s+(.*))?", t)
    if m:
        d = m.group(1).zfill(5)
        return f"{d[0]}.{d[1:3]}.{d[3:]}", (m.group(2) or "").strip()
    return None


def parse_functions(values: pd.Series, path: Path, rows: np.ndarray) -> pd.DataFrame:
    """FUNKTION cells as funktion ('5.38.50') and funktion_navn: '5.38.50 Botilbud ...',
    '53850', '53850 5.38.50 Botilbud ...' or '5.38.50'. `rows`: the cells' row numbers."""
    parsed = {}
    for text in values.astype(str).unique():  # a few hundred functions at most
        one = _one_function(text)
        if one is None:
            _fail(path, rows, values.astype(str).to_numpy() == text, "FUNKTION",
                  f"{text.strip()!r} er ikke en funktion i kontoplanen (fx '5.38.50 Botilbud "
                  "til længerevarende ophold' eller koden 53850).")
        parsed[text] = one
    mapped = values.astype(str).map(parsed)
    return pd.DataFrame({"funktion": mapped.str[0], "funktion_navn": mapped.str[1]},
                        index=values.index)


def _codes(values: pd.Series) -> pd.Series:
    """Cells normalised for matching against known codes and texts."""
    text = values.fillna("").astype(str)
    keys = {t: _key(t) for t in text.unique()}  # a handful of distinct cells per column
    return text.map(keys)


def read_regk31(path: Path, dranst: tuple[int, ...] = (1,)) -> pd.DataFrame:
    """The municipal accounts by function from a REGK31 export (module docstring).

    Returns kommune, aar, funktion, funktion_navn, dranst, udgift (kr; NaN for '..'): the 98
    municipalities, net figures (ART I alt), current prices, the DRANST given.
    """
    path = Path(path)
    frame, rows = _read_raw(path, REGK31_COLUMNS)
    _require(frame, path, REGK31_COLUMNS,
             "Vælg i tabellen REGK31 område, funktion, dranst, art 'I alt (netto)' og "
             "prisenhed 'Løbende priser (1.000 kr.)', og gem som CSV (semikolonsepareret).")
    unit = _codes(frame["PRISENHED"])
    bad = ~unit.isin(_LOBM | _INDL).to_numpy()
    if bad.any():
        _fail(path, rows, bad, "PRISENHED",
              f"{frame['PRISENHED'].iloc[int(np.flatnonzero(bad)[0])]!r} er ikke en "
              "prisenhed, der kan bruges: vælg 'Løbende priser (1.000 kr.)'.")
    keep = unit.isin(_LOBM).to_numpy().copy()
    if not keep.any():
        raise StatbankFejl(
            f"Filen {path} har kun tal pr. indbygger: hent prisenheden 'Løbende priser "
            "(1.000 kr.)' (tal pr. indbygger beregnes af befolkningstallet)."
        )
    keep &= _codes(frame["ART"]).isin(_NET_ART).to_numpy()
    if not keep.any():
        raise StatbankFejl(
            f"Filen {path}, kolonnen ART: ingen rækker har art 'I alt (netto)' (TOT)."
        )
    dr = frame["DRANST"].fillna("").astype(str).str.extract(r"^\s*(\d)\b")[0]
    bad = dr.isna().to_numpy()
    if bad.any():
        _fail(path, rows, bad, "DRANST",
              f"{frame['DRANST'].iloc[int(np.flatnonzero(bad)[0])]!r} er ikke en dranst "
              "(fx '1 Driftskonti').")
    keep &= dr.astype(int).isin(dranst).to_numpy()
    sub, sub_rows = frame[keep].reset_index(drop=True), rows[keep]
    fn = parse_functions(sub["FUNKTION"], path, sub_rows)
    out = pd.DataFrame({
        "kommune": map_areas(sub["OMRÅDE"], path, sub_rows).to_numpy(),
        "aar": parse_time(sub["TID"], path, sub_rows)["aar"].to_numpy(),
        "funktion": fn["funktion"].to_numpy(),
        "funktion_navn": fn["funktion_navn"].to_numpy(),
        "dranst": dr[keep].astype(int).to_numpy(),
        "udgift": (parse_values(sub["INDHOLD"], path, sub_rows) * 1000.0).to_numpy(),
    })
    keep_rows = out["kommune"].notna().to_numpy()
    out, sub_rows = out[keep_rows].reset_index(drop=True), sub_rows[keep_rows]
    dupes = out.duplicated(["kommune", "aar", "funktion", "dranst"]).to_numpy()
    if dupes.any():
        _fail(path, sub_rows, dupes, "FUNKTION",
              "samme kommune, år, funktion og dranst står flere gange: vælg kun art 'I alt "
              "(netto)' og én prisenhed.")
    return out


# --- FOLK -------------------------------------------------------------------------------------

def _age_band(text: str) -> str | None | bool:
    """'17 år' -> '17-17', '0-4 år' -> '0-4', '100 år og derover' -> '100-125', '17' -> '17-17';
    None for the total; False when not an age."""
    t = _key(text)
    if t in _TOTAL_TEXTS:
        return None
    m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?(?:\s*(?:år|years?))?(\s*(?:og derover|and over)|\+)?",
                     t)
    if not m:
        return False
    lo = int(m.group(1))
    hi = 125 if m.group(3) else int(m.group(2) or lo)
    return f"{lo}-{hi}"


def read_folk(path: Path, kvartal: int = 1) -> pd.DataFrame:
    """The population by municipality, year and age from a FOLK table export (FOLK1A: the
    1st day of each quarter; `kvartal` picks the quarter that stands for the year, 1 = the
    1st of January; a yearly table is used as it is).

    Returns kommune, aar, aldersgruppe ('lo-hi'), antal. Where the file has a total of
    another dimension (KØN 'I alt', CIVILSTAND 'I alt', ...) only that is used; otherwise its
    categories are summed (a missing part makes the sum missing, never smaller).
    """
    path = Path(path)
    frame, rows = _read_raw(path, FOLK_COLUMNS + FOLK_OPTIONAL)
    _require(frame, path, FOLK_COLUMNS,
             "Vælg i fx FOLK1A område, alder (enkelte år) og tid, og gem som CSV "
             "(semikolonsepareret).")
    keep = np.ones(len(frame), dtype=bool)
    for column in [c for c in frame.columns if c not in FOLK_COLUMNS]:
        total = _codes(frame[column]).isin(_TOTAL_TEXTS).to_numpy()
        if total.any():
            keep &= total
    time = parse_time(frame["TID"], path, rows)
    if time["kvartal"].notna().any():
        keep &= time["kvartal"].to_numpy() == kvartal
        if time["maaned"].notna().any():
            keep &= time["maaned"].to_numpy() == (kvartal - 1) * 3 + 1
    if not keep.any():
        raise StatbankFejl(
            f"Filen {path}, kolonnen TID: der er ingen tal for {kvartal}. kvartal, som står "
            "for året (parameteren benchmark.befolkning_kvartal)."
        )
    sub, sub_rows = frame[keep].reset_index(drop=True), rows[keep]
    cells = sub["ALDER"].fillna("").astype(str)
    bands = {text: _age_band(text) for text in cells.unique()}  # ~130 ages
    bad = cells.map(lambda t: bands[t] is False).to_numpy()
    if bad.any():
        _fail(path, sub_rows, bad, "ALDER",
              f"{cells.iloc[int(np.flatnonzero(bad)[0])].strip()!r} er ikke en alder (fx "
              "'17 år' eller 'Alder i alt').")
    out = pd.DataFrame({
        "kommune": map_areas(sub["OMRÅDE"], path, sub_rows).to_numpy(),
        "aar": time["aar"].to_numpy()[keep],
        "aldersgruppe": cells.map(bands).to_numpy(),
        "antal": parse_values(sub["INDHOLD"], path, sub_rows).to_numpy(),
    })
    out = out[out["kommune"].notna()]
    if out["aldersgruppe"].isna().all():
        raise StatbankFejl(
            f"Filen {path}, kolonnen ALDER: der er kun 'Alder i alt'. Hent alder i enkelte "
            "år, så indbyggere på 0-17 og 18-64 år kan tælles."
        )
    out = out[out["aldersgruppe"].notna()]
    g = out.groupby(["kommune", "aar", "aldersgruppe"], sort=True)["antal"]
    summed = g.sum(min_count=1).where(g.count() == g.size())
    return summed.reset_index()


def read_folder(folder: Path, regnskab_fil: str, befolkning_fil: str, *,
                dranst: tuple[int, ...] = (1,), kvartal: int = 1) -> Statbank:
    """Both exports from one folder (parameters benchmark.statbank_mappe and the file names)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StatbankFejl(
            f"Mappen {folder} med udtræk fra Statistikbanken findes ikke: opret den og læg "
            f"{regnskab_fil} (REGK31) og {befolkning_fil} (fx FOLK1A) i den, eller ret "
            "benchmark.statbank_mappe i parametrene."
        )
    regnskab_path, folk_path = folder / regnskab_fil, folder / befolkning_fil
    regnskab = read_regk31(regnskab_path, dranst)
    befolkning = read_folk(folk_path, kvartal)
    notes = []
    for name, table in ((regnskab_fil, regnskab), (befolkning_fil, befolkning)):
        missing = set(ref.kommuner()["slug"]) - set(table["kommune"])
        if missing:
            notes.append(f"{len(missing)} af de 98 kommuner er ikke med i {name}.")
    return Statbank(regnskab=regnskab, befolkning=befolkning,
                    kilder=(regnskab_path, folk_path), noter=tuple(notes))
