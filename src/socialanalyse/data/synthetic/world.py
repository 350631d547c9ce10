"""What the generation steps share: the calendar, the random streams and the `World`.

The `World` is the municipality under construction. Each step (see `STEPS` in the package)
reads what earlier steps left on it and adds its own: working frames (`g`, `cit`, `prov`, ...),
finished canonical tables (`tables`) and planted signals (`plant`). Rows of the working frames
are addressed by position (numpy int arrays), ids exist from the ids step on.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

REFERENCE_DATE = pd.Timestamp("2026-10-31")  # opgørelsesdato: last day of the last paid month
FIRST_MONTH = pd.Timestamp("2021-11-01")  # first payment month (five years of payments)
LAST_MONTH = pd.Timestamp("2026-10-01")  # last payment month
BUDGET_YEARS = tuple(range(2022, 2027))
POPULATION_YEARS = tuple(range(2021, 2027))
PRISINDEKS = 0.025  # as parameters/default.yaml
FOLLOWUPS_FROM = np.datetime64("2018-01-01", "D")  # the case system's history starts here

REF = np.datetime64("2026-10-31", "D")  # REFERENCE_DATE as datetime64[D]
W0 = np.datetime64("2021-11-01", "D")  # FIRST_MONTH as datetime64[D]
NAT = np.datetime64("NaT", "D")
YEAR = 365.25

# The first streams, in the order they were spawned; a stream's values depend only on the seed
# and its name, so a step added later never changes what the others draw.
_SPAWNED = ("pop", "prov", "grants", "plant", "vum", "price", "fu", "pay", "maal", "budget",
            "ids", "extra")
_N_SPAWNED = 16  # the named ones and four unused
_ENTROPY = 20261031


class World:
    """The municipality under construction, passed from step to step."""

    # Working state, set by the steps named (positions are row numbers of g, cit and prov):
    children: int  # population: inhabitants aged 0-17 in 2026
    adults: int  # population: inhabitants aged 18+ in 2026
    prov: pd.DataFrame  # providers: one row per provider (navn, leverandoertype, paragraffer)
    g: pd.DataFrame  # grants: one row per grant; column cit is the citizen's position
    overlap_orig: np.ndarray  # grants.overlaps: the first grant of each planted overlap
    overlap_new: np.ndarray  # grants.overlaps: the second grant (appended to g)
    tilbud: pd.DataFrame  # providers.offers: own offers, with the provider's position (prov)
    cit: pd.DataFrame  # grants.citizens: one row per citizen (mu = latent need level)
    first_grant: np.ndarray  # grants.citizens: each citizen's first grant start (datetime64[D])
    last_day: np.ndarray  # grants.citizens: each citizen's last day with support
    v: pd.DataFrame  # assessments: one row per theme scored (cit, dato, metode, tema, niveau)
    progress_cit: np.ndarray  # assessments: citizens who progressed (positions)
    overpriced: np.ndarray  # grants.prices: the overpriced providers (positions)
    price_rise: np.ndarray  # providers.contracts: providers raising prices without genforhandling
    renegotiated: np.ndarray  # providers.contracts: the decoy, a rise after a genforhandling
    no_contract: np.ndarray  # providers.contracts: external providers without standardkontrakt
    differ: np.ndarray  # payments.signals: grants paid differently from the grant
    after_end: np.ndarray  # payments.signals: grants paid after slutdato
    protected: np.ndarray  # payments.signals: grants that get no payment or follow-up noise
    klynge_rolle: str | None = None  # generate(klynge_rolle=...): a test cluster member's role

    def __init__(self, kommune: str, indbyggere: int, seed: int):
        self.kommune = kommune
        self.n = indbyggere
        self.seed = seed
        self._rng = dict(zip(_SPAWNED, _streams(seed)))
        self.tables: dict[str, pd.DataFrame] = {}  # finished canonical tables by name
        self.planted: dict[str, Any] = {}  # Planted's fields, by name
        self.notes: dict[str, str] = {}  # Danish description per planted signal
        self.families: dict[str, Any] = {}  # planted records of later families, by name

    def rng(self, name: str) -> np.random.Generator:
        """The random stream of one component (the same object on every call)."""
        if name not in self._rng:
            # Beyond the spawned children's keys; crc32 is stable across processes (hash() is not).
            key = _N_SPAWNED + zlib.crc32(name.encode())
            self._rng[name] = np.random.default_rng(
                np.random.SeedSequence([self.seed, _ENTROPY], spawn_key=(key,)))
        return self._rng[name]

    def plant(self, name: str, value: Any, note: str | None = None) -> None:
        """Record one planted signal (a field of `Planted`) and its Danish description."""
        self.planted[name] = value
        if note is not None:
            self.notes[name] = note

    def plant_family(self, name: str, record: Any, notes: dict[str, str]) -> None:
        """Record a later family's planted signals (its own frozen dataclass) and their Danish
        descriptions; read back as `Planted.families[name]`."""
        self.families[name] = record
        self.notes.update(notes)


def _streams(seed: int) -> list[np.random.Generator]:
    # One independent stream per component, so refining one part leaves the others unchanged.
    children = np.random.SeedSequence([seed, _ENTROPY]).spawn(_N_SPAWNED)
    return [np.random.default_rng(s) for s in children]


def ns(days: np.ndarray) -> np.ndarray:
    """datetime64[D] values as datetime64[ns] (what pandas holds)."""
    return days.astype("datetime64[ns]")


def months(d: np.ndarray) -> np.ndarray:
    """Month ordinal (months since 1970-01) of datetime64[D] values."""
    return d.astype("datetime64[M]").astype(np.int64)


def id_strings(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Ids such as B100001 from numbers."""
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers], dtype=object)


def scaled(indbyggere: int, at_45000: float, minimum: int = 1) -> int:
    """A planted count proportional to the municipality's size (at_45000 at 45,000)."""
    return max(minimum, int(np.rint(at_45000 * indbyggere / 45_000)))
