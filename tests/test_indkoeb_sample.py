"""indkoeb on the small synthetic municipality: the shared figures agree with the functions
that define them (full-year persons, spending, cost per full-year person, the servicetjek's
price gap), and the workbook's optional tables missing give Danish reasons, not errors."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from socialanalyse import indkoeb, noegletal
from socialanalyse.config import load_parameters
from socialanalyse.data import derived
from socialanalyse.data.contract import INDKOEB_TABLES
from socialanalyse.data.tables import empty_table
from socialanalyse.servicetjek import screen


def without_indkoeb_tables(data):
    """The data as a municipality without kontrakter, prislister and tilsyn has them."""
    return dataclasses.replace(data, **{t: empty_table(t) for t in INDKOEB_TABLES})


@pytest.fixture(scope="module")
def params():
    return load_parameters("eksempelkommune")


def test_overview_totals_are_the_payments_and_derived_full_year_persons(sample):
    _, data = sample
    o = indkoeb.supplier_overview(data)
    whole = o.pr_leverandoer[o.pr_leverandoer["helt_aar"]]
    paid = data.betalinger.groupby(data.betalinger["periode"].dt.year)["beloeb"].sum()
    for aar, rows in whole.groupby("aar"):
        assert rows["udgift"].sum() == pytest.approx(paid[aar])
        hp = derived.helaarspersoner(data.bevillinger, aar).sum()
        assert rows["helaarspersoner"].sum() == pytest.approx(hp)
    assert o.pr_type.groupby("aar")["andel"].sum().tolist() == pytest.approx(
        [1.0] * o.pr_type["aar"].nunique())


def test_own_vs_external_agrees_with_noegletal_per_paragraph(sample, params):
    _, data = sample
    r = indkoeb.own_vs_external(data)
    nt = noegletal.compute(data, params)
    cells = r.pr_paragraf.groupby("paragraf")[["udgift", "helaarspersoner"]].sum()
    for paragraf, row in cells.iterrows():
        theirs = nt.vaerdi("udgift_pr_helaarsperson", paragraf, r.aar)
        assert row["udgift"] / row["helaarspersoner"] == pytest.approx(theirs), paragraf


def test_negotiation_low_end_is_the_rule_s_gap_on_the_sample(sample, params):
    _, data = sample
    lst = indkoeb.negotiation_list(data, params)
    flags = screen(data, params)
    rule = flags[flags["regel"] == "pris_over_sammenlignelige"]
    cmp = indkoeb.peer_comparison(data, params)
    # Every grant the rule flags with enough other providers is in the low end, same gap.
    listed = set(lst.liste["leverandoer_id"])
    rule = rule[rule["bevilling_id"].isin(cmp["bevilling_id"])
                & rule["leverandoer_id"].isin(listed)]
    low = lst.liste.set_index("leverandoer_id")["potentiale_lav"]
    assert (low > 0).sum() >= 2  # the sample has overpriced external providers
    assert rule.groupby("leverandoer_id")["bruttogab"].sum().to_dict() == pytest.approx(
        low[low > 0].to_dict())
    assert (lst.liste["potentiale_lav"] <= lst.liste["potentiale_hoej"] + 1e-6).all()
    assert lst.liste["prioritet"].tolist() == list(range(1, len(lst.liste) + 1))


def test_planted_price_rise_is_above_the_index_and_the_decoy_was_renegotiated(sample, params):
    s, data = sample
    dev = indkoeb.price_development(data, params)
    rises = dev.stigninger
    found = set(rises.loc[rises["aar"] == s.planted.price_rise_year, "leverandoer_id"])
    assert set(s.planted.price_rise_providers) <= found
    decoy = rises[rises["leverandoer_id"].isin(s.planted.renegotiated_providers)]
    assert (decoy["genforhandlede"] > 0).all()


def test_missing_optional_tables_give_reasons(sample, params):
    # The sample has the three tables; a municipality without them gets Danish reasons.
    data = without_indkoeb_tables(sample[1])
    assert data.kontrakter.empty and data.prislister.empty and data.tilsyn.empty
    for result in (indkoeb.contract_calendar(data), indkoeb.price_quality(data, params),
                   indkoeb.price_calculator(data.prislister, "Socialpædagogisk støtte", 5)):
        assert not result.tilgaengelig and "mangler eller er tom" in result.mangler
    cov = indkoeb.contract_coverage(data)
    assert cov.tilgaengelig and cov.kilde == "leverandoerer"
    assert 0 < cov.andel_udgift_standardkontrakt < 1
    savings = indkoeb.procurement_savings(data, params)
    assert savings.tilgaengelig and any("kontrakter mangler" in n for n in savings.noter)
    assert isinstance(savings.opgoerelsesdato, pd.Timestamp)


def test_year_figures_units_and_tillaeg_are_derived_expected_payments(sample):
    _, data = sample
    a = indkoeb.year_figures(data)
    bev = data.bevillinger
    first, last = a.aar[0].first, a.aar[-1].last
    units = derived.expected_payments(bev.assign(enhedspris=1.0, tillaeg=0.0), first, last, 0.0)
    tillaeg = derived.expected_payments(bev.assign(enhedspris=0.0), first, last, 0.0)
    for name, e in (("enheder", units), ("tillaeg", tillaeg)):
        per = e.groupby([e["periode"].dt.year, "bevilling_id"])["forventet"].sum()
        for y, year in enumerate(a.aar):
            expected = per.loc[year.aar].reindex(bev["bevilling_id"]).fillna(0.0).to_numpy()
            assert getattr(a, name)[y] == pytest.approx(expected), (name, year.aar)
    paid = data.betalinger.groupby(data.betalinger["periode"].dt.year)["beloeb"].sum()
    assert a.udgift.sum(axis=1) == pytest.approx(paid.loc[[y.aar for y in a.aar]].to_numpy())


def test_shared_year_figures_give_the_same_results(sample, params):
    _, data = sample
    a = indkoeb.year_figures(data)
    pairs = [
        (indkoeb.supplier_overview(data), indkoeb.supplier_overview(data, aarstal=a)),
        (indkoeb.price_development(data, params),
         indkoeb.price_development(data, params, aarstal=a)),
        (indkoeb.own_vs_external(data), indkoeb.own_vs_external(data, aarstal=a)),
        (indkoeb.contract_coverage(data), indkoeb.contract_coverage(data, aarstal=a)),
    ]
    for alone, shared in pairs:
        for field, value in vars(alone).items():
            if isinstance(value, pd.DataFrame):
                pd.testing.assert_frame_equal(value, getattr(shared, field), obj=field)
    years = indkoeb.supplier_overview(data, years=[2023], aarstal=a).pr_leverandoer
    assert set(years["aar"]) == {2023}
