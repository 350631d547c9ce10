"""What the data say: every automatic answer on a hand-made municipality, with the other
workbooks' recorded results taking precedence where they are given."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialanalyse import noegletal
from socialanalyse import selvevaluering as S
from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.opfoelgning import with_serviceniveau
from socialanalyse.selvevaluering.recorded import number

REPO = Path(__file__).resolve().parents[1]


def _monthly(bevilling_id, leverandoer_id, first, last, amount):
    months = pd.date_range(first, last, freq="MS")
    return pd.DataFrame({"bevilling_id": bevilling_id, "leverandoer_id": leverandoer_id,
                         "periode": months, "beloeb": amount, "funktion": "5.38.50"})


@functools.cache
def params():
    return load_parameters("eksempelkommune", root=REPO)


@functools.cache
def small() -> Data:
    """Five adults; payments to 31.12.2025 (the reference date).

    Providers: L1 own (standard contract), L2 private (standard), L3 private (not), L4 region
    (not; paid only in 2024). Own offer T1 (L1, §108) with 4 places.
    G1 A §108 T1 from 2024, followed up 01.06.2025 (due 01.06.2026: on time); paid 12 × 30,000.
    G2 B §108 T1 from 01.03.2025 (due 01.03.2026: on time); paid 10 × 30,000.
    G3 C §108 L2 from 01.06.2024, never followed up (due 01.06.2025: overdue); 12 × 60,000.
    G4 D §85 L3 January-June 2025 (ended); 6 × 20,000.  G5 E §85 L3 from 01.02.2025 (due
    01.02.2026: on time); 11 × 10,000.  G6 E §107 L4 2024 (ended); 12 × 50,000 in 2024.
    So 2025: external 950,000 kr, on the standard contract 720,000 (75.8 %); 3 providers paid,
    2 external; on 31.12.2025 T1 holds A and B (50 %), follow-ups 3 of 4 on time, §108 has
    both own and external grants. Assessments: A and C twice, B once (plus one after the
    reference date), E never: 2 of the 4 active citizens (50 %). Budget 2025: §108 1,000,000
    with 2 full-year persons, §85 300,000 at 150,000 each, §107 200,000 without assumptions:
    1,300,000 of 1,500,000 split on price and quantity (86.7 %).
    """
    bev = pd.DataFrame({
        "bevilling_id": ["G1", "G2", "G3", "G4", "G5", "G6"],
        "borger_id": ["A", "B", "C", "D", "E", "E"],
        "paragraf": ["§108", "§108", "§108", "§85", "§85", "§107"],
        "leverandoer_id": ["L1", "L1", "L2", "L3", "L3", "L4"],
        "tilbud_id": ["T1", "T1", None, None, None, None],
        "afdeling": "Voksen",
        "startdato": pd.to_datetime(["2024-01-01", "2025-03-01", "2024-06-01", "2025-01-01",
                                     "2025-02-01", "2024-01-01"]),
        "slutdato": pd.to_datetime([None, None, None, "2025-06-30", None, "2024-12-31"]),
        "forventet_slutdato": pd.to_datetime([None, None, None, None, None, "2024-12-31"]),
        "enhed": ["doegn", "doegn", "doegn", "time", "time", "doegn"],
        "enhedspris": [1000.0, 1000.0, 2000.0, 500.0, 500.0, 1650.0],
        "omfang": [7.0, 7.0, 7.0, 10.0, 5.0, 7.0],
        "tillaeg": 0.0,
    })
    pay = pd.concat([
        _monthly("G1", "L1", "2024-01-01", "2025-12-01", 30_000.0),
        _monthly("G2", "L1", "2025-03-01", "2025-12-01", 30_000.0),
        _monthly("G3", "L2", "2025-01-01", "2025-12-01", 60_000.0),
        _monthly("G4", "L3", "2025-01-01", "2025-06-01", 20_000.0),
        _monthly("G5", "L3", "2025-02-01", "2025-12-01", 10_000.0),
        _monthly("G6", "L4", "2024-01-01", "2024-12-01", 50_000.0),
    ], ignore_index=True)
    vurd_dates = [("A", "2024-02-01"), ("A", "2025-02-01"), ("C", "2024-07-01"),
                  ("C", "2025-07-01"), ("B", "2025-03-15"), ("B", "2026-02-01"),
                  ("D", "2025-01-10"), ("D", "2025-05-10")]
    return Data.from_tables({
        "borgere": pd.DataFrame({"borger_id": list("ABCDE"), "foedselsaar": 1985, "koen": "K",
                                 "maalgruppe": "Sindslidelse"}),
        "leverandoerer": pd.DataFrame({
            "leverandoer_id": ["L1", "L2", "L3", "L4"],
            "navn": ["Eget Bosted", "Privat A", "Privat B", "Regionen"],
            "leverandoertype": ["egen drift", "privat", "privat", "region"],
            "standardkontrakt": [True, True, False, False]}),
        "tilbud": pd.DataFrame({"tilbud_id": ["T1"], "leverandoer_id": ["L1"],
                                "navn": ["Eget Bosted"], "paragraf": ["§108"], "pladser": [4]}),
        "bevillinger": bev,
        "betalinger": pay,
        "opfoelgninger": pd.DataFrame({"bevilling_id": ["G1"],
                                       "dato": pd.to_datetime(["2025-06-01"]),
                                       "type": ["opfølgning"], "resultat": ["uændret"]}),
        "vurderinger": pd.DataFrame({
            "borger_id": [b for b, _ in vurd_dates],
            "dato": pd.to_datetime([d for _, d in vurd_dates]),
            "metode": "VUM2", "tema": "Egenomsorg", "niveau": 2}),
        "budget": pd.DataFrame({
            "aar": 2025, "paragraf": ["§108", "§85", "§107"], "maalgruppe": None,
            "beloeb": [1_000_000.0, 300_000.0, 200_000.0],
            "forudsat_antal": [2.0, np.nan, np.nan],
            "forudsat_enhedspris": [np.nan, 150_000.0, np.nan]}),
        "befolkning": pd.DataFrame({"aar": 2025, "aldersgruppe": ["0-17", "18-64", "65+"],
                                    "antal": [2000, 6000, 2000]}),
    })


def answer(key, resultater=None, data=None, p=None) -> S.Datasvar:
    return S.DATASVAR[key](data or small(), p or params(), resultater)


def test_registry_covers_every_answer_and_runs_on_the_hand_made_case():
    frame = S.data_answers(small(), params(), {})
    assert list(frame["noegle"]) == list(S.DATASVAR) == list(S.EMNER)
    assert list(frame.columns) == list(S.Datasvar.__dataclass_fields__)
    questions = set(S.questions()["id"])
    assert set(frame["spoergsmaal"]) <= questions
    q = S.questions().set_index("id")
    for r in frame[frame["svar"].notna()].itertuples():
        assert r.svar in q.loc[r.spoergsmaal, "svarmuligheder"], r.noegle
    assert frame.loc[frame["noegle"] == "antal_leverandoerer", "svar"].iloc[0] is None


def test_standard_contract_share_from_data_and_from_indkoeb():
    a = answer("standardkontrakt")
    assert a.vaerdi == pytest.approx(720_000 / 950_000)
    assert a.svar == "Nej" and a.kilde == "data" and a.spoergsmaal == "D21"
    assert a.evidens == ("75,8 % af udgiften til eksterne leverandører i 2025 er købt på "
                         "kommunens standardkontrakt; svaret er ja fra 90 %.")
    b = answer("standardkontrakt", {"06_indkoeb": {"andel_udgift_standardkontrakt": 0.92}})
    assert (b.svar, b.vaerdi, b.kilde) == ("Ja", 0.92, "06_indkoeb: andel_udgift_standardkontrakt")
    assert "(arbejdsbog 06 (indkøb))" in b.evidens
    edge = answer("standardkontrakt", {"06_indkoeb": {"andel_udgift_standardkontrakt": 0.9}})
    assert edge.svar == "Ja"


def test_support_need_before_diagnosis_from_08():
    """KL 9 from 08_opfoelgning's target groups above what their need level predicts."""
    none = answer("stoettebehov")
    assert none.svar is None and none.spoergsmaal == "KL9" and none.anbefaling == 9
    assert none.evidens.startswith("Arbejdsbog 08 (opfølgning) er ikke med i kørslen")
    two = answer("stoettebehov", {"08_opfoelgning": {"antal_maalgrupper_over": 2}})
    assert (two.svar, two.vaerdi, two.kilde) == (
        "Påbegyndt", 2, "08_opfoelgning: antal_maalgrupper_over")
    assert two.evidens.startswith("2 målgrupper koster mere, end støttebehovet ved start")
    assert "(arbejdsbog 08 (opfølgning))" in two.evidens
    one = answer("stoettebehov", {"08_opfoelgning": {"antal_maalgrupper_over": 1}})
    assert one.evidens.startswith("1 målgruppe koster")
    zero = answer("stoettebehov", {"08_opfoelgning": {"antal_maalgrupper_over": 0}})
    assert (zero.svar, zero.vaerdi) == ("På plads", 0)
    assert zero.evidens == ("Ingen målgruppe koster mere, end støttebehovet ved start og "
                            "paragraffen forudsiger (arbejdsbog 08 (opfølgning)).")


