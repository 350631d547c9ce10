"""The analysis data set for one intervention, and its effect estimates.

An intervention is a paragraph and/or a provider or offer from a start date. Treated
citizens have a matching grant active on or after the start; the comparison group is chosen
by a rule (same paragraph at other providers, or the same målgruppe), optionally matched on
the baseline level. Each citizen gets an anchor date: the start, or the start of their grant
if later. "før" is their latest assessment on or before the anchor, "efter" their latest
assessment after it. The outcome is a VUM level (one theme or `samlet`): lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..data.tables import Data
from .estimates import (
    Estimate,
    compare_groups,
    did_means,
    difference_in_differences,
    paired_change,
    rate_change,
    standardised_difference,
)
from .individual import levels

INDSATS, SAMMENLIGNING = "indsats", "sammenligning"
FOER, EFTER = "før", "efter"
Sammenligning = Literal["paragraf", "maalgruppe"]


@dataclass(frozen=True)
class Indsats:
    """Which grants make up the intervention: any of paragraf, leverandoer_id, tilbud_id
    (all given ones must match), active on or after `start`."""

    start: pd.Timestamp
    paragraf: str | None = None
    leverandoer_id: str | None = None
    tilbud_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start))
        if not (self.paragraf or self.leverandoer_id or self.tilbud_id):
            raise ValueError("angiv mindst én af paragraf, leverandør eller tilbud for indsatsen")


def _active_from(bevillinger: pd.DataFrame, start: pd.Timestamp) -> pd.Series:
    return bevillinger["slutdato"].isna() | (bevillinger["slutdato"] >= start)


def intervention_grants(bevillinger: pd.DataFrame, indsats: Indsats) -> pd.Series:
    """True for grants belonging to the intervention (all given filters match, active on or
    after the start)."""
    hit = _active_from(bevillinger, indsats.start)
    for col in ("paragraf", "leverandoer_id", "tilbud_id"):
        value = getattr(indsats, col)
        if value:
            hit &= bevillinger[col] == value
    return hit


def _anchors(grants: pd.DataFrame, start: pd.Timestamp) -> pd.Series:
    """Per citizen: the later of the start and their first matching grant's start."""
    first = grants.groupby("borger_id")["startdato"].min()
    return first.clip(lower=start).rename("anker")


def choose_groups(
    data: Data,
    indsats: Indsats,
    sammenligning: Sammenligning = "paragraf",
) -> pd.DataFrame:
    """Treated and comparison citizens with their anchor dates.

    Columns: borger_id, gruppe (indsats/sammenligning), anker. Comparison, by rule:
    "paragraf" = citizens with a grant of the intervention's paragraph(s) at other providers
    (and offers), active on or after the start; "maalgruppe" = citizens in the treated
    citizens' målgrupper with any grant active on or after the start. Treated citizens are
    never in the comparison group.
    """
    b = data.bevillinger
    is_treated = intervention_grants(b, indsats)
    treated = _anchors(b[is_treated], indsats.start)
    if treated.empty:
        raise ValueError("ingen bevillinger matcher indsatsen fra startdatoen")
    pool = b[_active_from(b, indsats.start) & ~b["borger_id"].isin(treated.index)]
    if sammenligning == "paragraf":
        paragraffer = [indsats.paragraf] if indsats.paragraf else b.loc[is_treated, "paragraf"].unique()
        pool = pool[pool["paragraf"].isin(paragraffer)]
        if indsats.leverandoer_id:
            pool = pool[pool["leverandoer_id"] != indsats.leverandoer_id]
        if indsats.tilbud_id:
            pool = pool[pool["tilbud_id"].fillna("") != indsats.tilbud_id]
    elif sammenligning == "maalgruppe":
        grupper = data.borgere.loc[data.borgere["borger_id"].isin(treated.index), "maalgruppe"]
        same = data.borgere.loc[data.borgere["maalgruppe"].isin(grupper.unique()), "borger_id"]
        pool = pool[pool["borger_id"].isin(same)]
    else:
        raise ValueError(f"ukendt sammenligning {sammenligning!r}: brug 'paragraf' eller 'maalgruppe'")
    comparison = _anchors(pool, indsats.start)
    out = pd.concat(
        [
            pd.DataFrame({"borger_id": treated.index, "gruppe": INDSATS, "anker": treated.values}),
            pd.DataFrame(
                {"borger_id": comparison.index, "gruppe": SAMMENLIGNING, "anker": comparison.values}
            ),
        ],
        ignore_index=True,
    )
    return out


