"""The meeting calendar: rules like "første tirsdag i måneden", Danish holidays and the meeting
dates a rule gives.

Pure functions without imports from the rest of the package, so `config` can check a meeting
rule when the parameters are read (before anything runs).

Holidays matter: a meeting the rule puts on a public holiday or a customary day off in the
public sector (helligdage, plus grundlovsdag, juleaftensdag and nytårsaftensdag) moves to the
next working day, e.g. "første mandag i måneden" in April 2026 is 2. påskedag (6 April), so the
meeting is on Tuesday 7 April. Deadlines before a meeting (status request, status due) move to
the previous working day, so they stay before the meeting. Dates given as a list are used as
written (the afdeling chose them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

ORDINALER = {"første": 1, "1.": 1, "anden": 2, "andet": 2, "2.": 2, "tredje": 3, "3.": 3,
             "fjerde": 4, "4.": 4, "sidste": -1}
ORDINAL_NAVNE = {1: "første", 2: "anden", 3: "tredje", 4: "fjerde", -1: "sidste"}
UGEDAGE = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag")
_ASCII = {"maaneden": "måneden", "foerste": "første"}
_ORD = "|".join(re.escape(k) for k in sorted(ORDINALER, key=len, reverse=True))
_RULE = re.compile(rf"^(?P<ord>(?:{_ORD})(?:(?:, | og )(?:{_ORD}))*) (?P<dag>\w+) i måneden$")

EKSEMPEL = "'første tirsdag i måneden'"


@dataclass(frozen=True)
class Moederegel:
    """A monthly meeting rule: the n-th weekday(s) of each month (-1 = the last)."""

    ordinaler: tuple[int, ...]
    ugedag: int  # 0 = mandag … 4 = fredag

    def __str__(self) -> str:
        names = [ORDINAL_NAVNE[n] for n in self.ordinaler]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
        return f"{joined} {UGEDAGE[self.ugedag]} i måneden"


def parse_rule(text: str) -> Moederegel:
    """'første tirsdag i måneden', 'første og tredje onsdag i måneden', '2. torsdag i måneden',
    'sidste fredag i måneden' (also with ASCII 'maaneden'). Raises ValueError in Danish."""
    norm = " ".join(str(text).lower().split())
    for ascii_, danish in _ASCII.items():
        norm = norm.replace(ascii_, danish)
    match = _RULE.match(norm)
    if not match or match["dag"] not in UGEDAGE:
        hint = ""
        if match and match["dag"] in ("lørdag", "søndag", "loerdag", "soendag"):
            hint = " Møder ligger på hverdage (mandag til fredag)."
        raise ValueError(
            f"mødereglen {text!r} kan ikke læses: skriv fx {EKSEMPEL}, 'sidste torsdag i "
            "måneden' eller 'første og tredje onsdag i måneden' (første, anden, tredje, fjerde "
            f"eller sidste + en ugedag + 'i måneden'), eller en liste af datoer.{hint}"
        )
    ordinals = [ORDINALER[o] for o in re.split(r", | og ", match["ord"])]
    return Moederegel(tuple(dict.fromkeys(ordinals)), UGEDAGE.index(match["dag"]))


def _easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@cache
def fridage(year: int) -> dict[dt.date, str]:
    """Danish public holidays of a year and the public sector's customary days off, by date.

    Store bededag was abolished from 2024 (it counts up to 2023).
    """
    e = _easter(year)
    days = {
        dt.date(year, 1, 1): "nytårsdag",
        e - dt.timedelta(days=3): "skærtorsdag",
        e - dt.timedelta(days=2): "langfredag",
        e: "påskedag",
        e + dt.timedelta(days=1): "2. påskedag",
        e + dt.timedelta(days=39): "Kristi himmelfartsdag",
        e + dt.timedelta(days=49): "pinsedag",
        e + dt.timedelta(days=50): "2. pinsedag",
        dt.date(year, 6, 5): "grundlovsdag",
        dt.date(year, 12, 24): "juleaftensdag",
        dt.date(year, 12, 25): "juledag",
        dt.date(year, 12, 26): "2. juledag",
        dt.date(year, 12, 31): "nytårsaftensdag",
    }
    if year <= 2023:
        days[e + dt.timedelta(days=26)] = "store bededag"
    return days


def is_working_day(day: dt.date, extra: Iterable[dt.date] = ()) -> bool:
    """Monday to Friday, not a holiday or customary day off, not one of `extra`."""
    return day.weekday() < 5 and day not in fridage(day.year) and day not in set(extra)


def next_working_day(day: dt.date, extra: Iterable[dt.date] = ()) -> dt.date:
    """The day itself if it is a working day, else the next one."""
    extra = set(extra)
    while not is_working_day(day, extra):
        day += dt.timedelta(days=1)
    return day


def previous_working_day(day: dt.date, extra: Iterable[dt.date] = ()) -> dt.date:
    """The day itself if it is a working day, else the one before."""
    extra = set(extra)
    while not is_working_day(day, extra):
        day -= dt.timedelta(days=1)
    return day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    first = dt.date(year, month, 1)
    if n > 0:
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
        return day if day.month == month else None
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def meeting_dates(rule: Moederegel | str, first: dt.date, last: dt.date,
                  extra: Iterable[dt.date] = ()) -> list[dt.date]:
    """The meetings a rule gives from `first` to `last` (both inclusive), each moved to the
    next working day when it falls on a holiday or day off (`fridage`, or one of `extra`).
    Sorted, without repeats."""
    rule = parse_rule(rule) if isinstance(rule, str) else rule
    extra = set(extra)
    out = set()
    # From the month before: a meeting moved forward can land in the window.
    year, month = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
    while dt.date(year, month, 1) <= last:  # months, a few dozen at most
        for n in rule.ordinaler:
            day = _nth_weekday(year, month, rule.ugedag, n)
            if day is not None:
                moved = next_working_day(day, extra)
                if first <= moved <= last:
                    out.add(moved)
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return sorted(out)
