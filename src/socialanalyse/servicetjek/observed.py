"""Realised against expected per rule, and the observed shares that replace the assumed
ones (`andel_justeret`) in the potential once enough of a rule's flags are decided."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from .screening import with_overrides

#: Confidence level of the interval around an observed share (its lav and høj).
KONFIDENS = 0.95


@dataclass(frozen=True)
class Andele:
    """The shares behind the potential.

    parametre: the parameters with servicetjek.andel_justeret replaced for the rules with at
    least `min_beslutninger` decided flags. pr_regel: regel, regel_navn, kilde ('observeret'
    or 'antaget'), antal_besluttet, antal_justeret (justeret or ophørt), observeret_andel,
    andel_lav, andel_hoej (those used), antaget_lav, antaget_hoej (the parameters').
    """

    parametre: Parametre
    pr_regel: pd.DataFrame
    min_beslutninger: int

    @property
    def observerede(self) -> pd.DataFrame:
        """The rules whose shares are observed."""
        return self.pr_regel[self.pr_regel["kilde"] == "observeret"]


def observed_shares(traef: pd.DataFrame, params: Parametre) -> Andele:
    """Replace the assumed share of flagged grants adjusted by the observed one, per rule
    with at least servicetjek.min_beslutninger_observeret decisions: lav and høj become the
    Wilson 95 % interval of (justeret + ophørt) / besluttet (statsmodels). `traef`: the hit
    rates of `realized_savings` (Realiseret.traef). Rules with fewer decisions keep the
    parameters' shares."""
    from statsmodels.stats.proportion import proportion_confint

    minimum = params.servicetjek.min_beslutninger_observeret
    t = traef.copy()
    n = t["antal_besluttet"].to_numpy(dtype=float)
    k = (t["antal_justeret"] + t["antal_ophoert"]).to_numpy(dtype=float)
    enough = n >= minimum
    lav, hoej = proportion_confint(k, np.where(n > 0, n, 1), alpha=1 - KONFIDENS,
                                   method="wilson")
    lav, hoej = np.clip(lav, 0, 1), np.clip(hoej, 0, 1)
    out = pd.DataFrame({
        "regel": t["regel"], "regel_navn": t["regel_navn"],
        "kilde": np.where(enough, "observeret", "antaget"),
        "antal_besluttet": t["antal_besluttet"], "antal_justeret": k.astype(int),
        "observeret_andel": np.where(n > 0, k / np.where(n > 0, n, 1), np.nan),
        "andel_lav": np.where(enough, lav, t["andel_lav"]),
        "andel_hoej": np.where(enough, hoej, t["andel_hoej"]),
        "antaget_lav": t["andel_lav"], "antaget_hoej": t["andel_hoej"],
    })
    new = dict(params.servicetjek.andel_justeret)
    for row in out[enough].itertuples():  # at most the dozen rules
        new[row.regel] = (float(row.andel_lav), float(row.andel_hoej))
    replaced = with_overrides(params, andel_justeret=new) if enough.any() else params
    return Andele(replaced, out.reset_index(drop=True), minimum)


def against_expected(traef: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Realised against expected per rule with decisions: regel, regel_navn, antal_besluttet,
    antal_justeret (justeret or ophørt), traefprocent (observed share), andel_lav/andel_hoej
    (assumed), besparelse_pr_justeret (realised kr per year per adjusted grant) and
    forventet_pr_justeret (the screening's mean bruttogab of the rule's flags: what an
    adjustment is expected to save)."""
    gap = flags.groupby("regel")["bruttogab"].mean().rename("forventet_pr_justeret")
    t = traef[traef["antal_besluttet"] > 0].merge(gap, left_on="regel", right_index=True,
                                                  how="left")
    t = t.assign(antal_justeret=t["antal_justeret"] + t["antal_ophoert"])
    return t[["regel", "regel_navn", "antal_besluttet", "antal_justeret", "traefprocent",
              "andel_lav", "andel_hoej", "besparelse_pr_justeret", "forventet_pr_justeret"]
             ].reset_index(drop=True)
