"""What the København-size benchmarks share: the command line and the synthetic data."""

from __future__ import annotations

import argparse
import time


def synthetic_data(description: str, default_indbyggere: int = 650_000):
    """Parse --indbyggere/--seed, generate and validate the synthetic municipality.

    Returns (args, Data, seconds it took).
    """
    from socialanalyse.data import Data
    from socialanalyse.data.synthetic import generate

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--indbyggere", type=int, default=default_indbyggere)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t = time.perf_counter()
    sample = generate(indbyggere=args.indbyggere, seed=args.seed)
    data = Data.from_tables(sample.tables)
    return args, data, time.perf_counter() - t


class Timings(dict):
    """Step name -> seconds; calling it runs a step, prints its time and returns its result."""

    def __init__(self, width: int = 32):
        super().__init__()
        self.width = width

    def __call__(self, name, fn):
        start = time.perf_counter()
        out = fn()
        self[name] = time.perf_counter() - start
        print(f"{name:<{self.width}} {self[name]:6.2f} s")
        return out
