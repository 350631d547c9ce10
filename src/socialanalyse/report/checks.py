"""Privacy checks for byråd output: no ids, no CPR numbers, no small counts of citizens or grants.

Conventions the checks rely on (kept by `report.show_table`, `report.record` and the index):
- a count is declared by its kind (`COUNT_KINDS`), never guessed from its name: table columns
  in `show_table(counts={"antal_borgere": "borgere"})`, results in
  `record(..., enhed="borgere")` (results.json's "_meta" keeps the kind);
- every displayed count of citizens or grants sits in an element with class "antal-borgere"
  (`<td class="tal antal-borgere">12</td>`); its text is a Danish integer, "<5" or "x"; in
  a PDF it stands between two `COUNT_MARK`s (report.pdf);
- pseudonyms look like 'P' + 16 hex digits (`privacy.pseudonymise`); the ids of the run's data
  (borger_id, bevilling_id, maal_id) are passed as `forbidden_ids`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import pandas as pd

#: Columns that identify a person or a case and never appear in byråd output.
ID_COLUMNS = frozenset({"borger_id", "bevilling_id", "maal_id", "cpr", "cpr_nummer", "cprnr"})
#: *_id columns that identify providers and offers, not persons: allowed in byråd tables.
ALLOWED_ID_COLUMNS = frozenset({"leverandoer_id", "tilbud_id"})
PSEUDONYM_RE = re.compile(r"(?<![0-9A-Za-z])P[0-9a-f]{16}(?![0-9A-Za-z])")
# Six digits that form a date (ddmmyy), optional dash, four digits; not inside longer numbers.
CPR_RE = re.compile(r"(?<![\d.,])(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?![\d,]|\.\d)")
#: The kinds of counts suppressed for the byråd: citizens, and grants (one grant is nearly
#: always one citizen). 'borgere' also covers things each belonging to one citizen (goals,
#: stays in an offer).
COUNT_KINDS = ("borgere", "bevillinger")
#: The class of every displayed count of citizens or grants (the name is historical).
COUNT_CLASS = "antal-borgere"
#: In a PDF every such count stands between two of these marks, printed transparent and 1 px
#: wide (report.pdf's print rules), so the check can tell counts from other numbers in the
#: PDF's text. A visible character: pypdf reads zero-width ones as spaces.
COUNT_MARK = "\u00a6"  # ¦ BROKEN BAR
MIN_ID_LENGTH = 4  # shorter ids cannot be told from ordinary words and numbers


class PrivatlivsFejl(ValueError):
    """Output for the byråd would show ids or other row-level data (message in Danish)."""


def forbidden_ids(data) -> set[str]:
    """The ids of one municipality's data that must never appear in byråd output:
    borger_id, bevilling_id and maal_id (as strings)."""
    ids: set[str] = set()
    for table, column in (("borgere", "borger_id"), ("bevillinger", "bevilling_id"),
                          ("bevillinger", "borger_id"), ("maal", "maal_id")):
        frame = getattr(data, table)
        if column in frame.columns:
            ids.update(str(v) for v in frame[column].dropna().unique())
    return ids


def looks_like_id(value: object, forbidden: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether one cell value is a pseudonym, CPR-shaped, or one of the forbidden ids."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (
        text in forbidden
        or bool(PSEUDONYM_RE.search(text))
        or bool(CPR_RE.search(text))
    )


def id_columns(df: pd.DataFrame, forbidden: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Columns of a table that hold person or case ids: by name (borger_id, bevilling_id,
    maal_id, CPR, any other *_id than leverandoer_id/tilbud_id) or by value (a pseudonym, a
    CPR-shaped string or an id from `forbidden`)."""
    found = []
    frame = df.reset_index() if _has_named_index(df) else df
    for column in frame.columns:
        name = str(column).lower()
        by_name = name in ID_COLUMNS or "cpr" in name or (
            name.endswith("_id") and name not in ALLOWED_ID_COLUMNS
        )
        values = frame[column]
        by_value = False
        if not by_name and (values.dtype == object or pd.api.types.is_string_dtype(values)):
            by_value = any(looks_like_id(v, forbidden) for v in values.dropna().unique())
        if by_name or by_value:
            found.append(str(column))
    return found


def _has_named_index(df: pd.DataFrame) -> bool:
    return any(n is not None for n in df.index.names)


