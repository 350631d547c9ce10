"""CPU of the HTML export of one run's notebooks (issue 18: what the runner's worker spends per
municipality in `runner.export.export_notebook` -> `report.export_html`), and a check that the
pages are the bytes the run wrote.

Every executed notebook in the run folder (<run>/NN_*.ipynb, kept by `socialanalyse run`) is
exported again with the title and subtitle its page in <run>/html/ shows, --gentag times:
once with a new nbconvert exporter per page (as before the exporter was shared), once with the
process's shared exporter (`report.html._exporter`). The best CPU time of each is printed, and
whether every page equals the run's own page byte for byte (the run must come from the same
code and template, e.g. `socialanalyse run --kommune hilleroed` on this checkout or main).

    .venv/bin/python benchmarks/bench_export.py RUN_FOLDER [--gentag 3]
"""

from __future__ import annotations

import argparse
import html as htmllib
import re
import tempfile
import time
from pathlib import Path


def page_texts(page: str) -> tuple[str, str | None]:
    """(title, subtitle) as the page shows them."""
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1))
    sub = re.search(r'<p class="sa-undertitel">(.*?)</p>', page, re.DOTALL)
    return title, htmllib.unescape(sub.group(1)) if sub else None


def export_all(notebooks: list[Path], run: Path, out: Path, fresh: bool) -> tuple[float, int]:
    """(CPU seconds, pages equal to the run's) of exporting every notebook once."""
    from socialanalyse import report
    from socialanalyse.report import html

    cpu, same = 0.0, 0
    for path in notebooks:
        old = (run / "html" / f"{path.stem}.html").read_text(encoding="utf-8")
        title, subtitle = page_texts(old)
        if fresh:
            html._exporter.clear()
        c0 = time.process_time()
        report.export_html(path, out / f"{path.stem}.html", title, subtitle=subtitle)
        cpu += time.process_time() - c0
        same += (out / f"{path.stem}.html").read_text(encoding="utf-8") == old
    return cpu, same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder (output/<kommune>/seneste)")
    parser.add_argument("--gentag", type=int, default=3)
    args = parser.parse_args()
    notebooks = sorted(p for p in args.run.glob("[0-9]*.ipynb")
                       if (args.run / "html" / f"{p.stem}.html").is_file())
    if not notebooks:
        raise SystemExit(f"Ingen udførte notebooks med HTML i {args.run}.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        export_all(notebooks[:1], args.run, out, fresh=True)  # imports, not counted
        for fresh, text in ((True, "ny exporter pr. side"), (False, "delt exporter")):
            runs = [export_all(notebooks, args.run, out, fresh) for _ in range(args.gentag)]
            cpu = min(c for c, _ in runs)
            same = min(s for _, s in runs)
            print(f"{text:22} {len(notebooks)} sider: bedste CPU {cpu:.2f} s af {args.gentag}; "
                  f"{same}/{len(notebooks)} sider byte for byte som kørslens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
