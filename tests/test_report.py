"""The notebook session API: record/results.json, show_table, figure, excel, headings, axes."""

from __future__ import annotations

import html
import json
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from socialanalyse import config, report
from socialanalyse.config import ParameterFejl, load_parameters
from socialanalyse.data import Data
from socialanalyse.report import display


@pytest.fixture(scope="module")
def params():
    return load_parameters("eksempelkommune")


@pytest.fixture
def shown(monkeypatch):
    """Capture what the display functions would show in a notebook."""
    out: list[str] = []
    monkeypatch.setattr(display, "_display_html", out.append)
    return out


def small_data() -> Data:
    borgere = pd.DataFrame({
        "borger_id": ["B0001", "B0002"], "foedselsaar": [1980, 1990], "koen": ["K", "M"],
        "maalgruppe": ["Autisme", "Sindslidelse"],
    })
    lev = pd.DataFrame({"leverandoer_id": ["L1"], "navn": ["Bo"], "leverandoertype": ["privat"],
                        "standardkontrakt": [True]})
    bev = pd.DataFrame({
        "bevilling_id": ["BEV-0001", "BEV-0002"], "borger_id": ["B0001", "B0002"],
        "paragraf": ["§85", "§85"], "leverandoer_id": ["L1", "L1"], "afdeling": ["Voksne"] * 2,
        "startdato": pd.to_datetime(["2024-01-01", "2024-02-01"]), "slutdato": pd.NaT,
        "enhed": ["time", "time"], "enhedspris": [500.0, 500.0], "omfang": [2.0, 3.0],
    })
    return Data.from_tables({"borgere": borgere, "leverandoerer": lev, "bevillinger": bev})


# --- session and results.json ----------------------------------------------------------------


def test_setup_session_properties(params, tmp_path):
    s = report.setup("eksempelkommune", "byraad", str(tmp_path), notebook="01_x",
                     parametre=params, data=small_data())
    assert report.current() is s
    assert s.byraad and not s.intern
    assert s.diskretion == params.diskretion == 5
    assert s.run_dir == tmp_path
    assert s.data.borgere.shape[0] == 2
    assert s.parametre is params


def test_setup_rejects_unknown_publikum(params):
    with pytest.raises(ValueError, match="publikum"):
        report.setup("eksempelkommune", "alle", parametre=params)


def test_setup_checks_rule_ids_before_the_notebook_runs(params):
    # model_copy does not validate, so the unknown rule id reaches setup.
    section = params.servicetjek.model_copy(update={"andel_justeret": {
        "standard": (0.1, 0.2), "dyr_sagg": (0.1, 0.2)}})
    bad = params.model_copy(update={"servicetjek": section})
    with pytest.raises(ParameterFejl, match="parametrene: nøglen "
                       "'servicetjek.andel_justeret.dyr_sagg' ukendt regel"):
        report.setup("eksempelkommune", "intern", parametre=bad)


def test_record_writes_results_json(params, tmp_path):
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    report.record("antal_borgere", 3, label="Antal borgere i alt")
    report.record("periode", [pd.Timestamp("2021-11-01"), pd.Timestamp("2026-10-31")])
    report.record("udgift", pd.Series({"2025": 1.5, "2026": float("nan")}))
    report.setup("eksempelkommune", "intern", tmp_path, notebook="02_b", parametre=params)
    report.record("andel", 0.25, enhed="pct")
    content = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    # intern: a small count is kept as it is
    assert content["01_a"] == {
        "antal_borgere": 3,
        "periode": ["2021-11-01", "2026-10-31"],
        "udgift": {"2025": 1.5, "2026": None},
    }
    assert content["02_b"] == {"andel": 0.25}
    assert content["_meta"]["01_a"]["antal_borgere"] == {"label": "Antal borgere i alt"}
    assert content["_meta"]["02_b"]["andel"] == {"enhed": "pct"}
    assert report.load_results(tmp_path) == content
    assert not list(tmp_path.glob(".results-*"))  # no temp files left behind


