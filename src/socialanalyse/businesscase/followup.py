"""Business cases followed up after the decision (KL recommendation 11): what the data show
year by year against what the case expected.

A case's `opfoelgning` section names the real intervention (paragraph, offer or provider, start
date, target group, afdeling) and the effects to follow (gain line -> what in the data shows
it). For every whole calendar year the payments cover (from the case's startaar):

- costs: the payments for the intervention's grants (from the start date) against the case's
  cost lines (those listed in `udgifter`, default all);
- citizens: the citizens with an intervention grant in the year, and their full-year persons,
  against the case's citizen group (`borgergruppe`);
- each effect: the measure (full-year persons, new stays or payments in the effect's
  paragraphs) against its base year; the fall is the avoided quantity, valued at
  `vaerdi_pr_enhed` (default: the municipality's own payments per full-year person in the
  paragraphs in the base year, `link.measure`), against the gain line's expected amount.

Status per effect (cumulative over the whole years so far): 'på sporet' when the realised gain
is within ± margin of the expected, 'bagud' below, 'foran' above, 'ikke målbart endnu' before
the first whole year with an expected gain. The net present value is recomputed with the actual
years in place of the expected ones, discounted with the case's own factors (`evaluate`).
Amounts from the data are as paid (current prices); the case's are in fixed prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import ParameterFejl
from ..data import derived
from ..data.tables import Data
from ..progression import Indsats, intervention_grants
from .evaluate import evaluate, payback_year
from .link import last_whole_year, measure
from .model import BusinessCase, DataKobling, FulgtEffekt

PAA_SPORET, BAGUD, FORAN, IKKE_MAALBART = "på sporet", "bagud", "foran", "ikke målbart endnu"


@dataclass(frozen=True)
class Opfoelgningsresultat:
    """A case followed up. Amounts in kr.

    aar: per case year: aar, kalenderaar, faktisk (a whole year in the data), udgifter_forventet
    and udgifter_faktisk (the followed cost lines against the payments), borgere_forventet,
    borgere_faktisk and helaarspersoner_faktisk.
    effekter: per effect and case year: effekt, navn, aar, kalenderaar, faktisk, enheder_basis,
    enheder_faktisk, enheder_undgaaet, enheder_forventet, vaerdi_pr_enhed, gevinst_forventet,
    gevinst_realiseret.
    status: per effect over the whole years so far: effekt, navn, antal_aar,
    gevinst_forventet, gevinst_realiseret, andel (realised / expected), status.
    aarlig: the case's yearly flows with the actual years in place (kilde 'faktisk' or
    'forventet'): udgifter, gevinster, netto, diskonteringsfaktor, nutidsvaerdi,
    akkumuleret_nutidsvaerdi.
    """

    case: BusinessCase
    sidste_hele_aar: int | None
    aar: pd.DataFrame
    effekter: pd.DataFrame
    status: pd.DataFrame
    aarlig: pd.DataFrame
    nutidsvaerdi_plan: float
    nutidsvaerdi_opdateret: float
    tilbagebetalingsaar_plan: int | None
    tilbagebetalingsaar_opdateret: int | None


def _filter(bev: pd.DataFrame, data: Data, maalgruppe: str | None, afdeling: str | None,
            leverandoer_id: str | None = None, tilbud_id: str | None = None) -> pd.DataFrame:
    if maalgruppe is not None:
        groups = data.borgere.set_index("borger_id")["maalgruppe"]
        bev = bev[bev["borger_id"].map(groups) == maalgruppe]
    for column, value in (("afdeling", afdeling), ("leverandoer_id", leverandoer_id),
                          ("tilbud_id", tilbud_id)):
        if value is not None:
            bev = bev[bev[column] == value]
    return bev


def intervention(case: BusinessCase, data: Data) -> pd.DataFrame:
    """The grants of the case's real intervention (progression.intervention_grants with the
    paragraph, provider and offer, plus the target group and afdeling)."""
    i = case.opfoelgning.indsats
    bev = data.bevillinger
    chosen = bev[intervention_grants(bev, Indsats(pd.Timestamp(i.start), i.paragraf,
                                                  i.leverandoer_id, i.tilbud_id))]
    return _filter(chosen, data, i.maalgruppe, i.afdeling)


def _first_whole_year(data: Data) -> int | None:
    periods = data.betalinger["periode"].dropna()
    if periods.empty:
        return None
    first = pd.Timestamp(periods.min())
    return first.year if first.month == 1 else first.year + 1


def _yearly(values: dict[int, float], years: pd.Series) -> np.ndarray:
    return years.map(values).to_numpy(dtype=float)


def _effect_measure(e: FulgtEffekt, data: Data, year: int) -> float:
    """The effect's measure in one calendar year."""
    bev = _filter(data.bevillinger[data.bevillinger["paragraf"].isin(e.paragraf)], data,
                  e.maalgruppe, e.afdeling, e.leverandoer_id, e.tilbud_id)
    if e.maal == "helaarspersoner":
        return float(derived.helaarspersoner(bev, year).sum())
    if e.maal == "nye_forloeb":
        return float((bev["startdato"].dt.year == year).sum())
    pay = data.betalinger
    return float(pay.loc[pay["bevilling_id"].isin(bev["bevilling_id"])
                         & (pay["periode"].dt.year == year), "beloeb"].sum())


