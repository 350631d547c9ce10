"""`screen`: run every rule over the canonical tables and return one row per flag, with the
savings potential as a range; summaries for the byråd, and `with_overrides` for screening
again with other thresholds (see rescreen.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from ..config import Parametre
from ..data import Data
from . import arrays
from . import rules as r
from .base import TIMINGS, Kontekst, resolve_as_of, screening_base, servicetjek_params, timed
from .catalog import REGLER, check_parameters
from .udvikling import no_progression

#: The columns of `screen`'s result, in order.
FLAG_COLUMNS = [
    "bevilling_id", "borger_id", "leverandoer_id", "paragraf", "afdeling", "regel", "regel_navn",
    "begrundelse", "maalt", "graense", "niveau", "aarlig_udgift", "bruttogab",
    "andel_lav", "andel_hoej", "potentiale_lav", "potentiale_hoej",
]


def shares(params: Parametre) -> pd.DataFrame:
    """The assumed share of flagged cases that end up adjusted, per rule: columns regel,
    andel_lav, andel_hoej (parameter `andel_justeret`; 'standard' for rules not named)."""
    p, _ = servicetjek_params(params)
    std = p.andel_justeret["standard"]
    rows = [(k, *p.andel_justeret.get(k, std)) for k in REGLER]
    return pd.DataFrame(rows, columns=["regel", "andel_lav", "andel_hoej"])


def screen(data: Data, params: Parametre, as_of=None, *, base: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """Screen all grants with every rule; one row per (grant, rule) flag.

    params: the full `Parametre` (the servicetjek section plus `prisindeks`, which regulates
    prices to the reference year). as_of: the reference date; default the last day of the
    latest payment month (`reference_date`). base: a ready `screening_base` (to reuse it).

    Columns (FLAG_COLUMNS): the grant's ids, paragraf and afdeling; regel (id, see REGLER),
    regel_navn and begrundelse (Danish, with the numbers that triggered it); maalt and graense
    (the measured value and the threshold, in the rule's unit); niveau (need level 0-4 at the
    start); aarlig_udgift (current annual cost in kr); bruttogab (kr per year saved if the case
    is adjusted as the rule suggests); andel_lav/andel_hoej (assumed share of such flags that
    end up adjusted); potentiale_lav/potentiale_hoej = bruttogab × the shares (kr per year,
    NaN where the gap cannot be computed). Flags overlap: combine per grant with `prioritize`.
    """
    p, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    TIMINGS.clear()
    ctx = Kontekst(as_of=as_of, prisindeks=prisindeks, p=p)
    # The payments (the largest table) are summed on a second thread while the grants are
    # prepared: both are mostly Arrow and numpy work, which runs outside the GIL.
    with ThreadPoolExecutor(1) as pool:
        grants = data.bevillinger.reset_index(drop=True)
        pending = pool.submit(_timed_payments, grants, data, ctx)
        with timed("vurderinger"):
            scores = arrays.Scores.of(data.vurderinger)
        if base is None:
            with timed("grundlag"):
                base = screening_base(data, params, as_of, scores=scores)
        with timed("sammenlignelige"):
            peers = r.peer_prices(base, p.pris_over_sammenlignelige, p.min_sammenlignelige)
            limits = r.category_limits(base, ctx)
            categories = r.price_category(base, limits)
        with timed("udviklingsforløb"):
            development = no_progression(data, params, as_of, scores)
        del scores
        parts = []
        for rule, extra in [
            (r.pris_over_sammenlignelige, (peers,)),
            (r.priskategori, (limits, categories)),
            (r.midlertidig_overskredet, ()),
            (r.forbedret_funktion, ()),
            (r.ingen_progression, (peers, development, params.opfoelgning.progression_maaneder)),
            (r.opfoelgning_overskredet, ()),
            (r.dyr_sag, ()),
            (r.dobbelt_kompensation, ()),
            (r.uden_standardkontrakt, (peers,)),
        ]:  # the rules that do not need the payments, while they are summed
            with timed(rule.__name__):
                parts.append(rule(base, data, ctx, *extra))
        with timed("venter på betalinger"):
            payments = pending.result()
    for rule in (r.betaling_efter_slut, r.betaling_afviger, r.prisstigning):
        with timed(rule.__name__):
            parts.append(rule(base, data, ctx, payments))
    del payments
    with timed("samling"):
        return _assemble(parts, base, params)


def _timed_payments(grants: pd.DataFrame, data: Data, ctx: Kontekst) -> r.Payments:
    with timed("betalinger"):
        return r.Payments(grants, data, ctx)


def _assemble(parts: list[pd.DataFrame], base: pd.DataFrame, params: Parametre) -> pd.DataFrame:
    flags = pd.concat(parts, ignore_index=True)
    info = base[["bevilling_id", "borger_id", "leverandoer_id", "paragraf", "afdeling", "niveau",
                 "aarlig_udgift"]]
    out = info.iloc[flags["i"].to_numpy()].reset_index(drop=True)
    out = pd.concat([out, flags.drop(columns="i")], axis=1)
    out["regel_navn"] = out["regel"].map({k: v.navn for k, v in REGLER.items()})
    out = out.merge(shares(params), on="regel", how="left")
    out["potentiale_lav"] = out["bruttogab"] * out["andel_lav"]
    out["potentiale_hoej"] = out["bruttogab"] * out["andel_hoej"]
    order = {k: n for n, k in enumerate(REGLER)}
    out = out.assign(_o=out["regel"].map(order)).sort_values(["_o", "bevilling_id"], kind="stable")
    return out[FLAG_COLUMNS].reset_index(drop=True)


def combine(flags: pd.DataFrame) -> pd.DataFrame:
    """Per grant: the combined potential range. Rules of the group 'indsats' are alternatives
    (max), 'betaling' rules add up on top (see catalog.Regel). Columns bevilling_id,
    potentiale_lav, potentiale_hoej (NaN gaps count as 0)."""
    gruppe = flags["regel"].map({k: v.gruppe for k, v in REGLER.items()})
    f = flags.assign(_lav=flags["potentiale_lav"].fillna(0), _hoej=flags["potentiale_hoej"].fillna(0),
                     _g=gruppe)
    ind = f[f["_g"] == "indsats"].groupby("bevilling_id")[["_lav", "_hoej"]].max()
    bet = f[f["_g"] == "betaling"].groupby("bevilling_id")[["_lav", "_hoej"]].sum()
    both = ind.add(bet, fill_value=0)
    return both.rename(columns={"_lav": "potentiale_lav", "_hoej": "potentiale_hoej"}).reset_index()


@dataclass(frozen=True)
class Oversigt:
    """Headline figures of a screening.

    antal_screenede: active grants on the reference date; antal_flag: flags (grant × rule);
    antal_bevillinger/antal_borgere: distinct grants/citizens with at least one flag;
    potentiale_lav/hoej: combined per grant (no double counting), kr per year;
    pr_regel: per rule regel, regel_navn, antal_bevillinger, antal_borgere, potentiale_lav,
    potentiale_hoej (rules overlap, so these do not sum to the total).
    """

    opgoerelsesdato: pd.Timestamp
    antal_screenede: int
    antal_flag: int
    antal_bevillinger: int
    antal_borgere: int
    potentiale_lav: float
    potentiale_hoej: float
    pr_regel: pd.DataFrame


def summarize(flags: pd.DataFrame, data: Data, as_of=None) -> Oversigt:
    """The screening's headline figures (see Oversigt)."""
    as_of = resolve_as_of(data, as_of)
    bev = data.bevillinger
    active = (bev["startdato"] <= as_of) & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of))
    per = flags.groupby("regel").agg(
        antal_bevillinger=("bevilling_id", "nunique"),
        antal_borgere=("borger_id", "nunique"),
        potentiale_lav=("potentiale_lav", "sum"),
        potentiale_hoej=("potentiale_hoej", "sum"),
    )
    per = per.reindex(list(REGLER)).fillna(0)
    per[["antal_bevillinger", "antal_borgere"]] = per[["antal_bevillinger", "antal_borgere"]].astype(int)
    per.insert(0, "regel_navn", [REGLER[k].navn for k in per.index])
    per = per.rename_axis("regel").reset_index()
    comb = combine(flags)
    return Oversigt(
        opgoerelsesdato=as_of,
        antal_screenede=int(active.sum()),
        antal_flag=len(flags),
        antal_bevillinger=int(flags["bevilling_id"].nunique()),
        antal_borgere=int(flags["borger_id"].nunique()),
        potentiale_lav=float(comb["potentiale_lav"].sum()),
        potentiale_hoej=float(comb["potentiale_hoej"].sum()),
        pr_regel=per,
    )


