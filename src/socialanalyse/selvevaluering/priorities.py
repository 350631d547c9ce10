"""Where to start: KL's recommendations ranked by the kroner at stake in the same run, with
their status, and the two or three to start with.

KL: "fokuser på de områder, der har størst potentiale i jeres kommune. Lad være med at starte
for mange projekter på en gang, men start hellere noget ordentligt." So the ranking is:

1. a recommendation that is 'På plads' (its status, `comparison.status_table`) is not a
   candidate and comes last;
2. the candidates by kroner at stake, largest first (the middle of a low-high range; those
   without kroner after those with);
3. then by status, least progress first, an unknown status after the known ones (without
   kroner, a gap the answers or the data show comes before one nobody has looked at);
4. then by KL's number.

The proposal (`start_her`) is the first `antal` candidates with kroner at stake above 0; when
fewer than `mindst` (at most `antal`) have kroner, the next candidates in rank order make up
`mindst`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .comparison import status_table
from .recorded import number, workbook


@dataclass(frozen=True)
class Kroner:
    """A recommendation's kroner at stake: what they are, and the keys (recorded.RESULTATER)
    of the low and the high end (the same key for a single figure)."""

    tekst: str
    lav: str
    hoej: str


#: KL recommendation -> the kroner at stake from another workbook's headline results.
KRONER: dict[int, Kroner] = {
    2: Kroner("Udgift over serviceniveauet pr. år", "serviceniveau_kr", "serviceniveau_kr"),
    3: Kroner("Besparelse ved hjemtagning pr. år", "hjemtagning_lav", "hjemtagning_hoej"),
    7: Kroner("Forventet merforbrug i år", "budget_afvigelse", "budget_afvigelse"),
    10: Kroner("Servicetjekkets potentiale pr. år", "servicetjek_lav", "servicetjek_hoej"),
    12: Kroner("Forhandlingspotentiale pr. år", "forhandling_lav", "forhandling_hoej"),
}

COLUMNS = ["rang", "nr", "titel", "gruppe", "status", "selvvurdering", "data_status",
           "kroner_lav", "kroner_hoej", "kroner", "kroner_kilde", "start_her", "spoergsmaal"]


def stakes(resultater: dict | None) -> pd.DataFrame:
    """Per KL recommendation with a kroner source: kroner_lav, kroner_hoej, kroner (the
    middle; below 0 counts as 0: an underspend or a saving that costs is nothing at stake) and
    kroner_kilde ('Servicetjekkets potentiale pr. år, arbejdsbog 01 (servicetjek)').
    NaN where the workbook did not record the result; one recorded end stands for both."""
    rows = []
    for nr, k in KRONER.items():
        lav, hoej = number(resultater, k.lav), number(resultater, k.hoej)
        lav, hoej = (lav if lav is not None else hoej), (hoej if hoej is not None else lav)
        if lav is not None:
            lav, hoej = max(lav, 0.0), max(hoej, 0.0)
        rows.append((nr, np.nan if lav is None else lav, np.nan if hoej is None else hoej,
                     f"{k.tekst}, {workbook(k.lav)}"))
    out = pd.DataFrame(rows, columns=["nr", "kroner_lav", "kroner_hoej", "kroner_kilde"])
    out["kroner"] = (out["kroner_lav"] + out["kroner_hoej"]) / 2
    return out


def priorities(resultater: dict | None, datasvar: pd.DataFrame,
               answers: pd.DataFrame | None = None, *, antal: int = 3, mindst: int = 2
               ) -> pd.DataFrame:
    """KL's 12 recommendations ranked as the module docstring says, with the proposal.

    resultater: the run's results.json content; datasvar: `data_answers`' frame; answers: the
    filled-in questionnaire (`read_questionnaire`), if any. Columns COLUMNS: rang (1 = start
    here first), nr, titel, gruppe, status, selvvurdering, data_status, kroner_lav,
    kroner_hoej, kroner (NaN where no workbook puts kroner on it), kroner_kilde ('' then),
    start_her (the proposal), spoergsmaal (til videre drøftelse).
    """
    st = status_table(answers, datasvar)
    out = st.merge(stakes(resultater), on="nr", how="left")
    out["kroner_kilde"] = out["kroner_kilde"].fillna("")
    kandidat = out["status"].ne("På plads")
    order = pd.DataFrame({
        "ikke_kandidat": ~kandidat,
        "uden_kroner": out["kroner"].isna(),
        "minus_kroner": -out["kroner"].fillna(0.0),
        "ukendt_status": out["position"].isna(),
        "position": out["position"].fillna(0.0),
        "nr": out["nr"],
    })
    out = out.loc[order.sort_values(list(order.columns)).index].reset_index(drop=True)
    out["rang"] = np.arange(1, len(out) + 1)
    kandidat = out["status"].ne("På plads")
    with_kroner = kandidat & out["kroner"].gt(0)
    mindst = min(mindst, antal)
    chosen = list(out.index[with_kroner][:antal])
    for i in out.index[kandidat & ~with_kroner]:
        if len(chosen) >= mindst:
            break
        chosen.append(i)
    out["start_her"] = out.index.isin(chosen)
    return out[COLUMNS]