def _value_per_unit(e: FulgtEffekt, data: Data, base_year: int) -> float:
    if e.vaerdi_pr_enhed is not None:
        return e.vaerdi_pr_enhed
    if e.maal == "udgift":
        return 1.0
    kobling = DataKobling(maal="udgift_pr_helaarsperson", paragraf=e.paragraf,
                          afdeling=e.afdeling, aar=base_year)
    return float(measure(data, kobling)["vaerdi"])


def _status(expected: float, realised: float, margin: float) -> str:
    if not expected > 0 or np.isnan(realised):
        return IKKE_MAALBART
    share = realised / expected
    return BAGUD if share < 1 - margin else FORAN if share > 1 + margin else PAA_SPORET


def follow_up(case: BusinessCase, data: Data, *, margin: float = 0.10) -> Opfoelgningsresultat:
    """Follow a business case up on the data (module docstring). `margin`: the band around
    the expected gain that counts as 'på sporet' (parameter opfoelgning.businesscase_margin).
    Raises ParameterFejl (Danish) when the case has no opfoelgning section."""
    f = case.opfoelgning
    if f is None:
        raise ParameterFejl(
            f"{case.fil or case.id}: business casen har ingen 'opfoelgning'-sektion, der "
            "nævner den rigtige indsats og de effekter, der skal følges op på."
        )
    res = evaluate(case)
    plan = res.aarlig
    cal = plan["kalenderaar"]
    first, last = _first_whole_year(data), last_whole_year(data)
    start = pd.Timestamp(f.indsats.start)
    actual = cal.between(first, last) if first is not None and last is not None else cal < 0
    # Costs and citizens of the intervention, per calendar year (from the start date).
    grants = intervention(case, data)
    pay = data.betalinger
    paid = pay[pay["bevilling_id"].isin(grants["bevilling_id"])
               & (pay["periode"] >= start.to_period("M").to_timestamp())]
    paid_by_year = paid.groupby(paid["periode"].dt.year)["beloeb"].sum().to_dict()
    lines = res.linjer
    costs = lines[lines["type"] == "udgift"]
    if f.udgifter is not None:
        costs = costs[costs["linje_id"].isin(f.udgifter)]
    cost_plan = (0.0 - costs.groupby("aar")["beloeb"].sum()).reindex(plan["aar"], fill_value=0.0)
    citizens, hp = {}, {}
    for year in cal[actual]:  # a few years
        s, e = max(start, pd.Timestamp(year, 1, 1)), pd.Timestamp(year, 12, 31)
        days = derived.days_in_period(grants, s, e)
        citizens[year] = float(grants.loc[days > 0, "borger_id"].nunique())
        hp[year] = float((days / ((e - pd.Timestamp(year, 1, 1)).days + 1)).sum())
    group = case.borgergrupper.get(f.borgergruppe) if f.borgergruppe else None
    aar = pd.DataFrame({
        "aar": plan["aar"], "kalenderaar": cal, "faktisk": actual,
        "udgifter_forventet": cost_plan.to_numpy(),
        "udgifter_faktisk": np.where(actual, np.nan_to_num(_yearly(paid_by_year, cal)), np.nan),
        "borgere_forventet": group.antal if group else np.nan,
        "borgere_faktisk": _yearly(citizens, cal),
        "helaarspersoner_faktisk": _yearly(hp, cal),
    })
    effekter, status = _effects(case, data, res, actual, start, margin)
    # The yearly flows with the actual years in place; discounted as the case (evaluate).
    upd = plan[["aar", "kalenderaar", "udgifter", "gevinster", "diskonteringsfaktor"]].copy()
    upd.insert(2, "kilde", np.where(actual, "faktisk", "forventet"))
    upd["udgifter"] = np.where(actual, upd["udgifter"] - aar["udgifter_forventet"]
                               + aar["udgifter_faktisk"], upd["udgifter"])
    if len(effekter):
        by_year = effekter.groupby("aar")[["gevinst_forventet", "gevinst_realiseret"]].sum()
        swap = (by_year["gevinst_realiseret"] - by_year["gevinst_forventet"]).reindex(
            upd["aar"]).to_numpy()
        upd["gevinster"] = np.where(actual, upd["gevinster"] + np.nan_to_num(swap),
                                    upd["gevinster"])
    upd["netto"] = upd["gevinster"] - upd["udgifter"]
    upd["nutidsvaerdi"] = upd["netto"] * upd["diskonteringsfaktor"]
    upd["akkumuleret_nutidsvaerdi"] = upd["nutidsvaerdi"].cumsum()
    return Opfoelgningsresultat(
        case=case, sidste_hele_aar=last, aar=aar, effekter=effekter, status=status, aarlig=upd,
        nutidsvaerdi_plan=res.nutidsvaerdi, nutidsvaerdi_opdateret=float(upd["nutidsvaerdi"].sum()),
        tilbagebetalingsaar_plan=res.tilbagebetalingsaar,
        tilbagebetalingsaar_opdateret=payback_year(upd["akkumuleret_nutidsvaerdi"]),
    )


