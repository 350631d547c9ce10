"""Follow-up led by progression (Deloitte: differentiate follow-up by the potential for
progression; "no progression" should lead to another offer).

Development cases are active grants in a temporary paragraph where development is the purpose
(parameter udviklingsparagraffer) or of a citizen with a running goal of type Udvikle. Their
progression is measured exactly as in `socialanalyse.progression` (the same classification,
reliability and SD from the progression parameters), from the level at the grant's start to the
latest assessment on or before the reference date.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from ..progression import (
    PROGRESSION,
    SAMLET,
    baseline_sd,
    classify,
    individual_progression,
    levels,
    progression_by,
)
from ..progression.individual import _level_near
from ..servicetjek.base import resolve_as_of

INGEN_PROGRESSION = "ingen progression"
IKKE_UDREDT = "ikke udredt igen"
POTENTIALE = "potentiale"
#: The Danish message of each flag, in order of precedence.
BESKEDER = {
    INGEN_PROGRESSION: "ingen progression: overvej et andet tilbud",
    IKKE_UDREDT: "ingen ny udredning: udred igen",
    POTENTIALE: "potentiale: følg tæt op",
}

SAG_COLUMNS = [
    "bevilling_id", "borger_id", "afdeling", "paragraf", "leverandoer_id", "startdato",
    "regnet_fra", "maaneder_i_tilbud", "grund", "maal_temaer", "dato_start", "niveau_start", "dato_seneste",
    "niveau_seneste", "aendring", "udvikling", "progression_paa", "startniveau",
    "andel_progression_startniveau", "antal_borgere_startniveau", "markering", "besked",
]


@dataclass(frozen=True)
class Udviklingsforloeb:
    """The development cases on the reference date and the history behind the potential flag.

    sager (SAG_COLUMNS): one row per active development case: regnet_fra (the grant's start;
    for a case by goal alone, the start of the citizen's earliest running Udvikle goal when
    later), maaneder_i_tilbud (whole months since then), grund (why it is a development case), maal_temaer (themes of the
    citizen's running Udvikle goals), the overall level (samlet) at the start (dato_start,
    niveau_start: the latest assessment on or before regnet_fra, else the first after it) and
    at the latest assessment on or before the reference date, aendring and udvikling (samlet,
    classified as in progression), progression_paa (the measures with reliable progression:
    samlet and/or the goals' themes), startniveau (the start level rounded to 0-4 as
    progression.progression_by does), andel_progression_startniveau and
    antal_borgere_startniveau (the municipality's own history at that start level), markering
    (INGEN_PROGRESSION, IKKE_UDREDT, POTENTIALE or None) and besked (Danish).
    historik: progression shares by metode and startniveau (progression.progression_by).
    """

    opgoerelsesdato: pd.Timestamp
    maaneder: int
    sager: pd.DataFrame
    historik: pd.DataFrame

    def markerede(self, markering: str) -> pd.DataFrame:
        """The cases with one flag."""
        return self.sager[self.sager["markering"] == markering]


def whole_months(start: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole calendar months from each start to `on` (10 Jan -> 9 Jul is 5, -> 10 Jul is 6)."""
    months = (on.year - start.dt.year) * 12 + (on.month - start.dt.month)
    return (months - (on.day < start.dt.day).astype(int)).astype(int)


def first_assessments(vurderinger: pd.DataFrame) -> pd.DataFrame:
    """Each citizen's first assessment of each theme (the rows `baseline_sd` looks at): the
    same SD from far fewer rows. The first `samlet` is the mean over the themes of the first
    date, all of which are first assessments of their theme, so it is kept too."""
    v = vurderinger.sort_values("dato", kind="stable")
    return v[~v.duplicated(["borger_id", "tema"])]


def _classify_kwargs(params: Parametre, first: pd.DataFrame, metode: str) -> dict:
    """The progression parameters as `classify` takes them (SD per theme from the data when
    the parameters give none, as individual_progression does; `first`: first_assessments)."""
    p = params.progression
    sd = p.standardafvigelse
    if p.klassifikation == "rci" and sd is None:
        sd = baseline_sd(first, metode)
    return {"method": p.klassifikation, "reliability": p.reliabilitet, "sd": sd,
            "minimum_change": p.mindste_aendring}


def development_cases(data: Data, params: Parametre, as_of: pd.Timestamp) -> pd.DataFrame:
    """Active grants that are development cases, with grund and maal_temaer (see module)."""
    p = params.opfoelgning
    bev = data.bevillinger
    active = bev[(bev["startdato"] <= as_of) & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of))]
    m = data.maal
    goals = m[(m["maaltype"] == "Udvikle") & (m["status"] == "igangværende")
              & (m["startdato"] <= as_of)]
    themes = goals.groupby("borger_id")["tema"].agg(lambda t: tuple(sorted(set(t))))
    goal_start = goals.groupby("borger_id")["startdato"].min()
    temp = active["paragraf"].isin(p.udviklingsparagraffer)
    goal_themes = active["borger_id"].map(themes)
    has_goal = goal_themes.notna()
    out = active[temp | has_goal].copy()
    out["maal_temaer"] = goal_themes[temp | has_goal].apply(
        lambda t: t if isinstance(t, tuple) else ())
    t, g = temp[out.index], has_goal[out.index]
    out["grund"] = np.select([t & g, t], ["midlertidigt tilbud og mål om udvikling",
                                          "midlertidigt tilbud"], "mål om udvikling")
    # The clock: the grant's start; for a goal alone, from the goal (or the grant, if later).
    since_goal = pd.to_datetime(out["borger_id"].map(dict(goal_start)))
    out["regnet_fra"] = out["startdato"].where(t, np.maximum(out["startdato"], since_goal))
    return out.reset_index(drop=True)


