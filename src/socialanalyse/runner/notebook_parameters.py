"""Notebook parameters: what a scheduled run gives each notebook, and `--parameter` for a
one-off run.

One way (README, parameters/default.yaml): every notebook parameter that matters for a
scheduled run has its key in the municipality's parameters (`FROM_PARAMETERS`). The notebook's
parameter cell leaves it None, which means "as the parameters say" - the analysis reads the
key then (`businesscase.load`, `budget.Indstillinger`, `progression.settings`) - so a scheduled
run uses the municipality's choice, validated before anything runs like every other
parameter, and an analyst in JupyterLab overrides it by setting the cell.

For a one-off run, `socialanalyse run … --parameter 01_servicetjek:vis_antal=50` (repeatable)
sets a notebook parameter; Papermill injects it. It is validated before anything runs: the
notebook must be in the run, the name in its parameter cell, the value of the cell's type
(for a parameter in `FROM_PARAMETERS`: valid for the key it stands for).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

#: Notebook parameters whose value comes from the municipality's parameters when the notebook
#: leaves them None: notebook -> parameter -> key in the parameters (dotted).
FROM_PARAMETERS: dict[str, dict[str, str]] = {
    "01_servicetjek": {"beslutninger": "servicetjek.beslutninger"},
    "02_effekt_og_progression": {
        "paragraf": "progression.indsats.paragraf",
        "leverandoer_id": "progression.indsats.leverandoer_id",
        "tilbud_id": "progression.indsats.tilbud_id",
        "startdato": "progression.indsats.start",
        "sammenligning": "progression.sammenligning",
        "udfald": "progression.udfald",
        "succeskriterie": "progression.succeskriterie",
    },
    "03_business_case": {"case": "businesscase.case"},
    "04_budget_og_prognose": {"aar": "budget.aar", "opgjort": "budget.opgjort"},
    "06_indkoeb": {"ydelse": "indkoeb.prisberegner_ydelse",
                   "timer_pr_uge": "indkoeb.prisberegner_omfang"},
    "10_selvevaluering": {"besvarelse": "selvevaluering.besvarelse"},
}

#: Set by the runner for every notebook (from --kommune and --publikum), never by --parameter.
FROM_RUNNER = ("kommune", "klynge", "publikum", "run_dir")

_NOT_A_LITERAL = object()


def cell_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its cell tagged `parameters`, with their
    defaults ({} without such a cell). A default that is not a plain value is kept as a
    marker: any value may replace it."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            out: dict[str, Any] = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                    node.targets[0], ast.Name
                ):
                    try:
                        out[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        out[node.targets[0].id] = _NOT_A_LITERAL
            return out
    return {}


def parse_value(text: str) -> Any:
    """A value as written on the command line: null/None, true/false, a whole number, a
    decimal number (point or Danish comma), else text (quotes around it are dropped)."""
    t = text.strip()
    if t in ("null", "None", ""):
        return None
    if t in ("true", "True", "false", "False"):
        return t.lower() == "true"
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    if re.fullmatch(r"[+-]?\d+[.,]\d*", t):
        return float(t.replace(",", "."))
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    return t


_KIND = {bool: "true eller false", int: "et heltal", float: "et tal", str: "en tekst"}


def _fits(value: Any, default: Any) -> bool:
    if default is None or default is _NOT_A_LITERAL or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def parse(specs: list[str] | tuple[str, ...], notebooks: list[Path],
          folder: list[Path] | None = None) -> dict[str, dict[str, Any]]:
    """Validate `--parameter NOTEBOOK:NAVN=VÆRDI` specs against the run's notebooks (names or
    number prefixes as for --notebook) and return {notebook stem: {name: value}}. Raises
    ValueError with every problem (Danish). `folder`: all notebooks there, to tell a notebook
    that exists but is not in the run from one that does not exist."""
    out: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    chosen = {p.stem: p for p in notebooks}
    everything = {p.stem for p in (folder or notebooks)}
    for spec in specs:
        where = f"--parameter {spec}"
        head, eq, raw = spec.partition("=")
        notebook, colon, name = head.partition(":")
        notebook, name = notebook.strip(), name.strip()
        if not (eq and colon and notebook and name):
            problems.append(f"{where}: skriv NOTEBOOK:NAVN=VÆRDI, fx "
                            "--parameter 01_servicetjek:vis_antal=50.")
            continue
        stems = [s for s in chosen if notebook in (s, s.split("_", 1)[0])]
        if not stems:
            known = ", ".join(chosen)
            if any(notebook in (s, s.split("_", 1)[0]) for s in everything):
                problems.append(f"{where}: notebooken {notebook!r} er ikke med i kørslen "
                                f"(kørslen har: {known}).")
            else:
                problems.append(f"{where}: ukendt notebook {notebook!r}. Der findes: {known}.")
            continue
        stem = stems[0]
        declared = cell_parameters(chosen[stem])
        if name in FROM_RUNNER:
            problems.append(f"{where}: {name!r} sættes af kørslen (brug --kommune og "
                            "--publikum).")
            continue
        if name not in declared:
            known = ", ".join(n for n in declared if n not in FROM_RUNNER) or "ingen"
            problems.append(f"{where}: notebooken {stem} har ingen parameter {name!r}. Dens "
                            f"parametre er: {known}.")
            continue
        value = parse_value(raw)
        if not _fits(value, declared[name]):
            default = declared[name]
            kind = _KIND.get(type(default), "af samme slags som standardværdien")
            problems.append(f"{where}: værdien skal være {kind} (standardværdien er "
                            f"{default!r}), ikke {raw.strip()!r}.")
            continue
        out.setdefault(stem, {})[name] = value
    if problems:
        raise ValueError("\n".join(problems))
    return out


def check(params, chosen: dict[str, dict[str, Any]]) -> list[str]:
    """Problems (Danish) with the chosen notebook parameters that stand for a key in the
    municipality's parameters: each is validated as if the parameter file had that value."""
    from pydantic import ValidationError

    from .. import config

    problems: list[str] = []
    for notebook, values in chosen.items():
        for name, value in values.items():
            key = FROM_PARAMETERS.get(notebook, {}).get(name)
            if key is None or value is None:
                continue
            content = params.model_dump()
            node = content
            *parents, last = key.split(".")
            for part in parents:
                node = node[part]
            node[last] = value
            try:
                config.Parametre.model_validate(content)
            except ValidationError as exc:
                label = Path(f"--parameter {notebook}:{name}")
                sources = [(label, _nested(key, value))]
                lines = str(config.explain_validation_error(exc, sources, "")).splitlines()[1:]
                problems += [line.strip().removeprefix("- ") for line in lines]
    return problems


def _nested(key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    node = out
    *parents, last = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return out


def effective(params, notebook: str, chosen: dict[str, Any], name: str):
    """The value a notebook parameter in FROM_PARAMETERS takes: the chosen one, else the
    municipality's parameter."""
    if chosen.get(name) is not None:
        return chosen[name]
    node = params
    for part in FROM_PARAMETERS[notebook][name].split("."):
        node = getattr(node, part)
    return node
