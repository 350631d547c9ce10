"""Support need, not diagnosis (KL recommendation 9): does the target group (målgruppe) explain a
grant's intensity beyond the need level at the start and the paragraph?

An OLS of the log yearly cost (or log volume) on need level, paragraph and target group
(statsmodels), fitted separately for adults and children (their paragraphs and target groups do
not overlap, so one model could not tell them apart). Per area: the share of variance the target
group adds (R² with minus without it, with the F-test of the target-group terms). Per target
group: its cost factor against citizens of the other target groups with the same need level and
paragraph, exp(β_g − Σ_h w_h β_h) over the other groups h weighted by their number of grants,
with a confidence interval from the model (a linear contrast).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .. import reference as ref
from ..config import Parametre
from ..data import Data
from ..servicetjek import screening_base
from ..servicetjek.base import fmt_tal, resolve_as_of

Udfald = Literal["aarlig_udgift", "omfang"]
OVER, UNDER, SOM_FORVENTET = "over", "under", "som forventet"
#: An area needs at least this many grants more than the model has parameters.
MIN_FRIHEDSGRADER = 10

GROUP_COLUMNS = ["omraade", "maalgruppe", "antal_bevillinger", "antal_borgere",
                 "gennemsnitligt_niveau", "faktor", "ci_lav", "ci_hoej", "p_vaerdi", "vurdering"]
AREA_COLUMNS = ["omraade", "antal_bevillinger", "antal_borgere", "antal_maalgrupper",
                "r2_uden_maalgruppe", "r2_med_maalgruppe", "r2_tilvaekst", "f_vaerdi",
                "p_vaerdi", "fuld_rang"]


@dataclass(frozen=True)
class Stoettebehov:
    """The result of `need_or_diagnosis`.

    forklaring (AREA_COLUMNS): per area (voksne, børn) the grants used, R² without and with
    the target group, the increase (the share of variance the target group adds), its F-test,
    and whether the design had full rank. maalgrupper (GROUP_COLUMNS): per target group its
    factor against the other target groups at the same need level and paragraph (1.3 = 30 %
    more), the interval, p-value and vurdering: 'over' (the whole interval above 1), 'under'
    or 'som forventet'. udeladt: grants left out and why. modeller: the fitted statsmodels
    results per area. forbehold: what a reading must say about the limits (Danish).
    """

    udfald: str
    konfidensniveau: float
    opgoerelsesdato: pd.Timestamp
    forklaring: pd.DataFrame
    maalgrupper: pd.DataFrame
    udeladt: pd.DataFrame
    forbehold: tuple[str, ...]
    modeller: dict = field(default_factory=dict)


def design(frame: pd.DataFrame, with_group: bool = True) -> pd.DataFrame:
    """The regression design: a constant and treatment dummies for niveau, paragraf and (with
    with_group) maalgruppe, the first level of each (sorted) as reference. Columns are named
    like 'niveau[2]', 'paragraf[§85]', 'maalgruppe[Autisme]'."""
    cols = ["niveau", "paragraf"] + (["maalgruppe"] if with_group else [])
    parts = [pd.Series(1.0, index=frame.index, name="const")]
    for c in cols:
        values = frame[c].astype(str) if c != "niveau" else frame[c].astype(int).astype(str)
        levels = sorted(values.unique(), key=lambda v: (len(v), v) if c == "niveau" else v)
        for level in levels[1:]:
            parts.append(values.eq(level).astype(float).rename(f"{c}[{level}]"))
    return pd.concat(parts, axis=1)


def group_contrasts(fit, frame: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Each target group's log factor against the other groups (weights: their grants), as
    a linear contrast of the fitted coefficients: estimate, ci, p-value (t-test)."""
    counts = frame["maalgruppe"].astype(str).value_counts().sort_index()
    names = list(fit.params.index)
    rows = []
    for g in counts.index:
        c = np.zeros(len(names))
        others = counts.drop(g)
        if f"maalgruppe[{g}]" in names:
            c[names.index(f"maalgruppe[{g}]")] += 1.0
        for h, n in others.items():
            if f"maalgruppe[{h}]" in names:
                c[names.index(f"maalgruppe[{h}]")] -= n / others.sum()
        t = fit.t_test(c)
        lo, hi = np.asarray(t.conf_int(alpha=1 - confidence)).ravel()
        rows.append({"maalgruppe": g, "log_faktor": float(np.ravel(t.effect)[0]),
                     "log_ci_lav": float(lo), "log_ci_hoej": float(hi),
                     "p_vaerdi": float(np.ravel(t.pvalue)[0])})
    return pd.DataFrame(rows)


