"""Planted signals for the follow-up workbook (08_opfoelgning): development cases without
progression, citizens with potential, a target group above what its need predicts, grants
outside the serviceniveau, and a business case lagging its plan.

Two steps, both drawing only from the stream "opfoelgning":

- `volume`, right after grants.prices (before the payments and follow-ups are drawn, so they
  follow): every BL §32 grant of the target group "Børn med handicap" gets FAKTOR × the
  volume its need level gave (KL recommendation 9: the diagnosis, not the need, sets the
  support); `signals` adds more such grants, so a small municipality has enough of them.
- `signals`, before the budget (so the budget sees their spending): new citizens with their
  grants, assessments, goals, follow-ups and exact payments (no noise, so no other rule's
  definition is met), and the business case's own offer and placement provider:
  1. §107 grants started 1.1.-31.8.2025 and §104 grants of citizens with a running Udvikle
     goal from 1.3.2025, assessed before and 12-16 months after with every theme unchanged: no
     progression after 12 months.
  2. Citizens first assessed at level 4 in every theme who progressed 1.5 levels (ended §107
     stays), so the municipality's own history shows progression is common at start level 4;
     and active §107 grants started 3-9 months ago at start level 4: follow closely.
  3. §85 grants outside the serviceniveau example of eksempelkommune.yaml (SERVICENIVEAU):
     level 2 at 17 hours a week (4 above the range) and level 3 at 4 hours (3 below), each
     with its yearly spending effect at today's price.
  4. Fredericia's business case (parameters/business_cases/fredericia_hjemmebaseret_indsats
     .yaml): an own BL §32 offer "Intensiv familiestøtte" for three children from 1.1.2024,
     paid 2.19 mio. kr. a year (regulated each 1 January), and a placement provider with five
     children placed all of 2023 and three in 2024 and 2025: 2 placements avoided a year of
     the 3 planned.

The new rows go into the tables and into the working frames (`w.cit`, `w.g`, `w.prov`,
`w.tilbud`), so the steps after it (indkoeb's contracts and price changes, klynge's ids) treat
them as any other grants and providers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import reference as ref
from .. import derived
from .assessments import ICS_TEMAER, VUM_TEMAER
from .calibration import AFDELINGER, SPEC
from .world import FIRST_MONTH, LAST_MONTH, PRISINDEKS, REF, YEAR, World, scaled

EXPORT: dict = {}  # no tables of its own: rows are added to the others

STREAM = "opfoelgning"
REFERENCE_YEAR = 2026
FAKTOR, FAKTOR_MAALGRUPPE, FAKTOR_PARAGRAF = 1.30, "Børn med handicap", "BL §32"
PROGRESSION_MAANEDER = 12
POTENTIALE_NIVEAU = 4
PROGRESSED = np.array([2, 2, 2, 3, 3, 3])  # the latest levels of the history: mean 2.5
#: The §85 serviceniveau of parameters/kommuner/eksempelkommune.yaml: hours a week per need
#: level; every unplanted active §85 grant lies inside it.
SERVICENIVEAU_PARAGRAF = "§85"
SERVICENIVEAU = {0: (1.0, 5.0), 1: (2.0, 8.0), 2: (2.0, 13.0), 3: (7.0, 14.0), 4: (12.0, 16.0)}
OVER, UNDER = (2, 17.0), (3, 4.0)  # (need level, hours a week) of the planted grants
BUSINESS_CASE = "fredericia_hjemmebaseret_indsats"
BC_START = pd.Timestamp("2024-01-01")
BC_AARLIG = 2_190_000.0  # kr a year for the three children (KL: Fredericia)
BC_PLACERINGER = {2023: 5, 2024: 3, 2025: 3}  # full-year persons at the placement provider
BC_PROVIDER = "Opholdsstedet Bakkehuset ApS"
BC_TILBUD = "Familiehuset, intensiv familiestøtte"
# Fixed ids, the same at every size, as the business case's file names them.
BC_TILBUD_ID, BC_PROVIDER_ID = "T900", "L900"
MAX_DAILY = 2_650.0  # kr a day in 2026 prices: below 1 mio. kr a year (expensive_grants)


@dataclass(frozen=True)
class Opfoelgningssignaler:
    """What `signals` and `volume` planted (Planted.families["opfoelgning"])."""

    ingen_progression: tuple[str, ...]  # bevilling_ids: no progression after 12 months
    potentiale: tuple[str, ...]  # bevilling_ids: §107 at start level 4, 3-9 months in
    potentiale_niveau: int
    progredierede_borgere: tuple[str, ...]  # borger_ids: first level 4, progressed 1.5
    maalgruppe: str
    maalgruppe_paragraf: str
    maalgruppe_faktor: float
    maalgruppe_bevillinger: tuple[str, ...]  # the target group's active grants there
    serviceniveau_paragraf: str
    serviceniveau: tuple[tuple[int, float, float], ...]  # (level, fra, til) of the example
    uden_for_serviceniveau: tuple[tuple[str, float], ...]  # (bevilling_id, kr a year effect)
    business_case: str
    bc_tilbud_id: str
    bc_leverandoer_id: str  # the placement provider
    bc_helaarspersoner: tuple[tuple[int, int], ...]  # (year, full-year persons placed)
    bc_udgift: tuple[tuple[int, float], ...]  # (year, kr paid for the intervention)


def volume(w: World) -> None:
    """Planted: the target group's BL §32 volumes × FAKTOR (before payments are drawn)."""
    g = w.g
    sel = ((g["paragraf"] == FAKTOR_PARAGRAF) & (g["maalgruppe"] == FAKTOR_MAALGRUPPE)).to_numpy()
    g.loc[sel, "omfang"] = np.round(g.loc[sel, "omfang"] * FAKTOR, 2)
    b = w.tables["bevillinger"]
    new = pd.Series(g.loc[sel, "omfang"].to_numpy(), index=g.loc[sel, "bevilling_id"].to_numpy())
    hit = b["bevilling_id"].isin(new.index).to_numpy()
    b.loc[hit, "omfang"] = new.reindex(b.loc[hit, "bevilling_id"]).to_numpy()


