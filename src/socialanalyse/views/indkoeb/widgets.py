"""The price calculator of notebook 06_indkoeb (intern mode): choose the service and the
volume, see the providers ranked by yearly cost with what the price contains.

`calculator_html` (a plain function: price lists, service, volume -> the answer and its HTML)
does the work; `PriceCalculator` only wires ipywidgets to it, so it is tested without a
browser: set `panel.ydelse.value` or `panel.omfang.value` and read `panel.resultat`.
"""

from __future__ import annotations

import html

import pandas as pd

from ...indkoeb import Prisberegning, price_calculator, services
from ...report.display import figure_html, table_html
from ...report.format import tal
from . import figures, tables, text

#: The widgets' width and their labels' width: the same for both, so the slider's track
#: starts where the drop-down's box does.
WIDTH = "46em"
LABEL_WIDTH = "12em"
#: The volume a slider offers per unit: (first, last, step).
STEPS = {"time": (0.5, 40.0, 0.5), "doegn": (1.0, 7.0, 1.0), "maaned": (1.0, 3.0, 0.5)}
VOLUME_LABEL = {"time": "Timer pr. uge", "doegn": "Døgn pr. uge", "maaned": "Antal pr. måned"}


def default_service(prislister: pd.DataFrame, ydelse: str | None = None) -> str | None:
    """`ydelse` when it is on the price lists, else the service most providers price (None
    without price lists)."""
    s = services(prislister)
    if s.empty:
        return None
    if ydelse is not None and ydelse in set(s["ydelse"]):
        return ydelse
    return str(s.sort_values(["antal_leverandoerer", "ydelse"], ascending=[False, True])
               ["ydelse"].iloc[0])


def calculator_choice(prislister: pd.DataFrame, params, ydelse: str | None = None,
                      omfang: float | None = None) -> tuple[str | None, float]:
    """The calculator's service and volume: the notebook's when set, else the parameters'
    (indkoeb.prisberegner_ydelse / prisberegner_omfang), the service falling back on the one
    most providers price (`default_service`)."""
    ind = params.indkoeb
    chosen = ydelse if ydelse is not None else ind.prisberegner_ydelse
    return (default_service(prislister, chosen),
            float(omfang if omfang is not None else ind.prisberegner_omfang))


def volume_options(enhed: str) -> list[tuple[str, float]]:
    """The slider's choices for a unit, labelled the Danish way ('6,5')."""
    first, last, step = STEPS.get(enhed, STEPS["time"])
    n = round((last - first) / step) + 1
    values = [round(first + i * step, 2) for i in range(n)]
    return [(tal(v, 0 if float(v).is_integer() else 1), v) for v in values]


def nearest(options: list[tuple[str, float]], value: float) -> float:
    """The choice closest to `value`."""
    return min((v for _, v in options), key=lambda v: (abs(v - value), v))


def calculator_html(prislister: pd.DataFrame, leverandoerer: pd.DataFrame, ydelse: str,
                    omfang: float) -> tuple[Prisberegning, str]:
    """The calculator's answer for one service and volume, and its HTML: a sentence, the
    ranking figure and the table (or the Danish reason it cannot be made)."""
    import matplotlib.pyplot as plt

    res = price_calculator(prislister, ydelse, omfang, leverandoerer=leverandoerer)
    if not res.tilgaengelig:
        return res, f"<p>{res.mangler}</p>"
    fig = figures.calculator_figure(res)
    image = figure_html(fig, figures.calculator_alt(res))
    plt.close(fig)
    args = tables.TABLE_ARGS["prisberegner"]
    notes = " ".join(res.noter) or None
    table = table_html(tables.calculator_table(res), "Leverandørerne efter årlig udgift",
                       money=args["money"], note=notes)
    contents = "".join(f"<li><b>{html.escape(str(r.navn))}</b>: {html.escape(r.indhold)}</li>"
                       for r in res.tabel.itertuples() if isinstance(r.indhold, str))
    return res, (f"<p>{html.escape(text.calculator_text(res))}</p>{image}"
                 f"{table}<p><b>Prisen indeholder:</b></p><ul>{contents}</ul>")


class PriceCalculator:
    """A drop-down (service) and a slider (volume); each change ranks the providers again.

    `panel.widget` is the box to display; `panel.resultat` the latest Prisberegning and
    `panel.html` what it shows.
    """

    def __init__(self, prislister: pd.DataFrame, leverandoerer: pd.DataFrame,
                 ydelse: str | None = None, omfang: float = 6.0, draw: bool = True):
        import ipywidgets as w

        self.prislister, self.leverandoerer, self.draw = prislister, leverandoerer, draw
        self.units = services(prislister).set_index("ydelse")["enhed"]
        style = {"description_width": LABEL_WIDTH}
        layout = w.Layout(width=WIDTH)
        first = default_service(prislister, ydelse)
        self.ydelse = w.Dropdown(options=list(self.units.index), value=first,
                                 description="Ydelse", style=style, layout=layout)
        unit = self.units.get(first, "time")
        options = volume_options(unit)
        self.omfang = w.SelectionSlider(options=options, value=nearest(options, omfang),
                                        description=VOLUME_LABEL.get(unit, "Omfang"),
                                        style=style, layout=layout, continuous_update=False)
        self.output = w.Output()
        self.ydelse.observe(self._service_changed, names="value")
        self.omfang.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([self.ydelse, self.omfang, self.output])
        self.resultat: Prisberegning | None = None
        self.html = ""
        self.update()

    def _service_changed(self, _change) -> None:
        unit = self.units.get(self.ydelse.value, "time")
        options = volume_options(unit)
        keep = nearest(options, self.omfang.value)
        with self.omfang.hold_trait_notifications():
            self.omfang.options = options
            self.omfang.value = keep
            self.omfang.description = VOLUME_LABEL.get(unit, "Omfang")
        self.update()

    def update(self) -> None:
        """Rank the providers for the chosen service and volume and redraw."""
        self.resultat, self.html = calculator_html(self.prislister, self.leverandoerer,
                                                   self.ydelse.value, self.omfang.value)
        if self.draw:
            from IPython.display import HTML, display

            self.output.clear_output(wait=True)
            with self.output:
                display(HTML(self.html))
