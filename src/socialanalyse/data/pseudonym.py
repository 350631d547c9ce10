"""Finding and replacing CPR numbers in loaded text columns, before anything else sees them.

A CPR number is DDMMYY-SSSS with or without the dash (`privacy.CPR_PATTERN`). A cell that is
a CPR number becomes its pseudonym (`privacy.pseudonymise`, keyed HMAC-SHA256); a CPR number
inside free text is replaced by its pseudonym in place. The same number gives the same
pseudonym in every table, so foreign keys (borger_id) still match after pseudonymisation.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..privacy import pseudonymise

# RE2 (pyarrow) has no look-behind, so the boundaries are matched as (^|non-digit).
_CPR_ANYWHERE = r"(?:^|\D)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?:\D|$)"
_CPR_TOKEN = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")


def has_cpr(text: pd.Series) -> pd.Series:
    """Mask of the cells of a text column that contain a CPR number anywhere."""
    if text.empty:
        return pd.Series(False, index=text.index)
    found = pc.fill_null(pc.match_substring_regex(pa.array(text.astype("str")), _CPR_ANYWHERE),
                         False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index)


def replace_cpr(text: pd.Series, key: bytes, mask: pd.Series | None = None) -> pd.Series:
    """The column with every CPR number replaced by its pseudonym (only masked cells are
    touched; each distinct cell is rewritten once)."""
    mask = has_cpr(text) if mask is None else mask
    if not mask.any():
        return text
    cells = pd.Series(pd.unique(text[mask].to_numpy()), dtype=object)
    tokens = sorted({t for c in cells for t in _CPR_TOKEN.findall(c)})
    pseudonyms = dict(zip(tokens, pseudonymise(pd.Series(tokens, dtype=object), key)))
    rewritten = {c: _CPR_TOKEN.sub(lambda m: pseudonyms[m.group(0)], c) for c in cells}
    out = text.copy()
    out[mask] = text[mask].map(rewritten)
    return out
