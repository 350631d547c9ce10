"""Belægning: occupied and empty places in the municipality's own offers, month by month.

A place is occupied on a day when a citizen has an active grant on the offer (tilbud_id);
a citizen with two grants on the same offer at once fills one place. A month's occupied
places are the average over its days; empty place-days are the sum over its days of
max(places − occupied, 0), so a full day never offsets an empty one.

The cost of empty capacity = empty place-days × the offer's own unit cost per place-day:
- the `takst` column on `tilbud` when filled (the offer's own calculated price per place per
  day, as it is published on Tilbudsportalen: the better source, because it includes the
  costs of the whole offer);
- else the offer's own grants: their cost in the month (`derived.expected_payments`: the
  granted price regulated by prisindeks, the reference servicetjek and budget also use) per
  occupied place-day. Payments are not used, because own offers are often financed by a
  frame budget rather than paid per grant. A month without residents takes the offer's
  average over the period.
Places are the `pladser` of the tilbud table, i.e. today's capacity, for every month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import Data, derived
from .grundlag import (
    IkkeTilgaengelig,
    Indstillinger,
    day_index,
    external_on,
    own_provision,
    period,
    settings,
)

#: A month counts as having a free place when at least one whole place stood empty on average.
LEDIG_PLADS = 1.0
#: A month counts as full when at least this share of the places was occupied on average.
FULD = 0.98

MAANED_COLUMNS = [
    "tilbud_id", "navn", "paragraf", "maaned", "dage", "pladser", "belagte_pladser",
    "belaegningsgrad", "tomme_pladser", "tomme_pladsdage", "pris_pr_doegn", "prisgrundlag",
    "udgift_tomme_pladser",
]


@dataclass(frozen=True)
class Belaegning:
    """Occupancy of the own offers.

    maaned: one row per offer and month (MAANED_COLUMNS); maaned is the month's first day,
    prisgrundlag 'takst' / 'bevillinger' / 'ingen' says where pris_pr_doegn comes from.
    tilbud: one row per offer over the months: tilbud_id, navn, paragraf, maalgruppe
    (maalgruppe_kilde 'tilbud' when given, 'beboere' when taken from the residents), pladser,
    belagte_pladser and belaegningsgrad (averages), tomme_pladsdage, udgift_tomme_pladser
    (sums), pris_pr_doegn (the last 12 months), prisgrundlag, belagte_nu and ledige_pladser_nu
    (on the last day), ledige_maaneder_i_traek (months in a row up to the last with at least
    one free place), fuldt_belagt_maaneder_i_traek (months in a row up to the last with at
    least FULD of the places occupied), eksterne_nu (citizens of the offer's paragraph and
    target group in external offers on the last day; NaN without leverandoerer) and
    fuld_med_eksterne (full in each of the last `ledige_maaneder` months, or in every month
    counted if fewer, while eksterne_nu ≥ 1: a reason to consider more places, KL's
    recommendation 3).
    opgjort: the last day counted.
    """

    maaned: pd.DataFrame
    tilbud: pd.DataFrame
    opgjort: pd.Timestamp


def month_starts(data: Data, months=None) -> pd.DatetimeIndex:
    """The months to count: None = every month of the extract; an int n = the last n months;
    else the given dates (any day of a month), sorted. Months after the reference date are
    left out."""
    per = period(data)
    every = pd.date_range(per.first, per.last, freq="MS")
    if months is None:
        return every
    if isinstance(months, (int, np.integer)):
        return every[-int(months):]
    chosen = pd.DatetimeIndex(pd.to_datetime(list(months))).to_period("M").to_timestamp()
    return pd.DatetimeIndex(sorted(set(chosen[chosen <= per.last])))


def merged_stays(offer: np.ndarray, citizen: np.ndarray, start: np.ndarray, end: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Join each citizen's overlapping or adjacent day intervals on the same offer.

    Inputs are aligned int arrays (inclusive day numbers). Returns (offer, citizen, start,
    end) of the joined intervals, so counting intervals per day counts distinct citizens.
    """
    keep = start <= end
    offer, citizen, start, end = offer[keep], citizen[keep], start[keep], end[keep]
    if len(start) == 0:
        return offer, citizen, start, end
    order = np.lexsort((start, citizen, offer))
    offer, citizen, start, end = offer[order], citizen[order], start[order], end[order]
    same = np.r_[False, (offer[1:] == offer[:-1]) & (citizen[1:] == citizen[:-1])]
    key = np.cumsum(~same)
    # Running maximum of the end within each (offer, citizen): shift every group above the
    # previous ones so one cumulative maximum over the whole array never crosses groups.
    big = int(end.max() - min(start.min(), 0)) + 2
    running = np.maximum.accumulate(end + key * big) - key * big
    new = ~same | (start > np.r_[0, running[:-1]] + 1)
    first = np.flatnonzero(new)
    return offer[first], citizen[first], start[first], np.maximum.reduceat(end, first)


