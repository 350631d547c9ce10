"""indkoeb contracts: which contract covers a grant, standard-contract coverage, the tillæg share
and the contract calendar, on hand-made cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from indkoeb_cases import contract, grant, make, monthly, payments, validated, with_tables

from socialanalyse.data.tables import empty_table
from socialanalyse.indkoeb import contract_calendar, contract_coverage, covering_contracts


def test_the_contract_covering_a_grant():
    grants = pd.DataFrame({"bevilling_id": ["G1", "G2", "G3", "G4"],
                           "leverandoer_id": ["L2", "L2", "L3", "L2"],
                           "paragraf": ["§107", "§85", "§107", "§107"]})
    k = with_tables(make([grant("G1", "a")]), kontrakter=[
        contract("K_own", "L2", "2024-01-01", bevilling="G1", slut="2024-12-31"),
        contract("K_par", "L2", "2023-01-01", paragraf="§107"),
        contract("K_all", "L2", "2023-01-01"),
        contract("K_new", "L2", "2025-01-01", bevilling="G4"),
        contract("K_future", "L3", "2026-01-01"),
    ]).kontrakter
    on = pd.Series(pd.Timestamp("2025-06-01"), index=grants.index)
    got = covering_contracts(k, grants, on)
    # G1: its own contract has expired, so the valid paragraph contract covers it; G2 (§85):
    # the provider's contract for all paragraphs; G3: only a contract starting later; G4: own.
    assert got["kontrakt_id"].tolist()[:2] == ["K_par", "K_all"] and pd.isna(got["kontrakt_id"][2])
    assert got["kontrakt_id"][3] == "K_new"
    assert got["daekning"].tolist()[:2] == ["paragraf", "leverandør"] and got["daekning"][3] == "bevilling"
    assert got["gyldig"].tolist() == [True, True, False, True]
    # A year earlier G1's own contract was valid and is the most specific.
    early = covering_contracts(k, grants.iloc[:1], pd.Series([pd.Timestamp("2024-06-01")]))
    assert early["kontrakt_id"].tolist() == ["K_own"] and early["daekning"].tolist() == ["bevilling"]
    # With only the expired own contract, it still names the contract, as not valid.
    only_own = k[k["kontrakt_id"] == "K_own"]
    late = covering_contracts(only_own, grants.iloc[:1], on.iloc[:1])
    assert late["kontrakt_id"].tolist() == ["K_own"] and late["gyldig"].tolist() == [False]


def contract_data():
    """Payments January 2024 - March 2026 (reference date 31.03.2026). External (privat):
    c1 (L2, §107, 100,000 kr a month, tillæg 5,000 a month), c5 (L2, §107 from 2025, 40,000 a
    month, tillæg 10,000), c2 (L3, §107, 50,000), c3 (LX, §85, 10,000); own: c4 (L1).
    Contracts: K1 the standard contract for L2's §107 (expires 30.09.2026, renegotiation due
    01.12.2025); K2 a non-standard contract for c2 alone (expired 31.12.2025); K3 for L4
    (renegotiation 15.06.2026); K4 for all of L2 (expires 30.06.2027); c3 has none."""
    grants = [
        grant("c1", "a", "§107", "L2", start="2024-01-01", tillaeg=5_000),
        grant("c5", "e", "§107", "L2", start="2025-01-01", tillaeg=10_000),
        grant("c2", "b", "§107", "L3", start="2024-01-01"),
        grant("c3", "c", "§85", "LX", start="2024-01-01", enhed="time", pris=500, omfang=5),
        grant("c4", "d", "§107", "L1", start="2024-01-01"),
    ]
    pay = (payments("c1", "L2", monthly("2024-01", "2026-03", 100_000))
           + payments("c5", "L2", monthly("2025-01", "2026-03", 40_000))
           + payments("c2", "L3", monthly("2024-01", "2026-03", 50_000))
           + payments("c3", "LX", monthly("2024-01", "2026-03", 10_000))
           + payments("c4", "L1", monthly("2024-01", "2026-03", 70_000)))
    return with_tables(make(grants, betalinger=pay), kontrakter=[
        contract("K1", "L2", "2023-01-01", paragraf="§107", slut="2026-09-30",
                 genforhandling="2025-12-01"),
        contract("K2", "L3", "2024-01-01", bevilling="c2", slut="2025-12-31", standard=False,
                 regulering="leverandørens takst"),
        contract("K3", "L4", "2024-01-01", genforhandling="2026-06-15"),
        contract("K4", "L2", "2024-01-01", slut="2027-06-30", regulering=None),
    ])


def test_standard_contract_coverage_from_the_contracts():
    r = contract_coverage(contract_data(), year=2025)
    assert r.kilde == "kontrakter" and r.aar == 2025
    t = r.pr_aar.set_index(["aar", "leverandoertype"])
    row = t.loc[(2025, "privat")]
    # 2025: c1 1,200,000 + c5 480,000 (K1, standard) + c2 600,000 (K2) + c3 120,000 (none).
    assert row["udgift"] == 2_400_000 and row["udgift_standardkontrakt"] == 1_680_000
    assert row["andel_udgift_standardkontrakt"] == pytest.approx(0.7)
    assert row["udgift_uden_kontrakt"] == 120_000
    assert (row["antal_bevillinger"], row["antal_bevillinger_standardkontrakt"],
            row["antal_bevillinger_uden_kontrakt"], row["antal_borgere"]) == (4, 2, 1, 4)
    assert row["andel_bevillinger_standardkontrakt"] == pytest.approx(0.5)
    total = t.loc[(2025, "I alt")]
    assert total["udgift"] == 2_400_000  # own provision (c4) is not an external purchase
    assert r.andel_udgift_standardkontrakt == pytest.approx(0.7)
    assert r.andel_bevillinger_standardkontrakt == pytest.approx(0.5)
    # 2026 (to March): K2 has expired, so c2 has no valid contract.
    y26 = t.loc[(2026, "privat")]
    assert y26["udgift_uden_kontrakt"] == 3 * 50_000 + 3 * 10_000


def test_coverage_from_the_provider_table_without_contracts():
    d = dataclasses.replace(contract_data(), kontrakter=empty_table("kontrakter"))
    r = contract_coverage(d, year=2025)
    assert r.kilde == "leverandoerer" and any("ingen kontrakttabel" in n for n in r.noter)
    row = r.pr_aar.set_index(["aar", "leverandoertype"]).loc[(2025, "privat")]
    # L2 and L3 buy on the standard contract, LX does not.
    assert row["udgift_standardkontrakt"] == 2_280_000
    assert row["andel_bevillinger_standardkontrakt"] == pytest.approx(3 / 4)
    assert np.isnan(row["udgift_uden_kontrakt"]) and pd.isna(row["antal_bevillinger_uden_kontrakt"])


def test_tillaeg_share_per_provider_and_its_growth():
    t = contract_coverage(contract_data()).tillaeg.set_index(["aar", "leverandoer_id"])
    y24, y25 = t.loc[(2024, "L2")], t.loc[(2025, "L2")]
    # 2024: c1's 12 × 5,000 of 1,200,000 paid; 2025: c1 60,000 + c5 120,000 of 1,680,000.
    assert y24["tillaeg"] == pytest.approx(60_000) and y24["andel_tillaeg"] == pytest.approx(0.05)
    assert y25["tillaeg"] == pytest.approx(180_000)
    assert y25["andel_tillaeg"] == pytest.approx(180 / 1680)
    assert y25["vaekst"] == pytest.approx(2.0)  # 15,000 a month against 5,000
    assert y25["aendring_andel"] == pytest.approx(180 / 1680 - 0.05)
    assert y25["antal_bevillinger_med_tillaeg"] == 2
    # The current year is compared per month: January-March 2026 at 15,000 a month.
    assert t.loc[(2026, "L2"), "tillaeg_pr_maaned"] == pytest.approx(15_000)
    assert t.loc[(2026, "L2"), "vaekst"] == pytest.approx(0.0)
    assert "L1" not in set(t.index.get_level_values(1))  # own provision is not bought


def test_contract_calendar_with_spend_at_stake():
    cal = contract_calendar(contract_data(), months=12)
    assert cal.opgoerelsesdato == pd.Timestamp("2026-03-31")
    k = cal.kalender
    assert list(zip(k["haendelse"], k["kontrakt_id"])) == [
        ("genforhandling overskredet", "K1"), ("udløbet, bevillinger løber", "K2"),
        ("genforhandling", "K3"), ("udløber", "K1")]
    assert k["dato"].dt.strftime("%d.%m.%Y").tolist() == [
        "01.12.2025", "31.12.2025", "15.06.2026", "30.09.2026"]
    assert k["dage"].tolist() == [-120, -90, 76, 183]
    k1 = k[k["kontrakt_id"] == "K1"].iloc[0]
    # c1 and c5 under K1: paid April 2025 - March 2026, 12 × 140,000.
    assert k1["betalt_12_mdr"] == 1_680_000 and (k1["antal_bevillinger"], k1["antal_borgere"]) == (2, 2)
    assert k1["navn"] == "Privat 2" and bool(k1["standardkontrakt"])
    assert k[k["kontrakt_id"] == "K2"].iloc[0]["betalt_12_mdr"] == 600_000
    assert cal.antal_kontrakter == 3 and cal.betalt_12_mdr == 2_280_000
    assert cal.antal_overskredne == 1 and cal.uden_genforhandlingsdato == 1  # K4
    # Six months ahead: only what falls before 30.09.2026 + the passed ones.
    short = contract_calendar(contract_data(), months=5)
    assert "udløber" not in set(short.kalender["haendelse"])


def test_contract_data_is_valid_data():
    validated(contract_data())


def test_without_contracts_the_calendar_says_why():
    d = dataclasses.replace(contract_data(), kontrakter=empty_table("kontrakter"))
    cal = contract_calendar(d)
    assert not cal.tilgaengelig and "kontrakter" in cal.mangler
    assert "betalt_12_mdr" in cal.kalender.columns and cal.kalender.empty
    no_lev = contract_coverage(dataclasses.replace(d, leverandoerer=empty_table("leverandoerer")))
    assert not no_lev.tilgaengelig and "leverandoerer" in no_lev.mangler