def test_rerun_of_a_notebook_replaces_its_results(params, tmp_path):
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    report.record("gammel", 1)
    report.setup("eksempelkommune", "intern", tmp_path, notebook="02_b", parametre=params)
    report.record("b", 2)
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    report.record("ny", 3)
    content = report.load_results(tmp_path)
    assert content["01_a"] == {"ny": 3}
    assert content["02_b"] == {"b": 2}


def test_record_without_run_dir_stays_in_memory(params, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = report.setup("eksempelkommune", "intern", None, parametre=params)
    report.record("x", 7)
    assert s.results == {"x": 7}
    assert not list(tmp_path.rglob("results.json"))


def test_record_suppresses_declared_counts_for_byraad(params, tmp_path):
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="01_a", parametre=params)
    # The kind is declared, whatever the name: citizens and grants alike.
    assert report.record("hjemtagning_antal", 3, enhed="borgere") == "<5"
    assert report.record("borgere_uden_progression", 2, enhed="borgere") == "<5"
    assert report.record("antal_borgere_i_alt", 12, enhed="borgere") == 12
    assert report.record("markerede", 3, enhed="bevillinger") == "<5"
    assert report.record("antal_tilbud", 3, enhed="tal") == 3  # counts no persons
    assert report.record("andel", 0.02, enhed="pct") == 0.02
    # {a: 3, b: 10, c: 12}: a is primary, b (smallest other) secondary, c stays
    assert report.record("pr_paragraf", {"a": 3, "b": 10, "c": 12}, enhed="borgere") == {
        "a": "<5", "b": "x", "c": 12}
    content = report.load_results(tmp_path)
    assert content["_meta"]["01_a"]["hjemtagning_antal"] == {"enhed": "borgere"}
    assert report.check_byraad_results(content, 5) == []


def test_record_refuses_an_undeclared_integer_for_byraad(params, tmp_path):
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="01_a", parametre=params)
    for value in (3, 3000, {"a": 12}, [1, 2]):
        with pytest.raises(report.PrivatlivsFejl, match="heltal uden angivet enhed"):
            report.record("hjemtagning_antal", value)
    assert report.record("effekt", -0.5) == -0.5  # not an integer: no kind needed
    assert report.record("succes", "opfyldt") == "opfyldt"
    assert "hjemtagning_antal" not in report.load_results(tmp_path)["01_a"]
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    assert report.record("hjemtagning_antal", 3) == 3  # intern: a working figure
    with pytest.raises(ValueError, match="enhed for 'x' skal være en af borgere, bevillinger"):
        report.record("x", 3, enhed="personer")


@pytest.mark.parametrize(("content", "problem"), [
    ({"01_a": {"x": 4}, "_meta": {"01_a": {"x": {"enhed": "borgere"}}}},
     "01_a: x viser et antal borgere under diskretionsgrænsen 5"),
    ({"01_a": {"x": {"a": [2]}}, "_meta": {"01_a": {"x": {"enhed": "bevillinger"}}}},
     "01_a: x viser et antal bevillinger under diskretionsgrænsen 5"),
    ({"01_a": {"antal_borgere": 4}}, "01_a: antal_borgere er et heltal uden angivet enhed"),
    ({"01_a": {"x": {"a": 12}}}, "01_a: x er et heltal uden angivet enhed"),
])
def test_byraad_results_check_acts_on_the_declared_kind(content, problem):
    [found] = report.check_byraad_results(content, 5)
    assert found.startswith(problem)


def test_byraad_results_check_passes_declared_figures():
    meta = {"01_a": {"n": {"enhed": "borgere"}, "aar": {"enhed": "aar"}, "k": {"enhed": "tal"}}}
    assert report.check_byraad_results(
        {"01_a": {"n": "<5", "aar": 2025, "k": 3, "p": 0.5, "ok": True}, "_meta": meta}, 5) == []


def test_record_refuses_a_dataframe(params):
    report.setup("eksempelkommune", "intern", parametre=params)
    with pytest.raises(TypeError, match="report.excel"):
        report.record("tabel", pd.DataFrame({"a": [1]}))


