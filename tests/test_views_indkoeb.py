"""The view of notebook 06 (indkøb) on the small synthetic municipality: headline results
with declared units that are the package's figures, each section's Danish reason when an
optional table is missing, byråd tables without ids, and the price calculator widget in
Danish."""

from __future__ import annotations

import dataclasses
import re

import matplotlib
import pytest

matplotlib.use("Agg")

from socialanalyse import indkoeb, report
from socialanalyse.config import load_parameters
from socialanalyse.report import display
from socialanalyse.report.checks import forbidden_ids, id_columns
from socialanalyse.report.session import ENHEDER
from socialanalyse.views import indkoeb as view
from socialanalyse.views.indkoeb import tables

OPTIONAL = ("kontrakter", "prislister", "tilsyn")


def compute(d, p) -> dict:
    """Every result the notebook makes, the way it makes them."""
    aarstal, base = indkoeb.year_figures(d), indkoeb.screening_base(d, p)
    valgt = view.default_service(d.prislister)
    return {
        "lev": indkoeb.supplier_overview(d, aarstal=aarstal),
        "pris": indkoeb.price_development(d, p, aarstal=aarstal),
        "dk": indkoeb.contract_coverage(d, aarstal=aarstal),
        "kal": indkoeb.contract_calendar(d, p.indkoeb.kalender_maaneder),
        "fl": indkoeb.negotiation_list(d, p, base=base),
        "pk": indkoeb.price_quality(d, p, base=base),
        "gev": indkoeb.procurement_savings(d, p),
        "egne": indkoeb.own_vs_external(d, None, aarstal=aarstal),
        "pb": indkoeb.price_calculator(d.prislister, valgt, 6, leverandoerer=d.leverandoerer),
    }


@pytest.fixture(scope="module")
def params():
    return load_parameters("eksempelkommune")


@pytest.fixture(scope="module")
def full(sample, params):
    _, d = sample
    return d, compute(d, params)


@pytest.fixture(scope="module")
def bare(sample, params):
    """The same municipality without the three optional tables."""
    _, d = sample
    d = dataclasses.replace(d, **{t: getattr(d, t).iloc[0:0] for t in OPTIONAL})
    return d, compute(d, params)


@pytest.fixture
def shown(monkeypatch):
    """What the sections display: tables and figures as HTML, prose as Markdown."""
    out: list[str] = []
    monkeypatch.setattr(display, "_display_html", out.append)
    monkeypatch.setattr(report, "markdown", out.append)
    return out


def headline(r: dict) -> dict:
    return view.headline_results(r["lev"], r["pris"], r["dk"], r["kal"], r["fl"], r["pk"],
                                 r["gev"], r["egne"], r["pb"])


def test_headline_results_are_the_package_figures_with_declared_units(full):
    _, r = full
    h = headline(r)
    assert all(x.enhed in ENHEDER and x.label for x in h.values())
    # Every integer count carries its kind: persons and grants are suppressible.
    assert h["borgere_eksterne"].enhed == "borgere"
    assert h["bevillinger_forhandlingsliste"].enhed == "bevillinger"
    assert h["bevillinger_forhandlingsliste"].value == r["fl"].liste["antal_bevillinger"].sum()
    k = r["lev"].koncentration.set_index(["aar", "omfang"])
    assert h["leverandoerer_80_pct"].value == k.loc[(h["aar"].value, "alle"), "antal_for_andel"]
    assert h["kontrakter_udloeber_6_mdr"].value == len(r["kal"].udloeber(6)) == 3
    assert h["betalt_udloeber_6_mdr"].value == pytest.approx(
        r["kal"].udloeber(6)["betalt_12_mdr"].sum())
    assert h["genforhandling_overskredet"].value == r["kal"].antal_overskredne == 2
    assert h["hoej_pris_lav_kvalitet"].value == 1
    assert h["potentiale_lav"].value == pytest.approx(r["fl"].potentiale_lav)
    assert h["potentiale_lav"].value <= h["potentiale_hoej"].value
    assert h["andel_af_maal"].value == pytest.approx(r["gev"].aarlig_effekt / r["gev"].maal)
    assert all(h["tilgaengelig"].value.values())


