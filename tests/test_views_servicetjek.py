"""The view of notebook 01 (figures, tables, Excel review list, widgets, headline results) on
small hand-made data: Danish, suppressed for the byråd, and a review list that the
myndighed can fill in and read back."""

from __future__ import annotations

import matplotlib
import pytest
from helpers import readouts
from openpyxl import load_workbook
from servicetjek_cases import AS_OF, assessment, grant, make, monthly, params, payments

from socialanalyse import report
from socialanalyse.servicetjek import (
    REGLER,
    price_categories,
    prioritize,
    read_decisions,
    realized_savings,
    review_sheet,
    screen,
    screening_base,
    summarize,
)
from socialanalyse.views import servicetjek as view

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def case():
    grants = [grant(f"g{i}", f"b{i}", lev=f"L{1 + i % 5}", pris=1500 + 50 * i,  # < 1 mio. kr.
                    fslut="2026-01-01" if i % 3 == 0 else None) for i in range(12)]
    grants.append(grant("dyr", "bx", lev="LX", enhed="maaned", pris=120_000, omfang=1))
    vur = [row for i in range(12) for row in assessment(f"b{i}", "2024-12-01", *[2 + i % 2] * 6)]
    pay = payments("dyr", "LX", monthly("2025-01", "2026-10", 120_000))
    d = make(grants, vur, betalinger=pay)
    p = params(besparelsesmaal=500_000)
    base = screening_base(d, p)
    flags = screen(d, p, base=base)
    return d, p, base, flags


def test_tables_are_danish_and_complete(case):
    d, p, _, flags = case
    rules = view.rules_table(p)
    assert list(rules.columns) == ["Regel", "Hvad reglen finder", "Grænse"]
    assert len(rules) == len(REGLER)
    assert "mindst 25 % over medianen" in rules.loc[0, "Grænse"]
    o = summarize(flags, d)
    counts = view.rule_counts_table(o)
    assert counts["Regel"].iloc[-1] == "I alt (hver bevilling én gang)"
    assert counts["potentiale_hoej"].iloc[-1] == pytest.approx(o.potentiale_hoej)
    text = view.potential_text(o, p)
    assert "70 af 800" in text and "0,5 mio. kr." in text


def test_figures_have_alt_texts_and_hide_small_counts(case):
    d, p, base, flags = case
    o = summarize(flags, d)
    pk = price_categories(d, p, base=base)
    for fig, alt in [
        (view.flags_figure(o), view.flags_alt(o)),
        (view.potential_figure(o), view.potential_alt(o)),
        (view.category_figure(pk), view.category_alt(pk)),
        (view.price_need_figure(base, flags, pk, "§107"), view.price_need_alt(base, flags, "§107")),
    ]:
        html = report.display.figure_html(fig, alt)
        assert 'alt="' in html and len(alt) > 40
    # Byråd: counts under 5 are not drawn; their label reads '<5' (or 'x' when hidden to
    # protect another), and the alt text does not name them.
    fig = view.flags_figure(o, diskretion=5)
    labels = [t.get_text() for t in fig.axes[0].texts]
    small = o.pr_regel[(o.pr_regel["antal_bevillinger"] > 0) & (o.pr_regel["antal_bevillinger"] < 5)]
    assert len(small) and labels.count("<5") == len(small)
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    assert all(w == 0 or w >= 5 for w in widths)
    assert "skjult" in view.category_alt(pk, diskretion=100)


def test_review_workbook_has_a_decision_drop_down_and_reads_back(case, tmp_path):
    d, p, _, flags = case
    report.setup("eksempelkommune", "intern", tmp_path / "run", notebook="01_servicetjek",
                 data=d, parametre=p)
    sheet = review_sheet(prioritize(flags), d, p)
    path = view.review_workbook(sheet, view.rules_table(p), "liste")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Gennemgangsliste", "Regler"]
    ws = wb["Gennemgangsliste"]
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].formula1 == '"uændret,justeret,ophørt"'
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["Beslutning"]).value = "ophørt"
    ws.cell(2, col["Beslutningsdato"]).value = "01-10-2026"
    wb.save(path)
    dec = read_decisions(path, d)
    real = realized_savings(dec, d, p, as_of=AS_OF)
    first = sheet.loc[0, "bevilling_id"]
    assert real.pr_bevilling.set_index("bevilling_id").loc[first, "beslutning"] == "ophørt"
    assert view.realized_table(real).columns.tolist() == ["Måned", "besparelse_kr",
                                                            "akkumuleret_kr", "aarlig_effekt_kr"]
    report.display.figure_html(view.progress_figure(real), view.progress_alt(real))
    assert "Målet er 0,5 mio. kr." in view.progress_alt(real)


