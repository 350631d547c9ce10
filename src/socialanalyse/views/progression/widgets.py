"""The intervention explorer of notebook 02 (intern mode): pick an intervention and an outcome and see the
effect estimate, its figure and the plain-Danish conclusion.

The callback is `intervention_view`, a plain function (tested); `intervention_explorer`
only wires ipywidgets to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...progression import (
    SAMLET,
    Indsats,
    InterventionResult,
    analyse_intervention,
    outcome_options,
)
from ...progression.intervention import intervention_options
from ...report.display import figure_html
from ...report.widgets import control_layout, control_style
from .figures import did_figure
from .text import interpret

EXPLORER_ALT = ("Linjediagram med det gennemsnitlige niveau før og efter for den valgte indsats og "
                "sammenligningsgruppen.")


def option_label(row: pd.Series) -> str:
    """'§85 – Bostøtten Nord – Tilbud (34 borgere)' for a row of `intervention_options`."""
    parts = [row["paragraf"], row["leverandoer"] or row["leverandoer_id"]]
    if isinstance(row.get("tilbud"), str):
        parts.append(row["tilbud"])
    return " – ".join(map(str, parts)) + f" ({row['antal_borgere']} borgere)"


def indsats_of(row: pd.Series, start) -> Indsats:
    """The `Indsats` of a row of `intervention_options`."""
    tilbud = row.get("tilbud_id")
    return Indsats(
        pd.Timestamp(start), paragraf=row["paragraf"], leverandoer_id=row["leverandoer_id"],
        tilbud_id=tilbud if isinstance(tilbud, str) else None,
    )


@dataclass(frozen=True)
class InterventionView:
    """What the explorer shows for one choice: the result (None on error), the Danish text
    and the DiD figure (None on error)."""

    result: InterventionResult | None
    tekst: str
    figur: object | None


def intervention_view(
    data,
    indsats: Indsats,
    tema: str,
    *,
    sammenligning: str = "paragraf",
    match: bool = False,
    k: int = 1,
    confidence: float = 0.95,
    min_borgere: int = 20,
    max_std_forskel: float = 0.25,
) -> InterventionView:
    """Analyse one intervention on one outcome and word the result; a choice that cannot be
    analysed (no grants, too few citizens) gives its Danish reason as the text."""
    try:
        res = analyse_intervention(
            data, indsats, tema, sammenligning=sammenligning, match=match, k=k,
            confidence=confidence, metode=None,
        )
    except ValueError as exc:
        return InterventionView(None, f"Kan ikke beregnes: {exc}.", None)
    udfald = "det samlede niveau" if tema == SAMLET else f"niveauet for {tema}"
    text = interpret(
        res.did, udfald=udfald, min_borgere=min_borgere, antal_indsats=res.antal_indsats,
        antal_sammenligning=res.antal_sammenligning, std_forskel_foer=res.std_forskel_foer,
        max_std_forskel=max_std_forskel,
    )
    label = "samlet niveau" if tema == SAMLET else tema
    return InterventionView(res, text, did_figure(res.celler, res.did, label))


def intervention_explorer(data, parametre, *, min_antal: int = 5):
    """Drop-downs for intervention (offers with at least `min_antal` citizens), outcome and
    comparison group, and a matching check box; shows `intervention_view` on every change.
    `parametre` is the progression section (start, defaults, thresholds)."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    p = parametre
    options = intervention_options(data, p.indsats.start)
    options = options[options["antal_borgere"] >= min_antal].reset_index(drop=True)
    labels = [(option_label(r), i) for i, r in options.iterrows()]
    default = next(
        (i for i, r in options.iterrows()
         if r["paragraf"] == p.indsats.paragraf and r.get("tilbud_id") == p.indsats.tilbud_id),
        0,
    )
    common = {"style": control_style(), "layout": control_layout()}
    choose = w.Dropdown(options=labels, value=default if labels else None, description="Indsats",
                        **common)
    outcome = w.Dropdown(options=outcome_options(), value=p.udfald, description="Udfald",
                         **common)
    comparison = w.Dropdown(options=[("Samme paragraf, andre leverandører", "paragraf"),
                                     ("Samme målgruppe", "maalgruppe")],
                            value=p.sammenligning, description="Sammenlign med", **common)
    match = w.Checkbox(value=p.match_paa_niveau, description="Match på niveau før",
                       indent=True, **common)
    out = w.Output()

    def update(_change=None):
        with out:
            out.clear_output(wait=True)
            if choose.value is None:
                display(Markdown("Ingen tilbud med nok borgere."))
                return
            view = intervention_view(
                data, indsats_of(options.loc[choose.value], p.indsats.start), outcome.value,
                sammenligning=comparison.value, match=match.value, k=p.match_antal,
                confidence=p.konfidensniveau, min_borgere=p.min_borgere,
                max_std_forskel=p.max_std_forskel,
            )
            if view.figur is not None:
                display(HTML(figure_html(view.figur, alt=EXPLORER_ALT)))
                plt.close(view.figur)
            display(Markdown(view.tekst))

    for widget in (choose, outcome, comparison, match):
        widget.observe(update, names="value")
    update()
    return w.VBox([choose, outcome, comparison, match, out])
