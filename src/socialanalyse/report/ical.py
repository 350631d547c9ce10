"""Calendar files (.ics) of the current session, for internal use only (they list cases by
pseudonym): one file per key, e.g. per afdeling, in the run's kalender/ folder."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .display import _display_html
from .files import atomic_path
from .session import current

KALENDER_DIR = "kalender"


def _stem(text: str) -> str:
    text = text.lower().translate(str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"}))
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "kalender"


def ics(calendars: Mapping[str, Any], name: str) -> list[Path]:
    """Write each calendar (anything with `to_ical()`, e.g. an `icalendar.Calendar`) to
    <run_dir>/kalender/<name>_<key>.ics (interactive: output/<kommune>/interaktiv/kalender/)
    and list the files. Each file is written atomically. In byraad mode nothing is written
    and a note says so; returns the paths written."""
    session = current()
    if session.byraad:
        _display_html('<p class="sa-note">Kalenderfilerne laves kun ved intern brug (publikum '
                      '"intern"); byrådsrapporten viser kun samlede tal.</p>')
        return []
    folder = session.output_dir / KALENDER_DIR
    paths = []
    for key, cal in calendars.items():
        path = folder / f"{_stem(name)}_{_stem(key)}.ics"
        with atomic_path(path) as tmp:
            tmp.write_bytes(cal.to_ical())
        paths.append(path)
    if not paths:
        _display_html('<p class="sa-note">Der er ingen møder med sager, så der er ingen '
                      "kalenderfiler.</p>")
    elif session.run_dir is not None:
        links = ", ".join(f'<a href="../{KALENDER_DIR}/{p.name}">{html.escape(k)}</a>'
                          for k, p in zip(calendars, paths))
        _display_html(f'<p class="sa-note">Kalenderfiler (.ics) til Outlook m.fl.: {links}</p>')
    else:
        _display_html(f'<p class="sa-note">Kalenderfilerne er gemt i {folder}</p>')
    return paths