def _fit_area(frame: pd.DataFrame, y: np.ndarray, confidence: float):
    # here: importing scipy.stats and statsmodels costs every kernel importing this module CPU
    from scipy import stats
    from statsmodels.regression.linear_model import OLS  # statsmodels.api's OLS

    full_x, small_x = design(frame), design(frame, with_group=False)
    full = OLS(y, full_x).fit()
    small = OLS(y, small_x).fit()
    q = full_x.shape[1] - small_x.shape[1]
    rank = int(np.linalg.matrix_rank(full_x.to_numpy()))
    if q > 0 and full.df_resid > 0:
        f_value = ((small.ssr - full.ssr) / q) / (full.ssr / full.df_resid)
        p_value = float(stats.f.sf(f_value, q, full.df_resid))
    else:
        f_value, p_value = np.nan, np.nan
    area = {"r2_uden_maalgruppe": small.rsquared, "r2_med_maalgruppe": full.rsquared,
            "r2_tilvaekst": full.rsquared - small.rsquared, "f_vaerdi": float(f_value),
            "p_vaerdi": p_value, "fuld_rang": rank == full_x.shape[1]}
    return full, area, group_contrasts(full, frame, confidence)


def need_or_diagnosis(data: Data, params: Parametre, *, udfald: Udfald = "aarlig_udgift",
                      kun_aktive: bool = True, paragraffer: Sequence[str] | None = None,
                      as_of=None, base: pd.DataFrame | None = None,
                      konfidensniveau: float | None = None) -> Stoettebehov:
    """Does the target group explain the grants' intensity beyond need level and paragraph?

    Grants: those active on the reference date (kun_aktive, the practice today), else all, with
    a need level at the start (the servicetjek's niveau: mean level at the latest assessment on
    or before the start, banded 0-4) and a positive outcome. udfald: 'aarlig_udgift' (the
    yearly cost at today's regulated price, as the servicetjek) or 'omfang' (units per week or
    month; compared within a paragraph, so a grant in another unit than its paragraph's
    usual one is left out). paragraffer: only these paragraphs (None: all). Confidence level:
    the progression parameters' konfidensniveau unless given.
    """
    as_of = resolve_as_of(data, as_of)
    confidence = params.progression.konfidensniveau if konfidensniveau is None else konfidensniveau
    if base is None:
        base = screening_base(data, params, as_of)
    b = base[base["aktiv"]] if kun_aktive else base
    if paragraffer is not None:
        b = b[b["paragraf"].isin(list(paragraffer))]
    b = b.assign(maalgruppe=b["borger_id"].map(data.borgere.set_index("borger_id")["maalgruppe"]))
    value = b[udfald].astype(float)
    usual = b["paragraf"].astype(str).map(ref.paragraffer().set_index("paragraf")["enhed"])
    other_unit = (udfald == "omfang") & (b["enhed"].astype(str) != usual).to_numpy()
    reasons = np.select([b["niveau"].isna(), ~(value > 0), b["maalgruppe"].isna(), other_unit],
                        ["uden udredning før start", "uden udgift eller omfang",
                         "uden målgruppe", "i en anden enhed end paragraffens sædvanlige"], "")
    udeladt = (pd.Series(reasons[reasons != ""], dtype=str).value_counts()
               .rename_axis("aarsag").rename("antal_bevillinger").reset_index())
    use = b[reasons == ""].copy()
    areas = ref.paragraffer().set_index("paragraf")["maalgruppe_type"]
    use["omraade"] = use["paragraf"].astype(str).map(areas)
    area_rows, group_rows, models = [], [], {}
    for omraade, frame in use.groupby("omraade", sort=True):  # voksne, børn
        frame = frame.reset_index(drop=True)
        y = np.log(frame[udfald].astype(float).to_numpy())
        n_groups = frame["maalgruppe"].nunique()
        n_params = design(frame).shape[1]
        info = {"omraade": omraade, "antal_bevillinger": len(frame),
                "antal_borgere": frame["borger_id"].nunique(), "antal_maalgrupper": n_groups}
        if n_groups < 2 or len(frame) < n_params + MIN_FRIHEDSGRADER:
            area_rows.append(info | {"fuld_rang": False})
            continue
        fit, area, contrasts = _fit_area(frame, y, confidence)
        models[omraade] = fit
        area_rows.append(info | area)
        per = frame.groupby(frame["maalgruppe"].astype(str)).agg(
            antal_bevillinger=("bevilling_id", "size"), antal_borgere=("borger_id", "nunique"),
            gennemsnitligt_niveau=("niveau", "mean"))
        c = contrasts.set_index("maalgruppe").join(per)
        c["faktor"] = np.exp(c["log_faktor"])
        c["ci_lav"], c["ci_hoej"] = np.exp(c["log_ci_lav"]), np.exp(c["log_ci_hoej"])
        c["vurdering"] = np.select([c["ci_lav"] > 1, c["ci_hoej"] < 1], [OVER, UNDER],
                                   SOM_FORVENTET)
        group_rows.append(c.reset_index().assign(omraade=omraade))
    forklaring = pd.DataFrame(area_rows).reindex(columns=AREA_COLUMNS)
    maalgrupper = (pd.concat(group_rows, ignore_index=True) if group_rows
                   else pd.DataFrame(columns=GROUP_COLUMNS))[GROUP_COLUMNS]
    maalgrupper = maalgrupper.sort_values(["omraade", "faktor"], ascending=[True, False],
                                          ignore_index=True)
    return Stoettebehov(udfald, confidence, as_of, forklaring, maalgrupper, udeladt,
                        _caveats(udfald, udeladt, kun_aktive, confidence), models)


