"""The synthetic municipality: determinism, validity, calibration, every planted signal under
its definition (computed here independently of the generator), and the Danish export format
with a round trip through the real loader."""

from __future__ import annotations

import codecs
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialanalyse.data import derived, load, synthetic
from socialanalyse.data.contract import INDKOEB_TABLES, TABLES
from socialanalyse.data.tables import Data
from socialanalyse.reference import paragraffer

ROOT = Path(__file__).resolve().parents[1]
REF = pd.Timestamp("2026-10-31")
SMALL = 15_000
PRISINDEKS = 0.025


@pytest.fixture(scope="module")
def sample() -> synthetic.Sample:
    return synthetic.generate("eksempelkommune", SMALL, 1)


@pytest.fixture(scope="module")
def data(sample) -> Data:
    return Data.from_tables(sample.tables)


@pytest.fixture(scope="module")
def medium() -> synthetic.Sample:
    """The default size (45,000) for calibration figures that need a few more citizens."""
    return synthetic.generate("eksempelkommune", 45_000, 1)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """A project folder with the parameters and the small sample written as extracts."""
    root = tmp_path_factory.mktemp("projekt")
    shutil.copytree(ROOT / "parameters", root / "parameters")
    synthetic.write_sample("eksempelkommune", SMALL, 1, root / "data" / "eksempelkommune")
    return root


# --- determinism and validity ---------------------------------------------------------------


def test_same_seed_same_tables_different_seed_different(sample):
    again = synthetic.generate("eksempelkommune", SMALL, 1)
    for name in sample.tables:
        pd.testing.assert_frame_equal(sample.tables[name], again.tables[name])
    assert again.planted == sample.planted
    other = synthetic.generate("eksempelkommune", SMALL, 2)
    assert not other.tables["bevillinger"].equals(sample.tables["bevillinger"])
    assert other.planted.overdue_followups != sample.planted.overdue_followups


def test_write_sample_is_byte_for_byte_reproducible(written, tmp_path):
    synthetic.write_sample("eksempelkommune", SMALL, 1, tmp_path / "igen")
    first = sorted(p.name for p in (written / "data" / "eksempelkommune").iterdir())
    assert first == sorted(p.name for p in (tmp_path / "igen").iterdir())
    for name in first:
        a = (written / "data" / "eksempelkommune" / name).read_bytes()
        assert a == (tmp_path / "igen" / name).read_bytes(), name
    synthetic.write_sample("eksempelkommune", SMALL, 2, tmp_path / "andet")
    assert (tmp_path / "andet" / "bevillinger.csv").read_bytes() != (
        tmp_path / "igen" / "bevillinger.csv").read_bytes()


def test_tables_validate_and_are_sorted(sample, data):
    # Every canonical table, the indkoeb workbook's optional ones too.
    assert set(sample.tables) == set(TABLES) and set(INDKOEB_TABLES) <= set(TABLES)
    for name, df in sample.tables.items():
        assert len(df) > 0, name
        assert df.index.equals(pd.RangeIndex(len(df))), name
        # Already canonical: validation changes nothing (columns, order, dtypes, values).
        pd.testing.assert_frame_equal(df, getattr(data, name), obj=name)
    assert data.bevillinger["bevilling_id"].is_monotonic_increasing
    assert data.borgere["borger_id"].is_unique
    assert data.betalinger["periode"].min() == pd.Timestamp("2021-11-01")
    assert data.betalinger["periode"].max() + pd.offsets.MonthEnd(0) == REF


def test_files_do_not_depend_on_the_hash_seed(tmp_path):
    # Set iteration order and hash() vary with PYTHONHASHSEED; the files must not.
    import os
    import subprocess
    import sys

    digests = []
    for hash_seed in ("0", "4711"):
        out = tmp_path / hash_seed
        code = ("import sys; from socialanalyse.data import synthetic; "
                "synthetic.write_sample('eksempelkommune', 4000, 3, sys.argv[1])")
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
        digests.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert digests[0] == digests[1]


def test_size_is_checked():
    with pytest.raises(ValueError, match="indbyggere"):
        synthetic.generate("eksempelkommune", 500, 1)


