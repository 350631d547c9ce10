"""Sliders for the main screening thresholds (intern mode of notebook 01).

The work is done by `servicetjek.rescreen` (a plain, tested function); `Panel` only wires
ipywidgets to it and shows the per-rule summary and the top of the review list, so it can be
tested without a browser: set a slider's value and read `panel.resultat`.
"""

from __future__ import annotations

import pandas as pd

from ..config import Parametre
from ..data import Data
from ..servicetjek import Genscreening, rescreen
from . import servicetjek_plots as plots
from .display import table_html
from .format import mio_kr, tal

#: The sliders: parameter, label, min, max, step, and the factor from slider to parameter.
SLIDERS = (
    ("pris_over_sammenlignelige", "Pris over sammenlignelige (%)", 10, 100, 5, 0.01),
    ("dyr_sag_graense", "Meget dyr sag (mio. kr. om året)", 0.5, 3.0, 0.1, 1e6),
    ("forbedring_min", "Forbedret funktionsniveau (fald i niveau)", 0.25, 2.0, 0.25, 1.0),
)


def slider_values(params: Parametre) -> dict[str, float]:
    """The sliders' starting values (in slider units) from the parameters."""
    p = params.servicetjek
    return {name: getattr(p, name) / factor for name, *_, factor in SLIDERS}


def overrides(values: dict[str, float]) -> dict[str, float]:
    """Slider values (slider units) as servicetjek parameters."""
    factor = {name: f for name, *_, f in SLIDERS}
    return {name: round(v * factor[name], 10) for name, v in values.items()}


def summary_html(res: Genscreening, top: int = 15) -> str:
    """The per-rule table and the first rows of the list for one screening."""
    o = res.oversigt
    head = (f"<p><b>{tal(o.antal_bevillinger)}</b> markerede bevillinger; potentiale "
            f"<b>{mio_kr(o.potentiale_lav)}</b> – <b>{mio_kr(o.potentiale_hoej)}</b> om året.</p>")
    rules = table_html(plots.rule_counts_table(o), "Pr. regel",
                       counts=["antal_bevillinger", "antal_borgere"],
                       money=["potentiale_lav", "potentiale_hoej"])
    liste = table_html(plots.review_preview(res.liste, top), f"De første {top} på listen",
                       money=["aarlig_udgift", "potentiale_lav", "potentiale_hoej"])
    return head + rules + liste


class Panel:
    """Sliders for the thresholds; moving one screens again (`rescreen`) and redraws.

    `panel.widget` is the box to display; `panel.resultat` the latest Genscreening.
    """

    def __init__(self, data: Data, params: Parametre, base: pd.DataFrame | None = None,
                 as_of=None, top: int = 15):
        import ipywidgets as w

        self.data, self.params, self.base, self.as_of, self.top = data, params, base, as_of, top
        style = {"description_width": "initial"}
        layout = w.Layout(width="95%")
        start = slider_values(params)
        self.sliders = {
            name: w.FloatSlider(value=start[name], min=lo, max=hi, step=step, description=label,
                                style=style, layout=layout, continuous_update=False)
            for name, label, lo, hi, step, _ in SLIDERS
        }
        self.output = w.HTML()
        for slider in self.sliders.values():
            slider.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([*self.sliders.values(), self.output])
        self.resultat: Genscreening | None = None
        self.update()

    def update(self) -> None:
        values = {name: s.value for name, s in self.sliders.items()}
        self.resultat = rescreen(self.data, self.params, self.as_of, base=self.base,
                                 **overrides(values))
        self.output.value = summary_html(self.resultat, self.top)
