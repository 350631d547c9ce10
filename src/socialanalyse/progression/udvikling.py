"""Development cases (udviklingsforløb) and their progression: the one definition that the
follow-up led by progression (opfoelgning.progression_followup) and the servicetjek rule
ingen_progression share (Deloitte: "no progression" should lead to another offer).

A development case is an active grant in a temporary paragraph where development is the purpose
(parameter opfoelgning.udviklingsparagraffer) or of a citizen with a running goal of type
Udvikle. Its clock (regnet_fra) starts with the grant; for a case by goal alone, with the
citizen's earliest running Udvikle goal when that is later. Its progression is measured on the
overall level (samlet) and on the themes of the citizen's running Udvikle goals, from the level
at the clock's start (the latest assessment on or before it, else the first after it) to the
latest assessment on or before the reference date, each assessment method (VUM2, ICS) on its
own, and classified by `classify` with the progression parameters (SD per theme from the first
assessments when none is given, as `individual_progression`).

After the given number of months in the offer a case without a reliable progression on any
measure is 'ingen progression', one without a new assessment since the start 'ikke udredt
igen'.

`measure` is the reference (DataFrame operations over `levels`); the servicetjek screens a
million grants with a twin on integer arrays (servicetjek.udvikling), which the tests hold
equal to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import ProgressionParametre
from .individual import PROGRESSION, SAMLET, baseline_sd, classify, level_near, levels

INGEN_PROGRESSION = "ingen progression"
IKKE_UDREDT = "ikke udredt igen"
MIDLERTIDIGT, MAAL, BEGGE = ("midlertidigt tilbud", "mål om udvikling",
                             "midlertidigt tilbud og mål om udvikling")
#: The columns of `measure` (one row per case, method and measure).
MEASURE_COLUMNS = ["i", "metode", "tema", "dato_foer", "niveau_foer", "dato_efter",
                   "niveau_efter", "aendring", "udvikling"]


@dataclass(frozen=True)
class Udviklingssager:
    """The development cases on a date.

    sager: one row per active development case: the grant's columns, grund (why it is one),
    regnet_fra (the clock's start) and maaneder_i_tilbud (whole months from then to the date).
    temaer: the themes of the citizen's running Udvikle goals, one row per case (i, the row
    of sager) and tema, sorted.
    rader: each case's position in the grants it was found in (None when not known).
    """

    opgoerelsesdato: pd.Timestamp
    sager: pd.DataFrame
    temaer: pd.DataFrame
    rader: np.ndarray | None = None

    def subset(self, keep: np.ndarray | pd.Series) -> Udviklingssager:
        """The cases where `keep` (aligned with sager) holds, renumbered."""
        keep = np.asarray(keep, dtype=bool)
        new = np.full(len(keep), -1)
        new[keep] = np.arange(int(keep.sum()))
        t = self.temaer[keep[self.temaer["i"].to_numpy()]]
        return Udviklingssager(self.opgoerelsesdato, self.sager[keep].reset_index(drop=True),
                               t.assign(i=new[t["i"].to_numpy()]).reset_index(drop=True),
                               None if self.rader is None else self.rader[keep])

    def theme_tuples(self) -> pd.Series:
        """Per case, the tuple of its goal themes (() without one)."""
        per = self.temaer.groupby("i")["tema"].agg(tuple)
        return pd.Series([per.get(i, ()) for i in range(len(self.sager))], dtype=object)


def whole_months(start: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole calendar months from each start to `on` (10 Jan -> 9 Jul is 5, -> 10 Jul is 6)."""
    months = (on.year - start.dt.year) * 12 + (on.month - start.dt.month)
    return (months - (on.day < start.dt.day).astype(int)).astype(int)


