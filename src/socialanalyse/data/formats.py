"""Danish value formats, parsed vectorised: numbers, dates, flags, text and header names.

Every parser takes one raw column (text from CSV; typed values from Excel or Parquet) and
returns the parsed values plus a boolean mask of the cells it could not parse, so the loader
can report every failing row at once. Work is done with pandas/pyarrow string kernels, or
on the distinct values only (dates, flags, codes), never cell by cell over a big column.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# --- text -----------------------------------------------------------------------------------

_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "u", "ö": "oe",
                           "ä": "ae"})


def header_key(name: object) -> str:
    """A lenient key for matching column headers: lower case, æøå spelt out, only a-z0-9.

    'Fødselsår', 'foedselsaar' and 'Fødsels-år ' all give 'foedselsaar'; 'Borger-ID' and
    'borger_id' both give 'borgerid'.
    """
    text = unicodedata.normalize("NFC", str(name)).strip().lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]", "", text)


def as_text(values: pd.Series) -> pd.Series:
    """Any raw column as stripped text (dtype str) with empty cells as missing.

    Whole numbers from Excel or Parquet (1234.0) become '1234', not '1234.0'; dates become ISO.
    """
    if pd.api.types.is_bool_dtype(values):
        values = values.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(values):
        values = values.astype("Int64").astype("str")
    elif pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0)
        values = values.astype("str").where(
            ~whole, values.where(whole).astype("Int64").astype("str"))
    elif pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    elif values.dtype == object:
        values = values.map(_cell_text, na_action="ignore")
    # ASCII whitespace only: the Unicode-aware trim is four times slower on big columns.
    arr = pc.ascii_trim_whitespace(_arrow(values))
    return _series(pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr), values.index)


def _arrow(values: pd.Series) -> pa.Array:
    """A text column as a pyarrow string array (zero-copy for pandas' str dtype)."""
    if not (pd.api.types.is_string_dtype(values) and values.dtype != object):
        values = values.astype("str")
    return pa.array(values)


def _one_chunk(arr):
    """A plain pyarrow Array (some kernels and struct fields need one, not a ChunkedArray)."""
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _series(arr, index) -> pd.Series:
    """A pyarrow string array back as a pandas str Series."""
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def _cell_text(value: object) -> object:
    # Excel cells arrive as Python objects; the sheet is at most ~1M rows, so this is cheap.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text
    return str(value)


def _on_distinct(text: pd.Series, func) -> pd.Series:
    """Apply `func` (Series -> Series) to the distinct non-missing values and spread back."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = func(pd.Series(uniques, dtype=text.dtype if len(uniques) else "str"))
    out = mapped.to_numpy()[np.where(codes < 0, 0, codes)] if len(uniques) else None
    result = pd.Series(out, index=text.index) if out is not None else pd.Series(
        [None] * len(text), index=text.index, dtype=object)
    missing = codes < 0
    if missing.any():
        result = result.astype(object)
        result[missing] = None
    return result


def normalise_text(text: pd.Series) -> pd.Series:
    """Unicode-normalise short categorical text (NFC, so 'ø' typed on a Mac matches)."""
    return _on_distinct(text, lambda u: u.str.normalize("NFC")).astype("str")


# --- paragraphs -----------------------------------------------------------------------------

#: The names extracts give the laws, as header_key spells them, and the law they mean.
_LAWS = {
    "": "SEL", "sel": "SEL", "servicelov": "SEL", "serviceloven": "SEL", "servicelovens": "SEL",
    "lovomsocialservice": "SEL",
    "bl": "BL", "barnetslov": "BL", "barnetslovs": "BL",
    "abl": "ABL", "almenboliglov": "ABL", "almenboligloven": "ABL", "almenboliglovens": "ABL",
    "lovomalmeneboliger": "ABL",
}
_PARAGRAPH_KEY = re.compile(r"^([a-z]*?)(\d+(?:[a-z](?![a-z]))?)(?:stk\d+)?(?:nr\d+)?(.*)$")


def paragraph(value: str, allowed) -> str | None:
    """The catalogue paragraph a written legal basis names, or None.

    'SEL § 108', 'Servicelovens § 108', 'Lov om social service § 108' and '§ 108' give
    '§108'; 'Barnets lov § 32' and 'BL § 32' give 'BL §32'; 'ABL § 105' and
    'ABL § 105 / SEL § 85' give '§105+§85' (almen bolig with support). `allowed` holds the
    catalogue's paragraphs; a paragraph not in it gives None.
    """
    match = _PARAGRAPH_KEY.match(header_key(value))
    if match is None or match[1] not in _LAWS:
        return None
    law, number, rest = _LAWS[match[1]], match[2], match[3]
    if law == "ABL" and number == "105" and rest in ("", "sel85", "medsel85", "ogsel85", "85"):
        found = "§105+§85"
    elif rest:
        return None
    else:
        found = f"BL §{number}" if law == "BL" else f"§{number}" if law == "SEL" else None
    return found if found in set(allowed) else None


# --- numbers --------------------------------------------------------------------------------

#: Danish: thousand dots (optional) and a decimal comma: 1.234,50 or 1234,5 or 1.234.
_DANISH_NUMBER = r"[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
#: A decimal point and no thousand separators: 1234.50.
_POINT_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_THOUSANDS_ONLY = r"[-+]?\d{1,3}(?:\.\d{3})+"


def _clean_amounts(arr: pa.Array) -> pa.Array:
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, r"(?i)^kr\.?|kr\.?$", "")
    arr = pc.replace_substring_regex(arr, "[\\s\u00a0\u202f']", "")
    arr = pc.replace_substring(arr, "\u2212", "-")
    return pc.replace_substring_regex(arr, r"^([\d.,]+)-$", r"-\1")


def parse_numbers(values: pd.Series, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of amounts: returns (float values, mask of unparseable cells).

    Accepts 1.234,50 / 1234,50 / 1.234 (thousand dots) / 1234.50 (a decimal point, when the
    column has no commas and its dots are not thousand groups), spaces as thousand
    separators, 'kr.', a Unicode minus and a trailing minus (1.234,50-) as some finance
    systems write it. Empty cells are missing, not errors. With `integer`, decimals are errors.
    Vectorised with pyarrow compute kernels (RE2), so tens of millions of rows are fine.
    """
    index = values.index
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=index), values.notna()
    if pd.api.types.is_numeric_dtype(values):
        out = values.astype("float64")
        bad = pd.Series(False, index=index)
    else:
        numeric = None
        if values.dtype == object:  # Excel: numbers stay numbers, text is parsed below
            is_num = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
            numeric = pd.to_numeric(values.where(is_num), errors="coerce")
            values = values.where(~is_num, None)
        arr = pc.ascii_trim_whitespace(_arrow(values))
        present = pc.fill_null(pc.not_equal(arr, ""), False)
        danish = pc.any(pc.match_substring(arr, ",")).as_py() or False
        if not danish:
            dotted = pc.fill_null(pc.match_substring(arr, "."), False)
            if pc.any(dotted).as_py():
                thousands = pc.match_substring_regex(arr, f"^{_THOUSANDS_ONLY}$")
                danish = pc.all(pc.filter(thousands, dotted)).as_py() or False
        pattern = f"^{_DANISH_NUMBER}$" if danish else f"^{_POINT_NUMBER}$"
        ok = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
        retry = pc.and_(present, pc.invert(ok))
        if pc.any(retry).as_py():
            # Unusual writing (kr., spaces, minus signs) is rare: clean only those cells.
            arr, ok, retry = _one_chunk(arr), _one_chunk(ok), _one_chunk(retry)
            cleaned = _clean_amounts(pc.filter(arr, retry))
            arr = pc.replace_with_mask(arr, retry, cleaned)
            ok = pc.replace_with_mask(
                ok, retry, pc.fill_null(pc.match_substring_regex(cleaned, pattern), False))
        if danish:
            if pc.any(pc.match_substring(arr, ".")).as_py():
                arr = pc.replace_substring(arr, ".", "")
            arr = pc.replace_substring(arr, ",", ".")
        number = pc.cast(pc.if_else(ok, arr, pa.scalar(None, arr.type)), pa.float64())
        out = pd.Series(number.to_numpy(zero_copy_only=False), index=index, dtype="float64")
        bad = pd.Series(pc.and_(present, pc.invert(ok)).to_numpy(zero_copy_only=False),
                        index=index)
        if numeric is not None:
            out = out.fillna(numeric)
    if integer:
        fractional = out.notna() & (out % 1 != 0)
        bad = bad | fractional
        out = out.where(~fractional)
    return out, bad.astype(bool)


