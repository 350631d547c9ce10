"""Linking a business case to a municipality's own data.

A case's `fra_data` section (or a mapping given in code) says which inputs to fill from the
data and how, e.g. the gain of an avoided §107 stay from the municipality's actual average
annual cost per full-year person:

    fra_data:
      gevinster.undgaaet_ophold.beloeb: {maal: udgift_pr_helaarsperson, paragraf: "§107"}

Measures (over the grants of the given paragraffer, optionally one afdeling, in one calendar
year — default the last whole year in the data):
- udgift_pr_helaarsperson: payments in the year / full-year persons (actual cost of a place);
- udgift_pr_doegn: payments in the year / days of grants active in the year;
- bevilget_udgift_pr_helaarsperson: granted annual cost (`derived.annual_cost`) weighted by
  full-year persons (what the grants say a place costs);
- helaarspersoner: full-year persons in the year (`derived.helaarspersoner`);
- aktive_bevillinger: grants active on the data's reference date.
The value is multiplied by `faktor` (e.g. 3 children).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..data import derived
from ..data.tables import Data
from .model import BusinessCase, DataKobling, get_value, input_label, with_values

MAAL_TEKST = {
    "udgift_pr_helaarsperson": "betalinger i året pr. helårsperson",
    "udgift_pr_doegn": "betalinger i året pr. bevilget døgn",
    "bevilget_udgift_pr_helaarsperson": "bevilget årlig udgift pr. helårsperson",
    "helaarspersoner": "helårspersoner i året",
    "aktive_bevillinger": "aktive bevillinger på opgørelsesdatoen",
}


def reference_date(data: Data) -> pd.Timestamp | None:
    """The extract's reference date: the last day of the latest payment month (None without
    payments)."""
    return derived.reference_date(data.betalinger)


def last_whole_year(data: Data) -> int | None:
    """The last calendar year fully covered by the payments (None without payments)."""
    ref = reference_date(data)
    if ref is None:
        return None
    return ref.year if (ref.month, ref.day) == (12, 31) else ref.year - 1


def measure(data: Data, kobling: DataKobling) -> dict[str, Any]:
    """One measure from the data: {'vaerdi': value × faktor or NaN, 'aar', 'grundlag' (the
    full-year persons or grants it rests on), 'bevillinger' (number of grants)}."""
    year = kobling.aar if kobling.aar is not None else last_whole_year(data)
    grants = data.bevillinger[data.bevillinger["paragraf"].isin(kobling.paragraf)]
    if kobling.afdeling is not None:
        grants = grants[grants["afdeling"] == kobling.afdeling]
    out = {"vaerdi": np.nan, "aar": year, "grundlag": 0.0, "bevillinger": len(grants)}
    if year is None and kobling.maal != "aktive_bevillinger":
        return out
    if kobling.maal == "aktive_bevillinger":
        ref = reference_date(data)
        if ref is None:
            return out
        active = int(derived.is_active(grants, ref).sum())
        return out | {"vaerdi": active * kobling.faktor, "grundlag": float(active)}
    hp = derived.helaarspersoner(grants, year)
    total_hp = float(hp.sum())
    if kobling.maal == "helaarspersoner":
        return out | {"vaerdi": total_hp * kobling.faktor, "grundlag": total_hp}
    if total_hp <= 0:
        return out
    if kobling.maal == "bevilget_udgift_pr_helaarsperson":
        cost = derived.annual_cost(grants)
        return out | {"vaerdi": float((cost * hp).sum()) / total_hp * kobling.faktor,
                      "grundlag": total_hp}
    pay = data.betalinger
    paid = pay[pay["bevilling_id"].isin(grants["bevilling_id"]) & (pay["periode"].dt.year == year)]
    amount = float(paid["beloeb"].sum())
    if kobling.maal == "udgift_pr_helaarsperson":
        return out | {"vaerdi": amount / total_hp * kobling.faktor, "grundlag": total_hp}
    days = float(derived.days_in_period(
        grants, pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    ).sum())
    return out | {"vaerdi": amount / days * kobling.faktor, "grundlag": total_hp}


def _mapping(case: BusinessCase, mapping: Mapping[str, Any] | None) -> dict[str, DataKobling]:
    raw = case.fra_data if mapping is None else mapping
    return {
        path: spec if isinstance(spec, DataKobling) else DataKobling.model_validate(spec)
        for path, spec in raw.items()
    }


def data_values(
    case: BusinessCase, data: Data, mapping: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """What the data say for each mapped input, beside the case's template value.

    Columns: input, navn, maal (Danish), paragraf, aar, grundlag (the full-year persons, or
    for aktive_bevillinger the grants, the value rests on), skabelon (the case's value), fra_data (NaN when the data have none), anvendes (True
    when the data value replaces the template).
    """
    rows = []
    for path, kobling in _mapping(case, mapping).items():
        got = measure(data, kobling)
        value = got["vaerdi"]
        rows.append({
            "input": path,
            "navn": input_label(case, path),
            "maal": MAAL_TEKST[kobling.maal],
            "paragraf": ", ".join(kobling.paragraf),
            "aar": got["aar"],
            "grundlag": got["grundlag"],
            "skabelon": get_value(case, path),
            "fra_data": value,
            "anvendes": bool(np.isfinite(value) and got["grundlag"] > 0),
        })
    columns = ["input", "navn", "maal", "paragraf", "aar", "grundlag", "skabelon",
               "fra_data", "anvendes"]
    return pd.DataFrame(rows, columns=columns)


def from_data(
    case: BusinessCase, data: Data, mapping: Mapping[str, Any] | None = None
) -> BusinessCase:
    """The case with its prices and quantities filled from the municipality's own data.

    `mapping`: input path -> `DataKobling` (or a dict like the YAML's `fra_data` entries);
    default the case's own `fra_data`. Inputs the data cannot inform (no grants of the
    paragraph in the year) keep the template value; see `data_values` for what was used. The
    distribution of a filled input is scaled with it (same relative spread).
    """
    table = data_values(case, data, mapping)
    used = table.loc[table["anvendes"].astype(bool)]
    values = dict(zip(used["input"], used["fra_data"].astype(float)))
    return with_values(case, values, rescale=True)
