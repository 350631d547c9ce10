"""HTML export of executed notebooks and the run's index page: Danish, code hidden, and
self-contained (no scripts, web fonts or any http(s) address; images are inline data).

Both pages come from Jinja templates in templates/: the nbconvert template socialanalyse/
for a notebook, run_index.html.j2 for the index.

Widgets degrade to static output: the outputs an Output widget (e.g. from `interact`) held
when the notebook was executed and the content of HTML and Label widgets are shown in its
place, with the chosen settings (a slider as its Danish readout); other widgets become a short
Danish note.
"""

from __future__ import annotations

import copy
import html
import os
import re
import threading
from collections.abc import Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from .checks import COUNT_CLASS, COUNT_KINDS
from .files import write_text_atomic
from .format import dato, kr, mio_kr, p_vaerdi, pct, tal
from .labels import guess_unit, heading
from .outputs import HTML_DIR
from .session import META_KEY, load_results
from .widgets import READOUT_CLASS

TEMPLATE_NAME = "socialanalyse"
INDEX_TEMPLATE = "run_index.html.j2"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Cells with one of these tags are left out of the HTML.
HIDDEN_TAGS = ("skjul", "remove_cell", "parameters", "injected-parameters")
_NBCONVERT_ALT = "No description has been provided for this image"
# nbformat is imported where it is used: its import (jsonschema and its format checkers) costs
# about a second of CPU, which every kernel paid through `import socialanalyse.report`.
#: Alt text of images shown without `report.figure` (e.g. plt.show()).
MISSING_ALT = "Figur uden beskrivelse"
_URL_RE = re.compile(r"https?://", re.IGNORECASE)


def templates_dir() -> Path:
    """The folder holding the report's templates (nbconvert's and the index page's)."""
    return Path(str(files("socialanalyse.report").joinpath("templates")))


def css() -> str:
    """The report stylesheet (inlined into every page)."""
    return (templates_dir() / TEMPLATE_NAME / "static" / "sa.css").read_text(encoding="utf-8")


# --- widgets -------------------------------------------------------------------------------


def _widget_states(nb) -> dict[str, Any]:
    return (nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}) or {}).get("state", {}) or {}


def _model_id(ref: object) -> str | None:
    if isinstance(ref, str) and ref.startswith("IPY_MODEL_"):
        return ref[len("IPY_MODEL_"):]
    return None


def _control_text(state: dict[str, Any]) -> str | None:
    description = state.get("description") or ""
    if "value" not in state and "index" not in state:
        return None
    labels = state.get("_options_labels")
    value = state.get("value")
    if labels is not None and state.get("index") is not None:
        index = state["index"]
        value = ", ".join(labels[i] for i in index) if isinstance(index, list) else labels[index]
    if isinstance(value, bool):
        value = "ja" if value else "nej"
    elif isinstance(value, float):
        value = tal(value, 0 if value.is_integer() else 2)
    elif isinstance(value, int):
        value = tal(value)
    elif isinstance(value, list):
        value = "–".join(tal(v, 0 if float(v).is_integer() else 2) if isinstance(v, (int, float))
                         else str(v) for v in value)
    if value in (None, ""):
        return None
    return f"{description.rstrip(':')}: {value}" if description else str(value)


def _readout_row(children: list, states: dict[str, Any]) -> str | None:
    """'Description: 25 %' for a `widgets.slider_row` (a control and its Danish readout label),
    else None."""
    ids = [_model_id(c) for c in children]
    if len(ids) != 2 or not all(i in states for i in ids):
        return None
    control, label = (states[i] for i in ids)
    if READOUT_CLASS not in label.get("state", {}).get("_dom_classes", []):
        return None
    description = (control.get("state", {}).get("description") or "").rstrip(":")
    value = label["state"].get("value", "")
    return f"{description}: {value}" if description else value


