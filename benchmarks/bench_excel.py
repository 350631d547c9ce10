"""CPU of writing the biggest sheet a run writes (issue 18: Excel in openpyxl's write-only mode
where sheets are large): the servicetjek review list (`servicetjek.review_sheet`, as notebook
01 writes it with `views.servicetjek.review_workbook`: drop-down, wrapped reasons, money
formats) at København size.

The review list of the eksempelkommune (data/eksempelkommune, `make sample`; about 45.000
inhabitants) is repeated until it has the rows a municipality of --indbyggere would have
(København about 660.000: 15 times), then written --gentag times to a temporary file with
`report.write_workbook`; the best CPU time, the wall time and the file size are printed.

    .venv/bin/python benchmarks/bench_excel.py [--indbyggere 660000] [--gentag 3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

SAMPLE_PEOPLE = 45_000


def review_sheet_of_sample():
    """The eksempelkommune's review list as notebook 01 writes it, and the rules sheet."""
    from socialanalyse import servicetjek
    from socialanalyse.config import load_parameters
    from socialanalyse.data import load
    from socialanalyse.views import servicetjek as view

    params = load_parameters("eksempelkommune")
    data = load(params)
    base = servicetjek.screening_base(data, params)
    flag = servicetjek.screen(data, params, base=base)
    liste = servicetjek.prioritize(flag)
    husk = servicetjek.remember(liste, None, data, params)
    return servicetjek.review_sheet(husk.liste, data, params), view.rules_table(params)


def main() -> int:
    import pandas as pd

    from socialanalyse import report
    from socialanalyse.views import servicetjek as view

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indbyggere", type=int, default=660_000)
    parser.add_argument("--gentag", type=int, default=3)
    args = parser.parse_args()
    sheet, rules = review_sheet_of_sample()
    copies = max(1, math.ceil(args.indbyggere / SAMPLE_PEOPLE))
    big = pd.concat([sheet] * copies, ignore_index=True)
    print(f"Gennemgangslisten: {len(sheet)} rækker i eksempelkommunen x {copies} = "
          f"{len(big)} rækker x {big.shape[1]} kolonner ({big.size} celler)")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "servicetjek.xlsx"
        for _ in range(args.gentag):
            c0, w0 = time.process_time(), time.perf_counter()
            report.write_workbook({"Gennemgangsliste": big, "Regler": rules}, path,
                                  **view.REVIEW_EXCEL)
            written.append((time.process_time() - c0, time.perf_counter() - w0))
        size = path.stat().st_size
    cpu, wall = min(written)
    print(f"write_workbook: bedste CPU {cpu:.2f} s (væg {wall:.2f} s) af {args.gentag}; "
          f"filen {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
