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


def peer_median(group: pd.Series, provider: pd.Series, price: pd.Series) -> pd.DataFrame:
    """For each row: the median of `price` over the rows of the same `group` whose `provider`
    differs, and how many such rows there are.

    Returns a frame with the input's index and columns `median` (NaN when no peers) and
    `antal` (number of peers). Rows whose group is missing get NaN and 0.
    """
    index = group.index
    valid = group.notna().to_numpy() & price.notna().to_numpy()
    g_codes, _ = pd.factorize(group[valid], sort=False)
    p_codes, p_uniques = pd.factorize(provider[valid], sort=False)
    values = price[valid].to_numpy(dtype=float)
    median, antal = _peer_median_codes(g_codes, p_codes, len(p_uniques), values)
    out_median = np.full(len(index), np.nan)
    out_antal = np.zeros(len(index), dtype=np.int64)
    out_median[valid] = median
    out_antal[valid] = antal
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
