"""Every committed notebook (notebooks/*.ipynb) is stored clean and runnable by the runner:
no outputs or execution counts, the python3 kernelspec, and a first code cell tagged
`parameters` that assigns kommune, publikum and run_dir with working defaults."""

from __future__ import annotations

import ast
import re

import nbformat
import pytest
from run_support import NOTEBOOKS

from socialanalyse.runner.plan import KLYNGE_NOTEBOOKS

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks_and_they_are_numbered():
    assert PATHS, "notebooks/ holds no notebooks"
    for path in PATHS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.stem), path.name
    numbers = [p.stem[:2] for p in PATHS]
    assert len(set(numbers)) == len(numbers), "two notebooks share a number"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_without_outputs_with_kernelspec_and_parameters(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.get("outputs") == [], f"{path.name}: a cell has stored outputs"
        assert cell.get("execution_count") is None, f"{path.name}: stored execution count"
    assert code, f"{path.name} has no code"
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), (
        f"{path.name}: the first code cell must be tagged 'parameters'")
    assigned = {
        target.id: node.value
        for node in ast.parse(first.source).body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    # A cluster's notebook (09_klynge) takes the cluster's name instead of a municipality's.
    who, default = ("klynge", "vestklyngen") if path.stem in KLYNGE_NOTEBOOKS else (
        "kommune", "eksempelkommune")
    assert {who, "publikum", "run_dir"} <= set(assigned), path.name
    assert ast.literal_eval(assigned[who]) == default
    assert ast.literal_eval(assigned["publikum"]) == "intern"
    assert ast.literal_eval(assigned["run_dir"]) is None
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell may be tagged 'parameters'"


def test_pre_commit_strips_notebooks_and_they_are_stripped():
    import subprocess
    import sys

    import yaml

    config = yaml.safe_load((NOTEBOOKS.parent / ".pre-commit-config.yaml").read_text("utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    strip = hooks["nbstripout"]
    assert re.search(strip["files"], "notebooks/00_datagrundlag.ipynb")
    assert "ruff" in hooks and "jupyter" in hooks["ruff"]["types_or"]
    # The hook would change nothing in the committed notebooks.
    done = subprocess.run([sys.executable, "-m", "nbstripout", *strip["args"], "--verify",
                           *map(str, PATHS)], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
