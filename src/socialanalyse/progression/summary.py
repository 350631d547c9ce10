"""Notebook glue that is still logic: parameter overrides from the notebook's parameters
cell, the intervention and cut-off they describe, the outcomes to choose from, and the
sensitivity of the effect to the analysis choices. (What notebook 02 shows and records is
in socialanalyse.views.progression.)"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import reference as ref
from ..config import ProgressionParametre
from ..data import derived
from .estimates import Estimate
from .individual import SAMLET, levels
from .intervention import Indsats, InterventionResult


def settings(
    p: ProgressionParametre,
    *,
    paragraf: str | None = None,
    leverandoer_id: str | None = None,
    tilbud_id: str | None = None,
    startdato: str | dt.date | None = None,
    sammenligning: str | None = None,
    udfald: str | None = None,
    succeskriterie: float | None = None,
) -> ProgressionParametre:
    """The progression parameters with the notebook's overrides (None = keep the parameter
    file's value). Naming any of paragraf/leverandoer_id/tilbud_id replaces the whole
    intervention choice (the others become None). Validated like the parameter files."""
    values = p.model_dump()
    if paragraf or leverandoer_id or tilbud_id:
        values["indsats"].update(paragraf=paragraf, leverandoer_id=leverandoer_id,
                                 tilbud_id=tilbud_id)
    if startdato is not None:
        values["indsats"]["start"] = pd.Timestamp(startdato).date()
    for key, value in (("sammenligning", sammenligning), ("udfald", udfald),
                       ("succeskriterie", succeskriterie)):
        if value is not None:
            values[key] = value
    return ProgressionParametre.model_validate(values)


def indsats(p: ProgressionParametre) -> Indsats:
    """The `Indsats` described by the parameters."""
    i = p.indsats
    return Indsats(pd.Timestamp(i.start), i.paragraf, i.leverandoer_id, i.tilbud_id)


def cutoff(p: ProgressionParametre) -> pd.Timestamp:
    """The date durations are compared around: varighed_skaeringsdato, else the start."""
    return pd.Timestamp(p.varighed_skaeringsdato or p.indsats.start)


def outcome_options() -> list[str]:
    """The outcomes to choose from: 'samlet' (the mean over themes) and the VUM themes."""
    temaer = ref.vum_temaer()
    return [SAMLET, *temaer.loc[temaer["metode"] == "VUM2", "tema"]]


def opgoerelsesdato(data) -> pd.Timestamp:
    """The extract's reference date: the last day of the latest paid month."""
    return derived.reference_date(data.betalinger)


def monthly_for(data, paragraf: str) -> pd.DataFrame:
    """`monthly_counts` of a paragraph over the months the payments cover."""
    from .intervention import monthly_counts

    periode = data.betalinger["periode"]
    return monthly_counts(data.bevillinger, paragraf, periode.min(), periode.max())


def sensitivity(data, p: ProgressionParametre) -> tuple[InterventionResult, dict[str, Estimate]]:
    """The chosen analysis and the same effect estimated other ways, to see whether the
    conclusion depends on the choices: matched on the level before, the other comparison
    rule, and the intervention group alone (before/after, no comparison group).

    Returns (the chosen result, {Danish label: Estimate}); a variant that cannot be computed
    (e.g. too few citizens) is left out."""
    from .intervention import analyse_intervention

    # The assessment levels once for all the variants (each would compute the same).
    common = {"k": p.match_antal, "confidence": p.konfidensniveau, "metode": p.vurderingsmetode,
              "niveauer": levels(data.vurderinger, p.vurderingsmetode)}
    chosen = analyse_intervention(data, indsats(p), p.udfald, sammenligning=p.sammenligning,
                                  match=p.match_paa_niveau, **common)
    other = "maalgruppe" if p.sammenligning == "paragraf" else "paragraf"
    labels = {"paragraf": "samme paragraf, andre leverandører", "maalgruppe": "samme målgruppe"}
    out = {f"Forskel-i-forskelle ({labels[p.sammenligning]}"
           + (", matchet" if p.match_paa_niveau else "") + ")": chosen.did}
    variants = {
        f"Forskel-i-forskelle ({labels[p.sammenligning]}, "
        + ("uden matchning" if p.match_paa_niveau else "matchet på niveau før") + ")":
            {"sammenligning": p.sammenligning, "match": not p.match_paa_niveau},
        f"Forskel-i-forskelle ({labels[other]})": {"sammenligning": other, "match": False},
    }
    for label, choice in variants.items():
        try:
            out[label] = analyse_intervention(data, indsats(p), p.udfald, **choice, **common).did
        except ValueError:
            continue
    out["Kun indsatsgruppen før/efter (ingen sammenligning)"] = chosen.foer_efter
    return chosen, out


def estimates_table(estimates: dict[str, Estimate]) -> pd.DataFrame:
    """Estimates side by side: metode, effekt, ci_lav, ci_hoej, p_vaerdi, antal_borgere."""
    return pd.DataFrame(
        [
            {"metode": name, "effekt": e.estimate, "ci_lav": e.ci_low, "ci_hoej": e.ci_high,
             "p_vaerdi": e.p_value, "antal_borgere": e.n}
            for name, e in estimates.items()
        ]
    )
