"""How fast the business-case Monte Carlo simulation is (target: 100,000 draws under 2 seconds).

For each shipped case (or the ones named), times `businesscase.monte_carlo(case, n)` — all draws
evaluated at once as numpy arrays — and prints the time, draws per second and the result.
Also times one deterministic `evaluate` (with break-even) and a tornado table.

    python benchmarks/bench_businesscase.py                 # 100,000 draws, every case
    python benchmarks/bench_businesscase.py 1000000 herning_puls
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from socialanalyse import businesscase as bc

TARGET_SECONDS = 2.0


def best_of(fn, repeat: int = 3) -> float:
    """The fastest of `repeat` runs, in seconds (less noise from other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 100_000
    names = argv[1:] or bc.available_cases()
    print(f"Monte Carlo med {n:,} træk pr. case (mål: under {TARGET_SECONDS:.0f} s)".replace(",", "."))
    print(f"{'case':36} {'inputs':>6} {'MC s':>7} {'træk/s':>12} {'P(gevinst)':>10} "
          f"{'evaluate ms':>11} {'tornado ms':>10}")
    worst = 0.0
    for name in names:
        case = bc.load(name)
        seconds = best_of(lambda case=case: bc.monte_carlo(case, n, seed=1))
        mc = bc.monte_carlo(case, n, seed=1)
        ev = best_of(lambda case=case: bc.evaluate(case)) * 1000
        tornado = best_of(lambda case=case: bc.sensitivity(case)) * 1000
        worst = max(worst, seconds)
        print(f"{name:36} {len(case.usikkerhed):>6} {seconds:>7.3f} {n / seconds:>12,.0f} "
              f"{mc.sandsynlighed_for_gevinst:>10.1%} {ev:>11.1f} {tornado:>10.1f}")
    verdict = "OK" if worst < TARGET_SECONDS else "FOR LANGSOMT"
    print(f"Langsomste: {worst:.3f} s for {n:,} træk — {verdict}".replace(",", "."))
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