def _effects(case: BusinessCase, data: Data, res, actual: pd.Series, start: pd.Timestamp,
             margin: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    plan = res.aarlig
    lines = res.linjer
    rows, status_rows = [], []
    for key, e in case.opfoelgning.effekter.items():  # a few effects
        name = case.gevinster[key].navn
        base_year = e.basisaar if e.basisaar is not None else start.year - 1
        whole = _first_whole_year(data)
        measurable = whole is not None and whole <= base_year <= (last_whole_year(data) or 0)
        base = _effect_measure(e, data, base_year) if measurable else np.nan
        vpu = _value_per_unit(e, data, base_year) if measurable else np.nan
        expected = lines[lines["linje_id"] == key].groupby("aar")["beloeb"].sum().reindex(
            plan["aar"], fill_value=0.0).to_numpy()
        got = np.array([_effect_measure(e, data, int(y)) if a else np.nan
                        for y, a in zip(plan["kalenderaar"], actual)])
        avoided = base - got
        frame = pd.DataFrame({
            "effekt": key, "navn": name, "aar": plan["aar"], "kalenderaar": plan["kalenderaar"],
            "faktisk": actual.to_numpy(), "enheder_basis": base, "enheder_faktisk": got,
            "enheder_undgaaet": avoided, "enheder_forventet": expected / vpu,
            "vaerdi_pr_enhed": vpu, "gevinst_forventet": expected,
            "gevinst_realiseret": avoided * vpu,
        })
        rows.append(frame)
        seen = frame[frame["faktisk"]]
        exp_sum = float(seen["gevinst_forventet"].sum())
        real_sum = float(seen["gevinst_realiseret"].sum()) if len(seen) else np.nan
        status_rows.append({
            "effekt": key, "navn": name, "antal_aar": len(seen),
            "gevinst_forventet": exp_sum, "gevinst_realiseret": real_sum,
            "andel": real_sum / exp_sum if exp_sum > 0 else np.nan,
            "status": _status(exp_sum, real_sum, margin),
        })
    columns = ["effekt", "navn", "antal_aar", "gevinst_forventet", "gevinst_realiseret",
               "andel", "status"]
    effekter = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return effekter, pd.DataFrame(status_rows, columns=columns)
