"""A review list that remembers (`remember`): next month's list says what changed since the
last decision on each grant and leaves out the grants decided recently whose situation has not
changed, counting them, so nothing disappears silently. Pure computations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from .base import fmt_dato, regulated, resolve_as_of, servicetjek_params
from .catalog import REGLER
from .history import Beslutninger

NY = "ny"
AFVENTER = "på listen før, ikke besluttet"
#: A price counts as risen when it is this share above the decided price regulated to now
#: (the review sheet rounds prices to øre, and the index regulation is not a rise).
PRIS_TOLERANCE = 0.005


@dataclass(frozen=True)
class Hukommelse:
    """The review list after memory.

    liste: the grants to take up (prioritize's columns, prioritet renumbered 1..n) with status
    ('ny', 'på listen før, ikke besluttet' or 'igen: …' with every reason, e.g. 'igen: ny regel
    (Meget dyr sag), prisen er steget'), sidste_beslutning ('uændret 12.01.2027') and
    sidste_beslutningsdato. udeladt: the flagged grants left out (bevilling_id, afdeling,
    beslutning, beslutningsdato). antal: status, antal_bevillinger per status and reason (a
    grant listed again for two reasons counts under both), with the left-out ones.
    maaneder: servicetjek.gentag_efter_maaneder.
    """

    liste: pd.DataFrame
    udeladt: pd.DataFrame
    antal: pd.DataFrame
    maaneder: int


def _reasons(maaneder: int) -> dict[str, str]:
    unit = "måned" if maaneder == 1 else "måneder"
    old = f"besluttet for over {maaneder} {unit} siden" if maaneder else "besluttet før"
    return {"regel": "ny regel", "pris": "prisen er steget", "omfang": "omfanget er ændret",
            "slut": "slutdatoen er passeret", "gammel": old}


def _new_rules(liste: pd.DataFrame, then: pd.Series) -> pd.Series:
    """Per list row: the names of the rules flagging it now that did not when it was decided
    (comma-separated; '' when none)."""
    def split(s: pd.Series) -> pd.DataFrame:
        x = s.fillna("").astype(str).str.split(",").explode().str.strip()
        return x[x != ""].rename("regel").reset_index()

    now = split(liste["regler"].reset_index(drop=True))
    old = split(then.reset_index(drop=True))
    new = now.merge(old, on=["index", "regel"], how="left", indicator=True)
    new = new[new["_merge"] == "left_only"]
    names = new["regel"].map({k: v.navn for k, v in REGLER.items()}).fillna(new["regel"])
    joined = names.groupby(new["index"]).agg(", ".join)
    return joined.reindex(range(len(liste)), fill_value="")


def remember(liste: pd.DataFrame, beslutninger: Beslutninger | None, data: Data,
             params: Parametre, as_of=None) -> Hukommelse:
    """Mark what changed since each grant's decision in force and leave out those decided
    within servicetjek.gentag_efter_maaneder months whose situation has not changed.

    A decided grant comes back ('igen: …') when a rule flags it that did not when it was
    decided ('ny regel (…)'), its price regulated to now is above the price on the decided list
    regulated the same way ('prisen er steget', see PRIS_TOLERANCE), its volume differs
    ('omfanget er ændret'), its expected or actual end date fell after the decision and by the
    reference date ('slutdatoen er passeret'), or the decision is older than the months.
    `liste`: `prioritize`'s list; `beslutninger`: read_decision_folder's (None: all 'ny').
    """
    p, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    n = p.gentag_efter_maaneder
    text = _reasons(n)
    out = liste.reset_index(drop=True).copy()
    ids = out["bevilling_id"]
    if beslutninger is None or beslutninger.gaeldende.empty:
        dec = pd.DataFrame(index=range(len(out)), columns=["beslutning", "dato", "regler",
                                                           "enhedspris_nu", "omfang"])
        dec["dato"] = pd.to_datetime(dec["dato"])
        seen = pd.Series(False, index=out.index)
    else:
        dec = beslutninger.gaeldende.set_index("bevilling_id").reindex(ids).reset_index(drop=True)
        seen = ids.isin(beslutninger.sete)
    has = dec["beslutning"].notna()
    bev = data.bevillinger.set_index("bevilling_id").reindex(ids).reset_index(drop=True)
    price_now = regulated(bev["enhedspris"].astype(float), bev["startdato"], as_of.year,
                          prisindeks)
    years = (as_of.year - dec["dato"].dt.year).clip(lower=0).astype(float)
    price_then = dec["enhedspris_nu"].astype(float) * (1.0 + prisindeks) ** years
    ended = pd.Series(False, index=out.index)
    for c in ("forventet_slutdato", "slutdato"):
        ended |= (bev[c] > dec["dato"]) & (bev[c] <= as_of)
    new_rules = _new_rules(out, dec["regler"])
    cond = {
        "regel": new_rules.ne(""),
        "pris": price_now > price_then * (1 + PRIS_TOLERANCE),
        "omfang": (bev["omfang"].astype(float) - dec["omfang"].astype(float)).abs() > 1e-9,
        "slut": ended,
        "gammel": (dec["dato"] < as_of - pd.DateOffset(months=n)) if n else has,
    }
    reason = pd.Series("", index=out.index)
    for key, hit in cond.items():
        label = text[key] + (" (" + new_rules + ")" if key == "regel" else "")
        reason = reason + np.where(has & hit, label + ", ", "")
    reason = reason.str.removesuffix(", ")
    status = pd.Series(np.select([~has & seen, ~has, reason.ne("")],
                                 [AFVENTER, NY, "igen: " + reason], default=""), index=out.index)
    keep = status.ne("")
    last = (dec["beslutning"].fillna("") + " " + fmt_dato(dec["dato"])).where(has)
    out.insert(1, "status", status)
    out.insert(2, "sidste_beslutning", last)
    out.insert(3, "sidste_beslutningsdato", dec["dato"])
    udeladt = out.loc[~keep, ["bevilling_id", "afdeling"]].assign(
        beslutning=dec.loc[~keep, "beslutning"], beslutningsdato=dec.loc[~keep, "dato"])
    kept = out[keep].reset_index(drop=True)
    kept["prioritet"] = np.arange(1, len(kept) + 1)
    rows = [(NY, int((status == NY).sum())), (AFVENTER, int((status == AFVENTER).sum()))]
    rows += [("igen: " + text[k], int((has & keep & cond[k]).sum())) for k in cond]
    unit = "måned" if n == 1 else "måneder"
    rows += [(f"udeladt: besluttet inden for {n} {unit}, intet nyt", int((~keep).sum())),
             ("markeret i alt", len(out))]
    antal = pd.DataFrame(rows, columns=["status", "antal_bevillinger"])
    return Hukommelse(kept, udeladt.reset_index(drop=True), antal, n)


def meeting_pack(sheet: pd.DataFrame, antal: int | None = None) -> dict[str, pd.DataFrame]:
    """The month's meeting pack: per afdeling (sorted by name) its cases in priority order,
    the first `antal` (servicetjek.moedepakke_antal; None = all). `sheet`: the review sheet
    (review_sheet of the remembered list), so the pack can be filled in and read back."""
    ordered = sheet.sort_values(["afdeling", "prioritet"], kind="stable")
    return {str(afdeling): (part if antal is None else part.head(antal)).reset_index(drop=True)
            for afdeling, part in ordered.groupby("afdeling", sort=True, observed=True)}
