"""Benchmark: time and peak memory of the synthetic municipality generator.

Targets (issue: data foundation): generate for 45,000 inhabitants in under 5 s, for
København (650,000) in under 60 s on 2 cores. Each size runs in a fresh process so the peak
memory (max RSS) belongs to that size alone. Also times write_sample at 45,000.

    .venv/bin/python benchmarks/bench_synthetic.py [--sizes 45000 650000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TARGETS = {45_000: 5.0, 650_000: 60.0}


def _child(size: int, seed: int, write: bool) -> dict:
    from socialanalyse.data import synthetic

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    sample = synthetic.generate("eksempelkommune", size, seed)
    seconds = time.perf_counter() - t0
    out = {
        "indbyggere": size,
        "sekunder": round(seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_over_import_mb": round(
            (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024, 1),
        "raekker": {k: len(v) for k, v in sample.tables.items()},
    }
    if write:
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            synthetic.write_sample("eksempelkommune", size, seed, folder)
            out["write_sample_sekunder"] = round(time.perf_counter() - t0, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[45_000, 650_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.seed, args.write)))
        return
    print(f"CPU-kerner: {os.cpu_count()}")
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        if size <= 100_000:
            cmd.append("--write")
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        target = TARGETS.get(size)
        verdict = "" if target is None else (
            f"  (mål < {target:g} s: {'OK' if r['sekunder'] < target else 'FOR LANGSOM'})")
        print(f"generate({size:,} indbyggere): {r['sekunder']:.2f} s{verdict}; "
              f"peak RSS {r['peak_mb']:.0f} MB ({r['peak_over_import_mb']:.0f} MB over import)")
        if "write_sample_sekunder" in r:
            print(f"  write_sample (generate + filer): {r['write_sample_sekunder']:.2f} s")
        print("  rækker: " + ", ".join(f"{k} {v:,}" for k, v in r["raekker"].items()))


if __name__ == "__main__":
    main()
