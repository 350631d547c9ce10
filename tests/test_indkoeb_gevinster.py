"""indkoeb.procurement_savings: renegotiated prices from kontrakter and from genforhandling
follow-ups (measured on the payments, or from the grant that replaced the old one), against the
political target. Reference date 31.10.2026."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from indkoeb_cases import contract, followup, grant, make, monthly, params, payments, with_tables

from socialanalyse.config import IndkoebParametre
from socialanalyse.data import derived
from socialanalyse.data.tables import empty_table
from socialanalyse.indkoeb import procurement_savings

DAYS = 365.25


def target(p, maal):
    return p.model_copy(update={"indkoeb": IndkoebParametre.model_validate(
        {**p.indkoeb.model_dump(), "besparelsesmaal": maal})})


def paid_as_granted(g: dict, prisindeks: float, factor_from: str | None = None,
                    factor: float = 1.0, last: str = "2026-10-01") -> list[dict]:
    """Payment lines equal to what the grant should cost, × factor from a month on."""
    should = derived.expected_payments(pd.DataFrame([g]), "2025-01-01", last, prisindeks)
    cut = pd.Timestamp(factor_from) if factor_from else pd.Timestamp.max
    return payments(g["bevilling_id"], g["leverandoer_id"], [
        (f"{p:%Y-%m}", round(v * (factor if p >= cut else 1.0), 2))
        for p, v in zip(should["periode"], should["forventet"])])


def contract_case():
    """L2's §107 contract K1: 2,500 -> 2,300 kr a day from 15 March 2026 (effect: April).
    g1 runs on; g2 ends 30 June 2026; g4 ended in February (before the effect); g3 is §85 (not
    covered: K1 is for §107)."""
    grants = [grant("g1", "a", "§107", "L2", start="2025-01-01", pris=2300),
              grant("g2", "b", "§107", "L2", start="2025-01-01", slut="2026-06-30", pris=2300),
              grant("g4", "d", "§107", "L2", start="2025-01-01", slut="2026-02-28", pris=2300),
              grant("g3", "c", "§85", "L2", start="2025-01-01", enhed="time", pris=500)]
    pay = payments("g1", "L2", monthly("2025-01", "2026-10", 70_000))
    d = make(grants, betalinger=pay)
    return with_tables(d, kontrakter=[contract("K1", "L2", "2024-01-01", paragraf="§107",
                                               enhed="doegn", pris=2300, foer=2500,
                                               aendret="2026-03-15")])


def test_a_renegotiated_contract_price_saves_old_minus_new_times_volume():
    r = procurement_savings(contract_case(), target(params(), {2026: 2_000_000}))
    assert r.tilgaengelig and r.opgoerelsesdato == pd.Timestamp("2026-10-31")
    rows = r.pr_genforhandling.set_index("bevilling_id")
    assert sorted(rows.index) == ["g1", "g2"]
    g1 = rows.loc["g1"]
    assert (g1["kilde"], g1["kontrakt_id"], g1["status"]) == ("kontrakt", "K1", "aftalt pris")
    assert g1["virkning_fra"] == pd.Timestamp("2026-04-01")
    # (2,500 - 2,300) × 7 days × 52.18 weeks = 73,050 kr a year.
    assert g1["aarlig_besparelse"] == pytest.approx(200 * DAYS)
    assert (g1["pris_foer"], g1["pris_efter"]) == (2500, 2300)
    # Realised April-October 2026 (214 days) for g1, April-June (91 days) for g2.
    assert g1["realiseret"] == pytest.approx(200 * 214)
    assert rows.loc["g2", "realiseret"] == pytest.approx(200 * 91)
    y = r.pr_aar.set_index("aar").loc[2026]
    assert y["antal_genforhandlinger"] == 2 and y["aarlig_effekt"] == pytest.approx(400 * DAYS)
    assert y["realiseret"] == pytest.approx(200 * (214 + 91))
    assert y["maal"] == 2_000_000 and y["andel_af_maal"] == pytest.approx(400 * DAYS / 2e6)
    assert r.aar == 2026 and r.maal == 2_000_000
    assert r.aarlig_effekt == pytest.approx(400 * DAYS) and r.realiseret == pytest.approx(61_000)
    assert r.pr_maaned["maaned"].iloc[0] == pd.Timestamp("2026-04-01")
    assert r.pr_maaned["akkumuleret"].iloc[-1] == pytest.approx(61_000)
    assert r.pr_maaned["besparelse"].iloc[0] == pytest.approx(2 * 200 * 30)  # April: 30 days


def followup_case(prisindeks: float):
    """f1 at L3 (2,000 kr a day from 2025) renegotiated on 10 February 2026 (effect: March):
    paid what it should cost before and 10 % less from March. f2 at L4 (2,500 a day)
    renegotiated on 20 April 2026 and replaced by f2b at 2,200 from 1 May. f3: a
    renegotiation that kept the price."""
    f1 = grant("f1", "a", "§107", "L3", start="2025-01-01", pris=2000)
    f2 = grant("f2", "b", "§107", "L4", start="2025-01-01", slut="2026-04-30", pris=2500)
    f2b = grant("f2b", "b", "§107", "L4", start="2026-05-01", pris=2200)
    f3 = grant("f3", "c", "§107", "L5", start="2025-01-01", pris=2000)
    pay = (paid_as_granted(f1, prisindeks, "2026-03-01", 0.9) + paid_as_granted(f2, prisindeks)
           + paid_as_granted(f2b, prisindeks) + paid_as_granted(f3, prisindeks))
    fu = [followup("f1", "2026-02-10", "genforhandling", "justeret"),
          followup("f2", "2026-04-20", "genforhandling", "justeret"),
          followup("f3", "2025-06-01", "genforhandling", "uændret"),
          followup("f1", "2025-06-01", "opfølgning", "uændret")]
    return make([f1, f2, f2b, f3], opfoelgninger=fu, betalinger=pay)


def test_renegotiation_measured_on_the_payments():
    p = params(prisindeks=0.025)
    r = procurement_savings(followup_case(0.025), p)
    f1 = r.pr_genforhandling.set_index("bevilling_id").loc["f1"]
    assert (f1["kilde"], f1["status"]) == ("opfølgning", "målt")
    # The price regulated to 2026 is 2,000 × 1.025 = 2,050; paid 100 % before and 90 % after.
    assert f1["pris_foer"] == pytest.approx(2050) and f1["pris_efter"] == pytest.approx(1845)
    assert f1["aarlig_besparelse"] == pytest.approx(205 * DAYS)
    # March-October 2026: 245 days × 205 kr.
    assert f1["realiseret"] == pytest.approx(205 * 245)
    assert any("kontrakter mangler" in n for n in r.noter)


def test_renegotiation_as_a_new_grant():
    r = procurement_savings(followup_case(0.0), params())
    f2 = r.pr_genforhandling.set_index("bevilling_id").loc["f2"]
    assert f2["status"] == "målt" and f2["virkning_fra"] == pd.Timestamp("2026-05-01")
    assert (f2["pris_foer"], f2["pris_efter"]) == (2500, 2200)
    assert f2["aarlig_besparelse"] == pytest.approx(300 * DAYS)
    assert f2["realiseret"] == pytest.approx(300 * 184)  # May-October on the new grant
    f3 = r.pr_genforhandling.set_index("bevilling_id").loc["f3"]
    assert f3["status"] == "uændret pris" and f3["aarlig_besparelse"] == 0
    y = r.pr_aar.set_index("aar")
    assert y.loc[2026, "antal_genforhandlinger"] == 2  # f1 and f2; f3 kept its price
    assert y.loc[2026, "aarlig_effekt"] == pytest.approx((200 + 300) * DAYS)
    # The eksempelkommune's target for 2026 (Herlev's 4 mio. kr. the second year).
    assert list(y.index) == [2026] and y.loc[2026, "maal"] == params().indkoeb.maal_for(2026)
    assert y.loc[2026, "andel_af_maal"] == pytest.approx((200 + 300) * DAYS / 4_000_000)


def test_too_early_and_no_payments_before():
    g = grant("h1", "a", "§107", "L3", start="2026-09-01")
    d = make([g], opfoelgninger=[followup("h1", "2026-10-20", "genforhandling", "justeret"),
                                 followup("h1", "2026-09-10", "genforhandling", "justeret")],
             betalinger=payments("h1", "L3", monthly("2026-09", "2026-10", 60_000)))
    rows = procurement_savings(d, params()).pr_genforhandling.set_index("dato")
    assert rows.loc[pd.Timestamp("2026-10-20"), "status"] == "for tidligt at måle"
    assert rows.loc[pd.Timestamp("2026-09-10"), "status"] == "ingen betalinger før"
    assert (rows["aarlig_besparelse"] == 0).all()


def test_one_renegotiation_recorded_twice_counts_once_with_the_contract_s_prices():
    d = followup_case(0.0)
    d = with_tables(d, kontrakter=[contract("K3", "L3", "2024-01-01", bevilling="f1",
                                            enhed="doegn", pris=1800, foer=2000,
                                            aendret="2026-02-15")])
    r = procurement_savings(d, params())
    f1 = r.pr_genforhandling[r.pr_genforhandling["bevilling_id"] == "f1"]
    assert f1["kilde"].tolist() == ["kontrakt"]
    assert f1["aarlig_besparelse"].iloc[0] == pytest.approx(200 * DAYS)
    assert any("én gang" in n for n in r.noter)


def test_without_renegotiations_it_says_why():
    d = dataclasses.replace(contract_case(), kontrakter=empty_table("kontrakter"))
    r = procurement_savings(d, params())
    assert not r.tilgaengelig and "ingen genforhandlinger" in r.mangler
    assert "aarlig_besparelse" in r.pr_genforhandling.columns
    no_pay = procurement_savings(make([grant("x", "a")]), params())
    assert not no_pay.tilgaengelig and "opgørelsesdatoen" in no_pay.mangler
