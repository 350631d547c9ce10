"""Citizens and their grants (borgere, bevillinger): who gets which service, from whom, at
what price.

Grants are drawn per paragraph from the calibration (`calibration.SPECS`), with linked second
grants (day offers for botilbud residents, §85 after a temporary stay). Planted: overpriced
private providers, overlapping grants from two afdelinger, and the expensive grants (above
1 mio. kr. a year) the tables then contain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import reference as ref
from .. import derived
from .calibration import AFDELINGER, SPEC, SPECS, TYPES, _Spec
from .export import PARAGRAF_KODER, Export
from .providers import INTERVENTION_PROVIDER
from .world import (
    FIRST_MONTH,
    NAT,
    PRISINDEKS,
    REF,
    REFERENCE_DATE,
    W0,
    YEAR,
    World,
    id_strings,
    ns,
    scaled,
)

EXPORT = {
    "borgere": Export(
        "borgere.csv",
        {"borger_id": "Borger-ID", "foedselsaar": "Fødselsår", "koen": "Køn",
         "maalgruppe": "Målgruppe"},
        {"koen": {"K": "Kvinde", "M": "Mand"}},
        encoding="utf-8-sig"),
    "bevillinger": Export(
        "bevillinger.csv",
        {"bevilling_id": "Bevillings-ID", "borger_id": "Borger-ID", "paragraf": "Paragraf",
         "leverandoer_id": "Leverandør-ID", "tilbud_id": "Tilbuds-ID", "afdeling": "Afdeling",
         "startdato": "Startdato", "slutdato": "Slutdato",
         "forventet_slutdato": "Forventet slutdato", "enhed": "Enhed",
         "enhedspris": "Enhedspris (kr.)", "omfang": "Omfang", "tillaeg": "Tillæg (kr. pr. md.)"},
        {"paragraf": PARAGRAF_KODER,
         "enhed": {"doegn": "Døgn", "time": "Time", "maaned": "Måned"}},
        encoding="cp1252", datoformat="%d-%m-%Y"),
}

INTERVENTION_SHARE = 0.13  # the intervention tilbud's share of the own-drift §85 grants
DAY_OFFER_SHARE = 0.35  # share of §108/§105+§85 residents who also have a §104/§103 day offer
STEP_DOWN_SHARE = 0.40  # share of ended §107 stays followed by §85 support in own home


def grants(w: World) -> None:
    """The grants of every paragraph (one citizen each) and the linked second grants, each
    with a provider."""
    rng = w.rng("grants")
    parts = []
    for spec in SPECS:
        pool = w.children if spec.boern else w.adults
        stock = spec.rate * pool / 10_000
        if spec.paragraf in ("§107", "§82b"):
            lo, hi = (1.0, 3.0) if spec.paragraf == "§107" else (0.5, 1.0)
            mean_years = (lo + hi) / 2 * (0.45 * 0.675 + 0.55 * 1.61)
        else:
            mean_years = spec.mean_years
        lookback = min(max(3 * mean_years, 4.0), 22.0)
        n = rng.poisson(stock / mean_years * lookback)
        t0 = REF - int(lookback * YEAR)
        start = t0 + rng.integers(0, int(lookback * YEAR), n).astype("timedelta64[D]")
        dur, plan = _durations(spec, rng, n)
        end = start + dur.astype(np.int64).astype("timedelta64[D]")
        keep = end >= W0
        start, end, plan = start[keep], end[keep], plan[keep]
        n = len(start)
        end = np.where(end > REF, NAT, end)
        fslut = np.where(np.isnan(plan), NAT,
                         start + np.nan_to_num(plan).astype(np.int64).astype("timedelta64[D]"))
        mg_names = [m for m, _ in spec.maalgrupper]
        mg_p = np.array([p for _, p in spec.maalgrupper])
        mg = np.array(mg_names, dtype=object)[rng.choice(len(mg_names), n, p=mg_p / mg_p.sum())]
        if spec.boern:
            age = rng.uniform(spec.age[0], spec.age[1], n)
        else:
            age = np.minimum(spec.age[0] + rng.gamma(2.0, spec.age[1], n), 90)
        start_year = start.astype("datetime64[Y]").astype(np.int64) + 1970
        parts.append(pd.DataFrame({
            "paragraf": spec.paragraf,
            "startdato": start,
            "slutdato": end,
            "forventet_slutdato": fslut,
            "maalgruppe": mg,
            "foedselsaar": (start_year - np.floor(age)).astype(np.int64),
            "koen": np.where(rng.random(n) < spec.share_male, "M", "K"),
            "type": np.array(TYPES, dtype=object)[
                rng.choice(5, n, p=np.array(spec.types) / sum(spec.types))],
        }))
    g = pd.concat(parts, ignore_index=True)
    for col in ("startdato", "slutdato", "forventet_slutdato"):
        g[col] = g[col].astype("datetime64[ns]")
    g["afdeling"] = g["maalgruppe"].map(AFDELINGER)
    g["cit"] = np.arange(len(g))  # a citizen per grant, plus the linked grants below
    g = pd.concat([g, _linked_grants(g, rng)], ignore_index=True)
    g["prov"] = _assign_providers(g, w.prov, rng)
    w.g = g


def _durations(spec: _Spec, rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Duration in days and planned (forventet) duration in days (NaN if not time-limited)."""
    if spec.paragraf in ("§107", "§82b"):
        lo, hi = (1.0, 3.0) if spec.paragraf == "§107" else (0.5, 1.0)
        plan = rng.uniform(lo, hi, n) * YEAR
        early = rng.random(n) < 0.45
        dur = plan * np.where(early, rng.uniform(0.4, 0.95, n), rng.uniform(1.02, 2.2, n))
        return np.maximum(dur, 14), plan
    shape = 1.5
    dur = rng.gamma(shape, spec.mean_years / shape, n) * YEAR
    return np.maximum(dur, 14), np.full(n, np.nan)