def _collect(model_id: str, states: dict[str, Any], controls: list[str], outputs: list,
             seen: set[str]) -> None:
    if model_id in seen or model_id not in states:
        return
    seen.add(model_id)
    model = states[model_id]
    state = model.get("state", {})
    name = model.get("model_name", "")
    if name == "OutputModel":
        outputs.extend(state.get("outputs", []))
        return
    if name in ("HTMLModel", "HTMLMathModel", "LabelModel"):
        import nbformat

        # What the widget showed, as static HTML (a Label's value is plain text).
        value = state.get("value") or ""
        if value.strip():
            shown = value if name != "LabelModel" else f"<p>{html.escape(value)}</p>"
            outputs.append(nbformat.v4.new_output(
                "display_data", data={"text/html": f'<div class="sa-widget-html">{shown}</div>',
                                      "text/plain": re.sub(r"<[^>]+>", "", value)}))
        return
    children = state.get("children") or []
    readout = _readout_row(children, states)
    if readout:
        controls.append(readout)
        return
    if children:
        for child in children:
            child_id = _model_id(child)
            if child_id:
                _collect(child_id, states, controls, outputs, seen)
        return
    if model.get("model_name", "").endswith(("SliderModel", "DropdownModel", "TextModel",
                                              "CheckboxModel", "ToggleButtonsModel",
                                              "SelectModel", "RadioButtonsModel",
                                              "BoundedFloatTextModel", "BoundedIntTextModel",
                                              "FloatTextModel", "IntTextModel",
                                              "SelectMultipleModel", "ToggleButtonModel",
                                              "DatePickerModel", "SelectionSliderModel",
                                              "SelectionRangeSliderModel")):
        text = _control_text(state)
        if text:
            controls.append(text)


def static_widgets(nb) -> Any:
    """A copy of an executed notebook with widget outputs replaced by static outputs.

    A widget view becomes the outputs its Output widgets held when executed and what its HTML
    and Label widgets showed, in order, preceded by a Danish line naming the settings used
    (slider values as their readouts, choices); a widget without recorded output becomes a
    note. The widget state is removed from the metadata.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    states = _widget_states(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        new_outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW not in data:
                new_outputs.append(output)
                continue
            controls: list[str] = []
            inner: list = []
            model_id = data[WIDGET_VIEW].get("model_id")
            if model_id:
                _collect(model_id, states, controls, inner, set())
            if controls:
                text = "Vist med indstillingerne: " + "; ".join(controls) + "."
                new_outputs.append(nbformat.v4.new_output(
                    "display_data",
                    data={"text/html": f'<p class="sa-widget">{html.escape(text)}</p>',
                          "text/plain": text},
                ))
            if inner:
                new_outputs.extend(nbformat.from_dict(o) for o in inner)
            elif not controls:
                new_outputs.append(nbformat.v4.new_output(
                    "display_data",
                    data={"text/html": '<p class="sa-widget">Interaktivt element: kan bruges, '
                                       "når notebooken åbnes i JupyterLab.</p>",
                          "text/plain": "Interaktivt element."},
                ))
        cell["outputs"] = new_outputs
    nb.metadata.pop("widgets", None)
    return nb


# --- papermill's error markers -----------------------------------------------------------------

PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"


def danish_error_markers(nb) -> Any:
    """Papermill marks a failed run with two English cells (a note at the top, an anchor above
    the failing cell); say the same in Danish, keeping the anchor. Works on a copy."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if PAPERMILL_ERROR_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        if 'id="papermill-error-cell"' in cell.source:
            cell.source = ('<span id="papermill-error-cell" class="sa-fejl">'
                           "Her stoppede kørslen med en fejl:</span>")
        else:
            cell.source = ('<span class="sa-fejl">Kørslen stoppede med en fejl, og rapporten er '
                           'ufuldstændig; se <a href="#papermill-error-cell">fejlen</a>.</span>')
    return nb


# --- making the page self-contained ----------------------------------------------------------


def _unlink(match: re.Match) -> str:
    text, address = match.group(2), _URL_RE.sub("", match.group(1))
    plain = re.sub(r"<[^>]+>", "", text).strip()
    if plain.rstrip("/") == address.rstrip("/") or _URL_RE.sub("", plain) == address:
        return f'<span class="sa-adresse">{address}</span>'
    return f'{text} <span class="sa-adresse">({address})</span>'


def make_self_contained(page: str) -> str:
    """Remove every reference to an http(s) address from an HTML page.

    Links to web pages become their text followed by the address without 'https://' (the
    reader can still type it; nothing is fetched); SVG namespace declarations, which inline
    SVG in HTML does not need, are dropped; any address left in the text loses its scheme.
    Scripts and external stylesheets are removed.
    """
    page = re.sub(r"<script\b[^>]*\bsrc=[^>]*>\s*</script>", "", page, flags=re.IGNORECASE)
    page = re.sub(r"<link\b[^>]*>", "", page, flags=re.IGNORECASE)
    page = re.sub(
        r'<a\b[^>]*\bhref="(https?://[^"]*)"[^>]*>(.*?)</a>', _unlink, page,
        flags=re.IGNORECASE | re.DOTALL,
    )
    page = re.sub(r'\s+xmlns(?::\w+)?="https?://[^"]*"', "", page, flags=re.IGNORECASE)
    return _URL_RE.sub("", page)


