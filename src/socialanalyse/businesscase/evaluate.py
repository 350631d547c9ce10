"""Evaluating a business case: yearly flows by line and payer, present value, payback, break-even.

Conventions (stated once, used everywhere):

- Years are numbered 0 .. horisont − 1; year 0 is the first year. Amounts are in fixed prices.
- Discounting follows Finansministeriet's stepped schedule: year 0 is not discounted, and the
  factor for year t is the product over the years s = 1..t of 1 / (1 + r_s), where r_s is the
  rate for year s in the schedule (default 3.5 % for years 0–35, 2.5 % for 36–70, from
  `reference.diskonteringsrente()`). So with 3.5 %: year 1 → 1/1.035, year 2 → 1/1.035², and
  year 36 → 1/(1.035³⁵ · 1.025).
- Signs: costs are negative and gains positive in the flows (`beloeb`); the net present value
  (nutidsværdi) is the sum of the discounted flows of all payers.
- A cost line's yearly amount: (beloeb, or pris × antal) × borgere (if per citizen) / deles_af
  × (1 + optimisme_tillaeg). A gain's: (beloeb, or pris × antal) × borgere / deles_af
  × (succesrate − doedvaegt) × effect(t), see `model.Gevinst`.
- Payback year (tilbagebetalingsår): the first year from which the cumulative present value
  stays at or above zero to the end of the horizon (None if it never does).

Every number comes from one vectorised engine (`_compile`), so a Monte Carlo draw, a
sensitivity point and the deterministic result are computed by the same code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from .. import reference
from .model import (
    RANGES,
    BusinessCase,
    Gevinst,
    get_value,
    input_kind,
    input_label,
    with_scenario,
)

Overrides = Mapping[str, "np.ndarray | float"]


# --- discounting ------------------------------------------------------------------------------


@cache
def _default_schedule() -> tuple[tuple[int, int, float], ...]:
    frame = reference.diskonteringsrente()
    return tuple(zip(frame["fra_aar"], frame["til_aar"], frame["rente"]))


def _steps(schedule) -> tuple[tuple[int, int, float], ...]:
    """A schedule as (fra_aar, til_aar, rente) tuples."""
    if schedule is None:
        return _default_schedule()
    if isinstance(schedule, pd.DataFrame):
        return tuple(zip(schedule["fra_aar"], schedule["til_aar"], schedule["rente"]))
    rows = [s.model_dump() if hasattr(s, "model_dump") else dict(s) for s in schedule]
    return tuple((r["fra_aar"], r["til_aar"], r["rente"]) for r in rows)


def rates(years: int, schedule=None) -> np.ndarray:
    """The discount rate of each year 0 .. years − 1 from a schedule (fra_aar, til_aar, rente).

    `schedule`: a DataFrame like `reference.diskonteringsrente()`, a list of `Rentetrin` or
    dicts, or None for the Danish default. Raises ValueError when a year has no rate.
    """
    out = np.full(years, np.nan)
    t = np.arange(years)
    for first, last, rate in _steps(schedule):
        out[(t >= first) & (t <= last)] = rate
    if np.isnan(out).any():
        missing = int(t[np.isnan(out)][0])
        raise ValueError(f"Diskonteringsrenten mangler for år {missing}.")
    return out


def discount_factors(years: int | Iterable[int], schedule=None) -> np.ndarray:
    """Discount factors for the given years (an int n means years 0 .. n − 1).

    Stepped convention: factor(0) = 1 and factor(t) = ∏_{s=1..t} 1 / (1 + r_s). With the
    default schedule factor(1) = 1/1.035 = 0.96618 and factor(36) = 1.035⁻³⁵ / 1.025.
    """
    if isinstance(years, (int, np.integer)):
        t = np.arange(int(years))
    else:
        t = np.asarray(list(years), dtype=int)
    if len(t) == 0:
        return np.zeros(0)
    if (t < 0).any():
        raise ValueError("År kan ikke være negative.")
    r = rates(int(t.max()) + 1, schedule)
    cumulative = np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + r[1:]))])
    return cumulative[t]


# --- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """All lines of a case as arrays: amount (n or scalar) and time profile (n or 1, T)."""

    keys: list[tuple[str, str]]  # (section, key)
    signs: np.ndarray  # (L,) −1 cost, +1 gain
    amounts: list[np.ndarray]  # each () or (n,): yearly amount at full effect, before sign
    profiles: list[np.ndarray]  # each (T,) or (n, T)
    shares: np.ndarray  # (L, P) payer shares
    payers: list[str]


def _value(case: BusinessCase, overrides: Overrides, path: str) -> np.ndarray | float:
    if path in overrides:
        return np.asarray(overrides[path], dtype=float)
    value = get_value(case, path)
    return math.inf if value is None else float(value)


def _compile(case: BusinessCase, overrides: Overrides | None = None) -> _Compiled:
    overrides = overrides or {}
    horizon = case.horisont
    t = np.arange(horizon)
    payers = list(case.betalere)
    keys, signs, amounts, profiles, shares = [], [], [], [], []
    uplift = 1.0 + _value(case, overrides, "optimisme_tillaeg")
    for section, key, line in case.lines():
        p = f"{section}.{key}"
        if line.beloeb is not None:
            amount = _value(case, overrides, f"{p}.beloeb")
        else:
            amount = _value(case, overrides, f"{p}.pris") * _value(case, overrides, f"{p}.antal")
        if line.borgere is not None:
            amount = amount * _value(case, overrides, f"borgergrupper.{line.borgere}.antal")
        amount = amount / _value(case, overrides, f"{p}.deles_af")
        last = horizon - 1 if line.til_aar is None else min(line.til_aar, horizon - 1)
        if line.art == "engangs":
            timing = (t == line.fra_aar).astype(float)
        else:
            timing = ((t >= line.fra_aar) & (t <= last)).astype(float)
        if isinstance(line, Gevinst):
            net = _value(case, overrides, f"{p}.succesrate") - _value(
                case, overrides, f"{p}.doedvaegt"
            )
            amount = amount * net
            duration = np.asarray(_value(case, overrides, f"{p}.varighed"), dtype=float)
            fading = np.asarray(_value(case, overrides, f"{p}.aftagning"), dtype=float)
            k = (t - line.fra_aar).astype(float)
            if duration.ndim or fading.ndim:
                duration, fading, k = duration[..., None], fading[..., None], k[None, :]
            after = np.floor(np.maximum(k - duration, 0.0)) + 1.0
            with np.errstate(invalid="ignore", over="ignore"):
                effect = np.where(k < duration, 1.0, (1.0 - fading) ** after)
            profile = timing * effect
            sign = 1.0
        else:
            amount = amount * uplift
            profile = timing
            sign = -1.0
        keys.append((section, key))
        signs.append(sign)
        amounts.append(np.asarray(amount, dtype=float))
        profiles.append(profile)
        line_shares = line.shares()
        shares.append([line_shares.get(payer, 0.0) for payer in payers])
    return _Compiled(
        keys, np.array(signs), amounts, profiles,
        np.array(shares, dtype=float).reshape(len(keys), len(payers)), payers,
    )


def _line_pv(case: BusinessCase, overrides: Overrides | None = None) -> tuple[_Compiled, np.ndarray]:
    """Signed present value of each line: (compiled, array (n, L)) — n = 1 without arrays."""
    compiled = _compile(case, overrides)
    df = discount_factors(case.horisont, case.diskontering)
    columns = [
        sign * amount * (profile @ df)
        for sign, amount, profile in zip(compiled.signs, compiled.amounts, compiled.profiles)
    ]
    n = max([np.size(c) for c in columns] + [np.size(v) for v in (overrides or {}).values()]
            + [1])
    pv = np.column_stack([np.broadcast_to(c, (n,)) for c in columns]) if columns else np.zeros((n, 0))
    return compiled, pv


def npv(case: BusinessCase, overrides: Overrides | None = None) -> np.ndarray:
    """Net present value for each set of input values (array; length 1 without overrides).

    `overrides`: input path -> value or array of values (all arrays of one length n).
    """
    _, pv = _line_pv(case, overrides)
    return pv.sum(axis=1)


def npv_by_level(case: BusinessCase, overrides: Overrides | None = None) -> dict[str, np.ndarray]:
    """Net present value by niveau (kommune, region, stat) for each set of input values."""
    compiled, pv = _line_pv(case, overrides)
    by_payer = pv @ compiled.shares  # (n, P)
    out: dict[str, np.ndarray] = {}
    for j, payer in enumerate(compiled.payers):
        level = case.betalere[payer].niveau
        out[level] = out.get(level, 0.0) + by_payer[:, j]
    return out


# --- the deterministic result -----------------------------------------------------------------


@dataclass(frozen=True)
class Resultat:
    """The evaluated case. Amounts in kr.; costs negative and gains positive in `linjer`.

    linjer: one row per line × payer × year (type, linje_id, linje, betaler_id, betaler, udvalg,
    niveau, andel, aar, kalenderaar (with a startaar), beloeb, diskonteringsfaktor, nutidsvaerdi).
    aarlig: one row per year (udgifter and gevinster as positive amounts, netto,
    diskonteringsrente, diskonteringsfaktor, nutidsvaerdi, akkumuleret_nutidsvaerdi).
    pr_betaler / pr_niveau: present value of costs, gains and net by payer and by niveau.
    break_even: see `break_even`.
    """

    case: BusinessCase
    scenarie: str | None
    linjer: pd.DataFrame
    aarlig: pd.DataFrame
    pr_betaler: pd.DataFrame
    pr_niveau: pd.DataFrame
    nutidsvaerdi: float
    nutidsvaerdi_udgifter: float
    nutidsvaerdi_gevinster: float
    tilbagebetalingsaar: int | None
    break_even: pd.DataFrame

    @property
    def nutidsvaerdi_kommune(self) -> float:
        """Net present value for the municipality's own budgets (niveau kommune)."""
        rows = self.pr_niveau[self.pr_niveau["niveau"] == "kommune"]
        return float(rows["nutidsvaerdi"].sum())

    @property
    def gevinst_pr_krone(self) -> float | None:
        """Present value of gains per krone of costs (None without costs)."""
        if self.nutidsvaerdi_udgifter == 0:
            return None
        return self.nutidsvaerdi_gevinster / self.nutidsvaerdi_udgifter

    @property
    def kalenderaar_for_tilbagebetaling(self) -> int | None:
        """The calendar year of payback when the case has a startaar."""
        if self.tilbagebetalingsaar is None or self.case.startaar is None:
            return None
        return self.case.startaar + self.tilbagebetalingsaar


