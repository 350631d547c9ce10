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

from ..config import ServicetjekParametre
from ..data import Data
from ..data.derived import followup_due
from . import arrays
from .base import (
    ENHED_NAVN,
    ENHED_PRIS,
    TOL,
    Kontekst,
    fmt_dato,
    fmt_kr,
    fmt_pct,
    fmt_tal,
    step_down_gap,
    timed,
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
    a = base.loc[base["niveau"].notna(), ["paragraf", "enhed", "niveau", "leverandoer_id", "pris"]]
    # Integer group codes (paragraf × enhed × niveau): no strings built per grant.
    par, _ = pd.factorize(a["paragraf"])
    enh, _ = pd.factorize(a["enhed"])
    group = pd.Series((par.astype(np.int64) * 8 + enh) * 8 + a["niveau"].to_numpy(np.int64),
                      index=a.index)
    first = peer_median(group, a["leverandoer_id"], a["pris"])
    if pct is None:
        return first.reindex(base.index)
    high = (first["antal"] >= min_peers) & (a["pris"] >= first["median"] * (1 + pct) * (1 - TOL))
    if not high.any():
        return first.reindex(base.index)
    second = peer_median(group, a["leverandoer_id"], a["pris"], pool=~high)
    # The first pass stands where the second has too few peers, and for a grant already
    # flagged when its first median is the lower one.
    keep_first = (second["antal"] < min_peers) | second["median"].isna() | (
        high & (first["median"] <= second["median"]))
    out = second.mask(keep_first, first)
    return out.reindex(base.index)


def peer_gap(base: pd.DataFrame, peers: pd.DataFrame) -> pd.Series:
    """Kr per year above the peer median: (price - median, never negative) × units per year;
    NaN without a median. The rules pris_over_sammenlignelige and uden_standardkontrakt and
    the indkoeb negotiation list all measure the gap this way."""
    return (base["pris"] - peers["median"]).clip(lower=0) * base["enheder_aar"]


def above_peers(base: pd.DataFrame, peers: pd.DataFrame, p: ServicetjekParametre) -> pd.Series:
    """Active grants priced at least `pris_over_sammenlignelige` above their peer median, with
    at least `min_sammenlignelige` peer grants: the grants the rule pris_over_sammenlignelige
    flags (peers from `peer_prices(base, pct, min_peers)`)."""
    limit = peers["median"] * (1 + p.pris_over_sammenlignelige)
    return (
        base["aktiv"]
        & (peers["antal"] >= p.min_sammenlignelige)
        & (base["pris"] >= limit * (1 - TOL))
    )


def pris_over_sammenlignelige(base: pd.DataFrame, data: Data, ctx: Kontekst,
                              peers: pd.DataFrame) -> pd.DataFrame:
    """Price at least `pris_over_sammenlignelige` above the peer median (≥ min peers), with
    peers from `peer_prices(base, pct, min_peers)` (`above_peers`, gap `peer_gap`)."""
    p = ctx.p
    limit = peers["median"] * (1 + p.pris_over_sammenlignelige)
    hit = above_peers(base, peers, p)
    b, pe, lim = base[hit], peers[hit], limit[hit]
    over = b["pris"] / pe["median"] - 1
    text = (
        b["enhed"].map(ENHED_PRIS) + " " + fmt_kr(b["pris"]) + " er " + fmt_pct(over)
        + " over medianen " + fmt_kr(pe["median"]) + " for " + b["paragraf"] + " på "
        + _niveau_text(b["niveau"]) + " hos andre leverandører (" + fmt_tal(pe["antal"])
        + " bevillinger); grænsen er " + fmt_pct(pd.Series(p.pris_over_sammenlignelige, index=b.index))
        + " over."
    )
    return _flags("pris_over_sammenlignelige", b.index, text, b["pris"], lim, peer_gap(b, pe))


def category_limits(base: pd.DataFrame, ctx: Kontekst) -> pd.DataFrame:
    """The price-category limits per paragraph: from the parameters, else the quantiles of the
    active grants' current prices in the paragraph's usual unit (with at least
    MIN_GRANTS_FOR_QUANTILES grants; otherwise no limits). Columns: paragraf, enhed, lav_til,
    middel_til, hoej_til, kilde ('parametre', 'kvantiler', 'for få bevillinger'), antal."""
    from .. import reference as ref

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
    return " Næste trin: " + b["naeste_trin"].astype(str) + cost


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


def forbedret_funktion(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """Active grant whose citizen's mean VUM level improved by at least `forbedring_min` from
    the assessment used at the start to the latest one on or before the reference date.

    The grant is still running at its granted price and volume, so the support has not
    followed the improvement (a changed support is a new or ended grant). Needs an assessment
    on or before the start and a later one. The latest follow-up is named in the reason.
    """
    fald = base["niveau_start"] - base["niveau_nu"]
    hit = (
        base["aktiv"]
        & base["niveau_start"].notna()
        & (base["dato_nu"] > base["dato_start"])
        & (fald >= ctx.p.forbedring_min * (1 - TOL))
    )
    b, f = base[hit], fald[hit]
    fu_text = pd.Series(" Ingen opfølgning registreret.", index=b.index).where(
        b["seneste_opfoelgning"].isna(),
        " Seneste opfølgning " + fmt_dato(b["seneste_opfoelgning"]) + ": "
        + b["seneste_resultat"].astype(str) + ".")
    text = (
        "Gennemsnitligt funktionsniveau faldt fra " + fmt_tal(b["niveau_start"], 1) + " ("
        + fmt_dato(b["dato_start"]) + ") til " + fmt_tal(b["niveau_nu"], 1) + " ("
        + fmt_dato(b["dato_nu"]) + "), men bevillingen (" + b["paragraf"]
        + ") løber uændret." + fu_text + _step_text(b)
    )
    return _flags("forbedret_funktion", b.index, text, f, ctx.p.forbedring_min, step_down_gap(b))


def ingen_progression(base: pd.DataFrame, data: Data, ctx: Kontekst, peers: pd.DataFrame,
                      cases: pd.DataFrame, months: int) -> pd.DataFrame:
    """Active development case without reliable progression after `months` months in the
    offer: `cases` are the development cases flagged 'ingen progression' (progression.udvikling's
    definition, measured by servicetjek.udvikling). Potential: another offer of the
    same kind at the usual price, i.e. the price above the peer median (as
    uden_standardkontrakt; 0 at or below it, NaN without peers)."""
    pos = cases["rad"].to_numpy() if "rad" in cases else None  # the grant's row, if known
    if pos is None or len(base) <= pos.max(initial=-1) or not (
            base["bevilling_id"].iloc[pos].to_numpy() == cases["bevilling_id"].to_numpy()).all():
        pos = pd.Index(base["bevilling_id"]).get_indexer(cases["bevilling_id"])
    c = cases[pos >= 0].reset_index(drop=True)
    idx = pos[pos >= 0]
    b, pe = base.iloc[idx].reset_index(drop=True), peers.iloc[idx].reset_index(drop=True)
    gap = (b["pris"] - pe["median"]).clip(lower=0) * b["enheder_aar"]
    price = pd.Series("", index=b.index).where(
        pe["median"].isna(),
        " Prisen " + fmt_kr(b["pris"]) + " pr. " + b["enhed"].map(ENHED_NAVN)
        + " mod medianen " + fmt_kr(pe["median"]) + " hos andre leverandører.")
    text = (
        b["paragraf"].astype(str) + " (" + c["grund"] + ") i " + fmt_tal(c["maaneder_i_tilbud"])
        + " måneder uden pålidelig progression: samlet niveau " + fmt_tal(c["niveau_start"], 1)
        + " (" + fmt_dato(c["dato_start"]) + ") og " + fmt_tal(c["niveau_seneste"], 1) + " ("
        + fmt_dato(c["dato_seneste"]) + "). Overvej et andet tilbud." + price
    )
    return _flags("ingen_progression", idx, text, c["maaneder_i_tilbud"], float(months), gap)


def followup_deadlines(base: pd.DataFrame, intervals: dict[str, int]) -> pd.DataFrame:
    """Each grant's next follow-up deadline (the one definition the rule below and the
    follow-up calendar, opfoelgning.followup_plan, use): regnet_fra is the latest follow-up of
    any type on or before the reference date when it is after the start, else the start;
    frist = regnet_fra + the paragraph's interval (`derived.followup_due`); interval_maaneder.
    Index as `base` (a screening base or part of it)."""
    fu = base["seneste_opfoelgning"]
    last = fu.where(fu.notna() & (fu > base["startdato"]), base["startdato"])
    due, months = followup_due(last, base["paragraf"], intervals)
    return pd.DataFrame({"regnet_fra": last, "frist": due, "interval_maaneder": months},
                        index=base.index)


def opfoelgning_overskredet(base: pd.DataFrame, data: Data, ctx: Kontekst) -> pd.DataFrame:
    """No follow-up (any type) within the required interval, counted from the latest follow-up
    on or before the reference date, or from the start; overdue when the deadline is before
    the reference date."""
    a = base[base["aktiv"]]
    fu = a["seneste_opfoelgning"]
    deadlines = followup_deadlines(a, ctx.p.opfoelgning_interval_maaneder)
    last, due, months = (deadlines[c] for c in ("regnet_fra", "frist", "interval_maaneder"))
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
        + fmt_kr(pd.Series(limit, index=b.index)) + _step_text(b)
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
        + " om året) i kategorien " + pairs["kategori"].astype(str) + "."
    )
    text = text + np.where(pairs["gab"] > 0, " Den billigste af de to bærer potentialet.", "")
    return _flags("dobbelt_kompensation", pairs["i"], text, overlap, 0.0, pairs["gab"])


# --- payments ------------------------------------------------------------------------------

class Payments:
    """Payments against what the grants should cost, month by month, summed per grant.

    Payment lines are grouped by month; a loop over the months (about 60, never over grants)
    nets each month's lines per grant and compares, for the grants active that month, the
    payments with what they should cost (`arrays.expected_month`, equal to derived.expected_payments) and keeps
    per-grant sums for the payment rules. Payments after a grant's end are summed from the
    payment lines. Months run from the first payment month to the reference month; the window
    is the last `betaling_vindue_maaneder` of them.
    """

    def __init__(self, base: pd.DataFrame, data: Data, ctx: Kontekst):
        """`base`: the grants in the screening base's order (the base itself, or
        data.bevillinger with a fresh index); only the grants' own columns are used."""
        p = ctx.p
        pay = data.betalinger
        n = len(base)
        self.n = n
        as_of_m = int(np.datetime64(ctx.as_of.to_datetime64(), "M").astype(np.int64))
        first_m = (int(pay["periode"].min().to_datetime64().astype("datetime64[M]").astype(np.int64))
                   if len(pay) else as_of_m)
        first_m = min(first_m, as_of_m)
        nm = as_of_m - first_m + 1
        self.first_m, self.nm = first_m, nm
        self.window_from = max(nm - p.betaling_vindue_maaneder, 0)
        self.window = nm - self.window_from
        g = arrays.GrantCost.of(base)
        end_m = arrays.month_of_day(g.end) - first_m
        with timed("betalinger: linjer"):
            code, month, ok = self._lines(pay, base)
        amount = pay["beloeb"].to_numpy(dtype=float)
        with timed("betalinger: efter slut"):
            self._after_end(code, month, ok, amount, end_m)
        with timed("betalinger: måneder"):
            self._by_month(code, month, ok, amount)
            del code, month, ok
            self._compare(g, ctx)
        self._cost = g

    def _by_month(self, code, month, ok, amount) -> None:
        """Keep the known lines grouped by month: (grant, amount) per month block. Payment
        extracts usually come in month order; others are put in order (a radix sort)."""
        if ok.all() and bool(np.all(month[1:] >= month[:-1])):  # the usual case: no copies
            self._code, self._amount = code, amount
            self._bounds = np.searchsorted(month, np.arange(self.nm + 1))
            return
        keep = np.flatnonzero(ok)
        m = month[keep]
        if len(m) and not bool(np.all(m[1:] >= m[:-1])):
            # Months fit in 16 bits, where numpy's stable sort is a radix sort.
            keep = keep[np.argsort(m.astype(np.int16), kind="stable")]
            m = month[keep]
        self._code = code[keep]
        self._amount = amount[keep]
        self._bounds = np.searchsorted(m, np.arange(self.nm + 1))

    def _paid(self, m: int, lookup: np.ndarray | None = None, size: int | None = None
              ) -> np.ndarray:
        """Net paid in month m per grant (or per `lookup[grant]` >= 0, `size` of them)."""
        lo, hi = self._bounds[m], self._bounds[m + 1]
        code, amount = self._code[lo:hi], self._amount[lo:hi]
        if lookup is not None:
            code = lookup[code]
            amount = amount[code >= 0]
            code = code[code >= 0]
        return np.bincount(code, weights=amount, minlength=self.n if size is None else size)

    def _lines(self, pay: pd.DataFrame, base: pd.DataFrame):
        """Each payment line's grant (position) and month (from 0), and whether both are known.
        Searching the month starts is much faster than converting 20 million dates."""
        code = arrays.positions(pay["bevilling_id"], base["bevilling_id"])
        starts = np.arange(self.first_m, self.first_m + self.nm + 1).astype(
            "datetime64[M]").astype("datetime64[ns]").astype(np.int64)
        stamps = np.asarray(pay["periode"].to_numpy(), dtype="datetime64[ns]").view(np.int64)
        # Small integer types keep the per-line arrays light (months fit in 16 bits); the
        # search runs in slices so its 64-bit result never spans all lines at once.
        month = np.empty(len(stamps), dtype=np.int16)
        step = arrays.CHUNK
        for lo in range(0, len(stamps), step):  # slices of millions of lines
            found = np.searchsorted(starts, stamps[lo:lo + step], side="right")
            month[lo:lo + step] = np.clip(found, 0, self.nm + 1) - 1
        ok = (code >= 0) & (month >= 0) & (month < self.nm)
        return code, month, ok

    def _after_end(self, code, month, ok, amount, end_m) -> None:
        """Paid for months after the end month: few lines, netted per (grant, month)."""
        n, nm = self.n, self.nm
        end16 = np.clip(end_m, -1, nm).astype(np.int16)
        after = ok & (month > end16[code])  # code -1 picks the last grant; ok masks it
        self.after_total, self.after_recent = np.zeros(n), np.zeros(n)
        self.after_months, self.after_last = np.zeros(n, np.int64), np.full(n, -1, np.int64)
        if after.any():
            cell, inv = np.unique(code[after].astype(np.int64) * nm + month[after],
                                  return_inverse=True)
            net = np.bincount(inv, weights=amount[after])
            c, m = cell // nm, cell % nm
            paid = net > PAID
            np.add.at(self.after_total, c, net)
            np.add.at(self.after_months, c, paid)
            np.add.at(self.after_recent, c, np.where(m >= self.window_from, net, 0.0))
            np.maximum.at(self.after_last, c[paid], m[paid])

    def _compare(self, g: arrays.GrantCost, ctx: Kontekst) -> None:
        """Month by month, for the grants active that month: paid against should cost."""
        n, first_m = self.n, self.first_m
        year0 = int(np.datetime64(first_m, "M").astype("datetime64[Y]").astype(np.int64)) + 1970
        ny = (first_m + self.nm - 1) // 12 + 1970 - year0 + 1
        self.year0, self.ny = year0, ny
        self.n_dev = np.zeros(n, np.int64)
        self.over_recent, self.paid_recent = np.zeros(n), np.zeros(n)
        self.year_a, self.year_e = np.zeros((ny, n)), np.zeros((ny, n))
        pct = ctx.p.betaling_afvigelse_pct * (1 - TOL)
        self._pct = pct
        for m in range(self.nm):  # months, not grants
            first_day, next_day = arrays.month_days(first_m + m)
            idx = np.flatnonzero((g.start < next_day) & (g.end >= first_day))
            e = arrays.expected_month(g, first_m + m, ctx.prisindeks, idx)
            a = self._paid(m)[idx]
            self.n_dev[idx] += (np.abs(a - e) >= pct * e) & (e > 0)
            y = (first_m + m) // 12 + 1970 - year0
            self.year_a[y, idx] += a
            self.year_e[y, idx] += e
            if m >= self.window_from:
                self.over_recent[idx] += a - e
                self.paid_recent[idx] += a

    def month_values(self, rows: np.ndarray, prisindeks: float) -> tuple[np.ndarray, np.ndarray]:
        """Paid and should cost per month for some grants (rows × months; 0 when inactive)."""
        sub = arrays.GrantCost(*(getattr(self._cost, f)[rows] for f in (
            "start", "end", "start_year", "weekly", "monthly", "tillaeg")))
        lookup = np.full(self.n, -1, dtype=np.int64)
        lookup[rows] = np.arange(len(rows))
        paid = np.zeros((len(rows), self.nm))
        for m in range(self.nm):  # months
            paid[:, m] = self._paid(m, lookup, len(rows))
        should = np.stack([arrays.expected_month(sub, self.first_m + m, prisindeks)
                           for m in range(self.nm)], axis=1) if self.nm else np.zeros_like(paid)
        return paid, should

    def month_label(self, m: np.ndarray) -> pd.Series:
        return pd.Series((np.asarray(m) + self.first_m).astype("datetime64[M]").astype(
            "datetime64[ns]"))


#: A month counts as paid when more than this (kr) is paid (credit notes net out to ~0).
PAID = 0.005


def betaling_efter_slut(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """Net payments for months after the month of slutdato. Potential: what is still paid in
    the window, as an annual rate."""
    hit = np.flatnonzero(pm.after_months > 0)
    gap = np.clip(pm.after_recent, 0, None) * 12 / pm.window
    b = base.iloc[hit]
    text = (
        "Slutdato " + fmt_dato(b["slutdato"]) + ", men der er betalt "
        + fmt_kr(pd.Series(pm.after_total[hit], index=b.index)) + " for "
        + fmt_tal(pd.Series(pm.after_months[hit], index=b.index)) + " måned(er) efter (senest "
        + pd.Series(pm.month_label(pm.after_last[hit]).dt.strftime("%m-%Y").to_numpy(),
                    index=b.index)
        + ")."
    )
    return _flags("betaling_efter_slut", hit, text, pm.after_total[hit], 0.0, gap[hit])


def betaling_afviger(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """At least `betaling_afvigelse_min_maaneder` active months whose net payment differs by at
    least `betaling_afvigelse_pct` from what the grant should cost (a month without any payment
    differs by 100 %). Potential: the net overpayment in the window, as an annual rate."""
    p = ctx.p
    gap = np.clip(pm.over_recent, 0, None) * 12 / pm.window
    hit = np.flatnonzero(pm.n_dev >= p.betaling_afvigelse_min_maaneder)
    b = base.iloc[hit]
    paid, should = pm.month_values(hit, ctx.prisindeks)
    dev = (should > 0) & (np.abs(paid - should) >= pm._pct * should)
    s_e = pd.Series(np.where(dev, should, 0.0).sum(axis=1), index=b.index)
    s_a = pd.Series(np.where(dev, paid, 0.0).sum(axis=1), index=b.index)
    text = (
        "I " + fmt_tal(pd.Series(pm.n_dev[hit], index=b.index)) + " måneder afveg betalingen mindst "
        + fmt_pct(pd.Series(p.betaling_afvigelse_pct, index=b.index)) + " fra bevillingen: betalt "
        + fmt_kr(s_a) + " mod forventet " + fmt_kr(s_e) + " i de måneder ("
        + fmt_pct((s_a - s_e) / s_e.where(s_e > 0)) + ")."
    )
    return _flags("betaling_afviger", hit, text, pm.n_dev[hit], p.betaling_afvigelse_min_maaneder,
                  gap[hit])


def exceeds_index(rise, prisindeks: float, margin: float) -> np.ndarray:
    """Whether yearly price rises (shares, 0.11 = 11 %) reach prisindeks + margin: the
    threshold of the prisstigning rule, also used by indkoeb.price_development. NaN never
    does; a rise exactly at the threshold does."""
    rise = np.asarray(rise, dtype=float)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(rise) & (rise >= (prisindeks + margin) * (1 - TOL))


def prisstigning(base: pd.DataFrame, data: Data, ctx: Kontekst, pm: Payments) -> pd.DataFrame:
    """Payment per unit rising at least prisindeks + `prisstigning_margin` from one calendar
    year to the next (a year's level is the median over its active months of paid / should
    cost, so volume, part months and single odd months cancel out; a year needs at least
    MIN_MONTHS_PER_YEAR active months), without an opfoelgning of type 'genforhandling' on the
    grant dated in the earlier year or later."""
    threshold = ctx.prisindeks + ctx.p.prisstigning_margin
    limit = (1 + threshold) / (1 + ctx.prisindeks) * (1 - TOL)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where((pm.year_e > 0) & (pm.year_a > 0), pm.year_a / pm.year_e, np.nan)
        ratio = level[1:] / level[:-1]
    # The yearly sums point out candidates cheaply; their level is then the median month.
    cand = np.flatnonzero((ratio >= limit).any(axis=0)) if pm.ny > 1 else np.empty(0, np.int64)
    paid, should = pm.month_values(cand, ctx.prisindeks)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(should > 0, paid / should, np.nan)
    month_year = (pm.first_m + np.arange(pm.nm)) // 12 + 1970 - pm.year0
    med = np.full((pm.ny, len(cand)), np.nan)
    for y in range(pm.ny):  # a handful of years
        cols = ratios[:, month_year == y]
        has = (~np.isnan(cols)).sum(axis=1) >= MIN_MONTHS_PER_YEAR
        if has.any():
            med[y, has] = np.nanmedian(cols[has], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        med = np.where(med > 0, med, np.nan)
        rise = med[1:] / med[:-1] * (1 + ctx.prisindeks) - 1
    reneg = base["seneste_genforhandling"].dt.year.to_numpy()[cand]
    years = pm.year0 + np.arange(pm.ny - 1)
    excused = ~np.isnan(reneg)[None, :] & (reneg[None, :] >= years[:, None])
    big = np.where(exceeds_index(rise, ctx.prisindeks, ctx.p.prisstigning_margin) & ~excused,
                   rise, -np.inf)
    has_big = (big > -np.inf).any(axis=0) if pm.ny > 1 else np.zeros(len(cand), bool)
    hit = cand[has_big]
    worst = np.argmax(big[:, has_big], axis=0) if pm.ny > 1 else np.empty(0, np.int64)
    r = big[worst, np.flatnonzero(has_big)]
    lvl_ratio = (1 + r) / (1 + ctx.prisindeks)
    gap = np.clip(pm.paid_recent[hit], 0, None) * 12 / pm.window * (1 - 1 / lvl_ratio)
    b = base.iloc[hit]
    y_from = pd.Series(pm.year0 + worst, index=b.index)
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
    gap = peer_gap(b, pe)
    peer_txt = pd.Series("", index=b.index).where(
        pe["median"].isna(),
        " Prisen " + fmt_kr(b["pris"]) + " pr. " + b["enhed"].map(ENHED_NAVN)
        + " mod medianen " + fmt_kr(pe["median"]) + " hos andre leverandører.",
    )
    text = ("Købes hos " + b["leverandoer_navn"].astype(str) + " (" + b["leverandoertype"].astype(str)
            + ") uden standardkontrakt." + peer_txt)
    return _flags("uden_standardkontrakt", b.index, text, b["aarlig_udgift"], np.nan, gap)