def daily_counts(offer: np.ndarray, start: np.ndarray, end: np.ndarray, n_offers: int,
                 n_days: int) -> np.ndarray:
    """Intervals covering each day, per offer: an (n_offers, n_days) int array."""
    diff = np.zeros((n_offers, n_days + 1), dtype=np.int64)
    np.add.at(diff, (offer, start), 1)
    np.add.at(diff, (offer, end + 1), -1)
    return np.cumsum(diff, axis=1)[:, :n_days]


def month_sums(daily: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sums of a (rows, days) array over the day ranges [lo, hi) of each month: (rows, months)."""
    csum = np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)], axis=1)
    return csum[:, hi] - csum[:, lo]


def occupancy(data: Data, months=None, ind: Indstillinger | None = None
              ) -> Belaegning | IkkeTilgaengelig:
    """Places, occupied and empty places and the cost of empty capacity per own offer and
    month (module docstring). `months`: see `month_starts`. Vectorised: no loop over grants,
    offers or days."""
    ind = settings(ind)
    hvad = "Belægningen i egne tilbud"
    tilbud = data.tilbud.reset_index(drop=True)
    if tilbud.empty:
        return IkkeTilgaengelig(hvad, "tabellen tilbud (kommunens egne tilbud med antal "
                                "pladser) er ikke med i data. Læg tilbud.csv med tilbud_id, "
                                "leverandoer_id, navn, paragraf og pladser i datamappen, og "
                                "angiv tilbud_id på bevillingerne i egne tilbud.")
    bev = data.bevillinger
    code = pd.Index(tilbud["tilbud_id"]).get_indexer(bev["tilbud_id"])
    on_offer = code >= 0
    if not on_offer.any():
        return IkkeTilgaengelig(hvad, "ingen bevillinger har et tilbud_id fra tabellen "
                                "tilbud, så det kan ikke ses, hvem der bor i tilbuddene.")
    starts = month_starts(data, months)
    if len(starts) == 0:
        return IkkeTilgaengelig(hvad, "de valgte måneder ligger uden for udtrækkets periode.")
    origin = starts[0]
    opgjort = min(starts[-1] + pd.offsets.MonthEnd(0), period(data).last)
    n_days = (opgjort - origin).days + 1
    n_offers = len(tilbud)

    b = bev[on_offer]
    citizens, citizen_ids = pd.factorize(b["borger_id"])
    s = np.clip(day_index(b["startdato"], origin, 0), 0, None)
    e = np.clip(day_index(b["slutdato"], origin, n_days - 1), None, n_days - 1)
    m_offer, m_citizen, m_start, m_end = merged_stays(code[on_offer], citizens, s, e)
    occupied = daily_counts(m_offer, m_start, m_end, n_offers, n_days)
    places = tilbud["pladser"].to_numpy(dtype=np.int64)
    empty = np.clip(places[:, None] - occupied, 0, None)

    # Sums over each chosen month's days (months need not be consecutive).
    lo = (starts - origin).days.to_numpy()
    hi = np.minimum((starts + pd.offsets.MonthEnd(0) - origin).days.to_numpy() + 1, n_days)
    days = hi - lo
    occ_days = month_sums(occupied, lo, hi)
    empty_days = month_sums(empty, lo, hi)
    price, basis = _unit_cost(tilbud, b, code[on_offer], starts, occ_days, ind.prisindeks)

    n_months = len(starts)
    belagte = occ_days / days
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(places[:, None] > 0, belagte / places[:, None], np.nan)
    maaned = pd.DataFrame({
        "tilbud_id": np.repeat(tilbud["tilbud_id"].to_numpy(), n_months),
        "navn": np.repeat(tilbud["navn"].to_numpy(), n_months),
        "paragraf": np.repeat(tilbud["paragraf"].to_numpy(), n_months),
        "maaned": np.tile(starts.to_numpy(), n_offers),
        "dage": np.tile(days, n_offers),
        "pladser": np.repeat(places, n_months),
        "belagte_pladser": belagte.ravel(),
        "belaegningsgrad": grad.ravel(),
        "tomme_pladser": np.clip(places[:, None] - belagte, 0, None).ravel(),
        "tomme_pladsdage": empty_days.ravel(),
        "pris_pr_doegn": price.ravel(),
        "prisgrundlag": np.repeat(basis, n_months),
        "udgift_tomme_pladser": (empty_days * price).ravel(),
    })[MAANED_COLUMNS]

    free = (places[:, None] - belagte) >= LEDIG_PLADS
    in_a_row = _months_in_a_row(free)
    full_in_a_row = _months_in_a_row(np.nan_to_num(grad) >= FULD)
    last12 = slice(max(n_months - 12, 0), n_months)
    cost12 = np.nansum(price[:, last12] * occ_days[:, last12], axis=1)
    occ12 = occ_days[:, last12].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        price12 = np.where(basis == "takst", price[:, -1], np.where(
            occ12 > 0, cost12 / occ12, price[:, -1]))
    group, group_source = _target_groups(data, tilbud, m_offer, m_citizen, m_start, m_end,
                                         citizen_ids)
    summary = pd.DataFrame({
        "tilbud_id": tilbud["tilbud_id"],
        "navn": tilbud["navn"],
        "paragraf": tilbud["paragraf"],
        "maalgruppe": group,
        "maalgruppe_kilde": group_source,
        "pladser": places,
        "belagte_pladser": occ_days.sum(axis=1) / n_days,
        "belaegningsgrad": np.where(places > 0, occ_days.sum(axis=1) / n_days
                                    / np.maximum(places, 1), np.nan),
        "tomme_pladsdage": empty_days.sum(axis=1),
        "udgift_tomme_pladser": np.where(basis == "ingen", np.nan,
                                         np.nansum(empty_days * price, axis=1)),
        "pris_pr_doegn": price12,
        "prisgrundlag": basis,
        "belagte_nu": occupied[:, -1],
        "ledige_pladser_nu": np.clip(places - occupied[:, -1], 0, None),
        "ledige_maaneder_i_traek": in_a_row,
        "fuldt_belagt_maaneder_i_traek": full_in_a_row,
    })
    summary["eksterne_nu"] = _external_now(data, summary, opgjort)
    summary["fuld_med_eksterne"] = ((summary["fuldt_belagt_maaneder_i_traek"]
                                     >= min(ind.ledige_maaneder, n_months))
                                    & (summary["eksterne_nu"] >= 1))
    return Belaegning(maaned=maaned, tilbud=summary, opgjort=opgjort)


def _months_in_a_row(flag: np.ndarray) -> np.ndarray:
    """Per row the number of months in a row, up to the last, where `flag` holds."""
    return np.cumprod(flag[:, ::-1], axis=1).sum(axis=1)


def _external_now(data: Data, summary: pd.DataFrame, on: pd.Timestamp) -> np.ndarray:
    """Citizens in external offers of each offer's paragraph and target group on `on`."""
    own = own_provision(data)
    if isinstance(own, IkkeTilgaengelig):
        return np.full(len(summary), np.nan)
    ext = external_on(data, on, own)
    per_group = ext.groupby([ext["paragraf"].astype(str), ext["maalgruppe"]])[
        "borger_id"].nunique()
    key = pd.MultiIndex.from_arrays([summary["paragraf"].astype(str),
                                     summary["maalgruppe"].astype(object)])
    return per_group.reindex(key).fillna(0).to_numpy(dtype=float)


def _unit_cost(tilbud: pd.DataFrame, b: pd.DataFrame, code: np.ndarray,
               starts: pd.DatetimeIndex, occ_days: np.ndarray, prisindeks: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Cost per place-day per offer and month, and its basis per offer (module docstring)."""
    n_offers, n_months = occ_days.shape
    exp = derived.expected_payments(b.assign(_tilbud=code), starts[0], starts[-1], prisindeks,
                                    by="_tilbud")
    chosen = starts.to_numpy().astype("datetime64[M]").astype(np.int64)
    position = np.full(chosen[-1] - chosen[0] + 1, -1)
    position[chosen - chosen[0]] = np.arange(n_months)
    month = position[exp["periode"].to_numpy().astype("datetime64[M]").astype(np.int64)
                     - chosen[0]]
    keep = month >= 0
    cost = np.zeros((n_offers, n_months))
    np.add.at(cost, (exp["_tilbud"].to_numpy()[keep], month[keep]),
              exp["forventet"].to_numpy(dtype=float)[keep])
    with np.errstate(divide="ignore", invalid="ignore"):
        monthly = np.where(occ_days > 0, cost / occ_days, np.nan)
        average = cost.sum(axis=1) / occ_days.sum(axis=1)
    price = np.where(np.isnan(monthly), average[:, None], monthly)
    takst = tilbud["takst"].to_numpy(dtype=float)
    has_takst = ~np.isnan(takst)
    price[has_takst] = takst[has_takst][:, None]
    basis = np.where(has_takst, "takst", np.where(np.isnan(average), "ingen", "bevillinger"))
    return price, basis.astype(object)


def _target_groups(data: Data, tilbud: pd.DataFrame, offer: np.ndarray, citizen: np.ndarray,
                   start: np.ndarray, end: np.ndarray, citizen_ids: pd.Index
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Each offer's target group: its maalgruppe when given, else the group of the residents
    with the most place-days in the period (ties: alphabetical)."""
    given = tilbud["maalgruppe"].astype(object).to_numpy()
    groups = pd.Series(citizen_ids).map(
        data.borgere.set_index("borger_id")["maalgruppe"]).to_numpy()
    stays = pd.DataFrame({"t": offer, "g": groups[citizen], "d": end - start + 1})
    stays = stays[stays["g"].notna()]
    days = stays.groupby(["t", "g"])["d"].sum().reset_index()
    top = days.sort_values(["t", "d", "g"], ascending=[True, False, True]).drop_duplicates("t")
    from_residents = pd.Series(top["g"].to_numpy(), index=top["t"].to_numpy()).reindex(
        range(len(tilbud))).to_numpy()
    has = pd.notna(given)
    group = np.where(has, given, from_residents)
    source = np.where(has, "tilbud", np.where(pd.notna(from_residents), "beboere", None))
    return group, source.astype(object)
