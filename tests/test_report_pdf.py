"""The byråd PDF (report.pdf): the page rules, the check on a PDF's text, and real PDFs printed
by headless Chromium (A4, header and page numbers, atomic, Danish errors). The PDFs of a real
byråd run are tested in test_run_e2e.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from socialanalyse import report
from socialanalyse.report import pdf
from socialanalyse.report.checks import COUNT_MARK
from socialanalyse.report.html import css as report_css


def needs_chromium(test):
    """A test that prints with the real Chromium (skipped, saying why, where there is none)."""
    missing = pytest.mark.skipif(pdf.find_chromium() is None,
                                 reason="headless Chromium mangler (make browser)")
    return pytest.mark.browser(missing(test))


PAGE = """<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">
<title>Servicetjek – Ærø</title></head><body><main>
<h1>Servicetjek – Ærø</h1><p>Bevillinger gennemgået på fællesmødet.</p>
<table><tr><th>Regel</th><th>Antal borgere</th></tr>
<tr><td>Dyr sag</td><td class="tal antal-borgere">{antal}</td></tr></table>
<p>{tekst}</p>
<div style="height: 1500px"></div><p>Slut på rapporten.</p>
</main></body></html>"""


def _page(tmp_path: Path, antal: str = "12", tekst: str = "Ingen bemærkninger.") -> Path:
    path = tmp_path / "html" / "01_servicetjek.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(antal=antal, tekst=tekst), encoding="utf-8")
    return path


# --- the page rules and the check on text (no browser) ----------------------------------------


def test_print_page_adds_a4_header_footer_and_count_marks_to_the_head():
    page = pdf.print_page(PAGE.format(antal="7", tekst=""), 'Titel med "citat"',
                          "Ærø · 1. december 2026")
    head, body = page.split("</head>")
    assert "size: A4" in head and "@top-left" in head and "@top-right" in head
    assert r'content: "Titel med \"citat\""' in head
    assert '"Side " counter(page) " af " counter(pages)' in head
    assert rf'.antal-borgere::before, .antal-borgere::after {{ content: "\{ord(COUNT_MARK):x}"' \
        in head
    assert body == PAGE.format(antal="7", tekst="").split("</head>")[1]  # the text is unchanged


def _text(*lines: str) -> str:
    return "\n".join(lines)


@pytest.mark.parametrize(("text", "problem"), [
    (_text("Servicetjek", f"Dyr sag {COUNT_MARK}3{COUNT_MARK}"), "under diskretionsgrænsen 5"),
    (_text("Borger 010190-1234 er nævnt"), "ligner CPR-numre"),
    (_text("Se P0123456789abcdef"), "pseudonymer"),
    (_text("Bevilling B000123 er dyr"), "id'er fra data"),
])
def test_pdf_text_check_finds_what_the_html_check_finds(text, problem):
    problems = report.check_byraad_pdf_text(text, {"B000123"}, 5)
    assert len(problems) == 1 and problem in problems[0]


def test_pdf_text_check_passes_suppressed_and_large_counts_and_dates():
    text = _text(f"Dyr sag {COUNT_MARK}<5{COUNT_MARK} og {COUNT_MARK}x{COUNT_MARK}",
                 f"I alt {COUNT_MARK}1.018{COUNT_MARK} borgere den 31.12.2025",
                 "Eksempelkommune · 1. december 2026", "Side 1 af 3", "3 regler, 12,5 %")
    assert report.check_byraad_pdf_text(text, {"B000123"}, 5) == []


# --- real PDFs -------------------------------------------------------------------------------


@needs_chromium
def test_a_printed_report_is_a4_with_title_municipality_date_and_page_numbers(tmp_path):
    from pypdf import PdfReader

    html = _page(tmp_path)
    target = tmp_path / "pdf" / "01_servicetjek.pdf"
    seconds = report.export_pdf(html, target, "Servicetjek", "Ærø · 1. december 2026")
    assert 0 < seconds < pdf.PRINT_TIMEOUT
    reader = PdfReader(str(target))
    assert len(reader.pages) == 2
    for page in reader.pages:  # A4: 210 × 297 mm = 595 × 842 pt
        assert abs(float(page.mediabox.width) - 595.3) < 1.5
        assert abs(float(page.mediabox.height) - 841.9) < 1.5
    first, second = report.pdf_text(target)
    assert "Servicetjek" in first and "Ærø · 1. december 2026" in first
    assert "Side 1 af 2" in first and "Side 2 af 2" in second
    assert "Bevillinger gennemgået på fællesmødet." in first and "Slut på rapporten." in second
    assert f"{COUNT_MARK}12{COUNT_MARK}" in first  # the count is marked for the check ...
    assert report.check_byraad_pdf_text(f"{first}\n{second}") == []
    # ... and nothing but the PDF is left in its folder.
    assert [p.name for p in target.parent.iterdir()] == [target.name]


@needs_chromium
def test_the_check_rejects_a_pdf_with_a_cpr_number_and_a_small_count(tmp_path):
    html = _page(tmp_path, antal="3", tekst="Sagen for 010190-1234 er genåbnet.")
    target = tmp_path / "pdf" / "01_servicetjek.pdf"
    report.export_pdf(html, target, "Servicetjek", "Ærø · 1. december 2026")
    problems = report.check_byraad_pdf_text("\n".join(report.pdf_text(target)), (), 5)
    assert len(problems) == 2
    assert "ligner CPR-numre, fx 010190-1234" in problems[0]
    assert "1 antal borgere under diskretionsgrænsen 5 vises: 3" in problems[1]


def _fake_chromium(tmp_path: Path, body: str) -> str:
    program = tmp_path / "falsk-chromium"
    program.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return str(program)


@pytest.mark.parametrize(("body", "message"), [
    # Chromium fails: its last line of stderr is named.
    ('echo "noget gik galt" >&2; exit 3', "kode 3): noget gik galt"),
    # Chromium stops halfway: the file it wrote is no PDF and never looks finished.
    ('for a in "$@"; do case "$a" in --print-to-pdf=*) printf "%%PD" > "${a#*=}";; esac; done',
     "kunne ikke skrive 01_servicetjek.pdf"),
])
def test_a_failed_print_leaves_no_pdf(tmp_path, body, message):
    html = _page(tmp_path)
    target = tmp_path / "pdf" / "01_servicetjek.pdf"
    with pytest.raises(pdf.PdfFejl, match=message.replace("(", r"\(").replace(")", r"\)")):
        report.export_pdf(html, target, "Servicetjek", "Ærø", chromium=_fake_chromium(
            tmp_path, body))
    assert list(target.parent.iterdir()) == []


def test_without_chromium_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "findes-ikke"))
    assert pdf.find_chromium() is None
    with pytest.raises(pdf.PdfFejl, match="kræver headless Chromium.*apt-get install chromium"):
        report.export_pdf(_page(tmp_path), tmp_path / "x.pdf", "Servicetjek", "Ærø")
    assert not (tmp_path / "x.pdf").exists()


def test_the_chromium_variable_names_the_program(tmp_path, monkeypatch):
    program = _fake_chromium(tmp_path, "exit 0")
    monkeypatch.setenv(pdf.CHROMIUM_ENV, program)
    assert pdf.find_chromium() == program
    monkeypatch.delenv(pdf.CHROMIUM_ENV)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path)]))
    os.rename(program, tmp_path / "chromium")
    assert pdf.find_chromium() == str(tmp_path / "chromium")


@needs_chromium
def test_a_table_wider_than_the_page_is_shrunk_to_fit_not_cut_off(tmp_path):
    from pypdf import PdfReader

    cells = "".join(f'<td class="tal">{i}.234.567 kr.</td>' for i in range(14))
    html = tmp_path / "bred.html"
    html.write_text(f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><style>'
                    f'{report_css()}</style></head><body><main><p>Tekst i fuld størrelse.</p>'
                    f'<div class="sa-tabel-boks"><table><tr>{cells}<td>Sidste kolonne</td>'
                    "</tr></table></div></main></body></html>", encoding="utf-8")
    target = tmp_path / "bred.pdf"
    report.export_pdf(html, target, "Bred tabel", "Ærø")
    page = PdfReader(str(target)).pages[0]
    starts: list[float] = []
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        if "Sidste" in text:
            starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])  # x on the page
        if text.strip():
            sizes[text.strip()] = size * tm[0] * cm[0]  # the font size on the page, pt

    page.extract_text(visitor_text=visit)
    assert starts and starts[0] < float(page.mediabox.width) - 40
    # Only the table is shrunk: the text keeps its 10,5 pt.
    assert abs(sizes["Tekst i fuld størrelse."] - 10.5) < 0.3


def test_a_chromium_without_page_margin_boxes_is_an_error_not_a_pdf_without_page_numbers(
    tmp_path
):
    from pypdf import PdfWriter

    old = tmp_path / "gammel.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)  # a PDF, but without the header and "Side 1 af 1"
    writer.write(str(old))
    body = f'for a in "$@"; do case "$a" in --print-to-pdf=*) cp {old} "${{a#*=}}";; esac; done'
    target = tmp_path / "pdf" / "01_servicetjek.pdf"
    with pytest.raises(pdf.PdfFejl, match="uden sidehoved og sidetal; det kræver Chromium 131"):
        report.export_pdf(_page(tmp_path), target, "Servicetjek", "Ærø",
                          chromium=_fake_chromium(tmp_path, body))
    assert list(target.parent.iterdir()) == []