def test_a_registered_family_adds_its_record_and_changes_nothing_else(sample, monkeypatch):
    # A later family (as the package docstring describes it): its own stream and its own
    # planted record. Registered first or last, the other tables and signals stay the same.
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Toy:
        chosen: tuple[str, ...]

    def toy(w):
        pick = w.rng("toy").integers(0, 1000, 2)
        w.plant_family("toy", Toy(tuple(map(str, pick))), {"chosen": "Legetøj."})

    for steps in ((toy, *synthetic.STEPS), (*synthetic.STEPS, toy)):
        monkeypatch.setattr(synthetic, "STEPS", steps)
        again = synthetic.generate("eksempelkommune", SMALL, 1)
        for name in sample.tables:
            pd.testing.assert_frame_equal(sample.tables[name], again.tables[name])
        assert isinstance(again.planted.families["toy"], Toy)
        assert again.planted.notes["chosen"] == "Legetøj."
        rest = {f: getattr(again.planted, f) for f in sample.planted.__dataclass_fields__
                if f not in ("families", "notes")}
        assert rest == {f: getattr(sample.planted, f) for f in rest}
        assert {k: v for k, v in again.planted.families.items() if k != "toy"} == dict(
            sample.planted.families)
    # the registered families' records
    assert set(sample.planted.families) == {"indkoeb", "kapacitet", "opfoelgning"}


def test_working_frames_hold_every_row_of_the_tables():
    """A family that adds citizens, grants, providers or offers adds them to the working
    frames too (w.cit, w.g, w.prov, w.tilbud), so later steps (indkøb's contracts) see them:
    checked after every step once the ids exist."""
    w = synthetic.World("eksempelkommune", SMALL, 1)
    pairs = (("cit", "borgere", "borger_id"), ("g", "bevillinger", "bevilling_id"),
             ("prov", "leverandoerer", "leverandoer_id"), ("tilbud", "tilbud", "tilbud_id"))
    checked = set()
    for step in synthetic.STEPS:
        step(w)
        for frame, table, key in pairs:
            if table in w.tables and key in getattr(w, frame):
                ids = getattr(w, frame)[key]
                assert sorted(ids) == sorted(w.tables[table][key]), (step.__qualname__, table)
                checked.add(table)
    assert checked == {"borgere", "bevillinger", "leverandoerer", "tilbud"}
    g = w.g  # positions agree with the ids
    assert (g["borger_id"].to_numpy() == w.cit["borger_id"].to_numpy()[g["cit"]]).all()
    assert (g["leverandoer_id"].to_numpy() == w.prov["leverandoer_id"].to_numpy()[g["prov"]]
            ).all()


# --- calibration ----------------------------------------------------------------------------


def _per_10000(s: synthetic.Sample) -> tuple[pd.Series, int, int]:
    b = s.tables["bevillinger"]
    pop = s.tables["befolkning"]
    cur = pop[pop["aar"] == 2026].set_index("aldersgruppe")["antal"]
    adults, children = int(cur.drop("0-17").sum()), int(cur["0-17"])
    active = b[derived.is_active(b, REF)].groupby("paragraf")["borger_id"].nunique()
    return active, adults, children


def test_citizens_per_10000_adults_match_facts(medium):
    active, adults, children = _per_10000(medium)
    rate = active / adults * 10_000
    # FACTS.md (derived): §107 18, §108 12, §85 in own home 98, §105+§85 31 per 10,000 adults.
    # §107 up to 30: kapacitet's full own §107 offer and opfølgning's 24 planted §107 cases are
    # fixed numbers, a larger share of a small sample.
    for paragraf, lo, hi in (("§107", 11, 30), ("§108", 7, 18), ("§85", 70, 130),
                             ("§105+§85", 20, 42)):
        assert lo <= rate[paragraf] <= hi, (paragraf, rate[paragraf])
    for paragraf in ("§104", "§103", "§97", "§110", "§82b", "§96"):
        assert 0 < rate[paragraf] < 40, paragraf
    child_rate = active / children * 10_000
    for paragraf in ("BL §32", "BL §46", "BL §87"):
        assert 5 < child_rate[paragraf] < 300, paragraf


