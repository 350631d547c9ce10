"""Individual progression from VUM assessments, judged against the goal type.

Direction: in VUM a LOWER level is better (0 = no reduced function, 4 = completely reduced).
`aendring` is always later level − earlier level, so a negative change is an improvement:
- progression = the level went down (reliably, or by at least the minimum change),
- regression  = the level went up,
- stabil      = neither.
For goals of type "Fastholde" or "Begrænse tab" holding on to function is the aim, so a goal
of those types is met unless the citizen regressed; "Udvikle" needs progression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from ..data.derived import is_active
from ..privacy import suppression_mask
from .estimates import RCI_CRITERION

#: The pseudo-theme holding the mean level over all themes of one assessment.
SAMLET = "samlet"
PROGRESSION, STABIL, REGRESSION = "progression", "stabil", "regression"
UDVIKLINGER = (PROGRESSION, STABIL, REGRESSION)
#: Goal types where "stabil" counts as success.
MAALTYPER_STABIL_ER_SUCCES = ("Fastholde", "Begrænse tab")

Metode = Literal["rci", "minimum"]


def levels(vurderinger: pd.DataFrame, metode: str | None = "VUM2") -> pd.DataFrame:
    """Assessment levels in long form, plus a `samlet` row per assessment (mean over themes).

    One row per (borger_id, dato, tema) with a float `niveau`. `metode` filters on the
    assessment method (None = all).
    """
    v = vurderinger if metode is None else vurderinger[vurderinger["metode"] == metode]
    per_theme = v[["borger_id", "dato", "tema", "niveau"]].astype({"niveau": float})
    overall = per_theme.groupby(["borger_id", "dato"], as_index=False)["niveau"].mean()
    overall.insert(2, "tema", SAMLET)
    out = pd.concat([per_theme, overall], ignore_index=True)
    return out.sort_values(["borger_id", "tema", "dato"], ignore_index=True)


def changes(
    vurderinger: pd.DataFrame,
    between: Literal["first_latest", "consecutive"] = "first_latest",
    *,
    metode: str | None = "VUM2",
    temaer: tuple[str, ...] | None = None,
    niveauer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Change in level per citizen and theme (and `samlet`), later − earlier.

    between="first_latest": one row per citizen and theme, first vs latest assessment.
    between="consecutive": one row per pair of consecutive assessments.
    Columns: borger_id, tema, dato_foer, dato_efter, niveau_foer, niveau_efter, aendring
    (negative = improvement). Citizens with a single assessment of a theme are left out.
    `niveauer`: `levels(vurderinger, metode)` when the caller has it already.
    """
    lv = levels(vurderinger, metode) if niveauer is None else niveauer
    if temaer is not None:
        lv = lv[lv["tema"].isin(temaer)]
    g = lv.groupby(["borger_id", "tema"], sort=False)
    if between == "first_latest":
        first = g.head(1).set_index(["borger_id", "tema"])
        last = g.tail(1).set_index(["borger_id", "tema"])
        out = pd.DataFrame(
            {
                "dato_foer": first["dato"],
                "dato_efter": last["dato"].reindex(first.index),
                "niveau_foer": first["niveau"],
                "niveau_efter": last["niveau"].reindex(first.index),
            }
        ).reset_index()
        out = out[out["dato_efter"] > out["dato_foer"]]
    elif between == "consecutive":
        nxt = g[["dato", "niveau"]].shift(-1)
        out = pd.DataFrame(
            {
                "borger_id": lv["borger_id"],
                "tema": lv["tema"],
                "dato_foer": lv["dato"],
                "dato_efter": nxt["dato"],
                "niveau_foer": lv["niveau"],
                "niveau_efter": nxt["niveau"],
            }
        ).dropna(subset=["dato_efter"])
    else:
        raise ValueError(f"ukendt valg {between!r}: brug 'first_latest' eller 'consecutive'")
    out = out.assign(aendring=out["niveau_efter"] - out["niveau_foer"])
    return out.reset_index(drop=True)