class _Collector(HTMLParser):
    """Collects visible text and the text of elements with the count class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.counts: list[str] = []
        self._skip = 0
        self._count_depth: list[int] = []
        self._depth = 0
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self._depth += 1
        if tag in ("script", "style"):
            self._skip += 1
        classes = (dict(attrs).get("class") or "").split()
        if COUNT_CLASS in classes:
            self._count_depth.append(self._depth)
            self._current = []
        for key, value in attrs:
            if value and key in ("alt", "title", "aria-label", "data-value"):
                self.text.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if self._count_depth and self._count_depth[-1] == self._depth:
            self._count_depth.pop()
            self.counts.append("".join(self._current or []).strip())
            self._current = None
        self._depth -= 1

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._current is not None:
            self._current.append(data)


def parse_count(text: str) -> int | None:
    """A displayed Danish count ('1.234', '12') as int; None for '<5', 'x', '–' or other text."""
    cleaned = text.replace("\xa0", "").replace(" ", "").replace(".", "")
    return int(cleaned) if re.fullmatch(r"-?\d+", cleaned) else None


def check_byraad_html(
    html_text: str, forbidden_ids: Iterable[str] = (), threshold: int = 5
) -> list[str]:
    """Problems in a byråd HTML page (empty list = OK), in Danish.

    Finds: any id from `forbidden_ids` (ids of at least 4 characters, matched as whole tokens)
    or a pseudonym ('P' + 16 hex) anywhere in the page, including attributes and scripts;
    CPR-shaped strings in the visible text (embedded images are skipped); and every element
    with class "antal-borgere" whose number is 1..threshold-1.
    """
    # Embedded images are base64 noise: drop them before looking for ids.
    page = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", "data:", html_text)
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return _problems(page, " ".join(collector.text), collector.counts, forbidden_ids,
                     threshold)


def check_byraad_pdf_text(
    text: str, forbidden_ids: Iterable[str] = (), threshold: int = 5
) -> list[str]:
    """Problems in the text of a byråd PDF (empty list = OK), in Danish: the checks of
    `check_byraad_html` on the text of its pages (`report.pdf.pdf_text`), where the counts
    of citizens and grants are the texts between two COUNT_MARKs."""
    counts = re.findall(f"{COUNT_MARK}([^{COUNT_MARK}]*){COUNT_MARK}", text)
    visible = text.replace(COUNT_MARK, "")
    return _problems(visible, visible, counts, forbidden_ids, threshold)


def _problems(page: str, visible: str, counts: list[str], forbidden_ids: Iterable[str],
              threshold: int) -> list[str]:
    """Ids and pseudonyms anywhere in `page`, CPR-shaped numbers in its `visible` text and
    small numbers among its `counts` (see check_byraad_html)."""
    problems: list[str] = []
    ids = {str(i) for i in forbidden_ids if len(str(i)) >= MIN_ID_LENGTH}
    tokens = set(re.findall(r"[\w-]+", page)) | set(re.findall(r"\w+", page))
    leaked = sorted(tokens & ids)
    if leaked:
        shown = ", ".join(leaked[:5]) + (" …" if len(leaked) > 5 else "")
        problems.append(f"{len(leaked)} id'er fra data står i siden: {shown}")
    pseudonyms = sorted(set(PSEUDONYM_RE.findall(page)) - set(leaked))
    if pseudonyms:
        problems.append(f"{len(pseudonyms)} pseudonymer står i siden, fx {pseudonyms[0]}")
    cprs = sorted(set(CPR_RE.findall(visible)))
    if cprs:
        problems.append(f"{len(cprs)} tekster ligner CPR-numre, fx {cprs[0]}")
    small = [c for c in counts if (n := parse_count(c)) is not None and 0 < n < threshold]
    if small:
        problems.append(
            f"{len(small)} antal borgere under diskretionsgrænsen {threshold} vises: "
            + ", ".join(small[:5])
        )
    return problems


def numbers_in(value: Any):
    """The numbers in a JSON value (also inside lists and mappings); booleans are not numbers."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from numbers_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers_in(v)


def has_integer(value: Any) -> bool:
    """Whether a JSON value is, or holds, an integer (a count nobody declared, maybe)."""
    return any(isinstance(n, int) for n in numbers_in(value))


def check_byraad_results(results: dict[str, Any], threshold: int = 5) -> list[str]:
    """Problems in a byråd run's results.json content (empty list = OK), in Danish: a result
    declared a count of citizens or grants ("_meta" enhed 'borgere'/'bevillinger', also inside
    lists and mappings) with a value 1..threshold-1, and an integer result with no declared
    enhed at all (it may be a count nobody declared)."""
    problems = []
    meta = results.get("_meta") or {}
    for notebook, entries in results.items():
        if notebook.startswith("_") or not isinstance(entries, dict):
            continue
        kinds = meta.get(notebook) or {}
        for name, value in entries.items():
            enhed = (kinds.get(name) or {}).get("enhed")
            numbers = list(numbers_in(value))
            if enhed in COUNT_KINDS and any(0 < n < threshold for n in numbers):
                problems.append(f"{notebook}: {name} viser et antal {enhed} under "
                                f"diskretionsgrænsen {threshold}")
            elif enhed is None and has_integer(value):
                problems.append(f"{notebook}: {name} er et heltal uden angivet enhed (det kan "
                                "være et antal borgere)")
    return problems
