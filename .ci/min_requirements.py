"""Print every dependency of pyproject.toml pinned to its lower bound, one per line, for the
minimum-versions test run (`make test-min`): `pandas>=2.2` becomes `pandas==2.2`.

Runtime dependencies and every extra (dev, ...) are pinned, so the floors in pyproject.toml
are what is tested; the list is made from pyproject.toml each time and cannot drift. A
dependency without a lower bound is an error (it would be tested at whatever is newest).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)\s*(.*?)\s*$")


def floors(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """`name==floor` for every requirement (dependencies and all extras), in file order."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += [r for r in extra if not r.startswith(project["name"])]
    out = []
    for requirement in requirements:
        name, spec = REQUIREMENT.match(requirement).groups()
        floor = re.search(r">=\s*([^,;\s]+)", spec)
        if floor is None:
            raise SystemExit(f"pyproject.toml: {requirement!r} has no lower bound (>=)")
        out.append(f"{name}=={floor.group(1)}")
    return list(dict.fromkeys(out))


if __name__ == "__main__":
    sys.stdout.write("\n".join(floors()) + "\n")