def baseline_sd(vurderinger: pd.DataFrame, metode: str | None = "VUM2", *,
                niveauer: pd.DataFrame | None = None) -> pd.Series:
    """Standard deviation of the first assessed level per theme across citizens (and for
    `samlet`): the s1 of the Reliable Change Index when no published SD is given.
    `niveauer`: `levels(vurderinger, metode)` when the caller has it already."""
    lv = levels(vurderinger, metode) if niveauer is None else niveauer
    first = lv.groupby(["borger_id", "tema"], sort=False).head(1)
    return first.groupby("tema")["niveau"].std(ddof=1).rename("sd")


def classify(
    ch: pd.DataFrame,
    method: Metode = "rci",
    *,
    reliability: float | None = None,
    sd: float | Mapping[str, float] | pd.Series | None = None,
    minimum_change: float | None = None,
    criterion: float = RCI_CRITERION,
) -> pd.DataFrame:
    """Add `udvikling` (progression / stabil / regression) to a frame from `changes`.

    method="rci": Reliable Change Index (Jacobson & Truax 1991) with the given reliability
    and SD (a number, or one per theme; NaN or missing themes give NaN); adds `rci` and
    `mindste_aendring` (smallest reliable change, in levels). Progression when RCI < −1.96,
    i.e. the level fell by more than 1.96·S_diff.
    method="minimum": progression when the level fell by at least `minimum_change` levels,
    regression when it rose by at least that much.
    """
    out = ch.copy()
    if method == "rci":
        if reliability is None or sd is None:
            raise ValueError("RCI kræver både reliabilitet og standardafvigelse")
        if not 0 <= reliability < 1:
            raise ValueError(f"reliabiliteten skal ligge i [0; 1) (fik {reliability})")
        if isinstance(sd, Mapping | pd.Series):
            s1 = out["tema"].map(pd.Series(sd, dtype=float)).astype(float)
        else:
            s1 = pd.Series(float(sd), index=out.index)
        s_diff = np.sqrt(2.0) * s1 * np.sqrt(1 - reliability)
        out["rci"] = out["aendring"] / s_diff.where(s_diff > 0)
        out["mindste_aendring"] = criterion * s_diff
        score, limit = out["rci"], criterion
        better, worse = score < -limit, score > limit
    elif method == "minimum":
        if minimum_change is None or minimum_change <= 0:
            raise ValueError("mindsteændringen skal være et positivt antal niveauer")
        # Small tolerance: a mean over themes may land a hair off the exact step.
        better = out["aendring"] <= -minimum_change + 1e-9
        worse = out["aendring"] >= minimum_change - 1e-9
        score = out["aendring"]
    else:
        raise ValueError(f"ukendt metode {method!r}: brug 'rci' eller 'minimum'")
    udvikling = np.select([better, worse], [PROGRESSION, REGRESSION], STABIL).astype(object)
    udvikling[score.isna().to_numpy()] = None
    out["udvikling"] = udvikling
    return out


def individual_progression(
    vurderinger: pd.DataFrame,
    method: Metode = "rci",
    *,
    reliability: float | None = None,
    sd: float | None = None,
    minimum_change: float | None = None,
    between: Literal["first_latest", "consecutive"] = "first_latest",
    metode: str | None = None,
) -> pd.DataFrame:
    """Changes (`changes`) classified (`classify`) in one call, with a `metode` column.

    metode=None handles each assessment method (VUM2 for adults, ICS for children) on its own,
    so `samlet` never mixes the two. With method="rci" and sd=None, the SD is the per-theme
    SD of first assessments within the method (`baseline_sd`).
    """
    methods = [metode] if metode else sorted(vurderinger["metode"].dropna().unique())
    parts = []
    for m in methods:
        lv = levels(vurderinger, m)  # once for the changes and the SD
        ch = changes(vurderinger, between, metode=m, niveauer=lv)
        sd_used = (baseline_sd(vurderinger, m, niveauer=lv) if method == "rci" and sd is None
                   else sd)
        out = classify(ch, method, reliability=reliability, sd=sd_used,
                       minimum_change=minimum_change)
        parts.append(out.assign(metode=m))
    if not parts:  # no assessments at all: an empty frame with the usual columns
        empty = changes(vurderinger, between, metode=metode)
        return empty.assign(udvikling=pd.Series(dtype=object), metode=pd.Series(dtype=object))
    return pd.concat(parts, ignore_index=True)