# --- headings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("borger_id", "Borger-ID"),
        ("aarlig_udgift", "Årlig udgift"),
        ("leverandoer_id", "Leverandør-ID"),
        ("maalgruppe", "Målgruppe"),
        ("foedselsaar", "Fødselsår"),
        ("tillaeg", "Tillæg"),
        ("udgift_kr", "Udgift (kr.)"),
        ("vum_niveau", "VUM niveau"),
        ("aar", "År"),
        ("Allerede læsbar", "Allerede læsbar"),
    ],
)
def test_heading(name, expected):
    assert report.heading(name) == expected


# --- tables ----------------------------------------------------------------------------------


def cells(html_text: str) -> list[str]:
    found = re.findall(r"<td[^>]*>.*?</td>", html_text)
    return [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in found]


def test_table_html_danish_formats():
    df = pd.DataFrame({
        "paragraf": ["§85", "§107"],
        "antal_borgere": [1234, 7],
        "udgift": [1234567.4, 2500.0],
        "andel": [0.125, 0.875],
        "start": pd.to_datetime(["2025-12-31", "2026-01-02"]),
        "niveau": [1.25, 2.0],
    })
    text = report.table_html(df, "Titel", counts={"antal_borgere": "borgere"},
                             money=["udgift"], pct=["andel"])
    assert "<caption>Titel</caption>" in text
    assert cells(text) == [
        "§85", "1.234", "1.234.567 kr.", "12,5 %", "31.12.2025", "1,2",
        "§107", "7", "2.500 kr.", "87,5 %", "02.01.2026", "2,0",
    ]
    assert ">Antal borgere</th>" in text and ">Udgift</th>" in text
    assert text.count('class="tal antal-borgere"') == 2


def test_table_html_cuts_long_tables():
    text = report.table_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert len(cells(text)) == 3
    assert "Viser de første 3 af 10 rækker." in text


def test_table_html_index_becomes_column():
    s = pd.Series([3, 4], index=pd.Index(["§85", "§108"], name="paragraf"), name="antal")
    assert cells(report.table_html(s)) == ["§85", "3", "§108", "4"]


def test_byraad_table_suppresses_counts_with_footnote():
    df = pd.DataFrame({"maalgruppe": ["Autisme", "Misbrug", "Hjemløshed"],
                       "antal_borgere": [3, 20, 0]})
    text = report.table_html(df, counts={"antal_borgere": "borgere"}, byraad=True, threshold=5)
    # 3 is primary (<5); 20 is the only other non-zero cell, hidden so 3 cannot be derived
    # from the total; 0 stays visible.
    assert cells(text) == ["Autisme", "<5", "Misbrug", "x", "Hjemløshed", "0"]
    assert "færre end 5 borgere" in text
    assert report.check_byraad_html(text, set(), 5) == []


def test_intern_table_shows_small_counts():
    df = pd.DataFrame({"maalgruppe": ["Autisme"], "antal_borgere": [3]})
    text = report.table_html(df, counts={"antal_borgere": "borgere"})
    assert cells(text) == ["Autisme", "3"]
    assert report.check_byraad_html(text, set(), 5)  # would not pass as a byråd page


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"borger_id": ["a"], "n": [1]}),
        pd.DataFrame({"bevilling_id": ["a"], "n": [1]}),
        pd.DataFrame({"maal_id": ["a"], "n": [1]}),
        pd.DataFrame({"sag_id": ["a"], "n": [1]}),
        pd.DataFrame({"hvem": ["P0123456789abcdef"], "n": [1]}),
        pd.DataFrame({"hvem": ["010190-1234"], "n": [1]}),
        pd.DataFrame({"n": [1]}, index=pd.Index(["x"], name="borger_id")),
    ],
)
def test_byraad_refuses_id_columns(df):
    with pytest.raises(report.PrivatlivsFejl, match="id"):
        report.table_html(df, byraad=True)
    report.table_html(df, byraad=False)  # intern lists may hold ids


def test_byraad_refuses_ids_from_the_data():
    df = pd.DataFrame({"hvem": ["BEV-0001"], "n": [1]})
    with pytest.raises(report.PrivatlivsFejl):
        report.table_html(df, byraad=True, forbidden={"BEV-0001"})
    # provider ids are not personal
    report.table_html(pd.DataFrame({"leverandoer_id": ["L1"], "n": [1]}), byraad=True)


