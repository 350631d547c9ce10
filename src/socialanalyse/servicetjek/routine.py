"""The monthly routine's memory in one call: the decisions read so far, the savings they
realised and the shares the potential uses (notebook 01 and any scheduled run)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Parametre
from ..data import Data
from .decisions import decision_folder, read_decision_folder
from .history import Beslutninger
from .observed import Andele, observed_shares
from .review import Realiseret, realized_savings


@dataclass(frozen=True)
class Rutine:
    """What the decisions so far mean for this month's screening.

    mappe: the decisions folder read (None: none set). beslutninger: what was read (None
    without a folder). realiseret: the savings of the applicable decisions (None when there
    are none). andele: observed shares per rule (None without savings). parametre: the
    parameters the potential uses: the observed shares where there are enough decisions,
    else the given parameters unchanged.
    """

    mappe: Path | None
    beslutninger: Beslutninger | None
    realiseret: Realiseret | None
    andele: Andele | None
    parametre: Parametre


def decisions_so_far(data: Data, params: Parametre,
                     chosen: str | os.PathLike | None = None) -> Rutine:
    """Read the decisions folder (`chosen`, else servicetjek.beslutninger; see
    `decision_folder`), realise the savings of the decisions that apply and replace the
    assumed shares by the observed ones (`observed_shares`)."""
    mappe = decision_folder(params, chosen)
    valg = read_decision_folder(mappe, data) if mappe else None
    realiseret = (realized_savings(valg.gaeldende, data, params)
                  if valg is not None and valg.antal else None)
    andele = observed_shares(realiseret.traef, params) if realiseret is not None else None
    return Rutine(mappe, valg, realiseret, andele, andele.parametre if andele else params)