class _Rows:
    """The rows added to the canonical tables, built case by case (a few hundred rows)."""

    def __init__(self, w: World):
        self.w = w
        self.rng = w.rng(STREAM)
        t = w.tables
        self.cit_numbers = self._free_numbers(t["borgere"]["borger_id"])
        self.next_grant = int(t["bevillinger"]["bevilling_id"].str[2:].astype(int).max()) + 1
        self.next_goal = int(t["maal"]["maal_id"].str[1:].astype(int).max()) + 1
        self.rows = {k: [] for k in ("borgere", "bevillinger", "vurderinger", "maal",
                                     "opfoelgninger")}

    def _free_numbers(self, ids: pd.Series) -> list[int]:
        width = len(ids.iloc[0]) - 1
        used = ids.str[1:].astype(int).to_numpy()
        free = np.setdiff1d(np.arange(10 ** (width - 1), 10 ** width), used)
        self.cit_width = width
        return list(self.rng.permutation(free)[:5_000])

    def citizen(self, maalgruppe: str, boern: bool) -> str:
        bid = f"B{self.cit_numbers.pop():0{self.cit_width}d}"
        age = self.rng.uniform(4, 14) if boern else self.rng.uniform(20, 60)
        self.rows["borgere"].append({"borger_id": bid, "foedselsaar": int(REFERENCE_YEAR - age),
                                     "koen": "M" if self.rng.random() < 0.55 else "K",
                                     "maalgruppe": maalgruppe})
        return bid

    def grant(self, borger: str, maalgruppe: str, paragraf: str, leverandoer: str,
              start: pd.Timestamp, price_2026: float, *, omfang: float | None = None,
              enhed: str | None = None, slut: pd.Timestamp | None = None,
              forventet: pd.Timestamp | None = None, tilbud: str | None = None) -> str:
        """A grant at a price given in 2026 prices (the granted price is the start year's)."""
        gid = f"BV{self.next_grant:07d}"
        self.next_grant += 1
        spec = SPEC[paragraf]
        enhed = enhed or ref.paragraffer().set_index("paragraf").at[paragraf, "enhed"]
        if omfang is None:
            omfang = spec.omfang[1] if spec.omfang[0] == "fixed" else 1.0
        years = REFERENCE_YEAR - start.year
        self.rows["bevillinger"].append({
            "bevilling_id": gid, "borger_id": borger, "paragraf": paragraf,
            "leverandoer_id": leverandoer, "tilbud_id": tilbud,
            "afdeling": AFDELINGER[maalgruppe], "startdato": start, "slutdato": slut,
            "forventet_slutdato": forventet, "enhed": enhed,
            "enhedspris": round(price_2026 / (1 + PRISINDEKS) ** years, 2),
            "omfang": float(omfang), "tillaeg": 0.0})
        self.followups(gid, paragraf, start, slut)
        return gid

    def followups(self, gid: str, paragraf: str, start: pd.Timestamp,
                  slut: pd.Timestamp | None) -> None:
        """Follow-ups well within the required interval (6 months for §107, else 12), and a
        closing revisitation on the last day of an ended grant."""
        interval = 6 if paragraf == "§107" else 12
        stop = min(slut, pd.Timestamp(REF)) if slut is not None else pd.Timestamp(REF)
        day = start
        while True:
            day = day + pd.Timedelta(days=int(self.rng.uniform(0.55, 0.85) * interval * 30.4))
            if day > stop:
                break
            self.rows["opfoelgninger"].append({"bevilling_id": gid, "dato": day,
                                               "type": "opfølgning", "resultat": "uændret"})
        if slut is not None:
            self.rows["opfoelgninger"].append({"bevilling_id": gid, "dato": slut,
                                               "type": "revisitation", "resultat": "ophørt"})

    def assessment(self, borger: str, day: pd.Timestamp, levels, boern: bool = False) -> None:
        themes = ICS_TEMAER if boern else VUM_TEMAER
        levels = np.broadcast_to(np.asarray(levels), (len(themes),))
        for tema, lvl in zip(themes, levels):
            self.rows["vurderinger"].append({"borger_id": borger, "dato": day,
                                             "metode": "ICS" if boern else "VUM2",
                                             "tema": tema, "niveau": int(lvl)})

    def goal(self, borger: str, tema: str, start: pd.Timestamp, frist: pd.Timestamp) -> None:
        self.rows["maal"].append({"borger_id": borger, "maal_id": f"M{self.next_goal:07d}",
                                  "tema": tema, "maaltype": "Udvikle", "startdato": start,
                                  "frist": frist, "status": "igangværende"})
        self.next_goal += 1

    def days(self, lo: int, hi: int) -> pd.Timedelta:
        return pd.Timedelta(days=int(self.rng.integers(lo, hi)))