def _linked_grants(g: pd.DataFrame, rng) -> pd.DataFrame:
    """Second grants of the same citizen: a day offer (§104/§103) for some botilbud
    residents, and support in own home (§85) after some stays in a temporary botilbud."""
    parts = []
    # Day offers: ~35 % of §108 and §105+§85 residents, from within a year of moving in.
    host = g[g["paragraf"].isin(["§108", "§105+§85"]).to_numpy()
             & (rng.random(len(g)) < DAY_OFFER_SHARE)]
    start = host["startdato"] + pd.to_timedelta(rng.integers(0, 366, len(host)), "D")
    dur = pd.to_timedelta((rng.gamma(1.5, 5.0 / 1.5, len(host)) * YEAR).astype(np.int64),
                          "D")
    end = (start + dur).where(host["slutdato"].isna() | (start + dur < host["slutdato"]),
                              host["slutdato"])
    par = np.where(rng.random(len(host)) < 0.7, "§104", "§103")
    parts.append(host.assign(paragraf=par, startdato=start, slutdato=end))
    # Step down the indsatstrappe: ~40 % of ended §107 stays continue with §85 at home.
    ended = g[(g["paragraf"] == "§107").to_numpy() & g["slutdato"].notna().to_numpy()
              & (rng.random(len(g)) < STEP_DOWN_SHARE)]
    ended = ended[ended["slutdato"] < REFERENCE_DATE - pd.Timedelta(days=14)]
    start = ended["slutdato"] + pd.Timedelta(days=1)
    dur = pd.to_timedelta((rng.gamma(1.5, 2.5 / 1.5, len(ended)) * YEAR).astype(np.int64)
                          + 30, "D")
    parts.append(ended.assign(paragraf="§85", startdato=start, slutdato=start + dur))
    linked = pd.concat(parts, ignore_index=True)
    linked = linked[(linked["startdato"] < REFERENCE_DATE)
                    & (linked["slutdato"].isna() | ((linked["slutdato"] >= FIRST_MONTH)
                                                    & (linked["slutdato"] > linked["startdato"])))]
    linked = linked.assign(
        slutdato=linked["slutdato"].where(linked["slutdato"] <= REFERENCE_DATE),
        forventet_slutdato=pd.NaT,
    )
    linked["type"] = [TYPES[rng.choice(5, p=np.array(SPEC[p].types) / sum(SPEC[p].types))]
                      for p in linked["paragraf"]]
    for col in ("startdato", "slutdato", "forventet_slutdato"):
        linked[col] = linked[col].astype("datetime64[ns]")
    return linked


