"""The servicetjek as a monthly routine (issue 20): the decisions folder read whole (latest
decision wins; unknown grants and same-date conflicts reported), the review list that
remembers, savings accumulated since the programme's start (hand-computed), observed shares
replacing the assumed ones only from the threshold, and the meeting pack."""

from __future__ import annotations

import hashlib
import math

import pandas as pd
import pytest
from openpyxl import load_workbook
from servicetjek_cases import grant, make, monthly, params, payments

from socialanalyse import report
from socialanalyse.report.excel import write_workbook
from socialanalyse.servicetjek import (
    REGLER,
    BeslutningsFejl,
    against_expected,
    combine_decisions,
    decisions_so_far,
    meeting_pack,
    observed_shares,
    read_decision_folder,
    realized_savings,
    remember,
    review_sheet,
    shares,
)
from socialanalyse.servicetjek.history import Gennemgangsliste
from socialanalyse.servicetjek.review import validate_decisions
from socialanalyse.views import servicetjek as view

AS_OF = "2026-10-31"


def data():
    """G1-G4: 60,000, 20,000, 30,000 and 10,000 kr a month (one unit), from 2025."""
    g = {"enhed": "maaned", "omfang": 1, "start": "2025-01-01"}
    return make([grant("G1", "a", pris=60_000, afdeling="Voksen", **g),
                 grant("G2", "b", pris=20_000, afdeling="Børn", **g),
                 grant("G3", "c", pris=30_000, afdeling="Voksen", **g),
                 grant("G4", "d", pris=10_000, afdeling="Børn", **g)],
                betalinger=payments("G1", "L1", monthly("2025-01", "2026-10", 60_000)))


def filled(folder, name, rows):
    """A review list as report.excel writes it, filled in: rows of (bevilling_id, beslutning,
    beslutningsdato, extra columns)."""
    frame = pd.DataFrame([{"prioritet": i + 1, "bevilling_id": b, "regler": "dyr_sag",
                           "enhedspris_nu": None, "omfang": 1.0, "beslutning": d,
                           "beslutningsdato": when, "ny_enhedspris": None, "nyt_omfang": None,
                           "ny_aarlig_udgift": None, **extra}
                          for i, (b, d, when, extra) in enumerate(rows)])
    return write_workbook({"Gennemgangsliste": frame}, folder / name)


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


# --- the folder ----------------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path):
    f = tmp_path / "beslutninger"
    f.mkdir()
    filled(f, "2026-07.xlsx", [("G4", "justeret", "01-07-2026", {"ny_aarlig_udgift": "60.000"})])
    filled(f, "2026-08.xlsx", [("G1", "uændret", "01-09-2026", {}),
                               ("G2", "justeret", "01.09.2026", {"nyt_omfang": "0,5"})])
    filled(f, "2026-09.xlsx", [("G1", "Ophørt", "15-09-2026", {}),
                               ("G3", "uaendret", None, {}), ("G4", None, None, {})])
    (f / "~$2026-09.xlsx").write_bytes(b"Excel's lock file")  # the list is open in Excel
    (f / "noter.txt").write_text("ikke en liste", encoding="utf-8")
    return f


def test_every_list_in_the_folder_is_read_and_the_latest_decision_wins(folder):
    before = digest(folder)
    b = read_decision_folder(folder, data())
    assert digest(folder) == before  # inputs are never modified
    assert b.filer["fil"].tolist() == ["2026-07.xlsx", "2026-08.xlsx", "2026-09.xlsx"]
    now = b.gaeldende.set_index("bevilling_id")
    assert now["beslutning"].to_dict() == {"G1": "ophørt", "G2": "justeret", "G3": "uændret",
                                           "G4": "justeret"}
    # An undated 'uændret' takes its meeting's date (the sheet's latest decision date).
    assert now.loc["G3", "beslutningsdato"] == pd.Timestamp("2026-09-15")
    assert now.loc["G1", "fil"] == "2026-09.xlsx"
    (g1,) = b.gentagne.itertuples()
    assert g1.bevilling_id == "G1" and g1.antal_beslutninger == 2
    assert g1.gaeldende == "ophørt 15.09.2026 (2026-09.xlsx, ark 'Gennemgangsliste', række 2)"
    assert g1.tidligere == "uændret 01.09.2026 (2026-08.xlsx, ark 'Gennemgangsliste', række 2)"
    assert b.ukendte.empty and b.modstrid.empty
    assert b.sete == {"G1", "G2", "G3", "G4"}
    text = view.decisions_text(b, folder)
    assert "3 udfyldte gennemgangslister" in text and "besluttet mere end én gang" in text


