"""Reading one extract file (CSV, Excel, Parquet) into raw columns, read-only.

The result (`Raw`) keeps the extract's own headers and one row per data row, indexed by the
row's position after the header, plus the spreadsheet row number of the first data row, so
a problem in position i is shown as `first_row + i`, the row the analyst sees in Excel.

CSV: separator and encoding are detected (UTF-8 with or without BOM, UTF-16 with BOM,
Windows-1252) unless the parameters fix them; title lines above the header are skipped.
Excel: the header row is found among the first rows, and merged header cells are read as
the text of the merged range (a cell merged over a two-row header gives 'Øverst Nederst').
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from .formats import antal, header_key

HEAD_BYTES = 1 << 20  # bytes sampled for detecting encoding, separator and header
HEADER_SEARCH_ROWS = 30
SEPARATORS = (";", "\t", ",", "|")
SEPARATOR_NAMES = {";": "semikolon (;)", "\t": "tabulator", ",": "komma (,)", "|": "lodret streg (|)"}


class LaeseFejl(Exception):
    """A file that cannot be read; `row` is the spreadsheet row when known."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass
class Raw:
    """The raw columns of one extract (headers as in the file)."""

    frame: pd.DataFrame
    first_row: int = 2  # spreadsheet row of the first data row (header = the row above)
    notes: list[str] = field(default_factory=list)  # Danish, non-fatal
    ignored: list[str] = field(default_factory=list)  # headers not read (not asked for)
    headers: list[str] = field(default_factory=list)  # every header in the file, in order
    encoding: str | None = None
    separator: str | None = None


def read(path: Path, expected: list[str], *, sheet: str | None = None,
         separator: str | None = None, encoding: str | None = None,
         usecols: bool = True) -> Raw:
    """Read one file. `expected` are the headers the mapping looks for (used to find the
    header row); with `usecols`, CSV and Parquet read only those columns when present."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw = read_excel(path, expected, sheet)
    elif suffix == ".parquet":
        raw = read_parquet(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        raw = read_csv(path, expected, separator, encoding, usecols)
    else:
        raise LaeseFejl(
            f"filtypen {path.suffix!r} kan ikke læses: brug .csv, .xlsx eller .parquet "
            "(gem fx et gammelt .xls-ark som .xlsx i Excel)"
        )
    raw.frame = _drop_unnamed_empty(raw.frame)
    return raw


def _drop_unnamed_empty(frame: pd.DataFrame) -> pd.DataFrame:
    # A trailing separator or an empty Excel column gives a column without header or values.
    drop = [c for c in frame.columns
            if (c is None or str(c).strip() == "" or str(c).startswith("Unnamed"))
            and frame[c].isna().all() | frame[c].astype("str").str.strip().eq("").all()]
    return frame.drop(columns=drop)


# --- CSV ------------------------------------------------------------------------------------

_UNDEFINED_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def detect_encoding(head: bytes) -> str:
    """The encoding of a file from its first bytes (BOM, UTF-8 validity, else Windows-1252)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise LaeseFejl(
            "filen kan ikke læses som tekst (den indeholder nul-tegn: måske UTF-16 uden "
            "BOM eller en binær fil). Gem den som CSV (UTF-8) eller CSV (semikolonsepareret) "
            "fra Excel"
        )
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the sample's end
            return "utf-8"
    if _UNDEFINED_CP1252.search(head):
        raise LaeseFejl(
            "filens tegnsæt kan ikke genkendes (hverken UTF-8 eller Windows-1252). Gem den "
            "som CSV UTF-8 fra Excel, eller angiv tegnsættet under 'encoding' i parametrene"
        )
    return "cp1252"


def _lines(text: str) -> list[str]:
    # Split on line feeds only, as the CSV reader does (splitlines also splits on \f etc.).
    n = HEADER_SEARCH_ROWS + 5
    return [line.rstrip("\r") for line in text.split("\n", n)[:n]]


def detect_separator(lines: list[str]) -> str | None:
    """The separator used consistently in the first lines: ; tab , | (in that preference)."""
    sample = [line for line in lines if line.strip()][:20]
    if not sample:
        return None
    best, best_count = None, 0
    for sep in SEPARATORS:
        counts = [line.count(sep) for line in sample]
        # Use the most common count over the sample (title lines may differ).
        mode = max(set(counts), key=counts.count)
        if mode > best_count:
            best, best_count = sep, mode
    return best


