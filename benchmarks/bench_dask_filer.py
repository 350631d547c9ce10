"""What sending the files costs on Dask (--dask-filer send against delt; prints figures).

1. Packing one municipality's inputs (runner.bundle.pack_inputs: parameters, data folder,
   notebooks) into the zip a worker gets: seconds and megabytes, and unpacking it.
2. `socialanalyse run --executor dask --workers 1` for the same notebooks with
   `--dask-filer delt` and `--dask-filer send` (a LocalCluster started by the run): wall time,
   and the size of the run folder that came back.

The municipality is eksempelkommune in a temporary project folder, generated at
--indbyggere (default 45.000, as `make sample`).

Usage: python benchmarks/bench_dask_filer.py [--indbyggere N] [--notebook 00 ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indbyggere", type=int, default=45_000)
    parser.add_argument("--notebook", action="append", default=None,
                        help="notebooks to run (default 00_datagrundlag and 01_servicetjek)")
    args = parser.parse_args()
    notebooks = args.notebook or ["00_datagrundlag", "01_servicetjek"]

    from socialanalyse.data import synthetic
    from socialanalyse.runner import build_plan, bundle

    with tempfile.TemporaryDirectory(prefix="bench-dask-filer-") as tmp:
        root = Path(tmp) / "projekt"
        shutil.copytree(REPO / "parameters", root / "parameters")
        t = time.perf_counter()
        synthetic.write_sample("eksempelkommune", args.indbyggere, 1,
                               root / "data" / "eksempelkommune")
        size = f"{args.indbyggere:,}".replace(",", ".")
        print(f"eksempelkommune, {size} indbyggere: data skrevet på "
              f"{time.perf_counter() - t:.1f} s "
              f"({_megabytes(_folder_bytes(root / 'data' / 'eksempelkommune'))})")

        p = build_plan(["eksempelkommune"], root=root, notebooks=notebooks,
                       notebooks_dir=REPO / "notebooks", out=Path(tmp) / "output")
        t = time.perf_counter()
        data = bundle.pack_inputs(p.jobs[0], p.parametre["eksempelkommune"])
        packed = time.perf_counter() - t
        t = time.perf_counter()
        bundle._extract(data, Path(tmp) / "udpakket")
        print(f"1. inputs pakket: {packed:.2f} s, {_megabytes(len(data))}; "
              f"pakket ud: {time.perf_counter() - t:.2f} s")

        walls = {}
        for mode in ("delt", "send"):
            out = Path(tmp) / f"output_{mode}"
            command = [sys.executable, "-m", "socialanalyse.cli", "run", "--kommune",
                       "eksempelkommune", "--root", str(root), "--notebooks-dir",
                       str(REPO / "notebooks"), "--out", str(out), "--executor", "dask",
                       "--workers", "1", "--dask-filer", mode, "--quiet"]
            for name in notebooks:
                command += ["--notebook", name]
            t = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False,
                                  cwd=tmp)
            walls[mode] = time.perf_counter() - t
            if done.returncode != 0:
                print(done.stdout + done.stderr)
                raise SystemExit(f"kørslen med --dask-filer {mode} fejlede")
            run = next(d for d in (out / "eksempelkommune").iterdir() if d.name != "seneste")
            print(f"2. --dask-filer {mode}: {walls[mode]:.1f} s wall "
                  f"({len(notebooks)} notebook(s)); kørselsmappen {_megabytes(_folder_bytes(run))}")
        print(f"   send / delt: {walls['send'] / walls['delt']:.2f}")


if __name__ == "__main__":
    main()