def _providers(w: World, paragraf: str) -> list[str]:
    """External providers offering a paragraph, preferably none of them part of another
    planted signal (a small municipality may have to use one without the standard contract,
    whose grants are then true flags of that rule, or any; [] when there is none)."""
    p, prov = w.planted, w.prov
    offers = [(paragraf in pars) and t != "egen drift"
              for t, pars in zip(prov["leverandoertype"], prov["paragraffer"])]
    prices = set(p["overpriced_providers"]) | set(p["price_rise_providers"]) | set(
        p["renegotiated_providers"])
    for flagged in (prices | set(p["no_standard_contract"]), prices, set()):
        ok = prov.loc[offers, "leverandoer_id"]
        ok = sorted(ok[~ok.isin(flagged)])
        if ok:
            return ok
    return []


def _price(paragraf: str, level: int) -> float:
    spec = SPEC[paragraf]
    return min(spec.price * spec.level_mult[level], MAX_DAILY) if spec.omfang[0] == "fixed" \
        else spec.price * spec.level_mult[level]


def _every_year(r: _Rows, borger: str, first: pd.Timestamp, last: pd.Timestamp, levels,
                boern: bool = False) -> list[pd.Timestamp]:
    """Assessments from `first` every 10-14 months up to `last` (levels(k, n) per one)."""
    days = [first]
    while days[-1] + pd.Timedelta(days=426) <= last:
        days.append(days[-1] + r.days(300, 426))
    for k, day in enumerate(days):
        r.assessment(borger, day, levels(k, len(days)), boern)
    return days


