"""indkoeb.negotiation_list and price_quality on a hand-made peer group; the low end of the
potential is the servicetjek rule pris_over_sammenlignelige's gap (one definition)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from indkoeb_cases import (
    AS_OF,
    assessment,
    contract,
    grant,
    inspection,
    make,
    monthly,
    params,
    payments,
    validated,
    with_tables,
)

from socialanalyse.config import IndkoebParametre
from socialanalyse.data.tables import empty_table
from socialanalyse.indkoeb import (
    KVADRANTER,
    latest_scores,
    negotiation_list,
    peer_comparison,
    price_quality,
    quadrant,
)
from socialanalyse.servicetjek import screen

DAYS = 365.25  # a daily rate × 7 days a week costs rate × 365.25 a year


def peer_data():
    """§107 at need level 3 for everyone, prices unregulated (prisindeks 0): L1 (own) 2,000;
    L2 2,000 and 2,000; L3 2,000; L4 2,600 (30 % above its peers' median 2,000) and 2,200;
    L5 2,100. Payments run to October 2026."""
    prices = {"n1": ("L1", 2000), "n2": ("L2", 2000), "n3": ("L2", 2000), "n4": ("L3", 2000),
              "n5": ("L4", 2600), "n6": ("L4", 2200), "n7": ("L5", 2100)}
    grants = [grant(g, f"b{g}", "§107", lev, start="2025-01-01", pris=p)
              for g, (lev, p) in prices.items()]
    vur = [r for g in prices for r in assessment(f"b{g}", "2024-12-01", 3, 3, 3, 3, 3, 3)]
    pay = [r for g, (lev, p) in prices.items()
           for r in payments(g, lev, monthly("2025-01", "2026-10", p * 30))]
    return make(grants, vur, betalinger=pay)


def with_params(**indkoeb):
    p = params()
    return p.model_copy(update={"indkoeb": IndkoebParametre.model_validate(
        {**p.indkoeb.model_dump(), **indkoeb})})


def test_peer_comparison_uses_the_servicetjek_peers():
    c = peer_comparison(peer_data(), params(), AS_OF).set_index("bevilling_id")
    assert c.loc["n5", "median"] == 2000 and c.loc["n5", "antal_sammenlignelige"] == 5
    assert c.loc["n5", "andre_leverandoerer"] == 4
    assert c.loc["n5", "gab"] == pytest.approx(600 * DAYS)
    assert bool(c.loc["n5", "over_graense"]) and not bool(c.loc["n6", "over_graense"])
    assert c.loc["n7", "gab"] == pytest.approx(100 * DAYS)


def test_negotiation_list_ranks_external_providers_by_potential():
    r = negotiation_list(peer_data(), params(), AS_OF)
    assert r.tilgaengelig
    lst = r.liste.set_index("leverandoer_id")
    assert list(r.liste["leverandoer_id"]) == ["L4", "L5"]  # L1 is own provision; L2/L3 cheap
    assert list(r.liste["prioritet"]) == [1, 2]
    l4 = lst.loc["L4"]
    # n5: (2,600 - 2,000) × 365.25 = 219,150 kr (above the 25 % threshold); n6: 200 × 365.25.
    assert l4["potentiale_lav"] == pytest.approx(600 * DAYS)
    assert l4["potentiale_hoej"] == pytest.approx(800 * DAYS)
    assert l4["forventet"] == pytest.approx(700 * DAYS)
    assert l4["prisindeks"] == pytest.approx(4800 / 4000)
    assert (l4["antal_bevillinger"], l4["antal_borgere"], l4["antal_over_median"],
            l4["antal_over_graense"]) == (2, 2, 2, 1)
    assert l4["aarlig_udgift"] == pytest.approx(4800 * DAYS)
    assert l4["evidens"] == (
        "2 af 2 sammenlignede bevillinger koster mere end medianen, 1 mindst 25 % mere. "
        "Størst forskel: §107 på funktionsniveau 3, døgnpris 2.400 kr. mod medianen 2.000 kr. "
        "(5 bevillinger hos 4 andre leverandører).")
    assert lst.loc["L5", "potentiale_lav"] == 0 and lst.loc["L5", "potentiale_hoej"] == \
        pytest.approx(100 * DAYS)
    assert r.potentiale_hoej == pytest.approx(900 * DAYS)
    assert list(r.bevillinger["bevilling_id"]) == ["n5", "n6", "n7"]  # largest gap first
    assert any("kontrakter mangler" in n for n in r.noter)


def test_low_end_is_the_servicetjek_rule_s_gap():
    d, p = peer_data(), params()
    flags = screen(d, p, as_of=AS_OF)
    rule = flags[flags["regel"] == "pris_over_sammenlignelige"]
    by_provider = rule.groupby("leverandoer_id")["bruttogab"].sum()
    lst = negotiation_list(d, p, AS_OF).liste.set_index("leverandoer_id")
    assert by_provider.to_dict() == pytest.approx({"L4": 600 * DAYS})
    assert lst["potentiale_lav"][lst["potentiale_lav"] > 0].to_dict() == pytest.approx(
        by_provider.to_dict())


def test_too_few_other_providers_means_no_comparison():
    r = negotiation_list(peer_data(), with_params(min_andre_leverandoerer=5), AS_OF)
    assert r.tilgaengelig and r.liste.empty
    assert any("Ingen eksterne leverandører" in n for n in r.noter)


def test_next_renegotiation_from_the_contracts():
    d = with_tables(peer_data(), kontrakter=[
        contract("K4", "L4", "2024-01-01", genforhandling="2026-12-01"),
        contract("K5", "L5", "2024-01-01", genforhandling="2026-05-01"),
    ])
    lst = negotiation_list(d, params(), AS_OF).liste.set_index("leverandoer_id")
    assert lst.loc["L4", "naeste_genforhandling"] == pd.Timestamp("2026-12-01")
    assert not lst.loc["L4", "genforhandling_overskredet"]
    assert lst.loc["L5", "genforhandling_overskredet"]  # 01.05.2026 has passed


def test_negotiation_list_without_assessments():
    d = dataclasses.replace(peer_data(), vurderinger=empty_table("vurderinger"))
    r = negotiation_list(d, params(), AS_OF)
    assert not r.tilgaengelig and "vurderinger" in r.mangler and "prioritet" in r.liste.columns


# --- price and quality ---------------------------------------------------------------------

def quality_data():
    return with_tables(peer_data(), tilsyn=[
        inspection("L4", "2024-05-01", 4, "Bo A"), inspection("L4", "2026-03-01", 2, "Bo A"),
        inspection("L4", "2025-06-01", 3, "Bo B"),
        inspection("L5", "2026-01-10", 4, tema="Kompetencer"),
        inspection("L5", "2026-01-10", 5, tema="Økonomi"),
        inspection("L5", "2023-01-10", 1),
        inspection("L2", "2025-09-01", 4), inspection("L1", "2025-09-01", 2.5),
        inspection("L6", "2025-09-01", 1),
    ])


def test_latest_scores_per_provider():
    s = latest_scores(quality_data().tilsyn)
    # L4: Bo A's latest overall 2, Bo B's 3 -> 2.5; L5: the latest report has only themes.
    assert s.loc["L4", "bedoemmelse"] == 2.5 and s.loc["L4", "antal_tilbud"] == 2
    assert s.loc["L4", "tilsyn_dato"] == pd.Timestamp("2026-03-01")
    assert s.loc["L5", "bedoemmelse"] == 4.5


def test_price_quality_quadrants():
    r = price_quality(quality_data(), params(), AS_OF)
    t = r.tabel.set_index("leverandoer_id")
    assert t.loc["L4", "kvadrant"] == "høj pris, lav kvalitet"
    assert t.loc["L4", "prisindeks"] == pytest.approx(1.2)
    assert t.loc["L5", "kvadrant"] == "høj pris, høj kvalitet"
    assert t.loc["L1", "kvadrant"] == "lav pris, lav kvalitet"  # at its peers' median: not high
    assert t.loc["L2", "kvadrant"] == "lav pris, høj kvalitet"
    assert pd.isna(t.loc["L6", "kvadrant"]) and np.isnan(t.loc["L6", "prisindeks"])
    assert list(r.tabel["leverandoer_id"]) == ["L4", "L5", "L1", "L2", "L6"]  # where to start
    assert r.antal_pr_kvadrant.tolist() == [1, 1, 1, 1]
    assert list(r.antal_pr_kvadrant.index) == list(KVADRANTER)
    assert any("uden kvadrant" in n for n in r.noter)
    assert t.loc["L4", "potentiale_hoej"] == pytest.approx(800 * DAYS)


def test_quadrant_edges():
    got = quadrant(pd.Series([1.0, 1.01, 1.01, np.nan]), pd.Series([3.0, 2.99, 3.0, 1.0]), 3.0)
    assert got.tolist()[:3] == ["lav pris, høj kvalitet", "høj pris, lav kvalitet",
                                "høj pris, høj kvalitet"]
    assert pd.isna(got[3])


def test_price_quality_without_supervision_data():
    r = price_quality(peer_data(), params(), AS_OF)
    assert not r.tilgaengelig and "tilsyn" in r.mangler
    assert r.tabel.empty and r.antal_pr_kvadrant.sum() == 0


def test_quality_data_is_valid_data():
    validated(quality_data())
