"""The scenario drop-down and assumption sliders of notebook 03 (intern mode).

`recompute` (a plain function: case, scenario, slider values → `CaseView`) and `render`
(CaseView → figures) do the work; `Panel` only wires ipywidgets to them, so everything can be
tested without a browser: set a slider's value and read `panel.view`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ...businesscase import (
    BusinessCase,
    MonteCarloResultat,
    Resultat,
    evaluate,
    get_value,
    input_label,
    monte_carlo,
    sensitivity,
    with_scenario,
    with_values,
)
from ...businesscase.model import RANGES
from ...report.format import kr, pct, tal
from ...report.widgets import control_layout, control_style, slider_row
from . import figures
from .text import MONEY_FIELDS, input_value_text

NO_SCENARIO = "casens værdier"
HORIZON_MAX = 35


@dataclass(frozen=True)
class CaseView:
    """What the panel shows for one set of choices."""

    case: BusinessCase
    scenarie: str | None
    vaerdier: dict[str, float]
    resultat: Resultat
    foelsomhed: pd.DataFrame
    monte_carlo: MonteCarloResultat | None


def slider_specs(case: BusinessCase) -> list[dict]:
    """One slider per main assumption: each uncertain input (range from its distribution, the
    case's value inside it), the optimism uplift and the horizon.

    Each spec: path, label, min, max, step, value, kind ('float' or 'int').
    """
    specs = []
    for path, dist in case.usikkerhed.items():
        lo, hi = dist.bounds()
        vlo, vhi = RANGES.get(path.split(".")[-1], (0.0, float("inf")))
        base = get_value(case, path)
        lo, hi = max(lo, vlo), min(hi, vhi)
        if base is not None:
            lo, hi = min(lo, base), max(hi, base)
        if hi <= lo:
            continue
        value = base if base is not None else (lo + hi) / 2
        specs.append({"path": path, "label": input_label(case, path), "min": float(lo),
                      "max": float(hi), "step": (hi - lo) / 100, "value": float(value),
                      "kind": "float"})
    specs.append({"path": "optimisme_tillaeg", "label": "Optimismetillæg på udgifter",
                  "min": 0.0, "max": 0.5, "step": 0.01, "value": case.optimisme_tillaeg,
                  "kind": "float"})
    specs.append({"path": "horisont", "label": "Horisont (år)", "min": 1,
                  "max": max(HORIZON_MAX, case.horisont), "step": 1, "value": case.horisont,
                  "kind": "int"})
    return specs


def slider_text(path: str, value: float) -> str:
    """A slider's readout: rates in %, amounts in whole kr. (a step of the slider shows), the
    horizon in years, the rest as numbers (`text.input_value_text`)."""
    field = path.split(".")[-1]
    if field in MONEY_FIELDS:
        return kr(value)
    if path == "horisont":
        return f"{tal(value)} år"
    return input_value_text(path, value)


def recompute(
    case: BusinessCase,
    scenario: str | None = None,
    values: Mapping[str, float] | None = None,
    n: int = 5000,
    seed: int | None = 0,
) -> CaseView:
    """Evaluate the case under a scenario with some inputs set (e.g. from sliders).

    Inputs set here are fixed in the Monte Carlo simulation (not drawn) when they differ from
    the scenario's value. n = 0 skips the simulation.
    """
    base = with_scenario(case, scenario)
    values = dict(values or {})
    changed = {k: v for k, v in values.items() if get_value(base, k) != v}
    current = with_values(base, changed)
    fixed = set(changed) | (set(case.scenarier[scenario].vaerdier)
                            if scenario in case.scenarier else set())
    ranges = {p: d.bounds() for p, d in case.usikkerhed.items() if p not in fixed}
    mc = monte_carlo(current, n, seed, fixed=fixed) if n else None
    return CaseView(
        case=current,
        scenarie=scenario,
        vaerdier=values,
        resultat=evaluate(current),
        foelsomhed=sensitivity(current, ranges),
        monte_carlo=mc,
    )


def render(view: CaseView) -> list[tuple[object, str]]:
    """The figures of a CaseView with their alt texts: flows, cumulative, tornado, simulation."""
    res = view.resultat
    out = [
        (figures.flows_figure(res), figures.flows_alt(res)),
        (figures.cumulative_figure(res), figures.cumulative_alt(res)),
        (figures.tornado_figure(view.foelsomhed), figures.tornado_alt(view.foelsomhed)),
    ]
    if view.monte_carlo is not None:
        mc = view.monte_carlo
        out.append((figures.monte_carlo_figure(mc), figures.monte_carlo_alt(mc)))
    return out


class Panel:
    """ipywidgets for a case: a scenario drop-down and one slider per main assumption.

    Changing a widget recomputes (`recompute`) and redraws (`render`) into `output`.
    `panel.widget` is the box to display; `panel.view` the latest result.
    """

    def __init__(self, case: BusinessCase, n: int = 5000, seed: int | None = 0,
                 draw: bool = True, scenario: str | None = None):
        import ipywidgets as w

        self.case, self.n, self.seed, self.draw = case, n, seed, draw
        self._busy = False
        # "" stands for the case's own values: a drop-down shows nothing for the value None.
        options = [(NO_SCENARIO, "")] + [
            (f"{name}: {sc.beskrivelse}" if sc.beskrivelse else name, name)
            for name, sc in case.scenarier.items()
        ]
        self.scenario = w.Dropdown(options=options, value=scenario or "", description="Scenarie",
                                   style=control_style(), layout=control_layout())
        self.sliders, rows = {}, []
        for spec in slider_specs(case):
            cls = w.IntSlider if spec["kind"] == "int" else w.FloatSlider
            slider = cls(min=spec["min"], max=spec["max"], step=spec["step"],
                         value=spec["value"], description=spec["label"],
                         continuous_update=False)
            rows.append(slider_row(slider, lambda v, path=spec["path"]: slider_text(path, v)))
            self.sliders[spec["path"]] = slider
        self.output = w.Output()
        self.summary = w.HTML()
        for control in [self.scenario, *self.sliders.values()]:
            control.observe(self._changed, names="value")
        self.widget = w.VBox([self.scenario, *rows, self.summary, self.output])
        self.view: CaseView | None = None
        if scenario:
            self._changed({"owner": self.scenario})
        else:
            self.update()

    @property
    def scenario_name(self) -> str | None:
        """The chosen scenario's name, None for the case's own values."""
        return self.scenario.value or None

    def values(self) -> dict[str, float]:
        """The sliders' values by input path, for those moved away from the scenario's value
        (more than half a step: a slider shows its value rounded to the step)."""
        base = with_scenario(self.case, self.scenario_name)
        out = {}
        for path, slider in self.sliders.items():
            value = get_value(base, path)
            if value is None or abs(slider.value - value) > slider.step / 2:
                out[path] = slider.value
        return out

    def _changed(self, change) -> None:
        if self._busy:
            return
        if change["owner"] is self.scenario:
            # A new scenario resets the sliders to its values.
            base = with_scenario(self.case, self.scenario_name)
            self._busy = True
            try:
                for path, slider in self.sliders.items():
                    value = get_value(base, path)
                    if value is not None:
                        slider.value = min(max(value, slider.min), slider.max)
            finally:
                self._busy = False
        self.update()

    def update(self) -> CaseView:
        """Recompute from the widgets' values and redraw."""
        self.view = recompute(self.case, self.scenario_name, self.values(), self.n,
                                 self.seed)
        res = self.view.resultat
        payback = ("ikke inden for horisonten" if res.tilbagebetalingsaar is None
                   else f"år {res.tilbagebetalingsaar}")
        chance = ("" if self.view.monte_carlo is None else
                  f"; sandsynlighed for gevinst "
                  f"{pct(self.view.monte_carlo.sandsynlighed_for_gevinst, 0)}")
        self.summary.value = (f"<p><b>Nutidsværdi {kr(res.nutidsvaerdi)}</b>; tilbagebetalt "
                              f"{payback}{chance}.</p>")
        if self.draw:
            from ...report.display import figure

            self.output.clear_output(wait=True)
            with self.output:
                for fig, alt in render(self.view):
                    figure(fig, alt=alt)
        return self.view