def test_review_workbook_is_not_written_for_the_byraad(case, tmp_path):
    d, p, _, flags = case
    report.setup("eksempelkommune", "byraad", tmp_path / "run", notebook="01_servicetjek",
                 data=d, parametre=p)
    assert view.review_workbook(review_sheet(prioritize(flags), d, p),
                                 view.rules_table(p), "liste") is None


def test_headline_results_are_suppressed_for_the_byraad_by_their_kind(case, tmp_path):
    d, p, _, flags = case
    o = summarize(flags, d)
    headlines = view.headline_results(o, flags)
    assert all(h.label for h in headlines.values())
    assert headlines["antal_screenede"].value == o.antal_screenede == 13
    assert headlines["antal_pr_regel"].value["dyr_sag"] == 1
    assert headlines["antal_borgere_markeret"].enhed == "borgere"
    assert headlines["antal_pr_regel"].enhed == "bevillinger"
    report.setup("eksempelkommune", "intern", tmp_path / "intern", notebook="01_servicetjek",
                 data=d, parametre=p)
    assert report.record_all(headlines)["antal_pr_regel"]["dyr_sag"] == 1
    report.setup("eksempelkommune", "byraad", tmp_path / "byraad", notebook="01_servicetjek",
                 data=d, parametre=p)
    byraad = report.record_all(headlines)
    assert byraad["antal_pr_regel"]["dyr_sag"] in ("<5", "x")
    assert all(v == 0 or v in ("<5", "x") or v >= 5 for v in byraad["antal_pr_regel"].values())
    assert byraad["antal_screenede"] == 13  # not small: shown
    assert report.check_byraad_results(report.load_results(tmp_path / "byraad"), 5) == []


def test_widget_panel_rescreens_when_a_slider_moves(case):
    d, p, base, _ = case
    panel = view.Panel(d, p, base=base)
    before = panel.resultat.oversigt.pr_regel.set_index("regel").loc["dyr_sag",
                                                                     "antal_bevillinger"]
    assert before == 1  # 1.44 mio. kr. a year over the 1 mio. kr. limit
    panel.sliders["dyr_sag_graense"].value = 2.0
    after = panel.resultat.oversigt.pr_regel.set_index("regel").loc["dyr_sag",
                                                                    "antal_bevillinger"]
    assert after == 0
    assert panel.resultat.parametre.servicetjek.dyr_sag_graense == 2_000_000
    assert "markerede bevillinger" in panel.output.value
    assert view.overrides({"pris_over_sammenlignelige": 35}) == {"pris_over_sammenlignelige": 0.35}
    assert readouts(panel.widget) == {"Pris over sammenlignelige": "25 %",
                                      "Meget dyr sag (om året)": "2,0 mio. kr.",
                                      "Forbedret funktionsniveau (fald i niveau)": "1,00"}


def test_review_list_names_its_rules(case):
    *_, flags = case
    liste = prioritize(flags)
    shown = view.review_preview(liste)
    assert "dyr_sag" in ", ".join(liste["regler"])  # the list (and Excel) keep the ids
    assert "Meget dyr sag" in ", ".join(shown["regler"])
    assert view.rule_names("pris_over_sammenlignelige, dyr_sag") == (
        "Pris over sammenlignelige, Meget dyr sag")
    html = view.summary_html(view.rescreen(*case[:2], base=case[2]))
    assert '<td style="min-width:40em">' in html  # the reasons stay readable in the panel
    headline = view.headline_results(summarize(flags, case[0]), flags)["antal_pr_regel"]
    assert headline.navne["dyr_sag"] == "Meget dyr sag"
