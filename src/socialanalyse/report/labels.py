"""Readable Danish headings for canonical snake_case names (borger_id -> 'Borger-ID')."""

from __future__ import annotations

import re

# Abbreviations written in capitals.
_ABBREVIATIONS = {
    "id": "ID", "vum": "VUM", "vum2": "VUM 2.0", "ics": "ICS", "cpr": "CPR", "sel": "SEL",
    "bl": "BL", "rci": "RCI", "npv": "NPV", "kl": "KL", "pl": "P/L",
}
# Units that read better in brackets after the noun.
_UNITS = {"kr": "(kr.)", "pct": "(%)", "mio": "(mio. kr.)"}
# Words where ae/oe/aa are not æ/ø/å.
_KEEP = {"koefficient", "koefficienter", "israel", "michael", "aero", "poesi"}
# Whole names with a conventional reading.
_NAMES = {"paragraf": "Paragraf", "aar": "År", "n": "Antal"}


def danish_letters(word: str) -> str:
    """'leverandoer' -> 'leverandør', 'aarlig' -> 'årlig', 'tillaeg' -> 'tillæg' (ASCII -> æøå)."""
    if word in _KEEP:
        return word
    return word.replace("aa", "å").replace("ae", "æ").replace("oe", "ø")


def overskrift(name: object) -> str:
    """A readable Danish heading for a column name.

    Only lower-case snake_case names are rewritten (anything else is assumed to be readable
    already): 'borger_id' -> 'Borger-ID', 'aarlig_udgift' -> 'Årlig udgift',
    'udgift_kr' -> 'Udgift (kr.)', 'andel_pct' -> 'Andel (%)'.
    """
    text = str(name)
    if not re.fullmatch(r"[a-z0-9_]+", text):
        return text
    if text in _NAMES:
        return _NAMES[text]
    words = [w for w in text.split("_") if w]
    if not words:
        return text
    out: list[str] = []
    for i, word in enumerate(words):
        if word == "id" and out:
            out[-1] = out[-1] + "-ID"
        elif word in _ABBREVIATIONS:
            out.append(_ABBREVIATIONS[word])
        elif word in _UNITS and i > 0:
            out.append(_UNITS[word])
        else:
            out.append(danish_letters(word))
    first = out[0]
    out[0] = first[:1].upper() + first[1:]
    return " ".join(out)
