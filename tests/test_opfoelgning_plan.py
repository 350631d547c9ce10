"""The follow-up calendar: meeting rules, Danish holidays, the plan and its deadlines, the .ics
calendars (parsed back with icalendar) and the parameters' Danish errors. Small hand-made
municipalities (tests/servicetjek_cases.py); the plan date is 31.10.2026 (a Saturday)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import icalendar
import pandas as pd
import pytest
from helpers import write_minimal_kommune
from hypothesis import given, settings
from hypothesis import strategies as st_
from servicetjek_cases import AS_OF, followup, grant, make, params, rule

from socialanalyse.config import ParameterFejl, load_parameters
from socialanalyse.kalender import UGEDAGE, is_working_day
from socialanalyse.opfoelgning import (
    calendars,
    followup_plan,
    fridage,
    meeting_dates,
    parse_rule,
)
from socialanalyse.servicetjek import screen

D = dt.date


def with_calendar(p, **opfoelgning):
    """Parameters with some opfoelgning keys replaced (validated as the files are)."""
    section = type(p.opfoelgning).model_validate(p.opfoelgning.model_dump() | opfoelgning)
    return p.model_copy(update={"opfoelgning": section})


# --- rules and holidays ---------------------------------------------------------------------

def test_rules_read_in_danish_with_variants():
    assert str(parse_rule("første tirsdag i måneden")) == "første tirsdag i måneden"
    assert parse_rule("  Første  og tredje ONSDAG i maaneden ").ordinaler == (1, 3)
    assert parse_rule("2. torsdag i måneden").ordinaler == (2,)
    assert parse_rule("sidste fredag i måneden").ugedag == 4


@pytest.mark.parametrize("bad", ["første tirsdg i måneden", "første lørdag i måneden",
                                 "hver tirsdag", "femte mandag i måneden", ""])
def test_a_wrong_rule_is_a_danish_error(bad):
    with pytest.raises(ValueError, match="kan ikke læses: skriv fx 'første tirsdag i måneden'"):
        parse_rule(bad)


def test_easter_holidays_and_store_bededag():
    assert fridage(2026)[D(2026, 4, 5)] == "påskedag"
    assert fridage(2025)[D(2025, 4, 21)] == "2. påskedag"
    assert fridage(2024)[D(2024, 5, 9)] == "Kristi himmelfartsdag"
    assert fridage(2023)[D(2023, 5, 5)] == "store bededag"
    assert "store bededag" not in fridage(2024).values()  # abolished from 2024
    assert fridage(2026)[D(2026, 12, 24)] == "juleaftensdag"


def test_first_tuesday_across_month_boundaries():
    # 1.11.2026 is a Sunday, 1.12.2026 a Tuesday, 1.1.2027 a Friday.
    got = meeting_dates("første tirsdag i måneden", D(2026, 11, 1), D(2027, 1, 31))
    assert got == [D(2026, 11, 3), D(2026, 12, 1), D(2027, 1, 5)]


def test_a_rule_never_meets_on_a_holiday():
    # First Monday of April 2026 is 2. påskedag (6.4.): the meeting moves to Tuesday 7.4.
    assert meeting_dates("første mandag i måneden", D(2026, 4, 1), D(2026, 4, 30)) == [
        D(2026, 4, 7)]
    # Last Friday of December 2025 is 2. juledag (26.12.): moved to Monday 29.12.
    assert meeting_dates("sidste fredag i måneden", D(2025, 12, 1), D(2025, 12, 31)) == [
        D(2025, 12, 29)]
    # First Thursday of May 2027 is 6.5. (Kristi himmelfartsdag): Friday 7.5.; a local day
    # off on that Friday moves it to Monday 10.5.
    assert meeting_dates("første torsdag i måneden", D(2027, 5, 1), D(2027, 5, 31),
                         [D(2027, 5, 7)]) == [D(2027, 5, 10)]


@settings(max_examples=60, deadline=None)
@given(st_.integers(2020, 2035), st_.sampled_from(["første", "anden", "tredje", "fjerde",
                                                  "sidste"]), st_.sampled_from(UGEDAGE))
def test_rule_dates_are_working_days_one_or_two_a_month(year, ordinal, day):
    got = meeting_dates(f"{ordinal} {day} i måneden", D(year, 1, 1), D(year, 12, 31))
    assert all(is_working_day(d) for d in got)
    assert 11 <= len(got) <= 13 and got == sorted(set(got))


# --- the plan -------------------------------------------------------------------------------

def plan_data():
    """§107 grants (6 months between follow-ups) in two afdelinger."""
    grants = [
        grant("a", "A", start="2025-01-01"),  # follow-up 2.6.2026: due 2.12.2026
        grant("b", "B", start="2025-01-01"),  # follow-up 30.5.2026: due 30.11.2026
        grant("c", "C", start="2025-01-01"),  # follow-up 1.6.2026: due 1.12.2026 (a meeting day)
        grant("d", "D", start="2025-01-01"),  # follow-up 1.4.2026: due 1.10.2026: overdue
        grant("e", "E", start="2025-01-01"),  # follow-up 1.5.2026: due 1.11.2026: before 1st meeting
        grant("f", "F", start="2026-03-01", paragraf="§85", enhed="time", pris=600, omfang=5),
        grant("g", "G", start="2025-01-01", slut="2026-06-30"),  # ended
        grant("h", "H", start="2025-01-01", afdeling="Handicap"),  # due 2.12.2026 too
    ]
    fu = [followup("a", "2026-06-02"), followup("b", "2026-05-30"), followup("c", "2026-06-01"),
          followup("d", "2026-04-01"), followup("e", "2026-05-01"), followup("h", "2026-06-02")]
    return make(grants, opfoelgninger=fu)


def test_meetings_across_a_month_boundary_and_the_marks():
    plan = followup_plan(plan_data(), params(), 2, as_of=AS_OF)
    s = plan.sager.set_index("bevilling_id")
    # f (§85, due 1.3.2027) is after the period; g has ended.
    assert sorted(s.index) == ["a", "b", "c", "d", "e", "h"]
    assert plan.slutdato == pd.Timestamp("2026-12-31")
    expect = {  # meeting, status, days after the deadline
        "a": ("2026-12-01", "rettidig", 0),
        "b": ("2026-11-03", "rettidig", 0),  # due 30.11.: back to the November meeting
        "c": ("2026-12-01", "rettidig", 0),  # a meeting on the deadline is on time
        "d": ("2026-11-03", "overskredet", 33),  # 1.10. -> 3.11.
        "e": ("2026-11-03", "efter fristen", 2),  # 1.11. -> 3.11.
        "h": ("2026-12-01", "rettidig", 0),
    }
    for bid, (moede, status, late) in expect.items():
        assert (s.loc[bid, "moededato"], s.loc[bid, "status"], s.loc[bid, "dage_efter_frist"]
                ) == (pd.Timestamp(moede), status, late), bid
    assert plan.andel_rettidig == pytest.approx(4 / 6)


def test_the_two_deadlines_move_off_weekends():
    plan = followup_plan(plan_data(), params(), 3, as_of=AS_OF)
    m = plan.moeder.set_index(["afdeling", "moededato"]).loc["Voksen"]
    # Meeting 3.11.2026: one month before is Saturday 3.10. -> Friday 2.10.; 14 days before
    # is Tuesday 20.10. Meeting 1.12.: 1.11. is a Sunday -> Friday 30.10.; 17.11. Meeting
    # 5.1.2027: 5.12. is a Saturday -> Friday 4.12.; 22.12.
    assert m.loc["2026-11-03", ["statusanmodning", "statusfrist"]].tolist() == [
        pd.Timestamp("2026-10-02"), pd.Timestamp("2026-10-20")]
    assert m.loc["2026-12-01", ["statusanmodning", "statusfrist"]].tolist() == [
        pd.Timestamp("2026-10-30"), pd.Timestamp("2026-11-17")]
    assert m.loc["2027-01-05", ["statusanmodning", "statusfrist"]].tolist() == [
        pd.Timestamp("2026-12-04"), pd.Timestamp("2026-12-22")]
    # Counts per meeting, also meetings without cases.
    assert m["antal_sager"].tolist() == [3, 2, 0]
    assert m.loc["2026-11-03", ["antal_rettidig", "antal_efter_fristen", "antal_overskredet"]
                 ].tolist() == [1, 1, 1]
    # Requests before the plan date (31.10.2026) must go out at once.
    s = plan.sager.set_index("bevilling_id")
    assert s.loc["a", "kort_varsel"] and s.loc["d", "kort_varsel"]
    other = with_calendar(params(), statusanmodning_maaneder=0, statusfrist_dage=7)
    m2 = followup_plan(plan_data(), other, 2, as_of=AS_OF).moeder.set_index(
        ["afdeling", "moededato"]).loc["Voksen"]
    assert m2.loc["2026-12-01", "statusanmodning"] == pd.Timestamp("2026-12-01")
    assert m2.loc["2026-12-01", "statusfrist"] == pd.Timestamp("2026-11-24")


def test_calendars_per_afdeling_dates_as_written_and_no_meeting():
    p = with_calendar(params(), moedekalender={
        "standard": "første tirsdag i måneden",
        "Handicap": [D(2026, 11, 20), D(2026, 12, 4)],
        "Tom": [D(2025, 1, 7)],
    })
    d = plan_data()
    d = dataclasses.replace(d, bevillinger=pd.concat([d.bevillinger, make(
        [grant("t", "T", afdeling="Tom", start="2025-01-01")]).bevillinger], ignore_index=True))
    s = followup_plan(d, p, 2, as_of=AS_OF).sager.set_index("bevilling_id")
    assert s.loc["h", "moededato"] == pd.Timestamp("2026-11-20")  # its own list, due 2.12.
    assert s.loc["t", "status"] == "intet møde" and pd.isna(s.loc["t", "moededato"])


def test_overdue_in_the_plan_is_the_servicetjek_rule():
    # One deadline: the plan's 'overskredet' cases are the rule opfoelgning_overskredet's.
    d = plan_data()
    plan = followup_plan(d, params(), 6, as_of=AS_OF)
    overdue = set(plan.sager.loc[plan.sager["status"] == "overskredet", "bevilling_id"])
    flagged = set(rule(screen(d, params(), as_of=AS_OF), "opfoelgning_overskredet").index)
    assert overdue == flagged == {"d"}


# --- iCalendar -------------------------------------------------------------------------------

def test_ics_parsed_back_with_icalendar():
    plan = followup_plan(plan_data(), params(), 2, as_of=AS_OF)
    cals = calendars(plan, "Eksempelkommune")
    assert sorted(cals) == ["Handicap", "Voksen"]
    back = icalendar.Calendar.from_ical(cals["Voksen"].to_ical())
    events = sorted(back.walk("VEVENT"), key=lambda e: (e.decoded("dtstart"), str(e["uid"])))
    # Two meetings with cases, each with its two deadlines.
    assert len(events) == 6
    starts = [(e.decoded("dtstart"), str(e["summary"])) for e in events]
    assert starts[0] == (D(2026, 10, 2), "Bed om status til opfølgningsmødet 03.11.2026")
    assert (D(2026, 10, 20), "Status skal være fremme til mødet 03.11.2026") in starts
    assert (D(2026, 11, 3), "Opfølgningsmøde Voksen: 3 sager") in starts
    assert (D(2026, 12, 1), "Opfølgningsmøde Voksen: 2 sager") in starts
    meeting = next(e for e in events if str(e["summary"]).startswith("Opfølgningsmøde Voksen: 3"))
    text = str(meeting["description"])
    # Cases by pseudonym only: borger_id, paragraph, deadline; no grant ids.
    assert "- B, §107, frist 30.11.2026" in text
    assert "- D, §107, frist 01.10.2026 (overskredet)" in text
    assert "- E, §107, frist 01.11.2026 (efter fristen)" in text
    assert "bevilling" not in text.lower()
    assert meeting.decoded("dtend") == D(2026, 11, 4)  # an all-day event
    assert str(back["x-wr-calname"]) == "Opfølgninger Voksen, Eksempelkommune"
    # The same plan gives byte-identical calendars (stable UIDs, DTSTAMP = plan date).
    assert calendars(plan, "Eksempelkommune")["Voksen"].to_ical() == cals["Voksen"].to_ical()


# --- parameters --------------------------------------------------------------------------------

def test_default_parameters_validate():
    p = load_parameters("eksempelkommune").opfoelgning
    assert p.statusanmodning_maaneder == 1 and p.statusfrist_dage == 14
    assert str(parse_rule(p.moedekalender["standard"])) == "første tirsdag i måneden"


@pytest.mark.parametrize("section, words", [
    ({"moedekalender": {"standard": "første tirsdg i måneden"}},
     ["opfoelgning.moedekalender", "'standard'", "'første tirsdg i måneden' kan ikke læses"]),
    ({"moedekalender": {"Voksen": "hver anden tirsdag"}},
     ["opfoelgning.moedekalender", "afdelingen 'Voksen'", "'hver anden tirsdag'"]),
    ({"serviceniveau": {"§85": {2: {"omfang": "3-x"}}}},
     ["opfoelgning.serviceniveau.§85.2.omfang", "omfanget '3-x' kan ikke læses"]),
    ({"serviceniveau": {"§85": {"fem": {"omfang": "3-6"}}}},
     ["opfoelgning.serviceniveau", "støttebehovet 'fem' kan ikke læses"]),
    ({"serviceniveau": {"§85": {2: {"omfang": "6-3"}}}},
     ["opfoelgning.serviceniveau.§85.2.omfang", "fra skal være mindst 0 og højst til"]),
    ({"serviceniveau": {"§85": {2: {"omfang": "3-6", "priskategori": "dyr"}}}},
     ["opfoelgning.serviceniveau.§85.2.priskategori", "skal være en af"]),
])
def test_wrong_meeting_rule_or_range_is_a_danish_error_naming_file_and_key(tmp_path, section,
                                                                          words):
    kommune = write_minimal_kommune(tmp_path, params={"opfoelgning": section})
    with pytest.raises(ParameterFejl) as err:
        load_parameters(kommune.slug, root=kommune.root)
    text = str(err.value)
    assert str(kommune.params_file) in text
    for w in words:
        assert w in text, (w, text)


def test_ranges_and_level_spans_parse():
    p = load_parameters("eksempelkommune")
    new = with_calendar(p, serviceniveau={"§85": {"0-1": {"omfang": "1–3"}, 2: {"omfang": 4},
                                                  "3": {"omfang": [5, 10.5]}},
                                          "§107": {"2-4": {"omfang": "7 til 7"}}})
    sn = new.opfoelgning.serviceniveau
    assert sorted(sn["§85"]) == ["0", "1", "2", "3"]
    assert sn["§85"]["1"].omfang == (1.0, 3.0) and sn["§85"]["2"].omfang == (4.0, 4.0)
    assert sn["§85"]["3"].omfang == (5.0, 10.5) and sorted(sn["§107"]) == ["2", "3", "4"]
    with pytest.raises(ValueError, match="niveau 2 står mere end én gang"):
        with_calendar(p, serviceniveau={"§85": {2: {"omfang": 1}, "1-2": {"omfang": 2}}})
