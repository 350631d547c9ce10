"""Speed of the budget and key-figure analyses on København-size data.

Target: `budget.expected_year_end` and `noegletal.compute` under 10 seconds each on 2 cores,
on the synthetic municipality with 650,000 inhabitants and five years of monthly payments.
Prints the sizes and the time of each step; exits 1 if a target is missed.

    .venv/bin/python benchmarks/bench_budget.py [--indbyggere 650000]
"""

from __future__ import annotations

import resource
import sys

from _common import Timings, synthetic_data

TARGET_SECONDS = 10.0


def main() -> int:
    args, data, seconds = synthetic_data(__doc__.splitlines()[0])

    from socialanalyse import budget as B
    from socialanalyse import noegletal as N
    from socialanalyse.config import load_parameters
    print(f"data: {args.indbyggere:,} indbyggere, {len(data.bevillinger):,} bevillinger, "
          f"{len(data.betalinger):,} betalingslinjer "
          f"({data.betalinger['periode'].min():%m.%Y}-{data.betalinger['periode'].max():%m.%Y}),"
          f" genereret og valideret på {seconds:.1f} s")
    params = load_parameters("eksempelkommune")
    ind = B.Indstillinger.fra(params)

    timed = Timings()

    fr = timed("budget.expected_year_end", lambda: B.expected_year_end(data, ind=ind))
    timed("noegletal.compute", lambda: N.compute(data, params, forventet=fr.linjer["forventet"]))
    bud = timed("budget.differentiated_budget", lambda: B.differentiated_budget(data, fr.aar, ind))
    timed("budget.variance", lambda: B.variance(bud, fr, by="kategori"))
    timed("budget.causes", lambda: B.causes(data, ind=ind, n=ind.antal_aarsager))
    timed("budget.cost_drivers", lambda: B.cost_drivers(data, ind=ind))
    timed("budget.forecast", lambda: B.forecast(data, ind, fr))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max. hukommelse (RSS): {peak:,.0f} MB")
    missed = [k for k in ("budget.expected_year_end", "noegletal.compute")
              if timed[k] > TARGET_SECONDS]
    if missed:
        print(f"MÅL IKKE NÅET (< {TARGET_SECONDS:.0f} s): {', '.join(missed)}")
        return 1
    print(f"mål nået: expected_year_end og compute under {TARGET_SECONDS:.0f} s hver")
    return 0


if __name__ == "__main__":
    sys.exit(main())