def test_without_the_optional_tables_each_section_says_so_in_danish(bare, shown):
    _, r = bare
    h = headline(r)
    flags = h["tilgaengelig"].value
    assert not flags["Kontraktkalender"] and not flags["Prisberegner"]
    assert not flags["Pris og kvalitet"]
    assert flags["Leverandøroverblik"] and flags["Forhandlingsliste"] and flags["Kontraktdækning"]
    assert "kontrakter_udloeber_6_mdr" not in h and "hoej_pris_lav_kvalitet" not in h
    for show, result, table in ((view.show_calendar, r["kal"], "kontrakter"),
                                (view.show_calculator, r["pb"], "prislister"),
                                (view.show_quality, r["pk"], "tilsyn")):
        shown.clear()
        show(result)
        assert len(shown) == 1 and result.mangler in shown[0] and table in shown[0], shown
    # Coverage falls back on the providers' own flag and says so.
    shown.clear()
    view.show_coverage(r["dk"])
    assert any("ingen kontrakttabel" in s for s in shown)
    assert r["dk"].kilde == "leverandoerer"


def test_every_section_shows_danish_tables_and_figures(full, shown):
    _, r = full
    til = view.opgoerelsesdato(full[0])
    view.show_overview(r["lev"], None, til)
    view.show_prices(r["pris"])
    view.show_own_external(r["egne"])
    view.show_coverage(r["dk"], til)
    view.show_calendar(r["kal"])
    view.show_negotiation(r["fl"])
    view.show_quality(r["pk"])
    view.show_calculator(r["pb"])
    view.show_savings(r["gev"])
    page = "\n".join(shown)
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert len(alts) == 9 and all(a.strip() for a in alts)
    words = re.sub(r'src="data:[^"]*"', "", page)  # not the PNGs' base64
    assert "Traceback" not in words and "NaN" not in words and "nan %" not in words
    assert re.search(r"\d{1,3}(\.\d{3})+ kr\.", words)  # Danish thousands: 1.234.567 kr.
    assert "Kontrakter, der kræver handling" in page and "Forhandlingsliste" in page


def test_byraad_tables_hold_no_ids_and_no_single_grant_contracts(full):
    d, r = full
    forbidden = forbidden_ids(d)
    cal = tables.calendar_table(r["kal"], byraad=True, handling=True)
    assert "Kontrakt" not in cal and len(cal)
    assert not cal["Gælder"].eq("én bevilling").any()  # a single grant's contract: left out
    assert tables.calendar_table(r["kal"])["Gælder"].eq("én bevilling").any()  # intern: shown
    for frame in (cal, tables.negotiation_table(r["fl"]), tables.quality_table(r["pk"]),
                  tables.savings_year_table(r["gev"]), tables.coverage_table(r["dk"]),
                  tables.provider_table(r["lev"], None, 10),
                  tables.own_external_table(r["egne"], 5)):
        assert id_columns(frame, forbidden) == [], frame.columns.tolist()
    assert "Bevilling-ID" in tables.savings_table(r["gev"], alle=False)  # intern only


def test_price_calculator_widget_ranks_in_danish(full):
    d, _ = full
    panel = view.PriceCalculator(d.prislister, d.leverandoerer, draw=False)
    assert panel.ydelse.description == "Ydelse"
    assert panel.omfang.description == "Timer pr. uge"
    assert ("6,5", 6.5) in panel.omfang.options
    first = panel.resultat.tabel["aarlig_udgift"].to_numpy()
    assert (first[1:] >= first[:-1]).all()  # cheapest first
    panel.omfang.value = 12.0  # twice the hours: twice the yearly cost, same ranking
    second = panel.resultat.tabel["aarlig_udgift"].to_numpy()
    assert second == pytest.approx(2 * first)
    assert re.search(r"\d{1,3}(\.\d{3})+ kr\.", panel.html)
    assert "Prisen indeholder" in panel.html and "12 timer om ugen" in panel.html


def test_calculator_choice_takes_the_notebook_then_the_parameters(full, params):
    d, _ = full
    most = view.default_service(d.prislister)
    assert view.calculator_choice(d.prislister, params) == (most, 6.0)
    other = next(y for y in indkoeb.services(d.prislister)["ydelse"] if y != most)
    ind = params.indkoeb.model_copy(update={"prisberegner_ydelse": other,
                                            "prisberegner_omfang": 10})
    own = params.model_copy(update={"indkoeb": ind})
    assert view.calculator_choice(d.prislister, own) == (other, 10.0)
    assert view.calculator_choice(d.prislister, own, most, 3) == (most, 3.0)
    assert view.calculator_choice(d.prislister, own, "ukendt ydelse")[0] == most