def development_cases(bevillinger: pd.DataFrame, maal: pd.DataFrame, as_of: pd.Timestamp,
                      paragraffer: Sequence[str], min_months: int = 0) -> Udviklingssager:
    """The active development cases on `as_of` (module docstring); `paragraffer`: the
    temporary paragraphs where development is the purpose; `min_months`: only the cases at
    least that many whole months in the offer.

    The goals are read as integer codes (citizen, theme) rather than as frames of strings: a
    million grants come with four million goals."""
    bev = bevillinger
    active = ((bev["startdato"] <= as_of)
              & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of))).to_numpy()
    m = maal
    running = np.flatnonzero(((m["maaltype"] == "Udvikle") & (m["status"] == "igangværende")
                              & (m["startdato"] <= as_of)).to_numpy(dtype=bool, na_value=False))
    # The running Udvikle goals: citizen code (into `citizens`; -1 without an id) and theme
    # code (into the sorted `theme_names`, a missing theme last), and the earliest start.
    gcode, citizens = pd.factorize(m["borger_id"].iloc[running].astype(str))
    tcode, theme_names = pd.factorize(m["tema"].iloc[running].astype(str), sort=True,
                                      use_na_sentinel=False)
    stamp = m["startdato"].to_numpy(dtype="datetime64[ns]")[running].view(np.int64)
    named = gcode >= 0
    first = np.full(len(citizens), np.iinfo(np.int64).max)
    np.minimum.at(first, gcode[named], stamp[named])
    goal_start = first.view("datetime64[ns]")
    temp = active & (_positions(bev["paragraf"], pd.Series(list(paragraffer), dtype=str)) >= 0)
    goal = _positions(bev["borger_id"], citizens.to_series())
    has_goal = active & (goal >= 0)
    rows = np.flatnonzero(temp | has_goal)
    t, g = temp[rows], has_goal[rows]
    # The clock: the grant's start; for a goal alone, the goal's (or the grant's, if later).
    start = bev["startdato"].to_numpy()[rows]
    since_goal = np.r_[goal_start, np.datetime64("NaT", "ns")][np.where(g, goal[rows], -1)]
    clock = pd.Series(np.where(t, start, np.maximum(start, since_goal)), dtype="datetime64[ns]")
    months = whole_months(clock, as_of).to_numpy()
    keep = months >= min_months
    out = bev.take(rows[keep]).reset_index(drop=True)
    out["grund"] = np.select([t[keep] & g[keep], t[keep]], [BEGGE, MIDLERTIDIGT], MAAL)
    out["regnet_fra"] = clock[keep].to_numpy()
    out["maaneder_i_tilbud"] = months[keep]
    # Each case with a goal gets its citizen's distinct themes, in theme order.
    k = len(theme_names)
    pairs = np.sort(gcode[named].astype(np.int64) * k + tcode[named])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # np.unique
    # (hashing, here 1.7 s wall for 350,000 numbers)
    per_citizen = np.bincount(pairs // max(k, 1), minlength=len(citizens))
    offset = np.r_[0, np.cumsum(per_citizen)[:-1]]
    cases = np.flatnonzero(g[keep])
    owner = goal[rows[keep]][cases]
    count = per_citizen[owner]
    i = np.repeat(cases, count)
    within = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    tema = np.asarray(theme_names, dtype=object)[pairs[np.repeat(offset[owner], count) + within]
                                                 % max(k, 1)]
    temaer = pd.DataFrame({"i": i.astype(np.int64), "tema": pd.Series(tema, dtype="str")})
    return Udviklingssager(as_of, out, temaer, rows[keep])


def _positions(values: pd.Series, vocabulary: pd.Series) -> np.ndarray:
    """Each value's position in `vocabulary` (-1 when absent), hashed by Arrow (pandas' isin
    on Arrow strings goes value by value: seconds for a million grants)."""
    found = pc.index_in(pa.array(values.astype(str)), value_set=pa.array(vocabulary.astype(str)))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False)


def first_assessments(vurderinger: pd.DataFrame) -> pd.DataFrame:
    """Each citizen's first assessment of each theme (the rows `baseline_sd` looks at): the
    same SD from far fewer rows. The first `samlet` is the mean over the themes of the first
    date, all of which are first assessments of their theme, so it is kept too."""
    v = vurderinger.sort_values("dato", kind="stable")
    return v[~v.duplicated(["borger_id", "tema"])]


def classify_kwargs(p: ProgressionParametre, sd: pd.Series | None) -> dict:
    """The progression parameters as `classify` takes them; `sd`: the SD per theme of the
    first assessments (`baseline_sd`), used under RCI when the parameters give none."""
    s = p.standardafvigelse
    if p.klassifikation == "rci" and s is None:
        s = sd
    return {"method": p.klassifikation, "reliability": p.reliabilitet, "sd": s,
            "minimum_change": p.mindste_aendring}


def methods(p: ProgressionParametre, present: Sequence[str]) -> list[str]:
    """The assessment methods measured: the parameter's, else every one present (sorted)."""
    return [p.vurderingsmetode] if p.vurderingsmetode else sorted(set(present))


