"""The data foundation: the contract, loading and the synthetic municipality (the reference
tables are socialanalyse.reference)."""

from .tables import Data, DataFejl, empty_table


def load(kommune, **kwargs) -> Data:
    """Load a municipality's extracts (a slug or a Parametre object) into validated tables.

    See socialanalyse.data.loading.load for the details.
    """
    from .loading import load as _load

    return _load(kommune, **kwargs)


__all__ = ["Data", "DataFejl", "empty_table", "load"]
