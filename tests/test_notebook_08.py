"""Notebook 08_opfoelgning as executed by `socialanalyse run` on the small synthetic
municipality, for both audiences: the headline results are the package's numbers, the intern
run writes the Excel workbooks and one .ics file per afdeling (pseudonyms only), and the
byråd run writes neither and passes the privacy check."""

from __future__ import annotations

import re

import icalendar
import pytest
from openpyxl import load_workbook
from run_support import E2E_GROUP, notebook_fixtures

from socialanalyse import opfoelgning, report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(E2E_GROUP)]

NAME = "08_opfoelgning"


intern, byraad, params, data = notebook_fixtures(NAME)


def test_results_are_the_analyses_numbers(intern, params, data):
    _, run_dir, _ = intern
    got = report.load_results(run_dir)[NAME]
    plan = opfoelgning.followup_plan(data, params)
    c = opfoelgning.service_level_check(data, params)
    assert got["antal_planlagt"] == len(plan.sager)
    assert got["andel_rettidig"] == pytest.approx(plan.andel_rettidig)
    assert got["besparelse"] == pytest.approx(c.besparelse)
    assert got["merudgift"] == pytest.approx(c.merudgift)
    assert got["status_undgaaet_anbringelse"] == "bagud"
    assert got["nutidsvaerdi_opdateret"] < got["nutidsvaerdi_plan"]
    meta = report.load_results(run_dir)["_meta"][NAME]
    assert meta["antal_ingen_progression"]["enhed"] == "bevillinger"


def test_html_shows_every_part_in_danish(intern):
    _, _, page = intern
    assert "Traceback" not in page and "PosixPath" not in page
    for heading in ("Opfølgningskalenderen", "Opfølgning efter progression",
                    "Serviceniveauet i kroner", "Støttebehov, ikke diagnose",
                    "Business case fulgt op", "Forbehold"):
        assert heading in page, heading
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', page)
    assert any(a.startswith("Tidslinje pr. afdeling") for a in alts)
    assert any(a.startswith("Skovdiagram") for a in alts)


def test_intern_writes_workbooks_and_calendars(intern, data):
    _, run_dir, _ = intern
    book = load_workbook(run_dir / "excel" / "opfoelgningskalender.xlsx", read_only=True)
    assert book.sheetnames[0] == "Møder" and len(book.sheetnames) > 1
    files = sorted((run_dir / "kalender").glob("*.ics"))
    assert files
    cpr = re.compile(r"\b\d{6}-?\d{4}\b")
    names = set(data.borgere.get("navn", []))
    for path in files:
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        text = path.read_text(encoding="utf-8")
        assert list(cal.walk("VEVENT")) and not cpr.search(text)
        assert not any(n and n in text for n in names)


def test_byraad_passes_the_check(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists() and not (run_dir / "kalender").exists()