def _n(x: float) -> str:
    return fmt_tal(pd.Series([float(x)])).iloc[0]


def _caveats(udfald: str, udeladt: pd.DataFrame, kun_aktive: bool, confidence: float
             ) -> tuple[str, ...]:
    what = "den årlige udgift" if udfald == "aarlig_udgift" else "omfanget"
    out = [
        ("Støttebehovet er målt ved bevillingens start (det gennemsnitlige funktionsniveau ved "
         "seneste udredning før start, 0-4); ændringer i behovet siden da indgår ikke."),
        (f"Sammenligningen er af {what} for bevillinger med samme støttebehov og samme "
         "paragraf; voksne og børn er regnet hver for sig."),
        ("Tallene er observationelle: en målgruppe over det forventede kan have behov, som "
         "udredningen ikke fanger (fx flere diagnoser). Resultatet peger på, hvor praksis er "
         "værd at se nærmere på, ikke på, at den enkelte borger får for meget."),
        (f"Intervallerne er {_n(confidence * 100)} %-konfidensintervaller; en faktor er kun "
         "'over' eller 'under', når hele intervallet ligger over eller under 1."),
    ]
    if not kun_aktive:
        out.append("Alle bevillinger i udtrækket indgår, også ophørte, med priser reguleret til "
                   "i år.")
    if len(udeladt):
        parts = [f"{_n(n)} {a}" for a, n in zip(udeladt["aarsag"], udeladt["antal_bevillinger"])]
        out.append("Udeladt: " + ", ".join(parts) + " (bevillinger).")
    return tuple(out)
