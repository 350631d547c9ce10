"""What the generator returns: the tables and the record of what it planted in them.

The fields of `Planted` are the team's fixed definitions for the first ten tables (other
modules and tests code against them). A family added later keeps its signals in its own frozen
dataclass, recorded with `World.plant_family` and read back as `Planted.families[name]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


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
    # Families added after the first ten tables: their own records, by family name.
    families: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """Generated canonical tables and what was planted in them."""

    tables: dict[str, pd.DataFrame]
    planted: Planted