def _measure(cases: pd.DataFrame, data: Data, params: Parametre, as_of: pd.Timestamp
             ) -> pd.DataFrame:
    """Per case and measure (samlet and each goal theme): levels at start and latest, the
    change and its classification. Columns: i (row of cases), tema, dato_foer, niveau_foer,
    dato_efter, niveau_efter, aendring, udvikling."""
    every = data.vurderinger
    first = first_assessments(every) if params.progression.klassifikation == "rci" else every
    # Only the cases' citizens' assessments are needed for their changes.
    v = every[(every["dato"] <= as_of) & every["borger_id"].isin(cases["borger_id"].unique())]
    method = params.progression.vurderingsmetode
    methods = [method] if method else sorted(v["metode"].dropna().astype(str).unique())
    keys = pd.DataFrame({"i": np.arange(len(cases)), "borger_id": cases["borger_id"].to_numpy(),
                         "startdato": cases["regnet_fra"].to_numpy(), "tema": SAMLET})
    goal = cases["maal_temaer"].explode().dropna()
    keys = pd.concat([keys, pd.DataFrame({
        "i": goal.index.to_numpy(), "borger_id": cases.loc[goal.index, "borger_id"].to_numpy(),
        "startdato": cases.loc[goal.index, "regnet_fra"].to_numpy(), "tema": goal.to_numpy()})],
        ignore_index=True)
    keys["as_of"] = as_of
    parts = []
    for m in methods:  # VUM2 and ICS, each on its own as in progression
        # merge_asof needs the same key types on both sides: plain objects.
        lv = levels(v, m).astype({"borger_id": object, "tema": object})
        mine = keys[keys["borger_id"].isin(set(lv["borger_id"]))].astype(
            {"borger_id": object, "tema": object})
        if mine.empty:
            continue
        start = _level_near(lv, mine, "startdato")
        latest = _level_near(lv, mine, "as_of")
        ch = mine[["i", "borger_id", "tema"]].assign(
            dato_foer=start["dato"], niveau_foer=start["niveau"],
            dato_efter=latest["dato"], niveau_efter=latest["niveau"])
        ok = ch["dato_efter"] > ch["dato_foer"]
        ch["aendring"] = (ch["niveau_efter"] - ch["niveau_foer"]).where(ok)
        parts.append(classify(ch, **_classify_kwargs(params, first, m)))
    if not parts:
        return keys.iloc[:0].assign(dato_foer=pd.NaT, niveau_foer=np.nan, dato_efter=pd.NaT,
                                    niveau_efter=np.nan, aendring=np.nan, udvikling=None)
    return pd.concat(parts, ignore_index=True)


def history(data: Data, params: Parametre) -> pd.DataFrame:
    """The municipality's own progression shares by assessment method and level at the first
    assessment (samlet, first to latest assessment), as in notebook 02: columns metode,
    startniveau, antal_borgere, andel_progression, ..."""
    p = params.progression
    u = individual_progression(data.vurderinger, p.klassifikation, reliability=p.reliabilitet,
                               sd=p.standardafvigelse, minimum_change=p.mindste_aendring,
                               metode=p.vurderingsmetode)
    samlet = u[u["tema"] == SAMLET]
    parts = [progression_by(g, "startniveau").assign(metode=m)
             for m, g in samlet.groupby("metode")]
    if not parts:
        return pd.DataFrame(columns=["metode", "startniveau", "antal_borgere", "andel_progression"])
    out = pd.concat(parts, ignore_index=True)
    return out[["metode", *[c for c in out.columns if c != "metode"]]]


