"""Budget as a steering tool: price × quantity, expected year-end, deviations, drivers, forecast.

KL recommends a differentiated budget with explicit assumptions about price and quantity,
based on history, with uncertainty, followed at least quarterly (Halsnæs: expected year-end ten
times a year, deviations explained on concrete citizens and prices).

- `differentiated_budget(data, year)`: per line budget = full-year persons × unit price.
- `expected_year_end(data, year, as_of)`: paid so far + active grants to the year's end +
  expected new - expected ended, with a band from backtests in earlier years.
- `variance(budget, expected, by=...)`: deviation split into mængde, pris and mix (exact).
- `causes(data, year, as_of)`: the concrete grants behind the deviations (intern).
- `cost_drivers(data, years)`: growth split into more citizens, more volume per citizen,
  price regulation and real price (Shapley, exact).
- `forecast(data, ind, forventet)`: the next budget years with lav/basis/høj and a buffer.

Settings come from `Indstillinger.fra(parametre)`. No I/O, plotting or printing here.
"""

from .afvigelse import (
    actual,
    cause_summary,
    causes,
    differentiated_budget,
    variance,
)
from .drivere import cost_drivers, shapley_product
from .fremskrivning import Fremskrivning, budget_from_forecast, forecast, history, scenario
from .grundlag import (
    OEVRIGE,
    Indstillinger,
    assign_lines,
    complete_years,
    opgoerelsesdato,
    reference_month,
)
from .prognose import ForventetRegnskab, expected_by_month, expected_year_end

__all__ = [
    "OEVRIGE",
    "ForventetRegnskab",
    "Fremskrivning",
    "Indstillinger",
    "actual",
    "assign_lines",
    "budget_from_forecast",
    "cause_summary",
    "causes",
    "complete_years",
    "cost_drivers",
    "differentiated_budget",
    "expected_by_month",
    "expected_year_end",
    "forecast",
    "history",
    "opgoerelsesdato",
    "reference_month",
    "scenario",
    "shapley_product",
    "variance",
]
