"""Tables and figures shown in notebooks (and so in the exported HTML), Danish formatted.

Byråd conventions (see `report.checks`): `show_table` refuses person/case ids and suppresses
the columns declared as counts (`counts={"antal_borgere": "borgere"}`) with
`privacy.suppress`; every count cell carries class "antal-borgere" so the check on the
finished HTML can verify that no count 1..diskretion-1 is shown.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .. import privacy
from .checks import COUNT_CLASS, COUNT_KINDS, PrivatlivsFejl, id_columns
from .format import dato, kr, pct, tal
from .labels import heading
from .png import figure_png
from .session import current_or_none

DEFAULT_MAX_ROWS = 200
#: Resolution of figures in notebooks and reports (cropped to their content, as savefig's
#: bbox_inches="tight").
FIGURE_DPI = 150


def _display_html(text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(text))


def _prepare(df: pd.DataFrame | pd.Series) -> pd.DataFrame:
    frame = df.to_frame() if isinstance(df, pd.Series) else df
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [" – ".join(str(p) for p in c if str(p)) for c in frame.columns]
    return frame


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and np.isnan(value)
    )


def is_year_column(name: object, series: pd.Series) -> bool:
    """Whether a column holds calendar years ('aar', 'budgetaar', 'start_aar' with values
    1900–2100), which are shown as 2025, not 2.025."""
    # "År" and "Start år" as a table header shows them, as well as the code names.
    words = str(name).lower().replace("år", "aar").replace(" ", "_").split("_")
    if not any(w == "aar" or w.endswith("aar") for w in words):
        return False
    if not pd.api.types.is_integer_dtype(series) and not pd.api.types.is_float_dtype(series):
        return False
    values = series.dropna()
    return bool(len(values)) and bool(values.between(1900, 2100).all()) and bool(
        (values == values.round()).all())


def _formatter(series: pd.Series, kind: str, decimaler: int | None):
    if kind == "" and is_year_column(series.name, series):
        return lambda v: str(int(v))
    if kind == "counts":
        return lambda v: v if isinstance(v, str) else tal(v)
    if kind == "money":
        return lambda v: v if isinstance(v, str) else kr(v)
    if kind == "pct":
        return lambda v: v if isinstance(v, str) else pct(v)
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "ja" if v else "nej"
    if pd.api.types.is_datetime64_any_dtype(series):
        return dato
    if pd.api.types.is_integer_dtype(series):
        return tal
    if pd.api.types.is_float_dtype(series):
        values = series.dropna()
        whole = bool(len(values)) and bool(np.all(np.isclose(values, values.round())))
        places = decimaler if decimaler is not None else (0 if whole else 1)
        return lambda v: tal(v, places)

    def other(v):
        if isinstance(v, (pd.Timestamp,)):
            return dato(v)
        if isinstance(v, (bool, np.bool_)):
            return "ja" if v else "nej"
        if isinstance(v, (int, np.integer)):
            return tal(v)
        if isinstance(v, (float, np.floating)):
            return tal(v, 0 if float(v).is_integer() else (decimaler or 1))
        return str(v)

    return other


def count_columns(counts: Mapping[str, str]) -> list[str]:
    """The columns of a `counts` declaration ({column: 'borgere' or 'bevillinger'}), checked."""
    if not isinstance(counts, Mapping):
        raise TypeError(
            "counts skal sige, hvad hver kolonne tæller, fx counts={'antal_borgere': 'borgere', "
            "'antal_bevillinger': 'bevillinger'}.")
    wrong = {c: k for c, k in counts.items() if k not in COUNT_KINDS}
    if wrong:
        raise ValueError(f"Ukendt art af antal {wrong}: brug {' eller '.join(COUNT_KINDS)}.")
    return list(counts)


def table_html(
    df: pd.DataFrame | pd.Series,
    title: str | None = None,
    counts: Mapping[str, str] | None = None,
    money: Iterable[str] = (),
    pct: Iterable[str] = (),
    *,
    byraad: bool = False,
    threshold: int = 5,
    forbidden: set[str] | frozenset[str] = frozenset(),
    max_rows: int | None = DEFAULT_MAX_ROWS,
    decimaler: int | None = None,
    note: str | None = None,
    wide: Mapping[str, str] | None = None,
) -> str:
    """The HTML of a Danish formatted table (pure; `show_table` displays it).

    counts: the columns of counts with their kind, {column: 'borgere' or 'bevillinger'}
    (citizens, or grants): integers; in byraad mode suppressed with `privacy.suppress`
    (jointly, so secondary suppression works across a cross table) and the footnote added.
    money: kr. pct: shares (0.125 -> '12,5 %'). Other columns by dtype.
    Every `counts` cell gets class "antal-borgere". A non-default index becomes columns.
    wide: columns of long text (reasons, explanations) with their minimum width,
    {'aarsager': '40em'}, so they stay readable in a narrow place such as a widget panel
    (the table then scrolls sideways).
    In byraad mode raises PrivatlivsFejl for tables with person/case ids.
    """
    frame = _prepare(df)
    counts, money, pct_cols = count_columns(counts or {}), list(money), list(pct)
    wide = dict(wide or {})
    unknown = [c for c in [*counts, *money, *pct_cols, *wide] if c not in frame.columns]
    if unknown:
        raise KeyError(f"Tabellen har ikke kolonnerne {', '.join(map(str, unknown))}.")
    footnote = None
    if byraad:
        bad = id_columns(frame, forbidden)
        if bad:
            raise PrivatlivsFejl(
                "Byrådsrapporter må ikke vise id'er eller lister over enkelte borgere eller "
                f"sager; tabellen{f' {title!r}' if title else ''} har kolonnerne "
                f"{', '.join(bad)}. Vis en optælling i stedet, eller brug publikum='intern'."
            )
        if counts:
            frame = frame.copy()
            numeric = frame[counts].apply(pd.to_numeric, errors="coerce").fillna(0)
            hidden = privacy.suppress(numeric, threshold)
            for column in counts:
                frame[column] = hidden[column].where(
                    hidden[column].map(lambda v: isinstance(v, str)), frame[column]
                ).astype(object)
            if hidden.map(lambda v: isinstance(v, str)).to_numpy().any():
                footnote = privacy.footnote(threshold)
    total = len(frame)
    shown = frame if max_rows is None or total <= max_rows else frame.head(max_rows)
    kinds = {c: "counts" for c in counts} | {c: "money" for c in money} | {
        c: "pct" for c in pct_cols
    }
    numeric_cols = set(kinds)
    for column in shown.columns:
        if column not in kinds and (
            pd.api.types.is_numeric_dtype(shown[column])
            and not pd.api.types.is_bool_dtype(shown[column])
            and not is_year_column(column, shown[column])
        ):
            numeric_cols.add(column)
    parts = ['<table class="sa-tabel">']
    if title:
        parts.append(f"<caption>{html.escape(title)}</caption>")
    header = "".join(
        ('<th scope="col" class="tal">' if c in numeric_cols else '<th scope="col">')
        + html.escape(heading(c)) + "</th>"
        for c in shown.columns
    )
    parts.append(f"<thead><tr>{header}</tr></thead><tbody>")
    formatters = {
        c: _formatter(shown[c], kinds.get(c, ""), decimaler) for c in shown.columns
    }
    columns = list(shown.columns)
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(columns, row):
            text = "–" if _is_missing(value) else formatters[column](value)
            classes = []
            if column in numeric_cols:
                classes.append("tal")
            if kinds.get(column) == "counts":
                classes.append(COUNT_CLASS)
            cls = f' class="{" ".join(classes)}"' if classes else ""
            style = (' style="text-align:right"' if column in numeric_cols else
                     f' style="min-width:{wide[column]}"' if column in wide else "")
            cells.append(f"<td{cls}{style}>{html.escape(str(text))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    notes = []
    if len(shown) < total:
        notes.append(f"Viser de første {tal(len(shown))} af {tal(total)} rækker.")
    if footnote:
        notes.append(footnote)
    if note:
        notes.append(note)
    notes_html = "".join(f'<p class="fodnote">{html.escape(n)}</p>' for n in notes)
    # Inline as well as in sa.css: JupyterLab and widget panels do not load the stylesheet.
    box = '<div class="sa-tabel-boks" style="overflow-x:auto;max-width:100%">'
    return f'{box}{"".join(parts)}{notes_html}</div>'


def show_table(
    df: pd.DataFrame | pd.Series,
    title: str | None = None,
    counts: Mapping[str, str] | None = None,
    money: Iterable[str] = (),
    pct: Iterable[str] = (),
    *,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    decimaler: int | None = None,
    note: str | None = None,
    tom: str | None = None,
    wide: Mapping[str, str] | None = None,
) -> None:
    """Display a table in Danish format (thousand dots, decimal comma, kr., %).

    counts declares the columns of counts with what they count, {column: 'borgere'} or
    'bevillinger'; money / pct name the columns of amounts in kr. and of shares.
    In the current session's byraad mode the table is refused (PrivatlivsFejl) if it holds
    borger_id, bevilling_id, maal_id or values that look like ids/pseudonyms/CPR numbers, and
    the counts columns are suppressed below the discretion threshold, with the footnote.
    Long tables are cut at max_rows (with a note); put full lists in `report.excel`.
    tom: text shown instead when the table has no rows (e.g. 'Ingen advarsler.').
    wide: columns of long text kept readable (see `table_html`).
    """
    session = current_or_none()
    if tom is not None and len(df) == 0:
        markdown(tom)
        return
    byraad = bool(session and session.byraad)
    forbidden = session.forbidden_ids if byraad else frozenset()
    _display_html(
        table_html(
            df, title, counts, money, pct,
            byraad=byraad,
            threshold=session.diskretion if session else 5,
            forbidden=forbidden,
            max_rows=max_rows,
            decimaler=decimaler,
            note=note,
            wide=wide,
        )
    )


def figure_html(fig, alt: str, caption: str | None = None) -> str:
    """The HTML of a figure: an inline PNG <img> with Danish alt text (pure; closes nothing)."""
    if not alt or not str(alt).strip():
        raise ValueError("En figur skal have en alt-tekst, der siger, hvad den viser.")
    fig = getattr(fig, "figure", None) or (fig.get_figure() if hasattr(fig, "get_figure") else fig)
    data = base64.b64encode(figure_png(fig, dpi=FIGURE_DPI)).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="sa-figur"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(str(alt), quote=True)}" style="max-width:100%;height:auto"/>'
        f"{cap}</figure>"
    )


def figure(fig, alt: str, caption: str | None = None) -> None:
    """Display a matplotlib figure (or seaborn grid/axes) as a PNG with alt text, then close it.

    The alt text (Danish) says what the figure shows; it is kept in the exported HTML.
    """
    import matplotlib.pyplot as plt

    text = figure_html(fig, alt, caption)
    target = getattr(fig, "figure", None) or fig
    plt.close(target)
    _display_html(text)


def markdown(text: str) -> None:
    """Display Danish prose written in Markdown (may hold `antal_borgere(...)` spans)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def antal_borgere(n: float | None) -> str:
    """A count of citizens for prose: '1.234', or '<5' in byraad mode when 0 < n < diskretion.

    Returned as `<span class="antal-borgere">…</span>` so the byråd check on the HTML sees it;
    use inside `report.markdown(...)` text.
    """
    return _count_span(n)


def antal_bevillinger(n: float | None) -> str:
    """A count of grants for prose, suppressed and marked like `antal_borgere`."""
    return _count_span(n)


def _count_span(n: float | None) -> str:
    session = current_or_none()
    if n is None or _is_missing(n):
        text = "–"
    elif session is not None and session.byraad and 0 < n < session.diskretion:
        text = f"<{session.diskretion}"
    else:
        text = tal(n)
    return f'<span class="{COUNT_CLASS}">{html.escape(text)}</span>'
