#!/usr/bin/env python3
"""Compare two finished run folders of `socialanalyse run` and say whether they show the same.

    .venv/bin/python tools/compare_runs.py OLD_RUN NEW_RUN [--ignore-meta enhed] [--max 10]

Compares
- results.json: every notebook's entries (values exactly; floats bit for bit) and the labels and
  units in "_meta" (fields named with --ignore-meta are left out of that comparison);
- every Excel file under excel/: the sheet names and every cell's value (formulas as written),
  read with openpyxl;
- every HTML page under html/: the visible text (block by block: a paragraph, a table cell, a
  heading), the alt texts and the number of images, after removing run ids
  (20261201-110331-intern) and timestamps.

Prints a Danish/English summary and every difference (at most --max per file), and exits 1
when anything differs (2 when a folder is not a run), else 0. Used to check that a change of
shape (issue 19) left the sample municipality's outputs as they were.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

RUN_ID = re.compile(r"\d{8}-\d{6}-(?:intern|byraad)(?:-\d+)?")
TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{2}\.\d{2}\.\d{4}(?:,| kl\.)? \d{2}[:.]\d{2}(?:[:.]\d{2})?"
)


def normalise(text: str) -> str:
    """Text without run ids and timestamps, whitespace collapsed."""
    text = TIMESTAMP.sub("<tidspunkt>", RUN_ID.sub("<kørsels-id>", text))
    return re.sub(r"\s+", " ", text).strip()


#: Elements that start a new line of text; text inside others (span, a, b …) runs on.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "img", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
    "th", "thead", "title", "tr", "ul",
})


class _Page(HTMLParser):
    """The visible text (one entry per block: a paragraph, a table cell, a heading …), the alt
    texts and the number of images of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.alts: list[str] = []
        self.images = 0
        self._skip = 0
        self._line: list[str] = []

    def _flush(self) -> None:
        line = normalise("".join(self._line))
        if line:
            self.text.append(line)
        self._line = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in BLOCKS:
            self._flush()
        if tag == "img":
            self.images += 1
            self.alts.append(dict(attrs).get("alt") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._line.append(data)

    def close(self):
        super().close()
        self._flush()


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


class Comparison:
    """Collects the differences, per area, and counts what was compared."""

    def __init__(self) -> None:
        self.differences: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}

    def differ(self, area: str, text: str) -> None:
        found = self.differences.setdefault(area, [])
        found.append(text)

    def count(self, area: str, n: int = 1) -> None:
        self.counts[area] = self.counts.get(area, 0) + n


