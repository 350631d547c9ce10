"""Month selector and scenario sliders for notebook 04 (intern mode).

`month_view` and `scenario_view` are plain functions (choices -> figures with alt texts);
`Panel` only wires ipywidgets to them, so the behaviour is tested without a browser: set a
widget's value and read `panel.figures`.
"""

from __future__ import annotations

import pandas as pd

from .. import budget as B
from ..data import Data
from . import budget_plots as plots
from .format import maaned, mio_kr


def month_options(data: Data, year: int | None = None) -> list[tuple[str, pd.Timestamp]]:
    """(label, first day of month) for every month of the budget year with payments."""
    ref = B.reference_month(data)
    year = year or ref.year
    first = max(pd.Timestamp(year, 1, 1), data.betalinger["periode"].min().to_period(
        "M").to_timestamp())
    last = min(pd.Timestamp(year, 12, 1), ref)
    return [(maaned(m), m) for m in pd.date_range(first, last, freq="MS")]


def month_view(data: Data, month, ind: B.Indstillinger) -> tuple[B.ForventetRegnskab, list]:
    """The expected year-end at the end of `month` and its figures (figure, alt text)."""
    fr = B.expected_year_end(data, pd.Timestamp(month).year, month, ind)
    v = B.variance(B.differentiated_budget(data, fr.aar, ind), fr)
    return fr, [(plots.forventet_figur(fr), plots.forventet_alt(fr)),
                (plots.vandfald_figur(v), plots.vandfald_alt(v))]


def scenario_view(frem: B.Fremskrivning, antal_aendring: float, pris_aendring: float
                  ) -> tuple[pd.DataFrame, list]:
    """The forecast with a chosen extra yearly change in persons and prices, and its figure."""
    valgt = B.scenario(frem, antal_aendring, pris_aendring)
    return valgt, [(plots.vifte_figur(frem, valgt), plots.vifte_alt(frem))]


class Panel:
    """A month drop-down (expected year-end) and two sliders (forecast scenario).

    `panel.widget` is the box to display; `panel.forventet`, `panel.valgt` and
    `panel.figures` hold the latest results.
    """

    def __init__(self, data: Data, frem: B.Fremskrivning, ind: B.Indstillinger,
                 draw: bool = True):
        import ipywidgets as w

        self.data, self.frem, self.ind, self.draw = data, frem, ind, draw
        style = {"description_width": "initial"}
        options = month_options(data)
        self.month = w.Dropdown(options=options, value=options[-1][1],
                                description="Opgjort ved udgangen af", style=style)
        self.antal = w.FloatSlider(value=0.0, min=-0.05, max=0.10, step=0.005,
                                   description="Ekstra vækst i helårspersoner pr. år",
                                   readout_format=".1%", style=style, continuous_update=False)
        self.pris = w.FloatSlider(value=0.0, min=-0.05, max=0.10, step=0.005,
                                  description="Ekstra reel prisvækst pr. år",
                                  readout_format=".1%", style=style, continuous_update=False)
        self.summary = w.HTML()
        self.output = w.Output()
        for control in (self.month, self.antal, self.pris):
            control.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([self.month, self.antal, self.pris, self.summary, self.output])
        self.update()

    def update(self) -> None:
        """Recompute from the widgets and redraw."""
        self.forventet, month_figs = month_view(self.data, self.month.value, self.ind)
        self.valgt, scen_figs = scenario_view(self.frem, self.antal.value, self.pris.value)
        self.figures = month_figs + scen_figs
        s = self.forventet.samlet
        future = self.valgt.dropna(subset=["basis"])
        last = future.iloc[-1] if len(future) else None
        self.summary.value = (
            f"<p><b>Forventet regnskab {mio_kr(s['forventet'])}</b> mod budget "
            f"{mio_kr(s['budget'])} (opgjort {maaned(self.forventet.opgjort)})"
            + (f"; valgt scenarie for {future.index[-1]} er {mio_kr(last['valgt'])}"
               if last is not None else ".") + "</p>")
        if self.draw:
            from .display import figure

            self.output.clear_output(wait=True)
            with self.output:
                for fig, alt in self.figures:
                    figure(fig, alt=alt)
        else:
            import matplotlib.pyplot as plt

            for fig, _ in self.figures:
                plt.close(fig)
