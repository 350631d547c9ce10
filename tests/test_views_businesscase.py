"""The view of notebook 03 (business case) and its Excel calculation (report.excel): the Excel
formulas compute the same NPV as the package, the widget callbacks recompute without a
browser, figures carry alt text, the conclusion reads right, the headline results."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from helpers import readouts
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from socialanalyse import businesscase as bc
from socialanalyse import report
from socialanalyse.report.excel import line_formula_text
from socialanalyse.report.format import pct
from socialanalyse.views import businesscase as view
from socialanalyse.views.businesscase import text as bc_text
from socialanalyse.views.businesscase import widgets

# --- a tiny evaluator for the formulas the workbook uses ---------------------------------------
# Supported: numbers, cell refs (optionally Sheet!, $), ranges, + − * / ( ), SUM, SUMPRODUCT, SUMIF.

_REF = re.compile(r"(?:(\w+)!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


class Evaluator:
    def __init__(self, workbook):
        self.wb = workbook
        self.cache: dict[tuple[str, str], object] = {}

    def value(self, sheet: str, ref: str):
        key = (sheet, ref)
        if key not in self.cache:
            raw = self.wb[sheet][ref].value
            self.cache[key] = self.formula(sheet, raw[1:]) if isinstance(raw, str) and (
                raw.startswith("=")) else raw
        return self.cache[key]

    def _range(self, sheet, c1, r1, c2, r2):
        cols = range(column_index_from_string(c1), column_index_from_string(c2) + 1)
        from openpyxl.utils import get_column_letter

        return [self.value(sheet, f"{get_column_letter(c)}{r}")
                for r in range(int(r1), int(r2) + 1) for c in cols]

    def formula(self, sheet: str, text: str):
        env = {"SUM": lambda *a: sum(v or 0 for x in a for v in (x if isinstance(x, list) else [x])),
               "SUMPRODUCT": lambda a, b: sum((x or 0) * (y or 0) for x, y in zip(a, b)),
               "SUMIF": lambda crit, key, vals: sum(v or 0 for c, v in zip(crit, vals) if c == key)}
        refs = []

        def repl(m):
            target = m.group(1) or sheet
            if m.group(4):
                refs.append(self._range(target, m.group(2), m.group(3), m.group(4), m.group(5)))
            else:
                refs.append(self.value(target, f"{m.group(2)}{m.group(3)}"))
            return f"_r[{len(refs) - 1}]"

        code = _REF.sub(repl, text)
        return eval(code, {"_r": refs, **env})  # our own test formulas only


@pytest.mark.parametrize("name", ["ikast_brande_profugo", "haderslev_akustisk_nattetilsyn"])
def test_excel_formulas_reproduce_the_npv(tmp_path, name):
    case = bc.load(name)
    res = bc.evaluate(case)
    sens = bc.sensitivity(case)
    mc = bc.monte_carlo(case, 500, seed=1)
    path = report.write_calculation_workbook(res, tmp_path / "beregning.xlsx", sens, mc)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Forudsætninger", "Beregning", "Pr. betaler", "Følsomhed",
                             "Monte Carlo"]
    ws = wb["Beregning"]
    ev = Evaluator(wb)
    labels = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    pv_col = ws.cell(1, ws.max_column).column_letter
    assert ws.cell(1, ws.max_column).value == "Nutidsværdi"
    total = ev.value("Beregning", f"{pv_col}{labels['Nutidsværdi i alt']}")
    assert total == pytest.approx(res.nutidsvaerdi, rel=1e-12)
    check = ev.value("Beregning", f"{pv_col}{labels['Kontrol: summen af nutidsværdien pr. år']}")
    assert check == pytest.approx(res.nutidsvaerdi, rel=1e-12)
    # The discount factors are formulas, and they equal the package's.
    factor_row = labels["Diskonteringsfaktor"]
    assert str(ws[f"H{factor_row}"].value).startswith("=G")
    factors = [ev.value("Beregning", f"{ws.cell(1, c).column_letter}{factor_row}")
               for c in range(7, 7 + case.horisont)]
    np.testing.assert_allclose(factors, bc.discount_factors(case.horisont), rtol=1e-12)
    cumulative = [ev.value("Beregning", f"{ws.cell(1, c).column_letter}"
                                        f"{labels['Akkumuleret nutidsværdi']}")
                  for c in range(7, 7 + case.horisont)]
    np.testing.assert_allclose(cumulative, res.aarlig["akkumuleret_nutidsvaerdi"], rtol=1e-9,
                               atol=1e-6)
    # Per payer via SUMIF.
    payer_ws = wb["Pr. betaler"]
    got = {payer_ws[f"A{r}"].value: ev.value("Pr. betaler", f"D{r}")
           for r in range(2, payer_ws.max_row + 1)}
    expected = dict(zip(res.pr_betaler["betaler"], res.pr_betaler["nutidsvaerdi"]))
    assert got == pytest.approx(expected, rel=1e-12)
    # Every line row states how its amount is computed.
    rows = range(2, labels["Diskonteringsrente"] - 1)
    assert all(ws[f"F{r}"].value.startswith(("beløb ", "pris ")) for r in rows)


def test_line_formula_text():
    case = bc.load("haderslev_akustisk_nattetilsyn")
    text = line_formula_text(case, "gevinster", "sparede_nattevagttimer")
    assert text == ("pris 330 kr. × antal 68 × 43 beboere med monitor × "
                    "(succesrate 75,0 % − dødvægt 0,0 %)")
    shared = bc.with_scenario(case, "tre_kommuner")
    assert "1/3 (deles)" in line_formula_text(shared, "udgifter", "natoperatoerer")


def test_figures_and_alt_texts():
    case = bc.load("herlev_indkoebskonsulent")
    res = bc.evaluate(case)
    sens = bc.sensitivity(case)
    mc = bc.monte_carlo(case, 1000, seed=2)
    for fig, alt in widgets.render(widgets.CaseView(case, None, {}, res, sens, mc)):
        assert alt and "." in alt
        assert fig.axes
        plt.close(fig)
    assert "aldrig positiv" not in view.cumulative_alt(res)
    fig = view.tornado_figure(sens.iloc[:0])
    plt.close(fig)
    assert view.tornado_alt(sens.iloc[:0]).startswith("Tom figur")


def test_conclusion_and_break_even_text():
    case = bc.load("fredericia_hjemmebaseret_indsats")
    res = bc.evaluate(case)
    text = view.conclusion(res)
    assert text.startswith("**Intensiv støtte i hjemmet i stedet for anbringelse af tre børn** "
                           "betaler sig over 10 år: nutidsværdien er 11,5 mio. kr.")
    assert "allerede i det første år" in text
    # Break-even 2.19/3.53 = 62.0 %
    assert "succesraten for »Undgået anbringelse af 3 børn« er mindst 62,0 %" in text
    assert "kr.." not in text
    careful = view.conclusion(bc.evaluate(case, "forsigtigt"))
    assert "betaler sig ikke" in careful and "ikke tjent hjem" in careful
    table = view.break_even_table(res)
    assert table.loc[0, "betydning"] == ("Alle linjer skalerer med antallet: casen betaler sig "
                                         "uanset antal.")
    # Herlev: the first year's target alone cannot make the case fail.
    herlev = view.break_even_table(bc.evaluate(bc.load("herlev_indkoebskonsulent")))
    assert herlev.loc[0, "betydning"] == "Casen betaler sig uanset værdien."
    # Costs in one department, gains in another: said plainly.
    assert "Udgiften ligger hos Indkøb og Udbud" in view.conclusion(
        bc.evaluate(bc.load("herlev_indkoebskonsulent")))
    hader = view.break_even_table(bc.evaluate(bc.load("haderslev_akustisk_nattetilsyn")))
    assert hader.loc[0, "betydning"] == "Casen betaler sig ved mindst 58 beboere med monitor."


def test_input_value_text():
    assert bc_text.input_value_text("gevinster.x.succesrate", 0.625) == "62,5 %"
    assert bc_text.input_value_text("udgifter.x.beloeb", 2_190_000) == "2,2 mio. kr."
    assert bc_text.input_value_text("udgifter.x.pris", 330) == "330 kr."
    assert bc_text.input_value_text("borgergrupper.b.antal", 43) == "43"
    assert bc_text.input_value_text("gevinster.x.varighed", None) == "–"


# --- widgets ----------------------------------------------------------------------------------


def test_slider_specs_cover_uncertain_inputs_optimism_and_horizon():
    case = bc.load("fredericia_hjemmebaseret_indsats")
    specs = {s["path"]: s for s in widgets.slider_specs(case)}
    assert set(specs) == set(case.usikkerhed) | {"optimisme_tillaeg", "horisont"}
    rate = specs["gevinster.undgaaet_anbringelse.succesrate"]
    assert (rate["min"], rate["max"], rate["value"]) == (0.4, 1.0, 1.0)
    assert specs["horisont"]["kind"] == "int"


def test_recompute_is_a_plain_function():
    case = bc.load("haderslev_akustisk_nattetilsyn")
    base = widgets.recompute(case, None, {}, n=0)
    assert base.monte_carlo is None
    assert base.resultat.nutidsvaerdi == pytest.approx(bc.evaluate(case).nutidsvaerdi)
    shared = widgets.recompute(case, "tre_kommuner", {}, n=200, seed=1)
    assert shared.resultat.nutidsvaerdi == pytest.approx(
        bc.evaluate(case, "tre_kommuner").nutidsvaerdi)
    moved = widgets.recompute(case, None, {"horisont": 5}, n=200, seed=1)
    assert len(moved.resultat.aarlig) == 5
    # A value set by a slider is fixed in the simulation and left out of the tornado.
    fixed = widgets.recompute(case, None, {"gevinster.sparede_nattevagttimer.succesrate": 0.9},
                              n=300, seed=1)
    assert "gevinster.sparede_nattevagttimer.succesrate" not in fixed.monte_carlo.traek
    assert "gevinster.sparede_nattevagttimer.succesrate" not in set(fixed.foelsomhed["input"])


def test_panel_updates_when_widgets_change():
    case = bc.load("haderslev_akustisk_nattetilsyn")
    panel = widgets.Panel(case, n=300, seed=1, draw=False)
    start = panel.view.resultat.nutidsvaerdi
    assert start == pytest.approx(bc.evaluate(case).nutidsvaerdi)
    assert panel.values() == {}
    panel.scenario.value = "seks_kommuner"  # sliders reset to the scenario's values
    assert panel.view.resultat.nutidsvaerdi == pytest.approx(
        bc.evaluate(case, "seks_kommuner").nutidsvaerdi)
    assert panel.values() == {}
    panel.sliders["horisont"].value = 3
    assert len(panel.view.resultat.aarlig) == 3
    assert "Nutidsværdi" in panel.summary.value
    panel.scenario.value = ""  # the case's own values
    assert panel.scenario_name is None
    assert panel.sliders["horisont"].value == case.horisont


def test_panel_drop_down_shows_the_chosen_scenario():
    # The value None would leave the drop-down blank in the browser: every option has a value.
    case = bc.load("haderslev_akustisk_nattetilsyn")
    panel = widgets.Panel(case, n=0, draw=False)
    assert panel.scenario.index == 0 and panel.scenario.label == widgets.NO_SCENARIO
    assert None not in [value for _, value in panel.scenario.options]
    chosen = widgets.Panel(case, n=0, draw=False, scenario="seks_kommuner")
    assert chosen.scenario.label.startswith("seks_kommuner")
    assert chosen.view.resultat.nutidsvaerdi == pytest.approx(
        bc.evaluate(case, "seks_kommuner").nutidsvaerdi)


def test_slider_readouts_are_danish():
    case = bc.load("haderslev_akustisk_nattetilsyn")
    panel = widgets.Panel(case, n=0, draw=False)
    shown = readouts(panel.widget)
    assert len(shown) == len(panel.sliders)
    assert shown["Horisont (år)"] == f"{case.horisont} år"
    assert shown["Optimismetillæg på udgifter"] == pct(case.optimisme_tillaeg, 1)
    assert widgets.slider_text("gevinster.x.succesrate", 0.6) == "60,0 %"
    assert widgets.slider_text("udgifter.x.pris", 2_190_000) == "2.190.000 kr."
    panel.sliders["optimisme_tillaeg"].value = 0.25
    assert readouts(panel.widget)["Optimismetillæg på udgifter"] == "25,0 %"


def test_panel_draws_into_its_output():
    panel = widgets.Panel(bc.load("herlev_indkoebskonsulent"), n=200, seed=1, draw=True)
    panel.sliders["optimisme_tillaeg"].value = 0.2
    assert panel.view.case.optimisme_tillaeg == pytest.approx(0.2)
    plt.close("all")


def test_headline_results_declare_every_integer(tmp_path):
    case = bc.load("fredericia_hjemmebaseret_indsats")
    res, mc = bc.evaluate(case), bc.monte_carlo(case, 200, 1)
    headlines = view.headline_results(res, mc)
    assert headlines["nutidsvaerdi"].value == res.nutidsvaerdi
    assert headlines["tilbagebetalingsaar"].value == res.tilbagebetalingsaar
    ints = {k for k, h in headlines.items() if isinstance(h.value, int)}
    assert ints == {"horisont", "tilbagebetalingsaar", "simuleringer"}
    assert all(headlines[k].enhed == "tal" for k in ints)  # counts of no person
    report.setup("eksempelkommune", "byraad", tmp_path, notebook="03_business_case")
    report.record_all(headlines)  # byråd: no undeclared integer, so nothing is refused
    assert report.check_byraad_results(report.load_results(tmp_path), 5) == []