def test_accumulated_savings_since_the_programme_start_hand_computed(folder):
    b = read_decision_folder(folder, data())
    r = realized_savings(b.gaeldende, data(), params(besparelsesmaal=1_000_000), as_of=AS_OF,
                         start="2026-08-01")
    # G4's decision (1.7.2026) is before the start and does not count. G2 justeret 1.9 to half
    # the volume: 240,000 -> 120,000 a year from September; G1 ophørt 15.9: 720,000 a year from
    # October; G1's earlier 'uændret' is replaced. Per month: August 0; September
    # 120,000 / 12 = 10,000; October 10,000 + 720,000 / 12 = 70,000.
    m = r.pr_maaned
    assert m["maaned"].dt.strftime("%Y-%m").tolist() == ["2026-08", "2026-09", "2026-10"]
    assert m["besparelse"].tolist() == pytest.approx([0, 10_000, 70_000])
    assert m["akkumuleret"].tolist() == pytest.approx([0, 10_000, 80_000])
    assert m["aarlig_effekt"].tolist() == pytest.approx([0, 120_000, 840_000])
    assert r.realiseret == pytest.approx(80_000) and r.aarlig == pytest.approx(840_000)
    assert r.andel_af_maal == pytest.approx(0.84)
    # Without a start every decision counts: G4 saves 120,000 - 60,000 = 60,000 a year from
    # July (a decision on the 1st counts from its month; 5,000 a month): 80,000 + 4 × 5,000.
    everything = realized_savings(b.gaeldende, data(), params(), as_of=AS_OF)
    assert everything.aarlig == pytest.approx(900_000)
    assert everything.realiseret == pytest.approx(100_000)
    # The parameter servicetjek.programstart is the default start.
    p = params(programstart=pd.Timestamp("2026-08-01").date())
    assert realized_savings(b.gaeldende, data(), p, as_of=AS_OF).realiseret == pytest.approx(
        80_000)


def test_unknown_grants_and_two_decisions_on_one_date_are_reported_and_not_used(tmp_path):
    f = tmp_path / "b"
    f.mkdir()
    filled(f, "a.xlsx", [("G2", "uændret", "01-08-2026", {}),
                         ("G2", None, None, {}),  # an undecided row does not clash
                         ("G9", "uændret", "01-09-2026", {})])
    filled(f, "b.xlsx", [("G2", "justeret", "01-09-2026", {"ny_enhedspris": 15_000}),
                         ("G3", "justeret", "01-08-2026", {"nyt_omfang": 0.5})])
    filled(f, "c.xlsx", [("G2", "ophørt", "01-09-2026", {}),
                         ("G3", "justeret", "01-08-2026", {"nyt_omfang": "0,5"})])
    b = read_decision_folder(f, data())
    assert b.ukendte[["fil", "raekke", "bevilling_id"]].values.tolist() == [["a.xlsx", 4, "G9"]]
    (clash,) = b.modstrid.itertuples()
    assert clash.bevilling_id == "G2" and clash.dato == pd.Timestamp("2026-09-01")
    assert "justeret 01.09.2026 (b.xlsx" in clash.beslutninger
    assert "ophørt 01.09.2026 (c.xlsx" in clash.beslutninger
    now = b.gaeldende.set_index("bevilling_id")
    # G2: neither same-date decision is used; the earlier one stands. G3: the same decision in
    # two files counts once.
    assert now["beslutning"].to_dict() == {"G2": "uændret", "G3": "justeret"}
    assert b.gentagne.empty
    text = view.decisions_text(b, f)
    assert "findes ikke længere i data" in text and "to forskellige beslutninger" in text
    problems = view.unusable_table(b)
    assert problems["problem"].tolist() == ["bevillingen findes ikke i data",
                                            "to forskellige beslutninger samme dato"]


