"""A made-up Statistics Denmark export for the sample (REGK31 and FOLK1A, as the statbank
writes them: UTF-8 with BOM, semicolons, the dimensions as columns, the value in INDHOLD,
'..' for a suppressed cell), so notebook 05's public benchmark runs on the eksempelkommune.

All 98 municipalities get a made-up population (single-year ages, 1st quarter) and net
operating spending on the kontoplan's 5.38/5.28 functions (in 1.000 kr.) around the
sample's own level per inhabitant. The municipality the sample stands for in the statbank
(`benchmark.statistikbank_kommune`) gets the sample's own population and, per function and
year, its own payments within ±3 %, except one planted function 30 % above (the
reconciliation must warn there). About 0,2 % of the other municipalities' cells are '..'.
Only complete years (12 months of payments; the last three) are published, as in the
statbank. Numbers are
made up: no real municipality's accounts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ... import reference as ref

REGK31 = "REGK31.csv"
FOLK1A = "FOLK1A.csv"
#: The planted deviation of the stand-in municipality's published figure.
PLANTED_FUNCTION = "5.38.50"
PLANTED_FACTOR = 1.30


def _age_profile() -> np.ndarray:
    """Shares of the population by single year of age 0..99 (a plain Danish-like shape)."""
    age = np.arange(100)
    shape = np.where(age < 65, 1.0, np.exp(-(age - 65) / 12.0))
    return shape / shape.sum()


def write_statbank(tables: dict[str, pd.DataFrame], out: Path, som: str, seed: int) -> None:
    """Write REGK31.csv and FOLK1A.csv into `out` for the sample's years; `som`: the slug the
    sample stands for. Deterministic by seed."""
    rng = np.random.default_rng(seed + 90_000)
    k = ref.kommuner()
    funcs = ref.kontoplan_funktioner()
    bet = tables["betalinger"]
    months = bet["periode"].dt.month.groupby(bet["periode"].dt.year).nunique()
    years = sorted(int(y) for y, m in months.items() if m == 12)[-3:]
    own = bet.groupby([bet["periode"].dt.year, bet["funktion"].astype(str)])["beloeb"].sum()
    pop = tables["befolkning"].groupby("aar")["antal"].sum()
    own_pop = {y: int(pop.get(y, pop.iloc[-1])) for y in years}
    sizes = np.clip(rng.lognormal(np.log(45_000), 0.7, len(k)), 2_000, 650_000).round()
    profile = _age_profile()
    folk, regk = [], []
    for i, row in enumerate(k.itertuples(index=False)):
        level = rng.lognormal(0, 0.2)  # this municipality's spending level
        for y in years:
            n = own_pop[y] if row.slug == som else int(sizes[i] * (1 + 0.005 * (y - years[0])))
            ages = np.rint(profile * n).astype(int)
            folk.append((row.navn, "Alder i alt", f"{y}K1", str(int(ages.sum()))))
            folk += [(row.navn, f"{a} år", f"{y}K1", str(int(c))) for a, c in enumerate(ages)]
            for f in funcs.itertuples(index=False):
                mine = own.get((y, f.funktion), 0.0)
                if row.slug == som:
                    value = mine * rng.uniform(0.97, 1.03)
                    value *= PLANTED_FACTOR if f.funktion == PLANTED_FUNCTION else 1
                    text = f"{value / 1000:.0f}"
                else:
                    value = mine / own_pop[y] * n * level * rng.lognormal(0, 0.15)
                    text = ".." if rng.random() < 0.002 else f"{value / 1000:.0f}"
                regk.append((row.navn, f"{f.funktion} {f.navn}", f"{y}", text))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        [(a, "I alt", alder, "I alt", tid, v) for a, alder, tid, v in folk],
        columns=["OMRÅDE", "KØN", "ALDER", "CIVILSTAND", "TID", "INDHOLD"],
    ).to_csv(out / FOLK1A, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    pd.DataFrame(
        [(a, f, "1 Driftskonti", "I alt (netto)", "Løbende priser (1.000 kr.)", t, v)
         for a, f, t, v in regk],
        columns=["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"],
    ).to_csv(out / REGK31, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