def find_header(rows: list[list[str]], expected: list[str]) -> int:
    """The index of the header row: the first row matching most expected headers (else the
    first non-empty row)."""
    keys = {header_key(e) for e in expected}
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = sum(1 for cell in row if cell is not None and header_key(cell) in keys)
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return best
    return next((i for i, row in enumerate(rows) if any(c not in (None, "") for c in row)), 0)


def read_csv(path: Path, expected: list[str], separator: str | None, encoding: str | None,
             usecols: bool = True) -> Raw:
    """Read a CSV file read-only with pyarrow, every column as text."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise LaeseFejl("filen er tom")
    enc = encoding or detect_encoding(head)
    try:
        text = head.decode(enc, errors="strict" if len(head) < HEAD_BYTES else "ignore")
    except (UnicodeDecodeError, LookupError) as exc:
        raise _encoding_error(path, enc, exc) from None
    text = text.lstrip("\ufeff")
    lines = _lines(text)
    detected = detect_separator(lines)
    sep = separator or detected
    if sep is None or (separator is None and detected is None):
        raise LaeseFejl("kan ikke finde separatoren: filen har kun én kolonne. Brug semikolon "
                        "(;) mellem kolonnerne, eller angiv 'separator' i parametrene")
    rows = [_split(line, sep) for line in lines]
    header_index = find_header(rows, expected)
    header = rows[header_index] if rows else []
    if separator and len(header) <= 1 and detected and detected != separator:
        raise LaeseFejl(
            f"parametrene angiver separator {SEPARATOR_NAMES.get(separator, repr(separator))}, "
            f"men filen bruger {SEPARATOR_NAMES.get(detected, repr(detected))}: ret 'separator' "
            "i parametrene eller gem filen igen", row=header_index + 1)
    if len(header) <= 1 and len(expected) > 1:
        raise LaeseFejl(
            f"filen ser ud til kun at have én kolonne med separatoren "
            f"{SEPARATOR_NAMES.get(sep, repr(sep))}: tjek separatoren (';' er dansk standard)",
            row=header_index + 1)
    names = [h.strip() for h in header]
    wanted = {header_key(e) for e in expected}
    # A repeated header matters only when it is one we need (which one would be meant?).
    dupes = sorted({n for n in names if n and names.count(n) > 1 and header_key(n) in wanted})
    if dupes:
        raise LaeseFejl(f"kolonneoverskriften {', '.join(map(repr, dupes))} findes flere gange",
                        row=header_index + 1)
    include = [h for h in header if header_key(h) in wanted] if usecols else None
    ignored = [n for n in dict.fromkeys(names) if n and header_key(n) not in wanted]
    bad_rows: list[tuple[int | None, int, int]] = []

    def invalid(row) -> str:
        bad_rows.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def attempt(threads: bool) -> pa.Table:
        bad_rows.clear()
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if enc in ("utf-8", "utf8") else enc,
                skip_rows=header_index, use_threads=threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, ignore_empty_lines=False, invalid_row_handler=invalid,
                newlines_in_values='"' in text),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                include_columns=include or None, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )

    try:
        table = attempt(threads=True)
        if bad_rows and any(n is None for n, _, _ in bad_rows):
            table = attempt(threads=False)  # only single-threaded reads know line numbers
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) and encoding is None and enc == "utf-8":
            return read_csv(path, expected, separator, "cp1252", usecols)
        if "UTF8" in str(exc) or "decode" in str(exc).lower():
            raise _encoding_error(path, enc, exc) from None
        raise LaeseFejl("filen kan ikke læses som CSV (tjek, at det er en tekstfil med "
                        f"semikolon mellem kolonnerne). Læserens besked: {exc}") from None
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, enc, exc) from None
    if bad_rows:
        shown = ", ".join(
            f"række {n} har {a} felter" for n, e, a in bad_rows[:10] if n is not None)
        more = f" og {len(bad_rows) - 10} flere" if len(bad_rows) > 10 else ""
        raise LaeseFejl(
            f"{antal(len(bad_rows), 'række', 'rækker')} har et andet antal felter end "
            f"overskriften "
            f"({bad_rows[0][1]}): {shown}{more}. Tjek separatoren "
            f"({SEPARATOR_NAMES.get(sep, repr(sep))}) og anførselstegn",
            row=bad_rows[0][0])
    frame = table.to_pandas()
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(len(frame))
    return Raw(frame, first_row=header_index + 2, encoding=enc, separator=sep,
               ignored=ignored if usecols else [], headers=[n for n in names if n])


def _split(line: str, sep: str) -> list[str]:
    """The cells of one CSV line (quotes respected)."""
    import csv

    return next(csv.reader([line], delimiter=sep), [])


def _encoding_error(path: Path, enc: str, exc: Exception) -> LaeseFejl:
    row = None
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc) or "decode" in str(exc):
        # Find the first line that does not decode, so the message can point at it.
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                try:
                    line.decode(enc)
                except (UnicodeDecodeError, LookupError):
                    row = number
                    break
    where = f" (første fejl i række {row})" if row else ""
    return LaeseFejl(
        f"filen kan ikke læses med tegnsættet {enc!r}{where}. Gem den som CSV UTF-8 fra "
        "Excel, eller ret 'encoding' i parametrene (fx cp1252 for Windows-1252)", row=row)


# --- Excel ----------------------------------------------------------------------------------


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def scan_sheet(path: Path, sheet: str) -> tuple[list[tuple[int, int, int, int]],
                                                 list[tuple[int, int]]]:
    """What openpyxl's fast read-only mode does not tell, read from the sheet XML directly:
    the merged ranges as (min_row, min_col, max_row, max_col) and the formula cells without a
    stored value as (row, col), all 1-based.

    A formula cell without a stored value is one a program wrote and Excel never calculated
    (openpyxl would read it as empty). A formula whose stored result is the empty text has
    t="str" and is not one of them.
    """
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    main = f"{{{ns['m']}}}"
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rid = next((s.get(f"{{{ns['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", ns)
                    if s.get("name") == sheet), None)
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
        if target is None:
            return [], []
        target = target.lstrip("/")
        member = target if target.startswith("xl/") else f"xl/{target}"
        merges, uncached = [], []
        # iterparse, clearing each row once read, keeps memory low on big sheets.
        with zf.open(member) as fh:
            for _, elem in ElementTree.iterparse(fh):
                tag = elem.tag
                if tag == f"{main}c":
                    if elem.find(f"{main}f") is not None and elem.get("t") != "str":
                        value = elem.find(f"{main}v")
                        if value is None or not value.text:
                            uncached.append(coordinate_to_tuple(elem.get("r")))
                elif tag == f"{main}row":
                    elem.clear()
                elif tag == f"{main}mergeCell":
                    c1, r1, c2, r2 = range_boundaries(elem.get("ref"))
                    merges.append((r1, c1, r2, c2))
        return merges, uncached


def _header_names(rows: list[tuple], merges: list[tuple[int, int, int, int]], r: int,
                  width: int) -> list[str]:
    """Column names if row r (0-based) is the header: merged cells give their range's text,
    and a horizontally merged cell in the row above is put in front ('Periode Start')."""

    def value(row: int, col: int) -> object:  # 0-based row/col, merges resolved
        for r1, c1, r2, c2 in merges:
            if r1 - 1 <= row <= r2 - 1 and c1 - 1 <= col <= c2 - 1:
                row, col = r1 - 1, c1 - 1
                break
        cells = rows[row] if row < len(rows) else ()
        return cells[col] if col < len(cells) else None

    def spans(row: int, col: int) -> bool:
        return any(r1 - 1 <= row <= r2 - 1 and c1 - 1 <= col <= c2 - 1 and c2 > c1
                   for r1, c1, r2, c2 in merges)

    names = []
    for col in range(width):
        lower = value(r, col)
        upper = value(r - 1, col) if r > 0 and spans(r - 1, col) else None
        lower_text = "" if lower is None else str(lower).strip()
        upper_text = "" if upper is None else str(upper).strip()
        if upper_text and lower_text and upper_text != lower_text:
            names.append(f"{upper_text} {lower_text}")
        else:
            names.append(lower_text or upper_text)
    return names


def read_excel(path: Path, expected: list[str], sheet: str | None) -> Raw:
    """Read one sheet of an .xlsx workbook read-only (openpyxl), values as Excel holds them."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError):
        # openpyxl's own text ("File is not a zip file") tells an analyst nothing.
        raise LaeseFejl(
            "filen kan ikke åbnes som Excel-projektmappe (.xlsx): den er ikke en gyldig "
            ".xlsx-fil (måske en gammel .xls-fil, en CSV-fil med endelsen .xlsx, eller en "
            "beskadiget fil). Åbn den i Excel, og gem den som Excel-projektmappe (.xlsx)"
        ) from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise LaeseFejl(
                f"arket {sheet!r} findes ikke; projektmappen har arkene "
                f"{', '.join(map(repr, wb.sheetnames))}")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        title = ws.title
        rows = [tuple(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        wb.close()
    if not rows or all(all(c in (None, "") for c in r) for r in rows):
        raise LaeseFejl(f"arket {title!r} er tomt")
    width = max(len(r) for r in rows)
    merges, uncached = scan_sheet(path, title)
    keys = {header_key(e) for e in expected}
    best, best_score = None, 0
    for r in range(min(HEADER_SEARCH_ROWS, len(rows))):
        names = _header_names(rows, merges, r, width)
        lowers = [str(c).strip() if c is not None else "" for c in
                  (rows[r] + (None,) * (width - len(rows[r])))]
        score = sum(1 for n, low in zip(names, lowers)
                    if header_key(n) in keys or header_key(low) in keys)
        if score > best_score:
            best, best_score = r, score
    if best is None:
        best = next(i for i, r in enumerate(rows) if any(c not in (None, "") for c in r))
    names = _header_names(rows, merges, best, width)
    # Per column: the form the mapping looks for, else the bottom text when it is unique
    # (a merged title row above is not part of the name), else the combined name.
    bottom = [str(c).strip() if c is not None else "" for c in
              (rows[best] + (None,) * (width - len(rows[best])))]
    names = [full if header_key(full) in keys
             else low if low and bottom.count(low) == 1
             else full
             for full, low in zip(names, bottom)]
    names = [n if n else f"Unnamed: {i}" for i, n in enumerate(names)]
    dupes = sorted({n for n in names if names.count(n) > 1 and header_key(n) in keys})
    if dupes:
        raise LaeseFejl(f"kolonneoverskriften {', '.join(map(repr, dupes))} findes flere gange",
                        row=best + 1)
    _refuse_uncached(uncached, names, keys, best, title)
    data = [list(r) + [None] * (width - len(r)) for r in rows[best + 1:]]
    filled = _fill_merged_data(data, merges, first=best + 1)
    frame = pd.DataFrame(data, columns=names, dtype=object)
    frame = frame.loc[:, ~pd.Index(names).duplicated()]
    ignored = [n for n in dict.fromkeys(names)
               if header_key(n) not in keys and not n.startswith("Unnamed: ")]
    notes = []
    if best > 0:
        notes.append(f"overskriften står i række {best + 1}; rækkerne over den er sprunget over")
    if filled:
        notes.append(f"{antal(filled, 'flettet celle', 'flettede celler')} i data er udfyldt "
                     f"med den flettede celles værdi")
    return Raw(frame, first_row=best + 2, ignored=ignored, notes=notes,
               headers=[n for n in names if not n.startswith("Unnamed: ")])


def _refuse_uncached(cells: list[tuple[int, int]], names: list[str], keys: set[str],
                     header: int, sheet: str) -> None:
    """Formula cells without a stored value in the columns read, below the header: an error
    (read as empty they would silently lose data)."""
    from openpyxl.utils.cell import get_column_letter

    read = {i + 1 for i, n in enumerate(names) if header_key(n) in keys}
    found = [(r, c) for r, c in cells if r > header + 1 and c in read]
    if not found:
        return
    shown = ", ".join(f"{get_column_letter(c)}{r}" for r, c in found[:10])
    more = " …" if len(found) > 10 else ""
    raise LaeseFejl(
        f"arket {sheet!r} har {antal(len(found), 'celle', 'celler')} med en formel uden "
        f"gemt værdi ({'celle' if len(found) == 1 else 'cellerne'} {shown}{more}): filen er "
        "skrevet af et program og aldrig regnet igennem i Excel, så værdien findes ikke i "
        "filen. Åbn filen i Excel, og gem den (så gemmes formlernes værdier), eller gem arket "
        "som CSV, og kør igen", row=found[0][0])


def _fill_merged_data(data: list[list], merges, first: int) -> int:
    """Give every cell of a merged range below the header the range's value (Excel shows the
    value in all of them; openpyxl only in the top-left cell). Returns the cells filled."""
    filled = 0
    for r1, c1, r2, c2 in merges:
        top, left = r1 - 1 - first, c1 - 1  # 0-based in `data`
        if top < 0 or top >= len(data):
            continue
        value = data[top][left]
        for row in range(top, min(r2 - first, len(data))):
            for col in range(left, c2):
                if (row, col) != (top, left) and data[row][col] is None:
                    data[row][col] = value
                    filled += 1
    return filled


# --- Parquet --------------------------------------------------------------------------------


def read_parquet(path: Path) -> Raw:
    """Read a Parquet file; its columns keep their types (text columns are parsed as text)."""
    import pyarrow as pa

    try:
        frame = pd.read_parquet(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise LaeseFejl("filen kan ikke læses som Parquet (den er måske beskadiget eller "
                        f"ikke en Parquet-fil). Læserens besked: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return Raw(frame.reset_index(drop=True), first_row=2, headers=list(frame.columns))
