"""The synthetic municipality's indkoeb family (kontrakter, prislister, tilsyn): each planted
signal checked on the tables themselves, computed here independently of socialanalyse.indkoeb,
and the changes to tillæg and payments kept within the other signals' definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialanalyse.data import derived
from socialanalyse.data.synthetic import indkoeb as fam

REF = pd.Timestamp("2026-10-31")
SIX_MONTHS = pd.Timestamp("2027-04-30")
DAYS_PER_WEEK_YEAR = 365.25 / 7


@pytest.fixture(scope="module")
def planted(sample):
    return sample[0].planted.families["indkoeb"]


@pytest.fixture(scope="module")
def data(sample):
    return sample[1]


def _running(k: pd.DataFrame) -> pd.Series:
    return (k["startdato"] <= REF) & (k["udloebsdato"].isna() | (k["udloebsdato"] >= REF))


def test_expiring_contracts_and_the_spending_at_stake(data, planted):
    k = data.kontrakter
    soon = k[(k["udloebsdato"] > REF) & (k["udloebsdato"] <= SIX_MONTHS)]
    assert tuple(sorted(soon["kontrakt_id"])) == tuple(sorted(u.kontrakt_id
                                                              for u in planted.udloeber))
    assert len(planted.udloeber) == 3
    # Every other fixed expiry is well after the six months.
    later = k[(k["udloebsdato"] > SIX_MONTHS)]
    assert (later["udloebsdato"] >= pd.Timestamp("2027-06-01")).all()
    b = data.bevillinger
    active = b[derived.is_active(b, REF)]
    own = set(k["bevilling_id"].dropna())
    last12 = data.betalinger[data.betalinger["periode"] >= "2025-11-01"]
    for u in planted.udloeber:
        row = k.set_index("kontrakt_id").loc[u.kontrakt_id]
        assert pd.isna(row["bevilling_id"]) and row["standardkontrakt"]
        covered = active[(active["leverandoer_id"] == u.leverandoer_id)
                         & (active["paragraf"] == u.paragraf)
                         & ~active["bevilling_id"].isin(own)]
        assert tuple(sorted(covered["bevilling_id"])) == u.bevillinger and u.bevillinger
        paid = last12.loc[last12["bevilling_id"].isin(u.bevillinger), "beloeb"].sum()
        assert u.betalt_12_mdr == pytest.approx(paid, abs=0.005) and paid > 0


def test_overdue_renegotiations(data, planted):
    k = data.kontrakter
    over = k[_running(k) & (k["genforhandlingsdato"] < REF)]
    assert tuple(sorted(over["kontrakt_id"])) == planted.genforhandling_overskredet
    assert len(planted.genforhandling_overskredet) == 2
    assert over["standardkontrakt"].all()


def test_contracts_follow_the_providers_standard_contract_flag(data, sample, planted):
    k, lev = data.kontrakter, data.leverandoerer
    ext = lev[lev["leverandoertype"] != "egen drift"]
    without = tuple(sorted(set(ext["leverandoer_id"]) - set(k["leverandoer_id"])))
    assert without == planted.uden_kontrakt
    assert set(without) <= set(sample[0].planted.no_standard_contract)
    assert not set(k["leverandoer_id"]) & set(lev.loc[lev["leverandoertype"] == "egen drift",
                                                      "leverandoer_id"])
    running = k[_running(k) & k["bevilling_id"].isna()]
    std = running.groupby("leverandoer_id")["standardkontrakt"].all()
    flag = lev.set_index("leverandoer_id")["standardkontrakt"]
    assert (std == flag.reindex(std.index)).all()
    # Standard contracts came in over time: none before 2022, most external providers by 2026.
    first_std = k[k["standardkontrakt"]].groupby("leverandoer_id")["startdato"].min()
    assert first_std.min() >= pd.Timestamp("2022-01-01")
    assert first_std.max() <= pd.Timestamp("2025-06-30")
    # About a tenth of the external §107/§108 grants started on the standard contract have
    # their own contract.
    b = data.bevillinger
    cand = b[b["paragraf"].isin(["§107", "§108"])
             & (b["startdato"] >= b["leverandoer_id"].map(first_std))]
    share = cand["bevilling_id"].isin(k["bevilling_id"]).mean()
    assert 0.05 <= share <= 0.15


def test_high_price_low_quality(data, sample, planted):
    t = data.tilsyn
    overall = t[t["tema"].isna()].sort_values("dato")
    latest = overall.groupby(["leverandoer_id", overall["tilbud"].fillna("")])[
        "bedoemmelse"].last().groupby(level=0).mean()
    assert tuple(latest.index[latest < 3]) == planted.hoej_pris_lav_kvalitet
    low = planted.hoej_pris_lav_kvalitet[0]
    assert low in sample[0].planted.overpriced_providers
    history = overall.loc[overall["leverandoer_id"] == low, "bedoemmelse"].tolist()
    assert history[-1] <= 2.0 and history[:-1] and min(history[:-1]) >= 3.5
    assert set(t["tema"].dropna()) == set(fam.THEMES)
    reports = t.groupby(["leverandoer_id", t["tilbud"].fillna(""), "dato"]).size()
    assert (reports == len(fam.THEMES) + 1).all()  # an overall score and seven themes


def _tillaeg_per_month(b: pd.DataFrame, year: int) -> float:
    first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    total = 0.0
    for r in b.itertuples():  # a handful of grants
        for month in pd.date_range(first, last, freq="MS"):
            end = month + pd.offsets.MonthEnd(0)
            lo, hi = max(r.startdato, month), min(r.slutdato if pd.notna(r.slutdato) else end,
                                                  end)
            days = (hi - lo).days + 1
            if days > 0:
                total += r.tillaeg * days / end.day
    return total / 12


def test_fast_growing_tillaeg(data, planted):
    b = data.bevillinger
    mine = b[b["leverandoer_id"] == planted.tillaeg_leverandoer]
    per = dict(planted.tillaeg_pr_maaned)
    for year in (2024, 2025):
        assert per[year] == pytest.approx(_tillaeg_per_month(mine, year))
    assert per[2025] > 2 * per[2024] > 0  # more than doubled
    given = b.set_index("bevilling_id").loc[list(planted.tillaeg_bevillinger)]
    assert (given["tillaeg"].isin([fam.TILLAEG, fam.TILLAEG_BASE])).all()
    new = given[given["tillaeg"] == fam.TILLAEG]
    assert len(new) >= 2 and (new["startdato"].dt.year == 2025).all()
    assert (derived.annual_cost(given) < 1_000_000).all()  # not an expensive grant
    # Their payments carry the tillæg: paid equals what the grants should cost.
    exp = derived.expected_payments(given.reset_index(), "2021-11-01", "2026-10-01", 0.025)
    paid = data.betalinger.groupby(["bevilling_id", "periode"])["beloeb"].sum()
    both = exp.set_index(["bevilling_id", "periode"])["forventet"]
    close = (paid.reindex(both.index) - both).abs() <= np.maximum(0.01, 0.07 * both)
    assert close.mean() > 0.9


def test_renegotiation_with_a_known_saving(data, planted):
    r = planted.genforhandling
    k = data.kontrakter.set_index("kontrakt_id").loc[r.kontrakt_id]
    assert (k["leverandoer_id"], k["paragraf"]) == (r.leverandoer_id, r.paragraf)
    assert (k["tidligere_enhedspris"], k["enhedspris"]) == (r.pris_foer, r.pris_efter)
    assert k["prisaendring_dato"] == pd.Timestamp("2026-03-15")
    assert r.pris_efter == round(r.pris_foer * 0.92)
    assert r.virkning_fra == pd.Timestamp("2026-04-01")
    b = data.bevillinger.set_index("bevilling_id")
    grants = b.loc[list(r.bevillinger)]
    delta = r.pris_foer - r.pris_efter
    # By hand: the difference per day times 365.25 days a year (7 days a week).
    assert (grants["enhed"] == "doegn").all()
    assert r.aarlig_besparelse == pytest.approx(delta * (grants["omfang"] * DAYS_PER_WEEK_YEAR
                                                         ).sum())
    assert 0 < r.realiseret < r.aarlig_besparelse
    # The payments from April follow the new price: lower by the difference per day.
    exp = derived.expected_payments(grants.reset_index(), "2026-04-01", "2026-10-01", 0.025)
    days = derived.expected_payments(grants.reset_index().assign(enhedspris=1.0, tillaeg=0.0),
                                     "2026-04-01", "2026-10-01", 0.0)
    paid = data.betalinger.groupby(["bevilling_id", "periode"])["beloeb"].sum()
    key = pd.MultiIndex.from_frame(exp[["bevilling_id", "periode"]])
    gap = exp["forventet"].to_numpy() - paid.reindex(key).to_numpy()
    assert np.median(gap - delta * days["forventet"].to_numpy()) == pytest.approx(0, abs=0.01)
    # Under the payment rule's 15 % (noise aside: the median month of each grant).
    ratio = pd.Series(gap / exp["forventet"].to_numpy()).groupby(exp["bevilling_id"]).median()
    assert ((ratio > 0.03) & (ratio < 0.15)).all()


def test_price_list_with_a_known_ranking(data, planted):
    r = planted.prisliste
    p = data.prislister[data.prislister["ydelse"] == r.ydelse]
    hourly = p[p["enhed"] == "time"]

    def ranking(on):
        valid = hourly[hourly["gyldig_fra"] <= on].sort_values("gyldig_fra")
        latest = valid.groupby("leverandoer_id")["enhedspris"].last()
        return latest.sort_values(kind="stable")

    now = ranking(pd.Timestamp("2030-01-01"))
    assert tuple(now.index) == r.leverandoerer
    assert sorted(now) == [520, 585, 600, 610, 640, 700]
    assert r.aarlig_udgift == pytest.approx(tuple(now * 6 * DAYS_PER_WEEK_YEAR))
    assert r.aarlig_udgift[0] == pytest.approx(162_797.14, abs=0.01)  # 520 × 6 × 52,18
    before = ranking(r.ny_pris_fra - pd.Timedelta(days=1))
    assert tuple(before.index) == r.foer_ny_pris != r.leverandoerer
    assert sorted(before) == [520, 560, 585, 610, 640, 700]
    monthly = p[p["enhed"] == "maaned"]
    assert tuple(monthly["leverandoer_id"]) == (r.anden_enhed,)
    assert p["indhold"].notna().all() and data.prislister["ydelse"].nunique() >= 3


def test_scales_and_stays_deterministic():
    from socialanalyse.data.synthetic import generate

    big = generate(indbyggere=45_000, seed=1).planted.families["indkoeb"]
    again = generate(indbyggere=45_000, seed=1).planted.families["indkoeb"]
    assert big == again
    assert len(big.udloeber) == 3 and len(big.genforhandling_overskredet) == 2
    assert len(big.genforhandling.bevillinger) >= 3
    tiny = generate(indbyggere=2_000, seed=1).planted.families["indkoeb"]
    assert tiny.udloeber and tiny.prisliste.leverandoerer
