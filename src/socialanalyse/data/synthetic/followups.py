"""Follow-ups (opfoelgninger): opfølgninger, revisitationer and genforhandlinger per grant.

Planted: about 3 % of the active grants have had no follow-up for longer than the required
interval (6 months for §107, 12 for the others). The decoy provider's genforhandling in
December 2024 (providers.contracts) is written here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import derived
from .export import Export
from .world import FOLLOWUPS_FROM, REF, REFERENCE_DATE, YEAR, World, ns

EXPORT = {
    "opfoelgninger": Export(
        "opfoelgninger.csv",
        {"bevilling_id": "Bevillings-ID", "dato": "Dato", "type": "Type",
         "resultat": "Resultat"},
        {"type": {"opfølgning": "Opfølgning", "revisitation": "Revisitation",
                  "genforhandling": "Genforhandling"},
         "resultat": {"uændret": "Uændret", "justeret": "Justeret", "ophørt": "Ophørt"}},
        encoding="cp1252", datoformat="%d.%m.%Y"),
}


def timing(g) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per grant the required interval in days (6 months for §107, 12 for the others), the
    start and the last day followed up (slutdato or the reference date), as datetime64[D]."""
    interval = np.where(g["paragraf"].eq("§107"), 6, 12) * YEAR / 12
    start = g["startdato"].to_numpy().astype("datetime64[D]")
    stop = np.minimum(g["slutdato"].fillna(REFERENCE_DATE).to_numpy().astype("datetime64[D]"),
                      REF)
    return interval, start, stop


def on_time(interval: np.ndarray, start: np.ndarray, stop: np.ndarray, rng
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Follow-ups at 55-90 % of the required interval from each grant's start to its stop,
    from the case system's first day: (grant position, date, type, resultat)."""
    n = len(start)
    span = (stop - start).astype(np.int64)
    k = int((span / (0.55 * interval)).max()) + 1 if n else 0
    gaps = rng.uniform(0.55, 0.9, (n, k)) * interval[:, None]
    offsets = np.cumsum(gaps, 1).astype(np.int64)
    gi, col = np.nonzero(offsets <= span[:, None])
    dates = start[gi] + offsets[gi, col].astype("timedelta64[D]")
    keep = dates >= FOLLOWUPS_FROM
    gi, dates = gi[keep], dates[keep]
    m = len(gi)
    typ = np.where(rng.random(m) < 0.12, "revisitation", "opfølgning")
    res = np.where(rng.random(m) < 0.22, "justeret", "uændret")
    return gi, dates, typ, res


def followups(w: World) -> None:
    """opfoelgninger: follow-ups at 55-90 % of the required interval, closing revisitations,
    genforhandlinger; planted: active grants whose follow-up is overdue."""
    rng = w.rng("fu")
    g = w.g
    n = len(g)
    interval, start, stop = timing(g)
    gi, dates, typ, res = on_time(interval, start, stop, rng)

    # Planted overdue: ~3 % of active grants have had no follow-up for too long.
    active = g["slutdato"].isna().to_numpy()
    due_ok = start <= REF - (interval + 60).astype(np.int64).astype("timedelta64[D]")
    cand = np.flatnonzero(active & due_ok & ~np.isin(np.arange(n), w.protected))
    k = max(3, int(np.rint(0.03 * active.sum())))
    overdue = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
    cut = np.full(n, np.datetime64("2100-01-01", "D"))
    cut[overdue] = REF - (interval[overdue] + rng.uniform(30, 240, len(overdue))).astype(
        np.int64).astype("timedelta64[D]")
    keep = dates <= cut[gi]
    gi, dates, typ, res = gi[keep], dates[keep], typ[keep], res[keep]

    # Ended grants: a closing revisitation on the last day for most of them.
    ended = np.flatnonzero(~active & (rng.random(n) < 0.6))
    # Decoy: a provider raised its price after a genforhandling (not a signal).
    dec = np.flatnonzero(np.isin(g["prov"], w.renegotiated)
                         & derived.is_active(g, "2024-12-20").to_numpy())
    dec_dates = (np.datetime64("2024-12-01", "D")
                 + rng.integers(0, 20, len(dec)).astype("timedelta64[D]"))
    # Ordinary renegotiations with external providers (~3 % of their grants, price kept).
    external = (w.prov["leverandoertype"] != "egen drift").to_numpy()[g["prov"].to_numpy()]
    ren = np.flatnonzero(external & (rng.random(n) < 0.03)
                         & ~np.isin(g["prov"], np.concatenate([w.price_rise,
                                                               w.renegotiated])))
    lo = np.maximum(start[ren], FOLLOWUPS_FROM)
    span_ren = (stop[ren] - lo).astype(np.int64)
    ren, lo, span_ren = ren[span_ren > 0], lo[span_ren > 0], span_ren[span_ren > 0]
    ren_dates = lo + (rng.random(len(ren)) * span_ren).astype(np.int64).astype(
        "timedelta64[D]")
    f = pd.DataFrame({
        "gi": np.concatenate([gi, ended, dec, ren]),
        "dato": np.concatenate([dates, stop[ended], dec_dates, ren_dates]),
        "type": np.concatenate([typ, np.full(len(ended), "revisitation"),
                                np.full(len(dec) + len(ren), "genforhandling")]),
        "resultat": np.concatenate([res, np.full(len(ended), "ophørt"),
                                    np.full(len(dec), "justeret"),
                                    np.full(len(ren), "uændret")]),
    })
    f = f[f["dato"].to_numpy() >= FOLLOWUPS_FROM]
    f["bevilling_id"] = g["bevilling_id"].to_numpy()[f["gi"].to_numpy()]
    f["dato"] = ns(f["dato"].to_numpy())
    f = f.sort_values(["bevilling_id", "dato", "type"], kind="stable")
    w.tables["opfoelgninger"] = f[["bevilling_id", "dato", "type", "resultat"]].reset_index(
        drop=True)
    w.plant("overdue_followups", tuple(sorted(g["bevilling_id"].to_numpy()[overdue])),
            "Aktive bevillinger uden opfølgning inden for 6 måneder (§107) eller 12 måneder "
            "(øvrige) regnet fra seneste opfølgning eller startdato.")