def test_bad_lists_name_file_sheet_row_and_column(tmp_path):
    f = tmp_path / "b"
    f.mkdir()
    filled(f, "god.xlsx", [("G1", "uændret", "01-09-2026", {})])
    path = filled(f, "maaned.xlsx", [("G1", "måske", "01-09-2026", {}),
                                     ("G2", "ophørt", "den 3.", {})])
    with pytest.raises(BeslutningsFejl) as exc:
        read_decision_folder(f, data())
    text = str(exc.value)
    ws = load_workbook(path)["Gennemgangsliste"]
    letter = {c.value: c.column_letter for c in ws[1]}
    assert "maaned.xlsx, arket 'Gennemgangsliste'" in text
    assert f"række 2, kolonne {letter['Beslutning']} (Beslutning): 'måske'" in text
    assert f"række 3, kolonne {letter['Beslutningsdato']} (Beslutningsdato): 'den 3.'" in text
    assert "god.xlsx" not in text
    with pytest.raises(BeslutningsFejl, match="Mappen med beslutninger .* findes ikke"):
        read_decision_folder(tmp_path / "mangler", data())
    undated = tmp_path / "udateret"
    undated.mkdir()
    filled(undated, "x.xlsx", [("G1", "uændret", None, {})])
    with pytest.raises(BeslutningsFejl, match="x.xlsx, arket 'Gennemgangsliste': ingen af "
                                              "beslutningerne har en beslutningsdato"):
        read_decision_folder(undated, data())


# --- the list that remembers ---------------------------------------------------------------

def decided(rows):
    """Beslutninger from hand-made rows (bevilling_id, beslutning, date, regler then,
    enhedspris_nu then, omfang then); G6 was on a list and left undecided."""
    d = data_memory()
    frame = pd.DataFrame([{"raekke": i + 2, "bevilling_id": b, "regler": r, "beslutning": x,
                           "beslutningsdato": when} for i, (b, x, when, r, _, _) in
                          enumerate(rows)] + [{"raekke": len(rows) + 2, "bevilling_id": "G6",
                                               "regler": "dyr_sag", "beslutning": None,
                                               "beslutningsdato": None}])
    raw = frame.assign(enhedspris_nu=[r[4] for r in rows] + [None],
                       omfang=[r[5] for r in rows] + [None])
    return combine_decisions([Gennemgangsliste("liste.xlsx", "Gennemgangsliste",
                                               validate_decisions(frame), raw)], d)


def data_memory(price_g1=60_000.0, prisindeks_years=0):
    g = {"enhed": "maaned", "omfang": 1, "start": "2025-01-01"}
    return make([grant("G1", "a", pris=price_g1, **g), grant("G2", "b", pris=20_000, **g),
                 grant("G3", "c", pris=30_000, **g),
                 grant("G4", "d", pris=10_000, enhed="maaned", omfang=2, start="2025-01-01"),
                 grant("G5", "e", pris=10_000, fslut="2026-10-15", **g),
                 grant("G6", "f", pris=10_000, **g), grant("G7", "g", pris=10_000, **g)],
                betalinger=payments("G1", "L1", monthly("2025-01", "2026-10", 60_000)))


def the_list():
    return pd.DataFrame({
        "prioritet": range(1, 8),
        "bevilling_id": ["G1", "G2", "G3", "G4", "G5", "G6", "G7"],
        "afdeling": ["Voksen", "Voksen", "Børn", "Børn", "Voksen", "Børn", "Voksen"],
        "regler": ["dyr_sag", "dyr_sag, opfoelgning_overskredet", "dyr_sag", "dyr_sag",
                   "dyr_sag", "dyr_sag", "dyr_sag"],
    })


ROWS = [  # decided in October (last month) unless said otherwise
    ("G1", "uændret", "06-10-2026", "dyr_sag", 60_000.0, 1.0),
    ("G2", "uændret", "06-10-2026", "dyr_sag", 20_000.0, 1.0),
    ("G3", "uændret", "15-01-2025", "dyr_sag", 30_000.0, 1.0),  # long ago
    ("G4", "uændret", "06-10-2026", "dyr_sag", 10_000.0, 1.0),  # volume now 2
    ("G5", "uændret", "06-10-2026", "dyr_sag", 10_000.0, 1.0),  # expected end 15.10 passed
]