def test_followups_on_time_is_the_noegletal():
    a = answer("opfoelgning_rettidig")
    assert a.vaerdi == pytest.approx(0.75) and a.svar == "Middel"
    nt = noegletal.compute(small(), params())
    assert a.vaerdi == pytest.approx(nt.vaerdi("andel_opfoelgning_rettidig"))
    assert a.evidens == ("75,0 % af de aktive bevillinger var fulgt op inden for fristen "
                         "(§107 6 mdr., ellers 12 mdr.) den 31.12.2025; høj grad fra 90 %, "
                         "middel fra 70 %.")
    for share, grade in ((0.95, "Høj"), (0.9, "Høj"), (0.7, "Middel"), (0.69, "Lav")):
        r = answer("opfoelgning_rettidig", {"05_noegletal": {"andel_opfoelgning_rettidig": share}})
        assert r.svar == grade and r.kilde == "05_noegletal: andel_opfoelgning_rettidig"


def test_own_and_external_compared():
    a = answer("egne_mod_eksterne")  # §108: own (A, B) and external (C); too few to show costs
    assert a.svar == "Ja" and a.vaerdi is None
    assert a.evidens == ("Arbejdsbog 06 (indkøb) sammenligner udgiften pr. helårsperson i egne "
                         "og eksterne tilbud inden for 1 paragraffer (2025).")
    b = answer("egne_mod_eksterne", p=params().model_copy(update={"diskretion": 1}))
    own = (360_000 + 300_000) / (1 + 306 / 365)  # G2 from 1 March: 306 of 365 days
    assert b.vaerdi == pytest.approx(720_000 / own - 1)
    assert b.evidens.endswith("; fx §108: egen drift 359.016 kr., eksterne leverandører "
                              "720.000 kr.")
    only_own = Data.from_tables({**small().tables(), "leverandoerer": small().leverandoerer.assign(
        leverandoertype="egen drift")})
    c = answer("egne_mod_eksterne", data=only_own)
    assert c.svar is None and c.vaerdi == 0 and "Ingen paragraf" in c.evidens