# --- export ---------------------------------------------------------------------------------


def new_exporter():
    """A fresh nbconvert HTMLExporter for the report template (code and prompts hidden, cells
    with a HIDDEN_TAGS tag removed). Everything that differs between notebooks goes in the
    resources of each `from_notebook_node` call, so one exporter serves every page."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        extra_template_basedirs=[str(templates_dir())],
        template_name=TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        # The notebook is validated once, after all preprocessors, not after each of them
        # (13 validations of every page).
        optimistic_validation=True,
    )
    remover = TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS), enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


# One exporter per process (a runner worker exports every notebook of every municipality it
# runs): a new one compiles nbconvert's Jinja templates again, about a third of a page's
# export CPU (benchmarks/bench_export.py). The lock keeps two threads from using it at once
# (it holds per-call filters).
_exporter: list[Any] = []
_lock = threading.Lock()


def notebook_html(
    nb, title: str, lang: str = "da", *, subtitle: str | None = None, footer: str | None = None
) -> str:
    """The report HTML of an executed notebook object (see `export_html`)."""
    nb = static_widgets(danish_error_markers(nb))
    resources = {
        "sa": {"title": title, "lang": lang, "subtitle": subtitle, "footer": footer,
               "css": css()},
        "metadata": {"name": title},
    }
    with _lock:
        if not _exporter:
            _exporter.append(new_exporter())
        body, _ = _exporter[0].from_notebook_node(nb, resources=resources)
    # nbconvert fills missing alt texts in English; say it in Danish.
    body = body.replace(f'alt="{_NBCONVERT_ALT}"', f'alt="{MISSING_ALT}"')
    return make_self_contained(body)


def export_html(
    notebook_path: str | os.PathLike,
    html_path: str | os.PathLike,
    title: str,
    lang: str = "da",
    *,
    subtitle: str | None = None,
    footer: str | None = None,
) -> Path:
    """Export an executed notebook to a self-contained HTML report and return its path.

    Code cells and prompts are hidden (outputs and markdown shown); cells tagged 'skjul',
    'remove_cell', 'parameters' or 'injected-parameters' are left out; stderr (warnings) is
    left out; papermill's error notes are in Danish (`danish_error_markers`); widgets degrade to static output (`static_widgets`); `<html lang=...>`; the
    stylesheet is inlined and no http(s) address remains (`make_self_contained`). Written to
    a temp file and renamed.
    """
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    page = notebook_html(nb, title, lang, subtitle=subtitle, footer=footer)
    path = Path(html_path)
    write_text_atomic(path, page)
    return path


# --- the run's index ------------------------------------------------------------------------


def format_value(name: str, value: Any, enhed: str | None = None,
                 navne: Mapping[str, str] | None = None) -> str:
    """A recorded value in Danish for a person: by `enhed` ('kr', 'mio_kr', 'pct', 'tal',
    'dato', 'tekst', 'aar', 'p_vaerdi'; counts 'borgere' and 'bevillinger' as numbers) or
    guessed from the name and value (amounts in kr, shares as %: `labels.guess_unit`; ISO
    dates; years such as seneste_hele_aar = 2025 as '2025'). A mapping's keys are shown by
    their `navne` where given (rule ids as rule names)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and enhed in (None, "dato"):
            import datetime as dt

            return dato(dt.date.fromisoformat(value))
        return value
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, list):
        return " – ".join(format_value(name, v, enhed) for v in value)
    if isinstance(value, dict):
        names = navne or {}
        return "; ".join(f"{names.get(k, k)}: {format_value(name, v, enhed)}"
                         for k, v in value.items())
    words = name.lower().split("_")
    kind = "tal" if enhed in COUNT_KINDS else enhed
    if kind is None and isinstance(value, int) and "aar" in words and 1900 <= value <= 2100:
        kind = "tekst"  # a year: 2025, not 2.025
    if kind is None:
        guessed = guess_unit(name)
        kind = ("mio_kr" if abs(value) >= 1e6 else "kr") if guessed == "kr" else guessed or "tal"
    if kind == "kr":
        return kr(value)
    if kind == "mio_kr":
        return mio_kr(value)
    if kind == "pct":
        return pct(value)
    if kind == "p_vaerdi":
        return p_vaerdi(value)
    if kind in ("tekst", "aar"):
        return str(value)
    if kind == "tal" and isinstance(value, float) and not value.is_integer():
        # Effects, levels and p-values are small numbers: two decimals; larger ones one.
        return tal(value, 2 if abs(value) < 10 else 1)
    return tal(value) if isinstance(value, (int, float)) else str(value)


