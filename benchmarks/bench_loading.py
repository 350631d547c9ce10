"""How fast the loader reads a big betalinger extract in Danish CSV format.

København-size betalinger is tens of millions of payment lines over five years. This writes a
minimal municipality whose betalinger.csv has N lines as a Danish export writes them
(semicolons, '1.234,50' amounts, '01-03-2025' periods, Windows-1252), then times
`socialanalyse.data.load` and prints rows per second and the peak memory.

    python benchmarks/bench_loading.py            # 2 million lines
    python benchmarks/bench_loading.py 20000000   # closer to København
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from helpers import minimal_tables, write_minimal_kommune

from socialanalyse.data import load
from socialanalyse.data.loading import _load_table  # noqa: F401  (profiling hook)


def danish_amounts(values: np.ndarray) -> pa.Array:
    """Format amounts as 1.234,50 (vectorised through pyarrow)."""
    import pyarrow.compute as pc

    cents = np.round(np.abs(values) * 100).astype(np.int64)
    kroner, oere = cents // 100, cents % 100
    text = pc.cast(pa.array(kroner), pa.string())
    # Insert thousand dots from the right: at most 3 groups for these sizes.
    for _ in range(3):
        text = pc.replace_substring_regex(text, r"(\d)(\d{3})(?:$|(\.))", r"\1.\2\3")
    text = pc.binary_join_element_wise(text, pc.utf8_lpad(pc.cast(pa.array(oere), pa.string()),
                                                          2, "0"), ",")
    sign = pa.array(np.where(values < 0, "-", ""))
    return pc.binary_join_element_wise(sign, text, "")


def write_betalinger(path: Path, n: int, grants: list[str]) -> None:
    rng = np.random.default_rng(1)
    months = np.array([f"01-{m:02d}-{y}" for y in range(2021, 2027) for m in range(1, 13)])
    table = pa.table({
        "bevilling_id": pa.array(rng.choice(grants, n)),
        "leverandoer_id": pa.array(rng.choice(["L1", "L2"], n)),
        "periode": pa.array(rng.choice(months, n)),
        "beloeb": danish_amounts(rng.normal(40000, 30000, n)),
        "funktion": pa.array(rng.choice(["5.38.52", "5.38.38", "5.28.23"], n)),
    })
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(delimiter=";",
                                                                   quoting_style="none"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    with tempfile.TemporaryDirectory() as tmp:
        kommune = write_minimal_kommune(Path(tmp))
        grants = list(minimal_tables()["bevillinger"]["bevilling_id"])
        path = kommune.path("betalinger")
        t0 = time.perf_counter()
        write_betalinger(path, n, grants)
        size = path.stat().st_size / 1e6
        print(f"skrev {n:,} betalingslinjer ({size:,.0f} MB) på {time.perf_counter() - t0:.1f} s")
        t0, c0 = time.perf_counter(), time.process_time()
        data = load(kommune.slug, root=kommune.root)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert len(data.betalinger) == n
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB -> GB on Linux
        print(f"indlæste {n:,} linjer på {seconds:.1f} s = {n / seconds:,.0f} linjer/s; "
              f"{size / seconds:,.0f} MB/s; CPU-tid {cpu:.1f} s; største hukommelsesforbrug "
              f"{peak:.1f} GB")


if __name__ == "__main__":
    main()
