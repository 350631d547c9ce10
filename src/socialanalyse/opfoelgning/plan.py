"""The follow-up calendar (opfølgningskalender): each active grant's next follow-up, placed at a
meeting in the afdeling's meeting calendar, with the Randers procedure's two deadlines (ask the
provider for a status one month before the meeting; the status is due 14 days before).

Also the calendars per afdeling as `icalendar.Calendar` objects (meetings and deadlines, cases
by pseudonym only); writing the .ics files is left to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import kalender
from ..config import Parametre
from ..data import Data
from ..servicetjek import screening_base
from ..servicetjek.base import resolve_as_of
from ..servicetjek.rules import followup_deadlines

RETTIDIG, EFTER_FRISTEN, OVERSKREDET, INTET_MOEDE = (
    "rettidig", "efter fristen", "overskredet", "intet møde")
#: Status of a case in the plan, in the order they are shown.
STATUSSER = (RETTIDIG, EFTER_FRISTEN, OVERSKREDET, INTET_MOEDE)

SAG_COLUMNS = [
    "afdeling", "moededato", "status", "borger_id", "bevilling_id", "paragraf", "leverandoer_id",
    "seneste_opfoelgning", "regnet_fra", "interval_maaneder", "frist", "dage_efter_frist",
    "statusanmodning", "statusfrist", "kort_varsel",
]


@dataclass(frozen=True)
class Opfoelgningsplan:
    """The follow-up plan from `plandato` (exclusive) to `slutdato` (inclusive).

    sager: one row per active grant whose next follow-up is due by `slutdato` (SAG_COLUMNS):
    status 'rettidig' (a meeting on or before the deadline), 'efter fristen' (due, but the
    first meeting is after the deadline), 'overskredet' (already overdue on the plan date; at
    the first meeting) or 'intet møde' (the afdeling's calendar has no meeting in the period);
    dage_efter_frist (days from the deadline to the meeting, 0 when on time); statusanmodning
    and statusfrist (the two deadlines); kort_varsel (the status request date is before the
    plan date: ask at once). Sorted by afdeling, meeting and deadline.
    moeder: one row per afdeling and meeting in the period (also meetings without cases):
    afdeling, moededato, statusanmodning, statusfrist, antal_sager and one count per status.
    """

    plandato: pd.Timestamp
    slutdato: pd.Timestamp
    sager: pd.DataFrame
    moeder: pd.DataFrame

    @property
    def andel_rettidig(self) -> float:
        """Share of the planned cases followed up on time (NaN without cases)."""
        n = len(self.sager)
        return float((self.sager["status"] == RETTIDIG).sum() / n) if n else float("nan")


def calendar_for(params: Parametre, afdeling: str) -> str | list[dt.date]:
    """The afdeling's meeting calendar (its own entry, else 'standard')."""
    cal = params.opfoelgning.moedekalender
    return cal.get(afdeling, cal["standard"])


def meetings(params: Parametre, afdeling: str, first: dt.date, last: dt.date) -> list[dt.date]:
    """The afdeling's meetings from `first` to `last` (inclusive): by its rule (moved off
    holidays and the parameter `fridage`, see kalender), or its list of dates as written."""
    entry = calendar_for(params, afdeling)
    if isinstance(entry, str):
        return kalender.meeting_dates(entry, first, last, params.opfoelgning.fridage)
    return sorted(d for d in set(entry) if first <= d <= last)


def deadlines(moededato: pd.Series, params: Parametre) -> tuple[pd.Series, pd.Series]:
    """The status request date (statusanmodning_maaneder calendar months before the meeting)
    and the status due date (statusfrist_dage days before), each moved back to the previous
    working day when it falls on a weekend, holiday or local day off. NaT stays NaT."""
    p = params.opfoelgning

    def back(day: pd.Timestamp) -> pd.Timestamp:
        if pd.isna(day):
            return pd.NaT
        return pd.Timestamp(kalender.previous_working_day(day.date(), p.fridage))

    ask = moededato - pd.DateOffset(months=p.statusanmodning_maaneder)
    due = moededato - pd.Timedelta(days=p.statusfrist_dage)
    # Few distinct meeting dates: move each once.
    moved = {d: (back(a), back(b)) for d, a, b in zip(moededato, ask, due) if pd.notna(d)}
    return (moededato.map(lambda d: moved[d][0] if pd.notna(d) else pd.NaT).astype(
                "datetime64[ns]").rename("statusanmodning"),
            moededato.map(lambda d: moved[d][1] if pd.notna(d) else pd.NaT).astype(
                "datetime64[ns]").rename("statusfrist"))


def followup_plan(data: Data, params: Parametre, months: int | None = None, *, as_of=None,
                  base: pd.DataFrame | None = None) -> Opfoelgningsplan:
    """Plan the next `months` months of follow-ups (default the parameter plan_maaneder).

    The plan date is the extract's reference date (`as_of`, default the last day of the
    latest payment month). Each grant active then gets its next deadline from
    `servicetjek.rules.followup_deadlines` (the servicetjek's interval per paragraph; the same
    deadline as the rule opfoelgning_overskredet) and, when it is due by the end of the
    period, is placed at the last meeting of its afdeling after the plan date and on or before
    the deadline. Without such a meeting it goes to the first meeting after the plan date,
    marked 'efter fristen', or 'overskredet' when the deadline had already passed on the plan
    date. `base`: a ready `servicetjek.screening_base` for the same data and date.
    """
    plandato = resolve_as_of(data, as_of)
    months = params.opfoelgning.plan_maaneder if months is None else int(months)
    slutdato = plandato + pd.DateOffset(months=months)
    if base is None:
        base = screening_base(data, params, plandato)
    active = base[base["aktiv"]]
    dl = followup_deadlines(active, params.servicetjek.opfoelgning_interval_maaneder)
    due = dl["frist"]
    planned = active[due <= slutdato].assign(**dl[due <= slutdato])
    first = (plandato + pd.Timedelta(days=1)).date()
    parts, meeting_rows = [], []
    for afdeling in sorted(set(active["afdeling"].astype(str))):  # a handful of afdelinger
        dates = np.array(meetings(params, afdeling, first, slutdato.date()), dtype="datetime64[ns]")
        meeting_rows.append(pd.DataFrame({"afdeling": afdeling, "moededato": dates}))
        g = planned[planned["afdeling"].astype(str) == afdeling]
        frist = g["frist"].to_numpy(dtype="datetime64[ns]")
        last_before = np.searchsorted(dates, frist, side="right") - 1
        on_time = last_before >= 0
        pick = np.where(on_time, last_before, 0)
        has = len(dates) > 0
        moede = dates[pick] if has else np.full(len(g), np.datetime64("NaT"), "datetime64[ns]")
        status = np.where(not has, INTET_MOEDE, np.where(
            on_time, RETTIDIG, np.where(frist < plandato.to_datetime64(), OVERSKREDET,
                                        EFTER_FRISTEN)))
        parts.append(g.assign(moededato=moede, status=status))
    sager = pd.concat(parts, ignore_index=True) if parts else planned.assign(
        moededato=pd.Series(dtype="datetime64[ns]"), status=pd.Series(dtype=str))
    sager["afdeling"] = sager["afdeling"].astype(str)
    late = (sager["moededato"] - sager["frist"]).dt.days
    sager["dage_efter_frist"] = late.clip(lower=0).astype("Int64")
    sager["statusanmodning"], sager["statusfrist"] = deadlines(sager["moededato"], params)
    sager["kort_varsel"] = sager["statusanmodning"] < plandato
    sager = sager.sort_values(["afdeling", "moededato", "frist", "borger_id", "bevilling_id"],
                              kind="stable", ignore_index=True)[SAG_COLUMNS]
    for c in ("bevilling_id", "borger_id", "paragraf", "leverandoer_id"):
        sager[c] = sager[c].astype(str)
    moeder = _meeting_table(meeting_rows, sager, params)
    return Opfoelgningsplan(plandato, slutdato, sager, moeder)


def _meeting_table(rows: list[pd.DataFrame], sager: pd.DataFrame, params: Parametre
                   ) -> pd.DataFrame:
    """Per afdeling and meeting: the deadlines and the number of cases per status."""
    m = (pd.concat(rows, ignore_index=True) if rows
         else pd.DataFrame({"afdeling": pd.Series(dtype=str),
                            "moededato": pd.Series(dtype="datetime64[ns]")}))
    m["statusanmodning"], m["statusfrist"] = deadlines(m["moededato"], params)
    counts = pd.crosstab([sager["afdeling"], sager["moededato"]], sager["status"]).reindex(
        columns=list(STATUSSER), fill_value=0)
    counts.columns = ["antal_" + re.sub(r"\W+", "_", c).replace("ø", "oe") for c in counts]
    m = m.merge(counts.reset_index(), on=["afdeling", "moededato"], how="left")
    count_cols = list(counts.columns)
    m[count_cols] = m[count_cols].fillna(0).astype(int)
    m.insert(4, "antal_sager", m[count_cols].sum(axis=1))
    return m.drop(columns="antal_intet_moede")


# --- iCalendar ------------------------------------------------------------------------------

def _uid(kind: str, afdeling: str, day: pd.Timestamp) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", afdeling.lower().translate(str.maketrans(
        {"æ": "ae", "ø": "oe", "å": "aa"}))).strip("-")
    return f"{kind}-{slug}-{day:%Y%m%d}@socialanalyse"