def test_prices_and_volumes_are_realistic(medium):
    b = medium.tables["bevillinger"]
    regulated = b["enhedspris"] * (1 + PRISINDEKS) ** (2026 - b["startdato"].dt.year)
    bo = regulated[b["paragraf"].isin(["§107", "§108"])]
    # Daily rates from about 2,300 to 7,000 kr (FACTS.md: Hadruplund, Mariehjem).
    assert 2_000 <= bo.quantile(0.02) and bo.quantile(0.98) <= 7_500
    assert 2_300 <= bo.median() <= 3_500
    s85 = b[b["paragraf"] == "§85"]
    hourly = regulated[s85.index]
    assert 520 <= hourly.median() <= 680  # about 600 kr an hour
    # Apart from the grants planted outside the serviceniveau (17 and 4 hours a week).
    outside = dict(medium.planted.families["opfoelgning"].uden_for_serviceniveau)
    assert s85.loc[~s85["bevilling_id"].isin(outside), "omfang"].between(2, 15).all()
    assert set(s85.loc[s85["bevilling_id"].isin(outside), "omfang"]) == {4.0, 17.0}
    cost = derived.annual_cost(b)
    assert (cost > 2_000_000).sum() >= 5  # a tail of cases above 2 mio. kr a year


def test_private_share_of_spending(medium):
    pay = medium.tables["betalinger"]
    lev = medium.tables["leverandoerer"].set_index("leverandoer_id")["leverandoertype"]
    share = pay.groupby(pay["leverandoer_id"].map(lev))["beloeb"].sum() / pay["beloeb"].sum()
    assert 0.25 <= share["privat"] <= 0.40  # about a third (seed 000)
    assert share["egen drift"] > 0.3


def test_population_sums_to_inhabitants(sample):
    pop = sample.tables["befolkning"]
    assert sorted(pop["aar"].unique()) == list(range(2021, 2027))
    assert set(pop["aldersgruppe"]) == {"0-17", "18-24", "25-64", "65+"}
    assert (pop.groupby("aar")["antal"].sum() == SMALL).all()


def test_own_offers_have_capacity_and_providers_are_mixed(sample):
    lev, tilbud, b = (sample.tables[n] for n in ("leverandoerer", "tilbud", "bevillinger"))
    assert set(lev["leverandoertype"]) == {"egen drift", "privat", "anden kommune", "region",
                                           "selvejende"}
    own = set(lev.loc[lev["leverandoertype"] == "egen drift", "leverandoer_id"])
    assert set(tilbud["leverandoer_id"]) <= own
    # Grants in an own offer carry its tilbud_id; external ones have none.
    assert b.loc[b["leverandoer_id"].isin(own), "tilbud_id"].notna().all()
    assert b.loc[~b["leverandoer_id"].isin(own), "tilbud_id"].isna().all()
    occupied = b[derived.is_active(b, REF)].groupby("tilbud_id").size()
    places = tilbud.set_index("tilbud_id")["pladser"]
    assert (places.reindex(occupied.index) >= occupied).all()


def test_grants_start_and_end_over_the_period(sample):
    b = sample.tables["bevillinger"]
    in_window = b["startdato"].between("2021-11-01", REF)
    assert in_window.mean() > 0.3
    assert b["slutdato"].between("2021-11-01", REF).mean() > 0.3
    s107 = b[b["paragraf"] == "§107"]
    planned = (s107["forventet_slutdato"] - s107["startdato"]).dt.days / 365.25
    assert planned.between(0.99, 3.01).all()  # time-limited 1-3 years
    past = s107["slutdato"].isna() & (s107["forventet_slutdato"] < REF)
    assert past.sum() >= 3  # some run past it