def level_near(lv: pd.DataFrame, keys: pd.DataFrame, on: str) -> pd.DataFrame:
    """For each row of `keys` (borger_id, tema, `on`), the latest level of that theme on or
    before the date, else the first after it. Returns dato and niveau aligned to keys."""
    left = keys[["borger_id", "tema", on]].reset_index().rename(columns={on: "dato"})
    left = left.sort_values("dato")
    right = lv.sort_values("dato").astype({"dato": left["dato"].dtype})
    right = right.assign(dato_v=right["dato"])
    found = {
        direction: pd.merge_asof(
            left, right, on="dato", by=["borger_id", "tema"], direction=direction
        ).set_index("index")
        for direction in ("backward", "forward")
    }
    use_fwd = found["backward"]["niveau"].isna()
    dato = found["backward"]["dato_v"].where(~use_fwd, found["forward"]["dato_v"])
    niveau = found["backward"]["niveau"].where(~use_fwd, found["forward"]["niveau"])
    return pd.DataFrame({"dato": dato, "niveau": niveau}).reindex(keys.index)


def judge_goals(
    maal: pd.DataFrame,
    vurderinger: pd.DataFrame,
    method: Metode = "rci",
    *,
    reliability: float | None = None,
    sd: float | Mapping[str, float] | pd.Series | None = None,
    minimum_change: float | None = None,
    metode: str | None = "VUM2",
) -> pd.DataFrame:
    """The development on each goal's theme, judged against the goal type.

    Baseline: the latest assessment of the theme on or before the goal's startdato (else the
    first after it); endpoint: the latest assessment of the theme after the baseline. One row
    per goal with maal_id, borger_id, tema, maaltype, status, niveau_foer, niveau_efter,
    aendring, udvikling and `succes`: for "Udvikle" progression; for "Fastholde" and
    "Begrænse tab" anything but regression (stable is success). NaN without two assessments.
    With method="rci" and sd=None, the SD is `baseline_sd` of the assessments.
    """
    lv = levels(vurderinger, metode)
    m = maal.reset_index(drop=True)
    base = level_near(lv, m, "startdato")
    latest = lv.groupby(["borger_id", "tema"], as_index=False).tail(1)
    end = m[["borger_id", "tema"]].merge(latest, on=["borger_id", "tema"], how="left")
    ch = pd.DataFrame(
        {
            "maal_id": m["maal_id"],
            "borger_id": m["borger_id"],
            "tema": m["tema"],
            "maaltype": m["maaltype"],
            "status": m["status"],
            "dato_foer": base["dato"],
            "dato_efter": end["dato"],
            "niveau_foer": base["niveau"],
            "niveau_efter": end["niveau"],
        }
    )
    ok = ch["dato_efter"] > ch["dato_foer"]
    ch["aendring"] = (ch["niveau_efter"] - ch["niveau_foer"]).where(ok)
    if method == "rci" and sd is None:
        sd = baseline_sd(vurderinger, metode, niveauer=lv)
    out = classify(ch, method, reliability=reliability, sd=sd, minimum_change=minimum_change)
    stable_ok = out["maaltype"].isin(MAALTYPER_STABIL_ER_SUCCES)
    success = np.where(stable_ok, out["udvikling"] != REGRESSION, out["udvikling"] == PROGRESSION)
    out["succes"] = pd.Series(success, index=out.index, dtype=object).where(
        out["udvikling"].notna()
    )
    return out


def goal_attainment(maal: pd.DataFrame, by: str | list[str] = "maaltype") -> pd.DataFrame:
    """Goal attainment rates from the caseworkers' own status on each goal.

    Per group: antal_maal, afsluttede (status other than igangværende), opnaaet,
    delvist_opnaaet, ikke_opnaaet, andel_opnaaet (= opnaaet / afsluttede) and
    andel_helt_eller_delvist. Running goals do not count in the shares.
    """
    by = [by] if isinstance(by, str) else list(by)
    s = maal["status"]
    d = maal[by].assign(
        antal_maal=1,
        afsluttede=(s != "igangværende").astype(int),
        opnaaet=(s == "opnået").astype(int),
        delvist_opnaaet=(s == "delvist opnået").astype(int),
        ikke_opnaaet=(s == "ikke opnået").astype(int),
    )
    out = d.groupby(by, as_index=False).sum()
    done = out["afsluttede"].where(out["afsluttede"] > 0)
    out["andel_opnaaet"] = out["opnaaet"] / done
    out["andel_helt_eller_delvist"] = (out["opnaaet"] + out["delvist_opnaaet"]) / done
    return out


