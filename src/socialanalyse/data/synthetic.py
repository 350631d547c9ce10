"""The synthetic municipality ("eksempelkommune") with planted signals.

`generate(kommune, indbyggere, seed)` builds the ten canonical tables of a municipality of the
given size, calibrated on public figures (see shared/reference/FACTS.md: citizens per
10,000 adults per paragraph, daily rates, §85 hourly prices, a third of spending at private
providers), and plants signals the analyses must find. `Planted` lists the ids of every planted
signal; the definitions are those fixed for the whole team (see `Planted`). Everything is
vectorised with numpy and depends on the seed only (same seed -> same tables and same files).

`write_sample` writes the tables as a municipality would deliver them: Danish headers,
semicolon CSV with decimal commas and thousand dots, dates as 31-12-2025 or 31.12.2025,
Windows-1252 or UTF-8 with BOM, codes that differ from the canonical ones and two Excel files.
`EXPORT` describes that format; parameters/kommuner/eksempelkommune.yaml maps it back.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from . import derived
from . import reference as ref
from .contract import TABLES, dtype

# ---------------------------------------------------------------------------------------------
# Interface (fixed: other modules and tests code against it)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intervention:
    """A planted intervention with a known average effect on VUM levels."""

    leverandoer_id: str
    tilbud_id: str | None
    paragraf: str
    start: pd.Timestamp
    tema: str  # the VUM theme the effect is on ("samlet" = mean over themes)
    effekt: float  # average change in VUM level caused by the intervention (negative = better)
    behandlede: tuple[str, ...]  # borger_ids in the intervention
    sammenligning: tuple[str, ...]  # borger_ids in the comparison group


@dataclass(frozen=True)
class Planted:
    """What the generator planted, with the ids concerned, so tests can check analyses find it."""

    overpriced_providers: tuple[str, ...]  # leverandoer_ids ≥25 % above peers (paragraf, niveau)
    overpriced_grants: tuple[str, ...]  # their bevilling_ids
    overdue_followups: tuple[str, ...]  # bevilling_ids with follow-up overdue
    improved_past_end: tuple[str, ...]  # §107 bevilling_ids past forventet_slutdato, improved
    progressing_citizens: tuple[str, ...]  # borger_ids whose VUM levels improved reliably
    payments_after_end: tuple[str, ...]  # bevilling_ids paid after slutdato
    payments_differ: tuple[str, ...]  # bevilling_ids whose payments differ from the grant
    overlapping: tuple[tuple[str, str, str], ...]  # (borger_id, bevilling_id, bevilling_id)
    price_rise_providers: tuple[str, ...]  # leverandoer_ids raising prices well above index
    price_rise_grants: tuple[str, ...]  # their bevilling_ids without a genforhandling
    expensive_grants: tuple[str, ...]  # bevilling_ids above 1 mio. kr a year
    no_standard_contract: tuple[str, ...]  # external leverandoer_ids without standardkontrakt
    intervention: Intervention
    budget_overrun_quantity: tuple[int, str]  # (aar, paragraf): overrun by more citizens
    budget_overrun_price: tuple[int, str]  # (aar, paragraf): overrun by higher prices
    notes: dict[str, str] = field(default_factory=dict)  # Danish description per signal
    # Added by the generator (not part of the original interface):
    renegotiated_providers: tuple[str, ...] = ()  # decoys: price rise WITH a genforhandling
    price_rise_year: int = 2026  # the year the planted price rise starts (vs the year before)


@dataclass(frozen=True)
class Sample:
    """Generated canonical tables and what was planted in them."""

    tables: dict[str, pd.DataFrame]
    planted: Planted


# ---------------------------------------------------------------------------------------------
# Calendar and constants
# ---------------------------------------------------------------------------------------------

REFERENCE_DATE = pd.Timestamp("2026-10-31")  # opgørelsesdato: last day of the last paid month
FIRST_MONTH = pd.Timestamp("2021-11-01")  # first payment month (five years of payments)
LAST_MONTH = pd.Timestamp("2026-10-01")  # last payment month
BUDGET_YEARS = tuple(range(2022, 2027))
POPULATION_YEARS = tuple(range(2021, 2027))
PRISINDEKS = 0.025  # as parameters/default.yaml
INTERVENTION_START = pd.Timestamp("2024-01-01")
INTERVENTION_EFFECT = -0.6
INTERVENTION_TEMA = "Egenomsorg"
INTERVENTION_SHARE = 0.13  # the intervention tilbud's share of the own-drift §85 grants
DAY_OFFER_SHARE = 0.35  # share of §108/§105+§85 residents who also have a §104/§103 day offer
STEP_DOWN_SHARE = 0.40  # share of ended §107 stays followed by §85 support in own home
FOLLOWUP_MONTHS = {"§107": 6}  # required follow-up interval; 12 months for all others
FOLLOWUPS_FROM = np.datetime64("2018-01-01", "D")  # the case system's history starts here

_REF = np.datetime64("2026-10-31", "D")
_W0 = np.datetime64("2021-11-01", "D")
_NAT = np.datetime64("NaT", "D")
_YEAR = 365.25

VUM_TEMAER = ("Relationer", "Kommunikation", "Mobilitet", "Egenomsorg", "Samfundsliv",
              "Praktiske opgaver")
ICS_TEMAER = ("Sundhed", "Uddannelse", "Identitet", "Familie- og sociale relationer", "Adfærd",
              "Selvstændighed")

AFDELINGER = {
    "Udviklingshæmning": "Voksenhandicap",
    "Autisme": "Voksenhandicap",
    "Fysisk funktionsnedsættelse": "Voksenhandicap",
    "Erhvervet hjerneskade": "Voksenhandicap",
    "Sindslidelse": "Socialpsykiatri",
    "Misbrug": "Udsatte voksne",
    "Hjemløshed": "Udsatte voksne",
    "Børn med handicap": "Børn og Familie",
    "Udsatte børn og unge": "Børn og Familie",
}

TYPES = ("egen drift", "privat", "anden kommune", "region", "selvejende")


@dataclass(frozen=True)
class _Spec:
    """How one paragraph is generated (rates are active grants at a point in time)."""

    paragraf: str
    rate: float  # per 10,000 adults (children: per 10,000 aged 0-17), besides linked grants
    boern: bool
    mean_years: float  # mean duration (for §107/§82b derived from the plan, see _durations)
    level: float  # mean latent VUM/ICS level of its citizens
    price: float  # 2026 price per unit at need level 2
    level_mult: tuple[float, float, float, float, float]  # price multiplier per need level 0-4
    omfang: tuple  # ("fixed", v) | ("days",) | ("hours", lo, hi, a, b, sd) | ("month",)
    types: tuple[float, float, float, float, float]  # shares by TYPES
    maalgrupper: tuple[tuple[str, float], ...]
    age: tuple[float, float]  # adults: (lowest age at start, gamma scale); children: (0, max)
    share_male: float = 0.55
    tail: float = 0.0  # share of grants with a large tillaeg (1:1 staffing): the >2 mio. tail


_BOTILBUD = (0.92, 0.95, 1.0, 1.2, 1.55)
_HOURS = (0.97, 0.98, 1.0, 1.03, 1.06)
_FLAT = (1.0, 1.0, 1.0, 1.05, 1.1)

SPECS: tuple[_Spec, ...] = (
    _Spec("§107", 18, False, 2.38, 2.5, 2500, _BOTILBUD, ("fixed", 7.0),
          (0.30, 0.45, 0.10, 0.08, 0.07),
          (("Sindslidelse", .45), ("Autisme", .2), ("Udviklingshæmning", .15), ("Misbrug", .1),
           ("Erhvervet hjerneskade", .1)), (18, 5), tail=0.05),
    _Spec("§108", 12, False, 8.0, 2.9, 2450, _BOTILBUD, ("fixed", 7.0),
          (0.38, 0.35, 0.14, 0.07, 0.06),
          (("Udviklingshæmning", .45), ("Sindslidelse", .2), ("Autisme", .15),
           ("Fysisk funktionsnedsættelse", .1), ("Erhvervet hjerneskade", .1)), (18, 12),
          tail=0.06),
    _Spec("§85", 90, False, 3.0, 1.9, 600, _HOURS, ("hours", 2, 15, 1.5, 3.2, 1.5),
          (0.80, 0.15, 0.03, 0.0, 0.02),
          (("Sindslidelse", .45), ("Autisme", .2), ("Udviklingshæmning", .15), ("Misbrug", .1),
           ("Fysisk funktionsnedsættelse", .05), ("Erhvervet hjerneskade", .05)), (18, 10)),
    _Spec("§105+§85", 31, False, 7.0, 2.4, 600, _HOURS, ("hours", 8, 30, 8, 4, 3),
          (0.80, 0.10, 0.10, 0.0, 0.0),
          (("Udviklingshæmning", .4), ("Sindslidelse", .3), ("Autisme", .2),
           ("Fysisk funktionsnedsættelse", .1)), (18, 12)),
    _Spec("§104", 10, False, 5.0, 2.5, 700, _FLAT, ("days",),
          (0.55, 0.20, 0.15, 0.0, 0.10),
          (("Udviklingshæmning", .5), ("Sindslidelse", .3), ("Autisme", .1),
           ("Erhvervet hjerneskade", .1)), (18, 12)),
    _Spec("§103", 4, False, 5.0, 2.1, 450, _FLAT, ("days",),
          (0.60, 0.10, 0.20, 0.0, 0.10),
          (("Udviklingshæmning", .6), ("Sindslidelse", .2), ("Autisme", .2)), (18, 10)),
    _Spec("§97", 12, False, 4.0, 2.4, 340, _FLAT, ("hours", 2, 6, 2, 0.8, 0.8),
          (0.60, 0.40, 0.0, 0.0, 0.0),
          (("Fysisk funktionsnedsættelse", .5), ("Udviklingshæmning", .3),
           ("Erhvervet hjerneskade", .2)), (18, 15)),
    _Spec("§110", 5, False, 0.4, 2.0, 1400, _FLAT, ("fixed", 7.0),
          (0.0, 0.20, 0.10, 0.0, 0.70),
          (("Hjemløshed", .7), ("Misbrug", .3)), (20, 12), share_male=0.8),
    _Spec("§82b", 10, False, 0.6, 1.3, 560, _FLAT, ("hours", 1, 3, 1, 0.5, 0.5),
          (1.0, 0.0, 0.0, 0.0, 0.0),
          (("Sindslidelse", .5), ("Misbrug", .3), ("Autisme", .2)), (18, 8)),
    _Spec("§96", 1.5, False, 8.0, 3.2, 120_000, (0.6, 0.7, 0.85, 1.1, 1.5), ("month",),
          (0.30, 0.70, 0.0, 0.0, 0.0),
          (("Fysisk funktionsnedsættelse", .7), ("Erhvervet hjerneskade", .3)), (18, 15)),
    _Spec("BL §46", 90, True, 4.0, 2.3, 2800, _BOTILBUD, ("fixed", 7.0),
          (0.28, 0.55, 0.05, 0.04, 0.08),
          (("Udsatte børn og unge", .85), ("Børn med handicap", .15)), (0, 17), tail=0.04),
    _Spec("BL §32", 180, True, 1.5, 1.7, 720, _FLAT, ("hours", 3, 10, 3, 1.5, 1.5),
          (0.75, 0.25, 0.0, 0.0, 0.0),
          (("Udsatte børn og unge", .7), ("Børn med handicap", .3)), (0, 17)),
    _Spec("BL §87", 30, True, 3.0, 2.8, 24_000, _FLAT, ("month",),
          (1.0, 0.0, 0.0, 0.0, 0.0), (("Børn med handicap", 1.0),), (0, 15)),
)
SPEC = {s.paragraf: s for s in SPECS}

AGE_SHARES = {  # share of inhabitants per age band, 2021 -> 2026 (a slowly ageing population)
    "0-17": (0.208, 0.203),
    "18-24": (0.086, 0.085),
    "25-64": (0.505, 0.500),
    "65+": (0.201, 0.212),
}

_OWN_TEMPLATES = (
    ("Bo- og Støttecenter Engen", ("§108", "§105+§85")),
    ("Botilbuddet Skovly", ("§107",)),
    ("Bostøtten Nord", ("§85",)),  # the intervention's provider (first copy)
    ("Bostøtten Syd", ("§85", "§82b")),
    ("Aktivitetshuset Værkstedet", ("§104", "§103")),
    ("Ledsage- og BPA-teamet", ("§97", "§96")),
    ("Familiehuset", ("BL §32",)),
    ("Familieplejen", ("BL §46",)),
    ("Familieydelser", ("BL §87",)),
)
INTERVENTION_PROVIDER = "Bostøtten Nord"

_PRIVATE_PROFILES = (
    ("§107", "§108"), ("BL §46",), ("§85", "§97", "§96"), ("§107", "§108", "§104"),
    ("BL §46", "BL §32"), ("§108", "§105+§85"), ("§107", "BL §46"),
)
_PRIVATE_PREFIX = ("Opholdsstedet", "Bostedet", "Botilbuddet", "Socialpædagogisk Center",
                   "Støttecentret", "Hjemmet", "Gården")
_PLACE_NAMES = ("Lærkegården", "Søbakken", "Møllehøj", "Ågården", "Egebjerg", "Fyrrely",
                "Kærhuset", "Birkely", "Strandlyst", "Højmarken", "Rønnebær", "Solsikken",
                "Æblehaven", "Østerbo", "Bøgely", "Kløverengen", "Skovbrynet", "Fjordglimt",
                "Engbo", "Lyngholm", "Kastanjegården", "Tjørnely", "Grønnegården", "Havblik",
                "Mosegården", "Nøddelunden", "Pilehuset", "Rosenly", "Stenhøj", "Vesterled")
_SUFFIX = (" ApS", " A/S", " I/S", " ApS", " ApS")
_DISTRICTS = ("Nord", "Syd", "Øst", "Vest", "Centrum", "Havnen", "Åparken", "Bakken", "Lunden",
              "Strandvejen", "Torvet", "Engen", "Skoven", "Marken", "Byen", "Dalen")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _streams(seed: int, n: int = 16) -> list[np.random.Generator]:
    # One independent stream per component, so refining one part leaves the others unchanged.
    return [np.random.default_rng(s) for s in np.random.SeedSequence([seed, 20261031]).spawn(n)]


def _ns(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[ns]")


def _months(d: np.ndarray) -> np.ndarray:
    """Month ordinal (months since 1970-01) of datetime64[D] values."""
    return d.astype("datetime64[M]").astype(np.int64)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers], dtype=object)


def _scaled(indbyggere: int, at_45000: float, minimum: int = 1) -> int:
    """A planted count proportional to the municipality's size (at_45000 at 45,000)."""
    return max(minimum, int(np.rint(at_45000 * indbyggere / 45_000)))