def test_budget_split_on_price_and_quantity():
    a = answer("budget_pris_maengde")
    assert a.vaerdi == pytest.approx(1_300_000 / 1_500_000) and a.svar == "Godt i gang"
    assert a.evidens.startswith("86,7 % af budgettet for 2025 (1.300.000 kr. af 1.500.000 kr.)")
    d = small()
    full = Data.from_tables({**d.tables(), "budget": d.budget.assign(forudsat_antal=[2.0, 2, 1])})
    assert answer("budget_pris_maengde", data=full).svar == "På plads"
    none = Data.from_tables({**d.tables(), "budget": d.budget.assign(
        forudsat_antal=np.nan, forudsat_enhedspris=np.nan)})
    assert answer("budget_pris_maengde", data=none).svar == "Ikke i gang"
    some = Data.from_tables({**d.tables(), "budget": d.budget.assign(
        forudsat_antal=[np.nan, np.nan, 1.0], forudsat_enhedspris=np.nan)})
    assert answer("budget_pris_maengde", data=some).svar == "Påbegyndt"  # 200,000 of 1.5 mio.
    empty = Data.from_tables({k: v for k, v in d.tables().items() if k != "budget"})
    e = answer("budget_pris_maengde", data=empty)
    assert e.svar == "Ikke i gang" and "ingen budgettabel" in e.evidens


def test_effect_and_progression_measured():
    a = answer("effektmaaling")
    assert a.vaerdi == pytest.approx(0.5) and a.svar == "Godt i gang"
    assert a.evidens.startswith("50,0 % af borgerne med en aktiv bevilling har mindst to "
                                "udredninger")
    assert "Ingen indsats har fået målt sin effekt" in a.evidens
    b = answer("effektmaaling", {"02_effekt_og_progression": {"succes": "opfyldt"}})
    assert b.svar == "På plads" and "succeskriteriet er opfyldt" in b.evidens
    assert b.kilde == "02_effekt_og_progression: succes"
    d = small()
    fewer = Data.from_tables({**d.tables(), "vurderinger": d.vurderinger[
        d.vurderinger["borger_id"].ne("C")]})  # 1 of 4 assessed twice
    assert answer("effektmaaling", data=fewer).svar == "Påbegyndt"
    assert answer("effektmaaling", {"02_effekt_og_progression": {"succes": "usikkert"}},
                  data=fewer).svar == "Godt i gang"
    none = Data.from_tables({k: v for k, v in d.tables().items() if k != "vurderinger"})
    c = answer("effektmaaling", data=none)
    assert c.svar == "Ikke i gang" and "ingen udredninger" in c.evidens