def test_a_grant_decided_unchanged_last_month_is_left_out_unless_its_price_rose():
    p = params()
    h = remember(the_list(), decided(ROWS), data_memory(), p, as_of=AS_OF)
    status = h.liste.set_index("bevilling_id")["status"].to_dict()
    assert "G1" not in status and h.udeladt["bevilling_id"].tolist() == ["G1"]
    assert status == {
        "G2": "igen: ny regel (Opfølgning overskredet)",
        "G3": "igen: besluttet for over 12 måneder siden",
        "G4": "igen: omfanget er ændret",
        "G5": "igen: slutdatoen er passeret",
        "G6": "på listen før, ikke besluttet",
        "G7": "ny",
    }
    assert h.liste["prioritet"].tolist() == list(range(1, 7))  # renumbered, order kept
    assert h.liste.set_index("bevilling_id").loc["G2", "sidste_beslutning"] == "uændret 06.10.2026"
    counts = h.antal.set_index("status")["antal_bevillinger"]
    assert counts["udeladt: besluttet inden for 12 måneder, intet nyt"] == 1
    assert counts["markeret i alt"] == 7 and counts["ny"] == 1
    # The price rose: listed again.
    risen = remember(the_list(), decided(ROWS), data_memory(price_g1=66_000), p, as_of=AS_OF)
    assert risen.liste.set_index("bevilling_id").loc["G1", "status"] == "igen: prisen er steget"
    assert risen.udeladt.empty
    # Regulating by the price index is no rise: decided in December 2025 at the 2025 price,
    # 60,000, which is 61,800 in 2026 prices, as the grant's price is now.
    regulated = remember(the_list(), decided([("G1", "uændret", "15-12-2025", "dyr_sag",
                                               60_000, 1.0)]), data_memory(),
                         params(prisindeks=0.03), as_of=AS_OF)
    assert "G1" in set(regulated.udeladt["bevilling_id"])
    # Without decisions everything is new; with a memory of 0 months all come back.
    assert set(remember(the_list(), None, data_memory(), p, as_of=AS_OF).liste["status"]) == {
        "ny"}
    zero = remember(the_list(), decided(ROWS), data_memory(), params(gentag_efter_maaneder=0),
                    as_of=AS_OF)
    assert zero.udeladt.empty and zero.liste.set_index("bevilling_id").loc[
        "G1", "status"] == "igen: besluttet før"


# --- observed shares -----------------------------------------------------------------------

