"""Reporting core every workbook uses: the notebook session, Danish formatting, the plot theme,
display tables and figures, headline results (results.json), HTML, PDF and Excel export, the byråd
checks and the output layout (`outputs`).

What one notebook shows (its figures, tables, texts, widgets and headline results) lives in
`socialanalyse.views`; analyses never import this package, and this package never imports
views. A notebook starts with
`s = report.setup(kommune, publikum, run_dir, notebook="NN_navn")`.
"""

from .checks import (
    COUNT_KINDS,
    PrivatlivsFejl,
    check_byraad_html,
    check_byraad_pdf_text,
    check_byraad_results,
    forbidden_ids,
)
from .display import antal_bevillinger, antal_borgere, figure, markdown, show_table, table_html
from .excel import calculation_excel, excel, write_calculation_workbook, write_workbook
from .format import (
    amount,
    dato,
    dato_lang,
    first_of,
    kr,
    maaned,
    mio_kr,
    p_vaerdi,
    pct,
    sentence,
    tal,
)
from .html import build_index, export_html, format_value, make_self_contained, static_widgets
from .ical import ics
from .labels import heading, kommune_name
from .pdf import PdfFejl, export_pdf, find_chromium, missing_chromium_text, pdf_text
from .session import (
    Headline,
    Session,
    current,
    load_results,
    record,
    record_all,
    setup,
    setup_klynge,
)
from .theme import axis_kr, axis_pct, axis_tal, theme

__all__ = [
    "COUNT_KINDS",
    "Headline",
    "PdfFejl",
    "PrivatlivsFejl",
    "Session",
    "amount",
    "antal_bevillinger",
    "antal_borgere",
    "axis_kr",
    "axis_pct",
    "axis_tal",
    "build_index",
    "calculation_excel",
    "check_byraad_html",
    "check_byraad_pdf_text",
    "check_byraad_results",
    "current",
    "dato",
    "dato_lang",
    "excel",
    "export_html",
    "export_pdf",
    "figure",
    "find_chromium",
    "first_of",
    "forbidden_ids",
    "format_value",
    "heading",
    "ics",
    "kommune_name",
    "kr",
    "load_results",
    "maaned",
    "make_self_contained",
    "markdown",
    "mio_kr",
    "missing_chromium_text",
    "p_vaerdi",
    "pct",
    "pdf_text",
    "record",
    "record_all",
    "sentence",
    "setup",
    "setup_klynge",
    "show_table",
    "static_widgets",
    "table_html",
    "tal",
    "theme",
    "write_calculation_workbook",
    "write_workbook",
]
