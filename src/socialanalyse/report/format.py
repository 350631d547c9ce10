"""Danish number and date formatting for everything a person reads."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd

MAANEDER = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)


def tal(x: float | None, decimaler: int = 0) -> str:
    """1234567.891 -> '1.234.568' (decimaler=0) or '1.234.567,89' (decimaler=2); None -> '–'."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "–"
    text = f"{x:,.{decimaler}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def kr(x: float | None, decimaler: int = 0) -> str:
    """1234567 -> '1.234.567 kr.'"""
    return "–" if tal(x) == "–" else f"{tal(x, decimaler)} kr."


def mio_kr(x: float | None, decimaler: int = 1) -> str:
    """13_800_000 -> '13,8 mio. kr.'"""
    return "–" if tal(x) == "–" else f"{tal(x / 1e6, decimaler)} mio. kr."


def amount(x: float | None) -> str:
    """Money for prose: '11,5 mio. kr.' from one million (either sign), else '650.000 kr.'."""
    return "–" if tal(x) == "–" else (mio_kr(x) if abs(x) >= 1e6 else kr(x))


def pct(andel: float | None, decimaler: int = 1) -> str:
    """A share as a Danish percentage: 0.125 -> '12,5 %'."""
    return "–" if tal(andel) == "–" else f"{tal(andel * 100, decimaler)} %"


def p_vaerdi(p: float | None) -> str:
    """A p-value to three decimals, and below 0.001 in words: 0.0213 -> '0,021',
    0.00002 -> 'under 0,001' (never '0,000')."""
    if tal(p) == "–":
        return "–"
    return "under 0,001" if p < 0.001 else tal(p, 3)


def dato(d: dt.date | pd.Timestamp | None) -> str:
    """31.12.2025"""
    return "–" if d is None or pd.isna(d) else f"{d:%d.%m.%Y}"


def dato_lang(d: dt.date | pd.Timestamp | None) -> str:
    """31. december 2025"""
    return "–" if d is None or pd.isna(d) else f"{d.day}. {MAANEDER[d.month - 1]} {d.year}"


def maaned(d: dt.date | pd.Timestamp | None) -> str:
    """december 2025"""
    return "–" if d is None or pd.isna(d) else f"{MAANEDER[d.month - 1]} {d.year}"


def first_of(shown: int, total: int, what: str) -> str:
    """A preview table's title: 'De første 15 af 105 markerede forløb', or 'Markerede forløb
    (12)' when the table holds all of them (never 'de første 15 af 12')."""
    if total <= shown:
        return f"{what[:1].upper()}{what[1:]} ({tal(total)})"
    return f"De første {tal(shown)} af {tal(total)} {what}"


def sentence(text: str) -> str:
    """End a sentence with one full stop (an amount already ends with 'kr.')."""
    return text if text.endswith(".") else text + "."


def sentences(parts: Iterable[str]) -> str:
    """Sentences joined with spaces, without the double full stop after an amount ('kr..')."""
    return " ".join(parts).replace("kr..", "kr.")
