"""The screening rules. Each takes the screening base (one row per grant, see base.py), the data
and the context, and returns one row per flagged grant:

    i (row of the base), regel, begrundelse (Danish, with the numbers), maalt (the measured
    value), graense (the threshold it was compared with), bruttogab (kr per year saved if the
    case is adjusted as the rule suggests; before the share of cases actually adjusted)

All rules are vectorised (group/merge/array operations; no loops over grants).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import Data
from ..data.derived import expected_payments
from .base import (
    ENHED_NAVN,
    ENHED_PRIS,
    TOL,
    Kontekst,
    fmt_dato,
    fmt_kr,
    fmt_pct,
    fmt_tal,
    lookup,
    step_down_gap,
)
from .peers import peer_median

FLAG_COLUMNS = ["i", "regel", "begrundelse", "maalt", "graense", "bruttogab"]
KATEGORIER = ("lav", "middel", "høj", "ekstraordinær")
#: priskategori: quantile limits need at least this many active grants in the paragraph.
MIN_GRANTS_FOR_QUANTILES = 10
#: prisstigning: the fewest active months a year needs to be compared. One month is enough:
#: a grant starting in December still shows a rise from January; odd single months are
#: handled by taking the median month when there are more.
MIN_MONTHS_PER_YEAR = 1


def _flags(regel: str, i, begrundelse, maalt, graense, bruttogab) -> pd.DataFrame:
    i = np.asarray(i, dtype=np.int64)
    return pd.DataFrame(
        {
            "i": i,
            "regel": pd.Series([regel] * len(i), dtype="str"),
            "begrundelse": pd.Series(begrundelse, dtype="str").to_numpy(),
            "maalt": np.asarray(maalt, dtype=float),
            "graense": np.asarray(graense, dtype=float),
            "bruttogab": np.asarray(bruttogab, dtype=float),
        }
    )


def _niveau_text(level: pd.Series) -> pd.Series:
    return ("funktionsniveau " + fmt_tal(level, 0)).where(level.notna(), "ukendt funktionsniveau")


# --- price ---------------------------------------------------------------------------------

def peer_prices(base: pd.DataFrame, pct: float | None = None, min_peers: int = 1
                ) -> pd.DataFrame:
    """Peer median price and number of peers for grants with a known need level.

    Groups: paragraf, enhed, niveau (need level at the start). Peers are the other providers'
    grants in the extract, active or ended, at prices regulated to the reference year: five
    years of grants give more comparable prices than today's grants alone. With `pct`, a
    second pass leaves out the grants at least `pct` above their peers (with `min_peers`), so
    two overpriced providers in one group do not hide each other; a grant flagged in the
    first pass keeps its first median when that is the lower one.
    """
    a = base[base["niveau"].notna()]
    group = a["paragraf"] + "|" + a["enhed"] + "|" + a["niveau"].astype(int).astype(str)
    first = peer_median(group, a["leverandoer_id"], a["pris"])
    if pct is None:
        return first.reindex(base.index)
    high = (first["antal"] >= min_peers) & (a["pris"] >= first["median"] * (1 + pct) * (1 - TOL))
    if not high.any():
        return first.reindex(base.index)
    second = peer_median(group, a["leverandoer_id"], a["pris"], pool=~high)
    use_first = high & (first["median"] <= second["median"])
    out = second.where(~use_first | second["median"].isna(), first)
    out = out.where(second["antal"] >= min_peers, first)
    return out.reindex(base.index)


def pris_over_sammenlignelige(base: pd.DataFrame, data: Data, ctx: Kontekst,
                              peers: pd.DataFrame) -> pd.DataFrame:
    """Price at least `pris_over_sammenlignelige` above the peer median (≥ min peers), with
    peers from `peer_prices(base, pct, min_peers)`."""
    p = ctx.p
    limit = peers["median"] * (1 + p.pris_over_sammenlignelige)
    hit = (
        base["aktiv"]
        & (peers["antal"] >= p.min_sammenlignelige)
        & (base["pris"] >= limit * (1 - TOL))
    )
    b, pe, lim = base[hit], peers[hit], limit[hit]
    over = b["pris"] / pe["median"] - 1
    text = (
        b["enhed"].map(ENHED_PRIS) + " " + fmt_kr(b["pris"]) + " er " + fmt_pct(over)
        + " over medianen " + fmt_kr(pe["median"]) + " for " + b["paragraf"] + " på "
        + _niveau_text(b["niveau"]) + " hos andre leverandører (" + fmt_tal(pe["antal"])
        + " bevillinger); grænsen er " + fmt_pct(pd.Series(p.pris_over_sammenlignelige, index=b.index))
        + " over."
    )
    gap = (b["pris"] - pe["median"]).clip(lower=0) * b["enheder_aar"]
    return _flags("pris_over_sammenlignelige", b.index, text, b["pris"], lim, gap)


def category_limits(base: pd.DataFrame, ctx: Kontekst) -> pd.DataFrame:
    """The price-category limits per paragraph: from the parameters, else the quantiles of the
    active grants' current prices in the paragraph's usual unit (with at least
    MIN_GRANTS_FOR_QUANTILES grants; otherwise no limits). Columns: paragraf, enhed, lav_til,
    middel_til, hoej_til, kilde ('parametre', 'kvantiler', 'for få bevillinger'), antal."""
    from ..data import reference as ref

    usual = ref.paragraffer().set_index("paragraf")["enhed"]
    rows = []
    for paragraf in ctx.p.priskategori_paragraffer:  # a handful of paragraphs, not grants
        enhed = usual[paragraf]
        prices = base.loc[base["aktiv"] & (base["paragraf"] == paragraf)
                          & (base["enhed"] == enhed), "pris"]
        fixed = ctx.p.priskategori_graenser.get(paragraf)
        if fixed is not None:
            limits, kilde = (fixed.lav_til, fixed.middel_til, fixed.hoej_til), "parametre"
        elif len(prices) >= MIN_GRANTS_FOR_QUANTILES:
            limits, kilde = tuple(np.quantile(prices, ctx.p.priskategori_kvantiler)), "kvantiler"
        else:
            limits, kilde = (np.nan, np.nan, np.nan), "for få bevillinger"
        rows.append((paragraf, enhed, *limits, kilde, len(prices)))
    return pd.DataFrame(
        rows, columns=["paragraf", "enhed", "lav_til", "middel_til", "hoej_til", "kilde", "antal"]
    )


def price_category(base: pd.DataFrame, limits: pd.DataFrame) -> pd.Series:
    """The price category (lav, middel, høj, ekstraordinær) of each active grant in a
    categorised paragraph and unit; NaN for other grants. A price exactly at a limit belongs to
    the category above it."""
    lim = limits.set_index(["paragraf", "enhed"])
    key = pd.MultiIndex.from_arrays([base["paragraf"], base["enhed"]])
    cuts = lim[["lav_til", "middel_til", "hoej_til"]].reindex(key).to_numpy()
    price = base["pris"].to_numpy()[:, None]
    step = (price >= cuts * (1 - TOL)).sum(axis=1)
    known = base["aktiv"].to_numpy() & ~np.isnan(cuts).any(axis=1)
    labels = np.array(KATEGORIER, dtype=object)[step]
    return pd.Series(np.where(known, labels, None), index=base.index, name="priskategori",
                     dtype="str")


def priskategori(base: pd.DataFrame, data: Data, ctx: Kontekst,
                 limits: pd.DataFrame, categories: pd.Series) -> pd.DataFrame:
    """Høj or ekstraordinær price category where the need level at start does not explain it
    (below `priskategori_min_niveau`; unknown need level never explains it)."""
    lvl = ctx.p.priskategori_min_niveau
    niveau = base["niveau"]
    hoej = (categories == "høj") & ~(niveau >= lvl.hoej)
    ekstra = (categories == "ekstraordinær") & ~(niveau >= lvl.ekstraordinaer)
    hit = hoej | ekstra
    b = base[hit]
    lim = limits.set_index(["paragraf", "enhed"]).reindex(
        pd.MultiIndex.from_arrays([b["paragraf"], b["enhed"]])
    )
    lower = np.where(ekstra[hit], lim["hoej_til"], lim["middel_til"])
    # The most the need level explains: up to høj when at the høj level, else up to middel.
    explained_to = np.where(b["niveau"] >= lvl.hoej, lim["hoej_til"], lim["middel_til"])
    gap = (b["pris"] - explained_to).clip(lower=0) * b["enheder_aar"]
    kat = categories[hit]
    need = np.where(ekstra[hit], lvl.ekstraordinaer, lvl.hoej)
    text = (
        b["enhed"].map(ENHED_PRIS) + " " + fmt_kr(b["pris"]) + " er i priskategorien " + kat
        + " (fra " + fmt_kr(pd.Series(lower, index=b.index)) + ") for " + b["paragraf"]
        + ", men borgerens " + _niveau_text(b["niveau"]) + " ved start forklarer det ikke (kræver "
        + fmt_tal(pd.Series(need, index=b.index)) + ")."
    )
    return _flags("priskategori", b.index, text, b["pris"], lower, gap)


# --- the indsatstrappe ---------------------------------------------------------------------

def _step_text(b: pd.DataFrame) -> pd.Series:
    cost = (" (gns. " + fmt_kr(b["naeste_trin_udgift"]) + " om året).").where(
        b["naeste_trin_udgift"].notna(), " (ingen aktive bevillinger at regne gennemsnit på).")
    return " Næste trin: " + b["naeste_trin"] + cost


def midlertidig_overskredet(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """Active time-limited grant (forventet_slutdato given) past its expected end."""
    end = base["forventet_slutdato"]
    hit = base["aktiv"] & end.notna() & (end < ctx.as_of)
    b = base[hit]
    days = (ctx.as_of - b["forventet_slutdato"]).dt.days
    text = (
        b["paragraf"] + " med forventet slutdato " + fmt_dato(b["forventet_slutdato"])
        + " er stadig aktiv, " + fmt_tal(days) + " dage efter." + _step_text(b)
    )
    return _flags("midlertidig_overskredet", b.index, text, days, 0.0, step_down_gap(b))


def current_level(data: Data, base: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each grant's citizen's latest assessment on or before `as_of`: its date and mean level
    (niveau_nu), and the date of the assessment used at the start (dato_start)."""
    v = data.vurderinger[data.vurderinger["dato"] <= as_of]
    per = v.groupby(["borger_id", "dato"], as_index=False)["niveau"].mean()
    latest = per.sort_values("dato").drop_duplicates("borger_id", keep="last").set_index("borger_id")
    out = pd.DataFrame(index=base.index)
    out["dato_nu"] = lookup(base["borger_id"], latest["dato"])
    out["niveau_nu"] = lookup(base["borger_id"], latest["niveau"]).astype(float)
    left = pd.DataFrame({"borger_id": base["borger_id"].to_numpy(), "dato": base["startdato"].to_numpy(),
                         "i": base.index.to_numpy()}).sort_values("dato")
    right = per[["borger_id", "dato"]].assign(dato_start=per["dato"]).sort_values("dato")
    right["dato"] = right["dato"].astype(left["dato"].dtype)
    m = pd.merge_asof(left, right, on="dato", by="borger_id", direction="backward")
    out["dato_start"] = m.set_index("i")["dato_start"].reindex(base.index)
    return out


