"""What notebook 03_business_case shows: figures (`figures`), Danish texts (`text`), display
tables (`tables`), the scenario and assumption panel (`widgets`) and the headline results.
The numbers come from socialanalyse.businesscase; the auditable Excel calculation is written
by `report.calculation_excel`."""

from __future__ import annotations

from ... import report
from ...businesscase import MonteCarloResultat, Resultat
from .figures import (
    cumulative_alt,
    cumulative_figure,
    flows_alt,
    flows_figure,
    monte_carlo_alt,
    monte_carlo_figure,
    tornado_alt,
    tornado_figure,
)
from .tables import assumptions_display, data_values_table, headline_table
from .text import (
    break_even_table,
    break_even_text,
    case_intro,
    conclusion,
    input_labels,
    input_phrase,
)
from .widgets import CaseView, Panel, recompute, render, slider_specs


def headline_results(res: Resultat, mc: MonteCarloResultat | None = None
                     ) -> dict[str, report.Headline]:
    """The case's headline figures for `report.record_all` (present values in kr.; the
    simulation's figures with a Monte Carlo result)."""
    h = report.Headline
    out = {
        "case": h(res.case.id, "Business case", "tekst", tekst=res.case.navn),
        "scenarie": h(res.scenarie or "casens værdier", "Scenarie", "tekst"),
        "horisont": h(res.case.horisont, "Horisont (år)", "tal"),
        "nutidsvaerdi": h(res.nutidsvaerdi, "Nutidsværdi", "mio_kr"),
        "nutidsvaerdi_kommune": h(res.nutidsvaerdi_kommune, "Nutidsværdi for kommunen",
                                  "mio_kr"),
        "nutidsvaerdi_udgifter": h(res.nutidsvaerdi_udgifter, "Udgifter (nutidsværdi)",
                                   "mio_kr"),
        "nutidsvaerdi_gevinster": h(res.nutidsvaerdi_gevinster, "Gevinster (nutidsværdi)",
                                    "mio_kr"),
        # An index of the horizon (år 0 = first year), not a count of persons.
        "tilbagebetalingsaar": h(res.tilbagebetalingsaar,
                                 "Tilbagebetalt i år (år 0 = første år)", "tal"),
        "nulpunkter": h({row.input: row.nulpunkt for row in res.break_even.itertuples()
                         if row.retning in ("mindst", "højst") and row.mulig},
                        "Nulpunkter (break-even)", tekst=break_even_text(res)),
    }
    if mc is not None:
        out |= {
            "sandsynlighed_for_gevinst": h(mc.sandsynlighed_for_gevinst,
                                           "Sandsynlighed for gevinst", "pct"),
            "nutidsvaerdi_p5": h(mc.percentil(5), "Nutidsværdi, 5 %-percentil", "mio_kr"),
            "nutidsvaerdi_p95": h(mc.percentil(95), "Nutidsværdi, 95 %-percentil", "mio_kr"),
            "simuleringer": h(mc.n, "Antal simuleringer", "tal"),
        }
    return out


__all__ = [
    "CaseView",
    "Panel",
    "assumptions_display",
    "break_even_table",
    "break_even_text",
    "case_intro",
    "conclusion",
    "cumulative_alt",
    "cumulative_figure",
    "data_values_table",
    "flows_alt",
    "flows_figure",
    "headline_results",
    "headline_table",
    "input_labels",
    "input_phrase",
    "monte_carlo_alt",
    "monte_carlo_figure",
    "recompute",
    "render",
    "slider_specs",
    "tornado_alt",
    "tornado_figure",
]