def payback_year(cumulative: Sequence[float]) -> int | None:
    """The first index from which the cumulative values stay ≥ 0 (None if the last is < 0).

    [−10, −4, 2, 8] → 2; [5, −1, 3] → 2; [−1, −2] → None.
    """
    values = np.asarray(cumulative, dtype=float)
    if len(values) == 0 or values[-1] < -1e-9:
        return None
    negative = np.flatnonzero(values < -1e-9)
    return 0 if len(negative) == 0 else int(negative[-1]) + 1


def evaluate(case: BusinessCase, scenario: str | None = None) -> Resultat:
    """Evaluate a case (optionally under a named scenario): flows, present values, payback,
    break-even. See the module docstring for the conventions."""
    case = with_scenario(case, scenario)
    compiled = _compile(case)
    horizon = case.horisont
    years = np.arange(horizon)
    df = discount_factors(horizon, case.diskontering)
    rows = []
    for i, (section, key) in enumerate(compiled.keys):
        line = getattr(case, section)[key]
        flow = compiled.signs[i] * compiled.amounts[i] * np.broadcast_to(
            compiled.profiles[i], (horizon,)
        )
        for payer, share in line.shares().items():
            info = case.betalere[payer]
            rows.append(pd.DataFrame({
                "type": "udgift" if section == "udgifter" else "gevinst",
                "linje_id": key,
                "linje": line.navn,
                "betaler_id": payer,
                "betaler": info.navn,
                "udvalg": info.udvalg or "",
                "niveau": info.niveau,
                "andel": share,
                "aar": years,
                "beloeb": flow * share,
                "diskonteringsfaktor": df,
            }))
    linjer = pd.concat(rows, ignore_index=True)
    linjer["nutidsvaerdi"] = linjer["beloeb"] * linjer["diskonteringsfaktor"]
    if case.startaar is not None:
        linjer.insert(linjer.columns.get_loc("aar") + 1, "kalenderaar",
                      linjer["aar"] + case.startaar)
    cost = linjer["type"].eq("udgift")
    by_year = pd.DataFrame({
        "aar": years,
        "udgifter": 0.0 - linjer[cost].groupby("aar")["beloeb"].sum().reindex(years, fill_value=0.0),
        "gevinster": linjer[~cost].groupby("aar")["beloeb"].sum().reindex(years, fill_value=0.0),
    }).reset_index(drop=True)
    if case.startaar is not None:
        by_year.insert(1, "kalenderaar", years + case.startaar)
    by_year["netto"] = by_year["gevinster"] - by_year["udgifter"]
    by_year["diskonteringsrente"] = rates(horizon, case.diskontering)
    by_year["diskonteringsfaktor"] = df
    by_year["nutidsvaerdi"] = by_year["netto"] * df
    by_year["akkumuleret_nutidsvaerdi"] = by_year["nutidsvaerdi"].cumsum()

    def summary(keys: list[str]) -> pd.DataFrame:
        table = linjer.assign(
            udgifter_nutidsvaerdi=0.0 - linjer["nutidsvaerdi"].where(cost, 0.0),
            gevinster_nutidsvaerdi=linjer["nutidsvaerdi"].where(~cost, 0.0),
        ).groupby(keys, sort=False)[["udgifter_nutidsvaerdi", "gevinster_nutidsvaerdi",
                                     "nutidsvaerdi"]].sum()
        return table.reset_index()

    total = float(by_year["nutidsvaerdi"].sum())
    return Resultat(
        case=case,
        scenarie=scenario,
        linjer=linjer,
        aarlig=by_year,
        pr_betaler=summary(["betaler", "udvalg", "niveau"]),
        pr_niveau=summary(["niveau"]),
        nutidsvaerdi=total,
        nutidsvaerdi_udgifter=float((by_year["udgifter"] * df).sum()),
        nutidsvaerdi_gevinster=float((by_year["gevinster"] * df).sum()),
        tilbagebetalingsaar=payback_year(by_year["akkumuleret_nutidsvaerdi"]),
        break_even=break_even(case),
    )


