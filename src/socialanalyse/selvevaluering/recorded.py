"""The other workbooks' headline results this workbook reads from the run's results.json, named
in one place (so they can be aligned with what each workbook records).

`resultater` everywhere is results.json's content: {notebook: {name: value}} (report.
load_results); a workbook that did not run, or a result it did not record, is simply absent.
"""

from __future__ import annotations

import math
from typing import Any

#: key -> (notebook, recorded name): what each workbook's view records (headline_results).
#: 01, 02, 04, 05, 06 (views/indkoeb), 07 (views/kapacitet: belaegning_gns is the average
#: of the latest 12 months) and 08 (views/opfoelgning: besparelse is what bringing the grants
#: above the serviceniveau down to it saves a year, i.e. the spending over it). A workbook not
#: in the run records nothing; the workbook says so.
RESULTATER: dict[str, tuple[str, str]] = {
    "servicetjek_lav": ("01_servicetjek", "potentiale_lav"),
    "servicetjek_hoej": ("01_servicetjek", "potentiale_hoej"),
    "effekt_succes": ("02_effekt_og_progression", "succes"),
    "budget_afvigelse": ("04_budget_og_prognose", "afvigelse"),
    "opfoelgning_rettidig": ("05_noegletal", "andel_opfoelgning_rettidig"),
    "standardkontrakt": ("06_indkoeb", "andel_udgift_standardkontrakt"),
    "forhandling_lav": ("06_indkoeb", "potentiale_lav"),
    "forhandling_hoej": ("06_indkoeb", "potentiale_hoej"),
    "belaegning": ("07_kapacitet", "belaegning_gns"),
    "hjemtagning_lav": ("07_kapacitet", "hjemtagning_besparelse_lav"),
    "hjemtagning_hoej": ("07_kapacitet", "hjemtagning_besparelse_hoej"),
    "serviceniveau_kr": ("08_opfoelgning", "besparelse"),  # the spending above the ranges
    # Target groups whose cost lies above what their need level predicts (need_or_diagnosis).
    "maalgrupper_over": ("08_opfoelgning", "antal_maalgrupper_over"),
}

#: How a workbook is named in Danish evidence ("arbejdsbog 06 (indkøb)").
ARBEJDSBOEGER = {
    "01_servicetjek": "arbejdsbog 01 (servicetjek)",
    "02_effekt_og_progression": "arbejdsbog 02 (effekt og progression)",
    "04_budget_og_prognose": "arbejdsbog 04 (budget og prognose)",
    "05_noegletal": "arbejdsbog 05 (nøgletal)",
    "06_indkoeb": "arbejdsbog 06 (indkøb)",
    "07_kapacitet": "arbejdsbog 07 (kapacitet)",
    "08_opfoelgning": "arbejdsbog 08 (opfølgning)",
}


def value(resultater: dict | None, key: str) -> Any:
    """A recorded result by its key in RESULTATER, or None when it was not recorded."""
    notebook, name = RESULTATER[key]
    section = (resultater or {}).get(notebook)
    return section.get(name) if isinstance(section, dict) else None


def number(resultater: dict | None, key: str) -> float | None:
    """A recorded result as a finite number, or None (missing, text such as '<5', NaN)."""
    v = value(resultater, key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def workbook(key: str) -> str:
    """The Danish name of the workbook that records `key`: 'arbejdsbog 06 (indkøb)'."""
    notebook = RESULTATER[key][0]
    return ARBEJDSBOEGER.get(notebook, notebook)
