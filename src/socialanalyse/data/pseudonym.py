"""Finding and replacing CPR numbers in loaded text columns, before anything else sees them.

A CPR number is DDMMYY-SSSS with or without the dash (`privacy.CPR_PATTERN`). A cell that is
a CPR number becomes its pseudonym (`privacy.pseudonymise`, keyed HMAC-SHA256); a CPR number
inside free text is replaced by its pseudonym in place. The same number gives the same
pseudonym in every table, so foreign keys (borger_id) still match after pseudonymisation.

A pseudonym ('P' + 16 hex digits) can by chance contain ten decimal digits in a row that
look like a CPR number (P544bdb2008143362). Those are pseudonyms, not CPR numbers: tokens of
the pseudonym form are skipped, so already pseudonymised data loads without a key.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..privacy import pseudonymise

_CPR = r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}"
# RE2 (pyarrow) has no look-around: a quick, slightly wide first pass over distinct values.
_CPR_ROUGH = rf"(?:^|\D){_CPR}(?:\D|$)"
# Python re confirms: a pseudonym token is matched first (and kept), else a CPR number. The
# token needs no boundary: a CPR number written in place inside free text ('0505500050a')
# leaves its pseudonym glued to the letters around it ('P2007024908db4e88a').
_TOKEN = re.compile(rf"(P[0-9a-f]{{16}})|(?<!\d)({_CPR})(?!\d)")

#: What a pseudonym looks like (privacy.pseudonymise).
PSEUDONYM = re.compile(r"P[0-9a-f]{16}")


def contains_cpr(text: str) -> bool:
    """True when a text holds a CPR number outside pseudonym tokens."""
    return any(m.group(2) for m in _TOKEN.finditer(text))


def has_cpr(text: pd.Series) -> pd.Series:
    """Mask of the cells of a text column that contain a CPR number anywhere."""
    if text.empty:
        return pd.Series(False, index=text.index)
    # Match the distinct values only: id and code columns repeat a lot in big tables.
    encoded = pc.dictionary_encode(pa.chunked_array(pa.array(text.astype("str"))))
    encoded = encoded.unify_dictionaries()
    if encoded.num_chunks == 0:
        return pd.Series(False, index=text.index)
    dictionary = encoded.chunk(0).dictionary
    rough = pc.fill_null(pc.match_substring_regex(dictionary, _CPR_ROUGH), False)
    if not pc.any(rough).as_py():
        return pd.Series(False, index=text.index)
    candidates = pc.filter(dictionary, rough).to_pylist()
    confirmed = {c for c in candidates if contains_cpr(c)}
    if not confirmed:
        return pd.Series(False, index=text.index)
    found = pc.is_in(dictionary, pa.array(sorted(confirmed), dictionary.type))
    indices = pa.chunked_array([c.indices for c in encoded.chunks])
    mask = pc.fill_null(pc.take(found, indices), False)
    return pd.Series(mask.to_numpy(zero_copy_only=False), index=text.index)


def replace_cpr(text: pd.Series, key: bytes, mask: pd.Series | None = None) -> pd.Series:
    """The column with every CPR number replaced by its pseudonym (only masked cells are
    touched; each distinct cell is rewritten once)."""
    mask = has_cpr(text) if mask is None else mask
    if not mask.any():
        return text
    cells = pd.unique(text[mask].to_numpy())
    tokens = sorted({m.group(2) for c in cells for m in _TOKEN.finditer(c) if m.group(2)})
    pseudonyms = dict(zip(tokens, pseudonymise(pd.Series(tokens, dtype=object), key)))

    def swap(m: re.Match) -> str:
        return pseudonyms[m.group(2)] if m.group(2) else m.group(0)

    rewritten = {c: _TOKEN.sub(swap, c) for c in cells}
    out = text.copy()
    out[mask] = text[mask].map(rewritten)
    return out
