"""views.selvevaluering: the figures, tables, texts and headline results of notebook 10 on
hand-made answers and results (numbers checked by hand), and deloitte_comparison's
'at most this many of the 14 answered the same'."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse import selvevaluering as S
from socialanalyse.views import selvevaluering as view

#: The data's answers as data_answers returns them (a hand-made subset).
DATASVAR = pd.DataFrame([
    ("serviceniveau", "D10", 2, "Serviceniveau i parametrene", "Nej", 0.0, "Intet.", "data"),
    ("standardkontrakt", "D21", 12, "Standardkontrakt", "Nej", 0.5, "Halvdelen.",
     "06_indkoeb: andel_udgift_standardkontrakt"),
    ("budget_pris_maengde", "KL7", 7, "Budget på pris og mængde", "På plads", 1.0, "Alt.",
     "data"),
    ("antal_leverandoerer", "KL12", 12, "Leverandører i brug", None, 21.0, "21.", "data"),
], columns=["noegle", "spoergsmaal", "anbefaling", "emne", "svar", "vaerdi", "evidens",
            "kilde"])
ANSWERS = S.validate_answers(pd.DataFrame({
    "id": ["D1", "D3", "D5", "D21", "D10", "KL7", "KL1", "D2"],
    "svar": ["Lav", "Nej", "Nej", "Ja", "Ja", "Ikke i gang", "Påbegyndt", "Ved ikke"],
    "kommentar": [None, None, None, None, "Vedtaget", None, None, None],
}))
#: Recorded results: servicetjek 1-3 mio. kr. (KL 10), budget 0,5 mio. kr. (KL 7).
RESULTATER = {"01_servicetjek": {"potentiale_lav": 1_000_000, "potentiale_hoej": 3_000_000},
              "04_budget_og_prognose": {"afvigelse": 500_000}}


def test_deloitte_comparison_counts_who_could_share_the_answer():
    cmp = S.deloitte_comparison(ANSWERS, DATASVAR).set_index("id")
    # D1 Lav: 11 said middel or høj, 3 not stated -> at most 3 said lav.
    assert cmp.at["D1", "hoejst_samme"] == 3 and cmp.at["D1", "mindretal"]
    # D3 Nej: 'Ja 0', the other 14 not stated -> up to 14 said nej.
    assert cmp.at["D3", "hoejst_samme"] == 14 and not cmp.at["D3", "mindretal"]
    assert cmp.at["D5", "hoejst_samme"] == 2  # Ja 12, Nej 2
    assert cmp.at["D21", "hoejst_samme"] == 5 and cmp.at["D21", "data"] == "Nej"
    assert np.isnan(cmp.at["D2", "hoejst_samme"]) and cmp.at["D2", "kommune"] == "Ved ikke"
    assert cmp.at["D4", "kommune"] is None and not cmp.at["D4", "mindretal"]
    assert len(cmp) == 25


def test_deloitte_figure_and_alt():
    cmp = S.deloitte_comparison(ANSWERS, DATASVAR)
    fig = view.deloitte_figure(cmp)
    assert len(fig.axes[0].get_yticks()) == 25
    # A mark per answer on a scale: the municipality's D1, D3, D5, D10, D21 (not D2's 'Ved
    # ikke'), the data's D10 and D21; D10's both on the grey 'ikke oplyst' (x = 14 / 2).
    marks = [(line.get_marker(), *line.get_xydata()[0]) for line in fig.axes[0].lines]
    assert len(marks) == 7
    assert ("v", 7.0, 9 - 0.42) in marks and ("o", 7.0, 9 + 0.42) in marks
    assert ("v", 13.0, 4 - 0.42) in marks  # D5 Nej: the 2 after Ja's 12
    plt.close(fig)
    alt = view.deloitte_alt(cmp)
    assert "Kommunen har besvaret 6 af dem" in alt  # six Deloitte rows, D2 Ved ikke too
    assert "1 (Lav: højst 3 af 14)" in alt and "5 (Nej: højst 2 af 14)" in alt
    assert "21 (Ja: højst 5 af 14)" in alt and "3 (Nej" not in alt
    none = S.deloitte_comparison(None, DATASVAR)
    assert view.deloitte_alt(none).endswith("datas svar er markeret, hvor data kan svare.")


def test_status_grid_figure_and_alt():
    st = S.status_table(ANSWERS, DATASVAR)
    fig = view.status_grid_figure(st)
    assert len(fig.axes[0].get_yticks()) == 12
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"Ikke besvaret", "Data kan ikke svare", "Ukendt", "Påbegyndt"} <= texts
    plt.close(fig)
    alt = view.status_grid_alt(st)
    # KL1 påbegyndt (self), KL2 ikke i gang (data D10 Nej), KL7 ikke i gang (the more cautious),
    # KL12 from D21 Nej: ikke i gang; the other 8 unknown.
    assert alt.endswith("Samlet: 3 ikke i gang, 1 påbegyndt, 8 med ukendt status."), alt


def test_kroner_answer_and_source_texts():
    assert view.kroner_text(1_200_000, 3_400_000) == "1,2–3,4 mio. kr."
    assert view.kroner_text(2_000_000, 2_000_000) == "2,0 mio. kr."
    assert view.kroner_text(np.nan, np.nan) == "ikke opgjort"
    assert view.answer_text("Ja", 1.0) == "Ja"
    assert view.answer_text(None, 21.0) == "Intet svar (et faktum)"
    assert view.answer_text(None, None) == view.answer_text(None, np.nan) == "Kan ikke afgøres"
    assert view.source_name("06_indkoeb: potentiale_lav") == "Arbejdsbog 06 (indkøb)"
    assert view.source_name("data") == "Kommunens data"


def test_tables_are_danish():
    t = view.data_answers_table(DATASVAR)
    assert list(t.columns) == ["Emne", "Spørgsmål", "Datas svar", "Begrundelse", "Kilde"]
    assert t["Spørgsmål"].iloc[0].startswith("Deloitte 10: ")
    assert t["Datas svar"].tolist() == ["Nej", "Nej", "På plads", "Intet svar (et faktum)"]
    assert t["Kilde"].tolist()[:2] == ["Kommunens data", "Arbejdsbog 06 (indkøb)"]
    dis = view.disagreement_table(S.disagreements(ANSWERS, DATASVAR))
    assert set(dis["Spørgsmål"].str.split(":").str[0]) == {"KL 7", "Deloitte 10",
                                                          "Deloitte 21"}
    assert "Vedtaget" in dis["Kommentar"].tolist()
    prio = S.priorities(RESULTATER, DATASVAR, ANSWERS)
    p = view.priorities_table(prio).set_index("Rang")
    assert p.at[1, "Anbefaling"].startswith("10. ") and p.at[1, "Start her"] == "Ja"
    assert p.at[1, "Kroner på spil"] == "1,0–3,0 mio. kr."
    assert p.at[2, "Anbefaling"].startswith("7. ") and p.at[2, "Kroner på spil"] == "0,5 mio. kr."
    rows = p.set_index("Anbefaling")
    assert rows.filter(like="12. ", axis=0)["Kroner på spil"].iloc[0] == "ikke opgjort"
    assert rows.filter(like="4. ", axis=0)["Kroner på spil"].iloc[0] == "–"


def test_proposal_and_discussion_texts():
    prio = S.priorities(RESULTATER, DATASVAR, ANSWERS)
    text = view.proposal_text(prio)
    assert view.KL_CITAT in text and "**10. Sæt fokus på faglige" in text
    assert "1,0–3,0 mio. kr. på spil (servicetjekkets potentiale pr. år" in text
    assert "dem med flest kroner på spil blandt dem, der ikke er på plads" in text
    assert "men står sidst" not in text  # nothing with kroner is på plads here
    done = prio.assign(status=prio["status"].where(prio["nr"] != 10, "På plads"))
    assert "Anbefaling 10 har 2,0 mio. kr. på spil, men står sidst" in view.proposal_text(done)
    bare = view.proposal_text(S.priorities({}, DATASVAR, ANSWERS))
    assert "da ingen arbejdsbog i kørslen har sat kroner" in bare
    kl = S.questions().set_index("id")
    disc = view.discussion_text(prio)
    assert kl.at["KL10", "spoergsmaal"] in disc and kl.at["KL7", "spoergsmaal"] in disc
    assert kl.at["KL5", "spoergsmaal"] not in disc


def test_fill_in_texts_by_audience():
    intern = view.fill_in_text(None, True)
    assert "besvarelse: data/{kommune}/selvevaluering_udfyldt.xlsx" in intern
    byraad = view.fill_in_text(None, False)
    assert ".xlsx" not in byraad and "yaml" not in byraad
    assert "eksempel_selvevaluering.xlsx" in view.fill_in_text(
        "x/selvevaluering.xlsx", True, "data/eksempel_selvevaluering.xlsx")


def test_missing_results_in_danish():
    assert "arbejdsbog 01 (servicetjek)" not in view.missing_results(RESULTATER)
    assert view.missing_results(RESULTATER)[0] == "arbejdsbog 02 (effekt og progression)"
    text = view.missing_results_text({})
    assert text.startswith("Kørslen har ingen resultater fra arbejdsbog 01 (servicetjek), ")
    assert " og arbejdsbog 08 (opfølgning)." in text
    every = {nb: {"x": 1} for nb in dict.fromkeys(n for n, _ in S.RESULTATER.values())}
    assert view.missing_results_text(every) is None


def test_headline_results():
    st = S.status_table(ANSWERS, DATASVAR)
    dis = S.disagreements(ANSWERS, DATASVAR)
    prio = S.priorities(RESULTATER, DATASVAR, ANSWERS)
    h = view.headline_results(ANSWERS, DATASVAR, st, dis, prio)
    assert h["antal_besvarede"].value == 8 and h["antal_besvarede"].enhed == "tal"
    assert h["antal_uenigheder"].value == 3
    assert h["uenigheder"].value == ["KL 7", "Deloitte 10", "Deloitte 21"]
    assert h["forslag"].value[0].startswith("10. ")
    # Midpoints: servicetjek (1 + 3) / 2 = 2 mio., budget 0,5 mio.
    assert h["kroner_paa_spil"].value == pytest.approx(2_500_000)
    assert h["kroner_forslag"].value == pytest.approx(2_500_000)
    assert h["kroner_paa_spil"].enhed == "mio_kr"
    assert h["status"].value["7. Gør budgettet til et aktivt styringsværktøj med konkrete "
                             "forudsætninger om pris og mængde"] == "Ikke i gang"
    assert h["datasvar"].value["Leverandører i brug"] == "Intet svar (et faktum)"
    none = view.headline_results(None, DATASVAR, S.status_table(None, DATASVAR),
                                 S.disagreements(None, DATASVAR),
                                 S.priorities({}, DATASVAR))
    assert none["antal_besvarede"].value == 0 and none["kroner_paa_spil"].value is None


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_at_most_this_many_never_exceeds_the_14_nor_what_could_be_unstated(draw):
    from socialanalyse import reference as ref

    q = S.questions()
    q = q[q["kilde"] == "Deloitte"]
    ids = draw.draw(st.lists(st.sampled_from(list(q["id"])), unique=True, max_size=25))
    rows = q.set_index("id").loc[ids]
    picks = [draw.draw(st.sampled_from(list(c))) for c in rows["svarmuligheder"]]
    answers = S.validate_answers(pd.DataFrame({"id": ids, "svar": picks}))
    cmp = S.deloitte_comparison(answers, DATASVAR).set_index("id")
    f = ref.deloitte_fordeling()
    for qid, svar in zip(ids, picks):
        same = cmp.at[qid, "hoejst_samme"]
        if svar == S.VED_IKKE:
            assert np.isnan(same) and not cmp.at[qid, "mindretal"]
            continue
        groups = f[f["nr"] == int(qid[1:])]
        stated = groups[[svar in g for g in groups["svar"]]]["antal"].sum()
        unstated = groups[groups["svar"].map(len) == 0]["antal"].sum()
        assert 0 <= same <= 14 and same in (stated, unstated)
        assert cmp.at[qid, "mindretal"] == (same < 7)
