"""CPU of writing one municipality's Excel workbooks as its notebooks write them (issue 18:
`report.write_workbook`, ~11 workbooks per municipality, in the kernels).

The notebooks are run once with Papermill (as `socialanalyse run` runs them, parameters
kommune and run_dir) with `report.excel.write_workbook` wrapped so that every call's tables
and options are pickled into --tabeller (kept there: a second run of the benchmark with the
same folder skips the notebooks). Then every recorded workbook is written --gentag times in
this process and the best total CPU time is printed, with the costliest workbooks.

    SOCIALANALYSE_HOME=/tmp/nat/projekt .venv/bin/python benchmarks/bench_excel_kommune.py \\
        --kommune hilleroed --tabeller /tmp/excel-hilleroed [--gentag 3]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Run in the kernel after the parameters cell: records every write_workbook call.
_HOOK = """
import pickle as _pickle, sys as _sys, itertools as _itertools
import socialanalyse.report as _report
_excel = _sys.modules["socialanalyse.report.excel"]
_write, _count = _excel.write_workbook, _itertools.count()
def _recording(tables, path, formats=None, **kw):
    with open(%r + f"/{%r}_{next(_count)}.pkl", "wb") as f:
        _pickle.dump((dict(tables), formats, kw), f)
    return _write(tables, path, formats, **kw)
_excel.write_workbook = _report.write_workbook = _recording
"""


def record(kommune: str, folder: Path, notebooks_dir: Path) -> None:
    """Run a municipality's notebooks (`runner.plan.discover_notebooks`: not the cluster's)
    with the recording hook (tables pickled into `folder`)."""
    import nbformat
    import papermill as pm
    from nbformat.v4 import new_code_cell

    from socialanalyse.runner.plan import discover_notebooks

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for path in discover_notebooks(notebooks_dir):
            nb = nbformat.read(path, as_version=4)
            at = next(i for i, c in enumerate(nb.cells)
                      if "parameters" in c.metadata.get("tags", []))
            nb.cells.insert(at + 1, new_code_cell(_HOOK % (str(folder), path.stem)))
            source = Path(tmp) / path.name
            nbformat.write(nb, source)
            pm.execute_notebook(str(source), str(Path(tmp) / f"{path.stem}.out.ipynb"),
                                parameters={"kommune": kommune, "run_dir": tmp},
                                progress_bar=False, cwd=str(notebooks_dir))
            print(f"  {path.stem}: kørt", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommune", default="eksempelkommune")
    parser.add_argument("--tabeller", type=Path, required=True,
                        help="folder for the recorded tables (reused when it has them)")
    parser.add_argument("--notebooks-dir", type=Path, default=REPO / "notebooks")
    parser.add_argument("--gentag", type=int, default=3)
    args = parser.parse_args()
    if not list(args.tabeller.glob("*.pkl")):
        print(f"Kører {args.kommune}s notebooks for at optage deres Excel-tabeller …")
        record(args.kommune, args.tabeller, args.notebooks_dir.resolve())
    import socialanalyse.report  # noqa: F401  (the module, not the function report.excel)

    excel = sys.modules["socialanalyse.report.excel"]
    recorded = []
    for path in sorted(args.tabeller.glob("*.pkl")):
        with open(path, "rb") as f:
            recorded.append((path.stem, pickle.load(f)))
    per_book: dict[str, float] = {}
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        excel.write_workbook(recorded[0][1][0], Path(tmp) / "opvarm.xlsx")  # imports
        for _ in range(args.gentag):
            total = 0.0
            for stem, (tables, formats, kw) in recorded:
                c0 = time.process_time()
                excel.write_workbook(tables, Path(tmp) / f"{stem}.xlsx", formats, **kw)
                cpu = time.process_time() - c0
                per_book[stem] = min(per_book.get(stem, cpu), cpu)
                total += cpu
            totals.append(total)
    cells = sum(t.size for _, (tables, _, _) in recorded for t in tables.values())
    print(f"{args.kommune}: {len(recorded)} projektmapper, {cells} celler: bedste CPU "
          f"{min(totals):.2f} s af {args.gentag}")
    for stem, cpu in sorted(per_book.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {stem:40} {cpu:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