def test_assessments_every_6_to_18_months_on_six_themes(sample):
    v = sample.tables["vurderinger"]
    per = v.groupby(["borger_id", "dato"])["tema"].agg(["size", "nunique"])
    assert (per["size"] == 6).all() and (per["nunique"] == 6).all()
    adults = v[v["metode"] == "VUM2"]
    assert set(adults["tema"]) == {"Relationer", "Kommunikation", "Mobilitet", "Egenomsorg",
                                   "Samfundsliv", "Praktiske opgaver"}
    dates = per.reset_index()
    gaps = dates.groupby("borger_id")["dato"].diff().dt.days.dropna()
    assert gaps.between(183, 548).all()


def test_goals_and_followups_have_types_and_statuses(sample):
    m, f = sample.tables["maal"], sample.tables["opfoelgninger"]
    assert set(m["maaltype"]) == {"Udvikle", "Fastholde", "Begrænse tab"}
    assert set(m["status"]) == {"igangværende", "opnået", "delvist opnået", "ikke opnået"}
    assert (m.loc[m["status"] == "igangværende", "frist"] > REF).all()
    assert set(f["type"]) == {"opfølgning", "revisitation", "genforhandling"}


# --- planted signals, each computed here under its definition -------------------------------


def _levels_at_start(data: Data, b: pd.DataFrame) -> pd.Series:
    return derived.level_at(data.vurderinger, b["borger_id"], b["startdato"])


def test_overpriced_providers(data, sample):
    """≥25 % above the median of other providers' grants with the same paragraf and need level
    (prices regulated to 2026, at least 3 comparable grants)."""
    b = data.bevillinger.copy()
    b["niveau"] = np.rint(_levels_at_start(data, b)).clip(0, 4)
    b["pris"] = b["enhedspris"] * (1 + PRISINDEKS) ** (2026 - b["startdato"].dt.year)
    ratios = []
    for (par, niv), grp in b.dropna(subset=["niveau"]).groupby(["paragraf", "niveau"]):
        for lev, own in grp.groupby("leverandoer_id"):
            peers = grp.loc[grp["leverandoer_id"] != lev, "pris"]
            if len(peers) >= 3:
                ratios.append(pd.DataFrame({"lev": lev, "r": own["pris"] / peers.median()}))
    r = pd.concat(ratios).groupby("lev")["r"].median()
    found = tuple(sorted(r.index[r >= 1.25]))
    planted = sample.planted
    assert found == planted.overpriced_providers
    assert 2 <= len(found) <= 3
    assert planted.overpriced_grants == tuple(sorted(
        b.loc[b["leverandoer_id"].isin(found), "bevilling_id"]))


def test_overdue_followups(data, sample):
    """Active grants with no follow-up within 6 (§107) / 12 months from the last one or start."""
    b = data.bevillinger[derived.is_active(data.bevillinger, REF)]
    f = data.opfoelgninger[data.opfoelgninger["dato"] <= REF]
    last = f.groupby("bevilling_id")["dato"].max().reindex(b["bevilling_id"]).to_numpy()
    since = pd.Series(last, index=b.index).fillna(b["startdato"])
    months = np.where(b["paragraf"] == "§107", 6, 12)
    due = pd.Series([d + pd.DateOffset(months=int(m)) for d, m in zip(since, months)],
                    index=b.index)
    found = tuple(sorted(b.loc[due < REF, "bevilling_id"]))
    assert found == sample.planted.overdue_followups
    assert 0.02 <= len(found) / len(b) <= 0.05  # ~3 %: the rest are on time


def test_improved_past_end(data, sample):
    """Active §107 past forventet_slutdato whose mean level fell ≥1 since the start."""
    b = data.bevillinger
    past = b[(b["paragraf"] == "§107") & derived.is_active(b, REF)
             & (b["forventet_slutdato"] < REF)]
    before = _levels_at_start(data, past)
    now = derived.level_at(data.vurderinger, past["borger_id"],
                           pd.Series(REF, index=past.index))
    found = tuple(sorted(past.loc[(before - now) >= 1, "bevilling_id"]))
    assert found == sample.planted.improved_past_end
    assert 0.2 <= len(found) / len(past) <= 0.45  # about a third (Helsingør)