def _same(a, b) -> bool:
    """Equal JSON values; floats compared exactly, and an int never equals a float."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def compare_results(old: Path, new: Path, cmp: Comparison, ignore_meta: set[str]) -> None:
    area = "results.json"
    a = json.loads((old / "results.json").read_text(encoding="utf-8"))
    b = json.loads((new / "results.json").read_text(encoding="utf-8"))
    for notebook in sorted(set(a) | set(b)):
        if notebook == "_meta":
            continue
        left, right = a.get(notebook), b.get(notebook)
        if left is None or right is None:
            cmp.differ(area, f"{notebook}: kun i {'den gamle' if right is None else 'den nye'} "
                             "kørsel / only in one run")
            continue
        for name in sorted(set(left) | set(right)):
            cmp.count("værdier")
            if name not in left or name not in right:
                cmp.differ(area, f"{notebook}.{name}: findes kun i den "
                                 f"{'nye' if name not in left else 'gamle'} / only in one run")
            elif not _same(left[name], right[name]):
                cmp.differ(area, f"{notebook}.{name}: {left[name]!r} -> {right[name]!r}")
    meta_a, meta_b = a.get("_meta", {}), b.get("_meta", {})
    for notebook in sorted(set(meta_a) | set(meta_b)):
        ma, mb = meta_a.get(notebook, {}), meta_b.get(notebook, {})
        for name in sorted(set(ma) | set(mb)):
            ia = {k: v for k, v in ma.get(name, {}).items() if k not in ignore_meta}
            ib = {k: v for k, v in mb.get(name, {}).items() if k not in ignore_meta}
            cmp.count("_meta")
            if ia != ib:
                cmp.differ(area, f"_meta {notebook}.{name}: {ia} -> {ib}")


def file_pairs(old: Path, new: Path, folder: str, pattern: str, what: str, cmp: Comparison):
    """(area, old file, new file) for every file of `folder` in either run; a file in one run
    only is a difference."""
    names = sorted({p.name for d in (old, new) for p in (d / folder).glob(pattern)})
    for name in names:
        area = f"{folder}/{name}"
        pa, pb = old / folder / name, new / folder / name
        if not pa.is_file() or not pb.is_file():
            cmp.differ(area, "findes kun i den ene kørsel / in one run only")
            continue
        cmp.count(what)
        yield area, pa, pb


def compare_excel(old: Path, new: Path, cmp: Comparison) -> None:
    from openpyxl import load_workbook

    for area, pa, pb in file_pairs(old, new, "excel", "*.xlsx", "Excel-filer", cmp):
        wa, wb = load_workbook(pa), load_workbook(pb)
        if wa.sheetnames != wb.sheetnames:
            cmp.differ(area, f"ark / sheets: {wa.sheetnames} -> {wb.sheetnames}")
        for sheet in [s for s in wa.sheetnames if s in wb.sheetnames]:
            cmp.count("ark")
            sa, sb = wa[sheet], wb[sheet]
            rows = max(sa.max_row, sb.max_row)
            cols = max(sa.max_column, sb.max_column)
            if (sa.max_row, sa.max_column) != (sb.max_row, sb.max_column):
                cmp.differ(area, f"{sheet}: størrelse / size {sa.max_row}×{sa.max_column} -> "
                                 f"{sb.max_row}×{sb.max_column}")
            for r in range(1, rows + 1):
                for c in range(1, cols + 1):
                    cmp.count("celler")
                    va, vb = sa.cell(r, c).value, sb.cell(r, c).value
                    if va != vb or type(va) is not type(vb):
                        cmp.differ(area, f"{sheet}!{sa.cell(r, c).coordinate}: {va!r} -> {vb!r}")


def compare_html(old: Path, new: Path, cmp: Comparison) -> None:
    for area, pa, pb in file_pairs(old, new, "html", "*.html", "HTML-sider", cmp):
        a, b = read_page(pa), read_page(pb)
        if a.images != b.images:
            cmp.differ(area, f"antal billeder / images: {a.images} -> {b.images}")
        for kind, la, lb in (("tekst / text", a.text, b.text), ("alt-tekst", a.alts, b.alts)):
            cmp.count("tekststykker", len(la))
            if la != lb:
                diff = [d for d in difflib.unified_diff(la, lb, lineterm="", n=0)
                        if not d.startswith(("---", "+++", "@@"))]
                for line in diff:
                    cmp.differ(area, f"{kind}: {line[:300]}")


def is_run(folder: Path) -> bool:
    return (folder / "results.json").is_file() and (folder / "html").is_dir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="den gamle kørsel / the old run folder")
    parser.add_argument("new", type=Path, help="den nye kørsel / the new run folder")
    parser.add_argument("--ignore-meta", action="append", default=[], metavar="FELT",
                        help="felt i results.json's _meta, der ikke sammenlignes (fx enhed)")
    parser.add_argument("--max", type=int, default=10,
                        help="højst så mange forskelle vises pr. fil (standard 10)")
    args = parser.parse_args(argv)
    for folder in (args.old, args.new):
        if not is_run(folder):
            print(f"{folder} er ikke en kørselsmappe (results.json og html/ mangler) / "
                  "not a run folder")
            return 2
    cmp = Comparison()
    compare_results(args.old, args.new, cmp, set(args.ignore_meta))
    compare_excel(args.old, args.new, cmp)
    compare_html(args.old, args.new, cmp)

    print(f"Sammenligning / comparison:\n  gammel / old: {args.old}\n  ny / new:     {args.new}")
    compared = ", ".join(f"{n:,} {what}".replace(",", ".") for what, n in cmp.counts.items())
    print(f"Sammenlignet / compared: {compared}")
    if args.ignore_meta:
        print(f"Ikke sammenlignet i _meta / ignored in _meta: {', '.join(args.ignore_meta)}")
    if not cmp.differences:
        print("Ingen forskelle / no differences.")
        return 0
    total = sum(len(v) for v in cmp.differences.values())
    print(f"{total} forskelle / differences:")
    for area, found in cmp.differences.items():
        print(f"  {area}: {len(found)}")
        for line in found[: args.max]:
            print(f"    {line}")
        if len(found) > args.max:
            print(f"    … og {len(found) - args.max} flere / more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