def _assign_providers(g: pd.DataFrame, prov: pd.DataFrame, rng) -> np.ndarray:
    """A provider per grant: the drawn type if some provider of it offers the paragraph."""
    out = np.full(len(g), -1, dtype=np.int64)
    weights = 1.0 / (1 + rng.permutation(len(prov))) ** 0.7  # some providers are big
    for (par, typ), idx in g.groupby(["paragraf", "type"], sort=True).indices.items():
        ok = np.array([(par in p) and (t == typ) for p, t in
                       zip(prov["paragraffer"], prov["leverandoertype"])])
        if not ok.any():  # no provider of the drawn type offers it: anyone who does
            ok = np.array([par in p for p in prov["paragraffer"]])
        cand = np.flatnonzero(ok)
        wt = weights[cand].copy()
        iv = prov["navn"].to_numpy()[cand] == INTERVENTION_PROVIDER
        if iv.any() and len(cand) > 1:
            # The intervention's tilbud gets a fixed share of the own §85 grants, so the
            # number of treated citizens is ~40-80 at 45,000 inhabitants.
            wt = np.where(iv, 0.0, wt / wt[~iv].sum() * (1 - INTERVENTION_SHARE))
            wt[iv] = INTERVENTION_SHARE
        out[idx] = cand[rng.choice(len(cand), len(idx), p=wt / wt.sum())]
    return out


def overlaps(w: World) -> None:
    """Planted: citizens with two active grants of one kategori from two afdelinger."""
    rng = w.rng("plant")
    g = w.g
    k = scaled(w.n, 4, minimum=3)
    cand = g.index[(g["paragraf"] == "§85") & g["slutdato"].isna()
                   & (g["startdato"] <= REF - 365) & (g["afdeling"] != "Voksenhandicap")]
    chosen = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
    new = g.loc[chosen].copy()
    lo = np.maximum(new["startdato"].to_numpy().astype("datetime64[D]"),
                    np.datetime64("2024-01-01", "D"))
    span = (REF - 60 - lo).astype(np.int64)
    new["startdato"] = ns(lo + (rng.random(len(new)) * span).astype(np.int64).astype(
        "timedelta64[D]"))
    new["afdeling"] = "Voksenhandicap"  # the other afdeling also granted §85 support
    prov = w.prov
    own85 = np.flatnonzero([("§85" in p) and t == "egen drift"
                            for p, t in zip(prov["paragraffer"], prov["leverandoertype"])])
    new["prov"] = [own85[(np.searchsorted(own85, p) + 1) % len(own85)] if p in own85
                   else own85[0] for p in new["prov"]]
    new["type"] = "egen drift"
    w.overlap_orig = chosen
    w.overlap_new = np.arange(len(g), len(g) + len(new))
    w.g = pd.concat([g, new], ignore_index=True)


def citizens(w: World) -> None:
    """One row per citizen (from the first grant drawn for them) with a latent need level."""
    g = w.g
    first = g.groupby("cit")["startdato"].min()
    c = g.drop_duplicates("cit").set_index("cit").sort_index()
    spec_level = c["paragraf"].map({s.paragraf: s.level for s in SPECS}).to_numpy()
    rng = w.rng("vum")
    n = len(c)
    w.cit = pd.DataFrame({
        "paragraf": c["paragraf"].to_numpy(),
        "boern": c["paragraf"].str.startswith("BL").to_numpy(),
        "maalgruppe": c["maalgruppe"].to_numpy(),
        "foedselsaar": c["foedselsaar"].to_numpy(),
        "koen": c["koen"].to_numpy(),
        "mu": spec_level + rng.normal(0, 0.45, n),
    })
    w.first_grant = first.to_numpy().astype("datetime64[D]")
    last = g.assign(e=g["slutdato"].fillna(REFERENCE_DATE)).groupby("cit")["e"].max()
    w.last_day = np.minimum(last.to_numpy().astype("datetime64[D]"), REF)