def _rci(v: pd.DataFrame, reliability: float = 0.8) -> pd.Series:
    """Reliable Change Index of the mean level, first vs latest assessment (Jacobson & Truax:
    SE = s1·sqrt(1−r), S_diff = sqrt(2)·SE)."""
    mean = v.groupby(["borger_id", "dato"])["niveau"].mean().reset_index()
    first = mean.groupby("borger_id")["niveau"].first()
    last = mean.groupby("borger_id")["niveau"].last()
    n = mean.groupby("borger_id").size()
    s_diff = np.sqrt(2) * first.std() * np.sqrt(1 - reliability)
    return ((last - first) / s_diff)[n >= 2]


def test_progressing_citizens(data, sample):
    rc = _rci(data.vurderinger)
    reliable = set(rc.index[rc < -1.96])
    planted = set(sample.planted.progressing_citizens)
    # The follow-up family's history: citizens from level 4 who progressed 1.5 levels.
    history = set(sample.planted.families["opfoelgning"].progredierede_borgere)
    assert planted | history <= reliable
    assert len(reliable - planted - history) <= 0.05 * len(planted)  # few by chance
    assert len(planted) >= 0.04 * data.borgere.shape[0]
    # Citizens improved past end are among the progressing ones.
    b = data.bevillinger.set_index("bevilling_id")
    assert set(b.loc[list(sample.planted.improved_past_end), "borger_id"]) <= planted


def test_payments_after_end(data, sample):
    p = data.betalinger.merge(data.bevillinger[["bevilling_id", "slutdato"]], on="bevilling_id")
    after = p["periode"] > p["slutdato"].dt.to_period("M").dt.to_timestamp()
    found = tuple(sorted(p.loc[after, "bevilling_id"].unique()))
    assert found == sample.planted.payments_after_end
    assert 3 <= len(found) <= 8


def _monthly_vs_expected(data: Data) -> pd.DataFrame:
    exp = derived.expected_payments(data.bevillinger, "2021-11-01", "2026-10-01", PRISINDEKS)
    paid = data.betalinger.groupby(["bevilling_id", "periode"], as_index=False)["beloeb"].sum()
    m = exp.merge(paid, on=["bevilling_id", "periode"], how="outer").fillna(
        {"forventet": 0.0, "beloeb": 0.0})
    return m


def test_payments_differ(data, sample):
    """≥3 months with payments ≥15 % away from derived.expected_payments."""
    m = _monthly_vs_expected(data)
    off = (m["beloeb"] - m["forventet"]).abs() >= 0.15 * m["forventet"].abs()
    months = off.groupby(m["bevilling_id"]).sum()
    found = tuple(sorted(months.index[months >= 3]))
    assert found == sample.planted.payments_differ
    assert 3 <= len(found) <= 8
    # Noise: other grants do deviate, but in fewer months or by less.
    assert ((months >= 1) & (months < 3)).sum() >= 5
    small = ((m["beloeb"] - m["forventet"]).abs() > 0.01) & ~off
    assert small.sum() >= 50


def test_payments_follow_expected_elsewhere(data, sample):
    m = _monthly_vs_expected(data)
    flagged = set(sample.planted.payments_differ) | set(sample.planted.payments_after_end)
    flagged |= set(data.bevillinger.loc[data.bevillinger["leverandoer_id"].isin(
        sample.planted.price_rise_providers + sample.planted.renegotiated_providers),
        "bevilling_id"])
    # The indkoeb family's renegotiated framework price: paid below the grant from April 2026.
    reneg = sample.planted.families["indkoeb"].genforhandling
    flagged |= set(data.bevillinger.loc[
        (data.bevillinger["leverandoer_id"] == reneg.leverandoer_id)
        & (data.bevillinger["paragraf"] == reneg.paragraf), "bevilling_id"])
    rest = m[~m["bevilling_id"].isin(flagged)]
    exact = (rest["beloeb"] - rest["forventet"]).abs() <= 0.01
    assert exact.mean() > 0.9