def _case_lines(g: pd.DataFrame) -> str:
    # Pseudonyms only: no names, no CPR numbers (the borger_id is the loader's pseudonym).
    status = np.where(g["status"] == RETTIDIG, "", " (" + g["status"] + ")")
    lines = ("- " + g["borger_id"] + ", " + g["paragraf"] + ", frist "
             + g["frist"].dt.strftime("%d.%m.%Y") + status)
    return "\n".join(lines)


def calendars(plan: Opfoelgningsplan, kommune: str = "") -> dict:
    """One `icalendar.Calendar` per afdeling with cases: each meeting with cases as an
    all-day event listing them (borger pseudonym, paragraph, deadline, status when not on
    time), and the two deadlines before it as all-day events. Stable UIDs and DTSTAMP = the
    plan date, so the same plan gives the same calendars."""
    import icalendar

    stamp = dt.datetime.combine(plan.plandato.date(), dt.time(0, 0), tzinfo=dt.UTC)
    out = {}
    for afdeling, cases in plan.sager[plan.sager["moededato"].notna()].groupby("afdeling"):
        cal = icalendar.Calendar()
        cal.add("prodid", "-//socialanalyse//Opfølgningskalender//DA")
        cal.add("version", "2.0")
        cal.add("x-wr-calname", f"Opfølgninger {afdeling}" + (f", {kommune}" if kommune else ""))
        for moede, g in cases.groupby("moededato"):
            n = len(g)
            word = "sag" if n == 1 else "sager"
            ask, due = g["statusanmodning"].iloc[0], g["statusfrist"].iloc[0]
            events = [
                ("moede", moede, f"Opfølgningsmøde {afdeling}: {n} {word}",
                 f"Opfølgning på {n} {word}:\n{_case_lines(g)}"),
                ("statusanmodning", ask, f"Bed om status til opfølgningsmødet {moede:%d.%m.%Y}",
                 f"Send ønsker om status til udførerne for {n} {word}:\n{_case_lines(g)}"),
                ("statusfrist", due, f"Status skal være fremme til mødet {moede:%d.%m.%Y}",
                 f"Status for {n} {word} skal være modtaget i dag."),
            ]
            for kind, day, summary, text in events:
                ev = icalendar.Event()
                ev.add("uid", _uid(kind, afdeling, moede))
                ev.add("dtstamp", stamp)
                ev.add("dtstart", day.date())
                ev.add("dtend", (day + pd.Timedelta(days=1)).date())
                ev.add("summary", summary)
                ev.add("description", text)
                ev.add("categories", ["Opfølgning", afdeling])
                cal.add_component(ev)
        out[afdeling] = cal
    return out