def signals(w: World) -> None:
    """Planted: the new citizens and grants of the four signals (module docstring)."""
    r = _Rows(w)
    ref_day = pd.Timestamp(REF)
    p107, p85, p104 = (_providers(w, p) for p in ("§107", "§85", "§104"))
    p32 = _providers(w, FAKTOR_PARAGRAF) or [BC_PROVIDER_ID]  # small: the new provider

    def pick(providers: list[str]) -> str:
        return providers[int(r.rng.integers(0, len(providers)))]

    # 1. No progression after 12 months: §107 from 2025 and §104 with an Udvikle goal (not
    # §85, whose citizens would join the planted intervention's comparison group).
    stuck = []
    for _ in range(scaled(w.n, 12, minimum=8)):
        mg = ("Sindslidelse", "Autisme", "Udviklingshæmning")[int(r.rng.integers(0, 3))]
        b = r.citizen(mg, False)
        start = pd.Timestamp("2025-01-01") + r.days(0, 243)
        r.assessment(b, start - r.days(10, 46), 2)
        r.assessment(b, start + r.days(365, 426), 2)
        stuck.append(r.grant(b, mg, "§107", pick(p107), start, _price("§107", 2),
                             forventet=start + pd.Timedelta(days=int(r.rng.uniform(1.9, 2.9)
                                                                      * YEAR))))
    goal_start = pd.Timestamp("2025-03-01")
    for _ in range(scaled(w.n, 4, minimum=3)):
        b = r.citizen("Sindslidelse", False)
        start = pd.Timestamp("2023-06-01") + r.days(0, 366)
        _every_year(r, b, start - r.days(10, 46), ref_day - pd.Timedelta(days=30),
                    lambda k, n: 2)
        r.goal(b, VUM_TEMAER[int(r.rng.integers(0, 6))], goal_start,
               goal_start + pd.DateOffset(years=2) - pd.Timedelta(days=1))
        stuck.append(r.grant(b, "Sindslidelse", "§104", pick(p104), start, _price("§104", 2),
                             omfang=4.0))

    # 2. Potential: a history of progression from level 4, and new §107 cases at level 4.
    progressed = []
    for _ in range(scaled(w.n, 24, minimum=20)):
        mg = ("Sindslidelse", "Autisme")[int(r.rng.integers(0, 2))]
        b = r.citizen(mg, False)
        start = pd.Timestamp("2021-06-01") + r.days(0, 730)
        end = start + pd.Timedelta(days=int(r.rng.uniform(1.3, 2.5) * YEAR))
        first = start - r.days(10, 46)
        _every_year(r, b, first, end, lambda k, n: 4 if k < n - 1 else PROGRESSED)
        r.grant(b, mg, "§107", pick(p107), start, _price("§107", 4), slut=end,
                forventet=start + pd.DateOffset(years=2))
        progressed.append(b)
    follow = []
    for _ in range(scaled(w.n, 6, minimum=6)):
        mg = ("Sindslidelse", "Autisme")[int(r.rng.integers(0, 2))]
        b = r.citizen(mg, False)
        start = ref_day - pd.DateOffset(months=int(r.rng.integers(3, 10))) + r.days(0, 20)
        r.assessment(b, start - r.days(10, 46), POTENTIALE_NIVEAU)
        follow.append(r.grant(b, mg, "§107", pick(p107), start,
                              _price("§107", POTENTIALE_NIVEAU),
                              forventet=start + pd.DateOffset(years=2)))

    # The target group's volume: more of its grants (drawn as the others, × FAKTOR), so the
    # factor is measured well also in a small municipality.
    spec = SPEC[FAKTOR_PARAGRAF]
    _, lo_h, hi_h, a, slope, sd = spec.omfang
    for _ in range(scaled(w.n, 30, minimum=25)):
        b = r.citizen(FAKTOR_MAALGRUPPE, True)
        level = int(r.rng.integers(1, 4))
        start = pd.Timestamp("2023-01-01") + r.days(0, 1300)
        r.assessment(b, start - r.days(10, 46), level, boern=True)
        hours = np.clip(np.round((a + slope * level + r.rng.normal(0, sd)) * 2) / 2, lo_h, hi_h)
        r.grant(b, FAKTOR_MAALGRUPPE, FAKTOR_PARAGRAF, pick(p32), start,
                _price(FAKTOR_PARAGRAF, level), omfang=round(hours * FAKTOR, 2))

    # 3. Outside the §85 serviceniveau, with the yearly effect of bringing them inside.
    outside = []
    for (level, hours), k in ((OVER, scaled(w.n, 10, minimum=8)),
                              (UNDER, scaled(w.n, 5, minimum=4))):
        lo, hi = SERVICENIVEAU[level]
        for _ in range(k):
            b = r.citizen("Sindslidelse", False)
            start = pd.Timestamp("2024-01-01") + r.days(0, 600)
            r.assessment(b, start - r.days(10, 46), level)
            gid = r.grant(b, "Sindslidelse", SERVICENIVEAU_PARAGRAF, pick(p85), start,
                          _price(SERVICENIVEAU_PARAGRAF, level), omfang=hours)
            outside.append((gid, float(np.clip(hours, lo, hi) - hours)))

    # 4. The business case: the own offer for three children and the placement provider.
    t, lev = w.tables["tilbud"], w.tables["leverandoerer"]
    own32 = t.loc[t["paragraf"] == "BL §32", "leverandoer_id"].iloc[0]
    tilbud_id, placement = BC_TILBUD_ID, BC_PROVIDER_ID
    assert tilbud_id not in set(t["tilbud_id"]) and placement not in set(lev["leverandoer_id"])
    monthly = np.array([60_833.33, 60_833.33, 60_833.34])  # 182,500 kr a month together
    for price in monthly:
        b = r.citizen("Udsatte børn og unge", True)
        _every_year(r, b, BC_START - r.days(10, 46), ref_day - pd.Timedelta(days=30),
                    lambda k, n: 3, boern=True)
        r.grant(b, "Udsatte børn og unge", "BL §32", own32, BC_START,
                price * (1 + PRISINDEKS) ** (REFERENCE_YEAR - BC_START.year), omfang=1.0,
                enhed="maaned", tilbud=tilbud_id)
    for k in range(BC_PLACERINGER[2023]):
        b = r.citizen("Udsatte børn og unge", True)
        start = pd.Timestamp("2022-02-01") + r.days(0, 300)
        stays = k < BC_PLACERINGER[2024]
        end = pd.Timestamp("2026-03-31") if stays else pd.Timestamp("2023-12-31")
        r.assessment(b, start - r.days(10, 46), 2, boern=True)
        r.grant(b, "Udsatte børn og unge", "BL §46", placement, start, MAX_DAILY, slut=end)

    _write(w, r, tilbud_id, own32, placement)
    bev, groups = w.tables["bevillinger"], w.tables["borgere"].set_index("borger_id")
    target = bev[(bev["paragraf"] == FAKTOR_PARAGRAF)
                 & (bev["borger_id"].map(groups["maalgruppe"]) == FAKTOR_MAALGRUPPE)
                 & derived.is_active(bev, ref_day)]
    pay = w.tables["betalinger"]
    own = pay[pay["bevilling_id"].isin(bev.loc[bev["tilbud_id"] == tilbud_id, "bevilling_id"])]
    paid = own.groupby(own["periode"].dt.year)["beloeb"].sum()
    bc_paid = ((int(year), round(float(paid[year]), 2)) for year in (2024, 2025))
    record = Opfoelgningssignaler(
        ingen_progression=tuple(sorted(stuck)), potentiale=tuple(sorted(follow)),
        potentiale_niveau=POTENTIALE_NIVEAU, progredierede_borgere=tuple(sorted(progressed)),
        maalgruppe=FAKTOR_MAALGRUPPE, maalgruppe_paragraf=FAKTOR_PARAGRAF,
        maalgruppe_faktor=FAKTOR,
        maalgruppe_bevillinger=tuple(sorted(target["bevilling_id"])),
        serviceniveau_paragraf=SERVICENIVEAU_PARAGRAF,
        serviceniveau=tuple((lvl, lo, hi) for lvl, (lo, hi) in SERVICENIVEAU.items()),
        uden_for_serviceniveau=_effects(w, outside),
        business_case=BUSINESS_CASE, bc_tilbud_id=tilbud_id, bc_leverandoer_id=placement,
        bc_helaarspersoner=tuple(BC_PLACERINGER.items()), bc_udgift=tuple(bc_paid))
    w.plant_family(STREAM, record, {
        "ingen_progression": "Udviklingsforløb (§107 fra 2025 og §104 med et igangværende "
        "Udvikle-mål fra 1.3.2025), udredt før start og 12-16 måneder efter med uændret niveau "
        "i alle temaer: ingen progression efter 12 måneder.",
        "potentiale": "Aktive §107-bevillinger startet for 3-9 måneder siden på startniveau 4, "
        "hvor kommunens egen historik viser, at progression er almindelig.",
        "progredierede_borgere": "Borgere første gang udredt på niveau 4 i alle temaer, som "
        "gik 1,5 niveau frem i et afsluttet §107-ophold.",
        "maalgruppe_bevillinger": f"{FAKTOR_PARAGRAF}-bevillinger til {FAKTOR_MAALGRUPPE}: "
        f"omfanget er {FAKTOR:.2f}".replace(".", ",") + " gange det, støttebehovet gav.",
        "uden_for_serviceniveau": "§85-bevillinger uden for eksempelkommunens serviceniveau: "
        "niveau 2 med 17 timer om ugen (4 over) og niveau 3 med 4 timer (3 under), med den "
        "årlige virkning i kroner af at bringe dem inden for.",
        "business_case": "Fredericias business case: egen BL §32-indsats for tre børn fra "
        "1.1.2024 til 2,19 mio. kr. om året; anbringelser hos én leverandør faldt fra 5 (2023) "
        "til 3 (2024 og 2025): 2 undgåede om året mod planlagt 3.",
    })