def wilson(k, n, z=1.959963984540054):
    """The Wilson score interval by its formula (Wilson 1927)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def hit_rates(p, **decided):
    """A Realiseret.traef by hand: rule -> (decided, justeret, ophørt)."""
    t = shares(p)
    t.insert(1, "regel_navn", [REGLER[k].navn for k in t["regel"]])
    for c, i in (("antal_besluttet", 0), ("antal_justeret", 1), ("antal_ophoert", 2)):
        t[c] = [decided.get(k, (0, 0, 0))[i] for k in t["regel"]]
    return t


def test_observed_shares_replace_the_assumed_only_from_the_threshold():
    p = params(min_beslutninger_observeret=20)
    a = observed_shares(hit_rates(p, dyr_sag=(20, 6, 2), prisstigning=(19, 19, 0)), p)
    rows = a.pr_regel.set_index("regel")
    assert rows.loc["dyr_sag", "kilde"] == "observeret"
    assert rows.loc["dyr_sag", "observeret_andel"] == pytest.approx(8 / 20)
    lav, hoej = wilson(8, 20)  # 0.2188 to 0.6134
    assert a.parametre.servicetjek.andel_justeret["dyr_sag"] == pytest.approx((lav, hoej))
    assert (round(lav, 4), round(hoej, 4)) == (0.2188, 0.6134)
    # 19 decisions are one too few: the assumed shares stay, whatever was observed.
    assert rows.loc["prisstigning", "kilde"] == "antaget"
    assert "prisstigning" not in a.parametre.servicetjek.andel_justeret
    assert shares(a.parametre).set_index("regel").loc["prisstigning", "andel_lav"] == 0.0875
    assert list(a.observerede.index.map(a.pr_regel["regel"].get)) == ["dyr_sag"]
    text = view.shares_text(a)
    assert "Meget dyr sag: 40,0 %" in text and "95 %-interval 21,9 % – 61,3 %" in text
    assert "færre end 20 beslutninger" in text
    none = observed_shares(hit_rates(p, dyr_sag=(19, 6, 2)), p)
    assert none.parametre is p and none.observerede.empty
    assert "ingen regel har endnu mindst 20 besluttede sager" in view.shares_text(none)


def test_realised_against_expected_per_rule_hand_computed():
    p = params()
    traef = hit_rates(p, dyr_sag=(4, 1, 1)).assign(aarlig_besparelse=0.0)
    traef.loc[traef["regel"] == "dyr_sag", "aarlig_besparelse"] = 300_000.0
    traef["traefprocent"] = 0.5
    traef["besparelse_pr_justeret"] = traef["aarlig_besparelse"] / 2
    flags = pd.DataFrame({"regel": ["dyr_sag", "dyr_sag", "prisstigning"],
                          "bruttogab": [100_000.0, 200_000.0, 5.0]})
    t = against_expected(traef, flags).set_index("regel")
    assert t.index.tolist() == ["dyr_sag"]  # only rules with decisions
    assert t.loc["dyr_sag", "antal_justeret"] == 2  # justeret + ophørt
    assert t.loc["dyr_sag", "besparelse_pr_justeret"] == 150_000  # 300,000 / 2
    assert t.loc["dyr_sag", "forventet_pr_justeret"] == 150_000  # mean of the gaps
    shown = view.expected_table(t.reset_index())
    assert shown.loc[0, "Antaget andel"] == "8,8 % – 33,3 %"
    assert set(view.EXPECTED_COUNTS) | set(view.EXPECTED_MONEY) <= set(shown.columns)


# --- the meeting pack ----------------------------------------------------------------------

def test_the_meeting_pack_has_one_sheet_per_afdeling_in_priority_order(tmp_path):
    d = data()
    liste = pd.DataFrame({"prioritet": [1, 2, 3, 4], "bevilling_id": ["G3", "G2", "G1", "G4"],
                          "borger_id": ["c", "b", "a", "d"], "paragraf": "§107",
                          "leverandoer_id": "L1", "afdeling": ["Voksen", "Børn", "Voksen", "Børn"],
                          "antal_regler": 1, "regler": "dyr_sag", "aarsager": "x",
                          "aarlig_udgift": 1.0, "potentiale_lav": 1.0, "potentiale_hoej": 2.0,
                          "forventet_gevinst": 1.5})
    sheet = review_sheet(liste, d, params(), as_of=AS_OF)
    pack = meeting_pack(sheet, 1)
    assert list(pack) == ["Børn", "Voksen"]
    assert [f["bevilling_id"].tolist() for f in pack.values()] == [["G2"], ["G3"]]
    assert [f["bevilling_id"].tolist() for f in meeting_pack(sheet).values()] == [
        ["G2", "G4"], ["G3", "G1"]]
    report.setup("eksempelkommune", "intern", tmp_path / "run", notebook="01_servicetjek",
                 data=d, parametre=params())
    path = view.meeting_workbook(meeting_pack(sheet))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Børn", "Voksen"]
    ws = wb["Voksen"]
    assert ws.data_validations.dataValidation[0].formula1 == '"uændret,justeret,ophørt"'
    # Filled in at the meeting and put in the folder, it is read like the list.
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["Beslutning"]).value = "uændret"
    ws.cell(2, col["Beslutningsdato"]).value = "06-10-2026"
    folder = tmp_path / "beslutninger"
    folder.mkdir()
    wb.save(folder / "moede.xlsx")
    b = read_decision_folder(folder, d)
    assert b.gaeldende[["bevilling_id", "ark"]].values.tolist() == [["G3", "Voksen"]]
    assert b.sete == {"G1", "G2", "G3", "G4"}
    report.setup("eksempelkommune", "byraad", tmp_path / "run2", notebook="01_servicetjek",
                 data=d, parametre=params())
    assert view.meeting_workbook(meeting_pack(sheet)) is None


def test_decisions_so_far_is_the_routine_notebook_01_runs(folder):
    """One call: the folder (the notebook parameter wins over servicetjek.beslutninger), the
    decisions, the savings of test_accumulated_savings... and the shares the potential uses."""
    p = params(besparelsesmaal=1_000_000, programstart=pd.Timestamp("2026-08-01").date(),
               min_beslutninger_observeret=1)
    r = decisions_so_far(data(), p, folder)
    assert r.mappe == folder
    assert r.beslutninger.sete == {"G1", "G2", "G3", "G4"}
    assert r.realiseret.realiseret == pytest.approx(80_000)
    # dyr_sag's decisions since the start (G4's of 1.7 is before it): G1 ophørt, G2 justeret,
    # G3 uændret: observed 2 / 3, so the parameters used carry the observed interval.
    (row,) = r.andele.pr_regel[r.andele.pr_regel["regel"] == "dyr_sag"].itertuples()
    assert row.kilde == "observeret" and row.observeret_andel == pytest.approx(2 / 3)
    assert r.parametre is r.andele.parametre
    # No folder at all: nothing read, nothing realised, the given parameters unchanged.
    none = decisions_so_far(data(), p)
    assert (none.mappe, none.beslutninger, none.realiseret, none.andele) == (None,) * 4
    assert none.parametre is p
