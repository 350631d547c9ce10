"""Assessments and goals (vurderinger, maal): VUM/ICS levels over time, goals in the plans.

Planted: an intervention with a known effect on one VUM theme (treated and comparison group
by the rule socialanalyse.progression uses), citizens who progressed reliably, and §107
citizens past their forventet slutdato who improved (about a third, as in Helsingør).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .export import Export
from .planted import Intervention
from .providers import INTERVENTION_PROVIDER
from .world import NAT, REF, REFERENCE_DATE, YEAR, World, id_strings, ns

EXPORT = {
    "vurderinger": Export(
        "vurderinger.csv",
        {"borger_id": "Borger-ID", "dato": "Vurderingsdato", "metode": "Metode",
         "tema": "Tema", "niveau": "Niveau"},
        {"metode": {"VUM2": "VUM 2.0", "ICS": "ICS"}},
        encoding="utf-8-sig", datoformat="%d.%m.%Y"),
    "maal": Export(
        "maal.csv",
        {"borger_id": "Borger-ID", "maal_id": "Mål-ID", "tema": "Tema", "maaltype": "Måltype",
         "startdato": "Startdato", "frist": "Frist", "status": "Status"},
        {"maaltype": {"Udvikle": "Udvikle", "Fastholde": "Fastholde",
                      "Begrænse tab": "Begrænse tab af funktionsevne"},
         "status": {"igangværende": "Igangværende", "opnået": "Opnået",
                    "delvist opnået": "Delvist opnået", "ikke opnået": "Ikke opnået"}},
        encoding="cp1252", datoformat="%d-%m-%Y"),
}

VUM_TEMAER = ("Relationer", "Kommunikation", "Mobilitet", "Egenomsorg", "Samfundsliv",
              "Praktiske opgaver")
ICS_TEMAER = ("Sundhed", "Uddannelse", "Identitet", "Familie- og sociale relationer", "Adfærd",
              "Selvstændighed")

INTERVENTION_START = pd.Timestamp("2024-01-01")
INTERVENTION_EFFECT = -0.6
INTERVENTION_TEMA = "Egenomsorg"


class _Trajectories:
    """Who follows a planted trajectory (positions in World.cit) and their assessment span."""

    first_ass: np.ndarray  # first and last assessment date per citizen
    last_ass: np.ndarray
    anchor: np.ndarray  # the intervention groups' anchor date (NaT outside them)
    treated_all: np.ndarray  # citizens at the intervention's tilbud
    treated: np.ndarray  # ... with assessments before and after the anchor
    comparison: np.ndarray  # §85 elsewhere, with assessments before and after
    improved_cit: np.ndarray  # §107 past forventet slutdato, improved
    past107_cit: np.ndarray  # all §107 past forventet slutdato
    progress_cit: np.ndarray  # reliably improved (including improved_cit)


def assessments(w: World) -> None:
    """vurderinger with the planted trajectories; records the intervention, the progressing
    citizens and the §107 citizens improved past their end date."""
    ci, dates = _assessment_dates(w)
    tr = _trajectories(w, ci, dates)
    w.v = _exact_signals(w, tr, _levels(w, tr, ci, dates))
    w.progress_cit = tr.progress_cit
    g, c, v = w.g, w.cit, w.v
    cid = c["borger_id"].to_numpy()
    w.tables["vurderinger"] = pd.DataFrame({
        "borger_id": cid[v["cit"].to_numpy()],
        "dato": ns(v["dato"].to_numpy()),
        "metode": v["metode"].to_numpy(),
        "tema": v["tema"].to_numpy(),
        "niveau": v["niveau"].to_numpy(),
    }).sort_values(["borger_id", "dato"], kind="stable").reset_index(drop=True)

    past = g[(g["paragraf"] == "§107") & g["slutdato"].isna()
             & (g["forventet_slutdato"] < REFERENCE_DATE) & g["cit"].isin(tr.improved_cit)]
    w.plant("improved_past_end", tuple(sorted(past["bevilling_id"])),
            "Aktive §107-bevillinger efter forventet slutdato, hvor borgerens gennemsnitlige "
            "VUM-niveau er faldet mindst 1 siden start (ca. en tredjedel, jf. Helsingør 'Bo og "
            "Liv').")
    w.plant("progressing_citizens", tuple(sorted(cid[tr.progress_cit])),
            "Borgere, hvis gennemsnitlige niveau er faldet mindst 1,2 fra første til seneste "
            "vurdering (pålidelig forbedring); øvrige borgere er stabile eller forværres "
            "langsomt.")
    prov, tilbud = w.prov, w.tilbud
    iv_prov = int(np.flatnonzero(prov["navn"].to_numpy() == INTERVENTION_PROVIDER)[0])
    iv_tilbud = tilbud.loc[(tilbud["prov"] == iv_prov) & (tilbud["paragraf"] == "§85"),
                           "tilbud_id"].iloc[0]
    w.plant("intervention", Intervention(
        leverandoer_id=prov["leverandoer_id"].to_numpy()[iv_prov],
        tilbud_id=iv_tilbud,
        paragraf="§85",
        start=INTERVENTION_START,
        tema=INTERVENTION_TEMA,
        effekt=INTERVENTION_EFFECT,
        behandlede=tuple(sorted(cid[tr.treated])),
        sammenligning=tuple(sorted(cid[tr.comparison])),
    ), f"Recovery-forløb i {INTERVENTION_PROVIDER} (§85) fra 1. januar 2024: niveauet for "
       "Egenomsorg falder 0,6 efter ankerdatoen (den seneste af 1. januar 2024 og borgerens "
       "start i tilbuddet) for borgere i tilbuddet, mod sammenligningsgruppen (§85 i andre "
       "tilbud, aktive fra 1. januar 2024). Begge grupper har vurderinger før og efter "
       "ankerdatoen.")


def _assessment_dates(w: World) -> tuple[np.ndarray, np.ndarray]:
    """(citizen index, date) of every assessment: from just before the first grant, then
    every 6-18 months while the citizen has support."""
    rng = w.rng("vum")
    c = w.cit
    first = w.first_grant - rng.integers(0, 46, len(c)).astype("timedelta64[D]")
    span = (w.last_day - first).astype(np.int64)
    k = int(span.max() // 183) + 2
    gaps = rng.uniform(183, 548, (len(c), k - 1)).astype(np.int64)
    offsets = np.concatenate([np.zeros((len(c), 1), np.int64), np.cumsum(gaps, 1)], 1)
    valid = offsets <= span[:, None]
    ci, col = np.nonzero(valid)
    dates = first[ci] + offsets[ci, col].astype("timedelta64[D]")
    return ci, dates


def _trajectories(w: World, ci: np.ndarray, dates: np.ndarray) -> _Trajectories:
    """Pick intervention groups, §107 citizens improved past end, and progressing citizens."""
    rng = w.rng("plant")
    g, c = w.g, w.cit
    tr = _Trajectories()
    n_ass = np.bincount(ci, minlength=len(c))
    first_d = np.full(len(c), REF)
    np.minimum.at(first_d, ci, dates)
    last_d = np.full(len(c), np.datetime64("1900-01-01", "D"))
    np.maximum.at(last_d, ci, dates)
    span = (last_d - first_d).astype(np.int64)
    tr.first_ass, tr.last_ass = first_d, last_d

    # Intervention groups, by the rule socialanalyse.progression uses: treated = citizens
    # with a §85 grant at the tilbud active on or after the start; comparison = citizens
    # with §85 elsewhere active on or after it. Anchor = later of start and grant start.
    prov_name = w.prov["navn"].to_numpy()[g["prov"].to_numpy()]
    iv_start = INTERVENTION_START
    on = (g["paragraf"] == "§85") & (g["slutdato"].isna() | (g["slutdato"] >= iv_start))
    at = on & (prov_name == INTERVENTION_PROVIDER)
    anchor = np.full(len(c), NAT)
    t_first = g[at].groupby("cit")["startdato"].min().clip(lower=iv_start)
    rest = g[on & ~at & ~g["cit"].isin(t_first.index)]
    c_first = rest.groupby("cit")["startdato"].min().clip(lower=iv_start)
    for first in (t_first, c_first):
        anchor[first.index.to_numpy()] = first.to_numpy().astype("datetime64[D]")
    tr.anchor = anchor
    tr.treated_all = t_first.index.to_numpy()
    has_before = np.zeros(len(c), bool)
    has_after = np.zeros(len(c), bool)
    grouped = ~np.isnat(anchor[ci])
    has_before[ci[grouped & (dates <= anchor[ci])]] = True
    has_after[ci[grouped & (dates > anchor[ci])]] = True
    both = has_before & has_after
    tr.treated = np.sort(t_first.index.to_numpy()[both[t_first.index.to_numpy()]])
    tr.comparison = np.sort(c_first.index.to_numpy()[both[c_first.index.to_numpy()]])

    # §107 citizens active past forventet_slutdato: about a third improved (Helsingør).
    past = ((g["paragraf"] == "§107") & g["slutdato"].isna()
            & (g["forventet_slutdato"] < REFERENCE_DATE))
    past_cit = g.loc[past, "cit"].to_numpy()
    ok = past_cit[(c["mu"].to_numpy()[past_cit] >= 2.0) & (n_ass[past_cit] >= 2)]
    k = max(1, int(np.rint(len(past_cit) / 3)))
    tr.improved_cit = np.sort(rng.choice(ok, size=min(k, len(ok)), replace=False))
    tr.past107_cit = np.sort(past_cit)

    # Other progressing citizens: ~6 % of those with ≥3 assessments over ≥1.5 years.
    blocked = np.zeros(len(c), bool)
    blocked[~np.isnat(anchor)] = True  # keep the intervention's groups clean
    blocked[past_cit] = True
    cand = np.flatnonzero(~blocked & (n_ass >= 3) & (span >= 548) & (c["mu"] >= 2.0))
    k = max(5, int(np.rint(0.06 * len(c))))
    tr.progress_cit = np.sort(np.concatenate([
        rng.choice(cand, size=min(k, len(cand)), replace=False), tr.improved_cit]))
    return tr


def _levels(w: World, tr: _Trajectories, ci: np.ndarray, dates: np.ndarray) -> pd.DataFrame:
    """The themes scored at each assessment, with the planted trajectories and effect."""
    rng = w.rng("vum")
    c = w.cit
    n_c, n_t = len(c), 6
    theme_off = rng.normal(0, 0.4, (n_c, n_t))
    # Slow decline for some citizens (regression), never an improvement by chance.
    worse = np.where(rng.random(n_c) < 0.15, rng.uniform(0.05, 0.15, n_c), 0.0)
    rows = len(ci)
    years = (dates - tr.first_ass[ci]).astype(np.int64) / YEAR
    trend = np.minimum(worse[ci] * years, 0.8)
    prog = np.zeros(n_c, bool)
    prog[tr.progress_cit] = True
    frac = np.clip((dates - tr.first_ass[ci]).astype(np.int64)
                   / np.maximum((tr.last_ass[ci] - tr.first_ass[ci]).astype(np.int64), 1),
                   0, 1)
    trend = np.where(prog[ci], -1.6 * frac, trend)
    latent = (c["mu"].to_numpy()[ci, None] + theme_off[ci] + trend[:, None]
              + rng.normal(0, 0.3, (rows, n_t)))
    treated = np.zeros(n_c, bool)
    treated[tr.treated_all] = True
    after = dates > tr.anchor[ci]  # NaT anchors compare False
    eg = VUM_TEMAER.index(INTERVENTION_TEMA)
    latent[:, eg] += np.where(treated[ci] & after, INTERVENTION_EFFECT, 0.0)
    level = np.clip(np.rint(latent), 0, 4).astype(np.int64)
    boern = c["boern"].to_numpy()[ci]
    temaer = np.where(boern[:, None], np.array(ICS_TEMAER, dtype=object)[None, :],
                      np.array(VUM_TEMAER, dtype=object)[None, :])
    v = pd.DataFrame({
        "cit": np.repeat(ci, n_t),
        "dato": np.repeat(dates, n_t),
        "metode": np.repeat(np.where(boern, "ICS", "VUM2"), n_t),
        "tema": temaer.ravel(),
        "niveau": level.ravel(),
    })
    return v


def _exact_signals(w: World, tr: _Trajectories, v: pd.DataFrame) -> pd.DataFrame:
    """Guarantee the planted §107/progression signals meet their definitions and that no
    unplanted §107 citizen past forventet_slutdato meets the improvement definition."""
    g = w.g
    v = v.sort_values(["cit", "dato"], kind="stable").reset_index(drop=True)
    mean = v.groupby(["cit", "dato"], sort=True)["niveau"].mean()
    first = mean.groupby(level=0).first()
    last = mean.groupby(level=0).last()
    last_date = mean.reset_index().groupby("cit")["dato"].last()
    # Level at the §107 grant's start (latest assessment on/before it).
    past = g[(g["paragraf"] == "§107") & g["slutdato"].isna()
             & (g["forventet_slutdato"] < REFERENCE_DATE)]
    md = mean.reset_index()
    at_start = {}
    for cit, s in zip(past["cit"], past["startdato"]):
        rows = md[(md["cit"] == cit) & (md["dato"] <= np.datetime64(s.date(), "D"))]
        at_start[cit] = rows["niveau"].iloc[-1] if len(rows) else np.nan
    is_last = v["dato"].to_numpy() == last_date.reindex(v["cit"]).to_numpy()
    improved = set(tr.improved_cit.tolist())
    lower, raise_ = [], []
    for cit in tr.past107_cit:
        drop = at_start.get(cit, np.nan) - last.get(cit, np.nan)
        if cit in improved and not drop >= 1.0:
            lower.append(cit)
        elif cit not in improved and drop >= 1.0:
            raise_.append(cit)
    for cit in tr.progress_cit:
        if first[cit] - last[cit] < 1.2 and cit not in lower:
            lower.append(cit)
    niv = v["niveau"].to_numpy().copy()
    for cits, step in ((lower, -1), (raise_, +1)):
        sel = is_last & np.isin(v["cit"].to_numpy(), cits)
        niv[sel] = np.clip(niv[sel] + step, 0, 4)
    v["niveau"] = niv
    # Keep only the planted citizens that now meet their definition.
    mean = v.groupby(["cit", "dato"], sort=True)["niveau"].mean()
    last = mean.groupby(level=0).last()
    first = mean.groupby(level=0).first()
    tr.improved_cit = np.array([c for c in tr.improved_cit
                                if at_start[c] - last[c] >= 1.0], np.int64)
    kept = set(tr.improved_cit.tolist())
    tr.progress_cit = np.array([c for c in tr.progress_cit
                                if first[c] - last[c] >= 1.2 or c in kept], np.int64)
    return v


def goals(w: World) -> None:
    """maal: one to three goals a year per grant; progressing citizens reach theirs more often."""
    rng = w.rng("maal")
    g = w.g
    start = g["startdato"].to_numpy().astype("datetime64[D]")
    stop = np.minimum(g["slutdato"].fillna(REFERENCE_DATE).to_numpy().astype("datetime64[D]"),
                      REF)
    span = (stop - start).astype(np.int64)
    k = int(span.max() // 365) + 1
    offsets = np.arange(k) * 365
    gi, col = np.nonzero(offsets[None, :] <= span[:, None])
    dates = start[gi] + offsets[col].astype("timedelta64[D]")
    keep = dates >= np.datetime64("2020-01-01", "D")
    gi, dates = gi[keep], dates[keep]
    n_goals = rng.choice([1, 2, 3], len(gi), p=[0.4, 0.4, 0.2])
    gi, dates = np.repeat(gi, n_goals), np.repeat(dates, n_goals)
    m = len(gi)
    dates = dates + rng.integers(0, 14, m).astype("timedelta64[D]")
    frist = dates + rng.integers(180, 366, m).astype("timedelta64[D]")
    boern = g["paragraf"].str.startswith("BL").to_numpy()[gi]
    tema = np.where(boern, np.array(ICS_TEMAER, dtype=object)[rng.integers(0, 6, m)],
                    np.array(VUM_TEMAER, dtype=object)[rng.integers(0, 6, m)])
    develop = np.isin(g["paragraf"].to_numpy()[gi], ["§107", "§85", "§82b", "§110", "BL §32",
                                                     "§103", "§104"])
    u = rng.random(m)
    maaltype = np.where(develop, np.where(u < 0.7, "Udvikle", np.where(u < 0.95, "Fastholde",
                                                                       "Begrænse tab")),
                        np.where(u < 0.3, "Udvikle", np.where(u < 0.85, "Fastholde",
                                                              "Begrænse tab")))
    prog = np.isin(g["cit"].to_numpy()[gi], w.progress_cit)
    u = rng.random(m)
    p_ok, p_part = np.where(prog, 0.6, 0.35), np.where(prog, 0.3, 0.35)
    status = np.where(u < p_ok, "opnået", np.where(u < p_ok + p_part, "delvist opnået",
                                                   "ikke opnået"))
    status = np.where(frist > REF, "igangværende", status)
    f = pd.DataFrame({
        "borger_id": g["borger_id"].to_numpy()[gi],
        "tema": tema,
        "maaltype": maaltype,
        "startdato": ns(dates),
        "frist": ns(frist),
        "status": status,
        "_r": rng.random(m),
    }).sort_values(["startdato", "borger_id", "_r"], kind="stable")
    f.insert(1, "maal_id", id_strings("M", np.arange(1, m + 1), 7))
    w.tables["maal"] = f.drop(columns="_r").reset_index(drop=True)
