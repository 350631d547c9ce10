"""Display tables of notebook 03_business_case: the case's inputs and data values for reading
(counts of citizens suppressed for the byråd) and the headline figures."""

from __future__ import annotations

import pandas as pd

from ...businesscase import BusinessCase, MonteCarloResultat, Resultat, assumptions_table
from ...report.format import amount, kr, pct, tal
from .text import input_value_text, year_text


def _mask(value: float | None, diskretion: int | None) -> object:
    if value is None or diskretion is None or isinstance(value, str):
        return value
    return f"<{diskretion}" if 0 < value < diskretion else value


def data_values_table(table: pd.DataFrame, diskretion: int | None = None) -> pd.DataFrame:
    """`businesscase.data_values` for reading: values formatted by kind, counts of citizens
    below `diskretion` (byråd) shown as '<5'."""
    rows = []
    for row in table.itertuples():
        group = row.input.startswith("borgergrupper.")
        fmt = (lambda v, row=row, group=group: _mask(v, diskretion) if group and isinstance(
            _mask(v, diskretion), str) else input_value_text(row.input, v))
        rows.append({"input": row.navn, "maal": row.maal, "paragraf": row.paragraf,
                     "aar": row.aar, "grundlag": row.grundlag, "casens_skabelon": fmt(row.skabelon),
                     "kommunens_tal": fmt(row.fra_data) if row.anvendes else "ingen data",
                     "anvendes": row.anvendes})
    return pd.DataFrame(rows, columns=["input", "maal", "paragraf", "aar", "grundlag",
                                       "casens_skabelon", "kommunens_tal", "anvendes"])


def assumptions_display(case: BusinessCase, diskretion: int | None = None) -> pd.DataFrame:
    """`businesscase.assumptions_table` for reading: amounts in kr., rates in %, empty cells
    dropped; numbers of citizens below `diskretion` (byråd) shown as '<5'."""
    table = assumptions_table(case)
    out = pd.DataFrame({"type": table["type"], "linje": table["linje"], "art": table["art"]})
    out["beloeb_eller_pris"] = [
        kr(b) if b is not None and not pd.isna(b) else f"{kr(p)} × {tal(a, 2).rstrip('0').rstrip(',')}"
        for b, p, a in zip(table["beloeb"], table["pris"], table["antal"])
    ]
    out["antal_borgere"] = [
        "" if v is None or pd.isna(v) else (m if isinstance(m := _mask(v, diskretion), str)
                                            else tal(v, 0 if float(v).is_integer() else 1))
        for v in table["antal_borgere"]
    ]
    out["deles_af"] = ["" if v == 1 else tal(v, 1).removesuffix(",0") for v in table["deles_af"]]
    out["succesrate"] = ["" if pd.isna(v) else pct(v) for v in table["succesrate"]]
    out["doedvaegt"] = ["" if pd.isna(v) else pct(v) for v in table["doedvaegt"]]
    out["effekt"] = [
        "" if v is None or pd.isna(v) else f"{tal(v, 1).removesuffix(',0')} år, så −{pct(a, 0)}/år"
        for v, a in zip(table["varighed_aar"], table["aftagning"])
    ]
    out["aar"] = table["aar"]
    out["betaler"] = table["betaler"]
    return out.loc[:, [c for c in out.columns if (out[c] != "").any()]]


def headline_table(res: Resultat, mc: MonteCarloResultat | None = None) -> pd.DataFrame:
    """The headline figures as a two-column table (nøgletal, værdi) for reading."""
    rows = [
        ("Nutidsværdi i alt", amount(res.nutidsvaerdi)),
        ("Heraf kommunen", amount(res.nutidsvaerdi_kommune)),
        ("Udgifter (nutidsværdi)", amount(res.nutidsvaerdi_udgifter)),
        ("Gevinster (nutidsværdi)", amount(res.nutidsvaerdi_gevinster)),
        ("Gevinst pr. krone", "–" if res.gevinst_pr_krone is None
         else f"{tal(res.gevinst_pr_krone, 2)} kr."),
        ("Tilbagebetalt", "ikke inden for horisonten" if res.tilbagebetalingsaar is None
         else year_text(res, res.tilbagebetalingsaar)),
    ]
    if mc is not None:
        rows.append(("Sandsynlighed for gevinst", pct(mc.sandsynlighed_for_gevinst, 0)))
        rows.append(("90 %-interval for nutidsværdien",
                     f"{amount(mc.percentil(5))} til {amount(mc.percentil(95))}"))
    return pd.DataFrame(rows, columns=["noegletal", "vaerdi"])