def before_after(
    vurderinger: pd.DataFrame,
    groups: pd.DataFrame,
    tema: str,
    metode: str | None = "VUM2",
    *,
    niveauer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The tidy analysis frame: for each citizen in `groups` with an assessment of `tema` on or
    before the anchor AND one after it, two rows (før, efter).

    Columns: borger_id, gruppe, periode (før/efter), dato, udfald (the level), behandlet (1 =
    indsats), efter (1 = efter). `niveauer`: `levels(vurderinger, metode)` when the caller has
    it already (several analyses of the same assessments), else computed here.
    """
    lv = levels(vurderinger, metode) if niveauer is None else niveauer
    lv = lv[lv["tema"] == tema].merge(groups[["borger_id", "gruppe", "anker"]], on="borger_id")
    pre = lv[lv["dato"] <= lv["anker"]].groupby("borger_id").tail(1)
    post = lv[lv["dato"] > lv["anker"]].groupby("borger_id").tail(1)
    both = set(pre["borger_id"]) & set(post["borger_id"])
    frames = []
    for frame, periode in ((pre, FOER), (post, EFTER)):
        f = frame[frame["borger_id"].isin(both)]
        frames.append(
            pd.DataFrame(
                {
                    "borger_id": f["borger_id"].to_numpy(),
                    "gruppe": f["gruppe"].to_numpy(),
                    "periode": periode,
                    "dato": f["dato"].to_numpy(),
                    "udfald": f["niveau"].to_numpy(dtype=float),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["behandlet"] = (out["gruppe"] == INDSATS).astype(int)
    out["efter"] = (out["periode"] == EFTER).astype(int)
    return out.sort_values(["gruppe", "borger_id", "efter"], ignore_index=True)


def match_on_baseline(tidy: pd.DataFrame, k: int = 1) -> pd.DataFrame:
    """Keep, for each treated citizen, the k comparison citizens with the closest "før" level
    (greedy nearest neighbour without replacement, treated citizens in borger_id order, ties
    broken by borger_id). Treated citizens keep all their rows; unmatched comparison citizens
    are dropped."""
    if k < 1:
        raise ValueError("antal sammenligningsborgere pr. borger skal være mindst 1")
    base = tidy[tidy["periode"] == FOER].set_index("borger_id")["udfald"]
    groups = tidy.drop_duplicates("borger_id").set_index("borger_id")["gruppe"]
    treated = sorted(groups.index[groups == INDSATS])
    pool = base[groups.reindex(base.index) == SAMMENLIGNING].sort_index()
    values = pool.to_numpy(dtype=float)
    free = np.ones(len(pool), dtype=bool)
    picked: list[int] = []
    for borger in treated:
        if not free.any():
            break
        dist = np.where(free, np.abs(values - base[borger]), np.inf)
        # Stable sort keeps borger_id order among equally close citizens.
        take = np.argsort(dist, kind="stable")[: min(k, int(free.sum()))]
        free[take] = False
        picked.extend(take.tolist())
    chosen = pool.index[picked].tolist()
    keep = set(treated) | set(chosen)
    return tidy[tidy["borger_id"].isin(keep)].reset_index(drop=True)


def intervention_frame(
    data: Data,
    indsats: Indsats,
    tema: str,
    *,
    sammenligning: Sammenligning = "paragraf",
    match: bool = False,
    k: int = 1,
    metode: str | None = "VUM2",
    niveauer: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`choose_groups` + `before_after` (+ `match_on_baseline` when match=True)."""
    tidy = before_after(data.vurderinger, choose_groups(data, indsats, sammenligning), tema,
                        metode, niveauer=niveauer)
    return match_on_baseline(tidy, k) if match else tidy


@dataclass(frozen=True)
class InterventionResult:
    """Everything the notebook shows about one intervention on one outcome."""

    data: pd.DataFrame  # the tidy frame (borger_id, gruppe, periode, dato, udfald, ...)
    did: Estimate  # difference in differences, clustered on borger_id
    foer_efter: Estimate  # change in the treated group alone (no comparison group)
    baseline: Estimate  # treated − comparison at "før"
    std_forskel_foer: float  # standardised baseline difference
    celler: pd.DataFrame  # did_means: mean per group and period
    antal_indsats: int
    antal_sammenligning: int


def analyse_intervention(
    data: Data,
    indsats: Indsats,
    tema: str,
    *,
    sammenligning: Sammenligning = "paragraf",
    match: bool = False,
    k: int = 1,
    confidence: float = 0.95,
    metode: str | None = "VUM2",
    niveauer: pd.DataFrame | None = None,
) -> InterventionResult:
    """The effect of an intervention on a VUM level: DiD (cluster-robust on borger_id), the
    treated group's own before/after change, and the baseline difference between groups.
    Negative estimates mean the level fell (improved). `niveauer`: as in `before_after`."""
    tidy = intervention_frame(
        data, indsats, tema, sammenligning=sammenligning, match=match, k=k, metode=metode,
        niveauer=niveauer,
    )
    n = tidy.drop_duplicates("borger_id")["gruppe"].value_counts()
    if n.get(INDSATS, 0) < 2 or n.get(SAMMENLIGNING, 0) < 2:
        raise ValueError(
            "for få borgere med vurderinger både før og efter: "
            f"{n.get(INDSATS, 0)} i indsatsen, {n.get(SAMMENLIGNING, 0)} i sammenligningsgruppen"
        )
    before = tidy[tidy["periode"] == FOER]
    treated = tidy[tidy["gruppe"] == INDSATS]
    return InterventionResult(
        data=tidy,
        did=difference_in_differences(
            tidy, "udfald", "behandlet", "efter", cluster="borger_id", confidence=confidence
        ),
        foer_efter=paired_change(
            treated, "borger_id", "periode", "udfald", FOER, EFTER, confidence=confidence
        ),
        baseline=compare_groups(before, "udfald", "gruppe", INDSATS, confidence=confidence),
        std_forskel_foer=standardised_difference(before, "udfald", "gruppe", INDSATS),
        celler=did_means(tidy, "udfald", "behandlet", "efter"),
        antal_indsats=int(n.get(INDSATS, 0)),
        antal_sammenligning=int(n.get(SAMMENLIGNING, 0)),
    )


def monthly_counts(
    bevillinger: pd.DataFrame, paragraf: str, first_month: pd.Timestamp | str,
    last_month: pd.Timestamp | str,
) -> pd.DataFrame:
    """Per month: antal_aktive (citizens with a grant of the paragraph active some day in the
    month) and antal_nye (grants of the paragraph starting in the month)."""
    months = pd.date_range(pd.Timestamp(first_month), pd.Timestamp(last_month), freq="MS")
    g = bevillinger[bevillinger["paragraf"] == paragraf]
    ends = months + pd.offsets.MonthEnd(0)
    start = g["startdato"].to_numpy()
    stop = g["slutdato"].fillna(pd.Timestamp("2262-01-01")).to_numpy()
    active = (start[None, :] <= ends.to_numpy()[:, None]) & (stop[None, :] >= months.to_numpy()[:, None])
    borger = g["borger_id"].to_numpy()
    aktive = [len(set(borger[row])) for row in active]
    start_month = g["startdato"].dt.to_period("M").dt.to_timestamp()
    nye = start_month.value_counts().reindex(months, fill_value=0).to_numpy()
    return pd.DataFrame({"periode": months, "antal_aktive": aktive, "antal_nye": nye})


def count_change(
    monthly: pd.DataFrame, start: pd.Timestamp | str, column: str = "antal_nye",
    confidence: float = 0.95,
) -> Estimate:
    """Rate ratio of a monthly count after vs before `start` (exact conditional interval;
    `rate_change`), exposure = number of months in each period."""
    s = pd.Timestamp(start)
    before = monthly[monthly["periode"] < s]
    after = monthly[monthly["periode"] >= s]
    if before.empty or after.empty:
        raise ValueError(f"der skal være måneder både før og efter {s:%d.%m.%Y}")
    return rate_change(
        int(before[column].sum()), len(before), int(after[column].sum()), len(after),
        confidence=confidence,
    )


def success(
    estimate: Estimate, minimum_effect: float, lower_is_better: bool = True
) -> Literal["opfyldt", "usikkert", "ikke opfyldt"]:
    """Judge an estimate against a success criterion: an improvement of at least
    `minimum_effect` (levels for differences; a relative reduction such as 0.3 for rate
    ratios).

    "opfyldt": the estimated improvement reaches the criterion and the interval excludes no
    effect; "usikkert": it reaches the criterion but the interval includes no effect;
    "ikke opfyldt": the estimated improvement is below the criterion.
    """
    if estimate.design == "rate":
        sign = 1 if lower_is_better else -1
        improvement = sign * (1 - estimate.estimate)
        worst = sign * (1 - (estimate.ci_high if lower_is_better else estimate.ci_low))
    else:
        sign = -1 if lower_is_better else 1
        improvement = sign * estimate.estimate
        worst = sign * (estimate.ci_high if lower_is_better else estimate.ci_low)
    if not np.isfinite(improvement) or improvement < minimum_effect:
        return "ikke opfyldt"
    return "opfyldt" if worst > 0 else "usikkert"


def intervention_options(data: Data, start: pd.Timestamp | str) -> pd.DataFrame:
    """Offers that could be evaluated: every tilbud (and provider, for grants without a
    tilbud) with grants active on or after `start`, with the number of citizens.

    Columns: paragraf, leverandoer_id, leverandoer, tilbud_id, tilbud, antal_borgere; most
    citizens first. Used to fill the notebook's drop-down of interventions.
    """
    b = data.bevillinger[_active_from(data.bevillinger, pd.Timestamp(start))]
    keys = ["paragraf", "leverandoer_id", "tilbud_id"]
    out = (
        b.assign(tilbud_id=b["tilbud_id"].fillna(""))
        .groupby(keys, as_index=False)["borger_id"].nunique()
        .rename(columns={"borger_id": "antal_borgere"})
    )
    out["tilbud_id"] = out["tilbud_id"].replace("", np.nan)
    lev = data.leverandoerer.set_index("leverandoer_id")["navn"]
    til = data.tilbud.set_index("tilbud_id")["navn"]
    out.insert(2, "leverandoer", out["leverandoer_id"].map(lev))
    out["tilbud"] = out["tilbud_id"].map(til)
    out = out[["paragraf", "leverandoer_id", "leverandoer", "tilbud_id", "tilbud", "antal_borgere"]]
    return out.sort_values(["antal_borgere", "paragraf"], ascending=[False, True],
                           ignore_index=True)
