"""Follow-up led by progression (Deloitte: differentiate follow-up by the potential for
progression; "no progression" should lead to another offer).

The development cases and whether they progressed are `progression.udvikling`'s (the same
definition the servicetjek rule ingen_progression uses): active grants in a temporary paragraph
where development is the purpose (parameter udviklingsparagraffer) or of a citizen with a
running goal of type Udvikle, measured exactly as in `socialanalyse.progression` (the same
classification, reliability and SD from the progression parameters), from the level at the
grant's start to the latest assessment on or before the reference date. On top of that this
module adds the potential: the municipality's own history at the case's start level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from ..progression import SAMLET, individual_progression, progression_by
from ..progression.udvikling import (
    IKKE_UDREDT,
    INGEN_PROGRESSION,
    development_cases,
    measure,
    progression_status,
)
from ..servicetjek.base import resolve_as_of

POTENTIALE = "potentiale"
#: The Danish message of each flag, in order of precedence.
BESKEDER = {
    INGEN_PROGRESSION: "ingen progression: overvej et andet tilbud",
    IKKE_UDREDT: "ingen ny udredning: udred igen",
    POTENTIALE: "potentiale: følg tæt op",
}

SAG_COLUMNS = [
    "bevilling_id", "borger_id", "afdeling", "paragraf", "leverandoer_id", "startdato",
    "regnet_fra", "maaneder_i_tilbud", "grund", "maal_temaer", "dato_start", "niveau_start",
    "dato_seneste", "niveau_seneste", "aendring", "udvikling", "progression_paa", "startniveau",
    "andel_progression_startniveau", "antal_borgere_startniveau", "markering", "besked",
]


@dataclass(frozen=True)
class Udviklingsforloeb:
    """The development cases on the reference date and the history behind the potential flag.

    sager (SAG_COLUMNS): one row per active development case: regnet_fra (the grant's start;
    for a case by goal alone, the start of the citizen's earliest running Udvikle goal when
    later), maaneder_i_tilbud (whole months since then), grund (why it is a development
    case), maal_temaer (themes of the citizen's running Udvikle goals), the overall level
    (samlet) at the start (dato_start, niveau_start: the latest assessment on or before
    regnet_fra, else the first after it) and at the latest assessment on or before the
    reference date, aendring and udvikling (samlet, classified as in progression),
    progression_paa (the measures with reliable progression: samlet and/or the goals'
    themes), startniveau (the start level rounded to 0-4 as progression.progression_by does),
    andel_progression_startniveau and antal_borgere_startniveau (the municipality's own
    history at that start level), markering (INGEN_PROGRESSION, IKKE_UDREDT, POTENTIALE or
    None) and besked (Danish).
    historik: progression shares by metode and startniveau (progression.progression_by).
    """

    opgoerelsesdato: pd.Timestamp
    maaneder: int
    sager: pd.DataFrame
    historik: pd.DataFrame

    def markerede(self, markering: str) -> pd.DataFrame:
        """The cases with one flag."""
        return self.sager[self.sager["markering"] == markering]


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


def progression_followup(data: Data, params: Parametre, *, as_of=None) -> Udviklingsforloeb:
    """Development cases without reliable progression after `progression_maaneder` months in
    the offer ("ingen progression: overvej et andet tilbud"), those without a new assessment
    after that time ("ingen ny udredning: udred igen") (both `progression.udvikling`), and
    those at a start level where the municipality's own history shows progression is common
    (at least `potentiale_andel` of at least `potentiale_min_borgere` citizens progressed):
    "potentiale: følg tæt op".

    A case has progression when the overall level (samlet) or a theme of the citizen's running
    Udvikle goals improved reliably (progression.classify with the progression parameters).
    Goals belong to the citizen, not to a grant, so all the citizen's active grants count.
    """
    p = params.opfoelgning
    as_of = resolve_as_of(data, as_of)
    cases = development_cases(data.bevillinger, data.maal, as_of, p.udviklingsparagraffer)
    measured = measure(cases, data.vurderinger, params.progression)
    out = progression_status(cases, measured, p.progression_maaneder)
    out["maal_temaer"] = cases.theme_tuples().to_numpy()
    # Start level rounded as progression.progression_by rounds the first assessment.
    out["startniveau"] = np.clip(np.floor(out["niveau_start"].astype(float) + 0.5), 0, 4)
    hist = history(data, params)
    h = hist.set_index(["metode", "startniveau"])[["andel_progression", "antal_borgere"]]
    look = pd.MultiIndex.from_arrays([_method_of(data, out["borger_id"]), out["startniveau"]])
    found = h.reindex(look)
    out["andel_progression_startniveau"] = found["andel_progression"].to_numpy()
    out["antal_borgere_startniveau"] = found["antal_borgere"].fillna(0).astype(int).to_numpy()
    common = ((out["andel_progression_startniveau"] >= p.potentiale_andel)
              & (out["antal_borgere_startniveau"] >= p.potentiale_min_borgere)).to_numpy()
    potential = out["markering"].isna().to_numpy() & common & out["progression_paa"].isna().to_numpy()
    out["markering"] = np.where(potential, POTENTIALE, out["markering"].to_numpy(dtype=object))
    out["besked"] = out["markering"].map(BESKEDER)
    out = out.sort_values(["afdeling", "bevilling_id"], ignore_index=True)
    return Udviklingsforloeb(as_of, p.progression_maaneder, out[SAG_COLUMNS], hist)


def _method_of(data: Data, borger_ids: pd.Series) -> np.ndarray:
    """Each citizen's assessment method (the latest assessment's); NaN without one."""
    v = data.vurderinger.sort_values("dato")
    latest = v.drop_duplicates("borger_id", keep="last").set_index("borger_id")["metode"]
    return borger_ids.map(latest.astype(str)).to_numpy()
