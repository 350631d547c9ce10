"""What notebook 02_effekt_og_progression shows: figures (`figures`), Danish texts (`text`),
the intervention explorer (`widgets`) and the headline results. The numbers come from
socialanalyse.progression. VUM levels: lower is better."""

from __future__ import annotations

import pandas as pd

from ... import report
from ...progression import DurationComparison, Estimate, InterventionResult
from .figures import (
    SHARE_COUNTS,
    did_figure,
    estimates_figure,
    monthly_count_figure,
    shares_figure,
    show_shares,
    survival_figure,
    trajectory_figure,
)
from .text import (
    classification_text,
    conclusion,
    describe_setup,
    design_warnings,
    duration_text,
    interpret,
    outcome_phrase,
    success_text,
)
from .widgets import intervention_explorer, intervention_view

#: What the count columns of the notebook's tables count. Goals and stays in an offer each
#: belong to one citizen, so they are suppressed for the byråd like citizens.
GOAL_COUNTS = {"antal_maal": "borgere", "antal_maalbare": "borgere", "antal_succes": "borgere"}
ATTAINMENT_COUNTS = {c: "borgere" for c in ("antal_maal", "afsluttede", "opnaaet",
                                             "delvist_opnaaet", "ikke_opnaaet")}
STAY_COUNTS = {"antal_forloeb": "borgere", "antal_afsluttede": "borgere"}


def paragraph_key(paragraf: str) -> str:
    """'§107' -> '107', '§105+85' -> '105_85': a paragraph in a results.json name."""
    return paragraf.replace("§", "").replace(" ", "_").replace("+", "_").lower()


def headline_results(
    effekt: InterventionResult,
    status: str,
    andele: pd.DataFrame,
    varighed: DurationComparison,
    paragraf: str,
    medianer_alle: pd.DataFrame,
    antal: Estimate | None = None,
    maal: pd.DataFrame | None = None,
) -> dict[str, report.Headline]:
    """The notebook's headline figures for `report.record_all`.

    effekt, ci_lav, ci_hoej, p_vaerdi: the DiD estimate (VUM levels; negative = better);
    succes: the verdict of the success criterion; antal_borgere_indsats / _sammenligning
    (counts of citizens); andel_progression / _stabil / _regression (overall level, first ->
    latest assessment); median_varighed_<paragraf> (days, all stays) and log-rank p
    before/after the cut-off; rateratio_antal with its interval; andel_maal_opnaaet
    (caseworkers' status, concluded goals).
    """
    h = report.Headline
    row = andele.iloc[0]
    key = paragraph_key(paragraf)
    out = {
        "effekt": h(effekt.did.estimate,
                    "Effekt (forskel-i-forskelle, niveau; negativ = forbedring)"),
        "ci_lav": h(effekt.did.ci_low, "Effekt, nedre grænse (95 %)"),
        "ci_hoej": h(effekt.did.ci_high, "Effekt, øvre grænse (95 %)"),
        "p_vaerdi": h(effekt.did.p_value, "p-værdi for effekten", "p_vaerdi"),
        "succes": h(status, "Succeskriterie", "tekst"),
        "effekt_foer_efter": h(effekt.foer_efter.estimate, "Ændring i indsatsgruppen før/efter"),
        "antal_borgere_indsats": h(effekt.antal_indsats, "Borgere i indsatsen", "borgere"),
        "antal_borgere_sammenligning": h(effekt.antal_sammenligning,
                                         "Borgere i sammenligningsgruppen", "borgere"),
        "andel_progression": h(row["andel_progression"], "Andel i progression", "pct"),
        "andel_stabil": h(row["andel_stabil"], "Andel stabile", "pct"),
        "andel_regression": h(row["andel_regression"], "Andel i regression", "pct"),
        f"median_varighed_{key}": h(medianer_alle["median_dage"].iloc[0],
                                    f"Median varighed i {paragraf} (dage)"),
        f"logrank_p_{key}": h(varighed.p_value, f"Log-rank p, varighed i {paragraf} før/efter",
                              "p_vaerdi"),
    }
    if antal is not None:
        out |= {
            "rateratio_antal": h(antal.estimate, "Rateratio, antal pr. måned efter/før"),
            "rateratio_ci_lav": h(antal.ci_low, "Rateratio, nedre grænse"),
            "rateratio_ci_hoej": h(antal.ci_high, "Rateratio, øvre grænse"),
        }
    if maal is not None:
        done = maal["afsluttede"].sum()
        out["andel_maal_opnaaet"] = h(maal["opnaaet"].sum() / done if done else None,
                                      "Andel afsluttede mål opnået", "pct")
    return out


__all__ = [
    "ATTAINMENT_COUNTS",
    "GOAL_COUNTS",
    "SHARE_COUNTS",
    "STAY_COUNTS",
    "classification_text",
    "conclusion",
    "describe_setup",
    "design_warnings",
    "did_figure",
    "duration_text",
    "estimates_figure",
    "headline_results",
    "interpret",
    "intervention_explorer",
    "intervention_view",
    "monthly_count_figure",
    "outcome_phrase",
    "paragraph_key",
    "shares_figure",
    "show_shares",
    "success_text",
    "survival_figure",
    "trajectory_figure",
]
