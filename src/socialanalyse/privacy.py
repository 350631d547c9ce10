"""Privacy: pseudonymisation of CPR numbers and small-cell suppression for byråd outputs."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

import numpy as np
import pandas as pd

KEY_ENV = "SOCIALANALYSE_PSEUDONYM_NOEGLE"

#: DDMMYY-SSSS, with or without the dash (the day and month are checked loosely).
CPR_PATTERN = re.compile(r"^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}$")

#: A pseudonym as `pseudonymise` writes it: 'P' and 16 hex digits.
PSEUDONYM_PATTERN = re.compile(r"(?<![0-9A-Za-z])P[0-9a-f]{16}(?![0-9A-Za-z])")

#: How a suppressed count is shown to people.
SUPPRESSED = "<5"


class PseudonymFejl(RuntimeError):
    """Pseudonymisation cannot run (e.g. the key is missing); the message is Danish."""


def looks_like_cpr(values: pd.Series, share: float = 0.8) -> bool:
    """True when at least `share` of the non-empty values have the CPR shape."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return False
    return bool(text.str.match(CPR_PATTERN).mean() >= share)


def pseudonym_key() -> bytes:
    """The pseudonymisation key from the environment; refuses to go on without one."""
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise PseudonymFejl(
            f"Data indeholder CPR-numre, men nøglen til pseudonymisering mangler. Sæt "
            f"miljøvariablen {KEY_ENV} til en hemmelig, tilfældig tekst (mindst 16 tegn), "
            f"fx i en terminal: export {KEY_ENV}='...'. Brug samme nøgle hver gang, så "
            f"samme borger får samme pseudonym."
        )
    if len(key) < 16:
        raise PseudonymFejl(f"Nøglen i {KEY_ENV} er for kort: brug mindst 16 tegn.")
    return key.encode("utf-8")


def pseudonymise(values: pd.Series, key: bytes | None = None) -> pd.Series:
    """Replace CPR numbers by a keyed hash (HMAC-SHA256, first 16 hex digits, prefix 'P').

    The dash is ignored, so 010190-1234 and 0101901234 give the same pseudonym. Empty cells
    stay empty. The result never contains the input.
    """
    key = key if key is not None else pseudonym_key()
    cache: dict[str, str] = {}

    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            return value
        digits = str(value).strip().replace("-", "")
        if digits not in cache:
            mac = hmac.new(key, digits.encode("ascii", "replace"), hashlib.sha256)
            cache[digits] = "P" + mac.hexdigest()[:16]
        return cache[digits]

    return values.map(one).astype(object)


def footnote(threshold: int) -> str:
    """The Danish explanation printed under a suppressed table."""
    return (
        f"<{threshold}: færre end {threshold} borgere (eller bevillinger, hvor tabellen tæller "
        f"bevillinger). x: skjult, så et tal under {threshold} ikke kan regnes ud fra totalen."
    )


def suppression_mask(counts: pd.DataFrame, threshold: int, totals_shown: bool = True) -> pd.DataFrame:
    """Which cells of a table of citizen counts must be hidden.

    Primary: every count from 1 to threshold-1. Secondary (when row or column totals are shown
    or can be known): a row or column with exactly one hidden cell gets its smallest other
    non-zero cell hidden too, so the small count cannot be derived by subtraction. Repeats
    until stable. Zero is not sensitive and stays visible.
    """
    values = counts.to_numpy(dtype=float)
    mask = (values > 0) & (values < threshold)
    if not totals_shown:
        return pd.DataFrame(mask, index=counts.index, columns=counts.columns)
    changed = True
    while changed:
        changed = False
        for axis_values, axis_mask in ((values, mask), (values.T, mask.T)):
            for line, line_mask in zip(axis_values, axis_mask):
                if line_mask.sum() == 1:
                    candidates = np.where(~line_mask & (line > 0), line, np.inf)
                    if np.isfinite(candidates).any():
                        line_mask[int(np.argmin(candidates))] = True
                        changed = True
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns)


def suppress(
    counts: pd.Series | pd.DataFrame, threshold: int, totals_shown: bool = True
) -> pd.Series | pd.DataFrame:
    """Counts of citizens ready for a byråd table: small cells shown as '<5', cells hidden to
    protect them as 'x' (see `suppression_mask`). Returns an object-dtype copy."""
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    mask = suppression_mask(frame, threshold, totals_shown)
    primary = (frame > 0) & (frame < threshold)
    out = frame.astype(object).mask(mask, "x").mask(primary, f"<{threshold}")
    return out.iloc[:, 0].rename(counts.name) if isinstance(counts, pd.Series) else out
