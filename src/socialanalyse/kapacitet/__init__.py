"""Kapacitet og tilbudsvifte: occupancy of own offers, hjemtagning, self-sufficiency, the
indsatstrappe and the future need for places (KL's recommendation 3: adjust the range of
offers and the capacity to the citizens' needs).

- `occupancy(data, months)`: per own offer and month places, occupied and empty places and
  the cost of empty capacity (belaegning).
- `homecoming_candidates(data, ind)`: citizens in external offers of a paragraph and target
  group where an own offer has had free places for `ledige_maaneder` months, with the yearly
  saving as a range (hjemtagning).
- `self_sufficiency(data, by, years)`: the share of full-year persons in own provision per
  paragraph (or målgruppe) and year against the goal; the nøgletal selvforsyningsgrad is
  this function (selvforsyning).
- `staircase(data, dates)`: citizens per step over time, the flows between steps, step-down
  after §107 and thin steps against the own history and national levels (indsatstrappe).
- `capacity_need(data, ind, forecast)`: the budget forecast's full-year persons against own
  places, with a signal invester / hold / reducer (behov).

Without the tilbud table, occupancy, hjemtagning and the need for places return
`IkkeTilgaengelig` with the reason in Danish; self-sufficiency needs only grants and
providers, the staircase only grants. Settings: `Indstillinger.fra(parametre)`. No I/O,
plotting or printing here.
"""

from .behov import SIGNALER, Kapacitetsbehov, capacity_need
from .belaegning import Belaegning, occupancy
from .grundlag import IkkeTilgaengelig, Indstillinger, own_provision
from .hjemtagning import Hjemtagning, homecoming_candidates
from .indsatstrappe import Indsatstrappe, staircase, step_names
from .selvforsyning import SAMLET, self_sufficiency

__all__ = [
    "SAMLET",
    "SIGNALER",
    "Belaegning",
    "Hjemtagning",
    "IkkeTilgaengelig",
    "Indsatstrappe",
    "Indstillinger",
    "Kapacitetsbehov",
    "capacity_need",
    "homecoming_candidates",
    "occupancy",
    "own_provision",
    "self_sufficiency",
    "staircase",
    "step_names",
]
