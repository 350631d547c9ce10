"""Reporting: Danish formatting, figures, display tables, results.json, HTML and Excel export.

Notebooks use this package; analysis modules never import it.
"""

from .format import dato, dato_lang, kr, maaned, mio_kr, pct, tal

__all__ = ["dato", "dato_lang", "kr", "maaned", "mio_kr", "pct", "tal"]