# --- dates ----------------------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}$",
    rf"^(?P<d>\d{{1,2}})[-./](?P<m>\d{{1,2}})[-./](?P<y>\d{{4}}){_TIME}$",
)
_MONTH_PATTERNS = (r"^(?P<y>\d{4})-(?P<m>\d{1,2})$", r"^(?P<m>\d{1,2})[-./](?P<y>\d{4})$")


#: The days pandas can hold (datetime64[ns]): 1677-09-22 to 2262-04-11.
FIRST_DAY = pd.Timestamp.min.ceil("D")
LAST_DAY = pd.Timestamp.max.floor("D")


class Dates(NamedTuple):
    """A parsed date column and its masks (all aligned with the input)."""

    values: pd.Series  # datetime64[ns], NaT where empty or not a usable date
    bad: pd.Series  # not a date at all ('i går', '2025-13')
    impossible: pd.Series  # the shape of a date, but no such day (31-02-2025)
    far: pd.Series  # a real day after 2262-04-11, which pandas cannot hold: in an end-date
    # column the usual placeholder for 'open' (31-12-9999)
    early: pd.Series  # a real day before 1677-09-22 (pandas cannot hold it either)


def _parse_date_text(uniques: pd.Series, fmt: str | None, month: bool) -> pd.DataFrame:
    """Parse distinct date texts: columns 'dato' (datetime, NaT unless usable), 'form' (the
    shape of a date), 'far' and 'early' (a real day after / before pandas' range)."""
    if fmt:
        return _parse_with_format(uniques, fmt)
    arr = _one_chunk(pa.array(uniques, type=pa.string()))
    null = pa.scalar(None, pa.string())
    parts = {"y": pa.nulls(len(arr), pa.string()), "m": pa.nulls(len(arr), pa.string()),
             "d": pa.nulls(len(arr), pa.string())}
    for pattern in _DATE_PATTERNS + (_MONTH_PATTERNS if month else ()):
        found = pc.extract_regex(arr, pattern)
        hit = pc.fill_null(pc.is_valid(found), False)
        for name, current in list(parts.items()):
            field = found.field(name) if "?P<" + name in pattern else pa.array(
                ["1"] * len(arr), pa.string())  # a month alone: its first day
            parts[name] = pc.coalesce(current, pc.if_else(hit, field, null))
    form = pc.is_valid(parts["y"])
    iso = pc.binary_join_element_wise(parts["y"], pc.utf8_lpad(parts["m"], 2, "0"),
                                      pc.utf8_lpad(parts["d"], 2, "0"), "-")
    # Seconds reach year 9999, so a far placeholder parses and is told from a typo.
    stamp = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2025-02-31 over into March: keep only dates that read back the same.
    same = pc.fill_null(pc.and_(pc.equal(pc.day(stamp), pc.cast(parts["d"], pa.int64())),
                                pc.equal(pc.month(stamp), pc.cast(parts["m"], pa.int64()))),
                        False)
    far = pc.and_(same, pc.fill_null(
        pc.greater(stamp, pa.scalar(LAST_DAY.to_pydatetime(), stamp.type)), False))
    early = pc.and_(same, pc.fill_null(
        pc.less(stamp, pa.scalar(FIRST_DAY.to_pydatetime(), stamp.type)), False))
    usable = pc.and_(same, pc.invert(pc.or_(far, early)))
    stamp = pc.if_else(usable, stamp, pa.scalar(None, stamp.type))
    return pd.DataFrame({
        "dato": stamp.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
        .astype("datetime64[ns]"),
        "form": form.to_numpy(zero_copy_only=False),
        "far": far.to_numpy(zero_copy_only=False),
        "early": early.to_numpy(zero_copy_only=False),
    })


