"""The budget: one line per year and paragraph, close to what was spent.

Planted: two 2026 overruns with a known cause, §85 by more citizens than assumed and §108 by
higher prices per full-year person.
"""

from __future__ import annotations

import pandas as pd

from .. import derived
from .calibration import SPECS
from .export import PARAGRAF_KODER, Export
from .world import BUDGET_YEARS, PRISINDEKS, World

EXPORT = {
    "budget": Export(
        "budget.xlsx",
        {"aar": "År", "paragraf": "Paragraf", "beloeb": "Budget (kr.)",
         "forudsat_antal": "Forudsat antal helårspersoner",
         "forudsat_enhedspris": "Forudsat enhedspris (kr.)"},
        {"paragraf": PARAGRAF_KODER},
        ark="Budget"),
}


def budget(w: World) -> None:
    """Budget per paragraph close to actual spending, with the two planted 2026 overruns."""
    rng = w.rng("budget")
    # The finished grants (the working frame and the rows later families add).
    g, pay = w.tables["bevillinger"], w.tables["betalinger"]
    par_of = pd.Series(g["paragraf"].to_numpy(), index=g["bevilling_id"].to_numpy())
    py = pay.assign(aar=pay["periode"].dt.year,
                    paragraf=par_of.reindex(pay["bevilling_id"]).to_numpy())
    spent = py.groupby(["aar", "paragraf"])["beloeb"].sum()
    cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
    rest = derived.expected_payments(g[cols], "2026-11-01", "2026-12-01", PRISINDEKS)
    rest = rest.assign(paragraf=par_of.reindex(rest["bevilling_id"]).to_numpy()).groupby(
        "paragraf")["forventet"].sum()
    rows = []
    for aar in BUDGET_YEARS:
        hp = derived.helaarspersoner(g, aar).groupby(g["paragraf"]).sum()
        for spec in SPECS:
            p = spec.paragraf
            actual = spent.get((aar, p), 0.0) + (rest.get(p, 0.0) if aar == 2026 else 0.0)
            persons = hp.get(p, 0.0)
            if persons <= 0:
                continue
            unit = actual / persons
            antal = persons * rng.uniform(0.97, 1.03)
            pris = unit * rng.uniform(0.97, 1.03)
            if (aar, p) == (2026, "§85"):
                antal = persons * rng.uniform(0.84, 0.87)  # planted: more citizens
                pris = unit * rng.uniform(0.995, 1.01)
            if (aar, p) == (2026, "§108"):
                antal = persons * rng.uniform(0.995, 1.01)
                pris = unit * rng.uniform(0.86, 0.89)  # planted: higher prices
            antal, pris = round(antal, 1), round(pris, -2)
            rows.append((aar, p, None, round(antal * pris, -3), antal, pris))
    out = pd.DataFrame(rows, columns=["aar", "paragraf", "maalgruppe", "beloeb",
                                      "forudsat_antal", "forudsat_enhedspris"])
    out["maalgruppe"] = out["maalgruppe"].astype("str")  # lines are per paragraph
    w.tables["budget"] = out
    w.plant("budget_overrun_quantity", (2026, "§85"),
            "2026: §85 har ca. 15 % flere helårspersoner end forudsat.")
    w.plant("budget_overrun_price", (2026, "§108"),
            "2026: §108 har ca. 13 % højere udgift pr. helårsperson end forudsat.")
