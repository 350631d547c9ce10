"""The data foundation: the contract, loading and the synthetic municipality (the reference
tables are socialanalyse.reference)."""

import os

from .tables import Data, DataFejl, empty_table


def load(kommune, *, root=None) -> Data:
    """Load a municipality's extracts (a slug or a Parametre object) into validated tables.

    See socialanalyse.data.loading.load for the details. During `socialanalyse run` the
    environment variable SOCIALANALYSE_DATA_SNAPSHOT names the run's data snapshot (the same
    data, loaded once for all notebooks; see socialanalyse.data.snapshot): when it holds these
    data parameters, a fresh copy of it is returned instead of reading the extracts again.
    """
    from . import snapshot
    from .loading import load as _load

    if os.environ.get(snapshot.ENV):
        if isinstance(kommune, str):
            from ..config import load_parameters

            kommune = load_parameters(kommune, root=root)
        found = snapshot.read(kommune)
        if found is not None:
            return found
    return _load(kommune, root=root)


__all__ = ["Data", "DataFejl", "empty_table", "load"]
