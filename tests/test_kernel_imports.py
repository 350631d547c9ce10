"""What a notebook's kernel imports stays light (issue 18: the CPU per notebook): the modules
the notebooks import do not pull in what only the runner's own process needs, nor the
statistics and plotting libraries only some functions use."""

import os
import subprocess
import sys
from pathlib import Path

from socialanalyse.runner.kernels import notebook_imports

ROOT = Path(__file__).resolve().parents[1]
# Each costs CPU in every kernel that imports it; nbformat alone (jsonschema and its format
# checkers) about a second.
RUNNER_ONLY = ("nbformat", "jsonschema", "nbconvert", "papermill", "jupyter_client")
# Imported inside the functions that use them (model fits, tests, seaborn plots): seaborn
# about 0,8 s of CPU, scipy.stats 0,5 s, statsmodels 0,6 s more in every kernel otherwise.
ON_USE = ("seaborn", "scipy.stats", "statsmodels")
# pandera builds the data contract's schemas only when extracts are loaded and validated; a
# kernel reads the run's already validated snapshot (about 0,3 s of CPU otherwise).
ON_LOAD = ("pandera",)


def _loaded_after_importing(modules: list[str], candidates: tuple[str, ...]) -> list[str]:
    # as the kernel's start-up imports them: names that are not modules are skipped
    code = (f"import importlib, sys\nfor m in {modules!r}:\n    try:\n"
            "        importlib.import_module(m)\n    except ModuleNotFoundError:\n"
            "        assert m.rpartition('.')[0] in sys.modules, m\n"
            f"print(sorted(m for m in {candidates!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "agg"}).stdout
    return eval(out.strip())  # a printed list of str


def test_the_notebooks_imports_leave_the_runners_libraries_alone():
    modules = sorted({m for nb in (ROOT / "notebooks").glob("*.ipynb")
                      for m in notebook_imports(nb) if m.startswith("socialanalyse")})
    assert "socialanalyse.report" in modules and "socialanalyse.views" in modules
    assert _loaded_after_importing(modules, RUNNER_ONLY) == []


def test_no_notebook_pays_for_statistics_or_seaborn_it_does_not_import_itself():
    """All notebooks' imports together (in one process: what they pull in together, each
    pulls in at most) load scipy.stats, statsmodels, seaborn and pandera only if a notebook
    imports them by name; and the plot theme `report.setup` applies does not import seaborn."""
    imports = {nb.stem: notebook_imports(nb) for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    own = {h for names in imports.values() for h in ON_USE
           if any(n == h or n.startswith(h + ".") for n in names)}
    everything = list(dict.fromkeys(m for names in imports.values() for m in names))
    loaded = _loaded_after_importing(
        [*everything, "socialanalyse.report.theme"], ON_USE + ON_LOAD)
    assert sorted(set(loaded) - own) == []
    # the check can fail: a module that imports scipy.stats at its top is seen
    assert _loaded_after_importing(["socialanalyse.report", "scipy.stats"], ON_USE) == [
        "scipy.stats"]
