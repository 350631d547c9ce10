"""Opfølgning: the follow-up calendar, follow-up led by progression, the serviceniveau in kroner
and support need rather than diagnosis (workbook 08). Business cases followed up after the
decision are `businesscase.follow_up`.

Plain functions over the canonical tables (`socialanalyse.data.Data`) and the full `Parametre`
(section opfoelgning, plus the servicetjek's follow-up intervals and price categories and the
progression parameters, so each figure has one definition):

- `followup_plan(data, params, months)`: each active grant's next follow-up at a meeting in its
  afdeling's calendar, with the status request and status deadlines; `calendars(plan)`: the
  calendars per afdeling as icalendar objects (cases by pseudonym only).
- `progression_followup(data, params)`: development cases without reliable progression after N
  months ("ingen progression: overvej et andet tilbud"), and those with potential.
- `service_level_check(data, params)`: the grants outside the serviceniveau and the spending if
  every grant were inside it.
- `need_or_diagnosis(data, params)`: OLS of log yearly cost on need level, paragraph and target
  group; the variance the target group adds and the groups above what their need predicts.

The reference date defaults to the last day of the latest payment month in the data.
"""

from ..kalender import Moederegel, fridage, meeting_dates, parse_rule
from .plan import STATUSSER, Opfoelgningsplan, calendars, followup_plan, meetings
from .serviceniveau import Serviceniveautjek, catalogue, service_level_check, with_serviceniveau
from .stoettebehov import Stoettebehov, need_or_diagnosis
from .udvikling import (
    BESKEDER,
    IKKE_UDREDT,
    INGEN_PROGRESSION,
    POTENTIALE,
    Udviklingsforloeb,
    progression_followup,
)

__all__ = [
    "BESKEDER",
    "IKKE_UDREDT",
    "INGEN_PROGRESSION",
    "POTENTIALE",
    "STATUSSER",
    "Moederegel",
    "Opfoelgningsplan",
    "Serviceniveautjek",
    "Stoettebehov",
    "Udviklingsforloeb",
    "calendars",
    "catalogue",
    "followup_plan",
    "fridage",
    "meeting_dates",
    "meetings",
    "need_or_diagnosis",
    "parse_rule",
    "progression_followup",
    "service_level_check",
    "with_serviceniveau",
]
