"""The development cases without progression (rule ingen_progression), measured on integer
arrays so a million grants take about a second.

The definition is progression.udvikling's (development_cases, measure, progression_status: the
same cases, the same levels near the clock's start and the reference date, the same
classification); `measure` here is its twin over `arrays.Scores` instead of DataFrames, and the
tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Parametre, ProgressionParametre
from ..data import Data
from ..progression import SAMLET, classify
from ..progression.udvikling import (
    INGEN_PROGRESSION,
    Udviklingssager,
    classify_kwargs,
    development_cases,
    methods,
    progression_status,
    tidy_measures,
)
from . import arrays


def _near(a: arrays.Assessments, code: np.ndarray, day: np.ndarray, last: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """The level on or before `day`, else the first after it (up to day `last`)."""
    level, when = a.at(code, day)
    later_level, later = a.first_from(code, day)
    use = (when == arrays.NAT_DAY) & (later <= last)
    return np.where(use, later_level, level), np.where(use, later, when)


def _frame(i, metode, tema, start, latest) -> pd.DataFrame:
    (lf, df), (le, de) = start, latest
    f = pd.DataFrame({"i": i, "metode": metode, "tema": tema,
                      "dato_foer": arrays._to_dates(df), "niveau_foer": lf,
                      "dato_efter": arrays._to_dates(de), "niveau_efter": le})
    f["aendring"] = (f["niveau_efter"] - f["niveau_foer"]).where(f["dato_efter"] > f["dato_foer"])
    return f


def measure(cases: Udviklingssager, scores: arrays.Scores, p: ProgressionParametre,
            code: np.ndarray | None = None) -> pd.DataFrame:
    """progression.udvikling.measure on `scores` (the same rows and values); `code`: the
    cases' citizens' positions in scores.citizens, when known."""
    s, t = cases.sager, cases.temaer
    if code is None:
        code = scores.codes(s["borger_id"])
    start = arrays.days(s["regnet_fra"])
    last = int(arrays.days(np.array([cases.opgoerelsesdato.to_datetime64()]))[0])
    end = np.full(len(s), last, dtype=np.int64)
    ti = t["i"].to_numpy(dtype=np.int64)
    tcode = pd.Index(scores.temaer).get_indexer(t["tema"].astype(str))
    need = np.zeros((len(scores.citizens), len(scores.temaer)), dtype=bool)
    known = (code[ti] >= 0) & (tcode >= 0)
    need[code[ti][known], tcode[known]] = True
    themes = scores.theme_levels(need)
    parts = []
    for m in methods(p, [x for x in scores.metoder if x]):
        if m not in scores.metoder:
            continue
        a = scores.assessments(m)
        latest = a.at(code, end)
        has = latest[1] != arrays.NAT_DAY  # assessed by this method by the date
        if not has.any():
            continue
        rows = np.flatnonzero(has)
        frames = [_frame(rows, m, SAMLET, (x[rows] for x in _near(a, code, start, last)),
                         (x[rows] for x in latest))]
        sel = has[ti]
        g = scores.group(code[ti][sel], np.full(int(sel.sum()), scores.metoder.index(m)),
                         tcode[sel])
        frames.append(_frame(ti[sel], m, t["tema"].to_numpy(dtype=object)[sel],
                             _near(themes, g, start[ti][sel], last),
                             themes.at(g, end[ti][sel])))
        ch = pd.concat(frames, ignore_index=True)
        sd = scores.first_sd(SAMLET).get(m) if p.klassifikation == "rci" else None
        parts.append(classify(ch, **classify_kwargs(p, sd)))
    return tidy_measures(parts)


def no_progression(data: Data, params: Parametre, as_of: pd.Timestamp, scores: arrays.Scores
                   ) -> pd.DataFrame:
    """The development cases at least `progression_maaneder` months in the offer without a
    reliable progression (progression.progression_status's INGEN_PROGRESSION), with their
    status columns (grund, maaneder_i_tilbud, niveau_start, dato_start, niveau_seneste,
    dato_seneste, ...) and rad (the grant's row in data.bevillinger)."""
    p = params.opfoelgning
    due = development_cases(data.bevillinger, data.maal, as_of, p.udviklingsparagraffer,
                            min_months=p.progression_maaneder)
    # The grants' citizens were looked up for the screening base already (Scores remembers).
    code = scores.codes(data.bevillinger["borger_id"])[due.rader]
    status = progression_status(due, measure(due, scores, params.progression, code),
                                p.progression_maaneder)
    status["rad"] = due.rader
    return status[status["markering"] == INGEN_PROGRESSION].reset_index(drop=True)