def assign_ids(w: World) -> None:
    """borger_id, bevilling_id (in order of startdato) and leverandoer_id; borgere."""
    rng = w.rng("ids")
    n_c = len(w.cit)
    numbers = rng.choice(900_000 if n_c < 300_000 else 9_000_000, n_c, replace=False)
    w.cit["borger_id"] = id_strings("B", numbers + (100_000 if n_c < 300_000 else 1_000_000),
                                    6 if n_c < 300_000 else 7)
    g = w.g
    order = np.lexsort((rng.random(len(g)), g["startdato"].to_numpy()))
    num = np.empty(len(g), np.int64)
    num[order] = np.arange(len(g)) + 100_001
    g["bevilling_id"] = id_strings("BV", num, 7)
    g["borger_id"] = w.cit["borger_id"].to_numpy()[g["cit"].to_numpy()]
    g["leverandoer_id"] = w.prov["leverandoer_id"].to_numpy()[g["prov"].to_numpy()]
    c = w.cit
    w.tables["borgere"] = pd.DataFrame({
        "borger_id": c["borger_id"],
        "foedselsaar": c["foedselsaar"].astype(np.int64),
        "koen": c["koen"],
        "maalgruppe": c["maalgruppe"],
    }).sort_values("borger_id").reset_index(drop=True)
    # The overlaps planted before the ids existed (overlaps).
    bid, cid = g["bevilling_id"].to_numpy(), c["borger_id"].to_numpy()
    w.plant("overlapping", tuple(sorted(
        (cid[g.at[o, "cit"]],) + tuple(sorted((bid[o], bid[nw])))
        for o, nw in zip(w.overlap_orig, w.overlap_new))),
        "Borgere med to aktive §85-bevillinger fra to forskellige afdelinger.")


