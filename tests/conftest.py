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


@pytest.fixture(autouse=True)
def _report_session_stays_in_its_test():
    """A test that starts a report session (e.g. the byråd audience) does not leave it for the
    next test in the same process: the session current before the test is restored after it."""
    from socialanalyse.report import session

    before = session._current
    yield
    session._current = before