def measure(cases: Udviklingssager, vurderinger: pd.DataFrame, p: ProgressionParametre
            ) -> pd.DataFrame:
    """The reference measurement: per case, method and measure (samlet and each goal theme)
    the level at the clock's start and the latest, the change and its classification
    (MEASURE_COLUMNS; only methods in which the citizen was assessed by the date)."""
    as_of = cases.opgoerelsesdato
    s = cases.sager
    first = first_assessments(vurderinger) if p.klassifikation == "rci" else None
    # Only the cases' citizens' assessments are needed for their changes.
    v = vurderinger[(vurderinger["dato"] <= as_of)
                    & vurderinger["borger_id"].isin(set(s["borger_id"].astype(str)))]
    ids = s["borger_id"].astype(str).to_numpy()
    t = cases.temaer
    keys = pd.DataFrame({
        "i": np.r_[np.arange(len(s)), t["i"].to_numpy()],
        "borger_id": np.r_[ids, ids[t["i"].to_numpy()]],
        "tema": np.r_[np.full(len(s), SAMLET, dtype=object), t["tema"].to_numpy(dtype=object)],
    }).astype(object)
    keys["startdato"] = s["regnet_fra"].to_numpy()[keys["i"].to_numpy(dtype=int)]
    keys["as_of"] = as_of
    parts = []
    for m in methods(p, v["metode"].dropna().astype(str).unique()):
        # merge_asof needs the same key types on both sides: plain objects.
        lv = levels(v, m).astype({"borger_id": object, "tema": object})
        mine = keys[keys["borger_id"].isin(set(lv["borger_id"]))]
        if mine.empty:
            continue
        start = level_near(lv, mine, "startdato")
        latest = level_near(lv, mine, "as_of")
        ch = mine[["i", "tema"]].assign(metode=m, dato_foer=start["dato"],
                                        niveau_foer=start["niveau"], dato_efter=latest["dato"],
                                        niveau_efter=latest["niveau"])
        ok = ch["dato_efter"] > ch["dato_foer"]
        ch["aendring"] = (ch["niveau_efter"] - ch["niveau_foer"]).where(ok)
        sd = baseline_sd(first, m) if first is not None else None
        parts.append(classify(ch, **classify_kwargs(p, sd)))
    return tidy_measures(parts)


def tidy_measures(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Measures in MEASURE_COLUMNS, typed and sorted by case, method and measure (samlet
    first), whichever way they were computed."""
    if not parts:
        return pd.DataFrame({"i": pd.Series(dtype=int), "metode": pd.Series(dtype=object),
                             "tema": pd.Series(dtype=object),
                             "dato_foer": pd.Series(dtype="datetime64[ns]"),
                             "niveau_foer": pd.Series(dtype=float),
                             "dato_efter": pd.Series(dtype="datetime64[ns]"),
                             "niveau_efter": pd.Series(dtype=float),
                             "aendring": pd.Series(dtype=float),
                             "udvikling": pd.Series(dtype=object)})
    out = pd.concat(parts, ignore_index=True)[MEASURE_COLUMNS].astype(
        {"i": int, "metode": object, "tema": object, "dato_foer": "datetime64[ns]",
         "dato_efter": "datetime64[ns]", "niveau_foer": float, "niveau_efter": float,
         "aendring": float, "udvikling": object})
    order = out.assign(_s=out["tema"] != SAMLET).sort_values(["i", "metode", "_s", "tema"],
                                                             kind="stable").index
    return out.loc[order].reset_index(drop=True)


def progression_status(cases: Udviklingssager, measured: pd.DataFrame, months: int
                       ) -> pd.DataFrame:
    """The cases (sager) with their measured progression: dato_start, niveau_start,
    dato_seneste, niveau_seneste, aendring and udvikling (samlet, in the method of the latest
    assessment), progression_paa (the measures with reliable progression, comma separated),
    udredt (some measure has two assessments) and markering: INGEN_PROGRESSION or
    IKKE_UDREDT for cases at least `months` in the offer, else None."""
    s = cases.sager
    n = len(s)
    overall = (measured[measured["tema"] == SAMLET]
               .sort_values(["i", "dato_efter"], kind="stable", na_position="first")
               .drop_duplicates("i", keep="last").set_index("i").reindex(range(n)))
    names = _progressed_on(measured)
    udredt = measured["udvikling"].notna().groupby(measured["i"]).any().reindex(
        range(n), fill_value=False).to_numpy(dtype=bool)
    out = s.assign(
        dato_start=overall["dato_foer"].to_numpy(), niveau_start=overall["niveau_foer"].to_numpy(),
        dato_seneste=overall["dato_efter"].to_numpy(),
        niveau_seneste=overall["niveau_efter"].to_numpy(),
        aendring=overall["aendring"].to_numpy(), udvikling=overall["udvikling"].to_numpy(),
        progression_paa=names.reindex(range(n)).to_numpy(), udredt=udredt,
    )
    due = (out["maaneder_i_tilbud"] >= months).to_numpy()
    has_progress = out["progression_paa"].notna().to_numpy()
    markering = np.select([due & udredt & ~has_progress, due & ~udredt],
                          [INGEN_PROGRESSION, IKKE_UDREDT], "")
    out["markering"] = pd.Series(markering, dtype=object).replace("", None).to_numpy()
    return out


def _progressed_on(measured: pd.DataFrame) -> pd.Series:
    """Per case (index i), its measures with progression, sorted and comma separated."""
    p = measured.loc[measured["udvikling"] == PROGRESSION, ["i", "tema"]].drop_duplicates()
    p = p.sort_values(["i", "tema"], kind="stable")
    several = p["i"].duplicated(keep=False).to_numpy()
    one = pd.Series(p["tema"].to_numpy()[~several], index=p["i"].to_numpy()[~several],
                    dtype=object)
    joined = p[several].groupby("i")["tema"].agg(", ".join)  # the few with several
    return pd.concat([one, joined.astype(object)]).sort_index()
