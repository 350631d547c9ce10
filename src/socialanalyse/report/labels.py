"""Readable Danish headings for canonical snake_case names (borger_id -> 'Borger-ID'), and the
unit a name suggests (amounts in kr., shares), shared by the HTML index and Excel."""

from __future__ import annotations

import re

#: Name fragments that mark amounts in kr.: a word of the name starting with one of them
#: ('aarlig_udgift', 'tillaeg_pr_doegn'), unless the name starts with 'antal'.
MONEY_WORDS = ("beloeb", "udgift", "pris", "takst", "tillaeg", "omkostning", "besparelse",
               "budget", "kr", "loen", "gevinst", "investering", "afvigelse", "forbrug")
#: Words that mark shares (0.125 shown as 12,5 %).
SHARE_WORDS = ("andel", "pct", "procent")
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


def heading(name: object) -> str:
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


def guess_unit(name: object) -> str | None:
    """The unit a snake_case name suggests for a number without a declared unit: 'pct' for a
    share ('andel_opnaaet'), 'kr' for an amount ('aarlig_udgift', not 'antal_udgifter'),
    else None. One list for the run's index (`html.format_value`) and Excel
    (`excel.column_format`)."""
    words = str(name).lower().split("_")
    if any(w in SHARE_WORDS for w in words):
        return "pct"
    if words[0] != "antal" and any(w.startswith(m) for w in words for m in MONEY_WORDS):
        return "kr"
    return None


def kommune_name(slug: str) -> str:
    """A municipality's name from its slug ('furesoe' -> 'Furesø'); unknown slugs capitalised
    ('eksempelkommune' -> 'Eksempelkommune')."""
    from .. import reference as ref

    names = ref.kommuner().set_index("slug")["navn"]
    return str(names.get(slug, slug.capitalize()))