def test_show_table_uses_the_session(params, shown):
    report.setup("eksempelkommune", "byraad", parametre=params, data=small_data())
    assert report.current().data.borgere.shape[0] == 2  # loaded: its ids are refused by value
    df = pd.DataFrame({"paragraf": ["§85"], "hjemtagninger": [2], "sager": [3]})
    report.show_table(df, counts={"hjemtagninger": "borgere", "sager": "bevillinger"})
    assert cells(shown[-1])[1:] == ["<5", "<5"]
    with pytest.raises(report.PrivatlivsFejl):
        report.show_table(pd.DataFrame({"hvem": ["B0001"]}))
    report.setup("eksempelkommune", "intern", parametre=params)
    report.show_table(df, counts={"hjemtagninger": "borgere", "sager": "bevillinger"})
    assert cells(shown[-1])[1:] == ["2", "3"]


def test_count_columns_must_say_what_they_count():
    df = pd.DataFrame({"antal_borgere": [3]})
    with pytest.raises(TypeError, match="hvad hver kolonne tæller"):
        report.table_html(df, counts=["antal_borgere"], byraad=True)
    with pytest.raises(ValueError, match="Ukendt art af antal"):
        report.table_html(df, counts={"antal_borgere": "personer"}, byraad=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=6),
       st.integers(2, 10))
def test_byraad_table_never_shows_a_small_count(rows, threshold):
    df = pd.DataFrame(rows, columns=["a", "b", "c"]).assign(gruppe="g")
    kinds = {"a": "borgere", "b": "bevillinger", "c": "borgere"}
    text = report.table_html(df, counts=kinds, byraad=True, threshold=threshold)
    assert report.check_byraad_html(text, set(), threshold) == []


# --- figures ---------------------------------------------------------------------------------


def test_figure_inline_png_with_alt_text_and_closed(shown):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 2_000_000])
    report.axis_kr(ax)
    report.figure(fig, alt="Udgiften stiger 'meget' <2026>")
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="Udgiften stiger '
                     r'&#x27;meget&#x27; &lt;2026&gt;"', shown[-1])
    assert not plt.fignum_exists(fig.number)


def test_figure_needs_alt_text():
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt-tekst"):
        report.figure(fig, alt=" ")
    plt.close(fig)


def test_axis_formatters_are_danish():
    fig, ax = plt.subplots()
    ax.set_ylim(0, 3_000_000)
    report.axis_kr(ax)  # reaches a million: millions with one decimal
    assert ax.yaxis.get_major_formatter()(2_500_000, 0) == "2,5 mio. kr."
    report.axis_kr(ax, mio=False)
    assert ax.yaxis.get_major_formatter()(2_500_000, 0) == "2.500.000 kr."
    report.axis_pct(ax, "x", decimaler=1)
    assert ax.xaxis.get_major_formatter()(0.125, 0) == "12,5 %"
    report.axis_tal(ax, decimaler=2)
    assert ax.yaxis.get_major_formatter()(1234.5, 0) == "1.234,50"
    plt.close(fig)


# --- Excel -----------------------------------------------------------------------------------


