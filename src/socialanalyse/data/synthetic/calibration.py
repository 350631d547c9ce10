"""The generator's calibration: how each paragraph's grants look (rates, durations, prices).

Figures from public sources (shared/reference/FACTS.md): citizens per 10,000 adults per
paragraph, daily rates, §85 hourly prices, a third of spending at private providers.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    mean_years: float  # mean duration (for §107/§82b derived from the plan, see grants)
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
