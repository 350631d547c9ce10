"""Speed of the byråd PDF (prints figures; no assertions): for each report of a byråd run, the
seconds headless Chromium takes to print its HTML (report.export_pdf), its pages and size, and
the seconds the byråd check on the PDF's text takes (pypdf + checks).

The reports are those of the run folder given with --run, else of a fresh byråd run of
eksempelkommune without PDFs (`socialanalyse run --publikum byraad --ingen-pdf`, into a
temporary output folder; data/eksempelkommune, written with `make sample` if missing).
Target: a few seconds per report, less than the notebook's own run, since the runner prints
each PDF while the next notebook runs.

Usage: python benchmarks/bench_pdf.py [--run OUTPUT/<slug>/<run-id>]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _byraad_run(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "socialanalyse.cli", "run", "--kommune",
                    "eksempelkommune", "--publikum", "byraad", "--ingen-pdf", "--out", str(out),
                    "--quiet"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    (run,) = [p for p in (out / "eksempelkommune").iterdir() if p.name.endswith("-byraad")]
    return run


def main() -> None:
    from pypdf import PdfReader

    from socialanalyse import report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=None)
    args = parser.parse_args()
    if report.find_chromium() is None:
        sys.exit(report.missing_chromium_text())
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        run = args.run or _byraad_run(Path(tmp) / "output")
        pages = sorted(p for p in (run / "html").glob("*.html") if p.name != "index.html")
        print(f"{len(pages)} rapporter fra {run}")
        print(f"{'rapport':<24} {'print s':>8} {'sider':>6} {'kB':>6} {'tjek s':>7}")
        printing = []
        for html in pages:
            pdf = Path(tmp) / "pdf" / f"{html.stem}.pdf"
            seconds = report.export_pdf(html, pdf, html.stem, "Eksempelkommune")
            t = time.perf_counter()
            problems = report.check_byraad_pdf_text("\n".join(report.pdf_text(pdf)))
            check = time.perf_counter() - t
            printing.append(seconds)
            print(f"{html.stem:<24} {seconds:8.2f} {len(PdfReader(str(pdf)).pages):6d} "
                  f"{pdf.stat().st_size / 1024:6.0f} {check:7.2f}"
                  + (f"  ({len(problems)} problemer)" if problems else ""))
        print(f"{'median pr. rapport':<24} {statistics.median(printing):8.2f}")
        print(f"{'i alt':<24} {sum(printing):8.2f}")


if __name__ == "__main__":
    main()
