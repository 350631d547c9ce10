"""The view of notebook 08 (calendar, progression flags, serviceniveau with its slider panel,
need-or-diagnosis, a business case followed up, headline results) on the small synthetic
municipality: the tables add up to the analyses' numbers, the panel recomputes the kroner, the
.ics files are written per afdeling for intern use only and parse back, and the byråd gets
suppressed counts."""

from __future__ import annotations

import icalendar
import matplotlib
import pytest
from helpers import readouts

from socialanalyse import businesscase as bc
from socialanalyse import opfoelgning, report
from socialanalyse.config import load_parameters
from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate
from socialanalyse.views import opfoelgning as view

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def case():
    s = generate(indbyggere=15000, seed=1)
    data, params = Data.from_tables(s.tables), load_parameters("eksempelkommune")
    planted = s.planted.families["opfoelgning"]
    plan = opfoelgning.followup_plan(data, params)
    u = opfoelgning.progression_followup(data, params)
    c = opfoelgning.service_level_check(data, params)
    r = opfoelgning.need_or_diagnosis(data, params)
    f = bc.follow_up(bc.load(planted.business_case), data,
                     margin=params.opfoelgning.businesscase_margin)
    return {"data": data, "params": params, "planted": planted, "plan": plan, "u": u, "c": c, "r": r, "f": f}


def test_meeting_table_holds_every_case_at_a_meeting(case):
    plan = case["plan"]
    t = view.meeting_table(plan)
    at_meeting = plan.sager["moededato"].notna().sum()
    assert t["sager"].sum() == at_meeting
    assert (t["til_tiden"] + t["efter_fristen"] + t["overskredet"] == t["sager"]).all()
    sheets = view.calendar_sheets(plan)
    assert next(iter(sheets)) == "Møder"
    assert sum(len(g) for name, g in sheets.items() if name != "Møder") == len(plan.sager)
    assert "navn" not in sheets[list(sheets)[1]].columns  # pseudonyms only


def test_calendar_figure_hides_small_meetings_for_the_byraad(case):
    plan = case["plan"]
    small = plan.moeder[(plan.moeder["antal_sager"] > 0) & (plan.moeder["antal_sager"] < 5)]
    assert len(small)  # the sample has meetings with few cases
    fig = view.calendar_figure(plan, diskretion=5)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("<5") == len(small)
    assert not any(lbl in {str(n) for n in range(1, 5)} for lbl in labels)
    assert "<5" not in [t.get_text() for t in view.calendar_figure(plan).axes[0].texts]
    assert view.calendar_alt(plan).startswith("Tidslinje pr. afdeling")


def test_flags_table_adds_up_to_the_flags(case):
    u = case["u"]
    t = view.flags_table(u).set_index("afdeling")
    n = u.sager["markering"].value_counts()
    assert t["antal_forloeb"].sum() == len(u.sager)
    for flag, col in view.FLAG_COLUMNS.items():
        assert t[col].sum() == n.get(flag, 0)
    preview = view.flagged_cases(u)[view.PREVIEW_COLUMNS]
    assert len(preview) == u.sager["markering"].notna().sum()
    text = view.flags_text(u, case["params"])
    assert f"{n[opfoelgning.INGEN_PROGRESSION]}</span> forløb ingen" in text


def test_service_level_table_and_text_give_the_planted_kroner(case):
    c, planted = case["c"], case["planted"]
    t = view.service_level_table(c)
    effect = dict(planted.uden_for_serviceniveau)
    assert t["over"].sum() + t["under"].sum() == len(effect)
    assert t["forskel"].sum() == pytest.approx(sum(effect.values()), abs=1)
    assert t.loc[t["niveau"] == 2, "serviceniveau"].item() == "2–13 timer"
    text = view.service_level_text(c)
    assert report.kr(c.besparelse) in text and report.kr(c.merudgift) in text
    assert ".." not in text.replace("...", "")
    assert set(view.outside_cases(c)["bevilling_id"]) == set(effect)