def _parse_with_format(uniques: pd.Series, fmt: str) -> pd.DataFrame:
    import datetime as dt

    parsed = pd.to_datetime(uniques, format=fmt, errors="coerce")
    far, early = _outside(parsed)  # pandas 3 parses year 9999 (at a coarser unit)
    for i in uniques.index[parsed.isna()]:  # pandas 2 gives NaT: try the few that failed
        try:
            day = dt.datetime.strptime(uniques[i], fmt)
        except ValueError:
            continue
        far[i], early[i] = day > LAST_DAY.to_pydatetime(), day < FIRST_DAY.to_pydatetime()
    dato = parsed.where(~(far | early)).astype("datetime64[ns]")
    return pd.DataFrame({"dato": dato, "form": dato.notna() | far | early, "far": far,
                         "early": early})


def _outside(dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates (of any resolution) after / before the days datetime64[ns] can hold."""
    present = dates.notna()
    return ((present & (dates > LAST_DAY)).astype(bool),
            (present & (dates < FIRST_DAY)).astype(bool))


def parse_dates(values: pd.Series, fmt: str | None = None, month: bool = False) -> Dates:
    """Parse a date column: returns `Dates` (values and the masks bad, impossible, beyond).

    Accepts 31-12-2025, 31.12.2025, 31/12/2025, ISO 2025-12-31 (with or without a time of
    day), Excel date cells, and with `month` also 2025-12 and 12-2025 (first of the month).
    `fmt` (a strftime format, e.g. '%d-%m-%y') replaces the detection. 'impossible' marks
    dates of the right shape that do not exist, like 31-02-2025; 'far' and 'early' real days
    pandas cannot hold, like the open-ended placeholder 31-12-9999 (their values are NaT).
    """
    index = values.index
    none = pd.Series(False, index=index)
    if pd.api.types.is_datetime64_any_dtype(values):  # Parquet
        out = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        far, early = _outside(out)
        out = out.where(~(far | early)).astype("datetime64[ns]").dt.normalize()
        return Dates(out, none, none, far, early)
    text = as_text(values)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    table = _parse_date_text(pd.Series(uniques, dtype="str"), fmt, month)
    take = np.where(codes < 0, 0, codes)
    missing = codes < 0
    if len(table):
        dato = table["dato"].to_numpy(dtype="datetime64[ns]")[take]
        form = table["form"].to_numpy(dtype=bool)[take]
        far = table["far"].to_numpy(dtype=bool)[take] & ~missing
        early = table["early"].to_numpy(dtype=bool)[take] & ~missing
        dato[missing] = np.datetime64("NaT")
    else:
        dato = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
        form = far = early = np.zeros(len(text), dtype=bool)
    ok = ~np.isnat(dato)
    bad = ~missing & ~form
    impossible = ~missing & form & ~ok & ~far & ~early
    out = pd.Series(dato, index=index).dt.normalize()
    return Dates(out, *(pd.Series(a, index=index) for a in (bad, impossible, far, early)))


# --- flags ----------------------------------------------------------------------------------

TRUE_WORDS = ("ja", "j", "sand", "true", "1", "x", "yes", "y")
FALSE_WORDS = ("nej", "n", "falsk", "false", "0", "no")


def parse_flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ja/nej, sand/falsk, 1/0, true/false and x/blank: returns (bools, unparseable mask).

    A blank cell means False only in an x/blank column (every filled cell is 'x'); elsewhere
    it stays missing, so a required flag that is left empty is reported.
    """
    text = as_text(values)
    lower = _on_distinct(text, lambda u: u.str.lower())
    filled = lower.notna()
    mapping = {**{w: True for w in TRUE_WORDS}, **{w: False for w in FALSE_WORDS}}
    mapped = lower.map(mapping)
    bad = filled & mapped.isna()
    out = mapped.astype(object)
    if filled.any() and lower[filled].eq("x").all():
        out = out.where(filled, False)
    return out, bad


# --- messages -------------------------------------------------------------------------------

EXPECTED = {
    "float": "et beløb som 1.234,50",
    "int": "et helt tal som 1.234",
    "date": "en dato som 31-12-2025, 31.12.2025 eller 2025-12-31",
    "month": "en måned som 01-12-2025, 2025-12 eller 12-2025",
    "bool": "ja/nej, sand/falsk, 1/0, true/false eller x/tom",
}


def shown(value: object, width: int = 40) -> str:
    """A cell value quoted for a message, shortened if long."""
    text = str(value)
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def antal(n: int, one: str, many: str) -> str:
    """A count with its noun in Danish singular or plural: '1 række', '3 rækker'."""
    return f"{n} {one if n == 1 else many}"


def kr(amount: float) -> str:
    """An amount as Danish kroner with two decimals: 1.234.567,50 kr."""
    text = f"{amount:,.2f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} kr."


def rows_shown(rows, first_row: int = 2, limit: int = 10) -> str:
    """Data-row positions as the rows a spreadsheet shows: 'række 5' or 'rækkerne 5, 9 …'."""
    rows = [int(r) + first_row for r in rows]
    shown = ", ".join(map(str, rows[:limit])) + (" …" if len(rows) > limit else "")
    return f"{'række' if len(rows) == 1 else 'rækkerne'} {shown}"