def _headlines(notebook: str, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A notebook's recorded results for the index: label, Danish text and whether it is a
    declared count of citizens or grants (marked for the byråd check)."""
    values = results.get(notebook) or {}
    meta = (results.get(META_KEY) or {}).get(notebook, {})
    rows = []
    for name, value in values.items():
        info = meta.get(name, {})
        rows.append({"label": info.get("label") or heading(name),
                     "text": info.get("tekst") or format_value(name, value, info.get("enhed"),
                                                               info.get("navne")),
                     "count": info.get("enhed") in COUNT_KINDS})
    return rows


#: How a notebook's status is shown in the index.
STATUS_TEXT = {
    "ok": "Gennemført",
    "fejl": "Fejlede",
    "fejlet": "Fejlede",
    "afvist": "Afvist af byrådstjekket",
    "ikke kørt": "Ikke kørt",
}


def _index_link(run_dir: Path, link: object) -> str | None:
    """A report's link relative to <run_dir>/html/ (accepts 'x.html', 'html/x.html' or a path)."""
    if not link:
        return None
    path = Path(str(link))
    if path.is_absolute():
        return Path(os.path.relpath(path, run_dir / HTML_DIR)).as_posix()
    if path.parts and path.parts[0] == HTML_DIR:
        path = Path(*path.parts[1:])
    return path.as_posix()


def _pdf_link(link: object) -> str | None:
    """A PDF's link from html/index.html: relative to the run folder ('pdf/x.pdf') given."""
    return f"../{Path(str(link)).as_posix()}" if link else None


def index_html(
    results: Mapping[str, Any],
    reports: Iterable[Mapping[str, Any]],
    run_dir: Path,
    *,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "da",
) -> str:
    """The index page's HTML (pure; see `build_index`), rendered from run_index.html.j2."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    sections = []
    for report in reports:
        notebook = str(report.get("notebook", ""))
        status = str(report.get("status", "ok"))
        sections.append({
            "heading": report.get("title") or report.get("titel") or heading(
                re.sub(r"^\d+_", "", notebook)),
            "link": _index_link(run_dir, report.get("html") or report.get("link")),
            "pdf": _pdf_link(report.get("pdf")),
            "status_text": STATUS_TEXT.get(status, status),
            "status_class": "sa-status-ok" if status == "ok" else "sa-status-fejl",
            "error": report.get("error") or report.get("fejl"),
            "headlines": _headlines(notebook, results),
        })
    env = Environment(loader=FileSystemLoader(str(templates_dir())),
                      autoescape=select_autoescape(["html.j2"]), keep_trailing_newline=True,
                      trim_blocks=True)
    page = env.get_template(INDEX_TEMPLATE).render(
        lang=lang, title=title or "Rapporter", subtitle=subtitle, css=css(), reports=sections,
        count_class=COUNT_CLASS)
    return make_self_contained(page)


def build_index(
    run_dir: str | os.PathLike,
    reports: Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "da",
) -> Path:
    """Write <run_dir>/html/index.html listing the run's reports; returns its path.

    Each report is a mapping with
      notebook: the notebook's name, e.g. '00_datagrundlag' (its key in results.json);
      title (or titel): the report's Danish title (default from the name);
      html (or link): the HTML file: relative to html/ ('00_datagrundlag.html'), relative to
        the run folder ('html/00_datagrundlag.html') or absolute; None = no link;
      pdf (optional): the report's PDF relative to the run folder ('pdf/00_datagrundlag.pdf');
      status: 'ok', 'fejlet', 'afvist' or 'ikke kørt' (`STATUS_TEXT`; others shown as is);
      error (or fejl, optional): a short Danish error text for a failed notebook.
    Headline figures come from <run_dir>/results.json, formatted in Danish with their labels;
    results declared counts of citizens or grants carry class "antal-borgere" (see
    `report.checks`).
    """
    run_dir = Path(run_dir)
    page = index_html(load_results(run_dir), reports, run_dir, title=title, subtitle=subtitle,
                      lang=lang)
    path = run_dir / HTML_DIR / "index.html"
    write_text_atomic(path, page)
    return path
