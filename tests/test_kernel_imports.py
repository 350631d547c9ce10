"""What a notebook's kernel imports stays light (issue 18: the CPU per notebook): the modules
the notebooks import do not pull in what only the runner's own process needs."""

import os
import subprocess
import sys
from pathlib import Path

from socialanalyse.runner.kernels import notebook_imports

ROOT = Path(__file__).resolve().parents[1]
# Each costs CPU in every kernel that imports it; nbformat alone (jsonschema and its format
# checkers) about a second.
RUNNER_ONLY = ("nbformat", "jsonschema", "nbconvert", "papermill", "jupyter_client")


def test_the_notebooks_imports_leave_the_runners_libraries_alone():
    modules = sorted({m for nb in (ROOT / "notebooks").glob("*.ipynb")
                      for m in notebook_imports(nb) if m.startswith("socialanalyse")})
    assert "socialanalyse.report" in modules and "socialanalyse.views" in modules
    code = (f"import importlib, sys\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
            f"print(sorted(m for m in {RUNNER_ONLY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "agg"}).stdout
    assert out.strip() == "[]"