def prices(w: World) -> None:
    """Need level at start (derived.level_at) sets price and volume; planted overpricing."""
    rng = w.rng("price")
    g, v = w.g, w.v
    vv = v.assign(borger_id=w.cit["borger_id"].to_numpy()[v["cit"].to_numpy()])
    level = derived.level_at(vv[["borger_id", "dato", "niveau", "tema"]].assign(
        dato=ns(vv["dato"].to_numpy())), g["borger_id"], g["startdato"])
    band = np.clip(np.rint(level.to_numpy()), 0, 4).astype(np.int64)
    g["niveau"] = band
    n = len(g)
    par = g["paragraf"].to_numpy()
    base = np.array([SPEC[p].price for p in par])
    mult = np.array([SPEC[p].level_mult for p in par])[np.arange(n), band]
    factor = w.prov["faktor"].to_numpy()[g["prov"].to_numpy()]

    price2026 = base * mult * factor * np.exp(rng.normal(0, 0.05, n))

    # Planted: 2-3 private providers ≥25 % above their peers (a factor of 1.45-1.6). Each
    # candidate is kept only if the definition then finds it without hiding one already
    # chosen (in a small municipality one provider can dominate the peers of another).
    prov = w.prov
    pv = g["prov"].to_numpy()
    counts = np.bincount(pv, minlength=len(prov))
    big = np.array([t == "privat" and any(p in ("§107", "§108", "BL §46") for p in pars)
                    for t, pars in zip(prov["leverandoertype"], prov["paragraffer"])])
    cand = rng.permutation(np.flatnonzero(big & (counts >= 4)))
    k = scaled(w.n, 2.5, minimum=2)
    cell = pd.factorize(pd.Series(par) + "|" + pd.Series(band).astype(str))[0]
    over: list[int] = []
    for c in cand:
        trial = price2026 * np.where(pv == c, rng.uniform(1.45, 1.6, n), 1.0)
        if all(_peer_ratio(q, trial, pv, cell) >= 1.25 for q in (*over, c)):
            over.append(int(c))
            price2026 = trial
        if len(over) == k:
            break
    w.overpriced = np.sort(np.array(over, dtype=np.int64))

    start_year = g["startdato"].dt.year.to_numpy()
    g["enhedspris"] = np.round(price2026 / (1 + PRISINDEKS) ** (2026 - start_year), 2)
    g["enhed"] = _enheder(par)
    omfang = np.zeros(n)
    for p in np.unique(par):
        idx = np.flatnonzero(par == p)
        o = SPEC[p].omfang
        if o[0] == "fixed":
            omfang[idx] = o[1]
        elif o[0] == "days":
            omfang[idx] = rng.choice([3.0, 4.0, 5.0], len(idx), p=[0.2, 0.3, 0.5])
        elif o[0] == "month":
            omfang[idx] = 1.0
        else:
            _, lo, hi, a, b, sd = o
            h = a + b * band[idx] + rng.normal(0, sd, len(idx))
            omfang[idx] = np.clip(np.round(h * 2) / 2, lo, hi)
    # Overlap grants are a few extra hours from another afdeling.
    omfang[w.overlap_new] = rng.choice([2.0, 3.0, 4.0], len(w.overlap_new))
    g["omfang"] = omfang
    tail_p = np.array([SPEC[p].tail for p in par])
    tail = rng.random(n) < tail_p
    small = (rng.random(n) < 2 * tail_p) & ~tail
    g["tillaeg"] = np.round(np.where(tail, rng.uniform(60_000, 150_000, n),
                                     np.where(small, rng.uniform(2_000, 9_000, n), 0.0)), 0)

    bevillinger = g[["bevilling_id", "borger_id", "paragraf", "leverandoer_id", "tilbud_id",
                     "afdeling", "startdato", "slutdato", "forventet_slutdato", "enhed",
                     "enhedspris", "omfang", "tillaeg"]].copy()
    for col in ("startdato", "slutdato", "forventet_slutdato"):
        bevillinger[col] = bevillinger[col].astype("datetime64[ns]")
    bevillinger = bevillinger.sort_values("bevilling_id").reset_index(drop=True)
    w.tables["bevillinger"] = bevillinger
    bid, pid = g["bevilling_id"].to_numpy(), prov["leverandoer_id"].to_numpy()
    w.plant("overpriced_providers", tuple(sorted(pid[w.overpriced])),
            "Private leverandører, hvis priser ligger 45-60 % over medianen for andre "
            "leverandørers bevillinger med samme paragraf og behovsniveau.")
    w.plant("overpriced_grants", tuple(sorted(bid[np.isin(g["prov"], w.overpriced)])))
    plant_expensive(w)


def plant_expensive(w: World) -> None:
    """Record every grant of the bevillinger table above 1 mio. kr. a year (again after a
    later family adds grants)."""
    bevillinger = w.tables["bevillinger"]
    expensive = bevillinger.loc[derived.annual_cost(bevillinger) > 1_000_000, "bevilling_id"]
    w.plant("expensive_grants", tuple(sorted(expensive)),
            "Alle bevillinger i udtrækket med årlig udgift over 1 mio. kr. "
            "(derived.annual_cost).")


def _peer_ratio(provider: int, price: np.ndarray, prov: np.ndarray, cell: np.ndarray) -> float:
    """Median over a provider's grants of price / median price of other providers' grants in
    the same (paragraf, need level) cell, where there are at least 3 such grants."""
    ratios = []
    own = prov == provider
    for c in np.unique(cell[own]):
        peers = price[(cell == c) & ~own]
        if len(peers) >= 3:
            ratios.append(price[own & (cell == c)] / np.median(peers))
    return float(np.median(np.concatenate(ratios))) if ratios else float("nan")


def _enheder(par: np.ndarray) -> list[str]:
    cat = ref.paragraffer().set_index("paragraf")["enhed"]
    return cat.reindex(par).tolist()
