"""Reporting: the notebook session, Danish formatting, figures, display tables, results.json,
HTML and Excel export.

Notebooks use this package; analysis modules never import it. A notebook starts with
`s = report.setup(kommune, publikum, run_dir, notebook="NN_navn")`.
"""

from .checks import PrivatlivsFejl, check_byraad_html, check_byraad_results, forbidden_ids
from .display import antal_borgere, figure, markdown, show_table, table_html
from .excel import excel, write_workbook
from .format import dato, dato_lang, kr, maaned, mio_kr, pct, tal
from .html import build_index, export_html, format_value, make_self_contained, static_widgets
from .labels import overskrift
from .session import Session, current, load_results, record, record_all, setup
from .theme import axis_kr, axis_pct, axis_tal, theme

__all__ = [
    "PrivatlivsFejl",
    "Session",
    "antal_borgere",
    "axis_kr",
    "axis_pct",
    "axis_tal",
    "build_index",
    "check_byraad_html",
    "check_byraad_results",
    "current",
    "dato",
    "dato_lang",
    "excel",
    "export_html",
    "figure",
    "forbidden_ids",
    "format_value",
    "kr",
    "load_results",
    "maaned",
    "make_self_contained",
    "markdown",
    "mio_kr",
    "overskrift",
    "pct",
    "record",
    "record_all",
    "setup",
    "show_table",
    "static_widgets",
    "table_html",
    "tal",
    "theme",
    "write_workbook",
]
