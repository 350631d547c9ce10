"""Servicetjek on the synthetic municipality: every planted signal that belongs to a rule is
found (recall ≥ 95 % per rule), and the precision per rule is printed (pytest -s) and checked
where the planted list is the whole truth.

What counts as a true flag, per rule (see Planted in data/synthetic/planted.py):
- pris_over_sammenlignelige: active grants of the overpriced providers (only active grants are
  screened);
- opfoelgning_overskredet, betaling_efter_slut, betaling_afviger, dobbelt_kompensation: the
  planted grants;
- forbedret_funktion: the planted §107 grants past their end with improved citizens, and the
  active grants of the citizens who progressed reliably (they improved too);
- midlertidig_overskredet: recall against the improved §107 grants past their end; the rule
  flags every active grant past its expected end, of which about a third improved (Helsingør),
  so its "precision" against that list is printed, not checked;
- prisstigning: recall against the planted grants (active on 1.1.2025 and 1.1.2026); every
  grant of the rising providers counts as true;
- dyr_sag: active planted grants. The planted list uses the granted price, the rule today's
  (regulated) price, so grants that crossed 1 mio. kr by indexation are flagged too;
- uden_standardkontrakt: active grants of the providers without a standard contract;
- ingen_progression: recall against the follow-up family's development cases without progression
  after 12 months (synthetic citizens rarely progress, so other cases are flagged too).
"""

from __future__ import annotations

import pandas as pd
import pytest

from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.servicetjek import (
    antal_pr_regel,
    prioritize,
    reference_date,
    screen,
    summarize,
)

MIN_RECALL = 0.95


@pytest.fixture(scope="module")
def sample():
    s = generate(indbyggere=15000, seed=1)
    return s, Data.from_tables(s.tables)


@pytest.fixture(scope="module")
def flags(sample):
    _, data = sample
    return screen(data, load_parameters("eksempelkommune"))


def truth(sample) -> dict[str, tuple[set, set]]:
    """(planted for recall, true for precision) per rule."""
    s, d = sample
    pl = s.planted
    bev = d.bevillinger
    as_of = reference_date(d)
    active = set(bev.loc[(bev["startdato"] <= as_of)
                         & (bev["slutdato"].isna() | (bev["slutdato"] >= as_of)), "bevilling_id"])

    def of(providers) -> set:
        return set(bev.loc[bev["leverandoer_id"].isin(providers), "bevilling_id"])

    progressed = set(bev.loc[bev["borger_id"].isin(pl.progressing_citizens), "bevilling_id"])
    overlap = {b for o in pl.overlapping for b in o[1:]}
    return {
        "pris_over_sammenlignelige": (set(pl.overpriced_grants) & active,) * 2,
        "opfoelgning_overskredet": (set(pl.overdue_followups),) * 2,
        "forbedret_funktion": (set(pl.improved_past_end),
                               set(pl.improved_past_end) | (progressed & active)),
        "midlertidig_overskredet": (set(pl.improved_past_end),) * 2,
        "betaling_efter_slut": (set(pl.payments_after_end),) * 2,
        "betaling_afviger": (set(pl.payments_differ),) * 2,
        "dobbelt_kompensation": (overlap, overlap),
        "prisstigning": (set(pl.price_rise_grants), of(pl.price_rise_providers)),
        "dyr_sag": (set(pl.expensive_grants) & active,) * 2,
        "uden_standardkontrakt": (of(pl.no_standard_contract) & active,) * 2,
        "ingen_progression": (set(pl.families["opfoelgning"].ingen_progression),) * 2,
    }


def scores(sample, flags) -> pd.DataFrame:
    rows = []
    for regel, (planted, true) in truth(sample).items():
        found = set(flags.loc[flags["regel"] == regel, "bevilling_id"])
        rows.append({
            "regel": regel, "plantet": len(planted), "markeret": len(found),
            "recall": len(planted & found) / len(planted) if planted else float("nan"),
            "precision": len(true & found) / len(found) if found else float("nan"),
        })
    return pd.DataFrame(rows).set_index("regel")


def test_every_rule_has_planted_signals(sample):
    for regel, (planted, _) in truth(sample).items():
        assert planted, f"the generator planted nothing for {regel}"


def test_recall_per_rule(sample, flags):
    s = scores(sample, flags)
    print("\nServicetjek på eksempelkommunen (15.000 indbyggere, seed 1):")
    print(s.to_string(float_format=lambda x: f"{x:.3f}"))
    low = s[s["recall"] < MIN_RECALL]
    assert low.empty, f"recall under {MIN_RECALL:.0%}:\n{low}"


def test_precision_where_the_planted_list_is_the_whole_truth(sample, flags):
    s = scores(sample, flags)
    exact = ["pris_over_sammenlignelige", "opfoelgning_overskredet", "forbedret_funktion",
             "betaling_efter_slut", "betaling_afviger", "dobbelt_kompensation",
             "uden_standardkontrakt"]
    assert (s.loc[exact, "precision"] >= 0.9).all(), s.loc[exact]
    # A price rise is read from payments: a grant with a planted payment error can look like one.
    assert s.loc["prisstigning", "precision"] >= 0.75
    # Indexation lifts some grants over 1 mio. kr; never the other way round.
    assert s.loc["dyr_sag", "precision"] >= 0.5


def test_summary_and_list_on_the_sample(sample, flags):
    _, d = sample
    o = summarize(flags, d)
    assert o.opgoerelsesdato == pd.Timestamp("2026-10-31")
    assert 0 < o.antal_bevillinger <= o.antal_screenede
    assert 0 < o.potentiale_lav < o.potentiale_hoej
    # The combined potential never exceeds the sum over rules (rules overlap).
    assert o.potentiale_hoej <= o.pr_regel["potentiale_hoej"].sum() + 1e-6
    counts = antal_pr_regel(flags)
    assert sum(counts.values()) == len(flags.drop_duplicates(["bevilling_id", "regel"]))
    liste = prioritize(flags)
    assert len(liste) == o.antal_bevillinger
    assert liste["forventet_gevinst"].is_monotonic_decreasing


def test_reasons_read_as_danish_sentences(flags):
    text = flags["begrundelse"]
    assert text.str.len().min() > 30
    assert text.str.endswith(".").all()
    for bad in ("kr..", "nan", "None", "NaT", "<NA>"):
        assert not text.str.contains(bad, regex=False).any(), bad
    assert flags["regel_navn"].notna().all()
