"""The self-evaluation's reference data: KL's 12 recommendations and Deloitte's 25 questions.

The counts are those Deloitte's report states in words (its figures are scrambled in the text
extraction); the table below is transcribed by hand from the report's body, and the quotes in
the YAML must be the report's own sentences (checked against the seed text when it is there).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from socialanalyse import reference as ref
from socialanalyse.selvevaluering import SKALAER, VED_IKKE

REPO = Path(__file__).resolve().parents[1]
SEEDS = next((p / "shared" / "seeds" for p in REPO.parents
              if (p / "shared" / "seeds").is_dir()), None)

# (question, answers) -> count, as the report's body says it in words.
STATED = {
    (1, ("Middel", "Høj")): 11,   # "11 ud af 14 ... middel eller højt fagligt niveau"
    (2, ("Middel", "Høj")): 11,   # "11 ud af 14 ... prisen er middel eller høj"
    (3, ("Ja",)): 0,              # "ingen af de 14 kommuner ... har planer om"
    (4, ("Høj",)): 10,            # "10 ud af 14 ... i høj grad ... et 'indkøb'"
    (5, ("Ja",)): 12,             # "visitationsudvalg i 12 ud af 14 kommuner"
    (5, ("Nej",)): 2,             # "ikke oprettet et visitationsudvalg ... 2 ud af de 14"
    (6, ("Høj",)): 5,             # "kun 5 ud af 14 ... i høj grad inddrager"
    (7, ("Høj",)): 6,             # "kun 6 ud af 14 ... i høj grad har adgang"
    (8, ("Ja",)): 9,              # "kun 9 ud af 14 ... sammenligner nøgletal"
    (9, ("Ja",)): 10,             # "10 ud af 14 ... klart formulerede arbejdsgangsbeskrivelser"
    (11, ("Ja",)): 12,            # "12 ud af 14 ... god økonomisk bevidsthed"
    (12, ("Høj",)): 8,            # "8 ud af 14 ... høj systematik"
    (13, ("Ja",)): 13,            # "13 ud af de 14 ... politik om at prioritere egne tilbud"
    (14, ("Høj",)): 3,            # "kun 3 ud af 14 i høj grad en klart formuleret procedure"
    (16, ("Ja",)): 8,             # "8 ud af 14 kommuner en politik om ... 2-3 alternativer"
    (17, ("Middel", "Høj")): 10,  # "I 10 ud af 14 ... 2-3 alternative leverandører og ..."
    (17, ("Lav",)): 3,            # "i 3 kommuner kun typisk ... ét tilbud"
    (18, ("Middel", "Høj")): 10,  # the same sentence: "... leverandører og ydelsespakker"
    (18, ("Lav",)): 3,
    (19, ("Høj",)): 9,            # "9 ud af 14 ... i høj grad benytter botilbud, som de plejer"
    (20, ("Høj",)): 12,           # "12 ud af 14 kommuner geografisk placering højt"
    (21, ("Ja",)): 5,             # "kun 5 ud af de 14 kommuner ... standardkontraktskabelon"
    (22, ("Høj",)): 5,            # "kun 5 ud af 14 ... tillægsydelser i høj grad er specificeret"
    (23, ("Høj",)): 8,            # "8 ud af 14 ... i høj grad er klare rammer for opfølgningen"
    (24, ("Høj",)): 1,            # "Kun 1 ud af 14 ... i høj grad er muligt at forhandle"
    (24, ("Middel",)): 10,        # "10 kommuner i middel grad"
    (25, ("Høj",)): 9,            # "9 ud af 14 angiver, at de har en systematisk proces"
}


def normalise(text: str) -> str:
    """The seed's text without hyphenation at line ends and with single spaces."""
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def test_kl_recommendations():
    kl = ref.kl_anbefalinger()
    assert list(kl["nr"]) == list(range(1, 13))
    assert kl["gruppe"].value_counts().to_dict() == {"Tag politisk stilling": 6,
                                                    "Samarbejde med forvaltningen": 6}
    assert kl["spoergsmaal"].str.endswith("?").all()
    row = kl.set_index("nr")
    assert row.loc[12, "titel"] == ("Styrk jeres indkøbspraksis og skab gennemsigtighed "
                                    "mellem pris og kvalitet")
    assert row.loc[12, "cases"].startswith("Herlev Kommune: ")
    assert row.loc[10, "cases"].startswith("Furesø Kommune: Servicetjek")
    assert row.loc[6, "cases"].count("; ") == 1  # Vestklyngen and KKR Sjælland
    assert row.loc[2, "overskrift"] == "Tag politisk stilling til det lokale serviceniveau"
    assert row.loc[7, "overskrift"] == row.loc[7, "titel"]


