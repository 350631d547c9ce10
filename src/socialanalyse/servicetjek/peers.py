"""Leave-one-provider-out medians: the peer price of a grant is the median price of the other
providers' grants in the same group (paragraf, enhed, need level).

Computed for all grants at once in O(n log n) without loops: after sorting each group by price,
the element of rank r among the other providers' grants sits at position r + j in the group,
where j counts the provider's own grants q_t (t-th cheapest, at group position q_t) with
q_t - t <= r (q_t - t is the number of other providers' grants before it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def peer_median(group: pd.Series, provider: pd.Series, price: pd.Series,
                pool: pd.Series | None = None) -> pd.DataFrame:
    """For each row: the median of `price` over the rows of the same `group` whose `provider`
    differs, and how many such rows there are.

    `pool` (bool, optional) limits the rows that serve as peers; every row still gets its
    median over the pool. Returns a frame with the input's index and columns `median` (NaN
    when no peers) and `antal` (number of peers). Rows whose group or price is missing get NaN
    and 0.
    """
    index = group.index
    valid = group.notna().to_numpy() & price.notna().to_numpy()
    in_pool = valid if pool is None else valid & pool.reindex(index).fillna(False).to_numpy(bool)
    out_median = np.full(len(index), np.nan)
    out_antal = np.zeros(len(index), dtype=np.int64)
    g_all, _ = pd.factorize(group.where(pd.Series(valid, index=index)), sort=False)
    p_all, p_uniques = pd.factorize(provider, sort=False)
    median, antal = _peer_median_codes(g_all[in_pool], p_all[in_pool], len(p_uniques),
                                       price.to_numpy(dtype=float)[in_pool])
    out_median[in_pool] = median
    out_antal[in_pool] = antal
    rest = valid & ~in_pool
    if rest.any():
        # A row outside the pool: its provider's leave-out median where that provider has
        # pool rows in the group, else the median of the group's whole pool.
        pairs = pd.DataFrame({"g": g_all[in_pool], "p": p_all[in_pool], "m": median,
                              "n": antal}).drop_duplicates(["g", "p"]).set_index(["g", "p"])
        whole = pd.DataFrame({"g": g_all[in_pool], "x": price.to_numpy(dtype=float)[in_pool]}
                             ).groupby("g")["x"].agg(["median", "size"])
        key = pd.MultiIndex.from_arrays([g_all[rest], p_all[rest]])
        m = pairs.reindex(key)
        mg = whole.reindex(g_all[rest])
        has_pair = m["n"].notna().to_numpy()
        out_median[rest] = np.where(has_pair, m["m"].to_numpy(), mg["median"].to_numpy())
        out_antal[rest] = np.where(has_pair, m["n"].fillna(0).to_numpy(),
                                   mg["size"].fillna(0).to_numpy()).astype(np.int64)
    return pd.DataFrame({"median": out_median, "antal": out_antal}, index=index)


def _peer_median_codes(
    g: np.ndarray, prov: np.ndarray, n_prov: int, price: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(price)
    if n == 0:
        return np.empty(0), np.empty(0, dtype=np.int64)
    # Sort by (group, price): positions within a group are price ranks.
    order = np.lexsort((price, g))
    gs, ps, provs = g[order], price[order], prov[order]
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    grp_start = np.flatnonzero(new_group)
    grp_size = np.diff(np.r_[grp_start, n])
    gidx = np.cumsum(new_group) - 1
    pos = np.arange(n) - grp_start[gidx]
    # Pairs (group, provider); a stable sort keeps price order inside each pair.
    pair_key = gidx.astype(np.int64) * (n_prov + 1) + provs
    o2 = np.argsort(pair_key, kind="stable")
    pk = pair_key[o2]
    new_pair = np.r_[True, pk[1:] != pk[:-1]]
    pair_start = np.flatnonzero(new_pair)
    pair_of = np.cumsum(new_pair) - 1
    k = np.diff(np.r_[pair_start, n])
    t = np.arange(n) - pair_start[pair_of]
    key = pos[o2] - t  # non-decreasing within a pair
    pair_group = gidx[o2][pair_start]
    m = grp_size[pair_group] - k  # number of peers
    big = np.int64(n + 1)
    comp = pair_of.astype(np.int64) * big + key  # globally sorted
    n_pairs = len(pair_start)
    has = m > 0

    def value_at(r: np.ndarray) -> np.ndarray:
        r = np.where(has, r, 0)
        j = np.searchsorted(comp, np.arange(n_pairs, dtype=np.int64) * big + r, side="right")
        j = j - pair_start
        i = np.minimum(r + j, grp_size[pair_group] - 1)
        return ps[grp_start[pair_group] + i]

    med_pair = np.where(has, (value_at((m - 1) // 2) + value_at(m // 2)) / 2, np.nan)
    # Back to the original row order.
    per_sorted = np.empty(n)
    per_sorted[o2] = med_pair[pair_of]
    cnt_sorted = np.empty(n, dtype=np.int64)
    cnt_sorted[o2] = m[pair_of]
    median = np.empty(n)
    median[order] = per_sorted
    antal = np.empty(n, dtype=np.int64)
    antal[order] = cnt_sorted
    return median, antal
