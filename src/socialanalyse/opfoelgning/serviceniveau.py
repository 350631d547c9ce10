"""The serviceniveau in kroner (KL recommendation 2): the politically set serviceniveau per
paragraph and need level (usual volume, highest usual price category, longest time between
revisits; parameter opfoelgning.serviceniveau), the active grants outside it, and what the
spending would be if every grant were inside its range.

"Inside" means: the volume clipped into the range (up to the top, or up to the bottom) and the
price capped at the top of the highest usual price category (the servicetjek's categories,
`servicetjek.price_categories`: fixed limits or the quantiles of the municipality's own
prices). The yearly cost is `derived.annual_cost` at today's regulated price, as in the
servicetjek. Revisits have no kroner effect here; they are counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import reference as ref
from ..config import OpfoelgningParametre, Parametre
from ..data import Data
from ..data.derived import annual_cost, followup_due
from ..servicetjek import price_categories, screening_base, with_overrides
from ..servicetjek.base import TOL, resolve_as_of

KATEGORIER = ("lav", "middel", "høj", "ekstraordinær")
#: The price-category limit column that caps each highest usual category.
CAP = {"lav": "lav_til", "middel": "middel_til", "høj": "hoej_til"}
UNDER, INDEN_FOR, OVER = "under", "inden for", "over"
#: Why an active grant in a paragraph of the catalogue is not checked.
UKENDT_NIVEAU, NIVEAU_MANGLER, ANDEN_ENHED = (
    "ukendt støttebehov (ingen udredning før start)", "støttebehovet står ikke i serviceniveauet",
    "anden enhed end paragraffens sædvanlige")

BEVILLING_COLUMNS = [
    "bevilling_id", "borger_id", "afdeling", "paragraf", "niveau", "enhed", "omfang",
    "omfang_fra", "omfang_til", "omfang_status", "pris", "priskategori", "priskategori_max",
    "pris_max", "pris_status", "seneste_revisitation", "revisitation_maaneder",
    "revisitation_frist", "revisitation_overskredet", "uden_for", "aarlig_udgift",
    "aarlig_udgift_inden_for", "forskel",
]


@dataclass(frozen=True)
class Serviceniveautjek:
    """The grants against the serviceniveau. Amounts in kr a year at today's prices.

    katalog: the serviceniveau as a table (paragraf, niveau, enhed, omfang_fra, omfang_til,
    priskategori_max, revisitation_maaneder). bevillinger (BEVILLING_COLUMNS): the active
    grants with a serviceniveau: omfang_status and pris_status (under / inden for / over),
    revisitation_overskredet, uden_for (volume or price outside), aarlig_udgift now,
    aarlig_udgift_inden_for and forskel (inside minus now; negative is a saving). oversigt:
    per paragraf and niveau the counts and sums. ikke_vurderet: active grants in the
    catalogue's paragraphs that could not be checked, counted per paragraf and reason.
    """

    opgoerelsesdato: pd.Timestamp
    katalog: pd.DataFrame
    bevillinger: pd.DataFrame
    oversigt: pd.DataFrame
    ikke_vurderet: pd.DataFrame

    @property
    def udgift(self) -> float:
        return float(self.bevillinger["aarlig_udgift"].sum())

    @property
    def udgift_inden_for(self) -> float:
        return float(self.bevillinger["aarlig_udgift_inden_for"].sum())

    @property
    def besparelse(self) -> float:
        """What bringing the grants above their range down to it saves (positive kr)."""
        return float(-self.bevillinger["forskel"].clip(upper=0).sum())

    @property
    def merudgift(self) -> float:
        """What lifting the grants below their range up to it costs (positive kr)."""
        return float(self.bevillinger["forskel"].clip(lower=0).sum())


def catalogue(serviceniveau: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The serviceniveau parameter as a table, one row per paragraph and need level, in the
    paragraph's usual unit (paragraph catalogue)."""
    unit = ref.paragraffer().set_index("paragraf")["enhed"]
    rows = [
        {"paragraf": par, "niveau": int(lvl), "enhed": unit[par],
         "omfang_fra": s.omfang[0], "omfang_til": s.omfang[1],
         "priskategori_max": s.priskategori, "revisitation_maaneder": s.revisitation_maaneder}
        for par, levels in serviceniveau.items() for lvl, s in levels.items()
    ]
    cols = ["paragraf", "niveau", "enhed", "omfang_fra", "omfang_til", "priskategori_max",
            "revisitation_maaneder"]
    return pd.DataFrame(rows, columns=cols).sort_values(["paragraf", "niveau"], ignore_index=True)


