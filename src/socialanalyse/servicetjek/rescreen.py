"""`rescreen`: screen again with some thresholds changed and give the new review list (the
widget callback in notebook 01)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..config import Parametre
from ..data import Data
from .review import prioritize
from .screening import Oversigt, screen, summarize, with_overrides


@dataclass(frozen=True)
class Genscreening:
    """The result of `rescreen`: the parameters used, the flags, the summary and the list."""

    parametre: Parametre
    flag: pd.DataFrame
    oversigt: Oversigt
    liste: pd.DataFrame


def rescreen(data: Data, params: Parametre, as_of=None, *, base: pd.DataFrame | None = None,
             **overrides) -> Genscreening:
    """Screen again with some thresholds changed (the widget callback in the notebook), e.g.
    rescreen(data, params, pris_over_sammenlignelige=0.4, dyr_sag_graense=1_500_000).

    Pass `base` (a `screening_base` for the same data, parameters and date) to skip rebuilding
    it; it does not depend on the thresholds, only on `naeste_trin` and the price index.
    """
    new = with_overrides(params, **overrides)
    if base is not None and "naeste_trin" in overrides:
        base = None
    flags = screen(data, new, as_of, base=base)
    return Genscreening(new, flags, summarize(flags, data, as_of), prioritize(flags))