def offers_in_period(
    bevillinger: pd.DataFrame, periods: pd.DataFrame, column: str = "tilbud_id"
) -> pd.DataFrame:
    """Which offers each citizen had while being followed: pairs (borger_id, `column`) for
    every grant overlapping the citizen's [dato_foer, dato_efter]. A citizen with several
    offers appears once per offer; grants with an empty `column` are skipped."""
    g = bevillinger[["borger_id", column, "startdato", "slutdato"]].dropna(subset=[column])
    p = periods[["borger_id", "dato_foer", "dato_efter"]].drop_duplicates("borger_id")
    m = g.merge(p, on="borger_id")
    overlap = (m["startdato"] <= m["dato_efter"]) & (
        m["slutdato"].isna() | (m["slutdato"] >= m["dato_foer"])
    )
    return m.loc[overlap, ["borger_id", column]].drop_duplicates().reset_index(drop=True)


def progression_shares(
    udvikling: pd.DataFrame, groups: pd.DataFrame | None = None, by: str | None = None
) -> pd.DataFrame:
    """Counts and shares of progression, stabil and regression, overall or per group.

    `udvikling` is one row per citizen (e.g. `individual_progression` filtered to one theme);
    `groups` maps borger_id to the column `by` (may be many-to-many, e.g. offers). Columns:
    `by` (if given), antal_borgere, antal_progression, antal_stabil, antal_regression,
    andel_progression, andel_stabil, andel_regression.
    """
    u = udvikling.dropna(subset=["udvikling"])
    if groups is not None and by is not None:
        u = u.merge(groups[["borger_id", by]].drop_duplicates(), on="borger_id")
    keys = [by] if by is not None else []
    counts = (
        pd.crosstab([u[k] for k in keys] or [np.zeros(len(u), dtype=int)], u["udvikling"])
        .reindex(columns=list(UDVIKLINGER), fill_value=0)
    )
    counts.columns = [f"antal_{c}" for c in UDVIKLINGER]
    total = counts.sum(axis=1)
    out = counts.assign(antal_borgere=total)
    for c in UDVIKLINGER:
        out[f"andel_{c}"] = out[f"antal_{c}"] / total.where(total > 0)
    out = out[["antal_borgere", *counts.columns, *(f"andel_{c}" for c in UDVIKLINGER)]]
    if keys:
        return out.reset_index()
    return out.reset_index(drop=True)


def citizen_offer_at(
    bevillinger: pd.DataFrame, borger_ids: pd.Series, on: pd.Timestamp | str, column: str
) -> pd.Series:
    """The `column` value (e.g. paragraf) of each citizen's most recently started grant active
    on a date; NaN for citizens without one."""
    active = bevillinger[is_active(bevillinger, on)].sort_values("startdato")
    latest = active.drop_duplicates("borger_id", keep="last").set_index("borger_id")[column]
    return borger_ids.map(latest)