def test_serviceniveau_in_the_parameters(tmp_path):
    one = answer("serviceniveau")  # the eksempelkommune's example (§85)
    assert one.svar == "Ja" and one.evidens.startswith("Parametrene har et serviceniveau for "
                                                       "1 paragraf (§85)")
    a = answer("serviceniveau", p=with_serviceniveau(params(), {}))  # as default.yaml's
    assert a.svar == "Nej" and a.spoergsmaal == "D10" and a.anbefaling == 2
    folder = tmp_path / "parameters"
    (folder / "kommuner").mkdir(parents=True)
    shutil.copy(REPO / "parameters" / "default.yaml", folder / "default.yaml")
    own = {"kommune": "furesoe", "navn": "Furesø", "opfoelgning": {"serviceniveau": {
        "§85": {"0-1": {"omfang": "1-3", "priskategori": "middel", "revisitation_maaneder": 12}},
        "§107": {"2-4": {"omfang": 7, "priskategori": "middel", "revisitation_maaneder": 6}}}}}
    (folder / "kommuner" / "furesoe.yaml").write_text(yaml.safe_dump(own, allow_unicode=True),
                                                     encoding="utf-8")
    b = answer("serviceniveau", p=load_parameters("furesoe", root=tmp_path))
    assert b.svar == "Ja" and b.vaerdi == 2
    assert b.evidens.startswith("Parametrene har et serviceniveau for 2 paragraffer (§107, §85)")


def test_providers_in_use():
    a = answer("antal_leverandoerer")  # 2025: L2 720,000, L1 660,000, L3 230,000
    assert a.svar is None and a.vaerdi == 3
    assert a.evidens == ("Kommunen har betalt til 3 leverandører i 2025, heraf 2 eksterne; 2 "
                         "leverandører står for 80 % af udgiften (arbejdsbog 06, indkøb).")


def test_occupancy_of_own_offers():
    a = answer("belaegning")  # December 2025: A and B on T1's 4 places every day
    assert a.vaerdi == pytest.approx(0.5) and a.svar == "Ikke i gang"
    assert a.evidens == ("De egne tilbud (4 pladser) i måneden til og med 31.12.2025 har en "
                         "belægning på 50,0 %; mellem 90 % og 100 % regnes som kapacitet, der "
                         "passer til behovet.")
    from socialanalyse import kapacitet

    month = kapacitet.occupancy(small(), months=1).maaned
    assert a.vaerdi == month["belagte_pladser"].sum() / month["pladser"].sum()  # one definition
    for occ, status in ((0.95, "På plads"), (0.9, "På plads"), (1.0, "På plads"),
                        (0.85, "Påbegyndt"), (0.8, "Påbegyndt"), (1.05, "Påbegyndt"),
                        (0.79, "Ikke i gang"), (1.06, "Ikke i gang")):
        r = answer("belaegning", {"07_kapacitet": {"belaegning_gns": occ}})
        assert r.svar == status, occ
        assert r.kilde == "07_kapacitet: belaegning_gns"
    d = small()
    no_offers = Data.from_tables({**d.tables(), "tilbud": d.tilbud.iloc[:0],
                                  "bevillinger": d.bevillinger.assign(tilbud_id=None)})
    c = answer("belaegning", data=no_offers)
    assert c.svar is None and c.evidens.startswith("Belægningen i egne tilbud kan ikke vises: "
                                                   "tabellen tilbud")


def test_recorded_numbers_only_when_they_are_numbers():
    res = {"06_indkoeb": {"andel_udgift_standardkontrakt": "<5", "potentiale_hoej": True,
                          "potentiale_lav": float("nan")},
           "07_kapacitet": {"belaegning_gns": 0.9}}
    assert number(res, "standardkontrakt") is None
    assert number(res, "forhandling_hoej") is None
    assert number(res, "forhandling_lav") is None
    assert number(res, "belaegning") == 0.9
    assert number({}, "belaegning") is None and number(None, "belaegning") is None
