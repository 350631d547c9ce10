"""Servicetjek: monthly screening of grants for cases worth a review (sagsgennemgang).

Plain functions over the canonical tables (`socialanalyse.data.Data`):

- `screen(data, params, as_of=None)`: every rule (see `REGLER`) over every grant; one row per
  flag with the evidence and a savings potential range (potentiale_lav/potentiale_hoej).
- `prioritize(flags)`: one review row per grant, most expected gain first, reasons in Danish.
- `review_sheet(liste, data, params)`: the list as the Excel sheet the myndighed fills in.
- `read_decisions(path, data)`: reads the filled-in sheet back (the only I/O here) and
  `realized_savings(decisions, data, params)`: realised savings per month, annualised, against
  the political goal, and the hit rate per rule.
- The monthly routine: `read_decision_folder(folder, data)` reads every meeting's filled
  lists (`Beslutninger`: the latest decision per grant and what could not be used),
  `remember(liste, beslutninger, data, params)` marks what changed and leaves out what was
  decided recently (`Hukommelse`), `meeting_pack` splits the list per afdeling,
  `observed_shares` replaces the assumed shares by the observed ones and `against_expected`
  sets realised against expected per rule; `decisions_so_far(data, params, chosen)` does the
  reading, realising and observing in one call (`Rutine`).
- `summarize`, `price_categories`, `rescreen` (the widget callback) for the notebook.
- Shared with indkoeb (one definition each): `peer_prices` (the peer median per grant),
  `above_peers` and `peer_gap` (the rule pris_over_sammenlignelige), `exceeds_index` (the
  rule prisstigning's threshold) and `need_band` (need level 0-4 at the start).

`params` is always the full `Parametre`: the `servicetjek` section holds the thresholds, and
the top-level `prisindeks` regulates prices to the reference year. The reference date
(`as_of`) defaults to the last day of the latest payment month in the data.
"""

from .base import ServicetjekFejl, need_band, reference_date, screening_base
from .catalog import REGLER, Regel
from .decisions import decision_folder, read_decision_folder, read_decisions
from .history import Beslutninger, combine_decisions
from .memory import Hukommelse, meeting_pack, remember
from .observed import Andele, against_expected, observed_shares
from .rescreen import Genscreening, rescreen
from .review import (
    BESLUTNINGER,
    BeslutningsFejl,
    Realiseret,
    prioritize,
    realized_savings,
    review_sheet,
    validate_decisions,
)
from .routine import Rutine, decisions_so_far
from .rules import above_peers, exceeds_index, peer_gap, peer_prices
from .screening import (
    FLAG_COLUMNS,
    Oversigt,
    Priskategorier,
    antal_pr_regel,
    combine,
    price_categories,
    screen,
    shares,
    summarize,
    with_overrides,
)

__all__ = [
    "BESLUTNINGER",
    "FLAG_COLUMNS",
    "REGLER",
    "Andele",
    "Beslutninger",
    "BeslutningsFejl",
    "Genscreening",
    "Hukommelse",
    "Oversigt",
    "Priskategorier",
    "Realiseret",
    "Regel",
    "Rutine",
    "ServicetjekFejl",
    "above_peers",
    "against_expected",
    "antal_pr_regel",
    "combine",
    "combine_decisions",
    "decision_folder",
    "decisions_so_far",
    "exceeds_index",
    "meeting_pack",
    "need_band",
    "observed_shares",
    "peer_gap",
    "peer_prices",
    "price_categories",
    "prioritize",
    "read_decision_folder",
    "read_decisions",
    "realized_savings",
    "reference_date",
    "remember",
    "rescreen",
    "review_sheet",
    "screen",
    "screening_base",
    "shares",
    "summarize",
    "validate_decisions",
    "with_overrides",
]
