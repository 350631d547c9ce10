"""Status, disagreements and where to start, on hand-made answers and data answers with
hand-computed statuses and rankings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import selvevaluering as S
from socialanalyse.selvevaluering.comparison import status_label


def datasvar(rows) -> pd.DataFrame:
    """A data_answers frame from (spoergsmaal, anbefaling, svar)."""
    return pd.DataFrame([{"noegle": f"k{i}", "spoergsmaal": q, "anbefaling": a, "emne": q,
                          "svar": s, "vaerdi": None, "evidens": f"Evidens {q}.", "kilde": "data"}
                         for i, (q, a, s) in enumerate(rows)], columns=S.from_data.COLUMNS)


DATA = datasvar([
    ("D10", 2, "Nej"),          # position 0
    ("KL3", 3, "Påbegyndt"),    # 1/3
    ("KL7", 7, "På plads"),     # 1
    ("D25", 10, "Høj"),         # 1
    ("KL11", 11, "Godt i gang"),  # 2/3
    ("D21", 12, "Nej"),         # 0
    ("D8", 12, "Ja"),           # 1   -> recommendation 12: mean 0.5 -> Godt i gang
    ("KL12", 12, None),         # a fact without an answer
])
SELF = S.validate_answers(pd.DataFrame([
    ("KL1", "Påbegyndt"), ("KL2", "På plads"), ("KL3", "Godt i gang"), ("KL5", "Ved ikke"),
    ("KL7", "Ikke i gang"), ("KL9", "På plads"), ("KL10", "Godt i gang"), ("KL12", "På plads"),
    ("D8", "Ja"), ("D10", "Ja"), ("D21", "Ja"), ("D25", "Middel"),
], columns=["id", "svar"]).assign(kommentar=lambda f: np.where(f["id"] == "KL2", "Vedtaget 2024",
                                                                None)))
RESULTATER = {
    "01_servicetjek": {"potentiale_lav": 4_000_000, "potentiale_hoej": 8_000_000},
    "04_budget_og_prognose": {"afvigelse": -500_000},
    "06_indkoeb": {"potentiale_lav": 1_000_000, "potentiale_hoej": 3_000_000},
    "07_kapacitet": {"hjemtagning_besparelse_lav": 2_000_000},
    "08_opfoelgning": {"besparelse": 2_500_000},
    "_meta": {},
}


def test_status_label_rounds_to_the_nearest_step():
    assert [status_label(p) for p in (0, 0.16, 1 / 6, 0.5, 0.84, 1)] == [
        "Ikke i gang", "Ikke i gang", "Påbegyndt", "Godt i gang", "På plads", "På plads"]
    assert status_label(None) is None and status_label(np.nan) is None
    assert S.position("Påbegyndt", "status") == 1 / 3 and S.position("Middel", "grad") == 0.5
    assert S.position("Ved ikke", "grad") is None and S.position("Ja", "grad") is None


def test_data_status_is_the_mean_of_the_answers_informing_a_recommendation():
    ds = S.data_status(DATA).set_index("nr")
    assert ds["data_status"].to_dict() == {
        1: None, 2: "Ikke i gang", 3: "Påbegyndt", 4: None, 5: None, 6: None, 7: "På plads",
        8: None, 9: None, 10: "På plads", 11: "Godt i gang", 12: "Godt i gang"}
    assert ds.loc[12, "data_position"] == 2 / 3
    assert ds.loc[12, "data_evidens"] == "Evidens D21. Evidens D8. Evidens KL12."


def test_status_is_the_more_cautious_of_self_assessment_and_data():
    st_ = S.status_table(SELF, DATA).set_index("nr")
    assert st_["status"].to_dict() == {
        1: "Påbegyndt", 2: "Ikke i gang", 3: "Påbegyndt", 4: None, 5: None, 6: None,
        7: "Ikke i gang", 8: None, 9: "På plads", 10: "Godt i gang", 11: "Godt i gang",
        12: "Godt i gang"}
    assert st_.loc[5, "selvvurdering"] is None  # 'Ved ikke' takes no position
    assert st_.loc[2, "kommentar"] == "Vedtaget 2024"
    alone = S.status_table(None, DATA).set_index("nr")
    assert alone["status"].equals(alone["data_status"])


def test_disagreements_half_the_scale_apart():
    d = S.disagreements(SELF, DATA)
    assert d[["id", "selvvurdering", "data", "afstand"]].values.tolist() == [
        ["KL2", "På plads", "Ikke i gang", 1.0],
        ["KL7", "Ikke i gang", "På plads", 1.0],
        ["D10", "Ja", "Nej", 1.0],
        ["D21", "Ja", "Nej", 1.0],
        ["D25", "Middel", "Høj", 0.5],
    ]
    row = d.set_index("id")
    assert row.loc["KL2", "retning"] == "Selvvurderingen er mere positiv end data"
    assert row.loc["KL7", "retning"] == "Data er mere positive end selvvurderingen"
    assert row.loc["KL2", "kommentar"] == "Vedtaget 2024"
    assert row.loc["D21", "spoergsmaal"] == "Anvendelse af standardkontrakt med klare rammer"
    assert row.loc["D21", "evidens"] == "Evidens D21."
    # One step of KL's four (KL3, KL10, KL12) and equal answers (D8) are not disagreements.
    assert S.disagreements(None, DATA).empty


def test_ranking_by_kroner_then_status():
    p = S.priorities(RESULTATER, DATA, SELF)
    assert list(p["nr"]) == [10, 2, 3, 12, 7, 1, 11, 4, 5, 6, 8, 9]
    assert list(p["rang"]) == list(range(1, 13))
    assert list(p.loc[p["start_her"], "nr"]) == [10, 2, 3]
    row = p.set_index("nr")
    assert (row.loc[10, "kroner_lav"], row.loc[10, "kroner_hoej"], row.loc[10, "kroner"]) == (
        4e6, 8e6, 6e6)
    assert row.loc[3, "kroner_lav"] == row.loc[3, "kroner_hoej"] == 2e6  # one end recorded
    assert row.loc[7, "kroner"] == 0  # an underspend is not at stake
    assert np.isnan(row.loc[1, "kroner"]) and row.loc[1, "kroner_kilde"] == ""
    assert row.loc[10, "kroner_kilde"] == ("Servicetjekkets potentiale pr. år, arbejdsbog 01 "
                                          "(servicetjek)")
    assert row.loc[9, "status"] == "På plads" and not row.loc[9, "start_her"]


def test_an_overrun_is_at_stake_and_too_few_kroner_are_made_up_by_status():
    res = {"04_budget_og_prognose": {"afvigelse": 1_200_000}}
    p = S.priorities(res, DATA, SELF)
    assert p.loc[p["nr"] == 7, "kroner"].iloc[0] == 1.2e6
    assert list(p["nr"][:3]) == [7, 2, 1]  # 2 before 1: 'Ikke i gang' before 'Påbegyndt'
    assert list(p.loc[p["start_her"], "nr"]) == [7, 2]  # one with kroner, one by status
    none = S.priorities({}, DATA, SELF)
    assert list(none["nr"]) == [2, 7, 1, 3, 10, 11, 12, 4, 5, 6, 8, 9]
    assert list(none.loc[none["start_her"], "nr"]) == [2, 7]
    three = S.priorities({}, DATA, SELF, antal=3, mindst=3)
    assert list(three.loc[three["start_her"], "nr"]) == [2, 7, 1]


STATUS_OR_NONE = st.sampled_from([None, *S.STATUS])


@settings(max_examples=40, deadline=None)
@given(statuses=st.lists(STATUS_OR_NONE, min_size=12, max_size=12),
       kroner=st.lists(st.one_of(st.none(), st.floats(-1e7, 1e8)), min_size=5, max_size=5),
       antal=st.integers(1, 4), mindst=st.integers(0, 4))
def test_ranking_invariants(statuses, kroner, antal, mindst):
    answers = S.validate_answers(pd.DataFrame(
        [(f"KL{n}", s) for n, s in zip(range(1, 13), statuses)], columns=["id", "svar"]))
    keys = ["servicetjek_hoej", "hjemtagning_hoej", "forhandling_hoej", "budget_afvigelse",
            "serviceniveau_kr"]
    res: dict = {}
    for key, k in zip(keys, kroner):
        if k is not None:
            notebook, name = S.RESULTATER[key]
            res.setdefault(notebook, {})[name] = k
    p = S.priorities(res, datasvar([]), answers, antal=antal, mindst=mindst)
    assert sorted(p["rang"]) == list(range(1, 13)) and sorted(p["nr"]) == list(range(1, 13))
    cand = p["status"] != "På plads"
    assert not (p["start_her"] & ~cand).any()
    assert (p["kroner"].dropna() >= 0).all()
    with_kr = p[cand & p["kroner"].notna()]
    assert with_kr["kroner"].is_monotonic_decreasing
    positive = int((cand & p["kroner"].gt(0)).sum())
    least = min(mindst, antal)
    expected = min(antal, positive) if positive >= least else min(least, int(cand.sum()))
    assert int(p["start_her"].sum()) == expected
    # Candidates come before the recommendations already in place.
    assert (p["rang"][cand].max() if cand.any() else 0) < (
        p["rang"][~cand].min() if (~cand).any() else 13)


def test_the_proposal_sizes_are_parameters_checked_in_danish(tmp_path):
    import pytest
    from helpers import write_minimal_kommune

    from socialanalyse import config

    ok = write_minimal_kommune(tmp_path / "ok", params={"selvevaluering": {
        "antal_forslag": 2, "mindst_forslag": 1, "besvarelse": "svar/{kommune}.xlsx"}})
    p = config.load_parameters(ok.slug, root=ok.root)
    assert (p.selvevaluering.antal_forslag, p.selvevaluering.mindst_forslag) == (2, 1)
    assert S.answers_file(p) == ok.root / "svar" / "eksempelkommune.xlsx"
    assert S.answers_file(p, "/abs/fil.xlsx").as_posix() == "/abs/fil.xlsx"  # the notebook's
    bad = write_minimal_kommune(tmp_path / "bad", params={"selvevaluering": {
        "antal_forslag": 2, "mindst_forslag": 3}})
    with pytest.raises(config.ParameterFejl) as info:
        config.load_parameters(bad.slug, root=bad.root)
    assert (f"{bad.params_file}: nøglen 'selvevaluering.mindst_forslag' må ikke være større "
            "end antal_forslag (2) (fik 3)") in str(info.value)