def with_overrides(params: Parametre, **overrides) -> Parametre:
    """The parameters with some servicetjek keys replaced (validated like the YAML files)."""
    section = params.servicetjek.model_dump()
    unknown = set(overrides) - set(section)
    if unknown:
        raise ValueError(f"Ukendte servicetjek-parametre: {', '.join(sorted(unknown))}")
    section.update(overrides)
    new_section = type(params.servicetjek).model_validate(section)
    new = params.model_copy(update={"servicetjek": new_section})
    check_parameters(new)
    return new


@dataclass(frozen=True)
class Priskategorier:
    """Gentofte's price categories: the limits used per paragraph and each grant's category.

    graenser: paragraf, enhed, lav_til, middel_til, hoej_til, kilde, antal.
    bevillinger: active grants in the categorised paragraphs: bevilling_id, paragraf, enhed,
    pris, niveau, priskategori.
    """

    graenser: pd.DataFrame
    bevillinger: pd.DataFrame

    def fordeling(self) -> pd.DataFrame:
        """Number of grants per paragraph (rows) and category (columns lav … ekstraordinær)."""
        t = pd.crosstab(self.bevillinger["paragraf"], self.bevillinger["priskategori"])
        return t.reindex(columns=list(r.KATEGORIER), fill_value=0).rename_axis(None, axis=1)


def price_categories(data: Data, params: Parametre, as_of=None, *,
                     base: pd.DataFrame | None = None) -> Priskategorier:
    """Each active §107/§108 daily rate (and §85 hourly price) placed in lav, middel, høj or
    ekstraordinær, by the limits in the parameters or the quantiles of the municipality's own
    prices (see `rules.category_limits`)."""
    p, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    if base is None:
        base = screening_base(data, params, as_of)
    ctx = Kontekst(as_of=as_of, prisindeks=prisindeks, p=p)
    limits = r.category_limits(base, ctx)
    cat = r.price_category(base, limits)
    known = cat.notna()
    rows = base.loc[known, ["bevilling_id", "paragraf", "enhed", "pris", "niveau"]].assign(
        priskategori=cat[known])
    return Priskategorier(limits, rows.reset_index(drop=True))


def antal_pr_regel(flags: pd.DataFrame) -> dict[str, int]:
    """Number of flagged grants per rule id (all rules, zeros included), for results.json."""
    counts = flags.groupby("regel")["bevilling_id"].nunique()
    return {k: int(counts.get(k, 0)) for k in REGLER}


__all__ = [
    "FLAG_COLUMNS", "Oversigt", "Priskategorier", "antal_pr_regel", "combine",
    "price_categories", "screen", "shares", "summarize", "with_overrides",
]

