"""Expected year-end result (forventet regnskab) per budget line, with an uncertainty band.

Method, at the end of month M of the budget year (Halsnæs: ten times a year):

    forventet = betalt (payments for months Jan..M)
              + aktive_resten (what active grants cost from M+1 to December at their regulated
                price and volume, until their slutdato, else their forventet_slutdato if later
                than M, else the year's end: `derived.expected_payments`)
              + nye (grants expected to start in the rest of the year: the line's monthly rate
                of new grants in the last `historik_maaneder` months × their average monthly
                cost at this year's price level; a grant starting in a month pays half of it)
              + ophoer (negative: open-ended grants end at the line's historical monthly rate
                h = endings / grant-months at risk in the same window; a grant still open is
                paid in month k after M with probability (1-h)^(k-1/2))

Full-year persons are forecast the same way (active days / days in the year).

Uncertainty: the same method is run at the same month in earlier complete years (backtest),
knowing only what was known then (end dates after that month are treated as unknown), and
compared with those years' actual payments. The band is forventet × (1 ± z × RMS of the
relative errors), per line and for the total (`Indstillinger.usikkerhed_z`, `backtest_aar`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data
from ..data.derived import expected_payments
from .grundlag import (
    Grants,
    Indstillinger,
    Payments,
    active_days,
    assign_lines,
    budget_rows,
    complete_years,
    days_in_year,
    first_month,
    grants,
    month_end,
    month_ord,
    ord_to_month,
    parse_as_of,
    payments,
)

AVG_MONTH_DAYS = 365.25 / 12
MIN_HISTORY_MONTHS = 6  # a backtest year needs at least this much history before its month

COLUMNS = [
    "budget", "betalt", "aktive_resten", "nye", "ophoer", "forventet", "nedre", "oevre",
    "afvigelse", "forventet_antal", "antal_aktive", "typisk_fejl",
]


@dataclass(frozen=True)
class ForventetRegnskab:
    """The expected year-end result of one budget year at one month.

    linjer: one row per budget line (index linje) with the COLUMNS above (kr; antal in
    full-year persons; typisk_fejl = RMS relative error in the backtest).
    samlet: the same for the whole budget (its band from the total's own backtest).
    backtest: aar, linje, forventet, faktisk, fejl (relative) per earlier year and line
    (linje 'I alt' for the total).
    """

    aar: int
    opgjort: pd.Timestamp  # the month the result is made at (first day)
    linjer: pd.DataFrame
    samlet: pd.Series
    backtest: pd.DataFrame

    def tabel(self) -> pd.DataFrame:
        """The lines with an 'I alt' row, for display."""
        total = self.samlet.to_frame("I alt").T
        return pd.concat([self.linjer, total]).rename_axis("linje")


def _rest_weights(h: np.ndarray, months_left: int) -> tuple[np.ndarray, np.ndarray]:
    """Per line: survival weights s_k = (1-h)^(k-1/2) for k = 1..R (shape lines × R) and the
    expected months a grant starting in a remaining month pays, summed over those months."""
    if months_left <= 0:
        return np.zeros((len(h), 0)), np.zeros(len(h))
    k = np.arange(1, months_left + 1)
    surv = (1.0 - h[:, None]) ** (k[None, :] - 0.5)
    # A grant starting mid-month j pays 0.5 in month j and (1-h)^(k-j) in month k > j.
    lag = np.arange(1, months_left)
    tail = (1.0 - h[:, None]) ** lag[None, :]  # lag 1..R-1
    # Sum over j of sum over k>j: lag L occurs (R - L) times.
    new_months = 0.5 * months_left + (tail * (months_left - lag)[None, :]).sum(axis=1)
    return surv, new_months


@dataclass(frozen=True)
class _Grundlag:
    """What the forecasts of one budget year share whatever the month: made once by
    `expected_by_month` for all its months (and their backtests), not once per month."""

    g: Grants
    pay: Payments
    first_data_ord: int
    start_ord: np.ndarray  # month ordinal of each grant's startdato
    terms: pd.DataFrame  # the grants' columns expected_payments reads, bevilling_id = position
    budget: pd.Series  # the year's budget per line label


def _grundlag(data: Data, year: int, ind: Indstillinger) -> _Grundlag:
    bev = data.bevillinger
    terms = bev[["startdato", "enhed", "enhedspris", "omfang", "tillaeg"]].copy()
    terms["bevilling_id"] = np.arange(len(bev))
    rows = budget_rows(data, year)
    label = rows["paragraf"].fillna(rows["maalgruppe"]).astype(str)
    return _Grundlag(
        g=grants(data, assign_lines(data, year, ind.budgetniveau)),
        pay=payments(data),
        first_data_ord=int(month_ord(first_month(data))),
        start_ord=month_ord(bev["startdato"]),
        terms=terms,
        budget=rows["beloeb"].groupby(label.to_numpy()).sum(),
    )


def _month_ords(days: np.ndarray) -> np.ndarray:
    """month_ord of datetime64[D] values in numpy (NaT -> -1), without a pandas Series."""
    o = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    return np.where(np.isnat(days), -1, o)


def _core(gl: _Grundlag, year: int, asof_ord: int, known_ends: bool,
          ind: Indstillinger) -> dict[str, np.ndarray]:
    """The forecast's parts per line code (see the module docstring)."""
    g, pay, first_data_ord = gl.g, gl.pay, gl.first_data_ord
    diy = days_in_year(year)
    jan1 = pd.Timestamp(year, 1, 1)
    dec31 = pd.Timestamp(year, 12, 31)
    end_asof = month_end(asof_ord)
    end_asof_d = np.datetime64(end_asof.date(), "D")
    months_left = year * 12 + 11 - asof_ord

    known = g.start <= end_asof_d
    slut = g.slut if known_ends else np.where(g.slut <= end_asof_d, g.slut, np.datetime64("NaT"))
    planned = np.isnat(slut) & (g.forventet_slut > end_asof_d)
    end_used = np.where(planned, g.forventet_slut, slut)
    active_after = known & (np.isnat(end_used) | (end_used > end_asof_d))
    open_ = active_after & np.isnat(end_used)

    betalt = g.by_line(pay.by_grant(year * 12, asof_ord))
    antal_hidtil = g.by_line(active_days(g.start, slut, jan1, end_asof), known) / diy

    # Historical rates in the window of months before and including as_of.
    lo_w = max(asof_ord - ind.historik_maaneder + 1, first_data_ord)
    window_months = max(asof_ord - lo_w + 1, 1)
    start_ord = gl.start_ord
    slut_ord = _month_ords(slut)
    ended = (slut_ord >= lo_w) & (slut_ord <= asof_ord)
    exposure = g.by_line(active_days(g.start, slut, ord_to_month(lo_w), end_asof)) / AVG_MONTH_DAYS
    h = np.divide(g.by_line(ended.astype(float)), exposure, out=np.zeros(g.n_lines),
                  where=exposure > 0).clip(0.0, 1.0)
    new = (start_ord >= lo_w) & (start_ord <= asof_ord)
    n_new = g.by_line(new.astype(float))
    monthly_new_cost = g.annual * (1.0 + ind.prisindeks) ** (year - g.start_year) / 12.0
    cost_new = np.divide(g.by_line(monthly_new_cost, new), n_new, out=np.zeros(g.n_lines),
                         where=n_new > 0)
    rate_new = n_new / window_months

    surv, new_months = _rest_weights(h, months_left)
    zeros = np.zeros(g.n_lines)
    aktive_resten, ophoer, antal_resten, antal_ophoer = zeros, zeros, zeros, zeros
    if months_left > 0:
        idx = np.flatnonzero(active_after)
        sub = gl.terms.iloc[idx]
        sub = sub.assign(slutdato=pd.Series(end_used[idx].astype("datetime64[ns]"),
                                            index=sub.index))
        ep = expected_payments(sub, ord_to_month(asof_ord + 1), dec31, ind.prisindeks)
        pos = ep["bevilling_id"].to_numpy(dtype=np.int64)
        k = month_ord(ep["periode"]) - asof_ord
        amount = ep["forventet"].to_numpy(dtype=float)
        code = g.code[pos]
        weight = np.where(open_[pos], surv[code, k - 1], 1.0)
        n = g.n_lines
        aktive_resten = np.bincount(code, weights=amount, minlength=n)
        ophoer = np.bincount(code, weights=amount * weight, minlength=n) - aktive_resten
        rest_first = ord_to_month(asof_ord + 1)
        days_rest = active_days(g.start, end_used, rest_first, dec31)
        antal_resten = g.by_line(days_rest, active_after) / diy
        dim = np.array([month_end(asof_ord + j).day for j in range(1, months_left + 1)], float)
        n_open = g.by_line(open_.astype(float))
        antal_ophoer = n_open * ((surv - 1.0) * dim[None, :]).sum(axis=1) / diy
    nye = rate_new * cost_new * new_months
    antal_nye = rate_new * new_months / 12.0
    return {
        "betalt": betalt,
        "aktive_resten": aktive_resten,
        "nye": nye,
        "ophoer": ophoer,
        "forventet": betalt + aktive_resten + nye + ophoer,
        "forventet_antal": antal_hidtil + antal_resten + antal_nye + antal_ophoer,
        "antal_aktive": g.by_line(active_after.astype(float)),
    }


def _backtest(data: Data, gl: _Grundlag, year: int, asof_ord: int,
              ind: Indstillinger) -> pd.DataFrame:
    g, pay = gl.g, gl.pay
    month_in_year = asof_ord - year * 12
    earlier = [y for y in complete_years(data) if y < year]
    earlier = [y for y in earlier if y * 12 + month_in_year - gl.first_data_ord + 1
               >= MIN_HISTORY_MONTHS][-ind.backtest_aar:] if ind.backtest_aar > 0 else []
    frames = []
    for y in earlier:
        part = _core(gl, y, y * 12 + month_in_year, False, ind)
        actual = g.by_line(pay.by_grant(y * 12, y * 12 + 11))
        frame = pd.DataFrame({"aar": y, "linje": g.lines, "forventet": part["forventet"],
                              "faktisk": actual})
        total = pd.DataFrame({"aar": [y], "linje": ["I alt"],
                              "forventet": [part["forventet"].sum()],
                              "faktisk": [actual.sum()]})
        frames.append(pd.concat([frame, total], ignore_index=True))
    if not frames:
        return pd.DataFrame(columns=["aar", "linje", "forventet", "faktisk", "fejl"])
    out = pd.concat(frames, ignore_index=True)
    out["fejl"] = np.where(out["forventet"] > 0,
                           (out["faktisk"] - out["forventet"]) / out["forventet"].where(
                               out["forventet"] > 0), np.nan)
    return out


def _rms(errors: pd.Series) -> float:
    e = errors.dropna()
    return float(np.sqrt(np.mean(np.square(e)))) if len(e) else float("nan")


def expected_year_end(data: Data, year: int | None = None, as_of=None,
                      ind: Indstillinger | None = None) -> ForventetRegnskab:
    """The expected year-end result per budget line at the end of month `as_of`.

    year defaults to `ind.aar` (the parameters' budget.aar), else the year of the reference
    month; as_of (any date in the month) to `ind.opgjort`, else the reference month (or
    December of a past year). See the module docstring for the method. For a completed year
    at December, forventet equals the year's payments.
    """
    ind = ind or Indstillinger()
    year = ind.aar if year is None else year
    as_of = ind.opgjort if as_of is None else as_of
    year, asof_ord = parse_as_of(data, year, as_of)
    return _year_end(data, _grundlag(data, year, ind), year, asof_ord, ind)


def _year_end(data: Data, gl: _Grundlag, year: int, asof_ord: int,
              ind: Indstillinger) -> ForventetRegnskab:
    part = _core(gl, year, asof_ord, True, ind)
    out = pd.DataFrame(part, index=gl.g.lines)

    budget = gl.budget
    out = out.reindex(out.index.union(budget.index), fill_value=0.0).rename_axis("linje")
    out["budget"] = budget.reindex(out.index).fillna(0.0)

    bt = _backtest(data, gl, year, asof_ord, ind)
    rms = bt.groupby("linje")["fejl"].apply(_rms) if len(bt) else pd.Series(dtype=float)
    out["typisk_fejl"] = rms.reindex(out.index)
    z = ind.usikkerhed_z
    out["nedre"] = out["forventet"] * (1 - z * out["typisk_fejl"])
    out["oevre"] = out["forventet"] * (1 + z * out["typisk_fejl"])
    out["afvigelse"] = out["forventet"] - out["budget"]

    samlet = out.drop(columns=["nedre", "oevre", "typisk_fejl"]).sum()
    samlet["typisk_fejl"] = rms.get("I alt", np.nan)
    samlet["nedre"] = samlet["forventet"] * (1 - z * samlet["typisk_fejl"])
    samlet["oevre"] = samlet["forventet"] * (1 + z * samlet["typisk_fejl"])
    return ForventetRegnskab(
        aar=year,
        opgjort=ord_to_month(asof_ord),
        linjer=out[COLUMNS],
        samlet=samlet[COLUMNS].rename("I alt"),
        backtest=bt,
    )


def expected_by_month(data: Data, year: int | None = None,
                      ind: Indstillinger | None = None) -> pd.DataFrame:
    """The expected year-end total as it would have been made at the end of each month of the
    year so far (one row per month: maaned, budget, betalt, forventet, nedre, oevre)."""
    ind = ind or Indstillinger()
    year, last_ord = parse_as_of(data, year, None)
    first_ord = max(year * 12, int(month_ord(first_month(data))))
    gl = _grundlag(data, year, ind)
    rows = []
    for o in range(first_ord, last_ord + 1):
        fr = _year_end(data, gl, year, o, ind)
        s = fr.samlet
        rows.append({"maaned": ord_to_month(o), "budget": s["budget"], "betalt": s["betalt"],
                     "forventet": s["forventet"], "nedre": s["nedre"], "oevre": s["oevre"]})
    return pd.DataFrame(rows)