def trajectories(
    vurderinger: pd.DataFrame,
    tema: str = SAMLET,
    *,
    groups: pd.DataFrame | None = None,
    by: str | None = None,
    bin_months: int = 6,
    metode: str | None = "VUM2",
) -> pd.DataFrame:
    """Mean level by whole months since each citizen's first assessment, in bins of
    `bin_months`.

    Columns: `by` (if given), maaneder (start of the bin in months since the first
    assessment), gennemsnit, antal_borgere. Each citizen counts once per bin (their mean
    level in the bin).
    """
    lv = levels(vurderinger, metode)
    lv = lv[lv["tema"] == tema]
    first = lv.groupby("borger_id")["dato"].transform("min")
    # Whole calendar months elapsed (10 Jan -> 10 Jul = 6), so bins do not drift by a day.
    months = (
        (lv["dato"].dt.year - first.dt.year) * 12
        + (lv["dato"].dt.month - first.dt.month)
        - (lv["dato"].dt.day < first.dt.day).astype(int)
    )
    lv = lv.assign(maaneder=(months // bin_months * bin_months).astype(int))
    keys = ["maaneder"]
    if groups is not None and by is not None:
        lv = lv.merge(groups[["borger_id", by]].drop_duplicates(), on="borger_id")
        keys = [by, "maaneder"]
    per_citizen = lv.groupby([*keys, "borger_id"], as_index=False)["niveau"].mean()
    return (
        per_citizen.groupby(keys, as_index=False)
        .agg(gennemsnit=("niveau", "mean"), antal_borgere=("borger_id", "nunique"))
    )


GROUPINGS = ("maalgruppe", "paragraf", "tilbud", "leverandoer", "startniveau")


def progression_by(
    udvikling: pd.DataFrame,
    by: str,
    *,
    borgere: pd.DataFrame | None = None,
    bevillinger: pd.DataFrame | None = None,
    tilbud: pd.DataFrame | None = None,
    leverandoerer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Progression shares (`progression_shares`) per målgruppe, paragraph, offer, provider or
    level at the first assessment ("startniveau", rounded 0-4: for whom is progression
    realistic?). Offers, paragraphs and providers are those the citizen had while followed
    (`offers_in_period`), named by their `navn`. `udvikling`: one row per citizen."""
    if by == "maalgruppe":
        groups = borgere[["borger_id", "maalgruppe"]]
    elif by == "startniveau":
        groups = udvikling[["borger_id"]].assign(
            startniveau=np.clip(np.floor(udvikling["niveau_foer"] + 0.5), 0, 4).astype(int)
        )
    elif by in ("paragraf", "tilbud", "leverandoer"):
        column = {"paragraf": "paragraf", "tilbud": "tilbud_id", "leverandoer": "leverandoer_id"}[by]
        groups = offers_in_period(bevillinger, udvikling, column)
        names = {"tilbud": tilbud, "leverandoer": leverandoerer}.get(by)
        if names is not None:
            groups[by] = groups[column].map(names.set_index(column)["navn"]).fillna(groups[column])
        else:
            groups = groups.rename(columns={column: by})
    else:
        raise ValueError(f"ukendt gruppering {by!r}: brug en af {', '.join(GROUPINGS)}")
    return progression_shares(udvikling, groups, by)


def goal_success(judged: pd.DataFrame, by: str | list[str] = "maaltype") -> pd.DataFrame:
    """Share of goals met judged by the VUM development on the goal's theme (`judge_goals`),
    next to the caseworkers' own status. Per group: antal_maal, antal_maalbare (goals with two
    assessments), antal_succes, andel_succes (of the measurable ones)."""
    by = [by] if isinstance(by, str) else list(by)
    measurable = judged["succes"].notna()
    d = judged[by].assign(
        antal_maal=1,
        antal_maalbare=measurable.astype(int),
        antal_succes=(measurable & judged["succes"].eq(True)).astype(int),
    )
    out = d.groupby(by, as_index=False).sum()
    out["andel_succes"] = out["antal_succes"] / out["antal_maalbare"].where(
        out["antal_maalbare"] > 0
    )
    return out


def hide_small_shares(shares: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """For the byråd: blank (NaN) every share whose count is hidden by small-cell suppression
    (`privacy.suppression_mask` over antal_borgere and the three counts, the same cells
    `report.show_table(counts=...)` hides), so a share times a shown total cannot reveal a
    small count. Rows whose total is hidden lose all shares."""
    count_cols = ["antal_borgere", *(f"antal_{c}" for c in UDVIKLINGER)]
    mask = suppression_mask(shares[count_cols], threshold)
    out = shares.copy()
    for c in UDVIKLINGER:
        hidden = mask[f"antal_{c}"] | mask["antal_borgere"]
        out[f"andel_{c}"] = out[f"andel_{c}"].mask(hidden)
    return out
