"""Capacity signals for socialanalyse.kapacitet (workbook 07): an own offer with empty places
while citizens of its target group live in external offers, an own offer that is full while
citizens are placed externally, and step-down flows after a temporary botilbud.

Planted with fixed numbers at every size (own stream "kapacitet"):

1. Tomme pladser og hjemtagning: a new own §108 offer for Erhvervet hjerneskade at exactly
   75 % occupancy every day of the extract (its residents moved in before it), with its own
   takst of 2,400 kr. a day on `tilbud`. Three citizens of the group have lived in external
   §108 offers since 1 January 2024 at 2,900, 3,200 and 3,600 kr. a day (2024 prices): the
   hjemtagning candidates, with their yearly saving at the reference year's prices under the
   default marginal_andel (20-50 %). The group's grants already in external §108 offers on
   the reference date (k, found here by the same definition) are candidates too, so the offer
   gets 4 × (3 + k) places for 3 × (3 + k) residents: every candidate fits in a free place.
2. Fuldt tilbud: a new own §107 offer for Sindslidelse with 6 places, full every day (each
   place a chain of stays: the next resident moves in the day after the last one leaves),
   while 3 citizens of the group have been placed in external §107 offers since 1 June 2025.
3. Trinskift: the 20 stays that ended in the full offer: 12 (60 %) continue with §85 support
   in own home 14 days later, 6 get nothing, 2 move on to §108 the next day (a step up).

The rows are appended to the other families' (ids continue after theirs), before the budget
is made, so the budget counts them. Their payments are exactly the expected ones and their
follow-ups on time (no noise, so no other signal's definition meets them); they get no
assessments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import reference as ref
from .. import derived
from . import followups
from .calibration import AFDELINGER
from .grants import plant_expensive
from .providers import offer_name
from .world import FIRST_MONTH, LAST_MONTH, PRISINDEKS, REFERENCE_DATE, World, id_strings

EXPORT: dict = {}  # the family's rows go into the tables of providers, grants and payments

TOMME_MAALGRUPPE = "Erhvervet hjerneskade"
TOMME_TAKST = 2400.0  # kr. per place-day, the reference year's prices
KANDIDAT_PRISER = (2900.0, 3200.0, 3600.0)  # kr. a day at the start (2024) prices
KANDIDAT_START = pd.Timestamp("2024-01-01")
FULD_MAALGRUPPE = "Sindslidelse"
FULD_TAKST = 2550.0
FULD_PLADSER = 6
EKSTERN_107_PRISER = (2600.0, 2750.0, 2900.0)  # kr. a day at the start (2025) prices
EKSTERN_107_START = pd.Timestamp("2025-06-01")
UDFALD = ("§85",) * 12 + ("ingen",) * 6 + ("§108",) * 2  # the 20 ended stays: 60 % step down
MARGINAL_ANDEL = (0.2, 0.5)  # kapacitet.marginal_andel in parameters/default.yaml


@dataclass(frozen=True)
class Kandidat:
    """A planted hjemtagning candidate and its yearly saving (kr., the reference year's prices)."""

    borger_id: str
    bevilling_id: str
    ekstern_aarlig_udgift: float
    besparelse_lav: float  # external − 50 % of the own yearly price
    besparelse_hoej: float  # external − 20 % of it


@dataclass(frozen=True)
class Ophold:
    """An ended stay in the full §107 offer and what followed: '§85', 'ingen' or '§108'."""

    borger_id: str
    startdato: pd.Timestamp
    slutdato: pd.Timestamp  # the last day of a month
    udfald: str


@dataclass(frozen=True)
class Kapacitet:
    """What the kapacitet family planted (`Planted.families["kapacitet"]`)."""

    tomme_tilbud: str  # tilbud_id of the §108 offer with empty places
    tomme_pladser: int
    tomme_beboere: int
    kandidater: tuple[Kandidat, ...]
    oevrige_kandidater: tuple[str, ...]  # bevilling_ids of the group's other external grants
    besparelse_lav: float  # the planted candidates together
    besparelse_hoej: float
    fuldt_tilbud: str  # tilbud_id of the full §107 offer
    eksterne_107: tuple[str, ...]  # bevilling_ids of the planted external §107 grants
    ophold: tuple[Ophold, ...]
    trinskift_andel: float  # share of the ended stays followed by §85 within 3 months
    maalgrupper: tuple[str, str] = (TOMME_MAALGRUPPE, FULD_MAALGRUPPE)
    marginal_andel: tuple[float, float] = MARGINAL_ANDEL


def _months(first: pd.Timestamp, n) -> pd.Timestamp:
    return first + pd.DateOffset(months=int(n))


class _Rows:
    """The family's new citizens and grants, collected before ids are given."""

    def __init__(self):
        self.enheder = ref.paragraffer().set_index("paragraf")["enhed"].to_dict()
        self.citizens: list[dict] = []
        self.grants: list[dict] = []

    def citizen(self, maalgruppe: str, foedselsaar: int, koen: str) -> int:
        self.citizens.append({"maalgruppe": maalgruppe, "foedselsaar": int(foedselsaar),
                              "koen": koen})
        return len(self.citizens) - 1

    def grant(self, c: int, paragraf: str, prov: int, start, end=None, fslut=None,
              price2026: float | None = None, price: float | None = None, omfang: float = 7.0,
              tilbud_id: str | None = None, type_: str = "privat") -> int:
        """A grant of citizen `c`; its enhedspris is `price` (at the start year's prices) or
        `price2026` deflated to the start year by the index."""
        start = pd.Timestamp(start)
        if price is None:
            price = round(price2026 / (1 + PRISINDEKS) ** (REFERENCE_DATE.year - start.year), 2)
        self.grants.append({
            "cit_new": c, "paragraf": paragraf, "prov": prov, "startdato": start,
            "slutdato": pd.NaT if end is None else pd.Timestamp(end),
            "forventet_slutdato": pd.NaT if fslut is None else pd.Timestamp(fslut),
            "enhed": self.enheder[paragraf],
            "enhedspris": float(price), "omfang": float(omfang), "tillaeg": 0.0,
            "tilbud_id": tilbud_id, "type": type_})
        return len(self.grants) - 1


def kapacitet(w: World) -> None:
    """Plant the three capacity signals (module docstring) and record them."""
    rng = w.rng("kapacitet")
    g, prov = w.g, w.prov
    own = (prov["leverandoertype"] == "egen drift").to_numpy()
    group = w.cit["maalgruppe"].to_numpy()[g["cit"].to_numpy()]
    external = ~own[g["prov"].to_numpy()]
    active = derived.is_active(g, REFERENCE_DATE).to_numpy()
    already = g.index[(g["paragraf"] == "§108").to_numpy() & active & external
                      & (group == TOMME_MAALGRUPPE)]
    n_cand = len(KANDIDAT_PRISER) + len(already)

    # Two new own providers, each with one offer.
    n_prov, n_tilbud = len(prov), len(w.tilbud)
    new_prov = pd.DataFrame({
        "leverandoer_id": id_strings("L", np.arange(n_prov + 1, n_prov + 3), 3),
        "navn": ["Bofællesskabet Hybenhaven", "Botilbuddet Ankerhus"],
        "leverandoertype": "egen drift", "paragraffer": [("§108",), ("§107",)], "faktor": 1.0})
    p108, p107 = n_prov, n_prov + 1
    t108, t107 = id_strings("T", np.arange(n_tilbud + 1, n_tilbud + 3), 3)
    new_tilbud = pd.DataFrame({
        "prov": [p108, p107], "paragraf": ["§108", "§107"], "tilbud_id": [t108, t107],
        "navn": [offer_name(n, p) for n, p in zip(new_prov["navn"], ["§108", "§107"])],
        "leverandoer_id": new_prov["leverandoer_id"].to_numpy(),
        "pladser": [4 * n_cand, FULD_PLADSER],
        "maalgruppe": [TOMME_MAALGRUPPE, FULD_MAALGRUPPE], "takst": [TOMME_TAKST, FULD_TAKST]})
    ext = _external_providers(w)
    rows = _Rows()

    # 1. Empty places: residents from before the extract; the candidates from 2024.
    for _ in range(3 * n_cand):
        start = _months(pd.Timestamp("2015-01-01"), rng.integers(0, 81))
        c = rows.citizen(TOMME_MAALGRUPPE, rng.integers(1955, 1996), _sex(rng))
        rows.grant(c, "§108", p108, start, price2026=TOMME_TAKST, tilbud_id=t108,
                   type_="egen drift")
    kandidat_rows = []
    for price in KANDIDAT_PRISER:
        c = rows.citizen(TOMME_MAALGRUPPE, rng.integers(1960, 2000), _sex(rng))
        kandidat_rows.append(rows.grant(c, "§108", rng.choice(ext["§108"]), KANDIDAT_START,
                                        price=price))

    # 2. The full §107 offer: each place a chain of stays, the last one open.
    stays = []
    for place, k in enumerate((4, 4, 3, 3, 3, 3)):
        first = _months(pd.Timestamp("2021-11-01"), -rng.integers(1, 13))
        last = _months(pd.Timestamp("2025-03-01"), rng.integers(0, 15))
        span = (last.year - first.year) * 12 + last.month - first.month
        bounds = [_months(first, round(i * span / k)) for i in range(k + 1)]
        for i in range(k + 1):
            start = bounds[i]
            end = bounds[i + 1] - pd.Timedelta(days=1) if i < k else None
            c = rows.citizen(FULD_MAALGRUPPE, start.year - rng.integers(18, 31), _sex(rng))
            gi = rows.grant(c, "§107", p107, start, end,
                            start + pd.DateOffset(years=2) - pd.Timedelta(days=1),
                            price2026=FULD_TAKST, tilbud_id=t107, type_="egen drift")
            if end is not None:
                stays.append((end, place, c, gi))
    eksterne_rows = []
    for price in EKSTERN_107_PRISER:
        c = rows.citizen(FULD_MAALGRUPPE, rng.integers(1995, 2007), _sex(rng))
        eksterne_rows.append(rows.grant(c, "§107", rng.choice(ext["§107"]), EKSTERN_107_START,
                                        None, pd.Timestamp("2027-05-31"), price=price))

    # 3. What follows the ended stays (in order of their end).
    stays.sort()
    outcome = [UDFALD[i] for i in rng.permutation(len(UDFALD))]
    assert len(stays) == len(outcome)
    for (end, _, c, _), udfald in zip(stays, outcome):
        if udfald == "§85":
            rows.grant(c, "§85", rng.choice(ext["§85"]), end + pd.Timedelta(days=14),
                       price2026=round(rng.uniform(570, 630), 0),
                       omfang=float(rng.choice([3.0, 4.0, 5.0, 6.0])))
        elif udfald == "§108":
            rows.grant(c, "§108", rng.choice(ext["§108"]), end + pd.Timedelta(days=1),
                       price2026=round(rng.uniform(2600, 2900), 0))

    new_g, new_cit = _with_ids(w, rows, rng, new_prov, n_prov)
    _append(w, new_g, new_cit, new_prov, new_tilbud, rng)

    bid, cid = new_g["bevilling_id"].to_numpy(), new_g["borger_id"].to_numpy()
    own_year = TOMME_TAKST * derived.DAYS_PER_YEAR
    kandidater = []
    for i in kandidat_rows:
        r = new_g.iloc[i]
        yearly = float(r["enhedspris"] * r["omfang"] * derived.WEEKS_PER_YEAR
                       * (1 + PRISINDEKS) ** (REFERENCE_DATE.year - r["startdato"].year))
        kandidater.append(Kandidat(cid[i], bid[i], yearly,
                                   yearly - MARGINAL_ANDEL[1] * own_year,
                                   yearly - MARGINAL_ANDEL[0] * own_year))
    ophold = tuple(Ophold(cid[gi], new_g.at[gi, "startdato"], end, u)
                   for (end, _, _, gi), u in zip(stays, outcome))
    record = Kapacitet(
        tomme_tilbud=t108, tomme_pladser=4 * n_cand, tomme_beboere=3 * n_cand,
        kandidater=tuple(kandidater),
        oevrige_kandidater=tuple(sorted(g.loc[already, "bevilling_id"])),
        besparelse_lav=sum(k.besparelse_lav for k in kandidater),
        besparelse_hoej=sum(k.besparelse_hoej for k in kandidater),
        fuldt_tilbud=t107, eksterne_107=tuple(sorted(bid[eksterne_rows])), ophold=ophold,
        trinskift_andel=UDFALD.count("§85") / len(UDFALD))
    w.plant_family("kapacitet", record, notes={
        "kapacitet_tomme_pladser": (
            f"Eget §108-tilbud ({TOMME_MAALGRUPPE.lower()}) med 75 % belægning hele perioden, "
            f"mens {len(KANDIDAT_PRISER)} borgere i målgruppen har boet i eksterne §108-tilbud "
            "siden 1. januar 2024 (hjemtagningskandidater med kendt besparelse)."),
        "kapacitet_fuldt_tilbud": (
            f"Eget §107-tilbud ({FULD_MAALGRUPPE.lower()}) med {FULD_PLADSER} pladser, fuldt "
            "hver dag, mens 3 borgere i målgruppen er anbragt eksternt fra 1. juni 2025."),
        "kapacitet_trinskift": (
            "20 afsluttede ophold i det fulde §107-tilbud: 12 (60 %) fortsætter med §85 i "
            "eget hjem 14 dage efter, 6 får intet, 2 flytter i §108 dagen efter."),
    })


def _sex(rng) -> str:
    return str(rng.choice(["K", "M"]))


def _external_providers(w: World) -> dict[str, np.ndarray]:
    """Per paragraph the external providers offering it that carry no other planted signal."""
    prov = w.prov
    busy = np.concatenate([w.overpriced, w.price_rise, w.renegotiated, w.no_contract])
    out = {}
    for paragraf in ("§85", "§107", "§108"):
        ok = [i for i, (t, pars) in enumerate(zip(prov["leverandoertype"], prov["paragraffer"]))
              if t != "egen drift" and paragraf in pars and i not in busy]
        if not ok:  # a tiny municipality: any external provider of the paragraph
            ok = [i for i, (t, pars) in enumerate(zip(prov["leverandoertype"],
                                                      prov["paragraffer"]))
                  if t != "egen drift" and paragraf in pars]
        out[paragraf] = np.array(ok, dtype=np.int64)
    return out


def _with_ids(w: World, rows: _Rows, rng, new_prov: pd.DataFrame, n_prov: int
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The new grants and citizens as working frames with ids after the existing ones."""
    cit = pd.DataFrame(rows.citizens)
    taken = set(w.cit["borger_id"].str[1:].astype(np.int64).tolist())
    width = len(w.cit["borger_id"].iloc[0]) - 1
    numbers: list[int] = []
    while len(numbers) < len(cit):  # ids are sparse in their range: few draws are taken
        for x in rng.integers(10 ** (width - 1), 10 ** width, len(cit)).tolist():
            if x not in taken and len(numbers) < len(cit):
                taken.add(x)
                numbers.append(x)
    cit["borger_id"] = id_strings("B", np.sort(np.array(numbers, dtype=np.int64)), width)
    cit["cit"] = np.arange(len(w.cit), len(w.cit) + len(cit))
    g = pd.DataFrame(rows.grants)
    order = np.lexsort((rng.random(len(g)), g["startdato"].to_numpy()))
    first = int(w.g["bevilling_id"].str[2:].astype(np.int64).max()) + 1
    num = np.empty(len(g), np.int64)
    num[order] = np.arange(first, first + len(g))
    g["bevilling_id"] = id_strings("BV", num, 7)
    g["cit"] = cit["cit"].to_numpy()[g["cit_new"].to_numpy()]
    g["borger_id"] = cit["borger_id"].to_numpy()[g["cit_new"].to_numpy()]
    g["maalgruppe"] = cit["maalgruppe"].to_numpy()[g["cit_new"].to_numpy()]
    g["foedselsaar"] = cit["foedselsaar"].to_numpy()[g["cit_new"].to_numpy()]
    g["koen"] = cit["koen"].to_numpy()[g["cit_new"].to_numpy()]
    g["afdeling"] = g["maalgruppe"].map(AFDELINGER)
    ids = np.concatenate([w.prov["leverandoer_id"].to_numpy(),
                          new_prov["leverandoer_id"].to_numpy()])
    g["leverandoer_id"] = ids[g["prov"].to_numpy()]
    assert (g["prov"] >= 0).all() and len(ids) == n_prov + len(new_prov)
    return g.drop(columns="cit_new"), cit


def _append(w: World, g: pd.DataFrame, cit: pd.DataFrame, new_prov: pd.DataFrame,
            new_tilbud: pd.DataFrame, rng) -> None:
    """Add the rows to the working frames and the finished tables (sorted as theirs)."""
    w.g = pd.concat([w.g, g], ignore_index=True)
    w.cit = pd.concat([w.cit, cit.drop(columns="cit").assign(
        paragraf=g.groupby("cit")["paragraf"].first().to_numpy(), boern=False, mu=np.nan)],
        ignore_index=True)
    w.prov = pd.concat([w.prov, new_prov], ignore_index=True)
    w.tilbud = pd.concat([w.tilbud, new_tilbud.drop(columns=["maalgruppe", "takst"])],
                         ignore_index=True)
    t = w.tables

    def add(name: str, frame: pd.DataFrame, by: list[str]) -> None:
        both = pd.concat([t[name], frame[list(t[name].columns)]], ignore_index=True)
        t[name] = both.sort_values(by, kind="stable").reset_index(drop=True)

    add("borgere", cit, ["borger_id"])
    add("leverandoerer", new_prov.assign(standardkontrakt=False), ["leverandoer_id"])
    add("tilbud", new_tilbud, ["tilbud_id"])
    add("bevillinger", g, ["bevilling_id"])
    cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
    exp = derived.expected_payments(g[cols], FIRST_MONTH, LAST_MONTH, PRISINDEKS)
    row = pd.Index(g["bevilling_id"]).get_indexer(exp["bevilling_id"])
    funktion = ref.paragraffer().set_index("paragraf")["funktion"]
    add("betalinger", pd.DataFrame({
        "bevilling_id": exp["bevilling_id"].to_numpy(),
        "leverandoer_id": g["leverandoer_id"].to_numpy()[row],
        "periode": exp["periode"].to_numpy(),
        "beloeb": np.round(exp["forventet"].to_numpy(), 2),
        "funktion": funktion.reindex(g["paragraf"].to_numpy()[row]).to_numpy(),
    }), ["periode", "bevilling_id"])
    interval, start, stop = followups.timing(g)
    gi, dates, typ, res = followups.on_time(interval, start, stop, rng)
    ended = np.flatnonzero(g["slutdato"].notna().to_numpy())
    add("opfoelgninger", pd.DataFrame({
        "bevilling_id": g["bevilling_id"].to_numpy()[np.concatenate([gi, ended])],
        "dato": np.concatenate([dates, stop[ended]]).astype("datetime64[ns]"),
        "type": np.concatenate([typ, np.full(len(ended), "revisitation")]),
        "resultat": np.concatenate([res, np.full(len(ended), "ophørt")]),
    }), ["bevilling_id", "dato", "type"])
    plant_expensive(w)
