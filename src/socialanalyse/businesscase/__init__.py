"""Business cases: an investment against the gains it brings, over years, by payer.

A case is a YAML file in parameters/business_cases/ (schema in `model`). `load` reads and
validates it; `evaluate` gives yearly flows per line and payer, net present value, payback
year and break-even; `sensitivity` and `monte_carlo` show the uncertainty; `from_data` fills
prices and quantities from a municipality's own data; `follow_up` compares a case with what the
data show after the decision (its `opfoelgning` section). Conventions (years, discounting, signs)
are stated in `evaluate`.
"""

from .evaluate import (
    Resultat,
    assumptions_table,
    break_even,
    compare_scenarios,
    default_break_even_inputs,
    discount_factors,
    evaluate,
    npv,
    npv_by_level,
    payback_year,
    rates,
)
from .followup import Opfoelgningsresultat, follow_up
from .link import data_values, from_data, last_whole_year, measure, reference_date
from .model import (
    BusinessCase,
    DataKobling,
    Fordeling,
    Gevinst,
    Udgift,
    available_cases,
    cases_dir,
    get_value,
    input_kind,
    input_label,
    load,
    parse_case,
    with_scenario,
    with_values,
)
from .uncertainty import MonteCarloResultat, draw, monte_carlo, sensitivity

__all__ = [
    "BusinessCase",
    "DataKobling",
    "Fordeling",
    "Gevinst",
    "MonteCarloResultat",
    "Opfoelgningsresultat",
    "Resultat",
    "Udgift",
    "assumptions_table",
    "available_cases",
    "break_even",
    "cases_dir",
    "compare_scenarios",
    "data_values",
    "default_break_even_inputs",
    "discount_factors",
    "draw",
    "evaluate",
    "follow_up",
    "from_data",
    "get_value",
    "input_kind",
    "input_label",
    "last_whole_year",
    "load",
    "measure",
    "monte_carlo",
    "npv",
    "npv_by_level",
    "parse_case",
    "payback_year",
    "rates",
    "reference_date",
    "sensitivity",
    "with_scenario",
    "with_values",
]
