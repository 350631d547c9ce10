"""Speed of the cluster step (socialanalyse.klynge) for 10 members.

Target: combining ten members' aggregates and running every cluster function under 10 seconds
on 2 cores. The members are ten synthetic municipalities of --indbyggere inhabitants (seeds 1
to 10, aggregates built once each; building is part of each member's own run, timed apart).
Prints the sizes and the time of each step; exits 1 if the target is missed.

    .venv/bin/python benchmarks/bench_klynge.py [--indbyggere 60000] [--medlemmer 10]
"""

from __future__ import annotations

import argparse
import sys
import time

TARGET_SECONDS = 10.0
SLUGS = ["holstebro", "herning", "ikast-brande", "struer", "lemvig", "ringkoebing-skjern",
         "skive", "viborg", "silkeborg", "thisted", "randers", "aarhus"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indbyggere", type=int, default=60_000)
    parser.add_argument("--medlemmer", type=int, default=10)
    args = parser.parse_args()

    from socialanalyse import klynge as K
    from socialanalyse.config import load_parameters
    from socialanalyse.data import Data
    from socialanalyse.data.synthetic import generate

    members, build = [], []
    for i, slug in enumerate(SLUGS[:args.medlemmer]):
        params = load_parameters("eksempelkommune").model_copy(
            update={"kommune": slug, "navn": slug.title()})
        data = Data.from_tables(generate(indbyggere=args.indbyggere, seed=i + 1).tables)
        t = time.perf_counter()
        members.append(K.build_aggregater(data, params))
        build.append(time.perf_counter() - t)
    print(f"{len(members)} medlemmer à {args.indbyggere:,} indbyggere; aggregater bygget på "
          f"{min(build):.1f}-{max(build):.1f} s pr. medlem (del af medlemmets egen kørsel)")

    steps = {}
    t0 = time.perf_counter()
    t = time.perf_counter()
    both = K.combine(members)
    for m in members:
        K.check_aggregater(m, int(m.metadata["diskretion"].iloc[0]))
    steps["combine + check"] = time.perf_counter() - t
    t = time.perf_counter()
    spread = K.price_spread(both.priser)
    steps["price_spread"] = time.perf_counter() - t
    t = time.perf_counter()
    K.market_weight(both.forbrug)
    steps["market_weight"] = time.perf_counter() - t
    t = time.perf_counter()
    matches = K.capacity_matches(both.kapacitet, both.eksterne_koeb, 5)
    steps["capacity_matches"] = time.perf_counter() - t
    t = time.perf_counter()
    K.takst_development(both.forbrug, 0.025, 0.0)
    steps["takst_development"] = time.perf_counter() - t
    t = time.perf_counter()
    K.key_figure_benchmark(both.noegletal)
    steps["key_figure_benchmark"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"rækker: priser {len(both.priser):,}, forbrug {len(both.forbrug):,}, kapacitet "
          f"{len(both.kapacitet):,}; fælles prisgrupper {len(spread):,}, match {len(matches):,}")
    for name, seconds in steps.items():
        print(f"  {name:22s} {seconds:6.2f} s")
    ok = total < TARGET_SECONDS
    print(f"klyngetrinnet i alt: {total:.2f} s (mål: under {TARGET_SECONDS:.0f} s) "
          f"{'OK' if ok else 'FOR LANGSOMT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