def with_serviceniveau(params: Parametre, serviceniveau: Mapping[str, Any]) -> Parametre:
    """The parameters with another serviceniveau (e.g. from the widget), validated as in the
    parameter files: {'§85': {2: {'omfang': '3-6', 'priskategori': 'middel'}}}."""
    section = params.opfoelgning.model_dump()
    section["serviceniveau"] = {
        par: {k: (v.model_dump() if hasattr(v, "model_dump") else v) for k, v in lv.items()}
        for par, lv in serviceniveau.items()
    }
    new = OpfoelgningParametre.model_validate(section)
    return params.model_copy(update={"opfoelgning": new})


def _latest_revisit(data: Data, ids: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    o = data.opfoelgninger
    o = o[(o["type"] == "revisitation") & (o["dato"] <= as_of)]
    return ids.map(o.groupby("bevilling_id", observed=True)["dato"].max()).astype(
        "datetime64[ns]")


def service_level_check(data: Data, params: Parametre, *, as_of=None,
                        base: pd.DataFrame | None = None) -> Serviceniveautjek:
    """Check the active grants against the serviceniveau (see the module docstring).

    The need level is the servicetjek's (mean VUM level at the latest assessment on or before
    the start, banded 0-4). A price category is checked only where the serviceniveau names
    one; its limits are the servicetjek's for the paragraph. A revisit is a follow-up of type
    'revisitation'; it is overdue when more than revisitation_maaneder calendar months have
    passed since the latest one on or before the reference date (or since the start).
    `base`: a ready `servicetjek.screening_base` for the same data and date.
    """
    as_of = resolve_as_of(data, as_of)
    kat = catalogue(params.opfoelgning.serviceniveau)
    if base is None:
        base = screening_base(data, params, as_of)
    active = base[base["aktiv"] & base["paragraf"].isin(set(kat["paragraf"]))].copy()
    active["paragraf"] = active["paragraf"].astype(str)
    key = kat.set_index(["paragraf", "niveau"])
    known = active["niveau"].notna()
    level = active["niveau"].fillna(-1).astype(int)
    hit = key.reindex(pd.MultiIndex.from_arrays([active["paragraf"], level]))
    in_kat = hit["enhed"].notna().to_numpy()
    same_unit = (hit["enhed"].to_numpy() == active["enhed"].astype(str).to_numpy())
    reason = np.select([~known.to_numpy(), ~in_kat, ~same_unit],
                       [UKENDT_NIVEAU, NIVEAU_MANGLER, ANDEN_ENHED], "")
    ikke = (pd.DataFrame({"paragraf": active["paragraf"].to_numpy(), "aarsag": reason})
            .query("aarsag != ''").value_counts().rename("antal_bevillinger").reset_index())
    ok = reason == ""
    g = active[ok].reset_index(drop=True)
    h = hit[ok].reset_index(drop=True)
    g["niveau"] = g["niveau"].astype(int)
    g = pd.concat([g, h[["omfang_fra", "omfang_til", "priskategori_max",
                         "revisitation_maaneder"]]], axis=1)

    # Volume: below, inside or above the range.
    lo, hi = g["omfang_fra"], g["omfang_til"]
    g["omfang_status"] = np.select([g["omfang"] < lo * (1 - TOL), g["omfang"] > hi * (1 + TOL)],
                                   [UNDER, OVER], INDEN_FOR)
    # Price: the category of today's price against the highest usual one.
    g["priskategori"], g["pris_max"] = _categories(g, data, params, as_of, base)
    g["pris_status"] = np.where(g["pris"] > g["pris_max"] * (1 + TOL), OVER, INDEN_FOR)
    # Revisits.
    g["seneste_revisitation"] = _latest_revisit(data, g["bevilling_id"], as_of)
    since = g["seneste_revisitation"].where(g["seneste_revisitation"] > g["startdato"],
                                            g["startdato"])
    months = g["revisitation_maaneder"]
    has_limit = months.notna()
    keys = (g["paragraf"] + "|" + g["niveau"].astype(str))[has_limit]
    intervals = {k: int(n) for k, n in zip(keys, months[has_limit])}
    g["revisitation_frist"] = pd.Series(pd.NaT, index=g.index, dtype="datetime64[ns]")
    if has_limit.any():  # the same calendar-month deadline as the follow-ups
        due, _ = followup_due(since[has_limit], keys, {**intervals, "standard": 1})
        g.loc[has_limit, "revisitation_frist"] = due
    g["revisitation_overskredet"] = has_limit & (g["revisitation_frist"] < as_of)
    g["uden_for"] = (g["omfang_status"] != INDEN_FOR) | (g["pris_status"] == OVER)

    # Spending now and inside the serviceniveau (derived.annual_cost at today's price).
    g["aarlig_udgift"] = annual_cost(g.assign(enhedspris=g["pris"])).to_numpy()
    inside = g.assign(enhedspris=np.minimum(g["pris"], g["pris_max"]),
                      omfang=g["omfang"].clip(lower=lo, upper=hi))
    g["aarlig_udgift_inden_for"] = annual_cost(inside).to_numpy()
    g["forskel"] = g["aarlig_udgift_inden_for"] - g["aarlig_udgift"]
    g = g.sort_values(["paragraf", "niveau", "bevilling_id"], ignore_index=True)
    for c in ("bevilling_id", "borger_id", "afdeling", "enhed"):
        g[c] = g[c].astype(str)
    g = g[BEVILLING_COLUMNS]
    return Serviceniveautjek(as_of, kat, g, _summary(g, kat), ikke)


def _categories(g: pd.DataFrame, data: Data, params: Parametre, as_of: pd.Timestamp,
                base: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each grant's price category and the highest price its usual category allows (inf when
    the serviceniveau names no category or the category is ekstraordinær)."""
    named = g["priskategori_max"].notna()
    cap = np.full(len(g), np.inf)
    category = np.full(len(g), None, dtype=object)
    if not named.any():
        return category, cap
    paragraphs = sorted(set(params.servicetjek.priskategori_paragraffer)
                        | set(g.loc[named, "paragraf"]))
    pc = price_categories(data, with_overrides(params, priskategori_paragraffer=paragraphs),
                          as_of, base=base)
    category[:] = g["bevilling_id"].map(pc.bevillinger.set_index("bevilling_id")["priskategori"])
    limits = pc.graenser.set_index("paragraf")
    for kat_name, column in CAP.items():  # three categories, not grants
        sel = (named & (g["priskategori_max"] == kat_name)).to_numpy()
        cap[sel] = g.loc[sel, "paragraf"].map(limits[column]).to_numpy(dtype=float)
    # Limits that cannot be computed (too few grants for quantiles) leave the price unchecked.
    cap = np.where(np.isnan(cap), np.inf, cap)
    return category, cap


def _summary(g: pd.DataFrame, kat: pd.DataFrame) -> pd.DataFrame:
    """Per paragraph and need level in the catalogue: counts outside and the kroner."""
    s = g.assign(
        antal_bevillinger=1,
        antal_omfang_over=g["omfang_status"].eq(OVER),
        antal_omfang_under=g["omfang_status"].eq(UNDER),
        antal_pris_over=g["pris_status"].eq(OVER),
        antal_uden_for=g["uden_for"],
        antal_revisitation_overskredet=g["revisitation_overskredet"],
        besparelse=-g["forskel"].clip(upper=0),
        merudgift=g["forskel"].clip(lower=0),
    ).groupby(["paragraf", "niveau"])[[
        "antal_bevillinger", "antal_omfang_over", "antal_omfang_under", "antal_pris_over",
        "antal_uden_for", "antal_revisitation_overskredet", "aarlig_udgift",
        "aarlig_udgift_inden_for", "besparelse", "merudgift", "forskel"]].sum()
    out = kat.merge(s.reset_index(), on=["paragraf", "niveau"], how="left")
    counts = [c for c in out.columns if c.startswith("antal_")]
    out[counts] = out[counts].fillna(0).astype(int)
    money = ["aarlig_udgift", "aarlig_udgift_inden_for", "besparelse", "merudgift", "forskel"]
    out[money] = out[money].fillna(0.0)
    return out