def _peer_ratio(provider: int, price: np.ndarray, prov: np.ndarray, cell: np.ndarray) -> float:
    """Median over a provider's grants of price / median price of other providers' grants in
    the same (paragraf, need level) cell, where there are at least 3 such grants."""
    ratios = []
    own = prov == provider
    for c in np.unique(cell[own]):
        peers = price[(cell == c) & ~own]
        if len(peers) >= 3:
            ratios.append(price[own & (cell == c)] / np.median(peers))
    return float(np.median(np.concatenate(ratios))) if ratios else float("nan")


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------


def generate(kommune: str = "eksempelkommune", indbyggere: int = 45_000, seed: int = 1) -> Sample:
    """Generate a municipality's canonical tables with planted signals (deterministic by seed).

    The tables pass `Data.from_tables`; `Sample.planted` lists the ids of every planted signal
    under the team's fixed definitions (see `Planted` and `planted.notes`).
    """
    if indbyggere < 2_000:
        raise ValueError("indbyggere skal være mindst 2.000")
    return _Generator(kommune, int(indbyggere), int(seed)).run()


class _Generator:
    """Builds the tables step by step; each step uses its own random stream."""

    def __init__(self, kommune: str, indbyggere: int, seed: int):
        self.kommune = kommune
        self.n = indbyggere
        self.rng = dict(zip(
            ("pop", "prov", "grants", "plant", "vum", "price", "fu", "pay", "maal", "budget",
             "ids", "extra"),
            _streams(seed),
        ))
        self.notes: dict[str, str] = {}

    # -- population ---------------------------------------------------------------------------
    def population(self) -> pd.DataFrame:
        rows = []
        years = POPULATION_YEARS
        for i, aar in enumerate(years):
            w = i / (len(years) - 1)
            shares = {k: a + (b - a) * w for k, (a, b) in AGE_SHARES.items()}
            total = sum(shares.values())
            counts = {k: int(np.rint(self.n * v / total)) for k, v in shares.items()}
            counts["25-64"] += self.n - sum(counts.values())  # sum exactly to indbyggere
            rows += [(aar, k, c) for k, c in counts.items()]
        pop = pd.DataFrame(rows, columns=["aar", "aldersgruppe", "antal"])
        cur = pop[pop["aar"] == 2026].set_index("aldersgruppe")["antal"]
        self.children = int(cur["0-17"])
        self.adults = int(self.n - self.children)
        return pop

    # -- providers ----------------------------------------------------------------------------
    def providers(self) -> None:
        rng = self.rng["prov"]
        scale = self.n / 45_000
        names, types, paragraphs, factors = [], [], [], []
        copies = max(1, int(np.rint(0.7 * scale)))
        for k in range(copies):
            for base, pars in _OWN_TEMPLATES:
                names.append(base if k == 0 else f"{base} – {_DISTRICTS[(k - 1) % 16]}"
                             + (f" {(k - 1) // 16 + 1}" if k > 16 else ""))
                types.append("egen drift")
                paragraphs.append(pars)
                factors.append(rng.uniform(0.95, 1.0))
        n_ext = {t: max(1, int(np.rint(b * scale ** 0.6)))
                 for t, b in (("privat", 13), ("anden kommune", 4), ("region", 2),
                              ("selvejende", 4))}
        combos = [f"{p} {n}" for p in _PRIVATE_PREFIX for n in _PLACE_NAMES]
        order = rng.permutation(len(combos))
        for i in range(n_ext["privat"]):
            names.append(combos[order[i % len(combos)]] + _SUFFIX[i % len(_SUFFIX)]
                         + ("" if i < len(combos) else f" {i // len(combos) + 1}"))
            types.append("privat")
            paragraphs.append(_PRIVATE_PROFILES[i % len(_PRIVATE_PROFILES)])
            factors.append(rng.uniform(0.94, 1.06))
        kommuner = ref.kommuner()["navn"].tolist()
        picked = rng.choice(len(kommuner), size=min(n_ext["anden kommune"], len(kommuner)),
                            replace=False)
        for j, i in enumerate(picked):
            names.append(f"{kommuner[i]} Kommune, Bo og Aktivitet")
            types.append("anden kommune")
            paragraphs.append(("§108", "§107", "§104", "§103", "§105+§85", "§85")
                              if j % 2 == 0 else ("§108", "§104", "§103", "§110"))
            factors.append(rng.uniform(0.94, 1.06))
        regions = ("Region Hovedstaden", "Region Sjælland", "Region Syddanmark",
                   "Region Midtjylland", "Region Nordjylland")
        for i in range(n_ext["region"]):
            names.append(f"{regions[i % 5]}, Specialområde {('Socialpsykiatri', 'Handicap')[i % 2]}"
                         + ("" if i < 10 else f" {i // 10 + 1}"))
            types.append("region")
            paragraphs.append(("§107", "§108", "BL §46"))
            factors.append(rng.uniform(0.94, 1.06))
        places = rng.permutation(len(_PLACE_NAMES))
        for i in range(n_ext["selvejende"]):
            names.append(f"Den selvejende institution {_PLACE_NAMES[places[i % 30]]}"
                         + ("" if i < 30 else f" {i // 30 + 1}"))
            types.append("selvejende")
            paragraphs.append(("§110", "§107", "§104") if i % 2 == 0
                              else ("§110", "§108", "BL §46", "§85"))
            factors.append(rng.uniform(0.94, 1.06))
        n = len(names)
        self.prov = pd.DataFrame({
            "leverandoer_id": _ids("L", np.arange(1, n + 1), 3),
            "navn": names,
            "leverandoertype": types,
            "paragraffer": paragraphs,
            "faktor": factors,
        })

    # -- grants -------------------------------------------------------------------------------
    def _durations(self, spec: _Spec, rng, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Duration in days and planned (forventet) duration in days (NaN if not time-limited)."""
        if spec.paragraf in ("§107", "§82b"):
            lo, hi = (1.0, 3.0) if spec.paragraf == "§107" else (0.5, 1.0)
            plan = rng.uniform(lo, hi, n) * _YEAR
            early = rng.random(n) < 0.45
            dur = plan * np.where(early, rng.uniform(0.4, 0.95, n), rng.uniform(1.02, 2.2, n))
            return np.maximum(dur, 14), plan
        shape = 1.5
        dur = rng.gamma(shape, spec.mean_years / shape, n) * _YEAR
        return np.maximum(dur, 14), np.full(n, np.nan)

    def grants(self) -> None:
        rng = self.rng["grants"]
        parts = []
        for spec in SPECS:
            pool = self.children if spec.boern else self.adults
            stock = spec.rate * pool / 10_000
            if spec.paragraf in ("§107", "§82b"):
                lo, hi = (1.0, 3.0) if spec.paragraf == "§107" else (0.5, 1.0)
                mean_years = (lo + hi) / 2 * (0.45 * 0.675 + 0.55 * 1.61)
            else:
                mean_years = spec.mean_years
            lookback = min(max(3 * mean_years, 4.0), 22.0)
            n = rng.poisson(stock / mean_years * lookback)
            t0 = _REF - int(lookback * _YEAR)
            start = t0 + rng.integers(0, int(lookback * _YEAR), n).astype("timedelta64[D]")
            dur, plan = self._durations(spec, rng, n)
            end = start + dur.astype(np.int64).astype("timedelta64[D]")
            keep = end >= _W0
            start, end, plan = start[keep], end[keep], plan[keep]
            n = len(start)
            end = np.where(end > _REF, _NAT, end)
            fslut = np.where(np.isnan(plan), _NAT,
                             start + np.nan_to_num(plan).astype(np.int64).astype("timedelta64[D]"))
            mg_names = [m for m, _ in spec.maalgrupper]
            mg_p = np.array([p for _, p in spec.maalgrupper])
            mg = np.array(mg_names, dtype=object)[rng.choice(len(mg_names), n, p=mg_p / mg_p.sum())]
            if spec.boern:
                age = rng.uniform(spec.age[0], spec.age[1], n)
            else:
                age = np.minimum(spec.age[0] + rng.gamma(2.0, spec.age[1], n), 90)
            start_year = start.astype("datetime64[Y]").astype(np.int64) + 1970
            parts.append(pd.DataFrame({
                "paragraf": spec.paragraf,
                "startdato": start,
                "slutdato": end,
                "forventet_slutdato": fslut,
                "maalgruppe": mg,
                "foedselsaar": (start_year - np.floor(age)).astype(np.int64),
                "koen": np.where(rng.random(n) < spec.share_male, "M", "K"),
                "type": np.array(TYPES, dtype=object)[
                    rng.choice(5, n, p=np.array(spec.types) / sum(spec.types))],
            }))
        g = pd.concat(parts, ignore_index=True)
        for col in ("startdato", "slutdato", "forventet_slutdato"):
            g[col] = g[col].astype("datetime64[ns]")
        g["afdeling"] = g["maalgruppe"].map(AFDELINGER)
        g["cit"] = np.arange(len(g))  # a citizen per grant, plus the linked grants below
        g = pd.concat([g, self._linked_grants(g, rng)], ignore_index=True)
        g["prov"] = self._assign_providers(g, rng)
        self.g = g

    def _linked_grants(self, g: pd.DataFrame, rng) -> pd.DataFrame:
        """Second grants of the same citizen: a day offer (§104/§103) for some botilbud
        residents, and support in own home (§85) after some stays in a temporary botilbud."""
        parts = []
        # Day offers: ~35 % of §108 and §105+§85 residents, from within a year of moving in.
        host = g[g["paragraf"].isin(["§108", "§105+§85"]).to_numpy()
                 & (rng.random(len(g)) < DAY_OFFER_SHARE)]
        start = host["startdato"] + pd.to_timedelta(rng.integers(0, 366, len(host)), "D")
        dur = pd.to_timedelta((rng.gamma(1.5, 5.0 / 1.5, len(host)) * _YEAR).astype(np.int64),
                              "D")
        end = (start + dur).where(host["slutdato"].isna() | (start + dur < host["slutdato"]),
                                  host["slutdato"])
        par = np.where(rng.random(len(host)) < 0.7, "§104", "§103")
        parts.append(host.assign(paragraf=par, startdato=start, slutdato=end))
        # Step down the indsatstrappe: ~40 % of ended §107 stays continue with §85 at home.
        ended = g[(g["paragraf"] == "§107").to_numpy() & g["slutdato"].notna().to_numpy()
                  & (rng.random(len(g)) < STEP_DOWN_SHARE)]
        ended = ended[ended["slutdato"] < REFERENCE_DATE - pd.Timedelta(days=14)]
        start = ended["slutdato"] + pd.Timedelta(days=1)
        dur = pd.to_timedelta((rng.gamma(1.5, 2.5 / 1.5, len(ended)) * _YEAR).astype(np.int64)
                              + 30, "D")
        parts.append(ended.assign(paragraf="§85", startdato=start, slutdato=start + dur))
        linked = pd.concat(parts, ignore_index=True)
        linked = linked[(linked["startdato"] < REFERENCE_DATE)
                        & (linked["slutdato"].isna() | ((linked["slutdato"] >= FIRST_MONTH)
                                                        & (linked["slutdato"] > linked["startdato"])))]
        linked = linked.assign(
            slutdato=linked["slutdato"].where(linked["slutdato"] <= REFERENCE_DATE),
            forventet_slutdato=pd.NaT,
        )
        linked["type"] = [TYPES[rng.choice(5, p=np.array(SPEC[p].types) / sum(SPEC[p].types))]
                          for p in linked["paragraf"]]
        for col in ("startdato", "slutdato", "forventet_slutdato"):
            linked[col] = linked[col].astype("datetime64[ns]")
        return linked

    def _assign_providers(self, g: pd.DataFrame, rng) -> np.ndarray:
        """A provider per grant: the drawn type if some provider of it offers the paragraph."""
        prov = self.prov
        out = np.full(len(g), -1, dtype=np.int64)
        weights = 1.0 / (1 + rng.permutation(len(prov))) ** 0.7  # some providers are big
        for (par, typ), idx in g.groupby(["paragraf", "type"], sort=True).indices.items():
            ok = np.array([(par in p) and (t == typ) for p, t in
                           zip(prov["paragraffer"], prov["leverandoertype"])])
            if not ok.any():  # no provider of the drawn type offers it: anyone who does
                ok = np.array([par in p for p in prov["paragraffer"]])
            cand = np.flatnonzero(ok)
            w = weights[cand].copy()
            iv = prov["navn"].to_numpy()[cand] == INTERVENTION_PROVIDER
            if iv.any() and len(cand) > 1:
                # The intervention's tilbud gets a fixed share of the own §85 grants, so the
                # number of treated citizens is ~40-80 at 45,000 inhabitants.
                w = np.where(iv, 0.0, w / w[~iv].sum() * (1 - INTERVENTION_SHARE))
                w[iv] = INTERVENTION_SHARE
            out[idx] = cand[rng.choice(len(cand), len(idx), p=w / w.sum())]
        return out

    def add_overlaps(self) -> None:
        """Planted: citizens with two active grants of one kategori from two afdelinger."""
        rng = self.rng["plant"]
        g = self.g
        k = _scaled(self.n, 4, minimum=3)
        cand = g.index[(g["paragraf"] == "§85") & g["slutdato"].isna()
                       & (g["startdato"] <= _REF - 365) & (g["afdeling"] != "Voksenhandicap")]
        chosen = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        new = g.loc[chosen].copy()
        lo = np.maximum(new["startdato"].to_numpy().astype("datetime64[D]"),
                        np.datetime64("2024-01-01", "D"))
        span = (_REF - 60 - lo).astype(np.int64)
        new["startdato"] = _ns(lo + (rng.random(len(new)) * span).astype(np.int64).astype(
            "timedelta64[D]"))
        new["afdeling"] = "Voksenhandicap"  # the other afdeling also granted §85 support
        prov = self.prov
        own85 = np.flatnonzero([("§85" in p) and t == "egen drift"
                                for p, t in zip(prov["paragraffer"], prov["leverandoertype"])])
        new["prov"] = [own85[(np.searchsorted(own85, p) + 1) % len(own85)] if p in own85
                       else own85[0] for p in new["prov"]]
        new["type"] = "egen drift"
        self.overlap_orig = chosen
        self.overlap_new = np.arange(len(g), len(g) + len(new))
        self.g = pd.concat([g, new], ignore_index=True)

    # -- citizens and their assessments ---------------------------------------------------------
    def citizens(self) -> None:
        g = self.g
        first = g.groupby("cit")["startdato"].min()
        c = g.drop_duplicates("cit").set_index("cit").sort_index()
        spec_level = c["paragraf"].map({s.paragraf: s.level for s in SPECS}).to_numpy()
        rng = self.rng["vum"]
        n = len(c)
        self.cit = pd.DataFrame({
            "paragraf": c["paragraf"].to_numpy(),
            "boern": c["paragraf"].str.startswith("BL").to_numpy(),
            "maalgruppe": c["maalgruppe"].to_numpy(),
            "foedselsaar": c["foedselsaar"].to_numpy(),
            "koen": c["koen"].to_numpy(),
            "mu": spec_level + rng.normal(0, 0.45, n),
        })
        self.first_grant = first.to_numpy().astype("datetime64[D]")
        last = g.assign(e=g["slutdato"].fillna(REFERENCE_DATE)).groupby("cit")["e"].max()
        self.last_day = np.minimum(last.to_numpy().astype("datetime64[D]"), _REF)

    def _assessment_dates(self) -> tuple[np.ndarray, np.ndarray]:
        """(citizen index, date) of every assessment: from just before the first grant, then
        every 6-18 months while the citizen has support."""
        rng = self.rng["vum"]
        c = self.cit
        first = self.first_grant - rng.integers(0, 46, len(c)).astype("timedelta64[D]")
        span = (self.last_day - first).astype(np.int64)
        k = int(span.max() // 183) + 2
        gaps = rng.uniform(183, 548, (len(c), k - 1)).astype(np.int64)
        offsets = np.concatenate([np.zeros((len(c), 1), np.int64), np.cumsum(gaps, 1)], 1)
        valid = offsets <= span[:, None]
        ci, col = np.nonzero(valid)
        dates = first[ci] + offsets[ci, col].astype("timedelta64[D]")
        return ci, dates

    def choose_trajectories(self, ci: np.ndarray, dates: np.ndarray) -> None:
        """Pick intervention groups, §107 citizens improved past end, and progressing citizens."""
        rng = self.rng["plant"]
        g, c = self.g, self.cit
        n_ass = np.bincount(ci, minlength=len(c))
        first_d = np.full(len(c), _REF)
        np.minimum.at(first_d, ci, dates)
        last_d = np.full(len(c), np.datetime64("1900-01-01", "D"))
        np.maximum.at(last_d, ci, dates)
        span = (last_d - first_d).astype(np.int64)
        self.first_ass, self.last_ass = first_d, last_d

        # Intervention groups, by the rule socialanalyse.progression uses: treated = citizens
        # with a §85 grant at the tilbud active on or after the start; comparison = citizens
        # with §85 elsewhere active on or after it. Anchor = later of start and grant start.
        prov_name = self.prov["navn"].to_numpy()[g["prov"].to_numpy()]
        iv_start = INTERVENTION_START
        on = (g["paragraf"] == "§85") & (g["slutdato"].isna() | (g["slutdato"] >= iv_start))
        at = on & (prov_name == INTERVENTION_PROVIDER)
        anchor = np.full(len(c), _NAT)
        t_first = g[at].groupby("cit")["startdato"].min().clip(lower=iv_start)
        rest = g[on & ~at & ~g["cit"].isin(t_first.index)]
        c_first = rest.groupby("cit")["startdato"].min().clip(lower=iv_start)
        for first in (t_first, c_first):
            anchor[first.index.to_numpy()] = first.to_numpy().astype("datetime64[D]")
        self.anchor = anchor
        self.treated_all = t_first.index.to_numpy()
        has_before = np.zeros(len(c), bool)
        has_after = np.zeros(len(c), bool)
        grouped = ~np.isnat(anchor[ci])
        has_before[ci[grouped & (dates <= anchor[ci])]] = True
        has_after[ci[grouped & (dates > anchor[ci])]] = True
        both = has_before & has_after
        self.treated = np.sort(t_first.index.to_numpy()[both[t_first.index.to_numpy()]])
        self.comparison = np.sort(c_first.index.to_numpy()[both[c_first.index.to_numpy()]])

        # §107 citizens active past forventet_slutdato: about a third improved (Helsingør).
        past = ((g["paragraf"] == "§107") & g["slutdato"].isna()
                & (g["forventet_slutdato"] < REFERENCE_DATE))
        past_cit = g.loc[past, "cit"].to_numpy()
        ok = past_cit[(c["mu"].to_numpy()[past_cit] >= 2.0) & (n_ass[past_cit] >= 2)]
        k = max(1, int(np.rint(len(past_cit) / 3)))
        self.improved_cit = np.sort(rng.choice(ok, size=min(k, len(ok)), replace=False))
        self.past107_cit = np.sort(past_cit)

        # Other progressing citizens: ~6 % of those with ≥3 assessments over ≥1.5 years.
        blocked = np.zeros(len(c), bool)
        blocked[~np.isnat(anchor)] = True  # keep the intervention's groups clean
        blocked[past_cit] = True
        cand = np.flatnonzero(~blocked & (n_ass >= 3) & (span >= 548) & (c["mu"] >= 2.0))
        k = max(5, int(np.rint(0.06 * len(c))))
        self.progress_cit = np.sort(np.concatenate([
            rng.choice(cand, size=min(k, len(cand)), replace=False), self.improved_cit]))

    def assessments(self) -> pd.DataFrame:
        ci, dates = self._assessment_dates()
        self.choose_trajectories(ci, dates)
        rng = self.rng["vum"]
        c = self.cit
        n_c, n_t = len(c), 6
        theme_off = rng.normal(0, 0.4, (n_c, n_t))
        # Slow decline for some citizens (regression), never an improvement by chance.
        worse = np.where(rng.random(n_c) < 0.15, rng.uniform(0.05, 0.15, n_c), 0.0)
        rows = len(ci)
        years = (dates - self.first_ass[ci]).astype(np.int64) / _YEAR
        trend = np.minimum(worse[ci] * years, 0.8)
        prog = np.zeros(n_c, bool)
        prog[self.progress_cit] = True
        frac = np.clip((dates - self.first_ass[ci]).astype(np.int64)
                       / np.maximum((self.last_ass[ci] - self.first_ass[ci]).astype(np.int64), 1),
                       0, 1)
        trend = np.where(prog[ci], -1.6 * frac, trend)
        latent = (c["mu"].to_numpy()[ci, None] + theme_off[ci] + trend[:, None]
                  + rng.normal(0, 0.3, (rows, n_t)))
        treated = np.zeros(n_c, bool)
        treated[self.treated_all] = True
        after = dates > self.anchor[ci]  # NaT anchors compare False
        eg = VUM_TEMAER.index(INTERVENTION_TEMA)
        latent[:, eg] += np.where(treated[ci] & after, INTERVENTION_EFFECT, 0.0)
        level = np.clip(np.rint(latent), 0, 4).astype(np.int64)
        boern = c["boern"].to_numpy()[ci]
        temaer = np.where(boern[:, None], np.array(ICS_TEMAER, dtype=object)[None, :],
                          np.array(VUM_TEMAER, dtype=object)[None, :])
        v = pd.DataFrame({
            "cit": np.repeat(ci, n_t),
            "dato": np.repeat(dates, n_t),
            "metode": np.repeat(np.where(boern, "ICS", "VUM2"), n_t),
            "tema": temaer.ravel(),
            "niveau": level.ravel(),
        })
        return v

    # -- ids ---------------------------------------------------------------------------------
    def assign_ids(self) -> None:
        rng = self.rng["ids"]
        n_c = len(self.cit)
        numbers = rng.choice(900_000 if n_c < 300_000 else 9_000_000, n_c, replace=False)
        self.cit["borger_id"] = _ids("B", numbers + (100_000 if n_c < 300_000 else 1_000_000),
                                     6 if n_c < 300_000 else 7)
        g = self.g
        order = np.lexsort((rng.random(len(g)), g["startdato"].to_numpy()))
        num = np.empty(len(g), np.int64)
        num[order] = np.arange(len(g)) + 100_001
        g["bevilling_id"] = _ids("BV", num, 7)
        g["borger_id"] = self.cit["borger_id"].to_numpy()[g["cit"].to_numpy()]
        g["leverandoer_id"] = self.prov["leverandoer_id"].to_numpy()[g["prov"].to_numpy()]

    # -- prices ------------------------------------------------------------------------------
    def prices(self, v: pd.DataFrame) -> None:
        """Need level at start (derived.level_at) sets price and volume; planted overpricing."""
        rng = self.rng["price"]
        g = self.g
        vv = v.assign(borger_id=self.cit["borger_id"].to_numpy()[v["cit"].to_numpy()])
        level = derived.level_at(vv[["borger_id", "dato", "niveau", "tema"]].assign(
            dato=_ns(vv["dato"].to_numpy())), g["borger_id"], g["startdato"])
        band = np.clip(np.rint(level.to_numpy()), 0, 4).astype(np.int64)
        g["niveau"] = band
        n = len(g)
        par = g["paragraf"].to_numpy()
        base = np.array([SPEC[p].price for p in par])
        mult = np.array([SPEC[p].level_mult for p in par])[np.arange(n), band]
        factor = self.prov["faktor"].to_numpy()[g["prov"].to_numpy()]

        price2026 = base * mult * factor * np.exp(rng.normal(0, 0.05, n))

        # Planted: 2-3 private providers ≥25 % above their peers (a factor of 1.45-1.6). Each
        # candidate is kept only if the definition then finds it without hiding one already
        # chosen (in a small municipality one provider can dominate the peers of another).
        prov = self.prov
        pv = g["prov"].to_numpy()
        counts = np.bincount(pv, minlength=len(prov))
        big = np.array([t == "privat" and any(p in ("§107", "§108", "BL §46") for p in pars)
                        for t, pars in zip(prov["leverandoertype"], prov["paragraffer"])])
        cand = rng.permutation(np.flatnonzero(big & (counts >= 4)))
        k = _scaled(self.n, 2.5, minimum=2)
        cell = pd.factorize(pd.Series(par) + "|" + pd.Series(band).astype(str))[0]
        over: list[int] = []
        for c in cand:
            trial = price2026 * np.where(pv == c, rng.uniform(1.45, 1.6, n), 1.0)
            if all(_peer_ratio(q, trial, pv, cell) >= 1.25 for q in (*over, c)):
                over.append(int(c))
                price2026 = trial
            if len(over) == k:
                break
        self.overpriced = np.sort(np.array(over, dtype=np.int64))

        start_year = g["startdato"].dt.year.to_numpy()
        g["enhedspris"] = np.round(price2026 / (1 + PRISINDEKS) ** (2026 - start_year), 2)
        g["enhed"] = [ref_enhed for ref_enhed in self._enheder(par)]
        omfang = np.zeros(n)
        for p in np.unique(par):
            idx = np.flatnonzero(par == p)
            o = SPEC[p].omfang
            if o[0] == "fixed":
                omfang[idx] = o[1]
            elif o[0] == "days":
                omfang[idx] = rng.choice([3.0, 4.0, 5.0], len(idx), p=[0.2, 0.3, 0.5])
            elif o[0] == "month":
                omfang[idx] = 1.0
            else:
                _, lo, hi, a, b, sd = o
                h = a + b * band[idx] + rng.normal(0, sd, len(idx))
                omfang[idx] = np.clip(np.round(h * 2) / 2, lo, hi)
        # Overlap grants are a few extra hours from another afdeling.
        omfang[self.overlap_new] = rng.choice([2.0, 3.0, 4.0], len(self.overlap_new))
        g["omfang"] = omfang
        tail_p = np.array([SPEC[p].tail for p in par])
        tail = rng.random(n) < tail_p
        small = (rng.random(n) < 2 * tail_p) & ~tail
        g["tillaeg"] = np.round(np.where(tail, rng.uniform(60_000, 150_000, n),
                                         np.where(small, rng.uniform(2_000, 9_000, n), 0.0)), 0)

    @staticmethod
    def _enheder(par: np.ndarray) -> list[str]:
        cat = ref.paragraffer().set_index("paragraf")["enhed"]
        return cat.reindex(par).tolist()

    # -- tilbud ------------------------------------------------------------------------------
    def offers(self) -> pd.DataFrame:
        rng = self.rng["extra"]
        g, prov = self.g, self.prov
        rows = []
        own = prov.index[prov["leverandoertype"] == "egen drift"]
        for i in own:
            for p in prov.at[i, "paragraffer"]:
                rows.append((i, p))
        t = pd.DataFrame(rows, columns=["prov", "paragraf"])
        t["tilbud_id"] = _ids("T", np.arange(1, len(t) + 1), 3)
        labels = ref.paragraffer().set_index("paragraf")["navn"]
        t["navn"] = [f"{prov.at[i, 'navn']}, {labels[p].split(' (')[0].lower()}"
                     for i, p in zip(t["prov"], t["paragraf"])]
        t["leverandoer_id"] = prov["leverandoer_id"].to_numpy()[t["prov"].to_numpy()]
        key = pd.MultiIndex.from_frame(g[["prov", "paragraf"]])
        lookup = pd.Series(t["tilbud_id"].to_numpy(), index=pd.MultiIndex.from_frame(
            t[["prov", "paragraf"]]))
        g["tilbud_id"] = lookup.reindex(key).to_numpy()
        active = g[derived.is_active(g, REFERENCE_DATE)].groupby("tilbud_id").size()
        occupied = active.reindex(t["tilbud_id"]).fillna(0).to_numpy()
        t["pladser"] = np.maximum(1, np.ceil(occupied * rng.uniform(1.0, 1.15, len(t)))).astype(
            np.int64)
        self.tilbud = t
        # The optional maalgruppe and takst are left empty: the analyses take the target group
        # from the residents and the unit cost from the grants.
        return t[["tilbud_id", "leverandoer_id", "navn", "paragraf", "pladser"]].assign(
            maalgruppe=None, takst=np.nan)

    # -- follow-ups --------------------------------------------------------------------------
    def followups(self) -> pd.DataFrame:
        rng = self.rng["fu"]
        g = self.g
        n = len(g)
        months = np.where(g["paragraf"].eq("§107"), 6, 12)
        interval = months * _YEAR / 12
        start = g["startdato"].to_numpy().astype("datetime64[D]")
        stop = np.minimum(g["slutdato"].fillna(REFERENCE_DATE).to_numpy().astype("datetime64[D]"),
                          _REF)
        span = (stop - start).astype(np.int64)
        k = int((span / (0.55 * interval)).max()) + 1
        gaps = rng.uniform(0.55, 0.9, (n, k)) * interval[:, None]
        offsets = np.cumsum(gaps, 1).astype(np.int64)
        gi, col = np.nonzero(offsets <= span[:, None])
        dates = start[gi] + offsets[gi, col].astype("timedelta64[D]")
        keep = dates >= FOLLOWUPS_FROM
        gi, dates = gi[keep], dates[keep]
        m = len(gi)
        typ = np.where(rng.random(m) < 0.12, "revisitation", "opfølgning")
        res = np.where(rng.random(m) < 0.22, "justeret", "uændret")

        # Planted overdue: ~3 % of active grants have had no follow-up for too long.
        active = g["slutdato"].isna().to_numpy()
        due_ok = start <= _REF - (interval + 60).astype(np.int64).astype("timedelta64[D]")
        cand = np.flatnonzero(active & due_ok & ~np.isin(np.arange(n), self.protected))
        k = max(3, int(np.rint(0.03 * active.sum())))
        overdue = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        cut = np.full(n, np.datetime64("2100-01-01", "D"))
        cut[overdue] = _REF - (interval[overdue] + rng.uniform(30, 240, len(overdue))).astype(
            np.int64).astype("timedelta64[D]")
        keep = dates <= cut[gi]
        gi, dates, typ, res = gi[keep], dates[keep], typ[keep], res[keep]
        self.overdue = overdue

        # Ended grants: a closing revisitation on the last day for most of them.
        ended = np.flatnonzero(~active & (rng.random(n) < 0.6))
        # Decoy: a provider raised its price after a genforhandling (not a signal).
        dec = np.flatnonzero(np.isin(g["prov"], self.renegotiated)
                             & derived.is_active(g, "2024-12-20").to_numpy())
        dec_dates = (np.datetime64("2024-12-01", "D")
                     + rng.integers(0, 20, len(dec)).astype("timedelta64[D]"))
        # Ordinary renegotiations with external providers (~3 % of their grants, price kept).
        external = (self.prov["leverandoertype"] != "egen drift").to_numpy()[g["prov"].to_numpy()]
        ren = np.flatnonzero(external & (rng.random(n) < 0.03)
                             & ~np.isin(g["prov"], np.concatenate([self.price_rise,
                                                                   self.renegotiated])))
        lo = np.maximum(start[ren], FOLLOWUPS_FROM)
        span_ren = (stop[ren] - lo).astype(np.int64)
        ren, lo, span_ren = ren[span_ren > 0], lo[span_ren > 0], span_ren[span_ren > 0]
        ren_dates = lo + (rng.random(len(ren)) * span_ren).astype(np.int64).astype(
            "timedelta64[D]")
        f = pd.DataFrame({
            "gi": np.concatenate([gi, ended, dec, ren]),
            "dato": np.concatenate([dates, stop[ended], dec_dates, ren_dates]),
            "type": np.concatenate([typ, np.full(len(ended), "revisitation"),
                                    np.full(len(dec) + len(ren), "genforhandling")]),
            "resultat": np.concatenate([res, np.full(len(ended), "ophørt"),
                                        np.full(len(dec), "justeret"),
                                        np.full(len(ren), "uændret")]),
        })
        f = f[f["dato"].to_numpy() >= FOLLOWUPS_FROM]
        f["bevilling_id"] = g["bevilling_id"].to_numpy()[f["gi"].to_numpy()]
        f["dato"] = _ns(f["dato"].to_numpy())
        f = f.sort_values(["bevilling_id", "dato", "type"], kind="stable")
        return f[["bevilling_id", "dato", "type", "resultat"]].reset_index(drop=True)

    # -- payments ----------------------------------------------------------------------------
    def choose_payment_signals(self) -> None:
        rng = self.rng["plant"]
        g, prov = self.g, self.prov
        ext = np.flatnonzero((prov["leverandoertype"] != "egen drift").to_numpy())
        # Price rise 2025 -> 2026 (and a decoy with a genforhandling from 2025).
        in25 = derived.is_active(g, "2025-01-01") & derived.is_active(g, "2026-10-31")
        per_prov = np.bincount(g.loc[in25, "prov"], minlength=len(prov))
        cand = np.setdiff1d(ext[per_prov[ext] >= 3], self.overpriced)
        k = _scaled(self.n, 1.2, minimum=1)
        pick = rng.choice(cand, size=min(k + 1, len(cand)), replace=False)
        self.price_rise = np.sort(pick[:k])
        self.renegotiated = np.sort(pick[k:])
        # No standard contract: 2-4 other external providers.
        rest = np.setdiff1d(ext, np.concatenate([self.overpriced, pick]))
        k = _scaled(self.n, 3, minimum=2)
        self.no_contract = np.sort(rng.choice(rest, size=min(k, len(rest)), replace=False))

        free = ~np.isin(g["prov"], pick)
        free[self.overlap_new] = False
        free[self.overlap_orig] = False
        months_active = (np.minimum(_months(g["slutdato"].fillna(REFERENCE_DATE).to_numpy()
                                            .astype("datetime64[D]")), _months(np.array([_REF])))
                         - np.maximum(_months(g["startdato"].to_numpy().astype("datetime64[D]")),
                                      _months(np.array([_W0]))))
        k = _scaled(self.n, 5, minimum=3)
        cand = np.flatnonzero(free & (months_active >= 12))
        self.differ = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        free[self.differ] = False
        end = g["slutdato"].to_numpy().astype("datetime64[D]")
        ended_ok = (~np.isnat(end)) & (end >= np.datetime64("2022-03-01", "D")) & (
            end <= np.datetime64("2026-06-30", "D"))
        cand = np.flatnonzero(free & ended_ok)
        self.after_end = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        self.protected = np.unique(np.concatenate([
            np.flatnonzero(~free), self.differ, self.after_end]))

    def payments(self) -> pd.DataFrame:
        rng = self.rng["pay"]
        g = self.g
        cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
        exp = derived.expected_payments(g[cols], FIRST_MONTH, LAST_MONTH, PRISINDEKS)
        gi = pd.Index(g["bevilling_id"]).get_indexer(exp["bevilling_id"])
        per = exp["periode"].to_numpy()
        amount = exp["forventet"].to_numpy().copy()
        m = len(amount)
        factor = np.ones(m)
        protected = np.isin(gi, self.protected)
        # Noise: small deviations (2-6 %) on ~3 % of lines, and a one- or two-month
        # efterregulering (×0.6-1.5) on ~3 % of grants -- never the ≥3 months of the definition,
        # and only in years where the grant is paid ≥10 months, so a yearly mean moves <5 % and
        # noise never looks like a price rise above the index.
        year = per.astype("datetime64[Y]").astype(np.int64) + 1970
        _, inv, cnt = np.unique(gi * 64 + (year - 2000), return_inverse=True, return_counts=True)
        long_year = cnt[inv] >= 10
        small = (rng.random(m) < 0.03) & ~protected & long_year
        factor[small] *= 1 + rng.choice([-1, 1], small.sum()) * rng.uniform(0.02, 0.06, small.sum())
        n = len(g)
        starts = np.r_[0, np.flatnonzero(np.diff(gi)) + 1]  # exp rows are grouped by grant
        counts = np.diff(np.r_[starts, m])
        row_of = np.full(n, -1)
        row_of[gi[starts]] = starts
        cnt_of = np.zeros(n, np.int64)
        cnt_of[gi[starts]] = counts
        adj = np.isin(gi, np.flatnonzero(rng.random(n) < 0.03)) & ~protected & long_year
        for share in (1.0, 0.4):
            rows = np.flatnonzero(adj)
            rows = rows[np.argsort(rng.random(len(rows)), kind="stable")]
            _, first = np.unique(gi[rows], return_index=True)  # one random month per grant
            pick = rows[first]
            pick = pick[rng.random(len(pick)) < share]
            factor[pick] = rng.choice([0.6, 1.3, 1.4, 1.5], len(pick))
            adj[pick] = False
        # Planted: payments that differ from the grant for 4-8 consecutive months.
        for i in self.differ:
            length = int(rng.integers(4, 9))
            first = row_of[i] + int(rng.integers(0, max(1, cnt_of[i] - length)))
            factor[first:first + min(length, cnt_of[i])] = rng.uniform(1.2, 1.35)
        # Planted price rise from 1 January 2026 (+11 % on top of the index); decoy from 2025.
        factor[np.isin(g["prov"].to_numpy()[gi], self.price_rise) & (year >= 2026)] *= 1.11
        factor[np.isin(g["prov"].to_numpy()[gi], self.renegotiated) & (year >= 2025)] *= 1.12
        amount = np.round(amount * factor, 2)

        # Planted: 1-2 months paid after slutdato's month, at the full monthly rate.
        extra_gi, extra_per, extra_amt = [], [], []
        end = g["slutdato"].to_numpy().astype("datetime64[D]")
        for i in self.after_end:
            k = int(rng.integers(1, 3))
            for j in range(1, k + 1):
                month = int(_months(end[i:i + 1])[0] + j)
                first = np.datetime64(month, "M").astype("datetime64[D]")
                nxt = np.datetime64(month + 1, "M").astype("datetime64[D]")
                dim = int((nxt - first).astype(np.int64))
                years = int(str(first)[:4]) - int(str(g.at[i, "startdato"].year))
                price = g.at[i, "enhedspris"] * (1 + PRISINDEKS) ** max(years, 0)
                units = g.at[i, "omfang"] * (1 if g.at[i, "enhed"] == "maaned" else dim / 7)
                extra_gi.append(i)
                extra_per.append(first)
                extra_amt.append(round(price * units + g.at[i, "tillaeg"], 2))

        # Credit notes: ~0.5 % of lines are paid as an overcharge and a credit line.
        credit = np.flatnonzero((rng.random(m) < 0.005) & (amount > 1000))
        over = np.round(amount[credit] * rng.uniform(0.1, 0.3, len(credit)), 2)
        all_gi = np.concatenate([gi, gi[credit], np.array(extra_gi, np.int64)])
        all_per = np.concatenate([per, per[credit],
                                  _ns(np.array(extra_per, dtype="datetime64[D]"))])
        all_amt = np.concatenate([amount, -over, np.array(extra_amt, float)])
        all_amt[credit] = np.round(amount[credit] + over, 2)
        line = np.concatenate([np.zeros(m, np.int64), np.ones(len(credit), np.int64),
                               np.zeros(len(extra_gi), np.int64)])
        funktion = ref.paragraffer().set_index("paragraf")["funktion"]
        p = pd.DataFrame({
            "bevilling_id": g["bevilling_id"].to_numpy()[all_gi],
            "leverandoer_id": g["leverandoer_id"].to_numpy()[all_gi],
            "periode": all_per.astype("datetime64[ns]"),
            "beloeb": all_amt,
            "funktion": funktion.reindex(g["paragraf"].to_numpy()[all_gi]).to_numpy(),
            "_line": line,
        })
        p = p.sort_values(["periode", "bevilling_id", "_line"], kind="stable")
        return p.drop(columns="_line").reset_index(drop=True)

    # -- goals -------------------------------------------------------------------------------
    def goals(self) -> pd.DataFrame:
        rng = self.rng["maal"]
        g = self.g
        start = g["startdato"].to_numpy().astype("datetime64[D]")
        stop = np.minimum(g["slutdato"].fillna(REFERENCE_DATE).to_numpy().astype("datetime64[D]"),
                          _REF)
        span = (stop - start).astype(np.int64)
        k = int(span.max() // 365) + 1
        offsets = np.arange(k) * 365
        gi, col = np.nonzero(offsets[None, :] <= span[:, None])
        dates = start[gi] + offsets[col].astype("timedelta64[D]")
        keep = dates >= np.datetime64("2020-01-01", "D")
        gi, dates = gi[keep], dates[keep]
        n_goals = rng.choice([1, 2, 3], len(gi), p=[0.4, 0.4, 0.2])
        gi, dates = np.repeat(gi, n_goals), np.repeat(dates, n_goals)
        m = len(gi)
        dates = dates + rng.integers(0, 14, m).astype("timedelta64[D]")
        frist = dates + rng.integers(180, 366, m).astype("timedelta64[D]")
        boern = g["paragraf"].str.startswith("BL").to_numpy()[gi]
        tema = np.where(boern, np.array(ICS_TEMAER, dtype=object)[rng.integers(0, 6, m)],
                        np.array(VUM_TEMAER, dtype=object)[rng.integers(0, 6, m)])
        develop = np.isin(g["paragraf"].to_numpy()[gi], ["§107", "§85", "§82b", "§110", "BL §32",
                                                         "§103", "§104"])
        u = rng.random(m)
        maaltype = np.where(develop, np.where(u < 0.7, "Udvikle", np.where(u < 0.95, "Fastholde",
                                                                           "Begrænse tab")),
                            np.where(u < 0.3, "Udvikle", np.where(u < 0.85, "Fastholde",
                                                                  "Begrænse tab")))
        prog = np.isin(g["cit"].to_numpy()[gi], self.progress_cit)
        u = rng.random(m)
        p_ok, p_part = np.where(prog, 0.6, 0.35), np.where(prog, 0.3, 0.35)
        status = np.where(u < p_ok, "opnået", np.where(u < p_ok + p_part, "delvist opnået",
                                                       "ikke opnået"))
        status = np.where(frist > _REF, "igangværende", status)
        f = pd.DataFrame({
            "borger_id": g["borger_id"].to_numpy()[gi],
            "tema": tema,
            "maaltype": maaltype,
            "startdato": _ns(dates),
            "frist": _ns(frist),
            "status": status,
            "_r": rng.random(m),
        }).sort_values(["startdato", "borger_id", "_r"], kind="stable")
        f.insert(1, "maal_id", _ids("M", np.arange(1, m + 1), 7))
        return f.drop(columns="_r").reset_index(drop=True)

    # -- budget ------------------------------------------------------------------------------
    def budget(self, pay: pd.DataFrame) -> pd.DataFrame:
        """Budget per paragraph close to actual spending, with the two planted 2026 overruns."""
        rng = self.rng["budget"]
        g = self.g
        par_of = pd.Series(g["paragraf"].to_numpy(), index=g["bevilling_id"].to_numpy())
        py = pay.assign(aar=pay["periode"].dt.year,
                        paragraf=par_of.reindex(pay["bevilling_id"]).to_numpy())
        spent = py.groupby(["aar", "paragraf"])["beloeb"].sum()
        cols = ["bevilling_id", "startdato", "slutdato", "enhed", "enhedspris", "omfang", "tillaeg"]
        rest = derived.expected_payments(g[cols], "2026-11-01", "2026-12-01", PRISINDEKS)
        rest = rest.assign(paragraf=par_of.reindex(rest["bevilling_id"]).to_numpy()).groupby(
            "paragraf")["forventet"].sum()
        rows = []
        for aar in BUDGET_YEARS:
            hp = derived.helaarspersoner(g, aar).groupby(g["paragraf"]).sum()
            for spec in SPECS:
                p = spec.paragraf
                actual = spent.get((aar, p), 0.0) + (rest.get(p, 0.0) if aar == 2026 else 0.0)
                persons = hp.get(p, 0.0)
                if persons <= 0:
                    continue
                unit = actual / persons
                antal = persons * rng.uniform(0.97, 1.03)
                pris = unit * rng.uniform(0.97, 1.03)
                if (aar, p) == (2026, "§85"):
                    antal = persons * rng.uniform(0.84, 0.87)  # planted: more citizens
                    pris = unit * rng.uniform(0.995, 1.01)
                if (aar, p) == (2026, "§108"):
                    antal = persons * rng.uniform(0.995, 1.01)
                    pris = unit * rng.uniform(0.86, 0.89)  # planted: higher prices
                antal, pris = round(antal, 1), round(pris, -2)
                rows.append((aar, p, None, round(antal * pris, -3), antal, pris))
        out = pd.DataFrame(rows, columns=["aar", "paragraf", "maalgruppe", "beloeb",
                                          "forudsat_antal", "forudsat_enhedspris"])
        out["maalgruppe"] = out["maalgruppe"].astype("str")  # lines are per paragraph
        return out

    # -- fix-ups: make the planted VUM signals exact ------------------------------------------
    def exact_vum_signals(self, v: pd.DataFrame) -> pd.DataFrame:
        """Guarantee the planted §107/progression signals meet their definitions and that no
        unplanted §107 citizen past forventet_slutdato meets the improvement definition."""
        g = self.g
        v = v.sort_values(["cit", "dato"], kind="stable").reset_index(drop=True)
        mean = v.groupby(["cit", "dato"], sort=True)["niveau"].mean()
        first = mean.groupby(level=0).first()
        last = mean.groupby(level=0).last()
        last_date = mean.reset_index().groupby("cit")["dato"].last()
        # Level at the §107 grant's start (latest assessment on/before it).
        past = g[(g["paragraf"] == "§107") & g["slutdato"].isna()
                 & (g["forventet_slutdato"] < REFERENCE_DATE)]
        md = mean.reset_index()
        at_start = {}
        for cit, s in zip(past["cit"], past["startdato"]):
            rows = md[(md["cit"] == cit) & (md["dato"] <= np.datetime64(s.date(), "D"))]
            at_start[cit] = rows["niveau"].iloc[-1] if len(rows) else np.nan
        is_last = v["dato"].to_numpy() == last_date.reindex(v["cit"]).to_numpy()
        improved = set(self.improved_cit.tolist())
        lower, raise_ = [], []
        for cit in self.past107_cit:
            drop = at_start.get(cit, np.nan) - last.get(cit, np.nan)
            if cit in improved and not drop >= 1.0:
                lower.append(cit)
            elif cit not in improved and drop >= 1.0:
                raise_.append(cit)
        for cit in self.progress_cit:
            if first[cit] - last[cit] < 1.2 and cit not in lower:
                lower.append(cit)
        niv = v["niveau"].to_numpy().copy()
        for cits, step in ((lower, -1), (raise_, +1)):
            sel = is_last & np.isin(v["cit"].to_numpy(), cits)
            niv[sel] = np.clip(niv[sel] + step, 0, 4)
        v["niveau"] = niv
        # Keep only the planted citizens that now meet their definition.
        mean = v.groupby(["cit", "dato"], sort=True)["niveau"].mean()
        last = mean.groupby(level=0).last()
        first = mean.groupby(level=0).first()
        self.improved_cit = np.array([c for c in self.improved_cit
                                      if at_start[c] - last[c] >= 1.0], np.int64)
        kept = set(self.improved_cit.tolist())
        self.progress_cit = np.array([c for c in self.progress_cit
                                      if first[c] - last[c] >= 1.2 or c in kept], np.int64)
        return v

    # -- everything --------------------------------------------------------------------------
    def run(self) -> Sample:
        befolkning = self.population()
        self.providers()
        self.grants()
        self.add_overlaps()
        self.citizens()
        v = self.assessments()
        v = self.exact_vum_signals(v)
        self.assign_ids()
        self.prices(v)
        self.choose_payment_signals()
        tilbud = self.offers()
        opf = self.followups()
        pay = self.payments()
        maal = self.goals()
        budget = self.budget(pay)
        g, prov, c = self.g, self.prov, self.cit

        std = np.where(prov["leverandoertype"] == "egen drift", False, True)
        std[self.no_contract] = False
        leverandoerer = pd.DataFrame({
            "leverandoer_id": prov["leverandoer_id"],
            "navn": prov["navn"],
            "leverandoertype": prov["leverandoertype"],
            "standardkontrakt": std.astype(bool),
        })
        borgere = pd.DataFrame({
            "borger_id": c["borger_id"],
            "foedselsaar": c["foedselsaar"].astype(np.int64),
            "koen": c["koen"],
            "maalgruppe": c["maalgruppe"],
        }).sort_values("borger_id").reset_index(drop=True)
        bevillinger = g[["bevilling_id", "borger_id", "paragraf", "leverandoer_id", "tilbud_id",
                         "afdeling", "startdato", "slutdato", "forventet_slutdato", "enhed",
                         "enhedspris", "omfang", "tillaeg"]].copy()
        for col in ("startdato", "slutdato", "forventet_slutdato"):
            bevillinger[col] = bevillinger[col].astype("datetime64[ns]")
        bevillinger = bevillinger.sort_values("bevilling_id").reset_index(drop=True)
        vurderinger = pd.DataFrame({
            "borger_id": c["borger_id"].to_numpy()[v["cit"].to_numpy()],
            "dato": _ns(v["dato"].to_numpy()),
            "metode": v["metode"].to_numpy(),
            "tema": v["tema"].to_numpy(),
            "niveau": v["niveau"].to_numpy(),
        }).sort_values(["borger_id", "dato"], kind="stable").reset_index(drop=True)
        tables = {
            "borgere": borgere,
            "bevillinger": bevillinger,
            "betalinger": pay,
            "opfoelgninger": opf,
            "vurderinger": vurderinger,
            "maal": maal,
            "leverandoerer": leverandoerer,
            "tilbud": tilbud.sort_values("tilbud_id").reset_index(drop=True),
            "budget": budget,
            "befolkning": befolkning,
        }
        tables = {name: df.astype({c.name: dtype(c) for c in TABLES[name].columns})
                  for name, df in tables.items()}
        return Sample(tables, self.planted(bevillinger))

    def planted(self, bevillinger: pd.DataFrame) -> Planted:
        g, prov, c = self.g, self.prov, self.cit
        bid = g["bevilling_id"].to_numpy()
        pid = prov["leverandoer_id"].to_numpy()
        cid = c["borger_id"].to_numpy()

        def grants_of(provs):
            return tuple(sorted(bid[np.isin(g["prov"], provs)]))

        past = g[(g["paragraf"] == "§107") & g["slutdato"].isna()
                 & (g["forventet_slutdato"] < REFERENCE_DATE) & g["cit"].isin(self.improved_cit)]
        # The provider's grants paid in both 2025 and 2026 (the years of the rise).
        rise_grants = g[np.isin(g["prov"], self.price_rise)
                        & (g["startdato"] <= pd.Timestamp("2025-12-31"))
                        & (g["slutdato"].isna() | (g["slutdato"] >= pd.Timestamp("2026-01-01")))]
        expensive = bevillinger.loc[derived.annual_cost(bevillinger) > 1_000_000, "bevilling_id"]
        overlapping = tuple(sorted(
            (cid[g.at[o, "cit"]],) + tuple(sorted((bid[o], bid[nw])))
            for o, nw in zip(self.overlap_orig, self.overlap_new)))
        iv_prov = int(np.flatnonzero(prov["navn"].to_numpy() == INTERVENTION_PROVIDER)[0])
        iv_tilbud = self.tilbud.loc[(self.tilbud["prov"] == iv_prov)
                                    & (self.tilbud["paragraf"] == "§85"), "tilbud_id"].iloc[0]
        intervention = Intervention(
            leverandoer_id=pid[iv_prov],
            tilbud_id=iv_tilbud,
            paragraf="§85",
            start=INTERVENTION_START,
            tema=INTERVENTION_TEMA,
            effekt=INTERVENTION_EFFECT,
            behandlede=tuple(sorted(cid[self.treated])),
            sammenligning=tuple(sorted(cid[self.comparison])),
        )
        notes = {
            "overpriced_providers": "Private leverandører, hvis priser ligger 45-60 % over "
            "medianen for andre leverandørers bevillinger med samme paragraf og behovsniveau.",
            "overdue_followups": "Aktive bevillinger uden opfølgning inden for 6 måneder (§107) "
            "eller 12 måneder (øvrige) regnet fra seneste opfølgning eller startdato.",
            "improved_past_end": "Aktive §107-bevillinger efter forventet slutdato, hvor borgerens "
            "gennemsnitlige VUM-niveau er faldet mindst 1 siden start (ca. en tredjedel, jf. "
            "Helsingør 'Bo og Liv').",
            "progressing_citizens": "Borgere, hvis gennemsnitlige niveau er faldet mindst 1,2 fra "
            "første til seneste vurdering (pålidelig forbedring); øvrige borgere er stabile eller "
            "forværres langsomt.",
            "payments_after_end": "Bevillinger, der er betalt for 1-2 måneder efter slutdatoens "
            "måned.",
            "payments_differ": "Bevillinger med 4-8 måneder i træk betalt 20-35 % over det "
            "forventede. Støj: enkelte linjer 2-6 % forkert og efterreguleringer i 1-2 måneder.",
            "overlapping": "Borgere med to aktive §85-bevillinger fra to forskellige afdelinger.",
            "price_rise_providers": "Leverandører, der fra 1. januar 2026 opkræver 11 % mere end "
            "den pristalsregulerede takst uden genforhandling.",
            "renegotiated_providers": "Lokkedue: leverandør med 12 % højere priser fra 2025 efter "
            "genforhandling i december 2024 (ikke et fund).",
            "expensive_grants": "Alle bevillinger i udtrækket med årlig udgift over 1 mio. kr. "
            "(derived.annual_cost).",
            "no_standard_contract": "Eksterne leverandører uden kommunens standardkontrakt.",
            "intervention": f"Recovery-forløb i {INTERVENTION_PROVIDER} (§85) fra 1. januar "
            "2024: niveauet for Egenomsorg falder 0,6 efter ankerdatoen (den seneste af 1. "
            "januar 2024 og borgerens start i tilbuddet) for borgere i tilbuddet, mod "
            "sammenligningsgruppen (§85 i andre tilbud, aktive fra 1. januar 2024). Begge "
            "grupper har vurderinger før og efter ankerdatoen.",
            "budget_overrun_quantity": "2026: §85 har ca. 15 % flere helårspersoner end forudsat.",
            "budget_overrun_price": "2026: §108 har ca. 13 % højere udgift pr. helårsperson end "
            "forudsat.",
        }
        return Planted(
            overpriced_providers=tuple(sorted(pid[self.overpriced])),
            overpriced_grants=grants_of(self.overpriced),
            overdue_followups=tuple(sorted(bid[self.overdue])),
            improved_past_end=tuple(sorted(past["bevilling_id"])),
            progressing_citizens=tuple(sorted(cid[self.progress_cit])),
            payments_after_end=tuple(sorted(bid[self.after_end])),
            payments_differ=tuple(sorted(bid[self.differ])),
            overlapping=overlapping,
            price_rise_providers=tuple(sorted(pid[self.price_rise])),
            price_rise_grants=tuple(sorted(rise_grants["bevilling_id"])),
            expensive_grants=tuple(sorted(expensive)),
            no_standard_contract=tuple(sorted(pid[self.no_contract])),
            intervention=intervention,
            budget_overrun_quantity=(2026, "§85"),
            budget_overrun_price=(2026, "§108"),
            notes=notes,
            renegotiated_providers=tuple(sorted(pid[self.renegotiated])),
            price_rise_year=2026,
        )


# ---------------------------------------------------------------------------------------------
# Danish export format
# ---------------------------------------------------------------------------------------------

PARAGRAF_KODER = {  # canonical paragraf -> how the case system writes it
    "§82b": "SEL § 82 b", "§85": "SEL § 85", "§96": "SEL § 96", "§97": "SEL § 97",
    "§103": "SEL § 103", "§104": "SEL § 104", "§105+§85": "ABL § 105 / SEL § 85",
    "§107": "SEL § 107", "§108": "SEL § 108", "§110": "SEL § 110",
    "BL §32": "BL § 32", "BL §46": "BL § 46", "BL §87": "BL § 87",
}


@dataclass(frozen=True)
class _Export:
    fil: str
    kolonner: dict[str, str]  # canonical -> header in the file (in file order)
    koder: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical -> {canon: code}
    encoding: str = "utf-8-sig"  # "utf-8-sig" (with BOM) or "cp1252"
    datoformat: str = "%d-%m-%Y"
    ark: str | None = None  # sheet of an .xlsx


EXPORT: dict[str, _Export] = {
    "borgere": _Export(
        "borgere.csv",
        {"borger_id": "Borger-ID", "foedselsaar": "Fødselsår", "koen": "Køn",
         "maalgruppe": "Målgruppe"},
        {"koen": {"K": "Kvinde", "M": "Mand"}},
        encoding="utf-8-sig"),
    "bevillinger": _Export(
        "bevillinger.csv",
        {"bevilling_id": "Bevillings-ID", "borger_id": "Borger-ID", "paragraf": "Paragraf",
         "leverandoer_id": "Leverandør-ID", "tilbud_id": "Tilbuds-ID", "afdeling": "Afdeling",
         "startdato": "Startdato", "slutdato": "Slutdato",
         "forventet_slutdato": "Forventet slutdato", "enhed": "Enhed",
         "enhedspris": "Enhedspris (kr.)", "omfang": "Omfang", "tillaeg": "Tillæg (kr. pr. md.)"},
        {"paragraf": PARAGRAF_KODER,
         "enhed": {"doegn": "Døgn", "time": "Time", "maaned": "Måned"}},
        encoding="cp1252", datoformat="%d-%m-%Y"),
    "betalinger": _Export(
        "betalinger.csv",
        {"bevilling_id": "Bevillings-ID", "leverandoer_id": "Leverandør-ID",
         "periode": "Periode", "beloeb": "Beløb (kr.)", "funktion": "Funktion"},
        encoding="utf-8-sig", datoformat="%d.%m.%Y"),
    "opfoelgninger": _Export(
        "opfoelgninger.csv",
        {"bevilling_id": "Bevillings-ID", "dato": "Dato", "type": "Type",
         "resultat": "Resultat"},
        {"type": {"opfølgning": "Opfølgning", "revisitation": "Revisitation",
                  "genforhandling": "Genforhandling"},
         "resultat": {"uændret": "Uændret", "justeret": "Justeret", "ophørt": "Ophørt"}},
        encoding="cp1252", datoformat="%d.%m.%Y"),
    "vurderinger": _Export(
        "vurderinger.csv",
        {"borger_id": "Borger-ID", "dato": "Vurderingsdato", "metode": "Metode",
         "tema": "Tema", "niveau": "Niveau"},
        {"metode": {"VUM2": "VUM 2.0", "ICS": "ICS"}},
        encoding="utf-8-sig", datoformat="%d.%m.%Y"),
    "maal": _Export(
        "maal.csv",
        {"borger_id": "Borger-ID", "maal_id": "Mål-ID", "tema": "Tema", "maaltype": "Måltype",
         "startdato": "Startdato", "frist": "Frist", "status": "Status"},
        {"maaltype": {"Udvikle": "Udvikle", "Fastholde": "Fastholde",
                      "Begrænse tab": "Begrænse tab af funktionsevne"},
         "status": {"igangværende": "Igangværende", "opnået": "Opnået",
                    "delvist opnået": "Delvist opnået", "ikke opnået": "Ikke opnået"}},
        encoding="cp1252", datoformat="%d-%m-%Y"),
    "leverandoerer": _Export(
        "leverandoerer.xlsx",
        {"leverandoer_id": "Leverandør-ID", "navn": "Leverandørnavn",
         "leverandoertype": "Leverandørtype", "standardkontrakt": "Standardkontrakt"},
        {"leverandoertype": {"egen drift": "Egen drift", "privat": "Privat",
                             "anden kommune": "Anden kommune", "region": "Region",
                             "selvejende": "Selvejende"},
         "standardkontrakt": {"True": "Ja", "False": "Nej"}},
        ark="Leverandører"),
    "tilbud": _Export(
        "tilbud.csv",
        {"tilbud_id": "Tilbuds-ID", "leverandoer_id": "Leverandør-ID", "navn": "Tilbudsnavn",
         "paragraf": "Paragraf", "pladser": "Pladser"},
        {"paragraf": PARAGRAF_KODER},
        encoding="utf-8-sig"),
    "budget": _Export(
        "budget.xlsx",
        {"aar": "År", "paragraf": "Paragraf", "beloeb": "Budget (kr.)",
         "forudsat_antal": "Forudsat antal helårspersoner",
         "forudsat_enhedspris": "Forudsat enhedspris (kr.)"},
        {"paragraf": PARAGRAF_KODER},
        ark="Budget"),
    "befolkning": _Export(
        "befolkning.csv",
        {"aar": "År", "aldersgruppe": "Aldersgruppe", "antal": "Antal indbyggere"},
        {"aldersgruppe": {"0-17": "0-17 år", "18-24": "18-24 år", "25-64": "25-64 år",
                          "65+": "65+ år"}},
        encoding="cp1252"),
}

_THOUSANDS = {("befolkning", "antal"), ("tilbud", "pladser")}  # ints written as 12.345
_FIXED_TIME = datetime(2026, 11, 2, 8, 0, 0)  # the extract's (fixed) creation time


def _danish_number(values: pd.Series, decimals: int) -> pd.Series:
    """1234567.5 -> '1.234.567,50'; NaN -> ''."""
    out = values.map(lambda x: "" if pd.isna(x) else f"{x:,.{decimals}f}")
    return out.str.translate(str.maketrans(",.", ".,"))


def _export_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The table with Danish headers and codes; CSV cells as Danish formatted strings."""
    spec, table = EXPORT[name], TABLES[name]
    xlsx = spec.fil.endswith(".xlsx")
    out = {}
    for col, header in spec.kolonner.items():
        kind = table.col(col).kind
        s = df[col]
        codes = spec.koder.get(col)
        if codes is not None:
            s = s.map(lambda x, c=codes: c.get(str(x), x) if not pd.isna(x) else x)
        elif kind == "date":
            s = s.dt.strftime(spec.datoformat).fillna("") if not xlsx else s
        elif kind == "float" and not xlsx:
            s = _danish_number(s, 2)
        elif kind == "int" and not xlsx:
            s = _danish_number(s, 0) if (name, col) in _THOUSANDS else s.astype(str)
        out[header] = s if xlsx else s.fillna("").astype(str)
    return pd.DataFrame(out)


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    text = frame.to_csv(sep=";", index=False, lineterminator="\r\n")
    path.write_bytes(text.encode(encoding))


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """An .xlsx whose bytes depend only on the content (fixed timestamps in docProps and zip)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(x, float) and np.isnan(x)) else
                   (x.item() if isinstance(x, np.generic) else x) for x in row])
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(str(col)) + 2)
    wb.properties.creator = "Fagsystem (syntetisk udtræk)"
    wb.properties.created = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<3>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


def write_sample(kommune: str, indbyggere: int, seed: int, out: Path) -> Planted:
    """Write the generated tables as a municipality's extracts in Danish export format.

    One file per table in `out` (created if missing), as described by `EXPORT`; the same
    arguments give byte-identical files. Returns what was planted.
    """
    sample = generate(kommune, indbyggere, seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, spec in EXPORT.items():
        frame = _export_frame(name, sample.tables[name])
        if spec.fil.endswith(".xlsx"):
            _write_xlsx(frame, out / spec.fil, spec.ark or name)
        else:
            _write_csv(frame, out / spec.fil, spec.encoding)
    return sample.planted
