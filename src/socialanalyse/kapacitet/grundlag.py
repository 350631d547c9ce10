"""Shared groundwork of the capacity analyses: settings, the 'not available' result, the
period the extract covers and which grants are in the municipality's own provision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import Data, derived

#: leverandoertype of the municipality's own provision.
EGEN_DRIFT = "egen drift"
#: The botilbud paragraphs (noegletal.botilbud_paragraffer in default.yaml).
BOTILBUD = ("§107", "§108", "§105+§85")


@dataclass(frozen=True)
class IkkeTilgaengelig:
    """A result these data cannot give, with the reason in plain Danish for the workbook.

    Falsy, so `if not result:` reads 'not available'; `tekst` is the sentence to show.
    """

    hvad: str  # what cannot be shown, e.g. "Belægningen i egne tilbud"
    aarsag: str  # why, and what the data need

    def __bool__(self) -> bool:
        return False

    @property
    def tekst(self) -> str:
        return f"{self.hvad} kan ikke vises: {self.aarsag}"


@dataclass(frozen=True)
class Indstillinger:
    """Settings of the capacity analyses (`Indstillinger.fra(parametre)`).

    The defaults are those of parameters/default.yaml, so unit tests construct it with only
    what they vary. `selvforsyning_maal`: goal per paragraph (share of full-year persons in
    own provision); the botilbud paragraphs get noegletal.selvforsyning_maal unless
    kapacitet.selvforsyning_maal_paragraf names their own.
    """

    ledige_maaneder: int = 3
    marginal_andel: tuple[float, float] = (0.2, 0.5)
    selvforsyning_maal: Mapping[str, float] = field(
        default_factory=lambda: dict.fromkeys(BOTILBUD, 0.9))
    trinskift_maaneder: int = 3
    tyndt_trin_andel: float = 0.5
    prisindeks: float = 0.025
    sammenhaeng_dage: int = 1  # progression.sammenhaeng_dage: grants joined into one stay

    @classmethod
    def fra(cls, parametre) -> Indstillinger:
        """The settings of a municipality's `Parametre` (kapacitet, noegletal's goal,
        prisindeks and progression.sammenhaeng_dage)."""
        k, n = parametre.kapacitet, parametre.noegletal
        goals = dict.fromkeys(n.botilbud_paragraffer, float(n.selvforsyning_maal))
        goals.update(k.selvforsyning_maal_paragraf)
        return cls(
            ledige_maaneder=k.ledige_maaneder,
            marginal_andel=tuple(k.marginal_andel),
            selvforsyning_maal=goals,
            trinskift_maaneder=k.trinskift_maaneder,
            tyndt_trin_andel=k.tyndt_trin_andel,
            prisindeks=float(parametre.prisindeks),
            sammenhaeng_dage=parametre.progression.sammenhaeng_dage,
        )


def settings(ind) -> Indstillinger:
    """Indstillinger from None (defaults), Indstillinger or a municipality's Parametre."""
    if ind is None:
        return Indstillinger()
    if isinstance(ind, Indstillinger):
        return ind
    return Indstillinger.fra(ind)


@dataclass(frozen=True)
class Periode:
    """The days the extract covers: the first payment month to the reference date."""

    first: pd.Timestamp  # first day of the earliest payment month
    last: pd.Timestamp  # the reference date (last day of the latest payment month)


def period(data: Data) -> Periode:
    """The extract's period, from the payments (never from today's date)."""
    last = derived.reference_date(data.betalinger)
    if last is None:
        raise ValueError("Der er ingen betalinger i data, så perioden kan ikke bestemmes.")
    first = pd.Timestamp(data.betalinger["periode"].min()).to_period("M").to_timestamp()
    return Periode(first=first, last=last)


def own_provision(data: Data) -> pd.Series | IkkeTilgaengelig:
    """True for grants delivered by the municipality's own provision (leverandoertype
    'egen drift'), aligned with data.bevillinger; 'not available' without leverandoerer."""
    if data.leverandoerer.empty:
        return IkkeTilgaengelig(
            "Andelen i egen drift",
            "tabellen leverandoerer er ikke med i data, så det kan ikke ses, hvilke "
            "bevillinger der leveres af kommunens egne tilbud. Læg leverandoerer.csv med "
            "leverandoertype (egen drift, anden kommune, region, privat, selvejende) i "
            "datamappen.",
        )
    kind = data.bevillinger["leverandoer_id"].map(
        data.leverandoerer.set_index("leverandoer_id")["leverandoertype"])
    return kind.eq(EGEN_DRIFT).rename("egen_drift")


def day_index(dates: pd.Series, origin: pd.Timestamp, open_value: int) -> np.ndarray:
    """Whole days from `origin` (int64); NaT -> open_value."""
    d = (dates - origin).dt.days
    return d.fillna(open_value).to_numpy(dtype=np.int64)


def external_on(data: Data, on: pd.Timestamp, own: pd.Series) -> pd.DataFrame:
    """The grants in external offers (provider not 'egen drift') active on `on`, with the
    citizen's maalgruppe added: what an own offer of the paragraph and group could take."""
    bev = data.bevillinger
    g = bev[derived.is_active(bev, on).to_numpy() & ~own.to_numpy()]
    return g.assign(maalgruppe=g["borger_id"].map(
        data.borgere.set_index("borger_id")["maalgruppe"]).astype(object))
