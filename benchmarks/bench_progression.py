"""Speed of the effect and progression analyses on København-size data.

Target: every step of notebook 02 (individual progression, goals, the intervention with its
sensitivity variants, §107 durations, monthly counts) under 10 seconds each on 2 cores, on the
synthetic municipality with 650,000 inhabitants. Prints sizes and times; exits 1 if a target
is missed.

    .venv/bin/python benchmarks/bench_progression.py [--indbyggere 650000]
"""

from __future__ import annotations

import resource
import sys
import time

from _common import synthetic_data

TARGET_SECONDS = 10.0


def main() -> int:
    args, data, seconds = synthetic_data(__doc__.splitlines()[0])

    from socialanalyse import progression as pr
    from socialanalyse.config import load_parameters
    print(f"data: {args.indbyggere:,} indbyggere, {len(data.vurderinger):,} vurderingsrækker, "
          f"{len(data.maal):,} mål, {len(data.bevillinger):,} bevillinger, genereret og "
          f"valideret på {seconds:.1f} s")
    p = load_parameters("eksempelkommune").progression
    steps = {
        "individuel progression": lambda: pr.individual_progression(
            data.vurderinger, p.klassifikation, reliability=p.reliabilitet,
            sd=p.standardafvigelse, minimum_change=p.mindste_aendring,
            metode=p.vurderingsmetode),
        "mål mod måltype": lambda: pr.judge_goals(
            data.maal, data.vurderinger, p.klassifikation, reliability=p.reliabilitet,
            sd=p.standardafvigelse, minimum_change=p.mindste_aendring,
            metode=p.vurderingsmetode),
        "indsats + følsomhed (4 estimater)": lambda: pr.sensitivity(data, p),
        "varighed §107": lambda: pr.compare_durations(
            pr.stays(data.bevillinger, p.varighed_paragraf, pr.opgoerelsesdato(data),
                     p.sammenhaeng_dage), pr.cutoff(p)),
        "antal pr. måned": lambda: pr.count_change(
            pr.monthly_for(data, p.antal_paragraf), p.indsats.start, p.antal_maal),
    }
    slow = []
    for name, step in steps.items():
        t = time.perf_counter()
        step()
        seconds = time.perf_counter() - t
        print(f"{name}: {seconds:.2f} s")
        if seconds > TARGET_SECONDS:
            slow.append(name)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"højeste hukommelsesforbrug: {peak:,.0f} MB")
    if slow:
        print(f"For langsomt (over {TARGET_SECONDS:.0f} s): {', '.join(slow)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
