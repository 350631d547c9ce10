"""Effect and progression (KL: "vær nysgerrige på måder at måle effekt og progression").

Plain functions over the canonical tables:
- `individual`: each citizen's change in VUM level per theme and overall, classified as
  progression / stabil / regression (Reliable Change Index or a minimum change) and judged
  against the goal type; goal attainment rates.
- `estimates`: `Estimate` and the estimators (two groups, before/after, difference in
  differences, reliable change, rate change, bootstrap).
- `intervention`: the analysis data set for one intervention with a comparison group, and
  its effect estimates; monthly counts; the success criterion.
- `duration`: time in a paragraph (e.g. §107) with censoring: Kaplan–Meier and log-rank.
- `udvikling`: development cases (temporary offers, Udvikle goals) and whether they progressed
  after N months in the offer (shared by opfølgning and the servicetjek rule).

VUM direction: a LOWER level is better (0 = no reduced function); negative changes and
negative effect estimates are improvements.
"""

from .duration import (
    DurationComparison,
    compare_durations,
    median_durations,
    stays,
    survival_curves,
)
from .estimates import (
    Estimate,
    ReliableChange,
    bootstrap_estimate,
    compare_groups,
    did_means,
    difference_in_differences,
    paired_change,
    paired_values,
    rate_change,
    reliable_change,
    standardised_difference,
)
from .individual import (
    PROGRESSION,
    REGRESSION,
    SAMLET,
    STABIL,
    baseline_sd,
    changes,
    citizen_offer_at,
    classify,
    goal_attainment,
    goal_success,
    hide_small_shares,
    individual_progression,
    judge_goals,
    levels,
    offers_in_period,
    progression_by,
    progression_shares,
    trajectories,
)
from .intervention import (
    Indsats,
    InterventionResult,
    analyse_intervention,
    before_after,
    choose_groups,
    count_change,
    intervention_frame,
    intervention_grants,
    intervention_options,
    match_on_baseline,
    monthly_counts,
    success,
)
from .summary import (
    cutoff,
    estimates_table,
    indsats,
    monthly_for,
    opgoerelsesdato,
    outcome_options,
    sensitivity,
    settings,
)
from .udvikling import (
    IKKE_UDREDT,
    INGEN_PROGRESSION,
    Udviklingssager,
    development_cases,
    progression_status,
)

__all__ = [
    "IKKE_UDREDT",
    "INGEN_PROGRESSION",
    "PROGRESSION",
    "REGRESSION",
    "SAMLET",
    "STABIL",
    "DurationComparison",
    "Estimate",
    "Indsats",
    "InterventionResult",
    "ReliableChange",
    "Udviklingssager",
    "analyse_intervention",
    "baseline_sd",
    "before_after",
    "bootstrap_estimate",
    "changes",
    "choose_groups",
    "citizen_offer_at",
    "classify",
    "compare_durations",
    "compare_groups",
    "count_change",
    "cutoff",
    "development_cases",
    "did_means",
    "difference_in_differences",
    "estimates_table",
    "goal_attainment",
    "goal_success",
    "hide_small_shares",
    "individual_progression",
    "indsats",
    "intervention_frame",
    "intervention_grants",
    "intervention_options",
    "judge_goals",
    "levels",
    "match_on_baseline",
    "median_durations",
    "monthly_counts",
    "monthly_for",
    "offers_in_period",
    "opgoerelsesdato",
    "outcome_options",
    "paired_change",
    "paired_values",
    "progression_by",
    "progression_shares",
    "progression_status",
    "rate_change",
    "reliable_change",
    "sensitivity",
    "settings",
    "standardised_difference",
    "stays",
    "success",
    "survival_curves",
    "trajectories",
]
