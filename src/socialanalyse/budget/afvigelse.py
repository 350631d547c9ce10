"""The differentiated budget (price × quantity), deviations split into quantity, price and mix,
and the concrete grants behind them.

Budget per line: amount B, quantity Qb (full-year persons) and unit price Pb (average annual
cost per full-year person), with Qb × Pb = B. Expected (or actual): spending S and quantity Qa,
unit price Pa = S / Qa. For a group G of lines (by=...):

    mængde (quantity) = (Qa_G - Qb_G) × Pb_G          Pb_G = B_G / Qb_G, the budget average price
    mix               = Σ_i Qa_i × Pb_i - Qa_G × Pb_G   the actual composition at budget prices
    pris (price)      = Σ_i (Pa_i - Pb_i) × Qa_i = S_G - Σ_i Qa_i × Pb_i

so mængde + mix + pris = S_G - B_G exactly. For a single line mix is 0: quantity at budget
price, price at actual quantity. A line without budget quantity takes its actual price as
budget price (its whole deviation is quantity); a group without budget quantity puts
Σ Qa_i Pb_i - B_G in quantity and 0 in mix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Data
from .grundlag import (
    OEVRIGE,
    Indstillinger,
    active_days,
    assign_lines,
    budget_rows,
    complete_years,
    days_in_year,
    grants,
    line_info,
    line_year_stats,
    month_end,
    ord_to_month,
    parse_as_of,
    payments,
)
from .prognose import ForventetRegnskab

VARIANCE_COLUMNS = [
    "budget", "forventet", "afvigelse", "maengde", "pris", "mix",
    "budget_antal", "forventet_antal", "budget_enhedspris", "forventet_enhedspris",
]


def differentiated_budget(data: Data, year: int, ind: Indstillinger | None = None) -> pd.DataFrame:
    """The budget of a year per line as price × quantity (index linje).

    Columns: linjetype, kategori, budget (kr), budget_antal (full-year persons),
    budget_enhedspris (kr per full-year person), kilde. From the budget table: the amount is
    binding; the quantity is forudsat_antal, else amount / forudsat_enhedspris, else the last
    complete year's actual full-year persons; the unit price is amount / quantity. Without
    budget rows for the year, from history (kilde 'historik'): last complete year's
    full-year persons × its unit cost regulated by prisindeks to the year.
    """
    ind = ind or Indstillinger()
    rows = budget_rows(data, year)
    lines = assign_lines(data, year, ind.budgetniveau)
    past = [y for y in complete_years(data) if y < year]
    hist = (line_year_stats(data, lines, past[-1:]).set_index("linje") if past
            else pd.DataFrame(columns=["udgift", "helaarspersoner"]))
    if rows.empty:
        if hist.empty:
            return pd.DataFrame(columns=["linjetype", "kategori", "budget", "budget_antal",
                                         "budget_enhedspris", "kilde"])
        factor = (1 + ind.prisindeks) ** (year - past[-1])
        out = pd.DataFrame(index=hist.index)
        out["budget_antal"] = hist["helaarspersoner"]
        price = hist["udgift"] / hist["helaarspersoner"].where(hist["helaarspersoner"] > 0)
        out["budget_enhedspris"] = price * factor
        out["budget"] = (out["budget_antal"] * out["budget_enhedspris"]).fillna(0.0)
        out["kilde"] = "historik"
    else:
        label = rows["paragraf"].fillna(rows["maalgruppe"]).astype(str).to_numpy()
        r = rows.assign(linje=label).groupby("linje").agg(
            budget=("beloeb", "sum"),
            antal=("forudsat_antal", lambda s: s.sum(min_count=1)),
            pris=("forudsat_enhedspris", "mean"),
        )
        quantity = r["antal"].copy()
        kilde = pd.Series("budget", index=r.index)
        from_price = quantity.isna() & r["pris"].gt(0)
        quantity[from_price] = r["budget"][from_price] / r["pris"][from_price]
        from_hist = quantity.isna()
        if "helaarspersoner" in hist:
            quantity[from_hist] = hist["helaarspersoner"].reindex(r.index)[from_hist]
        kilde[from_hist] = "beløb + historik"
        out = pd.DataFrame({"budget": r["budget"], "budget_antal": quantity.astype(float)})
        out["budget_enhedspris"] = out["budget"] / out["budget_antal"].where(out["budget_antal"] > 0)
        out["kilde"] = kilde
    out = out.rename_axis("linje")
    info = line_info(out.index)
    return pd.concat([info[["linjetype", "kategori"]], out], axis=1)[
        ["linjetype", "kategori", "budget", "budget_antal", "budget_enhedspris", "kilde"]]


def actual(data: Data, year: int, ind: Indstillinger | None = None) -> pd.DataFrame:
    """A complete year's actual result per line in the same shape as expected:
    index linje, columns forventet (= payments), forventet_antal (full-year persons)."""
    ind = ind or Indstillinger()
    stats = line_year_stats(data, assign_lines(data, year, ind.budgetniveau), [year])
    return stats.set_index("linje").rename(
        columns={"udgift": "forventet", "helaarspersoner": "forventet_antal"}
    )[["forventet", "forventet_antal"]]


def _groups(index: pd.Index, budget: pd.DataFrame, by) -> pd.Series:
    if by is None:
        return pd.Series(index, index=index)
    if isinstance(by, str) and by == "samlet":
        return pd.Series("I alt", index=index)
    if isinstance(by, str):
        if by not in budget.columns:
            raise KeyError(f"Budgettet har ingen kolonne {by!r} at gruppere efter.")
        mapping = budget[by]
    else:
        mapping = pd.Series(by)
    return pd.Series(index, index=index).map(mapping).fillna(OEVRIGE)


def variance(budget: pd.DataFrame, expected: pd.DataFrame | ForventetRegnskab,
             by=None) -> pd.DataFrame:
    """Deviation from budget per line or group, split into mængde, pris and mix (module doc).

    budget: `differentiated_budget` (index linje; budget, budget_antal). expected: a
    ForventetRegnskab or a frame with index linje and columns forventet, forventet_antal (e.g.
    `actual`). by: None (per line), 'samlet' (one group), a column of `budget` (e.g.
    'kategori') or a mapping linje -> group. mængde + pris + mix = afvigelse exactly (up to
    floating-point rounding).
    """
    exp = expected.linjer if isinstance(expected, ForventetRegnskab) else expected
    idx = budget.index.union(exp.index)
    b_amount = budget["budget"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    q_b = budget["budget_antal"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    s_a = exp["forventet"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    q_a = exp["forventet_antal"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    p_a = np.divide(s_a, q_a, out=np.zeros_like(s_a), where=q_a > 0)
    p_b = np.divide(b_amount, q_b, out=p_a.copy(), where=q_b > 0)
    groups = _groups(idx, budget, by)
    frame = pd.DataFrame({
        "g": groups.to_numpy(), "B": b_amount, "Qb": q_b, "S": s_a, "Qa": q_a,
        "QaPb": q_a * p_b,
    })
    agg = frame.groupby("g", sort=False).sum()
    has_qb = agg["Qb"] > 0
    pb_g = (agg["B"] / agg["Qb"].where(has_qb)).fillna(0.0)
    maengde = np.where(has_qb, (agg["Qa"] - agg["Qb"]) * pb_g, agg["QaPb"] - agg["B"])
    mix = np.where(has_qb, agg["QaPb"] - agg["Qa"] * pb_g, 0.0)
    pris = agg["S"] - agg["QaPb"]
    out = pd.DataFrame({
        "budget": agg["B"],
        "forventet": agg["S"],
        "afvigelse": agg["S"] - agg["B"],
        "maengde": maengde,
        "pris": pris,
        "mix": mix,
        "budget_antal": agg["Qb"],
        "forventet_antal": agg["Qa"],
        "budget_enhedspris": agg["B"] / agg["Qb"].where(has_qb),
        "forventet_enhedspris": agg["S"] / agg["Qa"].where(agg["Qa"] > 0),
    }, index=agg.index.rename("linje" if by is None else "gruppe"))
    return out[VARIANCE_COLUMNS]


CAUSE_COLUMNS = [
    "linje", "aarsag", "type", "effekt", "bevilling_id", "borger_id", "leverandoer_id",
    "leverandoer", "startdato", "slutdato", "udgift", "helaarspersoner", "enhedspris",
    "budget_enhedspris",
]


def causes(data: Data, year: int | None = None, as_of=None, budget: pd.DataFrame | None = None,
           ind: Indstillinger | None = None, n: int | None = None) -> pd.DataFrame:
    """The concrete grants behind the deviations of a year (working list: ids, intern only).

    Per grant active in the year (known at as_of; the rest of the year at its planned price,
    volume and end): udgift (paid + expected), helaarspersoner, enhedspris (udgift per
    full-year person). Causes, each with its effect on the year in kr:
    - 'Ny dyr bevilling' / 'Ny bevilling' (type mængde): started this year; effect = udgift.
      Dyr: annual cost at this year's prices above `dyr_bevilling`.
    - 'Ophørt' (mængde): ended this year; effect = minus what the rest of the year would have
      cost at its regulated annual cost.
    - 'Prisstigning' (pris): also active last year, and its udgift per active day rose more
      than prisindeks + `prisstigning_graense`; effect = the rise above the index × days.
    - 'Dyrere end forudsat' (pris): enhedspris above the line's budget unit price; effect =
      udgift - helaarspersoner × budget_enhedspris, the grant's share of the line's price
      effect.
    Rows are sorted by line and descending |effekt|; with n, at most n rows per line and cause.
    """
    ind = ind or Indstillinger()
    year, asof_ord = parse_as_of(data, year, as_of)
    if budget is None:
        budget = differentiated_budget(data, year, ind)
    bev = data.bevillinger
    lines = assign_lines(data, year, ind.budgetniveau)
    g = grants(data, lines)
    pay = payments(data)
    diy = days_in_year(year)
    jan1, dec31 = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    end_asof = month_end(asof_ord)
    end_d = np.datetime64(end_asof.date(), "D")
    known = g.start <= end_d
    planned = np.isnat(g.slut) & (g.forventet_slut > end_d)
    end_used = np.where(planned, g.forventet_slut, g.slut)
    days_so_far = active_days(g.start, g.slut, jan1, end_asof)
    paid = pay.by_grant(year * 12, asof_ord)
    rest = np.zeros(len(bev))
    days_rest = np.zeros(len(bev))
    if asof_ord < year * 12 + 11:
        from ..data.derived import expected_payments

        idx = np.flatnonzero(known)
        sub = bev.iloc[idx][["startdato", "enhed", "enhedspris", "omfang", "tillaeg"]].copy()
        sub["bevilling_id"] = idx
        sub["slutdato"] = pd.Series(end_used[idx].astype("datetime64[ns]"), index=sub.index)
        ep = expected_payments(sub, ord_to_month(asof_ord + 1), dec31, ind.prisindeks)
        rest = np.bincount(ep["bevilling_id"].to_numpy(dtype=np.int64),
                           weights=ep["forventet"].to_numpy(dtype=float), minlength=len(bev))
        days_rest = np.where(known, active_days(g.start, end_used, ord_to_month(asof_ord + 1),
                                                dec31), 0.0)
    udgift = paid + rest
    days = days_so_far + days_rest
    helaar = days / diy
    in_year = known & (days > 0)
    price = np.divide(udgift, helaar, out=np.full(len(bev), np.nan), where=helaar > 0)
    pb = pd.Series(g.lines).map(budget["budget_enhedspris"]).to_numpy(dtype=float)[g.code]
    annual_now = g.annual * (1 + ind.prisindeks) ** (year - g.start_year)
    is_new = in_year & (g.start >= np.datetime64(jan1.date(), "D"))
    ended = known & ~np.isnat(g.slut) & (g.slut <= end_d) & (
        g.slut >= np.datetime64(jan1.date(), "D"))
    prev_days = active_days(g.start, g.slut, pd.Timestamp(year - 1, 1, 1),
                            pd.Timestamp(year - 1, 12, 31))
    prev_paid = pay.by_grant((year - 1) * 12, (year - 1) * 12 + 11)
    prev_rate = np.divide(prev_paid, prev_days, out=np.full(len(bev), np.nan),
                          where=(prev_days > 0) & (prev_paid > 0))
    rate = np.divide(udgift, days, out=np.full(len(bev), np.nan), where=days > 0)
    limit = prev_rate * (1 + ind.prisindeks + ind.prisstigning_graense)
    rise = in_year & ~is_new & np.isfinite(prev_rate) & (rate > limit)
    lost_days = np.where(ended, (np.datetime64(dec31.date(), "D") - g.slut).astype(np.int64), 0)

    effects = [
        ("Ny dyr bevilling", "mængde", is_new & (annual_now > ind.dyr_bevilling), udgift),
        ("Ny bevilling", "mængde", is_new & ~(annual_now > ind.dyr_bevilling), udgift),
        ("Ophørt", "mængde", ended, -annual_now * lost_days / diy),
        ("Prisstigning", "pris", rise, (rate - prev_rate * (1 + ind.prisindeks)) * days),
        ("Dyrere end forudsat", "pris", in_year & (price > pb), udgift - helaar * pb),
    ]
    names = data.leverandoerer.set_index("leverandoer_id")["navn"]
    frames = []
    for aarsag, kind, mask, effect in effects:
        i = np.flatnonzero(mask)
        if not len(i):
            continue
        frames.append(pd.DataFrame({
            "linje": g.lines[g.code[i]],
            "aarsag": aarsag,
            "type": kind,
            "effekt": effect[i],
            "bevilling_id": bev["bevilling_id"].to_numpy()[i],
            "borger_id": bev["borger_id"].to_numpy()[i],
            "leverandoer_id": bev["leverandoer_id"].to_numpy()[i],
            "startdato": bev["startdato"].to_numpy()[i],
            "slutdato": bev["slutdato"].to_numpy()[i],
            "udgift": udgift[i],
            "helaarspersoner": helaar[i],
            "enhedspris": price[i],
            "budget_enhedspris": pb[i],
        }))
    if not frames:
        return pd.DataFrame(columns=CAUSE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["leverandoer"] = out["leverandoer_id"].map(names)
    out = out.assign(_abs=out["effekt"].abs()).sort_values(
        ["linje", "_abs"], ascending=[True, False], kind="stable")
    if n is not None:
        out = out.groupby(["linje", "aarsag"], sort=False).head(n)
    return out.drop(columns="_abs").reset_index(drop=True)[CAUSE_COLUMNS]


def cause_summary(causes_df: pd.DataFrame) -> pd.DataFrame:
    """Aggregate causes per line and cause: antal bevillinger and samlet effekt (kr).
    Free of ids, so it can be shown to the byråd (antal is a count of grants)."""
    if causes_df.empty:
        return pd.DataFrame(columns=["linje", "aarsag", "type", "antal_bevillinger", "effekt"])
    return (causes_df.groupby(["linje", "aarsag", "type"], as_index=False)
            .agg(antal_bevillinger=("bevilling_id", "nunique"), effekt=("effekt", "sum")))