def test_overlapping_grants(data, sample):
    """Two active grants of one kategori for one citizen from two afdelinger, overlapping."""
    kat = paragraffer().set_index("paragraf")["kategori"]
    b = data.bevillinger[derived.is_active(data.bevillinger, REF)].copy()
    b["kategori"] = b["paragraf"].map(kat)
    pairs = b.merge(b, on=["borger_id", "kategori"])
    pairs = pairs[(pairs["bevilling_id_x"] < pairs["bevilling_id_y"])
                  & (pairs["afdeling_x"] != pairs["afdeling_y"])]
    found = tuple(sorted(zip(pairs["borger_id"], pairs["bevilling_id_x"],
                             pairs["bevilling_id_y"])))
    assert found == sample.planted.overlapping
    assert 3 <= len(found) <= 6


def _yearly_rise(data: Data, respect_renegotiation: bool) -> pd.DataFrame:
    """Per provider and year: median over its grants of the rise in mean payment per full
    month from the year before (grants with ≥3 full months in both years)."""
    b = data.bevillinger
    p = data.betalinger.groupby(["bevilling_id", "periode"], as_index=False)["beloeb"].sum()
    p = p.merge(b[["bevilling_id", "leverandoer_id", "startdato", "slutdato"]],
                on="bevilling_id")
    month_end = p["periode"] + pd.offsets.MonthEnd(0)
    full = (p["startdato"] <= p["periode"]) & (p["slutdato"].isna()
                                               | (p["slutdato"] >= month_end))
    p = p[full].assign(aar=p["periode"].dt.year)
    if respect_renegotiation:
        f = data.opfoelgninger
        p = p[~p["bevilling_id"].isin(f.loc[f["type"] == "genforhandling", "bevilling_id"])]
    per = p.groupby(["leverandoer_id", "bevilling_id", "aar"])["beloeb"].agg(["mean", "size"])
    per = per[per["size"] >= 3]["mean"].unstack("aar")
    rise = per.div(per.shift(axis=1)) - 1
    return rise.groupby(level="leverandoer_id").median()


def test_price_rise_providers(data, sample):
    rise = _yearly_rise(data, respect_renegotiation=True)
    hit = rise >= PRISINDEKS + 0.08
    found = tuple(sorted(hit.index[hit.any(axis=1)]))
    assert found == sample.planted.price_rise_providers
    assert hit.loc[list(found), sample.planted.price_rise_year].all()
    assert 1 <= len(found) <= 2
    # The decoy rose as much but after a genforhandling: found only when that is ignored.
    naive = _yearly_rise(data, respect_renegotiation=False) >= PRISINDEKS + 0.08
    decoys = sample.planted.renegotiated_providers
    assert decoys and naive.loc[list(decoys)].any(axis=1).all()
    f = data.opfoelgninger
    grants = set(data.bevillinger.loc[data.bevillinger["leverandoer_id"].isin(found),
                                      "bevilling_id"])
    assert not grants & set(f.loc[f["type"] == "genforhandling", "bevilling_id"])
    paid = data.betalinger[data.betalinger["bevilling_id"].isin(grants)]
    years = paid.groupby("bevilling_id")["periode"].agg(lambda d: set(d.dt.year))
    both = tuple(sorted(years.index[years.map(lambda y: {2025, 2026} <= y)]))
    assert sample.planted.price_rise_grants == both


def test_expensive_grants(data, sample):
    found = tuple(sorted(data.bevillinger.loc[derived.annual_cost(data.bevillinger) > 1e6,
                                              "bevilling_id"]))
    assert found == sample.planted.expensive_grants
    assert 0.02 <= len(found) / len(data.bevillinger) <= 0.2


def test_no_standard_contract(data, sample):
    lev = data.leverandoerer
    found = tuple(sorted(lev.loc[(lev["leverandoertype"] != "egen drift")
                                 & ~lev["standardkontrakt"], "leverandoer_id"]))
    assert found == sample.planted.no_standard_contract
    assert 2 <= len(found) <= 4


