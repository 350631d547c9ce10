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
