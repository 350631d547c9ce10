"""indkoeb.supplier_overview and concentration on small hand-made municipalities, and the shared
basics (full-year persons over part of a year, the effect month, the indkoeb parameters)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from indkoeb_cases import grant, make, monthly, params, payments

from socialanalyse.config import IndkoebParametre, parameters_dir
from socialanalyse.data import derived
from socialanalyse.indkoeb import concentration, supplier_overview


def overview_data():
    """2025 is covered in full (payments January 2025 to March 2026), 2026 to 31 March.

    L2 (privat): g1 (§107, citizen a, all of 2025, 60,000 kr a month) and g4 (§85, citizen a,
    from 1 April 2025, 5,000 a month). L3 (privat): g2 (§107, citizen b, from 1 July 2025,
    36,000 a month). L1 (egen drift): g3 (§85, citizen c, January-June 2025, 10,000 a month).
    """
    grants = [
        grant("g1", "a", "§107", "L2", start="2025-01-01"),
        grant("g2", "b", "§107", "L3", start="2025-07-01"),
        grant("g3", "c", "§85", "L1", start="2025-01-01", slut="2025-06-30", enhed="time",
              pris=500, omfang=5),
        grant("g4", "a", "§85", "L2", start="2025-04-01", enhed="time", pris=500, omfang=2),
    ]
    pay = (payments("g1", "L2", monthly("2025-01", "2026-03", 60_000))
           + payments("g2", "L3", monthly("2025-07", "2026-03", 36_000))
           + payments("g3", "L1", monthly("2025-01", "2025-06", 10_000))
           + payments("g4", "L2", monthly("2025-04", "2026-03", 5_000)))
    return make(grants, betalinger=pay)


def test_spend_and_full_year_persons_per_provider_to_the_krone():
    o = supplier_overview(overview_data())
    assert o.tilgaengelig and o.mangler is None
    p = o.pr_leverandoer.set_index(["aar", "leverandoer_id"])
    l2 = p.loc[(2025, "L2")]
    # 12 × 60,000 + 9 × 5,000; g1 all year (1.0) and g4 from 1 April (275 of 365 days).
    assert l2["udgift"] == 765_000
    assert l2["helaarspersoner"] == pytest.approx(1 + 275 / 365)
    assert l2["udgift_pr_helaarsperson"] == pytest.approx(765_000 / (1 + 275 / 365))
    assert round(l2["udgift_pr_helaarsperson"]) == 436_289
    assert (l2["antal_bevillinger"], l2["antal_borgere"]) == (2, 1)  # one citizen, two grants
    assert l2["navn"] == "Privat 2" and l2["leverandoertype"] == "privat"
    assert p.loc[(2025, "L3"), "helaarspersoner"] == pytest.approx(184 / 365)  # 1.7.-31.12.
    assert p.loc[(2025, "L1"), "helaarspersoner"] == pytest.approx(181 / 365)  # 1.1.-30.6.
    # Shares of 1,041,000 kr; the Pareto order: L2, L3, L1.
    y = o.pr_leverandoer[o.pr_leverandoer["aar"] == 2025]
    assert list(y["leverandoer_id"]) == ["L2", "L3", "L1"] and list(y["rang"]) == [1, 2, 3]
    assert list(y["andel"]) == pytest.approx([765 / 1041, 216 / 1041, 60 / 1041])
    assert y["kumuleret_andel"].iloc[-1] == pytest.approx(1.0)
    assert bool(y["helt_aar"].all())


def test_the_current_year_counts_the_days_the_payments_cover():
    o = supplier_overview(overview_data())
    p = o.pr_leverandoer.set_index(["aar", "leverandoer_id"])
    l2 = p.loc[(2026, "L2")]
    # January-March 2026: 3 × 65,000 kr; g1 and g4 each 90 of 365 days.
    assert l2["udgift"] == 195_000 and not l2["helt_aar"]
    assert l2["helaarspersoner"] == pytest.approx(2 * 90 / 365)
    assert (2026, "L1") not in p.index  # g3 ended in 2025 and nothing was paid in 2026
    assert o.pr_type.query("aar == 2026")["aendring"].isna().all()  # not a whole year


def test_totals_by_provider_type():
    t = supplier_overview(overview_data()).pr_type.set_index(["aar", "leverandoertype"])
    privat = t.loc[(2025, "privat")]
    assert privat["udgift"] == 981_000 and privat["antal_leverandoerer"] == 2
    assert privat["antal_bevillinger"] == 3 and privat["antal_borgere"] == 2  # a and b
    assert privat["andel"] == pytest.approx(981 / 1041)
    assert t.loc[(2025, "egen drift"), "udgift"] == 60_000


def test_concentration_per_paragraph_and_area():
    o = supplier_overview(overview_data())
    par = o.pr_paragraf.set_index(["aar", "paragraf"])
    s107 = par.loc[(2025, "§107")]
    assert s107["udgift"] == 936_000 and s107["antal_leverandoerer"] == 2
    assert s107["hhi"] == pytest.approx(10_000 * ((720 / 936) ** 2 + (216 / 936) ** 2))
    assert s107["antal_for_andel"] == 2  # L2 alone has 76.9 %, below 80 %
    k = o.koncentration.set_index(["aar", "omfang"])
    alle = k.loc[(2025, "alle")]
    assert alle["antal_leverandoerer"] == 3 and alle["antal_for_andel"] == 2
    assert alle["hhi"] == pytest.approx(10_000 * sum((x / 1041) ** 2 for x in (765, 216, 60)))
    assert k.loc[(2025, "eksterne"), "antal_leverandoerer"] == 2  # L1 is egen drift


def test_hhi_and_providers_for_80_percent_on_three_providers():
    c = concentration(pd.Series([500_000.0, 300_000.0, 200_000.0]), andel=0.8, top=1)
    # Shares 50/30/20 %: HHI = 2,500 + 900 + 400 = 3,800; 50 + 30 reaches 80 % exactly.
    assert c["hhi"] == pytest.approx(3_800)
    assert c["antal_for_andel"] == 2 and c["antal_leverandoerer"] == 3
    assert c["top_andel"] == pytest.approx(0.5)
    assert concentration(pd.Series([1.0]))["hhi"] == pytest.approx(10_000)
    assert concentration(pd.Series([0.0, -5.0]))["antal_leverandoerer"] == 0


# No subnormal amounts: at 5e-324 kr. the test's own tolerance arithmetic rounds to equality
# (found by hypothesis at the dependency floors), and no spend is that small.
@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e7, allow_nan=False, allow_subnormal=False), min_size=1,
                max_size=30),
       st.floats(0.05, 1.0))
def test_concentration_invariants(spend, andel):
    c = concentration(pd.Series(spend), andel=andel)
    n = sum(x > 0 for x in spend)
    assert c["antal_leverandoerer"] == n
    if n:
        # HHI between 10,000 / n (equal shares) and 10,000 (one provider).
        assert 10_000 / n * (1 - 1e-9) <= c["hhi"] <= 10_000 * (1 + 1e-9)
        assert 1 <= c["antal_for_andel"] <= n
        top = sorted(spend, reverse=True)[:c["antal_for_andel"]]
        assert sum(top) >= andel * sum(spend) * (1 - 1e-6)
        # One provider fewer would not carry the share.
        fewer = sorted(spend, reverse=True)[:c["antal_for_andel"] - 1]
        assert sum(fewer) < andel * sum(spend) * (1 + 1e-6) or c["antal_for_andel"] == 1


@settings(max_examples=15, deadline=None)  # each example builds a municipality
@given(st.lists(st.floats(1, 1e6, allow_nan=False), min_size=1, max_size=8))
def test_shares_sum_to_one_per_year(amounts):
    grants = [grant(f"g{k}", f"b{k}", lev=f"L{2 + k % 5}") for k in range(len(amounts))]
    pay = [row for k, a in enumerate(amounts)
           for row in payments(f"g{k}", f"L{2 + k % 5}", monthly("2025-01", "2025-12", a))]
    o = supplier_overview(make(grants, betalinger=pay))
    assert o.pr_leverandoer["andel"].sum() == pytest.approx(1.0)
    assert o.pr_type["andel"].sum() == pytest.approx(1.0)
    assert o.pr_leverandoer["udgift"].sum() == pytest.approx(12 * sum(amounts))


def test_trend_and_change_between_whole_years():
    grants = [grant("g1", "a", lev="L2", start="2023-01-01"),
              grant("g2", "b", lev="L1", start="2023-01-01")]
    pay = (payments("g1", "L2", monthly("2023-01", "2023-12", 100_000))
           + payments("g1", "L2", monthly("2024-01", "2024-12", 110_000))
           + payments("g1", "L2", monthly("2025-01", "2025-12", 121_000))
           + payments("g2", "L1", monthly("2023-01", "2025-12", 50_000)))
    o = supplier_overview(make(grants, betalinger=pay))
    t = o.pr_type.set_index(["aar", "leverandoertype"])
    assert np.isnan(t.loc[(2023, "privat"), "aendring"])
    assert t.loc[(2024, "privat"), "aendring"] == pytest.approx(0.10)
    gap = supplier_overview(make(grants, betalinger=pay), years=[2023, 2025])
    assert gap.pr_leverandoer.set_index(["aar", "leverandoer_id"])["udgift"].to_dict() == {
        (2023, "L2"): 1_200_000, (2023, "L1"): 600_000, (2025, "L2"): 1_452_000,
        (2025, "L1"): 600_000}
    trend = o.tendens.set_index("leverandoertype")
    assert (trend.loc["privat", "fra_aar"], trend.loc["privat", "til_aar"]) == (2023, 2025)
    assert trend.loc["privat", "aarlig_vaekst"] == pytest.approx(0.10)  # 1.21 ** (1/2) - 1
    assert trend.loc["egen drift", "aarlig_vaekst"] == pytest.approx(0.0)
    assert trend.loc["privat", "andel_til"] == pytest.approx(121 / 171)


def test_years_filter_and_uncovered_years():
    o = supplier_overview(overview_data(), years=[2024, 2025])
    assert set(o.pr_leverandoer["aar"]) == {2025}
    assert any("dækker ikke 2024" in n for n in o.noter)


def test_without_payments_the_overview_says_why():
    o = supplier_overview(make([grant("g1", "a")]))
    assert not o.tilgaengelig and "ingen betalinger" in o.mangler
    assert list(o.pr_leverandoer.columns)[:3] == ["aar", "helt_aar", "leverandoer_id"]
    assert o.pr_leverandoer.empty and o.koncentration.empty


def test_without_the_provider_table_providers_show_their_id():
    import dataclasses

    from socialanalyse.data.tables import empty_table

    d = dataclasses.replace(overview_data(), leverandoerer=empty_table("leverandoerer"))
    o = supplier_overview(d)
    p = o.pr_leverandoer.set_index(["aar", "leverandoer_id"])
    assert p.loc[(2025, "L2"), "navn"] == "L2" and p.loc[(2025, "L2"), "leverandoertype"] == "ukendt"
    assert any("leverandoerer mangler" in n for n in o.noter)


# --- shared basics --------------------------------------------------------------------------

def test_full_year_persons_over_part_of_a_year():
    bev = pd.DataFrame({"startdato": pd.to_datetime(["2025-01-01", "2025-03-01"]),
                        "slutdato": pd.to_datetime([None, "2025-12-31"])})
    whole = derived.helaarspersoner(bev, 2025)
    assert whole.tolist() == pytest.approx([1.0, 306 / 365])
    part = derived.helaarspersoner(bev, 2025, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-31"))
    assert part.tolist() == pytest.approx([90 / 365, 31 / 365])
    # Bounds outside the year change nothing.
    same = derived.helaarspersoner(bev, 2025, pd.Timestamp("2020-01-01"), pd.Timestamp("2030-01-01"))
    assert same.tolist() == whole.tolist()


def test_effect_month_is_the_first_whole_month_after():
    d = pd.Series(pd.to_datetime(["2025-03-01", "2025-03-15", "2025-03-31", "2025-12-20", None]))
    got = derived.effect_month(d)
    assert got[:4].tolist() == [pd.Timestamp(x) for x in ("2025-03-01", "2025-04-01",
                                                          "2025-04-01", "2026-01-01")]
    assert pd.isna(got[4])


def test_indkoeb_parameters():
    p = params().indkoeb
    assert p.min_andre_leverandoerer == 2 and p.kvalitet_lav_under == 3
    # The eksempelkommune sets Herlev's targets per year; default.yaml sets none.
    assert (p.maal_for(2025), p.maal_for(2026), p.maal_for(2027)) == (2_000_000, 4_000_000, None)
    default = yaml.safe_load((parameters_dir() / "default.yaml").read_text(encoding="utf-8"))
    assert default["indkoeb"]["besparelsesmaal"] is None
    herlev = IndkoebParametre.model_validate({**p.model_dump(), "besparelsesmaal":
                                              {2024: 2_000_000, 2025: 4_000_000}})
    assert herlev.maal_for(2025) == 4_000_000 and herlev.maal_for(2026) is None
    flat = IndkoebParametre.model_validate({**p.model_dump(), "besparelsesmaal": 3_000_000})
    assert flat.maal_for(2030) == 3_000_000
    with pytest.raises(ValueError, match="negativt"):
        IndkoebParametre.model_validate({**p.model_dump(), "besparelsesmaal": -1})
    with pytest.raises(ValueError):
        IndkoebParametre.model_validate({**p.model_dump(), "ukendt": 1})