def test_intervention_effect(data, sample):
    """Difference in differences on Egenomsorg, groups by the progression module's rule."""
    iv = sample.planted.intervention
    b = data.bevillinger
    on = (b["paragraf"] == iv.paragraf) & (b["slutdato"].isna() | (b["slutdato"] >= iv.start))
    at = on & (b["tilbud_id"] == iv.tilbud_id)
    anchor_t = b[at].groupby("borger_id")["startdato"].min().clip(lower=iv.start)
    rest = b[on & ~at & ~b["borger_id"].isin(anchor_t.index)]
    anchor_c = rest.groupby("borger_id")["startdato"].min().clip(lower=iv.start)
    v = data.vurderinger[data.vurderinger["tema"] == iv.tema]
    means = {}
    for name, anchor in (("t", anchor_t), ("c", anchor_c)):
        x = v[v["borger_id"].isin(anchor.index)]
        x = x.assign(anker=x["borger_id"].map(anchor))
        pre = x[x["dato"] <= x["anker"]].groupby("borger_id")["niveau"].last()
        post = x[x["dato"] > x["anker"]].groupby("borger_id")["niveau"].last()
        both = pre.index.intersection(post.index)
        means[name] = (post[both] - pre[both]).mean()
        assert tuple(sorted(both)) == (iv.behandlede if name == "t" else iv.sammenligning)
    did = means["t"] - means["c"]
    assert did == pytest.approx(iv.effekt, abs=0.3)
    assert iv.effekt == -0.6 and iv.tema == "Egenomsorg"
    assert len(iv.sammenligning) > 2 * len(iv.behandlede)
    # Placebo: no effect on another theme.
    v = data.vurderinger[data.vurderinger["tema"] == "Mobilitet"]
    assert abs(v[v["borger_id"].isin(iv.behandlede)]["niveau"].mean()
               - v[v["borger_id"].isin(iv.sammenligning)]["niveau"].mean()) < 0.4


def test_intervention_size_at_45000(medium):
    iv = medium.planted.intervention
    assert 40 <= len(iv.behandlede) <= 80
    assert medium.tables["tilbud"].set_index("tilbud_id").at[iv.tilbud_id, "leverandoer_id"] \
        == iv.leverandoer_id


def _budget_vs_actual(data: Data, year: int) -> pd.DataFrame:
    """Budget lines with actual full-year persons and cost per person (2026: Jan-Oct payments
    extrapolated to the year)."""
    b = data.bevillinger
    par = b.set_index("bevilling_id")["paragraf"]
    pay = data.betalinger[data.betalinger["periode"].dt.year == year]
    months = pay["periode"].dt.month.nunique()
    spent = pay.groupby(pay["bevilling_id"].map(par))["beloeb"].sum() * 12 / months
    hp = derived.helaarspersoner(b, year).groupby(b["paragraf"]).sum()
    bud = data.budget[data.budget["aar"] == year].set_index("paragraf")
    bud["hp"] = hp.reindex(bud.index)
    bud["enhed"] = spent.reindex(bud.index) / bud["hp"]
    bud["maengde"] = (bud["hp"] - bud["forudsat_antal"]) / bud["forudsat_antal"]
    bud["pris"] = (bud["enhed"] - bud["forudsat_enhedspris"]) / bud["forudsat_enhedspris"]
    return bud


def test_budget_overruns_2026(data, sample):
    bud = _budget_vs_actual(data, 2026)
    q_year, q_par = sample.planted.budget_overrun_quantity
    p_year, p_par = sample.planted.budget_overrun_price
    assert q_year == p_year == 2026
    assert bud.at[q_par, "maengde"] >= 0.10 and abs(bud.at[q_par, "pris"]) < 0.05
    assert bud.at[p_par, "pris"] >= 0.10 and abs(bud.at[p_par, "maengde"]) < 0.05
    others = bud.drop([q_par, p_par])
    big = others[others["hp"] >= 5]  # tiny lines are noisy
    assert (big["maengde"].abs() < 0.06).all() and (big["pris"].abs() < 0.08).all()
    assert (bud["beloeb"] - bud["forudsat_antal"] * bud["forudsat_enhedspris"]).abs().max() \
        <= 500


def test_budget_is_realistic_before_2026(data):
    assert sorted(data.budget["aar"].unique()) == [2022, 2023, 2024, 2025, 2026]
    for year in (2022, 2023, 2024, 2025):
        bud = _budget_vs_actual(data, year)
        total = (bud["hp"] * bud["enhed"]).sum()
        assert bud["beloeb"].sum() == pytest.approx(total, rel=0.04)