# --- break-even -------------------------------------------------------------------------------


def default_break_even_inputs(case: BusinessCase) -> list[str]:
    """The inputs the break-even table solves for: each citizen group used by a line, and each
    gain's success rate."""
    groups = {line.borgere for _, _, line in case.lines() if line.borgere is not None}
    return [f"borgergrupper.{g}.antal" for g in case.borgergrupper if g in groups] + [
        f"gevinster.{k}.succesrate" for k in case.gevinster
    ]


def break_even(case: BusinessCase, inputs: Iterable[str] | None = None) -> pd.DataFrame:
    """The value of each input at which the net present value is exactly zero.

    The NPV is linear in amounts, prices, quantities, numbers of citizens, success rates and
    dødvægt: NPV(x) = a + b·x, so x* = −a/b, found from NPV(0) and NPV(1) and checked (NPV(2)
    must lie on the same line, and NPV(x*) must be 0 within rounding). Columns: input, navn,
    grundvaerdi, nulpunkt (x*), retning ('mindst' if the case pays for x ≥ x*, 'højst' if for
    x ≤ x*), afrundet (whole citizens: x* rounded towards paying), mulig (x* within the input's
    valid range, e.g. a success rate ≤ 1), nutidsvaerdi_ved_nulpunkt (the check).
    Inputs on which the NPV does not depend get nulpunkt NaN and retning 'uafhængig'; inputs
    the NPV is proportional to (every line scales with them) get nulpunkt 0 and retning
    'proportional' (then the case pays for any positive value or for none).
    """
    paths = list(default_break_even_inputs(case) if inputs is None else inputs)
    rows = []
    for path in paths:
        if input_kind(case, path) != "float":
            raise ValueError(f"Nulpunktet kan kun findes for talinput, ikke {path!r}.")
        values = npv(case, {path: np.array([0.0, 1.0, 2.0])})
        a, b = values[0], values[1] - values[0]
        scale = max(1.0, float(np.abs(values).max()))
        if abs(values[2] - 2 * values[1] + values[0]) > 1e-9 * scale:
            raise ValueError(
                f"Nutidsværdien er ikke lineær i {path!r}; brug sensitivity i stedet for nulpunkt."
            )
        base = get_value(case, path)
        row = {"input": path, "navn": input_label(case, path), "grundvaerdi": base}
        if abs(b) <= 1e-12 * scale:
            row |= {"nulpunkt": np.nan, "retning": "uafhængig", "afrundet": np.nan,
                    "mulig": False, "nutidsvaerdi_ved_nulpunkt": np.nan}
        elif abs(a) <= 1e-9 * scale:
            # NPV proportional to x: the sign of b alone decides, for any x > 0.
            row |= {"nulpunkt": 0.0, "retning": "proportional", "afrundet": np.nan,
                    "mulig": False, "nutidsvaerdi_ved_nulpunkt": 0.0}
        else:
            x = -a / b
            lo, hi = RANGES.get(path.split(".")[-1], (0.0, math.inf))
            rounded = np.nan
            if path.startswith("borgergrupper."):
                rounded = float(math.ceil(x - 1e-9) if b > 0 else math.floor(x + 1e-9))
            row |= {
                "nulpunkt": float(x),
                "retning": "mindst" if b > 0 else "højst",
                "afrundet": rounded,
                "mulig": bool(lo <= x <= hi),
                "nutidsvaerdi_ved_nulpunkt": float(npv(case, {path: x})[0]),
            }
        rows.append(row)
    columns = ["input", "navn", "grundvaerdi", "nulpunkt", "retning", "afrundet", "mulig",
               "nutidsvaerdi_ved_nulpunkt"]
    return pd.DataFrame(rows, columns=columns)


