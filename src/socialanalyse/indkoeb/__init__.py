"""Indkøb: the municipality as a buyer of social services (notebook 06_indkoeb).

Deloitte's study for SIMB (seed 003) is about how municipalities buy external residential
places, and KL's recommendation 12 asks them to "styrke indkøbspraksis og skabe gennemsigtighed
mellem pris og kvalitet". Plain functions over the canonical tables (`socialanalyse.data.Data`),
no I/O; each returns a small frozen dataclass whose `mangler` is a Danish reason when an
optional table it needs is missing (its tables are then empty, with their columns):

- `supplier_overview(data, years=None)`: spending, grants, citizens and full-year persons per
  provider and year, totals and trend per provider type, concentration per paragraph (top 5,
  Herfindahl index, how many providers carry 80 % of the spending).
- `price_development(data, params)`: the unit price paid per provider, paragraph and unit per
  year against the price index; rises above index + margin by the prisstigning rule's
  definition (`servicetjek.exceeds_index`).
- `own_vs_external(data, year=None)`: cost per full-year person and per unit for own provision
  and each external provider type, per paragraph and need level at the start, with the spread.
- `contract_coverage(data, year=None)`, `contract_calendar(data, months=12)`: standard-contract
  coverage of external purchases and the tillæg share per provider; contracts expiring or due
  for renegotiation with the spending at stake (needs `kontrakter`).
- `negotiation_list(data, params)`: external providers ranked by the potential of bringing
  their prices to the peer median (servicetjek's peer median and gap), as a low-high range.
- `price_calculator(prislister, ydelse, omfang)`: the yearly cost of a service and volume per
  provider on its price list, ranked (needs `prislister`); `services(prislister)` lists them.
- `price_quality(data, params)`: each provider's price against its peers and its latest
  supervision score, in four quadrants (needs `tilsyn`).
- `procurement_savings(data, params)`: the saving from renegotiated prices against the
  political target `indkoeb.besparelsesmaal`.

`params` is always the full `Parametre` (the indkoeb section, the servicetjek keys for the peer
comparison and price-rise margin, and the top-level prisindeks). Counts of citizens and grants
are returned with every figure so a view can suppress small ones for the byråd. Work shared by
several functions can be done once and passed on: `aarstal=year_figures(data)` (supplier
overview, price development, own vs external, contract coverage) and
`base=screening_base(data, params)` (negotiation list, price and quality; servicetjek's,
re-exported here so the workbook needs no other analysis).
"""

from ..servicetjek import screening_base
from .egen_drift import EgneModEksterne, own_vs_external, weighted_quantile
from .forhandling import (
    KVADRANTER,
    Forhandlingsliste,
    PrisOgKvalitet,
    latest_scores,
    negotiation_list,
    peer_comparison,
    price_quality,
    provider_prices,
    quadrant,
)
from .gevinster import Indkoebsgevinster, procurement_savings
from .grundlag import Aarstal, Resultat, year_figures
from .kontrakter import (
    Kontraktdaekning,
    Kontraktkalender,
    contract_calendar,
    contract_coverage,
    covering_contracts,
)
from .leverandoerer import Leverandoeroverblik, concentration, supplier_overview
from .prisberegner import Prisberegning, price_calculator, services
from .prisudvikling import Prisudvikling, price_development

__all__ = [
    "KVADRANTER",
    "Aarstal",
    "EgneModEksterne",
    "Forhandlingsliste",
    "Indkoebsgevinster",
    "Kontraktdaekning",
    "Kontraktkalender",
    "Leverandoeroverblik",
    "PrisOgKvalitet",
    "Prisberegning",
    "Prisudvikling",
    "Resultat",
    "concentration",
    "contract_calendar",
    "contract_coverage",
    "covering_contracts",
    "latest_scores",
    "negotiation_list",
    "own_vs_external",
    "peer_comparison",
    "price_calculator",
    "price_development",
    "price_quality",
    "procurement_savings",
    "provider_prices",
    "quadrant",
    "screening_base",
    "services",
    "supplier_overview",
    "weighted_quantile",
    "year_figures",
]
