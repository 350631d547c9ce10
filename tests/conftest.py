"""Shared fixtures."""

import pytest

from socialanalyse.data import Data
from socialanalyse.data.synthetic import generate


@pytest.fixture(scope="session")
def sample():
    """The small synthetic municipality (15,000 inhabitants, seed 1): (Sample, validated Data).

    Made once per test process; test modules may define their own `sample` instead.
    """
    s = generate(indbyggere=15000, seed=1)
    return s, Data.from_tables(s.tables)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """nbval (make test's --nbval-lax notebooks) makes one item per cell: keep each
    notebook's cells together on one xdist worker (--dist loadgroup), in order."""
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.fspath.basename}"))