def _effects(w: World, outside: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """Per planted grant outside the serviceniveau: the yearly spending effect of bringing
    its volume inside, at today's (2026) regulated price (derived.annual_cost)."""
    b = w.tables["bevillinger"].set_index("bevilling_id")
    out = []
    for gid, hours in outside:
        row = b.loc[gid]
        price = row["enhedspris"] * (1 + PRISINDEKS) ** (REFERENCE_YEAR - row["startdato"].year)
        unit = pd.DataFrame({"enhed": [row["enhed"]], "enhedspris": [price], "omfang": [hours],
                             "tillaeg": [0.0]})
        out.append((gid, float(derived.annual_cost(unit).iloc[0])))
    return tuple(sorted(out))


def _write(w: World, r: _Rows, tilbud_id: str, own32: str, placement: str) -> None:
    """Append the new rows (and their exact payments) to the tables, in the tables' order;
    `generate` gives every column its canonical dtype afterwards."""
    t = w.tables
    new = {k: pd.DataFrame(v) for k, v in r.rows.items()}
    for name, order in (("borgere", ["borger_id"]), ("bevillinger", ["bevilling_id"]),
                        ("vurderinger", ["borger_id", "dato"]), ("maal", ["maal_id"]),
                        ("opfoelgninger", ["bevilling_id", "dato", "type"])):
        frame = new[name][list(t[name].columns)]
        for c in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(t[name][c]):
                frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
        t[name] = pd.concat([t[name], frame], ignore_index=True).sort_values(
            order, kind="stable", ignore_index=True)
    offer = {"tilbud_id": tilbud_id, "leverandoer_id": own32, "navn": BC_TILBUD,
             "paragraf": "BL §32", "pladser": 3}
    provider = {"leverandoer_id": placement, "navn": BC_PROVIDER, "leverandoertype": "privat"}
    t["tilbud"] = pd.concat([t["tilbud"], pd.DataFrame([{
        **offer, "maalgruppe": None, "takst": np.nan}])], ignore_index=True)
    t["leverandoerer"] = pd.concat([t["leverandoerer"], pd.DataFrame([{
        **provider, "standardkontrakt": True}])], ignore_index=True)
    _register(w, new, offer, provider)
    g = t["bevillinger"][t["bevillinger"]["bevilling_id"].isin(new["bevillinger"]["bevilling_id"])]
    cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
    exp = derived.expected_payments(g[cols], FIRST_MONTH, LAST_MONTH, PRISINDEKS)
    info = g.set_index("bevilling_id")
    funktion = ref.paragraffer().set_index("paragraf")["funktion"]
    pay = pd.DataFrame({
        "bevilling_id": exp["bevilling_id"].to_numpy(),
        "leverandoer_id": info.loc[exp["bevilling_id"], "leverandoer_id"].to_numpy(),
        "periode": exp["periode"].to_numpy(),
        "beloeb": np.round(exp["forventet"].to_numpy(), 2),
        "funktion": funktion.reindex(info.loc[exp["bevilling_id"], "paragraf"]).to_numpy(),
    })
    t["betalinger"] = pd.concat([t["betalinger"], pay[t["betalinger"].columns]],
                                ignore_index=True).sort_values(
        ["periode", "bevilling_id"], kind="stable", ignore_index=True)


def _register(w: World, new: dict[str, pd.DataFrame], offer: dict, provider: dict) -> None:
    """Add the new citizens, grants, provider and offer to the working frames (`w.cit`,
    `w.g`, `w.prov`, `w.tilbud`), as every step that adds rows does, so the later steps
    (indkoeb's contracts, supervision and price changes) see them as any other."""
    w.prov = pd.concat([w.prov, pd.DataFrame([{
        **provider, "paragraffer": ("BL §46",), "faktor": 1.0}])], ignore_index=True)
    position = pd.Series(np.arange(len(w.prov)), index=w.prov["leverandoer_id"].to_numpy())
    w.tilbud = pd.concat([w.tilbud, pd.DataFrame([{
        **offer, "prov": int(position[offer["leverandoer_id"]])}])[list(w.tilbud.columns)]],
        ignore_index=True)
    cit, g = new["borgere"], new["bevillinger"]
    at = pd.Series(np.arange(len(w.cit), len(w.cit) + len(cit)), index=cit["borger_id"])
    person = cit.set_index("borger_id")
    g = g.assign(cit=at[g["borger_id"]].to_numpy(),
                 prov=position[g["leverandoer_id"]].to_numpy(),
                 maalgruppe=person.loc[g["borger_id"], "maalgruppe"].to_numpy(),
                 foedselsaar=person.loc[g["borger_id"], "foedselsaar"].to_numpy(),
                 koen=person.loc[g["borger_id"], "koen"].to_numpy(),
                 type=w.prov["leverandoertype"].to_numpy()[position[g["leverandoer_id"]]],
                 niveau=np.nan)
    for c in ("startdato", "slutdato", "forventet_slutdato"):
        g[c] = pd.to_datetime(g[c]).astype("datetime64[ns]")
    w.g = pd.concat([w.g, g[list(w.g.columns)]], ignore_index=True)
    first = g.sort_values("startdato", kind="stable").drop_duplicates("borger_id")
    paragraf = first.set_index("borger_id")["paragraf"].reindex(cit["borger_id"]).to_numpy()
    w.cit = pd.concat([w.cit, cit.assign(paragraf=paragraf, mu=np.nan, boern=[
        str(p).startswith("BL") for p in paragraf])[list(w.cit.columns)]], ignore_index=True)