def forbedret_funktion(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """Active grant whose citizen's mean VUM level improved by at least `forbedring_min` from
    the assessment used at the start to the latest one on or before the reference date.

    The grant is still running at its granted price and volume, so the support has not
    followed the improvement (a changed support is a new or ended grant). Needs an assessment
    on or before the start and a later one. The latest follow-up is named in the reason.
    """
    cur = current_level(data, base, ctx.as_of)
    fald = base["niveau_start"] - cur["niveau_nu"]
    hit = (
        base["aktiv"]
        & base["niveau_start"].notna()
        & (cur["dato_nu"] > cur["dato_start"])
        & (fald >= ctx.p.forbedring_min * (1 - TOL))
    )
    b, c, f = base[hit], cur[hit], fald[hit]
    o = data.opfoelgninger
    latest = o[o["dato"] <= ctx.as_of].sort_values("dato").drop_duplicates("bevilling_id",
                                                                          keep="last")
    latest = latest.set_index("bevilling_id")
    fu_date = lookup(b["bevilling_id"], latest["dato"])
    fu_result = lookup(b["bevilling_id"], latest["resultat"])
    fu_text = pd.Series(" Ingen opfølgning registreret.", index=b.index).where(
        fu_date.isna(), " Seneste opfølgning " + fmt_dato(fu_date) + ": " + fu_result.astype(str)
        + ".")
    text = (
        "Gennemsnitligt funktionsniveau faldt fra " + fmt_tal(b["niveau_start"], 1) + " ("
        + fmt_dato(c["dato_start"]) + ") til " + fmt_tal(c["niveau_nu"], 1) + " ("
        + fmt_dato(c["dato_nu"]) + "), men bevillingen (" + b["paragraf"]
        + ") løber uændret." + fu_text + _step_text(b)
    )
    return _flags("forbedret_funktion", b.index, text, f, ctx.p.forbedring_min, step_down_gap(b))


def opfoelgning_overskredet(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """No follow-up (any type) within the required interval, counted from the latest follow-up
    on or before the reference date, or from the start; overdue when the deadline is before
    the reference date."""
    o = data.opfoelgninger
    last_fu = o[o["dato"] <= ctx.as_of].groupby("bevilling_id")["dato"].max()
    a = base[base["aktiv"]]
    fu = lookup(a["bevilling_id"], last_fu)
    last = fu.where(fu.notna() & (fu > a["startdato"]), a["startdato"])
    intervals = ctx.p.opfoelgning_interval_maaneder
    months = a["paragraf"].map(intervals).fillna(intervals["standard"]).astype(int)
    due = pd.Series(pd.NaT, index=a.index, dtype=a["startdato"].dtype)
    for n in months.unique():  # a few distinct intervals
        sel = months == n
        due[sel] = last[sel] + pd.DateOffset(months=int(n))
    hit = due < ctx.as_of
    b, l, d, mo, f = a[hit], last[hit], due[hit], months[hit], fu[hit]
    since = (ctx.as_of - l).dt.days
    kind = pd.Series("Seneste opfølgning ", index=b.index).where(f.notna() & (f > b["startdato"]),
                                                                "Ingen opfølgning siden start ")
    text = (
        kind + fmt_dato(l) + "; " + b["paragraf"] + " kræver opfølgning hver "
        + fmt_tal(mo) + ". måned, så fristen " + fmt_dato(d) + " er overskredet med "
        + fmt_tal((ctx.as_of - d).dt.days) + " dage." + _step_text(b)
    )
    return _flags("opfoelgning_overskredet", b.index, text, since, (d - l).dt.days,
                  step_down_gap(b))


def dyr_sag(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """Active grant whose current annual cost is above `dyr_sag_graense`."""
    limit = ctx.p.dyr_sag_graense
    hit = base["aktiv"] & (base["aarlig_udgift"] > limit)
    b = base[hit]
    text = (
        "Årlig udgift " + fmt_kr(b["aarlig_udgift"]) + " (" + b["paragraf"] + ") er over grænsen "
        + fmt_kr(pd.Series(limit, index=b.index)) + "." + _step_text(b)
    )
    return _flags("dyr_sag", b.index, text, b["aarlig_udgift"], limit, step_down_gap(b))


def dobbelt_kompensation(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """Two active grants of the same paragraph category for one citizen from two different
    afdelinger. Both are flagged; the potential (stopping one) sits on the cheaper one."""
    a = base.loc[base["aktiv"], ["borger_id", "kategori", "afdeling", "bevilling_id", "paragraf",
                                 "aarlig_udgift"]]
    a = a.assign(i=a.index)
    dup = a.duplicated(["borger_id", "kategori"], keep=False)
    a = a[dup]
    pairs = a.merge(a, on=["borger_id", "kategori"], suffixes=("", "_anden"))
    pairs = pairs[pairs["afdeling"] != pairs["afdeling_anden"]]
    # The cheaper of the two carries the saving (ties: the later id).
    cheaper = (pairs["aarlig_udgift"] < pairs["aarlig_udgift_anden"]) | (
        (pairs["aarlig_udgift"] == pairs["aarlig_udgift_anden"])
        & (pairs["bevilling_id"] > pairs["bevilling_id_anden"])
    )
    pairs = pairs.assign(gab=np.where(cheaper, pairs["aarlig_udgift"], 0.0))
    pairs = pairs.sort_values(["i", "gab", "bevilling_id_anden"], ascending=[True, False, True])
    pairs = pairs.drop_duplicates("i")
    overlap = (ctx.as_of - pd.concat(
        [base.loc[pairs["i"], "startdato"].reset_index(drop=True),
         base.loc[pairs["i_anden"], "startdato"].reset_index(drop=True)], axis=1).max(axis=1)
    ).dt.days.to_numpy() + 1
    pairs = pairs.reset_index(drop=True)
    text = (
        pairs["paragraf"] + " fra " + pairs["afdeling"] + " overlapper med bevilling "
        + pairs["bevilling_id_anden"] + " (" + pairs["paragraf_anden"] + " fra "
        + pairs["afdeling_anden"] + ", " + fmt_kr(pairs["aarlig_udgift_anden"])
        + " om året) i kategorien " + pairs["kategori"] + "."
    )
    text = text + np.where(pairs["gab"] > 0, " Den billigste af de to bærer potentialet.", "")
    return _flags("dobbelt_kompensation", pairs["i"], text, overlap, 0.0, pairs["gab"])


# --- payments ------------------------------------------------------------------------------

def _month_ord(values: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of datetime64 values."""
    return values.astype("datetime64[M]").astype(np.int64)


class Payments:
    """Payments against what the grants should cost, month by month, as integer-keyed arrays.

    Computed once and shared by the payment rules. Months run from the first payment month to
    the reference month; `m` indexes them from 0.
    """

    def __init__(self, base: pd.DataFrame, data: Data, ctx: Kontekst):
        pay = data.betalinger
        n = len(base)
        self.n = n
        as_of_m = int(_month_ord(np.array([ctx.as_of.to_datetime64()]))[0])
        if len(pay):
            first_m = int(_month_ord(pay["periode"].min().to_datetime64().reshape(1))[0])
        else:
            first_m = as_of_m
        self.first_m, self.last_m = first_m, as_of_m
        nm = as_of_m - first_m + 1
        self.nm = nm
        code = pd.Index(base["bevilling_id"]).get_indexer(pay["bevilling_id"])
        pm = _month_ord(pay["periode"].to_numpy())
        keep = (code >= 0) & (pm >= first_m) & (pm <= as_of_m)
        code, pm = code[keep], pm[keep] - first_m
        amount = pay["beloeb"].to_numpy(dtype=float)[keep]
        # Net paid per (grant, month): dense grid of n × nm months.
        self.actual = np.bincount(code * nm + pm, weights=amount, minlength=n * nm).reshape(n, nm)
        # What the grants should cost (positions instead of ids keep it light).
        exp = expected_payments(
            base.assign(bevilling_id=np.arange(n)),
            pd.Timestamp(np.datetime64(first_m, "M")),
            pd.Timestamp(np.datetime64(as_of_m, "M")),
            ctx.prisindeks,
        )
        self.e_i = exp["bevilling_id"].to_numpy(dtype=np.int64)
        self.e_m = _month_ord(exp["periode"].to_numpy()) - first_m
        self.e_val = exp["forventet"].to_numpy()
        self.e_act = self.actual[self.e_i, self.e_m]
        # Months after the end month of ended grants.
        end = base["slutdato"].to_numpy()
        end_m = np.where(np.isnat(end), np.iinfo(np.int64).max // 2,
                         _month_ord(np.where(np.isnat(end), np.datetime64("1970-01-01"), end)))
        self.end_m = end_m - first_m
        self.window_from = max(nm - ctx.p.betaling_vindue_maaneder, 0)

    def month_label(self, m: np.ndarray) -> pd.Series:
        return pd.Series((np.asarray(m) + self.first_m).astype("datetime64[M]").astype("datetime64[ns]"))


def betaling_efter_slut(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """Net payments for months after the month of slutdato."""
    months = np.arange(pm.nm)
    after = months[None, :] > pm.end_m[:, None]
    paid = np.where(after, pm.actual, 0.0)
    total = paid.sum(axis=1)
    n_months = (paid > 0.005).sum(axis=1)
    hit = np.flatnonzero(n_months > 0)
    recent = paid[:, pm.window_from:].sum(axis=1)
    # Annual rate of what is still being paid (the window's sum scaled to 12 months).
    window = pm.nm - pm.window_from
    gap = np.clip(recent, 0, None) * 12 / window
    last_m = pm.nm - 1 - np.argmax((paid > 0.005)[:, ::-1], axis=1)
    b = base.iloc[hit]
    text = (
        "Slutdato " + fmt_dato(b["slutdato"]) + ", men der er betalt "
        + fmt_kr(pd.Series(total[hit], index=b.index)) + " for "
        + fmt_tal(pd.Series(n_months[hit], index=b.index)) + " måned(er) efter (senest "
        + pd.Series(pm.month_label(last_m[hit]).dt.strftime("%m-%Y").to_numpy(), index=b.index)
        + ")."
    )
    return _flags("betaling_efter_slut", hit, text, total[hit], 0.0, gap[hit])


def betaling_afviger(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """At least `betaling_afvigelse_min_maaneder` active months whose net payment differs by at
    least `betaling_afvigelse_pct` from what the grant should cost (a month without any payment
    differs by 100 %). Potential: the net overpayment in the window, as an annual rate."""
    p = ctx.p
    e, a = pm.e_val, pm.e_act
    pos = e > 0
    dev = pos & (np.abs(a - e) >= p.betaling_afvigelse_pct * e * (1 - TOL))
    n = pm.n
    n_dev = np.bincount(pm.e_i, weights=dev, minlength=n)
    sum_e = np.bincount(pm.e_i, weights=np.where(dev, e, 0.0), minlength=n)
    sum_a = np.bincount(pm.e_i, weights=np.where(dev, a, 0.0), minlength=n)
    in_window = pm.e_m >= pm.window_from
    over = np.bincount(pm.e_i, weights=np.where(in_window, a - e, 0.0), minlength=n)
    window = pm.nm - pm.window_from
    gap = np.clip(over, 0, None) * 12 / window
    hit = np.flatnonzero(n_dev >= p.betaling_afvigelse_min_maaneder)
    b = base.iloc[hit]
    s_e = pd.Series(sum_e[hit], index=b.index)
    s_a = pd.Series(sum_a[hit], index=b.index)
    text = (
        "I " + fmt_tal(pd.Series(n_dev[hit], index=b.index)) + " måneder afveg betalingen mindst "
        + fmt_pct(pd.Series(p.betaling_afvigelse_pct, index=b.index)) + " fra bevillingen: betalt "
        + fmt_kr(s_a) + " mod forventet " + fmt_kr(s_e) + " i de måneder ("
        + fmt_pct((s_a - s_e) / s_e.where(s_e > 0)) + ")."
    )
    return _flags("betaling_afviger", hit, text, n_dev[hit], p.betaling_afvigelse_min_maaneder,
                  gap[hit])


def prisstigning(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """Payment per unit rising at least prisindeks + `prisstigning_margin` from one calendar
    year to the next (a year's level is the median over its active months of paid / should
    cost, so volume, part months and single odd months cancel out; a year needs at least
    MIN_MONTHS_PER_YEAR active months), without an opfoelgning of type 'genforhandling' on the grant dated
    on or after 1 January of the earlier year."""
    year0 = (pm.first_m // 12)
    e_year = (pm.e_m + pm.first_m) // 12 - year0
    ny = int(e_year.max()) + 1 if len(e_year) else 1
    key = pm.e_i * ny + e_year
    n = pm.n
    s_a = np.bincount(key, weights=pm.e_act, minlength=n * ny).reshape(n, ny)
    s_e = np.bincount(key, weights=pm.e_val, minlength=n * ny).reshape(n, ny)
    # Months with a positive expected payment per (grant, year): a year without any is
    # not compared.
    months = np.bincount(key, weights=pm.e_val > 0, minlength=n * ny).reshape(n, ny)
    threshold = ctx.prisindeks + ctx.p.prisstigning_margin
    limit = (1 + threshold) / (1 + ctx.prisindeks) * (1 - TOL)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where((s_e > 0) & (s_a > 0), s_a / s_e, np.nan)
        ratio = level[:, 1:] / level[:, :-1]
    short = (months[:, :-1] < MIN_MONTHS_PER_YEAR) | (months[:, 1:] < MIN_MONTHS_PER_YEAR)
    ratio[short] = np.nan
    # The yearly sums point out candidates cheaply; the level is then the median of the
    # months' paid/should-cost ratios, so one or two odd months (efterregulering) do not
    # look like a price rise.
    cand = (~np.isnan(ratio) & (ratio >= limit)).any(axis=1)
    rows = cand[pm.e_i] & (pm.e_val > 0)
    level = np.full((n, ny), np.nan)
    if rows.any():
        k = key[rows]
        r = pm.e_act[rows] / pm.e_val[rows]
        o = np.lexsort((r, k))
        ks, rs = k[o], r[o]
        starts = np.r_[0, np.flatnonzero(np.diff(ks)) + 1]
        sizes = np.diff(np.r_[starts, len(ks)])
        med = (rs[starts + (sizes - 1) // 2] + rs[starts + sizes // 2]) / 2
        flat = level.reshape(-1)
        flat[ks[starts]] = np.where(med > 0, med, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Rise of the (regulated) payment per unit: level ratio × (1 + index) - 1.
        rise = level[:, 1:] / level[:, :-1] * (1 + ctx.prisindeks) - 1
    rise[short] = np.nan
    o = data.opfoelgninger
    g = o[o["type"] == "genforhandling"]
    # Latest renegotiation year per grant (years counted from the first payment year).
    reneg_year = np.full(n, -(10**9), dtype=np.int64)
    if len(g):
        gi = pd.Index(base["bevilling_id"]).get_indexer(g["bevilling_id"])
        gy = g["dato"].dt.year.to_numpy().astype(np.int64) - 1970 - year0
        ok = gi >= 0
        np.maximum.at(reneg_year, gi[ok], gy[ok])
    # A rise from year y to y+1 is excused by a renegotiation dated in year y or later.
    years = np.arange(ny - 1)
    excused = reneg_year[:, None] >= years[None, :]
    big = np.where(~np.isnan(rise) & (rise >= threshold * (1 - TOL)) & ~excused, rise, np.nan)
    any_big = (~np.isnan(big)).any(axis=1)
    hit = np.flatnonzero(any_big)
    if big.shape[1] == 0:  # a single payment year: nothing to compare
        big = np.full((n, 1), np.nan)
    worst = np.argmax(np.where(np.isnan(big[hit]), -np.inf, big[hit]), axis=1)
    r = big[hit, worst]
    lvl_ratio = (1 + r) / (1 + ctx.prisindeks)
    in_window = pm.e_m >= pm.window_from
    recent = np.bincount(pm.e_i, weights=np.where(in_window, pm.e_act, 0.0), minlength=n)
    window = pm.nm - pm.window_from
    gap = np.clip(recent[hit], 0, None) * 12 / window * (1 - 1 / lvl_ratio)
    b = base.iloc[hit]
    y_from = pd.Series(1970 + year0 + worst, index=b.index)
    text = (
        "Betalingen pr. enhed steg " + fmt_pct(pd.Series(r, index=b.index), 1) + " fra "
        + y_from.astype(str) + " til " + (y_from + 1).astype(str) + " (indeks "
        + fmt_pct(pd.Series(ctx.prisindeks, index=b.index), 1) + " + margin "
        + fmt_pct(pd.Series(ctx.p.prisstigning_margin, index=b.index)) + "), uden registreret "
        "genforhandling."
    )
    return _flags("prisstigning", hit, text, r, threshold, gap)


def uden_standardkontrakt(base: pd.DataFrame, data: Data, ctx: Kontekst,
                          peers: pd.DataFrame) -> pd.DataFrame:
    """Active grant at an external provider (not egen drift) without standardkontrakt.
    Potential: the price above the peer median (what a standard contract should bring)."""
    hit = base["aktiv"] & (base["leverandoertype"] != "egen drift") & ~base["standardkontrakt"].astype(
        bool)
    b, pe = base[hit], peers[hit]
    gap = (b["pris"] - pe["median"]).clip(lower=0) * b["enheder_aar"]
    peer_txt = pd.Series("", index=b.index).where(
        pe["median"].isna(),
        " Prisen " + fmt_kr(b["pris"]) + " pr. " + b["enhed"].map(ENHED_NAVN)
        + " mod medianen " + fmt_kr(pe["median"]) + " hos andre leverandører.",
    )
    text = ("Købes hos " + b["leverandoer_navn"].astype(str) + " (" + b["leverandoertype"].astype(str)
            + ") uden standardkontrakt." + peer_txt)
    return _flags("uden_standardkontrakt", b.index, text, b["aarlig_udgift"], np.nan, gap)