def test_excel_workbook(params, tmp_path, shown):
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    bevillinger = pd.DataFrame({
        "borger_id": ["P0123456789abcdef", "P1"],
        "aarlig_udgift": [1234567.5, 100.0],
        "andel": [0.5, 0.25],
        "startdato": pd.to_datetime(["2025-12-31", "2026-01-01"]),
        "antal": [3, 4],
        "niveau": [1.5, 2.0],
        "aktiv": [True, False],
    })
    path = report.excel({"Bevillinger: alle/aktive": bevillinger, "Lille": bevillinger[["antal"]]},
                        "liste", formats={"niveau": "kr2"})
    assert path == tmp_path / "excel" / "liste.xlsx"
    assert 'href="../excel/liste.xlsx"' in shown[-1]
    wb = load_workbook(path)
    assert wb.sheetnames == ["Bevillinger- alle-aktive", "Lille"]
    ws = wb["Bevillinger- alle-aktive"]
    assert [c.value for c in ws[1]] == [
        "Borger-ID", "Årlig udgift", "Andel", "Startdato", "Antal", "Niveau", "Aktiv"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G3"
    assert ws["B2"].value == 1234567.5 and ws["B2"].number_format == '#,##0 "kr."'
    assert ws["C2"].number_format == "0.0%"
    assert ws["D2"].number_format == "dd-mm-yyyy" and ws["D2"].value.year == 2025
    assert ws["E2"].number_format == "#,##0"
    assert ws["F2"].number_format == '#,##0.00 "kr."'  # from formats=
    assert ws["G2"].value == "ja"
    assert ws["A1"].font.bold
    assert 10 <= ws.column_dimensions["A"].width <= 60
    assert not list((tmp_path / "excel").glob(".*"))


def test_workbook_drop_down_and_wrapped_column(tmp_path):
    sheet = pd.DataFrame({"bevilling_id": ["G1", "G2", "G3"], "aarsager": ["lang tekst"] * 3,
                          "beslutning": [None, None, None]})
    path = report.write_workbook({"Liste": sheet, "Tom": sheet.iloc[:0]}, tmp_path / "l.xlsx",
                                 valg={"beslutning": ["uændret", "ophørt"]},
                                 ombryd={"aarsager": 80})
    ws = load_workbook(path)["Liste"]
    [rule] = ws.data_validations.dataValidation
    assert rule.formula1 == '"uændret,ophørt"' and str(rule.sqref) == "C2:C4"
    assert rule.showErrorMessage and "uændret, ophørt" in rule.error
    assert ws.column_dimensions["B"].width == 80 and ws["B4"].alignment.wrap_text
    assert not ws["A2"].alignment.wrap_text
    assert not load_workbook(path)["Tom"].data_validations.dataValidation  # no rows, no rule


def test_excel_not_for_byraad(params, tmp_path, shown):
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="01_a", parametre=params)
    assert report.excel({"a": pd.DataFrame({"x": [1]})}, "liste") is None
    assert not (tmp_path / "excel").exists()
    assert "kun ved intern brug" in shown[-1]


def test_excel_interactive_goes_to_output_interaktiv(params, tmp_path, shown, monkeypatch):
    monkeypatch.setattr(config, "project_root", lambda: tmp_path)
    report.setup("eksempelkommune", "intern", None, parametre=params)
    path = report.excel({"a": pd.DataFrame({"x": [1]})}, "liste")
    assert path == tmp_path / "output" / "eksempelkommune" / "interaktiv" / "excel" / "liste.xlsx"


# --- prose, several results, years, figures of notebook 00 ----------------------------------


def test_antal_borgere_in_prose(params):
    report.setup("eksempelkommune", "byraad", parametre=params)
    assert report.antal_borgere(3) == '<span class="antal-borgere">&lt;5</span>'
    assert report.antal_bevillinger(4) == '<span class="antal-borgere">&lt;5</span>'
    assert report.antal_borgere(0) == '<span class="antal-borgere">0</span>'
    assert report.antal_borgere(1234) == '<span class="antal-borgere">1.234</span>'
    report.setup("eksempelkommune", "intern", parametre=params)
    page = f"<p>{report.antal_borgere(3)} borgere</p>"
    assert page == '<p><span class="antal-borgere">3</span> borgere</p>'
    assert report.check_byraad_html(page, set(), 5)  # the check sees counts in prose


def test_show_table_empty_text(params, monkeypatch, shown):
    texts: list[str] = []
    monkeypatch.setattr(display, "markdown", texts.append)
    report.setup("eksempelkommune", "intern", parametre=params)
    report.show_table(pd.DataFrame({"advarsel": []}), "Advarsler", tom="Ingen advarsler.")
    assert texts == ["Ingen advarsler."] and shown == []


