"""The population (befolkning): inhabitants by age band and year, summing to the given size."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .export import Export
from .world import POPULATION_YEARS, World

AGE_SHARES = {  # share of inhabitants per age band, 2021 -> 2026 (a slowly ageing population)
    "0-17": (0.208, 0.203),
    "18-24": (0.086, 0.085),
    "25-64": (0.505, 0.500),
    "65+": (0.201, 0.212),
}

EXPORT = {
    "befolkning": Export(
        "befolkning.csv",
        {"aar": "År", "aldersgruppe": "Aldersgruppe", "antal": "Antal indbyggere"},
        {"aldersgruppe": {"0-17": "0-17 år", "18-24": "18-24 år", "25-64": "25-64 år",
                          "65+": "65+ år"}},
        encoding="cp1252", tusinder=("antal",)),
}


def population(w: World) -> None:
    """befolkning, and the numbers of children and adults the grants are drawn from."""
    rows = []
    years = POPULATION_YEARS
    for i, aar in enumerate(years):
        frac = i / (len(years) - 1)
        shares = {k: a + (b - a) * frac for k, (a, b) in AGE_SHARES.items()}
        total = sum(shares.values())
        counts = {k: int(np.rint(w.n * v / total)) for k, v in shares.items()}
        counts["25-64"] += w.n - sum(counts.values())  # sum exactly to indbyggere
        rows += [(aar, k, c) for k, c in counts.items()]
    pop = pd.DataFrame(rows, columns=["aar", "aldersgruppe", "antal"])
    cur = pop[pop["aar"] == 2026].set_index("aldersgruppe")["antal"]
    w.children = int(cur["0-17"])
    w.adults = int(w.n - w.children)
    w.tables["befolkning"] = pop