def test_deloitte_questions_and_scales():
    q = ref.deloitte_spoergsmaal()
    assert list(q["nr"]) == list(range(1, 26))
    assert ref.deloitte_antal_kommuner() == 14
    assert set(q["skala"]) == {"grad", "ja_nej"}
    for skala, values in q.groupby("skala")["svarmuligheder"].first().items():
        assert set(values) == set(SKALAER[skala]) | {VED_IKKE}
        assert values[-1] == VED_IKKE
    assert q.set_index("nr").loc[17, "forklaring"].startswith("Lav svarer til 1")


def test_the_counts_the_report_states_in_words():
    f = ref.deloitte_fordeling()
    stated = f[f["svar"].map(len) > 0]
    assert {(r.nr, r.svar): r.antal for r in stated.itertuples()} == STATED
    # The three named in the issue.
    assert STATED[(21, ("Ja",))] == 5 and STATED[(8, ("Ja",))] == 9
    assert STATED[(5, ("Ja",))] == 12


def test_distributions_sum_to_at_most_14_and_answers_are_on_the_scale():
    f = ref.deloitte_fordeling()
    scale = ref.deloitte_spoergsmaal().set_index("nr")["svarmuligheder"]
    for nr, rows in f.groupby("nr"):
        stated = rows[rows["svar"].map(len) > 0]
        assert stated["antal"].sum() <= 14, nr
        assert rows["antal"].sum() == 14, nr  # with the ikke oplyst rest
        answers = [a for s in stated["svar"] for a in s]
        assert len(answers) == len(set(answers)), f"{nr}: overlapping answers"
        assert set(answers) <= set(scale[nr]), nr
    assert set(f["nr"]) == set(range(1, 26))
    rest = f[f["svar"].map(len) == 0]
    assert (rest["betegnelse"] == "Ikke oplyst").all() and (rest["kilde"] == "").all()
    # Questions 10 and 15 have no count in the body: all 14 are ikke oplyst.
    assert rest.set_index("nr").loc[[10, 15], "antal"].tolist() == [14, 14]


def test_each_quote_states_its_count():
    f = ref.deloitte_fordeling()
    for r in f[f["svar"].map(len) > 0].itertuples():
        quote = re.search(r"»(.*)«", r.kilde).group(1)
        assert re.match(r"\d(\.\d)? ?\w", r.kilde), r.kilde  # a section reference first
        numbers = re.findall(r"\b(\d+) (?:ud af|kommuner)", quote)
        said = 0 if "ingen af de 14" in quote else int(numbers[0])
        assert said == r.antal, (r.nr, quote)


@pytest.mark.skipif(SEEDS is None, reason="the seed documents (shared/seeds) are not here")
def test_quotes_and_texts_are_the_reports_own_words():
    deloitte = normalise((SEEDS / "003_41e45086ed3d5c46.txt").read_text(encoding="utf-8"))
    kl_text = normalise((SEEDS / "000_3edf31020b013547.txt").read_text(encoding="utf-8"))
    f = ref.deloitte_fordeling()
    for kilde in f.loc[f["kilde"] != "", "kilde"]:
        assert normalise(re.search(r"»(.*)«", kilde).group(1)) in deloitte, kilde
    q = ref.deloitte_spoergsmaal()
    # Question 15's 'visitationskriterier' is spelt 'visitionskriterier' in Bilag 2.
    for r in q[q["nr"] != 15].itertuples():
        assert normalise(r.tekst) in deloitte, r.tekst
    kl = ref.kl_anbefalinger()
    for r in kl.itertuples():
        for text in (r.titel, r.overskrift, r.spoergsmaal, *r.cases.split("; ")):
            for part in text.split(": ", 1):
                assert normalise(part) in kl_text, part


def test_data_readme_explains_the_files_and_every_column():
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for name, frames in {"kl_anbefalinger.yaml": [ref.kl_anbefalinger()],
                         "deloitte_spoergsmaal.yaml": [ref.deloitte_spoergsmaal(),
                                                       ref.deloitte_fordeling()]}.items():
        assert f"`{name}`" in text
        for frame in frames:
            for column in frame.columns:
                assert f"`{column}`" in text, (name, column)