def test_record_all_from_a_dataclass(params, tmp_path):
    from socialanalyse.datagrundlag import Periode

    report.setup("eksempelkommune", "byraad", tmp_path, notebook="00_x", parametre=params)
    stored = report.record_all(
        Periode(pd.Timestamp("2021-11-01"), pd.Timestamp("2026-10-31"), 60),
        labels={"antal_maaneder": "Måneder"}, enheder={"antal_maaneder": "tal"},
    )
    assert stored == {"foerste_maaned": "2021-11-01", "opgoerelsesdato": "2026-10-31",
                      "antal_maaneder": 60}
    content = report.load_results(tmp_path)
    assert content["00_x"] == stored
    assert content["_meta"]["00_x"] == {"antal_maaneder": {"label": "Måneder", "enhed": "tal"}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no lock file left


def test_record_all_takes_a_views_headlines(params, tmp_path):
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="00_x", parametre=params)
    stored = report.record_all({
        "hjemtagninger": report.Headline(3, "Hjemtagninger", "borgere"),
        "udgift": report.Headline(1.5e6, "Udgift", "mio_kr"),
        "note": "plain values still work",
    })
    assert stored == {"hjemtagninger": "<5", "udgift": 1.5e6, "note": "plain values still work"}
    assert report.load_results(tmp_path)["_meta"]["00_x"] == {
        "hjemtagninger": {"label": "Hjemtagninger", "enhed": "borgere"},
        "udgift": {"label": "Udgift", "enhed": "mio_kr"}}


def test_years_are_not_thousand_separated(params, tmp_path, shown):
    df = pd.DataFrame({"aar": [2024, 2025], "udgift": [1e6, 2e6], "budgetaar": [2025.0, 2026.0]})
    text = report.table_html(df, money=["udgift"])
    assert cells(text) == ["2024", "1.000.000 kr.", "2025", "2025", "2.000.000 kr.", "2026"]
    report.setup("eksempelkommune", "intern", tmp_path, notebook="01_a", parametre=params)
    ws = load_workbook(report.excel({"a": df}, "aar"))["a"]
    assert ws["A2"].number_format == "0" and ws["B2"].number_format == '#,##0 "kr."'


def test_datagrundlag_figures():
    from socialanalyse.views import datagrundlag as plots

    per_year = pd.DataFrame({"aar": [2021, 2022], "udgift": [4e7, 3e8], "maaneder": [2, 12],
                             "helt_aar": [False, True]})
    fig = plots.spending_per_year_figure(per_year)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021\n(2 mdr.)", "2022"]
    assert ax.yaxis.get_major_formatter()(3e8, 0) == "300 mio. kr."
    plt.close(fig)
    shares = pd.DataFrame({"leverandoertype": ["egen drift", "privat"], "udgift": [3.0, 1.0],
                           "andel": [0.75, 0.25]})
    fig = plots.provider_type_figure(shares, 2025)
    ax = fig.axes[0]
    assert ax.get_title("left") == "Andel af udgiften pr. leverandørtype (2025)"
    assert sorted(t.get_text() for t in ax.texts) == [" 25 %", " 75 %"]
    plt.close(fig)


def test_atomic_writes_are_readable_by_colleagues(tmp_path):
    from socialanalyse.report.files import write_text_atomic

    path = tmp_path / "rapport.html"
    write_text_atomic(path, "<p>ok</p>")
    assert path.read_text(encoding="utf-8") == "<p>ok</p>"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]  # no temp file left


@pytest.mark.parametrize(("name", "expected"), [
    ("aar", True), ("budgetaar", True), ("start_aar", True), ("År", True), ("Start år", True),
    ("beløb", False), ("antal", False),
])
def test_year_columns_are_recognised_by_code_name_and_danish_header(name, expected):
    assert display.is_year_column(name, pd.Series([2024, 2025])) is expected
    # Not years: out of range, or not whole numbers.
    assert display.is_year_column(name, pd.Series([12, 2025])) is False
    assert display.is_year_column(name, pd.Series([2024.5])) is False


def test_a_preview_title_never_says_the_first_15_of_12():
    assert report.first_of(15, 105, "markerede forløb") == "De første 15 af 105 markerede forløb"
    assert report.first_of(15, 12, "bevillinger uden for serviceniveauet") == (
        "Bevillinger uden for serviceniveauet (12)")
    assert report.first_of(15, 15, "kandidater") == "Kandidater (15)"
    assert report.first_of(25, 1234, "sager") == "De første 25 af 1.234 sager"
