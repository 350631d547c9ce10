"""Speed of the capacity analyses (socialanalyse.kapacitet) on København-size data.

Target: `occupancy` over 60 months, and all of kapacitet together (occupancy, hjemtagning,
self-sufficiency, the indsatstrappe and the need for places; the budget forecast it reads is
budget's and timed in bench_budget.py), under 5 seconds on 2 cores, on the synthetic
municipality with 650,000 inhabitants. Prints the sizes and the time of each step; exits 1 if
a target is missed.

    .venv/bin/python benchmarks/bench_kapacitet.py [--indbyggere 650000]
"""

from __future__ import annotations

import resource
import sys

from _common import Timings, synthetic_data

TARGET_SECONDS = 5.0


def main() -> int:
    args, data, seconds = synthetic_data(__doc__.splitlines()[0])

    from socialanalyse import budget as B
    from socialanalyse import kapacitet as K
    from socialanalyse.config import load_parameters

    on_offer = data.bevillinger["tilbud_id"].notna().sum()
    print(f"data: {args.indbyggere:,} indbyggere, {len(data.bevillinger):,} bevillinger "
          f"({on_offer:,} i {len(data.tilbud):,} egne tilbud), genereret og valideret på "
          f"{seconds:.1f} s")
    params = load_parameters("eksempelkommune")
    ind = K.Indstillinger.fra(params)
    bind = B.Indstillinger.fra(params)
    frem = B.forecast(data, bind, B.expected_year_end(data, ind=bind))

    timed = Timings(36)

    bel = timed("occupancy (60 måneder)", lambda: K.occupancy(data, months=60, ind=ind))
    print(f"  {len(bel.maaned):,} rækker (tilbud × måned), "
          f"{bel.maaned['maaned'].nunique()} måneder")
    hjem = timed("homecoming_candidates", lambda: K.homecoming_candidates(data, ind, bel))
    print(f"  {hjem.antal:,} kandidater, {hjem.antal_inden_for_pladser:,} inden for de ledige "
          "pladser")
    timed("self_sufficiency", lambda: K.self_sufficiency(data, maal=ind.selvforsyning_maal))
    trappe = timed("staircase", lambda: K.staircase(data, ind=ind))
    print(f"  {len(trappe.datoer)} datoer, {int(trappe.overgange['antal'].sum()):,} skift "
          "mellem trin")
    timed("capacity_need", lambda: K.capacity_need(data, ind, frem))
    total = sum(timed.values())
    print(f"{'kapacitet i alt':<36} {total:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max. hukommelse (RSS): {peak:,.0f} MB")
    missed = [name for name, value in (("occupancy", timed["occupancy (60 måneder)"]),
                                       ("kapacitet i alt", total)) if value > TARGET_SECONDS]
    if missed:
        print(f"MÅL IKKE NÅET (< {TARGET_SECONDS:.0f} s): {', '.join(missed)}")
        return 1
    print(f"mål nået: occupancy og hele kapacitet under {TARGET_SECONDS:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
