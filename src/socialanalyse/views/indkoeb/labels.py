"""Colours, Danish labels and small wording helpers the indkoeb view's parts share."""

from __future__ import annotations

import pandas as pd

from ...indkoeb import KVADRANTER
from ...report.format import MAANEDER, tal

COLOURS = {"markeret": "#d55e00", "oevrige": "#9e9e9e", "lav": "#56b4e9", "hoej": "#0173b2",
           "maal": "#029e73"}
#: Provider types in the data contract's order (egen drift first), seaborn 'colorblind'.
TYPE_COLOURS = {"egen drift": "#0173b2", "anden kommune": "#de8f05", "region": "#029e73",
                "privat": "#d55e00", "selvejende": "#cc78bc", "ukendt": "#9e9e9e"}
QUADRANT_COLOURS = dict(zip(KVADRANTER, ("#d55e00", "#de8f05", "#cc78bc", "#029e73")))
#: Units as people read them.
ENHED = {"doegn": "døgn", "time": "time", "maaned": "måned"}
_TYPES = {"egen drift": "Egen drift", "anden kommune": "Anden kommune", "region": "Region",
          "privat": "Privat", "selvejende": "Selvejende", "ukendt": "Ukendt",
          "I alt": "I alt (eksterne)"}


def type_label(typ: str) -> str:
    """'egen drift' -> 'Egen drift'."""
    return _TYPES.get(str(typ), str(typ).capitalize())


def year_label(aar: int, helt: bool, til: pd.Timestamp | None = None) -> str:
    """'2025', or for a year the payments do not cover in full '2026 (jan.–okt.)'."""
    if helt:
        return str(int(aar))
    if til is None:
        return f"{int(aar)} (til nu)"
    return f"{int(aar)} (jan.–{MAANEDER[til.month - 1][:3]}.)"


def whole_year(frame: pd.DataFrame, aar: int | None = None) -> int:
    """`aar`, or the latest year of `frame` (columns aar, helt_aar) covered in full (else its
    latest year)."""
    if aar is not None:
        return int(aar)
    whole = frame.loc[frame["helt_aar"], "aar"]
    return int(whole.max() if len(whole) else frame["aar"].max())


def omfang_text(omfang: float, enhed: str | None) -> str:
    """'6 timer om ugen', '6,5 timer om ugen', '7 døgn om ugen', '1 måned om måneden' ->
    '1 pr. måned' (bevillinger.omfang: per week for doegn and time, per month for maaned)."""
    number = tal(omfang, 0 if float(omfang).is_integer() else 1)
    if enhed == "time":
        return f"{number} {'time' if omfang == 1 else 'timer'} om ugen"
    if enhed == "doegn":
        return f"{number} døgn om ugen"
    if enhed == "maaned":
        return f"{number} pr. måned"
    return f"{number} enheder"