def progression_followup(data: Data, params: Parametre, *, as_of=None,
                         potentiale: bool = True) -> Udviklingsforloeb:
    """Development cases without reliable progression after `progression_maaneder` months in
    the offer ("ingen progression: overvej et andet tilbud"), those without a new assessment
    after that time ("ingen ny udredning: udred igen"), and those at a start level where the
    municipality's own history shows progression is common (at least `potentiale_andel` of at
    least `potentiale_min_borgere` citizens progressed): "potentiale: følg tæt op".

    A case has progression when the overall level (samlet) or a theme of the citizen's running
    Udvikle goals improved reliably (progression.classify with the progression parameters).
    Goals belong to the citizen, not to a grant, so all the citizen's active grants count.
    potentiale=False skips the history and the potential flag (the servicetjek's rule needs
    only 'ingen progression'; the history reads every assessment).
    """
    p = params.opfoelgning
    as_of = resolve_as_of(data, as_of)
    cases = development_cases(data, params, as_of)
    measured = _measure(cases, data, params, as_of)
    overall = measured[measured["tema"] == SAMLET].set_index("i").reindex(range(len(cases)))
    progressed = measured[measured["udvikling"] == PROGRESSION]
    names = progressed.groupby("i")["tema"].agg(lambda t: ", ".join(sorted(set(t))))
    out = cases.assign(
        maaneder_i_tilbud=whole_months(cases["regnet_fra"], as_of),
        dato_start=overall["dato_foer"].to_numpy(), niveau_start=overall["niveau_foer"].to_numpy(),
        dato_seneste=overall["dato_efter"].to_numpy(),
        niveau_seneste=overall["niveau_efter"].to_numpy(),
        aendring=overall["aendring"].to_numpy(), udvikling=overall["udvikling"].to_numpy(),
        progression_paa=pd.Series(names).reindex(range(len(cases))).to_numpy(),
    )
    # Start level rounded as progression.progression_by rounds the first assessment.
    out["startniveau"] = np.clip(np.floor(out["niveau_start"].astype(float) + 0.5), 0, 4)
    hist = history(data, params) if potentiale else history(
        dataclasses.replace(data, vurderinger=data.vurderinger.iloc[:0]), params)
    first_method = (_method_of(data, out["borger_id"]) if potentiale
                    else np.full(len(out), None, dtype=object))
    h = hist.set_index(["metode", "startniveau"])[["andel_progression", "antal_borgere"]]
    look = pd.MultiIndex.from_arrays([first_method, out["startniveau"]])
    found = h.reindex(look)
    out["andel_progression_startniveau"] = found["andel_progression"].to_numpy()
    out["antal_borgere_startniveau"] = found["antal_borgere"].fillna(0).astype(int).to_numpy()
    measured_any = measured["udvikling"].notna().groupby(measured["i"]).any().reindex(
        range(len(cases)), fill_value=False).to_numpy(dtype=bool)
    has_progress = out["progression_paa"].notna().to_numpy()
    due = (out["maaneder_i_tilbud"] >= p.progression_maaneder).to_numpy()
    common = ((out["andel_progression_startniveau"] >= p.potentiale_andel)
              & (out["antal_borgere_startniveau"] >= p.potentiale_min_borgere)).to_numpy()
    markering = np.select(
        [due & measured_any & ~has_progress, due & ~measured_any, common & ~has_progress],
        [INGEN_PROGRESSION, IKKE_UDREDT, POTENTIALE], "")
    out["markering"] = pd.Series(markering).replace("", None).to_numpy()
    out["besked"] = out["markering"].map(BESKEDER)
    out = out.sort_values(["afdeling", "bevilling_id"], ignore_index=True)
    return Udviklingsforloeb(as_of, p.progression_maaneder, out[SAG_COLUMNS], hist)


def _method_of(data: Data, borger_ids: pd.Series) -> np.ndarray:
    """Each citizen's assessment method (the latest assessment's); NaN without one."""
    v = data.vurderinger.sort_values("dato")
    latest = v.drop_duplicates("borger_id", keep="last").set_index("borger_id")["metode"]
    return borger_ids.map(latest.astype(str)).to_numpy()
