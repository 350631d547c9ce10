"""PDF export of a report's HTML for the byråd (dagsordenbilag are PDFs): A4, with the title,
municipality and date at the top of every page and "Side N af M" at the bottom.

The engine is headless Chromium's print (`chromium --headless --print-to-pdf`), the browser
the test setup already installs (`make browser`): no Python dependency, and the PDF shows
exactly what the HTML shows. The header and footer are CSS page-margin boxes (`@page
{ @top-left {...} }`, Chromium 131 and later), added to a print copy of the page together with
the count markers the byråd check reads (`checks.COUNT_MARK`). Figures and tables are not cut
across pages (the print rules in sa.css). The text is read back with pypdf (`pdf_text`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import unicodedata
from pathlib import Path

from .checks import COUNT_CLASS, COUNT_MARK
from .files import atomic_path

#: Environment variable naming the Chromium (or Chrome) program when it is not on PATH.
CHROMIUM_ENV = "SOCIALANALYSE_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome")
PRINT_TIMEOUT = 180  # seconds for one report (a long report on a busy machine takes ~10 s)
INSTALL_HINT = (
    "Installér Chromium (Debian/Ubuntu: `sudo apt-get install chromium`, eller `make browser` "
    f"som root), eller sæt {CHROMIUM_ENV} til stien til Chromium eller Google Chrome"
)


class PdfFejl(RuntimeError):
    """A PDF could not be made (message in Danish)."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) program: $SOCIALANALYSE_CHROMIUM, else the first of
    CHROMIUM_NAMES on PATH; None when there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def missing_chromium_text() -> str:
    """Why no PDF can be made, and how to fix it (Danish)."""
    return f"PDF-udgaven kræver headless Chromium, som ikke findes på maskinen. {INSTALL_HINT}."


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def print_css(title: str, header_right: str) -> str:
    """The page rules of the PDF: A4, `title` top left, `header_right` (municipality and
    date) top right, "Side N af M" at the bottom; counts of citizens between COUNT_MARKs
    (invisible: transparent and 1 px)."""
    box = "font: 8pt system-ui, sans-serif; color: #5b5b66;"
    mark = f"\\{ord(COUNT_MARK):x}"
    return (
        "@page { size: A4; margin: 18mm 16mm 16mm 16mm;\n"
        f"  @top-left {{ content: {_css_string(title)}; {box} }}\n"
        f"  @top-right {{ content: {_css_string(header_right)}; {box} white-space: nowrap; }}\n"
        f'  @bottom-center {{ content: "Side " counter(page) " af " counter(pages); {box} }}\n'
        "}\n"
        f'.{COUNT_CLASS}::before, .{COUNT_CLASS}::after {{ content: "{mark}"; '
        "color: transparent; font-size: 1px; }\n"
        # As sa.css prints, also on the screen the script measures tables on (FIT_TABLES).
        "html { font-size: 10.5pt; } main { max-width: none; padding: 0; }\n"
        "th.tal, table.dataframe th { white-space: normal; }\n"
    )


#: Chromium's window is as wide as an A4 page's text (178 mm at 96 px per inch) and the print
#: copy is laid out as on paper (`print_css`), so its script sees the width a table gets there.
WINDOW = "--window-size=672,1000"
#: Shrinks a table wider than the text (a budget table of eleven columns) to fit the page
#: instead of being cut off at its right edge. Only in the print copy: reports have no script.
FIT_TABLES = """<script>
addEventListener("DOMContentLoaded", () => {
  const room = document.querySelector("main")?.clientWidth || document.body.clientWidth;
  for (const table of document.querySelectorAll("table")) {
    const width = table.getBoundingClientRect().width;
    if (width > room) table.style.zoom = (room / width).toFixed(3);
  }
});
</script>
"""


def print_page(page: str, title: str, header_right: str) -> str:
    """A copy of a report's HTML ready to print: the page rules (`print_css`) and the script
    fitting wide tables to the page (FIT_TABLES) in its head."""
    style = f"<style>\n{print_css(title, header_right)}</style>\n{FIT_TABLES}"
    head_end = page.find("</head>")
    if head_end < 0:
        return style + page
    return page[:head_end] + style + page[head_end:]


def _command(chromium: str, profile: Path, html_file: Path, pdf_file: Path) -> list[str]:
    command = [
        chromium, "--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run",
        "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
        WINDOW, f"--user-data-dir={profile}", f"--print-to-pdf={pdf_file}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return [*command, html_file.as_uri()]


def export_pdf(
    html_path: str | os.PathLike,
    pdf_path: str | os.PathLike,
    title: str,
    header_right: str,
    *,
    scratch: str | os.PathLike | None = None,
    chromium: str | None = None,
) -> float:
    """Print the report `html_path` to an A4 PDF at `pdf_path` with headless Chromium and
    return the seconds it took.

    `title` stands top left on every page, `header_right` (e.g. 'Eksempelkommune · 1. december
    2026') top right, "Side N af M" at the bottom. The PDF is written beside `pdf_path` under a
    hidden temporary name and renamed when Chromium has finished and the file is a PDF, so a
    half-written PDF never looks finished. `scratch`: where the print copy and Chromium's
    profile go (default: the temp folder). Raises PdfFejl (Danish) when Chromium is missing
    or fails.
    """
    t0 = time.perf_counter()
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfFejl(missing_chromium_text())
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    page = print_page(html_path.read_text(encoding="utf-8"), title, header_right)
    with tempfile.TemporaryDirectory(prefix="sa-pdf-", dir=scratch) as work:
        work = Path(work)
        printable = work / html_path.name
        printable.write_text(page, encoding="utf-8")
        with atomic_path(pdf_path) as tmp:
            command = _command(chromium, work / "profil", printable, tmp)
            try:
                done = subprocess.run(command, capture_output=True, text=True,
                                      timeout=PRINT_TIMEOUT, check=False,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise PdfFejl(f"Chromium blev ikke færdig med {pdf_path.name} på "
                              f"{PRINT_TIMEOUT} sekunder.") from None
            if done.returncode != 0 or not _is_pdf(tmp):
                last = (done.stderr or "").strip().splitlines()[-1:] or ["intet svar"]
                raise PdfFejl(f"Chromium kunne ikke skrive {pdf_path.name} (kode "
                              f"{done.returncode}): {last[0]}")
            if "Side 1 af" not in _first_page_text(tmp):
                raise PdfFejl(f"{chromium} skrev {pdf_path.name} uden sidehoved og sidetal; "
                              "det kræver Chromium 131 eller nyere.")
    return round(time.perf_counter() - t0, 3)


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return path.stat().st_size > 0 and fh.read(5) == b"%PDF-"
    except OSError:
        return False


def _first_page_text(path: Path) -> str:
    try:
        return pdf_text(path, pages=1)[0]
    except Exception:  # noqa: BLE001 - an unreadable PDF has no page numbers either
        return ""


def pdf_text(path: str | os.PathLike, pages: int | None = None) -> list[str]:
    """The text of each page of a PDF (the first `pages`; pypdf), e.g. for the byråd check;
    NFKC-normalised, as the fonts' ligatures ('ﬁ') would otherwise split words and ids."""
    from pypdf import PdfReader

    return [unicodedata.normalize("NFKC", page.extract_text() or "")
            for page in list(PdfReader(str(path)).pages)[:pages]]