# --- tables for reading -----------------------------------------------------------------------


def assumptions_table(case: BusinessCase) -> pd.DataFrame:
    """The case's lines as a readable table: one row per cost or gain line with its inputs."""
    rows = []
    for section, key, line in case.lines():
        gain = isinstance(line, Gevinst)
        group = case.borgergrupper.get(line.borgere) if line.borgere else None
        payers = ", ".join(
            case.betalere[p].navn + ("" if share == 1 else f" ({share * 100:.0f} %)")
            for p, share in line.shares().items()
        )
        last = case.horisont - 1 if line.til_aar is None else min(line.til_aar, case.horisont - 1)
        rows.append({
            "type": "gevinst" if gain else "udgift",
            "linje": line.navn,
            "art": "engangs" if line.art == "engangs" else "årlig",
            "beloeb": line.beloeb,
            "pris": line.pris,
            "antal": line.antal,
            "antal_borgere": group.antal if group else None,
            "deles_af": line.deles_af,
            "succesrate": line.succesrate if gain else None,
            "doedvaegt": line.doedvaegt if gain else None,
            "varighed_aar": (line.varighed if gain else None),
            "aftagning": line.aftagning if gain and line.varighed is not None else None,
            "aar": f"{line.fra_aar}" if line.art == "engangs" else f"{line.fra_aar}–{last}",
            "betaler": payers,
        })
    return pd.DataFrame(rows)


def compare_scenarios(case: BusinessCase) -> pd.DataFrame:
    """Net present value and payback year of the case's own values and of each scenario."""
    names: list[str | None] = [None] + list(case.scenarier)
    rows = []
    for name in names:
        res = evaluate(case, name)
        rows.append({
            "scenarie": name or "casens værdier",
            "beskrivelse": case.scenarier[name].beskrivelse if name else "",
            "nutidsvaerdi": res.nutidsvaerdi,
            "nutidsvaerdi_kommune": res.nutidsvaerdi_kommune,
            "tilbagebetalingsaar": res.tilbagebetalingsaar,
        })
    out = pd.DataFrame(rows)
    out["tilbagebetalingsaar"] = out["tilbagebetalingsaar"].astype("Int64")
    return out
