"""pyproject.toml and environment.yml list the same packages, and the code imports only those.

environment.yml (conda) must hold every pip dependency and every extra (dev, lab), with the
same lower bounds. Naming differs in one known place: pip's `dask[distributed]` is conda's
`dask` + `distributed`.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

# pip requirement -> the conda packages that provide it.
PIP_TO_CONDA = {"dask[distributed]": ["dask", "distributed"]}
# Import names that differ from the distribution. Everything imported is declared itself,
# not only through another package that happens to depend on it (IPython, jupyter_client).
IMPORT_PROVIDERS = {
    "yaml": {"pyyaml"},
    "IPython": {"ipython"},
    "distributed": {"dask"},  # dask[distributed]
}


def split(requirement: str) -> tuple[str, str]:
    """'pandas>=2.2' -> ('pandas', '>=2.2'); names lower case with '_' as '-'."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)\s*(.*?)\s*$", requirement)
    assert match, requirement
    name, spec = match.groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    out = {}
    for req in reqs:
        name, spec = split(req)
        out[name] = spec
    out["python"] = project["requires-python"].replace(" ", "")
    return out


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs the package itself
            assert dep.get("pip") == ["-e ."], f"environment.yml pip-sektion: {dep}"
            continue
        name, spec = split(dep)
        if name != "pip":
            out[name] = spec
    return out


def expected_conda() -> dict[str, str]:
    out = {}
    for name, spec in pip_requirements().items():
        for conda_name in PIP_TO_CONDA.get(name, [re.sub(r"\[.*\]", "", name)]):
            out[conda_name] = spec
    return out


def test_environment_yml_has_every_pip_requirement_and_extra():
    missing = sorted(set(expected_conda()) - set(conda_requirements()))
    assert not missing, f"mangler i environment.yml: {missing}"


def test_environment_yml_has_nothing_pyproject_lacks():
    extra = sorted(set(conda_requirements()) - set(expected_conda()))
    assert not extra, f"i environment.yml, men ikke i pyproject.toml: {extra}"


def test_same_version_bounds():
    conda, expected = conda_requirements(), expected_conda()
    differ = {n: (expected[n], conda[n]) for n in expected if n in conda and conda[n] != expected[n]}
    assert not differ, f"forskellige versionskrav (pyproject, environment.yml): {differ}"


def test_dask_naming_is_translated():
    # The one known difference: pip's extra is two conda packages.
    assert "dask[distributed]" in pip_requirements()
    assert {"dask", "distributed"} <= set(conda_requirements())


def _sources(folder: str):
    """(path, Python source) of every module, or every notebook's code cells, in a folder."""
    import nbformat

    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / folder).rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        yield path, "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def third_party_imports(*folders: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    local = {p.stem for p in (ROOT / "tests").glob("*.py")} | {"_common", "min_requirements"}
    for path, source in (s for folder in folders for s in _sources(folder)):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names | local and top != "socialanalyse":
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _declared(*groups: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [r for g in groups for r in (project["dependencies"] if g == "runtime"
                                        else project["optional-dependencies"][g])]
    return {re.sub(r"\[.*\]", "", split(r)[0]) for r in reqs}


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> dict[str, list[str]]:
    return {module: sorted(files) for module, files in imports.items()
            if not (IMPORT_PROVIDERS.get(module, {module.lower().replace("_", "-")}) & declared)}


def test_package_and_notebooks_import_only_declared_runtime_dependencies():
    undeclared = _undeclared(third_party_imports("src/socialanalyse", "notebooks"),
                             _declared("runtime"))
    assert not undeclared, f"importeret, men ikke i pyproject.toml's dependencies: {undeclared}"


def test_tests_and_benchmarks_import_only_declared_dependencies():
    undeclared = _undeclared(third_party_imports("tests", "benchmarks"),
                             _declared("runtime", "dev"))
    assert not undeclared, f"importeret, men ikke i dependencies eller dev: {undeclared}"


def test_every_dependency_has_a_floor_and_test_min_pins_them_all():
    sys.path.insert(0, str(ROOT / ".ci"))
    from min_requirements import floors

    pins = floors()
    names = {re.sub(r"\[.*\]", "", split(p.split("==")[0])[0]) for p in pins}
    assert names == _declared("runtime", "dev")
    assert "pandas==3.1" in pins and "pandera==0.30" in pins  # e.g. pandas>=3.1 -> ==3.1
    assert "\ntest-min:" in (ROOT / "Makefile").read_text(encoding="utf-8")
