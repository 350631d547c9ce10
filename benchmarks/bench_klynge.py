"""Speed of the cluster step (socialanalyse.klynge) for 10 members.

Target: reading ten members' aggregates from their runs' aggregater/ folders (as notebook 09
does: views.klynge.read_members) and running every cluster function (klynge.analyse) under
10 seconds on 2 cores. The members are ten synthetic municipalities of --indbyggere inhabitants (seeds 1
to 10, aggregates built once each; building is part of each member's own run, timed apart).
Prints the sizes and the time of each step; exits 1 if the target is missed.

    .venv/bin/python benchmarks/bench_klynge.py [--indbyggere 60000] [--medlemmer 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 10.0
RUN_ID = "20261101-120000-intern"
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
    from socialanalyse.runner.finalize import point_latest
    from socialanalyse.views.klynge import read_members

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

    # Each member's aggregates as its run wrote them (aggregater/ under output/<slug>/seneste).
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "output"
        for m in members:
            slug = str(m.metadata["kommune"].iloc[0])
            run = out / slug / RUN_ID
            run.mkdir(parents=True)
            K.write_aggregater(m, run / "aggregater", int(m.metadata["diskretion"].iloc[0]))
            point_latest(out / slug, RUN_ID)
        slugs = [str(m.metadata["kommune"].iloc[0]) for m in members]
        steps = {}
        t = time.perf_counter()
        both, status = read_members(out, slugs, 10_000)  # what notebook 09 reads
        steps["read_members (filer)"] = time.perf_counter() - t
        for name, fn in (
            ("price_spread", lambda: K.price_spread(both.priser)),
            ("market_weight", lambda: K.market_weight(both.forbrug)),
            ("capacity_matches", lambda: K.capacity_matches(both.kapacitet, both.eksterne_koeb, 5)),
            ("takst_development", lambda: K.takst_development(both.forbrug, 0.025, 0.0)),
            ("key_figure_benchmark", lambda: K.key_figure_benchmark(both.noegletal)),
        ):
            t = time.perf_counter()
            fn()
            steps[name] = time.perf_counter() - t
        t = time.perf_counter()
        res = K.analyse(both, prisindeks=0.025, takstloft=0.0)
        steps["analyse (alt i ét)"] = time.perf_counter() - t
        total = steps["read_members (filer)"] + steps["analyse (alt i ét)"]
    assert (status["status"] == "ok").all()
    print(f"rækker: priser {len(both.priser):,}, forbrug {len(both.forbrug):,}, kapacitet "
          f"{len(both.kapacitet):,}; fælles prisrækker {len(res.priser):,}, "
          f"match {len(res.match):,}")
    for name, seconds in steps.items():
        print(f"  {name:22s} {seconds:6.2f} s")
    ok = total < TARGET_SECONDS
    print(f"klyngetrinnet i alt: {total:.2f} s (mål: under {TARGET_SECONDS:.0f} s) "
          f"{'OK' if ok else 'FOR LANGSOMT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