def test_planted_notes_describe_every_signal(sample):
    fields = set(sample.planted.__dataclass_fields__) - {"notes", "families", "price_rise_year",
                                                         "overpriced_grants",
                                                         "price_rise_grants"}
    assert fields <= set(sample.planted.notes)


# --- the Danish export format ---------------------------------------------------------------


def test_files_use_danish_quirks(written):
    folder = written / "data" / "eksempelkommune"
    names = {p.name for p in folder.iterdir()}
    assert {"leverandoerer.xlsx", "budget.xlsx", "bevillinger.csv", "betalinger.csv"} <= names
    bev = (folder / "bevillinger.csv").read_bytes()
    assert not bev.startswith(codecs.BOM_UTF8)
    bev.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        bev.decode("utf-8")  # æøå and § in Windows-1252
    head = bev.split(b"\r\n")[0].decode("cp1252")
    assert head.split(";")[:3] == ["Bevillings-ID", "Borger-ID", "Paragraf"]
    assert "Enhedspris (kr.)" in head and "Startdato" in head
    assert re.search(rb";\d{1,3}\.\d{3},\d{2};", bev)  # thousand dot and decimal comma
    assert re.search(rb";\d{2}-\d{2}-\d{4};", bev)  # 31-12-2025
    assert b"SEL \xa7 107" in bev and "Døgn".encode("cp1252") in bev
    pay = (folder / "betalinger.csv").read_bytes()
    assert pay.startswith(codecs.BOM_UTF8)
    assert re.search(rb";\d{2}\.\d{2}\.\d{4};", pay)  # 31.12.2025
    assert re.search(rb";-\d[\d.]*,\d{2};", pay)  # credit lines
    assert "Beløb (kr.)".encode() in pay
    born = (folder / "borgere.csv").read_bytes().decode("utf-8-sig")
    assert "Kvinde" in born and "Mand" in born and "Fødselsår" in born
    befolkning = (folder / "befolkning.csv").read_bytes().decode("cp1252")
    assert re.search(r";\d{1,3}\.\d{3}\r\n", befolkning) and "65+ år" in befolkning
    with zipfile.ZipFile(folder / "leverandoerer.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
        assert all(i.date_time == (2026, 11, 2, 8, 0, 0) for i in z.infolist())
    assert "2026-11-02T08:00:00Z" in core
    import openpyxl

    ws = openpyxl.load_workbook(folder / "leverandoerer.xlsx").active
    values = {c for row in ws.iter_rows(values_only=True) for c in row}
    assert {"Ja", "Nej", "Leverandør-ID", "Egen drift"} <= values


def test_yaml_mapping_matches_export_format():
    params = yaml.safe_load((ROOT / "parameters" / "kommuner" / "eksempelkommune.yaml")
                            .read_text(encoding="utf-8"))
    tabeller = params["data"]["tabeller"]
    assert set(tabeller) == set(synthetic.EXPORT)
    for name, spec in synthetic.EXPORT.items():
        t = tabeller[name]
        assert t["fil"] == spec.fil and t.get("ark") == spec.ark
        assert {k: v for k, v in spec.kolonner.items() if k != v} == t["kolonner"]
        for col, codes in spec.koder.items():
            if TABLES[name].col(col).kind == "bool":
                continue  # Ja/Nej are read as flags by the loader
            inverse = {code: canon for canon, code in codes.items() if code != canon}
            assert t.get("koder", {}).get(col, {}) == inverse, (name, col)


def test_round_trip_through_the_loader(written, sample):
    loaded = load("eksempelkommune", root=written)
    expected = Data.from_tables(sample.tables)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(expected, name),
                                      obj=name)


def test_cli_sample_writes_the_files(tmp_path):
    from socialanalyse.cli import main

    out = tmp_path / "ud"
    assert main(["sample", "--indbyggere", "3000", "--seed", "4", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {s.fil for s in synthetic.EXPORT.values()}
