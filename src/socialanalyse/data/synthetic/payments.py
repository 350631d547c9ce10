"""Payments (betalinger): what was paid per grant and month, as the payment system exports it.

Planted: grants paid for months after their slutdato, and grants paid 20-35 % above the grant
for 4-8 months in a row; the providers' planted price rise and its decoy (providers.contracts)
are applied here. Noise (small deviations, efterreguleringer, credit notes) never meets a
definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import reference as ref
from .. import derived
from .export import Export
from .world import (
    FIRST_MONTH,
    LAST_MONTH,
    PRISINDEKS,
    REF,
    REFERENCE_DATE,
    W0,
    World,
    months,
    ns,
    scaled,
)

EXPORT = {
    "betalinger": Export(
        "betalinger.csv",
        {"bevilling_id": "Bevillings-ID", "leverandoer_id": "Leverandør-ID",
         "periode": "Periode", "beloeb": "Beløb (kr.)", "funktion": "Funktion"},
        encoding="utf-8-sig", datoformat="%d.%m.%Y"),
}


def signals(w: World) -> None:
    """Planted: grants paid differently from the grant and grants paid after slutdato; the
    grants kept free of noise (`protected`)."""
    rng = w.rng("plant")
    g = w.g
    free = ~np.isin(g["prov"], np.concatenate([w.price_rise, w.renegotiated]))
    free[w.overlap_new] = False
    free[w.overlap_orig] = False
    months_active = (np.minimum(months(g["slutdato"].fillna(REFERENCE_DATE).to_numpy()
                                        .astype("datetime64[D]")), months(np.array([REF])))
                     - np.maximum(months(g["startdato"].to_numpy().astype("datetime64[D]")),
                                  months(np.array([W0]))))
    k = scaled(w.n, 5, minimum=3)
    cand = np.flatnonzero(free & (months_active >= 12))
    w.differ = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
    free[w.differ] = False
    end = g["slutdato"].to_numpy().astype("datetime64[D]")
    ended_ok = (~np.isnat(end)) & (end >= np.datetime64("2022-03-01", "D")) & (
        end <= np.datetime64("2026-06-30", "D"))
    cand = np.flatnonzero(free & ended_ok)
    w.after_end = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
    w.protected = np.unique(np.concatenate([
        np.flatnonzero(~free), w.differ, w.after_end]))
    bid = g["bevilling_id"].to_numpy()
    w.plant("payments_after_end", tuple(sorted(bid[w.after_end])),
            "Bevillinger, der er betalt for 1-2 måneder efter slutdatoens måned.")
    w.plant("payments_differ", tuple(sorted(bid[w.differ])),
            "Bevillinger med 4-8 måneder i træk betalt 20-35 % over det forventede. Støj: "
            "enkelte linjer 2-6 % forkert og efterreguleringer i 1-2 måneder.")


def payments(w: World) -> None:
    """betalinger: the expected monthly payments with noise, credit notes and the planted
    deviations."""
    rng = w.rng("pay")
    g = w.g
    cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
    exp = derived.expected_payments(g[cols], FIRST_MONTH, LAST_MONTH, PRISINDEKS)
    gi = pd.Index(g["bevilling_id"]).get_indexer(exp["bevilling_id"])
    per = exp["periode"].to_numpy()
    amount = exp["forventet"].to_numpy().copy()
    m = len(amount)
    factor = np.ones(m)
    protected = np.isin(gi, w.protected)
    # Noise: small deviations (2-6 %) on ~3 % of lines, and a one- or two-month
    # efterregulering (×0.6-1.5) on ~3 % of grants -- never the ≥3 months of the definition,
    # and only in years where the grant is paid ≥10 months, so a yearly mean moves <5 % and
    # noise never looks like a price rise above the index.
    year = per.astype("datetime64[Y]").astype(np.int64) + 1970
    _, inv, cnt = np.unique(gi * 64 + (year - 2000), return_inverse=True, return_counts=True)
    long_year = cnt[inv] >= 10
    small = (rng.random(m) < 0.03) & ~protected & long_year
    factor[small] *= 1 + rng.choice([-1, 1], small.sum()) * rng.uniform(0.02, 0.06, small.sum())
    n = len(g)
    starts = np.r_[0, np.flatnonzero(np.diff(gi)) + 1]  # exp rows are grouped by grant
    counts = np.diff(np.r_[starts, m])
    row_of = np.full(n, -1)
    row_of[gi[starts]] = starts
    cnt_of = np.zeros(n, np.int64)
    cnt_of[gi[starts]] = counts
    adj = np.isin(gi, np.flatnonzero(rng.random(n) < 0.03)) & ~protected & long_year
    for share in (1.0, 0.4):
        rows = np.flatnonzero(adj)
        rows = rows[np.argsort(rng.random(len(rows)), kind="stable")]
        _, first = np.unique(gi[rows], return_index=True)  # one random month per grant
        pick = rows[first]
        pick = pick[rng.random(len(pick)) < share]
        factor[pick] = rng.choice([0.6, 1.3, 1.4, 1.5], len(pick))
        adj[pick] = False
    # Planted: payments that differ from the grant for 4-8 consecutive months.
    for i in w.differ:
        length = int(rng.integers(4, 9))
        first = row_of[i] + int(rng.integers(0, max(1, cnt_of[i] - length)))
        factor[first:first + min(length, cnt_of[i])] = rng.uniform(1.2, 1.35)
    # Planted price rise from 1 January 2026 (+11 % on top of the index); decoy from 2025.
    factor[np.isin(g["prov"].to_numpy()[gi], w.price_rise) & (year >= 2026)] *= 1.11
    factor[np.isin(g["prov"].to_numpy()[gi], w.renegotiated) & (year >= 2025)] *= 1.12
    amount = np.round(amount * factor, 2)

    # Planted: 1-2 months paid after slutdato's month, at the full monthly rate.
    extra_gi, extra_per, extra_amt = [], [], []
    end = g["slutdato"].to_numpy().astype("datetime64[D]")
    for i in w.after_end:
        k = int(rng.integers(1, 3))
        for j in range(1, k + 1):
            month = int(months(end[i:i + 1])[0] + j)
            first = np.datetime64(month, "M").astype("datetime64[D]")
            nxt = np.datetime64(month + 1, "M").astype("datetime64[D]")
            dim = int((nxt - first).astype(np.int64))
            years = int(str(first)[:4]) - int(str(g.at[i, "startdato"].year))
            price = g.at[i, "enhedspris"] * (1 + PRISINDEKS) ** max(years, 0)
            units = g.at[i, "omfang"] * (1 if g.at[i, "enhed"] == "maaned" else dim / 7)
            extra_gi.append(i)
            extra_per.append(first)
            extra_amt.append(round(price * units + g.at[i, "tillaeg"], 2))

    # Credit notes: ~0.5 % of lines are paid as an overcharge and a credit line.
    credit = np.flatnonzero((rng.random(m) < 0.005) & (amount > 1000))
    over = np.round(amount[credit] * rng.uniform(0.1, 0.3, len(credit)), 2)
    all_gi = np.concatenate([gi, gi[credit], np.array(extra_gi, np.int64)])
    all_per = np.concatenate([per, per[credit],
                              ns(np.array(extra_per, dtype="datetime64[D]"))])
    all_amt = np.concatenate([amount, -over, np.array(extra_amt, float)])
    all_amt[credit] = np.round(amount[credit] + over, 2)
    line = np.concatenate([np.zeros(m, np.int64), np.ones(len(credit), np.int64),
                           np.zeros(len(extra_gi), np.int64)])
    funktion = ref.paragraffer().set_index("paragraf")["funktion"]
    p = pd.DataFrame({
        "bevilling_id": g["bevilling_id"].to_numpy()[all_gi],
        "leverandoer_id": g["leverandoer_id"].to_numpy()[all_gi],
        "periode": all_per.astype("datetime64[ns]"),
        "beloeb": all_amt,
        "funktion": funktion.reindex(g["paragraf"].to_numpy()[all_gi]).to_numpy(),
        "_line": line,
    })
    p = p.sort_values(["periode", "bevilling_id", "_line"], kind="stable")
    w.tables["betalinger"] = p.drop(columns="_line").reset_index(drop=True)