def test_the_slider_panel_recomputes_the_kroner(case):
    pytest.importorskip("ipywidgets")
    c, planted = case["c"], case["planted"]
    panel = view.ServiceniveauPanel(case["data"], case["params"])
    assert panel.resultat.besparelse == pytest.approx(c.besparelse)
    slider, _row = panel.sliders[("§85", 2)]
    assert panel.readouts[("§85", 2)].value == "2–13 timer"
    slider.value = (2.0, 17.0)  # the planted 17-hour grants are now inside
    over = sum(v for v in dict(planted.uden_for_serviceniveau).values() if v < 0)
    assert panel.resultat.besparelse == pytest.approx(c.besparelse + over, abs=1)
    assert panel.resultat.besparelse == pytest.approx(0, abs=1)
    assert panel.readouts[("§85", 2)].value == "2–17 timer"
    # the shared slider rows (report.widgets): Danish readouts named by the slider
    assert readouts(panel.widget)["§85 niveau 2"] == "2–17 timer"
    assert "bevillinger uden for serviceniveauet" in panel.output.value


def test_forest_plot_and_reading(case):
    r = case["r"]
    fig = view.forest_figure(r)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(r.maalgrupper)
    hidden = view.forest_figure(r, diskretion=50)
    assert len(hidden.axes[0].get_yticklabels()) == (r.maalgrupper["antal_borgere"] >= 50).sum()
    text = view.need_text(r)
    over = r.maalgrupper[r.maalgrupper["vurdering"] == "over"]
    assert all(f"**{m}**" in text for m in over["maalgruppe"])
    assert "**Forbehold**" in text and all(f in text for f in r.forbehold)
    assert "målt ved bevillingens start" in text and "observationelle" in text


def test_business_case_tables_and_text(case):
    f = case["f"]
    years = view.case_years_table(f)
    actual = years[years["grundlag"] == "faktisk"]
    assert list(actual["kalenderaar"]) == [2024, 2025]
    assert actual["gevinst_realiseret"].sum() == pytest.approx(
        f.status["gevinst_realiseret"].sum())
    status = view.case_status_table(f)
    assert status["status"].tolist() == [bc.followup.BAGUD]
    text = view.case_text(f, f.case)
    assert "**bagud**" in text and report.mio_kr(f.nutidsvaerdi_opdateret) in text
    assert "intet afsnit" in view.case_text(None, f.case)


def test_headline_results_have_units_and_pass_the_byraad_check(case, tmp_path):
    run = tmp_path / "eksempelkommune" / "20261101-000000-byraad"
    report.setup("eksempelkommune", "byraad", run, notebook="08_opfoelgning",
                 parametre=case["params"], data=case["data"])
    h = view.headline_results(case["plan"], case["u"], case["c"], case["r"], case["f"])
    assert all(x.enhed is not None for x in h.values())
    assert h["antal_planlagt"].enhed == "bevillinger"
    assert h["status_undgaaet_anbringelse"].value == bc.followup.BAGUD
    assert h["andel_realiseret"].value == pytest.approx(2 / 3)
    assert h["besparelse"].value == pytest.approx(case["c"].besparelse)
    report.record_all(h)
    content = report.load_results(run)
    assert report.check_byraad_results(content, 5) == []
    assert content["08_opfoelgning"]["nutidsvaerdi_opdateret"] == pytest.approx(
        case["f"].nutidsvaerdi_opdateret)


def test_ics_files_per_afdeling_for_intern_use_only(case, tmp_path):
    plan = case["plan"]
    cals = opfoelgning.calendars(plan, "Eksempelkommune")
    run = tmp_path / "intern"
    report.setup("eksempelkommune", "intern", run, notebook="08_opfoelgning",
                 parametre=case["params"], data=case["data"])
    paths = report.ics(cals, "opfoelgninger")
    assert [p.name for p in paths] == [f"opfoelgninger_{report.ical._stem(a)}.ics" for a in cals]
    assert not list((run / "kalender").glob(".*"))  # no temporary file left behind
    back = icalendar.Calendar.from_ical(paths[0].read_bytes())
    meetings = [e for e in back.walk("VEVENT") if str(e["uid"]).startswith("moede-")]
    afdeling = next(iter(cals))
    n = plan.moeder.loc[(plan.moeder["afdeling"] == afdeling)
                        & (plan.moeder["antal_sager"] > 0)]
    assert len(meetings) == len(n)
    report.setup("eksempelkommune", "byraad", tmp_path / "byraad", notebook="08_opfoelgning",
                 parametre=case["params"], data=case["data"])
    assert report.ics(cals, "opfoelgninger") == []
    assert not (tmp_path / "byraad" / "kalender").exists()
